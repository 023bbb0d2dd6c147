// kiosk.js — the touch kiosk (/kiosk and /kiosk/{id}): language choice, the floor's
// services as big buttons (closed ones disabled, saying when they open), and the
// ticket: number, position, estimated wait and a QR code to the phone page, printed
// on the kiosk's receipt printer through the browser's print path. Goes back to the
// start screen after the floor's kiosks.idle_s (floor.kiosk_idle_s in the snapshot,
// 60 s by default) without a touch, counting down on the ticket screen; any touch
// starts the time again. Fits every service on one screen of any shape (fit_services).
// Set-up through the URL fragment, read once
// and kept in localStorage: #key=KIOSKKEY (sent as X-Torg-Kiosk when the floor's
// policy is "key") and #print=auto|button|off (print each ticket by itself, offer a
// print button — the default —, or there is no printer). Above the services: today's
// exception of the opening hours ("Julaften: Stengt i dag") and the floor's messages
// for kiosks while they show (from/until by the server's clock); a ticket refused for
// a closed service says when it opens and the day's note.

import { TorgSocket } from "./torg.js";
import { Floor, LANG_NAMES, load_strings, translator, apply_lang, pick, fmt_wait, fmt_opens, fmt_clock, api,
	active_messages, today_notice } from "./common.js";
import { icon } from "./icons.js";

const IDLE_S = 60; // until the snapshot says floor.kiosk_idle_s
const MIN_K = 0.6; // the smallest a label shrinks to before its words may break
const MAX_LINES = 3; // of a service name
const K_TOLERANCE = 0.1; // a label this much smaller is worth the larger cells (steadier across languages)
const MAX_COLS = 8; // of the service grid (64 services still get 64 px high buttons, scrolling)
const REFRESH_MS = 60000; // opening hours change without events: re-read the floor

const $ = (id) => document.getElementById(id);
const floor = new Floor();
let langs = ["nb"];
let lang = null; // the visitor's choice; null means the floor's first language
let t = translator("nb");
let idle_s = IDLE_S;
let deadline = Infinity; // Date.now() when the screen goes back to the start
let busy = false;
let ticket = null;
let clock_skew = 0; // server time minus local time, ms
let notices_key = ""; // what render_notices drew
let shown_error = null; // the error shown, said again in a newly chosen language

