"""Limits on connections: per client address and in total (server.max_connections_per_address,
server.max_connections), kept under the open-file limit, and what happens when file
descriptors run out anyway (lws's accept failed with EMFILE on every loop turn, spinning
and logging ~10 MB/s). A refused connection is closed at once, the refusals are logged
once a minute with a count, and torgd goes on serving."""

import os
import resource
import time

from torgtest import config_with, cpu_seconds, raw_connect, raw_read


def closed_at_once(port):
    """Connects and reports whether torgd closed the connection without a word."""
    s = raw_connect(port, timeout=3)
    try:
        data, closed = raw_read(s, timeout=1.5)
        return closed and data == b""
    finally:
        s.close()


def healthz_raw(port):
    """A /healthz over a raw connection: the status line, or None when refused."""
    s = raw_connect(port, timeout=3)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data, _ = raw_read(s, timeout=3, until=lambda d: b"\r\n\r\n" in d)
        return data.split(b"\r\n", 1)[0] if data else None
    finally:
        s.close()


def refusal_lines(srv):
    return [ln for ln in srv.read_stderr().splitlines() if "connections: refused" in ln]


def test_connections_per_address(make_server):
    srv = make_server(config_with(server={"max_connections_per_address": 5}))
    srv.http.close()  # the test client's pooled keep-alive connection
    time.sleep(0.2)
    held = [raw_connect(srv.port) for _ in range(5)]
    time.sleep(0.3)
    for _ in range(30):
        assert closed_at_once(srv.port)
    lines = refusal_lines(srv)
    assert len(lines) == 1, lines
    assert "server.max_connections_per_address" in lines[0] and "client tag" in lines[0]
    assert "127.0.0.1" not in lines[0], "no client address in the log"
    held.pop().close()
    time.sleep(0.2)
    assert healthz_raw(srv.port) == b"HTTP/1.1 200 OK"
    for s in held:
        s.close()


def test_connections_in_total(make_server):
    srv = make_server(config_with(server={"max_connections": 6,
                                          "max_connections_per_address": 100}))
    srv.http.close()
    time.sleep(0.2)
    held = [raw_connect(srv.port) for _ in range(6)]
    time.sleep(0.3)
    assert closed_at_once(srv.port)
    lines = refusal_lines(srv)
    assert len(lines) == 1 and "server.max_connections" in lines[0], lines
    for s in held:
        s.close()
    time.sleep(0.3)
    assert srv.healthz()["status"] == "ok"


def test_connections_kept_under_the_open_file_limit(make_server):
    srv = make_server(start=False)
    srv.nofile = 64
    srv.start()
    srv.settle_day()
    assert ("connections: at most 32 at once (server.max_connections is 20000, but the "
            "open-file limit is 64)") in srv.read_stderr()
    srv.http.close()
    time.sleep(0.2)
    held = [raw_connect(srv.port) for _ in range(32)]
    time.sleep(0.3)
    assert closed_at_once(srv.port)
    for s in held:
        s.close()
    time.sleep(0.3)
    assert srv.healthz()["status"] == "ok"


def test_out_of_file_descriptors_does_not_spin(srv):
    """Descriptors run out below the connection limit (here the limit is lowered while
    torgd runs; on a real floor, files being served or other processes' limits): lws's
    accept fails with EMFILE, and before the guard it retried on every loop turn."""
    srv.http.close()
    used = len(os.listdir(f"/proc/{srv.proc.pid}/fd"))
    soft, hard = resource.prlimit(srv.proc.pid, resource.RLIMIT_NOFILE)
    resource.prlimit(srv.proc.pid, resource.RLIMIT_NOFILE, (used + 10, hard))
    held = [raw_connect(srv.port) for _ in range(30)]
    time.sleep(0.5)
    before = cpu_seconds(srv.proc.pid)
    time.sleep(1.0)
    spent = cpu_seconds(srv.proc.pid) - before
    assert spent < 0.3, f"torgd used {spent:.2f} s of CPU in 1 s: the accept loop spins"
    closed = sum(closed_at_once(srv.port) for _ in range(5))
    assert closed == 5, "connections past the descriptors are closed at once"
    log = srv.read_stderr()
    assert "accept: errno" not in log
    lines = refusal_lines(srv)
    assert len(lines) == 1 and "out of file descriptors" in lines[0], lines
    for s in held:
        s.close()
    resource.prlimit(srv.proc.pid, resource.RLIMIT_NOFILE, (soft, hard))
    time.sleep(0.5)
    assert srv.healthz()["status"] == "ok"
