"""The whole visit as a visitor, counter staff and a wall display see it: issue, open,
call, start, transfer to another service (front and back of its queue), call at the
other counter, finish; the phone's view of states and legs; recall, no-show, leaving
the queue, calling a chosen number, closing a counter."""

from torgtest import (ISO_UTC, TICKET_ID, assert_consecutive, events_of, expect_error)


def test_ticket_numbers_and_fields(srv):
    t1 = srv.issue("nav", lang="en")
    t2 = srv.issue("nav")
    a1 = srv.issue("reception")
    assert TICKET_ID.match(t1["id"]) and t1["id"] != t2["id"]
    assert (t1["number"], t2["number"], a1["number"]) == ("B001", "B002", "A001")
    assert t1["service"] == "nav" and t1["state"] == "waiting"
    assert (t1["position"], t2["position"]) == (1, 2)
    # No counter is open for nav yet: no estimate (-1) is as right as a guess.
    assert isinstance(t1["eta_s"], int) and t1["eta_s"] >= -1
    assert t1["priority"] == "normal" and t1["leg"] == 1 and t1["counter"] is None
    assert t1["lang"] == "en"
    assert ISO_UTC.match(t1["issued_at"]), t1["issued_at"]
    assert t1["url"].split("?")[0] == f"/t/{t1['id']}"
    f = srv.floor()
    nav = next(s for s in f["services"] if s["id"] == "nav")
    assert nav["waiting"] == 2 and nav["prefix"] == "B"
    assert [q["number"] for q in nav["queue"]] == ["B001", "B002"]
    assert all(set(q) <= {"number", "priority", "queued_at"} for q in nav["queue"])
    assert f["seq"] == srv.healthz()["seq"]
    srv.open_counter("kari", "c1")
    t3 = srv.issue("nav")
    assert t3["position"] == 3 and t3["eta_s"] > 0, t3


def test_first_day_then_the_ticket(make_server):
    """On a new database the floor's day may open with a floor.day event (at start-up
    or with the first command); then the first ticket; nothing else."""
    srv = make_server(users={})
    with srv.ws({"type": "hello"}) as first:
        day = first.recv()["day"]
    t = srv.issue("nav")
    c = srv.ws({"type": "hello", "since": 0})
    head = c.recv()
    assert (head["type"], head["since"]) == ("resume", 0), head
    evs = events_of(c.recv_until(lambda m: m.get("kind") == "ticket.issued"))
    c.close()
    assert_consecutive(evs, first=1)
    assert [e["kind"] for e in evs] in (["ticket.issued"], ["floor.day", "ticket.issued"])
    if evs[0]["kind"] == "floor.day":
        assert evs[0]["day"] == day and evs[0]["queues"] == []
    assert evs[-1]["ticket"]["number"] == t["number"] == "B001"
    assert head["seq"] == evs[-1]["seq"]


def test_snapshot_shape(srv):
    with srv.ws({"type": "hello", "display": "upstairs"}) as d:
        assert d.subprotocol == "torg.v1"
        snap = d.recv()
    assert snap["type"] == "snapshot" and snap["protocol"] == "torg.v1"
    assert snap["floor"]["id"] == "testtorg" and snap["floor"]["timezone"] == "Europe/Oslo"
    assert snap["display"]["id"] == "upstairs"
    assert snap["display"]["services"] == ["housing", "social"]
    # two languages and no look configured: the default mode, no logo, no colours
    assert snap["display"]["language_mode"] == "second_line"
    assert "logo" not in snap["display"] and "colors" not in snap["display"]
    assert {s["id"] for s in snap["services"]} >= {"housing", "social"}
    assert {c["id"] for c in snap["counters"]} >= {"c2", "c3", "r1"}
    gives = {c["id"]: c["gives"] for c in snap["counters"]}
    assert gives["c3"] == ["nav", "housing", "social"] and gives["r1"] == ["social"], gives
    assert all(s["open"] for s in snap["services"]), "hours \"always\" but a service is closed"
    assert snap["calls"] == []
    assert ISO_UTC.match(snap["server_time"])


