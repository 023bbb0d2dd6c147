/*
 * encode.c — torgd's adapter to the protocol's encoders (see encode.h): each
 * function reads what a message needs from the floor, the engine and the
 * configuration into proto_encode.h's structs and calls proto/ to write it.
 * The structs borrow their strings, so what has to be made for them (ticket
 * numbers, id lists, texts) lives in a pool that one encoding frees at its end;
 * the per-event path (encode_event) needs only its stack.
 */
#include "encode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NUMBER_LEN 16 /* "B007" and then some: floor_format_number's buffer */

/* Every block one encoding allocated, freed together once the JSON is made. */
struct pool {
	void **v;
	size_t n, cap;
};

/* A zeroed array of n elements of size bytes (at least one), owned by the pool. */
static void *pool_alloc(struct pool *p, size_t n, size_t size)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	return p->v[p->n++] = xcalloc(n ? n : 1, size);
}

/* Frees every block of the pool and the pool's own array. */
static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The configured texts of a name, as the protocol's texts. */
static struct proto_texts texts_of(struct pool *p, const struct config_names *names)
{
	struct proto_text *v = pool_alloc(p, names->n, sizeof(*v));
	for (size_t i = 0; i < names->n; i++)
		v[i] = (struct proto_text){names->v[i].lang, names->v[i].text};
	return (struct proto_texts){v, names->n};
}

/* The ids of the services in mask, in the file's order (then those removed today), into
 * ids (room for each). */
static struct proto_ids service_ids(const struct config *cfg, uint64_t mask, const char **ids)
{
	size_t n = 0;
	uint64_t left = mask;
	for (size_t k = 0; k < cfg->nlisted; k++)
		if (mask & (UINT64_C(1) << cfg->listed[k])) {
			ids[n++] = cfg->services[cfg->listed[k]].id;
			left &= ~(UINT64_C(1) << cfg->listed[k]);
		}
	for (size_t i = 0; i < cfg->nservices; i++)
		if (left & (UINT64_C(1) << i))
			ids[n++] = cfg->services[i].id;
	return (struct proto_ids){ids, n};
}

/* The ids of the services in mask, in an array of the pool. */
static struct proto_ids pool_service_ids(struct pool *p, const struct config *cfg, uint64_t mask)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->nservices; i++)
		n += (mask >> i) & 1;
	return service_ids(cfg, mask, pool_alloc(p, n, sizeof(const char *)));
}

