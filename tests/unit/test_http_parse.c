/*
 * test_http_parse.c — unit tests of server/http_parse.h: the query rules (count, names,
 * duplicates, value length, UTF-8 and control characters, unknown parameters), the
 * session token from Authorization and Cookie, Content-Length (lists, signs, digits,
 * limits), Origin normalization and matching, and every route of the table with its
 * captures, methods and Allow text, including the cases found by attacking torgd: a
 * 300-byte value, an unknown parameter, duplicate and non-numeric Content-Length, a
 * Cookie header of more than 1,024 bytes with the session at its end.
 */
#include "http_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"

/* Parses the raw query s (split at '&', not decoded) into *q; returns the result. */
static int parse_raw(const char *s, struct http_query *q, struct http_error *err)
{
	const char *f[HTTP_QUERY_MAX_PARAMS + 1];
	size_t l[HTTP_QUERY_MAX_PARAMS + 1];
	size_t n = http_query_split(s, strlen(s), f, l, HTTP_QUERY_MAX_PARAMS + 1);
	return http_query_parse(f, l, n < ARRAY_SIZE(f) ? n : ARRAY_SIZE(f), q, err);
}

/* True when err is a bad_query about field whose message contains text. */
static bool is_err(const struct http_error *err, const char *code, const char *field,
		   const char *text)
{
	return str_eq(err->code, code) && str_eq(err->field, field) &&
	       strstr(err->message, text) != NULL;
}

static int test_query_split(void)
{
	const char *f[4];
	size_t l[4];
	REQUIRE(http_query_split("", 0, f, l, 4) == 0);
	REQUIRE(http_query_split("a=1", 3, f, l, 4) == 1 && l[0] == 3);
	REQUIRE(http_query_split("a=1&b", 5, f, l, 4) == 2);
	REQUIRE(l[0] == 3 && !memcmp(f[0], "a=1", 3) && l[1] == 1 && f[1][0] == 'b');
	REQUIRE(http_query_split("a&", 2, f, l, 4) == 2 && l[1] == 0);
	REQUIRE(http_query_split("&&&&&&", 6, f, l, 4) == 7); /* counts past max */
	return 0;
}

static int test_query_ok(void)
{
	struct http_query q;
	struct http_error err = {0};
	REQUIRE(parse_raw("display=hall&flag&x_1=%C3%A6=\xc3\xa6", &q, &err) == 0);
	REQUIRE(q.n == 3);
	REQUIRE(str_eq(http_query_get(&q, "display"), "hall"));
	REQUIRE(str_eq(http_query_get(&q, "flag"), ""));
	REQUIRE(str_eq(http_query_get(&q, "x_1"), "%C3%A6=\xc3\xa6")); /* first '=' splits */
	REQUIRE(q.p[2].vlen == strlen("%C3%A6=\xc3\xa6"));
	REQUIRE(http_query_get(&q, "nope") == NULL);
	REQUIRE(http_query_get(&q, "displa") == NULL);
	REQUIRE(parse_raw("", &q, &err) == 0 && q.n == 0);
	/* Exactly 256 bytes and exactly 16 parameters pass. */
	char buf[600];
	snprintf(buf, sizeof(buf), "v=%0256d", 0);
	REQUIRE(parse_raw(buf, &q, &err) == 0 && q.p[0].vlen == 256);
	REQUIRE(parse_raw("a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1&l=1&m=1&n=1&o=1&p=1", &q,
			  &err) == 0 &&
		q.n == 16);
	/* A name of 32 characters passes. */
	REQUIRE(parse_raw("abcdefghijklmnopqrstuvwxyz_01234=1", &q, &err) == 0);
	return 0;
}

