"""Notices (issue 13): dated exceptions to the opening hours and screen messages.

Drives the real torgd on the test clock (--test-clock, POST /api/v1/test/clock): a
closed holiday refuses tickets with the next real opening and the day's note, a
service's own exception closes only it, a shortened day closes at its end; a message is
in a snapshot only for its displays (or kiosks) and until it ends, and a display's
WebSocket gets a fresh snapshot when a message starts and when it ends without
reconnecting; bad values in the configuration are refused with their exact paths.
"""

import datetime
import subprocess
import zoneinfo

from torgtest import config_with, expect_error, SERVICE_NAMES

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
WEEK = {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
JUL = {"nb": "Julaften", "nn": "Julaftan", "sv": "Julafton", "en": "Christmas Eve"}
NAV_NOTE = {"nb": "NAV har fagdag", "nn": "NAV har fagdag", "sv": "NAV har studiedag",
            "en": "NAV training day"}


def text(s):
    """A message text in the four floor languages."""
    return {"nb": s + " (nb)", "nn": s + " (nn)", "sv": s + " (sv)", "en": s}


EXCEPTIONS = [
    {"date": "2026-12-24", "closed": True, "note": JUL},
    {"from": "2026-12-25", "to": "2026-12-27", "closed": True},
    {"date": "2026-12-31", "hours": [["08:00", "12:00"]]},
    {"date": "2026-12-23", "services": ["nav"], "closed": True, "note": NAV_NOTE},
    {"date": "2025-12-24", "closed": True},  # past: allowed, ignored
]
MESSAGES = [
    {"id": "closing-early", "text": text("Closes at 14 today"),
     "from": "2026-12-23T08:00", "until": "2026-12-23T14:00", "displays": ["hall"]},
    {"id": "upstairs-only", "text": text("Lift out of order"), "displays": ["upstairs"],
     "kiosks": False},
    {"id": "everywhere", "text": text("Welcome")},
]


def local_ms(y, mo, d, h, mi=0):
    """UTC ms of a wall-clock moment in Oslo."""
    return int(datetime.datetime(y, mo, d, h, mi, tzinfo=OSLO).timestamp() * 1000)


def iso(ms):
    """ms as the protocol's ISO time."""
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def notices_server(make_server):
    """A started floor with WEEK hours, the exceptions and the messages, on the test clock."""
    return make_server(config_with(hours=WEEK, exceptions=EXCEPTIONS, messages=MESSAGES),
                       test_clock=True)


def set_clock(srv, ms):
    srv.ok(srv.post(f"/api/v1/test/clock?ms={ms}", token=srv.token("admin")))


def message_ids(snap):
    return [m["id"] for m in snap["notices"]["messages"]]


def test_closed_holiday_refuses_tickets_with_opens_at_and_note(make_server):
    srv = notices_server(make_server)
    set_clock(srv, local_ms(2026, 12, 24, 10))  # Thursday, Christmas Eve
    for service in ("reception", "nav"):
        err = expect_error(srv.post("/api/v1/tickets", body={"service": service}), 409,
                           "service_closed")
        # the 25th-27th are closed too: the next real opening is Monday the 28th, 08:00
        assert err["opens_at"] == iso(local_ms(2026, 12, 28, 8)), err
        assert err["note"] == JUL, err
    snap = srv.floor()
    assert snap["notices"]["today"] == {"from": "2026-12-24", "to": "2026-12-24",
                                        "closed": True, "hours": [], "services": None,
                                        "note": JUL}
    assert all(not s["open"] for s in snap["services"])
    assert {s["opens_at"] for s in snap["services"]} == {iso(local_ms(2026, 12, 28, 8))}
    # upcoming: the next exceptions after today within 14 days (not today's own)
    assert [(u["from"], u["to"]) for u in snap["notices"]["upcoming"]] == [
        ("2026-12-25", "2026-12-27"), ("2026-12-31", "2026-12-31")]


def test_service_exception_and_shortened_day(make_server):
    srv = notices_server(make_server)
    set_clock(srv, local_ms(2026, 12, 23, 10))  # NAV's own closed day
    err = expect_error(srv.post("/api/v1/tickets", body={"service": "nav"}), 409,
                       "service_closed")
    assert err["note"] == NAV_NOTE and err["opens_at"] == iso(local_ms(2026, 12, 28, 8))
    assert srv.post("/api/v1/tickets", body={"service": "reception"}).status_code == 201
    snap = srv.floor()
    assert snap["notices"]["today"] is None  # NAV's exception is not the floor's
    up = snap["notices"]["upcoming"]
    assert [u["from"] for u in up] == ["2026-12-24", "2026-12-25", "2026-12-31"], up
    assert up[2] == {"from": "2026-12-31", "to": "2026-12-31", "closed": False,
                     "hours": [["08:00", "12:00"]], "services": None, "note": None}
    # New Year's Eve closes at 12: at 11 it is open, at 12 closed until Friday 1 January
    set_clock(srv, local_ms(2026, 12, 31, 11))
    assert srv.post("/api/v1/tickets", body={"service": "nav"}).status_code == 201
    set_clock(srv, local_ms(2026, 12, 31, 12))
    err = expect_error(srv.post("/api/v1/tickets", body={"service": "nav"}), 409,
                       "service_closed")
    assert err["opens_at"] == iso(local_ms(2027, 1, 1, 8)) and "note" not in err, err
    assert srv.floor()["notices"]["today"]["hours"] == [["08:00", "12:00"]]


def test_opens_at_across_a_daylight_saving_change(make_server):
    """Saturday 28 March 2026 is the last day of winter time in Oslo: Monday 08:00 is
    06:00 UTC, not 07:00 (the wall-clock minutes between differ from the real ones)."""
    srv = notices_server(make_server)
    set_clock(srv, local_ms(2026, 3, 28, 17))
    err = expect_error(srv.post("/api/v1/tickets", body={"service": "nav"}), 409,
                       "service_closed")
    assert err["opens_at"] == "2026-03-30T06:00:00.000Z", err


def test_messages_per_display_and_time(make_server):
    srv = notices_server(make_server)
    set_clock(srv, local_ms(2026, 12, 23, 7))
    hall, upstairs, kiosk = (srv.floor(display="hall"), srv.floor(display="upstairs"),
                             srv.floor())
    assert message_ids(hall) == ["closing-early", "everywhere"]
    assert message_ids(upstairs) == ["upstairs-only", "everywhere"]
    assert message_ids(kiosk) == ["closing-early", "everywhere"]
    m = hall["notices"]["messages"][0]
    assert m == {"id": "closing-early", "text": text("Closes at 14 today"),
                 "from": iso(local_ms(2026, 12, 23, 8)),
                 "until": iso(local_ms(2026, 12, 23, 14))}
    assert hall["notices"]["messages"][1]["from"] is None
    assert hall["notices"]["messages"][1]["until"] is None
    set_clock(srv, local_ms(2026, 12, 23, 14))  # it has ended
    assert message_ids(srv.floor(display="hall")) == ["everywhere"]
    assert message_ids(srv.floor()) == ["everywhere"]


def test_display_gets_a_snapshot_when_a_message_starts_and_ends(make_server):
    srv = notices_server(make_server)
    set_clock(srv, local_ms(2026, 12, 23, 7))
    with srv.ws({"type": "hello", "display": "hall"}) as c:
        first = c.recv()
        assert first["type"] == "snapshot" and "closing-early" in message_ids(first)
        c.drain(quiet=0.3)
        # no boundary between 07:00 and 07:30: no snapshot
        set_clock(srv, local_ms(2026, 12, 23, 7, 30))
        assert not [m for m in c.drain(quiet=0.5) if m["type"] == "snapshot"]
        set_clock(srv, local_ms(2026, 12, 23, 8))  # the message starts
        snap = c.recv_until(lambda m: m["type"] == "snapshot")[-1]
        assert snap["server_time"] == iso(local_ms(2026, 12, 23, 8))
        assert message_ids(snap) == ["closing-early", "everywhere"]
        set_clock(srv, local_ms(2026, 12, 23, 14))  # and ends
        snap = c.recv_until(lambda m: m["type"] == "snapshot")[-1]
        assert message_ids(snap) == ["everywhere"]
        # the upstairs display's session would have had "upstairs-only" instead
        assert snap["display"]["id"] == "hall"


def test_kiosk_gets_a_snapshot_when_the_date_changes(make_server):
    srv = notices_server(make_server)
    set_clock(srv, local_ms(2026, 12, 23, 23, 59))
    with srv.ws({"type": "hello"}) as c:
        first = c.recv()
        assert first["type"] == "snapshot" and first["notices"]["today"] is None
        assert message_ids(first) == ["everywhere"], "closing-early ended, upstairs-only is not for kiosks"
        c.drain(quiet=0.3)
        set_clock(srv, local_ms(2026, 12, 24, 0, 0))  # midnight: Christmas Eve
        snap = c.recv_until(lambda m: m["type"] == "snapshot")[-1]
        assert snap["notices"]["today"]["note"] == JUL
        assert [u["from"] for u in snap["notices"]["upcoming"]] == ["2026-12-25", "2026-12-31"]
        # 04:00 the floor's day starts (day_starts): a snapshot again, its day the 24th
        set_clock(srv, local_ms(2026, 12, 24, 4, 0))
        snap = c.recv_until(lambda m: m["type"] == "snapshot")[-1]
        assert snap["notices"]["today"]["note"] == JUL


def check_config(srv, **changes):
    """torgd --check-config on the test floor with changes; returns its stderr."""
    path = srv.workdir + "/bad.json"
    import json
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config_with(**changes), f)
    r = subprocess.run([srv.binary, "--check-config", "--config", path],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stderr.strip()


BAD = [
    ({"exceptions": {}}, "exceptions: expected an array, got object"),
    ({"exceptions": [{"closed": True}]}, 'exceptions[0]: needs "date", or "from" and "to"'),
    ({"exceptions": [{"date": "2026-12-32", "closed": True}]},
     'exceptions[0].date: "2026-12-32" is not a date YYYY-MM-DD'),
    ({"exceptions": [{"date": "2026-12-24", "from": "2026-12-24", "closed": True}]},
     'exceptions[0].from: not together with "date"'),
    ({"exceptions": [{"from": "2026-12-24", "closed": True}]}, "exceptions[0].to: missing"),
    ({"exceptions": [{"from": "2026-12-24", "to": "2026-12-20", "closed": True}]},
     "exceptions[0].to: 2026-12-20 is before from 2026-12-24"),
    ({"exceptions": [{"date": "2026-12-24"}]},
     'exceptions[0]: needs "closed": true or "hours"'),
    ({"exceptions": [{"date": "2026-12-24", "closed": False}]},
     'exceptions[0].closed: expected true, got false (give "hours" for a shorter day)'),
    ({"exceptions": [{"date": "2026-12-24", "closed": True, "hours": []}]},
     'exceptions[0].hours: not together with "closed"'),
    ({"exceptions": [{"date": "2026-12-24", "hours": [["12:00", "08:00"]]}]},
     "exceptions[0].hours[0]: closes at 08:00, not after it opens at 12:00"),
    ({"exceptions": [{"date": "2026-12-24", "closed": True, "services": ["nva"]}]},
     'exceptions[0].services[0]: unknown service "nva"'),
    ({"exceptions": [{"date": "2026-12-24", "closed": True, "note": {"nb": "Jul"}}]},
     "exceptions[0].note.nn: missing"),
    ({"exceptions": [{"date": "2026-12-24", "closed": True, "colour": "red"}]},
     "exceptions[0].colour: unknown key"),
    ({"exceptions": [{"from": "2026-12-20", "to": "2026-12-31", "closed": True},
                     {"date": "2026-12-24", "hours": [["08:00", "12:00"]]}]},
     "exceptions[1]: overlaps exceptions[0] on 2026-12-24"),
    ({"exceptions": [{"date": "2026-12-24", "closed": True, "services": ["nav", "housing"]},
                     {"date": "2026-12-24", "closed": True, "services": ["housing"]}]},
     'exceptions[1]: overlaps exceptions[0] on 2026-12-24 for service "housing"'),
    ({"exceptions": [{"date": "2026-12-24", "closed": True}] * 401},
     "exceptions: more than 400 entries"),
    ({"messages": [{"id": "m", "text": {"nb": "x", "nn": "x", "sv": "x"}}]},
     "messages[0].text.en: missing"),
    ({"messages": [{"id": "m", "text": {**text("x"), "nb": "å" * 281}}]},
     "messages[0].text.nb: must be 1 to 280 characters"),
    ({"messages": [{"id": "m", "text": {**text("x"), "ar": "x"}}]},
     "messages[0].text.ar: not one of floor.languages"),
    ({"messages": [{"id": "m", "text": text("x"), "from": "2026-12-01 08:00"}]},
     'messages[0].from: "2026-12-01 08:00" is not a local time YYYY-MM-DDTHH:MM'),
    ({"messages": [{"id": "m", "text": text("x"), "from": "2026-12-01T14:00",
                    "until": "2026-12-01T14:00"}]},
     "messages[0].until: 2026-12-01T14:00 is not after from 2026-12-01T14:00"),
    ({"messages": [{"id": "m", "text": text("x"), "displays": ["hal"]}]},
     'messages[0].displays[0]: unknown display "hal"'),
    ({"messages": [{"id": "m", "text": text("x"), "displays": []}]},
     "messages[0].displays: must list at least one display"),
    ({"messages": [{"id": "m", "text": text("x"), "kiosks": "yes"}]},
     "messages[0].kiosks: expected true or false, got string"),
    ({"messages": [{"id": "m", "text": text("x")}, {"id": "m", "text": text("y")}]},
     'messages[1].id: "m" is already used by messages[0]'),
    ({"messages": [{"id": "m", "text": text("x")}] * 65}, "messages: more than 64 entries"),
]


def test_bad_config_values_give_exact_errors(make_server):
    srv = make_server(start=False)
    rc, err = check_config(srv, exceptions=EXCEPTIONS, messages=MESSAGES, hours=WEEK)
    assert rc == 0, err
    for changes, want in BAD:
        rc, err = check_config(srv, **changes)
        lines = err.splitlines()  # each error (the first is this one), then how many
        assert rc != 0 and lines[0].endswith(": " + want), (changes, want, err)
        assert lines[-1].startswith("torgd: ") and lines[-1].endswith(("error", "errors"))
