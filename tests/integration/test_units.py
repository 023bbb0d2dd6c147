"""The systemd units meson generates (deploy/systemd/*.service.in): `systemd-analyze
verify` finds nothing wrong with them, `systemd-analyze security --offline=yes` rates
each 2.0 or lower (no systemd is PID 1 here or on CI: both read the unit files only),
and torgd@ runs the way torgd expects (notify with a watchdog, reload by SIGHUP, the
journal with level prefixes, one config, state folder and database per instance)."""

import os
import re
import signal
import subprocess

import pytest

from torgtest import ROOT_DIR, need_tool

MAX_EXPOSURE = 2.0


@pytest.fixture(scope="module")
def analyze():
    """systemd-analyze, or a failure on CI (skip elsewhere) when it is missing."""
    return need_tool("systemd-analyze", "deploy/install-deps installs systemd")


@pytest.fixture(scope="module")
def units(torgd_bin, tmp_path_factory):
    """The generated units as instances (torgd@demo, torg-display@hall) in a temporary
    folder, their binaries pointed at this build tree's (verify wants them to exist),
    and a MANPATH holding deploy/man (verify runs `man` on Documentation=)."""
    build = os.path.dirname(os.path.dirname(torgd_bin))
    binaries = {"torgd": torgd_bin,
                "torg-display": os.path.join(build, "display-client", "torg-display")}
    d = tmp_path_factory.mktemp("units")
    man = d / "man"
    for sect, page in (("8", "torgd.8"), ("1", "torg-display.1")):
        (man / f"man{sect}").mkdir(parents=True)
        os.symlink(os.path.join(ROOT_DIR, "deploy", "man", page), man / f"man{sect}" / page)
    out = {}
    for template, instance in (("torgd@.service", "torgd@demo.service"),
                               ("torg-display@.service", "torg-display@hall.service")):
        src = os.path.join(build, "deploy", template)
        assert os.path.exists(src), f"{src}: not generated (meson setup again?)"
        text = open(src, encoding="utf-8").read()
        for name, path in binaries.items():
            text = re.sub(r"(?<=[= ])/\S*/bin/" + re.escape(name) + r"(?= )", path, text)
        path = d / instance
        path.write_text(text, encoding="utf-8")
        out[template] = (str(path), text)
    return out, str(man)


def service_settings(text):
    """The [Service] section's settings: name -> list of values, in order."""
    settings, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            settings.setdefault(k, []).append(v)
    return settings


@pytest.mark.parametrize("template", ["torgd@.service", "torg-display@.service"])
def test_verify(analyze, units, template):
    (path, _), man = units[0][template], units[1]
    r = subprocess.run([analyze, "verify", path], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "MANPATH": man})
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "", \
        f"systemd-analyze verify {template}:\n{r.stdout}{r.stderr}"


