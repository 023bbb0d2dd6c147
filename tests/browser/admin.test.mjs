// admin.test.mjs — the administration page (/admin) on a torgd of its own (a save writes
// the floor's file, which the other specs share): an admin renames a service and changes
// a counter's services, saves, and GET /api/v1/floor says so; a bad prefix and a missing
// translation come back as errors next to their inputs (described-by, the first focused),
// and a new language asks for a text in every name; staff: a user added with a one-time
// code sets a password with it and signs in, is disabled, reset, and a session is ended;
// a manager sees everything read-only except exceptions and messages and saves a message
// and an afternoon closed tomorrow (both then in GET /api/v1/floor's notices); a
// counter user is told the page is not theirs (and torgd says 403); the audit log says
// who changed what. Then the page's layout at 1366×768, 1920×1080 and a 768×1024 tablet
// in nb, en and ar, with axe. Screenshots: admin-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open_page, shot, http, axe, until, OwnTorgd, PASSWORD } from "./lib.mjs";

let browser;
let own;
let base;

before(async () => {
	browser = await launch();
	own = new OwnTorgd();
	await own.add_user("admin", "admin");
	await own.add_user("mia", "manager");
	await own.add_user("kari", "counter");
	await own.start();
	base = own.url;
});
after(async () => {
	await browser.close();
	await own.close();
});

// Signs in as `name` with a bearer token; returns the headers.
async function bearer(name, password = PASSWORD) {
	const r = await http("POST", "/api/v1/login", { name, password }, {}, base);
	assert.equal(r.status, 200, `login ${name}: ${JSON.stringify(r.body)}`);
	return { authorization: `Bearer ${r.body.token}` };
}

let admin_auth = null;

// The running configuration, as an admin reads it.
async function config() {
	admin_auth = admin_auth || await bearer("admin");
	const r = await http("GET", "/api/v1/admin/config", undefined, admin_auth, base);
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return r.body;
}

// Opens /admin in `lang` at the viewport and signs in as `name` through the form; waits
// for the page (or its refusal) to be ready.
async function signed_in(name, opts = {}) {
	const page = await open_page(browser, `${base}/admin${opts.hash || ""}`, {
		viewport: opts.viewport || { width: 1366, height: 768 },
		setup: (p) => p.addInitScript((l) => localStorage.setItem("torg.staff.lang", l), opts.lang || "en"),
	});
	await page.waitForSelector("#login:not([hidden])");
	await page.fill("#login-name", name);
	await page.fill("#login-password", PASSWORD);
	await page.click("#login button[type=submit]");
	await page.waitForSelector("body[data-ready='1'], body[data-ready='denied']");
	return page;
}

// Clicks Save and waits for the answer: "saved", "errors" or "conflict" (else the
// status line and the errors shown).
async function save(page) {
	await page.evaluate(() => delete document.body.dataset.saveResult);
	await page.click("#save");
	await page.waitForSelector("body[data-save-result]");
	return page.evaluate(() => {
		const r = document.body.dataset.saveResult;
		const shown = [...document.querySelectorAll("#sections .block .field-error, .sec-errors li")].filter((e) => e.textContent)
			.map((e) => `${(e.closest("[data-path]") || e.previousElementSibling || e).dataset?.path || ""} ${e.textContent}`);
		return r === "saved" || r === "conflict" || shown.length === 0 ? r : `${r}: ${shown.join("; ")}`;
	});
}

// The errors a save showed.
async function saved_errors(page) {
	return (await save(page)).startsWith("errors") ? "errors" : "saved";
}

// The input with data-path p.
const input = (page, p) => page.locator(`[data-path="${p}"]`);

// What the page shows about the error of the input at path p: whether an error element
// is its next sibling and is one it is described by, and the texts.
async function error_of(page, p) {
	return input(page, p).evaluate((i) => {
		const ids = (i.getAttribute("aria-describedby") || "").split(" ");
		const next = i.nextElementSibling;
		const described = ids.map((id) => document.getElementById(id)).filter((e) => e && e.classList.contains("field-error"));
		return { invalid: i.getAttribute("aria-invalid"), adjacent: !!next && next.classList.contains("field-error"),
			described: described.map((e) => e.textContent), next: next ? next.textContent : null,
			focused: document.activeElement === i, visible: i.offsetParent !== null };
	});
}

