// common.js — small helpers the torg pages share: UI strings from the per-language
// files in /static/i18n (with English as the fallback and the file's own text
// direction), picking a text from a snapshot `name` object, formatting waits and
// clock times in the floor's time zone, JSON calls to /api/v1 with the protocol's
// error body turned into an Error, and a floor model that applies events to a
// snapshot (calls, counters, per-service queue figures).

import { EVENT, STATE, PRIORITY, POSITION } from "./protocol.js";

// Languages' own names, for language choosers; unknown tags show as the tag.
export const LANG_NAMES = {
	nb: "Norsk bokmål",
	nn: "Norsk nynorsk",
	sv: "Svenska",
	en: "English",
	ar: "العربية",
	da: "Dansk",
	fi: "Suomi",
	se: "Davvisámegiella",
	so: "Soomaali",
	uk: "Українська",
	pl: "Polski",
	ti: "ትግርኛ",
	fa: "فارسی",
};

// Locale tags for speech and number formatting.
export const LOCALES = { nb: "nb-NO", nn: "nn-NO", sv: "sv-SE", en: "en-GB", ar: "ar" };

const dicts = {};

// Loads the strings of `lang` (and English as fallback); returns the dictionary,
// or English's when the language has no file.
export async function load_strings(lang) {
	if (!dicts.en)
		dicts.en = await fetch_json("/static/i18n/en.json").catch(() => ({}));
	if (!dicts[lang])
		dicts[lang] = await fetch_json(`/static/i18n/${encodeURIComponent(lang)}.json`).catch(() => null);
	return dicts[lang] || dicts.en;
}

// Fetches a static JSON file; throws when it is missing.
async function fetch_json(url) {
	const r = await fetch(url);
	if (!r.ok)
		throw new Error(`${url}: ${r.status}`);
	return r.json();
}

// Returns a translator for `lang`: t(key, vars) with {name} placeholders, falling back
// to English and then to the key. t.dir is "rtl" or "ltr"; t.lang the tag.
export function translator(lang) {
	const d = dicts[lang] || {};
	const en = dicts.en || {};
	const t = (key, vars) => {
		let s = d[key] ?? en[key] ?? key;
		if (vars)
			s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
		return s;
	};
	t.lang = lang;
	t.dir = d._dir === "rtl" ? "rtl" : "ltr";
	return t;
}

// Sets <html lang dir> for a translator.
export function apply_lang(t) {
	document.documentElement.lang = t.lang;
	document.documentElement.dir = t.dir;
}

// Picks the text of a `name` object in lang, then English, then Norwegian, then any.
export function pick(name, lang) {
	if (!name)
		return "";
	if (typeof name === "string")
		return name;
	return name[lang] ?? name.en ?? name.nb ?? Object.values(name)[0] ?? "";
}

// A wait in seconds as plain words ("ca. 9 min"; from an hour, to the nearest five
// minutes: "ca. 1 t 30 min"); -1 means unknown. Every page says a wait this way, and
// torg-display too (display-client/render.c).
export function fmt_wait(t, s) {
	if (s === undefined || s === null || s < 0)
		return t("wait_unknown");
	if (s < 60)
		return t("wait_under_minute");
	const min = Math.ceil(s / 60);
	if (min < 60)
		return t("wait_minutes", { n: min });
	const five = Math.round(min / 5) * 5;
	const h = Math.floor(five / 60);
	const m = five % 60;
	return m ? t("wait_hours_minutes", { h, m }) : t("wait_hours", { h });
}

