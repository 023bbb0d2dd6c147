// admin_staff.js — staff and the audit log on the administration page, on the routes of
// PROTOCOL.md's "Administration": the users with their role, services and live sessions
// (GET /api/v1/admin/users); adding one (its one-time code and link are shown once),
// changing role and services, disabling and enabling, a password reset, ending a session
// and deleting a user after a confirmation (admins only: managers see the list); and the
// audit log, newest first (GET /api/v1/admin/audit), which managers may read too.

import { api, pick } from "./common.js";
import { el, button, new_id } from "./admin_form.js";

const ROLES = ["counter", "manager", "admin"];
let staff_draws = 0; // the newest render_staff: an older one's answer is not drawn over it
let audit_draws = 0;

// A time as a short local date and time in the page's language.
function when(ctx, iso) {
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return String(iso || "");
	return new Intl.DateTimeFormat(ctx.locale, { dateStyle: "short", timeStyle: "short" }).format(d);
}

// The role's name in the page's language.
function role_name(ctx, r) {
	return ctx.t(`adm_role_${r}`);
}

// The services' names for a user's list (none: every service).
function services_text(ctx, list) {
	if (!list || list.length === 0)
		return ctx.t("adm_all_services");
	const by = new Map((ctx.doc.services || []).map((s) => [s.id, s]));
	return list.map((id) => (by.has(id) ? pick(by.get(id).name, ctx.t.lang) : id)).join(", ");
}

// A role <select> with label; `value` chosen.
function role_select(ctx, id, value) {
	const s = el("select", { id });
	for (const r of ROLES)
		s.append(el("option", { value: r, text: role_name(ctx, r), selected: r === value }));
	return s;
}

// Service check boxes for a user (none checked: every service).
function service_boxes(ctx, legend, chosen) {
	const fs = el("fieldset", { class: "checklist compact" }, el("legend", { text: legend }),
		el("p", { class: "hint", text: ctx.t("adm_user_services_hint") }));
	const boxes = el("div", { class: "boxes" });
	for (const s of ctx.doc.services || []) {
		const id = new_id("us");
		const cb = el("input", { type: "checkbox", id, value: s.id, checked: (chosen || []).includes(s.id) });
		boxes.append(el("div", { class: "check" }, cb, el("label", { for: id, text: pick(s.name, ctx.t.lang) || s.id })));
	}
	fs.append(boxes);
	fs.chosen = () => [...boxes.querySelectorAll("input:checked")].map((c) => c.value);
	return fs;
}

// The one-time code and link of a reset, shown once.
function reset_box(ctx, name, reset) {
	const url = new URL(reset.url, location.origin).href;
	return el("div", { class: "reset", role: "status" },
		el("p", { text: ctx.t("adm_reset_for", { name }) }),
		el("p", {}, el("span", { text: ctx.t("adm_reset_code") + " " }), el("code", { class: "reset-code", text: reset.code })),
		el("p", {}, el("span", { text: ctx.t("adm_reset_link") + " " }), el("a", { class: "reset-url", href: url, text: url })),
		el("p", { class: "hint", text: ctx.t("adm_reset_once", { at: when(ctx, reset.expires_at) }) }));
}

// Runs an admin action; shows its error in `out` (and returns null) or returns the answer.
async function act(ctx, out, fn) {
	out.textContent = "";
	try {
		return await fn();
	} catch (e) {
		out.textContent = ctx.error_text(e);
		if (e.status === 401)
			ctx.signed_out();
		return null;
	}
}

