/*
 * auth_directory.c — the directory's users inside auth (auth_ldap.h). A user
 * who signs in through the directory gets a row in the users table like a
 * local user, with source 'directory' and AUTH_DIRECTORY_HASH for a hash
 * (no password of theirs is kept; the admin's list shows them), so that their sessions
 * live, survive a restart and refresh exactly as local ones do; the row's
 * role and services are the directory's groups mapped at the last sign-in or
 * check. Every recheck_s a check on the directory's worker asks the
 * directory about every such row again: a user who vanished, was disabled or
 * left every configured group loses the row and every session at once; one
 * whose groups changed gets the new role and services (the sessions pick them
 * up with the users generation). While the directory cannot be reached
 * nothing changes: an outage does not sign the floor out. Also here: the
 * configuration's life (auth_set_ldap), the directory's worker ("torg-ldap",
 * made on first use) and the recheck timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth_int.h"
#include "auth_ldap.h"
#include "util.h"

/* ---- the users table ---- */

/* The services of u joined with commas (the users table's form); owned by the caller. */
static char *services_join(const struct auth_user *u)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < u->nservices; i++) {
		char *t = xasprintf("%s%s%s", s, i ? "," : "", u->services[i]);
		free(s);
		s = t;
	}
	return s;
}

/* Runs sql binding the texts p[0..n); returns the rows changed or -EIO (db_mu held). */
static int db_run(struct auth *a, const char *sql, const char *const *p, int n)
{
	sqlite3_stmt *st = NULL;
	int rc = -EIO;
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) == SQLITE_OK) {
		for (int i = 0; i < n; i++)
			sqlite3_bind_text(st, i + 1, p[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = sqlite3_changes(a->db);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Bumps users_gen so that the sessions pick up the change (db_mu held, in a transaction). */
static int gen_bump(struct auth *a)
{
	return db_run(a, "UPDATE users_gen SET gen = gen + 1 WHERE id = 1", NULL, 0) == 1 ? 0
											  : -EIO;
}

/* Whether name's row forbids a directory sign-in: a local user's, or one disabled in torg
 * (the caller holds db_mu). */
static bool row_refuses(struct auth *a, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool refuses = false;
	if (sqlite3_prepare_v2(
		a->db, "SELECT " AUTH_USER_DIRECTORY_COL ", disabled FROM users WHERE name = ?", -1,
		&st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			refuses = sqlite3_column_int(st, 0) == 0 || sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_finalize(st);
	return refuses;
}

int auth__directory_put(struct auth *a, const struct auth_user *u)
{
	char *services = services_join(u), now[24];
	const char *p[] = {u->name, auth_role_name(u->role), services, AUTH_DIRECTORY_HASH, now};
	int rc = -EIO, n;
	snprintf(now, sizeof(now), "%lld", (long long)util_now_ms());
	pthread_mutex_lock(&a->db_mu);
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (row_refuses(a, u->name)) {
		rc = -EACCES;
	} else if ((n = db_run(a,
			       "INSERT INTO users (name, role, services, hash, created_ms, source)"
			       " VALUES (?1, ?2, ?3, ?4, CAST(?5 AS INTEGER), 'directory')"
			       " ON CONFLICT (name) DO UPDATE SET role = ?2, services = ?3"
			       " WHERE " AUTH_USER_DIRECTORY_COL
			       " AND (role != ?2 OR services != ?3)",
			       p, 5)) >= 0) {
		rc = n > 0 ? gen_bump(a) : 0;
	}
	if (rc == 0 && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -EIO;
	if (!sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&a->db_mu);
	free(services);
	return rc;
}

/* The names of every directory user's row into *out (n returned), or -EIO. */
static int rows_read(struct auth *a, char ***out)
{
	sqlite3_stmt *st = NULL;
	int n = 0, s = SQLITE_ERROR;
	*out = NULL;
	pthread_mutex_lock(&a->db_mu);
	if (sqlite3_prepare_v2(
		a->db, "SELECT name FROM users WHERE " AUTH_USER_DIRECTORY_COL " ORDER BY name", -1,
		&st, NULL) == SQLITE_OK) {
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			*out = xrealloc(*out, ((size_t)n + 1) * sizeof(**out));
			(*out)[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db_mu);
	return s == SQLITE_DONE ? n : -EIO;
}

/* Whether the users table has directory users (start-up only: reads on the loop thread). */
static bool directory_rows(struct auth *a)
{
	sqlite3_stmt *st = NULL;
	bool any = false;
	pthread_mutex_lock(&a->db_mu);
	if (sqlite3_prepare_v2(a->db,
			       "SELECT 1 FROM users WHERE " AUTH_USER_DIRECTORY_COL " LIMIT 1", -1,
			       &st, NULL) == SQLITE_OK)
		any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db_mu);
	return any;
}

/* ---- the recheck ---- */

/* One check of every directory user, on the directory's worker. */
struct recheck_job {
	struct worker_job wjob;
	struct auth *a;
	char **names;
	size_t n;
	enum auth__ldap_verdict *verdicts;
	struct auth_user *users;
	const char **why;
	int status;
};

/* Writes the verdicts into the users table in one transaction: the rows of those gone are
 *  deleted (their sessions end on the loop, with auth_end_user_sessions), changed roles and
 *  services updated. */
static int verdicts_apply(struct recheck_job *j)
{
	struct auth *a = j->a;
	bool changed = false;
	int rc = 0, n = 0;
	pthread_mutex_lock(&a->db_mu);
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		rc = -EIO;
	for (size_t i = 0; i < j->n && rc == 0; i++) {
		const char *name = j->names[i];
		if (j->verdicts[i] == AUTH__LDAP_GONE) {
			const char *p[] = {name};
			n = db_run(a,
				   "DELETE FROM users WHERE name = ?1 AND " AUTH_USER_DIRECTORY_COL,
				   p, 1);
		} else {
			char *services = services_join(&j->users[i]);
			const char *p[] = {name, auth_role_name(j->users[i].role), services};
			n = db_run(a,
				   "UPDATE users SET role = ?2, services = ?3 WHERE name = ?1 "
				   "AND " AUTH_USER_DIRECTORY_COL
				   " AND (role != ?2 OR services != ?3)",
				   p, 3);
			free(services);
		}
		rc = n < 0 ? -EIO : 0;
		changed = changed || n > 0;
	}
	if (rc == 0 && changed)
		rc = gen_bump(a);
	if (rc == 0 && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -EIO;
	if (!sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&a->db_mu);
	return rc;
}

/* Asks the directory about every directory user and writes what it says (worker thread). */
static void recheck_work_cb(struct worker_job *wj)
{
	struct recheck_job *j = wj->data;
	struct auth__ldap_conf *c = auth__ldap_conf_get(j->a->ldap);
	int n = rows_read(j->a, &j->names);
	j->status = n < 0 ? -EIO : 0;
	j->n = n < 0 ? 0 : (size_t)n;
	if (j->n > 0) {
		j->verdicts = xcalloc(j->n, sizeof(*j->verdicts));
		j->users = xcalloc(j->n, sizeof(*j->users));
		j->why = xcalloc(j->n, sizeof(*j->why));
		for (size_t i = 0; i < j->n; i++) {
			j->verdicts[i] = AUTH__LDAP_GONE;
			j->why[i] = "the directory is no longer configured (auth.ldap)";
		}
		if (c)
			j->status = auth__ldap_recheck(j->a, c, j->names, j->n, j->verdicts,
						       j->users, j->why);
		if (j->status == 0)
			j->status = verdicts_apply(j);
	}
	auth__ldap_conf_unref(j->a->ldap, c);
}

/* Frees a recheck job. */
static void recheck_free(struct recheck_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->names[i]);
		for (size_t k = 0; j->users && k < j->users[i].nservices; k++)
			free(j->users[i].services[k]);
		if (j->users)
			free(j->users[i].services);
	}
	free(j->names);
	free(j->users);
	free(j->verdicts);
	free(j->why);
	free(j);
}

static void recheck_kick(struct auth *a);

/* Ends the sessions of those the directory no longer allows (loop thread). */
static void recheck_done_cb(struct worker_job *wj, int status)
{
	struct recheck_job *j = wj->data;
	struct auth *a = j->a;
	a->ldap->rechecking = false;
	for (size_t i = 0; status == 0 && j->status == 0 && i < j->n; i++) {
		if (j->verdicts[i] != AUTH__LDAP_GONE)
			continue;
		log_info("directory user %s may no longer sign in (%s): their sessions end",
			 j->names[i], j->why[i] ? j->why[i] : "refused");
		auth_end_user_sessions(a, j->names[i]);
	}
	recheck_free(j);
	recheck_kick(a);
}

/* Queues a check of the directory users when one is due and none is under way. */
static void recheck_kick(struct auth *a)
{
	struct auth__ldap *x = a->ldap;
	struct worker *w;
	if (!x->want_recheck || x->rechecking || !a->started || a->stopping ||
	    !(w = auth__directory_worker(a)))
		return;
	struct recheck_job *j = xcalloc(1, sizeof(*j));
	j->a = a;
	j->wjob.data = j;
	x->want_recheck = false;
	if (worker_queue(w, &j->wjob, recheck_work_cb, recheck_done_cb) == 0)
		x->rechecking = true;
	else
		free(j);
}

/* Every recheck_s: a check of the directory users. */
static void timer_cb(uv_timer_t *t)
{
	struct auth *a = t->data;
	a->ldap->want_recheck = true;
	recheck_kick(a);
}

/* ---- life ---- */

/* a's directory state, made on first use. */
static struct auth__ldap *state_of(struct auth *a)
{
	if (!a->ldap) {
		a->ldap = xcalloc(1, sizeof(*a->ldap));
		pthread_mutex_init(&a->ldap->mu, NULL);
	}
	return a->ldap;
}

/* (Re)starts the recheck timer for the current configuration, or stops it without one. */
static void timer_set(struct auth *a)
{
	struct auth__ldap *x = a->ldap;
	if (!x->timer_init || a->stopping)
		return;
	uint64_t ms = x->conf ? (uint64_t)x->conf->c->recheck_s * 1000 : 0;
	if (ms)
		uv_timer_start(&x->timer, timer_cb, ms, ms);
	else
		uv_timer_stop(&x->timer);
}

void auth_set_ldap(struct auth *a, const struct config_ldap *l)
{
	struct auth__ldap *x = state_of(a);
	struct auth__ldap_conf *c = auth__ldap_conf_new(l), *old;
	pthread_mutex_lock(&x->mu);
	old = x->conf;
	x->conf = c;
	x->down = false;
	pthread_mutex_unlock(&x->mu);
	auth__ldap_conf_unref(x, old);
	timer_set(a);
	/* the groups' roles may have changed, or the directory gone: check everyone now (at
	 * once when started, else at auth_start) */
	x->want_recheck = old || c;
	recheck_kick(a);
}

const char *auth_ldap_url(struct auth *a)
{
	return a->ldap && a->ldap->conf ? a->ldap->conf->c->url : NULL;
}

int auth_ldap_up(struct auth *a)
{
	struct auth__ldap *x = a->ldap;
	if (!x)
		return -1;
	pthread_mutex_lock(&x->mu);
	int up = x->conf ? !x->down : -1;
	pthread_mutex_unlock(&x->mu);
	return up;
}

/* The directory's worker has stopped. */
static void worker_stopped_cb(void *arg)
{
	struct auth *a = arg;
	worker_free(a->ldap->worker);
	a->ldap->worker = NULL;
	auth__part_stopped(a);
}

/* The recheck timer has closed. */
static void timer_closed_cb(uv_handle_t *h)
{
	auth__part_stopped(h->data);
}

struct worker *auth__directory_worker(struct auth *a)
{
	struct auth__ldap *x = state_of(a);
	if (x->worker || !a->started || a->stopping)
		return x->worker;
	if (worker_create(a->loop, "torg-ldap", 1, 0, &x->worker) < 0) {
		x->worker = NULL;
		log_warn("directory: cannot start its worker thread");
		return NULL;
	}
	a->handles++;
	return x->worker;
}

bool auth__directory_login_begin(struct auth *a)
{
	struct auth__ldap *x = state_of(a);
	if (x->logins >= AUTH__LDAP_LOGINS_MAX)
		return false;
	x->logins++;
	return true;
}

void auth__directory_login_end(struct auth *a)
{
	a->ldap->logins--;
}

void auth__directory_start(struct auth *a, uv_loop_t *loop)
{
	struct auth__ldap *x = state_of(a);
	uv_timer_init(loop, &x->timer);
	x->timer.data = a;
	uv_unref((uv_handle_t *)&x->timer);
	x->timer_init = true;
	a->handles++;
	timer_set(a);
	/* at start the directory's users are checked at once: with a directory, for what
	 * changed while torgd was down; without one, they may no longer sign in at all */
	x->want_recheck = x->conf || directory_rows(a);
	recheck_kick(a);
}

void auth__directory_stop(struct auth *a)
{
	struct auth__ldap *x = a->ldap;
	if (!x)
		return;
	if (x->timer_init) {
		uv_timer_stop(&x->timer);
		uv_close((uv_handle_t *)&x->timer, timer_closed_cb);
	}
	if (x->worker)
		worker_stop(x->worker, worker_stopped_cb, a);
}

void auth__directory_free(struct auth *a)
{
	struct auth__ldap *x = a->ldap;
	if (!x)
		return;
	auth__ldap_conf_unref(x, x->conf);
	pthread_mutex_destroy(&x->mu);
	free(x);
	a->ldap = NULL;
}
