// lib.mjs — what the browser specs share: the torgd that tests/browser/run started
// (TORG_URL), Debian's Chromium through playwright-core, screenshots into
// tests/artifacts/browser, staff sign-in and counter actions over HTTP, starting an
// extra torgd of a spec's own, and polling helpers.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, copyFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
export const URL = process.env.TORG_URL;
export const ARTIFACTS = process.env.TORG_BROWSER_ARTIFACTS || path.join(ROOT, "tests/artifacts/browser");
export const PASSWORD = "pw12345678";
mkdirSync(ARTIFACTS, { recursive: true });

if (!URL)
	throw new Error("TORG_URL is not set: run the specs through tests/browser/run");

// Launches headless Chromium with the flags NOTES-platform.md gives; playwright gives
// every launch a fresh temporary profile (--user-data-dir) and removes it on close.
export async function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--autoplay-policy=no-user-gesture-required"],
	});
}

// Opens a page in a new context of `browser` with the given viewport; opts.setup(page),
// when given, runs before the page loads (to watch its WebSockets, say).
export async function open_page(browser, url, opts = {}) {
	const ctx = await browser.newContext({
		viewport: opts.viewport || { width: 1280, height: 800 },
		deviceScaleFactor: opts.scale || 1,
		locale: opts.locale || "nb-NO",
		isMobile: !!opts.mobile,
		hasTouch: !!opts.mobile,
	});
	const page = await ctx.newPage();
	const errors = [];
	page.on("pageerror", (e) => errors.push(String(e)));
	page.on("console", (m) => {
		if (m.type() === "error" && !/Failed to load resource|WebSocket connection/.test(m.text()))
			errors.push(m.text());
	});
	page.js_errors = errors;
	if (opts.setup)
		await opts.setup(page);
	await page.goto(url);
	return page;
}

// Saves a screenshot as tests/artifacts/browser/NAME.png; returns its path.
export async function shot(page, name, opts = {}) {
	const file = path.join(ARTIFACTS, `${name}.png`);
	await page.screenshot({ path: file, fullPage: !!opts.full });
	return file;
}

// Calls torgd's API with fetch; returns { status, body } (body null when not JSON).
export async function http(method, p, body, headers = {}, base = URL) {
	const init = { method, headers: { ...headers } };
	if (body !== undefined || method === "POST" || method === "DELETE")
		init.headers["content-type"] = "application/json"; // torgd asks it of every change
	if (body !== undefined)
		init.body = JSON.stringify(body);
	const r = await fetch(base + p, init);
	const text = await r.text();
	let json = null;
	try {
		json = text ? JSON.parse(text) : null;
	} catch (e) {
		json = null;
	}
	return { status: r.status, body: json };
}

// Signs `name` in; returns headers carrying the bearer token.
export async function staff(name = "admin", base = URL) {
	const r = await http("POST", "/api/v1/login", { name, password: PASSWORD }, {}, base);
	if (r.status !== 200)
		throw new Error(`login ${name}: ${r.status} ${JSON.stringify(r.body)}`);
	return { authorization: `Bearer ${r.body.token}` };
}

// Runs a counter action as `auth`; closes and reopens when asked; returns the answer.
export async function counter(auth, id, action, body, base = URL) {
	return http("POST", `/api/v1/counters/${id}/${action}`, body, auth, base);
}

// A staff member of counter `id`'s own ("desk-<id>", made through the administration
// routes the first time): one person holds one counter at a time (PROTOCOL.md, "One
// counter per user"), so tests that keep several counters open at once open each as its
// own desk, as on a real floor. The tests then act there as whoever they like.
const desks = new Map();
export async function desk(id, base = URL) {
	const key = `${base} ${id}`;
	if (desks.has(key))
		return desks.get(key);
	const admin = await staff("admin", base);
	const name = `desk-${id}`;
	let r = await http("POST", "/api/v1/admin/users", { name, role: "counter" }, admin, base);
	if (r.status === 409) // made by an earlier run on this database: a new code
		r = await http("POST", `/api/v1/admin/users/${name}/reset`, {}, admin, base);
	if (!r.body || !r.body.reset)
		throw new Error(`making ${name}: ${r.status} ${JSON.stringify(r.body)}`);
	const p = await http("POST", "/api/v1/password",
		{ name, code: r.body.reset.code, password: PASSWORD }, {}, base);
	if (p.status !== 204)
		throw new Error(`password of ${name}: ${p.status} ${JSON.stringify(p.body)}`);
	const auth = await staff(name, base);
	desks.set(key, auth);
	return auth;
}

