/* display.h: the insides of torg-display shared by its files. struct display is the one
 * program state (options, loop, board, connection, screen, on-call children); main.c owns
 * its life cycle, conn.c the WebSocket connection to torgd (libwebsockets on the libuv
 * loop, reconnects with backoff), render.c what is drawn (full-screen ANSI board and the
 * plain text of --once) with text.c (cells, right-to-left order, the block font) and
 * i18n.c (the texts, built in from the web pages' strings), oncall.c the --on-call
 * children. They allocate with proto's
 * alloc.h (xmalloc, xstrdup, ...: abort on out-of-memory), included here. Nothing here is
 * used outside display-client/. */
#ifndef TORG_DISPLAY_H
#define TORG_DISPLAY_H

#include <uv.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wchar.h>

#include "alloc.h"
#include "board.h"
#include "i18n.h"

struct lws;
struct lws_context;

#define DISPLAY_REDRAW_MS    50	   /* at most one redraw per this */
#define DISPLAY_BACKOFF_MIN  500   /* ms, first retry delay */
#define DISPLAY_BACKOFF_MAX  10000 /* ms, cap of the retry delay */
#define DISPLAY_STABLE_MS    10000 /* ms live before a drop starts the backoff over */
#define DISPLAY_ONCE_TIMEOUT 10000 /* ms, default --timeout of --once */
#define DISPLAY_ONCALL_MAX   4	   /* --on-call children at once */
#define DISPLAY_ONCALL_QUEUE 32	   /* calls waiting for a child slot */
#define DISPLAY_LOG_LINE     256   /* bytes of the last log line kept */

/* Where the connection is. */
enum display_link { DISPLAY_CONNECTING, DISPLAY_LIVE, DISPLAY_RECONNECTING };

/* A call waiting to be announced by --on-call (strings owned). */
struct display_oncall_job {
	char *number, *counter, *counter_name, *service, *service_name;
	bool recall;
};

/* One running --on-call child. */
struct display_child {
	uv_process_t proc;
	struct display *d;
	struct display_child *next;
};

/* The program. */
struct display {
	/* options */
	char *url;  /* as given */
	bool tls;   /* wss:// */
	char *host; /* without brackets */
	int port;
	char *path; /* "/ws" unless the URL names one */
	char *display_id;
	char **services;
	size_t nservices;
	char *lang; /* NULL: the board's first language; else one i18n_find knows */
	char *ca_file;
	char *on_call;
	bool once;
	int timeout_ms; /* --once */
	char *log_path;

	/* loop and handles */
	uv_loop_t loop;
	uv_signal_t sigint, sigterm, sighup, sigwinch;
	uv_timer_t retry_timer, redraw_timer, clock_timer, once_timer;
	bool stopping;
	int exit_code;

	/* connection (conn.c) */
	struct lws_context *ctx;
	struct lws *wsi;
	enum display_link link;
	unsigned attempt;    /* reconnects since the last stable connection (backoff) */
	uint64_t live_since; /* uv_now when the link last went live */
	char *rx;	     /* the frame being reassembled */
	size_t rx_len, rx_cap;
	bool hello_pending;
	char *hello; /* the hello frame to send (LWS_PRE headroom before it) */
	size_t hello_len;
	unsigned gap_strikes; /* gaps in a row without progress: resume from scratch */
	uint64_t gap_at;      /* board seq at the last gap */
	char *last_error;     /* why the last attempt failed */

	/* board and screen */
	struct proto_board board;
	bool fullscreen; /* alternate screen, cursor moves */
	bool color;
	bool utf8;
	bool rtl;      /* the language shown is written right to left */
	char *tz;      /* the floor's time zone put in TZ, or NULL before a snapshot */
	char *refusal; /* why the program stops with exit code 2 (printed at exit) */
	bool redraw_pending;
	uint64_t last_redraw_ms;
	char last_clock[8];
	int64_t skew_ms;      /* the server's clock minus ours, from the last snapshot */
	uint64_t notices_sig; /* the notices drawn last (render_notices_sig) */
	int log_fd;	      /* -1: keep the last line in memory only */
	char log_line[DISPLAY_LOG_LINE];

