"""What's on at the kiosk, by touch alone: start page -> the list -> back to the start."""

import re

import pytest
from playwright.sync_api import expect

import lending
import tea_parties
from tests.browser.conftest import SYSTEM, assert_accessible, register_kiosk

pytestmark = pytest.mark.browser


def test_what_s_on_by_touch(browser, live_server, people):
    db = live_server.db()
    db["venues"].update(people["venue"], {"postcode": "WN1 1NH",
                                          "accessibility": "Step-free entrance."})
    leigh = next(db["venues"].rows_where("name = 'Leigh Library'"))["id"]
    db["venues"].update(leigh, {"postcode": "WN7 1EB"})
    tomorrow = (lending.today() + lending.timedelta(days=1)).isoformat()
    for venue, title in ((people["venue"], "Tech tea party"), (leigh, "Tablet drop-in")):
        tea_parties.create_series(db, SYSTEM, {
            "title": title, "kind": "tea_party", "venue": str(venue), "repeat": "none",
            "first_day": tomorrow, "starts": "14:00", "ends": "16:00",
            "volunteer_slots": "2"})
    db.conn.close()
    kiosk = browser.new_context(has_touch=True, viewport={"width": 1080, "height": 1920})
    page = kiosk.new_page()
    register_kiosk(page, live_server.url)

    page.get_by_role("link", name=re.compile("What's on")).tap()
    expect(page.get_by_role("heading", name="What's on", exact=True)).to_be_visible()
    here = page.get_by_role("list", name="Here at Wigan Library")
    expect(here).to_contain_text("Tech tea party")
    expect(here).to_contain_text("Tomorrow, 14:00 to 16:00")
    expect(page.get_by_text("Step-free entrance.")).to_be_visible()
    expect(page.get_by_role("list", name="Leigh Library")).to_contain_text("Tablet drop-in")
    qr = page.get_by_role("img", name=re.compile("^QR code that opens http"))
    expect(qr).to_be_visible()
    expect(page.locator("figure")).to_contain_text(
        f"{live_server.url.split('://')[1]}/whats-on/{people['venue']}")
    assert_accessible(page)

    page.get_by_role("link", name="Back to the start").tap()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    kiosk.close()
