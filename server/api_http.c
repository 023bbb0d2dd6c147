/*
 * api_http.c — the HTTP transaction of proto/PROTOCOL.md, from the request line to the
 * answer: who the client is (the TCP peer, or behind server.trusted_proxies the address
 * X-Forwarded-For names, and whether it came over https), the request's checks before any
 * route runs (the route and method, a strict query, the framing of the body, its
 * Content-Type, the Origin of a state-changing request), the body with a hard size
 * limit, and an answer that leaves only once what it reports is durable (each request
 * that touched or read the floor waits on an engine waiter). The parsing itself is pure
 * and fuzzed (http_parse.c, netaddr.c); the routes are in api_routes.c, api_qr.c and
 * api_stats.c. A request is never freed in its own callback: lws owns the
 * per-connection memory and we only reset it between transactions.
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "proto_encode.h"
#include "util.h"

struct http_req {
	struct api *api;
	struct lws *wsi;
	enum http_method method;
	char path[HTTP_PATH_MAX + 1];
	int route; /* enum http_route */
	struct http_match match;
	struct http_query *query; /* malloc'd when the request has one */
	struct netaddr client;	  /* the real client (behind trusted proxies) */
	bool https;		  /* it came over https (TLS, or a trusted proxy said so) */
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
	char *resp; /* the body, resp_len bytes (malloc'd) */
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
	free(r->query);
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

/* Readies an answer: status, content type and body (text taken, malloc'd, may be NULL);
 * it goes out when answer_ready or send_when_durable says so. */
static void respond_text(struct http_req *r, int status, const char *ctype, char *text, size_t len)
{
	free(r->resp);
	r->status = status;
	r->ctype = ctype;
	r->resp = text;
	r->resp_len = text ? len : 0;
}

/* Readies a JSON answer (reference taken, may be NULL). */
static void respond(struct http_req *r, int status, json_t *body)
{
	size_t len = 0;
	char *text = body ? proto_dump(body, &len) : NULL;
	respond_text(r, status, "application/json", text, len);
}

static int write_answer(struct http_req *r);

/* Waiter callback: the answer's events are durable. The answer is written now, in the
 * durable batch, rather than at a writable turn: arming POLLOUT costs two epoll_ctl and a
 * loop turn per answer on this libuv, and the socket of a client waiting for its answer
 * can almost always take it. This runs outside lws's callbacks (the commit's completion),
 * so a failed write kills the connection asynchronously instead of closing it under the
 * engine's waiter list. Reading resumes first when it was paused for this answer (a
 * request without a body, or a pipelined one waiting in lws's buffer: lws serves that
 * one only after this transaction completes). A connection with output still buffered
 * takes the writable turn as before. */
static void durable_cb(struct engine_waiter *w)
{
	struct http_req *r = (struct http_req *)((char *)w - offsetof(struct http_req, waiter));
	struct lws *wsi = r->wsi;
	if (lws_partial_buffered(wsi)) {
		answer_ready(r);
		return;
	}
	if (r->rx_paused) {
		r->rx_paused = false;
		lws_rx_flow_control(wsi, 1);
	}
	r->ready = true;
	r->api->answers_direct++;
	if (write_answer(r) != 0) {
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		lws_cancel_service(lws_get_context(wsi));
	}
}

/* Sends the readied answer once everything it reports is durable. */
static void send_when_durable(struct http_req *r)
{
	if (engine_wait(r->api->engine, &r->waiter, durable_cb))
		answer_ready(r);
}

/* Answers an error at once (nothing changed, nothing to wait for). */
static void fail(struct http_req *r, int status, const char *code, const char *message,
		 const char *field)
{
	r->dispatched = true; /* an answer given before the body ends the request */
	respond(r, status, proto_encode_error_body(code, message, field && *field ? field : NULL));
	answer_ready(r);
}

/* Answers a parse failure of http_parse. */
static void fail_http(struct http_req *r, int status, const struct http_error *e)
{
	fail(r, status, e->code, e->message, e->field);
}

