// torg.test.mjs — the shared WebSocket client (static/torg.js) in a real page
// against the real torgd: duplicates are dropped, a seq gap reconnects with `since`
// and gets a resume (not a snapshot), and the reconnect delay grows with jitter up
// to its cap. Against a scripted server (Playwright's routeWebSocket, so nothing
// reaches torgd): a filtered session's `skip` moves the seq forward and never back, an
// event must follow it, a real gap after a skip reconnects with the skipped-to `since`,
// a skip before any snapshot or on a ticket-only session moves nothing; and the
// backoff keeps growing while every connection is answered and then lost at once
// (dropped by the server, or a gap on every resume), starting over only after a
// connection that stayed live for 10 s.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, http, until } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

test("TorgSocket: duplicates dropped, a gap resumes with since, capped backoff with jitter", async () => {
	const page = await open_page(browser, `${URL}/`) /* a page: its CSP lets it load /static/ scripts */;
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

// Routes the page's /ws to a scripted server: every connection is pushed to `conns`
// as { route, hellos } and `on_hello(conn, hello, n)` (n counting from 1) answers it.
async function fake_server(page, on_hello) {
	const conns = [];
	await page.routeWebSocket(/\/ws$/, (route) => {
		const conn = { route, hellos: [] };
		conns.push(conn);
		route.onMessage((m) => {
			const hello = JSON.parse(m);
			conn.hellos.push(hello);
			on_hello(conn, hello, conns.length);
		});
	});
	return conns;
}

// Starts a TorgSocket in the page as window.sock, logging to window.log.
async function start_socket(page, hello = {}) {
	await page.evaluate(async (hello) => {
		const { TorgSocket } = await import("/static/torg.js");
		const log = (window.log = []);
		window.sock = new TorgSocket({
			hello,
			on_snapshot: (m) => log.push(["snapshot", m.seq]),
			on_resume: (m) => log.push(["resume", m.since, m.seq]),
			on_event: (e) => log.push(["event", e.seq]),
			on_status: (s) => log.push(["status", s]),
		}).start();
	}, hello);
}

const SNAP = { type: "snapshot", protocol: "torg.v1", seq: 10, day: "2026-11-22", services: [], counters: [], calls: [] };
const ev = (seq) => ({ type: "event", seq, kind: "ticket.called", ticket: { number: `E${seq}`, service: "ppt" }, counter: "m7", queues: [] });
const skip = (seq) => ({ type: "skip", seq });

test("TorgSocket: skip moves the seq forward only, the next event must follow, a real gap after it resumes", async () => {
	const page = await open_page(browser, `${URL}/`) /* a page: its CSP lets it load /static/ scripts */;
	const conns = await fake_server(page, (conn, hello, n) => {
		if (n === 1)
			conn.route.send(JSON.stringify(SNAP));
		else
			conn.route.send(JSON.stringify({ type: "resume", since: hello.since, seq: 25 }));
	});
	await start_socket(page, { display: "first-floor" });
	await page.waitForFunction(() => window.sock.seq === 10, null, { timeout: 5000 });
	const send = (m) => conns[conns.length - 1].route.send(JSON.stringify(m));
	const events = () => page.evaluate(() => window.log.filter((l) => l[0] === "event").map((l) => l[1]));
	const seq = () => page.evaluate(() => window.sock.seq);

	// The batch a filtered session gets: [skip, event]; the event follows the skip.
	send([skip(14), ev(15)]);
	await page.waitForFunction(() => window.sock.seq === 15, null, { timeout: 5000 });
	assert.deepEqual(await events(), [15]);
	// A skip going back, or to the seq already held, changes nothing; a malformed one neither.
	send(skip(12));
	send(skip(15));
	send({ type: "skip", seq: "20" });
	send(ev(16));
	await page.waitForFunction(() => window.sock.seq === 16, null, { timeout: 5000 });
	assert.deepEqual(await events(), [15, 16]);
	// A skip on its own moves the seq (the next event must be one more).
	send(skip(18));
	await page.waitForFunction(() => window.sock.seq === 18, null, { timeout: 5000 });
	assert.equal(conns.length, 1, "no reconnect so far");
	// A jump no skip explains is a real gap: nothing after it is applied, and the client
	// reconnects with since = the skipped-to seq.
	send([skip(20), ev(23), ev(24)]);
	await until(() => conns.length === 2 && conns[1].hellos.length === 1, 5000, "the reconnect");
	assert.deepEqual(conns[1].hellos[0], { type: "hello", display: "first-floor", since: 20 });
	assert.deepEqual(await events(), [15, 16]);
	await page.waitForFunction(() => window.log.some((l) => l[0] === "resume"), null, { timeout: 5000 });
	send([skip(24), ev(25)]);
	await page.waitForFunction(() => window.sock.seq === 25, null, { timeout: 5000 });
	assert.deepEqual(await events(), [15, 16, 25]);
	assert.equal(conns[0].hellos[0].since, undefined, "the first hello has no since");
	assert.equal(conns.length, 2);
	assert.equal(await seq(), 25);

	// Before any snapshot a skip has nothing to move; a ticket-only session ignores it.
	const quiet = await page.evaluate(async () => {
		const { TorgSocket } = await import("/static/torg.js");
		const a = new TorgSocket({ hello: {} });
		a.handle({ type: "skip", seq: 5 });
		const before_base = a.seq;
		a.handle({ type: "snapshot", seq: 3 });
		const based = a.seq;
		const t = new TorgSocket({ hello: { ticket: "x" }, track_seq: false });
		t.seq = 7;
		t.handle({ type: "skip", seq: 9 });
		a.stop();
		t.stop();
		return [before_base, based, t.seq];
	});
	assert.deepEqual(quiet, [null, 3, 7]);
	await page.evaluate(() => window.sock.stop());
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

// Runs a TorgSocket against a scripted server whose every connection is answered and
// then lost at once (how: "drop": a snapshot, then the server closes; "gap": a snapshot
// or resume, then an event that does not follow) until hold.on is set, when the next
// connection gets a snapshot and stays (hold.conn). Waits for `wanted` reconnects;
// returns the page, the connections and hold. The page's window.delays lists the delays
// the socket's schedule() asked for; each timer runs 20 ms later instead, to save time.
async function flapping(how, wanted) {
	const page = await open_page(browser, `${URL}/`) /* a page: its CSP lets it load /static/ scripts */;
	const hold = { on: false, conn: null };
	const conns = await fake_server(page, (conn, hello) => {
		if (hold.on) {
			conn.route.send(JSON.stringify(SNAP));
			hold.conn = conn;
			return;
		}
		if (hello.since === undefined)
			conn.route.send(JSON.stringify(SNAP));
		else
			conn.route.send(JSON.stringify({ type: "resume", since: hello.since, seq: 12 }));
		if (how === "drop")
			conn.route.close().catch(() => {});
		else
			conn.route.send(JSON.stringify(ev(12)));
	});
	await page.evaluate(async () => {
		const { TorgSocket } = await import("/static/torg.js");
		window.delays = [];
		window.sock = new TorgSocket({ hello: {} });
		const schedule = window.sock.schedule;
		window.sock.schedule = function () {
			const real = window.setTimeout;
			window.setTimeout = (fn, ms) => {
				window.delays.push(ms);
				return real(fn, 20);
			};
			try {
				schedule.call(this);
			} finally {
				window.setTimeout = real;
			}
		};
		window.sock.start();
	});
	await page.waitForFunction((n) => window.delays.length >= n, wanted, { timeout: 10000 });
	return { page, conns, hold };
}

// Checks that delay i lies in the jitter window of attempt i: [cap/2, cap].
function check_windows(delays, from = 0) {
	const caps = [500, 1000, 2000, 4000, 8000, 15000, 15000];
	delays.forEach((d, i) => {
		const cap = caps[i + from];
		assert.ok(d >= cap / 2 && d <= cap, `delay ${i}: ${d} ms not in [${cap / 2}, ${cap}] (all: ${delays})`);
	});
}

for (const how of ["drop", "gap"]) {
	test(`TorgSocket: answered-then-lost connections (${how}) back off to the cap, not from the start`, async () => {
		const { page, conns, hold } = await flapping(how, 7);
		let delays = await page.evaluate(() => window.delays.slice(0, 7));
		check_windows(delays);
		assert.ok(conns.length >= 7, `${conns.length} connections`);
		// Every reconnect resumed from the seq it had, so each was answered: the answer
		// alone did not start the backoff over.
		assert.ok(conns.slice(1, 7).every((c) => c.hellos[0] && c.hellos[0].since === 10), JSON.stringify(conns.map((c) => c.hellos)));

		// A connection that stays live for 10 s has earned a fresh start: its drop is
		// retried after the first delay again. The page's clock is moved on 11 s.
		hold.on = true;
		await until(() => hold.conn, 5000, "the connection that stays");
		await page.waitForFunction(() => window.sock.state === "live");
		const n = await page.evaluate(() => {
			const real_now = Date.now;
			Date.now = () => real_now() + 11000;
			return window.delays.length;
		});
		await hold.conn.route.close();
		await page.waitForFunction((k) => window.delays.length > k, n);
		delays = await page.evaluate((k) => window.delays.slice(k, k + 1), n);
		check_windows(delays);
		await page.evaluate(() => window.sock.stop());
		assert.deepEqual(page.js_errors, []);
		await page.context().close();
	});
}
