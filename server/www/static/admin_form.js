// admin_form.js — the administration page's form kit: JSON paths ("services[2].name.nb")
// read from and written into the configuration document, inputs that carry their path
// (data-path) and how their text becomes a value (data-kind), and the errors of a 422
// answer put next to the input (or group) with that path. Every input is built with a
// visible <label for>, so the page has one way of labelling and of showing errors.

let uid = 0;

// A fresh element id with a prefix.
export function new_id(prefix = "f") {
	uid += 1;
	return `${prefix}-${uid}`;
}

// "services[2].name.nb" → ["services", 2, "name", "nb"].
export function parse_path(p) {
	const out = [];
	for (const m of String(p).matchAll(/([^.[\]]+)|\[(\d+)\]/g))
		out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
	return out;
}

// The value at path p of doc, or undefined.
export function get_at(doc, p) {
	let x = doc;
	for (const k of parse_path(p)) {
		if (x === null || typeof x !== "object")
			return undefined;
		x = x[k];
	}
	return x;
}

// Sets the value at path p of doc (creating objects on the way); undefined deletes it,
// and an object left empty by the delete goes too when `prune` says so.
export function set_at(doc, p, v, prune = false) {
	const keys = parse_path(p);
	const stack = [];
	let x = doc;
	for (const k of keys.slice(0, -1)) {
		if (x[k] === null || typeof x[k] !== "object") {
			if (v === undefined)
				return;
			x[k] = {};
		}
		stack.push([x, k]);
		x = x[k];
	}
	const last = keys[keys.length - 1];
	if (v === undefined) {
		if (Array.isArray(x) && typeof last === "number")
			x.splice(last, 1);
		else
			delete x[last];
		if (prune && stack.length && !Array.isArray(x) && Object.keys(x).length === 0) {
			const [parent, k] = stack[stack.length - 1];
			delete parent[k];
		}
	} else {
		x[last] = v;
	}
}

// Creates an element with attributes (class, text, and anything else) and children.
export function el(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === "class")
			e.className = v;
		else if (k === "text")
			e.textContent = v;
		else if (k in e && typeof v !== "string")
			e[k] = v;
		else
			e.setAttribute(k, v === true ? "" : v);
	}
	e.append(...kids.filter((x) => x !== null && x !== undefined && x !== false));
	return e;
}

// Gives a text area rows enough for its text (about 50 characters a line), 2 to 9.
function fit_rows(area) {
	const lines = area.value.split("\n").reduce((n, l) => n + Math.max(1, Math.ceil([...l].length / 50)), 0);
	area.rows = Math.min(9, Math.max(2, lines + 1));
}

// The text an input shows for a document value.
function shown(kind, v) {
	if (v === undefined || v === null)
		return "";
	if (kind === "tags")
		return Array.isArray(v) ? v.join(", ") : String(v);
	return String(v);
}

// One labelled input bound to `path` of ctx.doc. opts: kind ("text", "textarea", "int", "tags",
// "date", "datetime", "select", "bool"), optional (an empty input removes the key),
// options ([[value, label]] for a select; value "" means the default), lang (the
// language of the text typed), default (the select's value when the key is absent),
// placeholder, hint, cls, size.
export function field(ctx, label, path, opts = {}) {
	const kind = opts.kind || "text";
	const id = new_id("in");
	const v = get_at(ctx.doc, path);
	let input;
	if (kind === "select") {
		input = el("select", { id });
		for (const [val, text] of opts.options)
			input.append(el("option", { value: val, text }));
		input.value = v === undefined ? opts.default || "" : String(v);
		if (input.selectedIndex < 0) // a value the page does not know: keep it shown
			input.append(el("option", { value: String(v), text: String(v), selected: true }));
	} else if (kind === "textarea") {
		input = el("textarea", { id, lang: opts.lang, dir: opts.lang ? "auto" : undefined, spellcheck: "true" });
		input.value = shown(kind, v);
		fit_rows(input);
		input.addEventListener("input", () => fit_rows(input));
		if (opts.required)
			input.setAttribute("aria-required", "true");
	} else if (kind === "bool") {
		input = el("input", { id, type: "checkbox" });
		input.checked = v === undefined ? !!opts.default_on : !!v;
	} else {
		const type = kind === "date" ? "date" : kind === "datetime" ? "datetime-local" : "text";
		input = el("input", { id, type, value: shown(kind, v), placeholder: opts.placeholder,
			size: opts.size, lang: opts.lang, dir: opts.lang ? "auto" : undefined,
			inputmode: kind === "int" ? "numeric" : undefined, autocomplete: "off", spellcheck: "false" });
		if (opts.required)
			input.setAttribute("aria-required", "true");
	}
	input.dataset.path = path;
	input.dataset.kind = kind;
	if (opts.optional)
		input.dataset.optional = "1";
	if (opts.default_on)
		input.dataset.defaultOn = "1";
	const lab = el("label", { for: id, text: label });
	const box = el("div", { class: `field field-${kind}${opts.cls ? " " + opts.cls : ""}` });
	if (kind === "bool")
		box.append(input, lab);
	else
		box.append(lab, input);
	if (opts.hint) {
		const hid = new_id("hint");
		box.append(el("span", { id: hid, class: "hint", text: opts.hint }));
		input.setAttribute("aria-describedby", hid);
	}
	return box;
}