// Reads #key= and #print= once into localStorage and clears the fragment.
function read_setup() {
	const h = new URLSearchParams(location.hash.replace(/^#/, ""));
	let changed = false;
	for (const k of ["key", "print"]) {
		if (h.has(k)) {
			const v = h.get(k);
			if (v)
				localStorage.setItem(`torg.kiosk.${k}`, v);
			else
				localStorage.removeItem(`torg.kiosk.${k}`);
			changed = true;
		}
	}
	if (changed)
		history.replaceState(null, "", location.pathname + location.search);
}

// The print mode: "auto", "button" or "off".
function print_mode() {
	const m = localStorage.getItem("torg.kiosk.print");
	return m === "auto" || m === "off" ? m : "button";
}

// Starts the page: strings, socket, idle watch and periodic refresh.
async function main() {
	read_setup();
	window.addEventListener("hashchange", read_setup);
	await load_strings("nb");
	render_static();
	new TorgSocket({
		hello: {},
		on_snapshot: async (snap) => {
			floor.load(snap);
			clock_skew = Date.parse(snap.server_time) - Date.now();
			langs = snap.floor.languages || ["nb"];
			if (Number.isInteger(snap.floor.kiosk_idle_s) && snap.floor.kiosk_idle_s > 0)
				idle_s = snap.floor.kiosk_idle_s;
			await Promise.all(langs.map((l) => load_strings(l)));
			set_lang(lang);
		},
		on_event: (ev) => {
			floor.apply(ev);
			render_services();
		},
		on_status: (s) => {
			$("conn").hidden = s !== "reconnecting";
		},
	}).start();
	setInterval(refresh, REFRESH_MS);
	setInterval(tick, 250);
	for (const ev of ["pointerdown", "keydown", "touchstart"])
		document.addEventListener(ev, poke, { passive: true });
	// the grid's room changes with the screen, an error or the connection line shown
	new ResizeObserver(fit_services).observe($("services"));
	document.fonts.ready.then(fit_services);
	$("done").addEventListener("click", reset);
	$("print").addEventListener("click", () => print_ticket());
}

// Re-reads the floor over HTTP so opening hours stay right.
async function refresh() {
	try {
		const snap = await api("GET", "/floor");
		const calls = floor.calls;
		floor.load(snap);
		floor.calls = calls;
		render_services();
		render_notices();
	} catch (e) {
		// the socket's status already shows a lost connection
	}
}

// Any touch or key: restart the idle time.
function poke() {
	deadline = Date.now() + idle_s * 1000;
	countdown();
}

// Four times a second: the countdown, and after the idle time (not while a ticket is
// being taken) back to the start screen in the floor's first language.
function tick() {
	if (notices_state() !== notices_key)
		render_notices();
	if (Date.now() < deadline) {
		countdown();
		return;
	}
	if (busy)
		return;
	deadline = Infinity;
	reset();
	set_lang(null);
}

// "Back to the start in 12 s" on the ticket screen.
function countdown() {
	const el = $("countdown");
	el.hidden = !ticket;
	if (ticket)
		el.textContent = t("kiosk_returning", { s: Math.max(0, Math.ceil((deadline - Date.now()) / 1000)) });
}

// Switches the visitor language (null: the floor's default) and redraws.
function set_lang(l) {
	lang = l;
	t = translator(l || langs[0] || "nb");
	render_static();
	render_langs();
	render_services();
	render_notices();
	if (shown_error)
		show_error(shown_error);
	if (ticket)
		render_ticket();
}

// Texts that depend only on the language.
function render_static() {
	apply_lang(t);
	const name = floor.snap ? pick(floor.snap.floor.name, t.lang) : "";
	$("floor-name").textContent = name || "\u00a0";
	document.title = name || "torg";
	$("choose").textContent = t("kiosk_choose_service");
	$("langs-label").textContent = t("kiosk_choose_language");
	$("conn").textContent = t("reconnecting");
	$("print").textContent = t("kiosk_print");
	$("done").textContent = t("kiosk_done");
}

// What render_notices shows now (in the visitor's language), to redraw on a change.
function notices_state() {
	const msgs = active_messages(floor.snap, Date.now() + clock_skew);
	return JSON.stringify([t.lang, today_notice(t, floor.snap), msgs.map((m) => m.id)]);
}

// Today's exception and the messages showing now, in the visitor's language.
function render_notices() {
	const el = $("notices");
	const items = [];
	const today = today_notice(t, floor.snap);
	if (today) {
		const p = document.createElement("p");
		p.className = "today";
		p.textContent = today;
		items.push(p);
	}
	for (const m of active_messages(floor.snap, Date.now() + clock_skew)) {
		const p = document.createElement("p");
		p.className = "msg";
		p.dataset.id = m.id;
		p.textContent = pick(m.text, t.lang);
		items.push(p);
	}
	el.replaceChildren(...items);
	const was = el.hidden;
	el.hidden = !items.length;
	notices_key = notices_state();
	if (was !== el.hidden || items.length)
		fit_services(); // the grid's room changed (the ResizeObserver sees it too)
}

// The language buttons, each labelled in its own language.
function render_langs() {
	const nav = $("langs");
	const label = $("langs-label");
	nav.replaceChildren(label, ...langs.map((l) => {
		const b = document.createElement("button");
		b.type = "button";
		b.lang = l;
		b.dir = translator(l).dir;
		b.textContent = LANG_NAMES[l] || l;
		b.setAttribute("aria-pressed", String(l === t.lang));
		b.addEventListener("click", () => set_lang(l));
		return b;
	}));
}

// The service buttons with icon, name, and queue figures or opening time.
function render_services() {
	if (!floor.snap)
		return;
	const tz = floor.snap.floor.timezone;
	const ul = $("services");
	const focused = document.activeElement && document.activeElement.dataset.service;
	// a service removed today (retired: kept for its tickets) takes no new ones
	ul.replaceChildren(...[...floor.services.values()].filter((s) => !s.retired).map((s) => {
		const li = document.createElement("li");
		const b = document.createElement("button");
		b.type = "button";
		b.className = "svc";
		b.dataset.service = s.id;
		const txt = document.createElement("span");
		txt.className = "txt";
		const name = document.createElement("span");
		name.className = "name";
		name.textContent = pick(s.name, t.lang);
		const info = document.createElement("span");
		info.className = "info";
		if (s.open) {
			info.textContent = s.waiting && s.eta_s >= 0 ? `${t("kiosk_waiting", { n: s.waiting })} · ${fmt_wait(t, s.eta_s)}`
				: t("kiosk_waiting", { n: s.waiting });
		} else {
			b.disabled = true;
			info.textContent = `${t("kiosk_closed")} · ${fmt_opens(t, s.opens_at, tz)}`;
		}
		txt.append(name, info);
		b.append(icon(s.icon), txt);
		b.addEventListener("click", () => take(s.id));
		li.append(b);
		return li;
	}));
	if (focused) {
		const again = ul.querySelector(`[data-service="${CSS.escape(focused)}"]`);
		if (again && !again.disabled)
			again.focus();
	}
	fit_services();
}

// Lays the services out on the screen: of the column counts whose cells are largest
// (a cell counting by the smaller of its height and its width / 2.4: an icon beside
// two lines of text), the one where the labels need clearly the least shrinking; all labels
// get the same size, so the screen looks calm. When they do not fit even at MIN_K (a
// floor with very many services), the rows grow to their text and the grid scrolls,
// with fewer columns if a word is wider than its button (or, at one column, broken).
function fit_services() {
	const ul = $("services");
	const n = ul.children.length;
	if (!n || ul.offsetParent === null)
		return;
	const gap = parseFloat(getComputedStyle(ul).rowGap) || 0;
	const w = ul.clientWidth;
	const h = ul.clientHeight;
	const shapes = [];
	for (let cols = 1; cols <= Math.min(n, MAX_COLS); cols++) {
		const rows = Math.ceil(n / cols);
		shapes.push({ cols, rows, size: Math.min((w - (cols - 1) * gap) / cols / 2.4, (h - (rows - 1) * gap) / rows) });
	}
	shapes.sort((a, b) => b.size - a.size);
	const buttons = [...ul.querySelectorAll(".svc")];
	ul.classList.remove("overfull");
	for (const b of buttons)
		b.classList.remove("squeeze");
	let best = null;
	for (const shape of shapes.slice(0, 3)) {
		ul.style.setProperty("--cols", shape.cols);
		ul.style.setProperty("--rows", shape.rows);
		const k = largest_k(ul, buttons);
		if (!best || k > best.k + K_TOLERANCE)
			best = { ...shape, k };
		if (k === 1)
			break;
	}
	ul.style.setProperty("--cols", best.cols);
	ul.style.setProperty("--rows", best.rows);
	ul.style.setProperty("--k", best.k);
	if (!buttons.some(overflows))
		return;
	ul.classList.add("overfull");
	// scrolling anyway: fewer, wider columns rather than words broken in two
	for (let cols = best.cols - 1; cols >= 1 && buttons.some(too_wide); cols--)
		ul.style.setProperty("--cols", cols);
	for (const b of buttons)
		b.classList.toggle("squeeze", too_wide(b));
}

// The largest label scale (1, 0.95, … MIN_K) at which no button's text overflows.
function largest_k(ul, buttons) {
	const fits = (i) => {
		ul.style.setProperty("--k", 1 - i * 0.05);
		return !buttons.some(overflows);
	};
	if (fits(0))
		return 1;
	// binary search for the fewest 0.05 steps down that fit; MIN_K is taken as fitting
	let lo = 1;
	let hi = Math.round((1 - MIN_K) / 0.05);
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (fits(mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return Math.round((1 - lo * 0.05) * 100) / 100;
}

// Whether the text of service button b is wider or taller than the button's inside,
// or its name takes more than MAX_LINES lines (a column of one word a line reads badly).
function overflows(b) {
	const txt = b.querySelector(".txt");
	const name = txt.querySelector(".name");
	const cs = getComputedStyle(b);
	const inner = b.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
	if (txt.scrollHeight > inner + 1)
		return true;
	if (name.offsetHeight > MAX_LINES * parseFloat(getComputedStyle(name).lineHeight) + 1)
		return true;
	return too_wide(b);
}

// Whether a word in button b's text is wider than the button's inside.
function too_wide(b) {
	return [...b.querySelector(".txt").children].some((el) => el.scrollWidth > el.clientWidth + 1);
}

// Asks torgd for a ticket at `service` and shows it.
async function take(service) {
	if (busy)
		return;
	busy = true;
	show_error(null);
	$("live").textContent = t("kiosk_taking");
	const headers = {};
	const key = localStorage.getItem("torg.kiosk.key");
	if (key)
		headers["X-Torg-Kiosk"] = key;
	try {
		const r = await api("POST", "/tickets", { service, lang: t.lang }, headers);
		ticket = r.ticket;
		render_ticket();
		$("start").hidden = true;
		$("ticket-view").hidden = false;
		$("ticket-heading").focus();
		$("live").textContent = `${t("kiosk_your_number")}: ${ticket.number}. ${$("t-position").textContent}`;
		if (print_mode() === "auto")
			print_ticket();
	} catch (e) {
		$("live").textContent = "";
		show_error(e);
	} finally {
		busy = false;
		poke();
	}
}

// Shows an error in plain words of the visitor's language (hidden when e is null).
function show_error(e) {
	const el = $("error");
	shown_error = e;
	if (!e) {
		el.hidden = true;
		return;
	}
	let msg = t(`err_${e.code}`);
	if (msg === `err_${e.code}` || e.code === "bad_request" || e.code === "forbidden")
		msg = t("err_generic");
	if (e.code === "service_closed" && e.opens_at && floor.snap)
		msg = `${msg} ${fmt_opens(t, e.opens_at, floor.snap.floor.timezone)}`;
	if (e.code === "service_closed" && e.note)
		msg = `${msg} (${pick(e.note, t.lang)})`;
	el.textContent = msg;
	el.hidden = false;
}

// Fills the ticket view (and the receipt) from the current ticket.
function render_ticket() {
	const s = floor.services.get(ticket.service);
	const tz = floor.snap ? floor.snap.floor.timezone : undefined;
	$("t-floor").textContent = floor.snap ? pick(floor.snap.floor.name, t.lang) : "";
	$("ticket-heading").textContent = t("kiosk_your_number");
	$("t-number").textContent = ticket.number;
	$("t-service").textContent = s ? pick(s.name, t.lang) : ticket.service;
	$("t-position").textContent = t("kiosk_position", { n: ticket.position });
	$("t-eta").textContent = ticket.eta_s >= 0 ? t("kiosk_eta", { wait: fmt_wait(t, ticket.eta_s) }) : t("kiosk_eta_unknown");
	const qr = $("t-qr");
	const src = `/api/v1/tickets/${encodeURIComponent(ticket.id)}/qr.svg`;
	if (qr.getAttribute("src") !== src)
		qr.src = src;
	qr.alt = t("kiosk_qr_alt");
	$("t-qr-text").textContent = t("kiosk_qr");
	$("t-watch").textContent = t("kiosk_watch");
	$("t-issued").textContent = t("kiosk_issued", { time: fmt_clock(ticket.issued_at, tz, t.lang) });
	const mode = print_mode();
	$("print").hidden = mode === "off";
	const note = $("print-note");
	note.hidden = mode !== "off";
	note.textContent = t("kiosk_no_printer");
	countdown();
}

// Prints the receipt once the QR code has loaded; without a print path, says so.
function print_ticket() {
	const qr = $("t-qr");
	const go = () => {
		try {
			if (typeof window.print !== "function")
				throw new Error("no print");
			window.print();
		} catch (e) {
			$("print-note").textContent = t("kiosk_no_printer");
			$("print-note").hidden = false;
			$("print").hidden = true;
		}
	};
	if (qr.complete) {
		go();
		return;
	}
	qr.addEventListener("load", go, { once: true });
	qr.addEventListener("error", go, { once: true });
}

// Back to the start screen.
function reset() {
	ticket = null;
	$("ticket-view").hidden = true;
	$("start").hidden = false;
	$("print-note").hidden = true;
	$("live").textContent = "";
	show_error(null);
	countdown();
	render_services();
	window.scrollTo(0, 0);
}

main();
