/*
 * api_metrics.c — GET /metrics in the Prometheus text exposition format (0.0.4):
 * the floor's queues per service (waiting, longest wait, counters open), open
 * counters and those on a break, ticket counts since start, WebSocket sessions, HTTP requests, the
 * event loop's lag (from the statistics runner's timer probe) and the store's
 * commit latency, each also as a histogram for alerts over a window. Every family has HELP and TYPE
 * lines; label values are configured ids ([a-z0-9_-]), which need no escaping.
 */
#include "api_int.h"

#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stats_run.h"
#include "util.h"

/* Writes one unlabelled family: HELP, TYPE and its sample. */
static void family(struct util_text *t, const char *name, const char *type, const char *help,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void family(struct util_text *t, const char *name, const char *type, const char *help,
		   const char *fmt, ...)
{
	char value[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	util_text_printf(t, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type, name,
			 value);
}

/* Writes one unlabelled histogram: HELP, TYPE, the cumulative buckets, sum and count. */
static void histogram(struct util_text *t, const char *name, const char *help,
		      const struct util_hist *h)
{
	util_text_printf(t, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	uint64_t below = 0;
	for (size_t i = 0; i < UTIL_HIST_BUCKETS; i++) {
		below += h->bucket[i];
		util_text_printf(t, "%s_bucket{le=\"%g\"} %llu\n", name,
				 util_hist_bounds_us[i] / 1e6, (unsigned long long)below);
	}
	util_text_printf(t, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
			 (unsigned long long)h->count, name, h->sum_us / 1e6, name,
			 (unsigned long long)h->count);
}

/* Builds the metrics text. */
char *api__metrics(struct api *a, size_t *len)
{
	struct engine *e = a->engine;
	const struct engine_stats *st = engine_get_stats(e);
	const struct config *cfg = a->cfg;
	struct util_text t = {0};
	int64_t now = engine_clock(e).ms;
	int longest = 0;
	util_text_printf(
	    &t, "# HELP torg_waiting Tickets waiting per service.\n# TYPE torg_waiting gauge\n");
	for (size_t i = 0; i < cfg->nservices; i++)
		util_text_printf(&t, "torg_waiting{service=\"%s\"} %zu\n", cfg->services[i].id,
				 floor_waiting(engine_floor(e), (int)i));
	util_text_printf(&t, "# HELP torg_longest_wait_seconds Longest current wait per service.\n"
			     "# TYPE torg_longest_wait_seconds gauge\n");
	for (size_t i = 0; i < cfg->nservices; i++) {
		int w = floor_longest_wait(engine_floor(e), (int)i, now);
		if (w > longest)
			longest = w;
		util_text_printf(&t, "torg_longest_wait_seconds{service=\"%s\"} %d\n",
				 cfg->services[i].id, w);
	}
	util_text_printf(&t,
			 "# HELP torg_target_wait_seconds Target wait per service, as configured.\n"
			 "# TYPE torg_target_wait_seconds gauge\n");
	for (size_t i = 0; i < cfg->nservices; i++)
		util_text_printf(&t, "torg_target_wait_seconds{service=\"%s\"} %d\n",
				 cfg->services[i].id, cfg->services[i].target_wait_s);
	util_text_printf(
	    &t, "# HELP torg_service_counters_open Open counters giving each service, not on a "
		"break.\n"
		"# TYPE torg_service_counters_open gauge\n");
	for (size_t i = 0; i < cfg->nservices; i++)
		util_text_printf(&t, "torg_service_counters_open{service=\"%s\"} %d\n",
				 cfg->services[i].id, floor_counters_open(engine_floor(e), (int)i));
	family(&t, "torg_longest_wait_all_seconds", "gauge",
	       "Longest current wait on the whole floor.", "%d", longest);
	int open = 0, paused = 0;
	for (size_t i = 0; i < cfg->ncounters; i++) {
		struct floor_counter_info ci;
		if (floor_counter_get(engine_floor(e), (int)i, &ci) == 0 && ci.open) {
			open++;
			paused += ci.on_break;
		}
	}
	family(&t, "torg_counters_open", "gauge", "Counters signed on.", "%d", open);
	family(&t, "torg_counters_on_break", "gauge", "Counters signed on and on a break.", "%d",
	       paused);
	family(&t, "torg_tickets_issued_total", "counter", "Tickets issued since start.", "%llu",
	       (unsigned long long)st->issued);
	family(&t, "torg_tickets_called_total", "counter", "First calls since start.", "%llu",
	       (unsigned long long)st->called);
	family(&t, "torg_tickets_served_total", "counter", "Meetings finished since start.", "%llu",
	       (unsigned long long)st->served);
	family(&t, "torg_tickets_no_show_total", "counter", "No-shows since start.", "%llu",
	       (unsigned long long)st->no_shows);
	family(&t, "torg_tickets_cancelled_total", "counter", "Cancellations since start.", "%llu",
	       (unsigned long long)st->cancelled);
	family(&t, "torg_tickets_transferred_total", "counter", "Transfers since start.", "%llu",
	       (unsigned long long)st->transferred);
	family(&t, "torg_commands_rejected_total", "counter",
	       "Commands the floor refused since start.", "%llu", (unsigned long long)st->rejected);
	family(&t, "torg_ws_sessions", "gauge", "WebSocket sessions connected.", "%zu",
	       a->nsessions);
	family(&t, "torg_events_encoded_total", "counter",
	       "Events encoded for clients since start (one per event, whatever the sessions).",
	       "%llu", (unsigned long long)st->encoded);
	family(&t, "torg_ws_frames_sent_total", "counter", "WebSocket frames sent since start.",
	       "%llu", (unsigned long long)a->ws_frames_out);
	family(&t, "torg_ws_lagging_closed_total", "counter",
	       "WebSocket sessions dropped for lagging since start.", "%llu",
	       (unsigned long long)a->ws_lagging_closed);
	family(&t, "torg_ws_idle_closed_total", "counter",
	       "WebSocket sessions closed for silence (no message, no pong) since start.", "%llu",
	       (unsigned long long)a->ws_idle_closed);
	family(&t, "torg_ws_bad_origin_total", "counter",
	       "WebSocket upgrades refused for coming from a page of another site.", "%llu",
	       (unsigned long long)a->ws_bad_origin);
	family(&t, "torg_http_requests_total", "counter", "HTTP requests since start.", "%llu",
	       (unsigned long long)a->http_requests);
	family(&t, "torg_snapshots_reused_total", "counter",
	       "Snapshots sent as already encoded for another session (same services, same seq).",
	       "%llu", (unsigned long long)a->snap.reused);
	family(&t, "torg_http_answers_direct_total", "counter",
	       "Answers written in the durable batch that acknowledged them (no writable turn).",
	       "%llu", (unsigned long long)a->answers_direct);
	family(&t, "torg_connections", "gauge", "TCP connections open.", "%d", a->conns.total);
	family(&t, "torg_connections_max", "gauge",
	       "Connections taken at once (server.max_connections, under the open-file limit).",
	       "%d", a->conns.max_total);
	family(&t, "torg_connections_refused_total", "counter",
	       "Connections refused (limits reached, or out of file descriptors).", "%llu",
	       (unsigned long long)a->conns.refused);
	family(&t, "torg_tickets_rate_limited_total", "counter",
	       "Ticket requests refused by the per-address rate limit.", "%llu",
	       (unsigned long long)a->rate_limited);
	family(&t, "torg_logins_throttled_total", "counter",
	       "Sign-ins refused by the throttles (429) or a full sign-in queue (503).", "%llu",
	       (unsigned long long)a->logins_throttled);
	int dir_up = auth_ldap_up(a->auth);
	if (dir_up >= 0)
		family(
		    &t, "torg_directory_up", "gauge",
		    "1 while the directory (auth.ldap) answers, 0 since it was found unavailable.",
		    "%d", dir_up);
	family(&t, "torg_event_seq", "gauge", "Newest durable event sequence number.", "%llu",
	       (unsigned long long)engine_durable_seq(e));
	struct stats_run_lag lag = {0};
	if (a->stats)
		stats_run_get_lag(a->stats, &lag);
	family(&t, "torg_event_loop_lag_seconds", "gauge",
	       "How late the event loop ran a 250 ms timer, last time.", "%.6f", lag.last_us / 1e6);
	family(&t, "torg_event_loop_lag_max_seconds", "gauge",
	       "How late the event loop ran a 250 ms timer, worst since start.", "%.6f",
	       lag.max_us / 1e6);
	histogram(&t, "torg_event_loop_delay_seconds",
		  "How late the event loop ran each 250 ms timer since start.", &lag.hist);
	struct store_stats ss;
	engine_store_stats(e, &ss);
	family(&t, "torg_store_commits_total", "counter", "Store commits since start.", "%llu",
	       (unsigned long long)ss.commits);
	family(&t, "torg_store_events_total", "counter", "Events committed since start.", "%llu",
	       (unsigned long long)ss.events);
	family(&t, "torg_store_commit_seconds", "gauge", "Latency of the last store commit.",
	       "%.6f", ss.last_commit_us / 1e6);
	family(&t, "torg_store_commit_max_seconds", "gauge", "Longest store commit since start.",
	       "%.6f", ss.max_commit_us / 1e6);
	histogram(&t, "torg_store_commit_duration_seconds",
		  "Latency of each store commit since start.", &ss.commit_hist);
	api__voice_metrics(a, &t);
	*len = t.len;
	return t.s;
}
