/*
 * test_worker.c — the dedicated worker pool on a real libuv loop: FIFO order,
 * done on the loop thread and work off it, named threads, the bound on waiting
 * jobs, several threads at once, cancellation at stop with jobs waiting and
 * running, done queueing and stopping from inside itself, the loop kept alive
 * only while jobs are out, and uv_loop_close() == 0 after every stop. Jobs
 * that must be held on their thread wait on a gate the test opens. Ends with
 * "worker: N passed, M failed".
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "util.h"
#include "worker.h"

#include "check.h"

static pthread_t loop_thread;

/* A gate jobs can wait at: closed until opened; counts who arrived. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool open;
	int arrived;
};

static struct gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0};

/* Closes the gate and forgets who arrived. */
static void gate_close(void)
{
	pthread_mutex_lock(&gate.mu);
	gate.open = false;
	gate.arrived = 0;
	pthread_mutex_unlock(&gate.mu);
}

/* Opens the gate for everyone waiting and everyone to come. */
static void gate_open(void)
{
	pthread_mutex_lock(&gate.mu);
	gate.open = true;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.mu);
}

/* Waits (on the test's thread) until n jobs have arrived at the gate; false after 10 s. */
static bool gate_wait_arrived(int n)
{
	uint64_t t0 = util_mono_ns();
	pthread_mutex_lock(&gate.mu);
	while (gate.arrived < n && util_mono_ns() - t0 < 10000000000ull) {
		pthread_mutex_unlock(&gate.mu);
		uv_sleep(1);
		pthread_mutex_lock(&gate.mu);
	}
	bool ok = gate.arrived >= n;
	pthread_mutex_unlock(&gate.mu);
	return ok;
}

/* A test job: what happened to it, in which order and on which thread. */
struct tjob {
	struct worker_job job;
	int id;
	bool hold; /* wait at the gate */
	/* written by work */
	bool ran, ran_on_loop;
	char tname[16];
	/* written by done */
	int done_calls, status;
	bool done_on_loop;
	int done_at;
};

/* Order of runs (worker threads, serialised by the single-thread tests) and of dones. */
static int run_order[256], nrun;
static int done_order[256], ndone;
static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;

/* Worker side: records the run, optionally waits at the gate. */
static void tjob_work(struct worker_job *wj)
{
	struct tjob *t = wj->data;
	t->ran = true;
	t->ran_on_loop = pthread_equal(pthread_self(), loop_thread);
	pthread_getname_np(pthread_self(), t->tname, sizeof(t->tname));
	pthread_mutex_lock(&run_mu);
	if (nrun < 256)
		run_order[nrun++] = t->id;
	pthread_mutex_unlock(&run_mu);
	if (t->hold) {
		pthread_mutex_lock(&gate.mu);
		gate.arrived++;
		while (!gate.open)
			pthread_cond_wait(&gate.cond, &gate.mu);
		pthread_mutex_unlock(&gate.mu);
	}
}

/* Loop side: records the delivery. */
static void tjob_done(struct worker_job *wj, int status)
{
	struct tjob *t = wj->data;
	t->done_calls++;
	t->status = status;
	t->done_on_loop = pthread_equal(pthread_self(), loop_thread);
	t->done_at = ndone;
	if (ndone < 256)
		done_order[ndone++] = t->id;
}

/* Forgets the recorded orders. */
static void orders_reset(void)
{
	nrun = ndone = 0;
}

/* Prepares n test jobs with ids 0..n-1. */
static void tjobs_init(struct tjob *v, int n)
{
	memset(v, 0, (size_t)n * sizeof(*v));
	for (int i = 0; i < n; i++) {
		v[i].id = i;
		v[i].job.data = &v[i];
	}
}

/* Counts stopped_cb calls in the int at arg. */
static void stopped_cb(void *arg)
{
	(*(int *)arg)++;
}

/* Stops w, runs the loop until it reports, and frees it; returns uv_loop_close's result. */
static int stop_and_close(uv_loop_t *loop, struct worker *w, int *stopped)
{
	worker_stop(w, stopped_cb, stopped);
	uv_run(loop, UV_RUN_DEFAULT);
	if (*stopped == 1)
		worker_free(w);
	return uv_loop_close(loop);
}

