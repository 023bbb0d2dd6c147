/* conn.c: torg-display's WebSocket connection to torgd. It owns the libwebsockets client
 * context (on the program's libuv loop as a foreign loop, with TLS for wss:// against the
 * system CA store or --ca), the one connection at a time, the reassembly of fragmented
 * frames, the hello (with since once the board has a base, so a reconnect resumes where
 * the board stopped; a filtered display's board seq includes the last skip), and the
 * retry timer: capped exponential backoff with jitter, 0.5 s doubling to 10 s. The backoff
 * starts over only when a connection that stayed live for DISPLAY_STABLE_MS drops: an
 * answered hello alone does not reset it, so a server that accepts and drops at once, or
 * a gap that comes back on every resume, is retried ever more slowly up to the cap. A
 * network error is never fatal: it only changes the link state shown on the screen and
 * schedules a retry. */
#include "display.h"

#include <uv.h>
#include <libwebsockets.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_encode.h"

/* Builds the hello frame (with LWS_PRE headroom) into d->hello. */
static void build_hello(struct display *d)
{
	struct proto_hello_out h = {
	    /* resume from the board's base, unless gaps keep coming without progress */
	    .has_since = d->board.have_base && d->gap_strikes < 2,
	    .since = d->board.seq,
	    .services = {(const char *const *)d->services, d->nservices},
	    .display = d->display_id,
	};
	size_t n;
	char *s = proto_encode_hello(&h, &n);
	free(d->hello);
	d->hello = xmalloc(LWS_PRE + n);
	memcpy(d->hello + LWS_PRE, s, n);
	d->hello_len = n;
	free(s);
}

/* Sets the reason of the last failure (shown by --once on a timeout). */
static void set_error(struct display *d, const char *why)
{
	free(d->last_error);
	d->last_error = xstrdup(why ? why : "connection failed");
}

/* Returns the next retry delay in ms: min(cap, min * 2^attempt), then a random point in
 * its upper half (jitter), so many displays do not reconnect in step. */
static uint64_t backoff_ms(unsigned attempt)
{
	uint64_t delay = DISPLAY_BACKOFF_MIN;
	for (unsigned i = 0; i < attempt && delay < DISPLAY_BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > DISPLAY_BACKOFF_MAX)
		delay = DISPLAY_BACKOFF_MAX;
	uint32_t r = 0;
	if (uv_random(NULL, NULL, &r, sizeof(r), 0, NULL) != 0)
		r = (uint32_t)uv_hrtime();
	return delay / 2 + r % (delay / 2 + 1);
}

/* Opens a new connection now; on an immediate failure schedules the next try. */
static void connect_now(struct display *d)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = d->ctx;
	ci.address = d->host;
	ci.port = d->port;
	ci.path = d->path;
	ci.host = d->host;
	ci.origin = NULL; /* not a browser page: no Origin (lws would claim http:// even for wss) */
	ci.protocol = PROTO_VERSION;
	ci.local_protocol_name = PROTO_VERSION;
	ci.ssl_connection = d->tls ? LCCSCF_USE_SSL : 0;
	ci.userdata = d;
	ci.pwsi = &d->wsi;
	d->rx_len = 0;
	build_hello(d);
	d->hello_pending = true;
	if (!lws_client_connect_via_info(&ci)) {
		d->wsi = NULL;
		conn_retry_later(d, "cannot start a connection");
	}
}

/* The retry timer fired: try again. */
static void retry_cb(uv_timer_t *t)
{
	struct display *d = t->data;
	if (!d->stopping && !d->wsi)
		connect_now(d);
}

void conn_retry_later(struct display *d, const char *why)
{
	if (why)
		set_error(d, why);
	if (d->stopping)
		return;
	if (d->link == DISPLAY_LIVE) {
		if (uv_now(&d->loop) - d->live_since >= DISPLAY_STABLE_MS)
			d->attempt = 0;
		d->link = DISPLAY_RECONNECTING;
		display_dirty(d);
	}
	if (uv_is_active((uv_handle_t *)&d->retry_timer))
		return;
	uint64_t ms = backoff_ms(d->attempt);
	if (d->attempt < 16)
		d->attempt++;
	uv_timer_start(&d->retry_timer, retry_cb, ms, 0);
}

