// counter_states.test.mjs — every button of the counter page in every state. For each
// state (signed out; signed in with the counter closed, or open by the same user, or
// the user at another counter; open and idle with nothing or something waiting; a
// visitor called; being served; on a break; a request in flight; the connection lost)
// the test enumerates every <button> of the DOM (one it does not know fails), asserts
// which are shown, which enabled, and for each disabled one its reason (tooltip and
// aria-describedby, in words from nb.json); then it clicks every enabled button, each
// from a fresh copy of the state, and checks what the server says happened (GET
// /api/v1/floor, /me, /tickets/{id}). Opening while signed in elsewhere (the page had
// not heard) turns into the elsewhere state; a move from a counter with a visitor is
// refused naming it. Screenshots of each state in nb, en and ar at
// 1280×800 and 1440×900 (counter-state-STATE-WxH-LANG.png), each checked for clipped
// text, sideways overflow and raw i18n keys, and axe-core scans.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { URL, ROOT, PASSWORD, launch, open_page, shot, http, staff, counter, overflow, clipped, until, axe } from "./lib.mjs";

const S = "s8"; // the counter the page works at (only this test uses it and care_allocation)
const O = "m8"; // the user's other counter
const SVC = "care_allocation";
const NB = JSON.parse(readFileSync(path.join(ROOT, "server/www/static/i18n/nb.json"), "utf8"));
const KEYS = Object.keys(NB);
const ACTIONS = ["call-next", "recall", "start", "finish", "no-show", "transfer", "call", "break"];
const KNOWN = ["login-btn", "sign-out", "open-btn", "use-btn", "move-btn", "goto-btn", "close-btn", "issue-btn",
	"print-btn", "transfer-ok", "transfer-cancel", "call-ok", "call-cancel", "qnum", ...ACTIONS.map((a) => `action:${a}`)];
const LANGS = ["nb", "en", "ar"];
const SIZES = [[1280, 800], [1440, 900]];
const AXE = ["called", "break", "elsewhere"]; // the others' views: counter.test scans them

// What each state shows: button → "on" (enabled) or the i18n key of why it is disabled.
// Every other button must be hidden.
const SIGNED = { "sign-out": "on", "issue-btn": "on" };
const work = (a, more = {}) => ({ ...SIGNED, ...Object.fromEntries(Object.entries(a).map(([k, v]) => [`action:${k}`, v])), ...more });
const NO_TICKET = { recall: "why_no_ticket", start: "why_no_ticket", finish: "why_no_ticket", "no-show": "why_no_ticket",
	transfer: "why_no_ticket" };
const EXPECT = {
	signed_out: { "login-btn": "on" },
	closed: { ...SIGNED, "open-btn": "on" },
	closed_open: { ...SIGNED, "use-btn": "on" },
	idle_empty: work({ "call-next": "why_nobody_waiting", ...NO_TICKET, call: "why_nobody_waiting", break: "on" },
		{ "close-btn": "on" }),
	idle_waiting: work({ "call-next": "on", ...NO_TICKET, call: "on", break: "on" }, { "close-btn": "on", qnum: "on" }),
	called: work({ "call-next": "why_visitor", recall: "on", start: "on", finish: "why_not_started", "no-show": "on",
		transfer: "on", call: "why_visitor", break: "why_visitor" }, { "close-btn": "why_visitor", qnum: "why_visitor" }),
	serving: work({ "call-next": "why_visitor", recall: "why_started", start: "why_started", finish: "on",
		"no-show": "why_started", transfer: "on", call: "why_visitor", break: "why_visitor" },
	{ "close-btn": "why_visitor", qnum: "why_visitor" }),
	break: work({ "call-next": "why_on_break", recall: "why_on_break", start: "why_on_break", finish: "why_on_break",
		"no-show": "why_on_break", transfer: "why_on_break", call: "why_on_break", break: "on" },
	{ "close-btn": "on", qnum: "why_on_break" }),
	elsewhere: { ...SIGNED, "move-btn": "on", "goto-btn": "on" },
};
// The page's own name of each state (body[data-state]).
const PAGE_STATE = { closed_open: "closed" };

let browser;
let kari; // the page's user, through the API (another session of the same user)
const issued = []; // ids of tickets this test issued, cancelled at each reset

