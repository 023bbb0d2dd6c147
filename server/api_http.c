/*
 * api_http.c — the HTTP JSON API of proto/PROTOCOL.md: routing, body
 * collection with a hard size limit, authentication of staff and kiosks, the
 * per-address ticket rate limit, and answers that leave only once what they
 * report is durable (each request that touched or read the floor waits on an
 * engine waiter). A request is never freed in its own callback: lws owns the
 * per-connection memory and we only reset it between transactions.
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "util.h"

enum method { M_OTHER = 0, M_GET, M_POST, M_DELETE, M_HEAD };

struct http_req {
	struct api *api;
	struct lws *wsi;
	enum method method;
	char path[256];
	char query[512];
	char *body;
	size_t blen;
	bool too_big;
	bool dispatched; /* lws may still report a body's completion for Content-Length: 0 */
	int completions; /* body completions lws reported for this transaction */
	bool rx_paused;	 /* reading stopped until the answer is ready */
	struct engine_waiter waiter;
	struct api_deferred *deferred;
	/* the answer */
	bool ready;
	int status;
	unsigned char *resp; /* LWS_PRE headroom, then resp_len bytes */
	size_t resp_len;
	const char *ctype;
	char extra[640]; /* extra header lines, "name: value\r\n" each */
	bool close_after;
};

/* An answer computed later (a login, a statistics query); outlives the request if
 * the client goes away. */
struct api_deferred {
	struct http_req *req; /* NULL once the request is gone */
};

size_t api__http_req_size(void)
{
	return sizeof(struct http_req);
}

/* Frees what one transaction held and readies the request for the next. */
static void req_reset(struct http_req *r)
{
	engine_waiter_cancel(&r->waiter);
	if (r->deferred)
		r->deferred->req = NULL;
	free(r->body);
	free(r->resp);
	struct api *a = r->api;
	struct lws *wsi = r->wsi;
	memset(r, 0, sizeof(*r));
	r->api = a;
	r->wsi = wsi;
}

/* Adds one header line to the answer. */
static void add_header(struct http_req *r, const char *name, const char *value)
{
	size_t used = strlen(r->extra);
	snprintf(r->extra + used, sizeof(r->extra) - used, "%s: %s\r\n", name, value);
}

/* The answer is ready: it goes out at the next writable turn (reading resumes if a
 * repeated body completion paused it, see the LWS_CALLBACK_HTTP_BODY_COMPLETION case). */
static void answer_ready(struct http_req *r)
{
	r->ready = true;
	if (r->rx_paused) {
		r->rx_paused = false;
		lws_rx_flow_control(r->wsi, 1);
	}
	lws_callback_on_writable(r->wsi);
}

/* Readies an answer: status and body (taken, may be NULL); sent when writable and,
 * if hold is true, only once the engine says it is durable. */
static void respond(struct http_req *r, int status, json_t *body)
{
	r->status = status;
	r->ctype = "application/json";
	size_t len = 0;
	char *text = body ? encode_dump(body, &len) : NULL;
	r->resp = xmalloc(LWS_PRE + len + 1);
	if (text)
		memcpy(r->resp + LWS_PRE, text, len);
	r->resp_len = len;
	free(text);
}

/* Waiter callback: the answer's events are durable. */
static void durable_cb(struct engine_waiter *w)
{
	struct http_req *r = (struct http_req *)((char *)w - offsetof(struct http_req, waiter));
	answer_ready(r);
}

/* Sends the readied answer once everything it reports is durable. */
static void send_when_durable(struct http_req *r)
{
	if (engine_wait(r->api->engine, &r->waiter, durable_cb)) {
		answer_ready(r);
	}
}

/* Answers an error at once (nothing changed, nothing to wait for). */
static void fail(struct http_req *r, int status, const char *code, const char *message,
		 const char *field)
{
	r->dispatched = true; /* an answer given before the body ends the request */
	respond(r, status, encode_error(code, message, field));
	answer_ready(r);
}

/* Answers with res (status, body) once durable. */
static void respond_result(struct http_req *r, struct api_result *res)
{
	respond(r, res->status, res->status == 204 ? (json_decref(res->body), NULL) : res->body);
	res->body = NULL;
	send_when_durable(r);
}

