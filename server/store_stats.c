/*
 * store_stats.c — statistics queries on the store's database (see
 * store_stats.h). Recent days are rebuilt from the legs (joined with their
 * tickets for the visit's number of legs) and the journal's counter events,
 * one day at a time through stats_day_build; folded days come from the
 * aggregate tables (stats_cells, stats_queue, stats_counters,
 * stats_transfers) that store_purge.c writes. Both kinds of day pass through
 * the same merge, so a day's figures do not change when it is folded. Ids are
 * TEXT in the database and mapped back to the current definition's indexes;
 * figures of a service or counter no longer configured are left out.
 */
#include "store_stats_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct store_stats_reader {
	sqlite3 *db;
	struct store__stats_ids ids;
};

void store__stats_ids_init(struct store__stats_ids *ids, const struct floor_def *def)
{
	char *cause = NULL;
	ids->def = def;
	/* The def was checked when the store opened: building cannot fail here. */
	if (store__ids_build(def->services, def->nservices, sizeof(*def->services), "service",
			     &ids->svc, &cause) ||
	    store__ids_build(def->counters, def->ncounters, sizeof(*def->counters), "counter",
			     &ids->ctr, &cause))
		fatal("store: %s", cause);
}

void store__stats_ids_close(struct store__stats_ids *ids)
{
	free(ids->svc);
	free(ids->ctr);
	ids->svc = ids->ctr = NULL;
}

int store__stats_service(const struct store__stats_ids *ids, const char *id)
{
	return store__ids_find(ids->svc, ids->def->nservices, id);
}

int store__stats_counter(const struct store__stats_ids *ids, const char *id)
{
	return store__ids_find(ids->ctr, ids->def->ncounters, id);
}

/* Sets *cause from the connection's last error and returns a negative errno. */
static int sql_fail(sqlite3 *db, const char *what, char **cause)
{
	int rc = sqlite3_errcode(db);
	*cause = xasprintf("statistics: %s: %s", what, sqlite3_errmsg(db));
	return rc == SQLITE_NOMEM ? -ENOMEM : rc == SQLITE_BUSY ? -EBUSY : -EIO;
}

/* The floor_state of a legs.outcome text (a state's wire name). */
static enum floor_state outcome_of(const char *s)
{
	int st = proto_state_from_name(s);
	return st >= 0 ? (enum floor_state)st : FLOOR_WAITING;
}

/* One counter event with its day, for sorting by day in journal order. */
struct dev {
	int32_t day;
	size_t ord;
	struct stats_ctr_event ev;
};

/* Orders counter events by day, then journal order. */
static int dev_cmp(const void *a, const void *b)
{
	const struct dev *x = a, *y = b;
	if (x->day != y->day)
		return (x->day > y->day) - (x->day < y->day);
	return (x->ord > y->ord) - (x->ord < y->ord);
}

/* Reads the counter events of [from, to] (opens, closes and breaks); returns 0 or -errno
 * with *cause. The partial index journal_counter_events holds opens and closes only, so
 * this goes by journal_day: the days not yet folded, read off the loop. */
static int read_ctr_events(sqlite3 *db, const struct store__stats_ids *ids, int32_t from,
			   int32_t to, struct dev **out, size_t *nout, char **cause)
{
	sqlite3_stmt *st = NULL;
	struct dev *v = NULL;
	size_t n = 0, cap = 0;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT day, counter, kind, at_ms FROM journal"
				    " WHERE kind IN (9, 10, 12, 13) AND day BETWEEN ?1 AND ?2"
				    " AND day NOT IN (SELECT day FROM stats_days) ORDER BY seq",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(db, "reading counter events", cause);
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int c = store__stats_counter(ids, (const char *)sqlite3_column_text(st, 1));
		int kind = sqlite3_column_int(st, 2);
		if (c < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n] = (struct dev){
		    .day = sqlite3_column_int(st, 0),
		    .ord = n,
		    .ev = {.counter = (int16_t)c,
			   .open = kind == FLOOR_EV_COUNTER_OPENED || kind == FLOOR_EV_COUNTER_BACK,
			   .pause = kind == FLOOR_EV_COUNTER_BREAK || kind == FLOOR_EV_COUNTER_BACK,
			   .at_ms = sqlite3_column_int64(st, 3)}};
		n++;
	}
	if (rc != SQLITE_DONE) {
		int err = sql_fail(db, "reading counter events", cause);
		sqlite3_finalize(st);
		free(v);
		return err;
	}
	sqlite3_finalize(st);
	if (n > 1)
		qsort(v, n, sizeof(*v), dev_cmp);
	*out = v;
	*nout = n;
	return 0;
}

