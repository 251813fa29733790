"""Bad input to every form: never a 5xx, a clear message by the field, what was typed kept,
nothing half-written. One table of cases; each names who sends it and what they should see."""

import json
from datetime import timedelta

import pytest
from markupsafe import escape

import auth
import help_desk
import lending
from audit import Actor
from tests.bad_input import impact as impact_cases
from tests.bad_input import kiosk_check as kiosk_check_cases
from tests.bad_input import learners as learner_cases
from tests.bad_input import privacy as privacy_cases
from tests.bad_input import referrals as referral_cases
from tests.bad_input import refurb as refurb_cases
from tests.bad_input import sims as sim_cases
from tests.bad_input import tea_parties as tea_party_cases
from tests.bad_input import volunteers as volunteer_cases
from tests.bad_input.case import Case

pytestmark = pytest.mark.usefixtures("fast_hashing")

TEN_K = 10_000
NOT_IN_QUEUE = "That ticket is not in this venue's queue any more."
NOT_YOURS = "That ticket is not one you are helping with right now."
MINUTES = "Enter the minutes spent as a number from 1 to 480."
TOPICS = "Tick at least one thing you helped with."
OUTCOME = "Choose how it went."
NAME_TOO_LONG = "Please use 40 letters or fewer."
CHOOSE_TOPIC = "Please choose what you need help with."
BAD_DATE = "Enter a date like 2026-11-23."
STAFF_WRONG = "Username or password not recognised."
PIN_WRONG = "Name or PIN not recognised."
NO_VENUE = "Choose where you are volunteering today."
PIN_RULE = "A PIN is 4 to 6 digits."
KIOSK_NAME = "Give the kiosk a name of up to 60 characters, e.g. “Wigan front desk”."
KIOSK_VENUE = "Choose the venue this kiosk stands in."
PERSON_NAME = "Enter a name of up to 60 characters."
KIOSK_START = "What do you need help with?"
HTML = '"><script>alert(1)</script>'
FORM = "application/x-www-form-urlencoded"
ODD_NOTES = "</textarea>" + HTML + "é" * 1000
DUE = (lending.today() + timedelta(days=14)).isoformat()
SIGNED = json.dumps([[[10, 10], [50, 40]]])
NO_SUCH_TAG = "No device has the tag TAB-0404. Check the label and try again."
NOT_A_LABEL = "That code is not one of our device labels."
LEARNER_CARD = "That is a learner card, not a device. Scan the QR label on the device."
UNKNOWN_CARD = ("We do not know that learner card. Check the code printed on it, or find the "
                "learner by name.")  # on the scan page a known card opens the learner's page
TOO_LONG_80 = "Please use 80 characters or fewer."
IMEI = "That does not look like an IMEI (15 digits). Check the digits and try again."
BAD_DAY = "Please give the date as year-month-day, for example 2026-12-24."
SIGN = ("Please ask the borrower to sign in the box, or tick that they agreed in "
        "person.")
IMPORT_NO_FILE = "Please choose a CSV file to upload."
IMPORT_KIND = "Please choose the kind of device for rows whose kind we cannot tell."
IMPORT_AGAIN = "The file did not come through. Please upload it again."
IMPORT_CR_ONLY = ("This file ends its lines the old Mac way (CR only), so we cannot tell its "
                  "rows apart safely. In your spreadsheet choose Save As → “CSV UTF-8 (Comma "
                  "delimited)” and upload that.")
IMPORT_NO_NAME = ("We could not find a name column (First Name, Last Name, Full Name or "
                  "Username) in the first row.")


def finish(**overrides):
    data = {"topics": ["email"], "minutes": "10", "outcome": "solved", "notes": ""}
    data.update(overrides)
    return data