/* Answers a parse error from proto. */
static void fail_proto(struct http_req *r, int rc, struct proto_error *err)
{
	int status = rc == -E2BIG ? 413 : 400;
	const char *code = rc == -E2BIG ? "payload_too_large" : err->code;
	fail(r, status, code, err->message ? err->message : code, err->field);
	proto_error_clear(err);
}

/* The value of query parameter name into out; true when present. */
static bool query_get(const struct http_req *r, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	for (const char *p = r->query; *p;) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = n - nl - 1;
			if (vl >= len)
				vl = len - 1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return true;
		}
		p = end ? end + 1 : p + n;
	}
	return false;
}

/* Rejects any query parameter not in the NULL-terminated list; true when all known. */
static bool query_only(struct http_req *r, const char *const *known)
{
	for (const char *p = r->query; *p;) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t kl = eq ? (size_t)(eq - p) : n;
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			if (strlen(known[i]) == kl && strncmp(p, known[i], kl) == 0)
				ok = true;
		if (!ok) {
			char *msg = xasprintf("unknown query parameter \"%.*s\"", (int)kl, p);
			fail(r, 400, "bad_query", msg, NULL);
			free(msg);
			return false;
		}
		p = end ? end + 1 : p + n;
	}
	return true;
}

/* The signed-in staff user of this request, or NULL. */
static const struct auth_user *req_user(struct http_req *r)
{
	char token[65];
	if (!api__request_token(r->wsi, token))
		return NULL;
	return api__user(r->api, token);
}

/* GET /api/v1/floor */
static void route_floor(struct http_req *r)
{
	static const char *const known[] = {"display", NULL};
	if (!query_only(r, known))
		return;
	const struct config *cfg = r->api->cfg;
	const struct config_display *d = NULL;
	char id[64];
	uint64_t mask = cfg->nservices >= 64 ? UINT64_MAX : (UINT64_C(1) << cfg->nservices) - 1;
	if (query_get(r, "display", id, sizeof(id))) {
		d = config_display_find(cfg, id);
		if (!d) {
			fail(r, 404, "unknown_display", "no such display", "display");
			return;
		}
		mask = d->services;
	}
	respond(r, 200, encode_snapshot(r->api->engine, d, mask, util_now_ms()));
	send_when_durable(r);
}