before(async () => {
	browser = await launch();
	kari = await staff("kari");
	await reset();
	await drain();
});
after(async () => {
	await reset();
	await browser.close();
});

// The server's view of counter `id`.
async function srv(id) {
	return (await http("GET", "/api/v1/floor")).body.counters.find((c) => c.id === id);
}

// Frees counter `c` (as the floor has it): no visitor, no break, closed.
async function free(c) {
	const id = c.id;
	if (c.current)
		await counter(kari, id, c.current.state === "serving" ? "finish" : "no-show");
	if (c.on_break)
		await counter(kari, id, "break", { on: false });
	if (c.open)
		assert.equal((await counter(kari, id, "close")).status, 200);
}

// Frees both counters and whatever other counter kari has open, and cancels this
// test's tickets that still wait.
async function reset() {
	const [me, snap] = await Promise.all([http("GET", "/api/v1/me", undefined, kari),
		http("GET", "/api/v1/floor")]);
	const ids = new Set([S, O, me.body.counter].filter(Boolean));
	await Promise.all(snap.body.counters.filter((c) => ids.has(c.id)).map(free));
	await Promise.all(issued.splice(0).map((id) => http("DELETE", `/api/v1/tickets/${id}`)));
}

// Calls and no-shows whatever already waits for SVC.
async function drain() {
	await counter(kari, S, "open", { services: [SVC] });
	for (;;) {
		const r = await counter(kari, S, "call-next");
		if (r.status === 204)
			break;
		assert.equal(r.status, 200, JSON.stringify(r.body));
		await counter(kari, S, "no-show");
	}
	await counter(kari, S, "close");
}

// Issues a ticket for SVC; returns its number.
async function ticket() {
	const r = await http("POST", "/api/v1/tickets", { service: SVC });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	issued.push(r.body.ticket.id);
	return r.body.ticket.number;
}

// Opens counter `id` for SVC as kari.
async function open(id) {
	const r = await counter(kari, id, "open", { services: [SVC] });
	assert.equal(r.status, 200, JSON.stringify(r.body));
}

// Signs the page's context in (or out) through the API.
async function sign(page, on) {
	const req = page.context().request;
	if (on) {
		const r = await req.post(`${URL}/api/v1/login`, { data: { name: "kari", password: PASSWORD },
			headers: { "content-type": "application/json" } });
		assert.equal(r.status(), 200);
	} else {
		await req.post(`${URL}/api/v1/logout`, { headers: { "content-type": "application/json" } });
	}
}

// The status of GET /api/v1/me with the page's session.
async function me_status(page) {
	return (await page.context().request.get(`${URL}/api/v1/me`)).status();
}

// Waits until the page says it is in `state` (its body[data-state]).
function in_state(page, state) {
	return page.waitForSelector(`body[data-state="${PAGE_STATE[state] || state}"]`, { timeout: 3000 });
}

// (Re)loads the page; chooses counter `id` in the set-up view and, when `use`, goes to
// work there.
async function load(page, id, use) {
	await page.goto(`${URL}/counter`, { waitUntil: "commit" });
	await page.waitForSelector("body[data-state]");
	if (!id)
		return;
	await page.waitForSelector("#setup:not([hidden])");
	await page.selectOption("#counter-select", id);
	if (use) {
		await page.click("#use-btn");
		await page.waitForSelector("#work:not([hidden])");
	}
}

// Brings the server and the page to `state`; returns the waiting numbers.
const SETUP = {
	signed_out: async (page) => {
		await sign(page, false);
		await load(page);
		return [];
	},
	closed: async (page) => {
		await load(page, S);
		return [];
	},
	closed_open: async (page) => {
		await open(S);
		await load(page, S);
		return [];
	},
	elsewhere: async (page) => {
		await open(O);
		await load(page, S);
		return [];
	},
	idle_empty: async (page) => {
		await open(S);
		await load(page, S, true);
		return [];
	},
	idle_waiting: async (page) => {
		await open(S);
		const n = [await ticket()];
		await load(page, S, true);
		return n;
	},
	called: async (page) => {
		await open(S);
		const n = [await ticket(), await ticket()];
		await counter(kari, S, "call-next");
		await load(page, S, true);
		return n;
	},
	serving: async (page) => {
		const n = await SETUP.called(page);
		await counter(kari, S, "start");
		return n;
	},
	break: async (page) => {
		await open(S);
		const n = [await ticket()];
		assert.equal((await counter(kari, S, "break", { on: true })).status, 200);
		await load(page, S, true);
		return n;
	},
};

