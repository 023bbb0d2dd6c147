/*
 * auth_admin.c — administration of staff users: the ops of auth.h (list, add,
 * change, disable, remove, reset codes, passwords) and the audit log. Each
 * change runs in one transaction with its audit row: it deletes the user's
 * session rows and bumps users_gen, so a torgd in another process drops the
 * sessions within a second, and torgd itself ends them in memory when the
 * op comes back (auth_op_queue). Reset codes are 12 characters of an
 * unambiguous alphabet (60 bits), kept only as their SHA-256, one per user,
 * good once and for AUTH_RESET_TTL_MS. A yescrypt hash is made outside the
 * database lock, so a slow hash never holds the connection.
 */
#include "auth.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_int.h"
#include "util.h"

#define CODE_CHARS 12
/* no 0/O, 1/I/L: a code is read off a screen or a note */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/* ---- small database helpers (db_mu held) ---- */

/* Prepares sql and binds up to three texts (NULL ends the list); NULL on failure. */
static sqlite3_stmt *prep(struct auth *a, const char *sql, const char *p1, const char *p2,
			  const char *p3)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	const char *p[3] = {p1, p2, p3};
	for (int i = 0; i < 3 && p[i]; i++)
		sqlite3_bind_text(st, i + 1, p[i], -1, SQLITE_TRANSIENT);
	return st;
}

/* Runs one statement without rows; returns 0 or -EIO. */
static int run(struct auth *a, const char *sql, const char *p1, const char *p2, const char *p3)
{
	sqlite3_stmt *st = prep(a, sql, p1, p2, p3);
	int rc = st && sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return rc;
}