/* Takes one ticket from the address's bucket; false when it is empty. */
static bool rate_take(struct api *a, const char *addr, int per_minute, int *retry_s)
{
	if (per_minute <= 0)
		return true;
	uint32_t h = 2166136261u;
	for (const char *p = addr; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	struct api_rate *slot = &a->rate[h % API_RATE_SLOTS];
	int64_t now = util_now_ms();
	if (strcmp(slot->addr, addr) != 0) {
		snprintf(slot->addr, sizeof(slot->addr), "%s", addr);
		slot->tokens = per_minute;
		slot->at_ms = now;
	}
	slot->tokens += (double)(now - slot->at_ms) * per_minute / 60000.0;
	if (slot->tokens > per_minute)
		slot->tokens = per_minute;
	slot->at_ms = now;
	if (slot->tokens < 1.0) {
		*retry_s = (int)((1.0 - slot->tokens) * 60.0 / per_minute) + 1;
		return false;
	}
	slot->tokens -= 1.0;
	return true;
}

/* POST /api/v1/tickets */
static void route_issue(struct http_req *r)
{
	struct api *a = r->api;
	const struct config *cfg = a->cfg;
	struct proto_ticket_req req = {0};
	struct proto_error err = {0};
	int rc = proto_parse_ticket_req(r->body ? r->body : "", r->blen, &req, &err);
	if (rc != 0) {
		fail_proto(r, rc, &err);
		return;
	}
	const struct auth_user *u = req_user(r);
	bool staff = u && (u->role == AUTH_ROLE_COUNTER || u->role == AUTH_ROLE_ADMIN);
	bool keyed = false;
	char key[256];
	int kl = lws_hdr_custom_copy(r->wsi, key, sizeof(key), "x-torg-kiosk:", 13);
	if (kl > 0) {
		if (!config_kiosk_key_find(cfg, key)) {
			fail(r, 401, "unauthorized", "the kiosk key is not valid", NULL);
			goto out;
		}
		keyed = true;
	}
	if (cfg->kiosk_policy == CONFIG_KIOSK_KEY && !keyed && !staff) {
		fail(r, 401, "unauthorized", "tickets are issued by kiosks with a key here", NULL);
		goto out;
	}
	if (req.priority != FLOOR_PRIO_NORMAL && !keyed && !staff) {
		fail(r, 403, "forbidden", "only a kiosk or staff may issue priority tickets",
		     "priority");
		goto out;
	}
	int s = config_service_index(cfg, req.service);
	if (s < 0) {
		char *msg = xasprintf("unknown service \"%s\"", req.service);
		fail(r, 400, "unknown_service", msg, "service");
		free(msg);
		goto out;
	}
	if (req.lang && !config_has_language(cfg, req.lang)) {
		char *msg = xasprintf("\"%s\" is not a language of this floor", req.lang);
		fail(r, 400, "bad_request", msg, "lang");
		free(msg);
		goto out;
	}
	int64_t now = util_now_ms(), opens = 0;
	if (!engine_service_open(a->engine, s, now, &opens)) {
		json_t *body = encode_error("service_closed", "the service is closed now", NULL);
		json_object_set_new(json_object_get(body, "error"), "opens_at", encode_time(opens));
		respond(r, 409, body);
		answer_ready(r);
		goto out;
	}
	if (!keyed && !staff) {
		char addr[48];
		int retry = 0;
		lws_get_peer_simple(r->wsi, addr, sizeof(addr));
		if (!rate_take(a, addr, cfg->kiosk_rate_per_minute, &retry)) {
			char ra[16];
			snprintf(ra, sizeof(ra), "%d", retry);
			add_header(r, "retry-after", ra);
			fail(r, 429, "rate_limited",
			     "too many tickets from this address; wait a little", NULL);
			goto out;
		}
	}
	uint32_t h;
	rc = engine_issue(a->engine, s, req.priority, &h);
	if (rc < 0) {
		struct api_result res = {0};
		api__floor_error(&res, rc);
		respond(r, res.status, res.body);
		answer_ready(r);
		goto out;
	}
	json_t *t = encode_ticket(a->engine, h, util_now_ms(), ENCODE_HOLDER);
	if (req.lang) {
		json_object_set_new(t, "lang", json_string(req.lang));
		const char *url = json_string_value(json_object_get(t, "url"));
		char *u2 = xasprintf("%s?lang=%s", url, req.lang);
		json_object_set_new(t, "url", json_string(u2));
		free(u2);
	}
	json_t *body = json_object();
	json_object_set_new(body, "ticket", t);
	respond(r, 201, body);
	send_when_durable(r);
out:
	proto_ticket_req_clear(&req);
}

/* GET and DELETE /api/v1/tickets/{id} */
static void route_ticket(struct http_req *r, const char *id)
{
	struct api *a = r->api;
	uint8_t token[FLOOR_TOKEN_LEN];
	uint32_t h = FLOOR_NONE;
	if (util_unhex(id, strlen(id), token, sizeof(token)) == 0)
		h = floor_ticket_by_token(a->engine->floor, token);
	if (h == FLOOR_NONE) {
		fail(r, 404, "unknown_ticket", "no such ticket today", NULL);
		return;
	}
	if (r->method == M_DELETE) {
		int rc = engine_cancel(a->engine, h);
		if (rc < 0) {
			struct api_result res = {0};
			api__floor_error(&res, rc);
			respond(r, res.status, res.body);
			answer_ready(r);
			return;
		}
	}
	json_t *body = json_object();
	json_object_set_new(
	    body, "ticket",
	    encode_ticket(a->engine, h, util_now_ms(), ENCODE_HOLDER | ENCODE_LEGS));
	respond(r, 200, body);
	send_when_durable(r);
}

/* The user object of login and /me. */
static json_t *user_json(const struct auth_user *u)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(u->name));
	json_object_set_new(o, "role", json_string(auth_role_name(u->role)));
	json_t *s = json_array();
	for (size_t i = 0; i < u->nservices; i++)
		json_array_append_new(s, json_string(u->services[i]));
	json_object_set_new(o, "services", s);
	return o;
}

