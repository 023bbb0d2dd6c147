/*
 * test_store.c — unit tests of the store (server/store.h) against real SQLite
 * files in a mkdtemp directory and a real libuv loop: schema migration and
 * reopening next to another module's rows, the commit pipeline's durable_cb
 * order and coverage (checked against a second connection), replay from the
 * last day event and by id rather than index, unknown ids, the current-state
 * tables for every kind of event, store_recent, commit failure, clean stop,
 * commits on the store's own thread while libuv's shared pool is full, and
 * a child process killed with SIGKILL mid-burst (the test re-executes itself
 * with "--child DIR" for that). Events are built by hand, not by the floor.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uv.h>

#include "store.h"
#include "util.h"

#include "check.h"
#include "uvpool.h"

static char dir[64];
static const char *self; /* argv[0], re-executed for the SIGKILL test */

/* ---- the floor definition and hand-built events ---- */

static const struct floor_service_def services[] = {
    {.id = "nav", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "sos", .prefix = "B", .target_wait_s = 900, .default_service_s = 600},
    {.id = "hus", .prefix = "C", .target_wait_s = 1200, .default_service_s = 900},
};
static const struct floor_counter_def counters[] = {
    {.id = "c1", .services = 7, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c2", .services = 3, .policy = FLOOR_POLICY_FIFO},
};
static const struct floor_def def = {3, services, 2, counters, 0};

/* A growing list of events with consecutive seqs, one second apart. */
struct evlist {
	struct floor_event *v;
	size_t n, cap;
	uint64_t seq;
	int64_t ms;
	int32_t day;
};

/* Appends a blank event of kind (seq and time assigned). */
static struct floor_event *ev_add(struct evlist *l, int kind)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	struct floor_event *e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->seq = ++l->seq;
	l->ms += 1000;
	e->at_ms = l->ms;
	e->day = l->day;
	e->kind = (uint8_t)kind;
	e->ticket = FLOOR_NONE;
	e->service = e->from_service = e->counter = -1;
	return e;
}

/* Appends a day event starting day. */
static void ev_day(struct evlist *l, int32_t day)
{
	l->day = day;
	ev_add(l, FLOOR_EV_DAY);
}

/* Appends counter.opened. */
static void ev_open(struct evlist *l, int counter, uint64_t mask)
{
	struct floor_event *e = ev_add(l, FLOOR_EV_COUNTER_OPENED);
	e->counter = (int16_t)counter;
	e->services = mask;
}

/* Appends counter.closed. */
static void ev_close(struct evlist *l, int counter, int reason)
{
	struct floor_event *e = ev_add(l, FLOOR_EV_COUNTER_CLOSED);
	e->counter = (int16_t)counter;
	e->reason = (uint8_t)reason;
}

/* Appends ticket.issued with a token derived from the handle. */
static void ev_issue(struct evlist *l, uint32_t h, int service, int number, int prio)
{
	struct floor_event *e = ev_add(l, FLOOR_EV_ISSUED);
	e->ticket = h;
	e->service = (int16_t)service;
	e->number = (uint16_t)number;
	e->leg = 1;
	e->priority = (uint8_t)prio;
	for (int i = 0; i < FLOOR_TOKEN_LEN; i++)
		e->token[i] = (uint8_t)(h * 31 + i + 1);
}

/* Appends a ticket event (called, recalled, serving, done, no_show, cancelled). */
static void ev_tk(struct evlist *l, int kind, uint32_t h, int counter, int service, int leg)
{
	struct floor_event *e = ev_add(l, kind);
	e->ticket = h;
	e->counter = (int16_t)counter;
	e->service = (int16_t)service;
	e->leg = (uint16_t)leg;
	if (kind == FLOOR_EV_CANCELLED)
		e->reason = FLOOR_REASON_VISITOR;
}

/* Appends ticket.transferred from one service to another. */
static void ev_transfer(struct evlist *l, uint32_t h, int counter, int from, int to, bool front,
			int leg)
{
	struct floor_event *e = ev_add(l, FLOOR_EV_TRANSFERRED);
	e->ticket = h;
	e->counter = (int16_t)counter;
	e->from_service = (int16_t)from;
	e->service = (int16_t)to;
	e->front = front;
	e->leg = (uint16_t)leg;
}

/* Appends n full visits (issued, called, serving, done at counter 0), handles from h0. */
static void ev_visits(struct evlist *l, uint32_t h0, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t h = h0 + (uint32_t)i;
		ev_issue(l, h, (int)(h % 3), (int)(h + 1), 0);
		ev_tk(l, FLOOR_EV_CALLED, h, 0, (int)(h % 3), 1);
		ev_tk(l, FLOOR_EV_SERVING, h, 0, (int)(h % 3), 1);
		ev_tk(l, FLOOR_EV_DONE, h, 0, (int)(h % 3), 1);
	}
}

/* Whether two events are equal field by field. */
static bool ev_equal(const struct floor_event *a, const struct floor_event *b)
{
	return a->seq == b->seq && a->at_ms == b->at_ms && a->day == b->day && a->kind == b->kind &&
	       a->priority == b->priority && a->front == b->front && a->reason == b->reason &&
	       a->ticket == b->ticket && a->service == b->service &&
	       a->from_service == b->from_service && a->counter == b->counter &&
	       a->number == b->number && a->leg == b->leg && a->services == b->services &&
	       memcmp(a->token, b->token, FLOOR_TOKEN_LEN) == 0;
}

