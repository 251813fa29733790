"""What's on: the kiosk's list of coming sessions here and nearby, its QR code, and the
same list on a phone."""

import re

import pymupdf
import pytest
import zxingcpp
from PIL import Image

import lending
import tea_parties
from audit import Actor
from kiosk.whats_on import qr_code

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")
TOMORROW = (lending.today() + lending.timedelta(days=1)).isoformat()


def text(response) -> str:
    return response.get_data(as_text=True)


def plan(db, venue_id, title, **overrides) -> int:
    form = {"title": title, "kind": "tea_party", "venue": str(venue_id), "repeat": "none",
            "first_day": TOMORROW, "starts": "14:00", "ends": "16:00",
            "volunteer_slots": "2", "description": "Cake and help with phones."}
    form.update(overrides)
    series_id = tea_parties.create_series(db, ACTOR, form)
    return next(db["sessions"].rows_where("series_id = ?", [series_id]))["id"]


@pytest.fixture
def listed(db, venue, other_venue):
    """Wigan (the kiosk's venue) and Leigh share the WN area; Bolton (BL) is not near."""
    db["venues"].update(venue, {"postcode": "WN1 1NH",
                                "accessibility": "Step-free entrance on Library St."})
    db["venues"].update(other_venue, {"postcode": "WN7 1EB"})
    bolton = db["venues"].insert({"name": "Bolton Library", "postcode": "BL1 1SE"}).last_pk
    ids = {"here": plan(db, venue, "Wigan tech tea party"),
           "near": plan(db, other_venue, "Leigh tablet drop-in", kind="drop_in"),
           "far": plan(db, bolton, "Bolton club"),
           "cancelled": plan(db, venue, "Wigan Friday club", starts="10:00", ends="11:00")}
    tea_parties.cancel_session(db, ACTOR, ids["cancelled"], "Mary the organiser is ill")
    return ids


def test_what_s_on_needs_a_registered_kiosk(app, db, venue):
    page = app.test_client().get("/kiosk/whats-on")
    assert page.status_code == 403 and "not set up as a kiosk" in text(page)


def test_the_start_screen_has_a_big_what_s_on_button(kiosk_client):
    page = text(kiosk_client.get("/kiosk/"))
    assert re.search(r'<a class="button big secondary" href="/kiosk/whats-on">', page)


def test_the_kiosk_lists_here_first_then_nearby(kiosk_client, listed):
    page = text(kiosk_client.get("/kiosk/whats-on"))
    assert "What's on" in page and "Back to the start" in page
    here, nearby = page.index("Here at Wigan Library"), page.index("Other places near here")
    assert here < page.index("Wigan tech tea party") < nearby < page.index("Leigh Library")
    assert page.index("Leigh Library") < page.index("Leigh tablet drop-in")
    assert "Tomorrow</strong>, 14:00 to 16:00" in page
    assert "Step-free entrance on Library St." in page and "WN1 1NH" in page
    assert "Bolton" not in page
    assert "<strong>Cancelled:</strong> <s>Wigan Friday club</s>" in page
    assert "Mary" not in page  # why a date is cancelled is for staff only


def svg_payload(page: str) -> str:
    """Draw the page's inline SVG QR code with MuPDF and read it back as a phone would."""
    svg = re.search(r"<svg [^>]*role=\"img\".*?</svg>", page, re.S)[0]
    pixmap = pymupdf.open(stream=svg.encode(), filetype="svg")[0].get_pixmap(dpi=150)
    image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
    return zxingcpp.read_barcodes(image)[0].text


def test_the_qr_code_opens_the_phone_page(kiosk_client, venue, listed):
    page = text(kiosk_client.get("/kiosk/whats-on"))
    url = f"http://localhost/whats-on/{venue}"
    assert svg_payload(page) == url
    assert f'aria-label="QR code that opens {url}"' in page
    assert f"<strong>localhost/whats-on/{venue}</strong>" in page
    assert "<script" not in page.split("</head>")[1]


def test_the_qr_code_uses_the_public_address_when_set(app, kiosk_client, venue):
    app.config["PUBLIC_BASE_URL"] = "https://doorstep.example.gov.uk/"
    page = text(kiosk_client.get("/kiosk/whats-on"))
    assert svg_payload(page) == f"https://doorstep.example.gov.uk/whats-on/{venue}"
    assert f"<strong>doorstep.example.gov.uk/whats-on/{venue}</strong>" in page


def test_the_qr_payload_decodes_from_a_pil_rendering():
    url = "https://doorstep.example.gov.uk/whats-on/42"
    image = qr_code(url).make_image().get_image().convert("RGB")
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_a_closed_venue_s_kiosk_has_no_qr_code(kiosk_client, db, venue):
    db["venues"].update(venue, {"active": 0})
    page = text(kiosk_client.get("/kiosk/whats-on"))
    assert "Nothing planned here in the next 14 days." in page and "<svg " not in \
        page.split("What's on</h1>")[1]


def whats_on_part(page: str) -> str:
    return page[page.index('<section class="whats-on"'):page.rindex("</section>")]


def test_the_phone_page_shows_the_same_list_to_anyone(app, kiosk_client, venue, listed):
    phone = app.test_client().get(f"/whats-on/{venue}")
    assert phone.status_code == 200
    page = text(phone)
    assert "What's on near Wigan Library" in page and 'name="viewport"' in page
    assert whats_on_part(page) == whats_on_part(text(kiosk_client.get("/kiosk/whats-on")))
    assert "Mary" not in page


def test_the_phone_page_is_only_for_open_venues(app, db, venue):
    client = app.test_client()
    assert client.get("/whats-on/999").status_code == 404
    db["venues"].update(venue, {"active": 0})
    assert client.get(f"/whats-on/{venue}").status_code == 404
