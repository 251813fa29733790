"""Offline grace on the volunteer tablet (static/js/offline.js) in real Chromium: the help log
survives a dropped connection, arrives exactly once when the connection is back, and what
was typed is kept if the volunteer leaves the page before it is sent."""

import re

import pytest
from playwright.sync_api import expect

import help_desk
from tests.browser.conftest import SYSTEM, assert_accessible, volunteer_sign_in

pytestmark = pytest.mark.browser

KEPT = ("No connection. What you typed is kept on this tablet and will be sent when the "
        "connection is back.")
SENT = "The connection came back and what you typed has been sent."
WAITING = "Waiting for the connection. Tap to try again."
NOTES = "Notes (optional, no personal details)"


def joan_taken(page, live_server, people):
    """Joan's kiosk ticket, taken on the tablet: the log-help form is open."""
    db = live_server.db()
    help_desk.create_ticket(db, people["venue"], "email", "Joan", SYSTEM)
    db.conn.close()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    page.get_by_role("button", name="Take 1").tap()
    expect(page.get_by_role("heading", name="Log help for 1 (Joan)")).to_be_visible()


def fill_the_log(page):
    page.get_by_label("NHS App and health").check()
    page.get_by_label("Minutes").fill("25")
    page.get_by_label("Solved", exact=True).check()
    page.get_by_label(NOTES).fill("Booked a GP appointment in the app")


def expect_the_log_still_typed(page):
    expect(page.get_by_label("Email")).to_be_checked()
    expect(page.get_by_label("NHS App and health")).to_be_checked()
    expect(page.get_by_label("Minutes")).to_have_value("25")
    expect(page.get_by_label("Solved", exact=True)).to_be_checked()
    expect(page.get_by_label(NOTES)).to_have_value("Booked a GP appointment in the app")


def written(live_server) -> dict:
    db = live_server.db()
    try:
        return {"done": db["tickets"].count_where("status = 'done'"),
                "topics": sorted(r["topic"] for r in db["ticket_topics"].rows),
                "finish": db["audit_log"].count_where("action = 'ticket.finish'"),
                "topic_audits": db["audit_log"].count_where("action = 'ticket.topics'")}
    finally:
        db.conn.close()


ONCE = {"done": 1, "topics": ["email", "nhs_app"], "finish": 1, "topic_audits": 1}
NOTHING = {"done": 0, "topics": [], "finish": 0, "topic_audits": 0}


def drafts(page) -> list[str]:
    return page.evaluate(
        "Object.keys(sessionStorage).filter(k => k.startsWith('doorstep-draft:'))")


def test_a_help_log_survives_a_dropped_connection_and_arrives_once(browser, live_server,
                                                                   people):
    context = browser.new_context(has_touch=True, viewport={"width": 800, "height": 1280})
    page = context.new_page()
    joan_taken(page, live_server, people)
    fill_the_log(page)
    log_url = page.url

    # The pub's Wi-Fi drops. The page says so straight away, before anything is lost.
    context.set_offline(True)
    banner = page.get_by_role("status").filter(has_text="connection")
    expect(banner).to_have_text(
        "No connection right now. Keep going: what you type is kept on this tablet.")

    # Save: nothing can arrive, so the page stays as it is, says so plainly, and waits.
    page.get_by_role("button", name="Save and finish").tap()
    expect(banner).to_have_text(KEPT)
    expect(banner).to_be_in_viewport()  # sticky: seen where the volunteer tapped
    expect(page.get_by_role("button", name=WAITING)).to_be_visible()
    expect_the_log_still_typed(page)
    assert page.url == log_url
    assert written(live_server) == NOTHING
    assert_accessible(page)

    # The connection comes back: the log goes by itself, the volunteer lands on the queue
    # with the usual thank-you, and the banner says it was sent.
    context.set_offline(False)
    expect(page.get_by_text("Thank you. Help for ticket 1 is logged.")).to_be_visible()
    expect(banner).to_have_text(SENT)
    expect(page).to_have_url(live_server.url + "/volunteer/")
    expect(page.get_by_text("Nobody is waiting")).to_be_visible()
    assert written(live_server) == ONCE
    assert drafts(page) == []  # nothing typed is left on the tablet once it is sent
    assert_accessible(page)


