"""Many rounds of `kill -9` under mixed load: kiosks issuing tickets over HTTP, counter
staff calling, serving, finishing and transferring over HTTP and over the WebSocket, an
unfiltered display and a filtered one. After every kill torgd restarts on the same
database, and then: every acknowledged ticket is there with its number, every
acknowledged counter action has its event in the journal, no number was given twice,
the floor's seq is not behind anything a client was told, every event a display was
pushed is, byte for byte as JSON, the journal's event of that seq, and the filtered
display resumes from its last seq (skips included) with exactly its services' events.

TORG_CRASH_ROUNDS sets the number of rounds (default 8)."""

import json
import os
import sqlite3
import threading
import time

import requests

from torgtest import HTTP_TIMEOUT, WsClosed, concerns, follow_stream as follow, issue_burst

ROUNDS = int(os.environ.get("TORG_CRASH_ROUNDS", "8"))
UPSTAIRS = {"housing", "social"}
ACTION_EVENT = {"call-next": "ticket.called", "start": "ticket.serving",
                "finish": "ticket.done", "transfer": "ticket.transferred",
                "open": "counter.opened", "call_next": "ticket.called"}


def journal(srv):
    """The journal's events as {seq: parsed JSON} (read from the database file)."""
    db = sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True, timeout=10)
    try:
        return {seq: json.loads(j) for seq, j in db.execute("SELECT seq, json FROM journal")}
    finally:
        db.close()


class Recorder:
    """A display session that keeps every message until its connection dies."""

    def __init__(self, srv, hello):
        self.msgs = []
        self.c = srv.ws(hello, max_queue=None)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            try:
                self.msgs.append(self.c.recv(30))
            except (WsClosed, TimeoutError, Exception):  # noqa: B014 (any end of the stream)
                return

    def join(self):
        self.t.join(10)
        self.c.close()


def counter_staff(srv, stop, acked, user, counter, token):
    """Works a counter over HTTP until the server goes away: open, call, start, then finish
    or transfer, by what the last answer said; keeps every acknowledged action."""
    s = requests.Session()
    s.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    current, opened, n = None, False, 0
    while not stop.is_set():
        if not opened:
            op, body = "open", None
        elif current is None:
            op, body = "call-next", None
        elif current["state"] == "called":
            op, body = "start", None
        elif n % 3 == 0:
            op, body = "transfer", {"service": "social" if current["service"] != "social"
                                    else "housing", "position": "back"}
        else:
            op, body = "finish", None
        n += 1
        try:
            r = s.post(f"{srv.base}/api/v1/counters/{counter}/{op}",
                       data=json.dumps(body) if body else None, timeout=HTTP_TIMEOUT)
        except requests.RequestException:
            return
        if r.status_code in (200, 204):
            ans = r.json() if r.content else {}
            c = ans.get("counter") or {}
            opened = bool(c.get("open", opened))
            current = c.get("current")
            number = (ans.get("ticket") or {}).get("number")
            if op not in ("open", "call-next") and not number:
                raise AssertionError(f"{op} at {counter} answered {r.status_code} without "
                                     f"a ticket: {ans}")
            acked.append((op, counter, number))
            if r.status_code == 204:
                time.sleep(0.02)
        elif r.status_code == 409:
            f = s.get(srv.base + "/api/v1/floor", timeout=HTTP_TIMEOUT).json()
            c = next(x for x in f["counters"] if x["id"] == counter)
            opened, current = c["open"], c.get("current")
        else:
            raise AssertionError(f"{op} at {counter}: {r.status_code} {r.text[:200]}")


