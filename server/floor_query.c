/*
 * floor_query.c — the read side of the floor model: the per service and class
 * queues in call order, routing by the counters' policies with the
 * anti-starvation bound, positions, wait estimates and the query functions of
 * floor.h. Front queues hold tickets transferred to the front (newest first),
 * back queues the rest (oldest first); since time never goes back inside the
 * floor, each queue is monotone in waiting time, so the oldest and the first
 * starved ticket of a class are found at its ends. Positions are ranks: each side
 * of a service keeps a Fenwick tree over its key offsets (struct rank), kept by
 * floor__q_insert and floor__q_remove, which every command and replay go
 * through; the starved tickets of a side are those at the offsets below a
 * boundary found by binary search, so a position takes a few prefix counts,
 * O(FLOOR_PRIORITIES log n), however long the queue.
 */
#include "floor_impl.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offset of a key on its side: back keys 1, 2, ... and front keys -1, -2, ... at 0, 1, .... */
static size_t key_off(int64_t key)
{
	return (size_t)(key > 0 ? key - 1 : -key - 1);
}

/* Makes room in r for offsets [0, n), doubling. A Fenwick node at a power of two sums
 * every offset below it, so each new power-of-two node starts as the old top one. */
static void rank_reserve(struct rank *r, size_t n)
{
	if (n <= r->cap)
		return;
	size_t cap = r->cap ? r->cap : 64;
	while (cap < n)
		cap *= 2;
	r->ms = xrealloc(r->ms, cap * sizeof(*r->ms));
	r->fen = xrealloc(r->fen, cap * sizeof(*r->fen));
	memset(r->fen + r->cap, 0, (cap - r->cap) * sizeof(*r->fen));
	for (size_t p = r->cap * 2; r->cap && p <= cap; p *= 2)
		r->fen[p - 1] = r->fen[r->cap - 1];
	r->cap = cap;
}

/* Adds d to the count of class c at offset off of r. */
static void rank_add(struct rank *r, size_t off, int c, int d)
{
	for (size_t i = off + 1; i <= r->cap; i += i & -i)
		r->fen[i - 1].n[c] += (uint32_t)d;
}

/* Tickets present per class at offsets [0, x) of r (x <= r->n). */
static struct rank_node rank_prefix(const struct rank *r, size_t x)
{
	struct rank_node sum = {{0}};
	for (size_t i = x; i > 0; i &= i - 1)
		for (int c = 0; c < FLOOR_PRIORITIES; c++)
			sum.n[c] += r->fen[i - 1].n[c];
	return sum;
}

/* Number of offsets of r handed to tickets queued before t: the offsets at which the
 * lower classes' tickets are starved when t is now minus the bound. */
