"""Per-staff figures through the real torgd (statistics.per_staff): off by default
(403 per_staff_off and not one shift row in the database), on: a hand-computed
scenario with two staff members at two counters on torgd's test clock, with one shift
ended by a close that is followed at once by kill -9 (the acknowledged open and close
are on disk after the restart), one ended by a close after the restart, and one ended
by the day's end; the CSV parsed back; nothing about staff in events or the public
snapshot; and the retention purge deletes the shifts and keeps no per-staff figure."""

import copy
import csv
import datetime
import io
import sqlite3
import stat
import time

import pytest

from test_stats import STATS_CONFIG, TZ, at, scenario_day, set_clock
from torgtest import Torgd

STAFF_USERS = {"kari": ("counter", ["a", "b"]), "ola": ("counter", None),
               "mona": ("manager", None), "admin": ("admin", None)}


def staff_config(per_staff):
    cfg = copy.deepcopy(STATS_CONFIG)
    if per_staff is not None:
        cfg["statistics"] = {"per_staff": per_staff}
    return cfg


@pytest.fixture
def make_clock_srv(torgd_bin, tmp_path):
    """Factory: a torgd with --test-clock on the scenario floor, per_staff as given
    (None: the key left out)."""
    made = []
    wrapper = tmp_path / "torgd-test-clock"
    wrapper.write_text(f'#!/bin/sh\nexec "{torgd_bin}" --test-clock "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)

    def make(per_staff):
        srv = Torgd(str(wrapper), tmp_path / f"srv{len(made)}", config=staff_config(per_staff),
                    users=STAFF_USERS)
        made.append(srv)
        return srv.start()

    yield make
    for srv in made:
        if srv.proc is not None:
            srv.stop()
        else:
            srv.check_logs()


def db_rows(srv, sql, args=()):
    db = sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def staff_stats(srv, day, to=None, fmt="", user="mona", lang="en"):
    q = f"from={day.isoformat()}&to={(to or day).isoformat()}&group=staff"
    return srv.get(f"/api/v1/stats{fmt}?{q}" + (f"&lang={lang}" if fmt else ""),
                   token=srv.token(user))


def local_ms(day, hh, mm, ss=0):
    t = datetime.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=TZ)
    return int(t.timestamp() * 1000)


def test_off_by_default_records_nothing(make_clock_srv):
    for per_staff in (None, False):
        srv = make_clock_srv(per_staff)
        day = scenario_day()
        set_clock(srv, at(day, 0))
        srv.act("kari", "c1", "open", {"services": ["a"]})
        srv.issue("a")
        set_clock(srv, at(day, 5))
        srv.act("kari", "c1", "call-next")
        srv.act("kari", "c1", "start")
        srv.act("kari", "c1", "finish")
        srv.act("kari", "c1", "close")
        for fmt in ("", ".csv"):
            r = staff_stats(srv, day, fmt=fmt)
            assert r.status_code == 403, r.text
            err = r.json()["error"]
            assert err["code"] == "per_staff_off" and err["field"] == "group"
            assert "statistics.per_staff" in err["message"]
        # Other groupings still work and say per-staff figures are off.
        r = srv.ok(srv.get(f"/api/v1/stats?from={day}&to={day}", token=srv.token("mona")))
        assert r["per_staff"] is False and r["total"]["served"] == 1
        # Still manager-only before anything else.
        assert staff_stats(srv, day).status_code == 403
        assert staff_stats(srv, day, user="kari").json()["error"]["code"] == "forbidden"
        assert db_rows(srv, "SELECT COUNT(*) FROM staff_shifts") == [(0,)]


