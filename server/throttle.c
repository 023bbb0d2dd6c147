/*
 * throttle.c — the login throttling tables (see throttle.h). A table is one
 * array of entries allocated at creation, a power-of-two bucket array of
 * index chains (at least two buckets per entry), a doubly linked LRU list
 * through the entries and a free list. Keys are reduced to a canonical form
 * of at most THROTTLE_KEY_MAX bytes plus their length (long keys: their first
 * bytes and a 128-bit SipHash of the whole key under a second secret key) and
 * the bucket comes from SipHash-2-4 (util_siphash) of that form under the
 * table's random seed, so nobody can aim keys at one bucket; a lookup compares the whole
 * canonical form, so two keys that share a bucket never share an entry.
 * Every call is O(1) expected and nothing grows after creation.
 */
#include "throttle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NIL	     UINT32_MAX
#define LONG_PREFIX  (THROTTLE_KEY_MAX - 16) /* bytes of a long key kept as they are */
#define CAPACITY_MAX (1u << 24)

const struct throttle_params throttle_name_params = {
    .free_failures = 5,
    .window_ms = 15 * 60 * 1000,
    .delay_first_ms = 1000,
    .delay_max_ms = 60 * 1000,
    .lockout_failures = 10,
    .lockout_ms = 15 * 60 * 1000,
};

const struct throttle_params throttle_address_params = {
    .free_failures = 20,
    .window_ms = 15 * 60 * 1000,
    .delay_first_ms = 1000,
    .delay_max_ms = 60 * 1000,
    .lockout_failures = 50,
    .lockout_ms = 15 * 60 * 1000,
};

/* A key in canonical form: its length (saturated) and at most THROTTLE_KEY_MAX bytes. */
struct ckey {
	uint32_t len;
	uint8_t b[THROTTLE_KEY_MAX];
};

/* One key's state. */
struct entry {
	uint64_t hash;
	uint32_t hnext;	     /* next in the bucket's chain */
	uint32_t prev, next; /* LRU list (most recent first); next also links the free list */
	struct ckey key;
	uint32_t nfail; /* failures in the current window */
	bool locked;
	int64_t window_start_ms, last_fail_ms, locked_until_ms;
};

struct throttle {
	struct throttle_params p;
	uint64_t seed[4]; /* [0..1] buckets, [2..3] the digest of long keys */
	struct entry *e;
	uint32_t cap, used;
	uint32_t *buckets, mask;
	uint32_t lru_head, lru_tail, free_head;
};

/* ---- keys ---- */

/* Stores the canonical form of key into *c: short keys as they are, long ones as their
 *  first LONG_PREFIX bytes and two SipHashes of the whole key under the digest seed. */
static void ckey_make(const struct throttle *t, const void *key, size_t keylen, struct ckey *c)
{
	memset(c, 0, sizeof(*c));
	c->len = keylen > UINT32_MAX ? UINT32_MAX : (uint32_t)keylen;
	if (keylen <= THROTTLE_KEY_MAX) {
		if (keylen)
			memcpy(c->b, key, keylen);
		return;
	}
	uint64_t k2[2] = {t->seed[2], t->seed[3]}, k3[2] = {t->seed[3], t->seed[2] ^ 1};
	uint64_t d[2] = {util_siphash(k2, key, keylen), util_siphash(k3, key, keylen)};
	memcpy(c->b, key, LONG_PREFIX);
	memcpy(c->b + LONG_PREFIX, d, sizeof(d));
}

/* The number of meaningful bytes in a canonical key. */
static size_t ckey_bytes(const struct ckey *c)
{
	return c->len < THROTTLE_KEY_MAX ? c->len : THROTTLE_KEY_MAX;
}

