"""Staff > Data protection: the retention periods and what is due, finding a person, their
copy (JSON and a readable page) and erasing them. What staff see and what the database
holds afterwards."""

import json
import re
from datetime import timedelta

import pytest
from markupsafe import escape

import learners
import lending
import personal_data
import retention
import subject_access
from audit import Actor
from tests.test_subject_access import (
    MARY_PHONE,
    MARY_SECRETS,
    add_interest,
    add_loan_referral,
    everything,
    resident,
)

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(db, venue, staff, volunteer):
    return resident(db, venue, staff, volunteer)


def test_the_nav_leads_to_data_protection(staff_client):
    page = text(staff_client.get("/staff/people"))
    assert '<a href="/staff/privacy">Data protection</a>' in page


def test_volunteers_cannot_open_it(volunteer_client):
    assert volunteer_client.get("/staff/privacy").status_code == 403
    assert volunteer_client.get("/staff/privacy/find?q=Mary").status_code == 403


def test_the_page_shows_each_period_what_it_removes_and_what_is_due(staff_client, world):
    page = text(staff_client.get("/staff/privacy"))
    assert 'id="learners" name="learners" type="number" min="1" max="120" class="short" ' \
           'value="36"' in page
    assert 'name="sim_households" type="number" min="6"' in page
    assert escape("First name, birth decade, contact, notes, learner card (its QR then finds "
                  "nothing)") in page
    assert re.search(r'data-line="learners"><td>Learners anonymised</td><td class="num">0<',
                     page)


def test_saving_the_periods(staff_client, db):
    form = {"learners": "48", "borrowers": "24", "tickets": "6", "volunteers": "24",
            "donors": "24", "sim_households": "24", "loan_referrals": "24", "interest": "24"}
    response = staff_client.post("/staff/privacy/periods", data=form, follow_redirects=True)
    assert "Saved the retention periods." in text(response)
    assert 'value="48"' in text(response)
    assert db["settings"].get("retention_learners_months")["value"] == "48"


