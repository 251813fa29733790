"""Bad-input cases for the impact reports (tests/test_bad_input.py): the filters are GET
forms, on the dashboard, a figure's drill-down and the CSV and PDF downloads. A bad filter
shows the page again with a message beside the field, never a file or a 500.

`{name}` in a URL is an id from the world fixture. Every form here is listed in FORMS.
"""

from urllib.parse import urlencode

import impact
from staff.impact import PICK_PARTNER, PICK_VENUE
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
BAD_DAY = "Enter a date like 2026-11-23."
KEY = impact.FIGURES[0].key
DASHBOARD, FIGURE = "/staff/impact", f"/staff/impact/{KEY}"
CSV, FIGURE_CSV, PDF = "/staff/impact.csv", f"/staff/impact/{KEY}.csv", "/staff/impact/summary.pdf"


def q(url: str, **args) -> str:
    """A URL with a query string; "{venue}"-style values stay for the world's ids."""
    return f"{url}?{urlencode(args)}".replace("%7B", "{").replace("%7D", "}")


CASES = [
    Case("impact-bad-days", "staff", "GET", q(DASHBOARD, first="2026-13-01", last=HTML),
         errors={"first": BAD_DAY, "last": BAD_DAY},
         kept=(("value", "2026-13-01"), ("value", HTML)), status=422),
    Case("impact-last-before-first", "staff", "GET",
         q(DASHBOARD, first="2026-05-01", last="2026-04-01", venue="{venue}"),
         errors={"last": "The last day must be on or after the first day."},
         kept=(("selected", "{venue}"), ("value", "2026-05-01")), status=422),
    Case("impact-more-than-a-year", "staff", "GET", q(DASHBOARD, first="2020-01-01",
                                                     last="2026-01-01"),
         errors={"last": "Choose at most a year at a time."}, status=422),
    Case("impact-unknown-venue-and-partner", "staff", "GET",
         q(DASHBOARD, venue=HTML, partner="99999999999999999999999"),
         errors={"venue": PICK_VENUE, "partner": PICK_PARTNER}, status=422),
    Case("impact-10k-day", "staff", "GET", q(DASHBOARD, first="9" * TEN_K, partner="-1"),
         errors={"first": BAD_DAY, "partner": PICK_PARTNER}, status=422),
    Case("impact-figure-bad-filters", "staff", "GET",
         q(FIGURE, first="yesterday", venue="0", partner="{partner}"),
         errors={"first": BAD_DAY, "venue": PICK_VENUE}, kept=(("value", "yesterday"),),
         status=422),
    Case("impact-figure-unknown", "staff", "GET", "/staff/impact/%3Cscript%3E", status=404),
    Case("impact-figure-unknown-csv", "staff", "GET", "/staff/impact/nonsense.csv", status=404),
    Case("impact-csv-bad-venue", "staff", "GET", q(CSV, venue="1.5"),
         errors={"venue": PICK_VENUE}, status=422),
    Case("impact-figure-csv-bad-day", "staff", "GET", q(FIGURE_CSV, last="2026-02-30"),
         errors={"last": BAD_DAY}, kept=(("value", "2026-02-30"),), status=422),
    Case("impact-pdf-bad-partner", "staff", "GET", q(PDF, partner=HTML, first="2026-04-01"),
         errors={"partner": PICK_PARTNER}, status=422),
    Case("impact-volunteer-cannot-see", "volunteer", "GET", DASHBOARD, status=403),
    # Found by tests/test_bad_input_properties.py: a year before 1000 made a month key the
    # charts could not read back ("999-01"), and 9999-12-31 has no next day (both were 500s).
    Case("impact-year-999", "staff", "GET", q(DASHBOARD, first="0999-01-01"),
         errors={"first": BAD_DAY}, kept=(("value", "0999-01-01"),), status=422),
    Case("impact-figure-year-9999", "staff", "GET", q(FIGURE, first="9999-12-01",
                                                      last="9999-12-31"),
         errors={"first": BAD_DAY, "last": BAD_DAY}, status=422),
]

FORMS = [("GET", DASHBOARD), ("GET", FIGURE), ("GET", CSV), ("GET", FIGURE_CSV), ("GET", PDF)]


def extend_world(db, ids: dict) -> None:
    """Nothing more: the world's venues and partner are enough to filter by."""
