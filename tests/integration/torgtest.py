"""Helpers for the torgd integration suite: start and stop the real torgd on a free
port with a temporary config and database, talk to it over HTTP (requests) and
WebSocket (websockets, through a small synchronous wrapper over one background
asyncio loop), and check its stderr for sanitizer reports and leaked secrets.

Nothing here knows torgd's insides: it speaks only what proto/PROTOCOL.md says.
"""

import asyncio
import atexit
import collections
import contextlib
import copy
import http.cookiejar
import json
import os
import re
import signal
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import requests
import websockets

ROOT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Sanitizer markers that fail a test when they appear in any torgd output.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer",
                     "ERROR: ThreadSanitizer")

# How long to wait for torgd: sanitizer builds are several times slower.
START_TIMEOUT = float(os.environ.get("TORG_START_TIMEOUT", "30"))
HTTP_TIMEOUT = float(os.environ.get("TORG_HTTP_TIMEOUT", "15"))
WS_TIMEOUT = float(os.environ.get("TORG_WS_TIMEOUT", "10"))

SERVICE_NAMES = {
    "reception": {"nb": "Mottak", "nn": "Mottak", "sv": "Mottagning", "en": "Reception"},
    "nav": {"nb": "NAV", "nn": "NAV", "sv": "NAV", "en": "NAV"},
    "housing": {"nb": "Bolig", "nn": "Bustad", "sv": "Boende", "en": "Housing"},
    "social": {"nb": "Sosialhjelp", "nn": "Sosialhjelp", "sv": "Socialhjälp",
               "en": "Social assistance"},
}

# The small floor every test uses unless it builds its own: four services, three desks
# and a meeting room, two displays, open around the clock, no ticket rate limit.
BASE_CONFIG = {
    "floor": {
        "id": "testtorg",
        "name": {"nb": "Testtorget", "nn": "Testtorget", "sv": "Testtorget",
                 "en": "Test floor"},
        "timezone": "Europe/Oslo",
        "day_starts": "04:00",
        "languages": ["nb", "nn", "sv", "en"],
    },
    "hours": "always",
    "services": [
        {"id": "reception", "prefix": "A", "name": SERVICE_NAMES["reception"],
         "target_wait_s": 600, "service_s": 300, "icon": "door"},
        {"id": "nav", "prefix": "B", "name": SERVICE_NAMES["nav"],
         "target_wait_s": 900, "service_s": 600, "icon": "briefcase"},
        {"id": "housing", "prefix": "C", "name": SERVICE_NAMES["housing"],
         "target_wait_s": 900, "service_s": 600, "icon": "house"},
        {"id": "social", "prefix": "D", "name": SERVICE_NAMES["social"],
         "target_wait_s": 1200, "service_s": 900, "icon": "coins"},
    ],
    "counters": [
        {"id": "c1", "name": {"nb": "Skranke 1", "nn": "Skranke 1", "sv": "Disk 1",
                              "en": "Counter 1"},
         "kind": "counter", "services": ["reception", "nav"]},
        {"id": "c2", "kind": "counter", "services": ["housing"]},
        {"id": "c3", "kind": "counter", "services": ["nav", "housing", "social"]},
        {"id": "r1", "kind": "room", "services": ["social"]},
    ],
    "displays": [
        {"id": "hall", "name": "Hall"},
        {"id": "upstairs", "name": "First floor", "services": ["housing", "social"],
         "languages": ["nb", "en"]},
    ],
    "kiosks": {"policy": "public", "rate_per_minute": 0},
}

# Staff the default server knows: name -> (role, allowed services or None for all).
BASE_USERS = {
    "kari": ("counter", ["reception", "nav"]),
    "ola": ("counter", None),
    "per": ("counter", ["housing"]),
    "mona": ("manager", None),
    "admin": ("admin", None),
}


def password_of(name):
    """The fixed test password of a user."""
    return f"{name}-Pw-0123456789"


