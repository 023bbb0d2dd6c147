/*
 * test_ratelimit.c — unit tests of server/ratelimit.h with a fake clock: the exact
 * refill arithmetic and Retry-After, the attack found on the old table (two addresses
 * whose hashes share a slot used to reset each other's bucket to full) made to fail,
 * a full table reusing only entries that have refilled completely and otherwise
 * counting newcomers in the shared overflow bucket, IPv6 addresses of one /64 sharing
 * a bucket, rate changes and no limit. ratelimit.c is included to reach its index, so
 * collisions under the table's seed can be made on purpose.
 */
#include "ratelimit.c"

#include "check.h"
#include "netaddr.h"

#define T0 1767600000000LL

/* A key whose first bytes are n, the rest zero. */
static void key_of(uint32_t n, uint8_t key[RATELIMIT_KEY_LEN])
{
	memset(key, 0, RATELIMIT_KEY_LEN);
	memcpy(key, &n, sizeof(n));
}

/* Takes count tickets for key at now; returns how many were granted. */
static int take_n(struct ratelimit *rl, const uint8_t *key, int64_t now, int count)
{
	int got = 0;
	for (int i = 0; i < count; i++)
		got += ratelimit_take(rl, key, now, NULL);
	return got;
}

static int test_refill_exact(void)
{
	struct ratelimit rl;
	uint8_t k[16];
	int retry = -1;
	key_of(1, k);
	REQUIRE(ratelimit_init(&rl, 16, 20) == 0);
	/* Burst 20, then one ticket every 3000 ms. */
	REQUIRE(take_n(&rl, k, T0, 20) == 20);
	REQUIRE(!ratelimit_take(&rl, k, T0, &retry) && retry == 3);
	REQUIRE(!ratelimit_take(&rl, k, T0 + 2999, &retry) && retry == 1);
	REQUIRE(ratelimit_take(&rl, k, T0 + 3000, &retry));
	REQUIRE(!ratelimit_take(&rl, k, T0 + 3000, &retry) && retry == 3);
	/* 1 ms gives 20 of 60,000 units: 1,500 ms give half a ticket. */
	REQUIRE(!ratelimit_take(&rl, k, T0 + 4500, &retry) && retry == 2);
	REQUIRE(ratelimit_take(&rl, k, T0 + 6000, NULL));
	/* A clock that goes back refills nothing and is not held against the bucket. */
	REQUIRE(!ratelimit_take(&rl, k, T0, &retry) && retry == 3);
	REQUIRE(ratelimit_take(&rl, k, T0 + 9000, NULL));
	/* After a long pause the bucket holds one burst, no more. */
	REQUIRE(take_n(&rl, k, T0 + 10LL * 60000, 25) == 20);
	ratelimit_free(&rl);

	/* A rate that does not divide a minute: 7 per minute, 60000/7 ms per ticket. */
	REQUIRE(ratelimit_init(&rl, 4, 7) == 0);
	REQUIRE(take_n(&rl, k, T0, 7) == 7);
	REQUIRE(!ratelimit_take(&rl, k, T0 + 8571, &retry) && retry == 1);
	REQUIRE(ratelimit_take(&rl, k, T0 + 8572, NULL)); /* 8572 * 7 >= 60000 */
	REQUIRE(!ratelimit_take(&rl, k, T0 + 8572, &retry) && retry == 9);
	/* One per minute: Retry-After is the whole minute. */
	REQUIRE(ratelimit_set_rate(&rl, 1) == 0);
	REQUIRE(!ratelimit_take(&rl, k, T0 + 8572, &retry) && retry == 60);
	ratelimit_free(&rl);
	return 0;
}

static int test_colliding_keys(void)
{
	struct ratelimit rl;
	uint8_t a[16], b[16];
	REQUIRE(ratelimit_init(&rl, 8, 3) == 0);
	key_of(1000, a);
	uint64_t ha = util_siphash(rl.seed, a, 16);
	uint32_t n = 1001;
	do {
		key_of(n++, b);
	} while ((util_siphash(rl.seed, b, 16) & rl.mask) != (ha & rl.mask));
	/* a and b start their probe at the same slot. The old table kept one address per
	 * slot: b replaced a with a full bucket, so alternating a and b was never limited. */
	REQUIRE(take_n(&rl, a, T0, 3) == 3);
	REQUIRE(take_n(&rl, b, T0, 1) == 1);
	REQUIRE(!ratelimit_take(&rl, a, T0, NULL));
	REQUIRE(take_n(&rl, b, T0, 5) == 2);
	REQUIRE(!ratelimit_take(&rl, a, T0 + 1, NULL));
	REQUIRE(rl.n == 2);
	/* Found again by full key, not by slot. */
	REQUIRE(index_lookup(&rl, a, ha) != index_lookup(&rl, b, util_siphash(rl.seed, b, 16)));
	ratelimit_free(&rl);
	return 0;
}

