// counter.js — the counter workstation (/counter). Staff sign in, choose a counter
// and the services they give there, and work the floor from the keyboard: call next
// (N), recall (R), start (S), finish (F), no-show (X), transfer (T), call a chosen
// number (C). Shows the current ticket with its legs (from the action answers), the
// queues the counter serves with waiting times (re-read from GET /api/v1/floor,
// debounced, when events touch them), and the day's counts at this counter, kept
// in localStorage with the last seq counted so a reload resumes from there. Failed
// actions say why in plain words.

import { TorgSocket } from "./torg.js";
import { Floor, translator, pick, fmt_wait, fmt_elapsed, api } from "./common.js";
import { EVENT, STATE, POSITION, OP_PATH } from "./protocol.js";
import { load_staff_strings, initial_lang, use_lang, lang_chooser, fmt_num } from "./staff.js";

const REFETCH_MS = 250;
const ACTIONS = [
	// [key, action path, label key, needs a form]
	["N", OP_PATH.CALL_NEXT, "act_next"],
	["R", OP_PATH.RECALL, "act_recall"],
	["S", OP_PATH.START, "act_start"],
	["F", OP_PATH.FINISH, "act_finish"],
	["X", OP_PATH.NO_SHOW, "act_no_show"],
	["T", OP_PATH.TRANSFER, "act_transfer", true],
	["C", OP_PATH.CALL, "act_call", true],
];

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
let chain = Promise.resolve(); // counter actions, in order

// ---- start-up ----

// Loads strings, asks who is signed in, reads the floor, and shows the right view in
// the staff language of this browser (staff.js; the floor's first by default).
async function main() {
	await load_staff_strings();
	wire();
	try {
		me = (await api("GET", "/me")).user;
	} catch (e) {
		me = null;
	}
	await start_floor();
	set_lang(initial_lang(floor.snap && floor.snap.floor.languages));
	route();
	setInterval(() => working && render_work(), 1000);
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
			render();
		},
		on_event: on_event,
		on_status: (s) => {
			$("conn").hidden = s !== "reconnecting";
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
	render();
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

// Shows login, set-up or work, as the state asks.
function route() {
	const c = counter_id && floor.counters.get(counter_id);
	const show = !me ? "login" : working && c && c.open ? "work" : "setup";
	if (show === "work" && $("work").hidden)
		schedule_refetch(); // the queues may have changed while another view was shown
	working = show === "work";
	for (const v of ["login", "setup", "work"])
		$(v).hidden = v !== show;
	$("sign-out").hidden = !me;
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
	};
	for (const [id, key] of Object.entries(texts))
		$(id).textContent = t(key);
	lang_chooser($("ui-lang"), l, set_lang);
	render_buttons();
	render();
}

// Redraws whatever view is shown.
function render() {
	const c = counter_id && floor.counters.get(counter_id);
	const fname = floor.snap ? pick(floor.snap.floor.name, t.lang) : "";
	$("title").textContent = working && c ? `${pick(c.name, t.lang)} · ${fname}` : `${t("counter_title")} · ${fname}`;
	document.title = $("title").textContent;
	$("who").textContent = me ? t("signed_in_as", { name: me.name }) : "";
	if (!$("setup").hidden)
		render_setup();
	if (working)
		render_work();
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
	$("use-btn").hidden = !(c && c.open);
	$("open-btn").hidden = !!(c && c.open);
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
		b.append(k, " ", t(label));
		b.addEventListener("click", () => act(path));
		return b;
	}));
}

// The current ticket, its legs, the queues and the counts.
function render_work() {
	const c = floor.counters.get(counter_id);
	if (!c)
		return;
	const now = Date.now() + skew;
	const cur = c.current;
	const body = $("current-body");
	const legs = $("legs");
	if (!cur) {
		body.replaceChildren(p_el("empty", t("no_current")));
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
	const total = mine.reduce((n, id) => n + (floor.services.get(id)?.waiting || 0), 0);
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
			b.addEventListener("click", () => act(OP_PATH.CALL, { number: q.number }));
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
	const mine = my_services();
	const waiting = mine.reduce((n, id) => n + (floor.services.get(id)?.waiting || 0), 0);
	const rows = [["count_called", counts?.called ?? 0], ["count_done", counts?.done ?? 0],
		["count_no_show", counts?.no_show ?? 0], ["count_transferred", counts?.transferred ?? 0],
		["count_waiting", waiting]];
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

// ---- actions ----

// Runs one counter action (`path` as in the API); forms ask first for transfer/call.
// Actions run one after another in the order asked, so a key pressed while the
// previous request is still out is not lost.
function act(path, body) {
	if (!working)
		return;
	if (path === OP_PATH.TRANSFER && !body)
		return open_transfer();
	if (path === OP_PATH.CALL && !body)
		return open_call();
	chain = chain.then(() => run_act(path, body));
}

// Sends one action and shows its outcome.
async function run_act(path, body) {
	if (!working)
		return;
	show_error(null);
	show_msg(null);
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
	} finally {
		render();
	}
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
	sel.replaceChildren(...[...floor.services.values()].filter((s) => !cur || s.id !== cur.service)
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

// Shows a plain-words error: our text for known codes, else the server's message.
function show_error(e) {
	const el = $("err");
	if (!e) {
		el.hidden = true;
		return;
	}
	let msg = t(`err_${e.code}`, { message: e.message });
	if (msg === `err_${e.code}`)
		msg = e.message;
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
	// The transfer dialog's radios send the protocol's position names (counter.html's
	// value attributes are only placeholders).
	$("front-label").closest("label").querySelector("input").value = POSITION.FRONT;
	$("back-label").closest("label").querySelector("input").value = POSITION.BACK;
	$("login-form").addEventListener("submit", async (e) => {
		e.preventDefault();
		show_error(null);
		try {
			const r = await api("POST", "/login", { name: $("user").value, password: $("password").value });
			me = r.user;
			$("password").value = "";
			route();
		} catch (err) {
			show_error(err);
		}
	});
	$("counter-select").addEventListener("change", () => render_setup());
	$("setup-form").addEventListener("submit", async (e) => {
		e.preventDefault();
		const id = $("counter-select").value;
		const services = [...$("service-boxes").querySelectorAll("input:checked")].map((i) => i.value);
		show_error(null);
		try {
			const r = await api("POST", `/counters/${encodeURIComponent(id)}/${OP_PATH.OPEN}`, services.length ? { services } : {});
			choose_counter(id);
			apply_answer(r);
			localStorage.setItem(`torg.counter.services.${id}`, JSON.stringify(r.counter.services));
			working = true;
			route();
			document.querySelector(`[data-action="${OP_PATH.CALL_NEXT}"]`).focus();
		} catch (err) {
			show_error(err);
		}
	});
	$("use-btn").addEventListener("click", () => {
		choose_counter($("counter-select").value);
		working = true;
		route();
		document.querySelector(`[data-action="${OP_PATH.CALL_NEXT}"]`).focus();
	});
	$("close-btn").addEventListener("click", async () => {
		show_error(null);
		try {
			apply_answer(await api("POST", `/counters/${encodeURIComponent(counter_id)}/${OP_PATH.CLOSE}`));
			working = false;
			show_msg(null);
			route();
		} catch (err) {
			show_error(err);
		}
	});
	$("sign-out").addEventListener("click", async () => {
		try {
			await api("POST", "/logout");
		} catch (e) {
			// signed out either way
		}
		me = null;
		working = false;
		show_msg(null);
		route();
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
