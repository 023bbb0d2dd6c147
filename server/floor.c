/*
 * floor.c — the write side of the floor model (see floor.h): creating the floor,
 * the day's ticket table (indexed by handle) and leg table, the token hash
 * table, applying events, and the commands. Every command validates with a
 * specific error, then emits its one event through apply_ev(), the function
 * floor_apply() also uses, so replay and execution cannot diverge. Time never
 * goes back inside the floor: a command's time is the later of its clock and the
 * last event's, and floor_apply() refuses an event older than the last. The
 * queues, routing and queries live in floor_query.c.
 */
#include "floor_impl.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BOUND_S 1200
#define DEFAULT_MEAN_S	300
/* The highest seq an event may carry: a journal past it is corrupt (after a seq near
 * UINT64_MAX the next event's seq would wrap round). Commands stop SEQ_ROOM short of it,
 * more than the events of one command with its day rollover, so what they emit always
 * applies. */
#define SEQ_MAX	 FLOOR_SEQ_MAX
#define SEQ_ROOM (UINT64_C(1) << 24)
/* Events happen from 1 ms after the epoch (0 means "did not happen" in legs) up to the
 * end of year 9999, so that durations, estimates and ISO-8601 times stay in range. */
#define MS_MAX INT64_C(253402300799999)

/* Slot of a token in the hash table for the given capacity (a power of two). */
static size_t tok_slot(const uint8_t *token, size_t cap)
{
	uint64_t h;
	memcpy(&h, token, sizeof(h));
	uint64_t h2;
	memcpy(&h2, token + 8, sizeof(h2));
	h = (h ^ (h2 * 0xff51afd7ed558ccdULL)) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 20) & (cap - 1);
}

/* Puts handle h into the token table (which has room). */
static void tok_put(struct floor *f, uint32_t h)
{
	size_t i = tok_slot(f->t[h].token, f->tokcap);
	while (f->tok[i] != FLOOR_NONE)
		i = (i + 1) & (f->tokcap - 1);
	f->tok[i] = h;
}

/* Grows the token table so that one more ticket keeps it at most half full. */
static void tok_reserve(struct floor *f)
{
	if ((f->nt + 1) * 2 <= f->tokcap)
		return;
	size_t cap = f->tokcap ? f->tokcap * 2 : 1024;
	free(f->tok);
	f->tok = xmalloc(cap * sizeof(*f->tok));
	memset(f->tok, 0xff, cap * sizeof(*f->tok));
	f->tokcap = cap;
	for (size_t h = 0; h < f->nt; h++)
		tok_put(f, (uint32_t)h);
}

uint32_t floor_ticket_by_token(const struct floor *f, const uint8_t token[FLOOR_TOKEN_LEN])
{
	if (!f->tokcap || !token)
		return FLOOR_NONE;
	size_t i = tok_slot(token, f->tokcap);
	for (; f->tok[i] != FLOOR_NONE; i = (i + 1) & (f->tokcap - 1))
		if (!memcmp(f->t[f->tok[i]].token, token, FLOOR_TOKEN_LEN))
			return f->tok[i];
	return FLOOR_NONE;
}

/* Whether def can define a floor: sizes, prefixes set (but for retired services) and
 * unique, counters' services inside the def. */
static bool def_valid(const struct floor_def *def)
{
	if (!def || def->nservices > FLOOR_MAX_SERVICES || def->ncounters > FLOOR_MAX_COUNTERS ||
	    (def->nservices && !def->services) || (def->ncounters && !def->counters) ||
	    def->starvation_bound_s < 0)
		return false;
	for (size_t i = 0; i < def->nservices; i++) {
		const char *p = def->services[i].prefix;
		if (!p || (!*p && !def->services[i].retired))
			return false;
		for (size_t j = 0; j < i && *p; j++)
			if (!strcmp(p, def->services[j].prefix))
				return false;
	}
	uint64_t all = def->nservices == 64 ? UINT64_MAX : (UINT64_C(1) << def->nservices) - 1;
	for (size_t i = 0; i < def->ncounters; i++)
		if ((def->counters[i].services & ~all) ||
		    (unsigned)def->counters[i].policy > FLOOR_POLICY_ORDERED)
			return false;
	return true;
}

