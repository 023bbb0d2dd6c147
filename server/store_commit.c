/*
 * store_commit.c — the store's write side: the queue of appended events, the
 * group commit that runs on the store's own worker thread ("torg-commit", used
 * by nothing else, so no slow job of another module ever waits in front of a
 * commit; one batch in flight, everything queued meanwhile forms the next
 * batch, taken whole), and the SQL
 * that writes one event into the append-only journal and keeps the
 * current-state tables (tickets, legs) in step in the same transaction.
 * Counters have no table: their state is the journal's counter events. The
 * SQLite connection is used by the worker only while a job is in flight; all
 * bookkeeping and callbacks run on the loop thread.
 *
 * Ticket rows are keyed by (day, handle) where day is the day the handles
 * belong to: set by each issued and day event, so rollover cancellations
 * reach the old day's tickets whichever day they carry. A recall keeps the
 * leg's first called_ms (the wait ends at the first call).
 *
 * Per-staff shifts (statistics.per_staff): a counter.opened event may carry
 * the name of the staff member who signed on (store_append's signer); the
 * shift row is inserted right after the event, and every counter.opened or
 * counter.closed first ends the counter's open shift, all in the event's own
 * transaction. With per_staff off no name is ever given and the table stays
 * empty.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "worker.h"

/* The current leg of a ticket, as a WHERE clause on legs for ?1 = day, ?2 = handle. */
#define CUR_LEG                                                                                    \
	"day = ?1 AND handle = ?2 AND leg = (SELECT legs FROM tickets WHERE day = ?1 AND handle "  \
	"= ?2)"

const char *const store__stmt_sql[STORE__NSTMT] = {
    [STORE__BEGIN] = "BEGIN IMMEDIATE",
    [STORE__COMMIT] = "COMMIT",
    [STORE__ROLLBACK] = "ROLLBACK",
    [STORE__INS_JOURNAL] = "INSERT OR FAIL INTO journal(seq, at_ms, day, kind, ticket, service,"
			   " from_service, counter, number, leg, priority, front, reason,"
			   " services, token, json)"
			   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
			   " ?15, ?16)",
    [STORE__INS_TICKET] = "INSERT OR FAIL INTO tickets(day, handle, number, first_service,"
			  " service, state, priority, legs, issued_ms, updated_ms)"
			  " VALUES(?1, ?2, ?3, ?4, ?4, 'waiting', ?5, 1, ?6, ?6)",
    [STORE__INS_LEG] = "INSERT OR FAIL INTO legs(day, handle, leg, service, counter,"
		       " queued_ms, outcome) VALUES(?1, ?2, 1, ?3, NULL, ?4, 'waiting')",
    [STORE__INS_LEG_NEXT] = "INSERT OR FAIL INTO legs(day, handle, leg, service, counter,"
			    " queued_ms, outcome) SELECT ?1, ?2, legs + 1, ?3, NULL, ?4,"
			    " 'waiting' FROM tickets WHERE day = ?1 AND handle = ?2",
    [STORE__UPD_TICKET_STATE] = "UPDATE OR FAIL tickets SET state = ?3, updated_ms = ?4"
				" WHERE day = ?1 AND handle = ?2",
    [STORE__UPD_TICKET_TRANSFER] = "UPDATE OR FAIL tickets SET service = ?3, state = 'waiting',"
				   " legs = legs + 1, updated_ms = ?4"
				   " WHERE day = ?1 AND handle = ?2",
    [STORE__UPD_LEG_CALLED] = "UPDATE OR FAIL legs SET called_ms = COALESCE(called_ms, ?3),"
			      " counter = ?4, outcome = 'called' WHERE " CUR_LEG,
    [STORE__UPD_LEG_STARTED] = "UPDATE OR FAIL legs SET started_ms = ?3, outcome = 'serving'"
			       " WHERE " CUR_LEG,
    [STORE__UPD_LEG_END] = "UPDATE OR FAIL legs SET ended_ms = ?3, outcome = ?4 WHERE " CUR_LEG,
    [STORE__STAFF_END] = "UPDATE staff_shifts SET to_ms = ?2 WHERE counter = ?1 AND to_ms IS NULL",
    [STORE__STAFF_BEGIN] = "INSERT INTO staff_shifts(day, counter, name, from_ms)"
			   " VALUES(?1, ?2, ?3, ?4)",
    [STORE__CONFIG] = "INSERT INTO config_history(seq, at_ms, by, doc) VALUES(?1, ?2, ?3, ?4)",
};

