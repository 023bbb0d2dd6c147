/*
 * auth.c — staff users and their passwords: the "users" table (and the
 * "schema" row of module "auth") on the module's own SQLite connection,
 * yescrypt hashing and constant-time checking, role names, service
 * permissions and a small SHA-256 for session tokens. Every user add and
 * remove also bumps the one-row "users_gen" table in its own transaction, so
 * a running torgd (another process) notices the change with one cheap SELECT.
 * The mutex on the connection is there because the session half
 * (auth_session.c) uses it from its worker thread.
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

/* ---- SHA-256 (FIPS 180-4), small and self-contained ---- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* Rotates x right by n bits. */
static uint32_t ror32(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

/* Mixes one 64-byte block into the state h. */
static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], s[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3;
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10;
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(s, h, sizeof s);
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = s[7] + (ror32(s[4], 6) ^ ror32(s[4], 11) ^ ror32(s[4], 25)) +
			      ((s[4] & s[5]) ^ (~s[4] & s[6])) + sha256_k[i] + w[i];
		uint32_t t2 = (ror32(s[0], 2) ^ ror32(s[0], 13) ^ ror32(s[0], 22)) +
			      ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
		memmove(s + 1, s, 7 * sizeof s[0]);
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += s[i];
}

/* Writes the SHA-256 of data[0..len) into out (internal; tests call it). */
void auth__sha256(const void *data, size_t len, uint8_t out[32])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const uint8_t *p = data;
	uint8_t tail[128] = {0};
	size_t full = len & ~(size_t)63, rest = len - full;
	for (size_t i = 0; i < full; i += 64)
		sha256_block(h, p + i);
	memcpy(tail, p + full, rest);
	tail[rest] = 0x80;
	size_t tlen = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (size_t i = 0; i < tlen; i += 64)
		sha256_block(h, tail + i);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

/* ---- users ---- */

const char *auth_role_name(enum auth_role r)
{
	switch (r) {
	case AUTH_ROLE_COUNTER:
		return "counter";
	case AUTH_ROLE_MANAGER:
		return "manager";
	case AUTH_ROLE_ADMIN:
		return "admin";
	}
	return "unknown";
}

int auth_role_parse(const char *s)
{
	for (int r = AUTH_ROLE_COUNTER; r <= AUTH_ROLE_ADMIN; r++)
		if (s && strcmp(s, auth_role_name((enum auth_role)r)) == 0)
			return r;
	return -EINVAL;
}

/* Whether name matches [a-z0-9._-]{1,64}. */
bool auth__name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > AUTH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Whether a service id is 1..64 printable ASCII bytes without ',' (the DB separator). */
bool auth__service_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 1 || n > AUTH_SERVICE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == ',')
			return false;
	return true;
}

/* Frees a user and its services; NULL is fine. */
void auth__user_free(struct auth_user *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nservices; i++)
		free(u->services[i]);
	free(u->services);
	free(u);
}

/* Fills u (zeroed) from a name, role name and comma-joined services; returns 0 or -EINVAL. */
static int user_fill(struct auth_user *u, const char *name, const char *role, const char *services)
{
	int r = auth_role_parse(role);
	if (!name || !services || r < 0 || strlen(name) > AUTH_NAME_MAX)
		return -EINVAL;
	strcpy(u->name, name);
	u->role = (enum auth_role)r;
	for (const char *p = services; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		u->services = xrealloc(u->services, (u->nservices + 1) * sizeof *u->services);
		u->services[u->nservices++] = xstrndup(p, len);
		p += len + (end ? 1 : 0);
	}
	return 0;
}

/* A new user from statement columns (name, role, services) at col, or NULL if corrupt. */
struct auth_user *auth__user_from_row(sqlite3_stmt *st, int col)
{
	struct auth_user *u = xcalloc(1, sizeof *u);
	if (user_fill(u, (const char *)sqlite3_column_text(st, col),
		      (const char *)sqlite3_column_text(st, col + 1),
		      (const char *)sqlite3_column_text(st, col + 2)) < 0) {
		auth__user_free(u);
		return NULL;
	}
	return u;
}

