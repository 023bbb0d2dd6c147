"""A phone watching its ticket (hello with only `ticket`) is told about it exactly when
what it shows changes: state, position, estimate, counter, service or leg. An event
that leaves all of that as it was (a ticket issued behind it in its queue, anything in
another service) sends it nothing. Several phones on one ticket each get every status;
a transfer moves the watch to the new service; the day's end tells "cancelled" and ends
the watch; a phone that does not read holds only the newest status."""

import datetime
import json
import socket
import threading
import time

import requests

from torgtest import raw_ws, ws_frame, ws_read_frames

# The fields of a phone's ticket status, in the order they are sent.
STATUS_KEYS = ["number", "service", "state", "leg", "position", "eta_s", "counter"]
QUIET = 0.5  # seconds without a message that count as "nothing was sent"


def shown(view):
    """What a phone shows of a ticket: the status fields of a holder's view (GET
    /api/v1/tickets/{id}) or of a ticket message."""
    return {k: view[k] for k in STATUS_KEYS}


def phone(srv, ticket):
    """A phone on ticket, after its first status (returned)."""
    p = srv.ws({"type": "hello", "ticket": ticket["id"]})
    first = p.recv()
    assert first["type"] == "ticket", first
    return p, first


def expect_status(srv, p, ticket):
    """Asserts exactly one status arrives, that it shows the ticket as it is now and
    carries the seq of the change; returns it."""
    m = p.recv()
    more = p.drain(quiet=QUIET)
    assert more == [], f"expected one status, got {[m] + more}"
    assert m["type"] == "ticket" and list(m) == ["type", "seq", "ticket"], m
    assert list(m["ticket"]) == STATUS_KEYS, m
    assert m["ticket"] == shown(srv.ticket(ticket["id"])), m
    assert m["seq"] == srv.seq(), m
    return m


def expect_nothing(p):
    """Asserts no message arrives (for QUIET seconds)."""
    msgs = p.drain(quiet=QUIET)
    assert msgs == [], f"expected no message, got {msgs}"


def test_status_exactly_when_what_it_shows_changes(srv):
    srv.issue("nav")  # the one ahead
    mine = srv.issue("nav")
    p, first = phone(srv, mine)
    assert first["ticket"] == shown(srv.ticket(mine["id"]))
    assert first["ticket"]["position"] == 2 and first["ticket"]["eta_s"] == -1
    # A counter opens for nav: the estimate becomes known.
    srv.open_counter("kari", "c1", ["nav"])
    m = expect_status(srv, p, mine)
    assert m["ticket"]["position"] == 2 and m["ticket"]["eta_s"] > 0
    # A ticket issued behind it in its own service, with the same priority, goes after
    # it in the call order: its position (a rank of what goes before it) and estimate
    # (from the position, the open counters and the service's mean) stay the same.
    before = shown(srv.ticket(mine["id"]))
    srv.issue("nav")
    expect_nothing(p)
    assert shown(srv.ticket(mine["id"])) == before
    # Events of other services.
    srv.issue("housing")
    srv.open_counter("per", "c2")
    srv.act("per", "c2", "call-next")
    srv.act("per", "c2", "no-show")
    expect_nothing(p)
    assert shown(srv.ticket(mine["id"])) == before
    # The one ahead is called: it moves up.
    srv.act("kari", "c1", "call-next")
    m = expect_status(srv, p, mine)
    assert m["ticket"]["position"] == 1
    # The one ahead not showing up is its own change, not this phone's.
    srv.act("kari", "c1", "no-show")
    expect_nothing(p)
    # Called, then served, then done: each a status with the counter.
    assert srv.act("kari", "c1", "call-next")["ticket"]["number"] == mine["number"]
    m = expect_status(srv, p, mine)
    assert m["ticket"]["state"] == "called" and m["ticket"]["counter"] == "c1"
    assert m["ticket"]["position"] == 0 and m["ticket"]["eta_s"] == -1
    srv.act("kari", "c1", "start")
    assert expect_status(srv, p, mine)["ticket"]["state"] == "serving"
    srv.act("kari", "c1", "finish")
    m = expect_status(srv, p, mine)
    assert m["ticket"]["state"] == "done"
    # Finished is final: more events in its service tell it nothing.
    srv.issue("nav")
    srv.act("kari", "c1", "call-next")
    expect_nothing(p)
    p.close()


def test_a_ticket_put_ahead_moves_it(srv):
    mine = srv.issue("social")
    p, _ = phone(srv, mine)
    r = srv.post("/api/v1/tickets", {"service": "social", "priority": "accessibility"},
                 token=srv.token("ola"))
    assert r.status_code == 201, r.text
    assert expect_status(srv, p, mine)["ticket"]["position"] == 2
    # A normal ticket goes behind both.
    srv.issue("social")
    expect_nothing(p)
    p.close()