/* Sets up services [from, def->nservices) and counters [cfrom, def->ncounters): empty. */
static void slots_init(struct floor *f, size_t from, size_t cfrom)
{
	const struct floor_def *def = f->def;
	for (size_t s = from; s < def->nservices; s++) {
		struct service *sv = &f->svc[s];
		memset(sv, 0, sizeof(*sv));
		for (int c = 0; c < FLOOR_PRIORITIES; c++)
			for (int d = 0; d < 2; d++)
				sv->q[c][d] = (struct tlist){FLOOR_NONE, FLOOR_NONE, 0};
		int d = def->services[s].default_service_s;
		sv->mean_ms = (int64_t)(d > 0 ? d : DEFAULT_MEAN_S) * 1000;
	}
	for (size_t c = cfrom; c < def->ncounters; c++) {
		memset(&f->ctr[c], 0, sizeof(f->ctr[c]));
		f->ctr[c].ticket = FLOOR_NONE;
	}
}

struct floor *floor_create(const struct floor_def *def)
{
	if (!def_valid(def))
		return NULL;
	struct floor *f = xcalloc(1, sizeof(*f));
	f->def = def;
	f->bound_ms =
	    (int64_t)(def->starvation_bound_s ? def->starvation_bound_s : DEFAULT_BOUND_S) * 1000;
	f->svc = xcalloc(def->nservices ? def->nservices : 1, sizeof(*f->svc));
	f->ctr = xcalloc(def->ncounters ? def->ncounters : 1, sizeof(*f->ctr));
	slots_init(f, 0, 0);
	tok_reserve(f);
	return f;
}

int floor_redefine(struct floor *f, const struct floor_def *def)
{
	const struct floor_def *old = f->def;
	if (!def_valid(def) || def->nservices < old->nservices || def->ncounters < old->ncounters)
		return FLOOR_E_INVAL;
	for (size_t s = 0; s < old->nservices; s++)
		if (f->svc[s].issued && strcmp(def->services[s].prefix, old->services[s].prefix))
			return FLOOR_E_INVAL;
	size_t ns = old->nservices, nc = old->ncounters;
	f->svc = xrealloc(f->svc, (def->nservices ? def->nservices : 1) * sizeof(*f->svc));
	f->ctr = xrealloc(f->ctr, (def->ncounters ? def->ncounters : 1) * sizeof(*f->ctr));
	f->def = def;
	f->bound_ms =
	    (int64_t)(def->starvation_bound_s ? def->starvation_bound_s : DEFAULT_BOUND_S) * 1000;
	slots_init(f, ns, nc);
	return 0;
}

bool floor_service_issued(const struct floor *f, int service)
{
	return service >= 0 && service < (int)f->def->nservices && f->svc[service].issued > 0;
}

void floor_free(struct floor *f)
{
	if (!f)
		return;
	for (size_t s = 0; s < f->def->nservices; s++) {
		free(f->svc[s].by_number);
		floor__q_reset(f, (int)s);
	}
	free(f->svc);
	free(f->ctr);
	free(f->t);
	free(f->legs);
	free(f->tok);
	free(f);
}

uint64_t floor_seq(const struct floor *f)
{
	return f->seq;
}

void floor_set_seq(struct floor *f, uint64_t seq)
{
	if (seq > f->seq)
		f->seq = seq;
}

int32_t floor_day(const struct floor *f)
{
	return f->day;
}

const struct floor_def *floor_get_def(const struct floor *f)
{
	return f->def;
}

/* ---- applying events ---- */

/* Folds a finished meeting of length ms into service s's running mean (alpha 0.2). */
static void mean_update(struct floor *f, int s, int64_t ms)
{
	struct service *sv = &f->svc[s];
	sv->mean_ms += (ms - sv->mean_ms) / 5;
}

/* Ends ticket h's current leg at at with outcome; a met visitor updates the mean. */
static void leg_end(struct floor *f, uint32_t h, int64_t at, enum floor_state outcome)
{
	struct ticket *tk = &f->t[h];
	struct leg *lg = &f->legs[tk->leg];
	lg->ended_ms = at;
	lg->outcome = (uint8_t)outcome;
	if (outcome == FLOOR_DONE && lg->called_ms)
		mean_update(f, lg->service, at - (lg->started_ms ? lg->started_ms : lg->called_ms));
}

