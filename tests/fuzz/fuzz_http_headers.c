/* fuzz_http_headers.c: libFuzzer driver for the header parsers of server/http_parse.h and
 * server/netaddr.h. An input is a flags byte (bit 0: the request is https) followed by up
 * to ten fields separated by '\n': Authorization, Cookie, Content-Length, Origin, Host, an
 * allowed origin, X-Forwarded-For, X-Forwarded-Proto, an address or network, and the
 * peer's address; a missing field is NULL. The driver aborts when a contract breaks: a
 * token that is not 64 lowercase hex or differs from a reference reading of the headers; a
 * Content-Length verdict, value or error that differs from strtoll on the trimmed digits;
 * an origin whose normalization is not idempotent, not lower case, keeps a default port,
 * has a path or userinfo, depends on letter case, or whose match differs from comparing
 * normalized texts; an address that inet_pton reads differently, or whose text does not
 * round-trip through netaddr_format; a network that does not contain its own address or
 * has host bits set; a client behind proxies other than a reference walk of
 * X-Forwarded-For finds; a different verdict on X-Forwarded-Proto. */
#include "http_parse.h"
#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

/* One field of the input: a NUL-terminated copy, or NULL when missing. */
struct field {
	char *s;
	size_t len;
};

/* True for the spaces HTTP allows around values. */
static bool sp(char c)
{
	return c == ' ' || c == '\t';
}

