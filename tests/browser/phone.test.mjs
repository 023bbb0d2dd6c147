// phone.test.mjs — the visitor's phone page on a small screen: position and wait,
// leaving the queue, an unknown ticket, Arabic right-to-left, and a small download.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, shot, http, overflow } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

const small = { viewport: { width: 320, height: 568 }, mobile: true };

test("phone: position, leaving the queue, no sideways scrolling at 320 px, a small page", async () => {
	const tk = (await http("POST", "/api/v1/tickets", { service: "refugee", lang: "sv" })).body.ticket;
	const ctx = await browser.newContext({ viewport: small.viewport, isMobile: true, hasTouch: true });
	const page = await ctx.newPage();
	let bytes = 0;
	page.on("response", async (r) => {
		try {
			bytes += (await r.body()).length;
		} catch (e) {
			// WebSocket upgrades have no body
		}
	});
	await page.goto(`${URL}${tk.url}`);
	await page.waitForFunction((n) => document.getElementById("number").textContent === n, tk.number);
	await page.waitForFunction(() => document.getElementById("service").textContent !== "");
	assert.equal(await page.getAttribute("html", "lang"), "sv");
	assert.match(await page.textContent("#status"), /Du är (näst på tur|nummer \d+ i kön)/);
	assert.equal(await page.textContent("#service"), "Flyktingmottagning");
	const of = await overflow(page);
	assert.ok(of.x <= 0, `no sideways scrolling (${of.x})`);
	assert.ok(bytes < 120 * 1024, `page weight ${bytes} bytes`);
	await shot(page, "phone-waiting-sv-320", { full: true });
	page.on("dialog", (d) => d.accept());
	await page.click("#leave");
	await page.waitForFunction(() => /Du har lämnat kön/.test(document.getElementById("status").textContent));
	assert.equal((await http("GET", `/api/v1/tickets/${tk.id}`)).body.ticket.state, "cancelled");
	assert.equal(await page.isVisible("#leave"), false);
	await shot(page, "phone-left-sv-320");
	await ctx.close();
});

test("phone: an unknown ticket says so; Arabic is right-to-left", async () => {
	const page = await open_page(browser, `${URL}/t/0123456789abcdef0123456789abcdef?lang=en`, small);
	await page.waitForFunction(() => /Ticket not found/.test(document.getElementById("status").textContent));
	await page.context().close();
	const tk = (await http("POST", "/api/v1/tickets", { service: "housing", lang: "ar" })).body.ticket;
	const ar = await open_page(browser, `${URL}/t/${tk.id}?lang=ar`, small);
	await ar.waitForFunction(() => document.getElementById("service").textContent === "السكن");
	assert.equal(await ar.getAttribute("html", "dir"), "rtl");
	assert.match(await ar.textContent("#status"), /أنت (التالي|رقم \d+ في الطابور)/);
	await shot(ar, "phone-waiting-ar-rtl", { full: true });
	assert.deepEqual(ar.js_errors, []);
	await ar.context().close();
});
