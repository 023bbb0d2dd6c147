// login.test.mjs — /login#reset=CODE&name=NAME, where a staff member sets their own
// password with the one-time code an admin gave them: the code leaves the address bar at
// once, a mismatch and a short password are said before anything is sent, a wrong code
// is refused with its own message, the right one sets the password (the API then signs in
// with it, and the code is used up), and the page is whole and right to left in Arabic.
// Screenshots: login-LANG.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open_page, shot, staff, http, clipped, overflow, axe, until } from "./lib.mjs";

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser.close();
});

// A new counter user with a fresh one-time code; returns { name, code }.
async function new_user(name) {
	const admin = await staff("admin");
	let r = await http("POST", "/api/v1/admin/users", { name, role: "counter" }, admin);
	if (r.status === 409)
		r = await http("POST", `/api/v1/admin/users/${name}/reset`, {}, admin);
	assert.ok(r.body && r.body.reset, JSON.stringify(r.body));
	assert.match(r.body.reset.url, /^\/login#reset=/);
	return { name, code: r.body.reset.code, url: r.body.reset.url };
}

async function fill(page, password, again) {
	await page.fill("#password", password);
	await page.fill("#again", again);
	await page.click("#submit");
}

test("a one-time code sets the password on /login, once; wrong codes and typos are said", async () => {
	const u = await new_user("ny-ansatt");
	const page = await open_page(browser, `${process.env.TORG_URL}${u.url}`);
	await page.waitForSelector("body[data-ready='1']");
	assert.equal(new URL(page.url()).hash, "", "the code left the address bar");
	assert.equal(await page.inputValue("#name"), u.name);
	assert.equal(await page.inputValue("#code"), u.code);
	assert.deepEqual(await clipped(page), []);
	assert.ok((await overflow(page)).x <= 0);
	assert.deepEqual(await axe(page), []);
	await shot(page, "login-nb");
	// typos are caught before anything is sent
	await fill(page, "kort", "kort");
	assert.match(await page.textContent("#status"), /minst 8 tegn/);
	await fill(page, "Langt-passord-1", "Langt-passord-2");
	assert.match(await page.textContent("#status"), /ikke like/);
	// a wrong code is refused, and says so
	await page.fill("#code", "AAAA-BBBB-CCCC");
	await fill(page, "Langt-passord-1", "Langt-passord-1");
	await until(async () => /stemmer ikke/.test(await page.textContent("#status")), 5000, "bad code");
	// the right one sets it
	await page.fill("#code", u.code);
	await fill(page, "Langt-passord-1", "Langt-passord-1");
	await until(async () => !(await page.isHidden("#done")), 5000, "done");
	assert.match(await page.textContent("#status"), /Passordet er satt/);
	const r = await http("POST", "/api/v1/login", { name: u.name, password: "Langt-passord-1" });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	// and only once
	const again = await http("POST", "/api/v1/password", { name: u.name, code: u.code, password: "Annet-passord-9" });
	assert.equal(again.status, 401);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("/login in Arabic is right to left and whole", async () => {
	const u = await new_user("ny-ansatt-ar");
	const page = await open_page(browser, `${process.env.TORG_URL}${u.url}`);
	await page.waitForSelector("body[data-ready='1']");
	await page.selectOption("#ui-lang", "ar");
	await until(async () => (await page.getAttribute("html", "dir")) === "rtl", 3000, "rtl");
	assert.equal(await page.getAttribute("html", "lang"), "ar");
	assert.match(await page.textContent("h2"), /كلمة المرور/);
	assert.deepEqual(await clipped(page), []);
	assert.ok((await overflow(page)).x <= 0);
	await shot(page, "login-ar");
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});
