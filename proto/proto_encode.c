/*
 * proto_encode.c — the torg.v1 encoders (see proto_encode.h and PROTOCOL.md): jansson
 * objects built field by field in the protocol's order and dumped compactly,
 * except for the messages of the hot paths (skip, resume, a phone's ticket
 * status), which are printed straight into a buffer.
 */
#include "proto_encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"

void proto_format_time(int64_t ms, char *buf, size_t len)
{
	/* seconds rounded down and the milliseconds into them, without overflow at INT64_MIN */
	time_t s = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	if (frac < 0) {
		s--;
		frac += 1000;
	}
	struct tm tm;
	if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		/* out of ISO-8601's four-digit years: never a made-up date */
		snprintf(buf, len, "%s",
			 ms < 0 ? "0000-01-01T00:00:00.000Z" : "9999-12-31T23:59:59.999Z");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

json_t *proto_time(int64_t ms)
{
	if (ms == 0)
		return json_null();
	char buf[32];
	proto_format_time(ms, buf, sizeof(buf));
	return json_string(buf);
}

void proto_format_day(int32_t day, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", (int)(day / 10000), (int)(day / 100 % 100),
		 (int)(day % 100));
}

/* A string, or null for NULL. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *proto_ids_json(struct proto_ids ids)
{
	json_t *a = json_array();
	for (size_t i = 0; i < ids.n; i++)
		json_array_append_new(a, json_string(ids.v[i]));
	return a;
}

json_t *proto_texts_json(struct proto_texts t)
{
	json_t *o = json_object();
	for (size_t i = 0; i < t.n; i++)
		json_object_set_new(o, t.v[i].lang, json_string(t.v[i].text));
	return o;
}

json_t *proto_encode_error_body(const char *code, const char *message, const char *field)
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

json_t *proto_encode_error_msg(const char *code, const char *message, const char *field)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(proto_msg_name(PROTO_MSG_ERROR)));
	json_t *body = proto_encode_error_body(code, message, field);
	json_object_update(o, body);
	json_decref(body);
	return o;
}

json_t *proto_encode_reply(int64_t id, bool ok, json_t *body)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(proto_msg_name(PROTO_MSG_REPLY)));
	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "ok", json_boolean(ok));
	if (body && ok)
		json_object_update(o, body);
	else if (body)
		json_object_set(o, "error", json_object_get(body, "error"));
	json_decref(body);
	return o;
}

char *proto_encode_resume(uint64_t since, uint64_t seq, size_t *len)
{
	char *s = xasprintf("{\"type\":\"%s\",\"since\":%llu,\"seq\":%llu}",
			    proto_msg_name(PROTO_MSG_RESUME), (unsigned long long)since,
			    (unsigned long long)seq);
	if (len)
		*len = strlen(s);
	return s;
}

size_t proto_encode_skip(char *buf, size_t cap, uint64_t seq)
{
	int n = snprintf(buf, cap, "{\"type\":\"%s\",\"seq\":%llu}", proto_msg_name(PROTO_MSG_SKIP),
			 (unsigned long long)seq);
	return n < 0 ? 0 : (size_t)n;
}

/* Appends s to buf[*at..cap) as a JSON string (quoted and escaped), or null for NULL;
 * *at counts what it would need when cap runs out. */
static void put_str(char *buf, size_t cap, size_t *at, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[8];
	const char *v = s ? "\"" : "null";
	size_t n = strlen(v);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++, (*at)++)
			if (*at < cap)
				buf[*at] = v[i];
		if (!s || pass == 1)
			break;
		for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
			size_t k = 0;
			if (*p == '"' || *p == '\\') {
				tmp[k++] = '\\';
				tmp[k++] = (char)*p;
			} else if (*p < 0x20) {
				memcpy(tmp, "\\u00", 4);
				k = 4;
				tmp[k++] = hex[*p >> 4];
				tmp[k++] = hex[*p & 15];
			} else {
				tmp[k++] = (char)*p;
			}
			for (size_t i = 0; i < k; i++, (*at)++)
				if (*at < cap)
					buf[*at] = tmp[i];
		}
	}
}

/* Appends the literal text s to buf[*at..cap), counting past cap. */
static void put_raw(char *buf, size_t cap, size_t *at, const char *s)
{
	for (; *s; s++, (*at)++)
		if (*at < cap)
			buf[*at] = *s;
}