#define SESSION_TTL_S (12 * 3600)

/* auth_login callback: on the loop thread. */
static void login_cb(int status, const char *token, const struct auth_user *user, void *arg)
{
	struct api_deferred *d = arg;
	struct http_req *r = d->req;
	if (!r) {
		free(d);
		return; /* the client went away */
	}
	if (status == -EACCES) {
		api__deferred_fail(d, 401, "bad_credentials", "wrong name or password", NULL);
		return;
	}
	if (status != 0) {
		api__deferred_fail(d, 503, "unavailable", "cannot sign in now; try again", NULL);
		return;
	}
	char cookie[160];
	snprintf(cookie, sizeof(cookie),
		 "torg_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d", token,
		 SESSION_TTL_S);
	add_header(r, "set-cookie", cookie);
	json_t *body = json_object();
	json_object_set_new(body, "token", json_string(token));
	json_object_set_new(body, "expires_at",
			    encode_time(util_now_ms() + SESSION_TTL_S * 1000LL));
	json_object_set_new(body, "user", user_json(user));
	api__deferred_json(d, 200, body);
}

/* POST /api/v1/login */
static void route_login(struct http_req *r)
{
	struct proto_login_req req = {0};
	struct proto_error err = {0};
	int rc = proto_parse_login_req(r->body ? r->body : "", r->blen, &req, &err);
	if (rc != 0) {
		/* jansson quotes the input near a syntax error: never echo a password */
		if (strcmp(err.code, "bad_json") == 0) {
			proto_error_clear(&err);
			fail(r, 400, "bad_json", "the body is not valid JSON", NULL);
			return;
		}
		fail_proto(r, rc, &err);
		return;
	}
	struct api_deferred *d = api__http_defer(r);
	rc = auth_login(r->api->auth, req.name, req.password, login_cb, d);
	proto_login_req_clear(&req);
	if (rc != 0)
		api__deferred_fail(d, 503, "unavailable", "cannot sign in now; try again", NULL);
}

/* POST /api/v1/logout */
static void route_logout(struct http_req *r)
{
	char token[65];
	if (api__request_token(r->wsi, token))
		auth_logout(r->api->auth, token);
	add_header(r, "set-cookie", "torg_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	respond(r, 204, NULL);
	answer_ready(r);
}

/* GET /api/v1/me */
static void route_me(struct http_req *r)
{
	const struct auth_user *u = req_user(r);
	if (!u) {
		fail(r, 401, "unauthorized", "sign in first", NULL);
		return;
	}
	json_t *body = json_object();
	json_object_set_new(body, "user", user_json(u));
	respond(r, 200, body);
	answer_ready(r);
}

/* POST /api/v1/counters/{c}/{op} */
static void route_counter(struct http_req *r, const char *rest)
{
	struct api *a = r->api;
	const char *slash = strchr(rest, '/');
	char cid[64];
	if (!slash || (size_t)(slash - rest) >= sizeof(cid) || strchr(slash + 1, '/')) {
		fail(r, 404, "not_found", "no such route", NULL);
		return;
	}
	memcpy(cid, rest, (size_t)(slash - rest));
	cid[slash - rest] = '\0';
	int op = proto_op_from_path(slash + 1);
	if (op < 0) {
		fail(r, 404, "not_found", "no such counter action", NULL);
		return;
	}
	if (r->method != M_POST) {
		add_header(r, "allow", "POST");
		fail(r, 405, "method_not_allowed", "use POST", NULL);
		return;
	}
	int c = config_counter_index(a->cfg, cid);
	if (c < 0) {
		fail(r, 404, "unknown_counter", "no such counter", NULL);
		return;
	}
	const struct auth_user *u = req_user(r);
	if (!u) {
		fail(r, 401, "unauthorized", "sign in first", NULL);
		return;
	}
	struct proto_cmd cmd = {0};
	struct proto_error err = {0};
	int rc = proto_parse_cmd_body(op, r->body ? r->body : "", r->blen, &cmd, &err);
	if (rc != 0) {
		fail_proto(r, rc, &err);
		return;
	}
	struct api_result res = {0};
	api__counter_cmd(a, u, c, &cmd, &res);
	proto_cmd_clear(&cmd);
	respond_result(r, &res);
}

/* Checks the method against the one a route takes; answers 405 when wrong. */
static bool method_is(struct http_req *r, enum method m, const char *allow)
{
	if (r->method == m || (m == M_GET && r->method == M_HEAD))
		return true;
	add_header(r, "allow", allow);
	fail(r, 405, "method_not_allowed", "this route does not take that method", NULL);
	return false;
}

/* GET /healthz */
static void route_healthz(struct http_req *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "version", json_string(TORG_VERSION));
	json_object_set_new(o, "protocol", json_string(PROTO_VERSION));
	json_object_set_new(o, "seq", json_integer((json_int_t)r->api->engine->durable_seq));
	api__http_json(r, 200, o);
}

