"""torgd under systemd's notification protocol (sd_notify(3)), with this test as the
service manager: a unix datagram socket named by NOTIFY_SOCKET (a path, and an @abstract
name). READY=1 comes once the listener is up (a connection made right after it is
accepted), WATCHDOG=1 comes from the loop at half of WATCHDOG_USEC and stops while the
process is stopped (SIGSTOP: what a stuck loop looks like to systemd), STOPPING=1 comes
on SIGTERM. A WATCHDOG_PID of another process or a bad NOTIFY_SOCKET turns only that off."""

import os
import queue
import signal
import socket
import threading
import time
import uuid

import pytest

WATCHDOG_USEC = 200000  # pings every 100 ms


class Manager:
    """The systemd side: receives notifications on its own thread; on READY=1 it
    connects to torgd's port at once, to show the listener was up before READY."""

    def __init__(self, address, port):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.1)
        self.port = port
        self.messages = queue.Queue()  # (monotonic time, text)
        self.ready_connect = None  # None, or the error text / "ok" of the connect
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            text = data.decode()
            if "READY=1" in text.split("\n") and self.ready_connect is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                    self.ready_connect = "ok"
                except OSError as e:
                    self.ready_connect = str(e)
            self.messages.put((time.monotonic(), text))

    def wait_for(self, line, timeout=10):
        """The first message holding `line`; fails after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                _, text = self.messages.get(timeout=0.1)
            except queue.Empty:
                continue
            if line in text.split("\n"):
                return text
        raise AssertionError(f"no {line} from torgd within {timeout}s")

    def count(self, line, seconds):
        """How many messages holding `line` arrive in the next `seconds`."""
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            try:
                _, text = self.messages.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                continue
            n += line in text.split("\n")
        return n

    def drain(self):
        """Forgets what has arrived so far."""
        while not self.messages.empty():
            self.messages.get()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def managed(request, make_server, tmp_path):
    """A torgd (not yet started) whose NOTIFY_SOCKET is a Manager's socket."""
    srv = make_server(users={}, start=False)
    if request.param == "path":
        address = str(tmp_path / "notify")
        name = address
    else:
        address = "\0torg-test-" + uuid.uuid4().hex
        name = "@" + address[1:]
    mgr = Manager(address, srv.port)
    srv.env = {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    yield srv, mgr
    mgr.close()


def test_ready_watchdog_and_stopping(managed):
    srv, mgr = managed
    srv.start()
    ready = mgr.wait_for("READY=1")
    assert mgr.ready_connect == "ok", f"READY=1 came before the listener: {mgr.ready_connect}"
    assert f"STATUS=floor testtorg: listening on 127.0.0.1:{srv.port}" in ready.split("\n")
    # 100 ms apart: about 10 a second; a loose floor and ceiling, not a timing test
    n = mgr.count("WATCHDOG=1", 1.0)
    assert 5 <= n <= 30, f"{n} watchdog pings in a second at WATCHDOG_USEC={WATCHDOG_USEC}"
    os.kill(srv.proc.pid, signal.SIGSTOP)
    try:
        time.sleep(0.15)  # a ping sent just before the stop may still be in the socket
        mgr.drain()
        stopped = mgr.count("WATCHDOG=1", 0.6)
    finally:
        os.kill(srv.proc.pid, signal.SIGCONT)
    assert stopped == 0, f"{stopped} watchdog pings while torgd was stopped"
    assert mgr.count("WATCHDOG=1", 1.0) >= 5, "no watchdog pings after SIGCONT"
    srv.healthz()
    srv.stop()
    mgr.wait_for("STOPPING=1", timeout=2)


def test_watchdog_for_another_process_is_not_pinged(make_server, tmp_path):
    srv = make_server(users={}, start=False)
    mgr = Manager(str(tmp_path / "notify"), srv.port)
    try:
        srv.env = {"NOTIFY_SOCKET": str(tmp_path / "notify"),
                   "WATCHDOG_USEC": str(WATCHDOG_USEC), "WATCHDOG_PID": "1"}
        srv.start()
        mgr.wait_for("READY=1")
        assert mgr.count("WATCHDOG=1", 0.5) == 0
    finally:
        mgr.close()


@pytest.mark.parametrize("name", ["relative/notify", "@", "/" + "x" * 200])
def test_bad_notify_socket_is_a_warning(make_server, name):
    srv = make_server(users={}, start=False)
    srv.env = {"NOTIFY_SOCKET": name}
    srv.start()
    srv.healthz()
    assert f'NOTIFY_SOCKET "{name}"' in srv.read_stderr()


def test_unreachable_notify_socket_is_logged_once(make_server, tmp_path):
    srv = make_server(users={}, start=False)
    srv.env = {"NOTIFY_SOCKET": str(tmp_path / "nobody"), "WATCHDOG_USEC": "20000"}
    srv.start()
    time.sleep(0.3)  # a dozen failed pings
    srv.stop()
    log = srv.read_stderr()
    assert log.count("cannot notify systemd") == 1, log


@pytest.mark.parametrize("usec", ["abc", "0", "-5", "100x"])
def test_bad_watchdog_usec_is_a_warning(make_server, tmp_path, usec):
    """READY=1 still comes; no pings, and one line naming the bad value."""
    srv = make_server(users={}, start=False)
    mgr = Manager(str(tmp_path / "notify"), srv.port)
    try:
        srv.env = {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": usec}
        srv.start()
        mgr.wait_for("READY=1")
        assert mgr.count("WATCHDOG=1", 0.3) == 0
        assert f'WATCHDOG_USEC "{usec}" is not a positive number' in srv.read_stderr()
    finally:
        mgr.close()