/* Appends ",\"key\":" and the integer v. */
static void put_int(char *buf, size_t cap, size_t *at, const char *key, long long v)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ",\"%s\":%lld", key, v);
	put_raw(buf, cap, at, tmp);
}

size_t proto_encode_ticket_status(char *buf, size_t cap, const struct proto_ticket_status *st)
{
	size_t at = 0;
	char head[64];
	snprintf(head, sizeof(head), "{\"type\":\"%s\",\"seq\":%llu,\"ticket\":{",
		 proto_msg_name(PROTO_MSG_TICKET), (unsigned long long)st->seq);
	put_raw(buf, cap, &at, head);
	if (st->gone) {
		put_raw(buf, cap, &at, "\"state\":");
		put_str(buf, cap, &at, proto_state_name(PROTO_STATE_CANCELLED));
	} else {
		put_raw(buf, cap, &at, "\"number\":");
		put_str(buf, cap, &at, st->number);
		put_raw(buf, cap, &at, ",\"service\":");
		put_str(buf, cap, &at, st->service);
		put_raw(buf, cap, &at, ",\"state\":");
		put_str(buf, cap, &at, proto_state_name(st->state));
		put_int(buf, cap, &at, "leg", st->leg);
		put_int(buf, cap, &at, "position", st->position);
		put_int(buf, cap, &at, "eta_s", st->eta_s);
		put_raw(buf, cap, &at, ",\"counter\":");
		put_str(buf, cap, &at, st->counter);
	}
	put_raw(buf, cap, &at, "}}");
	if (at < cap)
		buf[at] = '\0';
	else if (cap)
		buf[cap - 1] = '\0';
	return at;
}

/* Sets key to s, leaving the key out for NULL (jansson's json_string(NULL) is NULL, which
 * json_object_set_new refuses): the strings the protocol always has, and those it leaves
 * out when absent. */
static void set_str(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, json_string(s));
}

/* The four queue figures, as both an event's queue entry and a snapshot's service have
 * them. */
static void set_queue_figs(json_t *o, const struct proto_queue *q)
{
	json_object_set_new(o, "waiting", json_integer(q->waiting));
	json_object_set_new(o, "eta_s", json_integer(q->eta_s));
	json_object_set_new(o, "longest_wait_s", json_integer(q->longest_wait_s));
	json_object_set_new(o, "counters_open", json_integer(q->counters_open));
}

json_t *proto_encode_queue(const struct proto_queue *q)
{
	json_t *o = json_object();
	set_str(o, "service", q->service);
	set_queue_figs(o, q);
	return o;
}

/* One leg of a visit. */
static json_t *encode_leg(const struct proto_leg *l)
{
	json_t *o = json_object();
	set_str(o, "service", l->service);
	json_object_set_new(o, "queued_at", proto_time(l->queued_ms));
	json_object_set_new(o, "called_at", proto_time(l->called_ms));
	json_object_set_new(o, "started_at", proto_time(l->started_ms));
	json_object_set_new(o, "ended_at", proto_time(l->ended_ms));
	json_object_set_new(o, "wait_s", json_integer(l->wait_s));
	json_object_set_new(o, "outcome", str_or_null(proto_outcome_name(l->state, l->handed_on)));
	return o;
}

json_t *proto_encode_ticket(const struct proto_ticket *t)
{
	json_t *o = json_object();
	if (t->flags & PROTO_TICKET_HOLDER) {
		char *url = t->lang ? xasprintf("/t/%s?lang=%s", t->id, t->lang)
				    : xasprintf("/t/%s", t->id);
		set_str(o, "id", t->id);
		set_str(o, "url", url);
		free(url);
	}
	set_str(o, "number", t->number);
	set_str(o, "service", t->service);
	set_str(o, "state", proto_state_name(t->state));
	json_object_set_new(o, "leg", json_integer(t->leg));
	set_str(o, "priority", proto_priority_name(t->priority));
	if (t->flags & PROTO_TICKET_HOLDER) {
		json_object_set_new(o, "position", json_integer(t->position));
		json_object_set_new(o, "eta_s", json_integer(t->eta_s));
		json_object_set_new(o, "counter", str_or_null(t->counter));
		json_object_set_new(o, "issued_at", proto_time(t->issued_ms));
		if (t->lang)
			set_str(o, "lang", t->lang);
	}
	if (t->flags & PROTO_TICKET_LEGS) {
		if (!(t->flags & PROTO_TICKET_HOLDER))
			json_object_set_new(o, "issued_at", proto_time(t->issued_ms));
		json_t *a = json_array();
		for (size_t i = 0; i < t->nlegs; i++)
			json_array_append_new(a, encode_leg(&t->legs[i]));
		json_object_set_new(o, "legs", a);
	}
	return o;
}

