// display.test.mjs — the wall display: fits three screen sizes without overflow,
// shows a new call within a second and announces it (and a recall again) without
// announcements overlapping, catches up after losing its connection, and a display of
// some services (first-floor) shows its calls made after other services' events on the
// one WebSocket it opened (the server's skips explain the seqs it was not sent).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, shot, http, staff, counter, fresh_counter, until, overflow } from "./lib.mjs";

let browser;
let auth;

before(async () => {
	browser = await launch();
	auth = await staff("admin");
});
after(async () => {
	await browser.close();
});

// Issues a ticket for `service`; returns the ticket.
async function take(service) {
	const r = await http("POST", "/api/v1/tickets", { service, lang: "nb" });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	return r.body.ticket;
}

// Takes a ticket at `service` and calls it to counter `c` (finishing what was there).
async function call_one(c, service) {
	const tk = await take(service);
	const snap = (await http("GET", "/api/v1/floor")).body;
	const cur = snap.counters.find((x) => x.id === c).current;
	if (cur)
		await counter(auth, c, "no-show");
	const r = await counter(auth, c, "call", { number: tk.number });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return tk.number;
}

test("display fits 1920×1080, 1080×1920 and 3840×2160 without scrollbars", async () => {
	// A busy floor: calls to long counter names, tickets waiting in every open service.
	for (const [c, s] of [["s1", "reception"], ["s3", "nav"], ["s7", "housing"], ["m2", "mental_health"],
		["m8", "care_allocation"], ["m6", "refugee"], ["s5", "social"], ["m3", "health_station"]]) {
		await fresh_counter(auth, c);
		await call_one(c, s);
	}
	for (const s of ["reception", "nav", "social", "housing", "child_welfare", "health_station", "refugee",
		"mental_health", "care_allocation", "ppt", "adult_education", "service_desk"])
		await take(s);
	const sizes = [
		["landscape-1920x1080", { width: 1920, height: 1080 }, 1],
		["portrait-1080x1920", { width: 1080, height: 1920 }, 1],
		["4k-3840x2160", { width: 1920, height: 1080 }, 2],
	];
	for (const id of ["hall", "first-floor"]) {
		for (const [name, viewport, scale] of sizes) {
			const page = await open_page(browser, `${URL}/display/${id}`, { viewport, scale });
			await page.waitForFunction(() => document.querySelectorAll("#queues li").length > 0);
			const of = await overflow(page);
			assert.ok(of.x <= 0 && of.y <= 0, `${id} ${name}: overflow ${JSON.stringify(of)}`);
			// Every region lies inside the screen and the big number is not clipped.
			const bad = await page.evaluate(() => {
				const out = [];
				for (const el of document.querySelectorAll(".bar, .latest, .recent, .queues, #latest-number, #queues li")) {
					const r = el.getBoundingClientRect();
					if (r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5 || r.left < -0.5 || r.top < -0.5)
						out.push(`${el.id || el.className} ${JSON.stringify(r)}`);
				}
				const box = document.getElementById("latest").getBoundingClientRect();
				for (const id of ["latest-number", "latest-counter"]) {
					const el = document.getElementById(id);
					const r = el.getBoundingClientRect();
					if (el.scrollWidth > el.clientWidth + 1 || r.bottom > box.bottom + 0.5 || r.height < 10)
						out.push(`${id} clipped`);
				}
				return out;
			});
			assert.deepEqual(bad, [], `${id} ${name}`);
			const services = await page.$$eval("#queues li", (lis) => lis.map((l) => l.dataset.service));
			if (id === "first-floor")
				assert.deepEqual(services.sort(), ["care_allocation", "child_welfare", "health_station", "mental_health", "ppt"]);
			else
				assert.equal(services.length, 13);
			// Numbers only: nothing but the configured texts, numbers and figures.
			const text = await page.textContent("body");
			assert.doesNotMatch(text, /[0-9a-f]{32}/, "no ticket id on screen");
			await shot(page, `display-${id}-${name}`);
			assert.deepEqual(page.js_errors, []);
			await page.context().close();
		}
	}
});

