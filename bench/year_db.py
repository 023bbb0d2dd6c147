#!/usr/bin/python3
"""bench/year_db.py — makes a year's database the way a floor makes it: a real torgd
(--test-clock, through the integration suite's helpers) on a floor of 13 services and 12
counters is driven over HTTP through DAYS days of VISITORS visitors each (issued from
08:00 to 16:00, called, started and finished at the counters, one in ten transferred once,
the counters opened and closed each day), with retention_days above the year so that the
whole journal is kept (the largest database a year can make; with the default 90 days
the purge folds the older days away). Writes synchronous=normal while it builds (only
the speed of building changes), then stops torgd and leaves DIR/torg.db and DIR/floor.json,
ready for `torgd --config DIR/floor.json --db DIR/torg.db backup|check`.

    bench/year_db.py DIR [--days 365] [--visitors 500] [--torgd build/server/torgd]
"""

import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import sys
import threading
import time
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from torgtest import Torgd, config_with  # noqa: E402

SERVICES = ["reception", "nav", "housing", "social", "child", "health", "refug", "adult",
            "debt", "work", "youth", "elder", "family"]
COUNTERS = [f"c{i}" for i in range(1, 13)]
TZ = zoneinfo.ZoneInfo("Europe/Oslo")


def floor_config():
    """The year's floor: 13 services, 12 counters that give every service."""
    names = lambda s: {"nb": s, "nn": s, "sv": s, "en": s}  # noqa: E731
    cfg = config_with(
        services=[{"id": s, "prefix": chr(ord("A") + i), "name": names(s),
                   "target_wait_s": 900, "service_s": 600} for i, s in enumerate(SERVICES)],
        counters=[{"id": c, "kind": "counter", "services": SERVICES} for c in COUNTERS],
        displays=[{"id": "hall", "name": "Hall"}],
        statistics={"retention_days": 400})
    cfg["server"] = {"synchronous": "normal"}
    return cfg


class Client:
    """One keep-alive HTTP connection per thread, as admin."""
    local = threading.local()

    def __init__(self, port, token):
        self.port, self.token = port, token

    def post(self, path, body=None):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = json.dumps(body) if body is not None else "{}"
        c.request("POST", path, data, {"Content-Type": "application/json",
                                       "Authorization": f"Bearer {self.token}"})
        r = c.getresponse()
        text = r.read()
        if r.status not in (200, 201, 204):
            raise RuntimeError(f"POST {path}: {r.status} {text[:200]!r}")
        return json.loads(text) if text else None


def day_ms(day, hour, minute=0, second=0.0):
    """UTC ms of a local time on a day."""
    t = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
    return int(t.timestamp() * 1000 + second * 1000)


def serve(cl, counter, k):
    """One visit at a counter: call, start, then finish or (one in ten) transfer."""
    r = cl.post(f"/api/v1/counters/{counter}/call-next")
    if r is None:
        return 0
    cl.post(f"/api/v1/counters/{counter}/start")
    if k % 10 == 3 and r["ticket"]["leg"] == 1:
        cl.post(f"/api/v1/counters/{counter}/transfer",
                {"service": SERVICES[(k * 5 + 1) % len(SERVICES)], "position": "back"})
        return 3
    cl.post(f"/api/v1/counters/{counter}/finish")
    return 3


def one_day(cl, pool, day, visitors):
    """Opens the counters, issues and serves the day's visitors, closes the counters."""
    ops = 0
    cl.post(f"/api/v1/test/clock?ms={day_ms(day, 7, 55)}")
    for c in COUNTERS:
        cl.post(f"/api/v1/counters/{c}/open")
    step = 8 * 3600 / visitors
    batch = len(COUNTERS)
    for k0 in range(0, visitors, batch):
        cl.post(f"/api/v1/test/clock?ms={day_ms(day, 8, 0, k0 * step)}")
        n = min(batch, visitors - k0)
        list(pool.map(lambda k: cl.post("/api/v1/tickets",
                                        {"service": SERVICES[(k * 7) % len(SERVICES)]}),
                      range(k0, k0 + n)))
        cl.post(f"/api/v1/test/clock?ms={day_ms(day, 8, 0, (k0 + n) * step)}")
        ops += 2 + n + sum(pool.map(lambda i: serve(cl, COUNTERS[i], k0 + i), range(n)))
    cl.post(f"/api/v1/test/clock?ms={day_ms(day, 16, 30)}")
    for c in COUNTERS:  # every counter is free: its last visit finished or moved on
        cl.post(f"/api/v1/counters/{c}/close")
    return ops + 2 * len(COUNTERS) + 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--visitors", type=int, default=500)
    ap.add_argument("--torgd", default="build/server/torgd")
    a = ap.parse_args()
    srv = Torgd(os.path.abspath(a.torgd), a.dir, config=floor_config(),
                users={"admin": ("admin", None)})
    srv.args.append("--test-clock")
    srv.start()
    cl = Client(srv.port, srv.token("admin"))
    # From tomorrow on: torgd's tick has started today's day by the real clock already,
    # and the floor's days never go back.
    first = datetime.datetime.now(TZ).date() + datetime.timedelta(days=1)
    t0 = time.monotonic()
    ops = 0
    with concurrent.futures.ThreadPoolExecutor(len(COUNTERS)) as pool:
        for d in range(a.days):
            ops += one_day(cl, pool, first + datetime.timedelta(days=d), a.visitors)
            if d % 30 == 29:
                el = time.monotonic() - t0
                print(f"day {d + 1}/{a.days}: seq {srv.seq()}, {ops / el:.0f} requests/s",
                      flush=True)
    seq = srv.seq()
    srv.stop()
    size = os.path.getsize(srv.db_path)
    print(f"{a.days} days, {a.visitors} visitors a day: journal to seq {seq}, "
          f"{size / 1048576:.1f} MiB, built in {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