static int test_query_bad(void)
{
	struct http_query q;
	struct http_error err = {0};
	char buf[600];
	/* The attack: a 300-byte value used to be dropped silently. */
	memcpy(buf, "display=", 8);
	memset(buf + 8, 'a', 300);
	buf[308] = '\0';
	REQUIRE(parse_raw(buf, &q, &err) == -EINVAL && q.n == 0);
	REQUIRE(is_err(&err, "bad_query", "display", "longer than 256 bytes"));
	REQUIRE(str_eq(err.message, "query parameter \"display\" is longer than 256 bytes"));
	snprintf(buf, sizeof(buf), "v=%0257d", 0);
	REQUIRE(parse_raw(buf, &q, &err) == -EINVAL && is_err(&err, "bad_query", "v", "longer"));
	REQUIRE(parse_raw("a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1&l=1&m=1&n=1&o=1&p=1&q=1", &q,
			  &err) == -EINVAL);
	REQUIRE(is_err(&err, "bad_query", "query", "more than 16"));
	REQUIRE(parse_raw("from=1&from=2", &q, &err) == -EINVAL);
	REQUIRE(is_err(&err, "bad_query", "from", "given twice"));
	REQUIRE(parse_raw("Display=x", &q, &err) == -EINVAL);
	REQUIRE(is_err(&err, "bad_query", "Display", "not a valid name"));
	REQUIRE(parse_raw("a-b=x", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "a-b", "name"));
	REQUIRE(parse_raw("abcdefghijklmnopqrstuvwxyz_012345=1", &q, &err) == -EINVAL);
	REQUIRE(parse_raw("=x", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "query", "no name"));
	REQUIRE(parse_raw("a=1&", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "query", "name"));
	REQUIRE(parse_raw("a=\xc3", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "a", "UTF-8"));
	REQUIRE(parse_raw("a=\xc0\xaf", &q, &err) == -EINVAL);	       /* overlong '/' */
	REQUIRE(parse_raw("a=\xed\xa0\x80", &q, &err) == -EINVAL);     /* a surrogate */
	REQUIRE(parse_raw("a=\xf4\x90\x80\x80", &q, &err) == -EINVAL); /* past U+10FFFF */
	REQUIRE(parse_raw("a=x\ty", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "a", "control"));
	REQUIRE(parse_raw("a=\x7f", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "a", "control"));
	REQUIRE(parse_raw("a=\xc2\x85", &q, &err) == -EINVAL &&
		is_err(&err, "bad_query", "a", "control"));
	/* A NUL inside a decoded fragment is a control character, not the end. */
	const char *frag = "a=b\0c";
	size_t len = 5;
	REQUIRE(http_query_parse(&frag, &len, 1, &q, &err) == -EINVAL);
	REQUIRE(is_err(&err, "bad_query", "a", "control"));
	/* Names with bytes that are not printable are shown as '?' only. */
	REQUIRE(parse_raw("\x01\xff\"=1", &q, &err) == -EINVAL && str_eq(err.field, "???"));
	memset(buf, 'n', 100);
	buf[100] = '\0';
	REQUIRE(parse_raw(buf, &q, &err) == -EINVAL && strlen(err.field) < sizeof(err.field));
	REQUIRE(strstr(err.field, "...") != NULL);
	return 0;
}

static int test_query_only(void)
{
	struct http_query q;
	struct http_error err = {0};
	static const char *const known[] = {"from", "to", "group", NULL};
	REQUIRE(parse_raw("from=2026-01-01&group=day", &q, &err) == 0);
	REQUIRE(http_query_only(&q, known, &err) == 0);
	REQUIRE(parse_raw("from=2026-01-01&x=1", &q, &err) == 0);
	REQUIRE(http_query_only(&q, known, &err) == -EINVAL);
	REQUIRE(is_err(&err, "bad_query", "x", "unknown query parameter \"x\""));
	static const char *const none[] = {NULL};
	REQUIRE(parse_raw("", &q, &err) == 0 && http_query_only(&q, none, &err) == 0);
	REQUIRE(parse_raw("to", &q, &err) == 0 && http_query_only(&q, none, &err) == -EINVAL);
	return 0;
}

#define TOK  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TOK2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* http_token_from over C strings (NULL stays NULL). */
static bool token(const char *a, const char *c, char out[65])
{
	return http_token_from(a, a ? strlen(a) : 0, c, c ? strlen(c) : 0, out);
}

