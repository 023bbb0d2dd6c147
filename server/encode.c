/*
 * encode.c — JSON for events, tickets, counters, queues and snapshots (see
 * encode.h and proto/PROTOCOL.md). Built with jansson and dumped compactly.
 */
#include "encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

json_t *encode_time(int64_t ms)
{
	if (ms == 0)
		return json_null();
	char buf[32];
	util_iso8601(ms, buf, sizeof(buf));
	return json_string(buf);
}

/* "YYYY-MM-DD" for a yyyymmdd day. */
static json_t *encode_day(int32_t day)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
	return json_string(buf);
}

/* {"nb": "...", "en": "..."} from configured names. */
static json_t *encode_names(const struct config_names *names)
{
	json_t *o = json_object();
	for (size_t i = 0; i < names->n; i++)
		json_object_set_new(o, names->v[i].lang, json_string(names->v[i].text));
	return o;
}

/* The public number of a ticket ("B007"). */
static json_t *encode_number(const struct engine *e, int first_service, int number)
{
	char buf[16];
	floor_format_number(engine_floor(e), first_service, number, buf, sizeof(buf));
	return json_string(buf);
}

json_t *encode_service_ids(const struct engine *e, uint64_t mask)
{
	json_t *a = json_array();
	for (size_t i = 0; i < engine_config(e)->nservices; i++)
		if (mask & (UINT64_C(1) << i))
			json_array_append_new(a, json_string(engine_config(e)->services[i].id));
	return a;
}

/* Wire name of a leg's outcome; a leg that ended "done" before the last was handed on. */
static json_t *encode_outcome(const struct floor_leg *leg, bool last)
{
	if (leg->ended_ms == 0)
		return json_null();
	if (leg->outcome == FLOOR_DONE && !last)
		return json_string("transferred");
	return json_string(proto_state_name(leg->outcome));
}

/* The legs of a visit as an array. */
static json_t *encode_legs(const struct engine *e, uint32_t ticket, int64_t now_ms)
{
	struct floor_leg legs[64];
	size_t n = floor_ticket_legs(engine_floor(e), ticket, legs, ARRAY_SIZE(legs));
	if (n > ARRAY_SIZE(legs))
		n = ARRAY_SIZE(legs);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct floor_leg *l = &legs[i];
		int64_t until = l->called_ms ? l->called_ms : l->ended_ms ? l->ended_ms : now_ms;
		int64_t wait = until > l->queued_ms ? (until - l->queued_ms) / 1000 : 0;
		json_t *o = json_object();
		json_object_set_new(o, "service",
				    json_string(engine_config(e)->services[l->service].id));
		json_object_set_new(o, "queued_at", encode_time(l->queued_ms));
		json_object_set_new(o, "called_at", encode_time(l->called_ms));
		json_object_set_new(o, "started_at", encode_time(l->started_ms));
		json_object_set_new(o, "ended_at", encode_time(l->ended_ms));
		json_object_set_new(o, "wait_s", json_integer(wait));
		json_object_set_new(o, "outcome", encode_outcome(l, i + 1 == n));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *encode_ticket(const struct engine *e, uint32_t ticket, int64_t now_ms, unsigned flags)
{
	struct floor_ticket_info ti;
	if (floor_ticket_get(engine_floor(e), ticket, now_ms, &ti) != 0)
		return json_null();
	json_t *o = json_object();
	if (flags & ENCODE_HOLDER) {
		char hex[2 * FLOOR_TOKEN_LEN + 1], url[2 * FLOOR_TOKEN_LEN + 8];
		util_hex(ti.token, FLOOR_TOKEN_LEN, hex);
		snprintf(url, sizeof(url), "/t/%s", hex);
		json_object_set_new(o, "id", json_string(hex));
		json_object_set_new(o, "url", json_string(url));
	}
	json_object_set_new(o, "number", encode_number(e, ti.first_service, ti.number));
	json_object_set_new(o, "service", json_string(engine_config(e)->services[ti.service].id));
	json_object_set_new(o, "state", json_string(proto_state_name(ti.state)));
	json_object_set_new(o, "leg", json_integer(ti.leg));
	json_object_set_new(o, "priority", json_string(proto_priority_name(ti.priority)));
	if (flags & ENCODE_HOLDER) {
		json_object_set_new(o, "position", json_integer(ti.position));
		json_object_set_new(o, "eta_s",
				    json_integer(ti.state == FLOOR_WAITING ? ti.eta_s : -1));
		json_object_set_new(o, "counter",
				    ti.counter >= 0
					? json_string(engine_config(e)->counters[ti.counter].id)
					: json_null());
		json_object_set_new(o, "issued_at", encode_time(ti.issued_ms));
	}
	if (flags & ENCODE_LEGS) {
		if (!(flags & ENCODE_HOLDER))
			json_object_set_new(o, "issued_at", encode_time(ti.issued_ms));
		json_object_set_new(o, "legs", encode_legs(e, ticket, now_ms));
	}
	return o;
}

json_t *encode_counter(const struct engine *e, int counter, int64_t now_ms)
{
	const struct config_counter *cc = &engine_config(e)->counters[counter];
	struct floor_counter_info ci;
	floor_counter_get(engine_floor(e), counter, &ci);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(cc->id));
	json_object_set_new(o, "name", encode_names(&cc->name));
	json_object_set_new(o, "kind", json_string(config_kind_name(cc->kind)));
	json_object_set_new(o, "open", json_boolean(ci.open));
	json_object_set_new(o, "services", encode_service_ids(e, ci.open ? ci.services : 0));
	json_object_set_new(o, "gives", encode_service_ids(e, cc->services));
	json_t *cur = json_null();
	struct floor_ticket_info ti;
	if (ci.ticket != FLOOR_NONE &&
	    floor_ticket_get(engine_floor(e), ci.ticket, now_ms, &ti) == 0) {
		cur = json_object();
		json_object_set_new(cur, "number", encode_number(e, ti.first_service, ti.number));
		json_object_set_new(cur, "service",
				    json_string(engine_config(e)->services[ti.service].id));
		json_object_set_new(cur, "state", json_string(proto_state_name(ti.state)));
		json_object_set_new(cur, "leg", json_integer(ti.leg));
		json_object_set_new(cur, "called_at", encode_time(ti.called_ms));
		json_object_set_new(cur, "started_at", encode_time(ti.started_ms));
	}
	json_object_set_new(o, "current", cur);
	return o;
}

