/* board.c: the client-side board model (see board.h). A frame is loaded with jansson and
 * applied to a working copy of the board, message by message; only when every message
 * was well formed does the copy replace the board, so a malformed frame changes nothing.
 * Reading is strict about the fields PROTOCOL.md says are always there (types, shapes,
 * lengths) and lenient about everything else: unknown fields, message types and event
 * kinds are ignored, as the protocol asks of clients. Strings are copied with control
 * characters (C0, DEL and C1) replaced by '?', so nothing read can steer a terminal. */
#include "board.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Allocates n bytes (at least one) or aborts. */
static void *b_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* Allocates a zeroed array of n elements of size bytes or aborts. */
static void *b_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

/* Duplicates s (NULL gives NULL) or aborts. */
static char *b_strdup(const char *s)
{
	if (!s)
		return NULL;
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

/* Copies valid UTF-8 s, replacing C0 controls, DEL and C1 controls (U+0080..U+009F)
 * with '?'; returns the malloc'd copy. */
static char *clean_strdup(const char *s)
{
	size_t n = strlen(s);
	char *out = b_malloc(n + 1), *o = out;
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
static int fail(char **cause, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char **cause, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	char *msg = NULL;
	if (asprintf(&msg, "%s: %s", path, text) < 0)
		abort();
	free(text);
	free(*cause);
	*cause = msg;
	return -EINVAL;
}

/* Returns a human name for a JSON value's type; "missing" for NULL. */
static const char *type_name(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "value";
}

/* Where a read is: the JSON path of the object read from ("[2].services[0]"). */
struct at {
	const char *path;
};

/* Formats "<obj path>.<key>" into buf. */
static const char *key_path(char *buf, size_t len, const char *path, const char *key)
{
	snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key);
	return buf;
}

/* Reads string field key of obj into *out (malloc'd, cleaned). A missing or null field
 * gives NULL when optional. Returns 0 or -EINVAL with *cause. */
static int get_str(json_t *obj, const char *key, bool optional, const char *path, char **out,
		   char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (optional && (!v || json_is_null(v)))
		return 0;
	if (!json_is_string(v))
		return fail(cause, key_path(p, sizeof(p), path, key), "expected a string, got %s",
			    type_name(v));
	size_t n = json_string_length(v);
	if (n == 0 || n > PROTO_BOARD_MAX_STRING)
		return fail(cause, key_path(p, sizeof(p), path, key),
			    "expected 1 to %d bytes, got %zu", PROTO_BOARD_MAX_STRING, n);
	*out = clean_strdup(json_string_value(v));
	return 0;
}

/* Reads integer field key of obj (>= min) into *out. Returns 0 or -EINVAL with *cause. */
static int get_int(json_t *obj, const char *key, int64_t min, const char *path, int64_t *out,
		   char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return fail(cause, key_path(p, sizeof(p), path, key), "expected an integer, got %s",
			    type_name(v));
	if (json_integer_value(v) < min)
		return fail(cause, key_path(p, sizeof(p), path, key),
			    "expected an integer >= %lld, got %lld", (long long)min,
			    (long long)json_integer_value(v));
	*out = json_integer_value(v);
	return 0;
}

/* Reads boolean field key of obj into *out; a missing one gives dflt when optional. */
static int get_bool(json_t *obj, const char *key, bool optional, bool dflt, const char *path,
		    bool *out, char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	if (!v && optional) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v))
		return fail(cause, key_path(p, sizeof(p), path, key), "expected a boolean, got %s",
			    type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* Frees the names and zeroes them. */
static void names_clear(struct proto_board_names *n)
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
static int get_names(json_t *obj, const char *key, const char *path, struct proto_board_names *out,
		     char **cause)
{
	char p[160];
	json_t *v = json_object_get(obj, key);
	memset(out, 0, sizeof(*out));
	if (!v || json_is_null(v))
		return 0;
	key_path(p, sizeof(p), path, key);
	if (!json_is_object(v))
		return fail(cause, p, "expected an object, got %s", type_name(v));
	size_t n = json_object_size(v);
	if (n > PROTO_BOARD_MAX_NAMES)
		return fail(cause, p, "more than %d languages", PROTO_BOARD_MAX_NAMES);
	out->lang = b_calloc(n, sizeof(char *));
	out->text = b_calloc(n, sizeof(char *));
	const char *lang;
	json_t *t;
	json_object_foreach(v, lang, t)
	{
		if (strlen(lang) == 0 || strlen(lang) > 16) {
			names_clear(out);
			return fail(cause, p, "bad language tag of %zu bytes", strlen(lang));
		}
		char *text = NULL;
		if (get_str(v, lang, false, p, &text, cause) != 0) {
			names_clear(out);
			return -EINVAL;
		}
		out->lang[out->n] = clean_strdup(lang);
		out->text[out->n++] = text;
	}
	return 0;
}

/* Reads string array field key of obj (optional) into a malloc'd vector. */
static int get_str_array(json_t *obj, const char *key, const char *path, char ***out, size_t *n,
			 char **cause)
{
	char p[160], ip[192];
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	key_path(p, sizeof(p), path, key);
	if (!json_is_array(v))
		return fail(cause, p, "expected an array, got %s", type_name(v));
	if (json_array_size(v) > PROTO_BOARD_MAX_SERVICES)
		return fail(cause, p, "more than %d entries", PROTO_BOARD_MAX_SERVICES);
	char **vec = b_calloc(json_array_size(v), sizeof(char *));
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
			return fail(cause, ip, "expected a non-empty string, got %s", type_name(s));
		}
		vec[i] = clean_strdup(json_string_value(s));
	}
	*out = vec;
	*n = json_array_size(v);
	return 0;
}

