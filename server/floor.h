/*
 * floor.h — the floor model: services, counters, tickets and their legs, the
 * routing policy and wait estimates of one welfare floor. It is pure: no I/O,
 * no clock, no randomness, no uv/lws/sqlite. Every command takes the time as a
 * struct floor_clock, validates, and on success appends one or more events to
 * the caller's struct floor_events and applies them to the state. The same
 * events, read back from the journal, rebuild the same state through
 * floor_apply(): exec and replay share one code path, so a crash-restart gives
 * the floor exactly as it was acknowledged.
 *
 * Day boundary: clock.day is the floor's local day (yyyymmdd, computed by the
 * caller with the floor's time zone and day-start hour). The first command
 * (or floor_tick) that sees a new day first emits the rollover: every ticket
 * not finished is cancelled with FLOOR_REASON_DAY_END, every open counter is
 * closed with FLOOR_REASON_DAY_END (one on a break too), then FLOOR_EV_DAY starts the new day, and
 * numbering restarts at 1 for every service. Ticket handles are indexes into
 * the day's ticket table and are only valid within their day.
 *
 * Indexes: services and counters are named by their index in struct floor_def
 * (0-based). Tickets by a uint32_t handle; FLOOR_NONE means none.
 *
 * Time never goes back inside the floor: a command happens at the later of
 * clock.ms and the last event's at_ms (so a clock stepped back gives no negative
 * waits), and floor_apply() refuses an event older than the last. A clock.day
 * earlier than the floor's day is taken as the floor's day; a command on a fresh
 * floor with clock.day <= 0 fails with FLOOR_E_INVAL.
 *
 * Bounds (a journal past them is corrupt or tampered, and replay refuses it rather
 * than crash): events carry seq at most 2^62 and at_ms from 1 to the end of year 9999;
 * commands fail with FLOOR_E_INVAL within 2^24 of the seq bound or outside those
 * times, so what a command emits always applies. A ticket takes at most 65,535 legs in a
 * day: the transfer past that fails with FLOOR_E_STATE.
 *
 * Event fields by kind (others zero, or -1 / FLOOR_NONE): every ticket event
 * carries ticket, service (its current leg's), number, leg and counter (the
 * counter holding it, -1 while waiting). issued: priority, token, leg 1.
 * called: counter = the calling counter. transferred: from_service, service =
 * the new leg's, front, leg = the new leg, counter = the counter handing it on.
 * cancelled: reason (VISITOR, or DAY_END from the rollover, which also cancels
 * serving tickets). counter.opened: counter, services. counter.closed:
 * counter, reason (STAFF or DAY_END). floor.day: day = the new day.
 * counter.break, counter.back: counter.
 *
 * Breaks: an open counter without a current ticket may go on a break and come
 * back. On a break it stays open (it keeps its services and may be closed, which
 * ends the break) but calls nothing (FLOOR_E_BREAK) and counts for no service:
 * not in floor_counters_open, not in the estimates. Going on a break while on one,
 * or back while not, changes nothing and is no error (a repeated press).
 *
 * Estimates: per service an exponentially weighted mean (alpha 0.2, integer ms)
 * of meeting lengths, from serving (or, if never started, from the first call)
 * to done or to a transfer away; no-shows and cancels do not count.
 */
#ifndef TORG_FLOOR_H
#define TORG_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

#define FLOOR_MAX_SERVICES 64 /* services fit a uint64_t mask */
#define FLOOR_MAX_COUNTERS 1024
#define FLOOR_MAX_NUMBER   9999 /* per service per day */
#define FLOOR_TOKEN_LEN	   16	/* bytes of a ticket's unguessable token */
#define FLOOR_PRIORITIES   3	/* priority classes 0..2 */
#define FLOOR_NONE	   UINT32_MAX

/* Priority classes: higher is served first, within the anti-starvation bound. The
 * floor's enums are the protocol's numbers (proto/names.h), whose names they have. */
enum floor_priority {
	FLOOR_PRIO_NORMAL = PROTO_PRIO_NORMAL,
	FLOOR_PRIO_APPOINTMENT = PROTO_PRIO_APPOINTMENT,
	FLOOR_PRIO_ACCESSIBILITY = PROTO_PRIO_ACCESSIBILITY,
};

/* How a counter giving several services picks the next ticket. */
enum floor_policy {
	FLOOR_POLICY_OVERDUE = 0, /* furthest past its service's target wait (default) */
	FLOOR_POLICY_FIFO = 1,	  /* longest waiting in its current leg, any service */
	FLOOR_POLICY_ORDERED = 2, /* first service in the counter's list that has a ticket */
};

