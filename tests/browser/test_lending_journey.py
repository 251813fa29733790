"""Lending through real screens in Chromium: labels printed and decoded, a wedge-scanner scan,
a signed check-out, overdue, a checklist check-in, a kiosk self-return."""

import re
from datetime import timedelta

import pymupdf
import pytest
import qrcode
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

import lending
from tests.browser.conftest import (
    SYSTEM,
    assert_accessible,
    keep_responses,
    register_kiosk,
    staff_sign_in,
)
from tests.test_device_csv import SAMPLES, needs_samples

pytestmark = pytest.mark.browser
UNSIGNED = re.compile("Please ask the borrower to sign in the box")


@pytest.fixture
def devices(live_server, people):
    db = live_server.db()
    ids = [lending.add_device(db, SYSTEM, {"kind": "tablet", "make": "Lenovo",
                                           "accessories": ["charger", "case"]})
           for _ in range(3)]
    db.conn.close()
    return ids


def decode_pdf(data: bytes) -> list[str]:
    found = []
    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        for page in pdf:
            pix = page.get_pixmap(dpi=200)
            image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            found += [r.text for r in zxingcpp.read_barcodes(image)]
    return found


def sign(page):
    """Draw a signature on the pad the way a finger would."""
    pad = page.locator("canvas.signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25,
                        box["y"] + box["height"] * (0.7 - (step % 3) * 0.15))
    page.mouse.up()


def wedge_scan(page, text):
    """A USB scanner is a keyboard: it types the code and presses Enter."""
    page.get_by_label("Device label or tag").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_label_scan_lend_overdue_and_check_in(browser, live_server, devices):
    base = live_server.url
    page = browser.new_page()
    staff_sign_in(page, base)

    # Print labels for three devices and decode every QR on the sheet.
    page.goto(base + "/staff/devices")
    for tag in ("TAB-0001", "TAB-0002", "TAB-0003"):
        page.get_by_label(f"Print a label for {tag}").check()
    page.get_by_role("button", name="Print labels for the ticked devices").click()
    page.get_by_label("Label sheet or tape").select_option("L7160")
    page.get_by_label("Start at label number").fill("4")
    printed = keep_responses(page, "**/staff/labels")
    page.get_by_role("button", name="Make the label PDF").click()
    page.wait_for_url("**/staff/labels")
    content_type, body = printed[0]
    assert content_type == "application/pdf"
    urls = decode_pdf(body)
    assert sorted(urls) == [f"{base}/d/TAB-000{i}" for i in (1, 2, 3)]

    # Scan one label as a wedge scanner would, and lend it to a resident who signs.
    page.goto(base + "/staff/scan")
    wedge_scan(page, urls[0])
    tag = urls[0].rsplit("/", 1)[1]
    expect(page.get_by_role("heading", name=re.compile(f"Lend {tag}"))).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Margaret")
    page.get_by_label("How can we remind them?").select_option("none")
    sign(page)
    page.get_by_role("button", name=f"Lend {tag}").click()
    expect(page.locator("#device-status")).to_have_text("On loan")
    expect(page.get_by_text("To Margaret")).to_be_visible()

    # Time passes: the due date goes by (moved back in the database, as a calendar would).
    db = live_server.db()
    device = lending.device_by_tag(db, tag)
    yesterday = (lending.today() - timedelta(days=1)).isoformat()
    db["loans"].update(lending.open_loan(db, device["id"])["id"], {"due_on": yesterday})
    db.conn.close()
    page.goto(base + "/staff/loans")
    expect(page.get_by_role("heading", name="Overdue (1)")).to_be_visible()
    expect(page.locator("#overdue")).to_contain_text(tag)
    expect(page.get_by_role("heading", name="Phone or write to these borrowers")).to_be_visible()

    # It comes back: scan, tick the checklist, and it is available again.
    page.goto(base + "/staff/scan")
    wedge_scan(page, tag)
    expect(page.get_by_role("heading", name=re.compile(f"Check in {tag}"))).to_be_visible()
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name=f"Check in {tag}").click()
    expect(page.locator("#device-status")).to_have_text("Available")
    expect(page.get_by_text("checked in and available to lend")).to_be_visible()

    db = live_server.db()
    loan = lending.device_loans(db, device["id"])[0]
    assert loan["closed_at"] and loan["outcome"] == "available" and loan["signature"]
    assert {r["action"] for r in db["audit_log"].rows} >= {
        "loan.check_out", "loan.check_in", "device.status"}
    db.conn.close()


