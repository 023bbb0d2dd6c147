/*
 * api.c — the libwebsockets context on torgd's libuv loop, and what HTTP and
 * WebSocket share: finding the staff user behind a request, checking what the
 * user may do at a counter, running the counter command and shaping its
 * answer. Teardown follows NOTES-platform.md: destroy once to close every
 * connection, let the loop drain, destroy again after uv_run returns.
 */
#include "api_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "encode.h"
#include "proto_encode.h"
#include "util.h"

size_t api__http_req_size(void);

/* The api whose context logs (one per process), for the out-of-descriptors guard. */
static struct api *log_api;

#define LWS_LOG_KINDS 16    /* distinct lws lines whose repeats are counted */
#define LWS_LOG_KEY   40    /* bytes of a line that tell kinds apart */
#define LWS_LOG_QUIET 60000 /* a kind is written at most this often (ms) */

/* Repeats of one kind of lws log line: any client can make lws log (a request whose
 * headers pass 4 KiB: "Ran out of header data space"), so each kind is written at most
 * once a minute, with the count of those held back. */
static struct lws_log_kind {
	char key[LWS_LOG_KEY + 1];
	int64_t at_ms;
	unsigned held;
} lws_log_kinds[LWS_LOG_KINDS];

/* Whether a line of this kind may be written now; *held gets how many were held back. */
static bool lws_log_allowed(const char *line, size_t n, unsigned *held)
{
	char key[LWS_LOG_KEY + 1];
	size_t kl = n < LWS_LOG_KEY ? n : LWS_LOG_KEY;
	memcpy(key, line, kl);
	key[kl] = '\0';
	int64_t now = util_mono_ns() / 1000000;
	struct lws_log_kind *k = NULL, *oldest = &lws_log_kinds[0];
	for (size_t i = 0; i < LWS_LOG_KINDS && !k; i++) {
		if (strcmp(lws_log_kinds[i].key, key) == 0)
			k = &lws_log_kinds[i];
		else if (lws_log_kinds[i].at_ms < oldest->at_ms)
			oldest = &lws_log_kinds[i];
	}
	if (!k) {
		k = oldest;
		memcpy(k->key, key, kl + 1);
		k->at_ms = 0;
		k->held = 0;
	}
	if (k->at_ms && now - k->at_ms < LWS_LOG_QUIET) {
		k->held++;
		return false;
	}
	*held = k->held;
	k->held = 0;
	k->at_ms = now;
	return true;
}

/* lws log lines go to our log, at the matching level, each kind at most once a minute.
 * lws's "accept: errno 24" (and 23) would come on every loop turn while descriptors are
 * out: it goes to the guard instead. */