// Resets, then brings the page to `state` and waits until it is there.
async function enter(page, state) {
	await reset();
	if (state !== "signed_out" && await me_status(page) !== 200)
		await sign(page, true);
	const numbers = await SETUP[state](page);
	await in_state(page, state);
	return numbers;
}

// Every <button> of the page: its key (id, action or "qnum"), shown, disabled, tooltip
// and described-by text.
function buttons(page) {
	return page.$$eval("button", (bs) => bs.map((b) => {
		const d = b.getAttribute("aria-describedby");
		return {
			key: b.id || (b.dataset.action ? `action:${b.dataset.action}` : b.classList.contains("qnum") ? "qnum"
				: `unknown ${b.outerHTML.slice(0, 80)}`),
			shown: b.checkVisibility(), disabled: b.disabled, title: b.title,
			why: d ? document.getElementById(d)?.textContent ?? `no #${d}` : null,
		};
	}));
}

// Asserts every button of the page is as `exp` says (absent: hidden).
async function expect_buttons(page, what, exp) {
	const bs = await buttons(page);
	assert.deepEqual(bs.filter((b) => !KNOWN.includes(b.key)).map((b) => b.key), [], `${what}: buttons without an expectation`);
	const seen = new Set();
	for (const b of bs) {
		if (!b.shown) {
			assert.ok(!(b.key in exp) || b.key === "qnum", `${what}: ${b.key} is hidden, should be shown`);
			continue;
		}
		assert.ok(b.key in exp, `${what}: ${b.key} is shown, should be hidden`);
		seen.add(b.key);
		const want = exp[b.key];
		if (want === "on") {
			assert.equal(b.disabled, false, `${what}: ${b.key} should be enabled (${b.title})`);
			assert.equal(b.why, null, `${what}: ${b.key} is enabled yet described by a reason`);
		} else {
			assert.equal(b.disabled, true, `${what}: ${b.key} should be disabled (${want})`);
			assert.equal(b.title, NB[want], `${what}: ${b.key}'s tooltip`);
			assert.equal(b.why, NB[want], `${what}: ${b.key}'s aria-describedby text`);
		}
	}
	assert.deepEqual(Object.keys(exp).filter((k) => !seen.has(k)), [], `${what}: buttons not shown`);
}

// The button of key `k`.
function sel(k, numbers) {
	if (k === "qnum")
		return `.qnum[data-number="${numbers[0]}"]`;
	return k.startsWith("action:") ? `[data-action="${k.slice(7)}"]` : `#${k}`;
}

// Clicks issue for SVC and checks the server has the ticket and the page its receipt.
async function click_issue(page) {
	await page.selectOption("#issue-service", SVC);
	const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/v1/tickets")),
		page.click("#issue-btn")]);
	const tk = (await res.json()).ticket;
	issued.push(tk.id);
	await page.waitForFunction((n) => document.getElementById("r-number").textContent === n, tk.number);
	const s = (await http("GET", `/api/v1/tickets/${tk.id}`)).body.ticket;
	assert.equal(s.state, "waiting");
	assert.equal(s.service, SVC);
}

// Clicks sign-out and checks the session is gone while the counters stay as they were.
async function click_sign_out(page) {
	const before = await srv(S);
	await page.click("#sign-out");
	await in_state(page, "signed_out");
	assert.equal(await me_status(page), 401);
	const now = await srv(S);
	assert.equal(now.open, before.open, "signing out leaves the counter as it was");
	assert.deepEqual(now.current, before.current);
}

