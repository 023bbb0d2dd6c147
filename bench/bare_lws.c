/*
 * bare_lws.c — bare-lws, the naive libwebsockets broadcast that bench/torg-load compares
 * torgd with: lws 4.1.6 on libuv with torgd's vhost settings (timeouts, pings, rx buffer)
 * and a queue of refcounted messages per subscriber; a broadcast appends to every queue
 * and asks for a writable callback per client, each of which does one lws_write.
 *
 *     bare-lws [--listen ADDR] --port PORT
 *
 * WebSocket (subprotocol torg.v1, any path): the first message (a hello, not parsed)
 * subscribes and gets {"type":"snapshot","protocol":"torg.v1","seq":N}. POST /broadcast
 * (any body) queues {"type":"event","seq":N+1,"kind":"bench.broadcast","event":{…}}
 * (about 330 bytes) to every subscriber and answers 200 {"seq":N+1}; GET /healthz
 * answers {"status":"ok","seq":N}; anything else is 404. SIGINT/SIGTERM stop it.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

/* One message, shared by every queue it is in. */
struct msg {
	int refs;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the text */
};

/* One WebSocket client: its place in the subscriber list and its queue. */
struct client {
	struct lws *wsi;
	struct client *prev, *next;
	bool subscribed;
	struct msg **q; /* a ring of queued messages */
	size_t qhead, qlen, qcap;
};

/* One HTTP request: the answer it waits to write. */
struct req {
	bool broadcast; /* POST /broadcast: answered when its body is in */
	bool answered;
	char answer[64];
};

static struct client *subscribers;
static unsigned long long seq;
static struct lws_context *ctx;
static uv_signal_t sigs[2];

/* Allocates a message holding text (refcount 1); aborts when memory runs out. */
static struct msg *msg_create(const char *text, size_t len)
{
	struct msg *m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m)
		abort();
	m->refs = 1;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	return m;
}

/* Drops one reference, freeing the message with the last. */
static void msg_unref(struct msg *m)
{
	if (--m->refs == 0)
		free(m);
}

/* Appends a message to a client's queue (taking a reference) and asks to write. */
static void client_push(struct client *c, struct msg *m)
{
	if (c->qlen == c->qcap) {
		size_t cap = c->qcap ? c->qcap * 2 : 8;
		struct msg **q = malloc(cap * sizeof(*q));
		if (!q)
			abort();
		for (size_t i = 0; i < c->qlen; i++)
			q[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = q;
		c->qhead = 0;
		c->qcap = cap;
	}
	c->q[(c->qhead + c->qlen) % c->qcap] = m;
	c->qlen++;
	m->refs++;
	lws_callback_on_writable(c->wsi);
}

/* Makes the next event and queues it to every subscriber; returns its seq. */
static unsigned long long broadcast(void)
{
	char text[512];
	seq++;
	/* About the size of a torgd ticket.called event, inside an "event" object. */
	int n = snprintf(
	    text, sizeof(text),
	    "{\"type\":\"event\",\"seq\":%llu,\"kind\":\"bench.broadcast\","
	    "\"event\":{\"at\":\"2026-11-22T09:41:07.123Z\",\"ticket\":{\"number\":\"B%03llu\","
	    "\"service\":\"nav\",\"state\":\"called\",\"leg\":1,\"priority\":"
	    "\"normal\"},\"counter\":\"c4\",\"queues\":[{\"service\":\"nav\","
	    "\"waiting\":3,\"eta_s\":540,\"longest_wait_s\":402,\"counters_open\":2},"
	    "{\"service\":\"housing\",\"waiting\":1,\"eta_s\":300,\"longest_wait_s\":0,"
	    "\"counters_open\":1}]}}",
	    seq, seq % 1000);
	struct msg *m = msg_create(text, (size_t)n);
	for (struct client *c = subscribers; c; c = c->next)
		client_push(c, m);
	msg_unref(m);
	return seq;
}

/* The WebSocket protocol torg.v1: subscribe on the first message, write one per turn. */
static int ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len)
{
	struct client *c = user;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(c, 0, sizeof(*c));
		c->wsi = wsi;
		return 0;
	case LWS_CALLBACK_RECEIVE: {
		if (c->subscribed)
			return 0;
		c->subscribed = true;
		c->next = subscribers;
		if (subscribers)
			subscribers->prev = c;
		subscribers = c;
		char text[128];
		int n =
		    snprintf(text, sizeof(text),
			     "{\"type\":\"snapshot\",\"protocol\":\"torg.v1\",\"seq\":%llu}", seq);
		struct msg *m = msg_create(text, (size_t)n);
		client_push(c, m);
		msg_unref(m);
		return 0;
	}
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		if (c->qlen == 0)
			return 0;
		struct msg *m = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
		int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
		msg_unref(m);
		if (w < 0)
			return -1;
		if (c->qlen > 0)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_CLOSED:
		if (c->subscribed) {
			if (c->prev)
				c->prev->next = c->next;
			else
				subscribers = c->next;
			if (c->next)
				c->next->prev = c->prev;
		}
		for (; c->qlen > 0; c->qlen--, c->qhead = (c->qhead + 1) % c->qcap)
			msg_unref(c->q[c->qhead]);
		free(c->q);
		c->q = NULL;
		return 0;
	default:
		return 0;
	}
}