def test_full_visit_with_transfer_front(srv):
    display = srv.ws({"type": "hello", "display": "hall"})
    snap = display.recv()
    assert snap["type"] == "snapshot"
    s0 = snap["seq"]
    seen = []

    def until(kind):
        seen.extend(display.recv_until(lambda m: m.get("kind") == kind))
        return seen[-1]

    waiting_housing = srv.issue("housing")  # C001, already waiting when B001 comes
    visitor = srv.issue("nav")  # B001
    assert visitor["number"] == "B001"

    c1 = srv.open_counter("kari", "c1")["counter"]
    assert c1["id"] == "c1" and c1["open"] and sorted(c1["services"]) == ["nav", "reception"]
    assert c1["current"] is None

    r = srv.act("kari", "c1", "call-next")
    assert r["ticket"]["number"] == "B001" and r["ticket"]["state"] == "called"
    assert "id" not in r["ticket"], "staff must never see a ticket's id"
    assert r["counter"]["current"]["number"] == "B001"
    assert r["counter"]["current"]["state"] == "called"

    called = until("ticket.called")
    assert called["ticket"]["number"] == "B001" and called["counter"] == "c1"
    assert "id" not in called["ticket"]

    phone = srv.ticket(visitor["id"])
    assert phone["state"] == "called" and phone["counter"] == "c1"
    assert phone["position"] == 0 and phone["eta_s"] == -1

    r = srv.act("kari", "c1", "start")
    assert r["ticket"]["state"] == "serving"
    assert srv.ticket(visitor["id"])["state"] == "serving"

    r = srv.act("kari", "c1", "transfer", {"service": "housing", "position": "front"})
    assert r["ticket"]["number"] == "B001" and r["ticket"]["service"] == "housing"
    assert r["ticket"]["state"] == "waiting" and r["ticket"]["leg"] == 2
    assert r["counter"]["current"] is None, "the counter is free after a transfer"

    tr = until("ticket.transferred")
    assert (tr["from"], tr["to"], tr["position"], tr["counter"]) == ("nav", "housing",
                                                                   "front", "c1")
    assert tr["ticket"]["number"] == "B001" and tr["ticket"]["leg"] == 2
    housing_q = next(q for q in tr["queues"] if q["service"] == "housing")
    assert housing_q["waiting"] == 2

    phone = srv.ticket(visitor["id"])
    assert phone["state"] == "waiting" and phone["service"] == "housing"
    assert phone["position"] == 1, "front of the housing queue, before C001"
    assert phone["number"] == "B001"

    srv.open_counter("ola", "c2")
    r = srv.act("ola", "c2", "call-next")
    assert r["ticket"]["number"] == "B001", "transfer to the front must be called first"
    srv.act("ola", "c2", "start")
    r = srv.act("ola", "c2", "finish")
    assert r["ticket"]["state"] == "done"
    assert r["counter"]["current"] is None

    phone = srv.ticket(visitor["id"])
    assert phone["state"] == "done" and phone["leg"] == 2
    legs = phone["legs"]
    assert [g["service"] for g in legs] == ["nav", "housing"]
    assert legs[0]["outcome"] == "transferred" and legs[1]["outcome"] == "done"
    for g in legs:
        for k in ("queued_at", "called_at", "started_at", "ended_at"):
            assert ISO_UTC.match(g[k]), (k, g)
        assert isinstance(g["wait_s"], int) and g["wait_s"] >= 0

    # C001 is still waiting: it kept its place behind the transferred visitor.
    assert srv.ticket(waiting_housing["id"])["state"] == "waiting"

    until("ticket.done")
    display.close()
    evs = events_of(seen)
    assert [e["kind"] for e in evs] == [
        "ticket.issued", "ticket.issued", "counter.opened", "ticket.called",
        "ticket.serving", "ticket.transferred", "counter.opened", "ticket.called",
        "ticket.serving", "ticket.done"]
    assert_consecutive(evs, first=s0 + 1)
    assert all("id" not in e.get("ticket", {}) for e in evs)
    assert srv.seq() == s0 + 10


