"""Learners on the staff screens: search across venues with their flags, one learner's
progress and details, referral outcomes."""

import pytest
from markupsafe import escape

import learners
from audit import Actor

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def asha(volunteer):
    return Actor(volunteer, "Asha")


@pytest.fixture
def mary(db, venue, asha):
    learner_id = learners.add_learner(db, asha, {"first_name": "Mary", "consent_keep": "yes",
                                                 "postcode": "WN5 0AB", "birth_band": "1940s"},
                                      venue)
    foundation = [t["id"] for t in learners.skill_tasks(db) if t["level"] == "foundation"]
    learners.record_skills(db, asha, learner_id, dict.fromkeys(foundation, "on_own"), venue)
    return learner_id


@pytest.fixture
def bob(db, other_venue, asha):
    return learners.add_learner(db, asha, {"first_name": "Bob", "consent_keep": "yes"},
                                other_venue)


def row_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a>")
    return page[start:page.index("</tr>", start)]


def test_the_list_shows_every_venue_with_flags(venue, mary, bob, staff_client):
    page = text(staff_client.get("/staff/learners"))
    mary_row, bob_row = row_of(page, "Mary"), row_of(page, "Bob")
    assert "WN5" in mary_row and "1940s" in mary_row and "Wigan Library" in mary_row
    assert "Yes <span class=\"muted\">(8/8)" in mary_row
    assert "Not yet <span class=\"muted\">(0/5 areas)" in mary_row
    assert '<td class="num">8</td>' in mary_row
    assert "Leigh Library" in bob_row and '<td class="num">0</td>' in bob_row
    only_here = text(staff_client.get(f"/staff/learners?venue={venue}"))
    assert ">Mary</a>" in only_here and ">Bob</a>" not in only_here
    assert ">Bob</a>" in text(staff_client.get("/staff/learners?q=bo"))
    assert "No learners match." in text(staff_client.get("/staff/learners?q=zed&venue=abc"))


def test_one_learner_shows_progress_consent_and_edits(db, mary, staff_client):
    page = text(staff_client.get(f"/staff/learners/{mary}"))
    assert "Foundation: <strong>Yes</strong>" in page
    assert f"“{learners.CONSENT_KEEP}”" in page
    assert "Skills check at Wigan Library" in page
    saved = staff_client.post(f"/staff/learners/{mary}", data={
        "first_name": "Mary Ann", "postcode": "wn6 7aa", "birth_band": "1940s",
        "consent_contact": "yes", "contact_kind": "landline", "contact": "01942 123456",
        "home_venue_id": ""}, follow_redirects=True)
    assert "Saved Mary Ann&#39;s details." in text(saved)
    row = learners.get_learner(db, mary)
    assert (row["first_name"], row["postcode_district"], row["contact"]) == (
        "Mary Ann", "WN6", "01942123456")
    assert row["home_venue_id"] is None
    assert learners.CONSENT_CONTACT in row["consent_what"]
    assert db["audit_log"].count_where("action = 'learner.update'") == 1


def test_bad_edits_keep_what_was_typed_and_write_nothing(db, mary, staff_client):
    before = db["audit_log"].count
    response = staff_client.post(f"/staff/learners/{mary}", data={
        "first_name": "", "postcode": "99 ZZ", "contact": "07700 900123",
        "contact_kind": "mobile", "home_venue_id": "999"})
    assert response.status_code == 422
    page = text(response)
    for field, message in (("first_name", learners.NAME_NEEDED),
                           ("postcode", learners.BAD_POSTCODE),
                           ("contact", learners.CONTACT_UNWANTED),
                           ("home_venue_id", learners.BAD_VENUE)):
        assert f'<p class="field-error" id="{field}-error">{escape(message)}</p>' in page
    assert 'value="99 ZZ"' in page and 'value="07700 900123"' in page
    assert db["audit_log"].count == before
    assert learners.get_learner(db, mary)["postcode_district"] == "WN5"


def test_referral_outcomes(db, mary, asha, staff_client):
    referral = learners.add_referral(db, asha, mary, {"kind": "device"})
    page = text(staff_client.get(f"/staff/learners/{mary}"))
    assert f'action="/staff/learners/referrals/{referral}"' in page and "Device scheme" in page
    done = staff_client.post(f"/staff/learners/referrals/{referral}", data={"status": "taken_up"},
                             follow_redirects=True)
    assert "Referral marked “Taken up”." in text(done)
    assert learners.get_referral(db, referral)["status"] == "taken_up"
    bad = staff_client.post(f"/staff/learners/referrals/{referral}", data={"status": "maybe"})
    assert bad.status_code == 422
    assert f'<p class="field-error" id="status-error">{escape(learners.BAD_STATUS)}' in text(bad)
    unknown = staff_client.post("/staff/learners/referrals/999", data={"status": "made"})
    assert unknown.status_code == 404


def test_unknown_learners_are_not_found(staff_client):
    assert staff_client.get("/staff/learners/999").status_code == 404
    assert staff_client.post("/staff/learners/999", data={}).status_code == 404
