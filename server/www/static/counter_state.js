// counter_state.js — what the counter page can do now. The page is in one of the
// states of STATE_OF (signed out; signed in with the chosen counter closed, or open
// elsewhere; open and idle with nothing or something waiting; a visitor called or
// being served; on a break), plus two overlays that stop every request: one is already
// in flight (one at a time: nothing is sent twice), or the connection is lost. controls() is the one table that turns that
// into each button's shown / enabled / reason; the page applies it to the DOM and
// never decides a button's state anywhere else.

import { STATE } from "./protocol.js";

// The base states.
export const STATE_OF = Object.freeze({
	SIGNED_OUT: "signed_out",
	CLOSED: "closed",
	ELSEWHERE: "elsewhere",
	IDLE_EMPTY: "idle_empty",
	IDLE_WAITING: "idle_waiting",
	CALLED: "called",
	SERVING: "serving",
	BREAK: "break",
});

// Every control of the page the table speaks for (the ids of counter.html, and the
// work view's action buttons by their data-action; "qnum" is every queue number).
export const CONTROLS = Object.freeze(["login", "sign-out", "open", "use", "move", "goto",
	"call-next", "recall", "start", "finish", "no-show", "transfer", "call", "qnum", "break",
	"close", "issue", "print"]);

const WORK = new Set([STATE_OF.IDLE_EMPTY, STATE_OF.IDLE_WAITING, STATE_OF.CALLED,
	STATE_OF.SERVING, STATE_OF.BREAK]);

// The base state from what the page knows: `me` (null when signed out), whether the
// work view is shown, the counter object (snapshot shape, with on_break), how many
// wait in its queues, and the counter this user has open elsewhere (or null).
export function base_state({ me, working, counter, waiting, elsewhere }) {
	if (!me)
		return STATE_OF.SIGNED_OUT;
	if (!working || !counter || !counter.open)
		return elsewhere ? STATE_OF.ELSEWHERE : STATE_OF.CLOSED;
	if (counter.current)
		return counter.current.state === STATE.SERVING ? STATE_OF.SERVING : STATE_OF.CALLED;
	if (counter.on_break)
		return STATE_OF.BREAK;
	return waiting > 0 ? STATE_OF.IDLE_WAITING : STATE_OF.IDLE_EMPTY;
}

// Why each work-view action cannot be done in a work state (absent: it can).
const WORK_REASONS = {
	[STATE_OF.IDLE_EMPTY]: {
		"call-next": "why_nobody_waiting", call: "why_nobody_waiting", qnum: "why_nobody_waiting",
		recall: "why_no_ticket", start: "why_no_ticket", finish: "why_no_ticket",
		"no-show": "why_no_ticket", transfer: "why_no_ticket",
	},
	[STATE_OF.IDLE_WAITING]: {
		recall: "why_no_ticket", start: "why_no_ticket", finish: "why_no_ticket",
		"no-show": "why_no_ticket", transfer: "why_no_ticket",
	},
	[STATE_OF.CALLED]: {
		"call-next": "why_visitor", call: "why_visitor", qnum: "why_visitor",
		finish: "why_not_started", break: "why_visitor", close: "why_visitor",
	},
	[STATE_OF.SERVING]: {
		"call-next": "why_visitor", call: "why_visitor", qnum: "why_visitor",
		recall: "why_started", start: "why_started", "no-show": "why_started",
		break: "why_visitor", close: "why_visitor",
	},
	[STATE_OF.BREAK]: {
		"call-next": "why_on_break", call: "why_on_break", qnum: "why_on_break",
		recall: "why_on_break", start: "why_on_break", finish: "why_on_break",
		"no-show": "why_on_break", transfer: "why_on_break",
	},
};

const WORK_ACTIONS = ["call-next", "recall", "start", "finish", "no-show", "transfer", "call",
	"qnum", "break", "close"];

// The table: for state `s` and the overlays { busy, offline, receipt, chosen_open } (a
// request in flight, the connection lost, a receipt to print, the chosen counter is
// open), returns a Map from every
// control of CONTROLS to { shown, enabled, reason } (reason: an i18n key, or null).
export function controls(s, o = {}) {
	const m = new Map(CONTROLS.map((k) => [k, { shown: false, enabled: false, reason: null }]));
	const stop = o.offline ? "why_offline" : o.busy ? "why_busy" : null;
	const set = (k, reason = null, shown = true) => m.set(k, { shown, enabled: !reason, reason });
	if (s === STATE_OF.SIGNED_OUT) {
		set("login", stop);
		return m;
	}
	set("sign-out", stop);
	set("issue", stop);
	if (o.receipt)
		set("print");
	if (s === STATE_OF.CLOSED) {
		set(o.chosen_open ? "use" : "open", stop);
	} else if (s === STATE_OF.ELSEWHERE) {
		set("move", stop);
		set("goto", stop);
	} else if (WORK.has(s)) {
		for (const k of WORK_ACTIONS)
			set(k, stop || WORK_REASONS[s][k] || null);
	}
	return m;
}
