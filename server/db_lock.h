/*
 * db_lock.h — the database's lock file: one torgd (or one `torgd restore`) at a
 * time per database. SQLite alone lets a second process open the same file,
 * and two torgds then corrupt each other's numbering.
 */
#ifndef TORG_DB_LOCK_H
#define TORG_DB_LOCK_H

/** Takes the lock file of the database at db (db + "-lock", flock'ed exclusively for as
 *  long as the returned fd stays open, with our pid in it). Returns the fd, or -1 with
 *  *cause (malloc'd) naming the holder's pid when another process has it. */
int db_lock(const char *db, char **cause);

#endif
