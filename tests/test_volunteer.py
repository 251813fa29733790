"""The volunteer tablet: the queue at this venue, taking tickets, logging help, walk-ins."""

import re
from datetime import timedelta

import pytest

import help_desk
from audit import Actor, stamp, utcnow
from tests.conftest import sign_in_volunteer

pytestmark = pytest.mark.usefixtures("fast_hashing")
KIOSK = Actor(None, "kiosk: Front desk")


def text(response) -> str:
    return response.get_data(as_text=True)


def checked_topics(page: str) -> set[str]:
    return set(re.findall(r'name="topics" value="(\w+)" checked', page))


@pytest.fixture
def mary(db, venue):
    return help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)


def take(client, ticket_id):
    return client.post(f"/volunteer/tickets/{ticket_id}/take")


def test_the_queue_shows_waiting_tickets_at_this_venue_only(db, venue, other_venue,
                                                            volunteer_client):
    help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)
    help_desk.create_ticket(db, venue, "scams", None, KIOSK)
    help_desk.create_ticket(db, other_venue, "jobs", "Elsewhere Eddie", KIOSK)
    page = text(volunteer_client.get("/volunteer/"))
    assert "Asha at Wigan Library" in page
    assert "Waiting at Wigan Library (2)" in page
    assert "Mary" in page and "Email" in page
    assert "No name given" in page and "Scams and staying safe" in page
    assert "Elsewhere Eddie" not in page and "Job search" not in page
    assert page.index('data-ticket="1"') < page.index('data-ticket="2"')  # oldest first


def test_an_empty_queue_says_so(volunteer_client):
    page = text(volunteer_client.get("/volunteer/"))
    assert "Nobody is waiting." in page
    assert "Waiting at Wigan Library (0)" in page


def test_the_queue_polls_itself(volunteer_client):
    page = text(volunteer_client.get("/volunteer/"))
    assert 'hx-get="/volunteer/"' in page and 'hx-trigger="every 3s"' in page


def test_yesterdays_tickets_are_not_in_todays_queue(db, venue, volunteer_client):
    help_desk.create_ticket(db, venue, "email", "Old Olive", KIOSK,
                            now=utcnow() - timedelta(days=1))
    assert "Old Olive" not in text(volunteer_client.get("/volunteer/"))