/* GET /metrics */
static void route_metrics(struct http_req *r)
{
	size_t len;
	char *text = api__metrics(r->api, &len);
	api__http_text(r, 200, "text/plain; version=0.0.4", text, len);
}

/* The routes with a fixed path and one method. */
static const struct route {
	const char *path;
	enum method method;
	const char *allow;
	void (*handle)(struct http_req *r);
} routes[] = {
    {"/healthz", M_GET, "GET", route_healthz},
    {"/metrics", M_GET, "GET", route_metrics},
    {"/api/v1/floor", M_GET, "GET", route_floor},
    {"/api/v1/tickets", M_POST, "POST", route_issue},
    {"/api/v1/login", M_POST, "POST", route_login},
    {"/api/v1/logout", M_POST, "POST", route_logout},
    {"/api/v1/me", M_GET, "GET", route_me},
};

/* Routes a complete request. */
static void dispatch(struct http_req *r)
{
	struct api *a = r->api;
	const char *p = r->path;
	if (r->dispatched)
		return;
	r->dispatched = true;
	a->http_requests++;
	if (a->stopping) {
		fail(r, 503, "unavailable", "torgd is shutting down", NULL);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		if (strcmp(p, routes[i].path) == 0) {
			if (method_is(r, routes[i].method, routes[i].allow))
				routes[i].handle(r);
			return;
		}
	}
	if (strncmp(p, "/api/v1/tickets/", 16) == 0 && !strchr(p + 16, '/')) {
		if (r->method == M_GET || r->method == M_HEAD || r->method == M_DELETE)
			route_ticket(r, p + 16);
		else
			method_is(r, M_GET, "GET, DELETE");
		return;
	}
	if (strncmp(p, "/api/v1/counters/", 17) == 0) {
		route_counter(r, p + 17);
		return;
	}
	if (api__qr_route(a, r, p) || api__stats_route(a, r, p))
		return;
	if (strncmp(p, "/api/", 5) == 0 || (r->method != M_GET && r->method != M_HEAD)) {
		fail(r, 404, "not_found", "no such route", NULL);
		return;
	}
	int rc = api__static_serve(a, r->wsi, p);
	if (rc == 1)
		fail(r, 404, "not_found", "no such page", NULL);
	else if (rc < 0)
		lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Writes the readied answer; returns what the lws callback should return. */
static int write_answer(struct http_req *r)
{
	unsigned char hbuf[LWS_PRE + 1024];
	unsigned char *start = hbuf + LWS_PRE, *p = start, *end = hbuf + sizeof(hbuf) - 1;
	size_t body_len = r->method == M_HEAD ? 0 : r->resp_len;
	if (lws_add_http_common_headers(r->wsi, (unsigned)r->status, r->ctype,
					r->status == 204 ? LWS_ILLEGAL_HTTP_CONTENT_LEN
							 : (lws_filepos_t)r->resp_len,
					&p, end))
		return -1;
	if (lws_add_http_header_by_name(r->wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p, end))
		return -1;
	for (char *line = r->extra; *line;) {
		char *colon = strchr(line, ':'), *eol = strstr(line, "\r\n");
		if (!colon || !eol)
			break;
		char name[64];
		size_t nl = (size_t)(colon - line) + 1;
		if (nl >= sizeof(name))
			break;
		memcpy(name, line, nl);
		name[nl] = '\0';
		const char *v = colon + 2;
		if (lws_add_http_header_by_name(r->wsi, (const unsigned char *)name,
						(const unsigned char *)v, (int)(eol - v), &p, end))
			return -1;
		line = eol + 2;
	}
	if (r->close_after &&
	    lws_add_http_header_by_name(r->wsi, (const unsigned char *)"connection:",
					(const unsigned char *)"close", 5, &p, end))
		return -1;
	if (lws_finalize_write_http_header(r->wsi, start, &p, end))
		return -1;
	if (body_len > 0 &&
	    lws_write(r->wsi, r->resp + LWS_PRE, body_len, LWS_WRITE_HTTP_FINAL) != (int)body_len)
		return -1;
	bool close_after = r->close_after;
	req_reset(r);
	if (close_after)
		return -1;
	return lws_http_transaction_completed(r->wsi) ? -1 : 0;
}

/* Which method this request uses. */
static enum method req_method(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return M_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		return M_POST;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
		return M_DELETE;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
		return M_HEAD;
	return M_OTHER;
}

/* Starts a transaction: method, path, query, and whether a body follows. */
static int begin(struct http_req *r, struct lws *wsi, const char *uri)
{
	req_reset(r);
	r->method = req_method(wsi);
	snprintf(r->path, sizeof(r->path), "%s", uri);
	size_t q = 0;
	char frag[256];
	for (int i = 0;
	     lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		size_t fl = strlen(frag);
		if (q + fl + 2 >= sizeof(r->query))
			break;
		if (q)
			r->query[q++] = '&';
		memcpy(r->query + q, frag, fl + 1);
		q += fl;
	}
	char cl[32];
	long long content_len = 0;
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		content_len = atoll(cl);
	if (r->method == M_OTHER) {
		add_header(r, "allow", "GET, POST, DELETE");
		r->close_after = content_len > 0;
		fail(r, 405, "method_not_allowed", "this method is not used here", NULL);
		return 0;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING)) {
		r->close_after = true;
		fail(r, 400, "bad_request", "send the body with a Content-Length", NULL);
		return 0;
	}
	if (content_len > API_DRAIN_MAX) {
		r->close_after = true;
		fail(r, 413, "payload_too_large", "the body is over 16 KiB", NULL);
		return 0;
	}
	if (content_len > 0 && (r->method == M_POST || r->method == M_DELETE))
		return 0; /* the body follows */
	dispatch(r);
	return 0;
}