def wait_closed(srv, counter, timeout=10):
    """Waits until the public snapshot shows counter closed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = {x["id"]: x for x in srv.floor()["counters"]}[counter]
        if not c["open"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{counter} still open")


def run_staff_scenario(srv, day):
    """kari at c1 (two shifts), ola at c2; see the module doc and check_staff."""
    def step(minute, fn):
        set_clock(srv, at(day, minute))
        return fn()

    step(0, lambda: srv.act("kari", "c1", "open", {"services": ["a", "b"]}))
    step(0, lambda: srv.issue("a"))             # A001
    step(1, lambda: srv.issue("a"))             # A002
    step(2, lambda: srv.issue("b"))             # B001
    step(5, lambda: srv.act("kari", "c1", "call", {"number": "A001"}))
    step(6, lambda: srv.act("kari", "c1", "start"))
    step(16, lambda: srv.act("kari", "c1", "finish"))
    step(18, lambda: srv.act("ola", "c2", "open", {"services": ["b", "c"]}))
    step(20, lambda: srv.act("ola", "c2", "call", {"number": "B001"}))
    step(21, lambda: srv.act("ola", "c2", "start"))
    step(22, lambda: srv.act("kari", "c1", "call", {"number": "A002"}))
    step(24, lambda: srv.act("kari", "c1", "no-show"))
    step(29, lambda: srv.act("ola", "c2", "finish"))
    step(30, lambda: srv.act("kari", "c1", "close"))
    # The crash: the open and close just acknowledged must be on disk.
    srv.kill9()
    shifts = db_rows(srv, "SELECT name, counter, from_ms, to_ms FROM staff_shifts ORDER BY id")
    assert shifts == [("kari", "c1", at(day, 0), at(day, 30)),
                      ("ola", "c2", at(day, 18), None)]
    srv.start()
    srv.tokens.clear()
    step(50, lambda: srv.act("ola", "c2", "close"))
    step(60, lambda: srv.act("kari", "c1", "open", {"services": ["a", "b"]}))
    step(61, lambda: srv.issue("b"))            # B002
    step(62, lambda: srv.act("kari", "c1", "call-next"))
    step(63, lambda: srv.act("kari", "c1", "start"))
    step(73, lambda: srv.act("kari", "c1", "finish"))
    # The day ends with c1 still open: the rollover closes it (reason day_end).
    nextday = day + datetime.timedelta(days=1)
    set_clock(srv, local_ms(nextday, 4, 0, 1))
    wait_closed(srv, "c1")
    return nextday


def check_staff(srv, day, nextday):
    r = srv.ok(staff_stats(srv, day))
    assert (r["from"], r["to"], r["group"], r["per_staff"]) == \
        (day.isoformat(), day.isoformat(), "staff", True)
    rows = {x["staff"]: x for x in r["rows"]}
    assert [x["staff"] for x in r["rows"]] == ["kari", "ola"]
    # kari: served A001 (start 6 -> 16) and B002 (63 -> 73), no-show A002; busy 5-16,
    # 22-24, 62-73; signed on 08:00-08:30 and 09:00 to the day's end at 04:00.
    assert rows["kari"] == {"staff": "kari", "served": 2, "no_shows": 1,
                            "service_mean_s": 600, "service_p90_s": 600,
                            "signed_on_s": 1800 + 19 * 3600, "busy_s": 1440,
                            "busy_share": 0.021}
    # ola: served B001 (21 -> 29), busy 20-29, signed on 08:18-08:50.
    assert rows["ola"] == {"staff": "ola", "served": 1, "no_shows": 0,
                           "service_mean_s": 480, "service_p90_s": 480,
                           "signed_on_s": 1920, "busy_s": 540, "busy_share": 0.281}
    # The next day holds only the second after 04:00 of kari's day-end-closed shift.
    r2 = srv.ok(staff_stats(srv, nextday))
    assert r2["rows"] == [{"staff": "kari", "served": 0, "no_shows": 0,
                           "service_mean_s": None, "service_p90_s": None,
                           "signed_on_s": 1, "busy_s": 0, "busy_share": 0}]
    # Both days together add up.
    both = {x["staff"]: x for x in srv.ok(staff_stats(srv, day, to=nextday))["rows"]}
    assert both["kari"]["signed_on_s"] == 1800 + 19 * 3600 + 1 and both["ola"] == rows["ola"]
    # The CSV holds the same rows.
    c = staff_stats(srv, day, fmt=".csv")
    assert c.status_code == 200 and c.headers["Content-Type"].startswith("text/csv")
    assert "torg-staff-" in c.headers["Content-Disposition"]
    assert c.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert lines[0] == ["Staff", "Served", "No-shows", "Mean service time (s)",
                        "90th percentile service time (s)", "Signed-on time (s)",
                        "Busy time (s)", "Busy share"]
    assert len(lines) == 3
    figures = ["served", "no_shows", "service_mean_s", "service_p90_s", "signed_on_s",
               "busy_s", "busy_share"]
    for line in lines[1:]:
        want = rows[line[0]]
        for name, cell in zip(figures, line[1:]):
            assert float(cell) == pytest.approx(want[name], abs=1e-9), (line[0], name)
    # In bokmål: ';', decimal comma, the header in bokmål.
    nb = staff_stats(srv, day, fmt=".csv", lang="nb").content.decode("utf-8-sig")
    head, first = nb.split("\r\n")[:2]
    assert head.startswith("Ansatt;Betjent;Møtte ikke;") and head.endswith(";Andel opptatt")
    assert first.split(";")[0] in rows and "." not in first
    # The other groupings say per-staff figures are on.
    assert srv.ok(srv.get(f"/api/v1/stats?from={day}&to={day}",
                          token=srv.token("mona")))["per_staff"] is True


def test_scenario_with_crash_and_day_end(make_clock_srv):
    srv = make_clock_srv(True)
    day = scenario_day()
    nextday = run_staff_scenario(srv, day)
    shifts = db_rows(srv, "SELECT name, counter, from_ms, to_ms FROM staff_shifts ORDER BY id")
    assert shifts == [("kari", "c1", at(day, 0), at(day, 30)),
                      ("ola", "c2", at(day, 18), at(day, 50)),
                      ("kari", "c1", at(day, 60), local_ms(nextday, 4, 0, 1))]
    check_staff(srv, day, nextday)
    # Nothing about staff in the events or the public snapshot.
    for name in ("kari", "ola"):
        assert db_rows(srv, "SELECT COUNT(*) FROM journal WHERE json LIKE ?",
                       (f"%{name}%",)) == [(0,)]
        assert name not in srv.get("/api/v1/floor").text
    srv.restart()
    check_staff(srv, day, nextday)


def test_purge_deletes_shifts(make_clock_srv):
    srv = make_clock_srv(True)
    day = scenario_day()
    run_staff_scenario(srv, day)
    before = srv.ok(srv.get(f"/api/v1/stats?from={day}&to={day}&group=counter",
                            token=srv.token("mona")))
    later = day + datetime.timedelta(days=100)
    set_clock(srv, at(later, 0))
    srv.act("ola", "c2", "open")  # a shift inside the retention: kept
    r = srv.ok(srv.post("/api/v1/test/purge", token=srv.token("admin")))
    assert r["folded_days"] >= 1
    assert db_rows(srv, "SELECT name, from_ms, to_ms FROM staff_shifts") == \
        [("ola", at(later, 0), None)]
    # No per-staff figure survives the purge; the anonymous figures do.
    assert srv.ok(staff_stats(srv, day))["rows"] == []
    assert srv.ok(srv.get(f"/api/v1/stats?from={day}&to={day}&group=counter",
                          token=srv.token("mona"))) == before
    tables = [t for (t,) in db_rows(srv, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND (name LIKE 'stats%' OR name IN"
                                         " ('journal', 'legs', 'tickets', 'counters'))")]
    assert "stats_cells" in tables
    for t in tables:
        for row in db_rows(srv, f"SELECT * FROM {t}"):
            for v in row:
                assert not (isinstance(v, str) and ("kari" in v or "ola" in v)), (t, row)
