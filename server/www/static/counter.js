// counter.js — the counter workstation (/counter). Staff sign in, choose a counter
// and the services they give there, and work the floor from the keyboard: call next
// (N), recall (R), start (S), finish (F), no-show (X), transfer (T), call a chosen
// number (C), a break and back (B). Shows the current ticket with its legs (from the
// action answers), the queues the counter serves with waiting times (re-read from GET
// /api/v1/floor, debounced, when events touch them), and the day's counts at this
// counter, kept in localStorage with the last seq counted so a reload resumes from
// there. Every button is enabled or disabled (with the reason as its description) by
// counter_state.js's one table, from the page's state; one request at a time, so
// nothing is sent twice. A user signed in at another counter is told where, and may
// move here or go there. The "New ticket" panel issues a ticket for a visitor at
// reception (with a priority class) and prints its receipt. Failed actions say why in
// plain words. Nothing about a visitor is logged or kept beyond the page.

import { TorgSocket } from "./torg.js";
import { Floor, translator, pick, fmt_wait, fmt_elapsed, fmt_clock, api } from "./common.js";
import { EVENT, STATE, POSITION, OP_PATH, PRIORITY } from "./protocol.js";
import { load_staff_strings, initial_lang, use_lang, lang_chooser, fmt_num, COUNTER_LANGS, staff_nav } from "./staff.js";
import { base_state, controls } from "./counter_state.js";

const REFETCH_MS = 250;
const BREAK = OP_PATH.BREAK;
const ACTIONS = [
	// [key, action path, label key]
	["N", OP_PATH.CALL_NEXT, "act_next"],
	["R", OP_PATH.RECALL, "act_recall"],
	["S", OP_PATH.START, "act_start"],
	["F", OP_PATH.FINISH, "act_finish"],
	["X", OP_PATH.NO_SHOW, "act_no_show"],
	["T", OP_PATH.TRANSFER, "act_transfer"],
	["C", OP_PATH.CALL, "act_call"],
	["B", BREAK, "act_break"],
];
// The buttons of counter.html the state table speaks for, by their control name.
const BUTTON_IDS = { login: "login-btn", "sign-out": "sign-out", open: "open-btn", use: "use-btn",
	move: "move-btn", goto: "goto-btn", close: "close-btn", issue: "issue-btn", print: "print-btn" };

const $ = (id) => document.getElementById(id);
const floor = new Floor();
let t = translator("nb");
let me = null; // the signed-in user, or null
let counter_id = localStorage.getItem("torg.counter.id") || null;
let working = false; // the work view is shown
let floor_seq = 0; // the seq the floor model is at
let skew = 0; // server time minus local time, ms
let counts = null;
let sock = null;
let refetch_timer = null;
let busy = false; // a request is in flight (an action, sign-in or -out, a ticket)
let pending_key = null; // the action of a shortcut pressed while busy, tried after it
let offline = false; // the WebSocket is lost and reconnecting
let receipt = null; // the last reception ticket issued here (memory only)

// ---- start-up ----

// Loads strings, asks who is signed in, reads the floor, and shows the right view in
// the staff language of this browser (staff.js; the floor's first by default).
async function main() {
	await load_staff_strings(COUNTER_LANGS);
	wire();
	await load_me();
	if (me && me.counter)
		counter_id = me.counter;
	await start_floor();
	set_lang(initial_lang(floor.snap && floor.snap.floor.languages, COUNTER_LANGS));
	route();
	setInterval(() => {
		if (working) {
			render_work(); // the clocks; the queue numbers are new buttons, so set them again
			apply_controls();
		}
	}, 1000);
}

// Reads the floor over HTTP, then follows it over the socket from the seq where the
// day's counts stopped (so events missed while the page was closed are counted).
async function start_floor() {
	let snap;
	try {
		snap = await api("GET", "/floor");
	} catch (e) {
		show_error(e);
		return;
	}
	load_snapshot(snap);
	sock = new TorgSocket({
		hello: {},
		on_snapshot: (s) => {
			load_snapshot(s);
			leave_if_closed();
			render();
		},
		on_event: on_event,
		on_status: (s) => {
			$("conn").hidden = s !== "reconnecting";
			offline = s === "reconnecting";
			apply_controls();
		},
	});
	sock.seq = counts && counts.seq <= snap.seq ? counts.seq : snap.seq;
	sock.start();
}

