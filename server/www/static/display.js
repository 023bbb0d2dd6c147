// display.js — the wall display (/display/{id}). Subscribes with hello {display},
// keeps the floor (calls, queue figures) up to date and draws it in the display's
// primary language (the first of snapshot.display.languages); the others show as a
// quieter second line under labels and service names, or one at a time on that line
// (language_mode "rotate"), never in place of numbers or counter names. Every text
// that says where to go is fitted to its box (fit_text: wrap, then shrink; never
// clip). Recent calls have one row per ticket number: a recall marks the row and
// moves it to the top, a transferred visitor's new call replaces the old row.
// Announces each new call or recall: the newest call flashes, a WebAudio chime plays,
// then torgd's recording of it plays in each announcement language (announce.js).
// Announcements wait in one queue so none cuts another. Needs no mouse or keyboard.

import { TorgSocket } from "./torg.js";
import { createAnnouncer } from "./announce.js";
import { Floor, load_strings, translator, apply_lang, pick, fmt_wait, fmt_clock, fmt_opens, is_today,
	spoken_number, active_messages, today_notice, LOCALES } from "./common.js";

const ROTATE_MS = 25000; // language_mode "rotate": how long each second language stays
const RECENT_ROWS = 9; // rows drawn; those that do not fit whole are hidden
const STALE_CALL_MS = 60000; // calls older than this when they reach us are not spoken
const MIN_FIT = 0.3; // fit_text shrinks a text to no less than this share of its size

const display_id = decodeURIComponent(location.pathname.split("/")[2] || "");
const floor = new Floor();
let langs = ["nb"];
let mode = "primary";
let rot_i = 0; // the second language shown now, in "rotate" mode
let t = translator("nb");
let clock_skew = 0; // server time minus local time, ms
const $ = (id) => document.getElementById(id);

// Test and diagnostics hook: what was announced, with start and end times; the ids of
// the messages shown.
window.torg_display = { announced: [], status: "connecting", snapshots: 0, resumes: 0, messages: [],
	fmt_wait: (lang, s) => fmt_wait(translator(lang), s) };

// Loads every language of the display, then starts the socket.
async function main() {
	await load_strings("nb");
	t = translator("nb");
	render_static();
	const sock = new TorgSocket({
		hello: { display: display_id },
		on_snapshot: async (snap) => {
			window.torg_display.snapshots++;
			floor.load(snap);
			clock_skew = Date.parse(snap.server_time) - Date.now();
			const d = snap.display || {};
			langs = (d.languages && d.languages.length ? d.languages : snap.floor.languages) || ["nb"];
			mode = d.language_mode || (langs.length > 1 ? "second_line" : "primary");
			await Promise.all(langs.map((l) => load_strings(l)));
			t = translator(langs[0]);
			apply_look(d);
			render();
		},
		on_resume: () => {
			window.torg_display.resumes++;
		},
		on_event: (ev) => {
			window.torg_display.last_event = { seq: ev.seq, kind: ev.kind, at: performance.now() };
			const call = floor.apply(ev);
			render();
			if (call) {
				flash();
				const age = Date.now() + clock_skew - Date.parse(call.at);
				if (!(age > STALE_CALL_MS))
					announce(call);
			}
		},
		on_error: (err) => {
			if (err.code === "unknown_display") {
				sock.stop();
				$("fatal").textContent = t("display_unknown", { id: display_id });
				$("fatal").hidden = false;
			}
		},
		on_status: (s) => {
			window.torg_display.status = s;
			$("conn").hidden = s !== "reconnecting";
			document.body.dataset.conn = s;
		},
	}).start();
	setInterval(tick_clock, 1000);
	let resize_timer = 0;
	window.addEventListener("resize", () => {
		clearTimeout(resize_timer);
		resize_timer = setTimeout(fit_soon, 100);
	});
	// Opening the audio output can stall the page for a moment: do it now, not on a call.
	try {
		audio = new (window.AudioContext || window.webkitAudioContext)();
	} catch (e) {
		audio = null;
	}
	setInterval(() => {
		if (mode !== "rotate" || langs.length < 3)
			return;
		rot_i = (rot_i + 1) % (langs.length - 1);
		render();
	}, ROTATE_MS);
}

