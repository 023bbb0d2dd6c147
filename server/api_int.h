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
#include "netaddr.h"
#include "proto.h"
#include "ratelimit.h"
#include "throttle.h"
#include "ws_rx.h"

#define API_MAX_BODY	    PROTO_MAX_MESSAGE
#define API_MAX_CONFIG_BODY (512 * 1024)  /* PUT /api/v1/admin/config */
#define API_DRAIN_MAX	    (1024 * 1024) /* bodies up to this are read and refused with 413 */
#define API_BEHIND_BYTES    (1024 * 1024) /* events behind: dropped (4001) if not reading */
#define API_SNAP_REUSE_MS   50	 /* a snapshot serves the next session this long (same seq) */
#define API_STALL_MS	    5000 /* not reading: nothing taken by the socket this long */
#define API_LAG_BYTES	    (1024 * 1024) /* unsent bytes of its own messages, likewise */
#define API_MSG_RATE	    20		  /* client messages per second a session may send ... */
#define API_MSG_BURST	    40		  /* ... and at once */
#define API_HELLO_S	    10		  /* seconds a new session has to say hello */
#define API_SNDBUF	    (64 * 1024)	  /* kernel send buffer of a WebSocket */
#define API_FRAME_MAX	    (256 * 1024)  /* bytes of events coalesced into one frame */
#define API_FLUSH_GAP_MAX   50		  /* ms: the longest wait between two fan-out flushes */
#define API_FLUSH_SLICE_NS  2000000	  /* a flush writes this long, then lets the loop turn */
#define API_RATE_SLOTS	    8192	  /* addresses the ticket rate limit tells apart */

struct ws_session;

/* An answer: HTTP status and JSON body (dumped), or an error. */
struct api_result {
	int status;
	char *body; /* owned, malloc'd; NULL for none */
	size_t len;
};