static void lws_log_cb(int level, const char *line)
{
	size_t n = strlen(line);
	if (log_api && (strncmp(line, "accept: errno 24", 16) == 0 ||
			strncmp(line, "accept: errno 23", 16) == 0)) {
		api__conn_out_of_fds(log_api);
		return;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	unsigned held = 0;
	if (level != LLL_ERR && level != LLL_WARN) {
		log_msg(LOG_DEBUG, "lws: %.*s", (int)n, line);
		return;
	}
	if (!lws_log_allowed(line, n, &held))
		return;
	if (held)
		log_msg(level == LLL_ERR ? LOG_ERR : LOG_WARN,
			"lws: %.*s (and %u more like it in the last minute)", (int)n, line, held);
	else
		log_msg(level == LLL_ERR ? LOG_ERR : LOG_WARN, "lws: %.*s", (int)n, line);
}

/* Splits "ADDR:PORT" into a bindable IP literal (host, at least 64 bytes) and a port:
 * IPv4 ("127.0.0.1", "0.0.0.0"), IPv6 in brackets ("[::1]", "[::]") or "localhost"
 * (127.0.0.1). *v6 tells which. Returns 0 or -EINVAL with *cause. */
static int listen_parse(const char *listen, char *host, size_t hostlen, int *port, bool *v6,
			char **cause);

int api_listen_check(const char *listen, char **cause)
{
	char host[INET6_ADDRSTRLEN + 8];
	int port;
	bool v6;
	return listen_parse(listen, host, sizeof(host), &port, &v6, cause);
}

static int listen_parse(const char *listen, char *host, size_t hostlen, int *port, bool *v6,
			char **cause)
{
	const char *colon = strrchr(listen, ':');
	char *end = NULL;
	long p = colon ? strtol(colon + 1, &end, 10) : -1;
	size_t hl = colon ? (size_t)(colon - listen) : 0;
	if (!colon || hl == 0 || hl >= hostlen || !end || end == colon + 1 || *end || p < 0 ||
	    p > 65535)
		goto bad;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	*v6 = false;
	if (host[0] == '[') { /* [::1]:8080 */
		if (hl < 3 || host[hl - 1] != ']')
			goto bad;
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
		*v6 = true;
	} else if (strcmp(host, "localhost") == 0) {
		strcpy(host, "127.0.0.1");
	}
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, host, buf) != 1) {
		*cause = xasprintf("listen address \"%s\": the host must be an IP address "
				   "(127.0.0.1, 0.0.0.0, [::1], [::]) or localhost",
				   listen);
		return -EINVAL;
	}
	*port = (int)p;
	return 0;
bad:
	*cause = xasprintf("listen address \"%s\" is not ADDR:PORT", listen);
	return -EINVAL;
}

/* Why binding addr:port fails, tried with a socket of our own (lws only logs it). */
static char *bind_failure(const char *host, bool v6, int port, const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &a6->sin6_addr);
		sl = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &a4->sin_addr);
		sl = sizeof(*a4);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err = 0;
	if (fd < 0) {
		err = errno;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
			err = errno;
		close(fd);
	}
	if (err)
		return xasprintf("cannot listen on %s: %s", listen, strerror(err));
	return xasprintf("cannot listen on %s (see the lws lines above)", listen);
}

int api_create(uv_loop_t *loop, const struct api_opts *opts, const struct config *cfg,
	       struct engine *e, struct auth *auth, struct api **out, char **cause)
{
	char host[INET6_ADDRSTRLEN + 8];
	int port;
	bool v6;
	int rc = listen_parse(opts->listen, host, sizeof(host), &port, &v6, cause);
	if (rc != 0)
		return rc;

	struct api *a = xcalloc(1, sizeof(*a));
	a->loop = loop;
	a->cfg = cfg;
	a->reconfigure = opts->reconfigure;
	a->reconfigure_arg = opts->reconfigure_arg;
	a->engine = e;
	a->clock = opts->clock;
	a->stats = opts->stats;
	a->auth = auth;
	a->www = xstrdup(opts->www);
	a->iface = xstrdup(host); /* lws keeps the pointer: it must outlive the vhost */
	a->conns.reserve_fd = a->conns.listen_fd = -1;
	if ((rc = api__tls_prepare(a, cause)) != 0) {
		api_free(a);
		return rc;
	}
	api__static_headers(a);
	/* Every connection costs a descriptor: take what the hard limit allows (lws sizes its
	 * tables from the limit when the context is made). */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

	static struct lws_protocols protocols[3];
	protocols[0] = (struct lws_protocols){.name = "http",
					      .callback = api__http_cb,
					      .per_session_data_size = api__http_req_size()};
	protocols[1] =
	    (struct lws_protocols){.name = PROTO_VERSION,
				   .callback = api__ws_cb,
				   .per_session_data_size = sizeof(struct ws_session),
				   .rx_buffer_size = 1024,
				   /* one send() per frame: left at 0, lws caps each send at
				    * rx_buffer_size and a 7 kB snapshot leaves in 8 */
				   .tx_packet_size = API_FRAME_MAX + LWS_PRE};
	protocols[2] = (struct lws_protocols){0};

