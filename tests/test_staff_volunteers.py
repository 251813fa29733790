"""Volunteers and hours through the staff screens: DBS warnings, the re-check period,
details and training, checking and correcting hours. What staff see, and what the database
and the audit log hold afterwards."""

import json
from datetime import date, timedelta

import pytest

import lending
import volunteers
from audit import Actor, history
from tests.test_volunteers import add_session, at, freeze, set_dbs

pytestmark = pytest.mark.usefixtures("fast_hashing")
TODAY = lending.today()


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, at(TODAY, "17:00"))


@pytest.fixture
def party(db, venue):
    return add_session(db, venue, day=TODAY, slots=3)


def worked(db, user_id, session_id, start="14:00", end="16:00") -> int:
    return volunteers.add_missed_shift(db, Actor(None, "test"), user_id, session_id, start,
                                       end, "Signed the paper list", now=at(TODAY, "17:00"))


def test_the_list_puts_dbs_warnings_first_in_plain_words(db, volunteer, volunteer2, party,
                                                         clock, staff_client):
    set_dbs(db, volunteer2, volunteers.add_years(TODAY + timedelta(days=20), -3),
            update_service=True)
    worked(db, volunteer, party)
    page = text(staff_client.get("/staff/volunteers"))
    lapses = volunteers.day_words(TODAY + timedelta(days=20))
    assert "DBS checks to renew (1)" in page
    assert (f"Bill</a>: DBS re-check due in 20 days, before {lapses}. On the Update "
            "Service: check it online.") in page
    assert page.index(f'data-volunteer="{volunteer2}"') < page.index(
        f'data-volunteer="{volunteer}"')
    assert "No DBS check recorded." in page
    assert f'href="/staff/hours?volunteer={volunteer}&amp;first=' in page
    assert ">2.0</a>" in page
    assert 'name="years" type="number" min="1" max="10" class="short" value="3"' in page


def test_staff_set_the_recheck_period(db, staff, staff_client):
    saved = staff_client.post("/staff/volunteers/dbs-period", data={"years": "5"})
    assert saved.status_code == 303
    assert "DBS checks are now re-checked every 5 years." in text(
        staff_client.get(saved.location))
    assert volunteers.recheck_years(db) == 5
    assert history(db, "settings", "dbs_recheck_years")[-1]["actor_id"] == staff
    bad = staff_client.post("/staff/volunteers/dbs-period", data={"years": "12"})
    assert bad.status_code == 422
    assert "Please give a whole number of years from 1 to 10." in text(bad)
    assert 'value="12"' in text(bad) and volunteers.recheck_years(db) == 5


def test_staff_save_a_volunteers_details(db, staff, volunteer, venue, other_venue, clock,
                                         staff_client):
    page = text(staff_client.get(f"/staff/volunteers/{volunteer}"))
    assert "Asha" in page and "No DBS check recorded." in page
    saved = staff_client.post(f"/staff/volunteers/{volunteer}", data={
        "phone": "01942 123456", "email": "asha@example.com",
        "dbs_certificate": "0012 3456 7890", "dbs_issued_on": (TODAY - timedelta(days=30))
        .isoformat(), "dbs_update_service": "yes", "notes": "Good with iPads.",
        "venues": [str(other_venue)]})
    assert saved.status_code == 303
    page = text(staff_client.get(saved.location))
    assert "Saved Asha&#39;s details." in page
    assert 'value="01942123456"' in page and 'value="001234567890"' in page
    assert f'value="{other_venue}" checked' in page and f'value="{venue}" checked' not in page
    assert "DBS check up to date" in page and "on the Update Service" in page
    assert "volunteer profile update" in page
    entry = history(db, "volunteer_profiles", volunteer)[-1]
    assert entry["actor_id"] == staff and json.loads(entry["after"])["venues"] == [other_venue]


def test_bad_details_keep_what_was_typed(db, volunteer, venue, clock, staff_client):
    bad = staff_client.post(f"/staff/volunteers/{volunteer}", data={
        "phone": "call me", "email": "asha@", "dbs_certificate": "12 34",
        "dbs_issued_on": "2099-01-01", "notes": "Kind", "venues": [str(venue)]})
    assert bad.status_code == 422
    html = text(bad)
    assert "Please give a UK phone number, like 01942 123456." in html
    assert "Please give an email address like name@example.com." in html
    assert "A DBS certificate number is 12 digits" in html
    assert "The issue date cannot be in the future." in html
    assert 'value="call me"' in html and 'value="12 34"' in html and ">Kind</textarea>" in html
    assert f'value="{venue}" checked' in html
    assert db["volunteer_profiles"].count == 0 and db["volunteer_venues"].count == 0


def test_staff_pages_are_for_volunteers_only(staff, staff_client):
    assert staff_client.get(f"/staff/volunteers/{staff}").status_code == 404
    assert staff_client.get("/staff/volunteers/999").status_code == 404


def test_training_is_added_and_removed(db, volunteer, clock, staff_client):
    page = text(staff_client.get(f"/staff/volunteers/{volunteer}"))
    assert '<option value="AQA Level 3 Award">' in page
    added = staff_client.post(f"/staff/volunteers/{volunteer}/training", data={
        "course": "Safeguarding adults", "completed_on": "2026-05-01",
        "expires_on": "2026-06-01"})
    assert added.status_code == 303
    page = text(staff_client.get(added.location))
    assert "Added Safeguarding adults to Asha&#39;s training." in page
    assert "2026-06-01 (expired)" in page
    training_id = db["volunteer_training"].rows.__next__()["id"]
    removed = staff_client.post(
        f"/staff/volunteers/{volunteer}/training/{training_id}/remove", follow_redirects=True)
    assert "Removed Safeguarding adults (2026-05-01)." in text(removed)
    assert db["volunteer_training"].count == 0
    bad = staff_client.post(f"/staff/volunteers/{volunteer}/training",
                            data={"course": "First aid", "completed_on": "1/5/26"})
    assert bad.status_code == 422
    assert "Please give the date as year-month-day" in text(bad)
    assert 'value="First aid"' in text(bad) and 'value="1/5/26"' in text(bad)


