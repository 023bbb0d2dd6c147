/* proto.c: strict parsers for everything a client sends torgd, over WebSocket (hello and
 * cmd frames) or as an HTTP JSON body (counter actions, ticket requests, logins). Each
 * parser loads the input with jansson (duplicate keys and NUL bytes rejected), then checks
 * every field against PROTOCOL.md: no unknown fields, exact types, bounded strings, id and
 * token shapes. A failure fills a struct proto_error with a stable code, a human message
 * that starts with the field's JSON path, and that path; messages are always valid UTF-8
 * so callers can put them into JSON as they are. This file includes nothing from server/:
 * the native display links it too; it allocates with proto's alloc.h, like the rest of
 * torg. */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"

#define PROTO_MAX_STRING   256 /* bytes, any string field */
#define PROTO_MAX_SERVICES 64  /* ids in a services array */

/* Where a parse is: the error to fill and the prefix for messages ("hello." or ""). */
struct pctx {
	struct proto_error *err;
	const char *prefix;
};

/* Replaces, in place, every byte of s that is not part of valid UTF-8 (or is a control
 * character) with '?', so the result is safe in JSON and logs. */
static void sanitize_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		size_t n = 0;
		unsigned c = p[0];
		if (c < 0x20 || c == 0x7f) {
			*p++ = '?';
			continue;
		}
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		bool ok = n > 0;
		for (size_t i = 1; ok && i <= n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (ok && n == 2) {
			unsigned v = (c & 0x0f) << 12 | (p[1] & 0x3f) << 6;
			ok = v >= 0x800 && (v < 0xd800 || v > 0xdfff);
		} else if (ok && n == 3) {
			unsigned v = (c & 0x07) << 18 | (p[1] & 0x3f) << 12;
			ok = v >= 0x10000 && v <= 0x10ffff;
		}
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

/* Fills err with code, the path (field, may be NULL) and "<prefix><field>: <text>";
 * returns -EINVAL. */
static int fail(const struct pctx *x, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	x->err->code = code;
	x->err->field = field ? xstrdup(field) : NULL;
	if (field) {
		size_t n = strlen(x->prefix) + strlen(field) + strlen(text) + 3;
		x->err->message = xmalloc(n);
		snprintf(x->err->message, n, "%s%s: %s", x->prefix, field, text);
		free(text);
	} else {
		x->err->message = text;
	}
	sanitize_utf8(x->err->message);
	if (x->err->field)
		sanitize_utf8(x->err->field);
	return -EINVAL;
}

const char *proto__type_name(const json_t *v)
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

/* Loads buf as one JSON object into *out (a new reference); an empty buffer is {} when
 * empty_ok. Returns 0, or -E2BIG / -EINVAL with the error filled. */
static int load_object(const char *buf, size_t len, bool empty_ok, const struct pctx *x,
		       json_t **out)
{
	json_error_t jerr;
	*out = NULL;
	if (len > PROTO_MAX_MESSAGE) {
		fail(x, "too_big", NULL, "message of %zu bytes is over the limit of %d bytes", len,
		     PROTO_MAX_MESSAGE);
		return -E2BIG;
	}
	if (len == 0 && empty_ok) {
		*out = json_object();
		if (!*out)
			abort();
		return 0;
	}
	json_t *v = json_loadb(buf ? buf : "", buf ? len : 0,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!v)
		return fail(x, "bad_json", NULL, "line %d, column %d: %s", jerr.line, jerr.column,
			    jerr.text);
	if (!json_is_object(v)) {
		int rc = fail(x, "bad_json", NULL, "expected a JSON object, got %s",
			      proto__type_name(v));
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* Returns true when key is one of the NULL-terminated names. */
static bool in_list(const char *key, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(key, *names))
			return true;
	return false;
}

/* Fails with unknown_field for the first key of obj not among allowed; else returns 0. */
static int check_fields(json_t *obj, const char *const *allowed, const struct pctx *x)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (!in_list(key, allowed))
			return fail(x, "unknown_field", key, "unknown field");
	}
	return 0;
}