struct api {
	uv_loop_t *loop;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	char *iface; /* the listen address, kept for lws */
	const struct config *cfg;
	struct engine *engine;
	struct auth *auth;
	struct clock *clock;	 /* the floor's clock (borrowed) */
	struct stats_run *stats; /* the statistics runner (borrowed) */
	char *www;
	/* the extra header lines of pages, the wall display and assets (api__static_headers) */
	char *page_headers, *display_headers, *asset_headers;
	struct api_tls *tls;	 /* server.tls (api_tls.c); NULL for plain HTTP */
	struct api_voice *voice; /* the announcements (api_voice.c) */
	int (*reconfigure)(void *arg, const char *doc, size_t len, const char *by,
			   void (*done)(int status, const char *errors, uint64_t seq, void *darg),
			   void *darg);
	void *reconfigure_arg;
	bool stopping;
	/* WebSocket sessions: all of them; the subscribed ones (event streams); and the
	 * others while a message of theirs waits to be durable. A durable batch visits
	 * only the last two lists, so a phone that was told nothing costs it nothing. */
	struct ws_session *sessions, *subscribers, *waiting;
	size_t nsessions;
	uint64_t log_next_before; /* fan-out log end before the newest durable batch */
	/* ticket watchers per service, and per ticket handle (by_ticket[0..nby_ticket)) */
	struct ws_session *watchers[FLOOR_MAX_SERVICES];
	struct ws_session **by_ticket;
	size_t nby_ticket;
	/* per-address ticket rate limit (token buckets), and the login throttles */
	struct ratelimit rate;
	struct throttle *login_by_name, *login_by_addr;
	struct throttle *code_by_name, *code_by_addr; /* POST /api/v1/password (reset codes) */
	/* connections (api_conn.c) */
	struct api_conns {
		uint64_t seed[2];
		struct conn_addr **buckets;
		int total, max_total;
		struct api_conn *pending; /* accepted, not yet adopted by lws */
		struct api_conn **by_wsi; /* records of the connections, by wsi */
		uint64_t refused, refused_unlogged;
		int64_t logged_at;
		int reserve_fd, listen_fd;
	} conns;
	/* who opened each counter, for one counter per user (api__counter_cmd_as); only
	 * what the floor says is open counts, so a day's end needs no clearing here, and
	 * only while the counter at that index still has the id it had (a configuration
	 * that moved counters forgets the opener rather than blame the wrong one) */
	struct api_opener {
		char user[65];
		char sid[17];	  /* the session (auth_session_id), "" when unknown */
		char counter[33]; /* the counter's id when it was opened */
	} openers[FLOOR_MAX_COUNTERS];
	/* figures for /metrics */
	uint64_t http_requests, ws_frames_out, ws_lagging_closed, ws_idle_closed, ws_bad_origin;
	uint64_t answers_direct; /* answers written in their durable batch (api_http.c) */
	uint64_t rate_limited, logins_throttled;
	/* every few seconds: pings quiet WebSocket sessions and closes silent ones (api_ws.c) */
	uv_timer_t ws_ping;
	bool push_on;
	/* sessions a durable batch gave something to send, written by the check handle of
	 * the loop turn after it (once the answers went out), straight to their sockets;
	 * the prepare handle counts turns, the idle one keeps that turn from blocking */
	struct ws_session *flush, *flush_tail;
	uv_prepare_t flush_prepare;
	uv_check_t flush_check;
	uv_idle_t flush_idle;
	uv_timer_t flush_timer;
	uint64_t turn, flush_turn, round; /* loop turns; flush rounds */
	/* the newest snapshot sent, for the next session of the same display and services
	 * at the same seq: a thousand screens connecting (or resnapshotted behind a burst)
	 * cost one encoding, not a thousand (api_ws.c) */
	struct api_snapshot {
		const struct config_display *display;
		uint64_t mask, seq, at; /* at: the loop's ms when encoded */
		char *text;
		size_t len;
		uint64_t reused; /* for /metrics */
	} snap;
	uint64_t flush_at, flush_last, flush_ns; /* loop ms: not before; the last; its cost */
	bool flush_armed, flush_slicing;
	/* the notices' next boundary (api_notices.c): a message starts or ends, the date or
	 * the floor's day changes; what they were at the last look */
	uv_timer_t notices_timer;
	bool notices_on;
	uint64_t notices_key;
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

/* What a phone was last told about its ticket, as the numbers it shows: a batch
 * recomputes these for the watchers of the services it touched, and a "ticket" message
 * is printed only when they differ. */
struct ws_ticket_told {
	bool told;	  /* a status was queued */
	bool gone;	  /* the ticket is gone (the day rolled over): "cancelled" */
	int state;	  /* enum floor_state */
	int service, leg; /* the current leg's service (index) and its number */
	int position;	  /* 1-based when waiting, else 0 */
	int eta_s;	  /* seconds; -1 unknown or not waiting */
	int counter;	  /* index of the counter that called it, or -1 */
};

struct ws_session {
	struct api *api;
	struct lws *wsi;
	struct ws_session *next, *prev;		    /* in api's sessions */
	struct ws_session *sub_next, *sub_prev;	    /* in api's subscribers, once subscribed */
	struct ws_session *wait_next, *wait_prev;   /* in api's waiting, when in_waiting */
	struct ws_session *flush_next, *flush_prev; /* in api's flush, when in_flush */
	uint64_t flush_round;			    /* the round it is listed for */
	bool in_flush;
	bool hello_done, subscribed, closing, in_waiting;
	bool ping_due;		 /* a ping goes out at the next writable turn */
	bool resnapshot;	 /* too far behind: a fresh snapshot instead of the backlog */
	uint64_t rx_ms, ping_ms; /* loop time of the last frame received, of the last ping */
	uint64_t wrote_ms;	 /* of the last writable turn, direct write or TCP progress */
	uint64_t acked;		 /* the peer's TCP bytes acknowledged, when last looked at */
	uint64_t wait_seq;	 /* the newest ready_seq queued while in waiting */
	uint16_t close_code;
	const char *close_reason;
	uint64_t cursor;		      /* next seq to send from the fan-out log */
	uint64_t told;			      /* last seq the client was told about (for skip) */
	uint64_t mask;			      /* services whose events this session gets */
	uint64_t filter;		      /* the services its hello named (all bits: none) */
	const struct config_display *display; /* the display it said it is, or NULL */
	struct ws_rx rx;		      /* reassembly of a fragmented message */
	struct ws_out *out_head, *out_tail;
	size_t out_bytes;
	char token[65];
	char user[65]; /* the staff user the token signed in, when the session began */
	char sid[17];  /* that session's id (auth_session_id), "" without one */
	int bad_count;
	int64_t bad_since_ms;
	double msg_tokens; /* message rate limit (token bucket) */
	int64_t msg_at_ms;
	/* ticket watch */
	uint32_t ticket;
	int32_t ticket_day;
	int ticket_service;
	struct ws_session *wnext, *wprev;  /* in watchers[ticket_service] */
	struct ws_session *tnext, *tprev;  /* in by_ticket[ticket] */
	struct ws_ticket_told ticket_told; /* the status last queued, for change detection */
	struct ws_out *ticket_out;	   /* that message while still queued (superseded) */
};

/* api.c */
int api__http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len);
int api__ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
/** The staff user behind a token, or NULL (borrowed until the next loop turn). */
const struct auth_user *api__user(struct api *a, const char *token);
/** Runs a counter command for user on counter; fills *res (status and body). */
void api__counter_cmd(struct api *a, const struct auth_user *user, int counter,
		      const struct proto_cmd *cmd, struct api_result *res);