/* Appends a received fragment; returns -1 when the frame grows past the limit. */
static int rx_append(struct display *d, const void *in, size_t len)
{
	if (d->rx_len + len > PROTO_BOARD_MAX_FRAME)
		return -1;
	if (d->rx_len + len > d->rx_cap) {
		size_t cap = d->rx_cap ? d->rx_cap : 16384;
		while (cap < d->rx_len + len)
			cap *= 2;
		d->rx = xrealloc(d->rx, cap);
		d->rx_cap = cap;
	}
	memcpy(d->rx + d->rx_len, in, len);
	d->rx_len += len;
	return 0;
}

/* Returns a copy of a connection error text cut to one line (lws may pass NULL). */
static void conn_error_text(char *buf, size_t n, const void *in, size_t len)
{
	if (!in || !len) {
		snprintf(buf, n, "connection failed");
		return;
	}
	snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), (const char *)in);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* The lws callback of the torg.v1 client protocol. */
static int torg_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct display *d = lws_context_user(lws_get_context(wsi));
	char why[200];
	if (!d)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		conn_error_text(why, sizeof(why), in, len);
		if (d->wsi == wsi || !d->wsi)
			d->wsi = NULL;
		if (!d->stopping)
			display_log(d, "cannot connect to %s: %s", d->url, why);
		conn_retry_later(d, why);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (d->hello_pending) {
			d->hello_pending = false;
			if (lws_write(wsi, (unsigned char *)d->hello + LWS_PRE, d->hello_len,
				      LWS_WRITE_TEXT) < (int)d->hello_len)
				return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_frame_is_binary(wsi)) {
			display_log(d, "binary frame from the server skipped");
			d->rx_len = 0;
			return 0;
		}
		if (rx_append(d, in, len) != 0) {
			display_log(d, "frame over %d bytes: reconnecting", PROTO_BOARD_MAX_FRAME);
			set_error(d, "frame too big");
			return -1;
		}
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			return 0;
		size_t n = d->rx_len;
		d->rx_len = 0;
		if (display_on_frame(d, d->rx, n) != 0) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		if (d->link != DISPLAY_LIVE && d->board.have_base) {
			d->link = DISPLAY_LIVE;
			d->live_since = uv_now(&d->loop);
			display_dirty(d);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (d->wsi == wsi)
			d->wsi = NULL;
		if (!d->stopping)
			display_log(d, "connection to %s closed", d->url);
		conn_retry_later(d, "the server closed the connection");
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if (d->wsi == wsi) {
			d->wsi = NULL;
			conn_retry_later(d, NULL);
		}
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
    {PROTO_VERSION, torg_cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Routes libwebsockets' own log lines (errors only) to the program's log. */
static struct display *log_target;
static void lws_log_cb(int level, const char *line)
{
	char buf[200];
	snprintf(buf, sizeof(buf), "%s", line);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (log_target)
		display_log(log_target, "lws: %s", buf);
}

int conn_start(struct display *d)
{
	struct lws_context_creation_info info;
	void *loops[1] = {&d->loop};
	log_target = d;
	lws_set_log_level(LLL_ERR, lws_log_cb);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.foreign_loops = loops;
	info.pcontext = &d->ctx;
	info.user = d;
	info.gid = -1;
	info.uid = -1;
	info.client_ssl_ca_filepath = d->ca_file;
	info.timeout_secs = 10;
	info.connect_timeout_secs = 10;
	info.ka_time = 30;
	info.ka_probes = 3;
	info.ka_interval = 10;
	d->ctx = lws_create_context(&info);
	if (!d->ctx) {
		fprintf(stderr, "torg-display: cannot create the WebSocket context (is the "
				"libwebsockets-evlib-uv package installed?)\n");
		return -1;
	}
	d->retry_timer.data = d;
	d->link = DISPLAY_CONNECTING;
	connect_now(d);
	return 0;
}

void conn_stop(struct display *d)
{
	uv_timer_stop(&d->retry_timer);
	if (d->ctx)
		lws_context_destroy(d->ctx);
}

void conn_free(struct display *d)
{
	if (d->ctx)
		lws_context_destroy(d->ctx);
	d->ctx = NULL;
	log_target = NULL;
	free(d->rx);
	free(d->hello);
	free(d->last_error);
	d->rx = d->hello = d->last_error = NULL;
}
