/*
 * paths.c — the pages folder torgd serves when --www is not given, and its start-up
 * check. A torgd in its build tree serves the source pages, an installed one the
 * datadir's: the binary's own path (/proc/self/exe) tells
 * them apart, so neither the tests nor an operator has to pass --www. The paths meson
 * knows come in as TORG_BUILD_DIR, TORG_SOURCE_WWW, TORG_BINDIR and TORG_WWW_DIR.
 */
#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef TORG_WWW_DIR
#define TORG_WWW_DIR "/usr/local/share/torg/www"
#endif
#ifndef TORG_BINDIR
#define TORG_BINDIR "/usr/local/bin"
#endif

/* The folder of the running binary, symlinks resolved; false when unknown. */
static bool exe_dir(char out[PATH_MAX])
{
	if (!realpath("/proc/self/exe", out))
		return false;
	char *slash = strrchr(out, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return true;
}

char *paths_default_www(void)
{
	char here[PATH_MAX];
	if (!exe_dir(here))
		return xstrdup(TORG_WWW_DIR);
#if defined(TORG_BUILD_DIR) && defined(TORG_SOURCE_WWW)
	char build[PATH_MAX];
	if (realpath(TORG_BUILD_DIR, build) && strcmp(here, build) == 0)
		return xstrdup(TORG_SOURCE_WWW);
#endif
	/* here = ROOT + bindir: a staged install; ROOT is "" for the real one */
	size_t n = strlen(here), nbin = strlen(TORG_BINDIR);
	if (n >= nbin && strcmp(here + n - nbin, TORG_BINDIR) == 0)
		return xasprintf("%.*s%s", (int)(n - nbin), here, TORG_WWW_DIR);
	return xstrdup(TORG_WWW_DIR);
}

int paths_check_www(const char *dir, char **cause)
{
	DIR *d = opendir(dir);
	if (!d) {
		*cause = xasprintf("the pages folder %s cannot be read: %s (--www DIR names "
				   "another)",
				   dir, strerror(errno));
		return -1;
	}
	closedir(d);
	char *index = xasprintf("%s/index.html", dir);
	int fd = open(index, O_RDONLY | O_CLOEXEC);
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (fd < 0)
		*cause = xasprintf("the pages folder %s has no readable index.html: %s (--www "
				   "DIR names another)",
				   dir, strerror(err));
	free(index);
	return fd >= 0 ? 0 : -1;
}
