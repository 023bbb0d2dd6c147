// dashboard.js — the manager's dashboard (/dashboard). Signs in with POST /api/v1/login
// (the session cookie does the rest), shows live tiles per service and each counter's
// state (open, with a visitor, on a break since when, closed) from the public WebSocket
// protocol (a snapshot, then events whose `queues` carry each service's waiting count,
// longest wait and open counters, and the counter events), and charts the statistics of a
// chosen range from GET /api/v1/stats with Chart.js (vendored, no build step):
// arrivals and served by hour, the wait distribution, the share served within target
// per service, and the transfer matrix as a heat map (chartjs-chart-matrix). Every
// text is in the staff language chosen in this browser (staff.js), numbers, shares,
// dates and durations formatted with Intl for it; the CSV link asks for that language.
import { api, pick, fmt_clock, Floor, translator } from "/static/common.js";
import { PROTOCOL, MSG } from "/static/protocol.js";
import { load_staff_strings, initial_lang, use_lang, lang_chooser, locale, fmt_num, fmt_pct, fmt_day, fmt_hour,
	fmt_dur as fmt_dur_t, staff_nav } from "/static/staff.js";

const $ = (id) => document.getElementById(id);
const floor = new Floor();
let received_at = Date.now(); // when the live figures were last updated
let ws = null;
let retry_ms = 500;
let t = translator("nb");
let conn_state = ""; // "", "live" or "reconnecting"
let signed_in = null; // the user the board is shown to (for the staff pages' links)
const charts = {};
window.torg_dashboard = { charts, floor, stats: null }; // for tests and the curious

// Seconds as "12 min" / "1 t 05 min" / "40 s" in the page's language.
function fmt_dur(s) {
	return fmt_dur_t(t, s);
}

// The display name of a service id in the page's language.
function service_name(id) {
	const s = floor.services.get(id);
	return s ? pick(s.name, t.lang) || id : id;
}

// "3 visitors" / "1 visitor".
function visitors(n) {
	const form = new Intl.PluralRules(locale(t.lang)).select(n) === "one" ? "one" : "other";
	return t(`dash_visitors_${form}`, { n: fmt_num(t.lang, n) });
}

// Shows every text of the page in language l, and redraws what is shown.
function set_lang(l) {
	t = use_lang(l);
	for (const el of document.querySelectorAll("[data-i18n]"))
		el.textContent = t(el.dataset.i18n);
	$("ui-lang-label").textContent = t("staff_language");
	lang_chooser($("ui-lang"), l, set_lang);
	render_title();
	render_conn();
	render_tiles();
	if (signed_in)
		staff_nav($("staff-nav"), t, signed_in, "/dashboard");
	const st = window.torg_dashboard.stats;
	if (st) {
		render_range(st.by_service);
		render_totals(st.by_service);
		render_charts(st.by_hour, st.by_service);
	}
	if ($("from").value)
		set_csv_link();
	document.body.dataset.lang = l;
}

// The page title: the floor's name and "Dashboard".
function render_title() {
	const name = floor.snap ? pick(floor.snap.floor.name, t.lang) || floor.snap.floor.id : "torg";
	$("floor-name").textContent = `${name} — ${t("dash_title")}`;
	document.title = $("floor-name").textContent;
}

// The connection mark.
function render_conn() {
	$("conn").textContent = conn_state === "live" ? t("dash_live") : conn_state ? t("reconnecting") : "";
}

// ---- live tiles ----

function render_tiles() {
	const box = $("tiles");
	const since = (Date.now() - received_at) / 1000;
	box.replaceChildren();
	for (const s of floor.services.values()) {
		const longest = s.waiting > 0 ? (s.longest_wait_s || 0) + since : 0;
		const target = s.target_wait_s || 0;
		const tile = document.createElement("article");
		tile.className = "tile" + (target && longest > target ? " over" : target && longest > target * 0.75 ? " near" : "");
		tile.dataset.service = s.id;
		tile.innerHTML = `<h3></h3><div class="big" data-k="waiting"></div><dl>
			<dt data-t="dash_waiting"></dt><dd data-k="waiting2"></dd>
			<dt data-t="dash_longest"></dt><dd data-k="longest"></dd>
			<dt data-t="dash_target"></dt><dd data-k="target"></dd>
			<dt data-t="dash_counters_open"></dt><dd data-k="counters"></dd></dl>`;
		for (const dt of tile.querySelectorAll("[data-t]"))
			dt.textContent = t(dt.dataset.t);
		tile.querySelector("h3").textContent = service_name(s.id);
		tile.querySelector('[data-k="waiting"]').textContent = fmt_num(t.lang, s.waiting);
		tile.querySelector('[data-k="waiting2"]').textContent = visitors(s.waiting);
		tile.querySelector('[data-k="longest"]').textContent = fmt_dur(longest);
		tile.querySelector('[data-k="target"]').textContent = fmt_dur(target);
		tile.querySelector('[data-k="counters"]').textContent = fmt_num(t.lang, s.counters_open);
		box.append(tile);
	}
	if (floor.snap)
		render_counters();
}

