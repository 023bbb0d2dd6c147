/*
 * torg_load.c — torg-load, an open-loop load generator for torgd (and for bench/bare-lws,
 * the naive lws broadcast server it is compared with). It connects many WebSocket
 * subscribers of torg.v1 (wall displays, visitors' phones on tickets, counter staff
 * sessions) on one epoll loop with raw sockets, drives ticket operations over HTTP/1.1
 * keep-alive at a fixed schedule of send times, and measures, per rate step, the latency
 * from each operation's scheduled send time to its acknowledgement and to every delivery
 * of its event, the events lost or repeated per subscriber (by seq and skip), events per
 * frame, and the server's CPU per delivery and memory per connection from /proc.
 *
 * Latency is taken from the scheduled time, not the time a request was actually sent,
 * so a server (or a connection pool) that falls behind shows as latency instead of
 * silently lowering the offered rate. torgd's answers carry no seq: an operation is
 * matched to its event by the event kind and ticket number both carry (bare-lws answers
 * with the seq), and deliveries that arrive before the acknowledgement are held until
 * the scheduled time of their operation is known.
 *
 * Messages are recognised by a small scanner that reads only "type", "seq", "kind" and
 * the ticket's "number" of each object of a frame; jansson is used only while setting up
 * (the floor's counters, the sign-in).
 *
 * This file has the options, main and the run loop; load.h says what the others hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

struct load_opt opt = {.host = "127.0.0.1",
		       .display = "",
		       .user = "admin",
		       .rates = "100",
		       .label = "",
		       .displays = 100,
		       .conns = 4,
		       .concurrency = 64,
		       .seconds = 5,
		       .drain = 5};

struct sockaddr_in addr;
int ep, tfd;
bool measuring;

/* Prints why and exits. */
void load_die(const char *what)
{
	perror(what);
	exit(1);
}

/* Allocates or aborts. */
void *load_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "torg-load: out of memory\n");
		exit(1);
	}
	return p;
}

