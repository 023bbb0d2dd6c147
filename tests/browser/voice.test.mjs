// voice.test.mjs — the wall display speaks calls with torgd's recordings in a Chromium
// that has no speech voices (Debian's headless one has none): for two calls in a row
// its <audio> element plays each sentence of each announcement language to its end
// (the recordings decode: the element knows their length), in order, never two at
// once; a reloaded page (a fresh snapshot) says nothing again; without recordings the
// queue falls back and goes on; announce.js drops a repeated call but not a recall,
// and says one sentence once (display.test.mjs: the hall's nb and nn).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL, launch, open_page, http, staff, counter, fresh_counter, until } from "./lib.mjs";

let browser;
let auth;

before(async () => {
	browser = await launch();
	auth = await staff("admin");
});
after(async () => {
	await browser.close();
});

// Before the page loads: records every media event of any audio element (capture on the
// document sees them; they do not bubble) and every speechSynthesis.speak.
async function watch_media(page) {
	await page.addInitScript(() => {
		window.media_events = [];
		for (const type of ["play", "playing", "ended", "error", "pause"])
			document.addEventListener(type, (e) => {
				if (e.target instanceof HTMLMediaElement)
					window.media_events.push({ type, src: e.target.currentSrc, at: performance.now(),
						duration: e.target.duration });
			}, true);
		window.spoken = [];
		if (window.speechSynthesis) {
			const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
			window.speechSynthesis.speak = (u) => {
				window.spoken.push(u.text);
				speak(u);
			};
		}
	});
}

// Takes a ticket at `service` and calls it to counter `c`; returns its number.
async function take_and_call(c, service) {
	const t = await http("POST", "/api/v1/tickets", { service, lang: "nb" });
	assert.equal(t.status, 201, JSON.stringify(t.body));
	const r = await counter(auth, c, "call", { number: t.body.ticket.number });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return t.body.ticket.number;
}

test("two calls in a row are played as recordings, in order, without overlap, in a browser without voices", async () => {
	await fresh_counter(auth, "m1", ["child_welfare"]);
	await fresh_counter(auth, "m3", ["health_station"]);
	const page = await open_page(browser, `${URL}/display/first-floor`, { viewport: { width: 1920, height: 1080 },
		setup: watch_media });
	await page.waitForFunction(() => window.torg_display.status === "live");
	const voices = await page.evaluate(() => (window.speechSynthesis ? window.speechSynthesis.getVoices().length : 0));
	assert.equal(voices, 0, "this Chromium has no speech voices: the test proves nothing otherwise");
	const n1 = await take_and_call("m1", "child_welfare");
	const n2 = await take_and_call("m3", "health_station");
	// first-floor speaks nb and en (the hall's nb/nn sharing is the next tests')
	const ann = await until(async () => {
		const a = await page.evaluate(() => window.torg_display.announced.filter((x) => x.end !== null));
		return a.length >= 4 && a;
	}, 30000, "four sentences said");
	assert.deepEqual(ann.map((a) => `${a.number} ${a.lang} ${a.via}`), [
		`${n1} nb audio`, `${n1} en audio`, `${n2} nb audio`, `${n2} en audio`]);
	for (let i = 1; i < ann.length; i++)
		assert.ok(ann[i].start >= ann[i - 1].end, `sentence ${i} starts after ${i - 1} ended`);
	const ev = await page.evaluate(() => window.media_events.filter((e) => e.type === "play" || e.type === "ended"));
	assert.deepEqual(ev.map((e) => e.type), ["play", "ended", "play", "ended", "play", "ended",
		"play", "ended"], JSON.stringify(ev));
	for (let i = 0; i < ev.length; i += 2) {
		assert.ok(ev[i].src.startsWith("blob:"), ev[i].src);
		assert.equal(ev[i + 1].src, ev[i].src, "each recording ends before the next plays");
		const secs = (ev[i + 1].at - ev[i].at) / 1000;
		const duration = ev[i + 1].duration; // known at the end (at "play" it may be NaN)
		assert.ok(duration >= 1 && duration <= 8, `duration ${duration}`);
		assert.ok(secs >= duration * 0.8, `played ${secs} s of ${duration} s`);
	}
	assert.deepEqual(await page.evaluate(() => window.spoken), [], "speechSynthesis was not needed");
	console.log("played (s):", ev.filter((e) => e.type === "ended").map((e) => e.duration.toFixed(2)).join(" "));
	// the same calls again in a fresh snapshot (a reloaded page): nothing more is said
	await page.reload();
	await page.waitForFunction(() => window.torg_display.status === "live");
	await new Promise((r) => setTimeout(r, 1500));
	assert.deepEqual(await page.evaluate(() => window.media_events.length), 0);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("when torgd cannot give a recording the display falls back and the queue goes on", async () => {
	await fresh_counter(auth, "s5", ["nav"]);
	const page = await open_page(browser, `${URL}/display/hall`, { viewport: { width: 1366, height: 768 },
		setup: async (p) => {
			await watch_media(p);
			// every recording refused: the announcer must not stall or throw
			await p.route("**/api/v1/announce/**", (route) => route.fulfill({ status: 404,
				contentType: "application/json", body: '{"error":{"code":"unknown_ticket","message":"x"}}' }));
		} });
	await page.waitForFunction(() => window.torg_display.status === "live");
	const n = await take_and_call("s5", "nav");
	const ann = await until(async () => {
		const a = await page.evaluate(() => window.torg_display.announced.filter((x) => x.end !== null));
		return a.length >= 3 && a;
	}, 20000, "three fallbacks");
	assert.deepEqual(ann.map((a) => `${a.number} ${a.lang} ${a.via}`),
		[`${n} nb speech (failed)`, `${n} en speech (failed)`, `${n} sv speech (failed)`]);
	assert.deepEqual(page.js_errors.filter((e) => !/404/.test(e)), []);
	await page.context().close();
});

test("announce.js queues a call once: a repeated event is dropped, a recall is not", async () => {
	await fresh_counter(auth, "s3", ["nav"]);
	const number = await take_and_call("s3", "nav");
	const page = await open_page(browser, `${URL}/display/hall`, { setup: watch_media });
	await page.waitForFunction(() => window.torg_display.status === "live");
	const got = await page.evaluate(async (number) => {
		const { createAnnouncer } = await import("/static/announce.js");
		const log = [];
		const a = createAnnouncer({ languages: ["en", "en"], log });
		const call = { number, counter: "s3", at: "2026-12-01T10:00:00.000Z", recall: false };
		const queued = [a.announce(call), a.announce({ ...call }),
			a.announce({ ...call, recall: true, at: "2026-12-01T10:00:05.000Z" })];
		while (a.busy)
			await new Promise((r) => setTimeout(r, 100));
		return { queued, said: log.map((x) => `${x.lang} ${x.recall} ${x.via}`) };
	}, number);
	// the same language twice is one sentence; the repeat is dropped; the recall is said
	assert.deepEqual(got.queued, [true, false, true]);
	assert.deepEqual(got.said, ["en false audio", "en true audio"]);
	await page.context().close();
});
