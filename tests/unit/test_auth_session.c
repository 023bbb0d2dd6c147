/*
 * test_auth_session.c — the started auth module against a real SQLite file
 * and a real libuv loop, for what its own worker and the users generation
 * bring: every user add and remove bumps users_gen in its own transaction, a
 * version-1 database migrates to 2, a user removed through another
 * connection loses their sessions within about a second (also when the name
 * is added again at once) while the full refresh is a minute away, at most 32
 * logins wait or hash at a time, a stop cancels the jobs still waiting
 * without leaving a session row behind, and all of it runs on auth's own
 * thread even while libuv's shared pool is full. Ends with "auth_session: N passed,
 * M failed".
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "auth_test.h"
#include "uvpool.h"

/* internal to auth, tested directly */
void auth__sha256(const void *data, size_t len, uint8_t out[32]);

/* Logins, logouts and refreshes run on auth's own thread ("torg-auth", there from start
 *  to stop): with every thread of libuv's shared pool busy they still complete. */
static void test_own_thread(void)
{
	struct auth *a = open_auth();
	struct login_result r;
	CHECK(uvpool_block(&loop));
	CHECK(!uvpool_thread_named("torg-auth"));
	auth_set_refresh_interval(a, 20);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(uvpool_thread_named("torg-auth"));
	CHECK(login(a, "alice", "alice-password", &r) == 0);
	CHECK(login(a, "alice", "wrong-password", &r) == -EACCES);
	CHECK(login(a, "alice", "alice-password", &r) == 0);
	run_for(100); /* refreshes come and go, and keep the session */
	CHECK(auth_session_user(a, r.token) != NULL);
	CHECK(auth_logout(a, r.token) == 0);
	run_for(50);
	int rows = 1;
	free(sql_text("SELECT 1 FROM sessions", &rows));
	CHECK(rows == 1);	     /* the first login's; the logout's row is gone */
	CHECK(uvpool.finished == 0); /* the shared pool was blocked all along */
	uvpool_open();
	stop_and_free(a);
	CHECK(!uvpool_thread_named("torg-auth")); /* joined at the stop */
	run_for(50);
	CHECK(uvpool.finished == UVPOOL_THREADS);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DELETE FROM sessions", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* users_gen as a number. */
static long long users_gen(void)
{
	char *g = sql_text("SELECT gen FROM users_gen WHERE id = 1", NULL);
	long long v = *g ? atoll(g) : -1;
	free(g);
	return v;
}

/* Every add and remove bumps users_gen once, in its own transaction; a refused one not. */
static void test_generation(void)
{
	struct auth *a = open_auth();
	char *cause = NULL;
	long long g0 = users_gen();
	CHECK(g0 >= 0);
	add_ok(a, "gina", AUTH_ROLE_COUNTER, NULL, 0, "gina-password");
	CHECK(users_gen() == g0 + 1);
	add_fails(a, "gina", AUTH_ROLE_ADMIN, NULL, 0, "gina-password", -EEXIST);
	add_fails(a, "Gina", AUTH_ROLE_ADMIN, NULL, 0, "gina-password", -EINVAL);
	CHECK(users_gen() == g0 + 1);
	CHECK(auth_user_remove(a, "gina", &cause) == 0);
	CHECK(users_gen() == g0 + 2);
	CHECK(auth_user_remove(a, "gina", &cause) == -ENOENT);
	free(cause);
	CHECK(users_gen() == g0 + 2);
	int rows = 0;
	free(sql_text("SELECT 1 FROM users_gen", &rows));
	CHECK(rows == 1);
	auth_free(a);
}

/* A database of schema version 1 (before users_gen) migrates to 2 and keeps its users and
 *  sessions. */
static void test_migrate_v1(void)
{
	char *saved = xstrdup(db_path);
	snprintf(db_path, sizeof db_path, "%s/v1.db", tmpdir);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(
		  db,
		  "CREATE TABLE schema (module TEXT PRIMARY KEY, version INTEGER NOT NULL);"
		  "INSERT INTO schema VALUES ('auth', 1);"
		  "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
		  " services TEXT NOT NULL, hash TEXT NOT NULL, created_ms INTEGER NOT NULL);"
		  "CREATE TABLE sessions (token_hash BLOB PRIMARY KEY, user TEXT NOT NULL,"
		  " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
		  "CREATE INDEX sessions_user ON sessions (user);"
		  "INSERT INTO users VALUES ('old', 'admin', '', '$y$x', 1);"
		  "INSERT INTO sessions VALUES (zeroblob(32), 'old', 1, 9000000000000);",
		  NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	struct auth *a = open_auth();
	char *version = sql_text("SELECT version FROM schema WHERE module = 'auth'", NULL);
	CHECK(strcmp(version, "3") == 0);
	free(version);
	CHECK(users_gen() == 0);
	int rows = 0;
	free(sql_text("SELECT 1 FROM sessions WHERE user = 'old'", &rows));
	CHECK(rows == 1);
	struct listing l;
	list_users(a, &l);
	CHECK(strcmp(l.text, "old admin ;") == 0);
	char *cause = NULL;
	CHECK(auth_user_remove(a, "old", &cause) == 0);
	CHECK(users_gen() == 1);
	auth_free(a);
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		char path[200];
		snprintf(path, sizeof path, "%s%s", db_path, suffix[i]);
		unlink(path);
	}
	snprintf(db_path, sizeof db_path, "%s", saved);
	free(saved);
}

/* Runs the loop until the token's session is gone or ms pass; returns the seconds taken
 *  (or -1 when it is still there). */
static double secs_until_gone(struct auth *a, const char *token, uint64_t ms)
{
	uint64_t t0 = util_mono_ns();
	while (auth_session_user(a, token) && util_mono_ns() - t0 < ms * 1000000ull)
		run_for(20);
	if (auth_session_user(a, token))
		return -1;
	return (double)(util_mono_ns() - t0) / 1e9;
}

/* With the full refresh a minute away, a user removed through another connection loses
 *  their sessions within about a second (the users_gen check), also when the name is added
 *  again at once; a change that does not go through auth (no bump) waits for the full
 *  refresh: the check alone reloads nothing. */
static void test_gen_check(void)
{
	struct auth *a = open_auth(), *cli = open_auth();
	struct login_result r, other, again;
	char *cause = NULL;
	add_ok(cli, "hugo", AUTH_ROLE_COUNTER, NULL, 0, "hugo-password");
	CHECK(auth_start(a, &loop) == 0); /* the default refresh interval: 60 s */
	CHECK(login(a, "hugo", "hugo-password", &r) == 0);
	CHECK(login(a, "alice", "alice-password", &other) == 0);
	run_for(1200); /* a check or two that find nothing */
	CHECK(auth_session_user(a, r.token) != NULL);

	CHECK(auth_user_remove(cli, "hugo", &cause) == 0);
	double t = secs_until_gone(a, r.token, 3000);
	CHECK(t >= 0 && t < 2.0);
	CHECK(auth_session_user(a, other.token) != NULL);

	/* removed and at once added again with the same name and password: still dead */
	add_ok(cli, "hugo", AUTH_ROLE_COUNTER, NULL, 0, "hugo-password");
	CHECK(login(a, "hugo", "hugo-password", &r) == 0);
	run_for(1200);
	CHECK(auth_session_user(a, r.token) != NULL);
	CHECK(auth_user_remove(cli, "hugo", &cause) == 0);
	add_ok(cli, "hugo", AUTH_ROLE_COUNTER, NULL, 0, "hugo-password");
	t = secs_until_gone(a, r.token, 3000);
	CHECK(t >= 0 && t < 2.0);
	CHECK(login(a, "hugo", "hugo-password", &again) == 0);
	run_for(1200);
	CHECK(auth_session_user(a, again.token) != NULL);
	CHECK(auth_session_user(a, r.token) == NULL);

	/* no bump, no reload before the full refresh */
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	CHECK(sqlite3_exec(db, "UPDATE users SET role = 'manager' WHERE name = 'hugo'", NULL, NULL,
			   NULL) == SQLITE_OK);
	sqlite3_close(db);
	run_for(1500);
	const struct auth_user *u = auth_session_user(a, again.token);
	CHECK(u && u->role == AUTH_ROLE_COUNTER);
	auth_set_refresh_interval(a, 50);
	uint64_t t0 = util_mono_ns();
	while ((u = auth_session_user(a, again.token)) && u->role != AUTH_ROLE_MANAGER &&
	       util_mono_ns() - t0 < 3000000000ull)
		run_for(20);
	CHECK(u && u->role == AUTH_ROLE_MANAGER);

	CHECK(auth_user_remove(cli, "hugo", &cause) == 0);
	auth_free(cli);
	CHECK(auth_logout(a, other.token) == 0);
	stop_and_free(a);
}

/* At most 32 logins wait or hash at a time: the 33rd is refused with -EAGAIN (and its
 *  callback never runs); as they finish there is room again. */
static void test_login_queue(void)
{
	struct auth *a = open_auth();
	static struct login_result r[33];
	memset(r, 0, sizeof r);
	CHECK(auth_start(a, &loop) == 0);
	for (int i = 0; i < 32; i++)
		CHECK(auth_login(a, "alice", i == 0 ? "alice-password" : "wrong-password", login_cb,
				 &r[i]) == 0);
	CHECK(auth_login(a, "alice", "alice-password", login_cb, &r[32]) == -EAGAIN);
	CHECK(auth_login(a, "nobody", "x", login_cb, &r[32]) == -EAGAIN);
	CHECK(run_until(&r[31].done, 60000));
	int ok = 0, denied = 0;
	for (int i = 0; i < 32; i++) {
		ok += r[i].done && r[i].status == 0;
		denied += r[i].done && r[i].status == -EACCES;
	}
	CHECK(ok == 1 && denied == 31);
	CHECK(!r[32].done);
	CHECK(login(a, "alice", "alice-password", &r[32]) == 0);
	CHECK(auth_logout(a, r[0].token) == 0);
	CHECK(auth_logout(a, r[32].token) == 0);
	stop_and_free(a);
}

/* A stop with logins and a logout waiting behind a running login: the logins report
 *  -ECANCELED, and the logout's row is deleted all the same. */
static void test_stop_queued(void)
{
	struct auth *a = open_auth();
	struct login_result keep, r[4];
	char hex[65], sql[256];
	uint8_t raw[32], h[32];
	bool stopped = false;
	memset(r, 0, sizeof r);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "alice", "alice-password", &keep) == 0);
	for (int i = 0; i < 4; i++)
		CHECK(auth_login(a, "alice", "alice-password", login_cb, &r[i]) == 0);
	CHECK(auth_logout(a, keep.token) == 0); /* queued behind the logins */
	auth_stop(a, stopped_cb, &stopped);
	CHECK(run_until(&stopped, 20000));
	for (int i = 0; i < 4; i++)
		CHECK(r[i].done && r[i].status == -ECANCELED);
	auth_free(a);
	CHECK(util_unhex(keep.token, 64, raw, 32) == 0);
	auth__sha256(raw, 32, h);
	util_hex(h, 32, hex);
	snprintf(sql, sizeof sql, "SELECT 1 FROM sessions WHERE hex(token_hash) = upper('%s')",
		 hex);
	int rows = 1;
	free(sql_text(sql, &rows));
	CHECK(rows == 0);
	free(sql_text("SELECT 1 FROM sessions", &rows));
	CHECK(rows == 0); /* the cancelled logins wrote nothing either */
}

/* auth_stop takes a NULL callback (torgd's start-up failure path): never started, and
 *  started, where the loop then runs until the worker and the timers are gone. */
static void test_stop_without_callback(void)
{
	struct auth *a = open_auth();
	auth_stop(a, NULL, NULL);
	auth_free(a);
	a = open_auth();
	CHECK(auth_start(a, &loop) == 0);
	CHECK(uvpool_thread_named("torg-auth"));
	auth_stop(a, NULL, NULL);
	uint64_t t0 = util_mono_ns();
	CHECK(uv_run(&loop, UV_RUN_DEFAULT) == 0);
	CHECK(util_mono_ns() - t0 < 2000000000ull);
	CHECK(!uvpool_thread_named("torg-auth"));
	auth_free(a);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	auth_test_begin("auth-session");
	struct auth *a = open_auth();
	add_ok(a, "alice", AUTH_ROLE_COUNTER, NULL, 0, "alice-password");
	auth_free(a);

	test_own_thread(); /* first: nothing else may have used libuv's pool yet */
	test_generation();
	test_migrate_v1();
	test_gen_check();
	test_login_queue();
	test_stop_queued();
	test_stop_without_callback();

	auth_test_end();
	return check_report("auth_session");
}
