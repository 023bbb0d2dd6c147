/* fuzz_journal.c: libFuzzer driver for journal replay into the floor model
 * (floor_apply in server/floor.h), as torgd does at start-up from a database that may
 * be corrupted or tampered with. An input is a sequence of 16-byte records. A record
 * whose first byte has bit 7 clear is an event (kind, ticket handle, service,
 * from_service, counter, number, leg, priority, front, reason, services, token, at_ms,
 * day, seq): its fields are filled from the floor's state so that it fits (bit 0 of the
 * second byte), or taken raw from the record, and bits 1..4 tamper with its seq, day,
 * time and token. A record with bit 7 set is a floor command with a clock (issue, open,
 * close, call-next, call, recall, start, finish, no-show, transfer, cancel, break, tick),
 * so the floor is also driven after a replay. After every record the driver aborts when a
 * contract breaks: floor_apply returns anything but 0 or FLOOR_E_INVAL, a refused event
 * changes the floor, an accepted one leaves seq elsewhere, a command returns an unknown
 * error or emits events out of sequence, a second floor fed the same accepted events
 * through floor_apply differs from the first, or an invariant the query functions can
 * see is broken (every waiting ticket queued once, in position order; called and serving
 * tickets held by open counters that hold them; closed counters empty; counts of waiting
 * tickets and open counters; lookups by token and number; legs and their times). */
#include "floor.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless cond holds. */
static void want(bool cond)
{
	if (!cond)
		abort();
}

#define NS   3
#define NC   4
#define DAY1 20260105
#define T0   1767600000000LL

static const struct floor_service_def services[NS] = {
    {.id = "nav", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "social", .prefix = "B", .target_wait_s = 300, .default_service_s = 120},
    {.id = "housing", .prefix = "C", .target_wait_s = 0, .default_service_s = 0},
};
static const struct floor_counter_def counters[NC] = {
    {.id = "c0", .services = 7, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c1", .services = 3, .policy = FLOOR_POLICY_FIFO},
    {.id = "c2", .services = 7, .policy = FLOOR_POLICY_ORDERED},
    {.id = "c3", .services = 4, .policy = FLOOR_POLICY_OVERDUE},
};
static const struct floor_def def = {NS, services, NC, counters, 600};

/* ---- fingerprint of everything the queries show ---- */

/* Folds n bytes into the FNV-1a hash *h. */
static void fp(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
}

/* Folds a number into *h. */
static void fpn(uint64_t *h, int64_t v)
{
	fp(h, &v, sizeof(v));
}

/* A fingerprint of the floor as its query functions show it. */
static uint64_t fingerprint(const struct floor *f)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	fpn(&h, (int64_t)floor_seq(f));
	fpn(&h, floor_day(f));
	size_t nt = floor_tickets_today(f);
	fpn(&h, (int64_t)nt);
	for (uint32_t t = 0; t < nt; t++) {
		struct floor_ticket_info i;
		want(floor_ticket_get(f, t, 0, &i) == 0);
		int64_t v[] = {i.service,   i.first_service, i.number,	  i.state, i.priority,
			       i.leg,	    i.counter,	     i.position,  i.eta_s, i.issued_ms,
			       i.queued_ms, i.called_ms,     i.started_ms};
		fp(&h, v, sizeof(v));
		fp(&h, i.token, sizeof(i.token));
		struct floor_leg legs[8];
		size_t nl = floor_ticket_legs(f, t, legs, 8);
		fpn(&h, (int64_t)nl);
		for (size_t k = 0; k < nl && k < 8; k++) {
			int64_t w[] = {legs[k].service,	  legs[k].counter,    legs[k].queued_ms,
				       legs[k].called_ms, legs[k].started_ms, legs[k].ended_ms,
				       legs[k].outcome};
			fp(&h, w, sizeof(w));
		}
	}
	for (int c = 0; c < NC; c++) {
		struct floor_counter_info ci;
		want(floor_counter_get(f, c, &ci) == 0);
		int64_t v[] = {ci.open,	     (int64_t)ci.services, ci.ticket,
			       ci.opened_ms, ci.on_break,	   ci.break_ms};
		fp(&h, v, sizeof(v));
	}
	for (int s = 0; s < NS; s++) {
		fpn(&h, (int64_t)floor_waiting(f, s));
		fpn(&h, floor_service_eta(f, s, 0));
		fpn(&h, floor_longest_wait(f, s, 0));
		fpn(&h, floor_counters_open(f, s));
	}
	return h;
}

/* ---- invariants ---- */

