/*
 * ws_client.c — the WebSocket client pieces the benchmarks share (see ws_client.h).
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ws_client.h"

int wsc_dial(const struct sockaddr_in *addr, int ep, uint64_t tag, const char **what)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*what = "socket";
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = tag};
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0 && errno != EINPROGRESS)
		*what = "connect";
	else if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		*what = "epoll_ctl";
	else
		return fd;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

int wsc_upgrade(int fd, const char *host, int port)
{
	int err = 0;
	socklen_t len = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err)
		return err;
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: torg.v1\r\n\r\n",
			 host, port);
	return write(fd, req, (size_t)n) == n ? 0 : -1;
}

bool wsc_send_frame(int fd, int op, const char *payload, size_t len)
{
	unsigned char buf[512], mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	size_t i = 0;
	if (len > sizeof(buf) - 8)
		len = sizeof(buf) - 8;
	buf[i++] = (unsigned char)(0x80 | op);
	if (len < 126) {
		buf[i++] = (unsigned char)(0x80 | len);
	} else {
		buf[i++] = 0x80 | 126;
		buf[i++] = (unsigned char)(len >> 8);
		buf[i++] = (unsigned char)len;
	}
	memcpy(buf + i, mask, 4);
	i += 4;
	for (size_t k = 0; k < len; k++)
		buf[i++] = (unsigned char)payload[k] ^ mask[k & 3];
	return write(fd, buf, i) == (ssize_t)i;
}
