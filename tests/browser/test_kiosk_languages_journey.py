"""The kiosk for everyone, by touch in real Chromium: the whole journey in Urdu (right to
left, checked on the screen's geometry), bigger text and high contrast, "Are you still
there?" before the idle reset, read aloud, axe and 64 px targets on every screen in every
language, at most 3 taps per task (besides one a question in the eligibility check), and
the first page's weight."""

import contextlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

import auth
import help_desk
import languages
import lending
import tea_parties
from audit import Actor
from tests.browser.conftest import SYSTEM, LiveServer, assert_accessible
from tests.conftest import make_app

pytestmark = pytest.mark.browser
KIOSK = {"width": 1080, "height": 1920}
FIRST_LOAD_LIMIT = 60 * 1024

# Every control a person can reach on a kiosk screen, and which of them are too small.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter(e => { const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                 return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; })
  .filter(e => { const r = e.getBoundingClientRect(); return r.width < 64 || r.height < 64; })
  .map(e => `${Math.round(e.getBoundingClientRect().width)}x`
            + `${Math.round(e.getBoundingClientRect().height)} ${e.outerHTML.slice(0, 100)}`)"""

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 321 || e.getBoundingClientRect().left < -1)
  .map(e => e.tagName + '.' + e.className).slice(0, 8)"""

FIRST_LOAD_BYTES = """() => [...performance.getEntriesByType('navigation'),
                          ...performance.getEntriesByType('resource')]
  .reduce((sum, entry) => sum + entry.transferSize, 0)"""


