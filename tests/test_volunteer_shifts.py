"""The volunteer tablet's session and "my hours" screens: what a volunteer sees, and what
the database holds after they sign in and out."""

from datetime import date, timedelta

import pytest

import help_desk
import lending
import volunteers
from audit import Actor, stamp
from tests.conftest import sign_in_staff, sign_in_volunteer
from tests.test_volunteers import add_session, at, freeze, set_dbs

pytestmark = pytest.mark.usefixtures("fast_hashing")
TODAY = lending.today()
KIOSK = Actor(None, "kiosk: Front desk")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, at(TODAY, "14:02"))


@pytest.fixture
def party(db, venue):
    return add_session(db, venue, day=TODAY, slots=3)


def shift_rows(db) -> list[tuple]:
    return [tuple(r) for r in db.execute("select * from volunteer_shifts order by id")]


def test_the_session_page_shows_todays_sessions_here(db, venue, other_venue, party, clock,
                                                     volunteer_client):
    add_session(db, venue, day=TODAY, starts="18:00", ends="20:00", title="Evening club")
    add_session(db, venue, day=TODAY, title="Called off", cancelled=True)
    add_session(db, venue, day=TODAY + timedelta(days=1), title="Tomorrow's party")
    add_session(db, other_venue, day=TODAY, title="Leigh drop-in")
    page = text(volunteer_client.get("/volunteer/session"))
    assert "Today's sessions at Wigan Library" in page
    assert "Tech tea party" in page and "14:00 to 16:00" in page
    assert "0 of 3 volunteers" in page and "Nobody has signed in yet." in page
    assert "Sign in to this session" in page
    assert "Evening club" in page and "You can sign in from 17:00." in page
    for hidden in ("Called off", "Tomorrow", "Leigh drop-in"):
        assert hidden not in page


def test_signing_in_and_out_on_the_tablet(db, venue, volunteer, volunteer2, party, clock,
                                          volunteer_client):
    signed = volunteer_client.post(f"/volunteer/session/{party}/sign-in")
    assert signed.status_code == 303 and signed.location.endswith("/volunteer/session")
    page = text(volunteer_client.get(signed.location))
    assert "You are signed in to Tech tea party from 14:02. Thank you for coming!" in page
    assert "1 of 3 volunteers" in page and "Asha, here since 14:02" in page
    shift = volunteers.open_shift(db, volunteer)
    assert shift["session_id"] == party
    assert f'action="/volunteer/shifts/{shift["id"]}/sign-out"' in page
    assert "Sign in to this session" not in page

    clock.now = at(TODAY, "15:32")
    out = volunteer_client.post(f"/volunteer/shifts/{shift['id']}/sign-out")
    assert out.status_code == 303
    page = text(volunteer_client.get(out.location))
    assert "Signed out at 15:32. You gave 1 hour 30 minutes today. Thank you!" in page
    assert "Asha, 14:02 to 15:32" in page and "1 of 3 volunteers" in page
    closed = volunteers.get_shift(db, shift["id"])
    assert (closed["signed_out_at"], closed["closed_by"]) == (stamp(at(TODAY, "15:32")),
                                                              "volunteer")
    assert closed["hours"] == 1.5


def test_a_double_tap_signs_in_once(db, party, clock, volunteer_client):
    assert volunteer_client.post(f"/volunteer/session/{party}/sign-in").status_code == 303
    again = volunteer_client.post(f"/volunteer/session/{party}/sign-in")
    assert again.status_code == 422
    assert "You are already signed in to this session since 14:02." in text(again)
    assert db["volunteer_shifts"].count == 1


def test_a_lapsed_dbs_is_refused_beside_the_button(db, venue, volunteer, clock,
                                                   volunteer_client):
    set_dbs(db, volunteer, date(TODAY.year - 3, 1, 1) - timedelta(days=1))
    needs_dbs = add_session(db, venue, day=TODAY, requires_dbs=True, title="Beech Court")
    page = text(volunteer_client.get("/volunteer/session"))
    assert "Needs a DBS check. Please ask a member of staff before you sign in." in page
    assert "Your DBS check lapsed on" in page
    before = shift_rows(db), db["audit_log"].count
    refused = volunteer_client.post(f"/volunteer/session/{needs_dbs}/sign-in")
    assert refused.status_code == 422
    html = text(refused)
    assert '<p class="field-error" id="session-error">This session needs a DBS check, and ' \
           "yours lapsed on" in html
    assert 'aria-describedby="session-error">Sign in to this session</button>' in html
    assert (shift_rows(db), db["audit_log"].count) == before


def test_a_dbs_about_to_lapse_is_a_kind_warning(db, venue, volunteer, clock,
                                                volunteer_client):
    lapses = TODAY + timedelta(days=5)
    set_dbs(db, volunteer, volunteers.add_years(lapses, -3))
    session = add_session(db, venue, day=TODAY, requires_dbs=True)
    page = text(volunteer_client.get("/volunteer/session"))
    words = volunteers.day_words(lapses)
    assert (f"Your DBS check needs renewing before {words}. Please have a word with a member "
            "of staff when you can.") in page
    page = text(volunteer_client.post(f"/volunteer/session/{session}/sign-in",
                                      follow_redirects=True))
    assert (f"Your DBS check needs renewing before {words} (5 days left). Please have a word "
            "with a member of staff.") in page
    assert volunteers.open_shift(db, volunteer)["session_id"] == session