enum floor_state {
	FLOOR_WAITING = PROTO_STATE_WAITING,
	FLOOR_CALLED = PROTO_STATE_CALLED,
	FLOOR_SERVING = PROTO_STATE_SERVING,
	FLOOR_DONE = PROTO_STATE_DONE,
	FLOOR_NO_SHOW = PROTO_STATE_NO_SHOW,
	FLOOR_CANCELLED = PROTO_STATE_CANCELLED,
};

enum floor_ev_kind {
	FLOOR_EV_ISSUED = PROTO_EV_ISSUED,
	FLOOR_EV_CALLED = PROTO_EV_CALLED,
	FLOOR_EV_RECALLED = PROTO_EV_RECALLED,
	FLOOR_EV_SERVING = PROTO_EV_SERVING,
	FLOOR_EV_DONE = PROTO_EV_DONE,
	FLOOR_EV_NO_SHOW = PROTO_EV_NO_SHOW,
	FLOOR_EV_TRANSFERRED = PROTO_EV_TRANSFERRED,
	FLOOR_EV_CANCELLED = PROTO_EV_CANCELLED,
	FLOOR_EV_COUNTER_OPENED = PROTO_EV_COUNTER_OPENED,
	FLOOR_EV_COUNTER_CLOSED = PROTO_EV_COUNTER_CLOSED,
	FLOOR_EV_DAY = PROTO_EV_DAY, /* a new local day starts; numbering restarts */
	FLOOR_EV_COUNTER_BREAK = PROTO_EV_COUNTER_BREAK, /* an open counter pauses */
	FLOOR_EV_COUNTER_BACK = PROTO_EV_COUNTER_BACK,	 /* it gives its services again */
	FLOOR_EV_CONFIG = PROTO_EV_CONFIG, /* the definition changed (floor_redefine); no state */
};
#define FLOOR_EV_KIND_MAX PROTO_EV_KIND_MAX

enum floor_reason {
	FLOOR_REASON_NONE = PROTO_REASON_NONE,
	FLOOR_REASON_VISITOR = PROTO_REASON_VISITOR, /* cancelled: the visitor left the queue */
	FLOOR_REASON_DAY_END =
	    PROTO_REASON_DAY_END, /* cancelled / counter closed by the day rollover */
	FLOOR_REASON_STAFF = PROTO_REASON_STAFF, /* counter closed by staff */
};

#define FLOOR_SEQ_MAX (UINT64_C(1) << 62) /* the highest seq an event may carry */

/* The errors lie below FLOOR_E_BASE, outside the errno range (Linux's errno values are
 * 1 … 4095), so that a floor error is never mistaken for a negative errno: FLOOR_E_SERVICE
 * (FLOOR_E_BASE - 1) down to FLOOR_E_BREAK (FLOOR_E_BASE - 12), in that order. */
#define FLOOR_E_BASE (-4096)
enum floor_error {
	FLOOR_E_SERVICE = FLOOR_E_BASE - 1,   /* no such service */
	FLOOR_E_COUNTER = FLOOR_E_BASE - 2,   /* no such counter */
	FLOOR_E_CLOSED = FLOOR_E_BASE - 3,    /* the counter is not open */
	FLOOR_E_BUSY = FLOOR_E_BASE - 4,      /* the counter already has a current ticket */
	FLOOR_E_IDLE = FLOOR_E_BASE - 5,      /* the counter has no current ticket */
	FLOOR_E_STATE = FLOOR_E_BASE - 6,     /* the ticket is not in a state that allows this */
	FLOOR_E_NOT_GIVEN = FLOOR_E_BASE - 7, /* the service is not given at this counter */
	FLOOR_E_TICKET = FLOOR_E_BASE - 8,    /* no such ticket (today) */
	FLOOR_E_FULL = FLOOR_E_BASE - 9,      /* the service has used all numbers for today */
	FLOOR_E_INVAL = FLOOR_E_BASE - 10,    /* bad argument, or an event not fitting the state */
	FLOOR_E_OPEN = FLOOR_E_BASE - 11,     /* counter_open on a counter already open */
	FLOOR_E_BREAK = FLOOR_E_BASE - 12,    /* the counter is on a break: it calls nobody */
};

