/* board_read.c: the reading half of proto/board (see board.h, board_int.h): causes
 * ("<path>: <text>"), and the strict readers of JSON fields (strings cut to
 * PROTO_BOARD_MAX_STRING and cleaned of C0, DEL and C1 control characters, integers with
 * a lower bound, booleans, names per language, string arrays), plus proto_board_dump, the
 * board as JSON for tests and debugging. Allocation is proto's alloc.h. */
#include "board_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies valid UTF-8 s, replacing C0 controls, DEL and C1 controls (U+0080..U+009F)
 * with '?'; returns the malloc'd copy. */
char *board__clean_strdup(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			*o++ = '?';
			p++;
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*o++ = '?';
			p += 2;
		} else {
			*o++ = (char)*p++;
		}
	}
	*o = '\0';
	return out;
}

/* Sets *cause to "<path>: <text>" and returns -EINVAL. */
int board__fail(char **cause, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = xasprintf("%s: %s", path, text);
	free(text);
	free(*cause);
	*cause = msg;
	return -EINVAL;
}

/* Formats "<obj path>.<key>" into buf. */
const char *board__key_path(char *buf, size_t len, const char *path, const char *key)
{
	snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key);
	return buf;
}

/* Reads string field key of obj into *out (malloc'd, cleaned). A missing or null field
 * gives NULL when optional. Returns 0 or -EINVAL with *cause. */
int board__get_str(json_t *obj, const char *key, bool optional, const char *path, char **out,
		   char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (optional && (!v || json_is_null(v)))
		return 0;
	if (!json_is_string(v))
		return board__fail(cause, board__key_path(p, sizeof(p), path, key),
				   "expected a string, got %s", proto__type_name(v));
	size_t n = json_string_length(v);
	if (n == 0 || n > PROTO_BOARD_MAX_STRING)
		return board__fail(cause, board__key_path(p, sizeof(p), path, key),
				   "expected 1 to %d bytes, got %zu", PROTO_BOARD_MAX_STRING, n);
	*out = board__clean_strdup(json_string_value(v));
	return 0;
}

/* Reads integer field key of obj (>= min) into *out. Returns 0 or -EINVAL with *cause. */
int board__get_int(json_t *obj, const char *key, int64_t min, const char *path, int64_t *out,
		   char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return board__fail(cause, board__key_path(p, sizeof(p), path, key),
				   "expected an integer, got %s", proto__type_name(v));
	if (json_integer_value(v) < min)
		return board__fail(cause, board__key_path(p, sizeof(p), path, key),
				   "expected an integer >= %lld, got %lld", (long long)min,
				   (long long)json_integer_value(v));
	*out = json_integer_value(v);
	return 0;
}

/* Reads boolean field key of obj into *out; a missing one gives dflt when optional. */
int board__get_bool(json_t *obj, const char *key, bool optional, bool dflt, const char *path,
		    bool *out, char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	if (!v && optional) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v))
		return board__fail(cause, board__key_path(p, sizeof(p), path, key),
				   "expected a boolean, got %s", proto__type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* Frees the names and zeroes them. */
void board__names_clear(struct proto_board_names *n)
{
	for (size_t i = 0; i < n->n; i++) {
		free(n->lang[i]);
		free(n->text[i]);
	}
	free(n->lang);
	free(n->text);
	memset(n, 0, sizeof(*n));
}

/* Reads names field key of obj ({"nb": "..."}, optional: missing or null is empty). */
int board__get_names(json_t *obj, const char *key, const char *path, struct proto_board_names *out,
		     char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	memset(out, 0, sizeof(*out));
	if (!v || json_is_null(v))
		return 0;
	board__key_path(p, sizeof(p), path, key);
	if (!json_is_object(v))
		return board__fail(cause, p, "expected an object, got %s", proto__type_name(v));
	size_t n = json_object_size(v);
	if (n > PROTO_BOARD_MAX_NAMES)
		return board__fail(cause, p, "more than %d languages", PROTO_BOARD_MAX_NAMES);
	out->lang = xcalloc(n, sizeof(char *));
	out->text = xcalloc(n, sizeof(char *));
	const char *lang;
	json_t *t;
	json_object_foreach(v, lang, t)
	{
		if (strlen(lang) == 0 || strlen(lang) > 16) {
			board__names_clear(out);
			return board__fail(cause, p, "bad language tag of %zu bytes", strlen(lang));
		}
		char *text = NULL;
		if (board__get_str(v, lang, false, p, &text, cause) != 0) {
			board__names_clear(out);
			return -EINVAL;
		}
		out->lang[out->n] = board__clean_strdup(lang);
		out->text[out->n++] = text;
	}
	return 0;
}

/* Reads string array field key of obj (optional) into a malloc'd vector. */
int board__get_str_array(json_t *obj, const char *key, const char *path, char ***out, size_t *n,
			 char **cause)
{
	char p[160], ip[192];
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	board__key_path(p, sizeof(p), path, key);
	if (!json_is_array(v))
		return board__fail(cause, p, "expected an array, got %s", proto__type_name(v));
	if (json_array_size(v) > PROTO_BOARD_MAX_SERVICES)
		return board__fail(cause, p, "more than %d entries", PROTO_BOARD_MAX_SERVICES);
	char **vec = xcalloc(json_array_size(v), sizeof(char *));
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		snprintf(ip, sizeof(ip), "%s[%zu]", p, i);
		if (!json_is_string(s) || json_string_length(s) == 0 ||
		    json_string_length(s) > PROTO_BOARD_MAX_STRING) {
			for (size_t j = 0; j < i; j++)
				free(vec[j]);
			free(vec);
			return board__fail(cause, ip, "expected a non-empty string, got %s",
					   proto__type_name(s));
		}
		vec[i] = board__clean_strdup(json_string_value(s));
	}
	*out = vec;
	*n = json_array_size(v);
	return 0;
}

