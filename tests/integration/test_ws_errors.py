"""WebSocket errors: each bad message gets an `error` and the connection stays up; an
oversized frame closes with 1009; more than 20 bad messages in a minute close with 1008.
None of it changes the floor."""

import pytest

from torgtest import WsClosed


def next_error(c):
    """The next error message (skipping anything else)."""
    return c.recv_until(lambda m: m.get("type") == "error")[-1]["error"]


def still_up(c, srv):
    """Proves the connection still works: an issued ticket arrives as an event."""
    t = srv.issue("reception")
    ev = c.recv_until(lambda m: m.get("type") == "event")[-1]
    assert ev["kind"] == "ticket.issued" and ev["ticket"]["number"] == t["number"]


BAD_HELLOS = [
    ('{"type": "hello", ', "bad_json", None),
    ("hello", "bad_json", None),
    ('{"type": "greeting"}', "unknown_type", None),
    ('{"kind": "hello"}', ("bad_request", "unknown_type", "unknown_field"), None),
    ('{"type": "hello", "since": "x"}', "bad_request", "since"),
    ('{"type": "hello", "since": -1}', "bad_request", "since"),
    ('{"type": "hello", "services": "nav"}', "bad_request", "services"),
    ('{"type": "hello", "services": [1]}', "bad_request", "services[0]"),
    ('{"type": "hello", "colour": "red"}', "unknown_field", "colour"),
    ('{"type": "hello", "ticket": "nope"}', "bad_request", "ticket"),
    ('{"type": "hello", "token": "short"}', "bad_request", "token"),
    ('{"type": "hello", "display": "nope"}', "unknown_display", None),
    ('{"type": "hello", "ticket": "' + "0" * 32 + '"}', "unknown_ticket", None),
    ('{"type": "cmd", "id": 1, "op": "call_next", "counter": "c1"}', "hello_required", None),
]


@pytest.mark.parametrize("frame,code,field", BAD_HELLOS, ids=[b[:30] for b, *_ in BAD_HELLOS])
def test_bad_message_gets_error_and_connection_stays(srv, frame, code, field):
    with srv.unchanged():
        c = srv.ws()
        c.send(frame)
        err = next_error(c)
        if isinstance(code, tuple):
            assert err["code"] in code, err
        else:
            assert err["code"] == code, err
        assert err["message"], err
        if field is not None:
            assert err.get("field") == field, err
        c.send({"type": "hello"})
        snap = c.recv_until(lambda m: m.get("type") == "snapshot")[-1]
    still_up(c, srv)
    assert snap["seq"] == srv.seq() - 1
    c.close()


def test_errors_after_hello(srv):
    c = srv.ws({"type": "hello", "token": srv.token("kari")})
    c.recv()
    with srv.unchanged():
        for frame, code in [
                ("{", "bad_json"),
                ('{"type": "dance"}', "unknown_type"),
                ('{"type": "cmd", "id": 1, "op": "fly", "counter": "c1"}', "bad_request"),
                ('{"type": "cmd", "id": "x", "op": "open", "counter": "c1"}', "bad_request"),
                ('{"type": "cmd", "op": "open", "counter": "c1"}', "bad_request"),
                ('{"type": "cmd", "id": 2, "op": "open", "counter": "c1", "number": "B001"}',
                 "unknown_field")]:
            c.send(frame)
            m = c.recv_until(lambda m: m.get("type") in ("error", "reply"))[-1]
            err = m["error"]
            assert err["code"] == code, (frame, m)
    # A command for an unknown counter is a reply, not a protocol error.
    c.send({"type": "cmd", "id": 3, "op": "open", "counter": "zz"})
    r = c.recv_until(lambda m: m.get("type") == "reply")[-1]
    assert r["id"] == 3 and r["ok"] is False and r["error"]["code"] == "unknown_counter"
    still_up(c, srv)
    c.close()


def test_oversized_frame_closes_1009(srv):
    c = srv.ws({"type": "hello"})
    c.recv()
    with srv.unchanged():
        try:
            c.send('{"type": "hello", "display": "' + "x" * 17000 + '"}')
        except WsClosed as e:
            code, msgs = e.code, []
        else:
            code, msgs = c.wait_closed()
    assert code == 1009, (code, msgs)
    errors = [m for m in msgs if m.get("type") == "error"]
    assert all(m["error"]["code"] == "too_big" for m in errors), errors
    # The server is fine and takes new connections.
    c2 = srv.ws({"type": "hello"})
    assert c2.recv()["type"] == "snapshot"
    c2.close()


def test_frame_just_under_the_limit_is_parsed(srv):
    c = srv.ws()
    head, tail = '{"type": "hello", "colour": "', '"}'
    c.send(head + "x" * (16384 - len(head) - len(tail)) + tail)
    assert next_error(c)["code"] == "unknown_field"
    c.close()


def test_too_many_errors_close_1008(srv):
    c = srv.ws({"type": "hello"})
    c.recv()
    with srv.unchanged():
        for i in range(20):
            c.send("{bad json %d" % i)
            assert next_error(c)["code"] == "bad_json"
        try:
            c.send("{bad json 21")
        except WsClosed as e:
            code = e.code
        else:
            code, msgs = c.wait_closed()
            assert all(m.get("type") == "error" for m in msgs), msgs
    assert code == 1008, code
    c2 = srv.ws({"type": "hello"})
    assert c2.recv()["type"] == "snapshot"
    c2.close()


def test_twenty_errors_are_tolerated(srv):
    c = srv.ws({"type": "hello"})
    c.recv()
    for i in range(20):
        c.send('{"type": "nope%d"}' % i)
    for _ in range(20):
        assert next_error(c)["code"] == "unknown_type"
    still_up(c, srv)
    c.close()
