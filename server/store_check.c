/*
 * store_check.c — `torgd check`'s verification of a database (store_backup.h):
 * SQLite's integrity check, the journal's seqs, the replay of every kept event
 * through floor_apply (the same decoding and the same model start-up uses, so
 * a journal that passes here replays at start-up), and the tickets and legs
 * tables compared, day by day, with the floor the replay rebuilt at the end of
 * that day. Everything is read in one read transaction, so a running torgd's
 * commits do not make a consistent database look torn. Problems beyond the
 * first MAX_LINES are counted, not listed.
 */
#include "store_backup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

#define MAX_LINES 100

struct check {
	struct store *s;
	struct floor *floor;
	const struct floor_def *def;
	void (*problem)(const char *line, void *arg);
	void *arg;
	int problems;
	struct store_check_result *res;
	sqlite3_stmt *tickets, *legs;
	struct floor_leg *lg; /* scratch for one ticket's legs */
	size_t lgcap;
	bool replay_stopped; /* an event did not apply: the rest cannot be checked */
};

/* Reports one problem (or only counts it past MAX_LINES). */
static void __attribute__((format(printf, 2, 3))) bad(struct check *c, const char *fmt, ...)
{
	if (c->problems++ >= MAX_LINES)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = NULL;
	if (vasprintf(&line, fmt, ap) < 0)
		fatal("store_check: out of memory");
	va_end(ap);
	c->problem(line, c->arg);
	free(line);
}

/* The first column of a one-row integer query; -1 on error. */
static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One answer of integrity_check, a line per problem (an answer may hold several, after
 * a "*** in database main ***" heading, which says nothing here). */
static void integrity_lines(struct check *c, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		if (n && strncmp(text, "*** in database", 15) != 0)
			bad(c, "integrity: %.*s", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

/* PRAGMA integrity_check: each line but "ok" is a problem. */
static void check_integrity(struct check *c)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->s->db, "PRAGMA integrity_check(100)", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		if (!text || strcmp(text, "ok") != 0)
			integrity_lines(c, text ? text : "(no text)");
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_OK)
		bad(c, "integrity: %s", sqlite3_errmsg(c->s->db));
	sqlite3_finalize(st);
}

