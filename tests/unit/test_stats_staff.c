/*
 * test_stats_staff.c — unit tests of the per-staff figures: the pure build
 * (attribution of legs to the shift that covered their call, cutting to the
 * range and to now, percentiles, order by name) with figures worked out by
 * hand; the store's commit pipeline (a signed-on counter.opened writes a shift
 * in its own transaction and rolls back with it, an open that names nobody
 * writes nothing, every counter.closed ends the shift); and a floor scenario
 * written to a real file, read back by store_staff_query and deleted by the
 * retention purge.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "floor.h"
#include "stats.h"
#include "stats_staff.h"
#include "store.h"
#include "store_staff.h"
#include "store_stats.h"
#include "util.h"

#include "check.h"

static char dir[64];

static const struct floor_service_def services[] = {
    {.id = "a", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "b", .prefix = "B", .target_wait_s = 300, .default_service_s = 300},
};
static const struct floor_counter_def counters[] = {
    {.id = "c1", .services = 3, .policy = FLOOR_POLICY_FIFO},
    {.id = "c2", .services = 3, .policy = FLOOR_POLICY_FIFO},
};
static const struct floor_def def = {2, services, 2, counters, 0};

#define DAY1   20260302
#define DAY2   20260303
#define MINUTE 60000LL

/* Two names for a build (the build takes ownership). */
static char **names2(const char *x, const char *y)
{
	char **v = xmalloc(2 * sizeof(*v));
	v[0] = xstrdup(x);
	v[1] = xstrdup(y);
	return v;
}

/* The row of a user, or NULL. */
static const struct stats_staff_row *row_of(const struct stats_staff *r, const char *user)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].user, user) == 0)
			return &r->rows[i];
	return NULL;
}

/* Hand-worked build: span [0, 1000 min), now at 900 min.
 *  Shifts: ola (user 0) c1 [100, 200], c2 [300, open), and [400, 410] at a counter no
 *  longer configured (-1); kari (user 1) c1 [200, 250] and c1 [-50, 20] (cut at 0).
 *  Legs (counter, called, started, ended):
 *   c1 110 112 130 done    -> ola: service 18 min, busy 20
 *   c1 200  -  210 no-show -> kari (her shift starts at 200, ola's ends then): busy 10
 *   c1 150  -   -  open    -> ola: runs to now, busy 750
 *   c1 260  -  270 done    -> nobody (no shift at c1 then)
 *   c2 310  -  320 done    -> ola: never started, service 10 min, busy 10
 *   c2 330 335 350 done    -> ola: service 15 min, busy 20
 *   c1  10  10  15 done    -> kari: service 5 min, busy 5
 *   -1 400  -  405 done    -> nobody (unknown counter)
 *  ola: signed on 100 + 600 + 10 = 710 min, served 3 (10, 15, 18 min: mean 43/3, p90
 *  = rank 3 = 18), busy 800. kari: signed on 50 + 20 = 70 min, served 1, no-show 1,
 *  busy 15. */