/* Returns true for an id: [a-z0-9_-]{1,32}. */
static bool is_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Returns true for a ticket number: 1-2 capital letters then 1-4 digits. */
static bool is_number(const char *s)
{
	size_t i = 0, d = 0;
	while (s[i] >= 'A' && s[i] <= 'Z')
		i++;
	if (i < 1 || i > 2)
		return false;
	while (s[i + d] >= '0' && s[i + d] <= '9')
		d++;
	return d >= 1 && d <= 4 && s[i + d] == '\0';
}

/* Returns true when s is exactly n lowercase hex digits. */
static bool is_hex(const char *s, size_t n)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == n;
}

/* Returns true for a language tag: [a-z]{2,3}(-[A-Za-z0-9]{2,8})?. */
static bool is_lang(const char *s)
{
	size_t i = 0, j = 0;
	while (s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return false;
	if (s[i] == '\0')
		return true;
	if (s[i] != '-')
		return false;
	i++;
	while ((s[i + j] >= 'a' && s[i + j] <= 'z') || (s[i + j] >= 'A' && s[i + j] <= 'Z') ||
	       (s[i + j] >= '0' && s[i + j] <= '9'))
		j++;
	return j >= 2 && j <= 8 && s[i + j] == '\0';
}

/* Returns true for a 32-hex-digit ticket id. */
static bool is_ticket_id(const char *s)
{
	return is_hex(s, 32);
}

/* Returns true for a 64-hex-digit session token. */
static bool is_token(const char *s)
{
	return is_hex(s, 64);
}

/* The shape a string field must have: a check and its description for messages. */
struct shape {
	bool (*ok)(const char *s);
	const char *what;
};
static const struct shape shape_id = {is_id, "an id of 1-32 characters a-z, 0-9, _ or -"};
static const struct shape shape_number = {is_number,
					  "a ticket number: 1-2 capital letters and 1-4 digits"};
static const struct shape shape_ticket = {is_ticket_id, "a ticket id of 32 lowercase hex digits"};
static const struct shape shape_token = {is_token, "a token of 64 lowercase hex digits"};
static const struct shape shape_lang = {is_lang, "a language tag such as \"nb\" or \"pt-BR\""};

/* Checks that v (at path) is a non-empty string of at most max bytes and, when shape is
 * given, of that shape; stores a copy in *out. Returns 0 or -EINVAL with the error set. */
static int take_string_value(json_t *v, const char *path, const struct shape *shape, size_t max,
			     const struct pctx *x, char **out)
{
	if (!json_is_string(v))
		return fail(x, "bad_request", path, "expected a string, got %s",
			    proto__type_name(v));
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0)
		return fail(x, "bad_request", path, "must not be empty");
	if (n > max)
		return fail(x, "bad_request", path, "longer than %zu bytes", max);
	if (shape && !shape->ok(s))
		return fail(x, "bad_request", path, "expected %s", shape->what);
	*out = xstrdup(s);
	return 0;
}

/* Reads string field key of obj, at most max bytes, into *out (left NULL when absent and
 * optional). */
static int take_string_max(json_t *obj, const char *key, bool required, const struct shape *shape,
			   size_t max, const struct pctx *x, char **out)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return fail(x, "bad_request", key, "missing");
		return 0;
	}
	return take_string_value(v, key, shape, max, x, out);
}

/* Reads string field key of obj (at most PROTO_MAX_STRING bytes) into *out. */
static int take_string(json_t *obj, const char *key, bool required, const struct shape *shape,
		       const struct pctx *x, char **out)
{
	return take_string_max(obj, key, required, shape, PROTO_MAX_STRING, x, out);
}

/* Reads an optional non-negative integer field key of obj into *out; *has says whether
 * it was present. Returns 0 or -EINVAL. */