/* The public JSON the tests store with an event. */
static char *ev_json(const struct floor_event *e)
{
	return xasprintf("{\"type\":\"event\",\"seq\":%llu,\"kind\":%d}",
			 (unsigned long long)e->seq, e->kind);
}

/* ---- driving the pipeline on a real loop ---- */

struct drive {
	struct store *s;
	const struct floor_event *evs;
	size_t n, next, per_tick;
	uv_idle_t idle;
	uint64_t durable;     /* last durable seq reported */
	size_t ndurable;      /* durable_cb calls */
	bool order_ok;	      /* durable seqs rose and never passed what was appended */
	bool committed_ok;    /* a second connection saw every reported seq */
	bool stop_on_durable; /* stop once the last event is durable (else after appending) */
	int done_calls;
	bool done_in_stop; /* done_cb ran inside store_stop (it must not) */
	bool in_stop;
	char *fail;
	sqlite3 *check;
};

/* Counts done_cb calls. */
static void done_cb(void *arg)
{
	struct drive *d = arg;
	d->done_calls++;
	if (d->in_stop)
		d->done_in_stop = true;
}

/* Calls store_stop, noting whether done_cb ran inside it. */
static void drive_stop(struct drive *d)
{
	d->in_stop = true;
	store_stop(d->s, done_cb, d);
	d->in_stop = false;
}

/* Records a durable seq and checks it is really in the file. */
static void durable_cb(uint64_t seq, void *arg)
{
	struct drive *d = arg;
	if (seq <= d->durable || seq > d->evs[d->next - 1].seq)
		d->order_ok = false;
	d->durable = seq;
	d->ndurable++;
	if (d->check) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(d->check, "SELECT MAX(seq) FROM journal", -1, &st, NULL);
		if (sqlite3_step(st) != SQLITE_ROW || (uint64_t)sqlite3_column_int64(st, 0) < seq)
			d->committed_ok = false;
		sqlite3_finalize(st);
	}
	if (d->stop_on_durable && d->n && seq == d->evs[d->n - 1].seq)
		drive_stop(d);
}

/* Keeps the cause of a failed commit. */
static void fail_cb(const char *cause, void *arg)
{
	struct drive *d = arg;
	free(d->fail);
	d->fail = xstrdup(cause);
}

/* Appends per_tick events each loop turn; when all are in, stops appending. */
static void idle_cb(uv_idle_t *h)
{
	struct drive *d = h->data;
	for (size_t i = 0; i < d->per_tick && d->next < d->n; i++, d->next++) {
		char *json = ev_json(&d->evs[d->next]);
		store_append(d->s, &d->evs[d->next], json, strlen(json), NULL);
		free(json);
	}
	if (d->next == d->n) {
		uv_close((uv_handle_t *)h, NULL);
		if (!d->stop_on_durable)
			drive_stop(d);
	}
}

/* Runs the events through a started store on a fresh loop until stopped; returns
 *  uv_loop_close's result (0 when the store left nothing active). */
static int drive_run(struct drive *d, struct store *s, const struct floor_event *evs, size_t n,
		     size_t per_tick, const char *check_path)
{
	uv_loop_t loop;
	d->s = s;
	d->evs = evs;
	d->n = n;
	d->per_tick = per_tick;
	d->order_ok = d->committed_ok = true;
	if (check_path && sqlite3_open(check_path, &d->check) != SQLITE_OK)
		return -1;
	uv_loop_init(&loop);
	if (store_start(s, &loop, durable_cb, fail_cb, d) != 0)
		return -1;
	uv_idle_init(&loop, &d->idle);
	d->idle.data = d;
	uv_idle_start(&d->idle, idle_cb);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (d->check)
		sqlite3_close(d->check);
	d->check = NULL;
	return uv_loop_close(&loop);
}

/* ---- small SQL helpers on a separate connection ---- */