/* Whether the first piece of a request's body is lws 4.1.6 reading the request itself as
 * its body: for a request with a body that arrives pipelined behind another in one
 * packet, lws_http_action hands the buffered request from its first byte to the body
 * callbacks and then calls LWS_CALLBACK_HTTP_BODY_COMPLETION forever without consuming
 * anything (the loop froze torgd). A JSON body never starts with "POST " or "DELETE ". */
static bool body_is_misread(const struct http_req *r, const void *in, size_t len)
{
	const char *m = r->method == M_POST ? "POST " : r->method == M_DELETE ? "DELETE " : NULL;
	return m && in && len >= strlen(m) && memcmp(in, m, strlen(m)) == 0;
}

int api__http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len)
{
	struct http_req *r = user;
	struct api *a = lws_context_user(lws_get_context(wsi));
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		r->api = a;
		r->wsi = wsi;
		return begin(r, wsi, in);
	case LWS_CALLBACK_HTTP_BODY:
		if (r->blen == 0 && body_is_misread(r, in, len)) {
			log_info("http: a request with a body came pipelined behind another in one "
				 "packet; closing that connection (libwebsockets 4.1.6 cannot read "
				 "such a body)");
			return -1;
		}
		if (r->too_big || r->blen + len > API_MAX_BODY) {
			r->too_big = true;
			return 0;
		}
		r->body = xrealloc(r->body, r->blen + len + 1);
		if (len) /* lws may pass in = NULL with len = 0 (Content-Length: 0) */
			memcpy(r->body + r->blen, in, len);
		r->blen += len;
		r->body[r->blen] = '\0';
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		/* A backstop for body_is_misread: lws must never spin on us. */
		if (++r->completions > 100) {
			log_warn("http: lws reported one body complete %d times; closing that "
				 "connection",
				 r->completions);
			return -1;
		}
		if (r->dispatched) {
			/* lws 4.1.6 repeats the completion on every loop turn while the answer
			 * waits (a commit, a sign-in) and a pipelined request sits in its buffer:
			 * stop reading until the answer is ready, or the loop spins meanwhile. */
			if (!r->ready && !r->rx_paused) {
				r->rx_paused = true;
				lws_rx_flow_control(wsi, 0);
			}
			return 0;
		}
		if (r->too_big)
			fail(r, 413, "payload_too_large", "the body is over 16 KiB", NULL);
		else
			dispatch(r);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!r->ready)
			return 0;
		return write_answer(r);
	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		req_reset(r);
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		/* A connection that closes before sending a request has no request state. */
		if (r && r->api)
			req_reset(r);
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return 1; /* WebSockets must ask for the torg.v1 subprotocol */
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const char *api__http_path(const struct http_req *r)
{
	return r->path;
}

