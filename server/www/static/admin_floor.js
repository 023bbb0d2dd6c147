// admin_floor.js — the floor's setup on the administration page, drawn from the
// configuration document (config/README.md): the floor and its languages, opening hours,
// services, counters and rooms, wall displays and kiosks. Each part is a function that
// fills its block from ctx.doc; an input writes its value back through its data-path
// (admin.js listens), and a change of shape (a service added, a language added, hours
// turned on) calls ctx.rerender() so every name shows an input for every language.

import { LANG_NAMES, pick } from "./common.js";
import { ICON_NAMES, icon } from "./icons.js";
import { el, field, checklist, button, get_at, set_at } from "./admin_form.js";

export const DEFAULT_LANGS = ["nb", "nn", "sv", "en"];
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// The floor's languages (floor.languages, else the default four).
export function floor_langs(ctx) {
	const l = get_at(ctx.doc, "floor.languages");
	return Array.isArray(l) && l.length ? l.filter((x) => typeof x === "string") : DEFAULT_LANGS;
}

// A language's own name, or its tag.
export function lang_name(tag) {
	return LANG_NAMES[tag] || tag;
}

// The services as [id, name in the page's language] for check boxes.
export function service_items(ctx) {
	return (ctx.doc.services || []).map((s) => [s.id, `${pick(s.name, ctx.t.lang) || s.id} (${s.id})`]);
}

// Inputs for a names object at `path`: one per floor language, labelled with the
// language, the text typed in that language. opts.optional: all empty removes the key;
// opts.cls "long" gives each language a whole line (messages).
export function names(ctx, legend, path, opts = {}) {
	const fs = el("fieldset", { class: "names" + (opts.cls ? " " + opts.cls : "") });
	fs.dataset.path = path;
	fs.append(el("legend", { text: legend }));
	const cur = get_at(ctx.doc, path);
	for (const l of floor_langs(ctx)) {
		const f = field(ctx, ctx.t("adm_in_lang", { lang: lang_name(l) }), `${path}.${l}`,
			{ optional: true, lang: l, required: !opts.optional, placeholder: opts.placeholder,
				kind: opts.cls === "long" ? "textarea" : "text" });
		const missing = !cur || typeof cur !== "object" || !cur[l];
		if (missing && (!opts.optional || (cur && typeof cur === "object")))
			f.classList.add("needs");
		fs.append(f);
	}
	return fs;
}

// ---- opening hours ----

// The weekday's name in the page's language (2024-01-01 was a Monday).
function weekday_name(ctx, i) {
	return new Intl.DateTimeFormat(ctx.locale, { weekday: "long", timeZone: "UTC" })
		.format(new Date(Date.UTC(2024, 0, 1 + i)));
}

// Weekdays 08:00–15:30, the weekend closed: where new hours start.
function template_hours() {
	const h = {};
	for (const d of WEEKDAYS)
		h[d] = d === "sat" || d === "sun" ? [] : [["08:00", "15:30"]];
	return h;
}

// One span's two times, at path `${day}[i]`.
function span_row(ctx, path, i, day_label) {
	const row = el("div", { class: "span" });
	row.dataset.path = path;
	row.append(
		field(ctx, ctx.t("adm_opens", { day: day_label }), `${path}[0]`, { placeholder: "08:00", size: 5, cls: "time" }),
		el("span", { class: "dash", "aria-hidden": "true", text: "–" }),
		field(ctx, ctx.t("adm_closes", { day: day_label }), `${path}[1]`, { placeholder: "15:30", size: 5, cls: "time" }),
		button(ctx.t("adm_remove"), () => {
			get_at(ctx.doc, path.replace(/\[\d+\]$/, "")).splice(i, 1);
			ctx.rerender();
		}, { label: ctx.t("adm_remove_span", { day: day_label, n: i + 1 }) }));
	return row;
}

