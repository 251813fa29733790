"""The volunteer tablet in every language the app has: axe over every screen (with errors
shown), every target at least 44×44 px, Urdu mirrored right to left, and a real volunteer
flow done by touch in Welsh that lands in the database."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

import help_desk
import languages
import learners
import lending
import volunteers
from tests.browser.conftest import SYSTEM, assert_accessible
from tests.test_volunteers import add_session, set_dbs

pytestmark = pytest.mark.browser
FLASH = "main > div.flash[role=status]:not(.offline-status)"  # what the server said
TABLET = {"has_touch": True, "viewport": {"width": 800, "height": 1280}}

# Every visible thing a finger can tap, measured as the finger meets it: a checkbox or radio
# by its label. Links inside a sentence are the one exemption WCAG 2.5.8 allows.
SMALL_TARGETS = """() => {
  const small = [];
  const seen = new Set();
  for (let el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (!el.checkVisibility()) continue;
    if (el.matches('input[type=checkbox], input[type=radio]')) el = el.closest('label') || el;
    if (seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (el.tagName === 'A' && style.display === 'inline') {
      const block = el.parentElement.closest('p, li, dd, td');
      if (block && block.textContent.trim().length > el.textContent.trim().length + 2) continue;
    }
    const box = el.getBoundingClientRect();
    if (box.width < 43.5 || box.height < 43.5)
      small.push(`${el.outerHTML.slice(0, 80)} ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}"""


def check_page(page):
    assert_accessible(page)
    assert page.evaluate(SMALL_TARGETS) == []


def pattern(translated: str) -> re.Pattern:
    """A translated sentence with its %(placeholders)s filled by anything."""
    return re.compile(".+".join(map(re.escape, re.split(r"%\(\w+\)s", translated))))


def words(code: str):
    """The app's own catalogue for a language: what a screen should say."""
    found = languages.translations_for(code)
    return found.gettext if found else (lambda text: text)


@pytest.fixture
def tablet_data(live_server, people):
    """Tickets waiting, a learner with skills, today's session open all day, a DBS check
    that lapses soon and some training: every part of every tablet screen shows."""
    db = live_server.db()
    venue = people["venue"]
    for name in ("Joan", "Ken", "Olu", "Rita", "Sam", "Tom", "Una", None):
        help_desk.create_ticket(db, venue, "email", name, SYSTEM)
    learner_id = learners.add_learner(db, SYSTEM, {
        "first_name": "Mary", "consent_keep": "yes", "postcode": "WN5 0AB",
        "birth_band": "1950s", "contact_kind": "mobile"}, venue)
    tasks = {t["code"]: t["id"] for t in learners.skill_tasks(db)}
    learners.record_skills(db, SYSTEM, learner_id, {str(tasks["C1"]): "on_own",
                                                    str(tasks["S10"]): "with_help"}, venue)
    today = lending.today()
    add_session(db, venue, day=today, starts="00:00", ends="23:59", slots=3)
    set_dbs(db, 2, date(today.year - 3, today.month, 1) + timedelta(days=40))
    volunteers.add_training(db, SYSTEM, 2, {"course": "Safeguarding adults",
                                            "completed_on": "2020-01-01",
                                            "expires_on": "2023-01-01"})
    db.conn.close()
    return {"learner": learner_id}


def sign_in(page, base, code):
    """Choose the language on the sign-in screen, then sign in (fields found by id, so the
    same steps work in any language)."""
    page.goto(f"{base}/language/{code}?next=/signin/volunteer")
    page.locator("#name").fill("Asha")
    page.locator("#pin").fill("1234")
    page.locator("#venue").select_option(label="Wigan Library")
    page.locator("form.stack button[type=submit]").tap()
    expect(page.locator("#queue")).to_be_visible()


def test_every_tablet_screen_in_every_language(browser, live_server, tablet_data):
    base = live_server.url
    learner = tablet_data["learner"]
    spoken = languages.available(live_server.app)
    assert {lang.code for lang in spoken} >= {"en", "cy", "pl", "ur"}
    for lang in spoken:
        _ = words(lang.code)
        page = browser.new_context(**TABLET).new_page()

        # Sign-in, in the chosen language, then with a wrong PIN.
        page.goto(f"{base}/language/{lang.code}?next=/signin/volunteer")
        expect(page.locator("html")).to_have_attribute("lang", lang.tag)
        expect(page.locator("html")).to_have_attribute("dir", lang.direction)
        expect(page.get_by_role("heading", level=1)).to_have_text(_("Volunteer sign in"))
        current = page.locator(".language-switch [aria-current=true]")
        expect(current).to_have_text(lang.name)
        expect(current).to_have_attribute("lang", lang.tag)
        check_page(page)
        page.locator("#name").fill("Asha")
        page.locator("#pin").fill("9999")
        page.locator("#venue").select_option(label="Wigan Library")
        page.locator("form.stack button[type=submit]").tap()
        expect(page.locator("#pin-error")).to_be_visible()
        check_page(page)

        # The queue with tickets, and the language menu opened on it.
        sign_in(page, base, lang.code)
        expect(page.locator("#waiting-h")).to_have_text(
            pattern(_("Waiting at %(venue)s (%(count)s)")))
        check_page(page)
        page.locator(".language-menu > summary").tap()
        expect(page.locator(".language-menu [aria-current=true]")).to_have_text(lang.name)
        check_page(page)
        page.locator(".language-menu > summary").tap()

        # Take a ticket; the log-help page, then with its errors.
        page.locator(".card[data-ticket] form").first.locator("button").tap()
        expect(page.locator("form.stack textarea#notes")).to_be_visible()
        check_page(page)
        page.locator("#minutes").fill("lots")
        page.locator("form:has(#notes) button.big[type=submit]").tap()
        expect(page.locator("#outcome-error")).to_have_text(
            words(lang.code)("Choose how it went."))
        check_page(page)

        # A walk-in, and a walk-in with no topic chosen.
        page.goto(base + "/volunteer/walk-in")
        check_page(page)
        page.locator("button[name=help_now]").tap()
        expect(page.locator("#topic-error")).to_be_visible()
        check_page(page)

        # Today's session: sign in to it (once; later languages find it signed in).
        page.goto(base + "/volunteer/session")
        check_page(page)
        sign_in_button = page.locator("[data-session] form button")
        if lang.code == spoken[0].code:
            sign_in_button.tap()
            expect(page.locator(FLASH)).to_be_visible()
            check_page(page)

        # My page, learners (search, results, none found), a new learner with errors, the
        # learner's page, skills and their own page.
        for path in ("/volunteer/me", "/volunteer/learners", "/volunteer/learners?q=Ma",
                     "/volunteer/learners?q=Zed&everywhere=1", "/volunteer/learners/new",
                     f"/volunteer/learners/{learner}", f"/volunteer/learners/{learner}/skills",
                     f"/volunteer/learners/{learner}/can-do"):
            page.goto(base + path)
            expect(page.locator("html")).to_have_attribute("lang", lang.tag)
            check_page(page)
        page.goto(f"{base}/volunteer/learners/{learner}/skills")
        page.locator("details.skill-area").first.locator("summary").tap()
        check_page(page)
        page.goto(base + "/volunteer/learners/new")
        page.locator("form[action$='/learners/new'] button.big[type=submit]").tap()
        expect(page.locator("#consent_keep-error")).to_be_visible()
        check_page(page)
        page.context.close()


def test_urdu_mirrors_the_tablet(browser, live_server, tablet_data):
    page = browser.new_context(**TABLET).new_page()
    sign_in(page, live_server.url, "ur")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ur")
    width = page.viewport_size["width"]
    # The header starts on the right: the volunteer's name sits right of the buttons.
    brand = page.locator("header.top .brand").bounding_box()
    nav = page.locator("header.top nav").bounding_box()
    assert brand["x"] + brand["width"] > width - 40
    assert brand["x"] > nav["x"]
    # Urdu words, in an Urdu font stack with room for Nastaliq.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Nastaliq" in font
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) / "
                         "parseFloat(getComputedStyle(document.body).fontSize)")
    assert line >= 1.8
    # Cards read right to left: a ticket's first button is at the right of its card.
    card = page.locator(".card[data-ticket]").first
    button = card.locator("button").first.bounding_box()
    box = card.bounding_box()
    assert abs((box["x"] + box["width"]) - (button["x"] + button["width"])) < 30
    # Take a ticket: the message bar's thick edge is on the right, the first topic rightmost.
    card.locator("button").first.tap()
    page.locator("[name=outcome]").first.check()
    page.locator("#minutes").fill("10")
    page.locator("form:has(#notes) button.big[type=submit]").tap()
    flash = page.locator(FLASH)
    logged = words("ur")("Thank you. Help for ticket %(number)s is logged.")
    expect(flash).to_have_text(pattern(logged))
    borders = flash.evaluate("e => [getComputedStyle(e).borderRightWidth, "
                             "getComputedStyle(e).borderLeftWidth]")
    assert borders == ["6px", "0px"]
    page.goto(live_server.url + "/volunteer/walk-in")
    toggles = page.locator("fieldset .toggle")
    first, second = toggles.nth(0).bounding_box(), toggles.nth(1).bounding_box()
    assert first["y"] == second["y"] and first["x"] > second["x"]
    assert page.evaluate(SMALL_TARGETS) == []


def test_a_volunteer_works_in_welsh_by_touch(browser, live_server, people):
    db = live_server.db()
    help_desk.create_ticket(db, people["venue"], "email", "Joan", SYSTEM)
    db.conn.close()
    cy = words("cy")
    assert cy("Take %(number)s") != "Take %(number)s"  # the catalogue really is Welsh
    page = browser.new_context(**TABLET).new_page()
    base = live_server.url

    # The sign-in screen is in English until the volunteer taps "Cymraeg".
    page.goto(base + "/signin/volunteer")
    expect(page.get_by_role("heading", name="Volunteer sign in")).to_be_visible()
    page.get_by_role("link", name="Cymraeg").tap()
    expect(page.get_by_role("heading", name="Mewngofnodi gwirfoddolwyr")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    page.get_by_label("Eich enw").fill("Asha")
    page.get_by_label("PIN").fill("1234")
    page.get_by_label("Ble rydych chi heddiw?").select_option(label="Wigan Library")
    page.get_by_role("button", name="Mewngofnodi").tap()

    # Still Welsh after signing in: the queue, then take Joan's ticket.
    expect(page.get_by_role("heading", name="Yn aros yn Wigan Library (1)")).to_be_visible()
    expect(page.get_by_role("link", name="Fy nhudalen")).to_be_visible()
    page.get_by_role("button", name="Cymryd 1").tap()
    expect(page.get_by_role("heading", name="Cofnodi help i 1 (Joan)")).to_be_visible()
    expect(page.get_by_label(cy("Email"), exact=True)).to_be_checked()
    page.get_by_role("button", name="15 mun").tap()
    expect(page.get_by_label("Munudau")).to_have_value("15")
    page.get_by_label(cy("Solved"), exact=True).check()
    page.get_by_role("button", name="Cadw a gorffen").tap()
    expect(page.get_by_text("Diolch. Mae'r help i docyn 1 wedi'i gofnodi.")).to_be_visible()

    # The database holds the help, in its own words (never translated).
    db = live_server.db()
    ticket = db["tickets"].get(1)
    assert (ticket["status"], ticket["minutes"], ticket["outcome"]) == ("done", 15, "solved")
    assert [r["topic"] for r in db["ticket_topics"].rows] == ["email"]
    db.conn.close()

    # The language menu switches back to English on the same page.
    page.get_by_text("Iaith").tap()
    page.get_by_role("link", name="English").tap()
    expect(page.get_by_role("link", name="My page")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/volunteer/$"))
