"""Every error of PROTOCOL.md's table that HTTP can produce, with its status, code and
envelope, and the floor unchanged after each (seq, queues and counters the same)."""

import time

import pytest

from torgtest import config_with, expect_error


@pytest.fixture
def busy(srv):
    """The default floor with B001 called at c1 (kari), B002 and C001 waiting, c2 open
    and idle (ola), c3 and r1 closed."""
    srv.issue("nav")
    srv.issue("nav")
    srv.issue("housing")
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    srv.open_counter("ola", "c2")
    return srv


TICKET_BODY_ERRORS = [
    ("{not json", 400, "bad_json", None),
    ('{"service": "nav"', 400, "bad_json", None),
    ("", 400, ("bad_json", "bad_request"), None),
    ('["nav"]', 400, ("bad_json", "bad_request"), None),
    ('"nav"', 400, ("bad_json", "bad_request"), None),
    ('{"service": "nav"} {}', 400, "bad_json", None),
    ('{"service": "nav", "service": "housing"}', 400, ("bad_json", "bad_request"), None),
    ("{}", 400, "bad_request", "service"),
    ('{"service": 5}', 400, "bad_request", "service"),
    ('{"service": null}', 400, "bad_request", "service"),
    ('{"service": ""}', 400, ("bad_request", "unknown_service"), None),
    ('{"service": "nav", "lang": 7}', 400, "bad_request", "lang"),
    ('{"service": "nav", "lang": "xx_not a tag"}', 400, "bad_request", "lang"),
    ('{"service": "nav", "priority": "vip"}', 400, "bad_request", "priority"),
    ('{"service": "nav", "colour": "red"}', 400, "unknown_field", "colour"),
    ('{"service": "nope"}', 400, "unknown_service", None),
    ('{"service": "NAV"}', 400, ("unknown_service", "bad_request"), None),
]


@pytest.mark.parametrize("body,status,code,field", TICKET_BODY_ERRORS,
                         ids=[b[:24] for b, *_ in TICKET_BODY_ERRORS])
def test_ticket_body_errors(busy, body, status, code, field):
    with busy.unchanged():
        err = expect_error(busy.post("/api/v1/tickets", data=body), status, code, field)
    if err["code"] == "bad_json" and body.startswith("{not"):
        assert "line 1" in err["message"] and "column" in err["message"], err


def test_bad_json_names_line_and_column(busy):
    with busy.unchanged():
        err = expect_error(busy.post("/api/v1/tickets", data='{\n  "service": nav\n}'), 400,
                           "bad_json")
    assert "line 2" in err["message"] and "column" in err["message"], err


def test_unknown_routes_and_methods(busy):
    with busy.unchanged():
        expect_error(busy.get("/api/v1/nothing"), 404, "not_found")
        expect_error(busy.post("/api/v1/nothing", {}), 404, "not_found")
        expect_error(busy.get("/api/v2/floor"), 404, "not_found")
        expect_error(busy.post("/api/v1/counters/c1/dance", token=busy.token("kari")), 404,
                     "not_found")
        for method, path, allowed in [
                ("DELETE", "/api/v1/floor", {"GET"}),
                ("POST", "/api/v1/floor", {"GET"}),
                ("GET", "/api/v1/tickets", {"POST"}),
                ("PUT", "/api/v1/tickets", {"POST"}),
                ("GET", "/api/v1/counters/c1/call-next", {"POST"}),
                ("GET", "/api/v1/login", {"POST"}),
                ("POST", "/healthz", {"GET"})]:
            r = busy.request(method, path, token=busy.token("kari"))
            expect_error(r, 405, "method_not_allowed")
            got = {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}
            assert allowed <= got, (method, path, r.headers.get("Allow"))