/* Sets the op's failure (status and cause, printf-style) and returns the status. */
__attribute__((format(printf, 3, 4))) static int fail(struct auth_op *op, int status,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(op->cause);
	if (vasprintf(&op->cause, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	return op->status = status;
}

/* The user called name (with disabled), NULL when there is none; *io set on a DB error. */
static struct auth_user *user_read(struct auth *a, const char *name, bool *io)
{
	sqlite3_stmt *st =
	    prep(a, "SELECT name, role, services, disabled, source FROM users WHERE name = ?", name,
		 NULL, NULL);
	struct auth_user *u = NULL;
	int s = st ? sqlite3_step(st) : SQLITE_ERROR;
	if (s == SQLITE_ROW && (u = auth__user_from_row(st, 0))) {
		u->disabled = sqlite3_column_int(st, 3) != 0;
		const char *src = (const char *)sqlite3_column_text(st, 4);
		u->directory = src && strcmp(src, "directory") == 0;
	}
	*io = s != SQLITE_ROW && s != SQLITE_DONE;
	sqlite3_finalize(st);
	return u;
}

/* How many enabled admins there are besides name; -EIO on error. */
static int other_admins(struct auth *a, const char *name)
{
	sqlite3_stmt *st = prep(a,
				"SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0"
				" AND name != ?",
				name, NULL, NULL);
	int n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -EIO;
	sqlite3_finalize(st);
	return n;
}

int auth__audit_write(struct auth *a, int64_t at_ms, const char *by, const char *action,
		      const char *target, const char *detail)
{
	sqlite3_stmt *st = prep(a,
				"INSERT INTO audit (at_ms, by, action, target, detail)"
				" VALUES (?4, ?1, ?2, ?3, ?5)",
				by, action, target);
	int rc = -EIO;
	if (st) {
		sqlite3_bind_int64(st, 4, at_ms);
		sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = 0;
	}
	sqlite3_finalize(st);
	if (rc == 0) {
		char cut[24];
		snprintf(cut, sizeof cut, "%lld", (long long)(at_ms - AUTH_AUDIT_KEEP_MS));
		rc = run(a, "DELETE FROM audit WHERE at_ms < CAST(? AS INTEGER)", cut, NULL, NULL);
	}
	return rc;
}

/* Ends a change to name: its session rows go, users_gen moves, the audit row is written;
 * 0 or -EIO. */
static int change_tail(struct auth *a, struct auth_op *op, const char *action, const char *detail)
{
	char *cause = NULL;
	if (run(a, "DELETE FROM sessions WHERE user = ?", op->name, NULL, NULL) < 0 ||
	    auth__gen_bump(a, "user change", &cause) < 0 ||
	    auth__audit_write(a, util_now_ms(), op->by, action, op->name, detail) < 0) {
		free(cause);
		return fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	}
	return 0;
}

/* Services joined with commas (malloc'd), after checking each id; NULL on a bad one. */
static char *services_join(struct auth_op *op)
{
	struct util_text t = {0};
	util_text_put(&t, "", 0);
	for (size_t i = 0; i < op->nservices; i++) {
		if (!auth__service_valid(op->services[i])) {
			free(t.s);
			fail(op, -EINVAL, "service id \"%s\" is not 1 to 64 printable characters",
			     op->services[i]);
			return NULL;
		}
		util_text_printf(&t, "%s%s", i ? "," : "", op->services[i]);
	}
	return t.s;
}

/* The services of u as the audit shows them ("*" for all). */
static char *services_text(const struct auth_user *u)
{
	struct util_text t = {0};
	util_text_put(&t, u->nservices ? "" : "*", u->nservices ? 0 : 1);
	for (size_t i = 0; i < u->nservices; i++)
		util_text_printf(&t, "%s%s", i ? "," : "", u->services[i]);
	return t.s;
}

/* Makes a new reset code into op->code and stores its hash for op->name (dropping codes
 * that expired, anyone's); 0 or -EIO. */
static int code_make(struct auth *a, struct auth_op *op)
{
	char now[24];
	snprintf(now, sizeof now, "%lld", (long long)util_now_ms());
	if (run(a, "DELETE FROM resets WHERE expires_ms <= CAST(? AS INTEGER)", now, NULL, NULL) <
	    0)
		return fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	uint8_t raw[CODE_CHARS], h[32];
	char plain[CODE_CHARS + 1];
	util_random(raw, sizeof raw);
	for (int i = 0; i < CODE_CHARS; i++)
		plain[i] = code_alphabet[raw[i] % (sizeof code_alphabet - 1)];
	plain[CODE_CHARS] = '\0';
	snprintf(op->code, sizeof op->code, "%.4s-%.4s-%.4s", plain, plain + 4, plain + 8);
	auth__sha256(plain, CODE_CHARS, h);
	explicit_bzero(raw, sizeof raw);
	explicit_bzero(plain, sizeof plain);
	op->code_expires_ms = util_now_ms() + AUTH_RESET_TTL_MS;
	sqlite3_stmt *st = prep(a,
				"INSERT OR REPLACE INTO resets (user, code_hash, expires_ms)"
				" VALUES (?1, ?2, ?3)",
				op->name, NULL, NULL);
	int rc = -EIO;
	if (st) {
		sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, op->code_expires_ms);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = 0;
	}
	sqlite3_finalize(st);
	return rc < 0 ? fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db)) : 0;
}

/* A code as typed ("abcd-efgh-jkmn", with or without dashes, any case) in its 12
 * characters, or false when it cannot be one. */
static bool code_normalise(const char *in, char out[CODE_CHARS + 1])
{
	int n = 0;
	for (const char *p = in; *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (c == '-' || c == ' ')
			continue;
		if (n == CODE_CHARS || !strchr(code_alphabet, c))
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == CODE_CHARS;
}

/* ---- the ops (db_mu held, inside a transaction) ---- */

/* Puts the user as it is now into op->users[0] (the answer of add and change). */
static void user_result(struct auth *a, struct auth_op *op)
{
	bool io;
	struct auth_user *after = user_read(a, op->name, &io);
	if (!after)
		return;
	op->users = xcalloc(1, sizeof *op->users);
	op->users[0] = after;
	op->nusers = 1;
}

/* A new user without a password (hash "!") and its first reset code. */
static int op_add(struct auth *a, struct auth_op *op)
{
	char *joined = services_join(op);
	if (!joined)
		return op->status;
	sqlite3_stmt *st = prep(a,
				"INSERT INTO users (name, role, services, hash, created_ms,"
				" disabled, source) VALUES (?1, ?2, ?3, '!', ?4, 0, 'local')",
				op->name, auth_role_name(op->role), joined);
	int s = SQLITE_ERROR;
	if (st) {
		sqlite3_bind_int64(st, 4, util_now_ms());
		s = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (s == SQLITE_CONSTRAINT) {
		free(joined);
		return fail(op, -EEXIST, "user \"%s\" already exists", op->name);
	}
	char *detail =
	    xasprintf("role=%s services=%s", auth_role_name(op->role), *joined ? joined : "*");
	free(joined);
	int rc = s != SQLITE_DONE ? fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db))
				  : code_make(a, op);
	if (rc == 0)
		rc = change_tail(a, op, "user.add", detail);
	free(detail);
	if (rc == 0)
		user_result(a, op);
	return rc;
}

