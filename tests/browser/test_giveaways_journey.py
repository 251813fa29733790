"""Giveaways through real screens in Chromium: staff import SIM stock from a file; at a tea
party a volunteer scans a SIM, ticks the council's criteria and gives it to a household;
the repeat rule stops a second SIM to the same household until a reason is given; a
donated laptop is wiped, refurbished and sold for £60 to a resident on Universal Credit,
and the carbon saved shows the factor version it was worked out with."""

import json
import re

import pytest
from playwright.sync_api import expect

import lending
from tests.browser.conftest import assert_accessible, staff_sign_in, volunteer_sign_in
from tests.browser.test_tea_party_journey import TABLET, plan_todays_tea_party

pytestmark = pytest.mark.browser
CRITERIA = ("Aged 18 or over", "On a low income (for example on benefits)",
            "Cannot afford a contract or top-up")


def iccid(serial: int) -> str:
    """A 19-digit ICCID (89 44 …) with its Luhn check digit, as printed on a SIM card."""
    body = f"894411{serial:012d}"
    for check in "0123456789":
        if lending._luhn_ok(body + check):
            return body + check
    raise AssertionError("no check digit")


def give_to_household(page, code, house, postcode, reason=None):
    """Scan a SIM as a wedge scanner would, tick the criteria, choose the household."""
    page.get_by_role("link", name="Give a free SIM").tap()
    page.get_by_label("SIM card or voucher code").tap()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    for words in CRITERIA:
        page.get_by_label(words).check()
    page.get_by_label("A household (not a learner)").check()
    page.get_by_label("House number or name").fill(house)
    page.get_by_label("Postcode").fill(postcode)
    if reason:
        page.get_by_label("Reason to give it anyway (kept in the audit log)").fill(reason)
    page.get_by_role("button", name="Give SIM").tap()


