"""Bad-input cases for venues and sessions; run by tests/test_bad_input.py.

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

from datetime import timedelta

import lending
import tea_parties
from audit import Actor
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
ODD_NOTES = "</textarea>" + HTML + "é" * 1000
TODAY = lending.today()
SOON = (TODAY + timedelta(days=7)).isoformat()
BAD_DAY = "Please give the date as year-month-day, for example 2026-12-24."
BAD_FILTER_DAY = "Enter a date like 2026-11-23."
VENUE_NAME = "Please fill in the venue's name."
VENUE_KIND = "Please choose what kind of place this is."
POSTCODE = "Please give a UK postcode, for example WN1 1NH."
TITLE = "Please fill in a title."
STARTS = "Please give the start time in hours and minutes, for example 14:00."
ENDS = "Please give the end time in hours and minutes, for example 14:00."
END_AFTER = "The end time must be after the start time."
SLOTS = "Please give how many volunteers are needed, a number from 0 to 50."
CANCELLED = "This date is cancelled, so it cannot be changed."


def spring_forward() -> str:
    """The next day the clocks go forward (the last Sunday in March): 01:00-02:00 is skipped."""
    day = TODAY + timedelta(days=1)
    while not (day.month == 3 and day.weekday() == 6 and day.day > 24):
        day += timedelta(days=1)
    return day.isoformat()


def plan(**overrides) -> dict:
    form = {"title": "Tech tea party", "kind": "tea_party", "venue": "{venue}",
            "repeat": "none", "first_day": SOON, "starts": "14:00", "ends": "16:00",
            "volunteer_slots": "2"}
    form.update(overrides)
    return form


def times(**overrides) -> dict:
    return {"starts": "10:00", "ends": "12:00", "volunteer_slots": "2", **overrides}


CASES = [
    # ---- staff: adding a venue, POST /staff/venues ----------------------------------------
    Case("venue-empty", "staff", "POST", "/staff/venues", {},
         {"name": VENUE_NAME, "kind": VENUE_KIND}, status=422),
    Case("venue-duplicate-any-case", "staff", "POST", "/staff/venues",
         {"name": "WIGAN library", "kind": "library"},
         {"name": "There is already a venue called WIGAN library."},
         kept=(("value", "WIGAN library"),), status=422),
    Case("venue-postcode-html", "staff", "POST", "/staff/venues",
         {"name": "The Crown", "kind": "pub", "postcode": HTML}, {"postcode": POSTCODE},
         kept=(("value", HTML), ("value", "The Crown"), ("selected", "pub")), status=422),
    Case("venue-postcode-fullwidth", "staff", "POST", "/staff/venues",
         {"name": "The Crown", "kind": "pub", "postcode": "ＷＮ１ １ＮＨ"},
         {"postcode": POSTCODE}, kept=(("value", "ＷＮ１ １ＮＨ"),), status=422),
    Case("venue-everything-too-long", "staff", "POST", "/staff/venues",
         {"name": "n" * TEN_K, "kind": HTML, "address": "a" * TEN_K, "postcode": "9" * TEN_K,
          "accessibility": ODD_NOTES},
         {"name": "Please use 80 characters or fewer.", "kind": VENUE_KIND,
          "address": "Please use 200 characters or fewer.", "postcode": POSTCODE,
          "accessibility": "Please use 1000 characters or fewer."},
         kept=(("value", "n" * TEN_K), ("textarea", ODD_NOTES)), status=422),
    # ---- staff: editing a venue, POST /staff/venues/<id> ------------------------------------
    Case("venue-edit-to-another-name", "staff", "POST", "/staff/venues/{venue}",
         {"name": "leigh LIBRARY", "kind": "library", "active": "yes"},
         {"name": "There is already a venue called leigh LIBRARY."}, status=422),
    Case("venue-edit-empty", "staff", "POST", "/staff/venues/{venue}", {},
         {"name": VENUE_NAME, "kind": VENUE_KIND}, status=422),
    Case("venue-edit-unknown", "staff", "POST", "/staff/venues/999999",
         {"name": "Nowhere", "kind": "pub"}, message="Page not found", status=404),
    # ---- staff: planning sessions, POST /staff/sessions/new --------------------------------
    Case("plan-empty", "staff", "POST", "/staff/sessions/new", {},
         {"title": TITLE, "kind": "Please choose what kind of session this is.",
          "venue": "Please choose a venue.", "repeat": "Please choose how often it happens.",
          "first_day": "Please choose the first date.", "starts": STARTS, "ends": ENDS,
          "volunteer_slots": SLOTS}, status=422),
    Case("plan-choices-html", "staff", "POST", "/staff/sessions/new",
         plan(kind=HTML, venue=HTML, partner=HTML, repeat=HTML),
         {"kind": "Please choose what kind of session this is.",
          "venue": "Please choose a venue from the list.",
          "partner": "Please choose a partner from the list.",
          "repeat": "Please choose how often it happens."},
         kept=(("value", "Tech tea party"),), status=422),
    Case("plan-unknown-venue", "staff", "POST", "/staff/sessions/new",
         plan(venue="99999999999999999999999"),
         {"venue": "Please choose a venue from the list."}, status=422),
    Case("plan-dates-garbage", "staff", "POST", "/staff/sessions/new",
         plan(repeat="weekly", first_day=HTML, last_day="2026-02-30"),
         {"first_day": BAD_DAY, "last_day": BAD_DAY},
         kept=(("value", HTML), ("value", "2026-02-30"), ("checked", "weekly")), status=422),
    Case("plan-repeating-without-until", "staff", "POST", "/staff/sessions/new",
         plan(repeat="fortnightly"),
         {"last_day": "Please choose the date it repeats until."}, status=422),
    Case("plan-until-before-first", "staff", "POST", "/staff/sessions/new",
         plan(repeat="weekly", last_day=TODAY.isoformat()),
         {"last_day": "The last date must be on or after the first date."}, status=422),
    Case("plan-until-over-a-year", "staff", "POST", "/staff/sessions/new",
         plan(repeat="monthly", last_day=(TODAY + timedelta(days=400)).isoformat()),
         {"last_day": "Please plan at most a year ahead."}, status=422),
    Case("plan-first-far-away", "staff", "POST", "/staff/sessions/new",
         plan(first_day="9999-12-31"),
         {"first_day": "Please choose a first date within a year of today."},
         kept=(("value", "9999-12-31"),), status=422),
    Case("plan-end-before-start", "staff", "POST", "/staff/sessions/new",
         plan(starts="16:00", ends="14:00"), {"ends": END_AFTER},
         kept=(("value", "16:00"), ("value", "14:00")), status=422),
    Case("plan-times-odd", "staff", "POST", "/staff/sessions/new",
         plan(starts="１４:００", ends="24:00"), {"starts": STARTS, "ends": ENDS},
         kept=(("value", "１４:００"),), status=422),
    Case("plan-time-the-clocks-skip", "staff", "POST", "/staff/sessions/new",
         plan(first_day=spring_forward(), starts="01:30", ends="02:10"),
         {"ends": tea_parties.CLOCKS_CHANGE.format(day=spring_forward())}, status=422),
    Case("plan-slots-10k-digits", "staff", "POST", "/staff/sessions/new",
         plan(volunteer_slots="9" * TEN_K), {"volunteer_slots": SLOTS},
         kept=(("value", "9" * TEN_K),), status=422),
    Case("plan-slots-51", "staff", "POST", "/staff/sessions/new",
         plan(volunteer_slots="51"), {"volunteer_slots": SLOTS}, status=422),
    Case("plan-slots-negative", "staff", "POST", "/staff/sessions/new",
         plan(volunteer_slots="-1"), {"volunteer_slots": SLOTS}, status=422),
    Case("plan-words-too-long", "staff", "POST", "/staff/sessions/new",
         plan(title=HTML * 10, description=ODD_NOTES),
         {"title": "Please use 80 characters or fewer.",
          "description": "Please use 300 characters or fewer."},
         kept=(("value", HTML * 10), ("textarea", ODD_NOTES)), status=422),
    Case("plan-not-utf8", "staff", "POST", "/staff/sessions/new",
         b"title=%FF&starts=%FF%FE", {"starts": STARTS}, status=422,
         content_type="application/x-www-form-urlencoded"),
    # ---- staff: one date, POST /staff/sessions/<id>/edit and /cancel -----------------------
    Case("session-edit-empty", "staff", "POST", "/staff/sessions/{session}/edit", {},
         {"starts": STARTS, "ends": ENDS, "volunteer_slots": SLOTS}, status=422),
    Case("session-edit-end-before-start", "staff", "POST", "/staff/sessions/{session}/edit",
         times(starts="12:00", ends="11:59", volunteer_slots="50"), {"ends": END_AFTER},
         kept=(("value", "11:59"), ("value", "50")), status=422),
    Case("session-edit-slots-html", "staff", "POST", "/staff/sessions/{session}/edit",
         times(volunteer_slots=HTML), {"volunteer_slots": SLOTS}, kept=(("value", HTML),),
         status=422),
    Case("session-edit-cancelled", "staff", "POST",
         "/staff/sessions/{cancelled_session}/edit", times(), message=CANCELLED, status=422),
    Case("session-edit-unknown", "staff", "POST", "/staff/sessions/999999/edit", times(),
         message="Page not found", status=404),
    Case("session-cancel-no-reason", "staff", "POST", "/staff/sessions/{session}/cancel",
         {"reason": "   "}, {"reason": "Please fill in the reason."}, status=422),
    Case("session-cancel-reason-10k", "staff", "POST", "/staff/sessions/{session}/cancel",
         {"reason": HTML * 1000}, {"reason": "Please use 200 characters or fewer."},
         kept=(("value", HTML * 1000),), status=422),
    Case("session-cancel-twice", "staff", "POST", "/staff/sessions/{session}/cancel",
         {"reason": "Room flooded"}, message=CANCELLED, twice=True, status=422),
    Case("session-cancel-unknown", "staff", "POST", "/staff/sessions/999999/cancel",
         {"reason": "Room flooded"}, message="Page not found", status=404),
    # ---- staff: GET /staff/sessions filters ------------------------------------------------
    Case("sessions-filter-first-html", "staff", "GET", "/staff/sessions?first=%22%3E%3Cb%3E",
         {"first": BAD_FILTER_DAY}, kept=(("value", '"><b>'),), status=200),
    Case("sessions-filter-last-before-first", "staff", "GET",
         "/staff/sessions?first=2026-11-23&last=2026-11-01",
         {"last": "The last day must be on or after the first day."}, status=200),
    Case("sessions-filter-venue-unknown", "staff", "GET", "/staff/sessions?venue=%FF",
         {"venue": "Choose a venue from the list."}, status=200),
    # ---- anyone: the phone page ------------------------------------------------------------
    Case("whats-on-html", "anon", "GET", "/whats-on/%3Cscript%3E", status=404),
    Case("whats-on-too-big", "anon", "GET", "/whats-on/99999999999999999999999", status=404),
    Case("whats-on-unknown", "anon", "GET", "/whats-on/999999", status=404),
    # Found by tests/test_bad_input_properties.py: control characters were stored in the
    # name; now they are dropped, so the same name typed again is the same venue.
    Case("venue-name-control-characters", "staff", "POST", "/staff/venues",
         {"name": "Beech\x00 Court\x1b", "kind": "library"},
         {"name": "There is already a venue called Beech Court."}, twice=True, status=422),
]
FORMS = [("POST", "/staff/venues"), ("POST", "/staff/venues/{venue}"),
         ("POST", "/staff/sessions/new"), ("POST", "/staff/sessions/{session}/edit"),
         ("POST", "/staff/sessions/{session}/cancel"), ("GET", "/staff/sessions")]


def extend_world(db, ids: dict) -> None:
    """A session today at the world's venue (`session`, in series `series`) and a
    cancelled one next week (`cancelled_session`)."""
    actor = Actor(None, "test")
    for key, day in (("session", TODAY), ("cancelled_session", TODAY + timedelta(days=7))):
        series_id = tea_parties.create_series(db, actor, {
            "title": "Tech tea party", "kind": "tea_party", "venue": str(ids["venue"]),
            "repeat": "none", "first_day": day.isoformat(), "starts": "10:00", "ends": "12:00",
            "volunteer_slots": "2"})
        ids[key] = next(db["sessions"].rows_where("series_id = ?", [series_id]))["id"]
    ids["series"] = db["sessions"].get(ids["session"])["series_id"]
    tea_parties.cancel_session(db, actor, ids["cancelled_session"], "Room booked twice")