/* ---- who the client is ---- */

/* Copies a header of up to max bytes into a new buffer (NULL when absent or longer). */
static char *header_dup(struct lws *wsi, enum lws_token_indexes h, size_t max, size_t *len)
{
	int n = lws_hdr_total_length(wsi, h);
	if (n <= 0 || (size_t)n > max)
		return NULL;
	char *buf = xmalloc((size_t)n + 1);
	if (lws_hdr_copy(wsi, buf, n + 1, h) < 0) {
		free(buf);
		return NULL;
	}
	*len = strlen(buf);
	return buf;
}

/* The client of this request: the TCP peer, or behind a trusted proxy the address its
 * X-Forwarded-For names, and whether the request came over https. */
static void find_client(struct http_req *r)
{
	struct api *a = r->api;
	const struct netaddr *peer = api__conn_peer(a, r->wsi);
	r->https = api__https(a, r->wsi);
	if (!peer) { /* no record (should not happen): take what lws says */
		char text[NETADDR_STRLEN];
		lws_get_peer_simple(r->wsi, text, sizeof(text));
		if (netaddr_parse(text, strlen(text), &r->client) != 0)
			memset(&r->client, 0, sizeof(r->client));
		return;
	}
	r->client = *peer;
	if (!api__trusted_proxy(a, peer))
		return;
	size_t len = 0;
	char *xff = header_dup(r->wsi, WSI_TOKEN_X_FORWARDED_FOR, HTTP_HEADER_MAX, &len);
	netaddr_client(peer, xff, len, a->cfg->trusted_proxies, a->cfg->ntrusted_proxies,
		       &r->client);
	free(xff);
}

bool api__https(struct api *a, struct lws *wsi)
{
	if (api__tls_on(a)) /* torgd's own port speaks only TLS */
		return true;
	const struct netaddr *peer = api__conn_peer(a, wsi);
	if (!peer || !api__trusted_proxy(a, peer))
		return false;
	char proto[64];
	int n = lws_hdr_custom_copy(wsi, proto, sizeof(proto), "x-forwarded-proto:", 18);
	return n > 0 && netaddr_proto_https(proto, (size_t)n);
}

/* With torgd's own TLS, every answer tells the browser to come back only over https
 * for a year (behind a proxy, the proxy says so). */
static int add_hsts(struct lws *wsi, unsigned char **p, unsigned char *end)
{
	static const char hsts[] = "max-age=31536000";
	if (!api__tls_on(lws_context_user(lws_get_context(wsi))))
		return 0;
	return lws_add_http_header_by_name(
	    wsi, (const unsigned char *)"strict-transport-security:", (const unsigned char *)hsts,
	    (int)sizeof(hsts) - 1, p, end);
}

/* ---- the checks before a route runs ---- */

/* Reads the query fragments lws decoded into r->query; false (answered 400) when they
 * are malformed, too many or too long. */
static bool read_query(struct http_req *r)
{
	const char *frags[HTTP_QUERY_MAX_PARAMS + 1];
	size_t lens[HTTP_QUERY_MAX_PARAMS + 1], n = 0;
	char *copies[HTTP_QUERY_MAX_PARAMS + 1];
	struct http_error err = {0};
	for (; n <= HTTP_QUERY_MAX_PARAMS; n++) {
		int fl = lws_hdr_fragment_length(r->wsi, WSI_TOKEN_HTTP_URI_ARGS, (int)n);
		if (fl <= 0)
			break;
		copies[n] = xmalloc((size_t)fl + 1);
		lws_hdr_copy_fragment(r->wsi, copies[n], fl + 1, WSI_TOKEN_HTTP_URI_ARGS, (int)n);
		frags[n] = copies[n];
		lens[n] = (size_t)fl;
	}
	bool ok = true;
	if (n > 0) {
		r->query = xmalloc(sizeof(*r->query));
		ok = http_query_parse(frags, lens, n, r->query, &err) == 0;
	}
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	if (!ok)
		fail_http(r, 400, &err);
	return ok;
}

