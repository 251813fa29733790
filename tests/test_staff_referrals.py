"""The staff waiting-list screens through the test client: what staff see, and what the
database holds afterwards; and lending a device to the next referral."""

import json
from datetime import timedelta
from html import unescape

import pytest

import lending
import waiting_list
from audit import Actor, utcnow
from giveaways import interest

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")
SIGNATURE = json.dumps([[[10, 10], [60, 50], [120, 30]]])
DUE = (lending.today() + timedelta(days=14)).isoformat()


def form(**values):
    return dict({"referrer_name": "Jo Support", "referrer_contact": "", "first_name": "Mary",
                 "contact_kind": "mobile", "contact": "07700 900123",
                 "postcode_district": "WN5", "reason": "Wants to see her GP online.",
                 "venue": "", "kind": "", "flags": []}, **values)


def refer(db, days_ago=0, **values):
    return waiting_list.submit(db, ACTOR, form(**values), channel="phone",
                               now=utcnow() - timedelta(days=days_ago))


def flag_id(db, label):
    return next(f["id"] for f in waiting_list.flags(db, active_only=False)
                if f["label"] == label)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def device(db):
    return lending.add_device(db, ACTOR, {"kind": "tablet", "make": "Lenovo"})


def test_the_waiting_list_shows_the_order_and_how_long_each_waited(staff_client, db,
                                                                   partner_org):
    refer(db, days_ago=30, first_name="Ann", contact="07700900111")
    refer(db, days_ago=3, first_name="Bob", contact="07700900222",
          flags=[str(flag_id(db, "Care leaver"))])
    waiting_list.submit(db, ACTOR, form(first_name="Cy", contact="07700900333"),
                        channel="partner", partner_id=partner_org)
    page = staff_client.get("/staff/referrals")
    assert page.status_code == 200
    html = text(page)
    assert html.index("Bob") < html.index("Ann") < html.index("Cy")
    assert "30 days" in html and "3 days" in html and "Care leaver" in html
    assert "Wigan Age Concern" in html and "Referrals</a>" in html
    only = text(staff_client.get(f"/staff/referrals?partner={partner_org}"))
    assert "Cy" in only and "Ann" not in only
    assert "Nobody is waiting" not in only
    assert "No referrals here." in text(staff_client.get("/staff/referrals?status=served"))


def test_staff_take_a_referral_by_phone(staff_client, db, venue, partner_org):
    page = staff_client.get("/staff/referrals/new")
    assert page.status_code == 200 and "Phone call" in text(page)
    done = staff_client.post("/staff/referrals/new", data=dict(
        form(venue=str(venue), kind="laptop", flags=[str(flag_id(db, "Lives alone"))]),
        channel="phone", partner=str(partner_org), request_id="req-1"))
    assert done.status_code == 303
    row = next(db["loan_referrals"].rows)
    assert (row["channel"], row["partner_id"], row["kind"], row["venue_id"]) == (
        "phone", partner_org, "laptop", venue)
    shown = text(staff_client.get(done.location))
    assert "Mary is on the waiting list as R00001." in shown
    assert "Lives alone" in shown and "Wigan Library" in shown and "number 1 on the list" in shown
    assert "No suitable device is available now" in shown


def test_bad_referrals_keep_what_was_typed_and_write_nothing(staff_client, db):
    page = staff_client.post("/staff/referrals/new", data=dict(
        form(contact_kind="via_referrer", contact="", postcode_district="Wigan"),
        channel="phone"))
    assert page.status_code == 422
    html = text(page)
    assert waiting_list.NO_WAY_TO_CONTACT in html and waiting_list.BAD_DISTRICT in html
    assert 'value="Jo Support"' in html and 'value="via_referrer" checked' in html
    assert 'id="referrer_contact-error"' in html
    assert db["loan_referrals"].count == 0
    staff_client.post("/staff/referrals/new", data=dict(form(), channel="email"))
    again = staff_client.post("/staff/referrals/new", data=dict(form(), channel="email"))
    assert again.status_code == 422
    assert "Mary is already on the waiting list: referred on" in text(again)
    assert "(R00001)" in text(again) and db["loan_referrals"].count == 1
    junk = staff_client.post("/staff/referrals/new", data={"channel": "partner",
                                                          "flags": ["x"], "venue": "1e9"})
    assert junk.status_code == 422 and db["loan_referrals"].count == 1