/* Frees a string vector. */
static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Frees what a call owns and zeroes it. */
static void call_clear(struct proto_board_call *c)
{
	free(c->number);
	free(c->service);
	free(c->counter);
	free(c->at);
	memset(c, 0, sizeof(*c));
}

/* Returns a deep copy of c. */
static struct proto_board_call call_copy(const struct proto_board_call *c)
{
	struct proto_board_call d = {b_strdup(c->number), b_strdup(c->service),
				     b_strdup(c->counter), b_strdup(c->at), c->recall};
	return d;
}

/* Frees what a service owns. */
static void service_clear(struct proto_board_service *s)
{
	free(s->id);
	free(s->prefix);
	names_clear(&s->name);
}

/* Frees what a counter owns. */
static void counter_clear(struct proto_board_counter *c)
{
	free(c->id);
	names_clear(&c->name);
	free(c->current);
	free(c->current_service);
}

void proto_board_init(struct proto_board *b)
{
	memset(b, 0, sizeof(*b));
}

void proto_board_close(struct proto_board *b)
{
	free(b->day);
	free(b->floor_id);
	names_clear(&b->floor_name);
	strv_free(b->languages, b->nlanguages);
	free(b->display_id);
	free(b->display_name);
	for (size_t i = 0; i < b->nservices; i++)
		service_clear(&b->services[i]);
	free(b->services);
	for (size_t i = 0; i < b->ncounters; i++)
		counter_clear(&b->counters[i]);
	free(b->counters);
	for (size_t i = 0; i < b->ncalls; i++)
		call_clear(&b->calls[i]);
	proto_board_init(b);
}

/* Returns a deep copy of names. */
static struct proto_board_names names_copy(const struct proto_board_names *n)
{
	struct proto_board_names d = {0};
	if (n->n == 0)
		return d;
	d.n = n->n;
	d.lang = b_calloc(n->n, sizeof(char *));
	d.text = b_calloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		d.lang[i] = b_strdup(n->lang[i]);
		d.text[i] = b_strdup(n->text[i]);
	}
	return d;
}

/* Makes *d a deep copy of *s (d uninitialised). */
static void board_copy(struct proto_board *d, const struct proto_board *s)
{
	proto_board_init(d);
	d->have_base = s->have_base;
	d->seq = s->seq;
	d->day = b_strdup(s->day);
	d->floor_id = b_strdup(s->floor_id);
	d->floor_name = names_copy(&s->floor_name);
	d->nlanguages = s->nlanguages;
	d->languages = s->nlanguages ? b_calloc(s->nlanguages, sizeof(char *)) : NULL;
	for (size_t i = 0; i < s->nlanguages; i++)
		d->languages[i] = b_strdup(s->languages[i]);
	d->display_id = b_strdup(s->display_id);
	d->display_name = b_strdup(s->display_name);
	d->nservices = s->nservices;
	d->services = s->nservices ? b_calloc(s->nservices, sizeof(*d->services)) : NULL;
	for (size_t i = 0; i < s->nservices; i++) {
		d->services[i] = s->services[i];
		d->services[i].id = b_strdup(s->services[i].id);
		d->services[i].prefix = b_strdup(s->services[i].prefix);
		d->services[i].name = names_copy(&s->services[i].name);
	}
	d->ncounters = s->ncounters;
	d->counters = s->ncounters ? b_calloc(s->ncounters, sizeof(*d->counters)) : NULL;
	for (size_t i = 0; i < s->ncounters; i++) {
		d->counters[i] = s->counters[i];
		d->counters[i].id = b_strdup(s->counters[i].id);
		d->counters[i].name = names_copy(&s->counters[i].name);
		d->counters[i].current = b_strdup(s->counters[i].current);
		d->counters[i].current_service = b_strdup(s->counters[i].current_service);
	}
	d->ncalls = s->ncalls;
	for (size_t i = 0; i < s->ncalls; i++)
		d->calls[i] = call_copy(&s->calls[i]);
}