def test_check_out_without_signing_keeps_the_form(browser, live_server, devices):
    base = live_server.url
    page = browser.new_page()
    staff_sign_in(page, base)
    page.goto(f"{base}/staff/devices/{devices[0]}/check-out")
    expect(page.get_by_label("Partner", exact=True)).to_be_hidden()
    page.get_by_label("A partner organisation").check()
    expect(page.get_by_label("Name", exact=True)).to_be_hidden()
    expect(page.get_by_label("Partner", exact=True)).to_be_visible()
    page.get_by_label("A resident").check()
    page.get_by_label("Name", exact=True).fill("Mary")
    page.get_by_role("button", name="Lend TAB-0001").click()
    expect(page.get_by_text(UNSIGNED)).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Mary")
    sign(page)
    page.get_by_role("button", name="Clear the signature").click()
    page.get_by_role("button", name="Lend TAB-0001").click()
    expect(page.get_by_text(UNSIGNED)).to_be_visible()
    sign(page)
    page.get_by_role("button", name="Lend TAB-0001").click()
    expect(page.locator("#device-status")).to_have_text("On loan")


def test_partner_bulk_lending_stays_on_the_page(browser, live_server, devices):
    base = live_server.url
    page = browser.new_page()
    staff_sign_in(page, base)
    db = live_server.db()
    partner = lending.add_partner(db, SYSTEM, {"name": "Wigan Age UK"})
    db.conn.close()
    page.goto(f"{base}/staff/partners/{partner}")
    for tag in ("TAB-0001", "TAB-0002"):
        wedge_scan(page, tag)
        expect(page.get_by_text(f"{tag} lent to Wigan Age UK.")).to_be_visible()
    expect(page.locator("#partner-loans caption")).to_have_text("2 devices out with Wigan Age UK")
    wedge_scan(page, "TAB-0001")
    expect(page.get_by_text("TAB-0001 is on loan, so it cannot be lent now.")).to_be_visible()
    expect(page.get_by_label("Device label or tag")).to_be_focused()


def test_kiosk_self_return_then_staff_check(browser, live_server, devices):
    base = live_server.url
    db = live_server.db()
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Margaret Hughes"})
    lending.check_out(db, SYSTEM, devices[1], borrower_id=borrower,
                      due_on=(lending.today() + timedelta(days=7)).isoformat(), imported=True)
    db.conn.close()
    kiosk = browser.new_page()
    register_kiosk(kiosk, base)
    kiosk.get_by_role("link", name="Give back a borrowed device").click()
    assert_accessible(kiosk)
    kiosk.get_by_label(re.compile("type the code")).fill("tab-0002")
    kiosk.get_by_role("button", name="Go").click()
    expect(kiosk.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(kiosk.get_by_text("Margaret")).to_have_count(0)
    assert_accessible(kiosk)

    staff = browser.new_page()
    staff_sign_in(staff, base)
    staff.goto(base + "/staff/loans")
    staff.get_by_role("link", name="Check in TAB-0002").click()
    expect(staff.get_by_text("Handed back at a kiosk")).to_be_visible()


def test_anonymous_phone_scan_sees_no_borrower(browser, live_server, devices):
    db = live_server.db()
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Margaret Hughes",
                                                 "contact_kind": "mobile",
                                                 "contact": "07700900123"})
    lending.check_out(db, SYSTEM, devices[0], borrower_id=borrower,
                      due_on=(lending.today() + timedelta(days=7)).isoformat(), imported=True)
    db.conn.close()
    phone = browser.new_page()
    phone.goto(live_server.url + "/d/TAB-0001")
    expect(phone.get_by_role("heading")).to_contain_text("belongs to Doorstep Library Service")
    body = phone.locator("body").inner_text()
    assert "Margaret" not in body and "07700" not in body
    assert_accessible(phone)