/* Frees a batch's storage. */
void store__batch_free(struct store__batch *b)
{
	free(b->ev);
	free(b->json_off);
	free(b->json_len);
	free(b->buf);
	free(b->cause);
	for (size_t i = 0; i < b->nsign; i++) {
		free(b->sign[i].name);
		free(b->sign[i].doc);
	}
	free(b->sign);
	memset(b, 0, sizeof(*b));
}

/* Empties a batch, keeping its storage for reuse. */
static void batch_reset(struct store__batch *b)
{
	b->n = 0;
	b->blen = 0;
	for (size_t i = 0; i < b->nsign; i++) {
		free(b->sign[i].name);
		free(b->sign[i].doc);
	}
	b->nsign = 0;
	free(b->cause);
	b->cause = NULL;
	b->dur_us = 0;
}

/* Copies one event and its JSON into a batch, growing it. */
static void batch_push(struct store__batch *b, const struct floor_event *ev, const char *json,
		       size_t len)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->ev = xrealloc(b->ev, b->cap * sizeof(*b->ev));
		b->json_off = xrealloc(b->json_off, b->cap * sizeof(*b->json_off));
		b->json_len = xrealloc(b->json_len, b->cap * sizeof(*b->json_len));
	}
	if (b->blen + len + 1 > b->bcap) {
		size_t cap = b->bcap ? b->bcap : 65536;
		while (cap < b->blen + len + 1)
			cap *= 2;
		b->buf = xrealloc(b->buf, cap);
		b->bcap = cap;
	}
	b->ev[b->n] = *ev;
	b->json_off[b->n] = b->blen;
	b->json_len[b->n] = len;
	if (len)
		memcpy(b->buf + b->blen, json, len);
	b->buf[b->blen + len] = '\0';
	b->blen += len + 1;
	b->n++;
}

/* Id of service index i, or NULL for -1; aborts on an index outside the def. */
static const char *service_id(const struct store *s, int i)
{
	if (i < 0)
		return NULL;
	if ((size_t)i >= s->def->nservices)
		fatal("store: event names service index %d of %zu", i, s->def->nservices);
	return s->def->services[i].id;
}

/* Id of counter index i, or NULL for -1; aborts on an index outside the def. */
static const char *counter_id(const struct store *s, int i)
{
	if (i < 0)
		return NULL;
	if ((size_t)i >= s->def->ncounters)
		fatal("store: event names counter index %d of %zu", i, s->def->ncounters);
	return s->def->counters[i].id;
}

/* Comma-separated ids of a services mask, in the store's scratch buffer. */
static const char *services_text(struct store *s, uint64_t mask)
{
	size_t len = 0;
	for (size_t i = 0; i < 64; i++) {
		if (!(mask & (UINT64_C(1) << i)))
			continue;
		const char *id = service_id(s, (int)i);
		size_t n = strlen(id);
		if (len + n + 2 > s->svc_text_cap) {
			s->svc_text_cap = (len + n + 2) * 2;
			s->svc_text = xrealloc(s->svc_text, s->svc_text_cap);
		}
		if (len)
			s->svc_text[len++] = ',';
		memcpy(s->svc_text + len, id, n);
		len += n;
	}
	if (!s->svc_text) {
		s->svc_text_cap = 64;
		s->svc_text = xmalloc(s->svc_text_cap);
	}
	s->svc_text[len] = '\0';
	return s->svc_text;
}

/* Binds a text (static storage) or NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Steps a bound statement once and resets it; returns SQLITE_OK or the error code. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int rc2 = sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return rc2;
	return rc;
}

/* Runs a (day, handle, text, ms) statement: ticket state, leg end. */
static int run_dhtm(sqlite3_stmt *st, int32_t day, uint32_t handle, const char *text, int64_t ms,
		    bool ms_first)
{
	sqlite3_bind_int(st, 1, day);
	sqlite3_bind_int64(st, 2, handle);
	sqlite3_bind_int64(st, ms_first ? 3 : 4, ms);
	bind_text(st, ms_first ? 4 : 3, text);
	return run(st);
}

