/*
 * store_stats_int.h — what store_stats.c and store_purge.c share: id lookup of
 * the floor definition, and reading a range of days as cells, from the raw
 * legs and journal or from the aggregate tables. Nothing else includes this.
 */
#ifndef TORG_STORE_STATS_INT_H
#define TORG_STORE_STATS_INT_H

#include <sqlite3.h>

#include "store_int.h"
#include "store_stats.h"

/* Sorted ids of the floor definition, for mapping TEXT columns back to indexes. */
struct store__stats_ids {
	const struct floor_def *def;
	struct store__id *svc, *ctr;
};

/** Builds the id tables of def. */
void store__stats_ids_init(struct store__stats_ids *ids, const struct floor_def *def);
/** Frees the id tables. */
void store__stats_ids_close(struct store__stats_ids *ids);
/** Index of a service id (-1 unknown or NULL). */
int store__stats_service(const struct store__stats_ids *ids, const char *id);
/** Index of a counter id (-1 unknown or NULL). */
int store__stats_counter(const struct store__stats_ids *ids, const char *id);

/** Builds the cells of every day in [from, to] that has legs or counter events, one day
 *  at a time, and gives each to cb (the day is reused after cb returns). Returns 0, the
 *  first nonzero cb result, or -errno with *cause. */
int store__stats_raw(sqlite3 *db, const struct store__stats_ids *ids, const struct stats_env *env,
		     int32_t from, int32_t to, int (*cb)(struct stats_day *d, void *arg), void *arg,
		     char **cause);
/** Loads the folded cells of [from, to] into batches and gives each to cb. Returns as
 *  store__stats_raw. */
int store__stats_folded(sqlite3 *db, const struct store__stats_ids *ids, int32_t from, int32_t to,
			int (*cb)(struct stats_day *d, void *arg), void *arg, char **cause);

#endif
