"""Start-up refusals and where torgd listens: `--listen 127.0.0.1:P` binds only the
loopback address (lws 4.1.6 bound every interface for an IPv4 address), a taken port or an
address this machine does not have is one clear line and exit 1 (it was a segfault), a
host name is refused before anything is opened, and a second torgd on the same database
is refused at start (both used to start, and the second died later on a UNIQUE
violation)."""

import os
import socket
import subprocess

from torgtest import START_TIMEOUT, free_port


def listening(port):
    """The local addresses that listen on TCP port `port`, from /proc/net/tcp{,6}."""
    found = []
    for name, width in (("tcp", 8), ("tcp6", 32)):
        with open(f"/proc/net/{name}") as f:
            next(f)
            for line in f:
                local, state = line.split()[1], line.split()[3]
                addr, p = local.split(":")
                if state == "0A" and int(p, 16) == port:
                    found.append((name, addr))
    return found


def run_torgd(srv, *args, timeout=START_TIMEOUT):
    """Runs srv's torgd binary in the foreground with its config and a database of its
    own; returns the CompletedProcess (stdout and stderr as text)."""
    return subprocess.run([srv.binary, "--config", srv.config_path,
                           "--db", os.path.join(srv.workdir, "other.db"), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=srv.workdir)


def test_ipv4_address_binds_only_that_address(srv):
    assert listening(srv.port) == [("tcp", "0100007F")], listening(srv.port)


def test_ipv6_loopback(make_server):
    s = make_server(start=False, users={})
    port = free_port()
    p = subprocess.Popen([s.binary, "--config", s.config_path, "--db", s.db_path,
                          "--listen", f"[::1]:{port}"], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            if listening(port):
                break
            subprocess.run(["sleep", "0.05"])
        # /proc prints ::1 as four host-order words
        assert listening(port) == [("tcp6", "00000000000000000000000001000000")], \
            listening(port)
        with socket.create_connection(("::1", port), timeout=5) as c:
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert c.recv(100).startswith(b"HTTP/1.1 200")
    finally:
        p.terminate()
        assert p.wait(START_TIMEOUT) == 0, p.stderr.read()


def test_port_in_use_is_one_line_and_exit_1(srv):
    r = run_torgd(srv, "--listen", f"127.0.0.1:{srv.port}")
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if "info:" not in ln]
    assert lines == [f"torgd: cannot listen on 127.0.0.1:{srv.port}: Address already in use"], \
        r.stderr
    assert srv.healthz()["status"] == "ok", "the running torgd is untouched"


def test_address_not_on_this_machine(srv):
    r = run_torgd(srv, "--listen", "192.0.2.1:8080")  # TEST-NET-1: never local
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "torgd: cannot listen on 192.0.2.1:8080: Cannot assign requested address" in r.stderr


def test_host_name_refused_before_start(srv):
    for bad in ("torg.example:8080", "localhost", "127.0.0.1:", "[::1:8080", "1.2.3.4:99999"):
        r = run_torgd(srv, "--listen", bad)
        assert r.returncode == 1, (bad, r.returncode, r.stderr)
        assert f'listen address "{bad}"' in r.stderr, r.stderr
        assert "journal replayed" not in r.stderr, "refused before the store is opened"
    r = run_torgd(srv, "--check-config")
    assert r.returncode == 0


def test_second_torgd_on_one_database_is_refused(srv):
    srv.issue("nav")
    r = subprocess.run([srv.binary, "--config", srv.config_path, "--db", srv.db_path,
                        "--listen", f"127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, timeout=START_TIMEOUT, cwd=srv.workdir)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert (f"torgd: {srv.db_path}: the database is in use by another torgd "
            f"(pid {srv.proc.pid})") in r.stderr, r.stderr
    assert "journal replayed" not in r.stderr
    # The first one is untouched and keeps numbering; after it is gone (even by kill -9,
    # which releases the lock with the process) the database opens again.
    assert srv.issue("nav")["number"] == "B002"
    srv.kill9()
    srv.start()
    assert srv.issue("nav")["number"] == "B003"