def test_bad_periods_are_shown_beside_their_fields(staff_client, db):
    response = staff_client.post("/staff/privacy/periods", data={
        "learners": "abc", "borrowers": "24", "tickets": "0", "volunteers": "24",
        "donors": "24", "sim_households": "2"})
    page = text(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="learners-error">Please give a whole number of months ' \
           'from 1 to 120.</p>' in page
    assert 'id="sim_households-error">Please give at least 6 months' in page
    assert 'value="abc"' in page
    assert db["settings"].count_where("key like 'retention_%'") == 0


def test_run_now_needs_a_tick_then_says_what_it_did(staff_client, db, world):
    response = staff_client.post("/staff/privacy/run", data={})
    assert response.status_code == 422
    assert 'id="confirm-error"' in text(response)
    assert db["audit_log"].count_where("action = 'retention.run'") == 0
    page = text(staff_client.post("/staff/privacy/run", data={"confirm": "yes"},
                                  follow_redirects=True))
    assert "learners anonymised" in page
    assert db["audit_log"].count_where("action = 'retention.run'") == 1


def test_find_then_show_what_we_hold(staff_client, world):
    page = text(staff_client.get("/staff/privacy/find?q=mary"))
    assert f'name="r" value="learner:{world["mary"]}"' in page
    assert f'name="r" value="borrower:{world["borrower"]}"' in page
    assert "Learner: Mary" in page and "Borrower: Mary Jones" in page
    assert "Bob" not in page
    page = text(staff_client.get("/staff/privacy/person", query_string={
        "r": world["refs"], "q": "mary"}))
    assert "Learner: Mary" in page and "Borrower: Mary Jones" in page
    assert re.search(r"Your visits</th><td class=\"num\">1<", page)
    assert re.search(r"Devices you borrowed</th><td class=\"num\">1<", page)
    assert "Download JSON" in page and "Download readable copy" in page


def test_the_downloads(staff_client, db, world):
    refs = {"r": world["refs"]}
    response = staff_client.get("/staff/privacy/person.json", query_string=refs)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="what-we-hold-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(text(response))
    assert data["records"][0]["sections"]["About you"][0]["First name"] == "Mary"

    response = staff_client.get("/staff/privacy/person.html", query_string=refs)
    page = text(response)
    assert response.headers["Content-Disposition"].endswith('.html"')
    for heading in ("Your visits", "Skills you practised", "Devices you borrowed",
                    "Reminders we sent you", "Changes we recorded"):
        assert f"<h3>{heading}</h3>" in page
    assert "Set up Gmail with Mary" in page and '<path d="M10 10L50 40L90 20"' in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert "Bob" not in page
    assert db["audit_log"].count_where("action = 'subject.export'") == 4


def test_unknown_records_get_a_message_not_an_error(staff_client, db):
    response = staff_client.get("/staff/privacy/person?r=learner:424242")
    assert response.status_code == 422
    assert f'id="r-error">{escape(subject_access.GONE)}</p>' in text(response)


def test_erasing_from_the_screens(staff_client, db, world):
    page = text(staff_client.get("/staff/privacy/person/erase", query_string={
        "r": world["refs"]}))
    assert "Removed: name, birth decade, contact details" in page
    assert f'<option value="asked" >{escape(subject_access.REASONS["asked"])}' in page
    response = staff_client.post("/staff/privacy/person/erase", data={
        "r": world["refs"], "reason": "", "confirm": "yes"})
    assert response.status_code == 422
    assert f'id="reason-error">{subject_access.PICK_REASON}</p>' in text(response)
    assert "Mary" in everything(db)

    response = staff_client.post("/staff/privacy/person/erase", data={
        "r": world["refs"], "reason": "asked", "confirm": "yes"}, follow_redirects=True)
    page = text(response)
    assert "Erased the learner record, the borrower record." in page
    for secret in MARY_SECRETS:
        assert secret not in everything(db), secret
    assert "Learner:" not in text(staff_client.get("/staff/privacy/find?q=mary"))
    assert learners.get_learner(db, world["mary"])["first_name"] == personal_data.ANONYMISED


def test_erase_is_refused_on_screen_while_a_device_is_out(staff_client, db, world, staff):
    lending.check_out(db, Actor(staff, "Sam"), world["spare"], borrower_id=world["borrower"],
                      due_on=(lending.today() + timedelta(days=7)).isoformat(),
                      agreed_in_person=True)
    page = text(staff_client.get("/staff/privacy/person/erase", query_string={
        "r": world["refs"]}))
    assert "Cannot be erased yet: TAB-0002 is still on loan to them" in page
    assert 'action="/staff/privacy/person/erase"' not in page  # no form to press
    response = staff_client.post("/staff/privacy/person/erase", data={
        "r": world["refs"], "reason": "asked", "confirm": "yes"})
    assert response.status_code == 422
    assert 'id="r-error">TAB-0002 is still on loan to them' in text(response)
    assert "Mary" in everything(db)


def test_referral_and_interest_rules_are_on_the_page(staff_client, db, venue):
    add_interest(db, venue, "Abby", "07700900111")
    db["interest_registrations"].update(1, {"created_at": "2020-01-01T10:00:00+00:00"})
    page = text(staff_client.get("/staff/privacy"))
    assert 'data-rule="loan_referrals"' in page and 'data-rule="interest"' in page
    assert 'name="loan_referrals" type="number" min="1" max="120" class="short" value="24"' \
        in page
    assert escape(retention.INTEREST_WORDS) in page
    assert re.search(r'data-line="interest_abandoned"><td>Registrations of interest nobody '
                     r'came back for: closed and anonymised</td><td class="num">1<', page)


def test_a_waiting_referral_is_found_and_erased_from_the_screens(staff_client, db, venue,
                                                                 partner_org):
    referral = add_loan_referral(db, "Mary", MARY_PHONE, partner=partner_org, venue=venue)
    page = text(staff_client.get("/staff/privacy/find?q=R00001"))
    assert "Loan referral: Mary" in page and f'value="loan_referral:{referral}"' in page
    ref = f"loan_referral:{referral}"
    page = text(staff_client.get("/staff/privacy/person", query_string={"r": ref}))
    assert "Loan referral: Mary" in page and "why they were referred" in page
    copy = text(staff_client.get("/staff/privacy/person.html", query_string={"r": ref}))
    assert "Your referral for a device loan" in copy and MARY_PHONE in copy
    response = staff_client.post("/staff/privacy/person/erase", data={
        "r": ref, "reason": "asked", "confirm": "yes"}, follow_redirects=True)
    assert "Erased the loan referral record." in text(response)
    row = db["loan_referrals"].get(referral)
    assert (row["status"], row["removed_reason"], row["contact"]) == (
        "removed", subject_access.ERASED_REASON, None)