def test_a_log_whose_answer_was_lost_is_sent_again_and_still_counted_once(
        browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    joan_taken(page, live_server, people)
    fill_the_log(page)

    # The log reaches the server and is saved, but the answer never reaches the tablet.
    def lose_the_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        route.fetch()
        route.abort("internetdisconnected")

    page.route(re.compile(r".*/volunteer/tickets/1$"), lose_the_answer)
    page.get_by_role("button", name="Save and finish").tap()
    expect(page.get_by_role("status").filter(has_text="connection")).to_have_text(KEPT)
    expect_the_log_still_typed(page)
    assert written(live_server) == ONCE

    # The tablet cannot know it arrived, so it sends it again: still one log, and the
    # volunteer sees the same thank-you as if nothing had gone wrong.
    page.unroute(re.compile(r".*/volunteer/tickets/1$"))
    page.get_by_role("button", name=WAITING).tap()
    expect(page.get_by_text("Thank you. Help for ticket 1 is logged.")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/volunteer/")
    expect(page.get_by_text("That ticket is not one you are helping with")).to_have_count(0)
    assert written(live_server) == ONCE


def test_what_was_typed_is_back_after_leaving_the_page(browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    joan_taken(page, live_server, people)
    log_url = page.url
    fill_the_log(page)
    page.get_by_role("button", name="10 min").tap()  # quick buttons are kept too
    expect(page.get_by_label("Minutes")).to_have_value("10")

    # The volunteer goes to the queue (or the page reloads) before saving.
    page.get_by_role("link", name="Queue").tap()
    expect(page.get_by_text("You are helping")).to_be_visible()
    page.goto(log_url)
    expect(page.get_by_role("status").filter(has_text="typed")).to_have_text(
        "What you typed before is back in the form. Check it, then save.")
    expect(page.get_by_label("NHS App and health")).to_be_checked()
    expect(page.get_by_label("Minutes")).to_have_value("10")
    expect(page.get_by_label("Solved", exact=True)).to_be_checked()
    expect(page.get_by_label(NOTES)).to_have_value("Booked a GP appointment in the app")

    page.get_by_role("button", name="Save and finish").tap()
    expect(page.get_by_text("Thank you. Help for ticket 1 is logged.")).to_be_visible()
    assert drafts(page) == []
    db = live_server.db()
    assert db["tickets"].get(1)["minutes"] == 10
    db.conn.close()
    # Opened again, the walk-in form is blank: nothing of Joan's log is shown anywhere.
    page.get_by_role("link", name="Add a walk-in").tap()
    expect(page.get_by_role("status").filter(has_text="typed")).to_have_count(0)


def test_a_walk_in_sent_after_the_connection_returns_shows_its_errors_then_adds_once(
        browser, live_server, people):
    context = browser.new_context(has_touch=True)
    page = context.new_page()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    page.get_by_role("link", name="Add a walk-in").tap()
    page.get_by_label("First name (optional)").fill("Olu")
    context.set_offline(True)
    page.get_by_role("button", name="Help them now").tap()
    expect(page.get_by_role("status").filter(has_text="connection")).to_have_text(KEPT)
    expect(page.get_by_role("button", name=WAITING)).to_be_visible()

    # Back online: no topic was chosen, so the message shows beside the field as usual,
    # with the name still there.
    context.set_offline(False)
    expect(page.get_by_text("Please choose what you need help with.")).to_be_visible()
    expect(page.get_by_label("First name (optional)")).to_have_value("Olu")
    page.get_by_label("Printing and scanning").check()
    page.get_by_role("button", name="Help them now").tap()
    expect(page.get_by_role("heading", name="Log help for 1 (Olu)")).to_be_visible()
    db = live_server.db()
    assert db["tickets"].count == 1
    assert db["audit_log"].count_where("action = 'ticket.take'") == 1
    db.conn.close()


def test_signing_out_leaves_nothing_typed_on_the_tablet(browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    page.get_by_role("link", name="Add a walk-in").tap()
    page.wait_for_load_state()  # offline.js listens for typing once the page has loaded
    page.get_by_label("First name (optional)").fill("Olu")
    page.wait_for_function("Object.keys(sessionStorage).some("
                           "k => k.startsWith('doorstep-draft:'))")
    assert len(drafts(page)) == 1
    page.get_by_role("button", name="Switch volunteer").tap()  # sends Clear-Site-Data
    expect(page.get_by_role("heading", name="Volunteer sign in")).to_be_visible()
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    assert drafts(page) == []
    page.get_by_role("link", name="Add a walk-in").tap()
    expect(page.get_by_label("First name (optional)")).to_have_value("")


def test_a_new_learner_typed_offline_is_added_once_and_linked_to_the_ticket(
        browser, live_server, people):
    context = browser.new_context(has_touch=True)
    page = context.new_page()
    joan_taken(page, live_server, people)
    page.get_by_text("Is this a learner we know?").tap()
    page.get_by_role("link", name="Add them as a new learner").tap()
    expect(page.get_by_role("heading", name="Add a new learner")).to_be_visible()
    context.set_offline(True)
    page.get_by_label(re.compile("Keep my first name")).check()
    page.get_by_label("Postcode area (optional)").fill("WN5 0AB")
    page.get_by_role("button", name="Add learner").tap()
    expect(page.get_by_role("status").filter(has_text="connection")).to_have_text(KEPT)
    expect(page.get_by_label("First name or nickname")).to_have_value("Joan")
    context.set_offline(False)
    # Back on Joan's log, with the message the server gave, as after a normal save.
    expect(page.get_by_text("Added Joan. Ticket 1 is for them.")).to_be_visible()
    expect(page.get_by_role("heading", name="Log help for 1 (Joan)")).to_be_visible()
    db = live_server.db()
    assert db["learners"].count == 1
    assert db["tickets"].get(1)["learner_id"] == 1
    db.conn.close()


def test_a_log_saved_after_being_signed_out_is_kept_for_after_signing_in(
        browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    joan_taken(page, live_server, people)
    log_url = page.url
    fill_the_log(page)
    db = live_server.db()
    db.execute("delete from user_sessions")  # timed out while the Wi-Fi was down
    db.conn.close()
    page.get_by_role("button", name="Save and finish").tap()
    expect(page.get_by_role("status").filter(has_text="signed out")).to_have_text(
        "You were signed out, so this was not sent. What you typed is kept on this tablet: "
        "sign in again, come back to this page and save.")
    expect_the_log_still_typed(page)
    assert written(live_server) == NOTHING

    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    page.goto(log_url)
    expect_the_log_still_typed(page)
    page.get_by_role("button", name="Save and finish").tap()
    expect(page.get_by_text("Thank you. Help for ticket 1 is logged.")).to_be_visible()
    assert written(live_server) == ONCE
