/*
 * test_floor_break.c — unit tests of counter breaks in the floor model
 * (floor_counter_break, server/floor.h): going on a break and back with their
 * events and figures, every error, a counter on a break left out of
 * counters_open and the estimates, floor_events_moved naming the services it
 * gives, closing a counter on a break, the day rollover, replay of breaks
 * through floor_apply() into a fresh floor, and the breaks replay refuses. Each
 * test is a function; a failed check prints file:line and ends that test.
 */
#include "floor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed_now;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			failed_now = 1;                                                            \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define MIN  60000
#define DAY1 20260105
#define DAY2 20260106
#define T0   1767600000000LL

/* Services: A (5 min meetings), B (2 min), C (defaults). */
static const struct floor_service_def services[] = {
    {.id = "nav", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "social", .prefix = "B", .target_wait_s = 300, .default_service_s = 120},
    {.id = "housing", .prefix = "C", .target_wait_s = 0, .default_service_s = 0},
};
/* c0 gives all, c1 A and B, c2 only C. */
static const struct floor_counter_def counters[] = {
    {.id = "c0", .services = 7, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c1", .services = 3, .policy = FLOOR_POLICY_FIFO},
    {.id = "c2", .services = 4, .policy = FLOOR_POLICY_OVERDUE},
};
static const struct floor_def def = {3, services, 3, counters, 1800};

/* A floor under test with its event log and a clock that tests move. */
struct fx {
	struct floor *f;
	struct floor_events ev;
	int64_t ms;
	int32_t day;
	int ntok;
};

/* Creates the fixture's floor at T0 on DAY1 with every counter open. */
static void fx_init(struct fx *x)
{
	memset(x, 0, sizeof(*x));
	x->f = floor_create(&def);
	x->ms = T0;
	x->day = DAY1;
	for (int c = 0; c < 3; c++)
		if (floor_counter_open(x->f, (struct floor_clock){x->ms, x->day}, c,
				       counters[c].services, &x->ev))
			abort();
}

/* Frees the fixture. */
static void fx_close(struct fx *x)
{
	floor_free(x->f);
	floor_events_free(&x->ev);
}

/* The fixture's current clock. */
static struct floor_clock now(struct fx *x)
{
	return (struct floor_clock){x->ms, x->day};
}

/* Issues a ticket for service s with a distinct token; returns its handle. */
static uint32_t issue(struct fx *x, int s)
{
	uint8_t t[FLOOR_TOKEN_LEN] = {0};
	int n = ++x->ntok;
	memcpy(t, &n, sizeof(n));
	t[15] = 0x7b;
	uint32_t h = FLOOR_NONE;
	if (floor_issue(x->f, now(x), s, 0, t, &x->ev, &h))
		return FLOOR_NONE;
	return h;
}

/* Puts counter c on a break (on) or back; returns the floor's answer. */
static int brk(struct fx *x, int c, bool on)
{
	return floor_counter_break(x->f, now(x), c, on, &x->ev);
}

/* Counter c's view. */
static struct floor_counter_info ctr(struct fx *x, int c)
{
	struct floor_counter_info ci;
	memset(&ci, 0, sizeof(ci));
	floor_counter_get(x->f, c, &ci);
	return ci;
}

/* The last event emitted. */
static const struct floor_event *last(struct fx *x)
{
	return &x->ev.v[x->ev.n - 1];
}

/* Replays the fixture's events into a fresh floor; 0 when every counter, figure and
 * ticket reads the same there. */
static int replay_same(struct fx *x)
{
	struct floor *g = floor_create(&def);
	int r = 0;
	for (size_t i = 0; i < x->ev.n && !r; i++)
		if (floor_apply(g, &x->ev.v[i]))
			r = -1;
	for (int s = 0; s < 3 && !r; s++)
		if (floor_counters_open(g, s) != floor_counters_open(x->f, s) ||
		    floor_service_eta(g, s, x->ms) != floor_service_eta(x->f, s, x->ms) ||
		    floor_waiting(g, s) != floor_waiting(x->f, s))
			r = __LINE__;
	for (int c = 0; c < 3 && !r; c++) {
		struct floor_counter_info a = ctr(x, c), b;
		floor_counter_get(g, c, &b);
		if (memcmp(&a, &b, sizeof(a)))
			r = __LINE__;
	}
	for (uint32_t h = 0; h < floor_tickets_today(x->f) && !r; h++) {
		struct floor_ticket_info ta, tb;
		floor_ticket_get(x->f, h, x->ms, &ta);
		floor_ticket_get(g, h, x->ms, &tb);
		if (memcmp(&ta, &tb, sizeof(ta)))
			r = __LINE__;
	}
	floor_free(g);
	return r;
}

/* ---- tests ---- */

/* A break and the way back: their events, figures and the counter's view. */
static void test_break_back(void)
{
	struct fx x;
	fx_init(&x);
	CHECK(floor_counters_open(x.f, 0) == 2 && floor_counters_open(x.f, 2) == 2);
	x.ms += MIN;
	size_t n = x.ev.n;
	CHECK(brk(&x, 0, true) == 0 && x.ev.n == n + 1);
	const struct floor_event *e = last(&x);
	CHECK(e->kind == FLOOR_EV_COUNTER_BREAK && e->counter == 0 && e->at_ms == x.ms);
	CHECK(e->ticket == FLOOR_NONE && e->service == -1 && e->day == DAY1);
	/* the figures of every service it gives, without it */
	CHECK(e->nfig == 3);
	for (int i = 0; i < 3; i++)
		CHECK(x.ev.figs[e->fig + i].counters_open == 1);
	struct floor_counter_info ci = ctr(&x, 0);
	CHECK(ci.open && ci.on_break && ci.break_ms == x.ms && ci.services == 7);
	CHECK(ci.opened_ms == T0 && ci.ticket == FLOOR_NONE);
	CHECK(floor_counters_open(x.f, 0) == 1 && floor_counters_open(x.f, 1) == 1);
	CHECK(floor_counters_open(x.f, 2) == 1);
	CHECK(!ctr(&x, 1).on_break && ctr(&x, 1).break_ms == 0);

	x.ms += 5 * MIN;
	CHECK(brk(&x, 0, false) == 0 && x.ev.n == n + 2);
	e = last(&x);
	CHECK(e->kind == FLOOR_EV_COUNTER_BACK && e->counter == 0 && e->nfig == 3);
	CHECK(x.ev.figs[e->fig].counters_open == 2);
	ci = ctr(&x, 0);
	CHECK(ci.open && !ci.on_break && ci.break_ms == 0 && ci.opened_ms == T0);
	CHECK(floor_counters_open(x.f, 0) == 2 && floor_counters_open(x.f, 2) == 2);
	CHECK(!strcmp(proto_event_name(FLOOR_EV_COUNTER_BREAK), "counter.break"));
	CHECK(!strcmp(proto_event_name(FLOOR_EV_COUNTER_BACK), "counter.back"));
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* Every refusal, each leaving the floor and the buffer as they were. */
static void test_errors(void)
{
	struct fx x;
	fx_init(&x);
	size_t n = x.ev.n;
	CHECK(brk(&x, 3, true) == FLOOR_E_COUNTER && brk(&x, -1, false) == FLOOR_E_COUNTER);
	CHECK(floor_counter_close(x.f, now(&x), 1, &x.ev) == 0);
	n = x.ev.n;
	CHECK(brk(&x, 1, true) == FLOOR_E_CLOSED && brk(&x, 1, false) == FLOOR_E_CLOSED);
	/* with a current ticket: no break */
	uint32_t h = issue(&x, 2);
	CHECK(floor_call_next(x.f, now(&x), 2, &x.ev) == 0 && ctr(&x, 2).ticket == h);
	n = x.ev.n;
	CHECK(brk(&x, 2, true) == FLOOR_E_BUSY && x.ev.n == n && !ctr(&x, 2).on_break);
	CHECK(brk(&x, 2, false) == 0 && x.ev.n == n); /* not on one: nothing to end */
	/* on a break: calls are refused, with no event */
	issue(&x, 0);
	CHECK(brk(&x, 0, true) == 0);
	n = x.ev.n;
	CHECK(floor_call_next(x.f, now(&x), 0, &x.ev) == FLOOR_E_BREAK && x.ev.n == n);
	CHECK(floor_call(x.f, now(&x), 0, 1, &x.ev) == FLOOR_E_BREAK && x.ev.n == n);
	CHECK(floor_waiting(x.f, 0) == 1);
	CHECK(floor_counter_open(x.f, now(&x), 0, 1, &x.ev) == FLOOR_E_OPEN);
	/* twice: idempotent, no second event, the break keeps its start */
	int64_t since = ctr(&x, 0).break_ms;
	x.ms += MIN;
	CHECK(brk(&x, 0, true) == 0 && x.ev.n == n && ctr(&x, 0).break_ms == since);
	CHECK(!strcmp(floor_error_code(FLOOR_E_BREAK), "counter_on_break"));
	CHECK(strstr(floor_error_message(FLOOR_E_BREAK), "break") != NULL);
	/* back, it calls again */
	CHECK(brk(&x, 0, false) == 0 && floor_call_next(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(ctr(&x, 0).ticket == 1);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* The estimates count only counters off a break; with none, the wait is unknown. */
static void test_estimates(void)
{
	struct fx x;
	fx_init(&x);
	for (int i = 0; i < 4; i++)
		issue(&x, 2);
	/* C: c0 and c2, 300 s meetings: 5 tickets ahead of a newcomer over 2 counters */
	int both = floor_service_eta(x.f, 2, x.ms);
	CHECK(both == 900);
	CHECK(brk(&x, 2, true) == 0);
	CHECK(floor_service_eta(x.f, 2, x.ms) == 1500);
	struct floor_ticket_info ti;
	CHECK(floor_ticket_get(x.f, 3, x.ms, &ti) == 0 && ti.eta_s == 1200);
	CHECK(brk(&x, 0, true) == 0);
	CHECK(floor_service_eta(x.f, 2, x.ms) == -1 && floor_counters_open(x.f, 2) == 0);
	CHECK(floor_ticket_get(x.f, 3, x.ms, &ti) == 0 && ti.eta_s == -1);
	CHECK(floor_service_eta(x.f, 0, x.ms) == 300); /* c1 still gives A */
	CHECK(brk(&x, 0, false) == 0 && brk(&x, 2, false) == 0);
	CHECK(floor_service_eta(x.f, 2, x.ms) == both);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* floor_events_moved: a break or a return moves the services its counter may give. */
static void test_events_moved(void)
{
	struct fx x;
	fx_init(&x);
	issue(&x, 0);
	issue(&x, 2);
	size_t n = x.ev.n;
	CHECK(brk(&x, 2, true) == 0);
	CHECK(floor_events_moved(x.f, &x.ev.v[n], 1) == 4);
	CHECK(brk(&x, 1, true) == 0);
	CHECK(floor_events_moved(x.f, &x.ev.v[n + 1], 1) == 3);
	CHECK(floor_events_moved(x.f, &x.ev.v[n], 2) == 7);
	n = x.ev.n;
	CHECK(brk(&x, 2, false) == 0);
	CHECK(floor_events_moved(x.f, &x.ev.v[n], 1) == 4);
	fx_close(&x);
}

/* Closing a counter on a break ends it; opened again, the counter counts once more. */
static void test_close_on_break(void)
{
	struct fx x;
	fx_init(&x);
	CHECK(brk(&x, 1, true) == 0 && floor_counters_open(x.f, 0) == 1);
	x.ms += MIN;
	CHECK(floor_counter_close(x.f, now(&x), 1, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_COUNTER_CLOSED && last(&x)->reason == FLOOR_REASON_STAFF);
	struct floor_counter_info ci = ctr(&x, 1);
	CHECK(!ci.open && !ci.on_break && ci.break_ms == 0 && ci.services == 0);
	CHECK(floor_counters_open(x.f, 0) == 1 && floor_counters_open(x.f, 1) == 1);
	CHECK(brk(&x, 1, false) == FLOOR_E_CLOSED);
	CHECK(floor_counter_open(x.f, now(&x), 1, 2, &x.ev) == 0);
	CHECK(!ctr(&x, 1).on_break && floor_counters_open(x.f, 1) == 2);
	CHECK(floor_counters_open(x.f, 0) == 1);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* The day rollover closes a counter on a break like any open one. */
static void test_day_rollover(void)
{
	struct fx x;
	fx_init(&x);
	CHECK(brk(&x, 0, true) == 0);
	x.day = DAY2;
	x.ms += 12 * 60 * MIN;
	size_t n = x.ev.n;
	CHECK(floor_tick(x.f, now(&x), &x.ev) == 0 && x.ev.n == n + 4);
	CHECK(x.ev.v[n].kind == FLOOR_EV_COUNTER_CLOSED && x.ev.v[n].counter == 0);
	CHECK(x.ev.v[n].reason == FLOOR_REASON_DAY_END);
	CHECK(x.ev.v[n + 3].kind == FLOOR_EV_DAY && floor_day(x.f) == DAY2);
	for (int c = 0; c < 3; c++)
		CHECK(!ctr(&x, c).open && !ctr(&x, c).on_break);
	for (int s = 0; s < 3; s++)
		CHECK(floor_counters_open(x.f, s) == 0);
	CHECK(brk(&x, 0, true) == FLOOR_E_CLOSED);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* A busy day with breaks replays to the same floor. */
static void test_replay(void)
{
	struct fx x;
	fx_init(&x);
	for (int i = 0; i < 200; i++) {
		x.ms += (i * 7919) % 60000;
		issue(&x, i % 3);
		int c = i % 3;
		struct floor_counter_info ci = ctr(&x, c);
		if (i % 17 == 0)
			brk(&x, c, !ci.on_break);
		else if (ci.ticket == FLOOR_NONE)
			floor_call_next(x.f, now(&x), c, &x.ev);
		else if (floor_start(x.f, now(&x), c, &x.ev))
			floor_finish(x.f, now(&x), c, &x.ev);
		if (i == 150)
			x.day = DAY2;
		if (i == 151)
			for (int k = 0; k < 3; k++)
				floor_counter_open(x.f, now(&x), k, counters[k].services, &x.ev);
	}
	size_t breaks = 0;
	for (size_t i = 0; i < x.ev.n; i++)
		breaks += x.ev.v[i].kind == FLOOR_EV_COUNTER_BREAK;
	CHECK(breaks >= 4);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* A break event from a fresh fixture's next seq for counter c. */
static struct floor_event ev_for(struct fx *x, int kind, int c)
{
	struct floor_event e;
	memset(&e, 0, sizeof(e));
	e.seq = floor_seq(x->f) + 1;
	e.at_ms = x->ms;
	e.day = DAY1;
	e.kind = (uint8_t)kind;
	e.ticket = FLOOR_NONE;
	e.service = e.from_service = e.first_service = -1;
	e.counter = (int16_t)c;
	return e;
}

/* Replay refuses a break or return that does not fit the state. */
static void test_apply_rejects(void)
{
	struct fx x;
	fx_init(&x);
	struct floor_event e = ev_for(&x, FLOOR_EV_COUNTER_BACK, 0);
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL); /* not on a break */
	e = ev_for(&x, FLOOR_EV_COUNTER_BREAK, 3);
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL); /* no such counter */
	e = ev_for(&x, FLOOR_EV_COUNTER_BREAK, -1);
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL);
	e = ev_for(&x, FLOOR_EV_COUNTER_BREAK, 0);
	CHECK(floor_apply(x.f, &e) == 0 && ctr(&x, 0).on_break);
	e = ev_for(&x, FLOOR_EV_COUNTER_BREAK, 0);
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL); /* twice */
	CHECK(floor_counters_open(x.f, 0) == 1);
	/* a call at a counter on a break */
	issue(&x, 0);
	e = ev_for(&x, FLOOR_EV_CALLED, 0);
	e.ticket = 0;
	e.service = e.first_service = 0;
	e.number = 1;
	e.leg = 1;
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL);
	/* a break with a current ticket */
	e.counter = 1;
	CHECK(floor_apply(x.f, &e) == 0 && ctr(&x, 1).ticket == 0);
	e = ev_for(&x, FLOOR_EV_COUNTER_BREAK, 1);
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL);
	/* at a closed counter */
	CHECK(floor_counter_close(x.f, now(&x), 2, &x.ev) == 0);
	e = ev_for(&x, FLOOR_EV_COUNTER_BREAK, 2);
	CHECK(floor_apply(x.f, &e) == FLOOR_E_INVAL);
	fx_close(&x);
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
	    {"break_back", test_break_back},
	    {"errors", test_errors},
	    {"estimates", test_estimates},
	    {"events_moved", test_events_moved},
	    {"close_on_break", test_close_on_break},
	    {"day_rollover", test_day_rollover},
	    {"replay", test_replay},
	    {"apply_rejects", test_apply_rejects},
	};
	int passed = 0, failed = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		failed_now = 0;
		tests[i].fn();
		if (failed_now) {
			fprintf(stderr, "FAIL %s\n", tests[i].name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("floor_break: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