// Replaces the floor model and fixes up the day's counts.
function load_snapshot(snap) {
	floor.load(snap);
	floor_seq = snap.seq;
	skew = Date.parse(snap.server_time) - Date.now();
	load_counts(snap.day, snap.seq);
	if (counts && counts.seq > snap.seq)
		counts.seq = snap.seq;
}

// Applies one event: to the counts when not yet counted, to the floor when newer.
function on_event(ev) {
	if (counts && ev.seq > counts.seq) {
		count(ev);
		counts.seq = ev.seq;
		save_counts();
	}
	if (ev.seq <= floor_seq)
		return;
	floor_seq = ev.seq;
	floor.apply(ev);
	if (ev.kind === EVENT.DAY)
		load_counts(ev.day, ev.seq);
	const mine = my_services();
	const touched = [ev.ticket && ev.ticket.service, ev.from, ev.to].filter(Boolean);
	if (touched.some((s) => mine.includes(s)) || ev.kind === EVENT.DAY)
		schedule_refetch();
	if (!leave_if_closed())
		render();
}

// Leaves the work view when its counter was closed elsewhere (by a move, a manager or
// the day's end); true when it did.
function leave_if_closed() {
	if (!working || floor.counters.get(counter_id)?.open)
		return false;
	working = false;
	if (me && me.counter === counter_id)
		me.counter = null;
	route();
	return true;
}

// Asks who is signed in (and at which counter: me.counter, or null); me is null when
// nobody is.
async function load_me() {
	try {
		const r = await api("GET", "/me");
		me = { ...r.user, counter: r.counter ?? null };
	} catch (e) {
		me = null;
	}
}

// Re-reads the queues (numbers and times) after events, at most every REFETCH_MS.
function schedule_refetch() {
	clearTimeout(refetch_timer);
	refetch_timer = setTimeout(async () => {
		try {
			const snap = await api("GET", "/floor");
			for (const s of snap.services) {
				const mine = floor.services.get(s.id);
				if (mine)
					mine.queue = s.queue;
			}
			render();
		} catch (e) {
			// the connection mark already tells
		}
	}, REFETCH_MS);
}

// ---- counts for the day ----

// Loads this counter's counts for `day` from localStorage (new ones start at `seq`).
function load_counts(day, seq) {
	if (!counter_id) {
		counts = null;
		return;
	}
	let c = null;
	try {
		c = JSON.parse(localStorage.getItem(`torg.counter.counts.${counter_id}`));
	} catch (e) {
		c = null;
	}
	if (!c || c.day !== day)
		c = { day, seq, called: 0, done: 0, no_show: 0, transferred: 0 };
	counts = c;
	save_counts();
}

// Stores the counts.
function save_counts() {
	if (counts && counter_id)
		localStorage.setItem(`torg.counter.counts.${counter_id}`, JSON.stringify(counts));
}

// Counts one event that happened at this counter.
function count(ev) {
	if (ev.counter !== counter_id)
		return;
	const k = { [EVENT.CALLED]: "called", [EVENT.DONE]: "done", [EVENT.NO_SHOW]: "no_show",
		[EVENT.TRANSFERRED]: "transferred" }[ev.kind];
	if (k)
		counts[k]++;
}

// ---- views ----

// Shows login, set-up or work, as the state asks; the reception panel whenever
// someone is signed in.
function route() {
	const c = counter_id && floor.counters.get(counter_id);
	const show = !me ? "login" : working && c && c.open ? "work" : "setup";
	if (show === "work" && $("work").hidden)
		schedule_refetch(); // the queues may have changed while another view was shown
	working = show === "work";
	for (const v of ["login", "setup", "work"])
		$(v).hidden = v !== show;
	$("issue").hidden = !me;
	if (!me)
		clear_receipt();
	render();
	const first = { login: "user", setup: "counter-select", work: null }[show];
	if (first && !document.activeElement?.closest?.(`#${show}`))
		$(first).focus();
}

