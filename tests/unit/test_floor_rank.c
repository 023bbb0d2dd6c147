/*
 * test_floor_rank.c — positions as ranks (server/floor_query.c): the position of
 * every waiting ticket, after every step of many seeded random sequences (issues
 * of all three priorities, transfers to the front and back, calls of the next and
 * of chosen tickets, cancels, no-shows, finishes, day rollovers) at times around
 * the anti-starvation bound, against two references: floor_queue()'s order (the
 * walk over the queues, as of the last event) and a sort of the waiting tickets by
 * (effective class, key) at any time, with the keys kept here from the events
 * alone (back ++hi, front --lo, both 0 at day start). Then targeted cases with
 * the figures worked out by hand: starved tickets of the back and front parts,
 * tickets removed from the middle, a day rollover, and a side growing past
 * several powers of two. It includes floor_impl.h only to see that the order
 * statistics are freed at day start and grow by doubling. Fixed seeds, or a seed
 * (and a count) given as argv[1] (argv[2]).
 */
#include "check.h"
#include "floor.h"
#include "floor_impl.h"

#include <stdlib.h>

#define NS	 3
#define NC	 4
#define BOUND_S	 60
#define BOUND_MS (BOUND_S * 1000LL)
#define MAXT	 4096
#define DAY1	 20260105
#define T0	 1767600000000LL
#define S	 1000LL

/* A, B, C; c0 gives all (overdue), c1 A and B (FIFO), c2 C (ordered), c3 all (ordered). */
static const struct floor_service_def services[NS] = {
    {.id = "nav", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "social", .prefix = "B", .target_wait_s = 300, .default_service_s = 120},
    {.id = "housing", .prefix = "C", .target_wait_s = 0, .default_service_s = 0},
};
static const struct floor_counter_def counters[NC] = {
    {.id = "c0", .services = 7, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c1", .services = 3, .policy = FLOOR_POLICY_FIFO},
    {.id = "c2", .services = 4, .policy = FLOOR_POLICY_ORDERED},
    {.id = "c3", .services = 7, .policy = FLOOR_POLICY_ORDERED},
};
static const struct floor_def def = {NS, services, NC, counters, BOUND_S};

/* ---- the fixture: a floor, its events, a clock and the keys seen in the events ---- */

struct mticket {
	int service, prio, waiting;
	int64_t key, queued;
};

struct fx {
	struct floor *f;
	struct floor_events ev;
	size_t seen; /* events folded into the keys so far */
	int64_t ms;
	int32_t day;
	int ntok;
	int64_t lo[NS], hi[NS];
	struct mticket t[MAXT];
	size_t nt;
};

static struct fx X;

/* Starts X on a fresh floor at T0 with every counter open. */
static void fx_init(void)
{
	floor_events_free(&X.ev);
	memset(&X, 0, sizeof(X));
	X.f = floor_create(&def);
	X.ms = T0;
	X.day = DAY1;
}

/* Frees X's floor and events. */
static void fx_close(void)
{
	floor_free(X.f);
	floor_events_free(&X.ev);
	X.f = NULL;
}

/* X's clock. */
static struct floor_clock clk(void)
{
	return (struct floor_clock){X.ms, X.day};
}

/* Folds the events emitted since the last call into the keys and states of X.t. */
static void fold(void)
{
	for (; X.seen < X.ev.n; X.seen++) {
		const struct floor_event *e = &X.ev.v[X.seen];
		struct mticket *t = e->ticket < MAXT ? &X.t[e->ticket] : NULL;
		switch (e->kind) {
		case FLOOR_EV_ISSUED:
			*t = (struct mticket){e->service, e->priority, 1, ++X.hi[e->service],
					      e->at_ms};
			X.nt = e->ticket + 1;
			break;
		case FLOOR_EV_TRANSFERRED:
			t->service = e->service;
			t->key = e->front ? --X.lo[e->service] : ++X.hi[e->service];
			t->queued = e->at_ms;
			t->waiting = 1;
			break;
		case FLOOR_EV_CALLED:
		case FLOOR_EV_CANCELLED:
		case FLOOR_EV_NO_SHOW:
		case FLOOR_EV_DONE:
			t->waiting = 0;
			break;
		case FLOOR_EV_DAY:
			memset(X.lo, 0, sizeof(X.lo));
			memset(X.hi, 0, sizeof(X.hi));
			X.nt = 0;
			break;
		}
	}
}

/* A distinct token per call. */
static const uint8_t *tok(void)
{
	static uint8_t t[FLOOR_TOKEN_LEN];
	memset(t, 0, sizeof(t));
	int n = ++X.ntok;
	memcpy(t, &n, sizeof(n));
	t[15] = 0xa5;
	return t;
}

/* Issues a ticket at X.ms; its handle, or FLOOR_NONE. */
static uint32_t issue(int service, int prio)
{
	uint32_t h = FLOOR_NONE;
	int r = floor_issue(X.f, clk(), service, prio, tok(), &X.ev, &h);
	fold();
	return r ? FLOOR_NONE : h;
}

/* Opens every closed counter at X.ms. */
static void open_all(void)
{
	for (int c = 0; c < NC; c++) {
		struct floor_counter_info ci;
		if (!floor_counter_get(X.f, c, &ci) && !ci.open)
			floor_counter_open(X.f, clk(), c, counters[c].services, &X.ev);
	}
	fold();
}

/* Calls waiting ticket h at counter c and hands it on to service s (front or back). */
static int move(uint32_t h, int c, int s, bool front)
{
	int r = floor_call(X.f, clk(), c, h, &X.ev);
	if (!r)
		r = floor_transfer(X.f, clk(), c, s, front, &X.ev);
	fold();
	return r;
}

/* Position of ticket h at ms (0 when not waiting or unknown). */
static int pos(uint32_t h, int64_t ms)
{
	struct floor_ticket_info ti;
	return floor_ticket_get(X.f, h, ms, &ti) ? 0 : ti.position;
}

/* ---- the references ---- */

static int64_t sort_now;

/* Effective class of model ticket h at sort_now. */
static int eff(uint32_t h)
{
	const struct mticket *t = &X.t[h];
	return t->prio == FLOOR__TOP || sort_now - t->queued > BOUND_MS ? FLOOR__TOP : t->prio;
}

/* Call order: higher effective class first, then lower key. */
static int order_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int ex = eff(x), ey = eff(y);
	if (ex != ey)
		return ey - ex;
	return X.t[x].key < X.t[y].key ? -1 : X.t[x].key > X.t[y].key;
}