test("admin: rename a service and change a counter's services, saved and live on GET /api/v1/floor", async () => {
	const before_cfg = (await config()).config;
	const nav = before_cfg.services.findIndex((s) => s.id === "nav");
	const s1 = before_cfg.counters.findIndex((c) => c.id === "s1");
	assert.ok(nav >= 0 && s1 >= 0);
	assert.ok(!before_cfg.counters[s1].services.includes("housing"));

	const page = await signed_in("admin");
	assert.equal(await page.locator("#staff-nav a[href='/admin'][aria-current=page]").count(), 1);
	await page.click(".tab[data-tab=services]");
	await input(page, `services[${nav}].name.en`).fill("NAV – work and welfare");
	await page.click(".tab[data-tab=counters]");
	await page.locator(`[data-path="counters[${s1}].services"] input[value=housing]`).check();
	assert.equal(await page.locator("#dirty").textContent(), "Unsaved changes");
	assert.equal(await save(page), "saved");
	assert.equal(await page.locator("#dirty").textContent(), "");

	const floor = (await http("GET", "/api/v1/floor", undefined, {}, base)).body;
	assert.equal(floor.services.find((s) => s.id === "nav").name.en, "NAV – work and welfare");
	assert.deepEqual(floor.counters.find((c) => c.id === "s1").gives.sort(), [...before_cfg.counters[s1].services, "housing"].sort());
	assert.deepEqual((await config()).config.counters[s1].services, [...before_cfg.counters[s1].services, "housing"], "kept in order, the new one last");
	const after_cfg = (await config()).config;
	assert.equal(after_cfg.services[nav].name.en, "NAV – work and welfare");
	assert.equal(after_cfg.services[nav].name.nb, before_cfg.services[nav].name.nb, "other languages kept");

	// A second save of the page's (now stale) version after someone else saved: 409, reload offered.
	await input(page, `counters[${s1}].name.en`).fill("Desk one");
	const other = await config();
	other.config.services[nav].name.sv = "NAV – arbete och välfärd!";
	const put = await http("PUT", "/api/v1/admin/config", { config: other.config, version: other.version }, admin_auth, base);
	assert.equal(put.status, 200, JSON.stringify(put.body));
	assert.equal(await save(page), "conflict");
	assert.ok(await page.locator("#conflict").isVisible());
	await page.click("#conflict-reload");
	await page.click(".tab[data-tab=services]");
	await until(async () => (await input(page, `services[${nav}].name.sv`).inputValue()) === "NAV – arbete och välfärd!", 3000, "the reloaded text");
	assert.deepEqual(page.js_errors, []);
	// The dashboard and the counter page link here for an admin.
	await page.goto(`${base}/dashboard`);
	await page.waitForSelector("#staff-nav a[href='/admin']");
	assert.equal(await page.locator("#staff-nav a[href='/dashboard'][aria-current=page]").count(), 1);
	await page.goto(`${base}/counter`);
	await page.waitForSelector("#staff-nav a[href='/admin']");
	await page.context().close();
});

