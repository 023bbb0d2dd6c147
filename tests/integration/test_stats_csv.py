"""The statistics CSV in each staff language's conventions (GET /api/v1/stats.csv?lang=):
a UTF-8 BOM, ';' and a decimal comma for nb, nn and sv, ',' and a point for English,
a header naming each column in the language, service and counter names beside their
ids, a name holding the separator or a quote quoted as RFC 4180 asks, and 400 bad_query
naming `lang` for a language the floor does not have."""

import copy
import csv
import io

import pytest

from torgtest import BASE_CONFIG, Torgd

# A name with the nb separator and a quote, and one with the English separator.
RECEPTION = {"nb": 'Mottak; "første"', "nn": 'Mottak; "fyrste"', "sv": "Mottagning",
             "en": 'Reception, "front"', "ar": "الاستقبال"}

CSV_CONFIG = copy.deepcopy(BASE_CONFIG)
CSV_CONFIG["floor"]["languages"] = ["nb", "nn", "sv", "en", "ar"]
CSV_CONFIG["services"][0]["name"] = RECEPTION
CSV_CONFIG["floor"]["name"]["ar"] = "الطابق"
CSV_CONFIG["counters"][0]["name"]["ar"] = "الشباك 1"
for s in CSV_CONFIG["services"][1:]:
    s["name"] = dict(s["name"], ar=s["id"])

# (separator, decimal mark, the first three header cells, the share-within-target header)
LANGS = {
    "nb": (";", ",", ["Tjeneste-ID", "Tjeneste", "Ankomster"], "Andel innenfor målet"),
    "nn": (";", ",", ["Teneste-ID", "Teneste", "Ankomstar"], "Del innanfor målet"),
    "sv": (";", ",", ["Tjänst-ID", "Tjänst", "Ankomster"], "Andel inom målet"),
    "en": (",", ".", ["Service ID", "Service", "Arrivals"], "Share within target"),
    # a floor language without its own CSV table: English conventions, its own names
    "ar": (",", ".", ["Service ID", "Service", "Arrivals"], "Share within target"),
}


@pytest.fixture(scope="module")
def srv(torgd_bin, tmp_path_factory):
    """One torgd for the module: a reception ticket called at once (target met, so the
    share within target is exactly 1)."""
    s = Torgd(torgd_bin, tmp_path_factory.mktemp("csv"), config=CSV_CONFIG)
    s.start()
    s.settle_day()
    s.issue("reception")
    s.act("admin", "c1", "open", {"services": ["reception"]})
    s.act("admin", "c1", "call-next")
    yield s
    s.stop()


def get_csv(srv, query):
    return srv.get(f"/api/v1/stats.csv?{query}", token=srv.token("mona"))


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_conventions(srv, lang):
    sep, dec, head, share = LANGS[lang]
    r = get_csv(srv, f"lang={lang}")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    text = r.content.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    header = rows[0]
    assert header[:3] == head and header[11] == share and len(header) == 22
    assert all(len(row) == 22 for row in rows), "a row split at a separator inside a cell"
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {"reception", "nav", "housing", "social"}
    rec = body["reception"]
    assert rec[1] == RECEPTION[lang]
    assert rec[2] == "1" and rec[11] == f"1{dec}000"
    other = "." if dec == "," else ","
    for row in rows[1:]:
        for cell in row[2:]:
            assert other not in cell, (lang, row[0], cell)
    if lang != "ar":
        assert body["housing"][1] == CSV_CONFIG["services"][2]["name"][lang]


def test_quoting_is_rfc4180(srv):
    """A name holding the separator or a quote is quoted, its quotes doubled; one
    without is left bare."""
    nb = get_csv(srv, "lang=nb").content.decode("utf-8-sig")
    assert '\r\nreception;"Mottak; ""første""";1;' in nb
    assert "\r\nhousing;Bolig;" in nb
    en = get_csv(srv, "lang=en").content.decode("utf-8-sig")
    assert '\r\nreception,"Reception, ""front""",1,' in en
    # sv's name holds neither: bare
    assert "\r\nreception;Mottagning;1;" in get_csv(srv, "lang=sv").content.decode("utf-8-sig")


def test_counter_group_names_counters(srv):
    text = get_csv(srv, "lang=sv&group=counter").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Disk-ID", "Disk"]
    body = {row[0]: row[1] for row in rows[1:]}
    assert body["c1"] == "Disk 1" and body["c2"] == "c2"


def test_default_is_the_floors_first_language(srv):
    text = get_csv(srv, "").content.decode("utf-8-sig")
    assert text.startswith("Tjeneste-ID;Tjeneste;Ankomster;")
    hours = get_csv(srv, "lang=nn&group=hour").content.decode("utf-8-sig")
    assert hours.startswith("Time;Ankomstar;") and len(hours.split("\r\n")) == 26


@pytest.mark.parametrize("bad", ["de", "NB", "", "nb%3B", "x" * 40, "en-GB"])
def test_bad_lang(srv, bad):
    r = get_csv(srv, f"lang={bad}")
    assert r.status_code == 400, (bad, r.text)
    err = r.json()["error"]
    assert err["code"] == "bad_query" and err["field"] == "lang"
    assert "nb, nn, sv, en, ar" in err["message"]


def test_lang_is_only_for_the_csv(srv):
    r = srv.get("/api/v1/stats?lang=nb", token=srv.token("mona"))
    assert r.status_code == 400 and r.json()["error"]["field"] == "lang"
