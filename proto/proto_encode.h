/*
 * proto_encode.h — the encoders of the torg.v1 protocol: every message and
 * answer body of proto/PROTOCOL.md that torgd sends (but the statistics, whose
 * JSON and CSV are server/stats_out.c's, and the test clock's two answers), and
 * the hello torg-display sends, built from plain structs of ids, numbers and
 * times. (Named so that it
 * is never confused with server/encode.h, torgd's adapter that fills these
 * structs.) Nothing here knows the floor model, the engine or the
 * configuration: server/encode.c fills the structs from them, so the wire shape
 * lives in this one file pair (with names.h for the vocabulary) and is
 * unit-tested against PROTOCOL.md's examples (tests/unit/test_proto_*.c).
 *
 * Conventions: strings are borrowed (never freed here) and NUL-terminated; a
 * NULL string is JSON null where the protocol has null, and the field is left
 * out where the protocol leaves it out (said per field); a NULL where the
 * protocol always has a string leaves the key out too. Times are UTC
 * milliseconds, 0 meaning "not yet" (JSON null); days are yyyymmdd. json_t
 * results are new references; char * results are malloc'd, NUL-terminated, and
 * *len (when not NULL) is their length. Out of memory aborts (alloc.h).
 */
#ifndef TORG_PROTO_PROTO_ENCODE_H
#define TORG_PROTO_PROTO_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "names.h"

/* A list of ids (services, languages). */
struct proto_ids {
	const char *const *v;
	size_t n;
};

/* One text in one language, and a set of them: {"nb": "…", "en": "…"}. */
struct proto_text {
	const char *lang, *text;
};
struct proto_texts {
	const struct proto_text *v;
	size_t n;
};

/* The figures of one service's queue: an event's "queues" entry, and a snapshot
 * service's waiting / eta_s / longest_wait_s / counters_open. */
struct proto_queue {
	const char *service; /* id; not written inside a snapshot's service */
	int64_t waiting, eta_s, longest_wait_s, counters_open;
};

/* One leg of a visit. */
struct proto_leg {
	const char *service;
	int64_t queued_ms, called_ms, started_ms, ended_ms;
	int64_t wait_s;
	int state;	/* enum proto_state: the leg's state, or how it ended */
	bool handed_on; /* ended done and handed on: outcome "transferred" */
};

/* Which fields a ticket object has (PROTOCOL.md: the holder's view, staff's view with
 * legs, the public view inside events). */
enum {
	PROTO_TICKET_HOLDER = 1, /* id, url, position, eta_s, counter, issued_at (and lang) */
	PROTO_TICKET_LEGS = 2,	 /* issued_at and legs */
};

/* A ticket. The public view (flags 0) is number, service, state, leg, priority. The
 * holder's url is the phone page, "/t/{id}", built here from id (and lang). */
struct proto_ticket {
	unsigned flags;
	const char *id;	     /* holder: the token's 32 hex digits */
	const char *number;  /* "B007" */
	const char *service; /* the current leg's service */
	int state;	     /* enum proto_state */
	int leg;	     /* 1-based */
	int priority;	     /* enum proto_priority */
	int64_t position;    /* holder: 1-based when waiting, else 0 */
	int64_t eta_s;	     /* holder: seconds, -1 unknown or not waiting */
	const char *counter; /* holder: the counter that called it, or NULL (null) */
	int64_t issued_ms;   /* holder, legs */
	/* holder: the visitor's language (the POST /api/v1/tickets answer), or NULL; written
	 * as "lang" after issued_at, and the url gets "?lang=" and it */
	const char *lang;
	const struct proto_leg *legs;
	size_t nlegs; /* legs */
};

/* What a phone is told about its ticket ("ticket" message). gone: the ticket no longer
 * exists (the day rolled over), and only "state": "cancelled" is sent. */
struct proto_ticket_status {
	uint64_t seq;
	bool gone;
	const char *number, *service;
	int state;
	int64_t position, eta_s;
	const char *counter; /* or NULL (null) */
	int leg;
};

/* A counter's current ticket. */
struct proto_current {
	const char *number, *service;
	int state, leg;
	int64_t called_ms, started_ms;
};

/* A counter. */
struct proto_counter {
	const char *id;
	struct proto_texts name;
	const char *kind; /* "counter", "room" as configured */
	bool open;
	bool on_break;			     /* open, but on a break: calls nobody */
	int64_t break_ms;		     /* when the break began (on_break), else 0 */
	struct proto_ids services;	     /* open for now (empty when closed) */
	struct proto_ids gives;		     /* may give by the configuration */
	const struct proto_current *current; /* or NULL (null) */
	bool retired; /* removed from the configuration today: written only when true */
};