// Switches the staff UI language.
function set_lang(l) {
	t = use_lang(l);
	const texts = {
		"login-h": "sign_in", "user-label": "user_name", "password-label": "password", "login-btn": "sign_in",
		"setup-h": "counter_title", "counter-label": "choose_counter", "services-legend": "choose_services",
		"services-hint": "choose_services_hint", "open-btn": "open_counter", "use-btn": "use_counter",
		"current-h": "current", "legs-h": "legs", "actions-h": "counter_title", "queues-h": "queues",
		"counts-h": "today", "close-btn": "close_counter", "sign-out": "sign_out", "conn": "reconnecting",
		"shortcut-hint": "shortcut_hint", "transfer-h": "act_transfer", "transfer-service-label": "transfer_to",
		"front-label": "transfer_front", "back-label": "transfer_back", "transfer-ok": "confirm",
		"transfer-cancel": "cancel", "call-h": "act_call", "call-number-label": "call_number", "call-ok": "confirm",
		"call-cancel": "cancel", "ui-lang-label": "staff_language", "transfer-pos-legend": "act_transfer",
		"move-btn": "move_here", "elsewhere-hint": "elsewhere_hint", "issue-h": "issue_title",
		"issue-service-label": "issue_service", "issue-priority-legend": "issue_priority",
		"prio-normal-label": "priority_normal", "prio-appointment-label": "priority_appointment",
		"prio-accessibility-label": "priority_accessibility", "issue-btn": "issue_ticket",
		"print-btn": "issue_print", "r-label": "kiosk_your_number", "r-qr-text": "kiosk_qr",
	};
	for (const [id, key] of Object.entries(texts))
		$(id).textContent = t(key);
	$("r-qr").alt = t("kiosk_qr_alt");
	$("whys").replaceChildren();
	lang_chooser($("ui-lang"), l, set_lang, COUNTER_LANGS);
	render_buttons();
	render();
}

// Redraws whatever view is shown, then sets every button as the state table says.
function render() {
	const c = counter_id && floor.counters.get(counter_id);
	const fname = floor.snap ? pick(floor.snap.floor.name, t.lang) : "";
	$("title").textContent = working && c ? `${pick(c.name, t.lang)} · ${fname}` : `${t("counter_title")} · ${fname}`;
	document.title = $("title").textContent;
	$("who").textContent = me ? t("signed_in_as", { name: me.name }) : "";
	if (me)
		staff_nav($("staff-nav"), t, me, "/counter");
	else
		$("staff-nav").replaceChildren();
	if (!$("setup").hidden)
		render_setup();
	if (working)
		render_work();
	if (me)
		render_issue();
	apply_controls();
}

// The counter this user is signed in at when it is not the one chosen in the set-up
// view (and is open), else null.
function elsewhere() {
	const other = me && me.counter;
	const chosen = $("counter-select").value || counter_id;
	if (!other || other === chosen || !floor.counters.get(other)?.open)
		return null;
	return floor.counters.get(chosen)?.open ? null : other;
}

// How many wait in the queues of the counter's services.
function waiting_here() {
	return my_services().reduce((n, id) => n + (floor.services.get(id)?.waiting || 0), 0);
}

// The page's state, for the table.
function page_state() {
	return base_state({ me, working, counter: counter_id && floor.counters.get(counter_id),
		waiting: waiting_here(), elsewhere: elsewhere() });
}

// The table's answer for now.
function table() {
	const chosen = floor.counters.get($("counter-select").value);
	return controls(page_state(), { busy, offline, receipt: !!receipt, chosen_open: !!chosen?.open });
}

// The hidden element that says reason `key` (for aria-describedby), made once.
function why_el(key) {
	const id = `why-${key}`;
	if (!document.getElementById(id)) {
		const s = document.createElement("span");
		s.id = id;
		s.textContent = t(key);
		$("whys").append(s);
	}
	return id;
}

// Sets one button as the table says: hidden or shown, enabled or disabled with its
// reason as tooltip and description.
function set_button(b, ctl) {
	b.hidden = !ctl.shown;
	b.disabled = !ctl.enabled;
	if (ctl.reason) {
		b.title = t(ctl.reason);
		b.setAttribute("aria-describedby", why_el(ctl.reason));
	} else {
		b.removeAttribute("title");
		b.removeAttribute("aria-describedby");
	}
	b.dataset.state = !ctl.shown ? "hidden" : ctl.enabled ? "enabled" : "disabled";
}

