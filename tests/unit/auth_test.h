/*
 * auth_test.h — what the auth unit tests (test_auth.c, test_auth_session.c)
 * share: a temporary directory and database, one libuv loop with helpers that
 * run it until a flag is set or a time has passed, synchronous-looking logins,
 * one-shot SQL on a separate connection, and adding and listing users with
 * counted checks. Include it once, after check.h, in the test's own .c file.
 */
#ifndef TORG_AUTH_TEST_H
#define TORG_AUTH_TEST_H

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "util.h"

static char tmpdir[64], db_path[128];
static uv_loop_t loop;
static uv_timer_t wait_timer;

/* ---- loop helpers ---- */

/* Sets the flag the timer was given. */
static inline void wait_timer_cb(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

/* Runs the loop until *flag is set or timeout_ms passes; returns whether the flag was set. */
static inline bool run_until(bool *flag, uint64_t timeout_ms)
{
	bool timed_out = false;
	wait_timer.data = &timed_out;
	uv_timer_start(&wait_timer, wait_timer_cb, timeout_ms, 0);
	while (!*flag && !timed_out)
		uv_run(&loop, UV_RUN_ONCE);
	uv_timer_stop(&wait_timer);
	return *flag;
}

/* Lets the loop run for ms milliseconds. */
static inline void run_for(uint64_t ms)
{
	bool never = false;
	run_until(&never, ms);
}

struct login_result {
	bool done;
	int status;
	char token[65];
	char name[65];
	enum auth_role role;
	size_t nservices;
	char services[256];
};

/* Copies a login's result into the struct login_result in arg. */
static inline void login_cb(int status, const char *token, const struct auth_user *u, void *arg)
{
	struct login_result *r = arg;
	r->done = true;
	r->status = status;
	r->token[0] = r->name[0] = r->services[0] = '\0';
	if (status == 0 && token && u) {
		snprintf(r->token, sizeof r->token, "%s", token);
		snprintf(r->name, sizeof r->name, "%s", u->name);
		r->role = u->role;
		r->nservices = u->nservices;
		for (size_t i = 0; i < u->nservices; i++)
			snprintf(r->services + strlen(r->services),
				 sizeof r->services - strlen(r->services), "%s%s", i ? "," : "",
				 u->services[i]);
	}
}

/* Logs in and waits for the answer; returns the status (token copied into r). */
static inline int login(struct auth *a, const char *name, const char *pw, struct login_result *r)
{
	memset(r, 0, sizeof *r);
	int rc = auth_login(a, name, pw, login_cb, r);
	if (rc < 0)
		return rc;
	if (!run_until(&r->done, 20000))
		return -ETIMEDOUT;
	return r->status;
}

/* Sets the bool in arg (auth_stop's callback). */
static inline void stopped_cb(void *arg)
{
	*(bool *)arg = true;
}

/* Stops a started auth, waits for it, and frees it. */
static inline void stop_and_free(struct auth *a)
{
	bool stopped = false;
	auth_stop(a, stopped_cb, &stopped);
	CHECK(run_until(&stopped, 20000));
	auth_free(a);
}

/* Opens the test database or aborts. */
static inline struct auth *open_auth(void)
{
	struct auth *a = NULL;
	char *cause = NULL;
	if (auth_open(db_path, &a, &cause) < 0)
		fatal("auth_open: %s", cause);
	return a;
}

/* Runs one SQL query on a separate connection; returns the first column of the first row
 * (malloc'd, "" when no row) and the row count in *rows. */
static inline char *sql_text(const char *sql, int *rows)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	int n = 0;
	if (sqlite3_open(db_path, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fatal("sql: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			out = xstrdup(t ? (const char *)t : "");
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rows)
		*rows = n;
	return out ? out : xstrdup("");
}

struct listing {
	int n;
	char text[1024];
};

/* Appends "name role services;" for one listed user. */
static inline void list_cb(const struct auth_user *u, void *arg)
{
	struct listing *l = arg;
	size_t off = strlen(l->text);
	off += (size_t)snprintf(l->text + off, sizeof l->text - off, "%s %s ", u->name,
				auth_role_name(u->role));
	for (size_t i = 0; i < u->nservices; i++)
		off += (size_t)snprintf(l->text + off, sizeof l->text - off, "%s%s", i ? "," : "",
					u->services[i]);
	snprintf(l->text + off, sizeof l->text - off, ";");
	l->n++;
}

/* Lists all users of a into l. */
static inline void list_users(struct auth *a, struct listing *l)
{
	memset(l, 0, sizeof *l);
	CHECK(auth_user_list(a, list_cb, l) == 0);
}

/* Adds a user and expects success. */
static inline void add_ok(struct auth *a, const char *name, enum auth_role role,
			  const char *const *svc, size_t n, const char *pw)
{
	char *cause = NULL;
	int rc = auth_user_add(a, name, role, svc, n, pw, &cause);
	if (rc < 0)
		fprintf(stderr, "add %s: %s\n", name, cause);
	CHECK(rc == 0);
	free(cause);
}

/* Expects auth_user_add to fail with want and a message. */
static inline void add_fails(struct auth *a, const char *name, int role, const char *const *svc,
			     size_t n, const char *pw, int want)
{
	char *cause = NULL;
	int rc = auth_user_add(a, name, (enum auth_role)role, svc, n, pw, &cause);
	CHECK(rc == want);
	CHECK(rc == 0 || (cause && *cause));
	free(cause);
}

/* Makes the temporary directory (named after the test) and starts the loop. */
static inline void auth_test_begin(const char *name)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/torg-%s-XXXXXX", name);
	if (!mkdtemp(tmpdir))
		fatal("mkdtemp");
	snprintf(db_path, sizeof db_path, "%s/torg.db", tmpdir);
	uv_loop_init(&loop);
	uv_timer_init(&loop, &wait_timer);
}

/* Closes the loop (checking that nothing was left on it) and removes the directory. */
static inline void auth_test_end(void)
{
	uv_close((uv_handle_t *)&wait_timer, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(uv_loop_close(&loop) == 0);

	char path[200];
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		snprintf(path, sizeof path, "%s%s", db_path, suffix[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

#endif
