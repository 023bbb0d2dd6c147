/*
 * names.h — the vocabulary of the torg.v1 protocol (proto/PROTOCOL.md): the
 * protocol version, the kinds of server messages and of events, ticket states,
 * leg outcomes, reasons, priorities, transfer positions and counter ops, each
 * as a number and its one wire name. Every other part of torg (the floor model,
 * the store's tables, the encoders and parsers, torg-display, the pages through
 * server/www/static/protocol.js, which a unit test holds to this file) takes
 * its names from here, so a protocol change touches this pair of files.
 *
 * The numbers are stable: the floor's enums are these values and the journal
 * stores event kinds, reasons and priorities as them. New names are added at the
 * end. Nothing here allocates, does I/O or depends on anything but libc; the
 * library (torgnames) is linked by the pure floor model too.
 */
#ifndef TORG_PROTO_NAMES_H
#define TORG_PROTO_NAMES_H

#include <stdbool.h>

#define PROTO_VERSION "torg.v1" /* the WebSocket subprotocol and the snapshot's protocol */

/* Messages: the server's (the "type" of each object it sends), then the client's. */
enum proto_msg {
	PROTO_MSG_SNAPSHOT = 0,
	PROTO_MSG_RESUME = 1,
	PROTO_MSG_EVENT = 2,
	PROTO_MSG_SKIP = 3,
	PROTO_MSG_TICKET = 4,
	PROTO_MSG_REPLY = 5,
	PROTO_MSG_ERROR = 6,
	PROTO_MSG_HELLO = 7, /* client → server */
	PROTO_MSG_CMD = 8,   /* client → server */
};
#define PROTO_MSG_MAX 8

/* Event kinds; the journal stores these numbers. */
enum proto_event_kind {
	PROTO_EV_ISSUED = 1,
	PROTO_EV_CALLED = 2,
	PROTO_EV_RECALLED = 3,
	PROTO_EV_SERVING = 4,
	PROTO_EV_DONE = 5,
	PROTO_EV_NO_SHOW = 6,
	PROTO_EV_TRANSFERRED = 7,
	PROTO_EV_CANCELLED = 8,
	PROTO_EV_COUNTER_OPENED = 9,
	PROTO_EV_COUNTER_CLOSED = 10,
	PROTO_EV_DAY = 11,
	PROTO_EV_COUNTER_BREAK = 12, /* an open counter goes on a break: routing skips it */
	PROTO_EV_COUNTER_BACK = 13,  /* the counter is back from its break */
	PROTO_EV_CONFIG = 14,	     /* the floor's configuration changed while it runs */
};
#define PROTO_EV_KIND_MAX 14

/* Ticket states; a leg's outcome is one of the ended states, or "transferred". */
enum proto_state {
	PROTO_STATE_WAITING = 0,
	PROTO_STATE_CALLED = 1,
	PROTO_STATE_SERVING = 2,
	PROTO_STATE_DONE = 3,
	PROTO_STATE_NO_SHOW = 4,
	PROTO_STATE_CANCELLED = 5,
};
#define PROTO_STATE_MAX 5

/* Why a ticket was cancelled or a counter closed; the journal stores these numbers. */
enum proto_reason {
	PROTO_REASON_NONE = 0,	  /* no reason on the wire */
	PROTO_REASON_VISITOR = 1, /* "visitor": the visitor left the queue */
	PROTO_REASON_DAY_END = 2, /* "day_end": the day rolled over */
	PROTO_REASON_STAFF = 3,	  /* "staff": closed by staff */
};
#define PROTO_REASON_MAX 3

/* Priority classes, higher served first within the anti-starvation bound. */
enum proto_priority {
	PROTO_PRIO_NORMAL = 0,
	PROTO_PRIO_APPOINTMENT = 1,
	PROTO_PRIO_ACCESSIBILITY = 2,
};
#define PROTO_PRIORITIES 3

/* Counter actions: WebSocket "op" names ("call_next") and HTTP path segments
 * ("call-next"). */
enum proto_op {
	PROTO_OP_OPEN,
	PROTO_OP_CLOSE,
	PROTO_OP_CALL_NEXT,
	PROTO_OP_CALL,
	PROTO_OP_RECALL,
	PROTO_OP_START,
	PROTO_OP_FINISH,
	PROTO_OP_NO_SHOW,
	PROTO_OP_TRANSFER,
	PROTO_OP_BREAK
};
#define PROTO_OP_MAX PROTO_OP_BREAK

/* Each *_name returns the static wire name, or NULL for a number outside the enum; each
 * *_from_name returns the number, or -1 for a name that is not one (NULL too). */

/** "snapshot", "resume", "event", "skip", "ticket", "reply", "error", "hello", "cmd". */
const char *proto_msg_name(int msg);
int proto_msg_from_name(const char *name);
/** "ticket.issued" … "counter.closed", "floor.day", "counter.break", "counter.back". */
const char *proto_event_name(int kind);
int proto_event_from_name(const char *name);
/** True for the kinds whose event carries a "ticket" (issued … cancelled). */
bool proto_event_has_ticket(int kind);
/** The state a ticket is in right after an event of this kind (issued and transferred:
 *  waiting); -1 for a kind without a ticket. */
int proto_state_after(int kind);
/** "waiting", "called", "serving", "done", "no_show", "cancelled". */
const char *proto_state_name(int state);
int proto_state_from_name(const char *name);
/** A leg's outcome: NULL while the leg is open (waiting, called, serving), "transferred"
 *  for a leg that ended done and was handed on, else the ended state's name. */
const char *proto_outcome_name(int state, bool handed_on);
/** "visitor", "day_end", "staff"; NULL for PROTO_REASON_NONE. */
const char *proto_reason_name(int reason);
int proto_reason_from_name(const char *name);
/** "normal", "appointment", "accessibility". */
const char *proto_priority_name(int priority);
int proto_priority_from_name(const char *name);
/** A transfer's position: "front" or "back". */
const char *proto_position_name(bool front);
/** The WebSocket op name ("call_next"); "?" (not NULL) outside the enum, for logs. */
const char *proto_op_name(int op);
int proto_op_from_name(const char *name);
/** The HTTP path segment of an op ("call-next"). */
const char *proto_op_path(int op);
int proto_op_from_path(const char *seg);

#endif
