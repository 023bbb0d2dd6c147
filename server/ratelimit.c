/*
 * ratelimit.c — the token-bucket table of ratelimit.h. Entries live in a fixed array;
 * an open-addressing index (linear probing, at most half full, backward-shift deletion)
 * finds a key's entry by its util_siphash under the table's seed; a binary min-heap
 * orders the entries by the time their bucket will be full again, so the entry a
 * newcomer may take over, when the table is full, is always at the top. Every
 * operation is O(log capacity) with short probe runs.
 */
#include "ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ratelimit__entry {
	uint8_t key[RATELIMIT_KEY_LEN];
	uint64_t hash;
	struct ratelimit_bucket b;
	int64_t full_at; /* when b will hold a full burst again */
	uint32_t heap_pos;
};

/* ---- buckets ---- */

/* A full burst in units. */
static int64_t burst(const struct ratelimit *rl)
{
	return (int64_t)rl->per_minute * RATELIMIT_UNIT;
}

/* Brings bucket b forward to now (nothing when the clock went back). */
static void refill(const struct ratelimit *rl, struct ratelimit_bucket *b, int64_t now)
{
	if (now <= b->at_ms)
		return;
	int64_t need = burst(rl) - b->credit, dt = now - b->at_ms, rate = rl->per_minute;
	if (need <= 0 || dt >= (need + rate - 1) / rate)
		b->credit = burst(rl);
	else
		b->credit += dt * rate;
	b->at_ms = now;
}

/* When bucket b will be full again. */
static int64_t full_at(const struct ratelimit *rl, const struct ratelimit_bucket *b)
{
	int64_t need = burst(rl) - b->credit;
	return need <= 0 ? b->at_ms : b->at_ms + (need + rl->per_minute - 1) / rl->per_minute;
}

/* Takes one token from b at now; false with *retry (may be NULL) set when there is none. */
static bool bucket_take(const struct ratelimit *rl, struct ratelimit_bucket *b, int64_t now,
			int *retry)
{
	refill(rl, b, now);
	if (b->credit >= RATELIMIT_UNIT) {
		b->credit -= RATELIMIT_UNIT;
		return true;
	}
	if (retry) {
		int64_t ms = (RATELIMIT_UNIT - b->credit + rl->per_minute - 1) / rl->per_minute;
		int64_t s = (ms + 999) / 1000;
		*retry = s < 1 ? 1 : (int)s;
	}
	return false;
}

/* ---- the heap, soonest full on top ---- */

/* Puts entry e at heap position i. */
static void heap_set(struct ratelimit *rl, uint32_t i, uint32_t e)
{
	rl->heap[i] = e;
	rl->entries[e].heap_pos = i;
}

/* Moves the entry at heap position i down until its children are not sooner. */
static void heap_down(struct ratelimit *rl, uint32_t i)
{
	uint32_t e = rl->heap[i];
	int64_t key = rl->entries[e].full_at;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= rl->n)
			break;
		if (c + 1 < rl->n &&
		    rl->entries[rl->heap[c + 1]].full_at < rl->entries[rl->heap[c]].full_at)
			c++;
		if (rl->entries[rl->heap[c]].full_at >= key)
			break;
		heap_set(rl, i, rl->heap[c]);
		i = c;
	}
	heap_set(rl, i, e);
}

/* Restores the heap order after the full_at of the entry at position i changed. */
static void heap_fix(struct ratelimit *rl, uint32_t i)
{
	uint32_t e = rl->heap[i];
	int64_t key = rl->entries[e].full_at;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (rl->entries[rl->heap[parent]].full_at <= key)
			break;
		heap_set(rl, i, rl->heap[parent]);
		i = parent;
	}
	heap_set(rl, i, e);
	heap_down(rl, i);
}

/* ---- the index ---- */

/* The index slot holding entry e (which is in the index). */
static size_t index_find_entry(const struct ratelimit *rl, uint32_t e)
{
	size_t i = rl->entries[e].hash & rl->mask;
	while (rl->index[i] != e + 1)
		i = (i + 1) & rl->mask;
	return i;
}

/* The entry of key with hash h, or UINT32_MAX. */
static uint32_t index_lookup(const struct ratelimit *rl, const uint8_t *key, uint64_t h)
{
	for (size_t i = h & rl->mask; rl->index[i]; i = (i + 1) & rl->mask) {
		uint32_t e = rl->index[i] - 1;
		if (rl->entries[e].hash == h &&
		    memcmp(rl->entries[e].key, key, RATELIMIT_KEY_LEN) == 0)
			return e;
	}
	return UINT32_MAX;
}

