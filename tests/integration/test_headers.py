"""Security headers: every page carries a Content-Security-Policy without inline script,
its frame-ancestors (the wall display may be framed by the floor itself and the signage
origins configured, nothing else may be framed), nosniff and Referrer-Policy no-referrer
(so a ticket's URL never leaks onwards); every API answer and asset is nosniff, never
cached where it is personal, and never rendered or framed."""

from torgtest import config_with

PAGES = ["/", "/kiosk", "/kiosk/k1", "/counter", "/dashboard", "/admin", "/t/" + "0" * 32]


def csp(r):
    """The Content-Security-Policy of an answer as {directive: value}."""
    out = {}
    for part in r.headers["content-security-policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value
    return out


def test_pages(srv):
    for path in PAGES:
        r = srv.get(path)
        assert r.status_code == 200, path
        p = csp(r)
        assert p["script-src"] == "'self'" and p["style-src"] == "'self'", (path, p)
        assert p["default-src"] == "'self'" and p["object-src"] == "'none'"
        assert p["base-uri"] == "'none'" and p["frame-ancestors"] == "'none'", (path, p)
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    # no page holds inline script or a handler attribute that the policy would block
    for path in PAGES:
        html = srv.get(path).text
        assert "<script>" not in html and " onsubmit=" not in html and " onclick=" not in html
        assert "<style>" not in html and " style=" not in html, path


def test_wall_display_may_be_framed_by_the_floor_and_signage(make_server):
    srv = make_server(config_with(server={"frame_ancestors": ["https://Signage.Example:443"]}))
    p = csp(srv.get("/display/hall"))
    assert p["frame-ancestors"] == "'self' https://signage.example", p
    assert "x-frame-options" not in srv.get("/display/hall").headers
    assert csp(srv.get("/kiosk"))["frame-ancestors"] == "'none'"


def test_api_answers_and_assets(srv):
    for r in (srv.get("/api/v1/floor"), srv.get("/healthz"), srv.get("/api/v1/nope"),
              srv.post("/api/v1/tickets", {"service": "nope"}), srv.get("/metrics")):
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"
        assert csp(r) == {"default-src": "'none'", "frame-ancestors": "'none'"}, r.url
    r = srv.get("/static/torg.js")
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    assert csp(r)["default-src"] == "'none'"