def need_tool(name, hint="deploy/install-deps installs it"):
    """The path of a program the test needs: a missing one fails on CI (where
    deploy/install-deps has installed everything) and skips elsewhere."""
    import pytest
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK)
                                  else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: {hint}")
        pytest.skip(f"{name} is not installed ({hint})")
    return path


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_with(**changes):
    """A deep copy of BASE_CONFIG with top-level keys replaced."""
    cfg = copy.deepcopy(BASE_CONFIG)
    cfg.update(copy.deepcopy(changes))
    return cfg


def check_output_clean(text, where):
    """Fails when text holds a sanitizer report."""
    for m in SANITIZER_MARKERS:
        assert m not in text, f"sanitizer report ({m!r}) in {where}:\n{text[-6000:]}"


# Databases holding only staff users, made once: see Torgd._add_users.
_USER_DBS = {}


class ApiError(AssertionError):
    """An HTTP answer that was not what the test expected."""


class Torgd:
    """One torgd process on a temporary directory: config, database, stderr logs.

    The process can be stopped (SIGTERM, asserting exit 0 and a clean stderr), killed
    (SIGKILL) and started again on the same database and port.
    """

    def __init__(self, binary, workdir, config=None, users=None):
        self.binary = binary
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.config = copy.deepcopy(config if config is not None else BASE_CONFIG)
        self.config_path = os.path.join(self.workdir, "floor.json")
        self.db_path = os.path.join(self.workdir, "torg.db")
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(self.config, f, ensure_ascii=False, indent=1)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.nofile = None  # an open-file limit (soft and hard) for the process, or None
        self.args = []  # more arguments for torgd, e.g. ["--test-clock"]
        self.env = {}  # more environment for torgd, e.g. {"NOTIFY_SOCKET": path}
        self.starts = 0
        self.stderr_path = None
        self.stderr_paths = []
        self.secrets = set()  # strings that must never appear in torgd's output
        self.tokens = {}
        # The shared HTTP session keeps no cookies: a login's cookie must not turn
        # later "anonymous" requests into signed-in ones. Cookie tests use their own.
        self.http = requests.Session()
        self.http.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._add_users(users if users is not None else BASE_USERS)

    # ---- command line ----

    def cli(self, *args, input_text=None, with_config=True, timeout=60):
        """Runs torgd with args (plus --config/--db when with_config); returns the
        CompletedProcess with text stdout/stderr, after checking it for sanitizer reports."""
        cmd = [self.binary]
        if with_config:  # torgd's own options go before the `user` word
            cmd += ["--config", self.config_path, "--db", self.db_path]
        cmd += args
        r = subprocess.run(cmd, input=input_text, capture_output=True, text=True,
                           cwd=self.workdir, timeout=timeout)
        check_output_clean(r.stdout + r.stderr, "torgd " + " ".join(args))
        return r

    def _add_users(self, users):
        """Adds users with `torgd user add`, once per binary, user set and service list:
        later servers start from a copy of that database (yescrypt makes each add cost
        a noticeable fraction of a second)."""
        if not users:
            return
        key = (self.binary, json.dumps(users, sort_keys=True),
               tuple(s["id"] for s in self.config.get("services", [])))
        template = _USER_DBS.get(key)
        if template is None:
            for name, (role, services) in users.items():
                self.add_user(name, role, services)
            template = tempfile.mkdtemp(prefix="torg-users-")
            atexit.register(shutil.rmtree, template, True)
            for f in os.listdir(self.workdir):
                if f.startswith("torg.db"):
                    shutil.copy(os.path.join(self.workdir, f), template)
            _USER_DBS[key] = template
        else:
            for f in os.listdir(template):
                shutil.copy(os.path.join(template, f), self.workdir)
        self.secrets.update(password_of(n) for n in users)

    def add_user(self, name, role, services=None, password=None):
        """Adds a staff user with `torgd user add` (password on stdin); asserts success."""
        password = password or password_of(name)
        self.secrets.add(password)
        args = ["user", "add", name, "--role", role]
        if services:
            args += ["--services", ",".join(services)]
        r = self.cli(*args, input_text=password + "\n")
        assert r.returncode == 0, f"user add {name} failed ({r.returncode}): {r.stderr}"

    # ---- process ----

    def start(self):
        """Starts torgd and waits until /healthz answers; returns self."""
        assert self.proc is None, "already running"
        self.starts += 1
        self.stderr_path = os.path.join(self.workdir, f"torgd-{self.starts}.stderr")
        self.stderr_paths.append(self.stderr_path)
        err = open(self.stderr_path, "w", encoding="utf-8")
        try:
            self.proc = subprocess.Popen(
                [self.binary, "--config", self.config_path,
                 "--listen", f"127.0.0.1:{self.port}", "--db", self.db_path, *self.args],
                cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                env={**os.environ, **self.env} if self.env else None,
                preexec_fn=self._limits if self.nofile else None)
        finally:
            err.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            rc = self.proc.poll()
            if rc is not None:
                self.proc = None
                raise AssertionError(f"torgd exited with {rc} during start-up:\n"
                                     + self.read_stderr()[-4000:])
            try:  # through self.http: a test may have set base to https and its CA
                r = self.http.get(self.base + "/healthz", timeout=1)
                if r.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.kill9()
                raise AssertionError(f"torgd not ready after {START_TIMEOUT}s:\n"
                                     + self.read_stderr()[-4000:])
            time.sleep(0.05)

    def over_tls(self, ca):
        """For a torgd with server.tls: its requests go to https://localhost:PORT trusting
        only the ThrowawayCA ca. Call before start(); returns self."""
        self.base = f"https://localhost:{self.port}"
        ca.trust(self.http)
        return self

    def _limits(self):
        """In the child before exec: the open-file limit the test asked for."""
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def settle_day(self):
        """On a new database the first command also starts the floor's day (a
        `floor.day` event before its own). Opens and closes room r1 as admin so that
        tests begin on a settled day and can count events exactly."""
        self.act("admin", "r1", "open")
        self.act("admin", "r1", "close")

    def read_stderr(self, path=None):
        """The text torgd wrote on stderr in its latest (or the given) run."""
        path = path or self.stderr_path
        if not path or not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, expect=0, timeout=None):
        """SIGTERM, waits, asserts the exit code (default 0) and a clean stderr."""
        assert self.proc is not None, "not running"
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout or START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            raise AssertionError("torgd did not exit within the timeout after SIGTERM:\n"
                                 + self.read_stderr()[-4000:])
        self.proc = None
        self.check_logs()
        if expect is not None:
            assert rc == expect, (f"torgd exited with {rc}, expected {expect}:\n"
                                  + self.read_stderr()[-4000:])
        return rc

    def kill9(self):
        """SIGKILL: the crash case. No exit-code or leak check is possible."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self):
        """Graceful stop (asserting exit 0) and start on the same database and port."""
        self.stop()
        return self.start()

    def check_logs(self):
        """Fails on sanitizer reports or secrets (passwords, ticket ids, tokens) in any
        stderr of this server so far."""
        for p in self.stderr_paths:
            text = self.read_stderr(p)
            check_output_clean(text, p)
            for s in self.secrets:
                assert s not in text, f"a secret ({s[:6]}…) was logged in {p}"

    # ---- HTTP ----

    def request(self, method, path, *, token=None, body=None, data=None, headers=None,
                session=None):
        """One HTTP request; body is sent as JSON, data as raw bytes/str."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        if body is not None:
            data = json.dumps(body)
        if data is not None or method in ("POST", "DELETE"):
            # what torgd asks of every state-changing request (a browser's form cannot)
            h.setdefault("Content-Type", "application/json")
        s = session or self.http
        return s.request(method, self.base + path, data=data, headers=h,
                         timeout=HTTP_TIMEOUT)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def ok(self, r, status=200):
        """Asserts r has the status; returns its JSON (or None for an empty body)."""
        if r.status_code != status:
            raise ApiError(f"{r.request.method} {r.request.url}: expected {status}, got "
                           f"{r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None

    def healthz(self):
        return self.ok(self.get("/healthz"))

    def floor(self, **params):
        q = "&".join(f"{k}={v}" for k, v in params.items())
        return self.ok(self.get("/api/v1/floor" + (f"?{q}" if q else "")))

    def seq(self):
        return self.floor()["seq"]

    def metric(self, name):
        """The value of one unlabelled metric from /metrics."""
        for line in self.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"{name} not in /metrics")

    def login(self, name, password=None):
        """Signs in; returns the bearer token (remembered as a secret)."""
        body = self.ok(self.post("/api/v1/login",
                                 {"name": name, "password": password or password_of(name)}))
        token = body["token"]
        self.secrets.add(token)
        self.tokens[name] = token
        return token

    def token(self, name):
        """The user's token, signing in the first time."""
        return self.tokens.get(name) or self.login(name)

    def issue(self, service, **fields):
        """Issues a ticket publicly; returns the ticket object (its id remembered as a
        secret that must never be logged)."""
        t = self.ok(self.post("/api/v1/tickets", {"service": service, **fields}), 201)
        self.secrets.add(t["ticket"]["id"])
        return t["ticket"]

    def ticket(self, tid):
        return self.ok(self.get(f"/api/v1/tickets/{tid}"))["ticket"]

    def act(self, user, counter, op, body=None, status=200):
        """A counter action as user; returns the answer's JSON (None for 204)."""
        return self.ok(self.post(f"/api/v1/counters/{counter}/{op}", body,
                                 token=self.token(user)), status)

    def open_counter(self, user, counter, services=None):
        return self.act(user, counter, "open", {"services": services} if services else None)

    def summary(self):
        """The parts of the public snapshot that only events change: seq, waiting
        numbers per service, each counter's open/services/current."""
        f = self.floor()
        return {
            "seq": f["seq"],
            "queues": {s["id"]: [q["number"] for q in s.get("queue", [])]
                       for s in f["services"]},
            "waiting": {s["id"]: s["waiting"] for s in f["services"]},
            "counters": {c["id"]: (c["open"], tuple(c.get("services") or ()),
                                   (c.get("current") or {}).get("number"),
                                   (c.get("current") or {}).get("state"))
                         for c in f["counters"]},
        }

    @contextlib.contextmanager
    def unchanged(self):
        """Asserts the floor (seq, queues, counters) is the same after the block."""
        before = self.summary()
        yield
        after = self.summary()
        assert after == before, f"floor changed:\nbefore {before}\nafter  {after}"

    def ws(self, hello=None, **kw):
        """A connected WsClient on /ws; sends hello when given."""
        c = WsClient(f"ws://127.0.0.1:{self.port}/ws", **kw)
        if hello is not None:
            c.send(hello)
        return c