/* An event. Which fields are written follows the kind (PROTOCOL.md's table): the ticket
 * kinds (proto_event_has_ticket) have ticket, counter when set, from/to/position when
 * transferred and reason when cancelled; counter.opened counter and services;
 * counter.closed counter and reason; counter.break and counter.back counter; floor.day
 * day. All have queues. */
struct proto_event {
	uint64_t seq;
	int kind; /* enum proto_event_kind */
	int64_t at_ms;
	const struct proto_ticket *ticket; /* ticket events: the public view (flags 0), or
					      NULL (null) */
	const char *counter;		   /* or NULL (left out) */
	const char *from, *to;		   /* transferred: service ids */
	bool front;			   /* transferred */
	int reason;			   /* cancelled, counter.closed: enum proto_reason */
	struct proto_ids services;	   /* counter.opened; floor.config: the keys changed */
	int32_t day;			   /* floor.day */
	const struct proto_queue *queues;
	size_t nqueues;
};

/* A waiting ticket in a snapshot service's queue. */
struct proto_queued {
	const char *number;
	int priority;
	int64_t queued_ms;
};

/* A service in a snapshot. */
struct proto_service {
	const char *id, *prefix, *icon;
	struct proto_texts name;
	int64_t target_wait_s;
	bool retired; /* removed today, kept for its tickets: written only when true */
	bool open;
	int64_t opens_at_ms; /* when closed: when it opens next (0: null); open: not read */
	struct proto_queue queue_figs;
	const struct proto_queued *queue; /* in call order */
	size_t nqueue;
};

/* A call in a snapshot's "calls" (newest first). */
struct proto_call {
	const char *number, *service, *counter; /* counter may be NULL (null) */
	int64_t at_ms;
	bool recall;
};

/* A snapshot's "display". */
struct proto_display {
	const char *id;
	const char *name; /* or NULL (left out) */
	struct proto_ids services, languages;
	const char *language_mode; /* "primary", "second_line", "rotate", or NULL (left out) */
	const char *logo;	   /* a file name in /static/logos/, or NULL (left out) */
	/* "#rrggbb" each, NULL (left out); "colors" is left out when all three are NULL */
	const char *background, *foreground, *accent;
	struct proto_ids announce; /* the languages calls are spoken in; left out when none */
};

/* An opening span in minutes of the local day, [open, close), close up to 1440. */
struct proto_span {
	int open, close;
};

/* A dated exception to the opening hours in a snapshot's notices. */
struct proto_exception {
	int32_t from, to; /* yyyymmdd, inclusive */
	const struct proto_span *spans;
	size_t nspans;		   /* 0: closed all day ("closed": true, "hours": []) */
	struct proto_ids services; /* n 0: every service (null) */
	struct proto_texts note;   /* n 0: null */
};

/* A screen message in a snapshot's notices. */
struct proto_message {
	const char *id;
	struct proto_texts text;
	int64_t from_ms, until_ms; /* 0: null */
};

/* A snapshot's "notices": today's floor-wide exception, the next ones, the messages. */
struct proto_notices {
	const struct proto_exception *today; /* or NULL (null) */
	const struct proto_exception *upcoming;
	size_t nupcoming;
	const struct proto_message *messages;
	size_t nmessages;
};

/* The snapshot message (also GET /api/v1/floor). */
struct proto_snapshot {
	uint64_t seq;
	int32_t day;
	int64_t server_ms;
	const char *floor_id, *timezone;
	struct proto_texts floor_name;
	struct proto_ids languages;
	int kiosk_idle_s; /* the kiosk's ticket screen stays this long untouched */
	const struct proto_display *display; /* or NULL (left out) */
	const struct proto_service *services;
	size_t nservices;
	const struct proto_counter *counters;
	size_t ncounters;
	const struct proto_call *calls;
	size_t ncalls;
	const struct proto_notices *notices; /* or NULL (left out) */
};

/* A signed-in user (login, GET /api/v1/me). */
struct proto_user {
	const char *name, *role;
	struct proto_ids services; /* the allowed services; none: all */
};

/* ---- values ---- */

/** Formats ms as ISO-8601 UTC with milliseconds ("2026-11-22T09:41:07.123Z") into buf
 *  (>= 25 bytes; a smaller one is given ""). */
void proto_format_time(int64_t ms, char *buf, size_t len);
/** Formats yyyymmdd as "YYYY-MM-DD" into buf (>= 11 bytes). */
void proto_format_day(int32_t day, char *buf, size_t len);

/* ---- objects inside messages ---- */

