// staff_lang.test.mjs — the staff pages (landing, counter, dashboard) in each staff
// language: every visible text comes from the i18n files (no text node is a raw key; the
// nb, nn and sv pages hold none of a list of English words), <html lang> follows the
// choice, the choice is remembered for every staff page of the browser, dates and numbers
// are formatted for the language, the dashboard's CSV link asks for the page's language,
// and no button or heading is clipped (scrollWidth <= clientWidth + 1) at 1366×768 and
// 1920×1080. Screenshots: staff-PAGE-WxH-LANG.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { URL, ROOT, PASSWORD, launch, open_page, shot, staff, counter, fresh_counter, http, clipped } from "./lib.mjs";

const LANGS = ["nb", "nn", "sv", "en"];
const SIZES = [[1366, 768], [1920, 1080]];
const KEYS = Object.keys(JSON.parse(readFileSync(path.join(ROOT, "server/www/static/i18n/en.json"), "utf8")));
// English words that must not be seen on a Norwegian or Swedish page (whole words, any case).
const ENGLISH = ["sign in", "sign out", "sign-in", "dashboard", "statistics", "waiting", "visitor", "visitors",
	"arrivals", "served", "show", "from", "download", "language", "managers", "staff", "workstation",
	"ticket", "display", "recall", "finish", "next", "wait", "longest", "target", "live", "now", "hour",
	"mean", "within", "utilisation", "password", "name", "the", "and", "of", "take", "cancelled",
	"transfers", "transfer", "counters", "call", "today", "queues", "no-show", "choose"];
// Month names a long date shows in each language (December and the others).
const MONTHS = {
	nb: /januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember/,
	nn: /januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember/,
	sv: /januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december/,
	en: /January|February|March|April|May|June|July|August|September|October|November|December/,
};

let browser;
let kari;

before(async () => {
	browser = await launch();
	kari = await staff("kari");
	await fresh_counter(kari, "m5", ["mental_health"]);
	await http("POST", "/api/v1/tickets", { service: "mental_health", lang: "nb" });
});
after(async () => {
	await counter(kari, "m5", "close");
	await browser.close();
});

// The visible texts of the page: text nodes outside hidden elements, the language
// chooser's options (each language in its own name) left out.
function visible_texts(page) {
	return page.evaluate(() => {
		const out = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			const el = n.parentElement;
			const s = n.textContent.trim();
			if (!s || el.closest("#ui-lang, script, style") || !el.checkVisibility())
				continue;
			out.push(s);
		}
		out.push(document.title);
		return out;
	});
}

// Asserts the page is wholly in `lang`, and nothing is clipped.
async function check_page(page, name, lang) {
	assert.equal(await page.getAttribute("html", "lang"), lang, `${name}: <html lang>`);
	const texts = await visible_texts(page);
	assert.ok(texts.length > 5, `${name} ${lang}: hardly any text: ${texts}`);
	const raw = texts.filter((s) => KEYS.includes(s) || /^[a-z]+(_[a-z0-9]+)+$/.test(s));
	assert.deepEqual(raw, [], `${name} ${lang}: raw i18n keys shown`);
	if (lang !== "en") {
		const all = texts.join(" \n ");
		const found = ENGLISH.filter((w) => new RegExp(`(^|[^\\p{L}-])${w}([^\\p{L}-]|$)`, "iu").test(all));
		assert.deepEqual(found, [], `${name} ${lang}: English words on the page:\n${texts.join(" | ")}`);
	}
	assert.deepEqual(await clipped(page), [], `${name} ${lang}: clipped text`);
	assert.deepEqual(page.js_errors, [], `${name} ${lang}: script errors`);
}

