"""Impact reports in Chromium: staff open the dashboard, change the period and venue,
drill into a figure whose rows add up to it, download the CSV and open the one-page PDF."""

import csv
import io
import re
from datetime import timedelta

import pymupdf
import pytest
from playwright.sync_api import expect

import help_desk
import impact
import lending
from audit import Actor
from tests.browser.conftest import SYSTEM, keep_responses, staff_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def helped(live_server, people):
    """Three people helped at Wigan Library and one at Leigh, this financial year."""
    db = live_server.db()
    helper = Actor(db["users"].get(2)["id"], "Asha")
    for venue, name in ((1, "Mary"), (1, "Joseph"), (1, None), (2, "Pat")):
        ticket = help_desk.create_ticket(db, venue, "email", name, SYSTEM)
        help_desk.take_ticket(db, ticket["id"], helper)
        help_desk.finish_ticket(db, ticket["id"], helper, ["email"], 15, "solved", None)
    db.conn.close()


def test_dashboard_filters_drill_down_csv_and_pdf(browser, live_server, helped):
    base = live_server.url
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    staff_sign_in(page, base)
    page.get_by_role("link", name="Impact").click()
    first, last = impact.default_period(lending.today())
    expect(page.locator("#impact-period")).to_contain_text(f"{first.year}")
    expect(page.locator("#fig-visits")).to_have_text("4")
    expect(page.locator("#change-visits")).to_have_text("new")

    # One venue, and a period of the last week only.
    page.locator("#venue").select_option(label="Wigan Library")
    week_ago = lending.today() - timedelta(days=6)
    page.locator("#first").fill(week_ago.isoformat())
    page.locator("#last").fill(lending.today().isoformat())
    page.locator("#impact-show").click()
    expect(page.locator("#fig-visits")).to_have_text("3")
    expect(page.locator("#impact-period")).to_contain_text("Wigan Library")

    # The figure's rows add up to it.
    page.locator("#drill-visits").click()
    expect(page.locator("#figure-value")).to_contain_text("3")
    expect(page.locator("#figure-table tbody tr")).to_have_count(3)

    # Its rows as CSV, with the same filters.
    with page.expect_download() as download:
        page.locator("#figure-csv").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert len(rows) == 1 + 3

    # Every figure as CSV, then the one-page PDF summary.
    page.locator("#back-to-impact").click()
    with page.expect_download() as download:
        page.locator("#impact-csv").click()
    figures = {r["key"]: r for r in csv.DictReader(
        io.StringIO(download.value.path().read_text("utf-8-sig")))}
    assert figures["visits"]["value"] == "3" and set(figures) == {f.key for f in impact.FIGURES}
    printed = keep_responses(page, "**/summary.pdf*")
    page.locator("#impact-pdf").click()
    page.wait_for_url(re.compile(r"summary\.pdf"))
    content_type, body = printed[0]
    assert content_type == "application/pdf"
    with pymupdf.open(stream=body, filetype="pdf") as pdf:
        assert pdf.page_count == 1
        text = pdf[0].get_text()
    assert "Wigan Library" in text and "Help visits" in text