/* Starts a new waiting leg of ticket h in service s at at. */
static void leg_new(struct floor *f, uint32_t h, int s, int64_t at)
{
	if (f->nlegs == f->caplegs) {
		f->caplegs = f->caplegs ? f->caplegs * 2 : 256;
		f->legs = xrealloc(f->legs, f->caplegs * sizeof(*f->legs));
	}
	struct ticket *tk = &f->t[h];
	uint32_t prev = tk->nlegs ? tk->leg : FLOOR_NONE;
	f->legs[f->nlegs] = (struct leg){at, 0, 0, 0, prev, (int16_t)s, -1, FLOOR_WAITING};
	tk->leg = (uint32_t)f->nlegs++;
	tk->nlegs++;
	tk->service = (int16_t)s;
	tk->queued_ms = at;
	tk->last_called_ms = 0;
	tk->state = FLOOR_WAITING;
	tk->counter = -1;
}

/* Frees the counter that holds ticket h, if any. */
static void release_counter(struct floor *f, uint32_t h)
{
	struct ticket *tk = &f->t[h];
	if (tk->counter >= 0)
		f->ctr[tk->counter].ticket = FLOOR_NONE;
	tk->counter = -1;
}

/* Ticket h finishes its visit with state st at at. */
static void ticket_end(struct floor *f, uint32_t h, int64_t at, enum floor_state st)
{
	struct ticket *tk = &f->t[h];
	if (tk->state == FLOOR_WAITING)
		floor__q_remove(f, h);
	leg_end(f, h, at, st);
	release_counter(f, h);
	tk->state = (uint8_t)st;
	f->nactive--;
}

/* Applies a ticket.issued event after validation. */
static int apply_issued(struct floor *f, const struct floor_event *ev)
{
	int s = ev->service;
	if (ev->ticket != f->nt || f->nt >= UINT32_MAX - 1 || s < 0 ||
	    s >= (int)f->def->nservices || ev->priority >= FLOOR_PRIORITIES || ev->leg != 1 ||
	    ev->number != f->svc[s].issued + 1 || ev->number > FLOOR_MAX_NUMBER ||
	    floor_ticket_by_token(f, ev->token) != FLOOR_NONE)
		return FLOOR_E_INVAL;
	struct service *sv = &f->svc[s];
	if (f->nt == f->capt) {
		f->capt = f->capt ? f->capt * 2 : 256;
		f->t = xrealloc(f->t, f->capt * sizeof(*f->t));
	}
	if (sv->issued == sv->by_number_cap) {
		sv->by_number_cap = sv->by_number_cap ? sv->by_number_cap * 2 : 64;
		sv->by_number = xrealloc(sv->by_number, sv->by_number_cap * sizeof(uint32_t));
	}
	tok_reserve(f);
	uint32_t h = (uint32_t)f->nt++;
	struct ticket *tk = &f->t[h];
	memset(tk, 0, sizeof(*tk));
	memcpy(tk->token, ev->token, FLOOR_TOKEN_LEN);
	tk->issued_ms = ev->at_ms;
	tk->first_service = (int16_t)s;
	tk->number = ev->number;
	tk->priority = ev->priority;
	leg_new(f, h, s, ev->at_ms);
	floor__q_insert(f, h, false);
	sv->by_number[sv->issued++] = h;
	tok_put(f, h);
	f->nactive++;
	return 0;
}

/* True for the kinds about a counter alone: opened, closed, break and back. */
static bool counter_kind(int kind)
{
	return kind == FLOOR_EV_COUNTER_OPENED || kind == FLOOR_EV_COUNTER_CLOSED ||
	       kind == FLOOR_EV_COUNTER_BREAK || kind == FLOOR_EV_COUNTER_BACK;
}

/* Applies a counter event after validation. A counter counts in its services'
 * open_counters while it is open and not on a break. */
