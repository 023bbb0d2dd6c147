/*
 * stats_run.h — torgd's statistics runner: answers statistics queries and runs
 * the daily retention purge on a worker thread of its own, each job on its own
 * SQLite connection to the floor's database, and measures the event loop's
 * lag for /metrics. Everything here is called on the loop thread; callbacks
 * run there too. The figures themselves are defined in stats.h.
 */
#ifndef TORG_STATS_RUN_H
#define TORG_STATS_RUN_H

#include <stdint.h>

#include <uv.h>

#include "clock.h"
#include "config.h"
#include "stats.h"
#include "stats_staff.h"
#include "util.h"

struct stats_run;

/* How late the loop-lag probe's timer fired, in µs: the newest, the largest, and every
 * firing in a histogram (for alerts over a window, which last and max cannot give). */
struct stats_run_lag {
	uint64_t last_us, max_us;
	struct util_hist hist;
};

/** A query's answer: res (owned by the callback, free with stats_result_free) when err is
 *  0, else a negative errno and cause (borrowed, for the log). */
typedef void (*stats_run_query_cb)(struct stats_result *res, int err, const char *cause, void *arg);
/** A per-staff query's answer: res (owned by the callback, free with stats_staff_free) when
 *  err is 0, else a negative errno and cause (borrowed, for the log). */
typedef void (*stats_run_staff_cb)(struct stats_staff *res, int err, const char *cause, void *arg);
/** A purge's end: days folded, and 0 or a negative errno. */
typedef void (*stats_run_purge_cb)(int folded, int err, void *arg);

/** Creates the runner for the database at db_path (copied); cfg and clock (the floor's,
 *  whose now the figures are computed at) are borrowed and must outlive it. Nothing runs
 *  until stats_run_start. */
/** A new configuration runs from now on (borrowed; the old one stays alive for the jobs
 *  that hold it). */
void stats_run_set_config(struct stats_run *s, const struct config *cfg);
struct stats_run *stats_run_create(uv_loop_t *loop, const char *db_path, const struct config *cfg,
				   const struct clock *clock);
/** Starts the runner's worker thread ("torg-stats", used by nothing else), the loop-lag
 *  probe and the daily purge check (first run a few seconds after start, then whenever the
 *  floor's day has changed). Returns 0, -EALREADY, or a negative errno when the thread
 *  cannot be made (then nothing runs; queries answer -EAGAIN). */
int stats_run_start(struct stats_run *s);
/** Runs q on the worker at the floor's clock now; cb runs on the loop thread (with
 *  -ECANCELED when stats_run_stop came before the job started). Returns 0, or -ESHUTDOWN while
 *  stopping, or -EAGAIN before stats_run_start (cb will not run then). */
int stats_run_query(struct stats_run *s, const struct stats_query *q, stats_run_query_cb cb,
		    void *arg);
/** Runs the per-staff figures of the days [q->from, q->to] (q->group is ignored) on a
 *  worker; the caller checks statistics.per_staff first. Returns as stats_query. */
int stats_run_query_staff(struct stats_run *s, const struct stats_query *q, stats_run_staff_cb cb,
			  void *arg);
/** Runs the retention purge now (days before today minus retention_days); cb (may be NULL)
 *  runs on the loop thread. Returns 0, -EBUSY when a purge is running, -ESHUTDOWN, or
 *  -EAGAIN before the floor has a day. */
int stats_run_purge_now(struct stats_run *s, stats_run_purge_cb cb, void *arg);
/** The loop lag measured so far. */
void stats_run_get_lag(const struct stats_run *s, struct stats_run_lag *out);
/** Closes the timers, cancels the jobs not yet started and waits for the running one, then
 *  calls done_cb on the loop thread (at once when never started). */
void stats_run_stop(struct stats_run *s, void (*done_cb)(void *arg), void *arg);
/** Frees the runner (after stats_run_stop's callback, or if never started). NULL is fine. */
void stats_run_free(struct stats_run *s);

#endif
