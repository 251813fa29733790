"""The resident's kiosk: topic -> name -> a numbered ticket that says how long the wait is."""

import re

import pytest

import auth
import help_desk
from audit import Actor

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def get_ticket(kiosk_client, topic="email", name="", anonymous=False):
    data = {"topic": topic, "name": name}
    if anonymous:
        data["anonymous"] = "1"
    response = kiosk_client.post("/kiosk/tickets", data=data)
    assert response.status_code == 303, text(response)
    return response.headers["Location"]


def test_the_start_screen_offers_every_topic(db, kiosk_client):
    page = text(kiosk_client.get("/kiosk/"))
    assert "What do you need help with?" in page
    assert "Wigan Library" in page  # the kiosk's venue, not the service name
    for topic in help_desk.topics(db):
        assert f'href="/kiosk/name?topic={topic["slug"]}"' in page
        assert topic["label"] in page
    assert 'data-reset-url="/kiosk/reset"' in page


def test_choosing_a_topic_asks_for_a_name_that_can_be_skipped(kiosk_client):
    page = text(kiosk_client.get("/kiosk/name?topic=nhs_app"))
    assert "NHS App and health" in page
    assert "What should we call you?" in page
    assert 'name="topic" value="nhs_app"' in page
    assert "I'd rather not say" in page


def test_an_unknown_topic_goes_back_to_the_start(kiosk_client):
    response = kiosk_client.get("/kiosk/name?topic=rockets")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kiosk/"


def test_topic_then_name_gives_a_ticket_with_number_people_ahead_and_wait(db, venue,
                                                                          kiosk_client):
    first_url = get_ticket(kiosk_client, "email", "Mary")
    assert re.fullmatch(r"/kiosk/tickets/[\w-]{16,}", first_url)
    page = text(kiosk_client.get(first_url))
    assert "Your number is <strong>1</strong>" in page
    assert "You are next in the queue." in page
    assert "A volunteer will be with you in a moment." in page

    second_url = get_ticket(kiosk_client, "scams", "Joseph")
    page = text(kiosk_client.get(second_url))
    assert "Your number is <strong>2</strong>" in page
    assert "1 person is ahead of you." in page
    second = help_desk.ticket_by_code(db, second_url.rsplit("/", 1)[1])
    wait = help_desk.estimated_wait_minutes(db, second)
    assert wait > 0
    assert f"About {wait} minutes. Please take a seat." in page

    third_url = get_ticket(kiosk_client, "printing")
    assert "2 people are ahead of you." in text(kiosk_client.get(third_url))

    rows = list(db["tickets"].rows_where(order_by="number"))
    assert [(r["number"], r["name"], r["requested_topic"], r["source"], r["venue_id"])
            for r in rows] == [(1, "Mary", "email", "kiosk", venue),
                               (2, "Joseph", "scams", "kiosk", venue),
                               (3, None, "printing", "kiosk", venue)]
    create = next(db["audit_log"].rows_where("action = 'ticket.create'"))
    assert create["actor"] == "kiosk: Front desk" and create["actor_id"] is None


def test_i_would_rather_not_say_stores_no_name(db, kiosk_client):
    url = get_ticket(kiosk_client, "email", "Mary Smith", anonymous=True)
    (row,) = db["tickets"].rows
    assert row["name"] is None
    assert "Mary" not in text(kiosk_client.get(url))
    assert "Mary" not in (next(db["audit_log"].rows_where("action = 'ticket.create'"))["after"])


def test_a_name_in_any_script_is_kept_as_typed(db, kiosk_client):
    get_ticket(kiosk_client, "email", "  Zoë   李 😀 ")
    assert db["tickets"].get(1)["name"] == "Zoë 李 😀"