def test_display_stream_is_complete_and_ordered(srv):
    display = srv.ws({"type": "hello"})
    s0 = display.recv()["seq"]
    t = srv.issue("nav")
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    srv.act("kari", "c1", "recall")
    srv.act("kari", "c1", "start")
    srv.act("kari", "c1", "finish")
    srv.act("kari", "c1", "close")
    evs = events_of(display.recv_until(lambda m: m.get("kind") == "counter.closed"))
    assert [e["kind"] for e in evs] == [
        "ticket.issued", "counter.opened", "ticket.called", "ticket.recalled",
        "ticket.serving", "ticket.done", "counter.closed"]
    assert_consecutive(evs, first=s0 + 1)
    assert evs[-1]["reason"] == "staff" and evs[-1]["counter"] == "c1"
    assert evs[1]["services"] and set(evs[1]["services"]) == {"reception", "nav"}
    assert evs[0]["ticket"]["number"] == t["number"]
    for e in evs:
        assert ISO_UTC.match(e["at"]) and isinstance(e["queues"], list)
    assert display.drain(quiet=0.3) == []
    assert srv.seq() == evs[-1]["seq"]
    f = srv.floor()
    c1 = next(c for c in f["counters"] if c["id"] == "c1")
    assert c1["open"] is False and c1["current"] is None
    assert f["calls"][0]["number"] == "B001" and f["calls"][0]["counter"] == "c1"
    display.close()


def test_transfer_back_queues_behind(srv):
    first = srv.issue("housing")
    second = srv.issue("housing")
    v = srv.issue("nav")
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    srv.act("kari", "c1", "start")
    r = srv.act("kari", "c1", "transfer", {"service": "housing", "position": "back"})
    assert r["ticket"]["service"] == "housing"
    assert srv.ticket(v["id"])["position"] == 3
    srv.open_counter("ola", "c2")
    got = []
    for _ in range(3):
        got.append(srv.act("ola", "c2", "call-next")["ticket"]["number"])
        srv.act("ola", "c2", "no-show")
    assert got == [first["number"], second["number"], v["number"]]
    assert srv.act("ola", "c2", "call-next", status=204) is None


def test_phone_socket_follows_its_ticket(srv):
    other = srv.issue("nav")
    mine = srv.issue("nav")
    phone = srv.ws({"type": "hello", "ticket": mine["id"]})
    first = phone.recv_until(lambda m: m.get("type") == "ticket")[-1]
    assert first["ticket"]["number"] == mine["number"]
    assert first["ticket"]["state"] == "waiting" and first["ticket"]["position"] == 2
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")  # calls `other`: mine moves up to position 1
    msgs = phone.recv_until(lambda m: m.get("type") == "ticket"
                            and m["ticket"]["position"] == 1)
    srv.act("kari", "c1", "no-show")
    srv.issue("housing")  # nothing to do with this phone
    srv.act("kari", "c1", "call-next")  # calls mine
    msgs += phone.recv_until(lambda m: m.get("type") == "ticket"
                             and m["ticket"]["state"] == "called")
    assert msgs[-1]["ticket"]["counter"] == "c1"
    msgs += phone.drain(quiet=0.4)
    phone.close()
    for m in msgs:
        assert m["type"] in ("ticket", "snapshot", "resume"), m
        if m["type"] == "ticket":
            assert m["ticket"]["number"] == mine["number"], m
            assert "id" not in m["ticket"]
    assert other["number"] not in str([m for m in msgs if m["type"] == "ticket"])


def test_services_filter(srv):
    up = srv.ws({"type": "hello", "services": ["housing"]})
    up.recv()
    srv.issue("nav")
    c = srv.issue("housing")
    srv.open_counter("ola", "c2")
    evs = events_of(up.recv_until(lambda m: m.get("kind") == "counter.opened"))
    up.close()
    assert [e["kind"] for e in evs] == ["ticket.issued", "counter.opened"]
    assert evs[0]["ticket"]["number"] == c["number"]


