// torg.js — the WebSocket client every torg page shares. It owns one connection to
// /ws (subprotocol torg.v1): sends the hello (with `since` once it has seen a seq),
// accepts single messages and batch arrays, tracks the floor-wide seq, drops
// duplicates, treats a gap as a lost stream (reconnect with `since`), and reconnects
// after any drop with capped exponential backoff plus jitter. A session with a filter
// (a display of some services, or hello `services`) sees seqs jump: the server puts a
// `skip` N right before an event that does not follow what the client was told, and
// the client moves its seq up to N (never down), so after a skip the next event must be
// N+1 and any other jump is still a real gap (PROTOCOL.md, "skip"). The backoff starts
// over only when a connection that stayed live for STABLE_MS drops, or when the browser
// says it is online again; a snapshot, resume or ticket message alone never resets it,
// so a server that accepts and drops at once (or a gap that comes back on every
// resume) is retried ever more slowly, up to the cap. Pages get callbacks; they never
// touch the socket.

import { PROTOCOL, MSG } from "./protocol.js";

const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 15000;
const STABLE_MS = 10000; // a connection live this long has earned a fresh backoff

// Opens and keeps open a torg.v1 session. opts: hello (object of hello fields, or a
// function returning one), track_seq (default true; false for ticket-only sessions),
// on_snapshot(msg), on_resume(msg), on_event(ev), on_ticket(msg), on_error(err),
// on_status(state) with state "connecting" | "live" | "reconnecting".
export class TorgSocket {
	constructor(opts) {
		this.opts = opts;
		this.seq = null; // the last seq applied or skipped to (null before the first snapshot)
		this.ws = null;
		this.attempt = 0; // reconnects since the last stable connection, for the backoff
		this.live_at = null; // Date.now() when the current socket went live, else null
		this.timer = null;
		this.stopped = false;
		this.state = "connecting";
		this.on_offline = () => this.drop("offline");
		this.on_online = () => {
			if (this.ws || this.stopped)
				return;
			this.attempt = 0;
			clearTimeout(this.timer);
			this.connect();
		};
		window.addEventListener("offline", this.on_offline);
		window.addEventListener("online", this.on_online);
	}

	// Starts connecting; returns this.
	start() {
		this.connect();
		return this;
	}

	// Closes the socket for good; no reconnect follows.
	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		window.removeEventListener("offline", this.on_offline);
		window.removeEventListener("online", this.on_online);
		if (this.ws)
			this.ws.close(1000);
	}

	// Reports a state change to the page once per change.
	set_state(s) {
		if (s === this.state)
			return;
		this.state = s;
		if (this.opts.on_status)
			this.opts.on_status(s);
	}

	// Marks the current socket live (the server answered the hello): the page hears of
	// it, and the time is kept so that a drop can tell a stable connection from a flap.
	went_live() {
		if (this.live_at === null)
			this.live_at = Date.now();
		this.set_state("live");
	}

	// Opens one WebSocket and wires its handlers.
	connect() {
		if (this.stopped)
			return;
		const proto = location.protocol === "https:" ? "wss:" : "ws:";
		let ws;
		this.live_at = null;
		try {
			ws = new WebSocket(`${proto}//${location.host}/ws`, PROTOCOL);
		} catch (e) {
			this.schedule();
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			const base = typeof this.opts.hello === "function" ? this.opts.hello() : this.opts.hello;
			const hello = Object.assign({ type: MSG.HELLO }, base || {});
			if (this.opts.track_seq !== false && this.seq !== null)
				hello.since = this.seq;
			ws.send(JSON.stringify(hello));
		};
		ws.onmessage = (m) => {
			if (ws !== this.ws)
				return;
			let data;
			try {
				data = JSON.parse(m.data);
			} catch (e) {
				return;
			}
			const list = Array.isArray(data) ? data : [data];
			for (const msg of list) {
				if (!this.handle(msg))
					break;
			}
		};
		ws.onclose = () => {
			if (ws !== this.ws)
				return;
			this.ws = null;
			this.lost();
			this.schedule();
		};
		ws.onerror = () => {}; // onclose follows and reconnects
	}

	// Applies one server message; returns false when the stream broke (gap).
	handle(msg) {
		const o = this.opts;
		const tracking = o.track_seq !== false;
		switch (msg && msg.type) {
		case MSG.SNAPSHOT:
			this.seq = msg.seq;
			this.went_live();
			if (o.on_snapshot)
				o.on_snapshot(msg);
			return true;
		case MSG.RESUME:
			this.went_live();
			if (o.on_resume)
				o.on_resume(msg);
			return true;
		case MSG.SKIP:
			// Events up to msg.seq we were not sent were outside our filter. Before any
			// base there is nothing to move, and a skip never takes the seq back.
			if (tracking && this.seq !== null && Number.isInteger(msg.seq) && msg.seq > this.seq)
				this.seq = msg.seq;
			return true;
		case MSG.EVENT:
			if (tracking && this.seq !== null) {
				if (msg.seq <= this.seq)
					return true; // already applied
				if (msg.seq !== this.seq + 1) {
					this.drop("gap");
					return false;
				}
			}
			this.seq = msg.seq;
			if (o.on_event)
				o.on_event(msg);
			return true;
		case MSG.TICKET:
			this.went_live();
			if (o.on_ticket)
				o.on_ticket(msg);
			return true;
		case MSG.ERROR:
			if (o.on_error)
				o.on_error(msg.error || {});
			return true;
		default:
			return true; // unknown types are ignored, as the protocol asks
		}
	}

	// Abandons the current socket (gap, offline) and reconnects after the backoff.
	drop(why) {
		const ws = this.ws;
		this.ws = null;
		if (ws) {
			this.lost();
			try {
				ws.close(4000, why);
			} catch (e) {
				ws.close();
			}
		}
		this.schedule();
	}

	// The current socket is gone: when it had stayed live for STABLE_MS, the next
	// reconnect starts the backoff over; a shorter life keeps it growing.
	lost() {
		if (this.live_at !== null && Date.now() - this.live_at >= STABLE_MS)
			this.attempt = 0;
		this.live_at = null;
	}

	// Marks the session reconnecting and plans the next attempt: a random point in the
	// upper half of min(cap, first · 2^attempt).
	schedule() {
		if (this.stopped)
			return;
		this.set_state("reconnecting");
		clearTimeout(this.timer);
		const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
		const delay = cap / 2 + Math.random() * (cap / 2);
		this.attempt = Math.min(this.attempt + 1, 10);
		this.timer = setTimeout(() => this.connect(), delay);
	}
}