// One user's row: what they are, their sessions, and (for admins) the actions.
function user_card(ctx, u, admin, refresh) {
	const t = ctx.t;
	const c = el("article", { class: "user" + (u.disabled ? " disabled" : "") });
	c.dataset.user = u.name;
	const head = el("h3", {}, el("span", { class: "uname", text: u.name }),
		el("span", { class: "badge", text: role_name(ctx, u.role) }),
		u.disabled ? el("span", { class: "badge off", text: t("adm_disabled") }) : null,
		u.source === "directory" ? el("span", { class: "badge", text: t("adm_directory") }) : null);
	const out = el("p", { class: "field-error", role: "alert" });
	c.append(head, el("p", { class: "services", text: services_text(ctx, u.services) }));
	const sess = el("ul", { class: "sessions" });
	for (const s of u.sessions || []) {
		const li = el("li", {}, el("span", { text: t(s.counter ? "adm_session_line" : "adm_session_line_nc",
			{ since: when(ctx, s.since), counter: s.counter, n: s.websockets ?? 0 }) }));
		if (admin)
			li.append(button(t("adm_end_session"), async () => {
				await act(ctx, out, () => api("DELETE", `/admin/sessions/${encodeURIComponent(s.id)}`));
				if (!out.textContent)
					refresh();
			}, { label: t("adm_end_session_of", { name: u.name }) }));
		li.dataset.session = s.id;
		sess.append(li);
	}
	c.append(el("p", { class: "hint", text: (u.sessions || []).length ? t("adm_sessions") : t("adm_no_sessions") }), sess);
	if (!admin) {
		c.append(out);
		return c;
	}
	const edit = el("details", { class: "edit" }, el("summary", { text: t("adm_edit_user") }));
	const rid = new_id("role");
	const role = role_select(ctx, rid, u.role);
	const svc = service_boxes(ctx, t("adm_user_services"), u.services);
	edit.append(el("div", { class: "field" }, el("label", { for: rid, text: t("adm_role") }), role), svc,
		button(t("adm_save_user"), async () => {
			if (await act(ctx, out, () => api("PATCH", `/admin/users/${encodeURIComponent(u.name)}`,
				{ role: role.value, services: svc.chosen() })))
				refresh(t("adm_user_saved", { name: u.name }));
		}, { cls: "primary", label: t("adm_save_user_of", { name: u.name }) }));
	const tools = el("div", { class: "tools" });
	tools.append(
		button(u.disabled ? t("adm_enable") : t("adm_disable"), async () => {
			if (await act(ctx, out, () => api("PATCH", `/admin/users/${encodeURIComponent(u.name)}`, { disabled: !u.disabled })))
				refresh();
		}, { label: t(u.disabled ? "adm_enable_of" : "adm_disable_of", { name: u.name }) }),
		button(t("adm_reset"), async () => {
			const r = await act(ctx, out, () => api("POST", `/admin/users/${encodeURIComponent(u.name)}/reset`));
			if (r)
				refresh(null, { name: u.name, reset: r.reset });
		}, { label: t("adm_reset_of", { name: u.name }) }),
		button(t("adm_delete"), () => {
			confirm_box.hidden = false;
			confirm_box.querySelector("button").focus();
		}, { cls: "small danger", label: t("adm_delete_of", { name: u.name }) }));
	const confirm_box = el("div", { class: "confirm", hidden: true, role: "group", "aria-label": t("adm_delete_of", { name: u.name }) },
		el("p", { text: t("adm_delete_confirm", { name: u.name }) }),
		button(t("adm_delete_yes"), async () => {
			await act(ctx, out, () => api("DELETE", `/admin/users/${encodeURIComponent(u.name)}`));
			if (!out.textContent)
				refresh(t("adm_user_deleted", { name: u.name }));
		}, { cls: "small danger confirm-yes" }),
		button(t("adm_cancel"), () => {
			confirm_box.hidden = true;
		}));
	c.append(tools, confirm_box, edit, out);
	return c;
}

