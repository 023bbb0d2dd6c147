#!/usr/bin/python3
"""bench/attack_figures.py — the figures of issue 8's attacks, measured against a real
torgd (started here on a free port with a temporary database, through the integration
suite's helpers): ticket latency with no load and during a flood of 256 concurrent bad
sign-ins (the baseline is measured in the same run), torgd's memory after a million-frame
flood from one session that never reads, after 100 phones that stop reading while 1,000
calls move them, and how many of 200 new subscribers are dropped while the floor is busy.
It prints a table; nothing is asserted (the integration tests do that).

    bench/attack_figures.py [--torgd build/server/torgd] [--old]

--old runs the same against a torgd from before these defences (no
server.trusted_proxies: the sign-ins then come from 127.0.0.1 alone), for a baseline.
"""

import argparse
import concurrent.futures
import contextlib
import json
import os
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import requests  # noqa: E402

from torgtest import (Torgd, config_with, issuing, phones_not_reading, raw_ws,  # noqa: E402
                      rss_kib, ws_frame)


def latencies(srv, n):
    """n ticket issues one after the other; their latencies in ms."""
    s = requests.Session()
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        r = s.post(srv.base + "/api/v1/tickets", json={"service": "nav"})
        out.append((time.monotonic() - t0) * 1000)
        assert r.status_code == 201
    return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


@contextlib.contextmanager
def running(binary, config=None):
    """A started torgd on a temporary directory, stopped afterwards."""
    srv = Torgd(binary, tempfile.mkdtemp(prefix="torg-bench-"), config=config)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def login_flood(binary, old):
    cfg = None if old else config_with(server={"trusted_proxies": ["127.0.0.1"]})
    with running(binary, cfg) as srv:
        base = latencies(srv, 200)

        def bad(i):
            return requests.post(srv.base + "/api/v1/login",
                                 json={"name": f"u{i}", "password": "wrong-password"},
                                 headers={"X-Forwarded-For": f"10.9.{i // 200}.{i % 200}"},
                                 timeout=60).status_code
        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            futs = [pool.submit(bad, i) for i in range(256)]
            time.sleep(0.1)
            flood = latencies(srv, 200)
            codes = [f.result() for f in futs]
        return base, flood, codes


def frame_flood(binary):
    with running(binary) as srv:
        t = srv.issue("nav")
        s, _ = raw_ws(srv.port, rcvbuf=4096)
        s.sendall(ws_frame(json.dumps({"type": "hello", "ticket": t["id"]})))
        rss0 = rss_kib(srv.proc.pid)
        cmd = ws_frame(json.dumps({"type": "cmd", "id": 1, "op": "call_next", "counter": "c1"}))
        sent = 0
        try:
            s.settimeout(5)
            for _ in range(1000):
                s.sendall(cmd * 1000)
                sent += 1000
        except (OSError, socket.timeout):
            pass
        grown = rss_kib(srv.proc.pid) - rss0
        s.close()
        return sent, grown


def phones(binary):
    with running(binary) as srv:
        for _ in range(1000):
            srv.issue("nav")
        socks = phones_not_reading(srv, [srv.issue("nav") for _ in range(100)])
        time.sleep(0.5)
        rss0 = rss_kib(srv.proc.pid)
        srv.open_counter("kari", "c1")
        for _ in range(1000):
            srv.act("kari", "c1", "call-next")
            srv.act("kari", "c1", "no-show")
        grown = rss_kib(srv.proc.pid) - rss0
        for s in socks:
            s.close()
        return grown


def new_subscribers(binary):
    with running(binary) as srv:
        with issuing(srv, "nav"):
            clients = [srv.ws({"type": "hello"}, max_queue=None) for _ in range(200)]
            time.sleep(1.0)
        time.sleep(0.5)
        closed = sum(1 for c in clients if not c.ws.open)
        for c in clients:
            c.close()
        return closed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torgd", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                   "server", "torgd"))
    ap.add_argument("--old", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.torgd)
    base, flood, codes = login_flood(binary, args.old)
    print("ticket issue (ms)                  p50     p99     max")
    print(f"  no other load                  {statistics.median(base):6.1f}  {pct(base, .99):6.1f}"
          f"  {max(base):6.1f}")
    print(f"  256 concurrent bad sign-ins    {statistics.median(flood):6.1f}  "
          f"{pct(flood, .99):6.1f}  {max(flood):6.1f}")
    print(f"  sign-ins answered: {codes.count(401)} x 401, {codes.count(503)} x 503, "
          f"{codes.count(429)} x 429")
    sent, grown = frame_flood(binary)
    print(f"cmd frames from one session that never reads: closed after {sent} frames sent; "
          f"torgd grew {grown / 1024:.1f} MB")
    print(f"100 phones that stop reading, 1,000 calls moving them: torgd grew "
          f"{phones(binary) / 1024:.1f} MB")
    print(f"200 new subscribers while the floor is busy: {new_subscribers(binary)} closed")


if __name__ == "__main__":
    main()
