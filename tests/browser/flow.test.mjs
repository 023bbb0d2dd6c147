// flow.test.mjs — the whole path through four real pages: a ticket taken at the
// kiosk is called from the counter page (keyboard only) and shows on the wall
// display and on the visitor's phone within a second; then start, transfer with
// its legs, a failing action in plain words, finish, and the day's counts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, shot, http, staff, counter, sign_in_and_open } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

test("kiosk → counter → display and phone within a second, then the rest of the visit", async () => {
	const admin = await staff("admin");
	const snap = (await http("GET", "/api/v1/floor")).body;
	const s5 = snap.counters.find((c) => c.id === "s5");
	if (s5.current)
		await counter(admin, "s5", "no-show");
	if (s5.open)
		await counter(admin, "s5", "close");

	const display = await open_page(browser, `${URL}/display/hall`, { viewport: { width: 1920, height: 1080 } });
	const kiosk = await open_page(browser, `${URL}/kiosk/k1`, { viewport: { width: 1080, height: 1920 } });
	const desk = await open_page(browser, `${URL}/counter`, { viewport: { width: 1440, height: 900 } });

	// The kiosk issues the ticket.
	await kiosk.waitForSelector(".svc");
	await kiosk.click('.svc[data-service="nav"]');
	await kiosk.waitForSelector("#ticket-view:not([hidden])");
	const number = await kiosk.textContent("#t-number");
	const qr = await kiosk.getAttribute("#t-qr", "src");
	const id = /tickets\/([0-9a-f]{32})\//.exec(qr)[1];
	await shot(kiosk, "flow-kiosk-ticket");

	// The visitor opens the phone page (what the QR code points at).
	const phone_ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	await phone_ctx.addInitScript(() => {
		window.__vibrations = [];
		navigator.vibrate = (p) => {
			window.__vibrations.push(p);
			return true;
		};
	});
	const phone = await phone_ctx.newPage();
	await phone.goto(`${URL}/t/${id}?lang=nb`);
	await phone.waitForFunction((n) => document.getElementById("number").textContent === n, number);
	assert.match(await phone.textContent("#status"), /Du er (neste|nummer \d+ i køen)/);
	await shot(phone, "flow-phone-waiting");

	// The counter calls it, keyboard only.
	await sign_in_and_open(desk, "kari", "s5", ["nav", "social"]);
	await desk.waitForSelector(`#queues .qnum[data-number="${number}"]`);
	await desk.focus('[data-action="call-next"]');
	const t0 = Date.now();
	await desk.keyboard.press("c");
	await desk.waitForSelector("#call-dlg[open]");
	await desk.keyboard.type(number.toLowerCase());
	await desk.keyboard.press("Enter");
	await desk.waitForFunction((n) => document.getElementById("cur-number")?.textContent === n, number, { timeout: 1000 });
	await display.waitForFunction((n) => document.getElementById("latest-number").textContent === n, number, { timeout: Math.max(1, 1000 - (Date.now() - t0)) });
	await phone.waitForFunction(() => /Gå til Skranke 5/.test(document.getElementById("status").textContent), null, { timeout: Math.max(1, 1000 - (Date.now() - t0)) });
	const took = Date.now() - t0;
	assert.ok(took < 1000, `counter, display and phone within a second (${took} ms)`);
	// The display cycles through its languages (nb, en, sv, nn).
	assert.match(await display.textContent("#latest-counter"), /^(Skranke 5|Counter 5|Disk 5)$/);
	assert.equal((await phone.evaluate(() => window.__vibrations)).length, 1, "the phone vibrated once");
	await shot(desk, "flow-counter-called");
	await shot(display, "flow-display-called");
	await shot(phone, "flow-phone-called");

	// Finish while only called: disabled, and its key says why in plain words.
	await desk.waitForSelector('[data-action="finish"][disabled]');
	await desk.keyboard.press("f");
	await desk.waitForFunction(() => document.getElementById("msg").textContent === "Trykk Start først, når den besøkende har kommet.");

	// Start, then transfer to social at the front; call it again and see both legs.
	await desk.keyboard.press("s");
	await desk.waitForFunction(() => /Betjenes/.test(document.getElementById("current-body").textContent));
	await phone.waitForFunction(() => /hjulpet ved Skranke 5/.test(document.getElementById("status").textContent), null, { timeout: 2000 });
	await desk.keyboard.press("t");
	await desk.waitForSelector("#transfer-dlg[open]");
	await desk.selectOption("#transfer-service", "social");
	await desk.click("#transfer-ok");
	await desk.waitForFunction(() => !document.getElementById("cur-number"));
	await phone.waitForFunction(() => /Økonomisk sosialhjelp/.test(document.getElementById("service").textContent), null, { timeout: 2000 });
	await desk.waitForSelector(`#queues section[data-service="social"] .qnum[data-number="${number}"]`);
	await desk.click(`#queues .qnum[data-number="${number}"]`);
	await desk.waitForFunction((n) => document.getElementById("cur-number")?.textContent === n, number);
	const legs = await desk.$$eval("#legs li", (lis) => lis.map((l) => l.textContent));
	assert.equal(legs.length, 2);
	assert.match(legs[0], /^NAV – arbeid og velferd: ventet \d+:\d\d · overført$/);
	assert.match(legs[1], /^Økonomisk sosialhjelp: ventet \d+:\d\d · nå$/);
	assert.equal((await phone.evaluate(() => window.__vibrations)).length, 2, "called again: vibrates again");
	await shot(desk, "flow-counter-legs");

	await desk.keyboard.press("s");
	await desk.waitForFunction(() => /Betjenes/.test(document.getElementById("current-body").textContent));
	await desk.keyboard.press("f");
	await desk.waitForFunction(() => !document.getElementById("cur-number"));
	await phone.waitForFunction(() => /Takk for besøket/.test(document.getElementById("status").textContent), null, { timeout: 2000 });
	assert.equal(await phone.isVisible("#leave"), false, "nothing to leave when done");
	await shot(phone, "flow-phone-done");
	const counts = await desk.$$eval("#counts dd", (dds) => Object.fromEntries(dds.map((d) => [d.dataset.count, Number(d.textContent)])));
	assert.equal(counts.count_called, 2);
	assert.equal(counts.count_done, 1);
	assert.equal(counts.count_transferred, 1);
	assert.equal(counts.count_no_show, 0);
	await shot(desk, "flow-counter-done");

	// A reload keeps the counts (kept with the seq they were counted to).
	await desk.reload();
	await desk.waitForSelector("#setup:not([hidden])");
	await desk.click("#use-btn");
	await desk.waitForSelector("#work:not([hidden])");
	assert.equal(await desk.textContent('#counts dd[data-count="count_called"]'), "2");
	for (const p of [display, kiosk, desk, phone])
		assert.deepEqual(p.js_errors || [], []);
	await counter(admin, "s5", "close");
	for (const p of [display, kiosk, desk])
		await p.context().close();
	await phone_ctx.close();
});
