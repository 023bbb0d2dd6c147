/*
 * cli_backup.c — "torgd backup", "torgd restore" and "torgd check" (cli_backup.h):
 * the files around the store's copies. A backup is written to a temporary file
 * beside its target, synced, and only then linked (or, with --force, renamed)
 * into place, so PATH is never a half-written backup. A restore holds the
 * database's lock file (the one a running torgd holds) for its whole run,
 * checks the backup before touching anything, copies it beside the database,
 * keeps the old database under a dated name, and renames the copy into place:
 * whatever the moment of a crash, the database path holds either the old
 * database or the restored one.
 */
#include "cli_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_lock.h"
#include "store_backup.h"
#include "util.h"

/* Prints the usage text to stderr and returns the usage exit code. */
static int usage(void)
{
	fprintf(stderr,
		"usage: torgd [--config PATH] [--db PATH] backup PATH [--force] [--progress]\n"
		"       torgd [--config PATH] [--db PATH] restore PATH\n"
		"       torgd [--config PATH] [--db PATH] check\n");
	return 2;
}

/* Progress lines: on a terminal one line rewritten at most 4 times a second, else (with
 * --progress) a line a second. */
struct progress {
	bool on, tty, ended;
	uint64_t last_ns;
};

/* Backup progress callback: pages done of total, to stderr, throttled. */
static void progress_cb(int done, int total, void *arg)
{
	struct progress *p = arg;
	uint64_t now = util_mono_ns();
	bool last = done >= total;
	if (!p->on || p->ended || (!last && now - p->last_ns < (p->tty ? 250000000u : 1000000000u)))
		return;
	p->last_ns = now;
	p->ended = last;
	fprintf(stderr, "%sbackup: %d/%d pages (%d%%)%s", p->tty ? "\r" : "", done, total,
		total ? (int)(100LL * done / total) : 100, p->tty && !last ? "" : "\n");
	fflush(stderr);
}

/* fsyncs a file or directory by path; returns 0 or -errno. */
static int sync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* The directory of path (malloc'd). */
static char *dir_of(const char *path)
{
	char *copy = xstrdup(path);
	char *d = xstrdup(dirname(copy));
	free(copy);
	return d;
}

/* Makes an empty temporary file named after target in target's directory; returns its path
 * (malloc'd) or NULL with errno. */
static char *temp_beside(const char *target, const char *what)
{
	char *copy = xstrdup(target), *dir = dir_of(target);
	char *path = xasprintf("%s/.%s.%s-XXXXXX", dir, basename(copy), what);
	free(copy);
	free(dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		int err = errno;
		free(path);
		errno = err;
		return NULL;
	}
	close(fd);
	return path;
}

/* The temporary copy in the making and its rollback journal, for the signal handler. */
static char *volatile temp_path, *volatile temp_journal;

/* SIGINT/SIGTERM/SIGHUP during a copy: removes the temporary files, then dies of the
 * signal as it would have (unlink and raise are async-signal-safe). */
static void interrupted(int sig)
{
	if (temp_path)
		unlink(temp_path);
	if (temp_journal)
		unlink(temp_journal);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Makes the temporary file beside target (temp_beside) and arms its removal on a signal. */
static char *temp_armed(const char *target, const char *what)
{
	char *path = temp_beside(target, what);
	if (path) {
		temp_journal = xasprintf("%s-journal", path);
		temp_path = path;
		signal(SIGINT, interrupted);
		signal(SIGTERM, interrupted);
		signal(SIGHUP, interrupted);
	}
	return path;
}

/* Removes a temporary copy and the rollback journal SQLite may have left beside it. */
static void remove_temp(const char *path)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	temp_path = NULL;
	unlink(path);
	if (temp_journal)
		unlink(temp_journal);
	free(temp_journal);
	temp_journal = NULL;
}

/* Whether target names the database or one of its side files (whatever the spelling):
 * a backup "into" them would replace the live database under a running torgd. */
static bool names_the_database(const char *target, const char *db)
{
	char *copy = xstrdup(target), *dir = dir_of(target);
	char *rdir = realpath(dir, NULL), *rdb = realpath(db, NULL);
	char *t = rdir ? xasprintf("%s/%s", rdir, basename(copy)) : NULL;
	bool same = false;
	static const char *const side[] = {"", "-wal", "-shm", "-lock", "-journal"};
	for (size_t i = 0; t && rdb && i < ARRAY_SIZE(side) && !same; i++) {
		char *f = xasprintf("%s%s", rdb, side[i]);
		same = strcmp(t, f) == 0;
		free(f);
	}
	free(copy);
	free(dir);
	free(rdir);
	free(rdb);
	free(t);
	return same;
}

/* "backup PATH [--force] [--progress]": returns the exit code. */
static int cmd_backup(const char *db, int argc, char **argv)
{
	const char *target = NULL;
	bool force = false;
	struct progress p = {.tty = isatty(STDERR_FILENO) == 1};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "--progress") == 0)
			p.on = true;
		else if (argv[i][0] != '-' && !target)
			target = argv[i];
		else
			return usage();
	}
	if (!target)
		return usage();
	p.on = p.on || p.tty;
	struct stat st;
	if (names_the_database(target, db)) {
		fprintf(stderr, "backup: %s is the database itself (or one of its files)\n",
			target);
		return 1;
	}
	if (!force && lstat(target, &st) == 0) {
		fprintf(stderr, "backup: %s exists; give --force to replace it\n", target);
		return 1;
	}
	char *tmp = temp_armed(target, "partial"), *cause = NULL, *dir = dir_of(target);
	struct store_backup_result res;
	int code = 1;
	uint64_t t0 = util_mono_ns();
	if (!tmp) {
		fprintf(stderr, "backup: cannot write in %s: %s\n", dir, strerror(errno));
		goto out;
	}
	if (store_backup(db, tmp, progress_cb, &p, &res, &cause) != 0) {
		fprintf(stderr, "backup: %s: %s\n", db, cause);
		goto out;
	}
	int err = sync_path(tmp, false);
	if (!err && force && rename(tmp, target) != 0)
		err = -errno;
	if (!err && !force && link(tmp, target) != 0) /* link fails if PATH appeared meanwhile */
		err = -errno;
	if (err) {
		fprintf(stderr, "backup: cannot put the copy at %s: %s\n", target, strerror(-err));
		goto out;
	}
	if ((err = sync_path(dir, true)) != 0)
		log_warn("backup: syncing %s: %s", dir, strerror(-err));
	printf("backup: %s -> %s: %d pages (%.1f MiB), journal to seq %lld, %d sign-in "
	       "session(s) left out, in %.1f s\n",
	       db, target, res.pages, (double)res.pages * res.page_size / 1048576.0,
	       (long long)res.last_seq, res.sessions_dropped, (util_mono_ns() - t0) / 1e9);
	code = 0;
