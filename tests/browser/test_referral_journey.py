"""A loan referral through real screens in Chromium: a partner refers someone, they wait, a
device comes back and passes its checklist, staff lend it to the longest-waiting referral
with a signature, and the partner sees it served. Plus the partner's bad input, and axe on
the partner's pages on a desktop and on a phone."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

import auth
import lending
import waiting_list
from audit import stamp, utcnow
from tests.browser.conftest import (
    PARTNER_PASSWORD,
    SYSTEM,
    assert_accessible,
    partner_sign_in,
    staff_sign_in,
)
from tests.browser.test_lending_journey import sign, wedge_scan

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
# A phone widens its layout to fit a page that is too wide, so measure against the screen.
FITS = "document.documentElement.scrollWidth <= screen.width"


@pytest.fixture
def partner(live_server, people):
    """Wigan Age Concern with Pat's sign-in, and a tablet out on loan that is due back."""
    db = live_server.db()
    org = lending.add_partner(db, SYSTEM, {"name": "Wigan Age Concern"})
    auth.create_user(db, "pat", "Pat Partner", "partner", PARTNER_PASSWORD, SYSTEM,
                     partner_id=org)
    device = lending.add_device(db, SYSTEM, {"kind": "tablet", "make": "Lenovo",
                                             "accessories": ["charger", "case"]})
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Margaret Hughes"})
    lending.check_out(db, SYSTEM, device, borrower_id=borrower,
                      due_on=(lending.today() + timedelta(days=3)).isoformat(), imported=True)
    db.conn.close()
    return {"org": org, "device": device}


def fill_referral(page, first_name="Doris", mobile="07700 900123"):
    page.get_by_label("Their first name").fill(first_name)
    page.get_by_label("Mobile (text message)").check()
    page.get_by_label("Their mobile, phone number or email").fill(mobile)
    page.get_by_label("First half of their postcode (optional)").fill("WN5 9XX")
    page.get_by_label("Why they need a device").fill(
        "Lives alone and wants to video call her grandchildren.")
    page.get_by_label("Kind of device").select_option(label="Any device")


def backdate(db, referral_id, days):
    """Time passes (moved back in the database, as a calendar would)."""
    db["loan_referrals"].update(referral_id, {
        "created_at": stamp(utcnow() - timedelta(days=days))})


