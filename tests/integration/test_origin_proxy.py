"""Who may change the floor, and who the client is. A state-changing request from a page
of another site is refused (403 bad_origin) whether it carries the staff cookie or not,
and so is a WebSocket opened from one (cross-site WebSocket hijacking); a form's
text/plain body is refused (415) before anything runs. Behind server.trusted_proxies
the client is the address X-Forwarded-For names and the scheme X-Forwarded-Proto says
(the cookie is then Secure); from anyone else those headers are not believed. The
ticket rate limit keeps every address's bucket apart, however many there are."""

import requests

from torgtest import BASE_CONFIG, config_with, expect_error, raw_ws


def cookie_session(srv, name):
    """A requests session signed in by cookie (as a browser is)."""
    s = requests.Session()
    r = s.post(srv.base + "/api/v1/login", json={"name": name, "password": f"{name}-Pw-0123456789"})
    assert r.status_code == 200
    srv.secrets.add(r.json()["token"])
    return s


def test_foreign_origin_cannot_act_with_the_cookie(srv):
    s = cookie_session(srv, "kari")
    url = srv.base + "/api/v1/counters/c1/open"
    with srv.unchanged():
        for origin in ("http://evil.example", "null", f"https://127.0.0.1:{srv.port}",
                       f"http://127.0.0.1:{srv.port}.evil.example"):
            r = s.post(url, headers={"Origin": origin, "Content-Type": "application/json"})
            expect_error(r, 403, "bad_origin", "origin")
        r = s.post(url, headers={"Sec-Fetch-Site": "cross-site",
                                 "Content-Type": "application/json"})
        expect_error(r, 403, "bad_origin")
        # what a cross-site form can send: text/plain, an empty body
        r = s.post(url, data="", headers={"Content-Type": "text/plain"})
        expect_error(r, 415, "unsupported_media_type", "content-type")
        r = s.post(url)  # no Content-Type at all
        expect_error(r, 415, "unsupported_media_type")
        r = s.post(srv.base + "/api/v1/tickets", data='{"service":"nav"}',
                   headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
        assert r.status_code in (403, 415)
    # The floor's own page may.
    r = s.post(url, headers={"Origin": f"http://127.0.0.1:{srv.port}",
                             "Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200, r.text


def test_allowed_origins_and_public_url(make_server):
    srv = make_server(config_with(server={"allowed_origins": ["https://intranett.kommune.no"],
                                          "public_url": "https://torg.kommune.no/stovner"}))
    for origin, ok in (("https://intranett.kommune.no", True), ("https://torg.kommune.no", True),
                       ("https://TORG.kommune.no:443", True), ("http://torg.kommune.no", False),
                       ("https://kommune.no", False)):
        r = srv.post("/api/v1/tickets", {"service": "nav"}, headers={"Origin": origin})
        assert (r.status_code == 201) == ok, (origin, r.status_code, r.text)
        if ok:
            srv.secrets.add(r.json()["ticket"]["id"])


def test_websocket_from_another_site_is_refused(srv):
    token = srv.token("kari")
    for origin, want in (("http://evil.example", 403), (f"http://127.0.0.1:{srv.port}", 101),
                         (None, 101)):
        headers = [f"Cookie: torg_session={token}"]
        if origin:
            headers.append(f"Origin: {origin}")
        s, status = raw_ws(srv.port, headers=headers)
        s.close()
        assert (status == 101) == (want == 101), (origin, status)
    assert "torg_ws_bad_origin_total 1" in srv.get("/metrics").text


def test_forwarded_headers_believed_only_from_trusted_proxies(make_server):
    untrusted = make_server(config_with(kiosks={"policy": "public", "rate_per_minute": 2}))
    for i in range(2):
        r = untrusted.post("/api/v1/tickets", {"service": "nav"},
                           headers={"X-Forwarded-For": f"10.0.0.{i}"})
        assert r.status_code == 201
        untrusted.secrets.add(r.json()["ticket"]["id"])
    r = untrusted.post("/api/v1/tickets", {"service": "nav"},
                       headers={"X-Forwarded-For": "10.0.0.99"})
    expect_error(r, 429, "rate_limited")  # the peer is the client: the header is not believed
    assert int(r.headers["Retry-After"]) >= 1

    proxied = make_server(config_with(
        kiosks={"policy": "public", "rate_per_minute": 2},
        server={"trusted_proxies": ["127.0.0.0/8", "::1"]}))
    for client in ("198.51.100.7", "198.51.100.8"):
        for _ in range(2):
            r = proxied.post("/api/v1/tickets", {"service": "nav"},
                             headers={"X-Forwarded-For": f"{client}, 127.0.0.1"})
            assert r.status_code == 201, r.text
            proxied.secrets.add(r.json()["ticket"]["id"])
        r = proxied.post("/api/v1/tickets", {"service": "nav"},
                         headers={"X-Forwarded-For": client})
        expect_error(r, 429, "rate_limited")
    # A client cannot pick its address by prepending one: the rightmost untrusted counts.
    r = proxied.post("/api/v1/tickets", {"service": "nav"},
                     headers={"X-Forwarded-For": "203.0.113.1, 198.51.100.7"})
    expect_error(r, 429, "rate_limited")
    # The scheme the proxy saw decides the cookie's Secure flag.
    for proto, secure in (("https", True), ("http", False)):
        r = proxied.post("/api/v1/login", {"name": "kari", "password": "kari-Pw-0123456789"},
                         headers={"X-Forwarded-Proto": proto, "X-Forwarded-For": "198.51.100.9"})
        assert r.status_code == 200
        proxied.secrets.add(r.json()["token"])
        assert ("; Secure" in r.headers["Set-Cookie"]) == secure, r.headers["Set-Cookie"]
    r = untrusted.post("/api/v1/login", {"name": "kari", "password": "kari-Pw-0123456789"},
                       headers={"X-Forwarded-Proto": "https"})
    untrusted.secrets.add(r.json()["token"])
    assert "Secure" not in r.headers["Set-Cookie"]


def test_rate_limit_buckets_never_collide(make_server):
    """Two addresses whose hashes shared one of 1,024 slots replaced each other's bucket
    with a full one: alternating them gave 5,559 tickets in 10 s. Here 1,100 addresses
    (more than there were slots, so some had to share) each use up their 2 tickets, and
    not one of them gets a third."""
    srv = make_server(config_with(kiosks={"policy": "public", "rate_per_minute": 2},
                                  server={"trusted_proxies": ["127.0.0.1"]}))
    s = requests.Session()
    addrs = [f"10.{i // 250}.{i % 250}.1" for i in range(1100)]

    def issue(a):
        return s.post(srv.base + "/api/v1/tickets", json={"service": "nav"},
                      headers={"X-Forwarded-For": a})
    for _ in range(2):
        for a in addrs:
            r = issue(a)
            assert r.status_code == 201, (a, r.text)
            srv.secrets.add(r.json()["ticket"]["id"])
    third = [a for a in addrs if issue(a).status_code != 429]
    assert third == [], f"{len(third)} addresses got a third ticket: {third[:5]}"
    # IPv6 addresses of one /64 are one client
    for i in range(2):
        r = issue(f"2001:db8:1:2::{i + 1}")
        assert r.status_code == 201
        srv.secrets.add(r.json()["ticket"]["id"])
    assert issue("2001:db8:1:2::99").status_code == 429
    assert issue("2001:db8:1:3::1").status_code == 201
