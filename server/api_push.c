/*
 * api_push.c — getting what the sessions are due onto their sockets. After each durable
 * batch the sessions it gave something are listed; a check handle writes them on the
 * loop turn after it (once that turn's writable callbacks sent the answers that waited
 * for the batch), straight to their sockets, in rounds of 2 ms slices spaced by what the
 * last round cost, so events coalesce into fewer frames as the rate grows and an answer
 * never waits behind the last display. Also here: building a session's frame from the
 * fan-out ring, the lag rule (a session far behind gets a fresh snapshot, one that
 * stopped reading is dropped), and the pings that find peers gone without a FIN.
 * Sessions themselves, their messages and the phones' statuses are api_ws.c's.
 */
#include "api_int.h"

#include <string.h>

#include "proto_encode.h"
#include "util.h"

static bool lag_check(struct ws_session *s);

/* Has lws close the session's connection without a close frame, soon. lws 4.1.6 on
 * libuv runs its timers only after servicing a socket or its own timer, which it armed
 * for the earliest timer it knew of, so a timeout set from outside its callbacks (the
 * durable batch, the ping timer) could wait for unrelated traffic; waking its service
 * makes it look at once. */
static void kill_soon(struct ws_session *s)
{
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	lws_cancel_service(lws_get_context(s->wsi));
}

/* Drops a session that does not read: it will never be writable to hear a close frame,
 * so lws kills it now. It reconnects with since and catches up. */
void api__push_drop_lagging(struct ws_session *s)
{
	s->api->ws_lagging_closed++;
	s->closing = true;
	s->close_code = 4001;
	s->close_reason = "lagging";
	lws_close_reason(s->wsi, 4001, (unsigned char *)"lagging", 7);
	kill_soon(s);
}

/* Every tenth of ws_ping_s (1 to 5 s): a session quiet for ws_ping_s is pinged (once per
 * ws_ping_s), one quiet for ws_idle_close_s (no message, no pong: the peer is gone
 * without a FIN) is closed. This is torgd's own rather than lws's validity timers: lws
 * 4.1.6 keeps those in one sorted list with every other timer, and each HTTP request's
 * timeout was inserted by a walk over all the sessions' entries, O(sessions) per request.
 * A pass over the sessions every few seconds costs less than one such walk per request
 * (10,000 sessions: about 1.7 ms a pass). */
static void ping_cb(uv_timer_t *t)
{
	struct api *a = t->data;
	uint64_t now = uv_now(a->loop);
	uint64_t ping = (uint64_t)a->cfg->ws_ping_s * 1000;
	uint64_t idle = (uint64_t)a->cfg->ws_idle_close_s * 1000;
	for (struct ws_session *s = a->sessions; s; s = s->next) {
		if (s->closing || lag_check(s))
			continue; /* lag_check: a stall outlasting the batches is found here */
		uint64_t quiet = now - s->rx_ms;
		if (quiet >= idle) {
			a->ws_idle_closed++;
			s->closing = true;
			s->close_code = LWS_CLOSE_STATUS_NOSTATUS;
			s->close_reason = "idle";
			kill_soon(s);
		} else if (quiet >= ping && !s->ping_due && now - s->ping_ms >= ping) {
			s->ping_due = true;
			s->ping_ms = now;
			lws_callback_on_writable(s->wsi);
		}
	}
}

/* Writes what the session has now, straight to its socket: with nothing buffered in lws
 * the kernel almost always takes the frame, and then no POLLOUT is armed and disarmed
 * (four epoll_ctl) for it. lws buffers whatever the socket does not take and asks for a
 * writable turn itself; a session with something buffered already, a ping due or a
 * close under way goes the writable way. */
static void write_now(struct ws_session *s)
{
	if (s->closing || s->ping_due || lws_partial_buffered(s->wsi)) {
		lws_callback_on_writable(s->wsi);
		return;
	}
	if (api__push_write(s) < 0)
		kill_soon(s);
}

/* Takes the session out of the flush list. */
void api__push_unlink(struct ws_session *s)
{
	if (!s->in_flush)
		return;
	if (s->flush_prev)
		s->flush_prev->flush_next = s->flush_next;
	else
		s->api->flush = s->flush_next;
	if (s->flush_next)
		s->flush_next->flush_prev = s->flush_prev;
	else
		s->api->flush_tail = s->flush_prev;
	s->flush_next = s->flush_prev = NULL;
	s->in_flush = false;
}

/* Nothing: an active idle handle only makes the next poll return at once. */
static void flush_idle_cb(uv_idle_t *h)
{
	(void)h;
}

