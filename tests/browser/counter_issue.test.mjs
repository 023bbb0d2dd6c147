// counter_issue.test.mjs — the counter page's "New ticket" panel for reception: a
// ticket of each priority class issued with the staff session (the server has it with
// that priority), its receipt (floor, number, service, time, a QR code that loads),
// Print calling the browser's print, the print layout (only the receipt, whole, 72 mm
// wide; everything else hidden) in nb and ar, closed services not choosable, nothing
// about the ticket written to the console, and an axe-core scan.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, PASSWORD, launch, open_page, shot, http, axe } from "./lib.mjs";

const MM = 96 / 25.4; // CSS pixels per millimetre
let browser;
const issued = [];

before(async () => {
	browser = await launch();
});
after(async () => {
	for (const id of issued)
		await http("DELETE", `/api/v1/tickets/${id}`);
	await browser.close();
});

// The page's print layout: what is visible besides the receipt, the receipt's box, and
// its parts that are hidden or clipped.
function print_layout(page) {
	return page.evaluate(() => {
		const r = document.getElementById("receipt");
		const stray = [...document.body.querySelectorAll("*")].filter((e) => e.checkVisibility()
			&& !r.contains(e) && !e.contains(r)).map((e) => e.id || e.tagName);
		const parts = [...r.children];
		const box = r.getBoundingClientRect();
		return {
			stray, width: box.width, left: box.left, right: box.right, page: document.documentElement.clientWidth,
			hidden: parts.filter((e) => !e.checkVisibility()).map((e) => e.id),
			clipped: parts.filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > box.right + 1
				|| e.getBoundingClientRect().left < box.left - 1).map((e) => e.id),
			qr: document.getElementById("r-qr").naturalWidth,
		};
	});
}

// Asserts the print layout shows the whole receipt and nothing else.
async function check_print(page, lang) {
	await page.emulateMedia({ media: "print" });
	const l = await print_layout(page);
	assert.deepEqual(l.stray, [], `${lang}: only the receipt prints`);
	assert.deepEqual(l.hidden, [], `${lang}: every part of the receipt prints`);
	assert.deepEqual(l.clipped, [], `${lang}: nothing of the receipt is clipped`);
	assert.ok(Math.abs(l.width - 72 * MM) < 2, `${lang}: the receipt is 72 mm wide (${l.width}px)`);
	assert.ok(l.left >= 0 && l.right <= l.page, `${lang}: the receipt is on the page`);
	assert.ok(l.qr > 0, `${lang}: the QR code has loaded`);
	await page.setViewportSize({ width: 302, height: 800 });
	await shot(page, `counter-receipt-print-${lang}`, { full: true });
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.emulateMedia({ media: "screen" });
}

test("reception: a ticket of each priority, its receipt, Print, and the print layout in nb and ar", async () => {
	const page = await open_page(browser, `${URL}/healthz`, { viewport: { width: 1280, height: 800 } });
	const ctx = page.context();
	await ctx.addInitScript(() => {
		localStorage.setItem("torg.staff.lang", "nb");
		window.print = () => {
			window.printed = (window.printed || 0) + 1;
		};
	});
	const logged = [];
	page.on("console", (m) => logged.push(m.text()));
	const r = await ctx.request.post(`${URL}/api/v1/login`, { data: { name: "kari", password: PASSWORD },
		headers: { "content-type": "application/json" } });
	assert.equal(r.status(), 200);
	await page.goto(`${URL}/counter`);
	await page.waitForSelector("#issue:not([hidden])");
	assert.equal(await page.isVisible("#print-btn"), false, "nothing to print before a ticket");
	const closed = await page.$eval('#issue-service option[value="volunteer"]', (o) => o.disabled);
	assert.equal(closed, true, "a closed service cannot be chosen");
	const words = { normal: "Vanlig", appointment: "Avtalt time", accessibility: "Tilrettelegging" };
	for (const priority of ["normal", "appointment", "accessibility"]) {
		await page.selectOption("#issue-service", "reception");
		await page.check(`input[name="priority"][value="${priority}"]`);
		const [res] = await Promise.all([page.waitForResponse((x) => x.url().endsWith("/api/v1/tickets")),
			page.click("#issue-btn")]);
		assert.equal(res.status(), 201);
		const tk = (await res.json()).ticket;
		issued.push(tk.id);
		const s = (await http("GET", `/api/v1/tickets/${tk.id}`)).body.ticket;
		assert.equal(s.priority, priority, "the server has the priority");
		assert.equal(s.service, "reception");
		assert.equal(s.state, "waiting");
		await page.waitForFunction((n) => document.getElementById("r-number").textContent === n, tk.number);
		assert.match(tk.number, /^A\d{3}$/);
		assert.equal(await page.textContent("#r-service"), "Mottak");
		assert.equal(await page.textContent("#r-floor"), "Velferdstorget Stovner");
		assert.match(await page.textContent("#r-time"), /^Trukket kl\. \d\d:\d\d$/);
		assert.equal(await page.textContent("#r-priority"), `Prioritet: ${words[priority]}`);
		assert.equal(await page.textContent("#msg"), `Kølapp ${tk.number} er laget.`);
		assert.equal(await page.getAttribute("#r-qr", "src"), `/api/v1/tickets/${tk.id}/qr.svg`);
		await page.waitForFunction(() => document.getElementById("r-qr").naturalWidth > 0);
		assert.equal(await page.evaluate(() => document.activeElement.id), "print-btn", "focus moves to Print");
	}
	assert.deepEqual(await axe(page), [], "axe: the panel with a receipt");
	await shot(page, "counter-issue-receipt-nb", { full: true });
	await page.click("#print-btn");
	assert.equal(await page.evaluate(() => window.printed), 1, "Print prints");
	await check_print(page, "nb");
	await page.selectOption("#ui-lang", "ar");
	assert.equal(await page.getAttribute("html", "dir"), "rtl");
	assert.equal(await page.textContent("#r-service"), "الاستقبال");
	await shot(page, "counter-issue-receipt-ar", { full: true });
	await check_print(page, "ar");
	await page.selectOption("#ui-lang", "nb");
	const ids = issued.filter((id) => logged.some((m) => m.includes(id)));
	assert.deepEqual(ids, [], "no ticket id on the console");
	assert.deepEqual(page.js_errors, []);
	// Signing out forgets the receipt: the next user cannot print it.
	await page.click("#sign-out");
	await page.waitForSelector("#login:not([hidden])");
	assert.equal(await page.isVisible("#receipt"), false);
	assert.equal(await page.getAttribute("#r-qr", "src"), null);
	await ctx.close();
});
