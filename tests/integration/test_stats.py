"""Statistics through the real torgd: the hand-computed scenario of
tests/unit/test_stats.c driven over HTTP with torgd's test clock (--test-clock),
then GET /api/v1/stats in every grouping, the CSV parsed back and compared with
the JSON, the retention purge (figures unchanged, ticket-level rows gone), the
access rules and parameter errors, and /metrics parsed by prometheus_client's
text-format parser."""

import copy
import csv
import datetime
import io
import os
import sqlite3
import zoneinfo

import pytest
from prometheus_client.parser import text_string_to_metric_families

from torgtest import BASE_CONFIG

TZ = zoneinfo.ZoneInfo("Europe/Oslo")


def names(text):
    return {"nb": text, "nn": text, "sv": text, "en": text}


STATS_CONFIG = copy.deepcopy(BASE_CONFIG)
STATS_CONFIG["services"] = [
    {"id": "a", "prefix": "A", "name": names("A"), "target_wait_s": 600, "service_s": 300},
    {"id": "b", "prefix": "B", "name": names("B"), "target_wait_s": 300, "service_s": 300},
    {"id": "c", "prefix": "C", "name": names("C"), "target_wait_s": 900, "service_s": 300},
]
STATS_CONFIG["counters"] = [
    {"id": "c1", "services": ["a", "b"], "policy": "fifo"},
    {"id": "c2", "services": ["b", "c"], "policy": "fifo"},
]
STATS_CONFIG["displays"] = [{"id": "hall", "name": "Hall"}]
STATS_USERS = {"kari": ("counter", ["a"]), "ola": ("counter", None),
               "mona": ("manager", None), "admin": ("admin", None)}


@pytest.fixture
def stats_srv(make_server):
    """A torgd with --test-clock on the three-service floor of the scenario."""
    return make_server(config=STATS_CONFIG, users=STATS_USERS, test_clock=True)


def scenario_day():
    """A day a month from now (the floor's clock may not go back), as a date."""
    return datetime.date.today() + datetime.timedelta(days=30)


def at(day, minute):
    """UTC ms of 08:00 + minute, local time, on day."""
    t = datetime.datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
    return int(t.timestamp() * 1000) + minute * 60000


def set_clock(srv, ms):
    return srv.ok(srv.post(f"/api/v1/test/clock?ms={ms}", token=srv.token("admin")))


def run_scenario(srv, day):
    """The timeline of tests/unit/test_stats.c, command by command at its minute."""
    steps = []

    def step(minute, fn):
        steps.append((minute, fn))

    adm = "admin"
    other = "ola"  # c2's: a staff member holds one counter at a time
    tickets = {}
    step(0, lambda: srv.act(adm, "c1", "open", {"services": ["a", "b"]}))
    step(0, lambda: tickets.setdefault("A1", srv.issue("a")))
    step(1, lambda: tickets.setdefault("A2", srv.issue("a")))
    step(2, lambda: tickets.setdefault("B1", srv.issue("b")))
    step(5, lambda: srv.act(adm, "c1", "call", {"number": "A001"}))
    step(6, lambda: srv.act(adm, "c1", "start"))
    step(16, lambda: srv.act(adm, "c1", "finish"))
    step(16, lambda: srv.act(adm, "c1", "call", {"number": "B001"}))
    step(17, lambda: srv.act(adm, "c1", "start"))
    step(18, lambda: srv.act(other, "c2", "open", {"services": ["b", "c"]}))
    step(20, lambda: srv.act(adm, "c1", "transfer", {"service": "c", "position": "back"}))
    step(22, lambda: srv.act(adm, "c1", "call", {"number": "A002"}))
    step(24, lambda: srv.act(adm, "c1", "no-show"))
    step(25, lambda: srv.act(other, "c2", "call", {"number": "B001"}))
    step(26, lambda: srv.act(other, "c2", "start"))
    step(30, lambda: tickets.setdefault("A3", srv.issue("a")))
    step(40, lambda: tickets.setdefault("B2", srv.issue("b")))
    step(46, lambda: srv.act(other, "c2", "finish"))
    step(50, lambda: srv.ok(srv.delete(f"/api/v1/tickets/{tickets['A3']['id']}")))
    step(55, lambda: srv.act(other, "c2", "call", {"number": "B002"}))
    step(60, lambda: srv.act(other, "c2", "start"))
    step(70, lambda: srv.act(other, "c2", "finish"))
    step(75, lambda: srv.act(other, "c2", "close"))
    step(80, lambda: srv.act(adm, "c1", "close"))
    for minute, fn in steps:
        set_clock(srv, at(day, minute))
        fn()


