/*
 * cli_user.h — the "torgd user" command: add, list and remove staff users in
 * the database, for operators at a shell. Runs synchronously, no event loop.
 */
#ifndef TORG_CLI_USER_H
#define TORG_CLI_USER_H

#include <stddef.h>

/** Runs "torgd user add NAME --role counter|manager|admin [--services a,b]",
 *  "torgd user list" or "torgd user remove NAME" against the database at db_path.
 *  argv is main's argv after the program name, so argv[0] is "user" (a vector that
 *  starts directly with the action is accepted too). The password for "add" is the
 *  first line of standard input, or is asked twice without echo on a terminal.
 *  known_services (borrowed; NULL = no check) are the configured service ids that
 *  --services must come from. Prints errors on stderr and the list on stdout
 *  (name, role, services comma-joined or "*" for all; tab-separated; never hashes).
 *  Returns the process exit code: 0 done, 1 failed, 2 bad usage. */
int cli_user_main(const char *db_path, int argc, char **argv, const char *const *known_services,
		  size_t nknown);

#endif