def test_oversized_body_is_413(busy):
    big = '{"service": "nav", "lang": "' + "x" * 17000 + '"}'
    with busy.unchanged():
        expect_error(busy.post("/api/v1/tickets", data=big), 413, "payload_too_large")
        expect_error(busy.post("/api/v1/counters/c1/transfer", data=big,
                               token=busy.token("kari")), 413, "payload_too_large")
        expect_error(busy.post("/api/v1/login", data=big), 413, "payload_too_large")
    # Exactly at the limit is not "too large" (it is merely bad here).
    head, tail = '{"service": "nav", "x": "', '"}'
    at_limit = head + "y" * (16384 - len(head) - len(tail)) + tail
    with busy.unchanged():
        expect_error(busy.post("/api/v1/tickets", data=at_limit), 400, "unknown_field", "x")


def test_unknown_ticket(busy):
    with busy.unchanged():
        expect_error(busy.get("/api/v1/tickets/" + "0" * 32), 404, "unknown_ticket")
        expect_error(busy.delete("/api/v1/tickets/" + "f" * 32), 404, "unknown_ticket")
        r = busy.get("/api/v1/tickets/not-a-ticket-id")
        expect_error(r, 404, ("unknown_ticket", "not_found"))


def test_unknown_counter_and_service(busy):
    kari = busy.token("kari")
    with busy.unchanged():
        expect_error(busy.post("/api/v1/counters/zz/open", token=kari), 404, "unknown_counter")
        expect_error(busy.post("/api/v1/counters/zz/call-next", token=kari), 404,
                     "unknown_counter")
        expect_error(busy.post("/api/v1/counters/c3/open", {"services": ["nope"]},
                               token=busy.token("ola")), 400, "unknown_service")
        expect_error(busy.post("/api/v1/counters/c1/transfer",
                               {"service": "nope", "position": "front"}, token=kari),
                     400, "unknown_service")


OPEN_BODY_ERRORS = [
    ({"services": "nav"}, "bad_request", "services"),
    ({"services": [1]}, "bad_request", "services[0]"),
    ({"services": ["nav", 2]}, "bad_request", "services[1]"),
    ({"services": []}, "bad_request", "services"),
    ({"services": ["nav", "nav"]}, "bad_request", "services[1]"),
    ({"service": ["nav"]}, "unknown_field", "service"),
]


@pytest.mark.parametrize("body,code,field", OPEN_BODY_ERRORS,
                         ids=[str(b)[:30] for b, *_ in OPEN_BODY_ERRORS])
def test_open_body_errors(busy, body, code, field):
    with busy.unchanged():
        expect_error(busy.post("/api/v1/counters/c3/open", body, token=busy.token("ola")),
                     400, code, field)


def test_counter_state_conflicts(busy):
    kari, ola = busy.token("kari"), busy.token("ola")
    with busy.unchanged():
        # c1 is open with B001 called.
        expect_error(busy.post("/api/v1/counters/c1/open", token=kari), 409, "counter_open")
        expect_error(busy.post("/api/v1/counters/c1/call-next", token=kari), 409,
                     "counter_busy")
        expect_error(busy.post("/api/v1/counters/c1/call", {"number": "B002"}, token=kari),
                     409, "counter_busy")
        expect_error(busy.post("/api/v1/counters/c1/close", token=kari), 409, "counter_busy")
        expect_error(busy.post("/api/v1/counters/c1/finish", token=kari), 409, "wrong_state")
        # c2 is open and idle.
        for op in ("recall", "start", "finish", "no-show"):
            expect_error(busy.post(f"/api/v1/counters/c2/{op}", token=ola), 409,
                         "no_current_ticket")
        expect_error(busy.post("/api/v1/counters/c2/transfer",
                               {"service": "nav", "position": "back"}, token=ola),
                     409, "no_current_ticket")
        expect_error(busy.post("/api/v1/counters/c2/call", {"number": "B002"}, token=ola),
                     409, "service_not_given")
        # c3 is closed.
        for op in ("call-next", "recall", "start", "finish", "no-show", "close"):
            expect_error(busy.post(f"/api/v1/counters/c3/{op}", token=ola), 409,
                         "counter_closed")
        expect_error(busy.post("/api/v1/counters/c3/call", {"number": "B002"}, token=ola),
                     409, "counter_closed")
        expect_error(busy.post("/api/v1/counters/c2/open", token=ola), 409, "counter_open")
    with busy.unchanged():
        # c3 gives nav, housing and social, not reception.
        expect_error(busy.post("/api/v1/counters/c3/open", {"services": ["reception"]},
                               token=ola), 409, "service_not_given")

    busy.act("kari", "c1", "start")
    with busy.unchanged():
        expect_error(busy.post("/api/v1/counters/c1/no-show", token=kari), 409, "wrong_state")
        expect_error(busy.post("/api/v1/counters/c1/start", token=kari), 409, "wrong_state")