/* Checks everything the queries promise about the floor. */
static void check_floor(const struct floor *f)
{
	size_t nt = floor_tickets_today(f);
	size_t waiting[NS] = {0}, issued[NS] = {0};
	int open_per_service[NS] = {0};
	for (int c = 0; c < NC; c++) {
		struct floor_counter_info ci;
		want(floor_counter_get(f, c, &ci) == 0);
		if (!ci.open) {
			want(ci.services == 0 && ci.ticket == FLOOR_NONE && !ci.on_break);
			continue;
		}
		/* within the floor's services: a replayed counter.opened keeps what the journal
		 * says, which the counter's list may no longer hold (floor_redefine) */
		want(ci.services && !(ci.services & ~((UINT64_C(1) << NS) - 1)));
		/* a counter on a break holds no ticket and counts for no service */
		want(!ci.on_break || (ci.ticket == FLOOR_NONE && ci.break_ms >= ci.opened_ms));
		for (int s = 0; s < NS && !ci.on_break; s++)
			open_per_service[s] += (int)(ci.services >> s & 1);
		if (ci.ticket != FLOOR_NONE) {
			struct floor_ticket_info ti;
			want(floor_ticket_get(f, ci.ticket, 0, &ti) == 0);
			want(ti.counter == c &&
			     (ti.state == FLOOR_CALLED || ti.state == FLOOR_SERVING));
		}
	}
	for (uint32_t t = 0; t < nt; t++) {
		struct floor_ticket_info i;
		want(floor_ticket_get(f, t, 0, &i) == 0 && i.handle == t);
		want(i.service >= 0 && i.service < NS && i.first_service >= 0 &&
		     i.first_service < NS);
		want(i.number >= 1 && i.number <= FLOOR_MAX_NUMBER &&
		     i.priority < FLOOR_PRIORITIES);
		want(i.state <= FLOOR_CANCELLED && i.leg >= 1);
		want(floor_ticket_by_token(f, i.token) == t);
		want(floor_ticket_by_number(f, i.first_service, i.number) == t);
		issued[i.first_service]++;
		if (i.state == FLOOR_WAITING) {
			want(i.counter == -1 && i.position >= 1 && i.eta_s >= -1);
			waiting[i.service]++;
		} else if (i.state == FLOOR_CALLED || i.state == FLOOR_SERVING) {
			want(i.counter >= 0 && i.counter < NC && i.position == 0 && i.eta_s == 0);
			struct floor_counter_info ci;
			want(floor_counter_get(f, i.counter, &ci) == 0);
			want(ci.open && ci.ticket == t && (ci.services >> i.service & 1));
			want(i.called_ms >= i.queued_ms);
		} else {
			want(i.counter == -1 && i.position == 0 && i.eta_s == -1);
		}
		want(i.queued_ms >= i.issued_ms);
		struct floor_leg legs[64];
		size_t nl = floor_ticket_legs(f, t, legs, 64);
		want(nl == i.leg);
		size_t shown = nl < 64 ? nl : 64;
		if (nl <= 64)
			want(legs[nl - 1].service == i.service &&
			     legs[0].service == i.first_service);
		for (size_t k = 0; k < shown; k++) {
			const struct floor_leg *lg = &legs[k];
			want(lg->service >= 0 && lg->service < NS && lg->counter >= -1 &&
			     lg->counter < NC);
			want(!lg->called_ms || lg->called_ms >= lg->queued_ms);
			want(!lg->started_ms || (lg->called_ms && lg->started_ms >= lg->called_ms));
			want(!lg->ended_ms || lg->ended_ms >= lg->queued_ms);
			if (k + 1 < shown)
				want(lg->ended_ms && lg->outcome == FLOOR_DONE &&
				     legs[k + 1].queued_ms == lg->ended_ms);
		}
	}
	for (int s = 0; s < NS; s++) {
		want(floor_waiting(f, s) == waiting[s]);
		want(floor_counters_open(f, s) == open_per_service[s]);
		want((floor_service_eta(f, s, 0) == -1) == (open_per_service[s] == 0));
		want(floor_longest_wait(f, s, 0) >= 0);
		want(floor_ticket_by_number(f, s, (int)issued[s] + 1) == FLOOR_NONE);
		uint32_t q[1024];
		size_t n = floor_queue(f, s, q, 1024);
		want(n == (waiting[s] < 1024 ? waiting[s] : 1024));
		for (size_t k = 0; k < n; k++) {
			struct floor_ticket_info i;
			want(floor_ticket_get(f, q[k], 0, &i) == 0);
			want(i.state == FLOOR_WAITING && i.service == s &&
			     i.position == (int)k + 1);
		}
	}
}

/* ---- building events and commands from records ---- */

/* The driver's state: the floor under test, its replayed twin, and the clock. */
struct run {
	struct floor *f, *g;
	int64_t ms;
	int32_t day;
	uint32_t ntok;
	struct floor_events out;
};

