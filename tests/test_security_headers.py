"""Security headers on every response, cookie flags over HTTP, HTTPS and behind a proxy,
Clear-Site-Data on sign-out and kiosk reset, and the idle timeouts a council can set.

The walk covers every GET route in app.url_map (from tests/test_access.py), as the person
each area is for, in a seeded demo borough, plus htmx fragments, static files, PDFs, CSVs
and error pages: a new route is covered the day it is added.
"""

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

import app as app_module
import auth
import db as dbmod
import demo
import security_headers
from audit import stamp, utcnow
from kiosk import views as kiosk_views
from tests.conftest import SYSTEM, make_app, sign_in_staff, sign_in_volunteer
from tests.test_access import requests_for

pytestmark = pytest.mark.usefixtures("fast_hashing")
DEMO_STAFF = {"username": demo.DEMO_STAFF[0], "password": demo.DEMO_STAFF[2]}
CAMERA_PAGES = {"kiosk.return_device", "staff.scan", "volunteer.scan", "volunteer.learners",
                "staff.partner", "volunteer.give_sim", "staff.give_sim"}


# ---- helpers ---------------------------------------------------------------------------------


def assert_security_headers(response, https: bool = False, where: str = ""):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp, where
    if response.mimetype == "application/pdf":
        assert csp == security_headers.PDF_CSP, where
    else:
        assert csp == security_headers.CSP, where
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["Referrer-Policy"] == "same-origin", where
    policy = headers["Permissions-Policy"]
    for off in ("microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert off in policy, where
    assert "camera=(self)" in policy or "camera=()" in policy, where
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin", where
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin", where
    if https:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    else:
        assert "Strict-Transport-Security" not in headers, where


def cookie(response, name: str) -> dict[str, str | bool]:
    """The attributes of the Set-Cookie header for `name` (lower-case keys; flags True)."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        if first.split("=", 1)[0] == name:
            found = {"value": first.split("=", 1)[1]}
            for attribute in attributes:
                key, _, value = attribute.partition("=")
                found[key.lower()] = value or True
            return found
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.getlist('Set-Cookie')}")


# ---- every response ------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path):
    """The demo borough, a registered kiosk, and a client for each kind of visitor."""
    app = make_app(tmp_path)
    db = dbmod.connect(app.config["DATABASE"])
    demo.seed(db)
    venue = db["venues"].get(1)
    token = auth.register_kiosk(db, "Front desk", venue["id"], SYSTEM)
    db.conn.close()
    staff, volunteer, kiosk = app.test_client(), app.test_client(), app.test_client()
    assert staff.post("/signin/staff", data=DEMO_STAFF).status_code == 302
    assert sign_in_volunteer(volunteer, venue["id"]).status_code == 302
    kiosk.set_cookie(auth.KIOSK_COOKIE, token)
    return SimpleNamespace(app=app, staff=staff, volunteer=volunteer, kiosk=kiosk,
                           anonymous=app.test_client())


def client_for(world, endpoint):
    area = endpoint.split(".", 1)[0]
    return getattr(world, area) if area in ("staff", "volunteer", "kiosk") else world.anonymous


def test_every_get_route_carries_the_headers_as_pages_and_fragments(world):
    seen, cameras = set(), set()
    for endpoint, method, url in requests_for(world.app):
        if method != "GET":
            continue
        for headers in ({}, {"HX-Request": "true"}):
            response = client_for(world, endpoint).get(url, headers=headers)
            where = f"{url} {headers} -> {response.status_code}"
            assert response.status_code < 500, where
            assert_security_headers(response, where=where)
            seen.add(response.mimetype)
            if not headers and response.status_code == 200 and response.mimetype == "text/html":
                # The camera only on pages with a "Use the camera" button.
                camera = "camera=(self)" in response.headers["Permissions-Policy"]
                assert camera == (b"data-scan-camera" in response.data), where
                if camera:
                    cameras.add(endpoint)
    assert cameras >= CAMERA_PAGES
    assert {"text/html", "application/pdf", "text/csv", "application/json"} <= seen


def test_static_files_error_pages_and_posts_carry_them_too(world, tmp_path):
    for path in ("/static/js/htmx-2.0.11.min.js", "/static/css/doorstep.css",
                 "/static/js/scan.js", "/no-such-page", "/staff/devices/999999"):
        assert_security_headers(world.staff.get(path), where=path)
    assert world.staff.get("/static/css/doorstep.css").mimetype == "text/css"
    assert_security_headers(world.anonymous.post("/healthz"))  # 405
    assert_security_headers(world.staff.post("/staff/kiosks", data={"name": ""}))  # 422

    strict = make_app(tmp_path / "strict", WTF_CSRF_ENABLED=True, TESTING=False)

    @strict.get("/boom")
    def boom():
        raise RuntimeError("an unexpected fault")

    client = strict.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert_security_headers(response)
    stale = client.post("/signin/staff", data={"username": "sam"})  # no CSRF token
    assert stale.status_code == 400
    assert_security_headers(stale)


def test_over_https_browsers_are_told_to_stay_on_https(world):
    for path in ("/", "/signin/staff", "/static/css/doorstep.css", "/no-such-page"):
        response = world.anonymous.get(path, base_url="https://localhost")
        assert_security_headers(response, https=True, where=path)
    pdf = world.staff.get("/staff/impact/summary.pdf", base_url="https://localhost")
    assert pdf.mimetype == "application/pdf"
    assert_security_headers(pdf, https=True)


def test_htmx_is_configured_for_the_strict_policy(world):
    page = world.anonymous.get("/signin/staff").get_data(as_text=True)
    config = json.loads(page.split("name=\"htmx-config\" content='", 1)[1].split("'", 1)[0])
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["selfRequestsOnly"] is True


# ---- cookies -------------------------------------------------------------------------------


def test_cookies_over_plain_http_are_httponly_and_samesite(app, db, venue, staff, volunteer):
    response = sign_in_staff(app.test_client())
    session = cookie(response, "session")
    assert session["httponly"] is True and session["samesite"] == "Lax"
    assert "secure" not in session  # a plain-HTTP test server could not send it back
    tablet = cookie(sign_in_volunteer(app.test_client(), venue), auth.TABLET_COOKIE)
    assert tablet["httponly"] is True and tablet["samesite"] == "Lax" and "secure" not in tablet


def test_cookies_over_https_are_secure(app, db, venue, staff, volunteer):
    https = {"base_url": "https://localhost"}
    client = app.test_client()
    response = client.post("/signin/staff", data={"username": "sam",
                                                   "password": "correct horse battery"}, **https)
    assert response.status_code == 302
    session = cookie(response, "session")
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax"

    kiosk = client.post("/staff/kiosks", data={"name": "Front desk", "venue": venue}, **https)
    assert kiosk.status_code == 303
    registration = cookie(kiosk, auth.KIOSK_COOKIE)
    assert registration["secure"] is True and registration["httponly"] is True
    assert registration["samesite"] == "Lax"

    tablet = cookie(app.test_client().post("/signin/volunteer", data={
        "name": "Asha", "pin": "1234", "venue": venue}, **https), auth.TABLET_COOKIE)
    assert tablet["secure"] is True and tablet["httponly"] is True and tablet["samesite"] == "Lax"


def test_behind_nginx_the_forwarded_scheme_counts_only_when_configured(tmp_path):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}
    login = {"username": "sam", "password": "correct horse battery"}
    for hops, secure in ((0, False), (1, True)):
        app = make_app(tmp_path / str(hops), PROXY_HOPS=hops)
        db = dbmod.connect(app.config["DATABASE"])
        auth.create_user(db, "sam", "Sam Staff", "staff", "correct horse battery", SYSTEM)
        db.conn.close()
        response = app.test_client().post("/signin/staff", data=login, headers=forwarded)
        assert response.status_code == 302
        # Without a proxy configured, anyone could send that header: it must change nothing.
        assert ("secure" in cookie(response, "session")) is secure, hops
        assert ("Strict-Transport-Security" in response.headers) is secure, hops


def test_the_proxy_hops_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_PROXY_HOPS", "1")
    app = make_app(tmp_path)
    assert app.config["PROXY_HOPS"] == 1
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert_security_headers(response, https=True)


# ---- Clear-Site-Data -----------------------------------------------------------------------


def test_staff_sign_out_clears_the_browser_but_keeps_the_message(staff_client):
    response = staff_client.post("/signout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    page = staff_client.get(response.headers["Location"])
    assert "You have signed out." in page.get_data(as_text=True)
    assert "Clear-Site-Data" not in page.headers
    assert staff_client.get("/staff/").headers["Location"].startswith("/signin/staff")


def test_volunteer_sign_out_keeps_the_tablet_venue_and_names(app, venue, volunteer):
    client = app.test_client()
    assert sign_in_volunteer(client, venue).status_code == 302
    response = client.post("/signout", data={"switch": "1"})
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get_cookie(auth.TABLET_COOKIE) is not None
    page = client.get("/signin/volunteer").get_data(as_text=True)
    assert "Asha" in page  # the next volunteer still sees the recent names
    assert client.get("/volunteer/").status_code == 302


def test_kiosk_reset_clears_the_browser_and_stays_a_kiosk(kiosk_client):
    response = kiosk_client.get("/kiosk/reset")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert kiosk_client.get_cookie(auth.KIOSK_COOKIE) is not None
    start = kiosk_client.get(response.headers["Location"])
    assert "What do you need help with?" in start.get_data(as_text=True)
    assert "Clear-Site-Data" not in start.headers


def test_registering_a_kiosk_clears_what_staff_left_in_the_browser(app, venue, staff_client):
    response = staff_client.post("/staff/kiosks", data={"name": "Front desk", "venue": venue})
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert cookie(response, auth.KIOSK_COOKIE)["value"]


def test_a_failed_sign_out_clears_nothing(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/signout")  # no CSRF token: refused
    assert response.status_code == 400
    assert "Clear-Site-Data" not in response.headers


# ---- timeouts ------------------------------------------------------------------------------


def test_the_kiosk_screen_resets_after_two_minutes(kiosk_client):
    page = kiosk_client.get("/kiosk/").get_data(as_text=True)
    assert 'data-idle-seconds="120"' in page
    assert 'data-reset-url="/kiosk/reset"' in page


def test_the_kiosk_session_does_not_outlive_the_idle_reset(kiosk_client, monkeypatch):
    clock = SimpleNamespace(now=1_000_000)
    monkeypatch.setattr(kiosk_views, "time", SimpleNamespace(time=lambda: clock.now))
    kiosk_client.get("/kiosk/")
    with kiosk_client.session_transaction() as session:
        session["left_behind"] = "Joan"  # whatever a kiosk screen might ever keep
    clock.now += 119
    kiosk_client.get("/kiosk/whats-on")
    with kiosk_client.session_transaction() as session:
        assert session["left_behind"] == "Joan"  # still in use: kept
    clock.now += 121
    kiosk_client.get("/kiosk/")
    with kiosk_client.session_transaction() as session:
        assert "left_behind" not in session


def test_a_slow_kiosk_form_still_goes_through(tmp_path, monkeypatch):
    """The idle rule runs after the CSRF check: a long name typed slowly is not refused."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    db = dbmod.connect(app.config["DATABASE"])
    venue = db["venues"].insert({"name": "Wigan Library"}).last_pk
    token = auth.register_kiosk(db, "Front desk", venue, SYSTEM)
    client = app.test_client()
    client.set_cookie(auth.KIOSK_COOKIE, token)
    clock = SimpleNamespace(now=1_000_000)
    monkeypatch.setattr(kiosk_views, "time", SimpleNamespace(time=lambda: clock.now))
    page = client.get("/kiosk/name?topic=email").get_data(as_text=True)
    form = dict(re.findall(r'name="(csrf_token|request_id)" value="([^"]+)"', page))
    clock.now += 300
    response = client.post("/kiosk/tickets", data={**form, "topic": "email", "name": "Joan"})
    assert response.status_code == 303
    assert db["tickets"].count == 1
    db.conn.close()


def test_volunteer_idle_minutes_come_from_one_plain_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_VOLUNTEER_IDLE_MINUTES", "480")
    app = make_app(tmp_path)
    assert app.config["SESSION_IDLE_MINUTES"] == {"staff": 30, "volunteer": 480, "partner": 30}
    assert app_module.DEFAULTS["SESSION_IDLE_MINUTES"] == {"staff": 30, "volunteer": 240,
                                                          "partner": 30}
    db = dbmod.connect(app.config["DATABASE"])
    venue = db["venues"].insert({"name": "Wigan Library"}).last_pk
    user = auth.create_user(db, "Asha", "Asha", "volunteer", "1234", SYSTEM)
    client = app.test_client()
    assert sign_in_volunteer(client, venue).status_code == 302

    def idle_for(minutes):
        db.execute("update user_sessions set last_seen_at = ? where user_id = ?",
                   [stamp(utcnow() - timedelta(minutes=minutes)), user])
        db.conn.commit()

    idle_for(300)  # longer than the default four hours, within the council's eight
    assert client.get("/volunteer/").status_code == 200
    idle_for(481)
    assert client.get("/volunteer/").headers["Location"].startswith("/signin/volunteer")
    db.conn.close()


@pytest.mark.parametrize("value", ["0", "lots", "721", "2.5", "true"])
def test_a_wrong_volunteer_idle_setting_stops_the_app_starting(tmp_path, monkeypatch, value):
    monkeypatch.setenv("DOORSTEP_VOLUNTEER_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="DOORSTEP_VOLUNTEER_IDLE_MINUTES"):
        make_app(tmp_path)


def test_staff_idle_stays_thirty_minutes_by_default(app):
    assert app.config["SESSION_IDLE_MINUTES"]["staff"] == 30
    assert app.config["KIOSK_IDLE_SECONDS"] == 120
    assert auth.ABSOLUTE_SESSION_HOURS == 12
