/*
 * ws_rx.c — WebSocket message reassembly (see ws_rx.h). The buffer grows by doubling
 * but never past max + 1 bytes (the message and a NUL), and it is freed once the
 * message it held has been handed back, so an idle connection holds no buffer.
 */
#include "ws_rx.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Frees the buffer and forgets its contents. */
static void release(struct ws_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
	rx->len = rx->cap = 0;
	rx->delivered = false;
}

/* Refuses the current message with rc: resets, and drops its rest unless it ended. */
static int refuse(struct ws_rx *rx, bool final, int rc)
{
	release(rx);
	rx->in_message = false;
	rx->dropping = !final;
	return rc;
}

int ws_rx_feed(struct ws_rx *rx, const void *data, size_t len, bool binary, bool final, size_t max,
	       const char **msg, size_t *msglen)
{
	*msg = NULL;
	*msglen = 0;
	if (rx->delivered)
		release(rx);
	if (rx->dropping) {
		rx->dropping = !final;
		return WS_RX_MORE;
	}
	if (binary)
		return refuse(rx, final, -EPROTO);
	if (!rx->in_message && final) {
		if (len > max)
			return refuse(rx, final, -E2BIG);
		*msg = len ? data : "";
		*msglen = len;
		return WS_RX_MESSAGE;
	}
	if (rx->len > max || len > max - rx->len)
		return refuse(rx, final, -E2BIG);
	size_t need = rx->len + len + 1;
	if (need > rx->cap) {
		size_t cap = rx->cap ? rx->cap : 256;
		while (cap < need)
			cap *= 2;
		if (max < SIZE_MAX && cap > max + 1)
			cap = max + 1;
		rx->buf = xrealloc(rx->buf, cap);
		rx->cap = cap;
	}
	if (len)
		memcpy(rx->buf + rx->len, data, len);
	rx->len += len;
	rx->buf[rx->len] = '\0';
	if (!final) {
		rx->in_message = true;
		return WS_RX_MORE;
	}
	rx->in_message = false;
	rx->delivered = true;
	*msg = rx->buf;
	*msglen = rx->len;
	return WS_RX_MESSAGE;
}

void ws_rx_clear(struct ws_rx *rx)
{
	free(rx->buf);
	memset(rx, 0, sizeof(*rx));
}