out:
	if (tmp)
		remove_temp(tmp); /* after link(), the copy lives on at target */
	free(tmp);
	free(dir);
	free(cause);
	return code;
}

/* Gives a new file of the database (the copy; the lock file, when mode is false) the owner
 * of the database it replaces, or, when there is none, the owner of its directory (a root
 * shell restoring for the torg user), and with mode the database's mode too. */
static void adopt_owner(const char *path, const char *db, bool mode)
{
	struct stat st;
	char *dir = dir_of(db);
	bool had = stat(db, &st) == 0;
	if (had || stat(dir, &st) == 0) {
		if (geteuid() == 0 && chown(path, st.st_uid, st.st_gid) != 0)
			log_warn("restore: cannot give %s the owner of %s: %s", path,
				 had ? db : dir, strerror(errno));
		if (mode && had && chmod(path, st.st_mode & 07777) != 0)
			log_warn("restore: cannot give %s the mode of %s: %s", path, db,
				 strerror(errno));
	}
	free(dir);
}

/* Folds the old database's WAL into it, so that it stands alone once kept aside; returns 0
 * or -1 when it could not (a damaged database: then its -wal is kept beside it). */
static int checkpoint_old(const char *db)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Keeps the database at db as db.before-restore-<UTC time>; returns that path (malloc'd)
 * or NULL with *cause. The database stays at db too (a hard link) until the rename over it. */
static char *keep_old(const char *db, char **cause)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	char *kept = NULL;
	for (int n = 0; n < 100; n++) {
		kept = n ? xasprintf("%s.before-restore-%s-%d", db, when, n)
			 : xasprintf("%s.before-restore-%s", db, when);
		if (link(db, kept) == 0)
			break;
		int err = errno;
		free(kept);
		kept = NULL;
		if (err != EEXIST) {
			*cause =
			    xasprintf("cannot keep the old database as %s.before-restore-%s: %s",
				      db, when, strerror(err));
			return NULL;
		}
	}
	if (!kept) {
		*cause = xstrdup("too many restores this second");
		return NULL;
	}
	char *wal = xasprintf("%s-wal", db), *kept_wal = xasprintf("%s-wal", kept);
	if (checkpoint_old(db) != 0 && rename(wal, kept_wal) == 0)
		log_warn("restore: the old database's WAL could not be folded in; it is kept "
			 "as %s",
			 kept_wal);
	free(wal);
	free(kept_wal);
	return kept;
}

