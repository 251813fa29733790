"""Learner cards as a printer and a scanner see them: a credit-card-size page whose only QR
decodes to exactly <base>/l/<code>, with the name and the code printed to type by hand."""

import pytest

import labels
import learners
from audit import Actor
from tests.test_labels import MM_PER_PT, open_pdf, scan

pytestmark = pytest.mark.usefixtures("fast_hashing")
BASE = "https://doorstep.example"


def card(code="ABCD2345", name="Mary", url=None, service="Anytown Council Digital Help",
         phone="01632 960 123"):
    return labels.learner_card_pdf(code, name, url or f"{BASE}/l/{code}", service, phone)


def test_the_card_is_id1_size_with_one_qr_of_the_url():
    doc = open_pdf(card())
    assert len(doc) == 1
    page = doc[0]
    assert round(page.rect.width * MM_PER_PT, 2) == 85.60
    assert round(page.rect.height * MM_PER_PT, 2) == 53.98
    found = scan(page, dpi=300)
    assert list(found) == [f"{BASE}/l/ABCD2345"]
    x0, y0, x1, y1 = found[f"{BASE}/l/ABCD2345"]
    assert x0 >= 3 and y0 >= 3 and y1 <= 53.98 - 3 and x1 < 85.60 / 2 + 1  # the left half


def test_the_name_and_code_are_printed_to_type_if_scanning_fails():
    text = open_pdf(card())[0].get_text()
    for words in ("Mary", "ABCD 2345", "Card code", "Anytown Council Digital Help",
                  "01632 960 123"):
        assert words in text


@pytest.mark.parametrize("name", ["Bartholomew-Maximilian", "Siân", "李", "x" * 40])
def test_long_or_unusual_names_stay_on_the_card(name):
    page = open_pdf(card(name=name))[0]
    for block in page.get_text("dict")["blocks"]:
        x0, y0, x1, y1 = block["bbox"]
        assert x1 * MM_PER_PT <= 85.60 - 3.9 and y1 * MM_PER_PT <= 53.98
    assert scan(page, dpi=300)


def test_the_card_served_to_a_volunteer_decodes_to_the_public_base(app, db, venue, volunteer,
                                                                   volunteer_client):
    app.config["PUBLIC_BASE_URL"] = BASE + "/"
    learner_id = learners.add_learner(db, Actor(volunteer, "Asha"),
                                      {"first_name": "Joan", "consent_keep": "yes"}, venue)
    code = learners.get_learner(db, learner_id)["card_code"]
    response = volunteer_client.get(f"/volunteer/learners/{learner_id}/card.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    page = open_pdf(response.data)[0]
    assert list(scan(page, dpi=300)) == [f"{BASE}/l/{code}"]  # nothing personal in the QR
    assert "Joan" in page.get_text()


def test_without_a_public_base_the_card_uses_this_site(app, db, venue, staff, staff_client):
    learner_id = learners.add_learner(db, Actor(staff, "Sam"),
                                      {"first_name": "Joan", "consent_keep": "yes"}, venue)
    code = learners.get_learner(db, learner_id)["card_code"]
    page = open_pdf(staff_client.get(f"/staff/learners/{learner_id}/card.pdf").data)[0]
    assert list(scan(page, dpi=300)) == [f"http://localhost/l/{code}"]
    assert staff_client.get("/staff/learners/999/card.pdf").status_code == 404
