"""torg-display, the native wall-display client, against the real torgd: the board in a
real terminal (tmux, capture-pane) shows calls made through the API; kill -9 and restart
of the server while calls are made loses no call on the board or in --on-call (each call
announced exactly once) and shows the reconnecting mark in between; --once output, its
timeout and a server error; --on-call's environment and that it never blocks the board;
wss:// through a TLS proxy (socat) and to torgd's own server.tls with a throw-away CA,
refused without it (and ws:// to a TLS port gets no board); valgrind
(or ASan, for a sanitizer build) on --once; SIGTERM restores the terminal and exits 0.
A display filtered to some services (--display upstairs, --services) shows a call made
after events of other services on its first and only connection (a counting TCP proxy in
between), and the reconnect delay keeps growing against a server that answers and drops
or a gap that comes back, instead of starting over because the server answered.
Issue 12: times in the floor's time zone with TZ=UTC on the process; the texts of the
web pages' i18n JSON in nb, nn, sv, en and ar; the counter's name in block letters at
80x24, 160x48 and 240x67 (a 43-character one whole); --lang refused when torg-display or
the floor has no such language (exit 2); Arabic right to left (mirrored columns, numbers
left to right). The screens are kept in tests/artifacts/display-client/*.txt.

TORG_DISPLAY selects the binary (default build/display-client/torg-display). Needs tmux,
socat, openssl and valgrind on PATH.
"""

import datetime
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unicodedata
from zoneinfo import ZoneInfo

import pytest

from torgtest import ROOT_DIR, ThrowawayCA, check_output_clean, config_with, free_port

# How long the board may take to show something (raise under valgrind or on a slow box).
SCREEN_TIMEOUT = float(os.environ.get("TORG_SCREEN_TIMEOUT", "15"))


@pytest.fixture(scope="session")
def display_bin():
    """The torg-display binary under test."""
    path = os.environ.get("TORG_DISPLAY") or os.path.join(
        ROOT_DIR, "build", "display-client", "torg-display")
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        pytest.fail(f"torg-display not found at {path}: build it (ninja -C build "
                    "display-client/torg-display) or set TORG_DISPLAY", pytrace=False)
    for tool in ("tmux", "socat", "openssl", "valgrind"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed (deploy/install-deps)", pytrace=False)
    return path


def is_asan_build(path):
    """True when the binary was built with AddressSanitizer (valgrind cannot run it)."""
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def wait_for(pred, timeout=SCREEN_TIMEOUT, what="condition", step=0.1):
    """Polls pred() until it returns a true value (returned) or the timeout fails."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def check_log(path):
    """Fails when a display log holds a sanitizer report; returns its text."""
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    check_output_clean(text, path)
    return text


class Terminal:
    """torg-display running full-screen in a detached tmux session of 160x48 on a
    private tmux server; the screen is read with capture-pane."""

    def __init__(self, tmp_path, argv, cols=160, rows=48):
        self.tmp_path = tmp_path
        self.sock = f"torgtest-{os.getpid()}-{free_port()}"
        self.rc_path = str(tmp_path / "display.rc")
        self.log_path = str(tmp_path / "display.log")
        cmd = " ".join(shlex_quote(a) for a in argv + ["--log", self.log_path])
        self.stderr_path = str(tmp_path / "display.stderr")
        script = (f"{cmd} 2>{shlex_quote(self.stderr_path)}; "
                  f"echo $? > {shlex_quote(self.rc_path)}; sleep 600")
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        env.pop("TMUX", None)
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d",
                        "-s", "board", "-x", str(cols), "-y", str(rows), "sh", "-c", script],
                       check=True, env=env)
        self.shell_pid = int(self.tmux("display-message", "-p", "-t", "board",
                                       "#{pane_pid}").strip())

    def tmux(self, *args):
        """Runs a tmux command on this terminal's server; returns stdout."""
        r = subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True,
                           timeout=10)
        return r.stdout

    def screen(self):
        """The visible screen as text."""
        return self.tmux("capture-pane", "-p", "-t", "board")

    def wait_screen(self, pred, what, timeout=SCREEN_TIMEOUT):
        """Waits until pred(screen) holds; returns that screen."""
        def check():
            s = self.screen()
            return s if pred(s) else None
        try:
            return wait_for(check, timeout, what)
        except AssertionError as e:
            raise AssertionError(f"{e}; screen:\n{self.screen()}\nlog:\n"
                                 f"{check_log(self.log_path)[-3000:]}") from None

    def alternate_on(self):
        """Whether the pane is on the alternate screen."""
        return self.tmux("display-message", "-p", "-t", "board", "#{alternate_on}").strip()

    def display_pid(self):
        """The pid of torg-display (the child of the pane's shell)."""
        out = wait_for(lambda: subprocess.run(["pgrep", "-P", str(self.shell_pid)],
                                              capture_output=True, text=True).stdout.split(),
                       5, "the display process")
        return int(out[0])

    def exit_code(self, timeout=SCREEN_TIMEOUT):
        """Waits for the display to exit; returns its exit code."""
        def rc():
            if os.path.exists(self.rc_path):
                with open(self.rc_path) as f:
                    text = f.read().strip()
                return text or None
            return None
        return int(wait_for(rc, timeout, "torg-display to exit"))

    def close(self):
        """Stops the tmux server (and anything still in it)."""
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)
        check_log(self.log_path)
        check_log(self.stderr_path)


def shlex_quote(s):
    """Quotes s for sh."""
    return "'" + str(s).replace("'", "'\"'\"'") + "'"


@pytest.fixture
def terminal(tmp_path):
    """Factory: terminal(argv) -> Terminal; every terminal is closed at teardown."""
    made = []

    def make(argv, **kw):
        t = Terminal(tmp_path, argv, **kw)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


def url(srv):
    """The ws:// URL of a test server."""
    return f"ws://127.0.0.1:{srv.port}"


def calls_listed(screen):
    """The (number, counter name) pairs of the calls list, top (newest) first."""
    return re.findall(r"^\s+([A-Z]\d{3})\s+→ (.+?)\s{2,}", screen, re.M)


