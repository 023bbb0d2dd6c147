/*
 * api_routes.c — the HTTP routes of proto/PROTOCOL.md that are not pages, statistics or
 * the QR code: health, metrics, the public floor, issuing tickets (kiosk keys, staff,
 * and the per-address rate limit for everyone else), the holder's ticket, staff sign-in
 * (throttled per name and per client address, on a worker of its own) and sign-out,
 * and the counter actions. Each route gets a request that api_http.c has already
 * routed and checked (method, query, framing, Content-Type, Origin); which query
 * parameters a route takes is in the table here.
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "http_parse.h"
#include "util.h"

#define SESSION_TTL_S	 (12 * 3600)
#define THROTTLE_ENTRIES 4096 /* names and addresses each login throttle tells apart */

/* A sign-in waiting for its hash, and what its result is counted against. */
struct login_req {
	struct api_deferred *d;
	struct api *api;
	char name[65];
	uint8_t addr[NETADDR_KEY_LEN];
	bool https;
};

/* The staff user of a request, for the routes that act for one. */
static const struct auth_user *staff_of(struct http_req *r)
{
	const struct auth_user *u = api__http_user(r);
	return u && (u->role == AUTH_ROLE_COUNTER || u->role == AUTH_ROLE_ADMIN) ? u : NULL;
}

/* Answers a floor error now (nothing changed). */
static void fail_floor(struct http_req *r, int err)
{
	struct api_result res = {0};
	api__floor_error(&res, err);
	api__http_json_text(r, res.status, res.body, res.len);
}

/* GET /healthz */
static void route_healthz(struct api *a, struct http_req *r)
{
	api__http_json(r, 200, proto_encode_health(TORG_VERSION, engine_durable_seq(a->engine)));
}

/* GET /metrics */
static void route_metrics(struct api *a, struct http_req *r)
{
	size_t len;
	char *text = api__metrics(a, &len);
	api__http_text(r, 200, "text/plain; version=0.0.4", text, len);
}

/* GET /api/v1/floor */
static void route_floor(struct api *a, struct http_req *r)
{
	const struct config *cfg = a->cfg;
	const struct config_display *d = NULL;
	char id[64];
	uint64_t mask = cfg->nservices >= 64 ? UINT64_MAX : (UINT64_C(1) << cfg->nservices) - 1;
	if (api__http_query(r, "display", id, sizeof(id))) {
		d = config_display_find(cfg, id);
		if (!d) {
			api__http_fail(r, 404, "unknown_display", "no such display", "display");
			return;
		}
		mask = d->services;
	}
	size_t len;
	char *text = encode_snapshot(a->engine, d, mask, clock_now_ms(a->clock), &len);
	api__http_durable(r, 200, text, len);
}

/* Whether the request carries a valid kiosk key; 0 none, 1 valid, -1 answered 401. */
static int kiosk_key(struct api *a, struct http_req *r)
{
	char key[CONFIG_KEY_MAX + 2];
	int kl = api__http_custom(r, "x-torg-kiosk:", key, sizeof(key));
	if (kl == -1)
		return 0;
	if (kl < 0 || !config_kiosk_key_find(a->cfg, key)) {
		api__http_fail(r, 401, "unauthorized", "the kiosk key is not valid", NULL);
		return -1;
	}
	return 1;
}

