/*
 * ratelimit.h — the per-address ticket rate limit: a fixed-size table of token buckets
 * (N tickets per minute, burst N) keyed by netaddr_key() identities. Keys are compared
 * whole, so two addresses never share a bucket however their hashes fall, and hashed
 * with SipHash under a random per-table seed, so nobody can aim addresses at one probe
 * run. The table never grows: a new key that finds it full takes the place of an entry
 * whose bucket has refilled completely (it holds no information), else it is counted in
 * one shared overflow bucket with the same rate, so a flood of fresh addresses is
 * limited together and never let through. Pure: the clock is passed in, arithmetic is
 * exact integer arithmetic (a token is 60,000 units and a bucket gains per_minute units
 * per millisecond); besides util.h (xcalloc, util_siphash, util_random for the seed) it
 * calls nothing.
 */
#ifndef TORG_RATELIMIT_H
#define TORG_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_LEN  16
#define RATELIMIT_MAX_RATE 1000000    /* tickets per minute */
#define RATELIMIT_MAX_CAP  (1u << 24) /* entries */
#define RATELIMIT_UNIT	   60000      /* units of one token */

/* One token bucket: credit in units, as of at_ms. */
struct ratelimit_bucket {
	int64_t credit;
	int64_t at_ms;
};

struct ratelimit__entry;

/* The table. Embed it; its insides belong to ratelimit.c (tests may set seed). */
struct ratelimit {
	struct ratelimit__entry *entries; /* capacity entries, n in use */
	uint32_t *index;		  /* open addressing: entry number + 1, 0 = free */
	uint32_t *heap;			  /* entries in use, soonest full first */
	size_t capacity, n, mask;
	uint64_t seed[2];
	int per_minute;			  /* 0: no limit */
	struct ratelimit_bucket overflow; /* for keys that found no room */
	bool overflow_used;
};

/** Sets up an empty table of capacity entries (1..RATELIMIT_MAX_CAP) for per_minute
 *  tickets per minute per key (0..RATELIMIT_MAX_RATE; 0 means no limit), with a fresh
 *  random seed. Returns 0 or -EINVAL (then nothing is allocated). */
int ratelimit_init(struct ratelimit *rl, size_t capacity, int per_minute);
/** Takes one ticket from key's bucket at now_ms. Returns true when one was there; else
 *  false with *retry_after_s (may be NULL) set to the whole seconds, at least 1, until
 *  the next ticket. A clock that goes back refills nothing. Always true with no limit. */
bool ratelimit_take(struct ratelimit *rl, const uint8_t key[RATELIMIT_KEY_LEN], int64_t now_ms,
		    int *retry_after_s);
/** Changes the rate (and burst) for every key; credits above the new burst are cut.
 *  Returns 0 or -EINVAL (rate out of range; nothing changed). */
int ratelimit_set_rate(struct ratelimit *rl, int per_minute);
/** Frees the table's storage and zeroes it; safe on a zeroed or freed table. */
void ratelimit_free(struct ratelimit *rl);

#endif