// The hours editor for `path` ("hours", or "services[3].hours" with opts.own: the
// service's own hours instead of the floor's).
export function hours(ctx, path, opts = {}) {
	const box = el("div", { class: "hours" });
	box.dataset.path = path;
	const cur = get_at(ctx.doc, path);
	if (opts.own) {
		const own = el("input", { type: "checkbox", id: `${path}-own`, checked: cur !== undefined });
		own.addEventListener("change", () => {
			const floor = ctx.doc.hours;
			set_at(ctx.doc, path, own.checked ? (floor && typeof floor === "object" ? structuredClone(floor) : template_hours()) : undefined);
			ctx.rerender();
		});
		box.append(el("div", { class: "field field-bool" }, own, el("label", { for: own.id, text: ctx.t("adm_own_hours") })));
		if (cur === undefined)
			return box;
	}
	const always = el("input", { type: "checkbox", id: `${path}-always`, checked: cur === undefined || cur === "always" });
	always.addEventListener("change", () => {
		set_at(ctx.doc, path, always.checked ? "always" : template_hours());
		ctx.rerender();
	});
	box.append(el("div", { class: "field field-bool" }, always, el("label", { for: always.id, text: ctx.t("adm_always_open") })));
	if (cur === undefined || cur === "always" || typeof cur !== "object")
		return box;
	const table = el("div", { class: "week" });
	WEEKDAYS.forEach((d, di) => {
		const day_label = weekday_name(ctx, di);
		const dp = `${path}.${d}`;
		const spans = Array.isArray(cur[d]) ? cur[d] : [];
		const row = el("div", { class: "day" });
		row.dataset.path = dp;
		row.append(el("span", { class: "day-name", text: day_label }));
		const list = el("div", { class: "spans" });
		if (spans.length === 0)
			list.append(el("span", { class: "closed", text: ctx.t("adm_closed") }));
		spans.forEach((_, i) => list.append(span_row(ctx, `${dp}[${i}]`, i, day_label)));
		row.append(list, button(ctx.t("adm_add_span"), () => {
			const prev = spans[spans.length - 1];
			set_at(ctx.doc, dp, spans.concat([prev ? [prev[1], "18:00"] : ["08:00", "15:30"]]));
			ctx.rerender();
		}, { label: ctx.t("adm_add_span_day", { day: day_label }) }));
		table.append(row);
	});
	box.append(table);
	return box;
}

// ---- list items: remove and move ----

// Buttons that remove or move item i of the array at `path`; `what` names the item.
function item_tools(ctx, path, i, what) {
	const list = get_at(ctx.doc, path);
	const tools = el("div", { class: "tools" });
	const move = (d) => {
		const [x] = list.splice(i, 1);
		list.splice(i + d, 0, x);
		ctx.rerender();
	};
	if (i > 0)
		tools.append(button(ctx.t("adm_up"), () => move(-1), { label: ctx.t("adm_up_what", { what }) }));
	if (i < list.length - 1)
		tools.append(button(ctx.t("adm_down"), () => move(1), { label: ctx.t("adm_down_what", { what }) }));
	tools.append(button(ctx.t("adm_remove"), () => {
		list.splice(i, 1);
		ctx.rerender();
	}, { cls: "small danger", label: ctx.t("adm_remove_what", { what }) }));
	return tools;
}

// A card for item i of a list, titled `title`, with its tools.
function card(ctx, path, i, title) {
	const c = el("fieldset", { class: "card" });
	c.dataset.path = `${path}[${i}]`;
	c.append(el("legend", { text: title }), item_tools(ctx, path, i, title));
	return c;
}

// An "Add …" button that appends `make()` to the array at `path`.
function add_button(ctx, path, text, make) {
	return button(text, () => {
		const list = get_at(ctx.doc, path);
		if (Array.isArray(list))
			list.push(make());
		else
			set_at(ctx.doc, path, [make()]);
		ctx.rerender();
		ctx.focus_last(path);
	}, { cls: "add" });
}

// ---- the floor ----