def stats(srv, day, group, user="mona", fmt="", lang=None):
    d = day.isoformat()
    q = f"from={d}&to={d}&group={group}" + (f"&lang={lang}" if lang else "")
    r = srv.get(f"/api/v1/stats{fmt}?{q}", token=srv.token(user))
    if fmt:
        assert r.status_code == 200, r.text
        return r
    return srv.ok(r)


def by(rows, key):
    return {r[key]: r for r in rows}


def check_figures(srv, day):
    """Every figure worked out by hand in tests/unit/test_stats.c."""
    s = stats(srv, day, "service")
    assert s["group"] == "service" and s["from"] == day.isoformat()
    assert s["days_with_data"] == 1 and s["per_staff"] is False
    rows = by(s["rows"], "service")
    a, b, c = rows["a"], rows["b"], rows["c"]
    assert (a["arrivals"], a["issued"], a["called"], a["target_met"], a["served"],
            a["no_shows"], a["cancelled"]) == (3, 3, 2, 1, 1, 1, 1)
    assert (a["wait_mean_s"], a["wait_median_s"], a["wait_p90_s"], a["wait_max_s"]) == \
        (780, 780, 1260, 1260)
    assert a["target_met_share"] == 0.5 and a["service_mean_s"] == 600
    assert a["queue_max"] == 2
    assert (b["arrivals"], b["called"], b["target_met"], b["served"], b["transfers_out"]) == \
        (2, 2, 0, 2, 1)
    assert (b["wait_mean_s"], b["wait_p90_s"], b["service_mean_s"], b["service_p90_s"]) == \
        (870, 900, 390, 600)
    assert b["target_met_share"] == 0
    assert (c["arrivals"], c["issued"], c["transfers_in"], c["target_met_share"],
            c["wait_mean_s"], c["service_mean_s"]) == (1, 0, 1, 1, 300, 1200)
    t = s["total"]
    assert (t["arrivals"], t["issued"], t["transfers_in"], t["transfers_out"], t["called"],
            t["target_met"], t["served"], t["no_shows"], t["cancelled"]) == \
        (6, 5, 1, 1, 5, 2, 4, 1, 1)
    assert (t["wait_mean_s"], t["wait_median_s"], t["wait_p90_s"], t["wait_max_s"]) == \
        (720, 840, 1260, 1260)
    assert (t["service_mean_s"], t["service_p90_s"]) == (645, 1200)
    assert (t["open_s"], t["busy_s"], t["queue_max"]) == (8220, 3180, 3)
    assert s["transfers"] == [{"from": "b", "to": "c", "visitors": 1,
                               "floor_time_total_s": 2640, "floor_time_mean_s": 2640}]
    assert s["wait_histogram"] == {"bin_s": 300,
                                   "counts": [0, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]}
    q = {(x["hour"], x["service"]): x for x in s["queue_by_hour"]}
    assert q[(8, "a")] == {"hour": 8, "service": "a", "mean": 0.767, "max": 2}
    assert q[(8, "b")]["max"] == 1 and q[(8, "c")]["mean"] == 0.083
    assert s["target_wait_s"] == {"a": 600, "b": 300, "c": 900}

    rows = by(stats(srv, day, "counter")["rows"], "counter")
    assert set(rows) == {"c1", "c2", None}
    c1, c2 = rows["c1"], rows["c2"]
    assert (c1["called"], c1["served"], c1["no_shows"], c1["open_s"], c1["busy_s"]) == \
        (3, 2, 1, 4800, 1020)
    assert c1["utilisation"] == 0.213 and c1["wait_median_s"] == 840
    assert (c2["called"], c2["served"], c2["open_s"], c2["busy_s"], c2["utilisation"]) == \
        (2, 2, 3420, 2160, 0.632)
    assert rows[None]["arrivals"] == 6 and rows[None]["cancelled"] == 1

    hours = by(stats(srv, day, "hour")["rows"], "hour")
    assert len(hours) == 24
    assert (hours[8]["arrivals"], hours[8]["served"], hours[8]["open_s"], hours[8]["busy_s"],
            hours[8]["queue_max"]) == (6, 3, 6120, 2580, 3)
    assert (hours[9]["served"], hours[9]["service_mean_s"], hours[9]["open_s"],
            hours[9]["busy_s"]) == (1, 600, 2100, 600)
    assert all(hours[h]["arrivals"] == 0 and hours[h]["open_s"] == 0
               for h in range(24) if h not in (8, 9))
    days = stats(srv, day, "day")["rows"]
    assert [d["day"] for d in days] == [day.isoformat()] and days[0]["served"] == 4


