/* board_notices.c: the snapshot's "notices" on the board (PROTOCOL.md, "The snapshot's
 * notices"): today's floor-wide exception to the opening hours (closed, or its spans,
 * and its note) and the screen messages with their from and until, read as strictly as
 * the rest of the board (a malformed notices object rejects the snapshot), and which of
 * the messages show at a given time. Pure: jansson only, no clock of its own. */
#include "board_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int proto_board_parse_time(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, milli = 0, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return -EINVAL;
	const char *p = s + n;
	if (*p == '.') {
		int k = 0;
		if (sscanf(p, ".%3d%n", &milli, &k) != 1 || k != 4)
			return -EINVAL;
		p += k;
	}
	if (strcmp(p, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -EINVAL;
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + sec * 1000 + milli;
	return 0;
}

/* Reads a {lang: text} object of texts up to PROTO_BOARD_MAX_TEXT bytes (cleaned). */
static int read_texts(json_t *v, const char *path, struct proto_board_names *out, char **cause)
{
	const char *lang;
	json_t *t;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(v))
		return board__fail(cause, path, "expected an object, got %s", proto__type_name(v));
	if (json_object_size(v) > PROTO_BOARD_MAX_NAMES)
		return board__fail(cause, path, "more than %d languages", PROTO_BOARD_MAX_NAMES);
	out->lang = xcalloc(json_object_size(v) + 1, sizeof(char *));
	out->text = xcalloc(json_object_size(v) + 1, sizeof(char *));
	json_object_foreach(v, lang, t)
	{
		size_t len = json_is_string(t) ? json_string_length(t) : 0;
		if (!*lang || strlen(lang) > 16 || len == 0 || len > PROTO_BOARD_MAX_TEXT) {
			board__names_clear(out);
			return board__fail(cause, path,
					   "a text that is not 1 to %d bytes of a language",
					   PROTO_BOARD_MAX_TEXT);
		}
		out->lang[out->n] = board__clean_strdup(lang);
		out->text[out->n++] = board__clean_strdup(json_string_value(t));
	}
	return 0;
}

/* Reads time field key of o (null: 0) into *ms. */
static int read_time(json_t *o, const char *key, const char *path, int64_t *ms, char **cause)
{
	char *s = NULL, p[96];
	*ms = 0;
	if (board__get_str(o, key, true, path, &s, cause))
		return -EINVAL;
	int rc = s && proto_board_parse_time(s, ms) != 0;
	free(s);
	if (rc)
		return board__fail(cause, board__key_path(p, sizeof(p), path, key),
				   "not an ISO-8601 UTC time");
	return 0;
}

/* Reads notices.messages[i] into *m. */
static int read_message(json_t *o, const char *path, struct proto_board_message *m, char **cause)
{
	char p[96];
	memset(m, 0, sizeof(*m));
	if (!json_is_object(o))
		return board__fail(cause, path, "expected an object, got %s", proto__type_name(o));
	if (board__get_str(o, "id", false, path, &m->id, cause) ||
	    read_texts(json_object_get(o, "text"), board__key_path(p, sizeof(p), path, "text"),
		       &m->text, cause) ||
	    read_time(o, "from", path, &m->from_ms, cause) ||
	    read_time(o, "until", path, &m->until_ms, cause))
		return -EINVAL;
	return 0;
}

/* Reads notices.today (null: none) into *n. */
static int read_today(json_t *x, struct proto_board_notices *n, char **cause)
{
	const char *path = "notices.today";
	if (!x || json_is_null(x))
		return 0;
	if (!json_is_object(x))
		return board__fail(cause, path, "expected an object, got %s", proto__type_name(x));
	json_t *hours = json_object_get(x, "hours"), *span;
	size_t i;
	if (board__get_bool(x, "closed", false, false, path, &n->today_closed, cause))
		return -EINVAL;
	if (!json_is_array(hours) || json_array_size(hours) > 8)
		return board__fail(cause, "notices.today.hours", "expected an array of spans");
	char buf[8 * 16] = "";
	json_array_foreach(hours, i, span)
	{
		const char *a = json_string_value(json_array_get(span, 0)),
			   *b = json_string_value(json_array_get(span, 1));
		if (!a || !b || strlen(a) != 5 || strlen(b) != 5)
			return board__fail(cause, "notices.today.hours",
					   "expected [\"HH:MM\", \"HH:MM\"]");
		size_t at = strlen(buf);
		snprintf(buf + at, sizeof(buf) - at, "%s%s-%s", i ? ", " : "", a, b);
	}
	json_t *note = json_object_get(x, "note");
	if (note && !json_is_null(note) &&
	    read_texts(note, "notices.today.note", &n->today_note, cause))
		return -EINVAL;
	n->today = true;
	n->today_hours = n->today_closed ? NULL : board__clean_strdup(buf);
	return 0;
}