class ThrowawayCA:
    """A throw-away certificate authority (openssl, EC P-256) in directory d, and the
    server certificates it signs, for tests of TLS."""

    def __init__(self, d):
        self.dir = str(d)
        os.makedirs(self.dir, exist_ok=True)
        self.cert = os.path.join(self.dir, "ca.pem")
        self.key = os.path.join(self.dir, "ca.key")
        self.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", self.key,
                      "-out", self.cert, "-days", "2", "-subj", "/CN=torg test CA")

    def openssl(self, *args):
        """Runs openssl with args; asserts success."""
        r = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"openssl {' '.join(args)}: {r.stderr}"

    def issue(self, name, serial, cert=None, key=None, rsa=False):
        """Signs a certificate for localhost and 127.0.0.1 with CN=name and the serial;
        writes it and its new key (EC P-256, or RSA 2048) to cert and key (default
        NAME.pem, NAME.key)."""
        cert = cert or os.path.join(self.dir, name + ".pem")
        key = key or os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w", encoding="utf-8") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                    "extendedKeyUsage=serverAuth\n")
        kind = ["rsa:2048"] if rsa else ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        self.openssl("req", "-newkey", *kind, "-nodes", "-keyout", key, "-out", csr,
                      "-subj", f"/CN={name}")
        self.openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
                      "-set_serial", str(serial), "-days", "2", "-extfile", ext, "-out", cert)
        return cert, key

    def trust(self, session):
        """Makes a requests session trust only this CA (and ignore REQUESTS_CA_BUNDLE,
        which would otherwise override its verify); returns it."""
        session.verify = self.cert
        session.trust_env = False
        return session

    def context(self):
        """An ssl.SSLContext for clients that trusts only this CA."""
        return ssl.create_default_context(cafile=self.cert)

    def peer_cert(self, host, port, source=None):
        """The (serial, CN) of the certificate a new TLS connection to host:port gets."""
        with socket.create_connection((host, port), timeout=5,
                                      source_address=(source, 0) if source else None) as s:
            with self.context().wrap_socket(s, server_hostname=host) as t:
                c = t.getpeercert()
        cn = dict(x[0] for x in c["subject"])["commonName"]
        return int(c["serialNumber"], 16), cn


