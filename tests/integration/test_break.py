"""Counter breaks through the real torgd: POST /api/v1/counters/{c}/break {"on": bool}
and the WebSocket cmd op "break". A counter on a break stays open but calls nobody
(409 counter_on_break), counts in no counters_open and in no estimate; a display is told
by counter.break / counter.back and its snapshot says on_break; the break survives a
restart (journal replay), `torgd check` passes the journal, statistics count no break as
open time, and hostile bodies, sessions, roles and origins are refused with the field
named."""

import datetime

import pytest

from test_event_figures import local_ms, set_clock
from torgtest import ISO_UTC, events_of, expect_error


def counter_of(doc, cid):
    return next(c for c in doc["counters"] if c["id"] == cid)


def service_of(doc, sid):
    return next(s for s in doc["services"] if s["id"] == sid)


def brk(srv, user, counter, on, status=200):
    return srv.act(user, counter, "break", {"on": on}, status)


@pytest.fixture
def two_open(srv):
    """c1 (reception, nav) open for kari and c3 (nav, housing, social) for ola, with three
    nav tickets waiting."""
    srv.open_counter("kari", "c1")
    srv.open_counter("ola", "c3")
    for _ in range(3):
        srv.issue("nav")
    return srv


def test_break_and_back(two_open):
    srv = two_open
    nav0 = service_of(srv.floor(), "nav")
    assert nav0["counters_open"] == 2 and nav0["waiting"] == 3
    with srv.ws({"type": "hello"}) as display:
        s0 = display.recv()["seq"]
        ans = brk(srv, "kari", "c1", True)
        assert set(ans) == {"counter"}, ans  # no ticket follows a break
        c1 = ans["counter"]
        assert c1["on_break"] is True and c1["open"] is True
        assert c1["services"] == ["reception", "nav"] and c1["current"] is None
        assert ISO_UTC.match(c1["break_since"]), c1
        ev = display.recv_event("counter.break")
        assert ev["seq"] == s0 + 1 and ev["counter"] == "c1" and ISO_UTC.match(ev["at"])
        assert "ticket" not in ev and "reason" not in ev
        figs = {q["service"]: q for q in ev["queues"]}
        assert set(figs) == {"reception", "nav"}, figs  # what c1 may give
        assert figs["nav"]["counters_open"] == 1 and figs["reception"]["counters_open"] == 0
        assert figs["reception"]["eta_s"] == -1 and figs["nav"]["waiting"] == 3

        # the estimate counts c3 alone now
        floor = srv.floor()
        nav = service_of(floor, "nav")
        assert nav["counters_open"] == 1 and nav["eta_s"] > nav0["eta_s"], (nav0, nav)
        assert counter_of(floor, "c1")["on_break"] is True
        assert counter_of(floor, "c1")["break_since"] == c1["break_since"]
        assert counter_of(floor, "c3")["on_break"] is False
        assert counter_of(floor, "c3")["break_since"] is None
        assert srv.issue("reception")["eta_s"] == -1  # nobody gives reception now
        assert srv.metric("torg_counters_on_break") == 1
        assert srv.metric("torg_counters_open") == 2

        # routing skips it: no call of any kind, nothing changes
        with srv.unchanged():
            expect_error(srv.post("/api/v1/counters/c1/call-next", token=srv.token("kari")),
                         409, "counter_on_break")
            expect_error(srv.post("/api/v1/counters/c1/call", {"number": "B002"},
                                  token=srv.token("kari")), 409, "counter_on_break")
            # a second press changes nothing and is no error
            assert brk(srv, "kari", "c1", True)["counter"]["break_since"] == c1["break_since"]
            expect_error(srv.post("/api/v1/counters/c1/open", token=srv.token("kari")), 409,
                         "counter_open")
        # the snapshot of a new session says it too
        with srv.ws({"type": "hello", "display": "hall"}) as hall:
            snap = hall.recv()
        assert counter_of(snap, "c1")["on_break"] is True
        assert service_of(snap, "nav")["counters_open"] == 1
        # c3 still calls
        assert srv.act("ola", "c3", "call-next")["ticket"]["number"] == "B001"

        back = brk(srv, "kari", "c1", False)["counter"]
        assert back["on_break"] is False and back["break_since"] is None and back["open"]
        ev = display.recv_event("counter.back")
        assert ev["counter"] == "c1"
        assert {q["service"]: q["counters_open"] for q in ev["queues"]} == \
            {"reception": 1, "nav": 2}
        assert brk(srv, "kari", "c1", False)["counter"]["on_break"] is False  # no-op
        assert srv.metric("torg_counters_on_break") == 0
        assert srv.act("kari", "c1", "call-next")["ticket"]["number"] in ("A001", "B002")
        msgs = display.drain(quiet=0.3)
    kinds = [e["kind"] for e in events_of(msgs)]
    assert "counter.break" not in kinds and "counter.back" not in kinds, kinds


