/*
 * ws_rx.h — reassembly of one WebSocket message from the fragments lws delivers (a
 * small rx_buffer_size splits larger client frames, and clients may fragment
 * messages themselves). A message that comes in one final piece is handed back
 * without copying; pieces are gathered in a buffer that never holds more than the
 * caller's max. A message that would pass max is refused once with -E2BIG, its
 * buffer freed, and the rest of it is dropped unread up to its final fragment, so a
 * client cannot make torgd hold more than max bytes for it. Binary messages are
 * refused the same way with -EPROTO. Pure: no lws, no I/O.
 */
#ifndef TORG_WS_RX_H
#define TORG_WS_RX_H

#include <stdbool.h>
#include <stddef.h>

enum {
	WS_RX_MORE = 0,	   /* the message is not complete yet (or a refused one is being dropped) */
	WS_RX_MESSAGE = 1, /* *msg / *msglen hold one complete text message */
};

/* Reassembly state of one connection. Zero-initialise; ws_rx_clear frees it. */
struct ws_rx {
	char *buf;	 /* the pieces so far, NUL-terminated; NULL when none */
	size_t len, cap; /* len <= the max of the feeds, always */
	bool in_message; /* a message has started and not yet ended */
	bool dropping;	 /* the rest of a refused message is being dropped */
	bool delivered;	 /* buf holds a delivered message, to be released next feed */
};

/** Feeds one fragment (data[0..len), may be NULL when len is 0; final: the message's
 *  last fragment; binary: the message is binary). Returns WS_RX_MORE; WS_RX_MESSAGE with
 *  *msg (NUL-terminated when it was gathered, else pointing into data) and *msglen set,
 *  valid until the next feed or clear (and while data is, when it was not copied);
 *  -E2BIG when the message would pass max bytes, or -EPROTO for a binary message: the
 *  state is reset and the message's remaining fragments are dropped (WS_RX_MORE) up to its
 *  final one. */
int ws_rx_feed(struct ws_rx *rx, const void *data, size_t len, bool binary, bool final, size_t max,
	       const char **msg, size_t *msglen);
/** Frees the buffer and resets *rx to zero (a new connection's state). */
void ws_rx_clear(struct ws_rx *rx);

#endif