def expect_error(r, status, code, field=None):
    """Asserts r is the error envelope with that status and code (and field when
    given); returns the error object."""
    assert r.status_code == status, (f"{r.request.method} {r.request.url}: expected "
                                     f"{status} {code}, got {r.status_code}: {r.text[:400]}")
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    if isinstance(code, (tuple, set, list)):
        assert err["code"] in code, err
    else:
        assert err["code"] == code, err
    assert isinstance(err.get("message"), str) and err["message"], err
    if field is not None:
        assert err.get("field") == field, err
    return err


# ---- WebSocket ----

_loop = None
_loop_lock = threading.Lock()


def _bg_loop():
    """The one background asyncio loop all WsClients run on."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="ws-loop", daemon=True).start()
        return _loop


class WsClosed(Exception):
    """The server closed the connection; .code is the close code."""

    def __init__(self, code, reason=""):
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


class WsClient:
    """A synchronous WebSocket client for torg.v1. Frames that hold a JSON array
    (batches) are flattened into messages; frames and batches are counted."""

    def __init__(self, url, headers=None, subprotocols=("torg.v1",), max_queue=32,
                 ssl_context=None):
        self.loop = _bg_loop()
        self.frames = 0
        self.batches = 0
        self.pending = collections.deque()

        async def connect():
            return await websockets.connect(
                url, subprotocols=list(subprotocols) if subprotocols else None,
                extra_headers=headers, max_size=None, max_queue=max_queue,
                ping_interval=None, **({"ssl": ssl_context} if ssl_context else {}),
                open_timeout=WS_TIMEOUT, close_timeout=2)

        self.ws = self._run(connect(), WS_TIMEOUT + 1)

    def _run(self, coro, timeout):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def subprotocol(self):
        return self.ws.subprotocol

    def send(self, msg):
        """Sends a dict as JSON text, or a str/bytes frame as it is."""
        data = msg if isinstance(msg, (str, bytes)) else json.dumps(msg)
        try:
            self._run(self.ws.send(data), WS_TIMEOUT)
        except websockets.ConnectionClosed as e:
            raise WsClosed(self.ws.close_code, self.ws.close_reason) from e

    def recv_frame(self, timeout=WS_TIMEOUT):
        """The next frame, parsed (dict or list). Raises TimeoutError or WsClosed."""
        try:
            raw = self._run(asyncio.wait_for(self.ws.recv(), timeout), timeout + 2)
        except asyncio.TimeoutError as e:
            raise TimeoutError(f"no frame within {timeout}s") from e
        except websockets.ConnectionClosed as e:
            raise WsClosed(self.ws.close_code, self.ws.close_reason) from e
        assert isinstance(raw, str), f"binary frame from the server: {raw[:60]!r}"
        self.frames += 1
        v = json.loads(raw)
        assert isinstance(v, (dict, list)), f"frame is neither object nor array: {raw[:200]}"
        if isinstance(v, list):
            self.batches += 1
            assert v, "empty batch frame"
            assert all(isinstance(m, dict) for m in v), f"batch of non-objects: {raw[:200]}"
        return v

    def recv(self, timeout=WS_TIMEOUT):
        """The next message (batches flattened)."""
        if not self.pending:
            f = self.recv_frame(timeout)
            self.pending.extend(f if isinstance(f, list) else [f])
        return self.pending.popleft()

    def recv_until(self, pred, timeout=WS_TIMEOUT):
        """Messages up to and including the first for which pred is true."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching message within {timeout}s; got {out}")
            m = self.recv(left)
            out.append(m)
            if pred(m):
                return out

    def recv_event(self, kind, timeout=WS_TIMEOUT):
        """Skips to the next event of that kind; returns it."""
        return self.recv_until(lambda m: m.get("type") == "event" and m.get("kind") == kind,
                               timeout)[-1]

    def drain(self, quiet=0.4, limit=30.0):
        """Every message that arrives until none has for `quiet` seconds."""
        out = list(self.pending)
        self.pending.clear()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                f = self.recv_frame(quiet)
            except TimeoutError:
                return out
            out.extend(f if isinstance(f, list) else [f])
        raise AssertionError(f"messages kept coming for {limit}s")

    def wait_closed(self, timeout=WS_TIMEOUT):
        """Reads until the server closes; returns (close code, messages read before)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"connection still open after {timeout}s; got {out}")
            try:
                out.append(self.recv(left))
            except WsClosed as e:
                return e.code, out

    def close(self):
        """Closes from our side (ignores a connection already gone)."""
        with contextlib.suppress(Exception):
            self._run(self.ws.close(), 5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def events_of(msgs):
    """Only the event messages of a list."""
    return [m for m in msgs if m.get("type") == "event"]


def assert_consecutive(events, first=None):
    """Asserts the events' seqs increase by exactly one (starting at first when given)."""
    seqs = [e["seq"] for e in events]
    if seqs and first is not None:
        assert seqs[0] == first, f"first seq {seqs[0]}, expected {first}: {seqs}"
    for a, b in zip(seqs, seqs[1:]):
        assert b == a + 1, f"seq gap or repeat between {a} and {b}: {seqs}"