/* Nothing: the timer only ends the poll at the flush's time; the check handle flushes. */
static void flush_timer_cb(uv_timer_t *h)
{
	(void)h;
}

/* Arms the next round of the flush: not in this loop turn (the answers go first), and
 * not before the gap after the last round has passed. Rounds that come back to back are
 * spaced by what the last one cost (at most API_FLUSH_GAP_MAX ms), so the loop spends no
 * more than half its time writing frames (the rest is for commands, answers and commits)
 * and events pile up into fewer, larger frames as the rate grows; after a quiet spell the
 * gap has passed and a call leaves at once. */
static void flush_arm(struct api *a)
{
	a->flush_armed = true;
	a->flush_turn = a->turn;
	uint64_t gap = a->flush_ns / 1000000;
	gap = gap > API_FLUSH_GAP_MAX ? API_FLUSH_GAP_MAX : gap;
	uint64_t now = uv_now(a->loop);
	a->flush_at = a->flush_last + gap;
	if (a->flush_at > now)
		uv_timer_start(&a->flush_timer, flush_timer_cb, a->flush_at - now, 0);
	else
		uv_idle_start(&a->flush_idle, flush_idle_cb);
}

/* Lists the session for a round of the flush, and arms it (once the api stops, the
 * writable way again). A session already listed will write all it has when its turn
 * comes; one listed while a round is being written joins the next round, so each is
 * written at most once a round. */
static void flush_link(struct ws_session *s)
{
	struct api *a = s->api;
	if (!a->push_on) {
		lws_callback_on_writable(s->wsi);
		return;
	}
	if (s->in_flush)
		return;
	s->in_flush = true;
	s->flush_round = a->flush_slicing ? a->round + 1 : a->round;
	s->flush_next = NULL;
	s->flush_prev = a->flush_tail;
	if (a->flush_tail)
		a->flush_tail->flush_next = s;
	else
		a->flush = s;
	a->flush_tail = s;
	if (!a->flush_armed && !a->flush_slicing)
		flush_arm(a);
}

/* Counts the loop's turns (runs just before each poll). */
static void flush_prepare_cb(uv_prepare_t *h)
{
	struct api *a = h->data;
	a->turn++;
}

/* After the poll of the turn after a durable batch, whose writable callbacks sent the
 * answers that waited for it, writes the sessions the batch gave something. */
static void flush_check_cb(uv_check_t *h)
{
	struct api *a = h->data;
	if (!a->flush_slicing) {
		if (!a->flush_armed || a->turn == a->flush_turn || uv_now(a->loop) < a->flush_at)
			return;
		a->flush_armed = false;
		a->flush_slicing = true;
		a->flush_ns = 0;
		uv_idle_start(&a->flush_idle, flush_idle_cb);
	}
	/* A slice of at most API_FLUSH_SLICE_NS, then the loop's other work (commands,
	 * answers, commits) gets a turn: 10,000 displays take tens of ms to write, and an
	 * answer that became due meanwhile must not wait for the last of them. */
	uint64_t t0 = uv_hrtime();
	for (unsigned n = 0; a->flush && a->flush->flush_round == a->round; n++) {
		if ((n & 63) == 63 && uv_hrtime() - t0 >= API_FLUSH_SLICE_NS)
			break;
		struct ws_session *s = a->flush;
		api__push_unlink(s);
		write_now(s);
	}
	a->flush_ns += uv_hrtime() - t0;
	if (a->flush && a->flush->flush_round == a->round)
		return; /* the idle handle keeps the next turn's poll from blocking */
	a->flush_slicing = false;
	a->round++;
	uv_idle_stop(&a->flush_idle);
	uv_update_time(a->loop);
	a->flush_last = uv_now(a->loop);
	if (a->flush)
		flush_arm(a); /* those listed while this round was written */
}

void api__push_start(struct api *a)
{
	uv_prepare_init(a->loop, &a->flush_prepare);
	uv_check_init(a->loop, &a->flush_check);
	uv_idle_init(a->loop, &a->flush_idle);
	uv_timer_init(a->loop, &a->flush_timer);
	a->flush_prepare.data = a->flush_check.data = a->flush_idle.data = a;
	uv_prepare_start(&a->flush_prepare, flush_prepare_cb);
	uv_check_start(&a->flush_check, flush_check_cb);
	uv_timer_init(a->loop, &a->ws_ping);
	a->ws_ping.data = a;
	uint64_t every = (uint64_t)a->cfg->ws_ping_s * 100;
	every = every < 1000 ? 1000 : every > 5000 ? 5000 : every;
	uv_timer_start(&a->ws_ping, ping_cb, every, every);
	a->push_on = true;
}