json_t *encode_queue(const struct engine *e, int service, int64_t now_ms)
{
	json_t *o = json_object();
	json_object_set_new(o, "service", json_string(engine_config(e)->services[service].id));
	json_object_set_new(o, "waiting",
			    json_integer((json_int_t)floor_waiting(engine_floor(e), service)));
	json_object_set_new(o, "eta_s",
			    json_integer(floor_service_eta(engine_floor(e), service, now_ms)));
	json_object_set_new(o, "longest_wait_s",
			    json_integer(floor_longest_wait(engine_floor(e), service, now_ms)));
	json_object_set_new(o, "counters_open",
			    json_integer(floor_counters_open(engine_floor(e), service)));
	return o;
}

/* The state a ticket is in right after an event of this kind. */
static enum floor_state state_after(int kind)
{
	switch (kind) {
	case FLOOR_EV_CALLED:
	case FLOOR_EV_RECALLED:
		return FLOOR_CALLED;
	case FLOOR_EV_SERVING:
		return FLOOR_SERVING;
	case FLOOR_EV_DONE:
		return FLOOR_DONE;
	case FLOOR_EV_NO_SHOW:
		return FLOOR_NO_SHOW;
	case FLOOR_EV_CANCELLED:
		return FLOOR_CANCELLED;
	default:
		return FLOOR_WAITING; /* issued, transferred */
	}
}

/* The public number "B007" of a ticket event, from its first service's prefix. */
static json_t *event_number(const struct config *cfg, const struct floor_event *ev)
{
	char buf[16];
	const char *prefix = ev->first_service >= 0 && (size_t)ev->first_service < cfg->nservices
				 ? cfg->services[ev->first_service].prefix
				 : "?";
	snprintf(buf, sizeof(buf), "%s%03u", prefix, (unsigned)ev->number);
	return json_string(buf);
}

