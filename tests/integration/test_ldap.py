"""Sign-in through the directory (auth.ldap) against a real slapd, Debian's, that the
tests start themselves on free ports with a throw-away configuration, database and CA:
ldap:// with StartTLS and ldaps://, both with the CA's certificate for 127.0.0.1.

The directory (dc=torg,dc=test): ann in the counter group for reception and nav, bob in
no group, mia in that group and the managers', dan and eve in the counter group for all
services; cn=svc is the service account, the only one that may read the tree. Groups
are groupOfNames found by a search under ou=groups (slapd has no memberof overlay here);
each user also names their groups in seeAlso, for the group_attr form.
"""

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from torgtest import ThrowawayCA, config_with, expect_error, free_port, need_tool

BASE = "dc=torg,dc=test"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
ADMIN_DN, ADMIN_PW = f"cn=admin,{BASE}", "admin-Pw-4242"
SVC_DN, SVC_PW = f"cn=svc,{BASE}", "svc-Pw-0123456789"
G_NAV, G_ALL, G_MGR = (f"cn=torg-counter-nav,{GROUPS}", f"cn=torg-counter,{GROUPS}",
                       f"cn=torg-managers,{GROUPS}")
USERS = {"ann": [G_NAV], "bob": [], "mia": [G_NAV, G_MGR], "dan": [G_ALL], "eve": [G_ALL],
         "kari": [G_MGR]}
GROUP_MEMBERS = {G_NAV: ["ann", "mia"], G_ALL: ["dan", "eve"], G_MGR: ["mia", "kari"]}


def pw(name):
    """A directory user's password."""
    return f"{name}-Dir-Pw-98765"


def dn(name):
    return f"uid={name},{PEOPLE}"


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {admin_pw}
directory {dir}/db
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{svc}" read by anonymous auth by * none
"""


def ldif():
    """The directory's entries as LDIF."""
    out = [f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: torg\no: torg",
           f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
           f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups",
           f"dn: {SVC_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject"
           f"\ncn: svc\nuserPassword: {SVC_PW}"]
    for name, groups in USERS.items():
        e = (f"dn: {dn(name)}\nobjectClass: inetOrgPerson\nuid: {name}\ncn: {name.title()}"
             f"\nsn: {name.title()}\nuserPassword: {pw(name)}")
        out.append(e + "".join(f"\nseeAlso: {g}" for g in groups))
    for g, members in GROUP_MEMBERS.items():
        cn = g.split(",")[0][3:]
        out.append(f"dn: {g}\nobjectClass: groupOfNames\ncn: {cn}"
                   + "".join(f"\nmember: {dn(m)}" for m in members))
    return "\n\n".join(out) + "\n"


def sbin_tool(name):
    """A program of slapd's package, which lives in /usr/sbin (not on every PATH)."""
    path = f"/usr/sbin/{name}"
    return path if os.access(path, os.X_OK) else need_tool(name, "deploy/install-deps "
                                                            "installs slapd")


