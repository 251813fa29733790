"""The kiosk's eligibility check through the test client: one yes/no question a screen,
answers kept only in the kiosk session, "you can probably get…", a registration written at
once, the reference and its QR code, and /i/<reference> for whoever scans it."""

import re

import pymupdf
import pytest
import zxingcpp
from PIL import Image

from audit import Actor
from giveaways import eligibility, interest
from tests.conftest import sign_in_staff

pytestmark = pytest.mark.usefixtures("fast_hashing")
QUESTIONS = ["sim.age_18_plus", "sim.low_income", "sim.one_of", "device.one_of"]


def text(response) -> str:
    return response.get_data(as_text=True)


def main(response) -> str:
    return re.search(r"<main.*</main>", text(response), re.S)[0]


def errors(response) -> list[str]:
    return re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', text(response))


def answer(client, number: int, yes: bool, question=None):
    return client.post(f"/kiosk/check/{number}",
                       data={"question": question or QUESTIONS[number - 1],
                             "answer": "yes" if yes else "no"})


def answer_all(client, yes=(True, True, True, True)):
    assert client.get("/kiosk/check").headers["Location"] == "/kiosk/check/1"
    for number, said in enumerate(yes, 1):
        response = answer(client, number, said)
        assert response.status_code == 303, text(response)
    assert response.headers["Location"] == "/kiosk/check/result"
    return client.get("/kiosk/check/result")


def request_id(page) -> str:
    return re.search(r'name="request_id" value="([^"]+)"', text(page))[1]


def qr_payload(page: str) -> str:
    """Draw the page's inline SVG QR code and read it back as a phone would."""
    svg = re.search(r"<svg [^>]*role=\"img\".*?</svg>", page, re.S)[0]
    pixmap = pymupdf.open(stream=svg.encode(), filetype="svg")[0].get_pixmap(dpi=150)
    image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
    return zxingcpp.read_barcodes(image)[0].text


def check_state(client):
    with client.session_transaction() as session:
        return session.get("kiosk_check")


def test_the_start_screen_has_a_tile_for_the_check(kiosk_client):
    page = text(kiosk_client.get("/kiosk/"))
    assert '<a class="tile check-tile" href="/kiosk/check">' in page
    assert "Can I get a free SIM or a laptop?" in page


def test_one_big_question_a_screen_in_the_councils_words(kiosk_client):
    kiosk_client.get("/kiosk/check")
    page = main(kiosk_client.get("/kiosk/check/1"))
    assert "Does this apply to you?" in page and "Aged 18 or over" in page
    assert "Question 1 of 4" in page
    assert 'name="answer" value="yes"' in page and 'name="answer" value="no"' in page
    assert "check-back" not in page  # nothing before the first question
    answer(kiosk_client, 1, True)
    answer(kiosk_client, 2, True)
    page = main(kiosk_client.get("/kiosk/check/3"))
    assert "Does at least one of these apply to you?" in page
    assert re.search(r"<li>No internet, or not enough, at home</li>\s*<li>No internet, or not "
                     r"enough, when out and about</li>\s*<li>Cannot afford", page)
    assert 'href="/kiosk/check/2"' in page  # Back
    answer(kiosk_client, 3, True)
    page = main(kiosk_client.get("/kiosk/check/4"))
    assert "Universal Credit" in page and "Refurbished laptop for £60" in page


