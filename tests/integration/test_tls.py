"""TLS on torgd's own port (server.tls), for a small floor without a proxy: a throw-away
CA signs the certificate; pages and the API answer over https with
Strict-Transport-Security, the staff cookie is Secure, a wss display follows the floor.
SIGHUP reads the certificate and key again: an open WebSocket keeps going and a new
connection gets the new certificate; a bad new pair keeps the running one. A missing or
wrong file is refused at start with its path in the message."""

import os
import shutil
import signal
import time

import pytest
import requests

from torgtest import ThrowawayCA, WsClient, config_with, expect_error


@pytest.fixture
def ca(tmp_path):
    return ThrowawayCA(tmp_path / "ca")


def tls_server(make_server, ca, tmp_path, **server):
    """A started torgd with server.tls on a certificate for localhost (serial 1001), and
    its requests going over https, trusting only ca."""
    cert, key = ca.issue("torg-one", 1001, cert=str(tmp_path / "floor.pem"),
                         key=str(tmp_path / "floor.key"))
    srv = make_server(config_with(server={"tls": {"cert": cert, "key": key}, **server}),
                      start=False)
    srv.over_tls(ca).start()
    srv.settle_day()
    return srv, cert, key


def wss(srv, ca, hello):
    c = WsClient(f"wss://localhost:{srv.port}/ws", ssl_context=ca.context())
    c.send(hello)
    return c


def call_one(srv, display):
    """Issues a ticket, calls it at c1 (opened by kari) and ends the visit; asserts that
    the display saw the call."""
    srv.issue("nav")
    srv.act("kari", "c1", "call-next")
    assert display.recv_event("ticket.called")["counter"] == "c1"
    srv.act("kari", "c1", "start")
    srv.act("kari", "c1", "finish")


def wait_for_log(srv, text, timeout=5):
    deadline = time.monotonic() + timeout
    while text not in srv.read_stderr():
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{srv.read_stderr()}"
        time.sleep(0.05)


def test_https_hsts_secure_cookie_and_wss(make_server, ca, tmp_path):
    srv, _, _ = tls_server(make_server, ca, tmp_path)
    for path in ("/", "/static/base.css", "/api/v1/floor", "/healthz", "/no/such/page"):
        r = srv.get(path)
        assert r.headers.get("Strict-Transport-Security") == "max-age=31536000", (path, r.headers)
    assert srv.get("/").status_code == 200
    r = srv.post("/api/v1/login", {"name": "kari", "password": "kari-Pw-0123456789"})
    srv.secrets.add(r.json()["token"])
    assert "; Secure" in r.headers["Set-Cookie"]
    # a browser's own page may act: its origin is https://localhost:PORT
    r = srv.post("/api/v1/tickets", {"service": "nav"},
                 headers={"Origin": f"https://localhost:{srv.port}"})
    assert r.status_code == 201, r.text
    srv.secrets.add(r.json()["ticket"]["id"])
    r = srv.post("/api/v1/tickets", {"service": "nav"},
                 headers={"Origin": f"http://localhost:{srv.port}"})
    expect_error(r, 403, "bad_origin", "origin")
    with wss(srv, ca, {"type": "hello", "display": "hall"}) as d:
        d.recv()
        srv.open_counter("kari", "c1")
        srv.act("kari", "c1", "call-next")
        assert d.recv_event("ticket.called")["counter"] == "c1"
    # plain HTTP on the TLS port gets no answer it could take for one
    with pytest.raises(requests.RequestException):
        requests.get(f"http://localhost:{srv.port}/healthz", timeout=3)
    assert "listening on https://" in srv.read_stderr()