/* Writes the journal row of one event; returns SQLITE_OK or the error code. */
static int write_journal(struct store *s, const struct floor_event *ev, const char *json,
			 size_t len)
{
	sqlite3_stmt *st = s->st[STORE__INS_JOURNAL];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ev->seq);
	sqlite3_bind_int64(st, 2, ev->at_ms);
	sqlite3_bind_int(st, 3, ev->day);
	sqlite3_bind_int(st, 4, ev->kind);
	if (ev->ticket == FLOOR_NONE)
		sqlite3_bind_null(st, 5);
	else
		sqlite3_bind_int64(st, 5, ev->ticket);
	bind_text(st, 6, service_id(s, ev->service));
	bind_text(st, 7, service_id(s, ev->from_service));
	bind_text(st, 8, counter_id(s, ev->counter));
	sqlite3_bind_int(st, 9, ev->number);
	sqlite3_bind_int(st, 10, ev->leg);
	sqlite3_bind_int(st, 11, ev->priority);
	sqlite3_bind_int(st, 12, ev->front);
	sqlite3_bind_int(st, 13, ev->reason);
	bind_text(st, 14,
		  ev->kind == FLOOR_EV_COUNTER_OPENED ? services_text(s, ev->services) : NULL);
	if (ev->kind == FLOOR_EV_ISSUED)
		sqlite3_bind_blob(st, 15, ev->token, FLOOR_TOKEN_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 15);
	if (json)
		sqlite3_bind_text(st, 16, json, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 16);
	return run(st);
}

/* Ends the ticket's current leg with outcome (its state too, unless transferred); returns
 *  SQLITE_OK or the error code. */
static int end_leg(struct store *s, const struct floor_event *ev, int outcome, bool set_state)
{
	int32_t d = s->ticket_day;
	int rc;
	const char *name = proto_state_name(outcome); /* the tables keep wire names */
	if (set_state &&
	    (rc = run_dhtm(s->st[STORE__UPD_TICKET_STATE], d, ev->ticket, name, ev->at_ms, false)))
		return rc;
	return run_dhtm(s->st[STORE__UPD_LEG_END], d, ev->ticket, name, ev->at_ms, true);
}