int board__read_notices(json_t *snap, struct proto_board_notices *out, char **cause)
{
	json_t *o = json_object_get(snap, "notices"), *msgs, *m;
	size_t i;
	memset(out, 0, sizeof(*out));
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return board__fail(cause, "notices", "expected an object, got %s",
				   proto__type_name(o));
	msgs = json_object_get(o, "messages");
	if (msgs && !json_is_array(msgs))
		return board__fail(cause, "notices.messages", "expected an array, got %s",
				   proto__type_name(msgs));
	if (json_array_size(msgs) > PROTO_BOARD_MAX_MESSAGES)
		return board__fail(cause, "notices.messages", "more than %d messages",
				   PROTO_BOARD_MAX_MESSAGES);
	if (read_today(json_object_get(o, "today"), out, cause))
		goto fail;
	out->messages = xcalloc(json_array_size(msgs) + 1, sizeof(*out->messages));
	json_array_foreach(msgs, i, m)
	{
		char p[48];
		snprintf(p, sizeof(p), "notices.messages[%zu]", i);
		out->nmessages = i + 1;
		if (read_message(m, p, &out->messages[i], cause))
			goto fail;
	}
	return 0;
fail:
	board__notices_clear(out);
	return -EINVAL;
}

/* A deep copy of names. */
static struct proto_board_names names_dup(const struct proto_board_names *n)
{
	struct proto_board_names d = {0};
	if (!n->n)
		return d;
	d.lang = xcalloc(n->n, sizeof(char *));
	d.text = xcalloc(n->n, sizeof(char *));
	for (d.n = 0; d.n < n->n; d.n++) {
		d.lang[d.n] = xstrdup(n->lang[d.n]);
		d.text[d.n] = xstrdup(n->text[d.n]);
	}
	return d;
}

void board__notices_copy(struct proto_board_notices *d, const struct proto_board_notices *s)
{
	*d = *s;
	d->today_hours = s->today_hours ? xstrdup(s->today_hours) : NULL;
	d->today_note = names_dup(&s->today_note);
	d->messages = s->nmessages ? xcalloc(s->nmessages, sizeof(*d->messages)) : NULL;
	for (size_t i = 0; i < s->nmessages; i++) {
		d->messages[i] = s->messages[i];
		d->messages[i].id = xstrdup(s->messages[i].id);
		d->messages[i].text = names_dup(&s->messages[i].text);
	}
}

void board__notices_clear(struct proto_board_notices *n)
{
	free(n->today_hours);
	board__names_clear(&n->today_note);
	for (size_t i = 0; i < n->nmessages; i++) {
		free(n->messages[i].id);
		board__names_clear(&n->messages[i].text);
	}
	free(n->messages);
	memset(n, 0, sizeof(*n));
}

size_t proto_board_messages_at(const struct proto_board *b, int64_t now_ms,
			       const struct proto_board_message **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < b->notices.nmessages && k < max; i++) {
		const struct proto_board_message *m = &b->notices.messages[i];
		if ((!m->from_ms || m->from_ms <= now_ms) && (!m->until_ms || now_ms < m->until_ms))
			out[k++] = m;
	}
	return k;
}

/* Names as a JSON object. */
static json_t *names_json(const struct proto_board_names *n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n->n; i++)
		json_object_set_new(o, n->lang[i], json_string(n->text[i]));
	return o;
}

json_t *board__notices_dump(const struct proto_board_notices *n)
{
	json_t *o = json_object(), *a = json_array();
	json_object_set_new(o, "today", json_boolean(n->today));
	json_object_set_new(o, "closed", json_boolean(n->today_closed));
	json_object_set_new(o, "hours", n->today_hours ? json_string(n->today_hours) : json_null());
	json_object_set_new(o, "note", names_json(&n->today_note));
	for (size_t i = 0; i < n->nmessages; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:I,s:I}", "id", n->messages[i].id,
						   "text", names_json(&n->messages[i].text), "from",
						   (json_int_t)n->messages[i].from_ms, "until",
						   (json_int_t)n->messages[i].until_ms));
	json_object_set_new(o, "messages", a);
	return o;
}
