/*
 * test_throttle.c — the login throttling tables with a fake clock: the exact
 * delays and lockout of both parameter sets (by name and by address), a
 * success clearing a key, expiry of windows and lockouts, eviction of the
 * least recently used entry at capacity, keys sharing a bucket (and even a
 * whole hash) never sharing state, keys of any bytes and any length, the
 * per-table seed and the chains it keeps short. Includes throttle.c to reach
 * its internals. Ends with "throttle: N passed, M failed".
 */
#include "throttle.c"

#include "check.h"

#define MIN_MS (60 * 1000LL)
#define T0     1000000000LL /* the fake clock's start */

/* Creates a table or aborts. */
static struct throttle *make(const struct throttle_params *p, size_t cap)
{
	struct throttle *t = NULL;
	if (throttle_create(p, cap, &t) != 0)
		fatal("throttle_create");
	return t;
}

/* check() for a NUL-terminated key: the wait in ms (0 when allowed), -1 when the two
 *  results disagree. */
static int64_t wait_of(struct throttle *t, const char *key, int64_t now)
{
	int64_t w = -7;
	bool ok = throttle_check(t, key, strlen(key), now, &w);
	return ok == (w == 0) ? w : -1;
}

/* failed() for a NUL-terminated key. */
static enum throttle_change fail_s(struct throttle *t, const char *key, int64_t now)
{
	return throttle_failed(t, key, strlen(key), now);
}

/* Bad policies and capacities are refused. */
static int test_create_args(void)
{
	struct throttle *t = NULL;
	struct throttle_params p = throttle_name_params;
	REQUIRE(throttle_create(&p, 0, &t) == -EINVAL && !t);
	REQUIRE(throttle_create(&p, CAPACITY_MAX + 1, &t) == -EINVAL);
	REQUIRE(throttle_create(NULL, 8, &t) == -EINVAL);
	p.window_ms = 0;
	REQUIRE(throttle_create(&p, 8, &t) == -EINVAL);
	p = throttle_name_params;
	p.delay_max_ms = p.delay_first_ms - 1;
	REQUIRE(throttle_create(&p, 8, &t) == -EINVAL);
	p = throttle_name_params;
	p.free_failures = 0;
	REQUIRE(throttle_create(&p, 8, &t) == -EINVAL);
	p = throttle_name_params;
	p.lockout_failures = 0;
	REQUIRE(throttle_create(&p, 8, &t) == -EINVAL);
	REQUIRE(throttle_create(&throttle_name_params, 1, &t) == 0 && t);
	throttle_free(t);
	throttle_free(NULL);
	return 0;
}

/* The policy of one table, failure by failure: free ones, then waits of first, 2×first,
 *  … capped, each counted from the last failure, then the lockout and its end. */
static int policy_walk(const struct throttle_params *p, const char *key)
{
	struct throttle *t = make(p, 64);
	int64_t now = T0;
	REQUIRE(wait_of(t, key, now) == 0);
	for (unsigned n = 1; n < p->lockout_failures; n++) {
		enum throttle_change ch = fail_s(t, key, now);
		REQUIRE(ch == (n == p->free_failures ? THROTTLE_DELAYED : THROTTLE_COUNTED));
		if (n < p->free_failures) {
			REQUIRE(wait_of(t, key, now) == 0);
			now += 10;
			continue;
		}
		int64_t want = p->delay_first_ms << (n - p->free_failures);
		if (n - p->free_failures > 20 || want > p->delay_max_ms)
			want = p->delay_max_ms;
		REQUIRE(wait_of(t, key, now) == want);
		REQUIRE(wait_of(t, key, now + want - 1) == 1);
		REQUIRE(wait_of(t, key, now + want) == 0);
		now += want;
	}
	REQUIRE(fail_s(t, key, now) == THROTTLE_LOCKED);
	REQUIRE(wait_of(t, key, now) == p->lockout_ms);
	/* a failure reported while locked changes nothing */
	REQUIRE(fail_s(t, key, now + 5) == THROTTLE_COUNTED);
	REQUIRE(wait_of(t, key, now + p->lockout_ms - 1) == 1);
	REQUIRE(throttle_count(t) == 1);
	/* the lockout's end drops the entry: a fresh window begins */
	REQUIRE(wait_of(t, key, now + p->lockout_ms) == 0);
	REQUIRE(throttle_count(t) == 0);
	now += p->lockout_ms;
	REQUIRE(fail_s(t, key, now) == THROTTLE_COUNTED);
	REQUIRE(wait_of(t, key, now) == 0);
	throttle_free(t);
	return 0;
}