/* The journal's seqs: contiguous, from 1 unless the purge folded the days before. */
static void check_seqs(struct check *c)
{
	sqlite3 *db = c->s->db;
	sqlite3_stmt *st = NULL;
	int64_t lo = 0, hi = 0, n = 0;
	if (sqlite3_prepare_v2(db, "SELECT MIN(seq), MAX(seq), COUNT(*) FROM journal", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		lo = sqlite3_column_int64(st, 0);
		hi = sqlite3_column_int64(st, 1);
		n = sqlite3_column_int64(st, 2);
	} else
		bad(c, "journal: cannot read it: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	c->res->first_seq = (uint64_t)lo;
	c->res->last_seq = (uint64_t)hi;
	c->res->events = (uint64_t)n;
	if (n == 0)
		return;
	if (n != hi - lo + 1) {
		bad(c, "journal: %lld seqs missing between %lld and %lld",
		    (long long)(hi - lo + 1 - n), (long long)lo, (long long)hi);
		if (sqlite3_prepare_v2(db,
				       "SELECT seq + 1 FROM journal j WHERE seq < ?1 AND NOT EXISTS"
				       " (SELECT 1 FROM journal WHERE seq = j.seq + 1) LIMIT 5",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, hi);
			while (sqlite3_step(st) == SQLITE_ROW)
				bad(c, "journal: seq %lld is missing",
				    (long long)sqlite3_column_int64(st, 0));
		}
		sqlite3_finalize(st);
	}
	if (lo != 1) {
		if (one_int(db, "SELECT COUNT(*) FROM stats_days") <= 0)
			bad(c, "journal: starts at seq %lld, but no day was purged", (long long)lo);
		else if (one_int(db, "SELECT kind FROM journal ORDER BY seq LIMIT 1") !=
			 FLOOR_EV_DAY)
			bad(c, "journal: the first kept event (seq %lld) does not start a day",
			    (long long)lo);
	}
}

/* Text of a column, or "" for NULL. */
static const char *col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? t : "";
}

/* An integer column, NULL as dflt. */
static int64_t col_int(sqlite3_stmt *st, int i, int64_t dflt)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

/* A service index's id, or "" for none. */
static const char *svc_id(const struct check *c, int i)
{
	return i >= 0 && (size_t)i < c->def->nservices ? c->def->services[i].id : "";
}

/* A counter index's id, or "" for none. */
static const char *ctr_id(const struct check *c, int i)
{
	return i >= 0 && (size_t)i < c->def->ncounters ? c->def->counters[i].id : "";
}

/* Compares one tickets row (day, handle) with the replayed ticket. */
static void compare_ticket(struct check *c, sqlite3_stmt *st, int32_t day)
{
	uint32_t h = (uint32_t)sqlite3_column_int64(st, 0);
	struct floor_ticket_info ti;
	if (floor_ticket_get(c->floor, h, 0, &ti) != 0) {
		bad(c, "tickets: day %d has ticket %u, which the journal never issued", day, h);
		return;
	}
	char num[16];
	floor_format_number(c->floor, ti.first_service, ti.number, num, sizeof(num));
	const char *what = NULL;
	if (sqlite3_column_int(st, 1) != ti.number)
		what = "number";
	else if (strcmp(col(st, 2), svc_id(c, ti.first_service)) != 0)
		what = "first service";
	else if (strcmp(col(st, 3), svc_id(c, ti.service)) != 0)
		what = "service";
	else if (strcmp(col(st, 4), proto_state_name(ti.state)) != 0)
		what = "state";
	else if (sqlite3_column_int(st, 5) != ti.priority)
		what = "priority";
	else if (sqlite3_column_int(st, 6) != ti.leg)
		what = "number of legs";
	else if (sqlite3_column_int64(st, 7) != ti.issued_ms)
		what = "issue time";
	if (what)
		bad(c, "tickets: day %d ticket %s: the table's %s differs from the journal's", day,
		    num, what);
	c->res->tickets++;
}

/* Compares one legs row with the replayed leg of its ticket. */
static void compare_leg(struct check *c, sqlite3_stmt *st, int32_t day)
{
	uint32_t h = (uint32_t)sqlite3_column_int64(st, 0);
	int leg = sqlite3_column_int(st, 1);
	size_t n = floor_ticket_legs(c->floor, h, c->lg, c->lgcap);
	if (n > c->lgcap) {
		c->lgcap = n;
		c->lg = xrealloc(c->lg, n * sizeof(*c->lg));
		n = floor_ticket_legs(c->floor, h, c->lg, c->lgcap);
	}
	if (leg < 1 || (size_t)leg > n) {
		bad(c, "legs: day %d ticket %u has leg %d, which the journal does not", day, h,
		    leg);
		return;
	}
	const struct floor_leg *l = &c->lg[leg - 1];
	if (strcmp(col(st, 2), svc_id(c, l->service)) != 0 ||
	    strcmp(col(st, 3), ctr_id(c, l->counter)) != 0 || col_int(st, 4, 0) != l->queued_ms ||
	    col_int(st, 5, 0) != l->called_ms || col_int(st, 6, 0) != l->started_ms ||
	    col_int(st, 7, 0) != l->ended_ms ||
	    strcmp(col(st, 8), proto_state_name(l->outcome)) != 0)
		bad(c, "legs: day %d ticket %u leg %d differs from the journal's", day, h, leg);
}

/* Steps a day's query, calling fn on each row; returns the rows seen. */
static size_t each_row(struct check *c, sqlite3_stmt *st, int32_t day,
		       void (*fn)(struct check *, sqlite3_stmt *, int32_t))
{
	size_t rows = 0;
	sqlite3_bind_int(st, 1, day);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fn(c, st, day);
		rows++;
	}
	if (rc != SQLITE_DONE)
		bad(c, "reading day %d's tickets: %s", day, sqlite3_errmsg(c->s->db));
	sqlite3_reset(st);
	return rows;
}

