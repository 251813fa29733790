"""A second factor for staff (TOTP): the secret encrypted at rest, the ±1 step window, replayed
codes refused, one lockout shared with passwords, single-use recovery codes, the council's
"require it" setting, and a part-way sign-in that opens nothing."""

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet

import auth
import lockout
import two_factor
from audit import Actor, stamp, utcnow
from tests.conftest import STAFF_PASSWORD, make_app, sign_in_staff
from tests.test_access import requests_for
from validation import InvalidInput

pytestmark = pytest.mark.usefixtures("fast_hashing", "fast_recovery_hashing")

SYSTEM = Actor(None, "test")
T0 = datetime(2027, 3, 1, 10, 0, 0, tzinfo=UTC)  # on a 30-second step boundary


@pytest.fixture
def app(tmp_path):
    """Each test has its own data key, as a council's server would."""
    return make_app(tmp_path, DATA_KEY=Fernet.generate_key().decode())


@pytest.fixture
def fast_recovery_hashing(monkeypatch):
    monkeypatch.setattr(two_factor, "recovery_hasher",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def box(app):
    return two_factor.cipher(app)


@pytest.fixture
def colleague(db):
    return auth.create_user(db, "kim", "Kim Colleague", "staff", STAFF_PASSWORD, SYSTEM)


def page(response) -> str:
    return response.get_data(as_text=True)


def words(response) -> str:
    """The page as a person reads it: entities such as &#39; turned back into characters."""
    return html.unescape(page(response))


def enrol(db, box, user_id, when=None):
    """Set up and switch on a second factor through the rules, a few minutes ago (so a
    code from now is not a replay). Returns (secret, recovery codes)."""
    when = when or utcnow() - timedelta(minutes=3)
    secret = two_factor.begin_setup(db, user_id, box)
    codes = two_factor.confirm_setup(db, user_id, pyotp.TOTP(secret).at(when), box, SYSTEM,
                                     now=when)
    return secret, codes


def secret_on(html: str) -> str:
    """The key as the set-up page types it out for a person, without its spaces."""
    return re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


def recovery_codes_on(html: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9]{5}-[A-Z0-9]{5})</code></li>", html)


def sessions_of(db, user_id) -> int:
    return db["user_sessions"].count_where("user_id = ?", [user_id])


