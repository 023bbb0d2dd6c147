/*
 * test_auth.c — the auth module and the "torgd user" command against a real
 * SQLite file in a temporary directory and a real libuv loop: users, password
 * hashing, logins, token lookups, logout, expiry, sessions surviving a
 * restart, removals noticed by the refresh, permissions, and cli_user_main run
 * in forked children with a pipe on standard input. Ends with
 * "auth: N passed, M failed" and exits non-zero on any failure.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "cli_user.h"
#include "util.h"

/* cli_user.c is part of torgd, not of the auth library: build it into this test. */
#include "cli_user.c"

#include "check.h"

#include "auth_test.h"

/* internal to auth, tested directly */
void auth__sha256(const void *data, size_t len, uint8_t out[32]);

/* ---- tests ---- */

/* SHA-256 against FIPS 180 vectors and block-boundary lengths. */
static void test_sha256(void)
{
	static const struct {
		size_t len;
		char fill;
		const char *text, *hex;
	} v[] = {
	    {0, 0, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {3, 0, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {56, 0, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	    {55, 'a', NULL, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
	    {56, 'a', NULL, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
	    {64, 'a', NULL, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
	    {1000000, 'a', NULL,
	     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char *buf = xmalloc(v[i].len + 1);
		if (v[i].text)
			memcpy(buf, v[i].text, v[i].len);
		else
			memset(buf, v[i].fill, v[i].len);
		uint8_t h[32];
		char hex[65];
		auth__sha256(buf, v[i].len, h);
		util_hex(h, 32, hex);
		CHECK(strcmp(hex, v[i].hex) == 0);
		free(buf);
	}
}

/* Role names and parsing. */
static void test_roles(void)
{
	CHECK(strcmp(auth_role_name(AUTH_ROLE_COUNTER), "counter") == 0);
	CHECK(strcmp(auth_role_name(AUTH_ROLE_MANAGER), "manager") == 0);
	CHECK(strcmp(auth_role_name(AUTH_ROLE_ADMIN), "admin") == 0);
	CHECK(strcmp(auth_role_name((enum auth_role)9), "unknown") == 0);
	CHECK(auth_role_parse("counter") == AUTH_ROLE_COUNTER);
	CHECK(auth_role_parse("manager") == AUTH_ROLE_MANAGER);
	CHECK(auth_role_parse("admin") == AUTH_ROLE_ADMIN);
	CHECK(auth_role_parse("boss") == -EINVAL);
	CHECK(auth_role_parse("Admin") == -EINVAL);
	CHECK(auth_role_parse("") == -EINVAL);
	CHECK(auth_role_parse(NULL) == -EINVAL);
}

/* add, list, remove, duplicates and every kind of bad input. */
static void test_users(void)
{
	struct auth *a = open_auth();
	struct listing l;
	const char *svc[] = {"nav", "housing"};
	char *cause = NULL;
	list_users(a, &l);
	CHECK(l.n == 0);
	add_ok(a, "bob.admin", AUTH_ROLE_ADMIN, NULL, 0, "correct horse battery");
	add_ok(a, "alice", AUTH_ROLE_COUNTER, svc, 2, "alice-password");
	add_ok(a, "m_1-x", AUTH_ROLE_MANAGER, NULL, 0, "12345678");
	list_users(a, &l);
	CHECK(l.n == 3);
	CHECK(strcmp(l.text, "alice counter nav,housing;bob.admin admin ;m_1-x manager ;") == 0);

	add_fails(a, "alice", AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EEXIST);
	add_fails(a, "", AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EINVAL);
	add_fails(a, "Alice", AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EINVAL);
	add_fails(a, "a b", AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EINVAL);
	add_fails(a, "s\xc3\xb8ren", AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EINVAL);
	add_fails(a, NULL, AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EINVAL);
	char long_name[66];
	memset(long_name, 'n', 65);
	long_name[65] = '\0';
	add_fails(a, long_name, AUTH_ROLE_ADMIN, NULL, 0, "another-password", -EINVAL);
	long_name[64] = '\0';
	add_ok(a, long_name, AUTH_ROLE_COUNTER, NULL, 0, "another-password");
	add_fails(a, "carl", 0, NULL, 0, "another-password", -EINVAL);
	add_fails(a, "carl", 4, NULL, 0, "another-password", -EINVAL);
	add_fails(a, "carl", AUTH_ROLE_ADMIN, NULL, 0, "1234567", -EINVAL);
	add_fails(a, "carl", AUTH_ROLE_ADMIN, NULL, 0, NULL, -EINVAL);
	char *big = xmalloc(1026);
	memset(big, 'p', 1025);
	big[1025] = '\0';
	add_fails(a, "carl", AUTH_ROLE_ADMIN, NULL, 0, big, -EINVAL);
	big[1024] = '\0';
	add_ok(a, "carl", AUTH_ROLE_ADMIN, NULL, 0, big);
	free(big);
	const char *bad1[] = {"nav,housing"}, *bad2[] = {""}, *bad3[] = {"with space"};
	add_fails(a, "dora", AUTH_ROLE_COUNTER, bad1, 1, "dora-password", -EINVAL);
	add_fails(a, "dora", AUTH_ROLE_COUNTER, bad2, 1, "dora-password", -EINVAL);
	add_fails(a, "dora", AUTH_ROLE_COUNTER, bad3, 1, "dora-password", -EINVAL);
	list_users(a, &l);
	CHECK(l.n == 5);

	/* the stored hash is yescrypt and says nothing of the password */
	char *hash = sql_text("SELECT hash FROM users WHERE name = 'alice'", NULL);
	CHECK(strncmp(hash, "$y$", 3) == 0);
	CHECK(strstr(hash, "alice-password") == NULL);
	free(hash);
	char *version = sql_text("SELECT version FROM schema WHERE module = 'auth'", NULL);
	CHECK(strcmp(version, "3") == 0);
	free(version);

	CHECK(auth_user_remove(a, "m_1-x", &cause) == 0);
	CHECK(auth_user_remove(a, "m_1-x", &cause) == -ENOENT);
	CHECK(cause && strstr(cause, "m_1-x"));
	free(cause);
	cause = NULL;
	CHECK(auth_user_remove(a, long_name, &cause) == 0);
	CHECK(auth_user_remove(a, "carl", &cause) == 0);
	auth_free(a);

	/* reopening migrates nothing twice and keeps the users */
	a = open_auth();
	list_users(a, &l);
	CHECK(strcmp(l.text, "alice counter nav,housing;bob.admin admin ;") == 0);
	auth_free(a);
}

/* Whether the token is 64 lowercase hex digits. */
static bool token_ok(const char *t)
{
	if (strlen(t) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", t[i]))
			return false;
	return true;
}

/* Seconds a login attempt takes (loop included). */
static double login_secs(struct auth *a, const char *name, const char *pw)
{
	struct login_result r;
	uint64_t t0 = util_mono_ns();
	int rc = login(a, name, pw, &r);
	CHECK(rc == -EACCES);
	return (double)(util_mono_ns() - t0) / 1e9;
}

/* Logins, lookups, logout and what reaches the database. */
static void test_login(void)
{
	struct auth *a = open_auth();
	struct login_result r, r2;
	struct login_result bad;
	CHECK(auth_login(a, "alice", "alice-password", login_cb, &r) == -EINVAL); /* not started */
	CHECK(auth_start(a, &loop) == 0);
	CHECK(auth_start(a, &loop) == -EALREADY);

	CHECK(login(a, "alice", "alice-password", &r) == 0);
	CHECK(token_ok(r.token));
	CHECK(strcmp(r.name, "alice") == 0);
	CHECK(r.role == AUTH_ROLE_COUNTER);
	CHECK(strcmp(r.services, "nav,housing") == 0);
	const struct auth_user *u = auth_session_user(a, r.token);
	CHECK(u && strcmp(u->name, "alice") == 0 && u->role == AUTH_ROLE_COUNTER);
	CHECK(u && u->nservices == 2 && strcmp(u->services[1], "housing") == 0);

	/* only the SHA-256 of the raw token is stored */
	uint8_t raw[32], h[32];
	char hex[65], sql[256];
	CHECK(util_unhex(r.token, 64, raw, 32) == 0);
	auth__sha256(raw, 32, h);
	util_hex(h, 32, hex);
	snprintf(sql, sizeof sql, "SELECT user FROM sessions WHERE hex(token_hash) = upper('%s')",
		 hex);
	char *who = sql_text(sql, NULL);
	CHECK(strcmp(who, "alice") == 0);
	free(who);
	int rows = 0;
	snprintf(sql, sizeof sql,
		 "SELECT 1 FROM sessions WHERE lower(hex(token_hash)) = '%s' OR user = '%s'",
		 r.token, r.token);
	free(sql_text(sql, &rows));
	CHECK(rows == 0);

	/* a second login is a second session */
	CHECK(login(a, "alice", "alice-password", &r2) == 0);
	CHECK(strcmp(r.token, r2.token) != 0);
	CHECK(auth_session_user(a, r2.token) != NULL);

	/* wrong password, unknown user and malformed names all say -EACCES alike */
	CHECK(login(a, "alice", "alice-passwore", &bad) == -EACCES && bad.token[0] == '\0');
	CHECK(login(a, "alice", "", &bad) == -EACCES);
	CHECK(login(a, "nobody", "alice-password", &bad) == -EACCES);
	CHECK(login(a, "ALICE", "alice-password", &bad) == -EACCES);
	CHECK(login(a, "", "alice-password", &bad) == -EACCES);
	char long_name[200];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	CHECK(login(a, long_name, "alice-password", &bad) == -EACCES);
	CHECK(auth_login(a, NULL, "x", login_cb, &bad) == -EINVAL);

	/* an unknown user costs a hash too: not much faster than a wrong password */
	double t_bad = 1e9, t_unknown = 1e9;
	for (int i = 0; i < 3; i++) {
		double x = login_secs(a, "alice", "wrong-password");
		double y = login_secs(a, "nobody-at-all", "wrong-password");
		t_bad = x < t_bad ? x : t_bad;
		t_unknown = y < t_unknown ? y : t_unknown;
	}
	CHECK(t_unknown > t_bad * 0.25);
	CHECK(t_bad > 0.002);

	/* passwords past libcrypt's 512-byte limit work, all of their bytes count */
	char *lp = xmalloc(1025);
	for (int i = 0; i < 1024; i++)
		lp[i] = (char)('a' + i % 26);
	lp[1024] = '\0';
	add_ok(a, "longpw", AUTH_ROLE_MANAGER, NULL, 0, lp);
	CHECK(login(a, "longpw", lp, &bad) == 0 && bad.role == AUTH_ROLE_MANAGER);
	CHECK(auth_logout(a, bad.token) == 0);
	lp[1023] = 'Z';
	CHECK(login(a, "longpw", lp, &bad) == -EACCES);
	lp[600] = '\0';
	CHECK(login(a, "longpw", lp, &bad) == -EACCES);
	free(lp);
	char *cause = NULL;
	CHECK(auth_user_remove(a, "longpw", &cause) == 0);

	/* lookups of things that are not live tokens */
	CHECK(auth_session_user(a, NULL) == NULL);
	CHECK(auth_session_user(a, "") == NULL);
	CHECK(auth_session_user(a, "abc") == NULL);
	char t[130];
	snprintf(t, sizeof t, "%.63s", r.token);
	CHECK(auth_session_user(a, t) == NULL);
	snprintf(t, sizeof t, "%sa", r.token);
	CHECK(auth_session_user(a, t) == NULL);
	snprintf(t, sizeof t, "%.63sg", r.token);
	CHECK(auth_session_user(a, t) == NULL);
	snprintf(t, sizeof t, "%s", r.token);
	t[0] = t[0] == '0' ? '1' : '0';
	CHECK(auth_session_user(a, t) == NULL);
	for (int i = 0; i < 64; i++)
		t[i] = (char)toupper((unsigned char)r.token[i]);
	CHECK(auth_session_user(a, t) != NULL); /* hex is hex, either case */

	/* logout: gone from memory at once and from the DB after the worker */
	CHECK(auth_logout(a, r.token) == 0);
	CHECK(auth_session_user(a, r.token) == NULL);
	CHECK(auth_logout(a, r.token) == -ENOENT);
	CHECK(auth_logout(a, "nonsense") == -ENOENT);
	CHECK(auth_session_user(a, r2.token) != NULL);
	run_for(100);
	snprintf(sql, sizeof sql, "SELECT 1 FROM sessions WHERE hex(token_hash) = upper('%s')",
		 hex);
	free(sql_text(sql, &rows));
	CHECK(rows == 0);
	free(sql_text("SELECT 1 FROM sessions", &rows));
	CHECK(rows == 1);
	CHECK(auth_logout(a, r2.token) == 0);
	stop_and_free(a);
}

/* Sessions end after their lifetime, in memory, in the DB and across a restart. */
static void test_expiry(void)
{
	struct auth *a = open_auth();
	struct login_result r, keep;
	int rows;
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "bob.admin", "correct horse battery", &keep) == 0);
	auth_set_session_ttl(a, 1000); /* counted from the session write, after the hash */
	CHECK(login(a, "alice", "alice-password", &r) == 0);
	CHECK(auth_session_user(a, r.token) != NULL);
	run_for(1200);
	CHECK(auth_session_user(a, r.token) == NULL);
	CHECK(auth_session_user(a, keep.token) != NULL);
	stop_and_free(a);

	/* an expired row is not loaded again, and the refresh purges it from the DB */
	a = open_auth();
	auth_set_session_ttl(a, 1000);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "alice", "alice-password", &r) == 0);
	stop_and_free(a);
	run_for(1200);
	a = open_auth();
	auth_set_refresh_interval(a, 50);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(auth_session_user(a, r.token) == NULL);
	CHECK(auth_session_user(a, keep.token) != NULL);
	run_for(300);
	free(sql_text("SELECT 1 FROM sessions", &rows));
	CHECK(rows == 1);
	CHECK(auth_logout(a, keep.token) == 0);
	stop_and_free(a);
}

/* Sessions survive auth_free + auth_open + auth_start (a torgd restart). */
static void test_restart(void)
{
	struct auth *a = open_auth();
	struct login_result r;
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "alice", "alice-password", &r) == 0);
	stop_and_free(a);
	a = open_auth();
	CHECK(auth_session_user(a, r.token) == NULL); /* not started: nothing loaded */
	CHECK(auth_start(a, &loop) == 0);
	const struct auth_user *u = auth_session_user(a, r.token);
	CHECK(u && strcmp(u->name, "alice") == 0 && u->nservices == 2);
	CHECK(auth_logout(a, r.token) == 0);
	stop_and_free(a);
	a = open_auth();
	CHECK(auth_start(a, &loop) == 0);
	CHECK(auth_session_user(a, r.token) == NULL); /* logout reached the DB */
	stop_and_free(a);
}

/* A user removed by another connection loses their sessions at the next refresh. */
static void test_refresh(void)
{
	struct auth *a = open_auth(), *cli = open_auth();
	struct login_result r, other, again;
	char *cause = NULL;
	const char *svc[] = {"school"};
	add_ok(cli, "eve", AUTH_ROLE_COUNTER, svc, 1, "eve-password");
	auth_set_refresh_interval(a, 100);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "eve", "eve-password", &r) == 0);
	CHECK(login(a, "alice", "alice-password", &other) == 0);
	run_for(250); /* refreshes run and keep both */
	CHECK(auth_session_user(a, r.token) != NULL);
	CHECK(auth_session_user(a, other.token) != NULL);

	CHECK(auth_user_remove(cli, "eve", &cause) == 0);
	CHECK(auth_session_user(a, r.token) != NULL); /* not yet noticed */
	uint64_t t0 = util_mono_ns();
	while (auth_session_user(a, r.token) && util_mono_ns() - t0 < 3000000000ull)
		run_for(20);
	CHECK(auth_session_user(a, r.token) == NULL);
	CHECK(util_mono_ns() - t0 < 1000000000ull);
	CHECK(auth_session_user(a, other.token) != NULL);

	/* a changed role or service list reaches live sessions at the next refresh */
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	CHECK(sqlite3_exec(db, "UPDATE users SET services = 'school' WHERE name = 'alice'", NULL,
			   NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	const struct auth_user *ua = auth_session_user(a, other.token);
	CHECK(ua && ua->nservices == 2);
	t0 = util_mono_ns();
	while ((ua = auth_session_user(a, other.token)) && ua->nservices != 1 &&
	       util_mono_ns() - t0 < 3000000000ull)
		run_for(20);
	CHECK(ua && ua->nservices == 1 && strcmp(ua->services[0], "school") == 0);
	db = NULL;
	CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	CHECK(sqlite3_exec(db, "UPDATE users SET services = 'nav,housing' WHERE name = 'alice'",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);

	/* re-added: the old session stays dead, a new login works and lasts */
	add_ok(cli, "eve", AUTH_ROLE_ADMIN, NULL, 0, "eve-password-2");
	CHECK(login(a, "eve", "eve-password", &again) == -EACCES);
	CHECK(login(a, "eve", "eve-password-2", &again) == 0);
	CHECK(again.role == AUTH_ROLE_ADMIN);
	run_for(350);
	CHECK(auth_session_user(a, r.token) == NULL);
	const struct auth_user *u = auth_session_user(a, again.token);
	CHECK(u && u->role == AUTH_ROLE_ADMIN);
	CHECK(auth_user_remove(cli, "eve", &cause) == 0);
	auth_free(cli);
	CHECK(auth_logout(a, other.token) == 0);
	stop_and_free(a);
}

/* Stopping with a login in flight: the callback still comes, then stop completes. */
static void test_stop_inflight(void)
{
	struct auth *a = open_auth();
	struct login_result r;
	bool stopped = false;
	memset(&r, 0, sizeof r);
	CHECK(auth_start(a, &loop) == 0);
	CHECK(auth_login(a, "alice", "alice-password", login_cb, &r) == 0);
	auth_stop(a, stopped_cb, &stopped);
	CHECK(auth_login(a, "alice", "alice-password", login_cb, &r) == -ECANCELED);
	CHECK(run_until(&stopped, 20000));
	CHECK(r.done && r.status == -ECANCELED && r.token[0] == '\0');
	auth_free(a);

	/* never started: stop calls back at once */
	a = open_auth();
	stopped = false;
	auth_stop(a, stopped_cb, &stopped);
	CHECK(stopped);
	auth_free(a);
}

/* Role and allowed-service checks. */
static void test_allows(void)
{
	char *both[] = {"nav", "housing"};
	struct auth_user counter = {
	    .name = "c", .role = AUTH_ROLE_COUNTER, .nservices = 2, .services = both};
	struct auth_user any = {.name = "d", .role = AUTH_ROLE_COUNTER};
	struct auth_user manager = {.name = "m", .role = AUTH_ROLE_MANAGER};
	struct auth_user admin = {
	    .name = "a", .role = AUTH_ROLE_ADMIN, .nservices = 2, .services = both};
	const char *nav[] = {"nav"}, *nh[] = {"housing", "nav"}, *ns[] = {"nav", "school"};
	CHECK(auth_user_allows(&counter, nav, 1));
	CHECK(auth_user_allows(&counter, nh, 2));
	CHECK(!auth_user_allows(&counter, ns, 2));
	CHECK(!auth_user_allows(&counter, ns + 1, 1));
	CHECK(auth_user_allows(&counter, NULL, 0));
	CHECK(auth_user_allows(&any, ns, 2));
	CHECK(!auth_user_allows(&manager, nav, 1));
	CHECK(!auth_user_allows(&manager, NULL, 0));
	CHECK(auth_user_allows(&admin, ns, 2));
	CHECK(!auth_user_allows(NULL, nav, 1));
}

/* ---- the command line, in forked children ---- */

/* Reads everything from fd into a malloc'd string. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 256;
	char *buf = xmalloc(cap);
	ssize_t n;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2)
			buf = xrealloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	return buf;
}

/* Runs cli_user_main in a child with input on stdin; returns its exit code, output in *out
 * and *err (malloc'd). args end with NULL. */
static int run_cli(const char *input, const char *const *known, size_t nknown, char **out,
		   char **err, const char *const *args)
{
	int in[2], o[2], e[2], argc = 0, status;
	while (args[argc])
		argc++;
	if (pipe(in) || pipe(o) || pipe(e))
		fatal("pipe");
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(in[0]), close(in[1]), close(o[0]), close(o[1]), close(e[0]), close(e[1]);
		int rc = cli_user_main(db_path, argc, (char **)args, known, nknown);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	close(in[0]), close(o[1]), close(e[1]);
	/* a child that fails before reading stdin closes the pipe: EPIPE is fine then */
	if (input && write(in[1], input, strlen(input)) != (ssize_t)strlen(input) && errno != EPIPE)
		fatal("write: %s", strerror(errno));
	close(in[1]);
	*out = slurp(o[0]);
	*err = slurp(e[0]);
	close(o[0]), close(e[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Runs the command and checks exit code, stdout (exact, unless NULL) and stderr (contains). */
static void cli_expect(const char *input, int code, const char *want_out, const char *want_err,
		       const char *const *args)
{
	static const char *const known[] = {"nav", "housing", "school"};
	char *out = NULL, *err = NULL;
	int rc = run_cli(input, known, ARRAY_SIZE(known), &out, &err, args);
	CHECK(rc == code);
	if (want_out)
		CHECK(strcmp(out, want_out) == 0);
	if (want_err)
		CHECK(strstr(err, want_err) != NULL);
	if (rc != code || (want_out && strcmp(out, want_out)) ||
	    (want_err && !strstr(err, want_err)))
		fprintf(stderr, "  %s: exit %d, stdout [%s], stderr [%s]\n", args[1], rc, out, err);
	free(out);
	free(err);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* torgd user add / list / remove and their errors. */
static void test_cli(void)
{
	cli_expect("secret-pw-1\nsecond line\n", 0, "", NULL,
		   ARGS("user", "add", "carol", "--role", "counter", "--services", "nav,housing"));
	cli_expect("mgr-password\n", 0, "", NULL, ARGS("user", "add", "--role=manager", "dan"));
	cli_expect("no newline at end", 0, "", NULL, ARGS("add", "fay", "--role", "admin"));
	cli_expect(NULL, 0,
		   "alice\tcounter\tnav,housing\n"
		   "bob.admin\tadmin\t*\n"
		   "carol\tcounter\tnav,housing\n"
		   "dan\tmanager\t*\n"
		   "fay\tadmin\t*\n",
		   "", ARGS("user", "list"));
	char *hashes = NULL, *err = NULL;
	CHECK(run_cli(NULL, NULL, 0, &hashes, &err, ARGS("user", "list")) == 0);
	CHECK(strstr(hashes, "$y$") == NULL);
	free(hashes);
	free(err);

	cli_expect("secret-pw-1\n", 2, "",
		   "user add: role \"boss\" is not one of counter, manager, admin",
		   ARGS("user", "add", "gus", "--role", "boss"));
	cli_expect("secret-pw-1\n", 2, "", "user add: unknown service \"zzz\"",
		   ARGS("user", "add", "gus", "--role", "counter", "--services", "nav,zzz"));
	cli_expect("secret-pw-1\n", 2, "", "--services",
		   ARGS("user", "add", "gus", "--role", "counter", "--services", "nav,,school"));
	cli_expect("secret-pw-1\n", 2, "", "--role is required", ARGS("user", "add", "gus"));
	cli_expect("secret-pw-1\n", 2, "", "needs a value", ARGS("user", "add", "gus", "--role"));
	cli_expect("secret-pw-1\n", 2, "", "user name",
		   ARGS("user", "add", "Gus", "--role", "admin"));
	cli_expect("secret-pw-1\n", 2, "", "no user name", ARGS("user", "add", "--role", "admin"));
	cli_expect("secret-pw-1\n", 2, "", "unknown option",
		   ARGS("user", "add", "gus", "--role", "admin", "--frob"));
	cli_expect("short\n", 1, "", "password must be 8 to 1024 bytes",
		   ARGS("user", "add", "gus", "--role", "admin"));
	cli_expect("", 1, "", "no password on standard input",
		   ARGS("user", "add", "gus", "--role", "admin"));
	cli_expect("another-pw\n", 1, "", "user \"carol\" already exists",
		   ARGS("user", "add", "carol", "--role", "admin"));
	cli_expect(NULL, 1, "", "user remove: no user \"gus\"", ARGS("user", "remove", "gus"));
	cli_expect(NULL, 2, "", "usage:", ARGS("user"));
	cli_expect(NULL, 2, "", "unknown action \"frobnicate\"", ARGS("user", "frobnicate"));
	cli_expect(NULL, 2, "", "usage:", ARGS("user", "remove"));
	cli_expect(NULL, 2, "", "usage:", ARGS("user", "list", "extra"));

	/* the password is the first line, without its newline */
	struct auth *a = open_auth();
	struct login_result r;
	CHECK(auth_start(a, &loop) == 0);
	CHECK(login(a, "carol", "secret-pw-1", &r) == 0);
	CHECK(strcmp(r.services, "nav,housing") == 0);
	CHECK(login(a, "carol", "secret-pw-1\n", &r) == -EACCES);
	CHECK(login(a, "fay", "no newline at end", &r) == 0 && r.role == AUTH_ROLE_ADMIN);

	cli_expect(NULL, 0, "", "", ARGS("user", "remove", "carol"));
	cli_expect(NULL, 0, "", "", ARGS("user", "remove", "dan"));
	cli_expect(NULL, 0, "", "", ARGS("remove", "fay"));
	cli_expect(NULL, 0, "alice\tcounter\tnav,housing\nbob.admin\tadmin\t*\n", "", ARGS("list"));
	CHECK(login(a, "carol", "secret-pw-1", &r) == -EACCES);
	stop_and_free(a);

	/* a database that cannot be opened */
	char *out = NULL;
	char *saved = xstrdup(db_path);
	snprintf(db_path, sizeof db_path, "%s/missing/dir/torg.db", tmpdir);
	CHECK(run_cli(NULL, NULL, 0, &out, &err, ARGS("user", "list")) == 1);
	CHECK(strstr(err, "user list:") != NULL);
	free(out);
	free(err);
	snprintf(db_path, sizeof db_path, "%s", saved);
	free(saved);
}

/* Runs one op synchronously as "cli" on user name; returns its status (op cleared). */
static int admin_op(struct auth *a, struct auth_op *op, const char *name)
{
	snprintf(op->by, sizeof op->by, "cli");
	snprintf(op->name, sizeof op->name, "%s", name);
	return auth_op_run(a, op);
}

/* The administration ops: the last admin, reset codes (once, case and dashes, expiry),
 * the audit log (newest first, limits) and its two-year retention. */
static void test_admin_ops(void)
{
	struct auth *a = open_auth();
	free(sql_text("UPDATE users SET role = 'counter' WHERE role = 'admin'", NULL));
	add_ok(a, "chief", AUTH_ROLE_ADMIN, NULL, 0, "chief-password");
	struct auth_op op = {
	    .kind = AUTH_OP_PATCH, .keep_admin = true, .set_disabled = true, .disabled = true};
	CHECK(admin_op(a, &op, "chief") == -EBUSY);
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_REMOVE, .keep_admin = true};
	CHECK(admin_op(a, &op, "chief") == -EBUSY);
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_PATCH, .set_disabled = true, .disabled = true};
	CHECK(admin_op(a, &op, "nobody") == -ENOENT && op.cause);
	auth_op_clear(&op);

	op = (struct auth_op){.kind = AUTH_OP_ADD, .role = AUTH_ROLE_COUNTER};
	CHECK(admin_op(a, &op, "newbie") == 0 && strlen(op.code) == AUTH_CODE_LEN);
	CHECK(op.nusers == 1 && strcmp(op.users[0]->name, "newbie") == 0);
	char code[AUTH_CODE_LEN + 1], loose[AUTH_CODE_LEN + 1] = "";
	strcpy(code, op.code);
	for (const char *p = code; *p; p++) /* "abcd efgh jkmn" style: lower case, no dashes */
		if (*p != '-')
			loose[strlen(loose)] = (char)tolower((unsigned char)*p);
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_CODE, .password = xstrdup("newbie-password")};
	strcpy(op.code, "2222-2222-2222");
	CHECK(admin_op(a, &op, "newbie") == -EACCES);
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_CODE, .password = xstrdup("newbie-password")};
	strcpy(op.code, loose);
	CHECK(admin_op(a, &op, "newbie") == 0);
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_CODE, .password = xstrdup("newbie-password")};
	strcpy(op.code, code);
	CHECK(admin_op(a, &op, "newbie") == -EACCES); /* once */
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_RESET};
	CHECK(admin_op(a, &op, "newbie") == 0);
	strcpy(code, op.code);
	auth_op_clear(&op);
	free(sql_text("UPDATE resets SET expires_ms = 1", NULL));
	op = (struct auth_op){.kind = AUTH_OP_CODE, .password = xstrdup("newbie-password")};
	strcpy(op.code, code);
	CHECK(admin_op(a, &op, "newbie") == -EACCES); /* expired */
	auth_op_clear(&op);

	op = (struct auth_op){.kind = AUTH_OP_AUDIT, .limit = 0};
	CHECK(admin_op(a, &op, "") == -EINVAL);
	auth_op_clear(&op);
	op = (struct auth_op){.kind = AUTH_OP_AUDIT, .limit = 2};
	CHECK(admin_op(a, &op, "") == 0 && op.nentries == 2);
	CHECK(op.nentries == 2 && strcmp(op.entries[0].action, "user.reset") == 0 &&
	      strcmp(op.entries[1].action, "user.password_by_code") == 0 &&
	      strcmp(op.entries[0].by, "cli") == 0 && op.entries[0].at_ms >= op.entries[1].at_ms);
	auth_op_clear(&op);

	/* rows older than two years go when the next one is written */
	free(sql_text("INSERT INTO audit VALUES (1, 'x', 'ancient', 'y', '')", NULL));
	int rows = 0;
	free(sql_text("SELECT 1 FROM audit WHERE action = 'ancient'", &rows));
	CHECK(rows == 1);
	auth_audit(a, "cli", "test.write", "chief", NULL);
	free(sql_text("SELECT 1 FROM audit WHERE action = 'ancient'", &rows));
	CHECK(rows == 0);
	free(sql_text("SELECT 1 FROM audit WHERE action = 'test.write'", &rows));
	CHECK(rows == 1);
	auth_free(a);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	auth_test_begin("auth");

	test_sha256();
	test_roles();
	test_allows();
	test_users();
	test_login();
	test_expiry();
	test_restart();
	test_refresh();
	test_stop_inflight();
	test_cli();
	test_admin_ops();

	auth_test_end();
	return check_report("auth");
}