/* Finds the service with this id (mutable), or NULL. */
static struct proto_board_service *find_service(struct proto_board *b, const char *id)
{
	for (size_t i = 0; i < b->nservices; i++)
		if (!strcmp(b->services[i].id, id))
			return &b->services[i];
	return NULL;
}

/* Finds the counter with this id (mutable), or NULL. */
static struct proto_board_counter *find_counter(struct proto_board *b, const char *id)
{
	for (size_t i = 0; i < b->ncounters; i++)
		if (!strcmp(b->counters[i].id, id))
			return &b->counters[i];
	return NULL;
}

const struct proto_board_service *proto_board_service(const struct proto_board *b, const char *id)
{
	return find_service((struct proto_board *)b, id);
}

const struct proto_board_counter *proto_board_counter(const struct proto_board *b, const char *id)
{
	return find_counter((struct proto_board *)b, id);
}

const char *proto_board_name(const struct proto_board_names *n, const char *lang,
			     const char *fallback)
{
	for (size_t i = 0; lang && i < n->n; i++)
		if (!strcmp(n->lang[i], lang))
			return n->text[i];
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->lang[i], "en"))
			return n->text[i];
	return n->n ? n->text[0] : fallback;
}

/* Sets a counter's current ticket (number NULL: none). */
static void counter_set_current(struct proto_board_counter *c, const char *number,
				const char *service, bool serving)
{
	free(c->current);
	free(c->current_service);
	c->current = b_strdup(number);
	c->current_service = number ? b_strdup(service) : NULL;
	c->serving = number ? serving : false;
}

/* Reads a call object (snapshot calls[i]) into *c. */
static int read_call(json_t *o, const char *path, struct proto_board_call *c, char **cause)
{
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return fail(cause, path, "expected an object, got %s", type_name(o));
	if (get_str(o, "number", false, path, &c->number, cause) ||
	    get_str(o, "service", false, path, &c->service, cause) ||
	    get_str(o, "counter", true, path, &c->counter, cause) ||
	    get_str(o, "at", true, path, &c->at, cause) ||
	    get_bool(o, "recall", true, false, path, &c->recall, cause)) {
		call_clear(c);
		return -EINVAL;
	}
	return 0;
}

/* Reads a snapshot service object into *s. */
static int read_service(json_t *o, const char *path, struct proto_board_service *s, char **cause)
{
	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		return fail(cause, path, "expected an object, got %s", type_name(o));
	if (get_str(o, "id", false, path, &s->id, cause) ||
	    get_str(o, "prefix", false, path, &s->prefix, cause) ||
	    get_names(o, "name", path, &s->name, cause) ||
	    get_bool(o, "open", true, true, path, &s->open, cause) ||
	    get_int(o, "waiting", 0, path, &s->waiting, cause) ||
	    get_int(o, "eta_s", -1, path, &s->eta_s, cause) ||
	    get_int(o, "longest_wait_s", 0, path, &s->longest_wait_s, cause) ||
	    get_int(o, "counters_open", 0, path, &s->counters_open, cause)) {
		service_clear(s);
		return -EINVAL;
	}
	return 0;
}

