// kiosk.test.mjs — the kiosk: services with icons, closed ones disabled with their
// opening time, taking a ticket by touch and by keyboard, the ticket with QR code,
// the 80 mm print layout, the kiosk key, the idle return, right-to-left Arabic, and
// an axe-core scan with no serious or critical violations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, shot, axe } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

// Opens the kiosk and waits for its service buttons.
async function kiosk(url = `${URL}/kiosk/k1`, opts = {}) {
	const page = await open_page(browser, url, { viewport: { width: 1080, height: 1920 }, ...opts });
	await page.waitForSelector(".svc");
	return page;
}

test("kiosk start screen: 13 services with icons, the closed one disabled with its opening time", async () => {
	const page = await kiosk();
	const svcs = await page.$$eval(".svc", (bs) => bs.map((b) => ({ id: b.dataset.service, disabled: b.disabled,
		icon: !!b.querySelector("svg path"), text: b.textContent })));
	assert.equal(svcs.length, 13);
	assert.ok(svcs.every((s) => s.icon));
	const vol = svcs.find((s) => s.id === "volunteer");
	assert.equal(vol.disabled, true);
	assert.match(vol.text, /Frivilligsentral.*Stengt · Åpner \S+ kl\. 10:00/);
	assert.ok(svcs.filter((s) => s.id !== "volunteer").every((s) => !s.disabled));
	assert.equal(await page.getAttribute("html", "lang"), "nb");
	const sizes = await page.$$eval(".svc, .langs button", (bs) => bs.map((b) => b.getBoundingClientRect()).map((r) => Math.min(r.width, r.height)));
	assert.ok(Math.min(...sizes) >= 44, "touch targets at least 44 px");
	assert.deepEqual(await axe(page), [], "axe: kiosk start");
	await shot(page, "kiosk-start-nb", { full: true });
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("kiosk: choose English, take a ticket, see number, position, wait and QR; print on 80 mm", async () => {
	const page = await kiosk();
	await page.click('.langs button[lang="en"]');
	await page.waitForFunction(() => document.documentElement.lang === "en");
	assert.match(await page.textContent("#choose"), /What is your visit about/);
	await page.click('.svc[data-service="nav"]');
	await page.waitForSelector("#ticket-view:not([hidden])");
	assert.match(await page.textContent("#t-number"), /^B\d{3}$/);
	assert.equal(await page.textContent("#t-service"), "NAV – labour and welfare");
	assert.match(await page.textContent("#t-position"), /^You are number \d+ in the queue$/);
	assert.match(await page.textContent("#t-eta"), /^(Estimated wait: |The wait is not estimated yet)/);
	await page.waitForFunction(() => document.getElementById("t-qr").naturalWidth > 0);
	assert.match(await page.getAttribute("#t-qr", "src"), /^\/api\/v1\/tickets\/[0-9a-f]{32}\/qr\.svg$/);
	assert.equal(await page.evaluate(() => document.activeElement.id), "ticket-heading", "focus moves to the ticket");
	assert.deepEqual(await axe(page), [], "axe: kiosk ticket");
	await shot(page, "kiosk-ticket-en");
	// The receipt: only the ticket, 72 mm wide, on an 80 mm page.
	await page.emulateMedia({ media: "print" });
	const layout = await page.evaluate(() => ({
		ticket: document.getElementById("ticket").getBoundingClientRect().width,
		top: getComputedStyle(document.querySelector(".top")).display,
		actions: getComputedStyle(document.querySelector(".actions")).display,
	}));
	assert.ok(Math.abs(layout.ticket - (72 / 25.4) * 96) < 2, `ticket is 72 mm wide (${layout.ticket}px)`);
	assert.equal(layout.top, "none");
	assert.equal(layout.actions, "none");
	await page.setViewportSize({ width: 302, height: 900 });
	await shot(page, "kiosk-receipt-print-80mm", { full: true });
	const pdf = (await page.pdf({ preferCSSPageSize: true })).toString("latin1");
	const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf);
	assert.ok(box, "the PDF has a page");
	assert.ok(Math.abs(Number(box[1]) - (80 / 25.4) * 72) < 1.5, `page is 80 mm wide (${box[1]} pt)`);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("kiosk: keyboard only, with the kiosk key from the URL sent as X-Torg-Kiosk", async () => {
	const page = await kiosk(`${URL}/kiosk/k2#key=test-kiosk-key-0123456789&print=off`);
	assert.equal(await page.evaluate(() => location.hash), "", "the key leaves the address bar");
	assert.equal(await page.evaluate(() => localStorage.getItem("torg.kiosk.key")), "test-kiosk-key-0123456789");
	const seen = [];
	page.on("request", (r) => {
		if (r.url().endsWith("/api/v1/tickets"))
			seen.push(r.headers()["x-torg-kiosk"]);
	});
	await page.focus('.svc[data-service="housing"]');
	await page.keyboard.press("Enter");
	await page.waitForSelector("#ticket-view:not([hidden])");
	assert.deepEqual(seen, ["test-kiosk-key-0123456789"]);
	assert.match(await page.textContent("#t-number"), /^D\d{3}$/);
	assert.equal(await page.isVisible("#print"), false, "no print button when there is no printer");
	assert.match(await page.textContent("#print-note"), /Ingen skriver/);
	await page.keyboard.press("Tab");
	assert.equal(await page.evaluate(() => document.activeElement.id), "done");
	await page.keyboard.press("Enter");
	await page.waitForSelector("#start:not([hidden])");
	// A wrong key: the visitor is told in plain words, nothing is issued.
	await page.goto(`${URL}/kiosk/k2#key=not-the-right-key-000000`);
	await page.waitForSelector(".svc");
	await page.click('.svc[data-service="housing"]');
	await page.waitForSelector("#error:not([hidden])");
	assert.equal(await page.textContent("#error"), "Denne automaten er ikke godkjent. Spør i mottaket.");
	assert.equal(await page.isVisible("#ticket-view"), false);
	await shot(page, "kiosk-error-wrong-key");
	await page.context().close();
});

test("kiosk: returns to the start screen in the default language after 30 s idle", async () => {
	const ctx = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
	const page = await ctx.newPage();
	await page.clock.install();
	await page.goto(`${URL}/kiosk`);
	await page.waitForSelector(".svc");
	await page.click('.langs button[lang="sv"]');
	await page.click('.svc[data-service="reception"]');
	await page.waitForSelector("#ticket-view:not([hidden])");
	assert.equal(await page.getAttribute("html", "lang"), "sv");
	await page.clock.runFor(20000);
	assert.equal(await page.isVisible("#ticket-view"), true, "still there after 20 s");
	await page.clock.runFor(11000);
	await page.waitForSelector("#start:not([hidden])");
	assert.equal(await page.getAttribute("html", "lang"), "nb");
	await ctx.close();
});

test("kiosk in Arabic is right-to-left", async () => {
	const page = await kiosk();
	await page.click('.langs button[lang="ar"]');
	await page.waitForFunction(() => document.documentElement.dir === "rtl");
	assert.equal(await page.getAttribute("html", "lang"), "ar");
	const r = await page.evaluate(() => {
		const b = document.querySelector('.svc[data-service="housing"]');
		return { icon: b.querySelector("svg").getBoundingClientRect().x, text: b.querySelector(".txt").getBoundingClientRect().x,
			name: b.querySelector(".name").textContent, h1: document.querySelector("h1").textContent };
	});
	assert.ok(r.icon > r.text, "the icon stands at the right (start) of the text");
	assert.equal(r.name, "السكن");
	await shot(page, "kiosk-start-ar-rtl", { full: true });
	await page.click('.svc[data-service="housing"]');
	await page.waitForSelector("#ticket-view:not([hidden])");
	assert.match(await page.textContent("#t-position"), /أنت رقم \d+ في الطابور/);
	await shot(page, "kiosk-ticket-ar-rtl");
	await page.context().close();
});
