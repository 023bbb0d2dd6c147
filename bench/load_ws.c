/*
 * load_ws.c — torg-load's WebSocket subscribers of torg.v1, raw sockets on the epoll loop:
 * non-blocking connects, --concurrency of them under way at once; the upgrade and the
 * hello of each kind (a display, a phone on its ticket, staff with the token); the reader
 * of server frames (fragments, pings, close); and per subscriber the newest seq it was
 * told, from which events lost (a gap no skip explains) and repeated are counted. Each
 * event seen for the first time goes to load_deliver().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load.h"
#include "ws_client.h"

struct sub *subs;
size_t nsubs, nready;
static size_t next_connect, connecting;
int64_t last_rx;

/* One whole text message: each object in it, by its "type". */
static void on_message(struct sub *s, const char *p, size_t len, int64_t t)
{
	const char *end = p + len, *at = load_find(p, end, "{\"type\":\"");
	frames++;
	while (at) {
		const char *ty = at + 9, *next = load_find(ty, end, "{\"type\":\"");
		const char *seg_end = next ? next : end;
		uint64_t seq = load_seq_in(ty, seg_end);
		if (strncmp(ty, "event\"", 6) == 0) {
			msgs++;
			if (s->last && seq <= s->last) {
				repeated++;
			} else {
				if (s->last && seq > s->last + 1)
					lost += seq - s->last - 1;
				s->last = seq;
				load_deliver(s, seq, ty, seg_end, t);
			}
		} else if (strncmp(ty, "skip\"", 5) == 0) {
			s->filtered = true;
			if (seq > s->last)
				s->last = seq;
		} else if (strncmp(ty, "ticket\"", 7) == 0) {
			msgs++;
			if (s->ready && seq < s->last)
				repeated++; /* a phone's statuses never go back in seq */
			else if (!s->ready || seq > s->last)
				load_deliver(s, seq, NULL, NULL, t);
			if (seq > s->last)
				s->last = seq;
		} else if (strncmp(ty, "snapshot\"", 9) == 0) {
			s->last = seq;
		}
		if (!s->ready &&
		    (strncmp(ty, "snapshot\"", 9) == 0 || strncmp(ty, "ticket\"", 7) == 0 ||
		     strncmp(ty, "error\"", 6) == 0)) {
			s->ready = true;
			nready++;
		}
		at = next;
	}
}

/* Sends a short masked client frame (a hello, a pong). */
static void send_frame(struct sub *s, int op, const char *payload, size_t len)
{
	if (!wsc_send_frame(s->fd, op, payload, len))
		fprintf(stderr, "torg-load: short write of a frame\n");
}

/* Closes a subscriber for good; code is the server's close code, 0 for none. */
static void sub_close(struct sub *s, unsigned code)
{
	if (s->state == ST_CONNECT || s->state == ST_HANDSHAKE)
		connecting--;
	close(s->fd);
	s->fd = -1;
	s->state = ST_CLOSED;
	closed++;
	close_codes[code < 5000 ? code : 0]++;
	free(s->buf);
	free(s->head);
	s->buf = s->head = NULL;
}

/* Starts connecting the next subscribers, keeping opt.concurrency under way. */
void load_connect_more(void)
{
	while (connecting < (size_t)opt.concurrency && next_connect < nsubs) {
		struct sub *s = &subs[next_connect];
		const char *what;
		s->fd = wsc_dial(&addr, ep, next_connect, &what);
		if (s->fd < 0)
			load_die(strcmp(what, "socket") == 0
				     ? "socket (raise the open-file hard limit)"
				     : what);
		s->state = ST_CONNECT;
		connecting++;
		next_connect++;
	}
}

/* The subscriber's socket connected: sends the upgrade request. */
void load_on_connected(struct sub *s, size_t i)
{
	int err = wsc_upgrade(s->fd, opt.host, opt.port);
	if (err) {
		if (err > 0)
			fprintf(stderr, "torg-load: connect: %s\n", strerror(err));
		sub_close(s, 0);
		return;
	}
	s->state = ST_HANDSHAKE;
	s->head = load_xrealloc(NULL, 1024);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
	epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/* The upgrade was accepted: says hello as the subscriber's kind. */
static void say_hello(struct sub *s, size_t i)
{
	char hello[256];
	int n;
	if (s->kind == SUB_PHONE)
		n = snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"ticket\":\"%s\"}",
			     phone_ids[i - (size_t)opt.displays]);
	else if (s->kind == SUB_COUNTER)
		n = snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
	else if (opt.display[0])
		n = snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"display\":\"%s\"}",
			     opt.display);
	else
		n = snprintf(hello, sizeof(hello), "{\"type\":\"hello\"}");
	send_frame(s, 1, hello, (size_t)n);
}