static int apply_counter(struct floor *f, const struct floor_event *ev)
{
	int c = ev->counter;
	if (c < 0 || c >= (int)f->def->ncounters)
		return FLOOR_E_INVAL;
	struct counter *ct = &f->ctr[c];
	bool gave = ct->open && !ct->on_break;
	uint64_t m = ev->kind == FLOOR_EV_COUNTER_OPENED ? ev->services : ct->services;
	uint64_t all =
	    f->def->nservices == 64 ? UINT64_MAX : (UINT64_C(1) << f->def->nservices) - 1;
	switch (ev->kind) {
	case FLOOR_EV_COUNTER_OPENED:
		/* Against the services that exist, not the counter's list now: the list may
		 * have changed since (floor_redefine), and the journal keeps what was. */
		if (ct->open || !m || (m & ~all))
			return FLOOR_E_INVAL;
		*ct = (struct counter){
		    .open = true, .services = m, .ticket = FLOOR_NONE, .opened_ms = ev->at_ms};
		f->nopen++;
		break;
	case FLOOR_EV_COUNTER_CLOSED: /* also ends a break */
		if (!ct->open || ct->ticket != FLOOR_NONE ||
		    (ev->reason != FLOOR_REASON_STAFF && ev->reason != FLOOR_REASON_DAY_END))
			return FLOOR_E_INVAL;
		*ct = (struct counter){.ticket = FLOOR_NONE};
		f->nopen--;
		break;
	default: /* counter.break, counter.back */
		if (!ct->open || ct->ticket != FLOOR_NONE ||
		    ct->on_break != (ev->kind == FLOOR_EV_COUNTER_BACK))
			return FLOOR_E_INVAL;
		ct->on_break = ev->kind == FLOOR_EV_COUNTER_BREAK;
		ct->break_ms = ct->on_break ? ev->at_ms : 0;
		break;
	}
	bool gives = ct->open && !ct->on_break;
	for (int s = 0; s < (int)f->def->nservices && gave != gives; s++)
		if (m >> s & 1)
			f->svc[s].open_counters += gives ? 1 : -1;
	return 0;
}

/* Applies floor.day: the new day starts with empty tables. */
static int apply_day(struct floor *f, const struct floor_event *ev)
{
	if (ev->day <= f->day || f->nactive || f->nopen)
		return FLOOR_E_INVAL;
	f->day = ev->day;
	f->nt = 0;
	f->nlegs = 0;
	memset(f->tok, 0xff, f->tokcap * sizeof(*f->tok));
	for (size_t s = 0; s < f->def->nservices; s++) {
		f->svc[s].issued = 0;
		f->svc[s].lo = f->svc[s].hi = 0;
		floor__q_reset(f, (int)s);
	}
	return 0;
}

/* Applies an event about an existing ticket after validation. */
static int apply_ticket(struct floor *f, const struct floor_event *ev)
{
	uint32_t h = ev->ticket;
	if (h >= f->nt)
		return FLOOR_E_INVAL;
	struct ticket *tk = &f->t[h];
	bool xfer = ev->kind == FLOOR_EV_TRANSFERRED;
	if (ev->number != tk->number || ev->leg != tk->nlegs + (xfer ? 1 : 0) ||
	    (xfer ? ev->from_service : ev->service) != tk->service)
		return FLOOR_E_INVAL;
	int c = ev->counter;
	bool held = c >= 0 && c == tk->counter; /* the event's counter holds the ticket */
	struct leg *lg = &f->legs[tk->leg];
	switch (ev->kind) {
	case FLOOR_EV_CALLED:
		if (tk->state != FLOOR_WAITING || c < 0 || c >= (int)f->def->ncounters ||
		    !f->ctr[c].open || f->ctr[c].on_break || f->ctr[c].ticket != FLOOR_NONE ||
		    !(f->ctr[c].services >> tk->service & 1))
			return FLOOR_E_INVAL;
		floor__q_remove(f, h);
		tk->state = FLOOR_CALLED;
		tk->counter = (int16_t)c;
		tk->last_called_ms = ev->at_ms;
		lg->counter = (int16_t)c;
		lg->called_ms = ev->at_ms;
		lg->outcome = FLOOR_CALLED;
		f->ctr[c].ticket = h;
		return 0;
	case FLOOR_EV_RECALLED:
		if (tk->state != FLOOR_CALLED || !held)
			return FLOOR_E_INVAL;
		tk->last_called_ms = ev->at_ms;
		return 0;
	case FLOOR_EV_SERVING:
		if (tk->state != FLOOR_CALLED || !held)
			return FLOOR_E_INVAL;
		tk->state = FLOOR_SERVING;
		lg->started_ms = ev->at_ms;
		lg->outcome = FLOOR_SERVING;
		return 0;
	case FLOOR_EV_DONE:
		if (tk->state != FLOOR_SERVING || !held)
			return FLOOR_E_INVAL;
		ticket_end(f, h, ev->at_ms, FLOOR_DONE);
		return 0;
	case FLOOR_EV_NO_SHOW:
		if (tk->state != FLOOR_CALLED || !held)
			return FLOOR_E_INVAL;
		ticket_end(f, h, ev->at_ms, FLOOR_NO_SHOW);
		return 0;
	case FLOOR_EV_TRANSFERRED:
		if ((tk->state != FLOOR_CALLED && tk->state != FLOOR_SERVING) || !held ||
		    ev->service < 0 || ev->service >= (int)f->def->nservices || ev->front > 1)
			return FLOOR_E_INVAL;
		leg_end(f, h, ev->at_ms, FLOOR_DONE);
		release_counter(f, h);
		leg_new(f, h, ev->service, ev->at_ms);
		floor__q_insert(f, h, ev->front);
		return 0;
	case FLOOR_EV_CANCELLED:
		if (c != tk->counter)
			return FLOOR_E_INVAL;
		if (ev->reason == FLOOR_REASON_VISITOR) {
			if (tk->state != FLOOR_WAITING && tk->state != FLOOR_CALLED)
				return FLOOR_E_INVAL;
		} else if (ev->reason != FLOOR_REASON_DAY_END || tk->state > FLOOR_SERVING) {
			return FLOOR_E_INVAL;
		}
		ticket_end(f, h, ev->at_ms, FLOOR_CANCELLED);
		return 0;
	}
	return FLOOR_E_INVAL;
}

