"""Lending and free SIMs on a volunteer's tablet, in every language the app has: axe over
every screen (with an error showing where a form can have one), touch targets of at least
44×44 px, and a whole loan by touch in Polish that ends with the loan in the database."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

import languages
import lending
from tests.browser.conftest import SYSTEM, assert_accessible, volunteer_sign_in
from tests.browser.test_tea_party_journey import TABLET
from tests.test_sims import add_stock, give

pytestmark = pytest.mark.browser

# Everything a finger can press. A checkbox or radio is pressed through its label (the
# label is the target), so the label is measured; links inside a sentence are exempt
# (WCAG 2.5.8 "inline"), as are fields the page keeps hidden.
SMALL_TARGETS = """() => {
  const found = [];
  const seen = new Set();
  document.querySelectorAll('a[href], button, input, select, textarea, summary, canvas')
    .forEach((el) => {
      if (el.type === 'hidden' || el.closest('[hidden]')) return;
      let target = el;
      if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) {
        target = el.closest('label');
      }
      if (seen.has(target)) return;
      seen.add(target);
      const box = target.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) return;  // not shown (display: none)
      if (getComputedStyle(target).visibility === 'hidden') return;
      if (target.tagName === 'A' && target.closest('p, li, td')
          && !target.classList.contains('button')) return;  // a link in a sentence
      if (box.width < 44 || box.height < 44) {
        const name = (target.getAttribute('aria-label') || target.innerText
                      || target.name || target.id || '').trim().slice(0, 40);
        found.push(`${target.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x`
                   + `${Math.round(box.height)}`);
      }
    });
  return found;
}"""


@pytest.fixture
def stock(live_server, people):
    """Two devices (one out on loan), SIMs at the tablet's venue, one SIM already given."""
    db = live_server.db()
    devices = [lending.add_device(db, SYSTEM, {"kind": "tablet",
                                               "accessories": ["charger", "case"]})
               for _ in range(2)]
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Margaret Hughes"})
    lending.check_out(db, SYSTEM, devices[1], borrower_id=borrower,
                      due_on=(lending.today() + timedelta(days=7)).isoformat(), imported=True)
    codes = add_stock(db, people["venue"], 3)
    given = give(db, people["venue"], codes[2], household={"house": "3", "postcode": "WN5 0AB"})
    db.conn.close()
    return {"devices": devices, "codes": codes, "given": given["id"]}


def tablet_page(browser, base):
    page = browser.new_context(**TABLET).new_page()
    volunteer_sign_in(page, base, "Asha", "1234")
    return page


def check(page, where, small):
    """axe, and the touch targets (collected, so one run reports every page)."""
    assert_accessible(page)
    small.extend(f"{where}: {t}" for t in page.evaluate(SMALL_TARGETS))


def test_every_screen_in_every_language(browser, live_server, stock):
    base = live_server.url
    page = tablet_page(browser, base)
    free, out = stock["devices"]
    small = []
    for language in languages.available(live_server.app):
        code = language.code
        page.goto(f"{base}/language/{code}?next=/volunteer/scan")
        expect(page.locator("html")).to_have_attribute("lang", language.tag)
        expect(page.locator("html")).to_have_attribute("dir", language.direction)
        check(page, f"{code} scan", small)
        page.locator("#scan").fill("NOPE-999")
        page.locator("#scan").press("Enter")
        expect(page.locator("#scan-error")).to_be_visible()
        check(page, f"{code} scan error", small)

        page.goto(f"{base}/volunteer/devices/{free}/check-out")
        check(page, f"{code} check-out", small)
        page.locator("#name").fill("Mary")
        page.locator("form.stack button[type=submit]").click()  # not signed
        expect(page.locator("#signature-error")).to_be_visible()
        expect(page.locator("#name")).to_have_value("Mary")
        check(page, f"{code} check-out error", small)

        page.goto(f"{base}/volunteer/devices/{out}/check-in")
        check(page, f"{code} check-in", small)

        page.goto(f"{base}/volunteer/sims/give")
        check(page, f"{code} SIM scan", small)
        page.goto(f"{base}/volunteer/sims/give?scan={stock['codes'][0]}")
        check(page, f"{code} SIM give", small)
        page.locator("form.stack button[type=submit]").click()  # nothing ticked
        expect(page.locator("#ticks-error")).to_be_visible()
        check(page, f"{code} SIM give error", small)

        page.goto(f"{base}/volunteer/sims/given/{stock['given']}")
        expect(page.locator("#given-sim")).to_be_visible()
        check(page, f"{code} SIM given", small)
    assert not small, "\n".join(small)


def draw_by_touch(page, canvas):
    """A finger signing: touch events through Chromium's DevTools protocol."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)
    x, y = box["x"] + 30, box["y"] + box["height"] * 0.6
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart",
                                          "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 12):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": x + step * 20, "y": y - (step % 3) * 12}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_loan_by_touch_in_polish(browser, live_server, stock):
    base = live_server.url
    page = tablet_page(browser, base)
    page.goto(f"{base}/language/pl?next=/volunteer/scan")
    expect(page.get_by_role("heading", name="Zeskanuj urządzenie")).to_be_visible()
    page.get_by_label("Etykieta lub oznaczenie urządzenia").tap()
    page.keyboard.type("TAB-0001")
    page.get_by_role("button", name="Dalej").tap()
    expect(page.get_by_role("heading", name=re.compile("Wypożycz TAB-0001"))).to_be_visible()
    page.get_by_label("Imię i nazwisko", exact=True).tap()
    page.keyboard.type("Zofia")
    draw_by_touch(page, page.get_by_role("img", name="Pole podpisu"))
    expect(page.locator("#signature")).not_to_have_value("")  # the finger's strokes are kept
    lend = page.get_by_role("button", name="Wypożycz TAB-0001")
    lend.tap()
    try:
        page.wait_for_url(re.compile(r"/volunteer/scan$"), timeout=3000)
    except PlaywrightTimeoutError:
        # Chromium drops a tap that comes within about half a second of a finger's drag
        # (its gesture window); a person taps again. The loan's one-time request id makes a
        # second tap safe, and the count below proves it made one loan.
        lend.tap()
    expect(page.get_by_text(re.compile("TAB-0001 jest wypożyczony do"))).to_be_visible()
    expect(page.get_by_role("heading", name="Zeskanuj urządzenie")).to_be_visible()

    db = live_server.db()
    loan = lending.open_loan(db, stock["devices"][0])
    assert loan["holder"] == "Zofia" and loan["signature"]
    assert db["loans"].count_where("device_id = ?", [stock["devices"][0]]) == 1
    db.conn.close()