/* Raw reading state: the legs of the current day and the counter events. */
struct raw {
	const struct stats_env *env;
	struct stats_day day;
	struct stats_leg *legs;
	size_t nlegs, legs_cap;
	struct stats_ctr_event *evs;
	size_t evs_cap;
	struct dev *dev;
	size_t ndev, dev_at;
	int (*cb)(struct stats_day *d, void *arg);
	void *arg;
};

/* Builds day (its legs are collected) and hands it to the callback. */
static int raw_flush(struct raw *w, int32_t day, char **cause)
{
	size_t n = 0;
	while (w->dev_at < w->ndev && w->dev[w->dev_at].day < day)
		w->dev_at++; /* only events of days without legs are left here: flushed before */
	while (w->dev_at + n < w->ndev && w->dev[w->dev_at + n].day == day)
		n++;
	if (n > w->evs_cap) {
		w->evs_cap = n;
		w->evs = xrealloc(w->evs, n * sizeof(*w->evs));
	}
	for (size_t i = 0; i < n; i++)
		w->evs[i] = w->dev[w->dev_at + i].ev;
	w->dev_at += n;
	int err = stats_day_build(&w->day, day, w->env, w->legs, w->nlegs, w->evs, n);
	w->nlegs = 0;
	if (err) {
		*cause =
		    xasprintf("statistics: day %d has a leg or event the floor does not know", day);
		return err;
	}
	return w->cb(&w->day, w->arg);
}

/* Flushes the days before day that have counter events but no legs. */
static int raw_flush_events_before(struct raw *w, int32_t day, char **cause)
{
	while (w->dev_at < w->ndev && w->dev[w->dev_at].day < day) {
		int err = raw_flush(w, w->dev[w->dev_at].day, cause);
		if (err)
			return err;
	}
	return 0;
}

int store__stats_raw(sqlite3 *db, const struct store__stats_ids *ids, const struct stats_env *env,
		     int32_t from, int32_t to, int (*cb)(struct stats_day *d, void *arg), void *arg,
		     char **cause)
{
	struct raw w = {.env = env, .cb = cb, .arg = arg};
	sqlite3_stmt *st = NULL;
	int err = read_ctr_events(db, ids, from, to, &w.dev, &w.ndev, cause);
	if (err)
		return err;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT l.day, l.handle, l.leg, l.service, l.counter, l.queued_ms, l.called_ms,"
	    " l.started_ms, l.ended_ms, l.outcome, t.legs, t.issued_ms"
	    " FROM legs l JOIN tickets t ON t.day = l.day AND t.handle = l.handle"
	    " WHERE l.day BETWEEN ?1 AND ?2 AND l.day NOT IN (SELECT day FROM stats_days)"
	    " ORDER BY l.day, l.handle, l.leg",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = sql_fail(db, "reading legs", cause);
		goto out;
	}
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	int32_t cur = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int32_t day = sqlite3_column_int(st, 0);
		if (day != cur) {
			if (cur && (err = raw_flush(&w, cur, cause)))
				goto out;
			if ((err = raw_flush_events_before(&w, day, cause)))
				goto out;
			cur = day;
		}
		if (w.nlegs == w.legs_cap) {
			w.legs_cap = w.legs_cap ? w.legs_cap * 2 : 1024;
			w.legs = xrealloc(w.legs, w.legs_cap * sizeof(*w.legs));
		}
		const char *ctr = (const char *)sqlite3_column_text(st, 4);
		w.legs[w.nlegs++] = (struct stats_leg){
		    .visit = (uint32_t)sqlite3_column_int64(st, 1),
		    .leg = (uint16_t)sqlite3_column_int(st, 2),
		    .service = (int16_t)store__stats_service(
			ids, (const char *)sqlite3_column_text(st, 3)),
		    .counter = (int16_t)(ctr ? store__stats_counter(ids, ctr) : -1),
		    .queued_ms = sqlite3_column_int64(st, 5),
		    .called_ms = sqlite3_column_int64(st, 6),
		    .started_ms = sqlite3_column_int64(st, 7),
		    .ended_ms = sqlite3_column_int64(st, 8),
		    .outcome = outcome_of((const char *)sqlite3_column_text(st, 9)),
		    .nlegs = (uint16_t)sqlite3_column_int(st, 10),
		    .issued_ms = sqlite3_column_int64(st, 11),
		};
	}
	if (rc != SQLITE_DONE) {
		err = sql_fail(db, "reading legs", cause);
		goto out;
	}
	if (cur && (err = raw_flush(&w, cur, cause)))
		goto out;
	err = raw_flush_events_before(&w, INT32_MAX, cause);
