/*
 * http_parse.h — the parts of an HTTP request torgd reads, checked without
 * libwebsockets: the query string (as lws hands it over, decoded fragments), the staff
 * session token from Authorization or Cookie, Content-Length, Origin against the
 * request's own origin and the configured ones, and the route table of PROTOCOL.md with
 * the ids each route captures. Pure: no lws, no I/O, no state; every parser takes a
 * length (or bounds its C string), never reads past it, and rejects what it does not
 * know instead of guessing. A failure is described by a struct http_error: a
 * snake_case code for the JSON body, a human message and, where it applies, the
 * parameter or header at fault. Messages never echo input bytes other than printable
 * ASCII (others become '?'), so they are safe in JSON and logs.
 */
#ifndef TORG_HTTP_PARSE_H
#define TORG_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parse failure: code is static ("bad_query", "bad_request", "payload_too_large");
 * message and field are NUL-terminated (field "" when none applies). */
struct http_error {
	const char *code;
	char message[160];
	char field[48];
};

/* ---- query string ---- */

#define HTTP_QUERY_MAX_PARAMS 16
#define HTTP_QUERY_MAX_NAME   32
#define HTTP_QUERY_MAX_VALUE  256

struct http_query_param {
	char name[HTTP_QUERY_MAX_NAME + 1];
	char value[HTTP_QUERY_MAX_VALUE + 1]; /* valid UTF-8, no control characters */
	size_t vlen;
};

/* The parameters of one request, in the order given. Embed it; no cleanup needed. */
struct http_query {
	size_t n;
	struct http_query_param p[HTTP_QUERY_MAX_PARAMS];
};

/** Splits a raw query string s[0..len) at every '&' into fragments (pointers into s, not
 *  NUL-terminated; lens their lengths), storing at most max of them. An empty string has
 *  no fragments; "a&" has two ("a" and ""). Returns the number of fragments in s, which
 *  may exceed max: pass min(result, max) to http_query_parse with arrays of at least
 *  HTTP_QUERY_MAX_PARAMS + 1 entries, so that too many parameters are refused. Does not
 *  URL-decode. */
size_t http_query_split(const char *s, size_t len, const char **frags, size_t *lens, size_t max);
/** Checks and stores nfrags decoded fragments ("name=value", or "name" for an empty
 *  value): at most HTTP_QUERY_MAX_PARAMS, names [a-z0-9_]{1,32}, each given once, values
 *  at most HTTP_QUERY_MAX_VALUE bytes of valid UTF-8 without control characters (C0,
 *  DEL, C1). Returns 0, or -EINVAL with *err: code bad_query, field the parameter name
 *  (or "query" for the count and for a fragment without a name), message e.g.
 *  `query parameter "display" is longer than 256 bytes`. *q is overwritten (empty on
 *  failure). */
int http_query_parse(const char *const *frags, const size_t *lens, size_t nfrags,
		     struct http_query *q, struct http_error *err);
/** The value of parameter name (borrowed from q), or NULL when it is absent. */
const char *http_query_get(const struct http_query *q, const char *name);
/** Checks that every parameter of q is in known (NULL-terminated). Returns 0, or -EINVAL
 *  with *err: bad_query `unknown query parameter "x"`, field x. */
int http_query_only(const struct http_query *q, const char *const *known, struct http_error *err);

/* ---- session token ---- */

#define HTTP_TOKEN_LEN	64   /* lowercase hex digits of a staff session token */
#define HTTP_HEADER_MAX 8192 /* longest Authorization or Cookie header looked at */

/** Finds the staff session token of a request: "Authorization: Bearer <64 lowercase hex>"
 *  (scheme in any case, spaces after it and around the value tolerated) wins; else the
 *  first well-formed "torg_session=<64 lowercase hex>" among the cookies of the Cookie
 *  header (separated by ';' with optional spaces; other cookies and malformed
 *  torg_session values are skipped). Either header may be NULL; a header longer than
 *  HTTP_HEADER_MAX is ignored. Returns true with out set (NUL-terminated), else false with
 *  out empty. */
bool http_token_from(const char *authorization, size_t alen, const char *cookie, size_t clen,
		     char out[HTTP_TOKEN_LEN + 1]);

/* ---- Content-Length ---- */

/** Parses a Content-Length value v[0..len): ASCII digits (at most 18) with optional
 *  surrounding spaces or tabs, no sign, not a list (lws joins a repeated header with ',').
 *  Returns 0 with *out set; -EINVAL with *err bad_request (field "content-length",
 *  "Content-Length is given twice" for a list); -E2BIG with *err payload_too_large when the
 *  value is above max. */
int http_content_length(const char *v, size_t len, int64_t max, int64_t *out,
			struct http_error *err);

/* ---- Origin ---- */

#define HTTP_ORIGIN_MAX 300 /* bytes of a normalized origin and its NUL, at most */

/** Normalizes an origin "scheme://host[:port]" (scheme http or https; host a DNS name of
 *  [A-Za-z0-9_-] labels, or an IPv6 literal in brackets; port 1..65535) to lower case,
 *  without a default port (:80 for http, :443 for https) and with IPv6 in RFC 5952 form,
 *  into out[0..outlen). Anything else (a path, even "/", userinfo, a query, "null", an
 *  empty port) is refused. Returns 0 or -EINVAL (also when out is too small). */
int http_origin_normalize(const char *in, char *out, size_t outlen);
/** True when the Origin header's value is the request's own origin (scheme from https,
 *  host the Host header's value) or one of allowed[0..nallowed) (origins as configured,
 *  normalized here again), compared after normalization. NULL origin or host never
 *  match; "null" and malformed origins are refused. */