/* Monotonic time in ns. */
int64_t load_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One turn of the loop: every ready socket, then due operations. */
static void loop_once(int timeout_ms)
{
	struct epoll_event evs_ready[512];
	int n = epoll_wait(ep, evs_ready, 512, timeout_ms);
	if (n < 0 && errno != EINTR)
		load_die("epoll_wait");
	for (int k = 0; k < n; k++) {
		uint64_t u = evs_ready[k].data.u64;
		if (u == TAG_TIMER) {
			uint64_t x;
			if (read(tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
				load_die("timerfd");
		} else if (u >= TAG_HTTP) {
			load_on_http(&hconns[u - TAG_HTTP]);
		} else {
			struct sub *s = &subs[u];
			if (s->state == ST_CONNECT)
				load_on_connected(s, (size_t)u);
			else if (s->state == ST_HANDSHAKE || s->state == ST_OPEN)
				load_on_readable(s, (size_t)u);
			if (s->state == ST_CLOSED)
				load_connect_more();
		}
	}
	load_dispatch();
}

/* Runs ops[0, n) to their answers (with a deadline), reading subscribers meanwhile. */
static void run_ops(int64_t deadline)
{
	next_op = ndone = 0;
	load_dispatch();
	while (ndone < nops && load_now_ns() < deadline)
		loop_once(50);
}

/* Fills ops with n operations from t0 at rate per second (the schedule is fixed before
 * the first is sent); setup ones all at t0, issuing a ticket for each phone. */
static void make_ops(size_t n, double rate, int64_t t0, bool setup)
{
	ops = load_xrealloc(ops, (n ? n : 1) * sizeof(*ops));
	nops = n;
	for (size_t i = 0; i < n; i++) {
		ops[i].sched = setup ? t0 : t0 + (int64_t)((double)i * 1e9 / rate);
		ops[i].counter = setup ? (int32_t)i : -1;
		/* torgd: every other operation issues a ticket, the rest act at counters */
		ops[i].type = opt.bare		      ? OP_BROADCAST
			      : (setup || i % 2 == 0) ? OP_ISSUE
						      : OP_CALL_NEXT;
	}
}

/* Whether the drain is over: no byte for a while, and every unfiltered session has
 * caught up with the server's seq. Counts the sessions still behind in *behind. */
static bool drained(uint64_t final, size_t *behind)
{
	*behind = 0;
	for (size_t i = 0; i < nsubs; i++) {
		struct sub *s = &subs[i];
		bool checked =
		    s->kind == SUB_COUNTER || (s->kind == SUB_DISPLAY && !opt.display[0]);
		if (s->state == ST_OPEN && checked && !s->filtered && s->last < final)
			(*behind)++;
	}
	return *behind == 0 && load_now_ns() - last_rx > 200000000;
}

/* One step of the ladder: rate operations per second for opt.seconds, then the drain. */
static void run_step(double rate, long rss_per_conn_kb)
{
	for (uint64_t i = 0; i < nevs; i++)
		free(evs[i].pend);
	free(evs);
	evs = NULL;
	nevs = 0;
	free(optab);
	optab = NULL;
	opcap = opused = 0;
	struct hist *hs[] = {&h_ack, &h_send, &h_last, &h_all, &h_kind[0], &h_kind[1], &h_kind[2]};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		hs[i]->n = hs[i]->max_us = 0;
	deliveries = unresolved = unmatched = frames = msgs = 0;
	nacked = nerrors = nempty = nredials = 0;
	uint64_t lost0 = lost, rep0 = repeated, closed0 = closed;
	seq_base = load_server_seq() + 1;
	long cpu0 = load_proc_figure(true);
	double self0 = load_self_cpu_ms();
	int64_t t0 = load_now_ns() + 20000000;
	size_t n = (size_t)(rate * opt.seconds + 0.5);
	make_ops(n, rate, t0, false);
	measuring = true;
	run_ops(t0 + (int64_t)(opt.seconds * 1e9) + 30000000000LL);
	int64_t t_end = load_now_ns();
	uint64_t final = load_server_seq();
	size_t behind = 0;
	while (!drained(final, &behind) && load_now_ns() - t_end < (int64_t)(opt.drain * 1e9))
		loop_once(20);
	measuring = false;
	long cpu1 = load_proc_figure(true);
	double self_ms = load_self_cpu_ms() - self0, wall_s = (double)(load_now_ns() - t0) / 1e9;
	for (uint64_t s = seq_base; s <= final && s - seq_base < nevs; s++) {
		struct evrec *r = &evs[s - seq_base];
		if (r->sched && r->last_recv)
			load_hist_add(&h_last, r->last_recv - r->sched);
		else
			unresolved += r->npend;
	}
	size_t open = 0;
	for (size_t i = 0; i < nsubs; i++)
		open += subs[i].state == ST_OPEN;
	double ack_wall = nacked && last_ack > t0 ? (double)(last_ack - t0) / 1e9 : 0;
	double tck = (double)sysconf(_SC_CLK_TCK);
	double cpu_ms = cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - cpu0) * 1000.0 / tck : -1;
	struct figure f[] = {
	    {"rate", rate, 0},
	    {"seconds", opt.seconds, 1},
	    {"displays", opt.displays, 0},
	    {"phones", opt.phones, 0},
	    {"staff", opt.staff, 0},
	    {"open", (double)open, 0},
	    {"ops", (double)n, 0},
	    {"acked", (double)nacked, 0},
	    {"errors", (double)nerrors, 0},
	    {"unanswered", (double)(n - ndone), 0},
	    {"empty", (double)nempty, 0},
	    {"redials", (double)nredials, 0},
	    {"ack_per_s", ack_wall > 0 ? (double)nacked / ack_wall : 0, 1},
	    {"ack_p50_ms", load_hist_ms(&h_ack, 0.5), 3},
	    {"ack_p99_ms", load_hist_ms(&h_ack, 0.99), 3},
	    {"ack_max_ms", (double)h_ack.max_us / 1000.0, 3},
	    {"send_lag_p99_ms", load_hist_ms(&h_send, 0.99), 3},
	    {"events", (double)(final + 1 - seq_base), 0},
	    {"deliveries", (double)deliveries, 0},
	    {"dlv_p50_ms", load_hist_ms(&h_all, 0.5), 3},
	    {"dlv_p99_ms", load_hist_ms(&h_all, 0.99), 3},
	    {"dlv_max_ms", (double)h_all.max_us / 1000.0, 3},
	    {"display_p99_ms", load_hist_ms(&h_kind[SUB_DISPLAY], 0.99), 3},
	    {"phone_p99_ms", load_hist_ms(&h_kind[SUB_PHONE], 0.99), 3},
	    {"staff_p99_ms", load_hist_ms(&h_kind[SUB_COUNTER], 0.99), 3},
	    {"last_p50_ms", load_hist_ms(&h_last, 0.5), 3},
	    {"last_p99_ms", load_hist_ms(&h_last, 0.99), 3},
	    {"lost", (double)(lost - lost0), 0},
	    {"repeated", (double)(repeated - rep0), 0},
	    {"behind", (double)behind, 0},
	    {"closed", (double)(closed - closed0), 0},
	    {"unresolved", (double)unresolved, 0},
	    {"unmatched", (double)unmatched, 0},
	    {"ev_per_frame", frames ? (double)msgs / (double)frames : 0, 2},
	    {"server_cpu_ms", cpu_ms, 1},
	    {"cpu_us_per_delivery",
	     cpu_ms >= 0 && deliveries ? cpu_ms * 1000.0 / (double)deliveries : -1, 3},
	    {"rss_kb_per_conn", (double)rss_per_conn_kb / 1000.0, 2},
	    {"step_wall_s", wall_s, 2},
	    {"client_cpu_ms", self_ms, 1},
	};
	load_report(f, sizeof(f) / sizeof(f[0]));
	if (closed > closed0)
		for (unsigned c = 0; c < 5000; c++)
			if (close_codes[c])
				fprintf(stderr,
					"torg-load: %llu sessions closed with code %u so far\n",
					(unsigned long long)close_codes[c], c);
}

/* Prints the options. */
static void usage(FILE *to)
{
	fprintf(to,
		"usage: torg-load --port PORT [options]\n"
		"  --host ADDR             server address (default 127.0.0.1)\n"
		"  --port PORT             server port\n"
		"  --displays N            wall displays to connect (default 100)\n"
		"  --display ID            their hello's display (default: none, all services)\n"
		"  --phones N              phones: N tickets are issued first, one session each\n"
		"  --staff N               counter staff WebSocket sessions (hello with token)\n"
		"  --user NAME             staff user for operations and staff sessions (admin)\n"
		"  --password PW           its password (default: $TORG_LOAD_PASSWORD)\n"
		"  --counters c1,c2        counters to open and act at (default: all)\n"
		"  --conns K               HTTP keep-alive connections for operations (4)\n"
		"  --rates R1,R2,...       the ladder of operation rates per second (100)\n"
		"  --seconds S             length of each step (5)\n"
		"  --drain S               longest wait for deliveries after a step (5)\n"
		"  --concurrency N         WebSocket handshakes under way at once (64)\n"
		"  --server-pid PID        the server, for CPU per delivery and RSS per conn\n"
		"  --bare                  the server is bench/bare-lws: ops are POST /broadcast\n"
		"  --label TEXT            echoed in every report line\n"
		"  --json                  also print each step as one JSON object line\n"
		"Operations (torgd): half issue tickets, half act at the open counters in turn:\n"
		"call-next, then no-show or start+finish. One line per step of key=value pairs;\n"
		"latencies are ms from each operation's scheduled send time.\n");
}

/* Parses the command line into opt. */
static void parse_args(int argc, char **argv)
{
	static const struct option longs[] = {{"host", 1, 0, 'H'},	 {"port", 1, 0, 'p'},
					      {"displays", 1, 0, 'd'},	 {"display", 1, 0, 'D'},
					      {"phones", 1, 0, 'P'},	 {"staff", 1, 0, 's'},
					      {"user", 1, 0, 'u'},	 {"password", 1, 0, 'w'},
					      {"counters", 1, 0, 'c'},	 {"conns", 1, 0, 'k'},
					      {"rates", 1, 0, 'r'},	 {"seconds", 1, 0, 'S'},
					      {"drain", 1, 0, 'T'},	 {"concurrency", 1, 0, 'C'},
					      {"server-pid", 1, 0, 'i'}, {"bare", 0, 0, 'b'},
					      {"label", 1, 0, 'l'},	 {"json", 0, 0, 'j'},
					      {"help", 0, 0, 'h'},	 {0, 0, 0, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'H':
			opt.host = optarg;
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'd':
			opt.displays = atoi(optarg);
			break;
		case 'D':
			opt.display = optarg;
			break;
		case 'P':
			opt.phones = atoi(optarg);
			break;
		case 's':
			opt.staff = atoi(optarg);
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'w':
			opt.password = optarg;
			break;
		case 'c':
			opt.counters = optarg;
			break;
		case 'k':
			opt.conns = atoi(optarg);
			break;
		case 'r':
			opt.rates = optarg;
			break;
		case 'S':
			opt.seconds = atof(optarg);
			break;
		case 'T':
			opt.drain = atof(optarg);
			break;
		case 'C':
			opt.concurrency = atoi(optarg);
			break;
		case 'i':
			opt.pid = atoi(optarg);
			break;
		case 'b':
			opt.bare = true;
			break;
		case 'l':
			opt.label = optarg;
			break;
		case 'j':
			opt.json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!opt.password)
		opt.password = getenv("TORG_LOAD_PASSWORD");
	if (opt.port <= 0 || opt.conns < 1 || opt.concurrency < 1 || opt.seconds <= 0 ||
	    opt.displays < 0 || opt.phones < 0 || opt.staff < 0 || optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (opt.bare && (opt.phones || opt.staff)) {
		fprintf(stderr, "torg-load: bare-lws has no tickets or staff: only --displays\n");
		exit(2);
	}
	if (!opt.bare && !opt.password) {
		fprintf(stderr, "torg-load: give --password (or TORG_LOAD_PASSWORD) for %s\n",
			opt.user);
		exit(2);
	}
	if (opt.phones && !opt.displays && !opt.staff) {
		/* a phone's status names no event kind: some session must see the events */
		fprintf(stderr, "torg-load: phones need a display or staff session too\n");
		exit(2);
	}
}

/* Resolves opt.host into addr. */
static void resolve(void)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(opt.host, NULL, &hints, &res) != 0) {
		fprintf(stderr, "torg-load: cannot resolve %s\n", opt.host);
		exit(2);
	}
	memcpy(&addr, res->ai_addr, sizeof(addr));
	addr.sin_port = htons((uint16_t)opt.port);
	freeaddrinfo(res);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	resolve();
	/* Each subscriber is a descriptor: take everything the hard limit allows. */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	ep = epoll_create1(0);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (ep < 0 || tfd < 0)
		load_die("epoll/timerfd");
	struct epoll_event tev = {.events = EPOLLIN, .data.u64 = TAG_TIMER};
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);
	hconns = load_xrealloc(NULL, (size_t)opt.conns * sizeof(*hconns));
	for (int k = 0; k < opt.conns; k++) {
		load_hconn_open(&hconns[k], (size_t)k);
	}
	if (!opt.bare)
		load_setup_floor();
	if (opt.phones) {
		phone_ids = load_xrealloc(NULL, (size_t)opt.phones * sizeof(*phone_ids));
		memset(phone_ids, 0, (size_t)opt.phones * sizeof(*phone_ids));
		make_ops((size_t)opt.phones, 1, load_now_ns(), true);
		run_ops(load_now_ns() + 600000000000LL);
		for (int i = 0; i < opt.phones; i++)
			if (!phone_ids[i]) {
				fprintf(stderr, "torg-load: could not issue the phones' tickets\n");
				return 1;
			}
	}
	nsubs = (size_t)opt.displays + (size_t)opt.phones + (size_t)opt.staff;
	subs = load_xrealloc(NULL, (nsubs ? nsubs : 1) * sizeof(*subs));
	memset(subs, 0, (nsubs ? nsubs : 1) * sizeof(*subs));
	for (size_t i = 0; i < nsubs; i++) {
		subs[i].fd = -1;
		subs[i].kind = i < (size_t)opt.displays			 ? SUB_DISPLAY
			       : i < (size_t)(opt.displays + opt.phones) ? SUB_PHONE
									 : SUB_COUNTER;
	}
	long rss0 = load_proc_figure(false);
	int64_t t_conn = load_now_ns();
	load_connect_more();
	while (nready + closed < nsubs && load_now_ns() - t_conn < 300000000000LL)
		loop_once(50);
	if (nready < nsubs) {
		fprintf(stderr, "torg-load: only %zu of %zu subscribers got their first message\n",
			nready, nsubs);
		return 1;
	}
	fprintf(stderr, "torg-load: %zu subscribers ready in %.1f s\n", nsubs,
		(double)(load_now_ns() - t_conn) / 1e9);
	/* settle: the snapshots' bytes are all read before the first step */
	for (int64_t t = load_now_ns(); load_now_ns() - t < 300000000;)
		loop_once(20);
	long rss1 = load_proc_figure(false);
	long rss_per_conn =
	    rss0 >= 0 && rss1 >= 0 && nsubs ? (rss1 - rss0) * 1000 / (long)nsubs : -1000;
	for (const char *r = opt.rates; r && *r; r = strchr(r, ',') ? strchr(r, ',') + 1 : NULL) {
		double rate = atof(r);
		if (rate <= 0) {
			fprintf(stderr, "torg-load: not a rate: %s\n", r);
			return 2;
		}
		run_step(rate, rss_per_conn);
	}
	for (size_t i = 0; i < nsubs; i++)
		if (subs[i].fd >= 0)
			close(subs[i].fd);
	return 0;
}