// One counter's state in words: closed, on a break (since when, for how long), with its
// current visitor's number, or open and free.
function counter_state(c) {
	if (!c.open)
		return ["closed", t("dash_counter_closed")];
	if (c.on_break) {
		const since = c.break_since ? Date.parse(c.break_since) : Date.now();
		return ["break", t("dash_counter_break", {
			since: fmt_clock(new Date(since), floor.snap.floor.timezone, t.lang),
			time: fmt_dur(Math.max(0, (Date.now() - since) / 1000)),
		})];
	}
	if (c.current)
		return ["busy", t("dash_counter_busy", { number: c.current.number })];
	return ["open", t("dash_counter_open")];
}

// The counters list: every counter of the floor with its state.
function render_counters() {
	const items = [];
	for (const c of floor.counters.values()) {
		const [state, text] = counter_state(c);
		const li = document.createElement("li");
		li.className = `counter ${state}`;
		li.dataset.counter = c.id;
		li.dataset.state = state;
		li.innerHTML = "<b></b> <span></span>";
		li.querySelector("b").textContent = pick(c.name, t.lang) || c.id;
		li.querySelector("span").textContent = text;
		items.push(li);
	}
	$("counters").replaceChildren(...items);
}

function on_message(msg) {
	if (msg.type === MSG.SNAPSHOT) {
		floor.load(msg);
		render_title();
		if (!$("from").value) {
			$("from").value = $("to").value = msg.day;
			load_stats();
		}
	} else if (msg.type === MSG.EVENT) {
		floor.apply(msg);
	} else {
		return;
	}
	received_at = Date.now();
	render_tiles();
}

function connect() {
	const proto = location.protocol === "https:" ? "wss:" : "ws:";
	ws = new WebSocket(`${proto}//${location.host}/ws`, PROTOCOL);
	ws.onopen = () => {
		retry_ms = 500;
		conn_state = "live";
		render_conn();
		ws.send(JSON.stringify({ type: MSG.HELLO }));
	};
	ws.onmessage = (e) => {
		const data = JSON.parse(e.data);
		for (const m of Array.isArray(data) ? data : [data])
			on_message(m);
	};
	ws.onclose = () => {
		conn_state = "reconnecting";
		render_conn();
		setTimeout(connect, retry_ms);
		retry_ms = Math.min(retry_ms * 2, 10000);
	};
}

// ---- statistics ----

function chart(id, config) {
	if (charts[id])
		charts[id].destroy();
	const options = Object.assign({ animation: false, maintainAspectRatio: false, responsive: true,
		locale: locale(t.lang) },
		config.options || {});
	charts[id] = new Chart($(id), Object.assign({}, config, { options }));
}

function render_totals(st) {
	const tot = st.total, n = (x) => fmt_num(t.lang, x);
	const items = [
		["dash_arrivals", n(tot.arrivals)], ["dash_served", n(tot.served)], ["dash_no_shows", n(tot.no_shows)],
		["dash_cancelled", n(tot.cancelled)], ["dash_transfers", n(tot.transfers_out)],
		["dash_wait_mean", fmt_dur(tot.wait_mean_s)], ["dash_wait_median", fmt_dur(tot.wait_median_s)],
		["dash_wait_p90", fmt_dur(tot.wait_p90_s)], ["dash_within_target", fmt_pct(t.lang, tot.target_met_share)],
		["dash_utilisation", fmt_pct(t.lang, tot.utilisation)],
	];
	$("totals").replaceChildren(...items.map(([k, v]) => {
		const d = document.createElement("div");
		d.innerHTML = "<b></b><span></span>";
		d.querySelector("b").textContent = v;
		d.querySelector("span").textContent = t(k);
		return d;
	}));
}

