/*
 * db_lock.c — the database's lock file (db_lock.h): `<db>-lock`, flock'ed for
 * the life of the process that holds it, with its pid inside for the message
 * another process gets. torgd holds it while it serves; `torgd restore` holds
 * it while it replaces the database, so neither can start under the other.
 */
#include "db_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"

int db_lock(const char *db, char **cause)
{
	char *path = xasprintf("%s-lock", db);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*cause = xasprintf("cannot open the lock file %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (err == EWOULDBLOCK)
			*cause =
			    xasprintf("the database is in use by another torgd%s%s%s (it holds "
				      "%s); stop it first",
				      pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "", path);
		else
			*cause = xasprintf("cannot lock %s: %s", path, strerror(err));
		close(fd);
		free(path);
		return -1;
	}
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		log_warn("cannot write our pid into %s: %s", path, strerror(errno));
	free(path);
	return fd;
}