def pending_client(app, db, box, staff):
    """A browser whose staff member typed the right password but no code yet."""
    secret, _codes = enrol(db, box, staff)
    client = app.test_client()
    response = sign_in_staff(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin/staff/code"
    return client, secret


# ---- the key and encryption at rest ---------------------------------------------------------


def test_the_secret_is_encrypted_at_rest(db, box, staff):
    secret, codes = enrol(db, box, staff)
    stored = db["users"].get(staff)["totp_secret"]
    assert secret not in stored and secret.lower() not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    dump = "\n".join(db.conn.iterdump())
    assert secret not in dump
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump
    # Another server's key opens nothing: the code is refused, and not as a wrong guess.
    other = two_factor.load_cipher(Fernet.generate_key().decode(), None)
    assert two_factor.verify_code(db, staff, pyotp.TOTP(secret).now(), other) == (
        two_factor.UNREADABLE)
    assert db["users"].get(staff)["failed_logins"] == 0


def test_without_a_configured_key_one_is_made_once_readable_only_by_its_owner(tmp_path):
    instance = tmp_path / "instance"
    first = two_factor.load_cipher(None, instance)
    path = instance / "data_key"
    assert path.stat().st_mode & 0o777 == 0o600
    token = first.encrypt(b"x")
    assert two_factor.load_cipher("", instance).decrypt(token) == b"x"  # the same key again
    assert [p.name for p in instance.iterdir()] == ["data_key"]  # no temporary file left


def test_the_app_takes_its_key_from_the_config_and_refuses_a_bad_one(tmp_path):
    key = Fernet.generate_key().decode()
    app = make_app(tmp_path, DATA_KEY=key)
    assert Fernet(key).decrypt(two_factor.cipher(app).encrypt(b"x")) == b"x"
    with pytest.raises(RuntimeError, match="DOORSTEP_DATA_KEY is not a valid key"):
        make_app(tmp_path, DATA_KEY="not a key")


def test_a_replaced_key_still_opens_what_the_old_one_wrote(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = two_factor.load_cipher(old, None).encrypt(b"seed")
    both = two_factor.load_cipher(f"{new}, {old}", None)
    assert both.decrypt(token) == b"seed"
    assert Fernet(new).decrypt(both.encrypt(b"seed")) == b"seed"  # the first key writes


# ---- codes: window, replay, lockout ---------------------------------------------------------


def test_a_code_one_step_either_side_works_two_steps_do_not(db, box, staff):
    secret, _ = enrol(db, box, staff, when=T0 - timedelta(minutes=10))
    totp = pyotp.TOTP(secret)
    assert two_factor.verify_code(db, staff, totp.at(T0 - timedelta(seconds=60)), box,
                                  now=T0) == two_factor.WRONG
    assert two_factor.verify_code(db, staff, totp.at(T0 - timedelta(seconds=30)), box,
                                  now=T0) is None
    assert two_factor.verify_code(db, staff, totp.at(T0 + timedelta(seconds=60)), box,
                                  now=T0) == two_factor.WRONG
    assert two_factor.verify_code(db, staff, totp.at(T0 + timedelta(seconds=30)), box,
                                  now=T0) is None


def test_a_used_code_and_any_older_one_are_refused(db, box, staff):
    secret, _ = enrol(db, box, staff, when=T0 - timedelta(minutes=10))
    totp = pyotp.TOTP(secret)
    code = totp.at(T0)
    assert two_factor.verify_code(db, staff, code, box, now=T0) is None
    assert db["users"].get(staff)["totp_last_step"] == totp.timecode(T0)
    assert two_factor.verify_code(db, staff, code, box, now=T0) == two_factor.USED
    later = T0 + timedelta(seconds=15)  # same step: still refused
    assert two_factor.verify_code(db, staff, code, box, now=later) == two_factor.USED
    # A code from the step before, still inside the window, is refused too.
    earlier = totp.at(T0 - timedelta(seconds=30))
    assert two_factor.verify_code(db, staff, earlier, box, now=T0) == two_factor.USED


def test_the_confirming_code_cannot_sign_in(db, box, staff):
    secret = two_factor.begin_setup(db, staff, box)
    code = pyotp.TOTP(secret).at(T0)
    two_factor.confirm_setup(db, staff, code, box, SYSTEM, now=T0)
    assert two_factor.verify_code(db, staff, code, box, now=T0) == two_factor.USED


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", None])
def test_a_mistyped_code_is_not_a_guess(db, box, staff, typed):
    enrol(db, box, staff)
    assert two_factor.verify_code(db, staff, typed, box) == two_factor.BAD_FORMAT
    assert db["users"].get(staff)["failed_logins"] == 0


def test_spaces_in_a_code_are_fine(db, box, staff):
    secret, _ = enrol(db, box, staff)
    code = pyotp.TOTP(secret).now()
    assert two_factor.verify_code(db, staff, f" {code[:3]} {code[3:]} ", box) is None


def test_wrong_codes_and_wrong_passwords_count_toward_one_lockout(app, db, box, staff):
    secret, _ = enrol(db, box, staff)
    client = app.test_client()
    for _ in range(3):
        assert sign_in_staff(client, password="wrong password").status_code == 401
    assert db["users"].get(staff)["failed_logins"] == 3
    # The right password does not wipe the count when a code is still to come ...
    assert sign_in_staff(client).headers["Location"] == "/signin/staff/code"
    assert db["users"].get(staff)["failed_logins"] == 3
    response = client.post("/signin/staff/code", data={"code": "000000"})
    assert response.status_code == 401
    assert db["users"].get(staff)["failed_logins"] == 4
    # ... so the fifth wrong try, whichever kind, locks the account.
    response = client.post("/signin/staff/code", data={"code": "111111"})
    assert response.status_code == 401
    assert lockout.LOCKED in page(response)
    assert db["users"].get(staff)["locked_until"] > stamp(utcnow())
    assert db["audit_log"].count_where("action = 'user.locked' and row_id = ?", [staff]) == 1
    # Locked: even the right code is refused, and so is the password.
    response = client.post("/signin/staff/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 401 and lockout.LOCKED in page(response)
    response = sign_in_staff(app.test_client())
    assert response.status_code == 401 and lockout.LOCKED in page(response)
    assert sessions_of(db, staff) == 0


def test_knowing_the_password_does_not_buy_unlimited_code_guesses(app, db, box, staff):
    enrol(db, box, staff)
    client = app.test_client()
    for _ in range(2):
        sign_in_staff(client)
        client.post("/signin/staff/code", data={"code": "000000"})
        client.post("/signin/staff/code", data={"code": "111111"})
    sign_in_staff(client)
    response = client.post("/signin/staff/code", data={"code": "222222"})
    assert lockout.LOCKED in page(response)


def test_the_right_code_starts_the_count_again(app, db, box, staff):
    secret, _ = enrol(db, box, staff)
    client = app.test_client()
    sign_in_staff(client, password="wrong password")
    sign_in_staff(client)
    client.post("/signin/staff/code", data={"code": "000000"})
    assert db["users"].get(staff)["failed_logins"] == 2
    response = client.post("/signin/staff/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert db["users"].get(staff)["failed_logins"] == 0


# ---- signing in with a second factor --------------------------------------------------------


def test_staff_without_a_second_factor_sign_in_as_before(app, db, staff):
    response = sign_in_staff(app.test_client())
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert sessions_of(db, staff) == 1


def test_password_then_code_then_in_and_back_where_they_were(app, db, box, staff):
    secret, _ = enrol(db, box, staff)
    client = app.test_client()
    response = client.post("/signin/staff?next=/staff/people",
                           data={"username": "sam", "password": STAFF_PASSWORD})
    assert response.headers["Location"] == "/signin/staff/code"
    assert sessions_of(db, staff) == 0  # no server-side session yet
    text = page(client.get("/signin/staff/code"))
    assert "Enter the 6-digit code from your authenticator app" in text
    assert 'autocomplete="one-time-code"' in text

    response = client.post("/signin/staff/code", data={"code": "000000"})
    assert response.status_code == 401
    text = page(response)
    assert two_factor.WRONG in text
    assert 'aria-invalid="true" aria-describedby="code-error code-hint"' in text
    assert 'id="code-error"' in text
    assert sessions_of(db, staff) == 0

    response = client.post("/signin/staff/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/people"
    assert sessions_of(db, staff) == 1
    assert client.get("/staff/people").status_code == 200
    # Used up: the pending step is gone, so the code page sends the person to sign in.
    assert client.get("/signin/staff/code").headers["Location"] == "/signin/staff"


def test_a_mistyped_code_keeps_what_was_typed(app, db, box, staff):
    client, _secret = pending_client(app, db, box, staff)
    response = client.post("/signin/staff/code", data={"code": "12 34"})
    assert response.status_code == 422
    assert two_factor.BAD_FORMAT in page(response)
    assert 'value="12 34"' in page(response)


def test_the_next_after_a_code_never_leaves_the_site(app, db, box, staff):
    secret, _ = enrol(db, box, staff)
    client = app.test_client()
    client.post("/signin/staff?next=https://evil.example/",
                data={"username": "sam", "password": STAFF_PASSWORD})
    response = client.post("/signin/staff/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/staff/"


def test_a_part_way_sign_in_opens_no_staff_page(app, db, box, staff):
    client, _secret = pending_client(app, db, box, staff)
    requests = requests_for(app, "staff.")
    assert len(requests) > 20
    audit = db["audit_log"].count
    for _endpoint, method, url in requests:
        response = client.open(url, method=method, data={"code": "123456", "reason": "x"}
                               if method == "POST" else None)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/signin/staff"), (method, url)
        response = client.open(url, method=method, headers={"HX-Request": "true"})
        assert response.status_code == 401, (method, url)
        assert response.headers["HX-Redirect"].startswith("/signin/staff"), (method, url)
    assert sessions_of(db, staff) == 0
    assert db["audit_log"].count == audit
    # The part-way sign-in is still there: the code page still answers.
    assert client.get("/signin/staff/code").status_code == 200


def test_a_part_way_sign_in_lasts_five_minutes(app, db, box, staff):
    client, secret = pending_client(app, db, box, staff)
    with client.session_transaction() as session:
        pending = session[auth.PENDING_SIGNIN]
        session[auth.PENDING_SIGNIN] = dict(pending, at=pending["at"] - auth.PENDING_SECONDS - 1)
    response = client.post("/signin/staff/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/signin/staff"
    assert sessions_of(db, staff) == 0
    assert "longer than five minutes" in page(client.get("/signin/staff"))


def test_a_forged_pending_sign_in_is_nobody(app, db, box, staff):
    enrol(db, box, staff)
    client = app.test_client()
    with client.session_transaction() as session:
        session[auth.PENDING_SIGNIN] = {"user": "x", "at": "soon"}
    assert client.get("/signin/staff/code").headers["Location"] == "/signin/staff"
    assert client.get("/signin/staff/set-up").headers["Location"] == "/signin/staff"


def test_the_second_step_pages_without_a_password_send_people_to_sign_in(app):
    client = app.test_client()
    for url in ("/signin/staff/code", "/signin/staff/recovery", "/signin/staff/set-up"):
        response = client.get(url)
        assert response.headers["Location"] == "/signin/staff", url
        assert client.post(url, data={"code": "123456"}).headers["Location"] == "/signin/staff"


def test_cancelling_a_part_way_sign_in_forgets_it(app, db, box, staff):
    client, _secret = pending_client(app, db, box, staff)
    client.post("/signout")
    assert client.get("/signin/staff/code").headers["Location"] == "/signin/staff"


def test_a_volunteer_never_meets_a_second_factor(app, db, venue, staff, volunteer, box):
    enrol(db, box, staff)
    two_factor.set_required(db, Actor(staff, "Sam"), "1")
    response = app.test_client().post("/signin/volunteer", data={"name": "Asha", "pin": "1234",
                                                                 "venue": venue})
    assert response.status_code == 302 and response.headers["Location"] == "/volunteer/"
    with pytest.raises(InvalidInput):
        two_factor.begin_setup(db, volunteer, box)


# ---- recovery codes -------------------------------------------------------------------------


def test_recovery_codes_work_once_each(app, db, box, staff):
    _secret, codes = enrol(db, box, staff)
    assert len(codes) == 8 and len(set(codes)) == 8
    assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", c) for c in codes)
    client = app.test_client()
    sign_in_staff(client)
    response = client.post("/signin/staff/recovery", data={"code": codes[2].lower()})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/security"
    assert sessions_of(db, staff) == 1
    assert "You have 7 left" in page(client.get("/staff/security"))
    assert two_factor.recovery_codes_left(db["users"].get(staff), box) == 7

    again = app.test_client()
    sign_in_staff(again)
    response = again.post("/signin/staff/recovery", data={"code": codes[2]})
    assert response.status_code == 401
    assert two_factor.RECOVERY_WRONG in page(response)
    assert db["users"].get(staff)["failed_logins"] == 1
    # Typed without the dash, in small letters: still fine.
    response = again.post("/signin/staff/recovery",
                          data={"code": codes[5].replace("-", " ").lower()})
    assert response.status_code == 302
    used = list(db["audit_log"].rows_where("action = 'user.recovery_code_used'"))
    assert [json.loads(u["after"]) for u in used] == [{"recovery_codes_left": 7},
                                                      {"recovery_codes_left": 6}]


def test_a_mistyped_recovery_code_is_not_counted(app, db, box, staff):
    enrol(db, box, staff)
    client = app.test_client()
    sign_in_staff(client)
    response = client.post("/signin/staff/recovery", data={"code": "ABC"})
    assert response.status_code == 422
    assert two_factor.RECOVERY_FORMAT in page(response) and 'value="ABC"' in page(response)
    assert db["users"].get(staff)["failed_logins"] == 0


# ---- setting up, turning off, moving to a new phone -----------------------------------------


def test_staff_set_up_a_second_factor_from_their_security_page(db, staff, staff_client):
    text = page(staff_client.get("/staff/security"))
    assert "Your second factor is <strong>off</strong>" in text
    response = staff_client.get("/staff/security/set-up")
    assert response.headers["Cache-Control"] == "no-store"
    text = page(response)
    assert "<svg" in text and 'aria-label="QR code to scan with your authenticator app"' in text
    secret = secret_on(text)
    assert len(secret) == 32
    assert secret not in text.split('<code id="totp-secret">')[0]  # not in the QR's label
    # Reloading shows the same key, so the QR code already scanned still matches.
    assert secret_on(page(staff_client.get("/staff/security/set-up"))) == secret
    assert not two_factor.enabled(db["users"].get(staff))

    response = staff_client.post("/staff/security/set-up", data={"code": "000000"})
    assert response.status_code == 422
    assert "That code does not match" in page(response)
    assert secret_on(page(response)) == secret
    assert not two_factor.enabled(db["users"].get(staff))
    assert db["users"].get(staff)["failed_logins"] == 0  # setting up is not signing in

    response = staff_client.post("/staff/security/set-up",
                                 data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = recovery_codes_on(page(response))
    assert len(codes) == 8
    assert "This is the only time they are shown." in page(response)
    user = db["users"].get(staff)
    assert two_factor.enabled(user)
    assert "on" in page(staff_client.get("/staff/security"))
    (entry,) = db["audit_log"].rows_where("action = 'user.second_factor_on'")
    assert entry["actor_id"] == staff
    assert json.loads(entry["after"]) == {"recovery_codes": 8, "second_factor": "on"}
    # Back on the set-up page: nothing to set up.
    response = staff_client.get("/staff/security/set-up")
    assert response.headers["Location"] == "/staff/security"


def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(app, db, box, staff,
                                                                   staff_client):
    secret, old = enrol(db, box, staff)
    response = staff_client.post("/staff/security/recovery-codes", data={"code": "000000"})
    assert response.status_code == 422 and two_factor.WRONG in page(response)
    response = staff_client.post("/staff/security/recovery-codes",
                                 data={"code": pyotp.TOTP(secret).now()})
    new = recovery_codes_on(page(response))
    assert len(new) == 8 and not set(new) & set(old)
    assert db["audit_log"].count_where("action = 'user.recovery_codes_replaced'") == 1
    client = app.test_client()
    sign_in_staff(client)
    assert client.post("/signin/staff/recovery", data={"code": old[0]}).status_code == 401
    assert client.post("/signin/staff/recovery", data={"code": new[0]}).status_code == 302


def test_turning_off_needs_a_current_code(db, box, staff, staff_client):
    secret, _ = enrol(db, box, staff)
    response = staff_client.post("/staff/security/turn-off", data={"code": ""})
    assert response.status_code == 422
    assert two_factor.ANY_CODE_FORMAT in page(response)
    assert two_factor.enabled(db["users"].get(staff))
    response = staff_client.post("/staff/security/turn-off",
                                 data={"code": pyotp.TOTP(secret).now()}, follow_redirects=True)
    assert "Your second factor is off" in page(response)
    user = db["users"].get(staff)
    assert (user["totp_secret"], user["totp_enabled_at"], user["totp_last_step"]) == (
        None, None, None)
    assert db["audit_log"].count_where("action = 'user.second_factor_off'") == 1
    assert sign_in_staff(staff_client).headers["Location"] == "/staff/"


def test_turning_off_is_refused_while_the_council_requires_it(db, box, staff, staff_client):
    secret, _ = enrol(db, box, staff)
    two_factor.set_required(db, Actor(staff, "Sam"), "1")
    text = page(staff_client.get("/staff/security"))
    assert "Turn off my second factor" not in text
    response = staff_client.post("/staff/security/turn-off",
                                 data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 422
    assert "cannot be switched off" in page(response)
    assert two_factor.enabled(db["users"].get(staff))


def test_a_lost_phone_recovery_code_then_a_new_phone(app, db, box, staff):
    """Required by the council, phone lost: a recovery code signs in, another moves the
    second factor to the new phone, and no other page opens until that is done."""
    _old_secret, codes = enrol(db, box, staff)
    two_factor.set_required(db, Actor(staff, "Sam"), "1")
    client = app.test_client()
    sign_in_staff(client)
    assert client.post("/signin/staff/recovery", data={"code": codes[0]}).status_code == 302
    response = client.post("/staff/security/new-phone", data={"code": codes[1]})
    assert response.headers["Location"] == "/staff/security/set-up"
    assert not two_factor.enabled(db["users"].get(staff))
    assert client.get("/staff/loans").headers["Location"] == "/staff/security/set-up"
    secret = secret_on(page(client.get("/staff/security/set-up")))
    response = client.post("/staff/security/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert len(recovery_codes_on(page(response))) == 8
    assert client.get("/staff/loans").status_code == 200
    actions = [r["action"] for r in db["audit_log"].rows_where("row_id = ? and table_name = "
                                                               "'users'", [str(staff)],
                                                               order_by="id")]
    assert actions[-4:] == ["user.recovery_code_used", "user.recovery_code_used",
                            "user.second_factor_off", "user.second_factor_on"]


# ---- the council's setting ------------------------------------------------------------------


def test_switching_the_requirement_on_needs_your_own_second_factor(db, box, staff,
                                                                     staff_client):
    response = staff_client.post("/staff/security/requirement", data={"required": "1"})
    assert response.status_code == 422
    assert two_factor.REQUIRED_NEEDS_YOURS in page(response)
    assert not two_factor.required(db)
    response = staff_client.post("/staff/security/requirement", data={"required": "maybe"})
    assert response.status_code == 422
    assert "Choose whether staff need a second factor." in page(response)

    enrol(db, box, staff)
    response = staff_client.post("/staff/security/requirement", data={"required": "1"},
                                 follow_redirects=True)
    assert "Every member of staff now needs a second factor" in page(response)
    assert two_factor.required(db)
    (entry,) = db["audit_log"].rows_where("action = 'setting.update'")
    assert entry["row_id"] == two_factor.REQUIRED_KEY and entry["actor_id"] == staff
    assert json.loads(entry["after"]) == {"value": 1}
    staff_client.post("/staff/security/requirement", data={"required": "0"})
    assert not two_factor.required(db)


def test_when_required_staff_without_one_must_set_it_up_before_any_page(app, db, box, staff,
                                                                          colleague):
    enrol(db, box, staff)
    two_factor.set_required(db, Actor(staff, "Sam"), "1")
    client = app.test_client()
    response = sign_in_staff(client, username="kim")
    assert response.headers["Location"] == "/signin/staff/set-up"
    assert sessions_of(db, colleague) == 0
    for _endpoint, method, url in requests_for(app, "staff."):
        assert client.open(url, method=method).status_code == 302, url
    response = client.get("/signin/staff/set-up")
    assert "Your council asks every member of staff" in page(response)
    assert response.headers["Cache-Control"] == "no-store"
    secret = secret_on(page(response))

    response = client.post("/signin/staff/set-up", data={"code": "000000"})
    assert response.status_code == 422 and "That code does not match" in page(response)
    assert sessions_of(db, colleague) == 0

    response = client.post("/signin/staff/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert len(recovery_codes_on(page(response))) == 8
    assert 'href="/staff/"' in page(response)
    assert sessions_of(db, colleague) == 1
    assert client.get("/staff/").status_code == 200


def test_turning_the_requirement_on_sends_signed_in_staff_to_set_up(app, db, box, staff,
                                                                      colleague):
    kim = app.test_client()
    sign_in_staff(kim, username="kim")
    assert kim.get("/staff/").status_code == 200
    enrol(db, box, staff)
    two_factor.set_required(db, Actor(staff, "Sam"), "1")
    response = kim.get("/staff/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/security/set-up"
    response = kim.get("/staff/loans", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/staff/security/set-up"
    assert kim.post("/staff/security/requirement", data={"required": "0"}).status_code == 303
    assert two_factor.required(db)  # not changed: the guard sent Kim to set up first
    assert kim.get("/staff/security/set-up").status_code == 200


# ---- People: status and reset ---------------------------------------------------------------


def test_people_shows_second_factors_and_staff_reset_a_colleagues(app, db, box, staff, colleague,
                                                                  volunteer, staff_client):
    enrol(db, box, colleague)
    text = page(staff_client.get("/staff/people"))
    assert 'href="/staff/security"' in text
    assert "Not used (PIN)" in text and "Not set up" in text
    assert "8 recovery codes left" in text
    assert "Reset second factor for Kim Colleague" in text
    assert "Reset second factor for Sam Staff" not in text

    response = staff_client.post(f"/staff/people/{colleague}/reset-second-factor",
                                 data={"reason": "  "})
    assert response.status_code == 422
    assert "Say why, for the audit log" in page(response)
    assert f'aria-describedby="reason-{colleague}-error"' in page(response)
    assert two_factor.enabled(db["users"].get(colleague))

    response = staff_client.post(f"/staff/people/{colleague}/reset-second-factor",
                                 data={"reason": "Lost phone on the bus"}, follow_redirects=True)
    assert "Kim Colleague's second factor is reset" in words(response)
    assert not two_factor.enabled(db["users"].get(colleague))
    assert db["users"].get(colleague)["totp_secret"] is None
    (entry,) = db["audit_log"].rows_where("action = 'user.second_factor_reset'")
    assert entry["actor_id"] == staff and entry["row_id"] == str(colleague)
    assert json.loads(entry["after"]) == {"reason": "Lost phone on the bus",
                                          "second_factor": "off"}
    # Kim signs in with the password alone now (the council does not require one).
    assert sign_in_staff(app.test_client(), username="kim").headers["Location"] == "/staff/"


def test_nobody_resets_their_own_second_factor_from_people(db, box, staff, staff_client):
    enrol(db, box, staff)
    response = staff_client.post(f"/staff/people/{staff}/reset-second-factor",
                                 data={"reason": "testing"})
    assert response.status_code == 422
    assert two_factor.enabled(db["users"].get(staff))
    response = staff_client.post("/staff/people/999/reset-second-factor", data={"reason": "x"})
    assert response.status_code == 422


def test_the_audit_log_never_holds_a_secret_or_a_code(app, db, box, staff, colleague,
                                                       staff_client):
    secret, codes = enrol(db, box, staff)
    two_factor.use_recovery_code(db, staff, codes[0], box)
    two_factor.replace_recovery_codes(db, staff, pyotp.TOTP(secret).now(), box, SYSTEM)
    two_factor.set_required(db, Actor(staff, "Sam"), "1")
    kim_secret, kim_codes = enrol(db, box, colleague)
    two_factor.reset(db, colleague, "lost phone", Actor(staff, "Sam"))
    log = json.dumps(list(db["audit_log"].rows))
    for text in [secret, kim_secret, *codes, *kim_codes]:
        assert text not in log and text.replace("-", "") not in log
    assert "gAAAA" not in log
    actions = {r["action"] for r in db["audit_log"].rows}
    assert {"user.second_factor_on", "user.recovery_code_used", "user.recovery_codes_replaced",
            "setting.update", "user.second_factor_reset"} <= actions
