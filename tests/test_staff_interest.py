"""Registrations of interest from the kiosk, through the staff screens: the list, one
registration with its answers in the council's words, finding one by reference, closing one,
and turning one by hand into a SIM giveaway, a refurbished laptop sale or a gift."""

import pytest

import personal_data
import waiting_list
from audit import history
from giveaways import interest, refurb, sims
from tests.conftest import SYSTEM
from tests.test_refurb import donate, ready
from tests.test_sims import add_stock, iccid

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def register(db, venue, answer=True, **details) -> dict:
    """A registration as the kiosk writes it: every current question answered."""
    answers = {q["id"]: answer for q in interest.questions(db)}
    form = {"first_name": "Jo", "contact_kind": "mobile", "contact": "07700 900123"}
    form.update(details)
    return interest.register(db, SYSTEM, venue, answers, form)


def status(db, interest_id) -> dict:
    return db["interest_registrations"].get(interest_id)


def request_id(page: str) -> str:
    return page.split('name="request_id" value="')[1].split('"')[0]


# ---------------------------------------------------------------- list, detail, find, close


def test_the_list_shows_new_registrations_oldest_first(db, venue, other_venue, staff_client):
    first = register(db, venue)
    later = register(db, other_venue, first_name="", contact_kind="come_back", contact="")
    closed = register(db, venue, first_name="Kim")
    interest.close(db, SYSTEM, closed["id"], "no_contact")
    page = text(staff_client.get("/staff/interest"))
    assert "Interest from the kiosk" in page and 'href="/staff/interest">Interest</a>' in page
    assert page.index(first["reference"]) < page.index(later["reference"])
    assert "Jo, mobile 07700900123" in page and "will come back with the reference" in page
    assert "Wigan Library" in page and "Leigh Library" in page
    assert "a free SIM card with data; a refurbished laptop for £60" in page
    assert closed["reference"] not in page
    closed_page = text(staff_client.get("/staff/interest?status=closed"))
    assert closed["reference"] in closed_page and "Closed: Could not get in touch" in closed_page
    assert first["reference"] not in closed_page
    assert "Showing" not in page


def test_a_long_list_says_how_many_are_not_shown(db, venue, staff_client, monkeypatch):
    monkeypatch.setattr("staff.interest.LIST_LIMIT", 1)
    oldest, newer = register(db, venue), register(db, venue, first_name="Kim")
    page = text(staff_client.get("/staff/interest"))
    assert oldest["reference"] in page and newer["reference"] not in page
    assert "Showing 1 of 2. Find any other by its reference above." in page


def test_the_detail_shows_the_answers_in_the_councils_words(db, venue, staff_client):
    row = register(db, venue, answer=False, first_name="", contact_kind="come_back",
                   contact="")
    ready(db, donate(db, laptop=1)[0])
    page = text(staff_client.get(f"/staff/interest/{row['id']}"))
    assert f"Registration of interest {row['reference']}" in page
    assert "<td>Aged 18 or over</td><td>No</td>" in page
    assert "<td>At least one of: Universal Credit; Pension Credit;" in page
    assert "Neither, by their answers" in page
    assert f'href="/staff/sims/give?interest={row["id"]}"' in page
    assert "Sell REF-0001 (Laptop" in page
    assert f'href="/staff/referrals/new?interest={row["id"]}"' in page
    assert staff_client.get("/staff/interest/9999").status_code == 404


@pytest.mark.parametrize("typed", ["{ref}", "{lower}", "  {bare} ", "http://doorstep.example/i/{ref}",
                                   "/i/{ref}"])
def test_find_by_typed_or_scanned_reference(db, venue, staff_client, typed):
    row = register(db, venue)
    ref = row["reference"]
    typed = typed.format(ref=ref, lower=ref.lower(), bare=ref.replace("-", ""))
    response = staff_client.get("/staff/interest/find", query_string={"reference": typed})
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/interest/{row['id']}")


@pytest.mark.parametrize(("typed", "code", "message"), [
    ("", 422, "Please type or scan the reference, for example K7R-4MX."),
    ("hello", 422, "That is not a reference: a reference has six letters and numbers"),
    ("ACD-EFH", 404, "No registration has the reference ACD-EFH."),
])
def test_find_says_clearly_when_there_is_no_such_registration(db, venue, staff_client, typed,
                                                              code, message):
    register(db, venue)
    response = staff_client.get("/staff/interest/find", query_string={"reference": typed})
    assert response.status_code == code
    page = text(response)
    assert message in page and 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page


def test_an_old_slip_leads_nowhere_once_the_registration_is_anonymised(db, venue,
                                                                       staff_client):
    row = register(db, venue)
    interest.close(db, SYSTEM, row["id"], "no_contact")
    personal_data.anonymise(db, personal_data.Ref("interest", row["id"]))
    found = staff_client.get("/staff/interest/find", query_string={"reference": row["reference"]})
    assert found.status_code == 404
    assert f"No registration has the reference {row['reference']}." in text(found)
    assert staff_client.get(f"/i/{row['reference']}").status_code == 404


