"""One URL, two answers: a full page normally, a fragment when htmx swaps part of a page."""

import re

import pytest

import help_desk
import lending
from audit import Actor

pytestmark = pytest.mark.usefixtures("fast_hashing")

HX = {"HX-Request": "true"}


@pytest.fixture
def ticket(db, venue):
    help_desk.create_ticket(db, venue, "email", "Mary", Actor(None, "test"))
    return help_desk.create_ticket(db, venue, "scams", "Olu", Actor(None, "test"))


@pytest.fixture
def htmx_urls(db, ticket, volunteer_client, staff_client, kiosk_client):
    """(client, url, what the fragment must show) for every URL that htmx polls or swaps."""
    partner = lending.add_partner(db, Actor(None, "test"), {"name": "Wigan Age UK"})
    return [
        (staff_client, f"/staff/partners/{partner}", "0 devices out with Wigan Age UK"),
        (volunteer_client, "/volunteer/", "Waiting at Wigan Library (2)"),
        (staff_client, "/staff/", 'id="fig-total">2<'),
        (kiosk_client, "/kiosk/display", "2 waiting"),
        (kiosk_client, f"/kiosk/tickets/{ticket['code']}", "1 person is ahead of you."),
    ]


def without_tokens(page: str) -> str:
    """CSRF tokens carry the second they were made, so two requests can differ there."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


def test_without_htmx_every_url_answers_a_full_page(htmx_urls):
    for client, url, key in htmx_urls:
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<html" in text and "</html>" in text, url
        assert key in text, url
        assert "hx-request" in vary(response), url


def test_with_htmx_every_url_answers_a_fragment(htmx_urls):
    for client, url, key in htmx_urls:
        response = client.get(url, headers=HX)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<html" not in text and "<head" not in text and "<body" not in text, url
        assert key in text, url
        assert "hx-request" in vary(response), url


def test_fragments_are_the_swapped_part_only(htmx_urls):
    for client, url, _key in htmx_urls:
        full = without_tokens(client.get(url).get_data(as_text=True))
        fragment = without_tokens(client.get(url, headers=HX).get_data(as_text=True))
        assert fragment.strip() and fragment.strip() in full, url
        # The polling container lives in the page, not in the fragment swapped into it.
        assert "hx-trigger" not in fragment, url


def test_boosted_requests_and_history_restores_get_the_full_page(htmx_urls):
    for client, url, key in htmx_urls:
        for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
            response = client.get(url, headers={**HX, **extra})
            text = response.get_data(as_text=True)
            assert "<html" in text and key in text, (url, extra)
            assert "hx-request" in vary(response), (url, extra)


def test_the_fragment_follows_the_queue(db, venue, ticket, volunteer, volunteer_client):
    assert "Olu" in volunteer_client.get("/volunteer/", headers=HX).get_data(as_text=True)
    help_desk.mark_left(db, ticket["id"], Actor(volunteer, "Asha"))
    fragment = volunteer_client.get("/volunteer/", headers=HX).get_data(as_text=True)
    assert "Olu" not in fragment and "Waiting at Wigan Library (1)" in fragment


def test_the_kiosk_ticket_fragment_says_when_it_is_your_turn(db, ticket, volunteer,
                                                             kiosk_client):
    help_desk.take_ticket(db, ticket["id"], Actor(volunteer, "Asha"))
    fragment = kiosk_client.get(f"/kiosk/tickets/{ticket['code']}",
                                headers=HX).get_data(as_text=True)
    assert "It's your turn! Asha is coming to help you." in fragment
    assert "<html" not in fragment
