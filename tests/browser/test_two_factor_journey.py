"""A second factor through real screens in Chromium: a staff member sets up an authenticator
app from their security page (the QR code scans; the typed key works), keeps the recovery
codes, signs out, and signs in again with password and code; a wrong code is explained
beside the field."""

import io
import re
from datetime import UTC, datetime

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, staff_sign_in

pytestmark = pytest.mark.browser
CODE_AT_SIGN_IN = "Enter the 6-digit code from your authenticator app"


def test_staff_set_up_a_second_factor_and_sign_in_with_it(browser, live_server, people):
    base = live_server.url
    page = browser.new_context().new_page()
    staff_sign_in(page, base)
    expect(page.get_by_role("button", name="Sign out Sam Staff")).to_be_visible()

    page.goto(base + "/staff/people")
    page.get_by_role("link", name="Your sign-in security").click()
    expect(page.get_by_role("heading", name="Your sign-in security")).to_be_visible()
    expect(page.get_by_text("Your second factor is off")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Set up a second factor").click()
    expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
    assert_accessible(page)
    # The key typed out for a person, in groups of four, and the QR code carrying the same.
    typed = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", typed), typed
    secret = typed.replace(" ", "")
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())).convert("L"))
    assert [r.text for r in scanned] == [
        f"otpauth://totp/Doorstep%20Library%20Service:sam?secret={secret}"
        "&issuer=Doorstep%20Library%20Service"]

    page.get_by_label("Type the 6-digit code your app now shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Switch on my second factor").click()
    expect(page.get_by_role("heading", name="Your second factor is on")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(8)
    assert_accessible(page)
    page.get_by_role("link", name="I have kept my codes").click()
    expect(page.get_by_text("8 unused recovery codes")).to_be_visible()

    page.get_by_role("button", name="Sign out Sam Staff").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    # Password first, then the code: a wrong one is explained beside the field.
    staff_sign_in(page, base)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    code_field = page.get_by_label(CODE_AT_SIGN_IN)
    right = next_code(live_server, secret)
    code_field.fill(f"{(int(right) + 500000) % 1000000:06d}")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_have_text(re.compile("That code is not right"))
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(code_field).to_have_attribute("aria-describedby", "code-error code-hint")
    expect(page.get_by_role("button", name="Sign out Sam Staff")).to_have_count(0)
    assert_accessible(page)

    code_field.fill(right)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out Sam Staff")).to_be_visible()
    assert page.url == base + "/staff/"


def next_code(live_server, secret: str) -> str:
    """The code an authenticator app shows now, or the next one when the one showing now was
    already used to switch the second factor on (a code works only once)."""
    db = live_server.db()
    (last,) = [u["totp_last_step"] for u in db["users"].rows_where("username = 'sam'")]
    db.conn.close()
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(max(last + 1, totp.timecode(datetime.now(UTC))))
