/*
 * bench_store.c — measures the store's durable throughput: events (full
 * visits: issued, called, serving, done, each with ~200 bytes of JSON) are
 * appended as fast as the loop turns, with at most a bound not yet durable,
 * and the rate is the number of events over the time until the last one is
 * reported durable. Runs once with synchronous=FULL and once with NORMAL on a
 * fresh file in a temporary directory. Besides events/s it prints the CPU
 * the process spent per event, which other load on the machine does not skew.
 * Usage: bench_store [events] [dir].
 * An executable, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <uv.h>

#include "store.h"
#include "util.h"

static const struct floor_service_def services[] = {
    {.id = "nav", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "sos", .prefix = "B", .target_wait_s = 900, .default_service_s = 600},
    {.id = "hus", .prefix = "C", .target_wait_s = 1200, .default_service_s = 900},
    {.id = "bvt", .prefix = "D", .target_wait_s = 900, .default_service_s = 600},
    {.id = "hel", .prefix = "E", .target_wait_s = 900, .default_service_s = 600},
    {.id = "flk", .prefix = "F", .target_wait_s = 900, .default_service_s = 600},
};
static const struct floor_counter_def counters[] = {
    {.id = "c1", .services = 63, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c2", .services = 63, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c3", .services = 63, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c4", .services = 63, .policy = FLOOR_POLICY_OVERDUE},
};
static const struct floor_def def = {ARRAY_SIZE(services), services, ARRAY_SIZE(counters), counters,
				     0};

#define MAX_OUTSTANDING 10000 /* appended but not yet durable */
#define PER_TICK	2000  /* events appended per loop turn at most */

struct bench {
	struct store *s;
	uv_idle_t idle;
	uint64_t total, seq, durable;
	uint64_t t0, t_end;
	int64_t ms;
	bool failed;
};

/* Fills the k-th event of the run (a visit is four events) into *ev. */
static void make_event(struct bench *b, struct floor_event *ev)
{
	uint64_t k = b->seq; /* 0-based */
	memset(ev, 0, sizeof(*ev));
	ev->seq = ++b->seq;
	ev->at_ms = (b->ms += 250);
	ev->day = 20260301;
	ev->counter = -1;
	ev->service = ev->from_service = -1;
	ev->ticket = FLOOR_NONE;
	if (k < ARRAY_SIZE(counters)) {
		ev->kind = FLOOR_EV_COUNTER_OPENED;
		ev->counter = (int16_t)k;
		ev->services = 63;
		return;
	}
	k -= ARRAY_SIZE(counters);
	uint32_t h = (uint32_t)(k / 4);
	static const uint8_t kinds[] = {FLOOR_EV_ISSUED, FLOOR_EV_CALLED, FLOOR_EV_SERVING,
					FLOOR_EV_DONE};
	ev->kind = kinds[k % 4];
	ev->ticket = h;
	ev->service = (int16_t)(h % ARRAY_SIZE(services));
	ev->number = (uint16_t)(h % 9999 + 1);
	ev->leg = 1;
	if (ev->kind == FLOOR_EV_ISSUED)
		util_random(ev->token, FLOOR_TOKEN_LEN);
	else
		ev->counter = (int16_t)(h % ARRAY_SIZE(counters));
}

static void idle_cb(uv_idle_t *h);

/* Notes durability; stops the store after the last event. */
static void durable_cb(uint64_t seq, void *arg)
{
	struct bench *b = arg;
	b->durable = seq;
	if (b->seq < b->total && !uv_is_active((uv_handle_t *)&b->idle))
		uv_idle_start(&b->idle, idle_cb);
	if (seq == b->total) {
		b->t_end = util_mono_ns();
		store_stop(b->s, NULL, NULL);
	}
}

/* A commit failed: report and stop. */
static void fail_cb(const char *cause, void *arg)
{
	struct bench *b = arg;
	fprintf(stderr, "bench_store: %s\n", cause);
	b->failed = true;
	uv_close((uv_handle_t *)&b->idle, NULL);
	store_stop(b->s, NULL, NULL);
}

