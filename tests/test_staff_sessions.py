"""Venues and sessions through the staff screens: what staff see, and what the database
and the audit log hold afterwards."""

from datetime import timedelta

import pytest
from markupsafe import escape

import lending
import tea_parties
from audit import Actor, history

pytestmark = pytest.mark.usefixtures("fast_hashing")
TODAY = lending.today()


def text(response) -> str:
    return response.get_data(as_text=True)


def plan_form(venue, **overrides) -> dict:
    form = {"title": "Tech tea party", "kind": "tea_party", "venue": str(venue),
            "repeat": "weekly", "first_day": TODAY.isoformat(),
            "last_day": (TODAY + timedelta(days=14)).isoformat(), "starts": "14:00",
            "ends": "16:00", "volunteer_slots": "3", "requires_dbs": "yes",
            "description": "Bring your phone or tablet."}
    form.update(overrides)
    return form


@pytest.fixture
def session_id(db, venue):
    series_id = tea_parties.create_series(db, Actor(None, "test"), plan_form(venue, repeat="none"))
    return next(db["sessions"].rows_where("series_id = ?", [series_id]))["id"]


def test_adding_a_venue_tidies_it_and_audits_it(staff_client, db, staff):
    page = staff_client.get("/staff/venues")
    assert "Add a venue" in text(page) and "Sheltered housing" in text(page)
    added = staff_client.post("/staff/venues", data={
        "name": "Beech Court", "kind": "sheltered_housing", "address": "2 Beech Rd, Wigan",
        "postcode": "wn5 9ab", "accessibility": "Lift to the lounge."})
    assert added.status_code == 303
    venue = tea_parties.get_venue(db, int(added.location.rsplit("/", 1)[1]))
    assert (venue["name"], venue["postcode"], venue["kind"]) == ("Beech Court", "WN5 9AB",
                                                                 "sheltered_housing")
    entry = history(db, "venues", venue["id"])[0]
    assert entry["action"] == "venue.create" and entry["actor_id"] == staff
    shown = text(staff_client.get(added.location))
    assert "Added Beech Court." in shown and 'value="WN5 9AB"' in shown
    assert "Lift to the lounge." in shown and "venue create" in shown
    assert "Beech Court" in text(staff_client.get("/staff/venues"))


def test_a_bad_venue_keeps_what_was_typed(staff_client, db, venue):
    page = staff_client.post("/staff/venues", data={"name": "wigan LIBRARY", "kind": "pub",
                                                    "postcode": "W1GAN", "address": "Market St"})
    assert page.status_code == 422
    html = text(page)
    assert "There is already a venue called wigan LIBRARY." in html
    assert "Please give a UK postcode, for example WN1 1NH." in html
    assert 'value="W1GAN"' in html and 'value="Market St"' in html
    assert 'value="pub" selected' in html
    assert db["venues"].count == 1


def test_editing_a_venue_can_close_it(staff_client, db, venue):
    form = text(staff_client.get(f"/staff/venues/{venue}"))
    assert 'value="Wigan Library"' in form and 'name="active" value="yes" checked' in form
    saved = staff_client.post(f"/staff/venues/{venue}", data={
        "name": "Wigan Library", "kind": "library", "postcode": "WN1 1NH"})
    assert saved.status_code == 303
    row = db["venues"].get(venue)
    assert row["active"] == 0 and row["postcode"] == "WN1 1NH"
    assert history(db, "venues", venue)[-1]["action"] == "venue.update"
    assert "No, closed" in text(staff_client.get("/staff/venues"))
    bad = staff_client.post(f"/staff/venues/{venue}", data={"name": "", "kind": "castle"})
    assert bad.status_code == 422
    assert "Please fill in the venue&#39;s name." in text(bad)
    assert staff_client.get("/staff/venues/999").status_code == 404


def test_planning_a_fortnightly_series_lists_every_date(staff_client, db, venue, staff):
    form = text(staff_client.get(f"/staff/sessions/new?venue={venue}"))
    assert f'value="{venue}" selected' in form and 'value="14:00"' in form
    done = staff_client.post("/staff/sessions/new", data=plan_form(
        venue, repeat="fortnightly", last_day=(TODAY + timedelta(days=28)).isoformat()))
    assert done.status_code == 303
    rows = list(db["sessions"].rows_where(order_by="day"))
    assert [r["day"] for r in rows] == [(TODAY + timedelta(days=d)).isoformat()
                                        for d in (0, 14, 28)]
    assert {(r["volunteer_slots"], r["requires_dbs"]) for r in rows} == {(3, 1)}
    series = db["session_series"].get(rows[0]["series_id"])
    assert series["created_by"] == staff and series["description"] == \
        "Bring your phone or tablet."
    assert db["audit_log"].count_where("action = 'session.create' and actor_id = ?",
                                       [staff]) == 3
    page = text(staff_client.get(done.location))
    assert "Planned Tech tea party: 3 dates" in page
    assert page.count("Tech tea party") >= 3
    assert '<dd id="fig-hours">18</dd>' in page  # 3 dates × 3 places × 2 hours


