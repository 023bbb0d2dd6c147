/*
 * paths.h — where torgd finds its files when the command line does not say: the
 * folder of the browser pages, chosen by where the running binary is, and checked
 * before serving.
 */
#ifndef TORG_PATHS_H
#define TORG_PATHS_H

/** The pages folder of this torgd (malloc'd; the caller frees it): the source tree's
 *  server/www when the binary runs from the build tree meson built it in (tests,
 *  bench/run, deploy/demo); otherwise the installed datadir's torg/www, under the same
 *  staging root as the binary when it runs from one (a `meson install --destdir` or a
 *  package's build tree), so that a staged torgd serves the pages staged with it. */
char *paths_default_www(void);

/** Checks that dir is a folder torgd can read with a readable index.html in it.
 *  Returns 0, or -1 with *cause (malloc'd) one line that names the path. */
int paths_check_www(const char *dir, char **cause);

#endif
