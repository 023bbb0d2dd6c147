/*
 * metrics.c — GET /metrics in the Prometheus text format: the floor's queues,
 * counts since start, WebSocket sessions and the store's commit latency.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A growing text buffer. */
struct text {
	char *s;
	size_t len, cap;
};

/* Appends formatted text. */
static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 256);
		t->s = xrealloc(t->s, t->cap);
	}
}

char *api__metrics(struct api *a, size_t *len)
{
	struct engine *e = a->engine;
	const struct config *cfg = a->cfg;
	struct text t = {.s = xmalloc(4096), .len = 0, .cap = 4096};
	int64_t now = util_now_ms();
	put(&t, "# HELP torg_waiting Tickets waiting per service.\n# TYPE torg_waiting gauge\n");
	for (size_t i = 0; i < cfg->nservices; i++)
		put(&t, "torg_waiting{service=\"%s\"} %zu\n", cfg->services[i].id,
		    floor_waiting(e->floor, (int)i));
	put(&t, "# HELP torg_longest_wait_seconds Longest current wait per service.\n"
		"# TYPE torg_longest_wait_seconds gauge\n");
	for (size_t i = 0; i < cfg->nservices; i++)
		put(&t, "torg_longest_wait_seconds{service=\"%s\"} %d\n", cfg->services[i].id,
		    floor_longest_wait(e->floor, (int)i, now));
	int open = 0;
	for (size_t i = 0; i < cfg->ncounters; i++) {
		struct floor_counter_info ci;
		if (floor_counter_get(e->floor, (int)i, &ci) == 0 && ci.open)
			open++;
	}
	put(&t, "# HELP torg_counters_open Counters signed on.\n# TYPE torg_counters_open gauge\n"
		"torg_counters_open %d\n", open);
	put(&t, "# HELP torg_tickets_issued_total Tickets issued since start.\n"
		"# TYPE torg_tickets_issued_total counter\ntorg_tickets_issued_total %llu\n",
	    (unsigned long long)e->stats.issued);
	put(&t, "# HELP torg_tickets_served_total Meetings finished since start.\n"
		"# TYPE torg_tickets_served_total counter\ntorg_tickets_served_total %llu\n",
	    (unsigned long long)e->stats.served);
	put(&t, "# HELP torg_events_encoded_total Events encoded for clients since start.\n"
		"# TYPE torg_events_encoded_total counter\ntorg_events_encoded_total %llu\n",
	    (unsigned long long)e->stats.encoded);
	put(&t, "# HELP torg_ws_frames_sent_total WebSocket frames sent since start.\n"
		"# TYPE torg_ws_frames_sent_total counter\ntorg_ws_frames_sent_total %llu\n",
	    (unsigned long long)a->ws_frames_out);
	put(&t, "# HELP torg_ws_lagging_closed_total Sessions closed for not reading.\n"
		"# TYPE torg_ws_lagging_closed_total counter\ntorg_ws_lagging_closed_total %llu\n",
	    (unsigned long long)a->ws_lagging_closed);
	put(&t, "# HELP torg_ws_sessions WebSocket sessions connected.\n"
		"# TYPE torg_ws_sessions gauge\ntorg_ws_sessions %zu\n", a->nsessions);
	put(&t, "# HELP torg_http_requests_total HTTP requests since start.\n"
		"# TYPE torg_http_requests_total counter\ntorg_http_requests_total %llu\n",
	    (unsigned long long)a->http_requests);
	put(&t, "# HELP torg_event_seq Newest durable event sequence number.\n"
		"# TYPE torg_event_seq gauge\ntorg_event_seq %llu\n",
	    (unsigned long long)e->durable_seq);
	struct store_stats ss;
	store_get_stats(e->store, &ss);
	put(&t, "# HELP torg_store_commits_total Store commits since start.\n"
		"# TYPE torg_store_commits_total counter\ntorg_store_commits_total %llu\n",
	    (unsigned long long)ss.commits);
	put(&t, "# HELP torg_store_commit_seconds Latency of the last store commit.\n"
		"# TYPE torg_store_commit_seconds gauge\ntorg_store_commit_seconds %.6f\n",
	    ss.last_commit_us / 1e6);
	put(&t, "# HELP torg_store_commit_max_seconds Longest store commit since start.\n"
		"# TYPE torg_store_commit_max_seconds gauge\ntorg_store_commit_max_seconds %.6f\n",
	    ss.max_commit_us / 1e6);
	*len = t.len;
	return t.s;
}
