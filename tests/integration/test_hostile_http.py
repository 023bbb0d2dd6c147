"""HTTP from an attacker's raw socket: pipelined and fragmented requests, bad framing,
oversized and malformed input. Each gets a documented answer or a closed connection,
and torgd keeps serving everyone else: no spin, no hang, no growth, nothing changed."""

import json
import time

from torgtest import cpu_seconds, http_responses, raw_connect, raw_http, raw_read

TICKET = b'{"service":"nav"}'


def post(path, body, extra=b""):
    """A raw POST request with a JSON body."""
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + extra + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def assert_idle(srv, seconds=1.0, most=0.3):
    """Asserts torgd burns (almost) no CPU while nothing happens: no busy loop."""
    before = cpu_seconds(srv.proc.pid)
    time.sleep(seconds)
    used = cpu_seconds(srv.proc.pid) - before
    assert used < most, f"torgd used {used:.2f} s of CPU in {seconds} s of quiet: a busy loop"


def test_post_pipelined_behind_a_request_in_one_packet_does_not_freeze(srv):
    """lws 4.1.6 reads such a body wrongly and then spun forever in
    LWS_CALLBACK_HTTP_BODY_COMPLETION: 100 % CPU, /healthz timing out, SIGTERM ignored."""
    before = srv.seq()
    data, closed = raw_http(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                            + post(b"/api/v1/tickets", TICKET), timeout=3)
    answers = http_responses(data)
    assert [a[0] for a in answers] == [200], data[:300]
    assert json.loads(answers[0][2])["status"] == "ok"
    assert closed, "the connection with the unreadable pipelined body is closed"
    assert_idle(srv)
    t0 = time.monotonic()
    assert srv.healthz()["status"] == "ok"
    assert time.monotonic() - t0 < 1.0
    assert srv.seq() == before, "the pipelined POST changed nothing"
    # The same behind a POST, and behind a page.
    for first in (post(b"/api/v1/login", b'{"name":"x","password":"yyyyyyyy"}'),
                  b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"):
        data, closed = raw_http(srv.port, first + post(b"/api/v1/tickets", TICKET), timeout=5)
        answers = http_responses(data)
        assert closed and answers and answers[0][0] in (200, 401), data[:300]
        assert all(a[0] >= 400 for a in answers[1:]), data[:300]  # never taken
        assert_idle(srv)
    assert srv.seq() == before
    # SIGTERM still stops it cleanly (checked again by the fixture at teardown).
    srv.restart()


def test_pipelined_gets_are_answered_in_order(srv):
    data, _ = raw_http(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"GET /api/v1/floor HTTP/1.1\r\nHost: x\r\n\r\n"
                       b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", timeout=2)
    answers = http_responses(data)
    assert [a[0] for a in answers] == [200, 200, 404], data[:400]
    assert "services" in json.loads(answers[1][2])


def test_keep_alive_posts_on_one_connection(srv):
    """Requests with a body sent one after the other on one connection all work."""
    s = raw_connect(srv.port)
    try:
        numbers = []
        for _ in range(3):
            s.sendall(post(b"/api/v1/tickets", TICKET))
            data, closed = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
            (status, _, body), = http_responses(data)
            assert status == 201 and not closed
            numbers.append(json.loads(body)["ticket"]["number"])
        assert len(set(numbers)) == 3
    finally:
        s.close()


def test_request_fragmented_byte_by_byte(srv):
    s = raw_connect(srv.port)
    try:
        for b in post(b"/api/v1/tickets", TICKET):
            s.sendall(bytes([b]))
        data, _ = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
        (status, _, body), = http_responses(data)
        assert status == 201 and json.loads(body)["ticket"]["service"] == "nav"
    finally:
        s.close()
