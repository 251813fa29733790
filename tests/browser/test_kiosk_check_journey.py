"""The kiosk's eligibility check by touch in real Chromium: the questions, "you can probably
get…", a registration with a first name and a mobile, the reference and a QR code a phone
can read; "I'll come back"; and a person who walks away half-way, after whom the idle reset
leaves nothing behind."""

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_kiosk_languages_journey import (
    SMALL_TARGETS,
    kiosk_page,
    serving,
    set_up_kiosk,
    speech_page,
)

pytestmark = pytest.mark.browser
TILE = "Can I get a free SIM or a laptop?"


def answer(page, answers):
    """Tap Yes or No on each question in turn, checking each screen asks the next one."""
    for number, yes in enumerate(answers, 1):
        expect(page.get_by_text(f"Question {number} of 4")).to_be_visible()
        page.get_by_role("button", name="Yes" if yes else "No", exact=True).tap()


def registrations(server) -> list[dict]:
    db = server.db()
    rows = list(db["interest_registrations"].rows)
    db.conn.close()
    return rows


def read_qr(page) -> str:
    shot = page.locator("figure.qr svg").screenshot()
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)).convert("L"))
    return found.text


def test_by_touch_answers_then_name_and_mobile_then_a_reference_and_qr(browser, tmp_path):
    with serving(tmp_path, KIOSK_PRINTING=True) as server:
        token = set_up_kiosk(server)
        page = kiosk_page(browser, server, token)
        page.add_init_script("window.printed = 0; window.print = () => { window.printed++; };")
        page.goto(server.url + "/kiosk/")
        page.get_by_role("link", name=TILE).tap()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile("Does this apply to you?.*Aged 18 or over"))
        assert_accessible(page)
        assert page.evaluate(SMALL_TARGETS) == []
        answer(page, [True, True])
        expect(page.get_by_role("heading", name="Does at least one of these apply to you?"))\
            .to_be_visible()
        expect(page.get_by_role("list", name="Does at least one of these apply to you?"))\
            .to_contain_text("Cannot afford a contract or top-up")
        page.get_by_role("button", name="Yes", exact=True).tap()
        expect(page.get_by_text("Question 4 of 4")).to_be_visible()
        expect(page.locator(".check-list")).to_contain_text("Universal Credit")
        page.get_by_role("button", name="Yes", exact=True).tap()

        expect(page.get_by_role("heading", name="You can probably get:")).to_be_visible()
        expect(page.locator(".check-outcome")).to_contain_text(
            re.compile("a free SIM card with data.*a refurbished laptop for £60", re.S))
        assert_accessible(page)
        assert registrations(server) == []  # nothing written while answering

        page.get_by_role("link", name="Leave my first name and phone number or email").tap()
        expect(page.get_by_role("heading", name="How can we reach you?")).to_be_visible()
        page.get_by_role("button", name="Send").tap()  # nothing typed yet
        expect(page.locator("#first_name-error")).to_have_text("Please type your first name.")
        expect(page.get_by_label("First name")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page)
        page.get_by_label("First name").fill("Joan")
        page.get_by_label("Phone number or email").fill("07700 900123")
        page.get_by_role("button", name="Send").tap()

        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        (row,) = registrations(server)
        assert (row["first_name"], row["contact_kind"], row["contact"]) == (
            "Joan", "mobile", "07700900123")
        expect(page.locator(".reference")).to_have_text(row["reference"])
        assert read_qr(page) == f"{server.url}/i/{row['reference']}"
        expect(page.get_by_text("Joan")).to_have_count(0)
        assert_accessible(page)
        assert page.evaluate(SMALL_TARGETS) == []
        page.get_by_role("button", name="Print").tap()
        assert page.evaluate("window.printed") == 1

        # The person's phone opens the code: it says only where to show it.
        phone = browser.new_context().new_page()
        phone.goto(read_qr(page))
        expect(phone.get_by_role("heading", name="Please show this at the library desk"))\
            .to_be_visible()
        expect(phone.locator("main")).to_contain_text(row["reference"])
        expect(phone.get_by_text("Joan")).to_have_count(0)
        expect(phone.get_by_text("07700")).to_have_count(0)
        assert_accessible(phone)
        phone.context.close()

        page.get_by_role("link", name="Done").tap()
        expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
        page.goto(server.url + "/kiosk/check/thanks")  # gone with the session
        expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()