static int take_uint(json_t *obj, const char *key, bool required, const struct pctx *x, bool *has,
		     uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	*has = false;
	if (!v) {
		if (required)
			return fail(x, "bad_request", key, "missing");
		return 0;
	}
	if (!json_is_integer(v))
		return fail(x, "bad_request", key, "expected a non-negative integer, got %s",
			    json_is_real(v) ? "a fractional number" : proto__type_name(v));
	json_int_t i = json_integer_value(v);
	if (i < 0)
		return fail(x, "bad_request", key,
			    "expected a non-negative integer, got a negative number");
	*has = true;
	*out = (uint64_t)i;
	return 0;
}

/* Reads the required boolean field key of obj into *out. Returns 0 or -EINVAL. */
static int take_bool(json_t *obj, const char *key, const struct pctx *x, bool *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return fail(x, "bad_request", key, "missing");
	if (!json_is_boolean(v))
		return fail(x, "bad_request", key, "expected true or false, got %s",
			    proto__type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* Frees an array of n strings. */
static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Reads an optional services array (1..64 distinct ids) at key into *out / *n, setting
 * *has when present. Returns 0 or -EINVAL (nothing allocated then). */
static int take_services(json_t *obj, const char *key, const struct pctx *x, bool *has, char ***out,
			 size_t *n)
{
	json_t *v = json_object_get(obj, key);
	*has = false;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail(x, "bad_request", key, "expected an array of ids, got %s",
			    proto__type_name(v));
	size_t count = json_array_size(v);
	if (count < 1 || count > PROTO_MAX_SERVICES)
		return fail(x, "bad_request", key, "expected 1 to %d ids, got %zu",
			    PROTO_MAX_SERVICES, count);
	char **ids = xmalloc(count * sizeof(*ids));
	size_t i;
	for (i = 0; i < count; i++) {
		char path[64];
		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if (take_string_value(json_array_get(v, i), path, &shape_id, PROTO_MAX_STRING, x,
				      &ids[i]) < 0)
			goto fail;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(ids[j], ids[i])) {
				i++;
				fail(x, "bad_request", path, "duplicate of %s[%zu]", key, j);
				goto fail;
			}
		}
	}
	*has = true;
	*out = ids;
	*n = count;
	return 0;
fail:
	free_strv(ids, i);
	return -EINVAL;
}

/* Returns the NULL-terminated list of body fields op takes. */
static const char *const *op_fields(enum proto_op op)
{
	static const char *const open[] = {"services", "move", NULL};
	static const char *const call[] = {"number", NULL};
	static const char *const transfer[] = {"service", "position", NULL};
	static const char *const brk[] = {"on", NULL};
	static const char *const none[] = {NULL};
	switch (op) {
	case PROTO_OP_OPEN:
		return open;
	case PROTO_OP_CALL:
		return call;
	case PROTO_OP_TRANSFER:
		return transfer;
	case PROTO_OP_BREAK:
		return brk;
	default:
		return none;
	}
}

/* Reads op's own fields from obj into c (unknown fields already rejected). */
static int take_op_fields(json_t *obj, enum proto_op op, const struct pctx *x, struct proto_cmd *c)
{
	char *pos = NULL;
	int rc = 0;
	switch (op) {
	case PROTO_OP_OPEN: {
		json_t *mv = json_object_get(obj, "move");
		if (mv && !json_is_boolean(mv))
			return fail(x, "bad_request", "move", "expected a boolean, got %s",
				    proto__type_name(mv));
		c->move = mv && json_is_true(mv);
		return take_services(obj, "services", x, &c->has_services, &c->services,
				     &c->nservices);
	}
	case PROTO_OP_CALL:
		return take_string(obj, "number", true, &shape_number, x, &c->number);
	case PROTO_OP_TRANSFER:
		if ((rc = take_string(obj, "service", true, &shape_id, x, &c->service)) < 0)
			return rc;
		if ((rc = take_string(obj, "position", true, NULL, x, &pos)) < 0)
			return rc;
		if (!strcmp(pos, "front"))
			c->front = true;
		else if (strcmp(pos, "back"))
			rc = fail(x, "bad_request", "position", "expected \"front\" or \"back\"");
		free(pos);
		return rc;
	case PROTO_OP_BREAK:
		return take_bool(obj, "on", x, &c->on);
	default:
		return 0;
	}
}