// The document value an input's text stands for (undefined: remove the key). Text the
// page cannot turn into the right type is passed on as it is, for torgd to name.
export function value_of(input) {
	const kind = input.dataset.kind;
	const optional = input.dataset.optional === "1";
	if (kind === "bool") {
		if (optional && input.checked === (input.dataset.defaultOn === "1"))
			return undefined;
		return input.checked;
	}
	const s = input.value.trim();
	if (s === "" && optional)
		return undefined;
	if (kind === "int")
		return /^-?\d+$/.test(s) ? Number(s) : s;
	if (kind === "tags")
		return s === "" ? [] : s.split(/[\s,]+/).filter(Boolean);
	return kind === "int" || kind === "select" ? s : input.value;
}

// A group of checkboxes for a list of ids at `path` (order kept: ids already listed stay
// where they are, newly checked ones go last). `empty_means` (optional) is what no box
// checked stands for: the key is then removed.
export function checklist(ctx, legend, path, items, opts = {}) {
	const cur = get_at(ctx.doc, path);
	const list = Array.isArray(cur) ? cur : [];
	const fs = el("fieldset", { class: "checklist" + (opts.cls ? " " + opts.cls : "") });
	fs.dataset.path = path;
	fs.dataset.list = "1";
	if (opts.empty_means)
		fs.dataset.optional = "1";
	const lid = new_id("lg");
	fs.append(el("legend", { id: lid, text: legend }));
	if (opts.empty_means)
		fs.append(el("p", { class: "hint", text: opts.empty_means }));
	const boxes = el("div", { class: "boxes" });
	for (const [id, text] of items) {
		const bid = new_id("cb");
		const cb = el("input", { type: "checkbox", id: bid, value: id });
		cb.checked = list.includes(id);
		cb.dataset.member = "1";
		boxes.append(el("div", { class: "check" }, cb, el("label", { for: bid, text })));
	}
	fs.append(boxes);
	return fs;
}

// The new list of a checklist after one of its boxes changed.
export function checklist_value(fs, doc) {
	const cur = get_at(doc, fs.dataset.path);
	const checked = [...fs.querySelectorAll("input[data-member]")].filter((c) => c.checked).map((c) => c.value);
	const kept = (Array.isArray(cur) ? cur : []).filter((x) => checked.includes(x));
	const list = kept.concat(checked.filter((x) => !kept.includes(x)));
	return list.length === 0 && fs.dataset.optional === "1" ? undefined : list;
}

// A small button with a text and a click handler; `label` is its accessible name when
// the visible text alone would be ambiguous ("Remove" in a list).
export function button(text, on_click, opts = {}) {
	const b = el("button", { type: "button", class: opts.cls || "small", text, "aria-label": opts.label });
	b.addEventListener("click", on_click);
	return b;
}

// ---- errors from torgd, next to their inputs ----

// Removes every error shown in root.
export function clear_errors(root) {
	for (const e of root.querySelectorAll(".field-error, .sec-errors li"))
		e.remove();
	for (const box of root.querySelectorAll(".sec-errors"))
		box.hidden = true;
	for (const i of root.querySelectorAll("[aria-invalid]")) {
		i.removeAttribute("aria-invalid");
		const ids = (i.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && !x.startsWith("err-"));
		if (ids.length)
			i.setAttribute("aria-describedby", ids.join(" "));
		else
			i.removeAttribute("aria-describedby");
	}
}

// The shown element for a path: the input or group with exactly that path, else the
// nearest one of its ancestors' paths ("counters[2].services[0]" → the counter's
// services boxes); null when none is shown.
export function target_of(root, path) {
	const keys = parse_path(path);
	const all = new Map();
	for (const e of root.querySelectorAll("[data-path]"))
		if (!all.has(e.dataset.path))
			all.set(e.dataset.path, e);
	for (let n = keys.length; n > 0; n--) {
		const p = keys.slice(0, n).reduce((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${k}` : k), "");
		if (all.has(p))
			return { el: all.get(p), exact: n === keys.length };
	}
	return null;
}

// The error message without a leading "path: " that repeats where it is shown.
function bare(path, message) {
	const m = String(message || "");
	return m.startsWith(path + ": ") ? m.slice(path.length + 2) : m;
}

// Shows one error next to element t (an input, or a group of inputs); returns the
// element to focus.
function show_at(t, path, message, exact) {
	const id = new_id("err");
	const text = exact ? bare(path, message) : `${path}: ${bare(path, message)}`;
	const note = el("p", { id, class: "field-error", text });
	const inputs = t.matches("input, select, textarea") ? [t] : [...t.querySelectorAll("input, select, textarea")];
	if (t.matches("input, select, textarea"))
		t.after(note);
	else if (t.matches("fieldset"))
		t.querySelector("legend").after(note);
	else
		t.append(note);
	for (const i of inputs) {
		i.setAttribute("aria-invalid", "true");
		const d = i.getAttribute("aria-describedby");
		i.setAttribute("aria-describedby", d ? `${d} ${id}` : id);
	}
	return inputs.find((i) => !i.disabled) || inputs[0] || note;
}

// Shows torgd's errors ([{path, message}]) in root: each next to its input, else at the
// top of the section its path belongs to (section_of(path) → the section element).
// Returns [{path, focus, section}] in the order given.
export function show_errors(root, errors, section_of) {
	clear_errors(root);
	const out = [];
	for (const e of errors) {
		const t = target_of(root, e.path || "");
		const sec = section_of(e.path || "");
		if (t) {
			out.push({ path: e.path, focus: show_at(t.el, e.path, e.message, t.exact), section: sec });
			continue;
		}
		const box = sec.querySelector(".sec-errors");
		box.hidden = false;
		box.querySelector("ul").append(el("li", { text: e.path ? `${e.path}: ${bare(e.path, e.message)}` : e.message }));
		out.push({ path: e.path, focus: box, section: sec });
	}
	return out;
}