// An elapsed duration in seconds as "m:ss" or "h:mm:ss".
export function fmt_elapsed(s) {
	s = Math.max(0, Math.floor(s));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const ss = String(s % 60).padStart(2, "0");
	return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// Wall-clock "HH:MM" of an ISO time (or Date) in the floor's time zone.
export function fmt_clock(iso, tz, lang) {
	const d = iso instanceof Date ? iso : new Date(iso);
	try {
		return new Intl.DateTimeFormat(LOCALES[lang] || lang, {
			hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz || undefined,
		}).format(d);
	} catch (e) {
		return d.toISOString().slice(11, 16);
	}
}

// True when an ISO time falls on today's date in time zone `tz`.
export function is_today(iso, tz) {
	const day = (x) => new Intl.DateTimeFormat("en-CA", { timeZone: tz || undefined }).format(x);
	return day(new Date(iso)) === day(new Date());
}

// "opens at 10:00", or with the weekday when it is not today (floor time zone).
export function fmt_opens(t, iso, tz) {
	if (!iso)
		return t("closed_now");
	const d = new Date(iso);
	const time = fmt_clock(d, tz, t.lang);
	if (is_today(iso, tz))
		return t("opens_at", { time });
	let wd;
	try {
		wd = new Intl.DateTimeFormat(LOCALES[t.lang] || t.lang, { weekday: "long", timeZone: tz || undefined }).format(d);
	} catch (e) {
		wd = "";
	}
	return t("opens_on", { day: wd, time });
}

// The snapshot's messages showing at now_ms (the server's time: Date.now() plus the
// page's clock offset): from reached (or none), until not yet (or none).
export function active_messages(snap, now_ms) {
	const list = (snap && snap.notices && snap.notices.messages) || [];
	return list.filter((m) => (!m.from || Date.parse(m.from) <= now_ms) && (!m.until || now_ms < Date.parse(m.until)));
}

// Today's exception in words: "Closed today" or "Open today 08:00–12:00", with its note
// first when it has one ("Julaften: Stengt i dag"); "" when today has none.
export function today_notice(t, snap) {
	const x = snap && snap.notices && snap.notices.today;
	if (!x)
		return "";
	const what = x.closed ? t("notice_closed_today")
		: t("notice_hours_today", { hours: x.hours.map(([a, b]) => `${a}–${b}`).join(", ") });
	const note = x.note ? pick(x.note, t.lang) : "";
	return note ? `${note}: ${what}` : what;
}

// A ticket number as spoken: "B007" → "B 7".
export function spoken_number(number) {
	const m = /^([A-Z]+)0*(\d+)$/.exec(number || "");
	return m ? `${m[1]} ${m[2]}` : number;
}

// An HTTP error from torgd: .code, .message (the server's plain text) and .status.
export class ApiError extends Error {
	constructor(status, body) {
		const e = (body && body.error) || {};
		super(e.message || `HTTP ${status}`);
		this.status = status;
		this.code = e.code || (status === 0 ? "network" : "http_" + status);
		this.field = e.field;
		this.opens_at = e.opens_at;
		this.note = e.note; // service_closed: today's exception's note ({lang: text})
	}
}

// Calls /api/v1 with a JSON body; returns the parsed answer (null for 204); throws
// ApiError on an error status or a network failure. Every request that changes something
// says Content-Type: application/json, body or not: torgd refuses one that does not (a
// form on another site cannot send it).
export async function api(method, path, body, headers) {
	const init = { method, headers: Object.assign({}, headers || {}), credentials: "same-origin" };
	if (body !== undefined || method !== "GET")
		init.headers["content-type"] = "application/json";
	if (body !== undefined)
		init.body = JSON.stringify(body);
	let r;
	try {
		r = await fetch("/api/v1" + path, init);
	} catch (e) {
		throw new ApiError(0, null);
	}
	if (r.status === 204)
		return null;
	const data = await r.json().catch(() => null);
	if (!r.ok)
		throw new ApiError(r.status, data);
	return data;
}

// The floor as one page sees it: a snapshot with events applied in order.
export class Floor {
	constructor() {
		this.snap = null;
		this.services = new Map();
		this.counters = new Map();
		this.calls = [];
	}

	// Replaces everything with a snapshot.
	load(snap) {
		this.snap = snap;
		this.services = new Map((snap.services || []).map((s) => [s.id, s]));
		this.counters = new Map((snap.counters || []).map((c) => [c.id, c]));
		this.calls = (snap.calls || []).slice();
	}

	// Applies one event; returns the call it made ({number, service, counter, at,
	// recall}) for ticket.called / ticket.recalled, else null.
	apply(ev) {
		for (const q of ev.queues || []) {
			const s = this.services.get(q.service);
			if (s)
				Object.assign(s, {
					waiting: q.waiting, eta_s: q.eta_s, longest_wait_s: q.longest_wait_s,
					counters_open: q.counters_open,
				});
		}
		const c = ev.counter && this.counters.get(ev.counter);
		const tk = ev.ticket;
		let call = null;
		this.track_queue(ev);
		switch (ev.kind) {
		case EVENT.CALLED:
		case EVENT.RECALLED:
			call = { number: tk.number, service: tk.service, counter: ev.counter, at: ev.at,
				recall: ev.kind === EVENT.RECALLED };
			this.calls.unshift(call);
			this.calls.length = Math.min(this.calls.length, 10);
			if (c)
				c.current = { number: tk.number, service: tk.service, state: STATE.CALLED, leg: tk.leg,
					called_at: ev.at, started_at: null };
			break;
		case EVENT.SERVING:
			if (c && c.current)
				Object.assign(c.current, { state: STATE.SERVING, started_at: ev.at });
			break;
		case EVENT.DONE:
		case EVENT.NO_SHOW:
		case EVENT.TRANSFERRED:
		case EVENT.CANCELLED:
			if (c && c.current && tk && c.current.number === tk.number)
				c.current = null;
			break;
		case EVENT.COUNTER_OPENED:
			if (c)
				Object.assign(c, { open: true, on_break: false, break_since: null,
					services: ev.services || [] });
			break;
		case EVENT.COUNTER_CLOSED: // also ends a break
			if (c)
				Object.assign(c, { open: false, on_break: false, break_since: null, services: [],
					current: null });
			break;
		case EVENT.COUNTER_BREAK: // still open and keeping its services, but calling nobody
			if (c)
				Object.assign(c, { on_break: true, break_since: ev.at });
			break;
		case EVENT.COUNTER_BACK:
			if (c)
				Object.assign(c, { on_break: false, break_since: null });
			break;
		case EVENT.DAY:
			this.calls = [];
			for (const s of this.services.values())
				Object.assign(s, { waiting: 0, longest_wait_s: 0, queue: [] });
			for (const k of this.counters.values())
				k.current = null;
			if (this.snap)
				this.snap.day = ev.day;
			break;
		}
		return call;
	}

	// Keeps services[].queue (numbers in call order) close to right between
	// snapshots: issued numbers join the back, called/cancelled ones leave, and a
	// transfer moves the number to the front or back of its new service.
	track_queue(ev) {
		const tk = ev.ticket;
		if (!tk)
			return;
		const drop = (sid) => {
			const s = this.services.get(sid);
			if (s && s.queue)
				s.queue = s.queue.filter((q) => q.number !== tk.number);
		};
		const add = (sid, front) => {
			const s = this.services.get(sid);
			if (!s)
				return;
			const q = { number: tk.number, priority: tk.priority || PRIORITY.NORMAL, queued_at: ev.at };
			s.queue = front ? [q, ...(s.queue || [])] : [...(s.queue || []), q];
		};
		switch (ev.kind) {
		case EVENT.ISSUED:
			add(tk.service, false);
			break;
		case EVENT.CALLED:
		case EVENT.CANCELLED:
			for (const sid of this.services.keys())
				drop(sid);
			break;
		case EVENT.TRANSFERRED:
			drop(ev.from);
			add(ev.to, ev.position === POSITION.FRONT);
			break;
		}
	}
}