/* The bucket hash of a canonical key: SipHash of its length and bytes under the seed. */
static uint64_t ckey_hash(const struct throttle *t, const struct ckey *c)
{
	uint8_t buf[4 + THROTTLE_KEY_MAX];
	size_t n = ckey_bytes(c);
	for (int i = 0; i < 4; i++)
		buf[i] = (uint8_t)(c->len >> (8 * i));
	memcpy(buf + 4, c->b, n);
	return util_siphash(t->seed, buf, 4 + n);
}

/* Whether two canonical keys are the same key. */
static bool ckey_equal(const struct ckey *x, const struct ckey *y)
{
	return x->len == y->len && memcmp(x->b, y->b, ckey_bytes(x)) == 0;
}

/* ---- the table ---- */

/* Unlinks entry i from the LRU list. */
static void lru_unlink(struct throttle *t, uint32_t i)
{
	struct entry *e = &t->e[i];
	if (e->prev != NIL)
		t->e[e->prev].next = e->next;
	else
		t->lru_head = e->next;
	if (e->next != NIL)
		t->e[e->next].prev = e->prev;
	else
		t->lru_tail = e->prev;
	e->prev = e->next = NIL;
}

/* Puts entry i at the front (most recently used) of the LRU list. */
static void lru_push_front(struct throttle *t, uint32_t i)
{
	struct entry *e = &t->e[i];
	e->prev = NIL;
	e->next = t->lru_head;
	if (t->lru_head != NIL)
		t->e[t->lru_head].prev = i;
	t->lru_head = i;
	if (t->lru_tail == NIL)
		t->lru_tail = i;
}

/* The index of the entry holding c (with hash h), or NIL. */
static uint32_t find(const struct throttle *t, const struct ckey *c, uint64_t h)
{
	for (uint32_t i = t->buckets[h & t->mask]; i != NIL; i = t->e[i].hnext)
		if (t->e[i].hash == h && ckey_equal(&t->e[i].key, c))
			return i;
	return NIL;
}

/* Removes entry i from its bucket and the LRU list and returns it to the free list. */
static void drop(struct throttle *t, uint32_t i)
{
	struct entry *e = &t->e[i];
	uint32_t *pp = &t->buckets[e->hash & t->mask];
	while (*pp != i)
		pp = &t->e[*pp].hnext;
	*pp = e->hnext;
	lru_unlink(t, i);
	memset(e, 0, sizeof(*e));
	e->hnext = e->prev = NIL;
	e->next = t->free_head;
	t->free_head = i;
	t->used--;
}

/* Makes a fresh entry for c (hash h), evicting the least recently used one when full. */
static uint32_t add(struct throttle *t, const struct ckey *c, uint64_t h)
{
	if (t->free_head == NIL)
		drop(t, t->lru_tail);
	uint32_t i = t->free_head;
	struct entry *e = &t->e[i];
	t->free_head = e->next;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->key = *c;
	e->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = i;
	e->prev = e->next = NIL;
	lru_push_front(t, i);
	t->used++;
	return i;
}

/* Whether an entry's window or lockout is over at now: the window runs from the first
 *  failure while free failures are left, and from the last failure once the delays have
 *  begun (so a key that keeps failing reaches the lockout however long its waits are). */
static bool expired(const struct throttle *t, const struct entry *e, int64_t now)
{
	if (e->locked)
		return now >= e->locked_until_ms;
	if (e->nfail < t->p.free_failures)
		return now - e->window_start_ms >= t->p.window_ms;
	return now - e->last_fail_ms >= t->p.window_ms;
}

/* The wait after the n-th failure (n ≥ free_failures): first × 2^(n - free), capped. */
static int64_t delay_of(const struct throttle *t, uint32_t n)
{
	uint32_t k = n - t->p.free_failures;
	int64_t d = t->p.delay_first_ms;
	while (k-- > 0 && d < t->p.delay_max_ms)
		d *= 2;
	return d < t->p.delay_max_ms ? d : t->p.delay_max_ms;
}

/* Looks key up; drops its entry when expired. Returns the live entry's index or NIL, with
 *  the canonical key and hash in *c and *h. */
