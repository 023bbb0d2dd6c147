/*
 * auth_int.h — what auth.c (users, passwords, database) and auth_session.c
 * (sessions on the loop) share: the insides of struct auth and a few
 * helpers. Not for other modules.
 */
#ifndef TORG_AUTH_INT_H
#define TORG_AUTH_INT_H

#include <crypt.h>
#include <pthread.h>
#include <sqlite3.h>

#include "auth.h"
#include "worker.h"

#define AUTH_TTL_DEFAULT_MS	(12 * 3600 * 1000LL)
#define AUTH_REFRESH_DEFAULT_MS 60000
#define AUTH_GEN_CHECK_MS	1000 /* how often the started auth looks at users_gen */
#define AUTH_LOGIN_QUEUE_MAX	32   /* logins waiting or hashing; more: -EAGAIN */
#define AUTH_NAME_MAX		64
#define AUTH_SERVICE_MAX	64
#define AUTH_SCHEMA_VERSION	3
#define AUTH_RESET_TTL_MS	(24 * 3600 * 1000LL)	       /* how long a reset code works */
#define AUTH_AUDIT_KEEP_MS	(2 * 366 * 24 * 3600 * 1000LL) /* audit rows kept (2 years) */
/* The hash column of a directory user's row (auth_directory.c, source 'directory'): no
 * password of theirs is kept, and no crypt() output starts with '!', so such a row never
 * signs in locally. */
#define AUTH_DIRECTORY_HASH "!directory"
/* A column that is 1 for a directory user's row (auth_user.directory). */
#define AUTH_USER_DIRECTORY_COL "(source = 'directory')"

/* One live session in the map; owns its copy of the user. */
struct auth_session {
	struct auth_session *next;
	uint8_t hash[32];
	int64_t expires_ms;
	uint64_t born;	   /* value of auth.gen when added: refreshes queued earlier skip it */
	uint64_t login_no; /* auth.login_no when its login was queued; 0: loaded at start */
	int64_t created_ms;
	struct auth_user *user;
};

/* Users no longer referenced, freed after the loop turns (borrowed pointers stay valid). */
struct auth_grave {
	struct auth_user **v;
	size_t n, cap;
};

struct auth {
	sqlite3 *db;
	pthread_mutex_t db_mu;
	int64_t ttl_ms;
	uint64_t refresh_ms;
	uv_loop_t *loop;
	struct worker *worker; /* "torg-auth", one thread: logins, logouts, refreshes */
	uv_timer_t timer;      /* the full refresh every refresh_ms */
	uv_timer_t gen_timer;  /* the users_gen check every AUTH_GEN_CHECK_MS */
	uv_check_t check;
	bool started, stopping, refreshing;
	bool want_full, want_check; /* a refresh or a check is due once none is in flight */
	int64_t users_gen;	    /* the users_gen the sessions were last refreshed at */
	unsigned logins, handles;
	void (*done_cb)(void *arg);
	void *done_arg;
	struct auth_session **buckets;
	size_t nbuckets, nsessions;
	uint64_t gen;
	uint64_t login_no; /* logins queued so far: an end also catches those under way */
	struct auth_grave grave_new, grave_old;
	void (*end_cb)(const char *name, void *arg); /* a user's sessions ended (loop) */
	void *end_arg;
	struct auth__ldap *ldap; /* the directory (auth_ldap.h), NULL until auth_set_ldap */
};

/** Writes the SHA-256 of data[0..len) into out. */
void auth__sha256(const void *data, size_t len, uint8_t out[32]);
/** Whether name matches [a-z0-9._-]{1,64}. */
bool auth__name_valid(const char *name);
/** Frees a user and its services; NULL is fine. */
void auth__user_free(struct auth_user *u);
/** A new user (owned by the caller) from columns name, role, services at col, or NULL. */
struct auth_user *auth__user_from_row(sqlite3_stmt *st, int col);
/** A deep copy of u, owned by the caller. */
struct auth_user *auth__user_dup(const struct auth_user *u);
/** Whether two users have the same role and allowed services. */
bool auth__user_same(const struct auth_user *x, const struct auth_user *y);
/** Whether password hashes to stored (yescrypt), compared in constant time. */
bool auth__password_check(const char *password, const char *stored);
/** A yescrypt hash of a random password, made once per process (costs one hash). */
const char *auth__dummy_hash(void);
/** Frees every session and the graveyards. */
void auth__sessions_free(struct auth *a);
/* the session map (auth_map.c, loop thread only) */
/** Adds a session taking ownership of u (created_ms: its sign-in; login_no: the login's
 *  number, 0 when loaded at start); returns it. */
struct auth_session *auth__map_add(struct auth *a, const uint8_t hash[32], int64_t created_ms,
				   int64_t expires_ms, uint64_t login_no, struct auth_user *u);
/** The link that points at the session with this token hash, or NULL. */
struct auth_session **auth__map_find(struct auth *a, const uint8_t hash[32]);
/** Removes the session *pp points at; its user goes to the graveyard. */
void auth__map_unlink(struct auth *a, struct auth_session **pp);
/** Frees every session and empties the map and graveyards (a start that failed). */
void auth__map_clear(struct auth *a);
/** Puts u in the graveyard: freed after the loop has turned at least once. */
void auth__grave_add(struct auth *a, struct auth_user *u);
/** Runs work(ctx) on auth's worker, then done(ctx, status) on the loop (status
 *  -ECANCELED: stopping, work never ran). Returns 0, -EINVAL (not started) or
 *  -ECANCELED, and then done is never called. */
int auth__call(struct auth *a, void (*work)(void *ctx), void (*done)(void *ctx, int status),
	       void *ctx);
/** Bumps users_gen inside the caller's transaction (db_mu held); 0 or -EIO with *cause. */
int auth__gen_bump(struct auth *a, const char *what, char **cause);
/** Hashes password with a fresh yescrypt salt into out; returns 0 or -EIO. */
int auth__password_hash(const char *password, char out[CRYPT_OUTPUT_SIZE]);
/** Whether a service id is 1..64 printable ASCII bytes without ','. */
bool auth__service_valid(const char *id);
/** Writes one audit row and purges those older than AUTH_AUDIT_KEEP_MS (db_mu held, inside
 *  or outside a transaction); 0 or -EIO. */
int auth__audit_write(struct auth *a, int64_t at_ms, const char *by, const char *action,
		      const char *target, const char *detail);
/** Reads the users table's generation (bumped by every user add and remove) into *out;
 *  the caller holds db_mu. Returns 0 or -EIO. */
int auth__gen_read(struct auth *a, int64_t *out);

#endif
