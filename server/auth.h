/*
 * auth.h — staff users, password hashes and sessions. Users (name, role,
 * allowed services, yescrypt hash) and sessions (SHA-256 of the token only)
 * live in the shared SQLite database under their own tables, migrated as
 * module "auth". The command line uses the synchronous user calls; torgd
 * starts the module on its loop, where logins hash on auth's own worker
 * thread and session lookups are O(1) from an in-memory map refreshed from the
 * database: in full every refresh interval, and within about a second of a
 * user being added or removed (every such change bumps a generation counter
 * in the database, which the started module checks once a second).
 */
#ifndef TORG_AUTH_H
#define TORG_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

enum auth_role { AUTH_ROLE_COUNTER = 1, AUTH_ROLE_MANAGER = 2, AUTH_ROLE_ADMIN = 3 };

/** A staff user as callers see it; never carries the password hash. */
struct auth_user {
	char name[65];
	enum auth_role role;
	size_t nservices; /* 0 = all services */
	char **services;
	bool directory; /* signed in through the directory (auth.ldap), not a local password */
};

struct auth;
struct config_ldap;

/** Opens the DB at path with its own connection and migrates module "auth".
 *  Returns 0 and *out (owned by the caller, free with auth_free) or -errno and
 *  a malloc'd *cause. */
int auth_open(const char *path, struct auth **out, char **cause);
/** Frees a; only after auth_stop's callback, or when never started. NULL is fine. */
void auth_free(struct auth *a);

/* synchronous, for the command line: */

/** Adds a user; name [a-z0-9._-]{1,64}, password 8..1024 bytes, services copied. Bumps
 *  the users generation in the same transaction. Returns 0, -EINVAL (bad input), -EEXIST
 *  (name taken) or -EIO, with *cause. */
int auth_user_add(struct auth *a, const char *name, enum auth_role role,
		  const char *const *services, size_t nservices, const char *password,
		  char **cause);
/** Removes a user and their sessions, bumping the users generation in the same transaction
 *  (a running torgd drops the sessions within about a second). Returns 0, -ENOENT for an
 *  unknown user, or -EIO. */
int auth_user_remove(struct auth *a, const char *name, char **cause);
/** Calls cb for every user in name order (u borrowed for the call; cb may call into a).
 *  Returns 0 or -EIO. */
int auth_user_list(struct auth *a, void (*cb)(const struct auth_user *u, void *arg), void *arg);
/** The role's name ("counter", "manager", "admin"), or "unknown". Static string. */
const char *auth_role_name(enum auth_role r);
/** Parses a role name; returns the enum value or -EINVAL. */
int auth_role_parse(const char *s);

/* asynchronous, for torgd: */

/** Loads unexpired sessions from the DB (synchronously: start-up only), starts auth's
 *  worker thread ("torg-auth") and the refresh timers on loop (unref'd: auth never keeps
 *  the loop alive by itself). Returns 0, -EALREADY, -EIO, or a negative errno when the
 *  thread cannot be made; after a failure nothing is started. */
int auth_start(struct auth *a, uv_loop_t *loop);
/** Stops the timers and the worker, then calls done_cb(arg) (may be NULL) on the loop (at
 *  once when never started). Logins waiting or still running then report -ECANCELED (a
 *  running one's session row is deleted again); logouts waiting are written all the same. */
void auth_stop(struct auth *a, void (*done_cb)(void *arg), void *arg);
/** Verifies name+password on auth's worker; cb on the loop thread with status 0 and a new
 *  session token (64 hex, valid until cb returns; copy it) and the user, or -EACCES for
 *  bad name/password (never says which), -EHOSTDOWN when the name is no local user's and
 *  the directory (auth_set_ldap) cannot be reached, -ECANCELED when auth_stop came first,
 *  or -EIO. A local user of that name always signs in locally (break-glass); any other
 *  name is asked of the directory when one is set, on a worker of its own. Returns 0 (cb will be
 * called once) or -EINVAL (not started, NULL argument), -ECANCELED (stopping) or -EAGAIN when 32
 * logins are already waiting or hashing (the caller answers 503 with Retry-After), and then cb is
 * never called. */
int auth_login(struct auth *a, const char *name, const char *password,
	       void (*cb)(int status, const char *token, const struct auth_user *user, void *arg),
	       void *arg);
/** The session's user for a token (64 hex), or NULL when unknown/expired. Borrowed: valid
 *  until the next loop turn. O(1). */
const struct auth_user *auth_session_user(struct auth *a, const char *token);
/** Ends a session now (memory at once, DB row on the worker). 0 or -ENOENT. */
int auth_logout(struct auth *a, const char *token);
/** Whether the user may act for every service in ids (role and allowed list). */
bool auth_user_allows(const struct auth_user *u, const char *const *ids, size_t n);

/** Sets (l) or removes (NULL) the directory to sign in with, taking a copy of l; at once
 *  or before auth_start, on the loop thread. Directory users are checked again every
 *  l->recheck_s, and at once after each call: those the directory no longer allows (or
 *  all, without a directory) lose their sessions. */
void auth_set_ldap(struct auth *a, const struct config_ldap *l);
/** The directory's URL (borrowed until the next auth_set_ldap), or NULL when none is set;
 *  for messages. */
const char *auth_ldap_url(struct auth *a);

/* tuning, mostly for tests: */

/** Sets how long new sessions last (default 12 h). */
void auth_set_session_ttl(struct auth *a, int64_t ttl_ms);
/** Sets how often a started auth reloads users and sessions from the DB in full (default
 *  60 s; the generation check runs every second regardless); takes effect at auth_start or
 *  the next timer turn. */
void auth_set_refresh_interval(struct auth *a, uint64_t interval_ms);

#endif
