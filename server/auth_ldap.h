/*
 * auth_ldap.h — internal to module auth: sign-in through the directory
 * (auth.ldap). auth_ldap.c talks LDAP (blocking, on the directory's own
 * worker thread "torg-ldap", never on the loop); auth_ldap_map.c holds the
 * pure parts (RFC 4515 escaping, filters, groups to role and services);
 * auth_directory.c keeps the directory's users in the users table (marked by
 * AUTH_DIRECTORY_HASH), checks their sessions again every recheck_s and ends
 * those the directory no longer allows. Not for other modules.
 */
#ifndef TORG_AUTH_LDAP_H
#define TORG_AUTH_LDAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "auth.h"
#include "config_ldap.h"

/* login_work's answer when the name is no local user's and the directory is to be asked:
 * the login goes on on the directory's worker. */
#define AUTH__STATUS_DIRECTORY 1
/* The directory said yes (auth__ldap_login): the session is to be written on auth's worker. */
#define AUTH__STATUS_WRITE 2
/* Directory sign-ins waiting for the directory or asking it; more get -EAGAIN. */
#define AUTH__LDAP_LOGINS_MAX 16

/* A copy of the auth.ldap block that the directory's jobs share; freed with its last
 * reference (auth__ldap_conf_unref). */
struct auth__ldap_conf {
	unsigned refs; /* under auth__ldap.mu */
	struct config_ldap *c;
	char **group_dn; /* c->groups' DNs normalised (auth__ldap_dn_norm) */
};

/* The directory's state in struct auth. */
struct auth__ldap {
	pthread_mutex_t mu;
	struct auth__ldap_conf *conf; /* under mu; NULL: no directory configured */
	bool down;		      /* under mu: the directory was found unavailable (logged) */
	/* loop thread only: */
	struct worker *worker; /* "torg-ldap", made on first use */
	uv_timer_t timer;      /* the recheck of directory sessions */
	bool timer_init, rechecking, want_recheck;
	unsigned logins; /* sign-ins on the directory's worker */
};

/* ---- auth_ldap_map.c (pure) ---- */

/** Writes value escaped for a search filter (RFC 4515: * ( ) \ NUL as \2a \28 \29 \5c \00)
 *  into a new string (owned by the caller). */
char *auth__ldap_escape(const char *value);
/** filter with every occurrence of key (e.g. "{name}") replaced by value escaped as RFC
 *  4515 says; a new string owned by the caller. */
char *auth__ldap_expand(const char *filter, const char *key, const char *value);
/** Maps the user's groups (normalised DNs, compared without regard to case) to the highest
 *  role of the configured groups they are in and the union of their services (a group
 *  without services: all). Fills u->role and u->services (owned by u). Returns 0, or
 *  -ENOENT when the user is in no configured group. */
int auth__ldap_map(const struct auth__ldap_conf *c, char *const *groups, size_t ngroups,
		   struct auth_user *u);

/* ---- auth_ldap.c (blocking; the directory's worker) ---- */

/** A normalised copy of a DN for comparisons (owned by the caller); a DN libldap cannot
 *  parse comes back as given. Pure: no network. */
char *auth__ldap_dn_norm(const char *dn);
/** A new shared copy of l (refs 1), or NULL when l is NULL. */
struct auth__ldap_conf *auth__ldap_conf_new(const struct config_ldap *l);
/** The current configuration with a new reference, or NULL. Any thread. */
struct auth__ldap_conf *auth__ldap_conf_get(struct auth__ldap *x);
/** Drops a reference; NULL is fine. Any thread. */
void auth__ldap_conf_unref(struct auth__ldap *x, struct auth__ldap_conf *c);
/** Whether a directory is configured. Any thread. */
bool auth__ldap_enabled(struct auth *a);

/** Signs name in against the directory (on the directory's worker): lowercases name in
 *  place, refuses an empty password and a name outside [a-z0-9._-]{1,64} before any LDAP
 *  call, then binds as the service, finds the user, checks disabled_filter and the groups,
 *  binds as the user with password, and writes the user's row (auth_directory.c). Returns
 *  0 and *out (owned by the caller, directory set), -EACCES (refused; the log says why at
 *  info), -EHOSTDOWN (the directory cannot be reached: logged once per outage) or -EIO. */
int auth__ldap_login(struct auth *a, char *name, const char *password, struct auth_user **out);

/* The outcome of checking one user again. */
enum auth__ldap_verdict {
	AUTH__LDAP_OK,	 /* allowed; role and services in the user */
	AUTH__LDAP_GONE, /* no such user, disabled, or in no group */
};

/** Checks the users names[0..n) again over one connection (directory's worker): fills
 *  verdicts[i] and, for those allowed, users[i] (role, services; owned by the caller) and
 *  why[i] for the others (static text). Returns 0, or -EHOSTDOWN/-EIO when the directory
 *  could not answer for all of them (then nothing is to be changed). */
int auth__ldap_recheck(struct auth *a, struct auth__ldap_conf *c, char *const *names, size_t n,
		       enum auth__ldap_verdict *verdicts, struct auth_user *users,
		       const char **why);

/* ---- auth_directory.c ---- */

/** Writes (or updates) the directory user's row; on the directory's worker. Returns 0,
 *  -EACCES when a local user has that name, or -EIO. */
int auth__directory_put(struct auth *a, const struct auth_user *u);
/** The directory's worker, made on first use (loop thread), or NULL when it cannot be. */
struct worker *auth__directory_worker(struct auth *a);
/** Counts a sign-in onto the directory's worker; false (nothing counted) when
 *  AUTH__LDAP_LOGINS_MAX are there already. Loop thread. */
bool auth__directory_login_begin(struct auth *a);
/** Counts a sign-in off the directory's worker. Loop thread. */
void auth__directory_login_end(struct auth *a);
/** Starts the recheck timer (auth_start). */
void auth__directory_start(struct auth *a, uv_loop_t *loop);
/** Stops the timer and the directory's worker (auth_stop); each reports through
 *  auth__part_stopped. */
void auth__directory_stop(struct auth *a);
/** Frees the directory's state (auth_free). */
void auth__directory_free(struct auth *a);

/* ---- auth_session.c ---- */

/** One of auth's parts (a handle, the directory's worker) has stopped: counts it down from
 *  a->handles and finishes the stop when it was the last. */
void auth__part_stopped(struct auth *a);

#endif