/** api__counter_cmd for a session (sid: its auth_session_id, "" when unknown) of user:
 *  open keeps to one counter per user (409 signed_in_elsewhere with "counter"; with
 *  cmd->move the other counter closes once this one is open, refused 409 counter_busy
 *  with "counter" while the other has a visitor), and open and close record who holds
 *  the counter. */
void api__counter_cmd_as(struct api *a, const struct auth_user *user, const char *sid, int counter,
			 const struct proto_cmd *cmd, struct api_result *res);
/** The index of the counter user name has open now, or -1. */
int api__user_counter(struct api *a, const char *name);
/** The index of the counter the session sid opened and still holds, or -1. */
int api__session_counter(struct api *a, const char *sid);
/** Sets *res to an error answer. */
void api__error(struct api_result *res, int status, const char *code, const char *message,
		const char *field);
/** Sets *res to the answer for a floor error. */
void api__floor_error(struct api_result *res, int err);

/* api_http.c: the transaction, and what the route modules (api_routes.c, api_qr.c,
 * api_stats.c) use to read a request and answer it. */
struct http_req;
struct http_match;
enum http_method;
/** Whether the Origin (and Sec-Fetch-Site) of a browser's request allow it: the floor's
 *  own origin (scheme from https, the Host header), or server.allowed_origins (with
 *  public_url's). A request without Origin is not from a browser page: allowed. */
bool api__origin_ok(struct api *a, struct lws *wsi, bool https);
/** Whether a request came over https: torgd's own TLS, or a trusted proxy says so in
 *  X-Forwarded-Proto. */
bool api__https(struct api *a, struct lws *wsi);
/** The staff session token of a request (Bearer, else the torg_session cookie) into out;
 *  true when one was found. */
bool api__http_token(struct lws *wsi, char out[65]);
/** The same for a request being answered. */
bool api__http_token_of(struct http_req *r, char out[65]);
/** The request's path ("/api/v1/stats"), method, and what its route captured. */
const char *api__http_path(const struct http_req *r);
enum http_method api__http_method(const struct http_req *r);
const struct http_match *api__http_match(const struct http_req *r);
/** The body (NUL-terminated, "" when none) and its length. Borrowed. */
const char *api__http_body(const struct http_req *r, size_t *len);
/** The real client (behind trusted proxies) and whether it came over https. */
const struct netaddr *api__http_client(const struct http_req *r);
bool api__http_https(const struct http_req *r);
/** The value of query parameter name into out; true when present (a value that does not
 *  fit in len is given as "", which no parameter takes). */
bool api__http_query(const struct http_req *r, const char *name, char *out, size_t len);
/** The staff user of the request (cookie or bearer), or NULL. Borrowed for this turn. */
const struct auth_user *api__http_user(struct http_req *r);
/** A custom header ("x-torg-kiosk:") into out; its length, -1 when absent, -E2BIG when
 *  it does not fit in len. */