def test_lending_screens_pass_axe(browser, live_server, devices):
    base = live_server.url
    page = browser.new_page()
    staff_sign_in(page, base)
    for path in ("/staff/devices", f"/staff/devices/{devices[0]}", "/staff/scan",
                 f"/staff/devices/{devices[0]}/check-out", "/staff/loans", "/staff/partners",
                 f"/staff/labels?device={devices[0]}", "/staff/devices/new", "/staff/import",
                 "/staff/devices/kinds", "/staff/agreement"):
        page.goto(base + path)
        assert_accessible(page)


def y4m_of_qr(path, text: str, size=480, frames=10):
    """A short 'camera' video (YUV4MPEG2) of a QR code held up in front of the lens, for
    Chromium's fake capture device."""
    image = qrcode.make(text, box_size=8, border=4).convert("L").resize((size // 2, size // 2))
    canvas = Image.new("L", (size, size), 255)
    canvas.paste(image, (size // 4, size // 4))
    luma = canvas.tobytes()
    chroma = bytes([128]) * (size // 2) * (size // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


def test_volunteer_tablet_scans_with_the_camera(playwright, browser_type_launch_args,
                                                live_server, devices, tmp_path):
    video = tmp_path / "camera.y4m"
    y4m_of_qr(video, f"{live_server.url}/d/TAB-0002")
    args = dict(browser_type_launch_args)
    args["args"] = [*args["args"], "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
    browser = playwright.chromium.launch(**args)
    try:
        context = browser.new_context(permissions=["camera"], viewport={"width": 1024,
                                                                        "height": 768})
        page = context.new_page()
        page.goto(live_server.url + "/signin/volunteer")
        page.get_by_label("Your name").fill("Asha")
        page.get_by_label("PIN").fill("1234")
        page.get_by_label("Where are you today?").select_option(label="Wigan Library")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Lend or take back a device").click()
        assert_accessible(page)
        fetched = []
        page.on("request", lambda request: fetched.append(request.url))
        native = page.evaluate("'BarcodeDetector' in window")
        page.get_by_role("button", name="Use the camera").click()
        expect(page.get_by_role("heading", name=re.compile("Lend TAB-0002"))).to_be_visible(
            timeout=15000)
        # Without the browser's own BarcodeDetector the vendored jsQR did the reading.
        assert native or any(url.endswith("/js/jsQR-1.4.0.js") for url in fetched)
        page.get_by_label("Name", exact=True).fill("Joan")
        sign(page)
        page.get_by_role("button", name="Lend TAB-0002").click()
        expect(page.get_by_text(re.compile("TAB-0002 is on loan until"))).to_be_visible()
        assert_accessible(page)
    finally:
        browser.close()


@needs_samples
def test_import_the_snipe_it_sample_through_the_screens(browser, live_server, people):
    base = live_server.url
    page = browser.new_page()
    staff_sign_in(page, base)
    page.goto(base + "/staff/import")
    page.get_by_label("Devices file (Snipe-IT assets CSV)").set_input_files(
        str(SAMPLES / "assets-sample.csv"))
    page.get_by_role("button", name="Check the devices file").click()
    expect(page.get_by_role("button", name="Import 22 rows")).to_be_visible()
    db = live_server.db()
    assert db["devices"].count == 0  # the preview wrote nothing
    db.conn.close()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_label("Devices file (Snipe-IT assets CSV)").set_input_files(
        str(SAMPLES / "assets-sample.csv"))
    page.get_by_role("button", name="Check the devices file").click()
    page.get_by_role("button", name="Import 22 rows").click()
    expect(page.get_by_text(re.compile("Imported 22 devices"))).to_be_visible()
    db = live_server.db()
    assert db["devices"].count == 22 and db["loans"].count == 9
    db.conn.close()
