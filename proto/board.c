/* board.c: the client-side board model (see board.h). A frame is loaded with jansson and
 * applied to a working copy of the board, message by message; only when every message
 * was well formed does the copy replace the board, so a malformed frame changes nothing.
 * Reading is strict about the fields PROTOCOL.md says are always there (types, shapes,
 * lengths) and lenient about everything else: unknown fields, message types and event
 * kinds are ignored, as the protocol asks of clients. An event must follow the board's seq
 * by exactly one; a filtered session's skip moves that seq up over the events it was not
 * sent, so only a jump no skip explains is a gap. Strings are copied with control
 * characters (C0, DEL and C1) replaced by '?', so nothing read can steer a terminal. The
 * field readers and the dump are in board_read.c. */
#include "board_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "names.h"

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
	struct proto_board_call d = {xstrdup(c->number), xstrdup(c->service), xstrdup(c->counter),
				     xstrdup(c->at), c->recall};
	return d;
}

/* Frees what a service owns. */
static void service_clear(struct proto_board_service *s)
{
	free(s->id);
	free(s->prefix);
	board__names_clear(&s->name);
}

/* Frees what a counter owns. */
static void counter_clear(struct proto_board_counter *c)
{
	free(c->id);
	board__names_clear(&c->name);
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
	free(b->timezone);
	board__names_clear(&b->floor_name);
	board__strv_free(b->languages, b->nlanguages);
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
	board__notices_clear(&b->notices);
	proto_board_init(b);
}

/* Returns a deep copy of names. */
static struct proto_board_names names_copy(const struct proto_board_names *n)
{
	struct proto_board_names d = {0};
	if (n->n == 0)
		return d;
	d.n = n->n;
	d.lang = xcalloc(n->n, sizeof(char *));
	d.text = xcalloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		d.lang[i] = xstrdup(n->lang[i]);
		d.text[i] = xstrdup(n->text[i]);
	}
	return d;
}

/* Makes *d a deep copy of *s (d uninitialised). */
static void board_copy(struct proto_board *d, const struct proto_board *s)
{
	proto_board_init(d);
	d->have_base = s->have_base;
	d->seq = s->seq;
	d->day = xstrdup(s->day);
	d->floor_id = xstrdup(s->floor_id);
	d->floor_name = names_copy(&s->floor_name);
	d->timezone = xstrdup(s->timezone);
	d->nlanguages = s->nlanguages;
	d->languages = s->nlanguages ? xcalloc(s->nlanguages, sizeof(char *)) : NULL;
	for (size_t i = 0; i < s->nlanguages; i++)
		d->languages[i] = xstrdup(s->languages[i]);
	d->display_id = xstrdup(s->display_id);
	d->display_name = xstrdup(s->display_name);
	d->nservices = s->nservices;
	d->services = s->nservices ? xcalloc(s->nservices, sizeof(*d->services)) : NULL;
	for (size_t i = 0; i < s->nservices; i++) {
		d->services[i] = s->services[i];
		d->services[i].id = xstrdup(s->services[i].id);
		d->services[i].prefix = xstrdup(s->services[i].prefix);
		d->services[i].name = names_copy(&s->services[i].name);
	}
	d->ncounters = s->ncounters;
	d->counters = s->ncounters ? xcalloc(s->ncounters, sizeof(*d->counters)) : NULL;
	for (size_t i = 0; i < s->ncounters; i++) {
		d->counters[i] = s->counters[i];
		d->counters[i].id = xstrdup(s->counters[i].id);
		d->counters[i].name = names_copy(&s->counters[i].name);
		d->counters[i].current = xstrdup(s->counters[i].current);
		d->counters[i].current_service = xstrdup(s->counters[i].current_service);
	}
	d->ncalls = s->ncalls;
	for (size_t i = 0; i < s->ncalls; i++)
		d->calls[i] = call_copy(&s->calls[i]);
	d->server_ms = s->server_ms;
	board__notices_copy(&d->notices, &s->notices);
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
	c->current = xstrdup(number);
	c->current_service = number ? xstrdup(service) : NULL;
	c->serving = number ? serving : false;
}