def test_the_hours_page_filters_and_totals(db, venue, other_venue, volunteer, volunteer2,
                                           party, clock, staff_client):
    worked(db, volunteer, party)
    worked(db, volunteer2, party, "14:30", "15:15")
    leigh = add_session(db, other_venue, day=TODAY - timedelta(days=3), title="Leigh drop-in")
    worked(db, volunteer, leigh, "10:00", "11:00")
    page = text(staff_client.get("/staff/hours"))
    assert '<dd id="fig-hours">3.75</dd>' in page and '<dd id="fig-shifts">3</dd>' in page
    assert 'id="fig-available"' in page  # hours of support the sessions offered
    page = text(staff_client.get(f"/staff/hours?session={party}"))
    assert '<dd id="fig-hours">2.75</dd>' in page and '<dd id="fig-filled">2 of 3</dd>' in page
    assert "Leigh drop-in" not in page.split("<table>")[1].split("</table>")[0]
    assert 'name="signed_in_at" type="time" value="14:00"' in page  # add form prefilled
    page = text(staff_client.get(f"/staff/hours?volunteer={volunteer}"))
    assert '<dd id="fig-hours">3.00</dd>' in page and 'id="fig-available"' not in page
    page = text(staff_client.get(f"/staff/hours?first={TODAY.isoformat()}"))
    assert '<dd id="fig-hours">2.75</dd>' in page
    bad = staff_client.get("/staff/hours?volunteer=abc&first=yesterday")
    assert bad.status_code == 200
    assert "Choose a volunteer from the list." in text(bad)
    assert "Enter a date like 2026-11-23." in text(bad)
    assert staff_client.get("/staff/hours?session=999").status_code == 404


def test_staff_correct_hours_with_a_reason(db, staff, volunteer, party, clock, staff_client):
    shift = volunteers.sign_in(db, Actor(volunteer, "Asha"), volunteer, party,
                               now=at(TODAY, "14:02"))
    page = text(staff_client.get(f"/staff/hours?session={party}"))
    assert "(session ended)" in page  # closed at the session's end when the page opened
    assert f'id="signed_in_at-{shift["id"]}" name="signed_in_at" type="time" value="14:02"' \
        in page
    before = [tuple(r) for r in db.execute("select * from volunteer_shifts")]
    bad = staff_client.post(f"/staff/shifts/{shift['id']}/correct",
                            data={"signed_in_at": "15:00", "signed_out_at": "14:00"})
    assert bad.status_code == 422
    html = text(bad)
    assert ('<p class="field-error" id="signed_out_at-error">The sign-out time must be after '
            "the sign-in time.</p>") in html
    assert "Please say why the hours are being changed." in html
    assert 'value="15:00"' in html and 'value="14:00"' in html
    assert [tuple(r) for r in db.execute("select * from volunteer_shifts")] == before
    fixed = staff_client.post(f"/staff/shifts/{shift['id']}/correct", data={
        "signed_in_at": "13:30", "signed_out_at": "15:00", "reason": "Set up the room first"})
    assert fixed.status_code == 303
    page = text(staff_client.get(fixed.location))
    assert "Corrected Asha&#39;s hours at Tech tea party: 13:30 to 15:00." in page
    assert "Corrected by Sam Staff: Set up the room first" in page
    assert '<dd id="fig-hours">1.50</dd>' in page
    entry = history(db, "volunteer_shifts", shift["id"])[-1]
    assert entry["actor_id"] == staff
    assert json.loads(entry["after"])["reason"] == "Set up the room first"
    page = text(staff_client.get(f"/staff/shifts/{shift['id']}/correct"))
    assert "reason: Set up the room first" in page
    assert staff_client.get("/staff/shifts/999/correct").status_code == 404


def test_staff_add_a_missed_sign_in(db, volunteer, party, clock, staff_client):
    form = {"volunteer": str(volunteer), "session": str(party), "signed_in_at": "14:00",
            "signed_out_at": "15:30", "reason": "The tablet was flat"}
    added = staff_client.post(f"/staff/hours/add?session={party}", data=form)
    assert added.status_code == 303
    page = text(staff_client.get(added.location))
    assert "Added the missed sign-in: 14:00 to 15:30." in page
    assert "Corrected by Sam Staff: The tablet was flat" in page
    again = staff_client.post(f"/staff/hours/add?session={party}", data=form)
    assert again.status_code == 422
    assert ("Asha already has hours at Tech tea party on "
            f"{volunteers.day_words(TODAY)} from 14:00 to 15:30, which overlap.") in text(again)
    assert db["volunteer_shifts"].count == 1


def test_a_missed_sign_in_for_a_past_session_appears_in_the_list(db, venue, volunteer, clock,
                                                                 staff_client):
    last_week = add_session(db, venue, day=TODAY - timedelta(days=7), title="Last week")
    page = text(staff_client.get("/staff/hours"))
    assert f'<option value="{last_week}" >' in page
    assert staff_client.post("/staff/hours/add", data={
        "volunteer": str(volunteer), "session": str(last_week), "signed_in_at": "14:00",
        "signed_out_at": "16:00", "reason": "Forgot"}).status_code == 303
    assert volunteers.hours_recorded(db, TODAY - timedelta(days=7), TODAY) == 2
    assert date.fromisoformat(volunteers.shifts(db)[0]["day"]) == TODAY - timedelta(days=7)