/* A configured list of language tags as ids. */
static struct proto_ids langs_of(struct pool *p, const char (*langs)[CONFIG_LANG_MAX], size_t n)
{
	const char **v = pool_alloc(p, n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = langs[i];
	return (struct proto_ids){v, n};
}

/* The public number ("B007") of a ticket, in a string of the pool. */
static const char *pool_number(struct pool *p, const struct engine *e, int first_service,
			       int number)
{
	char *s = pool_alloc(p, 1, NUMBER_LEN);
	floor_format_number(engine_floor(e), first_service, number, s, NUMBER_LEN);
	return s;
}

/* Fills *t for a ticket with the fields of flags; returns 0, or -ENOENT when the floor does
 * not know the ticket. */
static int ticket_fill(struct pool *p, const struct engine *e, uint32_t ticket, int64_t now_ms,
		       unsigned flags, struct proto_ticket *t)
{
	const struct config *cfg = engine_config(e);
	struct floor_ticket_info ti;
	if (floor_ticket_get(engine_floor(e), ticket, now_ms, &ti) != 0)
		return -ENOENT;
	*t = (struct proto_ticket){
	    .flags = flags,
	    .number = pool_number(p, e, ti.first_service, ti.number),
	    .service = cfg->services[ti.service].id,
	    .state = (int)ti.state,
	    .leg = ti.leg,
	    .priority = ti.priority,
	    .position = ti.position,
	    .eta_s = ti.state == FLOOR_WAITING ? ti.eta_s : -1,
	    .counter = ti.counter >= 0 ? cfg->counters[ti.counter].id : NULL,
	    .issued_ms = ti.issued_ms,
	};
	if (flags & ENCODE_HOLDER) {
		char *hex = pool_alloc(p, 1, 2 * FLOOR_TOKEN_LEN + 1);
		util_hex(ti.token, FLOOR_TOKEN_LEN, hex);
		t->id = hex;
	}
	if (flags & ENCODE_LEGS) {
		struct floor_leg legs[ENCODE_MAX_LEGS];
		size_t n = floor_ticket_legs(engine_floor(e), ticket, legs, ARRAY_SIZE(legs));
		if (n > ARRAY_SIZE(legs))
			n = ARRAY_SIZE(legs);
		struct proto_leg *v = pool_alloc(p, n, sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			const struct floor_leg *l = &legs[i];
			/* the wait of an open leg runs until now */
			int64_t until = l->called_ms  ? l->called_ms
					: l->ended_ms ? l->ended_ms
						      : now_ms;
			v[i] = (struct proto_leg){
			    .service = cfg->services[l->service].id,
			    .queued_ms = l->queued_ms,
			    .called_ms = l->called_ms,
			    .started_ms = l->started_ms,
			    .ended_ms = l->ended_ms,
			    .wait_s = until > l->queued_ms ? (until - l->queued_ms) / 1000 : 0,
			    .state = (int)l->outcome,
			    /* a leg that ended done and is not the last was handed on */
			    .handed_on = i + 1 < n,
			};
		}
		t->legs = v;
		t->nlegs = n;
	}
	return 0;
}

char *encode_ticket_answer(const struct engine *e, uint32_t ticket, int64_t now_ms, unsigned flags,
			   const char *lang, size_t *len)
{
	struct pool p = {0};
	struct proto_ticket t;
	bool known = ticket_fill(&p, e, ticket, now_ms, flags, &t) == 0;
	if (known)
		t.lang = lang;
	char *o = proto_encode_ticket_answer(known ? &t : NULL, len);
	pool_free(&p);
	return o;
}

/* Fills *c for a counter, with its current ticket. */
static void counter_fill(struct pool *p, const struct engine *e, int counter, int64_t now_ms,
			 struct proto_counter *c)
{
	const struct config *cfg = engine_config(e);
	const struct config_counter *cc = &cfg->counters[counter];
	struct floor_counter_info ci;
	floor_counter_get(engine_floor(e), counter, &ci);
	*c = (struct proto_counter){
	    .id = cc->id,
	    .name = texts_of(p, &cc->name),
	    .kind = config_kind_name(cc->kind),
	    .open = ci.open,
	    .on_break = ci.on_break,
	    .break_ms = ci.break_ms,
	    .services = pool_service_ids(p, cfg, ci.open ? ci.services : 0),
	    .gives = pool_service_ids(p, cfg, cc->services),
	};
	struct floor_ticket_info ti;
	if (ci.ticket != FLOOR_NONE &&
	    floor_ticket_get(engine_floor(e), ci.ticket, now_ms, &ti) == 0) {
		struct proto_current *cur = pool_alloc(p, 1, sizeof(*cur));
		*cur = (struct proto_current){
		    .number = pool_number(p, e, ti.first_service, ti.number),
		    .service = cfg->services[ti.service].id,
		    .state = (int)ti.state,
		    .leg = ti.leg,
		    .called_ms = ti.called_ms,
		    .started_ms = ti.started_ms,
		};
		c->current = cur;
	}
}

char *encode_counter_answer(const struct engine *e, int counter, uint32_t ticket, int64_t now_ms,
			    size_t *len)
{
	struct pool p = {0};
	struct proto_counter c;
	struct proto_ticket t;
	counter_fill(&p, e, counter, now_ms, &c);
	bool with_ticket =
	    ticket != FLOOR_NONE && ticket_fill(&p, e, ticket, now_ms, ENCODE_LEGS, &t) == 0;
	char *o = proto_encode_counter_answer(&c, with_ticket ? &t : NULL, len);
	pool_free(&p);
	return o;
}

/* Fills *s for one service of a snapshot, with its queue in call order. */
static void service_fill(struct pool *p, const struct engine *e, int service, int64_t now_ms,
			 struct proto_service *s)
{
	const struct floor *f = engine_floor(e);
	const struct config_service *cs = &engine_config(e)->services[service];
	*s = (struct proto_service){
	    .id = cs->id,
	    .prefix = cs->prefix,
	    .icon = cs->icon,
	    .name = texts_of(p, &cs->name),
	    .target_wait_s = cs->target_wait_s,
	    .queue_figs =
		{
		    .waiting = (int64_t)floor_waiting(f, service),
		    .eta_s = floor_service_eta(f, service, now_ms),
		    .longest_wait_s = floor_longest_wait(f, service, now_ms),
		    .counters_open = floor_counters_open(f, service),
		},
	};
	s->open = engine_service_open(e, service, now_ms, &s->opens_at_ms);
	size_t n = floor_waiting(f, service);
	uint32_t *handles = pool_alloc(p, n, sizeof(*handles));
	n = floor_queue(f, service, handles, n);
	struct proto_queued *q = pool_alloc(p, n, sizeof(*q));
	char(*numbers)[NUMBER_LEN] = pool_alloc(p, n, NUMBER_LEN);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct floor_ticket_info ti;
		if (floor_ticket_get(f, handles[i], now_ms, &ti) != 0)
			continue;
		floor_format_number(f, ti.first_service, ti.number, numbers[k], NUMBER_LEN);
		q[k] = (struct proto_queued){numbers[k], ti.priority, ti.queued_ms};
		k++;
	}
	s->queue = q;
	s->nqueue = k;
}

