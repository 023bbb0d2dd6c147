/*
 * load.h — what the files of torg-load share: the options, the subscribers, the operation
 * connections and their schedule, the histograms and counters of a step, and the functions
 * one file calls in another. torg_load.c holds the options, main and the run loop;
 * load_ws.c the WebSocket subscribers; load_http.c the operations over HTTP and the
 * counters' state; load_stats.c the histograms, the operation/event tables and the report.
 * Each global is defined in the file named above its group and lives for the whole run.
 */
#ifndef TORG_BENCH_LOAD_H
#define TORG_BENCH_LOAD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAG_HTTP  (UINT64_C(1) << 32)
#define TAG_TIMER (UINT64_C(2) << 32)

enum sub_kind { SUB_DISPLAY, SUB_PHONE, SUB_COUNTER, SUB_KINDS };
enum conn_state { ST_IDLE, ST_CONNECT, ST_HANDSHAKE, ST_OPEN, ST_CLOSED };
enum op_type { OP_ISSUE, OP_CALL_NEXT, OP_NO_SHOW, OP_START, OP_FINISH, OP_BROADCAST };

/* The command line's options, as parse_args() leaves them. */
struct load_opt {
	const char *host, *display, *user, *password, *counters, *rates, *label;
	int port, displays, phones, staff, conns, concurrency, pid;
	double seconds, drain;
	bool bare, json;
};

/* A log-linear latency histogram in microseconds (< 0.2 % error), and the exact max. */
struct hist {
	uint64_t n, max_us;
	uint64_t *b;
};

/* One WebSocket subscriber and where its reader is in the current frame. */
struct sub {
	int fd;
	uint8_t state, kind, hdrlen, op;
	bool fin, ready, filtered;
	uint16_t headlen;
	unsigned char hdr[14];
	uint64_t left; /* payload bytes of the current frame still to read */
	char *buf;     /* a message split over reads or fragments, or a control payload */
	size_t blen, bcap;
	uint64_t last; /* the newest seq this session was told about */
	char *head;    /* the handshake answer until its blank line */
};

/* One delivered event: its operation's scheduled time once known, and deliveries held
 * until then (receive time << 2 | subscriber kind). */
struct evrec {
	uint64_t key;
	int64_t sched, last_recv;
	uint64_t *pend;
	uint32_t npend, cappend;
};

/* An operation's key → its scheduled time (inside load_stats.c). */
struct opent;

/* One HTTP keep-alive connection for operations. */
struct hconn {
	int fd;
	int op; /* the operation in flight, -1 when free */
	char in[16384];
	size_t inlen;
};

/* One scheduled operation. */
struct op {
	int64_t sched;
	int32_t counter; /* the counter acted at, or the phone a setup ticket is for */
	uint8_t type;
};

/* A figure of a report line. */
struct figure {
	const char *name;
	double v;
	int decimals;
};

/* torg_load.c: the options, the server's address, the epoll loop and its timer, and
 * whether a step is being measured. */
extern struct load_opt opt;
extern struct sockaddr_in addr;
extern int ep, tfd;
extern bool measuring;
/** Prints why and exits. */
void load_die(const char *what);
/** Allocates or aborts; the block is the caller's. */
void *load_xrealloc(void *p, size_t n);
/** Monotonic time in ns. */
int64_t load_now_ns(void);

/* load_ws.c: the subscribers (subs[i] has epoll tag i), how many said their first
 * message, and when a byte last arrived. */
extern struct sub *subs;
extern size_t nsubs, nready;
extern int64_t last_rx;
/** Starts connecting the next subscribers, keeping opt.concurrency under way. */
void load_connect_more(void);
/** Subscriber i's socket connected: sends the upgrade request. */
void load_on_connected(struct sub *s, size_t i);
/** Subscriber i's socket is readable: the handshake answer, then frames. */
void load_on_readable(struct sub *s, size_t i);

/* load_http.c: the phones' ticket ids (filled by the setup's issues), the staff token,
 * the operation connections, the schedule of operations and the answers' counts. */
extern char **phone_ids;
extern char token[128];
extern struct hconn *hconns;
extern struct op *ops;
extern size_t nops, next_op, nacked, nerrors, nempty, ndone, nredials;
extern int64_t last_ack;
/** Connects operation connection k (epoll tag TAG_HTTP + k). */
void load_hconn_open(struct hconn *c, size_t k);
/** The server's newest seq from /healthz. */
uint64_t load_server_seq(void);
/** An operation connection is readable: gathers its answer. */
void load_on_http(struct hconn *c);
/** Sends every operation that is due while connections (and counters) are free. */
void load_dispatch(void);
/** Signs in, reads the floor's counters and services, and opens the counters. */
void load_setup_floor(void);

/* load_stats.c: the events of a step (evs[seq - seq_base]), the operation table, the
 * histograms and the counts of a report. */
extern struct evrec *evs;
extern uint64_t seq_base, nevs;
extern struct opent *optab;
extern size_t opcap, opused;
extern struct hist h_ack, h_send, h_last, h_all, h_kind[SUB_KINDS];
extern uint64_t deliveries, unresolved, unmatched, frames, msgs, lost, repeated, closed,
    close_codes[5000];
/** Adds one latency in ns to h (negative ones count as 0). */
void load_hist_add(struct hist *h, int64_t ns);
/** The p-quantile of h (nearest rank) in ms, or -1 when empty. */
double load_hist_ms(const struct hist *h, double p);
/** The key shared by an acknowledgement and its event, from kind and ticket number. */
uint64_t load_key_of(const char *kind, size_t klen, const char *num, size_t nlen);
/** The key of bare-lws' event seq (and of its acknowledgement). */
uint64_t load_key_of_seq(uint64_t seq);
/** Finds a string in [p, end); NULL when absent. */
const char *load_find(const char *p, const char *end, const char *what);
/** The string value after the literal what (which ends in a quote), its length in *len;
 *  it points into [p, end). */
const char *load_str_after(const char *p, const char *end, const char *what, size_t *len);
/** The number after "seq": in [p, end), 0 when absent. */
uint64_t load_seq_in(const char *p, const char *end);
/** The ticket number of a body or event (in [p, end)), its length in *len. */
const char *load_ticket_number(const char *p, const char *end, size_t *len);
/** An acknowledged operation with key and scheduled time: resolves its event or waits. */
void load_learn_ack(uint64_t key, int64_t sched);
/** A delivery of seq at time t to s; seg is the event's text (NULL for a phone's status). */
void load_deliver(struct sub *s, uint64_t seq, const char *seg, const char *end, int64_t t);
/** This process's own CPU time so far, in ms (user + system). */
double load_self_cpu_ms(void);
/** The server's VmRSS in kB, or with cpu its utime+stime in ticks; -1 without one. */
long load_proc_figure(bool cpu);
/** Prints the n figures as key=value pairs, and as JSON with --json. */
void load_report(const struct figure *f, size_t n);

#endif
