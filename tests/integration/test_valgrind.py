"""torgd under valgrind: a whole visit over HTTP and WebSocket, bad input, then SIGTERM.
valgrind must report no error and no definite or indirect leak, and torgd must exit 0
(every handle closed, uv_loop_close() == 0). Skipped for a sanitizer build, which
valgrind cannot run; tests/run runs the integration suite with the normal build too."""
import os
import shutil
import stat
import subprocess

import pytest

import torgtest
from torgtest import Torgd


def is_sanitized(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return "libasan" in out or "libubsan" in out


@pytest.fixture
def vg_server(torgd_bin, tmp_path, monkeypatch):
    if is_sanitized(torgd_bin):
        pytest.skip("valgrind cannot run an ASan build; the normal build runs this test")
    if not shutil.which("valgrind"):
        pytest.fail("valgrind is not installed (deploy/install-deps installs it)")
    wrapper = tmp_path / "torgd-vg"
    wrapper.write_text("#!/bin/sh\nexec valgrind --quiet --error-exitcode=99 --leak-check=full "
                       "--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,"
                       f"indirect --track-fds=no {os.path.abspath(torgd_bin)} \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(torgtest, "START_TIMEOUT", 120)
    monkeypatch.setattr(torgtest, "HTTP_TIMEOUT", 60)
    srv = Torgd(str(wrapper), tmp_path / "srv", users={"kari": ("counter", None),
                                                       "admin": ("admin", None)})
    srv.start()
    yield srv
    if srv.proc is not None:
        srv.kill9()


def test_a_visit_under_valgrind_is_clean(vg_server):
    srv = vg_server
    display = srv.ws({"type": "hello", "display": "hall"})
    assert display.recv()["type"] == "snapshot"
    t = srv.issue("nav")
    phone = srv.ws({"type": "hello", "ticket": t["id"]})
    assert phone.recv()["type"] == "ticket"
    srv.open_counter("kari", "c1")
    assert srv.act("kari", "c1", "call-next")["ticket"]["number"] == t["number"]
    srv.act("kari", "c1", "start")
    srv.act("kari", "c1", "transfer", {"service": "housing", "position": "front"})
    srv.open_counter("admin", "c2")  # kari holds c1: one counter per staff member
    srv.act("admin", "c2", "call-next")
    srv.act("admin", "c2", "start")
    srv.act("admin", "c2", "finish")
    assert srv.ticket(t["id"])["state"] == "done"
    srv.get(f"/api/v1/tickets/{t['id']}/qr.svg")
    srv.get("/metrics")
    srv.post("/api/v1/tickets", data="{not json")
    srv.post("/api/v1/tickets", data="x" * 20000)
    display.send("{bad")
    display.recv_until(lambda m: m.get("type") == "error")
    staff = srv.ws({"type": "hello", "token": srv.token("kari")})
    staff.recv()
    staff.send({"type": "cmd", "id": 1, "op": "call_next", "counter": "c1"})
    staff.recv_until(lambda m: m.get("type") == "reply")
    for c in (display, phone, staff):
        c.close()
    srv.stop(expect=0, timeout=120)  # valgrind exits 99 on any error or leak
