/* board: the public board of a floor as a client sees it, built from what torgd pushes
 * over the WebSocket (PROTOCOL.md: snapshot, resume, event, and batches of them). It owns
 * the model a wall display draws: the floor's name per language, each service's prefix,
 * names, waiting count, estimated and longest wait and open counters, each counter's
 * names, current number and whether it is on a break, the newest calls (newest first) with counter,
 * service, time and recall flag, the last applied seq and the local day. Applying a frame either
 * succeeds as a whole or leaves the board exactly as it was (malformed input is rejected
 * with a cause); unknown message types and event kinds are skipped, a filtered session's
 * skip moves the seq over the events outside its filter, a seq jump no skip explains is
 * reported as a gap (the caller reconnects with since = the board's seq), and the calls
 * the frame added are handed back for announcing. Every string kept is checked and
 * cleaned of control characters, so it is safe to print on a terminal. Pure: jansson
 * only, no I/O, no server/ code; shared by torg-display and anything else that wants a
 * board. */
#ifndef TORG_PROTO_BOARD_H
#define TORG_PROTO_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_BOARD_MAX_CALLS	 10	   /* newest calls kept, as the snapshot sends */
#define PROTO_BOARD_MAX_SERVICES 64	   /* services in one snapshot */
#define PROTO_BOARD_MAX_COUNTERS 256	   /* counters in one snapshot */
#define PROTO_BOARD_MAX_NAMES	 32	   /* languages in one name object */
#define PROTO_BOARD_MAX_STRING	 256	   /* bytes in any string kept */
#define PROTO_BOARD_MAX_FRAME	 (8 << 20) /* bytes of one server frame */
#define PROTO_BOARD_MAX_MESSAGES 64	   /* screen messages in one snapshot */
#define PROTO_BOARD_MAX_TEXT	 1200	   /* bytes of a message's text (280 characters) */

/* A text in several languages: lang[i] names text[i]. All strings malloc'd, owned. */
struct proto_board_names {
	size_t n;
	char **lang;
	char **text;
};

/* One service of the board, with its latest queue figures. */
struct proto_board_service {
	char *id;
	char *prefix;
	struct proto_board_names name;
	bool open; /* within opening hours (snapshot only; true when not said) */
	int64_t waiting;
	int64_t eta_s;
	int64_t longest_wait_s;
	int64_t counters_open;
};

/* One counter or room of the board. current is its ticket number or NULL. */
struct proto_board_counter {
	char *id;
	struct proto_board_names name;
	bool open;
	bool on_break; /* open but on a break: it calls nobody (false when not said) */
	char *current;
	char *current_service; /* NULL when current is */
	bool serving;	       /* the current ticket's visitor has arrived */
};

/* One call of a ticket to a counter. counter may be NULL (snapshot calls only). */
struct proto_board_call {
	char *number;
	char *service;
	char *counter;
	char *at; /* ISO-8601 UTC as sent, or NULL */
	bool recall;
};

/* A screen message of the snapshot's notices, shown from from_ms to until_ms. */
struct proto_board_message {
	char *id;
	struct proto_board_names text; /* texts up to PROTO_BOARD_MAX_TEXT bytes */
	int64_t from_ms, until_ms;     /* UTC ms; 0: no limit */
};

/* The snapshot's notices (PROTOCOL.md): today's floor-wide exception and the messages
 * for this display (or kiosk) that had not ended when it was sent. */
struct proto_board_notices {
	bool today;	   /* an exception to the opening hours holds today for the floor */
	bool today_closed; /* it closes the floor all day */
	char *today_hours; /* else its spans, "08:00-12:00, 13:00-15:00" (ASCII) */
	struct proto_board_names today_note; /* its note; none when it has none */
	struct proto_board_message *messages;
	size_t nmessages;
};

