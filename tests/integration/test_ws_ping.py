"""Quiet WebSocket sessions: torgd pings a session that has sent nothing for
server.ws_ping_s and closes one that has sent nothing, not even a pong, for
server.ws_idle_close_s (a peer gone without a FIN: a phone that walked out of the
building). A client that answers the pings stays, however long it is quiet itself. These
are torgd's own timers (api_ws.c), not lws's; the figures here are seconds of slack
around a one-second timer, not a measurement."""

import json
import socket
import time

from torgtest import config_with, raw_ws, ws_frame, ws_read_frames

PING_S, CLOSE_S = 1, 3


def read_until_closed(s, limit):
    """Reads a raw session's frames, answering nothing, until the server closes it or
    limit seconds pass; returns (the opcodes seen with their arrival times, whether it
    was closed, when)."""
    start = time.monotonic()
    data, seen, pos = b"", [], 0
    s.settimeout(0.2)
    while time.monotonic() - start < limit:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return seen, True, time.monotonic() - start
        if not chunk:
            return seen, True, time.monotonic() - start
        data += chunk
        frames = ws_read_frames(data)
        for op, _ in frames[pos:]:
            seen.append((op, time.monotonic() - start))
        pos = len(frames)
    return seen, False, limit


def test_a_silent_peer_is_pinged_then_closed(make_server):
    srv = make_server(config_with(server={"ws_ping_s": PING_S, "ws_idle_close_s": CLOSE_S}))
    s, status = raw_ws(srv.port)
    assert status == 101
    s.sendall(ws_frame(json.dumps({"type": "hello"})))
    seen, closed, at = read_until_closed(s, CLOSE_S + 5)
    s.close()
    ops = [op for op, _ in seen]
    assert ops[0] == 1, seen  # the snapshot
    pings = [t for op, t in seen if op == 9]
    assert pings, f"no ping in {seen}"
    # The first ping after ws_ping_s of silence (the timer runs once a second), and at
    # most one per ws_ping_s.
    assert PING_S - 0.1 <= pings[0] <= PING_S + 2.5, seen
    assert len(pings) <= CLOSE_S // PING_S + 1, seen
    assert closed, f"still open after {CLOSE_S + 5} s: {seen}"
    assert CLOSE_S - 0.1 <= at <= CLOSE_S + 3, at
    metrics = srv.get("/metrics").text
    assert "torg_ws_idle_closed_total 1\n" in metrics, metrics


def test_a_peer_that_answers_pings_stays(make_server):
    srv = make_server(config_with(server={"ws_ping_s": PING_S, "ws_idle_close_s": CLOSE_S}))
    # websockets answers every ping with a pong by itself; the client sends nothing else.
    display = srv.ws({"type": "hello"})
    assert display.recv()["type"] == "snapshot"
    # A raw client that answers each ping by hand, with the ping's payload.
    s, status = raw_ws(srv.port)
    assert status == 101
    s.sendall(ws_frame(json.dumps({"type": "hello"})))
    s.settimeout(0.2)
    data, pos, pongs = b"", 0, 0
    end = time.monotonic() + CLOSE_S * 2 + 1
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        assert chunk, "torgd closed a session that answered its pings"
        data += chunk
        frames = ws_read_frames(data)
        for op, payload in frames[pos:]:
            if op == 9:
                s.sendall(ws_frame(payload, opcode=10))
                pongs += 1
        pos = len(frames)
    assert pongs >= 2, pongs
    # Both are still served: an event reaches them.
    srv.issue("nav")
    m = display.recv()
    assert m["type"] == "event" and m["kind"] == "ticket.issued", m
    s.settimeout(3)
    got = b""
    while b"ticket.issued" not in got:
        chunk = s.recv(65536)
        assert chunk, "closed"
        got += chunk
    s.close()
    display.close()
    assert "torg_ws_idle_closed_total 0\n" in srv.get("/metrics").text