/* Appends as many events as the outstanding bound allows. */
static void idle_cb(uv_idle_t *h)
{
	struct bench *b = h->data;
	char json[512];
	for (int i = 0; i < PER_TICK && b->seq < b->total && b->seq - b->durable < MAX_OUTSTANDING;
	     i++) {
		struct floor_event ev;
		make_event(b, &ev);
		int n =
		    snprintf(json, sizeof(json),
			     "{\"type\":\"event\",\"seq\":%llu,\"kind\":%u,\"at\":"
			     "\"2026-03-01T09:00:00.000Z\",\"ticket\":{\"number\":\"A%03u\","
			     "\"service\":\"nav\",\"state\":\"called\",\"leg\":1},\"counter\":"
			     "\"c1\",\"services\":[\"nav\",\"sos\"],\"position\":0,\"eta_s\":-1}",
			     (unsigned long long)ev.seq, ev.kind, ev.number);
		store_append(b->s, &ev, json, (size_t)n, NULL);
	}
	if (b->seq == b->total)
		uv_close((uv_handle_t *)h, NULL);
	else if (b->seq - b->durable >= MAX_OUTSTANDING)
		uv_idle_stop(h); /* durable_cb starts it again: the loop sleeps meanwhile */
}

/* User plus system CPU seconds of a rusage. */
static double cpu_seconds(const struct rusage *r)
{
	return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
	       (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

/* Counts replayed events. */
static int count_cb(const struct floor_event *ev, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/* Reopens path and times a full replay (the bench journal has no day event); returns the
 *  seconds, or -1 when it fails or misses events. */
static double time_replay(const char *path, uint64_t total)
{
	struct store *s = NULL;
	char *cause = NULL;
	uint64_t n = 0;
	if (store_open(path, &def, NULL, &s, &cause) != 0) {
		fprintf(stderr, "bench_store: %s\n", cause);
		free(cause);
		return -1;
	}
	uint64_t t0 = util_mono_ns();
	int err = store_replay(s, count_cb, &n, &cause);
	double secs = (double)(util_mono_ns() - t0) / 1e9;
	store_free(s);
	if (err || n != total) {
		fprintf(stderr, "bench_store: replay gave %llu of %llu events: %s\n",
			(unsigned long long)n, (unsigned long long)total, cause ? cause : "");
		free(cause);
		return -1;
	}
	return secs;
}

/* Runs one mode; returns 0 or -1. */
static int run(const char *dir, bool normal, uint64_t total)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/bench-%s.db", dir, normal ? "normal" : "full");
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[560];
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	struct store_opts o = {.sync_normal = normal};
	struct bench b = {.total = total, .ms = 1772355600000};
	char *cause = NULL;
	if (store_open(path, &def, &o, &b.s, &cause) != 0) {
		fprintf(stderr, "bench_store: %s\n", cause);
		free(cause);
		return -1;
	}
	uv_loop_t loop;
	uv_loop_init(&loop);
	store_start(b.s, &loop, durable_cb, fail_cb, &b);
	uv_idle_init(&loop, &b.idle);
	b.idle.data = &b;
	uv_idle_start(&b.idle, idle_cb);
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	b.t0 = util_mono_ns();
	uv_run(&loop, UV_RUN_DEFAULT);
	getrusage(RUSAGE_SELF, &ru1);
	if (uv_loop_close(&loop) != 0)
		fprintf(stderr, "bench_store: the loop still had active handles\n");
	struct store_stats st;
	store_get_stats(b.s, &st);
	store_free(b.s);
	double replay_s = b.failed ? 0 : time_replay(path, total);
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	if (b.failed)
		return -1;
	double secs = (double)(b.t_end - b.t0) / 1e9;
	double cpu_us = cpu_seconds(&ru1) * 1e6 - cpu_seconds(&ru0) * 1e6;
	printf("synchronous=%-6s %9llu events in %6.3f s: %8.0f durable events/s; %llu commits,"
	       " %.0f events/commit, commit latency last %llu us, max %llu us; %.1f us CPU/event\n",
	       normal ? "NORMAL" : "FULL", (unsigned long long)total, secs, (double)total / secs,
	       (unsigned long long)st.commits,
	       (double)st.events / (double)(st.commits ? st.commits : 1),
	       (unsigned long long)st.last_commit_us, (unsigned long long)st.max_commit_us,
	       cpu_us / (double)total);
	if (replay_s < 0)
		return -1;
	printf("synchronous=%-6s replay of %llu events after reopening: %.3f s\n",
	       normal ? "NORMAL" : "FULL", (unsigned long long)total, replay_s);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 10) : 400000;
	char tmp[] = "/tmp/torg-bench-XXXXXX";
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmp);
	if (!dir || total < 8) {
		fprintf(stderr, "usage: bench_store [events >= 8] [dir]\n");
		return 2;
	}
	log_set_level(LOG_WARN);
	int rc = run(dir, false, total) | run(dir, true, total);
	if (argc <= 2)
		rmdir(dir);
	return rc ? 1 : 0;
}