def run_once(display_bin, *args, timeout=30, wrapper=()):
    """Runs torg-display --once with args; returns the CompletedProcess (text)."""
    r = subprocess.run([*wrapper, display_bin, "--once", *args], capture_output=True,
                       text=True, timeout=timeout, env=dict(os.environ, LANG="C.UTF-8"))
    check_output_clean(r.stdout + r.stderr, "torg-display --once")
    return r


# ---- the board in a terminal ----


def test_board_in_terminal_shows_a_call(srv, display_bin, terminal):
    srv.issue("nav")
    srv.issue("nav")
    srv.open_counter("kari", "c1")
    t = terminal([display_bin, "--server", url(srv), "--lang", "en"])
    s = t.wait_screen(lambda s: "Test floor" in s and "No calls yet" in s, "the empty board")
    assert "Reconnecting" not in s and "Loading" not in s
    assert t.alternate_on() == "1"
    nav = re.search(r"│ NAV\s+(\d+)\s+about (\d+) min", s)
    assert nav and nav.group(1) == "2", s

    srv.act("kari", "c1", "call-next")
    s = t.wait_screen(lambda s: calls_listed(s)[:1] == [("B001", "Counter 1")],
                      "B001 called to Counter 1")
    assert "No calls yet" not in s
    block = newest_block(s, "en")
    assert "Now" in block[0] and "Counter" not in "".join(block), "the newest call is big"
    assert sum(bool(BLOCKS & set(x)) for x in block) >= 10, "number and counter in blocks"
    assert re.search(r"│ NAV\s+1\s", s), s

    # A recall is listed again, marked; the newest is still B001.
    srv.act("kari", "c1", "recall")
    s = t.wait_screen(lambda s: "↻" in s, "the recall")
    assert calls_listed(s)[:2] == [("B001", "Counter 1"), ("B001", "Counter 1")]

    # SIGTERM: exit 0 and the terminal is back on its normal screen.
    os.kill(t.display_pid(), signal.SIGTERM)
    assert t.exit_code() == 0
    wait_for(lambda: t.alternate_on() == "0", 5, "the normal screen")


def test_board_language_and_display_filter(srv, display_bin, terminal):
    srv.issue("housing")
    t = terminal([display_bin, "--server", url(srv), "--display", "upstairs"], cols=100,
                 rows=30)
    # The display "upstairs" shows housing and social in its first language, nb.
    s = t.wait_screen(lambda s: "Bolig" in s and "Sosialhjelp" in s, "upstairs' services")
    assert "Siste opprop" in s and "Mottak" not in s and "NAV" not in s
    assert re.search(r"│ Bolig\s+1\s", s), s
    # Resize: the board is drawn again for the new size.
    t.tmux("resize-window", "-t", "board", "-x", "70", "-y", "30")
    s = t.wait_screen(lambda s: "│" not in s and "Bolig" in s, "the narrow, stacked layout")
    assert max(len(line) for line in s.splitlines()) <= 70


