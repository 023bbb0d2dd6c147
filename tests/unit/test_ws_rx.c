/*
 * test_ws_rx.c — unit tests of server/ws_rx.h: a message in one piece comes back
 * without copying, pieces are joined, a message over max is refused once and the rest
 * of it dropped without being buffered (the buffer never passes max), binary messages
 * are refused the same way, the buffer is released after a delivered message, and a
 * message exactly at max passes.
 */
#include "ws_rx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Feeds the C string s. */
static int feed(struct ws_rx *rx, const char *s, bool final, size_t max, const char **msg,
		size_t *len)
{
	return ws_rx_feed(rx, s, strlen(s), false, final, max, msg, len);
}

static int test_whole(void)
{
	struct ws_rx rx = {0};
	const char *msg;
	size_t len;
	static const char text[] = "{\"type\":\"hello\"}";
	REQUIRE(feed(&rx, text, true, 100, &msg, &len) == WS_RX_MESSAGE);
	REQUIRE(msg == text && len == strlen(text)); /* not copied */
	REQUIRE(rx.buf == NULL && rx.len == 0);
	REQUIRE(ws_rx_feed(&rx, NULL, 0, false, true, 100, &msg, &len) == WS_RX_MESSAGE);
	REQUIRE(msg != NULL && len == 0);
	REQUIRE(feed(&rx, "0123456789", true, 10, &msg, &len) == WS_RX_MESSAGE && len == 10);
	REQUIRE(feed(&rx, "0123456789a", true, 10, &msg, &len) == -E2BIG && msg == NULL);
	REQUIRE(!rx.dropping); /* a refused final piece leaves nothing to drop */
	REQUIRE(feed(&rx, "ok", true, 10, &msg, &len) == WS_RX_MESSAGE && len == 2);
	ws_rx_clear(&rx);
	return 0;
}

static int test_pieces(void)
{
	struct ws_rx rx = {0};
	const char *msg;
	size_t len;
	REQUIRE(feed(&rx, "{\"type\":", false, 100, &msg, &len) == WS_RX_MORE && msg == NULL);
	REQUIRE(feed(&rx, "", false, 100, &msg, &len) == WS_RX_MORE);
	REQUIRE(feed(&rx, "\"hello\"", false, 100, &msg, &len) == WS_RX_MORE);
	REQUIRE(rx.len == 15 && rx.cap <= 101);
	REQUIRE(feed(&rx, "}", true, 100, &msg, &len) == WS_RX_MESSAGE);
	REQUIRE(len == 16 && memcmp(msg, "{\"type\":\"hello\"}", 16) == 0 && msg[16] == '\0');
	REQUIRE(msg == rx.buf);
	/* The next feed releases the buffer of the delivered message. */
	REQUIRE(feed(&rx, "x", true, 100, &msg, &len) == WS_RX_MESSAGE && rx.buf == NULL);
	/* Exactly max passes, in pieces. */
	REQUIRE(feed(&rx, "01234", false, 10, &msg, &len) == WS_RX_MORE);
	REQUIRE(feed(&rx, "56789", true, 10, &msg, &len) == WS_RX_MESSAGE && len == 10);
	REQUIRE(rx.cap <= 11);
	/* A final empty piece ends a message. */
	REQUIRE(feed(&rx, "ab", false, 10, &msg, &len) == WS_RX_MORE);
	REQUIRE(ws_rx_feed(&rx, NULL, 0, false, true, 10, &msg, &len) == WS_RX_MESSAGE);
	REQUIRE(len == 2 && !strcmp(msg, "ab"));
	ws_rx_clear(&rx);
	REQUIRE(rx.buf == NULL && !rx.in_message);
	return 0;
}

static int test_too_big(void)
{
	struct ws_rx rx = {0};
	const char *msg;
	size_t len;
	char piece[1000];
	memset(piece, 'a', sizeof(piece));
	/* 16 pieces of 1000 bytes fit 16384; the 17th does not. */
	for (int i = 0; i < 16; i++)
		REQUIRE(ws_rx_feed(&rx, piece, sizeof(piece), false, false, 16384, &msg, &len) ==
			WS_RX_MORE);
	REQUIRE(rx.len == 16000 && rx.cap <= 16385);
	REQUIRE(ws_rx_feed(&rx, piece, sizeof(piece), false, false, 16384, &msg, &len) == -E2BIG);
	REQUIRE(rx.buf == NULL && rx.len == 0 && rx.dropping);
	/* The rest of that message is dropped unread, however long, up to its end. */
	for (int i = 0; i < 1000; i++) {
		REQUIRE(ws_rx_feed(&rx, piece, sizeof(piece), false, false, 16384, &msg, &len) ==
			WS_RX_MORE);
		REQUIRE(rx.buf == NULL && msg == NULL);
	}
	REQUIRE(feed(&rx, "}", true, 16384, &msg, &len) == WS_RX_MORE && !rx.dropping);
	/* The next message is read normally. */
	REQUIRE(feed(&rx, "{}", true, 16384, &msg, &len) == WS_RX_MESSAGE && len == 2);
	/* A piece that alone passes max is refused at once. */
	REQUIRE(feed(&rx, "abc", false, 2, &msg, &len) == -E2BIG && rx.dropping);
	REQUIRE(feed(&rx, "d", true, 2, &msg, &len) == WS_RX_MORE);
	/* Refused on its final piece: nothing left to drop. */
	REQUIRE(feed(&rx, "ab", false, 3, &msg, &len) == WS_RX_MORE);
	REQUIRE(feed(&rx, "cd", true, 3, &msg, &len) == -E2BIG && !rx.dropping);
	REQUIRE(feed(&rx, "ok", true, 3, &msg, &len) == WS_RX_MESSAGE);
	/* A max lowered under what is held already refuses instead of wrapping around. */
	REQUIRE(feed(&rx, "abcdef", false, 10, &msg, &len) == WS_RX_MORE);
	REQUIRE(feed(&rx, "", false, 4, &msg, &len) == -E2BIG);
	ws_rx_clear(&rx);
	return 0;
}

static int test_binary(void)
{
	struct ws_rx rx = {0};
	const char *msg;
	size_t len;
	REQUIRE(ws_rx_feed(&rx, "\x01\x02", 2, true, true, 100, &msg, &len) == -EPROTO);
	REQUIRE(!rx.dropping);
	REQUIRE(ws_rx_feed(&rx, "\x01\x02", 2, true, false, 100, &msg, &len) == -EPROTO);
	REQUIRE(rx.dropping);
	REQUIRE(ws_rx_feed(&rx, "\x03", 1, true, false, 100, &msg, &len) == WS_RX_MORE);
	REQUIRE(ws_rx_feed(&rx, "\x04", 1, true, true, 100, &msg, &len) == WS_RX_MORE);
	/* Binary in the middle of a text message refuses the message. */
	REQUIRE(feed(&rx, "{", false, 100, &msg, &len) == WS_RX_MORE);
	REQUIRE(ws_rx_feed(&rx, "x", 1, true, false, 100, &msg, &len) == -EPROTO);
	REQUIRE(rx.buf == NULL && rx.dropping);
	REQUIRE(feed(&rx, "}", true, 100, &msg, &len) == WS_RX_MORE);
	REQUIRE(feed(&rx, "{}", true, 100, &msg, &len) == WS_RX_MESSAGE);
	ws_rx_clear(&rx);
	return 0;
}

int main(void)
{
	RUN(test_whole);
	RUN(test_pieces);
	RUN(test_too_big);
	RUN(test_binary);
	return check_report("ws_rx");
}
