/*
 * engine.h — the command engine between the API and the floor model. It owns
 * the floor, feeds it the floor's clock, encodes each event once, hands it to the
 * store, and when the store says an event is durable moves it into the
 * fan-out log and releases everything that waited for it (HTTP answers, WS
 * replies, snapshots). A client is therefore only ever told what is on disk.
 * It also keeps what the floor model does not: the newest calls for the wall
 * screens, counts for /metrics, and the periodic tick that rolls the day over.
 * Its state is its own (engine.c): callers use one function per operation and the
 * read accessors below.
 */
#ifndef TORG_ENGINE_H
#define TORG_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "clock.h"
#include "config.h"
#include "fanout.h"
#include "floor.h"
#include "store.h"

#define ENGINE_CALLS 10 /* newest calls kept for the screens */

struct engine;
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

/* One recent call, newest first. */
struct engine_call {
	int64_t at_ms;
	int first_service, service, counter, number;
	bool recall;
};

/* Hooks the API installs. */
struct engine_hooks {
	/* After a command's events are applied (not yet durable): the events, with their
	 * queue figures and services; valid for the call. */
	void (*changed)(void *arg, const struct floor_events *evs);
	/* After events up to seq became durable and entered the fan-out log, and the
	 * waiters for them ran (answers go first); mask of the services they touched. */
	void (*durable)(void *arg, uint64_t seq, uint64_t services);
	/* The store failed: torgd must stop. */
	void (*failed)(void *arg, const char *cause);
	/* engine_reconfigure() put a new configuration in place (its floor.config event is
	 * applied, not yet durable): every session must see it. */
	void (*reconfigured)(void *arg, const struct config *cfg);
	void *arg;
};

struct engine_stats {
	uint64_t issued, called, served, no_shows, cancelled, transferred;
	uint64_t commands, rejected;
	uint64_t encoded; /* events encoded for clients: one per event, whatever the sessions */
};

/** Creates the floor from cfg, replays the store's journal into it (synchronously, at
 *  start-up) and refills the fan-out log. cfg, st and clock are borrowed and must outlive
 *  the engine. Returns 0 with *out, or -errno with *cause malloc'd. */
int engine_create(uv_loop_t *loop, const struct config *cfg, struct store *st, struct clock *clock,
		  struct engine **out, char **cause);
/** Starts the store pipeline and the day tick; hooks are copied. */
int engine_start(struct engine *e, const struct engine_hooks *hooks);
/** Commits what is pending, then calls done_cb; no handle of the engine stays active. */
void engine_stop(struct engine *e, void (*done_cb)(void *arg), void *arg);
/** Frees the engine (after engine_stop's callback, or when never started). NULL is fine. */
void engine_free(struct engine *e);

/* Reading (borrowed; valid until the next command). */

/** The floor model, for queries. */
const struct floor *engine_floor(const struct engine *e);
/** The configuration the engine runs. */
const struct config *engine_config(const struct engine *e);
/** What the floor's day uses, for config_merge(): the services that issued numbers or hold
 *  tickets (with the prefix of the ones that issued) and the counters that are open. The
 *  arrays are malloc'd into *out (free with engine_today_free); their strings are the
 *  running config's. */
void engine_today(const struct engine *e, struct config_today *out);
void engine_today_free(struct config_today *t);
/** Runs cfg from now on (merged by config_merge() over the running config: it must keep
 *  every index; borrowed, it must outlive the engine), and journals floor.config with
 *  changed (the top-level keys, NULL-terminated) and, in config_history, by and cfg's
 *  document. *seq gets the event's seq (wait for it with engine_wait). Returns 0, or
 *  FLOOR_E_INVAL (the definition does not fit the floor) / -EINVAL with *cause, and then
 *  nothing changed. */
int engine_reconfigure(struct engine *e, const struct config *cfg, const char *by,
		       const char *const *changed, uint64_t *seq, char **cause);
/** The newest seq applied (maybe not yet durable) and the newest durable one. */
uint64_t engine_applied_seq(const struct engine *e);
uint64_t engine_durable_seq(const struct engine *e);
/** The fan-out log of durable events. */
const struct fanout *engine_log(const struct engine *e);
/** Counts for /metrics since start. */
const struct engine_stats *engine_get_stats(const struct engine *e);
/** The newest calls, newest first; returns how many (at most ENGINE_CALLS). */
size_t engine_recent_calls(const struct engine *e, const struct engine_call **out);
/** The store's commit figures. */
void engine_store_stats(const struct engine *e, struct store_stats *out);
/** The floor's clock now (UTC ms and local day; the floor's day when the clock cannot
 *  tell). */
struct floor_clock engine_clock(const struct engine *e);
/** Whether service i is open by the opening hours at now_ms; when closed and opens_ms is
 *  not NULL, *opens_ms gets the next opening (UTC ms, 0 when never). */
bool engine_service_open(const struct engine *e, int service, int64_t now_ms, int64_t *opens_ms);
/** The dated exception to service i's hours on the local date of now_ms (borrowed from
 *  the configuration), or NULL. */
const struct config_exception *engine_service_exception(const struct engine *e, int service,
							int64_t now_ms);

/* Operations, one per floor command. Each returns 0 or what the floor returned (enum
 * floor_error); on success the events are encoded and queued for the store. *ticket
 * (may be NULL) gets the ticket acted on, FLOOR_NONE when none (call_next: nobody
 * waits). */
int engine_issue(struct engine *e, int service, int priority, uint32_t *ticket);
/** Opens counter for services; signer (copied, may be NULL) is the staff member whose
 *  shift the store records with the counter.opened event (statistics.per_staff). */
int engine_open(struct engine *e, int counter, uint64_t services, const char *signer);
int engine_close(struct engine *e, int counter);
/** Puts counter on a break (on) or back from it (floor_counter_break). */
int engine_break(struct engine *e, int counter, bool on);
int engine_call_next(struct engine *e, int counter, uint32_t *ticket);
int engine_call(struct engine *e, int counter, uint32_t ticket);
int engine_recall(struct engine *e, int counter, uint32_t *ticket);
int engine_serve(struct engine *e, int counter, uint32_t *ticket);
int engine_finish(struct engine *e, int counter, uint32_t *ticket);
int engine_no_show(struct engine *e, int counter, uint32_t *ticket);
int engine_transfer(struct engine *e, int counter, int service, bool front, uint32_t *ticket);
int engine_cancel(struct engine *e, uint32_t ticket);

/** Arranges for w->cb to run once every event applied so far is durable. Returns true
 *  when that is already so (cb will not run: go on at once), false when it will run. */
bool engine_wait(struct engine *e, struct engine_waiter *w, engine_waiter_cb cb);
/** Forgets a waiter that has not fired (its owner is going away). Safe to call twice. */
void engine_waiter_cancel(struct engine_waiter *w);

#endif
