/*
 * api_stats.c — the statistics routes for managers and admins:
 * GET /api/v1/stats?from=&to=&group= (JSON) and /api/v1/stats.csv, computed
 * off the loop by the statistics runner and answered through a deferred
 * answer. group=staff gives per-staff figures only when the configuration's
 * statistics.per_staff is on, else 403 per_staff_off. With torgd --test-clock (tests only, never in
 * production) it also takes two admin-only routes: POST /api/v1/test/clock?ms= sets the engine's
 * clock, and POST /api/v1/test/purge runs the retention purge now; without
 * the flag they are unknown routes (404, decided by api_http.c). The route, method and
 * query parameters are checked before these run.
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "stats_out.h"
#include "stats_run.h"
#include "util.h"

/* What a deferred statistics answer needs when the job ends. */
struct stats_req {
	struct api_deferred *d;
	const struct config *cfg;
	bool csv;
	char lang[CONFIG_LANG_MAX]; /* the CSV's language */
};

/* Answers 401 without a session, 403 for a role below manager; true when allowed. */
static bool allow(struct http_req *r, enum auth_role min)
{
	const struct auth_user *u = api__http_user(r);
	if (!u) {
		api__http_fail(r, 401, "unauthorized", "sign in first", NULL);
		return false;
	}
	if (u->role < min) {
		api__http_fail(r, 403, "forbidden",
			       min == AUTH_ROLE_ADMIN ? "this needs an admin"
						      : "statistics are for managers and admins",
			       NULL);
		return false;
	}
	return true;
}

/* The statistics job ended: answers JSON or CSV. */
static void query_done_cb(struct stats_result *res, int err, const char *cause, void *arg)
{
	struct stats_req *sr = arg;
	if (err) {
		log_err("%s", cause ? cause : "statistics: query failed");
		api__deferred_fail(sr->d, 503, "unavailable", "the statistics could not be read",
				   NULL);
	} else if (sr->csv) {
		size_t len;
		char *text = stats_out_csv(res, sr->cfg, sr->lang, &len);
		api__deferred_text(sr->d, 200, "text/csv; charset=utf-8", text, len);
	} else {
		api__deferred_json(sr->d, 200, stats_out_json(res, sr->cfg));
	}
	stats_result_free(res);
	free(sr);
}

/* The per-staff job ended: answers JSON or CSV. */
static void staff_done_cb(struct stats_staff *res, int err, const char *cause, void *arg)
{
	struct stats_req *sr = arg;
	if (err) {
		log_err("%s", cause ? cause : "statistics: per-staff query failed");
		api__deferred_fail(sr->d, 503, "unavailable", "the statistics could not be read",
				   NULL);
	} else if (sr->csv) {
		size_t len;
		char *text = stats_out_staff_csv(res, sr->lang, &len);
		api__deferred_text(sr->d, 200, "text/csv; charset=utf-8", text, len);
	} else {
		api__deferred_json(sr->d, 200, stats_out_staff_json(res));
	}
	stats_staff_free(res);
	free(sr);
}

/* Reads a date parameter; absent gives dflt. Answers 400 and returns false when bad. */
static bool date_param(struct http_req *r, const char *name, int32_t dflt, int32_t *out)
{
	char buf[32];
	if (!api__http_query(r, name, buf, sizeof(buf))) {
		*out = dflt;
		return true;
	}
	if (hours_parse_date(buf, out) == 0)
		return true;
	char *msg = xasprintf("%s: expected a date YYYY-MM-DD", name);
	api__http_fail(r, 400, "bad_query", msg, name);
	free(msg);
	return false;
}

/* Reads the CSV's lang parameter: one of the floor's languages, absent gives the
 * floor's first. Answers 400 and returns false when it is not one of them. */
static bool lang_param(struct api *a, struct http_req *r, char out[CONFIG_LANG_MAX])
{
	char buf[CONFIG_LANG_MAX + 1];
	if (!api__http_query(r, "lang", buf, sizeof(buf))) {
		snprintf(out, CONFIG_LANG_MAX, "%s", a->cfg->languages[0]);
		return true;
	}
	if (strlen(buf) < CONFIG_LANG_MAX && config_has_language(a->cfg, buf)) {
		snprintf(out, CONFIG_LANG_MAX, "%s", buf);
		return true;
	}
	struct util_text t = {0};
	util_text_printf(&t, "lang: expected one of the floor's languages (");
	for (size_t i = 0; i < a->cfg->nlanguages; i++)
		util_text_printf(&t, "%s%s", i ? ", " : "", a->cfg->languages[i]);
	util_text_printf(&t, ")");
	api__http_fail(r, 400, "bad_query", t.s, "lang");
	free(t.s);
	return false;
}

