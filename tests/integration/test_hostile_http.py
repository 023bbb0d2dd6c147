"""HTTP from an attacker's raw socket: pipelined and fragmented requests, bad framing,
oversized and malformed input. Each gets a documented answer or a closed connection,
and torgd keeps serving everyone else: no spin, no hang, no growth, nothing changed."""

import json
import time

from torgtest import BASE_CONFIG, cpu_seconds, http_responses, raw_connect, raw_http, raw_read

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


def test_a_204_keeps_the_connection(srv):
    """A 204 (call-next with nobody waiting) used to end the keep-alive ("connection:
    close", since lws adds it to an answer without a length): a client that sent its next
    request right after reading it could have it cut off unanswered. (Pipelining a body
    behind another request is a separate lws limit, in PROTOCOL.md.)"""
    srv.open_counter("kari", "c1", ["nav"])
    auth = b"Authorization: Bearer " + srv.token("kari").encode() + b"\r\n"
    s = raw_connect(srv.port)
    try:
        s.sendall(post(b"/api/v1/counters/c1/call-next", b"{}", auth))
        data, closed = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
        (status, headers, body), = http_responses(data)
        assert status == 204 and body == b"" and "content-length" not in headers, data
        assert headers.get("connection", "").lower() != "close", headers
        assert not closed
        s.sendall(post(b"/api/v1/tickets", TICKET))
        data, closed = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
        (status, _, _), = http_responses(data)
        assert status == 201 and not closed
        # and the connection still serves a third
        s.sendall(post(b"/api/v1/counters/c1/call-next", b"{}", auth))
        data, closed = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
        (status, _, body), = http_responses(data)
        assert status == 200 and json.loads(body)["ticket"]["service"] == "nav", body
        assert not closed
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


def one_answer(srv, raw):
    """Sends one raw request; returns (status, headers, parsed JSON body or None, closed)."""
    data, closed = raw_http(srv.port, raw, timeout=3)
    answers = http_responses(data)
    assert answers, data[:300]
    status, headers, body = answers[0]
    return status, headers, json.loads(body) if body else None, closed