/* By name: 5 free, then 1, 2, 4, 8, 16 s; the 10th failure locks for 15 minutes. */
static int test_name_policy(void)
{
	const struct throttle_params *p = &throttle_name_params;
	REQUIRE(p->free_failures == 5 && p->window_ms == 15 * MIN_MS);
	REQUIRE(p->delay_first_ms == 1000 && p->delay_max_ms == 60000);
	REQUIRE(p->lockout_failures == 10 && p->lockout_ms == 15 * MIN_MS);
	REQUIRE(policy_walk(p, "kari") == 0);
	/* the exact waits, spelled out */
	struct throttle *t = make(p, 8);
	static const int64_t waits[] = {0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 15 * MIN_MS};
	for (int i = 0; i < 10; i++) {
		fail_s(t, "ola", T0);
		CHECK(wait_of(t, "ola", T0) == waits[i]);
	}
	throttle_free(t);
	return 0;
}

/* By address: 20 free, then 1, 2, 4 … 32 s and 60 s from then on; 50 lock for 15 min. */
static int test_address_policy(void)
{
	const struct throttle_params *p = &throttle_address_params;
	REQUIRE(p->free_failures == 20 && p->window_ms == 15 * MIN_MS);
	REQUIRE(p->delay_first_ms == 1000 && p->delay_max_ms == 60000);
	REQUIRE(p->lockout_failures == 50 && p->lockout_ms == 15 * MIN_MS);
	REQUIRE(policy_walk(p, "192.0.2.7") == 0);
	struct throttle *t = make(p, 8);
	for (int i = 1; i <= 50; i++) {
		enum throttle_change ch = fail_s(t, "2001:db8::1", T0);
		int64_t w = wait_of(t, "2001:db8::1", T0);
		if (i < 20)
			CHECK(w == 0 && ch == THROTTLE_COUNTED);
		else if (i == 20)
			CHECK(w == 1000 && ch == THROTTLE_DELAYED);
		else if (i == 26)
			CHECK(w == 60000); /* 64 s, capped */
		else if (i > 26 && i < 50)
			CHECK(w == 60000 && ch == THROTTLE_COUNTED);
		else if (i < 26)
			CHECK(w == 1000LL << (i - 20));
		else
			CHECK(w == 15 * MIN_MS && ch == THROTTLE_LOCKED);
	}
	throttle_free(t);
	return 0;
}

/* A success clears the key at once: no wait, and the next failure is the first again. */
static int test_success_clears(void)
{
	struct throttle *t = make(&throttle_name_params, 8);
	for (int i = 0; i < 7; i++)
		fail_s(t, "kari", T0);
	fail_s(t, "per", T0);
	REQUIRE(wait_of(t, "kari", T0) == 4000);
	throttle_succeeded(t, "kari", 4);
	REQUIRE(wait_of(t, "kari", T0) == 0);
	REQUIRE(throttle_count(t) == 1);
	for (int i = 1; i < 5; i++)
		REQUIRE(fail_s(t, "kari", T0) == THROTTLE_COUNTED);
	REQUIRE(fail_s(t, "kari", T0) == THROTTLE_DELAYED);
	/* also from a lockout */
	for (int i = 0; i < 5; i++)
		fail_s(t, "kari", T0);
	REQUIRE(wait_of(t, "kari", T0) == 15 * MIN_MS);
	throttle_succeeded(t, "kari", 4);
	REQUIRE(wait_of(t, "kari", T0) == 0);
	throttle_succeeded(t, "nobody", 6); /* unknown: nothing happens */
	REQUIRE(throttle_count(t) == 1 && wait_of(t, "per", T0) == 0);
	throttle_free(t);
	return 0;
}

/* A window lasts 15 minutes from its first failure while failures are free, from its
 *  last failure once they are delayed; after that the count starts over. */
