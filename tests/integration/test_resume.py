"""Reconnecting with `since`: exactly the missed events, no repeats, no gaps; a snapshot
when `since` is ahead of the server; batches of events in one frame."""

import threading

from torgtest import assert_consecutive, events_of


def test_resume_gets_exactly_the_missed_events(srv):
    c = srv.ws({"type": "hello"})
    seen = c.recv()["seq"]
    srv.issue("nav")
    seen = c.recv_event("ticket.issued")["seq"]
    c.close()

    # Missed while away: five issues, an open, a call.
    for s in ("nav", "housing", "nav", "social", "reception"):
        srv.issue(s)
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    now = srv.seq()
    assert now == seen + 7

    c = srv.ws({"type": "hello", "since": seen})
    head = c.recv()
    assert (head["type"], head["since"], head["seq"]) == ("resume", seen, now), head
    missed = events_of(c.recv_until(lambda m: m.get("seq") == now))
    assert_consecutive(missed, first=seen + 1)
    assert len(missed) == 7
    assert [e["kind"] for e in missed][-2:] == ["counter.opened", "ticket.called"]
    assert c.drain(quiet=0.4) == [], "nothing more until something happens"

    # Then live events continue right after.
    srv.issue("housing")
    live = c.recv()
    assert live["type"] == "event" and live["seq"] == now + 1
    c.close()


def test_resume_when_up_to_date(srv):
    srv.issue("nav")
    now = srv.seq()
    c = srv.ws({"type": "hello", "since": now})
    head = c.recv()
    assert head["type"] == "resume" and head["since"] == now and head["seq"] == now
    assert c.drain(quiet=0.4) == []
    c.close()


def test_since_ahead_gets_snapshot(srv):
    srv.issue("nav")
    now = srv.seq()
    c = srv.ws({"type": "hello", "since": now + 1000})
    head = c.recv()
    assert head["type"] == "snapshot" and head["seq"] == now
    nav = next(s for s in head["services"] if s["id"] == "nav")
    assert nav["waiting"] == 1
    srv.issue("nav")
    ev = c.recv()
    assert ev["type"] == "event" and ev["seq"] == now + 1
    c.close()


def test_since_zero_gives_the_whole_day_or_a_snapshot(srv):
    for _ in range(3):
        srv.issue("reception")
    now = srv.seq()
    c = srv.ws({"type": "hello", "since": 0})
    head = c.recv()
    if head["type"] == "resume":
        evs = events_of(c.recv_until(lambda m: m.get("seq") == now))
        assert_consecutive(evs, first=1)
        assert [e["ticket"]["number"] for e in evs if e["kind"] == "ticket.issued"] == [
            "A001", "A002", "A003"]
    else:
        assert head["type"] == "snapshot" and head["seq"] == now
    c.close()


def test_burst_in_batches_has_no_gaps(srv):
    """Eight threads issue 25 tickets each while a display does not read; then it reads
    everything: the events may arrive in batch frames and must be complete and ordered."""
    d = srv.ws({"type": "hello"})
    s0 = d.recv()["seq"]
    errors = []

    def issue_many(service):
        try:
            for _ in range(25):
                srv.issue(service)
        except Exception as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=issue_many, args=(s,))
               for s in ("nav", "housing", "social", "reception") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    now = srv.seq()
    assert now == s0 + 200
    evs = events_of(d.recv_until(lambda m: m.get("seq") == now, timeout=30))
    assert_consecutive(evs, first=s0 + 1)
    assert d.drain(quiet=0.3) == []
    numbers = [e["ticket"]["number"] for e in evs]
    assert len(set(numbers)) == 200
    for prefix in "ABCD":
        mine = [n for n in numbers if n[0] == prefix]
        assert mine == [f"{prefix}{i:03d}" for i in range(1, 51)], mine
    # The last event of each service carries the final queue length.
    last = {}
    for e in evs:
        for q in e["queues"]:
            last[q["service"]] = q["waiting"]
    assert last == {"nav": 50, "housing": 50, "social": 50, "reception": 50}
    d.close()


def test_resume_across_batches_after_a_burst(srv):
    d = srv.ws({"type": "hello"})
    s0 = d.recv()["seq"]
    d.close()
    for _ in range(60):
        srv.issue("nav")
    c = srv.ws({"type": "hello", "since": s0 + 10})
    head = c.recv()
    assert head["type"] == "resume" and head["seq"] == s0 + 60
    evs = events_of(c.recv_until(lambda m: m.get("seq") == s0 + 60))
    assert_consecutive(evs, first=s0 + 11)
    assert evs[0]["ticket"]["number"] == "B011"
    c.close()
