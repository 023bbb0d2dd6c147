"""torgd's log lines when stderr is systemd's journal: systemd sets JOURNAL_STREAM to
"DEV:INO" of the stream it gave as stderr (systemd.exec(5)); torgd then starts each line
with the syslog priority ("<4>warn: ...", which journald turns into PRIORITY=) instead of
"torgd: ". The test plays systemd with a file: JOURNAL_STREAM names the file torgd gets
as stderr. When the variable does not match stderr (a child whose stderr was
redirected), or is not DEV:INO, the lines stay as they are on a terminal."""

import json
import os
import re
import subprocess

import pytest

from torgtest import BASE_CONFIG


def journal_run(make_server, stream):
    """Starts and stops a torgd (with --test-clock, which logs a warning) whose
    JOURNAL_STREAM is stream(stat of its stderr file); returns its stderr lines."""
    srv = make_server(users={}, start=False, test_clock=True)
    path = os.path.join(srv.workdir, "torgd-1.stderr")  # what Torgd.start opens first
    open(path, "w").close()  # start() truncates it: same inode
    srv.env = {"JOURNAL_STREAM": stream(os.stat(path))}
    srv.start()
    srv.stop()
    assert srv.stderr_path == path
    return srv.read_stderr().splitlines()


def test_lines_carry_priorities_in_the_journal(make_server):
    lines = journal_run(make_server, lambda st: f"{st.st_dev}:{st.st_ino}")
    assert lines, "torgd logged nothing"
    for line in lines:
        assert re.match(r"<[2-7]>(fatal|error|warn|info|debug): ", line), line
    assert any(re.match(r"<6>info: listening on http://127\.0\.0\.1:\d+$", l) for l in lines)
    assert any(l.startswith("<4>warn: --test-clock") for l in lines), lines
    assert "<6>info: stopped cleanly" in lines


@pytest.mark.parametrize("stream", [
    lambda st: f"{st.st_dev}:{st.st_ino + 1}",  # another file: stderr was redirected
    lambda st: f"{st.st_dev}:{st.st_ino}x",
    lambda st: "",
])
def test_lines_stay_plain_elsewhere(make_server, stream):
    lines = journal_run(make_server, stream)
    assert any(re.match(r"torgd: info: listening on http://", l) for l in lines), lines
    assert any(l.startswith("torgd: warn: --test-clock") for l in lines), lines
    assert not any(l.startswith("<") for l in lines), lines


def test_a_refusal_to_start_is_an_error_in_the_journal(torgd_bin, tmp_path):
    """Why torgd will not start (here: a database that is a folder's name taken by a
    file) is what an operator looks for in `journalctl -p err`: it carries <3>, and
    stays "torgd: ..." on a terminal."""
    cfg = tmp_path / "floor.json"
    cfg.write_text(json.dumps(BASE_CONFIG))
    (tmp_path / "taken").write_text("")
    db = str(tmp_path / "taken" / "torg.db")
    err = tmp_path / "stderr"
    for journal in (True, False):
        with open(err, "w") as f:
            env = dict(os.environ)
            st = os.fstat(f.fileno())
            env.pop("JOURNAL_STREAM", None)
            if journal:
                env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
            r = subprocess.run([torgd_bin, "--config", str(cfg), "--db", db,
                                "--listen", "127.0.0.1:0"], stderr=f, env=env, timeout=30)
        assert r.returncode == 1
        text = err.read_text()
        want = "<3>" if journal else "torgd: "
        assert text.startswith(want) and "is not a directory" in text, text
