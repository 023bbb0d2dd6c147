"""Fixtures of the torgd integration suite.

TORGD=/path/to/torgd selects the binary (default: build/server/torgd of this tree).
Every server runs in the test's own temporary directory with its own config, database
and stderr log; at teardown it gets SIGTERM and must exit 0 with no sanitizer report and
no secret (password, ticket id, session token) in its output. When TORG_ARTIFACTS names a
directory, the stderr logs of failed tests are copied there.
"""

import os
import shutil

import pytest

from torgtest import ROOT_DIR, Torgd


def pytest_runtest_makereport(item, call):
    """Remembers each phase's outcome on the item so fixtures can see a failure."""
    if call.when == "call":
        item.torg_failed = call.excinfo is not None


@pytest.fixture(scope="session")
def torgd_bin():
    """The torgd binary under test."""
    path = os.environ.get("TORGD") or os.path.join(ROOT_DIR, "build", "server", "torgd")
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        pytest.fail(f"torgd not found at {path}: build it (ninja -C build server/torgd) "
                    "or set TORGD", pytrace=False)
    return path


@pytest.fixture
def make_server(torgd_bin, tmp_path, request):
    """Factory: make_server(config=None, users=None, start=True, test_clock=False) ->
    Torgd. A started server with the default users has its day settled
    (Torgd.settle_day); test_clock runs it with --test-clock (POST /api/v1/test/clock).
    Every server made is stopped at teardown, asserting exit 0 and clean logs."""
    made = []

    def make(config=None, users=None, start=True, test_clock=False):
        srv = Torgd(torgd_bin, tmp_path / f"srv{len(made)}", config=config, users=users)
        if test_clock:
            srv.args.append("--test-clock")
        made.append(srv)
        if start:
            srv.start()
            if users is None:
                srv.settle_day()
        return srv

    yield make

    errors = []
    for srv in made:
        try:
            if srv.proc is not None:
                srv.stop()
            else:
                srv.check_logs()
        except AssertionError as e:
            errors.append(str(e))
    dest = os.environ.get("TORG_ARTIFACTS")
    if dest and (errors or getattr(request.node, "torg_failed", False)):
        d = os.path.join(dest, request.node.name.replace("/", "_"))
        os.makedirs(d, exist_ok=True)
        for i, srv in enumerate(made):
            for p in srv.stderr_paths:
                shutil.copy(p, os.path.join(d, f"srv{i}-{os.path.basename(p)}"))
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture
def srv(make_server):
    """The default test floor (torgtest.BASE_CONFIG, BASE_USERS), started."""
    return make_server()
