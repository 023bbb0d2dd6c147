/*
 * engine.c — runs commands on the floor model and carries their events to the
 * store and then to the clients (see engine.h). The order is fixed: apply in
 * memory, encode once, append to the store's next batch, and only when the
 * batch is durable push to the fan-out log and release waiters. Waiters are
 * kept in seq order (seq only grows), so releasing them is a walk from the head.
 */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "hours.h"
#include "proto.h"
#include "util.h"

#define ENGINE_TICK_MS 1000

/* Services an event concerns, as a fan-out mask. */
static uint64_t event_mask(const struct floor_event *ev)
{
	uint64_t m = 0;
	switch (ev->kind) {
	case FLOOR_EV_COUNTER_OPENED:
	case FLOOR_EV_COUNTER_CLOSED:
	case FLOOR_EV_DAY:
		return FANOUT_ALL;
	default:
		if (ev->service >= 0)
			m |= UINT64_C(1) << ev->service;
		if (ev->from_service >= 0)
			m |= UINT64_C(1) << ev->from_service;
		return m ? m : FANOUT_ALL;
	}
}

/* Remembers a call for the screens' "last calls" list. */
static void note_call(struct engine *e, const struct floor_event *ev)
{
	if (ev->ticket >= e->ntk)
		return;
	memmove(&e->calls[1], &e->calls[0], sizeof(e->calls[0]) * (ENGINE_CALLS - 1));
	e->calls[0] = (struct engine_call){
	    .at_ms = ev->at_ms,
	    .first_service = e->tk[ev->ticket].first_service,
	    .service = ev->service,
	    .counter = ev->counter,
	    .number = ev->number,
	    .recall = ev->kind == FLOOR_EV_RECALLED,
	};
	if (e->ncalls < ENGINE_CALLS)
		e->ncalls++;
}

/* Keeps the engine's own bookkeeping in step with an applied event. */
static void note_event(struct engine *e, const struct floor_event *ev)
{
	switch (ev->kind) {
	case FLOOR_EV_ISSUED:
		e->stats.issued++;
		if (ev->ticket >= e->tk_cap) {
			e->tk_cap = ev->ticket + 1 > 2 * e->tk_cap ? ev->ticket + 1 : 2 * e->tk_cap;
			e->tk = xrealloc(e->tk, e->tk_cap * sizeof(*e->tk));
		}
		if (ev->ticket >= e->ntk)
			e->ntk = ev->ticket + 1;
		e->tk[ev->ticket] =
		    (struct engine_tk){.first_service = ev->service, .priority = ev->priority};
		break;
	case FLOOR_EV_CALLED:
		e->stats.called++;
		note_call(e, ev);
		break;
	case FLOOR_EV_RECALLED:
		note_call(e, ev);
		break;
	case FLOOR_EV_DONE:
		e->stats.served++;
		break;
	case FLOOR_EV_NO_SHOW:
		e->stats.no_shows++;
		break;
	case FLOOR_EV_CANCELLED:
		e->stats.cancelled++;
		break;
	case FLOOR_EV_TRANSFERRED:
		e->stats.transferred++;
		break;
	case FLOOR_EV_DAY:
		e->ncalls = 0;
		e->ntk = 0;
		break;
	default:
		break;
	}
}

/* Replay callback: applies one journaled event. */
static int replay_cb(const struct floor_event *ev, void *arg)
{
	struct engine *e = arg;
	int rc = floor_apply(e->floor, ev);
	if (rc != 0)
		return -EINVAL;
	note_event(e, ev);
	return 0;
}

/* Refill callback: puts a journaled event back into the fan-out log, with the services it
 * concerns, so a filtered resume after a restart filters as before it. */
static void recent_cb(const struct floor_event *ev, const char *json, size_t len, void *arg)
{
	struct engine *e = arg;
	fanout_push(&e->log, ev->seq, event_mask(ev), xstrndup(json, len), len);
}