/* A whole frame was read: a message, a ping to answer or a close. */
static void on_frame(struct sub *s, const char *p, size_t len, int64_t t)
{
	if (s->op == 9) {
		send_frame(s, 10, p, len);
	} else if (s->op == 8) {
		unsigned code =
		    len >= 2 ? (unsigned)(unsigned char)p[0] << 8 | (unsigned char)p[1] : 0;
		sub_close(s, code);
	} else if (s->fin) {
		on_message(s, p, len, t);
	}
}

/* Feeds bytes of server frames to the subscriber's reader; messages wholly inside the
 * bytes are scanned in place, the rest are gathered in s->buf first. */
static void on_frames(struct sub *s, const unsigned char *b, size_t n, int64_t t)
{
	while (n > 0 && s->state == ST_OPEN) {
		if (s->left == 0 &&
		    (s->hdrlen < 2 ||
		     s->hdrlen < 2 + (s->hdr[1] & 0x7f) / 126 * 2 + (s->hdr[1] & 0x7f) / 127 * 6)) {
			s->hdr[s->hdrlen++] = *b++;
			n--;
			size_t want = s->hdrlen < 2		  ? 2
				      : (s->hdr[1] & 0x7f) == 126 ? 4
				      : (s->hdr[1] & 0x7f) == 127 ? 10
								  : 2;
			if (s->hdrlen < want)
				continue;
			uint64_t len = s->hdr[1] & 0x7f;
			if (len == 126)
				len = (uint64_t)s->hdr[2] << 8 | s->hdr[3];
			else if (len == 127)
				for (int k = 2; k < 10; k++)
					len = len << 8 | s->hdr[k];
			unsigned op = s->hdr[0] & 0x0f;
			s->fin = s->hdr[0] & 0x80;
			/* a control frame inside a fragmented message must not mix with it */
			if (op >= 8 && s->blen > 0) {
				fprintf(stderr,
					"torg-load: control frame inside a fragmented message\n");
				sub_close(s, 0);
				return;
			}
			if (op != 0)
				s->op = (uint8_t)op;
			s->left = len;
			if (len == 0) {
				s->hdrlen = 0;
				on_frame(s, s->buf, s->blen, t);
				s->blen = 0;
			}
			continue;
		}
		size_t take = s->left < n ? (size_t)s->left : n;
		s->left -= take;
		if (s->left == 0 && s->blen == 0 && s->fin) {
			s->hdrlen = 0;
			on_frame(s, (const char *)b, take, t);
		} else {
			if (s->blen + take > s->bcap) {
				s->bcap = (s->blen + take) * 2;
				s->buf = load_xrealloc(s->buf, s->bcap);
			}
			memcpy(s->buf + s->blen, b, take);
			s->blen += take;
			if (s->left == 0) {
				s->hdrlen = 0;
				if (s->fin || s->op >= 8) {
					on_frame(s, s->buf, s->blen, t);
					s->blen = 0;
				}
			}
		}
		b += take;
		n -= take;
	}
}

/* The subscriber's socket is readable: the handshake answer, then frames. */
void load_on_readable(struct sub *s, size_t i)
{
	static unsigned char buf[65536];
	for (;;) {
		ssize_t r = read(s->fd, buf, sizeof(buf));
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			sub_close(s, 0);
			return;
		}
		int64_t t = load_now_ns();
		last_rx = t;
		size_t at = 0;
		if (s->state == ST_HANDSHAKE) {
			while (at < (size_t)r && s->headlen < 1023) {
				s->head[s->headlen++] = (char)buf[at++];
				if (s->headlen >= 4 &&
				    memcmp(s->head + s->headlen - 4, "\r\n\r\n", 4) == 0)
					break;
			}
			s->head[s->headlen] = '\0';
			if (s->headlen < 4 ||
			    memcmp(s->head + s->headlen - 4, "\r\n\r\n", 4) != 0) {
				if (s->headlen >= 1023)
					sub_close(s, 0);
				if (s->state == ST_CLOSED)
					return;
				continue;
			}
			if (strncmp(s->head, "HTTP/1.1 101", 12) != 0) {
				fprintf(stderr, "torg-load: upgrade refused: %.40s\n", s->head);
				sub_close(s, 0);
				return;
			}
			free(s->head);
			s->head = NULL;
			s->state = ST_OPEN;
			connecting--;
			say_hello(s, i);
			load_connect_more();
		}
		if (at < (size_t)r)
			on_frames(s, buf + at, (size_t)r - at, t);
		if (s->state == ST_CLOSED)
			return;
	}
}
