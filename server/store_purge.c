/*
 * store_purge.c — the retention purge (see store_stats.h): each local day
 * older than the retention is first reduced to the anonymous cells of
 * stats.h, written to the aggregate tables, and then its legs, tickets and
 * journal rows are deleted, all in one transaction per day, on a connection
 * of its own. The cells are the very ones a query builds from the raw rows,
 * so statistics of a folded day do not change. Journal rows from the newest
 * floor.day event on are kept whatever their day, so replay and the sequence
 * numbers are never disturbed. Per-staff shifts (staff_shifts) of days
 * before the retention are deleted outright: per-staff figures are never
 * folded into aggregates.
 */
#include "store_stats_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* SQL of one day's fold, in order; ?1 = day. */
enum {
	P_INS_CELL,
	P_INS_Q,
	P_INS_C,
	P_INS_T,
	P_DEL_LEGS,
	P_DEL_TICKETS,
	P_DEL_JOURNAL,
	P_INS_DAY,
	P_N,
};
static const char *const purge_sql[P_N] = {
    [P_INS_CELL] = "INSERT INTO stats_cells(day, hour, service, counter, arrivals, issued,"
		   " transfers_in, called, target_met, served, no_shows, cancelled,"
		   " transfers_out, waits, services)"
		   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [P_INS_Q] = "INSERT INTO stats_queue(day, hour, service, area_ms, max)"
		" VALUES(?1, ?2, ?3, ?4, ?5)",
    [P_INS_C] = "INSERT INTO stats_counters(day, hour, counter, open_ms, busy_ms)"
		" VALUES(?1, ?2, ?3, ?4, ?5)",
    [P_INS_T] = "INSERT INTO stats_transfers(day, from_service, to_service, visitors, floor_ms)"
		" VALUES(?1, ?2, ?3, ?4, ?5)",
    [P_DEL_LEGS] = "DELETE FROM legs WHERE day = ?1",
    [P_DEL_TICKETS] = "DELETE FROM tickets WHERE day = ?1",
    [P_DEL_JOURNAL] = "DELETE FROM journal WHERE day = ?1 AND seq <"
		      " (SELECT COALESCE(MAX(seq), 0) FROM journal WHERE kind = 11)",
    [P_INS_DAY] = "INSERT INTO stats_days(day, folded_ms) VALUES(?1, ?2)",
};

struct purge {
	sqlite3 *db;
	sqlite3_stmt *st[P_N];
	const struct floor_def *def;
	unsigned char *blob;
	size_t blob_cap;
};

/* Steps a bound statement and resets it; returns SQLITE_OK or the error. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	int rc2 = sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? rc2 : rc;
}

/* Binds a durations list as a little-endian int32 blob (transient copy). */
static void bind_durs(struct purge *p, sqlite3_stmt *st, int col, const struct stats_durs *d)
{
	if (d->n * 4 > p->blob_cap) {
		p->blob_cap = d->n * 4 * 2;
		p->blob = xrealloc(p->blob, p->blob_cap);
	}
	for (size_t i = 0; i < d->n; i++) {
		uint32_t v = (uint32_t)d->v[i];
		p->blob[i * 4] = (unsigned char)v;
		p->blob[i * 4 + 1] = (unsigned char)(v >> 8);
		p->blob[i * 4 + 2] = (unsigned char)(v >> 16);
		p->blob[i * 4 + 3] = (unsigned char)(v >> 24);
	}
	sqlite3_bind_blob(st, col, p->blob ? p->blob : (const void *)"", (int)(d->n * 4),
			  SQLITE_TRANSIENT);
}

/* Writes one built day's cells; returns 0 or an SQLite error code. */
static int write_day(struct stats_day *d, void *arg)
{
	struct purge *p = arg;
	const struct floor_def *def = p->def;
	int rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < d->ncells; i++) {
		const struct stats_cell *c = &d->cells[i];
		sqlite3_stmt *st = p->st[P_INS_CELL];
		sqlite3_bind_int(st, 1, c->day);
		sqlite3_bind_int(st, 2, c->hour);
		sqlite3_bind_text(st, 3, def->services[c->service].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c->counter >= 0 ? def->counters[c->counter].id : "", -1,
				  SQLITE_STATIC);
		/* sorted, so the stored lists keep no trace of the order of visits */
		stats_durs_sort(&d->cells[i].waits);
		stats_durs_sort(&d->cells[i].services);
		uint32_t n[] = {c->arrivals, c->issued,	    c->transfers_in,
				c->called,   c->target_met, c->served,
				c->no_shows, c->cancelled,  c->transfers_out};
		for (size_t k = 0; k < ARRAY_SIZE(n); k++)
			sqlite3_bind_int64(st, 5 + (int)k, n[k]);
		bind_durs(p, st, 14, &c->waits);
		bind_durs(p, st, 15, &c->services);
		rc = run(st);
	}
	for (size_t i = 0; rc == SQLITE_OK && i < d->nq; i++) {
		sqlite3_stmt *st = p->st[P_INS_Q];
		sqlite3_bind_int(st, 1, d->q[i].day);
		sqlite3_bind_int(st, 2, d->q[i].hour);
		sqlite3_bind_text(st, 3,
				  d->q[i].service >= 0 ? def->services[d->q[i].service].id : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, d->q[i].area_ms);
		sqlite3_bind_int64(st, 5, d->q[i].max);
		rc = run(st);
	}
	for (size_t i = 0; rc == SQLITE_OK && i < d->nc; i++) {
		sqlite3_stmt *st = p->st[P_INS_C];
		sqlite3_bind_int(st, 1, d->c[i].day);
		sqlite3_bind_int(st, 2, d->c[i].hour);
		sqlite3_bind_text(st, 3, def->counters[d->c[i].counter].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, d->c[i].open_ms);
		sqlite3_bind_int64(st, 5, d->c[i].busy_ms);
		rc = run(st);
	}
	for (size_t i = 0; rc == SQLITE_OK && i < d->nt; i++) {
		sqlite3_stmt *st = p->st[P_INS_T];
		sqlite3_bind_int(st, 1, d->t[i].day);
		sqlite3_bind_text(st, 2, def->services[d->t[i].from].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, def->services[d->t[i].to].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, d->t[i].visitors);
		sqlite3_bind_int64(st, 5, d->t[i].floor_ms);
		rc = run(st);
	}
	return rc;
}

