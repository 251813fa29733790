"""The donated-device screens through the test client: a donated laptop through wipe and
refurbishment to a £60 sale, the impact page stating its factor version, labels, and the
public page a label opens."""

import pymupdf
import pytest
import zxingcpp

import lending
from audit import Actor
from giveaways import carbon, refurb
from tests.test_refurb import BENEFIT, donate, ready

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")


def text(response):
    return response.get_data(as_text=True)


def test_a_donated_laptop_is_wiped_refurbished_and_sold_for_60(staff_client, db, venue):
    page = staff_client.get("/staff/refurb/donations/new")
    assert "Record the donation" in text(page)
    done = staff_client.post("/staff/refurb/donations/new", data={
        "donor": "Acme Ltd", "donor_kind": "business", "received_on": "2026-11-02",
        "venue_id": str(venue), "count_laptop": "1", "count_tablet": "2"})
    assert done.status_code == 303
    board = text(staff_client.get(done.location))
    assert "Recorded 3 donated devices: REF-0001 to REF-0003." in board
    laptop = refurb.get_device(db, next(d["id"] for d in refurb.devices(db, kind_slug="laptop")))
    url = f"/staff/refurb/{laptop['id']}"
    assert "Record the wipe" in text(staff_client.get(url))

    assert staff_client.post(url + "/wipe", data={"method": "nwipe",
                                                  "certificate": "NW-77"}).status_code == 303
    assert "Record the refurbishment" in text(staff_client.get(url))
    staff_client.post(url + "/refurb", data={"grade": "A", "licence": "windows_refurb",
                                             "notes": "New SSD"})
    assert "Mark it ready" in text(staff_client.get(url))
    staff_client.post(url + "/ready")
    form = text(staff_client.get(url))
    assert 'value="60.00"' in form and "Universal Credit" in form
    request_id = form.split('name="request_id" value="')[1].split('"')[0]
    sold = staff_client.post(url + "/allocate", data={
        "outcome": "sold", "price": "60.00", "payment_method": "card",
        "ticks": ["pension_credit"], "request_id": request_id}, follow_redirects=True)
    shown = text(sold)
    assert f"{laptop['asset_tag']} is sold." in shown and "for £60.00 (Card)" in shown
    assert db["refurb_allocations"].get(1)["price_pence"] == 6000

    impact = text(staff_client.get("/staff/refurb/impact"))
    assert '<dd id="fig-sold">1</dd>' in impact and "£60.00" in impact
    assert '<dd id="fig-co2e">248.0 kg CO2e</dd>' in impact
    assert "Factors: version 1 (2026-11-01)" in impact
    assert "Carbon factors version 1, dated 2026-11-01: Boavizta" in impact


def test_a_bad_step_keeps_what_was_typed(staff_client, db):
    laptop = donate(db, laptop=1)[0]
    page = staff_client.post(f"/staff/refurb/{laptop}/wipe", data={"method": "blancco",
                                                                   "certificate": ""})
    assert page.status_code == 422
    html = text(page)
    assert "Please fill in the wipe certificate reference." in html
    assert 'value="blancco" selected' in html


def test_selling_before_the_wipe_is_refused(staff_client, db):
    laptop = donate(db, laptop=1)[0]
    page = staff_client.post(f"/staff/refurb/{laptop}/allocate",
                             data={"outcome": "sold", **BENEFIT}, follow_redirects=True)
    assert "Record the data wipe first" in text(page)
    assert db["refurb_allocations"].count == 0