/* Reads a snapshot counter object into *c. */
static int read_counter(json_t *o, const char *path, struct proto_board_counter *c, char **cause)
{
	char p[160];
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return fail(cause, path, "expected an object, got %s", type_name(o));
	if (get_str(o, "id", false, path, &c->id, cause) ||
	    get_names(o, "name", path, &c->name, cause) ||
	    get_bool(o, "open", false, false, path, &c->open, cause))
		goto fail;
	json_t *cur = json_object_get(o, "current");
	if (cur && !json_is_null(cur)) {
		key_path(p, sizeof(p), path, "current");
		char *state = NULL;
		if (!json_is_object(cur)) {
			fail(cause, p, "expected an object or null, got %s", type_name(cur));
			goto fail;
		}
		if (get_str(cur, "number", false, p, &c->current, cause) ||
		    get_str(cur, "service", false, p, &c->current_service, cause) ||
		    get_str(cur, "state", true, p, &state, cause))
			goto fail;
		c->serving = state && !strcmp(state, "serving");
		free(state);
	}
	return 0;
fail:
	counter_clear(c);
	memset(c, 0, sizeof(*c));
	return -EINVAL;
}

/* Reads array field key of obj (required, at most max entries) with reader into a new
 * vector of elem-sized entries; clear frees one entry. */
static int read_array(json_t *obj, const char *key, size_t max, size_t elem,
		      int (*reader)(json_t *, const char *, void *, char **), void (*clear)(void *),
		      void **out, size_t *n, char **cause)
{
	char p[160];
	json_t *a = json_object_get(obj, key);
	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return fail(cause, key, "expected an array, got %s", type_name(a));
	if (json_array_size(a) > max)
		return fail(cause, key, "more than %zu entries", max);
	char *vec = b_calloc(json_array_size(a), elem);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		snprintf(p, sizeof(p), "%s[%zu]", key, i);
		if (reader(v, p, vec + i * elem, cause) != 0) {
			for (size_t j = 0; j < i; j++)
				clear(vec + j * elem);
			free(vec);
			return -EINVAL;
		}
	}
	*out = vec;
	*n = json_array_size(a);
	return 0;
}

/* Type-erased readers and clearers for read_array. */
static int read_service_v(json_t *o, const char *p, void *s, char **c)
{
	return read_service(o, p, s, c);
}
static int read_counter_v(json_t *o, const char *p, void *s, char **c)
{
	return read_counter(o, p, s, c);
}
static void service_clear_v(void *s)
{
	service_clear(s);
}
static void counter_clear_v(void *c)
{
	counter_clear(c);
}

/* Returns true when two entries of a vector share an id (services or counters). */
static bool duplicate_ids(const void *vec, size_t n, size_t elem, size_t id_off)
{
	const char *base = vec;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(*(char *const *)(base + i * elem + id_off),
				    *(char *const *)(base + j * elem + id_off)))
				return true;
	return false;
}

/* Replaces the whole of *b with snapshot o. */
static int apply_snapshot(struct proto_board *b, json_t *o, char **cause)
{
	struct proto_board n;
	int64_t seq = 0;
	proto_board_init(&n);
	void *vec = NULL;
	if (get_int(o, "seq", 0, "", &seq, cause) || get_str(o, "day", true, "", &n.day, cause))
		goto fail;
	json_t *floor = json_object_get(o, "floor"), *disp = json_object_get(o, "display");
	if (floor && !json_is_null(floor)) {
		if (!json_is_object(floor)) {
			fail(cause, "floor", "expected an object, got %s", type_name(floor));
			goto fail;
		}
		if (get_str(floor, "id", true, "floor", &n.floor_id, cause) ||
		    get_names(floor, "name", "floor", &n.floor_name, cause) ||
		    get_str_array(floor, "languages", "floor", &n.languages, &n.nlanguages, cause))
			goto fail;
	}
	if (disp && !json_is_null(disp)) {
		char **langs = NULL;
		size_t nl = 0;
		if (!json_is_object(disp)) {
			fail(cause, "display", "expected an object, got %s", type_name(disp));
			goto fail;
		}
		if (get_str(disp, "id", false, "display", &n.display_id, cause) ||
		    get_str(disp, "name", true, "display", &n.display_name, cause) ||
		    get_str_array(disp, "languages", "display", &langs, &nl, cause))
			goto fail;
		if (nl) {
			strv_free(n.languages, n.nlanguages);
			n.languages = langs;
			n.nlanguages = nl;
		} else {
			free(langs);
		}
	}
	if (read_array(o, "services", PROTO_BOARD_MAX_SERVICES, sizeof(*n.services), read_service_v,
		       service_clear_v, &vec, &n.nservices, cause))
		goto fail;
	n.services = vec;
	if (duplicate_ids(n.services, n.nservices, sizeof(*n.services),
			  offsetof(struct proto_board_service, id))) {
		fail(cause, "services", "two services with the same id");
		goto fail;
	}
	if (read_array(o, "counters", PROTO_BOARD_MAX_COUNTERS, sizeof(*n.counters), read_counter_v,
		       counter_clear_v, &vec, &n.ncounters, cause))
		goto fail;
	n.counters = vec;
	if (duplicate_ids(n.counters, n.ncounters, sizeof(*n.counters),
			  offsetof(struct proto_board_counter, id))) {
		fail(cause, "counters", "two counters with the same id");
		goto fail;
	}
	json_t *calls = json_object_get(o, "calls"), *c;
	size_t i;
	if (!json_is_array(calls)) {
		fail(cause, "calls", "expected an array, got %s", type_name(calls));
		goto fail;
	}
	json_array_foreach(calls, i, c)
	{
		char p[32];
		struct proto_board_call call;
		snprintf(p, sizeof(p), "calls[%zu]", i);
		if (read_call(c, p, &call, cause))
			goto fail;
		if (n.ncalls < PROTO_BOARD_MAX_CALLS)
			n.calls[n.ncalls++] = call;
		else
			call_clear(&call);
	}
	n.seq = (uint64_t)seq;
	n.have_base = true;
	proto_board_close(b);
	*b = n;
	return 0;
fail:
	proto_board_close(&n);
	return -EINVAL;
}