/* Reads the days before `before` that still have ticket-level rows. */
static int days_to_fold(sqlite3 *db, int32_t before, int32_t **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(
	    db,
	    "SELECT day FROM (SELECT DISTINCT day FROM legs WHERE day < ?1"
	    " UNION SELECT DISTINCT day FROM tickets WHERE day < ?1"
	    " UNION SELECT DISTINCT day FROM journal WHERE day < ?1 AND day > 0 AND seq <"
	    " (SELECT COALESCE(MAX(seq), 0) FROM journal WHERE kind = 11))"
	    " WHERE day NOT IN (SELECT day FROM stats_days) ORDER BY day",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(st, 1, before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Folds one day in its own transaction; returns 0 or -errno with *cause. */
static int fold_day(struct purge *p, const struct store__stats_ids *ids,
		    const struct stats_env *env, int32_t day, char **cause)
{
	int rc = sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	int err = store__stats_raw(p->db, ids, env, day, day, write_day, p, cause);
	if (err) {
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		if (err > 0) /* an SQLite code from write_day */
			goto fail;
		return err;
	}
	for (int i = P_DEL_LEGS; i <= P_DEL_JOURNAL; i++) {
		sqlite3_bind_int(p->st[i], 1, day);
		if ((rc = run(p->st[i])) != SQLITE_OK)
			goto fail;
	}
	sqlite3_bind_int(p->st[P_INS_DAY], 1, day);
	sqlite3_bind_int64(p->st[P_INS_DAY], 2, env->now_ms);
	if ((rc = run(p->st[P_INS_DAY])) != SQLITE_OK ||
	    (rc = sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	*cause = xasprintf("statistics: folding day %d: %s", day, sqlite3_errmsg(p->db));
	if (!sqlite3_get_autocommit(p->db))
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

/* Deletes the per-staff shifts of days before before_day; returns 0 or -EIO with *cause. */
static int purge_shifts(sqlite3 *db, int32_t before_day, char **cause)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "DELETE FROM staff_shifts WHERE day < ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, before_day);
		rc = run(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return 0;
	*cause = xasprintf("statistics: deleting old staff shifts: %s", sqlite3_errmsg(db));
	return -EIO;
}

int store_purge(const char *path, const struct stats_env *env, int32_t before_day, int *folded,
		char **cause)
{
	struct purge p = {.def = env->def};
	struct store__stats_ids ids = {0};
	int32_t *days = NULL;
	size_t ndays = 0;
	int err = 0;
	*folded = 0;
	int rc = sqlite3_open_v2(path, &p.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("statistics: cannot open %s: %s", path,
				   p.db ? sqlite3_errmsg(p.db) : sqlite3_errstr(rc));
		err = -EACCES;
		goto out;
	}
	sqlite3_busy_timeout(p.db, 5000);
	sqlite3_exec(p.db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	for (int i = 0; i < P_N; i++) {
		if (sqlite3_prepare_v2(p.db, purge_sql[i], -1, &p.st[i], NULL) != SQLITE_OK) {
			*cause =
			    xasprintf("statistics: preparing the purge: %s", sqlite3_errmsg(p.db));
			err = -EIO;
			goto out;
		}
	}
	if (days_to_fold(p.db, before_day, &days, &ndays) != SQLITE_OK) {
		*cause = xasprintf("statistics: finding days to purge: %s", sqlite3_errmsg(p.db));
		err = -EIO;
		goto out;
	}
	store__stats_ids_init(&ids, env->def);
	for (size_t i = 0; i < ndays; i++) {
		if ((err = fold_day(&p, &ids, env, days[i], cause)))
			goto out;
		(*folded)++;
	}
	err = purge_shifts(p.db, before_day, cause);
out:
	for (int i = 0; i < P_N; i++)
		sqlite3_finalize(p.st[i]);
	sqlite3_close(p.db);
	store__stats_ids_close(&ids);
	free(days);
	free(p.blob);
	return err;
}