// The form that adds a user; on success shows the one-time code and link.
function add_form(ctx, refresh) {
	const t = ctx.t;
	const f = el("form", { class: "add-user" });
	const nid = new_id("uname");
	const rid = new_id("urole");
	const oid = new_id("uerr");
	const name = el("input", { id: nid, required: true, autocomplete: "off", maxlength: 64, spellcheck: "false",
		"aria-describedby": oid });
	const role = role_select(ctx, rid, "counter");
	const svc = service_boxes(ctx, t("adm_user_services"), []);
	const out = el("p", { id: oid, class: "field-error", role: "alert" });
	f.append(el("h3", { text: t("adm_add_user") }),
		el("div", { class: "row" },
			el("div", { class: "field" }, el("label", { for: nid, text: t("user_name") }), name),
			el("div", { class: "field" }, el("label", { for: rid, text: t("adm_role") }), role)),
		svc, el("button", { type: "submit", class: "primary", text: t("adm_add_user_btn") }), out);
	f.addEventListener("submit", async (e) => {
		e.preventDefault();
		const body = { name: name.value.trim(), role: role.value };
		if (svc.chosen().length)
			body.services = svc.chosen();
		const r = await act(ctx, out, () => api("POST", "/admin/users", body));
		if (out.textContent)
			name.setAttribute("aria-invalid", "true");
		if (r)
			refresh(t("adm_user_added", { name: r.user.name }), { name: r.user.name, reset: r.reset });
	});
	return f;
}

// Draws the staff section into box; `admin` says whether the actions are offered.
export async function render_staff(ctx, box, admin, note) {
	const t = ctx.t;
	const refresh = (msg, r) => render_staff(ctx, box, admin, { msg, name: r && r.name, reset: r && r.reset });
	const draw = ++staff_draws;
	let users;
	try {
		users = (await api("GET", "/admin/users")).users;
	} catch (e) {
		if (draw !== staff_draws)
			return;
		box.replaceChildren(el("p", { class: "field-error", role: "alert", text: ctx.error_text(e) }));
		return;
	}
	if (draw !== staff_draws)
		return;
	const kids = [];
	if (note && note.msg)
		kids.push(el("p", { class: "saved", role: "status", text: note.msg }));
	if (note && note.reset)
		kids.push(reset_box(ctx, note.name, note.reset));
	if (admin)
		kids.push(add_form(ctx, refresh));
	else
		kids.push(el("p", { class: "hint", text: t("adm_staff_read_only") }));
	const list = el("div", { class: "users" });
	for (const u of users)
		list.append(user_card(ctx, u, admin, refresh));
	kids.push(list);
	box.replaceChildren(...kids);
	const first = box.querySelector(".reset, .saved");
	if (first) {
		first.tabIndex = -1;
		first.focus();
	}
}

// Draws the audit log (newest first) into box.
export async function render_audit(ctx, box) {
	const t = ctx.t;
	const draw = ++audit_draws;
	let entries;
	try {
		entries = (await api("GET", "/admin/audit?limit=200")).entries;
	} catch (e) {
		if (draw !== audit_draws)
			return;
		box.replaceChildren(el("p", { class: "field-error", role: "alert", text: ctx.error_text(e) }));
		return;
	}
	if (draw !== audit_draws)
		return;
	const table = el("table", { class: "audit" });
	table.append(el("caption", { class: "visually-hidden", text: t("adm_tab_audit") }),
		el("thead", {}, el("tr", {}, ...["adm_audit_at", "adm_audit_by", "adm_audit_action", "adm_audit_target", "adm_audit_detail"]
			.map((k) => el("th", { scope: "col", text: t(k) })))));
	const body = el("tbody");
	for (const e of entries) {
		const detail = typeof e.detail === "string" ? e.detail : e.detail ? JSON.stringify(e.detail) : "";
		body.append(el("tr", {}, el("td", { text: when(ctx, e.at) }), el("td", { class: "by", text: e.by }),
			el("td", { class: "action", text: e.action }), el("td", { text: e.target || "" }),
			el("td", { class: "detail", text: detail })));
	}
	table.append(body);
	const again = button(t("adm_refresh"), () => render_audit(ctx, box), { cls: "add" });
	box.replaceChildren(again, entries.length ? table : el("p", { class: "hint", text: t("adm_audit_empty") }));
}