/* Validates ev against the state and applies it; FLOOR_E_INVAL leaves all unchanged. */
static int apply_ev(struct floor *f, const struct floor_event *ev)
{
	if (ev->seq <= f->seq || ev->seq > SEQ_MAX || ev->at_ms < f->last_ms || ev->at_ms < 1 ||
	    ev->at_ms > MS_MAX || ev->kind < FLOOR_EV_ISSUED || ev->kind > FLOOR_EV_KIND_MAX)
		return FLOOR_E_INVAL;
	int r;
	if (ev->kind == FLOOR_EV_DAY)
		r = apply_day(f, ev);
	else if (f->day == 0 || ev->day != f->day)
		r = FLOOR_E_INVAL;
	else if (ev->kind == FLOOR_EV_CONFIG)
		r = 0;
	else if (ev->kind == FLOOR_EV_ISSUED)
		r = apply_issued(f, ev);
	else if (counter_kind(ev->kind))
		r = apply_counter(f, ev);
	else
		r = apply_ticket(f, ev);
	if (r)
		return r;
	f->seq = ev->seq;
	f->last_ms = ev->at_ms;
	return 0;
}

int floor_apply(struct floor *f, const struct floor_event *ev)
{
	return apply_ev(f, ev);
}

/* ---- commands ---- */

/* An event of kind at at with every reference field set to "none". */
static struct floor_event ev_make(const struct floor *f, int64_t at, int kind)
{
	struct floor_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.at_ms = at;
	ev.day = f->day;
	ev.kind = (uint8_t)kind;
	ev.ticket = FLOOR_NONE;
	ev.service = ev.from_service = ev.first_service = ev.counter = -1;
	return ev;
}

/* An event of kind about ticket h as it stands. */
static struct floor_event ev_ticket(const struct floor *f, int64_t at, int kind, uint32_t h)
{
	struct floor_event ev = ev_make(f, at, kind);
	const struct ticket *tk = &f->t[h];
	ev.ticket = h;
	ev.service = tk->service;
	ev.first_service = tk->first_service;
	ev.priority = tk->priority;
	ev.counter = tk->counter;
	ev.number = tk->number;
	ev.leg = tk->nlegs;
	return ev;
}

/* Appends the queue figures of service s at at to out's figures. */
static void fig_push(const struct floor *f, struct floor_events *out, int s, int64_t at)
{
	if (out->nfigs == out->figcap) {
		out->figcap = out->figcap ? out->figcap * 2 : 32;
		out->figs = xrealloc(out->figs, out->figcap * sizeof(*out->figs));
	}
	out->figs[out->nfigs++] = (struct floor_queue_fig){
	    .service = (int16_t)s,
	    .waiting = (int32_t)floor_waiting(f, s),
	    .eta_s = floor_service_eta(f, s, at),
	    .longest_wait_s = floor_longest_wait(f, s, at),
	    .counters_open = floor_counters_open(f, s),
	};
}

/* Records, after ev applied, the figures of the services whose queues it changed: a
 * ticket's leg and the leg it left, or every service a counter event's counter may give. */
static void figs_of(const struct floor *f, struct floor_events *out, struct floor_event *ev)
{
	uint64_t m = 0;
	if (counter_kind(ev->kind))
		m = ev->counter >= 0 ? f->def->counters[ev->counter].services : 0;
	else if (ev->kind != FLOOR_EV_DAY && ev->kind != FLOOR_EV_CONFIG)
		m = (ev->service >= 0 ? UINT64_C(1) << ev->service : 0) |
		    (ev->from_service >= 0 ? UINT64_C(1) << ev->from_service : 0);
	ev->fig = (uint32_t)out->nfigs;
	for (size_t s = 0; s < f->def->nservices; s++)
		if (m >> s & 1)
			fig_push(f, out, (int)s, ev->at_ms);
	ev->nfig = (uint16_t)(out->nfigs - ev->fig);
}