def test_the_impact_page_shows_an_older_version_on_request(staff_client, db):
    ids = donate(db, laptop=1)
    ready(db, ids[0])
    refurb.allocate(db, ACTOR, ids[0], "sold", BENEFIT)
    form = carbon.factor_form(carbon.current_set(db))
    form.update(co2e_laptop="69", source="PUC (TU Berlin model)", source_date="2027-02-01")
    saved = staff_client.post("/staff/refurb/carbon", data=form, follow_redirects=True)
    assert "Saved carbon factors version 2" in text(saved)
    assert "Version 1" in text(saved) and "Version 2 (in use)" in text(saved)
    now = text(staff_client.get("/staff/refurb/impact"))
    assert '<dd id="fig-co2e">69.0 kg CO2e</dd>' in now and "Factors: version 2 (2027-02-01)" in now
    assert "Carbon factors version 2, dated 2027-02-01: PUC (TU Berlin model)" in now
    old = text(staff_client.get("/staff/refurb/impact?version=1"))
    assert '<dd id="fig-co2e">248.0 kg CO2e</dd>' in old and "Factors: version 1" in old


def test_a_course_reward_starts_from_the_learner(staff_client, db, venue):
    import learners
    learner = learners.add_learner(db, ACTOR, {"first_name": "Lena", "consent_keep": "yes"},
                                   venue)
    laptop = ready(db, donate(db, laptop=1)[0])
    page = text(staff_client.get(f"/staff/refurb/reward/{learner}"))
    assert "Give REF-0001" in page
    form = text(staff_client.get(f"/staff/refurb/{laptop}?outcome=gifted&gift_reason="
                                 f"course_completion&learner_id={learner}"))
    assert "Learner: <strong>Lena</strong>" in form
    staff_client.post(f"/staff/refurb/{laptop}/allocate", data={
        "outcome": "gifted", "gift_reason": "course_completion", "course": "Online basics",
        "learner_id": str(learner)})
    assert db["refurb_allocations"].get(1)["learner_id"] == learner


def test_labels_decode_to_the_public_device_page(app, staff_client, db):
    app.config["PUBLIC_BASE_URL"] = "https://doorstep.example"
    ids = donate(db, laptop=2)
    choose = text(staff_client.get(f"/staff/refurb/labels?device={ids[0]}&device={ids[1]}"))
    assert "REF-0001" in choose and "REF-0002" in choose
    pdf = staff_client.post("/staff/refurb/labels", data={
        "device": [str(i) for i in ids], "format": "L7160", "start_at": "1",
        "offset_x": "0", "offset_y": "0"})
    assert pdf.headers["Content-Type"] == "application/pdf"
    page = pymupdf.open(stream=pdf.data, filetype="pdf")[0]
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY, alpha=False)
    image = memoryview(pix.samples).cast("B", (pix.height, pix.width))
    found = {c.text for c in zxingcpp.read_barcodes(image)}
    assert found == {"https://doorstep.example/d/REF-0001", "https://doorstep.example/d/REF-0002"}


def test_a_scanned_refurb_label_says_nothing_about_who_has_it(app, staff_client, db):
    laptop = ready(db, donate(db, laptop=1)[0])
    refurb.allocate(db, ACTOR, laptop, "sold", BENEFIT)
    page = app.test_client().get("/d/REF-0001")
    assert page.status_code == 200
    html = text(page)
    assert "was refurbished by" in html and "Universal Credit" not in html
    assert staff_client.get("/d/ref-0001").location.endswith(f"/staff/refurb/{laptop}")


def test_a_lent_device_joins_the_lending_library(staff_client, db):
    laptop = ready(db, donate(db, laptop=1)[0])
    staff_client.post(f"/staff/refurb/{laptop}/allocate", data={"outcome": "lent"})
    device = lending.device_by_tag(db, "REF-0001")
    assert device["status"] == "available"
    assert "REF-0001" in text(staff_client.get("/staff/devices"))
    assert staff_client.get("/d/REF-0001").location.endswith(f"/staff/devices/{device['id']}")


def test_the_board_counts_each_stage(staff_client, db):
    ids = donate(db, laptop=2, phone=1)
    ready(db, ids[0])
    board = text(staff_client.get("/staff/refurb"))
    assert '<dd id="stage-received">2</dd>' in board and '<dd id="stage-ready">1</dd>' in board
    only = text(staff_client.get("/staff/refurb?stage=ready"))
    assert "1 device" in only