def test_close_with_a_reason(db, venue, staff, staff_client):
    row = register(db, venue)
    url = f"/staff/interest/{row['id']}/close"
    refused = staff_client.post(url, data={"reason": ""})
    assert refused.status_code == 422
    assert "Please choose why it is being closed." in text(refused)
    assert status(db, row["id"])["status"] == "new"
    done = staff_client.post(url, data={"reason": "not_wanted"}, follow_redirects=True)
    page = text(done)
    assert f"Registration {row['reference']} is closed: no longer wanted." in page
    assert "Closed: No longer wanted" in page and "Give a SIM" not in page
    saved = status(db, row["id"])
    assert (saved["status"], saved["closed_reason"], saved["closed_by"]) == (
        "closed", "not_wanted", staff)
    again = staff_client.post(url, data={"reason": "duplicate"}, follow_redirects=True)
    assert "That registration of interest has already been dealt with." in text(again)
    assert status(db, row["id"])["closed_reason"] == "not_wanted"
    assert [h["action"] for h in history(db, "interest_registrations", row["id"])] == [
        "interest.register", "interest.close"]


# ---------------------------------------------------------------- a SIM from a registration


def test_a_sim_given_from_a_registration_marks_it_done(db, venue, staff, staff_client):
    add_stock(db, venue, 2)
    row = register(db, venue)
    scan_page = text(staff_client.get(f"/staff/sims/give?interest={row['id']}"))
    assert f"For registration of interest <strong>{row['reference']}</strong>" in scan_page
    assert f'name="interest_id" value="{row["id"]}"' in scan_page
    found = staff_client.post("/staff/sims/give", data={"scan": iccid(0),
                                                        "interest_id": str(row["id"])})
    assert found.status_code == 303 and f"interest={row['id']}" in found.location
    form = text(staff_client.get(found.location))
    assert 'value="age_18_plus" checked' in form and 'value="low_income" checked' in form
    assert 'value="no_internet_home" checked' not in form  # staff ask which applies
    assert f'name="interest_id" value="{row["id"]}"' in form
    given = staff_client.post("/staff/sims/give", data={
        "stage": "give", "scan": iccid(0), "ticks": ["age_18_plus", "low_income",
                                                     "cannot_afford"],
        "who": "anonymous", "interest_id": str(row["id"]), "request_id": request_id(form)},
        follow_redirects=True)
    page = text(given)
    assert "SIM given" in page and "The registration of interest is done" in page
    giveaway = db["sim_giveaways"].get(1)
    saved = status(db, row["id"])
    assert (saved["status"], saved["outcome"], saved["sim_giveaway_id"], saved["closed_by"]) == (
        "done", "sim", giveaway["id"], staff)
    shown = text(staff_client.get(f"/staff/interest/{row['id']}"))
    assert "Done: SIM giveaway" in shown and "A free SIM was given" in shown
    assert "interest done" in shown  # in its history


def test_a_failed_give_leaves_the_registration_new(db, venue, staff_client):
    add_stock(db, venue, 1)
    row = register(db, venue)
    response = staff_client.post("/staff/sims/give", data={
        "stage": "give", "scan": iccid(0), "ticks": ["age_18_plus"], "who": "",
        "interest_id": str(row["id"])})
    assert response.status_code == 422
    page = text(response)
    assert f'name="interest_id" value="{row["id"]}"' in page  # still for the registration
    assert status(db, row["id"])["status"] == "new"
    assert db["sim_giveaways"].count == 0
    assert db["sims"].get(1)["status"] == "in_stock"


def test_a_registration_already_done_gets_no_second_giveaway(db, venue, staff_client):
    add_stock(db, venue, 2)
    row = register(db, venue)
    sims.give_sim(db, SYSTEM, iccid(0), venue, ["age_18_plus", "low_income", "cannot_afford"],
                  anonymous=True, interest_id=row["id"])
    assert status(db, row["id"])["outcome"] == "sim"
    opened = staff_client.get(f"/staff/sims/give?interest={row['id']}", follow_redirects=True)
    assert "That registration of interest has already been dealt with." in text(opened)
    response = staff_client.post("/staff/sims/give", data={
        "stage": "give", "scan": iccid(1), "ticks": ["age_18_plus", "low_income",
                                                     "cannot_afford"],
        "who": "anonymous", "interest_id": str(row["id"])})
    assert response.status_code == 422
    assert "That registration of interest has already been dealt with." in text(response)
    assert db["sim_giveaways"].count == 1
    assert db["sims"].get(2)["status"] == "in_stock"


