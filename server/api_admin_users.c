/*
 * api_admin_users.c — the staff administration routes of PROTOCOL.md
 * ("Administration: staff"): users (list, add, change, remove, reset code),
 * their sessions, the audit log, and POST /api/v1/password (a new password
 * with a reset code, throttled per name and per address like sign-in).
 * Admins write; managers read users and the audit log. Bodies are parsed
 * strictly: a body that is not one JSON object is 400 bad_json, anything
 * else wrong (unknown field, wrong type, bad name or role, unknown service)
 * is 422 with the field. The database work runs on auth's worker
 * (auth_op_queue); the sessions and WebSockets of a changed user have ended
 * when the answer goes out.
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "proto_encode.h"
#include "util.h"

#define CODE_THROTTLE_ENTRIES 4096

/* An administration request waiting for auth's worker. */
struct admin_req {
	struct api *api;
	struct api_deferred *d;
	struct auth_op op;
	uint8_t addr[NETADDR_KEY_LEN]; /* POST /api/v1/password: the client, for the throttle */
};

/* ---- checks ---- */

/* The signed-in user when their role may do this (write: admin; read: admin or
 * manager); else answers 401/403 and returns NULL. */
static const struct auth_user *admin_of(struct http_req *r, bool write)
{
	const struct auth_user *u = api__http_user(r);
	if (!u) {
		api__http_fail(r, 401, "unauthorized", "sign in first", NULL);
		return NULL;
	}
	if (u->role != AUTH_ROLE_ADMIN && (write || u->role != AUTH_ROLE_MANAGER)) {
		api__http_fail(r, 403, "forbidden",
			       write ? "only an admin may change staff users"
				     : "only an admin or a manager may see staff users",
			       NULL);
		return NULL;
	}
	return u;
}

/* Answers 422 with code and "field: message" for field. Returns false (for chaining). */
static bool unprocessable(struct http_req *r, const char *code, const char *field,
			  const char *message)
{
	char *text = xasprintf("%s: %s", field, message);
	api__http_fail(r, 422, code, text, field);
	free(text);
	return false;
}

/* Answers 422 bad_request: field has the wrong type. */
static bool wrong_type(struct http_req *r, const char *field, const char *want)
{
	char *msg = xasprintf("expected %s", want);
	unprocessable(r, "bad_request", field, msg);
	free(msg);
	return false;
}

/* The body as one JSON object whose keys are all in fields (NULL-terminated); an empty
 * body is {} when empty_ok. Else answers (400 bad_json, never echoing the body; 422
 * unknown_field) and returns NULL. */
static json_t *body_of(struct http_req *r, const char *const *fields, bool empty_ok)
{
	size_t len;
	const char *buf = api__http_body(r, &len);
	if (len == 0 && empty_ok)
		return json_object();
	json_error_t jerr;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v || !json_is_object(v)) {
		json_decref(v);
		api__http_fail(r, 400, "bad_json", "the body is not one valid JSON object", NULL);
		return NULL;
	}
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val)
	{
		bool known = false;
		for (const char *const *f = fields; *f && !known; f++)
			known = strcmp(key, *f) == 0;
		if (!known) {
			char field[65];
			snprintf(field, sizeof(field), "%s", key); /* a short field, whole UTF-8 */
			for (size_t n = strlen(field); n > 0 && (field[n - 1] & 0xc0) == 0x80;)
				field[--n] = '\0';
			unprocessable(r, "unknown_field", field, "unknown field");
			json_decref(v);
			return NULL;
		}
	}
	return v;
}

/* A user name from obj[key] into out; answers 422 (bad_request, bad_name) on failure. */
static bool take_name(struct http_req *r, json_t *obj, const char *key, char out[65])
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return unprocessable(r, "bad_request", key, "required");
	if (!json_is_string(v))
		return wrong_type(r, key, "a string");
	const char *s = json_string_value(v);
	bool ok = json_string_length(v) >= 1 && json_string_length(v) <= 64 &&
		  strlen(s) == json_string_length(v);
	for (const char *p = s; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		     *p == '_' || *p == '-';
	if (!ok)
		return unprocessable(r, "bad_name", key, "a name is 1 to 64 of a-z 0-9 . _ -");
	snprintf(out, 65, "%s", s);
	return true;
}