/* Whether the Content-Type header says JSON ("application/json", parameters allowed). */
static bool content_is_json(struct lws *wsi)
{
	char ct[128];
	if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
		return false;
	size_t n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

bool api__origin_ok(struct api *a, struct lws *wsi, bool https)
{
	char site[32];
	if (lws_hdr_custom_copy(wsi, site, sizeof(site), "sec-fetch-site:", 15) > 0 &&
	    strcmp(site, "cross-site") == 0)
		return false;
	size_t olen = 0, hlen = 0;
	char *origin = header_dup(wsi, WSI_TOKEN_ORIGIN, HTTP_ORIGIN_MAX, &olen);
	if (!origin) /* not a browser (a browser sends Origin with these requests) */
		return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0;
	char *host = header_dup(wsi, WSI_TOKEN_HOST, 256, &hlen);
	bool ok = http_origin_ok(origin, host, https, (const char *const *)a->cfg->allowed_origins,
				 a->cfg->nallowed_origins);
	free(origin);
	free(host);
	return ok;
}

/* Whether a method changes state (a body may follow; the Origin and JSON rules apply). */
static bool changes_state(enum http_method m)
{
	return m == HTTP_M_POST || m == HTTP_M_DELETE || m == HTTP_M_PUT || m == HTTP_M_PATCH;
}

/* The largest body a route takes: a floor's configuration document, or any other body.
 * A configuration is taken only from a signed-in manager or admin (api_admin_config.c
 * checks that before the body is read), so nobody else makes torgd keep one. */
static size_t max_body(const struct http_req *r)
{
	return r->route == HTTP_ROUTE_ADMIN_CONFIG ? API_MAX_CONFIG_BODY : API_MAX_BODY;
}

/* Routes the request and checks it before its body is read: route and method, query,
 * framing, Content-Type and Origin of state-changing requests. Returns false when it
 * answered (an error). */
static bool check_request(struct http_req *r)
{
	struct api *a = r->api;
	struct lws *wsi = r->wsi;
	r->route = http_route(r->path, (int)r->method, &r->match);
	if ((r->route == HTTP_ROUTE_TEST_CLOCK || r->route == HTTP_ROUTE_TEST_PURGE) &&
	    !(clock_settable(a->clock) && a->stats))
		r->route = HTTP_ROUTE_NONE; /* they exist only with torgd --test-clock */
	if (r->route == HTTP_ROUTE_NONE) {
		fail(r, 404, "not_found",
		     strncmp(r->path, "/api/", 5) == 0 ? "no such route" : "no such page", NULL);
		return false;
	}
	if (r->route == HTTP_ROUTE_COUNTER_BAD_OP) {
		fail(r, 404, "not_found", "no such counter action", NULL);
		return false;
	}
	if (!r->match.method_ok) {
		add_header(r, "allow", r->match.allow);
		fail(r, 405, "method_not_allowed", "this route does not take that method", NULL);
		return false;
	}
	if (!read_query(r))
		return false;
	struct http_error err = {0};
	if (r->query && http_query_only(r->query, api__route_params(r->route), &err) != 0) {
		fail_http(r, 400, &err);
		return false;
	}
	if (!changes_state(r->method))
		return true;
	/* State-changing: JSON only (a form or a text/plain "simple request" from another
	 * site never gets this far), and only from the floor's own pages. */
	if (!content_is_json(wsi)) {
		fail(r, 415, "unsupported_media_type",
		     "send Content-Type: application/json with this request", "content-type");
		return false;
	}
	if (!api__origin_ok(a, wsi, r->https)) {
		fail(r, 403, "bad_origin",
		     "this request comes from a page of another site; the floor takes it only "
		     "from its own pages (or server.allowed_origins)",
		     "origin");
		return false;
	}
	return true;
}

/* Runs the route of a complete request. */
static void dispatch(struct http_req *r)
{
	struct api *a = r->api;
	if (r->dispatched)
		return;
	r->dispatched = true;
	if (a->stopping) {
		fail(r, 503, "unavailable", "torgd is shutting down", NULL);
		return;
	}
	if (r->route == HTTP_ROUTE_PAGE || r->route == HTTP_ROUTE_STATIC) {
		int rc = api__static_serve(a, r->wsi, r->match.file);
		if (rc == 1)
			fail(r, 404, "not_found", "no such page", NULL);
		else if (rc < 0)
			lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	api__route(a, r, r->route);
}

/* Writes the readied answer; returns what the lws callback should return. */
static int write_answer(struct http_req *r)
{
	unsigned char hbuf[LWS_PRE + 4096];
	unsigned char *start = hbuf + LWS_PRE, *p = start, *end = hbuf + sizeof(hbuf) - 1;
	size_t body_len = r->method == HTTP_M_HEAD ? 0 : r->resp_len;
	/* A 204 has no body and no length by definition: lws_add_http_common_headers,
	 * given no length, would add "connection: close" and end the keep-alive. */
	if (r->status == 204 ? lws_add_http_header_status(r->wsi, 204, &p, end)
			     : lws_add_http_common_headers(r->wsi, (unsigned)r->status, r->ctype,
							   (lws_filepos_t)r->resp_len, &p, end))
		return -1;
	/* Every API answer: never cached, never sniffed into something else, never
	 * rendered as a page or framed, and no Referer leaks a ticket URL onwards. */
	static const struct {
		const char *name, *value;
	} always[] = {
	    {"cache-control:", "no-store"},
	    {"x-content-type-options:", "nosniff"},
	    {"referrer-policy:", "no-referrer"},
	    {"content-security-policy:", "default-src 'none'; frame-ancestors 'none'"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(always); i++)
		if (lws_add_http_header_by_name(r->wsi, (const unsigned char *)always[i].name,
						(const unsigned char *)always[i].value,
						(int)strlen(always[i].value), &p, end))
			return -1;
	if (add_hsts(r->wsi, &p, end))
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
	if (lws_finalize_http_header(r->wsi, &p, end))
		return -1;
	/* A body that fits goes in the headers' send: one write, so an answer is never seen
	 * half (its status without its body) when torgd dies between two sends, and one
	 * syscall fewer. */
	if (body_len > 0 && body_len <= (size_t)(end - p)) {
		memcpy(p, r->resp, body_len);
		p += body_len;
		body_len = 0;
	}
	if (lws_write(r->wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) !=
	    (int)(p - start))
		return -1;
	if (body_len > 0) {
		/* a big body (a snapshot, statistics) leaves in a send of its own, with the
		 * headroom lws_write asks for */
		unsigned char *big = xmalloc(LWS_PRE + body_len);
		memcpy(big + LWS_PRE, r->resp, body_len);
		int n = lws_write(r->wsi, big + LWS_PRE, body_len, LWS_WRITE_HTTP_FINAL);
		free(big);
		if (n != (int)body_len)
			return -1;
	}
	bool close_after = r->close_after;
	req_reset(r);
	if (close_after)
		return -1;
	return lws_http_transaction_completed(r->wsi) ? -1 : 0;
}

/* Whether a request comes with the session of a manager or admin, else answers it. */
static bool admin_session(struct http_req *r)
{
	const struct auth_user *u = api__http_user(r);
	if (!u)
		fail(r, 401, "unauthorized", "sign in first", NULL);
	else if (u->role < AUTH_ROLE_MANAGER)
		fail(r, 403, "forbidden", "only a manager or an admin may change the floor", NULL);
	return u && u->role >= AUTH_ROLE_MANAGER;
}

/* Which method this request uses. */
static enum http_method req_method(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return HTTP_M_GET;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
		return HTTP_M_POST;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
		return HTTP_M_DELETE;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI))
		return HTTP_M_HEAD;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
		return HTTP_M_PUT;
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI))
		return HTTP_M_PATCH;
	return HTTP_M_OTHER;
}