class CountingProxy:
    """A TCP proxy on 127.0.0.1 in front of target_port that counts the connections it
    accepts (each WebSocket a client opens is one) and pipes bytes both ways."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.accepted = 0
        self.lock = threading.Lock()
        self.socks = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
            try:
                u = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                c.close()
                continue
            u.settimeout(None)
            with self.lock:
                self.socks += [c, u]
            threading.Thread(target=self._pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pipe, args=(u, c), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()
        with self.lock:
            for s in self.socks:
                s.close()


@pytest.mark.parametrize("which", [["--display", "upstairs"], ["--services", "housing,social"]],
                         ids=["display", "services"])
def test_filtered_display_shows_its_call_on_one_connection(srv, display_bin, terminal, which):
    # A display of housing and social sees the seqs jump over the events of other
    # services: each jump comes with a skip, so it must neither reconnect nor miss a call.
    proxy = CountingProxy(srv.port)
    try:
        t = terminal([display_bin, "--server", f"ws://127.0.0.1:{proxy.port}", "--lang", "en",
                      *which], cols=100, rows=30)
        t.wait_screen(lambda s: "Housing" in s and "No calls yet" in s, "the filtered board")
        for _ in range(4):
            srv.issue("nav")
        srv.open_counter("kari", "c1")  # a counter event: sent, after a skip
        for _ in range(3):
            srv.act("kari", "c1", "call-next")
            srv.act("kari", "c1", "no-show")
        h = srv.issue("housing")["number"]
        srv.issue("nav")
        srv.open_counter("per", "c2")
        srv.act("per", "c2", "call-next")
        s = t.wait_screen(lambda s: calls_listed(s)[:1] == [(h, "c2")], f"{h} called to c2")
        assert "NAV" not in s and "Reconnecting" not in s
        # More of the others, then a second call of its own: still the same connection.
        for _ in range(3):
            srv.issue("reception")
        h2 = srv.issue("social")["number"]
        srv.open_counter("ola", "r1")
        srv.act("ola", "r1", "call-next")
        s = t.wait_screen(lambda s: calls_listed(s)[:2] == [(h2, "r1"), (h, "c2")],
                          f"{h2} called to r1")
        time.sleep(1.0)  # longer than the first reconnect delay: a reconnect would show
        assert proxy.accepted == 1, f"{proxy.accepted} connections"
        log = check_log(t.log_path)
        assert "events missing" not in log and "closed" not in log, log
        assert "Reconnecting" not in t.screen()
    finally:
        proxy.close()


# ---- the server goes away ----


def test_restarts_while_calling_miss_no_call(srv, display_bin, terminal, tmp_path):
    for _ in range(8):
        srv.issue("nav")
    srv.open_counter("kari", "c1")
    announced = tmp_path / "announced.txt"
    t = terminal([display_bin, "--server", url(srv), "--lang", "en", "--on-call",
                  f'echo "$TORG_NUMBER $TORG_RECALL" >> {shlex_quote(announced)}'])
    t.wait_screen(lambda s: "No calls yet" in s and "Reconnecting" not in s, "the board")
    called = []

    def call():
        if called:
            srv.act("kari", "c1", "no-show")
        called.append(srv.act("kari", "c1", "call-next")["ticket"]["number"])

    call()
    t.wait_screen(lambda s: calls_listed(s)[:1] == [(called[-1], "Counter 1")], "call 1")

    # Crash twice: each time calls are made right after the restart, before the display
    # has had its backoff delay, so it must resume from its seq and get them.
    for round_ in range(2):
        srv.kill9()
        t.wait_screen(lambda s: "Reconnecting …" in s, "the reconnecting mark")
        time.sleep(0.3)
        srv.start()
        call()
        call()
        t.wait_screen(lambda s: "Reconnecting" not in s and
                      [n for n, _ in calls_listed(s)][:len(called)] == called[::-1],
                      f"every call after restart {round_ + 1}: {called}")

    # A graceful restart too, with a call while it is down being impossible: call after.
    srv.restart()
    call()
    s = t.wait_screen(lambda s: [n for n, _ in calls_listed(s)][:len(called)] == called[::-1],
                      f"every call: {called}")
    assert all(c == "Counter 1" for _, c in calls_listed(s))
    assert len(called) == 6 and len(set(called)) == 6

    # --on-call announced each call exactly once, none as a recall (children run
    # concurrently, so two close calls may append in either order).
    def lines():
        return announced.read_text().splitlines() if announced.exists() else []
    wait_for(lambda: len(lines()) >= len(called), what="every announcement")
    time.sleep(0.5)
    assert sorted(lines()) == sorted(f"{n} 0" for n in called)
    log = check_log(t.log_path)
    assert "resum" in log or "closed" in log or "cannot connect" in log, log


# ---- --once ----


def test_once_prints_the_board(srv, display_bin):
    srv.issue("nav")
    srv.issue("nav")
    srv.issue("reception")
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    r = run_once(display_bin, "--server", url(srv), "--lang", "en")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    seq = srv.seq()
    assert lines[0] == "Test floor"
    assert lines[1].startswith("day ") and lines[1].endswith(f" seq {seq}")
    assert lines[3] == "Recent calls:"
    called = srv.floor()["calls"][0]["number"]
    assert re.fullmatch(rf"  {called}   -> Counter 1  \d\d:\d\d", lines[4]), lines
    i = lines.index("Waiting:")
    waiting = {s["id"]: s["waiting"] for s in srv.floor()["services"]}
    assert waiting["reception"] == 0 and lines[i + 1] == "  A Reception: Waiting 0", lines
    assert re.fullmatch(rf"  B NAV: Waiting {waiting['nav']}, Wait about \d+ min", lines[i + 2])
    assert lines[i + 3] == "  C Housing: Waiting 0", "nobody waiting: no wait, as on the pages"
    assert len(lines) == i + 5

    # Norwegian, one display's services, and a services filter.
    r = run_once(display_bin, "--server", url(srv), "--display", "upstairs")
    assert r.returncode == 0 and r.stdout.startswith("Testtorget (First floor)\n"), r
    assert "Siste opprop:\n  Ingen opprop ennå" in r.stdout
    assert "C Bolig: Venter 0" in r.stdout and "NAV" not in r.stdout
    r = run_once(display_bin, "--server", url(srv) + "/ws", "--services", "nav,social",
                 "--lang", "sv")
    assert r.returncode == 0, r.stderr
    assert "B NAV: Väntar" in r.stdout and "D Socialhjälp: Väntar 0" in r.stdout
    assert "Mottagning" not in r.stdout


def test_once_fails_cleanly(srv, display_bin):
    port = free_port()  # nothing listens here
    t0 = time.monotonic()
    r = run_once(display_bin, "--server", f"ws://127.0.0.1:{port}", "--timeout", "2")
    assert r.returncode == 1 and r.stdout == ""
    assert f"no board from ws://127.0.0.1:{port} within 2000 ms" in r.stderr, r.stderr
    assert 1.9 < time.monotonic() - t0 < 10
    r = run_once(display_bin, "--server", url(srv), "--display", "nosuch")
    assert r.returncode == 1 and "unknown_display" in r.stderr, r
    # Usage errors: exit 2 with a message.
    for args, msg in ((["--server", "http://x"], "ws:// or wss://"),
                      (["--server", "ws://h:99999"], "bad port"),
                      ([], "--server ws://HOST:PORT is required"),
                      (["--server", "ws://h", "--ca", "/nonexistent"], "--ca /nonexistent")):
        r = subprocess.run([display_bin, *args], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2 and msg in r.stderr, (args, r.stderr)
    r = subprocess.run([display_bin, "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.startswith("torg-display ")
    r = subprocess.run([display_bin, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "--on-call CMD" in r.stdout


def test_once_under_valgrind(srv, display_bin):
    srv.issue("nav")
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    if is_asan_build(display_bin):
        r = run_once(display_bin, "--server", url(srv), "--lang", "en")
        assert r.returncode == 0, r.stderr
    else:
        r = run_once(display_bin, "--server", url(srv), "--lang", "en", "--timeout", "60",
                     timeout=120, wrapper=("valgrind", "-q", "--leak-check=full",
                                           "--error-exitcode=99"))
        assert r.returncode == 0, r.stderr[-6000:]
        assert "==" not in r.stderr, r.stderr[-6000:]
    assert "  B001   -> Counter 1  " in r.stdout


# ---- --on-call ----


def test_on_call_environment_and_not_blocking(srv, display_bin, tmp_path):
    srv.issue("nav")
    srv.issue("housing")
    srv.open_counter("kari", "c1")
    srv.open_counter("ola", "c2")
    out = tmp_path / "board.txt"
    err = tmp_path / "display.err"
    # Each announcement takes 4 s; the board (plain text, stdout not a terminal) must not
    # wait for it.
    d = shlex_quote(tmp_path)
    cmd = (f'env | grep ^TORG_ | sort > {d}/tmp.$$ && '
           f'mv {d}/tmp.$$ {d}/"$TORG_NUMBER-$TORG_RECALL.env"; sleep 4')
    # The child sees our variables, not stale ones of the same name from the parent.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORG_")}
    env.update(LANG="C.UTF-8", TORG_NUMBER="stale")
    with open(out, "w") as o, open(err, "w") as e:
        p = subprocess.Popen([display_bin, "--server", url(srv), "--lang", "en", "--on-call",
                              cmd], stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                             env=env)
    try:
        wait_for(lambda: "No calls yet" in out.read_text(), what="the first board")
        srv.act("kari", "c1", "call-next")
        wait_for(lambda: (tmp_path / "B001-0.env").exists(), what="the announcement")
        t0 = time.monotonic()
        srv.act("ola", "c2", "call-next")
        wait_for(lambda: "  C001   -> c2" in out.read_text(), 3, "C001 on the board")
        assert time.monotonic() - t0 < 3
        srv.act("kari", "c1", "recall")
        wait_for(lambda: (tmp_path / "B001-1.env").exists(), what="the recall's announcement")
        wait_for(lambda: (tmp_path / "C001-0.env").exists(), what="C001's announcement")
        env = (tmp_path / "B001-0.env").read_text().splitlines()
        assert env == ["TORG_COUNTER=c1", "TORG_COUNTER_NAME=Counter 1", "TORG_NUMBER=B001",
                       "TORG_RECALL=0", "TORG_SERVICE=nav", "TORG_SERVICE_NAME=NAV"]
        env = (tmp_path / "B001-1.env").read_text().splitlines()
        assert "TORG_RECALL=1" in env and "TORG_NUMBER=B001" in env
        # c2 has no configured name: its id stands in.
        env = (tmp_path / "C001-0.env").read_text().splitlines()
        assert env == ["TORG_COUNTER=c2", "TORG_COUNTER_NAME=c2", "TORG_NUMBER=C001",
                       "TORG_RECALL=0", "TORG_SERVICE=housing", "TORG_SERVICE_NAME=Housing"]
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(15)
    assert rc == 0
    check_log(str(err))


# ---- wss:// ----


def test_wss_through_tls_proxy(srv, display_bin, tmp_path):
    ca = ThrowawayCA(tmp_path / "ca")
    cert, key = ca.issue("localhost", 1001)
    ca = ca.cert
    port = free_port()
    proxy = subprocess.Popen(
        ["socat", f"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={cert},"
         f"key={key},verify=0", f"TCP:127.0.0.1:{srv.port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        srv.issue("social")
        srv.open_counter("ola", "r1")
        srv.act("ola", "r1", "call-next")
        r = run_once(display_bin, "--server", f"wss://localhost:{port}", "--ca", ca,
                     "--lang", "en", "--timeout", "15")
        assert r.returncode == 0, r.stderr
        assert re.search(r"^  D001   -> r1  \d\d:\d\d$", r.stdout, re.M), r.stdout
        # Without our CA the system store does not trust the proxy: no board.
        r = run_once(display_bin, "--server", f"wss://localhost:{port}", "--timeout", "2")
        assert r.returncode == 1 and "no board from" in r.stderr, r
    finally:
        proxy.terminate()
        proxy.wait(10)


def test_wss_to_torgd_with_its_own_tls(make_server, display_bin, tmp_path):
    """A small floor's console board against torgd's server.tls, no proxy."""
    ca = ThrowawayCA(tmp_path / "ca")
    cert, key = ca.issue("localhost", 1001)
    srv = make_server(config_with(server={"tls": {"cert": cert, "key": key}}), start=False)
    srv.over_tls(ca).start()
    srv.settle_day()
    srv.issue("social")
    srv.open_counter("ola", "r1")
    srv.act("ola", "r1", "call-next")
    r = run_once(display_bin, "--server", f"wss://localhost:{srv.port}", "--ca", ca.cert,
                 "--lang", "en", "--timeout", "15")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^  D001   -> r1  \d\d:\d\d$", r.stdout, re.M), r.stdout
    r = run_once(display_bin, "--server", f"ws://localhost:{srv.port}", "--timeout", "2")
    assert r.returncode == 1 and "no board from" in r.stderr, r  # ws:// on a TLS port


# ---- frames torgd would not send: a scripted server ----


class FakeServer:
    """A WebSocket server on 127.0.0.1 that answers the n-th hello with the n-th list of
    scripted frames (strings, sent as they are; the last list again for later hellos) and
    records the hellos and when they came (time.monotonic()); with drop it closes each
    connection right after its frames. Runs on its own asyncio loop."""

    def __init__(self, frames, drop=False):
        import asyncio

        import websockets
        self.frames = frames
        self.drop = drop
        self.hellos = []
        self.hello_times = []
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def handler(ws, path=None):
            hello = json.loads(await ws.recv())
            self.hello_times.append(time.monotonic())
            self.hellos.append(hello)
            for f in self.frames[min(len(self.hellos), len(self.frames)) - 1]:
                await ws.send(f)
            if self.drop:
                await ws.close()
            await ws.wait_closed()

        async def main():
            self.server = await websockets.serve(handler, "127.0.0.1", self.port,
                                                 subprotocols=["torg.v1"])
            ready.set()

        self.thread = threading.Thread(target=lambda: (self.loop.run_until_complete(main()),
                                                       self.loop.run_forever()), daemon=True)
        self.thread.start()
        assert ready.wait(10), "fake server did not start"

    def close(self):
        async def stop():
            self.server.close()
            await self.server.wait_closed()
        import asyncio
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


SNAP = {"type": "snapshot", "seq": 7, "day": "2026-11-22",
        "floor": {"id": "f", "name": {"en": "Fake floor"}, "languages": ["en"]},
        "services": [{"id": "nav", "prefix": "B", "name": {"en": "NAV"}, "waiting": 4,
                      "eta_s": 600, "longest_wait_s": 0, "counters_open": 1, "future": [1]}],
        "counters": [{"id": "c1", "name": {"en": "Desk 1"}, "open": True, "current": None}],
        "calls": []}


def test_unknown_and_malformed_frames_are_skipped(display_bin, tmp_path):
    called = {"type": "event", "seq": 8, "kind": "ticket.called",
              "ticket": {"number": "B042", "service": "nav"}, "counter": "c1",
              "queues": [{"service": "nav", "waiting": 3, "eta_s": 450, "longest_wait_s": 0,
                          "counters_open": 1}]}
    not_json = "{\"type\": \"snapshot\", \"seq\": "
    wrong_type = json.dumps({"type": "snapshot", "seq": "seven"})
    fake = FakeServer([[
        json.dumps({"type": "hologram", "seq": 1}),  # a newer server's message
        not_json,
        wrong_type,
        json.dumps(SNAP),
        json.dumps([{"type": "event", "seq": 8, "kind": "ticket.teleported"}]),  # new kind
        json.dumps(dict(called, seq=9)),
    ]])
    try:
        r = run_once(display_bin, "--server", f"ws://127.0.0.1:{fake.port}", "--timeout", "10")
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("Fake floor\nday 2026-11-22 seq 7\n"), r.stdout
        assert (f"malformed frame of {len(not_json)} bytes skipped: frame: line 1, column "
                in r.stderr), r.stderr
        assert (f"malformed frame of {len(wrong_type)} bytes skipped: seq: expected an "
                "integer, got string" in r.stderr), r.stderr
        assert fake.hellos == [{"type": "hello"}]

        # Full-screen (plain output here, stdout is a file): the unknown kind advances seq
        # to 8, so the call at 9 is applied without a gap.
        out = tmp_path / "board.txt"
        log = tmp_path / "display.log"
        with open(out, "w") as o:
            p = subprocess.Popen([display_bin, "--server", f"ws://127.0.0.1:{fake.port}",
                                  "--log", str(log)], stdout=o, stderr=subprocess.DEVNULL,
                                 stdin=subprocess.DEVNULL, env=dict(os.environ, LANG="C.UTF-8"))
        try:
            wait_for(lambda: "B042   -> Desk 1" in out.read_text(), what="B042 on the board")
            assert "seq 9" in out.read_text()
            assert "NAV: Waiting 3, Wait about 8 min" in out.read_text()
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(15) == 0
        text = check_log(str(log))
        assert "malformed frame" in text and "events missing" not in text, text
    finally:
        fake.close()


def test_time_zone_from_the_snapshot(display_bin):
    # The call's time in the zone the snapshot names, whatever the machine's; a zone
    # this machine lacks shows as UTC, and a path is not used at all; both are logged.
    def snap(tz):
        floor = dict(SNAP["floor"], timezone=tz)
        call = {"number": "B001", "service": "nav", "counter": "c1",
                "at": "2026-11-22T12:05:00Z", "recall": False}
        return [json.dumps(dict(SNAP, floor=floor, calls=[call]))]
    cases = [("America/New_York", "07:05", None),
             ("Mars/Olympus_Mons", "12:05", "is not on this machine"),
             ("../../../../etc/passwd", "12:05", "is not a zone name: not used")]
    fake = FakeServer([snap(tz) for tz, _, _ in cases])
    try:
        for tz, hhmm, logged in cases:
            r = subprocess.run([display_bin, "--once", "--server",
                                f"ws://127.0.0.1:{fake.port}"], capture_output=True,
                               text=True, timeout=30, env=dict(os.environ, TZ="UTC"))
            assert r.returncode == 0, r.stderr
            assert f"  B001   -> Desk 1  {hhmm}\n" in r.stdout, (tz, r.stdout)
            if logged:
                assert logged in r.stderr, (tz, r.stderr)
            else:
                assert "time zone" not in r.stderr, r.stderr
    finally:
        fake.close()


def test_gap_reconnects_with_since(display_bin, tmp_path):
    # seq 7, then 9: a gap; the display must reconnect saying since 7. The "resumed"
    # stream skips 8 again: after a second gap at the same seq it starts over without since.
    ev9 = json.dumps({"type": "event", "seq": 9, "kind": "ticket.issued",
                      "ticket": {"number": "B050", "service": "nav"}})
    fake = FakeServer([[json.dumps(SNAP), ev9],
                       [json.dumps({"type": "resume", "since": 7, "seq": 9}), ev9],
                       [json.dumps(dict(SNAP, seq=9))]])
    try:
        log = tmp_path / "display.log"
        with open(tmp_path / "out.txt", "w") as o:
            p = subprocess.Popen([display_bin, "--server", f"ws://127.0.0.1:{fake.port}",
                                  "--log", str(log)], stdout=o, stderr=subprocess.DEVNULL,
                                 stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(fake.hellos) >= 3, what="three hellos")
            time.sleep(1.5)  # the third connection got seq 9 in a snapshot: it stays
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(15) == 0
        assert fake.hellos[0] == {"type": "hello"}
        assert fake.hellos[1] == {"type": "hello", "since": 7}
        assert fake.hellos[2] == {"type": "hello"}
        assert len(fake.hellos) == 3, fake.hellos
        assert "events missing after seq 7 (got 9)" in check_log(str(log))
    finally:
        fake.close()


@pytest.mark.parametrize("how", ["server_drops", "gap"])
def test_backoff_grows_while_connections_fail_at_once(display_bin, tmp_path, how):
    # Every connection is answered (a snapshot), then lost at once: the server closes it,
    # or its next event does not follow (a gap). An answer is no reason to start the
    # backoff over, so the delays between hellos grow: 0.25-0.5 s, 0.5-1 s, 1-2 s, 2-4 s.
    ev9 = json.dumps({"type": "event", "seq": 9, "kind": "ticket.issued",
                      "ticket": {"number": "B050", "service": "nav"}})
    frames = [json.dumps(SNAP)] if how == "server_drops" else [json.dumps(SNAP), ev9]
    fake = FakeServer([frames], drop=how == "server_drops")
    try:
        log = tmp_path / "display.log"
        with open(tmp_path / "out.txt", "w") as o:
            p = subprocess.Popen([display_bin, "--server", f"ws://127.0.0.1:{fake.port}",
                                  "--log", str(log)], stdout=o, stderr=subprocess.DEVNULL,
                                 stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(fake.hellos) >= 5, 20, "five hellos")
        finally:
            p.send_signal(signal.SIGTERM)
            assert p.wait(15) == 0
        ts = fake.hello_times
        gaps = [b - a for a, b in zip(ts, ts[1:])][:4]
        for i, g in enumerate(gaps):
            low = 0.25 * 2 ** i
            assert g >= low - 0.02, f"delay {i + 1} was {g:.3f} s, under {low} s: {gaps}"
        assert gaps[3] > gaps[0] * 2, gaps
        if how == "server_drops":
            assert fake.hellos[1:5] == [{"type": "hello", "since": 7}] * 4, fake.hellos
        else:
            assert "events missing after seq 7 (got 9)" in check_log(str(log))
    finally:
        fake.close()


# ---- issue 12: the floor's time zone, the pages' texts, a large counter name, RTL ----

I18N_DIR = os.path.join(ROOT_DIR, "server", "www", "static", "i18n")
CAPTURES = os.path.join(ROOT_DIR, "tests", "artifacts", "display-client")
LONG_ROOM = "Møterom for pedagogisk-psykologisk tjeneste"  # 43 characters

# The test floor with Arabic as a fifth language and names in it.
AR_NAMES = {"reception": "الاستقبال", "nav": "ناف", "housing": "السكن",
            "social": "المساعدة الاجتماعية"}


def ar_config():
    """BASE_CONFIG with the floor in nb, nn, sv, en and ar, every name also in Arabic,
    and the meeting room r1 named with a 43-character name."""
    cfg = config_with()
    cfg["floor"]["languages"] = ["nb", "nn", "sv", "en", "ar"]
    cfg["floor"]["name"]["ar"] = "ساحة الاختبار"
    for s in cfg["services"]:
        s["name"]["ar"] = AR_NAMES[s["id"]]
    for c in cfg["counters"]:
        if c["id"] == "c1":
            c["name"]["ar"] = "الشباك 1"
        if c["id"] == "r1":
            c["name"] = {"nb": LONG_ROOM, "nn": LONG_ROOM,
                         "sv": "Mötesrum för pedagogisk-psykologisk tjänst",
                         "en": "Room for educational psychology services",
                         "ar": "غرفة الخدمات التربوية النفسية"}
    return cfg


def pages_texts(lang):
    """The web pages' strings of one language."""
    with open(os.path.join(I18N_DIR, f"{lang}.json"), encoding="utf-8") as f:
        return json.load(f)