@contextlib.contextmanager
def issuing(srv, service="nav", threads=2):
    """Keeps the floor busy for the block: `threads` threads issue tickets for service one
    after another until it ends."""
    stop = threading.Event()

    def load():
        while not stop.is_set():
            srv.issue(service)
    loaders = [threading.Thread(target=load) for _ in range(threads)]
    for t in loaders:
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in loaders:
            t.join()


def issue_burst(srv, services, stop, acked, failures=None):
    """Issues tickets for services round-robin on one keep-alive connection until stop is
    set or the server goes away (a kill: that request was never acknowledged); appends
    every acknowledged (201) ticket to acked as (id, number, service), and any other
    answer but 503 to failures (then stops) when a list is given."""
    s = requests.Session()
    i = 0
    while not stop.is_set():
        service = services[i % len(services)]
        i += 1
        try:
            r = s.post(srv.base + "/api/v1/tickets", json={"service": service},
                       timeout=HTTP_TIMEOUT)
        except requests.RequestException:
            return
        if r.status_code == 201:
            t = r.json()["ticket"]
            acked.append((t["id"], t["number"], service))
        elif r.status_code != 503 and failures is not None:
            failures.append((r.status_code, r.text[:200]))
            return


def follow_stream(msgs, told):
    """Applies messages as a client must (PROTOCOL.md, "skip"): a snapshot sets the last
    seq, a skip moves it forward (never back), an event must be exactly one more. Returns
    (the events, the last seq); fails on a gap that no skip explains."""
    evs = []
    for m in msgs:
        if m.get("type") == "snapshot":
            told = m["seq"]
        elif m.get("type") == "skip":
            assert m["seq"] >= told, f"skip {m['seq']} goes back from {told}"
            told = m["seq"]
        elif m.get("type") == "event":
            assert m["seq"] == told + 1, f"event {m['seq']} after {told}: a gap no skip explains"
            told = m["seq"]
            evs.append(m)
    return evs, told