/* Numbers ev, applies it through apply_ev and appends it to out. */
static void emit(struct floor *f, struct floor_events *out, struct floor_event ev)
{
	ev.seq = f->seq + 1;
	if (apply_ev(f, &ev))
		fatal("floor: a validated %s event does not apply", proto_event_name(ev.kind));
	figs_of(f, out, &ev);
	*floor_events_push(out) = ev;
}

/* Starts a command: rolls the day over when now.day is past the floor's day and
 * sets *at to the command's time (never before the last event). Returns 0, or
 * FLOOR_E_INVAL when the floor still has no day (now.day is not a day), the time is
 * outside 1..MS_MAX or the seq leaves no room for the command's events. */
static int begin(struct floor *f, struct floor_clock now, struct floor_events *out, int64_t *at_out)
{
	int64_t at = now.ms > f->last_ms ? now.ms : f->last_ms;
	*at_out = at;
	if (at < 1 || at > MS_MAX || f->seq > SEQ_MAX - SEQ_ROOM)
		return FLOOR_E_INVAL;
	if (now.day <= f->day)
		return f->day ? 0 : FLOOR_E_INVAL;
	for (size_t h = 0; h < f->nt; h++) {
		if (f->t[h].state > FLOOR_SERVING)
			continue;
		struct floor_event ev = ev_ticket(f, at, FLOOR_EV_CANCELLED, (uint32_t)h);
		ev.reason = FLOOR_REASON_DAY_END;
		emit(f, out, ev);
	}
	for (size_t c = 0; c < f->def->ncounters; c++) {
		if (!f->ctr[c].open)
			continue;
		struct floor_event ev = ev_make(f, at, FLOOR_EV_COUNTER_CLOSED);
		ev.counter = (int16_t)c;
		ev.reason = FLOOR_REASON_DAY_END;
		emit(f, out, ev);
	}
	struct floor_event ev = ev_make(f, at, FLOOR_EV_DAY);
	ev.day = now.day;
	emit(f, out, ev);
	return 0;
}

/* Checks that counter c exists and is open. */
static int check_open(const struct floor *f, int c)
{
	if (c < 0 || c >= (int)f->def->ncounters)
		return FLOOR_E_COUNTER;
	return f->ctr[c].open ? 0 : FLOOR_E_CLOSED;
}

/* Starts a command at counter c (see begin(): the day rolls over even when the command
 * then fails) and checks that c exists, is open, and has a current ticket when current,
 * else none. */
static int begin_at(struct floor *f, struct floor_clock now, int c, bool current,
		    struct floor_events *out, int64_t *at)
{
	if (begin(f, now, out, at))
		return FLOOR_E_INVAL;
	int r = check_open(f, c);
	if (r)
		return r;
	if (current)
		return f->ctr[c].ticket != FLOOR_NONE ? 0 : FLOOR_E_IDLE;
	return f->ctr[c].ticket == FLOOR_NONE ? 0 : FLOOR_E_BUSY;
}

int floor_issue(struct floor *f, struct floor_clock now, int service, int priority,
		const uint8_t token[FLOOR_TOKEN_LEN], struct floor_events *out,
		uint32_t *handle_out)
{
	int64_t at;
	if (begin(f, now, out, &at))
		return FLOOR_E_INVAL;
	if (service < 0 || service >= (int)f->def->nservices || f->def->services[service].retired)
		return FLOOR_E_SERVICE;
	if (priority < 0 || priority >= FLOOR_PRIORITIES || !token ||
	    floor_ticket_by_token(f, token) != FLOOR_NONE)
		return FLOOR_E_INVAL;
	if (f->svc[service].issued >= FLOOR_MAX_NUMBER)
		return FLOOR_E_FULL;
	struct floor_event ev = ev_make(f, at, FLOOR_EV_ISSUED);
	ev.ticket = (uint32_t)f->nt;
	ev.service = ev.first_service = (int16_t)service;
	ev.priority = (uint8_t)priority;
	ev.number = (uint16_t)(f->svc[service].issued + 1);
	ev.leg = 1;
	memcpy(ev.token, token, FLOOR_TOKEN_LEN);
	emit(f, out, ev);
	if (handle_out)
		*handle_out = ev.ticket;
	return 0;
}