def visual_rtl(s):
    """The left-to-right cell order a right-to-left line has on a terminal that does not
    reorder (written independently of text.c): reversed, Latin/digit runs kept."""
    def ltr(ch):
        return ch.isascii() and ch.isalnum() or ("\u00c0" <= ch < "\u0590")
    out, i = [], len(s)
    while i > 0:
        if ltr(s[i - 1]):
            j = i - 1
            while j > 0 and not ("\u0590" <= s[j - 1] <= "\u08ff"):
                k = j - 1
                while k > 0 and not ltr(s[k]) and not ("\u0590" <= s[k] <= "\u08ff"):
                    k -= 1
                if not ltr(s[k]):
                    break
                j = k
            out.append(s[j:i])
            i = j
            continue
        j = i - 1
        while j > 0 and unicodedata.combining(s[j]):
            j -= 1
        out.append({"(": ")", ")": "("}.get(s[j], s[j]) + s[j + 1:i])
        i = j
    return "".join(out)


def unshaped(screen):
    """screen with Arabic presentation forms (the joined letters torg-display draws for
    terminals that do not shape) back to the letters they are."""
    return "".join(unicodedata.normalize("NFKC", ch) if "\ufe70" <= ch <= "\ufefc" else ch
                   for ch in screen)


def shown(lang, text):
    """text as it appears in a capture of a board in lang."""
    return visual_rtl(text) if lang == "ar" else text