def concerns(ev, services):
    """Whether an event belongs on a session filtered to services (its ticket's service,
    or the service a transfer came from; counter and day events go to every session)."""
    if ev["kind"].startswith("counter.") or ev["kind"] == "floor.day":
        return True
    t = ev.get("ticket") or {}
    return t.get("service") in services or ev.get("from") in services


TICKET_ID = re.compile(r"^[0-9a-f]{32}$")
TOKEN = re.compile(r"^[0-9a-f]{64}$")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


# ---- raw sockets, for hostile tests ----

def raw_connect(port, timeout=5):
    """A plain TCP connection to torgd on 127.0.0.1."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def raw_read(sock, timeout=5, until=None):
    """Reads until the peer closes, `timeout` passes without data, or until(data) is true;
    returns (data, closed)."""
    sock.settimeout(timeout)
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return out, False
        except (ConnectionResetError, BrokenPipeError):
            return out, True
        if not chunk:
            return out, True
        out += chunk
        if until and until(out):
            return out, False


def raw_http(port, data, timeout=5):
    """Sends data on a new connection in one write and returns (bytes read, closed)."""
    s = raw_connect(port, timeout)
    try:
        s.sendall(data)
        return raw_read(s, timeout)
    finally:
        s.close()


def http_responses(data):
    """Splits raw HTTP/1.1 answers (Content-Length framed) into a list of
    (status, {lowercase header: value}, body bytes); a truncated tail is left out."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        if len(rest) < n:
            break
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