def test_i_will_come_back_in_urdu_by_touch(browser, tmp_path):
    with serving(tmp_path) as server:
        token = set_up_kiosk(server)
        page = kiosk_page(browser, server, token)
        page.goto(server.url + "/kiosk/")
        page.get_by_role("link", name="اردو").tap()
        page.get_by_role("link", name="کیا مجھے مفت سم یا لیپ ٹاپ مل سکتا ہے؟").tap()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        for _number in range(4):
            expect(page.get_by_role("heading", level=1)).to_contain_text("لاگو")
            page.get_by_role("button", name="نہیں", exact=True).tap()
        expect(page.get_by_role("heading", name="عملہ پھر بھی مدد کر سکتا ہے")).to_be_visible()
        come_back = page.get_by_role("button", name="میں بعد میں آؤں گا/گی")
        leave = page.get_by_role("link", name="اپنا پہلا نام اور فون نمبر یا ای میل دیں")
        expect(leave).to_be_visible()
        # Right to left: each button's icon is on the right of its words.
        for button in (come_back, leave):
            assert box(button.locator("svg"))["x"] > box(button.locator("span"))["x"]
        come_back.tap()
        expect(page.get_by_role("heading", name="شکریہ!")).to_be_visible()
        (row,) = registrations(server)
        assert (row["contact_kind"], row["first_name"], row["contact"]) == ("come_back", None,
                                                                             None)
        assert row["suggests"] == "[]"
        expect(page.locator(".reference")).to_have_text(row["reference"])
        assert read_qr(page).endswith(f"/i/{row['reference']}")
        assert_accessible(page)


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found, locator
    return found


def test_walked_away_half_way_then_the_idle_reset_leaves_nothing(browser, tmp_path):
    with serving(tmp_path, KIOSK_IDLE_SECONDS=6, KIOSK_WARNING_SECONDS=4) as server:
        token = set_up_kiosk(server)
        page = kiosk_page(browser, server, token)
        page.goto(server.url + "/kiosk/")
        page.get_by_role("link", name=TILE).tap()
        answer(page, [True, False])
        expect(page.get_by_text("Question 3 of 4")).to_be_visible()

        # Nobody answers "Are you still there?": the screen starts again.
        expect(page.get_by_role("dialog", name="Are you still there?")).to_be_visible(
            timeout=5000)
        expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible(
            timeout=8000)
        assert registrations(server) == []

        # The answers went with the session: the result cannot be reached, and says why.
        page.goto(server.url + "/kiosk/check/result")
        expect(page.locator("#answers-error")).to_have_text(
            "Those answers were cleared to keep them private. Please start again.")
        expect(page.get_by_text("Question 1 of 4")).to_be_visible()

        # The next person starts clean from the tile, with no message.
        page.goto(server.url + "/kiosk/")
        page.get_by_role("link", name=TILE).tap()
        expect(page.get_by_text("Question 1 of 4")).to_be_visible()
        expect(page.locator(".field-error")).to_have_count(0)
        answer(page, [True, True, True, True])
        expect(page.get_by_role("heading", name="You can probably get:")).to_be_visible()
        assert registrations(server) == []


def test_read_aloud_reads_the_question_in_welsh(browser, tmp_path):
    with serving(tmp_path) as server:
        token = set_up_kiosk(server)
        page = speech_page(browser, server, token, ["en-GB", "cy-GB"])
        page.goto(server.url + "/language/cy?next=/kiosk/check")
        expect(page.get_by_text("Cwestiwn 1 o 4")).to_be_visible()
        page.get_by_role("button", name="Darllen yn uchel").tap()
        (spoken,) = page.evaluate("window.spoken")
        assert spoken["lang"] == "cy" and spoken["voice"] == "cy-GB"
        heading = page.get_by_role("heading", level=1).inner_text().replace("\n", " ")
        assert heading.startswith("Ydy hyn yn berthnasol i chi?")
        assert heading.split("? ", 1)[1] in spoken["text"]  # the criterion, in Welsh
        assert "Ydy hyn yn berthnasol i chi?" in spoken["text"]
