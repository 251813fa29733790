"""Bad-input cases for Staff > Data protection (retention periods, finding a person, their
copy and erasure); run by tests/test_bad_input.py.

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

import learners
import subject_access
from audit import Actor
from retention import bad_months
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
PERIODS = "/staff/privacy/periods"
ERASE = "/staff/privacy/person/erase"
SIM_AT_LEAST = ("Please give at least 6 months: the council's SIM rules look back 6 months "
                "for a repeat.")


def periods(**overrides) -> dict:
    form = {"learners": "36", "borrowers": "24", "tickets": "3", "volunteers": "24",
            "donors": "24", "sim_households": "24", "loan_referrals": "24", "interest": "24"}
    form.update(overrides)
    return form


CASES = [
    # ---- retention periods and running it ---------------------------------------------------
    Case("privacy-periods-bad", "staff", "POST", PERIODS,
         periods(learners="abc", borrowers="0", tickets="9" * TEN_K, volunteers="-1",
                 donors="121", sim_households="3", loan_referrals="0", interest="x"),
         {"learners": bad_months(1), "borrowers": bad_months(1), "tickets": bad_months(1),
          "volunteers": bad_months(1), "donors": bad_months(1),
          "sim_households": SIM_AT_LEAST, "loan_referrals": bad_months(1),
          "interest": bad_months(1)},
         kept=(("value", "abc"), ("value", "-1"), ("value", "9" * TEN_K)), status=422),
    Case("privacy-periods-empty", "staff", "POST", PERIODS, {},
         {"learners": bad_months(1), "sim_households": bad_months(6)}, status=422),
    Case("privacy-periods-html-fullwidth", "staff", "POST", PERIODS,
         periods(learners=HTML, tickets="１２", donors="2.5"),
         {"learners": bad_months(1), "tickets": bad_months(1), "donors": bad_months(1)},
         kept=(("value", HTML), ("value", "１２")), status=422),
    Case("privacy-run-unconfirmed", "staff", "POST", "/staff/privacy/run", {"confirm": ""},
         {"confirm": "Please tick to confirm: what is due is anonymised for good."},
         status=422),
    # ---- finding a person ------------------------------------------------------------------
    Case("privacy-find-10k", "staff", "GET", "/staff/privacy/find?q=" + "x" * TEN_K,
         errors={"q": subject_access.LONG_QUERY}, kept=(("value", "x" * TEN_K),),
         status=422),
    Case("privacy-find-one-letter", "staff", "GET", "/staff/privacy/find?q=a",
         errors={"q": subject_access.SHORT_QUERY}, kept=(("value", "a"),), status=422),
    Case("privacy-find-html", "staff", "GET", "/staff/privacy/find?q=%22%3E%3Cscript%3E",
         message="Nothing found.", kept=(("value", '"><script>'),), status=200),
    Case("privacy-find-not-utf8", "staff", "GET", "/staff/privacy/find?q=%FF%FE%FF",
         message="Nothing found.", status=200),
    Case("privacy-person-none-chosen", "staff", "GET", "/staff/privacy/person?q=Ursula",
         errors={"r": subject_access.PICK_RECORDS}, status=422),
    Case("privacy-person-unknown", "staff", "GET", "/staff/privacy/person?r=learner:999999",
         errors={"r": subject_access.GONE}, status=422),
    Case("privacy-person-html", "staff", "GET", "/staff/privacy/person?r=%3Cscript%3E",
         errors={"r": subject_access.GONE}, status=422),
    Case("privacy-person-id-too-big", "staff", "GET",
         "/staff/privacy/person?r=borrower:99999999999999999999999",
         errors={"r": subject_access.GONE}, status=422),
    Case("privacy-person-staff-as-volunteer", "staff", "GET",
         "/staff/privacy/person?r=volunteer:{staff}", errors={"r": subject_access.GONE},
         status=422),
    Case("privacy-person-too-many", "staff", "GET",
         "/staff/privacy/person?" + "&".join(f"r=learner:{n}" for n in range(1, 23)),
         errors={"r": subject_access.TOO_MANY}, status=422),
    Case("privacy-json-unknown", "staff", "GET", "/staff/privacy/person.json?r=borrower:4242",
         errors={"r": subject_access.GONE}, status=422),
    Case("privacy-copy-unknown", "staff", "GET", "/staff/privacy/person.html?r=donor:4242",
         errors={"r": subject_access.GONE}, status=422),
    # ---- erasure --------------------------------------------------------------------------
    Case("privacy-erase-nothing-chosen", "staff", "POST", ERASE,
         {"reason": "asked", "confirm": "yes"}, {"r": subject_access.PICK_RECORDS},
         status=422),
    Case("privacy-erase-no-reason-no-tick", "staff", "POST", ERASE,
         {"r": "{privacy_learner}", "reason": "", "confirm": ""},
         {"reason": subject_access.PICK_REASON, "confirm": subject_access.CONFIRM},
         status=422),
    Case("privacy-erase-reason-html", "staff", "POST", ERASE,
         {"r": "{privacy_learner}", "reason": HTML, "confirm": "yes"},
         {"reason": subject_access.PICK_REASON}, status=422),
    Case("privacy-erase-on-loan", "staff", "POST", ERASE,
         {"r": "{privacy_borrower}", "reason": "asked", "confirm": "yes"},
         {"r": subject_access.ON_LOAN.format(tag="TAB-0001", due="2020-01-01")},
         status=422),
    Case("privacy-erase-in-the-queue", "staff", "POST", ERASE,
         {"r": "{privacy_helped}", "reason": "asked", "confirm": "yes"},
         message="They have a help-desk ticket open today", status=422),
    Case("privacy-erase-unknown", "staff", "GET", ERASE + "?r=learner:999999",
         errors={"r": subject_access.GONE}, status=422),
    Case("privacy-erase-twice", "staff", "POST", ERASE,
         {"r": "{privacy_learner}", "reason": "asked", "confirm": "yes"},
         {"r": subject_access.ALREADY.format(name="Learner")}, twice=True, status=422),
]

FORMS = [("POST", PERIODS), ("POST", "/staff/privacy/run"), ("GET", "/staff/privacy/find"),
         ("GET", "/staff/privacy/person"), ("POST", ERASE)]
# Pages only a choice on an earlier page opens (who to erase), for the fuzz's discovery to read
# as staff (tests/test_bad_input_properties.py): the erase form with its hidden records.
PAGES = [ERASE + "?r={privacy_learner}"]


def extend_world(db, ids: dict) -> None:
    """Ursula, a learner with nothing open (`privacy_learner`); Mary, the world's borrower
    with a device still out (`privacy_borrower`); Lena, the learners area's learner, who
    is being helped now (`privacy_helped`)."""
    ursula = learners.add_learner(db, Actor(ids["volunteer"], "Asha"),
                                  {"first_name": "Ursula", "consent_keep": "yes"},
                                  ids["venue"])
    ids["privacy_learner"] = f"learner:{ursula}"
    borrower = db.execute("select borrower_id from loans where id = ?",
                          [ids["loan"]]).fetchone()[0]
    ids["privacy_borrower"] = f"borrower:{borrower}"
    ids["privacy_helped"] = f"learner:{ids['learner']}"