/* The role from obj["role"] when present into op (set_role); answers 422 on failure. */
static bool take_role(struct http_req *r, json_t *obj, struct auth_op *op, bool required)
{
	json_t *v = json_object_get(obj, "role");
	if (!v)
		return required ? unprocessable(r, "bad_request", "role", "required") : true;
	if (!json_is_string(v))
		return wrong_type(r, "role", "a string");
	int role = auth_role_parse(json_string_value(v));
	if (role < 0)
		return unprocessable(r, "bad_role", "role",
				     "the role is one of counter, manager, admin");
	op->set_role = true;
	op->role = (enum auth_role)role;
	return true;
}

/* The services from obj["services"] when present into op (set_services): configured ids,
 * each once ([] means all); answers 422 on failure. */
static bool take_services(struct api *a, struct http_req *r, json_t *obj, struct auth_op *op)
{
	json_t *v = json_object_get(obj, "services"), *el;
	size_t i;
	if (!v)
		return true;
	if (!json_is_array(v))
		return wrong_type(r, "services", "an array of service ids");
	op->set_services = true;
	op->services = xcalloc(json_array_size(v) + 1, sizeof(*op->services));
	json_array_foreach(v, i, el)
	{
		char field[32];
		snprintf(field, sizeof(field), "services[%zu]", i);
		if (!json_is_string(el))
			return wrong_type(r, field, "a service id (string)");
		const char *id = json_string_value(el);
		if (config_service_index(a->cfg, id) < 0)
			return unprocessable(r, "unknown_service", field,
					     "not a service of this floor");
		for (size_t k = 0; k < op->nservices; k++)
			if (strcmp(op->services[k], id) == 0)
				return unprocessable(r, "bad_request", field, "listed twice");
		op->services[op->nservices++] = xstrdup(id);
	}
	return true;
}

/* obj[key] as a boolean into *out when present (*has); answers 422 on failure. */
static bool take_bool(struct http_req *r, json_t *obj, const char *key, bool *has, bool *out)
{
	json_t *v = json_object_get(obj, key);
	*has = v != NULL;
	if (!v)
		return true;
	if (!json_is_boolean(v))
		return wrong_type(r, key, "true or false");
	*out = json_is_true(v);
	return true;
}

/* obj[key], a required string of 1..max bytes, copied into out (malloc'd); 422 else. */
static bool take_text(struct http_req *r, json_t *obj, const char *key, size_t max, char **out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return unprocessable(r, "bad_request", key, "required");
	if (!json_is_string(v))
		return wrong_type(r, key, "a string");
	size_t n = json_string_length(v);
	if (n == 0 || n > max || strlen(json_string_value(v)) != n) {
		char *msg = xasprintf("1 to %zu bytes, without NUL", max);
		unprocessable(r, "bad_request", key, msg);
		free(msg);
		return false;
	}
	*out = xstrdup(json_string_value(v));
	return true;
}

/* ---- answers ---- */

/* What the session list needs while it is built: the users' JSON objects by name. */
struct user_list {
	struct api *api;
	json_t *users; /* array of user objects, each with "sessions" */
};

/* The JSON of a user without sessions. */
static json_t *user_json(const struct auth_user *u)
{
	json_t *o = json_object(), *sv = json_array();
	json_object_set_new(o, "name", json_string(u->name));
	json_object_set_new(o, "role", json_string(auth_role_name(u->role)));
	for (size_t i = 0; i < u->nservices; i++)
		json_array_append_new(sv, json_string(u->services[i]));
	json_object_set_new(o, "services", sv);
	json_object_set_new(o, "disabled", json_boolean(u->disabled));
	json_object_set_new(o, "source", json_string(u->directory ? "directory" : "local"));
	json_object_set_new(o, "sessions", json_array());
	return o;
}

/* The user object called name in the list, or NULL. */
static json_t *list_find(json_t *users, const char *name)
{
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u)
	{
		if (strcmp(json_string_value(json_object_get(u, "name")), name) == 0)
			return u;
	}
	return NULL;
}

/* Adds one live session to its user's object (a directory user without a row gets one). */
static void session_cb(const struct auth_session_info *si, void *arg)
{
	struct user_list *l = arg;
	struct api *a = l->api;
	json_t *u = list_find(l->users, si->user->name);
	if (!u && si->user->directory) {
		u = user_json(si->user);
		json_array_append_new(l->users, u);
	}
	if (!u)
		return;
	char since[32];
	proto_format_time(si->created_ms, since, sizeof(since));
	int ws = 0;
	for (struct ws_session *s = a->sessions; s; s = s->next)
		ws += s->sid[0] && !s->closing && strcmp(s->sid, si->id) == 0;
	int c = api__session_counter(a, si->id);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(si->id));
	json_object_set_new(o, "since", json_string(since));
	json_object_set_new(o, "counter",
			    c >= 0 ? json_string(a->cfg->counters[c].id) : json_null());
	json_object_set_new(o, "websockets", json_integer(ws));
	json_array_append_new(json_object_get(u, "sessions"), o);
}