void api__push_stop(struct api *a)
{
	if (!a->push_on)
		return;
	a->push_on = false;
	uv_close((uv_handle_t *)&a->ws_ping, NULL);
	uv_close((uv_handle_t *)&a->flush_prepare, NULL);
	uv_close((uv_handle_t *)&a->flush_check, NULL);
	uv_close((uv_handle_t *)&a->flush_idle, NULL);
	uv_close((uv_handle_t *)&a->flush_timer, NULL);
	while (a->flush)
		api__push_unlink(a->flush);
}

/* A subscribed session more than API_BEHIND_BYTES of events behind (a snapshot's cursor
 * may be ahead of the log: applied, not yet durable; one that fell out of the log counts
 * as behind) that has stopped reading (lws holds part of a frame the kernel has not
 * taken for API_STALL_MS) is dropped, and true returned; one that reads, only slowly,
 * skips the backlog for a fresh snapshot, smaller than what it missed. */
static bool lag_check(struct ws_session *s)
{
	if (!s->subscribed || s->closing ||
	    fanout_bytes_from(engine_log(s->api->engine), s->cursor) <= API_BEHIND_BYTES)
		return false;
	if (lws_partial_buffered(s->wsi)) {
		/* Progress is what the peer's TCP acknowledged: a slow reader opens its window
		 * now and then, one that stopped does not (lws drains its own buffer without
		 * calling us, so our writable turns alone would not tell). */
		uint64_t now = uv_now(s->api->loop), acked;
		if (api__tcp_acked(lws_get_socket_fd(s->wsi), &acked) == 0 && acked != s->acked) {
			s->acked = acked;
			s->wrote_ms = now;
		}
		if (now - s->wrote_ms >= API_STALL_MS) {
			api__push_drop_lagging(s);
			return true;
		}
	}
	if (!s->out_head)
		s->resnapshot = true; /* sent once lws has written what it holds */
	return false;
}

void api__push_durable(struct api *a, uint64_t seq, uint64_t services)
{
	const struct fanout *log = engine_log(a->engine);
	uint64_t before = a->log_next_before;
	a->log_next_before = log->next;
	for (struct ws_session *s = a->subscribers; s; s = s->sub_next) {
		if (s->closing)
			continue;
		bool out_ready = s->out_head && s->out_head->ready_seq <= seq;
		if (lag_check(s))
			continue;
		if (s->cursor == before && !(s->mask & services) && !out_ready) {
			s->cursor = log->next; /* nothing in this batch is for it */
			continue;
		}
		if (s->cursor < log->next || out_ready)
			flush_link(s);
	}
	/* The other sessions (phones) only while a message of theirs waits for seq. */
	for (struct ws_session *s = a->waiting, *next; s; s = next) {
		next = s->wait_next;
		if (!s->closing && s->out_head && s->out_head->ready_seq <= seq)
			flush_link(s);
		if (s->closing || s->wait_seq <= seq)
			api__ws_wait_unlink(s);
	}
}

/* Makes room for need more bytes after used in the frame buffer (growing it only for
 * the first message of a frame, which may be larger than API_FRAME_MAX). */
static char *frame_room(struct api *a, size_t used, size_t need)
{
	if (LWS_PRE + used + need > a->frame_cap) {
		a->frame_cap = LWS_PRE + used + need + 64;
		a->frame = xrealloc(a->frame, a->frame_cap);
	}
	return (char *)a->frame + LWS_PRE;
}

/* Builds the session's next frame from the durable log entries at its cursor that match
 * its mask: one message alone, or a JSON array of them. Before an event that does not
 * follow what the client was told, a skip message says the events between were filtered
 * out (proto/PROTOCOL.md, "skip"). Returns the number of events taken, sets *start and
 * *len (the frame, with LWS_PRE bytes of headroom before it) and *next (the first seq not
 * taken). */
static size_t build_frame(struct api *a, struct ws_session *s, unsigned char **start, size_t *len,
			  uint64_t *next)
{
	const struct fanout *log = engine_log(a->engine);
	size_t used = 1, items = 0, count = 0; /* out[0] is kept for '[' */
	uint64_t seq = s->cursor, told = s->told;
	if (!a->frame) {
		a->frame_cap = LWS_PRE + API_FRAME_MAX + 64;
		a->frame = xmalloc(a->frame_cap);
	}
	char *out = (char *)a->frame + LWS_PRE;
	for (; seq < log->next && seq <= engine_durable_seq(a->engine); seq++) {
		const struct fanout_entry *e = fanout_get(log, seq);
		if (!(e->mask & s->mask))
			continue;
		char skip[64];
		size_t sl = 0;
		if (seq != told + 1)
			sl = proto_encode_skip(skip, sizeof(skip), seq - 1);
		size_t need = e->len + sl + 3;
		if (count > 0 && used + need > API_FRAME_MAX)
			break;
		out = frame_room(a, used, need);
		if (sl > 0) {
			if (items++)
				out[used++] = ',';
			memcpy(out + used, skip, sl);
			used += sl;
		}
		if (items++)
			out[used++] = ',';
		memcpy(out + used, e->json, e->len);
		used += e->len;
		told = seq;
		count++;
	}
	*next = seq;
	s->told = told;
	*start = (unsigned char *)out;
	if (items == 1) {
		*start = (unsigned char *)out + 1; /* one message: no brackets */
		*len = used - 1;
	} else if (items > 1) {
		out[0] = '[';
		out[used++] = ']';
		*len = used;
	}
	return count;
}