@contextlib.contextmanager
def serving(tmp_path, **config):
    """The app on a loopback port, CSRF on, with this test's kiosk settings."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, KIOSK_POLL_SECONDS=1, TESTING=False,
                   **config)
    server = LiveServer(app)
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.thread.join(timeout=5)


@pytest.fixture
def server(tmp_path):
    with serving(tmp_path) as live:
        yield live


def set_up_kiosk(server) -> str:
    """A venue with a tea party tomorrow, and a kiosk registered there: its cookie value."""
    db = server.db()
    venue = db["venues"].insert({"name": "Wigan Library", "postcode": "WN1 1NH"}).last_pk
    tomorrow = (lending.today() + timedelta(days=1)).isoformat()
    tea_parties.create_series(db, SYSTEM, {
        "title": "Tech tea party", "kind": "tea_party", "venue": str(venue), "repeat": "none",
        "first_day": tomorrow, "starts": "14:00", "ends": "16:00", "volunteer_slots": "2"})
    token = auth.register_kiosk(db, "Front desk", venue, SYSTEM)
    db.conn.close()
    return token


def lend_devices(server, count: int) -> list[str]:
    """Devices out on loan, so there is something to give back: their asset tags."""
    db = server.db()
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Margaret Hughes"})
    tags = []
    for _ in range(count):
        device = lending.add_device(db, SYSTEM, {"kind": "tablet"})
        lending.check_out(db, SYSTEM, device, borrower_id=borrower, imported=True,
                          due_on=(lending.today() + timedelta(days=7)).isoformat())
        tags.append(lending.get_device(db, device)["asset_tag"])
    db.conn.close()
    return tags


def kiosk_page(browser, server, token, **context_options):
    context = browser.new_context(has_touch=True, viewport=context_options.pop("viewport", KIOSK),
                                  **context_options)
    context.add_cookies([{"name": auth.KIOSK_COOKIE, "value": token, "url": server.url}])
    return context.new_page()


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found, locator
    return found


def direction(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('main')).direction")


def start_heading(page):
    return page.get_by_role("heading", level=1)


def test_the_whole_kiosk_journey_in_urdu_by_touch(browser, server):
    token = set_up_kiosk(server)
    (tag,) = lend_devices(server, 1)
    page = kiosk_page(browser, server, token)
    page.goto(server.url + "/kiosk/")
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    assert direction(page) == "ltr"
    english = {"brand": box(page.locator(".brand")),
               "start": box(page.get_by_role("link", name="Start again"))}
    assert english["brand"]["x"] < english["start"]["x"]

    # Urdu, by its own name: the whole screen turns round.
    page.get_by_role("link", name="اردو").tap()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    assert direction(page) == "rtl"
    expect(page.get_by_role("heading", name="آپ کو کس چیز میں مدد چاہیے؟")).to_be_visible()
    start_again = page.get_by_role("link", name="دوبارہ شروع کریں")
    urdu = {"brand": box(page.locator(".brand")), "start": box(start_again)}
    assert urdu["brand"]["x"] > urdu["start"]["x"]  # brand on the right, Start again on the left
    assert urdu["start"]["x"] < english["brand"]["x"] + english["brand"]["width"]
    tiles = page.locator(".tile")
    first, second = box(tiles.nth(0)), box(tiles.nth(1))
    assert abs(first["y"] - second["y"]) < 2 and first["x"] > second["x"]  # right to left
    expect(page.get_by_role("link", name="اردو")).to_have_attribute("aria-current", "true")

    # What's on, in Urdu, and back.
    page.get_by_role("link", name=re.compile("کیا ہو رہا ہے")).tap()
    expect(page.get_by_role("heading", name="کیا ہو رہا ہے")).to_be_visible()
    expect(page.get_by_role("list", name="یہیں، Wigan Library میں")).to_contain_text(
        "Tech tea party")
    expect(page.locator(".card .when")).to_contain_text("14:00 سے 16:00 تک")
    page.get_by_role("link", name="شروع پر واپس جائیں").tap()

    # Ask for help: a topic, a name, a ticket.
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator(".tile").first.tap()
    expect(page.get_by_role("heading", name="ہم آپ کو کس نام سے پکاریں؟")).to_be_visible()
    page.get_by_label("پہلا نام یا عرفی نام").fill("نسرین")
    page.get_by_role("button", name="میرا ٹکٹ دیں").tap()
    expect(page.get_by_role("heading", name=re.compile("آپ کا نمبر ہے"))).to_contain_text("1")
    expect(page.get_by_text("قطار میں اگلی باری آپ کی ہے۔")).to_be_visible()
    db = server.db()
    (row,) = db["tickets"].rows
    assert row["name"] == "نسرین" and row["source"] == "kiosk"
    db.conn.close()

    # Start again: the next person gets the council's default language.
    page.get_by_role("link", name="دوبارہ شروع کریں").tap()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert direction(page) == "ltr"

    # Give back a borrowed device, in Urdu.
    page.get_by_role("link", name="اردو").tap()
    page.get_by_role("link", name="ادھار لیا ہوا آلہ واپس کریں").tap()
    expect(page.get_by_role("heading", name="ادھار لیا ہوا آلہ واپس کریں")).to_be_visible()
    page.get_by_label(re.compile("اسٹیکر کے نیچے لکھا کوڈ")).fill(tag.lower())
    page.get_by_role("button", name="آگے").tap()
    expect(page.get_by_role("heading", name="شکریہ!")).to_be_visible()
    expect(page.get_by_text(tag)).to_be_visible()
    expect(page.get_by_text("Margaret")).to_have_count(0)
    db = server.db()
    assert next(db["loans"].rows)["returned_via"] == "kiosk"
    db.conn.close()
    page.get_by_role("link", name="دوبارہ شروع کریں").tap()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")


def font_size(page, selector="main h1") -> float:
    page.wait_for_load_state()  # the style sheets too
    return page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{selector}'))"
                         ".fontSize)")


def test_bigger_text_and_high_contrast_last_until_start_again(browser, server):
    token = set_up_kiosk(server)
    page = kiosk_page(browser, server, token)
    page.goto(server.url + "/kiosk/")
    page.get_by_role("link", name="Email").tap()
    page.get_by_label("First name or nickname").fill("Joan")
    normal = {"h1": font_size(page), "lead": font_size(page, "main .lead")}

    bigger = page.get_by_role("button", name="Bigger text")
    expect(bigger).to_have_attribute("aria-pressed", "false")
    with page.expect_response(re.compile("/kiosk/view")):
        bigger.tap()
    expect(bigger).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-bigger\b"))
    assert font_size(page) >= 1.25 * normal["h1"]
    assert font_size(page, "main .lead") >= 1.25 * normal["lead"]
    expect(page.get_by_label("First name or nickname")).to_have_value("Joan")  # kept in place

    high = page.get_by_role("button", name="High contrast")
    with page.expect_response(re.compile("/kiosk/view")):
        high.tap()
    expect(high).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class(re.compile(r"\bcontrast-high\b"))
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(0, 0, 0)"
    expect(page.get_by_label("First name or nickname")).to_have_value("Joan")
    assert_accessible(page)

    # The next screen keeps both.
    page.get_by_role("button", name="Get my ticket").tap()
    expect(page.get_by_role("heading", name=re.compile("Your number is"))).to_be_visible()
    expect(page.locator("html")).to_have_class(re.compile(r"text-bigger.*contrast-high"))
    expect(page.get_by_role("button", name="Bigger text")).to_have_attribute("aria-pressed",
                                                                            "true")
    assert_accessible(page)

    # Tapped again: off, and off on the next screen too.
    with page.expect_response(re.compile("/kiosk/view")):
        page.get_by_role("button", name="High contrast").tap()
    expect(page.locator("html")).not_to_have_class(re.compile("contrast-high"))
    page.get_by_role("link", name="Start again").tap()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    expect(page.locator("html")).not_to_have_class(re.compile("text-bigger|contrast-high"))
    page.get_by_role("link", name="Email").tap()
    expect(page.get_by_role("heading", name="What should we call you?")).to_be_visible()
    assert font_size(page) == pytest.approx(normal["h1"])


def test_a_narrow_screen_in_urdu_with_bigger_text_does_not_scroll_sideways(browser, server):
    token = set_up_kiosk(server)
    page = kiosk_page(browser, server, token, viewport={"width": 320, "height": 640})
    page.goto(server.url + "/language/ur?next=/kiosk/")
    with page.expect_response(re.compile("/kiosk/view")):
        page.get_by_role("button", name="بڑا متن").tap()
    for url in ("/kiosk/", "/kiosk/name?topic=email", "/kiosk/whats-on", "/kiosk/return",
                "/kiosk/check/1", "/kiosk/check/3"):  # the check's first question; with a message
        page.goto(server.url + url)
        expect(page.locator("html")).to_have_class(re.compile("text-bigger"))
        page.wait_for_load_state()
        wide = page.evaluate("document.scrollingElement.scrollWidth")
        assert wide <= 320, (url, wide, page.evaluate(WIDEST))
        assert page.evaluate(SMALL_TARGETS) == [], url


def test_are_you_still_there_then_the_reset(browser, tmp_path):
    with serving(tmp_path, KIOSK_IDLE_SECONDS=6, KIOSK_WARNING_SECONDS=4) as live:
        token = set_up_kiosk(live)
        page = kiosk_page(browser, live, token)
        page.goto(live.url + "/kiosk/")
        page.get_by_role("link", name="Video calls").tap()
        page.get_by_label("First name or nickname").fill("Rita")
        dialog = page.get_by_role("dialog", name="Are you still there?")
        expect(dialog).to_be_visible(timeout=5000)
        expect(dialog.locator("[data-countdown]")).to_have_text(re.compile(r"Seconds left: \d"))
        expect(dialog.get_by_role("status")).to_have_text(re.compile(r"Seconds left: \d"))
        dialog.get_by_role("button", name="Yes, I'm still here").tap()
        expect(dialog).to_be_hidden()
        expect(page.get_by_label("First name or nickname")).to_have_value("Rita")

        # Still their session on the server too: the ticket goes through with Rita's name.
        page.get_by_role("button", name="Get my ticket").tap()
        expect(page.get_by_role("heading", name=re.compile("Your number is"))).to_be_visible()
        db = live.db()
        assert db["tickets"].get(1)["name"] == "Rita"
        db.conn.close()

        # Nobody answers: the screen starts again for the next person.
        expect(dialog).to_be_visible(timeout=5000)
        expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible(
            timeout=8000)
        expect(page.get_by_text("Rita")).to_have_count(0)


SPEECH_STUB = """(voices) => {
  window.spoken = []; window.cancelled = 0;
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = '';
                                                       this.voice = null; };
  const synth = {
    getVoices: () => voices.map(lang => ({lang, name: 'Voice ' + lang, voiceURI: lang,
                                          localService: true, default: false})),
    speak: (u) => window.spoken.push({text: u.text, lang: u.lang,
                                      voice: u.voice && u.voice.lang}),
    cancel: () => { window.cancelled += 1; },
    addEventListener: () => {}, removeEventListener: () => {},
  };
  Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
}"""


def speech_page(browser, server, token, voices):
    page = kiosk_page(browser, server, token)
    page.add_init_script(f"({SPEECH_STUB})({voices!r})")
    return page


def test_read_aloud_speaks_the_step_in_urdu(browser, server):
    token = set_up_kiosk(server)
    page = speech_page(browser, server, token, ["en-GB", "ur-PK"])
    page.goto(server.url + "/kiosk/")
    page.get_by_role("link", name="اردو").tap()
    read = page.get_by_role("button", name="بلند آواز سے پڑھیں")
    expect(read).to_be_visible()
    read.tap()
    expect(read).to_have_attribute("aria-pressed", "true")
    (spoken,) = page.evaluate("window.spoken")
    assert spoken["lang"] == "ur" and spoken["voice"] == "ur-PK"
    assert spoken["text"].startswith("آپ کو کس چیز میں مدد چاہیے؟")
    assert "کسی ایک پر ٹیپ کریں" in spoken["text"]  # the lead text
    read.tap()  # again: stop
    expect(read).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.cancelled") >= 1


def test_read_aloud_does_not_pretend_without_a_voice(browser, server):
    token = set_up_kiosk(server)
    page = speech_page(browser, server, token, ["en-GB"])
    page.goto(server.url + "/kiosk/")
    expect(page.get_by_role("button", name="Read aloud")).to_be_visible()
    page.get_by_role("link", name="اردو").tap()
    expect(page.locator("[data-read-aloud]")).to_be_hidden()
    expect(page.get_by_text("اس زبان میں بلند آواز سے پڑھنے کی سہولت موجود نہیں۔")).to_be_visible()

    silent = kiosk_page(browser, server, token)  # a browser with no speech synthesis at all
    silent.add_init_script("Object.defineProperty(window, 'speechSynthesis', "
                           "{value: undefined, configurable: true})")
    silent.goto(server.url + "/kiosk/")
    expect(silent.locator("[data-read-aloud]")).to_be_hidden()
    expect(silent.locator("[data-no-voice]")).to_be_hidden()


def check(page, where: str):
    assert_accessible(page)
    assert page.evaluate(SMALL_TARGETS) == [], where


def test_every_kiosk_screen_in_every_language_passes_axe_with_big_targets(browser, server):
    token = set_up_kiosk(server)
    found = languages.available(server.app)
    tags = lend_devices(server, len(found))
    base = server.url
    for lang, tag in zip(found, tags, strict=True):
        page = kiosk_page(browser, server, token)
        page.clock.install()
        page.goto(f"{base}/language/{lang.code}?next=/kiosk/")
        expect(page.locator("html")).to_have_attribute("lang", lang.tag)
        check(page, f"{lang.code} start")
        page.locator(".tile").first.tap()
        expect(page.locator("#name")).to_be_visible()
        check(page, f"{lang.code} name")
        page.locator("#name").evaluate("(input, text) => { input.removeAttribute('maxlength');"
                                       " input.value = text; }", "x" * 60)
        page.locator("main form button[type=submit]").first.tap()
        expect(page.locator("#name-error")).to_be_visible()
        check(page, f"{lang.code} name with an error")
        page.locator("#name").fill("Sam")
        page.locator("main form button[type=submit]").first.tap()
        expect(page.locator(".ticket-number strong")).to_be_visible()
        check(page, f"{lang.code} ticket")
        page.goto(f"{base}/kiosk/whats-on")
        check(page, f"{lang.code} what's on")
        page.goto(f"{base}/kiosk/return")
        check(page, f"{lang.code} return")
        page.locator("#scan").fill("NOPE-0001")
        page.locator("form[data-scan] button[type=submit]").tap()
        expect(page.locator("#scan-error")).to_be_visible()
        check(page, f"{lang.code} return with an error")
        page.locator("#scan").fill(tag)
        page.locator("form[data-scan] button[type=submit]").tap()
        expect(page.locator("main h1")).not_to_have_text(re.compile("TAB"))
        expect(page.locator("main")).to_contain_text(tag)
        check(page, f"{lang.code} returned")
        check_screens(page, base, lang.code)
        page.goto(f"{base}/kiosk/display")
        expect(page.locator("html")).to_have_attribute("lang", lang.tag)
        check(page, f"{lang.code} display")
        page.goto(f"{base}/kiosk/")
        page.clock.fast_forward((server.app.config["KIOSK_IDLE_SECONDS"]
                                 - server.app.config["KIOSK_WARNING_SECONDS"] + 1) * 1000)
        expect(page.get_by_role("dialog")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("dir", lang.direction)
        check(page, f"{lang.code} are you still there")
        page.context.close()


def check_screens(page, base, code):
    """The eligibility check: a question, the message when the answers were wiped, the
    result, the contact form with its messages, and the reference with its QR code."""
    page.goto(f"{base}/kiosk/check")
    expect(page.locator("form.answers")).to_be_visible()
    check(page, f"{code} check question")
    page.goto(f"{base}/kiosk/check/3")
    expect(page.locator("#answers-error")).to_be_visible()
    check(page, f"{code} check answers wiped")
    for _question in range(4):
        page.locator("form.answers button[value=yes]").tap()
    expect(page.locator(".check-outcome")).to_be_visible()
    check(page, f"{code} check result")
    page.locator(".check-actions a").tap()
    page.locator("main form button[type=submit]").first.tap()
    expect(page.locator("#first_name-error")).to_be_visible()
    check(page, f"{code} check details with errors")
    page.locator("#first_name").fill("Sam")
    page.locator("#contact").fill("sam@example.com")
    page.locator("main form button[type=submit]").first.tap()
    expect(page.locator(".check-reference .reference")).to_be_visible()
    check(page, f"{code} check reference")


class Taps:
    """Counts a person's taps: typing a code is not a tap, pressing Go is."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator):
        self.count += 1
        locator.tap()