static size_t rank_starved_end(const struct rank *r, int64_t t)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->ms[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Counts waiting ticket tk, just given its key, in its side's order statistics. */
static void rank_insert(struct service *sv, const struct ticket *tk)
{
	struct rank *r = &sv->rank[tk->side];
	size_t off = key_off(tk->key);
	if (off != r->n)
		fatal("floor: key %lld does not follow the %zu handed out", (long long)tk->key,
		      r->n);
	rank_reserve(r, off + 1);
	r->ms[off] = tk->queued_ms;
	r->n = off + 1;
	rank_add(r, off, tk->priority, 1);
}

void floor__q_reset(struct floor *f, int s)
{
	struct service *sv = &f->svc[s];
	for (int d = 0; d < 2; d++) {
		free(sv->rank[d].ms);
		free(sv->rank[d].fen);
		sv->rank[d] = (struct rank){NULL, NULL, 0, 0};
	}
}

/* Links ticket h into its service's queue at the front or back of its class. */
void floor__q_insert(struct floor *f, uint32_t h, bool front)
{
	struct ticket *tk = &f->t[h];
	struct service *sv = &f->svc[tk->service];
	struct tlist *l = &sv->q[tk->priority][front ? FLOOR__FRONT : FLOOR__BACK];
	tk->side = front ? FLOOR__FRONT : FLOOR__BACK;
	if (front) {
		tk->key = --sv->lo;
		tk->prev = FLOOR_NONE;
		tk->next = l->head;
		if (l->head != FLOOR_NONE)
			f->t[l->head].prev = h;
		else
			l->tail = h;
		l->head = h;
	} else {
		tk->key = ++sv->hi;
		tk->next = FLOOR_NONE;
		tk->prev = l->tail;
		if (l->tail != FLOOR_NONE)
			f->t[l->tail].next = h;
		else
			l->head = h;
		l->tail = h;
	}
	l->n++;
	sv->nwait++;
	rank_insert(sv, tk);
}

/* Unlinks waiting ticket h from its queue. */
void floor__q_remove(struct floor *f, uint32_t h)
{
	struct ticket *tk = &f->t[h];
	struct service *sv = &f->svc[tk->service];
	struct tlist *l = &sv->q[tk->priority][tk->side];
	if (tk->prev != FLOOR_NONE)
		f->t[tk->prev].next = tk->next;
	else
		l->head = tk->next;
	if (tk->next != FLOOR_NONE)
		f->t[tk->next].prev = tk->prev;
	else
		l->tail = tk->prev;
	tk->prev = tk->next = FLOOR_NONE;
	l->n--;
	sv->nwait--;
	rank_add(&sv->rank[tk->side], key_off(tk->key), tk->priority, -1);
}

/* True when waiting ticket h counts as top class by the anti-starvation bound. */
static bool starved(const struct floor *f, uint32_t h, int64_t now)
{
	const struct ticket *tk = &f->t[h];
	return tk->priority < FLOOR__TOP && now - tk->queued_ms > f->bound_ms;
}

/* Lower of two handles by key (FLOOR_NONE loses). */
static uint32_t min_key(const struct floor *f, uint32_t a, uint32_t b)
{
	if (a == FLOOR_NONE)
		return b;
	if (b == FLOOR_NONE)
		return a;
	return f->t[a].key <= f->t[b].key ? a : b;
}

/* Lower of two handles by (queued_ms, key) (FLOOR_NONE loses). */
static uint32_t min_age(const struct floor *f, uint32_t a, uint32_t b)
{
	if (a == FLOOR_NONE)
		return b;
	if (b == FLOOR_NONE)
		return a;
	const struct ticket *x = &f->t[a], *y = &f->t[b];
	if (x->queued_ms != y->queued_ms)
		return x->queued_ms < y->queued_ms ? a : b;
	return x->key <= y->key ? a : b;
}

/* First ticket in call order of priority class c of service s (ignoring starvation). */
static uint32_t class_first(const struct floor *f, int s, int c)
{
	const struct service *sv = &f->svc[s];
	uint32_t h = sv->q[c][FLOOR__FRONT].head;
	return h != FLOOR_NONE ? h : sv->q[c][FLOOR__BACK].head;
}

/* Longest-waiting ticket of class c in service s, first in call order among equals.
 * Front queues run newest to oldest, back queues oldest to newest. */
static uint32_t class_oldest(const struct floor *f, int s, int c)
{
	const struct service *sv = &f->svc[s];
	uint32_t x = sv->q[c][FLOOR__FRONT].tail;
	while (x != FLOOR_NONE && f->t[x].prev != FLOOR_NONE &&
	       f->t[f->t[x].prev].queued_ms == f->t[x].queued_ms)
		x = f->t[x].prev;
	return min_age(f, x, sv->q[c][FLOOR__BACK].head);
}

/* True when some ticket of class c (< FLOOR__TOP) in service s is starved at now. */
static bool class_has_starved(const struct floor *f, int s, int c, int64_t now)
{
	const struct service *sv = &f->svc[s];
	uint32_t a = sv->q[c][FLOOR__FRONT].tail, b = sv->q[c][FLOOR__BACK].head;
	return (a != FLOOR_NONE && starved(f, a, now)) || (b != FLOOR_NONE && starved(f, b, now));
}

/* First starved ticket of class c (< FLOOR__TOP) in service s in call order, or FLOOR_NONE. */
static uint32_t class_first_starved(const struct floor *f, int s, int c, int64_t now)
{
	const struct service *sv = &f->svc[s];
	uint32_t x = sv->q[c][FLOOR__FRONT].tail;
	if (x != FLOOR_NONE && starved(f, x, now)) {
		while (f->t[x].prev != FLOOR_NONE && starved(f, f->t[x].prev, now))
			x = f->t[x].prev;
		return x;
	}
	x = sv->q[c][FLOOR__BACK].head;
	return x != FLOOR_NONE && starved(f, x, now) ? x : FLOOR_NONE;
}

/* Highest effective class waiting in service s at now, or -1 when none waits. */
static int svc_best(const struct floor *f, int s, int64_t now)
{
	const struct service *sv = &f->svc[s];
	if (!sv->nwait)
		return -1;
	if (sv->q[FLOOR__TOP][0].n + sv->q[FLOOR__TOP][1].n)
		return FLOOR__TOP;
	for (int c = 0; c < FLOOR__TOP; c++)
		if (class_has_starved(f, s, c, now))
			return FLOOR__TOP;
	for (int c = FLOOR__TOP - 1; c >= 0; c--)
		if (sv->q[c][0].n + sv->q[c][1].n)
			return c;
	return -1;
}

/* First ticket in call order of effective class e (the best present) in service s. */
static uint32_t eff_first(const struct floor *f, int s, int e, int64_t now)
{
	if (e != FLOOR__TOP)
		return class_first(f, s, e);
	uint32_t h = class_first(f, s, FLOOR__TOP);
	for (int c = 0; c < FLOOR__TOP; c++)
		h = min_key(f, h, class_first_starved(f, s, c, now));
	return h;
}

/* Longest-waiting ticket of effective class e (the best present) in service s. */
static uint32_t eff_oldest(const struct floor *f, int s, int e, int64_t now)
{
	if (e != FLOOR__TOP)
		return class_oldest(f, s, e);
	uint32_t h = class_oldest(f, s, FLOOR__TOP);
	for (int c = 0; c < FLOOR__TOP; c++) {
		uint32_t o = class_oldest(f, s, c);
		if (o != FLOOR_NONE && starved(f, o, now))
			h = min_age(f, h, o);
	}
	return h;
}

/* Picks the ticket counter ctr would call next at now, or FLOOR_NONE. */
uint32_t floor__route(const struct floor *f, int ctr, int64_t now)
{
	uint64_t mask = f->ctr[ctr].services;
	int best = -1;
	for (int s = 0; s < (int)f->def->nservices; s++) {
		if (!(mask >> s & 1))
			continue;
		int e = svc_best(f, s, now);
		if (e > best)
			best = e;
	}
	if (best < 0)
		return FLOOR_NONE;
	int pick = -1;
	uint32_t h = FLOOR_NONE;
	int64_t most = 0;
	for (int s = 0; s < (int)f->def->nservices; s++) {
		if (!(mask >> s & 1) || svc_best(f, s, now) != best)
			continue;
		switch (f->def->counters[ctr].policy) {
		case FLOOR_POLICY_ORDERED:
			return eff_first(f, s, best, now);
		case FLOOR_POLICY_FIFO: {
			uint32_t o = eff_oldest(f, s, best, now);
			if (h == FLOOR_NONE || f->t[o].queued_ms < f->t[h].queued_ms)
				h = o;
			break;
		}
		default: {
			uint32_t o = eff_oldest(f, s, best, now);
			int64_t over = now - f->t[o].queued_ms -
				       (int64_t)f->def->services[s].target_wait_s * 1000;
			if (pick < 0 || over > most) {
				pick = s;
				most = over;
			}
			break;
		}
		}
	}
	return pick >= 0 ? eff_first(f, pick, best, now) : h;
}

/* A cursor over one class of a service's queue, front part then back part,
 * yielding only tickets whose starvation matches filt (-1: all). */
struct cursor {
	const struct floor *f;
	int s, c, side, filt;
	int64_t now;
	uint32_t x, cur;
};

/* Advances the cursor to its next matching ticket (cur, FLOOR_NONE at the end). */
static void cur_next(struct cursor *k)
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
		if (k->filt < 0 || (int)starved(k->f, x, k->now) == k->filt) {
			k->cur = x;
			return;
		}
	}
}

