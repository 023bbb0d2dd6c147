// index.js — the landing page: links to the pages and a form that opens the wall display
// whose id was typed (no inline handler, so the page runs under a Content-Security-Policy
// without inline script), in the staff language chosen in this browser (staff.js).
import { api, pick } from "./common.js";
import { load_staff_strings, initial_lang, use_lang, lang_chooser } from "./staff.js";

const $ = (id) => document.getElementById(id);
let floor = null; // the snapshot's floor, when it could be read

// Shows every text of the page in language l.
function set_lang(l) {
	const t = use_lang(l);
	for (const el of document.querySelectorAll("[data-i18n]"))
		el.textContent = t(el.dataset.i18n);
	$("ui-lang-label").textContent = t("staff_language");
	const name = floor ? pick(floor.name, l) : "";
	$("title").textContent = name ? `torg · ${name}` : "torg";
	document.title = $("title").textContent;
	lang_chooser($("ui-lang"), l, set_lang);
}

async function main() {
	const form = $("open-display");
	form.addEventListener("submit", (e) => {
		e.preventDefault();
		location.href = "/display/" + encodeURIComponent(form.display.value.trim());
	});
	await load_staff_strings();
	try {
		floor = (await api("GET", "/floor")).floor;
	} catch (e) {
		floor = null; // the page works without it, in the browser's language
	}
	set_lang(initial_lang(floor && floor.languages));
	document.body.dataset.ready = "1";
}

main();
