// restart.test.mjs — a display whose torgd is killed (SIGKILL) and started again on
// the same database and port: it shows the reconnecting mark, keeps what it showed,
// resumes with `since` and catches up with the calls made after the restart before
// it got back; the last SIGTERM stop exits 0.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open_page, shot, http, staff, counter, OwnTorgd } from "./lib.mjs";

let browser;
let own;
before(async () => {
	browser = await launch();
	own = new OwnTorgd();
	await own.add_user("admin", "admin");
	await own.start();
});
after(async () => {
	await browser.close();
	await own.close();
});

// Takes a nav ticket on `base` and calls it to s3 (no-show for the one before).
async function call_next_nav(auth, base, first) {
	const tk = (await http("POST", "/api/v1/tickets", { service: "nav" }, {}, base)).body.ticket;
	if (!first)
		assert.equal((await counter(auth, "s3", "no-show", undefined, base)).status, 200);
	const r = await counter(auth, "s3", "call", { number: tk.number }, base);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return tk.number;
}

test("display survives a torgd kill and restart on the same port and database", async () => {
	let auth = await staff("admin", own.url);
	assert.equal((await counter(auth, "s3", "open", { services: ["nav"] }, own.url)).status, 200);
	const page = await open_page(browser, `${own.url}/display/hall`, { viewport: { width: 1920, height: 1080 } });
	await page.waitForFunction(() => window.torg_display.status === "live");
	const a = await call_next_nav(auth, own.url, true);
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, a, { timeout: 1000 });

	const r = await own.stop("SIGKILL");
	assert.equal(r.sig, "SIGKILL");
	await page.waitForSelector("#conn", { state: "visible", timeout: 3000 });
	assert.equal(await page.textContent("#latest-number"), a, "keeps the last state");
	await shot(page, "display-restart-down");

	await own.start();
	auth = await staff("admin", own.url); // sessions survive a restart, but a fresh one is simplest
	const b = await call_next_nav(auth, own.url, false);
	const c = await call_next_nav(auth, own.url, false);
	await page.waitForFunction((n) => document.getElementById("latest-number").textContent === n, c, { timeout: 8000 });
	await page.waitForSelector("#conn", { state: "hidden", timeout: 2000 });
	const recent = await page.$$eval("#recent .num", (els) => els.map((e) => e.textContent));
	assert.deepEqual(recent.slice(0, 2), [b, a]);
	const st = await page.evaluate(() => window.torg_display);
	assert.equal(st.snapshots, 1, "no new snapshot: it resumed");
	assert.ok(st.resumes >= 1, "resumed with since");
	await shot(page, "display-restart-caught-up");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
	const term = await own.stop("SIGTERM");
	assert.equal(term.code, 0, "torgd exits 0 on SIGTERM");
});