def test_a_session_at_another_venue_is_not_joined_from_here(db, other_venue, clock,
                                                            volunteer_client):
    leigh = add_session(db, other_venue, day=TODAY)
    for url in (f"/volunteer/session/{leigh}/sign-in", "/volunteer/session/999/sign-in"):
        page = text(volunteer_client.post(url, follow_redirects=True))
        assert "That session is not at this venue today." in page
    assert db["volunteer_shifts"].count == 0


def test_signed_in_elsewhere_shows_how_to_sign_out(db, venue, other_venue, volunteer, party,
                                                   clock, app):
    leigh = add_session(db, other_venue, day=TODAY, title="Leigh drop-in")
    volunteers.sign_in(db, Actor(volunteer, "Asha"), volunteer, leigh)
    client = app.test_client()
    sign_in_volunteer(client, venue)
    page = text(client.get("/volunteer/session"))
    assert "You are signed in to Leigh drop-in at Leigh Library" in page
    refused = client.post(f"/volunteer/session/{party}/sign-in")
    assert refused.status_code == 422
    assert ("You are already signed in to Leigh drop-in at Leigh Library since 14:02. Sign "
            "out of that first.") in text(refused)


def test_nobody_signs_out_someone_else(db, volunteer2, party, clock, volunteer_client):
    shift = volunteers.sign_in(db, Actor(volunteer2, "Bill"), volunteer2, party)
    page = text(volunteer_client.post(f"/volunteer/shifts/{shift['id']}/sign-out",
                                      follow_redirects=True))
    assert "That is not your sign-in. Each volunteer signs themselves out." in page
    assert volunteers.open_shift(db, volunteer2)["id"] == shift["id"]


def test_after_the_end_the_page_shows_the_shift_closed(db, volunteer, party, clock,
                                                       volunteer_client):
    shift = volunteers.sign_in(db, Actor(volunteer, "Asha"), volunteer, party)
    clock.now = at(TODAY, "16:30")
    page = text(volunteer_client.get("/volunteer/session"))
    assert "Asha, 14:02 to 16:00" in page and "This session has ended." in page
    late = volunteer_client.post(f"/volunteer/shifts/{shift['id']}/sign-out",
                                 follow_redirects=True)
    assert "This sign-in was already closed at 16:00, when the session ended." in text(late)


def test_no_sessions_today_says_so(clock, volunteer_client):
    assert "There are no sessions here today." in text(volunteer_client.get("/volunteer/session"))


def test_my_page_shows_my_year(db, venue, staff, volunteer, party, clock, volunteer_client):
    volunteers.add_missed_shift(db, Actor(staff, "Sam"), volunteer, party, "14:00", "15:30",
                                "Tablet was flat", now=at(TODAY, "17:00"))
    volunteers.add_training(db, Actor(staff, "Sam"), volunteer,
                            {"course": "Safeguarding adults", "completed_on": "2020-01-01"})
    set_dbs(db, volunteer, TODAY - timedelta(days=10))
    clock.now = at(TODAY, "17:00")
    page = text(volunteer_client.get("/volunteer/me"))
    first_day, last_day = volunteers.financial_year(TODAY)
    assert (f"This year: {volunteers.day_words(first_day)} to "
            f"{volunteers.day_words(last_day)}") in page
    assert '<dd id="fig-hours">1.5</dd>' in page and '<dd id="fig-sessions">1</dd>' in page
    assert '<dd id="fig-people">0</dd>' in page and '<dd id="fig-learners">0</dd>' in page
    assert "Your DBS check is up to date." in page
    assert "Safeguarding adults, 1 January 2020" in page
    assert "14:00 to 15:30 (1 hour 30 minutes)" in page


def test_my_page_without_a_dbs_check(clock, volunteer_client):
    page = text(volunteer_client.get("/volunteer/me"))
    assert "We have no DBS check recorded for you." in page
    assert "No training recorded yet." in page and "No sessions yet this year." in page


def test_the_journey_from_pin_to_staff_seeing_the_hours(app, db, venue, staff, volunteer,
                                                        party, clock):
    """Volunteer signs in with their PIN, joins today's tea party, helps someone, signs
    out; staff see the hours."""
    tablet = app.test_client()
    assert sign_in_volunteer(tablet, venue).status_code == 302
    assert "Tech tea party" in text(tablet.get("/volunteer/session"))
    assert tablet.post(f"/volunteer/session/{party}/sign-in").status_code == 303
    ticket = help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)
    assert tablet.post(f"/volunteer/tickets/{ticket['id']}/take").status_code == 303
    help_desk.finish_ticket(db, ticket["id"], Actor(volunteer, "Asha"), ["email"], 10,
                            "solved", "")
    clock.now = at(TODAY, "15:56")
    shift = volunteers.open_shift(db, volunteer)
    out = tablet.post(f"/volunteer/shifts/{shift['id']}/sign-out", follow_redirects=True)
    assert "You gave 1 hour 54 minutes today." in text(out)
    mine = text(tablet.get("/volunteer/me"))
    assert '<dd id="fig-hours">1.9</dd>' in mine and '<dd id="fig-people">1</dd>' in mine

    desk = app.test_client()
    sign_in_staff(desk)
    hours = text(desk.get(f"/staff/hours?session={party}"))
    assert '<dd id="fig-hours">1.90</dd>' in hours and "Asha" in hours
    listing = text(desk.get("/staff/volunteers"))
    assert f'<tr data-volunteer="{volunteer}">' in listing and ">1.9</a>" in listing
    assert "1.90 hours recorded." in text(desk.get(f"/staff/volunteers/{volunteer}"))