/* Applies one event to the current-state tables; returns SQLITE_OK or the error code. */
static int write_state(struct store *s, const struct floor_event *ev)
{
	sqlite3_stmt *st;
	int32_t d = s->ticket_day;
	int rc;
	switch (ev->kind) {
	case FLOOR_EV_ISSUED:
		s->ticket_day = d = ev->day;
		st = s->st[STORE__INS_TICKET];
		sqlite3_bind_int(st, 1, d);
		sqlite3_bind_int64(st, 2, ev->ticket);
		sqlite3_bind_int(st, 3, ev->number);
		bind_text(st, 4, service_id(s, ev->service));
		sqlite3_bind_int(st, 5, ev->priority);
		sqlite3_bind_int64(st, 6, ev->at_ms);
		if ((rc = run(st)))
			return rc;
		st = s->st[STORE__INS_LEG];
		sqlite3_bind_int(st, 1, d);
		sqlite3_bind_int64(st, 2, ev->ticket);
		bind_text(st, 3, service_id(s, ev->service));
		sqlite3_bind_int64(st, 4, ev->at_ms);
		return run(st);
	case FLOOR_EV_CALLED:
	case FLOOR_EV_RECALLED:
		if ((rc = run_dhtm(s->st[STORE__UPD_TICKET_STATE], d, ev->ticket,
				   proto_state_name(FLOOR_CALLED), ev->at_ms, false)))
			return rc;
		return run_dhtm(s->st[STORE__UPD_LEG_CALLED], d, ev->ticket,
				counter_id(s, ev->counter), ev->at_ms, true);
	case FLOOR_EV_SERVING:
		if ((rc = run_dhtm(s->st[STORE__UPD_TICKET_STATE], d, ev->ticket,
				   proto_state_name(FLOOR_SERVING), ev->at_ms, false)))
			return rc;
		st = s->st[STORE__UPD_LEG_STARTED];
		sqlite3_bind_int(st, 1, d);
		sqlite3_bind_int64(st, 2, ev->ticket);
		sqlite3_bind_int64(st, 3, ev->at_ms);
		return run(st);
	case FLOOR_EV_DONE:
		return end_leg(s, ev, FLOOR_DONE, true);
	case FLOOR_EV_NO_SHOW:
		return end_leg(s, ev, FLOOR_NO_SHOW, true);
	case FLOOR_EV_CANCELLED:
		return end_leg(s, ev, FLOOR_CANCELLED, true);
	case FLOOR_EV_TRANSFERRED:
		if ((rc = end_leg(s, ev, FLOOR_DONE, false)))
			return rc;
		st = s->st[STORE__INS_LEG_NEXT];
		sqlite3_bind_int(st, 1, d);
		sqlite3_bind_int64(st, 2, ev->ticket);
		bind_text(st, 3, service_id(s, ev->service));
		sqlite3_bind_int64(st, 4, ev->at_ms);
		if ((rc = run(st)))
			return rc;
		return run_dhtm(s->st[STORE__UPD_TICKET_TRANSFER], d, ev->ticket,
				service_id(s, ev->service), ev->at_ms, false);
	case FLOOR_EV_DAY:
		s->ticket_day = ev->day;
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* Ends the counter's open shift at a counter event and, when name is set, starts the
 *  new one of a counter.opened; returns SQLITE_OK or the error code. */
static int write_staff(struct store *s, const struct floor_event *ev, const char *name)
{
	sqlite3_stmt *st = s->st[STORE__STAFF_END];
	const char *ctr = counter_id(s, ev->counter);
	int rc;
	bind_text(st, 1, ctr);
	sqlite3_bind_int64(st, 2, ev->at_ms);
	if ((rc = run(st)) || !name || ev->kind != FLOOR_EV_COUNTER_OPENED)
		return rc;
	st = s->st[STORE__STAFF_BEGIN];
	sqlite3_bind_int(st, 1, ev->day ? ev->day : s->ticket_day);
	bind_text(st, 2, ctr);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ev->at_ms);
	return run(st);
}

/* Writes who changed the configuration to what, for a floor.config event. */
static int write_config(struct store *s, const struct floor_event *ev, const char *by,
			const char *doc)
{
	sqlite3_stmt *st = s->st[STORE__CONFIG];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ev->seq);
	sqlite3_bind_int64(st, 2, ev->at_ms);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, doc, -1, SQLITE_STATIC);
	return run(st);
}

/* Commits a batch in one transaction (worker thread); on failure sets b->cause. */
static void commit_batch(struct store *s, struct store__batch *b)
{
	uint64_t t0 = util_mono_ns();
	int32_t day0 = s->ticket_day;
	size_t i = 0, k = 0;
	int rc = run(s->st[STORE__BEGIN]);
	for (; rc == SQLITE_OK && i < b->n; i++) {
		const struct floor_event *ev = &b->ev[i];
		rc = write_journal(s, ev, b->buf + b->json_off[i], b->json_len[i]);
		if (rc == SQLITE_OK)
			rc = write_state(s, ev);
		if (rc == SQLITE_OK &&
		    (ev->kind == FLOOR_EV_COUNTER_OPENED || ev->kind == FLOOR_EV_COUNTER_CLOSED)) {
			const char *name = NULL;
			if (k < b->nsign && b->sign[k].idx == i)
				name = b->sign[k++].name;
			rc = write_staff(s, ev, name);
		} else if (rc == SQLITE_OK && ev->kind == FLOOR_EV_CONFIG && k < b->nsign &&
			   b->sign[k].idx == i) {
			rc = write_config(s, ev, b->sign[k].name, b->sign[k].doc);
			k++;
		}
	}
	if (rc == SQLITE_OK)
		rc = run(s->st[STORE__COMMIT]);
	if (rc != SQLITE_OK) {
		uint64_t seq = b->ev[i > 0 ? i - 1 : 0].seq;
		b->cause = xasprintf("store: commit of seq %llu..%llu failed at seq %llu: %s",
				     (unsigned long long)b->ev[0].seq,
				     (unsigned long long)b->ev[b->n - 1].seq,
				     (unsigned long long)seq, sqlite3_errmsg(s->db));
		if (!sqlite3_get_autocommit(s->db))
			run(s->st[STORE__ROLLBACK]);
		s->ticket_day = day0;
	}
	b->dur_us = (util_mono_ns() - t0) / 1000;
}

