// security.test.mjs — the pages under their Content-Security-Policy in a real browser:
// every page loads and works with no policy violation at all (nothing inline, nothing
// from elsewhere), an inline script injected into a page is blocked, a page other than
// the wall display cannot be framed by another origin, and a WebSocket opened by a page
// of another origin is refused by torgd (Origin check), while the floor's own pages work.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { URL, launch, open_page } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

const PAGES = ["/", "/kiosk/k1", "/counter", "/dashboard", "/admin", "/display/hall"];

// Opens url with a recorder of CSP violations installed before any script of the page.
async function watched(url) {
	return open_page(browser, url, {
		setup: (page) =>
			page.addInitScript(() => {
				window.csp_violations = [];
				document.addEventListener("securitypolicyviolation", (e) =>
					window.csp_violations.push(`${e.violatedDirective} ${e.blockedURI}`));
			}),
	});
}

for (const path of PAGES) {
	test(`CSP: ${path} loads without a violation and blocks an injected inline script`, async () => {
		const page = await watched(`${URL}${path}`);
		await page.waitForLoadState("networkidle");
		assert.deepEqual(await page.evaluate(() => window.csp_violations), [], path);
		const ran = await page.evaluate(async () => {
			const s = document.createElement("script");
			s.textContent = "window.injected = true;";
			document.body.appendChild(s);
			await new Promise((r) => setTimeout(r, 100));
			return window.injected === true;
		});
		assert.equal(ran, false, "an inline script must not run");
		const v = await page.evaluate(() => window.csp_violations);
		assert.equal(v.length, 1, JSON.stringify(v));
		assert.match(v[0], /^script-src/);
		assert.deepEqual(page.js_errors.filter((e) => !/Content Security Policy/.test(e)), []);
		await page.context().close();
	});
}

// Serves one page on another origin (127.0.0.2) that frames a torg page and opens a
// WebSocket to torgd; returns { url, close }.
async function foreign_site(target) {
	const html = `<!doctype html><title>elsewhere</title>
<iframe id="f" src="${target}/kiosk/k1"></iframe><iframe id="d" src="${target}/display/hall"></iframe>
<script>
window.ws_result = new Promise((resolve) => {
	const ws = new WebSocket("${target.replace("http", "ws")}/ws", "torg.v1");
	ws.onopen = () => resolve("open");
	ws.onerror = () => resolve("refused");
});
</script>`;
	const server = http.createServer((req, res) => {
		res.writeHead(200, { "content-type": "text/html" });
		res.end(html);
	});
	await new Promise((r) => server.listen(0, "127.0.0.2", r));
	return { url: `http://127.0.0.2:${server.address().port}/`, close: () => server.close() };
}

test("another origin can neither frame the staff and visitor pages nor open a WebSocket", async () => {
	const site = await foreign_site(URL);
	try {
		const page = await open_page(browser, site.url);
		assert.equal(await page.evaluate(() => window.ws_result), "refused");
		await page.waitForTimeout(500);
		const frames = page.frames().map((f) => f.url());
		// The kiosk frame was blocked (chrome-error page); the wall display did not load
		// either: its frame-ancestors allow only the floor itself and configured signage.
		const kiosk = page.frames().find((f) => f.url().includes("/kiosk/k1"));
		assert.ok(!kiosk || (await kiosk.$(".svc")) === null, JSON.stringify(frames));
		const display = page.frames().find((f) => f.url().includes("/display/hall"));
		assert.ok(!display || (await display.$("#latest-number")) === null, JSON.stringify(frames));
		await page.context().close();
	} finally {
		site.close();
	}
	// The floor's own page opens its WebSocket as always.
	const own = await open_page(browser, `${URL}/display/hall`);
	await own.waitForFunction(() => document.documentElement.dataset.state === "live" ||
		!document.querySelector(".reconnecting:not([hidden])"));
	await own.context().close();
});