out:
	sqlite3_finalize(st);
	stats_day_free(&w.day);
	free(w.legs);
	free(w.evs);
	free(w.dev);
	return err;
}

/* Reads a durations blob (little-endian int32 ms) into a list. */
static void blob_durs(sqlite3_stmt *st, int col, struct stats_durs *d)
{
	const unsigned char *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col) / 4;
	for (size_t i = 0; p && i < n; i++, p += 4)
		stats_durs_push(d, (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
					     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24));
}

#define FOLD_BATCH 4096

/* Runs one folded-table query for [from, to], turning rows into cells of d via row_cb
 *  and handing d to cb every FOLD_BATCH rows and at the end. */
static int fold_read(sqlite3 *db, const char *sql, int32_t from, int32_t to, struct stats_day *d,
		     void (*row_cb)(sqlite3_stmt *st, const struct store__stats_ids *ids,
				    struct stats_day *d),
		     const struct store__stats_ids *ids, int (*cb)(struct stats_day *d, void *arg),
		     void *arg, char **cause)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(db, "reading folded days", cause);
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	size_t rows = 0;
	stats_day_reset(d, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_cb(st, ids, d);
		if (++rows % FOLD_BATCH == 0) {
			if ((err = cb(d, arg)))
				goto out;
			stats_day_reset(d, 0);
		}
	}
	if (rc != SQLITE_DONE) {
		err = sql_fail(db, "reading folded days", cause);
		goto out;
	}
	err = cb(d, arg);
out:
	stats_day_reset(d, 0);
	sqlite3_finalize(st);
	return err;
}

/* stats_cells row -> cell. */
static void row_cell(sqlite3_stmt *st, const struct store__stats_ids *ids, struct stats_day *d)
{
	int s = store__stats_service(ids, (const char *)sqlite3_column_text(st, 2));
	const char *ctr = (const char *)sqlite3_column_text(st, 3);
	int c = ctr && *ctr ? store__stats_counter(ids, ctr) : -1;
	if (s < 0 || (ctr && *ctr && c < 0))
		return;
	struct stats_cell *x =
	    stats_day_add_cell(d, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1), s, c);
	x->arrivals = (uint32_t)sqlite3_column_int64(st, 4);
	x->issued = (uint32_t)sqlite3_column_int64(st, 5);
	x->transfers_in = (uint32_t)sqlite3_column_int64(st, 6);
	x->called = (uint32_t)sqlite3_column_int64(st, 7);
	x->target_met = (uint32_t)sqlite3_column_int64(st, 8);
	x->served = (uint32_t)sqlite3_column_int64(st, 9);
	x->no_shows = (uint32_t)sqlite3_column_int64(st, 10);
	x->cancelled = (uint32_t)sqlite3_column_int64(st, 11);
	x->transfers_out = (uint32_t)sqlite3_column_int64(st, 12);
	blob_durs(st, 13, &x->waits);
	blob_durs(st, 14, &x->services);
}

/* stats_queue row -> queue cell. */
static void row_q(sqlite3_stmt *st, const struct store__stats_ids *ids, struct stats_day *d)
{
	const char *sid = (const char *)sqlite3_column_text(st, 2);
	int s = sid && *sid ? store__stats_service(ids, sid) : -1;
	if (sid && *sid && s < 0)
		return;
	stats_day_add_q(d, &(struct stats_qcell){.day = sqlite3_column_int(st, 0),
						 .hour = (int8_t)sqlite3_column_int(st, 1),
						 .service = (int16_t)s,
						 .area_ms = sqlite3_column_int64(st, 3),
						 .max = (uint32_t)sqlite3_column_int64(st, 4)});
}

