// torg.test.mjs — the shared WebSocket client (static/torg.js) in a real page
// against the real torgd: duplicates are dropped, a seq gap reconnects with `since`
// and gets a resume (not a snapshot), and the reconnect delay grows with jitter up
// to its cap.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, http } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

test("TorgSocket: duplicates dropped, a gap resumes with since, capped backoff with jitter", async () => {
	const page = await open_page(browser, `${URL}/static/i18n/en.json`);
	await page.evaluate(async () => {
		const { TorgSocket } = await import("/static/torg.js");
		const log = (window.log = []);
		window.sock = new TorgSocket({
			hello: {},
			on_snapshot: (m) => log.push(["snapshot", m.seq]),
			on_resume: (m) => log.push(["resume", m.since, m.seq]),
			on_event: (e) => log.push(["event", e.seq]),
			on_status: (s) => log.push(["status", s]),
		}).start();
	});
	await page.waitForFunction(() => window.log.some((l) => l[0] === "snapshot"));
	const seq0 = await page.evaluate(() => window.sock.seq);
	assert.equal((await http("POST", "/api/v1/tickets", { service: "reception" })).status, 201);
	await page.waitForFunction((s) => window.sock.seq === s + 1, seq0);
	// The same event again is not applied twice.
	const dup = await page.evaluate(() => {
		const n = window.log.length;
		window.sock.handle({ type: "event", seq: window.sock.seq, kind: "ticket.issued" });
		return window.log.length - n;
	});
	assert.equal(dup, 0);
	// A gap: the client drops the socket and resumes from the last seq it applied.
	const before_gap = await page.evaluate(() => {
		window.log.length = 0;
		return window.sock.handle({ type: "event", seq: window.sock.seq + 5, kind: "ticket.issued" });
	});
	assert.equal(before_gap, false);
	await page.waitForFunction(() => window.log.some((l) => l[0] === "resume"));
	const log = await page.evaluate(() => window.log);
	assert.deepEqual(log.find((l) => l[0] === "resume"), ["resume", seq0 + 1, seq0 + 1]);
	assert.ok(!log.some((l) => l[0] === "snapshot"), "no snapshot needed");
	assert.deepEqual(log.filter((l) => l[0] === "status").map((l) => l[1]), ["reconnecting", "live"]);
	// Backoff: doubles from 0.5 s, with jitter in the upper half, capped at 15 s.
	const delays = await page.evaluate(() => {
		const out = [];
		const real = window.setTimeout;
		window.setTimeout = (fn, ms) => { out.push(ms); return 0; };
		const s = window.sock;
		s.ws = null;
		s.attempt = 0;
		for (let i = 0; i < 8; i++)
			s.schedule();
		window.setTimeout = real;
		s.stop();
		return out;
	});
	const caps = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000];
	delays.forEach((d, i) => assert.ok(d >= caps[i] / 2 && d <= caps[i], `attempt ${i}: ${d} ms within [${caps[i] / 2}, ${caps[i]}]`));
	await page.context().close();
});