/* Starts a cursor on class c of service s. */
static void cur_init(struct cursor *k, const struct floor *f, int s, int c, int filt, int64_t now)
{
	*k = (struct cursor){
	    f, s, c, FLOOR__FRONT, filt, now, f->svc[s].q[c][FLOOR__FRONT].head, FLOOR_NONE};
	cur_next(k);
}

/* Walks service s's queue in call order at now: copies up to max handles into out
 * and returns the number copied. position() counts the same order without walking. */
static size_t walk(const struct floor *f, int s, int64_t now, uint32_t *out, size_t max)
{
	struct cursor k[FLOOR_PRIORITIES];
	size_t n = 0;
	for (int c = 0; c < FLOOR_PRIORITIES; c++)
		cur_init(&k[c], f, s, c, c == FLOOR__TOP ? -1 : 1, now);
	for (int stage = FLOOR__TOP; stage >= 0; stage--) {
		if (stage < FLOOR__TOP)
			cur_init(&k[stage], f, s, stage, 0, now);
		for (;;) {
			int lo = stage == FLOOR__TOP ? 0 : stage, hi = stage;
			uint32_t h = FLOOR_NONE;
			int from = -1;
			for (int c = lo; c <= hi; c++)
				if (k[c].cur != FLOOR_NONE && min_key(f, h, k[c].cur) == k[c].cur) {
					h = k[c].cur;
					from = c;
				}
			if (from < 0)
				break;
			cur_next(&k[from]);
			if (n == max)
				return n;
			out[n++] = h;
		}
	}
	return n;
}