def test_close_on_break_and_busy(two_open):
    srv = two_open
    srv.act("ola", "c3", "call-next")
    with srv.unchanged():
        # a counter with a visitor cannot pause; one that is not open neither
        expect_error(srv.post("/api/v1/counters/c3/break", {"on": True},
                              token=srv.token("ola")), 409, "counter_busy")
        expect_error(srv.post("/api/v1/counters/c2/break", {"on": True},
                              token=srv.token("ola")), 409, "counter_closed")
        expect_error(srv.post("/api/v1/counters/c2/break", {"on": False},
                              token=srv.token("ola")), 409, "counter_closed")
        expect_error(srv.post("/api/v1/counters/zz/break", {"on": True},
                              token=srv.token("ola")), 404, "unknown_counter")
    brk(srv, "kari", "c1", True)
    # closing ends the break; opened again it calls
    c1 = srv.act("kari", "c1", "close")["counter"]
    assert c1["open"] is False and c1["on_break"] is False and c1["break_since"] is None
    assert service_of(srv.floor(), "nav")["counters_open"] == 1
    srv.open_counter("kari", "c1")
    assert service_of(srv.floor(), "nav")["counters_open"] == 2
    assert srv.act("kari", "c1", "call-next")["ticket"]["number"] == "B002"


BODY_ERRORS = [
    (None, "bad_request", "on"),
    ({}, "bad_request", "on"),
    ({"on": "yes"}, "bad_request", "on"),
    ({"on": 1}, "bad_request", "on"),
    ({"on": None}, "bad_request", "on"),
    ({"on": [True]}, "bad_request", "on"),
    ({"on": True, "until": "12:00"}, "unknown_field", "until"),
    ({"off": True}, "unknown_field", "off"),
]


@pytest.mark.parametrize("body,code,field", BODY_ERRORS,
                         ids=[str(b)[:30] for b, *_ in BODY_ERRORS])
def test_hostile_bodies(two_open, body, code, field):
    srv = two_open
    with srv.unchanged():
        expect_error(srv.post("/api/v1/counters/c1/break", body, token=srv.token("kari")),
                     400, code, field)
    assert counter_of(srv.floor(), "c1")["on_break"] is False


def test_hostile_requests(two_open):
    srv = two_open
    kari = srv.token("kari")
    with srv.unchanged():
        for raw in ("[true]", "true", "{", '{"on": tru}', "\xff"):
            r = srv.post("/api/v1/counters/c1/break", data=raw, token=kari)
            expect_error(r, 400, ("bad_json", "bad_request"))
        r = srv.post("/api/v1/counters/c1/break",
                     data='{"on": true, "x": "' + "a" * 20000 + '"}', token=kari)
        expect_error(r, 413, "payload_too_large")
        expect_error(srv.post("/api/v1/counters/c1/break", {"on": True}), 401,
                     "unauthorized")
        expect_error(srv.post("/api/v1/counters/c1/break", {"on": True},
                              token=srv.token("mona")), 403, "forbidden")
        # kari may not give housing or social, which c3 is open for
        expect_error(srv.post("/api/v1/counters/c3/break", {"on": True}, token=kari), 403,
                     "forbidden")
        expect_error(srv.post("/api/v1/counters/c1/break", {"on": True}, token=kari,
                              headers={"Origin": "https://evil.example"}), 403,
                     "bad_origin", "origin")
        expect_error(srv.get("/api/v1/counters/c1/break", token=kari), 405,
                     "method_not_allowed")
        expect_error(srv.post("/api/v1/counters/c1/pause", {"on": True}, token=kari), 404,
                     "not_found")
    assert srv.healthz()["status"] == "ok"


