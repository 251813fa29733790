"""Signing in and out, lockout, CSRF, htmx on expiry, idle sessions, kiosks, create-user."""

import re
from datetime import timedelta

import pytest

import auth
from audit import Actor, stamp, utcnow
from tests.conftest import STAFF_PASSWORD, make_app, sign_in_staff, sign_in_volunteer

pytestmark = pytest.mark.usefixtures("fast_hashing")

LOCKED = "Too many wrong tries: this account is locked"
NOT_RECOGNISED = "Name or PIN not recognised."


def page(response) -> str:
    return response.get_data(as_text=True)


def sessions_of(db, user_id) -> int:
    return db["user_sessions"].count_where("user_id = ?", [user_id])


# ---- signing out ---------------------------------------------------------------------------


def test_signing_out_ends_the_session_on_the_server(app, db, volunteer, volunteer_client):
    cookie = volunteer_client.get_cookie("session")
    assert cookie is not None
    assert sessions_of(db, volunteer) == 1
    # The copied cookie works while the session lasts ...
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get("/volunteer/").status_code == 200

    response = volunteer_client.post("/signout", follow_redirects=True)
    assert "Signed out. Next volunteer, please sign in." in page(response)
    assert sessions_of(db, volunteer) == 0

    # ... and not after: a stolen copy of the cookie opens nothing.
    stale = app.test_client()
    stale.set_cookie("session", cookie.value)
    response = stale.get("/volunteer/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin/volunteer")


def test_staff_sign_out_goes_to_the_staff_sign_in(db, staff, staff_client):
    response = staff_client.post("/signout", follow_redirects=True)
    assert "You have signed out." in page(response)
    assert "Staff sign in" in page(response)
    assert sessions_of(db, staff) == 0
    assert staff_client.get("/staff/").status_code == 302


def test_switch_volunteer_hands_the_tablet_to_the_next_person(app, db, venue, volunteer,
                                                              volunteer2, volunteer_client):
    response = volunteer_client.post("/signout", data={"switch": "1"}, follow_redirects=True)
    text = page(response)
    assert "Next volunteer, please sign in." in text
    # The tablet remembers who used it, so the next person can tap their name.
    assert 'href="/signin/volunteer?name=Asha"' in text
    assert sign_in_volunteer(volunteer_client, venue, "Bill", "2345").status_code == 302
    assert "Bill at Wigan Library" in page(volunteer_client.get("/volunteer/"))
    assert sessions_of(db, volunteer) == 0 and sessions_of(db, volunteer2) == 1


def test_signing_in_records_a_session_with_the_venue(db, venue, volunteer, volunteer_client):
    rows = list(db["user_sessions"].rows_where("user_id = ?", [volunteer]))
    assert len(rows) == 1 and rows[0]["venue_id"] == venue
    # Only a hash of the token is stored, never the cookie's value.
    assert len(rows[0]["token_hash"]) == 64
    assert rows[0]["token_hash"] not in volunteer_client.get_cookie("session").value


# ---- lockout -------------------------------------------------------------------------------


def test_five_wrong_pins_lock_the_account_not_the_tablet(app, db, venue, staff, volunteer,
                                                          volunteer2):
    tablet = app.test_client()
    for attempt in range(1, 5):
        response = sign_in_volunteer(tablet, venue, "Asha", "9999")
        assert response.status_code == 401
        assert NOT_RECOGNISED in page(response)
        assert db["users"].get(volunteer)["failed_logins"] == attempt
    response = sign_in_volunteer(tablet, venue, "asha", "9999")  # names are case-insensitive
    assert response.status_code == 401
    assert LOCKED in page(response)
    assert db["users"].get(volunteer)["locked_until"] > stamp(utcnow())
    assert db["audit_log"].count_where("action = 'user.locked' and row_id = ?", [volunteer]) == 1

    # Even the right PIN is refused now, with the same plain message.
    response = sign_in_volunteer(tablet, venue, "Asha", "1234")
    assert response.status_code == 401
    assert LOCKED in page(response)
    assert sessions_of(db, volunteer) == 0

    # The whole library shares one IP: another volunteer on the same tablet signs in fine.
    response = sign_in_volunteer(tablet, venue, "Bill", "2345")
    assert response.status_code == 302
    assert sessions_of(db, volunteer2) == 1

    # Staff see the lock and lift it.
    staff_client = app.test_client()
    assert sign_in_staff(staff_client).status_code == 302
    people = page(staff_client.get("/staff/people"))
    assert "Locked after wrong tries" in people and "Unlock Asha" in people
    response = staff_client.post(f"/staff/people/{volunteer}/unlock", follow_redirects=True)
    assert "Asha can sign in again." in page(response)
    assert "Locked after wrong tries" not in page(response)
    assert db["users"].get(volunteer)["locked_until"] is None
    assert db["audit_log"].count_where("action = 'user.unlock' and actor_id = ?", [staff]) == 1

    response = sign_in_volunteer(app.test_client(), venue, "Asha", "1234")
    assert response.status_code == 302
    assert sessions_of(db, volunteer) == 1


