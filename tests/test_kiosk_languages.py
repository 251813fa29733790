"""The kiosk in the resident's language, with bigger text and high contrast, all forgotten
when the kiosk starts again. (The browser journeys are in tests/browser/.)"""

import re
from html import unescape

import pytest

import help_desk
import lending
from tests.conftest import SYSTEM

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def test_every_screen_offers_every_language_in_its_own_script(app, kiosk_client):
    page = text(kiosk_client.get("/kiosk/name?topic=email"))
    with app.test_request_context():
        import languages
        found = languages.available(app)
    assert {lang.code for lang in found} >= {"en", "cy", "pl", "ur"}
    for lang in found:
        link = re.search(rf'<a [^>]*href="/language/{lang.code}\?next=([^"]+)"[^>]*>([^<]+)</a>',
                         page)
        assert link, lang.code
        assert unescape(link.group(1)) == "/kiosk/name?topic%3Demail"
        assert link.group(2) == lang.name
        assert f'lang="{lang.tag}"' in link.group(0)
        assert ('aria-current="true"' in link.group(0)) == (lang.code == "en")
    assert "Cymraeg" in page and "Polski" in page and "اردو" in page


def test_choosing_a_language_comes_back_to_the_same_screen(kiosk_client):
    response = kiosk_client.get("/language/ur?next=/kiosk/name%3Ftopic%3Demail")
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/name?topic=email"
    page = text(kiosk_client.get("/kiosk/name?topic=email"))
    assert 'lang="ur" dir="rtl"' in html_tag(page)
    assert "ہم آپ کو کس نام سے پکاریں؟" in page  # What should we call you?
    assert "دوبارہ شروع کریں" in page  # Start again
    assert re.search(r'href="/language/ur[^"]*"[^>]*aria-current="true"', page)


def test_a_language_chosen_before_any_kiosk_page_is_kept(kiosk_client):
    assert kiosk_client.get("/language/cy?next=/kiosk/").status_code == 303
    page = text(kiosk_client.get("/kiosk/"))
    assert 'lang="cy" dir="ltr"' in html_tag(page)
    assert "Gyda beth mae angen help arnoch chi?" in page


def test_an_unknown_language_changes_nothing(kiosk_client):
    kiosk_client.get("/kiosk/")
    response = kiosk_client.get("/language/xx?next=/kiosk/")
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/"
    assert "language" not in session_of(kiosk_client)
    assert 'lang="en-GB" dir="ltr"' in html_tag(text(kiosk_client.get("/kiosk/")))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/kiosk/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_next_must_be_on_this_site(kiosk_client, target):
    for url in (f"/language/pl?next={target}", f"/kiosk/view?text=bigger&next={target}"):
        response = kiosk_client.get(url)
        assert response.status_code == 303
        assert response.headers["Location"] in ("/", "/kiosk/"), url


def test_every_step_is_in_urdu_and_right_to_left(db, volunteer, kiosk_client):
    kiosk_client.get("/language/ur?next=/kiosk/")
    start = text(kiosk_client.get("/kiosk/"))
    assert 'dir="rtl"' in html_tag(start)
    assert "آپ کو کس چیز میں مدد چاہیے؟" in start
    ticket_url = kiosk_client.post("/kiosk/tickets", data={"topic": "email", "name": "Nasreen"}
                                   ).headers["Location"]
    kiosk_client.post("/kiosk/tickets", data={"topic": "scams", "name": "Ali"})
    first = text(kiosk_client.get(ticket_url))
    assert "آپ کا نمبر ہے <strong>1</strong>" in first
    assert "قطار میں اگلی باری آپ کی ہے۔" in first  # you are next
    second = help_desk.ticket_by_code(db, db["tickets"].get(2)["code"])
    assert "آپ سے پہلے 1 شخص ہے۔" in text(kiosk_client.get(f"/kiosk/tickets/{second['code']}"))
    assert "ابھی مدد ہو رہی ہے" in text(kiosk_client.get("/kiosk/display"))  # Now helping
    assert "کیا ہو رہا ہے" in text(kiosk_client.get("/kiosk/whats-on"))  # What's on
    assert "ادھار لیا ہوا آلہ واپس کریں" in text(kiosk_client.get("/kiosk/return"))
    # The idle question is on the page, in Urdu, ready for kiosk.js.
    assert "کیا آپ ابھی یہیں ہیں؟" in start and "جی ہاں، میں ابھی یہیں ہوں" in start


def test_plurals_follow_the_language(db, kiosk_client):
    kiosk_client.get("/language/pl?next=/kiosk/")
    for name in ("A", "B", "C"):
        kiosk_client.post("/kiosk/tickets", data={"topic": "email", "name": name})
    third = db["tickets"].get(3)["code"]
    assert "Przed Tobą są 2 osoby." in text(kiosk_client.get(f"/kiosk/tickets/{third}"))
    assert "3 osoby czekają" in text(kiosk_client.get("/kiosk/display"))


