"""bench/torg-load against a real torgd, briefly and untimed: it must finish (exit 0),
every operation must be answered, and every subscriber must see each event once: no
loss (a seq gap no skip explains), no repeat, and deliveries at all. Both an unfiltered
hello and a filtered display (skip messages) are covered. No figure is judged: this
only checks that the load tool measures what it claims on the real server.

The binary is TORG_LOAD, else bench/torg-load of the build TORGD comes from.
"""

import json
import os
import subprocess

import pytest

from torgtest import password_of


@pytest.fixture
def load_bin(torgd_bin):
    """The torg-load binary beside the torgd under test."""
    path = os.environ.get("TORG_LOAD") or os.path.join(
        os.path.dirname(os.path.dirname(torgd_bin)), "bench", "torg-load")
    if not os.access(path, os.X_OK):
        pytest.fail(f"torg-load not found at {path}: build it (ninja -C build "
                    "bench/torg-load) or set TORG_LOAD", pytrace=False)
    return path


@pytest.mark.parametrize("display", ["", "upstairs"])
def test_torg_load_sees_every_event_once(srv, load_bin, display):
    cmd = [load_bin, "--port", str(srv.port), "--server-pid", str(srv.proc.pid),
           "--displays", "20", "--display", display, "--phones", "10", "--staff", "2",
           "--user", "admin", "--rates", "20,60", "--seconds", "1.5", "--drain", "5",
           "--json"]
    env = dict(os.environ, TORG_LOAD_PASSWORD=password_of("admin"))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, f"torg-load exited {r.returncode}:\n{r.stderr[-3000:]}"
    steps = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert len(steps) == 2, r.stdout
    for s in steps:
        where = f"step {s['rate']:g}/s: {s}"
        assert s["open"] == 32, where
        assert s["acked"] + s["errors"] == s["ops"] and s["unanswered"] == 0, where
        assert s["errors"] == 0, where
        assert s["lost"] == 0 and s["repeated"] == 0, where
        assert s["deliveries"] > 0 and s["events"] > 0, where
        assert s["behind"] == 0 and s["closed"] == 0, where
        assert s["unresolved"] == 0, where
        # every operation that made an event was matched to it
        assert s["dlv_p50_ms"] >= 0 and s["last_p99_ms"] >= 0, where
    # the key=value line of each step is printed too
    assert sum(line.startswith("server=torgd ") for line in r.stdout.splitlines()) == 2
