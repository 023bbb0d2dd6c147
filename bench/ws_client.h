/*
 * ws_client.h — the client side of a WebSocket that the benchmarks' epoll loops share
 * (bench/torg-load, bench/phone_swarm): dialling without blocking, the upgrade request,
 * and masked client frames. Reading frames stays each tool's own: torg-load keeps whole
 * messages, phone_swarm only their first bytes.
 */
#ifndef TORG_BENCH_WS_CLIENT_H
#define TORG_BENCH_WS_CLIENT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/** A non-blocking TCP socket (TCP_NODELAY) connecting to addr, added to epoll set ep
 *  for EPOLLIN|EPOLLOUT with tag as its data; the fd, or -1 with errno set and *what the
 *  call that failed ("socket", "connect", "epoll_ctl"). */
int wsc_dial(const struct sockaddr_in *addr, int ep, uint64_t tag, const char **what);
/** Once the socket is writable: 0 and the torg.v1 upgrade request for host:port sent, or
 *  the connect's error (a positive errno), or -1 when the request could not be written. */
int wsc_upgrade(int fd, const char *host, int port);
/** Writes one masked client frame of opcode op (payloads up to 504 bytes: a hello, a
 *  pong); whether all of it was written. */
bool wsc_send_frame(int fd, int op, const char *payload, size_t len);

#endif
