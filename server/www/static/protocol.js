// protocol.js — the names of the torg.v1 protocol (proto/PROTOCOL.md) as the pages use
// them: the version (the WebSocket subprotocol), message types, event kinds, ticket
// states, reasons, priorities, transfer positions and counter ops (WebSocket "op" names
// and HTTP path segments). The pages take these names from here, never as literals.
// proto/names.h + proto/names.c are the C side's one source of the same names, and the
// unit test tests/unit/test_names_js.c holds this file to them: each group must have
// exactly the names of its C table, each key the suffix of its C enum constant
// (PROTO_EV_CALLED → EVENT.CALLED), and no other page script may quote an event kind.
//
// The test reads this file line by line, so keep its format strictly regular: only
// comment lines, blank lines, `export const NAME = "value";`, and frozen objects written
// as `export const NAME = Object.freeze({`, then one `KEY: "value",` per line, then `});`.

export const PROTOCOL = "torg.v1";

// Message types: the server's (snapshot … error), then the client's (hello, cmd).
export const MSG = Object.freeze({
	SNAPSHOT: "snapshot",
	RESUME: "resume",
	EVENT: "event",
	SKIP: "skip",
	TICKET: "ticket",
	REPLY: "reply",
	ERROR: "error",
	HELLO: "hello",
	CMD: "cmd",
});

// Event kinds (an event's "kind").
export const EVENT = Object.freeze({
	ISSUED: "ticket.issued",
	CALLED: "ticket.called",
	RECALLED: "ticket.recalled",
	SERVING: "ticket.serving",
	DONE: "ticket.done",
	NO_SHOW: "ticket.no_show",
	TRANSFERRED: "ticket.transferred",
	CANCELLED: "ticket.cancelled",
	COUNTER_OPENED: "counter.opened",
	COUNTER_CLOSED: "counter.closed",
	DAY: "floor.day",
	COUNTER_BREAK: "counter.break",
	COUNTER_BACK: "counter.back",
	CONFIG: "floor.config",
});

// Ticket states (a ticket's and a counter's current ticket's "state").
export const STATE = Object.freeze({
	WAITING: "waiting",
	CALLED: "called",
	SERVING: "serving",
	DONE: "done",
	NO_SHOW: "no_show",
	CANCELLED: "cancelled",
});

// Why a ticket was cancelled or a counter closed (an event's "reason").
export const REASON = Object.freeze({
	VISITOR: "visitor",
	DAY_END: "day_end",
	STAFF: "staff",
});

// Priority classes (a ticket's "priority").
export const PRIORITY = Object.freeze({
	NORMAL: "normal",
	APPOINTMENT: "appointment",
	ACCESSIBILITY: "accessibility",
});

// Where a transfer puts the ticket in its new queue ("position").
export const POSITION = Object.freeze({
	FRONT: "front",
	BACK: "back",
});

// Counter actions: the WebSocket cmd's "op".
export const OP = Object.freeze({
	OPEN: "open",
	CLOSE: "close",
	CALL_NEXT: "call_next",
	CALL: "call",
	RECALL: "recall",
	START: "start",
	FINISH: "finish",
	NO_SHOW: "no_show",
	TRANSFER: "transfer",
	BREAK: "break",
});

// Counter actions: the HTTP path segment (POST /api/v1/counters/{id}/{segment}).
export const OP_PATH = Object.freeze({
	OPEN: "open",
	CLOSE: "close",
	CALL_NEXT: "call-next",
	CALL: "call",
	RECALL: "recall",
	START: "start",
	FINISH: "finish",
	NO_SHOW: "no-show",
	TRANSFER: "transfer",
	BREAK: "break",
});