const char *api__http_method(const struct http_req *r)
{
	static const char *names[] = {"OTHER", "GET", "POST", "DELETE", "HEAD"};
	return names[r->method];
}

bool api__http_query(const struct http_req *r, const char *name, char *out, size_t len)
{
	return query_get(r, name, out, len);
}

bool api__http_query_only(struct http_req *r, const char *const *known)
{
	return query_only(r, known);
}

const struct auth_user *api__http_user(struct http_req *r)
{
	return req_user(r);
}

bool api__http_host(struct http_req *r, char *out, size_t len)
{
	return lws_hdr_copy(r->wsi, out, (int)len, WSI_TOKEN_HOST) > 0;
}

void api__http_json(struct http_req *r, int status, json_t *body)
{
	respond(r, status, body);
	answer_ready(r);
}

void api__http_text(struct http_req *r, int status, const char *ctype, char *text, size_t len)
{
	r->status = status;
	r->ctype = ctype;
	r->resp = xmalloc(LWS_PRE + len + 1);
	memcpy(r->resp + LWS_PRE, text, len);
	r->resp_len = len;
	free(text);
	answer_ready(r);
}

void api__http_header(struct http_req *r, const char *name, const char *value)
{
	add_header(r, name, value);
}

void api__http_fail(struct http_req *r, int status, const char *code, const char *message,
		    const char *field)
{
	fail(r, status, code, message, field);
}

struct api_deferred *api__http_defer(struct http_req *r)
{
	struct api_deferred *d = xmalloc(sizeof(*d));
	d->req = r;
	r->deferred = d;
	return d;
}

/* Takes the request behind a deferred answer (NULL when gone) and frees the handle. */
static struct http_req *deferred_take(struct api_deferred *d)
{
	struct http_req *r = d->req;
	if (r)
		r->deferred = NULL;
	free(d);
	return r;
}

void api__deferred_json(struct api_deferred *d, int status, json_t *body)
{
	struct http_req *r = deferred_take(d);
	if (r)
		api__http_json(r, status, body);
	else if (body)
		json_decref(body);
}

void api__deferred_text(struct api_deferred *d, int status, const char *ctype, char *text,
			size_t len)
{
	struct http_req *r = deferred_take(d);
	if (r)
		api__http_text(r, status, ctype, text, len);
	else
		free(text);
}

void api__deferred_fail(struct api_deferred *d, int status, const char *code, const char *message,
			const char *field)
{
	struct http_req *r = deferred_take(d);
	if (r)
		fail(r, status, code, message, field);
}