/* POST /api/v1/tickets */
static void route_issue(struct api *a, struct http_req *r)
{
	const struct config *cfg = a->cfg;
	struct proto_ticket_req req = {0};
	struct proto_error err = {0};
	size_t blen;
	const char *body = api__http_body(r, &blen);
	int rc = proto_parse_ticket_req(body, blen, &req, &err);
	if (rc != 0) {
		api__http_proto_fail(r, rc, &err);
		return;
	}
	bool staff = staff_of(r) != NULL;
	int keyed = kiosk_key(a, r);
	if (keyed < 0)
		goto out;
	if (cfg->kiosk_policy == CONFIG_KIOSK_KEY && !keyed && !staff) {
		api__http_fail(r, 401, "unauthorized",
			       "tickets are issued by kiosks with a key here", NULL);
		goto out;
	}
	if (req.priority != FLOOR_PRIO_NORMAL && !keyed && !staff) {
		api__http_fail(r, 403, "forbidden",
			       "only a kiosk or staff may issue priority tickets", "priority");
		goto out;
	}
	int s = config_service_index(cfg, req.service);
	if (s < 0) {
		char *msg = xasprintf("unknown service \"%s\"", req.service);
		api__http_fail(r, 400, "unknown_service", msg, "service");
		free(msg);
		goto out;
	}
	if (req.lang && !config_has_language(cfg, req.lang)) {
		char *msg = xasprintf("\"%s\" is not a language of this floor", req.lang);
		api__http_fail(r, 400, "bad_request", msg, "lang");
		free(msg);
		goto out;
	}
	int64_t now = clock_now_ms(a->clock), opens = 0;
	if (!engine_service_open(a->engine, s, now, &opens)) {
		const struct config_exception *x = engine_service_exception(a->engine, s, now);
		struct proto_text note[CONFIG_MAX_LANGUAGES];
		size_t nn = 0;
		for (size_t i = 0; x && i < x->note.n && nn < CONFIG_MAX_LANGUAGES; i++)
			note[nn++] = (struct proto_text){x->note.v[i].lang, x->note.v[i].text};
		api__http_json(r, 409,
			       proto_encode_service_closed("the service is closed now", opens,
							   (struct proto_texts){note, nn}));
		goto out;
	}
	if (!keyed && !staff) {
		uint8_t key[NETADDR_KEY_LEN];
		int retry = 0;
		netaddr_key(api__http_client(r), key);
		if (!ratelimit_take(&a->rate, key, util_mono_ns() / 1000000, &retry)) {
			a->rate_limited++;
			char ra[16];
			snprintf(ra, sizeof(ra), "%d", retry);
			api__http_header(r, "retry-after", ra);
			api__http_fail(r, 429, "rate_limited",
				       "too many tickets from this address; wait a little", NULL);
			goto out;
		}
	}
	uint32_t h;
	rc = engine_issue(a->engine, s, req.priority, &h);
	if (rc < 0) {
		fail_floor(r, rc);
		goto out;
	}
	size_t len;
	char *text = encode_ticket_answer(a->engine, h, clock_now_ms(a->clock), ENCODE_HOLDER,
					  req.lang, &len);
	api__http_durable(r, 201, text, len);
out:
	proto_ticket_req_clear(&req);
}

/* GET and DELETE /api/v1/tickets/{id} */
static void route_ticket(struct api *a, struct http_req *r)
{
	const char *id = api__http_match(r)->id;
	uint8_t token[FLOOR_TOKEN_LEN];
	uint32_t h = FLOOR_NONE;
	if (util_unhex(id, strlen(id), token, sizeof(token)) == 0)
		h = floor_ticket_by_token(engine_floor(a->engine), token);
	if (h == FLOOR_NONE) {
		api__http_fail(r, 404, "unknown_ticket", "no such ticket today", NULL);
		return;
	}
	if (api__http_method(r) == HTTP_M_DELETE) {
		int rc = engine_cancel(a->engine, h);
		if (rc < 0) {
			fail_floor(r, rc);
			return;
		}
	}
	size_t len;
	char *text = encode_ticket_answer(a->engine, h, clock_now_ms(a->clock),
					  ENCODE_HOLDER | ENCODE_LEGS, NULL, &len);
	api__http_durable(r, 200, text, len);
}

/* The protocol's user of login and /me (borrowing u's strings). */
static struct proto_user user_of(const struct auth_user *u)
{
	return (struct proto_user){
	    .name = u->name,
	    .role = auth_role_name(u->role),
	    .services = {(const char *const *)u->services, u->nservices},
	};
}

/* Logs a throttle's new state once: never the password, never the address itself. */
static void log_throttle(enum throttle_change c, const char *what, const char *who)
{
	if (c == THROTTLE_DELAYED)
		log_warn("login: repeated failures for %s %s: its sign-ins now wait ever longer",
			 what, who);
	else if (c == THROTTLE_LOCKED)
		log_warn("login: too many failures for %s %s: its sign-ins are refused for 15 "
			 "minutes",
			 what, who);
}