# The figures of a CSV row after its key cells, in the order PROTOCOL.md gives.
CSV_FIGURES = ["arrivals", "issued", "transfers_in", "transfers_out", "called", "served",
               "no_shows", "cancelled", "target_met", "target_met_share", "wait_mean_s",
               "wait_median_s", "wait_p90_s", "wait_max_s", "service_mean_s", "service_p90_s",
               "open_s", "busy_s", "utilisation", "queue_max"]


def csv_matches_json(srv, day, group):
    """The English CSV has a BOM, a header and one row per JSON row, with equal values
    (services and counters with their names after their ids)."""
    r = stats(srv, day, group, fmt=".csv", lang="en")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers.get("Content-Disposition", "")
    assert r.content.startswith(b"\xef\xbb\xbf")
    text = r.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    nkey = 2 if group in ("service", "counter") else 1
    assert header[0] == {"service": "Service ID", "counter": "Counter ID", "day": "Day",
                         "hour": "Hour"}[group]
    assert len(header) == nkey + len(CSV_FIGURES)
    j = stats(srv, day, group)["rows"]
    assert len(body) == len(j)
    for line, obj in zip(body, j):
        key = obj[group]
        assert line[0] == ("" if key is None else str(key))
        if nkey == 2:
            # services are named "A", "B", "C"; counters have no name, so their id
            assert line[1] == ("never called" if key is None
                               else key.upper() if group == "service" else key)
        for name, cell in zip(CSV_FIGURES, line[nkey:]):
            want = obj[name]
            if want is None:
                assert cell == "", (group, key, name, cell)
            else:
                assert float(cell) == pytest.approx(want, abs=1e-9), (group, key, name)


def test_scenario_through_the_api(stats_srv):
    srv = stats_srv
    day = scenario_day()
    run_scenario(srv, day)
    check_figures(srv, day)
    for g in ("service", "counter", "day", "hour"):
        csv_matches_json(srv, day, g)
    # A restart replays the journal; the figures come from the same tables.
    srv.restart()
    check_figures(srv, day)


