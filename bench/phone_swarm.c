/*
 * phone_swarm.c — many visitors' phones on one torgd, for bench/bench_phones.py: one
 * WebSocket (torg.v1) per ticket id read from a file, each saying hello with its
 * ticket and then reading everything it is sent, on one epoll loop with raw sockets,
 * a minimal client handshake and a frame reader that looks only at the start of each
 * message. Python's websockets would spend more CPU on 10,000 sessions than the torgd
 * under test. The driver talks to it on stdin: "s" prints one line of counts (open
 * sessions, sessions that got their first status, frames, ticket messages, closed),
 * "q" quits.
 *
 *     phone_swarm PORT IDS-FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ws_client.h"

#define SWARM_CONNECTING 64 /* handshakes under way at once */
#define SWARM_HEAD_MAX	 1024

enum phone_state { PHONE_IDLE, PHONE_CONNECT, PHONE_HANDSHAKE, PHONE_OPEN, PHONE_CLOSED };

/* One phone: its socket and where its reader is in the current frame. */
struct phone {
	int fd;
	enum phone_state state;
	char id[40];
	char head[SWARM_HEAD_MAX]; /* the handshake answer, until its blank line */
	size_t headlen;
	unsigned char hdr[14]; /* the current frame's header */
	size_t hdrlen;
	uint64_t left;	  /* payload bytes of the current frame still to read */
	unsigned char op; /* its opcode */
	char prefix[16];  /* the payload's first bytes: is it a ticket message? */
	size_t prefixlen;
	bool answered; /* got its first message */
};

static struct phone *phones;
static size_t nphones, next_connect, connecting;
static uint64_t nframes, ntickets, nanswered, nopen, nclosed;
static struct sockaddr_in addr;
static int ep;

/* Prints why and exits. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The frame header length that the first two bytes announce. */
static size_t header_len(const unsigned char *h)
{
	size_t n = h[1] & 0x7f;
	return n == 126 ? 4 : n == 127 ? 10 : 2;
}

/* Sends a short masked client frame (the hello, a pong). */
static void send_frame(struct phone *p, int op, const char *payload, size_t len)
{
	if (!wsc_send_frame(p->fd, op, payload, len))
		fprintf(stderr, "phone_swarm: short write of a frame\n");
}

/* Closes a phone for good. */
static void phone_close(struct phone *p)
{
	if (p->state == PHONE_CONNECT || p->state == PHONE_HANDSHAKE)
		connecting--;
	if (p->state == PHONE_OPEN)
		nopen--;
	close(p->fd);
	p->fd = -1;
	p->state = PHONE_CLOSED;
	nclosed++;
}

/* Starts connecting the next phones, keeping SWARM_CONNECTING under way. */
static void connect_more(void)
{
	while (connecting < SWARM_CONNECTING && next_connect < nphones) {
		struct phone *p = &phones[next_connect];
		const char *what;
		p->fd = wsc_dial(&addr, ep, next_connect, &what);
		if (p->fd < 0)
			die(what);
		p->state = PHONE_CONNECT;
		connecting++;
		next_connect++;
	}
}

/* The socket connected: sends the upgrade request. */
static void on_connected(struct phone *p, size_t i)
{
	int err = wsc_upgrade(p->fd, "127.0.0.1", ntohs(addr.sin_port));
	if (err) {
		if (err > 0)
			fprintf(stderr, "phone_swarm: connect: %s\n", strerror(err));
		phone_close(p);
		return;
	}
	p->state = PHONE_HANDSHAKE;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
	epoll_ctl(ep, EPOLL_CTL_MOD, p->fd, &ev);
}

/* Feeds bytes of server frames to the phone's reader. */
static void on_frames(struct phone *p, const unsigned char *b, size_t n)
{
	while (n > 0) {
		if (p->left == 0 && (p->hdrlen < 2 || p->hdrlen < header_len(p->hdr))) {
			p->hdr[p->hdrlen++] = *b++;
			n--;
			if (p->hdrlen < 2 || p->hdrlen < header_len(p->hdr))
				continue;
			uint64_t len = p->hdr[1] & 0x7f;
			if (len == 126)
				len = (uint64_t)p->hdr[2] << 8 | p->hdr[3];
			else if (len == 127)
				for (int k = 2; k < 10; k++)
					len = len << 8 | p->hdr[k];
			p->op = p->hdr[0] & 0x0f;
			p->left = len;
			p->prefixlen = 0;
			if (len > 0)
				continue;
		}
		size_t take = p->left < n ? (size_t)p->left : n;
		if (p->prefixlen < sizeof(p->prefix)) {
			size_t k = sizeof(p->prefix) - p->prefixlen;
			if (k > take)
				k = take;
			memcpy(p->prefix + p->prefixlen, b, k);
			p->prefixlen += k;
		}
		b += take;
		n -= take;
		p->left -= take;
		if (p->left > 0)
			continue;
		/* a whole frame */
		p->hdrlen = 0;
		if (p->op == 1 || p->op == 0) {
			nframes++;
			if (p->prefixlen >= 16 &&
			    memcmp(p->prefix, "{\"type\":\"ticket\"", 16) == 0)
				ntickets++;
			if (!p->answered) {
				p->answered = true;
				nanswered++;
			}
		} else if (p->op == 9) {
			send_frame(p, 10, p->prefix, p->prefixlen < 16 ? p->prefixlen : 0);
		} else if (p->op == 8) {
			phone_close(p);
			return;
		}
	}
}

