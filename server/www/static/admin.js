// admin.js — the administration page (/admin). Signs in like the dashboard (the session
// cookie does the rest); admins and managers only. The floor's setup is the configuration
// document of GET /api/v1/admin/config, edited in place by forms whose inputs carry their
// JSON path, and saved whole with PUT /api/v1/admin/config {config, version}: torgd
// checks it exactly as it checks the file and answers every error at once (422), each
// shown next to the input with its path (or at the top of its part, with the path), the
// first one focused; a 409 says someone else saved meanwhile and offers a reload. A
// manager's `editable` (exceptions and messages) leaves every other part read-only.
// Staff and the audit log are admin_staff.js's; the page's texts are in the staff
// languages and Arabic (right to left).

import { api, pick, translator, load_strings } from "./common.js";
import { load_staff_strings, initial_lang, use_lang, lang_chooser, locale, staff_nav, STAFF_LANGS } from "./staff.js";
import { el, set_at, value_of, checklist_value, clear_errors, show_errors } from "./admin_form.js";
import { render_floor, render_other, render_hours, render_services, render_counters, render_displays,
	render_kiosks } from "./admin_floor.js";
import { render_exceptions, render_messages } from "./admin_notices.js";
import { render_staff, render_audit } from "./admin_staff.js";
import { icon } from "./icons.js";

const $ = (id) => document.getElementById(id);
const ADMIN_LANGS = [...STAFF_LANGS, "ar"];

// The page's parts: each tab's blocks, a block being one top-level key of the document
// (its `keys` say which keys' errors it shows; "other" holds routing and statistics).
const TABS = [
	{ id: "floor", blocks: [["floor", render_floor, ["floor"]], ["other", render_other, ["routing", "statistics", "server", "voice"]]] },
	{ id: "hours", blocks: [["hours", render_hours, ["hours"]], ["exceptions", render_exceptions, ["exceptions"]]] },
	{ id: "services", blocks: [["services", render_services, ["services"]]] },
	{ id: "counters", blocks: [["counters", render_counters, ["counters"]]] },
	{ id: "displays", blocks: [["displays", render_displays, ["displays"]], ["kiosks", render_kiosks, ["kiosks"]]] },
	{ id: "messages", blocks: [["messages", render_messages, ["messages"]]] },
	{ id: "staff", blocks: [] },
	{ id: "audit", blocks: [] },
];

let t = translator("nb");
let me = null; // the signed-in user
let state = null; // { doc, version, editable, saved (the document as last saved, JSON) }
let tab = "floor";
window.torg_admin = { get state() { return state; } }; // for tests and the curious

// The context the part renderers draw with.
const ctx = {
	get doc() { return state.doc; },
	get t() { return t; },
	get locale() { return locale(t.lang); },
	rerender: () => render_config(true),
	focus_last(path) {
		const n = (state.doc[path] || []).length;
		const item = document.querySelector(`[data-path="${path}[${n - 1}]"]`);
		const input = item && item.querySelector("input, select");
		if (input) {
			input.focus();
			input.scrollIntoView({ block: "center" });
		}
	},
	notice: (msg) => set_status(msg),
	error_text,
	signed_out: () => show_login(),
};

// An API error in words: the page's text for its code, else torgd's message.
function error_text(e) {
	const key = `adm_err_${e.code}`;
	const s = t(key);
	return s !== key ? s : e.message || t("err_generic");
}

// ---- language ----

// Shows every text of the page in language l and redraws.
function set_lang(l) {
	t = use_lang(l);
	for (const e of document.querySelectorAll("[data-i18n]"))
		e.textContent = t(e.dataset.i18n);
	for (const e of document.querySelectorAll("[data-i18n-label]"))
		e.setAttribute("aria-label", t(e.dataset.i18nLabel));
	$("ui-lang-label").textContent = t("staff_language");
	lang_chooser($("ui-lang"), l, set_lang, ADMIN_LANGS);
	render_title();
	render_tabs();
	if (me)
		staff_nav($("staff-nav"), t, me, "/admin");
	if (state) {
		render_config(true);
		if (tab === "staff" || tab === "audit")
			show_tab(tab);
	}
	document.body.dataset.lang = l;
}

// The title: the floor's name and "Administration".
function render_title() {
	const name = state ? pick(state.doc.floor && state.doc.floor.name, t.lang) : "";
	$("title").textContent = name ? `${name} — ${t("adm_title")}` : t("adm_title");
	document.title = $("title").textContent;
}

// ---- tabs and blocks ----

// True when the signed-in user may change the document's top-level key `key`.
function editable(key) {
	const e = (state && state.editable) || [];
	return e.includes("*") || e.includes(key);
}

// The tab buttons, with a count of errors where a save found some.
function render_tabs(counts = {}) {
	const nav = $("tabs");
	nav.replaceChildren(...TABS.map((x) => {
		const b = el("button", { type: "button", class: "tab", text: t(`adm_tab_${x.id}`), "aria-current": x.id === tab ? "page" : undefined });
		b.dataset.tab = x.id;
		if (counts[x.id])
			b.append(el("span", { class: "count", text: String(counts[x.id]), "aria-label": t("adm_errors_n", { n: counts[x.id] }) }));
		b.addEventListener("click", () => show_tab(x.id));
		return b;
	}));
}