/* A deep copy of u. */
struct auth_user *auth__user_dup(const struct auth_user *u)
{
	struct auth_user *c = xcalloc(1, sizeof *c);
	memcpy(c->name, u->name, sizeof c->name);
	c->role = u->role;
	c->disabled = u->disabled;
	c->directory = u->directory;
	c->nservices = u->nservices;
	c->services = xcalloc(u->nservices ? u->nservices : 1, sizeof *c->services);
	for (size_t i = 0; i < u->nservices; i++)
		c->services[i] = xstrdup(u->services[i]);
	return c;
}

/* Whether two users have the same role and allowed services. */
bool auth__user_same(const struct auth_user *x, const struct auth_user *y)
{
	if (x->role != y->role || x->nservices != y->nservices || x->directory != y->directory)
		return false;
	for (size_t i = 0; i < x->nservices; i++)
		if (strcmp(x->services[i], y->services[i]) != 0)
			return false;
	return true;
}

bool auth_user_allows(const struct auth_user *u, const char *const *ids, size_t n)
{
	if (!u)
		return false;
	if (u->role == AUTH_ROLE_ADMIN)
		return true;
	if (u->role != AUTH_ROLE_COUNTER)
		return false;
	if (u->nservices == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < u->nservices && !found; j++)
			found = strcmp(ids[i], u->services[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* ---- passwords ---- */

static char dummy_hash[CRYPT_OUTPUT_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* What yescrypt hashes: the password itself, or for one past libcrypt's passphrase limit
 * (512 bytes) "sha256:" and its hex SHA-256, written into buf. */
static const char *password_input(const char *password, char buf[72])
{
	size_t n = strlen(password);
	uint8_t h[32];
	if (n < CRYPT_MAX_PASSPHRASE_SIZE)
		return password;
	auth__sha256(password, n, h);
	memcpy(buf, "sha256:", 7);
	util_hex(h, sizeof h, buf + 7);
	explicit_bzero(h, sizeof h);
	return buf;
}

/* Hashes password with a fresh yescrypt salt into out; returns 0 or -EIO. */
int auth__password_hash(const char *password, char out[CRYPT_OUTPUT_SIZE])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	int rc = -EIO;
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting)) {
		char buf[72];
		const char *h = crypt_rn(password_input(password, buf), setting, cd, sizeof *cd);
		explicit_bzero(buf, sizeof buf);
		if (h && strncmp(h, "$y$", 3) == 0 && strlen(h) < CRYPT_OUTPUT_SIZE) {
			strcpy(out, h);
			rc = 0;
		}
	}
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return rc;
}

/* Makes the hash that unknown users are checked against (once per process). */
static void dummy_init(void)
{
	uint8_t raw[16];
	char pw[33];
	util_random(raw, sizeof raw);
	util_hex(raw, sizeof raw, pw);
	if (auth__password_hash(pw, dummy_hash) < 0)
		fatal("auth: cannot make a yescrypt hash");
}

const char *auth__dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_init);
	return dummy_hash;
}