/* Fills out with service s's waiting tickets in call order at ms; returns the count. */
static size_t ref_order(int s, int64_t ms, uint32_t *out)
{
	size_t n = 0;
	for (size_t h = 0; h < X.nt; h++)
		if (X.t[h].waiting && X.t[h].service == s)
			out[n++] = (uint32_t)h;
	sort_now = ms;
	qsort(out, n, sizeof(*out), order_cmp);
	return n;
}

/* Every waiting ticket's position at ms equals its place in the sorted order; at the
 * last event's time (ms 0) also in floor_queue()'s. 0, or -1 with the place printed. */
static int check_all(int64_t ms)
{
	static uint32_t q[MAXT], r[MAXT];
	for (int s = 0; s < NS; s++) {
		int64_t at = ms ? ms : X.ev.n ? X.ev.v[X.ev.n - 1].at_ms : 0;
		size_t n = ref_order(s, at, r);
		REQUIRE(floor_waiting(X.f, s) == n);
		if (!ms) {
			REQUIRE(floor_queue(X.f, s, q, MAXT) == n);
			for (size_t i = 0; i < n; i++)
				REQUIRE(q[i] == r[i]);
		}
		for (size_t i = 0; i < n; i++) {
			int p = pos(r[i], ms);
			if (p != (int)i + 1) {
				fprintf(stderr,
					"service %d at +%lld ms: ticket %u at %d, expected %zu\n",
					s, (long long)(ms ? ms - T0 : 0), r[i], p, i + 1);
				return -1;
			}
		}
	}
	return 0;
}

/* ---- random sequences ---- */

static uint64_t rng;