CASES = [
    # ---- kiosk: POST /kiosk/tickets ----------------------------------------------------------
    Case("kiosk-name-10k", "kiosk", "POST", "/kiosk/tickets",
         {"topic": "email", "name": "x" * TEN_K}, {"name": NAME_TOO_LONG},
         kept=(("value", "x" * TEN_K),), status=422),
    Case("kiosk-name-html", "kiosk", "POST", "/kiosk/tickets",
         {"topic": "email", "name": HTML + "a" * 20}, {"name": NAME_TOO_LONG},
         kept=(("value", HTML + "a" * 20),), status=422),
    Case("kiosk-name-emoji", "kiosk", "POST", "/kiosk/tickets",
         {"topic": "email", "name": "😀" * 41}, {"name": NAME_TOO_LONG},
         kept=(("value", "😀" * 41),), status=422),
    Case("kiosk-name-bidi-combining", "kiosk", "POST", "/kiosk/tickets",
         {"topic": "email", "name": "\u202e" + "ǅ\u0301" * 20}, {"name": NAME_TOO_LONG},
         kept=(("value", "\u202e" + "ǅ\u0301" * 20),), status=422),
    Case("kiosk-name-not-utf8", "kiosk", "POST", "/kiosk/tickets",
         b"topic=email&name=" + b"%FF" * 41, {"name": NAME_TOO_LONG}, status=422,
         content_type=FORM),
    Case("kiosk-no-topic", "kiosk", "POST", "/kiosk/tickets", {"name": "Mary"},
         message=KIOSK_START, follow=True, status=200),
    Case("kiosk-unknown-topic", "kiosk", "POST", "/kiosk/tickets",
         {"topic": "rockets", "name": "Mary"}, message=KIOSK_START, follow=True, status=200),
    Case("kiosk-topic-10k", "kiosk", "POST", "/kiosk/tickets", {"topic": "e" * TEN_K},
         message=KIOSK_START, follow=True, status=200),
    Case("kiosk-empty-body", "kiosk", "POST", "/kiosk/tickets", {}, message=KIOSK_START,
         follow=True, status=200),
    Case("kiosk-json-body", "kiosk", "POST", "/kiosk/tickets",
         json.dumps({"topic": "email", "name": "Mary"}), message=KIOSK_START, follow=True,
         status=200, content_type="application/json"),
    Case("kiosk-name-page-unknown-topic", "kiosk", "GET", "/kiosk/name?topic=%FF%FE",
         message=KIOSK_START, follow=True, status=200),
    Case("kiosk-unknown-ticket-code", "kiosk", "GET", "/kiosk/tickets/no-such-code",
         message="Page not found", status=404),
    # ---- volunteer: finishing POST /volunteer/tickets/<id> ---------------------------------
    Case("finish-empty", "volunteer", "POST", "/volunteer/tickets/{in_progress}", {},
         {"topics": TOPICS, "minutes": MINUTES, "outcome": OUTCOME}, status=422),
    Case("finish-minutes-abc", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes="abc", topics=["email", "scams"]), {"minutes": MINUTES},
         kept=(("value", "abc"), ("checked", "email"), ("checked", "scams"),
               ("checked", "solved")), status=422),
    Case("finish-minutes-0", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes="0"), {"minutes": MINUTES}, kept=(("value", "0"),), status=422),
    Case("finish-minutes-481", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes="481"), {"minutes": MINUTES}, kept=(("value", "481"),), status=422),
    Case("finish-minutes-negative", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes="-5"), {"minutes": MINUTES}, kept=(("value", "-5"),), status=422),
    Case("finish-minutes-decimal", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes="2.5"), {"minutes": MINUTES}, kept=(("value", "2.5"),), status=422),
    Case("finish-minutes-10k-digits", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes="9" * TEN_K), {"minutes": MINUTES}, kept=(("value", "9" * TEN_K),),
         status=422),
    Case("finish-minutes-html", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(minutes=HTML), {"minutes": MINUTES}, kept=(("value", HTML),), status=422),
    Case("finish-unknown-topic", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(topics=["rockets"]), {"topics": TOPICS}, kept=(("value", "10"),), status=422),
    Case("finish-bad-outcome", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(outcome="brilliant"), {"outcome": OUTCOME}, kept=(("checked", "email"),),
         status=422),
    Case("finish-notes-10k", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(notes="n" * TEN_K),
         {"notes": "Notes can be at most 1000 characters (10000 now)."},
         kept=(("textarea", "n" * TEN_K),), status=422),
    Case("finish-notes-html-unicode", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(notes=ODD_NOTES),
         {"notes": f"Notes can be at most 1000 characters ({len(ODD_NOTES)} now)."},
         kept=(("textarea", ODD_NOTES),), status=422),
    Case("finish-twice", "volunteer", "POST", "/volunteer/tickets/{in_progress}", finish(),
         message="is logged.",  # a resend: as the first time
         follow=True, twice=True, status=200),
    Case("finish-a-waiting-ticket", "volunteer", "POST", "/volunteer/tickets/{waiting}",
         finish(), message=NOT_YOURS, follow=True, status=200),
    # ---- volunteer: walk-in ---------------------------------------------------------------
    Case("walk-in-empty", "volunteer", "POST", "/volunteer/walk-in", {},
         {"topic": CHOOSE_TOPIC}, status=422),
    Case("walk-in-unknown-topic", "volunteer", "POST", "/volunteer/walk-in",
         {"topic": "rockets", "name": "Mo"}, {"topic": CHOOSE_TOPIC},
         kept=(("value", "Mo"),), status=422),
    Case("walk-in-name-10k", "volunteer", "POST", "/volunteer/walk-in",
         {"topic": "email", "name": "y" * TEN_K}, {"name": NAME_TOO_LONG},
         kept=(("value", "y" * TEN_K), ("checked", "email")), status=422),
    Case("walk-in-help-now-without-topic", "volunteer", "POST", "/volunteer/walk-in",
         {"name": HTML, "help_now": "1"}, {"topic": CHOOSE_TOPIC}, kept=(("value", HTML),),
         status=422),
    Case("walk-in-both-wrong", "volunteer", "POST", "/volunteer/walk-in",
         {"topic": "e" * TEN_K, "name": "ẞ" * 41}, {"topic": CHOOSE_TOPIC, "name": NAME_TOO_LONG},
         kept=(("value", "ẞ" * 41),), status=422),
    # ---- volunteer: unknown ids and double taps -------------------------------------------------
    Case("take-unknown", "volunteer", "POST", "/volunteer/tickets/999999/take",
         message=NOT_IN_QUEUE, follow=True, status=200),
    Case("take-other-venue", "volunteer", "POST", "/volunteer/tickets/{elsewhere}/take",
         message=NOT_IN_QUEUE, follow=True, status=200),
    Case("take-too-big-for-sqlite", "volunteer", "POST",
         "/volunteer/tickets/99999999999999999999999/take", message="Page not found",
         status=404),
    Case("take-zero", "volunteer", "POST", "/volunteer/tickets/0/take",
         message="Page not found", status=404),
    Case("take-text", "volunteer", "POST", "/volunteer/tickets/abc/take",
         message="Page not found", status=404),
    Case("take-twice", "volunteer", "POST", "/volunteer/tickets/{waiting}/take",
         message="Log help for 1 (Mary)", follow=True, twice=True, status=200),
    Case("left-unknown", "volunteer", "POST", "/volunteer/tickets/999999/left",
         message=NOT_IN_QUEUE, follow=True, status=200),
    Case("left-twice", "volunteer", "POST", "/volunteer/tickets/{waiting}/left",
         message="Ticket 1 is now “Left before being seen”.", follow=True, twice=True,
         status=200),
    Case("left-while-being-helped", "volunteer", "POST", "/volunteer/tickets/{in_progress}/left",
         message="Ticket 2 is now “Being helped”.", follow=True, status=200),
    Case("put-back-unknown", "volunteer", "POST", "/volunteer/tickets/999999/put-back",
         message=NOT_YOURS, follow=True, status=200),
    Case("put-back-a-waiting-ticket", "volunteer", "POST", "/volunteer/tickets/{waiting}/put-back",
         message=NOT_YOURS, follow=True, status=200),
    Case("log-form-unknown", "volunteer", "GET", "/volunteer/tickets/999999",
         message=NOT_YOURS, follow=True, status=200),
    Case("finish-unknown", "volunteer", "POST", "/volunteer/tickets/999999", finish(),
         message=NOT_YOURS, follow=True, status=200),
    # ---- staff: GET /staff/ filters -----------------------------------------------------------
    Case("filter-first-abc", "staff", "GET", "/staff/?first=abc", errors={"first": BAD_DATE},
         kept=(("value", "abc"),), status=200),
    Case("filter-first-feb-30", "staff", "GET", "/staff/?first=2026-02-30",
         errors={"first": BAD_DATE}, kept=(("value", "2026-02-30"),), status=200),
    Case("filter-first-10k", "staff", "GET", "/staff/?first=" + "1" * TEN_K,
         errors={"first": BAD_DATE}, kept=(("value", "1" * TEN_K),), status=200),
    Case("filter-first-html", "staff", "GET", "/staff/?first=%22%3E%3Cscript%3E",
         errors={"first": BAD_DATE}, kept=(("value", '"><script>'),), status=200),
    Case("filter-first-fullwidth", "staff", "GET", "/staff/?first=２０２６-１１-２３",
         errors={"first": BAD_DATE}, kept=(("value", "２０２６-１１-２３"),), status=200),
    Case("filter-last-not-utf8", "staff", "GET", "/staff/?last=%FF%FE",
         errors={"last": BAD_DATE}, status=200),
    Case("filter-last-before-first", "staff", "GET", "/staff/?first=2026-11-23&last=2026-11-01",
         errors={"last": "The last day must be on or after the first day."},
         kept=(("value", "2026-11-23"), ("value", "2026-11-01")), status=200),
    Case("filter-too-long-a-period", "staff", "GET", "/staff/?first=2020-01-01&last=2026-01-01",
         errors={"last": "Choose at most a year at a time."}, status=200),
    Case("filter-venue-abc", "staff", "GET", "/staff/?venue=abc",
         errors={"venue": "Choose a venue from the list."}, status=200),
    Case("filter-venue-unknown", "staff", "GET", "/staff/?venue=999999",
         errors={"venue": "Choose a venue from the list."}, status=200),
    Case("filter-venue-too-big", "staff", "GET", "/staff/?venue=" + "9" * 30,
         errors={"venue": "Choose a venue from the list."}, status=200),
    Case("filter-venue-negative", "staff", "GET", "/staff/?venue=-1",
         errors={"venue": "Choose a venue from the list."}, status=200),
    # ---- staff: POST /staff/people ----------------------------------------------------------
    Case("person-empty", "staff", "POST", "/staff/people", {},
         {"username": PERSON_NAME, "role": "Choose volunteer or staff."}, status=422),
    Case("person-name-10k", "staff", "POST", "/staff/people",
         {"username": "z" * TEN_K, "role": "volunteer", "secret": "4567"},
         {"username": PERSON_NAME}, kept=(("value", "z" * TEN_K), ("selected", "volunteer")),
         status=422),
    Case("person-role-admin", "staff", "POST", "/staff/people",
         {"username": "Mallory", "role": "admin", "secret": "a long enough password"},
         {"role": "Choose volunteer or staff."}, kept=(("value", "Mallory"),), status=422),
    Case("person-pin-short", "staff", "POST", "/staff/people",
         {"username": "Dana", "role": "volunteer", "secret": "12"}, {"secret": PIN_RULE},
         kept=(("value", "Dana"), ("selected", "volunteer")), status=422),
    Case("person-pin-letters", "staff", "POST", "/staff/people",
         {"username": "Dana", "role": "volunteer", "secret": "12ab"}, {"secret": PIN_RULE},
         status=422),
    Case("person-pin-newline", "staff", "POST", "/staff/people",
         {"username": "Dana", "role": "volunteer", "secret": "1234\n"}, {"secret": PIN_RULE},
         status=422),
    Case("person-pin-arabic-digits", "staff", "POST", "/staff/people",
         {"username": "Dana", "role": "volunteer", "secret": "١٢٣٤"}, {"secret": PIN_RULE},
         status=422),
    Case("person-password-short", "staff", "POST", "/staff/people",
         {"username": "lee", "role": "staff", "secret": "short"},
         {"secret": "A staff password needs at least 10 characters."},
         kept=(("value", "lee"), ("selected", "staff")), status=422),
    Case("person-name-taken", "staff", "POST", "/staff/people",
         {"username": "ASHA", "role": "volunteer", "secret": "5678"},
         {"username": "'ASHA' is already taken."}, kept=(("value", "ASHA"),), status=422),
    Case("person-name-taken-spaces", "staff", "POST", "/staff/people",
         {"username": "  SAM ", "role": "staff", "secret": "a long enough password"},
         {"username": "'SAM' is already taken."}, kept=(("value", "SAM"),), status=422),
    Case("person-added-twice", "staff", "POST", "/staff/people",
         {"username": "Dana", "role": "volunteer", "secret": "4567"},
         {"username": "'Dana' is already taken."}, twice=True, status=422),
    Case("unlock-unknown", "staff", "POST", "/staff/people/999999/unlock",
         message="That person is not on the list any more.", follow=True, status=200),
    # ---- staff: POST /staff/kiosks ------------------------------------------------------------
    Case("kiosk-register-empty", "staff", "POST", "/staff/kiosks", {},
         {"name": KIOSK_NAME, "venue": KIOSK_VENUE}, status=422),
    Case("kiosk-register-name-10k", "staff", "POST", "/staff/kiosks",
         {"name": "k" * TEN_K, "venue": "{venue}"}, {"name": KIOSK_NAME},
         kept=(("value", "k" * TEN_K), ("selected", "{venue}")), status=422),
    Case("kiosk-register-venue-abc", "staff", "POST", "/staff/kiosks",
         {"name": HTML, "venue": "abc"}, {"venue": KIOSK_VENUE}, kept=(("value", HTML),),
         status=422),
    Case("kiosk-register-venue-too-big", "staff", "POST", "/staff/kiosks",
         {"name": "Desk", "venue": "9" * 30}, {"venue": KIOSK_VENUE}, status=422),
    Case("kiosk-register-venue-unknown", "staff", "POST", "/staff/kiosks",
         {"name": "Desk", "venue": "999999"}, {"venue": KIOSK_VENUE}, status=422),
    Case("kiosk-revoke-unknown", "staff", "POST", "/staff/kiosks/999999/revoke",
         message="That kiosk is not registered, or was revoked already.", follow=True,
         status=200),
    Case("kiosk-revoke-twice", "staff", "POST", "/staff/kiosks/1/revoke",
         message="That kiosk is not registered, or was revoked already.", follow=True,
         twice=True, status=200),
    # ---- sign-in forms ----------------------------------------------------------------------
    Case("staff-signin-empty", "anon", "POST", "/signin/staff", {},
         {"password": STAFF_WRONG}, status=401),
    Case("staff-signin-10k", "anon", "POST", "/signin/staff",
         {"username": "u" * TEN_K, "password": "p" * TEN_K}, {"password": STAFF_WRONG},
         kept=(("value", "u" * TEN_K),), status=401),
    Case("staff-signin-wrong-password", "anon", "POST", "/signin/staff",
         {"username": "sam", "password": "not the password"}, {"password": STAFF_WRONG},
         kept=(("value", "sam"),), status=401),
    Case("staff-signin-html", "anon", "POST", "/signin/staff",
         {"username": HTML, "password": HTML}, {"password": STAFF_WRONG},
         kept=(("value", HTML),), status=401),
    Case("staff-signin-not-utf8", "anon", "POST", "/signin/staff",
         b"username=%ED%A0%80&password=%FF", {"password": STAFF_WRONG}, status=401,
         content_type=FORM),
    Case("volunteer-signin-empty", "anon", "POST", "/signin/volunteer", {},
         {"pin": PIN_WRONG, "venue": NO_VENUE}, status=401),
    Case("volunteer-signin-10k", "anon", "POST", "/signin/volunteer",
         {"name": "n" * TEN_K, "pin": "1" * TEN_K, "venue": "{venue}"}, {"pin": PIN_WRONG},
         kept=(("value", "n" * TEN_K), ("selected", "{venue}")), status=401),
    Case("volunteer-signin-bad-venue", "anon", "POST", "/signin/volunteer",
         {"name": "Asha", "pin": "1234", "venue": "abc"}, {"venue": NO_VENUE},
         kept=(("value", "Asha"),), status=401),
    Case("volunteer-signin-fullwidth-pin", "anon", "POST", "/signin/volunteer",
         {"name": "Asha", "pin": "１２３４", "venue": "{venue}"}, {"pin": PIN_WRONG},
         kept=(("value", "Asha"),), status=401),
    Case("volunteer-signin-not-utf8", "anon", "POST", "/signin/volunteer",
         b"name=%FF%FE&pin=%FF&venue=%FF", {"pin": PIN_WRONG, "venue": NO_VENUE}, status=401,
         content_type=FORM),
    Case("volunteer-signin-staff-account", "anon", "POST", "/signin/volunteer",
         {"name": "sam", "pin": "correct horse battery", "venue": "{venue}"},
         {"pin": PIN_WRONG}, kept=(("value", "sam"),), status=401),

    # ---- staff: devices, scanning, lending ---------------------------------------------------
    Case("device-bad-fields", "staff", "POST", "/staff/devices/new",
         {"kind": "tablet", "make": "x" * TEN_K, "imei": HTML, "sim_expires": "12/01/2027",
          "asset_tag": HTML, "accessories": ["charger", "sofa"], "condition": "Z"},
         {"make": TOO_LONG_80, "imei": IMEI, "sim_expires": BAD_DAY,
          "accessories": "Please tick accessories from the list.",
          "condition": "Please choose a grade from the list."},
         kept=(("value", "x" * TEN_K), ("value", HTML), ("checked", "charger")), status=422),
    Case("device-unknown-kind-and-venue", "staff", "POST", "/staff/devices/new",
         {"kind": "toaster", "home_venue_id": "99999999999999999999999", "status": "on_loan"},
         {"kind": "Please choose what kind of device this is.",
          "home_venue_id": "Please choose a venue from the list."}, status=422),
    Case("device-taken-tag", "staff", "POST", "/staff/devices/new",
         {"kind": "laptop", "asset_tag": "tab-0001"},
         {"asset_tag": "Another device already has the tag tab-0001."},
         kept=(("value", "tab-0001"),), status=422),
    Case("device-edit-bad-date", "staff", "POST", "/staff/devices/{free}/edit",
         {"kind": "tablet", "sim_expires": "31/12/2027", "notes": ODD_NOTES + "x" * TEN_K},
         {"sim_expires": BAD_DAY, "notes": "Please use 1000 characters or fewer."},
         kept=(("value", "31/12/2027"),), status=422),
    Case("device-status-no-reason", "staff", "POST", "/staff/devices/{free}/status",
         {"status": "in_repair", "reason": "  "}, {"reason": "Please fill in the reason."},
         status=422),
    Case("device-status-not-allowed", "staff", "POST", "/staff/devices/{free}/status",
         {"status": "on_loan", "reason": "because"},
         {"status": "Please choose a status from the list."}, status=422),
    Case("device-wipe-not-ticked", "staff", "POST", "/staff/devices/{free}/wipe", {},
         message="TAB-0002 is available, not waiting for a wipe.", follow=True, status=200),
    Case("device-kinds-bad", "staff", "POST", "/staff/devices/kinds",
         {"prefix_tablet": HTML, "loan_days_tablet": "-1"},
         {"prefix_tablet": "Use 1 to 6 letters, for example TAB.",
          "loan_days_tablet": "Use a number of days from 1 to 365."},
         kept=(("value", HTML),), status=422),
    Case("scan-unknown-tag", "staff", "POST", "/staff/scan", {"scan": "TAB-0404"},
         {"scan": NO_SUCH_TAG}, kept=(("value", "TAB-0404"),), status=422),
    Case("scan-learner-card", "staff", "POST", "/staff/scan",
         {"scan": "https://doorstep.example/l/Zq8xT2"}, {"scan": UNKNOWN_CARD}, status=422),
    Case("scan-html-10k", "staff", "POST", "/staff/scan", {"scan": HTML * 500},
         {"scan": NOT_A_LABEL}, status=422),
    Case("scan-empty", "staff", "POST", "/staff/scan", {},
         {"scan": "Scan a device's label, or type its tag."}, status=422),
    Case("check-out-no-signature", "staff", "POST", "/staff/devices/{free}/check-out",
         {"who": "resident", "name": "Mary Jones", "contact_kind": "mobile",
          "contact": "01942 123456", "due_on": "yesterday", "library_card": HTML},
         {"signature": SIGN, "contact": "Please give a UK mobile number, like 07700 900123.",
          "due_on": BAD_DAY,
          "library_card": "A library card number is 4 to 20 letters or numbers."},
         kept=(("value", "Mary Jones"), ("value", "01942 123456"), ("selected", "mobile")),
         status=422),
    Case("check-out-past-due-10k-name", "staff", "POST", "/staff/devices/{free}/check-out",
         {"who": "resident", "name": "x" * TEN_K, "due_on": "2020-01-01", "signature": SIGNED},
         {"name": "Please use 60 characters or fewer.",
          "due_on": "The due date must be after today and within a year."}, status=422),
    Case("check-out-garbled-signature", "staff", "POST", "/staff/devices/{free}/check-out",
         {"who": "resident", "name": "Mary", "due_on": "2099-01-01",
          "signature": '[[["<svg onload=alert(1)>", 1]]]'},
         {"signature": SIGN}, status=422),
    Case("check-out-partner-not-chosen", "staff", "POST", "/staff/devices/{free}/check-out",
         {"who": "partner", "partner_id": "99999"},
         {"partner_id": "Please choose the partner organisation."}, status=422),
    Case("check-out-on-loan", "staff", "POST", "/staff/devices/{out}/check-out",
         {"who": "partner", "partner_id": "{partner}", "due_on": DUE},
         message="TAB-0001 is on loan, so it cannot be lent now.", follow=True, status=200),
    Case("check-in-not-on-loan", "staff", "POST", "/staff/devices/{free}/check-in",
         {"ok": ["reset"]}, message="TAB-0002 is not on loan, so there is nothing to check in.",
         follow=True, status=200),
    Case("check-in-problem-no-note", "staff", "POST", "/staff/devices/{out}/check-in",
         {"ok": ["reset", "charger"]},
         {"notes": "Please say what is wrong, so it can be repaired."},
         kept=(("checked", "charger"),), status=422),
    Case("check-in-notes-10k", "staff", "POST", "/staff/devices/{out}/check-in",
         {"ok": ["bogus"], "notes": ODD_NOTES * 10},
         {"notes": "Please use 1000 characters or fewer."},
         kept=(("textarea", ODD_NOTES * 10),), status=422),
    Case("partner-bad", "staff", "POST", "/staff/partners",
         {"name": "", "email": "age uk", "phone": "12", "notes": "n" * TEN_K},
         {"name": "Please fill in the organisation's name.",
          "email": "Please give an email address like name@example.com.",
          "phone": "Please give a UK phone number, like 01942 123456.",
          "notes": "Please use 1000 characters or fewer."},
         kept=(("value", "age uk"),), status=422),
    Case("partner-duplicate", "staff", "POST", "/staff/partners", {"name": "WIGAN AGE UK"},
         {"name": "WIGAN AGE UK is already a partner."}, status=422),
    Case("partner-lend-unknown", "staff", "POST", "/staff/partners/{partner}/lend",
         {"scan": "TAB-0404", "due_on": "2099-01-01"}, {"scan": NO_SUCH_TAG}, status=422),
    Case("partner-lend-learner-card", "staff", "POST", "/staff/partners/{partner}/lend",
         {"scan": "/l/abc123", "due_on": "2099-01-01"}, {"scan": LEARNER_CARD}, status=422),
    Case("partner-lend-on-loan", "staff", "POST", "/staff/partners/{partner}/lend",
         {"scan": "TAB-0001", "due_on": DUE},
         {"scan": "TAB-0001 is on loan, so it cannot be lent now."}, status=422),
    Case("labels-nothing-chosen", "staff", "POST", "/staff/labels",
         {"format": "L7160", "start_at": "22", "offset_x": "abc", "offset_y": "99"},
         {"device": "Please tick at least one device to print a label for."},
         kept=(("value", "22"), ("value", "abc")), status=422),
    Case("labels-unknown-format", "staff", "POST", "/staff/labels",
         {"device": ["{free}"], "format": HTML, "start_at": "1"}, status=422),
    Case("label-offsets-bad", "staff", "POST", "/staff/labels/offsets",
         {"format": "L7163", "offset_x": "1e9", "offset_y": "nan"}, status=422),
    Case("calibration-bad-format", "staff", "GET", "/staff/labels/calibration.pdf?format=XX",
         status=422),
    Case("agreement-empty", "staff", "POST", "/staff/agreement", {"text": "   "},
         {"text": "The agreement cannot be empty."}, status=422),
    Case("agreement-too-long", "staff", "POST", "/staff/agreement", {"text": ODD_NOTES * 6},
         {"text": "Please keep the agreement under 5000 characters."},
         kept=(("textarea", (ODD_NOTES * 6).strip()),), status=422),
    Case("loan-not-returned-wrong-loan", "staff", "POST", "/staff/loans/{loan}/not-returned",
         {}, message="That loan is not waiting for a check any more.", follow=True, status=200),
    Case("loan-extend-past", "staff", "POST", "/staff/loans/{loan}/extend",
         {"due_on": "2001-01-01"},
         {"due_on": "The due date must be after today and within a year."},
         kept=(("value", "2001-01-01"),), status=422),
    Case("loan-extend-garbage", "staff", "POST", "/staff/loans/{loan}/extend",
         {"due_on": HTML}, {"due_on": BAD_DAY}, kept=(("value", HTML),), status=422),
    Case("loan-contact-bad-channel", "staff", "POST", "/staff/loans/{loan}/contact",
         {"channel": "pigeon"}, follow=True, status=200),
    Case("kiosk-return-unknown", "kiosk", "POST", "/kiosk/return", {"scan": "TAB-0404"},
         {"scan": NO_SUCH_TAG}, kept=(("value", "TAB-0404"),), status=422),
    Case("kiosk-return-learner-card", "kiosk", "POST", "/kiosk/return",
         {"scan": "https://x.example/l/abc"}, {"scan": LEARNER_CARD}, status=422),
    Case("kiosk-return-not-on-loan", "kiosk", "POST", "/kiosk/return", {"scan": "TAB-0002"},
         {"scan": "This device is not out on loan. Please give it to a member of staff."},
         status=422),
    Case("public-device-html", "anon", "GET", "/d/%3Cscript%3E", status=404),
    Case("volunteer-scan-learner-card", "volunteer", "POST", "/volunteer/scan",
         {"scan": "/l/abc"}, {"scan": UNKNOWN_CARD}, status=422),
    Case("volunteer-check-out-no-signature", "volunteer", "POST",
         "/volunteer/devices/{free}/check-out",
         {"who": "resident", "name": HTML, "due_on": DUE}, {"signature": SIGN},
         kept=(("value", HTML),), status=422),
    Case("volunteer-check-in-problem-no-note", "volunteer", "POST",
         "/volunteer/devices/{out}/check-in", {"ok": ["reset"]},
         {"notes": "Please say what is wrong, so it can be repaired."}, status=422),
    # ---- staff: CSV import (staff/imports.py) ---------------------------------------------
    Case("import-devices-no-file", "staff", "POST", "/staff/import/devices/preview",
         {"default_kind": "laptop"}, {"devices_file": IMPORT_NO_FILE},
         kept=(("selected", "laptop"),), status=422),
    Case("import-devices-kind-html", "staff", "POST", "/staff/import/devices/preview",
         {"default_kind": HTML}, {"devices_file": IMPORT_NO_FILE, "default_kind": IMPORT_KIND},
         status=422),
    Case("import-borrowers-no-file", "staff", "POST", "/staff/import/borrowers/preview", {},
         {"borrowers_file": IMPORT_NO_FILE}, status=422),
    Case("import-devices-confirm-empty", "staff", "POST", "/staff/import/devices",
         {"default_kind": "tablet"}, {"devices_file": IMPORT_AGAIN}, status=422),
    Case("import-borrowers-confirm-cr-only", "staff", "POST", "/staff/import/borrowers",
         {"csv": "First Name\rAl\r"}, {"borrowers_file": IMPORT_CR_ONLY}, status=422),
    Case("import-borrowers-confirm-not-utf8", "staff", "POST", "/staff/import/borrowers",
         b"csv=%FF%FE", {"borrowers_file": IMPORT_NO_NAME}, status=422, content_type=FORM),
    # ---- found by tests/test_bad_input_properties.py --------------------------------------
    # A backspace was kept in the name, so the same name typed again made a second person.
    Case("person-name-control-characters", "staff", "POST", "/staff/people",
         {"username": "Dana\x08", "role": "volunteer", "secret": "4567"},
         {"username": "'Dana' is already taken."}, twice=True, status=422),
]