/* Path of a file in the test directory (static buffer). */
static const char *path_of(const char *name)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* One integer from a query on the file at path; -999 on error, -1 for NULL/no row. */
static int64_t q_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -999;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1
								      : sqlite3_column_int64(st, 0);
		else if (rc == SQLITE_DONE)
			v = -1;
	} else {
		fprintf(stderr, "q_int: %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* One row of a query as "a|b|c" (NULL shown as "-") into buf; "" when no row. */
static const char *q_row(const char *path, const char *sql)
{
	static char buf[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		size_t len = 0;
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *t = (const char *)sqlite3_column_text(st, i);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "",
						t ? t : "-");
		}
	} else if (!st) {
		fprintf(stderr, "q_row: %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

/* Runs SQL on the file at path; returns the SQLite code. */
static int q_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* Opens path with def, or returns NULL printing the cause. */
static struct store *open_or_null(const char *path, const struct floor_def *d, bool normal)
{
	struct store *s = NULL;
	char *cause = NULL;
	struct store_opts o = {.sync_normal = normal};
	if (store_open(path, d, &o, &s, &cause) != 0) {
		fprintf(stderr, "store_open: %s\n", cause);
		free(cause);
		return NULL;
	}
	return s;
}

/* Writes the events to a new store file at path; returns 0 when all became durable. */
static int write_events(const char *path, const struct floor_def *d, const struct evlist *l)
{
	struct store *s = open_or_null(path, d, true);
	struct drive dr = {0};
	if (!s)
		return -1;
	int rc = drive_run(&dr, s, l->v, l->n, 16, NULL);
	store_free(s);
	bool ok = rc == 0 && dr.done_calls == 1 && !dr.fail && dr.durable == l->v[l->n - 1].seq;
	free(dr.fail);
	return ok ? 0 : -1;
}

/* ---- the tests ---- */

/* Creating, migrating and reopening; another module's rows survive; too new fails. */
static int test_open_migrate_reopen(void)
{
	const char *p = path_of("open.db");
	char *cause = NULL;
	struct store *s;
	REQUIRE(q_exec(p, "CREATE TABLE schema(module TEXT PRIMARY KEY, version INTEGER NOT NULL);"
			  "INSERT INTO schema VALUES('auth', 3);"
			  "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('x');") ==
		SQLITE_OK);
	REQUIRE((s = open_or_null(p, &def, false)) != NULL);
	REQUIRE(store_last_seq(s) == 0);
	store_free(s);
	REQUIRE(q_int(p, "SELECT version FROM schema WHERE module = 'store'") == 5);
	REQUIRE(q_int(p, "SELECT version FROM schema WHERE module = 'auth'") == 3);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM users") == 1);
	REQUIRE(strcmp(q_row(p, "PRAGMA journal_mode"), "wal") == 0);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('journal', 'tickets',"
			 " 'legs', 'journal_day')") == 4);
	/* schema v4 drops the write-only counters table that v1 created */
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('counters',"
			 " 'counters_ticket')") == 0);
	REQUIRE(
	    q_exec(p, "INSERT INTO journal(seq, at_ms, day, kind) VALUES(7, 1, 20260101, 11)") ==
	    SQLITE_OK);
	REQUIRE((s = open_or_null(p, &def, true)) != NULL);
	REQUIRE(store_last_seq(s) == 7);
	store_free(s);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM schema") == 2);

	REQUIRE(q_exec(p, "UPDATE schema SET version = 99 WHERE module = 'store'") == SQLITE_OK);
	s = NULL;
	REQUIRE(store_open(p, &def, NULL, &s, &cause) == -EPROTO);
	REQUIRE(s == NULL && cause && strstr(cause, "99"));
	free(cause);
	cause = NULL;

	/* Duplicate ids make replay ambiguous: refused. */
	static const struct floor_service_def dup[] = {
	    {.id = "nav", .prefix = "A", .target_wait_s = 1, .default_service_s = 1},
	    {.id = "nav", .prefix = "B", .target_wait_s = 1, .default_service_s = 1}};
	struct floor_def d2 = {2, dup, 0, NULL, 0};
	REQUIRE(store_open(path_of("dup.db"), &d2, NULL, &s, &cause) == -EINVAL);
	REQUIRE(cause && strstr(cause, "nav"));
	free(cause);
	return 0;
}

/* A schema v3 database (with the counters table of v1, rows in it) opens: the migration to
 * v4 drops that table and its index and keeps the journal. */
static int test_migrate_v3(void)
{
	const char *p = path_of("v3.db");
	struct store *s;
	REQUIRE((s = open_or_null(p, &def, false)) != NULL);
	store_free(s);
	REQUIRE(q_exec(p, "CREATE TABLE counters ("
			  " id TEXT PRIMARY KEY, open INTEGER NOT NULL, services TEXT,"
			  " ticket_day INTEGER, ticket_handle INTEGER, updated_ms INTEGER NOT NULL)"
			  " WITHOUT ROWID;"
			  "CREATE INDEX counters_ticket ON counters(ticket_day, ticket_handle);"
			  "INSERT INTO counters VALUES('c1', 1, 'nav', 20260101, 0, 1);"
			  "INSERT INTO journal(seq, at_ms, day, kind) VALUES(3, 1, 20260101, 11);"
			  "UPDATE schema SET version = 3 WHERE module = 'store';") == SQLITE_OK);
	REQUIRE((s = open_or_null(p, &def, true)) != NULL);
	REQUIRE(store_last_seq(s) == 3);
	store_free(s);
	REQUIRE(q_int(p, "SELECT version FROM schema WHERE module = 'store'") == 5);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('counters',"
			 " 'counters_ticket')") == 0);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM journal") == 1);
	return 0;
}

/* Hundreds of events through the pipeline: durable_cb in order, covering all, batched. */
static int test_pipeline_durable(void)
{
	const char *p = path_of("pipe.db");
	struct evlist l = {.day = 20260105};
	ev_day(&l, 20260105);
	ev_open(&l, 0, 7);
	ev_visits(&l, 0, 150); /* 602 events */
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	struct drive d = {.stop_on_durable = true};
	REQUIRE(drive_run(&d, s, l.v, l.n, 7, p) == 0);
	REQUIRE(d.fail == NULL);
	REQUIRE(d.order_ok && d.committed_ok);
	REQUIRE(d.durable == l.n);
	REQUIRE(d.done_calls == 1 && !d.done_in_stop);
	struct store_stats st;
	store_get_stats(s, &st);
	REQUIRE(st.events == l.n);
	REQUIRE(st.commits == d.ndurable);
	REQUIRE(st.commits >= 2 && st.commits < l.n); /* batched, yet more than one batch */
	REQUIRE(st.max_commit_us >= st.last_commit_us && st.max_commit_us > 0);
	REQUIRE(store_last_seq(s) == l.n);
	store_free(s);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM journal") == (int64_t)l.n);
	REQUIRE(q_int(p, "SELECT MIN(seq) FROM journal") == 1);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM tickets WHERE state = 'done'") == 150);
	s = open_or_null(p, &def, false);
	REQUIRE(s && store_last_seq(s) == l.n);
	store_free(s);
	free(l.v);
	return 0;
}

