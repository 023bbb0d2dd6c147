/*
 * bench_stats.c — how long a year of statistics takes. Fills a fresh database
 * with a year of a busy floor (13 services, 12 counters, about 500 visitors a
 * day between 08:00 and 16:00, 10 % transferred once, 5 % no-shows, 3 %
 * cancellations, counters opened and closed each day, the journal's counter
 * events), then times GET /api/v1/stats's computation over the whole year in
 * each grouping: first from the raw legs, then after the retention purge has
 * folded all but the last 90 days into aggregates, which is how a real floor's
 * database looks. Usage: bench_stats [DB-PATH] [DAYS] (default a temporary
 * file, 365 days).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "stats.h"
#include "store.h"
#include "store_stats.h"
#include "util.h"

#define NS 13
#define NC 12

static const char *const sids[NS] = {"reception", "nav",   "housing", "social", "child",
				     "health",	  "refug", "adult",   "debt",	"work",
				     "youth",	  "elder", "family"};
static const char *const cids[NC] = {"c1", "c2", "c3", "c4",  "c5",  "c6",
				     "c7", "c8", "c9", "c10", "c11", "c12"};

/* A small deterministic PRNG (xorshift64). */
static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Runs SQL or dies. */
static void exec_or_die(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fatal("bench_stats: %s: %s", sql, msg);
}

/* Fills ndays days ending on `last` with legs, tickets and counter events. */
static void fill(const char *path, int32_t first, int ndays, int day_start)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		fatal("bench_stats: cannot open %s", path);
	exec_or_die(db, "PRAGMA synchronous=OFF");
	exec_or_die(db, "BEGIN");
	sqlite3_stmt *tk, *lg, *jr;
	sqlite3_prepare_v2(db, "INSERT INTO tickets VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9)",
			   -1, &tk, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO legs VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			   -1, &lg, NULL);
	sqlite3_prepare_v2(db,
			   "INSERT INTO journal(seq, at_ms, day, kind, counter, reason)"
			   " VALUES(?1, ?2, ?3, ?4, ?5, 0)",
			   -1, &jr, NULL);
	int64_t seq = 0, legs = 0;
	int64_t dn = hours_day_number(first);
	for (int d = 0; d < ndays; d++) {
		int32_t day = hours_day_from_number(dn + d);
		int64_t t8 = hours_day_start_ms(day, day_start) + 4 * 3600000LL; /* 08:00 */
		for (int c = 0; c < NC; c++) {
			for (int k = 0; k < 2; k++) {
				sqlite3_bind_int64(jr, 1, ++seq);
				sqlite3_bind_int64(jr, 2, t8 + (k ? 8 * 3600000LL : 0) + c * 1000);
				sqlite3_bind_int(jr, 3, day);
				sqlite3_bind_int(
				    jr, 4, k ? FLOOR_EV_COUNTER_CLOSED : FLOOR_EV_COUNTER_OPENED);
				sqlite3_bind_text(jr, 5, cids[c], -1, SQLITE_STATIC);
				sqlite3_step(jr);
				sqlite3_reset(jr);
			}
		}
		int visitors = 450 + (int)rnd(100);
		for (int v = 0; v < visitors; v++) {
			int64_t issued = t8 + (int64_t)rnd(8 * 3600) * 1000;
			int nlegs = rnd(10) == 0 ? 2 : 1;
			int64_t q = issued;
			const char *first_svc = NULL, *svc = NULL;
			const char *state = "done";
			int64_t end = q;
			for (int l = 1; l <= nlegs; l++) {
				svc = sids[rnd(NS)];
				if (!first_svc)
					first_svc = svc;
				uint32_t fate = rnd(100);
				int64_t called = q + (int64_t)(60 + rnd(1500)) * 1000;
				int64_t started = 0, ended;
				const char *outcome = "done";
				if (fate < 3 && l == nlegs) {
					outcome = "cancelled";
					called = 0;
					ended = q + (int64_t)(60 + rnd(900)) * 1000;
				} else if (fate < 8 && l == nlegs) {
					outcome = "no_show";
					ended = called + 120000;
				} else {
					started = called + (int64_t)(20 + rnd(100)) * 1000;
					ended = started + (int64_t)(120 + rnd(1200)) * 1000;
				}
				sqlite3_bind_int(lg, 1, day);
				sqlite3_bind_int(lg, 2, v);
				sqlite3_bind_int(lg, 3, l);
				sqlite3_bind_text(lg, 4, svc, -1, SQLITE_STATIC);
				if (called)
					sqlite3_bind_text(lg, 5, cids[rnd(NC)], -1, SQLITE_STATIC);
				else
					sqlite3_bind_null(lg, 5);
				sqlite3_bind_int64(lg, 6, q);
				if (called)
					sqlite3_bind_int64(lg, 7, called);
				else
					sqlite3_bind_null(lg, 7);
				if (started)
					sqlite3_bind_int64(lg, 8, started);
				else
					sqlite3_bind_null(lg, 8);
				sqlite3_bind_int64(lg, 9, ended);
				sqlite3_bind_text(lg, 10, outcome, -1, SQLITE_STATIC);
				sqlite3_step(lg);
				sqlite3_reset(lg);
				legs++;
				q = end = ended;
				state = outcome;
			}
			sqlite3_bind_int(tk, 1, day);
			sqlite3_bind_int(tk, 2, v);
			sqlite3_bind_int(tk, 3, v + 1);
			sqlite3_bind_text(tk, 4, first_svc, -1, SQLITE_STATIC);
			sqlite3_bind_text(tk, 5, svc, -1, SQLITE_STATIC);
			sqlite3_bind_text(tk, 6, state, -1, SQLITE_STATIC);
			sqlite3_bind_int(tk, 7, nlegs);
			sqlite3_bind_int64(tk, 8, issued);
			sqlite3_bind_int64(tk, 9, end);
			sqlite3_step(tk);
			sqlite3_reset(tk);
		}
	}
	/* The newest day's floor.day event, as a running floor has it. */
	sqlite3_bind_int64(jr, 1, ++seq);
	sqlite3_bind_int64(jr, 2, hours_day_start_ms(hours_day_from_number(dn + ndays), day_start));
	sqlite3_bind_int(jr, 3, hours_day_from_number(dn + ndays));
	sqlite3_bind_int(jr, 4, FLOOR_EV_DAY);
	sqlite3_bind_null(jr, 5);
	sqlite3_step(jr);
	sqlite3_finalize(tk);
	sqlite3_finalize(lg);
	sqlite3_finalize(jr);
	exec_or_die(db, "COMMIT");
	sqlite3_close(db);
	printf("filled %d days: %lld legs, %lld counter events\n", ndays, (long long)legs,
	       (long long)seq);
}