	lws_set_log_level(getenv("TORG_LWS_DEBUG") ? 0x3ff : (LLL_ERR | LLL_WARN), lws_log_cb);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	void *loops[1] = {loop};
	/* The vhost is made separately: a failed bind then leaves a context that tears down
	 * normally (a default vhost failing inside lws_create_context leaves one half torn
	 * down, and running the loop over it crashed). */
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       (a->tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	info.foreign_loops = loops;
	info.user = a;
	info.pcontext = &a->ctx;
	a->ctx = lws_create_context(&info);
	if (!a->ctx) {
		*cause =
		    xstrdup("cannot start libwebsockets (is libwebsockets-evlib-uv installed?)");
		api_free(a);
		return -ENOTSUP;
	}
	/* An IPv4 address needs IPv6 off: lws 4.1.6 would otherwise write it into the
	 * wrong part of an IPv6 socket address and listen on every interface. */
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND |
		       (v6 ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
	info.port = port;
	info.iface = a->iface;
	info.protocols = protocols;
	info.vhost_name = "default";
	info.timeout_secs = 30;
	info.max_http_header_data = 4096;
	info.keepalive_timeout = 30;
	if (a->tls) {
		/* lws makes the vhost's SSL_CTX and hands it to the http protocol's callback,
		 * where api_tls.c fills it (no file paths here: lws would read them itself
		 * and could not read them again without dropping the context). HTTP/1.1 is
		 * the only protocol offered: h2 would carry torgd's HTTP and WebSocket in a
		 * framing it is not tested with. */
		info.options |=
		    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX;
		info.alpn = "http/1.1";
	}
	/* lws logs a failed bind in three lines of its own; ours below says it in one. */
	lws_set_log_level(0, lws_log_cb);
	a->vhost = lws_create_vhost(a->ctx, &info);
	lws_set_log_level(getenv("TORG_LWS_DEBUG") ? 0x3ff : (LLL_ERR | LLL_WARN), lws_log_cb);
	if (!a->vhost) {
		*cause = api__tls_on(a) && !api__tls_ready(a)
			     ? xstrdup("server.tls: cannot set up TLS (see the line above)")
			     : bind_failure(host, v6, port, opts->listen);
		api_stop(a);
		uv_run(loop, UV_RUN_DEFAULT);
		api_free(a);
		return -EADDRINUSE;
	}
	api__conn_start(a, port);
	api__routes_start(a);
	api__push_start(a);
	api__notices_start(a);
	auth_set_end_cb(auth, api__ws_end_user, a);
	log_api = a;
	*out = a;
	return 0;
}

void api_stop(struct api *a)
{
	if (a->stopping)
		return;
	a->stopping = true;
	api__push_stop(a);
	api__notices_stop(a);
	api__voice_stop(a);
	api__ws_close_all(a);
	if (a->ctx)
		lws_context_destroy(a->ctx);
}

void api_free(struct api *a)
{
	if (!a)
		return;
	if (a->ctx)
		lws_context_destroy(a->ctx);
	if (log_api == a)
		log_api = NULL;
	if (a->auth)
		auth_set_end_cb(a->auth, NULL, NULL);
	api__conn_stop(a);
	api__routes_stop(a);
	free(a->frame);
	free(a->snap.text);
	free(a->by_ticket);
	free(a->www);
	free(a->iface);
	free(a->page_headers);
	free(a->display_headers);
	free(a->asset_headers);
	api__tls_free(a);
	free(a);
}

/* Engine hook: a command changed the floor (not yet durable). */
static void hook_changed(void *arg, const struct floor_events *evs)
{
	api__ws_changed(arg, evs);
}

/* Engine hook: events up to seq are durable and in the fan-out log. */
static void hook_durable(void *arg, uint64_t seq, uint64_t services)
{
	api__push_durable(arg, seq, services);
}

/* Engine hook: a new configuration runs: every page sees it (api_ws.c). */
static void hook_reconfigured(void *arg, const struct config *cfg)
{
	struct api *a = arg;
	a->cfg = cfg;
	a->rate.per_minute = cfg->kiosk_rate_per_minute;
	api__voice_reconfigure(a);
	api__ws_reconfigured(a);
	api__notices_check(a); /* the new messages' and exceptions' times */
}

/* Engine hook: the store failed. Nothing more may be acknowledged: leave at once;
 * the journal holds everything that was. */
static void hook_failed(void *arg, const char *cause)
{
	log_err("cannot store events (%s); stopping so that nothing unstored is acknowledged",
		cause);
	_exit(3);
}

void api_engine_hooks(struct api *a, struct engine_hooks *hooks)
{
	hooks->changed = hook_changed;
	hooks->durable = hook_durable;
	hooks->failed = hook_failed;
	hooks->reconfigured = hook_reconfigured;
	hooks->arg = a;
}

const struct auth_user *api__user(struct api *a, const char *token)
{
	if (!token || !token[0])
		return NULL;
	return auth_session_user(a->auth, token);
}

void api__error(struct api_result *res, int status, const char *code, const char *message,
		const char *field)
{
	free(res->body);
	res->status = status;
	res->body = proto_dump(proto_encode_error_body(code, message, field), &res->len);
}

void api__floor_error(struct api_result *res, int err)
{
	int status = 409;
	switch (err) {
	case FLOOR_E_SERVICE:
	case FLOOR_E_INVAL:
		status = 400;
		break;
	case FLOOR_E_COUNTER:
	case FLOOR_E_TICKET:
		status = 404;
		break;
	default:
		break;
	}
	api__error(res, status, err == FLOOR_E_INVAL ? "bad_request" : floor_error_code(err),
		   floor_error_message(err), NULL);
}

/* Ids of the services in mask, for auth_user_allows (static storage, borrowed). */
static size_t mask_ids(const struct config *cfg, uint64_t mask, const char **ids)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->nservices; i++)
		if (mask & (UINT64_C(1) << i))
			ids[n++] = cfg->services[i].id;
	return n;
}

