"""torgd behind a real nginx (Debian's) running deploy/nginx/torg.conf as shipped, with
only its names, ports and certificate paths changed: nginx terminates TLS (a throw-away
CA), torgd has server.trusted_proxies = 127.0.0.1 and public_url = the https address.
Through nginx: a page, a ticket from the floor's own origin (and not from another), a
counter sign-in with a Secure cookie, a call, and a wss display that receives it. The
ticket rate limit sees each real client: two clients on different source addresses
(127.0.0.2, 127.0.0.3) have their own buckets, and an X-Forwarded-For a client sends
itself neither moves it into another's bucket nor out of its own."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests
import websockets

from torgtest import (ROOT_DIR, START_TIMEOUT, ThrowawayCA, WsClient, config_with,
                      expect_error, free_port, need_tool)

CONF = os.path.join(ROOT_DIR, "deploy", "nginx", "torg.conf")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def site_for_test(port, http_port, upstream, cert, key):
    """deploy/nginx/torg.conf with its CHANGE values set for this test (each must be
    there exactly once, so a changed file fails here instead of going untested)."""
    with open(CONF, encoding="utf-8") as f:
        text = f.read()
    for old, new in (
            ("\tlisten 80;\n", f"\tlisten 127.0.0.1:{http_port};\n"),
            ("\tlisten [::]:80;\n", ""),
            ("\tlisten 443 ssl http2;\n", f"\tlisten 127.0.0.1:{port} ssl http2;\n"),
            ("\tlisten [::]:443 ssl http2;\n", ""),
            ("\tserver 127.0.0.1:8081;\n", f"\tserver 127.0.0.1:{upstream};\n")):
        assert text.count(old) == 1, f"{CONF} no longer has {old.strip()!r} once"
        text = text.replace(old, new)
    text, n = re.subn(r"ssl_certificate (\S+);", f"ssl_certificate {cert};", text)
    assert n == 1
    text, n = re.subn(r"ssl_certificate_key (\S+);", f"ssl_certificate_key {key};", text)
    assert n == 1
    return text


class Nginx:
    """An nginx of the test's own: prefix, conf, pid and logs in d, never the system's
    service. Started in the foreground (daemon off), stopped with SIGQUIT."""

    def __init__(self, d, site):
        self.dir = str(d)
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "torg.conf"), "w", encoding="utf-8") as f:
            f.write(site)
        temps = "".join(f"\t{k}_temp_path {self.dir}/{k};\n"
                        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        main = (("user root;\n" if os.geteuid() == 0 else "")
                + f"worker_processes 1;\npid {self.dir}/nginx.pid;\n"
                f"error_log {self.dir}/error.log info;\n"
                "events { worker_connections 512; }\n"
                f"http {{\n\taccess_log {self.dir}/access.log;\n{temps}"
                f"\tinclude {self.dir}/torg.conf;\n}}\n")
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(main)
        self.args = [NGINX, "-p", self.dir, "-c", self.conf, "-e", f"{self.dir}/error.log"]
        self.proc = None

    def check(self):
        r = subprocess.run(self.args + ["-t"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"nginx -t refused the conf:\n{r.stderr}"

    def start(self, port):
        self.proc = subprocess.Popen(self.args + ["-g", "daemon off;"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.proc.poll() is None, "nginx exited:\n" + self.log()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                pass
            assert time.monotonic() < deadline, "nginx did not listen:\n" + self.log()
            time.sleep(0.05)

    def log(self):
        p = os.path.join(self.dir, "error.log")
        return open(p, encoding="utf-8", errors="replace").read() if os.path.exists(p) else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def proxied(make_server, tmp_path, request):
    """(torgd, nginx port, CA): torgd behind nginx; torgd's own requests (srv.get, …) go
    through nginx too. server.trusted_proxies is ["127.0.0.1"] unless the test's
    parameter says otherwise."""
    trusted = getattr(request, "param", ["127.0.0.1"])
    if not os.access(NGINX, os.X_OK):
        need_tool("nginx")
    ca = ThrowawayCA(tmp_path / "ca")
    cert, key = ca.issue("torg-proxy", 4004)
    port, http_port = free_port(), free_port()
    srv = make_server(config_with(
        kiosks={"policy": "public", "rate_per_minute": 2},
        server={"trusted_proxies": trusted,
                "public_url": f"https://127.0.0.1:{port}"}))
    nginx = Nginx(tmp_path / "nginx", site_for_test(port, http_port, srv.port, cert, key))
    nginx.check()
    nginx.start(port)
    srv.base = f"https://127.0.0.1:{port}"
    ca.trust(srv.http)
    srv.nginx_http_port = http_port
    yield srv, port, ca
    nginx.stop()
    assert "[alert]" not in nginx.log() and "[emerg]" not in nginx.log(), nginx.log()


def via(port, ca, source, method, path, body=None, headers=None):
    """One request to nginx from the source address; (status, headers, JSON or text)."""
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ca.context(), timeout=10,
                                    source_address=(source, 0))
    h = {"Content-Type": "application/json", **(headers or {})}
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    ctype = r.getheader("Content-Type") or ""
    return r.status, r, json.loads(data) if ctype.startswith("application/json") else data


def test_a_visit_through_nginx(proxied):
    srv, port, ca = proxied
    r = srv.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert srv.get("/metrics").status_code == 404  # kept to the loopback
    # plain http is sent to https
    r = requests.get(f"http://127.0.0.1:{srv.nginx_http_port}/display/hall", timeout=5,
                     allow_redirects=False)
    assert r.status_code == 301 and r.headers["Location"] == "https://127.0.0.1/display/hall"
    # a body over torgd's 16 KiB stops at nginx
    r = srv.post("/api/v1/tickets", data='{"service":"nav","x":"' + "a" * 17000 + '"}')
    assert r.status_code == 413
    origin = f"https://127.0.0.1:{port}"  # public_url's origin: the floor's own pages
    r = srv.post("/api/v1/tickets", {"service": "nav"}, headers={"Origin": origin})
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    srv.secrets.add(ticket["id"])
    r = srv.post("/api/v1/tickets", {"service": "nav"},
                 headers={"Origin": f"http://127.0.0.1:{port}"})
    expect_error(r, 403, "bad_origin", "origin")

    r = srv.post("/api/v1/login", {"name": "kari", "password": "kari-Pw-0123456789"},
                 headers={"Origin": origin})
    assert r.status_code == 200, r.text
    srv.secrets.add(r.json()["token"])
    assert "; Secure" in r.headers["Set-Cookie"], r.headers["Set-Cookie"]

    d = WsClient(f"wss://127.0.0.1:{port}/ws", ssl_context=ca.context(),
                 headers={"Origin": origin})
    d.send({"type": "hello", "display": "hall"})
    d.recv()
    srv.open_counter("kari", "c1")
    srv.act("kari", "c1", "call-next")
    called = d.recv_event("ticket.called")
    assert called["counter"] == "c1" and called["ticket"]["number"] == ticket["number"]
    d.close()
    # A WebSocket from another site is refused through nginx as well (torgd closes the
    # upgrade, which nginx answers with 502), and torgd counts it as a bad origin.
    with pytest.raises(websockets.exceptions.InvalidStatusCode):
        WsClient(f"wss://127.0.0.1:{port}/ws", ssl_context=ca.context(),
                 headers={"Origin": "https://evil.example"})
    metrics = requests.get(f"http://127.0.0.1:{srv.port}/metrics", timeout=5).text
    refused = re.search(r"^torg_ws_bad_origin_total (\d+)$", metrics, re.M)
    assert refused and int(refused.group(1)) >= 1, metrics  # nginx may try twice


# With the whole of 127/8 trusted, the clients' own addresses are "proxies" too: then only
# nginx overwriting X-Forwarded-For (not appending to it) keeps a client from choosing.
@pytest.mark.parametrize("proxied", [["127.0.0.1"], ["127.0.0.0/8"]], indirect=True,
                         ids=["proxy", "whole-loopback"])
def test_rate_limit_sees_the_real_client(proxied):
    srv, port, ca = proxied

    def ticket(source, **headers):
        status, _, body = via(port, ca, source, "POST", "/api/v1/tickets", {"service": "nav"},
                              headers=headers)
        if status == 201:
            srv.secrets.add(body["ticket"]["id"])
        return status

    a, b = "127.0.0.2", "127.0.0.3"
    assert [ticket(a), ticket(a)] == [201, 201]
    assert ticket(a) == 429  # a has used up its 2 a minute
    # a cannot leave its bucket by naming another address itself, nor take b's
    assert ticket(a, **{"X-Forwarded-For": "198.51.100.1"}) == 429
    assert ticket(a, **{"X-Forwarded-For": b}) == 429
    assert ticket(a, **{"X-Forwarded-For": f"{b}, 198.51.100.1"}) == 429
    # b still has both of its own
    assert [ticket(b), ticket(b)] == [201, 201]
    assert ticket(b) == 429
    # and the scheme is nginx's, whatever a client says
    status, r, body = via(port, ca, a, "POST", "/api/v1/login",
                          {"name": "ola", "password": "ola-Pw-0123456789"},
                          headers={"X-Forwarded-Proto": "http"})
    assert status == 200, body
    srv.secrets.add(body["token"])
    assert "; Secure" in r.getheader("Set-Cookie")