def save_capture(name, screen):
    """Keeps a capture under tests/artifacts/display-client/ for a person to look at."""
    os.makedirs(CAPTURES, exist_ok=True)
    with open(os.path.join(CAPTURES, name + ".txt"), "w", encoding="utf-8") as f:
        f.write(screen)


def call_to(srv, user, counter, service, n=1):
    """Issues n tickets of service and calls the first to counter; returns its number."""
    numbers = [srv.issue(service)["number"] for _ in range(n)]
    srv.open_counter(user, counter, [service])
    srv.act(user, counter, "call-next")
    return numbers[0]


@pytest.fixture
def ar_srv(make_server):
    """The test floor with Arabic, started."""
    return make_server(config=ar_config())


def test_times_are_the_floors_not_the_machines(ar_srv, display_bin, terminal):
    number = call_to(ar_srv, "kari", "c1", "reception")
    t = terminal(["env", "TZ=UTC", display_bin, "--server", url(ar_srv), "--lang", "en"],
                 cols=100, rows=30)
    s = t.wait_screen(lambda s: "Counter 1" in s and number in s, "the call")
    save_capture("timezone-en-100x30", s)
    now = datetime.datetime.now(datetime.timezone.utc)
    ago = [now - datetime.timedelta(seconds=d) for d in (0, 60)]
    oslo = {x.astimezone(ZoneInfo("Europe/Oslo")).strftime("%H:%M") for x in ago}
    utc = {x.strftime("%H:%M") for x in ago}
    assert oslo.isdisjoint(utc), "the test needs Oslo and UTC to differ"
    title = s.splitlines()[0]
    assert any(title.rstrip().endswith(x) for x in oslo), (oslo, title)
    line = next(x for x in s.splitlines() if x.strip().startswith(number)).split("│")[0]
    assert any(line.rstrip().endswith(x) for x in oslo), (oslo, line)
    assert not any(x in title for x in utc - oslo), title


