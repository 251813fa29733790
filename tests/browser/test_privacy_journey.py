"""Data protection in Chromium: staff find a resident's two records, download what we hold
(JSON and the readable copy) and erase them; afterwards nobody by that name is found."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, staff_sign_in
from tests.test_subject_access import MARY_SECRETS, everything, resident

pytestmark = pytest.mark.browser


@pytest.fixture
def mary(live_server, people):
    db = live_server.db()
    made = resident(db, people["venue"], 1, 2)
    db.conn.close()
    return made


def test_find_copy_and_erase_a_resident(browser, live_server, mary):
    base = live_server.url
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    staff_sign_in(page, base)
    page.get_by_role("link", name="Data protection").click()
    expect(page.get_by_role("heading", name="How long we keep personal data")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Find a person")).click()
    page.get_by_label("Name, phone, email, library card or learner card").fill("mary")
    page.get_by_role("button", name="Search").click()
    page.get_by_label(re.compile("Learner: Mary")).check()
    page.get_by_label(re.compile("Borrower: Mary Jones")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Show what we hold").click()
    expect(page.get_by_role("heading", name="Learner: Mary")).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON").click()
    data = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert [r["name"] for r in data["records"]] == ["Mary", "Mary Jones"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download readable copy").click()
    copy = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "<h3>Skills you practised</h3>" in copy and "Set up Gmail with Mary" in copy

    page.get_by_role("link", name="Erase…").click()
    page.get_by_label("Why").select_option(label="They asked us to erase it (right to erasure)")
    page.get_by_label(re.compile("I have checked these records are this person")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Erase").click()
    expect(page.locator(".flash")).to_contain_text("Erased the learner record, the borrower "
                                                   "record.")

    page.get_by_label("Name, phone, email, library card or learner card").fill("mary")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nothing found.")).to_be_visible()
    db = live_server.db()
    try:
        text = everything(db)
    finally:
        db.conn.close()
    for secret in MARY_SECRETS:
        assert secret not in text, secret