def test_a_right_pin_before_the_fifth_try_resets_the_count(app, db, venue, volunteer):
    tablet = app.test_client()
    for _ in range(4):
        sign_in_volunteer(tablet, venue, "Asha", "0000")
    assert db["users"].get(volunteer)["failed_logins"] == 4
    assert sign_in_volunteer(tablet, venue, "Asha", "1234").status_code == 302
    assert db["users"].get(volunteer)["failed_logins"] == 0
    assert db["users"].get(volunteer)["locked_until"] is None


def test_an_expired_lock_lets_the_person_in(app, db, venue, volunteer):
    db["users"].update(volunteer, {"locked_until": stamp(utcnow() - timedelta(minutes=1))})
    assert sign_in_volunteer(app.test_client(), venue).status_code == 302


def test_a_volunteer_pin_does_not_open_the_staff_sign_in(app, db, volunteer):
    response = app.test_client().post("/signin/staff", data={"username": "Asha",
                                                             "password": "1234"})
    assert response.status_code == 401
    assert "Username or password not recognised." in page(response)
    assert sessions_of(db, volunteer) == 0


# ---- CSRF ----------------------------------------------------------------------------------


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


@pytest.fixture
def csrf_app(tmp_path, db, venue, staff, volunteer):
    """The same database as `db`, served with CSRF protection on, as in production."""
    return make_app(tmp_path, WTF_CSRF_ENABLED=True)


def test_a_kiosk_post_without_a_csrf_token_is_refused_and_writes_nothing(csrf_app, db, venue,
                                                                         staff):
    kiosk = csrf_app.test_client()
    kiosk.set_cookie(auth.KIOSK_COOKIE,
                     auth.register_kiosk(db, "Front desk", venue, Actor(staff, "Sam")))
    audit_before = db["audit_log"].count
    response = kiosk.post("/kiosk/tickets", data={"topic": "email", "name": "Mary"})
    assert response.status_code == 400
    assert "This page had gone stale" in page(response)
    assert db["tickets"].count == 0
    assert db["audit_log"].count == audit_before

    form_page = page(kiosk.get("/kiosk/name?topic=email"))
    response = kiosk.post("/kiosk/tickets", data={"topic": "email", "name": "Mary",
                                                  "csrf_token": csrf_token_from(form_page)})
    assert response.status_code == 303
    assert [t["name"] for t in db["tickets"].rows] == ["Mary"]


def test_signing_in_needs_the_token_from_the_form(csrf_app, db, venue, volunteer):
    client = csrf_app.test_client()
    response = sign_in_volunteer(client, venue)
    assert response.status_code == 400
    assert sessions_of(db, volunteer) == 0
    token = csrf_token_from(page(client.get("/signin/volunteer")))
    response = client.post("/signin/volunteer", data={"name": "Asha", "pin": "1234",
                                                      "venue": venue, "csrf_token": token})
    assert response.status_code == 302
    assert sessions_of(db, volunteer) == 1


def test_a_forged_token_is_refused(csrf_app, db, venue, staff):
    client = csrf_app.test_client()
    client.get("/signin/staff")
    response = client.post("/signin/staff", data={"username": "sam", "password": STAFF_PASSWORD,
                                                  "csrf_token": "forged"})
    assert response.status_code == 400
    assert sessions_of(db, staff) == 0


