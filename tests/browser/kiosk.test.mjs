// kiosk.test.mjs — the kiosk: services with icons, closed ones disabled with their
// opening time, taking a ticket by touch and by keyboard, the ticket with QR code,
// the 80 mm print layout, the kiosk key, right-to-left Arabic, an axe-core scan with
// no serious or critical violations; every service whole on one screen and the
// buttons within reach at 1280×800, 1920×1080 and 1080×1920 in nb, en and ar; and the
// idle return with its countdown, after the default 60 s and a configured kiosks.idle_s;
// on a closed holiday the start screen says the day's note and a kiosk message, and a
// ticket refused for the closed service says when it opens and the note.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { URL, launch, open_page, shot, axe, http, OwnTorgd } from "./lib.mjs";

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

test("waits of an hour or more read the same on the kiosk, the phone and the counter as on the wall", async () => {
	const page = await kiosk();
	const waits = await page.evaluate(async () => {
		const m = await import("/static/common.js");
		const out = {};
		for (const l of ["nb", "sv", "en"]) {
			await m.load_strings(l);
			const t = m.translator(l);
			out[l] = [5400, 3600, 3541, 300].map((s) => m.fmt_wait(t, s));
		}
		return out;
	});
	assert.deepEqual(waits, {
		nb: ["ca. 1 t 30 min", "ca. 1 t", "ca. 1 t", "ca. 5 min"],
		sv: ["ca 1 tim 30 min", "ca 1 tim", "ca 1 tim", "ca 5 min"],
		en: ["about 1 h 30 min", "about 1 h", "about 1 h", "about 5 min"],
	});
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

// Takes a ticket at `service` on a kiosk page whose clock is installed; returns the
// countdown's text.
async function take_on_clock(page, service) {
	await page.click(`.svc[data-service="${service}"]`);
	await page.waitForSelector("#ticket-view:not([hidden])");
	await page.waitForSelector("#countdown:not([hidden])");
	return page.textContent("#countdown");
}

test("kiosk: the ticket stays 60 s with a countdown that a touch restarts, then the start in the default language", async () => {
	const ctx = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
	const page = await ctx.newPage();
	await page.clock.install();
	await page.goto(`${URL}/kiosk`);
	await page.waitForSelector(".svc");
	await page.click('.langs button[lang="sv"]');
	assert.equal(await take_on_clock(page, "reception"), "Går tillbaka till start om 60 s");
	assert.equal(await page.getAttribute("html", "lang"), "sv");
	await page.clock.runFor(50000);
	assert.equal(await page.isVisible("#ticket-view"), true, "still there after 50 s");
	assert.match(await page.textContent("#countdown"), /^Går tillbaka till start om 1[01] s$/); // ticks 4 times a second
	await page.mouse.click(540, 300); // a touch on the ticket, not on a button
	await page.clock.runFor(500);
	assert.equal(await page.textContent("#countdown"), "Går tillbaka till start om 60 s", "a touch restarts it");
	await page.clock.runFor(58000);
	assert.equal(await page.isVisible("#ticket-view"), true, "still there 58.5 s after the touch");
	await page.clock.runFor(2000);
	await page.waitForSelector("#start:not([hidden])");
	assert.equal(await page.getAttribute("html", "lang"), "nb");
	assert.equal(await page.isVisible("#countdown"), false);
	await ctx.close();
});

test("kiosk: kiosks.idle_s from the configuration reaches the page (5 s) through the snapshot", async () => {
	const own = new OwnTorgd();
	try {
		const c = JSON.parse(readFileSync(own.config, "utf8"));
		c.kiosks.idle_s = 5;
		writeFileSync(own.config, JSON.stringify(c));
		await own.start();
		assert.equal((await http("GET", "/api/v1/floor", undefined, {}, own.url)).body.floor.kiosk_idle_s, 5);
		assert.equal((await http("GET", "/api/v1/floor")).body.floor.kiosk_idle_s, 60, "the default");
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const page = await ctx.newPage();
		await page.clock.install();
		await page.goto(`${own.url}/kiosk`);
		await page.waitForSelector(".svc");
		await page.click('.langs button[lang="ar"]');
		assert.equal(await take_on_clock(page, "housing"), "العودة إلى البداية خلال 5 ث");
		await page.clock.runFor(4000);
		assert.equal(await page.isVisible("#ticket-view"), true, "still there after 4 s");
		assert.match(await page.textContent("#countdown"), /^العودة إلى البداية خلال [12] ث$/);
		await page.clock.runFor(1500);
		await page.waitForSelector("#start:not([hidden])");
		assert.equal(await page.getAttribute("html", "lang"), "nb");
		await ctx.close();
	} finally {
		await own.close();
	}
});

test("kiosk on a closed holiday: the note and the message above the services, the refusal with its note", async () => {
	const own = new OwnTorgd();
	try {
		const c = JSON.parse(readFileSync(own.config, "utf8"));
		const today = new Intl.DateTimeFormat("en-CA", { timeZone: c.floor.timezone }).format(new Date());
		const note = { nb: "Julaften", nn: "Julaftan", sv: "Julafton", en: "Christmas Eve", ar: "ليلة عيد الميلاد" };
		c.exceptions = [{ date: today, closed: true, note }];
		const text = { nb: "God jul! Vi åpner igjen etter helgen.", nn: "God jul! Vi opnar att etter helga.",
			sv: "God jul! Vi öppnar igen efter helgen.", en: "Merry Christmas! We open again after the holiday.",
			ar: "عيد ميلاد سعيد! نفتح مجددًا بعد العطلة." };
		c.messages.push({ id: "jul", text });
		writeFileSync(own.config, JSON.stringify(c));
		await own.start();
		const page = await kiosk(`${own.url}/kiosk`);
		await page.waitForSelector("#notices:not([hidden])");
		const shown = () => page.$$eval("#notices p", (ps) => ps.map((p) => [p.className, p.textContent]));
		assert.deepEqual(await shown(), [["today", "Julaften: Stengt i dag"], ["msg", text.nb]],
			"the holiday and the kiosk message; hall's message is not for kiosks");
		assert.ok(await page.$$eval(".svc", (bs) => bs.every((b) => b.disabled)), "every service closed");
		await shot(page, "kiosk-holiday-nb");
		// a ticket asked for anyway (a screen that had not heard yet): refused with the note
		await page.$eval(".svc[data-service=nav]", (b) => { b.disabled = false; });
		await page.click(".svc[data-service=nav]");
		await page.waitForSelector("#error:not([hidden])");
		const err = await page.textContent("#error");
		assert.match(err, /^Tjenesten er stengt nå\. Åpner .*00[:.]00 \(Julaften\)$/, err);
		await shot(page, "kiosk-holiday-refused-nb");
		// in English the notices follow the visitor's language
		await page.click("button[lang=en]");
		assert.deepEqual(await shown(), [["today", "Christmas Eve: Closed today"], ["msg", text.en]]);
		assert.match(await page.textContent("#error"), /^This service is closed now\. Opens .* at 00:00 \(Christmas Eve\)$/,
			"the refusal said again in the chosen language");
		await page.click("button[lang=ar]");
		assert.deepEqual(await shown(), [["today", `${note.ar}: مغلق اليوم`], ["msg", text.ar]]);
		await shot(page, "kiosk-holiday-ar");
		assert.deepEqual(await axe(page), [], "axe: kiosk on a holiday");
		assert.deepEqual(page.js_errors, []);
		await page.context().close();
	} finally {
		await own.close();
	}
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

const SIZES = [[1280, 800], [1920, 1080], [1080, 1920]];
const LANGS = ["nb", "en", "ar"];
const SIZE_FONTS = {}; // the smallest name font per size and language

// What the visitor sees of the start screen: overflow, the service buttons and their
// labels, the language buttons, and the smallest name text.
function start_layout() {
	const d = document.documentElement;
	const vw = innerWidth;
	const vh = innerHeight;
	const inside = (r) => r.left >= -0.5 && r.top >= -0.5 && r.right <= vw + 0.5 && r.bottom <= vh + 0.5;
	const svcs = [...document.querySelectorAll(".svc")].map((b) => {
		const r = b.getBoundingClientRect();
		const t = b.querySelector(".txt").getBoundingClientRect();
		const cut = [...b.querySelectorAll(".name, .info")].filter((el) => el.scrollWidth > el.clientWidth + 1)
			.map((el) => el.textContent);
		return { id: b.dataset.service, inside: inside(r), text_inside: t.top >= r.top && t.bottom <= r.bottom + 0.5
			&& t.left >= r.left && t.right <= r.right + 0.5, cut,
			font: parseFloat(getComputedStyle(b.querySelector(".name")).fontSize), height: r.height };
	});
	const langs = [...document.querySelectorAll(".langs button")].map((b) => b.getBoundingClientRect())
		.map((r) => ({ top: r.top, height: r.height, inside: inside(r) }));
	const ul = document.getElementById("services");
	return { vw, vh, scroll_h: d.scrollHeight, scroll_w: d.scrollWidth, svcs, langs,
		grid_scrolls: ul.scrollHeight > ul.clientHeight + 1,
		min_height: Math.min(...svcs.map((s) => s.height)), min_font: Math.min(...svcs.map((s) => s.font)) };
}

// The ticket screen: overflow and the Print, Done and language buttons.
function ticket_layout() {
	const d = document.documentElement;
	const rect = (el) => {
		const r = el.getBoundingClientRect();
		return { top: r.top, bottom: r.bottom, height: r.height, left: r.left, right: r.right };
	};
	return { vw: innerWidth, vh: innerHeight, scroll_h: d.scrollHeight, scroll_w: d.scrollWidth,
		buttons: [...document.querySelectorAll("#print, #done, .langs button")].map(rect),
		countdown: document.getElementById("countdown").textContent,
		number: rect(document.getElementById("t-number")) };
}

for (const [w, h] of SIZES) {
	test(`kiosk at ${w}×${h}: 13 services whole on one screen, languages and Print/Done within reach, in nb, en and ar`, async () => {
		const page = await kiosk(`${URL}/kiosk/k1`, { viewport: { width: w, height: h } });
		const portrait = h > w;
		const fonts = {};
		for (const lang of LANGS) {
			await page.click(`.langs button[lang="${lang}"]`);
			await page.waitForFunction((l) => document.documentElement.lang === l, lang);
			const l = await page.evaluate(start_layout);
			const what = `${w}×${h} ${lang}`;
			await shot(page, `kiosk-${w}x${h}-${lang}`);
			assert.equal(l.svcs.length, 13, what);
			assert.ok(l.scroll_h <= l.vh && l.scroll_w <= l.vw && !l.grid_scrolls,
				`${what}: no scrollbar (${l.scroll_w}×${l.scroll_h}, grid ${l.grid_scrolls})`);
			assert.deepEqual(l.svcs.filter((s) => !s.inside).map((s) => s.id), [], `${what}: buttons inside the screen`);
			assert.deepEqual(l.svcs.filter((s) => !s.text_inside).map((s) => s.id), [], `${what}: labels inside their buttons`);
			assert.deepEqual(l.svcs.flatMap((s) => s.cut), [], `${what}: no label cut`);
			assert.ok(l.langs.length === 5 && l.langs.every((b) => b.inside && b.height >= 64), `${what}: language buttons`);
			assert.ok(l.langs.every((b) => b.top >= (portrait ? 0.5 : 0.75) * l.vh), `${what}: language buttons at the bottom`);
			fonts[lang] = l.min_font;

			await page.click('.svc[data-service="service_desk"]');
			await page.waitForSelector("#ticket-view:not([hidden])");
			await page.waitForFunction(() => document.getElementById("t-qr").naturalWidth > 0);
			const tl = await page.evaluate(ticket_layout);
			await shot(page, `kiosk-ticket-${w}x${h}-${lang}`);
			assert.ok(tl.scroll_h <= tl.vh && tl.scroll_w <= tl.vw, `${what} ticket: no scrollbar (${tl.scroll_w}×${tl.scroll_h})`);
			assert.equal(tl.buttons.length, 7, `${what}: Print, Done and 5 languages`);
			for (const b of tl.buttons) {
				assert.ok(b.top >= (portrait ? 0.5 * tl.vh : 0) && b.bottom <= tl.vh && b.height >= 64,
					`${what} ticket: a button out of reach or small: ${JSON.stringify(b)}`);
			}
			const [print, done] = tl.buttons;
			assert.ok(print.top >= tl.number.bottom && done.top >= tl.number.bottom, `${what}: Print/Done below the number`);
			assert.match(tl.countdown, /\b60\b|\b59\b/, `${what}: the countdown shows`);
			await page.click("#done");
			await page.waitForSelector("#start:not([hidden])");
		}
		SIZE_FONTS[`${w}x${h}`] = fonts;
		assert.deepEqual(page.js_errors, []);
		await page.context().close();
	});
}

test("kiosk: the service names are at least as large in portrait (1080×1920) as at 1280×800", () => {
	const land = SIZE_FONTS["1280x800"];
	const port = SIZE_FONTS["1080x1920"];
	assert.ok(land && port, "the size tests ran");
	for (const lang of LANGS)
		assert.ok(port[lang] >= land[lang], `${lang}: ${port[lang]} px in portrait, ${land[lang]} px at 1280×800`);
});

test("kiosk with 40 services at 1280×800: labels whole, buttons at least 64 px high, the page does not scroll, the languages stay on the screen", async () => {
	const own = new OwnTorgd();
	try {
		const c = JSON.parse(readFileSync(own.config, "utf8"));
		const base = c.services.filter((s) => s.id !== "volunteer");
		for (let i = 0; c.services.length < 40; i++) {
			const s = base[i % base.length];
			const name = Object.fromEntries(Object.entries(s.name).map(([l, v]) => [l, `${v} ${i + 2}`]));
			c.services.push({ ...s, id: `extra${i}`, prefix: `${i < 26 ? "X" : "Y"}${String.fromCharCode(65 + (i % 26))}`, name });
		}
		writeFileSync(own.config, JSON.stringify(c));
		await own.start();
		const page = await kiosk(`${own.url}/kiosk`, { viewport: { width: 1280, height: 800 } });
		const l = await page.evaluate(start_layout);
		await shot(page, "kiosk-40-services-1280x800");
		assert.equal(l.svcs.length, 40);
		assert.ok(l.scroll_h <= l.vh && l.scroll_w <= l.vw, `the page does not scroll (${l.scroll_w}×${l.scroll_h})`);
		assert.ok(l.min_height >= 64, `buttons at least 64 px high (${l.min_height})`);
		assert.deepEqual(l.svcs.flatMap((s) => s.cut), [], "no label cut");
		// rows grow to their labels (the grid scrolls if need be): every label whole in its button
		assert.deepEqual(l.svcs.filter((s) => !s.text_inside).map((s) => s.id), [], "labels inside their buttons");
		assert.ok(l.langs.every((b) => b.inside), "the language buttons stay on the screen");
		assert.deepEqual(page.js_errors, []);
		await page.context().close();
	} finally {
		await own.close();
	}
});
