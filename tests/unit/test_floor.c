/*
 * test_floor.c — unit tests of the floor model (server/floor.h): every
 * transition and every error of every command, routing by the three policies
 * with priorities and the anti-starvation bound, transfer legs, numbering
 * across the day boundary, estimates, and replay of the emitted events through
 * floor_apply() into a fresh floor. Each test is a function; a failed check
 * prints file:line and ends that test; the process exits non-zero when any
 * test failed.
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

/* Services: A (target 10 min, 5 min meetings), B (target 5 min, 2 min), C (defaults). */
static const struct floor_service_def services[] = {
    {.id = "nav", .prefix = "A", .target_wait_s = 600, .default_service_s = 300},
    {.id = "social", .prefix = "B", .target_wait_s = 300, .default_service_s = 120},
    {.id = "housing", .prefix = "C", .target_wait_s = 0, .default_service_s = 0},
};
/* c0 overdue over all, c1 FIFO over A and B, c2 ordered over all, c3 only C. */
static const struct floor_counter_def counters[] = {
    {.id = "c0", .services = 7, .policy = FLOOR_POLICY_OVERDUE},
    {.id = "c1", .services = 3, .policy = FLOOR_POLICY_FIFO},
    {.id = "c2", .services = 7, .policy = FLOOR_POLICY_ORDERED},
    {.id = "c3", .services = 4, .policy = FLOOR_POLICY_OVERDUE},
};
static const struct floor_def def = {3, services, 4, counters, 1800};

/* A floor under test with its event log and a clock that tests move. */
struct fx {
	struct floor *f;
	struct floor_events ev;
	int64_t ms;
	int32_t day;
	int ntok;
};

/* Creates the fixture's floor at T0 on DAY1. */
static void fx_init(struct fx *x)
{
	memset(x, 0, sizeof(*x));
	x->f = floor_create(&def);
	x->ms = T0;
	x->day = DAY1;
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

/* A distinct token per call. */
static const uint8_t *tok(struct fx *x)
{
	static uint8_t t[FLOOR_TOKEN_LEN];
	memset(t, 0, sizeof(t));
	int n = ++x->ntok;
	memcpy(t, &n, sizeof(n));
	t[15] = 0x5a;
	return t;
}

/* Issues a ticket and returns its handle (FLOOR_NONE on error). */
static uint32_t issue(struct fx *x, int service, int prio)
{
	uint32_t h = FLOOR_NONE;
	if (floor_issue(x->f, now(x), service, prio, tok(x), &x->ev, &h))
		return FLOOR_NONE;
	return h;
}

/* The last event emitted. */
static const struct floor_event *last(struct fx *x)
{
	return x->ev.n ? &x->ev.v[x->ev.n - 1] : NULL;
}

/* Calls next at counter c and returns the called handle (FLOOR_NONE if none). */
static uint32_t call_next(struct fx *x, int c)
{
	size_t n = x->ev.n;
	if (floor_call_next(x->f, now(x), c, &x->ev) || x->ev.n == n)
		return FLOOR_NONE;
	return last(x)->ticket;
}

/* State of ticket h. */
static int state(struct fx *x, uint32_t h)
{
	struct floor_ticket_info ti;
	if (floor_ticket_get(x->f, h, x->ms, &ti))
		return -1;
	return (int)ti.state;
}

/* Info of ticket h (zeroed on error). */
static struct floor_ticket_info info(struct fx *x, uint32_t h)
{
	struct floor_ticket_info ti;
	memset(&ti, 0, sizeof(ti));
	floor_ticket_get(x->f, h, x->ms, &ti);
	return ti;
}

/* Current ticket of counter c. */
static uint32_t current(struct fx *x, int c)
{
	struct floor_counter_info ci;
	if (floor_counter_get(x->f, c, &ci))
		return FLOOR_NONE;
	return ci.ticket;
}

/* Compares the observable state of two floors at time ms; 0 when equal. */
static int same_floor(const struct floor *a, const struct floor *b, int64_t ms)
{
	if (floor_seq(a) != floor_seq(b) || floor_day(a) != floor_day(b) ||
	    floor_tickets_today(a) != floor_tickets_today(b))
		return __LINE__;
	for (int s = 0; s < (int)def.nservices; s++) {
		uint32_t qa[256], qb[256];
		size_t na = floor_queue(a, s, qa, 256), nb = floor_queue(b, s, qb, 256);
		if (na != nb || memcmp(qa, qb, na * sizeof(*qa)) ||
		    floor_waiting(a, s) != floor_waiting(b, s) ||
		    floor_service_eta(a, s, ms) != floor_service_eta(b, s, ms) ||
		    floor_longest_wait(a, s, ms) != floor_longest_wait(b, s, ms) ||
		    floor_counters_open(a, s) != floor_counters_open(b, s))
			return __LINE__;
	}
	for (int c = 0; c < (int)def.ncounters; c++) {
		struct floor_counter_info ca, cb;
		floor_counter_get(a, c, &ca);
		floor_counter_get(b, c, &cb);
		if (ca.open != cb.open || ca.services != cb.services || ca.ticket != cb.ticket ||
		    ca.opened_ms != cb.opened_ms || ca.on_break != cb.on_break ||
		    ca.break_ms != cb.break_ms)
			return __LINE__;
	}
	for (uint32_t h = 0; h < floor_tickets_today(a); h++) {
		struct floor_ticket_info ta, tb;
		floor_ticket_get(a, h, ms, &ta);
		floor_ticket_get(b, h, ms, &tb);
		if (memcmp(&ta, &tb, sizeof(ta)))
			return __LINE__;
		struct floor_leg la[16], lb[16];
		size_t na = floor_ticket_legs(a, h, la, 16), nb = floor_ticket_legs(b, h, lb, 16);
		if (na != nb || memcmp(la, lb, (na < 16 ? na : 16) * sizeof(*la)))
			return __LINE__;
		if (floor_ticket_by_token(b, ta.token) != h ||
		    floor_ticket_by_number(b, ta.first_service, ta.number) != h)
			return __LINE__;
	}
	return 0;
}

/* Replays the fixture's events into a fresh floor; 0 when it ends up identical. */
static int replay_same(struct fx *x)
{
	struct floor *g = floor_create(&def);
	for (size_t i = 0; i < x->ev.n; i++)
		if (floor_apply(g, &x->ev.v[i])) {
			floor_free(g);
			return -1;
		}
	int r = same_floor(x->f, g, x->ms);
	if (r)
		fprintf(stderr, "same_floor differs at line %d\n", r);
	floor_free(g);
	return r;
}

/* ---- tests ---- */

static void test_names(void)
{
	CHECK(!strcmp(floor_error_code(FLOOR_E_SERVICE), "unknown_service"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_COUNTER), "unknown_counter"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_CLOSED), "counter_closed"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_BUSY), "counter_busy"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_IDLE), "no_current_ticket"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_STATE), "wrong_state"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_NOT_GIVEN), "service_not_given"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_TICKET), "unknown_ticket"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_FULL), "numbers_exhausted"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_INVAL), "invalid"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_OPEN), "counter_open"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_BREAK), "counter_on_break"));
	CHECK(!strcmp(floor_error_code(FLOOR_E_BREAK - 1), "internal"));
	CHECK(!strcmp(floor_error_code(0), "internal"));
	CHECK(!strcmp(floor_error_code(-12), "internal"));
	for (int e = FLOOR_E_BREAK; e <= FLOOR_E_SERVICE; e++)
		CHECK(strlen(floor_error_message(e)) > 10);
	const char *kinds[] = {"ticket.issued",	     "ticket.called",	 "ticket.recalled",
			       "ticket.serving",     "ticket.done",	 "ticket.no_show",
			       "ticket.transferred", "ticket.cancelled", "counter.opened",
			       "counter.closed",     "floor.day",	 "counter.break",
			       "counter.back",	     "floor.config"};
	/* the floor's kinds and states carry the protocol's names (proto/names.h) */
	for (int k = FLOOR_EV_ISSUED; k <= FLOOR_EV_KIND_MAX; k++)
		CHECK(!strcmp(proto_event_name(k), kinds[k - 1]));
	CHECK(proto_event_name(0) == NULL && proto_event_name(FLOOR_EV_KIND_MAX + 1) == NULL);
	const char *states[] = {"waiting", "called", "serving", "done", "no_show", "cancelled"};
	for (int s = FLOOR_WAITING; s <= FLOOR_CANCELLED; s++)
		CHECK(!strcmp(proto_state_name(s), states[s]));
	struct fx x;
	fx_init(&x);
	char buf[16];
	floor_format_number(x.f, 0, 23, buf, sizeof(buf));
	CHECK(!strcmp(buf, "A023"));
	floor_format_number(x.f, 1, 7, buf, sizeof(buf));
	CHECK(!strcmp(buf, "B007"));
	floor_format_number(x.f, 2, 1000, buf, sizeof(buf));
	CHECK(!strcmp(buf, "C1000"));
	fx_close(&x);
}

