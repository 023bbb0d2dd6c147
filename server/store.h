/*
 * store.h — the floor's durable storage: one SQLite file in WAL mode holding an
 * append-only journal of the floor's events (keyed by the floor-wide sequence
 * number) and the current-state tables derived from them (tickets, legs),
 * schema-versioned with migrations. Events are appended on the loop thread and
 * committed in batches (group commit) on a thread of the store's own, one batch
 * in flight at a time; an operation is acknowledged only once durable_cb has
 * reported its seq. Service and counter ids are stored as TEXT, never indexes,
 * so a configuration that reorders them still replays.
 */
#ifndef TORG_STORE_H
#define TORG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "floor.h"
#include "util.h"

struct store;

struct store_opts {
	bool sync_normal; /* false: synchronous=FULL (default) */
	bool read_only;	  /* open an existing database as it is: no creation, no migration
			     (its schema must be this torgd's), nothing written */
};

/** Opens (creating if needed) the database at path, sets WAL, busy_timeout, runs
 *  migrations. def gives the service and counter ids (borrowed, must outlive the store):
 *  the journal stores ids as TEXT, never indexes, so a config that reorders services
 *  still replays. Returns 0 or -errno with *cause (malloc'd) set. Synchronous, for start-up. */
int store_open(const char *path, const struct floor_def *def, const struct store_opts *opts,
	       struct store **out, char **cause);
/** Replays, in seq order, every journaled event from the most recent FLOOR_EV_DAY event
 *  (or the beginning when there is none) into cb; stops and returns cb's error if
 *  nonzero. An event naming a service/counter id not in def → -EINVAL with a cause that
 *  names the id and seq. Synchronous, for start-up. */
int store_replay(struct store *s, int (*cb)(const struct floor_event *ev, void *arg), void *arg,
		 char **cause);
/** Like store_replay, but from the journal's first kept event (seq 1, or the first day
 *  the retention purge kept), for `torgd check`. */
int store_replay_all(struct store *s, int (*cb)(const struct floor_event *ev, void *arg), void *arg,
		     char **cause);
/** The services and counters that the journal's replayed part (from its last floor.day;
 *  with all, the whole kept journal, for `torgd check`) names, for laying the configuration file
 * over them (config_merge): cb_service(id, prefix) once per service id — prefix the one its numbers
 * carry there, NULL when it issued none — and cb_counter(id) once per counter id. Synchronous, for
 * start-up and
 *  `--check-config --db`. Returns 0 or -errno with *cause. */
int store_today(struct store *s, bool all,
		void (*cb_service)(const char *id, const char *prefix, void *arg),
		void (*cb_counter)(const char *id, void *arg), void *arg, char **cause);
/** Gives a running store a new definition (borrowed, like store_open's: it must outlive the
 *  store): the ids events are written with from now on, and read with (a service's aliases
 *  too). Indexes already appended keep their meaning: the new def only adds to the old.
 *  Loop thread; returns 0 or -EINVAL with *cause (a duplicate id). */
int store_redefine(struct store *s, const struct floor_def *def, char **cause);
/** Like store_append for a floor.config event, with who made the change and the
 *  configuration's document: written to config_history in the event's own transaction. */
void store_append_config(struct store *s, const struct floor_event *ev, const char *json,
			 size_t len, const char *by, const char *doc);
/** Highest seq in the journal (0 when empty). */
uint64_t store_last_seq(struct store *s);
/** Calls cb for the newest events (at most max, seq > after) and their encoded JSON, in
 *  seq order; for refilling the fan-out log at start-up. An id the configuration no longer
 *  has becomes -1 in ev (never an error). Synchronous. */
int store_recent(struct store *s, uint64_t after, size_t max,
		 void (*cb)(const struct floor_event *ev, const char *json, size_t len, void *arg),
		 void *arg);
/** Starts the commit pipeline on loop (with its own worker thread, "torg-commit").
 *  durable_cb(seq, arg) runs on the loop thread after every event with seq ≤ seq is
 *  committed durably; fail_cb(cause, arg) runs on the loop thread if a commit fails (torgd
 *  then exits without acknowledging anything more). Returns 0, -EALREADY, or a negative
 *  errno when the thread cannot be made. Once started, store_stop must run to its done_cb
 *  before store_free. */
int store_start(struct store *s, uv_loop_t *loop, void (*durable_cb)(uint64_t seq, void *arg),
		void (*fail_cb)(const char *cause, void *arg), void *arg);
/** Queues an event and its encoded public JSON for the next commit (both copied).
 *  Events must come in seq order. signer (copied; NULL for none, and for every event but
 *  counter.opened) is the staff member the counter.opened signs on: the store then writes
 *  the shift (name, counter, from) in the same transaction as that event, and every
 *  counter.closed (by staff or at the day's end) ends the counter's open shift in its own
 *  event's transaction, so a shift is exactly as durable as the events. torgd gives a
 *  signer only when statistics.per_staff is on. Starts a commit job when none is in
 *  flight (the queued batch is taken whole). Loop thread only. */
void store_append(struct store *s, const struct floor_event *ev, const char *json, size_t len,
		  const char *signer);
/** Commits what is queued, waits (on the loop, without blocking it) for the job in flight,
 *  then calls done_cb on the loop thread; after that no uv handle or request of the store
 *  is active, so uv_run can return. */
void store_stop(struct store *s, void (*done_cb)(void *arg), void *arg);
/** Closes the database and frees the store (after store_stop's done_cb, or if never
 *  started). NULL is fine. */
void store_free(struct store *s);

/** Figures for /metrics: commits done, events committed, last and max commit latency (µs),
 *  and every commit's latency in a histogram. */
struct store_stats {
	uint64_t commits, events;
	uint64_t last_commit_us, max_commit_us;
	struct util_hist commit_hist;
};
/** Fills *out with the store's counters so far. */
void store_get_stats(const struct store *s, struct store_stats *out);

#endif
