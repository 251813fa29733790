"""The whole walk-in journey through real screens: kiosk -> volunteer tablet -> staff list."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audit import stamp, utcnow
from tests.browser.conftest import (
    SYSTEM,
    assert_accessible,
    register_kiosk,
    staff_sign_in,
    volunteer_sign_in,
)

pytestmark = pytest.mark.browser


def test_walk_in_journey(browser, live_server, people):
    base = live_server.url
    kiosk = browser.new_context(has_touch=True, viewport={"width": 1080, "height": 1920})
    tablet = browser.new_context(has_touch=True, viewport={"width": 800, "height": 1280})
    desk = browser.new_context()
    kiosk_page, tablet_page, staff_page = kiosk.new_page(), tablet.new_page(), desk.new_page()

    register_kiosk(kiosk_page, base)
    volunteer_sign_in(tablet_page, base, "Asha", "1234")
    expect(tablet_page.get_by_text("Nobody is waiting")).to_be_visible()

    # A resident asks for help by touch alone, with a first name.
    kiosk_page.get_by_role("link", name="Email").tap()
    expect(kiosk_page.get_by_role("heading", name="What should we call you?")).to_be_visible()
    kiosk_page.get_by_label("First name or nickname").fill("Joan")
    kiosk_page.get_by_role("button", name="Get my ticket").tap()
    heading = kiosk_page.get_by_role("heading", name=re.compile("Your number is"))
    expect(heading).to_contain_text("1")
    expect(kiosk_page.get_by_text("You are next in the queue.")).to_be_visible()

    # Joan arrived 12 minutes ago as far as the clock is concerned, so the wait shows.
    db = live_server.db()
    db.execute("update tickets set created_at = ?",
               [stamp(utcnow() - timedelta(minutes=12))])
    db.conn.close()

    # The volunteer sees it without reloading, and takes it.
    card = tablet_page.locator(".card", has_text="Joan")
    expect(card).to_be_visible(timeout=5000)
    expect(card).to_contain_text("Email")
    card.get_by_role("button", name="Take 1").tap()
    expect(tablet_page.get_by_role("heading", name="Log help for 1 (Joan)")).to_be_visible()

    # The kiosk ticket updates by itself: it is Joan's turn.
    expect(kiosk_page.get_by_text("It's your turn! Asha is coming to help you.")).to_be_visible(
        timeout=5000)

    # Log the help: topics, minutes by quick button, outcome.
    expect(tablet_page.get_by_label("Email")).to_be_checked()
    tablet_page.get_by_label("NHS App and health").check()
    tablet_page.get_by_role("button", name="15 min").tap()
    expect(tablet_page.get_by_label("Minutes")).to_have_value("15")
    tablet_page.get_by_label("Solved", exact=True).check()
    tablet_page.get_by_role("button", name="Save and finish").tap()
    expect(tablet_page.get_by_text("Help for ticket 1 is logged.")).to_be_visible()
    expect(tablet_page.get_by_text("Nobody is waiting")).to_be_visible()

    # Staff see it counted, with its wait and service time.
    staff_sign_in(staff_page, base)
    row = staff_page.locator("table.tickets tr", has_text="Joan").or_(
        staff_page.locator("table.tickets tr[data-ticket='1']"))
    expect(row).to_contain_text("Helped")
    expect(row.locator(".wait")).to_have_text("12 min")
    expect(row.locator(".service")).to_have_text(re.compile(r"under 1 min|\d+ min"))
    expect(row).to_contain_text("Asha")
    expect(row).to_contain_text("Solved")
    counts = staff_page.locator("table.topic-counts")
    expect(counts.locator("tr", has_text="Email")).to_contain_text("1")
    expect(counts.locator("tr", has_text="NHS App and health")).to_contain_text("1")
    expect(staff_page.locator("#fig-done")).to_have_text("1")

    # The database holds what the screens said.
    db = live_server.db()
    ticket = db["tickets"].get(1)
    assert ticket["status"] == "done" and ticket["minutes"] == 15 and ticket["outcome"] == "solved"
    topics = {r["topic"] for r in db["ticket_topics"].rows}
    assert topics == {"email", "nhs_app"}
    actions = [r["action"] for r in db["audit_log"].rows_where("table_name = 'tickets'")]
    assert actions == ["ticket.create", "ticket.take", "ticket.finish", "ticket.topics"]
    db.conn.close()

    # The kiosk goes back to the start after idle, keeping nothing of Joan on screen.
    kiosk_page.get_by_role("link", name="Done").tap()
    expect(kiosk_page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    expect(kiosk_page.get_by_text("Joan")).to_have_count(0)


def test_two_volunteers_cannot_take_the_same_ticket(browser, live_server, people):
    base = live_server.url
    db = live_server.db()
    import help_desk
    help_desk.create_ticket(db, people["venue"], "printing", "Ken", SYSTEM)
    db.conn.close()
    pages = []
    for name, pin in (("Asha", "1234"), ("Bill", "2345")):
        page = browser.new_context(has_touch=True).new_page()
        volunteer_sign_in(page, base, name, pin)
        expect(page.locator(".card", has_text="Ken")).to_be_visible()
        pages.append(page)
    # Both screens show the ticket; Asha taps first, Bill taps a moment later on his stale screen.
    pages[1].route("**/volunteer/", lambda route: route.abort())  # freeze Bill's polling
    pages[0].get_by_role("button", name="Take 1").tap()
    expect(pages[0].get_by_role("heading", name="Log help for 1 (Ken)")).to_be_visible()
    pages[1].unroute("**/volunteer/")
    pages[1].get_by_role("button", name="Take 1").tap()
    expect(pages[1].get_by_text("Someone else got there first.")).to_be_visible()
    db = live_server.db()
    assert db["tickets"].get(1)["volunteer_id"] == 2  # Asha (staff is 1)
    assert db["audit_log"].count_where("action = 'ticket.take'") == 1
    db.conn.close()


def test_kiosk_resets_after_idle(browser, live_server, people):
    live_server.app.config["KIOSK_IDLE_SECONDS"] = 2
    page = browser.new_context(has_touch=True).new_page()
    register_kiosk(page, live_server.url)
    page.get_by_role("link", name="Video calls").tap()
    page.get_by_label("First name or nickname").fill("Rita")
    # No touch for 2 seconds: the screen wipes itself back to the start.
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible(
        timeout=6000)
    expect(page.get_by_label("First name or nickname")).to_have_count(0)
    page.go_back()
    expect(page.get_by_text("Rita")).to_have_count(0)


def test_walk_in_help_now_and_same_again(browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    for expected_number in (1, 2):
        page.get_by_role("link", name="Add a walk-in").tap()
        page.get_by_label("Smartphone and tablet basics").check()
        page.get_by_role("button", name="Help them now").tap()
        expect(page.get_by_role("heading", name=f"Log help for {expected_number}")).to_be_visible()
        if expected_number == 2:
            page.get_by_role("link", name=re.compile("Same again")).tap()
            expect(page.get_by_label("Scams and staying safe")).to_be_checked()
        else:
            page.get_by_label("Scams and staying safe").check()
        page.get_by_label("Minutes").fill("20")
        page.get_by_label("Partly solved").check()
        page.get_by_role("button", name="Save and finish").tap()
        expect(page.get_by_text(f"Help for ticket {expected_number} is logged.")).to_be_visible()
    db = live_server.db()
    assert db["tickets"].count_where("source = 'walk_in' and status = 'done'") == 2
    db.conn.close()


def test_bad_help_log_keeps_what_was_typed(browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    page.get_by_role("link", name="Add a walk-in").tap()
    page.get_by_role("button", name="Help them now").tap()
    expect(page.get_by_text("Please choose what you need help with.")).to_be_visible()
    page.get_by_label("Printing and scanning").check()
    page.get_by_label("First name (optional)").fill("Olu")
    page.get_by_role("button", name="Help them now").tap()
    page.get_by_label("Minutes").fill("lots")
    page.get_by_label("Notes (optional, no personal details)").fill("Printed a boarding pass")
    page.get_by_role("button", name="Save and finish").tap()
    expect(page.get_by_text("Enter the minutes spent as a number from 1 to 480.")).to_be_visible()
    expect(page.get_by_text("Choose how it went.")).to_be_visible()
    expect(page.get_by_label("Notes (optional, no personal details)")).to_have_value(
        "Printed a boarding pass")
    expect(page.get_by_label("Minutes")).to_have_value("lots")
    db = live_server.db()
    assert db["tickets"].get(1)["status"] == "in_progress"
    assert db["ticket_topics"].count == 0
    db.conn.close()


def test_kiosk_and_volunteer_screens_pass_axe(browser, live_server, people):
    base = live_server.url
    kiosk_page = browser.new_context(has_touch=True).new_page()
    register_kiosk(kiosk_page, base)
    assert_accessible(kiosk_page)
    kiosk_page.get_by_role("link", name="Scams and staying safe").tap()
    expect(kiosk_page.get_by_role("heading", name="What should we call you?")).to_be_visible()
    assert_accessible(kiosk_page)
    kiosk_page.get_by_role("button", name="I'd rather not say").tap()
    expect(kiosk_page.get_by_role("heading", name=re.compile("Your number is"))).to_be_visible()
    assert_accessible(kiosk_page)
    kiosk_page.goto(base + "/kiosk/display")
    expect(kiosk_page.get_by_role("heading", name="Now helping")).to_be_visible()
    assert_accessible(kiosk_page)

    tablet = browser.new_context(has_touch=True).new_page()
    tablet.goto(base + "/signin/volunteer")
    assert_accessible(tablet)
    volunteer_sign_in(tablet, base, "Asha", "1234")
    expect(tablet.locator(".card", has_text="No name given")).to_be_visible()
    assert_accessible(tablet)
    tablet.get_by_role("button", name="Take 1").tap()
    expect(tablet.get_by_role("heading", name="Log help for 1")).to_be_visible()
    assert_accessible(tablet)
    tablet.get_by_role("button", name="Save and finish").tap()  # with errors shown
    expect(tablet.get_by_text("Choose how it went.")).to_be_visible()
    assert_accessible(tablet)
    tablet.get_by_role("link", name="Add a walk-in").tap()
    expect(tablet.get_by_role("heading", name="Add a walk-in")).to_be_visible()
    assert_accessible(tablet)


def test_expired_session_on_htmx_poll_goes_to_sign_in(browser, live_server, people):
    page = browser.new_context().new_page()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    db = live_server.db()
    db.execute("delete from user_sessions")  # staff ended it, or it timed out
    db.conn.close()
    # The next poll gets HX-Redirect: the whole page goes to sign-in, not into the queue div.
    expect(page.get_by_role("heading", name="Volunteer sign in")).to_be_visible(timeout=5000)
    expect(page.locator("#queue")).to_have_count(0)