// The section element of a tab, made once.
function section(id) {
	let s = $(`sec-${id}`);
	if (!s) {
		s = el("section", { id: `sec-${id}`, class: "tab-body", "aria-labelledby": `h-${id}`, hidden: true },
			el("h2", { id: `h-${id}` }));
		$("sections").append(s);
	}
	s.querySelector("h2").textContent = t(`adm_tab_${id}`);
	return s;
}

// Shows tab id (and loads staff or audit, which are read afresh each time).
function show_tab(id) {
	tab = id;
	for (const x of TABS)
		section(x.id).hidden = x.id !== id;
	for (const b of $("tabs").querySelectorAll(".tab"))
		if (b.dataset.tab === id)
			b.setAttribute("aria-current", "page");
		else
			b.removeAttribute("aria-current");
	$("savebar").hidden = id === "staff" || id === "audit";
	if (history.replaceState)
		history.replaceState(null, "", `#${id}`);
	if (id === "staff")
		render_staff(ctx, body_of(section("staff")), me.role === "admin");
	if (id === "audit")
		render_audit(ctx, body_of(section("audit")));
}

// The body box of a staff/audit section.
function body_of(sec) {
	let b = sec.querySelector(".tab-content");
	if (!b) {
		b = el("div", { class: "tab-content" });
		sec.append(b);
	}
	return b;
}

// Draws every block of the configuration from state.doc; `keep` keeps the focus on the
// input with the same path (after a change of shape) and the scroll where it was.
function render_config(keep) {
	const focus = keep && document.activeElement && document.activeElement.dataset
		? document.activeElement.dataset.path : null;
	const y = window.scrollY;
	for (const x of TABS) {
		if (!x.blocks.length)
			continue;
		const sec = section(x.id);
		sec.querySelectorAll(".block").forEach((b) => b.remove());
		for (const [key, draw, keys] of x.blocks) {
			const ro = !editable(key === "other" ? "routing" : key);
			const hid = `bh-${key}`;
			const blk = el("section", { class: "block" + (ro ? " read-only" : ""), "aria-labelledby": hid },
				el("h3", { id: hid }, el("span", { text: t(`adm_blk_${key}`) }),
					ro ? el("span", { class: "badge", text: t("adm_read_only") }) : null));
			blk.dataset.key = key;
			blk.dataset.keys = keys.join(" ");
			blk.append(el("div", { class: "sec-errors", role: "alert", hidden: true },
				el("p", { text: t("adm_errors_here") }), el("ul")));
			const fs = el("fieldset", { class: "block-body", disabled: ro },
				el("legend", { class: "visually-hidden", text: t(`adm_blk_${key}`) }));
			draw(ctx, fs);
			blk.append(fs);
			sec.append(blk);
		}
	}
	render_title();
	render_dirty();
	if (keep) {
		window.scrollTo(0, y);
		const again = focus && document.querySelector(`[data-path="${CSS.escape(focus)}"]`);
		if (again)
			again.focus({ preventScroll: true });
	}
}

