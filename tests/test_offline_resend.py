"""Offline grace on the volunteer tablet, server side: a form the tablet sends again (its
first answer was lost to bad Wi-Fi, see static/js/offline.js) is answered like the first
time and never writes twice; someone else's resend is still refused."""

import re

import pytest

import help_desk
import learners
import volunteer.views
from audit import Actor
from tests.conftest import sign_in_volunteer

pytestmark = pytest.mark.usefixtures("fast_hashing")
KIOSK = Actor(None, "kiosk: Front desk")
LOG = {"topics": ["email", "scams"], "minutes": "15", "outcome": "solved",
       "notes": "Reset the password"}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def taken(db, venue, volunteer):
    """Mary's kiosk ticket, taken by Asha."""
    ticket = help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)
    help_desk.take_ticket(db, ticket["id"], Actor(volunteer, "Asha"))
    return ticket["id"]


def written(db) -> dict:
    """Everything a help log writes, counted."""
    return {"done": db["tickets"].count_where("status = 'done'"),
            "topics": db["ticket_topics"].count,
            "skills": db["skill_records"].count,
            "finish": db["audit_log"].count_where("action = 'ticket.finish'"),
            "topic_audits": db["audit_log"].count_where("action = 'ticket.topics'")}


def test_a_help_log_sent_again_is_answered_like_the_first(db, taken, volunteer_client):
    url = f"/volunteer/tickets/{taken}"
    first = volunteer_client.post(url, data=LOG)
    assert (first.status_code, first.location) == (303, "/volunteer/")
    once = written(db)
    assert once == {"done": 1, "topics": 2, "skills": 0, "finish": 1, "topic_audits": 1}
    finished = help_desk.get_ticket(db, taken)

    again = volunteer_client.post(url, data=LOG, follow_redirects=True)
    assert "Thank you. Help for ticket 1 is logged." in text(again)
    assert "not one you are helping" not in text(again)
    assert written(db) == once
    assert help_desk.get_ticket(db, taken) == finished  # not touched, not even finished_at


def test_a_resent_log_for_a_learner_goes_back_to_them_and_adds_no_skills(
        db, venue, volunteer, taken, volunteer_client):
    mary = learners.add_learner(db, Actor(volunteer, "Asha"),
                                {"first_name": "Mary", "consent_keep": "yes"}, venue)
    learners.link_ticket(db, Actor(volunteer, "Asha"), taken, mary)
    task = learners.skill_tasks(db)[0]["id"]
    data = {**LOG, f"skill_{task}": "on_own"}
    url = f"/volunteer/tickets/{taken}"
    assert volunteer_client.post(url, data=data).location == f"/volunteer/learners/{mary}"
    once = written(db)
    assert once["skills"] == 1
    again = volunteer_client.post(url, data=data)
    assert (again.status_code, again.location) == (303, f"/volunteer/learners/{mary}")
    assert written(db) == once


def test_a_double_tap_that_loses_the_race_is_not_a_conflict(db, taken, volunteer_client,
                                                            monkeypatch):
    """Two taps at once: both find the ticket in progress, the first finishes it, the second
    meets help_desk.Conflict inside the write. The second answers like the first."""
    in_progress = help_desk.get_ticket(db, taken)
    url = f"/volunteer/tickets/{taken}"
    volunteer_client.post(url, data=LOG)
    once = written(db)
    monkeypatch.setattr(volunteer.views, "my_ticket", lambda _id: dict(in_progress))
    again = volunteer_client.post(url, data=LOG, follow_redirects=True)
    assert "Thank you. Help for ticket 1 is logged." in text(again)
    assert "Ticket 1 is now" not in text(again)
    assert written(db) == once


def test_someone_elses_resend_is_still_refused(app, db, venue, volunteer2, taken,
                                               volunteer_client):
    url = f"/volunteer/tickets/{taken}"
    volunteer_client.post(url, data=LOG)
    once, finished = written(db), help_desk.get_ticket(db, taken)
    bill = app.test_client()
    assert sign_in_volunteer(bill, venue, "Bill", "2345").status_code == 302
    response = bill.post(url, data={**LOG, "notes": "Bill's version"}, follow_redirects=True)
    assert "That ticket is not one you are helping with right now." in text(response)
    assert "is logged" not in text(response)
    assert written(db) == once
    assert help_desk.get_ticket(db, taken) == finished


