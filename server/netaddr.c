/*
 * netaddr.c — the address parsers, formatter, networks, rate-limit identity and the
 * X-Forwarded-For walk of netaddr.h. The parsers are written out here rather than
 * borrowed from inet_pton so that they take a length, accept exactly the documented
 * forms and can be fuzzed with coverage; every loop is bounded by its input's length
 * and NETADDR_MAX_TEXT.
 */
#include "netaddr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses exactly a dotted quad from s[0..n) into out; 0 or -EINVAL. */
static int parse4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -EINVAL;
			i++;
		}
		size_t start = i;
		unsigned v = 0;
		while (i < n && i - start < 3 && s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -EINVAL;
		out[part] = (uint8_t)v;
	}
	return i == n ? 0 : -EINVAL;
}

/* Parses exactly an RFC 4291 IPv6 text from s[0..n) into out; 0 or -EINVAL. */
static int parse6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t g[8];
	int ng = 0, gap = -1;
	size_t i = 0;
	if (n < 2)
		return -EINVAL;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -EINVAL;
		gap = 0;
		i = 2;
	}
	while (i < n) {
		if (ng >= 8)
			return -EINVAL;
		size_t j = i;
		unsigned v = 0;
		while (j < n && j - i < 5 && util_hexval(s[j]) >= 0)
			v = v * 16 + (unsigned)util_hexval(s[j++]);
		if (j < n && s[j] == '.') {
			uint8_t q[4];
			if (ng > 6 || parse4(s + i, n - i, q))
				return -EINVAL;
			g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
			g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
			break;
		}
		if (j == i || j - i > 4)
			return -EINVAL;
		g[ng++] = (uint16_t)v;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':' || ++i == n)
			return -EINVAL;
		if (s[i] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = ng;
			i++;
		}
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return -EINVAL;
	memset(out, 0, 16);
	int tail = gap < 0 ? 0 : ng - gap;
	for (int k = 0; k < ng; k++) {
		int slot = gap >= 0 && k >= gap ? 8 - tail + (k - gap) : k;
		out[2 * slot] = (uint8_t)(g[k] >> 8);
		out[2 * slot + 1] = (uint8_t)g[k];
	}
	return 0;
}

/* Sets out from 16 IPv6 bytes, marking v4-mapped ones as IPv4. */
static void from_bytes(struct netaddr *out, const uint8_t b[16])
{
	memcpy(out->b, b, 16);
	out->v4 = memcmp(b, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

/* Parses s[0..len) as an address; *v6_text says whether it was written as IPv6. */
static int parse_addr(const char *s, size_t len, struct netaddr *out, bool *v6_text)
{
	uint8_t b[16];
	memset(out, 0, sizeof(*out));
	*v6_text = false;
	if (!s || len == 0 || len > NETADDR_MAX_TEXT)
		return -EINVAL;
	if (s[0] == '[') {
		if (len < 4 || s[len - 1] != ']')
			return -EINVAL;
		s++;
		len -= 2;
		if (!memchr(s, ':', len))
			return -EINVAL;
	}
	if (memchr(s, ':', len)) {
		if (parse6(s, len, b))
			return -EINVAL;
		*v6_text = true;
	} else {
		memcpy(b, mapped_prefix, sizeof(mapped_prefix));
		if (parse4(s, len, b + 12))
			return -EINVAL;
	}
	from_bytes(out, b);
	return 0;
}

int netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
	bool v6_text;
	return parse_addr(s, len, out, &v6_text);
}

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->v4 == b->v4 && memcmp(a->b, b->b, 16) == 0;
}

/* True when the first bits bits of x and y agree. */
static bool prefix_eq(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(x, y, whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x[whole] & mask) == (y[whole] & mask);
}

/* Clears every bit of b[0..nbytes) past the first bits bits. */
static void clear_host(uint8_t *b, size_t nbytes, unsigned bits)
{
	for (size_t i = 0; i < nbytes; i++) {
		unsigned lo = (unsigned)i * 8;
		if (bits >= lo + 8)
			continue;
		b[i] &= bits <= lo ? 0 : (uint8_t)(0xff << (8 - (bits - lo)));
	}
}

/* Sets *cause (when wanted) to a formatted message; returns -EINVAL. */
static int cidr_fail(char **cause, const char *s, size_t len, const char *why)
{
	if (cause)
		*cause = xasprintf("\"%.*s\" %s", (int)(len > 80 ? 80 : len), s, why);
	return -EINVAL;
}

