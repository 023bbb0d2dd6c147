/*
 * proto_encode.c — the torg.v1 encoders (see proto_encode.h and PROTOCOL.md). What is made
 * for every operation (events, snapshots, the ticket and counter answers, replies, skip,
 * resume, a phone's ticket status) is written straight into a buffer in the protocol's
 * field order; the rest (errors, sign-in, health, hello) are jansson objects built field
 * by field and dumped compactly.
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
	if (len < 25) { /* the documented size is not there: an empty string, never less */
		if (len)
			buf[0] = '\0';
		return;
	}
	/* by hand: every event and answer has a time, and printf's cost is most of it */
	const struct {
		int v, width;
		char after;
	} parts[] = {{tm.tm_year + 1900, 4, '-'},
		     {tm.tm_mon + 1, 2, '-'},
		     {tm.tm_mday, 2, 'T'},
		     {tm.tm_hour, 2, ':'},
		     {tm.tm_min, 2, ':'},
		     {tm.tm_sec, 2, '.'},
		     {frac, 3, 'Z'}};
	char *p = buf;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		for (int k = parts[i].width - 1, v = parts[i].v; k >= 0; k--, v /= 10)
			p[k] = (char)('0' + v % 10);
		p += parts[i].width;
		*p++ = parts[i].after;
	}
	*p = '\0';
}

static json_t *proto_time(int64_t ms)
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

