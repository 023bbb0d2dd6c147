/*
 * util.h — small helpers every torg module may use: fatal() for broken
 * invariants, a logger that writes one line per message to stderr, a
 * monotonic/UTC clock, random bytes, hex, a growing text and SipHash. No state
 * beyond the log level. Allocation that aborts on out-of-memory (xmalloc,
 * xstrdup, ...) is proto/alloc.h, the one family torgd and torg-display share;
 * this header includes it, so server code keeps calling it from here. Logs must
 * never carry anything that identifies a visitor.
 */
#ifndef TORG_UTIL_H
#define TORG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#include "alloc.h"

/** Prints "torgd: fatal: ..." and aborts: only for broken invariants. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** Writes why torgd will not start or run a command: "torgd: message" on a terminal, and
 *  "<3>message" (an error) when stderr is the journal, whatever the log level. */
void log_refusal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
/** Sets the highest level that log_msg() prints (default LOG_INFO). */
void log_set_level(enum log_level level);
/** Writes one line "torgd: LEVEL: message" to stderr when level is enabled; "<N>LEVEL:
 *  message" (N the syslog priority) when stderr is the journal (see util.c). */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/** Wall-clock time in milliseconds since the Unix epoch (UTC). */
int64_t util_now_ms(void);
/** Monotonic time in nanoseconds, for measuring durations. */
uint64_t util_mono_ns(void);
/** Fills buf with n cryptographically random bytes (getrandom); aborts on failure. */
void util_random(void *buf, size_t n);
/** Writes 2*n lowercase hex digits and a NUL into out. */
void util_hex(const uint8_t *in, size_t n, char *out);
/** The value of hex digit c (either case), or -1. */
int util_hexval(char c);
/** Parses exactly 2*n hex digits into out; returns 0 or -EINVAL. */
int util_unhex(const char *in, size_t len, uint8_t *out, size_t n);

/* A growing NUL-terminated text; zero-initialise, then append. */
struct util_text {
	char *s;
	size_t len, cap;
};
/** Appends formatted text, growing the buffer (aborts on out-of-memory). */
void util_text_printf(struct util_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Appends n bytes of s. */
void util_text_put(struct util_text *t, const char *s, size_t n);

/* A latency histogram with Prometheus's cumulative-bucket shape, fixed bounds from 0.5 ms
 * to 2.5 s (util_hist_bounds_us): adding is a few compares, and /metrics prints it as is.
 * Zero-initialise. */
#define UTIL_HIST_BUCKETS 12
struct util_hist {
	uint64_t count, sum_us;
	uint64_t bucket[UTIL_HIST_BUCKETS]; /* observations in (bound[i-1], bound[i]] */
};
/** The buckets' upper bounds in µs, ascending (the +Inf bucket is the count). */
extern const uint64_t util_hist_bounds_us[UTIL_HIST_BUCKETS];
/** Adds one observation of us microseconds. */
void util_hist_add(struct util_hist *h, uint64_t us);

/** SipHash-2-4 of data[0..len) under the 128-bit key: the keyed hash of every table whose
 *  keys an attacker chooses (addresses, names), so nobody can aim keys at one bucket.
 *  Seed key with util_random once per table. */
uint64_t util_siphash(const uint64_t key[2], const void *data, size_t len);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