@pytest.mark.parametrize("template", ["torgd@.service", "torg-display@.service"])
def test_security_exposure(analyze, units, template):
    path, _ = units[0][template]
    r = subprocess.run([analyze, "security", "--offline=yes",
                        f"--threshold={int(MAX_EXPOSURE * 10)}", path],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
    assert m, f"no exposure level in:\n{r.stdout}{r.stderr}"
    score = float(m.group(1))
    print(f"{template}: exposure {score}")
    assert score <= MAX_EXPOSURE, f"{template} rates {score}:\n{r.stdout}"
    assert r.returncode == 0, f"--threshold refused {template}:\n{r.stdout}{r.stderr}"


def test_torgd_unit_settings(units):
    _, text = units[0]["torgd@.service"]
    s = service_settings(text)
    one = {k: v[-1] for k, v in s.items()}
    assert one["Type"] == "notify" and one["NotifyAccess"] == "main"
    assert one["WatchdogSec"] == "20s"
    assert one["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert one["User"] == "torg" and one["StateDirectory"] == "torg/%i"
    assert one["StandardOutput"] == "journal" and one["SyslogLevelPrefix"] == "yes"
    start = one["ExecStart"].split()
    assert start[start.index("--config") + 1] == "/etc/torg/%i.json"
    assert start[start.index("--db") + 1] == "/var/lib/torg/%i/torg.db"
    assert "--www" not in start  # the installed torgd finds its pages itself
    assert one["ProtectSystem"] == "strict" and one["NoNewPrivileges"] == "yes"
    assert one["CapabilityBoundingSet"] == ""
    assert "@system-service" in s["SystemCallFilter"]


def test_display_unit_settings(units):
    _, text = units[0]["torg-display@.service"]
    one = {k: v[-1] for k, v in service_settings(text).items()}
    assert one["EnvironmentFile"] == "/etc/torg/display-%i.conf"
    start = one["ExecStart"].split()
    assert start[start.index("--server") + 1] == "${TORG_SERVER}"
    assert start[start.index("--display") + 1] == "%i"
    assert one["StandardInput"] == "tty" and one["TTYPath"].startswith("/dev/tty")
    assert one["StandardError"] == "journal"


def syscall_groups(analyze):
    """systemd-analyze's syscall groups: name -> set of syscalls and nested @groups."""
    out = subprocess.run([analyze, "syscall-filter"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = groups.setdefault(line.strip(), set())
        elif cur is not None and line.strip() and not line.strip().startswith("#"):
            cur.add(line.strip())
    return groups


def expand(groups, names):
    """The syscalls of names (groups expanded, recursively)."""
    out = set()
    for n in names:
        out |= expand(groups, groups[n]) if n.startswith("@") else {n}
    return out


def filter_allows(analyze, unit_text):
    """The system calls a unit's SystemCallFilter= lines allow (@default always)."""
    allow, deny = set(), set()
    for v in service_settings(unit_text)["SystemCallFilter"]:
        (deny if v.startswith("~") else allow).update(v.lstrip("~").split())
    groups = syscall_groups(analyze)
    return (expand(groups, allow) | expand(groups, ["@default"])) - expand(groups, deny)


def strace_counted(path):
    """The system calls in an `strace -c` summary file."""
    used = set()
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0][0].isdigit() and parts[-1] != "total":
            used.add(parts[-1])
    assert len(used) > 20, path.read_text()
    return used


def strace_tool():
    return need_tool("strace")


def test_torgd_runs_within_its_syscall_filter(analyze, units, make_server, tmp_path):
    """Every system call a working torgd makes (start-up, pages, a sign-in, a ticket, a
    WebSocket display, SIGTERM) is one torgd@.service's SystemCallFilter= allows: a new
    call outside it would fail with EPERM under systemd only, where no test runs."""
    tool = strace_tool()
    srv = make_server(start=False)
    with open(srv.binary, "rb") as f:
        if b"__asan_init" in f.read():
            pytest.skip("a sanitizer build makes calls of its own (LeakSanitizer's "
                        "ptrace at exit, which strace also prevents)")
    allowed = filter_allows(analyze, units[0]["torgd@.service"][1])

    counts = tmp_path / "syscalls.txt"
    wrapper = tmp_path / "torgd-under-strace"
    wrapper.write_text(f"#!/bin/sh\nexec {tool} -f -qq -c -o {counts} {srv.binary} \"$@\"\n")
    wrapper.chmod(0o755)
    real = srv.binary
    srv.binary = str(wrapper)
    srv.start()
    try:
        assert srv.get("/").status_code == 200
        assert srv.get("/display/hall").status_code == 200
        srv.settle_day()  # a sign-in (the hashing thread) and two commits
        srv.issue("reception")
        with srv.ws({"type": "hello", "display": "hall"}) as ws:
            ws.recv()
    finally:
        # SIGTERM to torgd itself (strace's child); strace exits with its status
        tracer = srv.proc
        with open(f"/proc/{tracer.pid}/task/{tracer.pid}/children") as f:
            child = int(f.read().split()[0])
        os.kill(child, signal.SIGTERM)
        rc = tracer.wait(timeout=30)
        srv.proc = None
        srv.binary = real
    assert rc == 0, srv.read_stderr()[-3000:]
    used = strace_counted(counts)
    if os.geteuid() == 0:
        # SQLite hands a new -wal/-shm file to the database's owner only when it runs
        # as root; torgd@ runs as torg, so fchown (@privileged) never comes there
        used.discard("fchown")
    assert used <= allowed, f"outside torgd@.service's filter: {sorted(used - allowed)}"


def test_display_runs_within_its_syscall_filter(analyze, units, srv, tmp_path):
    """torg-display --once (connect, read the board, print it) makes only the system
    calls torg-display@.service's filter allows."""
    tool = strace_tool()
    display = os.path.join(os.path.dirname(os.path.dirname(srv.binary)), "display-client",
                           "torg-display")
    with open(display, "rb") as f:
        if b"__asan_init" in f.read():
            pytest.skip("a sanitizer build makes calls of its own (LeakSanitizer's ptrace)")
    allowed = filter_allows(analyze, units[0]["torg-display@.service"][1])
    counts = tmp_path / "syscalls.txt"
    r = subprocess.run([tool, "-f", "-qq", "-c", "-o", str(counts), display, "--server",
                        f"ws://127.0.0.1:{srv.port}", "--display", "hall", "--once"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    used = strace_counted(counts)
    assert used <= allowed, f"outside torg-display@.service's filter: {sorted(used - allowed)}"