int api__http_custom(struct http_req *r, const char *name, char *out, size_t len);
/** The request's Host header into out; false when absent. */
bool api__http_host(struct http_req *r, char *out, size_t len);
/** Answers now with a JSON body (reference taken; NULL for none). */
void api__http_json(struct http_req *r, int status, json_t *body);
/** Answers now with a dumped JSON body (text taken, malloc'd). */
void api__http_json_text(struct http_req *r, int status, char *text, size_t len);
/** Answers with a dumped JSON body (text taken) once everything applied so far is
 *  durable. */
void api__http_durable(struct http_req *r, int status, char *text, size_t len);
/** Answers with *res (body taken; 204 sends none) once durable. */
void api__http_result(struct http_req *r, struct api_result *res);
/** Answers a proto parse failure (400, or 413 for -E2BIG) and clears *err. */
void api__http_proto_fail(struct http_req *r, int rc, struct proto_error *err);
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
/** The request behind a deferred answer, or NULL when the client went away. */
struct http_req *api__deferred_req(struct api_deferred *d);
void api__deferred_json(struct api_deferred *d, int status, json_t *body);
/** Answers with a dumped JSON body (text taken) once everything applied so far is durable. */
void api__deferred_durable(struct api_deferred *d, int status, char *text, size_t len);
void api__deferred_text(struct api_deferred *d, int status, const char *ctype, char *text,
			size_t len);
void api__deferred_fail(struct api_deferred *d, int status, const char *code, const char *message,
			const char *field);

/* api_routes.c and the route modules */
/** Runs route (enum http_route) for a checked, complete request. */
void api__route(struct api *a, struct http_req *r, int route);
/** The query parameters route takes (NULL-terminated; static). */
const char *const *api__route_params(int route);
/** GET /api/v1/tickets/{id}/qr.svg (api_qr.c). */
void api__qr_route(struct api *a, struct http_req *r, const char *id);
/** The staff administration routes and POST /api/v1/password (api_admin_users.c). */
void api__admin_route(struct api *a, struct http_req *r, int route);
/** Makes and frees the reset-code throttles (api_admin_users.c). */
void api__admin_start(struct api *a);
void api__admin_stop(struct api *a);
/** The statistics and test-clock routes (api_stats.c). */
void api__stats_route(struct api *a, struct http_req *r, int route);
/** Makes the login throttles (api_routes.c), at start; frees them at the end. */
void api__routes_start(struct api *a);
void api__routes_stop(struct api *a);

/* api_voice.c */
/** GET /api/v1/announce/{lang}/{number}/{counter}.wav. */
void api__voice_route(struct api *a, struct http_req *r);
/** Makes and starts the renderer (api__routes_start); stops it (api_stop); frees it. */
void api__voice_start(struct api *a);
void api__voice_stop(struct api *a);
void api__voice_free(struct api *a);
/** A new configuration runs: which counters have their own recorded name, again. */
void api__voice_reconfigure(struct api *a);
/* api_admin_config.c */
/** GET and PUT /api/v1/admin/config. */
void api__admin_config_route(struct api *a, struct http_req *r);
struct util_text;
/** Appends the announcements' families to the /metrics text. */
void api__voice_metrics(struct api *a, struct util_text *t);

/* api_tcp.c */
/** The bytes the peer of a TCP socket has acknowledged (tcpi_bytes_acked); 0 or -errno. */
int api__tcp_acked(int fd, uint64_t *out);

/* api_ws.c */
/* A command changed the floor: the phones its events may have moved are told. */
void api__ws_changed(struct api *a, const struct floor_events *evs);
void api__ws_close_all(struct api *a);
/** A new configuration runs (a->cfg): every session's display and services are found again
 *  in it and each subscribed session gets a fresh snapshot after the change is durable; a
 *  session whose display is gone is closed (4002, "display removed"). */
void api__ws_reconfigured(struct api *a);
/** Sessions of auth ended for user name: closes that user's WebSocket sessions whose token
 *  no longer signs in (4001 "signed out"). auth's end callback (arg: the api). */
