/*
 * auth_session.c — the started half of auth: sessions. Tokens are 32 random
 * bytes shown as hex; only their SHA-256 reaches the "sessions" table. Every
 * live session sits in a hash map keyed by that SHA-256 for O(1) lookups on
 * the loop thread; password checks, session writes and the refresh (which
 * drops sessions whose row or user vanished and picks up role changes) run on
 * auth's own worker thread ("torg-auth", one thread, so yescrypt never takes
 * more than one core from the loop and the store's commit thread). At most
 * AUTH_LOGIN_QUEUE_MAX logins wait or hash at a time. The refresh runs in
 * full every refresh interval, and besides once a second as a check of the
 * users table's generation that reloads only when a user was added or
 * removed (by `torgd user` in another process), so a removed user's sessions
 * end within about a second. A stop cancels the jobs still waiting; a
 * cancelled logout still deletes its session row, and a login that finishes
 * during the stop deletes the row it wrote (both on the loop: no session
 * survives a stop that nobody holds or that was logged out). Users handed
 * out as borrowed pointers are freed only after the loop has turned (the map
 * and its graveyard are in auth_map.c). A user's sessions can also be ended
 * all at once (an admin's change, or a refresh that finds them gone), and
 * then the end callback tells the api, which closes their WebSockets.
 */
#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "auth_int.h"
#include "auth_ldap.h"
#include "util.h"

enum auth_job_kind {
	AUTH_JOB_LOGIN,
	AUTH_JOB_LOGOUT,
	AUTH_JOB_REFRESH,
	AUTH_JOB_END,
	AUTH_JOB_CALL
};

/* A unit of blocking work for auth's worker and its result. */
struct auth_job {
	struct worker_job wjob;
	struct auth *a;
	enum auth_job_kind kind;
	int status;
	uint8_t hash[32];	      /* login: new session; logout: session to delete */
	char name[AUTH_NAME_MAX + 1]; /* login, end: the user */
	uint64_t login_no;	      /* login: its number; end: the newest login it ends */
	int64_t created_ms;	      /* login */
	char *password;		      /* login, wiped after use */
	char token[65];		      /* login result */
	int64_t ttl_ms, expires_ms;   /* login */
	struct auth_user *user;	      /* login result, refresh: sorted array of users */
	size_t nusers;		      /* refresh */
	uint8_t (*hashes)[32];	      /* refresh: sorted session hashes in the DB */
	size_t nhashes;		      /* refresh */
	uint64_t gen;		      /* refresh: sessions born before it are checked */
	bool full;		      /* refresh: reload even when users_gen is unchanged */
	bool reloaded;		      /* refresh: the reload ran (else nothing changed) */
	int64_t users_gen;	      /* refresh: in the known generation, out the one read */
	void (*login_cb)(int status, const char *token, const struct auth_user *user, void *arg);
	void *arg;
	void (*call_work)(void *ctx); /* call: auth__call's work and done, on arg */
	void (*call_done)(void *ctx, int status);
	bool in_directory; /* login: queued on the directory's worker */
};
/* Parses a 64-hex token and writes its SHA-256; returns 0 or -EINVAL. */
static int token_hash(const char *token, uint8_t hash[32])
{
	uint8_t raw[32];
	if (!token || util_unhex(token, strnlen(token, 65), raw, sizeof raw) < 0)
		return -EINVAL;
	auth__sha256(raw, sizeof raw, hash);
	return 0;
}

/* ---- jobs on auth's worker ---- */

static void session_write(struct auth_job *j);

/* Looks the user up, checks the password and writes a new session (worker thread); a name
 * that is no local user's goes on to the directory when one is set. */