def test_a_finished_log_does_not_open_again(db, taken, volunteer_client):
    """Only a resend (POST) is answered as a success; the form itself stays closed."""
    url = f"/volunteer/tickets/{taken}"
    volunteer_client.post(url, data=LOG)
    page = volunteer_client.get(url, follow_redirects=True)
    assert "That ticket is not one you are helping with right now." in text(page)
    assert "Save and finish" not in text(page)


def test_a_log_for_a_ticket_still_waiting_is_refused(db, venue, volunteer_client):
    ticket = help_desk.create_ticket(db, venue, "email", "Ken", KIOSK)
    response = volunteer_client.post(f"/volunteer/tickets/{ticket['id']}", data=LOG,
                                     follow_redirects=True)
    assert "That ticket is not one you are helping with right now." in text(response)
    assert written(db)["done"] == 0


def test_walk_in_help_now_sent_again_makes_one_ticket_taken_once(db, volunteer_client):
    data = {"topic": "email", "name": "Olu", "request_id": "walk-in-olu", "help_now": "1"}
    first = volunteer_client.post("/volunteer/walk-in", data=data)
    again = volunteer_client.post("/volunteer/walk-in", data=data)
    assert first.location == again.location == "/volunteer/tickets/1"
    assert db["tickets"].count == 1
    assert db["audit_log"].count_where("action = 'ticket.take'") == 1


def test_a_new_learner_sent_again_is_added_once(db, volunteer_client):
    data = {"first_name": "Mary", "consent_keep": "yes", "request_id": "add-mary-offline"}
    first = volunteer_client.post("/volunteer/learners/new", data=data)
    again = volunteer_client.post("/volunteer/learners/new", data=data)
    assert first.location == again.location == "/volunteer/learners/1"
    assert db["learners"].count == 1


def test_a_skills_check_sent_again_writes_nothing_more(db, venue, volunteer, volunteer_client):
    mary = learners.add_learner(db, Actor(volunteer, "Asha"),
                                {"first_name": "Mary", "consent_keep": "yes"}, venue)
    task = learners.skill_tasks(db)[0]["id"]
    url = f"/volunteer/learners/{mary}/skills"
    assert volunteer_client.post(url, data={f"skill_{task}": "on_own"}).status_code == 303
    again = volunteer_client.post(url, data={f"skill_{task}": "on_own"})
    assert (again.status_code, again.location) == (303, f"/volunteer/learners/{mary}")
    assert db["skill_records"].count == 1
    assert db["audit_log"].count_where("action = 'skill.record'") == 1


def test_the_tablet_forms_are_kept_and_sent_by_offline_js(db, venue, volunteer, taken,
                                                         volunteer_client):
    """The four forms a volunteer types into are marked for offline.js; every tablet page
    loads it with the banner's words in the page (so they can be translated)."""
    mary = learners.add_learner(db, Actor(volunteer, "Asha"),
                                {"first_name": "Mary", "consent_keep": "yes"}, venue)
    for url in (f"/volunteer/tickets/{taken}", "/volunteer/walk-in", "/volunteer/learners/new",
                f"/volunteer/learners/{mary}/skills"):
        page = text(volunteer_client.get(url))
        assert re.search(r'<form method="post"[^>]* data-offline>', page), url
        assert '<script src="/static/js/offline.js" defer></script>' in page
        assert 'id="offline-status"' in page and 'role="status"' in page
        assert "will be sent when the connection is back." in page
    log_page = text(volunteer_client.get(f"/volunteer/tickets/{taken}"))
    assert "js/scan.js" in log_page  # the page's own script is still there too
    queue = text(volunteer_client.get("/volunteer/"))
    assert "offline.js" in queue and "data-offline>" not in queue


def test_the_banner_speaks_the_tablets_language(db, taken, volunteer_client):
    volunteer_client.get("/language/cy?next=/volunteer/")
    page = text(volunteer_client.get(f"/volunteer/tickets/{taken}"))
    assert "will be sent when the connection is back." not in page
    assert 'data-queued="' in page