static void test_create(void)
{
	struct floor_service_def dup[] = {
	    {.id = "a", .prefix = "A", .target_wait_s = 0, .default_service_s = 0},
	    {.id = "b", .prefix = "A", .target_wait_s = 0, .default_service_s = 0}};
	struct floor_def d = {2, dup, 0, NULL, 0};
	CHECK(floor_create(&d) == NULL);
	struct floor_counter_def bad[] = {{.id = "c", .services = 4, .policy = FLOOR_POLICY_FIFO}};
	struct floor_def d2 = {2, services, 1, bad, 0};
	CHECK(floor_create(&d2) == NULL);
	struct floor_def d3 = {65, services, 0, NULL, 0};
	CHECK(floor_create(&d3) == NULL);
	struct floor *f = floor_create(&def);
	CHECK(f != NULL);
	CHECK(floor_get_def(f) == &def);
	CHECK(floor_seq(f) == 0 && floor_day(f) == 0 && floor_tickets_today(f) == 0);
	floor_set_seq(f, 41);
	CHECK(floor_seq(f) == 41);
	floor_set_seq(f, 7);
	CHECK(floor_seq(f) == 41);
	/* a clock without a day cannot start the floor */
	struct floor_events ev = {0};
	CHECK(floor_issue(f, (struct floor_clock){T0, 0}, 0, 0, (const uint8_t *)"0123456789abcdef",
			  &ev, NULL) == FLOOR_E_INVAL);
	CHECK(floor_counter_open(f, (struct floor_clock){T0, -1}, 0, 1, &ev) == FLOOR_E_INVAL);
	CHECK(floor_tick(f, (struct floor_clock){T0, 0}, &ev) == 0);
	CHECK(ev.n == 0 && floor_seq(f) == 41 && floor_day(f) == 0);
	CHECK(floor_tick(f, (struct floor_clock){T0, DAY1}, &ev) == 0);
	CHECK(ev.n == 1 && ev.v[0].kind == FLOOR_EV_DAY && ev.v[0].seq == 42);
	floor_events_free(&ev);
	floor_free(f);
	floor_free(NULL);
}

static void test_issue(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t h = issue(&x, 1, FLOOR_PRIO_NORMAL);
	CHECK(h == 0);
	CHECK(x.ev.n == 2);
	CHECK(x.ev.v[0].kind == FLOOR_EV_DAY && x.ev.v[0].day == DAY1 && x.ev.v[0].seq == 1);
	const struct floor_event *e = &x.ev.v[1];
	CHECK(e->kind == FLOOR_EV_ISSUED && e->seq == 2 && e->ticket == 0 && e->service == 1);
	CHECK(e->number == 1 && e->leg == 1 && e->counter == -1 && e->from_service == -1);
	CHECK(e->day == DAY1 && e->at_ms == T0 && e->token[15] == 0x5a);
	CHECK(floor_day(x.f) == DAY1 && floor_seq(x.f) == 2);
	struct floor_ticket_info ti = info(&x, h);
	CHECK(ti.state == FLOOR_WAITING && ti.service == 1 && ti.first_service == 1);
	CHECK(ti.number == 1 && ti.leg == 1 && ti.counter == -1 && ti.position == 1);
	CHECK(ti.eta_s == -1); /* no counter open */
	CHECK(ti.issued_ms == T0 && ti.queued_ms == T0 && ti.called_ms == 0);
	CHECK(floor_ticket_by_token(x.f, ti.token) == h);
	CHECK(floor_ticket_by_number(x.f, 1, 1) == h);
	CHECK(floor_ticket_by_number(x.f, 0, 1) == FLOOR_NONE);
	CHECK(issue(&x, 1, FLOOR_PRIO_NORMAL) == 1);
	CHECK(info(&x, 1).number == 2 && info(&x, 1).position == 2);
	CHECK(issue(&x, 0, FLOOR_PRIO_NORMAL) == 2);
	CHECK(info(&x, 2).number == 1);
	/* errors leave events and state alone */
	size_t n = x.ev.n;
	uint64_t seq = floor_seq(x.f);
	uint32_t hh = 77;
	CHECK(floor_issue(x.f, now(&x), 3, 0, tok(&x), &x.ev, &hh) == FLOOR_E_SERVICE);
	CHECK(floor_issue(x.f, now(&x), -1, 0, tok(&x), &x.ev, &hh) == FLOOR_E_SERVICE);
	CHECK(floor_issue(x.f, now(&x), 0, 3, tok(&x), &x.ev, &hh) == FLOOR_E_INVAL);
	CHECK(floor_issue(x.f, now(&x), 0, -1, tok(&x), &x.ev, &hh) == FLOOR_E_INVAL);
	CHECK(floor_issue(x.f, now(&x), 0, 0, ti.token, &x.ev, &hh) == FLOOR_E_INVAL);
	CHECK(hh == 77 && x.ev.n == n && floor_seq(x.f) == seq && floor_tickets_today(x.f) == 3);
	CHECK(floor_ticket_get(x.f, 3, x.ms, &ti) == FLOOR_E_TICKET);
	fx_close(&x);
}

