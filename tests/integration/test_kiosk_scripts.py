"""deploy/kiosk: the screen and printer set-up scripts pass shellcheck, and their --dry-run
prints each step (the Chromium flags, the auto-login session, the unit that restarts it,
blanking off, the printer queue) for each role without touching the machine (run as
nobody when the tests run as root, so that any write would fail); the ESC/POS filter turns
CUPS raster into receipts (trimmed, banded, cut) and refuses what is not raster."""

import os
import pwd
import re
import shutil
import struct
import subprocess

import pytest

from torgtest import ROOT_DIR, need_tool

KIOSK = os.path.join(ROOT_DIR, "deploy", "kiosk")
SCRIPTS = ["setup-screen", "setup-printer", "common.sh", "screen-session"]
# What a dry run must not create or change.
WATCHED = ["/etc/default/torg-screen", "/etc/systemd/system/torg-screen.service",
           "/etc/pam.d/torg-screen", "/usr/local/lib/torg/screen-session",
           "/etc/systemd/system/torg-screen-reboot.timer",
           "/usr/lib/cups/filter/torg-escpos", "/usr/share/ppd/torg/torg-receipt.ppd"]
FLAGS = ["--kiosk", "--noerrdialogs", "--disable-session-crashed-bubble",
         "--autoplay-policy=no-user-gesture-required", "--check-for-update-interval=31536000",
         "--disable-features=Translate", "--no-first-run", "--ozone-platform=wayland"]


def need(tool):
    """The tool's path; a missing tool fails on CI (deploy/install-deps installs it)."""
    return need_tool(tool)


def machine_state():
    """What the dry runs could touch: the watched files and the screen's user."""
    state = {p: (os.stat(p).st_mtime_ns if os.path.exists(p) else None) for p in WATCHED}
    try:
        state["user"] = pwd.getpwnam("torg-screen").pw_uid
    except KeyError:
        state["user"] = None
    return state


def dry_run(script, *args, expect=0):
    """Runs a script with --dry-run (as nobody when we are root); returns its stdout after
    checking the exit code and that nothing changed."""
    cmd = [os.path.join(KIOSK, script), "--dry-run", *args]
    if os.geteuid() == 0 and shutil.which("setpriv"):
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    before = machine_state()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/")
    assert r.returncode == expect, f"{script} {args}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert machine_state() == before, "a dry run changed the machine"
    return r.stdout + r.stderr