def test_every_task_takes_at_most_three_taps_after_the_language(browser, server):
    token = set_up_kiosk(server)
    (tag,) = lend_devices(server, 1)
    page = kiosk_page(browser, server, token)

    def choose_polish():
        page.goto(server.url + "/kiosk/")
        page.get_by_role("link", name="Polski").tap()
        expect(page.locator("html")).to_have_attribute("lang", "pl")
        return Taps(page)

    help_taps = choose_polish()  # ask for help: a topic, then the ticket
    help_taps.tap(page.locator(".tile").first)
    help_taps.tap(page.get_by_role("button", name="Wolę nie podawać"))
    expect(page.get_by_role("heading", name=re.compile("Twój numer to"))).to_be_visible()

    whats_on = choose_polish()
    whats_on.tap(page.get_by_role("link", name=re.compile("Co się dzieje")))
    expect(page.get_by_text("Tech tea party")).to_be_visible()

    give_back = choose_polish()
    give_back.tap(page.get_by_role("link", name="Oddaj wypożyczone urządzenie"))
    page.get_by_label(re.compile("wpisz kod")).fill(tag)
    give_back.tap(page.get_by_role("button", name="Dalej"))
    expect(page.get_by_role("heading", name="Dziękujemy!")).to_be_visible()

    counts = {"help": help_taps.count, "whats_on": whats_on.count, "give_back": give_back.count}
    assert all(n <= 3 for n in counts.values()), counts

    # The eligibility check: one tap a question, and at most 3 more (the tile, then "I'll
    # come back", straight to the reference).
    eligibility = choose_polish()
    eligibility.tap(page.get_by_role("link", name="Czy mogę dostać darmową kartę SIM albo laptop?"))
    for number in range(1, 5):
        expect(page.get_by_text(f"Pytanie {number} z 4")).to_be_visible()
        eligibility.tap(page.get_by_role("button", name="Tak", exact=True))
    eligibility.tap(page.get_by_role("button", name="Wrócę później"))
    expect(page.get_by_role("heading", name="Dziękujemy!")).to_be_visible()
    assert eligibility.count - 4 <= 3, eligibility.count

    db = server.db()
    assert db["tickets"].count == 1 and next(db["loans"].rows)["returned_via"] == "kiosk"
    assert db["interest_registrations"].count == 1
    db.conn.close()


