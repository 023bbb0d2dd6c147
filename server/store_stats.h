/*
 * store_stats.h — the store's statistics side: a read-only connection that
 * answers statistics queries from the legs and journal (recent days) and the
 * aggregate tables (days already folded), and the retention purge that folds
 * old days into those tables and deletes their ticket-level history. Both are
 * synchronous and meant for a libuv worker thread, each on its own SQLite
 * connection, never on the loop and never on the store's writing connection.
 */
#ifndef TORG_STORE_STATS_H
#define TORG_STORE_STATS_H

#include <stdint.h>

#include "floor.h"
#include "stats.h"

struct store_stats_reader;

/** Opens a read-only connection to the store's database at path (already migrated by
 *  store_open). def is borrowed and must outlive the reader. Returns 0 or -errno with
 *  *cause malloc'd. */
int store_stats_open(const char *path, const struct floor_def *def, struct store_stats_reader **out,
		     char **cause);
/** Closes and frees a reader. NULL is fine. */
void store_stats_free(struct store_stats_reader *r);
/** Computes the figures of q (env gives the day start, now and targets). Returns 0 with
 *  *out a new result (free with stats_result_free), -EINVAL for a bad range, or -errno
 *  with *cause malloc'd. */
int store_stats_query(struct store_stats_reader *r, const struct stats_env *env,
		      const struct stats_query *q, struct stats_result **out, char **cause);

/** Folds every local day before before_day into the aggregate tables and deletes its
 *  legs, tickets and journal rows, one day per transaction, on its own read-write
 *  connection to path. Journal rows from the newest floor.day event on are never
 *  deleted (replay starts there). *folded gets the number of days folded. Returns 0 or
 *  -errno with *cause malloc'd (days folded before the failure stay folded). */
int store_purge(const char *path, const struct stats_env *env, int32_t before_day, int *folded,
		char **cause);

#endif