// Applies the table to every button it speaks for; when that takes the focus from a
// work button, gives it to the first one that can be pressed.
function apply_controls() {
	const m = table();
	const had = document.activeElement;
	for (const [ctl, id] of Object.entries(BUTTON_IDS))
		set_button($(id), m.get(ctl));
	for (const b of $("buttons").querySelectorAll("button"))
		set_button(b, m.get(b.dataset.action));
	for (const b of $("queues").querySelectorAll(".qnum"))
		set_button(b, m.get("qnum"));
	const c = counter_id && floor.counters.get(counter_id);
	const brk = document.querySelector(`[data-action="${BREAK}"] .label`);
	if (brk)
		brk.textContent = t(c && c.on_break ? "act_back" : "act_break");
	const other = elsewhere();
	$("elsewhere").hidden = !other;
	if (other) {
		const name = pick(floor.counters.get(other).name, t.lang);
		$("elsewhere-text").textContent = t("signed_in_elsewhere", { counter: name });
		$("goto-btn").textContent = t("go_to_counter", { counter: name });
	}
	document.body.dataset.state = page_state();
	if (!busy && had && had.closest && had.closest("#work") && had.disabled)
		refocus(had);
}

// Gives the focus back to `el` after a request, or, when it cannot be pressed now, to
// the first work button that can.
function refocus(el) {
	if (el && el.isConnected && !el.disabled && !el.hidden)
		el.focus();
	else if (working)
		$("buttons").querySelector("button:not([disabled])")?.focus();
}

// The counter chooser and the service boxes.
function render_setup() {
	if (!floor.snap)
		return;
	const sel = $("counter-select");
	const chosen = sel.value || counter_id || "";
	sel.replaceChildren(...[...floor.counters.values()].map((c) => {
		const o = new Option(`${pick(c.name, t.lang)}${c.open ? ` (${t("counter_is_open")})` : ""}`, c.id);
		o.selected = c.id === chosen;
		return o;
	}));
	const c = floor.counters.get(sel.value);
	const allowed = me && me.services && me.services.length ? me.services : null;
	const gives = c && Array.isArray(c.gives) ? c.gives : null;
	const shown = [...floor.services.values()].filter((s) =>
		(!allowed || allowed.includes(s.id)) && (!gives || gives.includes(s.id)));
	const remembered = remembered_services(sel.value);
	const known = c && c.open ? c.services
		: remembered.length ? remembered : shown.map((s) => s.id);
	const box = $("service-boxes");
	const was = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
	const keep = box.dataset.counter === sel.value;
	box.dataset.counter = sel.value;
	box.replaceChildren(...shown.map((s) => {
		const l = document.createElement("label");
		l.className = "check";
		const i = document.createElement("input");
		i.type = "checkbox";
		i.value = s.id;
		i.checked = keep ? was.has(s.id) : known.includes(s.id);
		l.append(i, " ", pick(s.name, t.lang));
		return l;
	}));
}

// The services last used at counter `id` on this workstation.
function remembered_services(id) {
	try {
		return JSON.parse(localStorage.getItem(`torg.counter.services.${id}`)) || [];
	} catch (e) {
		return [];
	}
}

// The services of the chosen counter (empty when closed).
function my_services() {
	const c = counter_id && floor.counters.get(counter_id);
	return c && c.open ? c.services : [];
}

// The action buttons, each with its shortcut key.
function render_buttons() {
	const div = $("buttons");
	div.replaceChildren(...ACTIONS.map(([key, path, label]) => {
		const b = document.createElement("button");
		b.type = "button";
		b.className = path === OP_PATH.CALL_NEXT ? "primary act" : "act";
		b.dataset.action = path;
		b.setAttribute("aria-keyshortcuts", key);
		const k = document.createElement("kbd");
		k.textContent = key;
		k.setAttribute("aria-hidden", "true");
		const span = document.createElement("span");
		span.className = "label";
		span.textContent = t(label);
		b.append(k, " ", span);
		b.addEventListener("click", () => act(path));
		return b;
	}));
}

