"""The floor's configuration changes while torgd runs (issue 13): GET/PUT
/api/v1/admin/config, the file and SIGHUP, services and counters removed or renamed
mid-day, start-up over a day whose journal names what the file no longer has, and
`torgd --check-config --db`."""
import copy
import json
import os
import signal
import sqlite3
import threading
import time

from torgtest import BASE_CONFIG, expect_error


def get_config(srv, user="admin"):
    return srv.ok(srv.get("/api/v1/admin/config", token=srv.token(user)))


def put_config(srv, cfg, version, user="admin", **kw):
    return srv.request("PUT", "/api/v1/admin/config", token=srv.token(user),
                       body={"config": cfg, "version": version}, **kw)


def change(srv, edit, user="admin"):
    """GETs the document, applies edit(cfg) and PUTs it; returns the 200 answer."""
    g = get_config(srv, user)
    cfg = copy.deepcopy(g["config"])
    edit(cfg)
    return srv.ok(put_config(srv, cfg, g["version"], user))


def drop_service(cfg, sid):
    """Removes service sid from the document and from every list naming it."""
    cfg["services"] = [s for s in cfg["services"] if s["id"] != sid]
    for c in cfg["counters"]:
        c["services"] = [x for x in c["services"] if x != sid] or [cfg["services"][0]["id"]]
    for d in cfg.get("displays", []):
        if "services" in d:
            d["services"] = [x for x in d["services"] if x != sid] or [cfg["services"][0]["id"]]


def history(srv):
    db = sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT seq, by, doc FROM config_history ORDER BY seq").fetchall()
    finally:
        db.close()


def journal_kinds(srv):
    db = sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT seq, kind, json FROM journal ORDER BY seq").fetchall()
    finally:
        db.close()


def service(floor, sid):
    return next((s for s in floor["services"] if s["id"] == sid), None)


def test_get_config_by_role(srv):
    g = get_config(srv)
    assert g["editable"] == ["*"]
    assert len(g["version"]) == 16 and int(g["version"], 16) >= 0
    assert [s["id"] for s in g["config"]["services"]] == [s["id"] for s in BASE_CONFIG["services"]]
    m = get_config(srv, "mona")
    assert m["editable"] == ["exceptions", "messages"] and m["version"] == g["version"]
    expect_error(srv.get("/api/v1/admin/config", token=srv.token("kari")), 403, "forbidden")
    expect_error(srv.get("/api/v1/admin/config"), 401, "unauthorized")


def test_manager_never_sees_kiosk_keys(make_server):
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg["kiosks"] = {"policy": "key", "keys": [{"id": "door", "key": "k" * 24}]}
    srv = make_server(config=cfg)
    srv.secrets.add("k" * 24)
    assert get_config(srv)["config"]["kiosks"]["keys"][0]["key"] == "k" * 24
    shown = get_config(srv, "mona")["config"]["kiosks"]["keys"][0]["key"]
    assert shown == "(hidden)"


def test_a_change_runs_at_once_and_is_journaled_with_who(srv):
    d = srv.ws({"type": "hello", "display": "hall"})
    first = d.recv()
    assert first["type"] == "snapshot"
    seq0 = srv.seq()

    def rename(cfg):
        cfg["services"][1]["name"]["en"] = "NAV – work and welfare"
    r = change(srv, rename)
    assert r["seq"] == seq0 + 1 and r["version"] == get_config(srv, "mona")["version"]
    assert service(srv.floor(), "nav")["name"]["en"] == "NAV – work and welfare"
    # the open display gets a fresh snapshot with it, on the same connection
    snap = d.recv_until(lambda m: m.get("type") == "snapshot")[-1]
    assert service(snap, "nav")["name"]["en"] == "NAV – work and welfare"
    assert snap["seq"] >= r["seq"]
    d.close()
    # journaled: a public floor.config event naming what changed (and nobody), and who
    # made it beside it
    seq, kind, text = journal_kinds(srv)[-1]
    ev = json.loads(text)
    assert seq == r["seq"] and kind == 14
    assert ev["kind"] == "floor.config" and ev["changed"] == ["services"] and "by" not in ev
    (hseq, by, doc), = history(srv)
    assert (hseq, by) == (r["seq"], "admin")
    assert json.loads(doc)["services"][1]["name"]["en"] == "NAV – work and welfare"
    # and in the audit log managers read
    audit = srv.ok(srv.get("/api/v1/admin/audit", token=srv.token("mona")))["entries"]
    top = audit[0]
    assert (top["by"], top["action"], top["target"], top["detail"]) == (
        "admin", "config.change", "floor", "services")
    # written to the file: a restart runs the same
    with open(srv.config_path, encoding="utf-8") as f:
        assert json.load(f)["services"][1]["name"]["en"] == "NAV – work and welfare"
    srv.restart()
    assert service(srv.floor(), "nav")["name"]["en"] == "NAV – work and welfare"