int engine_init(struct engine *e, uv_loop_t *loop, const struct config *cfg, struct store *st,
		char **cause)
{
	memset(e, 0, sizeof(*e));
	e->loop = loop;
	e->cfg = cfg;
	e->store = st;
	e->waiters_tail = &e->waiters;
	e->floor = floor_create(&cfg->floor_def);
	if (!e->floor) {
		*cause = xstrdup("the floor definition is not valid");
		return -EINVAL;
	}
	int rc = store_replay(st, replay_cb, e, cause);
	if (rc != 0) {
		if (!*cause)
			*cause = xasprintf("replaying the journal failed at seq %llu",
					   (unsigned long long)floor_seq(e->floor) + 1);
		floor_free(e->floor);
		e->floor = NULL;
		return rc;
	}
	uint64_t last = store_last_seq(st);
	if (last > FLOOR_SEQ_MAX) { /* a tampered or corrupt journal: refuse, never wrap */
		*cause =
		    xasprintf("the journal's last seq %llu is past the largest torgd takes (%llu)",
			      (unsigned long long)last, (unsigned long long)FLOOR_SEQ_MAX);
		floor_free(e->floor);
		e->floor = NULL;
		return -EINVAL;
	}
	floor_set_seq(e->floor, last);
	e->durable_seq = last;
	/* The replay counted history; /metrics counts from this start. */
	memset(&e->stats, 0, sizeof(e->stats));
	uint64_t from = last > FANOUT_CAP ? last - FANOUT_CAP : 0;
	fanout_init(&e->log, last + 1);
	rc = store_recent(st, from, FANOUT_CAP, recent_cb, e);
	if (rc != 0) {
		*cause = xstrdup("reading the newest events back failed");
		fanout_close(&e->log);
		floor_free(e->floor);
		e->floor = NULL;
		return rc;
	}
	if (e->log.next != last + 1) {
		fanout_close(&e->log);
		fanout_init(&e->log, last + 1);
	}
	return 0;
}

struct floor_clock engine_clock(const struct engine *e)
{
	struct floor_clock c = {.ms = e->test_clock_ms ? e->test_clock_ms : util_now_ms(),
				.day = 0};
	struct hours_local loc;
	if (hours_local_now(c.ms, e->cfg->day_start_min, &loc) == 0)
		c.day = loc.day;
	else
		c.day = floor_day(e->floor);
	return c;
}

/* Grows the pending ring when full. */
static void pending_grow(struct engine *e)
{
	size_t cap = e->pending_cap ? e->pending_cap * 2 : 256;
	struct engine_pending *v = xmalloc(cap * sizeof(*v));
	for (size_t i = 0; i < e->npending; i++)
		v[i] = e->pending[(e->pending_head + i) % e->pending_cap];
	free(e->pending);
	e->pending = v;
	e->pending_cap = cap;
	e->pending_head = 0;
}

/* Encodes and queues the events the last command put in evbuf. */
static void emit(struct engine *e)
{
	if (e->evbuf.n == 0)
		return;
	uint64_t touched = 0;
	for (size_t i = 0; i < e->evbuf.n; i++) {
		const struct floor_event *ev = &e->evbuf.v[i];
		note_event(e, ev);
		size_t len;
		char *json = encode_event(e, ev, &len);
		e->stats.encoded++;
		store_append(e->store, ev, json, len);
		if (e->npending == e->pending_cap)
			pending_grow(e);
		uint64_t mask = event_mask(ev);
		touched |= mask;
		e->pending[(e->pending_head + e->npending) % e->pending_cap] =
		    (struct engine_pending){.seq = ev->seq, .mask = mask, .json = json, .len = len};
		e->npending++;
	}
	uint64_t seq = e->evbuf.v[e->evbuf.n - 1].seq;
	e->evbuf.n = 0;
	if (e->hooks.changed)
		e->hooks.changed(e->hooks.arg, touched, seq);
}

/* Counts a command and emits what it produced (a failed command may still have
 * rolled the day over). */
