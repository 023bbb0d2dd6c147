/*
 * names.c — the wire names of the torg.v1 vocabulary (see names.h), each table
 * indexed by its enum's number.
 */
#include "names.h"

#include <stddef.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const msg_names[] = {
    [PROTO_MSG_SNAPSHOT] = "snapshot", [PROTO_MSG_RESUME] = "resume", [PROTO_MSG_EVENT] = "event",
    [PROTO_MSG_SKIP] = "skip",	       [PROTO_MSG_TICKET] = "ticket", [PROTO_MSG_REPLY] = "reply",
    [PROTO_MSG_ERROR] = "error",       [PROTO_MSG_HELLO] = "hello",   [PROTO_MSG_CMD] = "cmd",
};
static const char *const event_names[] = {
    [PROTO_EV_ISSUED] = "ticket.issued",
    [PROTO_EV_CALLED] = "ticket.called",
    [PROTO_EV_RECALLED] = "ticket.recalled",
    [PROTO_EV_SERVING] = "ticket.serving",
    [PROTO_EV_DONE] = "ticket.done",
    [PROTO_EV_NO_SHOW] = "ticket.no_show",
    [PROTO_EV_TRANSFERRED] = "ticket.transferred",
    [PROTO_EV_CANCELLED] = "ticket.cancelled",
    [PROTO_EV_COUNTER_OPENED] = "counter.opened",
    [PROTO_EV_COUNTER_CLOSED] = "counter.closed",
    [PROTO_EV_DAY] = "floor.day",
    [PROTO_EV_COUNTER_BREAK] = "counter.break",
    [PROTO_EV_COUNTER_BACK] = "counter.back",
    [PROTO_EV_CONFIG] = "floor.config",
};
static const char *const state_names[] = {
    [PROTO_STATE_WAITING] = "waiting", [PROTO_STATE_CALLED] = "called",
    [PROTO_STATE_SERVING] = "serving", [PROTO_STATE_DONE] = "done",
    [PROTO_STATE_NO_SHOW] = "no_show", [PROTO_STATE_CANCELLED] = "cancelled",
};
/* The state after each ticket event's kind; 0 (waiting) for issued and transferred. */
static const signed char state_after[] = {
    [PROTO_EV_ISSUED] = PROTO_STATE_WAITING,	  [PROTO_EV_CALLED] = PROTO_STATE_CALLED,
    [PROTO_EV_RECALLED] = PROTO_STATE_CALLED,	  [PROTO_EV_SERVING] = PROTO_STATE_SERVING,
    [PROTO_EV_DONE] = PROTO_STATE_DONE,		  [PROTO_EV_NO_SHOW] = PROTO_STATE_NO_SHOW,
    [PROTO_EV_TRANSFERRED] = PROTO_STATE_WAITING, [PROTO_EV_CANCELLED] = PROTO_STATE_CANCELLED,
};
static const char *const reason_names[] = {
    [PROTO_REASON_VISITOR] = "visitor",
    [PROTO_REASON_DAY_END] = "day_end",
    [PROTO_REASON_STAFF] = "staff",
};
static const char *const priority_names[] = {
    [PROTO_PRIO_NORMAL] = "normal",
    [PROTO_PRIO_APPOINTMENT] = "appointment",
    [PROTO_PRIO_ACCESSIBILITY] = "accessibility",
};
static const char *const op_names[] = {
    [PROTO_OP_OPEN] = "open",		[PROTO_OP_CLOSE] = "close",
    [PROTO_OP_CALL_NEXT] = "call_next", [PROTO_OP_CALL] = "call",
    [PROTO_OP_RECALL] = "recall",	[PROTO_OP_START] = "start",
    [PROTO_OP_FINISH] = "finish",	[PROTO_OP_NO_SHOW] = "no_show",
    [PROTO_OP_TRANSFER] = "transfer",	[PROTO_OP_BREAK] = "break",
};
static const char *const op_paths[] = {
    [PROTO_OP_OPEN] = "open",		[PROTO_OP_CLOSE] = "close",
    [PROTO_OP_CALL_NEXT] = "call-next", [PROTO_OP_CALL] = "call",
    [PROTO_OP_RECALL] = "recall",	[PROTO_OP_START] = "start",
    [PROTO_OP_FINISH] = "finish",	[PROTO_OP_NO_SHOW] = "no-show",
    [PROTO_OP_TRANSFER] = "transfer",	[PROTO_OP_BREAK] = "break",
};

/* The name at i of a table of n (NULL outside it, or a hole). */
static const char *name_at(const char *const *v, size_t n, int i)
{
	return i >= 0 && (size_t)i < n ? v[i] : NULL;
}

/* The index of name in a table of n, or -1. */
static int index_of(const char *const *v, size_t n, const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], name) == 0)
			return (int)i;
	return -1;
}

const char *proto_msg_name(int msg)
{
	return name_at(msg_names, COUNT(msg_names), msg);
}

int proto_msg_from_name(const char *name)
{
	return index_of(msg_names, COUNT(msg_names), name);
}

const char *proto_event_name(int kind)
{
	return name_at(event_names, COUNT(event_names), kind);
}

int proto_event_from_name(const char *name)
{
	return index_of(event_names, COUNT(event_names), name);
}

bool proto_event_has_ticket(int kind)
{
	return kind >= PROTO_EV_ISSUED && kind <= PROTO_EV_CANCELLED;
}

int proto_state_after(int kind)
{
	return proto_event_has_ticket(kind) ? state_after[kind] : -1;
}

const char *proto_state_name(int state)
{
	return name_at(state_names, COUNT(state_names), state);
}

int proto_state_from_name(const char *name)
{
	return index_of(state_names, COUNT(state_names), name);
}

const char *proto_outcome_name(int state, bool handed_on)
{
	if (state < PROTO_STATE_DONE)
		return NULL;
	if (state == PROTO_STATE_DONE && handed_on)
		return "transferred";
	return proto_state_name(state);
}

const char *proto_reason_name(int reason)
{
	return name_at(reason_names, COUNT(reason_names), reason);
}

int proto_reason_from_name(const char *name)
{
	return index_of(reason_names, COUNT(reason_names), name);
}

const char *proto_priority_name(int priority)
{
	return name_at(priority_names, COUNT(priority_names), priority);
}

int proto_priority_from_name(const char *name)
{
	return index_of(priority_names, COUNT(priority_names), name);
}

const char *proto_position_name(bool front)
{
	return front ? "front" : "back";
}

const char *proto_op_name(int op)
{
	const char *n = name_at(op_names, COUNT(op_names), op);
	return n ? n : "?";
}

int proto_op_from_name(const char *name)
{
	return index_of(op_names, COUNT(op_names), name);
}

const char *proto_op_path(int op)
{
	return name_at(op_paths, COUNT(op_paths), op);
}

int proto_op_from_path(const char *seg)
{
	return index_of(op_paths, COUNT(op_paths), seg);
}
