// torg.js — the WebSocket client every torg page shares. It owns one connection to
// /ws (subprotocol torg.v1): sends the hello (with `since` once it has seen a seq),
// accepts single messages and batch arrays, tracks the floor-wide seq, drops
// duplicates, treats a gap as a lost stream (reconnect with `since`), and reconnects
// after any drop with capped exponential backoff plus jitter. Pages get callbacks;
// they never touch the socket.

const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 15000;

// Opens and keeps open a torg.v1 session. opts: hello (object of hello fields, or a
// function returning one), track_seq (default true; false for ticket-only sessions),
// on_snapshot(msg), on_resume(msg), on_event(ev), on_ticket(msg), on_error(err),
// on_status(state) with state "connecting" | "live" | "reconnecting".
export class TorgSocket {
	constructor(opts) {
		this.opts = opts;
		this.seq = null; // the last seq applied (null before the first snapshot)
		this.ws = null;
		this.attempt = 0;
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

	// Opens one WebSocket and wires its handlers.
	connect() {
		if (this.stopped)
			return;
		const proto = location.protocol === "https:" ? "wss:" : "ws:";
		let ws;
		try {
			ws = new WebSocket(`${proto}//${location.host}/ws`, "torg.v1");
		} catch (e) {
			this.schedule();
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			const base = typeof this.opts.hello === "function" ? this.opts.hello() : this.opts.hello;
			const hello = Object.assign({ type: "hello" }, base || {});
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
			this.schedule();
		};
		ws.onerror = () => {}; // onclose follows and reconnects
	}

	// Applies one server message; returns false when the stream broke (gap).
	handle(msg) {
		const o = this.opts;
		switch (msg && msg.type) {
		case "snapshot":
			this.seq = msg.seq;
			this.attempt = 0;
			this.set_state("live");
			if (o.on_snapshot)
				o.on_snapshot(msg);
			return true;
		case "resume":
			this.attempt = 0;
			this.set_state("live");
			if (o.on_resume)
				o.on_resume(msg);
			return true;
		case "event":
			if (o.track_seq !== false && this.seq !== null) {
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
		case "ticket":
			this.attempt = 0;
			this.set_state("live");
			if (o.on_ticket)
				o.on_ticket(msg);
			return true;
		case "error":
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
			try {
				ws.close(4000, why);
			} catch (e) {
				ws.close();
			}
		}
		this.schedule();
	}

	// Marks the session reconnecting and plans the next attempt.
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
