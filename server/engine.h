/*
 * engine.h — the command engine between the API and the floor model. It owns
 * the floor, feeds it the clock, encodes each event once, hands it to the
 * store, and when the store says an event is durable moves it into the
 * fan-out log and releases everything that waited for it (HTTP answers, WS
 * replies, snapshots). A client is therefore only ever told what is on disk.
 * It also keeps what the floor model does not: the newest calls for the wall
 * screens, counts for /metrics, and the periodic tick that rolls the day over.
 */
#ifndef TORG_ENGINE_H
#define TORG_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "fanout.h"
#include "floor.h"
#include "store.h"

#define ENGINE_CALLS 10 /* newest calls kept for the screens */

struct engine_waiter;
typedef void (*engine_waiter_cb)(struct engine_waiter *w);

/* Something waiting until every event up to seq is durable. Embedded by its owner,
 * which must cancel it if it goes away first. */
struct engine_waiter {
	uint64_t seq;
	engine_waiter_cb cb;
	struct engine_waiter *next, **pprev;
	struct engine *engine;
};

/* One recent call, newest first in engine->calls. */
struct engine_call {
	int64_t at_ms;
	int first_service, service, counter, number;
	bool recall;
};

/* Hooks the API installs. */
struct engine_hooks {
	/* After a command's events are applied (not yet durable): mask of the services
	 * they touched, and the seq they end at. */
	void (*changed)(void *arg, uint64_t services, uint64_t seq);
	/* After events up to seq became durable and entered the fan-out log, before
	 * waiters run; mask of the services they touched. */
	void (*durable)(void *arg, uint64_t seq, uint64_t services);
	/* The store failed: torgd must stop. */
	void (*failed)(void *arg, const char *cause);
	void *arg;
};

struct engine_stats {
	uint64_t issued, called, served, no_shows, cancelled, transferred;
	uint64_t commands, rejected;
	uint64_t encoded; /* events encoded for clients: one per event, whatever the sessions */
};

struct stats;

struct engine {
	uv_loop_t *loop;
	const struct config *cfg; /* borrowed */
	struct floor *floor;
	struct store *store; /* borrowed */
	struct fanout log;
	uint64_t durable_seq;
	struct engine_hooks hooks;

	struct floor_events evbuf;
	/* events applied but not yet durable, in seq order */
	struct engine_pending {
		uint64_t seq, mask;
		char *json;
		size_t len;
	} * pending;
	size_t npending, pending_head, pending_cap;

	struct engine_waiter *waiters, **waiters_tail;
	/* per ticket of the day (by handle): what events do not repeat */
	struct engine_tk {
		int16_t first_service;
		uint8_t priority;
	} * tk;
	size_t ntk, tk_cap;
	struct engine_call calls[ENGINE_CALLS];
	size_t ncalls;
	struct engine_stats stats;
	bool stopping;
	uv_timer_t tick;
	void (*stopped_cb)(void *arg);
	void *stopped_arg;
	/* The statistics runner (set by main, borrowed), for the API's statistics routes. */
	struct stats *stats_run;
	/* torgd --test-clock, for tests only: engine_clock reads test_clock_ms when it is
	 * not 0 (set by the admin-only POST /api/v1/test/clock). */
	bool test_clock;
	int64_t test_clock_ms;
};

/** Creates the floor from cfg, replays the store's journal into it (synchronously, at
 *  start-up) and refills the fan-out log. Returns 0 or -errno with *cause malloc'd. */
int engine_init(struct engine *e, uv_loop_t *loop, const struct config *cfg, struct store *st,
		char **cause);
/** Starts the store pipeline and the day tick; hooks are copied. */
int engine_start(struct engine *e, const struct engine_hooks *hooks);
/** Commits what is pending, then calls done_cb; no handle of the engine stays active. */
void engine_stop(struct engine *e, void (*done_cb)(void *arg), void *arg);
/** Frees what engine_init allocated (after engine_stop's callback). */
void engine_close(struct engine *e);

/** The floor clock now (UTC ms and the floor's local day); the test clock when set. */
struct floor_clock engine_clock(const struct engine *e);

/* Commands: each returns what the floor returned (0 or enum floor_error); on success
 * the events are encoded and queued for the store. */
int engine_issue(struct engine *e, int service, int priority, uint32_t *handle_out);
int engine_counter(struct engine *e, int counter, int op, uint64_t services, uint32_t ticket,
		   int service, bool front, uint32_t *ticket_out);
int engine_cancel(struct engine *e, uint32_t ticket);

/** Arranges for w->cb to run once every event applied so far is durable. Returns true
 *  when that is already so (cb will not run: go on at once), false when it will run. */
bool engine_wait(struct engine *e, struct engine_waiter *w, engine_waiter_cb cb);
/** Forgets a waiter that has not fired (its owner is going away). Safe to call twice. */
void engine_waiter_cancel(struct engine_waiter *w);

/** Whether service i is open by the opening hours now; when closed and opens_ms is
 *  not NULL, *opens_ms gets the next opening (UTC ms, 0 when never). */
bool engine_service_open(const struct engine *e, int service, int64_t now_ms, int64_t *opens_ms);

#endif
