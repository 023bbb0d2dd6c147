/*
 * util.c — fatal errors, logging, clocks, random bytes, hex, the growing text
 * and SipHash shared by torgd's modules (see util.h); allocation is
 * proto/alloc.c. Logging is line-buffered on stderr so that a log line is never
 * interleaved with another. When stderr is systemd's journal ($JOURNAL_STREAM names
 * its device and inode, systemd.exec(5)), each line starts with the syslog priority
 * "<N>" instead of "torgd: " (journald strips it into PRIORITY=, so `journalctl -p`
 * filters by level, and stamps the time and the unit itself).
 */
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

static enum log_level log_level = LOG_INFO;
static int log_journal = -1; /* stderr is the journal: 1, is not: 0, not looked yet: -1 */

/* Whether stderr is the stream systemd connected to the journal: $JOURNAL_STREAM is
 * "DEV:INO" of it, and must still match fd 2 (a child whose stderr was redirected
 * inherits the variable, not the journal). Looked up on the first line logged. */
static bool stderr_is_journal(void)
{
	/* atomics: worker threads log too, and may be the first to look */
	int known = __atomic_load_n(&log_journal, __ATOMIC_RELAXED);
	if (known >= 0)
		return known;
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;
	known = env && sscanf(env, "%llu:%llu%c", &dev, &ino, &end) == 2 &&
		fstat(STDERR_FILENO, &st) == 0 && st.st_dev == (dev_t)dev &&
		st.st_ino == (ino_t)ino;
	__atomic_store_n(&log_journal, known, __ATOMIC_RELAXED);
	return known;
}

/* Writes one line to stderr whatever the log level: the journal's prefix when stderr is
 * the journal, the terminal's otherwise. */
static void write_line(const char *journal, const char *terminal, const char *fmt, va_list ap)
{
	fputs(stderr_is_journal() ? journal : terminal, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	write_line("<2>fatal: ", "torgd: fatal: ", fmt, ap);
	va_end(ap);
	abort();
}

void log_refusal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	write_line("<3>", "torgd: ", fmt, ap);
	va_end(ap);
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = {"error", "warn", "info", "debug"};
	static const int priorities[] = {3, 4, 6, 7}; /* syslog's err, warning, info, debug */
	if (level > log_level)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (!stderr_is_journal()) {
		fprintf(stderr, "torgd: %s: %s\n", names[level], line);
		return;
	}
	/* journald takes each line as an entry: every line of a message gets the prefix (a
	 * trailing newline makes no empty entry) */
	for (char *p = line, *nl; p; p = nl && nl[1] ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		fprintf(stderr, "<%d>%s: %.*s\n", priorities[level], names[level],
			nl ? (int)(nl - p) : (int)strlen(p), p);
	}
}

int64_t util_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t util_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void util_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatal("getrandom: %s", strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
}

void util_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int util_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_unhex(const char *in, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = util_hexval(in[2 * i]), lo = util_hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Makes room for at least n more bytes and the NUL. */
static void text_reserve(struct util_text *t, size_t n)
{
	if (t->len + n + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 256;
	while (cap < t->len + n + 1)
		cap *= 2;
	t->s = xrealloc(t->s, cap);
	t->cap = cap;
}

void util_text_printf(struct util_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("util_text_printf: bad format");
	text_reserve(t, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void util_text_put(struct util_text *t, const char *s, size_t n)
{
	text_reserve(t, n);
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

const uint64_t util_hist_bounds_us[UTIL_HIST_BUCKETS] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};

void util_hist_add(struct util_hist *h, uint64_t us)
{
	h->count++;
	h->sum_us += us;
	for (size_t i = 0; i < UTIL_HIST_BUCKETS; i++) {
		if (us <= util_hist_bounds_us[i]) {
			h->bucket[i]++;
			return;
		}
	}
}

/* ---- SipHash-2-4 (Aumasson and Bernstein), for hash tables an attacker fills ---- */

/* Rotates x left by b bits. */
static uint64_t rotl64(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound over the state v. */
static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13) ^ v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17) ^ v[2];
	v[2] = rotl64(v[2], 32);
}

uint64_t util_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = {key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
			 key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL};
	size_t full = len & ~(size_t)7;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = 0;
		for (int k = 7; k >= 0; k--)
			m = m << 8 | p[i + (size_t)k];
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t k = 0; k < (len & 7); k++)
		b |= (uint64_t)p[full + k] << (8 * k);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