def test_sighup_swaps_the_certificate_and_keeps_connections(make_server, ca, tmp_path):
    srv, cert, key = tls_server(make_server, ca, tmp_path)
    assert ca.peer_cert("localhost", srv.port) == (1001, "torg-one")
    d = wss(srv, ca, {"type": "hello", "display": "hall"})
    d.recv()
    srv.open_counter("kari", "c1")
    keep = ca.trust(requests.Session())  # a keep-alive connection from before the swap
    assert keep.get(srv.base + "/healthz").status_code == 200

    ca.issue("torg-two", 2002, cert=cert, key=key)  # replaced in place, as certbot does
    srv.proc.send_signal(signal.SIGHUP)
    wait_for_log(srv, "SIGHUP: server.tls certificate and key read again")
    assert ca.peer_cert("localhost", srv.port) == (2002, "torg-two")
    call_one(srv, d)  # the socket from before the swap lives on
    assert keep.get(srv.base + "/healthz").status_code == 200

    # A bad new pair (a key of another certificate; then a file that is no certificate)
    # is refused with the file named, and the running certificate stays.
    good = open(cert, "rb").read()
    other_cert, _ = ca.issue("torg-three", 3003)
    shutil.copy(other_cert, cert)
    srv.proc.send_signal(signal.SIGHUP)
    wait_for_log(srv, f"server.tls.key {key}: not the key of the certificate in {cert}")
    with open(cert, "w", encoding="utf-8") as f:
        f.write("not a certificate\n")
    srv.proc.send_signal(signal.SIGHUP)
    wait_for_log(srv, f"server.tls.cert {cert}: no PEM certificate in it")
    with open(cert, "wb") as f:
        f.write(good)
    saved_key = open(key, "rb").read()
    os.unlink(key)
    srv.proc.send_signal(signal.SIGHUP)
    wait_for_log(srv, f"server.tls.key {key}: cannot read: No such file or directory")
    # OpenSSL keeps one certificate per key type: an RSA pair would sit beside the
    # running EC one, which some clients would still get. Refused until a restart.
    rsa_cert, rsa_key = ca.issue("torg-rsa", 5005, rsa=True)
    shutil.copy(rsa_cert, cert)
    shutil.copy(rsa_key, key)
    srv.proc.send_signal(signal.SIGHUP)
    wait_for_log(srv, f"server.tls.key {key}: a key of another type (RSA) than the running "
                 "one (EC); restart torgd")
    assert ca.peer_cert("localhost", srv.port) == (2002, "torg-two")
    call_one(srv, d)
    d.close()
    with open(cert, "wb") as f:  # the good pair back: SIGHUP takes it again
        f.write(good)
    with open(key, "wb") as f:
        f.write(saved_key)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while srv.read_stderr().count("certificate and key read again") < 2:
        assert time.monotonic() < deadline, srv.read_stderr()
        time.sleep(0.05)
    assert ca.peer_cert("localhost", srv.port) == (2002, "torg-two")


def test_sighup_without_tls_changes_nothing(srv):
    srv.proc.send_signal(signal.SIGHUP)
    wait_for_log(srv, "SIGHUP: nothing to read again (no server.tls)")
    assert srv.get("/healthz").status_code == 200
    assert "Strict-Transport-Security" not in srv.get("/").headers


def refused(make_server, server, message):
    """Asserts that torgd with this server section stops at start saying message."""
    srv = make_server(config_with(server=server), users={}, start=False)
    with pytest.raises(AssertionError) as e:
        srv.start()
    assert message in str(e.value), (server, str(e.value)[-600:])


def test_bad_tls_files_are_refused_at_start(make_server, ca, tmp_path):
    cert, key = ca.issue("torg-one", 1001)
    other_cert, _ = ca.issue("torg-other", 1002)
    missing = str(tmp_path / "nowhere" / "floor.key")
    junk = str(tmp_path / "junk.pem")
    locked = str(tmp_path / "locked.key")
    ca.openssl("pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", locked)
    with open(junk, "w", encoding="utf-8") as f:
        f.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    cases = [
        ({"cert": cert, "key": missing},
         f"server.tls.key: cannot read {missing}: No such file or directory"),
        ({"cert": str(tmp_path), "key": key}, f"server.tls.cert: {tmp_path} is not a file"),
        ({"cert": cert}, "server.tls.key: missing"),
        ({"cert": cert, "key": key, "ca": cert}, "server.tls.ca: unknown key"),
        ("on", "server.tls: expected an object, got string"),
        ({"cert": junk, "key": key}, f"server.tls.cert {junk}: no PEM certificate in it"),
        ({"cert": other_cert, "key": key},
         f"server.tls.key {key}: not the key of the certificate in {other_cert}"),
        ({"cert": key, "key": key}, f"server.tls.cert {key}: no PEM certificate in it"),
        ({"cert": cert, "key": cert}, f"server.tls.key {cert}: no unencrypted PEM private key"),
        ({"cert": cert, "key": locked},
         f"server.tls.key {locked}: no unencrypted PEM private key"),
    ]
    for tls, message in cases:
        refused(make_server, {"tls": tls}, message)
    refused(make_server, {"tls": {"cert": cert, "key": key},
                          "public_url": "http://torg.example.no"},
            'server.public_url: "http://torg.example.no" is http://, but with server.tls '
            "torgd answers only https")
    if os.geteuid() != 0:  # root reads any file: only a normal user sees the mode
        os.chmod(key, 0)
        refused(make_server, {"tls": {"cert": cert, "key": key}},
                f"server.tls.key: cannot read {key}: Permission denied")