/* Adds entry e (key and hash set) to the index, which has room. */
static void index_insert(struct ratelimit *rl, uint32_t e)
{
	size_t i = rl->entries[e].hash & rl->mask;
	while (rl->index[i])
		i = (i + 1) & rl->mask;
	rl->index[i] = e + 1;
}

/* Removes slot i from the index, shifting later members of its run back. */
static void index_remove(struct ratelimit *rl, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & rl->mask;
		if (!rl->index[j])
			break;
		size_t home = rl->entries[rl->index[j] - 1].hash & rl->mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		rl->index[i] = rl->index[j];
		i = j;
	}
	rl->index[i] = 0;
}

/* ---- the table ---- */

int ratelimit_init(struct ratelimit *rl, size_t capacity, int per_minute)
{
	memset(rl, 0, sizeof(*rl));
	if (capacity < 1 || capacity > RATELIMIT_MAX_CAP || per_minute < 0 ||
	    per_minute > RATELIMIT_MAX_RATE)
		return -EINVAL;
	size_t slots = 2;
	while (slots < 2 * capacity)
		slots *= 2;
	rl->entries = xcalloc(capacity, sizeof(*rl->entries));
	rl->index = xcalloc(slots, sizeof(*rl->index));
	rl->heap = xcalloc(capacity, sizeof(*rl->heap));
	rl->capacity = capacity;
	rl->mask = slots - 1;
	rl->per_minute = per_minute;
	util_random(rl->seed, sizeof(rl->seed));
	return 0;
}

/* Gives entry e to key (hash h) with a full bucket at now and files it. */
static void entry_start(struct ratelimit *rl, uint32_t e, const uint8_t *key, uint64_t h,
			int64_t now)
{
	struct ratelimit__entry *en = &rl->entries[e];
	memcpy(en->key, key, RATELIMIT_KEY_LEN);
	en->hash = h;
	en->b = (struct ratelimit_bucket){burst(rl), now};
	en->full_at = now;
	index_insert(rl, e);
}

bool ratelimit_take(struct ratelimit *rl, const uint8_t key[RATELIMIT_KEY_LEN], int64_t now_ms,
		    int *retry_after_s)
{
	if (rl->per_minute == 0)
		return true;
	uint64_t h = util_siphash(rl->seed, key, RATELIMIT_KEY_LEN);
	uint32_t e = index_lookup(rl, key, h);
	if (e == UINT32_MAX) {
		if (rl->n < rl->capacity) {
			e = (uint32_t)rl->n++;
			entry_start(rl, e, key, h, now_ms);
			heap_set(rl, e, e);
		} else if (rl->entries[rl->heap[0]].full_at <= now_ms) {
			e = rl->heap[0];
			index_remove(rl, index_find_entry(rl, e));
			entry_start(rl, e, key, h, now_ms);
		} else {
			if (!rl->overflow_used) {
				rl->overflow = (struct ratelimit_bucket){burst(rl), now_ms};
				rl->overflow_used = true;
			}
			return bucket_take(rl, &rl->overflow, now_ms, retry_after_s);
		}
	}
	struct ratelimit__entry *en = &rl->entries[e];
	bool ok = bucket_take(rl, &en->b, now_ms, retry_after_s);
	en->full_at = full_at(rl, &en->b);
	heap_fix(rl, en->heap_pos);
	return ok;
}

int ratelimit_set_rate(struct ratelimit *rl, int per_minute)
{
	if (per_minute < 0 || per_minute > RATELIMIT_MAX_RATE)
		return -EINVAL;
	rl->per_minute = per_minute;
	int64_t cap = burst(rl);
	if (rl->overflow.credit > cap)
		rl->overflow.credit = cap;
	for (size_t i = 0; i < rl->n; i++) {
		struct ratelimit__entry *en = &rl->entries[i];
		if (en->b.credit > cap)
			en->b.credit = cap;
		en->full_at = per_minute ? full_at(rl, &en->b) : en->b.at_ms;
	}
	for (size_t i = rl->n / 2; i-- > 0;)
		heap_down(rl, (uint32_t)i);
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl->entries);
	free(rl->index);
	free(rl->heap);
	memset(rl, 0, sizeof(*rl));
}