/* auth_login callback: on the loop thread. */
static void login_cb(int status, const char *token, const struct auth_user *user, void *arg)
{
	struct login_req *lr = arg;
	struct api *a = lr->api;
	int64_t now = util_mono_ns() / 1000000;
	if (status == -EACCES) {
		char tag[32];
		snprintf(
		    tag, sizeof(tag), "(client tag %06llx)",
		    (unsigned long long)(util_siphash(a->conns.seed, lr->addr, sizeof(lr->addr)) >>
					 40));
		log_throttle(throttle_failed(a->login_by_name, lr->name, strlen(lr->name), now),
			     "user", lr->name);
		log_throttle(throttle_failed(a->login_by_addr, lr->addr, sizeof(lr->addr), now),
			     "an address", tag);
		api__deferred_fail(lr->d, 401, "bad_credentials", "wrong name or password", NULL);
	} else if (status == -EHOSTDOWN) {
		char msg[400];
		const char *url = auth_ldap_url(a->auth);
		snprintf(msg, sizeof(msg),
			 "the directory %s cannot be reached, so directory accounts cannot sign in "
			 "now; local accounts still can",
			 url ? url : "(none)");
		api__deferred_fail(lr->d, 503, "directory_unavailable", msg, NULL);
	} else if (status != 0) {
		api__deferred_fail(lr->d, 503, "unavailable", "cannot sign in now; try again",
				   NULL);
	} else {
		throttle_succeeded(a->login_by_name, lr->name, strlen(lr->name));
		struct http_req *r = api__deferred_req(lr->d);
		if (r) {
			char cookie[200];
			snprintf(cookie, sizeof(cookie),
				 "torg_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d%s",
				 token, SESSION_TTL_S, lr->https ? "; Secure" : "");
			api__http_header(r, "set-cookie", cookie);
		}
		struct proto_user pu = user_of(user);
		api__deferred_json(
		    lr->d, 200,
		    proto_encode_login_answer(token, util_now_ms() + SESSION_TTL_S * 1000LL, &pu));
	}
	free(lr);
}

/* Answers 429 for a throttled sign-in. */
static void fail_throttled(struct http_req *r, int64_t retry_ms)
{
	char ra[24];
	snprintf(ra, sizeof(ra), "%lld", (long long)((retry_ms + 999) / 1000));
	api__http_header(r, "retry-after", ra);
	api__http_fail(r, 429, "rate_limited",
		       "too many failed sign-ins; wait before you try again (Retry-After)", NULL);
}

/* POST /api/v1/login */
static void route_login(struct api *a, struct http_req *r)
{
	struct proto_login_req req = {0};
	struct proto_error err = {0};
	size_t blen;
	const char *body = api__http_body(r, &blen);
	int rc = proto_parse_login_req(body, blen, &req, &err);
	if (rc != 0) {
		/* jansson quotes the input near a syntax error: never echo a password */
		if (strcmp(err.code, "bad_json") == 0) {
			proto_error_clear(&err);
			api__http_fail(r, 400, "bad_json", "the body is not valid JSON", NULL);
			return;
		}
		api__http_proto_fail(r, rc, &err);
		return;
	}
	struct login_req *lr = xcalloc(1, sizeof(*lr));
	lr->api = a;
	lr->https = api__http_https(r);
	snprintf(lr->name, sizeof(lr->name), "%s", req.name);
	netaddr_key(api__http_client(r), lr->addr);
	int64_t now = util_mono_ns() / 1000000, wait = 0;
	if (!throttle_check(a->login_by_name, lr->name, strlen(lr->name), now, &wait) ||
	    !throttle_check(a->login_by_addr, lr->addr, sizeof(lr->addr), now, &wait)) {
		proto_login_req_clear(&req);
		free(lr);
		a->logins_throttled++;
		fail_throttled(r, wait);
		return;
	}
	lr->d = api__http_defer(r);
	rc = auth_login(a->auth, req.name, req.password, login_cb, lr);
	proto_login_req_clear(&req);
	if (rc != 0) {
		if (rc == -EAGAIN) {
			a->logins_throttled++;
			api__http_header(r, "retry-after", "1");
		}
		api__deferred_fail(lr->d, 503, "unavailable",
				   rc == -EAGAIN
				       ? "too many sign-ins at once; try again in a moment"
				       : "cannot sign in now; try again",
				   NULL);
		free(lr);
	}
}

