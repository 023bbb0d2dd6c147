// announce.js — the wall display's spoken announcements. Each call is queued once (a
// recall is a new call; the same call told twice, by a repeated event or a fresh
// snapshot, is not), and played in turn: the chime, then torgd's recording of the
// sentence in each announcement language (GET /api/v1/announce/{lang}/{number}/
// {counter}.wav), one after another on one <audio> element, so nothing overlaps. A
// sentence whose words another language already said (nb and nn) is not said twice:
// torgd names each sentence in X-Torg-Sentence. The recordings need no speech voices
// in the browser; speechSynthesis is used only when torgd cannot give a recording.
//
//   const a = createAnnouncer({ languages: ["nb", "en"], chime: () => promise,
//                               text: (call, lang) => "Nummer B 7, Skranke 3" });
//   a.announce({ number: "B007", counter: "s3", at: "…", recall: false });
//   a.set_languages(["nb"]);   // a new snapshot may change them
//
// Options: languages; chime (a function returning a promise) or chimeUrl (a sound file
// played on the same element); text(call, lang) for the speechSynthesis fallback;
// log (an array: one record per sentence said, {number, lang, sentence, via, recall,
// start, end}); base (of the route, default "/api/v1/announce").

const GAP_MS = 300; // silence between two sentences
const SEEN_MAX = 200; // calls remembered so that none is announced twice
const PLAY_LIMIT_MS = 15000; // a recording that never ends is given up after this
const RETRY_MS = 1000; // torgd answered 503: one more try after this

export function createAnnouncer(opts = {}) {
	const base = opts.base || "/api/v1/announce";
	const log = opts.log || [];
	let languages = [...(opts.languages || [])];
	const queue = [];
	const seen = new Set();
	let running = false;
	const el = document.createElement("audio");
	el.id = "announce-audio";
	el.hidden = true;
	el.preload = "auto";
	document.body.appendChild(el);

	// Fetches one sentence: { url (a blob: URL), sentence } or null when torgd has none.
	async function fetch_sentence(call, lang) {
		const path = `${base}/${encodeURIComponent(lang)}/${encodeURIComponent(call.number)}/` +
			`${encodeURIComponent(call.counter)}.wav`;
		for (let attempt = 0; attempt < 2; attempt++) {
			try {
				const r = await fetch(path, { credentials: "omit" });
				if (r.ok) {
					const blob = await r.blob();
					return { url: URL.createObjectURL(blob), sentence: r.headers.get("x-torg-sentence") || path };
				}
				if (r.status !== 503)
					return null;
			} catch (e) {
				if (attempt)
					return null;
			}
			await sleep(RETRY_MS);
		}
		return null;
	}

	// Plays src on the element; resolves when it ended, failed or ran too long.
	function play(src) {
		return new Promise((resolve) => {
			let done = false;
			const finish = (ok) => {
				if (done)
					return;
				done = true;
				clearTimeout(limit);
				el.removeEventListener("ended", on_end);
				el.removeEventListener("error", on_fail);
				resolve(ok);
			};
			const on_end = () => finish(true);
			const on_fail = () => finish(false);
			const limit = setTimeout(() => {
				el.pause();
				finish(false);
			}, PLAY_LIMIT_MS);
			el.addEventListener("ended", on_end);
			el.addEventListener("error", on_fail);
			el.src = src;
			const p = el.play();
			if (p && p.catch)
				p.catch(() => finish(false));
		});
	}

	// Says text with the browser's speech synthesis, when it has a voice for lang.
	function speak(text, lang) {
		return new Promise((resolve) => {
			const ss = window.speechSynthesis;
			const voices = ss && typeof SpeechSynthesisUtterance !== "undefined" ? ss.getVoices() : [];
			const voice = voices.find((v) => v.lang && v.lang.toLowerCase().startsWith(lang));
			if (!text || !voice) {
				resolve(false);
				return;
			}
			const limit = setTimeout(() => resolve(false), 1500 + text.length * 120);
			const u = new SpeechSynthesisUtterance(text);
			u.voice = voice;
			u.lang = voice.lang;
			u.rate = 0.9;
			u.onend = u.onerror = () => {
				clearTimeout(limit);
				resolve(true);
			};
			ss.speak(u);
		});
	}

	// Says one call: the chime, then each language's sentence unless already said.
	async function say_call(call) {
		const langs = [...languages];
		const fetched = langs.map((lang) => fetch_sentence(call, lang)); // while the chime plays
		if (opts.chime)
			await opts.chime();
		else if (opts.chimeUrl)
			await play(opts.chimeUrl);
		const said = new Set();
		for (let i = 0; i < langs.length; i++) {
			const got = await fetched[i];
			const text = opts.text ? opts.text(call, langs[i]) : "";
			const sentence = got ? got.sentence : `text:${text}`;
			if (said.has(sentence)) {
				if (got)
					URL.revokeObjectURL(got.url);
				continue;
			}
			said.add(sentence);
			const rec = { number: call.number, counter: call.counter, lang: langs[i], text, sentence,
				recall: !!call.recall, via: got ? "audio" : "speech", start: performance.now(), end: null };
			log.push(rec);
			const ok = got ? await play(got.url) : await speak(text, langs[i]);
			if (got)
				URL.revokeObjectURL(got.url);
			rec.end = performance.now();
			if (!ok)
				rec.via += " (failed)";
			await sleep(GAP_MS);
		}
	}

	async function run() {
		running = true;
		while (queue.length) {
			try {
				await say_call(queue.shift());
			} catch (e) {
				// one call's failure must not silence the next
			}
		}
		running = false;
	}

	return {
		// Queues call ({number, counter, at, recall}) unless it was queued before; true
		// when queued.
		announce(call) {
			if (!call || !call.number || !call.counter)
				return false;
			const key = `${call.number}|${call.counter}|${call.at}|${call.recall ? 1 : 0}`;
			if (seen.has(key))
				return false;
			seen.add(key);
			if (seen.size > SEEN_MAX)
				seen.delete(seen.values().next().value);
			queue.push(call);
			if (!running)
				run();
			return true;
		},
		set_languages(langs) {
			languages = [...(langs || [])];
		},
		get busy() {
			return running;
		},
		element: el,
	};
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}