/* A service as configured. Strings are borrowed: they must outlive the floor. A retired
 * service was removed from the configuration while the floor ran: its tickets of the day
 * can still be called, served and transferred away, but it issues none and takes none
 * by transfer. Its prefix may be empty when it never issued a number that day. */
struct floor_service_def {
	const char *id;	       /* e.g. "nav" */
	const char *prefix;    /* one or two capital letters, e.g. "B" */
	int target_wait_s;     /* the wait the floor aims to stay under */
	int default_service_s; /* first guess of one meeting's length, for estimates */
	bool retired;
	/* Earlier ids of the same service today (a rename); the store reads its journal with
	 * them. The floor itself never looks at ids. */
	size_t naliases;
	const char *const *aliases;
};

/* A counter or meeting room as configured. A retired counter (removed while the floor ran)
 * cannot be opened again, but while open it works on until it is closed. */
struct floor_counter_def {
	const char *id;	   /* e.g. "c4" */
	uint64_t services; /* bit i set: may give service i */
	enum floor_policy policy;
	bool retired;
};

struct floor_def {
	size_t nservices;
	const struct floor_service_def *services;
	size_t ncounters;
	const struct floor_counter_def *counters;
	/* A waiting ticket of a lower class whose wait in its leg exceeds this is
	 * treated as top class (anti-starvation). 0 means the default, 1200 s. */
	int starvation_bound_s;
};

/* The time a command happens: UTC milliseconds and the floor's local day. */
struct floor_clock {
	int64_t ms;
	int32_t day; /* yyyymmdd */
};

/* One change to the floor. Fields not relevant to a kind are zero or -1/FLOOR_NONE. */
struct floor_event {
	uint64_t seq;	       /* floor-wide sequence number, assigned by the floor */
	int64_t at_ms;	       /* UTC ms */
	int32_t day;	       /* the local day the event belongs to */
	uint8_t kind;	       /* enum floor_ev_kind */
	uint8_t priority;      /* ticket events: the ticket's priority class */
	uint8_t front;	       /* transferred: 1 = queued at the front */
	uint8_t reason;	       /* enum floor_reason, for cancelled and counter.closed */
	uint32_t ticket;       /* ticket handle, or FLOOR_NONE */
	int16_t service;       /* service of the ticket's (new) leg; -1 when none */
	int16_t from_service;  /* transferred: service of the leg that ended; else -1 */
	int16_t first_service; /* ticket events: the service whose prefix the number carries */
	int16_t counter;       /* counter index, or -1 */
	uint16_t number;       /* the ticket's number within its first service's day sequence */
	uint16_t leg;	       /* 1-based leg of the visit the event concerns */
	uint64_t services;     /* counter.opened: services given (mask) */
	uint8_t token[FLOOR_TOKEN_LEN]; /* issued: the ticket's token; else zero */
	/* The queue figures right after this event of the services it changed (a command's
	 * events only, not replayed ones): entries [fig, fig + nfig) of the buffer's figs. */
	uint32_t fig;
	uint16_t nfig;
};

/* One service's queue figures at a moment (after an event). */
struct floor_queue_fig {
	int16_t service;
	int32_t waiting;	/* tickets waiting */
	int32_t eta_s;		/* estimated wait for a ticket joining now; -1 unknown */
	int32_t longest_wait_s; /* longest current wait */
	int32_t counters_open;	/* open counters giving the service */
};

/* Growable event buffer owned by the caller; commands append to it, with the queue
 * figures of each event in figs (floor_events_clear empties both). */
struct floor_events {
	struct floor_event *v;
	size_t n, cap;
	struct floor_queue_fig *figs;
	size_t nfigs, figcap;
};

/* Read-only view of a ticket, filled by floor_ticket_get(). */
struct floor_ticket_info {
	uint32_t handle;
	int service;	   /* current leg's service */
	int first_service; /* service whose prefix the number carries */
	uint16_t number;
	enum floor_state state;
	uint8_t priority;
	uint16_t leg;	   /* number of legs so far (1 = never transferred) */
	int counter;	   /* counter calling/serving it, or -1 */
	int position;	   /* 1-based place in the call order of its service when waiting, else 0 */
	int eta_s;	   /* estimated seconds until called when waiting; -1 unknown;
			      0 when called or serving, -1 when finished */
	int64_t issued_ms; /* when the ticket was issued */
	int64_t queued_ms; /* when the current leg started waiting */
	int64_t called_ms; /* when last called (or recalled) in this leg, or 0 */
	int64_t started_ms; /* when serving started in this leg, or 0 */
	uint8_t token[FLOOR_TOKEN_LEN];
};