def test_htmx_posts_carry_the_token_in_a_header(csrf_app, db, venue, volunteer):
    client = csrf_app.test_client()
    token = csrf_token_from(page(client.get("/signin/volunteer")))
    client.post("/signin/volunteer", data={"name": "Asha", "pin": "1234", "venue": venue,
                                           "csrf_token": token})
    queue = page(client.get("/volunteer/"))
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', queue).group(1)
    response = client.post("/volunteer/walk-in", data={"topic": "email"},
                           headers={"X-CSRFToken": meta, "HX-Request": "true"})
    assert response.status_code == 303
    assert db["tickets"].count == 1


# ---- htmx and expired sessions -------------------------------------------------------------


def test_htmx_without_a_session_gets_hx_redirect_never_a_sign_in_page(app):
    response = app.test_client().get("/volunteer/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/signin/volunteer")
    assert "<html" not in page(response)
    assert "sign in" not in page(response).lower()


def test_htmx_to_staff_without_a_session_points_at_staff_sign_in(app):
    response = app.test_client().get("/staff/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/signin/staff")
    assert page(response) == ""


def test_a_plain_request_without_a_session_is_sent_to_sign_in_and_back(app):
    response = app.test_client().get("/volunteer/walk-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin/volunteer?next=/volunteer/walk-in"


def test_after_sign_in_the_person_returns_to_where_they_were(app, venue, volunteer):
    client = app.test_client()
    response = client.post("/signin/volunteer?next=/volunteer/walk-in",
                           data={"name": "Asha", "pin": "1234", "venue": venue})
    assert response.headers["Location"] == "/volunteer/walk-in"


def test_sign_in_never_bounces_to_another_site(app, venue, volunteer):
    response = app.test_client().post("/signin/volunteer?next=https://evil.example/",
                                      data={"name": "Asha", "pin": "1234", "venue": venue})
    assert response.headers["Location"] == "/volunteer/"


def _age_sessions(db, user_id, **ago):
    then = stamp(utcnow() - timedelta(**ago))
    db.execute("update user_sessions set last_seen_at = ? where user_id = ?", [then, user_id])


def test_an_idle_volunteer_session_expires(db, volunteer, volunteer_client):
    _age_sessions(db, volunteer, minutes=200)  # under the 4 hours a tea party may last
    assert volunteer_client.get("/volunteer/").status_code == 200
    _age_sessions(db, volunteer, minutes=241)
    response = volunteer_client.get("/volunteer/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin/volunteer")
    assert sessions_of(db, volunteer) == 0
    response = volunteer_client.get("/volunteer/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "HX-Redirect" in response.headers


def test_an_idle_staff_session_expires_sooner(db, staff, staff_client):
    _age_sessions(db, staff, minutes=31)
    response = staff_client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin/staff")
    assert sessions_of(db, staff) == 0


def test_a_session_ends_after_twelve_hours_however_busy(db, volunteer, volunteer_client):
    db.execute("update user_sessions set created_at = ? where user_id = ?",
               [stamp(utcnow() - timedelta(hours=12, minutes=1)), volunteer])
    assert volunteer_client.get("/volunteer/").status_code == 302


def test_a_deactivated_account_is_signed_out(db, volunteer, volunteer_client):
    db["users"].update(volunteer, {"active": 0})
    assert volunteer_client.get("/volunteer/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/home"),
        ("", "/home"),
        ("/volunteer/", "/volunteer/"),
        ("/staff/?venue=1&first=2026-11-01", "/staff/?venue=1&first=2026-11-01"),
        ("https://evil.example/", "/home"),
        ("http://evil.example", "/home"),
        ("//evil.example/path", "/home"),
        ("///evil.example", "/home"),
        ("/\\evil.example", "/home"),
        ("\\\\evil.example", "/home"),
        ("/\t/evil.example", "/home"),
        ("/\n/evil.example", "/home"),
        ("javascript:alert(1)", "/home"),
        ("evil.example", "/home"),
        (" /volunteer/", "/home"),
    ],
)
def test_safe_next_only_allows_paths_on_this_site(target, expected):
    assert auth.safe_next(target, "/home") == expected