@pytest.mark.parametrize("lang", ["nb", "nn", "sv", "en", "ar"])
def test_texts_are_the_pages(ar_srv, display_bin, terminal, lang):
    number = call_to(ar_srv, "kari", "c1", "nav", n=3)
    t = terminal([display_bin, "--server", url(ar_srv), "--lang", lang], cols=160, rows=48)
    p = pages_texts(lang)
    want = [p[k] for k in ("display_latest", "display_recent", "display_queues",
                           "display_waiting", "display_eta")]
    s = t.wait_screen(lambda s: number in s and all(shown(lang, w) in unshaped(s)
                                                     for w in want),
                      f"the {lang} texts of the pages")
    save_capture(f"texts-{lang}-160x48", s)
    s = unshaped(s)
    # The two waiting for nav: their wait in the pages' words ("ca. 12 min").
    eta = re.escape(shown(lang, p["wait_minutes"].split("{n}")[0].strip()))
    assert re.search(eta, s), (p["wait_minutes"], s)
    # None of the client's old texts.
    for old in ("Siste oppkall", "Latest calls", "(again)", "Tjeneste", "Service "):
        assert old not in s


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_wait_of_hours_is_said_as_the_pages_say_it(ar_srv, display_bin, terminal, lang):
    """Over an hour the wait is "ca. 1 t 10 min" (the pages' wait_hours_minutes, or
    wait_hours on the hour), never "ca. 70 min"."""
    number = call_to(ar_srv, "kari", "c1", "nav", n=16)
    eta = ar_srv.floor()
    nav = next(x for x in eta["services"] if x["id"] == "nav")
    assert nav["eta_s"] >= 3600, nav  # the test needs an hour's wait
    t = terminal([display_bin, "--server", url(ar_srv), "--lang", lang], cols=160, rows=48)
    p = pages_texts(lang)
    pats = [re.escape(p[k]).replace(r"\{h\}", r"\d+").replace(r"\{m\}", r"\d+")
            for k in ("wait_hours_minutes", "wait_hours")]
    s = t.wait_screen(lambda s: number in s and any(re.search(x, s) for x in pats),
                      f"a wait of hours in {lang}")
    save_capture(f"wait-hours-{lang}-160x48", s)
    assert not re.search(re.escape(p["wait_minutes"]).replace(r"\{n\}", r"\d{2,}"), s)