/* Applies an event's queues array (services not on the board are ignored). */
static int apply_queues(struct proto_board *b, json_t *o, char **cause)
{
	json_t *qs = json_object_get(o, "queues"), *q;
	size_t i;
	if (!qs || json_is_null(qs))
		return 0;
	if (!json_is_array(qs))
		return fail(cause, "queues", "expected an array, got %s", type_name(qs));
	json_array_foreach(qs, i, q)
	{
		char p[32], *id = NULL;
		int64_t waiting, eta, longest, open;
		snprintf(p, sizeof(p), "queues[%zu]", i);
		if (!json_is_object(q))
			return fail(cause, p, "expected an object, got %s", type_name(q));
		if (get_str(q, "service", false, p, &id, cause) ||
		    get_int(q, "waiting", 0, p, &waiting, cause) ||
		    get_int(q, "eta_s", -1, p, &eta, cause) ||
		    get_int(q, "longest_wait_s", 0, p, &longest, cause) ||
		    get_int(q, "counters_open", 0, p, &open, cause)) {
			free(id);
			return -EINVAL;
		}
		struct proto_board_service *s = find_service(b, id);
		free(id);
		if (s) {
			s->waiting = waiting;
			s->eta_s = eta;
			s->longest_wait_s = longest;
			s->counters_open = open;
		}
	}
	return 0;
}

/* Appends a copy of call to the result's new calls. */
static void result_add_call(struct proto_board_result *r, const struct proto_board_call *c)
{
	struct proto_board_call *v = realloc(r->calls, (r->ncalls + 1) * sizeof(*v));
	if (!v)
		abort();
	r->calls = v;
	r->calls[r->ncalls++] = call_copy(c);
}

/* Pushes call (taking ownership) to the front of the board's calls. */
static void push_call(struct proto_board *b, struct proto_board_call *call)
{
	if (b->ncalls == PROTO_BOARD_MAX_CALLS)
		call_clear(&b->calls[--b->ncalls]);
	memmove(&b->calls[1], &b->calls[0], b->ncalls * sizeof(b->calls[0]));
	b->calls[0] = *call;
	b->ncalls++;
	memset(call, 0, sizeof(*call));
}