static int test_seed(void)
{
	struct ratelimit x, y;
	uint8_t k[16];
	key_of(7, k);
	REQUIRE(ratelimit_init(&x, 8, 3) == 0 && ratelimit_init(&y, 8, 3) == 0);
	REQUIRE(memcmp(x.seed, y.seed, sizeof(x.seed)) != 0);
	REQUIRE(util_siphash(x.seed, k, 16) != util_siphash(y.seed, k, 16));
	/* The SipHash-2-4 reference vector for the 16-byte message 00..0f, key 00..0f. */
	uint64_t key[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	uint8_t m[16];
	for (int i = 0; i < 16; i++)
		m[i] = (uint8_t)i;
	REQUIRE(util_siphash(key, m, 16) == 0x3f2acc7f57c29bdbULL);
	ratelimit_free(&x);
	ratelimit_free(&y);
	return 0;
}

static int test_full_table(void)
{
	struct ratelimit rl;
	uint8_t k[16];
	int retry = 0;
	REQUIRE(ratelimit_init(&rl, 4, 2) == 0);
	/* Four keys fill the table; each spends its burst at T0. */
	for (uint32_t i = 0; i < 4; i++) {
		key_of(i, k);
		REQUIRE(take_n(&rl, k, T0, 2) == 2);
	}
	REQUIRE(rl.n == 4);
	/* Newcomers share the overflow bucket: burst 2 between them, then limited. */
	key_of(100, k);
	REQUIRE(ratelimit_take(&rl, k, T0, NULL));
	key_of(101, k);
	REQUIRE(ratelimit_take(&rl, k, T0, NULL));
	for (uint32_t i = 102; i < 200; i++) {
		key_of(i, k);
		REQUIRE(!ratelimit_take(&rl, k, T0 + 1, &retry) && retry == 30);
	}
	/* The tabled keys keep their own buckets. */
	key_of(0, k);
	REQUIRE(!ratelimit_take(&rl, k, T0 + 1, NULL));
	REQUIRE(rl.n == 4);
	/* Key 3 refills completely one minute after its burst: a newcomer takes its place. */
	key_of(0, k);
	REQUIRE(ratelimit_take(&rl, k, T0 + 30000, NULL)); /* key 0 is busy again */
	key_of(1, k);
	REQUIRE(ratelimit_take(&rl, k, T0 + 30000, NULL));
	key_of(2, k);
	REQUIRE(ratelimit_take(&rl, k, T0 + 30000, NULL));
	/* Nothing is full at T0 + 59999: 300 is counted in the overflow bucket, which has
	 * refilled (2 + 59998 * 2 units) to one ticket and a little. */
	key_of(300, k);
	REQUIRE(ratelimit_take(&rl, k, T0 + 59999, NULL));
	REQUIRE(index_lookup(&rl, k, util_siphash(rl.seed, k, 16)) == UINT32_MAX);
	REQUIRE(rl.overflow.credit == 119998 - RATELIMIT_UNIT);
	REQUIRE(!ratelimit_take(&rl, k, T0 + 59999, NULL));
	/* At T0 + 60000 key 3 is full again: 300 takes its entry, with a burst of its own. */
	REQUIRE(take_n(&rl, k, T0 + 60000, 5) == 2);
	REQUIRE(index_lookup(&rl, k, util_siphash(rl.seed, k, 16)) != UINT32_MAX);
	key_of(3, k);
	REQUIRE(index_lookup(&rl, k, util_siphash(rl.seed, k, 16)) == UINT32_MAX);
	/* Every other key is still found. */
	for (uint32_t i = 0; i < 3; i++) {
		key_of(i, k);
		REQUIRE(index_lookup(&rl, k, util_siphash(rl.seed, k, 16)) != UINT32_MAX);
	}
	REQUIRE(rl.n == 4);
	ratelimit_free(&rl);
	return 0;
}

static int test_eviction_churn(void)
{
	/* Many keys through a small table: every stored key stays findable and the table
	 * never passes its capacity. */
	struct ratelimit rl;
	uint8_t k[16];
	REQUIRE(ratelimit_init(&rl, 32, 60) == 0);
	int64_t now = T0;
	for (uint32_t i = 0; i < 5000; i++) {
		key_of(i % 97, k);
		ratelimit_take(&rl, k, now, NULL);
		now += 700;
		REQUIRE(rl.n <= 32);
	}
	size_t found = 0;
	for (uint32_t i = 0; i < 97; i++) {
		key_of(i, k);
		found += index_lookup(&rl, k, util_siphash(rl.seed, k, 16)) != UINT32_MAX;
	}
	REQUIRE(found == rl.n);
	for (size_t i = 0; i < rl.n; i++) {
		REQUIRE(rl.heap[rl.entries[i].heap_pos] == i);
		if (i > 0)
			REQUIRE(rl.entries[rl.heap[(i - 1) / 2]].full_at <=
				rl.entries[rl.heap[i]].full_at);
	}
	ratelimit_free(&rl);
	return 0;
}

static int test_ipv6_prefix(void)
{
	struct ratelimit rl;
	struct netaddr a;
	uint8_t k[16];
	REQUIRE(ratelimit_init(&rl, 16, 2) == 0);
	REQUIRE(netaddr_parse("2001:db8:5:6::1", 15, &a) == 0);
	netaddr_key(&a, k);
	REQUIRE(take_n(&rl, k, T0, 2) == 2);
	REQUIRE(netaddr_parse("2001:db8:5:6:ffff:1:2:3", 23, &a) == 0);
	netaddr_key(&a, k);
	REQUIRE(!ratelimit_take(&rl, k, T0, NULL)); /* same /64 */
	REQUIRE(netaddr_parse("2001:db8:5:7::1", 15, &a) == 0);
	netaddr_key(&a, k);
	REQUIRE(ratelimit_take(&rl, k, T0, NULL)); /* another /64 */
	REQUIRE(netaddr_parse("10.0.0.1", 8, &a) == 0);
	netaddr_key(&a, k);
	REQUIRE(take_n(&rl, k, T0, 2) == 2);
	REQUIRE(netaddr_parse("10.0.0.2", 8, &a) == 0);
	netaddr_key(&a, k);
	REQUIRE(take_n(&rl, k, T0, 2) == 2); /* IPv4 addresses are whole */
	ratelimit_free(&rl);
	return 0;
}

static int test_rates(void)
{
	struct ratelimit rl;
	uint8_t k[16];
	key_of(5, k);
	REQUIRE(ratelimit_init(&rl, 0, 5) == -EINVAL);
	REQUIRE(ratelimit_init(&rl, 4, -1) == -EINVAL);
	REQUIRE(ratelimit_init(&rl, 4, RATELIMIT_MAX_RATE + 1) == -EINVAL);
	REQUIRE(ratelimit_init(&rl, 4, 0) == 0);
	REQUIRE(take_n(&rl, k, T0, 1000) == 1000); /* no limit */
	REQUIRE(ratelimit_set_rate(&rl, 10) == 0);
	REQUIRE(take_n(&rl, k, T0, 20) == 10);
	REQUIRE(ratelimit_set_rate(&rl, -5) == -EINVAL && rl.per_minute == 10);
	/* Raising the rate does not fill buckets; lowering it cuts credit to the new burst. */
	REQUIRE(ratelimit_set_rate(&rl, 100) == 0);
	REQUIRE(take_n(&rl, k, T0, 5) == 0);
	REQUIRE(take_n(&rl, k, T0 + 600, 5) == 1);
	REQUIRE(take_n(&rl, k, T0 + 60600, 200) == 100);
	REQUIRE(ratelimit_set_rate(&rl, 3) == 0);
	REQUIRE(take_n(&rl, k, T0 + 200000, 10) == 3);
	ratelimit_free(&rl);
	ratelimit_free(&rl); /* a freed table is zeroed */
	REQUIRE(rl.entries == NULL && rl.capacity == 0);
	return 0;
}

int main(void)
{
	RUN(test_refill_exact);
	RUN(test_colliding_keys);
	RUN(test_seed);
	RUN(test_full_table);
	RUN(test_eviction_churn);
	RUN(test_ipv6_prefix);
	RUN(test_rates);
	return check_report("ratelimit");
}