def test_sims_and_a_refurbished_laptop(browser, live_server, people, tmp_path):
    base = live_server.url
    staff_page = browser.new_context().new_page()
    staff_sign_in(staff_page, base)
    plan_todays_tea_party(staff_page, base)

    # Import SIM stock: a file of three ICCIDs received at Wigan Library.
    codes = [iccid(n) for n in (1, 2, 3)]
    stock_file = tmp_path / "o2-sims.csv"
    stock_file.write_text("ICCID\n" + "\n".join(codes) + "\n")
    staff_page.goto(base + "/staff/sims/batches/new")
    staff_page.get_by_label("Venue").select_option(label="Wigan Library")
    staff_page.get_by_label("SIM cards").check()
    staff_page.get_by_label("Network").fill("O2")
    staff_page.get_by_label("Offer, for example 25 GB a month for 12 months").fill(
        "25 GB a month for 12 months")
    staff_page.get_by_label(re.compile("^Months of data")).fill("12")
    staff_page.get_by_label("Date received").fill(lending.today().isoformat())
    staff_page.get_by_label("Or a file with the list (CSV or text)").set_input_files(stock_file)
    staff_page.get_by_role("button", name="Add stock").click()
    expect(staff_page.get_by_text(re.compile("Added 3 sim cards"))).to_be_visible()

    # At the tea party: a volunteer joins the session and gives a SIM to a household.
    page = browser.new_context(**TABLET).new_page()
    volunteer_sign_in(page, base, "Asha", "1234")
    page.get_by_role("link", name="Today's session").tap()
    page.get_by_role("button", name="Sign in to this session").tap()
    give_to_household(page, codes[0], "12", "WN5 0AB")
    expect(page.get_by_role("heading", name="SIM given")).to_be_visible()
    expect(page.get_by_text(re.compile("Data until"))).to_be_visible()
    assert_accessible(page)
    db = live_server.db()
    [given] = [dict(r) for r in db["sim_giveaways"].rows]
    session = db["sessions"].get(1)
    assert given["session_id"] == session["id"] and given["eligible"] == 1
    assert json.loads(given["ticks"]) == ["age_18_plus", "low_income", "cannot_afford"]
    assert given["postcode_district"] == "WN5"
    assert "0AB" not in json.dumps(given) and len(given["household_key"]) >= 32

    # The same household again (typed differently): refused until a reason is given.
    give_to_household(page, codes[1], " 12 ", "wn50ab")
    expect(page.get_by_text(re.compile("A SIM was given to this household on"))).to_be_visible()
    assert db["sim_giveaways"].count == 1
    assert db["sims"].count_where("status = 'in_stock'") == 2
    assert_accessible(page)
    page.get_by_label("Reason to give it anyway (kept in the audit log)").fill(
        "The first SIM was faulty")
    page.get_by_role("button", name="Give SIM").tap()
    expect(page.get_by_role("heading", name="SIM given")).to_be_visible()
    second = db["sim_giveaways"].get(2)
    assert second["override_reason"] == "The first SIM was faulty"
    assert second["household_key"] == given["household_key"]

    # Staff see the month's SIMs by venue and network.
    staff_page.goto(base + "/staff/sims/report")
    expect(staff_page.get_by_role("main")).to_contain_text("Wigan Library")
    expect(staff_page.get_by_role("main")).to_contain_text("O2")

    # A donated laptop: recorded, wiped, refurbished, made ready and sold for £60.
    staff_page.goto(base + "/staff/refurb/donations/new")
    staff_page.get_by_label("Donor organisation").fill("Trafford Housing Trust")
    staff_page.get_by_label("Kind of donor").select_option(label="Housing association")
    staff_page.get_by_label("Laptop", exact=True).fill("1")
    staff_page.get_by_role("button", name="Record the donation").click()
    expect(staff_page.get_by_text(re.compile("Recorded 1 donated device: REF-0001"))
           ).to_be_visible()
    staff_page.get_by_role("link", name="REF-0001").click()
    expect(staff_page.locator("#refurb-stage")).to_have_text("Received")
    staff_page.get_by_label("Wipe method").select_option(label="Blancco")
    staff_page.get_by_label("Certificate reference").fill("BL-2026-00042")
    staff_page.get_by_role("button", name="Record the wipe").click()
    expect(staff_page.locator("#refurb-stage")).to_have_text("Data wiped")
    staff_page.get_by_label("Grade").select_option(index=1)
    staff_page.get_by_label("Licence applied").select_option(label="Linux Mint")
    staff_page.get_by_role("button", name="Record the refurbishment").click()
    expect(staff_page.locator("#refurb-stage")).to_have_text("Refurbished")
    staff_page.get_by_role("button", name="Mark it ready").click()
    expect(staff_page.locator("#refurb-stage")).to_have_text("Ready")
    staff_page.get_by_label("Sold", exact=True).check()
    expect(staff_page.get_by_label("Price (£)")).to_have_value("60.00")
    staff_page.get_by_label("Payment method").select_option(label="Card")
    staff_page.get_by_label("Universal Credit").check()
    staff_page.get_by_role("button", name="Record what happened").click()
    expect(staff_page.locator("#refurb-stage")).to_have_text("Sold")
    expect(staff_page.locator("#refurb-outcome")).to_contain_text("£60.00")
    sale = dict(db["refurb_allocations"].get(1))
    assert sale["outcome"] == "sold" and sale["price_pence"] == 6000
    assert json.loads(sale["ticks"]) == ["universal_credit"]
    assert db["refurb_devices"].get(1)["wipe_certificate"] == "BL-2026-00042"

    # The carbon saved, with the factor version it was worked out with.
    staff_page.goto(base + "/staff/refurb/impact")
    expect(staff_page.locator("#fig-sold")).to_contain_text("1")
    expect(staff_page.locator("#fig-co2e")).to_contain_text("248.0 kg CO2e")
    expect(staff_page.get_by_text(re.compile("Factors: version 1")).first).to_be_visible()
    db.conn.close()