test("admin: a bad prefix and a missing translation are shown next to their inputs; a new language asks for every name", async () => {
	const cfg0 = await config();
	const page = await signed_in("admin");
	await page.click(".tab[data-tab=services]");
	await input(page, "services[1].prefix").fill("a1");
	await input(page, "services[0].name.sv").fill("");
	assert.equal(await saved_errors(page), "errors");
	for (const p of ["services[1].prefix", "services[0].name.sv"]) {
		const e = await error_of(page, p);
		assert.equal(e.invalid, "true", p);
		assert.ok(e.adjacent, `${p}: the error is right after the input`);
		assert.equal(e.described.length, 1, `${p}: described by its error`);
		assert.equal(e.described[0], e.next);
		assert.ok(e.visible, p);
	}
	assert.match((await error_of(page, "services[1].prefix")).next, /capital letters/);
	assert.match((await error_of(page, "services[0].name.sv")).next, /missing/);
	const focused = await Promise.all(["services[0].name.sv", "services[1].prefix"].map(async (p) => (await error_of(page, p)).focused));
	assert.ok(focused.includes(true), "the first error's input has the focus");
	assert.equal(await page.locator(".tab[data-tab=services] .count").textContent(), "2");
	assert.deepEqual(await axe(page), []);
	await shot(page, "admin-errors-en");

	// A key the page has no input for (typed into the file, say): its error is listed at
	// the top of its part, with its path, and that part is shown with the list focused.
	await page.evaluate(() => { window.torg_admin.state.doc.routing.speed = 2; });
	assert.equal(await saved_errors(page), "errors");
	const top = page.locator(".block[data-key=other] .sec-errors");
	assert.ok(await top.isVisible());
	assert.match(await top.locator("li").first().textContent(), /^routing\.speed: /);
	assert.equal(await page.locator(".tab[data-tab=floor] .count").textContent(), "1");
	await page.evaluate(() => { delete window.torg_admin.state.doc.routing.speed; });
	assert.equal((await config()).version, cfg0.version, "nothing saved");

	// Fixed, the save goes through and the errors go.
	await page.click(".tab[data-tab=services]");
	await input(page, "services[1].prefix").fill(cfg0.config.services[1].prefix);
	await input(page, "services[0].name.sv").fill(cfg0.config.services[0].name.sv);
	assert.equal(await save(page), "saved");
	assert.equal(await page.locator("#sections .block .field-error, #sections .sec-errors:not([hidden])").count(), 0);
	assert.equal(await page.locator(".tab .count").count(), 0);

	// A new language: every service, the floor and every named counter then shows an
	// empty input for it, and saving without them names each one at its input.
	await page.click(".tab[data-tab=floor]");
	await page.fill("#add-lang", "so");
	await page.click("#add-lang + button");
	await page.click(".tab[data-tab=services]");
	const n = cfg0.config.services.length;
	assert.equal(await page.locator('#sec-services .needs input[data-path$=".name.so"]').count(), n);
	assert.equal(await saved_errors(page), "errors");
	for (let i = 0; i < n; i++)
		assert.ok((await error_of(page, `services[${i}].name.so`)).adjacent, `services[${i}].name.so`);
	assert.ok((await error_of(page, "floor.name.so")).adjacent);
	await page.click("#revert");
	await page.click(".tab[data-tab=services]");
	assert.equal(await page.locator('[data-path$=".name.so"]').count(), 0);
	assert.equal(await page.locator("#sections .block .field-error").count(), 0);

	// A service added with the page (its first input focused), live once saved; removed again.
	await page.click("#sec-services button.add");
	assert.equal(await page.evaluate(() => document.activeElement.dataset.path), `services[${n}].id`);
	await input(page, `services[${n}].id`).fill("extra");
	await input(page, `services[${n}].prefix`).fill("Z");
	await page.selectOption(`[data-path="services[${n}].icon"]`, "leaf");
	for (const l of cfg0.config.floor.languages)
		await input(page, `services[${n}].name.${l}`).fill(`Extra (${l})`);
	assert.equal(await save(page), "saved");
	const extra = (await http("GET", "/api/v1/floor", undefined, {}, base)).body.services.find((s) => s.id === "extra");
	assert.ok(extra && extra.prefix === "Z" && extra.icon === "leaf" && extra.name.en === "Extra (en)", JSON.stringify(extra));
	await page.click(`[data-path="services[${n}]"] > .tools button.danger`);
	assert.equal(await save(page), "saved");
	assert.equal((await config()).config.services.length, n);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("admin: staff — add with a one-time code, set the password, sign in, disable, end a session", async () => {
	const page = await signed_in("admin", { hash: "#staff" });
	await page.waitForSelector(".add-user");
	await page.fill(".add-user input:not([type=checkbox])", "ola");
	await page.locator(".add-user input[type=checkbox][value=nav]").check();
	await page.click(".add-user button[type=submit]");
	await page.waitForSelector(".reset .reset-code");
	const code = await page.locator(".reset .reset-code").textContent();
	const link = await page.locator(".reset .reset-url").getAttribute("href");
	assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
	assert.ok(link.startsWith(`${base}/login#reset=`), link);
	const floor = (await http("GET", "/api/v1/floor", undefined, {}, base)).body;
	assert.equal(await page.locator("[data-user=ola] .services").textContent(), floor.services.find((s) => s.id === "nav").name.en);
	await shot(page, "admin-staff-reset-en");

	const set = await http("POST", "/api/v1/password", { name: "ola", code, password: "ola-password-1" }, {}, base);
	assert.equal(set.status, 204, JSON.stringify(set.body));
	const ola = await bearer("ola", "ola-password-1");
	assert.equal((await http("GET", "/api/v1/me", undefined, ola, base)).body.user.role, "counter");

	// Disabled: the session ends and sign-in is refused; enabled again, it works.
	await page.click(".tab[data-tab=staff]");
	await page.click("[data-user=ola] button[aria-label='Disable ola']");
	await page.waitForSelector("[data-user=ola].disabled");
	assert.equal((await http("GET", "/api/v1/me", undefined, ola, base)).status, 401);
	assert.equal((await http("POST", "/api/v1/login", { name: "ola", password: "ola-password-1" }, {}, base)).status, 401);
	await page.click("[data-user=ola] button[aria-label='Enable ola']");
	await page.waitForSelector("[data-user=ola]:not(.disabled)");
	await bearer("ola", "ola-password-1");

	// kari's live session is listed and ended from the page.
	const kari = await bearer("kari");
	await page.click(".tab[data-tab=staff]");
	await page.waitForSelector("[data-user=kari] [data-session] button");
	await page.click("[data-user=kari] [data-session] button");
	await page.waitForSelector("[data-user=kari] .sessions:empty", { state: "attached" });
	assert.equal((await http("GET", "/api/v1/me", undefined, kari, base)).status, 401);

	// A password reset for kari: a fresh one-time code that sets a password once.
	await page.click("[data-user=kari] button[aria-label='Reset password: kari']");
	await page.waitForSelector(".reset .reset-code");
	assert.match(await page.locator(".reset").textContent(), /kari/);
	const kcode = await page.locator(".reset .reset-code").textContent();
	assert.equal((await http("POST", "/api/v1/password", { name: "kari", code: kcode, password: PASSWORD }, {}, base)).status, 204);
	assert.equal((await http("POST", "/api/v1/password", { name: "kari", code: kcode, password: PASSWORD }, {}, base)).status, 401);
	await bearer("kari");

	// A name torgd refuses: its error is shown in the form, and nobody is added.
	await page.fill(".add-user input:not([type=checkbox])", "Ola Nordmann");
	await page.click(".add-user button[type=submit]");
	await until(async () => (await page.locator(".add-user .field-error").textContent()).length > 0, 3000, "the form's error");
	const named = await page.locator(".add-user input:not([type=checkbox])").evaluate((i) =>
		i.getAttribute("aria-invalid") === "true" && document.getElementById(i.getAttribute("aria-describedby")).textContent.length > 0);
	assert.ok(named, "the name input is described by the error");

	// A role change, then deleting ola after the confirmation.
	await page.click("[data-user=ola] summary");
	await page.selectOption("[data-user=ola] .edit select", "manager");
	await page.click("[data-user=ola] .edit button");
	await page.waitForSelector("[data-user=ola] .badge:text('manager')");
	await page.click("[data-user=ola] button[aria-label='Delete ola']");
	await page.click("[data-user=ola] .confirm-yes");
	await page.waitForSelector("[data-user=ola]", { state: "detached" });
	const users = (await http("GET", "/api/v1/admin/users", undefined, await bearer("admin"), base)).body.users;
	assert.ok(!users.some((u) => u.name === "ola" || u.name === "Ola Nordmann"));
	assert.deepEqual(await axe(page), []);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("admin: a manager changes only exceptions and messages, and saves a message", async () => {
	const page = await signed_in("mia");
	const ro = await page.evaluate(() => [...document.querySelectorAll("[data-path]")].filter((e) => e.matches("input, select"))
		.map((e) => [e.dataset.path.split(/[.[]/)[0], e.matches(":disabled")]));
	assert.ok(ro.length > 50);
	for (const [key, disabled] of ro)
		assert.equal(disabled, !["exceptions", "messages"].includes(key), `${key} disabled=${disabled}`);
	await page.click(".tab[data-tab=services]");
	assert.equal(await page.locator("#sec-services .badge").first().textContent(), "read only");
	await page.click(".tab[data-tab=messages]");
	const cfg = await config();
	const old = cfg.config.messages || [];
	const k = old.length;
	await page.click("#sec-messages button.add");
	for (const l of cfg.config.floor.languages)
		await input(page, `messages[${k}].text.${l}`).fill(`Closing early (${l})`);
	await input(page, `messages[${k}].id`).fill("closing");
	await page.locator(`[data-path="messages[${k}].displays"] input[value=hall]`).check();
	await input(page, `messages[${k}].kiosks`).uncheck();
	await shot(page, "admin-manager-message-en");
	// And tomorrow closed in the afternoon for NAV, with a note.
	await page.click(".tab[data-tab=hours]");
	const ex = (cfg.config.exceptions || []).length;
	const tomorrow = new Date(Date.now() + 86400e3).toLocaleDateString("en-CA", { timeZone: cfg.config.floor.timezone });
	await page.click("#sec-hours .block[data-key=exceptions] button.add");
	await input(page, `exceptions[${ex}].date`).fill(tomorrow);
	await page.click(`[data-path="exceptions[${ex}]"] input[value=hours]`);
	await input(page, `exceptions[${ex}].hours[0][1]`).fill("12:30");
	await page.locator(`[data-path="exceptions[${ex}].services"] input[value=nav]`).check();
	for (const l of cfg.config.floor.languages)
		await input(page, `exceptions[${ex}].note.${l}`).fill(`Staff meeting (${l})`);
	assert.equal(await save(page), "saved");
	const x = (await config()).config.exceptions[ex];
	assert.deepEqual(x, { date: tomorrow, hours: [["08:00", "12:30"]], services: ["nav"],
		note: Object.fromEntries(cfg.config.floor.languages.map((l) => [l, `Staff meeting (${l})`])) });
	const upcoming = (await http("GET", "/api/v1/floor", undefined, {}, base)).body.notices.upcoming;
	assert.ok(upcoming.some((u) => u.from === tomorrow && u.services?.includes("nav") && u.hours[0][1] === "12:30"), JSON.stringify(upcoming));
	const m = (await config()).config.messages;
	assert.deepEqual(m, [...old, { id: "closing", text: Object.fromEntries(cfg.config.floor.languages.map((l) => [l, `Closing early (${l})`])),
		displays: ["hall"], kiosks: false }]);
	const shown = (await http("GET", "/api/v1/floor?display=hall", undefined, {}, base)).body.notices.messages;
	assert.ok(shown.some((x) => x.id === "closing" && x.text.en === "Closing early (en)"), JSON.stringify(shown));
	// The staff list is there to read, without the actions.
	await page.click(".tab[data-tab=staff]");
	await page.waitForSelector("[data-user=kari]");
	assert.equal(await page.locator(".add-user, [data-user] button").count(), 0);
	assert.deepEqual(page.js_errors, []);
	await page.context().close();
});

test("admin: a counter user is not let in, and torgd says 403", async () => {
	const page = await signed_in("kari");
	assert.equal(await page.evaluate(() => document.body.dataset.ready), "denied");
	assert.match(await page.locator("#denied").textContent(), /not allowed/);
	assert.ok(await page.locator("#app").isHidden());
	assert.deepEqual(await page.locator("#staff-nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href"))), ["/counter"]);
	const kari = await bearer("kari");
	for (const p of ["/api/v1/admin/config", "/api/v1/admin/users", "/api/v1/admin/audit"])
		assert.equal((await http("GET", p, undefined, kari, base)).status, 403, p);
	await shot(page, "admin-denied-en");
	await page.context().close();
});

test("admin: the audit log lists the changes with who made them", async () => {
	const page = await signed_in("mia", { hash: "#audit" });
	await page.waitForSelector("table.audit tbody tr");
	const rows = await page.locator("table.audit tbody tr").evaluateAll((trs) => trs.map((tr) =>
		[...tr.cells].slice(1).map((td) => td.textContent)));
	const has = (by, action, target) => rows.some(([b, a, t]) => b === by && a === action && (target === undefined || t === target));
	assert.ok(has("admin", "user.add", "ola"), JSON.stringify(rows));
	assert.ok(has("admin", "user.disable", "ola"));
	assert.ok(has("admin", "user.remove", "ola"));
	assert.ok(has("admin", "session.end"));
	assert.ok(has("ola", "user.password_by_code", "ola"));
	assert.ok(!rows.some((r) => r.join(" ").includes("ola-password-1")), "no password in the log");
	assert.ok(rows.some(([by, action]) => by === "admin" && /config/.test(action)), "the admin's configuration change");
	assert.ok(rows.some(([by, action]) => by === "mia" && /config/.test(action)), "the manager's message");
	await shot(page, "admin-audit-en");
	await page.context().close();
});

test("admin: layout whole at 1366×768, 1920×1080 and 768×1024 in nb, en and ar", async () => {
	const sizes = [[1366, 768], [1920, 1080], [768, 1024]];
	const tabs = ["services", "floor", "hours", "counters", "displays", "messages", "staff", "audit", "services"];
	let k = 0;
	const token = (await bearer("admin")).authorization.slice(7);
	for (const [w, h] of sizes)
		for (const lang of ["nb", "en", "ar"]) {
			const page = await open_page(browser, `${base}/admin`, { viewport: { width: w, height: h },
				setup: async (p) => {
					await p.context().addCookies([{ name: "torg_session", value: token, url: base }]);
					await p.addInitScript((l) => localStorage.setItem("torg.staff.lang", l), lang);
				} });
			await page.waitForSelector("body[data-ready='1']");
			assert.equal(await page.evaluate(() => document.documentElement.dir), lang === "ar" ? "rtl" : "ltr");
			for (const tab of ["services", tabs[k++ % tabs.length]]) {
				await page.click(`.tab[data-tab=${tab}]`);
				if (tab === "staff" || tab === "audit")
					await page.waitForSelector(`#sec-${tab} .tab-content > *`);
				if (tab === "hours") { // the week's editor and an exception, not saved
					await page.locator('#sec-hours input[id$="-always"]').uncheck();
					await page.click("#sec-hours .block[data-key=exceptions] button.add");
					await page.click(".block[data-key=exceptions] input[value=hours]");
				}
				// Nothing sticks out sideways: no element past the viewport's edges, nor any
				// text cut inside its own box.
				const out = await page.evaluate(() => {
					const bad = [];
					for (const e of document.querySelectorAll("header *, #tabs *, #savebar *, .tab-body:not([hidden]) *")) {
						if (!e.offsetParent && e.tagName !== "BODY")
							continue;
						const r = e.getBoundingClientRect();
						if (r.width && (r.right > innerWidth + 1 || r.left < -1))
							bad.push(`${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
						else if ((e.tagName === "TEXTAREA" && e.scrollHeight > e.clientHeight + 2)
							|| (e.matches("input[type=text], input:not([type])") && e.scrollWidth > e.clientWidth + 1))
							bad.push(`${e.tagName} ${e.dataset.path} "${e.value.slice(0, 30)}" not all in view`);
						else if (!e.closest(".visually-hidden") && /^(LABEL|BUTTON|LEGEND|H1|H2|H3|A|TH|TD|SPAN|P)$/.test(e.tagName) && e.scrollWidth > e.clientWidth + 1
							&& getComputedStyle(e).overflowX !== "visible")
							bad.push(`${e.tagName} "${e.textContent.slice(0, 30)}" cut`);
					}
					return { bad: bad.slice(0, 5), x: document.documentElement.scrollWidth - innerWidth };
				});
				assert.deepEqual(out, { bad: [], x: 0 }, `${tab} ${lang} ${w}x${h}`);
				await shot(page, `admin-${tab}-${lang}-${w}x${h}`);
			}
			if ((w === 768 && lang === "nb") || (w === 1366 && lang === "ar"))
				assert.deepEqual(await axe(page), [], `${lang} ${w}x${h}`);
			assert.deepEqual(page.js_errors, []);
			await page.context().close();
		}
});
