"""Durability: a `kill -9` in the middle of a burst of concurrent ticket operations loses
no acknowledged ticket and never reuses a number; a graceful restart keeps sessions,
numbering, counters and the event sequence."""

import threading
import time

from torgtest import HTTP_TIMEOUT, WsClosed, events_of, issue_burst as burst


def read_all(c):
    """Every message the client had received before its connection died."""
    out = []
    while True:
        try:
            out.append(c.recv(0.5))
        except (TimeoutError, WsClosed):
            return out


def test_kill9_mid_burst_loses_no_acknowledged_ticket(srv):
    # Some state that must survive as well: an open counter with a called ticket.
    srv.issue("nav")
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    watcher = srv.ws({"type": "hello"})
    watcher.recv()

    stop = threading.Event()
    acked, failures = [], []
    threads = [threading.Thread(target=burst, args=(srv, svc, stop, acked, failures))
               for svc in (["nav"], ["housing"], ["social", "reception"], ["nav", "housing"])]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 150 and time.monotonic() < deadline and not failures:
        time.sleep(0.01)
    srv.kill9()
    stop.set()
    for t in threads:
        t.join(HTTP_TIMEOUT + 5)
    assert not failures, failures
    assert len(acked) >= 20, f"only {len(acked)} tickets acknowledged before the kill"
    told = [m["seq"] for m in events_of(read_all(watcher))]
    watcher.close()

    srv.start()
    for tid, number, service in acked:
        srv.secrets.add(tid)
        t = srv.ticket(tid)
        assert (t["number"], t["service"], t["state"]) == (number, service, "waiting"), t

    numbers = {n for _, n, _ in acked}
    assert len(numbers) == len(acked), "a number was acknowledged twice"
    # Nothing a client was told is un-told: the sequence is at least what was pushed.
    if told:
        assert srv.healthz()["seq"] >= max(told)
    for service, prefix in (("reception", "A"), ("nav", "B"), ("housing", "C"),
                            ("social", "D")):
        seen = [int(n[1:]) for _, n, s in acked if s == service]
        new = srv.issue(service)["number"]
        assert new[0] == prefix and new not in numbers
        if seen:
            assert int(new[1:]) > max(seen), (service, new, max(seen))
    c1 = next(c for c in srv.floor()["counters"] if c["id"] == "c1")
    assert c1["open"] and c1["current"]["number"] == "B001"
    # The counter carries on where it was.
    assert srv.act("kari", "c1", "start")["ticket"]["state"] == "serving"


def test_restart_keeps_sessions_numbering_and_sequence(srv):
    tok = srv.login("ola")
    a = srv.issue("reception")
    srv.issue("reception")
    srv.open_counter("ola", "c3")
    srv.act("ola", "c3", "call-next", status=204)  # c3 gives no reception: none waits
    srv.issue("nav")
    srv.act("ola", "c3", "call-next")
    before = srv.summary()
    d = srv.ws({"type": "hello"})
    seen = d.recv()["seq"]
    d.close()

    srv.restart()

    assert srv.summary() == before
    me = srv.ok(srv.get("/api/v1/me", token=tok))
    assert me["user"]["name"] == "ola", "a session must survive a restart"
    assert srv.issue("reception")["number"] == "A003"
    assert srv.ticket(a["id"])["number"] == "A001"
    # A client that saw `seen` resumes without a gap: exactly the one new event.
    c = srv.ws({"type": "hello", "since": seen})
    head = c.recv()
    if head["type"] == "resume":
        evs = events_of(c.recv_until(lambda m: m.get("seq") == seen + 1))
        assert [e["seq"] for e in evs] == [seen + 1]
        assert evs[0]["kind"] == "ticket.issued" and evs[0]["ticket"]["number"] == "A003"
    else:
        assert head["type"] == "snapshot" and head["seq"] == seen + 1
    c.close()
    r = srv.post("/api/v1/counters/c3/start", token=tok)
    assert r.status_code == 200 and r.json()["ticket"]["number"] == "B001", r.text
