"""Monitoring: deploy/prometheus/ passes promtool (config, rules, and the rules' unit
tests), the latency histograms of /metrics are well formed and move (a commit per
acknowledged ticket; a late loop probe while torgd is stopped), and a real Prometheus
(Debian's, from deploy/install-deps) scraping a test torgd every second with the shipped
scrape config and rules sees the target up, the tickets issued, a service far past its
target as a pending alert, and torgd down once it stops."""

import datetime
import os
import signal
import subprocess
import time
import zoneinfo

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from torgtest import ROOT_DIR, free_port, need_tool

PROM_DIR = os.path.join(ROOT_DIR, "deploy", "prometheus")


def tool(name):
    """The path of a Prometheus tool: missing fails on CI, skips elsewhere."""
    return need_tool(name, "deploy/install-deps installs Debian's prometheus")


@pytest.mark.parametrize("args", [("check", "config", "prometheus.yml"),
                                  ("check", "rules", "torg.rules.yml"),
                                  ("test", "rules", "torg.rules.test.yml")])
def test_promtool(args):
    r = subprocess.run([tool("promtool"), *args], cwd=PROM_DIR, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout + r.stderr


def metrics(srv):
    """torgd's /metrics, parsed: {sample name: {frozenset of labels: value}}."""
    r = srv.get("/metrics")
    assert r.status_code == 200
    out = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out.setdefault(s.name, {})[frozenset(s.labels.items())] = s.value
    return out


def buckets(m, name):
    """A histogram's cumulative buckets as [(le, count)], ascending."""
    rows = sorted((float(dict(k)["le"]), v) for k, v in m[name + "_bucket"].items())
    assert rows[-1][0] == float("inf")
    return rows


def check_histogram(m, name):
    """The shape Prometheus expects: cumulative buckets, +Inf equal to the count."""
    rows = buckets(m, name)
    counts = [v for _, v in rows]
    assert counts == sorted(counts), rows
    assert counts[-1] == m[name + "_count"][frozenset()], rows
    assert m[name + "_sum"][frozenset()] >= 0


def test_latency_histograms_move(make_server):
    srv = make_server(users={})
    before = metrics(srv)
    for name in ("torg_store_commit_duration_seconds", "torg_event_loop_delay_seconds"):
        check_histogram(before, name)
    for service in ("reception", "nav", "housing"):
        srv.issue(service)
    time.sleep(0.6)  # two or three more loop probes (250 ms)
    after = metrics(srv)
    commits = "torg_store_commit_duration_seconds_count"
    assert after[commits][frozenset()] >= before[commits][frozenset()] + 1
    assert after[commits][frozenset()] == after["torg_store_commits_total"][frozenset()]
    delays = "torg_event_loop_delay_seconds_count"
    assert after[delays][frozenset()] >= before[delays][frozenset()] + 2
    # A stopped process is a stuck loop: the probe due meanwhile fires ~0.6 s late.
    late_before = after[delays][frozenset()] - dict(buckets(after, "torg_event_loop_delay_seconds"))[0.25]
    os.kill(srv.proc.pid, signal.SIGSTOP)
    time.sleep(0.6)
    os.kill(srv.proc.pid, signal.SIGCONT)
    time.sleep(0.3)
    stuck = metrics(srv)
    check_histogram(stuck, "torg_event_loop_delay_seconds")
    late = stuck[delays][frozenset()] - dict(buckets(stuck, "torg_event_loop_delay_seconds"))[0.25]
    assert late >= late_before + 1, "the stall is not in the loop-delay histogram"
    # the probe due during the 0.6 s stop was due up to one period (250 ms) after it began
    assert stuck["torg_event_loop_lag_max_seconds"][frozenset()] >= 0.6 - 0.25 - 0.05


class Prometheus:
    """A Prometheus on a free port with deploy/prometheus's config, rewritten to scrape
    and evaluate every second, to scrape the given torgd, and to send no alerts."""

    def __init__(self, workdir, target):
        with open(os.path.join(PROM_DIR, "prometheus.yml"), encoding="utf-8") as f:
            cfg = yaml.safe_load(f)
        cfg["global"].update(scrape_interval="1s", evaluation_interval="1s")
        cfg.pop("alerting")
        cfg["rule_files"] = [os.path.join(PROM_DIR, p) for p in cfg["rule_files"]]
        job = next(j for j in cfg["scrape_configs"] if j["job_name"] == "torg")
        job.update(scrape_interval="1s", scrape_timeout="1s")
        job["static_configs"][0]["targets"] = [target]
        os.makedirs(workdir, exist_ok=True)
        self.config = os.path.join(workdir, "prometheus.yml")
        with open(self.config, "w", encoding="utf-8") as f:
            yaml.safe_dump(cfg, f)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(workdir, "prometheus.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [tool("prometheus"), f"--config.file={self.config}",
                 f"--storage.tsdb.path={os.path.join(workdir, 'data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=workdir)
        self.until(lambda: requests.get(self.base + "/-/ready", timeout=1).status_code == 200,
                   "ready")

    def until(self, pred, what, timeout=10):
        """Polls pred (exceptions count as not yet) until it holds; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                v = pred()
                if v:
                    return v
            except (requests.RequestException, KeyError, IndexError, ValueError):
                pass
            assert self.proc.poll() is None, f"prometheus exited:\n{self.tail()}"
            if time.monotonic() > deadline:
                raise AssertionError(f"prometheus: not {what} after {timeout}s\n{self.tail()}")
            time.sleep(0.2)

    def query(self, expr):
        """An instant query's vector as {frozenset of labels: float value}."""
        r = requests.get(self.base + "/api/v1/query", params={"query": expr}, timeout=5)
        body = r.json()
        assert body["status"] == "success", body
        return {frozenset(x["metric"].items()): float(x["value"][1])
                for x in body["data"]["result"]}

    def alerts(self, name):
        """The active alerts named name: [(state, labels)]."""
        body = requests.get(self.base + "/api/v1/alerts", timeout=5).json()
        return [(a["state"], a["labels"]) for a in body["data"]["alerts"]
                if a["labels"]["alertname"] == name]

    def tail(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()[-3000:]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def oslo_ms(day, hour, minute=0):
    """UTC ms of hour:minute on day in the test floor's time zone."""
    t = datetime.datetime(day.year, day.month, day.day, hour, minute,
                          tzinfo=zoneinfo.ZoneInfo("Europe/Oslo"))
    return int(t.timestamp() * 1000)


def test_real_prometheus_scrapes_torgd(make_server, tmp_path):
    tool("prometheus")
    srv = make_server(test_clock=True)
    admin = srv.token("admin")
    day = datetime.date.today() + datetime.timedelta(days=2)  # the clock only goes forward
    srv.ok(srv.post(f"/api/v1/test/clock?ms={oslo_ms(day, 10)}", token=admin))
    for _ in range(3):
        srv.issue("reception")
    # 40 minutes later: reception (target 600 s) has kept its first visitor 2,400 s
    srv.ok(srv.post(f"/api/v1/test/clock?ms={oslo_ms(day, 10, 40)}", token=admin))
    prom = Prometheus(str(tmp_path / "prom"), f"127.0.0.1:{srv.port}")
    try:
        up = prom.until(lambda: prom.query('up{job="torg"}'), "scraping torgd")
        assert list(up.values()) == [1.0], up
        assert dict(next(iter(up))) ["floor"] == "demo"  # the shipped config's label
        issued = prom.until(lambda: prom.query("torg_tickets_issued_total"), "showing tickets")
        assert list(issued.values()) == [3.0], issued
        waiting = prom.query('torg_waiting{service="reception"}')
        assert list(waiting.values()) == [3.0], waiting
        commits = prom.query("torg_store_commit_duration_seconds_count")
        assert list(commits.values())[0] >= 1, commits
        pending = prom.until(lambda: prom.alerts("TorgServiceFarPastTarget"),
                             "evaluating the rules")
        assert [(s, l["service"]) for s, l in pending] == [("pending", "reception")], pending
        assert prom.alerts("TorgdDown") == []
        srv.stop()
        down = prom.until(lambda: prom.alerts("TorgdDown"), "noticing torgd down")
        assert [s for s, _ in down] == ["pending"], down
    finally:
        prom.close()