/* Whether user may act for every service in mask. */
static bool user_allows_mask(const struct config *cfg, const struct auth_user *u, uint64_t mask)
{
	const char *ids[FLOOR_MAX_SERVICES];
	size_t n = mask_ids(cfg, mask, ids);
	return auth_user_allows(u, ids, n);
}

/* Resolves "B007" to today's ticket; FLOOR_NONE when there is none. */
static uint32_t ticket_by_number(const struct api *a, const char *number)
{
	char prefix[3] = {0};
	size_t i = 0;
	while (i < 2 && number[i] >= 'A' && number[i] <= 'Z') {
		prefix[i] = number[i];
		i++;
	}
	int s = config_service_by_prefix(a->cfg, prefix);
	if (s < 0 || !number[i])
		return FLOOR_NONE;
	char *end;
	long n = strtol(number + i, &end, 10);
	if (*end || n <= 0 || n > FLOOR_MAX_NUMBER)
		return FLOOR_NONE;
	return floor_ticket_by_number(engine_floor(a->engine), s, (int)n);
}

static bool one_counter_ok(struct api *a, const struct auth_user *user, int counter,
			   const struct proto_cmd *cmd, struct api_result *res);

void api__counter_cmd(struct api *a, const struct auth_user *user, int counter,
		      const struct proto_cmd *cmd, struct api_result *res)
{
	const struct config *cfg = a->cfg;
	struct engine *e = a->engine;
	res->status = 0;
	res->body = NULL;
	if (user->role != AUTH_ROLE_COUNTER && user->role != AUTH_ROLE_ADMIN) {
		api__error(res, 403, "forbidden", "only counter staff may act at a counter", NULL);
		return;
	}
	const struct config_counter *cc = &cfg->counters[counter];
	struct floor_counter_info ci;
	floor_counter_get(engine_floor(e), counter, &ci);
	uint64_t services = 0;
	uint32_t ticket = FLOOR_NONE;
	int service = -1;

	if (cmd->op == PROTO_OP_OPEN) {
		if (cmd->has_services) {
			for (size_t i = 0; i < cmd->nservices; i++) {
				int s = config_service_index(cfg, cmd->services[i]);
				if (s < 0) {
					char field[32], *msg = xasprintf("unknown service \"%s\"",
									 cmd->services[i]);
					snprintf(field, sizeof(field), "services[%zu]", i);
					api__error(res, 400, "unknown_service", msg, field);
					free(msg);
					return;
				}
				services |= UINT64_C(1) << s;
			}
			if (services & ~cc->services) {
				api__error(res, 409, "service_not_given",
					   "a requested service is not given at this counter",
					   "services");
				return;
			}
			if (!user_allows_mask(cfg, user, services)) {
				api__error(res, 403, "forbidden",
					   "you are not allowed to give every requested service",
					   "services");
				return;
			}
		} else {
			for (size_t i = 0; i < cfg->nservices; i++) {
				uint64_t bit = UINT64_C(1) << i;
				if ((cc->services & bit) && user_allows_mask(cfg, user, bit))
					services |= bit;
			}
			if (!services) {
				api__error(
				    res, 403, "forbidden",
				    "you are not allowed to give any service of this counter",
				    NULL);
				return;
			}
		}
	} else if (ci.open && !user_allows_mask(cfg, user, ci.services)) {
		api__error(res, 403, "forbidden",
			   "you are not allowed to give every service of this counter", NULL);
		return;
	}
	if (cmd->op == PROTO_OP_CALL) {
		ticket = ticket_by_number(a, cmd->number);
		if (ticket == FLOOR_NONE) {
			char *msg = xasprintf("no ticket %s today", cmd->number);
			api__error(res, 404, "unknown_ticket", msg, "number");
			free(msg);
			return;
		}
	}
	if (cmd->op == PROTO_OP_TRANSFER) {
		service = config_service_index(cfg, cmd->service);
		if (service < 0) {
			char *msg = xasprintf("unknown service \"%s\"", cmd->service);
			api__error(res, 400, "unknown_service", msg, "service");
			free(msg);
			return;
		}
	}
	/* one counter per user: after the command's own checks, before anything changes */
	if (cmd->op == PROTO_OP_OPEN && !ci.open && !one_counter_ok(a, user, counter, cmd, res))
		return;
	uint32_t acted = FLOOR_NONE;
	int rc;
	switch (cmd->op) {
	case PROTO_OP_OPEN:
		/* per_staff: the shift is written in the same store commit as counter.opened */
		rc = engine_open(e, counter, services, cfg->per_staff ? user->name : NULL);
		break;
	case PROTO_OP_CLOSE:
		rc = engine_close(e, counter);
		break;
	case PROTO_OP_CALL_NEXT:
		rc = engine_call_next(e, counter, &acted);
		break;
	case PROTO_OP_CALL:
		rc = engine_call(e, counter, ticket);
		acted = ticket;
		break;
	case PROTO_OP_RECALL:
		rc = engine_recall(e, counter, &acted);
		break;
	case PROTO_OP_START:
		rc = engine_serve(e, counter, &acted);
		break;
	case PROTO_OP_FINISH:
		rc = engine_finish(e, counter, &acted);
		break;
	case PROTO_OP_NO_SHOW:
		rc = engine_no_show(e, counter, &acted);
		break;
	case PROTO_OP_TRANSFER:
		rc = engine_transfer(e, counter, service, cmd->front, &acted);
		break;
	case PROTO_OP_BREAK:
		rc = engine_break(e, counter, cmd->on);
		break;
	default:
		rc = FLOOR_E_INVAL;
	}
	if (rc < 0) {
		api__floor_error(res, rc);
		return;
	}
	/* answered with the counter alone, which no ticket follows */
	bool opens_or_closes =
	    cmd->op == PROTO_OP_OPEN || cmd->op == PROTO_OP_CLOSE || cmd->op == PROTO_OP_BREAK;
	/* call-next with nobody waiting: 204, and the counter without a ticket */
	res->status = !opens_or_closes && acted == FLOOR_NONE ? 204 : 200;
	res->body = encode_counter_answer(e, counter, opens_or_closes ? FLOOR_NONE : acted,
					  clock_now_ms(a->clock), &res->len);
}

