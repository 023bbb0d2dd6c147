#!/usr/bin/python3
"""bench/bench_phones.py — what visitors' phones cost torgd per event: a real torgd
(started here on a free port with a temporary database, through the integration
suite's helpers) with 13 services of 200 waiting tickets each and 10,000 phones
watching them (bench/phone_swarm: one WebSocket per phone, spread evenly over the
2,600 tickets, reading everything), driven through events over HTTP as admin:

  call_next  a counter calls the next ticket of its service: every phone on a waiting
             ticket of that service is told its new position and estimate
  no_show    the called ticket is marked no-show: only the phones on that ticket
  issued     a ticket is issued at the back of a service: no phone's status changes

For each kind it prints torgd's CPU per event, of the event loop's thread (the main
thread, /proc/PID/task/PID; this leaves out the store's and the sign-ins' worker
threads) and of the whole process (all of /proc/PID/task), from schedstat's run time in
ns when the kernel has it, else utime+stime of stat; the process also from stat's
utime+stime, in clock ticks), with the idle CPU of the same run (same phones connected,
no events) taken off; the same events without any phone connected (the cost of the
commands themselves); and the ticket messages the phones received per event. Each
figure is the median of --reps runs.

    bench/bench_phones.py --torgd build/server/torgd
    bench/bench_phones.py --before /tmp/torg-before/b/server/torgd \\
                          --after build/server/torgd [--reps 3]

With --before and --after both binaries run in the same invocation, alternating, and
the table shows both and the ratio before / after. The open-file limit must allow the
phones twice over (both ends are on this machine): ulimit -n 20000 for 10,000.
"""

import argparse
import concurrent.futures
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import requests  # noqa: E402

from torgtest import Torgd  # noqa: E402

KINDS = ("call_next", "no_show", "issued")
TICK = os.sysconf("SC_CLK_TCK")


def names(text):
    return {"nb": text, "nn": text, "sv": text, "en": text}


def floor_config(nservices, nphones):
    """nservices services (prefixes A, B, …), one counter each, no ticket rate limit,
    connection limits above the phones."""
    services = [{"id": f"s{i:02d}", "prefix": chr(ord("A") + i), "name": names(f"S{i}"),
                 "target_wait_s": 900, "service_s": 300} for i in range(nservices)]
    counters = [{"id": f"k{i:02d}", "services": [f"s{i:02d}"]} for i in range(nservices)]
    return {
        "floor": {"id": "benchtorg", "name": names("Bench"), "timezone": "Europe/Oslo",
                  "day_starts": "04:00", "languages": ["nb", "nn", "sv", "en"]},
        "server": {"max_connections": nphones + 2000,
                   "max_connections_per_address": nphones + 2000},
        "hours": "always",
        "services": services,
        "counters": counters,
        "kiosks": {"policy": "public", "rate_per_minute": 0},
    }


def thread_cpu_ns(pid, tid):
    """CPU time of one thread, in ns: schedstat's run time, else utime+stime."""
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            return int(f.read().split()[0])
    except OSError:
        return stat_ticks(f"/proc/{pid}/task/{tid}/stat") * 1_000_000_000 // TICK


def process_cpu_ns(pid):
    """CPU time of the whole process, in ns: its threads' schedstat run times summed
    (torgd's threads live as long as it does), else utime+stime of /proc/PID/stat."""
    try:
        return sum(thread_cpu_ns(pid, int(t)) for t in os.listdir(f"/proc/{pid}/task"))
    except (OSError, ValueError):
        return stat_ticks(f"/proc/{pid}/stat") * 1_000_000_000 // TICK


def stat_ticks(path):
    """utime + stime of a /proc stat file, in clock ticks."""
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


# What is measured of torgd: loop thread and process CPU (ns precision), and process
# CPU from /proc/PID/stat's utime+stime (clock ticks), all in ms.
FIELDS = ("loop", "proc", "ticks")


class Cpu:
    """torgd's CPU so far: wall seconds and, in ms, each of FIELDS."""

    def __init__(self, pid):
        self.pid = pid

    def now(self):
        return {"wall": time.monotonic(),
                "loop": thread_cpu_ns(self.pid, self.pid) / 1e6,
                "proc": process_cpu_ns(self.pid) / 1e6,
                "ticks": stat_ticks(f"/proc/{self.pid}/stat") * 1000 / TICK}


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