def test_a_bad_plan_says_why_beside_each_field_and_writes_nothing(staff_client, db, venue):
    audit_rows = db["audit_log"].count
    page = staff_client.post("/staff/sessions/new", data=plan_form(
        venue, title="", last_day="", starts="2pm", volunteer_slots="60"))
    assert page.status_code == 422
    html = text(page)
    for field, message in {
            "title": "Please fill in a title.",
            "last_day": "Please choose the date it repeats until.",
            "starts": "Please give the start time in hours and minutes, for example 14:00.",
            "volunteer_slots": "Please give how many volunteers are needed, a number "
                               "from 0 to 50."}.items():
        assert f'<p class="field-error" id="{field}-error">{escape(message)}</p>' in html
        assert f'aria-describedby="{field}-error' in html
    assert 'value="2pm"' in html and 'value="60"' in html
    assert 'value="weekly" checked' in html and 'name="requires_dbs" value="yes" checked' in html
    assert db["sessions"].count == 0 and db["audit_log"].count == audit_rows


def test_the_list_filters_by_venue_and_adds_up_support_hours(staff_client, db, venue,
                                                             other_venue):
    actor = Actor(None, "test")
    tea_parties.create_series(db, actor, plan_form(venue))  # 3 × 3 × 2 h
    tea_parties.create_series(db, actor, plan_form(
        other_venue, title="Leigh drop-in", kind="drop_in", repeat="none", starts="10:00",
        ends="11:30", volunteer_slots="2"))  # 3 h
    everything = text(staff_client.get("/staff/sessions"))
    assert "Leigh drop-in" in everything and '<dd id="fig-hours">21</dd>' in everything
    leigh = text(staff_client.get(f"/staff/sessions?venue={other_venue}"))
    assert "Tech tea party" not in leigh and '<dd id="fig-hours">3</dd>' in leigh
    assert "<td class=\"num\">1.5</td>" not in leigh and '<td class="num">3</td>' in leigh
    later = text(staff_client.get(
        f"/staff/sessions?first={(TODAY + timedelta(days=1)).isoformat()}"))
    assert '<dd id="fig-hours">12</dd>' in later
    bad = text(staff_client.get("/staff/sessions?first=soon&venue=999"))
    assert "Enter a date like 2026-11-23." in bad and "Choose a venue from the list." in bad


def test_one_date_shows_who_signed_in_and_links_to_correcting_hours(staff_client, db,
                                                                    session_id, volunteer):
    session = db["sessions"].get(session_id)
    db["volunteer_shifts"].insert({
        "session_id": session_id, "user_id": volunteer,
        "signed_in_at": tea_parties.local_stamp(TODAY, "13:55"),
        "signed_out_at": tea_parties.local_stamp(TODAY, "16:05"), "closed_by": "volunteer"})
    page = text(staff_client.get(f"/staff/sessions/{session_id}"))
    assert "Tech tea party" in page and "Wigan Library" in page
    assert "14:00 to 16:00" in page and session["day"] in page
    assert "<td>Asha</td><td>13:55</td>" in page and "16:05" in page
    assert f'href="/staff/hours?session={session_id}"' in page and "Correct hours" in page
    assert "Just once" in page
    assert staff_client.get("/staff/sessions/999999").status_code == 404


def test_changing_one_date(staff_client, db, session_id, staff):
    done = staff_client.post(f"/staff/sessions/{session_id}/edit", data={
        "starts": "13:30", "ends": "16:00", "volunteer_slots": "5"})
    assert done.status_code == 303
    row = db["sessions"].get(session_id)
    assert row["starts_at"] == tea_parties.local_stamp(TODAY, "13:30")
    assert (row["volunteer_slots"], row["requires_dbs"]) == (5, 0)
    entry = history(db, "sessions", session_id)[-1]
    assert entry["action"] == "session.update" and entry["actor_id"] == staff
    page = text(staff_client.get(done.location))
    assert "Saved this date." in page and 'value="13:30"' in page
    bad = staff_client.post(f"/staff/sessions/{session_id}/edit", data={
        "starts": "17:00", "ends": "16:00", "volunteer_slots": "5"})
    assert bad.status_code == 422
    assert "The end time must be after the start time." in text(bad)
    assert 'value="17:00"' in text(bad)
    assert db["sessions"].get(session_id) == row


def test_cancelling_one_date(staff_client, db, session_id, staff):
    blank = staff_client.post(f"/staff/sessions/{session_id}/cancel", data={"reason": ""})
    assert blank.status_code == 422 and "Please fill in the reason." in text(blank)
    done = staff_client.post(f"/staff/sessions/{session_id}/cancel",
                             data={"reason": "Heating broken"})
    assert done.status_code == 303
    row = db["sessions"].get(session_id)
    assert row["cancelled_at"] and row["cancel_reason"] == "Heating broken"
    entry = history(db, "sessions", session_id)[-1]
    assert entry["action"] == "session.cancel" and entry["actor_id"] == staff
    page = text(staff_client.get(done.location))
    assert "Cancelled" in page and "Heating broken" in page
    assert "Cancel this date</button>" not in page and "Save this date" not in page
    again = staff_client.post(f"/staff/sessions/{session_id}/cancel", data={"reason": "x"})
    assert again.status_code == 422
    assert "This date is cancelled, so it cannot be changed." in text(again)
    assert db["sessions"].get(session_id) == row
    listed = text(staff_client.get("/staff/sessions"))
    assert "<strong>Cancelled</strong>" in listed and '<dd id="fig-hours">0</dd>' in listed
