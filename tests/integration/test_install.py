"""Where torgd finds its pages, and what `meson install` puts where: a torgd run from the
build tree serves the source tree's pages (every other test relies on that); a torgd
installed with `meson install --destdir` serves the pages installed beside it, without
--www; and a pages folder that is missing, not a folder, unreadable or without a
readable index.html stops torgd at start-up with exit 1 and one line naming the path
(it used to start and answer every page with 404)."""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from torgtest import BASE_CONFIG, ROOT_DIR, free_port, need_tool


def build_dir(torgd_bin):
    """The meson build directory torgd_bin was built in (…/server/torgd)."""
    d = os.path.dirname(os.path.dirname(torgd_bin))
    if not os.path.isdir(os.path.join(d, "meson-info")):
        pytest.fail(f"{torgd_bin} is not in a meson build directory", pytrace=False)
    return d


def refused(binary, workdir, www, as_nobody=False):
    """Runs binary with --www www (None: no --www) on a config of its own in workdir;
    asserts it exits 1 within seconds and returns its one line of stderr."""
    cfg = os.path.join(workdir, "floor.json")
    with open(cfg, "w", encoding="utf-8") as f:
        json.dump(BASE_CONFIG, f)
    os.chmod(cfg, 0o644)
    cmd = [binary, "--config", cfg, "--db", os.path.join(workdir, "torg.db"),
           "--listen", f"127.0.0.1:{free_port()}"]
    if www is not None:
        cmd += ["--www", www]

    def drop():  # root reads everything: the unreadable cases need another user
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=workdir,
                       preexec_fn=drop if as_nobody else None)
    assert r.returncode == 1, f"exit {r.returncode}, stderr:\n{r.stderr}"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{r.stderr}"
    return lines[0]


@pytest.fixture
def world_dir():
    """A temporary folder every user can enter (pytest's own is private to root)."""
    d = tempfile.mkdtemp(prefix="torg-install-")
    os.chmod(d, 0o755)
    yield d
    for root, dirs, _ in os.walk(d):
        for x in dirs:
            os.chmod(os.path.join(root, x), 0o755)
    shutil.rmtree(d, ignore_errors=True)


def test_missing_pages_folder(torgd_bin, world_dir):
    gone = os.path.join(world_dir, "no-such-www")
    line = refused(torgd_bin, world_dir, gone)
    assert gone in line and "No such file or directory" in line, line


def test_pages_folder_is_a_file(torgd_bin, world_dir):
    f = os.path.join(world_dir, "www")
    open(f, "w").close()
    line = refused(torgd_bin, world_dir, f)
    assert f in line and "Not a directory" in line, line


def test_pages_folder_without_index(torgd_bin, world_dir):
    www = os.path.join(world_dir, "www")
    os.mkdir(www)
    line = refused(torgd_bin, world_dir, www)
    assert www in line and "index.html" in line, line


@pytest.mark.parametrize("what", ["folder", "index"])
def test_unreadable_pages(torgd_bin, world_dir, what):
    """An unreadable folder (mode 000) or index.html (mode 000); as root the test runs
    torgd as nobody, since root reads them all the same."""
    www = os.path.join(world_dir, "www")
    os.mkdir(www)
    index = os.path.join(www, "index.html")
    with open(index, "w") as f:
        f.write("<!doctype html>")
    os.chmod(www if what == "folder" else index, 0o000)
    line = refused(torgd_bin, world_dir, www, as_nobody=os.geteuid() == 0)
    assert www in line and "Permission denied" in line, line


def installed(destdir, suffix):
    """The one installed file whose path ends with suffix."""
    found = [os.path.join(r, f) for r, _, fs in os.walk(destdir) for f in fs
             if os.path.join(r, f).endswith(suffix)]
    assert len(found) == 1, f"{suffix}: {found}"
    return found[0]


def test_meson_install_serves_the_installed_pages(torgd_bin, make_server, tmp_path):
    """`meson install --destdir` of this build: everything where Debian expects it, and
    the staged torgd serves /, /display/hall and /kiosk from the staged datadir (a
    marker added to the staged index.html comes back, so they are not the source's)."""
    dest = str(tmp_path / "dest")
    r = subprocess.run(["meson", "install", "-C", build_dir(torgd_bin), "--destdir", dest,
                        "--no-rebuild", "--quiet"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    torgd = installed(dest, "/bin/torgd")
    installed(dest, "/bin/torg-display")
    for unit in ("torgd@.service", "torg-display@.service"):
        text = open(installed(dest, "/systemd/system/" + unit), encoding="utf-8").read()
        assert "@bindir@" not in text and "@datadir@" not in text, unit
        bindir = os.path.dirname(torgd)[len(dest):]
        assert f"ExecStart={bindir}/torg" in text, unit
    installed(dest, "/share/man/man8/torgd.8")
    installed(dest, "/share/man/man1/torg-display.1")
    demo = open(os.path.join(ROOT_DIR, "config", "demo-floor.json"), "rb").read()
    for name in ("floor.json", "demo.json"):
        assert open(installed(dest, "/etc/torg/" + name), "rb").read() == demo, name
    index = installed(dest, "/share/torg/www/index.html")
    marker = "<!-- staged by test_install -->"
    with open(index, "a", encoding="utf-8") as f:
        f.write(marker)

    srv = make_server(users={}, start=False)
    srv.binary = torgd  # no --www: the pages must come from the staged datadir
    srv.start()
    assert marker in srv.get("/").text
    for path in ("/display/hall", "/kiosk"):
        r = srv.get(path)
        assert r.status_code == 200 and "<html" in r.text.lower(), path

    # the same install without its pages is refused, naming the staged folder
    srv.stop()
    shutil.rmtree(os.path.dirname(index))
    line = refused(torgd, str(tmp_path), None)
    assert os.path.dirname(index) in line, line


def man_text(page):
    """deploy/man/PAGE rendered as plain text by man(1); asserts groff warns of nothing."""
    tool = need_tool("man", "lintian, from deploy/install-deps, brings man-db")
    r = subprocess.run([tool, "--warnings", "-l", os.path.join(ROOT_DIR, "deploy", "man", page)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "MANWIDTH": "100", "MAN_KEEP_FORMATTING": "",
                            "LC_ALL": "C.UTF-8"})
    assert r.returncode == 0 and r.stderr.strip() == "", f"man {page}:\n{r.stderr}"
    return re.sub(r"\s+", " ", r.stdout.replace("\u2010", "-"))


@pytest.mark.parametrize("page,program", [("torgd.8", "server/torgd"),
                                          ("torg-display.1", "display-client/torg-display")])
def test_man_page_documents_every_option(torgd_bin, page, program):
    """Every --option and subcommand word of the program's --help is in its man page."""
    binary = os.path.join(os.path.dirname(os.path.dirname(torgd_bin)), program)
    r = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    text = man_text(page)
    words = set(re.findall(r"--[a-z][a-z-]*", r.stdout))
    words |= {f"torgd {w}" for w in re.findall(r"^\s*(?:usage:)?\s*torgd ([a-z]+)", r.stdout,
                                                re.M)}
    words |= {" ".join(m) for m in re.findall(
        r"torgd (user) (add|list|remove|passwd|disable|enable|set)", r.stdout)}
    assert len(words) > 5, r.stdout
    missing = sorted(w for w in words if w.replace("torgd ", "") not in text)
    assert not missing, f"{page} lacks {missing}"