/* Applies the kind-specific part of a ticket.* event with ticket number/service. */
static int apply_ticket_event(struct proto_board *b, json_t *o, const char *kind,
			      struct proto_board_result *r, char **cause)
{
	json_t *t = json_object_get(o, "ticket");
	char *number = NULL, *service = NULL, *counter = NULL, *at = NULL;
	int rc = -EINVAL;
	bool calls = !strcmp(kind, "ticket.called") || !strcmp(kind, "ticket.recalled");
	if (!json_is_object(t)) {
		return fail(cause, "ticket", "expected an object, got %s", type_name(t));
	}
	if (get_str(t, "number", false, "ticket", &number, cause) ||
	    get_str(t, "service", false, "ticket", &service, cause) ||
	    get_str(o, "counter", !calls && strcmp(kind, "ticket.serving"), "", &counter, cause) ||
	    get_str(o, "at", true, "", &at, cause))
		goto out;
	struct proto_board_counter *c = counter ? find_counter(b, counter) : NULL;
	if (calls) {
		struct proto_board_call call = {number, service, counter, at,
						!strcmp(kind, "ticket.recalled")};
		if (c)
			counter_set_current(c, number, service, false);
		result_add_call(r, &call);
		push_call(b, &call);
		number = service = counter = at = NULL;
	} else if (!strcmp(kind, "ticket.serving")) {
		if (c)
			counter_set_current(c, number, service, true);
	} else if (c && c->current && !strcmp(c->current, number)) {
		/* done, no_show, transferred (from this counter), cancelled while called */
		counter_set_current(c, NULL, NULL, false);
	}
	rc = 0;
out:
	free(number);
	free(service);
	free(counter);
	free(at);
	return rc;
}

/* Applies a counter.opened / counter.closed event. */
static int apply_counter_event(struct proto_board *b, json_t *o, bool opened, char **cause)
{
	char *id = NULL;
	if (get_str(o, "counter", false, "", &id, cause))
		return -EINVAL;
	struct proto_board_counter *c = find_counter(b, id);
	free(id);
	if (c) {
		c->open = opened;
		if (!opened)
			counter_set_current(c, NULL, NULL, false);
	}
	return 0;
}

/* Applies a floor.day event: a new day, no calls, no current tickets. */
static int apply_day(struct proto_board *b, json_t *o, char **cause)
{
	char *day = NULL;
	if (get_str(o, "day", false, "", &day, cause))
		return -EINVAL;
	free(b->day);
	b->day = day;
	for (size_t i = 0; i < b->ncalls; i++)
		call_clear(&b->calls[i]);
	b->ncalls = 0;
	for (size_t i = 0; i < b->ncounters; i++)
		counter_set_current(&b->counters[i], NULL, NULL, false);
	return 0;
}

/* Applies one event message. Returns 0, 1 when a gap stops the frame, or -EINVAL. */
static int apply_event(struct proto_board *b, json_t *o, struct proto_board_result *r, char **cause)
{
	int64_t seq;
	char *kind = NULL;
	if (get_int(o, "seq", 1, "", &seq, cause) || get_str(o, "kind", false, "", &kind, cause))
		return -EINVAL;
	int rc = 0;
	if (!b->have_base || (uint64_t)seq > b->seq + 1) {
		r->flags |= PROTO_BOARD_GAP;
		r->gap_seq = (uint64_t)seq;
		rc = 1;
		goto out;
	}
	if ((uint64_t)seq <= b->seq) {
		r->stale++;
		goto out;
	}
	if ((rc = apply_queues(b, o, cause)) != 0)
		goto out;
	if (!strncmp(kind, "ticket.", 7) &&
	    (!strcmp(kind + 7, "issued") || !strcmp(kind + 7, "called") ||
	     !strcmp(kind + 7, "recalled") || !strcmp(kind + 7, "serving") ||
	     !strcmp(kind + 7, "done") || !strcmp(kind + 7, "no_show") ||
	     !strcmp(kind + 7, "transferred") || !strcmp(kind + 7, "cancelled")))
		rc = apply_ticket_event(b, o, kind, r, cause);
	else if (!strcmp(kind, "counter.opened") || !strcmp(kind, "counter.closed"))
		rc = apply_counter_event(b, o, !strcmp(kind, "counter.opened"), cause);
	else if (!strcmp(kind, "floor.day"))
		rc = apply_day(b, o, cause);
	else
		r->skipped++;
	if (rc == 0) {
		b->seq = (uint64_t)seq;
		r->flags |= PROTO_BOARD_CHANGED;
	}
out:
	free(kind);
	return rc;
}

/* Applies a resume: it must continue from the board's seq, else it is a gap. */
static int apply_resume(struct proto_board *b, json_t *o, struct proto_board_result *r,
			char **cause)
{
	int64_t since, seq;
	if (get_int(o, "since", 0, "", &since, cause) || get_int(o, "seq", 0, "", &seq, cause))
		return -EINVAL;
	if (!b->have_base || (uint64_t)since != b->seq || seq < since) {
		r->flags |= PROTO_BOARD_GAP;
		r->gap_seq = (uint64_t)since;
		return 1;
	}
	r->flags |= PROTO_BOARD_RESUME;
	return 0;
}

