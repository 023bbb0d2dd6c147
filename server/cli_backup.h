/*
 * cli_backup.h — the "torgd backup", "torgd restore" and "torgd check"
 * commands, for operators at a shell. Synchronous, no event loop.
 */
#ifndef TORG_CLI_BACKUP_H
#define TORG_CLI_BACKUP_H

#include "floor.h"

/** Runs "torgd backup PATH [--force] [--progress]", "torgd restore PATH" or "torgd check"
 *  against the database at db_path. argv[0] is the command's word. def (borrowed) is the
 *  configured floor, which check replays the journal into. Messages go to stderr, the
 *  result line (and check's problems, one a line) to stdout. Returns the process exit
 *  code: 0 done (check: no problem), 1 failed (check: a problem), 2 bad usage. */
int cli_backup_main(const char *db_path, const struct floor_def *def, int argc, char **argv);

#endif