/* GET /api/v1/stats and /api/v1/stats.csv. */
static void route_stats(struct api *a, struct http_req *r, bool csv)
{
	if (!allow(r, AUTH_ROLE_MANAGER))
		return;
	struct stats_query q = {0};
	int32_t today = engine_clock(a->engine).day;
	if (!date_param(r, "to", today, &q.to) || !date_param(r, "from", q.to, &q.from))
		return;
	if (q.to < q.from) {
		api__http_fail(r, 400, "bad_query", "to: the range ends before it starts", "to");
		return;
	}
	if (hours_day_number(q.to) - hours_day_number(q.from) >= STATS_MAX_DAYS) {
		char *msg = xasprintf("to: a range spans at most %d days", STATS_MAX_DAYS);
		api__http_fail(r, 400, "bad_query", msg, "to");
		free(msg);
		return;
	}
	char group[16];
	bool staff = false;
	q.group = STATS_GROUP_SERVICE;
	if (api__http_query(r, "group", group, sizeof(group)) && strcmp(group, "staff") == 0) {
		if (!a->cfg->per_staff) {
			api__http_fail(
			    r, 403, "per_staff_off",
			    "per-staff figures are off: the floor configuration does not "
			    "set statistics.per_staff (it needs the staff "
			    "representatives' agreement)",
			    "group");
			return;
		}
		staff = true;
	} else if (api__http_query(r, "group", group, sizeof(group))) {
		int g = -1;
		for (int i = 0; i <= STATS_GROUP_HOUR; i++)
			if (strcmp(group, stats_out_group_name((enum stats_group)i)) == 0)
				g = i;
		if (g < 0) {
			api__http_fail(r, 400, "bad_query",
				       "group: expected service, counter, day, hour or staff",
				       "group");
			return;
		}
		q.group = (enum stats_group)g;
	}
	if (!a->stats) {
		api__http_fail(r, 503, "unavailable", "statistics are not running", NULL);
		return;
	}
	if (csv) {
		char from[16], to[16], disp[128];
		hours_format_date(q.from, from, sizeof(from));
		hours_format_date(q.to, to, sizeof(to));
		snprintf(disp, sizeof(disp), "attachment; filename=\"torg-%s-%s-%s.csv\"",
			 staff ? "staff" : stats_out_group_name(q.group), from, to);
		api__http_header(r, "content-disposition", disp);
	}
	char lang[CONFIG_LANG_MAX] = "";
	if (csv && !lang_param(a, r, lang))
		return;
	struct stats_req *sr = xcalloc(1, sizeof(*sr));
	sr->cfg = a->cfg;
	sr->csv = csv;
	memcpy(sr->lang, lang, sizeof(lang));
	sr->d = api__http_defer(r);
	int err = staff ? stats_run_query_staff(a->stats, &q, staff_done_cb, sr)
			: stats_run_query(a->stats, &q, query_done_cb, sr);
	if (err) {
		api__deferred_fail(sr->d, 503, "unavailable", "torgd is shutting down", NULL);
		free(sr);
	}
}

/* POST /api/v1/test/clock?ms=N (test clock only): sets the engine's clock. */
static void route_test_clock(struct api *a, struct http_req *r)
{
	if (!allow(r, AUTH_ROLE_ADMIN))
		return;
	char buf[32], *end = NULL;
	long long ms = 0;
	if (api__http_query(r, "ms", buf, sizeof(buf)))
		ms = strtoll(buf, &end, 10);
	if (!end || *end || end == buf || ms <= 0) {
		api__http_fail(r, 400, "bad_query", "ms: expected milliseconds since 1970", "ms");
		return;
	}
	clock_set_ms(a->clock, ms);
	api__notices_check(a);
	struct floor_clock now = engine_clock(a->engine);
	char day[16];
	hours_format_date(now.day, day, sizeof(day));
	json_t *o = json_object();
	json_object_set_new(o, "ms", json_integer(now.ms));
	json_object_set_new(o, "day", json_string(day));
	api__http_json(r, 200, o);
}

/* The purge ended: answers with the days folded. */
static void purge_done_cb(int folded, int err, void *arg)
{
	struct api_deferred *d = arg;
	if (err) {
		api__deferred_fail(d, 503, "unavailable", "the purge failed", NULL);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "folded_days", json_integer(folded));
	api__deferred_json(d, 200, o);
}

/* POST /api/v1/test/purge (test clock only): runs the retention purge now. */
static void route_test_purge(struct api *a, struct http_req *r)
{
	if (!allow(r, AUTH_ROLE_ADMIN))
		return;
	struct api_deferred *d = api__http_defer(r);
	int err = stats_run_purge_now(a->stats, purge_done_cb, d);
	if (err)
		api__deferred_fail(d, err == -EBUSY ? 409 : 503, "unavailable",
				   "the purge cannot run now", NULL);
}

void api__stats_route(struct api *a, struct http_req *r, int route)
{
	if (route == HTTP_ROUTE_STATS || route == HTTP_ROUTE_STATS_CSV)
		route_stats(a, r, route == HTTP_ROUTE_STATS_CSV);
	else if (route == HTTP_ROUTE_TEST_CLOCK)
		route_test_clock(a, r);
	else
		route_test_purge(a, r);
}