/* Whether the change of op leaves u (an existing user) without role admin or disabled. */
static bool stops_being_admin(const struct auth_op *op, const struct auth_user *u)
{
	if (u->role != AUTH_ROLE_ADMIN || u->disabled)
		return false;
	return op->kind == AUTH_OP_REMOVE || (op->set_role && op->role != AUTH_ROLE_ADMIN) ||
	       (op->set_disabled && op->disabled);
}

/* The user the op is about, after the last-admin rule; NULL with op->status set. */
static struct auth_user *target_read(struct auth *a, struct auth_op *op)
{
	bool io;
	struct auth_user *u = user_read(a, op->name, &io);
	if (!u) {
		if (io)
			fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
		else
			fail(op, -ENOENT, "no user \"%s\"", op->name);
		return NULL;
	}
	if (op->keep_admin && stops_being_admin(op, u)) {
		int n = other_admins(a, op->name);
		if (n <= 0) {
			auth__user_free(u);
			fail(op, n < 0 ? -EIO : -EBUSY, "\"%s\" is the last enabled admin",
			     op->name);
			return NULL;
		}
	}
	return u;
}

/* The audit's words for a change: before -> after of each field set. */
static char *patch_detail(const struct auth_op *op, const struct auth_user *u, const char *joined)
{
	struct util_text t = {0};
	util_text_put(&t, "", 0);
	if (op->set_role)
		util_text_printf(&t, "role=%s->%s ", auth_role_name(u->role),
				 auth_role_name(op->role));
	if (op->set_services) {
		char *old = services_text(u);
		util_text_printf(&t, "services=%s->%s ", old, *joined ? joined : "*");
		free(old);
	}
	if (op->set_disabled)
		util_text_printf(&t, "disabled=%s->%s ", u->disabled ? "true" : "false",
				 op->disabled ? "true" : "false");
	if (t.len)
		t.s[--t.len] = '\0';
	return t.s;
}

/* Changes the role, services or disabled flag of a user, as far as the op sets them. */
static int op_patch(struct auth *a, struct auth_op *op)
{
	char *joined = op->set_services ? services_join(op) : xstrdup("");
	if (!joined)
		return op->status;
	struct auth_user *u = target_read(a, op);
	int rc = op->status;
	if (!u)
		goto out;
	char dis[2] = {op->disabled ? '1' : '0', '\0'};
	if ((op->set_role && run(a, "UPDATE users SET role = ?2 WHERE name = ?1", op->name,
				 auth_role_name(op->role), NULL) < 0) ||
	    (op->set_services && run(a, "UPDATE users SET services = ?2 WHERE name = ?1", op->name,
				     joined, NULL) < 0) ||
	    (op->set_disabled && run(a,
				     "UPDATE users SET disabled = CAST(?2 AS INTEGER)"
				     " WHERE name = ?1",
				     op->name, dis, NULL) < 0)) {
		rc = fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
		goto out;
	}
	const char *action = "user.change";
	if (op->set_disabled && !op->set_role && !op->set_services)
		action = op->disabled ? "user.disable" : "user.enable";
	char *detail = patch_detail(op, u, joined);
	rc = change_tail(a, op, action, detail);
	free(detail);
	if (rc == 0)
		user_result(a, op);
out:
	auth__user_free(u);
	free(joined);
	return rc;
}