/* Starts a transaction: the request's checks, then the route at once or once the body
 * is in. */
static int begin(struct http_req *r, struct lws *wsi, const char *uri, size_t urilen)
{
	req_reset(r);
	r->api->http_requests++; /* every request, those refused before a route too */
	r->method = req_method(wsi);
	if (urilen > HTTP_PATH_MAX)
		urilen = HTTP_PATH_MAX + 1; /* too long: no route matches it */
	memcpy(r->path, uri, urilen < sizeof(r->path) ? urilen : sizeof(r->path) - 1);
	r->path[urilen < sizeof(r->path) ? urilen : sizeof(r->path) - 1] = '\0';
	find_client(r);
	int64_t content_len = 0;
	struct http_error err = {0};
	size_t cllen = 0;
	char *cl = header_dup(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 64, &cllen);
	int rc = 0;
	if (cl)
		rc = http_content_length(cl, cllen, API_DRAIN_MAX, &content_len, &err);
	else if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
		rc = http_content_length("x", 1, API_DRAIN_MAX, &content_len, &err); /* too long */
	free(cl);
	if (rc != 0) {
		r->close_after = true; /* the body's framing is unknown: nothing after it is */
		fail_http(r, rc == -E2BIG ? 413 : 400, &err);
		return 0;
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING)) {
		r->close_after = true;
		fail(r, 400, "bad_request", "send the body with a Content-Length",
		     "transfer-encoding");
		return 0;
	}
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_HOST)) {
		r->close_after = content_len > 0;
		fail(r, 400, "bad_request", "an HTTP/1.1 request needs a Host header", "host");
		return 0;
	}
	if (!check_request(r)) {
		r->close_after = r->close_after || content_len > 0;
		return 0;
	}
	if (r->route == HTTP_ROUTE_ADMIN_CONFIG && r->method == HTTP_M_PUT && !admin_session(r))
		return 0; /* refused; the body is drained, never kept */
	if (content_len > 0 && changes_state(r->method))
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
	const char *m = r->method == HTTP_M_POST     ? "POST "
			: r->method == HTTP_M_DELETE ? "DELETE "
			: r->method == HTTP_M_PUT    ? "PUT "
			: r->method == HTTP_M_PATCH  ? "PATCH "
						     : NULL;
	return m && in && len >= strlen(m) && memcmp(in, m, strlen(m)) == 0;
}

