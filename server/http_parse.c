/*
 * http_parse.c — the request parsers of http_parse.h: query fragments, the session
 * token, Content-Length, Origin and the route table. Each works on lengths, never on a
 * string's terminator beyond a bound it checks first, and writes its error message
 * with safe_text() so that input bytes reach a message or field only as printable
 * ASCII. IPv6 literals in origins go through netaddr, so [::1] and [0::1] compare equal.
 */
#include "http_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

/* Copies s[0..n) into dst[0..cap) as printable ASCII ('?' for any other byte, and for
 * '"' and '\\'), cut to what fits and marked "..." when cut. */
static void safe_text(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	bool cut = n + 1 > cap;
	size_t keep = cut ? (cap > 4 ? cap - 4 : 0) : n;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[o++] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char)c : '?';
	}
	if (cut && cap > 4) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	if (cap)
		dst[o < cap ? o : cap - 1] = '\0';
}

/* Fills *err: code, field (safe text of field[0..flen)) and a formatted message. */
static void __attribute__((format(printf, 5, 6)))
err_set(struct http_error *err, const char *code, const char *field, size_t flen, const char *fmt,
	...)
{
	va_list ap;
	err->code = code;
	safe_text(err->field, sizeof(err->field), field ? field : "", field ? flen : 0);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* True for the spaces HTTP allows around values. */
static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Narrows [*b, *e) of s past leading and trailing spaces and tabs. */
static void trim(const char *s, size_t *b, size_t *e)
{
	while (*b < *e && ows(s[*b]))
		(*b)++;
	while (*e > *b && ows(s[*e - 1]))
		(*e)--;
}

/* ---- query ---- */

size_t http_query_split(const char *s, size_t len, const char **frags, size_t *lens, size_t max)
{
	size_t n = 0, start = 0;
	if (!s || len == 0)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '&')
			continue;
		if (n < max) {
			frags[n] = s + start;
			lens[n] = i - start;
		}
		n++;
		start = i + 1;
	}
	return n;
}

/* True for a parameter name: [a-z0-9_]{1,HTTP_QUERY_MAX_NAME}. */
static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > HTTP_QUERY_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Checks s[0..n): 0 for valid UTF-8 without control characters, 1 for invalid UTF-8, 2 for
 * a control character (C0, DEL or C1). */
static int text_check(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 2;
			i++;
			continue;
		}
		size_t k;
		unsigned cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 1;
		}
		if (n - i <= k)
			return 1;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 1;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 1;
		if (cp >= 0x80 && cp <= 0x9f)
			return 2;
		i += k + 1;
	}
	return 0;
}

int http_query_parse(const char *const *frags, const size_t *lens, size_t nfrags,
		     struct http_query *q, struct http_error *err)
{
	q->n = 0;
	if (nfrags > HTTP_QUERY_MAX_PARAMS) {
		err_set(err, "bad_query", "query", 5, "more than %d query parameters",
			HTTP_QUERY_MAX_PARAMS);
		return -EINVAL;
	}
	for (size_t i = 0; i < nfrags; i++) {
		const char *f = lens[i] ? frags[i] : "";
		size_t len = lens[i];
		const char *eq = memchr(f, '=', len);
		size_t nl = eq ? (size_t)(eq - f) : len;
		char shown[40];
		safe_text(shown, sizeof(shown), f, nl);
		if (nl == 0) {
			err_set(err, "bad_query", "query", 5, "a query parameter has no name");
			goto fail;
		}
		if (!name_ok(f, nl)) {
			err_set(err, "bad_query", f, nl,
				"query parameter \"%s\" is not a valid name (a-z, 0-9 and _, at "
				"most %d)",
				shown, HTTP_QUERY_MAX_NAME);
			goto fail;
		}
		for (size_t j = 0; j < q->n; j++) {
			if (strlen(q->p[j].name) == nl && memcmp(q->p[j].name, f, nl) == 0) {
				err_set(err, "bad_query", f, nl,
					"query parameter \"%s\" is given twice", shown);
				goto fail;
			}
		}
		const char *v = eq ? eq + 1 : "";
		size_t vl = eq ? len - nl - 1 : 0;
		if (vl > HTTP_QUERY_MAX_VALUE) {
			err_set(err, "bad_query", f, nl,
				"query parameter \"%s\" is longer than %d bytes", shown,
				HTTP_QUERY_MAX_VALUE);
			goto fail;
		}
		int t = text_check((const unsigned char *)v, vl);
		if (t) {
			err_set(err, "bad_query", f, nl, "query parameter \"%s\" %s", shown,
				t == 1 ? "is not valid UTF-8" : "has a control character");
			goto fail;
		}
		struct http_query_param *p = &q->p[q->n++];
		memcpy(p->name, f, nl);
		p->name[nl] = '\0';
		memcpy(p->value, v, vl);
		p->value[vl] = '\0';
		p->vlen = vl;
	}
	return 0;
fail:
	q->n = 0;
	return -EINVAL;
}