/* Removes a user with their waiting reset code. */
static int op_remove(struct auth *a, struct auth_op *op)
{
	struct auth_user *u = target_read(a, op);
	if (!u)
		return op->status;
	auth__user_free(u);
	if (run(a, "DELETE FROM users WHERE name = ?", op->name, NULL, NULL) < 0 ||
	    run(a, "DELETE FROM resets WHERE user = ?", op->name, NULL, NULL) < 0)
		return fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	return change_tail(a, op, "user.remove", NULL);
}

/* A new reset code for a user, whose password stops working. */
/* A directory user's password is the directory's: torgd never asks its own for them. */
static int not_directory(struct auth_op *op, struct auth_user *u)
{
	bool dir = u->directory;
	auth__user_free(u);
	return dir ? fail(op, -EPERM,
			  "\"%s\" signs in with the directory: its password is set there", op->name)
		   : 0;
}

static int op_reset(struct auth *a, struct auth_op *op)
{
	struct auth_user *u = target_read(a, op);
	if (!u || not_directory(op, u))
		return op->status;
	if (run(a, "UPDATE users SET hash = '!' WHERE name = ?", op->name, NULL, NULL) < 0)
		return fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	int rc = code_make(a, op);
	return rc < 0 ? rc : change_tail(a, op, "user.reset", "code valid 24 h");
}

/* Sets the user's password hash (made before the lock) and drops a waiting code. */
static int op_password(struct auth *a, struct auth_op *op, const char *hash, const char *action)
{
	struct auth_user *u = target_read(a, op);
	if (!u || not_directory(op, u))
		return op->status;
	if (run(a, "UPDATE users SET hash = ?2 WHERE name = ?1", op->name, hash, NULL) < 0 ||
	    run(a, "DELETE FROM resets WHERE user = ?", op->name, NULL, NULL) < 0)
		return fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	return change_tail(a, op, action, NULL);
}

/* Checks op->code against the user's waiting code; 0 or -EACCES (also for no user). */
static int code_check(struct auth *a, struct auth_op *op)
{
	char plain[CODE_CHARS + 1];
	uint8_t h[32];
	if (!code_normalise(op->code, plain))
		return fail(op, -EACCES, "wrong or expired code");
	auth__sha256(plain, CODE_CHARS, h);
	sqlite3_stmt *st = prep(a, "SELECT code_hash, expires_ms FROM resets WHERE user = ?",
				op->name, NULL, NULL);
	int rc = -EACCES;
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32 &&
	    sqlite3_column_int64(st, 1) > util_now_ms()) {
		const uint8_t *want = sqlite3_column_blob(st, 0);
		volatile uint8_t diff = 0;
		for (int i = 0; i < 32; i++)
			diff |= (uint8_t)(want[i] ^ h[i]);
		if (diff == 0)
			rc = 0;
	}
	sqlite3_finalize(st);
	explicit_bzero(plain, sizeof plain);
	return rc < 0 ? fail(op, rc, "wrong or expired code") : 0;
}