class Swarm:
    """bench/phone_swarm on the ticket ids, talked to on its stdin and stdout."""

    def __init__(self, binary, port, ids, workdir):
        path = os.path.join(workdir, "phone-ids")
        with open(path, "w") as f:
            f.write("\n".join(ids) + "\n")
        self.proc = subprocess.Popen([binary, str(port), path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def counts(self):
        self.proc.stdin.write("s\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("phone_swarm exited")
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def wait_answered(self, n, timeout):
        deadline = time.monotonic() + timeout
        while True:
            c = self.counts()
            if c["answered"] >= n:
                return c
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {c} of {n} phones answered")
            time.sleep(0.2)

    def wait_quiet(self, quiet=0.15):
        """Waits until no frame has arrived for `quiet` seconds; returns the counts."""
        last, since = self.counts(), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.03)
            c = self.counts()
            if c != last:
                last, since = c, time.monotonic()
        return last

    def close(self):
        try:
            self.proc.stdin.write("q\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(30)


def issue_all(srv, services, per_service):
    """Issues per_service tickets in each service, round by round; returns the ids by
    service in issue order."""
    out = {s: [] for s in services}

    def issue(service, k):
        http = requests.Session()
        ids = []
        for _ in range(k):
            r = http.post(srv.base + "/api/v1/tickets", json={"service": service}, timeout=30)
            assert r.status_code == 201, r.text
            ids.append(r.json()["ticket"]["id"])
        return service, ids
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for service, ids in pool.map(lambda s: issue(s, per_service), services):
            out[service] = ids
    return out


class Driver:
    """Drives events as admin over one keep-alive connection and measures each kind."""

    def __init__(self, srv, swarm, cpu, nservices):
        self.srv, self.swarm, self.cpu = srv, swarm, cpu
        self.http = requests.Session()
        self.auth = {"Authorization": f"Bearer {srv.token('admin')}",
                     "Content-Type": "application/json"}
        self.n = nservices
        self.sum = {k: dict.fromkeys(("wall", *FIELDS, "events", "msgs"), 0) for k in KINDS}

    def post(self, path, body=None, status=(200, 201, 204)):
        r = self.http.post(self.srv.base + path, json=body, headers=self.auth, timeout=60)
        assert r.status_code in status, f"{path}: {r.status_code} {r.text[:200]}"

    def seq(self):
        return self.http.get(self.srv.base + "/healthz", timeout=60).json()["seq"]

    def phase(self, kind):
        """One event of kind in every service, one after the other; then waits until the
        phones have read everything, and adds the CPU, events and messages to kind's."""
        msgs0 = self.swarm.counts()["tickets"] if self.swarm else 0
        seq0 = self.seq()
        t0 = self.cpu.now()
        for i in range(self.n):
            if kind == "issued":
                self.post("/api/v1/tickets", {"service": f"s{i:02d}"})
            else:
                op = "call-next" if kind == "call_next" else "no-show"
                self.post(f"/api/v1/counters/k{i:02d}/{op}")
        msgs = self.swarm.wait_quiet()["tickets"] if self.swarm else 0
        if not self.swarm:
            time.sleep(0.15)  # the same quiet wait as with phones
        s = self.sum[kind]
        for k, v in delta(t0, self.cpu.now()).items():
            s[k] += v
        s["events"] += self.seq() - seq0
        s["msgs"] += msgs - msgs0

    def rounds(self, n):
        for _ in range(n):
            self.phase("call_next")
            self.phase("no_show")
        for _ in range(n):
            self.phase("issued")

    def figures(self, idle):
        """Per kind: each of FIELDS in ms per event with idle (ms per second of each)
        taken off, and "msgs", ticket messages per event."""
        out = {}
        for kind, s in self.sum.items():
            f = {k: (s[k] - idle[k] * s["wall"]) / s["events"] for k in FIELDS}
            f["msgs"] = s["msgs"] / s["events"]
            out[kind] = f
        return out


def idle_rate(cpu, seconds):
    """torgd's CPU per second while nothing happens: ms/s of each of FIELDS."""
    a = cpu.now()
    time.sleep(seconds)
    d = delta(a, cpu.now())
    return {k: d[k] / d["wall"] for k in FIELDS}


def run_once(binary, swarm_bin, args):
    """One torgd: the commands alone, then with the phones. Returns the figures."""
    d = tempfile.mkdtemp(prefix="torg-bench-phones-")
    srv = Torgd(binary, d, config=floor_config(args.services, args.phones),
                users={"admin": ("admin", None)})
    srv.start()
    swarm = None
    try:
        services = [f"s{i:02d}" for i in range(args.services)]
        # The first tickets of each service are called in the run without phones; the
        # phones watch the args.tickets behind them.
        ids = issue_all(srv, services, args.cal_rounds + args.tickets)
        http = requests.Session()
        auth = {"Authorization": f"Bearer {srv.token('admin')}",
                "Content-Type": "application/json"}
        for i in range(args.services):
            r = http.post(srv.base + f"/api/v1/counters/k{i:02d}/open", headers=auth,
                          timeout=60)
            assert r.status_code == 200, r.text
        cpu = Cpu(srv.proc.pid)
        time.sleep(0.5)
        idle0 = idle_rate(cpu, args.idle)
        bare = Driver(srv, None, cpu, args.services)
        bare.rounds(args.cal_rounds)
        watched = [t for s in services for t in ids[s][args.cal_rounds:]]
        phones = [watched[i % len(watched)] for i in range(args.phones)]
        t0 = time.monotonic()
        swarm = Swarm(swarm_bin, srv.port, phones, d)
        swarm.wait_answered(args.phones, 300)
        connect_s = time.monotonic() - t0
        time.sleep(1.0)
        idle1 = idle_rate(cpu, args.idle)
        drv = Driver(srv, swarm, cpu, args.services)
        drv.rounds(args.rounds)
        closed = swarm.counts()["closed"]
        return {"bare": bare.figures(idle0), "phones": drv.figures(idle1),
                "idle": idle1, "connect_s": connect_s, "closed": closed}
    finally:
        if swarm:
            swarm.close()
        srv.stop()


def med(runs, which, kind, field):
    """The median over runs of one figure."""
    return statistics.median(r[which][kind][field] for r in runs)


def phone_cost(runs, kind):
    """The loop's CPU per event that the phones add: with them minus without."""
    return med(runs, "phones", kind, "loop") - med(runs, "bare", kind, "loop")


def table(results, labels, nphones):
    """Prints the medians of each binary's runs, and the ratio when there are two."""
    print()
    print("torgd CPU per event, ms (median of runs; idle taken off)")
    print(f"{'':36}" + "".join(f"{k:>11}" for k in KINDS))
    rows = [(f"loop thread, {nphones:,} phones", "phones", "loop"),
            (f"process, {nphones:,} phones", "phones", "proc"),
            ("  the same from stat's ticks", "phones", "ticks"),
            ("loop thread, no phones", "bare", "loop"),
            ("process, no phones", "bare", "proc")]
    for label in labels:
        runs = results[label]
        print(f"{label}:")
        for name, which, field in rows:
            print(f"  {name:34}" + "".join(f"{med(runs, which, k, field):11.3f}"
                                           for k in KINDS))
        print(f"  {'phones on the loop (with - without)':34}" + "".join(
            f"{phone_cost(runs, k):11.3f}" for k in KINDS))
        print(f"  {'ticket messages per event':34}" + "".join(
            f"{med(runs, 'phones', k, 'msgs'):11.1f}" for k in KINDS))
        idle = statistics.median(r["idle"]["loop"] for r in runs)
        conn = statistics.median(r["connect_s"] for r in runs)
        closed = max(r["closed"] for r in runs)
        print(f"  idle loop with the phones {idle:.2f} ms/s; {nphones:,} phones connected in "
              f"{conn:.1f} s; phones closed by torgd: {closed}")
    if len(labels) == 2:
        b, a = (results[x] for x in labels)
        print(f"ratio {labels[0]} / {labels[1]}:")
        for name, which, field in rows[:2]:
            print(f"  {name:34}" + "".join(
                f"{med(b, which, k, field) / max(med(a, which, k, field), 1e-9):10.1f}x"
                for k in KINDS))
        print(f"  {'phones on the loop (with - without)':34}" + "".join(
            f"{phone_cost(b, k) / max(phone_cost(a, k), 1e-9):10.1f}x" for k in KINDS))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--torgd", help="one binary to measure")
    ap.add_argument("--before", help="the binary before the change")
    ap.add_argument("--after", help="the binary after the change")
    ap.add_argument("--swarm", help="phone_swarm (default: beside the --torgd/--after "
                    "build, bench/phone_swarm)")
    ap.add_argument("--phones", type=int, default=10000)
    ap.add_argument("--services", type=int, default=13)
    ap.add_argument("--tickets", type=int, default=200, help="watched tickets per service")
    ap.add_argument("--rounds", type=int, default=10,
                    help="rounds of each kind: one event per service per round")
    ap.add_argument("--cal-rounds", type=int, default=4,
                    help="rounds of the run without phones")
    ap.add_argument("--idle", type=float, default=3.0, help="seconds of idle baseline")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if args.torgd:
        binaries = {"torgd": args.torgd}
    elif args.before and args.after:
        binaries = {"before": args.before, "after": args.after}
    else:
        ap.error("give --torgd, or --before and --after")
    binaries = {k: os.path.abspath(v) for k, v in binaries.items()}
    main_bin = list(binaries.values())[-1]
    swarm_bin = args.swarm or os.path.join(os.path.dirname(os.path.dirname(main_bin)),
                                           "bench", "phone_swarm")
    if not os.access(swarm_bin, os.X_OK):
        ap.error(f"no phone_swarm at {swarm_bin}: build it (ninja -C build bench/phone_swarm) "
                 "or give --swarm")
    print(f"{args.phones} phones on {args.services} services x {args.tickets} tickets; "
          f"{args.rounds} rounds of each kind ({args.rounds * args.services} events), "
          f"{args.reps} runs per binary")
    results = {k: [] for k in binaries}
    labels = list(binaries)
    for rep in range(args.reps):
        order = labels if rep % 2 == 0 else labels[::-1]
        for label in order:
            t0 = time.monotonic()
            r = run_once(binaries[label], swarm_bin, args)
            results[label].append(r)
            f = r["phones"]
            print(f"run {rep + 1} {label}: loop ms/event " + ", ".join(
                f"{k} {f[k]['loop']:.3f} ({f[k]['msgs']:.0f} msgs)" for k in KINDS)
                + f"; {time.monotonic() - t0:.0f} s", flush=True)
    table(results, labels, args.phones)


if __name__ == "__main__":
    main()