/* The users of op (a list) with their live sessions, as a JSON array. */
static json_t *users_json(struct api *a, const struct auth_op *op)
{
	struct user_list l = {a, json_array()};
	for (size_t i = 0; i < op->nusers; i++)
		json_array_append_new(l.users, user_json(op->users[i]));
	auth_session_each(a->auth, session_cb, &l);
	return l.users;
}

/* {"code", "url", "expires_at"} of a new reset code. */
static json_t *reset_json(const struct auth_op *op)
{
	char at[32];
	proto_format_time(op->code_expires_ms, at, sizeof(at));
	char *url = xasprintf("/login#reset=%s&name=%s", op->code, op->name);
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(op->code));
	json_object_set_new(o, "url", json_string(url));
	json_object_set_new(o, "expires_at", json_string(at));
	free(url);
	return o;
}

/* Answers a failed op with the error of PROTOCOL.md for its status. */
static void op_fail(struct admin_req *q)
{
	const struct auth_op *op = &q->op;
	const char *msg = op->cause ? op->cause : "failed";
	switch (op->status) {
	case -EINVAL:
		api__deferred_fail(q->d, 422, "bad_request", msg, NULL);
		break;
	case -ENOENT:
		api__deferred_fail(q->d, 404, "unknown_user", msg, "name");
		break;
	case -EEXIST:
		api__deferred_fail(q->d, 409, "user_exists", msg, "name");
		break;
	case -EBUSY:
		api__deferred_fail(q->d, 409, "last_admin",
				   "this would leave the floor without an enabled admin", NULL);
		break;
	case -ECANCELED:
		api__deferred_fail(q->d, 503, "unavailable", "torgd is stopping", NULL);
		break;
	case -EPERM:
		api__deferred_fail(q->d, 409, "directory_user", msg, "name");
		break;
	default:
		log_warn("admin: %s", msg);
		api__deferred_fail(q->d, 500, "internal", "the change could not be stored", NULL);
	}
}

/* The answer of an op that succeeded. */
static void op_answer(struct admin_req *q)
{
	struct api *a = q->api;
	const struct auth_op *op = &q->op;
	json_t *o = json_object();
	switch (op->kind) {
	case AUTH_OP_LIST:
		json_object_set_new(o, "users", users_json(a, op));
		break;
	case AUTH_OP_ADD: {
		json_t *users = users_json(a, op);
		json_object_set(o, "user", json_array_get(users, 0));
		json_decref(users);
		json_object_set_new(o, "reset", reset_json(op));
		api__deferred_json(q->d, 201, o);
		return;
	}
	case AUTH_OP_PATCH: {
		json_t *users = users_json(a, op);
		json_object_set(o, "user", json_array_get(users, 0));
		json_decref(users);
		break;
	}
	case AUTH_OP_RESET:
		json_object_set_new(o, "reset", reset_json(op));
		break;
	case AUTH_OP_AUDIT: {
		json_t *es = json_array();
		for (size_t i = 0; i < op->nentries; i++) {
			const struct auth_audit_entry *e = &op->entries[i];
			char at[32];
			proto_format_time(e->at_ms, at, sizeof(at));
			json_t *x = json_object();
			json_object_set_new(x, "at", json_string(at));
			json_object_set_new(x, "by", json_string(e->by));
			json_object_set_new(x, "action", json_string(e->action));
			json_object_set_new(x, "target", json_string(e->target));
			json_object_set_new(x, "detail", json_string(e->detail));
			json_array_append_new(es, x);
		}
		json_object_set_new(o, "entries", es);
		break;
	}
	default: /* remove, password: nothing to say */
		json_decref(o);
		api__deferred_json(q->d, 204, NULL);
		return;
	}
	api__deferred_json(q->d, 200, o);
}

/* Frees a request and what its op holds. */
static void admin_req_free(struct admin_req *q)
{
	auth_op_clear(&q->op);
	free(q);
}

/* auth_op_queue callback (loop thread): the answer. */
static void op_done(struct auth_op *op, void *arg)
{
	struct admin_req *q = arg;
	if (op->status == 0)
		op_answer(q);
	else
		op_fail(q);
	admin_req_free(q);
}

