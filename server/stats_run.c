/*
 * stats_run.c — runs the statistics off the loop (see stats_run.h): each
 * query (per-staff ones too) and each retention purge is a job on the
 * runner's own worker thread ("torg-stats"; never the store's or auth's, so a
 * long query delays neither a commit nor a login), on its own SQLite
 * connection (read-only for queries), so the loop never waits for them; the
 * purge checks once a minute whether the floor's day has changed since it
 * last ran. It also owns the event-loop lag probe: a repeating timer whose
 * lateness (against uv_hrtime) is the time the loop spent busy elsewhere.
 */
#include "stats_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_staff.h"
#include "store_stats.h"
#include "util.h"
#include "worker.h"

#define LAG_PERIOD_MS  250
#define PURGE_CHECK_MS 60000
#define PURGE_FIRST_MS 5000

enum job_kind { JOB_QUERY, JOB_PURGE, JOB_STAFF };

/* One job on the runner's worker. */
struct job {
	struct worker_job wjob;
	struct stats_run *s;
	enum job_kind kind;
	struct stats_env env;
	struct stats_query q;
	int32_t before; /* purge: fold days before this one */
	/* results, written by the worker */
	int err;
	char *cause;
	struct stats_result *res;
	struct stats_staff *staff;
	int folded;
	/* the caller's callback */
	stats_run_query_cb qcb;
	stats_run_purge_cb pcb;
	stats_run_staff_cb scb;
	void *arg;
};

struct stats_run {
	uv_loop_t *loop;
	char *db_path;
	const struct config *cfg;
	const struct clock *clock;
	uv_timer_t lag_timer, purge_timer;
	struct worker *worker; /* from stats_run_start until the stop is complete */
	bool started, stopping, timers_closed;
	int handles_open;
	size_t jobs;	   /* in flight */
	bool purging;	   /* a purge job is in flight */
	int32_t purged_on; /* the floor day of the last successful daily purge */
	uint64_t lag_due_ns;
	struct stats_run_lag lag;
	void (*done_cb)(void *arg);
	void *done_arg;
};

void stats_run_set_config(struct stats_run *s, const struct config *cfg)
{
	s->cfg = cfg;
}

struct stats_run *stats_run_create(uv_loop_t *loop, const char *db_path, const struct config *cfg,
				   const struct clock *clock)
{
	struct stats_run *s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->db_path = xstrdup(db_path);
	s->cfg = cfg;
	s->clock = clock;
	return s;
}

/* Lag timer: how late this tick came is how long the loop was busy. */
static void lag_cb(uv_timer_t *t)
{
	struct stats_run *s = t->data;
	uint64_t now = uv_hrtime();
	uint64_t late = now > s->lag_due_ns ? now - s->lag_due_ns : 0;
	s->lag.last_us = late / 1000;
	if (s->lag.last_us > s->lag.max_us)
		s->lag.max_us = s->lag.last_us;
	util_hist_add(&s->lag.hist, s->lag.last_us);
	s->lag_due_ns = now + (uint64_t)LAG_PERIOD_MS * 1000000;
}

/* The environment a job computes in: the floor's definition, day start and clock now. */
static struct stats_env env_now(const struct stats_run *s)
{
	return (struct stats_env){.def = &s->cfg->floor_def,
				  .day_start_min = s->cfg->day_start_min,
				  .now_ms = clock_now_ms(s->clock)};
}

/* Worker: runs a job on its own connection. */
static void work_cb(struct worker_job *wj)
{
	struct job *j = wj->data;
	if (j->kind == JOB_PURGE) {
		j->err = store_purge(j->s->db_path, &j->env, j->before, &j->folded, &j->cause);
		return;
	}
	if (j->kind == JOB_STAFF) {
		j->err = store_staff_query(j->s->db_path, &j->env, j->q.from, j->q.to, &j->staff,
					   &j->cause);
		return;
	}
	struct store_stats_reader *r = NULL;
	j->err = store_stats_open(j->s->db_path, j->env.def, &r, &j->cause);
	if (!j->err)
		j->err = store_stats_query(r, &j->env, &j->q, &j->res, &j->cause);
	store_stats_free(r);
}

/* Finishes a stop once no job, no handle and no worker is left. */
static void maybe_done(struct stats_run *s)
{
	if (s->stopping && s->jobs == 0 && s->handles_open == 0 && !s->worker && s->done_cb) {
		void (*cb)(void *) = s->done_cb;
		s->done_cb = NULL;
		cb(s->done_arg);
	}
}

/* Loop thread: hands a job's result to its caller (status -ECANCELED: it never ran). */
static void after_work_cb(struct worker_job *wj, int status)
{
	struct job *j = wj->data;
	struct stats_run *s = j->s;
	if (status && !j->err) {
		j->err = status;
		j->cause = xasprintf("statistics: job cancelled: %s", strerror(-status));
	}
	if (j->kind == JOB_PURGE) {
		s->purging = false;
		if (j->err == -ECANCELED)
			log_info("statistics: purge cancelled by the stop; it runs next time");
		else if (j->err)
			log_err("%s", j->cause ? j->cause : "statistics: purge failed");
		else if (j->folded)
			log_info("statistics: folded %d day(s) before %d into aggregates",
				 j->folded, j->before);
		if (j->pcb)
			j->pcb(j->folded, j->err, j->arg);
	} else if (j->kind == JOB_STAFF) {
		j->scb(j->staff, j->err, j->cause, j->arg);
		j->staff = NULL;
	} else {
		j->qcb(j->res, j->err, j->cause, j->arg);
		j->res = NULL;
	}
	free(j->cause);
	stats_result_free(j->res);
	stats_staff_free(j->staff);
	free(j);
	s->jobs--;
	maybe_done(s);
}