int floor_counter_open(struct floor *f, struct floor_clock now, int counter, uint64_t services,
		       struct floor_events *out)
{
	int64_t at;
	if (begin(f, now, out, &at))
		return FLOOR_E_INVAL;
	if (counter < 0 || counter >= (int)f->def->ncounters || f->def->counters[counter].retired)
		return FLOOR_E_COUNTER;
	if (f->ctr[counter].open)
		return FLOOR_E_OPEN;
	if (!services || (services & ~f->def->counters[counter].services))
		return FLOOR_E_NOT_GIVEN;
	struct floor_event ev = ev_make(f, at, FLOOR_EV_COUNTER_OPENED);
	ev.counter = (int16_t)counter;
	ev.services = services;
	emit(f, out, ev);
	return 0;
}

int floor_counter_close(struct floor *f, struct floor_clock now, int counter,
			struct floor_events *out)
{
	int64_t at;
	int r = begin_at(f, now, counter, false, out, &at);
	if (r)
		return r;
	struct floor_event ev = ev_make(f, at, FLOOR_EV_COUNTER_CLOSED);
	ev.counter = (int16_t)counter;
	ev.reason = FLOOR_REASON_STAFF;
	emit(f, out, ev);
	return 0;
}

int floor_counter_break(struct floor *f, struct floor_clock now, int counter, bool on,
			struct floor_events *out)
{
	int64_t at;
	if (begin(f, now, out, &at))
		return FLOOR_E_INVAL;
	int r = check_open(f, counter);
	if (r)
		return r;
	if (f->ctr[counter].on_break == on) /* already so: a repeated press changes nothing */
		return 0;
	if (f->ctr[counter].ticket != FLOOR_NONE)
		return FLOOR_E_BUSY;
	struct floor_event ev = ev_make(f, at, on ? FLOOR_EV_COUNTER_BREAK : FLOOR_EV_COUNTER_BACK);
	ev.counter = (int16_t)counter;
	emit(f, out, ev);
	return 0;
}

/* Emits ticket.called for waiting ticket h at counter c. */
static void emit_call(struct floor *f, struct floor_events *out, int64_t at, int c, uint32_t h)
{
	struct floor_event ev = ev_ticket(f, at, FLOOR_EV_CALLED, h);
	ev.counter = (int16_t)c;
	emit(f, out, ev);
}

int floor_call_next(struct floor *f, struct floor_clock now, int counter, struct floor_events *out)
{
	int64_t at;
	int r = begin_at(f, now, counter, false, out, &at);
	if (r)
		return r;
	if (f->ctr[counter].on_break)
		return FLOOR_E_BREAK;
	uint32_t h = floor__route(f, counter, at);
	if (h != FLOOR_NONE)
		emit_call(f, out, at, counter, h);
	return 0;
}

int floor_call(struct floor *f, struct floor_clock now, int counter, uint32_t ticket,
	       struct floor_events *out)
{
	int64_t at;
	int r = begin_at(f, now, counter, false, out, &at);
	if (r)
		return r;
	if (f->ctr[counter].on_break)
		return FLOOR_E_BREAK;
	if (ticket >= f->nt)
		return FLOOR_E_TICKET;
	if (f->t[ticket].state != FLOOR_WAITING)
		return FLOOR_E_STATE;
	if (!(f->ctr[counter].services >> f->t[ticket].service & 1))
		return FLOOR_E_NOT_GIVEN;
	emit_call(f, out, at, counter, ticket);
	return 0;
}

/* Shared body of recall/start/finish/no_show: the current ticket must be in state
 * need; emits kind. */
static int act(struct floor *f, struct floor_clock now, int counter, struct floor_events *out,
	       enum floor_state need, int kind)
{
	int64_t at;
	int r = begin_at(f, now, counter, true, out, &at);
	if (r)
		return r;
	uint32_t h = f->ctr[counter].ticket;
	if (f->t[h].state != need)
		return FLOOR_E_STATE;
	emit(f, out, ev_ticket(f, at, kind, h));
	return 0;
}

int floor_recall(struct floor *f, struct floor_clock now, int counter, struct floor_events *out)
{
	return act(f, now, counter, out, FLOOR_CALLED, FLOOR_EV_RECALLED);
}