static int test_build(void)
{
	struct stats_staff_span span = {DAY1, DAY1, 0, 1000 * MINUTE, 900 * MINUTE};
	struct stats_shift sh[] = {
	    {1, 0, 200 * MINUTE, 250 * MINUTE},
	    {0, 0, 100 * MINUTE, 200 * MINUTE},
	    {0, 1, 300 * MINUTE, 0},
	    {0, -1, 400 * MINUTE, 410 * MINUTE},
	    {1, 0, -50 * MINUTE, 20 * MINUTE},
	};
	struct stats_staff_leg legs[] = {
	    {0, 110 * MINUTE, 112 * MINUTE, 130 * MINUTE, FLOOR_DONE},
	    {0, 200 * MINUTE, 0, 210 * MINUTE, FLOOR_NO_SHOW},
	    {0, 150 * MINUTE, 0, 0, FLOOR_CALLED},
	    {0, 260 * MINUTE, 0, 270 * MINUTE, FLOOR_DONE},
	    {1, 310 * MINUTE, 0, 320 * MINUTE, FLOOR_DONE},
	    {1, 330 * MINUTE, 335 * MINUTE, 350 * MINUTE, FLOOR_DONE},
	    {0, 10 * MINUTE, 10 * MINUTE, 15 * MINUTE, FLOOR_DONE},
	    {-1, 400 * MINUTE, 0, 405 * MINUTE, FLOOR_DONE},
	};
	struct stats_staff *r = stats_staff_build(&span, names2("ola", "kari"), 2, sh,
						  ARRAY_SIZE(sh), legs, ARRAY_SIZE(legs));
	REQUIRE(r->nrows == 2 && r->from == DAY1 && r->to == DAY1);
	REQUIRE(strcmp(r->rows[0].user, "kari") == 0 && strcmp(r->rows[1].user, "ola") == 0);
	const struct stats_staff_row *ola = row_of(r, "ola"), *kari = row_of(r, "kari");
	REQUIRE(ola->signed_on_ms == 710 * MINUTE && ola->busy_ms == 800 * MINUTE);
	REQUIRE(ola->served == 3 && ola->no_shows == 0 && ola->services.n == 3);
	struct stats_summary s = stats_summarise(&ola->services);
	REQUIRE(s.p90_s == 18 * 60 && s.max_s == 18 * 60 && s.mean_s == 43 * 60 / 3.0);
	REQUIRE(kari->signed_on_ms == 70 * MINUTE && kari->busy_ms == 15 * MINUTE);
	REQUIRE(kari->served == 1 && kari->no_shows == 1 && kari->services.v[0] == 5 * MINUTE);
	stats_staff_free(r);

	/* A clock behind an open shift's start gives it no time, not a negative one. */
	span.now_ms = 250 * MINUTE;
	r = stats_staff_build(&span, names2("ola", "kari"), 2, sh, ARRAY_SIZE(sh), NULL, 0);
	REQUIRE(row_of(r, "ola")->signed_on_ms == 110 * MINUTE);
	stats_staff_free(r);
	/* No shifts: no rows. */
	r = stats_staff_build(&span, xmalloc(1), 0, NULL, 0, legs, ARRAY_SIZE(legs));
	REQUIRE(r->nrows == 0);
	stats_staff_free(r);
	return 0;
}

struct sink {
	uint64_t durable;
	bool failed, stopped;
};

static void durable_cb(uint64_t seq, void *arg)
{
	((struct sink *)arg)->durable = seq;
}

static void fail_cb(const char *cause, void *arg)
{
	((struct sink *)arg)->failed = true;
}

static void stopped_cb(void *arg)
{
	((struct sink *)arg)->stopped = true;
}

/* Writes evs through a store on path; signer(ev) names who each event signs on (NULL:
 *  nobody). With start_first false everything is appended before the start, so it is one
 *  batch. */
static int write_events(const char *path, const struct floor_event *v, size_t n,
			const char *(*signer)(const struct floor_event *ev), bool start_first,
			struct sink *sink)
{
	char *cause = NULL;
	struct store *s = NULL;
	uv_loop_t loop;
	REQUIRE(uv_loop_init(&loop) == 0);
	REQUIRE(store_open(path, &def, NULL, &s, &cause) == 0);
	if (start_first)
		REQUIRE(store_start(s, &loop, durable_cb, fail_cb, sink) == 0);
	for (size_t i = 0; i < n; i++)
		store_append(s, &v[i], NULL, 0, signer ? signer(&v[i]) : NULL);
	if (!start_first)
		REQUIRE(store_start(s, &loop, durable_cb, fail_cb, sink) == 0);
	store_stop(s, stopped_cb, sink);
	uv_run(&loop, UV_RUN_DEFAULT);
	store_free(s);
	REQUIRE(uv_loop_close(&loop) == 0);
	return 0;
}

/* A one-integer query on path. */
static long long q_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Runs SQL on path; returns the SQLite code. */
static int q_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* Counter events seen by sign_pipeline. */
static int nopened;

/* Who the counter.opened events of the pipeline test sign on: the 1st (c1) "kari", the
 * 2nd (c2) and the 3rd (c1) nobody (a name goes with its own event only). */
static const char *sign_pipeline(const struct floor_event *ev)
{
	if (ev->kind != FLOOR_EV_COUNTER_OPENED)
		return NULL;
	nopened++;
	return nopened == 1 ? "kari" : NULL;
}

/* "per" signs on with every counter.opened. */
static const char *sign_per(const struct floor_event *ev)
{
	return ev->kind == FLOOR_EV_COUNTER_OPENED ? "per" : NULL;
}

