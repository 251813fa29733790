"""Partner organisations' sign-ins (added and switched off by staff) and the partner area:
their own organisation's loan referrals, a new referral, its status, withdrawing it."""

import json

import pytest

import auth
import lending
from tests.conftest import PARTNER_PASSWORD, SYSTEM, sign_in_partner

pytestmark = pytest.mark.usefixtures("fast_hashing")
NEW_PASSWORD = "a brand new password"


def audit(db, action):
    return [dict(r) for r in db["audit_log"].rows_where("action = ?", [action])]


# ---- staff manage a partner's sign-ins ------------------------------------------------------


def test_staff_add_a_partner_sign_in_who_can_then_sign_in(app, db, staff_client, partner_org):
    response = staff_client.post(f"/staff/partners/{partner_org}/sign-ins",
                                 data={"display_name": "Rita Referrer", "username": "rita",
                                       "secret": NEW_PASSWORD})
    assert response.status_code == 303
    page = staff_client.get(response.location.split("#")[0]).get_data(as_text=True)
    assert "Added a sign-in for Rita Referrer at Wigan Age Concern" in page
    assert "Rita Referrer" in page and "Switch off Rita Referrer" in page
    user = db["users"].rows_where("username = 'rita'").__next__()
    assert user["role"] == "partner" and user["partner_id"] == partner_org
    assert json.loads(audit(db, "user.create")[-1]["after"])["partner_id"] == partner_org
    client = app.test_client()
    assert sign_in_partner(client, "rita", NEW_PASSWORD).location == "/partner/"
    assert client.get("/partner/").status_code == 200


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"display_name": "Rita", "username": "rita", "secret": "short"}, "secret",
     "A partner password needs at least 10 characters."),
    ({"display_name": "Rita", "username": "", "secret": NEW_PASSWORD}, "username",
     "Enter a name of up to 60 characters."),
    ({"display_name": "R" * 61, "username": "rita", "secret": NEW_PASSWORD}, "display_name",
     "Enter a name of up to 60 characters."),
    ({"display_name": "Pat again", "username": "PAT", "secret": NEW_PASSWORD}, "username",
     "'PAT' is already taken."),
])
def test_a_bad_sign_in_keeps_what_was_typed(db, staff_client, partner_org, partner_user,
                                            data, field, message):
    users = db["users"].count
    response = staff_client.post(f"/staff/partners/{partner_org}/sign-ins", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message.replace("'", "&#39;") in page
    assert f'value="{data["username"]}"' in page
    assert db["users"].count == users


def test_no_sign_in_for_an_organisation_that_is_no_longer_a_partner(db, staff_client,
                                                                   partner_org):
    db["partners"].update(partner_org, {"active": 0})
    response = staff_client.post(f"/staff/partners/{partner_org}/sign-ins",
                                 data={"username": "rita", "secret": NEW_PASSWORD})
    assert response.status_code == 422
    assert "is not an active partner, so its sign-ins open nothing" in response.get_data(
        as_text=True)
    assert not db["users"].count_where("username = 'rita'")


def test_switching_a_sign_in_off_ends_its_sessions(db, staff_client, partner_client,
                                                   partner_org, partner_user):
    assert partner_client.get("/partner/").status_code == 200
    url = f"/staff/partners/{partner_org}/sign-ins/{partner_user}/switch-off"
    response = staff_client.post(url)
    assert response.status_code == 303
    page = staff_client.get(f"/staff/partners/{partner_org}").get_data(as_text=True)
    assert "Pat Partner&#39;s sign-in is switched off" in page
    assert "Switched off" in page
    assert partner_client.get("/partner/").location.startswith("/signin/partner")
    again = sign_in_partner(partner_client.application.test_client())
    assert again.status_code == 401
    assert db["users"].get(partner_user)["active"] == 0
    assert not db["user_sessions"].count_where("user_id = ?", [partner_user])
    assert len(audit(db, "user.switch_off")) == 1
    # Twice is harmless; another organisation's id does not switch anyone off.
    assert staff_client.post(url).status_code == 303
    assert len(audit(db, "user.switch_off")) == 1


def test_a_sign_in_is_switched_off_only_from_its_own_organisation(db, staff_client,
                                                                 partner_user):
    other = db["partners"].insert({"name": "Leigh Housing", "active": 1,
                                   "created_at": "2026-11-01T09:00:00+00:00"}).last_pk
    staff_client.post(f"/staff/partners/{other}/sign-ins/{partner_user}/switch-off")
    assert db["users"].get(partner_user)["active"] == 1
    assert staff_client.post(f"/staff/partners/999/sign-ins/{partner_user}/switch-off"
                             ).status_code == 404


def test_people_page_shows_a_partner_sign_in_with_its_organisation(db, staff_client,
                                                                  partner_org, partner_user):
    page = staff_client.get("/staff/people").get_data(as_text=True)
    assert "Partner at" in page and "Wigan Age Concern" in page
    assert f'href="/staff/partners/{partner_org}"' in page
    assert '<option value="partner"' not in page  # added on the partner's page only


def test_partner_pages_for_staff_show_referral_counts(db, staff_client, partner_org):
    page = staff_client.get(f"/staff/partners/{partner_org}").get_data(as_text=True)
    assert "0 in all, 0 waiting now" in page
    assert "0 of 0" in staff_client.get("/staff/partners").get_data(as_text=True)
    assert PARTNER_PASSWORD not in page


# ---- the partner area ------------------------------------------------------------------------

REFERRAL = {"referrer_name": "Pat Partner", "referrer_contact": "01942 111222",
            "first_name": "Doris", "contact_kind": "mobile", "contact": "07700 900123",
            "postcode_district": "WN5 9XX", "reason": "Wants to video call her grandchildren.",
            "venue": "", "kind": ""}


@pytest.fixture
def leigh(db):
    """Another partner organisation, with its own sign-in."""
    org = db["partners"].insert({"name": "Leigh Housing Trust", "active": 1,
                                 "created_at": "2026-11-01T09:00:00+00:00"}).last_pk
    auth.create_user(db, "lee", "Lee Housing", "partner", PARTNER_PASSWORD, SYSTEM,
                     partner_id=org)
    return org


def client_for(app, username):
    client = app.test_client()
    assert sign_in_partner(client, username).status_code == 302
    return client


def submit(client, **changes):
    return client.post("/partner/referrals/new", data=dict(REFERRAL, **changes))


def test_a_partner_refers_someone_and_sees_them_waiting(db, partner_client, partner_org,
                                                        partner_user):
    form = partner_client.get("/partner/referrals/new").get_data(as_text=True)
    assert 'value="Pat Partner"' in form  # the referrer's name to start with
    assert "Care leaver" in form  # the council's priority flags
    care_leaver = db.execute("select id from referral_flags where label = 'Care leaver'"
                             ).fetchone()[0]
    response = submit(partner_client, flags=[str(care_leaver)], request_id="a" * 22)
    assert response.status_code == 303
    row = dict(db["loan_referrals"].rows_where().__next__())
    assert row["channel"] == "partner" and row["partner_id"] == partner_org
    assert row["submitted_by"] == partner_user and row["status"] == "waiting"
    assert row["postcode_district"] == "WN5" and row["contact"] == "07700900123"
    page = partner_client.get(response.location).get_data(as_text=True)
    assert "Doris is on the waiting list: your reference is R00001" in page
    assert "Waiting" in page and "Care leaver" in page and "WN5 9XX" not in page
    listing = partner_client.get("/partner/").get_data(as_text=True)
    assert "Doris" in listing and "R00001" in listing and "1 waiting for a device now" in listing
    entry = audit(db, "referral.submit")[0]
    assert "Doris" not in entry["after"] and "07700" not in entry["after"]
    # The same form sent twice (a double tap) makes one referral.
    assert submit(partner_client, request_id="a" * 22).status_code == 303
    assert db["loan_referrals"].count == 1


def test_colleagues_share_a_caseload_other_organisations_do_not(app, db, partner_client,
                                                                partner_org, leigh):
    auth.create_user(db, "paula", "Paula", "partner", PARTNER_PASSWORD, SYSTEM,
                     partner_id=partner_org)
    submit(partner_client)
    colleague, other = client_for(app, "paula"), client_for(app, "lee")
    assert "Doris" in colleague.get("/partner/").get_data(as_text=True)
    assert colleague.get("/partner/referrals/1").status_code == 200
    assert "Doris" not in other.get("/partner/").get_data(as_text=True)
    assert other.get("/partner/referrals/1").status_code == 404
    assert other.post("/partner/referrals/1/withdraw",
                      data={"reason": "moved_away"}).status_code == 404
    assert db["loan_referrals"].get(1)["status"] == "waiting"


def test_no_way_to_contact_anyone_keeps_what_was_typed(db, partner_client):
    response = submit(partner_client, contact_kind="via_referrer", contact="",
                      referrer_contact="", first_name="Stanley")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="referrer_contact-error"' in page
    assert "we need the referrer&#39;s phone number or email" in page
    assert 'value="Stanley"' in page and "video call her grandchildren" in page
    assert 'value="via_referrer" checked' in page
    assert db["loan_referrals"].count == 0 and not audit(db, "referral.submit")


@pytest.mark.parametrize(("changes", "field"), [
    ({"first_name": ""}, "first_name"),
    ({"contact": "not a number"}, "contact"),
    ({"contact_kind": "pigeon"}, "contact_kind"),
    ({"postcode_district": "Wigan"}, "postcode_district"),
    ({"reason": ""}, "reason"),
    ({"venue": "999"}, "venue"),
    ({"kind": "spaceship"}, "kind"),
    ({"flags": ["999"]}, "flags"),
    ({"referrer_name": ""}, "referrer_name"),
])
def test_bad_referrals_say_what_is_wrong_beside_the_field(db, partner_client, changes, field):
    response = submit(partner_client, **changes)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db["loan_referrals"].count == 0


def test_a_duplicate_names_the_date_and_to_its_own_organisation_the_reference(
        app, db, partner_client, leigh):
    submit(partner_client)
    again = submit(partner_client, contact="07700900123", first_name="DORIS")
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert 'id="first_name-error"' in page and "already on the waiting list" in page
    assert "R00001" in page and 'value="DORIS"' in page
    other = submit(client_for(app, "lee"), referrer_name="Lee")
    assert other.status_code == 422
    page = other.get_data(as_text=True)
    assert "already on the waiting list" in page and "another organisation" in page
    assert "R00001" not in page and "referred on" not in page
    assert db["loan_referrals"].count == 1


def test_a_partner_withdraws_a_waiting_referral_with_a_reason(db, partner_client):
    submit(partner_client)
    url = "/partner/referrals/1/withdraw"
    response = partner_client.post(url, data={"reason": ""})
    assert response.status_code == 422
    assert 'id="reason-error"' in response.get_data(as_text=True)
    response = partner_client.post(url, data={"reason": "other", "note": ""})
    assert response.status_code == 422 and 'id="note-error"' in response.get_data(as_text=True)
    assert db["loan_referrals"].get(1)["status"] == "waiting"
    response = partner_client.post(url, data={"reason": "got_elsewhere"})
    assert response.status_code == 303
    page = partner_client.get(response.location).get_data(as_text=True)
    assert "R00001 is off the waiting list" in page
    assert "Removed (Got a device elsewhere)" in page and "Take R00001 off" not in page
    assert db["loan_referrals"].get(1)["status"] == "removed"
    assert json.loads(audit(db, "referral.remove")[0]["after"])["removal"] == "got_elsewhere"
    again = partner_client.post(url, data={"reason": "moved_away"})
    assert again.status_code == 422 and "not waiting any more" in again.get_data(as_text=True)
    filtered = partner_client.get("/partner/?status=waiting").get_data(as_text=True)
    assert "No referrals to show here" in filtered
    assert "Doris" in partner_client.get("/partner/?status=removed").get_data(as_text=True)


def test_a_served_referral_says_when_the_device_was_lent(db, partner_client):
    submit(partner_client)
    device = lending.add_device(db, SYSTEM, {"kind": "tablet"})
    due = (lending.today() + lending.timedelta(days=14)).isoformat()
    lending.check_out(db, SYSTEM, device, new_borrower={"name": "Doris"}, due_on=due,
                      agreed_in_person=True, referral_id=1)
    page = partner_client.get("/partner/referrals/1").get_data(as_text=True)
    assert "Device lent on" in page and "Take R00001 off" not in page
    assert "TAB-0001" not in page  # which device is the library's business
    assert "Device lent on" in partner_client.get("/partner/").get_data(as_text=True)


def test_the_people_page_adds_no_partner_sign_in(db, staff_client, partner_org):
    response = staff_client.post("/staff/people", data={"username": "rita", "role": "partner",
                                                        "secret": NEW_PASSWORD})
    assert response.status_code == 422
    assert 'id="role-error">Choose volunteer or staff.' in response.get_data(as_text=True)
    assert not db["users"].count_where("username = 'rita'")