int netaddr_cidr_parse(const char *s, size_t len, struct netaddr_cidr *out, char **cause)
{
	memset(out, 0, sizeof(*out));
	if (cause)
		*cause = NULL;
	if (!s)
		return cidr_fail(cause, "", 0, "is not a network");
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	bool v6_text;
	struct netaddr a;
	if (parse_addr(s, alen, &a, &v6_text))
		return cidr_fail(cause, s, len, "is not an IPv4 or IPv6 address or network");
	unsigned max = v6_text ? 128 : 32, bits = max;
	if (slash) {
		const char *p = slash + 1;
		size_t n = len - alen - 1;
		if (n == 0 || n > 3 || (p[0] == '0' && n > 1))
			return cidr_fail(cause, s, len, "has no valid prefix length after '/'");
		bits = 0;
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return cidr_fail(cause, s, len,
						 "has no valid prefix length after '/'");
			bits = bits * 10 + (unsigned)(p[i] - '0');
		}
		if (bits > max)
			return cidr_fail(cause, s, len,
					 v6_text ? "has a prefix longer than 128"
						 : "has a prefix longer than 32");
	}
	if (a.v4 && v6_text) {
		if (bits < 96)
			return cidr_fail(cause, s, len,
					 "mixes IPv4-mapped and other addresses; write IPv4 "
					 "networks as a.b.c.d/n");
		bits -= 96;
	}
	uint8_t *hb = a.v4 ? a.b + 12 : a.b;
	size_t nb = a.v4 ? 4 : 16;
	uint8_t net[16];
	memcpy(net, hb, nb);
	clear_host(net, nb, bits);
	if (memcmp(net, hb, nb) != 0) {
		if (cause) {
			struct netaddr n = a;
			memcpy(a.v4 ? n.b + 12 : n.b, net, nb);
			char text[NETADDR_STRLEN];
			netaddr_format(&n, text, sizeof(text));
			*cause = xasprintf("\"%.*s\" has host bits set (the network is %s/%u)",
					   (int)(len > 80 ? 80 : len), s, text, bits);
		}
		return -EINVAL;
	}
	out->addr = a;
	out->bits = bits;
	return 0;
}

bool netaddr_in(const struct netaddr *a, const struct netaddr_cidr *c)
{
	if (a->v4 != c->addr.v4)
		return false;
	if (a->v4)
		return prefix_eq(a->b + 12, c->addr.b + 12, c->bits > 32 ? 32 : c->bits);
	return prefix_eq(a->b, c->addr.b, c->bits > 128 ? 128 : c->bits);
}

void netaddr_format(const struct netaddr *a, char *buf, size_t len)
{
	if (!len)
		return;
	if (a->v4) {
		snprintf(buf, len, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
		return;
	}
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a->b[2 * i] << 8 | a->b[2 * i + 1]);
	int best = -1, bestlen = 1; /* RFC 5952: only runs of two or more groups */
	for (int i = 0; i < 8;) {
		if (g[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	char out[NETADDR_STRLEN];
	size_t o = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out[o++] = ':';
			if (i == 0)
				out[o++] = ':';
			i += bestlen - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%x", g[i]);
		if (i < 7)
			out[o++] = ':';
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}

void netaddr_key(const struct netaddr *a, uint8_t key[NETADDR_KEY_LEN])
{
	if (a->v4) {
		memcpy(key, a->b, 16);
		return;
	}
	memcpy(key, a->b, 8);
	memset(key + 8, 0, 8);
}

/* True when a is in one of the n networks. */
static bool trusted_any(const struct netaddr *a, const struct netaddr_cidr *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (netaddr_in(a, &t[i]))
			return true;
	return false;
}

/* True for the spaces HTTP allows around list elements. */
static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Finds the rightmost comma-separated element of s[0..*end), trimmed: sets *start and
 * *stop to its bounds and *end to the separating comma's position (0 when none left). */
static void prev_element(const char *s, size_t *end, size_t *start, size_t *stop)
{
	size_t e = *end, b = e;
	while (b > 0 && s[b - 1] != ',')
		b--;
	*end = b > 0 ? b - 1 : 0;
	size_t x = b, y = e;
	while (x < y && ows(s[x]))
		x++;
	while (y > x && ows(s[y - 1]))
		y--;
	*start = x;
	*stop = y;
}

int netaddr_client(const struct netaddr *peer, const char *xff, size_t xfflen,
		   const struct netaddr_cidr *trusted, size_t ntrusted, struct netaddr *client)
{
	*client = *peer;
	if (!trusted_any(peer, trusted, ntrusted) || !xff || xfflen == 0)
		return 0;
	size_t end = xfflen;
	for (int looked = 0; looked < NETADDR_XFF_MAX; looked++) {
		size_t start, stop;
		bool last = memrchr(xff, ',', end) == NULL;
		prev_element(xff, &end, &start, &stop);
		struct netaddr a;
		if (netaddr_parse(xff + start, stop - start, &a))
			return -EINVAL;
		*client = a;
		if (!trusted_any(&a, trusted, ntrusted) || last)
			return 0;
	}
	return 0;
}

bool netaddr_proto_https(const char *xfp, size_t len)
{
	if (!xfp || len == 0)
		return false;
	size_t end = len, start, stop;
	prev_element(xfp, &end, &start, &stop);
	return stop - start == 5 && strncasecmp(xfp + start, "https", 5) == 0;
}
