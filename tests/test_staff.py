"""Library staff: the help desk list with filters, people, kiosks."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

import help_desk
from audit import Actor
from tests.conftest import sign_in_volunteer

pytestmark = pytest.mark.usefixtures("fast_hashing")
KIOSK = Actor(None, "kiosk: Front desk")
JULY_10 = datetime(2026, 7, 10, 9, 0, tzinfo=UTC)  # 10:00 in London (summer time)
JULY_12 = datetime(2026, 7, 12, 13, 30, tzinfo=UTC)


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-ticket="\d+">.*?</tr>', page, re.S)


@pytest.fixture
def history(db, venue, other_venue, volunteer):
    """Three days of help at two venues."""
    asha = Actor(volunteer, "Asha")

    def helped(venue_id, topics, at, wait, service, name):
        ticket = help_desk.create_ticket(db, venue_id, topics[0], name, KIOSK, now=at)
        help_desk.take_ticket(db, ticket["id"], asha, now=at + timedelta(minutes=wait))
        help_desk.finish_ticket(db, ticket["id"], asha, topics, service, "solved", "",
                                now=at + timedelta(minutes=wait + service))

    helped(venue, ["email", "scams"], JULY_10, 7, 12, "Mary")
    helped(venue, ["email"], JULY_10 + timedelta(hours=1), 3, 20, "Joseph")
    helped(other_venue, ["jobs"], JULY_10 + timedelta(hours=2), 1, 30, "Leigh Lou")
    left = help_desk.create_ticket(db, venue, "printing", "Irene", KIOSK, now=JULY_12)
    help_desk.mark_left(db, left["id"], asha, now=JULY_12 + timedelta(minutes=25))


def test_the_list_filters_by_venue_and_date(venue, other_venue, history, staff_client):
    page = text(staff_client.get(f"/staff/?venue={venue}&first=2026-07-10&last=2026-07-10"))
    assert len(rows(page)) == 2
    assert all("Wigan Library" in r and "2026-07-10" in r for r in rows(page))
    assert "Leigh" not in "".join(rows(page)) and "Irene" not in page
    assert 'id="fig-total">2<' in page and 'id="fig-done">2<' in page
    assert "10 Jul 2026" in page

    page = text(staff_client.get(f"/staff/?venue={other_venue}&first=2026-07-10"))
    assert len(rows(page)) == 1 and "Leigh Library" in rows(page)[0]

    page = text(staff_client.get("/staff/?first=2026-07-10&last=2026-07-12"))
    assert len(rows(page)) == 4
    assert 'id="fig-left">1<' in page
    assert "10 Jul 2026 to 12 Jul 2026" in page
    # Newest day first.
    assert "2026-07-12" in rows(page)[0]

    page = text(staff_client.get("/staff/?first=2026-07-11&last=2026-07-11"))
    assert rows(page) == [] and "No tickets in this period." in page


def test_each_row_shows_wait_help_time_and_topics(venue, history, staff_client):
    page = text(staff_client.get(f"/staff/?venue={venue}&first=2026-07-10&last=2026-07-12"))
    (mary,) = [r for r in rows(page) if "<td>2026-07-10</td><td>1</td>" in r]
    assert "<td>10:00</td>" in mary  # arrived, in London time
    assert '<td class="num wait">7 min</td>' in mary
    assert '<td class="num service">12 min</td>' in mary
    assert "Email, Scams and staying safe" in mary and "Solved" in mary and "Asha" in mary
    irene = [r for r in rows(page) if "Left before being seen" in r]
    assert len(irene) == 1
    assert '<td class="num wait">25 min</td>' in irene[0]
    assert '<td class="num service">–</td>' in irene[0]
    counts = dict(re.findall(r'<tr><td>([^<]+)</td><td class="num">(\d+)</td></tr>', page))
    assert counts == {"Email": "2", "Scams and staying safe": "1"}
    # Averages: waits 7, 3 and 25 minutes; help 12 and 20 minutes.
    assert "<dt>Average wait</dt><dd>12 min</dd>" in page
    assert "<dt>Average help time</dt><dd>16 min</dd>" in page


def test_the_list_shows_today_by_default(db, venue, staff_client):
    help_desk.create_ticket(db, venue, "email", "Today Tess", KIOSK)
    page = text(staff_client.get("/staff/"))
    assert len(rows(page)) == 1 and "waiting" in rows(page)[0]
    assert 'id="fig-open">1<' in page
    for label in ("Today", "Last 7 days", "This month"):
        assert f">{label}</a>" in page


def test_the_filter_form_keeps_the_choices(venue, history, staff_client):
    page = text(staff_client.get(f"/staff/?venue={venue}&first=2026-07-10&last=2026-07-12"))
    assert f'<option value="{venue}" selected>Wigan Library</option>' in page
    assert 'name="first" type="date" value="2026-07-10"' in page
    assert 'name="last" type="date" value="2026-07-12"' in page
    assert f"/staff/?venue={venue}&amp;first=" in page  # quick ranges keep the venue


def test_htmx_filtering_swaps_only_the_results(venue, history, staff_client):
    response = staff_client.get(f"/staff/?venue={venue}&first=2026-07-10",
                                headers={"HX-Request": "true"})
    page = text(response)
    assert "<html" not in page and "<form" not in page
    assert len(rows(page)) == 2


def test_adding_a_volunteer(app, db, venue, staff, staff_client):
    page = text(staff_client.get("/staff/people"))
    assert "Add a volunteer or staff member" in page and "Sam Staff" in page
    response = staff_client.post("/staff/people", data={
        "username": "  Dana  ", "role": "volunteer", "secret": "4567"}, follow_redirects=True)
    assert "Added Dana. Tell them their sign-in in person, not by email." in text(response)
    assert "<td>Dana</td><td>Volunteer</td>" in text(response)
    (dana,) = db["users"].rows_where("username = 'Dana'")
    assert dana["role"] == "volunteer" and "4567" not in dana["secret_hash"]
    (created,) = db["audit_log"].rows_where("action = 'user.create' and actor_id = ?", [staff])
    assert json.loads(created["after"]) == {"username": "Dana", "role": "volunteer"}
    assert sign_in_volunteer(app.test_client(), venue, "dana", "4567").status_code == 302


def test_adding_staff_needs_a_long_password(db, staff_client):
    response = staff_client.post("/staff/people", data={
        "username": "lee", "role": "staff", "secret": "a long enough password"})
    assert response.status_code == 303
    assert db["users"].count_where("username = 'lee' and role = 'staff'") == 1


def test_kiosks_page_lists_and_revokes(db, venue, staff, kiosk_client, staff_client):
    page = text(staff_client.get("/staff/kiosks"))
    assert "Register this browser as a kiosk" in page
    assert "<td>Front desk</td><td>Wigan Library</td>" in page
    assert "Revoke Front desk" in page
    response = staff_client.post("/staff/kiosks/1/revoke", follow_redirects=True)
    assert "Kiosk “Front desk” can no longer show kiosk screens." in text(response)
    assert "Revoked" in text(response)
    assert db["audit_log"].count_where("action = 'kiosk.revoke' and actor_id = ?", [staff]) == 1


def test_staff_pages_name_the_person_and_offer_sign_out(staff_client):
    for url in ("/staff/", "/staff/people", "/staff/kiosks"):
        assert "Sign out Sam Staff" in text(staff_client.get(url))
