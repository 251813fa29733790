"""Bad-input cases for loan referrals and the waiting list (staff/referrals.py,
partner/views.py, partner sign-ins on staff/partners.py); run by tests/test_bad_input.py.
A referral with no way to reach anyone, the same person twice, removal without a reason
and junk in every field each get a message by the field and write nothing. Every form here
is listed in FORMS."""

import waiting_list
from audit import Actor
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
STAFF_NEW = "/staff/referrals/new"
PARTNER_NEW = "/partner/referrals/new"
REMOVE = "/staff/referrals/{loan_referral}/remove"
FLAGS = "/staff/referrals/flags"
DUPLICATE = "is already on the waiting list: referred on"


def referral(**values) -> dict:
    return dict({"referrer_name": "Jo Support", "referrer_contact": "", "first_name": "Stanley",
                 "contact_kind": "mobile", "contact": "07700 900555",
                 "postcode_district": "WN5", "reason": "Wants to video call his grandson.",
                 "venue": "", "kind": ""}, **values)


CASES = [
    Case("referral-no-way-to-contact", "staff", "POST", STAFF_NEW,
         referral(channel="phone", contact_kind="via_referrer", contact=""),
         {"referrer_contact": waiting_list.NO_WAY_TO_CONTACT}, status=422,
         kept=(("value", "Stanley"), ("checked", "via_referrer"),
               ("textarea", "Wants to video call his grandson."))),
    Case("referral-the-same-person-twice", "staff", "POST", STAFF_NEW,
         referral(channel="phone"), message=DUPLICATE, status=422, twice=True),
    Case("referral-full-postcode-nonsense", "staff", "POST", STAFF_NEW,
         referral(channel="email", postcode_district="Wigan town"),
         {"postcode_district": waiting_list.BAD_DISTRICT}, status=422,
         kept=(("value", "Wigan town"),)),
    Case("referral-junk", "staff", "POST", STAFF_NEW,
         {"channel": HTML, "first_name": "S" * TEN_K, "contact_kind": HTML, "contact": HTML,
          "reason": "r" * TEN_K, "venue": "1e99", "kind": "spaceship", "flags": ["x", "-1"],
          "partner": "999999", "interest": "nope", "request_id": "q" * TEN_K},
         {"channel": "Please choose how the referral came in.",
          "kind": "Please choose a kind of device from the list.",
          "flags": "Please tick priority flags from the list."}, status=422),
    Case("partner-referral-no-way-to-contact", "partner", "POST", PARTNER_NEW,
         referral(contact_kind="via_referrer", contact=""),
         {"referrer_contact": waiting_list.NO_WAY_TO_CONTACT}, status=422,
         kept=(("value", "Stanley"), ("checked", "via_referrer"))),
    Case("partner-referral-the-same-person-twice", "partner", "POST", PARTNER_NEW,
         referral(), message="already on the waiting list", status=422, twice=True),
    Case("referral-removed-without-a-reason", "staff", "POST", REMOVE, {"reason": ""},
         {"reason": "Please choose why it is coming off the list."}, status=422),
    Case("referral-removed-for-other-without-a-note", "staff", "POST", REMOVE,
         {"reason": "other", "note": "  "}, {"note": "Please say why, in a few words."},
         status=422),
    Case("referral-flag-without-a-name", "staff", "POST", FLAGS, {"label": "   "},
         {"label": "Please fill in the flag's name."}, status=422),
    Case("referral-flag-twice", "staff", "POST", FLAGS, {"label": "care LEAVER"},
         {"label": "There is already a flag called “care LEAVER”."}, status=422),
    Case("partner-sign-in-short-password", "staff", "POST",
         "/staff/partners/{partner}/sign-ins",
         {"username": "jo.support", "display_name": "Jo Support", "secret": "short"},
         status=422, kept=(("value", "jo.support"),)),
    Case("partner-sign-in-long-name-and-short-password", "staff", "POST",
         "/staff/partners/{partner}/sign-ins",
         {"username": "jo.support", "display_name": "J" * 61, "secret": "short"},
         {"display_name": "Enter a name of up to 60 characters."}, status=422,
         message="A partner password needs at least 10 characters."),  # both at once
]

FORMS = [("POST", STAFF_NEW), ("POST", PARTNER_NEW), ("POST", REMOVE), ("POST", FLAGS),
         ("POST", "/staff/partners/{partner}/sign-ins")]


def extend_world(db, ids: dict) -> None:
    """One referral waiting on the list, taken by phone."""
    ids["loan_referral"] = waiting_list.submit(
        db, Actor(ids["staff"], "Sam Staff"),
        referral(first_name="Doris", contact="07700 900777"), channel="phone")