def ws_staff(srv, stop, acked, token):
    """Calls and serves at c1 over the WebSocket; keeps every acknowledged reply."""
    try:
        c = srv.ws({"type": "hello", "services": ["reception"], "token": token})
        c.recv()
    except Exception:  # noqa: B014 (the server may be gone already)
        return
    i = 0
    try:
        c.send({"type": "cmd", "id": 0, "op": "open", "counter": "c1"})
        while not stop.is_set():
            for op in ("call_next", "start", "finish"):
                i += 1
                c.send({"type": "cmd", "id": i, "op": op, "counter": "c1"})
                while True:
                    m = c.recv(HTTP_TIMEOUT)
                    if m.get("type") == "reply" and m.get("id") == i:
                        break
                number = (m.get("ticket") or {}).get("number")
                if m["ok"] and number:
                    acked.append((op, "c1", number))
                if op == "call_next" and not (m["ok"] and number):
                    break  # nobody waits (or the counter is busy): try again
            time.sleep(0.01)
    except (WsClosed, TimeoutError, Exception):  # noqa: B014 (the kill)
        return
    finally:
        c.close()


def test_kill9_rounds_under_mixed_load(srv):
    tokens = {u: srv.login(u) for u in ("kari", "ola", "per")}
    tickets, actions = [], []
    filtered_since = None
    for rnd in range(ROUNDS):
        stop = threading.Event()
        hall = Recorder(srv, {"type": "hello"})
        up_hello = {"type": "hello", "display": "upstairs"}
        if filtered_since is not None:
            up_hello["since"] = filtered_since
        up = Recorder(srv, up_hello)
        threads = [threading.Thread(target=issue_burst, args=(srv, svcs, stop, tickets))
                   for svcs in (["nav", "housing"], ["social", "reception"])]
        threads += [threading.Thread(target=counter_staff,
                                     args=(srv, stop, actions, u, c, tokens[u]))
                    for u, c in (("ola", "c3"), ("per", "c2"))]
        threads.append(threading.Thread(target=ws_staff, args=(srv, stop, actions, tokens["kari"])))
        for t in threads:
            t.start()
        time.sleep(0.6 + 0.1 * (rnd % 4))
        srv.kill9()
        stop.set()
        for t in threads:
            t.join(HTTP_TIMEOUT + 5)
        hall.join()
        up.join()
        srv.start()

        j = journal(srv)
        seq_now = srv.healthz()["seq"]
        # every event pushed is the journal's, and the floor is not behind any of them
        for m in hall.msgs + up.msgs:
            if m.get("type") == "event":
                assert m["seq"] <= seq_now
                assert j[m["seq"]] == m, f"round {rnd}: pushed event {m['seq']} differs"
        # the filtered display followed its skips with no gap, and saw its services only
        start = up.msgs[0]["since"] if up.msgs and up.msgs[0]["type"] == "resume" else None
        evs, told = follow(up.msgs, start if start is not None else 0)
        assert all(concerns(e, UPSTAIRS) for e in evs), round
        if start is not None:  # a resume: exactly the journal's events of its filter
            want = [s for s in sorted(j) if start < s <= told and concerns(j[s], UPSTAIRS)]
            assert [e["seq"] for e in evs] == want, f"round {rnd}: filtered resume"
        filtered_since = told

    # every acknowledged ticket is there, numbers never twice
    for tid, number, service in tickets:
        srv.secrets.add(tid)
        t = srv.ticket(tid)
        assert (t["number"], t["issued_at"] is not None) == (number, True), t
    assert len({n for _, n, _ in tickets}) == len(tickets), "a number was given twice"
    assert len(tickets) >= 10 * ROUNDS, f"only {len(tickets)} tickets in {ROUNDS} rounds"
    # every acknowledged counter action has its event in the journal
    j = journal(srv)
    have = {(e["kind"], e.get("counter"), (e.get("ticket") or {}).get("number"))
            for e in j.values()}
    missing = [a for a in actions if a[0] in ACTION_EVENT and (a[2] or a[0] == "open") and
               (ACTION_EVENT[a[0]], a[1], a[2] if a[0] != "open" else None) not in have]
    assert not missing, f"acknowledged but not in the journal: {missing[:5]}"
    assert len([a for a in actions if a[0] in ("finish", "transfer")]) >= ROUNDS