static json_t *proto_ids_json(struct proto_ids ids)
{
	json_t *a = json_array();
	for (size_t i = 0; i < ids.n; i++)
		json_array_append_new(a, json_string(ids.v[i]));
	return a;
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

/* Appends the literal text s to buf[*at..cap), counting past cap. */
static void put_raw(char *buf, size_t cap, size_t *at, const char *s)
{
	for (; *s; s++, (*at)++)
		if (*at < cap)
			buf[*at] = *s;
}

/* Writes s into dst as a JSON string, quoted and escaped ('"', '\\' and the control
 * characters; the rest, UTF-8 included, as it is); dst has room for ESCAPED_MAX(strlen(s)).
 * Returns the length written. Runs that need no escape are copied whole. */
#define ESCAPED_MAX(n) (2 + 6 * (n))
static size_t escape_into(char *dst, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *d = dst;
	*d++ = '"';
	for (const unsigned char *p = (const unsigned char *)s;;) {
		const unsigned char *run = p;
		while (*p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		memcpy(d, run, (size_t)(p - run));
		d += p - run;
		if (!*p)
			break;
		*d++ = '\\';
		if (*p == '"' || *p == '\\') {
			*d++ = (char)*p;
		} else {
			memcpy(d, "u00", 3);
			d[3] = hex[*p >> 4];
			d[4] = hex[*p & 15];
			d += 5;
		}
		p++;
	}
	*d++ = '"';
	return (size_t)(d - dst);
}

/* Appends s to buf[*at..cap) as a JSON string (quoted and escaped), or null for NULL;
 * *at counts what it would need when cap runs out. */
static void put_str(char *buf, size_t cap, size_t *at, const char *s)
{
	if (!s) {
		put_raw(buf, cap, at, "null");
		return;
	}
	size_t worst = ESCAPED_MAX(strlen(s));
	if (*at < cap && worst <= cap - *at) {
		*at += escape_into(buf + *at, s);
		return;
	}
	/* may not fit (never with the sizes the callers give): escape aside, copy what fits */
	char *tmp = xmalloc(worst);
	size_t n = escape_into(tmp, s);
	for (size_t i = 0; i < n; i++, (*at)++)
		if (*at < cap)
			buf[*at] = tmp[i];
	free(tmp);
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
 * json_object_set_new refuses). */
static void set_str(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, json_string(s));
}

/* ---- the writer of the hot paths ----
 * Events, snapshots and the ticket and counter answers are written straight into one
 * growing buffer, in the protocol's field order: a jansson tree costs an allocation per
 * key, value and string, and these are made for every operation. A comma goes before a
 * key or an array element unless the last byte opened an object or array or ended a
 * key. */
struct jw {
	char *buf;
	size_t len, cap;
};

/* Room for n more bytes and a NUL. */
static void jw_room(struct jw *w, size_t n)
{
	if (w->len + n + 1 <= w->cap)
		return;
	size_t cap = w->cap ? w->cap : 512;
	while (cap < w->len + n + 1)
		cap *= 2;
	w->buf = xrealloc(w->buf, cap);
	w->cap = cap;
}

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	jw_room(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* The comma before a key or an element, when one is due. */
static void jw_sep(struct jw *w)
{
	if (w->len == 0)
		return;
	char last = w->buf[w->len - 1];
	if (last != '{' && last != '[' && last != ':')
		jw_raw(w, ",", 1);
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	jw_raw(w, &c, 1);
}

static void jw_close(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
}

/* "key": (keys are the protocol's literals, never escaped). */
static void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	size_t n = strlen(key);
	jw_room(w, n + 3);
	w->buf[w->len++] = '"';
	memcpy(w->buf + w->len, key, n);
	w->len += n;
	w->buf[w->len++] = '"';
	w->buf[w->len++] = ':';
}

/* A string, quoted and escaped (escape_into), or null for NULL. */
static void jw_str(struct jw *w, const char *s)
{
	jw_sep(w);
	if (!s) {
		jw_raw(w, "null", 4);
		return;
	}
	jw_room(w, ESCAPED_MAX(strlen(s)));
	w->len += escape_into(w->buf + w->len, s);
}

static void jw_int(struct jw *w, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	/* digits from the end, through the unsigned magnitude (LLONG_MIN has no positive) */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	jw_sep(w);
	jw_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

/* A time as proto_time has it: null for 0, else the ISO-8601 string. */
static void jw_time(struct jw *w, int64_t ms)
{
	char buf[32];
	if (ms == 0) {
		jw_sep(w);
		jw_raw(w, "null", 4);
		return;
	}
	proto_format_time(ms, buf, sizeof(buf));
	jw_str(w, buf);
}

/* "key": s, the key left out for NULL (as set_str). */
static void jw_kstr(struct jw *w, const char *key, const char *s)
{
	if (!s)
		return;
	jw_key(w, key);
	jw_str(w, s);
}

/* "key": s, null for NULL. */
static void jw_knull(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

static void jw_kint(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

static void jw_ids(struct jw *w, const char *key, struct proto_ids ids)
{
	jw_key(w, key);
	jw_open(w, '[');
	for (size_t i = 0; i < ids.n; i++)
		jw_str(w, ids.v[i]);
	jw_close(w, ']');
}

static void jw_texts(struct jw *w, const char *key, struct proto_texts t)
{
	jw_key(w, key);
	jw_open(w, '{');
	for (size_t i = 0; i < t.n; i++)
		jw_kstr(w, t.v[i].lang, t.v[i].text);
	jw_close(w, '}');
}

/* The finished text (the writer's buffer, NUL-terminated) and its length. */
static char *jw_done(struct jw *w, size_t *len)
{
	jw_room(w, 0);
	w->buf[w->len] = '\0';
	if (len)
		*len = w->len;
	return w->buf;
}

/* The four queue figures, as both an event's queue entry and a snapshot's service have
 * them. */
static void put_queue_figs(struct jw *w, const struct proto_queue *q)
{
	jw_kint(w, "waiting", q->waiting);
	jw_kint(w, "eta_s", q->eta_s);
	jw_kint(w, "longest_wait_s", q->longest_wait_s);
	jw_kint(w, "counters_open", q->counters_open);
}

static void put_queue(struct jw *w, const struct proto_queue *q)
{
	jw_open(w, '{');
	jw_kstr(w, "service", q->service);
	put_queue_figs(w, q);
	jw_close(w, '}');
}

char *proto_encode_queue(const struct proto_queue *q, size_t *len)
{
	struct jw w = {0};
	put_queue(&w, q);
	return jw_done(&w, len);
}

/* One leg of a visit. */
static void put_leg(struct jw *w, const struct proto_leg *l)
{
	jw_open(w, '{');
	jw_kstr(w, "service", l->service);
	jw_key(w, "queued_at");
	jw_time(w, l->queued_ms);
	jw_key(w, "called_at");
	jw_time(w, l->called_ms);
	jw_key(w, "started_at");
	jw_time(w, l->started_ms);
	jw_key(w, "ended_at");
	jw_time(w, l->ended_ms);
	jw_kint(w, "wait_s", l->wait_s);
	jw_knull(w, "outcome", proto_outcome_name(l->state, l->handed_on));
	jw_close(w, '}');
}

static void put_ticket(struct jw *w, const struct proto_ticket *t)
{
	jw_open(w, '{');
	if (t->flags & PROTO_TICKET_HOLDER) {
		char url[160];
		if (t->lang)
			snprintf(url, sizeof(url), "/t/%s?lang=%s", t->id, t->lang);
		else
			snprintf(url, sizeof(url), "/t/%s", t->id);
		jw_kstr(w, "id", t->id);
		jw_kstr(w, "url", url);
	}
	jw_kstr(w, "number", t->number);
	jw_kstr(w, "service", t->service);
	jw_kstr(w, "state", proto_state_name(t->state));
	jw_kint(w, "leg", t->leg);
	jw_kstr(w, "priority", proto_priority_name(t->priority));
	if (t->flags & PROTO_TICKET_HOLDER) {
		jw_kint(w, "position", t->position);
		jw_kint(w, "eta_s", t->eta_s);
		jw_knull(w, "counter", t->counter);
		jw_key(w, "issued_at");
		jw_time(w, t->issued_ms);
		jw_kstr(w, "lang", t->lang);
	}
	if (t->flags & PROTO_TICKET_LEGS) {
		if (!(t->flags & PROTO_TICKET_HOLDER)) {
			jw_key(w, "issued_at");
			jw_time(w, t->issued_ms);
		}
		jw_key(w, "legs");
		jw_open(w, '[');
		for (size_t i = 0; i < t->nlegs; i++)
			put_leg(w, &t->legs[i]);
		jw_close(w, ']');
	}
	jw_close(w, '}');
}

char *proto_encode_ticket(const struct proto_ticket *t, size_t *len)
{
	struct jw w = {0};
	put_ticket(&w, t);
	return jw_done(&w, len);
}

/* A counter's current ticket. */
static void put_current(struct jw *w, const struct proto_current *c)
{
	jw_open(w, '{');
	jw_kstr(w, "number", c->number);
	jw_kstr(w, "service", c->service);
	jw_kstr(w, "state", proto_state_name(c->state));
	jw_kint(w, "leg", c->leg);
	jw_key(w, "called_at");
	jw_time(w, c->called_ms);
	jw_key(w, "started_at");
	jw_time(w, c->started_ms);
	jw_close(w, '}');
}

static void put_counter(struct jw *w, const struct proto_counter *c)
{
	jw_open(w, '{');
	jw_kstr(w, "id", c->id);
	jw_texts(w, "name", c->name);
	jw_kstr(w, "kind", c->kind);
	jw_key(w, "open");
	jw_bool(w, c->open);
	jw_key(w, "on_break");
	jw_bool(w, c->on_break);
	jw_key(w, "break_since");
	jw_time(w, c->on_break ? c->break_ms : 0);
	jw_ids(w, "services", c->services);
	jw_ids(w, "gives", c->gives);
	if (c->retired) {
		jw_key(w, "retired");
		jw_bool(w, true);
	}
	jw_key(w, "current");
	if (c->current)
		put_current(w, c->current);
	else
		jw_str(w, NULL);
	jw_close(w, '}');
}

json_t *proto_encode_user(const struct proto_user *u)
{
	json_t *o = json_object();
	set_str(o, "name", u->name);
	set_str(o, "role", u->role);
	json_object_set_new(o, "services", proto_ids_json(u->services));
	return o;
}

json_t *proto_encode_service_closed(const char *message, int64_t opens_ms, struct proto_texts note)
{
	json_t *o = proto_encode_error_body("service_closed", message, NULL);
	json_t *err = json_object_get(o, "error");
	json_object_set_new(err, "opens_at", proto_time(opens_ms));
	if (note.n) {
		json_t *n = json_object();
		for (size_t i = 0; i < note.n; i++)
			json_object_set_new(n, note.v[i].lang, json_string(note.v[i].text));
		json_object_set_new(err, "note", n);
	}
	return o;
}

char *proto_encode_event(const struct proto_event *ev, size_t *len)
{
	char day[16];
	struct jw w = {0};
	jw_open(&w, '{');
	jw_kstr(&w, "type", proto_msg_name(PROTO_MSG_EVENT));
	jw_kint(&w, "seq", (long long)ev->seq);
	jw_kstr(&w, "kind", proto_event_name(ev->kind));
	jw_key(&w, "at");
	jw_time(&w, ev->at_ms);
	if (proto_event_has_ticket(ev->kind)) {
		jw_key(&w, "ticket");
		if (ev->ticket)
			put_ticket(&w, ev->ticket);
		else
			jw_str(&w, NULL);
		jw_kstr(&w, "counter", ev->counter);
		if (ev->kind == PROTO_EV_TRANSFERRED) {
			jw_kstr(&w, "from", ev->from);
			jw_kstr(&w, "to", ev->to);
			jw_kstr(&w, "position", proto_position_name(ev->front));
		}
		if (ev->kind == PROTO_EV_CANCELLED)
			jw_kstr(&w, "reason", proto_reason_name(ev->reason));
	} else if (ev->kind == PROTO_EV_COUNTER_OPENED) {
		jw_kstr(&w, "counter", ev->counter);
		jw_ids(&w, "services", ev->services);
	} else if (ev->kind == PROTO_EV_COUNTER_CLOSED) {
		jw_kstr(&w, "counter", ev->counter);
		jw_kstr(&w, "reason", proto_reason_name(ev->reason));
	} else if (ev->kind == PROTO_EV_COUNTER_BREAK || ev->kind == PROTO_EV_COUNTER_BACK) {
		jw_kstr(&w, "counter", ev->counter);
	} else if (ev->kind == PROTO_EV_DAY) {
		proto_format_day(ev->day, day, sizeof(day));
		jw_kstr(&w, "day", day);
	} else if (ev->kind == PROTO_EV_CONFIG) {
		jw_ids(&w, "changed", ev->services);
	}
	jw_key(&w, "queues");
	jw_open(&w, '[');
	for (size_t i = 0; i < ev->nqueues; i++)
		put_queue(&w, &ev->queues[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	return jw_done(&w, len);
}

/* One service of a snapshot, its figures inline and its queue in call order. */
static void put_service(struct jw *w, const struct proto_service *s)
{
	jw_open(w, '{');
	jw_kstr(w, "id", s->id);
	put_queue_figs(w, &s->queue_figs);
	jw_kstr(w, "prefix", s->prefix);
	jw_texts(w, "name", s->name);
	jw_kstr(w, "icon", s->icon);
	jw_kint(w, "target_wait_s", s->target_wait_s);
	if (s->retired) {
		jw_key(w, "retired");
		jw_bool(w, true);
	}
	jw_key(w, "open");
	jw_bool(w, s->open);
	jw_key(w, "opens_at");
	jw_time(w, s->open ? 0 : s->opens_at_ms);
	jw_key(w, "queue");
	jw_open(w, '[');
	for (size_t i = 0; i < s->nqueue; i++) {
		const struct proto_queued *q = &s->queue[i];
		jw_open(w, '{');
		jw_kstr(w, "number", q->number);
		jw_kstr(w, "priority", proto_priority_name(q->priority));
		jw_key(w, "queued_at");
		jw_time(w, q->queued_ms);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

/* One of a snapshot's newest calls. */
static void put_call(struct jw *w, const struct proto_call *c)
{
	jw_open(w, '{');
	jw_kstr(w, "number", c->number);
	jw_kstr(w, "service", c->service);
	jw_knull(w, "counter", c->counter);
	jw_key(w, "at");
	jw_time(w, c->at_ms);
	jw_key(w, "recall");
	jw_bool(w, c->recall);
	jw_close(w, '}');
}

/* A display's language mode, logo and colours, each left out when unset. */
static void put_display_look(struct jw *w, const struct proto_display *d)
{
	jw_kstr(w, "language_mode", d->language_mode);
	jw_kstr(w, "logo", d->logo);
	if (!d->background && !d->foreground && !d->accent)
		return;
	jw_key(w, "colors");
	jw_open(w, '{');
	jw_kstr(w, "background", d->background);
	jw_kstr(w, "foreground", d->foreground);
	jw_kstr(w, "accent", d->accent);
	jw_close(w, '}');
}

/* "HH:MM" of a minute of the day (0..1440). */
static void jw_hhmm(struct jw *w, int minute)
{
	char buf[8];
	if (minute < 0 || minute > 1440)
		minute = 0;
	snprintf(buf, sizeof(buf), "%02d:%02d", minute / 60, minute % 60);
	jw_str(w, buf);
}

/* A notices exception: {"from", "to", "closed", "hours", "services", "note"}. */
static void put_exception(struct jw *w, const struct proto_exception *x)
{
	char day[16];
	jw_open(w, '{');
	proto_format_day(x->from, day, sizeof(day));
	jw_kstr(w, "from", day);
	proto_format_day(x->to, day, sizeof(day));
	jw_kstr(w, "to", day);
	jw_key(w, "closed");
	jw_bool(w, x->nspans == 0);
	jw_key(w, "hours");
	jw_open(w, '[');
	for (size_t i = 0; i < x->nspans; i++) {
		jw_open(w, '[');
		jw_hhmm(w, x->spans[i].open);
		jw_hhmm(w, x->spans[i].close);
		jw_close(w, ']');
	}
	jw_close(w, ']');
	if (x->services.n)
		jw_ids(w, "services", x->services);
	else
		jw_knull(w, "services", NULL);
	if (x->note.n)
		jw_texts(w, "note", x->note);
	else
		jw_knull(w, "note", NULL);
	jw_close(w, '}');
}

/* The snapshot's "notices". */
static void put_notices(struct jw *w, const struct proto_notices *n)
{
	jw_key(w, "notices");
	jw_open(w, '{');
	jw_key(w, "today");
	if (n->today)
		put_exception(w, n->today);
	else
		jw_str(w, NULL);
	jw_key(w, "upcoming");
	jw_open(w, '[');
	for (size_t i = 0; i < n->nupcoming; i++)
		put_exception(w, &n->upcoming[i]);
	jw_close(w, ']');
	jw_key(w, "messages");
	jw_open(w, '[');
	for (size_t i = 0; i < n->nmessages; i++) {
		const struct proto_message *m = &n->messages[i];
		jw_open(w, '{');
		jw_kstr(w, "id", m->id);
		jw_texts(w, "text", m->text);
		jw_key(w, "from");
		jw_time(w, m->from_ms);
		jw_key(w, "until");
		jw_time(w, m->until_ms);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

char *proto_encode_snapshot(const struct proto_snapshot *s, size_t *len)
{
	char day[16];
	proto_format_day(s->day, day, sizeof(day));
	struct jw w = {0};
	jw_open(&w, '{');
	jw_kstr(&w, "type", proto_msg_name(PROTO_MSG_SNAPSHOT));
	jw_kstr(&w, "protocol", PROTO_VERSION);
	jw_kint(&w, "seq", (long long)s->seq);
	jw_kstr(&w, "day", day);
	jw_key(&w, "server_time");
	jw_time(&w, s->server_ms);
	jw_key(&w, "floor");
	jw_open(&w, '{');
	jw_kstr(&w, "id", s->floor_id);
	jw_texts(&w, "name", s->floor_name);
	jw_kstr(&w, "timezone", s->timezone);
	jw_ids(&w, "languages", s->languages);
	jw_kint(&w, "kiosk_idle_s", s->kiosk_idle_s);
	jw_close(&w, '}');
	if (s->display) {
		jw_key(&w, "display");
		jw_open(&w, '{');
		jw_kstr(&w, "id", s->display->id);
		jw_kstr(&w, "name", s->display->name);
		jw_ids(&w, "services", s->display->services);
		jw_ids(&w, "languages", s->display->languages);
		put_display_look(&w, s->display);
		if (s->display->announce.n)
			jw_ids(&w, "announce", s->display->announce);
		jw_close(&w, '}');
	}
	jw_key(&w, "services");
	jw_open(&w, '[');
	for (size_t i = 0; i < s->nservices; i++)
		put_service(&w, &s->services[i]);
	jw_close(&w, ']');
	jw_key(&w, "counters");
	jw_open(&w, '[');
	for (size_t i = 0; i < s->ncounters; i++)
		put_counter(&w, &s->counters[i]);
	jw_close(&w, ']');
	jw_key(&w, "calls");
	jw_open(&w, '[');
	for (size_t i = 0; i < s->ncalls; i++)
		put_call(&w, &s->calls[i]);
	jw_close(&w, ']');
	if (s->notices)
		put_notices(&w, s->notices);
	jw_close(&w, '}');
	return jw_done(&w, len);
}

char *proto_encode_ticket_answer(const struct proto_ticket *t, size_t *len)
{
	struct jw w = {0};
	jw_open(&w, '{');
	jw_key(&w, "ticket");
	if (t)
		put_ticket(&w, t);
	else
		jw_str(&w, NULL);
	jw_close(&w, '}');
	return jw_done(&w, len);
}

char *proto_encode_counter_answer(const struct proto_counter *c, const struct proto_ticket *t,
				  size_t *len)
{
	struct jw w = {0};
	jw_open(&w, '{');
	jw_key(&w, "counter");
	put_counter(&w, c);
	if (t) {
		jw_key(&w, "ticket");
		put_ticket(&w, t);
	}
	jw_close(&w, '}');
	return jw_done(&w, len);
}

char *proto_encode_reply(int64_t id, bool ok, char *body, size_t *len)
{
	struct jw w = {0};
	jw_open(&w, '{');
	jw_kstr(&w, "type", proto_msg_name(PROTO_MSG_REPLY));
	jw_kint(&w, "id", (long long)id);
	jw_key(&w, "ok");
	jw_bool(&w, ok);
	/* the body's fields follow ok's: an object's text without its opening brace */
	size_t n = body ? strlen(body) : 0;
	if (n > 2 && body[0] == '{') {
		jw_raw(&w, ",", 1);
		jw_raw(&w, body + 1, n - 1);
	} else {
		jw_close(&w, '}');
	}
	free(body);
	return jw_done(&w, len);
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

json_t *proto_encode_login_answer(const char *token, int64_t expires_ms, const struct proto_user *u)
{
	json_t *o = json_object();
	set_str(o, "token", token);
	json_object_set_new(o, "expires_at", proto_time(expires_ms));
	json_object_set_new(o, "user", proto_encode_user(u));
	return o;
}

json_t *proto_encode_me_answer(const struct proto_user *u, const char *counter)
{
	json_t *o = json_object();
	json_object_set_new(o, "user", proto_encode_user(u));
	json_object_set_new(o, "counter", counter ? json_string(counter) : json_null());
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