static int test_window_expiry(void)
{
	struct throttle *t = make(&throttle_name_params, 8);
	for (int i = 0; i < 4; i++)
		fail_s(t, "a", T0);
	REQUIRE(fail_s(t, "a", T0 + 15 * MIN_MS - 1) == THROTTLE_DELAYED); /* still the window */
	for (int i = 0; i < 4; i++)
		fail_s(t, "b", T0);
	REQUIRE(fail_s(t, "b", T0 + 15 * MIN_MS) == THROTTLE_COUNTED); /* a new window */
	for (int i = 0; i < 3; i++)
		REQUIRE(fail_s(t, "b", T0 + 15 * MIN_MS) == THROTTLE_COUNTED);
	REQUIRE(fail_s(t, "b", T0 + 15 * MIN_MS) == THROTTLE_DELAYED);
	/* while free, the window runs from the first failure, not the last: two failures ten
	 * minutes apart are forgotten 15 minutes after the first */
	fail_s(t, "c", T0);
	fail_s(t, "c", T0 + 10 * MIN_MS);
	for (int i = 0; i < 4; i++)
		REQUIRE(fail_s(t, "c", T0 + 15 * MIN_MS) == THROTTLE_COUNTED);
	REQUIRE(fail_s(t, "c", T0 + 15 * MIN_MS) == THROTTLE_DELAYED);
	throttle_succeeded(t, "c", 1);
	/* once delayed, the window runs from the last failure: "a" lives on past 15 minutes
	 * from its first failure, and goes 15 minutes after its last one */
	int64_t last = T0 + 15 * MIN_MS - 1;
	REQUIRE(wait_of(t, "a", last) == 1000);
	REQUIRE(wait_of(t, "a", T0 + 15 * MIN_MS) == 999);
	REQUIRE(wait_of(t, "a", last + 15 * MIN_MS - 1) == 0 && throttle_count(t) == 2);
	REQUIRE(fail_s(t, "a", last + 15 * MIN_MS - 1) == THROTTLE_COUNTED); /* the 6th */
	last += 15 * MIN_MS - 1;
	REQUIRE(wait_of(t, "a", last) == 2000);
	REQUIRE(wait_of(t, "a", last + 15 * MIN_MS - 1) == 0 && throttle_count(t) == 2);
	REQUIRE(wait_of(t, "a", last + 15 * MIN_MS) == 0);
	REQUIRE(throttle_count(t) == 1);
	REQUIRE(fail_s(t, "a", last + 15 * MIN_MS) == THROTTLE_COUNTED);
	REQUIRE(wait_of(t, "a", last + 15 * MIN_MS) == 0); /* the first of a new window */
	throttle_free(t);
	return 0;
}

/* At capacity a new key evicts the least recently used entry (checks count as use). */
static int test_eviction(void)
{
	struct throttle *t = make(&throttle_name_params, 4);
	const char *keys[] = {"a", "b", "c", "d"};
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 5; i++)
			fail_s(t, keys[k], T0 + k);
	REQUIRE(throttle_count(t) == 4);
	REQUIRE(wait_of(t, "a", T0 + 10) > 0); /* a is now the most recently used */
	REQUIRE(fail_s(t, "e", T0 + 10) == THROTTLE_COUNTED);
	REQUIRE(throttle_count(t) == 4);
	REQUIRE(wait_of(t, "b", T0 + 10) == 0); /* b was the oldest: evicted */
	REQUIRE(wait_of(t, "a", T0 + 10) > 0);
	REQUIRE(wait_of(t, "c", T0 + 10) > 0);
	REQUIRE(wait_of(t, "d", T0 + 10) > 0);
	REQUIRE(fail_s(t, "f", T0 + 10) == THROTTLE_COUNTED); /* evicts e */
	REQUIRE(throttle_count(t) == 4 && wait_of(t, "a", T0 + 10) > 0);
	throttle_free(t);

	/* capacity 1, and a long run of distinct keys: the table never grows and its chains
	 * stay short (the seed spreads the keys) */
	t = make(&throttle_name_params, 1);
	fail_s(t, "x", T0);
	fail_s(t, "y", T0);
	REQUIRE(throttle_count(t) == 1);
	throttle_free(t);
	t = make(&throttle_address_params, 4096);
	char key[32];
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		throttle_failed(t, key, (size_t)n, T0 + i);
		if (i == 4095 || i == 99999)
			CHECK(throttle_count(t) == 4096);
	}
	uint32_t longest = 0;
	for (uint32_t b = 0; b <= t->mask; b++) {
		uint32_t len = 0;
		for (uint32_t i = t->buckets[b]; i != NIL; i = t->e[i].hnext)
			len++;
		if (len > longest)
			longest = len;
	}
	CHECK(longest <= 12);
	/* the newest 4096 are the ones kept */
	int n =
	    snprintf(key, sizeof(key), "10.%d.%d.%d", 99999 >> 16, (99999 >> 8) & 255, 99999 & 255);
	struct ckey c;
	ckey_make(t, key, (size_t)n, &c);
	CHECK(find(t, &c, ckey_hash(t, &c)) != NIL);
	n = snprintf(key, sizeof(key), "10.%d.%d.%d", 0, 0, 0);
	ckey_make(t, key, (size_t)n, &c);
	CHECK(find(t, &c, ckey_hash(t, &c)) == NIL);
	throttle_free(t);
	return 0;
}

