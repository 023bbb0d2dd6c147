// staff.js — what the staff pages (landing, counter, dashboard) share: their four
// languages (the counter page adds Arabic, COUNTER_LANGS, for reception staff), which one a page starts in (the one last chosen in this browser, else the
// floor's first language when it is a staff language, else the browser's, else bokmål),
// the language chooser, and numbers, shares, dates and durations formatted with Intl
// in the page's language.

import { LANG_NAMES, LOCALES, load_strings, translator, apply_lang } from "./common.js";

export const STAFF_LANGS = ["nb", "nn", "sv", "en"];
export const COUNTER_LANGS = [...STAFF_LANGS, "ar"];
const KEY = "torg.staff.lang";
const OLD_KEY = "torg.counter.lang"; // the counter page's own choice, before one for all

// Loads the strings of the staff languages (`langs`, default the four).
export function load_staff_strings(langs = STAFF_LANGS) {
	return Promise.all(langs.map((l) => load_strings(l)));
}

// A browser language tag as a staff language, or null ("no" and "nb-NO" are bokmål).
function staff_tag(tag, langs) {
	const l = String(tag || "").toLowerCase().split("-")[0];
	const m = l === "no" ? "nb" : l;
	return langs.includes(m) ? m : null;
}

// The language a staff page starts in; floor_langs is the snapshot's floor.languages,
// langs the page's languages.
export function initial_lang(floor_langs, langs = STAFF_LANGS) {
	for (const saved of [localStorage.getItem(KEY), localStorage.getItem(OLD_KEY)])
		if (langs.includes(saved))
			return saved;
	const first = (floor_langs || [])[0];
	if (langs.includes(first))
		return first;
	for (const b of navigator.languages || [navigator.language])
		if (staff_tag(b, langs))
			return staff_tag(b, langs);
	return (floor_langs || []).find((l) => langs.includes(l)) || "nb";
}

// Makes l the page's language (and this browser's choice for every staff page);
// returns its translator.
export function use_lang(l) {
	localStorage.setItem(KEY, l);
	const t = translator(l);
	apply_lang(t);
	return t;
}

// Fills a <select> with the staff languages (`langs`, each in its own name), l chosen,
// and calls on_change(lang) when another is picked.
export function lang_chooser(select, l, on_change, langs = STAFF_LANGS) {
	select.replaceChildren(...langs.map((x) => {
		const o = new Option(LANG_NAMES[x], x, false, x === l);
		o.lang = x;
		return o;
	}));
	if (!select.dataset.wired) {
		select.dataset.wired = "1";
		select.addEventListener("change", () => on_change(select.value));
	}
}

// The staff pages a signed-in user may use, as links in nav (the one at `here` marked
// as the current page): the counter for everyone, the dashboard and the administration
// page for managers and admins.
export function staff_nav(nav, t, user, here) {
	const pages = [["/counter", "home_counter"]];
	if (user && (user.role === "manager" || user.role === "admin"))
		pages.push(["/dashboard", "home_dashboard"], ["/admin", "home_admin"]);
	nav.setAttribute("aria-label", t("staff_pages"));
	nav.replaceChildren(...pages.map(([href, key]) => {
		const a = document.createElement("a");
		a.href = href;
		a.textContent = t(key);
		if (href === here)
			a.setAttribute("aria-current", "page");
		return a;
	}));
}

// The Intl locale of a language tag.
export function locale(l) {
	return LOCALES[l] || l;
}

// A number in the language's digits and separators.
export function fmt_num(l, x, digits = 0) {
	return new Intl.NumberFormat(locale(l), { maximumFractionDigits: digits }).format(x);
}

// A share (0–1) as a whole percentage ("85 %"), or a dash.
export function fmt_pct(l, x) {
	if (x === null || x === undefined)
		return "–";
	return new Intl.NumberFormat(locale(l), { style: "percent", maximumFractionDigits: 0 }).format(x);
}

// An ISO day (YYYY-MM-DD) as a long date ("1. desember 2026").
export function fmt_day(l, iso) {
	const [y, m, d] = String(iso).split("-").map(Number);
	if (!y || !m || !d)
		return String(iso);
	return new Intl.DateTimeFormat(locale(l), { dateStyle: "long", timeZone: "UTC" })
		.format(new Date(Date.UTC(y, m - 1, d)));
}

// An hour of day (0–23) as a clock time ("08:00").
export function fmt_hour(l, h) {
	return new Intl.DateTimeFormat(locale(l), { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
		timeZone: "UTC" }).format(new Date(Date.UTC(2000, 0, 1, h)));
}

// Seconds as "40 s" / "12 min" / "1 t 05 min" in the translator's language, or a dash.
export function fmt_dur(t, s) {
	if (s === null || s === undefined)
		return "–";
	s = Math.round(s);
	if (s < 60)
		return t("dur_s", { n: fmt_num(t.lang, s) });
	const m = Math.round(s / 60);
	if (m < 60)
		return t("dur_min", { n: fmt_num(t.lang, m) });
	return t("dur_h_min", { h: fmt_num(t.lang, Math.floor(m / 60)), m: String(m % 60).padStart(2, "0") });
}