/* The public view of the ticket an event concerns, from the event itself. */
static json_t *encode_event_ticket(const struct config *cfg, const struct floor_event *ev)
{
	if (ev->ticket == FLOOR_NONE || ev->service < 0)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "number", event_number(cfg, ev));
	json_object_set_new(o, "service", json_string(cfg->services[ev->service].id));
	json_object_set_new(o, "state", json_string(proto_state_name(state_after(ev->kind))));
	json_object_set_new(o, "leg", json_integer(ev->leg));
	json_object_set_new(o, "priority", json_string(proto_priority_name(ev->priority)));
	return o;
}

/* Array of the ids of the services in mask. */
static json_t *service_ids(const struct config *cfg, uint64_t mask)
{
	json_t *a = json_array();
	for (size_t i = 0; i < cfg->nservices; i++)
		if (mask & (UINT64_C(1) << i))
			json_array_append_new(a, json_string(cfg->services[i].id));
	return a;
}

char *encode_event(const struct config *cfg, const struct floor_events *evs,
		   const struct floor_event *ev, size_t *len)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("event"));
	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	json_object_set_new(o, "kind", json_string(proto_event_name(ev->kind)));
	json_object_set_new(o, "at", encode_time(ev->at_ms));
	const char *counter = ev->counter >= 0 ? cfg->counters[ev->counter].id : NULL;
	switch (ev->kind) {
	case FLOOR_EV_DAY:
		json_object_set_new(o, "day", encode_day(ev->day));
		break;
	case FLOOR_EV_COUNTER_OPENED:
		json_object_set_new(o, "counter", json_string(counter));
		json_object_set_new(o, "services", service_ids(cfg, ev->services));
		break;
	case FLOOR_EV_COUNTER_CLOSED:
		json_object_set_new(o, "counter", json_string(counter));
		json_object_set_new(
		    o, "reason",
		    json_string(ev->reason == FLOOR_REASON_DAY_END ? "day_end" : "staff"));
		break;
	default:
		json_object_set_new(o, "ticket", encode_event_ticket(cfg, ev));
		if (counter)
			json_object_set_new(o, "counter", json_string(counter));
		if (ev->kind == FLOOR_EV_TRANSFERRED) {
			json_object_set_new(o, "from",
					    json_string(cfg->services[ev->from_service].id));
			json_object_set_new(o, "to", json_string(cfg->services[ev->service].id));
			json_object_set_new(o, "position",
					    json_string(ev->front ? "front" : "back"));
		}
		if (ev->kind == FLOOR_EV_CANCELLED)
			json_object_set_new(o, "reason",
					    json_string(ev->reason == FLOOR_REASON_DAY_END
							    ? "day_end"
							    : "visitor"));
	}
	json_t *queues = json_array();
	for (uint32_t i = ev->fig; i < (uint32_t)ev->fig + ev->nfig && i < evs->nfigs; i++) {
		const struct floor_queue_fig *q = &evs->figs[i];
		json_t *f = json_object();
		json_object_set_new(f, "service", json_string(cfg->services[q->service].id));
		json_object_set_new(f, "waiting", json_integer(q->waiting));
		json_object_set_new(f, "eta_s", json_integer(q->eta_s));
		json_object_set_new(f, "longest_wait_s", json_integer(q->longest_wait_s));
		json_object_set_new(f, "counters_open", json_integer(q->counters_open));
		json_array_append_new(queues, f);
	}
	json_object_set_new(o, "queues", queues);
	return encode_dump(o, len);
}

/* The "floor" object of a snapshot. */
static json_t *encode_floor_info(const struct engine *e)
{
	const struct config *cfg = engine_config(e);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(cfg->floor_id));
	json_object_set_new(o, "name", encode_names(&cfg->floor_name));
	json_object_set_new(o, "timezone", json_string(cfg->timezone));
	json_t *langs = json_array();
	for (size_t i = 0; i < cfg->nlanguages; i++)
		json_array_append_new(langs, json_string(cfg->languages[i]));
	json_object_set_new(o, "languages", langs);
	return o;
}

