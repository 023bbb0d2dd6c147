"""Spoken announcements (GET /api/v1/announce/{lang}/{number}/{counter}.wav): each floor
language gives a WAV that decodes and lasts as long as the sentence should; only a
number issued today, a configured counter and a floor language are said; recorded clips
are used when the floor has them all; a flood is bounded (503 with Retry-After) and the
loop keeps answering meanwhile."""

import concurrent.futures
import io
import wave

from torgtest import config_with, expect_error

AR_NAMES = {"floor": "ساحة الاختبار", "reception": "الاستقبال", "nav": "ناف",
            "housing": "السكن", "social": "المساعدة الاجتماعية", "c1": "الشباك 1"}


def arabic_floor(**changes):
    """The test floor with Arabic as a fifth language (every name given in it)."""
    cfg = config_with(**changes)
    cfg["floor"]["languages"] = ["nb", "nn", "sv", "en", "ar"]
    cfg["floor"]["name"]["ar"] = AR_NAMES["floor"]
    for s in cfg["services"]:
        s["name"]["ar"] = AR_NAMES[s["id"]]
    for c in cfg["counters"]:
        if "name" in c:
            c["name"]["ar"] = AR_NAMES[c["id"]]
    return cfg


def decode(body):
    """(seconds, rate, peak) of a WAV body; fails unless it is 16-bit PCM mono."""
    with wave.open(io.BytesIO(body)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        frames = w.readframes(w.getnframes())
        rate, n = w.getframerate(), w.getnframes()
    samples = memoryview(frames).cast("h")
    return n / rate, rate, max(abs(x) for x in samples)


def called(srv, service="nav", counter="c1", user="kari"):
    """Issues a ticket and calls it to counter; its number."""
    t = srv.issue(service)
    srv.open_counter(user, counter)
    srv.act(user, counter, "call-next")
    return t["number"]


def test_every_language_speaks(make_server):
    srv = make_server(config=arabic_floor())
    number = called(srv)
    lengths = {}
    for lang in ("nb", "nn", "sv", "en", "ar"):
        r = srv.get(f"/api/v1/announce/{lang}/{number}/c1.wav")
        assert r.status_code == 200, (lang, r.status_code, r.text[:200])
        assert r.headers["content-type"] == "audio/wav"
        assert len(r.headers["x-torg-sentence"]) == 16
        secs, rate, peak = decode(r.content)
        assert rate >= 8000 and peak > 1000, (lang, rate, peak)
        assert 1.0 <= secs <= 8.0, (lang, secs)
        lengths[lang] = (round(secs, 2), r.headers["x-torg-sentence"])
    print("announcement lengths (s):", {k: v[0] for k, v in lengths.items()})
    # nb and nn say the same words: one sentence, which a display plays once
    assert lengths["nb"][1] == lengths["nn"][1]
    assert len({v[1] for v in lengths.values()}) == 4
    # the second ask comes from the cache, byte for byte
    a = srv.get(f"/api/v1/announce/en/{number}/c1.wav")
    b = srv.get(f"/api/v1/announce/en/{number}/c1.wav")
    assert a.content == b.content
    # a counter without a name is said as its kind and number ("room 1")
    r = srv.get(f"/api/v1/announce/en/{called(srv, 'social', 'r1', 'ola')}/r1.wav")
    assert r.status_code == 200 and 1.0 <= decode(r.content)[0] <= 8.0


def test_only_real_calls_are_said(srv):
    number = srv.issue("nav")["number"]
    ok = srv.get(f"/api/v1/announce/en/{number}/c1.wav")
    assert ok.status_code == 200
    expect_error(srv.get("/api/v1/announce/en/B999/c1.wav"), 404, "unknown_ticket")
    expect_error(srv.get("/api/v1/announce/en/B1/c1.wav"), 404, "unknown_ticket")
    expect_error(srv.get("/api/v1/announce/en/Z001/c1.wav"), 404, "unknown_ticket")
    expect_error(srv.get(f"/api/v1/announce/en/{number}/nope.wav"), 404, "unknown_counter")
    expect_error(srv.get(f"/api/v1/announce/de/{number}/c1.wav"), 404, "unknown_language")
    expect_error(srv.get(f"/api/v1/announce/ar/{number}/c1.wav"), 404, "unknown_language")
    for bad in (f"/api/v1/announce/en/{number}/c1.mp3", f"/api/v1/announce/en/{number}/c1",
                "/api/v1/announce/en/hello%20world/c1.wav", "/api/v1/announce/en/B001",
                f"/api/v1/announce/en/{number}/c1.wav/x", "/api/v1/announce/"):
        assert srv.get(bad).status_code == 404, bad
    r = srv.post(f"/api/v1/announce/en/{number}/c1.wav", {})
    assert r.status_code == 405
    head = srv.request("HEAD", f"/api/v1/announce/en/{number}/c1.wav")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(ok.content)


def test_clips_when_the_floor_has_them(make_server, tmp_path):
    """A floor with recordings for every word gets them joined (their length and rate);
    a word without a recording makes the whole sentence espeak-ng's."""
    clips = tmp_path / "clips"
    (clips / "en").mkdir(parents=True)
    (clips / "nb").mkdir(parents=True)

    def tone(name, secs, rate=16000, lang="en"):
        with wave.open(str(clips / lang / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(b"\x00\x40" * int(secs * rate))
    for word in ["number", "b", "0", "1", "counter-c1"]:
        tone(word, 0.25)
    for word in ["number", "b", "0", "1", "counter", "3"]:  # no counter-c3.wav
        tone(word, 0.2, lang="nb")
    srv = make_server(config=config_with(voice={"clips_dir": str(clips)}))
    number = srv.issue("nav")["number"]
    assert number == "B001"
    secs, rate, _ = decode(srv.get(f"/api/v1/announce/en/{number}/c1.wav").content)
    # six clips (number, B, 0, 0, 1, counter) and five gaps of 0.12 s
    assert rate == 16000 and abs(secs - (6 * 0.25 + 5 * 0.12)) < 0.01, secs
    # c3 has no clip of its own nor a "counter" word: espeak-ng at its own rate
    secs, rate, _ = decode(srv.get(f"/api/v1/announce/en/{number}/c3.wav").content)
    assert rate == 22050 and 1.0 <= secs <= 8.0
    # nb: "skranke" (counter.wav) and the digits of c3's id stand in for counter-c3.wav
    secs, rate, _ = decode(srv.get(f"/api/v1/announce/nb/{number}/c3.wav").content)
    assert rate == 16000 and abs(secs - (7 * 0.2 + 6 * 0.12)) < 0.01, secs
    assert srv.metric("torg_announcements_rendered_total{source=\"clips\"}") == 2


def test_bad_voice_config_is_refused(make_server, tmp_path):
    srv = make_server(config=config_with(voice={"clips_dir": str(tmp_path / "none")}),
                      start=False)
    out = srv.cli("--check-config", with_config=True)
    assert out.returncode != 0 and "voice.clips_dir" in out.stderr, out.stderr
    cfg = config_with()
    cfg["displays"][1]["announce"] = ["sv"]
    srv = make_server(config=cfg, start=False)
    out = srv.cli("--check-config", with_config=True)
    assert out.returncode != 0 and "displays[1].announce[0]" in out.stderr, out.stderr


def test_a_flood_is_bounded(srv):
    """Many different sentences at once: some wait, the rest get 503 with Retry-After,
    and the floor keeps answering meanwhile."""
    numbers = [srv.issue("nav")["number"] for _ in range(12)]
    paths = [f"/api/v1/announce/{lang}/{n}/{c}.wav" for n in numbers
             for lang in ("nb", "sv", "en") for c in ("c1", "c3")]
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = list(pool.map(srv.get, paths))
        assert srv.healthz()["status"] == "ok"
    codes = [r.status_code for r in results]
    assert set(codes) <= {200, 503}, codes
    assert codes.count(503) > 0 and codes.count(200) >= 8, codes
    busy = next(r for r in results if r.status_code == 503)
    assert busy.headers["retry-after"] == "1"
    expect_error(busy, 503, "unavailable")
    assert srv.metric("torg_announcements_refused_total") == codes.count(503)
