// counter.test.mjs — the counter workstation: sign-in errors in plain words, the
// shortcut keys shown on the buttons, a shortcut of a button that cannot be pressed
// now saying why, the queues with waiting times, two counters on the same queue never getting the same ticket,
// and axe-core scans of the sign-in, set-up and work views.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, shot, http, staff, counter, axe, sign_in_and_open } from "./lib.mjs";

let browser;
let admin;
before(async () => {
	browser = await launch();
	admin = await staff("admin");
});
after(async () => {
	await browser.close();
});

// Closes counter `id` (after clearing its ticket) so a page can open it afresh.
async function free(id) {
	const c = (await http("GET", "/api/v1/floor")).body.counters.find((x) => x.id === id);
	if (c.current)
		await counter(admin, id, c.current.state === "serving" ? "finish" : "no-show");
	if (c.open)
		await counter(admin, id, "close");
}

// Calls and no-shows every waiting ticket of `service` through counter `id`.
async function drain(id, service) {
	await free(id);
	await counter(admin, id, "open", { services: [service] });
	for (;;) {
		const r = await counter(admin, id, "call-next");
		if (r.status === 204)
			break;
		assert.equal(r.status, 200, JSON.stringify(r.body));
		await counter(admin, id, "no-show");
	}
	await counter(admin, id, "close");
}

test("counter: wrong password, then sign in; buttons show their keys; axe on every view", async () => {
	const page = await open_page(browser, `${URL}/counter`, { viewport: { width: 1440, height: 900 } });
	await page.waitForSelector("#login:not([hidden])");
	assert.deepEqual(await axe(page), [], "axe: sign-in");
	await page.fill("#user", "kari");
	await page.fill("#password", "wrong-password");
	await page.press("#password", "Enter");
	await page.waitForSelector("#err:not([hidden])");
	assert.equal(await page.textContent("#err"), "Feil brukernavn eller passord.");
	await shot(page, "counter-login-error");
	await free("m7");
	await page.fill("#password", "pw12345678");
	await page.press("#password", "Enter");
	await page.waitForSelector("#setup:not([hidden])");
	assert.equal(await page.isVisible("#err"), false);
	await page.selectOption("#counter-select", "m7");
	assert.deepEqual(await axe(page), [], "axe: set-up");
	await shot(page, "counter-setup");
	await drain("m7", "ppt");
	await drain("m7", "adult_education");
	await page.click("#open-btn"); // nothing ticked: every service the room may give
	await page.waitForSelector("#work:not([hidden])");
	const keys = await page.$$eval("#buttons button", (bs) => bs.map((b) => [b.querySelector("kbd").textContent, b.getAttribute("aria-keyshortcuts")]));
	assert.deepEqual(keys.map((k) => k[0]), ["N", "R", "S", "F", "X", "T", "C", "B"]);
	assert.ok(keys.every(([k, a]) => k === a));
	const queues = await page.$$eval("#queues section", (ss) => ss.map((s) => s.dataset.service));
	assert.deepEqual(queues.sort(), ["adult_education", "ppt"], "the room's services by default");
	// Nothing waits: call next is disabled and its key says why; so does finish
	// without a ticket. Nothing is sent.
	const sent = [];
	page.on("request", (r) => r.method() === "POST" && sent.push(r.url()));
	assert.equal(await page.isDisabled('[data-action="call-next"]'), true);
	await page.keyboard.press("n");
	await page.waitForSelector("#msg:not([hidden])");
	assert.equal(await page.textContent("#msg"), "Ingen venter i køene dine.");
	await page.keyboard.press("f");
	await page.waitForFunction(() => document.getElementById("msg").textContent === "Skranken har ikke noe nummer nå.");
	assert.deepEqual(sent, []);
	// A ticket arrives: it shows in the queue with its waiting time, N calls it.
	const tk = (await http("POST", "/api/v1/tickets", { service: "ppt" })).body.ticket;
	await page.waitForSelector(`#queues .qnum[data-number="${tk.number}"]`, { timeout: 2000 });
	await page.waitForSelector('[data-action="call-next"]:not([disabled])');
	assert.match(await page.textContent(`#queues section[data-service="ppt"] .waited`), /^\d+:\d\d$/);
	assert.match(await page.textContent(`#queues section[data-service="ppt"] .fig`), /^1 venter/);
	assert.deepEqual(await axe(page), [], "axe: work view with a queue");
	await shot(page, "counter-work-queue");
	await page.keyboard.press("n");
	await page.waitForFunction((n) => document.getElementById("cur-number")?.textContent === n, tk.number);
	assert.equal(await page.isVisible("#err"), false, "the old error is gone");
	assert.equal(await page.textContent('#counts dd[data-count="count_called"]'), "1");
	assert.deepEqual(await axe(page), [], "axe: work view with a ticket");
	await page.keyboard.press("x");
	await page.waitForFunction(() => !document.getElementById("cur-number"));
	assert.equal(await page.textContent('#counts dd[data-count="count_no_show"]'), "1");
	// English UI.
	await page.selectOption("#ui-lang", "en");
	assert.match(await page.textContent('[data-action="call-next"]'), /Call next/);
	await page.click("#close-btn");
	await page.waitForSelector("#setup:not([hidden])");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("two counters on the same queue never get the same ticket", async () => {
	await free("s3");
	await free("s4");
	const a = await open_page(browser, `${URL}/counter`, { viewport: { width: 1280, height: 800 } });
	const b = await open_page(browser, `${URL}/counter`, { viewport: { width: 1280, height: 800 } });
	await sign_in_and_open(a, "kari", "s3", ["nav"]);
	await sign_in_and_open(b, "per", "s4", ["nav"]);
	for (let i = 0; i < 2; i++)
		assert.equal((await http("POST", "/api/v1/tickets", { service: "nav" })).status, 201);
	for (let round = 0; round < 3; round++) {
		await Promise.all([a.keyboard.press("n"), b.keyboard.press("n")]);
		const got = await Promise.all([a, b].map((p) => p.waitForFunction(() => {
			const n = document.getElementById("cur-number");
			const m = document.getElementById("msg");
			return n ? n.textContent : !m.hidden && m.textContent;
		}).then((h) => h.jsonValue())));
		const numbers = got.filter((g) => /^B\d{3}$/.test(g));
		assert.equal(new Set(numbers).size, numbers.length, `round ${round}: ${got}`);
		if (round === 0)
			await shot(a, "counter-two-desks-a");
		await Promise.all([a, b].map(async (p) => {
			if (await p.$("#cur-number")) {
				await p.keyboard.press("x");
				await p.waitForFunction(() => !document.getElementById("cur-number"));
			}
			await p.evaluate(() => { document.getElementById("msg").hidden = true; });
		}));
	}
	for (const p of [a, b]) {
		assert.deepEqual(p.js_errors, []);
		await p.click("#close-btn");
		await p.context().close();
	}
});
