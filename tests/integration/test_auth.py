"""Who may do what: sessions by bearer token and by cookie, refusals (401/403), bad
logins, logout, users removed by `torgd user remove` while torgd runs, the password
length limit, kiosk key policy and ticket priorities. Every refusal changes nothing."""

import time

import requests

from torgtest import TOKEN, config_with, expect_error, password_of


def test_login_answer_and_me(srv):
    r = srv.post("/api/v1/login", {"name": "kari", "password": password_of("kari")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert TOKEN.match(body["token"])
    srv.secrets.add(body["token"])
    assert body["user"] == {"name": "kari", "role": "counter",
                            "services": ["reception", "nav"]}
    assert body["expires_at"].endswith("Z")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(f"torg_session={body['token']}")
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path"} <= attrs, cookie
    assert "samesite=strict" in cookie.lower().replace(" ", "")
    me = srv.ok(srv.get("/api/v1/me", token=body["token"]))
    assert me["user"]["name"] == "kari" and me["user"]["role"] == "counter"


def test_no_session_is_401(srv):
    with srv.unchanged():
        expect_error(srv.post("/api/v1/counters/c1/open"), 401, "unauthorized")
        expect_error(srv.post("/api/v1/counters/c1/call-next"), 401, "unauthorized")
        expect_error(srv.get("/api/v1/me"), 401, "unauthorized")
        expect_error(srv.post("/api/v1/counters/c1/open", token="0" * 64), 401,
                     "unauthorized")
        expect_error(srv.post("/api/v1/counters/c1/open", token="not-a-token"), 401,
                     "unauthorized")


def test_manager_may_not_act_at_a_counter(srv):
    with srv.unchanged():
        expect_error(srv.post("/api/v1/counters/c1/open", token=srv.token("mona")), 403,
                     "forbidden")


def test_counter_user_without_the_service_is_403(srv):
    per = srv.token("per")  # housing only; c1 gives reception and nav
    with srv.unchanged():
        expect_error(srv.post("/api/v1/counters/c1/open", token=per), 403, "forbidden")
        expect_error(srv.post("/api/v1/counters/c1/open", {"services": ["nav"]}, token=per),
                     403, "forbidden")
        expect_error(srv.post("/api/v1/counters/c3/open", {"services": ["nav", "housing"]},
                             token=per), 403, "forbidden")
    # At a mixed counter a user opens only the services they may give.
    r = srv.ok(srv.post("/api/v1/counters/c3/open", token=per))
    assert r["counter"]["services"] == ["housing"]
    srv.issue("nav")
    c = srv.issue("housing")
    # kari (reception, nav) may not act at c3 while it gives housing.
    with srv.unchanged():
        expect_error(srv.post("/api/v1/counters/c3/call-next", token=srv.token("kari")),
                     403, "forbidden")
    assert srv.act("per", "c3", "call-next")["ticket"]["number"] == c["number"]


def test_bad_credentials(srv):
    with srv.unchanged():
        e1 = expect_error(srv.post("/api/v1/login", {"name": "kari", "password": "wrong-pw-1"}),
                          401, "bad_credentials")
        e2 = expect_error(srv.post("/api/v1/login", {"name": "nobody", "password": "wrong-pw-1"}),
                          401, "bad_credentials")
        assert e1["message"] == e2["message"], "must not say which of name/password was wrong"
        expect_error(srv.post("/api/v1/login", {"name": "kari"}), 400, "bad_request")
        expect_error(srv.post("/api/v1/login", {"name": "kari", "password": "x" * 20,
                                                "remember": True}), 400, "unknown_field")


def test_logout_invalidates_the_session(srv):
    tok = srv.login("ola")
    srv.ok(srv.get("/api/v1/me", token=tok))
    r = srv.post("/api/v1/logout", token=tok)
    assert r.status_code == 204, r.text
    expect_error(srv.get("/api/v1/me", token=tok), 401, "unauthorized")
    expect_error(srv.post("/api/v1/counters/c2/open", token=tok), 401, "unauthorized")
    # Another session of the same user is not affected.
    srv.ok(srv.get("/api/v1/me", token=srv.login("ola")))


def test_cookie_session_works_and_logout_clears_it(srv):
    s = requests.Session()
    r = srv.request("POST", "/api/v1/login", session=s,
                    body={"name": "ola", "password": password_of("ola")})
    assert r.status_code == 200
    tok = r.json()["token"]
    srv.secrets.add(tok)
    assert s.cookies.get("torg_session") == tok
    r = srv.request("POST", "/api/v1/counters/c2/open", session=s)
    assert r.status_code == 200, r.text
    assert srv.request("GET", "/api/v1/me", session=s).json()["user"]["name"] == "ola"
    r = srv.request("POST", "/api/v1/logout", session=s)
    assert r.status_code == 204
    # The server asks the browser to drop the cookie, and the token is dead anyway.
    assert "torg_session=" in r.headers.get("Set-Cookie", "")
    expect_error(srv.get("/api/v1/me", headers={"Cookie": f"torg_session={tok}"}), 401,
                 "unauthorized")


def test_ws_commands_need_a_session(srv):
    c = srv.ws({"type": "hello"})
    c.recv()
    with srv.unchanged():
        c.send({"type": "cmd", "id": 5, "op": "open", "counter": "c1"})
        m = c.recv_until(lambda m: m.get("type") in ("reply", "error"))[-1]
        if m["type"] == "reply":
            assert m["id"] == 5 and m["ok"] is False
            assert m["error"]["code"] == "unauthorized"
        else:
            assert m["error"]["code"] == "unauthorized"
    c.close()
    # A manager's token in hello is a session, but not one that may act.
    c = srv.ws({"type": "hello", "token": srv.token("mona")})
    c.recv()
    with srv.unchanged():
        c.send({"type": "cmd", "id": 6, "op": "open", "counter": "c1"})
        m = c.recv_until(lambda m: m.get("type") == "reply")[-1]
        assert m["id"] == 6 and m["ok"] is False and m["error"]["code"] == "forbidden"
    c.close()


def test_ws_bearer_header_on_upgrade(srv):
    c = srv.ws({"type": "hello"}, headers={"Authorization": f"Bearer {srv.token('ola')}"})
    c.recv()
    c.send({"type": "cmd", "id": 1, "op": "open", "counter": "c2"})
    m = c.recv_until(lambda m: m.get("type") == "reply")[-1]
    assert m["ok"] is True and m["counter"]["open"] is True
    c.close()


KEY = "kiosk-key-0123456789abcdef"


def test_kiosk_key_policy(make_server):
    srv = make_server(config_with(kiosks={"policy": "key", "rate_per_minute": 0,
                                          "keys": [{"id": "k1", "key": KEY}]}))
    srv.secrets.add(KEY)
    with srv.unchanged():
        expect_error(srv.post("/api/v1/tickets", {"service": "nav"}), 401, "unauthorized")
        expect_error(srv.post("/api/v1/tickets", {"service": "nav"},
                              headers={"X-Torg-Kiosk": KEY[:-1] + "x"}), 401, "unauthorized")
        expect_error(srv.post("/api/v1/tickets", {"service": "nav"},
                              headers={"X-Torg-Kiosk": ""}), 401, "unauthorized")
        # A manager is no reception.
        r = srv.post("/api/v1/tickets", {"service": "nav"}, token=srv.token("mona"))
        if r.status_code == 403:
            expect_error(r, 403, "forbidden")
        else:
            expect_error(r, 401, "unauthorized")
    r = srv.post("/api/v1/tickets", {"service": "nav"}, headers={"X-Torg-Kiosk": KEY})
    assert r.status_code == 201 and r.json()["ticket"]["number"] == "B001"
    srv.secrets.add(r.json()["ticket"]["id"])
    r = srv.post("/api/v1/tickets", {"service": "nav", "priority": "appointment"},
                 headers={"X-Torg-Kiosk": KEY})
    assert r.status_code == 201 and r.json()["ticket"]["priority"] == "appointment"
    srv.secrets.add(r.json()["ticket"]["id"])
    # Reception (counter or admin session) may always issue.
    for user in ("kari", "admin"):
        r = srv.post("/api/v1/tickets", {"service": "housing"}, token=srv.token(user))
        assert r.status_code == 201, r.text
        srv.secrets.add(r.json()["ticket"]["id"])
    # Reading a ticket needs only its id.
    assert srv.ticket(r.json()["ticket"]["id"])["number"] == "C002"


def test_priority_needs_key_or_staff_on_public_floor(srv):
    with srv.unchanged():
        expect_error(srv.post("/api/v1/tickets", {"service": "nav", "priority": "appointment"}),
                     403, "forbidden")
        expect_error(srv.post("/api/v1/tickets",
                              {"service": "nav", "priority": "accessibility"}),
                     403, "forbidden")
    assert srv.issue("nav", priority="normal")["priority"] == "normal"
    r = srv.post("/api/v1/tickets", {"service": "nav", "priority": "appointment"},
                 token=srv.token("admin"))
    assert r.status_code == 201 and r.json()["ticket"]["priority"] == "appointment"
    srv.secrets.add(r.json()["ticket"]["id"])


def seconds_until_401(srv, token, timeout):
    """Polls GET /api/v1/me with the token until it answers 401; returns the seconds it
    took, or None when it still answered 200 after timeout seconds."""
    t0 = time.monotonic()
    while True:
        r = srv.get("/api/v1/me", token=token)
        if r.status_code == 401:
            expect_error(r, 401, "unauthorized")
            return time.monotonic() - t0
        assert r.status_code == 200, r.text
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(0.05)


def test_removed_user_loses_session_within_seconds(srv):
    tok = srv.login("ola")
    other = srv.login("kari")
    srv.ok(srv.get("/api/v1/me", token=tok))
    r = srv.cli("user", "remove", "ola")  # another process, torgd keeps running
    assert r.returncode == 0, r.stderr
    took = seconds_until_401(srv, tok, 3.0)
    assert took is not None, "a removed user's session still worked after 3 s"
    expect_error(srv.post("/api/v1/counters/c2/open", token=tok), 401, "unauthorized")
    assert srv.ok(srv.get("/api/v1/me", token=other))["user"]["name"] == "kari"
    # Added again with the same name and password: the old session stays dead.
    srv.add_user("ola", "counter")
    new = srv.login("ola")
    time.sleep(1.5)  # past the next check of the users
    expect_error(srv.get("/api/v1/me", token=tok), 401, "unauthorized")
    assert srv.ok(srv.get("/api/v1/me", token=new))["user"]["name"] == "ola"


def test_user_removed_and_re_added_at_once_does_not_revive_the_session(srv):
    tok = srv.login("per")
    srv.ok(srv.get("/api/v1/me", token=tok))
    r = srv.cli("user", "remove", "per")
    assert r.returncode == 0, r.stderr
    srv.add_user("per", "counter", ["housing"])  # back before torgd looked
    assert seconds_until_401(srv, tok, 3.0) is not None, \
        "the old session still worked 3 s after its user was removed and added again"
    new = srv.login("per")
    time.sleep(1.5)
    assert srv.ok(srv.get("/api/v1/me", token=new))["user"]["services"] == ["housing"]
    expect_error(srv.get("/api/v1/me", token=tok), 401, "unauthorized")


def test_longest_password_signs_in_and_one_byte_more_is_refused(srv):
    longest = "".join(chr(ord("a") + i % 26) for i in range(1024))
    srv.add_user("lang", "counter", password=longest)
    tok = srv.login("lang", password=longest)
    assert srv.ok(srv.get("/api/v1/me", token=tok))["user"]["name"] == "lang"
    with srv.unchanged():
        # every byte counts: the same 1024 bytes with the last one changed are wrong
        expect_error(srv.post("/api/v1/login", {"name": "lang", "password": longest[:-1] + "Z"}),
                     401, "bad_credentials")
        e = expect_error(srv.post("/api/v1/login", {"name": "lang", "password": longest + "a"}),
                         400, "bad_request", field="password")
        assert "1024" in e["message"], e
        # names keep the general limit of 256 bytes
        e = expect_error(srv.post("/api/v1/login", {"name": "n" * 257, "password": longest}),
                         400, "bad_request", field="name")
        assert "256" in e["message"], e
    # `torgd user add` refuses 1025 bytes with its message, and adds nobody
    too_long = longest + "a"
    srv.secrets.add(too_long)
    r = srv.cli("user", "add", "lang2", "--role", "counter", input_text=too_long + "\n")
    assert r.returncode == 1, r.stderr
    assert "user add: password must be 8 to 1024 bytes" in r.stderr, r.stderr
    expect_error(srv.post("/api/v1/login", {"name": "lang2", "password": longest}), 401,
                 "bad_credentials")