def test_call_by_number_errors(busy):
    ola = busy.token("ola")
    busy.act("ola", "c2", "call-next")  # C001 now called at c2
    busy.act("ola", "c2", "no-show")
    with busy.unchanged():
        expect_error(busy.post("/api/v1/counters/c2/call", {"number": "C999"}, token=ola),
                     404, "unknown_ticket")
        expect_error(busy.post("/api/v1/counters/c2/call", {"number": "C001"}, token=ola),
                     409, "wrong_state")
        expect_error(busy.post("/api/v1/counters/c2/call", {"number": "c1"}, token=ola),
                     400, "bad_request", "number")
        expect_error(busy.post("/api/v1/counters/c2/call", {"number": 1}, token=ola),
                     400, "bad_request", "number")
        expect_error(busy.post("/api/v1/counters/c2/call", {}, token=ola),
                     400, "bad_request", "number")


TRANSFER_BODY_ERRORS = [
    ({"service": "housing", "position": "middle"}, "bad_request", "position"),
    ({"service": "housing", "position": 1}, "bad_request", "position"),
    ({"service": 3, "position": "front"}, "bad_request", "service"),
    ({"service": "housing", "position": "front", "note": "x"}, "unknown_field", "note"),
    ({"position": "front"}, "bad_request", "service"),
]


@pytest.mark.parametrize("body,code,field", TRANSFER_BODY_ERRORS,
                         ids=[str(b)[:30] for b, *_ in TRANSFER_BODY_ERRORS])
def test_transfer_body_errors(busy, body, code, field):
    with busy.unchanged():
        expect_error(busy.post("/api/v1/counters/c1/transfer", body, token=busy.token("kari")),
                     400, code, field)


def test_action_bodies_take_no_fields(busy):
    with busy.unchanged():
        expect_error(busy.post("/api/v1/counters/c1/recall", {"loud": True},
                               token=busy.token("kari")), 400, "unknown_field", "loud")
        expect_error(busy.post("/api/v1/counters/c1/start", data="[1]",
                               token=busy.token("kari")), 400, ("bad_json", "bad_request"))


def test_rate_limit(make_server):
    srv = make_server(config_with(kiosks={"policy": "public", "rate_per_minute": 5}))
    for _ in range(5):
        srv.issue("nav")
    with srv.unchanged():
        r = srv.post("/api/v1/tickets", {"service": "nav"})
        expect_error(r, 429, "rate_limited")
        retry = r.headers.get("Retry-After")
        assert retry is not None and retry.isdigit() and 1 <= int(retry) <= 60, retry
        expect_error(srv.post("/api/v1/tickets", {"service": "housing"}), 429, "rate_limited")


def test_errors_leave_the_server_healthy(busy):
    """A storm of bad requests, then the floor still works as before."""
    t0 = time.monotonic()
    with busy.unchanged():
        for i in range(200):
            busy.post("/api/v1/tickets", data="{" * (i % 50 + 1))
    assert time.monotonic() - t0 < 60
    assert busy.issue("nav")["number"] == "B003"
