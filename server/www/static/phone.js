// phone.js — the visitor's phone page (/t/{ticket}). Reads the ticket once over
// HTTP, then follows it over the socket (hello {ticket}, which brings `ticket`
// messages only): position and estimated wait while waiting; a clear "go to
// counter 4" with vibration when called; a way to leave the queue. Small on the
// wire: no images, no fonts, a few kB of script.

import { TorgSocket } from "./torg.js";
import { LANG_NAMES, load_strings, translator, apply_lang, pick, fmt_wait, api } from "./common.js";
import { STATE } from "./protocol.js";

const $ = (id) => document.getElementById(id);
const ticket_id = decodeURIComponent(location.pathname.split("/")[2] || "");
let t = translator("nb");
let ticket = null;
let names = null; // the floor snapshot, for service, counter and floor names
let was_called = false;

// Picks the page language: ?lang=, then the browser's, then Norwegian.
function first_lang() {
	const q = new URLSearchParams(location.search).get("lang");
	if (q)
		return q;
	for (const l of navigator.languages || []) {
		const base = l.toLowerCase().split("-")[0];
		if (base === "no")
			return "nb";
		if (LANG_NAMES[base])
			return base;
	}
	return "nb";
}

// Loads strings and the ticket, then follows it live.
async function main() {
	const lang = first_lang();
	await load_strings(lang);
	t = translator(lang);
	render();
	try {
		ticket = (await api("GET", `/tickets/${encodeURIComponent(ticket_id)}`)).ticket;
		was_called = ticket.state === STATE.CALLED;
	} catch (e) {
		show_unknown(e);
		return;
	}
	render();
	api("GET", "/floor").then((snap) => {
		names = snap;
		render_langs();
		render();
	}).catch(() => {});
	new TorgSocket({
		hello: { ticket: ticket_id },
		track_seq: false,
		on_ticket: (m) => {
			Object.assign(ticket, m.ticket);
			render();
		},
		on_error: (err) => {
			if (err.code === "unknown_ticket")
				show_unknown(err);
		},
		on_status: (s) => {
			$("conn").hidden = s !== "reconnecting";
		},
	}).start();
	$("leave").addEventListener("click", leave);
	$("lang").addEventListener("change", async (e) => {
		await load_strings(e.target.value);
		t = translator(e.target.value);
		render();
	});
}

// The language chooser, from the floor's languages.
function render_langs() {
	const langs = names.floor.languages || ["nb"];
	if (!langs.includes(t.lang))
		langs.push(t.lang);
	$("lang").replaceChildren(...langs.map((l) => new Option(LANG_NAMES[l] || l, l, false, l === t.lang)));
}

// Shows that the ticket is not known (another day, or a wrong link).
function show_unknown(e) {
	const s = $("status");
	s.className = "status";
	s.replaceChildren(p_el("big", e && e.code === "network" ? t("err_network") : t("phone_unknown")));
	$("leave").hidden = true;
}

// A <p> with a class and a text.
function p_el(cls, text) {
	const p = document.createElement("p");
	p.className = cls;
	p.textContent = text;
	return p;
}

// The name of counter `id` in the page language.
function counter_name(id) {
	const c = names && names.counters.find((x) => x.id === id);
	return c ? pick(c.name, t.lang) : id;
}

// Draws the page from the ticket.
function render() {
	apply_lang(t);
	$("label").textContent = t("phone_title");
	$("leave").textContent = t("phone_leave");
	$("conn").textContent = t("reconnecting");
	$("lang-label").textContent = t("kiosk_choose_language");
	const fname = names ? pick(names.floor.name, t.lang) : "";
	$("floor-name").textContent = fname || "\u00a0";
	if (!ticket)
		return;
	document.title = `${ticket.number} · ${fname || "torg"}`;
	$("number").textContent = ticket.number;
	const svc = names && names.services.find((s) => s.id === ticket.service);
	$("service").textContent = svc ? pick(svc.name, t.lang) : "";
	const s = $("status");
	s.className = `status ${ticket.state}`;
	const where = counter_name(ticket.counter);
	switch (ticket.state) {
	case STATE.WAITING:
		s.replaceChildren(
			p_el("big", ticket.position === 1 ? t("phone_next") : t("kiosk_position", { n: ticket.position })),
			p_el("eta", ticket.eta_s >= 0 ? t("kiosk_eta", { wait: fmt_wait(t, ticket.eta_s) }) : t("kiosk_eta_unknown")),
			p_el("hint", t("phone_vibrate_hint")));
		break;
	case STATE.CALLED:
		s.replaceChildren(p_el("big", t("phone_go_to", { counter: where })), p_el("", t("phone_called")));
		break;
	case STATE.SERVING:
		s.replaceChildren(p_el("big", t("phone_serving", { counter: where })));
		break;
	case STATE.DONE:
		s.replaceChildren(p_el("big", t("phone_done")));
		break;
	case STATE.NO_SHOW:
		s.replaceChildren(p_el("big", t("phone_no_show")));
		break;
	case STATE.CANCELLED:
		s.replaceChildren(p_el("big", t("phone_cancelled")));
		break;
	default:
		s.replaceChildren();
	}
	$("leave").hidden = !(ticket.state === STATE.WAITING || ticket.state === STATE.CALLED);
	const called = ticket.state === STATE.CALLED;
	if (called && !was_called && navigator.vibrate)
		navigator.vibrate([400, 200, 400, 200, 400]);
	was_called = called;
}

// Leaves the queue after the visitor confirms.
async function leave() {
	if (!window.confirm(t("phone_leave_confirm")))
		return;
	try {
		ticket = (await api("DELETE", `/tickets/${encodeURIComponent(ticket_id)}`)).ticket;
		render();
	} catch (e) {
		$("conn").textContent = e.code === "network" ? t("err_network") : e.message;
		$("conn").hidden = false;
	}
}

main();
