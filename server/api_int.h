/*
 * api_int.h — what the api_*.c files share: the api struct, the per-connection
 * state of HTTP requests and WebSocket sessions, and the helpers that turn a
 * counter command into an answer for either transport.
 */
#ifndef TORG_API_INT_H
#define TORG_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>
#include <libwebsockets.h>
#include <jansson.h>

#include "api.h"
#include "proto.h"

#define API_MAX_BODY   PROTO_MAX_MESSAGE
#define API_DRAIN_MAX  (1024 * 1024) /* bodies up to this are read and refused with 413 */
#define API_LAG_EVENTS 4096	    /* unsent events before a session is dropped (4001) */
#define API_LAG_BYTES  (1024 * 1024) /* unsent bytes of its own messages, likewise */
#define API_MSG_RATE   20	    /* client messages per second a session may send ... */
#define API_MSG_BURST  40	    /* ... and at once */
#define API_HELLO_S    10	    /* seconds a new session has to say hello */
#define API_SNDBUF     (64 * 1024)  /* kernel send buffer of a WebSocket */
#define API_FRAME_MAX  (256 * 1024) /* bytes of events coalesced into one frame */
#define API_RATE_SLOTS 1024

struct ws_session;

/* An answer: HTTP status and JSON body, or an error. */
struct api_result {
	int status;
	json_t *body; /* owned */
};

struct api {
	uv_loop_t *loop;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	char *iface; /* the listen address, kept for lws */
	const struct config *cfg;
	struct engine *engine;
	struct auth *auth;
	char *www;
	bool stopping;
	/* WebSocket sessions, for waking them on durable events */
	struct ws_session *sessions;
	size_t nsessions;
	uint64_t log_next_before; /* fan-out log end before the newest durable batch */
	/* ticket watchers per service */
	struct ws_session *watchers[FLOOR_MAX_SERVICES];
	/* per-address ticket rate limit (token bucket) */
	struct api_rate {
		char addr[48];
		double tokens;
		int64_t at_ms;
	} rate[API_RATE_SLOTS];
	/* figures for /metrics */
	uint64_t http_requests, ws_frames_out, ws_lagging_closed;
	/* scratch for coalesced frames */
	unsigned char *frame;
	size_t frame_cap;
};

/* One queued outgoing WebSocket message, released when ready_seq is durable. */
struct ws_out {
	struct ws_out *next;
	uint64_t ready_seq;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the text */
};

struct ws_session {
	struct api *api;
	struct lws *wsi;
	struct ws_session *next, *prev;
	bool hello_done, subscribed, closing;
	uint16_t close_code;
	const char *close_reason;
	uint64_t cursor;		      /* next seq to send from the fan-out log */
	uint64_t told;			      /* last seq the client was told about (for skip) */
	uint64_t mask;			      /* services whose events this session gets */
	const struct config_display *display; /* the display it said it is, or NULL */
	char *rx;			      /* reassembly of a fragmented message */
	size_t rxlen;
	struct ws_out *out_head, *out_tail;
	size_t out_bytes;
	char token[65];
	int bad_count;
	int64_t bad_since_ms;
	double msg_tokens; /* message rate limit (token bucket) */
	int64_t msg_at_ms;
	/* ticket watch */
	uint32_t ticket;
	int32_t ticket_day;
	int ticket_service;
	struct ws_session *wnext, *wprev;
	char *ticket_last;	   /* last ticket message queued, for change detection */
	struct ws_out *ticket_out; /* that message while still queued (superseded in place) */
};

/* api.c */
int api__http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len);
int api__ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/** The staff user behind a token, or NULL (borrowed until the next loop turn). */
const struct auth_user *api__user(struct api *a, const char *token);
/** Reads the session token from the Authorization header or the torg_session cookie
 *  into out (65 bytes); returns true when one was found. */
bool api__request_token(struct lws *wsi, char *out);
/** Runs a counter command for user on counter; fills *res (status and body). */
void api__counter_cmd(struct api *a, const struct auth_user *user, int counter,
		      const struct proto_cmd *cmd, struct api_result *res);
/** Sets *res to an error answer. */
void api__error(struct api_result *res, int status, const char *code, const char *message,
		const char *field);
/** Sets *res to the answer for a floor error. */
void api__floor_error(struct api_result *res, int err);

/* api_http.c: what route modules in other files (api_qr.c, api_stats.c) may use. */
struct http_req;
/** The request's path ("/api/v1/stats") and its method as "GET"/"POST"/"DELETE"/"HEAD". */
const char *api__http_path(const struct http_req *r);
const char *api__http_method(const struct http_req *r);
/** The value of query parameter name (URL-decoded by lws) into out; true when present. */
bool api__http_query(const struct http_req *r, const char *name, char *out, size_t len);
/** Answers 400 bad_query and returns false when a query parameter is not in the
 *  NULL-terminated list. */
bool api__http_query_only(struct http_req *r, const char *const *known);
/** The staff user of the request (cookie or bearer), or NULL. Borrowed for this turn. */
const struct auth_user *api__http_user(struct http_req *r);
/** The request's Host header into out; false when absent. */
bool api__http_host(struct http_req *r, char *out, size_t len);
/** Answers now with a JSON body (reference taken; NULL for none). */
void api__http_json(struct http_req *r, int status, json_t *body);
/** Answers now with a body of another type (text taken, malloc'd). */
void api__http_text(struct http_req *r, int status, const char *ctype, char *text, size_t len);
/** Adds a header line ("content-disposition", "attachment; ...") to the answer. */
void api__http_header(struct http_req *r, const char *name, const char *value);
/** Answers now with an error. */
void api__http_fail(struct http_req *r, int status, const char *code, const char *message,
		    const char *field);
/** For answers computed off the loop: a handle that outlives the request. Answer
 *  through it exactly once, on the loop thread; when the client has gone the answer
 *  is dropped. Either call frees the handle. */
struct api_deferred *api__http_defer(struct http_req *r);
void api__deferred_json(struct api_deferred *d, int status, json_t *body);
void api__deferred_text(struct api_deferred *d, int status, const char *ctype, char *text,
			size_t len);
void api__deferred_fail(struct api_deferred *d, int status, const char *code, const char *message,
			const char *field);

/* Route modules: each returns true when it took the path (answered or deferred). */
bool api__qr_route(struct api *a, struct http_req *r, const char *path);
bool api__stats_route(struct api *a, struct http_req *r, const char *path);

/* api_ws.c */
void api__ws_durable(struct api *a, uint64_t seq, uint64_t services);
void api__ws_changed(struct api *a, uint64_t services, uint64_t seq);
void api__ws_close_all(struct api *a);

/* static.c */
/** Serves a browser page or asset for path; returns 0 when it took the request,
 *  1 when the path is not a page (caller answers 404), -1 to close. */
int api__static_serve(struct api *a, struct lws *wsi, const char *path);
/** The metrics text (malloc'd). */
char *api__metrics(struct api *a, size_t *len);

#endif