/* Sends q's op to auth's worker, the answer deferred; frees q when it cannot. */
static void op_queue(struct api *a, struct http_req *r, struct admin_req *q)
{
	q->api = a;
	q->d = api__http_defer(r);
	if (auth_op_queue(a->auth, &q->op, op_done, q) != 0) {
		api__deferred_fail(q->d, 503, "unavailable", "cannot change staff users now", NULL);
		admin_req_free(q);
	}
}

/* A new request for kind by u (for the audit). */
static struct admin_req *admin_req_new(enum auth_op_kind kind, const struct auth_user *u)
{
	struct admin_req *q = xcalloc(1, sizeof(*q));
	q->op.kind = kind;
	if (u)
		snprintf(q->op.by, sizeof(q->op.by), "%s", u->name);
	return q;
}

/* The {name} of the path into the op; answers 404 unknown_user when it cannot be one. */
static bool path_name(struct http_req *r, struct auth_op *op)
{
	const char *name = api__http_match(r)->name;
	if (!name[0]) {
		api__http_fail(r, 404, "unknown_user", "no such user", "name");
		return false;
	}
	snprintf(op->name, sizeof(op->name), "%s", name);
	return true;
}

/* ---- routes ---- */

/* GET|POST /api/v1/admin/users */
static void route_users(struct api *a, struct http_req *r)
{
	static const char *const fields[] = {"name", "role", "services", NULL};
	bool post = api__http_method(r) == HTTP_M_POST;
	const struct auth_user *u = admin_of(r, post);
	if (!u)
		return;
	struct admin_req *q = admin_req_new(post ? AUTH_OP_ADD : AUTH_OP_LIST, u);
	if (post) {
		json_t *body = body_of(r, fields, false);
		bool ok = body && take_name(r, body, "name", q->op.name) &&
			  take_role(r, body, &q->op, true) && take_services(a, r, body, &q->op);
		json_decref(body);
		if (!ok) {
			admin_req_free(q);
			return;
		}
	}
	op_queue(a, r, q);
}

/* PATCH|DELETE /api/v1/admin/users/{name} */
static void route_user(struct api *a, struct http_req *r)
{
	static const char *const fields[] = {"role", "services", "disabled", NULL};
	static const char *const none[] = {NULL};
	bool patch = api__http_method(r) == HTTP_M_PATCH;
	const struct auth_user *u = admin_of(r, true);
	if (!u)
		return;
	struct admin_req *q = admin_req_new(patch ? AUTH_OP_PATCH : AUTH_OP_REMOVE, u);
	q->op.keep_admin = true;
	json_t *body = body_of(r, patch ? fields : none, !patch);
	bool ok = body && path_name(r, &q->op);
	if (ok && patch)
		ok = take_role(r, body, &q->op, false) && take_services(a, r, body, &q->op) &&
		     take_bool(r, body, "disabled", &q->op.set_disabled, &q->op.disabled);
	if (ok && patch && !q->op.set_role && !q->op.set_services && !q->op.set_disabled) {
		api__http_fail(r, 422, "bad_request", "give role, services or disabled", NULL);
		ok = false;
	}
	json_decref(body);
	if (!ok) {
		admin_req_free(q);
		return;
	}
	op_queue(a, r, q);
}

/* POST /api/v1/admin/users/{name}/reset */
static void route_reset(struct api *a, struct http_req *r)
{
	static const char *const none[] = {NULL};
	const struct auth_user *u = admin_of(r, true);
	if (!u)
		return;
	struct admin_req *q = admin_req_new(AUTH_OP_RESET, u);
	json_t *body = body_of(r, none, true);
	bool ok = body && path_name(r, &q->op);
	json_decref(body);
	if (!ok) {
		admin_req_free(q);
		return;
	}
	op_queue(a, r, q);
}

/* DELETE /api/v1/admin/sessions/{sid} */
static void route_session(struct api *a, struct http_req *r)
{
	static const char *const none[] = {NULL};
	const struct auth_user *u = admin_of(r, true);
	if (!u)
		return;
	json_t *body = body_of(r, none, true);
	if (!body)
		return;
	json_decref(body);
	char by[65], name[65];
	snprintf(by, sizeof(by), "%s", u->name); /* u may go with the session ended */
	const char *sid = api__http_match(r)->id;
	if (!sid[0] || auth_end_session(a->auth, sid, name) != 0) {
		api__http_fail(r, 404, "unknown_session", "no such session", "id");
		return;
	}
	auth_audit(a->auth, by, "session.end", name, sid);
	api__http_json(r, 204, NULL);
}