/* A configured exception as the protocol's, its services limited to mask. */
static void exception_fill(struct pool *p, const struct config *cfg,
			   const struct config_exception *x, uint64_t mask,
			   struct proto_exception *out)
{
	struct proto_span *spans = pool_alloc(p, x->h.nspans, sizeof(*spans));
	for (size_t i = 0; i < x->h.nspans; i++)
		spans[i] = (struct proto_span){x->h.spans[i].open, x->h.spans[i].close};
	*out = (struct proto_exception){
	    .from = x->h.from,
	    .to = x->h.to,
	    .spans = spans,
	    .nspans = x->h.nspans,
	    .services = x->all_services ? (struct proto_ids){0}
					: pool_service_ids(p, cfg, x->services & mask),
	    .note = texts_of(p, &x->note),
	};
}

/* The exceptions that start after date and at most ENCODE_UPCOMING_DAYS after it, for
 * services in mask, the earliest ENCODE_UPCOMING first (configuration order on a tie). */
static size_t upcoming_fill(struct pool *p, const struct config *cfg, int32_t date, uint64_t mask,
			    struct proto_exception *out)
{
	int32_t last = hours_day_add(date, ENCODE_UPCOMING_DAYS);
	const struct config_exception *pick[ENCODE_UPCOMING];
	size_t n = 0;
	for (size_t i = 0; i < cfg->nexceptions; i++) {
		const struct config_exception *x = &cfg->exceptions[i];
		if (x->h.from <= date || x->h.from > last || !(x->services & mask))
			continue;
		size_t at = n;
		while (at > 0 && pick[at - 1]->h.from > x->h.from)
			at--;
		if (at >= ENCODE_UPCOMING)
			continue;
		size_t end = n < ENCODE_UPCOMING ? n : ENCODE_UPCOMING - 1;
		memmove(&pick[at + 1], &pick[at], (end - at) * sizeof(*pick));
		pick[at] = x;
		if (n < ENCODE_UPCOMING)
			n++;
	}
	for (size_t i = 0; i < n; i++)
		exception_fill(p, cfg, pick[i], mask, &out[i]);
	return n;
}

/* The snapshot's notices for display (NULL: a kiosk) and the services in mask at now_ms:
 * today's floor-wide exception, the next ones, the messages that have not ended. */
