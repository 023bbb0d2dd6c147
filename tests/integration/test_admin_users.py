"""Staff administration: users, their sessions and the audit log (PROTOCOL.md,
"Administration: staff"). Ending a user's sessions ends them everywhere at once: HTTP
answers 401 and their WebSockets close with 4001 "signed out"."""

import os
import sqlite3
import time

import pytest

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
    assert c.ws.close_reason == "signed out"
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


@pytest.mark.parametrize("args,stdin", [(("set", "per", "--role", "manager"), None),
                                        (("passwd", "per"), "per-other-password\n")])
def test_cli_set_and_passwd_close_the_users_websocket(srv, args, stdin):
    c = staff_ws(srv, "per")
    other = staff_ws(srv, "ola")
    if stdin:
        srv.secrets.add(stdin.strip())
    r = srv.cli("user", *args, input_text=stdin)
    assert r.returncode == 0, r.stderr
    assert closed_within(c, 1.5) == 4001
    expect_error(srv.get("/api/v1/me", token=srv.tokens["per"]), 401, "unauthorized")
    assert closed_within(other, 0.3) is None
    srv.ok(srv.get("/api/v1/me", token=srv.tokens["ola"]))
    other.close()


# ---- the routes ----

USERS = "/api/v1/admin/users"
EVIL = {"Origin": "http://evil.example"}


def patch(srv, path, body=None, **kw):
    return srv.request("PATCH", path, body=body, **kw)


def users_by_name(srv, who="admin"):
    body = srv.ok(srv.get(USERS, token=srv.token(who)))
    return {u["name"]: u for u in body["users"]}


def audit(srv, limit=None, who="admin"):
    q = f"?limit={limit}" if limit else ""
    return srv.ok(srv.get("/api/v1/admin/audit" + q, token=srv.token(who)))["entries"]


def wait_audit(srv, action, target):
    """The newest audit entry of action on target (written off the loop: wait for it)."""
    deadline = time.monotonic() + 3
    while True:
        for e in audit(srv):
            if e["action"] == action and e["target"] == target:
                return e
        assert time.monotonic() < deadline, f"no audit entry {action} {target}: {audit(srv)}"
        time.sleep(0.05)


def test_list_users_with_sessions(srv):
    c = staff_ws(srv, "kari")
    srv.open_counter("kari", "c1")
    users = users_by_name(srv)
    assert set(users) == {"kari", "ola", "per", "mona", "admin"}
    k = users["kari"]
    assert k["role"] == "counter" and k["services"] == ["reception", "nav"]
    assert k["disabled"] is False and k["source"] == "local"
    assert len(k["sessions"]) == 1, k
    s = k["sessions"][0]
    assert len(s["id"]) == 16 and all(ch in "0123456789abcdef" for ch in s["id"])
    assert s["id"] not in srv.tokens["kari"], "the session id must not be part of the token"
    assert s["since"].endswith("Z") and s["counter"] == "c1" and s["websockets"] == 1
    assert users["ola"]["sessions"] == [] and users["ola"]["services"] == []
    # a manager reads the list too
    assert set(users_by_name(srv, "mona")) == set(users)
    text = srv.get(USERS, token=srv.token("admin")).text
    for tok in srv.tokens.values():
        assert tok not in text, "a token in the user list"
    assert "$y$" not in text
    c.close()


