/*
 * store_backup.h — copies of the floor's database for operators: an online
 * backup that is one consistent snapshot even while torgd commits, the probe
 * a restore runs on what it is about to put in place, and `torgd check`'s
 * verification of a database and its journal. All synchronous, for the
 * command line; none needs the database's lock.
 */
#ifndef TORG_STORE_BACKUP_H
#define TORG_STORE_BACKUP_H

#include <stdint.h>

#include "floor.h"

/* What a backup did. */
struct store_backup_result {
	int pages, page_size; /* pages copied and their size */
	int64_t last_seq;     /* the snapshot's newest journal seq */
	int sessions_dropped; /* sign-in sessions left out of the copy */
};

/** Copies the torg database at src into dest (a new, empty or absent file) with SQLite's
 *  online backup, inside one read transaction on src, so that commits by a running torgd
 *  neither restart nor tear the copy: it is src as of the transaction's start. The copy
 *  is then made self-contained (rollback journal mode, no -wal) and its sign-in sessions
 *  are deleted. progress (may be NULL) is called after every step with the pages done and
 *  the total. Does not fsync or rename dest: the caller does. Returns 0 with *res filled,
 *  or -errno with *cause (malloc'd). */
int store_backup(const char *src, const char *dest,
		 void (*progress)(int done, int total, void *arg), void *arg,
		 struct store_backup_result *res, char **cause);

/** Checks that path is a torg database (a store schema this torgd can run, migrating if
 *  older) that passes PRAGMA integrity_check; opens it read-only. Returns 0, or -errno
 *  with *cause (malloc'd) saying what is wrong. */
int store_probe(const char *path, char **cause);

/* What `torgd check` found besides its problems. */
struct store_check_result {
	uint64_t first_seq, last_seq, events; /* the kept journal */
	uint64_t days, tickets;		      /* days replayed, tickets compared */
};

/** Verifies the database at path, read-only and in one read transaction (a running torgd
 *  is fine): PRAGMA integrity_check, the store schema, the journal's seqs contiguous from
 *  1 (or from the first day the retention purge kept, which must begin with a day event),
 *  every event decoding and replaying into a floor of def through floor_apply (the
 *  start-up replay's own path), and the tickets and legs tables agreeing with the replay
 *  for every replayed day. problem(line, arg) gets one line per problem found. Returns the
 *  number of problems (0 = good), with *res filled as far as the check got. */
int store_check(const char *path, const struct floor_def *def,
		void (*problem)(const char *line, void *arg), void *arg,
		struct store_check_result *res);

#endif