def test_shellcheck_passes():
    sc = need("shellcheck")
    r = subprocess.run([sc, "-x", *SCRIPTS], cwd=KIOSK, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_kiosk_dry_run_prints_every_step():
    out = dry_run("setup-screen", "kiosk", "https://torg.example/kiosk/k1#print=auto")
    for flag in FLAGS + ["--kiosk-printing"]:
        assert flag in out, f"{flag} missing:\n{out}"
    assert "TORG_SCREEN_URL='https://torg.example/kiosk/k1#print=auto'" in out
    assert re.search(r"\+ useradd .*torg-screen", out) or "user torg-screen exists" in out
    # The auto-login: a PAM session on the terminal, started by the unit at boot.
    for line in ["PAMName=torg-screen", "TTYPath=/dev/tty1", "session  required pam_systemd.so",
                 "Restart=always", "StartLimitIntervalSec=0", "WantedBy=graphical.target",
                 "exec cage -d --", "+ systemctl enable torg-screen.service",
                 "+ systemctl set-default graphical.target"]:
        assert line in out, f"{line!r} missing:\n{out}"
    assert "consoleblank=0" in out  # the console never blanks; cage has no idle timer
    assert '"exit_type":"Normal"' in out  # no "restore pages" after a power cut
    assert "torg-screen-reboot" not in out


def test_wall_dry_run_has_no_printing_and_can_reboot_nightly():
    out = dry_run("setup-screen", "--tty", "2", "--nightly-reboot", "03:30", "wall",
                  "http://10.0.0.5:8080/display/hall")
    for flag in FLAGS:
        assert flag in out
    assert "--kiosk-printing" not in out
    assert "TTYPath=/dev/tty2" in out and "Conflicts=getty@tty2.service" in out
    assert "OnCalendar=*-*-* 03:30:00" in out
    assert "+ systemctl enable torg-screen-reboot.timer" in out


@pytest.mark.parametrize("args", [
    ["kiosk"],
    ["lobby", "https://torg.example/kiosk"],
    ["kiosk", "ftp://torg.example/"],
    ["kiosk", "https://torg.example/'; rm -rf /"],
    ["--nightly-reboot", "25:00", "wall", "https://torg.example/display"],
    ["--user", "Root!", "wall", "https://torg.example/display"],
])
def test_setup_screen_refuses_bad_arguments(args):
    out = dry_run("setup-screen", *args, expect=2)
    assert "usage:" in out or "setup-screen:" in out
    assert "write " not in out


def test_printer_dry_run_sets_the_default_queue():
    out = dry_run("setup-printer")
    assert "cups" in out
    for line in ["write /usr/lib/cups/filter/torg-escpos",
                 "write /usr/share/ppd/torg/torg-receipt.ppd",
                 "+ lpadmin -p torg-receipt -E -v",
                 "-P /usr/share/ppd/torg/torg-receipt.ppd",
                 "PageSize=X80MMY200MM", "+ lpadmin -d torg-receipt"]:
        assert line in out, f"{line!r} missing:\n{out}"
    out = dry_run("setup-printer", "--width", "58", "--device", "socket://10.0.0.9:9100")
    assert "PageSize=X58MMY200MM" in out and "-v socket://10.0.0.9:9100" in out
    dry_run("setup-printer", "--width", "60", expect=2)
    dry_run("setup-printer", "--device", "not a uri", expect=2)


def test_ppd_names_the_filter_and_every_size():
    with open(os.path.join(KIOSK, "torg-receipt.ppd"), encoding="latin-1") as f:
        ppd = f.read()
    assert '*cupsFilter2: "application/vnd.cups-raster application/vnd.torg-escpos 0 ' \
           'torg-escpos"' in ppd
    sizes = re.findall(r"^\*PageSize (\w+)/", ppd, re.M)
    assert "X80MMY200MM" in sizes and "X58MMY200MM" in sizes
    for key in ("PageRegion", "ImageableArea", "PaperDimension"):
        assert sorted(re.findall(rf"^\*{key} (\w+)/", ppd, re.M)) == sorted(sizes), key
    assert "*DefaultPageSize: X80MMY200MM" in ppd
    # 8-bit gray, thresholded by the filter: 1-bit from cups-filters comes dithered
    assert "cupsBitsPerColor 8/cupsColorOrder 0/cupsColorSpace 18" in ppd


# ---- the ESC/POS filter ----

def raster_header(width, height, bpp, space, endian):
    """A CUPS raster v2/v3 page header (1796 bytes) with the fields the filter reads."""
    h = bytearray(1796)
    fields = {276: 203, 280: 203, 372: width, 376: height, 384: bpp, 388: bpp,
              392: (width * bpp + 7) // 8, 396: 0, 400: space}
    for off, v in fields.items():
        struct.pack_into(endian + "I", h, off, v)
    return bytes(h)


def page_rows(width, height, bpp, space, ink_rows):
    """Rows with a black bar (x 100..199) on ink_rows, white elsewhere."""
    rows = []
    for y in range(height):
        black = [y in ink_rows and 100 <= x < 200 for x in range(width)]
        if bpp == 1:
            row = bytearray((width + 7) // 8)
            for x, b in enumerate(black):
                if b == (space == 3):  # K: 1 is black; W: 0 is black
                    row[x >> 3] |= 0x80 >> (x & 7)
            rows.append(bytes(row))
        else:
            rows.append(bytes((255 if b else 0) if space == 3 else (0 if b else 255)
                              for b in black))
    return rows


def compress_v2(rows):
    """Rows as CUPS raster v2 lines: each its own line, literal runs of up to 128 bytes."""
    out = bytearray()
    for row in rows:
        out.append(0)  # no repeat
        for i in range(0, len(row), 128):
            chunk = row[i:i + 128]
            out.append(257 - len(chunk))
            out += chunk
    return bytes(out)


def run_filter(data, options=""):
    r = subprocess.run([os.path.join(KIOSK, "torg-escpos"), "7", "kiosk", "ticket", "1",
                        options], input=data, capture_output=True, timeout=60)
    return r


def parse_escpos(out):
    """(bands as (width bytes, rows, data)), the tail after the last band)."""
    assert out.startswith(b"\x1b@"), out[:8]
    i, bands = 2, []
    while out[i:i + 4] == b"\x1dv0\x00":
        w, h = struct.unpack_from("<HH", out, i + 4)
        bands.append((w, h, out[i + 8:i + 8 + w * h]))
        i += 8 + w * h
    return bands, out[i:]


@pytest.mark.parametrize("sync,endian,bpp,space", [
    (b"3SaR", "<", 1, 3), (b"RaS3", ">", 1, 3), (b"3SaR", "<", 8, 18), (b"2SaR", "<", 1, 0),
])
def test_filter_turns_a_raster_page_into_a_cut_receipt(sync, endian, bpp, space):
    width, height = 639, 1600  # 80 mm at 203 dpi; 200 mm long, ink on rows 10..299
    rows = page_rows(width, height, bpp, space, range(10, 300))
    body = compress_v2(rows) if sync in (b"RaS2", b"2SaR") else b"".join(rows)
    data = sync + raster_header(width, height, bpp, space, endian) + body
    r = run_filter(data)
    assert r.returncode == 0, r.stderr
    assert b"PAGE: 1 1" in r.stderr
    bands, tail = parse_escpos(r.stdout)
    assert [b[:2] for b in bands] == [(72, 256), (72, 44)], "trimmed to 300 rows, 576 dots"
    assert tail == b"\x1bd\x04\x1dVB\x00"  # feed, then cut
    img = b"".join(b[2] for b in bands)
    # The bar x 100..199 lands at 69..168 once the 639-dot page is centred on 576 dots.
    row = img[20 * 72:21 * 72]
    dots = [(row[x >> 3] >> (7 - (x & 7))) & 1 for x in range(576)]
    assert [x for x, d in enumerate(dots) if d] == list(range(69, 169))
    assert not any(img[:10 * 72])


def test_filter_copies_no_cut_and_58mm():
    width, height = 463, 100  # 58 mm at 203 dpi
    rows = page_rows(width, height, 1, 3, range(0, 50))
    data = b"3SaR" + raster_header(width, height, 1, 3, "<") + b"".join(rows)
    r = subprocess.run([os.path.join(KIOSK, "torg-escpos"), "7", "kiosk", "ticket", "2",
                        "torg-cut=false"], input=data, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    bands, tail = parse_escpos(r.stdout)
    assert bands[0][:2] == (48, 50), "384 dots on a 58 mm roll"
    assert tail.endswith(b"\x1bd\x04") and b"\x1dVB" not in tail


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4\n...", b"3SaR" + b"\0" * 100])
def test_filter_refuses_what_is_not_raster(data):
    r = run_filter(data)
    assert r.returncode == 1
    assert b"ERROR:" in r.stderr
    assert b"Traceback" not in r.stderr


RECEIPT = """<!doctype html><style>@page { size: 80mm 160mm; margin: 0 }
body { font-family: sans-serif; text-align: center; margin: 0; padding: 6mm 4mm }
h1 { font-size: 40pt; margin: 2mm }</style><p>Testtorget</p><h1>B023</h1><p>NAV</p>"""


def test_a_chromium_page_prints_through_cups_filters(tmp_path):
    """The real chain: Chromium's PDF, cups-filters' pdftoraster with torg-receipt.ppd,
    torg-escpos: one receipt, 72 mm wide, trimmed below the text, no dithered background."""
    pdftoraster = "/usr/lib/cups/filter/pdftoraster"
    if not os.access(pdftoraster, os.X_OK):
        need("pdftoraster")  # fails on CI, skips elsewhere
    chromium = need("chromium")
    html = tmp_path / "r.html"
    html.write_text(RECEIPT)
    pdf = tmp_path / "r.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", html.as_uri()],
                   capture_output=True, timeout=120, check=True)
    env = dict(os.environ, PPD=os.path.join(KIOSK, "torg-receipt.ppd"))
    ras = subprocess.run([pdftoraster, "1", "kiosk", "ticket", "1", "", str(pdf)], env=env,
                         capture_output=True, timeout=60, check=True).stdout
    r = run_filter(ras)
    assert r.returncode == 0, r.stderr
    bands, tail = parse_escpos(r.stdout)
    img = b"".join(b[2] for b in bands)
    assert {b[0] for b in bands} == {72}
    rows = len(img) // 72
    assert 200 < rows < 1280 - 200, f"{rows} rows: the blank paper was not left out"
    assert not any(img[:30 * 72]), "the top margin is not white (dithered background?)"
    assert sum(bin(b).count("1") for b in img) > 5000, "no ink: the text did not print"
    assert tail == b"\x1bd\x04\x1dVB\x00"


def test_file_writes_are_idempotent(tmp_path):
    """common.sh's put_file writes a file once (atomically, with its mode), then finds it
    unchanged; a changed content is written again; a dry run writes nothing."""
    target = tmp_path / "etc" / "default" / "torg-screen"
    script = f"""set -euo pipefail
dry=$1
. {os.path.join(KIOSK, 'common.sh')}
owner="$(id -un):$(id -gn)"
printf 'A=%s\\n' "$2" | put_file {target} 0640 "$owner"
"""

    def put(dry, value):
        r = subprocess.run(["bash", "-c", script, "put", str(dry), value], capture_output=True,
                           text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout

    assert "write " in put(1, "one") and not target.exists()
    assert "write " in put(0, "one")
    assert target.read_text() == "A=one\n"
    assert oct(target.stat().st_mode & 0o777) == "0o640"
    assert put(0, "one").startswith("unchanged: ")
    assert "write " in put(0, "two") and target.read_text() == "A=two\n"
    assert [p.name for p in target.parent.iterdir()] == ["torg-screen"], "a temporary was left"