def test_content_length_must_be_one_plain_number(srv):
    for cl in (b"17, 17", b"-1", b"abc", b"0x11", b"1e3", b"+17", b"99999999999999999999"):
        raw = (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + cl + b"\r\n\r\n" + TICKET)
        status, _, body, closed = one_answer(srv, raw)
        assert status in (400, 413), (cl, status, body)
        assert body["error"]["code"] in ("bad_request", "payload_too_large"), body
        assert closed, "after a body of unknown length nothing on the connection is read"
    raw = (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 17\r\nContent-Length: 17\r\n\r\n" + TICKET)
    status, _, body, _ = one_answer(srv, raw)
    assert status == 400 and body["error"]["field"] == "content-length", body
    assert "twice" in body["error"]["message"]


def test_host_is_required_and_h2c_refused(srv):
    status, _, body, _ = one_answer(srv, b"GET /healthz HTTP/1.1\r\n\r\n")
    assert status == 400 and body["error"]["field"] == "host", body
    status, _, body, closed = one_answer(
        srv, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
             b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
    assert status == 400 and body["error"]["field"] == "upgrade", body
    assert closed


def test_query_is_strict(srv):
    def q(path):
        r = srv.get(path)
        assert r.status_code == 400, (path, r.status_code, r.text[:200])
        return r.json()["error"]
    err = q("/api/v1/floor?display=" + "a" * 300)
    assert err["code"] == "bad_query" and err["field"] == "display" and "256" in err["message"]
    err = q("/healthz?x=1")
    assert err["field"] == "x" and "unknown query parameter" in err["message"]
    err = q("/api/v1/floor?display=hall&display=hall")
    assert err["field"] == "display"
    err = q("/api/v1/floor?" + "&".join(f"p{i}=1" for i in range(17)))
    assert err["field"] == "query"
    err = q("/display/hall?colour=red")
    assert err["field"] == "colour"
    assert srv.get("/api/v1/floor?display=hall").status_code == 200
    assert srv.get("/t/" + "0" * 32 + "?lang=nb").status_code == 200


def test_long_cookie_header_still_finds_the_session(srv):
    token = srv.token("kari")
    cookie = "; ".join(f"other{i}={'x' * 40}" for i in range(40)) + f"; torg_session={token}"
    assert len(cookie) > 1024
    r = srv.get("/api/v1/me", headers={"Cookie": cookie})
    assert r.status_code == 200 and r.json()["user"]["name"] == "kari"
    bad = "torg_session=" + "z" * 64 + "; torg_session=" + token
    assert srv.get("/api/v1/me", headers={"Cookie": bad}).status_code == 200


def test_kiosk_key_of_the_longest_length(make_server):
    key = "k" * 256
    srv = make_server(dict(BASE_CONFIG, kiosks={"policy": "key", "keys": [{"id": "k1", "key": key}]}))
    ok = srv.post("/api/v1/tickets", {"service": "nav"}, headers={"X-Torg-Kiosk": key})
    assert ok.status_code == 201, ok.text
    srv.secrets.add(ok.json()["ticket"]["id"])
    bad = srv.post("/api/v1/tickets", {"service": "nav"}, headers={"X-Torg-Kiosk": key + "k"})
    assert bad.status_code == 401


def test_oversized_request_head_is_closed_and_logged_once(srv):
    """A request line and headers over 4 KiB cannot be read: the connection is closed.
    lws logs that at error level each time; any client could fill the log with it, so
    each kind of lws line is written at most once a minute with a count."""
    for i in range(30):
        big = (b"GET /healthz?" + b"a" * 5000 if i % 2 else b"GET /healthz") + \
            b" HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * (5000 * (i % 2 == 0)) + b"\r\n\r\n"
        data, closed = raw_http(srv.port, big, timeout=3)
        assert closed and data == b"", data[:100]
    lines = [ln for ln in srv.read_stderr().splitlines() if "header data space" in ln]
    assert len(lines) == 1, lines
    assert srv.healthz()["status"] == "ok"


def test_long_path_and_huge_body(srv):
    r = srv.get("/api/v1/" + "a" * 300)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    raw = (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 2000000\r\n\r\n" + b"{" * 1000)
    status, _, body, closed = one_answer(srv, raw)
    assert status == 413 and body["error"]["code"] == "payload_too_large" and closed


def test_answers_leave_in_their_durable_batch(srv):
    """A ticket's answer is written when its commit is durable, not at a later writable
    turn of its socket: every one of a keep-alive client's answers is counted as
    direct, and each arrives whole."""
    before = srv.metric("torg_http_answers_direct_total")
    s = raw_connect(srv.port)
    try:
        for _ in range(20):
            s.sendall(post(b"/api/v1/tickets", TICKET))
            data, closed = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
            (status, headers, body), = http_responses(data)
            assert status == 201 and not closed, data
            assert int(headers["content-length"]) == len(body)
            assert json.loads(body)["ticket"]["service"] == "nav"
        # counter actions without a body (lws pauses reading for those until the answer)
        srv.open_counter("kari", "c1", ["nav"])
        auth = b"Authorization: Bearer " + srv.token("kari").encode() + b"\r\n"
        for op in (b"call-next", b"start", b"finish"):
            s.sendall(b"POST /api/v1/counters/c1/" + op + b" HTTP/1.1\r\nHost: x\r\n"
                      + b"Content-Type: application/json\r\n" + auth
                      + b"Content-Length: 0\r\n\r\n")
            data, closed = raw_read(s, until=lambda d: len(http_responses(d)) == 1)
            (status, _, body), = http_responses(data)
            assert status == 200 and not closed, data
    finally:
        s.close()
    # 20 tickets, the counter's opening (its own connection) and the three actions
    assert srv.metric("torg_http_answers_direct_total") - before == 24


def test_a_client_gone_or_half_closed_before_its_answer(srv):
    """The direct answer meets a client that reset its connection and one that shut its
    sending side after the request (lws 4.1.6 closes such a connection when it reads the
    end of the stream, so it may get no answer): torgd neither crashes nor keeps either
    connection, an answer that does arrive is whole, and whatever was acknowledged to
    anyone is durable across a restart."""
    import socket
    import struct
    gone = raw_connect(srv.port)
    gone.sendall(post(b"/api/v1/tickets", TICKET))
    gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    gone.close()  # RST, likely before the commit is durable
    half = raw_connect(srv.port)
    try:
        half.sendall(post(b"/api/v1/tickets", TICKET))
        half.shutdown(socket.SHUT_WR)
        data, closed = raw_read(half, timeout=5)
        assert closed, "the half-closed connection is closed"
        for status, _, body in http_responses(data):
            assert status == 201 and json.loads(body)["ticket"]["state"] == "waiting"
    finally:
        half.close()
    ticket = srv.issue("nav")
    seq = srv.seq()
    srv.restart()
    assert srv.seq() == seq
    assert srv.ticket(ticket["id"])["number"] == ticket["number"]