/* Whether the opener recorded for counter c still holds it: the same counter id, and the
 * floor has it open. */
static bool opener_holds(struct api *a, size_t c)
{
	struct floor_counter_info ci;
	return strcmp(a->openers[c].counter, a->cfg->counters[c].id) == 0 &&
	       floor_counter_get(engine_floor(a->engine), (int)c, &ci) == 0 && ci.open;
}

int api__user_counter(struct api *a, const char *name)
{
	for (size_t c = 0; c < a->cfg->ncounters && c < FLOOR_MAX_COUNTERS; c++)
		if (strcmp(a->openers[c].user, name) == 0 && opener_holds(a, c))
			return (int)c;
	return -1;
}

int api__session_counter(struct api *a, const char *sid)
{
	for (size_t c = 0; sid[0] && c < a->cfg->ncounters && c < FLOOR_MAX_COUNTERS; c++)
		if (strcmp(a->openers[c].sid, sid) == 0 && opener_holds(a, c))
			return (int)c;
	return -1;
}

/* Sets *res to a 409 error that names a counter ("counter": its id). */
static void counter_conflict(struct api *a, struct api_result *res, const char *code,
			     const char *message, int counter)
{
	json_t *body = proto_encode_error_body(code, message, NULL);
	json_object_set_new(json_object_get(body, "error"), "counter",
			    json_string(a->cfg->counters[counter].id));
	free(res->body);
	res->status = 409;
	res->body = proto_dump(body, &res->len);
}

