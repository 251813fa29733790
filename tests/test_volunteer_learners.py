"""Learners on the volunteer tablet, through the test client: add a walk-in learner, help
them with skills tagged, print their card, find them again by scanning it."""

import re

import pytest
from markupsafe import escape

import help_desk
import learners
from audit import Actor
from tests.test_labels import open_pdf, scan

pytestmark = pytest.mark.usefixtures("fast_hashing")
KIOSK = Actor(None, "kiosk: Front desk")


def text(response) -> str:
    return response.get_data(as_text=True)


def task_id(db, code) -> int:
    return next(t["id"] for t in learners.skill_tasks(db) if t["code"] == code)


def add_mary(client, **fields):
    data = {"first_name": "Mary", "consent_keep": "yes", "postcode": "WN5 0AB",
            "birth_band": "1950s", "request_id": "add-mary", **fields}
    return client.post("/volunteer/learners/new", data=data)


def help_now(client, learner_id, request_id):
    return client.post(f"/volunteer/learners/{learner_id}/help",
                       data={"topic": "video_calls", "request_id": request_id})


def log(client, ticket_url, **skills):
    return client.post(ticket_url, data={"topics": ["video_calls"], "minutes": "20",
                                         "outcome": "solved", **skills})


def test_walk_in_learner_help_with_two_skills_card_and_a_second_visit(db, venue, volunteer,
                                                                      volunteer_client):
    added = add_mary(volunteer_client)
    assert added.status_code == 303
    learner = learners.learner_by_card(db, db["learners"].get(1)["card_code"])
    assert added.location == f"/volunteer/learners/{learner['id']}"
    page = text(volunteer_client.get(added.location))
    assert "Added Mary. Print their learner card" in page
    assert "Help Mary now" in page and "WN5" in page and "0AB" not in page

    helping = help_now(volunteer_client, learner["id"], "visit-1")
    assert helping.status_code == 303 and helping.location.startswith("/volunteer/tickets/")
    log_page = text(volunteer_client.get(helping.location))
    assert "Log help for 1 (Mary)" in log_page and "Skills practised" in log_page
    assert 'name="topics" value="video_calls" checked' in log_page
    c2, f5 = task_id(db, "C2"), task_id(db, "F5")
    done = log(volunteer_client, helping.location, **{f"skill_{c2}": "with_help",
                                                      f"skill_{f5}": "on_own"})
    assert done.location == f"/volunteer/learners/{learner['id']}"
    ticket_id = int(helping.location.rsplit("/", 1)[1])
    rows = list(db["skill_records"].rows_where(order_by="task_id"))
    assert [(r["task_id"], r["level"], r["ticket_id"], r["volunteer_id"]) for r in rows] == [
        (f5, "on_own", ticket_id, volunteer), (c2, "with_help", ticket_id, volunteer)]

    card = volunteer_client.get(f"/volunteer/learners/{learner['id']}/card.pdf")
    scanned = list(scan(open_pdf(card.data)[0], dpi=300))
    assert scanned == [f"http://localhost/l/{learner['card_code']}"]

    # Second visit: the wedge scanner types the card's URL into the scan box.
    found = volunteer_client.post("/volunteer/learners/scan", data={"scan": scanned[0]})
    assert found.location == f"/volunteer/learners/{learner['id']}"
    again = help_now(volunteer_client, learner["id"], "visit-2")
    log(volunteer_client, again.location, **{f"skill_{c2}": "on_own"})
    page = text(volunteer_client.get(found.location))
    assert "Visits (2)" in page
    assert page.count("Ticket 1 at Wigan Library") == 1
    assert page.count("Ticket 2 at Wigan Library") == 1
    assert 'id="tasks-done">2<' in page  # F5 and, at the second visit, C2 on her own
    assert "I can make a video call. – <strong>On my own</strong>" in page


def test_no_consent_no_learner(db, volunteer_client):
    response = add_mary(volunteer_client, consent_keep="")
    assert response.status_code == 422
    page = text(response)
    assert (f'<p class="field-error" id="consent_keep-error">'
            f'{escape(learners.CONSENT_NEEDED)}</p>') in page
    assert 'value="Mary"' in page and 'value="WN5 0AB"' in page
    assert 'value="1950s" selected' in page
    assert db["learners"].count == 0 and db["audit_log"].count_where(
        "table_name = 'learners'") == 0


def test_a_double_tap_on_add_makes_one_learner(db, volunteer_client):
    assert add_mary(volunteer_client).status_code == 303
    assert add_mary(volunteer_client).location == "/volunteer/learners/1"
    assert db["learners"].count == 1