/* Whether api__push_write has something to do for the session now: a due message, a close,
 * or durable events at its cursor. */
static bool ready_to_write(const struct ws_session *s)
{
	struct engine *e = s->api->engine;
	if (s->closing)
		return true;
	if (s->out_head)
		return s->out_head->ready_seq <= engine_durable_seq(e);
	return s->subscribed && s->cursor < engine_log(e)->next &&
	       s->cursor <= engine_durable_seq(e);
}

/* Sends the out-queue's head message; returns the lws callback result. Asks for the
 * next writable turn only when there is more to send: a phone told its one status does
 * not cost another turn (and two epoll_ctl) for nothing. */
static int write_out_head(struct ws_session *s)
{
	struct ws_out *o = s->out_head;
	s->out_head = o->next;
	if (!s->out_head)
		s->out_tail = NULL;
	s->out_bytes -= o->len;
	if (s->ticket_out == o)
		s->ticket_out = NULL;
	int n = lws_write(s->wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT);
	free(o);
	if (n < 0)
		return -1;
	s->api->ws_frames_out++;
	if (ready_to_write(s))
		lws_callback_on_writable(s->wsi);
	return 0;
}

/* Writes one thing the session has ready; returns the lws callback result. Messages
 * already due go before a close, so a peer learns why it is closed (too_big). */
int api__push_write(struct ws_session *s)
{
	struct api *a = s->api;
	struct engine *e = a->engine;
	struct ws_out *o = s->out_head;
	s->wrote_ms = uv_now(a->loop); /* the socket took what it had: the peer reads */
	if (s->ping_due && !s->closing) {
		/* with a payload: lws 4.1.6 does not tell of an empty pong */
		unsigned char ping[LWS_PRE + 4];
		memcpy(ping + LWS_PRE, "torg", 4);
		s->ping_due = false;
		if (lws_write(s->wsi, ping + LWS_PRE, 4, LWS_WRITE_PING) < 0)
			return -1;
		if (ready_to_write(s))
			lws_callback_on_writable(s->wsi);
		return 0;
	}
	if (o && o->ready_seq <= engine_durable_seq(e))
		return write_out_head(s);
	if (s->closing) {
		/* Send the close frame ourselves: Debian's lws 4.1 on libuv force-closes
		 * without one when a callback returns -1 (lws issue 3569), and the peer
		 * should learn why (1008, 1009). */
		unsigned char frame[LWS_PRE + 125];
		size_t rl = strlen(s->close_reason);
		if (rl > 120)
			rl = 120;
		frame[LWS_PRE] = (unsigned char)(s->close_code >> 8);
		frame[LWS_PRE + 1] = (unsigned char)(s->close_code & 0xff);
		memcpy(frame + LWS_PRE + 2, s->close_reason, rl);
		lws_write(s->wsi, frame + LWS_PRE, rl + 2, (enum lws_write_protocol)4 /* close */);
		lws_close_reason(s->wsi, s->close_code, (unsigned char *)s->close_reason, rl);
		return -1;
	}
	if (o || !s->subscribed)
		return 0; /* the head waits for durability; events come after it */
	if (s->resnapshot || s->cursor < engine_log(e)->first) {
		/* too far behind, or fell out of the log: start afresh */
		s->resnapshot = false;
		api__ws_send_snapshot(s, s->display);
		return 0;
	}
	size_t len = 0;
	uint64_t next;
	unsigned char *start;
	size_t count = build_frame(a, s, &start, &len, &next);
	s->cursor = next;
	if (count > 0) {
		if (lws_write(s->wsi, start, len, LWS_WRITE_TEXT) < 0)
			return -1;
		a->ws_frames_out++;
	}
	if (s->cursor < engine_log(e)->next && s->cursor <= engine_durable_seq(e))
		lws_callback_on_writable(s->wsi);
	return 0;
}