static int test_pipeline(void)
{
	char path[128], sql[256];
	snprintf(path, sizeof(path), "%s/pipe.db", dir);
	struct floor *f = floor_create(&def);
	struct floor_events evs = {0};
	struct floor_clock t = {.ms = 1000 * MINUTE, .day = DAY1};
	REQUIRE(floor_counter_open(f, t, 0, 1, &evs) == 0); /* with the floor.day event */
	t.ms += MINUTE;
	REQUIRE(floor_counter_open(f, t, 1, 2, &evs) == 0);
	t.ms += MINUTE;
	REQUIRE(floor_counter_close(f, t, 0, &evs) == 0);
	t.ms += MINUTE;
	REQUIRE(floor_counter_open(f, t, 0, 1, &evs) == 0);
	t.ms += MINUTE;
	REQUIRE(floor_counter_close(f, t, 0, &evs) == 0);
	struct sink sink = {0};
	REQUIRE(write_events(path, evs.v, evs.n, sign_pipeline, true, &sink) == 0);
	REQUIRE(nopened == 3 && !sink.failed && sink.stopped);
	REQUIRE(sink.durable == evs.v[evs.n - 1].seq);
	REQUIRE(q_int(path, "SELECT COUNT(*) FROM staff_shifts") == 1);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM staff_shifts WHERE name = 'kari' AND counter = 'c1'"
		 " AND day = %d AND from_ms = %lld AND to_ms = %lld",
		 DAY1, 1000 * MINUTE, 1002 * MINUTE);
	REQUIRE(q_int(path, sql) == 1);

	/* Atomic with the events: a commit failing after the signed-on open (at the close,
	 * in the same batch) leaves no shift. */
	size_t n0 = evs.n;
	t.ms += MINUTE;
	REQUIRE(floor_counter_close(f, t, 1, &evs) == 0);
	t.ms += MINUTE;
	REQUIRE(floor_counter_open(f, t, 1, 2, &evs) == 0);
	t.ms += MINUTE;
	REQUIRE(floor_counter_close(f, t, 1, &evs) == 0);
	snprintf(sql, sizeof(sql),
		 "CREATE TRIGGER boom BEFORE INSERT ON journal WHEN NEW.seq = %llu"
		 " BEGIN SELECT RAISE(ABORT, 'boom'); END",
		 (unsigned long long)evs.v[n0 + 2].seq);
	REQUIRE(q_exec(path, sql) == SQLITE_OK);
	struct sink sink2 = {0};
	REQUIRE(write_events(path, evs.v + n0, 3, sign_per, false, &sink2) == 0);
	REQUIRE(sink2.failed && sink2.durable == 0);
	REQUIRE(q_int(path, "SELECT COUNT(*) FROM staff_shifts") == 1);
	REQUIRE(q_int(path, "SELECT COUNT(*) FROM staff_shifts WHERE name = 'per'") == 0);
	/* Without the trigger the same batch commits: the shift is there, ended. */
	REQUIRE(q_exec(path, "DROP TRIGGER boom") == SQLITE_OK);
	struct sink sink3 = {0};
	REQUIRE(write_events(path, evs.v + n0, 3, sign_per, false, &sink3) == 0);
	REQUIRE(!sink3.failed && sink3.durable == evs.v[n0 + 2].seq);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM staff_shifts WHERE name = 'per' AND counter = 'c2'"
		 " AND from_ms = %lld AND to_ms = %lld",
		 1006 * MINUTE, 1007 * MINUTE);
	REQUIRE(q_int(path, sql) == 1);
	/* c2's first shift was never signed on, so its close (1005) ended nothing. */
	REQUIRE(q_int(path, "SELECT COUNT(*) FROM staff_shifts WHERE to_ms IS NULL") == 0);
	floor_events_free(&evs);
	floor_free(f);
	return 0;
}

/* Signs kari on at c1 and ola at c2. */
static const char *sign_names(const struct floor_event *ev)
{
	if (ev->kind != FLOOR_EV_COUNTER_OPENED)
		return NULL;
	return ev->counter == 0 ? "kari" : "ola";
}

/* A day through the floor model with per-staff sign-ons, queried, then purged:
 *  08:00 kari opens c1; A001 issued        08:20 ola opens c2; B001 issued
 *  08:05 c1 calls A001, 08:07 starts       08:21 c2 calls B001, 08:30 no-show
 *  08:17 c1 finishes (service 600 s)       08:40 c2 closes; kari's c1 stays open
 *  next day 05:00: the rollover closes c1 (day_end) at 05:00 of DAY2.
 *  Query DAY1 at now = DAY2 06:00: kari signed on 08:00 to 04:00 = 72000 s, busy
 *  720 s, served 1; ola signed on 1200 s, busy 540 s, no-shows 1. */
