/*
 * store_staff.c — the read side of the per-staff shifts (see store_staff.h):
 * in one read transaction, the shifts overlapping the range (by name, so each
 * staff member gets one index) and the called legs of the range's days, handed
 * to stats_staff_build. Counter ids are TEXT in the database and mapped back
 * to the current definition; a counter no longer configured keeps its shifts'
 * time signed on but no leg is attributed through it. The shift rows are
 * written by store_commit.c and deleted by the retention purge (store_purge.c).
 */
#include "store_staff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "util.h"

/* Index of a counter id in def, or -1. */
static int counter_index(const struct floor_def *def, const char *id)
{
	for (size_t i = 0; id && i < def->ncounters; i++)
		if (strcmp(def->counters[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* The floor_state of a legs.outcome text (a state's wire name; only the ends matter
 * here, an open leg counts as called). */
static enum floor_state outcome_of(const char *s)
{
	int st = proto_state_from_name(s);
	return st >= FLOOR_DONE ? (enum floor_state)st : FLOOR_CALLED;
}

/* Everything a query collects before the build. */
struct rows {
	char **users;
	size_t nusers, users_cap;
	struct stats_shift *shifts;
	size_t nshifts, shifts_cap;
	struct stats_staff_leg *legs;
	size_t nlegs, legs_cap;
};

/* Reads the shifts overlapping [start, end); returns SQLITE_OK or the error code. */
static int read_shifts(sqlite3 *db, const struct floor_def *def, int64_t start, int64_t end,
		       struct rows *w)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT name, counter, from_ms, to_ms FROM staff_shifts"
				    " WHERE from_ms < ?2 AND (to_ms IS NULL OR to_ms > ?1)"
				    " ORDER BY name, from_ms",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, start);
	sqlite3_bind_int64(st, 2, end);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name)
			continue;
		if (!w->nusers || strcmp(w->users[w->nusers - 1], name) != 0) {
			if (w->nusers == w->users_cap) {
				w->users_cap = w->users_cap ? w->users_cap * 2 : 16;
				w->users = xrealloc(w->users, w->users_cap * sizeof(*w->users));
			}
			w->users[w->nusers++] = xstrdup(name);
		}
		if (w->nshifts == w->shifts_cap) {
			w->shifts_cap = w->shifts_cap ? w->shifts_cap * 2 : 64;
			w->shifts = xrealloc(w->shifts, w->shifts_cap * sizeof(*w->shifts));
		}
		w->shifts[w->nshifts++] =
		    (struct stats_shift){.user = (uint32_t)(w->nusers - 1),
					 .counter = (int16_t)counter_index(
					     def, (const char *)sqlite3_column_text(st, 1)),
					 .from_ms = sqlite3_column_int64(st, 2),
					 .to_ms = sqlite3_column_int64(st, 3)};
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Reads the called legs of the days [from, to]; returns SQLITE_OK or the error code. */
static int read_legs(sqlite3 *db, const struct floor_def *def, int32_t from, int32_t to,
		     struct rows *w)
{
	sqlite3_stmt *st = NULL;
	int rc =
	    sqlite3_prepare_v2(db,
			       "SELECT counter, called_ms, started_ms, ended_ms, outcome FROM legs"
			       " WHERE day BETWEEN ?1 AND ?2 AND counter IS NOT NULL"
			       " AND called_ms IS NOT NULL",
			       -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	char last_id[256] = ""; /* the previous row's counter, looked up once */
	int last_idx = -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ctr = (const char *)sqlite3_column_text(st, 0);
		if (!ctr)
			continue;
		if (strcmp(ctr, last_id) != 0) {
			last_idx = counter_index(def, ctr);
			snprintf(last_id, sizeof(last_id), "%s", ctr);
		}
		if (last_idx < 0)
			continue;
		if (w->nlegs == w->legs_cap) {
			w->legs_cap = w->legs_cap ? w->legs_cap * 2 : 1024;
			w->legs = xrealloc(w->legs, w->legs_cap * sizeof(*w->legs));
		}
		w->legs[w->nlegs++] = (struct stats_staff_leg){
		    .counter = (int16_t)last_idx,
		    .called_ms = sqlite3_column_int64(st, 1),
		    .started_ms = sqlite3_column_int64(st, 2),
		    .ended_ms = sqlite3_column_int64(st, 3),
		    .outcome = outcome_of((const char *)sqlite3_column_text(st, 4))};
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_staff_query(const char *path, const struct stats_env *env, int32_t from, int32_t to,
		      struct stats_staff **out, char **cause)
{
	struct rows w = {0};
	sqlite3 *db = NULL;
	int err = 0;
	if (to < from || hours_day_number(to) - hours_day_number(from) >= STATS_MAX_DAYS) {
		*cause = xstrdup("the range is empty or too long");
		return -EINVAL;
	}
	struct stats_staff_span span = {
	    .from = from,
	    .to = to,
	    .start_ms = hours_day_start_ms(from, env->day_start_min),
	    .end_ms = hours_day_start_ms(hours_day_from_number(hours_day_number(to) + 1),
					 env->day_start_min),
	    .now_ms = env->now_ms};
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("statistics: cannot open %s: %s", path,
				   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		err = -EACCES;
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	/* One read transaction: a purge in between cannot leave legs without their shifts. */
	if ((rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = read_shifts(db, env->def, span.start_ms, span.end_ms, &w)) != SQLITE_OK ||
	    (rc = read_legs(db, env->def, from, to, &w)) != SQLITE_OK) {
		*cause = xasprintf("statistics: reading staff shifts: %s", sqlite3_errmsg(db));
		err = rc == SQLITE_NOMEM ? -ENOMEM : rc == SQLITE_BUSY ? -EBUSY : -EIO;
		goto out;
	}
	*out = stats_staff_build(&span, w.users, w.nusers, w.shifts, w.nshifts, w.legs, w.nlegs);
	w.users = NULL;
	w.nusers = 0;
out:
	if (db) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	for (size_t i = 0; i < w.nusers; i++)
		free(w.users[i]);
	free(w.users);
	free(w.shifts);
	free(w.legs);
	return err;
}