def test_partner_refers_staff_lend_the_returned_device_with_a_signature(browser, live_server,
                                                                        partner):
    base = live_server.url
    # Someone referred earlier by phone: on the list first, but not the longest waiting.
    db = live_server.db()
    ernest = waiting_list.submit(db, SYSTEM, {
        "referrer_name": "Housing officer", "first_name": "Ernest", "contact_kind": "landline",
        "contact": "01942 765432", "reason": "No internet at home"}, channel="phone")
    db.conn.close()

    # The partner signs in and refers Doris.
    referrer = browser.new_page()
    partner_sign_in(referrer, base)
    assert_accessible(referrer)
    referrer.get_by_role("link", name="Refer someone for a device loan").click()
    expect(referrer.get_by_label("Referrer's name")).to_have_value("Pat Partner")
    referrer.get_by_label("Referrer's phone or email").fill("01942 111222")
    fill_referral(referrer)
    assert_accessible(referrer)
    referrer.get_by_role("button", name="Send the referral").click()
    expect(referrer.get_by_text(re.compile(r"Doris is on the waiting list: your reference is "
                                           r"R00002"))).to_be_visible()
    expect(referrer.locator("#referral-status")).to_have_text("Waiting")
    assert_accessible(referrer)

    # Doris has waited longer than Ernest (referred 20 days ago; Ernest 5).
    db = live_server.db()
    doris = db.execute("select id from loan_referrals where first_name = 'Doris'").fetchone()[0]
    backdate(db, doris, 20)
    backdate(db, ernest, 5)
    db.conn.close()
    referrer.goto(base + "/partner/")
    card = referrer.locator("#referrals li", has_text="Doris")
    expect(card).to_contain_text("Waiting: waiting 20 days")
    expect(referrer.locator("#referrals")).not_to_contain_text("Ernest")  # not theirs
    assert_accessible(referrer)

    # Staff see both on the waiting list, Doris first.
    staff = browser.new_page()
    staff_sign_in(staff, base)
    staff.goto(base + "/staff/referrals")
    rows = staff.locator("#referrals tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("R00002")
    expect(rows.nth(0)).to_contain_text("Wigan Age Concern")
    expect(rows.nth(1)).to_contain_text("Ernest")

    # The tablet on loan comes back and passes every item of its checklist.
    staff.goto(base + "/staff/scan")
    wedge_scan(staff, "TAB-0001")
    expect(staff.get_by_role("heading", name=re.compile("Check in TAB-0001"))).to_be_visible()
    for box in staff.get_by_role("checkbox").all():
        box.check()
    staff.get_by_role("button", name="Check in TAB-0001").click()
    expect(staff.locator("#device-status")).to_have_text("Available")

    # Its page suggests the longest-waiting referral; staff follow it and lend with a signature.
    suggestion = staff.locator("#next-on-list")
    expect(suggestion).to_contain_text("R00002")
    expect(suggestion).to_contain_text("Doris")
    expect(suggestion).not_to_contain_text("Ernest")
    staff.get_by_role("link", name="Lend TAB-0001 to Doris (R00002)").click()
    expect(staff.locator("#referral-banner")).to_contain_text("R00002")
    expect(staff.get_by_label("Name", exact=True)).to_have_value("Doris")
    staff.get_by_label("Name", exact=True).fill("Doris Pennington")
    sign(staff)
    staff.get_by_role("button", name="Lend TAB-0001").click()
    expect(staff.locator("#device-status")).to_have_text("On loan")
    expect(staff.get_by_text("R00002 is off the waiting list")).to_be_visible()

    # The partner sees it served; the database holds the loan and the served referral.
    referrer.goto(base + "/partner/")
    expect(referrer.locator("#referrals li", has_text="Doris")).to_contain_text(
        "Device lent on")
    referrer.locator("#referrals").get_by_role("link", name=re.compile("Doris")).click()
    expect(referrer.locator("#referral-status")).to_contain_text("Device lent on")
    expect(referrer.get_by_role("button", name=re.compile("off the list"))).to_have_count(0)
    expect(referrer.locator("main")).not_to_contain_text("TAB-0001")
    assert_accessible(referrer)

    db = live_server.db()
    referral = db["loan_referrals"].get(doris)
    loan = db["loans"].get(referral["loan_id"])
    borrower = db["borrowers"].get(loan["borrower_id"])
    assert referral["status"] == "served" and referral["closed_at"]
    assert referral["partner_id"] == partner["org"] and referral["channel"] == "partner"
    assert loan["device_id"] == partner["device"] and loan["signature"]
    assert loan["closed_at"] is None and borrower["name"] == "Doris Pennington"
    assert db["loan_referrals"].get(ernest)["status"] == "waiting"
    assert {r["action"] for r in db["audit_log"].rows} >= {
        "referral.submit", "loan.check_in", "loan.check_out", "referral.serve"}
    db.conn.close()


def test_a_referral_with_no_way_to_contact_anyone_or_a_duplicate_keeps_what_was_typed(
        browser, live_server, partner):
    base = live_server.url
    page = browser.new_page()
    partner_sign_in(page, base)
    page.goto(base + "/partner/referrals/new")
    page.get_by_label("Referrer's phone or email").fill("")
    fill_referral(page, first_name="Stanley")
    page.get_by_label(re.compile("Through the referrer")).check()
    page.get_by_label("Their mobile, phone number or email").fill("")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#referrer_contact-error")).to_contain_text(
        "we need the referrer's phone number or email")
    expect(page.get_by_label("Referrer's phone or email")).to_have_attribute(
        "aria-invalid", "true")
    expect(page.get_by_label("Their first name")).to_have_value("Stanley")
    expect(page.get_by_label(re.compile("Through the referrer"))).to_be_checked()
    expect(page.get_by_label("Why they need a device")).to_have_value(
        re.compile("video call her grandchildren"))
    assert_accessible(page)
    db = live_server.db()
    assert db["loan_referrals"].count == 0
    db.conn.close()

    # Giving the referrer's number sends it; the same person again is a duplicate.
    page.get_by_label("Referrer's phone or email").fill("pat@ageconcern.example")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text(re.compile("Stanley is on the waiting list"))).to_be_visible()
    page.get_by_role("link", name="Refer someone", exact=True).click()
    page.get_by_label("Referrer's phone or email").fill("PAT@ageconcern.example")
    fill_referral(page, first_name="stanley")
    page.get_by_label(re.compile("Through the referrer")).check()
    page.get_by_label("Their mobile, phone number or email").fill("")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#first_name-error")).to_contain_text(
        re.compile(r"stanley is already on the waiting list: referred on .* \(R00001\)"))
    expect(page.get_by_label("Their first name")).to_have_value("stanley")
    expect(page.get_by_label("Referrer's phone or email")).to_have_value(
        "PAT@ageconcern.example")
    assert_accessible(page)
    db = live_server.db()
    assert db["loan_referrals"].count == 1
    db.conn.close()