def test_add_user_and_set_the_password_with_the_code(srv):
    a = srv.token("admin")
    r = srv.ok(srv.post(USERS, {"name": "nils", "role": "counter",
                                "services": ["housing"]}, token=a), 201)
    assert r["user"]["name"] == "nils" and r["user"]["services"] == ["housing"]
    assert r["user"]["disabled"] is False and r["user"]["sessions"] == []
    code = r["reset"]["code"]
    assert len(code) == 14 and code[4] == "-" and code[9] == "-"
    assert r["reset"]["url"].startswith("/login#reset=" + code)
    assert r["reset"]["expires_at"].endswith("Z")
    srv.secrets.add(code)
    # no password yet: nothing signs in
    expect_error(srv.post("/api/v1/login", {"name": "nils", "password": "!"}), 401,
                 "bad_credentials")
    pw = "nils-chosen-pw-1"
    srv.secrets.add(pw)
    srv.ok(srv.post("/api/v1/password", {"name": "nils", "code": code.lower(),
                                         "password": pw}), 204)
    tok = srv.login("nils", pw)
    assert srv.ok(srv.get("/api/v1/me", token=tok))["user"]["name"] == "nils"
    # the code works once
    expect_error(srv.post("/api/v1/password", {"name": "nils", "code": code,
                                               "password": "another-pw-123"}),
                 401, "bad_code", "code")
    srv.login("nils", pw)
    e = wait_audit(srv, "user.add", "nils")
    assert e["by"] == "admin" and "housing" in e["detail"]
    assert wait_audit(srv, "user.password_by_code", "nils")["by"] == "nils"
    expect_error(srv.post(USERS, {"name": "nils", "role": "counter"}, token=a), 409,
                 "user_exists", "name")


def test_patch_ends_sessions_at_once(srv):
    a = srv.token("admin")
    c = staff_ws(srv, "ola")
    tok = srv.tokens["ola"]
    t0 = time.monotonic()
    r = srv.ok(patch(srv, USERS + "/ola", {"role": "manager", "services": ["nav"]},
                     token=a))
    assert r["user"]["role"] == "manager" and r["user"]["services"] == ["nav"]
    assert r["user"]["sessions"] == []
    expect_error(srv.get("/api/v1/me", token=tok), 401, "unauthorized")
    assert closed_within(c, 1.0) == 4001
    assert time.monotonic() - t0 < 1.5
    new = srv.login("ola")
    assert srv.ok(srv.get("/api/v1/me", token=new))["user"]["role"] == "manager"
    e = wait_audit(srv, "user.change", "ola")
    assert e["by"] == "admin" and "role=counter->manager" in e["detail"], e


def test_disable_enable_and_delete(srv):
    a = srv.token("admin")
    c = staff_ws(srv, "per")
    tok = srv.tokens["per"]
    r = srv.ok(patch(srv, USERS + "/per", {"disabled": True}, token=a))
    assert r["user"]["disabled"] is True
    expect_error(srv.get("/api/v1/me", token=tok), 401, "unauthorized")
    assert closed_within(c, 1.0) == 4001
    expect_error(srv.post("/api/v1/login", {"name": "per", "password": password_of("per")}),
                 401, "bad_credentials")
    assert users_by_name(srv)["per"]["disabled"] is True
    srv.ok(patch(srv, USERS + "/per", {"disabled": False}, token=a))
    tok = srv.login("per")
    c = staff_ws(srv, "per")
    srv.ok(srv.delete(USERS + "/per", token=a), 204)
    expect_error(srv.get("/api/v1/me", token=tok), 401, "unauthorized")
    assert closed_within(c, 1.0) == 4001
    assert "per" not in users_by_name(srv)
    expect_error(srv.delete(USERS + "/per", token=a), 404, "unknown_user", "name")
    expect_error(patch(srv, USERS + "/per", {"disabled": True}, token=a), 404,
                 "unknown_user", "name")
    assert wait_audit(srv, "user.disable", "per")["by"] == "admin"
    assert wait_audit(srv, "user.enable", "per")["by"] == "admin"
    assert wait_audit(srv, "user.remove", "per")["by"] == "admin"


def test_admin_reset_ends_sessions_and_the_old_password(srv):
    a = srv.token("admin")
    old = srv.login("kari")
    r = srv.ok(srv.post(USERS + "/kari/reset", token=a))
    code = r["reset"]["code"]
    srv.secrets.add(code)
    expect_error(srv.get("/api/v1/me", token=old), 401, "unauthorized")
    expect_error(srv.post("/api/v1/login", {"name": "kari", "password": password_of("kari")}),
                 401, "bad_credentials")
    # a second reset replaces the first code
    code2 = srv.ok(srv.post(USERS + "/kari/reset", token=a))["reset"]["code"]
    srv.secrets.add(code2)
    expect_error(srv.post("/api/v1/password", {"name": "kari", "code": code,
                                               "password": "kari-new-pw-1"}),
                 401, "bad_code", "code")
    srv.secrets.add("kari-new-pw-1")
    srv.ok(srv.post("/api/v1/password", {"name": "kari", "code": code2,
                                         "password": "kari-new-pw-1"}), 204)
    srv.login("kari", "kari-new-pw-1")
    assert wait_audit(srv, "user.reset", "kari")["by"] == "admin"
    expect_error(srv.post(USERS + "/nobody/reset", token=a), 404, "unknown_user", "name")


