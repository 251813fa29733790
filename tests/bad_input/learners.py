"""Bad-input cases for learners, skills and referrals; run by tests/test_bad_input.py.

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

import json

import help_desk
import learners as rules
from audit import Actor
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
ODD_NOTES = "</textarea>" + HTML + "é" * 1000
FORM = "application/x-www-form-urlencoded"
NOT_YOURS = "That ticket is not one you are helping with right now."
CHOOSE_TOPIC = "Please choose what you need help with."
MINUTES = "Enter the minutes spent as a number from 1 to 480."
NEW = "/volunteer/learners/new"
SCAN = "/volunteer/learners/scan"
SKILLS = "/volunteer/learners/{learner}/skills"
HELP = "/volunteer/learners/{learner}/help"
REFER = "/volunteer/learners/{learner}/referrals"
LOG = "/volunteer/tickets/{learner_ticket}"
LINK = "/volunteer/tickets/{in_progress}/learner"
EDIT = "/staff/learners/{learner}"
STATUS = "/staff/learners/referrals/{referral}"


def new(**fields) -> dict:
    return {"first_name": "Lena", "consent_keep": "yes", **fields}


def finish(**fields) -> dict:
    return {"topics": ["email"], "minutes": "10", "outcome": "solved", **fields}


CASES = [
    # ---- volunteer: adding a learner -------------------------------------------------------
    Case("learner-no-consent", "volunteer", "POST", NEW, new(consent_keep=""),
         {"consent_keep": rules.CONSENT_NEEDED}, kept=(("value", "Lena"),), status=422),
    Case("learner-no-consent-html-name", "volunteer", "POST", NEW,
         {"first_name": HTML[:40], "postcode": "WN5 0AB"}, {"consent_keep": rules.CONSENT_NEEDED},
         kept=(("value", HTML[:40]), ("value", "WN5 0AB")), status=422),
    Case("learner-consent-not-yes", "volunteer", "POST", NEW, new(consent_keep="no"),
         {"consent_keep": rules.CONSENT_NEEDED}, status=422),
    Case("learner-bad-postcode", "volunteer", "POST", NEW, new(postcode="ZZ9 9ZZZ"),
         {"postcode": rules.BAD_POSTCODE}, kept=(("value", "ZZ9 9ZZZ"),), status=422),
    Case("learner-postcode-10k", "volunteer", "POST", NEW, new(postcode="W" * TEN_K),
         {"postcode": rules.BAD_POSTCODE}, kept=(("value", "W" * TEN_K),), status=422),
    Case("learner-name-too-long", "volunteer", "POST", NEW, new(first_name="L" * 41),
         {"first_name": rules.NAME_TOO_LONG}, kept=(("value", "L" * 41),), status=422),
    Case("learner-name-emoji", "volunteer", "POST", NEW, new(first_name="😀" * 41),
         {"first_name": rules.NAME_TOO_LONG}, kept=(("value", "😀" * 41),), status=422),
    Case("learner-no-name", "volunteer", "POST", NEW, new(first_name="   "),
         {"first_name": rules.NAME_NEEDED}, status=422),
    Case("learner-bad-band", "volunteer", "POST", NEW, new(birth_band=HTML),
         {"birth_band": rules.BAD_BAND}, status=422),
    Case("learner-contact-consent-no-contact", "volunteer", "POST", NEW,
         new(consent_contact="yes"), {"contact": rules.CONTACT_NEEDED}, status=422),
    Case("learner-contact-without-consent", "volunteer", "POST", NEW,
         new(contact_kind="mobile", contact="07700 900123"), {"contact": rules.CONTACT_UNWANTED},
         kept=(("value", "07700 900123"),), status=422),
    Case("learner-bad-mobile", "volunteer", "POST", NEW,
         new(consent_contact="yes", contact_kind="mobile", contact="12345"),
         {"contact": "Please give a UK mobile number, like 07700 900123."},
         kept=(("value", "12345"),), status=422),
    Case("learner-contact-kind-html", "volunteer", "POST", NEW, new(contact_kind=HTML),
         {"contact_kind": "Please choose how we can reach them."}, status=422),
    Case("learner-notes-10k", "volunteer", "POST", NEW, new(notes=ODD_NOTES),
         {"notes": rules.NOTES_TOO_LONG}, kept=(("textarea", ODD_NOTES),), status=422),
    Case("learner-not-utf8", "volunteer", "POST", NEW, b"first_name=%FF%FE&postcode=%FF",
         {"consent_keep": rules.CONSENT_NEEDED, "postcode": rules.BAD_POSTCODE}, status=422,
         content_type=FORM),
    Case("learner-json-body", "volunteer", "POST", NEW, json.dumps(new()),
         {"consent_keep": rules.CONSENT_NEEDED, "first_name": rules.NAME_NEEDED}, status=422,
         content_type="application/json"),
    Case("learner-twice", "volunteer", "POST", NEW, new(request_id="add-lena-once"),
         message="Added Lena.", follow=True, twice=True, status=200),
    # ---- volunteer: finding by card or name ------------------------------------------------
    Case("learner-scan-unknown", "volunteer", "POST", SCAN,
         {"scan": "https://x.example/l/ZZZZ2222"}, {"scan": rules.UNKNOWN_CARD},
         kept=(("value", "https://x.example/l/ZZZZ2222"),), status=422),
    Case("learner-scan-unknown-bare", "volunteer", "POST", SCAN, {"scan": "zzzz 2222"},
         {"scan": rules.UNKNOWN_CARD}, kept=(("value", "zzzz 2222"),), status=422),
    Case("learner-scan-empty", "volunteer", "POST", SCAN, {}, {"scan": rules.EMPTY_CARD},
         status=422),
    Case("learner-scan-device-label", "volunteer", "POST", SCAN, {"scan": "/d/TAB-0001"},
         {"scan": rules.DEVICE_NOT_CARD}, status=422),
    Case("learner-scan-10k", "volunteer", "POST", SCAN, {"scan": "l/" * TEN_K},
         {"scan": rules.UNKNOWN_CARD}, status=422),
    Case("learner-scan-html", "volunteer", "POST", SCAN, {"scan": HTML},
         {"scan": rules.UNKNOWN_CARD}, kept=(("value", HTML),), status=422),
    Case("learner-scan-bad-url", "volunteer", "POST", SCAN, {"scan": "http://[/l/x"},
         {"scan": rules.UNKNOWN_CARD}, status=422),
    Case("learner-search-10k", "volunteer", "GET", "/volunteer/learners?q=" + "x" * TEN_K,
         message="has been seen here", status=200),
    Case("learner-search-html", "volunteer", "GET",
         "/volunteer/learners?q=%22%3E%3Cscript%3E&everywhere=%FF",
         kept=(("value", '"><script>'),), status=200),
    Case("learner-unknown", "volunteer", "GET", "/volunteer/learners/999999",
         message="Page not found", status=404),
    # ---- volunteer: skills check ------------------------------------------------------------
    Case("skills-bad-level", "volunteer", "POST", SKILLS, {"skill_1": "brilliant"},
         {"skill_1": rules.BAD_LEVEL}, status=422),
    Case("skills-unknown-task", "volunteer", "POST", SKILLS, {"skill_9999": "on_own"},
         {"skills": rules.UNKNOWN_TASK}, status=422),
    Case("skills-task-id-html", "volunteer", "POST", SKILLS,
         {"skill_" + HTML: "on_own", "skill_2": "with_help"}, {"skills": rules.UNKNOWN_TASK},
         kept=(("checked", "with_help"),), status=422),
    Case("skills-none-chosen", "volunteer", "POST", SKILLS, {"skill_1": ""},
         {"skills": rules.NO_SKILLS}, status=422),
    Case("skills-unknown-learner", "volunteer", "POST", "/volunteer/learners/999999/skills",
         {"skill_1": "on_own"}, message="Page not found", status=404),
    Case("skills-twice", "volunteer", "POST", SKILLS, {"skill_1": "on_own"},
         message="Nothing new to save.", follow=True, twice=True, status=200),
    # ---- volunteer: log help with skills, and linking a learner ------------------------------
    Case("finish-skill-bad-level", "volunteer", "POST", LOG, finish(skill_1="brilliant"),
         {"skill_1": rules.BAD_LEVEL}, kept=(("checked", "email"),), status=422),
    Case("finish-skill-unknown-task", "volunteer", "POST", LOG, finish(skill_9999="on_own"),
         {"skills": rules.UNKNOWN_TASK}, status=422),
    Case("finish-skill-and-minutes-bad", "volunteer", "POST", LOG,
         finish(minutes="abc", skill_1="x", skill_2="on_own"),
         {"minutes": MINUTES, "skill_1": rules.BAD_LEVEL},
         kept=(("value", "abc"), ("checked", "on_own")), status=422),
    Case("finish-skill-without-learner", "volunteer", "POST", "/volunteer/tickets/{in_progress}",
         finish(skill_1="on_own"), {"skills": rules.NO_LEARNER}, status=422),
    Case("finish-skills-twice", "volunteer", "POST", LOG, finish(skill_1="on_own"),
         message="is logged.",  # a resend: as the first time
         follow=True, twice=True, status=200),
    Case("link-unknown-learner", "volunteer", "POST", LINK, {"learner_id": "999999"},
         {"learner": rules.NO_SUCH_LEARNER}, status=422),
    Case("link-learner-id-html", "volunteer", "POST", LINK, {"learner_id": HTML},
         {"learner": rules.NO_SUCH_LEARNER}, status=422),
    Case("link-unknown-card", "volunteer", "POST", LINK, {"scan": "ZZZZ2222"},
         {"scan": rules.UNKNOWN_CARD}, kept=(("value", "ZZZZ2222"),), status=422),
    Case("link-empty", "volunteer", "POST", LINK, {}, {"scan": rules.EMPTY_CARD}, status=422),
    Case("link-not-my-ticket", "volunteer", "POST", "/volunteer/tickets/{waiting}/learner",
         {"learner_id": "{learner}"}, message=NOT_YOURS, follow=True, status=200),
    # ---- volunteer: help now, referrals ----------------------------------------------------
    Case("help-now-no-topic", "volunteer", "POST", HELP, {"request_id": "hn"},
         {"topic": CHOOSE_TOPIC}, status=422),
    Case("help-now-topic-html", "volunteer", "POST", HELP, {"topic": HTML},
         {"topic": CHOOSE_TOPIC}, status=422),
    Case("help-now-unknown-learner", "volunteer", "POST", "/volunteer/learners/999999/help",
         {"topic": "email"}, message="Page not found", status=404),
    Case("help-now-twice", "volunteer", "POST", HELP, {"topic": "email", "request_id": "hn-1"},
         message="Log help for", follow=True, twice=True, status=200),
    Case("referral-no-kind", "volunteer", "POST", REFER, {}, {"kind": rules.BAD_KIND},
         status=422),
    Case("referral-kind-html", "volunteer", "POST", REFER, {"kind": HTML, "detail": "Zumba"},
         {"kind": rules.BAD_KIND}, kept=(("value", "Zumba"),), status=422),
    Case("referral-no-course", "volunteer", "POST", REFER, {"kind": "adult_learning"},
         {"detail": rules.COURSE_NEEDED}, kept=(("checked", "adult_learning"),), status=422),
    Case("referral-unknown-partner", "volunteer", "POST", REFER,
         {"kind": "partner", "partner_id": "999999"}, {"partner_id": rules.PARTNER_NEEDED},
         status=422),
    Case("referral-detail-10k", "volunteer", "POST", REFER,
         {"kind": "wellbeing", "detail": "d" * TEN_K}, {"detail": rules.DETAIL_TOO_LONG},
         kept=(("value", "d" * TEN_K),), status=422),
    Case("referral-twice", "volunteer", "POST", REFER, {"kind": "sim"},
         message="Referral noted: SIM or data scheme.", follow=True, twice=True, status=200),
    # ---- staff: a learner's details and referral outcomes ----------------------------------
    Case("staff-learner-bad", "staff", "POST", EDIT,
         {"first_name": "", "postcode": "nowhere", "home_venue_id": HTML},
         {"first_name": rules.NAME_NEEDED, "postcode": rules.BAD_POSTCODE,
          "home_venue_id": rules.BAD_VENUE}, kept=(("value", "nowhere"),), status=422),
    Case("staff-learner-name-10k", "staff", "POST", EDIT, {"first_name": "x" * TEN_K},
         {"first_name": rules.NAME_TOO_LONG}, kept=(("value", "x" * TEN_K),), status=422),
    Case("staff-learner-contact-unwanted", "staff", "POST", EDIT,
         {"first_name": "Lena", "contact_kind": "mobile", "contact": "07700 900123"},
         {"contact": rules.CONTACT_UNWANTED}, kept=(("value", "07700 900123"),), status=422),
    Case("staff-learner-unknown", "staff", "POST", "/staff/learners/999999",
         {"first_name": "Lena"}, message="Page not found", status=404),
    Case("staff-referral-bad-status", "staff", "POST", STATUS, {"status": HTML},
         {"status": rules.BAD_STATUS}, status=422),
    Case("staff-referral-no-status", "staff", "POST", STATUS, {},
         {"status": rules.BAD_STATUS}, status=422),
    Case("staff-referral-unknown", "staff", "POST", "/staff/learners/referrals/999999",
         {"status": "made"}, message="Page not found", status=404),
    Case("staff-learners-odd-filters", "staff", "GET", "/staff/learners?venue=abc&q=%FF",
         message="No learners match.", status=200),
    # ---- anyone: a learner card's public page ------------------------------------------------
    Case("public-card-unknown", "anon", "GET", "/l/ZZZZ2222", status=404),
    Case("public-card-html", "anon", "GET", "/l/%3Cscript%3E", status=404),
]
FORMS = [("POST", NEW), ("POST", SCAN), ("GET", "/volunteer/learners"), ("POST", SKILLS),
         ("POST", HELP), ("POST", REFER), ("POST", LINK), ("POST", EDIT), ("POST", STATUS),
         ("GET", "/staff/learners")]


def extend_world(db, ids: dict) -> None:
    """Lena, a learner at the world's venue (`learner`), with a referral (`referral`) and a
    ticket Asha is helping her with now (`learner_ticket`)."""
    asha = Actor(ids["volunteer"], "Asha")
    ids["learner"] = rules.add_learner(db, asha, {"first_name": "Lena", "consent_keep": "yes"},
                                       ids["venue"])
    ids["referral"] = rules.add_referral(db, asha, ids["learner"], {"kind": "wellbeing"})
    ticket = rules.start_help(db, asha, ids["learner"], ids["venue"], "email")
    ids["learner_ticket"] = ticket["id"]
    assert db["skill_tasks"].get(1)["code"] == "F1"  # the cases name skill_1 and skill_2
    assert help_desk.get_ticket(db, ticket["id"])["status"] == "in_progress"
