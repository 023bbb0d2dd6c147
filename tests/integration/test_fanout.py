"""Fan-out: each event is encoded once whatever the number of sessions, a burst reaches
a session in few frames, and a session that stops reading is cut off (4001) instead of
making the server buffer without bound."""
import concurrent.futures
import json
import socket
import base64
import os
import time

from torgtest import assert_consecutive, events_of


def test_each_event_is_encoded_once_for_many_sessions(srv):
    sessions = [srv.ws({"type": "hello"}) for _ in range(40)]
    seqs = [s.recv()["seq"] for s in sessions]
    before = srv.metric("torg_events_encoded_total")
    n = 15
    for _ in range(n):
        srv.issue("nav")
    for s, seq in zip(sessions, seqs):
        evs = events_of(s.recv_until(lambda m: m.get("seq") == seq + n))
        assert_consecutive(evs, first=seq + 1)
        assert len(evs) == n
        s.close()
    assert srv.metric("torg_events_encoded_total") - before == n


def test_a_burst_arrives_in_fewer_frames_than_events(srv):
    watcher = srv.ws({"type": "hello"})
    start = watcher.recv()["seq"]
    n = 400
    # Many concurrent issuers: the store commits them in groups, and each group goes
    # out to the watcher as one frame.
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: srv.issue(("nav", "housing", "social", "reception")[i % 4]),
                      range(n)))
    evs = events_of(watcher.recv_until(lambda m: m.get("seq") == start + n, timeout=30))
    assert_consecutive(evs, first=start + 1)
    assert watcher.batches >= 1, "no batch frame at all"
    assert watcher.frames < n, (watcher.frames, n)
    watcher.close()


def raw_ws(port, rcvbuf=4096):
    """A WebSocket that says hello and then never reads, with a small receive buffer."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: torg.v1\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    payload = json.dumps({"type": "hello"}).encode()
    mask = os.urandom(4)
    frame = bytes([0x81, 0x80 | len(payload)]) + mask + bytes(
        b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(frame)
    return s


def test_a_session_that_stops_reading_is_closed_not_buffered(srv):
    start = srv.seq()
    stuck = raw_ws(srv.port)
    n = 6000  # more than the 4,096 unsent events a session may lag
    services = ("nav", "housing", "social", "reception")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: srv.issue(services[i % 4]), range(n)))
    deadline = time.monotonic() + 10
    while srv.metric("torg_ws_lagging_closed_total") < 1:
        assert time.monotonic() < deadline, "the stuck session was never closed"
        time.sleep(0.2)
    # The server dropped it: reading now ends (after what the kernel held).
    stuck.settimeout(10)
    got = 0
    while True:
        chunk = stuck.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    stuck.close()
    assert got < n * 200, f"the server kept sending to a reader that lagged: {got} bytes"
    assert srv.metric("torg_ws_sessions") == 0
    # Coming back with since, a client gets exactly what it missed, in few frames.
    with srv.ws({"type": "hello", "since": start}) as again:
        assert again.recv()["type"] == "resume"
        evs = events_of(again.recv_until(lambda m: m.get("seq") == start + n, timeout=60))
        assert_consecutive(evs, first=start + 1)
        assert again.frames < n / 10, again.frames


def test_displays_connecting_together_share_one_snapshot(srv):
    """Screens that say hello in the same moment get the snapshot encoded once (the
    same text, the same server_time); one after an event gets the new state, never a
    stale copy."""
    srv.issue("nav")
    before = srv.metric("torg_snapshots_reused_total")
    displays = [srv.ws() for _ in range(12)]
    for d in displays:
        d.send({"type": "hello", "display": "hall"})
    snaps = [d.recv() for d in displays]
    assert all(s["type"] == "snapshot" for s in snaps)
    assert srv.metric("torg_snapshots_reused_total") - before >= 1
    first = snaps[0]
    same = [s for s in snaps if s["server_time"] == first["server_time"]]
    assert len(same) >= 2 and all(s == first for s in same)
    srv.issue("nav")
    late = srv.ws({"type": "hello", "display": "hall"}).recv()
    assert late["seq"] == first["seq"] + 1
    nav = lambda s: next(x for x in s["services"] if x["id"] == "nav")
    assert len(nav(late)["queue"]) == len(nav(first)["queue"]) + 1
    # another display's services are its own snapshot, not the hall's
    other = srv.ws({"type": "hello", "services": ["housing"]}).recv()
    assert [x["id"] for x in other["services"]] == ["housing"]
    for d in displays:
        d.close()
