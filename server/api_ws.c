/*
 * api_ws.c — WebSocket sessions of the torg.v1 protocol: the upgrade's checks, hello
 * (filter, ticket watch, snapshot or resume), staff commands, and the phones' ticket
 * statuses. A session keeps a cursor into the engine's shared log of pre-encoded events;
 * api_push.c copies what it has not yet sent into one frame when it is written, so a
 * broadcast is encoded once and costs one copy per session. Messages made for one
 * session (snapshot, resume, replies, errors, ticket status) wait in its small out-queue
 * until what they report is durable; one whose own messages pass 1 MiB is closed (4001).
 * A phone's status is kept as numbers, recomputed for the watchers of the tickets a batch
 * may have moved, and printed only when they differ.
 */
#include "api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "encode.h"
#include "proto_encode.h"
#include "util.h"
#include "ws_rx.h"

#define WS_BAD_LIMIT	 20
#define WS_BAD_WINDOW_MS 60000

/* All services of the floor as a mask. */
static uint64_t all_services(const struct api *a)
{
	size_t n = a->cfg->nservices;
	return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

/* Puts the session in the api's waiting list (a message of its waits to be durable). */
static void wait_link(struct ws_session *s)
{
	struct api *a = s->api;
	s->in_waiting = true;
	s->wait_prev = NULL;
	s->wait_next = a->waiting;
	if (s->wait_next)
		s->wait_next->wait_prev = s;
	a->waiting = s;
}

/* Takes the session out of the waiting list. */
void api__ws_wait_unlink(struct ws_session *s)
{
	if (!s->in_waiting)
		return;
	if (s->wait_prev)
		s->wait_prev->wait_next = s->wait_next;
	else
		s->api->waiting = s->wait_next;
	if (s->wait_next)
		s->wait_next->wait_prev = s->wait_prev;
	s->wait_next = s->wait_prev = NULL;
	s->in_waiting = false;
}

/* Marks the session subscribed (its event stream starts) and lists it for durable
 * batches. */
static void subscribe(struct ws_session *s)
{
	if (s->subscribed)
		return;
	struct api *a = s->api;
	s->subscribed = true;
	s->sub_prev = NULL;
	s->sub_next = a->subscribers;
	if (s->sub_next)
		s->sub_next->sub_prev = s;
	a->subscribers = s;
}

/* Unlinks o (which must be queued) from the session's out-queue and frees it. */
static void queue_remove(struct ws_session *s, struct ws_out *o)
{
	struct ws_out **pp = &s->out_head, *prev = NULL;
	while (*pp != o) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	*pp = o->next;
	if (s->out_tail == o)
		s->out_tail = prev;
	s->out_bytes -= o->len;
	free(o);
}

/* Queues text (copied) to go out once ready_seq is durable; returns the queued message.
 * A session whose own unsent messages pass API_LAG_BYTES is dropped (every kind of
 * session: displays, counters and phones alike). */
static struct ws_out *queue_text(struct ws_session *s, const char *text, size_t len,
				 uint64_t ready_seq)
{
	struct ws_out *o = xmalloc(sizeof(*o) + LWS_PRE + len);
	o->next = NULL;
	o->ready_seq = ready_seq;
	o->len = len;
	memcpy(o->buf + LWS_PRE, text, len);
	if (s->out_tail)
		s->out_tail->next = o;
	else
		s->out_head = o;
	s->out_tail = o;
	s->out_bytes += len;
	if (!s->subscribed && ready_seq > engine_durable_seq(s->api->engine)) {
		/* a subscribed session is visited by every durable batch anyway */
		if (!s->in_waiting)
			wait_link(s);
		if (ready_seq > s->wait_seq)
			s->wait_seq = ready_seq;
	}
	if (s->out_bytes > API_LAG_BYTES && !s->closing)
		api__push_drop_lagging(s);
	else if (s->out_head->ready_seq <= engine_durable_seq(s->api->engine))
		lws_callback_on_writable(s->wsi);
	return o;
}

/* Queues a JSON message (reference taken) to go out once ready_seq is durable. */
static void queue_json(struct ws_session *s, json_t *msg, uint64_t ready_seq)
{
	size_t len;
	char *text = proto_dump(msg, &len);
	queue_text(s, text, len, ready_seq);
	free(text);
}

/* Marks the session to be closed with code at its next writable turn. */
static void close_later(struct ws_session *s, uint16_t code, const char *reason)
{
	if (s->closing)
		return;
	s->closing = true;
	s->close_code = code;
	s->close_reason = reason;
	lws_callback_on_writable(s->wsi);
}

/* Sends an error message; too many in a minute and the peer is closed (1008). */
static void send_error(struct ws_session *s, const char *code, const char *message,
		       const char *field)
{
	int64_t now = (int64_t)(util_mono_ns() / 1000000);
	if (now - s->bad_since_ms > WS_BAD_WINDOW_MS) {
		s->bad_since_ms = now;
		s->bad_count = 0;
	}
	queue_json(s, proto_encode_error_msg(code, message, field), 0);
	if (++s->bad_count > WS_BAD_LIMIT)
		close_later(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many bad messages");
}

/* Removes the session from its service's watcher list. */
static void watch_unlink(struct ws_session *s)
{
	if (s->ticket == FLOOR_NONE)
		return;
	struct api *a = s->api;
	if (s->wprev)
		s->wprev->wnext = s->wnext;
	else if (a->watchers[s->ticket_service] == s)
		a->watchers[s->ticket_service] = s->wnext;
	if (s->wnext)
		s->wnext->wprev = s->wprev;
	s->wnext = s->wprev = NULL;
}

/* Adds the session to the watcher list of service. */
static void watch_link(struct ws_session *s, int service)
{
	struct api *a = s->api;
	s->ticket_service = service;
	s->wprev = NULL;
	s->wnext = a->watchers[service];
	if (s->wnext)
		s->wnext->wprev = s;
	a->watchers[service] = s;
}

/* Starts the session's watch of ticket in service: it goes into the ticket's list and
 * the service's. */
static void watch_start(struct ws_session *s, uint32_t ticket, int service, int32_t day)
{
	struct api *a = s->api;
	if (ticket >= a->nby_ticket) {
		size_t n = a->nby_ticket ? a->nby_ticket : 1024;
		while (n <= ticket)
			n *= 2;
		a->by_ticket = xrealloc(a->by_ticket, n * sizeof(*a->by_ticket));
		memset(a->by_ticket + a->nby_ticket, 0,
		       (n - a->nby_ticket) * sizeof(*a->by_ticket));
		a->nby_ticket = n;
	}
	s->ticket = ticket;
	s->ticket_day = day;
	s->tprev = NULL;
	s->tnext = a->by_ticket[ticket];
	if (s->tnext)
		s->tnext->tprev = s;
	a->by_ticket[ticket] = s;
	watch_link(s, service);
}

/* Ends the session's watch (the ticket went with the day, or the session closed). */
static void watch_end(struct ws_session *s)
{
	if (s->ticket == FLOOR_NONE)
		return;
	struct api *a = s->api;
	watch_unlink(s);
	if (s->tprev)
		s->tprev->tnext = s->tnext;
	else
		a->by_ticket[s->ticket] = s->tnext;
	if (s->tnext)
		s->tnext->tprev = s->tprev;
	s->tnext = s->tprev = NULL;
	s->ticket = FLOOR_NONE;
}

/* Whether two statuses show the same. */
static bool told_equal(const struct ws_ticket_told *x, const struct ws_ticket_told *y)
{
	return x->told == y->told && x->gone == y->gone && x->state == y->state &&
	       x->service == y->service && x->leg == y->leg && x->position == y->position &&
	       x->eta_s == y->eta_s && x->counter == y->counter;
}

/* The status the watched ticket shows now, as numbers (from floor_ticket_get: a rank,
 * not a queue walk), with its info in *ti when not gone (the day rolled over: the
 * ticket was cancelled at the day's end). */
static struct ws_ticket_told ticket_status(const struct ws_session *s, const struct floor *f,
					   int64_t now, struct floor_ticket_info *ti)
{
	if (floor_day(f) != s->ticket_day || floor_ticket_get(f, s->ticket, now, ti) != 0)
		return (struct ws_ticket_told){.told = true, .gone = true};
	return (struct ws_ticket_told){
	    .told = true,
	    .state = ti->state,
	    .service = ti->service,
	    .leg = ti->leg,
	    .position = ti->position,
	    .eta_s = ti->state == FLOOR_WAITING ? ti->eta_s : -1, /* the holder's view */
	    .counter = ti->counter,
	};
}

/* Queues the watched ticket's status, as of seq, when it differs from the last one
 * queued: the numbers are compared, and the message printed only then. */
static void ticket_update(struct ws_session *s, uint64_t seq, int64_t now)
{
	struct api *a = s->api;
	const struct floor *f = engine_floor(a->engine);
	struct floor_ticket_info ti;
	struct ws_ticket_told st = ticket_status(s, f, now, &ti);
	if (!st.gone && st.service != s->ticket_service) {
		watch_unlink(s);
		watch_link(s, st.service);
	}
	if (!told_equal(&st, &s->ticket_told)) {
		s->ticket_told = st;
		char number[16], msg[PROTO_TICKET_STATUS_MAX];
		struct proto_ticket_status ps = {.seq = seq, .gone = st.gone};
		if (!st.gone) {
			floor_format_number(f, ti.first_service, ti.number, number, sizeof(number));
			ps.number = number;
			ps.service = a->cfg->services[st.service].id;
			ps.state = st.state;
			ps.leg = st.leg;
			ps.position = st.position;
			ps.eta_s = st.eta_s;
			ps.counter = st.counter >= 0 ? a->cfg->counters[st.counter].id : NULL;
		}
		size_t n = proto_encode_ticket_status(msg, sizeof(msg), &ps);
		if (n >= sizeof(msg))
			fatal("a ticket status of %zu bytes", n);
		/* Only the ticket's newest status matters: one the phone has not read yet is
		 * replaced, so a phone that stops reading holds one message, not thousands. */
		if (s->ticket_out)
			queue_remove(s, s->ticket_out);
		s->ticket_out = queue_text(s, msg, n, seq);
	}
	if (st.gone)
		watch_end(s);
}

/* A batch was applied: the phones whose ticket it may have moved recompute its status,
 * and only a change is queued. Those are the watchers of the tickets its events name, and
 * of every ticket waiting in a service whose queue it moved (floor_events_moved: a ticket
 * that left a queue or joined it ahead of others, a meeting that moved the mean, a
 * counter, the day); a ticket issued at the back of a queue moves nobody. */
void api__ws_changed(struct api *a, const struct floor_events *evs)
{
	const struct floor *f = engine_floor(a->engine);
	uint64_t seq = evs->v[evs->n - 1].seq;
	int64_t now = clock_now_ms(a->clock);
	uint64_t moved = floor_events_moved(f, evs->v, evs->n);
	for (int i = 0; i < FLOOR_MAX_SERVICES; i++) {
		if (!(moved >> i & 1))
			continue;
		for (struct ws_session *s = a->watchers[i], *next; s; s = next) {
			next = s->wnext;
			ticket_update(s, seq, now);
		}
	}
	for (size_t i = 0; i < evs->n; i++) {
		uint32_t t = evs->v[i].ticket;
		if (t == FLOOR_NONE || t >= a->nby_ticket)
			continue;
		for (struct ws_session *s = a->by_ticket[t], *next; s; s = next) {
			next = s->tnext;
			if (s->ticket_day == evs->v[i].day)
				ticket_update(s, seq, now); /* unchanged ones queue nothing */
		}
	}
}

/* The snapshot of display's services in mask at the current seq: the one made last when
 * it is for the same and at most API_SNAP_REUSE_MS old (its server_time that much behind),
 * else a new one. Borrowed until the next call. */
static const struct api_snapshot *snapshot_of(struct api *a, const struct config_display *d,
					      uint64_t mask)
{
	struct api_snapshot *c = &a->snap;
	uint64_t seq = engine_applied_seq(a->engine), now = uv_now(a->loop);
	if (c->text && c->display == d && c->mask == mask && c->seq == seq &&
	    now - c->at <= API_SNAP_REUSE_MS) {
		c->reused++;
		return c;
	}
	free(c->text);
	c->text = encode_snapshot(a->engine, d, mask, clock_now_ms(a->clock), &c->len);
	c->display = d;
	c->mask = mask;
	c->seq = seq;
	c->at = now;
	return c;
}

/* Subscribes the session with a snapshot of its services at the current seq. */
void api__ws_send_snapshot(struct ws_session *s, const struct config_display *d)
{
	struct engine *e = s->api->engine;
	uint64_t seq = engine_applied_seq(e);
	const struct api_snapshot *snap = snapshot_of(s->api, d, s->mask);
	queue_text(s, snap->text, snap->len, seq);
	s->cursor = seq + 1;
	s->told = seq;
	subscribe(s);
}

/* Keeps the name of the staff user behind the session's token, so that the session
 * closes when that user's sessions end (api__ws_end_user). */
static void remember_user(struct ws_session *s)
{
	const struct auth_user *u = s->token[0] ? api__user(s->api, s->token) : NULL;
	snprintf(s->user, sizeof(s->user), "%s", u ? u->name : "");
	if (!u || !auth_session_id(s->token, s->sid))
		s->sid[0] = '\0';
}

/* Answers a hello: filter, ticket watch, then snapshot or resume. */
static void on_hello(struct ws_session *s, const struct proto_hello *h)
{
	struct api *a = s->api;
	struct engine *e = a->engine;
	const struct config_display *d = NULL;
	if (h->display) {
		d = config_display_find(a->cfg, h->display);
		if (!d) {
			send_error(s, "unknown_display", "no such display", "display");
			return;
		}
	}
	uint64_t mask = d ? d->services : all_services(a);
	if (h->has_services) {
		uint64_t m = 0;
		for (size_t i = 0; i < h->nservices; i++) {
			int idx = config_service_index(a->cfg, h->services[i]);
			if (idx < 0) {
				char field[32],
				    *msg = xasprintf("unknown service \"%s\"", h->services[i]);
				snprintf(field, sizeof(field), "services[%zu]", i);
				send_error(s, "bad_request", msg, field);
				free(msg);
				return;
			}
			m |= UINT64_C(1) << idx;
		}
		mask = d ? (mask & m) : m;
	}
	uint32_t ticket = FLOOR_NONE;
	if (h->ticket) {
		uint8_t token[FLOOR_TOKEN_LEN];
		if (util_unhex(h->ticket, strlen(h->ticket), token, sizeof(token)) == 0)
			ticket = floor_ticket_by_token(engine_floor(e), token);
		if (ticket == FLOOR_NONE) {
			send_error(s, "unknown_ticket", "no such ticket today", "ticket");
			return;
		}
	}
	if (h->token) {
		memcpy(s->token, h->token, 64);
		s->token[64] = '\0';
		remember_user(s);
	}
	s->hello_done = true;
	s->mask = mask;
	s->filter = h->has_services ? mask : UINT64_MAX;
	s->display = d;
	if (ticket != FLOOR_NONE) {
		struct floor_ticket_info ti;
		floor_ticket_get(engine_floor(e), ticket, clock_now_ms(s->api->clock), &ti);
		watch_start(s, ticket, ti.service, floor_day(engine_floor(e)));
		ticket_update(s, engine_applied_seq(e), clock_now_ms(a->clock));
		if (!h->has_services && !d)
			return; /* a visitor's phone: its ticket only */
	}
	uint64_t since = h->since;
	const struct fanout *log = engine_log(e);
	if (h->has_since && since <= engine_durable_seq(e) && since + 1 >= log->first) {
		size_t n;
		char *msg = proto_encode_resume(since, engine_durable_seq(e), &n);
		queue_text(s, msg, n, 0);
		free(msg);
		s->cursor = since + 1;
		s->told = since;
		subscribe(s);
		if (s->cursor < log->next)
			lws_callback_on_writable(s->wsi);
		return;
	}
	api__ws_send_snapshot(s, d);
}

/* Runs a staff command and queues the reply for when it is durable. */
static void on_cmd(struct ws_session *s, const struct proto_cmd *cmd)
{
	struct api *a = s->api;
	const struct auth_user *u = api__user(a, s->token);
	struct api_result res = {0};
	int c = config_counter_index(a->cfg, cmd->counter);
	if (!u)
		api__error(&res, 401, "unauthorized", "sign in first", NULL);
	else if (c < 0)
		api__error(&res, 404, "unknown_counter", "no such counter", "counter");
	else
		api__counter_cmd_as(a, u, s->sid, c, cmd, &res);
	bool ok = res.status == 200 || res.status == 204;
	size_t len;
	char *text = proto_encode_reply(cmd->id, ok, res.body, &len);
	queue_text(s, text, len, ok ? engine_applied_seq(a->engine) : 0);
	free(text);
}

/* Takes one message from the session's allowance (API_MSG_RATE a second, bursts of
 * API_MSG_BURST); false when it has none left. */
static bool msg_allowed(struct ws_session *s)
{
	int64_t now = (int64_t)(util_mono_ns() / 1000000);
	if (s->msg_at_ms == 0)
		s->msg_tokens = API_MSG_BURST;
	else
		s->msg_tokens += (double)(now - s->msg_at_ms) * API_MSG_RATE / 1000.0;
	if (s->msg_tokens > API_MSG_BURST)
		s->msg_tokens = API_MSG_BURST;
	s->msg_at_ms = now;
	if (s->msg_tokens < 1.0)
		return false;
	s->msg_tokens -= 1.0;
	return true;
}

/* Handles one complete client message. */
static void on_message(struct ws_session *s, const char *buf, size_t len)
{
	struct proto_client_msg m;
	struct proto_error err = {0};
	if (!msg_allowed(s)) {
		send_error(s, "rate_limited", "too many messages: at most 20 a second", NULL);
		return;
	}
	int rc = proto_parse_client(buf, len, &m, &err);
	if (rc != 0) {
		send_error(s, err.code, err.message, err.field);
		proto_error_clear(&err);
		return;
	}
	if (m.type == PROTO_MSG_HELLO) {
		if (s->hello_done)
			send_error(s, "bad_request", "hello was already said", NULL);
		else
			on_hello(s, &m.hello);
		if (s->hello_done) /* the hello deadline is met */
			lws_set_timeout(s->wsi, NO_PENDING_TIMEOUT, 0);
	} else if (!s->hello_done) {
		send_error(s, "hello_required", "say hello first", NULL);
	} else {
		on_cmd(s, &m.cmd);
	}
	proto_client_msg_clear(&m);
}

/* Frees what a session holds; lws frees the session itself. */
static void session_close(struct ws_session *s)
{
	struct api *a = s->api;
	watch_end(s);
	if (s->prev)
		s->prev->next = s->next;
	else if (a->sessions == s)
		a->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	a->nsessions--;
	if (s->subscribed) {
		if (s->sub_prev)
			s->sub_prev->sub_next = s->sub_next;
		else
			a->subscribers = s->sub_next;
		if (s->sub_next)
			s->sub_next->sub_prev = s->sub_prev;
	}
	api__ws_wait_unlink(s);
	api__push_unlink(s);
	while (s->out_head) {
		struct ws_out *o = s->out_head;
		s->out_head = o->next;
		free(o);
	}
	s->ticket_out = NULL;
	ws_rx_clear(&s->rx);
	s->api = NULL;
}

void api__ws_reconfigured(struct api *a)
{
	for (struct ws_session *s = a->sessions; s; s = s->next) {
		if (!s->hello_done || s->closing)
			continue;
		if (s->display) {
			const struct config_display *d =
			    config_display_find(a->cfg, s->display->id);
			if (!d) {
				close_later(s, 4002, "display removed");
				continue;
			}
			s->display = d;
			s->mask = d->services & s->filter;
		} else if (s->filter == UINT64_MAX) {
			s->mask = all_services(a);
		}
		if (s->subscribed)
			s->resnapshot = true; /* sent at its next flush: the floor.config's */
	}
}

void api__ws_close_all(struct api *a)
{
	for (struct ws_session *s = a->sessions; s; s = s->next)
		close_later(s, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

void api__ws_end_user(const char *name, void *arg)
{
	struct api *a = arg;
	for (struct ws_session *s = a->sessions; s; s = s->next)
		if (s->user[0] && strcmp(s->user, name) == 0 && !api__user(a, s->token))
			close_later(s, 4001, "signed out");
}

/* Whether the upgrade asked for /ws. */
static bool path_is_ws(struct lws *wsi)
{
	char uri[64];
	int n = lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI);
	return n > 0 && strcmp(uri, "/ws") == 0;
}

int api__ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ws_session *s = user;
	struct api *a = lws_context_user(lws_get_context(wsi));
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* A page of another site must not open a session with the visitor's or staff
		 * member's cookie (cross-site WebSocket hijacking). */
		if (!a || a->stopping || !path_is_ws(wsi))
			return 1;
		if (!api__origin_ok(a, wsi, api__https(a, wsi))) {
			a->ws_bad_origin++;
			return 1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		memset(s, 0, sizeof(*s));
		s->api = a;
		s->wsi = wsi;
		s->ticket = FLOOR_NONE;
		s->rx_ms = s->ping_ms = s->wrote_ms = uv_now(a->loop);
		api__http_token(wsi, s->token);
		remember_user(s);
		/* Bound what the kernel holds for a session that does not read (autotuning
		 * would let it grow to megabytes per socket); the lag bound does the rest. */
		setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &(int){API_SNDBUF},
			   sizeof(int));
		s->next = a->sessions;
		if (a->sessions)
			a->sessions->prev = s;
		a->sessions = s;
		a->nsessions++;
		/* A session that never says hello holds a connection for nothing. */
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, API_HELLO_S);
		return 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (s && s->api)
			s->rx_ms = uv_now(a->loop);
		return 0;
	case LWS_CALLBACK_RECEIVE: {
		if (!s || !s->api || s->closing)
			return 0;
		s->rx_ms = uv_now(a->loop);
		const char *msg;
		size_t mlen;
		bool final = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
		int rc = ws_rx_feed(&s->rx, in, len, lws_frame_is_binary(wsi), final,
				    PROTO_MAX_MESSAGE, &msg, &mlen);
		if (rc == WS_RX_MESSAGE) {
			on_message(s, msg, mlen);
		} else if (rc == -E2BIG) {
			send_error(s, "too_big", "messages are at most 16 KiB", NULL);
			close_later(s, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too big");
		} else if (rc == -EPROTO) {
			send_error(s, "bad_json", "send text frames", NULL);
		}
		return 0;
	}
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!s || !s->api)
			return 0;
		return api__push_write(s);
	case LWS_CALLBACK_CLOSED:
		if (s && s->api)
			session_close(s);
		return 0;
	default:
		break;
	}
	return 0;
}