# ---- kiosks --------------------------------------------------------------------------------


def test_an_unregistered_browser_is_not_a_kiosk(app, db):
    for url in ("/kiosk/", "/kiosk/display", "/kiosk/name?topic=email"):
        response = app.test_client().get(url)
        assert response.status_code == 403
        assert "not set up as a kiosk" in page(response)


def test_a_made_up_kiosk_cookie_is_not_a_kiosk(app, kiosk_client):
    client = app.test_client()
    client.set_cookie(auth.KIOSK_COOKIE, "made-up-token")
    assert client.get("/kiosk/").status_code == 403


def test_a_revoked_kiosk_stops_working(db, kiosk_client, staff_client):
    assert kiosk_client.get("/kiosk/").status_code == 200
    (kiosk_id,) = [k["id"] for k in db["kiosks"].rows]
    response = staff_client.post(f"/staff/kiosks/{kiosk_id}/revoke", follow_redirects=True)
    assert "can no longer show kiosk screens" in page(response)
    assert db["kiosks"].get(kiosk_id)["revoked_at"]
    response = kiosk_client.get("/kiosk/")
    assert response.status_code == 403
    assert "not set up as a kiosk" in page(response)
    assert kiosk_client.post("/kiosk/tickets", data={"topic": "email"}).status_code == 403
    assert db["tickets"].count == 0


def test_registering_a_kiosk_signs_staff_out_and_sets_the_kiosk_cookie(db, venue, staff,
                                                                       staff_client):
    response = staff_client.post("/staff/kiosks", data={"name": "Front desk", "venue": venue})
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/"
    assert sessions_of(db, staff) == 0
    assert "What do you need help with?" in page(staff_client.get("/kiosk/"))
    assert staff_client.get("/staff/").status_code == 302
    (kiosk,) = db["kiosks"].rows
    assert kiosk["name"] == "Front desk" and kiosk["venue_id"] == venue
    # Only the token's hash is stored.
    assert staff_client.get_cookie(auth.KIOSK_COOKIE).value != kiosk["token_hash"]


# ---- create-user -----------------------------------------------------------------------------


def test_create_user_command_adds_a_volunteer_who_can_sign_in(app, db, venue):
    result = app.test_cli_runner().invoke(args=["create-user", "Dana", "--role", "volunteer",
                                                "--password", "4567"])
    assert result.exit_code == 0, result.output
    assert "Created volunteer 'Dana'." in result.output
    (row,) = db["users"].rows_where("username = 'Dana'")
    assert row["role"] == "volunteer" and row["secret_hash"].startswith("$argon2")
    assert sign_in_volunteer(app.test_client(), venue, "Dana", "4567").status_code == 302


def test_create_user_command_adds_staff(app, db):
    result = app.test_cli_runner().invoke(args=["create-user", "lee", "--name", "Lee Jones",
                                                "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    assert db["users"].get(1)["display_name"] == "Lee Jones"
    assert db["users"].get(1)["role"] == "staff"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Dana", "--role", "volunteer", "--password", "12ab"], "A PIN is 4 to 6 digits."),
        (["Dana", "--role", "volunteer", "--password", "123"], "A PIN is 4 to 6 digits."),
        (["Dana", "--role", "volunteer", "--password", "1234567"], "A PIN is 4 to 6 digits."),
        (["Dana", "--role", "volunteer", "--password", "1234\n"], "A PIN is 4 to 6 digits."),
        (["Dana", "--role", "volunteer", "--password", "١٢٣٤"], "A PIN is 4 to 6 digits."),
        (["lee", "--password", "short"], "at least 10 characters"),
        (["x" * 61, "--password", "a long enough password"], "up to 60 characters"),
    ],
)
def test_create_user_command_refuses_a_bad_pin_or_password(app, db, args, message):
    result = app.test_cli_runner().invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db["users"].count == 0


def test_create_user_command_refuses_a_taken_name(app, db, volunteer):
    result = app.test_cli_runner().invoke(args=["create-user", "ASHA", "--role", "volunteer",
                                                "--password", "5678"])
    assert result.exit_code != 0
    assert "already taken" in result.output
    assert db["users"].count == 1
