"""From the kiosk's eligibility check to a free SIM, in real Chromium: a resident at a
registered kiosk answers the big yes/no questions by touch, leaves a first name and a mobile
number, and gets a reference; staff find the registration under Interest, read the answers
in the council's words, and give a SIM from stock for it. The giveaway and the registration
(done, outcome "sim") are one change in the database. axe checks the staff interest pages."""

import re

import pytest
from playwright.sync_api import expect

from giveaways import interest
from tests.browser.conftest import assert_accessible, register_kiosk, staff_sign_in
from tests.test_sims import add_stock

pytestmark = pytest.mark.browser
KIOSK = {"has_touch": True, "viewport": {"width": 1080, "height": 1920}}


def test_kiosk_interest_becomes_a_sim_giveaway(browser, live_server, people):
    base = live_server.url
    db = live_server.db()
    codes = add_stock(db, people["venue"], 2)  # a batch of SIMs at Wigan Library
    questions = interest.questions(db)

    # The resident, at the kiosk, by touch alone.
    kiosk = browser.new_context(**KIOSK).new_page()
    register_kiosk(kiosk, base)
    kiosk.get_by_role("link", name="Can I get a free SIM or a laptop?").tap()
    expect(kiosk.get_by_role("heading", name=re.compile("Aged 18 or over"))).to_be_visible()
    for number in range(1, len(questions) + 1):
        expect(kiosk.get_by_text(f"Question {number} of {len(questions)}")).to_be_visible()
        kiosk.get_by_role("button", name="Yes").tap()
    expect(kiosk.get_by_role("heading", name="You can probably get:")).to_be_visible()
    expect(kiosk.get_by_text("a free SIM card with data")).to_be_visible()
    assert db["interest_registrations"].count == 0  # nothing kept while answering
    kiosk.get_by_role("link", name="Leave my first name and phone number or email").tap()
    kiosk.get_by_label("First name").tap()
    kiosk.keyboard.type("Jo")
    kiosk.get_by_label("Phone number or email").tap()
    kiosk.keyboard.type("07700 900123")
    kiosk.get_by_role("button", name="Send").tap()
    expect(kiosk.get_by_role("heading", name="Thank you!")).to_be_visible()
    reference = kiosk.locator(".reference").inner_text().strip()
    row = db["interest_registrations"].get(1)
    assert (row["reference"], row["first_name"], row["contact"], row["status"]) == (
        reference, "Jo", "07700900123", "new")

    # Staff at the desk: Interest, the registration, Give a SIM.
    desk = browser.new_context().new_page()
    staff_sign_in(desk, base)
    desk.get_by_role("navigation", name="Staff").get_by_role("link", name="Interest").click()
    expect(desk.get_by_role("heading", name="Interest from the kiosk")).to_be_visible()
    expect(desk.get_by_role("cell", name="Jo, mobile 07700900123")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_label("Find by reference (type it, or scan their QR code)").fill(
        reference.replace("-", "").lower())
    desk.get_by_role("button", name="Find").click()
    expect(desk.get_by_role("heading", name=f"Registration of interest {reference}")
           ).to_be_visible()
    expect(desk.get_by_role("cell", name="Aged 18 or over")).to_be_visible()
    assert_accessible(desk)

    desk.get_by_role("link", name="Give a SIM").click()
    expect(desk.locator("#for-interest")).to_contain_text(reference)
    desk.get_by_label("SIM card or voucher code").click()
    desk.keyboard.type(codes[0])  # as the scanner types it
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("heading", name="Give a free SIM")).to_be_visible()
    expect(desk.locator("#for-interest")).to_contain_text("Jo")
    expect(desk.get_by_label("Aged 18 or over")).to_be_checked()  # from the kiosk answers
    expect(desk.get_by_label("On a low income (for example on benefits)")).to_be_checked()
    expect(desk.get_by_label("Cannot afford a contract or top-up")).not_to_be_checked()
    assert_accessible(desk)
    desk.get_by_label("Cannot afford a contract or top-up").check()  # staff ask which
    desk.get_by_label("Anonymous, not recorded (no repeat check is possible)").check()
    desk.get_by_role("button", name="Give SIM").click()
    expect(desk.get_by_role("heading", name="SIM given")).to_be_visible()
    expect(desk.get_by_text("The registration of interest is done: a SIM was given.")
           ).to_be_visible()

    giveaway = db["sim_giveaways"].get(1)
    row = db["interest_registrations"].get(1)
    assert db["sims"].get(giveaway["sim_id"])["status"] == "given"
    assert (row["status"], row["outcome"], row["sim_giveaway_id"]) == (
        "done", "sim", giveaway["id"])

    # The QR code's address, opened by staff, leads to the same registration, now done.
    desk.goto(f"{base}/i/{reference}")
    expect(desk.get_by_role("heading", name=f"Registration of interest {reference}")
           ).to_be_visible()
    expect(desk.locator("#interest-status")).to_have_text("Done: SIM giveaway")
    expect(desk.get_by_role("link", name="A free SIM was given")).to_be_visible()
    assert_accessible(desk)
    db.conn.close()