def test_give_sim_and_mark_done_are_all_or_nothing(db, venue):
    add_stock(db, venue, 1)
    row = register(db, venue)
    interest.close(db, SYSTEM, row["id"], "duplicate")
    with pytest.raises(interest.InvalidInput):
        sims.give_sim(db, SYSTEM, iccid(0), venue, ["age_18_plus", "low_income",
                                                    "cannot_afford"],
                      anonymous=True, interest_id=row["id"])
    assert db["sim_giveaways"].count == 0 and db["sims"].get(1)["status"] == "in_stock"


def test_volunteers_never_see_a_registration(db, venue, volunteer_client):
    add_stock(db, venue, 1)
    row = register(db, venue)
    page = text(volunteer_client.get(f"/volunteer/sims/give?interest={row['id']}"))
    assert row["reference"] not in page and "07700" not in page
    volunteer_client.post("/volunteer/sims/give", data={
        "stage": "give", "scan": iccid(0), "ticks": ["age_18_plus", "low_income",
                                                     "cannot_afford"],
        "who": "anonymous", "interest_id": str(row["id"])})
    assert db["sim_giveaways"].count == 1
    assert status(db, row["id"])["status"] == "new"


# ---------------------------------------------------------------- a laptop sale or gift


def test_a_sale_from_a_registration(db, venue, staff_client):
    laptop = ready(db, donate(db, laptop=1)[0])
    row = register(db, venue)
    url = f"/staff/refurb/{laptop}"
    form = text(staff_client.get(f"{url}?interest={row['id']}&outcome=sold"))
    assert f"For registration of interest <strong>{row['reference']}</strong>" in form
    assert 'value="sold" checked' in form and 'value="lent"' not in form
    sold = staff_client.post(url + "/allocate", data={
        "outcome": "sold", "price": "60", "payment_method": "cash",
        "ticks": ["universal_credit"], "interest_id": str(row["id"]),
        "request_id": request_id(form)}, follow_redirects=True)
    assert "REF-0001 is sold. The registration of interest is done." in text(sold)
    allocation = db["refurb_allocations"].get(1)
    saved = status(db, row["id"])
    assert (saved["status"], saved["outcome"], saved["refurb_allocation_id"]) == (
        "done", "sale", allocation["id"])
    shown = text(staff_client.get(f"/staff/interest/{row['id']}"))
    assert "A refurbished device was sold: REF-0001" in shown


def test_a_gift_from_a_registration_and_nothing_else(db, venue, staff_client):
    first, second = (ready(db, i) for i in donate(db, laptop=2))
    row = register(db, venue)
    lent = staff_client.post(f"/staff/refurb/{first}/allocate", data={
        "outcome": "lent", "interest_id": str(row["id"])})
    assert lent.status_code == 422
    assert refurb.FROM_INTEREST in text(lent)
    assert refurb.get_device(db, first)["stage"] == "ready"
    assert status(db, row["id"])["status"] == "new"
    gifted = staff_client.post(f"/staff/refurb/{second}/allocate", data={
        "outcome": "gifted", "gift_reason": "other", "referrer": "Kiosk check",
        "interest_id": str(row["id"])}, follow_redirects=True)
    assert "is gifted. The registration of interest is done." in text(gifted)
    saved = status(db, row["id"])
    assert (saved["outcome"], saved["refurb_allocation_id"]) == ("gift", 1)
    again = staff_client.post(f"/staff/refurb/{first}/allocate", data={
        "outcome": "gifted", "gift_reason": "other", "referrer": "Kiosk check",
        "interest_id": str(row["id"])})
    assert again.status_code == 422
    assert "That registration of interest has already been dealt with." in text(again)
    assert refurb.get_device(db, first)["stage"] == "ready"
    assert db["refurb_allocations"].count == 1
    opened = staff_client.get(f"/staff/refurb/{first}?interest={row['id']}",
                              follow_redirects=True)
    assert "That registration of interest has already been dealt with." in text(opened)


# ---------------------------------------------------------------- a loan referral


def test_a_referral_from_a_registration_shows_on_it(db, venue, staff_client):
    row = register(db, venue)
    page = text(staff_client.get(f"/staff/interest/{row['id']}"))
    assert f'href="/staff/referrals/new?interest={row["id"]}">Refer for a loan' in page
    form = dict(waiting_list.blank_form(), referrer_name="Sam Staff", first_name="Jo",
                contact_kind="mobile", contact="07700 900123", reason="No device at home")
    referral_id = waiting_list.submit(db, SYSTEM, form, channel="in_person",
                                      interest_id=row["id"])
    shown = text(staff_client.get(f"/staff/interest/{row['id']}"))
    assert "Done: Loan referral" in shown
    assert f'href="/staff/referrals/{referral_id}">Referred for a device loan' in shown
    assert "Refer for a loan" not in shown
