/*
 * store_staff.h — reading the per-staff shifts the commit pipeline writes
 * (the signer of store_append in store.h) and the legs they cover, for the per-staff
 * figures of stats_staff.h. Synchronous, for a libuv worker thread, on a
 * read-only connection of its own.
 */
#ifndef TORG_STORE_STAFF_H
#define TORG_STORE_STAFF_H

#include "stats.h"
#include "stats_staff.h"

/** Computes the per-staff figures of the local days [from, to] of the database at path
 *  (env gives the definition, day start and now). Returns 0 with *out a new result (free
 *  with stats_staff_free), -EINVAL for a bad range, or -errno with *cause malloc'd. */
int store_staff_query(const char *path, const struct stats_env *env, int32_t from, int32_t to,
		      struct stats_staff **out, char **cause);

#endif
