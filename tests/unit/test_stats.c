/*
 * test_stats.c — unit tests of the wait statistics: calendar helpers and
 * percentiles, then one scenario driven through the floor model with a fake
 * clock, written to a real store file, and queried in every grouping; every
 * figure below was worked out by hand from the timeline in scenario() and is
 * compared exactly. Then the retention purge folds the day and every figure
 * must come out the same, while the day's legs, tickets and journal rows
 * (except from the newest floor.day event on) are gone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <uv.h>

#include "floor.h"
#include "stats.h"
#include "store.h"
#include "store_stats.h"
#include "util.h"

#include "check.h"

static char dir[64];
static char db_path[128];

/* Exact comparison of seconds computed from whole milliseconds. */
#define SEC(x, v) (fabs((x) - (v)) < 1e-9)

/* Services a (target 10 min), b (5 min), c (15 min); c1 gives a and b, c2 b and c. */
static const struct floor_service_def services[] = {
    {.id = "a", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "b", .prefix = "B", .target_wait_s = 300, .default_service_s = 300},
    {.id = "c", .prefix = "C", .target_wait_s = 900, .default_service_s = 300},
};
static const struct floor_counter_def counters[] = {
    {.id = "c1", .services = 3, .policy = FLOOR_POLICY_FIFO},
    {.id = "c2", .services = 6, .policy = FLOOR_POLICY_FIFO},
};
static const struct floor_def def = {3, services, 2, counters, 0};

#define DAY1	  20260302
#define DAY2	  20260303
#define DAY_START 240 /* 04:00 */

static int64_t t8; /* 08:00 local on DAY1 */

/* ---- calendar and summaries ---- */

/* Dates parse strictly, format back, and count days across leap years. */
static int test_dates(void)
{
	int32_t d;
	REQUIRE(hours_parse_date("2026-03-02", &d) == 0 && d == 20260302);
	REQUIRE(hours_parse_date("2024-02-29", &d) == 0 && d == 20240229);
	REQUIRE(hours_parse_date("2026-02-29", &d) == -EINVAL);
	REQUIRE(hours_parse_date("2026-13-01", &d) == -EINVAL);
	REQUIRE(hours_parse_date("2026-3-02", &d) == -EINVAL);
	REQUIRE(hours_parse_date("2026-03-02x", &d) == -EINVAL);
	REQUIRE(hours_parse_date("20260302", &d) == -EINVAL);
	REQUIRE(hours_parse_date("", &d) == -EINVAL);
	char buf[16];
	hours_format_date(20260302, buf, sizeof(buf));
	REQUIRE(strcmp(buf, "2026-03-02") == 0);
	REQUIRE(hours_day_number(19700101) == 0);
	REQUIRE(hours_day_number(20000301) - hours_day_number(20000228) == 2);
	REQUIRE(hours_day_number(20260101) - hours_day_number(20250101) == 365);
	for (int64_t n = 19000; n < 21000; n += 7)
		REQUIRE(hours_day_number(hours_day_from_number(n)) == n);
	/* Oslo: 04:00 local is 03:00 UTC in winter, 02:00 UTC in summer. */
	REQUIRE(hours_day_start_ms(20260302, 240) == (int64_t)1772420400 * 1000);
	REQUIRE(hours_day_start_ms(20260701, 240) == (int64_t)1782871200 * 1000);
	return 0;
}

/* Mean, median (odd and even), nearest-rank p90 and max. */
static int test_summary(void)
{
	struct stats_durs d = {0};
	struct stats_summary s = stats_summarise(&d);
	REQUIRE(s.n == 0);
	int32_t v[] = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000};
	for (size_t i = 0; i < 10; i++)
		stats_durs_push(&d, v[i]);
	s = stats_summarise(&d);
	REQUIRE(s.n == 10 && SEC(s.mean_s, 5.5) && SEC(s.median_s, 5.5) && SEC(s.p90_s, 9) &&
		SEC(s.max_s, 10));
	stats_durs_push(&d, 11000);
	s = stats_summarise(&d);
	REQUIRE(SEC(s.median_s, 6) && SEC(s.p90_s, 10) && SEC(s.mean_s, 6));
	free(d.v);
	d = (struct stats_durs){0};
	stats_durs_push(&d, 1500);
	s = stats_summarise(&d);
	REQUIRE(SEC(s.mean_s, 1.5) && SEC(s.median_s, 1.5) && SEC(s.p90_s, 1.5));
	free(d.v);
	return 0;
}