// The current ticket (or the break), its legs, the queues and the counts.
function render_work() {
	const c = floor.counters.get(counter_id);
	if (!c)
		return;
	const now = Date.now() + skew;
	const cur = c.current;
	const body = $("current-body");
	const legs = $("legs");
	if (!cur) {
		if (c.on_break)
			body.replaceChildren(p_el("on-break", t("on_break_now")), ...(c.break_since
				? [p_el("cur-state", `${t("act_break")} · ${fmt_elapsed((now - Date.parse(c.break_since)) / 1000)}`)] : []));
		else
			body.replaceChildren(p_el("empty", t(waiting_here() ? "no_current" : "no_current_none")));
		legs.replaceChildren();
		$("legs-h").hidden = true;
	} else {
		const s = floor.services.get(cur.service);
		const since = cur.state === STATE.SERVING ? cur.started_at : cur.called_at;
		const num = p_el("cur-number", cur.number);
		num.id = "cur-number";
		body.replaceChildren(num,
			p_el("cur-service", s ? pick(s.name, t.lang) : cur.service),
			p_el(`cur-state state-${cur.state}`, `${t(`state_${cur.state}`)} · ${fmt_elapsed((now - Date.parse(since)) / 1000)}`));
		const tk = stored_ticket(cur);
		$("legs-h").hidden = !tk;
		legs.replaceChildren(...(tk ? tk.legs : []).map((l) => {
			const ls = floor.services.get(l.service);
			const wait = l.called_at ? l.wait_s : (now - Date.parse(l.queued_at)) / 1000;
			const li = document.createElement("li");
			li.textContent = `${t("leg_line", { service: ls ? pick(ls.name, t.lang) : l.service, wait: fmt_elapsed(wait) })} · ${t(l.outcome ? `outcome_${l.outcome}` : "outcome_now")}`;
			return li;
		}));
	}
	render_queues(now);
	render_counts();
}

// A <p> with a class and a text.
function p_el(cls, text) {
	const p = document.createElement("p");
	p.className = cls;
	p.textContent = text;
	return p;
}

// The queues of the counter's services: figures and the waiting numbers (buttons
// that call that number).
function render_queues(now) {
	const div = $("queues");
	const mine = my_services();
	const total = waiting_here();
	const parts = mine.map((id) => floor.services.get(id)).filter(Boolean).map((s) => {
		const sec = document.createElement("section");
		sec.className = "queue";
		sec.dataset.service = s.id;
		const h = document.createElement("h3");
		h.textContent = pick(s.name, t.lang);
		const fig = p_el("fig", [t("waiting_n", { n: s.waiting }),
			s.waiting ? t("longest", { time: fmt_elapsed(s.longest_wait_s) }) : null,
			s.waiting && s.eta_s >= 0 ? fmt_wait(t, s.eta_s) : null].filter(Boolean).join(" · "));
		const ol = document.createElement("ol");
		for (const q of (s.queue || []).slice(0, 12)) {
			const li = document.createElement("li");
			const b = document.createElement("button");
			b.type = "button";
			b.className = "qnum";
			b.dataset.number = q.number;
			b.textContent = q.number;
			b.addEventListener("click", () => act(OP_PATH.CALL, { number: q.number }, "qnum"));
			const w = document.createElement("span");
			w.className = "waited";
			w.textContent = fmt_elapsed((now - Date.parse(q.queued_at)) / 1000);
			li.append(b, w);
			ol.append(li);
		}
		sec.append(h, fig, ol);
		return sec;
	});
	if (!total)
		parts.unshift(p_el("empty", t("nothing_waiting")));
	const focused = document.activeElement?.dataset?.number;
	div.replaceChildren(...parts);
	if (focused)
		div.querySelector(`[data-number="${CSS.escape(focused)}"]`)?.focus();
}

// The day's counts at this counter, and what waits now.
function render_counts() {
	const dl = $("counts");
	const rows = [["count_called", counts?.called ?? 0], ["count_done", counts?.done ?? 0],
		["count_no_show", counts?.no_show ?? 0], ["count_transferred", counts?.transferred ?? 0],
		["count_waiting", waiting_here()]];
	dl.replaceChildren(...rows.flatMap(([k, v]) => {
		const dt = document.createElement("dt");
		dt.textContent = t(k);
		const dd = document.createElement("dd");
		dd.dataset.count = k;
		dd.textContent = fmt_num(t.lang, v);
		return [dt, dd];
	}));
}