def test_the_ticket_page_follows_the_ticket(db, volunteer, kiosk_client):
    url = get_ticket(kiosk_client, "email", "Mary")
    ticket = help_desk.ticket_by_code(db, url.rsplit("/", 1)[1])
    asha = Actor(volunteer, "Asha")
    help_desk.take_ticket(db, ticket["id"], asha)
    page = text(kiosk_client.get(url))
    assert "It's your turn! Asha is coming to help you." in page
    assert "people are ahead" not in page
    help_desk.finish_ticket(db, ticket["id"], asha, ["email"], 10, "solved", "")
    assert "Thank you for visiting." in text(kiosk_client.get(url))


def test_the_waiting_room_display_calls_numbers(db, volunteer, kiosk_client):
    get_ticket(kiosk_client, "email", "Mary")
    get_ticket(kiosk_client, "scams", "Joseph")
    page = text(kiosk_client.get("/kiosk/display"))
    assert "Please take a seat. We will call your number." in page
    assert "2 waiting" in page
    help_desk.take_ticket(db, 1, Actor(volunteer, "Asha"))
    page = text(kiosk_client.get("/kiosk/display"))
    assert '<span class="number">1</span> <span class="name">Mary</span>' in page
    assert "1 waiting" in page


def test_a_ticket_from_another_venue_is_not_shown(db, other_venue, staff, kiosk_client):
    elsewhere = help_desk.create_ticket(db, other_venue, "email", "Pat", Actor(None, "test"))
    assert kiosk_client.get(f"/kiosk/tickets/{elsewhere['code']}").status_code == 404
    assert kiosk_client.get("/kiosk/tickets/no-such-code").status_code == 404


def test_reset_clears_the_session_and_starts_again(kiosk_client):
    get_ticket(kiosk_client, "email", "Mary")
    with kiosk_client.session_transaction() as session:
        session["left_over"] = "from the last person"
    response = kiosk_client.get("/kiosk/reset")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kiosk/"
    with kiosk_client.session_transaction() as session:
        assert dict(session) == {}
    assert "What do you need help with?" in text(kiosk_client.get("/kiosk/"))


def test_the_session_never_holds_the_ticket(db, kiosk_client):
    url = get_ticket(kiosk_client, "email", "Mary")
    code = url.rsplit("/", 1)[1]
    with kiosk_client.session_transaction() as session:
        assert code not in repr(dict(session)) and "Mary" not in repr(dict(session))


def test_kiosk_pages_are_not_kept_by_the_browser(kiosk_client):
    for url in ("/kiosk/", "/kiosk/name?topic=email", "/kiosk/display"):
        assert kiosk_client.get(url).headers["Cache-Control"] == "no-store"


def test_every_page_offers_start_again(kiosk_client):
    url = get_ticket(kiosk_client, "email")
    for page in ("/kiosk/", "/kiosk/name?topic=email", url):
        assert 'href="/kiosk/reset"' in text(kiosk_client.get(page))


def test_the_kiosk_cookie_is_long_lived_and_http_only(app, db, venue, staff, staff_client):
    response = staff_client.post("/staff/kiosks", data={"name": "Front desk", "venue": venue})
    (header,) = [h for h in response.headers.getlist("Set-Cookie")
                 if h.startswith(f"{auth.KIOSK_COOKIE}=")]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    max_age = int(re.search(r"Max-Age=(\d+)", header).group(1))
    assert max_age >= 60 * 60 * 24 * 365


def test_a_double_tap_on_get_my_ticket_makes_one_ticket(db, kiosk_client):
    page = text(kiosk_client.get("/kiosk/name?topic=email"))
    request_id = re.search(r'name="request_id" value="([^"]+)"', page).group(1)
    form = {"topic": "email", "name": "Joan", "request_id": request_id}
    first = kiosk_client.post("/kiosk/tickets", data=form)
    second = kiosk_client.post("/kiosk/tickets", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert db["tickets"].count == 1
    assert db["audit_log"].count_where("action = 'ticket.create'") == 1
    # The next person gets a fresh form, and a ticket of their own.
    page = text(kiosk_client.get("/kiosk/name?topic=email"))
    assert request_id not in page