/* Next 64 random bits (splitmix64). */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int rn(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

/* A random waiting ticket (of service s, or any when s < 0), or FLOOR_NONE. */
static uint32_t any_waiting(int s)
{
	uint32_t c[MAXT];
	size_t n = 0;
	for (size_t h = 0; h < X.nt; h++)
		if (X.t[h].waiting && (s < 0 || X.t[h].service == s))
			c[n++] = (uint32_t)h;
	return n ? c[rn((int)n)] : FLOOR_NONE;
}

/* A random open counter that holds a ticket (busy) or not, or -1. */
static int any_counter(bool busy)
{
	int c0 = rn(NC);
	for (int i = 0; i < NC; i++) {
		int c = (c0 + i) % NC;
		struct floor_counter_info ci;
		if (!floor_counter_get(X.f, c, &ci) && ci.open && (ci.ticket != FLOOR_NONE) == busy)
			return c;
	}
	return -1;
}

/* Moves X.ms on: mostly seconds, sometimes about the bound. */
static void advance(void)
{
	int k = rn(10);
	if (k < 6)
		X.ms += rn(3000);
	else if (k < 9)
		X.ms += rn(20000);
	else
		X.ms += BOUND_MS - 2000 + rn(4000);
}

/* One random command; 0, or -1 when a command that should succeed failed. */
static int random_step(void)
{
	int k = rn(100), c;
	uint32_t h;
	struct floor_counter_info ci;
	if (k < 36) {
		REQUIRE(issue(rn(NS), rn(FLOOR_PRIORITIES)) != FLOOR_NONE);
	} else if (k < 50) {
		if ((c = any_counter(false)) >= 0)
			REQUIRE(floor_call_next(X.f, clk(), c, &X.ev) == 0);
	} else if (k < 60) {
		/* a chosen ticket, often from the middle of its queue */
		if ((c = any_counter(false)) >= 0) {
			uint64_t m = counters[c].services;
			h = any_waiting(-1);
			if (h != FLOOR_NONE && (m >> X.t[h].service & 1))
				REQUIRE(floor_call(X.f, clk(), c, h, &X.ev) == 0);
		}
	} else if (k < 78) {
		if ((c = any_counter(true)) >= 0)
			REQUIRE(floor_transfer(X.f, clk(), c, rn(NS), rn(2), &X.ev) == 0);
	} else if (k < 85) {
		if ((c = any_counter(true)) >= 0 && !floor_counter_get(X.f, c, &ci)) {
			struct floor_ticket_info ti;
			REQUIRE(floor_ticket_get(X.f, ci.ticket, 0, &ti) == 0);
			if (ti.state == FLOOR_CALLED)
				REQUIRE(floor_no_show(X.f, clk(), c, &X.ev) == 0);
		}
	} else if (k < 92) {
		if ((c = any_counter(true)) >= 0 && !floor_counter_get(X.f, c, &ci)) {
			struct floor_ticket_info ti;
			REQUIRE(floor_ticket_get(X.f, ci.ticket, 0, &ti) == 0);
			if (ti.state == FLOOR_CALLED)
				REQUIRE(floor_start(X.f, clk(), c, &X.ev) == 0);
			REQUIRE(floor_finish(X.f, clk(), c, &X.ev) == 0);
		}
	} else if (k < 99) {
		if ((h = any_waiting(-1)) != FLOOR_NONE)
			REQUIRE(floor_cancel(X.f, clk(), h, &X.ev) == 0);
	} else {
		X.day++;
		REQUIRE(floor_tick(X.f, clk(), &X.ev) == 0);
	}
	fold();
	open_all();
	return 0;
}

/* Runs one seeded sequence, checking every position after every step at the last
 * event's time and at times around where the bound falls. 0, or -1 on a mismatch. */
static int run_seed(uint64_t seed, int steps)
{
	rng = seed;
	fx_init();
	open_all();
	int r = 0;
	for (int i = 0; i < steps && !r; i++) {
		advance();
		r = random_step();
		int64_t last = X.ev.n ? X.ev.v[X.ev.n - 1].at_ms : X.ms;
		uint32_t w = any_waiting(-1);
		int64_t at[] = {0, last + BOUND_MS, last + rn(3 * BOUND_S) * S, 0, 0};
		if (w != FLOOR_NONE) {
			at[3] = X.t[w].queued + BOUND_MS; /* w is not yet starved */
			at[4] = X.t[w].queued + BOUND_MS + 1;
		}
		for (size_t j = 0; j < sizeof(at) / sizeof(at[0]) && !r; j++)
			if (!j || at[j] >= last)
				r = check_all(at[j]);
		if (r)
			fprintf(stderr, "seed %llu step %d\n", (unsigned long long)seed, i);
	}
	fx_close();
	return r;
}

/* ---- targeted cases ---- */

/* Starved tickets at the old end of the back part join the top class by key. */
static int test_starved_back(void)
{
	fx_init();
	open_all();
	uint32_t a1 = issue(0, 0); /* keys 1..6 */
	X.ms += 10 * S;
	uint32_t a2 = issue(0, 0);
	X.ms += 10 * S;
	uint32_t p1 = issue(0, 1);
	X.ms += 10 * S;
	uint32_t t1 = issue(0, 2);
	X.ms += 10 * S;
	uint32_t a3 = issue(0, 0);
	X.ms += 10 * S;
	uint32_t t2 = issue(0, 2);
	REQUIRE(t2 != FLOOR_NONE);
	/* at +50 s nothing is starved: t1 t2 p1 a1 a2 a3 */
	REQUIRE(pos(t1, 0) == 1 && pos(t2, 0) == 2 && pos(p1, 0) == 3);
	REQUIRE(pos(a1, 0) == 4 && pos(a2, 0) == 5 && pos(a3, 0) == 6);
	/* +70 s: a1 has waited 70 s > 60; a2 exactly 60, not starved: a1 t1 t2 p1 a2 a3 */
	int64_t at = T0 + 70 * S;
	REQUIRE(pos(a1, at) == 1 && pos(t1, at) == 2 && pos(t2, at) == 3);
	REQUIRE(pos(p1, at) == 4 && pos(a2, at) == 5 && pos(a3, at) == 6);
	/* +75 s: a1 a2 starved: a1 a2 t1 t2 p1 a3 */
	at = T0 + 75 * S;
	REQUIRE(pos(a1, at) == 1 && pos(a2, at) == 2 && pos(t1, at) == 3);
	REQUIRE(pos(t2, at) == 4 && pos(p1, at) == 5 && pos(a3, at) == 6);
	/* +85 s: p1 too: a1 a2 p1 t1 t2 a3 */
	at = T0 + 85 * S;
	REQUIRE(pos(p1, at) == 3 && pos(t1, at) == 4 && pos(t2, at) == 5 && pos(a3, at) == 6);
	/* +105 s: a3 (key 5) goes between t1 (4) and t2 (6) */
	at = T0 + 105 * S;
	REQUIRE(pos(t1, at) == 4 && pos(a3, at) == 5 && pos(t2, at) == 6);
	REQUIRE(check_all(0) == 0 && check_all(T0 + 75 * S) == 0);
	fx_close();
	return 0;
}

/* Starved tickets at the old end of the front part (its tail) join the top class. */
static int test_starved_front(void)
{
	fx_init();
	open_all();
	uint32_t x1 = issue(1, 0), x2 = issue(1, 0), x3 = issue(1, 0);
	X.ms += 3 * S;
	uint32_t y = issue(1, 2);
	X.ms = T0 + 10 * S;
	REQUIRE(move(x1, 0, 0, true) == 0); /* A front key -1, queued +10 s */
	X.ms = T0 + 20 * S;
	REQUIRE(move(x2, 0, 0, true) == 0); /* -2, +20 s */
	X.ms = T0 + 30 * S;
	REQUIRE(move(x3, 0, 0, true) == 0); /* -3, +30 s */
	X.ms = T0 + 35 * S;
	uint32_t a1 = issue(0, 0); /* key 1, +35 s */
	X.ms += 1 * S;
	uint32_t t1 = issue(0, 2); /* key 2, +36 s */
	X.ms = T0 + 40 * S;
	REQUIRE(move(y, 0, 0, true) == 0); /* -4, +40 s, top class */
	REQUIRE(floor_waiting(X.f, 1) == 0 && floor_waiting(X.f, 0) == 6);
	/* +40 s: y t1 | x3 x2 x1 a1 */
	REQUIRE(pos(y, 0) == 1 && pos(t1, 0) == 2 && pos(x3, 0) == 3);
	REQUIRE(pos(x2, 0) == 4 && pos(x1, 0) == 5 && pos(a1, 0) == 6);
	/* +75 s: x1 starved: y x1 t1 | x3 x2 a1 */
	int64_t at = T0 + 75 * S;
	REQUIRE(pos(y, at) == 1 && pos(x1, at) == 2 && pos(t1, at) == 3);
	REQUIRE(pos(x3, at) == 4 && pos(x2, at) == 5 && pos(a1, at) == 6);
	/* +85 s: x1 x2: y x2 x1 t1 | x3 a1 */
	at = T0 + 85 * S;
	REQUIRE(pos(y, at) == 1 && pos(x2, at) == 2 && pos(x1, at) == 3);
	REQUIRE(pos(t1, at) == 4 && pos(x3, at) == 5 && pos(a1, at) == 6);
	/* +95 s: all three front ones, a1 not yet (exactly 60 s): y x3 x2 x1 t1 | a1 */
	at = T0 + 95 * S;
	REQUIRE(pos(x3, at) == 2 && pos(x1, at) == 4 && pos(t1, at) == 5 && pos(a1, at) == 6);
	/* +96 s: a1 (key 1) before t1 (key 2) */
	at = T0 + 96 * S;
	REQUIRE(pos(a1, at) == 5 && pos(t1, at) == 6);
	REQUIRE(check_all(0) == 0 && check_all(T0 + 85 * S) == 0);
	fx_close();
	return 0;
}

/* Cancelling and calling tickets in the middle of a queue, inside the starved run. */
static int test_middle(void)
{
	fx_init();
	open_all();
	uint32_t a[6];
	for (int i = 0; i < 6; i++, X.ms += S)
		a[i] = issue(0, 0); /* keys 1..6 at +0..+5 s */
	uint32_t t1 = issue(0, 2);  /* key 7 at +6 s */
	X.ms = T0 + 64500;	    /* a[0..4] starved, a[5] (+5 s) not */
	REQUIRE(pos(a[4], X.ms) == 5 && pos(t1, X.ms) == 6 && pos(a[5], X.ms) == 7);
	REQUIRE(floor_cancel(X.f, clk(), a[2], &X.ev) == 0);
	fold();
	REQUIRE(pos(a[2], 0) == 0);
	REQUIRE(pos(a[0], 0) == 1 && pos(a[1], 0) == 2 && pos(a[3], 0) == 3);
	REQUIRE(pos(a[4], 0) == 4 && pos(t1, 0) == 5 && pos(a[5], 0) == 6);
	REQUIRE(floor_call(X.f, clk(), 0, a[3], &X.ev) == 0);
	fold();
	REQUIRE(pos(a[0], 0) == 1 && pos(a[1], 0) == 2 && pos(a[4], 0) == 3);
	REQUIRE(pos(t1, 0) == 4 && pos(a[5], 0) == 5);
	/* a[3] back to the front of A: the newest front key, not starved */
	REQUIRE(floor_transfer(X.f, clk(), 0, 0, true, &X.ev) == 0);
	fold();
	REQUIRE(pos(t1, 0) == 4 && pos(a[3], 0) == 5 && pos(a[5], 0) == 6);
	REQUIRE(check_all(0) == 0);
	fx_close();
	return 0;
}

/* A day rollover frees every service's order statistics; keys restart at 1 and -1. */
static int test_day_reset(void)
{
	fx_init();
	open_all();
	for (int i = 0; i < 100; i++, X.ms += S)
		REQUIRE(issue(i % NS, i % FLOOR_PRIORITIES) != FLOOR_NONE);
	for (int i = 0; i < 10; i++)
		REQUIRE(move(any_waiting(0), 0, i % NS, i & 1) == 0);
	REQUIRE(X.f->svc[0].rank[FLOOR__BACK].cap == 64);
	X.day++;
	X.ms += 3600 * S;
	REQUIRE(floor_tick(X.f, clk(), &X.ev) == 0);
	fold();
	for (int s = 0; s < NS; s++)
		for (int d = 0; d < 2; d++) {
			const struct rank *r = &X.f->svc[s].rank[d];
			REQUIRE(floor_waiting(X.f, s) == 0 && r->n == 0 && r->cap == 0);
			REQUIRE(r->ms == NULL && r->fen == NULL);
		}
	open_all();
	uint32_t b1 = issue(1, 0), b2 = issue(1, 2), a1 = issue(0, 1);
	REQUIRE(b1 == 0 && b2 == 1 && a1 == 2);
	REQUIRE(pos(b2, 0) == 1 && pos(b1, 0) == 2 && pos(a1, 0) == 1);
	REQUIRE(move(a1, 0, 1, true) == 0); /* B front key -1 */
	REQUIRE(pos(b2, 0) == 1 && pos(a1, 0) == 2 && pos(b1, 0) == 3);
	REQUIRE(X.f->svc[1].rank[FLOOR__BACK].n == 2 && X.f->svc[1].rank[FLOOR__FRONT].n == 1);
	REQUIRE(X.f->svc[0].rank[FLOOR__BACK].n == 1 && X.f->svc[0].rank[FLOOR__FRONT].n == 0);
	X.ms += 61 * S; /* b1 and a1 (priority 0 and 1) starved: by key a1 (-1), b1 (1), b2 (2) */
	REQUIRE(pos(a1, X.ms) == 1 && pos(b1, X.ms) == 2 && pos(b2, X.ms) == 3);
	REQUIRE(check_all(0) == 0 && check_all(X.ms) == 0);
	fx_close();
	return 0;
}

/* Both sides of one service grow past 64, 128 and 256 keys; a part of the tickets
 * stays waiting throughout, so the counts carried over each doubling matter. */
static int test_growth(void)
{
	fx_init();
	open_all();
	for (int i = 0; i < 600; i++) {
		X.ms += 500;
		REQUIRE(issue(0, rn(FLOOR_PRIORITIES)) != FLOOR_NONE);
		if (i % 2) {
			uint32_t h = any_waiting(0);
			REQUIRE(move(h, 0, 0, rn(3) != 0) == 0);
		}
		if (i % 3 == 0) {
			uint32_t h = any_waiting(0);
			REQUIRE(floor_cancel(X.f, clk(), h, &X.ev) == 0);
			fold();
		}
		REQUIRE(check_all(0) == 0 && check_all(X.ms + BOUND_MS / 2) == 0);
	}
	const struct rank *rb = &X.f->svc[0].rank[FLOOR__BACK];
	const struct rank *rf = &X.f->svc[0].rank[FLOOR__FRONT];
	REQUIRE((size_t)X.hi[0] == rb->n && (size_t)-X.lo[0] == rf->n);
	REQUIRE(rb->n > 256 && rf->n > 128);
	REQUIRE(rb->cap >= rb->n && rb->cap < 2 * rb->n && !(rb->cap & (rb->cap - 1)));
	REQUIRE(rf->cap >= rf->n && rf->cap < 2 * rf->n && !(rf->cap & (rf->cap - 1)));
	REQUIRE(floor_waiting(X.f, 0) > 100);
	fx_close();
	return 0;
}

/* The random sequences: a fixed range of seeds, or argv's. */
static int test_random(uint64_t first, int count, int steps)
{
	int bad = 0;
	for (int i = 0; i < count; i++)
		bad += run_seed(first + (uint64_t)i, steps) ? 1 : 0;
	CHECK(bad == 0);
	return bad ? -1 : 0;
}

static int test_random_default(void)
{
	return test_random(1, 400, 300);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		int count = argc > 2 ? atoi(argv[2]) : 1;
		test_random(strtoull(argv[1], NULL, 0), count, 300);
		return check_report("floor_rank");
	}
	RUN(test_starved_back);
	RUN(test_starved_front);
	RUN(test_middle);
	RUN(test_day_reset);
	RUN(test_growth);
	RUN(test_random_default);
	return check_report("floor_rank");
}
