// index.js — the landing page: the form opens the wall display whose id was typed (no
// inline handler, so the page runs under a Content-Security-Policy without inline script).
const form = document.getElementById("open-display");
form.addEventListener("submit", (e) => {
	e.preventDefault();
	location.href = "/display/" + encodeURIComponent(form.display.value.trim());
});