static void notices_fill(struct pool *p, const struct config *cfg,
			 const struct config_display *display, uint64_t mask, int64_t now_ms,
			 struct proto_notices *n)
{
	struct hours_local loc;
	*n = (struct proto_notices){0};
	if (hours_local_now(now_ms, cfg->day_start_min, &loc) == 0) {
		const struct config_exception *x = config_exception_on(cfg, -1, loc.date);
		if (x) {
			struct proto_exception *t = pool_alloc(p, 1, sizeof(*t));
			exception_fill(p, cfg, x, mask, t);
			n->today = t;
		}
		struct proto_exception *up = pool_alloc(p, ENCODE_UPCOMING, sizeof(*up));
		n->nupcoming = upcoming_fill(p, cfg, loc.date, mask, up);
		n->upcoming = up;
	}
	/* the display's index in this configuration (a display of another, swapped-out one
	 * has none here: it gets the messages for every display) */
	bool ours = display && display >= cfg->displays && display < cfg->displays + cfg->ndisplays;
	int d = !display ? -1 : ours ? (int)(display - cfg->displays) : CONFIG_MAX_DISPLAYS;
	struct proto_message *m = pool_alloc(p, cfg->nmessages, sizeof(*m));
	for (size_t i = 0; i < cfg->nmessages; i++) {
		const struct config_message *cm = &cfg->messages[i];
		int64_t until = config_local_ms(cm->until);
		if (!config_message_for(cm, d) || (until && until <= now_ms))
			continue;
		m[n->nmessages++] = (struct proto_message){
		    .id = cm->id,
		    .text = texts_of(p, &cm->text),
		    .from_ms = config_local_ms(cm->from),
		    .until_ms = until,
		};
	}
	n->messages = m;
}

char *encode_snapshot(const struct engine *e, const struct config_display *display, uint64_t mask,
		      int64_t now_ms, size_t *len)
{
	const struct config *cfg = engine_config(e);
	struct pool p = {0};
	struct proto_snapshot s = {
	    .seq = floor_seq(engine_floor(e)),
	    .day = floor_day(engine_floor(e)),
	    .server_ms = now_ms,
	    .floor_id = cfg->floor_id,
	    .timezone = cfg->timezone,
	    .floor_name = texts_of(&p, &cfg->floor_name),
	    .languages = langs_of(&p, cfg->languages, cfg->nlanguages),
	    .kiosk_idle_s = cfg->kiosk_idle_s,
	};
	if (s.day == 0) /* a floor without events yet is in the clock's day */
		s.day = engine_clock(e).day;
	struct proto_display d;
	if (display) {
		d = (struct proto_display){
		    .id = display->id,
		    .name = display->name,
		    .services = pool_service_ids(&p, cfg, display->services),
		    .languages = langs_of(&p, display->languages, display->nlanguages),
		    .language_mode = config_language_mode_name(display->language_mode),
		    .logo = display->logo,
		    .background = display->colors[0][0] ? display->colors[0] : NULL,
		    .foreground = display->colors[1][0] ? display->colors[1] : NULL,
		    .accent = display->colors[2][0] ? display->colors[2] : NULL,
		    .announce = langs_of(&p, display->announce, display->nannounce),
		};
		s.display = &d;
	}
	/* The file's order, then what was removed today but still holds tickets or a visitor. */
	struct proto_service *services = pool_alloc(&p, cfg->nservices, sizeof(*services));
	for (size_t k = 0; k < cfg->nlisted; k++)
		if (mask & (UINT64_C(1) << cfg->listed[k]))
			service_fill(&p, e, cfg->listed[k], now_ms, &services[s.nservices++]);
	for (size_t i = 0; i < cfg->nservices; i++)
		if (cfg->services[i].retired && !cfg->services[i].gone &&
		    (mask & (UINT64_C(1) << i))) {
			service_fill(&p, e, (int)i, now_ms, &services[s.nservices]);
			services[s.nservices++].retired = true;
		}
	s.services = services;
	struct proto_counter *counters = pool_alloc(&p, cfg->ncounters, sizeof(*counters));
	for (size_t k = 0; k < cfg->nclisted; k++)
		if (mask & cfg->counters[cfg->clisted[k]].services)
			counter_fill(&p, e, cfg->clisted[k], now_ms, &counters[s.ncounters++]);
	for (size_t i = 0; i < cfg->ncounters; i++) {
		struct floor_counter_info ci;
		if (cfg->counters[i].retired && (mask & cfg->counters[i].services) &&
		    floor_counter_get(engine_floor(e), (int)i, &ci) == 0 && ci.open) {
			counter_fill(&p, e, (int)i, now_ms, &counters[s.ncounters]);
			counters[s.ncounters++].retired = true;
		}
	}
	s.counters = counters;
	const struct engine_call *recent;
	size_t ncalls = engine_recent_calls(e, &recent);
	struct proto_call *calls = pool_alloc(&p, ncalls, sizeof(*calls));
	for (size_t i = 0; i < ncalls; i++) {
		const struct engine_call *c = &recent[i];
		if (!(mask & (UINT64_C(1) << c->service)))
			continue;
		calls[s.ncalls++] = (struct proto_call){
		    .number = pool_number(&p, e, c->first_service, c->number),
		    .service = cfg->services[c->service].id,
		    .counter = c->counter >= 0 ? cfg->counters[c->counter].id : NULL,
		    .at_ms = c->at_ms,
		    .recall = c->recall,
		};
	}
	s.calls = calls;
	struct proto_notices notices;
	notices_fill(&p, cfg, display, mask, now_ms, &notices);
	s.notices = &notices;
	char *o = proto_encode_snapshot(&s, len);
	pool_free(&p);
	return o;
}