static void login_work(struct auth_job *j)
{
	struct auth *a = j->a;
	char stored[CRYPT_OUTPUT_SIZE] = "";
	sqlite3_stmt *st = NULL;
	const char *dummy = auth__dummy_hash(); /* the first login of any kind makes it */
	bool known = false;
	if (auth__name_valid(j->name) && strlen(j->password) <= AUTH_PASSWORD_MAX) {
		pthread_mutex_lock(&a->db_mu);
		int s = sqlite3_prepare_v2(
		    a->db,
		    "SELECT name, role, services, hash, disabled, " AUTH_USER_DIRECTORY_COL
		    " FROM users WHERE name = ?",
		    -1, &st, NULL);
		if (s == SQLITE_OK) {
			sqlite3_bind_text(st, 1, j->name, -1, SQLITE_STATIC);
			s = sqlite3_step(st);
		}
		if (s == SQLITE_ROW) {
			const char *h = (const char *)sqlite3_column_text(st, 3);
			bool disabled = sqlite3_column_int(st, 4) != 0;
			/* a local or disabled user is never asked of the directory */
			known = sqlite3_column_int(st, 5) == 0 || disabled;
			/* a user with no password yet ("!": a reset code is due) is checked
			 * against the dummy hash like an unknown one */
			if (h && h[0] == '$' && !disabled && strlen(h) < sizeof stored) {
				strcpy(stored, h);
				j->user = auth__user_from_row(st, 0);
			}
		} else if (s != SQLITE_DONE) {
			j->status = -EIO;
		}
		sqlite3_finalize(st);
		pthread_mutex_unlock(&a->db_mu);
		if (j->status < 0)
			return;
	}
	if (!known && auth__ldap_enabled(a) && strlen(j->password) <= AUTH_PASSWORD_MAX) {
		j->status = AUTH__STATUS_DIRECTORY; /* on to the directory's own worker */
		return;
	}
	/* an unknown user costs one hash too, so timing does not reveal names */
	bool ok = auth__password_check(j->password, j->user ? stored : dummy) && j->user;
	explicit_bzero(j->password, strlen(j->password));
	explicit_bzero(stored, sizeof stored);
	if (!ok) {
		j->status = -EACCES;
		return;
	}
	session_write(j);
}

/* Asks the directory about the name and password (the directory's worker thread); the
 * session row is then written on auth's worker, in order with ends of sessions. */
static void directory_work_cb(struct worker_job *wj)
{
	struct auth_job *j = wj->data;
	j->status = auth__ldap_login(j->a, j->name, j->password, &j->user);
	explicit_bzero(j->password, strlen(j->password));
	if (j->status == 0)
		j->status = AUTH__STATUS_WRITE;
}

/* Writes the session of a directory sign-in (auth's worker thread). */
static void write_work_cb(struct worker_job *wj)
{
	session_write(wj->data);
}