/* 1-based place of waiting ticket h in its service's call order at now (see walk()),
 * counted: a ticket of the effective top class (class FLOOR__TOP and the starved
 * ones) follows the top class's and the starved tickets with lower keys; any other
 * follows the whole effective top class, the classes between, and its own class's
 * non-starved tickets with lower keys. Keys of the front side are all below those
 * of the back, and the starved tickets of a side sit below its boundary offset. */
static int position(const struct floor *f, uint32_t h, int64_t now)
{
	const struct ticket *tk = &f->t[h];
	const struct service *sv = &f->svc[tk->service];
	const struct rank *rb = &sv->rank[FLOOR__BACK], *rf = &sv->rank[FLOOR__FRONT];
	int c = tk->priority;
	bool back = tk->side == FLOOR__BACK;
	size_t off = key_off(tk->key);
	int64_t t = now - f->bound_ms; /* a lower class's ticket queued before t is starved */
	size_t eb = rank_starved_end(rb, t), ef = rank_starved_end(rf, t);
	/* sb, sf: the starved of each side; at: h's side at offsets that go before it */
	struct rank_node sb = rank_prefix(rb, eb), sf = rank_prefix(rf, ef);
	struct rank_node at = back ? rank_prefix(rb, off) : rank_prefix(rf, off + 1);
	size_t ahead = 0;
	if (c == FLOOR__TOP || tk->queued_ms < t) {
		for (int i = 0; i < FLOOR_PRIORITIES; i++) {
			uint32_t nf = sv->q[i][FLOOR__FRONT].n;
			if (i == FLOOR__TOP)
				ahead += back ? nf + at.n[i] : nf - at.n[i];
			else if (back)
				ahead += sf.n[i] + (off < eb ? at.n[i] : sb.n[i]);
			else if (off < ef)
				ahead += sf.n[i] - at.n[i];
		}
	} else {
		for (int i = 0; i < FLOOR_PRIORITIES; i++) {
			uint32_t nf = sv->q[i][FLOOR__FRONT].n;
			uint32_t starv = i < FLOOR__TOP ? sf.n[i] + sb.n[i] : 0;
			if (i > c)
				ahead += nf + sv->q[i][FLOOR__BACK].n;
			else if (i < c)
				ahead += starv;
			else
				ahead += back ? nf + at.n[i] : starv + nf - at.n[i];
		}
	}
	return (int)ahead + 1;
}