bool http_origin_ok(const char *origin, const char *host, bool https, const char *const *allowed,
		    size_t nallowed);

/* ---- routes ---- */

enum http_method {
	HTTP_M_OTHER,
	HTTP_M_GET,
	HTTP_M_POST,
	HTTP_M_DELETE,
	HTTP_M_HEAD,
	HTTP_M_PUT,
	HTTP_M_PATCH,
};

enum http_route {
	HTTP_ROUTE_NONE = 0,	   /* not found (under /api/ or elsewhere) */
	HTTP_ROUTE_HEALTHZ,	   /* GET /healthz */
	HTTP_ROUTE_METRICS,	   /* GET /metrics */
	HTTP_ROUTE_FLOOR,	   /* GET /api/v1/floor */
	HTTP_ROUTE_ISSUE,	   /* POST /api/v1/tickets */
	HTTP_ROUTE_TICKET,	   /* GET|DELETE /api/v1/tickets/{id} */
	HTTP_ROUTE_TICKET_QR,	   /* GET /api/v1/tickets/{id}/qr.svg */
	HTTP_ROUTE_LOGIN,	   /* POST /api/v1/login */
	HTTP_ROUTE_LOGOUT,	   /* POST /api/v1/logout */
	HTTP_ROUTE_ME,		   /* GET /api/v1/me */
	HTTP_ROUTE_COUNTER,	   /* POST /api/v1/counters/{id}/{op} */
	HTTP_ROUTE_COUNTER_BAD_OP, /* /api/v1/counters/{id}/{x}, x no counter action: 404 */
	HTTP_ROUTE_STATS,	   /* GET /api/v1/stats */
	HTTP_ROUTE_STATS_CSV,	   /* GET /api/v1/stats.csv */
	HTTP_ROUTE_TEST_CLOCK,	   /* POST /api/v1/test/clock */
	HTTP_ROUTE_TEST_PURGE,	   /* POST /api/v1/test/purge */
	HTTP_ROUTE_PAGE,	   /* GET a page: file is its HTML file, id the id in its path */
	HTTP_ROUTE_STATIC,	   /* GET /static/{path}: file is "static/<path>" */
	HTTP_ROUTE_ANNOUNCE,	   /* GET /api/v1/announce/{lang}/{number}/{counter}.wav */
	/* staff administration (api_admin_users.c); {name} is captured in name when it is
	 * [a-z0-9._-]{1,64} (else the route matches with name "": no such user), {sid} in id
	 * when it is 16 lowercase hex (else "") */
	HTTP_ROUTE_ADMIN_USERS,	     /* GET|POST /api/v1/admin/users */
	HTTP_ROUTE_ADMIN_USER,	     /* PATCH|DELETE /api/v1/admin/users/{name} */
	HTTP_ROUTE_ADMIN_USER_RESET, /* POST /api/v1/admin/users/{name}/reset */
	HTTP_ROUTE_ADMIN_SESSION,    /* DELETE /api/v1/admin/sessions/{sid} */
	HTTP_ROUTE_ADMIN_AUDIT,	     /* GET /api/v1/admin/audit */
	HTTP_ROUTE_PASSWORD,	     /* POST /api/v1/password */
	HTTP_ROUTE_ADMIN_CONFIG,     /* GET|PUT /api/v1/admin/config */
};
#define HTTP_ROUTE_MAX	     HTTP_ROUTE_ADMIN_CONFIG
#define HTTP_PATH_MAX	     255 /* longer paths are not found */
#define HTTP_STATIC_PATH_MAX 200 /* bytes of {path} in /static/{path} */

/* What http_route found. Strings are NUL-terminated ("" when not captured). */
struct http_match {
	char id[33]; /* ticket (32 lowercase hex), counter, display or kiosk id */
	char op[16]; /* HTTP_ROUTE_COUNTER: the action segment ("call-next") */
	char file[sizeof("static/") + HTTP_STATIC_PATH_MAX]; /* PAGE and STATIC */
	const char *allow; /* the Allow header's value ("GET", "POST", "GET, DELETE"), static;
			      NULL for HTTP_ROUTE_NONE */
	bool method_ok;	   /* the route takes this method (HEAD wherever GET) */
	char lang[16];	   /* HTTP_ROUTE_ANNOUNCE: [A-Za-z0-9-]{1,15}, and id the counter */
	char number[8];	   /* HTTP_ROUTE_ANNOUNCE: [A-Z0-9]{1,7} */
	char name[65];	   /* HTTP_ROUTE_ADMIN_USER(_RESET): the user name */
};

/** Matches a decoded request path without query (what lws gives; at most
 *  HTTP_PATH_MAX + 1 bytes are read, a longer path is not found) and method (enum
 *  http_method) against the route table of PROTOCOL.md: ids [a-z0-9_-]{1,32}, tickets
 *  exactly 32 lowercase hex, counter actions open close call-next call recall start
 *  finish no-show transfer, static paths segments of [A-Za-z0-9._-] separated by single
 *  '/', none empty or starting with '.', at most HTTP_STATIC_PATH_MAX bytes; announcements
 *  a language, a number and a counter id + ".wav". Returns the
 *  enum http_route (HTTP_ROUTE_NONE when nothing matches) and fills *m (zeroed first). */
int http_route(const char *path, int method, struct http_match *m);
/** Name of a route for logs and tests ("ticket_qr"); "none" for unknown values. */
const char *http_route_name(int route);

#endif