def test_reset_code_expires(srv):
    a = srv.token("admin")
    code = srv.ok(srv.post(USERS + "/ola/reset", token=a))["reset"]["code"]
    srv.secrets.add(code)
    srv.stop()
    db = sqlite3.connect(srv.db_path)
    db.execute("UPDATE resets SET expires_ms = 1 WHERE user = 'ola'")
    db.commit()
    db.close()
    srv.tokens.clear()
    srv.start()
    expect_error(srv.post("/api/v1/password", {"name": "ola", "code": code,
                                               "password": "ola-new-pw-1"}),
                 401, "bad_code", "code")


def test_wrong_codes_are_throttled(srv):
    body = {"name": "mona", "code": "AAAA-BBBB-CCCC", "password": "mona-new-pw-1"}
    statuses = []
    for _ in range(7):
        r = srv.post("/api/v1/password", body)
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert r.json()["error"]["code"] == "rate_limited"
            break
    assert statuses[0] == 401 and statuses[-1] == 429, statuses


def test_end_one_session(srv):
    a = srv.token("admin")
    t1 = srv.login("ola")
    c1 = srv.ws({"type": "hello", "token": t1})
    c1.recv_until(lambda m: m.get("type") == "snapshot")
    t2 = srv.login("ola")
    sessions = users_by_name(srv)["ola"]["sessions"]
    assert len(sessions) == 2
    sid = [s for s in sessions if s["websockets"] == 1][0]["id"]
    srv.ok(srv.delete(f"/api/v1/admin/sessions/{sid}", token=a), 204)
    expect_error(srv.get("/api/v1/me", token=t1), 401, "unauthorized")
    srv.ok(srv.get("/api/v1/me", token=t2))
    assert closed_within(c1, 1.0) == 4001
    expect_error(srv.delete(f"/api/v1/admin/sessions/{sid}", token=a), 404,
                 "unknown_session", "id")
    expect_error(srv.delete("/api/v1/admin/sessions/xyz", token=a), 404,
                 "unknown_session", "id")
    e = wait_audit(srv, "session.end", "ola")
    assert e["detail"] == sid and e["by"] == "admin"


def test_last_admin(srv):
    a = srv.token("admin")
    for body in ({"disabled": True}, {"role": "manager"}):
        expect_error(patch(srv, USERS + "/admin", body, token=a), 409, "last_admin")
    expect_error(srv.delete(USERS + "/admin", token=a), 409, "last_admin")
    srv.ok(srv.get("/api/v1/me", token=a))  # a refusal ends nothing
    # with a second admin the first may step down
    srv.ok(patch(srv, USERS + "/ola", {"role": "admin"}, token=a))
    srv.ok(patch(srv, USERS + "/admin", {"role": "manager"}, token=a))
    o = srv.login("ola")
    expect_error(srv.delete(USERS + "/ola", token=o), 409, "last_admin")
    assert users_by_name(srv, "ola")["ola"]["role"] == "admin"


def test_audit_limits(srv):
    a = srv.token("admin")
    for i in range(3):
        srv.ok(patch(srv, USERS + "/per", {"disabled": i % 2 == 0}, token=a))
    wait_audit(srv, "user.enable", "per")
    entries = audit(srv, limit=2)
    assert len(entries) == 2
    assert entries[0]["at"] >= entries[1]["at"]
    assert entries[0]["action"] == "user.disable"  # the newest first
    assert len(audit(srv)) >= 3
    assert audit(srv, who="mona")[0] == audit(srv)[0]
    for bad in ("0", "1001", "x", "-1", ""):
        expect_error(srv.get(f"/api/v1/admin/audit?limit={bad}", token=a), 400,
                     "bad_query", "limit")
    expect_error(srv.get("/api/v1/admin/audit?since=1", token=a), 400, "bad_query")


