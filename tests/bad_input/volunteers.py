"""Bad-input cases for volunteers, DBS and hours; run by tests/test_bad_input.py.

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

from datetime import timedelta

import lending
import volunteers
from audit import Actor, utcnow
from tests.bad_input.case import Case
from tests.test_volunteers import add_session, session_around, set_dbs

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
TODAY = lending.today()
ISSUED = TODAY - timedelta(days=4 * 365)  # Asha's DBS check lapsed about a year ago
LAPSED = (f"This session needs a DBS check, and yours lapsed on "
          f"{volunteers.day_words(volunteers.add_years(ISSUED, 3))}. Please ask a member of "
          "staff about renewing it.")
NOT_HERE = "That session is not at this venue today."
NOT_YOURS = "That is not your sign-in. Each volunteer signs themselves out."
YEARS = volunteers.BAD_YEARS
PHONE = "Please give a UK phone number, like 01942 123456."
EMAIL = "Please give an email address like name@example.com."
BAD_DAY = "Please give the date as year-month-day, for example 2026-12-24."
IN_TIME = "Please give the sign-in time in hours and minutes, for example 14:00."
OUT_TIME = "Please give the sign-out time in hours and minutes, for example 14:00."
YESTERDAY = volunteers.day_words(TODAY - timedelta(days=1))


def times(signed_in_at="14:00", signed_out_at="16:00", reason="Forgot to sign in", **more):
    return dict(signed_in_at=signed_in_at, signed_out_at=signed_out_at, reason=reason, **more)


CASES = [
    # ---- the tablet: signing in and out ---------------------------------------------------
    Case("shift-sign-in-lapsed-dbs", "volunteer", "POST",
         "/volunteer/session/{dbs_session}/sign-in", {}, {"session": LAPSED}, status=422),
    Case("shift-sign-in-twice", "volunteer", "POST", "/volunteer/session/{drop_in}/sign-in",
         {}, message="You are already signed in to this session since", twice=True,
         status=422),
    Case("shift-sign-in-yesterday", "volunteer", "POST",
         "/volunteer/session/{past_session}/sign-in", {},
         message=volunteers.NOT_TODAY, status=422),
    Case("shift-sign-in-other-venue", "volunteer", "POST",
         "/volunteer/session/{leigh_session}/sign-in", {}, message=NOT_HERE, follow=True,
         status=200),
    Case("shift-sign-in-unknown", "volunteer", "POST", "/volunteer/session/999999/sign-in",
         {}, message=NOT_HERE, follow=True, status=200),
    Case("shift-sign-in-too-big", "volunteer", "POST",
         "/volunteer/session/99999999999999999999999/sign-in", message="Page not found",
         status=404),
    Case("shift-sign-out-closed", "volunteer", "POST", "/volunteer/shifts/{asha_shift}/sign-out",
         {}, message=f"This sign-in was already closed at 16:00 on {YESTERDAY} by a member "
                     "of staff.", follow=True, status=200),
    Case("shift-sign-out-not-mine", "volunteer", "POST",
         "/volunteer/shifts/{vic_shift}/sign-out", {}, message=NOT_YOURS, follow=True,
         status=200),
    Case("shift-sign-out-unknown", "volunteer", "POST", "/volunteer/shifts/999999/sign-out",
         {}, message=NOT_YOURS, follow=True, status=200),
    # ---- staff: the council's DBS re-check period ---------------------------------------
    Case("dbs-period-zero", "staff", "POST", "/staff/volunteers/dbs-period", {"years": "0"},
         {"years": YEARS}, kept=(("value", "0"),), status=422),
    Case("dbs-period-eleven", "staff", "POST", "/staff/volunteers/dbs-period",
         {"years": "11"}, {"years": YEARS}, kept=(("value", "11"),), status=422),
    Case("dbs-period-words", "staff", "POST", "/staff/volunteers/dbs-period",
         {"years": "three"}, {"years": YEARS}, kept=(("value", "three"),), status=422),
    Case("dbs-period-10k-digits", "staff", "POST", "/staff/volunteers/dbs-period",
         {"years": "9" * TEN_K}, {"years": YEARS}, kept=(("value", "9" * TEN_K),), status=422),
    Case("dbs-period-html", "staff", "POST", "/staff/volunteers/dbs-period", {"years": HTML},
         {"years": YEARS}, kept=(("value", HTML),), status=422),
    Case("dbs-period-empty", "staff", "POST", "/staff/volunteers/dbs-period", {},
         {"years": YEARS}, status=422),
    # ---- staff: a volunteer's details ---------------------------------------------------
    Case("volunteer-details-all-wrong", "staff", "POST", "/staff/volunteers/{volunteer}",
         {"phone": "12", "email": "asha at home", "dbs_certificate": "1234",
          "dbs_issued_on": "2999-01-01", "notes": "n" * TEN_K, "venues": ["999999"]},
         {"phone": PHONE, "email": EMAIL, "dbs_certificate": volunteers.BAD_CERTIFICATE,
          "dbs_issued_on": volunteers.FUTURE_ISSUE,
          "notes": "Please use 1000 characters or fewer.", "venues": volunteers.BAD_VENUES},
         kept=(("value", "12"), ("value", "asha at home"), ("value", "1234"),
               ("value", "2999-01-01"), ("textarea", "n" * TEN_K)), status=422),
    Case("volunteer-details-html", "staff", "POST", "/staff/volunteers/{volunteer}",
         {"phone": HTML, "email": HTML, "dbs_certificate": HTML, "dbs_issued_on": HTML},
         {"phone": PHONE, "email": EMAIL, "dbs_certificate": volunteers.BAD_CERTIFICATE,
          "dbs_issued_on": BAD_DAY}, kept=(("value", HTML),), status=422),
    Case("volunteer-details-fullwidth-certificate", "staff", "POST",
         "/staff/volunteers/{volunteer}",
         {"dbs_certificate": "０" * 12, "dbs_issued_on": "2026-01-01"},
         {"dbs_certificate": volunteers.BAD_CERTIFICATE}, kept=(("value", "０" * 12),),
         status=422),
    Case("volunteer-details-date-no-number", "staff", "POST", "/staff/volunteers/{volunteer}",
         {"dbs_issued_on": "2026-01-01", "venues": "{venue}"},
         {"dbs_certificate": volunteers.NEED_CERTIFICATE},
         kept=(("value", "2026-01-01"), ("checked", "{venue}")), status=422),
    Case("volunteer-details-venue-10k-digits", "staff", "POST",
         "/staff/volunteers/{volunteer}", {"venues": ["9" * TEN_K]},
         {"venues": volunteers.BAD_VENUES}, status=422),
    Case("volunteer-details-staff-member", "staff", "POST", "/staff/volunteers/{staff}",
         {"phone": "01942 123456"}, message="Page not found", status=404),
    # ---- staff: training -----------------------------------------------------------------
    Case("training-empty", "staff", "POST", "/staff/volunteers/{volunteer}/training", {},
         {"course": volunteers.NEED_COURSE,
          "completed_on": "Please choose the date it was completed."}, status=422),
    Case("training-course-10k", "staff", "POST", "/staff/volunteers/{volunteer}/training",
         {"course": HTML + "c" * TEN_K, "completed_on": "2026-01-01"},
         {"course": "Please use 100 characters or fewer."},
         kept=(("value", HTML + "c" * TEN_K),), status=422),
    Case("training-dates-wrong", "staff", "POST", "/staff/volunteers/{volunteer}/training",
         {"course": "First aid", "completed_on": "2999-01-01", "expires_on": "soon"},
         {"completed_on": volunteers.FUTURE_COMPLETED, "expires_on": BAD_DAY},
         kept=(("value", "First aid"), ("value", "soon")), status=422),
    Case("training-expires-first", "staff", "POST", "/staff/volunteers/{volunteer}/training",
         {"course": "First aid", "completed_on": "2026-01-01", "expires_on": "2025-01-01"},
         {"expires_on": volunteers.EXPIRES_BEFORE}, status=422),
    Case("training-remove-unknown", "staff", "POST",
         "/staff/volunteers/{volunteer}/training/999999/remove",
         message=volunteers.GONE_TRAINING, follow=True, status=200),
    Case("training-remove-someone-elses", "staff", "POST",
         "/staff/volunteers/{vic}/training/{training}/remove",
         message=volunteers.GONE_TRAINING, follow=True, status=200),
    Case("training-remove-twice", "staff", "POST",
         "/staff/volunteers/{volunteer}/training/{training}/remove",
         message=volunteers.GONE_TRAINING, follow=True, twice=True, status=200),
    # ---- staff: correcting hours -----------------------------------------------------------
    Case("correct-empty", "staff", "POST", "/staff/shifts/{asha_shift}/correct", {},
         {"signed_in_at": IN_TIME, "signed_out_at": OUT_TIME,
          "reason": volunteers.NEED_REASON}, status=422),
    Case("correct-out-before-in", "staff", "POST", "/staff/shifts/{asha_shift}/correct",
         times("16:00", "14:00"), {"signed_out_at": volunteers.OUT_BEFORE_IN},
         kept=(("value", "16:00"), ("value", "14:00"), ("value", "Forgot to sign in")),
         status=422),
    Case("correct-html-and-10k", "staff", "POST", "/staff/shifts/{asha_shift}/correct",
         times(HTML, "9" * TEN_K, "r" * TEN_K),
         {"signed_in_at": IN_TIME, "signed_out_at": OUT_TIME,
          "reason": "Please use 200 characters or fewer."},
         kept=(("value", HTML), ("value", "r" * TEN_K)), status=422),
    Case("correct-nothing-changed", "staff", "POST", "/staff/shifts/{asha_shift}/correct",
         times("14:00", "16:00"), {"signed_in_at": volunteers.UNCHANGED}, status=422),
    Case("correct-overlaps-morning", "staff", "POST", "/staff/shifts/{asha_shift}/correct",
         times("11:00", "16:00"),
         {"signed_in_at": f"Asha already has hours at Coffee morning on {YESTERDAY} from "
                          "10:00 to 12:00, which overlap."},
         kept=(("value", "11:00"),), status=422),
    Case("correct-unknown", "staff", "POST", "/staff/shifts/999999/correct", times(),
         message="Page not found", status=404),
    # ---- staff: adding a missed sign-in ---------------------------------------------------
    Case("add-shift-empty", "staff", "POST", "/staff/hours/add", {},
         {"volunteer": volunteers.PICK_VOLUNTEER, "session": volunteers.PICK_SESSION,
          "signed_in_at": IN_TIME, "signed_out_at": OUT_TIME,
          "reason": volunteers.NEED_REASON}, status=422),
    Case("add-shift-ids-garbage", "staff", "POST", "/staff/hours/add",
         times(volunteer="9" * TEN_K, session=HTML),
         {"volunteer": volunteers.PICK_VOLUNTEER, "session": volunteers.PICK_SESSION},
         kept=(("value", "Forgot to sign in"),), status=422),
    Case("add-shift-staff-member", "staff", "POST", "/staff/hours/add",
         times(volunteer="{staff}", session="{past_session}"),
         {"volunteer": volunteers.PICK_VOLUNTEER}, status=422),
    Case("add-shift-cancelled", "staff", "POST", "/staff/hours/add",
         times(volunteer="{volunteer}", session="{called_off}"),
         {"session": volunteers.CANCELLED_ADD}, status=422),
    Case("add-shift-overlap", "staff", "POST", "/staff/hours/add",
         times("15:00", "17:00", volunteer="{volunteer}", session="{past_session}"),
         {"signed_in_at": f"Asha already has hours at Yesterday's tea party on {YESTERDAY} "
                          "from 14:00 to 16:00, which overlap."},
         kept=(("value", "15:00"), ("value", "17:00")), status=422),
    Case("add-shift-in-the-future", "staff", "POST", "/staff/hours/add",
         times(volunteer="{volunteer}", session="{tomorrow_session}"),
         {"signed_out_at": volunteers.OUT_IN_FUTURE}, status=422),
    # ---- staff: the hours page's filters -----------------------------------------------------
    Case("hours-filter-first-abc", "staff", "GET", "/staff/hours?first=abc",
         {"first": "Enter a date like 2026-11-23."}, kept=(("value", "abc"),), status=200),
    Case("hours-filter-last-before-first", "staff", "GET",
         "/staff/hours?first=2026-11-23&last=2026-11-01",
         {"last": "The last day must be on or after the first day."}, status=200),
    Case("hours-filter-volunteer-html", "staff", "GET", "/staff/hours?volunteer=%3Cb%3E",
         {"filter_volunteer": "Choose a volunteer from the list."}, status=200),
    Case("hours-filter-volunteer-10k-digits", "staff", "GET",
         "/staff/hours?volunteer=" + "9" * TEN_K,
         {"filter_volunteer": "Choose a volunteer from the list."}, status=200),
    Case("hours-filter-session-unknown", "staff", "GET", "/staff/hours?session=999999",
         message="Page not found", status=404),
    Case("hours-filter-session-text", "staff", "GET", "/staff/hours?session=abc",
         message="Page not found", status=404),
]
FORMS = [("POST", "/volunteer/session/{dbs_session}/sign-in"),
         ("POST", "/volunteer/shifts/{asha_shift}/sign-out"),
         ("POST", "/staff/volunteers/dbs-period"), ("POST", "/staff/volunteers/{volunteer}"),
         ("POST", "/staff/volunteers/{volunteer}/training"),
         ("POST", "/staff/volunteers/{volunteer}/training/{training}/remove"),
         ("POST", "/staff/shifts/{asha_shift}/correct"), ("POST", "/staff/hours/add"),
         ("GET", "/staff/hours")]


def extend_world(db, ids: dict) -> None:
    """Today at Asha's venue: a tea party needing a DBS check (hers lapsed) and a drop-in
    that does not; one at the other venue. Yesterday: Asha's morning and afternoon shifts
    (recorded by staff) and Vic's; a cancelled date; a date tomorrow; Asha's training."""
    now, staff = utcnow(), Actor(ids["staff"], "Sam Staff")
    yesterday = TODAY - timedelta(days=1)
    set_dbs(db, ids["volunteer"], ISSUED)
    ids["dbs_session"] = session_around(db, ids["venue"], now, requires_dbs=True,
                                        title="Beech Court tea party")
    ids["drop_in"] = session_around(db, ids["venue"], now, title="Library drop-in")
    ids["leigh_session"] = session_around(db, ids["other_venue"], now, title="Leigh drop-in")
    ids["past_session"] = add_session(db, ids["venue"], day=yesterday,
                                      title="Yesterday's tea party")
    morning = add_session(db, ids["venue"], day=yesterday, starts="10:00", ends="12:00",
                          title="Coffee morning")
    ids["called_off"] = add_session(db, ids["venue"], day=yesterday, cancelled=True)
    ids["tomorrow_session"] = add_session(db, ids["venue"], day=TODAY + timedelta(days=1))
    ids["vic"] = db["users"].insert({"username": "Shift Vic", "display_name": "Vic",
                                     "role": "volunteer", "secret_hash": "x"}).last_pk
    for key, user, session, start, end in (
            ("asha_shift", ids["volunteer"], ids["past_session"], "14:00", "16:00"),
            ("asha_morning", ids["volunteer"], morning, "10:00", "12:00"),
            ("vic_shift", ids["vic"], ids["past_session"], "14:00", "16:00")):
        ids[key] = volunteers.add_missed_shift(db, staff, user, session, start, end,
                                               "Signed the paper list", now=now)
    ids["training"] = volunteers.add_training(db, staff, ids["volunteer"], {
        "course": "Safeguarding adults", "completed_on": "2026-01-01"}, now=now)