static int finish_cmd(struct engine *e, int rc)
{
	e->stats.commands++;
	if (rc < 0)
		e->stats.rejected++;
	emit(e);
	return rc;
}

int engine_issue(struct engine *e, int service, int priority, uint32_t *handle_out)
{
	uint8_t token[FLOOR_TOKEN_LEN];
	util_random(token, sizeof(token));
	return finish_cmd(e, floor_issue(e->floor, engine_clock(e), service, priority, token,
					 &e->evbuf, handle_out));
}

int engine_counter(struct engine *e, int counter, int op, uint64_t services, uint32_t ticket,
		   int service, bool front, uint32_t *ticket_out)
{
	struct floor_clock now = engine_clock(e);
	struct floor_counter_info ci;
	int rc;
	switch (op) {
	case PROTO_OP_OPEN:
		rc = floor_counter_open(e->floor, now, counter, services, &e->evbuf);
		break;
	case PROTO_OP_CLOSE:
		rc = floor_counter_close(e->floor, now, counter, &e->evbuf);
		break;
	case PROTO_OP_CALL_NEXT:
		rc = floor_call_next(e->floor, now, counter, &e->evbuf);
		break;
	case PROTO_OP_CALL:
		rc = floor_call(e->floor, now, counter, ticket, &e->evbuf);
		break;
	case PROTO_OP_RECALL:
		rc = floor_recall(e->floor, now, counter, &e->evbuf);
		break;
	case PROTO_OP_START:
		rc = floor_start(e->floor, now, counter, &e->evbuf);
		break;
	case PROTO_OP_FINISH:
		rc = floor_finish(e->floor, now, counter, &e->evbuf);
		break;
	case PROTO_OP_NO_SHOW:
		rc = floor_no_show(e->floor, now, counter, &e->evbuf);
		break;
	case PROTO_OP_TRANSFER:
		rc = floor_transfer(e->floor, now, counter, service, front, &e->evbuf);
		break;
	default:
		rc = FLOOR_E_INVAL;
	}
	if (ticket_out) {
		*ticket_out = FLOOR_NONE;
		/* The ticket acted on: the last ticket event of this command. */
		for (size_t i = e->evbuf.n; rc == 0 && i-- > 0;) {
			if (e->evbuf.v[i].ticket != FLOOR_NONE &&
			    e->evbuf.v[i].counter == counter) {
				*ticket_out = e->evbuf.v[i].ticket;
				break;
			}
		}
		if (rc == 0 && *ticket_out == FLOOR_NONE &&
		    floor_counter_get(e->floor, counter, &ci) == 0)
			*ticket_out = ci.ticket;
	}
	return finish_cmd(e, rc);
}

int engine_cancel(struct engine *e, uint32_t ticket)
{
	return finish_cmd(e, floor_cancel(e->floor, engine_clock(e), ticket, &e->evbuf));
}

bool engine_wait(struct engine *e, struct engine_waiter *w, engine_waiter_cb cb)
{
	if (w->pprev)
		fatal("engine_wait: the waiter is already waiting");
	w->seq = floor_seq(e->floor);
	w->cb = cb;
	w->engine = e;
	w->next = NULL;
	w->pprev = NULL;
	if (w->seq <= e->durable_seq)
		return true;
	w->pprev = e->waiters_tail;
	*e->waiters_tail = w;
	e->waiters_tail = &w->next;
	return false;
}

/* Unlinks a waiter from its engine's list. */
static void waiter_unlink(struct engine *e, struct engine_waiter *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	else
		e->waiters_tail = w->pprev;
	w->pprev = NULL;
	w->next = NULL;
}

void engine_waiter_cancel(struct engine_waiter *w)
{
	if (w->pprev)
		waiter_unlink(w->engine, w);
}