def test_ws_cmd_break(two_open):
    srv = two_open
    with srv.ws({"type": "hello", "token": srv.token("kari")}) as c:
        s0 = c.recv()["seq"]
        c.send({"type": "cmd", "id": 1, "op": "break", "counter": "c1", "on": True})
        c.send({"type": "cmd", "id": 2, "op": "call_next", "counter": "c1"})
        c.send({"type": "cmd", "id": 3, "op": "break", "counter": "c1", "on": "no"})
        c.send({"type": "cmd", "id": 4, "op": "break", "counter": "c1"})
        c.send({"type": "cmd", "id": 5, "op": "break", "counter": "c1", "on": False,
                "services": ["nav"]})
        c.send({"type": "cmd", "id": 6, "op": "close", "counter": "c1", "on": True})
        c.send({"type": "cmd", "id": 7, "op": "break", "counter": "c1", "on": False})
        msgs = c.recv_until(lambda m: m.get("type") == "reply" and m["id"] == 7)
        msgs += c.drain(quiet=0.3)
    replies = {m["id"]: m for m in msgs if m.get("type") == "reply"}
    errors = [m for m in msgs if m.get("type") == "error"]
    assert replies[1]["ok"] is True and replies[1]["counter"]["on_break"] is True
    assert "ticket" not in replies[1]
    assert replies[2]["ok"] is False and replies[2]["error"]["code"] == "counter_on_break"
    # malformed cmds: answered with the field named, whichever message carries it
    bad = {m["id"]: m["error"] for m in replies.values() if not m["ok"] and m["id"] != 2}
    bad_fields = sorted((e["code"], e.get("field")) for e in bad.values()) + \
        sorted((e["error"]["code"], e["error"].get("field")) for e in errors)
    assert bad_fields == sorted([("bad_request", "on"), ("bad_request", "on"),
                                 ("unknown_field", "services"), ("unknown_field", "on")]), \
        (bad, errors)
    assert replies[7]["ok"] is True and replies[7]["counter"]["on_break"] is False
    evs = events_of(msgs)
    assert [e["kind"] for e in evs] == ["counter.break", "counter.back"]
    assert [e["seq"] for e in evs] == [s0 + 1, s0 + 2]


def test_break_survives_restart_and_check(two_open):
    srv = two_open
    brk(srv, "ola", "c3", True)
    brk(srv, "ola", "c3", False)
    since = brk(srv, "kari", "c1", True)["counter"]["break_since"]
    before = srv.floor()
    srv.restart()
    after = srv.floor()
    c1 = counter_of(after, "c1")
    assert c1["open"] and c1["on_break"] is True and c1["break_since"] == since
    assert counter_of(after, "c3")["on_break"] is False
    assert service_of(after, "nav")["counters_open"] == 1
    assert service_of(after, "nav")["eta_s"] == service_of(before, "nav")["eta_s"]
    assert after["seq"] == before["seq"]
    expect_error(srv.post("/api/v1/counters/c1/call-next", token=srv.token("kari")), 409,
                 "counter_on_break")
    r = srv.cli("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok: journal seq 1 to" in r.stdout, r.stdout
    # a resume from before the break replays its events
    with srv.ws({"type": "hello", "since": before["seq"] - 3}) as c:
        assert c.recv()["type"] == "resume"
        evs = events_of(c.drain(quiet=0.3))
    assert [e["kind"] for e in evs] == ["counter.break", "counter.back", "counter.break"]
    assert [e["counter"] for e in evs] == ["c3", "c3", "c1"]


def test_break_is_no_open_time(make_server):
    """c1 open 09:00 to 10:00 with a break 09:10 to 09:30 and one from 09:50 to the
    close: 30 minutes open."""
    srv = make_server(test_clock=True)
    day = datetime.date.today() + datetime.timedelta(days=50)
    nine = local_ms(day, 9)
    for minute, op, body in [(0, "open", {"services": ["nav"]}), (10, "break", {"on": True}),
                             (30, "break", {"on": False}), (50, "break", {"on": True}),
                             (60, "close", None)]:
        set_clock(srv, nine + minute * 60000)
        srv.act("admin", "c1", op, body)
    set_clock(srv, nine + 120 * 60000)
    d = day.isoformat()
    s = srv.ok(srv.get(f"/api/v1/stats?from={d}&to={d}&group=counter",
                       token=srv.token("mona")))
    c1 = next(r for r in s["rows"] if r["counter"] == "c1")
    assert c1["open_s"] == 1800 and c1["busy_s"] == 0, c1


def test_phone_told_the_longer_wait(two_open):
    """A waiting visitor's phone hears of the break: the estimate grows, then shrinks back;
    a phone in a service the counter does not give hears nothing."""
    srv = two_open
    mine = srv.issue("nav")
    other = srv.issue("housing")
    with srv.ws({"type": "hello", "ticket": mine["id"]}) as phone, \
            srv.ws({"type": "hello", "ticket": other["id"]}) as housing:
        eta0 = phone.recv_until(lambda m: m.get("type") == "ticket")[-1]["ticket"]["eta_s"]
        h0 = housing.recv_until(lambda m: m.get("type") == "ticket")[-1]["ticket"]
        brk(srv, "kari", "c1", True)  # c1 gives reception and nav
        longer = phone.recv_until(lambda m: m.get("type") == "ticket")[-1]["ticket"]
        assert longer["eta_s"] > eta0 and longer["position"] == 4, (eta0, longer)
        brk(srv, "kari", "c1", False)
        back = phone.recv_until(lambda m: m.get("type") == "ticket")[-1]["ticket"]
        assert back["eta_s"] == eta0, (eta0, back)
        rest = housing.drain(quiet=0.3)
    assert [m for m in rest if m.get("type") == "ticket"] == [], (h0, rest)