/* Moves the driver's clock by d ms, kept within a range where sums cannot overflow. */
static void clock_add(struct run *r, int64_t d)
{
	r->ms += d;
	if (r->ms < 0 || r->ms > INT64_MAX / 4)
		r->ms = T0;
}

/* A token: 16 bytes from a counter and a byte, or a copy of ticket h's when dup. */
static void make_token(struct run *r, uint8_t b, bool dup, uint32_t h, uint8_t tok[16])
{
	struct floor_ticket_info i;
	if (dup && floor_ticket_get(r->f, h, 0, &i) == 0) {
		memcpy(tok, i.token, 16);
		return;
	}
	memset(tok, 0, 16);
	uint32_t n = ++r->ntok;
	memcpy(tok, &n, sizeof(n));
	tok[15] = b;
}

/* Number of tickets issued today in service s. */
static int issued_in(const struct floor *f, int s)
{
	int n = 0;
	size_t nt = floor_tickets_today(f);
	for (uint32_t t = 0; t < nt; t++) {
		struct floor_ticket_info i;
		if (floor_ticket_get(f, t, 0, &i) == 0 && i.first_service == s)
			n++;
	}
	return n;
}

/* Applies an event taken by f to the twin g, which must take it too. */
static void replay(struct run *r, const struct floor_event *ev)
{
	want(floor_apply(r->g, ev) == 0);
}

/* Builds an event from a record and applies it. */
static void do_event(struct run *r, const uint8_t *b)
{
	static const uint8_t odd_kinds[] = {0, 14, 200, 255};
	uint8_t kind = (b[0] & 0x0f) <= FLOOR_EV_KIND_MAX ? (b[0] & 0x0f) : odd_kinds[b[0] & 3];
	bool fill = b[1] & 1;
	struct floor_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.seq = floor_seq(r->f) + 1;
	if (b[1] & 2)
		ev.seq = floor_seq(r->f) + (uint64_t)(int64_t)(int8_t)b[14];
	clock_add(r, (int64_t)b[15] * 1000);
	ev.at_ms = r->ms;
	if (b[1] & 8) {
		static const int64_t odd[] = {-1, 0, INT64_MAX, INT64_MIN, T0 - 1};
		ev.at_ms = b[15] < 5 ? odd[b[15]] : r->ms - (int64_t)b[15] * 7000;
	}
	int32_t day = floor_day(r->f) ? floor_day(r->f) : DAY1;
	ev.day = kind == FLOOR_EV_DAY && floor_day(r->f) ? day + 1 : day;
	if (b[1] & 4)
		ev.day += (int8_t)b[13];
	size_t nt = floor_tickets_today(r->f);
	ev.ticket = b[2] == 0xff ? FLOOR_NONE : b[2] == 0xfe ? UINT32_MAX - 1 : b[2] % (nt + 2);
	ev.service = (int16_t)((int8_t)b[3] % 5 - 1);
	ev.from_service = (int16_t)((int8_t)b[4] % 5 - 1);
	ev.counter = (int16_t)((int8_t)b[5] % 6 - 1);
	ev.number = (uint16_t)(b[6] | b[7] << 8);
	ev.leg = b[8];
	ev.priority = b[9] % 4;
	ev.front = b[10] % 3;
	ev.reason = b[11] % 5;
	ev.services = b[12];
	make_token(r, b[13], b[1] & 16, b[2] % (nt + 1), ev.token);
	if (fill) {
		struct floor_ticket_info i;
		if (kind == FLOOR_EV_ISSUED) {
			ev.ticket = (uint32_t)nt;
			if (ev.service < 0 || ev.service >= NS)
				ev.service = 0;
			ev.number = (uint16_t)(issued_in(r->f, ev.service) + 1);
			ev.leg = 1;
			ev.priority %= FLOOR_PRIORITIES;
			ev.counter = -1;
		} else if (kind == FLOOR_EV_COUNTER_OPENED || kind == FLOOR_EV_COUNTER_CLOSED ||
			   kind == FLOOR_EV_COUNTER_BREAK || kind == FLOOR_EV_COUNTER_BACK) {
			if (ev.counter < 0 || ev.counter >= NC)
				ev.counter = 0;
			ev.services &= counters[ev.counter].services;
			ev.reason = FLOOR_REASON_STAFF;
			ev.ticket = FLOOR_NONE;
		} else if (floor_ticket_get(r->f, ev.ticket, 0, &i) == 0) {
			ev.number = i.number;
			ev.leg = i.leg;
			if (kind == FLOOR_EV_TRANSFERRED) {
				ev.from_service = (int16_t)i.service;
				ev.leg++;
				ev.counter = (int16_t)i.counter;
				ev.front %= 2;
			} else {
				ev.service = (int16_t)i.service;
				if (kind != FLOOR_EV_CALLED)
					ev.counter = (int16_t)i.counter;
			}
			if (kind == FLOOR_EV_CANCELLED)
				ev.reason =
				    (b[11] & 1) ? FLOOR_REASON_DAY_END : FLOOR_REASON_VISITOR;
		}
	}
	uint64_t before = fingerprint(r->f);
	int rc = floor_apply(r->f, &ev);
	want(rc == 0 || rc == FLOOR_E_INVAL);
	if (rc != 0) {
		want(fingerprint(r->f) == before);
		return;
	}
	want(floor_seq(r->f) == ev.seq);
	want(floor_day(r->f) == ev.day);
	if (ev.at_ms > r->ms && ev.at_ms <= INT64_MAX / 4)
		r->ms = ev.at_ms;
	replay(r, &ev);
}

