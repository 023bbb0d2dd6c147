// dashboard.test.mjs — the manager's dashboard: signing in through the form, live
// tiles for every service that follow pushed events, a counter on a break shown so, and
// the four charts (arrivals and served by hour, wait distribution, target met per
// service, transfer heat map) drawn for today's statistics of a small scenario.
// Screenshot: dashboard.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, shot, http, staff, counter, fresh_counter, until } from "./lib.mjs";

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
	const r = await http("POST", "/api/v1/tickets", { service, lang: "en" });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	return r.body.ticket;
}

test("dashboard: sign-in, live tiles by push, and the charts of today's statistics", async () => {
	// A little of today: nav served, one nav visitor transferred to social, nav waiting.
	await fresh_counter(auth, "s5", ["nav", "social"]);
	const a = await take("nav");
	const b = await take("nav");
	for (const [tk, last] of [[a, "finish"], [b, "transfer"]]) {
		assert.equal((await counter(auth, "s5", "call", { number: tk.number })).status, 200);
		assert.equal((await counter(auth, "s5", "start")).status, 200);
		const body = last === "transfer" ? { service: "social", position: "front" } : undefined;
		const r = await counter(auth, "s5", last, body);
		assert.equal(r.status, 200, JSON.stringify(r.body));
	}
	await take("nav");

	const page = await open_page(browser, URL + "/dashboard", { viewport: { width: 1400, height: 1100 } });
	await page.waitForSelector("#login:not([hidden])");
	await page.fill("#login-name", "admin");
	await page.fill("#login-password", "pw12345678");
	await page.click("#login button[type=submit]");
	await page.waitForSelector("#board:not([hidden])");

	const snap = (await http("GET", "/api/v1/floor")).body;
	await until(async () => (await page.locator(".tile").count()) === snap.services.length, 5000, "a tile per service");
	const nav = snap.services.find((s) => s.id === "nav");
	const tile_waiting = async () => Number(await page.locator('.tile[data-service="nav"] [data-k="waiting"]').textContent());
	assert.equal(await tile_waiting(), nav.waiting);
	assert.equal(await page.locator('.tile[data-service="nav"] [data-k="counters"]').textContent(), String(nav.counters_open));

	// Pushed: a new nav ticket shows on the tile without reloading.
	await take("nav");
	await until(async () => (await tile_waiting()) === nav.waiting + 1, 3000, "the nav tile to count the new ticket");

	// Pushed: s5 goes on a break, and its row says so with since when, in the page's language.
	assert.equal((await counter(auth, "s5", "break", { on: true })).status, 200);
	const s5 = page.locator('#counters [data-counter="s5"]');
	await until(async () => (await s5.getAttribute("data-state")) === "break", 3000, "s5 shown on a break");
	assert.match(await s5.textContent(), /på pause siden \d\d[:.]\d\d/);

	// The charts for today, with the scenario's figures in them.
	await page.waitForSelector("body[data-stats-loaded]", { timeout: 10000 });
	const figs = await page.evaluate(() => {
		const c = window.torg_dashboard.charts;
		const sum = (a) => a.reduce((x, y) => x + y, 0);
		return {
			kinds: Object.keys(c).sort(),
			arrivals: sum(c["chart-hours"].data.datasets[0].data),
			served: sum(c["chart-hours"].data.datasets[1].data),
			waits: sum(c["chart-waits"].data.datasets[0].data),
			target_labels: c["chart-target"].data.labels,
			transfers: c["chart-transfers"].data.datasets[0].data.map((p) => [p.y, p.x, p.v]),
			total: window.torg_dashboard.stats.by_service.total,
		};
	});
	assert.deepEqual(figs.kinds, ["chart-hours", "chart-target", "chart-transfers", "chart-waits"]);
	assert.equal(figs.arrivals, figs.total.arrivals);
	assert.ok(figs.arrivals >= 4, `arrivals ${figs.arrivals}`);
	assert.equal(figs.served, figs.total.served);
	assert.equal(figs.waits, figs.total.called);
	assert.ok(figs.target_labels.some((l) => /^NAV/.test(l)), figs.target_labels.join(","));
	assert.ok(figs.transfers.some(([from, to, v]) => /^NAV/.test(from) && /sosialhjelp/i.test(to) && v >= 1),
		JSON.stringify(figs.transfers));
	// Every canvas has drawn something (not blank).
	const drawn = await page.evaluate(() => [...document.querySelectorAll("canvas")].map((cv) => {
		const d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
		let ink = 0;
		for (let i = 3; i < d.length; i += 4)
			if (d[i] > 0)
				ink++;
		return ink;
	}));
	assert.ok(drawn.length === 4 && drawn.every((n) => n > 500), JSON.stringify(drawn));
	assert.deepEqual(page.js_errors, []);
	await shot(page, "dashboard", { full: true });
	assert.equal((await counter(auth, "s5", "break", { on: false })).status, 200);
	await until(async () => (await s5.getAttribute("data-state")) === "open", 3000, "s5 back from its break");
});