// The last action answer's ticket, when it is the counter's current ticket.
function stored_ticket(cur) {
	try {
		const tk = JSON.parse(localStorage.getItem(`torg.counter.ticket.${counter_id}`));
		return tk && tk.number === cur.number && tk.leg === cur.leg ? tk : null;
	} catch (e) {
		return null;
	}
}

// ---- the reception ticket ----

// The services a ticket may be issued for (closed ones shown, not choosable), keeping
// the choice; the counter's own first.
function render_issue() {
	const sel = $("issue-service");
	const chosen = (sel.dataset.chosen && sel.value) || my_services()[0] || sel.value;
	const list = [...floor.services.values()].filter((s) => !s.retired);
	const sig = JSON.stringify([t.lang, chosen, list.map((s) => [s.id, s.open])]);
	if (receipt)
		fill_receipt();
	if (sel.dataset.sig === sig)
		return; // unchanged: an open list stays open
	sel.dataset.sig = sig;
	sel.replaceChildren(...list.map((s) => {
		const o = new Option(s.open === false ? `${pick(s.name, t.lang)} (${t("kiosk_closed")})` : pick(s.name, t.lang), s.id);
		o.disabled = s.open === false;
		o.selected = s.id === chosen;
		return o;
	}));
}

// Issues a ticket for the chosen service and priority with the staff session.
async function issue() {
	if (!table().get("issue").enabled)
		return;
	const priority = document.querySelector('input[name="priority"]:checked').value;
	const body = { service: $("issue-service").value, priority };
	if (floor.snap && floor.snap.floor.languages.includes(t.lang))
		body.lang = t.lang;
	show_error(null);
	const done = await in_flight(async () => {
		try {
			receipt = (await api("POST", "/tickets", body)).ticket;
			show_msg(t("issued_ok", { number: receipt.number }));
			return true;
		} catch (e) {
			show_error(e);
			return false;
		}
	});
	if (done)
		$("print-btn").focus();
}

// Writes the receipt of the ticket last issued: floor, number, service, time, QR.
function fill_receipt() {
	const s = floor.services.get(receipt.service);
	const tz = floor.snap && floor.snap.floor.timezone;
	$("r-floor").textContent = floor.snap ? pick(floor.snap.floor.name, t.lang) : "";
	$("r-number").textContent = receipt.number;
	$("r-service").textContent = s ? pick(s.name, t.lang) : receipt.service;
	$("r-time").textContent = t("kiosk_issued", { time: fmt_clock(receipt.issued_at, tz, t.lang) });
	const src = `/api/v1/tickets/${encodeURIComponent(receipt.id)}/qr.svg`;
	if ($("r-qr").getAttribute("src") !== src)
		$("r-qr").src = src;
	$("r-priority").textContent = t("issued_priority", { priority: t(`priority_${receipt.priority}`) });
	$("r-priority").hidden = false;
	$("receipt").hidden = false;
}

// Forgets the receipt (signed out: the next user must not print it).
function clear_receipt() {
	receipt = null;
	$("receipt").hidden = true;
	$("r-priority").hidden = true;
	$("r-qr").removeAttribute("src");
}

// Prints the receipt once its QR code has loaded (or failed to: the number is what
// matters).
function print_receipt() {
	const qr = $("r-qr");
	if (qr.complete) {
		window.print();
		return;
	}
	const go = () => {
		qr.removeEventListener("load", go);
		qr.removeEventListener("error", go);
		window.print();
	};
	qr.addEventListener("load", go);
	qr.addEventListener("error", go);
}

// ---- actions ----

// Runs one counter action (`path` as in the API) when the table allows it, else says
// why; the transfer and call forms ask first. `ctl` is the control pressed when it is
// not the action's own button (a queue number).
function act(path, body, ctl = path) {
	if (!working)
		return;
	const c = table().get(ctl);
	if (!c.enabled) {
		show_msg(t(c.reason));
		return;
	}
	if (path === OP_PATH.TRANSFER && !body)
		return open_transfer();
	if (path === OP_PATH.CALL && !body)
		return open_call();
	if (path === BREAK)
		body = { on: !floor.counters.get(counter_id).on_break };
	run_act(path, body);
}