	/* --on-call (oncall.c) */
	struct display_child *children;
	size_t nchildren;
	struct display_oncall_job queue[DISPLAY_ONCALL_QUEUE];
	size_t nqueue;
};

/* A growing output buffer (text.c). */
struct out {
	char *s;
	size_t len, cap;
};

/* main.c */
/** Logs one line (printf-style) to the log file, stderr, or the status line; never
 *  anything that identifies a visitor. */
void display_log(struct display *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Asks for a redraw within DISPLAY_REDRAW_MS (coalesced). */
void display_dirty(struct display *d);
/** Applies one complete frame from the server to the board and acts on the result
 *  (redraw, on-call, reconnect on a gap, --once finish). Returns 0, or -1 when the
 *  connection should be dropped (a gap or a server error). */
int display_on_frame(struct display *d, const char *buf, size_t len);
/** Starts an orderly shutdown with this exit code (closes every handle). */
void display_stop(struct display *d, int code);

/* conn.c */
/** Creates the lws context on d->loop and starts the first connection. Returns 0 or -1. */
int conn_start(struct display *d);
/** Retries after the backoff (why: the failure to keep, or NULL); the backoff starts over
 *  when the link had been live for DISPLAY_STABLE_MS. No-op while stopping. */
void conn_retry_later(struct display *d, const char *why);
/** First half of the shutdown: stops the retry timer and destroys the context once. */
void conn_stop(struct display *d);
/** Last half: destroys the context again after uv_run returned (lws 4.1 needs both). */
void conn_free(struct display *d);

/* render.c */
/** Draws the board full-screen (d->fullscreen) or as plain text into a new string of
 *  *len bytes; the caller frees it. cols/rows: the terminal size. */
char *render_board(struct display *d, int cols, int rows, size_t *len);
/** The plain-text board of --once into a new string; the caller frees it. */
char *render_plain(struct display *d, size_t *len);
/** Returns a UI text in d's language (plain ASCII without UTF-8); static. */
const char *render_text(const struct display *d, enum i18n_key key);
/** The language the board is shown in: --lang, else the first of the display's or
 *  floor's languages torg-display has, else the first built-in one; borrowed. */
const char *render_lang(const struct display *d);
/** Now by the server's clock: local UTC ms plus the skew the last snapshot showed. */
int64_t render_now_ms(const struct display *d);
/** A signature of the notices that show now (today's and the messages'), so that the
 *  clock timer redraws when a message's from or until passes. */
uint64_t render_notices_sig(const struct display *d);

/* text.c */
/** Appends n bytes, a string, printf output, n spaces. */
void out_add(struct out *o, const char *s, size_t n);
void out_str(struct out *o, const char *s);
void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_spaces(struct out *o, int n);
/** Decodes one UTF-8 sequence at s into *cp; returns its bytes (1 for a stray byte). */
size_t text_next(const char *s, wchar_t *cp);
/** Returns the terminal columns s takes. */
int text_width(const char *s);
/** Appends s cut to width columns (an ellipsis ends a cut text), in visual order when d
 *  is right to left; align 0 pads it on the right to width, 1 on the left, -1 not at
 *  all. Returns the columns written. */
int out_cell(struct out *o, const struct display *d, const char *s, int width, int align);
/** Returns the columns s takes in the block font at scale k, or -1 when the font lacks
 *  one of its characters. */
int big_width(const char *s, int k);
/** Returns the terminal rows the block font takes at scale k. */
int big_rows(const struct display *d, int k);
/** Appends terminal row `row` (0..big_rows-1) of s in the block font at scale k: a font
 *  pixel is k columns wide and k half-rows high (so about square). Without UTF-8 only
 *  even scales draw right. */
void out_big_row(struct out *o, const struct display *d, const char *s, int k, int row);

/* oncall.c */
/** Queues --on-call for a new call; starts it now when a slot is free. */
void oncall_run(struct display *d, const struct proto_board_call *call);
/** Kills and closes every child, frees the queue (shutdown). */
void oncall_stop(struct display *d);

#endif