def test_find_by_name_here_or_everywhere(db, venue, other_venue, volunteer, volunteer_client):
    asha = Actor(volunteer, "Asha")
    here = learners.add_learner(db, asha, {"first_name": "Mary", "consent_keep": "yes"}, venue)
    there = learners.add_learner(db, asha, {"first_name": "Marge", "consent_keep": "yes"},
                                 other_venue)
    page = text(volunteer_client.get("/volunteer/learners?q=mar"))
    assert f'href="/volunteer/learners/{here}"' in page
    assert f'href="/volunteer/learners/{there}"' not in page
    assert 'hx-get="/volunteer/learners"' in page and 'id="scan"' in page
    everywhere = text(volunteer_client.get("/volunteer/learners?q=mar&everywhere=1"))
    assert f'href="/volunteer/learners/{there}"' in everywhere
    partial = volunteer_client.get("/volunteer/learners?q=marg&everywhere=1",
                                   headers={"HX-Request": "true"})
    assert text(partial).startswith('<div id="learner-results"')
    assert "Marge" in text(partial) and "<html" not in text(partial)
    assert "HX-Request" in partial.headers["Vary"]
    none = text(volunteer_client.get("/volunteer/learners?q=zed"))
    assert "Nobody called “zed” has been seen here." in none


def test_an_unknown_card_gets_a_message_beside_the_box(db, volunteer_client):
    before = db["audit_log"].count
    response = volunteer_client.post("/volunteer/learners/scan",
                                     data={"scan": "https://x.example/l/ZZZZ2222"})
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="field-error" id="scan-error">{escape(learners.UNKNOWN_CARD)}</p>' in page
    assert 'value="https://x.example/l/ZZZZ2222"' in page
    assert db["audit_log"].count == before


@pytest.fixture
def mary(db, venue, volunteer):
    return learners.add_learner(db, Actor(volunteer, "Asha"),
                                {"first_name": "Mary", "consent_keep": "yes"}, venue)


@pytest.fixture
def kiosk_ticket(db, venue, volunteer):
    ticket = help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)
    help_desk.take_ticket(db, ticket["id"], Actor(volunteer, "Asha"))
    return ticket["id"]


def test_a_kiosk_ticket_is_linked_by_name(db, mary, kiosk_ticket, volunteer_client):
    page = text(volunteer_client.get(f"/volunteer/tickets/{kiosk_ticket}"))
    assert "Skills practised" not in page  # no learner yet
    assert "Is this a learner we know?" in page and "This is Mary" in page
    linked = volunteer_client.post(f"/volunteer/tickets/{kiosk_ticket}/learner",
                                   data={"learner_id": str(mary)}, follow_redirects=True)
    assert "Ticket 1 is for Mary." in text(linked) and "Skills practised" in text(linked)
    assert help_desk.get_ticket(db, kiosk_ticket)["learner_id"] == mary


def test_a_kiosk_ticket_is_linked_by_card(db, mary, kiosk_ticket, volunteer_client):
    code = learners.get_learner(db, mary)["card_code"]
    linked = volunteer_client.post(f"/volunteer/tickets/{kiosk_ticket}/learner",
                                   data={"scan": code.lower()})
    assert linked.location == f"/volunteer/tickets/{kiosk_ticket}"
    assert help_desk.get_ticket(db, kiosk_ticket)["learner_id"] == mary
    bad = volunteer_client.post(f"/volunteer/tickets/{kiosk_ticket}/learner",
                                data={"scan": "nope"})
    assert bad.status_code == 422 and escape(learners.UNKNOWN_CARD) in text(bad)


def test_a_new_learner_from_a_kiosk_ticket(db, kiosk_ticket, volunteer_client):
    form = text(volunteer_client.get(f"/volunteer/learners/new?ticket={kiosk_ticket}"
                                     "&first_name=Mary"))
    assert 'name="ticket" value="1"' in form and 'value="Mary"' in form
    added = volunteer_client.post("/volunteer/learners/new", data={
        "first_name": "Mary", "consent_keep": "yes", "ticket": str(kiosk_ticket)})
    assert added.location == f"/volunteer/tickets/{kiosk_ticket}"
    assert help_desk.get_ticket(db, kiosk_ticket)["learner_id"] == 1


def test_someone_elses_ticket_is_not_linked(db, venue, mary, volunteer2, volunteer_client):
    ticket = help_desk.create_ticket(db, venue, "email", "Bo", KIOSK)
    help_desk.take_ticket(db, ticket["id"], Actor(volunteer2, "Bill"))
    response = volunteer_client.post(f"/volunteer/tickets/{ticket['id']}/learner",
                                     data={"learner_id": str(mary)}, follow_redirects=True)
    assert "That ticket is not one you are helping with right now." in text(response)
    assert help_desk.get_ticket(db, ticket["id"])["learner_id"] is None