// Runs fn (a request) as the one in flight: the table disables what would conflict
// until it is answered. A shortcut pressed meanwhile (the socket may show the new
// state before the answer comes) is tried then, against the state the answer left.
async function in_flight(fn) {
	const was = document.activeElement;
	busy = true;
	apply_controls();
	try {
		return await fn();
	} finally {
		busy = false;
		render();
		if (!document.activeElement || document.activeElement === document.body)
			refocus(was);
		const k = pending_key;
		pending_key = null;
		if (k)
			act(k);
	}
}

// Sends one action and shows its outcome.
async function run_act(path, body) {
	show_error(null);
	show_msg(null);
	await in_flight(async () => {
		try {
			const r = await api("POST", `/counters/${encodeURIComponent(counter_id)}/${path}`, body);
			if (!r) {
				show_msg(t("none_waiting_ok"));
			} else {
				apply_answer(r);
				if (r.ticket && (path === OP_PATH.CALL_NEXT || path === OP_PATH.CALL))
					show_msg(t("called_ok", { number: r.ticket.number, counter: pick(r.counter.name, t.lang) }));
			}
		} catch (e) {
			show_error(e);
		}
	});
}

// Takes an action answer's counter and ticket into the model at once.
function apply_answer(r) {
	if (r.counter) {
		const c = floor.counters.get(r.counter.id);
		if (c)
			Object.assign(c, r.counter);
	}
	if (r.ticket && r.counter && r.counter.current && r.counter.current.number === r.ticket.number)
		localStorage.setItem(`torg.counter.ticket.${counter_id}`, JSON.stringify(r.ticket));
}

// Opens the transfer dialog.
function open_transfer() {
	const sel = $("transfer-service");
	const cur = floor.counters.get(counter_id)?.current;
	sel.replaceChildren(...[...floor.services.values()].filter((s) => !s.retired && (!cur || s.id !== cur.service))
		.map((s) => new Option(pick(s.name, t.lang), s.id)));
	$("transfer-dlg").showModal();
	sel.focus();
}

// Opens the call-a-number dialog.
function open_call() {
	$("call-number").value = "";
	$("call-dlg").showModal();
	$("call-number").focus();
}

// Opens counter `id` (services as ticked; move: close the user's other counter first)
// and goes to work there.
async function open_counter(id, move) {
	const services = [...$("service-boxes").querySelectorAll("input:checked")].map((i) => i.value);
	const body = services.length ? { services } : {};
	if (move)
		body.move = true;
	show_error(null);
	await in_flight(async () => {
		try {
			const r = await api("POST", `/counters/${encodeURIComponent(id)}/${OP_PATH.OPEN}`, body);
			choose_counter(id);
			apply_answer(r);
			if (move && me.counter && me.counter !== id)
				Object.assign(floor.counters.get(me.counter) || {}, { open: false, services: [], on_break: false });
			me.counter = id;
			localStorage.setItem(`torg.counter.services.${id}`, JSON.stringify(r.counter.services));
			working = true;
		} catch (err) {
			if (err.code === "signed_in_elsewhere")
				await load_me();
			show_error(err, move ? me.counter : null);
		}
	});
	if (working) {
		route();
		refocus(null); // call next, or what can be pressed first
	}
}

// Goes to work at the open counter `id` (`ctl`: the control pressed).
function go_to(id, ctl) {
	if (!table().get(ctl).enabled)
		return;
	choose_counter(id);
	$("counter-select").value = id;
	working = true;
	show_msg(null);
	show_error(null);
	route();
	refocus(null);
}

// Shows a plain-words error: our text for known codes, else the server's message.
// `other` names the counter a refused move was from.
function show_error(e, other) {
	const el = $("err");
	if (!e) {
		el.hidden = true;
		return;
	}
	let msg = t(`err_${e.code}`, { message: e.message });
	if (msg === `err_${e.code}`)
		msg = e.message;
	if (e.code === "counter_busy" && other)
		msg = t("err_move_busy", { counter: pick(floor.counters.get(other)?.name, t.lang) || other });
	if (e.status === 401 && e.code === "unauthorized") {
		msg = t("err_signed_out");
		me = null;
		working = false;
		route();
	}
	el.textContent = msg;
	el.hidden = false;
}