/* Frees a string vector. */
void board__strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Returns a names object as JSON. */
static json_t *dump_names(const struct proto_board_names *n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n->n; i++)
		json_object_set_new(o, n->lang[i], json_string(n->text[i]));
	return o;
}

/* Returns a string or null as JSON. */
static json_t *dump_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

char *proto_board_dump(const struct proto_board *b)
{
	json_t *o = json_object(), *a;
	json_object_set_new(o, "have_base", json_boolean(b->have_base));
	json_object_set_new(o, "seq", json_integer((json_int_t)b->seq));
	json_object_set_new(o, "day", dump_str(b->day));
	json_object_set_new(o, "floor", dump_str(b->floor_id));
	json_object_set_new(o, "floor_name", dump_names(&b->floor_name));
	json_object_set_new(o, "timezone", dump_str(b->timezone));
	json_object_set_new(o, "languages", a = json_array());
	for (size_t i = 0; i < b->nlanguages; i++)
		json_array_append_new(a, json_string(b->languages[i]));
	json_object_set_new(o, "display", dump_str(b->display_id));
	json_object_set_new(o, "display_name", dump_str(b->display_name));
	json_object_set_new(o, "services", a = json_array());
	for (size_t i = 0; i < b->nservices; i++) {
		const struct proto_board_service *s = &b->services[i];
		json_array_append_new(
		    a, json_pack("{s:s,s:s,s:o,s:b,s:I,s:I,s:I,s:I}", "id", s->id, "prefix",
				 s->prefix, "name", dump_names(&s->name), "open", s->open,
				 "waiting", (json_int_t)s->waiting, "eta_s", (json_int_t)s->eta_s,
				 "longest_wait_s", (json_int_t)s->longest_wait_s, "counters_open",
				 (json_int_t)s->counters_open));
	}
	json_object_set_new(o, "counters", a = json_array());
	for (size_t i = 0; i < b->ncounters; i++) {
		const struct proto_board_counter *c = &b->counters[i];
		json_array_append_new(
		    a, json_pack("{s:s,s:o,s:b,s:b,s:o,s:o,s:b}", "id", c->id, "name",
				 dump_names(&c->name), "open", c->open, "on_break", c->on_break,
				 "current", dump_str(c->current), "service",
				 dump_str(c->current_service), "serving", c->serving));
	}
	json_object_set_new(o, "calls", a = json_array());
	for (size_t i = 0; i < b->ncalls; i++) {
		const struct proto_board_call *c = &b->calls[i];
		json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:o,s:b}", "number", c->number,
						   "service", c->service, "counter",
						   dump_str(c->counter), "at", dump_str(c->at),
						   "recall", c->recall));
	}
	if (b->notices.today || b->notices.nmessages)
		json_object_set_new(o, "notices", board__notices_dump(&b->notices));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		abort();
	return s;
}