// The floor's id, name, time zone, day start and languages; a few floor-wide settings.
export function render_floor(ctx, box) {
	const t = ctx.t;
	box.append(
		el("div", { class: "row" },
			field(ctx, t("adm_floor_id"), "floor.id", { size: 20 }),
			field(ctx, t("adm_timezone"), "floor.timezone", { placeholder: "Europe/Oslo", size: 24 }),
			field(ctx, t("adm_day_starts"), "floor.day_starts", { optional: true, placeholder: "04:00", size: 5 })),
		names(ctx, t("adm_floor_name"), "floor.name"));
	const langs = floor_langs(ctx);
	const fs = el("fieldset", { class: "langs" });
	fs.dataset.path = "floor.languages";
	fs.append(el("legend", { text: t("adm_languages") }), el("p", { class: "hint", text: t("adm_languages_hint") }));
	const ul = el("ul", { class: "lang-list" });
	langs.forEach((l, i) => {
		const li = el("li", {}, el("span", { lang: l, text: `${lang_name(l)} (${l})` }));
		if (!DEFAULT_LANGS.includes(l))
			li.append(button(t("adm_remove"), () => {
				set_at(ctx.doc, "floor.languages", langs.filter((x, j) => j !== i));
				ctx.rerender();
			}, { label: t("adm_remove_what", { what: lang_name(l) }) }));
		ul.append(li);
	});
	const add_id = "add-lang";
	const add = el("input", { id: add_id, size: 8, placeholder: "ar", autocomplete: "off" });
	const go = button(t("adm_add_language"), () => {
		const tag = add.value.trim();
		if (!tag || langs.includes(tag))
			return;
		set_at(ctx.doc, "floor.languages", langs.concat([tag]));
		ctx.rerender();
		ctx.notice(t("adm_language_added", { lang: lang_name(tag) }));
	}, { cls: "add" });
	add.addEventListener("keydown", (e) => {
		if (e.key === "Enter") {
			e.preventDefault();
			go.click();
		}
	});
	fs.append(ul, el("div", { class: "field inline" }, el("label", { for: add_id, text: t("adm_new_language") }), add, go));
	box.append(fs);
}

// Floor-wide settings that have no section of their own.
export function render_other(ctx, box) {
	const t = ctx.t;
	box.append(el("div", { class: "row" },
		field(ctx, t("adm_starvation"), "routing.starvation_bound_s", { kind: "int", optional: true, placeholder: "1200", size: 7 }),
		field(ctx, t("adm_retention"), "statistics.retention_days", { kind: "int", optional: true, placeholder: "90", size: 5 })),
	field(ctx, t("adm_per_staff"), "statistics.per_staff", { kind: "bool", optional: true }));
}

// The floor's opening hours.
export function render_hours(ctx, box) {
	box.append(hours(ctx, "hours"));
}

// ---- services ----

export function render_services(ctx, box) {
	const t = ctx.t;
	const list = ctx.doc.services || [];
	const grid = el("div", { class: "cards" });
	list.forEach((s, i) => {
		const p = `services[${i}]`;
		const c = card(ctx, "services", i, `${pick(s.name, t.lang) || s.id || t("adm_new_service")} (${s.id || "?"})`);
		const ic = el("span", { class: "icon-preview" }, icon(s.icon || "ticket"));
		const icon_field = field(ctx, t("adm_icon"), `${p}.icon`, { kind: "select", optional: true,
			options: [["", t("adm_icon_default")], ...ICON_NAMES.map((n) => [n, n])] });
		icon_field.append(ic);
		c.append(
			el("div", { class: "row" },
				field(ctx, t("adm_id"), `${p}.id`, { size: 16 }),
				field(ctx, t("adm_prefix"), `${p}.prefix`, { size: 3, hint: t("adm_prefix_hint") }),
				icon_field),
			names(ctx, t("adm_name"), `${p}.name`),
			el("div", { class: "row" },
				field(ctx, t("adm_target_wait"), `${p}.target_wait_s`, { kind: "int", optional: true, placeholder: "600", size: 6 }),
				field(ctx, t("adm_service_s"), `${p}.service_s`, { kind: "int", optional: true, placeholder: "300", size: 6 })),
			hours(ctx, `${p}.hours`, { own: true }));
		grid.append(c);
	});
	box.append(grid, add_button(ctx, "services", t("adm_add_service"), () => ({ id: "", prefix: "", name: {} })));
}

// ---- counters and rooms ----

export function render_counters(ctx, box) {
	const t = ctx.t;
	const grid = el("div", { class: "cards" });
	(ctx.doc.counters || []).forEach((k, i) => {
		const p = `counters[${i}]`;
		const c = card(ctx, "counters", i, `${pick(k.name, t.lang) || k.id || t("adm_new_counter")} (${k.id || "?"})`);
		c.append(
			el("div", { class: "row" },
				field(ctx, t("adm_id"), `${p}.id`, { size: 12 }),
				field(ctx, t("adm_kind"), `${p}.kind`, { kind: "select", default: "counter",
					options: [["counter", t("adm_kind_counter")], ["room", t("adm_kind_room")]] }),
				field(ctx, t("adm_policy"), `${p}.policy`, { kind: "select", default: "overdue",
					options: [["overdue", t("adm_policy_overdue")], ["fifo", t("adm_policy_fifo")], ["ordered", t("adm_policy_ordered")]] })),
			names(ctx, t("adm_name"), `${p}.name`, { optional: true, placeholder: k.id }),
			checklist(ctx, t("adm_counter_services"), `${p}.services`, service_items(ctx), { cls: "compact" }));
		grid.append(c);
	});
	box.append(grid, add_button(ctx, "counters", t("adm_add_counter"), () => ({ id: "", services: [] })));
}

