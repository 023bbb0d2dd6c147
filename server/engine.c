/*
 * engine.c — runs commands on the floor model and carries their events to the
 * store and then to the clients (see engine.h). The order is fixed: apply in
 * memory, encode once, append to the store's next batch, and only when the
 * batch is durable push to the fan-out log and release waiters. Waiters are
 * kept in seq order (seq only grows), so releasing them is a walk from the head.
 * Every event says what its encoding needs (the ticket's number, first service and
 * priority, and the queue figures right after it), so the encoder never reads the
 * live floor for an event, and a counter shift's signer goes to the store with the
 * event that opens the counter.
 */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "hours.h"
#include "util.h"

#define ENGINE_TICK_MS 1000

/* Events applied but not yet durable, in seq order. */
struct engine_pending {
	uint64_t seq, mask;
	char *json;
	size_t len;
};

struct engine {
	uv_loop_t *loop;
	const struct config *cfg; /* borrowed */
	struct clock *clock;	  /* borrowed */
	struct floor *floor;
	struct store *store; /* borrowed */
	struct fanout log;
	uint64_t durable_seq;
	struct engine_hooks hooks;
	struct floor_events evbuf;
	struct engine_pending *pending;
	size_t npending, pending_head, pending_cap;
	struct engine_waiter *waiters, **waiters_tail;
	struct engine_call calls[ENGINE_CALLS];
	size_t ncalls;
	struct engine_stats stats;
	const char *config_by;		   /* while engine_reconfigure() emits */
	const char *const *config_changed; /* its top-level keys */
	bool started, stopping;
	uv_timer_t tick;
	void (*stopped_cb)(void *arg);
	void *stopped_arg;
};

/* Services an event concerns, as a fan-out mask. */
static uint64_t event_mask(const struct floor_event *ev)
{
	uint64_t m = 0;
	switch (ev->kind) {
	case FLOOR_EV_COUNTER_OPENED:
	case FLOOR_EV_COUNTER_CLOSED:
	case FLOOR_EV_COUNTER_BREAK:
	case FLOOR_EV_COUNTER_BACK:
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
	memmove(&e->calls[1], &e->calls[0], sizeof(e->calls[0]) * (ENGINE_CALLS - 1));
	e->calls[0] = (struct engine_call){
	    .at_ms = ev->at_ms,
	    .first_service = ev->first_service,
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
		break;
	default:
		break;
	}
}

/* Replay callback: applies one journaled event. A replayed event does not carry its
 * first service (the journal does not keep it); the recent calls take it from the
 * floor, which has the ticket by then. */
static int replay_cb(const struct floor_event *ev, void *arg)
{
	struct engine *e = arg;
	if (floor_apply(e->floor, ev) != 0)
		return -EINVAL;
	struct floor_event full = *ev;
	struct floor_ticket_info ti;
	if (ev->ticket != FLOOR_NONE && floor_ticket_get(e->floor, ev->ticket, ev->at_ms, &ti) == 0)
		full.first_service = (int16_t)ti.first_service;
	note_event(e, &full);
	return 0;
}

/* Refill callback: puts a journaled event back into the fan-out log, with the services it
 * concerns, so a filtered resume after a restart filters as before it. */
static void recent_cb(const struct floor_event *ev, const char *json, size_t len, void *arg)
{
	struct engine *e = arg;
	fanout_push(&e->log, ev->seq, event_mask(ev), xstrndup(json, len), len);
}

int engine_create(uv_loop_t *loop, const struct config *cfg, struct store *st, struct clock *clock,
		  struct engine **out, char **cause)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	e->loop = loop;
	e->cfg = cfg;
	e->clock = clock;
	e->store = st;
	e->waiters_tail = &e->waiters;
	e->floor = floor_create(&cfg->floor_def);
	int rc = -EINVAL;
	if (!e->floor) {
		*cause = xstrdup("the floor definition is not valid");
		goto fail;
	}
	if ((rc = store_replay(st, replay_cb, e, cause)) != 0) {
		if (!*cause)
			*cause = xasprintf("replaying the journal failed at seq %llu",
					   (unsigned long long)floor_seq(e->floor) + 1);
		goto fail;
	}
	uint64_t last = store_last_seq(st);
	if (last > FLOOR_SEQ_MAX) { /* a tampered or corrupt journal: refuse, never wrap */
		*cause =
		    xasprintf("the journal's last seq %llu is past the largest torgd takes (%llu)",
			      (unsigned long long)last, (unsigned long long)FLOOR_SEQ_MAX);
		rc = -EINVAL;
		goto fail;
	}
	floor_set_seq(e->floor, last);
	e->durable_seq = last;
	/* The replay counted history; /metrics counts from this start. */
	memset(&e->stats, 0, sizeof(e->stats));
	uint64_t from = last > FANOUT_CAP ? last - FANOUT_CAP : 0;
	fanout_init(&e->log, last + 1);
	if ((rc = store_recent(st, from, FANOUT_CAP, recent_cb, e)) != 0) {
		*cause = xstrdup("reading the newest events back failed");
		goto fail;
	}
	if (e->log.next != last + 1) {
		fanout_close(&e->log);
		fanout_init(&e->log, last + 1);
	}
	*out = e;
	return 0;
fail:
	engine_free(e);
	return rc;
}