def test_partner_pages_on_a_phone(browser, live_server, partner):
    """Every partner page fits a phone's width (no sideways scrolling) and passes axe."""
    base = live_server.url
    context = browser.new_context(**PHONE)
    page = context.new_page()
    partner_sign_in(page, base)
    page.goto(base + "/partner/referrals/new")
    fill_referral(page)
    page.get_by_label("Referrer's phone or email").fill("01942 111222")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#referral-status")).to_have_text("Waiting")
    for path in ("/partner/", "/partner/?status=waiting", "/partner/referrals/new",
                 "/partner/referrals/1"):
        page.goto(base + path)
        assert page.evaluate(FITS), path
        assert_accessible(page)
    page.get_by_label("Why?").select_option(label="Moved away")
    page.get_by_role("button", name="Take R00001 off the list").click()
    expect(page.locator("#referral-status")).to_have_text("Removed (Moved away)")
    assert_accessible(page)
    fresh = browser.new_context(**PHONE).new_page()
    fresh.goto(base + "/signin/partner")
    assert fresh.evaluate(FITS)
    assert_accessible(fresh)
    context.close()


def test_staff_give_a_partner_a_sign_in_and_switch_it_off(browser, live_server, partner):
    base = live_server.url
    staff = browser.new_page()
    staff_sign_in(staff, base)
    staff.goto(base + "/staff/partners")
    staff.get_by_role("link", name="Wigan Age Concern").click()
    staff.get_by_label("Their name").fill("Rita Referrer")
    staff.get_by_label("Username they sign in with").fill("rita")
    staff.get_by_label("First password (10 or more characters)").fill("short")
    staff.get_by_role("button", name="Add sign-in").click()
    expect(staff.locator("#secret-error")).to_have_text(
        "A partner password needs at least 10 characters.")
    expect(staff.get_by_label("Username they sign in with")).to_have_value("rita")
    staff.get_by_label("First password (10 or more characters)").fill("rita's own password")
    staff.get_by_role("button", name="Add sign-in").click()
    expect(staff.get_by_text(re.compile("Added a sign-in for Rita Referrer"))).to_be_visible()
    expect(staff.locator("#partner-sign-ins")).to_contain_text("Rita Referrer")
    assert_accessible(staff)

    rita = browser.new_page()
    partner_sign_in(rita, base, "rita", "rita's own password")
    staff.get_by_role("button", name="Switch off Rita Referrer's sign-in").click()
    expect(staff.get_by_text(re.compile("sign-in is switched off"))).to_be_visible()
    rita.goto(base + "/partner/")
    expect(rita.get_by_role("heading", name="Partner sign in")).to_be_visible()
    staff.goto(base + "/staff/people")
    expect(staff.get_by_role("row", name=re.compile("Rita Referrer"))).to_contain_text(
        "Partner at Wigan Age Concern")
    expect(staff.get_by_role("row", name=re.compile("Rita Referrer"))).to_contain_text(
        "Switched off")
