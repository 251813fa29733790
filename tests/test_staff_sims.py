"""Free SIMs through the staff screens: adding stock, stock and low-stock warnings, taking
one out of stock, the rules and the report."""

import io

import pytest

from giveaways import eligibility
from tests.test_sims import add_stock, give, iccid

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def batch_form(venue, **overrides) -> dict:
    form = {"venue": str(venue), "item": "sim", "network": "O2", "offer": "25 GB a month",
            "months": "12", "received_on": "2026-01-05", "codes": ""}
    form.update(overrides)
    return form


def test_add_a_batch_by_pasting_and_see_the_stock(db, venue, staff_client):
    assert "Add SIM stock" in text(staff_client.get("/staff/sims/batches/new"))
    codes = "\n".join(iccid(n) for n in range(3))
    response = staff_client.post("/staff/sims/batches/new", data=batch_form(venue, codes=codes),
                                 follow_redirects=True)
    page = text(response)
    assert "Added 3 sim cards (O2, 25 GB a month) to Wigan Library." in page
    assert "Wigan Library: 3 in stock, fewer than 10." in page
    assert db["sims"].count == 3


def test_add_a_batch_from_a_file(db, venue, staff_client):
    upload = ("ICCID\n" + "\n".join(iccid(n) for n in range(12))).encode("utf-8-sig")
    data = batch_form(venue, codes_file=(io.BytesIO(upload), "sims.csv"))
    response = staff_client.post("/staff/sims/batches/new", data=data,
                                 content_type="multipart/form-data")
    assert response.status_code == 303
    assert db["sims"].count == 12
    assert "Every venue with SIMs has at least 10 in stock." in text(staff_client.get(
        "/staff/sims"))


def test_a_bad_list_keeps_what_was_typed_and_writes_nothing(db, venue, staff_client):
    codes = f"{iccid(1)}\n123"
    response = staff_client.post("/staff/sims/batches/new", data=batch_form(venue, codes=codes))
    assert response.status_code == 422
    page = text(response)
    assert "Line 2: 123 has 3 digits" in page and iccid(1) in page
    assert db["sims"].count == 0


def test_low_stock_threshold_and_void(db, venue, staff_client):
    add_stock(db, venue, 3)
    response = staff_client.post("/staff/sims/low-stock", data={"low_stock": "2"},
                                 follow_redirects=True)
    assert "Every venue with SIMs has at least 2 in stock." in text(response)
    response = staff_client.post("/staff/sims/void", data={"scan": iccid(0),
                                                           "reason": "Faulty"},
                                 follow_redirects=True)
    assert "is out of stock: Faulty" in text(response)
    assert db["sims"].get(1)["status"] == "void"


def test_staff_give_from_the_sims_own_venue(db, venue, staff, staff_client):
    add_stock(db, venue, 1)
    response = staff_client.post("/staff/sims/give", data={
        "stage": "give", "scan": iccid(0), "ticks": ["age_18_plus", "low_income",
                                                     "no_internet_home"],
        "who": "anonymous"}, follow_redirects=True)
    assert "SIM given" in text(response) and "Anonymous, not recorded" in text(response)
    row = db["sim_giveaways"].get(1)
    assert (row["venue_id"], row["given_by"], row["household_key"]) == (venue, staff, None)


def test_rules_page_saves_a_new_version(db, staff_client):
    page = text(staff_client.get("/staff/sims/rules"))
    assert "In force now: version 1" in page and "Save as version 2" in page
    response = staff_client.post("/staff/sims/rules", data={
        "required": "Aged 18 or over", "one_of": "On Universal Credit\nCare leaver",
        "repeat_months": "12", "note": "Cabinet decision"}, follow_redirects=True)
    assert "Saved version 2 of the SIM rules." in text(response)
    assert eligibility.current_rule_set(db, "sim")["repeat_months"] == 12


def test_the_report_counts_and_lists_the_rows(db, venue, other_venue, staff_client):
    add_stock(db, venue, 2)
    give(db, venue, iccid(0))
    give(db, venue, iccid(1), override_reason="x", ticks=["age_18_plus", "cannot_afford"],
         anonymous=True)
    page = text(staff_client.get("/staff/sims/report"))
    assert '<dd id="fig-given">2</dd>' in page and '<dd id="fig-overridden">1</dd>' in page
    assert "Criteria ticked under rules version 1: 2 SIMs, 1 given with a reason" in page
    assert page.count("data-giveaway=") == 2
    page = text(staff_client.get(f"/staff/sims/report?venue={other_venue}"))
    assert '<dd id="fig-given">0</dd>' in page
    bad = staff_client.get("/staff/sims/report?first=soon")
    assert bad.status_code == 422 and "Enter a date like 2026-11-23." in text(bad)