static int test_token(void)
{
	char out[65];
	REQUIRE(token("Bearer " TOK, NULL, out) && str_eq(out, TOK));
	REQUIRE(token("bEaReR    " TOK "  ", NULL, out) && str_eq(out, TOK));
	REQUIRE(token("Bearer\t" TOK, NULL, out) && str_eq(out, TOK));
	REQUIRE(!token("Bearer" TOK, NULL, out) && out[0] == '\0');
	REQUIRE(!token("Basic " TOK, NULL, out));
	REQUIRE(!token("Bearer " TOK "0", NULL, out));
	REQUIRE(!token("Bearer 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		       NULL, out));
	REQUIRE(!token(NULL, NULL, out) && out[0] == '\0');
	/* Bearer wins over the cookie; a bad Authorization falls back to the cookie. */
	REQUIRE(token("Bearer " TOK, "torg_session=" TOK2, out) && str_eq(out, TOK));
	REQUIRE(token("Bearer nonsense", "torg_session=" TOK2, out) && str_eq(out, TOK2));
	REQUIRE(token(NULL, "torg_session=" TOK, out) && str_eq(out, TOK));
	REQUIRE(token(NULL, "a=b;torg_session=" TOK ";c=d", out) && str_eq(out, TOK));
	REQUIRE(token(NULL, "a=b;   torg_session=" TOK "  ; c=d", out) && str_eq(out, TOK));
	REQUIRE(!token(NULL, "xtorg_session=" TOK, out));
	REQUIRE(!token(NULL, "torg_session=\"" TOK "\"", out));
	REQUIRE(!token(NULL, "torg_session=" TOK "x", out));
	/* A malformed torg_session is skipped and a later well-formed one used. */
	REQUIRE(token(NULL, "torg_session=bad; torg_session=" TOK2, out) && str_eq(out, TOK2));
	REQUIRE(token(NULL, "torg_session=" TOK "; torg_session=" TOK2, out) && str_eq(out, TOK));
	/* The attack: a Cookie header of 1,024 bytes or more hid the session at its end. */
	char big[8300];
	size_t o = 0;
	while (o < 2000)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "pad%zu=%s; ", o,
				      "xxxxxxxxxxxxxxxx");
	snprintf(big + o, sizeof(big) - o, "torg_session=%s", TOK2);
	REQUIRE(strlen(big) > 1024);
	REQUIRE(token(NULL, big, out) && str_eq(out, TOK2));
	/* Up to 8 KiB is read; beyond is ignored. */
	memset(big, ' ', sizeof(big));
	memcpy(big + HTTP_HEADER_MAX - 77, "torg_session=" TOK, 77);
	REQUIRE(http_token_from(NULL, 0, big, HTTP_HEADER_MAX, out) && str_eq(out, TOK));
	REQUIRE(!http_token_from(NULL, 0, big, HTTP_HEADER_MAX + 1, out));
	/* Lengths bound the reading: the token must lie within them. */
	REQUIRE(!http_token_from("Bearer " TOK, 7 + 63, NULL, 0, out));
	return 0;
}

/* http_content_length over a C string with max 16384. */
static int clen(const char *v, int64_t *out, struct http_error *err)
{
	return http_content_length(v, strlen(v), 16384, out, err);
}

static int test_content_length(void)
{
	int64_t n = -1;
	struct http_error err = {0};
	REQUIRE(clen("0", &n, &err) == 0 && n == 0);
	REQUIRE(clen("16384", &n, &err) == 0 && n == 16384);
	REQUIRE(clen(" \t12 \t", &n, &err) == 0 && n == 12);
	REQUIRE(clen("007", &n, &err) == 0 && n == 7);
	/* Duplicate headers (lws joins them with ','), even with equal values. */
	REQUIRE(clen("5,5", &n, &err) == -EINVAL && n == 0);
	REQUIRE(is_err(&err, "bad_request", "content-length", "Content-Length is given twice"));
	REQUIRE(clen("5, 7", &n, &err) == -EINVAL &&
		is_err(&err, "bad_request", "content-length", "twice"));
	REQUIRE(clen("abc", &n, &err) == -EINVAL &&
		is_err(&err, "bad_request", "content-length", "not a number"));
	REQUIRE(clen("+5", &n, &err) == -EINVAL &&
		is_err(&err, "bad_request", "content-length", "not a number"));
	REQUIRE(clen("-1", &n, &err) == -EINVAL);
	REQUIRE(clen("1 2", &n, &err) == -EINVAL);
	REQUIRE(clen("0x10", &n, &err) == -EINVAL);
	REQUIRE(clen("", &n, &err) == -EINVAL &&
		is_err(&err, "bad_request", "content-length", "empty"));
	REQUIRE(clen("  ", &n, &err) == -EINVAL);
	REQUIRE(http_content_length(NULL, 0, 10, &n, &err) == -EINVAL);
	REQUIRE(http_content_length("5\0", 2, 10, &n, &err) == -EINVAL);
	/* Huge: more than 18 digits is refused, never wrapped. */
	REQUIRE(clen("99999999999999999999", &n, &err) == -EINVAL);
	REQUIRE(is_err(&err, "bad_request", "content-length", "18 digits"));
	REQUIRE(http_content_length("999999999999999999", 18, INT64_MAX, &n, &err) == 0 &&
		n == 999999999999999999LL);
	REQUIRE(clen("16385", &n, &err) == -E2BIG && n == 0);
	REQUIRE(is_err(&err, "payload_too_large", "content-length", "16385"));
	REQUIRE(clen("999999999999999999", &n, &err) == -E2BIG);
	return 0;
}

static int test_origin_normalize(void)
{
	char out[HTTP_ORIGIN_MAX];
	REQUIRE(http_origin_normalize("https://Torg.Example", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "https://torg.example"));
	REQUIRE(http_origin_normalize("HTTPS://torg.example:443", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "https://torg.example"));
	REQUIRE(http_origin_normalize("http://torg.example:80", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "http://torg.example"));
	REQUIRE(http_origin_normalize("http://torg.example:443", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "http://torg.example:443"));
	REQUIRE(http_origin_normalize("http://127.0.0.1:8080", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "http://127.0.0.1:8080"));
	REQUIRE(http_origin_normalize("http://[0:0::1]:8080", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "http://[::1]:8080"));
	REQUIRE(http_origin_normalize("https://[FD00::A]", out, sizeof(out)) == 0);
	REQUIRE(str_eq(out, "https://[fd00::a]"));
	static const char *const bad[] = {
	    "null",
	    "",
	    "torg.example",
	    "ftp://torg.example",
	    "https://",
	    "https://torg.example/",
	    "https://torg.example/path",
	    "https://torg.example?x",
	    "https://torg.example#x",
	    "https://user@torg.example",
	    "https://user:pw@torg.example",
	    "https://torg.example:",
	    "https://torg.example:0",
	    "https://torg.example:65536",
	    "https://torg.example:123456",
	    "https://torg.example:8o",
	    "https://torg..example",
	    "https://.torg.example",
	    "https://torg.example.",
	    "https://torg example",
	    "https://[::1",
	    "https://[1.2.3.4]",
	    "https://[::1]x",
	    "https://[::ffff:1.2.3.4]",
	    "http:/torg.example",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (http_origin_normalize(bad[i], out, sizeof(out)) != -EINVAL) {
			fprintf(stderr, "accepted %s\n", bad[i]);
			return -1;
		}
	}
	REQUIRE(http_origin_normalize(NULL, out, sizeof(out)) == -EINVAL);
	REQUIRE(http_origin_normalize("https://torg.example", out, 10) == -EINVAL);
	char label[80];
	memset(label, 'a', 64);
	memcpy(label, "http://", 7);
	label[64] = '\0';
	REQUIRE(http_origin_normalize(label, out, sizeof(out)) == 0); /* a 57-byte label */
	memset(label, 'a', 71);
	memcpy(label, "http://", 7);
	label[71] = '\0';
	REQUIRE(http_origin_normalize(label, out, sizeof(out)) == -EINVAL); /* 64 bytes */
	return 0;
}

static int test_origin_ok(void)
{
	static const char *const allowed[] = {"https://Kiosk.Example:443", "not an origin",
					      "http://10.0.0.5:8080"};
	REQUIRE(http_origin_ok("https://torg.example", "torg.example", true, NULL, 0));
	REQUIRE(http_origin_ok("https://torg.example:443", "torg.example", true, NULL, 0));
	REQUIRE(http_origin_ok("https://torg.example", "torg.example:443", true, NULL, 0));
	REQUIRE(http_origin_ok("https://TORG.example", "torg.EXAMPLE", true, NULL, 0));
	REQUIRE(http_origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080", false, NULL, 0));
	REQUIRE(http_origin_ok("http://[::1]:8080", "[0::1]:8080", false, NULL, 0));
	REQUIRE(!http_origin_ok("http://torg.example", "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("https://torg.example", "torg.example", false, NULL, 0));
	REQUIRE(!http_origin_ok("http://127.0.0.1:8081", "127.0.0.1:8080", false, NULL, 0));
	REQUIRE(!http_origin_ok("https://evil.example", "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("https://torg.example.evil", "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("https://torg.example/", "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("https://torg.example/x", "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("null", "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("null", "null", true, NULL, 0));
	REQUIRE(!http_origin_ok(NULL, "torg.example", true, NULL, 0));
	REQUIRE(!http_origin_ok("https://torg.example", NULL, true, NULL, 0));
	REQUIRE(!http_origin_ok("https://torg.example", "torg.example/x", true, NULL, 0));
	REQUIRE(http_origin_ok("https://kiosk.example", "torg.example", true, allowed, 3));
	REQUIRE(http_origin_ok("http://10.0.0.5:8080", "torg.example", true, allowed, 3));
	REQUIRE(!http_origin_ok("http://10.0.0.5", "torg.example", true, allowed, 3));
	REQUIRE(!http_origin_ok("https://kiosk.example", "torg.example", true, allowed, 0));
	return 0;
}

/* Routes path for method; checks the route, the Allow text and method_ok. */
static bool route_is(const char *path, int method, int want, const char *allow, bool ok,
		     struct http_match *m)
{
	int r = http_route(path, method, m);
	if (r != want || !str_eq(m->allow, allow) || m->method_ok != ok) {
		fprintf(stderr, "%s: got %s allow %s ok %d\n", path, http_route_name(r),
			m->allow ? m->allow : "NULL", m->method_ok);
		return false;
	}
	return true;
}

static int test_routes_fixed(void)
{
	struct http_match m;
	static const struct {
		const char *path;
		int route, method;
		const char *allow;
	} table[] = {
	    {"/healthz", HTTP_ROUTE_HEALTHZ, HTTP_M_GET, "GET"},
	    {"/metrics", HTTP_ROUTE_METRICS, HTTP_M_GET, "GET"},
	    {"/api/v1/floor", HTTP_ROUTE_FLOOR, HTTP_M_GET, "GET"},
	    {"/api/v1/tickets", HTTP_ROUTE_ISSUE, HTTP_M_POST, "POST"},
	    {"/api/v1/login", HTTP_ROUTE_LOGIN, HTTP_M_POST, "POST"},
	    {"/api/v1/logout", HTTP_ROUTE_LOGOUT, HTTP_M_POST, "POST"},
	    {"/api/v1/me", HTTP_ROUTE_ME, HTTP_M_GET, "GET"},
	    {"/api/v1/stats", HTTP_ROUTE_STATS, HTTP_M_GET, "GET"},
	    {"/api/v1/stats.csv", HTTP_ROUTE_STATS_CSV, HTTP_M_GET, "GET"},
	    {"/api/v1/test/clock", HTTP_ROUTE_TEST_CLOCK, HTTP_M_POST, "POST"},
	    {"/api/v1/test/purge", HTTP_ROUTE_TEST_PURGE, HTTP_M_POST, "POST"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		bool get = table[i].method == HTTP_M_GET;
		REQUIRE(route_is(table[i].path, table[i].method, table[i].route, table[i].allow,
				 true, &m));
		REQUIRE(
		    route_is(table[i].path, HTTP_M_HEAD, table[i].route, table[i].allow, get, &m));
		REQUIRE(route_is(table[i].path, get ? HTTP_M_POST : HTTP_M_GET, table[i].route,
				 table[i].allow, false, &m));
		REQUIRE(route_is(table[i].path, HTTP_M_DELETE, table[i].route, table[i].allow,
				 false, &m));
		REQUIRE(route_is(table[i].path, HTTP_M_OTHER, table[i].route, table[i].allow, false,
				 &m));
		REQUIRE(m.id[0] == '\0' && m.op[0] == '\0' && m.file[0] == '\0');
	}
	static const char *const none[] = {
	    "/api/v1/nothing", "/api/v2/floor",	     "/api/v1/floor/", "/api/v1//floor",     "/api",
	    "/api/",	       "/healthz/",	     "/HEALTHZ",       "/nothing",	     "",
	    "healthz",	       "/api/v1/stats.json", "/api/v1/test",   "/api/v1/test/other", "/ws",
	};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		REQUIRE(route_is(none[i], HTTP_M_GET, HTTP_ROUTE_NONE, NULL, false, &m));
	REQUIRE(http_route(NULL, HTTP_M_GET, &m) == HTTP_ROUTE_NONE);
	REQUIRE(str_eq(http_route_name(HTTP_ROUTE_TICKET_QR), "ticket_qr"));
	REQUIRE(str_eq(http_route_name(-1), "none") && str_eq(http_route_name(99), "none"));
	return 0;
}

#define TID "9f0c4e5d1a2b3c4d5e6f708192a3b4c5"

/* The staff administration routes: names and session ids captured, malformed ones still
 * routed with nothing captured (the route answers "no such user"). */
static int test_routes_admin(void)
{
	struct http_match m;
	REQUIRE(route_is("/api/v1/admin/users", HTTP_M_GET, HTTP_ROUTE_ADMIN_USERS, "GET, POST",
			 true, &m));
	REQUIRE(route_is("/api/v1/admin/users", HTTP_M_POST, HTTP_ROUTE_ADMIN_USERS, "GET, POST",
			 true, &m));
	REQUIRE(route_is("/api/v1/admin/users", HTTP_M_PATCH, HTTP_ROUTE_ADMIN_USERS, "GET, POST",
			 false, &m));
	REQUIRE(route_is("/api/v1/admin/users/kari.n-2_x", HTTP_M_PATCH, HTTP_ROUTE_ADMIN_USER,
			 "PATCH, DELETE", true, &m) &&
		str_eq(m.name, "kari.n-2_x"));
	REQUIRE(route_is("/api/v1/admin/users/kari", HTTP_M_DELETE, HTTP_ROUTE_ADMIN_USER,
			 "PATCH, DELETE", true, &m));
	REQUIRE(route_is("/api/v1/admin/users/kari", HTTP_M_GET, HTTP_ROUTE_ADMIN_USER,
			 "PATCH, DELETE", false, &m));
	REQUIRE(route_is("/api/v1/admin/users/Kari", HTTP_M_PATCH, HTTP_ROUTE_ADMIN_USER,
			 "PATCH, DELETE", true, &m) &&
		m.name[0] == '\0');
	char long_name[100] = "/api/v1/admin/users/";
	memset(long_name + strlen(long_name), 'a', 65);
	REQUIRE(
	    route_is(long_name, HTTP_M_PATCH, HTTP_ROUTE_ADMIN_USER, "PATCH, DELETE", true, &m) &&
	    m.name[0] == '\0');
	REQUIRE(route_is("/api/v1/admin/users/kari/reset", HTTP_M_POST, HTTP_ROUTE_ADMIN_USER_RESET,
			 "POST", true, &m) &&
		str_eq(m.name, "kari"));
	REQUIRE(route_is("/api/v1/admin/sessions/0123456789abcdef", HTTP_M_DELETE,
			 HTTP_ROUTE_ADMIN_SESSION, "DELETE", true, &m) &&
		str_eq(m.id, "0123456789abcdef"));
	REQUIRE(route_is("/api/v1/admin/sessions/0123456789ABCDEF", HTTP_M_DELETE,
			 HTTP_ROUTE_ADMIN_SESSION, "DELETE", true, &m) &&
		m.id[0] == '\0');
	REQUIRE(
	    route_is("/api/v1/admin/audit", HTTP_M_GET, HTTP_ROUTE_ADMIN_AUDIT, "GET", true, &m));
	REQUIRE(route_is("/api/v1/password", HTTP_M_POST, HTTP_ROUTE_PASSWORD, "POST", true, &m));
	static const char *const none[] = {
	    "/api/v1/admin",	       "/api/v1/admin/",
	    "/api/v1/admin/users/",    "/api/v1/admin/x",
	    "/api/v1/admin/users/a/b", "/api/v1/admin/users/a/reset/",
	    "/api/v1/admin/sessions/", "/api/v1/admin/sessions/a/b",
	};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		REQUIRE(route_is(none[i], HTTP_M_GET, HTTP_ROUTE_NONE, NULL, false, &m));
	REQUIRE(str_eq(http_route_name(HTTP_ROUTE_PASSWORD), "password"));
	return 0;
}

static int test_routes_captures(void)
{
	struct http_match m;
	REQUIRE(route_is("/api/v1/tickets/" TID, HTTP_M_GET, HTTP_ROUTE_TICKET, "GET, DELETE", true,
			 &m) &&
		str_eq(m.id, TID));
	REQUIRE(route_is("/api/v1/tickets/" TID, HTTP_M_DELETE, HTTP_ROUTE_TICKET, "GET, DELETE",
			 true, &m));
	REQUIRE(route_is("/api/v1/tickets/" TID, HTTP_M_HEAD, HTTP_ROUTE_TICKET, "GET, DELETE",
			 true, &m));
	REQUIRE(route_is("/api/v1/tickets/" TID, HTTP_M_POST, HTTP_ROUTE_TICKET, "GET, DELETE",
			 false, &m));
	REQUIRE(route_is("/api/v1/tickets/" TID "/qr.svg", HTTP_M_GET, HTTP_ROUTE_TICKET_QR, "GET",
			 true, &m) &&
		str_eq(m.id, TID));
	REQUIRE(route_is("/api/v1/tickets/" TID "/qr.svg", HTTP_M_DELETE, HTTP_ROUTE_TICKET_QR,
			 "GET", false, &m));
	static const char *const bad_ticket[] = {
	    "/api/v1/tickets/9F0C4E5D1A2B3C4D5E6F708192A3B4C5",
	    "/api/v1/tickets/9f0c4e5d1a2b3c4d5e6f708192a3b4c",
	    "/api/v1/tickets/9f0c4e5d1a2b3c4d5e6f708192a3b4c5a",
	    "/api/v1/tickets/not-a-ticket-id",
	    "/api/v1/tickets/" TID "/",
	    "/api/v1/tickets/" TID "/qr.png",
	    "/api/v1/tickets/" TID "/qr.svg/x",
	    "/api/v1/tickets//qr.svg",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_ticket); i++)
		REQUIRE(route_is(bad_ticket[i], HTTP_M_GET, HTTP_ROUTE_NONE, NULL, false, &m));

	static const char *const ops[] = {"open",  "close",  "call-next", "call",    "recall",
					  "start", "finish", "no-show",	  "transfer"};
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		char path[100];
		snprintf(path, sizeof(path), "/api/v1/counters/c-4_x/%s", ops[i]);
		REQUIRE(route_is(path, HTTP_M_POST, HTTP_ROUTE_COUNTER, "POST", true, &m));
		REQUIRE(str_eq(m.id, "c-4_x") && str_eq(m.op, ops[i]));
		REQUIRE(route_is(path, HTTP_M_GET, HTTP_ROUTE_COUNTER, "POST", false, &m));
	}
	REQUIRE(route_is("/api/v1/counters/c1/dance", HTTP_M_POST, HTTP_ROUTE_COUNTER_BAD_OP,
			 "POST", true, &m) &&
		str_eq(m.id, "c1") && m.op[0] == '\0');
	REQUIRE(route_is("/api/v1/counters/c1/call_next", HTTP_M_POST, HTTP_ROUTE_COUNTER_BAD_OP,
			 "POST", true, &m));
	REQUIRE(route_is("/api/v1/counters/c1/Open", HTTP_M_POST, HTTP_ROUTE_COUNTER_BAD_OP, "POST",
			 true, &m));
	static const char *const bad_counter[] = {
	    "/api/v1/counters/c1",	  "/api/v1/counters/c1/",
	    "/api/v1/counters//open",	  "/api/v1/counters/C1/open",
	    "/api/v1/counters/c.1/open",  "/api/v1/counters/abcdefghijklmnopqrstuvwxyz0123456/open",
	    "/api/v1/counters/c1/open/x", "/api/v1/counters",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_counter); i++)
		REQUIRE(route_is(bad_counter[i], HTTP_M_POST, HTTP_ROUTE_NONE, NULL, false, &m));
	REQUIRE(route_is("/api/v1/counters/abcdefghijklmnopqrstuvwxyz012345/open", HTTP_M_POST,
			 HTTP_ROUTE_COUNTER, "POST", true, &m));
	return 0;
}

static int test_routes_pages(void)
{
	struct http_match m;
	static const struct {
		const char *path, *file, *id;
	} pages[] = {
	    {"/", "index.html", ""},
	    {"/index.html", "index.html", ""},
	    {"/display/hall", "display.html", "hall"},
	    {"/kiosk", "kiosk.html", ""},
	    {"/kiosk/k1", "kiosk.html", "k1"},
	    {"/counter", "counter.html", ""},
	    {"/dashboard", "dashboard.html", ""},
	    {"/admin", "admin.html", ""},
	    {"/t/" TID, "ticket.html", TID},
	};
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		REQUIRE(route_is(pages[i].path, HTTP_M_GET, HTTP_ROUTE_PAGE, "GET", true, &m));
		REQUIRE(str_eq(m.file, pages[i].file) && str_eq(m.id, pages[i].id));
		REQUIRE(route_is(pages[i].path, HTTP_M_HEAD, HTTP_ROUTE_PAGE, "GET", true, &m));
		REQUIRE(route_is(pages[i].path, HTTP_M_POST, HTTP_ROUTE_PAGE, "GET", false, &m));
	}
	static const char *const none[] = {
	    "/display",
	    "/display/",
	    "/display/Hall",
	    "/display/a/b",
	    "/kiosk/",
	    "/t/abc",
	    "/t/" TID "/",
	    "/counter/",
	    "/dashboard/x",
	    "/index.htm",
	    "/display/abcdefghijklmnopqrstuvwxyz0123456",
	};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		REQUIRE(route_is(none[i], HTTP_M_GET, HTTP_ROUTE_NONE, NULL, false, &m));
	return 0;
}

static int test_routes_static(void)
{
	struct http_match m;
	REQUIRE(route_is("/static/torg.js", HTTP_M_GET, HTTP_ROUTE_STATIC, "GET", true, &m));
	REQUIRE(str_eq(m.file, "static/torg.js"));
	REQUIRE(route_is("/static/i18n/nb.json", HTTP_M_HEAD, HTTP_ROUTE_STATIC, "GET", true, &m));
	REQUIRE(str_eq(m.file, "static/i18n/nb.json"));
	REQUIRE(route_is("/static/A-b_c.1/x.y.z", HTTP_M_GET, HTTP_ROUTE_STATIC, "GET", true, &m));
	REQUIRE(route_is("/static/torg.js", HTTP_M_POST, HTTP_ROUTE_STATIC, "GET", false, &m));
	static const char *const bad[] = {
	    "/static/",	       "/static/../floor.json", "/static/a/../b",   "/static/..",
	    "/static/.hidden", "/static/a/.git/x",	"/static//x",	    "/static/a//b",
	    "/static/a/",      "/static//etc/passwd",	"/static/a..b",	    "/static/a b",
	    "/static/a%2e",    "/static/a\\b",		"/static/\xc3\xa6", "/static/a:b",
	    "/static",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		REQUIRE(route_is(bad[i], HTTP_M_GET, HTTP_ROUTE_NONE, NULL, false, &m));
	/* {path} up to 200 bytes; paths up to 255 bytes. */
	char p[400];
	memcpy(p, "/static/", 8);
	memset(p + 8, 'a', 200);
	p[208] = '\0';
	REQUIRE(route_is(p, HTTP_M_GET, HTTP_ROUTE_STATIC, "GET", true, &m));
	REQUIRE(strlen(m.file) == 207);
	p[208] = 'a';
	p[209] = '\0';
	REQUIRE(route_is(p, HTTP_M_GET, HTTP_ROUTE_NONE, NULL, false, &m));
	memset(p, 0, sizeof(p));
	memcpy(p, "/api/v1/floor", 13);
	REQUIRE(http_route(p, HTTP_M_GET, &m) == HTTP_ROUTE_FLOOR);
	memset(p + 1, 'a', 300);
	REQUIRE(http_route(p, HTTP_M_GET, &m) == HTTP_ROUTE_NONE);
	return 0;
}

int main(void)
{
	RUN(test_query_split);
	RUN(test_query_ok);
	RUN(test_query_bad);
	RUN(test_query_only);
	RUN(test_token);
	RUN(test_content_length);
	RUN(test_origin_normalize);
	RUN(test_origin_ok);
	RUN(test_routes_fixed);
	RUN(test_routes_captures);
	RUN(test_routes_admin);
	RUN(test_routes_pages);
	RUN(test_routes_static);
	return check_report("http_parse");
}