def test_audit_never_mentions_visitors(srv):
    t = srv.issue("nav")
    srv.open_counter("ola", "c1")
    srv.act("ola", "c1", "call-next")
    srv.ok(patch(srv, USERS + "/kari", {"services": ["nav"]}, token=srv.token("admin")))
    wait_audit(srv, "user.change", "kari")
    text = srv.get("/api/v1/admin/audit?limit=1000", token=srv.token("admin")).text
    assert t["id"] not in text and t["number"] not in text


# ---- hostile input ----

def test_hostile_input_on_every_route(srv):
    a, m, k = srv.token("admin"), srv.token("mona"), srv.token("kari")
    with srv.unchanged():
        # no session
        expect_error(srv.get(USERS), 401, "unauthorized")
        expect_error(srv.post(USERS, {"name": "x", "role": "counter"}), 401, "unauthorized")
        expect_error(patch(srv, USERS + "/kari", {"disabled": True}), 401, "unauthorized")
        expect_error(srv.delete(USERS + "/kari"), 401, "unauthorized")
        expect_error(srv.post(USERS + "/kari/reset"), 401, "unauthorized")
        expect_error(srv.delete("/api/v1/admin/sessions/" + "0" * 16), 401, "unauthorized")
        expect_error(srv.get("/api/v1/admin/audit"), 401, "unauthorized")
        # wrong role: counter staff read nothing, managers write nothing
        expect_error(srv.get(USERS, token=k), 403, "forbidden")
        expect_error(srv.get("/api/v1/admin/audit", token=k), 403, "forbidden")
        expect_error(srv.post(USERS, {"name": "x", "role": "counter"}, token=m), 403,
                     "forbidden")
        expect_error(patch(srv, USERS + "/kari", {"disabled": True}, token=m), 403,
                     "forbidden")
        expect_error(srv.delete(USERS + "/kari", token=m), 403, "forbidden")
        expect_error(srv.post(USERS + "/kari/reset", token=m), 403, "forbidden")
        expect_error(srv.delete("/api/v1/admin/sessions/" + "0" * 16, token=m), 403,
                     "forbidden")
        # a page of another site
        for r in (srv.post(USERS, {"name": "x", "role": "counter"}, token=a, headers=EVIL),
                  patch(srv, USERS + "/kari", {"disabled": True}, token=a, headers=EVIL),
                  srv.delete(USERS + "/kari", token=a, headers=EVIL),
                  srv.post(USERS + "/kari/reset", token=a, headers=EVIL),
                  srv.delete("/api/v1/admin/sessions/" + "0" * 16, token=a, headers=EVIL),
                  srv.post("/api/v1/password", {"name": "kari", "code": "x",
                                                "password": "y" * 9}, headers=EVIL)):
            expect_error(r, 403, "bad_origin", "origin")
        # bodies
        for path, send in ((USERS, srv.post), (USERS + "/kari", patch),
                           ("/api/v1/password", srv.post)):
            for raw in ("{", "[]", "\"x\"", "{\"a\":1,\"a\":2}"):
                expect_error(send(srv, path, data=raw, token=a) if send is patch
                             else send(path, data=raw, token=a), 400, "bad_json")
        cases = [
            (srv.post, USERS, {"name": "x", "role": "counter", "colour": "red"},
             "unknown_field", "colour"),
            (srv.post, USERS, {"name": 7, "role": "counter"}, "bad_request", "name"),
            (srv.post, USERS, {"name": "Bad Name", "role": "counter"}, "bad_name", "name"),
            (srv.post, USERS, {"name": "x" * 65, "role": "counter"}, "bad_name", "name"),
            (srv.post, USERS, {"role": "counter"}, "bad_request", "name"),
            (srv.post, USERS, {"name": "x", "role": "boss"}, "bad_role", "role"),
            (srv.post, USERS, {"name": "x", "role": ["admin"]}, "bad_request", "role"),
            (srv.post, USERS, {"name": "x"}, "bad_request", "role"),
            (srv.post, USERS, {"name": "x", "role": "counter", "services": "nav"},
             "bad_request", "services"),
            (srv.post, USERS, {"name": "x", "role": "counter", "services": ["nav", "nva"]},
             "unknown_service", "services[1]"),
            (srv.post, USERS, {"name": "x", "role": "counter", "services": [1]},
             "bad_request", "services[0]"),
            (srv.post, USERS, {"name": "x", "role": "counter", "services": ["nav", "nav"]},
             "bad_request", "services[1]"),
            (patch, USERS + "/kari", {"disabled": "yes"}, "bad_request", "disabled"),
            (patch, USERS + "/kari", {"role": "root"}, "bad_role", "role"),
            (patch, USERS + "/kari", {"name": "kim"}, "unknown_field", "name"),
            (patch, USERS + "/kari", {}, "bad_request", None),
            (patch, USERS + "/kari", {"services": ["nav", 3]}, "bad_request", "services[1]"),
            (srv.post, USERS + "/kari/reset", {"force": True}, "unknown_field", "force"),
            (srv.post, "/api/v1/password", {"name": "kari", "code": "x"}, "bad_request",
             "password"),
            (srv.post, "/api/v1/password", {"name": "kari", "code": 1, "password": "p" * 9},
             "bad_request", "code"),
            (srv.post, "/api/v1/password", {"name": "kari", "code": "x", "password": "short"},
             "bad_request", "password"),
            (srv.post, "/api/v1/password", {"name": "kari", "code": "x",
                                            "password": "p" * 1025}, "bad_request", "password"),
            (srv.post, "/api/v1/password", {"name": "KARI", "code": "x", "password": "p" * 9},
             "bad_name", "name"),
            (srv.post, "/api/v1/password", {"name": "kari", "code": "x", "password": "p" * 9,
                                            "admin": True}, "unknown_field", "admin"),
        ]
        for send, path, body, code, field in cases:
            r = send(srv, path, body, token=a) if send is patch else send(path, body, token=a)
            expect_error(r, 422, code, field)
        expect_error(srv.delete(USERS + "/kari", body={"really": True}, token=a), 422,
                     "unknown_field", "really")
        expect_error(srv.delete("/api/v1/admin/sessions/" + "0" * 16, body={"x": 1},
                                token=a), 422, "unknown_field", "x")
        # names in the path that cannot be users, oversized ones too
        for name in ("KARI", "x" * 65, "a%20b", "k&ari"):
            expect_error(patch(srv, f"{USERS}/{name}", {"disabled": True}, token=a), 404,
                         "unknown_user", "name")
        expect_error(srv.post(USERS, data="{" + "\"a\":1," * 4000 + "\"b\":2}", token=a),
                     413, "payload_too_large")
        expect_error(srv.request("PUT", USERS, body={}, token=a), 405, "method_not_allowed")
        expect_error(srv.get(USERS + "/kari", token=a), 405, "method_not_allowed")
        expect_error(patch(srv, USERS + "/kari", data="{\"disabled\": true}", token=a,
                           headers={"Content-Type": "text/plain"}), 415,
                     "unsupported_media_type")
    assert users_by_name(srv)["kari"]["disabled"] is False
    assert [e for e in audit(srv, limit=1000) if e["by"] != "cli"] == [], \
        "refused requests must not be audited"