def test_several_phones_on_one_ticket_each_get_it(srv):
    srv.issue("nav")
    mine = srv.issue("nav")
    other = srv.issue("nav")
    phones = [phone(srv, mine)[0] for _ in range(3)]
    other_phone, _ = phone(srv, other)
    srv.open_counter("kari", "c1", ["nav"])
    srv.act("kari", "c1", "call-next")
    srv.act("kari", "c1", "no-show")
    srv.act("kari", "c1", "call-next")
    got = [p.drain(quiet=QUIET) for p in phones]
    assert got[0] == got[1] == got[2], got
    assert [m["ticket"]["state"] for m in got[0]] == ["waiting", "waiting", "called"], got[0]
    assert [m["ticket"]["position"] for m in got[0]] == [2, 1, 0], got[0]
    # One of them leaving does not stop the others.
    phones[0].close()
    srv.act("kari", "c1", "start")
    for p in phones[1:]:
        assert expect_status(srv, p, mine)["ticket"]["state"] == "serving"
        p.close()
    # The other ticket's phone saw only its own ticket.
    msgs = other_phone.drain(quiet=QUIET)
    assert msgs and all(m["ticket"]["number"] == other["number"] for m in msgs), msgs
    other_phone.close()


def test_a_transfer_moves_the_watch(srv):
    mine = srv.issue("nav")
    before = srv.issue("housing")
    p, _ = phone(srv, mine)
    srv.open_counter("kari", "c1", ["nav"])
    expect_status(srv, p, mine)  # the estimate
    srv.act("kari", "c1", "call-next")
    expect_status(srv, p, mine)
    srv.act("kari", "c1", "transfer", {"service": "housing", "position": "back"})
    m = expect_status(srv, p, mine)
    assert m["ticket"]["service"] == "housing" and m["ticket"]["leg"] == 2
    assert m["ticket"]["state"] == "waiting" and m["ticket"]["position"] == 2
    assert m["ticket"]["counter"] is None and m["ticket"]["number"] == mine["number"]
    # Nav's events no longer concern it; housing's do.
    srv.issue("nav")
    expect_nothing(p)
    srv.open_counter("per", "c2")
    assert expect_status(srv, p, mine)["ticket"]["eta_s"] > 0
    assert srv.act("per", "c2", "call-next")["ticket"]["number"] == before["number"]
    assert expect_status(srv, p, mine)["ticket"]["position"] == 1
    srv.act("per", "c2", "no-show")
    srv.act("per", "c2", "call-next")
    m = expect_status(srv, p, mine)
    assert m["ticket"]["state"] == "called" and m["ticket"]["counter"] == "c2"
    p.close()


def test_the_day_end_tells_cancelled_and_ends_the_watch(make_server):
    srv = make_server(test_clock=True)
    mine = srv.issue("nav")
    other = srv.issue("housing")
    p, _ = phone(srv, mine)
    q, _ = phone(srv, other)
    seq = srv.seq()
    # The floor's clock jumps to a later day: its next tick rolls the day over.
    later = datetime.datetime.now() + datetime.timedelta(days=3)
    ms = int(later.replace(hour=9).timestamp() * 1000)
    srv.ok(srv.post(f"/api/v1/test/clock?ms={ms}", token=srv.token("admin")))
    for c in (p, q):
        m = c.recv(timeout=5)
        assert m["type"] == "ticket" and m["ticket"] == {"state": "cancelled"}, m
        assert m["seq"] > seq
    day_seq = srv.seq()
    assert m["seq"] == day_seq
    # The watch ended: a new day's events, even in its service, tell it nothing.
    srv.issue("nav")
    srv.open_counter("kari", "c1", ["nav"])
    srv.act("kari", "c1", "call-next")
    for c in (p, q):
        assert c.drain(quiet=QUIET) == []
        c.close()
    assert srv.seq() > day_seq


def test_a_phone_that_does_not_read_holds_the_newest_status(srv):
    """Every ticket put ahead of it moves it; while it does not read, its unread status
    is replaced by the newer one, so when it reads it gets fewer statuses than moves,
    in order, the last one showing the ticket now."""
    mine = srv.issue("social")
    s, status = raw_ws(srv.port, rcvbuf=2048)
    assert status == 101
    s.sendall(ws_frame(json.dumps({"type": "hello", "ticket": mine["id"]})))
    token = srv.token("ola")
    moves = 400

    def put_ahead(k):
        http = requests.Session()
        for _ in range(k):
            r = http.post(srv.base + "/api/v1/tickets",
                          json={"service": "social", "priority": "accessibility"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=15)
            assert r.status_code == 201, r.text
    threads = [threading.Thread(target=put_ahead, args=(moves // 4,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    now = shown(srv.ticket(mine["id"]))
    assert now["position"] == moves + 1
    # Read until the status of now arrives (what was held comes last).
    data, msgs, end = b"", [], time.monotonic() + 10
    s.settimeout(0.3)
    while time.monotonic() < end and not (msgs and msgs[-1]["ticket"] == now):
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
        msgs = [json.loads(p) for op, p in ws_read_frames(data) if op == 1]
    s.close()
    assert all(m["type"] == "ticket" for m in msgs), msgs[:3]
    assert msgs[-1]["ticket"] == now, msgs[-1]
    assert len(msgs) < moves, f"{len(msgs)} statuses for {moves} moves: none was replaced"
    seqs = [m["seq"] for m in msgs]
    positions = [m["ticket"]["position"] for m in msgs]
    assert seqs == sorted(set(seqs)) and positions == sorted(set(positions)), positions