def test_purge_keeps_old_statistics(stats_srv):
    srv = stats_srv
    day = scenario_day()
    run_scenario(srv, day)
    before = {g: stats(srv, day, g) for g in ("service", "counter", "day", "hour")}
    csv_before = stats(srv, day, "hour", fmt=".csv").text
    # 100 days later (retention 90): a new day starts with a ticket, then the purge.
    later = day + datetime.timedelta(days=100)
    set_clock(srv, at(later, 0))
    srv.issue("a")
    r = srv.ok(srv.post("/api/v1/test/purge", token=srv.token("admin")))
    assert r["folded_days"] >= 1
    db = sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True)
    dnum = int(day.strftime("%Y%m%d"))
    for table in ("legs", "tickets", "journal"):
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE day = ?", (dnum,)).fetchone() \
            == (0,), table
    assert db.execute("SELECT COUNT(*) FROM stats_days WHERE day = ?", (dnum,)).fetchone() \
        == (1,)
    db.close()
    for g, want in before.items():
        assert stats(srv, day, g) == want, g
    assert stats(srv, day, "hour", fmt=".csv").text == csv_before
    check_figures(srv, day)
    # Still replays after a restart: the newest day's journal is intact.
    srv.restart()
    assert srv.floor()["services"][0]["waiting"] == 1
    check_figures(srv, day)


def test_access_and_errors(stats_srv):
    srv = stats_srv
    d = scenario_day().isoformat()
    assert srv.get(f"/api/v1/stats?from={d}&to={d}").status_code == 401
    r = srv.get("/api/v1/stats", token=srv.token("kari"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert srv.get("/api/v1/stats.csv", token=srv.token("ola")).status_code == 403
    assert srv.get("/api/v1/stats", token=srv.token("admin")).status_code == 200
    mona = srv.token("mona")
    for query, field in [("from=2026-02-30", "from"), ("to=yesterday", "to"),
                         ("group=week", "group"), (f"from={d}&to=2000-01-01", "to"),
                         ("from=1990-01-01&to=2026-01-01", "to")]:
        r = srv.get(f"/api/v1/stats?{query}", token=mona)
        assert r.status_code == 400, query
        err = r.json()["error"]
        assert err["code"] == "bad_query" and err["field"] == field, (query, err)
        assert field in err["message"]
    r = srv.get("/api/v1/stats?colour=red", token=mona)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_query"
    assert "colour" in r.json()["error"]["message"]
    assert srv.post("/api/v1/stats", {}, token=mona).status_code == 405
    # The test clock is admin-only.
    assert srv.post("/api/v1/test/clock?ms=1", token=mona).status_code == 403
    assert srv.post("/api/v1/test/clock?ms=x", token=srv.token("admin")).status_code == 400


def test_no_test_routes_without_the_flag(srv):
    admin = srv.token("admin")
    assert srv.post("/api/v1/test/clock?ms=1", token=admin).status_code == 404
    assert srv.post("/api/v1/test/purge", token=admin).status_code == 404


def test_metrics_parse(stats_srv):
    srv = stats_srv
    day = scenario_day()
    set_clock(srv, at(day, 0))
    srv.act("admin", "c1", "open", {"services": ["a", "b"]})
    srv.issue("a")
    srv.issue("a")
    set_clock(srv, at(day, 7))
    r = srv.get("/metrics")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    fams = {f.name: f for f in text_string_to_metric_families(r.text)}
    for name in ("torg_waiting", "torg_longest_wait_seconds", "torg_counters_open",
                 "torg_tickets_issued", "torg_tickets_served", "torg_ws_sessions",
                 "torg_event_loop_lag_seconds", "torg_store_commit_seconds",
                 "torg_service_counters_open"):
        assert name in fams, name
    def value(name, **labels):
        for s in fams[name.removesuffix("_total")].samples:
            if s.name == name and s.labels == labels:
                return s.value
        raise KeyError((name, labels))
    assert value("torg_waiting", service="a") == 2
    assert value("torg_waiting", service="b") == 0
    assert value("torg_longest_wait_seconds", service="a") == 420
    assert value("torg_service_counters_open", service="b") == 1
    assert value("torg_counters_open") == 1
    assert fams["torg_tickets_issued"].type == "counter"
    assert value("torg_tickets_issued_total") == 2
    assert value("torg_event_loop_lag_seconds") >= 0
    assert value("torg_store_commit_seconds") > 0
    # Every line is a comment or "name{labels} value" (the parser is lenient on some).
    for line in r.text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or \
            len(line.split(" ")) == 2, line