# ---- one counter per user ----

def test_one_counter_per_user_and_move(srv):
    ola = srv.token("ola")
    assert srv.ok(srv.get("/api/v1/me", token=ola))["counter"] is None
    srv.open_counter("ola", "c1")
    assert srv.ok(srv.get("/api/v1/me", token=ola))["counter"] == "c1"
    with srv.unchanged():
        e = expect_error(srv.post("/api/v1/counters/c3/open", token=ola), 409,
                         "signed_in_elsewhere")
        assert e["counter"] == "c1"
    t = srv.issue("nav")  # a visitor at c1: no move either
    srv.act("ola", "c1", "call-next")
    with srv.unchanged():
        e = expect_error(srv.post("/api/v1/counters/c3/open", {"move": True}, token=ola),
                         409, "counter_busy")
        assert e["counter"] == "c1"
        expect_error(srv.post("/api/v1/counters/c3/open", {"move": "yes"}, token=ola), 400,
                     "bad_request", "move")
    srv.act("ola", "c1", "start")
    srv.act("ola", "c1", "finish")
    r = srv.act("ola", "c3", "open", {"move": True})
    assert r["counter"]["id"] == "c3" and r["counter"]["open"] is True
    counters = {c["id"]: c["open"] for c in srv.floor()["counters"]}
    assert counters["c1"] is False and counters["c3"] is True
    assert srv.ok(srv.get("/api/v1/me", token=ola))["counter"] == "c3"
    # another user is not held back by ola's counter; t was served
    srv.open_counter("kari", "c1")
    assert srv.ticket(t["id"])["state"] == "done"


