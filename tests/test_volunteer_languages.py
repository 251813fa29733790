"""The volunteer tablet speaks the volunteer's language: chosen on the sign-in screen, kept
through signing in, in every message and date; staff screens stay English."""

import pytest

import help_desk
from audit import Actor
from tests.conftest import sign_in_staff, sign_in_volunteer
from tests.test_volunteer_shifts import TODAY, at, freeze
from tests.test_volunteers import add_session

pytestmark = pytest.mark.usefixtures("fast_hashing")
KIOSK = Actor(None, "kiosk: Front desk")


@pytest.fixture
def client(app):
    return app.test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


def choose(client, code, next_path="/signin/volunteer"):
    return client.get(f"/language/{code}?next={next_path}")


def test_the_language_chosen_at_sign_in_is_kept(client, venue, volunteer):
    assert choose(client, "pl").status_code == 303
    page = text(client.get("/signin/volunteer"))
    assert '<html lang="pl" dir="ltr">' in page
    assert "Logowanie wolontariusza" in page and "Gdzie jesteś dzisiaj?" in page
    assert 'lang="cy" hreflang="cy" dir="ltr">Cymraeg</a>' in page
    assert 'aria-current="true">Polski</a>' in page
    signed = sign_in_volunteer(client, venue)
    assert signed.status_code == 302
    queue = text(client.get("/volunteer/"))
    assert '<html lang="pl"' in queue
    assert "Nikt nie czeka. Ta lista odświeża się sama." in queue
    assert "Moja strona" in queue and "My page" not in queue
    assert "/language/en?next=/volunteer/" in queue  # the menu comes back to this page


def test_a_wrong_pin_is_answered_in_the_chosen_language(client, venue, volunteer):
    choose(client, "cy")
    page = client.post("/signin/volunteer", data={"name": "Asha", "pin": "0000",
                                                  "venue": str(venue)})
    assert page.status_code == 401
    body = text(page)
    assert "Mewngofnodi gwirfoddolwyr" in body and 'lang="cy"' in body
    assert "/language/ur?next=/signin/volunteer" in body


def test_flash_messages_are_translated(db, venue, volunteer, volunteer_client):
    ticket = help_desk.create_ticket(db, venue, "email", "Joan", KIOSK)
    choose(volunteer_client, "cy", "/volunteer/")
    taken = volunteer_client.post(f"/volunteer/tickets/{ticket['id']}/take")
    assert taken.status_code == 303
    put_back = volunteer_client.post(f"/volunteer/tickets/{ticket['id']}/put-back")
    page = text(volunteer_client.get(put_back.location))
    assert "Mae tocyn 1 yn ôl yn y ciw." in page
    assert "Yn aros yn Wigan Library (1)" in page and "Cymryd 1" in page

    choose(volunteer_client, "ur", "/volunteer/")
    walk_in = volunteer_client.post("/volunteer/walk-in", data={"topic": "email", "name": "Ken"})
    page = text(volunteer_client.get(walk_in.location))
    assert '<html lang="ur" dir="rtl">' in page
    assert "قطار میں نمبر 2 کے طور پر شامل کر دیا۔" in page


def test_plurals_follow_the_language(db, venue, volunteer, volunteer_client, monkeypatch):
    freeze(monkeypatch, at(TODAY, "14:02"))
    add_session(db, venue, day=TODAY, slots=3)
    choose(volunteer_client, "pl", "/volunteer/session")
    page = text(volunteer_client.get("/volunteer/session"))
    assert "0 z 3 wolontariuszy" in page and "Nikt się jeszcze nie zapisał." in page
    assert "14:00–16:00" in page
    choose(volunteer_client, "cy", "/volunteer/session")
    page = text(volunteer_client.get("/volunteer/session"))
    assert "Sesiynau heddiw yn Wigan Library" in page and "0 o 3 gwirfoddolwr" in page


def test_dates_are_written_the_languages_way(db, volunteer, volunteer_client):
    db["volunteer_profiles"].upsert({"user_id": volunteer, "dbs_certificate": "001234567890",
                                     "dbs_issued_on": "2010-03-14", "dbs_update_service": 0},
                                    pk="user_id")
    choose(volunteer_client, "pl", "/volunteer/me")
    page = text(volunteer_client.get("/volunteer/me"))
    assert "Twoje zaświadczenie DBS straciło ważność" in page
    assert "marca" in page  # 14 March, the Polish way (genitive month name)
    assert "March" not in page
    choose(volunteer_client, "cy", "/volunteer/me")
    page = text(volunteer_client.get("/volunteer/me"))
    assert "Mawrth" in page and "Fy ngwiriad DBS" in page


def test_an_unknown_language_changes_nothing(client, venue, volunteer):
    choose(client, "cy")
    gone = client.get("/language/xx?next=/signin/volunteer")
    assert gone.status_code == 303 and gone.location.endswith("/signin/volunteer")
    assert "Mewngofnodi gwirfoddolwyr" in text(client.get("/signin/volunteer"))
    off_site = client.get("/language/pl?next=https://evil.example/")
    assert "evil.example" not in off_site.location


def test_staff_screens_stay_english(app, db, staff, venue, volunteer):
    client = app.test_client()
    choose(client, "ur", "/staff/")
    sign_in_staff(client)
    page = text(client.get("/staff/", follow_redirects=True))
    assert '<html lang="en-GB" dir="ltr">' in page
    assert "قطار" not in page