/* Runs a floor command from a record. */
static void do_command(struct run *r, const uint8_t *b)
{
	int op = (b[0] & 0x7f) % 13;
	clock_add(r, (b[1] & 8 ? -1000 : 1000) * (int64_t)b[15]); /* bit 3: stepped back */
	if (b[1] & 4)
		r->day++;
	struct floor_clock now = {r->ms, r->day};
	int c = (int8_t)b[5] % 6 - 1, s = (int8_t)b[3] % 5 - 1;
	size_t nt = floor_tickets_today(r->f);
	uint32_t t = b[2] == 0xff ? FLOOR_NONE : b[2] % (nt + 2);
	uint8_t tok[16];
	make_token(r, b[13], b[1] & 16, t, tok);
	size_t n0 = r->out.n;
	uint64_t seq0 = floor_seq(r->f);
	int rc = 0;
	switch (op) {
	case 0:
		rc = floor_issue(r->f, now, s, b[9] % 4, tok, &r->out, NULL);
		break;
	case 1:
		rc = floor_counter_open(r->f, now, c, b[12], &r->out);
		break;
	case 2:
		rc = floor_counter_close(r->f, now, c, &r->out);
		break;
	case 3:
		rc = floor_call_next(r->f, now, c, &r->out);
		break;
	case 4:
		rc = floor_call(r->f, now, c, t, &r->out);
		break;
	case 5:
		rc = floor_recall(r->f, now, c, &r->out);
		break;
	case 6:
		rc = floor_start(r->f, now, c, &r->out);
		break;
	case 7:
		rc = floor_finish(r->f, now, c, &r->out);
		break;
	case 8:
		rc = floor_no_show(r->f, now, c, &r->out);
		break;
	case 9:
		rc = floor_transfer(r->f, now, c, s, b[10] & 1, &r->out);
		break;
	case 10:
		rc = floor_cancel(r->f, now, t, &r->out);
		break;
	case 11:
		rc = floor_counter_break(r->f, now, c, b[10] & 1, &r->out);
		break;
	default:
		rc = floor_tick(r->f, now, &r->out);
		break;
	}
	want(rc <= 0 && rc >= FLOOR_E_BREAK);
	want(r->out.n - n0 == floor_seq(r->f) - seq0);
	for (size_t i = n0; i < r->out.n; i++) {
		const struct floor_event *ev = &r->out.v[i];
		want(ev->seq == seq0 + 1 + (i - n0));
		want(ev->kind >= FLOOR_EV_ISSUED && ev->kind <= FLOOR_EV_KIND_MAX);
		if (rc != 0)
			want((ev->kind == FLOOR_EV_CANCELLED &&
			      ev->reason == FLOOR_REASON_DAY_END) ||
			     (ev->kind == FLOOR_EV_COUNTER_CLOSED &&
			      ev->reason == FLOOR_REASON_DAY_END) ||
			     ev->kind == FLOOR_EV_DAY);
		replay(r, ev);
	}
	if (floor_day(r->f) > r->day)
		r->day = floor_day(r->f);
	r->out.n = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	r.f = floor_create(&def);
	r.g = floor_create(&def);
	want(r.f && r.g);
	r.ms = T0;
	r.day = DAY1;
	for (size_t i = 0; i + 16 <= size && i < 16 * 400; i += 16) {
		const uint8_t *b = data + i;
		if (b[0] & 0x80)
			do_command(&r, b);
		else
			do_event(&r, b);
		check_floor(r.f);
		want(fingerprint(r.f) == fingerprint(r.g));
	}
	floor_events_free(&r.out);
	floor_free(r.f);
	floor_free(r.g);
	return 0;
}