/* Estimated wait in seconds for 1-based position p in service s; -1 when unknown. */
static int eta(const struct floor *f, int s, int p)
{
	int k = f->svc[s].open_counters;
	if (k <= 0)
		return -1;
	int64_t rounds = (p + k - 1) / k, mean = f->svc[s].mean_ms;
	if (mean > 0 && rounds > (INT64_MAX - 500) / mean)
		return INT_MAX; /* saturate: no product may overflow */
	int64_t sec = (rounds * mean + 500) / 1000;
	return sec > INT_MAX ? INT_MAX : (int)sec;
}

/* ---- queries ---- */

/* The query time: never before the last event. */
static int64_t qtime(const struct floor *f, int64_t now_ms)
{
	return now_ms > f->last_ms ? now_ms : f->last_ms;
}

/* True when s names a service. */
static bool svc_ok(const struct floor *f, int s)
{
	return s >= 0 && s < (int)f->def->nservices;
}

size_t floor_waiting(const struct floor *f, int service)
{
	return svc_ok(f, service) ? f->svc[service].nwait : 0;
}

int floor_service_eta(const struct floor *f, int service, int64_t now_ms)
{
	if (!svc_ok(f, service))
		return -1;
	return eta(f, service, (int)f->svc[service].nwait + 1);
}

int floor_longest_wait(const struct floor *f, int service, int64_t now_ms)
{
	if (!svc_ok(f, service))
		return 0;
	uint32_t h = FLOOR_NONE;
	for (int c = 0; c < FLOOR_PRIORITIES; c++)
		h = min_age(f, h, class_oldest(f, service, c));
	if (h == FLOOR_NONE)
		return 0;
	int64_t w = (qtime(f, now_ms) - f->t[h].queued_ms) / 1000;
	return w > INT_MAX ? INT_MAX : (int)w;
}

int floor_counters_open(const struct floor *f, int service)
{
	return svc_ok(f, service) ? f->svc[service].open_counters : 0;
}

int floor_ticket_get(const struct floor *f, uint32_t ticket, int64_t now_ms,
		     struct floor_ticket_info *out)
{
	if (ticket >= f->nt)
		return FLOOR_E_TICKET;
	const struct ticket *tk = &f->t[ticket];
	const struct leg *lg = &f->legs[tk->leg];
	memset(out, 0, sizeof(*out));
	out->handle = ticket;
	out->service = tk->service;
	out->first_service = tk->first_service;
	out->number = tk->number;
	out->state = tk->state;
	out->priority = tk->priority;
	out->leg = tk->nlegs;
	out->counter = tk->counter;
	out->issued_ms = tk->issued_ms;
	out->queued_ms = tk->queued_ms;
	out->called_ms = tk->last_called_ms;
	out->started_ms = lg->started_ms;
	memcpy(out->token, tk->token, FLOOR_TOKEN_LEN);
	if (tk->state == FLOOR_WAITING) {
		out->position = position(f, ticket, qtime(f, now_ms));
		out->eta_s = eta(f, tk->service, out->position);
	} else {
		out->eta_s = tk->state == FLOOR_CALLED || tk->state == FLOOR_SERVING ? 0 : -1;
	}
	return 0;
}