/* Whether password hashes to stored; compares the full buffers in constant time. */
bool auth__password_check(const char *password, const char *stored)
{
	char x[CRYPT_OUTPUT_SIZE] = {0}, y[CRYPT_OUTPUT_SIZE] = {0};
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	char buf[72];
	const char *h = crypt_rn(password_input(password, buf), stored, cd, sizeof *cd);
	explicit_bzero(buf, sizeof buf);
	if (h)
		memcpy(x, h, strnlen(h, sizeof x - 1));
	memcpy(y, stored, strnlen(stored, sizeof y - 1));
	volatile unsigned char diff = h ? 0 : 1;
	for (size_t i = 0; i < sizeof x; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	explicit_bzero(cd, sizeof *cd);
	explicit_bzero(x, sizeof x);
	free(cd);
	return diff == 0;
}

/* ---- database ---- */

/* Sets *cause (when wanted) to "what: sqlite message" and returns -EIO. */
static int db_fail(struct auth *a, const char *what, char **cause)
{
	if (cause)
		*cause = xasprintf("%s: %s", what, sqlite3_errmsg(a->db));
	return -EIO;
}

/* Runs SQL without results; returns 0 or -EIO with *cause. */
static int db_exec(struct auth *a, const char *sql, char **cause)
{
	if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(a, "auth: database", cause);
	return 0;
}

static const char *const auth_migrations[AUTH_SCHEMA_VERSION] = {
    "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, services TEXT NOT NULL,"
    " hash TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE sessions (token_hash BLOB PRIMARY KEY, user TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
    "CREATE INDEX sessions_user ON sessions (user);",
    /* 2: the generation of the users table, bumped with every add and remove */
    "CREATE TABLE users_gen (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL);"
    "INSERT INTO users_gen (id, gen) VALUES (1, 0);",
    /* 3: users can be disabled and come from a source; one-time reset codes (their
     * SHA-256 only); the audit log of staff changes */
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local';"
    "CREATE TABLE resets (user TEXT PRIMARY KEY, code_hash BLOB NOT NULL,"
    " expires_ms INTEGER NOT NULL);"
    "CREATE TABLE audit (at_ms INTEGER NOT NULL, by TEXT NOT NULL, action TEXT NOT NULL,"
    " target TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX audit_at ON audit (at_ms);",
};

/* Brings module "auth" to AUTH_SCHEMA_VERSION in one transaction; returns 0 or -errno. */
static int db_migrate(struct auth *a, char **cause)
{
	sqlite3_stmt *st = NULL;
	int version = 0, rc;
	if ((rc = db_exec(a,
			  "CREATE TABLE IF NOT EXISTS schema (module TEXT PRIMARY KEY,"
			  " version INTEGER NOT NULL); BEGIN IMMEDIATE",
			  cause)) < 0)
		return rc;
	if (sqlite3_prepare_v2(a->db, "SELECT version FROM schema WHERE module = 'auth'", -1, &st,
			       NULL) != SQLITE_OK)
		goto fail_db;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > AUTH_SCHEMA_VERSION) {
		*cause = xasprintf("auth: database schema version %d is newer than this torgd (%d)",
				   version, AUTH_SCHEMA_VERSION);
		rc = -EPROTO;
		goto fail;
	}
	for (int v = version; v < AUTH_SCHEMA_VERSION; v++)
		if ((rc = db_exec(a, auth_migrations[v], cause)) < 0)
			goto fail;
	char *sql = xasprintf("INSERT OR REPLACE INTO schema (module, version) VALUES ('auth', %d);"
			      " COMMIT",
			      AUTH_SCHEMA_VERSION);
	rc = db_exec(a, sql, cause);
	free(sql);
	if (rc < 0)
		goto fail;
	return 0;
fail_db:
	rc = db_fail(a, "auth: migrate", cause);
fail:
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int auth_open(const char *path, struct auth **out, char **cause)
{
	struct auth *a = xcalloc(1, sizeof *a);
	int rc;
	pthread_mutex_init(&a->db_mu, NULL);
	a->ttl_ms = AUTH_TTL_DEFAULT_MS;
	a->refresh_ms = AUTH_REFRESH_DEFAULT_MS;
	if (sqlite3_open_v2(path, &a->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		rc = db_fail(a, "auth: cannot open database", cause);
		goto fail;
	}
	sqlite3_busy_timeout(a->db, 5000);
	if ((rc = db_exec(a, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", cause)) < 0 ||
	    (rc = db_migrate(a, cause)) < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	auth_free(a);
	return rc;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	auth__sessions_free(a);
	auth__directory_free(a);
	sqlite3_close(a->db);
	pthread_mutex_destroy(&a->db_mu);
	free(a);
}

/* Reads users_gen (the caller holds db_mu). */
int auth__gen_read(struct auth *a, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -EIO;
	if (sqlite3_prepare_v2(a->db, "SELECT gen FROM users_gen WHERE id = 1", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Bumps users_gen inside the caller's transaction; returns 0 or -EIO with *cause. */
int auth__gen_bump(struct auth *a, const char *what, char **cause)
{
	if (sqlite3_exec(a->db, "UPDATE users_gen SET gen = gen + 1 WHERE id = 1", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_changes(a->db) != 1)
		return db_fail(a, what, cause);
	return 0;
}

int auth_user_add(struct auth *a, const char *name, enum auth_role role,
		  const char *const *services, size_t nservices, const char *password, char **cause)
{
	char hash[CRYPT_OUTPUT_SIZE], *joined = xstrdup("");
	sqlite3_stmt *st = NULL;
	int rc = -EINVAL;
	if (!name || !auth__name_valid(name)) {
		*cause = xasprintf("user name must be 1 to 64 of a-z 0-9 . _ -");
		goto fail;
	}
	if (auth_role_parse(auth_role_name(role)) < 0) {
		*cause = xasprintf("unknown role %d", (int)role);
		goto fail;
	}
	if (!password || strlen(password) < AUTH_PASSWORD_MIN ||
	    strlen(password) > AUTH_PASSWORD_MAX) {
		*cause = xasprintf("password must be %d to %d bytes", AUTH_PASSWORD_MIN,
				   AUTH_PASSWORD_MAX);
		goto fail;
	}
	for (size_t i = 0; i < nservices; i++) {
		if (!auth__service_valid(services[i])) {
			*cause = xasprintf("service id \"%s\" is not 1 to 64 printable characters "
					   "without commas",
					   services[i]);
			goto fail;
		}
		char *j = xasprintf("%s%s%s", joined, i ? "," : "", services[i]);
		free(joined);
		joined = j;
	}
	if ((rc = auth__password_hash(password, hash)) < 0) {
		*cause = xasprintf("cannot hash the password (yescrypt)");
		goto fail;
	}
	pthread_mutex_lock(&a->db_mu);
	if ((rc = db_exec(a, "BEGIN IMMEDIATE", cause)) < 0) {
		/* nothing begun */
	} else if (sqlite3_prepare_v2(a->db,
				      "INSERT INTO users (name, role, services, hash, created_ms)"
				      " VALUES (?, ?, ?, ?, ?)",
				      -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(a, "user add", cause);
	} else {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, auth_role_name(role), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, joined, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, util_now_ms());
		int s = sqlite3_step(st);
		if (s == SQLITE_DONE) {
			rc = 0;
		} else if (s == SQLITE_CONSTRAINT) {
			*cause = xasprintf("user \"%s\" already exists", name);
			rc = -EEXIST;
		} else {
			rc = db_fail(a, "user add", cause);
		}
	}
	sqlite3_finalize(st);
	if (rc == 0 && (rc = auth__gen_bump(a, "user add", cause)) == 0)
		rc = db_exec(a, "COMMIT", cause);
	if (rc < 0 && !sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&a->db_mu);
	explicit_bzero(hash, sizeof hash);
fail:
	free(joined);
	return rc;
}

/* Runs one statement binding text p1 (and p2 unless NULL); returns changes or -EIO. */
static int db_run(struct auth *a, const char *sql, const char *p1, const char *p2)
{
	sqlite3_stmt *st = NULL;
	int rc = -EIO;
	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
		if (p2)
			sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = sqlite3_changes(a->db);
	}
	sqlite3_finalize(st);
	return rc;
}

int auth_user_remove(struct auth *a, const char *name, char **cause)
{
	int rc, n;
	pthread_mutex_lock(&a->db_mu);
	if ((rc = db_exec(a, "BEGIN IMMEDIATE", cause)) < 0)
		goto out;
	if (db_run(a, "DELETE FROM sessions WHERE user = ?", name, NULL) < 0 ||
	    db_run(a, "DELETE FROM resets WHERE user = ?", name, NULL) < 0 ||
	    (n = db_run(a, "DELETE FROM users WHERE name = ?", name, NULL)) < 0) {
		rc = db_fail(a, "user remove", cause);
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (n == 0) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		*cause = xasprintf("no user \"%s\"", name);
		rc = -ENOENT;
		goto out;
	}
	if ((rc = auth__gen_bump(a, "user remove", cause)) < 0) {
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	rc = db_exec(a, "COMMIT", cause);
out:
	pthread_mutex_unlock(&a->db_mu);
	return rc;
}

int auth_user_list(struct auth *a, void (*cb)(const struct auth_user *u, void *arg), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct auth_user **v = NULL;
	size_t n = 0;
	int rc = -EIO, s;
	pthread_mutex_lock(&a->db_mu);
	if (sqlite3_prepare_v2(a->db,
			       "SELECT name, role, services, " AUTH_USER_DIRECTORY_COL
			       ", disabled FROM users ORDER BY name",
			       -1, &st, NULL) == SQLITE_OK) {
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			struct auth_user *u = auth__user_from_row(st, 0);
			if (!u)
				continue;
			u->directory = sqlite3_column_int(st, 3) != 0;
			u->disabled = sqlite3_column_int(st, 4) != 0;
			v = xrealloc(v, (n + 1) * sizeof *v);
			v[n++] = u;
		}
		if (s == SQLITE_DONE)
			rc = 0;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db_mu);
	/* callbacks run without the lock, so they may call back into a */
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			cb(v[i], arg);
		auth__user_free(v[i]);
	}
	free(v);
	return rc;
}