// ---- displays and kiosks ----

export function render_displays(ctx, box) {
	const t = ctx.t;
	const grid = el("div", { class: "cards" });
	(ctx.doc.displays || []).forEach((d, i) => {
		const p = `displays[${i}]`;
		const c = card(ctx, "displays", i, `${d.name || d.id || t("adm_new_display")} (${d.id || "?"})`);
		c.append(
			el("div", { class: "row" },
				field(ctx, t("adm_id"), `${p}.id`, { size: 14 }),
				field(ctx, t("adm_display_name"), `${p}.name`, { optional: true, size: 28 })),
			el("div", { class: "row" },
				field(ctx, t("adm_display_langs"), `${p}.languages`, { kind: "tags", optional: true, size: 18,
					placeholder: floor_langs(ctx).join(", "), hint: t("adm_display_langs_hint") }),
				field(ctx, t("adm_language_mode"), `${p}.language_mode`, { kind: "select", optional: true,
					options: [["", t("adm_mode_default")], ["primary", t("adm_mode_primary")],
						["second_line", t("adm_mode_second_line")], ["rotate", t("adm_mode_rotate")]] }),
				field(ctx, t("adm_announce"), `${p}.announce`, { kind: "tags", optional: true, size: 14 })),
			el("div", { class: "row" },
				field(ctx, t("adm_logo"), `${p}.logo`, { optional: true, size: 16, placeholder: "torg.svg" }),
				field(ctx, t("adm_color_bg"), `${p}.colors.background`, { optional: true, size: 8, placeholder: "#00234d" }),
				field(ctx, t("adm_color_fg"), `${p}.colors.foreground`, { optional: true, size: 8, placeholder: "#ffffff" }),
				field(ctx, t("adm_color_accent"), `${p}.colors.accent`, { optional: true, size: 8, placeholder: "#ffd400" })),
			checklist(ctx, t("adm_display_services"), `${p}.services`, service_items(ctx),
				{ empty_means: t("adm_display_all_services"), cls: "compact" }),
			el("p", {}, el("a", { href: `/display/${encodeURIComponent(d.id || "")}`, target: "_blank", rel: "noopener",
				text: t("adm_open_display") })));
		grid.append(c);
	});
	box.append(grid, add_button(ctx, "displays", t("adm_add_display"), () => ({ id: "" })));
}

export function render_kiosks(ctx, box) {
	const t = ctx.t;
	box.append(el("div", { class: "row" },
		field(ctx, t("adm_kiosk_policy"), "kiosks.policy", { kind: "select", default: "public",
			options: [["public", t("adm_kiosk_public")], ["key", t("adm_kiosk_key")]] }),
		field(ctx, t("adm_rate"), "kiosks.rate_per_minute", { kind: "int", optional: true, placeholder: "20", size: 6 }),
		field(ctx, t("adm_idle"), "kiosks.idle_s", { kind: "int", optional: true, placeholder: "60", size: 6 })));
	const keys = get_at(ctx.doc, "kiosks.keys") || [];
	const fs = el("fieldset", { class: "keys" });
	fs.dataset.path = "kiosks.keys";
	fs.append(el("legend", { text: t("adm_kiosk_keys") }), el("p", { class: "hint", text: t("adm_kiosk_keys_hint") }));
	keys.forEach((k, i) => {
		const p = `kiosks.keys[${i}]`;
		const row = el("div", { class: "row key" });
		row.dataset.path = p;
		row.append(field(ctx, t("adm_id"), `${p}.id`, { size: 10 }),
			field(ctx, t("adm_key"), `${p}.key`, { size: 34, cls: "mono" }),
			button(t("adm_remove"), () => {
				keys.splice(i, 1);
				ctx.rerender();
			}, { cls: "small danger", label: t("adm_remove_what", { what: k.id || t("adm_key") }) }));
		fs.append(row);
	});
	fs.append(button(t("adm_add_key"), () => {
		const bytes = crypto.getRandomValues(new Uint8Array(16));
		const key = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
		set_at(ctx.doc, "kiosks.keys", keys.concat([{ id: `k${keys.length + 1}`, key }]));
		ctx.rerender();
	}, { cls: "add" }));
	box.append(fs);
}