// Makes sure counter `id` is open for `services` with no current ticket, opened by its own
// desk (desk()); `auth` clears a visitor it finds there.
export async function fresh_counter(auth, id, services, base = URL) {
	const snap = (await http("GET", "/api/v1/floor", undefined, {}, base)).body;
	const c = snap.counters.find((x) => x.id === id);
	if (c.current) {
		const r = await counter(auth, id, c.current.state === "serving" ? "finish" : "no-show", undefined, base);
		if (r.status !== 200)
			throw new Error(`clearing ${id}: ${JSON.stringify(r.body)}`);
	}
	const own = await desk(id, base);
	if (c.open)
		await counter(auth, id, "close", undefined, base);
	const r = await counter(own, id, "open", services ? { services } : {}, base);
	if (r.status !== 200)
		throw new Error(`open ${id}: ${JSON.stringify(r.body)}`);
	return r.body;
}

// Polls `fn` until it returns a truthy value or `ms` pass; returns the value or throws.
export async function until(fn, ms = 5000, what = "condition") {
	const t0 = Date.now();
	let last;
	while (Date.now() - t0 < ms) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e;
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
}

// A free TCP port on 127.0.0.1.
export function free_port() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// A torgd of the spec's own, on a copy of the run's config and a new database (the
// users are added again). start() and stop(signal) may be repeated on the same port
// and database; close() stops it and removes its folder.
export class OwnTorgd {
	constructor() {
		this.dir = mkdtempSync(path.join(tmpdir(), "torg-browser-own-"));
		this.config = path.join(this.dir, "floor.json");
		copyFileSync(process.env.TORG_CONFIG, this.config);
		this.db = path.join(this.dir, "torg.db");
		this.proc = null;
		this.port = 0;
	}

	// Adds a staff user to this torgd's database.
	async add_user(name, role) {
		await run_checked(process.env.TORGD, ["--config", this.config, "--db", this.db, "user", "add",
			name, "--role", role], PASSWORD + "\n");
	}

	// Starts torgd (on the port it had before, if any) and waits for /healthz.
	async start() {
		if (!this.port)
			this.port = await free_port();
		this.url = `http://127.0.0.1:${this.port}`;
		this.proc = spawn(process.env.TORGD, ["--config", this.config, "--db", this.db,
			"--listen", `127.0.0.1:${this.port}`, "--www", path.join(ROOT, "server/www"),
			"--log-level", "warn"], { stdio: ["ignore", "inherit", "inherit"] });
		this.exit = new Promise((resolve) => this.proc.on("exit", (code, sig) => resolve({ code, sig })));
		await until(async () => (await fetch(this.url + "/healthz")).ok, 5000, "own torgd /healthz");
	}

	// Stops torgd with `signal`; resolves with { code, sig }.
	async stop(signal = "SIGTERM") {
		if (!this.proc)
			return null;
		this.proc.kill(signal);
		const r = await this.exit;
		this.proc = null;
		return r;
	}

	// Stops torgd and removes its folder.
	async close() {
		await this.stop();
		rmSync(this.dir, { recursive: true, force: true });
	}
}

// Runs a command with `input` on stdin; rejects on a non-zero exit.
function run_checked(cmd, args, input) {
	return new Promise((resolve, reject) => {
		const p = spawn(cmd, args, { stdio: ["pipe", "ignore", "inherit"] });
		p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")}: exit ${code}`))));
		p.stdin.end(input);
	});
}

// The page's overflow: how far its content is wider/taller than the viewport.
export async function overflow(page) {
	return page.evaluate(() => {
		const d = document.documentElement;
		const b = document.body;
		return {
			x: Math.max(d.scrollWidth, b.scrollWidth) - d.clientWidth,
			y: Math.max(d.scrollHeight, b.scrollHeight) - d.clientHeight,
		};
	});
}

// Buttons, headings, labels and links whose text does not fit their box
// (scrollWidth > clientWidth + 1), as short strings.
export function clipped(page) {
	return page.evaluate(() => [...document.querySelectorAll("button, h1, h2, h3, figcaption, label, a")]
		.filter((e) => e.checkVisibility() && !e.closest(".visually-hidden") && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== "inline")
		.map((e) => `${e.tagName}#${e.id}: "${e.textContent.trim().slice(0, 40)}" ${e.scrollWidth}>${e.clientWidth}`));
}

let axe_source = null;

// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; returns the serious and
// critical violations as short strings.
export async function axe(page) {
	// Evaluated through the DevTools protocol, which the pages' Content-Security-Policy
	// (no inline script) does not stop, as it would a script tag.
	if (!axe_source)
		axe_source = readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");
	await page.evaluate(axe_source);
	const res = await page.evaluate(async () => {
		const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
	});
	return res.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.nodes.join(", ")}`);
}

// Signs in on the counter page and opens counter `id` for `services`.
export async function sign_in_and_open(page, user, id, services) {
	await page.fill("#user", user);
	await page.fill("#password", "pw12345678");
	await page.press("#password", "Enter");
	await page.waitForSelector("#setup:not([hidden])");
	await page.selectOption("#counter-select", id);
	for (const box of await page.$$("#service-boxes input"))
		await box.setChecked(services.includes(await box.getAttribute("value")));
	await page.click("#open-btn");
	await page.waitForSelector("#work:not([hidden])");
}
