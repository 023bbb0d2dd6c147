"""Connections that never make a proper request (a browser's speculative connection, a
port scanner, a half-sent request, garbage, a WebSocket without the torg.v1 subprotocol
or on the wrong path) are closed without harm: torgd keeps serving and, at teardown,
exits 0 with a clean sanitizer log."""
import socket

import pytest
import websockets

from torgtest import WsClient, WsClosed


def raw(port, data=b"", read=True):
    """Connects, sends data, and returns what came back before the server closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if data:
        s.sendall(data)
    out = b""
    if read:
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    s.close()
    return out


def test_connections_without_a_request(srv):
    for _ in range(20):
        raw(srv.port, read=False)  # connect, then close at once
    raw(srv.port, b"GET /hea", read=False)  # half a request line
    raw(srv.port, b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        read=False)  # body cut short
    reply = raw(srv.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64)
    assert not reply.startswith(b"HTTP/1.1 2"), reply[:100]
    assert srv.healthz()["status"] == "ok"


def test_websocket_needs_the_subprotocol_and_the_path(srv):
    with pytest.raises(Exception):
        WsClient(f"ws://127.0.0.1:{srv.port}/ws", subprotocols=())
    with pytest.raises(Exception):
        WsClient(f"ws://127.0.0.1:{srv.port}/other")
    with srv.ws({"type": "hello"}) as ok:
        assert ok.recv()["type"] == "snapshot"
    assert srv.healthz()["status"] == "ok"
