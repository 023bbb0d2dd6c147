"""Staff administration: users, their sessions and the audit log (PROTOCOL.md,
"Administration: staff"). Ending a user's sessions ends them everywhere at once: HTTP
answers 401 and their WebSockets close with 4001 "signed out"."""

import time

from torgtest import expect_error, password_of


def staff_ws(srv, name):
    """A WebSocket session signed in as name (hello with the token), past its snapshot."""
    c = srv.ws({"type": "hello", "token": srv.token(name)})
    c.recv_until(lambda m: m.get("type") == "snapshot")
    return c


def closed_within(c, seconds):
    """The close code of c if the server closes it within seconds (None otherwise)."""
    try:
        code, _ = c.wait_closed(timeout=seconds)
        return code
    except TimeoutError:
        return None


def test_cli_remove_closes_the_users_websocket_within_a_second(srv):
    c = staff_ws(srv, "ola")
    other = staff_ws(srv, "kari")
    t0 = time.monotonic()
    r = srv.cli("user", "remove", "ola")  # another process: torgd sees it by users_gen
    assert r.returncode == 0, r.stderr
    assert closed_within(c, 1.5) == 4001
    assert time.monotonic() - t0 < 2.5
    expect_error(srv.get("/api/v1/me", token=srv.tokens["ola"]), 401, "unauthorized")
    # kari's session is another user's: it stays
    other.send({"type": "cmd", "id": 1, "op": "open", "counter": "c1"})
    reply = other.recv_until(lambda m: m.get("type") == "reply")[-1]
    assert reply["ok"] is True, reply
    other.close()


def test_cli_disable_closes_the_users_websocket_within_a_second(srv):
    c = staff_ws(srv, "per")
    r = srv.cli("user", "disable", "per")
    assert r.returncode == 0, r.stderr
    assert closed_within(c, 1.5) == 4001
    expect_error(srv.get("/api/v1/me", token=srv.tokens["per"]), 401, "unauthorized")
    expect_error(srv.post("/api/v1/login", {"name": "per", "password": password_of("per")}),
                 401, "bad_credentials")
