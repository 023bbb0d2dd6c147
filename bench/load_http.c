/*
 * load_http.c — torg-load's operations over HTTP/1.1: the keep-alive connections that
 * carry the scheduled operations (one in flight on each, dialled again when the server
 * closes one), request formatting and answer parsing, the blocking calls of the setup
 * (sign-in, the floor's counters and services, /healthz), and the state of each counter
 * we act at, which picks its next action (call-next, then no-show or start+finish). The
 * key of each acknowledgement goes to load_learn_ack().
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "load.h"

static const char *const op_routes[] = {"", "call-next", "no-show", "start", "finish", ""};
static const char *const op_kinds[] = {"ticket.issued",	 "ticket.called", "ticket.no_show",
				       "ticket.serving", "ticket.done",	  ""};
enum counter_state { CS_IDLE, CS_CALLED, CS_SERVING };

/* One floor counter we act at. */
struct counter {
	char id[40];
	uint8_t state;
	bool busy, toggle;
};

char **phone_ids;
char token[128];
struct hconn *hconns;
static struct counter *counters;
static size_t ncounters, next_counter;
static char (*services)[40];
static size_t nservices, next_service;
struct op *ops;
size_t nops, next_op, nacked, nerrors, nempty, ndone, nredials;
int64_t last_ack;

/* A blocking TCP connection to the server. */
static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		load_die("connect to the server");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Connects operation connection k (blocking connect, then non-blocking reads). */
void load_hconn_open(struct hconn *c, size_t k)
{
	c->fd = dial();
	c->op = -1;
	c->inlen = 0;
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0)
		load_die("fcntl");
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_HTTP + (uint64_t)k};
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Writes an HTTP request for the server (Origin its own, staff token when we have one). */
static int format_request(char *out, size_t cap, const char *method, const char *path,
			  const char *body)
{
	char auth[192] = "";
	if (token[0])
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", token);
	return snprintf(out, cap,
			"%s %s HTTP/1.1\r\nHost: %s:%d\r\nOrigin: http://%s:%d\r\n%s"
			"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			method, path, opt.host, opt.port, opt.host, opt.port, auth,
			body ? strlen(body) : 0, body ? body : "");
}

/* Whether in[0, len) holds a whole answer: its status, body offset and total length, and
 * in *close whether the server closes the connection after it. */
static bool parse_answer(const char *in, size_t len, int *status, size_t *body, size_t *total,
			 bool *close)
{
	const char *end = memmem(in, len, "\r\n\r\n", 4);
	if (!end)
		return false;
	*body = (size_t)(end - in) + 4;
	*status = len > 12 ? atoi(in + 9) : 0;
	size_t cl = 0;
	*close = false;
	for (const char *l = in; l < end; l++) {
		if (*l != '\n')
			continue;
		if (strncasecmp(l + 1, "content-length:", 15) == 0)
			cl = strtoul(l + 16, NULL, 10);
		else if (strncasecmp(l + 1, "connection: close", 17) == 0)
			*close = true;
	}
	*total = *body + cl;
	return len >= *total;
}

/* One blocking request on a connection of its own (setup, outside the measurement); the
 * body is returned malloc'd in *resp. Returns the status. */
static int http_call(const char *method, const char *path, const char *body, char **resp)
{
	static int fd = -1;
	static char in[1 << 20];
	char req[4096];
	int n = format_request(req, sizeof(req), method, path, body);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (fd < 0)
			fd = dial();
		size_t len = 0, boff, total;
		int status;
		bool closing;
		if (write(fd, req, (size_t)n) != n)
			goto retry;
		while (!parse_answer(in, len, &status, &boff, &total, &closing)) {
			ssize_t r = read(fd, in + len, sizeof(in) - len - 1);
			if (r <= 0)
				goto retry;
			len += (size_t)r;
		}
		*resp = load_xrealloc(NULL, total - boff + 1);
		memcpy(*resp, in + boff, total - boff);
		(*resp)[total - boff] = '\0';
		if (closing) {
			close(fd);
			fd = -1;
		}
		return status;
	retry:
		close(fd);
		fd = -1;
	}
	fprintf(stderr, "torg-load: %s %s: no answer\n", method, path);
	exit(1);
}

/* The server's newest seq from /healthz. */
uint64_t load_server_seq(void)
{
	char *resp;
	if (http_call("GET", "/healthz", NULL, &resp) != 200) {
		fprintf(stderr, "torg-load: /healthz failed: %.200s\n", resp);
		exit(1);
	}
	uint64_t seq = load_seq_in(resp, resp + strlen(resp));
	free(resp);
	return seq;
}