/* The commit job (worker thread): commits the in-flight batch. */
static void work_cb(struct worker_job *job)
{
	struct store *s = job->data;
	struct store__batch *b = &s->batch[s->pending ^ 1];
	if (b->n > 0)
		commit_batch(s, b);
}

static void after_work_cb(struct worker_job *job, int status);

/* Sends the pending batch to the worker when nothing is in flight and events are queued. */
static void kick(struct store *s)
{
	if (s->in_flight || s->closing || !s->started || s->batch[s->pending].n == 0)
		return;
	s->pending ^= 1;
	s->in_flight = true;
	int err = worker_queue(s->worker, &s->job, work_cb, after_work_cb);
	if (err)
		fatal("store: cannot queue a commit: %s", strerror(-err));
}

/* The end of a loop turn that appended events while no commit ran: they all leave in
 * one commit. Kicking at each append instead sent a turn's first event alone and the rest
 * behind it; at 20,000 operations/s that made commits of 11 events, each writing its
 * pages to the WAL and syncing, and the commits took a third of the core. Nothing waits
 * longer for it: the turn's own callbacks run first either way. */
static void turn_end_cb(uv_check_t *h)
{
	struct store *s = h->data;
	uv_check_stop(&s->turn_check);
	uv_idle_stop(&s->turn_idle);
	kick(s);
}

/* Runs while a turn's events wait for its end: a turn with an idle handle does not block
 * in poll, so events appended after the check handle ran (by another check handle)
 * leave at the next turn's end rather than at the next unrelated wakeup. */
static void turn_idle_cb(uv_idle_t *h)
{
	(void)h;
}

/* Sends the pending batch at the end of this loop turn. */
static void kick_at_turn_end(struct store *s)
{
	if (s->in_flight || !s->started || uv_is_active((uv_handle_t *)&s->turn_check))
		return;
	uv_check_start(&s->turn_check, turn_end_cb);
	uv_idle_start(&s->turn_idle, turn_idle_cb);
}

/* The stop is complete once the worker has stopped and the turn handles are closed. */
static void stop_part_done(struct store *s)
{
	if (s->worker || s->open_handles > 0)
		return;
	s->done = true;
	if (s->done_cb)
		s->done_cb(s->done_arg); /* may free the store: nothing after this */
}

static void turn_handle_closed(uv_handle_t *h)
{
	struct store *s = h->data;
	s->open_handles--;
	stop_part_done(s);
}

/* The commit worker has stopped (loop thread); the turn handles close too. */
static void worker_stopped_cb(void *arg)
{
	struct store *s = arg;
	worker_free(s->worker);
	s->worker = NULL;
	s->open_handles = 2;
	uv_close((uv_handle_t *)&s->turn_check, turn_handle_closed);
	uv_close((uv_handle_t *)&s->turn_idle, turn_handle_closed);
}

/* During a stop, once nothing is in flight and nothing is left to commit: stops the
 *  worker, whose stopped callback finishes the stop. */
static void maybe_finish(struct store *s)
{
	if (!s->stopping || s->in_flight || s->closing)
		return;
	if (!s->failed && s->batch[s->pending].n > 0) {
		kick(s);
		return;
	}
	s->closing = true;
	worker_stop(s->worker, worker_stopped_cb, s);
}

/* The commit job is over (loop thread): reports durability or failure, sends the next
 *  batch, and finishes a stop once nothing is in flight. */