/* The reason an event names on the wire: the day's end, else the kind's own (a visitor
 * cancels a ticket, staff close a counter). */
static int event_reason(const struct floor_event *ev)
{
	if (ev->reason == FLOOR_REASON_DAY_END)
		return PROTO_REASON_DAY_END;
	return ev->kind == FLOOR_EV_CANCELLED ? PROTO_REASON_VISITOR : PROTO_REASON_STAFF;
}

char *encode_config_event(const struct floor_event *ev, const char *const *changed, size_t *len)
{
	size_t n = 0;
	while (changed && changed[n])
		n++;
	struct proto_event pe = {
	    .seq = ev->seq,
	    .kind = ev->kind,
	    .at_ms = ev->at_ms,
	    .services = {changed, n},
	};
	return proto_encode_event(&pe, len);
}

char *encode_event(const struct config *cfg, const struct floor_events *evs,
		   const struct floor_event *ev, size_t *len)
{
	char number[NUMBER_LEN];
	const char *ids[FLOOR_MAX_SERVICES];
	struct proto_queue figs[FLOOR_MAX_SERVICES], *queues = figs;
	struct proto_ticket t;
	struct proto_event pe = {
	    .seq = ev->seq,
	    .kind = ev->kind,
	    .at_ms = ev->at_ms,
	    .counter = ev->counter >= 0 ? cfg->counters[ev->counter].id : NULL,
	    .front = ev->front,
	    .reason = event_reason(ev),
	    .day = ev->day,
	};
	if (proto_event_has_ticket(ev->kind) && ev->ticket != FLOOR_NONE && ev->service >= 0) {
		/* the public view, from the event alone: the state is the one the kind leads to */
		const char *prefix =
		    ev->first_service >= 0 && (size_t)ev->first_service < cfg->nservices
			? cfg->services[ev->first_service].prefix
			: "?";
		snprintf(number, sizeof(number), "%s%03u", prefix, (unsigned)ev->number);
		t = (struct proto_ticket){
		    .number = number,
		    .service = cfg->services[ev->service].id,
		    .state = proto_state_after(ev->kind),
		    .leg = ev->leg,
		    .priority = ev->priority,
		};
		pe.ticket = &t;
		pe.to = t.service;
	}
	if (ev->from_service >= 0)
		pe.from = cfg->services[ev->from_service].id;
	if (ev->kind == FLOOR_EV_COUNTER_OPENED)
		pe.services = service_ids(cfg, ev->services, ids);
	size_t end = (size_t)ev->fig + ev->nfig;
	if (end > evs->nfigs)
		end = evs->nfigs;
	size_t n = end > ev->fig ? end - ev->fig : 0;
	if (n > ARRAY_SIZE(figs))
		queues = xmalloc(n * sizeof(*queues));
	for (size_t i = 0; i < n; i++) {
		const struct floor_queue_fig *q = &evs->figs[ev->fig + i];
		queues[i] = (struct proto_queue){cfg->services[q->service].id, q->waiting, q->eta_s,
						 q->longest_wait_s, q->counters_open};
	}
	pe.queues = queues;
	pe.nqueues = n;
	char *s = proto_encode_event(&pe, len);
	if (queues != figs)
		free(queues);
	return s;
}