struct replay_acc {
	struct floor_event v[256];
	size_t n;
	int fail_at; /* return an error for this seq */
};

/* Collects replayed events. */
static int replay_cb(const struct floor_event *ev, void *arg)
{
	struct replay_acc *a = arg;
	if (a->fail_at && ev->seq == (uint64_t)a->fail_at)
		return -42;
	if (a->n < ARRAY_SIZE(a->v))
		a->v[a->n++] = *ev;
	return 0;
}

/* Replay starts at the last day event, gives every field back, and maps ids (not indexes). */
static int test_replay(void)
{
	const char *p = path_of("replay.db");
	struct evlist l = {0};
	char *cause = NULL;
	ev_day(&l, 20260101);
	ev_open(&l, 1, 3);
	ev_issue(&l, 0, 1, 1, 2);
	ev_day(&l, 20260102);
	size_t from = l.n - 1;
	ev_open(&l, 0, 5);
	ev_issue(&l, 0, 2, 1, 1);
	ev_tk(&l, FLOOR_EV_CALLED, 0, 0, 2, 1);
	ev_transfer(&l, 0, 0, 2, 0, true, 2);
	ev_tk(&l, FLOOR_EV_CANCELLED, 0, -1, 0, 2);
	ev_close(&l, 0, FLOOR_REASON_STAFF);
	REQUIRE(write_events(p, &def, &l) == 0);

	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	struct replay_acc *a = xcalloc(1, sizeof(*a));
	REQUIRE(store_replay(s, replay_cb, a, &cause) == 0);
	REQUIRE(a->n == l.n - from);
	for (size_t i = 0; i < a->n; i++)
		REQUIRE(ev_equal(&a->v[i], &l.v[from + i]));
	REQUIRE(a->v[1].services == 5 && a->v[2].token[0] == 1 && a->v[4].front == 1);

	/* A callback error stops the replay and is returned. */
	memset(a, 0, sizeof(*a));
	a->fail_at = (int)l.v[from + 2].seq;
	REQUIRE(store_replay(s, replay_cb, a, &cause) == -42);
	REQUIRE(a->n == 2 && cause);
	free(cause);
	cause = NULL;
	store_free(s);

	/* A config listing the same ids in another order replays to the new indexes. */
	static const struct floor_service_def rsvc[] = {
	    {.id = "hus", .prefix = "C", .target_wait_s = 1, .default_service_s = 1},
	    {.id = "nav", .prefix = "A", .target_wait_s = 1, .default_service_s = 1},
	    {.id = "sos", .prefix = "B", .target_wait_s = 1, .default_service_s = 1}};
	static const struct floor_counter_def rctr[] = {{.id = "c2", .services = 3},
							{.id = "c1", .services = 7}};
	struct floor_def rdef = {3, rsvc, 2, rctr, 0};
	REQUIRE((s = open_or_null(p, &rdef, false)) != NULL);
	memset(a, 0, sizeof(*a));
	REQUIRE(store_replay(s, replay_cb, a, &cause) == 0);
	REQUIRE(a->n == l.n - from);
	REQUIRE(a->v[1].counter == 1 && a->v[1].services == 3); /* c1; nav, hus */
	REQUIRE(a->v[2].service == 0);				/* hus */
	REQUIRE(a->v[4].from_service == 0 && a->v[4].service == 1);
	store_free(s);

	/* Without any day event, replay starts at the beginning. */
	struct evlist m = {.day = 20260101};
	ev_open(&m, 0, 1);
	ev_issue(&m, 0, 0, 1, 0);
	REQUIRE(write_events(path_of("noday.db"), &def, &m) == 0);
	REQUIRE((s = open_or_null(path_of("noday.db"), &def, false)) != NULL);
	memset(a, 0, sizeof(*a));
	REQUIRE(store_replay(s, replay_cb, a, &cause) == 0);
	REQUIRE(a->n == 2 && ev_equal(&a->v[0], &m.v[0]) && ev_equal(&a->v[1], &m.v[1]));
	store_free(s);
	free(a);
	free(l.v);
	free(m.v);
	return 0;
}

/* A journal naming a service or counter the config lacks: -EINVAL naming id and seq. */
static int test_replay_unknown_id(void)
{
	const char *p = path_of("unknown.db");
	struct evlist l = {0};
	char *cause = NULL;
	ev_day(&l, 20260101);
	ev_open(&l, 0, 1);
	ev_issue(&l, 0, 2, 1, 0); /* seq 3: service "hus" */
	REQUIRE(write_events(p, &def, &l) == 0);

	static const struct floor_service_def two[] = {
	    {.id = "nav", .prefix = "A", .target_wait_s = 1, .default_service_s = 1},
	    {.id = "sos", .prefix = "B", .target_wait_s = 1, .default_service_s = 1}};
	struct floor_def d2 = {2, two, 2, counters, 0};
	struct store *s = open_or_null(p, &d2, false);
	REQUIRE(s);
	struct replay_acc *a = xcalloc(1, sizeof(*a));
	REQUIRE(store_replay(s, replay_cb, a, &cause) == -EINVAL);
	REQUIRE(cause && strstr(cause, "\"hus\"") && strstr(cause, "seq 3"));
	free(cause);
	cause = NULL;
	store_free(s);

	static const struct floor_counter_def one[] = {{.id = "c9", .services = 7}};
	struct floor_def d3 = {3, services, 1, one, 0};
	REQUIRE((s = open_or_null(p, &d3, false)) != NULL);
	a->n = 0;
	REQUIRE(store_replay(s, replay_cb, a, &cause) == -EINVAL);
	REQUIRE(cause && strstr(cause, "\"c1\"") && strstr(cause, "seq 2"));
	free(cause);
	store_free(s);
	free(a);
	free(l.v);
	return 0;
}

