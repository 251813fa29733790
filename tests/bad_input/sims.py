"""Bad-input cases for SIM stock and giveaways; run by tests/test_bad_input.py.

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

import learners
import lending
from giveaways import interest, sims
from migrations import SIM_CRITERIA_V1
from tests.bad_input.case import Case
from tests.test_sims import ELIGIBLE, STAFF, add_stock, iccid

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
GIVE = "/volunteer/sims/give"
NEW_BATCH = "/staff/sims/batches/new"
HERE, ELSEWHERE, GIVEN = iccid(900), iccid(950), iccid(901)
TODAY = lending.today()
REPEAT = (f"A SIM was given to this household on {sims.day_words(TODAY)} at Wigan Library. "
          "The council's rule is one every 6 months, so the next is due from "
          f"{sims.day_words(sims.add_months(TODAY, 6))}. To give another now, say why.")
BAD_LUHN = iccid(5)[:-1] + str((int(iccid(5)[-1]) + 1) % 10)


def batch(**overrides) -> dict:
    form = {"venue": "{venue}", "item": "sim", "network": "O2", "offer": "25 GB a month",
            "months": "12", "received_on": "2026-01-05", "codes": iccid(1)}
    form.update(overrides)
    return form


def give(**overrides) -> dict:
    form = {"stage": "give", "scan": HERE, "ticks": ELIGIBLE, "who": "household",
            "house": "12", "postcode": "WN5 0AB", "request_id": ""}
    form.update(overrides)
    return form


CASES = [
    # ---- staff: adding stock, POST /staff/sims/batches/new ---------------------------------
    Case("sim-batch-bad-lines", "staff", "POST", NEW_BATCH,
         batch(codes=f"{iccid(1)}\n12345\n{BAD_LUHN}"),
         {"codes": "Nothing was added. Line 2: 12345 has 5 digits; an ICCID has 19 or 20. "
                   f"Line 3: {BAD_LUHN} fails the check digit, so a digit is probably wrong."},
         kept=(("textarea", f"{iccid(1)}\n12345\n{BAD_LUHN}"),), status=422),
    Case("sim-batch-duplicate-in-list", "staff", "POST", NEW_BATCH,
         batch(codes=f"{iccid(1)}\n{iccid(2)}\n{iccid(1)}"),
         {"codes": f"Nothing was added. Line 3: {iccid(1)} is also on line 1."}, status=422),
    Case("sim-batch-duplicate-of-stock", "staff", "POST", NEW_BATCH, batch(codes=HERE),
         {"codes": f"Nothing was added. Line 1: {HERE} is already on our stock list."},
         status=422),
    Case("sim-batch-empty", "staff", "POST", NEW_BATCH, {},
         {"venue": "Please choose a venue.", "item": sims.PICK_ITEM,
          "network": "Please fill in the network.", "offer": "Please fill in the offer.",
          "received_on": "Please choose the date they arrived."}, status=422),
    Case("sim-batch-no-codes-html", "staff", "POST", NEW_BATCH,
         batch(codes="", network=HTML, months="99", offer="o" * TEN_K),
         {"codes": sims.NEED_CODES, "months": sims.BAD_MONTHS,
          "offer": "Please use 120 characters or fewer."},
         kept=(("value", HTML), ("value", "99")), status=422),
    Case("sim-batch-vouchers-html", "staff", "POST", NEW_BATCH,
         batch(item="voucher", codes=HTML),
         {"codes": f"Nothing was added. Line 1: “{HTML[1:]}” is not a voucher code: use 4 "
                   "to 40 letters, numbers or dashes."}, status=422),  # quotes trimmed
    # ---- staff: stock settings and taking one out ------------------------------------------
    Case("sim-low-stock-bad", "staff", "POST", "/staff/sims/low-stock", {"low_stock": "-3"},
         {"low_stock": sims.BAD_LOW_STOCK}, kept=(("value", "-3"),), status=422),
    Case("sim-void-no-reason-given-sim", "staff", "POST", "/staff/sims/void",
         {"scan": GIVEN, "reason": ""},
         {"reason": sims.NEED_VOID_REASON}, kept=(("value", GIVEN),), status=422),
    Case("sim-void-unknown", "staff", "POST", "/staff/sims/void",
         {"scan": iccid(404), "reason": "Lost"},
         {"scan": f"We have no SIM or voucher “{iccid(404)}” on our stock list. Check the "
                  "number and try again."}, status=422),
    Case("sim-rules-bad", "staff", "POST", "/staff/sims/rules",
         {"required": "", "one_of": "", "repeat_months": "61", "note": "n" * TEN_K},
         {"required": "Please give at least one criterion.",
          "repeat_months": "Please give a whole number of months from 0 to 60 (0: no "
                           "repeat rule).", "note": "Please use 500 characters or fewer."},
         kept=(("value", "61"),), status=422),
    Case("sim-rules-line-too-long", "staff", "POST", "/staff/sims/rules",
         {"required": "x" * 200, "repeat_months": "6"},
         {"required": "Please keep each line to 120 characters or fewer."}, status=422),
    # ---- giving: the scan step -------------------------------------------------------------
    Case("sim-scan-unknown", "volunteer", "POST", GIVE, {"scan": iccid(404)},
         {"scan": f"We have no SIM or voucher “{iccid(404)}” on our stock list. Check the "
                  "number and try again."}, kept=(("value", iccid(404)),), status=422),
    Case("sim-scan-other-venue", "volunteer", "POST", GIVE, {"scan": ELSEWHERE},
         {"scan": f"O2 SIM ending {ELSEWHERE[-4:]} (25 GB a month) is in stock at Leigh "
                  "Library, not here. Please use one from this venue's stock."}, status=422),
    Case("sim-scan-learner-card", "volunteer", "POST", GIVE, {"scan": "/l/ABCD2345"},
         {"scan": sims.CARD_NOT_SIM}, status=422),
    Case("sim-scan-10k", "staff", "POST", "/staff/sims/give", {"scan": "9" * TEN_K},
         status=422),
    # ---- giving: the form ------------------------------------------------------------------
    Case("sim-give-no-ticks", "volunteer", "POST", GIVE, give(ticks=[]),
         {"ticks": sims.NO_TICKS}, kept=(("value", "WN5 0AB"),), status=422),
    Case("sim-give-not-eligible", "volunteer", "POST", GIVE,
         give(ticks=["age_18_plus", "bogus"]),
         {"override_reason": sims.NEED_REASON}, message="Not eligible under the council",
         kept=(("checked", "age_18_plus"),), status=422),
    Case("sim-give-repeat-without-reason", "volunteer", "POST", GIVE,
         give(house="12a", postcode="wn5 0ab"),
         {"override_reason": REPEAT}, status=422),
    Case("sim-give-nobody-chosen", "volunteer", "POST", GIVE, give(who=""),
         {"who": sims.PICK_WHO}, status=422),
    Case("sim-give-learner-not-chosen", "volunteer", "POST", GIVE, give(who="learner"),
         {"card": sims.NEED_LEARNER}, status=422),
    Case("sim-give-unknown-card", "volunteer", "POST", GIVE,
         give(who="learner", card=HTML), {"card": learners.UNKNOWN_CARD},
         kept=(("value", HTML),), status=422),
    Case("sim-give-bad-postcode", "volunteer", "POST", GIVE, give(postcode="WN5", house=""),
         {"postcode": sims.BAD_POSTCODE, "house": sims.NEED_HOUSE}, kept=(("value", "WN5"),),
         status=422),
    Case("sim-give-reason-10k", "volunteer", "POST", GIVE,
         give(house="12a", postcode="WN5 0AB", override_reason="r" * TEN_K),
         {"override_reason": "Please use 200 characters or fewer."}, status=422),
    Case("sim-give-already-given", "volunteer", "POST", GIVE, give(scan=GIVEN, who="anonymous"),
         message="was already given on", status=422),
    Case("sim-give-double-submit", "volunteer", "POST", GIVE,
         give(who="anonymous", request_id="once-only"), message="SIM given", twice=True,
         follow=True, status=200),
    # Found by tests/test_bad_input_properties.py: a backspace character made a new
    # criterion (and a new version) out of one that reads the same.
    Case("sim-rules-control-characters-only", "staff", "POST", "/staff/sims/rules",
         {"required": "\n".join(label + "\x08" for _k, label, group in SIM_CRITERIA_V1
                                if group == "required"),
          "one_of": "\r\n".join(label for _k, label, group in SIM_CRITERIA_V1
                                 if group == "one_of"),
          "repeat_months": "6"},
         {"required": "That is the same as version 1, so there is nothing to save."},
         status=422),
    # ---- staff: registrations of interest from the kiosk ------------------------------------
    Case("interest-close-no-reason", "staff", "POST", "/staff/interest/{interest}/close",
         {"reason": HTML}, {"reason": "Please choose why it is being closed."}, status=422),
    Case("interest-find-junk", "staff", "GET", f"/staff/interest/find?reference={TEN_K}",
         {}, {"reference": "That is not a reference: a reference has six letters and "
                           "numbers, for example K7R-4MX."}, status=422),
    Case("interest-give-for-a-closed-one", "staff", "POST", "/staff/sims/give",
         give(who="anonymous", interest_id="{interest_closed}"),
         message="That registration of interest has already been dealt with.", status=422),
]

FORMS = [("POST", NEW_BATCH), ("POST", "/staff/sims/low-stock"), ("POST", "/staff/sims/void"),
         ("POST", "/staff/sims/rules"), ("POST", GIVE), ("POST", "/staff/sims/give")]


def extend_world(db, ids: dict) -> None:
    """SIMs in stock at Asha's venue (one already given to household "12A, WN5 0AB") and
    one at the other venue."""
    add_stock(db, ids["venue"], 3, start=900)
    add_stock(db, ids["other_venue"], 1, start=950)
    sims.give_sim(db, STAFF, GIVEN, ids["venue"], ELIGIBLE,
                  household={"house": "12A", "postcode": "WN5 0AB"})
    answers = {q["id"]: True for q in interest.questions(db)}  # interest from the kiosk
    ids["interest"], ids["interest_closed"] = (interest.register(
        db, STAFF, ids["venue"], answers, {"first_name": name, "contact_kind": "mobile",
                                           "contact": "07700 900123"})["id"]
        for name in ("Jo", "Kim"))
    interest.close(db, STAFF, ids["interest_closed"], "duplicate")
