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

#define AUTH_PASSWORD_MIN 8    /* bytes of a password, at least ... */
#define AUTH_PASSWORD_MAX 1024 /* ... and at most */

enum auth_role { AUTH_ROLE_COUNTER = 1, AUTH_ROLE_MANAGER = 2, AUTH_ROLE_ADMIN = 3 };

/** A staff user as callers see it; never carries the password hash. */
struct auth_user {
	char name[65];
	enum auth_role role;
	size_t nservices; /* 0 = all services */
	char **services;
	bool disabled;	/* may not sign in (auth_user_list, the admin list) */
	bool directory; /* signed in through the directory (auth.ldap): a row without a password */
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
 *  the directory (auth_set_ldap) cannot be reached, -EAGAIN when 16 directory sign-ins
 *  already wait for it, -ECANCELED when auth_stop came first, or -EIO. A local user of
 *  that name always signs in locally (break-glass); any other name is asked of the
 *  directory when one is set, on a worker of its own. Returns 0 (cb will be called once)
 *  or -EINVAL (not started, NULL argument), -ECANCELED (stopping) or -EAGAIN when 32
 *  logins are already waiting or hashing (the caller answers 503 with Retry-After), and
 *  then cb is never called. */
int auth_login(struct auth *a, const char *name, const char *password,
	       void (*cb)(int status, const char *token, const struct auth_user *user, void *arg),
	       void *arg);
/** The session's user for a token (64 hex), or NULL when unknown/expired. Borrowed: valid
 *  until the next loop turn. O(1). */
const struct auth_user *auth_session_user(struct auth *a, const char *token);
/** Ends a session now (memory at once, DB row on the worker). 0 or -ENOENT. */
int auth_logout(struct auth *a, const char *token);
/** Ends every session of the user now: in memory at once (their tokens are unknown from
 *  here on), the rows on auth's worker; logins of the user already under way end too.
 *  Calls the end callback (auth_set_end_cb) before returning. Returns how many sessions
 *  ended (0 is fine: the callback runs all the same). */
int auth_end_user_sessions(struct auth *a, const char *name);
/** Registers cb (NULL: none), called on the loop thread with the user's name whenever
 *  sessions of that user end other than by auth_logout or expiry: auth_end_user_sessions,
 *  and a refresh that finds the user, or a session row, gone (`torgd user remove` in
 *  another process). The api closes that user's WebSockets whose token no longer
 *  signs in. */
void auth_set_end_cb(struct auth *a, void (*cb)(const char *name, void *arg), void *arg);
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
/** -1 when no directory is set, 0 when it was last found unavailable, else 1. Loop. */
int auth_ldap_up(struct auth *a);

/* administration (auth_admin.c): the command line runs ops synchronously, torgd on
 * auth's worker; every change to a user is written with its audit row in one transaction,
 * deletes the user's session rows and bumps the users generation. */

enum auth_op_kind {
	AUTH_OP_LIST,	  /* every user of the table, with disabled and source */
	AUTH_OP_ADD,	  /* name, role, services: a user without a password, and a reset code */
	AUTH_OP_PATCH,	  /* name; role, services, disabled where set_*: ends sessions */
	AUTH_OP_REMOVE,	  /* name: ends sessions */
	AUTH_OP_RESET,	  /* name: a new reset code, the password stops working; ends sessions */
	AUTH_OP_PASSWORD, /* name, password: sets the password (command line); ends sessions */
	AUTH_OP_CODE,	  /* name, code, password: sets it with a reset code; ends sessions */
	AUTH_OP_AUDIT,	  /* the newest limit audit entries, newest first */
};

#define AUTH_CODE_LEN	 14 /* "XXXX-XXXX-XXXX" */
#define AUTH_AUDIT_LIMIT 1000

/** One row of the audit log (strings owned by the op). */
struct auth_audit_entry {
	int64_t at_ms;
	char *by, *action, *target, *detail;
};

/** One administration request and its result. Zero it, fill the inputs of its kind, run
 *  it, read the results, then auth_op_clear. */
struct auth_op {
	enum auth_op_kind kind;
	char by[65];   /* who asks, for the audit: a staff name, or "cli" */
	char name[65]; /* the user */
	bool set_role, set_services, set_disabled;
	bool keep_admin; /* refuse (-EBUSY) a change that leaves no enabled admin */
	enum auth_role role;
	char **services; /* owned (auth_op_clear frees them) */
	size_t nservices;
	bool disabled;
	char *password;		      /* owned, wiped by auth_op_clear */
	char code[AUTH_CODE_LEN + 1]; /* CODE: the code given; ADD, RESET: the new one */
	int64_t code_expires_ms;      /* ADD, RESET */
	int limit;		      /* AUDIT: 1..AUTH_AUDIT_LIMIT */
	/* results: status 0, -EINVAL (bad input), -ENOENT (no such user), -EEXIST (name
	 * taken), -EBUSY (the last enabled admin), -EACCES (code wrong, used or expired),
	 * -EIO; cause says why (malloc'd) */
	int status;
	char *cause;
	struct auth_user **users; /* LIST: every user; ADD, PATCH: [0] the user after */
	size_t nusers;
	struct auth_audit_entry *entries; /* AUDIT */
	size_t nentries;
};

/** Runs op now on the calling thread (the command line; blocks). Returns op->status. */
int auth_op_run(struct auth *a, struct auth_op *op);
/** Runs op on auth's worker; cb(op, arg) on the loop thread. When a change to a user
 *  succeeded, that user's sessions have ended (auth_end_user_sessions) before cb runs.
 *  Returns 0, or -EINVAL (not started) / -ECANCELED (stopping) and cb is never called. */
int auth_op_queue(struct auth *a, struct auth_op *op, void (*cb)(struct auth_op *op, void *arg),
		  void *arg);
/** Frees what op holds (its inputs and results) and wipes its secrets. */
void auth_op_clear(struct auth_op *op);
/** Writes an audit row (strings copied; detail may be NULL) off the loop when auth runs,
 *  at once otherwise, and purges rows older than two years. Never about visitors. */
void auth_audit(struct auth *a, const char *by, const char *action, const char *target,
		const char *detail);

/** A live session, as the administration sees it (borrowed for the callback). */
struct auth_session_info {
	const struct auth_user *user;
	char id[17];	    /* the first 16 hex digits of the SHA-256 of the token's hash */
	int64_t created_ms; /* when it signed in */
};
/** Calls cb for every live session (loop thread; cb must not end sessions). */
void auth_session_each(struct auth *a, void (*cb)(const struct auth_session_info *si, void *arg),
		       void *arg);
/** The session id (as auth_session_info's) of a token into out; false for a bad token. */
bool auth_session_id(const char *token, char out[17]);
/** Ends the session with that id (memory at once, row on the worker) and calls the end
 *  callback with its user, whose name goes into name (may be NULL). 0 or -ENOENT. */
int auth_end_session(struct auth *a, const char *id, char name[65]);

/* tuning, mostly for tests: */

/** Sets how long new sessions last (default 12 h). */
void auth_set_session_ttl(struct auth *a, int64_t ttl_ms);
/** Sets how often a started auth reloads users and sessions from the DB in full (default
 *  60 s; the generation check runs every second regardless); takes effect at auth_start or
 *  the next timer turn. */
void auth_set_refresh_interval(struct auth *a, uint64_t interval_ms);

#endif
