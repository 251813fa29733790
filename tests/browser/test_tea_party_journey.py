"""A tea party on a tablet, in Chromium: a volunteer joins today's session, adds a walk-in
learner, logs help with two skills, prints their card; on a second visit the card's QR
(decoded from the PDF) is typed in as a wedge scanner would and progress shows both
visits; staff see and correct the volunteer's hours."""

import json
import re

import pytest
from playwright.sync_api import expect

import lending
from tests.browser.conftest import (
    assert_accessible,
    keep_responses,
    staff_sign_in,
    volunteer_sign_in,
)
from tests.browser.test_lending_journey import decode_pdf

pytestmark = pytest.mark.browser
TABLET = {"has_touch": True, "viewport": {"width": 800, "height": 1280}}
EMAIL_SKILL = "I can send and receive emails and messages, with photos or files."
LINK_SKILL = "I can spot a suspicious link or message."


def plan_todays_tea_party(page, base):
    """Staff plan a one-off tea party today, open all day so the test runs at any hour."""
    page.goto(base + "/staff/sessions/new")
    page.get_by_label("Title").fill("Tech tea party")
    page.get_by_label("Kind of session").select_option("tea_party")
    page.get_by_label("Venue").select_option(label="Wigan Library")
    page.get_by_label("Just once").check()
    page.get_by_label("First date").fill(lending.today().isoformat())
    page.get_by_label("Starts (local time)").fill("00:00")
    page.get_by_label("Ends").fill("23:59")
    page.get_by_label("Volunteers needed").fill("3")
    page.get_by_role("button", name="Plan it").click()
    expect(page.get_by_text("Tech tea party").first).to_be_visible()


def tag_skill(page, area, task, level):
    """Open a skill area on the log-help form and choose how the learner did on one task."""
    page.locator("summary", has_text=area).tap()
    group = page.get_by_role("group", name=re.compile(re.escape(task)))
    group.get_by_label(level, exact=True).check()


def log_help(page, minutes, skills):
    page.get_by_label("Minutes").fill(str(minutes))
    page.get_by_label("Solved", exact=True).check()
    for area, task, level in skills:
        tag_skill(page, area, task, level)
    page.get_by_role("button", name="Save and finish").tap()