/* Writes a new session for j->name with a fresh token (worker thread). */
static void session_write(struct auth_job *j)
{
	struct auth *a = j->a;
	sqlite3_stmt *st = NULL;
	uint8_t raw[32];
	util_random(raw, sizeof raw);
	util_hex(raw, sizeof raw, j->token);
	auth__sha256(raw, sizeof raw, j->hash);
	explicit_bzero(raw, sizeof raw);
	int64_t now = util_now_ms();
	j->created_ms = now;
	j->expires_ms = now + j->ttl_ms;
	pthread_mutex_lock(&a->db_mu);
	j->status = -EIO;
	if (sqlite3_prepare_v2(a->db,
			       "INSERT INTO sessions (token_hash, user, created_ms,"
			       " expires_ms) SELECT ?1, ?2, ?3, ?4"
			       " WHERE EXISTS (SELECT 1 FROM users WHERE name = ?2"
			       " AND disabled = 0)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, j->hash, sizeof j->hash, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, j->expires_ms);
		if (sqlite3_step(st) == SQLITE_DONE) /* no row: the user was just removed */
			j->status = sqlite3_changes(a->db) == 1 ? 0 : -EACCES;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db_mu);
}

/* Deletes one session row (worker thread). */
static void logout_work(struct auth_job *j)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&j->a->db_mu);
	j->status = -EIO;
	if (sqlite3_prepare_v2(j->a->db, "DELETE FROM sessions WHERE token_hash = ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, j->hash, sizeof j->hash, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			j->status = 0;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->a->db_mu);
}

/* Deletes every session row of a user (worker thread). */
static void end_work(struct auth_job *j)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&j->a->db_mu);
	j->status = -EIO;
	if (sqlite3_prepare_v2(j->a->db, "DELETE FROM sessions WHERE user = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, j->name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			j->status = 0;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&j->a->db_mu);
}

/* Reads users_gen and, when it changed or the refresh is a full one, purges expired rows
 *  and reads all users and live session hashes, sorted (worker thread). */
static void refresh_work(struct auth_job *j)
{
	struct auth *a = j->a;
	sqlite3_stmt *su = NULL, *ss = NULL, *sd = NULL;
	int s = SQLITE_ERROR;
	int64_t gen = 0;
	pthread_mutex_lock(&a->db_mu);
	if (auth__gen_read(a, &gen) < 0)
		goto out;
	if (!j->full && gen == j->users_gen) {
		s = SQLITE_DONE; /* nothing changed: the cheap check is all */
		goto out;
	}
	j->users_gen = gen; /* read first: a change made during the reload is seen next time */
	j->reloaded = true;
	if (sqlite3_prepare_v2(a->db, "DELETE FROM sessions WHERE expires_ms <= ?", -1, &sd,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db,
			       "SELECT name, role, services, " AUTH_USER_DIRECTORY_COL
			       " FROM users WHERE disabled = 0 ORDER BY name",
			       -1, &su, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(a->db, "SELECT token_hash FROM sessions ORDER BY token_hash", -1,
			       &ss, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(sd, 1, util_now_ms());
	if ((s = sqlite3_step(sd)) != SQLITE_DONE)
		goto out;
	while ((s = sqlite3_step(su)) == SQLITE_ROW) {
		struct auth_user *u = auth__user_from_row(su, 0);
		if (!u)
			continue;
		u->directory = sqlite3_column_int(su, 3) != 0;
		j->user = xrealloc(j->user, (j->nusers + 1) * sizeof *j->user);
		j->user[j->nusers++] = *u;
		free(u);
	}
	if (s != SQLITE_DONE)
		goto out;
	while ((s = sqlite3_step(ss)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(ss, 0) != 32)
			continue;
		j->hashes = xrealloc(j->hashes, (j->nhashes + 1) * sizeof *j->hashes);
		memcpy(j->hashes[j->nhashes++], sqlite3_column_blob(ss, 0), 32);
	}
out:
	j->status = s == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(sd);
	sqlite3_finalize(su);
	sqlite3_finalize(ss);
	pthread_mutex_unlock(&a->db_mu);
}

/* Runs a job's blocking part (worker thread). */
static void job_work_cb(struct worker_job *wj)
{
	struct auth_job *j = wj->data;
	if (j->kind == AUTH_JOB_LOGIN)
		login_work(j);
	else if (j->kind == AUTH_JOB_LOGOUT)
		logout_work(j);
	else if (j->kind == AUTH_JOB_END)
		end_work(j);
	else if (j->kind == AUTH_JOB_CALL)
		j->call_work(j->arg);
	else
		refresh_work(j);
}

/* Compares a user name with a user in a sorted array (bsearch). */
static int user_cmp(const void *key, const void *el)
{
	return strcmp(key, ((const struct auth_user *)el)->name);
}

/* Compares a token hash with one in a sorted array (bsearch). */
static int hash_cmp(const void *key, const void *el)
{
	return memcmp(key, el, 32);
}

/* Adds name to the list of users whose sessions ended (once each). */
static void ended_add(char (**v)[AUTH_NAME_MAX + 1], size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], name) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	strcpy((*v)[(*n)++], name);
}

/* Tells the end callback about each user in v, then frees v. */
static void ended_tell(struct auth *a, char (*v)[AUTH_NAME_MAX + 1], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a->end_cb)
			a->end_cb(v[i], a->end_arg);
	free(v);
}

/* Drops sessions whose row or user is gone or that expired, and updates changed users;
 * the users whose sessions went for a reason other than expiry are told to end_cb. */
static void refresh_apply(struct auth *a, struct auth_job *j)
{
	int64_t now = util_now_ms();
	char(*ended)[AUTH_NAME_MAX + 1] = NULL;
	size_t nended = 0;
	for (size_t b = 0; b < a->nbuckets; b++) {
		for (struct auth_session **pp = &a->buckets[b]; *pp;) {
			struct auth_session *s = *pp;
			const struct auth_user *u = NULL;
			bool drop = s->expires_ms <= now;
			if (!drop && s->born < j->gen) {
				/* (bsearch wants a base even for none: an empty table, or every
				 * user disabled, has none) */
				u = j->nusers ? bsearch(s->user->name, j->user, j->nusers,
							sizeof *j->user, user_cmp)
					      : NULL;
				drop = !u || !j->nhashes ||
				       !bsearch(s->hash, j->hashes, j->nhashes, sizeof *j->hashes,
						hash_cmp);
			}
			if (drop) {
				if (s->expires_ms > now)
					ended_add(&ended, &nended, s->user->name);
				auth__map_unlink(a, pp);
				continue;
			}
			if (u && !auth__user_same(u, s->user)) {
				auth__grave_add(a, s->user);
				s->user = auth__user_dup(u);
			}
			pp = &s->next;
		}
	}
	ended_tell(a, ended, nended);
}

/* Unlinks the sessions of name whose login was queued no later than login_no; returns
 * how many. */
static int unlink_user(struct auth *a, const char *name, uint64_t login_no)
{
	int n = 0;
	for (size_t b = 0; b < a->nbuckets; b++) {
		for (struct auth_session **pp = &a->buckets[b]; *pp;) {
			if ((*pp)->login_no <= login_no && strcmp((*pp)->user->name, name) == 0) {
				auth__map_unlink(a, pp);
				n++;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	return n;
}

/* Frees a job and everything it still holds, wiping secrets. */
static void job_free(struct auth_job *j)
{
	if (j->password) {
		explicit_bzero(j->password, strlen(j->password));
		free(j->password);
	}
	explicit_bzero(j->token, sizeof j->token);
	if (j->kind == AUTH_JOB_REFRESH) {
		for (size_t i = 0; i < j->nusers; i++) {
			for (size_t k = 0; k < j->user[i].nservices; k++)
				free(j->user[i].services[k]);
			free(j->user[i].services);
		}
		free(j->user);
	} else {
		auth__user_free(j->user);
	}
	free(j->hashes);
	free(j);
}

/* Calls the stop callback once the worker has stopped and every handle has closed. */
static void maybe_done(struct auth *a)
{
	if (!a->stopping || a->worker || a->handles || !a->done_cb)
		return;
	void (*cb)(void *) = a->done_cb;
	a->done_cb = NULL;
	cb(a->done_arg); /* may free a */
}

static void refresh_kick(struct auth *a);

static void job_after_cb(struct worker_job *wj, int status);

/* Moves a directory sign-in on (loop thread): from auth's worker to the directory's, and
 * back to auth's for the session row, which then counts as a login queued now (an end of
 * the user's sessions queued meanwhile has been ordered before it on auth's worker).
 * Returns whether j was queued again; else j is finished with its status. Directory
 * sign-ins count apart from a->logins, so a slow directory never fills the queue that
 * local (break-glass) sign-ins wait in. */
static bool directory_step(struct auth *a, struct auth_job *j)
{
	struct worker *w;
	if (j->in_directory) {
		j->in_directory = false;
		auth__directory_login_end(a);
		a->logins++;
		if (j->status != AUTH__STATUS_WRITE)
			return false;
		j->status = -ECANCELED;
		j->login_no = ++a->login_no;
		return !a->stopping &&
		       worker_queue(a->worker, &j->wjob, write_work_cb, job_after_cb) == 0;
	}
	if (j->status != AUTH__STATUS_DIRECTORY)
		return false;
	if (a->stopping || !(w = auth__directory_worker(a))) {
		j->status = a->stopping ? -ECANCELED : -EIO;
		return false;
	}
	if (!auth__directory_login_begin(a)) {
		j->status = -EAGAIN; /* the directory is slow and many wait for it */
		return false;
	}
	j->status = 0;
	if (worker_queue(w, &j->wjob, directory_work_cb, job_after_cb) != 0) {
		auth__directory_login_end(a);
		j->status = -ECANCELED;
		return false;
	}
	j->in_directory = true;
	a->logins--;
	return true;
}

/* Delivers a job's result on the loop thread (status -ECANCELED: it never ran). */
static void job_after_cb(struct worker_job *wj, int status)
{
	struct auth_job *j = wj->data;
	struct auth *a = j->a;
	if (status == -ECANCELED)
		j->status = -ECANCELED;
	if (j->kind == AUTH_JOB_LOGIN) {
		const struct auth_user *u = NULL;
		if (directory_step(a, j))
			return; /* back here once the directory has answered */
		a->logins--;
		if (j->status == 0 && a->stopping) {
			logout_work(j); /* nobody will get the token: drop its row */
			j->status = -ECANCELED;
		}
		if (j->status == 0) {
			u = auth__map_add(a, j->hash, j->created_ms, j->expires_ms, j->login_no,
					  j->user)
				->user;
			j->user = NULL;
		}
		j->login_cb(j->status, j->status == 0 ? j->token : NULL, u, j->arg);
	} else if (j->kind == AUTH_JOB_REFRESH) {
		a->refreshing = false;
		if (j->status == 0 && !a->stopping) {
			if (j->reloaded)
				refresh_apply(a, j);
			a->users_gen = j->users_gen;
		} else if (j->status < 0 && j->status != -ECANCELED) {
			log_warn("auth: session refresh failed");
		}
		refresh_kick(a);
	} else if (j->kind == AUTH_JOB_CALL) {
		j->call_done(j->arg, status);
	} else if (j->kind == AUTH_JOB_END) {
		if (j->status == -ECANCELED)
			end_work(j); /* stopping: the rows must still go */
		if (j->status < 0)
			log_warn("auth: cannot delete a user's session rows");
		/* a login under way at the end has written its row before the delete (one
		 * worker, in order) and may have reached the map since: it goes too */
		if (unlink_user(a, j->name, j->login_no) > 0 && a->end_cb)
			a->end_cb(j->name, a->end_arg);
	} else {
		if (j->status == -ECANCELED)
			logout_work(j); /* stopping: the row must still go, so do it here */
		if (j->status < 0)
			log_warn("auth: cannot delete a session row");
	}
	job_free(j);
}

/* A new job of the given kind for a. */
static struct auth_job *job_new(struct auth *a, enum auth_job_kind kind)
{
	struct auth_job *j = xcalloc(1, sizeof *j);
	j->a = a;
	j->kind = kind;
	j->wjob.data = j;
	return j;
}

/* Queues j on auth's worker; on failure frees it. Returns 0 or -ECANCELED (stopping). */
static int job_queue(struct auth_job *j)
{
	int rc = worker_queue(j->a->worker, &j->wjob, job_work_cb, job_after_cb);
	if (rc < 0)
		job_free(j);
	return rc;
}

/* ---- the started module ---- */

/* Queues the refresh that is due (a full one, else a users_gen check) unless one is in
 *  flight; job_after_cb calls it again when that one is over. */
static void refresh_kick(struct auth *a)
{
	if (a->refreshing || a->stopping || !(a->want_full || a->want_check))
		return;
	struct auth_job *j = job_new(a, AUTH_JOB_REFRESH);
	j->full = a->want_full;
	j->users_gen = a->users_gen;
	j->gen = ++a->gen;
	a->want_full = a->want_check = false;
	if (job_queue(j) == 0)
		a->refreshing = true;
}

/* Every refresh interval: a full refresh. */
static void timer_cb(uv_timer_t *t)
{
	struct auth *a = t->data;
	a->want_full = true;
	refresh_kick(a);
}

/* Every second: a check of users_gen (one SELECT), reloading only when it changed. */
static void gen_timer_cb(uv_timer_t *t)
{
	struct auth *a = t->data;
	a->want_check = true;
	refresh_kick(a);
}

/* The worker has stopped: every job has been handed back. */
static void worker_stopped_cb(void *arg)
{
	struct auth *a = arg;
	worker_free(a->worker);
	a->worker = NULL;
	maybe_done(a);
}

/* Counts a stopped part (a handle, the directory's worker) and finishes stopping when it was
 * the last. */
void auth__part_stopped(struct auth *a)
{
	a->handles--;
	maybe_done(a);
}

/* Counts a closed handle. */
static void close_cb(uv_handle_t *h)
{
	auth__part_stopped(h->data);
}

int auth_start(struct auth *a, uv_loop_t *loop)
{
	sqlite3_stmt *st = NULL;
	int rc = -EIO, s;
	if (a->started)
		return -EALREADY;
	/* start-up only: the loop serves nobody yet, so read synchronously */
	pthread_mutex_lock(&a->db_mu);
	if (auth__gen_read(a, &a->users_gen) == 0 &&
	    sqlite3_prepare_v2(a->db,
			       "SELECT s.token_hash, s.expires_ms, s.created_ms, u.name, u.role,"
			       " u.services, " AUTH_USER_DIRECTORY_COL
			       " FROM sessions s JOIN users u ON u.name = s.user"
			       " WHERE s.expires_ms > ? AND u.disabled = 0",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, util_now_ms());
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			struct auth_user *u = auth__user_from_row(st, 3);
			if (!u || sqlite3_column_bytes(st, 0) != 32) {
				auth__user_free(u);
				continue;
			}
			u->directory = sqlite3_column_int(st, 6) != 0;
			auth__map_add(a, sqlite3_column_blob(st, 0), sqlite3_column_int64(st, 2),
				      sqlite3_column_int64(st, 1), 0, u);
		}
		if (s == SQLITE_DONE)
			rc = 0;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db_mu);
	if (rc == 0)
		rc = worker_create(loop, "torg-auth", 1, 0, &a->worker);
	if (rc < 0) {
		auth__map_clear(a); /* as if never started */
		return rc;
	}
	a->loop = loop;
	a->started = true;
	uv_timer_init(loop, &a->timer);
	uv_timer_init(loop, &a->gen_timer);
	uv_check_init(loop, &a->check);
	a->timer.data = a->gen_timer.data = a->check.data = a;
	uv_unref((uv_handle_t *)&a->timer);
	uv_unref((uv_handle_t *)&a->gen_timer);
	uv_unref((uv_handle_t *)&a->check);
	a->handles = 3;
	uv_timer_start(&a->timer, timer_cb, a->refresh_ms, a->refresh_ms);
	uv_timer_start(&a->gen_timer, gen_timer_cb, AUTH_GEN_CHECK_MS, AUTH_GEN_CHECK_MS);
	auth__directory_start(a, loop);
	return 0;
}

void auth_stop(struct auth *a, void (*done_cb)(void *arg), void *arg)
{
	if (!a->started) {
		if (done_cb)
			done_cb(arg);
		return;
	}
	if (a->stopping)
		return;
	a->stopping = true;
	a->done_cb = done_cb;
	a->done_arg = arg;
	uv_timer_stop(&a->timer);
	uv_timer_stop(&a->gen_timer);
	uv_check_stop(&a->check);
	uv_close((uv_handle_t *)&a->timer, close_cb);
	uv_close((uv_handle_t *)&a->gen_timer, close_cb);
	uv_close((uv_handle_t *)&a->check, close_cb);
	/* waiting jobs come back cancelled, the running one finishes */
	worker_stop(a->worker, worker_stopped_cb, a);
	auth__directory_stop(a);
}

int auth_login(struct auth *a, const char *name, const char *password,
	       void (*cb)(int status, const char *token, const struct auth_user *user, void *arg),
	       void *arg)
{
	if (!a->started || !name || !password || !cb)
		return -EINVAL;
	if (a->stopping)
		return -ECANCELED;
	if (a->logins >= AUTH_LOGIN_QUEUE_MAX)
		return -EAGAIN;
	struct auth_job *j = job_new(a, AUTH_JOB_LOGIN);
	if (strlen(name) <= AUTH_NAME_MAX)
		strcpy(j->name, name); /* else left empty: fails like an unknown user */
	j->password = xstrdup(password);
	j->ttl_ms = a->ttl_ms;
	j->login_no = ++a->login_no;
	j->login_cb = cb;
	j->arg = arg;
	int rc = job_queue(j);
	if (rc == 0)
		a->logins++;
	return rc;
}

const struct auth_user *auth_session_user(struct auth *a, const char *token)
{
	uint8_t h[32];
	struct auth_session **pp;
	if (token_hash(token, h) < 0 || !(pp = auth__map_find(a, h)))
		return NULL;
	if ((*pp)->expires_ms <= util_now_ms()) {
		auth__map_unlink(a, pp);
		return NULL;
	}
	return (*pp)->user;
}

int auth_logout(struct auth *a, const char *token)
{
	uint8_t h[32];
	struct auth_session **pp;
	if (token_hash(token, h) < 0 || !(pp = auth__map_find(a, h)))
		return -ENOENT;
	auth__map_unlink(a, pp);
	struct auth_job *j = job_new(a, AUTH_JOB_LOGOUT);
	memcpy(j->hash, h, sizeof h);
	if (a->stopping) {
		logout_work(j); /* no worker to take it: the row must go all the same */
		if (j->status < 0)
			log_warn("auth: cannot delete a session row");
		job_free(j);
		return 0;
	}
	if (job_queue(j) < 0)
		log_warn("auth: cannot queue a session delete");
	return 0;
}

int auth__call(struct auth *a, void (*work)(void *ctx), void (*done)(void *ctx, int status),
	       void *ctx)
{
	if (!a->started)
		return -EINVAL;
	if (a->stopping)
		return -ECANCELED;
	struct auth_job *j = job_new(a, AUTH_JOB_CALL);
	j->call_work = work;
	j->call_done = done;
	j->arg = ctx;
	return job_queue(j);
}

int auth_end_user_sessions(struct auth *a, const char *name)
{
	if (!name || strlen(name) > AUTH_NAME_MAX)
		return 0;
	int n = unlink_user(a, name, UINT64_MAX);
	if (a->started) {
		struct auth_job *j = job_new(a, AUTH_JOB_END);
		strcpy(j->name, name);
		j->login_no = a->login_no;
		if (a->stopping) {
			end_work(j); /* no worker to take it: the rows must go all the same */
			if (j->status < 0)
				log_warn("auth: cannot delete a user's session rows");
			job_free(j);
		} else if (job_queue(j) < 0) {
			log_warn("auth: cannot queue a user's session delete");
		}
	}
	if (a->end_cb)
		a->end_cb(name, a->end_arg);
	return n;
}

/* The session id of a token hash: the first 16 hex digits of its SHA-256. */
static void hash_id(const uint8_t hash[32], char out[17])
{
	uint8_t h2[32];
	auth__sha256(hash, 32, h2);
	util_hex(h2, 8, out);
	out[16] = '\0';
}

bool auth_session_id(const char *token, char out[17])
{
	uint8_t h[32];
	if (token_hash(token, h) < 0)
		return false;
	hash_id(h, out);
	return true;
}

void auth_session_each(struct auth *a, void (*cb)(const struct auth_session_info *si, void *arg),
		       void *arg)
{
	int64_t now = util_now_ms();
	for (size_t b = 0; b < a->nbuckets; b++) {
		for (struct auth_session *s = a->buckets[b]; s; s = s->next) {
			if (s->expires_ms <= now)
				continue;
			struct auth_session_info si = {.user = s->user,
						       .created_ms = s->created_ms};
			hash_id(s->hash, si.id);
			cb(&si, arg);
		}
	}
}

int auth_end_session(struct auth *a, const char *id, char name[65])
{
	char sid[17];
	for (size_t b = 0; b < a->nbuckets; b++) {
		for (struct auth_session **pp = &a->buckets[b]; *pp; pp = &(*pp)->next) {
			hash_id((*pp)->hash, sid);
			if (strcmp(sid, id) != 0)
				continue;
			char who[AUTH_NAME_MAX + 1];
			strcpy(who, (*pp)->user->name);
			struct auth_job *j = job_new(a, AUTH_JOB_LOGOUT);
			memcpy(j->hash, (*pp)->hash, sizeof j->hash);
			auth__map_unlink(a, pp);
			if (job_queue(j) < 0)
				log_warn("auth: cannot queue a session delete");
			if (name)
				strcpy(name, who);
			if (a->end_cb)
				a->end_cb(who, a->end_arg);
			return 0;
		}
	}
	return -ENOENT;
}

void auth_set_end_cb(struct auth *a, void (*cb)(const char *name, void *arg), void *arg)
{
	a->end_cb = cb;
	a->end_arg = arg;
}

void auth_set_session_ttl(struct auth *a, int64_t ttl_ms)
{
	a->ttl_ms = ttl_ms;
}

void auth_set_refresh_interval(struct auth *a, uint64_t interval_ms)
{
	a->refresh_ms = interval_ms ? interval_ms : 1;
	if (a->started && !a->stopping)
		uv_timer_start(&a->timer, timer_cb, a->refresh_ms, a->refresh_ms);
}