// Opens the transfer dialog: Cancel changes nothing; then transfers to housing.
async function click_transfer(page, numbers) {
	const cur = (await srv(S)).current;
	await page.click(sel("action:transfer"));
	await page.waitForSelector("#transfer-dlg[open]");
	await expect_buttons(page, "transfer dialog", dialog_expect(page, "transfer"));
	await page.click("#transfer-cancel");
	await page.waitForFunction(() => !document.getElementById("transfer-dlg").open);
	assert.deepEqual((await srv(S)).current, cur, "cancel changes nothing");
	await page.click(sel("action:transfer"));
	await page.selectOption("#transfer-service", "housing");
	await page.click("#transfer-ok");
	await in_state(page, "idle_waiting");
	assert.equal((await srv(S)).current, null);
	const housing = (await http("GET", "/api/v1/floor")).body.services.find((s) => s.id === "housing");
	assert.ok(housing.queue.some((q) => q.number === numbers[0]), "the ticket waits for housing");
}

// Dialog states: the page underneath keeps its buttons (inert), the dialog's two are on.
const under = {};
function dialog_expect(page, which) {
	return { ...under[page.state_name], [`${which}-ok`]: "on", [`${which}-cancel`]: "on" };
}

// Checks the counter is called with `number`.
async function called_with(page, number) {
	await in_state(page, "called");
	const c = (await srv(S)).current;
	assert.equal(c.state, "called");
	assert.equal(c.number, number);
}

// What clicking each enabled button must do, state by state.
const CLICKS = {
	signed_out: {
		"login-btn": async (page) => {
			await page.fill("#user", "kari");
			await page.fill("#password", PASSWORD);
			await page.click("#login-btn");
			await in_state(page, "closed");
			assert.equal(await me_status(page), 200);
		},
	},
	closed: {
		"open-btn": async (page) => {
			for (const box of await page.$$("#service-boxes input"))
				await box.setChecked((await box.getAttribute("value")) === SVC);
			await page.click("#open-btn");
			await in_state(page, "idle_empty");
			const c = await srv(S);
			assert.equal(c.open, true);
			assert.deepEqual(c.services, [SVC]);
		},
	},
	closed_open: {
		"use-btn": async (page) => {
			await page.click("#use-btn");
			await in_state(page, "idle_empty");
			assert.equal((await srv(S)).open, true);
		},
	},
	elsewhere: {
		"move-btn": async (page) => {
			assert.match(await page.textContent("#elsewhere-text"), /^Du er logget inn på Møterom 8\.$/);
			await page.click("#move-btn");
			await in_state(page, "idle_empty");
			assert.equal((await srv(S)).open, true);
			assert.equal((await srv(O)).open, false, "the move closed the other counter");
			assert.equal((await http("GET", "/api/v1/me", undefined, kari)).body.counter, S);
		},
		"goto-btn": async (page) => {
			assert.equal(await page.textContent("#goto-btn"), "Gå til Møterom 8");
			await page.click("#goto-btn");
			await in_state(page, "idle_empty");
			assert.match(await page.textContent("#title"), /^Møterom 8 · /);
			assert.equal((await srv(O)).open, true);
			assert.equal((await srv(S)).open, false);
		},
	},
	idle_empty: {
		"action:break": async (page) => {
			await page.click(sel("action:break"));
			await in_state(page, "break");
			assert.equal((await srv(S)).on_break, true);
			assert.match(await page.textContent(sel("action:break")), /Tilbake/);
		},
		"close-btn": async (page) => {
			await page.click("#close-btn");
			await in_state(page, "closed");
			assert.equal((await srv(S)).open, false);
		},
	},
	idle_waiting: {
		"action:call-next": async (page, n) => {
			await page.click(sel("action:call-next"));
			await called_with(page, n[0]);
		},
		"action:call": async (page, n) => {
			await page.click(sel("action:call"));
			await page.waitForSelector("#call-dlg[open]");
			await expect_buttons(page, "call dialog", dialog_expect(page, "call"));
			await page.click("#call-cancel");
			await page.waitForFunction(() => !document.getElementById("call-dlg").open);
			assert.equal((await srv(S)).current, null, "cancel calls nobody");
			await page.click(sel("action:call"));
			await page.fill("#call-number", n[0]);
			await page.click("#call-ok");
			await called_with(page, n[0]);
		},
		qnum: async (page, n) => {
			await page.click(sel("qnum", n));
			await called_with(page, n[0]);
		},
		"action:break": async (page) => {
			await page.click(sel("action:break"));
			await in_state(page, "break");
			assert.equal((await srv(S)).on_break, true);
		},
		"close-btn": async (page) => {
			await page.click("#close-btn");
			await in_state(page, "closed");
			assert.equal((await srv(S)).open, false);
		},
	},
	called: {
		"action:recall": async (page, n) => {
			await page.click(sel("action:recall"));
			await until(async () => (await http("GET", "/api/v1/floor")).body.calls[0]?.recall, 3000, "a recall");
			const c = (await srv(S)).current;
			assert.equal(c.number, n[0]);
			assert.equal(c.state, "called");
		},
		"action:start": async (page) => {
			await page.click(sel("action:start"));
			await in_state(page, "serving");
			assert.equal((await srv(S)).current.state, "serving");
		},
		"action:no-show": async (page) => {
			await page.click(sel("action:no-show"));
			await in_state(page, "idle_waiting");
			assert.equal((await srv(S)).current, null);
		},
		"action:transfer": click_transfer,
	},
	serving: {
		"action:finish": async (page, n) => {
			const id = issued[0];
			await page.click(sel("action:finish"));
			await in_state(page, "idle_waiting");
			assert.equal((await srv(S)).current, null);
			assert.equal((await http("GET", `/api/v1/tickets/${id}`)).body.ticket.state, "done");
			assert.ok(n.length === 2);
		},
		"action:transfer": click_transfer,
	},
	break: {
		"action:break": async (page) => {
			assert.match(await page.textContent(sel("action:break")), /Tilbake/);
			await page.click(sel("action:break"));
			await in_state(page, "idle_waiting");
			assert.equal((await srv(S)).on_break, false);
		},
		"close-btn": async (page) => {
			await page.click("#close-btn");
			await in_state(page, "closed");
			const c = await srv(S);
			assert.equal(c.open, false);
			assert.equal(c.on_break, false);
		},
	},
};
for (const st of Object.keys(CLICKS))
	if (st !== "signed_out")
		Object.assign(CLICKS[st], { "sign-out": click_sign_out, "issue-btn": click_issue });

