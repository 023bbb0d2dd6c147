"""The command line: --check-config on good and bad files, --version, --help, and
`torgd user add|list|remove|passwd|disable|enable|set`."""

import json
import os
import sqlite3
import time

import pytest

from torgtest import ROOT_DIR, Torgd, config_with, password_of


@pytest.fixture
def off(torgd_bin, tmp_path):
    """A Torgd whose config and database exist but that is not started (no users)."""
    return Torgd(torgd_bin, tmp_path / "cli", users={})


def check(off, cfg_text):
    """Writes cfg_text as the config and runs --check-config; returns the result."""
    path = os.path.join(off.workdir, "check.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(cfg_text)
    return off.cli("--check-config", "--config", path, with_config=False)


def test_check_config_good(off):
    r = check(off, json.dumps(config_with()))
    assert r.returncode == 0, r.stderr


def test_check_config_demo_floor(off):
    demo = os.path.join(ROOT_DIR, "config", "demo-floor.json")
    if not os.path.exists(demo):
        pytest.fail("config/demo-floor.json is missing")
    r = off.cli("--check-config", "--config", demo, with_config=False)
    assert r.returncode == 0, r.stderr


BAD_CONFIGS = [
    (lambda c: c["counters"][0]["services"].__setitem__(0, "nva"),
     ["counters[0].services[0]", "nva"]),
    (lambda c: c["services"][1].__setitem__("prefix", "A"), ["services[1].prefix"]),
    (lambda c: c["services"][2].__setitem__("colour", "red"), ["services[2].colour"]),
    (lambda c: c["floor"].pop("timezone"), ["floor.timezone"]),
    (lambda c: c["floor"].__setitem__("timezone", "Mars/Olympus"), ["floor.timezone"]),
    (lambda c: c["services"][0].__setitem__("target_wait_s", "soon"),
     ["services[0].target_wait_s"]),
    (lambda c: c.__setitem__("hours", {"mon": [["08:00", "25:00"]]}), ["hours.mon[0]"]),
    (lambda c: c["services"][3]["name"].pop("sv"), ["services[3].name"]),
    (lambda c: c.setdefault("kiosks", {}).__setitem__("idle_s", 1),
     ["kiosks.idle_s: 1 s is less than the minimum 3 s"]),
]


@pytest.mark.parametrize("mutate,places", BAD_CONFIGS,
                         ids=["unknown-service", "dup-prefix", "unknown-key", "no-timezone",
                              "bad-timezone", "bad-type", "bad-hours", "missing-language",
                              "short-kiosk-idle"])
def test_check_config_bad(off, mutate, places):
    cfg = config_with()
    mutate(cfg)
    r = check(off, json.dumps(cfg))
    assert r.returncode != 0
    out = r.stderr + r.stdout
    for p in places:
        assert p in out, f"{p!r} not named in: {out}"


def test_check_config_reports_every_error_at_once(off):
    """One run names every error, one line each in the order of the file, then how many;
    a torgd started on the same file refuses it the same way (issue 13)."""
    cfg = config_with()
    cfg["floor"]["languages"].append("se")  # no "se" text anywhere yet
    cfg["services"][1]["prefix"] = "A"
    cfg["counters"][2]["services"][1] = "nva"
    cfg["counters"][3]["services"] = ["nva"]
    cfg["kiosks"]["idle_s"] = 1
    path = os.path.join(off.workdir, "check.json")
    want = [
        "floor.name.se: missing",
        "services[0].name.se: missing",
        'services[1].prefix: "A" is already used by services[0]',
        "services[1].name.se: missing",
        "services[2].name.se: missing",
        "services[3].name.se: missing",
        "counters[0].name.se: missing",
        'counters[2].services[1]: unknown service "nva"',
        'counters[3].services[0]: unknown service "nva"',
        "kiosks.idle_s: 1 s is less than the minimum 3 s",
    ]
    lines = [f"torgd: {path}: {w}" for w in want] + ["torgd: 10 errors"]
    r = check(off, json.dumps(cfg))
    assert (r.returncode, r.stdout, r.stderr.splitlines()) == (2, "", lines), r.stderr
    r = off.cli("--config", path, "--db", off.db_path, "--listen", "127.0.0.1:1",
                with_config=False)
    assert (r.returncode, r.stderr.splitlines()) == (2, lines), r.stderr
    # One error is one line and "1 error"; a good file still prints only its size.
    cfg = config_with()
    cfg["services"][0]["prefix"] = "a"
    r = check(off, json.dumps(cfg))
    assert (r.returncode, r.stderr.splitlines()) == (2, [
        f'torgd: {path}: services[0].prefix: "a" is not 1 or 2 capital letters A-Z',
        "torgd: 1 error"]), r.stderr
    r = check(off, json.dumps(config_with()))
    assert (r.returncode, r.stderr) == (0, ""), r.stderr
    assert r.stdout == f"{path}: ok (floor testtorg: 4 services, 4 counters, 2 displays)\n"


def test_check_config_syntax_error_has_line_and_column(off):
    text = json.dumps(config_with(), indent=1).replace('"prefix": "B"', '"prefix": B', 1)
    r = check(off, text)
    assert r.returncode != 0
    assert "line" in r.stderr and "column" in r.stderr, r.stderr
    assert r.stderr.splitlines()[-1] == "torgd: 1 error", r.stderr  # nothing after it is read


def test_check_config_missing_file(off):
    r = off.cli("--check-config", "--config", os.path.join(off.workdir, "nope.json"),
                with_config=False)
    assert r.returncode != 0 and "nope.json" in r.stderr, r.stderr


def test_version_and_help(off):
    r = off.cli("--version", with_config=False)
    assert r.returncode == 0 and "0.1.0" in r.stdout, (r.stdout, r.stderr)
    r = off.cli("--help", with_config=False)
    assert r.returncode == 0
    for word in ("--config", "--listen", "--db", "--check-config", "user"):
        assert word in r.stdout, (word, r.stdout)
    r = off.cli("--no-such-option", with_config=False)
    assert r.returncode != 0 and r.stderr


def users_of(off):
    """`torgd user list` as {name: (role, services)}."""
    r = off.cli("user", "list")
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        parts = line.split("\t")
        assert len(parts) >= 2, f"not tab-separated: {line!r}"
        out[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    return out


def test_user_add_list_remove(off):
    assert users_of(off) == {}
    off.add_user("kari", "counter", ["reception", "nav"])
    off.add_user("mona", "manager")
    users = users_of(off)
    assert set(users) == {"kari", "mona"}
    assert users["kari"][0] == "counter" and users["kari"][1].replace(" ", "") in (
        "reception,nav", "nav,reception")
    assert users["mona"][0] == "manager"
    listing = off.cli("user", "list").stdout
    assert "$y$" not in listing and "Pw-" not in listing, "list must never show secrets"

    r = off.cli("user", "add", "kari", "--role", "admin", input_text="another-password\n")
    assert r.returncode != 0 and "kari" in r.stderr, r.stderr
    r = off.cli("user", "add", "boss", "--role", "boss", input_text="another-password\n")
    assert r.returncode != 0 and "boss" in r.stderr, r.stderr
    r = off.cli("user", "add", "kim", "--role", "counter", "--services", "nva",
                input_text="another-password\n")
    assert r.returncode != 0 and "nva" in r.stderr, r.stderr
    r = off.cli("user", "add", "kim", "--role", "counter", input_text="short\n")
    assert r.returncode != 0 and r.stderr
    r = off.cli("user", "add", "Bad Name", "--role", "counter", input_text="long-enough-pw\n")
    assert r.returncode != 0 and r.stderr
    assert set(users_of(off)) == {"kari", "mona"}

    r = off.cli("user", "remove", "kari")
    assert r.returncode == 0, r.stderr
    assert set(users_of(off)) == {"mona"}
    r = off.cli("user", "remove", "kari")
    assert r.returncode != 0 and "kari" in r.stderr


def test_users_added_work_for_login(make_server):
    srv = make_server(users={"eva": ("counter", ["housing"])})
    tok = srv.login("eva")
    me = srv.ok(srv.get("/api/v1/me", token=tok))["user"]
    assert me == {"name": "eva", "role": "counter", "services": ["housing"]}


def test_user_add_password_limits(off):
    """8 to 1024 bytes, the same limit as the login body's password."""
    for n, ok in ((7, False), (8, True), (1024, True), (1025, False)):
        pw = "q" * n
        r = off.cli("user", "add", f"len{n}", "--role", "counter", input_text=pw + "\n")
        if ok:
            assert r.returncode == 0, (n, r.stderr)
        else:
            assert r.returncode == 1, (n, r.returncode, r.stderr)
            assert "user add: password must be 8 to 1024 bytes" in r.stderr, (n, r.stderr)
    assert set(users_of(off)) == {"len8", "len1024"}


def test_user_add_before_the_first_start_makes_the_directory(make_server):
    """`torgd user add` on a database whose directories do not exist yet (an installed
    torgd before its first start: /var/lib/torg/FLOOR) makes them, mode 0750; the server
    then starts on that database and the user signs in."""
    srv = make_server(users={}, start=False)
    state = os.path.join(srv.workdir, "var", "lib", "torg")
    srv.db_path = os.path.join(state, "demo", "torg.db")
    srv.add_user("eva", "counter", ["housing"])
    for d in (state, os.path.join(state, "demo")):
        assert os.stat(d).st_mode & 0o777 == 0o750, oct(os.stat(d).st_mode)
    r = srv.cli("user", "list")
    assert r.returncode == 0 and "eva" in r.stdout, r.stderr
    assert "created" not in r.stderr, "a directory that exists is not made again"
    srv.start()
    assert srv.login("eva")


def test_serve_makes_the_database_directory(make_server):
    srv = make_server(users={}, start=False)
    srv.db_path = os.path.join(srv.workdir, "fresh", "torg.db")
    srv.start()
    assert "created the database's directory " + os.path.join(srv.workdir, "fresh") \
        in srv.read_stderr()
    assert os.path.exists(srv.db_path)


@pytest.mark.parametrize("args", [("user", "list"), ("--listen", "127.0.0.1:1")])
def test_database_directory_that_cannot_be_made(off, args):
    """A file where a directory of the database's path should be: one line naming it,
    exit 1, for `user` and for serving alike."""
    blocker = os.path.join(off.workdir, "blocker")
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    off.db_path = os.path.join(blocker, "demo", "torg.db")
    r = off.cli(*args)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert f"{blocker} is in the database's path ({off.db_path}) but is not a directory" \
        in r.stderr, r.stderr


def test_user_passwd_disable_enable_set(off):
    off.add_user("kari", "counter", ["nav"])
    r = off.cli("user", "disable", "kari")
    assert r.returncode == 0, r.stderr
    line = [ln for ln in off.cli("user", "list").stdout.splitlines()
            if ln.startswith("kari\t")][0]
    assert line.split("\t")[3] == "disabled", line
    r = off.cli("user", "enable", "kari")
    assert r.returncode == 0, r.stderr
    assert off.cli("user", "list").stdout.strip() == "kari\tcounter\tnav"
    r = off.cli("user", "set", "kari", "--role", "admin", "--services", "*")
    assert r.returncode == 0, r.stderr
    assert users_of(off)["kari"] == ("admin", "*")
    r = off.cli("user", "set", "kari", "--services", "reception,nav")
    assert r.returncode == 0, r.stderr
    assert users_of(off)["kari"] == ("admin", "reception,nav")
    off.secrets.add("a-new-password-1")
    r = off.cli("user", "passwd", "kari", input_text="a-new-password-1\n")
    assert r.returncode == 0, r.stderr
    # refusals name what is wrong and change nothing
    for args, word in ((("user", "set", "kari", "--role", "boss"), "boss"),
                       (("user", "set", "kari", "--services", "nva"), "nva"),
                       (("user", "set", "kari", "--colour", "red"), "--colour"),
                       (("user", "set", "kari"), "nothing"),
                       (("user", "disable", "nobody"), "nobody"),
                       (("user", "enable", "nobody"), "nobody"),
                       (("user", "set", "nobody", "--role", "admin"), "nobody")):
        r = off.cli(*args)
        assert r.returncode != 0 and word in r.stderr, (args, r.stderr)
    r = off.cli("user", "passwd", "kari", input_text="short\n")
    assert r.returncode != 0 and "password" in r.stderr
    r = off.cli("user", "passwd", "nobody", input_text="long-enough-pw\n")
    assert r.returncode != 0 and "nobody" in r.stderr
    assert users_of(off)["kari"] == ("admin", "reception,nav")
    db = sqlite3.connect(off.db_path)
    rows = db.execute("SELECT by, action, target FROM audit ORDER BY rowid").fetchall()
    db.close()
    assert rows == [("cli", a, "kari") for a in (
        "user.add", "user.disable", "user.enable", "user.change", "user.change",
        "user.password")], rows
    r = off.cli("--help", with_config=False)
    for word in ("passwd", "disable", "enable", "user set", "--role", "--services"):
        assert word in r.stdout, word
    man = open(os.path.join(ROOT_DIR, "deploy", "man", "torgd.8"), encoding="utf-8").read()
    for word in ("user passwd", "user disable", "user enable", "user set"):
        assert word in man, word


def test_user_passwd_takes_effect_in_a_running_torgd(make_server):
    srv = make_server(users={"eva": ("counter", ["housing"])})
    old = srv.login("eva")
    srv.secrets.add("eva-second-password")
    r = srv.cli("user", "passwd", "eva", input_text="eva-second-password\n")
    assert r.returncode == 0, r.stderr
    deadline = time.monotonic() + 3
    while srv.get("/api/v1/me", token=old).status_code != 401:
        assert time.monotonic() < deadline, "the old session outlived the new password"
        time.sleep(0.1)
    assert srv.post("/api/v1/login", {"name": "eva", "password": password_of("eva")}
                    ).status_code == 401
    srv.login("eva", "eva-second-password")
    r = srv.cli("user", "disable", "eva")
    assert r.returncode == 0
    deadline = time.monotonic() + 3
    while srv.get("/api/v1/me", token=srv.tokens["eva"]).status_code != 401:
        assert time.monotonic() < deadline, "a disabled user's session still worked"
        time.sleep(0.1)
    assert srv.post("/api/v1/login", {"name": "eva", "password": "eva-second-password"}
                    ).status_code == 401
