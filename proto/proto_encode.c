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
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)s * 1000);
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
