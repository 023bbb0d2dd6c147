// counter_table.test.mjs — the counter page's one table (server/www/static/counter_state.js)
// on its own, without a browser: every state and overlay answers for every control; an
// enabled control has no reason and a disabled one has a reason that every language
// file says; a request in flight or a lost connection stops everything that sends;
// base_state reads the page's facts as the states are defined.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib.mjs";
import { base_state, controls, CONTROLS, STATE_OF } from "../../server/www/static/counter_state.js";

const LANGS = ["nb", "nn", "sv", "en", "ar"];
const DICTS = Object.fromEntries(LANGS.map((l) =>
	[l, JSON.parse(readFileSync(path.join(ROOT, `server/www/static/i18n/${l}.json`), "utf8"))]));
const OVERLAYS = [{}, { busy: true }, { offline: true }, { busy: true, offline: true }, { receipt: true },
	{ chosen_open: true }, { busy: true, receipt: true }];

test("the table answers for every control in every state, with reasons every language has", () => {
	for (const s of Object.values(STATE_OF)) {
		for (const o of OVERLAYS) {
			const m = controls(s, o);
			assert.deepEqual([...m.keys()], [...CONTROLS], `${s} ${JSON.stringify(o)}`);
			for (const [k, c] of m) {
				const what = `${s} ${JSON.stringify(o)} ${k}`;
				if (!c.shown) {
					assert.equal(c.enabled, false, `${what}: hidden yet enabled`);
					continue;
				}
				assert.equal(c.enabled, c.reason === null, `${what}: enabled exactly when there is no reason`);
				for (const l of LANGS)
					if (c.reason)
						assert.ok(DICTS[l][c.reason], `${what}: ${l}.json lacks ${c.reason}`);
			}
		}
	}
});

test("in flight or offline, nothing that sends can be pressed; printing still can", () => {
	for (const s of Object.values(STATE_OF)) {
		for (const [o, why] of [[{ busy: true, receipt: true }, "why_busy"], [{ offline: true, receipt: true }, "why_offline"],
			[{ busy: true, offline: true, receipt: true }, "why_offline"]]) {
			for (const [k, c] of controls(s, o)) {
				if (!c.shown)
					continue;
				if (k === "print")
					assert.equal(c.enabled, true, `${s}: print`);
				else
					assert.equal(c.reason, why, `${s} ${JSON.stringify(o)} ${k}`);
			}
		}
	}
});

test("base_state: signed out, closed, elsewhere, idle, called, serving, break", () => {
	const me = { name: "kari" };
	const open = { open: true, current: null, on_break: false };
	assert.equal(base_state({ me: null, working: true, counter: open, waiting: 3 }), STATE_OF.SIGNED_OUT);
	assert.equal(base_state({ me, working: false, counter: open, waiting: 0 }), STATE_OF.CLOSED);
	assert.equal(base_state({ me, working: false, counter: null, waiting: 0, elsewhere: "s2" }), STATE_OF.ELSEWHERE);
	assert.equal(base_state({ me, working: true, counter: { ...open, open: false }, waiting: 0 }), STATE_OF.CLOSED);
	assert.equal(base_state({ me, working: true, counter: open, waiting: 0 }), STATE_OF.IDLE_EMPTY);
	assert.equal(base_state({ me, working: true, counter: open, waiting: 2 }), STATE_OF.IDLE_WAITING);
	assert.equal(base_state({ me, working: true, counter: { ...open, current: { state: "called" } }, waiting: 2 }),
		STATE_OF.CALLED);
	assert.equal(base_state({ me, working: true, counter: { ...open, current: { state: "serving" } }, waiting: 0 }),
		STATE_OF.SERVING);
	assert.equal(base_state({ me, working: true, counter: { ...open, on_break: true }, waiting: 2 }), STATE_OF.BREAK);
});