def test_a_kiosk_registration_becomes_a_referral(staff_client, db, venue):
    answers = {q["id"]: False for q in interest.questions(db)}
    registration = interest.register(db, ACTOR, venue, answers, {
        "first_name": "Olu", "contact_kind": "email", "contact": "olu@example.org"})
    page = text(staff_client.get(f"/staff/referrals/new?interest={registration['id']}"))
    assert registration["reference"] in page
    assert 'value="Olu"' in page and 'value="olu@example.org"' in page
    assert 'value="email" checked' in page
    done = staff_client.post("/staff/referrals/new", data=dict(
        form(first_name="Olu", contact_kind="email", contact="olu@example.org",
             referrer_name="Sam Staff"),
        channel="in_person", interest=str(registration["id"])))
    assert done.status_code == 303
    referral = next(db["loan_referrals"].rows)
    assert referral["interest_id"] == registration["id"]
    assert interest.get(db, registration["id"])["outcome"] == "referral"
    twice = staff_client.post("/staff/referrals/new", data=dict(
        form(first_name="Ola"), channel="phone", interest=str(registration["id"])))
    assert twice.status_code == 422
    assert "already been dealt with" in text(twice) and db["loan_referrals"].count == 1
    opened = staff_client.get(f"/staff/referrals/new?interest={registration['id']}",
                              follow_redirects=True)  # from a page opened before
    assert interest.ALREADY_DEALT_WITH in text(opened)
    assert registration["reference"] in text(opened)
    assert staff_client.get("/staff/referrals/new?interest=999").status_code == 404


def test_removal_from_the_list_needs_a_reason(staff_client, db):
    referral_id = refer(db)
    page = staff_client.post(f"/staff/referrals/{referral_id}/remove",
                             data={"reason": "other", "note": ""})
    assert page.status_code == 422 and "Please say why, in a few words." in text(page)
    assert db["loan_referrals"].get(referral_id)["status"] == "waiting"
    done = staff_client.post(f"/staff/referrals/{referral_id}/remove",
                             data={"reason": "got_elsewhere"})
    assert done.status_code == 303
    shown = text(staff_client.get(done.location))
    assert "R00001 is off the waiting list." in shown and "Got a device elsewhere" in shown
    assert db["loan_referrals"].get(referral_id)["removed_reason"] == "got_elsewhere"
    again = staff_client.post(f"/staff/referrals/{referral_id}/remove",
                              data={"reason": "moved_away"})  # from a tab opened before
    assert again.status_code == 422 and "R00001 is not waiting any more" in text(again)
    assert staff_client.get("/staff/referrals/999").status_code == 404
    assert staff_client.post("/staff/referrals/999/remove",
                             data={"reason": "duplicate"}).status_code == 404


def test_priority_flags_are_added_renamed_and_switched_off(staff_client, db):
    page = staff_client.post("/staff/referrals/flags", data={"label": "lives alone"})
    assert page.status_code == 422 and "There is already a flag called" in text(page)
    assert staff_client.post("/staff/referrals/flags",
                             data={"label": "Refugee"}).status_code == 303
    new = flag_id(db, "Refugee")
    assert staff_client.post(f"/staff/referrals/flags/{new}",
                             data={"label": "Refugee or asylum seeker"}).status_code == 303
    care = flag_id(db, "Care leaver")
    assert staff_client.post(f"/staff/referrals/flags/{care}",
                             data={"active": "0"}).status_code == 303
    html = text(staff_client.get("/staff/referrals/flags"))
    assert "Refugee or asylum seeker" in html and "Switch on “Care leaver”" in html
    blank = staff_client.post(f"/staff/referrals/flags/{new}", data={"label": " "})
    assert blank.status_code == 422 and "Please fill in the flag's name." in text(blank)
    assert staff_client.post("/staff/referrals/flags/999", data={"active": "0"}
                             ).status_code == 404
    assert "Care leaver" not in text(staff_client.get("/staff/referrals/new"))
    assert db["audit_log"].count_where("table_name = 'referral_flags'") == 3


