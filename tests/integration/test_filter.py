"""Sessions with a filter (hello `services` or a `display` of some services): they get only
their services' events plus counter and day events, and a `skip` right before any event
that does not follow what they were told, so a filtered-out event is never mistaken for a
lost one (PROTOCOL.md, "skip"). Unfiltered sessions never see a skip, and a filtered
resume after a restart filters exactly as before it."""

from torgtest import concerns, events_of, follow_stream as follow

UPSTAIRS = {"housing", "social"}  # the "upstairs" display of torgtest.BASE_CONFIG


def test_filtered_display_sees_its_call_without_a_gap(srv):
    with srv.ws({"type": "hello", "display": "upstairs"}) as d, srv.ws({"type": "hello"}) as a:
        told = d.recv()["seq"]
        assert a.recv()["type"] == "snapshot"
        # Ten events the display does not show, then one it does.
        for _ in range(5):
            srv.issue("nav")
        srv.open_counter("kari", "c1")
        for _ in range(4):
            srv.act("kari", "c1", "call-next")
            srv.act("kari", "c1", "no-show")
        h = srv.issue("housing")
        msgs = d.recv_until(lambda m: m.get("type") == "event" and m["kind"] == "ticket.issued")
        evs, told = follow(msgs, told)
        assert [e["kind"] for e in evs] == ["counter.opened", "ticket.issued"], evs
        assert evs[-1]["ticket"]["number"] == h["number"]
        skips = [m for m in msgs if m["type"] == "skip"]
        assert skips and skips[-1]["seq"] == evs[-1]["seq"] - 1, msgs

        # A call to the display's service reaches it, and the session stays up.
        srv.open_counter("per", "c2")
        srv.act("per", "c2", "call-next")
        msgs = d.recv_until(lambda m: m.get("type") == "event" and m["kind"] == "ticket.called")
        evs, told = follow(msgs, told)
        assert evs[-1]["ticket"]["number"] == h["number"] and evs[-1]["counter"] == "c2"

        # The unfiltered session got everything in order and never a skip.
        everything = a.drain(quiet=0.5)
        assert not [m for m in everything if m.get("type") == "skip"], everything
        all_evs = events_of(everything)
        seqs = [e["seq"] for e in all_evs]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
        assert all_evs[-1]["seq"] == told
        # The filtered session got exactly the events that concern it.
        want = [e["seq"] for e in all_evs if concerns(e, UPSTAIRS)]
        got_all = events_of(msgs)
        assert [e["seq"] for e in got_all][-1] == want[-1]


def test_services_filter_skips_and_nothing_is_written_for_other_services(srv):
    with srv.ws({"type": "hello", "services": ["social"]}) as c:
        told = c.recv()["seq"]
        for _ in range(20):
            srv.issue("nav")
        # Nothing at all reaches the session while nothing concerns it (a skip never
        # arrives on its own).
        assert c.drain(quiet=0.5) == []
        srv.issue("social")
        evs, told = follow(c.recv_until(lambda m: m.get("type") == "event"), told)
        assert len(evs) == 1 and evs[0]["ticket"]["service"] == "social"
        assert told == srv.seq()


def test_filtered_resume_skips_and_filters(srv):
    with srv.ws({"type": "hello", "services": ["housing"]}) as c:
        since = c.recv()["seq"]
    srv.issue("nav")
    srv.issue("housing")
    srv.issue("nav")
    srv.issue("housing")
    srv.issue("nav")
    now = srv.seq()
    with srv.ws({"type": "hello", "services": ["housing"], "since": since}) as c:
        head = c.recv()
        assert (head["type"], head["since"], head["seq"]) == ("resume", since, now)
        msgs = c.recv_until(lambda m: m.get("type") == "event" and m["seq"] == now - 1)
        evs, told = follow(msgs, since)
        assert [e["ticket"]["service"] for e in evs] == ["housing", "housing"]
        assert c.drain(quiet=0.4) == [], "the trailing nav event is not sent, nor a skip"


def test_filtered_resume_after_restart_filters_as_before(srv):
    with srv.ws({"type": "hello", "display": "upstairs"}) as d:
        since = d.recv()["seq"]
    for s in ("nav", "housing", "reception", "social", "nav"):
        srv.issue(s)
    now = srv.seq()
    srv.restart()
    with srv.ws({"type": "hello", "display": "upstairs", "since": since}) as d:
        head = d.recv()
        assert (head["type"], head["since"], head["seq"]) == ("resume", since, now)
        msgs = d.recv_until(lambda m: m.get("type") == "event" and m["seq"] >= now - 1)
        evs, _ = follow(msgs, since)
        assert [e["ticket"]["service"] for e in evs] == ["housing", "social"], evs
        assert d.drain(quiet=0.4) == []