/* A range may not run backwards or past STATS_MAX_DAYS. */
static int test_bad_range(void)
{
	struct stats_query q = {DAY2, DAY1, STATS_GROUP_DAY};
	REQUIRE(stats_result_create(&q, 3, 2) == NULL);
	q = (struct stats_query){20000101, 20260101, STATS_GROUP_DAY};
	REQUIRE(stats_result_create(&q, 3, 2) == NULL);
	q = (struct stats_query){20250101, 20251231, STATS_GROUP_DAY};
	struct stats_result *r = stats_result_create(&q, 3, 2);
	REQUIRE(r && r->nrows == 365 && r->keys[0] == 20250101 && r->keys[364] == 20251231);
	stats_result_free(r);
	return 0;
}

/* ---- the scenario ---- */

struct sink {
	struct store *store;
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

/* The clock at minute m after 08:00 on DAY1. */
static struct floor_clock at(int m)
{
	return (struct floor_clock){.ms = t8 + (int64_t)m * 60000, .day = DAY1};
}

/* Drives the timeline through the floor model and writes its events to db_path.
 *
 *  08:00 c1 opens (a, b); A001 (a) issued     08:25 c2 calls B001 (c: wait 300 s, met)
 *  08:01 A002 (a) issued                      08:26 c2 starts
 *  08:02 B001 (b) issued                      08:30 A003 (a) issued
 *  08:05 c1 calls A001 (wait 300 s, met)      08:40 B002 (b) issued
 *  08:06 c1 starts                            08:46 c2 finishes B001 (service 1200 s)
 *  08:16 c1 finishes (service 600 s);         08:50 A003 cancelled by the visitor
 *        c1 calls B001 (wait 840 s, missed)   08:55 c2 calls B002 (wait 900 s, missed)
 *  08:17 c1 starts                            09:00 c2 starts
 *  08:18 c2 opens (b, c)                      09:10 c2 finishes (service 600 s)
 *  08:20 c1 transfers B001 to c (service      09:15 c2 closes
 *        180 s)                               09:20 c1 closes
 *  08:22 c1 calls A002 (wait 1260 s, missed)  next day 09:00: floor.day of DAY2, and
 *  08:24 c1: no-show                          A001 (a) issued, waiting
 *
 *  c1 is on a break 08:30-08:40 and from 09:00 until it closes: 50 minutes open.
 */
static int scenario(void)
{
	struct floor *f = floor_create(&def);
	struct floor_events evs = {0};
	uint8_t tok[FLOOR_TOKEN_LEN] = {0};
	uint32_t h[5];
	REQUIRE(f);
	REQUIRE(floor_counter_open(f, at(0), 0, 3, &evs) == 0);
	for (int i = 0; i < 3; i++) {
		tok[0] = (uint8_t)(i + 1);
		REQUIRE(floor_issue(f, at(i), i < 2 ? 0 : 1, 0, tok, &evs, &h[i]) == 0);
	}
	REQUIRE(floor_call(f, at(5), 0, h[0], &evs) == 0);
	REQUIRE(floor_start(f, at(6), 0, &evs) == 0);
	REQUIRE(floor_finish(f, at(16), 0, &evs) == 0);
	REQUIRE(floor_call(f, at(16), 0, h[2], &evs) == 0);
	REQUIRE(floor_start(f, at(17), 0, &evs) == 0);
	REQUIRE(floor_counter_open(f, at(18), 1, 6, &evs) == 0);
	REQUIRE(floor_transfer(f, at(20), 0, 2, false, &evs) == 0);
	REQUIRE(floor_call(f, at(22), 0, h[1], &evs) == 0);
	REQUIRE(floor_no_show(f, at(24), 0, &evs) == 0);
	REQUIRE(floor_call(f, at(25), 1, h[2], &evs) == 0);
	REQUIRE(floor_start(f, at(26), 1, &evs) == 0);
	tok[0] = 4;
	REQUIRE(floor_issue(f, at(30), 0, 0, tok, &evs, &h[3]) == 0);
	REQUIRE(floor_counter_break(f, at(30), 0, true, &evs) == 0);
	tok[0] = 5;
	REQUIRE(floor_issue(f, at(40), 1, 0, tok, &evs, &h[4]) == 0);
	REQUIRE(floor_counter_break(f, at(40), 0, false, &evs) == 0);
	REQUIRE(floor_finish(f, at(46), 1, &evs) == 0);
	REQUIRE(floor_cancel(f, at(50), h[3], &evs) == 0);
	REQUIRE(floor_call(f, at(55), 1, h[4], &evs) == 0);
	REQUIRE(floor_start(f, at(60), 1, &evs) == 0);
	REQUIRE(floor_counter_break(f, at(60), 0, true, &evs) == 0);
	REQUIRE(floor_finish(f, at(70), 1, &evs) == 0);
	REQUIRE(floor_counter_close(f, at(75), 1, &evs) == 0);
	REQUIRE(floor_counter_close(f, at(80), 0, &evs) == 0);
	struct floor_clock next = {.ms = t8 + 25 * 3600000LL, .day = DAY2};
	tok[0] = 6;
	REQUIRE(floor_issue(f, next, 0, 0, tok, &evs, NULL) == 0);

	struct sink sink = {0};
	char *cause = NULL;
	uv_loop_t loop;
	REQUIRE(uv_loop_init(&loop) == 0);
	REQUIRE(store_open(db_path, &def, NULL, &sink.store, &cause) == 0);
	REQUIRE(store_start(sink.store, &loop, durable_cb, fail_cb, &sink) == 0);
	for (size_t i = 0; i < evs.n; i++)
		store_append(sink.store, &evs.v[i], NULL, 0, NULL);
	store_stop(sink.store, stopped_cb, &sink);
	uv_run(&loop, UV_RUN_DEFAULT);
	REQUIRE(sink.stopped && !sink.failed && sink.durable == evs.v[evs.n - 1].seq);
	store_free(sink.store);
	REQUIRE(uv_loop_close(&loop) == 0);
	floor_events_free(&evs);
	floor_free(f);
	return 0;
}

/* Runs one query on the scenario's database. */
static struct stats_result *query(int32_t from, int32_t to, enum stats_group g)
{
	struct store_stats_reader *r = NULL;
	struct stats_result *res = NULL;
	char *cause = NULL;
	struct stats_env env = {
	    .def = &def, .day_start_min = DAY_START, .now_ms = t8 + 26 * 3600000LL};
	struct stats_query q = {from, to, g};
	if (store_stats_open(db_path, &def, &r, &cause) != 0 ||
	    store_stats_query(r, &env, &q, &res, &cause) != 0) {
		fprintf(stderr, "query: %s\n", cause ? cause : "?");
		free(cause);
	}
	store_stats_free(r);
	return res;
}

/* Checks a row's counts: arrivals issued in out called met served no-show cancelled. */
static int counts(const struct stats_fig *f, uint32_t arr, uint32_t iss, uint32_t tin,
		  uint32_t tout, uint32_t called, uint32_t met, uint32_t served, uint32_t ns,
		  uint32_t cancelled)
{
	REQUIRE(f->arrivals == arr && f->issued == iss && f->transfers_in == tin);
	REQUIRE(f->transfers_out == tout && f->called == called && f->target_met == met);
	REQUIRE(f->served == served && f->no_shows == ns && f->cancelled == cancelled);
	return 0;
}

/* Checks a sorted durations list against seconds. */
static int durs(const struct stats_durs *d, size_t n, const int *s)
{
	REQUIRE(d->n == n);
	for (size_t i = 0; i < n; i++)
		REQUIRE(d->v[i] == s[i] * 1000);
	return 0;
}

/* Every figure of the scenario's day, by service, counter and hour, and the totals. */
static int check_day1(void)
{
	struct stats_result *r = query(DAY1, DAY1, STATS_GROUP_SERVICE);
	REQUIRE(r && r->nrows == 3 && r->ndays_data == 1);
	const struct stats_fig *a = &r->rows[0], *b = &r->rows[1], *c = &r->rows[2];
	REQUIRE(counts(a, 3, 3, 0, 0, 2, 1, 1, 1, 1) == 0);
	REQUIRE(durs(&a->waits, 2, (int[]){300, 1260}) == 0);
	REQUIRE(durs(&a->services, 1, (int[]){600}) == 0);
	struct stats_summary s = stats_summarise(&a->waits);
	REQUIRE(SEC(s.mean_s, 780) && SEC(s.median_s, 780) && SEC(s.p90_s, 1260) &&
		SEC(s.max_s, 1260));
	REQUIRE(a->queue_max == 2 && a->open_ms == 0);
	REQUIRE(counts(b, 2, 2, 0, 1, 2, 0, 2, 0, 0) == 0);
	REQUIRE(durs(&b->waits, 2, (int[]){840, 900}) == 0);
	REQUIRE(durs(&b->services, 2, (int[]){180, 600}) == 0);
	s = stats_summarise(&b->services);
	REQUIRE(SEC(s.mean_s, 390) && SEC(s.p90_s, 600));
	REQUIRE(b->queue_max == 1);
	REQUIRE(counts(c, 1, 0, 1, 0, 1, 1, 1, 0, 0) == 0);
	REQUIRE(durs(&c->waits, 1, (int[]){300}) == 0);
	REQUIRE(durs(&c->services, 1, (int[]){1200}) == 0);
	/* totals */
	const struct stats_fig *t = &r->total;
	REQUIRE(counts(t, 6, 5, 1, 1, 5, 2, 4, 1, 1) == 0);
	s = stats_summarise(&t->waits);
	REQUIRE(SEC(s.mean_s, 720) && SEC(s.median_s, 840) && SEC(s.p90_s, 1260) &&
		SEC(s.max_s, 1260));
	s = stats_summarise(&t->services);
	REQUIRE(SEC(s.mean_s, 645) && SEC(s.p90_s, 1200));
	REQUIRE(t->queue_max == 3);
	REQUIRE(t->open_ms == 6420000 && t->busy_ms == 3180000);
	/* queue by hour: a waited 5 + 21 + 20 ticket-minutes in hour 8, at most 2 */
	REQUIRE(r->queue_area[8 * 3 + 0] == 46 * 60000LL && r->queue_max[8 * 3 + 0] == 2);
	REQUIRE(r->queue_area[8 * 3 + 1] == 29 * 60000LL && r->queue_max[8 * 3 + 1] == 1);
	REQUIRE(r->queue_area[8 * 3 + 2] == 5 * 60000LL && r->queue_max[8 * 3 + 2] == 1);
	REQUIRE(r->queue_area[9 * 3 + 0] == 0);
	/* transfer matrix: one visitor b -> c, on the floor 08:02 to 08:46 */
	for (int i = 0; i < 9; i++)
		REQUIRE(r->tr_visits[i] == (i == 1 * 3 + 2 ? 1u : 0u));
	REQUIRE(r->tr_floor_ms[1 * 3 + 2] == 2640000);
	/* wait histogram in 5-minute bins: 300, 300 | 840 | 900 | 1260 */
	uint32_t hist[STATS_HIST_BINS] = {0, 2, 1, 1, 1};
	REQUIRE(memcmp(r->hist, hist, sizeof(hist)) == 0);
	stats_result_free(r);

	r = query(DAY1, DAY1, STATS_GROUP_COUNTER);
	REQUIRE(r && r->nrows == 3 && r->keys[2] == -1);
	const struct stats_fig *c1 = &r->rows[0], *c2 = &r->rows[1], *none = &r->rows[2];
	REQUIRE(counts(c1, 0, 0, 0, 1, 3, 1, 2, 1, 0) == 0);
	REQUIRE(durs(&c1->waits, 3, (int[]){300, 840, 1260}) == 0);
	REQUIRE(durs(&c1->services, 2, (int[]){180, 600}) == 0);
	REQUIRE(c1->open_ms == 3000000 && c1->busy_ms == 1020000);
	REQUIRE(counts(c2, 0, 0, 0, 0, 2, 1, 2, 0, 0) == 0);
	REQUIRE(durs(&c2->services, 2, (int[]){600, 1200}) == 0);
	REQUIRE(c2->open_ms == 3420000 && c2->busy_ms == 2160000);
	REQUIRE(counts(none, 6, 5, 1, 0, 0, 0, 0, 0, 1) == 0);
	stats_result_free(r);

	r = query(DAY1, DAY1, STATS_GROUP_HOUR);
	REQUIRE(r && r->nrows == 24);
	const struct stats_fig *h8 = &r->rows[8], *h9 = &r->rows[9];
	REQUIRE(counts(h8, 6, 5, 1, 1, 5, 2, 3, 1, 1) == 0);
	REQUIRE(durs(&h8->services, 3, (int[]){180, 600, 1200}) == 0);
	REQUIRE(h8->open_ms == 5520000 && h8->busy_ms == 2580000 && h8->queue_max == 3);
	REQUIRE(counts(h9, 0, 0, 0, 0, 0, 0, 1, 0, 0) == 0);
	REQUIRE(durs(&h9->services, 1, (int[]){600}) == 0);
	REQUIRE(h9->open_ms == 900000 && h9->busy_ms == 600000 && h9->queue_max == 0);
	for (int i = 0; i < 24; i++)
		if (i != 8 && i != 9)
			REQUIRE(r->rows[i].arrivals == 0 && r->rows[i].served == 0 &&
				r->rows[i].open_ms == 0);
	stats_result_free(r);
	return 0;
}

/* By day over both days: DAY2 has one waiting arrival (queue 1 from 09:00 to now). */
static int check_days(void)
{
	struct stats_result *r = query(DAY1, DAY2, STATS_GROUP_DAY);
	REQUIRE(r && r->nrows == 2 && r->keys[0] == DAY1 && r->keys[1] == DAY2);
	REQUIRE(r->ndays_data == 2);
	REQUIRE(counts(&r->rows[0], 6, 5, 1, 1, 5, 2, 4, 1, 1) == 0);
	REQUIRE(r->rows[0].queue_max == 3 && r->rows[0].open_ms == 6420000);
	REQUIRE(counts(&r->rows[1], 1, 1, 0, 0, 0, 0, 0, 0, 0) == 0);
	REQUIRE(r->rows[1].queue_max == 1);
	/* now is 10:00 on DAY2: the waiting ticket adds 60 ticket-minutes in hour 9 */
	REQUIRE(r->queue_area[9 * 3 + 0] == 60 * 60000LL);
	stats_result_free(r);
	return 0;
}

/* Whole-figure equality of two results (rows, totals, queues, matrix, histogram). */
static int same_result(const struct stats_result *x, const struct stats_result *y)
{
	REQUIRE(x && y && x->nrows == y->nrows && x->ndays_data == y->ndays_data);
	for (size_t i = 0; i <= x->nrows; i++) {
		const struct stats_fig *a = i < x->nrows ? &x->rows[i] : &x->total;
		const struct stats_fig *b = i < y->nrows ? &y->rows[i] : &y->total;
		REQUIRE(x->keys[i < x->nrows ? i : 0] == y->keys[i < y->nrows ? i : 0]);
		REQUIRE(counts(b, a->arrivals, a->issued, a->transfers_in, a->transfers_out,
			       a->called, a->target_met, a->served, a->no_shows,
			       a->cancelled) == 0);
		REQUIRE(a->waits.n == b->waits.n && a->services.n == b->services.n);
		REQUIRE(!a->waits.n || !memcmp(a->waits.v, b->waits.v, a->waits.n * 4));
		REQUIRE(!a->services.n || !memcmp(a->services.v, b->services.v, a->services.n * 4));
		REQUIRE(a->open_ms == b->open_ms && a->busy_ms == b->busy_ms);
		REQUIRE(a->queue_max == b->queue_max);
	}
	size_t ns = x->nservices;
	REQUIRE(!memcmp(x->queue_area, y->queue_area, STATS_HOURS * ns * sizeof(int64_t)));
	REQUIRE(!memcmp(x->queue_max, y->queue_max, STATS_HOURS * ns * sizeof(uint32_t)));
	REQUIRE(!memcmp(x->tr_visits, y->tr_visits, ns * ns * sizeof(uint32_t)));
	REQUIRE(!memcmp(x->tr_floor_ms, y->tr_floor_ms, ns * ns * sizeof(int64_t)));
	REQUIRE(!memcmp(x->hist, y->hist, sizeof(x->hist)));
	return 0;
}

/* Count of rows a query gives on the scenario's database. */
static long q_count(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* The purge folds DAY1: the same figures in every grouping, its rows gone, replay intact. */
static int check_purge(void)
{
	static const enum stats_group groups[] = {STATS_GROUP_SERVICE, STATS_GROUP_COUNTER,
						  STATS_GROUP_DAY, STATS_GROUP_HOUR};
	struct stats_result *before[4];
	for (int g = 0; g < 4; g++)
		REQUIRE((before[g] = query(DAY1, DAY2, groups[g])) != NULL);
	long journal_day2 = q_count("SELECT COUNT(*) FROM journal WHERE day = 20260303");
	REQUIRE(q_count("SELECT COUNT(*) FROM legs WHERE day = 20260302") == 6);

	struct stats_env env = {
	    .def = &def, .day_start_min = DAY_START, .now_ms = t8 + 26 * 3600000LL};
	int folded = -1;
	char *cause = NULL;
	REQUIRE(store_purge(db_path, &env, DAY2, &folded, &cause) == 0 && folded == 1);
	REQUIRE(q_count("SELECT COUNT(*) FROM legs WHERE day = 20260302") == 0);
	REQUIRE(q_count("SELECT COUNT(*) FROM tickets WHERE day = 20260302") == 0);
	REQUIRE(q_count("SELECT COUNT(*) FROM journal WHERE day = 20260302") == 0);
	REQUIRE(q_count("SELECT COUNT(*) FROM journal WHERE day = 20260303") == journal_day2);
	REQUIRE(q_count("SELECT COUNT(*) FROM stats_days") == 1);
	/* Nothing in the aggregates names a ticket, a number or a moment. */
	REQUIRE(q_count("SELECT COUNT(*) FROM pragma_table_info('stats_cells') WHERE name IN"
			" ('handle', 'number', 'ticket', 'token', 'at_ms')") == 0);
	for (int g = 0; g < 4; g++) {
		struct stats_result *after = query(DAY1, DAY2, groups[g]);
		REQUIRE(same_result(before[g], after) == 0);
		stats_result_free(after);
		stats_result_free(before[g]);
	}
	/* A second run finds nothing more to fold. */
	REQUIRE(store_purge(db_path, &env, DAY2, &folded, &cause) == 0 && folded == 0);
	/* The store still opens and replays the new day from its floor.day event. */
	struct store *s = NULL;
	REQUIRE(store_open(db_path, &def, NULL, &s, &cause) == 0);
	store_free(s);
	return 0;
}

int main(void)
{
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	t8 = hours_day_start_ms(DAY1, 8 * 60);
	snprintf(dir, sizeof(dir), "/tmp/torg-test-stats.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/stats.db", dir);
	RUN(test_dates);
	RUN(test_summary);
	RUN(test_bad_range);
	RUN(scenario);
	RUN(check_day1);
	RUN(check_days);
	RUN(check_purge);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_report("stats");
}
