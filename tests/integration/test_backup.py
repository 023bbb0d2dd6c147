"""Backup, restore and check: `torgd backup` under a load of ticket operations is one
consistent snapshot that holds every operation acknowledged before it began; `torgd restore`
refuses while a torgd holds the database and puts the backup in place of a stopped one's;
the restored torgd carries the numbering and the event sequence on; `torgd check` passes a
good database and reports a damaged one, one line per problem."""

import os
import sqlite3
import threading
import time

import pytest

from torgtest import HTTP_TIMEOUT, issue_burst

# Bulk the database up so that the backup takes many steps (4 MiB each) while torgd
# commits beside it: a copy that restarted on every commit would never finish.
BULK_MB = 48
RANK = {"waiting": 0, "called": 1, "serving": 2, "done": 3}


def bulk_up(path):
    """Adds a table of BULK_MB MiB of random bytes to a (stopped) torgd's database."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE bulk (x BLOB)")
    db.executemany("INSERT INTO bulk VALUES (?)",
                   ((os.urandom(4000),) for _ in range(BULK_MB * 256)))
    db.commit()
    db.close()


def serve_counter(srv, stop, moves):
    """Calls, starts and finishes tickets at c3 until stop; appends (number, state) for
    every acknowledged action, in order."""
    token = srv.token("ola")
    srv.open_counter("ola", "c3")
    while not stop.is_set():
        for op in ("call-next", "start", "finish"):
            r = srv.request("POST", f"/api/v1/counters/c3/{op}", token=token)
            if r.status_code == 204:
                time.sleep(0.01)
                break
            assert r.status_code == 200, (op, r.status_code, r.text[:200])
            t = r.json()["ticket"]
            moves.append((t["number"], t["state"]))


def test_backup_under_load_restores_every_acknowledged_ticket(make_server):
    srv = make_server(start=False)
    bulk_up(srv.db_path)
    srv.start()
    srv.settle_day()
    stop = threading.Event()
    acked, moves, failures = [], [], []
    threads = [threading.Thread(target=issue_burst, args=(srv, svc, stop, acked, failures))
               for svc in (["nav"], ["housing", "social"], ["nav", "reception"])]
    threads.append(threading.Thread(target=serve_counter, args=(srv, stop, moves)))
    for t in threads:
        t.start()
    while len(acked) < 200 and not failures:
        time.sleep(0.01)
    backup = os.path.join(srv.workdir, "..", "backup.db")
    n_acked, n_moves = len(acked), len(moves)
    r = srv.cli("backup", backup, "--progress")
    during = len(acked) - n_acked
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(HTTP_TIMEOUT + 5)
    assert not failures, failures
    assert r.returncode == 0, r.stderr
    assert "backup: " in r.stdout and "pages" in r.stdout, r.stdout
    assert r.stderr.rstrip().endswith("(100%)"), r.stderr
    assert during > 0, "no ticket was acknowledged while the backup ran: not under load"
    assert not os.path.exists(backup + "-wal"), "the backup must stand alone"
    leftovers = [f for f in os.listdir(os.path.dirname(backup)) if ".partial-" in f]
    assert not leftovers, leftovers

    # A running torgd holds the database: restore refuses and names it.
    r = srv.cli("restore", backup)
    assert r.returncode == 1
    assert "in use by another torgd" in r.stderr and "stop it first" in r.stderr, r.stderr
    old_token = srv.token("ola")
    srv.stop()

    # Restore into a fresh database path and serve it.
    dst = make_server(users={}, start=False)
    r = dst.cli("restore", backup)
    assert r.returncode == 0, r.stderr
    assert "before-restore" not in r.stdout, "there was no database to keep"
    dst.start()
    dst.secrets |= srv.secrets
    # Every ticket acknowledged before the backup began is there, in at least the state
    # acknowledged before it began and at most the last one acknowledged at all.
    first = {}
    for number, state in moves[:n_moves]:
        first[number] = state
    last = {}
    for number, state in moves:
        last[number] = state
    for tid, number, service in acked[:n_acked]:
        t = dst.ticket(tid)
        assert (t["number"], t["service"]) == (number, service), t
        lo = RANK[first.get(number, "waiting")]
        hi = RANK[last.get(number, "waiting")]
        assert lo <= RANK[t["state"]] <= hi, (number, t["state"], lo, hi)
    # The sequence and the numbering carry on from the snapshot.
    seq = dst.seq()
    assert seq >= n_acked
    new = dst.issue("nav")
    assert dst.seq() == seq + 1
    kept = [int(n[1:]) for _, n, s in acked[:n_acked] if s == "nav"]
    assert int(new["number"][1:]) > max(kept)
    # Staff users came along; their sign-in sessions did not.
    assert dst.get("/api/v1/me", token=old_token).status_code == 401
    dst.tokens.clear()
    assert dst.get("/api/v1/me", token=dst.login("ola")).status_code == 200
    dst.stop()
    r = dst.cli("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(dst.db_path + ": ok"), r.stdout


def test_backup_refuses_an_existing_path_without_force(make_server):
    srv = make_server()
    srv.issue("nav")
    target = os.path.join(srv.workdir, "exists.db")
    with open(target, "w") as f:
        f.write("keep me")
    r = srv.cli("backup", target)
    assert r.returncode == 1
    assert "exists; give --force" in r.stderr, r.stderr
    with open(target) as f:
        assert f.read() == "keep me"
    r = srv.cli("backup", target, "--force")
    assert r.returncode == 0, r.stderr
    r = srv.cli("--db", target, "check")  # the later --db wins
    assert r.returncode == 0 and ": ok" in r.stdout, r.stdout + r.stderr
    r = srv.cli("backup", os.path.join(srv.workdir, "no", "such", "dir.db"))
    assert r.returncode == 1 and "cannot write in" in r.stderr, r.stderr
    # Never "into" the live database or its side files, whatever the spelling.
    for name in ("torg.db", "torg.db-wal", "torg.db-shm"):
        r = srv.cli("backup", os.path.join(srv.workdir, ".", name), "--force")
        assert r.returncode == 1 and "is the database itself" in r.stderr, r.stderr
    assert srv.issue("nav")["number"] == "B002"


def test_restore_refuses_what_is_not_a_torg_database(make_server, tmp_path):
    srv = make_server(users={}, start=False)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(8192))
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    for path in (garbage, other):
        r = srv.cli("restore", str(path))
        assert r.returncode == 1, r.stdout
        assert "not a torg database" in r.stderr, r.stderr
    r = srv.cli("restore", str(tmp_path / "missing.db"))
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    assert not os.path.exists(srv.db_path)
    assert not [f for f in os.listdir(srv.workdir) if ".restore-" in f]


def test_restore_over_a_database_keeps_the_old_one(make_server, tmp_path):
    srv = make_server()
    srv.issue("nav")
    backup = str(tmp_path / "b.db")
    assert srv.cli("backup", backup).returncode == 0
    srv.issue("nav")
    seq = srv.seq()
    srv.stop()
    r = srv.cli("restore", backup)
    assert r.returncode == 0, r.stderr
    kept = [f for f in os.listdir(srv.workdir) if ".before-restore-" in f]
    assert len(kept) == 1, kept
    assert not os.path.exists(srv.db_path + "-wal")
    r = srv.cli("--db", os.path.join(srv.workdir, kept[0]), "check")
    assert r.returncode == 0, r.stdout
    srv.start()
    assert srv.seq() == seq - 1  # the second ticket came after the backup


def root_page(path, name):
    """The page number of a table's or index's b-tree root, and the page size."""
    db = sqlite3.connect(path)
    page = db.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (name,)).fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return page, size


def test_check_passes_a_good_database_and_reports_damage(make_server, tmp_path):
    srv = make_server()
    for _ in range(300):
        srv.issue("nav")
    srv.open_counter("ola", "c3")
    srv.act("ola", "c3", "call-next")
    r = srv.cli("check")  # while torgd runs: read in one snapshot
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok: journal seq 1 to" in r.stdout and "300 tickets" in r.stdout, r.stdout
    good = str(tmp_path / "good.db")
    assert srv.cli("backup", good).returncode == 0

    # A b-tree page with its header overwritten.
    broken = str(tmp_path / "broken.db")
    with open(good, "rb") as f:
        data = bytearray(f.read())
    page, size = root_page(good, "journal_day")
    off = (page - 1) * size
    data[off:off + 12] = b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
    with open(broken, "wb") as f:
        f.write(data)
    r = srv.cli("--db", broken, "check")
    assert r.returncode == 1, r.stdout
    lines = r.stdout.splitlines()
    assert lines and all(ln.startswith(broken + ": ") for ln in lines), r.stdout
    assert any("integrity" in ln for ln in lines), r.stdout

    # The journal's own invariants: a lost event, a table out of step with the journal.
    gap = str(tmp_path / "gap.db")
    db = sqlite3.connect(good)
    db.execute("VACUUM INTO ?", (gap,))
    db.close()
    db = sqlite3.connect(gap)
    db.execute("DELETE FROM journal WHERE seq = 10")
    db.execute("UPDATE tickets SET state = 'done' WHERE handle = 200")
    db.commit()
    db.close()
    r = srv.cli("--db", gap, "check")
    assert r.returncode == 1
    assert "seq 10 is missing" in r.stdout, r.stdout
    db = sqlite3.connect(gap)
    db.execute("INSERT INTO journal SELECT 10, at_ms, day, kind, ticket, service, from_service,"
               " counter, number, leg, priority, front, reason, services, token, json"
               " FROM journal WHERE seq = 9")
    db.commit()
    db.close()
    r = srv.cli("--db", gap, "check")
    assert r.returncode == 1
    assert "seq 10 (ticket.issued) does not replay" in r.stdout, r.stdout
    fixed = str(tmp_path / "fixed.db")
    db = sqlite3.connect(good)
    db.execute("VACUUM INTO ?", (fixed,))
    db.close()
    db = sqlite3.connect(fixed)
    db.execute("UPDATE tickets SET state = 'done' WHERE handle = 200")
    db.commit()
    db.close()
    r = srv.cli("--db", fixed, "check")
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        f"{fixed}: tickets: day {day_of(fixed)} ticket B201: the table's state differs from "
        "the journal's"], r.stdout


def day_of(path):
    """The newest day of the tickets table."""
    db = sqlite3.connect(path)
    day = db.execute("SELECT MAX(day) FROM tickets").fetchone()[0]
    db.close()
    return day


def test_root_restores_for_the_owner_of_the_directory(make_server, tmp_path):
    """Run as root (a package's torgd runs as its own user): the restored database and its
    lock file belong to the state directory's owner, or torgd could not open them."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    srv = make_server()
    srv.issue("nav")
    backup = str(tmp_path / "b.db")
    assert srv.cli("backup", backup).returncode == 0
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 65534, 65534)
    db = str(state / "torg.db")
    r = srv.cli("--db", db, "restore", backup)
    assert r.returncode == 0, r.stderr
    for f in ("torg.db", "torg.db-lock"):
        st = os.stat(state / f)
        assert (st.st_uid, st.st_gid) == (65534, 65534), f


def test_restore_after_a_crash_keeps_the_old_wal(make_server, tmp_path):
    """Over a database a killed torgd left with its -wal: the kept old database holds what
    only the WAL had, and the restored one has no stale -wal beside it."""
    srv = make_server()
    srv.issue("nav")
    backup = str(tmp_path / "b.db")
    assert srv.cli("backup", backup).returncode == 0
    snap = srv.seq()
    for _ in range(20):
        srv.issue("nav")
    seq = srv.seq()
    srv.kill9()
    assert os.path.exists(srv.db_path + "-wal")
    r = srv.cli("restore", backup)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(srv.db_path + "-wal")
    kept = [f for f in os.listdir(srv.workdir) if ".before-restore-" in f]
    assert len(kept) == 1, kept  # the WAL was folded into it, not kept beside it
    r = srv.cli("--db", os.path.join(srv.workdir, kept[0]), "check")
    assert r.returncode == 0 and f"to {seq} (" in r.stdout, r.stdout
    r = srv.cli("check")
    assert r.returncode == 0 and f"to {snap} (" in r.stdout, r.stdout