def test_bigger_text_and_high_contrast_last_until_start_again(kiosk_client):
    page = text(kiosk_client.get("/kiosk/"))
    assert "class=" not in html_tag(page)
    assert re.search(r'name="text" value="bigger"[^>]*aria-pressed="false"', page)
    response = kiosk_client.get("/kiosk/view?text=bigger&next=/kiosk/whats-on")
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/whats-on"
    kiosk_client.get("/kiosk/view?contrast=high&next=/kiosk/")
    page = text(kiosk_client.get("/kiosk/return"))
    assert 'class="text-bigger contrast-high"' in html_tag(page)
    assert re.search(r'name="text" value="normal"[^>]*aria-pressed="true"', page)
    assert re.search(r'name="contrast" value="normal"[^>]*aria-pressed="true"', page)
    # kiosk.js asks quietly (the screen has already changed): no page comes back.
    quiet = kiosk_client.get("/kiosk/view?text=normal", headers={"X-Doorstep-Kiosk": "quiet"})
    assert quiet.status_code == 204 and quiet.get_data() == b""
    assert 'class="contrast-high"' in html_tag(text(kiosk_client.get("/kiosk/")))
    kiosk_client.get("/kiosk/view?contrast=purple")  # not a choice: ignored
    assert 'class="contrast-high"' in html_tag(text(kiosk_client.get("/kiosk/")))

    kiosk_client.get("/language/cy?next=/kiosk/")
    kiosk_client.get("/kiosk/reset")
    assert session_of(kiosk_client) == {}
    page = text(kiosk_client.get("/kiosk/"))
    assert "class=" not in html_tag(page) and 'lang="en-GB"' in html_tag(page)


def test_idle_on_the_server_forgets_the_language_and_switches(app, kiosk_client):
    kiosk_client.get("/language/ur?next=/kiosk/")
    kiosk_client.get("/kiosk/view?text=bigger")
    kiosk_client.get("/kiosk/")
    with kiosk_client.session_transaction() as session:
        session["kiosk_seen"] -= app.config["KIOSK_IDLE_SECONDS"] + 1
    page = text(kiosk_client.get("/kiosk/"))
    assert 'lang="en-GB"' in html_tag(page) and "class=" not in html_tag(page)


def test_still_here_keeps_the_session_alive(app, kiosk_client):
    kiosk_client.get("/language/pl?next=/kiosk/")
    kiosk_client.get("/kiosk/")
    with kiosk_client.session_transaction() as session:
        session["kiosk_seen"] -= app.config["KIOSK_IDLE_SECONDS"] - 5
    response = kiosk_client.get("/kiosk/still-here")
    assert response.status_code == 204
    assert session_of(kiosk_client)["language"] == "pl"


def test_the_idle_warning_is_configured_on_every_screen(app, kiosk_client):
    app.config.update(KIOSK_IDLE_SECONDS=90, KIOSK_WARNING_SECONDS=20)
    page = text(kiosk_client.get("/kiosk/"))
    assert 'data-idle-seconds="90"' in page and 'data-warning-seconds="20"' in page
    assert 'data-still-here-url="/kiosk/still-here"' in page
    assert "Are you still there?" in page and "Yes, I'm still here" in page
    assert "Seconds left: {seconds}" in page


def test_pages_that_do_not_poll_leave_htmx_out(kiosk_client):
    ticket = kiosk_client.post("/kiosk/tickets", data={"topic": "email"}).headers["Location"]
    for url in ("/kiosk/", "/kiosk/name?topic=email", "/kiosk/whats-on", "/kiosk/return"):
        page = text(kiosk_client.get(url))
        assert "htmx-2.0.11" not in page and "js/kiosk.js" in page and "css/kiosk.css" in page
    for url in (ticket, "/kiosk/display"):
        assert "htmx-2.0.11" in text(kiosk_client.get(url))


def test_the_thank_you_screen_survives_a_language_change(db, kiosk_client):
    device = lending.add_device(db, SYSTEM, {"kind": "tablet"})
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Margaret Hughes"})
    lending.check_out(db, SYSTEM, device, borrower_id=borrower, imported=True,
                      due_on=(lending.today() + lending.timedelta(days=7)).isoformat())
    tag = lending.get_device(db, device)["asset_tag"]
    done = text(kiosk_client.post("/kiosk/return", data={"scan": tag}))
    assert "Thank you!" in done and "/language/cy?next=/kiosk/returned" in done
    kiosk_client.get("/language/cy?next=/kiosk/returned")
    page = text(kiosk_client.get("/kiosk/returned"))
    assert "Diolch!" in page and tag in page and "Margaret" not in page
    kiosk_client.get("/kiosk/reset")
    assert kiosk_client.get("/kiosk/returned").headers["Location"] == "/kiosk/"


def test_a_name_error_links_languages_back_to_the_form(kiosk_client):
    response = kiosk_client.post("/kiosk/tickets", data={"topic": "email", "name": "x" * 200})
    assert response.status_code == 422
    assert "/language/pl?next=/kiosk/name?topic%3Demail" in text(response)