/* The board. Embed it and use _init/_close. Every pointer is owned by the board. */
struct proto_board {
	bool have_base; /* a snapshot was applied: events can follow */
	uint64_t seq;	/* the last applied seq, or the last skip's when higher */
	char *day;	/* "YYYY-MM-DD" or NULL */
	char *floor_id;
	struct proto_board_names floor_name;
	char *timezone;	  /* the floor's IANA zone ("Europe/Oslo"), or NULL when not sent */
	char **languages; /* the floor's, or the display's when the hello named one */
	size_t nlanguages;
	char *display_id;   /* when the snapshot had a display */
	char *display_name; /* likewise */
	struct proto_board_service *services;
	size_t nservices;
	struct proto_board_counter *counters;
	size_t ncounters;
	struct proto_board_call calls[PROTO_BOARD_MAX_CALLS]; /* newest first */
	size_t ncalls;
	int64_t server_ms; /* the snapshot's server_time (UTC ms), 0 when not sent */
	struct proto_board_notices notices; /* from the snapshot; none before one */
};

/* What one applied frame did (flags) and the calls it added. */
#define PROTO_BOARD_CHANGED  0x1  /* something on the board changed */
#define PROTO_BOARD_SNAPSHOT 0x2  /* a snapshot replaced the board */
#define PROTO_BOARD_RESUME   0x4  /* a resume matched the board's seq */
#define PROTO_BOARD_GAP	     0x8  /* events are missing: reconnect with since = board->seq */
#define PROTO_BOARD_SKIP     0x10 /* a skip moved board->seq over filtered-out events */
struct proto_board_result {
	unsigned flags;
	struct proto_board_call *calls; /* calls and recalls added by events, oldest first */
	size_t ncalls;
	size_t skipped;	  /* messages of unknown type and events of unknown kind */
	size_t stale;	  /* events and skips at or below the board's seq, or skips before
			     a snapshot, ignored */
	uint64_t gap_seq; /* with GAP: the seq that did not follow */
	char *error;	  /* the last server "error" message as "code: message", or NULL */
};

/** Makes an empty board (no base, seq 0). */
void proto_board_init(struct proto_board *b);
/** Frees everything the board owns and leaves it empty, as after _init. */
void proto_board_close(struct proto_board *b);

/** Applies one server frame (a message object or an array of them) of len bytes. Returns
 *  0 when it was applied, with *res filled (overwritten, not freed first): flags, the new
 *  calls, counts of skipped and stale messages, a server error message; messages after a
 *  gap are not applied. Returns -EINVAL (or -E2BIG over PROTO_BOARD_MAX_FRAME) for
 *  malformed input, with *cause set to a malloc'd human message naming the place (the
 *  caller frees it), *res cleared and the board unchanged. The caller owns *res and frees
 *  it with proto_board_result_clear. A successful apply replaces the board's arrays:
 *  pointers into them taken before (services, counters, names) are no longer valid. */
int proto_board_apply(struct proto_board *b, const char *buf, size_t len,
		      struct proto_board_result *res, char **cause);
/** Frees what *r owns and zeroes it; safe on a zeroed result. */
void proto_board_result_clear(struct proto_board_result *r);

/** Returns the text for lang, else for "en", else the first one, else fallback; borrowed. */
const char *proto_board_name(const struct proto_board_names *n, const char *lang,
			     const char *fallback);
/** Returns the service with this id, or NULL; borrowed. */
const struct proto_board_service *proto_board_service(const struct proto_board *b, const char *id);
/** Returns the counter with this id, or NULL; borrowed. */
const struct proto_board_counter *proto_board_counter(const struct proto_board *b, const char *id);
/** Fills out[0..max) with the board's messages showing at now_ms (UTC ms by the server's
 *  clock): from reached or none, until not yet or none, in the snapshot's order; returns
 *  how many (borrowed, valid until the next apply). */
size_t proto_board_messages_at(const struct proto_board *b, int64_t now_ms,
			       const struct proto_board_message **out, size_t max);
/** Parses an ISO-8601 UTC time as torgd sends it ("2026-11-22T09:41:07.123Z", the
 *  milliseconds optional) into *ms; returns 0 or -EINVAL. Pure. */
int proto_board_parse_time(const char *s, int64_t *ms);
/** Returns the whole board as compact JSON text (for tests and debugging); the caller
 *  frees it. Equal boards give equal text. */
char *proto_board_dump(const struct proto_board *b);

#endif