/* Two keys in one bucket keep their own state; so do two keys whose entries even carry the
 *  same hash (forced here: the full key is compared). */
static int test_collisions(void)
{
	struct throttle *t = make(&throttle_name_params, 16);
	char k1[16] = "user-0", k2[16];
	struct ckey c1, c2;
	ckey_make(t, k1, strlen(k1), &c1);
	uint64_t h1 = ckey_hash(t, &c1), h2 = 0;
	bool found = false;
	for (int i = 1; i < 100000 && !found; i++) {
		snprintf(k2, sizeof(k2), "user-%d", i);
		ckey_make(t, k2, strlen(k2), &c2);
		h2 = ckey_hash(t, &c2);
		found = (h2 & t->mask) == (h1 & t->mask);
	}
	REQUIRE(found);
	for (int i = 0; i < 10; i++)
		fail_s(t, k1, T0);
	REQUIRE(wait_of(t, k1, T0) == 15 * MIN_MS);
	REQUIRE(wait_of(t, k2, T0) == 0);
	REQUIRE(fail_s(t, k2, T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_count(t) == 2);
	REQUIRE(wait_of(t, k2, T0) == 0);
	throttle_succeeded(t, k2, strlen(k2));
	REQUIRE(wait_of(t, k1, T0) == 15 * MIN_MS);
	for (int i = 0; i < 5; i++)
		fail_s(t, k2, T0);
	throttle_succeeded(t, k1, strlen(k1));
	REQUIRE(wait_of(t, k1, T0) == 0 && wait_of(t, k2, T0) == 1000);
	throttle_free(t);

	/* force k1's entry to carry k2's hash and sit in k2's bucket: still not k2's */
	t = make(&throttle_name_params, 16);
	for (int i = 0; i < 10; i++)
		fail_s(t, "alpha", T0);
	ckey_make(t, "alpha", 5, &c1);
	h1 = ckey_hash(t, &c1);
	ckey_make(t, "beta", 4, &c2);
	h2 = ckey_hash(t, &c2);
	uint32_t i = find(t, &c1, h1);
	REQUIRE(i != NIL && t->buckets[h1 & t->mask] == i && t->e[i].hnext == NIL);
	t->buckets[h1 & t->mask] = NIL;
	t->e[i].hash = h2;
	t->e[i].hnext = t->buckets[h2 & t->mask];
	t->buckets[h2 & t->mask] = i;
	REQUIRE(wait_of(t, "beta", T0) == 0);
	REQUIRE(fail_s(t, "beta", T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_count(t) == 2 && t->e[i].nfail == 10 && t->e[i].locked);
	throttle_succeeded(t, "beta", 4);
	REQUIRE(throttle_count(t) == 1 && t->e[i].locked);
	throttle_free(t);
	return 0;
}

/* Keys are bytes: NULs count, prefixes differ, the empty key is a key, and long keys (cut
 *  to a prefix and a hash) are told apart by every byte and by their length. */
static int test_keys(void)
{
	struct throttle *t = make(&throttle_name_params, 64);
	REQUIRE(throttle_failed(t, "a\0b", 3, T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_failed(t, "a\0c", 3, T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_failed(t, "a", 1, T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_failed(t, "a\0", 2, T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_count(t) == 4);
	for (int i = 0; i < 5; i++)
		throttle_failed(t, NULL, 0, T0);
	REQUIRE(throttle_count(t) == 5);
	int64_t w = 0;
	REQUIRE(!throttle_check(t, NULL, 0, T0, &w) && w == 1000);
	REQUIRE(throttle_check(t, "\0", 1, T0, &w) && w == 0);
	REQUIRE(throttle_check(t, "a\0b", 3, T0, NULL));
	throttle_succeeded(t, "", 0);
	REQUIRE(throttle_check(t, NULL, 0, T0, NULL) && throttle_count(t) == 4);
	throttle_free(t);

	t = make(&throttle_name_params, 64);
	size_t big = 1 << 20;
	char *x = xmalloc(big), *y = xmalloc(big);
	memset(x, 'x', big);
	memcpy(y, x, big);
	for (int i = 0; i < 10; i++)
		throttle_failed(t, x, big, T0);
	REQUIRE(!throttle_check(t, x, big, T0, &w) && w == 15 * MIN_MS);
	REQUIRE(!throttle_check(t, y, big, T0, NULL)); /* the same bytes: the same key */
	y[big - 1] = 'y';			       /* differs in its last byte */
	REQUIRE(throttle_check(t, y, big, T0, NULL));
	y[big - 1] = 'x';
	y[LONG_PREFIX + 3] = 'y'; /* differs just past the kept prefix */
	REQUIRE(throttle_check(t, y, big, T0, NULL));
	REQUIRE(throttle_check(t, x, big - 1, T0, NULL)); /* a shorter key */
	REQUIRE(throttle_check(t, x, THROTTLE_KEY_MAX, T0, NULL));
	/* at and around the cut: 64 bytes kept whole, 65 and more cut */
	for (size_t n = THROTTLE_KEY_MAX - 1; n <= THROTTLE_KEY_MAX + 2; n++)
		REQUIRE(throttle_failed(t, x, n, T0) == THROTTLE_COUNTED);
	REQUIRE(throttle_count(t) == 5);
	for (int i = 0; i < 4; i++)
		throttle_failed(t, x, THROTTLE_KEY_MAX + 1, T0);
	REQUIRE(!throttle_check(t, x, THROTTLE_KEY_MAX + 1, T0, NULL));
	REQUIRE(throttle_check(t, x, THROTTLE_KEY_MAX + 2, T0, NULL));
	REQUIRE(throttle_check(t, x, THROTTLE_KEY_MAX, T0, NULL));
	throttle_succeeded(t, x, big);
	REQUIRE(throttle_check(t, x, big, T0, NULL) && throttle_count(t) == 4);
	free(x);
	free(y);
	throttle_free(t);
	return 0;
}

/* Each table draws its own seed: the same keys land in other buckets. */
static int test_seed(void)
{
	struct throttle *a = make(&throttle_name_params, 4096),
			*b = make(&throttle_name_params, 4096);
	REQUIRE(memcmp(a->seed, b->seed, sizeof(a->seed)) != 0);
	int differ = 0;
	for (int i = 0; i < 64; i++) {
		char key[16];
		int n = snprintf(key, sizeof(key), "k%d", i);
		struct ckey ca, cb;
		ckey_make(a, key, (size_t)n, &ca);
		ckey_make(b, key, (size_t)n, &cb);
		differ += (ckey_hash(a, &ca) & a->mask) != (ckey_hash(b, &cb) & b->mask);
	}
	CHECK(differ > 48);
	throttle_free(a);
	throttle_free(b);
	return 0;
}

int main(void)
{
	RUN(test_create_args);
	RUN(test_name_policy);
	RUN(test_address_policy);
	RUN(test_success_clears);
	RUN(test_window_expiry);
	RUN(test_eviction);
	RUN(test_collisions);
	RUN(test_keys);
	RUN(test_seed);
	return check_report("throttle");
}