/* The socket is readable: the handshake answer, then frames. */
static void on_readable(struct phone *p)
{
	unsigned char buf[16384];
	for (;;) {
		ssize_t r = read(p->fd, buf, sizeof(buf));
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			phone_close(p);
			return;
		}
		size_t at = 0;
		if (p->state == PHONE_HANDSHAKE) {
			while (at < (size_t)r && p->headlen < sizeof(p->head) - 1) {
				p->head[p->headlen++] = (char)buf[at++];
				p->head[p->headlen] = '\0';
				if (p->headlen >= 4 &&
				    strcmp(p->head + p->headlen - 4, "\r\n\r\n") == 0)
					break;
			}
			if (p->headlen < 4 || strcmp(p->head + p->headlen - 4, "\r\n\r\n") != 0) {
				if (p->headlen >= sizeof(p->head) - 1)
					phone_close(p);
				continue;
			}
			if (strncmp(p->head, "HTTP/1.1 101", 12) != 0) {
				fprintf(stderr, "phone_swarm: upgrade refused: %.40s\n", p->head);
				phone_close(p);
				return;
			}
			p->state = PHONE_OPEN;
			connecting--;
			nopen++;
			char hello[128];
			int n = snprintf(hello, sizeof(hello),
					 "{\"type\":\"hello\",\"ticket\":\"%s\"}", p->id);
			send_frame(p, 1, hello, (size_t)n);
			connect_more();
		}
		if (p->state == PHONE_OPEN && at < (size_t)r)
			on_frames(p, buf + at, (size_t)r - at);
		if (p->state == PHONE_CLOSED)
			return;
	}
}

/* A line from the driver. */
static bool on_command(void)
{
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	if (line[0] == 'q')
		return false;
	if (line[0] == 's') {
		printf("open=%llu answered=%llu frames=%llu tickets=%llu closed=%llu\n",
		       (unsigned long long)nopen, (unsigned long long)nanswered,
		       (unsigned long long)nframes, (unsigned long long)ntickets,
		       (unsigned long long)nclosed);
		fflush(stdout);
	}
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: phone_swarm PORT IDS-FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f)
		die(argv[2]);
	size_t cap = 1024;
	phones = calloc(cap, sizeof(*phones));
	char line[128];
	while (phones && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (nphones == cap) {
			cap *= 2;
			phones = realloc(phones, cap * sizeof(*phones));
			if (!phones)
				break;
			memset(phones + nphones, 0, (cap - nphones) * sizeof(*phones));
		}
		size_t len = strlen(line);
		if (len >= sizeof(phones[nphones].id)) {
			fprintf(stderr, "phone_swarm: not a ticket id: %.40s\n", line);
			return 2;
		}
		memcpy(phones[nphones].id, line, len + 1);
		phones[nphones].fd = -1;
		nphones++;
	}
	fclose(f);
	if (!phones)
		die("calloc");
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(argv[1]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	/* stdin is the driver's: u64 beyond the phones' indices marks it */
	struct epoll_event sev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev) < 0)
		die("epoll_ctl stdin");
	setvbuf(stdin, NULL, _IOLBF, 0);
	connect_more();
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u64 == UINT64_MAX) {
				if (!on_command())
					return 0;
				continue;
			}
			size_t i = (size_t)evs[k].data.u64;
			struct phone *p = &phones[i];
			if (p->state == PHONE_CONNECT)
				on_connected(p, i);
			else if (p->state == PHONE_HANDSHAKE || p->state == PHONE_OPEN)
				on_readable(p);
			if (p->state == PHONE_CLOSED)
				connect_more();
		}
	}
}