def test_tea_party_learner_card_and_hours(browser, live_server, people):
    base = live_server.url
    desk = browser.new_context()
    staff_page = desk.new_page()
    staff_sign_in(staff_page, base)
    plan_todays_tea_party(staff_page, base)

    tablet = browser.new_context(**TABLET)
    page = tablet.new_page()
    volunteer_sign_in(page, base, "Asha", "1234")

    # Join today's tea party.
    page.get_by_role("link", name="Today's session").tap()
    expect(page.get_by_role("heading", name="Tech tea party")).to_be_visible()
    page.get_by_role("button", name="Sign in to this session").tap()
    expect(page.get_by_text(re.compile("You are signed in since"))).to_be_visible()
    assert_accessible(page)

    # A walk-in learner, added with consent, helped with two skills.
    page.get_by_role("link", name="Learners").tap()
    page.get_by_role("link", name="Add a new learner").tap()
    page.get_by_label("First name or nickname").fill("Mary")
    page.get_by_label(re.compile("Keep my first name")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Add learner").tap()
    expect(page.get_by_role("heading", name="Mary", exact=True)).to_be_visible()
    page.get_by_label("Email", exact=True).check()
    page.get_by_role("button", name="Help Mary now").tap()
    expect(page.get_by_role("heading", name=re.compile("Log help for"))).to_be_visible()
    log_help(page, 25, [("Communicating", EMAIL_SKILL, "On my own"),
                        ("Being safe", LINK_SKILL, "With help")])
    expect(page.get_by_role("heading", name="Visits (1)")).to_be_visible()

    # Print the learner card: keep the PDF the server sends and decode its QR code.
    printed = keep_responses(page, "**/card.pdf")
    page.get_by_role("link", name="Print card").tap()
    page.wait_for_url("**/card.pdf")
    assert printed and printed[0][0] == "application/pdf"
    [card_url] = decode_pdf(printed[0][1])
    db = live_server.db()
    learner = db["learners"].get(1)
    assert card_url == f"{base}/l/{learner['card_code']}"
    assert "Mary" not in card_url

    # A second visit: the card is scanned with a wedge scanner (it types, then Enter).
    page.goto(base + "/volunteer/learners")
    page.get_by_label("Learner card, or the code printed on it").tap()
    page.keyboard.type(card_url)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mary", exact=True)).to_be_visible()
    page.get_by_label("Email", exact=True).check()
    page.get_by_role("button", name="Help Mary now").tap()
    log_help(page, 15, [("Being safe", LINK_SKILL, "On my own")])

    # Progress shows both visits, and the link skill moved from "with help" to "on my own".
    expect(page.get_by_role("heading", name="Visits (2)")).to_be_visible()
    visits = page.locator(".visit")
    expect(visits).to_have_count(2)
    expect(visits.filter(has_text=EMAIL_SKILL)).to_have_count(1)
    expect(visits.filter(has_text=LINK_SKILL)).to_have_count(2)
    assert_accessible(page)
    records = [dict(r) for r in db.query(
        "select t.code, r.level, r.ticket_id from skill_records r "
        "join skill_tasks t on t.id = r.task_id order by r.id")]
    assert [(r["code"], r["level"]) for r in records] == [
        ("C1", "on_own"), ("S10", "with_help"), ("S10", "on_own")]
    assert len({r["ticket_id"] for r in records}) == 2
    assert db["tickets"].count_where("learner_id = 1 and status = 'done'") == 2

    # Every tablet screen for learners and hours passes axe.
    for path in ("/volunteer/learners?q=Ma", "/volunteer/learners/1/skills", "/volunteer/me",
                 "/volunteer/learners/1/can-do"):
        page.goto(base + path)
        assert_accessible(page)
    # Mary's own page celebrates both things she can now do on her own.
    expect(page.get_by_text(EMAIL_SKILL)).to_be_visible()
    expect(page.get_by_text(LINK_SKILL)).to_be_visible()

    # The volunteer signs out of the session.
    page.get_by_role("link", name="Today's session").tap()
    page.get_by_role("button", name="Sign out").tap()
    expect(page.get_by_role("button", name="Sign in to this session")).to_be_visible()

    # Staff see Asha's hours, and correct a sign-in she forgot to make on arrival.
    [shift] = [dict(r) for r in db["volunteer_shifts"].rows]
    staff_page.goto(base + "/staff/volunteers")
    asha = staff_page.get_by_role("row", name=re.compile("Asha"))
    expect(asha).to_be_visible()
    asha.get_by_role("link", name=re.compile(r"^\d+\.\d$")).click()
    expect(staff_page.get_by_role("heading", name="Volunteer hours")).to_be_visible()
    row = staff_page.locator(f"tr[data-shift='{shift['id']}']")
    expect(row).to_contain_text("Tech tea party")
    row.locator("summary", has_text="Correct").click()
    row.get_by_label("Signed in at").fill("00:00")
    row.get_by_label("Why (kept in the audit log)").fill("Forgot to sign in on arrival")
    row.get_by_role("button", name="Save correction").click()
    corrected = dict(db["volunteer_shifts"].get(shift["id"]))
    assert corrected["correction_reason"] == "Forgot to sign in on arrival"
    assert corrected["signed_in_at"] < shift["signed_in_at"]
    audit = [dict(r) for r in db["audit_log"].rows_where(
        "table_name = 'volunteer_shifts' and row_id = ? and action like '%correct%'",
        [str(shift["id"])])]
    assert len(audit) == 1 and "Forgot to sign in on arrival" in (audit[0]["after"] or "")
    assert json.loads(audit[0]["before"])["signed_in_at"] == shift["signed_in_at"]
    expect(staff_page.locator(f"tr[data-shift='{shift['id']}']")).to_contain_text(
        "Forgot to sign in on arrival")
    db.conn.close()