/* Sends operation i on free connection c. */
static void send_op(struct hconn *c, size_t i)
{
	struct op *o = &ops[i];
	char path[128], body[96], req[1024];
	const char *b = NULL;
	if (o->type == OP_BROADCAST) {
		snprintf(path, sizeof(path), "/broadcast");
		b = "{}";
	} else if (o->type == OP_ISSUE) {
		snprintf(path, sizeof(path), "/api/v1/tickets");
		snprintf(body, sizeof(body), "{\"service\":\"%s\"}",
			 services[next_service++ % nservices]);
		b = body;
	} else {
		snprintf(path, sizeof(path), "/api/v1/counters/%s/%s", counters[o->counter].id,
			 op_routes[o->type]);
		counters[o->counter].busy = true;
	}
	int n = format_request(req, sizeof(req), "POST", path, b);
	if (measuring)
		load_hist_add(&h_send, load_now_ns() - o->sched);
	c->op = (int)i;
	c->inlen = 0;
	if (write(c->fd, req, (size_t)n) != n) {
		fprintf(stderr, "torg-load: cannot send an operation\n");
		exit(1);
	}
}

/* The next state of a counter after an answer (or error code) to an action. */
static void counter_after(struct counter *k, uint8_t type, int status, const char *body)
{
	k->busy = false;
	if (status == 200) {
		k->state = type == OP_CALL_NEXT ? CS_CALLED
			   : type == OP_START	? CS_SERVING
						: CS_IDLE;
		return;
	}
	if (status == 204)
		return; /* nothing waited */
	/* Resynchronise with the floor after an error (a counter left busy before). */
	if (strstr(body, "counter_busy"))
		k->state = CS_CALLED;
	else if (strstr(body, "wrong_state"))
		k->state = k->state == CS_CALLED ? CS_SERVING : CS_CALLED;
	else
		k->state = CS_IDLE;
}

/* A whole answer to the operation on c: counts it and learns its key. */
static void on_answer(struct hconn *c, int status, const char *body, size_t blen, int64_t t)
{
	struct op *o = &ops[c->op];
	const char *end = body + blen;
	c->op = -1;
	ndone++;
	if (o->type != OP_ISSUE && o->type != OP_BROADCAST) {
		char tmp[256];
		size_t k = blen < sizeof(tmp) - 1 ? blen : sizeof(tmp) - 1;
		memcpy(tmp, body, k);
		tmp[k] = '\0';
		counter_after(&counters[o->counter], o->type, status, tmp);
	}
	if (status >= 300) {
		nerrors++;
		if (nerrors <= 5)
			fprintf(stderr, "torg-load: answer %d: %.200s\n", status, body);
		return;
	}
	nacked++;
	last_ack = t;
	if (measuring)
		load_hist_add(&h_ack, t - o->sched);
	if (status == 204) {
		nempty++;
		return;
	}
	size_t nlen;
	const char *num;
	if (opt.bare) {
		if (measuring)
			load_learn_ack(load_key_of_seq(load_seq_in(body, end)), o->sched);
	} else if (!measuring && o->type == OP_ISSUE) {
		/* the setup's tickets for the phones: keep their ids */
		const char *id = load_str_after(body, end, "\"id\":\"", &nlen);
		if (id && nlen < 64) {
			phone_ids[o->counter] = load_xrealloc(NULL, nlen + 1);
			memcpy(phone_ids[o->counter], id, nlen);
			phone_ids[o->counter][nlen] = '\0';
		}
	} else if (measuring && (num = load_ticket_number(body, end, &nlen))) {
		const char *kind = op_kinds[o->type];
		load_learn_ack(load_key_of(kind, strlen(kind), num, nlen), o->sched);
	}
}

/* The server closed an operation connection (or sent what we did not ask for): the
 * operation in flight counts as an error, and the connection is made again. */
static void hconn_redial(struct hconn *c, ssize_t r)
{
	static unsigned told;
	if (told++ < 5)
		fprintf(stderr,
			"torg-load: the server closed an operation connection (%s, %zu "
			"bytes of an answer, operation %d)\n",
			r < 0	 ? strerror(errno)
			: r == 0 ? "EOF"
				 : "unasked bytes",
			c->inlen, c->op);
	if (c->op >= 0) {
		struct op *o = &ops[c->op];
		if (o->type != OP_ISSUE && o->type != OP_BROADCAST)
			counters[o->counter].busy = false;
		nerrors++;
		ndone++;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	load_hconn_open(c, (size_t)(c - hconns));
}

/* An operation connection is readable: gathers its answer. */
void load_on_http(struct hconn *c)
{
	for (;;) {
		ssize_t r = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0 || c->op < 0) {
			hconn_redial(c, r);
			return;
		}
		c->inlen += (size_t)r;
		int status;
		size_t body, total;
		bool closing;
		if (parse_answer(c->in, c->inlen, &status, &body, &total, &closing)) {
			c->in[total] = '\0';
			on_answer(c, status, c->in + body, total - body, load_now_ns());
			c->inlen = 0;
			if (closing) {
				/* torgd's 204 answers say "connection: close": connect again now,
				 * before the next operation could be sent into the closing one */
				nredials++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				load_hconn_open(c, (size_t)(c - hconns));
			}
			return;
		}
		if (c->inlen >= sizeof(c->in) - 1) {
			fprintf(stderr, "torg-load: an answer over %zu bytes\n", sizeof(c->in));
			exit(1);
		}
	}
}