/* Records a server error message as "code: message". */
static int apply_error(json_t *o, struct proto_board_result *r, char **cause)
{
	json_t *e = json_object_get(o, "error");
	char *code = NULL, *msg = NULL;
	if (!json_is_object(e))
		return fail(cause, "error", "expected an object, got %s", type_name(e));
	if (get_str(e, "code", false, "error", &code, cause) ||
	    get_str(e, "message", true, "error", &msg, cause)) {
		free(code);
		return -EINVAL;
	}
	free(r->error);
	if (asprintf(&r->error, "%s: %s", code, msg ? msg : code) < 0)
		abort();
	free(code);
	free(msg);
	return 0;
}

/* Applies one message object. Returns 0, 1 for a gap (stop), or -EINVAL. */
static int apply_message(struct proto_board *b, json_t *o, struct proto_board_result *r,
			 char **cause)
{
	if (!json_is_object(o))
		return fail(cause, "message", "expected an object, got %s", type_name(o));
	json_t *t = json_object_get(o, "type");
	if (!json_is_string(t))
		return fail(cause, "type", "expected a string, got %s", type_name(t));
	const char *type = json_string_value(t);
	if (!strcmp(type, "event"))
		return apply_event(b, o, r, cause);
	if (!strcmp(type, "snapshot")) {
		if (apply_snapshot(b, o, cause))
			return -EINVAL;
		r->flags |= PROTO_BOARD_SNAPSHOT | PROTO_BOARD_CHANGED;
		return 0;
	}
	if (!strcmp(type, "resume"))
		return apply_resume(b, o, r, cause);
	if (!strcmp(type, "error"))
		return apply_error(o, r, cause);
	r->skipped++;
	return 0;
}

int proto_board_apply(struct proto_board *b, const char *buf, size_t len,
		      struct proto_board_result *res, char **cause)
{
	json_error_t jerr;
	memset(res, 0, sizeof(*res));
	if (len > PROTO_BOARD_MAX_FRAME) {
		fail(cause, "frame", "%zu bytes is over the limit of %d", len,
		     PROTO_BOARD_MAX_FRAME);
		return -E2BIG;
	}
	json_t *v = json_loadb(buf ? buf : "", buf ? len : 0,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v)
		return fail(cause, "frame", "line %d, column %d: %s", jerr.line, jerr.column,
			    jerr.text);
	struct proto_board w;
	board_copy(&w, b);
	int rc = 0;
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			rc = fail(cause, "frame", "empty batch");
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m)
		{
			char *inner = NULL;
			rc = apply_message(&w, m, res, &inner);
			if (rc < 0) {
				free(*cause);
				if (asprintf(cause, "[%zu].%s", i, inner) < 0)
					abort();
			}
			free(inner);
			if (rc != 0)
				break;
		}
	} else if (json_is_object(v)) {
		rc = apply_message(&w, v, res, cause);
	} else {
		rc = fail(cause, "frame", "expected an object or an array, got %s", type_name(v));
	}
	json_decref(v);
	if (rc < 0) {
		proto_board_close(&w);
		proto_board_result_clear(res);
		return rc;
	}
	proto_board_close(b);
	*b = w;
	return 0;
}

void proto_board_result_clear(struct proto_board_result *r)
{
	for (size_t i = 0; i < r->ncalls; i++)
		call_clear(&r->calls[i]);
	free(r->calls);
	free(r->error);
	memset(r, 0, sizeof(*r));
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
		json_array_append_new(a, json_pack("{s:s,s:o,s:b,s:o,s:o,s:b}", "id", c->id, "name",
						   dump_names(&c->name), "open", c->open, "current",
						   dump_str(c->current), "service",
						   dump_str(c->current_service), "serving",
						   c->serving));
	}
	json_object_set_new(o, "calls", a = json_array());
	for (size_t i = 0; i < b->ncalls; i++) {
		const struct proto_board_call *c = &b->calls[i];
		json_array_append_new(a, json_pack("{s:s,s:s,s:o,s:o,s:b}", "number", c->number,
						   "service", c->service, "counter",
						   dump_str(c->counter), "at", dump_str(c->at),
						   "recall", c->recall));
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		abort();
	return s;
}