def test_recall_no_show_and_leave(srv):
    a = srv.issue("reception")
    b = srv.issue("reception")
    c = srv.issue("reception")
    d = srv.ws({"type": "hello"})
    d.recv()
    srv.open_counter("kari", "c1")
    assert srv.act("kari", "c1", "call-next")["ticket"]["number"] == a["number"]
    r = srv.act("kari", "c1", "recall")
    assert r["ticket"]["state"] == "called"
    rec = d.recv_event("ticket.recalled")
    assert rec["counter"] == "c1" and rec["ticket"]["number"] == a["number"]
    assert srv.floor()["calls"][0]["recall"] is True
    r = srv.act("kari", "c1", "no-show")
    assert r["ticket"]["state"] == "no_show"
    assert srv.ticket(a["id"])["state"] == "no_show"
    ns = d.recv_event("ticket.no_show")
    assert ns["ticket"]["number"] == a["number"]

    # b leaves the queue from the phone; c is then next.
    r = srv.delete(f"/api/v1/tickets/{b['id']}")
    assert r.status_code == 200 and r.json()["ticket"]["state"] == "cancelled"
    ev = d.recv_event("ticket.cancelled")
    assert ev["reason"] == "visitor" and ev["ticket"]["number"] == b["number"]
    with srv.unchanged():
        expect_error(srv.delete(f"/api/v1/tickets/{b['id']}"), 409, "wrong_state")
    assert srv.act("kari", "c1", "call-next")["ticket"]["number"] == c["number"]

    # A called ticket can leave too; the counter is then free.
    r = srv.delete(f"/api/v1/tickets/{c['id']}")
    assert r.status_code == 200 and r.json()["ticket"]["state"] == "cancelled"
    ev = d.recv_event("ticket.cancelled")
    assert ev["counter"] == "c1"
    d.close()
    f = srv.floor()
    assert next(x for x in f["counters"] if x["id"] == "c1")["current"] is None


def test_call_chosen_number_and_finished_is_final(srv):
    b1 = srv.issue("nav")
    b2 = srv.issue("nav")
    srv.open_counter("admin", "c3")
    r = srv.act("admin", "c3", "call", {"number": b2["number"]})
    assert r["ticket"]["number"] == "B002"
    srv.act("admin", "c3", "start")
    srv.act("admin", "c3", "finish")
    with srv.unchanged():
        expect_error(srv.delete(f"/api/v1/tickets/{b2['id']}"), 409, "wrong_state")
    assert srv.ticket(b1["id"])["position"] == 1
    r = srv.act("admin", "c3", "call-next")
    assert r["ticket"]["number"] == "B001"


def test_priority_from_staff_goes_first(srv):
    srv.issue("social")
    r = srv.post("/api/v1/tickets", {"service": "social", "priority": "accessibility"},
                 token=srv.token("ola"))
    assert r.status_code == 201, r.text
    pri = r.json()["ticket"]
    assert pri["priority"] == "accessibility" and pri["position"] == 1
    srv.open_counter("ola", "r1")
    assert srv.act("ola", "r1", "call-next")["ticket"]["number"] == pri["number"]


def test_ws_commands(srv):
    tok = srv.token("kari")
    srv.issue("nav")
    c = srv.ws({"type": "hello", "token": tok})
    s0 = c.recv()["seq"]
    c.send({"type": "cmd", "id": 1, "op": "open", "counter": "c1", "services": ["nav"]})
    c.send({"type": "cmd", "id": 2, "op": "call_next", "counter": "c1"})
    c.send({"type": "cmd", "id": 3, "op": "call_next", "counter": "c1"})
    msgs = c.recv_until(lambda m: m.get("type") == "reply" and m["id"] == 3)
    msgs += c.drain(quiet=0.3)
    c.close()
    replies = {m["id"]: m for m in msgs if m.get("type") == "reply"}
    assert replies[1]["ok"] is True and replies[1]["counter"]["services"] == ["nav"]
    assert replies[2]["ok"] is True and replies[2]["ticket"]["number"] == "B001"
    assert replies[3]["ok"] is False and replies[3]["error"]["code"] == "counter_busy"
    evs = events_of(msgs)
    assert [e["kind"] for e in evs] == ["counter.opened", "ticket.called"]
    assert_consecutive(evs, first=s0 + 1)
    assert srv.seq() == s0 + 2