/* Reads a call object (snapshot calls[i]) into *c. */
static int read_call(json_t *o, const char *path, struct proto_board_call *c, char **cause)
{
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return board__fail(cause, path, "expected an object, got %s", proto__type_name(o));
	if (board__get_str(o, "number", false, path, &c->number, cause) ||
	    board__get_str(o, "service", false, path, &c->service, cause) ||
	    board__get_str(o, "counter", true, path, &c->counter, cause) ||
	    board__get_str(o, "at", true, path, &c->at, cause) ||
	    board__get_bool(o, "recall", true, false, path, &c->recall, cause)) {
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
		return board__fail(cause, path, "expected an object, got %s", proto__type_name(o));
	if (board__get_str(o, "id", false, path, &s->id, cause) ||
	    board__get_str(o, "prefix", false, path, &s->prefix, cause) ||
	    board__get_names(o, "name", path, &s->name, cause) ||
	    board__get_bool(o, "open", true, true, path, &s->open, cause) ||
	    board__get_int(o, "waiting", 0, path, &s->waiting, cause) ||
	    board__get_int(o, "eta_s", -1, path, &s->eta_s, cause) ||
	    board__get_int(o, "longest_wait_s", 0, path, &s->longest_wait_s, cause) ||
	    board__get_int(o, "counters_open", 0, path, &s->counters_open, cause)) {
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
		return board__fail(cause, path, "expected an object, got %s", proto__type_name(o));
	if (board__get_str(o, "id", false, path, &c->id, cause) ||
	    board__get_names(o, "name", path, &c->name, cause) ||
	    board__get_bool(o, "open", false, false, path, &c->open, cause) ||
	    board__get_bool(o, "on_break", true, false, path, &c->on_break, cause))
		goto fail;
	json_t *cur = json_object_get(o, "current");
	if (cur && !json_is_null(cur)) {
		board__key_path(p, sizeof(p), path, "current");
		char *state = NULL;
		if (!json_is_object(cur)) {
			board__fail(cause, p, "expected an object or null, got %s",
				    proto__type_name(cur));
			goto fail;
		}
		if (board__get_str(cur, "number", false, p, &c->current, cause) ||
		    board__get_str(cur, "service", false, p, &c->current_service, cause) ||
		    board__get_str(cur, "state", true, p, &state, cause))
			goto fail;
		c->serving = proto_state_from_name(state) == PROTO_STATE_SERVING;
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
		return board__fail(cause, key, "expected an array, got %s", proto__type_name(a));
	if (json_array_size(a) > max)
		return board__fail(cause, key, "more than %zu entries", max);
	char *vec = xcalloc(json_array_size(a), elem);
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
	if (board__get_int(o, "seq", 0, "", &seq, cause) ||
	    board__get_str(o, "day", true, "", &n.day, cause))
		goto fail;
	json_t *floor = json_object_get(o, "floor"), *disp = json_object_get(o, "display");
	if (floor && !json_is_null(floor)) {
		if (!json_is_object(floor)) {
			board__fail(cause, "floor", "expected an object, got %s",
				    proto__type_name(floor));
			goto fail;
		}
		if (board__get_str(floor, "id", true, "floor", &n.floor_id, cause) ||
		    board__get_names(floor, "name", "floor", &n.floor_name, cause) ||
		    board__get_str(floor, "timezone", true, "floor", &n.timezone, cause) ||
		    board__get_str_array(floor, "languages", "floor", &n.languages, &n.nlanguages,
					 cause))
			goto fail;
	}
	if (disp && !json_is_null(disp)) {
		char **langs = NULL;
		size_t nl = 0;
		if (!json_is_object(disp)) {
			board__fail(cause, "display", "expected an object, got %s",
				    proto__type_name(disp));
			goto fail;
		}
		if (board__get_str(disp, "id", false, "display", &n.display_id, cause) ||
		    board__get_str(disp, "name", true, "display", &n.display_name, cause) ||
		    board__get_str_array(disp, "languages", "display", &langs, &nl, cause))
			goto fail;
		if (nl) {
			board__strv_free(n.languages, n.nlanguages);
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
		board__fail(cause, "services", "two services with the same id");
		goto fail;
	}
	if (read_array(o, "counters", PROTO_BOARD_MAX_COUNTERS, sizeof(*n.counters), read_counter_v,
		       counter_clear_v, &vec, &n.ncounters, cause))
		goto fail;
	n.counters = vec;
	if (duplicate_ids(n.counters, n.ncounters, sizeof(*n.counters),
			  offsetof(struct proto_board_counter, id))) {
		board__fail(cause, "counters", "two counters with the same id");
		goto fail;
	}
	json_t *calls = json_object_get(o, "calls"), *c;
	size_t i;
	if (!json_is_array(calls)) {
		board__fail(cause, "calls", "expected an array, got %s", proto__type_name(calls));
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
	char *server_time = NULL;
	if (board__get_str(o, "server_time", true, "", &server_time, cause))
		goto fail;
	if (server_time && proto_board_parse_time(server_time, &n.server_ms) != 0)
		n.server_ms = 0; /* only a clock hint: the board stands without it */
	free(server_time);
	if (board__read_notices(o, &n.notices, cause))
		goto fail;
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
		return board__fail(cause, "queues", "expected an array, got %s",
				   proto__type_name(qs));
	json_array_foreach(qs, i, q)
	{
		char p[32], *id = NULL;
		int64_t waiting, eta, longest, open;
		snprintf(p, sizeof(p), "queues[%zu]", i);
		if (!json_is_object(q))
			return board__fail(cause, p, "expected an object, got %s",
					   proto__type_name(q));
		if (board__get_str(q, "service", false, p, &id, cause) ||
		    board__get_int(q, "waiting", 0, p, &waiting, cause) ||
		    board__get_int(q, "eta_s", -1, p, &eta, cause) ||
		    board__get_int(q, "longest_wait_s", 0, p, &longest, cause) ||
		    board__get_int(q, "counters_open", 0, p, &open, cause)) {
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
	r->calls = xrealloc(r->calls, (r->ncalls + 1) * sizeof(*r->calls));
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

/* Applies the kind-specific part of a ticket.* event (enum proto_event_kind) with ticket
 * number/service. */
static int apply_ticket_event(struct proto_board *b, json_t *o, int kind,
			      struct proto_board_result *r, char **cause)
{
	json_t *t = json_object_get(o, "ticket");
	char *number = NULL, *service = NULL, *counter = NULL, *at = NULL;
	int rc = -EINVAL;
	bool calls = kind == PROTO_EV_CALLED || kind == PROTO_EV_RECALLED;
	if (!json_is_object(t)) {
		return board__fail(cause, "ticket", "expected an object, got %s",
				   proto__type_name(t));
	}
	if (board__get_str(t, "number", false, "ticket", &number, cause) ||
	    board__get_str(t, "service", false, "ticket", &service, cause) ||
	    board__get_str(o, "counter", !calls && kind != PROTO_EV_SERVING, "", &counter, cause) ||
	    board__get_str(o, "at", true, "", &at, cause))
		goto out;
	struct proto_board_counter *c = counter ? find_counter(b, counter) : NULL;
	if (calls) {
		struct proto_board_call call = {number, service, counter, at,
						kind == PROTO_EV_RECALLED};
		if (c)
			counter_set_current(c, number, service, false);
		result_add_call(r, &call);
		push_call(b, &call);
		number = service = counter = at = NULL;
	} else if (kind == PROTO_EV_SERVING) {
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

/* Applies a counter.opened / counter.closed / counter.break / counter.back event (kind).
 * Opening or closing ends a break. */
static int apply_counter_event(struct proto_board *b, json_t *o, int kind, char **cause)
{
	char *id = NULL;
	if (board__get_str(o, "counter", false, "", &id, cause))
		return -EINVAL;
	struct proto_board_counter *c = find_counter(b, id);
	free(id);
	if (!c)
		return 0;
	if (kind == PROTO_EV_COUNTER_BREAK || kind == PROTO_EV_COUNTER_BACK) {
		c->on_break = kind == PROTO_EV_COUNTER_BREAK;
		return 0;
	}
	c->open = kind == PROTO_EV_COUNTER_OPENED;
	c->on_break = false;
	if (!c->open)
		counter_set_current(c, NULL, NULL, false);
	return 0;
}

/* Applies a floor.day event: a new day, no calls, no current tickets. */
static int apply_day(struct proto_board *b, json_t *o, char **cause)
{
	char *day = NULL;
	if (board__get_str(o, "day", false, "", &day, cause))
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
	if (board__get_int(o, "seq", 1, "", &seq, cause) ||
	    board__get_str(o, "kind", false, "", &kind, cause))
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
	int k = proto_event_from_name(kind); /* -1: a kind of a newer server, skipped */
	if (proto_event_has_ticket(k))
		rc = apply_ticket_event(b, o, k, r, cause);
	else if (k == PROTO_EV_COUNTER_OPENED || k == PROTO_EV_COUNTER_CLOSED ||
		 k == PROTO_EV_COUNTER_BREAK || k == PROTO_EV_COUNTER_BACK)
		rc = apply_counter_event(b, o, k, cause);
	else if (k == PROTO_EV_DAY)
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
	if (board__get_int(o, "since", 0, "", &since, cause) ||
	    board__get_int(o, "seq", 0, "", &seq, cause))
		return -EINVAL;
	if (!b->have_base || (uint64_t)since != b->seq || seq < since) {
		r->flags |= PROTO_BOARD_GAP;
		r->gap_seq = (uint64_t)since;
		return 1;
	}
	r->flags |= PROTO_BOARD_RESUME;
	return 0;
}

/* Applies a skip (PROTOCOL.md, "skip"): the events up to its seq that the session was not
 * sent were outside its filter, so the board's seq moves up to it and the next event must
 * be one more. A skip before any snapshot, or at or below the board's seq, changes nothing
 * (counted as stale): it is never a gap. Returns 0 or -EINVAL. */
static int apply_skip(struct proto_board *b, json_t *o, struct proto_board_result *r, char **cause)
{
	int64_t seq;
	if (board__get_int(o, "seq", 0, "", &seq, cause))
		return -EINVAL;
	if (!b->have_base || (uint64_t)seq <= b->seq) {
		r->stale++;
		return 0;
	}
	b->seq = (uint64_t)seq;
	r->flags |= PROTO_BOARD_SKIP | PROTO_BOARD_CHANGED;
	return 0;
}

/* Records a server error message as "code: message". */
static int apply_error(json_t *o, struct proto_board_result *r, char **cause)
{
	json_t *e = json_object_get(o, "error");
	char *code = NULL, *msg = NULL;
	if (!json_is_object(e))
		return board__fail(cause, "error", "expected an object, got %s",
				   proto__type_name(e));
	if (board__get_str(e, "code", false, "error", &code, cause) ||
	    board__get_str(e, "message", true, "error", &msg, cause)) {
		free(code);
		return -EINVAL;
	}
	free(r->error);
	r->error = xasprintf("%s: %s", code, msg ? msg : code);
	free(code);
	free(msg);
	return 0;
}

/* Applies one message object. Returns 0, 1 for a gap (stop), or -EINVAL. */
static int apply_message(struct proto_board *b, json_t *o, struct proto_board_result *r,
			 char **cause)
{
	if (!json_is_object(o))
		return board__fail(cause, "message", "expected an object, got %s",
				   proto__type_name(o));
	json_t *t = json_object_get(o, "type");
	if (!json_is_string(t))
		return board__fail(cause, "type", "expected a string, got %s", proto__type_name(t));
	switch (proto_msg_from_name(json_string_value(t))) {
	case PROTO_MSG_EVENT:
		return apply_event(b, o, r, cause);
	case PROTO_MSG_SNAPSHOT:
		if (apply_snapshot(b, o, cause))
			return -EINVAL;
		r->flags |= PROTO_BOARD_SNAPSHOT | PROTO_BOARD_CHANGED;
		return 0;
	case PROTO_MSG_RESUME:
		return apply_resume(b, o, r, cause);
	case PROTO_MSG_SKIP:
		return apply_skip(b, o, r, cause);
	case PROTO_MSG_ERROR:
		return apply_error(o, r, cause);
	default: /* ticket, reply and client types are not for a board; unknown ones ignored */
		r->skipped++;
		return 0;
	}
}

int proto_board_apply(struct proto_board *b, const char *buf, size_t len,
		      struct proto_board_result *res, char **cause)
{
	json_error_t jerr;
	memset(res, 0, sizeof(*res));
	if (len > PROTO_BOARD_MAX_FRAME) {
		board__fail(cause, "frame", "%zu bytes is over the limit of %d", len,
			    PROTO_BOARD_MAX_FRAME);
		return -E2BIG;
	}
	json_t *v = json_loadb(buf ? buf : "", buf ? len : 0,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v)
		return board__fail(cause, "frame", "line %d, column %d: %s", jerr.line, jerr.column,
				   jerr.text);
	struct proto_board w;
	board_copy(&w, b);
	int rc = 0;
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			rc = board__fail(cause, "frame", "empty batch");
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m)
		{
			char *inner = NULL;
			rc = apply_message(&w, m, res, &inner);
			if (rc < 0) {
				free(*cause);
				*cause = xasprintf("[%zu].%s", i, inner);
			}
			free(inner);
			if (rc != 0)
				break;
		}
	} else if (json_is_object(v)) {
		rc = apply_message(&w, v, res, cause);
	} else {
		rc = board__fail(cause, "frame", "expected an object or an array, got %s",
				 proto__type_name(v));
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