/* A counter's current ticket. */
static json_t *encode_current(const struct proto_current *c)
{
	json_t *o = json_object();
	set_str(o, "number", c->number);
	set_str(o, "service", c->service);
	set_str(o, "state", proto_state_name(c->state));
	json_object_set_new(o, "leg", json_integer(c->leg));
	json_object_set_new(o, "called_at", proto_time(c->called_ms));
	json_object_set_new(o, "started_at", proto_time(c->started_ms));
	return o;
}

json_t *proto_encode_counter(const struct proto_counter *c)
{
	json_t *o = json_object();
	set_str(o, "id", c->id);
	json_object_set_new(o, "name", proto_texts_json(c->name));
	set_str(o, "kind", c->kind);
	json_object_set_new(o, "open", json_boolean(c->open));
	json_object_set_new(o, "services", proto_ids_json(c->services));
	json_object_set_new(o, "gives", proto_ids_json(c->gives));
	json_object_set_new(o, "current", c->current ? encode_current(c->current) : json_null());
	return o;
}

json_t *proto_encode_user(const struct proto_user *u)
{
	json_t *o = json_object();
	set_str(o, "name", u->name);
	set_str(o, "role", u->role);
	json_object_set_new(o, "services", proto_ids_json(u->services));
	return o;
}

json_t *proto_encode_service_closed(const char *message, int64_t opens_ms)
{
	json_t *o = proto_encode_error_body("service_closed", message, NULL);
	json_object_set_new(json_object_get(o, "error"), "opens_at", proto_time(opens_ms));
	return o;
}

char *proto_encode_event(const struct proto_event *ev, size_t *len)
{
	char day[16];
	json_t *o = json_object();
	set_str(o, "type", proto_msg_name(PROTO_MSG_EVENT));
	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	set_str(o, "kind", proto_event_name(ev->kind));
	json_object_set_new(o, "at", proto_time(ev->at_ms));
	if (proto_event_has_ticket(ev->kind)) {
		json_object_set_new(o, "ticket",
				    ev->ticket ? proto_encode_ticket(ev->ticket) : json_null());
		set_str(o, "counter", ev->counter);
		if (ev->kind == PROTO_EV_TRANSFERRED) {
			set_str(o, "from", ev->from);
			set_str(o, "to", ev->to);
			set_str(o, "position", proto_position_name(ev->front));
		}
		if (ev->kind == PROTO_EV_CANCELLED)
			set_str(o, "reason", proto_reason_name(ev->reason));
	} else if (ev->kind == PROTO_EV_COUNTER_OPENED) {
		set_str(o, "counter", ev->counter);
		json_object_set_new(o, "services", proto_ids_json(ev->services));
	} else if (ev->kind == PROTO_EV_COUNTER_CLOSED) {
		set_str(o, "counter", ev->counter);
		set_str(o, "reason", proto_reason_name(ev->reason));
	} else if (ev->kind == PROTO_EV_DAY) {
		proto_format_day(ev->day, day, sizeof(day));
		set_str(o, "day", day);
	}
	json_t *queues = json_array();
	for (size_t i = 0; i < ev->nqueues; i++)
		json_array_append_new(queues, proto_encode_queue(&ev->queues[i]));
	json_object_set_new(o, "queues", queues);
	return proto_dump(o, len);
}

/* One service of a snapshot, its figures inline and its queue in call order. */
static json_t *encode_service(const struct proto_service *s)
{
	json_t *o = json_object();
	set_str(o, "id", s->id);
	set_queue_figs(o, &s->queue_figs);
	set_str(o, "prefix", s->prefix);
	json_object_set_new(o, "name", proto_texts_json(s->name));
	set_str(o, "icon", s->icon);
	json_object_set_new(o, "target_wait_s", json_integer(s->target_wait_s));
	json_object_set_new(o, "open", json_boolean(s->open));
	json_object_set_new(o, "opens_at", s->open ? json_null() : proto_time(s->opens_at_ms));
	json_t *q = json_array();
	for (size_t i = 0; i < s->nqueue; i++) {
		const struct proto_queued *w = &s->queue[i];
		json_t *t = json_object();
		set_str(t, "number", w->number);
		set_str(t, "priority", proto_priority_name(w->priority));
		json_object_set_new(t, "queued_at", proto_time(w->queued_ms));
		json_array_append_new(q, t);
	}
	json_object_set_new(o, "queue", q);
	return o;
}