def test_all_yes_suggests_a_sim_and_a_laptop_then_name_and_mobile(db, venue, kiosk_client):
    page = main(answer_all(kiosk_client))
    assert "You can probably get:" in page
    assert "a free SIM card with data" in page and "a refurbished laptop for £60" in page
    assert "Leave my first name and phone number or email" in page
    assert db["interest_registrations"].count == 0  # nothing yet: only the session

    form = kiosk_client.get("/kiosk/check/details")
    assert "How can we reach you?" in text(form)
    response = kiosk_client.post("/kiosk/check/register", data={
        "first_name": " Joan ", "contact": "07700 900123", "request_id": request_id(form)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/check/thanks"
    (row,) = db["interest_registrations"].rows
    assert (row["first_name"], row["contact_kind"], row["contact"], row["venue_id"]) == (
        "Joan", "mobile", "07700900123", venue)
    assert row["suggests"] == '["sim", "device"]'

    page = text(kiosk_client.get("/kiosk/check/thanks"))
    assert f'<p class="reference"><bdi>{row["reference"]}</bdi></p>' in page
    assert "Library staff will get in touch with you." in page
    assert qr_payload(page) == f"http://localhost/i/{row['reference']}"
    assert "Joan" not in page and "07700" not in page
    assert check_state(kiosk_client) is None  # the answers are gone from the session


def test_the_qr_code_uses_the_public_address(app, db, kiosk_client):
    app.config["PUBLIC_BASE_URL"] = "https://doorstep.example.gov.uk"
    answer_all(kiosk_client)
    kiosk_client.post("/kiosk/check/register", data={"come_back": "1"})
    reference = next(db["interest_registrations"].rows)["reference"]
    page = text(kiosk_client.get("/kiosk/check/thanks"))
    assert qr_payload(page) == f"https://doorstep.example.gov.uk/i/{reference}"


def test_no_to_everything_says_staff_can_still_help(db, kiosk_client):
    result = answer_all(kiosk_client, (False, False, False, False))
    page = main(result)
    assert "You can probably get" not in page
    assert "Staff can still help: they may be able to lend you a tablet." in page
    assert "I'll come back" in page
    kiosk_client.post("/kiosk/check/register", data={"come_back": "1",
                                                     "request_id": request_id(result)})
    (row,) = db["interest_registrations"].rows
    assert row["suggests"] == "[]" and row["contact_kind"] == "come_back"


def test_i_will_come_back_gives_a_reference_and_keeps_no_contact(db, kiosk_client):
    result = answer_all(kiosk_client, (True, False, True, True))
    assert "a refurbished laptop for £60" in main(result)
    assert "a free SIM card" not in main(result)
    response = kiosk_client.post("/kiosk/check/register",
                                 data={"come_back": "1", "request_id": request_id(result)})
    assert response.headers["Location"] == "/kiosk/check/thanks"
    (row,) = db["interest_registrations"].rows
    assert (row["first_name"], row["contact_kind"], row["contact"]) == (None, "come_back", None)
    page = text(kiosk_client.get("/kiosk/check/thanks"))
    assert "come back to the library desk and show this reference" in page
    assert row["reference"] in page


def test_details_left_out_get_a_message_beside_the_field_and_keep_the_typing(db,
                                                                           kiosk_client):
    answer_all(kiosk_client)
    response = kiosk_client.post("/kiosk/check/register",
                                 data={"first_name": "", "contact": "0770 90"})
    assert response.status_code == 422
    assert errors(response) == [
        ("first_name", "Please type your first name."),
        ("contact", "Please give a UK mobile number, like 07700 900123.")]
    assert 'value="0770 90"' in text(response)
    assert 'aria-describedby="first_name-error"' in text(response)
    response = kiosk_client.post("/kiosk/check/register",
                                 data={"first_name": "Joan", "contact": ""})
    assert errors(response) == [("contact", "Please type your phone number or email address.")]
    assert 'value="Joan"' in text(response)
    response = kiosk_client.post("/kiosk/check/register",
                                 data={"first_name": "Joan", "contact": "joan@example"})
    assert errors(response) == [("contact",
                                 "Please give an email address like name@example.com.")]
    assert db["interest_registrations"].count == 0
    # Still their answers: now it goes through.
    response = kiosk_client.post("/kiosk/check/register",
                                 data={"first_name": "Joan", "contact": "joan@example.com"})
    assert response.status_code == 303
    assert next(db["interest_registrations"].rows)["contact_kind"] == "email"


def test_a_double_tap_on_send_makes_one_registration(db, kiosk_client):
    rid = request_id(answer_all(kiosk_client))
    form = {"first_name": "Joan", "contact": "07700 900123", "request_id": rid}
    first = kiosk_client.post("/kiosk/check/register", data=form)
    second = kiosk_client.post("/kiosk/check/register", data=form)  # answers already wiped
    assert first.headers["Location"] == second.headers["Location"] == "/kiosk/check/thanks"
    assert db["interest_registrations"].count == 1
    assert db["audit_log"].count_where("action = 'interest.register'") == 1


def test_start_again_wipes_the_answers_and_a_late_tap_writes_nothing(db, kiosk_client):
    result = answer_all(kiosk_client)
    assert kiosk_client.get("/kiosk/reset").status_code == 302
    response = kiosk_client.post("/kiosk/check/register", data={
        "first_name": "Joan", "contact": "07700 900123", "request_id": request_id(result)})
    assert response.status_code == 422
    page = main(response)
    assert errors(response) == [("answers", interest.NEED_ANSWERS)]
    assert "Question 1 of 4" in page and "Aged 18 or over" in page  # back to the first
    assert db["interest_registrations"].count == 0 and db["audit_log"].count_where(
        "action like 'interest.%'") == 0


def test_abandoned_half_way_then_the_idle_reset_leaves_nothing(app, db, kiosk_client):
    kiosk_client.get("/kiosk/check")
    answer(kiosk_client, 1, True)
    answer(kiosk_client, 2, False)
    assert check_state(kiosk_client)["answers"] == {"sim.age_18_plus": True,
                                                    "sim.low_income": False}
    with kiosk_client.session_transaction() as session:  # nobody touched it for too long
        session["kiosk_seen"] -= app.config["KIOSK_IDLE_SECONDS"] + 1
    response = answer(kiosk_client, 3, True)
    assert response.status_code == 422
    assert errors(response) == [("answers", interest.NEED_ANSWERS)]
    assert "Question 1 of 4" in main(response)
    assert check_state(kiosk_client)["answers"] == {}
    assert db["interest_registrations"].count == 0
    # The next person starts clean from the tile.
    kiosk_client.get("/kiosk/check")
    assert "field-error" not in text(kiosk_client.get("/kiosk/check/1"))


def test_the_tile_forgets_the_last_persons_answers(kiosk_client):
    answer_all(kiosk_client)
    kiosk_client.get("/kiosk/")
    kiosk_client.get("/kiosk/check")  # the next person taps the tile
    assert check_state(kiosk_client)["answers"] == {}
    response = kiosk_client.get("/kiosk/check/result")
    assert errors(response) == [("answers", interest.NEED_ANSWERS)]


def test_no_skipping_ahead_and_no_answering_the_wrong_question(db, kiosk_client):
    kiosk_client.get("/kiosk/check")
    page = kiosk_client.get("/kiosk/check/3")
    assert errors(page) == [("answers", interest.NEED_ANSWERS)]
    assert "Question 1 of 4" in main(page)
    assert answer(kiosk_client, 3, True).status_code == 422
    assert answer(kiosk_client, 1, True, question="sim.low_income").status_code == 422
    assert kiosk_client.get("/kiosk/check/details").status_code == 200
    assert errors(kiosk_client.get("/kiosk/check/details")) == [
        ("answers", interest.NEED_ANSWERS)]
    assert kiosk_client.get("/kiosk/check/9").headers["Location"] == "/kiosk/check"
    assert kiosk_client.post("/kiosk/check/0", data={}).status_code < 500
    assert db["interest_registrations"].count == 0


def test_an_answer_that_is_not_yes_or_no_asks_again(kiosk_client):
    kiosk_client.get("/kiosk/check")
    response = kiosk_client.post("/kiosk/check/1", data={"question": QUESTIONS[0],
                                                         "answer": "maybe"})
    assert response.status_code == 422
    assert errors(response) == [("answer", "Please tap Yes or No.")]
    assert check_state(kiosk_client)["answers"] == {}


def test_back_and_change_an_answer(db, kiosk_client):
    answer_all(kiosk_client)
    assert answer(kiosk_client, 1, False).headers["Location"] == "/kiosk/check/2"
    page = main(kiosk_client.get("/kiosk/check/result"))
    assert "a free SIM card" not in page and "a refurbished laptop for £60" in page


def test_rules_changed_while_answering_start_again(db, staff, kiosk_client):
    answer_all(kiosk_client)
    eligibility.save_rule_set(db, Actor(staff, "Sam"), "device", {
        "required": "", "one_of": "Universal Credit\nPension Credit", "repeat_months": "0"})
    response = kiosk_client.post("/kiosk/check/register", data={"come_back": "1"})
    assert response.status_code == 422
    assert errors(response) == [("answers", interest.NEED_ANSWERS)]
    assert db["interest_registrations"].count == 0


def test_the_thank_you_screen_comes_from_the_session_only(db, kiosk_client):
    assert kiosk_client.get("/kiosk/check/thanks").headers["Location"] == "/kiosk/"
    answer_all(kiosk_client)
    kiosk_client.post("/kiosk/check/register", data={"come_back": "1"})
    assert kiosk_client.get("/kiosk/check/thanks").status_code == 200
    kiosk_client.get("/kiosk/reset")
    assert kiosk_client.get("/kiosk/check/thanks").headers["Location"] == "/kiosk/"


def test_the_check_in_welsh_and_urdu(kiosk_client):
    kiosk_client.get("/language/cy?next=/kiosk/")
    kiosk_client.get("/kiosk/check")
    page = main(kiosk_client.get("/kiosk/check/1"))
    assert "Ydy hyn yn berthnasol i chi?" in page and "Cwestiwn 1 o 4" in page
    assert "Aged 18 or over" not in page  # the seeded criterion, translated
    kiosk_client.get("/language/ur?next=/kiosk/check/1")
    page = text(kiosk_client.get("/kiosk/check/1"))
    assert 'dir="rtl"' in page and "کیا یہ آپ پر لاگو ہوتا ہے؟" in page


def test_check_pages_are_not_kept_by_the_browser_and_offer_start_again(kiosk_client):
    answer_all(kiosk_client)
    for url in ("/kiosk/check/1", "/kiosk/check/result", "/kiosk/check/details"):
        response = kiosk_client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        assert 'href="/kiosk/reset"' in text(response)


def test_print_is_offered_only_where_the_kiosk_can_print(app, kiosk_client):
    answer_all(kiosk_client)
    kiosk_client.post("/kiosk/check/register", data={"come_back": "1"})
    assert "data-print" not in text(kiosk_client.get("/kiosk/check/thanks"))
    app.config["KIOSK_PRINTING"] = True
    assert "data-print hidden" in text(kiosk_client.get("/kiosk/check/thanks"))


# ---------------------------------------------------------------- /i/<reference>


@pytest.fixture
def registration(db, venue):
    return interest.register(db, Actor(None, "kiosk"), venue,
                             dict.fromkeys(QUESTIONS, True),
                             {"first_name": "Joan", "contact_kind": "mobile",
                              "contact": "07700 900123"})


def test_anyone_scanning_the_code_learns_only_to_show_it_at_the_desk(app, registration):
    client = app.test_client()
    response = client.get(f"/i/{registration['reference']}")
    assert response.status_code == 200
    page = text(response)
    assert "Please show this at the library desk" in page
    assert registration["reference"] in page
    for private in ("Joan", "07700", "SIM", "laptop", "Wigan Library"):
        assert private not in main(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_reference_nobody_has_looks_the_same_and_nonsense_is_not_found(app, registration):
    client = app.test_client()
    other = "ACD-EFH" if registration["reference"] != "ACD-EFH" else "ACD-EFJ"
    assert "Please show this at the library desk" in text(client.get(f"/i/{other}"))
    assert client.get("/i/nonsense").status_code == 404
    typed = client.get(f"/i/{registration['reference'].lower().replace('-', '')}")
    assert typed.headers["Location"] == f"/i/{registration['reference']}"


def test_staff_who_scan_it_go_to_the_registration(app, staff, registration):
    client = app.test_client()
    assert sign_in_staff(client).status_code == 302
    response = client.get(f"/i/{registration['reference']}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/interest/{registration['id']}"
    other = "ACD-EFH" if registration["reference"] != "ACD-EFH" else "ACD-EFJ"
    assert client.get(f"/i/{other}").status_code == 404  # staff are told it is not there