def test_ws_open_keeps_the_same_rule(srv):
    srv.open_counter("ola", "c2")
    c = staff_ws(srv, "ola")
    c.send({"type": "cmd", "id": 1, "op": "open", "counter": "c3"})
    reply = c.recv_until(lambda m: m.get("type") == "reply")[-1]
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == "signed_in_elsewhere"
    assert reply["error"]["counter"] == "c2"
    c.send({"type": "cmd", "id": 2, "op": "open", "counter": "c3", "move": True})
    reply = c.recv_until(lambda m: m.get("type") == "reply" and m.get("id") == 2)[-1]
    assert reply["ok"] is True, reply
    counters = {x["id"]: x["open"] for x in srv.floor()["counters"]}
    assert counters["c2"] is False and counters["c3"] is True
    # the session list shows the counter on the session that opened it
    sessions = users_by_name(srv)["ola"]["sessions"]
    assert [s["counter"] for s in sessions if s["websockets"] == 1] == ["c3"], sessions
    c.close()


def test_a_backup_holds_no_reset_codes_but_the_audit(srv):
    code = srv.ok(srv.post(USERS + "/kari/reset", token=srv.token("admin")))["reset"]["code"]
    srv.secrets.add(code)
    wait_audit(srv, "user.reset", "kari")
    target = os.path.join(srv.workdir, "copy.db")
    r = srv.cli("backup", target)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(target)
    try:
        assert db.execute("SELECT COUNT(*) FROM resets").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'user.reset'"
                          ).fetchone()[0] == 1
    finally:
        db.close()


def test_a_websocket_signed_in_by_cookie_closes_too(srv):
    tok = srv.login("kari")
    c = srv.ws({"type": "hello"}, headers={"Cookie": f"torg_session={tok}"})
    c.recv_until(lambda m: m.get("type") == "snapshot")
    anon = srv.ws({"type": "hello"})  # a display: nobody's session, it stays
    anon.recv_until(lambda m: m.get("type") == "snapshot")
    assert users_by_name(srv)["kari"]["sessions"][0]["websockets"] == 1
    srv.ok(patch(srv, USERS + "/kari", {"services": ["nav"]}, token=srv.token("admin")))
    assert closed_within(c, 1.0) == 4001
    assert closed_within(anon, 0.5) is None
    anon.close()


def test_logout_closes_that_sessions_websockets_only(srv):
    """A logout ends its own session's WebSockets at once (4001 "signed out"); the same
    user's other session, and its WebSocket, go on."""
    mine, theirs = srv.login("ola"), srv.login("ola")
    c = srv.ws({"type": "hello", "token": mine})
    c.recv_until(lambda m: m.get("type") == "snapshot")
    other = srv.ws({"type": "hello", "token": theirs})
    other.recv_until(lambda m: m.get("type") == "snapshot")
    assert srv.post("/api/v1/logout", token=mine).status_code == 204
    assert closed_within(c, 1.0) == 4001
    assert closed_within(other, 0.5) is None
    srv.ok(srv.get("/api/v1/me", token=theirs))
    other.close()