/* The tickets and legs tables follow every kind of event. */
static int test_state_tables(void)
{
	const char *p = path_of("state.db");
	struct evlist l = {0};
	/* ev_add puts event k at k seconds (k * 1000 ms). */
	ev_day(&l, 20260110);			    /* 1 */
	ev_open(&l, 0, 7);			    /* 2 */
	ev_open(&l, 1, 3);			    /* 3 */
	ev_issue(&l, 0, 0, 1, 0);		    /* 4: A001 nav */
	ev_issue(&l, 1, 1, 1, 2);		    /* 5: B001 sos, accessibility */
	ev_issue(&l, 2, 0, 2, 0);		    /* 6: A002 nav */
	ev_issue(&l, 3, 2, 1, 0);		    /* 7: C001 hus */
	ev_tk(&l, FLOOR_EV_CALLED, 0, 0, 0, 1);	    /* 8 */
	ev_tk(&l, FLOOR_EV_RECALLED, 0, 0, 0, 1);   /* 9 */
	ev_tk(&l, FLOOR_EV_SERVING, 0, 0, 0, 1);    /* 10 */
	ev_transfer(&l, 0, 0, 0, 1, true, 2);	    /* 11: nav -> sos, front */
	ev_tk(&l, FLOOR_EV_CALLED, 0, 1, 1, 2);	    /* 12: at c2 */
	ev_tk(&l, FLOOR_EV_SERVING, 0, 1, 1, 2);    /* 13 */
	ev_tk(&l, FLOOR_EV_DONE, 0, 1, 1, 2);	    /* 14 */
	ev_tk(&l, FLOOR_EV_CALLED, 1, 0, 1, 1);	    /* 15 */
	ev_tk(&l, FLOOR_EV_NO_SHOW, 1, 0, 1, 1);    /* 16 */
	ev_tk(&l, FLOOR_EV_CANCELLED, 2, -1, 0, 1); /* 17: left while waiting */
	ev_tk(&l, FLOOR_EV_CALLED, 3, 0, 2, 1);	    /* 18 */
	ev_transfer(&l, 3, 0, 2, 0, false, 2);	    /* 19: hus -> nav, back */
	ev_tk(&l, FLOOR_EV_CALLED, 3, 1, 0, 2);	    /* 20: at c2, stays called */
	ev_close(&l, 0, FLOOR_REASON_STAFF);	    /* 21 */
	REQUIRE(write_events(p, &def, &l) == 0);

	REQUIRE(q_int(p, "SELECT COUNT(*) FROM tickets") == 4);
	REQUIRE(strcmp(q_row(p, "SELECT day, number, first_service, service, state, priority, legs,"
				" issued_ms, updated_ms FROM tickets WHERE handle = 0"),
		       "20260110|1|nav|sos|done|0|2|4000|14000") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT first_service, service, state, priority, legs FROM tickets"
				" WHERE handle = 1"),
		       "sos|sos|no_show|2|1") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT state, legs, updated_ms FROM tickets WHERE handle = 2"),
		       "cancelled|1|17000") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT first_service, service, state, legs FROM tickets"
				" WHERE handle = 3"),
		       "hus|nav|called|2") == 0);

	REQUIRE(q_int(p, "SELECT COUNT(*) FROM legs") == 6);
	/* Ticket 0: leg 1 at nav, called at 8 s (the recall keeps the first call), served, ended
	 * by the transfer; leg 2 at sos queued at the transfer, called at c2, done. */
	REQUIRE(strcmp(q_row(p, "SELECT service, counter, queued_ms, called_ms, started_ms,"
				" ended_ms, outcome FROM legs WHERE handle = 0 AND leg = 1"),
		       "nav|c1|4000|8000|10000|11000|done") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT service, counter, queued_ms, called_ms, started_ms,"
				" ended_ms, outcome FROM legs WHERE handle = 0 AND leg = 2"),
		       "sos|c2|11000|12000|13000|14000|done") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT service, counter, called_ms, started_ms, ended_ms, outcome"
				" FROM legs WHERE handle = 1"),
		       "sos|c1|15000|-|16000|no_show") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT counter, called_ms, ended_ms, outcome FROM legs"
				" WHERE handle = 2"),
		       "-|-|17000|cancelled") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT service, called_ms, ended_ms, outcome FROM legs"
				" WHERE handle = 3 AND leg = 1"),
		       "hus|18000|19000|done") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT service, counter, queued_ms, called_ms, ended_ms, outcome"
				" FROM legs WHERE handle = 3 AND leg = 2"),
		       "nav|c2|19000|20000|-|called") == 0);

	REQUIRE(strcmp(q_row(p, "SELECT services, token IS NOT NULL, json FROM journal"
				" WHERE seq = 2"),
		       "nav,sos,hus|0|{\"type\":\"event\",\"seq\":2,\"kind\":9}") == 0);
	REQUIRE(q_int(p, "SELECT length(token) FROM journal WHERE seq = 4") == FLOOR_TOKEN_LEN);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM journal WHERE ticket IS NULL") == 4);

	/* Day rollover: the old day's open ticket is cancelled (whichever day the cancel
	 * carries), the new day's handle 0 is a new row. */
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	struct evlist m = {.seq = l.seq, .ms = l.ms, .day = 20260111};
	ev_tk(&m, FLOOR_EV_CANCELLED, 3, -1, 0, 2); /* carries the new day */
	m.v[0].reason = FLOOR_REASON_DAY_END;
	ev_close(&m, 1, FLOOR_REASON_DAY_END);
	ev_day(&m, 20260111);
	ev_issue(&m, 0, 1, 1, 0);
	struct drive d = {0};
	REQUIRE(drive_run(&d, s, m.v, m.n, 100, NULL) == 0);
	REQUIRE(d.durable == m.v[m.n - 1].seq && !d.fail);
	store_free(s);
	REQUIRE(strcmp(q_row(p, "SELECT state FROM tickets WHERE day = 20260110 AND handle = 3"),
		       "cancelled") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT outcome, ended_ms FROM legs WHERE day = 20260110 AND"
				" handle = 3 AND leg = 2"),
		       "cancelled|22000") == 0);
	REQUIRE(strcmp(q_row(p, "SELECT first_service, state FROM tickets WHERE day = 20260111 AND"
				" handle = 0"),
		       "sos|waiting") == 0);
	free(l.v);
	free(m.v);
	return 0;
}