static void after_work_cb(struct worker_job *job, int status)
{
	struct store *s = job->data;
	struct store__batch *b = &s->batch[s->pending ^ 1];
	s->in_flight = false;
	if (b->cause || status) {
		char *cause =
		    b->cause ? b->cause : xasprintf("store: commit job: %s", strerror(-status));
		bool first = !s->failed;
		b->cause = NULL;
		s->failed = true;
		batch_reset(b);
		batch_reset(&s->batch[s->pending]);
		log_err("%s", cause);
		if (first && s->fail_cb)
			s->fail_cb(cause, s->arg);
		free(cause);
	} else if (b->n > 0) {
		uint64_t seq = b->ev[b->n - 1].seq;
		s->stats.commits++;
		s->stats.events += b->n;
		s->stats.last_commit_us = b->dur_us;
		if (b->dur_us > s->stats.max_commit_us)
			s->stats.max_commit_us = b->dur_us;
		util_hist_add(&s->stats.commit_hist, b->dur_us);
		s->last_seq = seq;
		batch_reset(b);
		if (s->durable_cb)
			s->durable_cb(seq, s->arg);
	}
	/* the next batch leaves at this turn's end, with what the rest of the turn appends;
	 * during a stop, maybe_finish sends it at once */
	if (s->failed)
		batch_reset(&s->batch[s->pending]);
	else if (!s->stopping)
		kick_at_turn_end(s);
	maybe_finish(s);
}

/* Starts the pipeline on loop and sends anything queued before. */
int store_start(struct store *s, uv_loop_t *loop, void (*durable_cb)(uint64_t seq, void *arg),
		void (*fail_cb)(const char *cause, void *arg), void *arg)
{
	if (s->started)
		return -EALREADY;
	/* one thread, used by nothing else; at most one commit is ever queued */
	int err = worker_create(loop, "torg-commit", 1, 1, &s->worker);
	if (err)
		return err;
	s->loop = loop;
	s->durable_cb = durable_cb;
	s->fail_cb = fail_cb;
	s->arg = arg;
	s->job.data = s;
	uv_check_init(loop, &s->turn_check);
	uv_idle_init(loop, &s->turn_idle);
	s->turn_check.data = s->turn_idle.data = s;
	s->started = true;
	kick(s);
	return 0;
}

/* Notes who signed the batch's last event (and, for floor.config, the document). */
static void sign_push(struct store__batch *b, const char *name, const char *doc)
{
	if (b->nsign == b->sign_cap) {
		b->sign_cap = b->sign_cap ? b->sign_cap * 2 : 8;
		b->sign = xrealloc(b->sign, b->sign_cap * sizeof(*b->sign));
	}
	b->sign[b->nsign++] =
	    (struct store__signon){b->n - 1, xstrdup(name), doc ? xstrdup(doc) : NULL};
}

/* Queues a copy of an event and its JSON; starts a commit if none runs. */
void store_append(struct store *s, const struct floor_event *ev, const char *json, size_t len,
		  const char *signer)
{
	if (ev->seq <= s->appended_seq)
		fatal("store: event seq %llu appended after seq %llu", (unsigned long long)ev->seq,
		      (unsigned long long)s->appended_seq);
	s->appended_seq = ev->seq;
	if (s->failed || s->done || s->closing)
		return; /* never acknowledged: the pipeline is gone */
	/* Check the ids now, on the loop thread, rather than abort in the worker. */
	service_id(s, ev->service);
	service_id(s, ev->from_service);
	counter_id(s, ev->counter);
	if (ev->kind == FLOOR_EV_COUNTER_OPENED && s->def->nservices < 64 &&
	    (ev->services >> s->def->nservices))
		fatal("store: counter.opened seq %llu names services outside the def",
		      (unsigned long long)ev->seq);
	struct store__batch *b = &s->batch[s->pending];
	batch_push(b, ev, json, len);
	if (ev->kind == FLOOR_EV_COUNTER_OPENED && ev->counter >= 0 && signer)
		sign_push(b, signer, NULL);
	kick_at_turn_end(s); /* or the in-flight commit's end sends it */
}

void store_append_config(struct store *s, const struct floor_event *ev, const char *json,
			 size_t len, const char *by, const char *doc)
{
	if (ev->kind != FLOOR_EV_CONFIG)
		fatal("store: store_append_config with a %s event", proto_event_name(ev->kind));
	store_append(s, ev, json, len, NULL);
	if (!(s->failed || s->done || s->closing))
		sign_push(&s->batch[s->pending], by, doc);
}

/* Sends what is queued, then calls done_cb once the worker has stopped. */
void store_stop(struct store *s, void (*done_cb)(void *arg), void *arg)
{
	s->done_cb = done_cb;
	s->done_arg = arg;
	if (s->stopping)
		return;
	s->stopping = true;
	if (!s->started) {
		s->done = true;
		if (done_cb)
			done_cb(arg);
		return;
	}
	maybe_finish(s);
}
