"""Bad-input cases for donated devices, allocations and carbon factors (tests/test_bad_input.py).

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

from audit import Actor
from giveaways import carbon, refurb
from migrations import CARBON_FACTORS_V1
from tests.bad_input.case import Case

TEN_K = 10_000
HTML = '"><script>alert(1)</script>'
BAD_DAY = "Please give the date as year-month-day, for example 2026-12-24."
DONATION = "/staff/refurb/donations/new"
NEW = "/staff/refurb/{refurb_new}"  # REF-0001, just received
WIPED = "/staff/refurb/{refurb_wiped}"  # REF-0002, wiped
READY = "/staff/refurb/{refurb_ready}"  # REF-0003, ready to allocate
CARBON = "/staff/refurb/carbon"
SALE = {"outcome": "sold", "price": "60.00", "payment_method": "cash",
        "ticks": ["universal_credit"]}
FACTORS = {"source": "WRAP", "source_date": "2027-01-15",
           **{f"co2e_{k}": str(c) for k, c, _ in CARBON_FACTORS_V1},
           **{f"landfill_{k}": str(w) for k, _, w in CARBON_FACTORS_V1}}


def donation(**fields) -> dict:
    return {"donor": "Acme Ltd", "donor_kind": "business", "received_on": "2026-11-02",
            **fields}


CASES = [
    # ---- donations ---------------------------------------------------------------------------
    Case("donation-no-devices", "staff", "POST", DONATION, donation(count_laptop="0"),
         {"devices": "Please say how many devices of at least one kind were donated."},
         kept=(("value", "Acme Ltd"), ("selected", "business")), status=422),
    Case("donation-bad-counts", "staff", "POST", DONATION,
         donation(count_laptop="-1", count_tablet=HTML, count_phone="9" * TEN_K,
                  count_desktop="2.5"),
         {"count_laptop": "Use a whole number from 0 to 200.",
          "count_tablet": "Use a whole number from 0 to 200.",
          "count_phone": "Use a whole number from 0 to 200.",
          "count_desktop": "Use a whole number from 0 to 200."},
         kept=(("value", "-1"), ("value", HTML)), status=422),
    Case("donation-too-many", "staff", "POST", DONATION, donation(count_laptop="201"),
         {"count_laptop": "Use a whole number from 0 to 200."}, status=422),
    Case("donation-bad-donor", "staff", "POST", DONATION,
         {"donor": " ", "donor_kind": "castle", "received_on": "02/11/2026",
          "venue_id": "99999999999999999999", "count_laptop": "3", "note": "n" * TEN_K},
         {"donor": "Please fill in who donated the devices.",
          "donor_kind": "Please choose what kind of organisation donated them.",
          "received_on": BAD_DAY, "venue_id": "Please choose a venue from the list.",
          "note": "Please use 1000 characters or fewer."},
         kept=(("value", "02/11/2026"), ("value", "3"), ("textarea", "n" * TEN_K)),
         status=422),
    Case("donation-in-the-future", "staff", "POST", DONATION,
         donation(received_on="2999-01-01", count_laptop="1"),
         {"received_on": "The day they arrived cannot be in the future."}, status=422),
    # ---- pipeline steps ------------------------------------------------------------------
    Case("wipe-without-certificate", "staff", "POST", NEW + "/wipe",
         {"method": "blancco", "certificate": "   "},
         {"certificate": "Please fill in the wipe certificate reference."},
         kept=(("selected", "blancco"),), status=422),
    Case("wipe-bad-method-long-certificate", "staff", "POST", NEW + "/wipe",
         {"method": HTML, "certificate": "c" * TEN_K},
         {"method": "Please choose how the data was wiped.",
          "certificate": "Please use 80 characters or fewer."},
         kept=(("value", "c" * TEN_K),), status=422),
    Case("wipe-twice", "staff", "POST", WIPED + "/wipe",
         {"method": "blancco", "certificate": "BL-1"},
         message="REF-0002 is data wiped, so it cannot be wiped now.", follow=True, status=200),
    Case("wipe-unknown-device", "staff", "POST", "/staff/refurb/999999/wipe",
         {"method": "blancco", "certificate": "BL-1"}, status=404),
    Case("refurb-bad-grade-and-licence", "staff", "POST", WIPED + "/refurb",
         {"grade": "Z", "licence": HTML, "notes": "kept as typed"},
         {"grade": "Please choose a grade from A to D.",
          "licence": "Please choose the licence or system installed."},
         kept=(("textarea", "kept as typed"),), status=422),
    Case("refurb-before-wipe", "staff", "POST", NEW + "/refurb",
         {"grade": "A", "licence": "linux_mint"},
         message="REF-0001 is received, so it cannot be marked refurbished now.", follow=True,
         status=200),
    Case("ready-before-refurb", "staff", "POST", WIPED + "/ready",
         message="REF-0002 is data wiped, so it cannot be marked ready now.", follow=True,
         status=200),
    Case("details-too-long", "staff", "POST", NEW + "/details",
         {"make": "m" * TEN_K, "model": HTML}, {"make": "Please use 80 characters or fewer."},
         kept=(("value", "m" * TEN_K), ("value", HTML)), status=422),
    # ---- allocation ------------------------------------------------------------------------
    Case("sell-before-wipe", "staff", "POST", NEW + "/allocate", SALE,
         message=refurb.WIPE_FIRST, follow=True, status=200),
    Case("sell-with-no-benefit-ticked", "staff", "POST", READY + "/allocate",
         {**SALE, "ticks": []}, {"ticks": refurb.NO_BENEFIT},
         kept=(("checked", "sold"), ("value", "60.00"), ("selected", "cash")), status=422),
    Case("sell-unknown-benefit", "staff", "POST", READY + "/allocate",
         {**SALE, "ticks": ["a_pony", HTML]}, {"ticks": refurb.NO_BENEFIT}, status=422),
    Case("sell-bad-price", "staff", "POST", READY + "/allocate",
         {**SALE, "price": "sixty quid", "payment_method": "bitcoin"},
         {"price": refurb.BAD_PRICE, "payment_method": "Please choose how they paid."},
         kept=(("value", "sixty quid"), ("checked", "universal_credit")), status=422),
    Case("sell-price-too-big", "staff", "POST", READY + "/allocate",
         {**SALE, "price": "9" * TEN_K}, {"price": refurb.BAD_PRICE}, status=422),
    Case("sell-price-zero", "staff", "POST", READY + "/allocate", {**SALE, "price": "0"},
         {"price": refurb.BAD_PRICE}, kept=(("value", "0"),), status=422),
    Case("allocate-unknown-outcome", "staff", "POST", READY + "/allocate", {"outcome": HTML},
         {"outcome": "Please choose what happens to the device."}, status=422),
    Case("gift-without-reason-or-referrer", "staff", "POST", READY + "/allocate",
         {"outcome": "gifted", "gift_reason": "because"},
         {"gift_reason": "Please choose why the device is a gift."}, status=422),
    Case("gift-school-referral-no-referrer", "staff", "POST", READY + "/allocate",
         {"outcome": "gifted", "gift_reason": "school_referral", "referrer": " "},
         {"referrer": "Please fill in who referred them."},
         kept=(("selected", "school_referral"),), status=422),
    Case("course-completion-without-learner", "staff", "POST", READY + "/allocate",
         {"outcome": "gifted", "gift_reason": "course_completion", "course": "Online basics"},
         {"learner_card": refurb.NO_LEARNER},
         kept=(("selected", "course_completion"), ("value", "Online basics")), status=422),
    Case("course-completion-unknown-card-no-course", "staff", "POST", READY + "/allocate",
         {"outcome": "gifted", "gift_reason": "course_completion", "learner_card": "x" * TEN_K,
          "learner_id": ""},
         {"learner_card": refurb.NO_LEARNER,
          "course": "Please fill in the course they completed."}, status=422),
    Case("recycle-with-weight-0", "staff", "POST", NEW + "/allocate",
         {"outcome": "recycled", "weight_kg": "0", "recycler": "Reconomy"},
         {"weight_kg": refurb.BAD_WEIGHT}, kept=(("value", "0"), ("value", "Reconomy")),
         status=422),
    Case("recycle-bad-weight-no-recycler", "staff", "POST", READY + "/allocate",
         {"outcome": "recycled", "weight_kg": "1e9"},
         {"weight_kg": refurb.BAD_WEIGHT, "recycler": "Please fill in the recycler's name."},
         kept=(("value", "1e9"),), status=422),
    Case("sell-double-submit", "staff", "POST", READY + "/allocate",
         {**SALE, "request_id": "double-tap-1"}, message="REF-0003 is sold.", follow=True,
         twice=True, status=200),
    # ---- labels, impact and carbon factors ---------------------------------------------------
    Case("refurb-labels-nothing-chosen", "staff", "POST", "/staff/refurb/labels",
         {"format": "L7160", "start_at": "1", "offset_x": "0", "offset_y": "0"},
         {"device": "Please tick at least one device to print a label for."}, status=422),
    Case("refurb-labels-bad-format", "staff", "POST", "/staff/refurb/labels",
         {"device": ["{refurb_new}"], "format": HTML, "start_at": "abc"}, status=422),
    Case("impact-bad-filters", "staff", "GET", "/staff/refurb/impact?first=abc&version=99",
         errors={"first": "Enter a date like 2026-11-23.",
                 "version": "Please choose a factor version from the list."},
         kept=(("value", "abc"),), status=200),
    Case("factor-set-negative", "staff", "POST", CARBON,
         {**FACTORS, "co2e_laptop": "-5", "landfill_phone": "lots"},
         {"co2e_laptop": carbon.BAD_FACTOR, "landfill_phone": carbon.BAD_FACTOR},
         kept=(("value", "-5"), ("value", "lots")), status=422),
    Case("factor-set-no-source", "staff", "POST", CARBON,
         {**FACTORS, "source": "", "source_date": "soon", "co2e_tablet": "1e99"},
         {"source": "Please fill in where the figures come from.", "source_date": BAD_DAY,
          "co2e_tablet": carbon.BAD_FACTOR}, kept=(("value", "soon"),), status=422),
    # Found by tests/test_bad_input_properties.py: the last day of year 9999 has no next day
    # to end the period on (a 500).
    Case("refurb-impact-last-day-of-9999", "staff", "GET", "/staff/refurb/impact?last=9999-12-31",
         errors={"last": "Enter a date like 2026-11-23."}, kept=(("value", "9999-12-31"),),
         status=200),
]
FORMS = [("POST", DONATION), ("POST", NEW + "/wipe"), ("POST", WIPED + "/refurb"),
         ("POST", WIPED + "/ready"), ("POST", NEW + "/details"), ("POST", READY + "/allocate"),
         ("POST", NEW + "/allocate"), ("POST", "/staff/refurb/labels"),
         ("GET", "/staff/refurb/impact"), ("POST", CARBON)]


def extend_world(db, ids: dict) -> None:
    """A donation of three laptops: REF-0001 received, REF-0002 wiped, REF-0003 ready."""
    actor = Actor(ids["staff"], "Sam Staff")
    donation_id = refurb.record_donation(db, actor, donation(count_laptop="3"))
    new, wiped, ready = (d["id"] for d in refurb.donation_devices(db, donation_id))
    for refurb_id in (wiped, ready):
        refurb.record_wipe(db, actor, refurb_id, "blancco", "BL-2026-1")
    refurb.record_refurb(db, actor, ready, "B", "", "linux_mint")
    refurb.mark_ready(db, actor, ready)
    ids.update(refurb_new=new, refurb_wiped=wiped, refurb_ready=ready)