/* Bad arguments are refused and nothing is left on the loop. */
static int test_args(void)
{
	uv_loop_t loop;
	struct worker *w = NULL;
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-test", 0, 0, &w) == -EINVAL && !w);
	REQUIRE(worker_create(&loop, NULL, 1, 0, &w) == -EINVAL && !w);
	REQUIRE(worker_create(NULL, "torg-test", 1, 0, &w) == -EINVAL && !w);
	REQUIRE(worker_create(&loop, "torg-test", 1, 0, NULL) == -EINVAL);
	REQUIRE(uv_loop_close(&loop) == 0);
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-test", 1, 0, &w) == 0 && w);
	struct tjob t;
	tjobs_init(&t, 1);
	REQUIRE(worker_queue(w, NULL, tjob_work, tjob_done) == -EINVAL);
	REQUIRE(worker_queue(w, &t.job, NULL, tjob_done) == -EINVAL);
	REQUIRE(worker_queue(w, &t.job, tjob_work, NULL) == -EINVAL);
	int stopped = 0;
	REQUIRE(stop_and_close(&loop, w, &stopped) == 0);
	REQUIRE(stopped == 1 && t.done_calls == 0 && !t.ran);
	worker_free(NULL);
	return 0;
}

/* One thread: jobs run and are handed back in queue order, work off the loop on a named
 *  thread, done on the loop thread with status 0, exactly once each. */
static int test_order(void)
{
	uv_loop_t loop;
	struct worker *w = NULL;
	static struct tjob t[200];
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-commit", 1, 0, &w) == 0);
	tjobs_init(t, 200);
	orders_reset();
	for (int i = 0; i < 200; i++)
		REQUIRE(worker_queue(w, &t[i].job, tjob_work, tjob_done) == 0);
	uv_run(&loop, UV_RUN_DEFAULT); /* returns once every job is handed back */
	REQUIRE(nrun == 200 && ndone == 200);
	for (int i = 0; i < 200; i++) {
		CHECK(run_order[i] == i);
		CHECK(done_order[i] == i);
		CHECK(t[i].ran && !t[i].ran_on_loop);
		CHECK(t[i].done_calls == 1 && t[i].status == 0 && t[i].done_on_loop);
	}
	CHECK(strcmp(t[0].tname, "torg-commit") == 0);
	CHECK(strcmp(t[199].tname, "torg-commit") == 0);
	int stopped = 0;
	REQUIRE(stop_and_close(&loop, w, &stopped) == 0);
	REQUIRE(stopped == 1);
	return 0;
}

/* The bound counts jobs waiting for a thread: the running one is not one of them, a full
 *  queue says -EAGAIN (and never calls done), and room comes back as jobs start. */
