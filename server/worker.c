/*
 * worker.c — a pool of threads of its own (see worker.h). The threads take
 * jobs from one FIFO list under a mutex and put finished jobs on a second
 * list, then wake the loop with uv_async_send; the async callback hands each
 * finished job to its done function on the loop thread. The async handle is
 * referenced only while jobs are outstanding, so an idle worker never keeps
 * uv_run from returning. A stop moves the waiting jobs to the finished list as
 * cancelled, tells the threads to quit after their current job, and once every
 * thread has said it is leaving (and every job has been handed back) joins
 * them, closes the handle and reports. Threads block all signals, so signals
 * reach the loop thread's handlers.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct worker {
	uv_loop_t *loop;
	uv_async_t async;
	char name[16];
	size_t max_queued;
	unsigned nthreads;
	pthread_t *threads;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	/* under mu: */
	struct worker_job *q_head, *q_tail; /* waiting for a thread */
	struct worker_job *d_head, *d_tail; /* finished or cancelled, for the loop */
	size_t nqueued;
	unsigned exited; /* threads that have left their loop */
	bool quit;

	/* loop thread only: */
	size_t outstanding; /* queued and not yet handed back */
	bool stopping, closing, stopped;
	void (*stopped_cb)(void *arg);
	void *stopped_arg;
};

/* Appends job to a singly linked list (under mu). */
static void list_push(struct worker_job **head, struct worker_job **tail, struct worker_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

/* A worker thread: runs jobs in order until told to quit. */
static void *thread_main(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->q_head && !w->quit)
			pthread_cond_wait(&w->cond, &w->mu);
		if (w->quit)
			break;
		struct worker_job *j = w->q_head;
		w->q_head = j->next;
		if (!w->q_head)
			w->q_tail = NULL;
		w->nqueued--;
		pthread_mutex_unlock(&w->mu);
		j->work(j);
		pthread_mutex_lock(&w->mu);
		j->status = 0;
		list_push(&w->d_head, &w->d_tail, j);
		uv_async_send(&w->async);
	}
	w->exited++;
	pthread_mutex_unlock(&w->mu);
	/* the loop joins this thread before it closes the handle: the send is safe */
	uv_async_send(&w->async);
	return NULL;
}

/* The async handle closed: the stop is complete. */
static void closed_cb(uv_handle_t *h)
{
	struct worker *w = h->data;
	w->stopped = true;
	if (w->stopped_cb)
		w->stopped_cb(w->stopped_arg); /* may free w */
}

/* Releases w's memory (its threads joined, its handle closed). */
static void release(struct worker *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->mu);
	free(w->threads);
	free(w);
}

/* The handle of a worker whose creation failed closed: nobody else holds it. */
static void failed_closed_cb(uv_handle_t *h)
{
	release(h->data);
}

/* Joins every thread of w (all of which have left, or are leaving, their loop). */
static void join_all(struct worker *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int err = pthread_join(w->threads[i], NULL);
		if (err)
			fatal("worker %s: pthread_join: %s", w->name, strerror(err));
	}
}

/* Loop thread: hands finished jobs back, and finishes a stop once nothing is left. */
static void async_cb(uv_async_t *h)
{
	struct worker *w = h->data;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		struct worker_job *j = w->d_head;
		w->d_head = w->d_tail = NULL;
		pthread_mutex_unlock(&w->mu);
		if (!j)
			break;
		while (j) {
			struct worker_job *next = j->next;
			w->outstanding--;
			j->next = NULL;
			j->done(j, j->status); /* may queue, free the job, or stop w */
			j = next;
		}
	}
	if (!w->stopping) {
		if (w->outstanding == 0)
			uv_unref((uv_handle_t *)h);
		return;
	}
	pthread_mutex_lock(&w->mu);
	bool gone = w->exited == w->nthreads && !w->d_head;
	pthread_mutex_unlock(&w->mu);
	if (!gone || w->closing)
		return;
	if (w->outstanding != 0)
		fatal("worker %s: %zu jobs outstanding after its threads left", w->name,
		      w->outstanding);
	join_all(w, w->nthreads);
	w->closing = true;
	uv_close((uv_handle_t *)h, closed_cb);
}

int worker_create(uv_loop_t *loop, const char *name, unsigned nthreads, size_t max_queued,
		  struct worker **out)
{
	if (!loop || !name || !out || nthreads == 0 || nthreads > 64)
		return -EINVAL;
	struct worker *w = xcalloc(1, sizeof(*w));
	w->loop = loop;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->max_queued = max_queued;
	w->threads = xcalloc(nthreads, sizeof(*w->threads));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	int err = uv_async_init(loop, &w->async, async_cb);
	if (err) {
		release(w);
		return err;
	}
	w->async.data = w;
	uv_unref((uv_handle_t *)&w->async);

	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	unsigned made = 0;
	for (; made < nthreads; made++) {
		if ((err = pthread_create(&w->threads[made], NULL, thread_main, w)) != 0)
			break;
		char tname[16];
		if (nthreads == 1)
			snprintf(tname, sizeof(tname), "%s", w->name);
		else
			snprintf(tname, sizeof(tname), "%.*s-%u", 12, w->name, made + 1);
		pthread_setname_np(w->threads[made], tname);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (made < nthreads) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->mu);
		join_all(w, made);
		uv_close((uv_handle_t *)&w->async, failed_closed_cb);
		return -err;
	}
	w->nthreads = nthreads;
	*out = w;
	return 0;
}

int worker_queue(struct worker *w, struct worker_job *job, worker_work_fn work, worker_done_fn done)
{
	if (!w || !job || !work || !done)
		return -EINVAL;
	if (w->stopping)
		return -ECANCELED;
	pthread_mutex_lock(&w->mu);
	if (w->max_queued && w->nqueued >= w->max_queued) {
		pthread_mutex_unlock(&w->mu);
		return -EAGAIN;
	}
	job->work = work;
	job->done = done;
	job->status = 0;
	list_push(&w->q_head, &w->q_tail, job);
	w->nqueued++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
	w->outstanding++;
	uv_ref((uv_handle_t *)&w->async);
	return 0;
}

void worker_stop(struct worker *w, void (*stopped_cb)(void *arg), void *arg)
{
	if (w->stopping)
		return;
	w->stopping = true;
	w->stopped_cb = stopped_cb;
	w->stopped_arg = arg;
	uv_ref((uv_handle_t *)&w->async); /* until closed: the loop must see the threads go */
	pthread_mutex_lock(&w->mu);
	for (struct worker_job *j = w->q_head, *next; j; j = next) {
		next = j->next;
		j->status = -ECANCELED;
		list_push(&w->d_head, &w->d_tail, j);
	}
	w->q_head = w->q_tail = NULL;
	w->nqueued = 0;
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mu);
	uv_async_send(&w->async);
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	if (!w->stopped)
		fatal("worker %s freed before it stopped", w->name);
	release(w);
}
