/*
 * worker.h — a dedicated pool of threads for blocking work, instead of libuv's
 * one shared pool: each user (the store's commits, auth's password hashing,
 * the statistics) creates its own, so a slow job of one kind never waits in
 * front of another kind's. Jobs run in FIFO order on the worker's threads; the
 * queue of jobs not yet started can be bounded. Results come back on the loop
 * thread through one uv_async_t, which keeps the loop alive only while a job is
 * outstanding. All calls are made on the loop thread.
 */
#ifndef TORG_WORKER_H
#define TORG_WORKER_H

#include <stddef.h>

#include <uv.h>

struct worker;
struct worker_job;

/** Runs on a worker thread: the blocking part of a job. */
typedef void (*worker_work_fn)(struct worker_job *job);
/** Runs on the loop thread once per queued job: status 0 when work ran, -ECANCELED when
 *  worker_stop came first and work never ran. The job may be freed or queued again here. */
typedef void (*worker_done_fn)(struct worker_job *job, int status);

/** A job, embedded in the caller's struct (owned by the caller, which must keep it alive
 *  until done has run). Only data is the caller's; the rest belongs to the worker. */
struct worker_job {
	void *data; /* the caller's */
	struct worker_job *next;
	worker_work_fn work;
	worker_done_fn done;
	int status;
};

/** Creates a worker of nthreads threads named name (at most 15 bytes are kept; with more
 *  than one thread each name ends in its number) on loop. max_queued bounds the jobs
 *  waiting for a thread (0: no bound). Returns 0 and *out, -EINVAL for bad arguments, or
 *  a negative errno or uv error when a thread or the async handle cannot be made (the
 *  loop must then run once more to release the handle). */
int worker_create(uv_loop_t *loop, const char *name, unsigned nthreads, size_t max_queued,
		  struct worker **out);
/** Queues job: work(job) on a worker thread, then done(job, 0) on the loop thread. Returns
 *  0, -EAGAIN when max_queued jobs are already waiting, -ECANCELED after worker_stop, or
 *  -EINVAL for a NULL argument; done is called only when it returns 0. */
int worker_queue(struct worker *w, struct worker_job *job, worker_work_fn work,
		 worker_done_fn done);
/** Stops the worker: jobs still waiting get done(-ECANCELED), running ones finish and get
 *  done(0), the threads are joined and the async handle is closed; then stopped_cb(arg)
 *  runs on the loop thread (never inside this call; it may free the worker). A second call
 *  does nothing. */
void worker_stop(struct worker *w, void (*stopped_cb)(void *arg), void *arg);
/** Frees a worker after stopped_cb has run. NULL is fine; a worker not stopped is a bug. */
void worker_free(struct worker *w);

#endif
