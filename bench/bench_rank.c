/*
 * bench_rank.c — what a waiting ticket's position costs: torgd asks for the
 * position of every watching phone's ticket after every event. A floor of 13
 * services with 200 waiting tickets each (70 % normal, 20 % appointment, 10 %
 * accessibility; about one in ten transferred to the front; issued one a second,
 * so that at the query the oldest lower-class tickets are past the
 * anti-starvation bound) is asked for the position of every waiting ticket, many
 * rounds over, in two ways in the same run: floor_ticket_get() (the rank of
 * floor_query.c, plus filling the rest of the ticket's figures), and a copy of
 * the walk over the queues that position() was before it (old_position() below,
 * which needs floor_impl.h). Every answer of the two is compared. Runs with the
 * bound at 1,200 s (a part starved) and at a day (none starved).
 * Usage: bench_rank [rounds]. An executable, not a test.
 */
#include "floor.h"
#include "floor_impl.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSVC	13
#define PER_SVC 200

/* ---- the walk-based position, as floor_query.c had it ---- */

/* True when waiting ticket h counts as top class by the anti-starvation bound. */
static bool old_starved(const struct floor *f, uint32_t h, int64_t now)
{
	const struct ticket *tk = &f->t[h];
	return tk->priority < FLOOR__TOP && now - tk->queued_ms > f->bound_ms;
}

/* Lower of two handles by key (FLOOR_NONE loses). */
static uint32_t old_min_key(const struct floor *f, uint32_t a, uint32_t b)
{
	if (a == FLOOR_NONE)
		return b;
	if (b == FLOOR_NONE)
		return a;
	return f->t[a].key <= f->t[b].key ? a : b;
}

/* First ticket in call order of class c of service s (ignoring starvation). */
static uint32_t old_class_first(const struct floor *f, int s, int c)
{
	const struct service *sv = &f->svc[s];
	uint32_t h = sv->q[c][FLOOR__FRONT].head;
	return h != FLOOR_NONE ? h : sv->q[c][FLOOR__BACK].head;
}

/* True when some ticket of class c (< FLOOR__TOP) in service s is starved at now. */
static bool old_class_has_starved(const struct floor *f, int s, int c, int64_t now)
{
	const struct service *sv = &f->svc[s];
	uint32_t a = sv->q[c][FLOOR__FRONT].tail, b = sv->q[c][FLOOR__BACK].head;
	return (a != FLOOR_NONE && old_starved(f, a, now)) ||
	       (b != FLOOR_NONE && old_starved(f, b, now));
}

/* A cursor over one class of a service's queue, front part then back part. */
struct old_cursor {
	const struct floor *f;
	int s, c, side, filt;
	int64_t now;
	uint32_t x, cur;
};

/* Advances the cursor to its next matching ticket. */
static void old_cur_next(struct old_cursor *k)
{
	for (;;) {
		uint32_t x = k->x;
		if (x == FLOOR_NONE) {
			if (k->side == FLOOR__FRONT) {
				k->side = FLOOR__BACK;
				k->x = k->f->svc[k->s].q[k->c][FLOOR__BACK].head;
				continue;
			}
			k->cur = FLOOR_NONE;
			return;
		}
		k->x = k->f->t[x].next;
		if (k->filt < 0 || (int)old_starved(k->f, x, k->now) == k->filt) {
			k->cur = x;
			return;
		}
	}
}

/* Starts a cursor on class c of service s. */
static void old_cur_init(struct old_cursor *k, const struct floor *f, int s, int c, int filt,
			 int64_t now)
{
	*k = (struct old_cursor){
	    f, s, c, FLOOR__FRONT, filt, now, f->svc[s].q[c][FLOOR__FRONT].head, FLOOR_NONE};
	old_cur_next(k);
}

/* Walks service s's call order at now to want; its 1-based position, 0 when absent. */
static size_t old_walk(const struct floor *f, int s, int64_t now, uint32_t want)
{
	struct old_cursor k[FLOOR_PRIORITIES];
	size_t n = 0;
	for (int c = 0; c < FLOOR_PRIORITIES; c++)
		old_cur_init(&k[c], f, s, c, c == FLOOR__TOP ? -1 : 1, now);
	for (int stage = FLOOR__TOP; stage >= 0; stage--) {
		if (stage < FLOOR__TOP)
			old_cur_init(&k[stage], f, s, stage, 0, now);
		for (;;) {
			int lo = stage == FLOOR__TOP ? 0 : stage, hi = stage;
			uint32_t h = FLOOR_NONE;
			int from = -1;
			for (int c = lo; c <= hi; c++)
				if (k[c].cur != FLOOR_NONE &&
				    old_min_key(f, h, k[c].cur) == k[c].cur) {
					h = k[c].cur;
					from = c;
				}
			if (from < 0)
				break;
			old_cur_next(&k[from]);
			n++;
			if (h == want)
				return n;
		}
	}
	return 0;
}

