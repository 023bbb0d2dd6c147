/* fuzz_http_query.c: libFuzzer driver for the query string of server/http_parse.h. An
 * input is a raw query string; it is split at '&' with http_query_split and the fragments
 * go through http_query_parse, http_query_get and http_query_only. The driver aborts when
 * the contract breaks: the split does not give back the input, the parser's verdict
 * differs from an independent reading of the rules (count, names, duplicates, value
 * length, UTF-8 without control characters), an error lacks code, message or field or
 * holds a byte that is not printable ASCII, an accepted parameter differs from its
 * fragment, a lookup misses or finds what is not there, or http_query_only accepts a
 * parameter it was not told about or refuses one it was. */
#include "http_parse.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

/* Checks that s (of cap bytes) is NUL-terminated printable ASCII. */
static void check_text(const char *s, size_t cap, bool nonempty)
{
	size_t n = strnlen(s, cap);
	want(n < cap && (!nonempty || n > 0));
	for (size_t i = 0; i < n; i++)
		want(s[i] >= 0x20 && s[i] < 0x7f);
}

/* Length of the UTF-8 sequence a lead byte announces (0: not a lead byte). */
static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
}

/* The reference reading of a value: valid UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF) without C0, DEL or C1. Decodes by sequence length first, unlike the parser. */
static bool value_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k = seq_len(s[i]);
		if (k == 0 || i + k > n)
			return false;
		uint32_t cp = k == 1 ? s[i] : s[i] & (0x7f >> k);
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] >> 6) != 2)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return false;
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return false;
		i += k;
	}
	return true;
}

/* The reference reading of a name: [a-z0-9_]{1,32}. */
static bool name_ok(const char *s, size_t n)
{
	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", s[i]) || s[i] == '\0')
			return false;
	return true;
}

/* Whether the fragments should be accepted, by the rules read independently. */
static bool expect_ok(const char **f, const size_t *l, size_t n)
{
	if (n > HTTP_QUERY_MAX_PARAMS)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *eq = memchr(f[i], '=', l[i]);
		size_t nl = eq ? (size_t)(eq - f[i]) : l[i], vl = eq ? l[i] - nl - 1 : 0;
		if (!name_ok(f[i], nl) || vl > HTTP_QUERY_MAX_VALUE ||
		    !value_ok((const unsigned char *)f[i] + nl + 1, vl))
			return false;
		for (size_t j = 0; j < i; j++) {
			const char *eq2 = memchr(f[j], '=', l[j]);
			size_t nl2 = eq2 ? (size_t)(eq2 - f[j]) : l[j];
			if (nl2 == nl && memcmp(f[i], f[j], nl) == 0)
				return false;
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	enum { MAXF = HTTP_QUERY_MAX_PARAMS + 1 };
	const char *f[MAXF];
	size_t l[MAXF];
	size_t total = http_query_split(s, size, f, l, MAXF), n = total < MAXF ? total : MAXF;

	/* The split: one more fragment than '&', contiguous, together the whole input. */
	size_t amps = 0;
	for (size_t i = 0; i < size; i++)
		amps += s[i] == '&';
	want(total == (size ? amps + 1 : 0));
	for (size_t i = 0; i < n; i++) {
		want(f[i] >= s && f[i] + l[i] <= s + size && !memchr(f[i], '&', l[i]));
		if (i > 0)
			want(f[i] == f[i - 1] + l[i - 1] + 1);
	}
	want(n == 0 || f[0] == s);
	want(total > MAXF || n == 0 || f[n - 1] + l[n - 1] == s + size);

	struct http_query q;
	struct http_error err;
	memset(&err, 0, sizeof(err));
	int rc = http_query_parse(f, l, n, &q, &err);
	bool ok = expect_ok(f, l, n);
	want(rc == 0 || rc == -EINVAL);
	want((rc == 0) == ok);
	if (rc != 0) {
		want(q.n == 0 && err.code && !strcmp(err.code, "bad_query"));
		check_text(err.message, sizeof(err.message), true);
		check_text(err.field, sizeof(err.field), true);
		return 0;
	}
	want(q.n == n);
	for (size_t i = 0; i < q.n; i++) {
		const struct http_query_param *p = &q.p[i];
		size_t nl = strlen(p->name);
		want(name_ok(p->name, nl) && memcmp(p->name, f[i], nl) == 0);
		want(l[i] == nl + (l[i] > nl ? 1 + p->vlen : 0));
		want(p->vlen <= HTTP_QUERY_MAX_VALUE && strlen(p->value) == p->vlen);
		want(memcmp(p->value, f[i] + nl + (l[i] > nl), p->vlen) == 0);
		want(http_query_get(&q, p->name) == p->value);
	}
	want(http_query_get(&q, "") == NULL && http_query_get(&q, NULL) == NULL);
	want(http_query_get(&q, "abcdefghijklmnopqrstuvwxyz0123456") == NULL); /* 33 bytes */
	/* A name's proper prefix is found only when it was given itself. */
	for (size_t i = 0; i < q.n; i++) {
		char pre[HTTP_QUERY_MAX_NAME + 1];
		size_t pl = strlen(q.p[i].name) - 1;
		memcpy(pre, q.p[i].name, pl);
		pre[pl] = '\0';
		bool given = false;
		for (size_t j = 0; j < q.n; j++)
			given |= !strcmp(q.p[j].name, pre);
		want((http_query_get(&q, pre) != NULL) == given);
	}

	/* http_query_only: all names pass; dropping one makes exactly that one unknown. */
	const char *known[HTTP_QUERY_MAX_PARAMS + 1];
	for (size_t i = 0; i < q.n; i++)
		known[i] = q.p[i].name;
	known[q.n] = NULL;
	want(http_query_only(&q, known, &err) == 0);
	if (q.n > 0) {
		size_t drop = size % q.n;
		const char *less[HTTP_QUERY_MAX_PARAMS + 1];
		size_t k = 0;
		for (size_t i = 0; i < q.n; i++)
			if (i != drop)
				less[k++] = q.p[i].name;
		less[k] = NULL;
		memset(&err, 0, sizeof(err));
		want(http_query_only(&q, less, &err) == -EINVAL);
		want(err.code && !strcmp(err.code, "bad_query") &&
		     !strcmp(err.field, q.p[drop].name));
		check_text(err.message, sizeof(err.message), true);
	}
	return 0;
}