void api__ws_end_user(const char *name, void *arg);
/** Queues a snapshot of the session's services (display d, may be NULL) and subscribes. */
void api__ws_send_snapshot(struct ws_session *s, const struct config_display *d);
/** Takes the session out of the api's waiting list. */
void api__ws_wait_unlink(struct ws_session *s);

/* api_push.c */
/** Events up to seq are durable: lists the sessions that have something for a flush. */
void api__push_durable(struct api *a, uint64_t seq, uint64_t services);
/** Starts and stops the flush's loop handles and the ping timer. */
void api__push_start(struct api *a);
void api__push_stop(struct api *a);

/* api_notices.c */
/** Starts the notices timer (api_create); stops it (api_stop). */
void api__notices_start(struct api *a);
void api__notices_stop(struct api *a);
/** Looks at the notices now: when what a snapshot says of them changed since the last
 *  look (a message started or ended, the date or the floor's day changed), every
 *  subscribed session is sent a fresh snapshot; then arms the timer for the next
 *  boundary. Call it after the clock was set or the configuration was swapped. */
void api__notices_check(struct api *a);
/** Writes one thing the session has ready (its writable turn); the lws callback result. */
int api__push_write(struct ws_session *s);
/** Takes the session out of the flush (it closes). */
void api__push_unlink(struct ws_session *s);
/** Drops a session that does not read (4001), at once. */
void api__push_drop_lagging(struct ws_session *s);

/* api_conn.c */
struct netaddr;
/** LWS_CALLBACK_FILTER_NETWORK_CONNECTION: counts the new connection; nonzero refuses it
 *  (limits reached, or stopping). */
int api__conn_filter(struct api *a, const struct lws_filter_network_conn_args *f);
/** LWS_CALLBACK_WSI_CREATE: the new connection gets its record. */
void api__conn_created(struct api *a, struct lws *wsi);
/** LWS_CALLBACK_WSI_DESTROY: forgets the connection. */
void api__conn_destroyed(struct api *a, struct lws *wsi);
/** The TCP peer of a connection (borrowed), or NULL when it has no record. */
const struct netaddr *api__conn_peer(struct api *a, const struct lws *wsi);
/** Whether addr is one of server.trusted_proxies. */
bool api__trusted_proxy(const struct api *a, const struct netaddr *addr);
/** Sets the limits (the total kept under the open-file limit) and finds the listen
 *  socket on port, once the vhost listens. */
void api__conn_start(struct api *a, int port);
/** lws failed to accept for want of file descriptors: accept and close one connection
 *  with a reserved descriptor so the loop does not spin on the listen socket. */
void api__conn_out_of_fds(struct api *a);
/** Frees what api__conn_start made (after the last connection is gone). */
void api__conn_stop(struct api *a);

/* api_static.c */
/** Serves file (a page or "static/…", relative to the www folder, as http_route found
 *  it); returns 0 when it took the request, 1 when there is no such file (caller answers
 *  404), -1 to close. */
int api__static_serve(struct api *a, struct lws *wsi, const char *file);
/** Makes the security headers of pages, the wall display and assets (once, at start). */
void api__static_headers(struct api *a);

/* api_tls.c */
/** With server.tls, reads and checks the certificate and key (before the vhost is made);
 *  0, or -EINVAL with *cause naming the file. Nothing to do without server.tls. */
int api__tls_prepare(struct api *a, char **cause);
/** LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS: the vhost's SSL_CTX (user) gets
 *  the prepared certificate and key and torgd's TLS settings; -1 fails the vhost. */
int api__tls_vhost_ctx(struct api *a, void *ssl_ctx);
/** Whether torgd's own port speaks TLS. */
bool api__tls_on(const struct api *a);
/** Whether the vhost's SSL_CTX holds the certificate (api__tls_vhost_ctx succeeded). */
bool api__tls_ready(const struct api *a);
/** Frees what api__tls_prepare made. */
void api__tls_free(struct api *a);

/** The metrics text (malloc'd). */
char *api__metrics(struct api *a, size_t *len);

#endif