/* Store callback: events up to seq are on disk. */
static void durable_cb(uint64_t seq, void *arg)
{
	struct engine *e = arg;
	uint64_t touched = 0;
	while (e->npending > 0) {
		struct engine_pending *p = &e->pending[e->pending_head];
		if (p->seq > seq)
			break;
		fanout_push(&e->log, p->seq, p->mask, p->json, p->len);
		touched |= p->mask;
		e->pending_head = (e->pending_head + 1) % e->pending_cap;
		e->npending--;
	}
	e->durable_seq = seq;
	if (e->hooks.durable)
		e->hooks.durable(e->hooks.arg, seq, touched);
	while (e->waiters && e->waiters->seq <= seq) {
		struct engine_waiter *w = e->waiters;
		waiter_unlink(e, w);
		w->cb(w);
	}
}

/* Store callback: a commit failed; nothing more can be acknowledged. */
static void fail_cb(const char *cause, void *arg)
{
	struct engine *e = arg;
	log_err("store: %s", cause);
	if (e->hooks.failed)
		e->hooks.failed(e->hooks.arg, cause);
}

/* Once a second: rolls the day over when the local day changed. */
static void tick_cb(uv_timer_t *t)
{
	struct engine *e = t->data;
	struct floor_clock now = engine_clock(e);
	if (now.day != floor_day(e->floor)) {
		floor_tick(e->floor, now, &e->evbuf);
		emit(e);
	}
}

int engine_start(struct engine *e, const struct engine_hooks *hooks)
{
	e->hooks = *hooks;
	int rc = store_start(e->store, e->loop, durable_cb, fail_cb, e);
	if (rc != 0)
		return rc;
	uv_timer_init(e->loop, &e->tick);
	e->tick.data = e;
	/* Start the day now (a fresh floor, or one that slept past midnight), so that
	 * the rollover never lands in the middle of a client's first command. */
	tick_cb(&e->tick);
	uv_timer_start(&e->tick, tick_cb, ENGINE_TICK_MS, ENGINE_TICK_MS);
	return 0;
}

/* Store stopped: everything is committed; report to the owner. */
static void store_stopped_cb(void *arg)
{
	struct engine *e = arg;
	if (e->stopped_cb)
		e->stopped_cb(e->stopped_arg);
}

/* Tick timer closed: now stop the store. */
static void tick_closed_cb(uv_handle_t *h)
{
	struct engine *e = h->data;
	store_stop(e->store, store_stopped_cb, e);
}

void engine_stop(struct engine *e, void (*done_cb)(void *arg), void *arg)
{
	e->stopping = true;
	e->stopped_cb = done_cb;
	e->stopped_arg = arg;
	uv_close((uv_handle_t *)&e->tick, tick_closed_cb);
}

void engine_close(struct engine *e)
{
	while (e->waiters)
		waiter_unlink(e, e->waiters);
	for (size_t i = 0; i < e->npending; i++)
		free(e->pending[(e->pending_head + i) % e->pending_cap].json);
	free(e->pending);
	e->pending = NULL;
	e->npending = 0;
	fanout_close(&e->log);
	floor_events_free(&e->evbuf);
	free(e->tk);
	e->tk = NULL;
	floor_free(e->floor);
	e->floor = NULL;
}

bool engine_service_open(const struct engine *e, int service, int64_t now_ms, int64_t *opens_ms)
{
	const struct hours *h = &e->cfg->services[service].hours;
	if (opens_ms)
		*opens_ms = 0;
	if (h->always)
		return true;
	struct hours_local loc;
	if (hours_local_now(now_ms, e->cfg->day_start_min, &loc) != 0)
		return true;
	if (hours_open(h, loc.wday, loc.minute))
		return true;
	struct hours_when w;
	if (opens_ms && hours_next_open(h, loc.wday, loc.minute, &w) == 0) {
		int64_t delta_min = (int64_t)w.days_ahead * HOURS_DAY_MIN + w.minute - loc.minute;
		*opens_ms = (now_ms / 60000 + delta_min) * 60000;
	}
	return false;
}