static void test_counter_open_close(void)
{
	struct fx x;
	fx_init(&x);
	CHECK(floor_counter_open(x.f, now(&x), 4, 1, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_counter_open(x.f, now(&x), -1, 1, &x.ev) == FLOOR_E_COUNTER);
	size_t n = x.ev.n; /* the day event of the first command */
	CHECK(n == 1);
	CHECK(floor_counter_open(x.f, now(&x), 1, 0, &x.ev) == FLOOR_E_NOT_GIVEN);
	CHECK(floor_counter_open(x.f, now(&x), 1, 4, &x.ev) == FLOOR_E_NOT_GIVEN);
	CHECK(floor_counter_open(x.f, now(&x), 1, 5, &x.ev) == FLOOR_E_NOT_GIVEN);
	CHECK(x.ev.n == n);
	CHECK(floor_counter_open(x.f, now(&x), 1, 2, &x.ev) == 0);
	const struct floor_event *e = last(&x);
	CHECK(e->kind == FLOOR_EV_COUNTER_OPENED && e->counter == 1 && e->services == 2);
	CHECK(e->ticket == FLOOR_NONE && e->service == -1);
	CHECK(floor_counter_open(x.f, now(&x), 1, 1, &x.ev) == FLOOR_E_OPEN);
	struct floor_counter_info ci;
	CHECK(floor_counter_get(x.f, 1, &ci) == 0);
	CHECK(ci.open && ci.services == 2 && ci.ticket == FLOOR_NONE && ci.opened_ms == T0);
	CHECK(floor_counter_get(x.f, 9, &ci) == FLOOR_E_COUNTER);
	CHECK(floor_counters_open(x.f, 0) == 0 && floor_counters_open(x.f, 1) == 1);
	CHECK(floor_counter_open(x.f, now(&x), 0, 7, &x.ev) == 0);
	CHECK(floor_counters_open(x.f, 0) == 1 && floor_counters_open(x.f, 1) == 2);
	/* close */
	CHECK(floor_counter_close(x.f, now(&x), 2, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_counter_close(x.f, now(&x), 7, &x.ev) == FLOOR_E_COUNTER);
	issue(&x, 1, 0);
	CHECK(call_next(&x, 1) == 0);
	n = x.ev.n;
	CHECK(floor_counter_close(x.f, now(&x), 1, &x.ev) == FLOOR_E_BUSY);
	CHECK(x.ev.n == n);
	CHECK(floor_counter_close(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_COUNTER_CLOSED && last(&x)->reason == FLOOR_REASON_STAFF);
	CHECK(floor_counters_open(x.f, 0) == 0 && floor_counters_open(x.f, 1) == 1);
	CHECK(floor_counter_get(x.f, 0, &ci) == 0 && !ci.open && ci.services == 0);
	/* reopen with other services */
	CHECK(floor_counter_open(x.f, now(&x), 0, 4, &x.ev) == 0);
	CHECK(floor_counters_open(x.f, 2) == 1 && floor_counters_open(x.f, 0) == 0);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_lifecycle(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a = issue(&x, 0, 0);
	uint32_t b = issue(&x, 0, 0);
	CHECK(floor_call_next(x.f, now(&x), 0, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_recall(x.f, now(&x), 0, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_start(x.f, now(&x), 0, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_finish(x.f, now(&x), 0, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_no_show(x.f, now(&x), 0, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_transfer(x.f, now(&x), 0, 1, false, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_call(x.f, now(&x), 0, a, &x.ev) == FLOOR_E_CLOSED);
	CHECK(floor_call_next(x.f, now(&x), 9, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_recall(x.f, now(&x), -1, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_start(x.f, now(&x), 4, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_finish(x.f, now(&x), 4, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_no_show(x.f, now(&x), 4, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_transfer(x.f, now(&x), 4, 1, false, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_call(x.f, now(&x), 4, a, &x.ev) == FLOOR_E_COUNTER);
	CHECK(floor_counter_open(x.f, now(&x), 0, 1, &x.ev) == 0);
	size_t n = x.ev.n;
	CHECK(floor_recall(x.f, now(&x), 0, &x.ev) == FLOOR_E_IDLE);
	CHECK(floor_start(x.f, now(&x), 0, &x.ev) == FLOOR_E_IDLE);
	CHECK(floor_finish(x.f, now(&x), 0, &x.ev) == FLOOR_E_IDLE);
	CHECK(floor_no_show(x.f, now(&x), 0, &x.ev) == FLOOR_E_IDLE);
	CHECK(floor_transfer(x.f, now(&x), 0, 1, false, &x.ev) == FLOOR_E_IDLE);
	CHECK(x.ev.n == n);
	x.ms += MIN;
	CHECK(call_next(&x, 0) == a);
	const struct floor_event *e = last(&x);
	CHECK(e->kind == FLOOR_EV_CALLED && e->counter == 0 && e->service == 0 && e->number == 1);
	CHECK(e->leg == 1 && e->at_ms == T0 + MIN);
	CHECK(state(&x, a) == FLOOR_CALLED && current(&x, 0) == a);
	CHECK(info(&x, a).counter == 0 && info(&x, a).called_ms == T0 + MIN);
	CHECK(info(&x, a).position == 0 && info(&x, a).eta_s == 0);
	CHECK(info(&x, b).position == 1);
	n = x.ev.n;
	CHECK(floor_call_next(x.f, now(&x), 0, &x.ev) == FLOOR_E_BUSY);
	CHECK(floor_call(x.f, now(&x), 0, b, &x.ev) == FLOOR_E_BUSY);
	CHECK(floor_finish(x.f, now(&x), 0, &x.ev) == FLOOR_E_STATE);
	CHECK(x.ev.n == n);
	x.ms += 10000;
	CHECK(floor_recall(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_RECALLED && last(&x)->ticket == a);
	CHECK(state(&x, a) == FLOOR_CALLED && info(&x, a).called_ms == T0 + MIN + 10000);
	x.ms += 10000;
	CHECK(floor_start(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_SERVING && state(&x, a) == FLOOR_SERVING);
	CHECK(info(&x, a).started_ms == T0 + MIN + 20000);
	n = x.ev.n;
	CHECK(floor_start(x.f, now(&x), 0, &x.ev) == FLOOR_E_STATE);
	CHECK(floor_recall(x.f, now(&x), 0, &x.ev) == FLOOR_E_STATE);
	CHECK(floor_no_show(x.f, now(&x), 0, &x.ev) == FLOOR_E_STATE);
	CHECK(floor_cancel(x.f, now(&x), a, &x.ev) == FLOOR_E_STATE);
	CHECK(x.ev.n == n);
	x.ms += 2 * MIN;
	CHECK(floor_finish(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_DONE && last(&x)->counter == 0);
	CHECK(state(&x, a) == FLOOR_DONE && current(&x, 0) == FLOOR_NONE);
	CHECK(info(&x, a).counter == -1 && info(&x, a).eta_s == -1);
	struct floor_leg lg[2];
	CHECK(floor_ticket_legs(x.f, a, lg, 2) == 1);
	CHECK(lg[0].service == 0 && lg[0].counter == 0 && lg[0].queued_ms == T0);
	CHECK(lg[0].called_ms == T0 + MIN && lg[0].started_ms == T0 + MIN + 20000);
	CHECK(lg[0].ended_ms == T0 + 3 * MIN + 20000 && lg[0].outcome == FLOOR_DONE);
	CHECK(floor_cancel(x.f, now(&x), a, &x.ev) == FLOOR_E_STATE);
	/* no-show */
	CHECK(call_next(&x, 0) == b);
	CHECK(floor_no_show(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_NO_SHOW && state(&x, b) == FLOOR_NO_SHOW);
	CHECK(current(&x, 0) == FLOOR_NONE);
	CHECK(floor_ticket_legs(x.f, b, lg, 2) == 1 && lg[0].outcome == FLOOR_NO_SHOW);
	CHECK(floor_cancel(x.f, now(&x), b, &x.ev) == FLOOR_E_STATE);
	/* nothing waits: success without an event */
	n = x.ev.n;
	CHECK(floor_call_next(x.f, now(&x), 0, &x.ev) == 0 && x.ev.n == n);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_cancel(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a = issue(&x, 0, 0), b = issue(&x, 0, 0), c = issue(&x, 0, 0);
	CHECK(floor_cancel(x.f, now(&x), 3, &x.ev) == FLOOR_E_TICKET);
	CHECK(floor_cancel(x.f, now(&x), FLOOR_NONE, &x.ev) == FLOOR_E_TICKET);
	CHECK(floor_cancel(x.f, now(&x), b, &x.ev) == 0);
	const struct floor_event *e = last(&x);
	CHECK(e->kind == FLOOR_EV_CANCELLED && e->reason == FLOOR_REASON_VISITOR && e->ticket == b);
	CHECK(e->counter == -1);
	CHECK(state(&x, b) == FLOOR_CANCELLED && floor_waiting(x.f, 0) == 2);
	CHECK(info(&x, c).position == 2);
	CHECK(floor_cancel(x.f, now(&x), b, &x.ev) == FLOOR_E_STATE);
	floor_counter_open(x.f, now(&x), 0, 1, &x.ev);
	CHECK(call_next(&x, 0) == a);
	CHECK(floor_cancel(x.f, now(&x), a, &x.ev) == 0);
	CHECK(last(&x)->counter == 0 && state(&x, a) == FLOOR_CANCELLED);
	CHECK(current(&x, 0) == FLOOR_NONE);
	struct floor_leg lg;
	CHECK(floor_ticket_legs(x.f, a, &lg, 1) == 1 && lg.outcome == FLOOR_CANCELLED);
	CHECK(call_next(&x, 0) == c);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_call_chosen(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a = issue(&x, 0, 0), b = issue(&x, 0, 0), c = issue(&x, 2, 0);
	floor_counter_open(x.f, now(&x), 0, 1, &x.ev);
	size_t n = x.ev.n;
	CHECK(floor_call(x.f, now(&x), 0, 9, &x.ev) == FLOOR_E_TICKET);
	CHECK(floor_call(x.f, now(&x), 0, c, &x.ev) == FLOOR_E_NOT_GIVEN);
	CHECK(x.ev.n == n);
	CHECK(floor_call(x.f, now(&x), 0, b, &x.ev) == 0);
	CHECK(last(&x)->kind == FLOOR_EV_CALLED && last(&x)->ticket == b);
	CHECK(current(&x, 0) == b && info(&x, a).position == 1);
	CHECK(floor_call(x.f, now(&x), 0, a, &x.ev) == FLOOR_E_BUSY);
	floor_counter_open(x.f, now(&x), 2, 1, &x.ev);
	CHECK(floor_call(x.f, now(&x), 2, b, &x.ev) == FLOOR_E_STATE);
	floor_start(x.f, now(&x), 0, &x.ev);
	floor_finish(x.f, now(&x), 0, &x.ev);
	CHECK(floor_call(x.f, now(&x), 2, b, &x.ev) == FLOOR_E_STATE);
	CHECK(floor_call(x.f, now(&x), 2, a, &x.ev) == 0);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_transfer(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a = issue(&x, 0, 0);
	uint32_t b1 = issue(&x, 1, 0), b2 = issue(&x, 1, 0);
	floor_counter_open(x.f, now(&x), 0, 1, &x.ev);
	x.ms += MIN;
	CHECK(call_next(&x, 0) == a);
	size_t n = x.ev.n;
	CHECK(floor_transfer(x.f, now(&x), 0, 3, false, &x.ev) == FLOOR_E_SERVICE);
	CHECK(floor_transfer(x.f, now(&x), 0, -1, false, &x.ev) == FLOOR_E_SERVICE);
	CHECK(x.ev.n == n);
	x.ms += MIN;
	/* transfer from called to the back of B */
	CHECK(floor_transfer(x.f, now(&x), 0, 1, false, &x.ev) == 0);
	const struct floor_event *e = last(&x);
	CHECK(e->kind == FLOOR_EV_TRANSFERRED && e->ticket == a && e->from_service == 0);
	CHECK(e->service == 1 && e->front == 0 && e->leg == 2 && e->counter == 0 && e->number == 1);
	CHECK(current(&x, 0) == FLOOR_NONE);
	struct floor_ticket_info ti = info(&x, a);
	CHECK(ti.state == FLOOR_WAITING && ti.service == 1 && ti.first_service == 0);
	CHECK(ti.number == 1 && ti.leg == 2 && ti.position == 3 && ti.counter == -1);
	CHECK(ti.queued_ms == T0 + 2 * MIN && ti.called_ms == 0 && ti.issued_ms == T0);
	CHECK(floor_waiting(x.f, 0) == 0 && floor_waiting(x.f, 1) == 3);
	CHECK(floor_ticket_by_number(x.f, 0, 1) == a);
	uint32_t q[8];
	CHECK(floor_queue(x.f, 1, q, 8) == 3 && q[0] == b1 && q[1] == b2 && q[2] == a);
	/* serve it in B, then transfer from serving to the front of C */
	CHECK(floor_counter_open(x.f, now(&x), 2, 2, &x.ev) == 0);
	CHECK(floor_call(x.f, now(&x), 2, a, &x.ev) == 0);
	x.ms += MIN;
	floor_start(x.f, now(&x), 2, &x.ev);
	uint32_t c1 = issue(&x, 2, 0), c2 = issue(&x, 2, 0);
	x.ms += MIN;
	CHECK(floor_transfer(x.f, now(&x), 2, 2, true, &x.ev) == 0);
	CHECK(last(&x)->front == 1 && last(&x)->leg == 3 && last(&x)->from_service == 1);
	CHECK(floor_queue(x.f, 2, q, 8) == 3 && q[0] == a && q[1] == c1 && q[2] == c2);
	CHECK(info(&x, a).position == 1 && info(&x, c2).position == 3);
	/* a second front transfer goes before the first one */
	floor_counter_open(x.f, now(&x), 3, 4, &x.ev);
	CHECK(floor_call(x.f, now(&x), 3, c2, &x.ev) == 0);
	CHECK(floor_transfer(x.f, now(&x), 3, 2, true, &x.ev) == 0); /* same service */
	CHECK(floor_queue(x.f, 2, q, 8) == 3 && q[0] == c2 && q[1] == a && q[2] == c1);
	CHECK(info(&x, c2).leg == 2 && info(&x, c2).service == 2);
	/* floor_queue copies at most max */
	CHECK(floor_queue(x.f, 2, q, 2) == 2 && q[0] == c2 && q[1] == a);
	/* a priority ticket still goes before a front transfer of a lower class */
	uint32_t p = issue(&x, 2, FLOOR_PRIO_ACCESSIBILITY);
	CHECK(floor_queue(x.f, 2, q, 8) == 4 && q[0] == p && q[1] == c2);
	CHECK(call_next(&x, 3) == p);
	CHECK(call_next(&x, 2) == b1); /* counter 2 gives only B */
	CHECK(floor_finish(x.f, now(&x), 3, &x.ev) == FLOOR_E_STATE);
	floor_start(x.f, now(&x), 3, &x.ev);
	floor_finish(x.f, now(&x), 3, &x.ev);
	CHECK(call_next(&x, 3) == c2);
	/* legs of a: A (transferred), B (transferred), C (waiting) */
	struct floor_leg lg[4];
	CHECK(floor_ticket_legs(x.f, a, lg, 4) == 3);
	CHECK(lg[0].service == 0 && lg[0].counter == 0 && lg[0].queued_ms == T0);
	CHECK(lg[0].called_ms == T0 + MIN && lg[0].started_ms == 0);
	CHECK(lg[0].ended_ms == T0 + 2 * MIN && lg[0].outcome == FLOOR_DONE);
	CHECK(lg[1].service == 1 && lg[1].counter == 2 && lg[1].queued_ms == T0 + 2 * MIN);
	CHECK(lg[1].called_ms == T0 + 2 * MIN && lg[1].started_ms == T0 + 3 * MIN);
	CHECK(lg[1].ended_ms == T0 + 4 * MIN && lg[1].outcome == FLOOR_DONE);
	CHECK(lg[2].service == 2 && lg[2].counter == -1 && lg[2].queued_ms == T0 + 4 * MIN);
	CHECK(lg[2].ended_ms == 0 && lg[2].outcome == FLOOR_WAITING);
	/* a short buffer gets the first legs, the count stays the total */
	memset(lg, 0, sizeof(lg));
	CHECK(floor_ticket_legs(x.f, a, lg, 1) == 3 && lg[0].service == 0 && lg[1].service == 0);
	CHECK(floor_ticket_legs(x.f, 99, lg, 4) == 0);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_routing_overdue(void)
{
	struct fx x;
	fx_init(&x);
	/* A target 10 min, B target 5 min */
	uint32_t a1 = issue(&x, 0, 0);
	x.ms += 2 * MIN;
	uint32_t b1 = issue(&x, 1, 0);
	x.ms += 4 * MIN;
	uint32_t a2 = issue(&x, 0, 0);
	floor_counter_open(x.f, now(&x), 0, 3, &x.ev);
	/* now: a1 waited 6 min (-4 vs target), b1 4 min (-1 vs target): B first */
	CHECK(call_next(&x, 0) == b1);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == a1);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	/* tie on overdue goes to the lower service index */
	uint32_t b2 = issue(&x, 1, 0); /* B: 0 - 5 min = -5; A: a2 waited 0 s: -10 min */
	x.ms += 0;
	CHECK(call_next(&x, 0) == b2);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	x.ms += 5 * MIN;
	uint32_t b3 = issue(&x, 1, 0); /* A: 5-10 = -5 min, B: 0-5 = -5 min: A wins */
	CHECK(call_next(&x, 0) == a2);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == b3);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_routing_fifo_ordered(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t b1 = issue(&x, 1, 0);
	x.ms += MIN;
	uint32_t a1 = issue(&x, 0, 0);
	uint32_t b2 = issue(&x, 1, 0);
	x.ms += MIN;
	uint32_t a2 = issue(&x, 0, 0);
	floor_counter_open(x.f, now(&x), 1, 3, &x.ev); /* FIFO */
	floor_counter_open(x.f, now(&x), 2, 3, &x.ev); /* ORDERED */
	CHECK(call_next(&x, 2) == a1);		       /* ordered: service A first */
	CHECK(call_next(&x, 1) == b1);		       /* fifo: oldest */
	floor_no_show(x.f, now(&x), 1, &x.ev);
	floor_no_show(x.f, now(&x), 2, &x.ev);
	/* a1 gone; b2 (T0+1) vs a2 (T0+2): FIFO takes b2, ORDERED takes a2 */
	CHECK(call_next(&x, 2) == a2);
	CHECK(call_next(&x, 1) == b2);
	floor_no_show(x.f, now(&x), 1, &x.ev);
	floor_no_show(x.f, now(&x), 2, &x.ev);
	/* FIFO tie on queued time goes to the lower service index */
	uint32_t b3 = issue(&x, 1, 0), a3 = issue(&x, 0, 0);
	CHECK(call_next(&x, 1) == a3);
	CHECK(call_next(&x, 2) == b3);
	/* FIFO follows waiting time, not a front transfer */
	floor_no_show(x.f, now(&x), 1, &x.ev);
	floor_no_show(x.f, now(&x), 2, &x.ev);
	uint32_t a4 = issue(&x, 0, 0);
	x.ms += MIN;
	issue(&x, 1, 0);
	uint32_t t = issue(&x, 1, 0);
	CHECK(floor_call(x.f, now(&x), 2, t, &x.ev) == 0);
	x.ms += MIN;
	CHECK(floor_transfer(x.f, now(&x), 2, 0, true, &x.ev) == 0);
	uint32_t q[4];
	CHECK(floor_queue(x.f, 0, q, 4) == 2 && q[0] == t && q[1] == a4);
	CHECK(call_next(&x, 1) == a4);
	CHECK(call_next(&x, 2) == t);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* FIFO among tickets transferred to the front in the same millisecond takes the one
 * first in call order (the later transfer). */
static void test_fifo_front_tie(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t b1 = issue(&x, 1, 0), b2 = issue(&x, 1, 0);
	floor_counter_open(x.f, now(&x), 0, 2, &x.ev);
	floor_counter_open(x.f, now(&x), 2, 2, &x.ev);
	CHECK(call_next(&x, 0) == b1 && call_next(&x, 2) == b2);
	x.ms += MIN;
	CHECK(floor_transfer(x.f, now(&x), 0, 0, true, &x.ev) == 0);
	CHECK(floor_transfer(x.f, now(&x), 2, 0, true, &x.ev) == 0);
	uint32_t q[4];
	CHECK(floor_queue(x.f, 0, q, 4) == 2 && q[0] == b2 && q[1] == b1);
	floor_counter_open(x.f, now(&x), 1, 1, &x.ev);
	x.ms += MIN;
	CHECK(call_next(&x, 1) == b2);
	CHECK(floor_no_show(x.f, now(&x), 1, &x.ev) == 0);
	CHECK(call_next(&x, 1) == b1);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_priorities(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a0 = issue(&x, 0, FLOOR_PRIO_NORMAL);
	x.ms += MIN;
	uint32_t a1 = issue(&x, 0, FLOOR_PRIO_APPOINTMENT);
	x.ms += MIN;
	uint32_t b2 = issue(&x, 1, FLOOR_PRIO_ACCESSIBILITY);
	uint32_t a2 = issue(&x, 0, FLOOR_PRIO_ACCESSIBILITY);
	uint32_t q[8];
	CHECK(floor_queue(x.f, 0, q, 8) == 3 && q[0] == a2 && q[1] == a1 && q[2] == a0);
	CHECK(info(&x, a0).position == 3 && info(&x, a2).position == 1);
	CHECK(info(&x, a1).position == 2);
	floor_counter_open(x.f, now(&x), 0, 3, &x.ev);
	/* top class present in A and B, both 0 s old: B is less past its target? A: -10 min,
	 * B: -5 min, so B (overdue policy) */
	CHECK(call_next(&x, 0) == b2);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == a2);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	/* class beats the overdue of a normal ticket in B */
	x.ms += 15 * MIN;
	uint32_t b0 = issue(&x, 1, 0);
	x.ms += 9 * MIN; /* b0 waited 9 min (4 past target), a1 25 min, a0 26 min */
	CHECK(call_next(&x, 0) == a1);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == a0);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == b0);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_starvation(void)
{
	struct fx x;
	fx_init(&x); /* bound 1800 s */
	uint32_t n1 = issue(&x, 0, FLOOR_PRIO_NORMAL);
	x.ms += 10 * MIN;
	uint32_t n2 = issue(&x, 0, FLOOR_PRIO_NORMAL);
	x.ms += 20 * MIN; /* n1 waited exactly 30 min: not past the bound */
	uint32_t p1 = issue(&x, 0, FLOOR_PRIO_ACCESSIBILITY);
	uint32_t q[8];
	CHECK(floor_queue(x.f, 0, q, 8) == 3 && q[0] == p1 && q[1] == n1 && q[2] == n2);
	x.ms += 1; /* n1 now past the bound: top class, and before p1 in queue order */
	CHECK(info(&x, n1).position == 1 && info(&x, p1).position == 2);
	CHECK(info(&x, n2).position == 3);
	floor_counter_open(x.f, now(&x), 2, 1, &x.ev);
	CHECK(call_next(&x, 2) == n1);
	floor_no_show(x.f, now(&x), 2, &x.ev);
	CHECK(call_next(&x, 2) == p1);
	floor_no_show(x.f, now(&x), 2, &x.ev);
	/* across services: a starved normal ticket in C beats an appointment in A */
	uint32_t c0 = issue(&x, 2, 0);
	x.ms += 31 * MIN;
	uint32_t a1 = issue(&x, 0, FLOOR_PRIO_APPOINTMENT);
	floor_counter_open(x.f, now(&x), 0, 7, &x.ev);
	/* top class: n2 (A, 61 min) and c0 (C, 31 min, target 0); A: 61-10 = 51, C: 31 */
	CHECK(call_next(&x, 0) == n2);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == c0);
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(call_next(&x, 0) == a1);
	/* a starved ticket behind a fresh front transfer in the same class */
	floor_no_show(x.f, now(&x), 0, &x.ev);
	uint32_t s1 = issue(&x, 1, 0);
	x.ms += 31 * MIN;
	uint32_t s2 = issue(&x, 1, 0);
	floor_call(x.f, now(&x), 0, s2, &x.ev);
	floor_transfer(x.f, now(&x), 0, 1, true, &x.ev);
	CHECK(floor_queue(x.f, 1, q, 8) == 2 && q[0] == s1 && q[1] == s2);
	CHECK(call_next(&x, 0) == s1);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_numbers_and_day(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a = issue(&x, 0, 0), b = issue(&x, 0, 0), c = issue(&x, 1, 0);
	uint32_t d = issue(&x, 1, 0);
	floor_counter_open(x.f, now(&x), 0, 1, &x.ev);
	floor_counter_open(x.f, now(&x), 1, 2, &x.ev);
	floor_counter_open(x.f, now(&x), 3, 4, &x.ev);
	CHECK(call_next(&x, 0) == a);
	CHECK(floor_start(x.f, now(&x), 0, &x.ev) == 0);
	CHECK(call_next(&x, 1) == c);
	floor_cancel(x.f, now(&x), d, &x.ev);
	struct floor_ticket_info ta = info(&x, a);
	/* the next day: a failing command still rolls over */
	x.day = DAY2;
	x.ms += 12 * 60 * MIN;
	size_t n = x.ev.n;
	uint64_t seq = floor_seq(x.f);
	CHECK(floor_issue(x.f, now(&x), 5, 0, tok(&x), &x.ev, NULL) == FLOOR_E_SERVICE);
	/* cancelled: a (serving), b (waiting), c (called); closed: 0, 1, 3; day */
	CHECK(x.ev.n == n + 7 && floor_seq(x.f) == seq + 7);
	const struct floor_event *e = &x.ev.v[n];
	uint32_t want[3] = {a, b, c};
	for (int i = 0; i < 3; i++) {
		CHECK(e[i].kind == FLOOR_EV_CANCELLED && e[i].ticket == want[i]);
		CHECK(e[i].reason == FLOOR_REASON_DAY_END && e[i].day == DAY1);
		CHECK(e[i].at_ms == x.ms && e[i].seq == seq + 1 + (uint64_t)i);
	}
	CHECK(e[0].counter == 0 && e[1].counter == -1 && e[2].counter == 1);
	int ctrs[3] = {0, 1, 3};
	for (int i = 0; i < 3; i++) {
		CHECK(e[3 + i].kind == FLOOR_EV_COUNTER_CLOSED && e[3 + i].counter == ctrs[i]);
		CHECK(e[3 + i].reason == FLOOR_REASON_DAY_END && e[3 + i].day == DAY1);
	}
	CHECK(e[6].kind == FLOOR_EV_DAY && e[6].day == DAY2 && e[6].at_ms == x.ms);
	CHECK(floor_day(x.f) == DAY2 && floor_tickets_today(x.f) == 0);
	CHECK(floor_counters_open(x.f, 0) == 0 && floor_waiting(x.f, 0) == 0);
	CHECK(floor_ticket_by_token(x.f, ta.token) == FLOOR_NONE);
	CHECK(floor_ticket_by_number(x.f, 0, 1) == FLOOR_NONE);
	CHECK(floor_ticket_get(x.f, a, x.ms, &ta) == FLOOR_E_TICKET);
	/* numbers restart */
	uint32_t h = issue(&x, 0, 0);
	CHECK(h == 0 && info(&x, h).number == 1 && last(&x)->day == DAY2);
	/* tick does nothing within the day, a day back is not a new day */
	n = x.ev.n;
	CHECK(floor_tick(x.f, now(&x), &x.ev) == 0 && x.ev.n == n);
	CHECK(floor_tick(x.f, (struct floor_clock){x.ms, DAY1}, &x.ev) == 0 && x.ev.n == n);
	/* tick rolls over */
	x.day = DAY2 + 1;
	CHECK(floor_tick(x.f, now(&x), &x.ev) == 0 && x.ev.n == n + 2);
	CHECK(x.ev.v[n].kind == FLOOR_EV_CANCELLED && x.ev.v[n + 1].kind == FLOOR_EV_DAY);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

/* The figures of event i's n-th queue; all -1 when it has fewer. */
static const struct floor_queue_fig *fig(struct fx *x, size_t i, unsigned n)
{
	static const struct floor_queue_fig none = {-1, -1, -1, -1, -1};
	const struct floor_event *e = &x->ev.v[i];
	return i < x->ev.n && n < e->nfig ? &x->ev.figs[e->fig + n] : &none;
}

/* Each event carries the queue figures of the services it changed as they were right
 * after it, also when one command emits several (a day rollover before an issue). */
static void test_event_figures(void)
{
	struct fx x;
	fx_init(&x);
	issue(&x, 0, 0);
	CHECK(last(&x)->nfig == 1 && fig(&x, x.ev.n - 1, 0)->service == 0);
	CHECK(fig(&x, x.ev.n - 1, 0)->waiting == 1 && fig(&x, x.ev.n - 1, 0)->counters_open == 0);
	issue(&x, 0, 2);
	CHECK(last(&x)->priority == 2 && last(&x)->first_service == 0);
	CHECK(fig(&x, x.ev.n - 1, 0)->waiting == 2);
	/* a counter giving A and B: figures of both, with one counter open */
	CHECK(floor_counter_open(x.f, now(&x), 1, 3, &x.ev) == 0);
	CHECK(last(&x)->nfig == 2 && fig(&x, x.ev.n - 1, 0)->service == 0);
	CHECK(fig(&x, x.ev.n - 1, 1)->service == 1 && fig(&x, x.ev.n - 1, 1)->counters_open == 1);
	x.ms += 5 * MIN;
	uint32_t h = call_next(&x, 1);
	CHECK(h != FLOOR_NONE && last(&x)->priority == 2 && fig(&x, x.ev.n - 1, 0)->waiting == 1);
	CHECK(fig(&x, x.ev.n - 1, 0)->longest_wait_s == 300);
	CHECK(floor_start(x.f, now(&x), 1, &x.ev) == 0);
	/* a transfer from A to C: the figures of both, after the move */
	CHECK(floor_transfer(x.f, now(&x), 1, 2, true, &x.ev) == 0);
	const struct floor_event *t = last(&x);
	CHECK(t->kind == FLOOR_EV_TRANSFERRED && t->from_service == 0 && t->service == 2);
	CHECK(t->first_service == 0 && t->priority == 2 && t->nfig == 2);
	CHECK(fig(&x, x.ev.n - 1, 0)->service == 0 && fig(&x, x.ev.n - 1, 0)->waiting == 1);
	CHECK(fig(&x, x.ev.n - 1, 1)->service == 2 && fig(&x, x.ev.n - 1, 1)->waiting == 1);
	/* the next day, in one command: each day-end cancel sees the queue shrink, the counter
	 * closes, the day has none, and the issue after it sees only itself */
	x.day = DAY2;
	x.ms += 12 * 60 * MIN;
	size_t n = x.ev.n;
	issue(&x, 0, 0);
	CHECK(x.ev.n == n + 5);
	CHECK(x.ev.v[n].kind == FLOOR_EV_CANCELLED && x.ev.v[n + 1].kind == FLOOR_EV_CANCELLED);
	CHECK(x.ev.v[n].nfig == 1 && x.ev.v[n + 1].nfig == 1);
	/* the one in A, then the one transferred to C, each queue then empty */
	CHECK(fig(&x, n, 0)->service == 0 && fig(&x, n, 0)->waiting == 0);
	CHECK(fig(&x, n + 1, 0)->service == 2 && fig(&x, n + 1, 0)->waiting == 0);
	CHECK(x.ev.v[n + 2].kind == FLOOR_EV_COUNTER_CLOSED && x.ev.v[n + 2].nfig == 2);
	CHECK(fig(&x, n + 2, 0)->counters_open == 0 && fig(&x, n + 2, 0)->waiting == 0);
	CHECK(x.ev.v[n + 3].kind == FLOOR_EV_DAY && x.ev.v[n + 3].nfig == 0);
	CHECK(x.ev.v[n + 4].kind == FLOOR_EV_ISSUED && fig(&x, n + 4, 0)->waiting == 1);
	CHECK(fig(&x, n + 4, 0)->longest_wait_s == 0);
	floor_events_clear(&x.ev);
	CHECK(x.ev.n == 0 && x.ev.nfigs == 0);
	fx_close(&x);
}

static void test_full(void)
{
	struct fx x;
	fx_init(&x);
	for (int i = 1; i <= FLOOR_MAX_NUMBER; i++) {
		uint32_t h = issue(&x, 1, 0);
		CHECK(h != FLOOR_NONE && info(&x, h).number == i);
		if (i % 2)
			floor_cancel(x.f, now(&x), h, &x.ev);
	}
	size_t n = x.ev.n;
	CHECK(floor_issue(x.f, now(&x), 1, 0, tok(&x), &x.ev, NULL) == FLOOR_E_FULL);
	CHECK(x.ev.n == n);
	CHECK(issue(&x, 0, 0) != FLOOR_NONE);
	CHECK(floor_ticket_by_number(x.f, 1, FLOOR_MAX_NUMBER) == FLOOR_MAX_NUMBER - 1);
	char buf[8];
	floor_format_number(x.f, 1, FLOOR_MAX_NUMBER, buf, sizeof(buf));
	CHECK(!strcmp(buf, "B9999"));
	/* numbers were never reused: every token maps to its own handle */
	for (uint32_t h = 0; h < floor_tickets_today(x.f); h += 997) {
		struct floor_ticket_info ti = info(&x, h);
		CHECK(floor_ticket_by_token(x.f, ti.token) == h);
	}
	x.day = DAY2;
	CHECK(issue(&x, 1, 0) == 0 && info(&x, 0).number == 1);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_estimates(void)
{
	struct fx x;
	fx_init(&x);
	CHECK(floor_service_eta(x.f, 0, x.ms) == -1);
	CHECK(floor_service_eta(x.f, 7, x.ms) == -1);
	uint32_t a = issue(&x, 0, 0), b = issue(&x, 0, 0), c = issue(&x, 0, 0);
	CHECK(info(&x, b).eta_s == -1);
	floor_counter_open(x.f, now(&x), 0, 1, &x.ev);
	/* mean 300 s, one counter */
	CHECK(floor_service_eta(x.f, 0, x.ms) == 4 * 300);
	CHECK(info(&x, a).eta_s == 300 && info(&x, c).eta_s == 900);
	floor_counter_open(x.f, now(&x), 2, 1, &x.ev);
	/* two counters: ceil(p / 2) * 300 */
	CHECK(floor_service_eta(x.f, 0, x.ms) == 2 * 300);
	CHECK(info(&x, a).eta_s == 300 && info(&x, b).eta_s == 300 && info(&x, c).eta_s == 600);
	/* a meeting of 100 s: mean 300 + (100 - 300) / 5 = 260 */
	CHECK(call_next(&x, 0) == a);
	x.ms += 20000;
	floor_start(x.f, now(&x), 0, &x.ev);
	x.ms += 100000;
	floor_finish(x.f, now(&x), 0, &x.ev);
	CHECK(floor_service_eta(x.f, 0, x.ms) == 260 * 2); /* 3 waiting after: p = 3 */
	/* a transfer straight from called counts called -> transfer (50 s) */
	CHECK(call_next(&x, 0) == b);
	x.ms += 50000;
	floor_transfer(x.f, now(&x), 0, 2, false, &x.ev);
	/* 260 + (50 - 260) / 5 = 218 */
	CHECK(floor_service_eta(x.f, 0, x.ms) == 218);
	/* C: default 0 means 300 s; no counter gives C */
	CHECK(floor_service_eta(x.f, 2, x.ms) == -1 && info(&x, b).eta_s == -1);
	floor_counter_open(x.f, now(&x), 3, 4, &x.ev);
	CHECK(info(&x, b).eta_s == 300 && floor_service_eta(x.f, 2, x.ms) == 600);
	/* no-show and cancel do not move the mean */
	CHECK(call_next(&x, 0) == c);
	x.ms += 10000;
	floor_no_show(x.f, now(&x), 0, &x.ev);
	CHECK(floor_service_eta(x.f, 0, x.ms) == 218);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_longest_wait(void)
{
	struct fx x;
	fx_init(&x);
	CHECK(floor_longest_wait(x.f, 0, x.ms) == 0);
	uint32_t a = issue(&x, 0, 0);
	x.ms += 90500;
	issue(&x, 0, FLOOR_PRIO_ACCESSIBILITY);
	CHECK(floor_longest_wait(x.f, 0, x.ms) == 90);
	CHECK(floor_longest_wait(x.f, 0, x.ms + 10000) == 100);
	CHECK(floor_longest_wait(x.f, 0, x.ms - 100000) == 90); /* never before the last event */
	floor_cancel(x.f, now(&x), a, &x.ev);
	CHECK(floor_longest_wait(x.f, 0, x.ms + 1000) == 1);
	CHECK(floor_longest_wait(x.f, 1, x.ms) == 0 && floor_longest_wait(x.f, 9, x.ms) == 0);
	CHECK(floor_waiting(x.f, 9) == 0 && floor_counters_open(x.f, -1) == 0);
	fx_close(&x);
}

static void test_clock_back(void)
{
	struct fx x;
	fx_init(&x);
	issue(&x, 0, 0);
	x.ms -= 5000;
	uint32_t b = issue(&x, 0, 0);
	CHECK(last(&x)->at_ms == T0 && info(&x, b).queued_ms == T0);
	CHECK(replay_same(&x) == 0);
	fx_close(&x);
}

static void test_apply_rejects(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t a = issue(&x, 0, 0);
	issue(&x, 1, 0);
	floor_counter_open(x.f, now(&x), 0, 1, &x.ev);
	x.ms += 1000;
	call_next(&x, 0);
	struct floor *g = floor_create(&def);
	/* a ticket event before the day started */
	CHECK(floor_apply(g, &x.ev.v[1]) == FLOOR_E_INVAL);
	for (size_t i = 0; i < x.ev.n; i++)
		CHECK(floor_apply(g, &x.ev.v[i]) == 0);
	uint64_t seq = floor_seq(g);
	struct floor_event e = x.ev.v[x.ev.n - 1];
	/* seq not increasing */
	CHECK(floor_apply(g, &e) == FLOOR_E_INVAL);
	e.seq = seq + 1;
	/* the same call again: ticket no longer waiting */
	CHECK(floor_apply(g, &e) == FLOOR_E_INVAL);
	struct floor_event d = e;
	d.kind = FLOOR_EV_DONE; /* called, not serving */
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.kind = FLOOR_EV_SERVING;
	d.counter = 1; /* another counter */
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.counter = 0;
	d.ticket = 9; /* unknown */
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.ticket = a;
	d.day = DAY2; /* wrong day */
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.day = DAY1;
	d.at_ms = x.ms - 1; /* time going back */
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.at_ms = x.ms;
	d.number = 2; /* not its number */
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.number = 1;
	d.kind = 0;
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.kind = FLOOR_EV_KIND_MAX + 1;
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	/* counter events */
	struct floor_event o = d;
	o.kind = FLOOR_EV_COUNTER_OPENED;
	o.counter = 0; /* already open */
	o.services = 1;
	CHECK(floor_apply(g, &o) == FLOOR_E_INVAL);
	o.counter = 3;
	o.services = 8; /* no such service (one not in its list now replays: the list may have
			 * changed since, floor_redefine) */
	CHECK(floor_apply(g, &o) == FLOOR_E_INVAL);
	o.kind = FLOOR_EV_COUNTER_CLOSED;
	o.counter = 0; /* busy */
	o.reason = FLOOR_REASON_STAFF;
	CHECK(floor_apply(g, &o) == FLOOR_E_INVAL);
	/* a day with tickets open, and a day that is not later */
	struct floor_event dy = d;
	dy.kind = FLOOR_EV_DAY;
	dy.day = DAY2;
	CHECK(floor_apply(g, &dy) == FLOOR_E_INVAL);
	/* issued with a wrong number or handle, or a token in use */
	struct floor_event is = x.ev.v[1];
	is.seq = seq + 1;
	is.at_ms = x.ms;
	is.ticket = 2;
	is.number = 1;
	CHECK(floor_apply(g, &is) == FLOOR_E_INVAL); /* token of ticket 0 */
	is.token[0] ^= 0xff;
	is.number = 5;
	CHECK(floor_apply(g, &is) == FLOOR_E_INVAL);
	is.number = 2;
	is.ticket = 7;
	CHECK(floor_apply(g, &is) == FLOOR_E_INVAL);
	is.ticket = 2;
	is.priority = 3;
	CHECK(floor_apply(g, &is) == FLOOR_E_INVAL);
	is.priority = 0;
	/* visitor cancel of a serving ticket is refused; a day-end one is not */
	CHECK(same_floor(x.f, g, x.ms) == 0 && floor_seq(g) == seq);
	CHECK(floor_apply(g, &is) == 0);
	struct floor_event sv = d;
	sv.seq = seq + 2;
	sv.kind = FLOOR_EV_SERVING;
	CHECK(floor_apply(g, &sv) == 0);
	struct floor_event cn = sv;
	cn.seq = seq + 3;
	cn.kind = FLOOR_EV_CANCELLED;
	cn.reason = FLOOR_REASON_VISITOR;
	CHECK(floor_apply(g, &cn) == FLOOR_E_INVAL);
	cn.reason = FLOOR_REASON_DAY_END;
	cn.counter = -1; /* the counter that holds it must be named */
	CHECK(floor_apply(g, &cn) == FLOOR_E_INVAL);
	cn.counter = 0;
	CHECK(floor_apply(g, &cn) == 0);
	floor_free(g);
	fx_close(&x);
}

/* A longer mixed scenario whose events must replay to the same floor, also when
 * replayed after a floor_set_seq() start. */
static void test_replay(void)
{
	struct fx x;
	fx_init(&x);
	for (int c = 0; c < 4; c++)
		floor_counter_open(x.f, now(&x), c, counters[c].services, &x.ev);
	for (int i = 0; i < 300; i++) {
		x.ms += (i * 7919) % 90000;
		issue(&x, i % 3, (i % 11 == 0) ? 2 : (i % 7 == 0));
		int c = i % 4;
		if (current(&x, c) == FLOOR_NONE) {
			call_next(&x, c);
		} else if (i % 5 == 0) {
			floor_transfer(x.f, now(&x), c, (i / 5) % 3, i % 2, &x.ev);
		} else if (i % 9 == 0) {
			floor_no_show(x.f, now(&x), c, &x.ev);
		} else {
			if (floor_start(x.f, now(&x), c, &x.ev))
				floor_finish(x.f, now(&x), c, &x.ev);
		}
		if (i % 13 == 0)
			floor_cancel(x.f, now(&x), (uint32_t)(i / 2), &x.ev);
		if (i == 200)
			x.day = DAY2;
	}
	CHECK(floor_day(x.f) == DAY2);
	CHECK(replay_same(&x) == 0);
	for (size_t i = 1; i < x.ev.n; i++)
		CHECK(x.ev.v[i].seq == x.ev.v[i - 1].seq + 1);
	fx_close(&x);
}

/* An event making a new day at T0 with sequence number seq. */
static struct floor_event day_event(uint64_t seq)
{
	struct floor_event d;
	memset(&d, 0, sizeof(d));
	d.seq = seq;
	d.kind = FLOOR_EV_DAY;
	d.day = DAY1;
	d.at_ms = T0;
	d.ticket = FLOOR_NONE;
	d.service = d.from_service = d.counter = -1;
	return d;
}

/* Found by fuzz_journal: a floor.day replayed at seq UINT64_MAX was taken, and the next
 * command's first event wrapped round to seq 0, did not apply and aborted torgd. A seq
 * past 2^62 is refused as corrupt; within 2^24 of it commands fail without emitting. */
static void test_apply_seq_bound(void)
{
	struct floor *g = floor_create(&def);
	struct floor_events ev = {0};
	uint8_t tok[FLOOR_TOKEN_LEN] = {1};
	struct floor_event d = day_event(UINT64_MAX);
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL);
	d.seq = (UINT64_C(1) << 62) + 1;
	CHECK(floor_apply(g, &d) == FLOOR_E_INVAL && floor_seq(g) == 0 && floor_day(g) == 0);
	d.seq = UINT64_C(1) << 62;
	CHECK(floor_apply(g, &d) == 0 && floor_day(g) == DAY1);
	CHECK(floor_issue(g, (struct floor_clock){T0, DAY1}, 0, 0, tok, &ev, NULL) ==
	      FLOOR_E_INVAL);
	CHECK(floor_tick(g, (struct floor_clock){T0, DAY2}, &ev) == 0 && ev.n == 0);
	CHECK(floor_day(g) == DAY1 && floor_tickets_today(g) == 0);
	floor_free(g);
	/* 2^25 below the bound everything works as before. */
	g = floor_create(&def);
	floor_set_seq(g, (UINT64_C(1) << 62) - (UINT64_C(1) << 25));
	CHECK(floor_issue(g, (struct floor_clock){T0, DAY1}, 0, 0, tok, &ev, NULL) == 0);
	CHECK(ev.n == 2 && ev.v[1].seq == (UINT64_C(1) << 62) - (UINT64_C(1) << 25) + 2);
	floor_events_free(&ev);
	floor_free(g);
}

/* Seen while writing fuzz_journal: floor_apply took events at 0 ms or before (legs read 0
 * as "did not happen") and far past year 9999 (the estimate's product and ISO-8601 times
 * overflow). They are refused, and a command whose time falls outside fails without
 * emitting. */
static void test_apply_time_bounds(void)
{
	const int64_t last = INT64_C(253402300799999); /* 9999-12-31T23:59:59.999Z */
	struct floor *g = floor_create(&def);
	struct floor_events ev = {0};
	uint8_t tok[FLOOR_TOKEN_LEN] = {2};
	struct floor_event d = day_event(1);
	const int64_t bad[] = {INT64_MIN, -1, 0, last + 1, INT64_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.at_ms = bad[i];
		CHECK(floor_apply(g, &d) == FLOOR_E_INVAL && floor_day(g) == 0);
	}
	CHECK(floor_issue(g, (struct floor_clock){0, DAY1}, 0, 0, tok, &ev, NULL) == FLOOR_E_INVAL);
	CHECK(floor_issue(g, (struct floor_clock){-7, DAY1}, 0, 0, tok, &ev, NULL) ==
	      FLOOR_E_INVAL);
	CHECK(ev.n == 0 && floor_day(g) == 0);
	d.at_ms = last;
	CHECK(floor_apply(g, &d) == 0);
	/* The clock is behind the last event: the command happens at its time, still valid. */
	CHECK(floor_issue(g, (struct floor_clock){T0, DAY1}, 0, 0, tok, &ev, NULL) == 0);
	CHECK(ev.n == 1 && ev.v[0].at_ms == last);
	tok[0]++;
	CHECK(floor_issue(g, (struct floor_clock){last + 1, DAY1}, 0, 0, tok, &ev, NULL) ==
	      FLOOR_E_INVAL);
	CHECK(ev.n == 1 && floor_tickets_today(g) == 1);
	floor_events_free(&ev);
	floor_free(g);
	/* The first millisecond is a time like any other. */
	g = floor_create(&def);
	d.at_ms = 1;
	CHECK(floor_apply(g, &d) == 0);
	floor_free(g);
}

/* Seen while writing fuzz_journal: the 65,535th transfer of one ticket in a day made a
 * leg number that wraps round to 0 in the event's 16 bits, floor_apply refused it and
 * the command aborted torgd; a counter user could do that on purpose. The transfer is
 * refused now and the ticket stays at the counter. */
static void test_transfer_leg_limit(void)
{
	struct fx x;
	fx_init(&x);
	uint32_t h = issue(&x, 0, 0);
	floor_counter_open(x.f, now(&x), 0, 7, &x.ev);
	for (int i = 1; i < UINT16_MAX; i++) {
		x.ev.n = 0;
		CHECK(floor_call(x.f, now(&x), 0, h, &x.ev) == 0);
		CHECK(floor_transfer(x.f, now(&x), 0, i % 3, false, &x.ev) == 0);
	}
	CHECK(info(&x, h).leg == UINT16_MAX);
	CHECK(floor_call(x.f, now(&x), 0, h, &x.ev) == 0);
	size_t n = x.ev.n;
	CHECK(floor_transfer(x.f, now(&x), 0, 1, false, &x.ev) == FLOOR_E_STATE && x.ev.n == n);
	CHECK(info(&x, h).state == FLOOR_CALLED && info(&x, h).counter == 0);
	CHECK(floor_no_show(x.f, now(&x), 0, &x.ev) == 0);
	fx_close(&x);
}

int main(void)
{
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
	    {"names", test_names},
	    {"create", test_create},
	    {"issue", test_issue},
	    {"counter_open_close", test_counter_open_close},
	    {"lifecycle", test_lifecycle},
	    {"cancel", test_cancel},
	    {"call_chosen", test_call_chosen},
	    {"transfer", test_transfer},
	    {"routing_overdue", test_routing_overdue},
	    {"routing_fifo_ordered", test_routing_fifo_ordered},
	    {"fifo_front_tie", test_fifo_front_tie},
	    {"priorities", test_priorities},
	    {"starvation", test_starvation},
	    {"numbers_and_day", test_numbers_and_day},
	    {"event_figures", test_event_figures},
	    {"full", test_full},
	    {"estimates", test_estimates},
	    {"longest_wait", test_longest_wait},
	    {"clock_back", test_clock_back},
	    {"apply_rejects", test_apply_rejects},
	    {"replay", test_replay},
	    {"apply_seq_bound", test_apply_seq_bound},
	    {"apply_time_bounds", test_apply_time_bounds},
	    {"transfer_leg_limit", test_transfer_leg_limit},
	};
	int pass = 0, fail = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		failed_now = 0;
		tests[i].fn();
		if (failed_now) {
			fprintf(stderr, "FAIL %s\n", tests[i].name);
			fail++;
		} else {
			pass++;
		}
	}
	printf("floor: %d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