/* One leg of a visit (a stay in one service's queue and its meeting). */
struct floor_leg {
	int service;
	int counter;					    /* counter that called it, or -1 */
	int64_t queued_ms, called_ms, started_ms, ended_ms; /* 0 when not (yet); called_ms
							       is the first call */
	enum floor_state outcome; /* WAITING/CALLED/SERVING while open, else how it ended;
				     a transferred leg ends as FLOOR_DONE */
};

struct floor_counter_info {
	bool open;
	uint64_t services; /* services given now (when open) */
	uint32_t ticket;   /* current ticket (called or serving), or FLOOR_NONE */
	int64_t opened_ms;
	bool on_break;	  /* open but on a break: calls nobody, counts for no service */
	int64_t break_ms; /* when the break began, or 0 */
};

struct floor;

/** Creates an empty floor (day 0, seq 0) for def; def is borrowed and must outlive it.
 *  Returns NULL when def is invalid (too many services/counters, duplicate prefix). */
struct floor *floor_create(const struct floor_def *def);
/** Frees the floor and all it holds. NULL is fine. */
void floor_free(struct floor *f);
/** Gives a running floor a new definition (borrowed like floor_create's). It keeps every
 *  service and counter where it is: def has at least as many of each, and a service that
 *  issued numbers today keeps its prefix. Services and counters added get the next
 *  indexes. An open counter keeps the services it opened with until it closes. Returns 0,
 *  or FLOOR_E_INVAL when def does not fit (and nothing changes). The caller journals the
 *  change with floor_note_config(). */
int floor_redefine(struct floor *f, const struct floor_def *def);
/** Whether a service issued numbers today (its prefix is then fixed until the day ends). */
bool floor_service_issued(const struct floor *f, int service);
/** Emits floor.config, the mark of a definition change: it changes no state (it replays as
 *  nothing), but rolls the day over first like any command. */
int floor_note_config(struct floor *f, struct floor_clock now, struct floor_events *out);

/** Number of the last event emitted or applied (0 when none). */
uint64_t floor_seq(const struct floor *f);
/** Sets the sequence number the next event follows (start-up with a journal whose
 *  replayed part is empty). Only moves forward. */
void floor_set_seq(struct floor *f, uint64_t seq);
/** The local day the floor is in (0 before the first event). */
int32_t floor_day(const struct floor *f);
/** The definition the floor was created with (borrowed). */
const struct floor_def *floor_get_def(const struct floor *f);

/* Commands. Each returns 0 on success (events appended to out) or a negative
 * enum floor_error with the state and out->n unchanged — except that a day
 * rollover caused by the clock is kept even when the command itself fails. */

/** Issues a ticket for service at priority; token is the caller's random token.
 *  *handle_out (may be NULL) gets the new ticket. */
int floor_issue(struct floor *f, struct floor_clock now, int service, int priority,
		const uint8_t token[FLOOR_TOKEN_LEN], struct floor_events *out,
		uint32_t *handle_out);
/** Signs a counter on for services (mask, must be a non-empty subset of its def). */
int floor_counter_open(struct floor *f, struct floor_clock now, int counter, uint64_t services,
		       struct floor_events *out);
/** Signs a counter off; fails with FLOOR_E_BUSY while it has a current ticket. */
int floor_counter_close(struct floor *f, struct floor_clock now, int counter,
			struct floor_events *out);
/** Puts an open counter on a break (on) or back from it. FLOOR_E_CLOSED when it is not
 *  open, FLOOR_E_BUSY going on a break with a current ticket; 0 with no event appended
 *  when the counter already is as asked. */
int floor_counter_break(struct floor *f, struct floor_clock now, int counter, bool on,
			struct floor_events *out);
/** Calls the next ticket by the counter's policy. Returns 0 with no event appended
 *  when nothing waits in the counter's services; FLOOR_E_BREAK on a break (call too). */
int floor_call_next(struct floor *f, struct floor_clock now, int counter, struct floor_events *out);
/** Calls a chosen waiting ticket (out of order); its current service must be given here. */
int floor_call(struct floor *f, struct floor_clock now, int counter, uint32_t ticket,
	       struct floor_events *out);