/* Whether user may open counter while holding another: not without cmd->move, and not
 * while the other has a visitor; else sets *res to the 409 naming the other counter. */
static bool one_counter_ok(struct api *a, const struct auth_user *user, int counter,
			   const struct proto_cmd *cmd, struct api_result *res)
{
	int other = api__user_counter(a, user->name);
	if (other < 0 || other == counter)
		return true;
	struct floor_counter_info ci;
	floor_counter_get(engine_floor(a->engine), other, &ci);
	if (!cmd->move) {
		counter_conflict(a, res, "signed_in_elsewhere",
				 "you have another counter open: close it, or move", other);
		return false;
	}
	if (ci.ticket != FLOOR_NONE) {
		counter_conflict(a, res, "counter_busy",
				 "your other counter still has a visitor: finish first", other);
		return false;
	}
	return true;
}

void api__counter_cmd_as(struct api *a, const struct auth_user *user, const char *sid, int counter,
			 const struct proto_cmd *cmd, struct api_result *res)
{
	int other = cmd->op == PROTO_OP_OPEN ? api__user_counter(a, user->name) : -1;
	api__counter_cmd(a, user, counter, cmd, res);
	if (res->status != 200)
		return;
	struct api_opener *o = &a->openers[counter];
	if (cmd->op == PROTO_OP_OPEN) {
		snprintf(o->user, sizeof(o->user), "%s", user->name);
		snprintf(o->sid, sizeof(o->sid), "%s", sid ? sid : "");
		snprintf(o->counter, sizeof(o->counter), "%s", a->cfg->counters[counter].id);
		/* the move: this counter is open, the other (checked free by one_counter_ok)
		 * closes in the same durable batch */
		if (other >= 0 && other != counter && engine_close(a->engine, other) == 0)
			memset(&a->openers[other], 0, sizeof(a->openers[other]));
	} else if (cmd->op == PROTO_OP_CLOSE) {
		memset(o, 0, sizeof(*o));
	}
}