def test_the_first_kiosk_page_weighs_at_most_60_kb(browser, server):
    token = set_up_kiosk(server)
    page = kiosk_page(browser, server, token)  # a fresh context: nothing cached
    page.goto(server.url + "/kiosk/", wait_until="load")
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    transferred = page.evaluate(FIRST_LOAD_BYTES)
    scripts = page.evaluate("[...document.scripts].map(s => s.src)")
    assert not any("htmx" in src for src in scripts), scripts
    assert 0 < transferred <= FIRST_LOAD_LIMIT, transferred


def test_the_ticket_page_in_welsh_follows_the_queue(browser, server):
    """The ticket updates itself (htmx) in the chosen language."""
    token = set_up_kiosk(server)
    page = kiosk_page(browser, server, token)
    page.goto(server.url + "/language/cy?next=/kiosk/")
    page.locator(".tile").first.tap()
    page.get_by_label("Enw cyntaf neu lysenw").fill("Gwen")
    page.get_by_role("button", name="Rhowch fy nhocyn i mi").tap()
    expect(page.get_by_text("Chi sydd nesaf yn y ciw.")).to_be_visible()
    db = server.db()
    volunteer = auth.create_user(db, "Asha", "Asha", "volunteer", "1234", SYSTEM)
    help_desk.take_ticket(db, 1, Actor(volunteer, "Asha"))
    db.conn.close()
    expect(page.get_by_text("Eich tro chi yw hi! Mae Asha yn dod i'ch helpu.")).to_be_visible(
        timeout=5000)