/** A ticket object with the fields of t->flags (PROTO_TICKET_*); legs as an array;
 *  dumped (malloc'd, *len its length when len is not NULL). */
char *proto_encode_ticket(const struct proto_ticket *t, size_t *len);
/** {"service", "waiting", "eta_s", "longest_wait_s", "counters_open"}, dumped. */
char *proto_encode_queue(const struct proto_queue *q, size_t *len);
/** {"name", "role", "services"}. */
json_t *proto_encode_user(const struct proto_user *u);
/** {"error": {"code", "message"[, "field"]}}: the HTTP error body; message NULL uses the
 *  code, field NULL is left out. */
json_t *proto_encode_error_body(const char *code, const char *message, const char *field);
/** {"error": {"code": "service_closed", "message", "opens_at"[, "note"]}}: the 409 of a
 *  ticket for a service outside its hours; message NULL uses the code, opens_ms 0 (never)
 *  is null; note (today's exception's, n 0: left out) is {lang: text}. */
json_t *proto_encode_service_closed(const char *message, int64_t opens_ms, struct proto_texts note);

/* ---- WebSocket messages (server → client) ---- */

/** The event message, dumped: encoded once per event, copied to every session. */
char *proto_encode_event(const struct proto_event *ev, size_t *len);
/** The snapshot message: {"type": "snapshot", "protocol", "seq", "day", "server_time",
 *  "floor"[, "display"], "services", "counters", "calls"[, "notices"]}, dumped; notices
 *  is {"today": exception or null, "upcoming": [exception], "messages": [{"id", "text",
 *  "from", "until"}]}, an exception {"from", "to", "closed", "hours": [["HH:MM",
 *  "HH:MM"]], "services": [ids] or null, "note": {lang: text} or null}; a counter is
 *  {"id", "name", "kind", "open", "services", "gives", "current"} (current an object or
 *  null). */
char *proto_encode_snapshot(const struct proto_snapshot *s, size_t *len);
/** {"type": "resume", "since", "seq"}. */
char *proto_encode_resume(uint64_t since, uint64_t seq, size_t *len);
/** {"type": "skip", "seq"} into buf; returns the length written (buf of >= 48 bytes
 *  always suffices), for the fan-out's hot path. */
size_t proto_encode_skip(char *buf, size_t cap, uint64_t seq);
/** The "ticket" message, dumped into buf without allocating (the phone path); returns
 *  its length, or the length it would need (snprintf's rule) when cap is too small;
 *  PROTO_TICKET_STATUS_MAX always suffices. */
#define PROTO_TICKET_STATUS_MAX 384
size_t proto_encode_ticket_status(char *buf, size_t cap, const struct proto_ticket_status *st);
/** {"type": "reply", "id", "ok": true, …body's fields}, or with ok false {"type": "reply",
 *  "id", "ok": false, "error": {…}} from an error body made by proto_encode_error_body;
 *  body is a dumped object (taken and freed, may be NULL); dumped. */
char *proto_encode_reply(int64_t id, bool ok, char *body, size_t *len);
/** {"type": "error", "error": {…}}. */
json_t *proto_encode_error_msg(const char *code, const char *message, const char *field);

/* ---- WebSocket messages (client → server) ---- */

/* A hello to send; the fields torg-display and the tests use. */
struct proto_hello_out {
	bool has_since;
	uint64_t since;
	struct proto_ids services;	      /* n 0: left out */
	const char *display, *ticket, *token; /* NULL: left out */
};
/** {"type": "hello"[, "since"][, "services"][, "display"][, "ticket"][, "token"]},
 *  dumped. */
char *proto_encode_hello(const struct proto_hello_out *h, size_t *len);

/* ---- HTTP answer bodies ---- */

/** {"ticket": {…}} (t NULL: null), dumped. */
char *proto_encode_ticket_answer(const struct proto_ticket *t, size_t *len);
/** {"counter": {…}[, "ticket": {…}]} (ticket NULL: left out), dumped. */
char *proto_encode_counter_answer(const struct proto_counter *c, const struct proto_ticket *t,
				  size_t *len);
/** {"token", "expires_at", "user"}. */
json_t *proto_encode_login_answer(const char *token, int64_t expires_ms,
				  const struct proto_user *u);
/** {"user": {…}, "counter": id|null}: counter is the id of the counter the user has open
 *  (NULL: none). */
json_t *proto_encode_me_answer(const struct proto_user *u, const char *counter);
/** GET /healthz: {"status": "ok", "version", "protocol", "seq"}. */
json_t *proto_encode_health(const char *version, uint64_t seq);

/** Dumps compactly in insertion order and drops the reference; *len its length. */
char *proto_dump(json_t *j, size_t *len);

#endif