/* Queues a job; returns 0 or a negative errno (the job is freed then). */
static int submit(struct stats_run *s, struct job *j)
{
	j->s = s;
	j->wjob.data = j;
	j->env = env_now(s);
	int err = s->worker ? worker_queue(s->worker, &j->wjob, work_cb, after_work_cb) : -EAGAIN;
	if (err) {
		free(j);
		return err;
	}
	s->jobs++;
	return 0;
}

int stats_run_query(struct stats_run *s, const struct stats_query *q, stats_run_query_cb cb,
		    void *arg)
{
	if (s->stopping)
		return -ESHUTDOWN;
	struct job *j = xcalloc(1, sizeof(*j));
	j->kind = JOB_QUERY;
	j->q = *q;
	j->qcb = cb;
	j->arg = arg;
	return submit(s, j);
}

int stats_run_query_staff(struct stats_run *s, const struct stats_query *q, stats_run_staff_cb cb,
			  void *arg)
{
	if (s->stopping)
		return -ESHUTDOWN;
	struct job *j = xcalloc(1, sizeof(*j));
	j->kind = JOB_STAFF;
	j->q = *q;
	j->scb = cb;
	j->arg = arg;
	return submit(s, j);
}

/* The first day kept by the retention, for the floor day today. */
static int32_t retention_start(const struct stats_run *s, int32_t today)
{
	int days = s->cfg->retention_days > 0 ? s->cfg->retention_days : 90;
	return hours_day_from_number(hours_day_number(today) - days);
}

int stats_run_purge_now(struct stats_run *s, stats_run_purge_cb cb, void *arg)
{
	if (s->stopping)
		return -ESHUTDOWN;
	if (s->purging)
		return -EBUSY;
	int32_t today = clock_floor_now(s->clock).day;
	if (today <= 0)
		return -EAGAIN;
	struct job *j = xcalloc(1, sizeof(*j));
	j->kind = JOB_PURGE;
	j->before = retention_start(s, today);
	j->pcb = cb;
	j->arg = arg;
	int err = submit(s, j);
	if (!err)
		s->purging = true;
	return err;
}

/* Daily purge: marks the day done when the job succeeds. */
static void daily_done_cb(int folded, int err, void *arg)
{
	struct stats_run *s = arg;
	if (!err)
		s->purged_on = clock_floor_now(s->clock).day;
}

/* Once a minute: runs the purge when the floor's day changed since the last one. */
static void purge_timer_cb(uv_timer_t *t)
{
	struct stats_run *s = t->data;
	int32_t today = clock_floor_now(s->clock).day;
	if (today > 0 && today != s->purged_on && !s->purging)
		stats_run_purge_now(s, daily_done_cb, s);
}

int stats_run_start(struct stats_run *s)
{
	if (s->started)
		return -EALREADY;
	int err = worker_create(s->loop, "torg-stats", 1, 0, &s->worker);
	if (err) {
		log_err("statistics: cannot start the worker thread: %s", strerror(-err));
		return err;
	}
	s->started = true;
	uv_timer_init(s->loop, &s->lag_timer);
	uv_timer_init(s->loop, &s->purge_timer);
	s->handles_open = 2;
	s->lag_timer.data = s->purge_timer.data = s;
	s->lag_due_ns = uv_hrtime() + (uint64_t)LAG_PERIOD_MS * 1000000;
	uv_timer_start(&s->lag_timer, lag_cb, LAG_PERIOD_MS, LAG_PERIOD_MS);
	uv_timer_start(&s->purge_timer, purge_timer_cb, PURGE_FIRST_MS, PURGE_CHECK_MS);
	return 0;
}

void stats_run_get_lag(const struct stats_run *s, struct stats_run_lag *out)
{
	*out = s->lag;
}

/* A timer closed. */
static void timer_closed_cb(uv_handle_t *h)
{
	struct stats_run *s = h->data;
	s->handles_open--;
	maybe_done(s);
}

/* The worker has stopped: every job has been handed back. */
static void worker_stopped_cb(void *arg)
{
	struct stats_run *s = arg;
	worker_free(s->worker);
	s->worker = NULL;
	maybe_done(s);
}

void stats_run_stop(struct stats_run *s, void (*done_cb)(void *arg), void *arg)
{
	s->done_cb = done_cb;
	s->done_arg = arg;
	if (s->stopping)
		return;
	s->stopping = true;
	if (s->started) {
		uv_close((uv_handle_t *)&s->lag_timer, timer_closed_cb);
		uv_close((uv_handle_t *)&s->purge_timer, timer_closed_cb);
		/* queued jobs are handed back cancelled, running ones finish */
		worker_stop(s->worker, worker_stopped_cb, s);
	}
	maybe_done(s);
}

void stats_run_free(struct stats_run *s)
{
	if (!s)
		return;
	if (s->jobs || s->worker)
		fatal(
		    "stats_run_free with %zu statistics jobs in flight or its worker running (call "
		    "stats_run_stop first)",
		    s->jobs);
	free(s->db_path);
	free(s);
}