test("a call shows within a second, is announced, and a recall is announced again", async () => {
	await fresh_counter(auth, "s4", ["nav"]);
	const page = await open_page(browser, `${URL}/display/hall`, { viewport: { width: 1920, height: 1080 } });
	await page.waitForFunction(() => window.torg_display.status === "live");
	const tk = await take("nav");
	const t0 = Date.now();
	const p0 = await page.evaluate(() => performance.now());
	const r = await counter(auth, "s4", "call", { number: tk.number });
	assert.equal(r.status, 200);
	const t_http = Date.now() - t0;
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, tk.number, { timeout: 1000 })
		.catch(async (e) => {
			await page.waitForTimeout(3000);
			throw new Error(`${e.message}; http took ${t_http} ms; page t0 ${p0}; 3 s later: ${await page.textContent("#latest-number")} ${JSON.stringify(await page.evaluate(() => window.torg_display))} errors ${page.js_errors}`);
		});
	assert.ok(Date.now() - t0 < 1000);
	assert.ok(await page.$eval("#latest", (e) => e.classList.contains("flash")), "the new call flashes");
	await shot(page, "display-hall-new-call");
	await counter(auth, "s4", "recall");
	// nb, en, sv for the call (nn's sentence is nb's: said once), and again for the recall.
	const ann = await until(async () => {
		const a = await page.evaluate((n) => window.torg_display.announced.filter((x) => x.number === n && x.end !== null), tk.number);
		return a.length >= 6 && a;
	}, 30000, "six announcements");
	const spoken = ann.map((a) => `${a.lang}: ${a.text}`);
	const num = tk.number.replace(/^([A-Z]+)0*/, "$1 ");
	assert.deepEqual(spoken.slice(0, 3), [`nb: Nummer ${num}, Skranke 4`, `en: Number ${num}, Counter 4`,
		`sv: Nummer ${num}, Disk 4`]);
	assert.deepEqual(spoken.slice(3, 6), spoken.slice(0, 3), "the recall is announced again");
	assert.equal(ann[0].recall, false);
	assert.equal(ann[3].recall, true);
	for (let i = 1; i < ann.length; i++)
		assert.ok(ann[i].start >= ann[i - 1].end, `announcement ${i} starts after ${i - 1} ended`);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("a display that goes offline shows the mark, keeps its state and catches up", async () => {
	await fresh_counter(auth, "s3", ["nav"]);
	const page = await open_page(browser, `${URL}/display/hall`, { viewport: { width: 1920, height: 1080 } });
	await page.waitForFunction(() => window.torg_display.status === "live");
	const before_n = await call_one("s3", "nav");
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, before_n, { timeout: 1000 });
	assert.equal(await page.isVisible("#conn"), false, "no mark while connected");

	await page.context().setOffline(true);
	await page.waitForSelector("#conn", { state: "visible", timeout: 3000 });
	const missed = [];
	for (let i = 0; i < 3; i++)
		missed.push(await call_one("s3", "nav"));
	await page.waitForTimeout(300);
	assert.equal(await page.textContent("#latest-number"), before_n, "keeps the last state while offline");
	await shot(page, "display-hall-reconnecting");

	await page.context().setOffline(false);
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, missed[2], { timeout: 5000 });
	await page.waitForSelector("#conn", { state: "hidden", timeout: 2000 });
	const recent = await page.$$eval("#recent .num", (els) => els.map((e) => e.textContent));
	assert.deepEqual(recent.slice(0, 3), [missed[1], missed[0], before_n], "calls made while offline are there, in order");
	const waiting = await page.$eval('#queues li[data-service="nav"] .n', (e) => Number(e.textContent));
	const snap = (await http("GET", "/api/v1/floor")).body;
	assert.equal(waiting, snap.services.find((s) => s.id === "nav").waiting);
	await shot(page, "display-hall-caught-up");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("a display of some services shows its call after other services' events, on one connection", async () => {
	await fresh_counter(auth, "m1", ["child_welfare"]);
	await fresh_counter(auth, "m3", ["health_station"]);
	const sockets = [];
	const page = await open_page(browser, `${URL}/display/first-floor`, {
		viewport: { width: 1920, height: 1080 },
		setup: (p) => p.on("websocket", (ws) => sockets.push(ws.url())),
	});
	await page.waitForFunction(() => window.torg_display.status === "live");
	// Events the display is not sent (nav, reception) around counter events it is sent.
	for (let i = 0; i < 4; i++)
		await take("nav");
	await fresh_counter(auth, "s3", ["nav"]);
	for (let i = 0; i < 3; i++) {
		await counter(auth, "s3", "call-next");
		await counter(auth, "s3", "no-show");
	}
	const first = await take("child_welfare");
	await take("reception");
	assert.equal((await counter(auth, "m1", "call", { number: first.number })).status, 200);
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, first.number, { timeout: 3000 });
	// More of the others, then a second call of its own.
	for (const s of ["nav", "social", "reception"])
		await take(s);
	const second = await take("health_station");
	assert.equal((await counter(auth, "m3", "call", { number: second.number })).status, 200);
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, second.number, { timeout: 3000 });
	await page.waitForTimeout(1000); // longer than a first reconnect delay: a reconnect would show
	const recent = await page.$$eval("#recent .num", (els) => els.map((e) => e.textContent));
	assert.equal(recent[0], first.number);
	assert.equal(await page.isVisible("#conn"), false, "no reconnecting mark");
	const st = await page.evaluate(() => window.torg_display);
	assert.equal(st.status, "live");
	assert.equal(st.snapshots, 1);
	assert.equal(st.resumes, 0, "never resumed: it never lost the stream");
	assert.equal(sockets.length, 1, `one WebSocket, got ${sockets.length}: ${sockets.join(" ")}`);
	await shot(page, "display-first-floor-filtered-calls");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});