/* The old position(): two fast cases, else the walk. */
static int old_position(const struct floor *f, uint32_t h, int64_t now)
{
	const struct ticket *tk = &f->t[h];
	int s = tk->service, c = tk->priority;
	const struct service *sv = &f->svc[s];
	bool calm = true;
	for (int i = 0; i < FLOOR__TOP && calm; i++)
		calm = !old_class_has_starved(f, s, i, now);
	if (calm && (h == sv->q[c][FLOOR__BACK].tail || h == old_class_first(f, s, c))) {
		size_t ahead = 0;
		for (int i = c + 1; i < FLOOR_PRIORITIES; i++)
			ahead += sv->q[i][0].n + sv->q[i][1].n;
		if (h == old_class_first(f, s, c))
			return (int)ahead + 1;
		return (int)(ahead + sv->q[c][0].n + sv->q[c][1].n);
	}
	return (int)old_walk(f, s, now, h);
}

/* ---- the floor ---- */

static struct floor_service_def services[NSVC];
static const struct floor_counter_def counters[] = {
    {.id = "c0", .services = (1u << NSVC) - 1, .policy = FLOOR_POLICY_FIFO}};

static uint64_t rng = 42;

/* Next 64 random bits (splitmix64). */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Fills a floor with PER_SVC waiting tickets per service; returns its last event time. */
static int64_t fill(struct floor *f)
{
	struct floor_events ev = {0};
	struct floor_clock now = {1767600000000LL, 20260105};
	if (floor_counter_open(f, now, 0, counters[0].services, &ev))
		fatal("bench_rank: counter_open failed");
	uint8_t tok[FLOOR_TOKEN_LEN] = {0};
	for (int i = 0; i < NSVC * PER_SVC; i++) {
		now.ms += 1000;
		int s = i % NSVC, r = (int)(rnd() % 10);
		int prio = r < 7   ? FLOOR_PRIO_NORMAL
			   : r < 9 ? FLOOR_PRIO_APPOINTMENT
				   : FLOOR_PRIO_ACCESSIBILITY;
		uint32_t h;
		memcpy(tok, &i, sizeof(i));
		tok[15] = 1;
		if (floor_issue(f, now, s, prio, tok, &ev, &h))
			fatal("bench_rank: issue failed");
		if (rnd() % 10 == 0 &&
		    (floor_call(f, now, 0, h, &ev) || floor_transfer(f, now, 0, s, true, &ev)))
			fatal("bench_rank: transfer failed");
	}
	floor_events_free(&ev);
	return now.ms;
}

/* Times rounds of every waiting ticket's position, old and new, and compares them. */
static void run(int bound_s, int rounds)
{
	struct floor_def def = {NSVC, services, 1, counters, bound_s};
	struct floor *f = floor_create(&def);
	int64_t at = fill(f);
	size_t nt = floor_tickets_today(f), waiting = 0, starved = 0, differ = 0;
	uint32_t *hs = xmalloc(nt * sizeof(*hs));
	for (size_t h = 0; h < nt; h++) {
		const struct ticket *tk = &f->t[h];
		if (tk->state != FLOOR_WAITING)
			continue;
		hs[waiting++] = (uint32_t)h;
		starved += old_starved(f, (uint32_t)h, at);
		struct floor_ticket_info ti;
		if (floor_ticket_get(f, (uint32_t)h, at, &ti) ||
		    ti.position != old_position(f, (uint32_t)h, at))
			differ++;
	}
	long long sum_new = 0, sum_old = 0;
	uint64_t t0 = util_mono_ns();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < waiting; i++) {
			struct floor_ticket_info ti;
			floor_ticket_get(f, hs[i], at, &ti);
			sum_new += ti.position;
		}
	uint64_t t1 = util_mono_ns();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < waiting; i++)
			sum_old += old_position(f, hs[i], at);
	uint64_t t2 = util_mono_ns();
	double calls = (double)rounds * (double)waiting;
	printf("bound %5d s: %zu waiting in %d services, %zu starved, %zu answers differ%s\n",
	       bound_s, waiting, NSVC, starved, differ, sum_new == sum_old ? "" : " (sums differ)");
	printf("  old position() (walk):         %8.1f ns per call\n", (t2 - t1) / calls);
	printf("  new floor_ticket_get() (rank): %8.1f ns per call  (%.1fx)\n", (t1 - t0) / calls,
	       (double)(t2 - t1) / (double)(t1 - t0));
	free(hs);
	floor_free(f);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	if (rounds < 1)
		rounds = 1;
	static char ids[NSVC][16], prefixes[NSVC][4];
	for (int s = 0; s < NSVC; s++) {
		snprintf(ids[s], sizeof(ids[s]), "s%d", s);
		snprintf(prefixes[s], sizeof(prefixes[s]), "%c", 'A' + s);
		services[s] = (struct floor_service_def){.id = ids[s],
							 .prefix = prefixes[s],
							 .target_wait_s = 900,
							 .default_service_s = 600};
	}
	printf("bench_rank: %d rounds of every waiting ticket's position\n", rounds);
	run(1200, rounds);
	run(86400, rounds);
	return 0;
}
