// admin_notices.js — the floor's notices on the administration page (config/README.md,
// `exceptions` and `messages`): dated exceptions to the opening hours (one date or a
// from–to range; closed, or other hours; for every service or some; a note in each floor
// language) and screen messages (an id, a text in each floor language, an optional
// from/until in the floor's local time, every display or some, on the kiosks or not).
// Managers may change these two even where the rest of the floor is read-only to them.

import { el, field, checklist, button, get_at, set_at } from "./admin_form.js";
import { names, service_items } from "./admin_floor.js";

// The remove button of item i of the array at path.
function remove_button(ctx, path, i, what) {
	return button(ctx.t("adm_remove"), () => {
		get_at(ctx.doc, path).splice(i, 1);
		ctx.rerender();
	}, { cls: "small danger", label: ctx.t("adm_remove_what", { what }) });
}

// Appends `item` to the array at path (creating it) and redraws, focusing the new item.
function add_item(ctx, path, item) {
	const list = get_at(ctx.doc, path);
	set_at(ctx.doc, path, (Array.isArray(list) ? list : []).concat([item]));
	ctx.rerender();
	ctx.focus_last(path);
}

// Today's date in the floor's time zone, YYYY-MM-DD.
function today(ctx) {
	return new Intl.DateTimeFormat("en-CA", { timeZone: get_at(ctx.doc, "floor.timezone") || undefined }).format(new Date());
}

// A radio pair choosing between two shapes of one item; on_pick(value) changes the doc.
function choice(ctx, legend, name, options, current, on_pick) {
	const fs = el("fieldset", { class: "choice" }, el("legend", { text: legend }));
	for (const [value, text] of options) {
		const id = `${name}-${value}`;
		const r = el("input", { type: "radio", id, name, value, checked: value === current });
		r.addEventListener("change", () => {
			if (r.checked)
				on_pick(value);
		});
		fs.append(el("span", { class: "radio" }, r, el("label", { for: id, text })));
	}
	return fs;
}

// ---- exceptions ----

// The editor of exceptions[i].
function exception_card(ctx, x, i) {
	const t = ctx.t;
	const p = `exceptions[${i}]`;
	const range = x.date === undefined && (x.from !== undefined || x.to !== undefined);
	const title = range ? `${x.from || "?"} – ${x.to || "?"}` : x.date || t("adm_new_exception");
	const c = el("fieldset", { class: "card" });
	c.dataset.path = p;
	c.append(el("legend", { text: title }), el("div", { class: "tools" }, remove_button(ctx, "exceptions", i, title)));
	c.append(choice(ctx, t("adm_exc_when"), `exc${i}-when`, [["date", t("adm_exc_one_day")], ["range", t("adm_exc_range")]],
		range ? "range" : "date", (v) => {
			if (v === "range") {
				x.from = x.date || today(ctx);
				x.to = x.from;
				delete x.date;
			} else {
				x.date = x.from || today(ctx);
				delete x.from;
				delete x.to;
			}
			ctx.rerender();
		}));
	c.append(range
		? el("div", { class: "row" }, field(ctx, t("adm_exc_from"), `${p}.from`, { kind: "date" }),
			field(ctx, t("adm_exc_to"), `${p}.to`, { kind: "date" }))
		: el("div", { class: "row" }, field(ctx, t("adm_exc_date"), `${p}.date`, { kind: "date" })));
	const closed = x.hours === undefined;
	c.append(choice(ctx, t("adm_exc_opening"), `exc${i}-open`, [["closed", t("adm_exc_closed")], ["hours", t("adm_exc_hours")]],
		closed ? "closed" : "hours", (v) => {
			if (v === "hours") {
				delete x.closed;
				x.hours = [["08:00", "12:00"]];
			} else {
				delete x.hours;
				x.closed = true;
			}
			ctx.rerender();
		}));
	if (!closed) {
		const spans = el("div", { class: "spans" });
		spans.dataset.path = `${p}.hours`;
		(Array.isArray(x.hours) ? x.hours : []).forEach((_, j) => {
			const sp = `${p}.hours[${j}]`;
			const row = el("div", { class: "span" });
			row.dataset.path = sp;
			row.append(field(ctx, t("adm_opens", { day: title }), `${sp}[0]`, { size: 5, cls: "time", placeholder: "08:00" }),
				el("span", { class: "dash", "aria-hidden": "true", text: "–" }),
				field(ctx, t("adm_closes", { day: title }), `${sp}[1]`, { size: 5, cls: "time", placeholder: "12:00" }),
				button(t("adm_remove"), () => {
					x.hours.splice(j, 1);
					ctx.rerender();
				}, { label: t("adm_remove_span", { day: title, n: j + 1 }) }));
			spans.append(row);
		});
		spans.append(button(t("adm_add_span"), () => {
			x.hours.push(["13:00", "15:00"]);
			ctx.rerender();
		}, { label: t("adm_add_span_day", { day: title }) }));
		c.append(spans);
	}
	c.append(checklist(ctx, t("adm_exc_services"), `${p}.services`, service_items(ctx),
		{ empty_means: t("adm_exc_all_services"), cls: "compact" }));
	c.append(names(ctx, t("adm_exc_note"), `${p}.note`, { optional: true }));
	return c;
}

export function render_exceptions(ctx, box) {
	const t = ctx.t;
	const grid = el("div", { class: "cards" });
	(ctx.doc.exceptions || []).forEach((x, i) => grid.append(exception_card(ctx, x, i)));
	box.append(grid, button(t("adm_add_exception"), () => add_item(ctx, "exceptions", { date: today(ctx), closed: true }),
		{ cls: "add" }));
}

// ---- messages ----

// The editor of messages[i].
function message_card(ctx, m, i) {
	const t = ctx.t;
	const p = `messages[${i}]`;
	const title = m.id || t("adm_new_message");
	const c = el("fieldset", { class: "card" });
	c.dataset.path = p;
	c.append(el("legend", { text: title }), el("div", { class: "tools" }, remove_button(ctx, "messages", i, title)));
	c.append(field(ctx, t("adm_id"), `${p}.id`, { size: 16 }),
		names(ctx, t("adm_msg_text"), `${p}.text`, { cls: "long" }),
		el("div", { class: "row" },
			field(ctx, t("adm_msg_from"), `${p}.from`, { kind: "datetime", optional: true }),
			field(ctx, t("adm_msg_until"), `${p}.until`, { kind: "datetime", optional: true })),
		el("p", { class: "hint", text: t("adm_msg_times_hint") }),
		checklist(ctx, t("adm_msg_displays"), `${p}.displays`,
			(ctx.doc.displays || []).map((d) => [d.id, d.name ? `${d.name} (${d.id})` : d.id]),
			{ empty_means: t("adm_msg_all_displays"), cls: "compact" }),
		field(ctx, t("adm_msg_kiosks"), `${p}.kiosks`, { kind: "bool", optional: true, default_on: true }));
	return c;
}

export function render_messages(ctx, box) {
	const t = ctx.t;
	const grid = el("div", { class: "cards" });
	(ctx.doc.messages || []).forEach((m, i) => grid.append(message_card(ctx, m, i)));
	const used = new Set((ctx.doc.messages || []).map((m) => m.id));
	let n = 1;
	while (used.has(`message${n}`))
		n++;
	box.append(grid, button(t("adm_add_message"), () => add_item(ctx, "messages", { id: `message${n}`, text: {} }),
		{ cls: "add" }));
}