void proto_error_clear(struct proto_error *e)
{
	free(e->message);
	free(e->field);
	e->code = NULL;
	e->message = NULL;
	e->field = NULL;
}

void proto_cmd_clear(struct proto_cmd *c)
{
	free(c->counter);
	free_strv(c->services, c->nservices);
	free(c->number);
	free(c->service);
	memset(c, 0, sizeof(*c));
}

/* Frees everything a hello owns and zeroes it. */
static void hello_clear(struct proto_hello *h)
{
	free_strv(h->services, h->nservices);
	free(h->display);
	free(h->ticket);
	free(h->token);
	memset(h, 0, sizeof(*h));
}

void proto_client_msg_clear(struct proto_client_msg *m)
{
	hello_clear(&m->hello);
	proto_cmd_clear(&m->cmd);
	memset(m, 0, sizeof(*m));
}

/* Parses the fields of a hello object into h. */
static int parse_hello(json_t *obj, const struct pctx *x, struct proto_hello *h)
{
	static const char *const fields[] = {"type",   "since", "services", "display",
					     "ticket", "token", NULL};
	int rc;
	if ((rc = check_fields(obj, fields, x)) < 0 ||
	    (rc = take_uint(obj, "since", false, x, &h->has_since, &h->since)) < 0 ||
	    (rc = take_services(obj, "services", x, &h->has_services, &h->services,
				&h->nservices)) < 0 ||
	    (rc = take_string(obj, "display", false, &shape_id, x, &h->display)) < 0 ||
	    (rc = take_string(obj, "ticket", false, &shape_ticket, x, &h->ticket)) < 0 ||
	    (rc = take_string(obj, "token", false, &shape_token, x, &h->token)) < 0)
		return rc;
	return 0;
}

/* Parses the fields of a cmd object into c, rejecting fields of other ops. */
static int parse_cmd(json_t *obj, const struct pctx *x, struct proto_cmd *c)
{
	static const char *const fields[] = {"type",	 "id",	   "op",      "counter",
					     "services", "number", "service", "position",
					     "on",	 "move",   NULL};
	static const char *const common[] = {"type", "id", "op", "counter", NULL};
	char *opname = NULL;
	bool has_id;
	uint64_t id = 0;
	int rc;
	if ((rc = check_fields(obj, fields, x)) < 0 ||
	    (rc = take_uint(obj, "id", true, x, &has_id, &id)) < 0 ||
	    (rc = take_string(obj, "op", true, NULL, x, &opname)) < 0)
		return rc;
	int op = proto_op_from_name(opname);
	free(opname);
	if (op < 0)
		return fail(x, "bad_request", "op", "unknown op");
	c->id = (int64_t)id;
	c->op = (enum proto_op)op;
	if ((rc = take_string(obj, "counter", true, &shape_id, x, &c->counter)) < 0)
		return rc;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (!in_list(key, common) && !in_list(key, op_fields(c->op)))
			return fail(x, "unknown_field", key, "not taken by op %s",
				    proto_op_name(op));
	}
	return take_op_fields(obj, c->op, x, c);
}