def test_a_removed_service_keeps_its_tickets_for_the_day(srv):
    a = srv.issue("reception")
    srv.issue("nav")
    change(srv, lambda cfg: drop_service(cfg, "reception"))
    f = srv.floor()
    kept = service(f, "reception")
    assert kept["retired"] is True and kept["waiting"] == 1
    assert [s["id"] for s in f["services"]][-1] == "reception"  # after the file's own
    expect_error(srv.post("/api/v1/tickets", {"service": "reception"}), 400, "unknown_service")
    # the counter that gave it calls it, serves it, transfers it
    srv.open_counter("ola", "c1")
    called = srv.act("ola", "c1", "call-next")
    assert called["ticket"]["number"] == a["number"]
    srv.act("ola", "c1", "start")
    expect_error(srv.post("/api/v1/counters/c1/transfer",
                          {"service": "reception", "position": "back"}, token=srv.token("ola")),
                 400, "unknown_service")
    moved = srv.act("ola", "c1", "transfer", {"service": "nav", "position": "front"})
    assert moved["ticket"]["number"] == a["number"] and moved["ticket"]["service"] == "nav"
    # and a restart on a file without it still starts, with the day as it was
    before = srv.summary()
    srv.restart()
    assert srv.summary() == before
    r = srv.cli("check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_file_edited_mid_day_never_stops_torgd_from_starting(srv):
    """The old failure: 'journal seq 2 names service … which is not in the floor
    configuration'. The file loses a service and a counter while tickets of the day
    are in them; torgd starts, and the day goes on."""
    t = srv.issue("social")
    srv.open_counter("ola", "r1")
    srv.stop()
    cfg = copy.deepcopy(srv.config)
    drop_service(cfg, "social")
    cfg["counters"] = [c for c in cfg["counters"] if c["id"] != "r1"]
    with open(srv.config_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    srv.start()
    f = srv.floor()
    assert service(f, "social")["retired"] and service(f, "social")["waiting"] == 1
    r1 = next(c for c in f["counters"] if c["id"] == "r1")
    assert r1["open"] and r1["retired"]
    called = srv.act("ola", "r1", "call-next")
    assert called["ticket"]["number"] == t["number"]
    srv.act("ola", "r1", "start")
    srv.act("ola", "r1", "finish")
    srv.act("ola", "r1", "close")
    expect_error(srv.post("/api/v1/counters/r1/open", {}, token=srv.token("ola")), 404,
                 "unknown_counter")


def test_a_renamed_service_keeps_its_numbering(srv):
    first = srv.issue("nav")

    def rename(cfg):
        s = cfg["services"][1]
        s["id"] = "nav-work"
        for c in cfg["counters"]:
            c["services"] = ["nav-work" if x == "nav" else x for x in c["services"]]
    change(srv, rename)
    f = srv.floor()
    assert service(f, "nav") is None
    assert service(f, "nav-work")["waiting"] == 1
    second = srv.issue("nav-work")
    assert (first["number"], second["number"]) == ("B001", "B002")
    srv.restart()
    third = srv.issue("nav-work")
    assert third["number"] == "B003"
    srv.open_counter("ola", "c1")
    assert srv.act("ola", "c1", "call-next")["ticket"]["number"] == "B001"


def test_every_error_at_once_and_what_the_day_forbids(srv):
    srv.issue("nav")
    g = get_config(srv)
    bad = copy.deepcopy(g["config"])
    bad["services"][1]["prefix"] = "N"  # nav issued B001 today
    bad["services"][2]["name"].pop("sv")
    bad["counters"][0]["services"] = ["nope"]
    bad["server"] = {"listen": "127.0.0.1:1"}
    r = put_config(srv, bad, g["version"])
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_config"
    paths = [e["path"] for e in err["errors"]]
    for p in ("services[2].name.sv", "counters[0].services[0]", "services[1].prefix",
              "server.listen"):
        assert p in paths, (p, err["errors"])
    assert err["message"] == f"the configuration has {len(paths)} errors"
    prefix = next(e for e in err["errors"] if e["path"] == "services[1].prefix")
    assert "today" in prefix["message"] and '"B"' in prefix["message"]
    # nothing changed
    assert get_config(srv)["version"] == g["version"]
    assert service(srv.floor(), "nav")["prefix"] == "B"


def test_bad_requests(srv):
    g = get_config(srv)
    tok = srv.token("admin")

    def put(data, **kw):
        return srv.request("PUT", "/api/v1/admin/config", token=tok, data=data, **kw)
    expect_error(put("[]"), 400, "bad_request")
    expect_error(put("{"), 400, "bad_request")
    expect_error(put(json.dumps({"config": g["config"], "version": g["version"], "x": 1})),
                 400, "unknown_field", "x")
    expect_error(put(json.dumps({"config": [], "version": g["version"]})), 400,
                 "bad_request", "config")
    expect_error(put(json.dumps({"config": g["config"]})), 400, "bad_request", "version")
    r = put(json.dumps({"config": g["config"], "version": "0" * 16}))
    expect_error(r, 409, "version_conflict")
    assert r.json()["error"]["version"] == g["version"]
    expect_error(put(json.dumps({"config": g["config"], "version": g["version"]}),
                     headers={"Origin": "https://evil.example"}), 403, "bad_origin", "origin")
    expect_error(put(json.dumps({"config": g["config"], "version": g["version"]}),
                     headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
    big = json.dumps({"config": {**g["config"], "_pad": "x" * (600 * 1024)},
                      "version": g["version"]})
    expect_error(put(big), 413, "payload_too_large")
    # who may not: nobody signed in, a counter user, a manager outside their keys
    expect_error(srv.request("PUT", "/api/v1/admin/config", data=big), 401, "unauthorized")
    expect_error(srv.request("PUT", "/api/v1/admin/config", token=srv.token("kari"),
                             data=json.dumps({"config": g["config"], "version": g["version"]})),
                 403, "forbidden")
    cfg = copy.deepcopy(get_config(srv, "mona")["config"])
    cfg["services"][0]["target_wait_s"] = 60
    expect_error(put_config(srv, cfg, g["version"], "mona"), 403, "forbidden", "services")
    cfg = copy.deepcopy(g["config"])
    cfg["auth"] = {"ldap": {"url": "ldap://127.0.0.1:1", "bind_dn": "cn=x",
                            "bind_password_file": "/etc/shadow", "user_base": "dc=x",
                            "groups": [{"dn": "cn=g", "role": "admin"}]}}
    expect_error(put_config(srv, cfg, g["version"]), 403, "forbidden", "auth")
    expect_error(srv.request("POST", "/api/v1/admin/config", token=tok, body={}), 405,
                 "method_not_allowed")
    assert get_config(srv)["version"] == g["version"]
    assert srv.healthz()["status"] == "ok"


def test_sighup_reads_the_file_again(srv):
    d = srv.ws({"type": "hello", "display": "upstairs"})
    d.recv()
    cfg = copy.deepcopy(srv.config)
    cfg["counters"][1]["name"] = {"nb": "Bolig 2", "nn": "Bustad 2", "sv": "Boende 2",
                                  "en": "Housing 2"}
    with open(srv.config_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    seq = srv.seq()
    srv.proc.send_signal(signal.SIGHUP)
    snap = d.recv_until(lambda m: m.get("type") == "snapshot")[-1]
    c2 = next(c for c in snap["counters"] if c["id"] == "c2")
    assert c2["name"]["en"] == "Housing 2" and snap["seq"] == seq + 1
    assert history(srv)[-1][1] == "file"
    # a file with errors is refused whole, each error logged; the floor runs on
    cfg["services"][0]["prefix"] = "aa"
    cfg["counters"][0]["services"] = ["nope"]
    with open(srv.config_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "counters[0].services[0]" not in srv.read_stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = srv.read_stderr()
    assert "services[0].prefix" in log and "counters[0].services[0]" in log
    assert srv.seq() == seq + 1
    d.close()
    with open(srv.config_path, "w", encoding="utf-8") as f:
        json.dump(srv.config, f)  # the teardown's clean stop reads nothing, but keep it true


def test_a_display_removed_is_closed_and_a_new_one_serves(srv):
    d = srv.ws({"type": "hello", "display": "upstairs"})
    d.recv()

    def edit(cfg):
        cfg["displays"] = [x for x in cfg["displays"] if x["id"] != "upstairs"]
        cfg["displays"].append({"id": "lobby", "name": "Lobby", "services": ["nav"]})
    change(srv, edit)
    code, _ = d.wait_closed()
    assert code == 4002
    n = srv.ws({"type": "hello", "display": "lobby"})
    snap = n.recv()
    assert [s["id"] for s in snap["services"]] == ["nav"]
    n.close()


def test_check_config_against_the_day(srv):
    srv.issue("nav")
    cfg = copy.deepcopy(srv.config)
    cfg["services"][1]["prefix"] = "N"
    path = os.path.join(srv.workdir, "next.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    r = srv.cli("--check-config", "--config", path, "--db", srv.db_path, with_config=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "services[1].prefix" in r.stderr and '"B"' in r.stderr
    r = srv.cli("--check-config", "--config", srv.config_path, "--db", srv.db_path,
                with_config=False)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout + r.stderr


def test_concurrent_changes_one_at_a_time(srv):
    """Two PUTs on the same version: the second is a conflict or busy, never both."""
    g = get_config(srv)
    a = copy.deepcopy(g["config"])
    a["services"][0]["target_wait_s"] = 700
    b = copy.deepcopy(g["config"])
    b["services"][0]["target_wait_s"] = 800
    res = []
    ts = [threading.Thread(target=lambda c=c: res.append(put_config(srv, c, g["version"])))
          for c in (a, b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    codes = sorted(r.status_code for r in res)
    assert codes[0] == 200 and codes[1] == 409, [r.text for r in res]
    assert len(history(srv)) == 1