static uint32_t lookup(struct throttle *t, const void *key, size_t keylen, int64_t now,
		       struct ckey *c, uint64_t *h)
{
	ckey_make(t, key, keylen, c);
	*h = ckey_hash(t, c);
	uint32_t i = find(t, c, *h);
	if (i != NIL && expired(t, &t->e[i], now)) {
		drop(t, i);
		i = NIL;
	}
	return i;
}

int throttle_create(const struct throttle_params *p, size_t capacity, struct throttle **out)
{
	if (!p || !out || capacity < 1 || capacity > CAPACITY_MAX || p->window_ms <= 0 ||
	    p->lockout_ms <= 0 || p->delay_first_ms <= 0 || p->delay_max_ms < p->delay_first_ms ||
	    p->free_failures < 1 || p->lockout_failures < 1)
		return -EINVAL;
	struct throttle *t = xcalloc(1, sizeof(*t));
	t->p = *p;
	util_random(t->seed, sizeof(t->seed));
	t->cap = (uint32_t)capacity;
	t->e = xcalloc(capacity, sizeof(*t->e));
	uint32_t nb = 2;
	while (nb < 2 * t->cap)
		nb *= 2;
	t->mask = nb - 1;
	t->buckets = xmalloc(nb * sizeof(*t->buckets));
	for (uint32_t b = 0; b < nb; b++)
		t->buckets[b] = NIL;
	t->lru_head = t->lru_tail = NIL;
	for (uint32_t i = 0; i < t->cap; i++) {
		t->e[i].hnext = t->e[i].prev = NIL;
		t->e[i].next = i + 1 < t->cap ? i + 1 : NIL;
	}
	t->free_head = 0;
	*out = t;
	return 0;
}

bool throttle_check(struct throttle *t, const void *key, size_t keylen, int64_t now_ms,
		    int64_t *retry_after_ms)
{
	struct ckey c;
	uint64_t h;
	int64_t wait = 0;
	uint32_t i = lookup(t, key, keylen, now_ms, &c, &h);
	if (i != NIL) {
		struct entry *e = &t->e[i];
		lru_unlink(t, i);
		lru_push_front(t, i);
		if (e->locked)
			wait = e->locked_until_ms - now_ms;
		else if (e->nfail >= t->p.free_failures)
			wait = e->last_fail_ms + delay_of(t, e->nfail) - now_ms;
	}
	if (wait < 0)
		wait = 0;
	if (retry_after_ms)
		*retry_after_ms = wait;
	return wait == 0;
}

enum throttle_change throttle_failed(struct throttle *t, const void *key, size_t keylen,
				     int64_t now_ms)
{
	struct ckey c;
	uint64_t h;
	uint32_t i = lookup(t, key, keylen, now_ms, &c, &h);
	if (i == NIL) {
		i = add(t, &c, h);
		t->e[i].window_start_ms = now_ms;
	} else {
		lru_unlink(t, i);
		lru_push_front(t, i);
	}
	struct entry *e = &t->e[i];
	if (e->locked)
		return THROTTLE_COUNTED;
	e->nfail++;
	e->last_fail_ms = now_ms;
	if (e->nfail >= t->p.lockout_failures) {
		e->locked = true;
		e->locked_until_ms = now_ms + t->p.lockout_ms;
		return THROTTLE_LOCKED;
	}
	return e->nfail == t->p.free_failures ? THROTTLE_DELAYED : THROTTLE_COUNTED;
}

void throttle_succeeded(struct throttle *t, const void *key, size_t keylen)
{
	struct ckey c;
	ckey_make(t, key, keylen, &c);
	uint64_t h = ckey_hash(t, &c);
	uint32_t i = find(t, &c, h);
	if (i != NIL)
		drop(t, i);
}

size_t throttle_count(const struct throttle *t)
{
	return t->used;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->buckets);
	free(t);
}