/* Writes a request's readied answer; returns what the callback should return. */
static int http_answer(struct lws *wsi, struct req *r)
{
	unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start,
					  *end = buf + sizeof(buf) - 1;
	size_t len = strlen(r->answer);
	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "application/json", len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	unsigned char body[LWS_PRE + 64];
	memcpy(body + LWS_PRE, r->answer, len);
	if (lws_write(wsi, body + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len)
		return -1;
	r->broadcast = r->answered = false;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* HTTP: POST /broadcast and GET /healthz, answered at the next writable turn. */
static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct req *r = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP: {
		bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
		r->broadcast = r->answered = false;
		if (post && strcmp(in, "/broadcast") == 0) {
			r->broadcast = true;
			return 0;
		}
		if (!post && strcmp(in, "/healthz") == 0) {
			snprintf(r->answer, sizeof(r->answer), "{\"status\":\"ok\",\"seq\":%llu}",
				 seq);
			r->answered = true;
			lws_callback_on_writable(wsi);
			return 0;
		}
		if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		/* lws 4.1.6 may repeat the completion until the answer is written */
		if (!r->broadcast || r->answered)
			return 0;
		snprintf(r->answer, sizeof(r->answer), "{\"seq\":%llu}", broadcast());
		r->answered = true;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return r->answered ? http_answer(wsi, r) : 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* SIGINT/SIGTERM: tears the context down so that the loop runs out. */
static void on_signal(uv_signal_t *h, int signum)
{
	for (int i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&sigs[i], NULL);
	if (ctx)
		lws_context_destroy(ctx);
	ctx = NULL;
}

int main(int argc, char **argv)
{
	const char *iface = "127.0.0.1";
	int port = 0, i = 1;
	for (; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--listen") == 0)
			iface = argv[i + 1];
		else
			break;
	if (port <= 0 || i != argc) {
		fprintf(stderr, "usage: bare-lws [--listen ADDR] --port PORT\n");
		return 2;
	}
	/* As torgd: every connection is a descriptor, take what the hard limit allows. */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	static const lws_retry_bo_t retry = {.secs_since_valid_ping = 30,
					     .secs_since_valid_hangup = 70};
	static struct lws_protocols protocols[] = {
	    {.name = "http", .callback = http_cb, .per_session_data_size = sizeof(struct req)},
	    {.name = "torg.v1",
	     .callback = ws_cb,
	     .per_session_data_size = sizeof(struct client),
	     .rx_buffer_size = 1024},
	    {0}};
	uv_loop_t *loop = uv_default_loop();
	void *loops[1] = {loop};
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	info.foreign_loops = loops;
	info.port = port;
	info.iface = iface;
	info.protocols = protocols;
	info.retry_and_idle_policy = &retry;
	info.timeout_secs = 30;
	info.max_http_header_data = 4096;
	info.keepalive_timeout = 30;
	ctx = lws_create_context(&info);
	if (!ctx) {
		fprintf(stderr, "bare-lws: cannot listen on %s:%d\n", iface, port);
		return 1;
	}
	int signums[2] = {SIGINT, SIGTERM};
	for (int i = 0; i < 2; i++) {
		uv_signal_init(loop, &sigs[i]);
		uv_signal_start(&sigs[i], on_signal, signums[i]);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	return 0;
}