/* stats_counters row -> counter cell. */
static void row_c(sqlite3_stmt *st, const struct store__stats_ids *ids, struct stats_day *d)
{
	int c = store__stats_counter(ids, (const char *)sqlite3_column_text(st, 2));
	if (c < 0)
		return;
	stats_day_add_c(d, &(struct stats_ccell){.day = sqlite3_column_int(st, 0),
						 .hour = (int8_t)sqlite3_column_int(st, 1),
						 .counter = (int16_t)c,
						 .open_ms = sqlite3_column_int64(st, 3),
						 .busy_ms = sqlite3_column_int64(st, 4)});
}

/* stats_transfers row -> transfer cell. */
static void row_t(sqlite3_stmt *st, const struct store__stats_ids *ids, struct stats_day *d)
{
	int f = store__stats_service(ids, (const char *)sqlite3_column_text(st, 1));
	int t = store__stats_service(ids, (const char *)sqlite3_column_text(st, 2));
	if (f < 0 || t < 0)
		return;
	stats_day_add_t(d, &(struct stats_tcell){.day = sqlite3_column_int(st, 0),
						 .from = (int16_t)f,
						 .to = (int16_t)t,
						 .visitors = (uint32_t)sqlite3_column_int64(st, 3),
						 .floor_ms = sqlite3_column_int64(st, 4)});
}

int store__stats_folded(sqlite3 *db, const struct store__stats_ids *ids, int32_t from, int32_t to,
			int (*cb)(struct stats_day *d, void *arg), void *arg, char **cause)
{
	struct stats_day d = {0};
	int err = fold_read(db,
			    "SELECT day, hour, service, counter, arrivals, issued, transfers_in,"
			    " called, target_met, served, no_shows, cancelled, transfers_out,"
			    " waits, services FROM stats_cells WHERE day BETWEEN ?1 AND ?2",
			    from, to, &d, row_cell, ids, cb, arg, cause);
	if (!err)
		err = fold_read(db,
				"SELECT day, hour, service, area_ms, max FROM stats_queue"
				" WHERE day BETWEEN ?1 AND ?2",
				from, to, &d, row_q, ids, cb, arg, cause);
	if (!err)
		err = fold_read(db,
				"SELECT day, hour, counter, open_ms, busy_ms FROM stats_counters"
				" WHERE day BETWEEN ?1 AND ?2",
				from, to, &d, row_c, ids, cb, arg, cause);
	if (!err)
		err = fold_read(db,
				"SELECT day, from_service, to_service, visitors, floor_ms"
				" FROM stats_transfers WHERE day BETWEEN ?1 AND ?2",
				from, to, &d, row_t, ids, cb, arg, cause);
	stats_day_free(&d);
	return err;
}

int store_stats_open(const char *path, const struct floor_def *def, struct store_stats_reader **out,
		     char **cause)
{
	struct store_stats_reader *r = xcalloc(1, sizeof(*r));
	int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("statistics: cannot open %s: %s", path,
				   r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
		sqlite3_close(r->db);
		free(r);
		return -EACCES;
	}
	sqlite3_busy_timeout(r->db, 5000);
	store__stats_ids_init(&r->ids, def);
	*out = r;
	return 0;
}

void store_stats_free(struct store_stats_reader *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	store__stats_ids_close(&r->ids);
	free(r);
}

/* Merge callback: adds a day (or batch) of cells to the result. */
static int merge_cb(struct stats_day *d, void *arg)
{
	stats_result_add(arg, d);
	return 0;
}

int store_stats_query(struct store_stats_reader *r, const struct stats_env *env,
		      const struct stats_query *q, struct stats_result **out, char **cause)
{
	struct stats_result *res = stats_result_create(q, env->def->nservices, env->def->ncounters);
	if (!res) {
		*cause = xstrdup("the range is empty or too long");
		return -EINVAL;
	}
	/* One read transaction, so a purge in between cannot count a day twice or never. */
	int err = 0;
	if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		err = sql_fail(r->db, "BEGIN", cause);
		goto fail;
	}
	if ((err = store__stats_raw(r->db, &r->ids, env, q->from, q->to, merge_cb, res, cause)) ||
	    (err = store__stats_folded(r->db, &r->ids, q->from, q->to, merge_cb, res, cause))) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	stats_result_finish(res);
	*out = res;
	return 0;
fail:
	stats_result_free(res);
	return err;
}
