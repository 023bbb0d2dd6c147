/*
 * store_backup.c — the online backup and the restore probe (store_backup.h).
 * The backup copies pages with sqlite3_backup_step in steps, for progress, but
 * first opens a read transaction on the source and holds it to the end: a
 * step that had to begin its own transaction would see another process's
 * commit and restart the copy from page 1 (under steady load it would never
 * finish), while inside one transaction every step reads the same WAL
 * snapshot and torgd's commits go on beside it (they only keep the WAL from
 * being checkpointed past the snapshot until the copy ends). The copy leaves
 * out the sign-in sessions: restored live, they would bring back sessions
 * signed out or expired since, and a backup file should hold no bearer
 * credentials at all (nor reset codes, which set a password); staff users, their
 * password hashes and the audit log stay.
 */
#include "store_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_int.h"
#include "util.h"

#define STEP_PAGES 1024 /* 4 MiB at the default page size: a few steps a second */

/* Opens path with flags; returns 0 or -errno with *cause (which does not name path). */
static int open_db(const char *path, int flags, sqlite3 **out, char **cause)
{
	int rc = sqlite3_open_v2(path, out, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("cannot open it: %s",
				   *out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
		return store__errno(rc);
	}
	sqlite3_extended_result_codes(*out, 1);
	sqlite3_busy_timeout(*out, 5000);
	return 0;
}

/* The first column of a one-row query as an integer (0 when no row); -1 on error. */
static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return v;
}

/* The store schema version of db, in the current transaction: > 0, 0 when db has none (not
 * a torg database), -1 when it cannot be read. */
static int64_t schema_version(sqlite3 *db)
{
	if (one_int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'schema'") <= 0)
		return one_int(db, "SELECT 1 FROM sqlite_schema") < 0 ? -1 : 0;
	return one_int(db, "SELECT version FROM schema WHERE module = 'store'");
}

/* Begins the read transaction the whole copy reads from and checks that src is a torg
 * database; returns 0 or -errno with *cause. */
static int begin_snapshot(sqlite3 *src, char **cause)
{
	int err = store__exec(src, "BEGIN", "beginning the snapshot", cause);
	if (err)
		return err;
	int64_t v = schema_version(src); /* this first read starts the transaction */
	if (v < 0) {
		*cause = xasprintf("not a torg database (%s)", sqlite3_errmsg(src));
		return -EPROTO;
	}
	if (v == 0) {
		*cause = xstrdup("not a torg database (it has no store schema)");
		return -EPROTO;
	}
	return 0;
}

/* Copies every page of src into dst in steps; returns 0 or -errno with *cause. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, const char *dest,
		      void (*progress)(int, int, void *), void *arg,
		      struct store_backup_result *res, char **cause)
{
	/* Starts the writeback of each step's pages at once, so that the copy reaches the
	 * disk a few MiB at a time instead of in one burst at the end, which would queue
	 * torgd's commits (their fsync) behind hundreds of MiB. */
	int fd = open(dest, O_RDONLY | O_CLOEXEC);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		*cause = xasprintf("starting the backup: %s", sqlite3_errmsg(dst));
		return -EIO;
	}
	int rc;
	for (;;) {
		rc = sqlite3_backup_step(b, STEP_PAGES);
		int total = sqlite3_backup_pagecount(b);
		if (progress)
			progress(total - sqlite3_backup_remaining(b), total, arg);
		if (fd >= 0)
			sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		res->pages = total;
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
			continue;
		}
		if (rc != SQLITE_OK)
			break;
	}
	sqlite3_backup_finish(b);
	if (fd >= 0)
		close(fd);
	if (rc != SQLITE_DONE) {
		*cause = xasprintf("copying: %s", sqlite3_errstr(rc));
		return store__errno(rc);
	}
	return 0;
}

/* Makes the copy stand alone (no WAL) and takes the sessions out of it, overwriting their
 * pages; returns 0 or -errno with *cause. */
static int finish_copy(sqlite3 *dst, struct store_backup_result *res, char **cause)
{
	int err;
	if ((err = store__exec(dst, "PRAGMA journal_mode=DELETE", "leaving WAL mode", cause)) ||
	    (err = store__exec(dst, "PRAGMA secure_delete=ON", "secure_delete", cause)))
		return err;
	if (one_int(dst, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sessions'") > 0) {
		if ((err =
			 store__exec(dst, "DELETE FROM sessions", "dropping the sessions", cause)))
			return err;
		res->sessions_dropped = sqlite3_changes(dst);
	}
	/* reset codes are credentials too: a restored one would set a password */
	if (one_int(dst, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'resets'") > 0 &&
	    (err = store__exec(dst, "DELETE FROM resets", "dropping the reset codes", cause)))
		return err;
	res->page_size = (int)one_int(dst, "PRAGMA page_size");
	res->last_seq = one_int(dst, "SELECT COALESCE(MAX(seq), 0) FROM journal");
	return 0;
}

int store_backup(const char *src, const char *dest,
		 void (*progress)(int done, int total, void *arg), void *arg,
		 struct store_backup_result *res, char **cause)
{
	sqlite3 *s = NULL, *d = NULL;
	memset(res, 0, sizeof(*res));
	int err = open_db(src, SQLITE_OPEN_READONLY, &s, cause);
	if (!err)
		err = begin_snapshot(s, cause);
	if (!err && (err = open_db(dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &d, cause))) {
		char *c = xasprintf("the copy %s: %s", dest, *cause);
		free(*cause);
		*cause = c;
	}
	if (!err)
		err = store__exec(d, "PRAGMA synchronous=FULL", "synchronous", cause);
	if (!err)
		err = copy_pages(s, d, dest, progress, arg, res, cause);
	if (s)
		sqlite3_exec(s, "COMMIT", NULL, NULL, NULL); /* ends the snapshot */
	if (!err)
		err = finish_copy(d, res, cause);
	if (d && sqlite3_close(d) != SQLITE_OK && !err) {
		*cause = xasprintf("closing %s: %s", dest, sqlite3_errmsg(d));
		err = -EIO;
	}
	sqlite3_close(s);
	return err;
}

/* Reads PRAGMA integrity_check's first lines into *cause; returns 0 when it says ok. */
static int integrity(sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt *st = NULL;
	struct util_text t = {0};
	int n = 0, rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(5)", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (n == 0 && line && strcmp(line, "ok") == 0)
			break;
		util_text_printf(&t, "%s%s", n++ ? "; " : "", line ? line : "?");
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE && n == 0)
		util_text_printf(&t, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (t.len == 0) {
		free(t.s);
		return 0;
	}
	*cause = xasprintf("%s fails the integrity check: %s", path, t.s);
	free(t.s);
	return -EIO;
}

int store_probe(const char *path, char **cause)
{
	sqlite3 *db = NULL;
	int err = open_db(path, SQLITE_OPEN_READONLY, &db, cause);
	if (err) {
		char *c = xasprintf("%s: %s", path, *cause);
		free(*cause);
		*cause = c;
	} else {
		int64_t v = schema_version(db);
		if (v < 0) {
			*cause =
			    xasprintf("%s: not a torg database (%s)", path, sqlite3_errmsg(db));
			err = -EPROTO;
		} else if (v == 0) {
			*cause =
			    xasprintf("%s: not a torg database (it has no store schema)", path);
			err = -EPROTO;
		} else if (v > store__version()) {
			*cause = xasprintf("%s has store schema version %lld; this torgd knows up "
					   "to %d",
					   path, (long long)v, store__version());
			err = -EPROTO;
		}
	}
	if (!err)
		err = integrity(db, path, cause);
	sqlite3_close(db);
	return err;
}