/* Compares the current-state tables of the floor's day with the replayed floor. */
static void compare_day(struct check *c)
{
	int32_t day = floor_day(c->floor);
	size_t n = floor_tickets_today(c->floor), legs = 0;
	for (uint32_t h = 0; h < n; h++)
		legs += floor_ticket_legs(c->floor, h, NULL, 0);
	size_t rows = each_row(c, c->tickets, day, compare_ticket);
	if (rows != n)
		bad(c, "tickets: day %d has %zu ticket rows, the journal issued %zu", day, rows, n);
	rows = each_row(c, c->legs, day, compare_leg);
	if (rows != legs)
		bad(c, "legs: day %d has %zu leg rows, the journal has %zu legs", day, rows, legs);
	c->res->days++;
}

/* Replay callback: a new day first closes the check of the one before. */
static int replay_cb(const struct floor_event *ev, void *arg)
{
	struct check *c = arg;
	if (ev->kind == FLOOR_EV_DAY && floor_day(c->floor) != 0)
		compare_day(c);
	if (floor_apply(c->floor, ev) != 0) {
		bad(c,
		    "journal: seq %llu (%s) does not replay: it does not fit the events before it",
		    (unsigned long long)ev->seq, proto_event_name(ev->kind));
		c->replay_stopped = true;
		return -EINVAL;
	}
	return 0;
}

/* Ticket rows of days the journal does not have (after a stopped replay, not checked). */
static void check_orphan_days(struct check *c)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->s->db,
			       "SELECT day, COUNT(*) FROM tickets WHERE day NOT IN"
			       " (SELECT DISTINCT day FROM journal WHERE kind = ?1) GROUP BY day",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int(st, 1, FLOOR_EV_DAY);
		while (sqlite3_step(st) == SQLITE_ROW)
			bad(c, "tickets: %lld tickets of day %d, a day the journal does not have",
			    (long long)sqlite3_column_int64(st, 1), sqlite3_column_int(st, 0));
	}
	sqlite3_finalize(st);
}

/* Replays the kept journal and compares every day with the tables. */
static void check_replay(struct check *c)
{
	char *cause = NULL;
	c->floor = floor_create(c->def);
	if (!c->floor) {
		bad(c, "the floor configuration is not valid");
		return;
	}
	if (sqlite3_prepare_v2(c->s->db,
			       "SELECT handle, number, first_service, service, state, priority,"
			       " legs, issued_ms FROM tickets WHERE day = ?1 ORDER BY handle",
			       -1, &c->tickets, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->s->db,
			       "SELECT handle, leg, service, counter, queued_ms, called_ms,"
			       " started_ms, ended_ms, outcome FROM legs WHERE day = ?1"
			       " ORDER BY handle, leg",
			       -1, &c->legs, NULL) != SQLITE_OK) {
		bad(c, "tickets: cannot read the tables: %s", sqlite3_errmsg(c->s->db));
		return;
	}
	int err = store_replay_all(c->s, replay_cb, c, &cause);
	if (err && !c->replay_stopped)
		bad(c, "journal: %s", cause ? cause : "the replay failed");
	free(cause);
	if (!err && floor_day(c->floor) != 0)
		compare_day(c);
	if (!err)
		check_orphan_days(c);
}

int store_check(const char *path, const struct floor_def *def,
		void (*problem)(const char *line, void *arg), void *arg,
		struct store_check_result *res)
{
	struct check c = {.def = def, .problem = problem, .arg = arg, .res = res};
	struct store_opts o = {.read_only = true};
	char *cause = NULL;
	memset(res, 0, sizeof(*res));
	if (store_open(path, def, &o, &c.s, &cause) != 0) {
		bad(&c, "%s", cause);
		free(cause);
		return c.problems;
	}
	if (sqlite3_exec(c.s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    one_int(c.s->db, "SELECT COUNT(*) FROM schema") < 0) /* the snapshot starts here */
		bad(&c, "cannot read the database: %s", sqlite3_errmsg(c.s->db));
	else {
		check_integrity(&c);
		check_seqs(&c);
		check_replay(&c);
	}
	if (c.problems > MAX_LINES) {
		char more[80];
		snprintf(more, sizeof(more), "… and %d more problems", c.problems - MAX_LINES);
		problem(more, arg);
	}
	sqlite3_finalize(c.tickets);
	sqlite3_finalize(c.legs);
	sqlite3_exec(c.s->db, "COMMIT", NULL, NULL, NULL);
	floor_free(c.floor);
	free(c.lg);
	store_free(c.s);
	return c.problems;
}