// Applies the display's configured colours and logo.
function apply_look(d) {
	const c = d.colors || {};
	const st = document.body.style;
	for (const [key, prop] of [["background", "--dbg"], ["foreground", "--dfg"], ["accent", "--dhi"]]) {
		if (/^#[0-9a-f]{6}$/i.test(c[key] || ""))
			st.setProperty(prop, c[key]);
		else
			st.removeProperty(prop);
	}
	const logo = $("logo");
	if (d.logo && /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(d.logo)) {
		// it takes its room in the bar when it has loaded: fit the bar's texts again then
		logo.onload = fit_soon;
		logo.onerror = () => { logo.hidden = true; fit_soon(); };
		logo.src = `/static/logos/${encodeURIComponent(d.logo)}`;
		logo.hidden = false;
	} else {
		logo.hidden = true;
	}
}

// The languages of the second line: all the others for labels (or the one turning
// in "rotate"), just the second for names when `few`.
function second_langs(few) {
	const rest = langs.slice(1);
	if (mode === "primary" || !rest.length)
		return [];
	if (mode === "rotate")
		return [rest[rot_i % rest.length]];
	return few ? rest.slice(0, 1) : rest;
}

// Fills `el` with the primary text of text_of(lang) and, under it, the second line
// in the other languages (those that say something different).
function two_lines(el, text_of, few) {
	const pri = document.createElement("span");
	pri.className = "pri fit";
	pri.dataset.lines = el.dataset.lines || "1";
	const first = text_of(langs[0]);
	pri.textContent = first;
	const parts = [];
	for (const l of second_langs(few)) {
		const s = text_of(l);
		if (s && s !== first && !parts.some((p) => p.textContent === s)) {
			const span = document.createElement("span");
			span.lang = l;
			span.dir = translator(l).dir;
			span.textContent = s;
			parts.push(span);
		}
	}
	el.replaceChildren(pri);
	if (parts.length) {
		const sec = document.createElement("span");
		sec.className = "sec fit";
		sec.dataset.lines = "1";
		parts.forEach((p, i) => sec.append(...(i ? [" · ", p] : [p])));
		el.append(sec);
	}
}

// A translated label in two lines: the key in the primary language, then the others.
function label(el, key) {
	two_lines(el, (l) => translator(l)(key), false);
}

// Sets the texts that do not depend on the floor.
function render_static() {
	apply_lang(t);
	label($("latest-label"), "display_latest");
	label($("recent-label"), "display_recent");
	label($("queues-label"), "display_queues");
	$("head-number").textContent = t("display_number");
	$("head-go-to").textContent = t("display_go_to");
	$("head-service").textContent = t("display_service");
	$("head-waiting").textContent = t("display_waiting");
	$("head-eta").textContent = t("display_eta");
	$("conn").textContent = t("reconnecting");
}

// The name of counter `id` in the primary language (the id when unknown).
function counter_name(id, lang = langs[0]) {
	const c = floor.counters.get(id);
	return c ? pick(c.name, lang) : id;
}

// The calls as one row per ticket number, newest first: a recall or a transferred
// visitor's new call moves the number to the top and takes its counter.
function call_rows() {
	const seen = new Set();
	return floor.calls.filter((c) => !seen.has(c.number) && seen.add(c.number));
}

// Redraws everything from the floor model.
function render() {
	if (!floor.snap)
		return;
	render_static();
	const lang = langs[0];
	$("floor-name").textContent = pick(floor.snap.floor.name, lang);
	document.title = pick(floor.snap.floor.name, lang);
	tick_clock();
	const [latest, ...rest] = call_rows();
	$("latest-number").textContent = latest ? latest.number : "";
	$("latest-counter").textContent = latest ? counter_name(latest.counter) : t("display_no_calls");
	$("latest-counter").classList.toggle("empty", !latest);
	$("latest").classList.toggle("recalled", !!(latest && latest.recall));
	$("recent").replaceChildren(...rest.slice(0, RECENT_ROWS).map(recent_row));
	render_queues();
	render_notice();
	fit_soon();
}

let notice_key = ""; // the messages and today's notice drawn, to redraw on a change

// The band under the bar: today's exception ("Julaften: Stengt i dag") and the
// messages showing now by the server's clock (from reached, until not), each in the
// primary language with the second line under it.
function render_notice() {
	const snap = floor.snap;
	const msgs = active_messages(snap, Date.now() + clock_skew);
	const today = today_notice(t, snap);
	const el = $("notice");
	const items = [];
	if (today) {
		const p = document.createElement("p");
		p.className = "today";
		p.dataset.lines = "1";
		two_lines(p, (l) => today_notice(translator(l), snap), true);
		items.push(p);
	}
	for (const m of msgs) {
		const p = document.createElement("p");
		p.className = "msg";
		p.dataset.lines = "3";
		p.dataset.id = m.id;
		two_lines(p, (l) => pick(m.text, l), true);
		const sec = p.querySelector(".sec");
		if (sec)
			sec.dataset.lines = "2";
		items.push(p);
	}
	el.replaceChildren(...items);
	el.hidden = !items.length;
	document.body.classList.toggle("has-notice", !el.hidden);
	notice_key = notice_state();
	window.torg_display.messages = msgs.map((m) => m.id);
}

// What render_notice would draw now, as a string to compare.
function notice_state() {
	const snap = floor.snap;
	return `${today_notice(t, snap)}|${active_messages(snap, Date.now() + clock_skew).map((m) => m.id).join(",")}`;
}

let fit_pending = false;

// Fits the texts once, in the next frame, however many events arrive before it.
function fit_soon() {
	if (fit_pending)
		return;
	fit_pending = true;
	requestAnimationFrame(() => {
		fit_pending = false;
		fit_all();
		window.torg_display.fitted = (window.torg_display.fitted || 0) + 1;
	});
}

// One row of the recent calls: number, counter, and a mark when it was a recall.
function recent_row(c) {
	const li = document.createElement("li");
	li.dataset.number = c.number;
	const n = document.createElement("span");
	n.className = "num fit";
	n.dataset.lines = "1";
	n.textContent = c.number;
	const w = document.createElement("span");
	w.className = "where fit";
	w.dataset.lines = "2";
	w.textContent = counter_name(c.counter);
	li.append(n, w);
	if (c.recall) {
		li.classList.add("recall");
		const r = document.createElement("span");
		r.className = "again fit";
		r.dataset.lines = "1";
		r.textContent = `↻ ${t("display_recall")}`;
		li.append(r);
	}
	return li;
}

// The waiting list: one row per shown service, or one banner when all are closed.
function render_queues() {
	const shown = ((floor.snap.display && floor.snap.display.services) || [...floor.services.keys()])
		.map((id) => floor.services.get(id)).filter(Boolean);
	const closed = shown.length > 0 && shown.every((s) => !s.open);
	$("queues").hidden = closed;
	document.querySelector(".queues .heads").hidden = closed;
	$("floor-closed").hidden = !closed;
	if (closed) {
		const next = shown.map((s) => s.opens_at).filter(Boolean).sort()[0];
		const tz = floor.snap.floor.timezone;
		const today = floor.snap.notices && floor.snap.notices.today;
		// on a closed holiday the band above says "Stengt i dag" with its note
		const what = today && today.closed ? t("notice_closed_today") : t("display_floor_closed");
		$("floor-closed").textContent = next ? `${what}. ${fmt_opens(t, next, tz)}.` : `${what}.`;
		$("queues").replaceChildren();
		return;
	}
	$("queues").replaceChildren(...shown.map((s) => {
		const li = document.createElement("li");
		li.dataset.service = s.id;
		li.classList.toggle("closed", !s.open);
		const name = document.createElement("span");
		name.className = "name";
		name.dataset.lines = "2";
		two_lines(name, (l) => pick(s.name, l), true);
		const n = document.createElement("span");
		n.className = "n fit";
		n.dataset.lines = "1";
		n.textContent = String(s.waiting);
		n.setAttribute("aria-label", t("kiosk_waiting", { n: s.waiting }));
		const eta = document.createElement("span");
		eta.className = "eta fit";
		eta.dataset.lines = "2";
		eta.textContent = s.open ? (s.waiting ? fmt_wait(t, s.eta_s) : "") : opens_short(s);
		li.append(name, n, eta);
		return li;
	}));
}


// "Opens at 10:00" when a closed service opens later today, else just "Closed".
function opens_short(s) {
	const tz = floor.snap.floor.timezone;
	if (s.opens_at && is_today(s.opens_at, tz))
		return fmt_opens(t, s.opens_at, tz);
	return t("kiosk_closed");
}

// Whether el's text runs outside its box (wider, or more lines than it may have).
function overflows(el) {
	return el.scrollWidth > el.clientWidth + 0.5 || el.scrollHeight > el.clientHeight + 0.5;
}

// Fits the .fit texts of root (and root itself when it is one): each starts at its
// stylesheet size and, when it overflows its box (wrapped to its data-lines lines),
// shrinks by halving the interval; all overflowing texts are searched together, so a
// fit costs a few layouts, not a few per text.
function fit_texts(root) {
	const els = [...root.querySelectorAll(".fit")];
	if (root.classList.contains("fit"))
		els.push(root);
	for (const el of els) {
		el.style.fontSize = "";
		el.classList.remove("squeezed");
	}
	const todo = els.filter((el) => el.clientWidth && overflows(el)).map((el) => {
		const max = parseFloat(getComputedStyle(el).fontSize);
		return { el, lo: max * MIN_FIT, hi: max, mid: 0 };
	});
	for (let i = 0; i < 7 && todo.length; i++) {
		for (const s of todo) {
			s.mid = (s.lo + s.hi) / 2;
			s.el.style.fontSize = `${s.mid}px`;
		}
		for (const s of todo) {
			if (overflows(s.el))
				s.hi = s.mid;
			else
				s.lo = s.mid;
		}
	}
	for (const s of todo)
		s.el.style.fontSize = `${s.lo}px`;
	for (const s of todo)
		if (overflows(s.el))
			s.el.classList.add("squeezed"); // last resort: break inside words
}

// Shrinks the font of list box (from its stylesheet size) until room() — the room its
// rows have over the room they need — is at least 1, fitting the texts inside at each
// try; a few proportional steps, as wrapping makes the need uneven.
function fit_box(box, room) {
	box.style.fontSize = "";
	fit_texts(box);
	let size = parseFloat(getComputedStyle(box).fontSize);
	for (let i = 0; i < 6; i++) {
		const r = room();
		if (r >= 1)
			return;
		size *= Math.max(0.5, r * 0.97);
		box.style.fontSize = `${size}px`;
		fit_texts(box);
	}
}

// Fits every text: the bar and the newest call, the waiting list as a whole (all its
// rows in its box), and the recent calls so that at least 5 rows (4 in portrait) fit;
// rows past those that fit are hidden.
function fit_all() {
	for (const sel of [".bar", ".notice", ".latest", ".label", "#floor-closed"])
		for (const el of document.querySelectorAll(sel))
			fit_texts(el);
	const ul = $("queues");
	const ol = $("recent");
	// The column headings share their list's font size, so that their em columns line
	// up: the list's full size first (the most room they take), its fitted size after.
	const heads = [ul, ol].map((list) => [list, list.previousElementSibling]);
	for (const [list, h] of heads) {
		list.style.fontSize = "";
		h.style.fontSize = getComputedStyle(list).fontSize;
	}
	fit_box(ul, () => (ul.clientHeight + 1) / ul.scrollHeight);
	const want = Math.min(ol.children.length, matchMedia("(orientation: portrait)").matches ? 4 : 5);
	for (const li of ol.children)
		li.hidden = false;
	fit_box(ol, () => {
		if (!want)
			return 1;
		const box = ol.getBoundingClientRect();
		return (box.height + 0.5) / (ol.children[want - 1].getBoundingClientRect().bottom - box.top);
	});
	for (const [list, h] of heads) {
		h.style.fontSize = getComputedStyle(list).fontSize;
		fit_texts(h);
	}
	fit_recent();
}

// Hides the recent calls that would not fit whole in their box.
function fit_recent() {
	const ol = $("recent");
	const box = ol.getBoundingClientRect();
	let full = false;
	for (const li of ol.children) {
		li.hidden = false;
		if (full || li.getBoundingClientRect().bottom > box.bottom + 0.5) {
			li.hidden = true;
			full = true;
		}
	}
}

// Shows the floor's local time, corrected by the server's clock.
function tick_clock() {
	if (!floor.snap)
		return;
	$("clock").textContent = fmt_clock(new Date(Date.now() + clock_skew), floor.snap.floor.timezone, langs[0]);
	if (notice_state() !== notice_key) { // a message's from or until passed
		render_notice();
		fit_soon();
	}
}

// Restarts the flash animation of the newest call.
function flash() {
	const el = $("latest");
	el.classList.remove("flash");
	void el.offsetWidth; // restart the CSS animation
	el.classList.add("flash");
}

// ---- announcements ----
// announce.js plays each call once: the chime, then torgd's recording of the sentence in
// each of the display's announcement languages (snapshot display.announce, else its
// languages), one after another; speechSynthesis only when torgd has no recording.

let audio = null; // the chime's WebAudio context, opened once at start-up
let announcer = null;

// The languages calls are spoken in, from the newest snapshot.
function announce_langs() {
	const d = (floor.snap && floor.snap.display) || {};
	return d.announce && d.announce.length ? d.announce : langs;
}

// The sentence for the speechSynthesis fallback.
function spoken_text(call, lang) {
	return translator(lang)("announce", { number: spoken_number(call.number), counter: counter_name(call.counter, lang) });
}

// Queues one call (announce.js drops a call it has already queued).
function announce(call) {
	if (!announcer)
		announcer = createAnnouncer({ languages: announce_langs(), chime, text: spoken_text,
			log: window.torg_display.announced });
	announcer.set_languages(announce_langs());
	announcer.announce(call);
}

// A two-tone chime through WebAudio; resolves when it has played (or at once when
// the browser does not allow sound yet).
function chime() {
	return new Promise((resolve) => {
		try {
			if (!audio) {
				resolve();
				return;
			}
			if (audio.state === "suspended")
				audio.resume().catch(() => {});
			const t0 = audio.currentTime + 0.05;
			for (const [f, at] of [[880, 0], [660, 0.45]]) {
				const o = audio.createOscillator();
				const g = audio.createGain();
				o.type = "sine";
				o.frequency.value = f;
				g.gain.setValueAtTime(0.0001, t0 + at);
				g.gain.exponentialRampToValueAtTime(0.35, t0 + at + 0.03);
				g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.9);
				o.connect(g).connect(audio.destination);
				o.start(t0 + at);
				o.stop(t0 + at + 0.95);
			}
			setTimeout(resolve, 1400);
		} catch (e) {
			resolve();
		}
	});
}

main();