/* GET /api/v1/admin/audit?limit=N */
static void route_audit(struct api *a, struct http_req *r)
{
	const struct auth_user *u = admin_of(r, false);
	if (!u)
		return;
	char lim[8];
	long n = 100;
	if (api__http_query(r, "limit", lim, sizeof(lim))) {
		char *end;
		n = strtol(lim, &end, 10);
		if (!lim[0] || *end || n < 1 || n > AUTH_AUDIT_LIMIT) {
			api__http_fail(r, 400, "bad_query",
				       "limit is a whole number from 1 to 1000", "limit");
			return;
		}
	}
	struct admin_req *q = admin_req_new(AUTH_OP_AUDIT, u);
	q->op.limit = (int)n;
	op_queue(a, r, q);
}

/* auth_op_queue callback of POST /api/v1/password: a wrong code counts against the
 * name and the address like a failed sign-in. */
static void password_done(struct auth_op *op, void *arg)
{
	struct admin_req *q = arg;
	struct api *a = q->api;
	if (op->status == -EACCES) {
		int64_t now = util_mono_ns() / 1000000;
		throttle_failed(a->code_by_name, op->name, strlen(op->name), now);
		throttle_failed(a->code_by_addr, q->addr, sizeof(q->addr), now);
		api__deferred_fail(q->d, 401, "bad_code", "wrong, used or expired code", "code");
		admin_req_free(q);
		return;
	}
	if (op->status == 0)
		throttle_succeeded(a->code_by_name, op->name, strlen(op->name));
	op_done(op, arg);
}

/* POST /api/v1/password {"name", "code", "password"} */
static void route_password(struct api *a, struct http_req *r)
{
	static const char *const fields[] = {"name", "code", "password", NULL};
	struct admin_req *q = admin_req_new(AUTH_OP_CODE, NULL);
	char *code = NULL;
	json_t *body = body_of(r, fields, false);
	bool ok = body && take_name(r, body, "name", q->op.name) &&
		  take_text(r, body, "code", 64, &code) &&
		  take_text(r, body, "password", AUTH_PASSWORD_MAX, &q->op.password);
	json_decref(body);
	if (ok && strlen(q->op.password) < AUTH_PASSWORD_MIN)
		ok = unprocessable(r, "bad_request", "password", "at least 8 bytes");
	if (!ok) {
		free(code);
		admin_req_free(q);
		return;
	}
	snprintf(q->op.code, sizeof(q->op.code), "%s", code);
	free(code);
	snprintf(q->op.by, sizeof(q->op.by), "%s", q->op.name);
	netaddr_key(api__http_client(r), q->addr);
	int64_t now = util_mono_ns() / 1000000, wait = 0;
	if (!throttle_check(a->code_by_name, q->op.name, strlen(q->op.name), now, &wait) ||
	    !throttle_check(a->code_by_addr, q->addr, sizeof(q->addr), now, &wait)) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", (long long)((wait + 999) / 1000));
		api__http_header(r, "retry-after", ra);
		api__http_fail(r, 429, "rate_limited",
			       "too many wrong codes; wait before you try again (Retry-After)",
			       NULL);
		admin_req_free(q);
		return;
	}
	q->api = a;
	q->d = api__http_defer(r);
	if (auth_op_queue(a->auth, &q->op, password_done, q) != 0) {
		api__deferred_fail(q->d, 503, "unavailable", "cannot set passwords now", NULL);
		admin_req_free(q);
	}
}

void api__admin_route(struct api *a, struct http_req *r, int route)
{
	switch (route) {
	case HTTP_ROUTE_ADMIN_USERS:
		route_users(a, r);
		break;
	case HTTP_ROUTE_ADMIN_USER:
		route_user(a, r);
		break;
	case HTTP_ROUTE_ADMIN_USER_RESET:
		route_reset(a, r);
		break;
	case HTTP_ROUTE_ADMIN_SESSION:
		route_session(a, r);
		break;
	case HTTP_ROUTE_ADMIN_AUDIT:
		route_audit(a, r);
		break;
	default:
		route_password(a, r);
	}
}

void api__admin_start(struct api *a)
{
	if (throttle_create(&throttle_name_params, CODE_THROTTLE_ENTRIES, &a->code_by_name) != 0 ||
	    throttle_create(&throttle_address_params, CODE_THROTTLE_ENTRIES, &a->code_by_addr) != 0)
		fatal("api: cannot make the reset code throttle tables");
}

void api__admin_stop(struct api *a)
{
	throttle_free(a->code_by_name);
	throttle_free(a->code_by_addr);
	a->code_by_name = a->code_by_addr = NULL;
}