AREAS = (tea_party_cases, volunteer_cases, learner_cases, sim_cases, refurb_cases,
         impact_cases, privacy_cases, kiosk_check_cases, referral_cases)
CASES += [case for area in AREAS for case in area.CASES]


@pytest.fixture
def world(db, venue, other_venue, staff, volunteer):
    """A waiting ticket (1), one Asha is helping (2), one at the other venue, and a kiosk."""
    kiosk = Actor(None, "kiosk: Front desk")
    waiting = help_desk.create_ticket(db, venue, "email", "Mary", kiosk)
    in_progress = help_desk.create_ticket(db, venue, "scams", "Joseph", kiosk)
    help_desk.take_ticket(db, in_progress["id"], Actor(volunteer, "Asha"))
    elsewhere = help_desk.create_ticket(db, other_venue, "jobs", "Pat", kiosk)
    auth.register_kiosk(db, "Front desk", venue, Actor(staff, "Sam Staff"))
    out = lending.add_device(db, kiosk, {"kind": "tablet"})  # TAB-0001, lent below
    free = lending.add_device(db, kiosk, {"kind": "tablet"})  # TAB-0002, available
    partner = lending.add_partner(db, kiosk, {"name": "Wigan Age UK"})
    borrower = lending.add_borrower(db, kiosk, {"name": "Mary"})
    loan = lending.check_out(db, kiosk, out, borrower_id=borrower, due_on="2020-01-01",
                             imported=True)
    ids = {"waiting": waiting["id"], "in_progress": in_progress["id"],
           "elsewhere": elsewhere["id"], "venue": venue, "out": out, "free": free,
           "partner": partner, "loan": loan, "staff": staff, "volunteer": volunteer,
           "other_venue": other_venue}
    for area in AREAS:
        area.extend_world(db, ids)
    return ids