int proto_parse_client(const char *buf, size_t len, struct proto_client_msg *out,
		       struct proto_error *err)
{
	struct pctx x = {err, ""};
	json_t *obj = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = load_object(buf, len, false, &x, &obj)) < 0)
		return rc;
	json_t *type = json_object_get(obj, "type");
	if (!type) {
		rc = fail(&x, "bad_request", "type", "missing");
		goto fail;
	}
	if (!json_is_string(type)) {
		rc = fail(&x, "bad_request", "type", "expected a string, got %s",
			  proto__type_name(type));
		goto fail;
	}
	if (!strcmp(json_string_value(type), proto_msg_name(PROTO_MSG_HELLO))) {
		x.prefix = "hello.";
		out->type = PROTO_MSG_HELLO;
		rc = parse_hello(obj, &x, &out->hello);
	} else if (!strcmp(json_string_value(type), proto_msg_name(PROTO_MSG_CMD))) {
		x.prefix = "cmd.";
		out->type = PROTO_MSG_CMD;
		rc = parse_cmd(obj, &x, &out->cmd);
	} else {
		rc = fail(&x, "unknown_type", "type", "unknown message type");
	}
	if (rc < 0)
		goto fail;
	json_decref(obj);
	return 0;
fail:
	proto_client_msg_clear(out);
	json_decref(obj);
	return rc;
}

int proto_parse_cmd_body(enum proto_op op, const char *buf, size_t len, struct proto_cmd *out,
			 struct proto_error *err)
{
	struct pctx x = {err, ""};
	json_t *obj = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((unsigned)op > PROTO_OP_MAX) {
		fail(&x, "bad_request", NULL, "unknown op");
		return -EINVAL;
	}
	out->op = op;
	if ((rc = load_object(buf, len, true, &x, &obj)) < 0)
		goto fail;
	if ((rc = check_fields(obj, op_fields(op), &x)) < 0 ||
	    (rc = take_op_fields(obj, op, &x, out)) < 0)
		goto fail;
	json_decref(obj);
	return 0;
fail:
	proto_cmd_clear(out);
	json_decref(obj);
	return rc;
}

int proto_parse_ticket_req(const char *buf, size_t len, struct proto_ticket_req *out,
			   struct proto_error *err)
{
	static const char *const fields[] = {"service", "lang", "priority", NULL};
	struct pctx x = {err, ""};
	json_t *obj = NULL;
	char *prio = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = load_object(buf, len, false, &x, &obj)) < 0)
		goto fail;
	if ((rc = check_fields(obj, fields, &x)) < 0 ||
	    (rc = take_string(obj, "service", true, &shape_id, &x, &out->service)) < 0 ||
	    (rc = take_string(obj, "lang", false, &shape_lang, &x, &out->lang)) < 0 ||
	    (rc = take_string(obj, "priority", false, NULL, &x, &prio)) < 0)
		goto fail;
	if (prio) {
		out->priority = proto_priority_from_name(prio);
		if (out->priority < 0) {
			rc = fail(&x, "bad_request", "priority",
				  "expected \"normal\", \"appointment\" or \"accessibility\"");
			goto fail;
		}
	}
	free(prio);
	json_decref(obj);
	return 0;
fail:
	free(prio);
	proto_ticket_req_clear(out);
	json_decref(obj);
	return rc;
}

void proto_ticket_req_clear(struct proto_ticket_req *r)
{
	free(r->service);
	free(r->lang);
	memset(r, 0, sizeof(*r));
}

int proto_parse_login_req(const char *buf, size_t len, struct proto_login_req *out,
			  struct proto_error *err)
{
	static const char *const fields[] = {"name", "password", NULL};
	struct pctx x = {err, ""};
	json_t *obj = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = load_object(buf, len, false, &x, &obj)) < 0)
		goto fail;
	if ((rc = check_fields(obj, fields, &x)) < 0 ||
	    (rc = take_string(obj, "name", true, NULL, &x, &out->name)) < 0 ||
	    (rc = take_string_max(obj, "password", true, NULL, PROTO_MAX_PASSWORD, &x,
				  &out->password)) < 0)
		goto fail;
	json_decref(obj);
	return 0;
fail:
	proto_login_req_clear(out);
	json_decref(obj);
	return rc;
}

void proto_login_req_clear(struct proto_login_req *r)
{
	if (r->password)
		explicit_bzero(r->password, strlen(r->password));
	free(r->name);
	free(r->password);
	memset(r, 0, sizeof(*r));
}
