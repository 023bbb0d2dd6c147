// dashboard.js — the manager's dashboard (/dashboard). Signs in with POST /api/v1/login
// (the session cookie does the rest), shows live tiles per service from the public
// WebSocket protocol (a snapshot, then events whose `queues` carry each service's
// waiting count, longest wait and open counters), and charts the statistics of a
// chosen range from GET /api/v1/stats with Chart.js (vendored, no build step):
// arrivals and served by hour, the wait distribution, the share served within target
// per service, and the transfer matrix as a heat map (chartjs-chart-matrix).
import { api, pick, Floor } from "/static/common.js";
import { PROTOCOL, MSG } from "/static/protocol.js";

const $ = (id) => document.getElementById(id);
const floor = new Floor();
let received_at = Date.now(); // when the live figures were last updated
let ws = null;
let retry_ms = 500;
const charts = {};
window.torg_dashboard = { charts, floor, stats: null }; // for tests and the curious

// Seconds as "12 min" / "1 h 05 min" / "40 s".
function fmt_dur(s) {
	if (s === null || s === undefined)
		return "–";
	s = Math.round(s);
	if (s < 60)
		return `${s} s`;
	const m = Math.round(s / 60);
	return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

// A share as a percentage, or a dash.
function fmt_pct(x) {
	return x === null || x === undefined ? "–" : `${Math.round(x * 100)} %`;
}

// The display name of a service id.
function service_name(id) {
	const s = floor.services.get(id);
	return s ? pick(s.name, "en") || id : id;
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
			<dt>waiting</dt><dd data-k="waiting2"></dd>
			<dt>longest wait</dt><dd data-k="longest"></dd>
			<dt>target</dt><dd data-k="target"></dd>
			<dt>counters open</dt><dd data-k="counters"></dd></dl>`;
		tile.querySelector("h3").textContent = service_name(s.id);
		tile.querySelector('[data-k="waiting"]').textContent = s.waiting;
		tile.querySelector('[data-k="waiting2"]').textContent = `${s.waiting} ${s.waiting === 1 ? "visitor" : "visitors"}`;
		tile.querySelector('[data-k="longest"]').textContent = fmt_dur(longest);
		tile.querySelector('[data-k="target"]').textContent = fmt_dur(target);
		tile.querySelector('[data-k="counters"]').textContent = s.counters_open;
		box.append(tile);
	}
}

function on_message(msg) {
	if (msg.type === MSG.SNAPSHOT) {
		floor.load(msg);
		$("floor-name").textContent = (pick(msg.floor.name, "en") || msg.floor.id) + " — dashboard";
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
		$("conn").textContent = "live";
		ws.send(JSON.stringify({ type: MSG.HELLO }));
	};
	ws.onmessage = (e) => {
		const data = JSON.parse(e.data);
		for (const m of Array.isArray(data) ? data : [data])
			on_message(m);
	};
	ws.onclose = () => {
		$("conn").textContent = "reconnecting…";
		setTimeout(connect, retry_ms);
		retry_ms = Math.min(retry_ms * 2, 10000);
	};
}

// ---- statistics ----

function chart(id, config) {
	if (charts[id])
		charts[id].destroy();
	const options = Object.assign({ animation: false, maintainAspectRatio: false, responsive: true },
		config.options || {});
	charts[id] = new Chart($(id), Object.assign({}, config, { options }));
}

function render_totals(st) {
	const t = st.total;
	const items = [
		["Arrivals", t.arrivals], ["Served", t.served], ["No-shows", t.no_shows],
		["Cancelled", t.cancelled], ["Transfers", t.transfers_out],
		["Mean wait", fmt_dur(t.wait_mean_s)], ["Median wait", fmt_dur(t.wait_median_s)],
		["90 % waited less than", fmt_dur(t.wait_p90_s)], ["Within target", fmt_pct(t.target_met_share)],
		["Counter utilisation", fmt_pct(t.utilisation)],
	];
	$("totals").replaceChildren(...items.map(([k, v]) => {
		const d = document.createElement("div");
		d.innerHTML = "<b></b><span></span>";
		d.querySelector("b").textContent = v;
		d.querySelector("span").textContent = k;
		return d;
	}));
}

function render_charts(by_hour, by_service) {
	const hours = by_hour.rows.filter((r) => r.arrivals || r.served || r.open_s);
	const shown = hours.length ? hours : by_hour.rows.slice(7, 18);
	chart("chart-hours", {
		type: "bar",
		data: {
			labels: shown.map((r) => `${String(r.hour).padStart(2, "0")}:00`),
			datasets: [
				{ label: "Arrivals", data: shown.map((r) => r.arrivals), backgroundColor: "#457b9d" },
				{ label: "Served", data: shown.map((r) => r.served), backgroundColor: "#2a9d8f" },
			],
		},
	});
	const h = by_service.wait_histogram;
	chart("chart-waits", {
		type: "bar",
		data: {
			labels: h.counts.map((_, i) => i === h.counts.length - 1 ? `${i * h.bin_s / 60}+ min`
				: `${i * h.bin_s / 60}–${(i + 1) * h.bin_s / 60} min`),
			datasets: [{ label: "Visitors", data: h.counts, backgroundColor: "#e76f51" }],
		},
	});
	const svc = by_service.rows.filter((r) => r.called > 0);
	chart("chart-target", {
		type: "bar",
		data: {
			labels: svc.map((r) => service_name(r.service)),
			datasets: [{ label: "Served within target (%)", data: svc.map((r) => Math.round(r.target_met_share * 100)),
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
				label: "Visitors transferred",
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
				tooltip: { callbacks: { label: (c) => `${c.raw.y} → ${c.raw.x}: ${c.raw.v} visitors, ${fmt_dur(c.raw.mean)} on the floor` } },
			},
			scales: {
				x: { type: "category", labels: names, offset: true, ticks: { autoSkip: false }, title: { display: true, text: "to" }, grid: { display: false } },
				y: { type: "category", labels: names, offset: true, ticks: { autoSkip: false }, title: { display: true, text: "from" }, grid: { display: false } },
			},
		},
	});
}

async function load_stats() {
	const from = $("from").value, to = $("to").value;
	const q = `from=${from}&to=${to}`;
	$("csv").href = `/api/v1/stats.csv?${q}&group=service`;
	$("range-error").textContent = "";
	try {
		const [by_service, by_hour] = await Promise.all([
			api("GET", `/stats?${q}&group=service`), api("GET", `/stats?${q}&group=hour`)]);
		window.torg_dashboard.stats = { by_service, by_hour };
		render_totals(by_service);
		render_charts(by_hour, by_service);
		document.body.dataset.statsLoaded = `${from}/${to}`;
	} catch (e) {
		$("range-error").textContent = e.message;
	}
}

// ---- sign-in ----

async function show_board() {
	$("login").hidden = true;
	$("board").hidden = false;
	$("logout").hidden = false;
	connect();
	setInterval(render_tiles, 5000);
}

async function start() {
	let me = null;
	try {
		me = await api("GET", "/me");
	} catch (e) {
		me = null;
	}
	const user = me && (me.user || me);
	if (user && (user.role === "manager" || user.role === "admin"))
		return show_board();
	$("login").hidden = false;
	if (user)
		$("login-error").textContent = "The dashboard is for managers.";
}

$("login").addEventListener("submit", async (e) => {
	e.preventDefault();
	try {
		const r = await api("POST", "/login", { name: $("login-name").value, password: $("login-password").value });
		if (r.user.role !== "manager" && r.user.role !== "admin") {
			$("login-error").textContent = "The dashboard is for managers.";
			return;
		}
		show_board();
	} catch (err) {
		$("login-error").textContent = err.message;
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