struct recent_acc {
	uint64_t seq[64];
	size_t n;
	bool json_ok, ev_ok;
	const struct evlist *written;
};

/* Collects recent events and checks each JSON is the one stored with its seq, and the
 * event the one written (kind, service, counter: what the fan-out mask is made of). */
static void recent_cb(const struct floor_event *ev, const char *json, size_t len, void *arg)
{
	struct recent_acc *a = arg;
	uint64_t seq = ev->seq;
	char want[96];
	snprintf(want, sizeof(want), "\"seq\":%llu,", (unsigned long long)seq);
	if (!strstr(json, want) || strlen(json) != len)
		a->json_ok = false;
	const struct floor_event *w =
	    seq >= 1 && seq <= a->written->n ? &a->written->v[seq - 1] : NULL;
	if (!w || w->seq != seq || w->kind != ev->kind || w->service != ev->service ||
	    w->from_service != ev->from_service || w->counter != ev->counter)
		a->ev_ok = false;
	if (a->n < ARRAY_SIZE(a->seq))
		a->seq[a->n++] = seq;
}

/* store_recent gives the newest events after a seq, oldest first, at most max. */
static int test_recent(void)
{
	const char *p = path_of("recent.db");
	struct evlist l = {0};
	ev_day(&l, 20260101);
	ev_open(&l, 0, 7);
	ev_visits(&l, 0, 25); /* 102 events */
	REQUIRE(write_events(p, &def, &l) == 0);
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	struct recent_acc a = {.json_ok = true, .ev_ok = true, .written = &l};
	REQUIRE(store_recent(s, 0, 10, recent_cb, &a) == 0);
	REQUIRE(a.n == 10 && a.json_ok && a.ev_ok);
	for (size_t i = 0; i < 10; i++)
		REQUIRE(a.seq[i] == 93 + i);
	a.n = 0;
	REQUIRE(store_recent(s, 97, 10, recent_cb, &a) == 0);
	REQUIRE(a.n == 5 && a.seq[0] == 98 && a.seq[4] == 102 && a.json_ok && a.ev_ok);
	a.n = 0;
	REQUIRE(store_recent(s, 0, 0, recent_cb, &a) == 0 && a.n == 0);
	REQUIRE(store_recent(s, 102, 10, recent_cb, &a) == 0 && a.n == 0);
	store_free(s);
	free(l.v);
	return 0;
}

/* Wakes the loop once (the timeout of test_own_thread). */
static void timeout_cb(uv_timer_t *h)
{
	*(bool *)h->data = true;
}

/* Commits run on the store's own thread ("torg-commit", there from start to stop): with
 *  every thread of libuv's shared pool busy, events still become durable. */
static int test_own_thread(void)
{
	const char *p = path_of("own.db");
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	struct evlist l = {.day = 20260106};
	ev_day(&l, 20260106);
	ev_open(&l, 0, 7);
	ev_visits(&l, 0, 5);
	uv_loop_t loop;
	uv_loop_init(&loop);
	REQUIRE(uvpool_block(&loop));
	REQUIRE(!uvpool_thread_named("torg-commit"));
	struct drive d = {.evs = l.v, .n = l.n, .next = l.n, .order_ok = true};
	d.s = s;
	REQUIRE(store_start(s, &loop, durable_cb, fail_cb, &d) == 0);
	REQUIRE(uvpool_thread_named("torg-commit"));
	for (size_t i = 0; i < l.n; i++) {
		char *json = ev_json(&l.v[i]);
		store_append(s, &l.v[i], json, strlen(json), NULL);
		free(json);
	}
	uv_timer_t timer;
	bool timed_out = false;
	uv_timer_init(&loop, &timer);
	timer.data = &timed_out;
	uv_timer_start(&timer, timeout_cb, 10000, 0);
	while (d.durable < l.n && !timed_out)
		uv_run(&loop, UV_RUN_ONCE);
	CHECK(d.durable == l.n && d.order_ok && !d.fail);
	CHECK(uvpool.finished == 0); /* the shared pool was blocked all along */
	uv_close((uv_handle_t *)&timer, NULL);
	uvpool_open();
	drive_stop(&d);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(uvpool.finished == UVPOOL_THREADS && d.done_calls == 1);
	CHECK(!uvpool_thread_named("torg-commit")); /* joined at the stop */
	REQUIRE(uv_loop_close(&loop) == 0);
	store_free(s);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM journal") == (int64_t)l.n);
	free(l.v);
	return 0;
}