def snapshot(db) -> dict:
    """Row counts of every table, and the rows that a half-done change would touch."""
    state = {t: db[t].count for t in db.table_names()}
    state["tickets rows"] = [tuple(r) for r in db.execute("select * from tickets order by id")]
    state["kiosks rows"] = [tuple(r) for r in db.execute(
        "select id, name, venue_id, revoked_at from kiosks order by id")]
    state["users rows"] = [tuple(r) for r in db.execute(
        "select id, username, role, secret_hash, locked_until, active from users order by id")]
    return state


def client_for(request, app, who):
    if who == "anon":
        return app.test_client()
    return request.getfixturevalue(f"{who}_client")


def send(client, case: Case, ids: dict):
    kwargs = {"method": case.method, "follow_redirects": case.follow}
    if isinstance(case.data, dict):
        kwargs["data"] = {k: fill(v, ids) for k, v in case.data.items()}
    elif case.data is not None:
        kwargs["data"] = case.data
    if case.content_type:
        kwargs["content_type"] = case.content_type
    return client.open(case.url.format(**ids), **kwargs)


def fill(value, ids):
    """Put the world's ids into a case's form values: "{venue}", ["{free}"]…"""
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return str(ids[value[1:-1]])
    return value


def kept_markup(kind: str, typed: str) -> str:
    value = escape(typed)
    return {"value": f'value="{value}"', "textarea": f">{value}</textarea>",
            "checked": f'value="{value}" checked', "selected": f'value="{value}" selected'}[kind]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_handled_kindly(request, app, db, world, case):
    client = client_for(request, app, case.who)
    if case.twice:
        first = send(client, case, world)
        assert first.status_code < 400, "the first submission is a good one"
    before = snapshot(db)

    response = send(client, case, world)
    page = response.get_data(as_text=True)

    for step in [*response.history, response]:
        assert step.status_code < 500, (step.request.path, step.status_code)
    if case.status is not None:
        assert response.status_code == case.status, page[:2000]
    for name, message in case.errors.items():
        beside = f'<p class="field-error" id="{name}-error">{escape(message)}</p>'
        assert beside in page, f"{name}: {message!r} not shown by the field"
        assert f'aria-describedby="{name}-error' in page, f"{name} is not tied to its message"
    if case.message:
        assert escape(case.message) in page, case.message
    for kind, typed in case.kept:
        typed = str(world["venue"]) if typed == "{venue}" else typed
        assert kept_markup(kind, typed) in page, (kind, typed[:50])
    assert snapshot(db) == before, "nothing is written for rejected input"