// Shows (or hides, with null) a confirmation line.
function show_msg(text) {
	$("msg").hidden = !text;
	$("msg").textContent = text || "";
}

// ---- wiring ----

// Attaches the forms, buttons and keyboard shortcuts.
function wire() {
	// The radios send the protocol's names (counter.html's value attributes are only
	// placeholders).
	$("front-label").closest("label").querySelector("input").value = POSITION.FRONT;
	$("back-label").closest("label").querySelector("input").value = POSITION.BACK;
	for (const p of [PRIORITY.NORMAL, PRIORITY.APPOINTMENT, PRIORITY.ACCESSIBILITY])
		$(`prio-${p}-label`).closest("label").querySelector("input").value = p;
	$("login-form").addEventListener("submit", async (e) => {
		e.preventDefault();
		if (!table().get("login").enabled)
			return;
		show_error(null);
		await in_flight(async () => {
			try {
				const r = await api("POST", "/login", { name: $("user").value, password: $("password").value });
				$("password").value = "";
				await load_me();
				me = me || r.user;
				if (me.counter)
					counter_id = me.counter;
				$("counter-select").value = counter_id || "";
			} catch (err) {
				show_error(err);
			}
		});
		route();
	});
	$("counter-select").addEventListener("change", () => render());
	$("setup-form").addEventListener("submit", (e) => {
		e.preventDefault();
		if (table().get("open").enabled)
			open_counter($("counter-select").value, false);
	});
	$("use-btn").addEventListener("click", () => go_to($("counter-select").value, "use"));
	$("move-btn").addEventListener("click", () => {
		if (table().get("move").enabled)
			open_counter($("counter-select").value, true);
	});
	$("goto-btn").addEventListener("click", () => go_to(me.counter, "goto"));
	$("close-btn").addEventListener("click", async () => {
		if (!table().get("close").enabled)
			return;
		show_error(null);
		await in_flight(async () => {
			try {
				apply_answer(await api("POST", `/counters/${encodeURIComponent(counter_id)}/${OP_PATH.CLOSE}`));
				working = false;
				if (me.counter === counter_id)
					me.counter = null;
				show_msg(null);
			} catch (err) {
				show_error(err);
			}
		});
		route();
	});
	$("sign-out").addEventListener("click", async () => {
		if (!table().get("sign-out").enabled)
			return;
		await in_flight(async () => {
			try {
				await api("POST", "/logout");
			} catch (e) {
				// signed out either way
			}
		});
		me = null;
		working = false;
		show_msg(null);
		route();
	});
	$("issue-form").addEventListener("submit", (e) => {
		e.preventDefault();
		issue();
	});
	$("print-btn").addEventListener("click", () => print_receipt());
	$("issue-service").addEventListener("change", () => {
		$("issue-service").dataset.chosen = "1";
	});
	$("transfer-dlg").addEventListener("close", () => {
		if ($("transfer-dlg").returnValue !== "ok")
			return;
		const position = document.querySelector('input[name="pos"]:checked').value;
		act(OP_PATH.TRANSFER, { service: $("transfer-service").value, position });
	});
	$("call-dlg").addEventListener("close", () => {
		const n = $("call-number").value.trim().toUpperCase();
		if ($("call-dlg").returnValue === "ok" && n)
			act(OP_PATH.CALL, { number: n });
	});
	document.addEventListener("keydown", (e) => {
		if (!working || e.repeat || e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]"))
			return;
		const tag = e.target.tagName;
		if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA")
			return;
		const a = ACTIONS.find(([key]) => key === e.key.toUpperCase());
		if (!a)
			return;
		e.preventDefault();
		if (busy)
			pending_key = a[1]; // checked against the table once the answer is in
		else
			act(a[1]);
	});
}

// Makes `id` this workstation's counter.
function choose_counter(id) {
	if (id !== counter_id) {
		counter_id = id;
		localStorage.setItem("torg.counter.id", id);
		load_counts(floor.snap.day, floor_seq);
	}
}

main();