def test_help_now_needs_a_topic(db, mary, volunteer_client):
    response = volunteer_client.post(f"/volunteer/learners/{mary}/help", data={})
    assert response.status_code == 422
    assert '<p class="field-error" id="topic-error">' in text(response)
    assert db["tickets"].count == 0


def test_a_skills_check_without_a_ticket(db, mary, volunteer_client):
    form = text(volunteer_client.get(f"/volunteer/learners/{mary}/skills"))
    assert form.count("<details class=\"skill-area\"") == 6 and "I can connect to Wi-Fi." in form
    h1 = task_id(db, "H1")
    saved = volunteer_client.post(f"/volunteer/learners/{mary}/skills",
                                  data={f"skill_{h1}": "on_own"}, follow_redirects=True)
    assert "Saved 1 skill for Mary." in text(saved)
    assert "Skills check at Wigan Library" in text(saved)
    record = db["skill_records"].get(1)
    assert (record["ticket_id"], record["level"], record["task_id"]) == (None, "on_own", h1)
    again = volunteer_client.get(f"/volunteer/learners/{mary}/skills")
    assert "Last time: On my own" in text(again)


def test_a_skills_check_with_a_bad_level_keeps_the_choices(db, mary, volunteer_client):
    h1, h2 = task_id(db, "H1"), task_id(db, "H2")
    response = volunteer_client.post(f"/volunteer/learners/{mary}/skills",
                                     data={f"skill_{h1}": "on_own", f"skill_{h2}": "great"})
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="field-error" id="skill_{h2}-error">' in page
    assert re.search(rf'name="skill_{h1}" value="on_own" checked', page)
    assert db["skill_records"].count == 0


def test_what_i_can_do_celebrates_in_plain_words(db, venue, mary, volunteer, volunteer_client):
    empty = text(volunteer_client.get(f"/volunteer/learners/{mary}/can-do"))
    assert "Great start, Mary!" in empty
    learners.record_skills(db, Actor(volunteer, "Asha"), mary,
                           {task_id(db, "C2"): "on_own", task_id(db, "T3"): "with_help"}, venue)
    page = text(volunteer_client.get(f"/volunteer/learners/{mary}/can-do"))
    assert "Well done, Mary!" in page and "Keeping in touch" in page
    assert "I can make a video call." in page
    assert "Getting there, with a little help" in page and "I can pay for things" in page
    assert "css/doorstep.css" in page and "<script>" not in page and "style=" not in page


def test_referrals_from_the_tablet(db, mary, volunteer_client):
    bad = volunteer_client.post(f"/volunteer/learners/{mary}/referrals",
                                data={"kind": "adult_learning", "detail": ""})
    assert bad.status_code == 422
    assert escape(learners.COURSE_NEEDED) in text(bad)
    assert 'value="adult_learning" checked' in text(bad)
    good = volunteer_client.post(f"/volunteer/learners/{mary}/referrals", follow_redirects=True,
                                 data={"kind": "adult_learning", "detail": "Silver Surfers"})
    assert "Referral noted: Adult learning course." in text(good)
    assert "Silver Surfers" in text(good) and db["referrals"].count == 1


def test_the_device_scan_box_opens_a_learner_card(db, mary, volunteer_client, staff_client):
    code = learners.get_learner(db, mary)["card_code"]
    url = f"https://doorstep.example/l/{code}"
    assert volunteer_client.post("/volunteer/scan", data={"scan": url}).location == \
        f"/volunteer/learners/{mary}"
    assert volunteer_client.post("/volunteer/scan", data={"scan": code}).location == \
        f"/volunteer/learners/{mary}"
    assert staff_client.post("/staff/scan", data={"scan": url}).location == \
        f"/staff/learners/{mary}"
    unknown = volunteer_client.post("/volunteer/scan", data={"scan": "/l/ZZZZ2222"})
    assert unknown.status_code == 422
    assert escape(learners.UNKNOWN_CARD) in text(unknown)


def test_the_public_card_page_says_nothing_personal(app, db, mary, volunteer_client,
                                                    staff_client):
    code = learners.get_learner(db, mary)["card_code"]
    anon = app.test_client().get(f"/l/{code.lower()}")
    assert anon.status_code == 200
    assert anon.headers["Cache-Control"] == "no-store"
    assert anon.headers["X-Robots-Tag"] == "noindex"
    page = text(anon)
    assert "This is a learner card for Doorstep Library Service" in page
    assert "Mary" not in page and code not in page
    assert volunteer_client.get(f"/l/{code}").location == f"/volunteer/learners/{mary}"
    assert staff_client.get(f"/l/{code}").location == f"/staff/learners/{mary}"
    assert app.test_client().get("/l/ZZZZ2222").status_code == 404
    assert app.test_client().get("/l/%3Cscript%3E").status_code == 404