/* Reads every user of the table (with disabled and source) into op->users. */
static int op_list(struct auth *a, struct auth_op *op)
{
	sqlite3_stmt *st = prep(a,
				"SELECT name, role, services, disabled, source FROM users"
				" ORDER BY name",
				NULL, NULL, NULL);
	int s = st ? SQLITE_ROW : SQLITE_ERROR;
	while (st && (s = sqlite3_step(st)) == SQLITE_ROW) {
		struct auth_user *u = auth__user_from_row(st, 0);
		if (!u)
			continue;
		u->disabled = sqlite3_column_int(st, 3) != 0;
		const char *src = (const char *)sqlite3_column_text(st, 4);
		u->directory = src && strcmp(src, "directory") == 0;
		op->users = xrealloc(op->users, (op->nusers + 1) * sizeof *op->users);
		op->users[op->nusers++] = u;
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
}

/* A malloc'd copy of a text column ("" for NULL). */
static char *col_text(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	return xstrdup(t ? t : "");
}

/* Reads the newest op->limit audit rows, newest first, into op->entries. */
static int op_audit(struct auth *a, struct auth_op *op)
{
	sqlite3_stmt *st = prep(a,
				"SELECT at_ms, by, action, target, detail FROM audit"
				" ORDER BY at_ms DESC, rowid DESC LIMIT ?1",
				NULL, NULL, NULL);
	int s = SQLITE_ERROR;
	if (st) {
		sqlite3_bind_int(st, 1, op->limit);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			op->entries =
			    xrealloc(op->entries, (op->nentries + 1) * sizeof *op->entries);
			struct auth_audit_entry *e = &op->entries[op->nentries++];
			e->at_ms = sqlite3_column_int64(st, 0);
			e->by = col_text(st, 1);
			e->action = col_text(st, 2);
			e->target = col_text(st, 3);
			e->detail = col_text(st, 4);
		}
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
}

/* ---- running an op ---- */

/* Checks what every kind needs before the database is touched; 0 or -EINVAL. */
static int op_validate(struct auth_op *op)
{
	if (op->kind == AUTH_OP_LIST)
		return 0;
	if (op->kind == AUTH_OP_AUDIT)
		return op->limit >= 1 && op->limit <= AUTH_AUDIT_LIMIT
			   ? 0
			   : fail(op, -EINVAL, "limit must be 1 to %d", AUTH_AUDIT_LIMIT);
	if (!auth__name_valid(op->name))
		return fail(op, -EINVAL, "user name must be 1 to 64 of a-z 0-9 . _ -");
	if ((op->kind == AUTH_OP_ADD || op->set_role) &&
	    auth_role_parse(auth_role_name(op->role)) < 0)
		return fail(op, -EINVAL, "unknown role");
	bool needs_pw = op->kind == AUTH_OP_PASSWORD || op->kind == AUTH_OP_CODE;
	if (needs_pw && (!op->password || strlen(op->password) < AUTH_PASSWORD_MIN ||
			 strlen(op->password) > AUTH_PASSWORD_MAX))
		return fail(op, -EINVAL, "password must be %d to %d bytes", AUTH_PASSWORD_MIN,
			    AUTH_PASSWORD_MAX);
	return 0;
}

/* Runs the kind's part in one transaction (db_mu held); returns the status. */
static int op_tx(struct auth *a, struct auth_op *op, const char *hash)
{
	if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	int rc;
	switch (op->kind) {
	case AUTH_OP_LIST:
		rc = op_list(a, op);
		break;
	case AUTH_OP_ADD:
		rc = op_add(a, op);
		break;
	case AUTH_OP_PATCH:
		rc = op_patch(a, op);
		break;
	case AUTH_OP_REMOVE:
		rc = op_remove(a, op);
		break;
	case AUTH_OP_RESET:
		rc = op_reset(a, op);
		break;
	case AUTH_OP_PASSWORD:
		rc = op_password(a, op, hash, "user.password");
		break;
	case AUTH_OP_CODE:
		rc = code_check(a, op);
		if (rc == 0)
			rc = op_password(a, op, hash, "user.password_by_code");
		break;
	case AUTH_OP_AUDIT:
		rc = op_audit(a, op);
		break;
	default:
		rc = fail(op, -EINVAL, "unknown op");
	}
	if (rc == 0 && sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = fail(op, -EIO, "database: %s", sqlite3_errmsg(a->db));
	if (rc < 0 && !sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int auth_op_run(struct auth *a, struct auth_op *op)
{
	char hash[CRYPT_OUTPUT_SIZE] = "";
	op->status = 0;
	if (op_validate(op) < 0)
		return op->status;
	/* a code is checked before the hash (and again in the transaction): a wrong one
	 * costs one SHA-256, not a yescrypt hash, so guesses cannot tie up auth's worker;
	 * an unknown name, no code and a wrong code all answer alike and as fast */
	if (op->kind == AUTH_OP_CODE) {
		pthread_mutex_lock(&a->db_mu);
		int rc = code_check(a, op);
		pthread_mutex_unlock(&a->db_mu);
		if (rc < 0)
			return op->status;
	}
	/* the hash outside the lock: it takes a noticeable fraction of a second */
	if ((op->kind == AUTH_OP_PASSWORD || op->kind == AUTH_OP_CODE) &&
	    auth__password_hash(op->password, hash) < 0)
		return fail(op, -EIO, "cannot hash the password (yescrypt)");
	pthread_mutex_lock(&a->db_mu);
	op->status = op_tx(a, op, hash);
	pthread_mutex_unlock(&a->db_mu);
	explicit_bzero(hash, sizeof hash);
	return op->status;
}

/* An op on its way through auth's worker. */
struct op_call {
	struct auth *a;
	struct auth_op *op;
	void (*cb)(struct auth_op *op, void *arg);
	void *arg;
};

/* Runs the op (auth's worker thread). */
static void op_call_work(void *ctx)
{
	struct op_call *c = ctx;
	auth_op_run(c->a, c->op);
}

/* Whether a successful op of this kind ends the user's sessions. */
static bool ends_sessions(enum auth_op_kind k)
{
	return k != AUTH_OP_LIST && k != AUTH_OP_AUDIT && k != AUTH_OP_ADD;
}

/* Back on the loop: ends the changed user's sessions, then answers the caller. */
static void op_call_done(void *ctx, int status)
{
	struct op_call *c = ctx;
	if (status == -ECANCELED)
		fail(c->op, -ECANCELED, "torgd is stopping");
	else if (c->op->status == 0 && ends_sessions(c->op->kind))
		auth_end_user_sessions(c->a, c->op->name);
	c->cb(c->op, c->arg);
	free(c);
}

int auth_op_queue(struct auth *a, struct auth_op *op, void (*cb)(struct auth_op *op, void *arg),
		  void *arg)
{
	struct op_call *c = xcalloc(1, sizeof *c);
	*c = (struct op_call){.a = a, .op = op, .cb = cb, .arg = arg};
	int rc = auth__call(a, op_call_work, op_call_done, c);
	if (rc < 0)
		free(c);
	return rc;
}

void auth_op_clear(struct auth_op *op)
{
	for (size_t i = 0; i < op->nservices; i++)
		free(op->services[i]);
	free(op->services);
	if (op->password) {
		explicit_bzero(op->password, strlen(op->password));
		free(op->password);
	}
	explicit_bzero(op->code, sizeof op->code);
	free(op->cause);
	for (size_t i = 0; i < op->nusers; i++)
		auth__user_free(op->users[i]);
	free(op->users);
	for (size_t i = 0; i < op->nentries; i++) {
		struct auth_audit_entry *e = &op->entries[i];
		free(e->by);
		free(e->action);
		free(e->target);
		free(e->detail);
	}
	free(op->entries);
	memset(op, 0, sizeof *op);
}

/* ---- the audit log ---- */

/* An audit row on its way to auth's worker (strings copied). */
struct audit_call {
	struct auth *a;
	int64_t at_ms;
	char *by, *action, *target, *detail;
};

/* Writes the audit row (auth's worker thread, or the caller's when auth is not running). */
static void audit_work(void *ctx)
{
	struct audit_call *c = ctx;
	pthread_mutex_lock(&c->a->db_mu);
	if (auth__audit_write(c->a, c->at_ms, c->by, c->action, c->target, c->detail) < 0)
		log_warn("auth: cannot write an audit row");
	pthread_mutex_unlock(&c->a->db_mu);
}

/* Frees an audit row's copy. */
static void audit_call_free(struct audit_call *c)
{
	free(c->by);
	free(c->action);
	free(c->target);
	free(c->detail);
	free(c);
}

/* Back on the loop: a row cancelled by a stop is written all the same. */
static void audit_done(void *ctx, int status)
{
	struct audit_call *c = ctx;
	if (status == -ECANCELED)
		audit_work(c); /* stopping: the row is written all the same */
	audit_call_free(c);
}

void auth_audit(struct auth *a, const char *by, const char *action, const char *target,
		const char *detail)
{
	struct audit_call *c = xcalloc(1, sizeof *c);
	c->a = a;
	c->at_ms = util_now_ms();
	c->by = xstrdup(by ? by : "");
	c->action = xstrdup(action ? action : "");
	c->target = xstrdup(target ? target : "");
	c->detail = xstrdup(detail ? detail : "");
	if (auth__call(a, audit_work, audit_done, c) == 0)
		return;
	audit_work(c); /* not started (the command line) or stopping: now */
	audit_call_free(c);
}