def test_an_available_device_suggests_the_next_referral_and_lends_to_it(staff_client, db,
                                                                        device):
    refer(db, days_ago=40, first_name="Ann", contact="07700900111", kind="laptop")
    referral_id = refer(db, days_ago=12, first_name="Mary")
    page = text(staff_client.get(f"/staff/devices/{device}"))
    assert "Next on the waiting list" in page and "R00002" in page and "12 days" in page
    assert f"/staff/devices/{device}/check-out?referral={referral_id}" in page
    # the referral page offers the same device
    assert f"check-out?referral={referral_id}" in text(
        staff_client.get(f"/staff/referrals/{referral_id}"))
    out = text(staff_client.get(f"/staff/devices/{device}/check-out?referral={referral_id}"))
    assert "For loan referral" in out and 'value="Mary"' in out
    assert 'value="07700900123"' in out and f'name="referral_id" value="{referral_id}"' in out
    done = staff_client.post(f"/staff/devices/{device}/check-out", data={
        "who": "resident", "name": "Mary Hughes", "contact_kind": "mobile",
        "contact": "07700900123", "due_on": DUE, "signature": SIGNATURE,
        "referral_id": str(referral_id)})
    assert done.status_code == 303
    loan = lending.open_loan(db, device)
    row = db["loan_referrals"].get(referral_id)
    assert (row["status"], row["loan_id"]) == ("served", loan["id"])
    shown = text(staff_client.get(done.location))
    assert "R00002 is off the waiting list: TAB-0001 is lent to Mary." in shown
    assert "Next on the waiting list" not in shown
    assert "Device lent" in text(staff_client.get(f"/staff/referrals/{referral_id}"))


def test_a_referral_served_meanwhile_lends_nothing(staff_client, db, device):
    referral_id = refer(db)
    other = lending.add_device(db, ACTOR, {"kind": "tablet"})
    lending.check_out(db, ACTOR, other, new_borrower={"name": "Mary"}, due_on=DUE,
                      signature=SIGNATURE, referral_id=referral_id)
    done = staff_client.post(f"/staff/devices/{device}/check-out", data={
        "who": "resident", "name": "Mary", "contact_kind": "none", "due_on": DUE,
        "signature": SIGNATURE, "referral_id": str(referral_id)})
    assert done.status_code == 303
    assert "R00001 already has a device" in text(staff_client.get(done.location))
    assert lending.open_loan(db, device) is None and db["borrowers"].count == 1
    page = text(staff_client.get(f"/staff/devices/{device}/check-out?referral={referral_id}"))
    assert "is not waiting any more (device lent), so this is an ordinary loan" in page
    assert 'name="referral_id"' not in page


def test_volunteers_lend_without_the_waiting_list(volunteer_client, db, device):
    referral_id = refer(db)
    page = text(volunteer_client.get(
        f"/volunteer/devices/{device}/check-out?referral={referral_id}"))
    assert "For loan referral" not in page and 'name="referral_id"' not in page
    done = volunteer_client.post(f"/volunteer/devices/{device}/check-out", data={
        "who": "resident", "name": "Mary", "contact_kind": "none", "due_on": DUE,
        "signature": SIGNATURE, "referral_id": str(referral_id)})
    assert done.status_code == 303
    assert db["loan_referrals"].get(referral_id)["status"] == "waiting"


def test_partners_and_volunteers_cannot_open_the_staff_waiting_list(partner_client,
                                                                    volunteer_client):
    for client in (partner_client, volunteer_client):
        for url in ("/staff/referrals", "/staff/referrals/new", "/staff/referrals/flags"):
            assert client.get(url).status_code in (302, 403)