/* Gives the next operation its action: an issue, or the next action of a free counter;
 * false when every counter has an action in flight. */
static bool pick_action(struct op *o)
{
	if (o->type == OP_ISSUE || o->type == OP_BROADCAST)
		return true;
	for (size_t k = 0; k < ncounters; k++) {
		size_t j = (next_counter + k) % ncounters;
		struct counter *c = &counters[j];
		if (c->busy)
			continue;
		next_counter = j + 1;
		o->counter = (int32_t)j;
		if (c->state == CS_IDLE)
			o->type = OP_CALL_NEXT;
		else if (c->state == CS_SERVING)
			o->type = OP_FINISH;
		else
			o->type = (c->toggle = !c->toggle) ? OP_NO_SHOW : OP_START;
		return true;
	}
	return false;
}

/* Sends every operation that is due while connections (and counters) are free. */
void load_dispatch(void)
{
	int64_t t = load_now_ns();
	while (next_op < nops && ops[next_op].sched <= t) {
		struct hconn *c = NULL;
		for (int k = 0; k < opt.conns && !c; k++)
			if (hconns[k].op < 0)
				c = &hconns[k];
		if (!c || !pick_action(&ops[next_op]))
			return;
		send_op(c, next_op++);
	}
	if (next_op < nops) {
		struct itimerspec its = {0};
		int64_t when = ops[next_op].sched;
		its.it_value.tv_sec = when / 1000000000;
		its.it_value.tv_nsec = when % 1000000000;
		timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
	}
}

/* Signs in, reads the floor's counters and services, and opens the counters. */
void load_setup_floor(void)
{
	char body[1200], *resp;
	json_error_t jerr;
	json_t *j = json_pack("{s:s, s:s}", "name", opt.user, "password", opt.password);
	char *txt = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	snprintf(body, sizeof(body), "%s", txt);
	free(txt);
	int st = http_call("POST", "/api/v1/login", body, &resp);
	j = json_loads(resp, 0, &jerr);
	const char *tok = json_string_value(json_object_get(j, "token"));
	if (st != 200 || !tok || strlen(tok) >= sizeof(token)) {
		fprintf(stderr, "torg-load: sign-in as %s failed (%d): %.200s\n", opt.user, st,
			resp);
		exit(1);
	}
	snprintf(token, sizeof(token), "%s", tok);
	json_decref(j);
	free(resp);
	http_call("GET", "/api/v1/floor", NULL, &resp);
	j = json_loads(resp, 0, &jerr);
	free(resp);
	json_t *cs = json_object_get(j, "counters"), *c;
	size_t i;
	counters = load_xrealloc(NULL, (json_array_size(cs) + 1) * sizeof(*counters));
	services = load_xrealloc(NULL, 64 * sizeof(*services));
	json_array_foreach(cs, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));
		if (!id || strlen(id) >= sizeof(counters[0].id))
			continue;
		if (opt.counters) {
			/* a comma-separated list: is id one of its items? */
			const char *p = opt.counters;
			size_t len = strlen(id);
			bool in = false;
			for (; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
				if (strncmp(p, id, len) == 0 && (p[len] == ',' || p[len] == '\0'))
					in = true;
			if (!in)
				continue;
		}
		char path[128];
		snprintf(path, sizeof(path), "/api/v1/counters/%s/open", id);
		int s = http_call("POST", path, NULL, &resp);
		bool ok = s == 200 || strstr(resp, "counter_open");
		if (!ok) {
			fprintf(stderr, "torg-load: cannot open counter %s (%d): %.200s\n", id, s,
				resp);
			free(resp);
			continue;
		}
		free(resp);
		struct counter *k = &counters[ncounters++];
		memset(k, 0, sizeof(*k));
		snprintf(k->id, sizeof(k->id), "%s", id);
		size_t si;
		json_t *sv;
		json_array_foreach(json_object_get(c, "gives"), si, sv)
		{
			const char *name = json_string_value(sv);
			bool have = false;
			for (size_t q = 0; q < nservices; q++)
				have = have || strcmp(services[q], name) == 0;
			if (!have && nservices < 64 && strlen(name) < sizeof(services[0]))
				snprintf(services[nservices++], sizeof(services[0]), "%s", name);
		}
	}
	json_decref(j);
	if (ncounters == 0 || nservices == 0) {
		fprintf(stderr, "torg-load: no counter could be opened\n");
		exit(1);
	}
}