function render_charts(by_hour, by_service) {
	const hours = by_hour.rows.filter((r) => r.arrivals || r.served || r.open_s);
	const shown = hours.length ? hours : by_hour.rows.slice(7, 18);
	chart("chart-hours", {
		type: "bar",
		data: {
			labels: shown.map((r) => fmt_hour(t.lang, r.hour)),
			datasets: [
				{ label: t("dash_arrivals"), data: shown.map((r) => r.arrivals), backgroundColor: "#457b9d" },
				{ label: t("dash_served"), data: shown.map((r) => r.served), backgroundColor: "#2a9d8f" },
			],
		},
		options: { scales: { y: { ticks: { precision: 0 } } } },
	});
	const h = by_service.wait_histogram;
	chart("chart-waits", {
		type: "bar",
		data: {
			labels: h.counts.map((_, i) => i === h.counts.length - 1
				? t("dur_min_over", { a: fmt_num(t.lang, i * h.bin_s / 60) })
				: t("dur_min_range", { a: fmt_num(t.lang, i * h.bin_s / 60), b: fmt_num(t.lang, (i + 1) * h.bin_s / 60) })),
			datasets: [{ label: t("dash_visitors"), data: h.counts, backgroundColor: "#e76f51" }],
		},
		options: { scales: { y: { ticks: { precision: 0 } } } }, // visitors come whole
	});
	const svc = by_service.rows.filter((r) => r.called > 0);
	chart("chart-target", {
		type: "bar",
		data: {
			labels: svc.map((r) => service_name(r.service)),
			datasets: [{ label: t("dash_target_pct"), data: svc.map((r) => Math.round(r.target_met_share * 100)),
				backgroundColor: svc.map((r) => r.target_met_share >= 0.8 ? "#2a9d8f" : "#e63946") }],
		},
		options: { indexAxis: "y", scales: { x: { min: 0, max: 100 } } },
	});
	const ids = by_service.rows.map((r) => r.service);
	const tr = by_service.transfers;
	const max = Math.max(1, ...tr.map((t) => t.visitors));
	const names = ids.map(service_name);
	chart("chart-transfers", {
		type: "matrix",
		data: {
			datasets: [{
				label: t("dash_transferred"),
				data: tr.map((t) => ({ x: service_name(t.to), y: service_name(t.from), v: t.visitors,
					mean: t.floor_time_mean_s })),
				backgroundColor: (c) => `rgba(29, 53, 87, ${0.15 + 0.85 * ((c.raw && c.raw.v) || 0) / max})`,
				width: (c) => (c.chart.chartArea || {}).width / names.length - 2,
				height: (c) => (c.chart.chartArea || {}).height / names.length - 2,
			}],
		},
		options: {
			plugins: {
				legend: { display: false },
				tooltip: { callbacks: { label: (c) => t("dash_transfer_tip",
					{ from: c.raw.y, to: c.raw.x, visitors: visitors(c.raw.v), time: fmt_dur(c.raw.mean) }) } },
			},
			scales: {
				x: { type: "category", labels: names, offset: true, ticks: { autoSkip: false }, title: { display: true, text: t("dash_to") }, grid: { display: false } },
				y: { type: "category", labels: names, offset: true, ticks: { autoSkip: false }, title: { display: true, text: t("dash_from") }, grid: { display: false } },
			},
		},
	});
}

// The CSV link: the chosen range, in the page's language (separator, decimal mark, names).
function set_csv_link() {
	const q = new URLSearchParams({ from: $("from").value, to: $("to").value, group: "service", lang: t.lang });
	$("csv").href = `/api/v1/stats.csv?${q}`;
}

// The range shown, as long dates in the page's language.
function render_range(st) {
	$("range-shown").textContent = st.from === st.to ? fmt_day(t.lang, st.from)
		: t("dash_range", { from: fmt_day(t.lang, st.from), to: fmt_day(t.lang, st.to) });
}

// A failed call in plain words: our text for known codes, else the server's message.
function error_text(e) {
	const key = `err_${e.code}`;
	const msg = t(key, { message: e.message });
	return msg === key ? e.message : msg;
}

async function load_stats() {
	const from = $("from").value, to = $("to").value;
	const q = `from=${from}&to=${to}`;
	set_csv_link();
	$("range-error").textContent = "";
	try {
		const [by_service, by_hour] = await Promise.all([
			api("GET", `/stats?${q}&group=service`), api("GET", `/stats?${q}&group=hour`)]);
		window.torg_dashboard.stats = { by_service, by_hour };
		render_range(by_service);
		render_totals(by_service);
		render_charts(by_hour, by_service);
		document.body.dataset.statsLoaded = `${from}/${to}`;
	} catch (e) {
		$("range-error").textContent = error_text(e);
	}
}

// ---- sign-in ----

async function show_board(user) {
	signed_in = user;
	staff_nav($("staff-nav"), t, user, "/dashboard");
	$("login").hidden = true;
	$("board").hidden = false;
	$("logout").hidden = false;
	connect();
	setInterval(render_tiles, 5000);
}

async function start() {
	await load_staff_strings();
	let langs = null;
	try {
		langs = (await api("GET", "/floor")).floor.languages;
	} catch (e) {
		langs = null; // the browser's language, then
	}
	set_lang(initial_lang(langs));
	let me = null;
	try {
		me = await api("GET", "/me");
	} catch (e) {
		me = null;
	}
	const user = me && (me.user || me);
	if (user && (user.role === "manager" || user.role === "admin"))
		return show_board(user);
	$("login").hidden = false;
	if (user)
		$("login-error").textContent = t("dash_managers_only");
}

$("login").addEventListener("submit", async (e) => {
	e.preventDefault();
	try {
		const r = await api("POST", "/login", { name: $("login-name").value, password: $("login-password").value });
		if (r.user.role !== "manager" && r.user.role !== "admin") {
			$("login-error").textContent = t("dash_managers_only");
			return;
		}
		show_board(r.user);
	} catch (err) {
		$("login-error").textContent = error_text(err);
	}
});
$("range").addEventListener("submit", (e) => {
	e.preventDefault();
	load_stats();
});
$("logout").addEventListener("click", async () => {
	await api("POST", "/logout").catch(() => null);
	location.reload();
});
start();