/* POST /api/v1/logout */
static void route_logout(struct api *a, struct http_req *r)
{
	char token[65];
	if (api__http_token_of(r, token)) {
		const struct auth_user *u = api__user(a, token);
		char name[sizeof(u->name)] = "";
		if (u)
			snprintf(name, sizeof(name), "%s", u->name);
		auth_logout(a->auth, token);
		if (name[0]) /* that session's WebSockets go with it (the user's others stay) */
			api__ws_end_user(name, a);
	}
	api__http_header(r, "set-cookie",
			 api__http_https(r)
			     ? "torg_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"
			     : "torg_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	api__http_json(r, 204, NULL);
}

/* GET /api/v1/me */
static void route_me(struct api *a, struct http_req *r)
{
	const struct auth_user *u = api__http_user(r);
	if (!u) {
		api__http_fail(r, 401, "unauthorized", "sign in first", NULL);
		return;
	}
	struct proto_user pu = user_of(u);
	int c = api__user_counter(a, u->name);
	api__http_json(r, 200, proto_encode_me_answer(&pu, c >= 0 ? a->cfg->counters[c].id : NULL));
}

/* POST /api/v1/counters/{c}/{op} */
static void route_counter(struct api *a, struct http_req *r)
{
	const struct http_match *m = api__http_match(r);
	int op = proto_op_from_path(m->op);
	int c = config_counter_index(a->cfg, m->id);
	if (c < 0) {
		api__http_fail(r, 404, "unknown_counter", "no such counter", NULL);
		return;
	}
	const struct auth_user *u = api__http_user(r);
	if (!u) {
		api__http_fail(r, 401, "unauthorized", "sign in first", NULL);
		return;
	}
	struct proto_cmd cmd = {0};
	struct proto_error err = {0};
	size_t blen;
	const char *body = api__http_body(r, &blen);
	int rc = proto_parse_cmd_body(op, body, blen, &cmd, &err);
	if (rc != 0) {
		api__http_proto_fail(r, rc, &err);
		return;
	}
	struct api_result res = {0};
	char token[65], sid[17] = "";
	if (api__http_token_of(r, token))
		auth_session_id(token, sid);
	api__counter_cmd_as(a, u, sid, c, &cmd, &res);
	proto_cmd_clear(&cmd);
	api__http_result(r, &res);
}

/* Each route's handler and the query parameters it takes. */
static const struct {
	void (*handle)(struct api *a, struct http_req *r);
	const char *const *params;
} routes[HTTP_ROUTE_MAX + 1] = {
    [HTTP_ROUTE_HEALTHZ] = {route_healthz, NULL},
    [HTTP_ROUTE_METRICS] = {route_metrics, NULL},
    [HTTP_ROUTE_FLOOR] = {route_floor, (const char *const[]){"display", NULL}},
    [HTTP_ROUTE_ISSUE] = {route_issue, NULL},
    [HTTP_ROUTE_TICKET] = {route_ticket, NULL},
    [HTTP_ROUTE_LOGIN] = {route_login, NULL},
    [HTTP_ROUTE_LOGOUT] = {route_logout, NULL},
    [HTTP_ROUTE_ME] = {route_me, NULL},
    [HTTP_ROUTE_COUNTER] = {route_counter, NULL},
    [HTTP_ROUTE_STATS] = {NULL, (const char *const[]){"from", "to", "group", NULL}},
    [HTTP_ROUTE_STATS_CSV] = {NULL, (const char *const[]){"from", "to", "group", "lang", NULL}},
    [HTTP_ROUTE_TEST_CLOCK] = {NULL, (const char *const[]){"ms", NULL}},
    [HTTP_ROUTE_PAGE] = {NULL, (const char *const[]){"lang", NULL}},
    [HTTP_ROUTE_ADMIN_AUDIT] = {NULL, (const char *const[]){"limit", NULL}},
};

const char *const *api__route_params(int route)
{
	static const char *const none[] = {NULL};
	if (route < 0 || route > HTTP_ROUTE_MAX || !routes[route].params)
		return none;
	return routes[route].params;
}

void api__route(struct api *a, struct http_req *r, int route)
{
	if (route == HTTP_ROUTE_TICKET_QR)
		api__qr_route(a, r, api__http_match(r)->id);
	else if (route == HTTP_ROUTE_ANNOUNCE)
		api__voice_route(a, r);
	else if (route == HTTP_ROUTE_ADMIN_CONFIG)
		api__admin_config_route(a, r);
	else if (route == HTTP_ROUTE_STATS || route == HTTP_ROUTE_STATS_CSV ||
		 route == HTTP_ROUTE_TEST_CLOCK || route == HTTP_ROUTE_TEST_PURGE)
		api__stats_route(a, r, route);
	else if (route >= HTTP_ROUTE_ADMIN_USERS && route <= HTTP_ROUTE_PASSWORD)
		api__admin_route(a, r, route);
	else if (route > 0 && route <= HTTP_ROUTE_MAX && routes[route].handle)
		routes[route].handle(a, r);
	else
		api__http_fail(r, 404, "not_found", "no such route", NULL);
}

void api__routes_start(struct api *a)
{
	if (ratelimit_init(&a->rate, API_RATE_SLOTS, a->cfg->kiosk_rate_per_minute) != 0 ||
	    throttle_create(&throttle_name_params, THROTTLE_ENTRIES, &a->login_by_name) != 0 ||
	    throttle_create(&throttle_address_params, THROTTLE_ENTRIES, &a->login_by_addr) != 0)
		fatal("api: cannot make the rate limit and login throttle tables");
	api__voice_start(a);
	api__admin_start(a);
}

void api__routes_stop(struct api *a)
{
	ratelimit_free(&a->rate);
	throttle_free(a->login_by_name);
	throttle_free(a->login_by_addr);
	a->login_by_name = a->login_by_addr = NULL;
	api__admin_stop(a);
	api__voice_free(a);
}
