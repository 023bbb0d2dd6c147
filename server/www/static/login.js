// login.js — /login#reset=CODE&name=NAME: a staff member sets their own password with the
// one-time code an admin gave them (POST /api/v1/password). The code and the name come in
// the link's fragment, which no request carries (no server or proxy log holds the code);
// the page takes it out of the address bar at once (it is a secret for 24 hours and must
// not stay in the history). The page then points to the counter and admin pages,
// where they sign in with the new password.
import { api } from "./common.js";
import { load_staff_strings, initial_lang, use_lang, lang_chooser, COUNTER_LANGS } from "./staff.js";

const $ = (id) => document.getElementById(id);
let t = (k) => k;

// Shows every text of the page in language l.
function set_lang(l) {
	t = use_lang(l);
	for (const el of document.querySelectorAll("[data-i18n]"))
		el.textContent = t(el.dataset.i18n);
	$("ui-lang-label").textContent = t("staff_language");
	document.title = `torg · ${t("reset_title")}`;
	lang_chooser($("ui-lang"), l, set_lang, COUNTER_LANGS); /* ar too, as on the counter page */
}

// The message for a refused attempt, from the error's code.
function refusal(e) {
	const code = e && e.code;
	if (code === "bad_code")
		return t("reset_bad_code");
	if (code === "rate_limited")
		return t("reset_rate_limited");
	if (e && e.status === 422)
		return t("reset_bad_password");
	return t("reset_failed");
}

async function submit(e) {
	e.preventDefault();
	const name = $("name").value.trim().toLowerCase(), code = $("code").value.trim();
	const password = $("password").value;
	const status = $("status");
	if (!name || !code) {
		status.textContent = t("reset_missing");
		return;
	}
	if (password.length < 8) {
		status.textContent = t("reset_bad_password");
		$("password").focus();
		return;
	}
	if (password !== $("again").value) {
		status.textContent = t("reset_mismatch");
		$("again").focus();
		return;
	}
	$("submit").disabled = true;
	try {
		await api("POST", "/password", { name, code, password });
		$("password").value = $("again").value = $("code").value = "";
		status.textContent = t("reset_done");
		$("done").hidden = false;
	} catch (err) {
		status.textContent = refusal(err);
	} finally {
		$("submit").disabled = false;
	}
}

async function main() {
	const q = new URLSearchParams(location.hash.slice(1));
	if (q.get("name"))
		$("name").value = q.get("name");
	if (q.get("reset"))
		$("code").value = q.get("reset");
	if (q.has("reset")) // the code is a secret: not in the history, not in a bookmark
		history.replaceState(null, "", "/login");
	$("reset").addEventListener("submit", submit);
	await load_staff_strings(COUNTER_LANGS);
	set_lang(initial_lang(null, COUNTER_LANGS));
	($("name").value ? (($("code").value) ? $("password") : $("code")) : $("name")).focus();
	document.body.dataset.ready = "1";
}

main();