uint64_t floor_events_moved(const struct floor *f, const struct floor_event *v, size_t n)
{
	uint64_t all = (UINT64_C(1) << f->def->nservices) - 1, moved = 0, back = 0;
	int joined[FLOOR_MAX_SERVICES] = {0}; /* tickets that joined a queue at its back */
	for (size_t i = 0; i < n; i++) {
		const struct floor_event *ev = &v[i];
		uint64_t bit = ev->service >= 0 ? UINT64_C(1) << ev->service : 0;
		switch (ev->kind) {
		case FLOOR_EV_ISSUED:
			back |= bit;
			joined[ev->service]++;
			break;
		case FLOOR_EV_TRANSFERRED: /* the leg it ends was a meeting: the mean moved */
			if (ev->from_service >= 0)
				moved |= UINT64_C(1) << ev->from_service;
			if (ev->front) {
				moved |= bit;
			} else {
				back |= bit;
				joined[ev->service]++;
			}
			break;
		case FLOOR_EV_RECALLED:
		case FLOOR_EV_SERVING:
		case FLOOR_EV_NO_SHOW: /* the ticket's own change: no meeting, no queue */
			break;
		case FLOOR_EV_COUNTER_BREAK: /* the estimates of what the counter gives */
		case FLOOR_EV_COUNTER_BACK:
			if (ev->counter >= 0 && ev->counter < (int)f->def->ncounters)
				moved |= f->def->counters[ev->counter].services;
			break;
		case FLOOR_EV_CALLED:	 /* left the queue */
		case FLOOR_EV_CANCELLED: /* left it, or ended a called leg: either way */
		case FLOOR_EV_DONE:	 /* the mean moved */
			moved |= bit;
			break;
		default: /* counters and the day */
			return all;
		}
	}
	/* A ticket that joined at the back goes after every other: each of the k that joined
	 * a service holds one of its last k places. */
	back &= ~moved;
	for (size_t i = 0; i < n && back; i++) {
		const struct floor_event *ev = &v[i];
		if (ev->kind != FLOOR_EV_ISSUED && ev->kind != FLOOR_EV_TRANSFERRED)
			continue;
		int s = ev->service;
		if (!(back >> s & 1))
			continue;
		const struct ticket *tk = &f->t[ev->ticket];
		if (tk->state != FLOOR_WAITING || tk->service != s ||
		    position(f, ev->ticket, f->last_ms) <= (int)f->svc[s].nwait - joined[s]) {
			moved |= UINT64_C(1) << s;
			back &= ~(UINT64_C(1) << s);
		}
	}
	return moved & all;
}

uint32_t floor_ticket_by_number(const struct floor *f, int first_service, int number)
{
	if (!svc_ok(f, first_service) || number < 1 || number > (int)f->svc[first_service].issued)
		return FLOOR_NONE;
	return f->svc[first_service].by_number[number - 1];
}

size_t floor_ticket_legs(const struct floor *f, uint32_t ticket, struct floor_leg *out, size_t max)
{
	if (ticket >= f->nt)
		return 0;
	size_t n = f->t[ticket].nlegs, i = n;
	for (uint32_t x = f->t[ticket].leg; x != FLOOR_NONE; x = f->legs[x].prev) {
		const struct leg *lg = &f->legs[x];
		if (--i < max) {
			struct floor_leg *o = &out[i];
			memset(o, 0, sizeof(*o));
			o->service = lg->service;
			o->counter = lg->counter;
			o->queued_ms = lg->queued_ms;
			o->called_ms = lg->called_ms;
			o->started_ms = lg->started_ms;
			o->ended_ms = lg->ended_ms;
			o->outcome = lg->outcome;
		}
	}
	return n;
}

size_t floor_queue(const struct floor *f, int service, uint32_t *out, size_t max)
{
	if (!svc_ok(f, service) || !max)
		return 0;
	return walk(f, service, f->last_ms, out, max);
}

int floor_counter_get(const struct floor *f, int counter, struct floor_counter_info *out)
{
	if (counter < 0 || counter >= (int)f->def->ncounters)
		return FLOOR_E_COUNTER;
	const struct counter *ct = &f->ctr[counter];
	*out = (struct floor_counter_info){ct->open,	  ct->services, ct->ticket,
					   ct->opened_ms, ct->on_break, ct->break_ms};
	return 0;
}

size_t floor_tickets_today(const struct floor *f)
{
	return f->nt;
}

void floor_format_number(const struct floor *f, int first_service, int number, char *buf,
			 size_t len)
{
	const char *p = svc_ok(f, first_service) ? f->def->services[first_service].prefix : "?";
	snprintf(buf, len, "%s%03d", p, number);
}