/* True for 64 lowercase hex digits at s. */
static bool hex64(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* The reference token: Bearer first, then the first good torg_session cookie. */
static bool ref_token(const struct field *a, const struct field *c, char out[65])
{
	if (a->s && a->len <= HTTP_HEADER_MAX) {
		const char *p = a->s, *e = a->s + a->len;
		while (p < e && sp(*p))
			p++;
		while (e > p && sp(e[-1]))
			e--;
		if (e - p > 6 && strncasecmp(p, "Bearer", 6) == 0 && sp(p[6])) {
			p += 6;
			while (p < e && sp(*p))
				p++;
			if (hex64(p, (size_t)(e - p))) {
				memcpy(out, p, 64);
				out[64] = '\0';
				return true;
			}
		}
	}
	if (c->s && c->len <= HTTP_HEADER_MAX) {
		const char *p = c->s, *end = c->s + c->len;
		while (p <= end) {
			const char *q = memchr(p, ';', (size_t)(end - p));
			const char *e = q ? q : end, *b = p;
			while (b < e && sp(*b))
				b++;
			while (e > b && sp(e[-1]))
				e--;
			if (e - b == 77 && memcmp(b, "torg_session=", 13) == 0 &&
			    hex64(b + 13, 64)) {
				memcpy(out, b + 13, 64);
				out[64] = '\0';
				return true;
			}
			if (!q)
				break;
			p = q + 1;
		}
	}
	return false;
}

/* Checks Content-Length against strtoll on the trimmed digits. */
static void check_content_length(const struct field *f)
{
	int64_t max = 16384, v = -1;
	struct http_error err;
	memset(&err, 0, sizeof(err));
	int rc = http_content_length(f->s, f->len, max, &v, &err);
	size_t b = 0, e = f->s ? f->len : 0;
	while (b < e && sp(f->s[b]))
		b++;
	while (e > b && sp(f->s[e - 1]))
		e--;
	bool digits = e > b && e - b <= 18;
	for (size_t i = b; i < e && digits; i++)
		digits = f->s[i] >= '0' && f->s[i] <= '9';
	if (!digits) {
		want(rc == -EINVAL && v == 0 && err.code && !strcmp(err.code, "bad_request"));
		want(!strcmp(err.field, "content-length") && err.message[0]);
		bool list = e > b && memchr(f->s + b, ',', e - b);
		want(list == (strstr(err.message, "twice") != NULL));
		return;
	}
	char num[20];
	memcpy(num, f->s + b, e - b);
	num[e - b] = '\0';
	long long n = strtoll(num, NULL, 10);
	if (n > max) {
		want(rc == -E2BIG && v == 0 && !strcmp(err.code, "payload_too_large"));
		want(!strcmp(err.field, "content-length"));
	} else {
		want(rc == 0 && v == n);
	}
}

/* Checks the shape of a normalized origin. */
static void check_normal(const char *o)
{
	size_t n = strlen(o);
	want(n < HTTP_ORIGIN_MAX);
	bool https = !strncmp(o, "https://", 8);
	want(https || !strncmp(o, "http://", 7));
	const char *host = o + (https ? 8 : 7);
	want(*host && !strchr(host, '/') && !strchr(host, '@') && !strchr(host, '?'));
	for (const char *p = o; *p; p++)
		want(!isupper((unsigned char)*p) && *p > 0x20 && *p < 0x7f);
	const char *port = strrchr(host, ']') ? strchr(strrchr(host, ']'), ':') : strchr(host, ':');
	if (port) {
		long v = strtol(port + 1, NULL, 10);
		want(v >= 1 && v <= 65535 && v != (https ? 443 : 80) && port[1] != '0');
	}
	char again[HTTP_ORIGIN_MAX];
	want(http_origin_normalize(o, again, sizeof(again)) == 0 && !strcmp(again, o));
}

/* Checks origin normalization and matching. */
static void check_origin(const struct field *o, const struct field *host,
			 const struct field *allowed, bool https)
{
	char n[HTTP_ORIGIN_MAX], up[HTTP_ORIGIN_MAX], x[HTTP_ORIGIN_MAX];
	bool ok = o->s && http_origin_normalize(o->s, n, sizeof(n)) == 0;
	if (ok) {
		check_normal(n);
		size_t len = strlen(o->s);
		want(len < sizeof(up));
		for (size_t i = 0; i <= len; i++)
			up[i] = (char)toupper((unsigned char)o->s[i]);
		want(http_origin_normalize(up, x, sizeof(x)) == 0 && !strcmp(x, n));
	}
	const char *al[1] = {allowed->s};
	bool match = http_origin_ok(o->s, host->s, https, al, allowed->s ? 1 : 0);
	bool expect = false;
	if (ok && host->s && strlen(host->s) < 280) {
		char own[300];
		snprintf(own, sizeof(own), "%s://%s", https ? "https" : "http", host->s);
		expect |= http_origin_normalize(own, x, sizeof(x)) == 0 && !strcmp(x, n);
	}
	if (ok && allowed->s)
		expect |= http_origin_normalize(allowed->s, x, sizeof(x)) == 0 && !strcmp(x, n);
	want(match == expect);
	if (ok)
		want(http_origin_ok(n, host->s, https, al, allowed->s ? 1 : 0) == match);
}

/* Checks netaddr_parse against inet_pton and the format round trip. */
static void check_addr(const struct field *f)
{
	if (!f->s)
		return;
	struct netaddr a, b;
	int rc = netaddr_parse(f->s, f->len, &a);
	want(rc == 0 || rc == -EINVAL);
	bool bracket = f->len >= 2 && f->s[0] == '[' && f->s[f->len - 1] == ']';
	char inner[NETADDR_MAX_TEXT + 1];
	size_t il = bracket ? f->len - 2 : f->len;
	if (il <= NETADDR_MAX_TEXT && !memchr(f->s, '\0', f->len)) {
		memcpy(inner, f->s + bracket, il);
		inner[il] = '\0';
		uint8_t bin[16];
		bool v6 = strchr(inner, ':') != NULL;
		bool pton = (v6 || !bracket) && inet_pton(v6 ? AF_INET6 : AF_INET, inner, bin) == 1;
		want((rc == 0) == pton);
		if (pton)
			want(v6 ? !memcmp(a.b, bin, 16) : !memcmp(a.b + 12, bin, 4));
	}
	if (rc != 0)
		return;
	char text[NETADDR_STRLEN], text2[NETADDR_STRLEN];
	netaddr_format(&a, text, sizeof(text));
	want(netaddr_parse(text, strlen(text), &b) == 0 && netaddr_equal(&a, &b));
	netaddr_format(&b, text2, sizeof(text2));
	want(!strcmp(text, text2));
	want(a.v4 == (strchr(text, ':') == NULL));
	uint8_t k1[NETADDR_KEY_LEN], k2[NETADDR_KEY_LEN];
	netaddr_key(&a, k1);
	netaddr_key(&b, k2);
	want(!memcmp(k1, k2, sizeof(k1)));
	want(a.v4 ? !memcmp(k1, a.b, 16) : (!memcmp(k1, a.b, 8) && k1[10] == 0 && k1[11] == 0));
}

/* Checks netaddr_cidr_parse; returns whether *c was parsed. */
static bool check_cidr(const struct field *f, struct netaddr_cidr *c)
{
	char *cause = NULL;
	if (!f->s || netaddr_cidr_parse(f->s, f->len, c, &cause) != 0) {
		want(!f->s || (cause && cause[0]));
		free(cause);
		return false;
	}
	want(cause == NULL && c->bits <= (c->addr.v4 ? 32u : 128u));
	want(netaddr_in(&c->addr, c));
	char text[NETADDR_STRLEN + 8], addr[NETADDR_STRLEN];
	netaddr_format(&c->addr, addr, sizeof(addr));
	snprintf(text, sizeof(text), "%s/%u", addr, c->bits);
	struct netaddr_cidr d;
	want(netaddr_cidr_parse(text, strlen(text), &d, NULL) == 0);
	want(netaddr_equal(&c->addr, &d.addr) && c->bits == d.bits);
	return true;
}

/* The reference walk of X-Forwarded-For; returns what netaddr_client should. */
static int ref_client(const struct netaddr *peer, const struct field *xff,
		      const struct netaddr_cidr *t, size_t nt, struct netaddr *client)
{
	*client = *peer;
	bool trusted = false;
	for (size_t i = 0; i < nt; i++)
		trusted |= netaddr_in(peer, &t[i]);
	if (!trusted || !xff->s || xff->len == 0)
		return 0;
	size_t end = xff->len;
	for (int looked = 0; looked < NETADDR_XFF_MAX; looked++) {
		size_t start = end;
		while (start > 0 && xff->s[start - 1] != ',')
			start--;
		size_t b = start, e = end;
		while (b < e && sp(xff->s[b]))
			b++;
		while (e > b && sp(xff->s[e - 1]))
			e--;
		struct netaddr a;
		if (netaddr_parse(xff->s + b, e - b, &a) != 0)
			return -EINVAL;
		*client = a;
		bool tr = false;
		for (size_t i = 0; i < nt; i++)
			tr |= netaddr_in(&a, &t[i]);
		if (!tr || start == 0)
			return 0;
		end = start - 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	bool https = data[0] & 1;
	struct field f[10];
	memset(f, 0, sizeof(f));
	size_t nf = 0;
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	while (nf < 10 && p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		f[nf].s = malloc(len + 1);
		memcpy(f[nf].s, p, len);
		f[nf].s[len] = '\0';
		f[nf].len = len;
		nf++;
		if (!nl)
			break;
		p = nl + 1;
	}

	char tok[65], rtok[65];
	bool got = http_token_from(f[0].s, f[0].len, f[1].s, f[1].len, tok);
	bool rgot = ref_token(&f[0], &f[1], rtok);
	want(got == rgot);
	want(got ? (hex64(tok, strlen(tok)) && !strcmp(tok, rtok)) : tok[0] == '\0');

	check_content_length(&f[2]);
	check_origin(&f[3], &f[4], &f[5], https);
	check_addr(&f[8]);

	struct netaddr_cidr t[4];
	size_t nt = 0;
	static const char *const nets[] = {"10.0.0.0/8", "fd00::/8", "127.0.0.1"};
	for (size_t i = 0; i < 3; i++)
		want(netaddr_cidr_parse(nets[i], strlen(nets[i]), &t[nt++], NULL) == 0);
	if (check_cidr(&f[8], &t[nt]))
		nt++;
	struct netaddr peer, client, rclient;
	if (!f[9].s || netaddr_parse(f[9].s, f[9].len, &peer) != 0)
		want(netaddr_parse("10.0.0.1", 8, &peer) == 0);
	int rc = netaddr_client(&peer, f[6].s, f[6].len, t, nt, &client);
	int rrc = ref_client(&peer, &f[6], t, nt, &rclient);
	want(rc == rrc && netaddr_equal(&client, &rclient));

	bool hp = netaddr_proto_https(f[7].s, f[7].len);
	bool rhp = false;
	if (f[7].s) {
		size_t e = f[7].len, b = e;
		while (b > 0 && f[7].s[b - 1] != ',')
			b--;
		while (b < e && sp(f[7].s[b]))
			b++;
		while (e > b && sp(f[7].s[e - 1]))
			e--;
		rhp = e - b == 5 && strncasecmp(f[7].s + b, "https", 5) == 0;
	}
	want(hp == rhp);

	for (size_t i = 0; i < nf; i++)
		free(f[i].s);
	return 0;
}