static int test_query_and_purge(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/day.db", dir);
	int64_t t8 = hours_day_start_ms(DAY1, 8 * 60);
	struct floor *f = floor_create(&def);
	struct floor_events evs = {0};
	uint8_t tok[FLOOR_TOKEN_LEN] = {1};
	uint32_t h;
#define AT(m) ((struct floor_clock){.ms = t8 + (m)*MINUTE, .day = DAY1})
	REQUIRE(floor_counter_open(f, AT(0), 0, 1, &evs) == 0);
	REQUIRE(floor_issue(f, AT(0), 0, 0, tok, &evs, &h) == 0);
	REQUIRE(floor_call(f, AT(5), 0, h, &evs) == 0);
	REQUIRE(floor_start(f, AT(7), 0, &evs) == 0);
	REQUIRE(floor_finish(f, AT(17), 0, &evs) == 0);
	REQUIRE(floor_counter_open(f, AT(20), 1, 2, &evs) == 0);
	tok[0] = 2;
	REQUIRE(floor_issue(f, AT(20), 1, 0, tok, &evs, &h) == 0);
	REQUIRE(floor_call(f, AT(21), 1, h, &evs) == 0);
	REQUIRE(floor_no_show(f, AT(30), 1, &evs) == 0);
	REQUIRE(floor_counter_close(f, AT(40), 1, &evs) == 0);
#undef AT
	int64_t next5 = hours_day_start_ms(DAY2, 5 * 60);
	REQUIRE(floor_tick(f, (struct floor_clock){.ms = next5, .day = DAY2}, &evs) == 0);
	struct sink sink = {0};
	REQUIRE(write_events(path, evs.v, evs.n, sign_names, true, &sink) == 0);
	REQUIRE(!sink.failed && sink.durable == evs.v[evs.n - 1].seq);
	floor_events_free(&evs);
	floor_free(f);
	REQUIRE(q_int(path, "SELECT COUNT(*) FROM staff_shifts WHERE to_ms IS NOT NULL") == 2);

	struct stats_env env = {
	    .def = &def, .day_start_min = 240, .now_ms = hours_day_start_ms(DAY2, 6 * 60)};
	struct stats_staff *r = NULL;
	char *cause = NULL;
	REQUIRE(store_staff_query(path, &env, DAY1, DAY1, &r, &cause) == 0);
	REQUIRE(r->nrows == 2);
	const struct stats_staff_row *kari = row_of(r, "kari"), *ola = row_of(r, "ola");
	REQUIRE(kari && kari->signed_on_ms == 72000000 && kari->busy_ms == 720000);
	REQUIRE(kari->served == 1 && kari->no_shows == 0 && kari->services.v[0] == 600000);
	REQUIRE(ola && ola->signed_on_ms == 1200000 && ola->busy_ms == 540000);
	REQUIRE(ola->served == 0 && ola->no_shows == 1 && ola->services.n == 0);
	stats_staff_free(r);
	/* DAY2 holds kari's hour from 04:00 to the day-end close at 05:00, no legs. */
	REQUIRE(store_staff_query(path, &env, DAY2, DAY2, &r, &cause) == 0);
	REQUIRE(r->nrows == 1 && r->rows[0].signed_on_ms == 3600000 && r->rows[0].busy_ms == 0);
	stats_staff_free(r);
	REQUIRE(store_staff_query(path, &env, DAY2, DAY1, &r, &cause) == -EINVAL);
	free(cause);
	cause = NULL;

	/* The purge of days before DAY2 deletes the shifts: no per-staff figure is left. */
	int folded = -1;
	REQUIRE(store_purge(path, &env, DAY2, &folded, &cause) == 0 && folded == 1);
	REQUIRE(q_int(path, "SELECT COUNT(*) FROM staff_shifts") == 0);
	REQUIRE(store_staff_query(path, &env, DAY1, DAY2, &r, &cause) == 0 && r->nrows == 0);
	stats_staff_free(r);
	return 0;
}

int main(void)
{
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	snprintf(dir, sizeof(dir), "/tmp/torg-test-staff.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_build);
	RUN(test_pipeline);
	RUN(test_query_and_purge);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("stats_staff");
}