/* Answers an Upgrade this server does not speak (h2c: an untested parser, and a way past
 * a proxy's rules for paths). */
static int refuse_upgrade(struct lws *wsi, const char *up)
{
	if (!up || strcasecmp(up, "websocket") == 0)
		return 0;
	unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start,
					  *end = buf + sizeof(buf) - 1;
	static const char body[] = "{\"error\":{\"code\":\"bad_request\",\"message\":\"only "
				   "WebSocket upgrades are taken here\",\"field\":\"upgrade\"}}";
	if (lws_add_http_common_headers(wsi, 400, "application/json", sizeof(body) - 1, &p, end) ||
	    add_hsts(wsi, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
					(const unsigned char *)"close", 5, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	memcpy(p, body, sizeof(body) - 1);
	lws_write(wsi, p, sizeof(body) - 1, LWS_WRITE_HTTP_FINAL);
	return -1;
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
		return begin(r, wsi, in, len);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return refuse_upgrade(wsi, in);
	case LWS_CALLBACK_HTTP_BODY:
		if (r->blen == 0 && body_is_misread(r, in, len)) {
			log_info("http: a request with a body came pipelined behind another in one "
				 "packet; closing that connection (libwebsockets 4.1.6 cannot read "
				 "such a body)");
			return -1;
		}
		if (r->dispatched) /* answered before its body (an error): the rest is drained */
			return 0;
		if (r->too_big || r->blen + len > max_body(r)) {
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
			fail(r, 413, "payload_too_large",
			     max_body(r) == API_MAX_BODY ? "the body is over 16 KiB"
							 : "the body is over 512 KiB",
			     NULL);
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
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return a ? api__conn_filter(a, user) : 1;
	case LWS_CALLBACK_WSI_CREATE:
		if (a)
			api__conn_created(a, wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (a)
			api__conn_destroyed(a, wsi);
		return 0;
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		return a ? api__tls_vhost_ctx(a, user) : -1;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- what routes use ---- */

const char *api__http_path(const struct http_req *r)
{
	return r->path;
}

enum http_method api__http_method(const struct http_req *r)
{
	return r->method;
}

const struct http_match *api__http_match(const struct http_req *r)
{
	return &r->match;
}

const char *api__http_body(const struct http_req *r, size_t *len)
{
	*len = r->blen;
	return r->body ? r->body : "";
}

const struct netaddr *api__http_client(const struct http_req *r)
{
	return &r->client;
}

bool api__http_https(const struct http_req *r)
{
	return r->https;
}

bool api__http_query(const struct http_req *r, const char *name, char *out, size_t len)
{
	const char *v = r->query ? http_query_get(r->query, name) : NULL;
	if (!v)
		return false;
	size_t n = strlen(v);
	if (n >= len)
		n = 0; /* does not fit: present but empty, which no parameter takes */
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

bool api__http_token(struct lws *wsi, char out[65])
{
	size_t alen = 0, clen = 0;
	char *auth = header_dup(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, HTTP_HEADER_MAX, &alen);
	char *cookie = header_dup(wsi, WSI_TOKEN_HTTP_COOKIE, HTTP_HEADER_MAX, &clen);
	bool found = http_token_from(auth, alen, cookie, clen, out);
	free(auth);
	free(cookie);
	return found;
}

bool api__http_token_of(struct http_req *r, char out[65])
{
	return api__http_token(r->wsi, out);
}

const struct auth_user *api__http_user(struct http_req *r)
{
	char token[65];
	if (!api__http_token(r->wsi, token))
		return NULL;
	return api__user(r->api, token);
}

int api__http_custom(struct http_req *r, const char *name, char *out, size_t len)
{
	int n = lws_hdr_custom_length(r->wsi, name, (int)strlen(name));
	if (n < 0)
		return -1;
	if ((size_t)n >= len)
		return -E2BIG;
	return lws_hdr_custom_copy(r->wsi, out, (int)len, name, (int)strlen(name));
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

void api__http_json_text(struct http_req *r, int status, char *text, size_t len)
{
	respond_text(r, status, "application/json", text, len);
	answer_ready(r);
}

void api__http_durable(struct http_req *r, int status, char *text, size_t len)
{
	respond_text(r, status, "application/json", text, len);
	send_when_durable(r);
}

void api__http_result(struct http_req *r, struct api_result *res)
{
	if (res->status == 204) {
		free(res->body);
		res->body = NULL;
	}
	respond_text(r, res->status, "application/json", res->body, res->len);
	res->body = NULL;
	send_when_durable(r);
}

void api__http_proto_fail(struct http_req *r, int rc, struct proto_error *err)
{
	int status = rc == -E2BIG ? 413 : 400;
	const char *code = rc == -E2BIG ? "payload_too_large" : err->code;
	fail(r, status, code, err->message ? err->message : code, err->field);
	proto_error_clear(err);
}

void api__http_text(struct http_req *r, int status, const char *ctype, char *text, size_t len)
{
	respond_text(r, status, ctype, text, len);
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

struct http_req *api__deferred_req(struct api_deferred *d)
{
	return d->req;
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

void api__deferred_durable(struct api_deferred *d, int status, char *text, size_t len)
{
	struct http_req *r = deferred_take(d);
	if (r)
		api__http_durable(r, status, text, len);
	else
		free(text);
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
