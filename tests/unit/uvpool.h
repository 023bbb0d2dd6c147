/*
 * uvpool.h — for unit tests that show a module does not use libuv's shared
 * thread pool: uvpool_block() fills every thread of that pool with a job that
 * waits at a gate (so any uv_queue_work job would wait behind them),
 * uvpool_open() lets them finish, and uvpool_thread_named() says whether a
 * thread of this process has a given name (/proc/self/task/N/comm). Include
 * it once, after check.h, in the test's own .c file.
 */
#ifndef TORG_UVPOOL_H
#define TORG_UVPOOL_H

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define UVPOOL_THREADS 4 /* libuv's default; uvpool_block sets UV_THREADPOOL_SIZE to it */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool open;
	int waiting, finished;
	uv_work_t req[UVPOOL_THREADS];
} uvpool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0, {{0}}};

/* A pool thread: waits at the gate. */
static inline void uvpool_wait_cb(uv_work_t *req)
{
	pthread_mutex_lock(&uvpool.mu);
	uvpool.waiting++;
	while (!uvpool.open)
		pthread_cond_wait(&uvpool.cond, &uvpool.mu);
	pthread_mutex_unlock(&uvpool.mu);
}

/* Loop thread: one blocker is over. */
static inline void uvpool_after_cb(uv_work_t *req, int status)
{
	uvpool.finished++;
}

/* Fills every thread of libuv's pool with a blocker queued on loop; returns true once all
 *  of them are waiting (false after 10 s). Call before anything else uses the pool. */
static inline bool uvpool_block(uv_loop_t *loop)
{
	setenv("UV_THREADPOOL_SIZE", "4", 1);
	uvpool.open = false;
	uvpool.waiting = uvpool.finished = 0;
	for (int i = 0; i < UVPOOL_THREADS; i++)
		if (uv_queue_work(loop, &uvpool.req[i], uvpool_wait_cb, uvpool_after_cb) != 0)
			return false;
	for (int ms = 0; ms < 10000; ms++) {
		pthread_mutex_lock(&uvpool.mu);
		int n = uvpool.waiting;
		pthread_mutex_unlock(&uvpool.mu);
		if (n == UVPOOL_THREADS)
			return true;
		uv_sleep(1);
	}
	return false;
}

/* Lets the blockers finish (their after callbacks run on the loop). */
static inline void uvpool_open(void)
{
	pthread_mutex_lock(&uvpool.mu);
	uvpool.open = true;
	pthread_cond_broadcast(&uvpool.cond);
	pthread_mutex_unlock(&uvpool.mu);
}

/* Whether a thread of this process is named name. */
static inline bool uvpool_thread_named(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	bool found = false;
	while (d && !found && (de = readdir(d))) {
		char path[300], comm[64] = "";
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		found = strcmp(comm, name) == 0;
	}
	if (d)
		closedir(d);
	return found;
}

#endif