def test_wrong_language_is_refused(srv, display_bin, terminal):
    # Not one torg-display has: refused before connecting.
    r = subprocess.run([display_bin, "--server", url(srv), "--lang", "de"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "--lang de" in r.stderr and "nb, nn, sv, en, ar" in r.stderr, r.stderr
    # One torg-display has but this floor has not: refused at the first snapshot.
    r = run_once(display_bin, "--server", url(srv), "--lang", "ar")
    assert r.returncode == 2 and r.stdout == ""
    assert "--lang ar" in r.stderr and "floor" in r.stderr and "nb, nn, sv, en" in r.stderr
    # Full screen: the terminal is put back and the message printed; the display's own.
    t = terminal([display_bin, "--server", url(srv), "--display", "upstairs", "--lang",
                  "sv"])
    assert t.exit_code() == 2
    wait_for(lambda: t.alternate_on() == "0", 5, "the normal screen")
    with open(t.stderr_path, encoding="utf-8") as f:
        err = f.read()
    assert "--lang sv" in err and "display" in err and "it has nb, en" in err, err
    # A language the floor has is accepted.
    r = run_once(display_bin, "--server", url(srv), "--lang", "nn")
    assert r.returncode == 0 and pages_texts("nn")["display_recent"] in r.stdout


def newest_block(screen, lang):
    """The lines between the title and the calls list's heading."""
    head = shown(lang, pages_texts(lang)["display_recent"])
    lines = screen.splitlines()
    end = next(i for i, x in enumerate(lines) if head in x)
    return lines[1:end]


BLOCKS = set("█▀▄")


@pytest.mark.parametrize("lang,name", [("nb", "Skranke 1"), ("en", "Counter 1")])
@pytest.mark.parametrize("cols,rows", [(80, 24), (160, 48), (240, 67)])
def test_counter_name_in_block_letters(ar_srv, display_bin, terminal, cols, rows, lang, name):
    number = call_to(ar_srv, "kari", "c1", "reception")
    t = terminal([display_bin, "--server", url(ar_srv), "--lang", lang], cols=cols, rows=rows)
    s = t.wait_screen(lambda s: name in s and number in s, "the call")
    save_capture(f"counter-{lang}-{cols}x{rows}", s)
    block = newest_block(s, lang)
    big = [x for x in block if BLOCKS & set(x)]
    # Number and counter name are both block letters: no plain name up there, and more
    # block rows than the number alone takes (5 font rows at the smallest scale).
    assert not any(name.split()[0] in x for x in block), "\n".join(block)
    groups = [len(list(g)) for k, g in itertools.groupby(
        block, key=lambda x: bool(BLOCKS & set(x))) if k]
    assert len(groups) in (1, 2) and sum(groups) >= 6, groups
    assert max(len(x.rstrip()) for x in big) <= cols - 2, "a block letter is cut"
    assert max(len(x) for x in s.splitlines()) <= cols
    if cols >= 160:
        assert len(groups) == 2 and groups[1] >= 5, "the counter at least 5 rows high"
    # The number never shrinks below the counter's name.
    assert groups[0] >= groups[-1]


def test_long_counter_name_whole(ar_srv, display_bin, terminal):
    number = call_to(ar_srv, "ola", "r1", "social")
    for cols, rows in ((80, 24), (160, 48)):
        t = terminal([display_bin, "--server", url(ar_srv), "--lang", "nb"], cols=cols,
                     rows=rows)
        s = t.wait_screen(lambda s: number in s and "Møterom" in s, "the call")
        save_capture(f"counter-long-nb-{cols}x{rows}", s)
        block = newest_block(s, "nb")
        groups = [len(list(g)) for k, g in itertools.groupby(
            block, key=lambda x: bool(BLOCKS & set(x))) if k]
        plain = " ".join(x.strip() for x in block if x.strip() and not BLOCKS & set(x))
        assert "…" not in plain, "the name is cut:\n" + "\n".join(block)
        if cols == 80:
            # too long for block letters here: whole, in plain text under the number
            assert plain == "Nå " + LONG_ROOM and len(groups) == 1, block
        else:
            # in block letters, wrapped at its spaces into three lines
            assert plain == "Nå" and len(groups) == 4, block
        assert max(len(x) for x in s.splitlines()) <= cols
        t.close()


@pytest.mark.parametrize("cols,rows", [(80, 24), (160, 48), (240, 67)])
def test_arabic_right_to_left(ar_srv, display_bin, terminal, cols, rows):
    number = call_to(ar_srv, "kari", "c1", "nav", n=2)
    t = terminal([display_bin, "--server", url(ar_srv), "--lang", "ar"], cols=cols, rows=rows)
    p = pages_texts("ar")
    s = t.wait_screen(lambda s: shown("ar", "الشباك 1") in unshaped(s) and number in s,
                      "the call")
    save_capture(f"rtl-ar-{cols}x{rows}", s)
    # The letters joined: nun initial, alef final, feh alone (ناف), shown right to left.
    assert "\ufed1\ufe8e\ufee7" in s, s
    s = unshaped(s)
    lines = s.splitlines()
    assert max(len(x) for x in lines) <= cols
    # Title: the clock at the left, the floor's name ends at the right.
    assert re.match(r"^ \d\d:\d\d ", lines[0]), lines[0]
    assert lines[0].rstrip().endswith(shown("ar", "ساحة الاختبار")), lines[0]
    # The newest call: the number in block letters, aligned right; the counter's name
    # (no Arabic block font) whole under it, aligned right too.
    block = newest_block(s, "ar")
    big = [x for x in block if BLOCKS & set(x)]
    lmargin = min(len(x) - len(x.lstrip()) for x in big)
    rmargin = cols - max(len(x.rstrip()) for x in big)
    assert big and lmargin > 2 and rmargin < lmargin, "aligned right:\n" + "\n".join(block)
    name = next(x for x in block if shown("ar", "الشباك 1") in x)
    assert name.rstrip().endswith(shown("ar", "الشباك 1")) and len(name.rstrip()) >= cols - 3
    # The calls list's heading at the right end; a call: the number LTR at the right
    # end, the counter's name to its left.
    head = next(x for x in lines if shown("ar", p["display_recent"]) in x)
    assert head.rstrip().endswith(shown("ar", p["display_recent"])), head
    row = next(x for x in lines if x.rstrip().endswith(number))
    assert row.index(shown("ar", "الشباك 1")) < row.index(number), row
    # The services' names right-aligned after their figures (mirrored table).
    nav = next(x for x in lines if x.rstrip().endswith(shown("ar", "ناف")) or
               ("│" in x and x.split("│")[0].rstrip().endswith(shown("ar", "ناف"))))
    left = nav.split("│")[0]
    assert re.search(r" 1 ", left) and left.index(" 1 ") < left.index(shown("ar", "ناف"))
    assert shown("ar", p["wait_minutes"].split("{n}")[1].strip()) in left
    if cols >= 90:
        # two columns, mirrored: services left, the calls list right
        assert "│" in head and head.index(shown("ar", p["display_queues"])) < cols // 2
        assert "│" in row and row.index("│") < row.index(number)


# ---- issue 13: the notices ----

NOTICE_NB = ("Servicetorget stenger kl. 14 i dag på grunn av personalmøte. Timeavtaler "
             "etter kl. 14 flyttes, og du får en SMS med ny tid.")
NOTICE_TEXT = {"nb": NOTICE_NB, "nn": "Servicetorget stengjer kl. 14 i dag.",
               "sv": "Servicetorget stänger kl. 14 i dag.",
               "en": "The service floor closes at 14:00 today."}


def test_notices_band(make_server, display_bin, terminal):
    """The message for the display shows in its band under the title, wrapped, in the
    board's language; a message for another display or one that starts later does not;
    today's exception says its note; --once prints them too."""
    today = datetime.datetime.now(ZoneInfo("Europe/Oslo")).strftime("%Y-%m-%d")
    note = {"nb": "Kort dag", "nn": "Kort dag", "sv": "Kort dag", "en": "Short day"}
    later = {k: "LATER " + v for k, v in NOTICE_TEXT.items()}
    srv = make_server(config_with(
        exceptions=[{"date": today, "hours": [["00:00", "24:00"]], "note": note}],
        messages=[{"id": "early", "text": NOTICE_TEXT, "displays": ["hall"]},
                  {"id": "upstairs", "text": {k: "UPSTAIRS" for k in NOTICE_TEXT},
                   "displays": ["upstairs"]},
                  {"id": "later", "text": later, "from": "2099-01-01T08:00"}]))
    t = terminal([display_bin, "--server", url(srv), "--display", "hall"], cols=100, rows=30)
    s = t.wait_screen(lambda s: "Kort dag" in s, "the notices band")
    save_capture("notices-nb-100x30", s)
    lines = s.splitlines()
    assert lines[1].strip() == "Kort dag: Åpent i dag 00:00-24:00", lines[:4]
    band = " ".join(x.strip() for x in lines[2:5])
    assert band.startswith(NOTICE_NB), lines[:6]
    assert "UPSTAIRS" not in s and "LATER" not in s
    assert "Ingen opprop ennå" in s, "the board goes on under the band"

    r = run_once(display_bin, "--server", url(srv), "--display", "hall", "--lang", "en")
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[2:4] == ["! Short day: Open today 00:00-24:00",
                        "! " + NOTICE_TEXT["en"]], out
    assert out[5] == "Recent calls:", out
    r = run_once(display_bin, "--server", url(srv), "--display", "upstairs")
    assert r.returncode == 0 and "! UPSTAIRS" in r.stdout and NOTICE_NB not in r.stdout, r


def test_notices_band_in_arabic(make_server, display_bin, terminal):
    """The band right to left in Arabic, as the rest of the board."""
    cfg = ar_config()
    text = dict(NOTICE_TEXT, ar="يُغلق مركز الخدمات اليوم الساعة 14")
    cfg["messages"] = [{"id": "early", "text": text}]
    srv = make_server(config=cfg)
    t = terminal([display_bin, "--server", url(srv), "--lang", "ar"], cols=100, rows=30)
    want = shown("ar", text["ar"])
    s = t.wait_screen(lambda s: want in unshaped(s), "the Arabic band")
    save_capture("notices-ar-100x30", s)
    line = unshaped(s).splitlines()[1]
    assert line.rstrip().endswith(want), line
