/*
 * throttle.h — login throttling: a table of keys (opaque byte strings; torgd
 * keeps one keyed by user name and one by client address) and, per key, the
 * failed sign-ins of its current window. The first free_failures failures in a
 * window cost nothing; after that each attempt must wait since the last
 * failure for a delay that doubles per failure (delay_first_ms after the
 * free_failures-th, 2× after the next, 4×, …, capped at delay_max_ms); at
 * lockout_failures the key is locked out for lockout_ms. A success clears the
 * key; a key's entry expires when its window or its lockout is over. The window
 * runs from the first failure while the failures are free, and from the last
 * failure once the delays have begun, so a key that keeps failing at the pace
 * it is told reaches the lockout however long its waits. The table holds at
 * most capacity entries, fixed at creation, and evicts the least recently
 * used one when full. Pure: no uv, no I/O; the caller passes the clock in
 * (monotonic milliseconds). Not thread-safe: one thread per table.
 */
#ifndef TORG_THROTTLE_H
#define TORG_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys longer than this are kept as their first bytes and a keyed 128-bit hash of the
 * whole key, so an entry's size is constant. */
#define THROTTLE_KEY_MAX 64

/* The policy of one table. */
struct throttle_params {
	unsigned free_failures;	   /* failures per window that cost nothing (≥ 1) */
	int64_t window_ms;	   /* a key's window (see above) */
	int64_t delay_first_ms;	   /* the wait after the first failure past the free ones */
	int64_t delay_max_ms;	   /* the waits double up to this */
	unsigned lockout_failures; /* at this many failures in a window the key is locked */
	int64_t lockout_ms;	   /* for this long */
};

/** By user name: 5 free failures in 15 min, then 1 s, 2 s, 4 s … ≤ 60 s; 10 lock for 15 min. */
extern const struct throttle_params throttle_name_params;
/** By client address: 20 free failures in 15 min, then the same delays; 50 lock for 15 min. */
extern const struct throttle_params throttle_address_params;

/* What a failure changed, for logging once per transition. */
enum throttle_change {
	THROTTLE_COUNTED = 0, /* counted; nothing new */
	THROTTLE_DELAYED = 1, /* this failure used up the free ones: attempts now wait */
	THROTTLE_LOCKED = 2,  /* this failure locked the key out */
};

struct throttle;

/** Creates a table with the policy *p (copied) and room for capacity (1 ≤ capacity ≤ 2^24)
 *  entries, all allocated now; keys are hashed with a random seed of this table. Returns 0
 *  and *out (free with throttle_free) or -EINVAL for a bad policy or capacity. */
int throttle_create(const struct throttle_params *p, size_t capacity, struct throttle **out);
/** Whether key (keylen bytes, any bytes; NULL when keylen is 0) may try to sign in at
 *  now_ms. When not, *retry_after_ms (may be NULL) is how long it must wait (> 0); else 0.
 *  An entry past its window or lockout is dropped here. */
bool throttle_check(struct throttle *t, const void *key, size_t keylen, int64_t now_ms,
		    int64_t *retry_after_ms);
/** Counts a failed sign-in of key at now_ms (making its entry, evicting the least recently
 *  used one when the table is full). Returns whether this failure started the delays or
 *  the lockout. A failure while locked out changes nothing. */
enum throttle_change throttle_failed(struct throttle *t, const void *key, size_t keylen,
				     int64_t now_ms);
/** Clears key after a successful sign-in. */
void throttle_succeeded(struct throttle *t, const void *key, size_t keylen);
/** The number of entries held now. */
size_t throttle_count(const struct throttle *t);
/** Frees the table. NULL is fine. */
void throttle_free(struct throttle *t);

#endif