/* Events appended in one loop turn leave in one commit at its end (kicking at each append
 * sent the first alone), and a lone event on an idle store leaves at the end of its own
 * turn without waiting for anything else. */
static int test_one_turn_one_commit(void)
{
	const char *p = path_of("turn.db");
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	struct evlist l = {.day = 20260107};
	ev_day(&l, 20260107);
	ev_open(&l, 0, 7);
	ev_visits(&l, 0, 20);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct drive d = {.evs = l.v, .n = l.n, .next = l.n - 1, .order_ok = true};
	d.s = s;
	REQUIRE(store_start(s, &loop, durable_cb, fail_cb, &d) == 0);
	for (size_t i = 0; i + 1 < l.n; i++) {
		char *json = ev_json(&l.v[i]);
		store_append(s, &l.v[i], json, strlen(json), NULL);
		free(json);
	}
	while (d.durable < l.v[l.n - 2].seq && !d.fail)
		uv_run(&loop, UV_RUN_ONCE);
	CHECK(d.ndurable == 1 && d.order_ok && !d.fail);
	struct store_stats st;
	store_get_stats(s, &st);
	CHECK(st.commits == 1 && st.events == l.n - 1);
	/* the last one alone: the loop does not block before committing it */
	d.next = l.n;
	char *json = ev_json(&l.v[l.n - 1]);
	store_append(s, &l.v[l.n - 1], json, strlen(json), NULL);
	free(json);
	while (d.durable < l.v[l.n - 1].seq && !d.fail)
		uv_run(&loop, UV_RUN_ONCE);
	CHECK(d.ndurable == 2 && d.durable == l.v[l.n - 1].seq);
	drive_stop(&d);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(d.done_calls == 1);
	REQUIRE(uv_loop_close(&loop) == 0); /* the turn handles are closed by the stop */
	store_free(s);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM journal") == (int64_t)l.n);
	free(l.v);
	return 0;
}

/* Stop with nothing queued, and a never-started store: no handle left, done_cb once. */
static int test_stop(void)
{
	const char *p = path_of("stop.db");
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct drive d = {0};
	d.s = s;
	REQUIRE(store_start(s, &loop, durable_cb, fail_cb, &d) == 0);
	REQUIRE(store_start(s, &loop, durable_cb, fail_cb, &d) == -EALREADY);
	drive_stop(&d);
	REQUIRE(d.done_calls == 0); /* never inside store_stop when started */
	uv_run(&loop, UV_RUN_DEFAULT);
	REQUIRE(d.done_calls == 1 && d.ndurable == 0);
	REQUIRE(uv_loop_close(&loop) == 0);
	store_free(s);

	s = open_or_null(p, &def, false);
	REQUIRE(s);
	d.done_calls = 0;
	d.s = s;
	store_stop(s, done_cb, &d);
	REQUIRE(d.done_calls == 1);
	store_free(s);
	store_free(NULL);
	return 0;
}

/* A commit that fails: fail_cb with a cause, no durable_cb, nothing journaled, and
 *  later appends are dropped rather than acknowledged. */
static int test_commit_failure(void)
{
	const char *p = path_of("fail.db");
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	REQUIRE(q_exec(p, "DROP TABLE legs") == SQLITE_OK);
	struct evlist l = {0};
	ev_day(&l, 20260101);
	ev_issue(&l, 0, 0, 1, 0);
	ev_issue(&l, 1, 0, 2, 0);
	struct drive d = {0};
	REQUIRE(drive_run(&d, s, l.v, l.n, 1, NULL) == 0);
	REQUIRE(d.fail && strstr(d.fail, "legs"));
	REQUIRE(d.ndurable <= 1 && d.durable <= 1); /* the day event may commit alone */
	REQUIRE(d.done_calls == 1);
	REQUIRE(store_last_seq(s) == d.durable);
	store_free(s);
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM journal WHERE kind = 1") == 0);
	free(d.fail);
	free(l.v);
	return 0;
}

/* ---- the SIGKILL test: a child appending as fast as it can ---- */

struct child {
	struct store *s;
	struct evlist l;
	size_t next;
	uint64_t durable;
};

/* Child: reports each durable seq on stdout as 8 raw bytes. */
static void child_durable_cb(uint64_t seq, void *arg)
{
	struct child *c = arg;
	c->durable = seq;
	if (write(1, &seq, sizeof(seq)) != sizeof(seq))
		_exit(3);
}