// The visible texts and the button tooltips that are raw i18n keys.
function raw_keys(page) {
	return page.evaluate((keys) => {
		const out = [...document.querySelectorAll("button[title]")].map((b) => b.title);
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode())
			if (n.parentElement.checkVisibility())
				out.push(n.textContent.trim());
		return out.filter((x) => keys.includes(x));
	}, KEYS);
}

// Photographs the page in each language and size; nothing may be clipped, overflow
// or be a raw i18n key; axe-core finds nothing serious (nb, the states of AXE).
async function photograph(page, state) {
	if (AXE.includes(state))
		assert.deepEqual(await axe(page), [], `axe: ${state}`);
	for (const lang of LANGS) {
		await page.selectOption("#ui-lang", lang);
		assert.equal(await page.getAttribute("html", "dir"), lang === "ar" ? "rtl" : "ltr");
		assert.deepEqual(await raw_keys(page), [], `${state} ${lang}: raw i18n keys`);
		for (const [w, h] of SIZES) {
			await page.setViewportSize({ width: w, height: h });
			assert.deepEqual(await clipped(page), [], `${state} ${lang} ${w}x${h}: clipped text`);
			assert.ok((await overflow(page)).x <= 0, `${state} ${lang} ${w}x${h}: sideways overflow`);
			await shot(page, `counter-state-${state}-${w}x${h}-${lang}`, { full: true });
		}
	}
	await page.selectOption("#ui-lang", "nb");
	await page.setViewportSize({ width: SIZES[0][0], height: SIZES[0][1] });
}