struct floor_clock engine_clock(const struct engine *e)
{
	struct floor_clock c = clock_floor_now(e->clock);
	if (c.day == 0)
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

/* Encodes and queues the events the last command put in evbuf; signer goes with its
 * counter.opened. */
static void emit(struct engine *e, const char *signer)
{
	if (e->evbuf.n == 0)
		return;
	for (size_t i = 0; i < e->evbuf.n; i++) {
		const struct floor_event *ev = &e->evbuf.v[i];
		note_event(e, ev);
		size_t len;
		char *json = ev->kind == FLOOR_EV_CONFIG
				 ? encode_config_event(ev, e->config_changed, &len)
				 : encode_event(e->cfg, &e->evbuf, ev, &len);
		e->stats.encoded++;
		if (ev->kind == FLOOR_EV_CONFIG)
			store_append_config(e->store, ev, json, len,
					    e->config_by ? e->config_by : "torgd", e->cfg->doc);
		else
			store_append(e->store, ev, json, len,
				     ev->kind == FLOOR_EV_COUNTER_OPENED ? signer : NULL);
		if (e->npending == e->pending_cap)
			pending_grow(e);
		e->pending[(e->pending_head + e->npending) % e->pending_cap] =
		    (struct engine_pending){
			.seq = ev->seq, .mask = event_mask(ev), .json = json, .len = len};
		e->npending++;
	}
	if (e->hooks.changed)
		e->hooks.changed(e->hooks.arg, &e->evbuf);
	floor_events_clear(&e->evbuf);
}

/* Counts a command and emits what it produced (a failed command may still have
 * rolled the day over). */
static int finish_cmd(struct engine *e, int rc, const char *signer)
{
	e->stats.commands++;
	if (rc < 0)
		e->stats.rejected++;
	emit(e, rc == 0 ? signer : NULL);
	return rc;
}

/* The ticket a counter command acted on: the last ticket event of it at counter, else
 * the counter's current ticket; FLOOR_NONE when none. */
static uint32_t acted(const struct engine *e, int counter)
{
	for (size_t i = e->evbuf.n; i-- > 0;)
		if (e->evbuf.v[i].ticket != FLOOR_NONE && e->evbuf.v[i].counter == counter)
			return e->evbuf.v[i].ticket;
	struct floor_counter_info ci;
	if (floor_counter_get(e->floor, counter, &ci) == 0)
		return ci.ticket;
	return FLOOR_NONE;
}

/* Finishes a counter command: the acted ticket into *ticket (when wanted). */
static int finish_counter(struct engine *e, int rc, int counter, uint32_t *ticket)
{
	if (ticket)
		*ticket = rc == 0 ? acted(e, counter) : FLOOR_NONE;
	return finish_cmd(e, rc, NULL);
}

int engine_issue(struct engine *e, int service, int priority, uint32_t *ticket)
{
	uint8_t token[FLOOR_TOKEN_LEN];
	util_random(token, sizeof(token));
	return finish_cmd(
	    e, floor_issue(e->floor, engine_clock(e), service, priority, token, &e->evbuf, ticket),
	    NULL);
}

int engine_open(struct engine *e, int counter, uint64_t services, const char *signer)
{
	return finish_cmd(
	    e, floor_counter_open(e->floor, engine_clock(e), counter, services, &e->evbuf), signer);
}

int engine_close(struct engine *e, int counter)
{
	return finish_cmd(e, floor_counter_close(e->floor, engine_clock(e), counter, &e->evbuf),
			  NULL);
}

int engine_break(struct engine *e, int counter, bool on)
{
	return finish_cmd(e, floor_counter_break(e->floor, engine_clock(e), counter, on, &e->evbuf),
			  NULL);
}

int engine_call_next(struct engine *e, int counter, uint32_t *ticket)
{
	int rc = floor_call_next(e->floor, engine_clock(e), counter, &e->evbuf);
	if (ticket) { /* the ticket just called; none when nobody waits */
		*ticket = FLOOR_NONE;
		for (size_t i = e->evbuf.n; rc == 0 && i-- > 0;)
			if (e->evbuf.v[i].kind == FLOOR_EV_CALLED &&
			    e->evbuf.v[i].counter == counter)
				*ticket = e->evbuf.v[i].ticket;
	}
	return finish_cmd(e, rc, NULL);
}

int engine_call(struct engine *e, int counter, uint32_t ticket)
{
	return finish_cmd(e, floor_call(e->floor, engine_clock(e), counter, ticket, &e->evbuf),
			  NULL);
}

int engine_recall(struct engine *e, int counter, uint32_t *ticket)
{
	return finish_counter(e, floor_recall(e->floor, engine_clock(e), counter, &e->evbuf),
			      counter, ticket);
}

int engine_serve(struct engine *e, int counter, uint32_t *ticket)
{
	return finish_counter(e, floor_start(e->floor, engine_clock(e), counter, &e->evbuf),
			      counter, ticket);
}

int engine_finish(struct engine *e, int counter, uint32_t *ticket)
{
	return finish_counter(e, floor_finish(e->floor, engine_clock(e), counter, &e->evbuf),
			      counter, ticket);
}

int engine_no_show(struct engine *e, int counter, uint32_t *ticket)
{
	return finish_counter(e, floor_no_show(e->floor, engine_clock(e), counter, &e->evbuf),
			      counter, ticket);
}

int engine_transfer(struct engine *e, int counter, int service, bool front, uint32_t *ticket)
{
	return finish_counter(
	    e, floor_transfer(e->floor, engine_clock(e), counter, service, front, &e->evbuf),
	    counter, ticket);
}

int engine_cancel(struct engine *e, uint32_t ticket)
{
	return finish_cmd(e, floor_cancel(e->floor, engine_clock(e), ticket, &e->evbuf), NULL);
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
	/* The answers first: each is written now (or asks for its socket's writable turn)
	 * before any subscriber is visited, so an operation's acknowledgement leaves ahead
	 * of the fan-out, not after the last display. */
	while (e->waiters && e->waiters->seq <= seq) {
		struct engine_waiter *w = e->waiters;
		waiter_unlink(e, w);
		w->cb(w);
	}
	if (e->hooks.durable)
		e->hooks.durable(e->hooks.arg, seq, touched);
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
		emit(e, NULL);
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
	e->started = true;
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
	if (e->started)
		uv_close((uv_handle_t *)&e->tick, tick_closed_cb);
	else
		store_stop(e->store, store_stopped_cb, e);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	while (e->waiters)
		waiter_unlink(e, e->waiters);
	for (size_t i = 0; i < e->npending; i++)
		free(e->pending[(e->pending_head + i) % e->pending_cap].json);
	free(e->pending);
	fanout_close(&e->log);
	floor_events_free(&e->evbuf);
	floor_free(e->floor);
	free(e);
}

const struct floor *engine_floor(const struct engine *e)
{
	return e->floor;
}

const struct config *engine_config(const struct engine *e)
{
	return e->cfg;
}

void engine_today(const struct engine *e, struct config_today *out)
{
	const struct config *cfg = e->cfg;
	struct config_used *sv = xcalloc(cfg->nservices + 1, sizeof(*sv));
	const char **cv = xcalloc(cfg->ncounters + 1, sizeof(*cv));
	bool held[CONFIG_MAX_SERVICES] = {false};
	size_t ns = 0, nc = 0;
	for (size_t c = 0; c < cfg->ncounters; c++) {
		struct floor_counter_info ci;
		if (floor_counter_get(e->floor, (int)c, &ci) != 0 || !ci.open)
			continue;
		cv[nc++] = cfg->counters[c].id;
		struct floor_ticket_info ti;
		if (ci.ticket != FLOOR_NONE && floor_ticket_get(e->floor, ci.ticket, 0, &ti) == 0 &&
		    ti.service >= 0)
			held[ti.service] = true;
	}
	for (size_t s = 0; s < cfg->nservices; s++) {
		bool issued = floor_service_issued(e->floor, (int)s);
		if (issued || held[s] || floor_waiting(e->floor, (int)s) > 0)
			sv[ns++] = (struct config_used){cfg->services[s].id,
							issued ? cfg->services[s].prefix : NULL};
	}
	*out =
	    (struct config_today){.nservices = ns, .ncounters = nc, .services = sv, .counters = cv};
}

void engine_today_free(struct config_today *t)
{
	free((void *)t->services);
	free((void *)t->counters);
	memset(t, 0, sizeof(*t));
}

int engine_reconfigure(struct engine *e, const struct config *cfg, const char *by,
		       const char *const *changed, uint64_t *seq, char **cause)
{
	/* The store's ids first (only a duplicate id can refuse them, and the old ones always
	 * take again), then the floor, which refuses a definition that does not fit. */
	int rc = store_redefine(e->store, &cfg->floor_def, cause);
	if (rc != 0)
		return rc;
	if ((rc = floor_redefine(e->floor, &cfg->floor_def)) != 0) {
		char *ignored = NULL;
		if (store_redefine(e->store, &e->cfg->floor_def, &ignored) != 0)
			fatal("engine: the running definition no longer takes: %s", ignored);
		*cause = xstrdup("the new definition does not fit the running floor");
		return rc;
	}
	e->cfg = cfg;
	e->config_by = by;
	e->config_changed = changed;
	rc = floor_note_config(e->floor, engine_clock(e), &e->evbuf);
	*seq = rc == 0 ? floor_seq(e->floor) : 0;
	finish_cmd(e, rc, NULL);
	e->config_by = NULL;
	e->config_changed = NULL;
	if (e->hooks.reconfigured)
		e->hooks.reconfigured(e->hooks.arg, cfg);
	return 0;
}

uint64_t engine_applied_seq(const struct engine *e)
{
	return floor_seq(e->floor);
}

uint64_t engine_durable_seq(const struct engine *e)
{
	return e->durable_seq;
}

const struct fanout *engine_log(const struct engine *e)
{
	return &e->log;
}

const struct engine_stats *engine_get_stats(const struct engine *e)
{
	return &e->stats;
}

size_t engine_recent_calls(const struct engine *e, const struct engine_call **out)
{
	*out = e->calls;
	return e->ncalls;
}

void engine_store_stats(const struct engine *e, struct store_stats *out)
{
	store_get_stats(e->store, out);
}

bool engine_service_open(const struct engine *e, int service, int64_t now_ms, int64_t *opens_ms)
{
	struct hours_cal cal;
	config_hours_cal(e->cfg, service, &cal);
	if (opens_ms)
		*opens_ms = 0;
	if (cal.week->always && !cal.find)
		return true;
	struct hours_local loc;
	if (hours_local_now(now_ms, e->cfg->day_start_min, &loc) != 0)
		return true;
	if (hours_cal_open(&cal, loc.date, loc.minute))
		return true;
	int32_t date;
	int minute;
	if (opens_ms && hours_cal_next_open(&cal, loc.date, loc.minute, &date, &minute) == 0)
		*opens_ms = hours_day_start_ms(date, minute);
	return false;
}

const struct config_exception *engine_service_exception(const struct engine *e, int service,
							int64_t now_ms)
{
	struct hours_local loc;
	if (!e->cfg->nexceptions || hours_local_now(now_ms, e->cfg->day_start_min, &loc) != 0)
		return NULL;
	return config_exception_on(e->cfg, service, loc.date);
}
