// display.js — the wall display (/display/{id}). Subscribes with hello {display},
// keeps the floor (calls, queue figures) up to date, cycles its labels and names
// through the display's languages, and announces each new call or recall: the
// newest call flashes, a WebAudio chime plays, then torgd's recording of it plays in
// each announcement language (announce.js). Announcements wait in one queue.
// Shows numbers only. Needs no mouse or keyboard.

import { TorgSocket } from "./torg.js";
import { createAnnouncer } from "./announce.js";
import { Floor, load_strings, translator, apply_lang, pick, fmt_wait, fmt_clock, fmt_opens, is_today,
	spoken_number, LOCALES } from "./common.js";

const LANG_CYCLE_MS = 10000;
const RECENT_ROWS = 7;
const STALE_CALL_MS = 60000; // calls older than this when they reach us are not spoken

const display_id = decodeURIComponent(location.pathname.split("/")[2] || "");
const floor = new Floor();
let langs = ["nb"];
let lang_i = 0;
let t = translator("nb");
let clock_skew = 0; // server time minus local time, ms
const $ = (id) => document.getElementById(id);

// Test and diagnostics hook: what was announced, with start and end times.
window.torg_display = { announced: [], status: "connecting", snapshots: 0, resumes: 0 };

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
			await Promise.all(langs.map((l) => load_strings(l)));
			lang_i = Math.min(lang_i, langs.length - 1);
			t = translator(langs[lang_i]);
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
	window.addEventListener("resize", fit_recent);
	// Opening the audio output can stall the page for a moment: do it now, not on a call.
	try {
		audio = new (window.AudioContext || window.webkitAudioContext)();
	} catch (e) {
		audio = null;
	}
	setInterval(() => {
		if (langs.length < 2)
			return;
		lang_i = (lang_i + 1) % langs.length;
		t = translator(langs[lang_i]);
		render();
	}, LANG_CYCLE_MS);
}

// Sets the texts that do not depend on the floor.
function render_static() {
	apply_lang(t);
	$("latest-label").textContent = t("display_latest");
	$("recent-label").textContent = t("display_recent");
	$("queues-label").textContent = t("display_queues");
	$("conn").textContent = t("reconnecting");
}

// The name of counter `id` in `lang` (the id when unknown).
function counter_name(id, lang) {
	const c = floor.counters.get(id);
	return c ? pick(c.name, lang) : id;
}

// Redraws everything from the floor model in the current language.
function render() {
	if (!floor.snap)
		return;
	render_static();
	const lang = t.lang;
	$("floor-name").textContent = pick(floor.snap.floor.name, lang);
	document.title = pick(floor.snap.floor.name, lang);
	tick_clock();
	const [latest, ...rest] = floor.calls;
	$("latest-number").textContent = latest ? latest.number : "";
	$("latest-counter").textContent = latest ? counter_name(latest.counter, lang) : t("display_no_calls");
	$("latest-counter").classList.toggle("empty", !latest);
	const ol = $("recent");
	ol.replaceChildren(...rest.slice(0, RECENT_ROWS).map((c) => {
		const li = document.createElement("li");
		const n = document.createElement("span");
		n.className = "num";
		n.textContent = c.number;
		const w = document.createElement("span");
		w.className = "where";
		w.textContent = counter_name(c.counter, lang);
		li.append(n, w);
		if (c.recall) {
			const r = document.createElement("span");
			r.className = "again";
			r.textContent = "↻";
			r.setAttribute("aria-hidden", "true");
			li.append(r);
		}
		return li;
	}));
	const shown = (floor.snap.display && floor.snap.display.services) || [...floor.services.keys()];
	const ul = $("queues");
	ul.replaceChildren(...shown.map((id) => floor.services.get(id)).filter(Boolean).map((s) => {
		const li = document.createElement("li");
		li.dataset.service = s.id;
		li.classList.toggle("closed", !s.open);
		const name = document.createElement("span");
		name.className = "name";
		name.textContent = pick(s.name, lang);
		const n = document.createElement("span");
		n.className = "n";
		n.textContent = String(s.waiting);
		n.setAttribute("aria-label", t("kiosk_waiting", { n: s.waiting }));
		const eta = document.createElement("span");
		eta.className = "eta";
		eta.textContent = s.open ? (s.waiting ? fmt_wait(t, s.eta_s) : "") : opens_short(s);
		li.append(name, n, eta);
		return li;
	}));
	fit_recent();
}

// "Opens at 10:00" when a closed service opens later today, else just "Closed".
function opens_short(s) {
	const tz = floor.snap.floor.timezone;
	if (s.opens_at && is_today(s.opens_at, tz))
		return fmt_opens(t, s.opens_at, tz);
	return t("kiosk_closed");
}

// Hides the recent calls that would not fit whole in their box.
function fit_recent() {
	const ol = $("recent");
	const box = ol.parentElement.getBoundingClientRect();
	for (const li of ol.children) {
		li.hidden = false;
		if (li.getBoundingClientRect().bottom > box.bottom + 0.5)
			li.hidden = true;
	}
}

// Shows the floor's local time, corrected by the server's clock.
function tick_clock() {
	if (!floor.snap)
		return;
	$("clock").textContent = fmt_clock(new Date(Date.now() + clock_skew), floor.snap.floor.timezone, t.lang);
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