def test_take_then_log_help(db, volunteer, mary, volunteer_client):
    response = take(volunteer_client, mary["id"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/volunteer/tickets/{mary['id']}"
    assert help_desk.get_ticket(db, mary["id"])["volunteer_id"] == volunteer

    page = text(volunteer_client.get(response.headers["Location"]))
    assert "Log help for 1 (Mary)" in page
    assert "They asked about: Email" in page
    assert checked_topics(page) == {"email"}  # what they asked for, ticked already
    assert 'id="minutes" name="minutes" inputmode="numeric" class="short" value="1"' in page

    queue = text(volunteer_client.get("/volunteer/"))
    assert "You are helping" in queue and "Log help for 1" in queue
    assert "Waiting at Wigan Library (0)" in queue

    response = volunteer_client.post(f"/volunteer/tickets/{mary['id']}", data={
        "topics": ["email", "scams"], "minutes": "15", "outcome": "follow_up",
        "notes": "Come back Tuesday for the password reset"}, follow_redirects=True)
    assert "Thank you. Help for ticket 1 is logged." in text(response)
    assert "You are helping" not in text(response)
    done = help_desk.get_ticket(db, mary["id"])
    assert (done["status"], done["minutes"], done["outcome"]) == ("done", 15, "follow_up")
    assert done["notes"] == "Come back Tuesday for the password reset"
    assert {r["topic"] for r in db["ticket_topics"].rows} == {"email", "scams"}


def test_the_journey_shows_up_in_the_staff_list(db, venue, mary, volunteer_client,
                                                staff_client):
    take(volunteer_client, mary["id"])
    volunteer_client.post(f"/volunteer/tickets/{mary['id']}", data={
        "topics": ["email", "scams"], "minutes": "15", "outcome": "solved"})
    # Make the times tell a story: 6 minutes waiting, 14 minutes of help.
    finished = utcnow()
    db["tickets"].update(mary["id"], {
        "created_at": stamp(finished - timedelta(minutes=20)),
        "taken_at": stamp(finished - timedelta(minutes=14)),
        "finished_at": stamp(finished)})

    page = text(staff_client.get(f"/staff/?venue={venue}&first={mary['day']}"))
    row = re.search(r'<tr data-ticket="1">.*?</tr>', page, re.S).group(0)
    assert "Wigan Library" in row and "Helped" in row and "Asha" in row
    assert '<td class="num wait">6 min</td>' in row
    assert '<td class="num service">14 min</td>' in row
    assert "Email, Scams and staying safe" in row
    assert 'id="fig-done">1<' in page
    counts = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td></tr>", page))
    assert counts == {"Email": "1", "Scams and staying safe": "1"}


def test_someone_else_got_there_first(app, db, venue, volunteer2, mary, volunteer_client):
    bill = app.test_client()
    assert sign_in_volunteer(bill, venue, "Bill", "2345").status_code == 302
    assert take(bill, mary["id"]).status_code == 303
    response = take(volunteer_client, mary["id"])
    assert response.headers["Location"] == "/volunteer/"
    page = text(volunteer_client.get("/volunteer/"))
    assert "Someone else got there first. Ticket 1 is now “Being helped”." in page
    assert "Being helped by others" in page and "1 Mary – Bill" in page
    # Asha cannot log help for Bill's ticket either.
    response = volunteer_client.get(f"/volunteer/tickets/{mary['id']}", follow_redirects=True)
    assert "That ticket is not one you are helping with right now." in text(response)
    assert help_desk.get_ticket(db, mary["id"])["volunteer_id"] == volunteer2


def test_a_double_tap_on_take_still_opens_the_log_form(db, mary, volunteer_client):
    take(volunteer_client, mary["id"])
    response = take(volunteer_client, mary["id"])
    assert response.headers["Location"] == f"/volunteer/tickets/{mary['id']}"
    assert db["audit_log"].count_where("action = 'ticket.take'") == 1


def test_a_ticket_at_another_venue_cannot_be_taken(db, other_venue, volunteer_client):
    elsewhere = help_desk.create_ticket(db, other_venue, "email", "Pat", KIOSK)
    response = take(volunteer_client, elsewhere["id"])
    assert response.headers["Location"] == "/volunteer/"
    page = text(volunteer_client.get("/volunteer/"))
    assert "That ticket is not in this venue&#39;s queue any more." in page
    assert help_desk.get_ticket(db, elsewhere["id"])["status"] == "waiting"


def test_put_back_returns_the_ticket_to_the_queue(db, mary, volunteer_client):
    take(volunteer_client, mary["id"])
    response = volunteer_client.post(f"/volunteer/tickets/{mary['id']}/put-back",
                                     follow_redirects=True)
    assert "Ticket 1 is back in the queue." in text(response)
    assert "Waiting at Wigan Library (1)" in text(response)
    assert help_desk.get_ticket(db, mary["id"])["status"] == "waiting"


def test_left_before_being_seen(db, mary, volunteer_client):
    response = volunteer_client.post(f"/volunteer/tickets/{mary['id']}/left",
                                     follow_redirects=True)
    assert "Ticket 1 marked as left before being seen." in text(response)
    assert "Nobody is waiting." in text(response)
    assert help_desk.get_ticket(db, mary["id"])["status"] == "left"


def test_walk_in_help_now_goes_straight_to_the_log_form(db, volunteer, volunteer_client):
    response = volunteer_client.post("/volunteer/walk-in", data={
        "topic": "jobs", "name": "Ken", "help_now": "1"})
    assert response.status_code == 303
    (ticket,) = db["tickets"].rows
    assert response.headers["Location"] == f"/volunteer/tickets/{ticket['id']}"
    assert (ticket["source"], ticket["status"], ticket["volunteer_id"]) == \
        ("walk_in", "in_progress", volunteer)
    page = text(volunteer_client.get(response.headers["Location"]))
    assert "Log help for 1 (Ken)" in page and checked_topics(page) == {"jobs"}
    walk_in_audit = next(db["audit_log"].rows_where("action = 'ticket.create'"))
    assert walk_in_audit["actor"] == "Asha"


def test_walk_in_added_to_the_queue(db, volunteer_client):
    page = text(volunteer_client.get("/volunteer/walk-in"))
    assert "Add a walk-in" in page and "Help them now" in page
    response = volunteer_client.post("/volunteer/walk-in", data={"topic": "printing"},
                                     follow_redirects=True)
    assert "Added to the queue as number 1." in text(response)
    assert "Printing and scanning" in text(response)
    assert db["tickets"].get(1)["status"] == "waiting"


def test_same_again_ticks_the_topics_from_the_last_log(db, venue, volunteer, volunteer_client):
    first = help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)
    take(volunteer_client, first["id"])
    log = text(volunteer_client.get(f"/volunteer/tickets/{first['id']}"))
    assert "Same again" not in log  # nothing logged yet
    volunteer_client.post(f"/volunteer/tickets/{first['id']}", data={
        "topics": ["scams", "printing"], "minutes": "10", "outcome": "solved"})

    second = help_desk.create_ticket(db, venue, "video_calls", "Joseph", KIOSK)
    take(volunteer_client, second["id"])
    page = text(volunteer_client.get(f"/volunteer/tickets/{second['id']}"))
    assert "Same again (topics from your last log)" in page
    assert checked_topics(page) == {"video_calls"}
    page = text(volunteer_client.get(f"/volunteer/tickets/{second['id']}?same_again=1"))
    assert checked_topics(page) == {"scams", "printing"}
    response = volunteer_client.post(f"/volunteer/tickets/{second['id']}", data={
        "topics": sorted(checked_topics(page)), "minutes": "5", "outcome": "partly"})
    assert response.status_code == 303
    assert help_desk.last_topics(db, volunteer) == ["printing", "scams"]


def test_a_double_tap_on_a_walk_in_makes_one_ticket(db, volunteer, volunteer_client):
    page = text(volunteer_client.get("/volunteer/walk-in"))
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    form = {"topic": "jobs", "name": "Ken", "help_now": "1", "request_id": request_id}
    first = volunteer_client.post("/volunteer/walk-in", data=form)
    second = volunteer_client.post("/volunteer/walk-in", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db["tickets"].count == 1
    assert db["audit_log"].count_where("action = 'ticket.take'") == 1