static int test_bound(void)
{
	uv_loop_t loop;
	struct worker *w = NULL;
	struct tjob t[6];
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-auth", 1, 3, &w) == 0);
	tjobs_init(t, 6);
	orders_reset();
	gate_close();
	t[0].hold = true;
	REQUIRE(worker_queue(w, &t[0].job, tjob_work, tjob_done) == 0);
	REQUIRE(gate_wait_arrived(1)); /* t0 runs: the queue is empty again */
	for (int i = 1; i <= 3; i++)
		REQUIRE(worker_queue(w, &t[i].job, tjob_work, tjob_done) == 0);
	REQUIRE(worker_queue(w, &t[4].job, tjob_work, tjob_done) == -EAGAIN);
	REQUIRE(worker_queue(w, &t[4].job, tjob_work, tjob_done) == -EAGAIN);
	gate_open();
	uv_run(&loop, UV_RUN_DEFAULT);
	REQUIRE(ndone == 4 && t[4].done_calls == 0 && !t[4].ran);
	REQUIRE(worker_queue(w, &t[4].job, tjob_work, tjob_done) == 0);
	REQUIRE(worker_queue(w, &t[5].job, tjob_work, tjob_done) == 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	REQUIRE(ndone == 6 && t[4].status == 0 && t[5].status == 0);
	for (int i = 0; i < 6; i++)
		CHECK(done_order[i] == i && t[i].done_calls == 1);
	int stopped = 0;
	REQUIRE(stop_and_close(&loop, w, &stopped) == 0);

	/* max_queued 0: no bound */
	static struct tjob many[256];
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-stats", 1, 0, &w) == 0);
	tjobs_init(many, 256);
	orders_reset();
	gate_close();
	many[0].hold = true;
	for (int i = 0; i < 256; i++)
		REQUIRE(worker_queue(w, &many[i].job, tjob_work, tjob_done) == 0);
	gate_open();
	uv_run(&loop, UV_RUN_DEFAULT);
	REQUIRE(ndone == 256);
	stopped = 0;
	REQUIRE(stop_and_close(&loop, w, &stopped) == 0);
	return 0;
}

/* Several threads run jobs at the same time, each thread with its numbered name. */
static int test_threads(void)
{
	uv_loop_t loop;
	struct worker *w = NULL;
	struct tjob t[3];
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-many-threads", 3, 0, &w) == 0);
	tjobs_init(t, 3);
	orders_reset();
	gate_close();
	for (int i = 0; i < 3; i++) {
		t[i].hold = true;
		REQUIRE(worker_queue(w, &t[i].job, tjob_work, tjob_done) == 0);
	}
	REQUIRE(gate_wait_arrived(3)); /* all three held at once: three threads */
	gate_open();
	uv_run(&loop, UV_RUN_DEFAULT);
	REQUIRE(ndone == 3);
	bool seen[4] = {false};
	for (int i = 0; i < 3; i++) {
		CHECK(strncmp(t[i].tname, "torg-many-th-", 13) == 0);
		int k = atoi(t[i].tname + 13);
		CHECK(k >= 1 && k <= 3);
		if (k >= 1 && k <= 3) {
			CHECK(!seen[k]);
			seen[k] = true;
		}
	}
	int stopped = 0;
	REQUIRE(stop_and_close(&loop, w, &stopped) == 0);
	return 0;
}

struct stop_probe {
	struct tjob *t;
	int n;
	int stopped;
	bool all_done_before_stop;
};

/* stopped_cb that checks every job was handed back before it. */
static void probe_stopped_cb(void *arg)
{
	struct stop_probe *p = arg;
	p->stopped++;
	p->all_done_before_stop = true;
	for (int i = 0; i < p->n; i++)
		if (p->t[i].done_calls != 1)
			p->all_done_before_stop = false;
}

/* Opens the gate from the loop (a timer), once the stop is under way. */
static void open_gate_cb(uv_timer_t *h)
{
	gate_open();
	uv_close((uv_handle_t *)h, NULL);
}

/* Stop with one job running and three waiting: the waiting ones get -ECANCELED without
 *  running, the running one finishes with 0, stopped_cb comes after all of them and never
 *  inside worker_stop, nothing may be queued any more, and the loop closes cleanly. */
static int test_cancel(void)
{
	uv_loop_t loop;
	uv_timer_t timer;
	struct worker *w = NULL;
	struct tjob t[4];
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-cancel", 1, 0, &w) == 0);
	tjobs_init(t, 4);
	orders_reset();
	gate_close();
	t[0].hold = true;
	for (int i = 0; i < 4; i++)
		REQUIRE(worker_queue(w, &t[i].job, tjob_work, tjob_done) == 0);
	REQUIRE(gate_wait_arrived(1));
	struct stop_probe p = {t, 4, 0, false};
	worker_stop(w, probe_stopped_cb, &p);
	CHECK(p.stopped == 0);
	CHECK(t[1].done_calls == 0); /* cancellations come from the loop, not from the call */
	struct tjob late;
	tjobs_init(&late, 1);
	CHECK(worker_queue(w, &late.job, tjob_work, tjob_done) == -ECANCELED);
	worker_stop(w, probe_stopped_cb, &p); /* a second stop does nothing */
	uv_timer_init(&loop, &timer);
	uv_timer_start(&timer, open_gate_cb, 50, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(p.stopped == 1 && p.all_done_before_stop);
	CHECK(t[0].ran && t[0].done_calls == 1 && t[0].status == 0);
	for (int i = 1; i < 4; i++)
		CHECK(!t[i].ran && t[i].done_calls == 1 && t[i].status == -ECANCELED &&
		      t[i].done_on_loop);
	CHECK(late.done_calls == 0 && !late.ran);
	CHECK(nrun == 1);
	worker_free(w);
	REQUIRE(uv_loop_close(&loop) == 0);

	/* stop with nothing outstanding: still reported from the loop, never inside */
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-idle", 2, 0, &w) == 0);
	int stopped = 0;
	worker_stop(w, stopped_cb, &stopped);
	CHECK(stopped == 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(stopped == 1);
	worker_free(w);
	REQUIRE(uv_loop_close(&loop) == 0);
	return 0;
}

/* A chain: each done queues the next job on the same worker; the last one stops it. */
struct chain {
	struct worker_job job;
	struct worker *w;
	int runs, dones, left, stopped;
	bool requeue_ok;
};

/* Worker side of the chain. */
static void chain_work(struct worker_job *wj)
{
	struct chain *c = wj->data;
	c->runs++;
}

/* Loop side of the chain: queue again, or stop from inside done. */
static void chain_done(struct worker_job *wj, int status)
{
	struct chain *c = wj->data;
	c->dones++;
	if (status == 0 && --c->left > 0) {
		if (worker_queue(c->w, &c->job, chain_work, chain_done) != 0)
			c->requeue_ok = false;
		return;
	}
	worker_stop(c->w, stopped_cb, &c->stopped);
}

/* done may queue the job again and may stop the worker. */
static int test_chain(void)
{
	uv_loop_t loop;
	struct chain c = {.left = 50, .requeue_ok = true};
	c.job.data = &c;
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-chain", 1, 1, &c.w) == 0);
	REQUIRE(worker_queue(c.w, &c.job, chain_work, chain_done) == 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(c.requeue_ok && c.runs == 50 && c.dones == 50 && c.stopped == 1);
	worker_free(c.w);
	REQUIRE(uv_loop_close(&loop) == 0);
	return 0;
}

/* Sleeps 100 ms, then opens the gate (a thread of its own). */
static void *late_opener(void *arg)
{
	uv_sleep(100);
	gate_open();
	return NULL;
}

/* The worker keeps the loop alive only while a job is out: an idle worker lets uv_run
 *  return at once, a held job keeps it running until its done has been called, and after
 *  that uv_run returns again by itself. */
static int test_refs(void)
{
	uv_loop_t loop;
	struct worker *w = NULL;
	struct tjob t;
	uv_loop_init(&loop);
	REQUIRE(worker_create(&loop, "torg-refs", 1, 0, &w) == 0);
	uint64_t t0 = util_mono_ns();
	REQUIRE(uv_run(&loop, UV_RUN_DEFAULT) == 0);
	CHECK(util_mono_ns() - t0 < 1000000000ull);
	tjobs_init(&t, 1);
	orders_reset();
	gate_close();
	t.hold = true;
	REQUIRE(worker_queue(w, &t.job, tjob_work, tjob_done) == 0);
	REQUIRE(gate_wait_arrived(1));
	pthread_t opener;
	REQUIRE(pthread_create(&opener, NULL, late_opener, NULL) == 0);
	t0 = util_mono_ns();
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(t.done_calls == 1 && t.status == 0);
	CHECK(util_mono_ns() - t0 >= 50000000ull);
	pthread_join(opener, NULL);
	t0 = util_mono_ns();
	REQUIRE(uv_run(&loop, UV_RUN_DEFAULT) == 0); /* idle again */
	CHECK(util_mono_ns() - t0 < 1000000000ull);
	int stopped = 0;
	REQUIRE(stop_and_close(&loop, w, &stopped) == 0);
	REQUIRE(stopped == 1);
	return 0;
}

int main(void)
{
	loop_thread = pthread_self();
	RUN(test_args);
	RUN(test_order);
	RUN(test_bound);
	RUN(test_threads);
	RUN(test_cancel);
	RUN(test_chain);
	RUN(test_refs);
	return check_report("worker");
}