def cpu_seconds(pid):
    """User plus system CPU time a process has used, in seconds (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    """Resident memory of a process in KiB (from /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def ws_frame(payload, opcode=1, fin=True, masked=True):
    """One client WebSocket frame (RFC 6455), masked as a client must."""
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mbit = 0x80 if masked else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([mbit | 127]) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def raw_ws(port, path="/ws", protocol="torg.v1", headers=(), rcvbuf=None, timeout=5):
    """A WebSocket opened by hand on a raw socket (for clients that misbehave); returns
    (socket, the handshake answer's status). rcvbuf shrinks the receive buffer first, for
    a client that stops reading."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    req = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n")
    if protocol:
        req += f"Sec-WebSocket-Protocol: {protocol}\r\n"
    for h in headers:
        req += h + "\r\n"
    s.sendall((req + "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(1)  # byte by byte: leave any frame after the answer unread
        if not chunk:
            break
        data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return s, status


def phones_not_reading(srv, tickets, rcvbuf=2048):
    """A raw WebSocket per ticket that says hello watching it and then never reads (a tiny
    receive buffer, so the server's sends back up at once); returns the sockets."""
    socks = []
    for t in tickets:
        s, status = raw_ws(srv.port, rcvbuf=rcvbuf)
        assert status == 101, status
        s.sendall(ws_frame(json.dumps({"type": "hello", "ticket": t["id"]})))
        socks.append(s)
    return socks


def ws_read_frames(data):
    """Parses unmasked server frames from data: a list of (opcode, payload bytes)."""
    out = []
    while len(data) >= 2:
        op, n = data[0] & 0x0F, data[1] & 0x7F
        i = 2
        if n == 126:
            n, i = int.from_bytes(data[2:4], "big"), 4
        elif n == 127:
            n, i = int.from_bytes(data[2:10], "big"), 10
        if len(data) < i + n:
            break
        out.append((op, data[i:i + n]))
        data = data[i + n:]
    return out
