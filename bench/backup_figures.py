#!/usr/bin/python3
"""bench/backup_figures.py — how long `torgd backup`, `check` and `restore` take on a
year's database (made by bench/year_db.py), idle and while torgd commits at a steady rate
of ticket operations, and what the backup does to those operations' latency.

    bench/year_db.py /tmp/year --visitors 680      # ≈1M events, the design's year
    bench/backup_figures.py /tmp/year [--rate 300] [--torgd build/server/torgd]

Each figure is wall-clock time with a warm page cache (the machine is shared, so its
caches are not dropped). Nothing is asserted; tests/integration/test_backup.py does that.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import requests  # noqa: E402

from torgtest import Torgd  # noqa: E402


def timed(cmd):
    """Runs cmd; returns (seconds, CompletedProcess)."""
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    return time.monotonic() - t0, r


def load(srv, rate, stop, lat):
    """Issues tickets at rate per second (one keep-alive connection, paced) until stop;
    appends (time sent, latency s) of each acknowledged one."""
    s = requests.Session()
    services = [sv["id"] for sv in srv.config["services"]]
    t_next, i = time.monotonic(), 0
    while not stop.is_set():
        t0 = time.monotonic()
        r = s.post(srv.base + "/api/v1/tickets", json={"service": services[i % len(services)]})
        if r.status_code == 201:
            lat.append((t0, time.monotonic() - t0))
        i += 1
        t_next += 1 / rate
        time.sleep(max(0, t_next - time.monotonic()))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] * 1000 if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--rate", type=float, default=300)
    ap.add_argument("--torgd", default="build/server/torgd")
    a = ap.parse_args()
    torgd = os.path.abspath(a.torgd)
    cfg_path, db = os.path.join(a.dir, "floor.json"), os.path.join(a.dir, "torg.db")
    base = [torgd, "--config", cfg_path, "--db", db]
    out = tempfile.mkdtemp(prefix="torg-backup-figures-")
    mib = os.path.getsize(db) / 1048576
    print(f"database {db}: {mib:.0f} MiB")

    secs, r = timed(base + ["backup", os.path.join(out, "idle.db")])
    print(f"backup, torgd stopped: {secs:.2f} s ({mib / secs:.0f} MiB/s): {r.stdout.strip()}")
    secs, r = timed(base + ["check"])
    print(f"check: {secs:.2f} s: {r.stdout.strip()[:200]}")
    secs, r = timed([torgd, "--config", cfg_path, "--db", os.path.join(out, "restored.db"),
                     "restore", os.path.join(out, "idle.db")])
    print(f"restore into a new path (integrity_check + copy): {secs:.2f} s "
          f"(exit {r.returncode})")

    # torgd on a copy of the year, at the default synchronous=full, under a steady load.
    work = os.path.join(out, "live")
    os.makedirs(work)
    with open(cfg_path) as f:
        cfg = json.load(f)
    cfg.get("server", {}).pop("synchronous", None)
    srv = Torgd(torgd, work, config=cfg, users={})
    shutil.copy(os.path.join(out, "idle.db"), srv.db_path)
    srv.start()
    stop, lat = threading.Event(), []
    th = threading.Thread(target=load, args=(srv, a.rate, stop, lat))
    th.start()
    time.sleep(3)
    t0 = time.monotonic()
    secs, r = timed([torgd, "--config", srv.config_path, "--db", srv.db_path, "backup",
                     os.path.join(out, "live.db")])
    t1 = time.monotonic()
    time.sleep(3)
    stop.set()
    th.join()
    srv.stop()
    before = [x for t, x in lat if t < t0]
    during = [x for t, x in lat if t0 <= t <= t1]
    after = [x for t, x in lat if t > t1]
    print(f"backup while torgd commits {a.rate:.0f} tickets/s: {secs:.2f} s "
          f"(exit {r.returncode}): {r.stdout.strip()}")
    for name, v in (("before", before), ("during", during), ("after", after)):
        print(f"  ticket latency {name:6} the backup: {len(v):5} tickets, p50 {pct(v, .5):.1f}"
              f" ms, p99 {pct(v, .99):.1f} ms, max {pct(v, 1):.1f} ms")
    secs, r = timed([torgd, "--config", srv.config_path, "--db", os.path.join(out, "live.db"),
                     "check"])
    print(f"check of that backup: {secs:.2f} s: {r.stdout.strip()[:200]}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