def test_every_form_is_covered():
    covered = {(c.method, c.url.split("?")[0]) for c in CASES}
    for form in [("POST", "/kiosk/tickets"), ("POST", "/volunteer/tickets/{in_progress}"),
                 ("POST", "/volunteer/walk-in"), ("GET", "/staff/"), ("POST", "/staff/people"),
                 ("POST", "/staff/kiosks"), ("POST", "/signin/staff"),
                 ("POST", "/signin/volunteer"), ("POST", "/staff/devices/new"),
                 ("POST", "/staff/devices/{free}/edit"), ("POST", "/staff/devices/{free}/status"),
                 ("POST", "/staff/devices/{free}/wipe"), ("POST", "/staff/devices/kinds"),
                 ("POST", "/staff/scan"), ("POST", "/staff/devices/{free}/check-out"),
                 ("POST", "/staff/devices/{out}/check-in"), ("POST", "/staff/partners"),
                 ("POST", "/staff/partners/{partner}/lend"), ("POST", "/staff/labels"),
                 ("POST", "/staff/labels/offsets"), ("GET", "/staff/labels/calibration.pdf"),
                 ("POST", "/staff/agreement"), ("POST", "/staff/loans/{loan}/contact"),
                 ("POST", "/staff/loans/{loan}/not-returned"),
                 ("POST", "/staff/loans/{loan}/extend"),
                 ("POST", "/kiosk/return"), ("POST", "/staff/import/devices/preview"),
                 ("POST", "/staff/import/borrowers/preview"), ("POST", "/staff/import/devices"),
                 ("POST", "/staff/import/borrowers"), ("POST", "/volunteer/scan"),
                 ("POST", "/volunteer/devices/{free}/check-out"),
                 ("POST", "/volunteer/devices/{out}/check-in"),
                 *(form for area in AREAS for form in area.FORMS)]:
        assert form in covered, form


@pytest.mark.parametrize("cookie", [
    '{"names": 5}', '{"names": ["\\ud800"]}', '{"names": "Asha"}', '{"venue": {}}', "null",
    "[1, 2]", "not json at all", '{"names": [null, 3, "Asha"], "venue": "x"}',
])
def test_a_garbled_tablet_cookie_is_ignored(app, db, venue, cookie):
    client = app.test_client()
    client.set_cookie(auth.TABLET_COOKIE, cookie)
    response = client.get("/signin/volunteer")
    assert response.status_code == 200
    assert "Volunteer sign in" in response.get_data(as_text=True)