/* Puts the checked copy tmp in place of db; returns 0 or -1 with a message printed. */
static int replace_db(const char *tmp, const char *db, char **kept)
{
	char *cause = NULL;
	struct stat st;
	if (stat(db, &st) == 0 && !(*kept = keep_old(db, &cause))) {
		fprintf(stderr, "restore: %s\n", cause);
		free(cause);
		return -1;
	}
	if (rename(tmp, db) != 0) {
		fprintf(stderr, "restore: cannot rename %s to %s: %s\n", tmp, db, strerror(errno));
		return -1;
	}
	char *shm = xasprintf("%s-shm", db), *wal = xasprintf("%s-wal", db), *dir = dir_of(db);
	unlink(shm); /* the old database's index; the new one has no WAL yet */
	unlink(wal);
	int err = sync_path(dir, true);
	if (err)
		log_warn("restore: syncing %s: %s", dir, strerror(-err));
	free(shm);
	free(wal);
	free(dir);
	return 0;
}

/* "restore PATH": returns the exit code. */
static int cmd_restore(const char *db, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		return usage();
	const char *from = argv[1];
	char *cause = NULL, *tmp = NULL, *kept = NULL, *a = NULL, *b = NULL;
	struct store_backup_result res;
	int code = 1, lock = -1;
	struct stat st;
	if (stat(from, &st) != 0) {
		fprintf(stderr, "restore: %s: %s\n", from, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "restore: %s: not a regular file\n", from);
		goto out;
	}
	if ((a = realpath(from, NULL)) && (b = realpath(db, NULL)) && strcmp(a, b) == 0) {
		fprintf(stderr, "restore: %s is the database itself\n", from);
		goto out;
	}
	if ((lock = db_lock(db, &cause)) < 0) {
		fprintf(stderr, "restore: %s: %s\n", db, cause);
		goto out;
	}
	char *lock_path = xasprintf("%s-lock", db);
	adopt_owner(lock_path, db,
		    false); /* a root shell's new lock file must not shut torgd out */
	free(lock_path);
	if (store_probe(from, &cause) != 0) {
		fprintf(stderr, "restore: %s\n", cause);
		goto out;
	}
	if (!(tmp = temp_armed(db, "restore"))) {
		fprintf(stderr, "restore: cannot write beside %s: %s\n", db, strerror(errno));
		goto out;
	}
	if (store_backup(from, tmp, NULL, NULL, &res, &cause) != 0) {
		fprintf(stderr, "restore: copying %s: %s\n", from, cause);
		goto out;
	}
	adopt_owner(tmp, db, true);
	if (sync_path(tmp, false) != 0 || replace_db(tmp, db, &kept) != 0)
		goto out;
	printf("restore: %s -> %s (journal to seq %lld)%s%s\n", from, db, (long long)res.last_seq,
	       kept ? "; the database before is kept as " : "", kept ? kept : "");
	code = 0;
out:
	if (tmp)
		remove_temp(tmp);
	if (lock >= 0)
		close(lock);
	free(tmp);
	free(kept);
	free(a);
	free(b);
	free(cause);
	return code;
}

/* check's problem callback: one line on stdout. */
static void problem_cb(const char *line, void *arg)
{
	printf("%s: %s\n", (const char *)arg, line);
}

/* "check": returns the exit code. */
static int cmd_check(const char *db, const struct floor_def *def, int argc)
{
	if (argc != 1)
		return usage();
	struct store_check_result res;
	int n = store_check(db, def, problem_cb, (void *)db, &res);
	if (n == 0)
		printf("%s: ok: journal seq %llu to %llu (%llu events), %llu days and %llu tickets "
		       "agree with the replay\n",
		       db, (unsigned long long)res.first_seq, (unsigned long long)res.last_seq,
		       (unsigned long long)res.events, (unsigned long long)res.days,
		       (unsigned long long)res.tickets);
	fflush(stdout);
	return n == 0 ? 0 : 1;
}

int cli_backup_main(const char *db_path, const struct floor_def *def, int argc, char **argv)
{
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "backup") == 0)
		return cmd_backup(db_path, argc, argv);
	if (strcmp(argv[0], "restore") == 0)
		return cmd_restore(db_path, argc, argv);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(db_path, def, argc);
	return usage();
}