/* One of a snapshot's newest calls. */
static json_t *encode_call(const struct proto_call *c)
{
	json_t *o = json_object();
	set_str(o, "number", c->number);
	set_str(o, "service", c->service);
	json_object_set_new(o, "counter", str_or_null(c->counter));
	json_object_set_new(o, "at", proto_time(c->at_ms));
	json_object_set_new(o, "recall", json_boolean(c->recall));
	return o;
}

json_t *proto_encode_snapshot(const struct proto_snapshot *s)
{
	char day[16];
	proto_format_day(s->day, day, sizeof(day));
	json_t *o = json_object();
	set_str(o, "type", proto_msg_name(PROTO_MSG_SNAPSHOT));
	set_str(o, "protocol", PROTO_VERSION);
	json_object_set_new(o, "seq", json_integer((json_int_t)s->seq));
	set_str(o, "day", day);
	json_object_set_new(o, "server_time", proto_time(s->server_ms));
	json_t *f = json_object();
	set_str(f, "id", s->floor_id);
	json_object_set_new(f, "name", proto_texts_json(s->floor_name));
	set_str(f, "timezone", s->timezone);
	json_object_set_new(f, "languages", proto_ids_json(s->languages));
	json_object_set_new(o, "floor", f);
	if (s->display) {
		json_t *d = json_object();
		set_str(d, "id", s->display->id);
		set_str(d, "name", s->display->name);
		json_object_set_new(d, "services", proto_ids_json(s->display->services));
		json_object_set_new(d, "languages", proto_ids_json(s->display->languages));
		json_object_set_new(o, "display", d);
	}
	json_t *a = json_array();
	for (size_t i = 0; i < s->nservices; i++)
		json_array_append_new(a, encode_service(&s->services[i]));
	json_object_set_new(o, "services", a);
	a = json_array();
	for (size_t i = 0; i < s->ncounters; i++)
		json_array_append_new(a, proto_encode_counter(&s->counters[i]));
	json_object_set_new(o, "counters", a);
	a = json_array();
	for (size_t i = 0; i < s->ncalls; i++)
		json_array_append_new(a, encode_call(&s->calls[i]));
	json_object_set_new(o, "calls", a);
	return o;
}

char *proto_encode_hello(const struct proto_hello_out *h, size_t *len)
{
	json_t *o = json_object();
	/* the client's message names are proto.c's parser's; names.h has the server's */
	set_str(o, "type", proto_msg_name(PROTO_MSG_HELLO));
	if (h->has_since)
		json_object_set_new(o, "since", json_integer((json_int_t)h->since));
	if (h->services.n)
		json_object_set_new(o, "services", proto_ids_json(h->services));
	set_str(o, "display", h->display);
	set_str(o, "ticket", h->ticket);
	set_str(o, "token", h->token);
	return proto_dump(o, len);
}

json_t *proto_encode_ticket_answer(const struct proto_ticket *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "ticket", t ? proto_encode_ticket(t) : json_null());
	return o;
}

json_t *proto_encode_counter_answer(const struct proto_counter *c, const struct proto_ticket *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "counter", proto_encode_counter(c));
	if (t)
		json_object_set_new(o, "ticket", proto_encode_ticket(t));
	return o;
}

json_t *proto_encode_login_answer(const char *token, int64_t expires_ms, const struct proto_user *u)
{
	json_t *o = json_object();
	set_str(o, "token", token);
	json_object_set_new(o, "expires_at", proto_time(expires_ms));
	json_object_set_new(o, "user", proto_encode_user(u));
	return o;
}

json_t *proto_encode_me_answer(const struct proto_user *u)
{
	json_t *o = json_object();
	json_object_set_new(o, "user", proto_encode_user(u));
	return o;
}

json_t *proto_encode_health(const char *version, uint64_t seq)
{
	json_t *o = json_object();
	set_str(o, "status", "ok");
	set_str(o, "version", version);
	set_str(o, "protocol", PROTO_VERSION);
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	return o;
}

char *proto_dump(json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s) {
		fputs("fatal: json_dumps failed (out of memory)\n", stderr);
		abort();
	}
	if (len)
		*len = strlen(s);
	return s;
}