const char *http_query_get(const struct http_query *q, const char *name)
{
	for (size_t i = 0; name && i < q->n && i < HTTP_QUERY_MAX_PARAMS; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return q->p[i].value;
	return NULL;
}

int http_query_only(const struct http_query *q, const char *const *known, struct http_error *err)
{
	for (size_t i = 0; i < q->n && i < HTTP_QUERY_MAX_PARAMS; i++) {
		bool ok = false;
		for (size_t k = 0; known && known[k] && !ok; k++)
			ok = strcmp(known[k], q->p[i].name) == 0;
		if (!ok) {
			const char *name = q->p[i].name;
			err_set(err, "bad_query", name, strlen(name),
				"unknown query parameter \"%s\"", name);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- session token ---- */

/* Copies s[0..n) into out when it is exactly HTTP_TOKEN_LEN lowercase hex digits. */
static bool token_copy(const char *s, size_t n, char out[HTTP_TOKEN_LEN + 1])
{
	if (n != HTTP_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* The token of an Authorization header "Bearer <token>", into out; true when found. */
static bool token_bearer(const char *a, size_t n, char out[HTTP_TOKEN_LEN + 1])
{
	if (!a || n > HTTP_HEADER_MAX)
		return false;
	size_t i = 0, e = n;
	trim(a, &i, &e);
	if (e - i < 7 || strncasecmp(a + i, "bearer", 6) != 0 || !ows(a[i + 6]))
		return false;
	i += 6;
	trim(a, &i, &e);
	return token_copy(a + i, e - i, out);
}

/* The first well-formed torg_session cookie of a Cookie header, into out. */
static bool token_cookie(const char *c, size_t n, char out[HTTP_TOKEN_LEN + 1])
{
	static const char name[] = "torg_session=";
	const size_t nl = sizeof(name) - 1;
	if (!c || n > HTTP_HEADER_MAX)
		return false;
	for (size_t i = 0; i < n;) {
		const char *semi = memchr(c + i, ';', n - i);
		size_t end = semi ? (size_t)(semi - c) : n, b = i, e = end;
		trim(c, &b, &e);
		if (e - b > nl && memcmp(c + b, name, nl) == 0 &&
		    token_copy(c + b + nl, e - b - nl, out))
			return true;
		i = end + 1;
	}
	return false;
}

bool http_token_from(const char *authorization, size_t alen, const char *cookie, size_t clen,
		     char out[HTTP_TOKEN_LEN + 1])
{
	if (token_bearer(authorization, alen, out) || token_cookie(cookie, clen, out))
		return true;
	out[0] = '\0';
	return false;
}

/* ---- Content-Length ---- */

int http_content_length(const char *v, size_t len, int64_t max, int64_t *out,
			struct http_error *err)
{
	static const char field[] = "content-length";
	size_t b = 0, e = v ? len : 0;
	*out = 0;
	trim(v, &b, &e);
	if (e > b && memchr(v + b, ',', e - b)) {
		err_set(err, "bad_request", field, sizeof(field) - 1,
			"Content-Length is given twice");
		return -EINVAL;
	}
	if (e == b) {
		err_set(err, "bad_request", field, sizeof(field) - 1, "Content-Length is empty");
		return -EINVAL;
	}
	for (size_t i = b; i < e; i++) {
		if (v[i] < '0' || v[i] > '9') {
			err_set(err, "bad_request", field, sizeof(field) - 1,
				"Content-Length is not a number of bytes");
			return -EINVAL;
		}
	}
	if (e - b > 18) {
		err_set(err, "bad_request", field, sizeof(field) - 1,
			"Content-Length has more than 18 digits");
		return -EINVAL;
	}
	int64_t n = 0;
	for (size_t i = b; i < e; i++)
		n = n * 10 + (v[i] - '0');
	if (n > max) {
		err_set(err, "payload_too_large", field, sizeof(field) - 1,
			"the body of %lld bytes is over the limit of %lld bytes", (long long)n,
			(long long)max);
		return -E2BIG;
	}
	*out = n;
	return 0;
}

/* ---- Origin ---- */

/* True for a DNS host s[0..n): labels of [A-Za-z0-9_-], 1..63 bytes, total 1..253. */
static bool host_ok(const char *s, size_t n)
{
	size_t label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_') ||
		    ++label > 63)
			return false;
	}
	return label > 0;
}

int http_origin_normalize(const char *in, char *out, size_t outlen)
{
	if (!in || !out)
		return -EINVAL;
	size_t n = strnlen(in, HTTP_ORIGIN_MAX);
	if (n >= HTTP_ORIGIN_MAX)
		return -EINVAL;
	bool https;
	size_t i;
	if (n > 7 && strncasecmp(in, "http://", 7) == 0)
		https = false, i = 7;
	else if (n > 8 && strncasecmp(in, "https://", 8) == 0)
		https = true, i = 8;
	else
		return -EINVAL;
	char host[NETADDR_STRLEN + 256];
	size_t hend;
	if (in[i] == '[') {
		const char *close = memchr(in + i, ']', n - i);
		if (!close)
			return -EINVAL;
		hend = (size_t)(close - in) + 1;
		struct netaddr a;
		if (netaddr_parse(in + i, hend - i, &a) || a.v4)
			return -EINVAL;
		char text[NETADDR_STRLEN];
		netaddr_format(&a, text, sizeof(text));
		snprintf(host, sizeof(host), "[%s]", text);
	} else {
		const char *colon = memchr(in + i, ':', n - i);
		hend = colon ? (size_t)(colon - in) : n;
		if (!host_ok(in + i, hend - i))
			return -EINVAL;
		for (size_t k = i; k < hend; k++)
			host[k - i] =
			    (char)(in[k] >= 'A' && in[k] <= 'Z' ? in[k] - 'A' + 'a' : in[k]);
		host[hend - i] = '\0';
	}
	unsigned port = 0;
	if (hend < n) {
		size_t digits = n - hend - 1;
		if (in[hend] != ':' || digits == 0 || digits > 5)
			return -EINVAL;
		for (size_t k = hend + 1; k < n; k++) {
			if (in[k] < '0' || in[k] > '9')
				return -EINVAL;
			port = port * 10 + (unsigned)(in[k] - '0');
		}
		if (port == 0 || port > 65535)
			return -EINVAL;
		if (port == (https ? 443u : 80u))
			port = 0;
	}
	int w = port ? snprintf(out, outlen, "%s://%s:%u", https ? "https" : "http", host, port)
		     : snprintf(out, outlen, "%s://%s", https ? "https" : "http", host);
	if (w < 0 || (size_t)w >= outlen) {
		if (outlen)
			out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

bool http_origin_ok(const char *origin, const char *host, bool https, const char *const *allowed,
		    size_t nallowed)
{
	char o[HTTP_ORIGIN_MAX], x[HTTP_ORIGIN_MAX];
	if (http_origin_normalize(origin, o, sizeof(o)))
		return false;
	if (host && strnlen(host, HTTP_ORIGIN_MAX) < HTTP_ORIGIN_MAX) {
		char own[HTTP_ORIGIN_MAX + 16];
		snprintf(own, sizeof(own), "%s://%s", https ? "https" : "http", host);
		if (http_origin_normalize(own, x, sizeof(x)) == 0 && strcmp(o, x) == 0)
			return true;
	}
	for (size_t i = 0; allowed && i < nallowed; i++)
		if (http_origin_normalize(allowed[i], x, sizeof(x)) == 0 && strcmp(o, x) == 0)
			return true;
	return false;
}

/* ---- routes ---- */

#define M_GET	 1u
#define M_POST	 2u
#define M_DELETE 4u
#define M_PUT	 8u
#define M_PATCH	 16u

/* The Allow header of a route's methods (static). */
static const char *allow_of(unsigned methods)
{
	static const char *const v[32] = {
	    [M_GET] = "GET",
	    [M_POST] = "POST",
	    [M_GET | M_DELETE] = "GET, DELETE",
	    [M_GET | M_PUT] = "GET, PUT",
	    [M_GET | M_PATCH | M_DELETE] = "GET, PATCH, DELETE",
	    [M_GET | M_POST] = "GET, POST",
	    [M_DELETE] = "DELETE",
	    [M_PATCH | M_DELETE] = "PATCH, DELETE",
	};
	return methods < 32 && v[methods] ? v[methods] : "GET";
}

/* The routes with a fixed path. */
static const struct fixed_route {
	const char *path;
	int route;
	unsigned methods;
	const char *file;
} fixed[] = {
    {"/healthz", HTTP_ROUTE_HEALTHZ, M_GET, NULL},
    {"/metrics", HTTP_ROUTE_METRICS, M_GET, NULL},
    {"/api/v1/floor", HTTP_ROUTE_FLOOR, M_GET, NULL},
    {"/api/v1/tickets", HTTP_ROUTE_ISSUE, M_POST, NULL},
    {"/api/v1/login", HTTP_ROUTE_LOGIN, M_POST, NULL},
    {"/api/v1/logout", HTTP_ROUTE_LOGOUT, M_POST, NULL},
    {"/api/v1/me", HTTP_ROUTE_ME, M_GET, NULL},
    {"/api/v1/stats", HTTP_ROUTE_STATS, M_GET, NULL},
    {"/api/v1/stats.csv", HTTP_ROUTE_STATS_CSV, M_GET, NULL},
    {"/api/v1/test/clock", HTTP_ROUTE_TEST_CLOCK, M_POST, NULL},
    {"/api/v1/test/purge", HTTP_ROUTE_TEST_PURGE, M_POST, NULL},
    {"/api/v1/admin/config", HTTP_ROUTE_ADMIN_CONFIG, M_GET | M_PUT, NULL},
    {"/api/v1/admin/users", HTTP_ROUTE_ADMIN_USERS, M_GET | M_POST, NULL},
    {"/api/v1/admin/audit", HTTP_ROUTE_ADMIN_AUDIT, M_GET, NULL},
    {"/api/v1/password", HTTP_ROUTE_PASSWORD, M_POST, NULL},
    {"/", HTTP_ROUTE_PAGE, M_GET, "index.html"},
    {"/index.html", HTTP_ROUTE_PAGE, M_GET, "index.html"},
    {"/kiosk", HTTP_ROUTE_PAGE, M_GET, "kiosk.html"},
    {"/counter", HTTP_ROUTE_PAGE, M_GET, "counter.html"},
    {"/dashboard", HTTP_ROUTE_PAGE, M_GET, "dashboard.html"},
    {"/login", HTTP_ROUTE_PAGE, M_GET, "login.html"},
    {"/admin", HTTP_ROUTE_PAGE, M_GET, "admin.html"},
};

/* Path segments of counter actions, in the order of PROTOCOL.md. */
static const char *const counter_ops[] = {
    "open",  "close",  "call-next", "call",	"recall",
    "start", "finish", "no-show",   "transfer", "break",
};

/* True for an id [a-z0-9_-]{1,32}. */
static bool id_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* True for a ticket id: exactly 32 lowercase hex digits. */
static bool ticket_ok(const char *s, size_t n)
{
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* True for a static asset path: [A-Za-z0-9._-] segments separated by single '/', none
 * empty or starting with '.', no "..", 1..HTTP_STATIC_PATH_MAX bytes. */
static bool static_ok(const char *s, size_t n)
{
	if (n == 0 || n > HTTP_STATIC_PATH_MAX)
		return false;
	size_t seg = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (i == seg || s[seg] == '.')
				return false;
			seg = i + 1;
			continue;
		}
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
		if (c == '.' && i > 0 && s[i - 1] == '.')
			return false;
	}
	return true;
}

/* Length of the segment at s (up to '/' or the end n). */
static size_t seg_len(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	return slash ? (size_t)(slash - s) : n;
}

/* Copies s[0..n) into dst (of cap bytes, n < cap) with a NUL. */
static void put(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* True when path[0..n) starts with prefix; sets *rest to what follows. */
static bool has_prefix(const char *path, size_t n, const char *prefix, size_t *rest)
{
	size_t pl = strlen(prefix);
	if (n < pl || memcmp(path, prefix, pl) != 0)
		return false;
	*rest = pl;
	return true;
}

/* True when s[0..n) is 1..max-1 bytes of the characters in set. */
static bool seg_of(const char *s, size_t n, size_t max, const char *set)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* /api/v1/announce/{lang}/{number}/{counter}.wav from r on; HTTP_ROUTE_NONE or ANNOUNCE. */
static int match_announce(const char *p, size_t n, size_t r, struct http_match *m)
{
	static const char digits[] = "0123456789", upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
			  lower[] = "abcdefghijklmnopqrstuvwxyz";
	char lang_set[80], num_set[40];
	snprintf(lang_set, sizeof(lang_set), "%s%s%s-", lower, upper, digits);
	snprintf(num_set, sizeof(num_set), "%s%s", upper, digits);
	size_t l1 = seg_len(p + r, n - r);
	if (r + l1 >= n || !seg_of(p + r, l1, sizeof(m->lang), lang_set))
		return HTTP_ROUTE_NONE;
	put(m->lang, sizeof(m->lang), p + r, l1);
	r += l1 + 1;
	size_t l2 = seg_len(p + r, n - r);
	if (r + l2 >= n || !seg_of(p + r, l2, sizeof(m->number), num_set))
		return HTTP_ROUTE_NONE;
	put(m->number, sizeof(m->number), p + r, l2);
	r += l2 + 1;
	size_t l3 = n - r;
	if (l3 <= 4 || memcmp(p + n - 4, ".wav", 4) != 0 || !id_ok(p + r, l3 - 4))
		return HTTP_ROUTE_NONE;
	put(m->id, sizeof(m->id), p + r, l3 - 4);
	return HTTP_ROUTE_ANNOUNCE;
}

/* /api/v1/admin/users/{name}[/reset] and /api/v1/admin/sessions/{sid} from r on (the
 * prefix "/api/v1/admin/"); HTTP_ROUTE_NONE or the route. A malformed name or sid still
 * matches, with nothing captured, so that the route answers "no such user". */
static int match_admin(const char *p, size_t n, size_t r, struct http_match *m, unsigned *methods)
{
	static const char name_set[] = "abcdefghijklmnopqrstuvwxyz0123456789._-",
			  hex[] = "0123456789abcdef";
	size_t q;
	if (has_prefix(p + r, n - r, "sessions/", &q)) {
		r += q;
		if (r == n || memchr(p + r, '/', n - r))
			return HTTP_ROUTE_NONE;
		if (n - r == 16 && seg_of(p + r, 16, 17, hex))
			put(m->id, sizeof(m->id), p + r, 16);
		*methods = M_DELETE;
		return HTTP_ROUTE_ADMIN_SESSION;
	}
	if (!has_prefix(p + r, n - r, "users/", &q))
		return HTTP_ROUTE_NONE;
	r += q;
	size_t l = seg_len(p + r, n - r);
	if (l == 0)
		return HTTP_ROUTE_NONE;
	if (seg_of(p + r, l, sizeof(m->name), name_set))
		put(m->name, sizeof(m->name), p + r, l);
	if (r + l == n) {
		*methods = M_PATCH | M_DELETE;
		return HTTP_ROUTE_ADMIN_USER;
	}
	if (n - r - l == 6 && memcmp(p + r + l, "/reset", 6) == 0) {
		*methods = M_POST;
		return HTTP_ROUTE_ADMIN_USER_RESET;
	}
	return HTTP_ROUTE_NONE;
}

/* Matches the routes that capture segments; returns the route or HTTP_ROUTE_NONE. */
static int match_captures(const char *p, size_t n, struct http_match *m, unsigned *methods)
{
	size_t r;
	if (has_prefix(p, n, "/api/v1/admin/", &r))
		return match_admin(p, n, r, m, methods);
	if (has_prefix(p, n, "/api/v1/tickets/", &r)) {
		size_t l = seg_len(p + r, n - r);
		if (!ticket_ok(p + r, l))
			return HTTP_ROUTE_NONE;
		put(m->id, sizeof(m->id), p + r, l);
		if (r + l == n) {
			*methods = M_GET | M_DELETE;
			return HTTP_ROUTE_TICKET;
		}
		if (n - r - l == 7 && memcmp(p + r + l, "/qr.svg", 7) == 0) {
			*methods = M_GET;
			return HTTP_ROUTE_TICKET_QR;
		}
		return HTTP_ROUTE_NONE;
	}
	if (has_prefix(p, n, "/api/v1/announce/", &r)) {
		*methods = M_GET;
		return match_announce(p, n, r, m);
	}
	if (has_prefix(p, n, "/api/v1/counters/", &r)) {
		size_t l = seg_len(p + r, n - r);
		if (!id_ok(p + r, l) || r + l == n)
			return HTTP_ROUTE_NONE;
		const char *op = p + r + l + 1;
		size_t ol = n - r - l - 1;
		if (ol == 0 || memchr(op, '/', ol))
			return HTTP_ROUTE_NONE;
		put(m->id, sizeof(m->id), p + r, l);
		*methods = M_POST;
		for (size_t i = 0; i < sizeof(counter_ops) / sizeof(counter_ops[0]); i++) {
			if (strlen(counter_ops[i]) == ol && memcmp(counter_ops[i], op, ol) == 0) {
				put(m->op, sizeof(m->op), op, ol);
				return HTTP_ROUTE_COUNTER;
			}
		}
		return HTTP_ROUTE_COUNTER_BAD_OP;
	}
	static const struct {
		const char *prefix, *file;
		bool ticket;
	} pages[] = {
	    {"/display/", "display.html", false},
	    {"/kiosk/", "kiosk.html", false},
	    {"/t/", "ticket.html", true},
	};
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (!has_prefix(p, n, pages[i].prefix, &r))
			continue;
		if (!(pages[i].ticket ? ticket_ok(p + r, n - r) : id_ok(p + r, n - r)))
			return HTTP_ROUTE_NONE;
		put(m->id, sizeof(m->id), p + r, n - r);
		put(m->file, sizeof(m->file), pages[i].file, strlen(pages[i].file));
		*methods = M_GET;
		return HTTP_ROUTE_PAGE;
	}
	if (has_prefix(p, n, "/static/", &r)) {
		if (!static_ok(p + r, n - r))
			return HTTP_ROUTE_NONE;
		memcpy(m->file, "static/", 7);
		put(m->file + 7, sizeof(m->file) - 7, p + r, n - r);
		*methods = M_GET;
		return HTTP_ROUTE_STATIC;
	}
	return HTTP_ROUTE_NONE;
}

int http_route(const char *path, int method, struct http_match *m)
{
	memset(m, 0, sizeof(*m));
	if (!path)
		return HTTP_ROUTE_NONE;
	size_t n = strnlen(path, HTTP_PATH_MAX + 1);
	if (n == 0 || n > HTTP_PATH_MAX || path[0] != '/')
		return HTTP_ROUTE_NONE;
	int route = HTTP_ROUTE_NONE;
	unsigned methods = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strlen(fixed[i].path) == n && memcmp(fixed[i].path, path, n) == 0) {
			route = fixed[i].route;
			methods = fixed[i].methods;
			if (fixed[i].file)
				put(m->file, sizeof(m->file), fixed[i].file, strlen(fixed[i].file));
			break;
		}
	}
	if (route == HTTP_ROUTE_NONE)
		route = match_captures(path, n, m, &methods);
	if (route == HTTP_ROUTE_NONE) {
		memset(m, 0, sizeof(*m));
		return HTTP_ROUTE_NONE;
	}
	m->allow = allow_of(methods);
	unsigned want = method == HTTP_M_GET || method == HTTP_M_HEAD ? M_GET
			: method == HTTP_M_POST			      ? M_POST
			: method == HTTP_M_DELETE		      ? M_DELETE
			: method == HTTP_M_PUT			      ? M_PUT
			: method == HTTP_M_PATCH		      ? M_PATCH
								      : 0;
	m->method_ok = (methods & want) != 0;
	return route;
}

const char *http_route_name(int route)
{
	static const char *const names[] = {
	    "none",	     "healthz",
	    "metrics",	     "floor",
	    "issue",	     "ticket",
	    "ticket_qr",     "login",
	    "logout",	     "me",
	    "counter",	     "counter_bad_op",
	    "stats",	     "stats_csv",
	    "test_clock",    "test_purge",
	    "page",	     "static",
	    "announce",	     "admin_users",
	    "admin_user",    "admin_user_reset",
	    "admin_session", "admin_audit",
	    "password",	     "admin_config",
	};
	return route >= 0 && route <= HTTP_ROUTE_MAX ? names[route] : "none";
}
