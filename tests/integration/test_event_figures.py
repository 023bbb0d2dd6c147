"""Events are self-describing: each event's "queues" are the figures of the services it
changed as they were right after that event, read from the event and not from the live
floor. The day rollover is where that shows: the command that finds a new day first
cancels the old day's tickets one by one, closes the counters and starts the day, and
each of those events must carry its own figures (a queue shrinking by one per cancel),
not the figures after the whole command. Driven through torgd's test clock."""

import datetime
import zoneinfo

import pytest

TZ = zoneinfo.ZoneInfo("Europe/Oslo")


@pytest.fixture
def clock_srv(make_server):
    """The default test floor with --test-clock."""
    return make_server(test_clock=True)


def local_ms(day, hour):
    t = datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)
    return int(t.timestamp() * 1000)


def set_clock(srv, ms):
    return srv.ok(srv.post(f"/api/v1/test/clock?ms={ms}", token=srv.token("admin")))


def figures(ev):
    return {q["service"]: (q["waiting"], q["counters_open"]) for q in ev["queues"]}


def test_day_rollover_events_carry_their_own_figures(clock_srv):
    srv = clock_srv
    day = datetime.date.today() + datetime.timedelta(days=40)
    set_clock(srv, local_ms(day, 9))
    services = [s["id"] for s in srv.floor()["services"]]
    a, b = services[0], services[1]
    counter = next(c["id"] for c in srv.floor()["counters"]
                   if a in c["gives"] and b in c["gives"])
    srv.open_counter("admin", counter, [a, b])
    for s in (a, a, b):
        srv.issue(s)
    with srv.ws({"type": "hello"}) as ws:
        snap = ws.recv_until(lambda m: m.get("type") == "snapshot")[-1]
        waiting = {s["id"]: s["waiting"] for s in snap["services"]}
        assert waiting[a] == 2 and waiting[b] == 1
        # the next day: the issue's command (or the engine's tick) rolls the day over
        set_clock(srv, local_ms(day + datetime.timedelta(days=1), 9))
        srv.issue(a)
        evs = []
        while not evs or evs[-1]["kind"] != "ticket.issued":
            evs.append(ws.recv_until(lambda m: m.get("type") == "event")[-1])
    kinds = [e["kind"] for e in evs]
    assert kinds == ["ticket.cancelled"] * 3 + ["counter.closed", "floor.day",
                                                 "ticket.issued"], kinds
    cancels = evs[:3]
    assert all(e["reason"] == "day_end" for e in cancels)
    # each cancel sees its own service's queue one shorter than before it
    left = {a: 2, b: 1}
    for e in cancels:
        s = e["ticket"]["service"]
        left[s] -= 1
        assert figures(e) == {s: (left[s], 1)}, e
    assert left == {a: 0, b: 0}
    # the counter closes: both its services, empty, no counter open
    assert figures(evs[3]) == {a: (0, 0), b: (0, 0)}, evs[3]
    assert evs[4]["queues"] == [] and evs[4]["day"] == str(day + datetime.timedelta(days=1))
    # the issue sees only itself
    assert figures(evs[5]) == {a: (1, 0)}, evs[5]
    assert evs[5]["queues"][0]["longest_wait_s"] == 0