/* Child: a commit failed. */
static void child_fail_cb(const char *cause, void *arg)
{
	fprintf(stderr, "child: %s\n", cause);
	_exit(4);
}

/* Child: appends up to 64 visits' events per turn, keeping under 20000 not yet durable. */
static void child_idle_cb(uv_idle_t *h)
{
	struct child *c = h->data;
	for (int k = 0; k < 64 && c->l.seq - c->durable < 20000; k++) {
		c->l.n = 0;
		ev_visits(&c->l, (uint32_t)c->next++, 1);
		for (size_t i = 0; i < c->l.n; i++) {
			char *json = ev_json(&c->l.v[i]);
			store_append(c->s, &c->l.v[i], json, strlen(json), NULL);
			free(json);
		}
	}
}

/* Child main: opens the store (FULL) and appends until killed. */
static int child_main(const char *d)
{
	static struct child c;
	char path[128];
	alarm(60); /* never outlive a parent that failed to kill us */
	log_set_level(LOG_ERR);
	snprintf(path, sizeof(path), "%s/kill.db", d);
	if (!(c.s = open_or_null(path, &def, false)))
		return 2;
	uv_loop_t loop;
	uv_idle_t idle;
	uv_loop_init(&loop);
	c.l.day = 20260201;
	ev_day(&c.l, 20260201);
	ev_open(&c.l, 0, 7);
	for (size_t i = 0; i < c.l.n; i++)
		store_append(c.s, &c.l.v[i], "{}", 2, NULL);
	store_start(c.s, &loop, child_durable_cb, child_fail_cb, &c);
	uv_idle_init(&loop, &idle);
	idle.data = &c;
	uv_idle_start(&idle, child_idle_cb);
	uv_run(&loop, UV_RUN_DEFAULT);
	return 5;
}

/* Reads 8-byte seqs from fd, keeping the highest; partial reads carried in *acc. Returns
 *  bytes read (0 at EOF, -1 on error). */
static ssize_t read_seqs(int fd, uint64_t *max, uint8_t *acc, size_t *accn)
{
	uint8_t buf[8192];
	ssize_t r = read(fd, buf, sizeof(buf));
	for (ssize_t i = 0; i < r; i++) {
		acc[(*accn)++] = buf[i];
		if (*accn == 8) {
			uint64_t v;
			memcpy(&v, acc, 8);
			if (v > *max)
				*max = v;
			*accn = 0;
		}
	}
	return r;
}

/* SIGKILL mid-burst: every seq the child saw durable is in the file after reopening. */
static int test_kill9(void)
{
	int fds[2];
	REQUIRE(pipe(fds) == 0);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(self, self, "--child", dir, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	uint64_t max = 0;
	uint8_t acc[8];
	size_t accn = 0;
	uint64_t t0 = util_mono_ns();
	/* Let it run until well past the first batches, then kill it mid-stream. */
	while (max < 20000 && util_mono_ns() - t0 < 30000000000ull) {
		struct pollfd pf = {fds[0], POLLIN, 0};
		if (poll(&pf, 1, 1000) > 0 && read_seqs(fds[0], &max, acc, &accn) <= 0)
			break;
	}
	REQUIRE(max >= 20000);
	REQUIRE(kill(pid, SIGKILL) == 0);
	int status;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	while (read_seqs(fds[0], &max, acc, &accn) > 0)
		;
	close(fds[0]);

	const char *p = path_of("kill.db");
	struct store *s = open_or_null(p, &def, false);
	REQUIRE(s);
	REQUIRE(store_last_seq(s) >= max);
	fprintf(stderr, "kill9: child saw seq %llu durable; the file holds through seq %llu\n",
		(unsigned long long)max, (unsigned long long)store_last_seq(s));
	store_free(s);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM journal WHERE seq <= %llu",
		 (unsigned long long)max);
	REQUIRE(q_int(p, sql) == (int64_t)max);
	/* State tables were committed with their journal rows. */
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM tickets") ==
		q_int(p, "SELECT COUNT(*) FROM journal WHERE kind = 1"));
	REQUIRE(q_int(p, "SELECT COUNT(*) FROM tickets WHERE state = 'done'") ==
		q_int(p, "SELECT COUNT(*) FROM journal WHERE kind = 5"));
	return 0;
}

/* Removes the test directory's files and the directory. */
static void cleanup(void)
{
	static const char *const names[] = {"open.db",	"dup.db",     "pipe.db",  "replay.db",
					    "noday.db", "unknown.db", "state.db", "recent.db",
					    "stop.db",	"fail.db",    "kill.db",  "own.db"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char p[160];
		static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
		for (size_t j = 0; j < ARRAY_SIZE(sfx); j++) {
			snprintf(p, sizeof(p), "%s/%s%s", dir, names[i], sfx[j]);
			unlink(p);
		}
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2]);
	self = argv[0];
	log_set_level(LOG_ERR);
	snprintf(dir, sizeof(dir), "/tmp/torg-store-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_kill9); /* first: the child is exec'd before any worker thread exists */
	RUN(test_open_migrate_reopen);
	RUN(test_migrate_v3);
	RUN(test_pipeline_durable);
	RUN(test_replay);
	RUN(test_replay_unknown_id);
	RUN(test_state_tables);
	RUN(test_recent);
	RUN(test_stop);
	RUN(test_commit_failure);
	RUN(test_own_thread);
	RUN(test_one_turn_one_commit);
	cleanup();
	return check_report("store");
}