/* One service of a snapshot, with its queue in call order. */
static json_t *encode_service(const struct engine *e, int s, int64_t now_ms)
{
	const struct config_service *cs = &engine_config(e)->services[s];
	json_t *o = json_object(), *q0 = encode_queue(e, s, now_ms);
	json_object_set_new(o, "id", json_string(cs->id));
	json_object_del(q0, "service");
	json_object_update(o, q0);
	json_decref(q0);
	json_object_set_new(o, "prefix", json_string(cs->prefix));
	json_object_set_new(o, "name", encode_names(&cs->name));
	json_object_set_new(o, "icon", json_string(cs->icon));
	json_object_set_new(o, "target_wait_s", json_integer(cs->target_wait_s));
	int64_t opens = 0;
	bool open = engine_service_open(e, s, now_ms, &opens);
	json_object_set_new(o, "open", json_boolean(open));
	json_object_set_new(o, "opens_at", open ? json_null() : encode_time(opens));
	size_t n = floor_waiting(engine_floor(e), s);
	uint32_t *handles = xmalloc((n ? n : 1) * sizeof(*handles));
	n = floor_queue(engine_floor(e), s, handles, n);
	json_t *q = json_array();
	for (size_t i = 0; i < n; i++) {
		struct floor_ticket_info ti;
		if (floor_ticket_get(engine_floor(e), handles[i], now_ms, &ti) != 0)
			continue;
		json_t *t = json_object();
		json_object_set_new(t, "number", encode_number(e, ti.first_service, ti.number));
		json_object_set_new(t, "priority", json_string(proto_priority_name(ti.priority)));
		json_object_set_new(t, "queued_at", encode_time(ti.queued_ms));
		json_array_append_new(q, t);
	}
	free(handles);
	json_object_set_new(o, "queue", q);
	return o;
}

json_t *encode_snapshot(const struct engine *e, const struct config_display *display, uint64_t mask,
			int64_t now_ms)
{
	const struct config *cfg = engine_config(e);
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("snapshot"));
	json_object_set_new(o, "protocol", json_string(PROTO_VERSION));
	json_object_set_new(o, "seq", json_integer((json_int_t)floor_seq(engine_floor(e))));
	int32_t day = floor_day(engine_floor(e));
	if (day == 0) {
		struct floor_clock c = engine_clock(e);
		day = c.day;
	}
	json_object_set_new(o, "day", encode_day(day));
	json_object_set_new(o, "server_time", encode_time(now_ms));
	json_object_set_new(o, "floor", encode_floor_info(e));
	if (display) {
		json_t *d = json_object();
		json_object_set_new(d, "id", json_string(display->id));
		json_object_set_new(d, "name", json_string(display->name));
		json_object_set_new(d, "services", encode_service_ids(e, display->services));
		json_t *langs = json_array();
		for (size_t i = 0; i < display->nlanguages; i++)
			json_array_append_new(langs, json_string(display->languages[i]));
		json_object_set_new(d, "languages", langs);
		json_object_set_new(o, "display", d);
	}
	json_t *services = json_array();
	for (size_t i = 0; i < cfg->nservices; i++)
		if (mask & (UINT64_C(1) << i))
			json_array_append_new(services, encode_service(e, (int)i, now_ms));
	json_object_set_new(o, "services", services);
	json_t *counters = json_array();
	for (size_t i = 0; i < cfg->ncounters; i++)
		if (mask & cfg->counters[i].services)
			json_array_append_new(counters, encode_counter(e, (int)i, now_ms));
	json_object_set_new(o, "counters", counters);
	json_t *calls = json_array();
	const struct engine_call *recent;
	size_t ncalls = engine_recent_calls(e, &recent);
	for (size_t i = 0; i < ncalls; i++) {
		const struct engine_call *c = &recent[i];
		if (!(mask & (UINT64_C(1) << c->service)))
			continue;
		json_t *t = json_object();
		json_object_set_new(t, "number", encode_number(e, c->first_service, c->number));
		json_object_set_new(t, "service", json_string(cfg->services[c->service].id));
		json_object_set_new(t, "counter",
				    c->counter >= 0 ? json_string(cfg->counters[c->counter].id)
						    : json_null());
		json_object_set_new(t, "at", encode_time(c->at_ms));
		json_object_set_new(t, "recall", json_boolean(c->recall));
		json_array_append_new(calls, t);
	}
	json_object_set_new(o, "calls", calls);
	return o;
}

json_t *encode_error(const char *code, const char *message, const char *field)
{
	json_t *err = json_object();
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", json_string(message ? message : code));
	if (field)
		json_object_set_new(err, "field", json_string(field));
	json_t *o = json_object();
	json_object_set_new(o, "error", err);
	return o;
}

char *encode_dump(json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		fatal("json_dumps failed");
	if (len)
		*len = strlen(s);
	return s;
}