/** Calls the counter's current (called) ticket again. */
int floor_recall(struct floor *f, struct floor_clock now, int counter, struct floor_events *out);
/** The visitor arrived: current ticket called → serving. */
int floor_start(struct floor *f, struct floor_clock now, int counter, struct floor_events *out);
/** The meeting ended: current ticket serving → done. */
int floor_finish(struct floor *f, struct floor_clock now, int counter, struct floor_events *out);
/** The visitor did not come: current ticket called → no_show. */
int floor_no_show(struct floor *f, struct floor_clock now, int counter, struct floor_events *out);
/** Hands the current ticket (called or serving) on to service, at the front or back of
 *  its queue, keeping the number and starting a new leg. The counter becomes free. */
int floor_transfer(struct floor *f, struct floor_clock now, int counter, int service, bool front,
		   struct floor_events *out);
/** The visitor leaves: a waiting or called ticket → cancelled (FLOOR_REASON_VISITOR). */
int floor_cancel(struct floor *f, struct floor_clock now, uint32_t ticket,
		 struct floor_events *out);
/** Only performs a day rollover if now.day is past the floor's day; 0 always. */
int floor_tick(struct floor *f, struct floor_clock now, struct floor_events *out);

/** Re-applies one journaled event (replay). ev->seq must be greater than floor_seq().
 *  Returns 0 or FLOOR_E_INVAL when the event does not fit the state. */
int floor_apply(struct floor *f, const struct floor_event *ev);

/* Queries (never change the state). */

/** Tickets waiting in a service. */
size_t floor_waiting(const struct floor *f, int service);
/** Estimated wait in seconds for a ticket joining service now; -1 when unknown
 *  (no open counter off a break gives it). */
int floor_service_eta(const struct floor *f, int service, int64_t now_ms);
/** Longest current wait in a service's queue in seconds (0 when empty). */
int floor_longest_wait(const struct floor *f, int service, int64_t now_ms);
/** Number of open counters giving the service (not those on a break). */
int floor_counters_open(const struct floor *f, int service);
/** Fills *out for a ticket handle; returns 0 or FLOOR_E_TICKET. The position (with
 *  the anti-starvation bound) is taken at now_ms, or at the last event if later. */
int floor_ticket_get(const struct floor *f, uint32_t ticket, int64_t now_ms,
		     struct floor_ticket_info *out);
/** The services in which events v[0..n) (applied just now, the newest batch) may have
 *  changed what the waiting tickets not named by an event show, their position or
 *  estimate: a ticket that left a queue or joined it anywhere but at its back, a finished
 *  meeting (it moves the mean), a counter that opened or closed (every service), one that
 *  went on a break or came back (the services it may give), a new day (every service). Any other
 * ticket, one neither named by these events nor waiting in these services, shows what it showed
 * before them (taken at the same time). */
uint64_t floor_events_moved(const struct floor *f, const struct floor_event *v, size_t n);
/** Finds today's ticket by token; returns its handle or FLOOR_NONE. */
uint32_t floor_ticket_by_token(const struct floor *f, const uint8_t token[FLOOR_TOKEN_LEN]);
/** Finds today's ticket by its first service and number; handle or FLOOR_NONE. */
uint32_t floor_ticket_by_number(const struct floor *f, int first_service, int number);
/** Copies up to max legs of a ticket into out, first leg first; returns the number
 *  of legs, which may exceed max (0 for an unknown ticket). */
size_t floor_ticket_legs(const struct floor *f, uint32_t ticket, struct floor_leg *out, size_t max);
/** Copies up to max waiting ticket handles of a service, in call order as of the
 *  last event's time; returns the number copied (<= max). */
size_t floor_queue(const struct floor *f, int service, uint32_t *out, size_t max);
/** Fills *out for a counter; returns 0 or FLOOR_E_COUNTER. */
int floor_counter_get(const struct floor *f, int counter, struct floor_counter_info *out);
/** Number of tickets issued today (handles run 0..n-1). */
size_t floor_tickets_today(const struct floor *f);

/** Formats a ticket's public number ("B007") into buf (>= 8 bytes). */
void floor_format_number(const struct floor *f, int first_service, int number, char *buf,
			 size_t len);
/** snake_case code of a floor_error ("counter_busy"); "internal" when unknown. */
const char *floor_error_code(int err);
/** Plain English sentence for a floor_error. */
const char *floor_error_message(int err);

/** Appends one event to the buffer, growing it. */
struct floor_event *floor_events_push(struct floor_events *evs);
/** Empties the buffer (events and figures), keeping its storage. */
void floor_events_clear(struct floor_events *evs);
/** Frees the buffer's storage and zeroes it. */
void floor_events_free(struct floor_events *evs);

#endif