int floor_start(struct floor *f, struct floor_clock now, int counter, struct floor_events *out)
{
	return act(f, now, counter, out, FLOOR_CALLED, FLOOR_EV_SERVING);
}

int floor_finish(struct floor *f, struct floor_clock now, int counter, struct floor_events *out)
{
	return act(f, now, counter, out, FLOOR_SERVING, FLOOR_EV_DONE);
}

int floor_no_show(struct floor *f, struct floor_clock now, int counter, struct floor_events *out)
{
	return act(f, now, counter, out, FLOOR_CALLED, FLOOR_EV_NO_SHOW);
}

int floor_transfer(struct floor *f, struct floor_clock now, int counter, int service, bool front,
		   struct floor_events *out)
{
	int64_t at;
	int r = begin_at(f, now, counter, true, out, &at);
	if (r)
		return r;
	if (service < 0 || service >= (int)f->def->nservices || f->def->services[service].retired)
		return FLOOR_E_SERVICE;
	uint32_t h = f->ctr[counter].ticket;
	if (f->t[h].nlegs == UINT16_MAX) /* the new leg's number would not fit the event */
		return FLOOR_E_STATE;
	struct floor_event ev = ev_ticket(f, at, FLOOR_EV_TRANSFERRED, h);
	ev.from_service = ev.service;
	ev.service = (int16_t)service;
	ev.front = front ? 1 : 0;
	ev.leg++;
	emit(f, out, ev);
	return 0;
}

int floor_cancel(struct floor *f, struct floor_clock now, uint32_t ticket, struct floor_events *out)
{
	int64_t at;
	if (begin(f, now, out, &at))
		return FLOOR_E_INVAL;
	if (ticket >= f->nt)
		return FLOOR_E_TICKET;
	if (f->t[ticket].state != FLOOR_WAITING && f->t[ticket].state != FLOOR_CALLED)
		return FLOOR_E_STATE;
	struct floor_event ev = ev_ticket(f, at, FLOOR_EV_CANCELLED, ticket);
	ev.reason = FLOOR_REASON_VISITOR;
	emit(f, out, ev);
	return 0;
}

int floor_note_config(struct floor *f, struct floor_clock now, struct floor_events *out)
{
	int64_t at;
	if (begin(f, now, out, &at))
		return FLOOR_E_INVAL;
	emit(f, out, ev_make(f, at, FLOOR_EV_CONFIG));
	return 0;
}

int floor_tick(struct floor *f, struct floor_clock now, struct floor_events *out)
{
	int64_t at;
	begin(f, now, out, &at);
	return 0;
}

/* ---- names ---- */

static const struct {
	const char *code, *message;
} errors[] = {
    {"unknown_service", "There is no such service."},
    {"unknown_counter", "There is no such counter."},
    {"counter_closed", "The counter is not open."},
    {"counter_busy", "The counter already has a current ticket."},
    {"no_current_ticket", "The counter has no current ticket."},
    {"wrong_state", "The ticket is not in a state that allows this."},
    {"service_not_given", "The service is not given at this counter."},
    {"unknown_ticket", "There is no such ticket today."},
    {"numbers_exhausted", "The service has used all its numbers for today."},
    {"invalid", "The request is not valid."},
    {"counter_open", "The counter is already open; close it first."},
    {"counter_on_break", "The counter is on a break; come back from it first."},
};

const char *floor_error_code(int err)
{
	if (err <= FLOOR_E_SERVICE && err >= FLOOR_E_BREAK)
		return errors[FLOOR_E_SERVICE - err].code;
	return "internal";
}

const char *floor_error_message(int err)
{
	if (err <= FLOOR_E_SERVICE && err >= FLOOR_E_BREAK)
		return errors[FLOOR_E_SERVICE - err].message;
	return "An internal error occurred.";
}

/* ---- event buffers ---- */

struct floor_event *floor_events_push(struct floor_events *evs)
{
	if (evs->n == evs->cap) {
		evs->cap = evs->cap ? evs->cap * 2 : 16;
		evs->v = xrealloc(evs->v, evs->cap * sizeof(*evs->v));
	}
	struct floor_event *ev = &evs->v[evs->n++];
	memset(ev, 0, sizeof(*ev));
	return ev;
}

void floor_events_clear(struct floor_events *evs)
{
	evs->n = 0;
	evs->nfigs = 0;
}

void floor_events_free(struct floor_events *evs)
{
	free(evs->v);
	free(evs->figs);
	memset(evs, 0, sizeof(*evs));
}