test("counter: every button in every state, each enabled one clicked; screenshots in nb, en, ar", async () => {
	const page = await open_page(browser, `${URL}/healthz`, { viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
	await page.context().addInitScript(() => localStorage.setItem("torg.staff.lang", "nb"));
	for (const state of Object.keys(EXPECT)) {
		page.state_name = state;
		under[state] = EXPECT[state];
		let numbers = await enter(page, state);
		await expect_buttons(page, state, EXPECT[state]);
		await photograph(page, state);
		const enabled = Object.entries(EXPECT[state]).filter(([, v]) => v === "on").map(([k]) => k);
		assert.deepEqual(Object.keys(CLICKS[state]).sort(), enabled.sort(), `${state}: a click for every enabled button`);
		for (const [i, k] of enabled.entries()) {
			if (i > 0) // the first click finds the state as photographed (back in nb)
				numbers = await enter(page, state);
			await CLICKS[state][k](page, numbers);
		}
	}
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("counter: a request in flight disables everything that would conflict, and nothing is sent twice", async () => {
	const page = await open_page(browser, `${URL}/healthz`, { viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
	await page.context().addInitScript(() => localStorage.setItem("torg.staff.lang", "nb"));
	await sign(page, true);
	const numbers = await enter(page, "idle_waiting");
	let release;
	const held = new Promise((r) => {
		release = r;
	});
	let sent = 0;
	await page.route(`**/api/v1/counters/${S}/*`, async (route) => {
		sent++;
		await held;
		await route.continue();
	});
	await page.click(sel("action:call-next"));
	await page.waitForSelector("#sign-out[disabled]");
	const busy = Object.fromEntries(Object.keys(EXPECT.idle_waiting).map((k) => [k, "why_busy"]));
	await expect_buttons(page, "in flight", busy);
	await shot(page, "counter-state-in-flight-1280x800-nb");
	// Keys pressed meanwhile wait for the answer and are then checked against the
	// state it left: call next and a break cannot be done with a visitor called.
	await page.keyboard.press("n");
	await page.keyboard.press("b");
	await page.click(sel("action:call-next"), { force: true, timeout: 500 }).catch(() => {});
	release();
	await called_with(page, numbers[0]);
	await page.waitForFunction((m) => document.getElementById("msg").textContent === m, NB.why_visitor);
	assert.equal(sent, 1, "one request, however often pressed");
	await page.unroute(`**/api/v1/counters/${S}/*`);
	const { qnum, ...called } = EXPECT.called; // nobody else waits
	assert.equal(qnum, "why_visitor");
	await expect_buttons(page, "called after the flight", called);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("counter: with the connection lost every request waits, and comes back with it", async () => {
	const page = await open_page(browser, `${URL}/healthz`, { viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
	await page.context().addInitScript(() => localStorage.setItem("torg.staff.lang", "nb"));
	await sign(page, true);
	await enter(page, "idle_waiting");
	await page.context().setOffline(true);
	await page.waitForSelector("#conn:not([hidden])");
	const off = Object.fromEntries(Object.keys(EXPECT.idle_waiting).map((k) => [k, "why_offline"]));
	await expect_buttons(page, "offline", off);
	for (const lang of LANGS) {
		await page.selectOption("#ui-lang", lang);
		assert.deepEqual(await clipped(page), [], `offline ${lang}: clipped text`);
		await shot(page, `counter-state-offline-1280x800-${lang}`, { full: true });
	}
	await page.selectOption("#ui-lang", "nb");
	await page.context().setOffline(false);
	await page.waitForSelector("#conn[hidden]", { state: "attached", timeout: 10000 });
	await expect_buttons(page, "back online", EXPECT.idle_waiting);
	assert.deepEqual(page.js_errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED/.test(e)), []);
	await page.context().close();
});

test("counter: opening while signed in elsewhere says where; a move from a counter with a visitor is refused", async () => {
	const page = await open_page(browser, `${URL}/healthz`, { viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
	await page.context().addInitScript(() => localStorage.setItem("torg.staff.lang", "nb"));
	await sign(page, true);
	await enter(page, "closed");
	// Another session of the same user opens O after the page asked /me.
	await open(O);
	await page.click("#open-btn");
	await in_state(page, "elsewhere");
	assert.equal(await page.textContent("#err"), NB.err_signed_in_elsewhere);
	assert.equal((await srv(S)).open, false);
	// O calls a visitor: the move is refused, saying which counter to finish at.
	await ticket();
	assert.equal((await counter(kari, O, "call-next")).status, 200);
	await page.click("#move-btn");
	await page.waitForFunction((m) => document.getElementById("err").textContent === m,
		NB.err_move_busy.replace("{counter}", "Møterom 8"));
	assert.equal((await srv(S)).open, false);
	assert.equal((await srv(O)).current.state, "called");
	await expect_buttons(page, "move refused", EXPECT.elsewhere);
	await shot(page, "counter-state-move-refused-1280x800-nb");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});