class Slapd:
    """Debian's slapd as a child process on two free ports of 127.0.0.1 (ldap:// with
    StartTLS, ldaps://), with its configuration, database and certificates in d."""

    def __init__(self, d, user=None):
        self.slapd = sbin_tool("slapd")
        need_tool("ldapmodify", "deploy/install-deps installs ldap-utils")
        self.dir = str(d)
        self.user = user
        os.makedirs(os.path.join(self.dir, "db"))
        self.ca = ThrowawayCA(os.path.join(self.dir, "ca"))
        cert, key = self.ca.issue("slapd", 1)
        self.conf = os.path.join(self.dir, "slapd.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(SLAPD_CONF.format(dir=self.dir, ca=self.ca.cert, cert=cert, key=key,
                                      base=BASE, admin=ADMIN_DN, admin_pw=ADMIN_PW,
                                      svc=SVC_DN))
        data = os.path.join(self.dir, "data.ldif")
        with open(data, "w", encoding="utf-8") as f:
            f.write(ldif())
        self.run([sbin_tool("slapadd"), "-f", self.conf, "-l", data])
        if user:
            shutil.chown(self.dir, user)
            for root, dirs, files in os.walk(self.dir):
                for n in dirs + files:
                    shutil.chown(os.path.join(root, n), user)
        self.port, self.tls_port = free_port(), free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.tls_url = f"ldaps://127.0.0.1:{self.tls_port}"
        self.proc = None
        self.log = os.path.join(self.dir, "slapd.log")
        self.start()

    def run(self, cmd, input_text=None):
        r = subprocess.run(cmd, input=input_text, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"{' '.join(cmd)}: {r.stdout}{r.stderr}"
        return r.stdout

    def start(self):
        """Starts slapd in the foreground (-d 0) and waits until it answers."""
        cmd = [self.slapd, "-f", self.conf, "-h", f"{self.url}/ {self.tls_url}/", "-d", "0"]
        if self.user:
            cmd = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", self.user, "--"] + cmd
        log = open(self.log, "a", encoding="utf-8")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 10
        while True:
            r = subprocess.run(["ldapwhoami", "-x", "-H", self.url, "-D", ADMIN_DN, "-w",
                                ADMIN_PW], capture_output=True, text=True, timeout=10)
            if r.returncode == 0:
                return
            assert self.proc.poll() is None, f"slapd exited: {open(self.log).read()[-2000:]}"
            assert time.monotonic() < deadline, f"slapd not answering: {r.stderr}"
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
            self.proc = None

    def modify(self, text):
        """Applies LDIF changes as the directory's admin (ldapmodify)."""
        self.run(["ldapmodify", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PW],
                 input_text=text)


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    t0 = time.monotonic()
    s = Slapd(tmp_path_factory.mktemp("slapd"))
    assert time.monotonic() - t0 < 5, "the slapd fixture took longer than 5 s"
    yield s
    s.stop()


def ldap_block(slapd, tmp_path, **changes):
    """An auth.ldap block for the test slapd (StartTLS with its CA, group search)."""
    pwfile = tmp_path / "ldap-password"
    pwfile.write_text(SVC_PW + "\n")
    block = {
        "url": slapd.url,
        "ca_file": slapd.ca.cert,
        "bind_dn": SVC_DN,
        "bind_password_file": str(pwfile),
        "user_base": PEOPLE,
        "user_filter": "(&(objectClass=inetOrgPerson)(uid={name}))",
        "group_base": GROUPS,
        "disabled_filter": "(employeeType=disabled)",
        "recheck_s": 1,
        "timeout_ms": 2000,
        "groups": [
            {"dn": G_NAV, "role": "counter", "services": ["reception", "nav"]},
            {"dn": G_ALL, "role": "counter"},
            {"dn": G_MGR, "role": "manager"},
        ],
    }
    block.update(changes)
    return {k: v for k, v in block.items() if v is not None}


@pytest.fixture
def dsrv(make_server, slapd, tmp_path):
    """torgd with the default floor, its local users and the test directory."""
    srv = make_server(config_with(auth={"ldap": ldap_block(slapd, tmp_path)}))
    srv.secrets.update(pw(n) for n in USERS)
    srv.secrets.add(SVC_PW)
    return srv


def login(srv, name, password):
    return srv.post("/api/v1/login", {"name": name, "password": password})


def dir_login(srv, name):
    """Signs a directory user in; returns the token."""
    body = srv.ok(login(srv, name, pw(name.lower())))
    srv.secrets.add(body["token"])
    return body["token"]


def test_counter_group_user_signs_in_and_calls(dsrv):
    tok = dir_login(dsrv, "Ann")  # names are matched without regard to case
    me = dsrv.ok(dsrv.get("/api/v1/me", token=tok))["user"]
    assert me["name"] == "ann" and me["role"] == "counter"
    assert sorted(me["services"]) == ["nav", "reception"]
    t = dsrv.issue("nav")
    c = dsrv.ok(dsrv.post("/api/v1/counters/c1/open", token=tok))["counter"]
    assert c["open"] is True
    called = dsrv.ok(dsrv.post("/api/v1/counters/c1/call-next", token=tok))
    assert called["ticket"]["number"] == t["number"]
    # a counter for a service of no group of hers stays closed to her
    expect_error(dsrv.post("/api/v1/counters/c2/open", token=tok), 403, "forbidden")


def test_highest_role_of_several_groups(dsrv):
    me = dsrv.ok(dsrv.get("/api/v1/me", token=dir_login(dsrv, "mia")))["user"]
    assert me["role"] == "manager"
    # the administration lists her as a directory user, with what the directory gave
    users = dsrv.ok(dsrv.get("/api/v1/admin/users", token=dsrv.token("admin")))["users"]
    mia = next(u for u in users if u["name"] == "mia")
    assert mia["source"] == "directory" and mia["role"] == "manager"
    assert next(u for u in users if u["name"] == "kari")["source"] == "local"
    # her password is the directory's: no reset code, no torgd password for her
    r = dsrv.post("/api/v1/admin/users/mia/reset", {}, token=dsrv.token("admin"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "directory_user", r.text
    r = dsrv.cli("user", "passwd", "mia", input_text="Another-pass-123\n")
    assert r.returncode != 0 and "directory" in r.stderr, r.stdout + r.stderr


def test_refusals_look_alike(dsrv):
    for name, password in (("bob", pw("bob")), ("ann", "wrong-password-1"),
                           ("nobody", "whatever-123"),
                           ("*)(uid=*", pw("ann")), ("*", pw("ann")),
                           ("ann)(|(uid=*", pw("ann"))):
        expect_error(login(dsrv, name, password), 401, "bad_credentials")
    log = dsrv.read_stderr()
    assert "directory sign-in of bob refused: in none of the groups" in log
    assert "directory sign-in of ann refused: wrong password" in log
    assert "refused: not a user name" in log
    # an empty password never gets as far (400 before sign-in; auth refuses it too)
    expect_error(login(dsrv, "ann", ""), 400, "bad_request", "password")


def test_local_user_first_and_still_signs_in(dsrv):
    # "admin" is a local user: the directory is not asked for it
    assert dsrv.ok(dsrv.get("/api/v1/me", token=dsrv.login("admin")))["user"]["role"] == "admin"
    expect_error(login(dsrv, "admin", "not-the-local-one"), 401, "bad_credentials")
    # "kari" is local and in the directory's managers: only the local password counts,
    # and the local role stays (the directory never takes a local user's name)
    for name in ("kari", "KARI"):
        expect_error(login(dsrv, name, pw("kari")), 401, "bad_credentials")
    me = dsrv.ok(dsrv.get("/api/v1/me", token=dsrv.login("kari")))["user"]
    assert me["role"] == "counter" and sorted(me["services"]) == ["nav", "reception"]


def wait_refused(srv, tok, within):
    """Waits until the token no longer signs in; returns the seconds it took."""
    t0 = time.monotonic()
    while srv.get("/api/v1/me", token=tok).status_code == 200:
        assert time.monotonic() - t0 < within, "the session still works"
        time.sleep(0.1)
    return time.monotonic() - t0


def test_removed_from_group_loses_session(dsrv, slapd):
    tok = dir_login(dsrv, "dan")
    c = dsrv.ws({"type": "hello", "token": tok})
    c.recv()
    slapd.modify(f"dn: {G_ALL}\nchangetype: modify\ndelete: member\nmember: {dn('dan')}\n")
    try:
        code, _ = c.wait_closed(5)  # within recheck_s (1 s) and a turn of the loop
        assert code == 4001
        wait_refused(dsrv, tok, 1)
        expect_error(login(dsrv, "dan", pw("dan")), 401, "bad_credentials")
    finally:
        slapd.modify(f"dn: {G_ALL}\nchangetype: modify\nadd: member\nmember: {dn('dan')}\n")
        c.close()
    assert "directory user dan may no longer sign in" in dsrv.read_stderr()
    dir_login(dsrv, "dan")


def test_group_change_changes_role(dsrv, slapd):
    tok = dir_login(dsrv, "mia")
    slapd.modify(f"dn: {G_MGR}\nchangetype: modify\ndelete: member\nmember: {dn('mia')}\n")
    try:
        deadline = time.monotonic() + 5
        while dsrv.ok(dsrv.get("/api/v1/me", token=tok))["user"]["role"] != "counter":
            assert time.monotonic() < deadline, "the role did not follow the directory"
            time.sleep(0.1)
        me = dsrv.ok(dsrv.get("/api/v1/me", token=tok))["user"]
        assert sorted(me["services"]) == ["nav", "reception"]
    finally:
        slapd.modify(f"dn: {G_MGR}\nchangetype: modify\nadd: member\nmember: {dn('mia')}\n")


def test_disabled_user_loses_session(dsrv, slapd):
    tok = dir_login(dsrv, "eve")
    slapd.modify(f"dn: {dn('eve')}\nchangetype: modify\nadd: employeeType\n"
                 "employeeType: disabled\n")
    try:
        wait_refused(dsrv, tok, 5)
        expect_error(login(dsrv, "eve", pw("eve")), 401, "bad_credentials")
    finally:
        slapd.modify(f"dn: {dn('eve')}\nchangetype: modify\ndelete: employeeType\n")
    assert "eve refused: disabled in the directory" in dsrv.read_stderr()


def test_directory_down(dsrv, slapd):
    tok = dir_login(dsrv, "ann")
    assert dsrv.metric("torg_directory_up") == 1
    slapd.stop()
    try:
        e = expect_error(login(dsrv, "ann", pw("ann")), 503, "directory_unavailable")
        assert slapd.url in e["message"]
        assert dsrv.metric("torg_directory_up") == 0
        expect_error(login(dsrv, "mia", pw("mia")), 503, "directory_unavailable")
        # break-glass: a local admin still signs in, and the directory session lives on
        assert dsrv.login("admin")
        time.sleep(1.5)  # a recheck or two while the directory is down
        assert dsrv.get("/api/v1/me", token=tok).status_code == 200
    finally:
        slapd.start()
    dir_login(dsrv, "ann")
    assert dsrv.metric("torg_directory_up") == 1
    log = dsrv.read_stderr()
    assert log.count(f"directory {slapd.url} cannot be reached") == 1, log
    assert f"directory {slapd.url} answers again" in log


def test_silent_directory_times_out(make_server, slapd, tmp_path):
    """A directory that takes the connection and never answers: each directory sign-in
    gets 503 after timeout_ms, and local sign-ins meanwhile do not wait for it."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lsock.accept()[0])  # read nothing, answer nothing
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    url = f"ldap://127.0.0.1:{lsock.getsockname()[1]}"
    srv = make_server(config_with(auth={"ldap": ldap_block(slapd, tmp_path, url=url,
                                                           timeout_ms=700)}))
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            slow = [ex.submit(login, srv, "ann", pw("ann")) for _ in range(3)]
            time.sleep(0.2)
            t0 = time.monotonic()
            assert srv.login("admin")
            assert time.monotonic() - t0 < 1.5, "a local sign-in waited for the directory"
            for f in slow:
                expect_error(f.result(), 503, "directory_unavailable")
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        lsock.close()


def test_ldaps_and_group_attr(make_server, slapd, tmp_path):
    block = ldap_block(slapd, tmp_path, url=slapd.tls_url, group_base=None,
                       group_attr="seeAlso")
    srv = make_server(config_with(auth={"ldap": block}))
    srv.secrets.update(pw(n) for n in USERS)
    me = srv.ok(srv.get("/api/v1/me", token=dir_login(srv, "ann")))["user"]
    assert me["role"] == "counter" and sorted(me["services"]) == ["nav", "reception"]
    expect_error(login(srv, "bob", pw("bob")), 401, "bad_credentials")


def test_untrusted_certificate_is_unavailable(make_server, slapd, tmp_path):
    other = ThrowawayCA(tmp_path / "other-ca")
    for url in (slapd.url, slapd.tls_url):
        srv = make_server(config_with(auth={"ldap": ldap_block(slapd, tmp_path, url=url,
                                                               ca_file=other.cert)}))
        expect_error(login(srv, "ann", pw("ann")), 503, "directory_unavailable")
        srv.stop()


def test_wrong_service_password_is_unavailable(make_server, slapd, tmp_path):
    block = ldap_block(slapd, tmp_path)
    with open(block["bind_password_file"], "w") as f:
        f.write("not-the-service-password\n")
    srv = make_server(config_with(auth={"ldap": block}))
    expect_error(login(srv, "ann", pw("ann")), 503, "directory_unavailable")
    assert f"the service account {SVC_DN} was refused" in srv.read_stderr()


def test_disabled_in_torg_stays_out(dsrv):
    # a directory user disabled in torg (torgd user disable) is not let in by the directory
    tok = dir_login(dsrv, "mia")
    r = dsrv.cli("user", "list")
    assert r.returncode == 0 and "mia" in r.stdout, r.stdout + r.stderr
    r = dsrv.cli("user", "disable", "mia")
    assert r.returncode == 0, r.stderr
    wait_refused(dsrv, tok, 3)
    expect_error(login(dsrv, "mia", pw("mia")), 401, "bad_credentials")
    assert dsrv.cli("user", "enable", "mia").returncode == 0
    dir_login(dsrv, "mia")


def test_directory_session_survives_restart(dsrv):
    tok = dir_login(dsrv, "ann")
    local = dsrv.login("kari")
    dsrv.restart()
    assert dsrv.ok(dsrv.get("/api/v1/me", token=tok))["user"]["name"] == "ann"
    # without auth.ldap nobody can vouch for directory users: their sessions end at start
    dsrv.stop()
    with open(dsrv.config_path, "w", encoding="utf-8") as f:
        json.dump(config_with(), f)
    dsrv.start()
    wait_refused(dsrv, tok, 3)
    assert "torg_directory_up" not in dsrv.get("/metrics").text
    assert dsrv.get("/api/v1/me", token=local).status_code == 200
    assert "ann" not in dsrv.cli("user", "list").stdout
    assert "the directory is no longer configured" in dsrv.read_stderr()


def check(srv, block, path_part):
    """Runs --check-config on a config with this auth block; returns stderr."""
    with open(srv.config_path, "w", encoding="utf-8") as f:
        json.dump(config_with(auth=block), f)
    r = srv.cli("--check-config")
    assert r.returncode != 0, f"accepted: {block}"
    assert path_part in r.stderr, r.stderr
    return r.stderr


def test_config_is_checked(make_server, slapd, tmp_path):
    srv = make_server(start=False, users={})
    good = ldap_block(slapd, tmp_path)
    bad = [
        ({"ldap": {**good, "url": "http://x"}}, "auth.ldap.url"),
        ({"ldap": {**good, "url": "ldap://a b"}}, "auth.ldap.url"),
        ({"ldap": {**good, "url": "ldaps://h:636", "starttls": True}}, "auth.ldap.starttls"),
        ({"ldap": {**good, "user_filter": "(uid=x)"}}, "auth.ldap.user_filter"),
        ({"ldap": {**good, "user_filter": "(uid={name}"}}, "auth.ldap.user_filter"),
        ({"ldap": {**good, "user_filter": "(uid={nam})"}}, "auth.ldap.user_filter"),
        ({"ldap": {**good, "group_filter": "(member=x)"}}, "auth.ldap.group_filter"),
        ({"ldap": {**good, "group_attr": "memberOf"}}, "auth.ldap.group_attr"),
        ({"ldap": {**good, "disabled_filter": "x"}}, "auth.ldap.disabled_filter"),
        ({"ldap": {**good, "groups": []}}, "auth.ldap.groups"),
        ({"ldap": {**good, "groups": [{"dn": G_NAV, "role": "boss"}]}},
         "auth.ldap.groups[0].role"),
        ({"ldap": {**good, "groups": [{"dn": G_NAV, "role": "counter",
                                       "services": ["nope"]}]}},
         "auth.ldap.groups[0].services[0]"),
        ({"ldap": {**good, "groups": [{"dn": G_NAV, "role": "counter"},
                                      {"dn": G_NAV.upper(), "role": "admin"}]}},
         "auth.ldap.groups[1].dn"),
        ({"ldap": {**good, "recheck_s": 0}}, "auth.ldap.recheck_s"),
        ({"ldap": {**good, "timeout_ms": "3000"}}, "auth.ldap.timeout_ms"),
        ({"ldap": {**good, "ca_file": "/nonexistent/ca.pem"}}, "auth.ldap.ca_file"),
        ({"ldap": {**good, "bind_password_file": None}}, "auth.ldap.bind_password_file"),
        ({"ldap": {**good, "bind_password_file": "/nonexistent"}},
         "auth.ldap.bind_password_file"),
        ({"ldap": {**good, "user_base": ""}}, "auth.ldap.user_base"),
        ({"ldap": {**good, "bind_dn": "svc"}}, "auth.ldap.bind_dn"),
        ({"ldap": {**good, "surprise": 1}}, "auth.ldap"),
        ({"ldap": "ldap://x"}, "auth.ldap"),
        ({"kerberos": {}}, "auth"),
    ]
    for block, path in bad:
        if isinstance(block.get("ldap"), dict):
            block["ldap"] = {k: v for k, v in block["ldap"].items() if v is not None}
        check(srv, block, path)
    # a password file of many lines (or none) is refused without showing what it holds
    secret = tmp_path / "two-lines"
    secret.write_text("first-line-secret\nsecond-line-secret\n")
    err = check(srv, {"ldap": {**good, "bind_password_file": str(secret)}},
                "auth.ldap.bind_password_file")
    assert "secret" not in err.replace(str(secret), "")
    for ok in (good, {**good, "bind_dn": "svc-torg@kommune.example"}):
        with open(srv.config_path, "w", encoding="utf-8") as f:
            json.dump(config_with(auth={"ldap": ok}), f)
        r = srv.cli("--check-config")
        assert r.returncode == 0, r.stderr
        assert SVC_PW not in r.stdout + r.stderr


def test_slapd_runs_as_another_user():
    """The fixture's slapd also starts as a user other than root (as on a developer's
    machine without root; CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to start slapd as another user")
    d = tempfile.mkdtemp(prefix="torg-slapd-")
    os.chmod(d, 0o755)
    s = Slapd(os.path.join(d, "slapd"), user="nobody")
    try:
        r = subprocess.run(["ldapwhoami", "-x", "-H", s.url, "-D", dn("ann"), "-w", pw("ann")],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 0 and dn("ann") in r.stdout, r.stderr
    finally:
        s.stop()
        shutil.rmtree(d, ignore_errors=True)