/* Times one year query per grouping. */
static void time_queries(const char *path, const struct stats_env *env, int32_t from, int32_t to,
			 const char *what)
{
	static const char *const gname[] = {"service", "counter", "day", "hour"};
	for (int g = 0; g < 4; g++) {
		struct store_stats_reader *r = NULL;
		struct stats_result *res = NULL;
		char *cause = NULL;
		struct stats_query q = {from, to, (enum stats_group)g};
		uint64_t t0 = util_mono_ns();
		if (store_stats_open(path, env->def, &r, &cause) ||
		    store_stats_query(r, env, &q, &res, &cause))
			fatal("bench_stats: %s", cause);
		double ms = (util_mono_ns() - t0) / 1e6;
		printf("%-28s group=%-8s %8.1f ms  (%u arrivals, %u waits)\n", what, gname[g], ms,
		       res->total.arrivals, (unsigned)res->total.waits.n);
		stats_result_free(res);
		store_stats_free(r);
	}
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/bench-stats.XXXXXX";
	char path[128];
	const char *given = argc > 1 ? argv[1] : NULL;
	int ndays = argc > 2 ? atoi(argv[2]) : 365;
	if (!given) {
		if (!mkdtemp(tmp))
			fatal("bench_stats: mkdtemp");
		snprintf(path, sizeof(path), "%s/year.db", tmp);
	} else {
		snprintf(path, sizeof(path), "%s", given);
		unlink(path);
	}
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	struct floor_service_def sd[NS];
	struct floor_counter_def cd[NC];
	for (int i = 0; i < NS; i++)
		sd[i] = (struct floor_service_def){
		    .id = sids[i], .target_wait_s = 900, .default_service_s = 600};
	for (int i = 0; i < NC; i++)
		cd[i] = (struct floor_counter_def){
		    .id = cids[i], .services = (1u << NS) - 1, .policy = FLOOR_POLICY_OVERDUE};
	struct floor_def def = {NS, sd, NC, cd, 0};
	struct store *s = NULL;
	char *cause = NULL;
	log_set_level(LOG_WARN);
	if (store_open(path, &def, NULL, &s, &cause))
		fatal("bench_stats: %s", cause);
	store_free(s);
	int32_t first = 20250101;
	int32_t last = hours_day_from_number(hours_day_number(first) + ndays - 1);
	uint64_t t0 = util_mono_ns();
	fill(path, first, ndays, 240);
	printf("fill took %.1f s\n", (util_mono_ns() - t0) / 1e9);
	struct stats_env env = {.def = &def,
				.day_start_min = 240,
				.now_ms = hours_day_start_ms(last, 240) + 86400000LL};
	time_queries(path, &env, first, last, "raw legs, whole range");
	int folded = 0;
	t0 = util_mono_ns();
	int32_t keep = hours_day_from_number(hours_day_number(last) - 90);
	if (store_purge(path, &env, keep, &folded, &cause))
		fatal("bench_stats: %s", cause);
	printf("purge folded %d days in %.1f s (%.1f ms per day)\n", folded,
	       (util_mono_ns() - t0) / 1e9, folded ? (util_mono_ns() - t0) / 1e6 / folded : 0);
	time_queries(path, &env, first, last, "after purge, whole range");
	if (!given) {
		unlink(path);
		char side[160];
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
		rmdir(tmp);
	}
	return 0;
}