// Opens `p` in a new context whose browser chose `lang` before; signs in as `user`
// through the API first (the session cookie then rides along).
async function open_in(p, lang, user) {
	const page = await open_page(browser, URL + "/healthz", { viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
	await page.context().addInitScript((l) => localStorage.setItem("torg.staff.lang", l), lang);
	if (user) {
		const r = await page.context().request.post(URL + "/api/v1/login",
			{ data: { name: user, password: PASSWORD }, headers: { "content-type": "application/json" } });
		assert.equal(r.status(), 200);
	}
	await page.goto(URL + p);
	return page;
}

// Checks and photographs the page at both sizes.
async function both_sizes(page, name, lang) {
	for (const [w, h] of SIZES) {
		await page.setViewportSize({ width: w, height: h });
		await page.waitForTimeout(150); // charts resize on the next frame
		await check_page(page, `${name} ${w}x${h}`, lang);
		await shot(page, `staff-${name}-${w}x${h}-${lang}`);
	}
}

for (const lang of LANGS) {
	test(`staff pages in ${lang}: texts, formats, no clipping, screenshots`, async () => {
		// Landing.
		let page = await open_in("/", lang);
		await page.waitForSelector("body[data-ready]");
		await both_sizes(page, "index", lang);
		await page.context().close();

		// The sign-in views of the counter and the dashboard.
		for (const p of ["/counter", "/dashboard"]) {
			page = await open_in(p, lang);
			await page.waitForSelector("#login:not([hidden])");
			await check_page(page, `${p} sign-in`, lang);
			await page.context().close();
		}

		// Counter, at work on m5 (opened by kari through the API).
		page = await open_in("/counter", lang, "kari");
		await page.waitForSelector("#setup:not([hidden])");
		await page.selectOption("#counter-select", "m5");
		await page.click("#use-btn");
		await page.waitForSelector("#work:not([hidden])");
		await page.waitForSelector('#queues section[data-service="mental_health"]');
		await both_sizes(page, "counter", lang);
		await page.context().close();

		// Dashboard, signed in as admin, today's statistics drawn.
		page = await open_in("/dashboard", lang, "admin");
		await page.waitForSelector("body[data-stats-loaded]", { timeout: 10000 });
		await page.waitForSelector(".tile");
		const shown = await page.textContent("#range-shown");
		assert.match(shown, MONTHS[lang], `dashboard ${lang}: the range as a long date`);
		const href = await page.getAttribute("#csv", "href");
		assert.match(href, new RegExp(`[?&]lang=${lang}(&|$)`), href);
		const csv = await page.context().request.get(URL + href);
		assert.equal(csv.status(), 200);
		const body = (await csv.body()).toString("utf8");
		assert.ok(body.startsWith("\ufeff"), "the CSV starts with a BOM");
		const head = { nb: "Tjeneste-ID;Tjeneste;", nn: "Teneste-ID;Teneste;", sv: "Tjänst-ID;Tjänst;",
			en: "Service ID,Service," }[lang];
		assert.ok(body.slice(1).startsWith(head), body.slice(0, 60));
		// the chart axes and tile figures use the language's number format
		const pct = await page.locator(".totals div").nth(8).locator("b").textContent();
		assert.match(pct, lang === "en" ? /^(\d+%|–)$/ : /^(\d+\u00a0%|–)$/, `share within target: ${pct}`);
		await both_sizes(page, "dashboard", lang);
		await page.context().close();
	});
}

test("the staff language is remembered across the staff pages, and defaults to the floor's first", async () => {
	const page = await open_page(browser, URL + "/", { locale: "en-GB" });
	await page.waitForSelector("body[data-ready]");
	// the floor's first language (nb), though the browser says en-GB
	assert.equal(await page.getAttribute("html", "lang"), "nb");
	assert.equal(await page.textContent('[data-i18n="home_display_open"]'), "Åpne skjermen");
	await page.selectOption("#ui-lang", "sv");
	assert.equal(await page.getAttribute("html", "lang"), "sv");
	assert.equal(await page.textContent('[data-i18n="home_display_open"]'), "Öppna skärmen");
	await page.goto(URL + "/dashboard");
	await page.waitForSelector("#login:not([hidden])");
	assert.equal(await page.getAttribute("html", "lang"), "sv");
	assert.equal(await page.textContent("#login button[type=submit]"), "Logga in");
	await page.goto(URL + "/counter");
	await page.waitForSelector("#login:not([hidden])");
	assert.equal(await page.getAttribute("html", "lang"), "sv");
	// a wrong password says so in the chosen language (nn after switching)
	await page.selectOption("#ui-lang", "nn");
	await page.goto(URL + "/dashboard");
	await page.waitForSelector("#login:not([hidden])");
	await page.fill("#login-name", "admin");
	await page.fill("#login-password", "wrong-password-1");
	await page.click("#login button[type=submit]");
	await page.waitForFunction(() => document.getElementById("login-error").textContent !== "");
	assert.equal(await page.textContent("#login-error"), "Feil brukarnamn eller passord.");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});