// The block that shows errors of a path without an input of its own.
function block_of(path) {
	const top = String(path).split(/[.[]/)[0];
	for (const b of document.querySelectorAll(".block"))
		if (b.dataset.keys.split(" ").includes(top))
			return b;
	return document.querySelector(".block");
}

// ---- editing and saving ----

// Says whether the document differs from the one last saved.
function render_dirty() {
	const dirty = state && JSON.stringify(state.doc) !== state.saved;
	$("dirty").textContent = dirty ? t("adm_unsaved") : "";
	document.body.dataset.dirty = dirty ? "1" : "";
}

function set_status(msg, bad) {
	const s = $("status");
	s.textContent = msg || "";
	s.className = bad ? "status bad" : "status";
}

// Writes an input's value into the document.
function on_input(e) {
	const x = e.target;
	if (!state || !(x instanceof HTMLElement))
		return;
	if (x.dataset.member) {
		const fs = x.closest("[data-list]");
		set_at(state.doc, fs.dataset.path, checklist_value(fs, state.doc), true);
	} else if (x.dataset.path) {
		set_at(state.doc, x.dataset.path, value_of(x), true);
		if (/\.icon$/.test(x.dataset.path)) {
			const prev = x.parentElement.querySelector(".icon-preview");
			if (prev)
				prev.replaceChildren(icon(x.value || "ticket"));
		}
	} else {
		return;
	}
	render_dirty();
}

// Reads the document afresh from torgd (discarding what was not saved).
async function load_config() {
	const r = await api("GET", "/admin/config");
	state = { doc: r.config, version: r.version, editable: r.editable || [], saved: JSON.stringify(r.config) };
	$("conflict").hidden = true;
	clear_errors($("sections"));
	render_tabs();
	render_config(false);
}

// PUT /api/v1/admin/config; returns { status, body }.
async function put_config() {
	const r = await fetch("/api/v1/admin/config", {
		method: "PUT", credentials: "same-origin", headers: { "content-type": "application/json" },
		body: JSON.stringify({ config: state.doc, version: state.version }),
	});
	return { status: r.status, body: await r.json().catch(() => null) };
}

// Shows a save's errors next to their inputs, counts them on the tabs, and focuses the
// first one (its tab shown).
function show_save_errors(errors) {
	const shown = show_errors($("sections"), errors, block_of);
	const counts = {};
	for (const s of shown) {
		const sec = s.section.closest(".tab-body");
		const id = sec.id.slice(4);
		counts[id] = (counts[id] || 0) + 1;
	}
	render_tabs(counts);
	const first = shown[0];
	if (!first)
		return;
	show_tab(first.section.closest(".tab-body").id.slice(4));
	if (first.focus.tabIndex < 0 && !first.focus.matches("input, select, textarea"))
		first.focus.tabIndex = -1;
	first.focus.focus({ preventScroll: true });
	first.focus.scrollIntoView({ block: "center" });
	set_status(t("adm_save_errors", { n: errors.length }), true);
}

async function save() {
	if (!state)
		return;
	clear_errors($("sections"));
	render_tabs();
	set_status(t("adm_saving"));
	$("save").disabled = true;
	let r;
	try {
		r = await put_config();
	} catch (e) {
		r = { status: 0, body: null };
	}
	$("save").disabled = false;
	const err = (r.body && r.body.error) || {};
	document.body.dataset.saveResult = r.status === 200 ? "saved" : r.status === 409 && err.code === "version_conflict"
		? "conflict" : r.status === 422 || err.field ? "errors" : "failed";
	if (r.status === 200) {
		state.version = r.body.version;
		state.saved = JSON.stringify(state.doc);
		render_dirty();
		set_status(t("adm_saved"));
	} else if (r.status === 422 && Array.isArray((r.body && r.body.errors) || err.errors)) {
		show_save_errors((r.body && r.body.errors) || err.errors);
	} else if (r.status === 422 || err.field) {
		show_save_errors([{ path: err.field || "", message: err.message || "" }]);
	} else if (r.status === 409 && err.code === "version_conflict") {
		$("conflict").hidden = false;
		$("conflict-reload").focus();
		set_status("");
	} else if (r.status === 401) {
		show_login();
	} else {
		set_status(error_text({ code: err.code || (r.status ? `http_${r.status}` : "network"), message: err.message }), true);
	}
}

// ---- signing in ----

function show_login(msg) {
	me = null;
	$("app").hidden = true;
	$("logout").hidden = true;
	$("staff-nav").replaceChildren();
	$("login").hidden = false;
	$("login-error").textContent = msg || "";
}

// Shows the page for user u (an admin or a manager); anyone else is told it is not theirs.
async function enter(u) {
	me = u;
	$("logout").hidden = false;
	$("who").textContent = `${u.name} · ${t(`adm_role_${u.role}`)}`;
	staff_nav($("staff-nav"), t, u, "/admin");
	if (u.role !== "admin" && u.role !== "manager")
		return deny();
	try {
		await load_config();
	} catch (e) {
		if (e.status === 403)
			return deny();
		if (e.status === 401)
			return show_login();
		$("login").hidden = true;
		$("denied").hidden = false; // the page cannot be shown: say why where it is seen
		$("denied").textContent = error_text(e);
		document.body.dataset.ready = "failed";
		return;
	}
	$("login").hidden = true;
	$("denied").hidden = true;
	$("app").hidden = false;
	const want = location.hash.slice(1);
	show_tab(TABS.some((x) => x.id === want) ? want : "floor");
	document.body.dataset.ready = "1";
}

function deny() {
	$("login").hidden = true;
	$("app").hidden = true;
	$("denied").hidden = false;
	$("denied").textContent = t("adm_not_allowed");
	document.body.dataset.ready = "denied";
}

async function start() {
	await Promise.all([load_staff_strings(), load_strings("ar")]);
	let langs = null;
	try {
		langs = (await api("GET", "/floor")).floor.languages;
	} catch (e) {
		langs = null;
	}
	set_lang(initial_lang(langs, ADMIN_LANGS));
	let u = null;
	try {
		u = (await api("GET", "/me")).user;
	} catch (e) {
		u = null;
	}
	if (u)
		return enter(u);
	show_login();
	document.body.dataset.ready = "login";
}

$("login").addEventListener("submit", async (e) => {
	e.preventDefault();
	try {
		const r = await api("POST", "/login", { name: $("login-name").value, password: $("login-password").value });
		await enter(r.user);
	} catch (err) {
		$("login-error").textContent = error_text(err);
	}
});
$("logout").addEventListener("click", async () => {
	await api("POST", "/logout").catch(() => null);
	location.hash = "";
	location.reload();
});
$("save").addEventListener("click", save);
$("revert").addEventListener("click", () => load_config().then(() => set_status("")));
$("conflict-reload").addEventListener("click", () => load_config().then(() => set_status(t("adm_reloaded"))));
$("sections").addEventListener("input", on_input);
$("sections").addEventListener("change", on_input);
start();
