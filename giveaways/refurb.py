"""Donated devices: wipe, refurbish, then sell, gift, lend or recycle. Rules only, no Flask.

Each device moves one step at a time (received → wiped → refurbished → ready → allocated),
every step audited in the transaction that makes it. Nothing leaves with someone's data on
it: selling, gifting or lending needs the wipe recorded first, and the database refuses a
later stage without one. Recycling is allowed from any stage, because destroying the drive
is the recycler's job (their certificate covers it).
"""

import json
import re
import sqlite3
from datetime import date, datetime

import learners
import lending
from audit import Actor, record, stamp, update_changed, utcnow
from db import first, made_for_request, parse_id, write_transaction
from giveaways import carbon, eligibility, interest
from i18n import N_
from validation import InvalidInput, clean_notes, clean_text, request_key

DONOR_KINDS = {"business": "Business", "housing_association": "Housing association",
               "council": "Council", "charity": "Charity", "individual": "Individual",
               "other": "Other"}
# Labels (N_): translated where a translated screen shows them, English in reports.
STAGES = {"received": N_("Received"), "wiped": N_("Data wiped"),
          "refurbished": N_("Refurbished"), "ready": N_("Ready"), "sold": N_("Sold"),
          "gifted": N_("Gifted"), "lent": N_("Lent"), "recycled": N_("Recycled")}
IN_PIPELINE = ("received", "wiped", "refurbished", "ready")
WIPE_METHODS = {"blancco": "Blancco", "nwipe": "DBAN / nwipe",
                "reset_encryption": "Manufacturer reset + encryption",
                "destroyed": "Physical destruction of drive", "other": "Other (say which in "
                                                                       "the certificate)"}
GRADES = lending.CONDITIONS
LICENCES = {"windows_refurb": "Windows 10 Pro refurbisher licence",
            "chromeos_flex": "ChromeOS Flex", "linux_mint": "Linux Mint",
            "as_shipped": "Manufacturer's own system (Android, iPadOS, ChromeOS)",
            "none": "None needed"}
OUTCOMES = {"sold": N_("Sold"), "gifted": N_("Gifted"),
            "lent": N_("Lent (into the lending library)"), "recycled": N_("Recycled")}
PAYMENT_METHODS = {"cash": "Cash", "card": "Card", "other": "Other"}
GIFT_REASONS = {"care_leaver": "Care leaver", "school_referral": "School referral",
                "course_completion": "Course completion (earn a device)", "other": "Other"}
DEFAULT_PRICE = "60.00"
MAX_PRICE_PENCE = 100_000
MAX_PER_KIND = 200
MAX_WEIGHT_KG = 1000
TAG_PREFIX = "REF"
WIPE_FIRST = ("Record the data wipe first: a device is sold, gifted or lent only once its "
              "wipe method and certificate are recorded.")
BAD_PRICE = "Please give the price in pounds and pence, for example 60.00."
BAD_WEIGHT = "Please give the weight in kilograms, more than 0, for example 1.8."
NO_BENEFIT = ("Please tick the means-tested benefit the resident gets. A device is sold at "
              "this price only to residents on one of them.")
NO_LEARNER = "Please choose the learner who completed the course (scan or type their card)."
# A kiosk registration of interest becomes a sale or a gift (interest.OUTCOMES' words).
INTEREST_OUTCOMES = {"sold": "sale", "gifted": "gift"}
FROM_INTEREST = "For a registration of interest, choose Sold or Gifted."
_PRICE = re.compile(r"£?\s*([0-9]{1,7})(?:\.([0-9]{1,2}))?")
_WEIGHT = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,3})?")


class Conflict(Exception):
    """The device is not at the stage this step needs (a double tap, or steps out of order)."""


# ---------------------------------------------------------------- small validators


def _choice(value, choices, field, errors, message) -> str | None:
    value = str(value or "").strip()
    if value not in choices:
        errors[field] = message
        return None
    return value


def _count(value, field, errors) -> int:
    text = str(value or "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit() and len(text) <= 3
            and int(text) <= MAX_PER_KIND):
        errors[field] = f"Use a whole number from 0 to {MAX_PER_KIND}."
        return 0
    return int(text)


def parse_price(value, errors, field="price") -> int | None:
    """Pounds as typed ("60", "£60.00") to pence; blank is the standard £60."""
    text = str(value or "").strip() or DEFAULT_PRICE
    match = _PRICE.fullmatch(text)
    pence = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0")) if match else None
    if pence is None or not 0 < pence <= MAX_PRICE_PENCE:
        errors[field] = BAD_PRICE
        return None
    return pence


def parse_weight(value, errors, field="weight_kg") -> float | None:
    text = str(value or "").strip()
    weight = float(text) if _WEIGHT.fullmatch(text) else 0
    if not 0 < weight <= MAX_WEIGHT_KG:
        errors[field] = BAD_WEIGHT
        return None
    return weight


# ---------------------------------------------------------------- donations and tags


def next_tags(db, how_many: int) -> list[str]:
    """The next free REF- numbers, unique against donated and lending-library tags alike
    (a device lent on keeps its tag in the lending library)."""
    pattern = TAG_PREFIX + "-%"
    tags = [t for (t,) in db.execute(
        "select asset_tag from refurb_devices where asset_tag like ? union all "
        "select asset_tag from devices where asset_tag like ?", [pattern, pattern])]
    numbers = [int(t[len(TAG_PREFIX) + 1:]) for t in tags if t[len(TAG_PREFIX) + 1:].isdigit()]
    start = max(numbers, default=0) + 1
    return [f"{TAG_PREFIX}-{n:04d}" for n in range(start, start + how_many)]


def validate_donation(db, form: dict) -> tuple[dict, list[tuple[str, int]]]:
    """A donation's details and its (kind, count) rows, every problem at once."""
    errors = {}
    row = {"donor": clean_text(form.get("donor"), "donor", errors, required=True,
                               label="who donated the devices"),
           "donor_kind": _choice(form.get("donor_kind"), DONOR_KINDS, "donor_kind", errors,
                                 "Please choose what kind of organisation donated them."),
           "received_on": lending.parse_date(form.get("received_on"), "received_on", errors,
                                             required=True, label="the day they arrived"),
           "venue_id": lending._venue(db, form.get("venue_id"), errors, "venue_id"),
           "note": clean_notes(form.get("note"), "note", errors)}
    if row["received_on"] and date.fromisoformat(row["received_on"]) > lending.today():
        errors["received_on"] = "The day they arrived cannot be in the future."
    counts = [(k["slug"], _count(form.get(f"count_{k['slug']}"), f"count_{k['slug']}", errors))
              for k in lending.kinds(db)]
    counts = [(slug, n) for slug, n in counts if n]
    if not counts and not errors:
        errors["devices"] = "Please say how many devices of at least one kind were donated."
    if errors:
        raise InvalidInput(errors)
    return row, counts


def record_donation(db, actor: Actor, form: dict, now: datetime | None = None,
                    request_id: str | None = None) -> int:
    """A donation and one tagged device per unit donated, all or nothing. A repeated
    `request_id` (a double tap) returns the donation already recorded."""
    now = now or utcnow()
    row, counts = validate_donation(db, form)
    request_id = request_key(request_id)
    with write_transaction(db):
        done = first(db["donations"].rows_where("request_id = ?", [request_id])) \
            if request_id else None
        if done:
            return done["id"]
        row.update(created_at=stamp(now), created_by=actor.id, request_id=request_id)
        donation_id = db["donations"].insert(row).last_pk
        record(db, actor, "donation.create", "donations", donation_id,
               after=dict(row, devices=dict(counts)), now=now)
        kinds = [slug for slug, n in counts for _ in range(n)]
        for slug, tag in zip(kinds, next_tags(db, len(kinds)), strict=True):
            device = {"donation_id": donation_id, "asset_tag": tag, "kind": slug,
                      "created_at": stamp(now), "updated_at": stamp(now)}
            refurb_id = db["refurb_devices"].insert(device).last_pk
            record(db, actor, "refurb.receive", "refurb_devices", refurb_id,
                   after={"asset_tag": tag, "kind": slug}, now=now)
    return donation_id


def donation_devices(db, donation_id) -> list[dict]:
    return [dict(r) for r in db.query(_DEVICE_SQL + " where r.donation_id = ? order by r.id",
                                      [donation_id])]


# ---------------------------------------------------------------- looking devices up

_DEVICE_SQL = """
    select r.*, k.label as kind_label, d.donor, d.donor_kind, d.received_on, d.venue_id,
           v.name as venue_name, a.id as allocation_id, a.outcome, a.at as allocated_at,
           a.price_pence, a.payment_method, a.gift_reason, a.referrer, a.course,
           a.learner_id, a.lending_device_id, a.weight_kg, a.recycler, a.ticks,
           a.rule_set_id, a.note as allocation_note
    from refurb_devices r join device_kinds k on k.slug = r.kind
    join donations d on d.id = r.donation_id
    left join venues v on v.id = d.venue_id
    left join refurb_allocations a on a.refurb_id = r.id"""


def get_device(db, refurb_id) -> dict | None:
    refurb_id = parse_id(refurb_id)
    return first(db.query(_DEVICE_SQL + " where r.id = ?", [refurb_id])) if refurb_id else None


def device_by_tag(db, tag) -> dict | None:
    return first(db.query(_DEVICE_SQL + " where r.asset_tag = ? collate nocase",
                          [str(tag or "").strip()]))


def devices(db, stage=None, kind_slug=None, q=None) -> list[dict]:
    """Donated devices for the pipeline list, filtered by stage, kind and tag/make/model."""
    like = f"%{q.strip()}%" if q and q.strip() else None
    return [dict(r) for r in db.query(
        _DEVICE_SQL + """ where (:stage is null or r.stage = :stage)
           and (:kind is null or r.kind = :kind)
           and (:like is null or r.asset_tag like :like or r.make like :like
                or r.model like :like or r.serial like :like or d.donor like :like)
           order by r.asset_tag collate nocase""",
        {"stage": stage if stage in STAGES else None, "kind": kind_slug or None, "like": like})]


def stage_counts(db) -> dict[str, int]:
    counts = dict(db.execute("select stage, count(*) from refurb_devices group by stage"))
    return {stage: counts.get(stage, 0) for stage in STAGES}


def history(db, refurb_id: int) -> list[dict]:
    """Audit entries for the device and its allocation, oldest first."""
    return [dict(r) for r in db.query(
        """select * from audit_log where (table_name = 'refurb_devices' and row_id = ?)
           or (table_name = 'refurb_allocations' and row_id in
               (select cast(id as text) from refurb_allocations where refurb_id = ?))
           order by id""", [str(refurb_id), refurb_id])]


def _at_stage(db, refurb_id, stages: tuple, step: str) -> dict:
    """The device, inside the caller's transaction, if it is where `step` needs it."""
    device = get_device(db, refurb_id)
    if device is None:
        raise Conflict("That device is not on the list any more.")
    if device["stage"] not in stages:
        raise Conflict(f"{device['asset_tag']} is {STAGES[device['stage']].lower()}, so it "
                       f"cannot be {step} now.")
    return device


def _move(db, actor, device, stage, changes, now) -> None:
    """Move a device to its next stage with the step's fields, audited."""
    row = dict(changes, stage=stage)
    db["refurb_devices"].update(device["id"], dict(row, updated_at=stamp(now)))
    record(db, actor, f"refurb.{stage}", "refurb_devices", device["id"],
           before={"stage": device["stage"]}, after=row, now=now)


# ---------------------------------------------------------------- pipeline steps


def update_details(db, actor: Actor, refurb_id, form: dict, now: datetime | None = None) -> dict:
    """Make, model and serial, typed in when someone has the device in hand."""
    errors = {}
    row = {f: clean_text(form.get(f), f, errors) for f in ("make", "model", "serial")}
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        before = get_device(db, refurb_id)
        if before is None:
            raise Conflict("That device is not on the list any more.")
        return update_changed(db, actor, "refurb.details", "refurb_devices", before, row, now,
                              "updated_at")


def record_wipe(db, actor: Actor, refurb_id, method, certificate,
                now: datetime | None = None) -> None:
    """The data wipe: how, and the certificate (or report) reference that proves it."""
    now = now or utcnow()
    errors = {}
    method = _choice(method, WIPE_METHODS, "method", errors,
                     "Please choose how the data was wiped.")
    certificate = clean_text(certificate, "certificate", errors, required=True,
                             label="the wipe certificate reference")
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        device = _at_stage(db, refurb_id, ("received",), "wiped")
        _move(db, actor, device, "wiped", {"wipe_method": method, "wipe_certificate": certificate,
                                           "wiped_at": stamp(now), "wiped_by": actor.id}, now)


def record_refurb(db, actor: Actor, refurb_id, grade, notes, licence,
                  now: datetime | None = None) -> None:
    """Tested and refurbished: a grade A–D, what was done, and the licence applied."""
    now = now or utcnow()
    errors = {}
    grade = _choice(grade, GRADES, "grade", errors, "Please choose a grade from A to D.")
    licence = _choice(licence, LICENCES, "licence", errors,
                      "Please choose the licence or system installed.")
    notes = clean_notes(notes, "notes", errors)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        device = _at_stage(db, refurb_id, ("wiped",), "marked refurbished")
        _move(db, actor, device, "refurbished",
              {"grade": grade, "refurb_notes": notes, "licence": licence,
               "refurbished_at": stamp(now), "refurbished_by": actor.id}, now)


def mark_ready(db, actor: Actor, refurb_id, now: datetime | None = None) -> None:
    now = now or utcnow()
    with write_transaction(db):
        device = _at_stage(db, refurb_id, ("refurbished",), "marked ready")
        _move(db, actor, device, "ready", {"ready_at": stamp(now)}, now)


# ---------------------------------------------------------------- allocation


def _learner(db, form, errors) -> int | None:
    """The course-completion learner: an id (from the learner's page) or a scanned card."""
    learner = (learners.get_learner(db, form.get("learner_id")) if form.get("learner_id")
               else learners.learner_by_card(db, str(form.get("learner_card") or "")[:200]))
    if learner is None:
        errors["learner_card"] = NO_LEARNER
        return None
    return learner["id"]


def _sold(db, form, errors) -> dict:
    rule_set = eligibility.current_rule_set(db, "device")
    ticks = eligibility.ticked_keys(rule_set, form.get("ticks"))
    if not eligibility.assess(rule_set, ticks)["eligible"]:
        errors["ticks"] = NO_BENEFIT
    return {"price_pence": parse_price(form.get("price"), errors),
            "payment_method": _choice(form.get("payment_method"), PAYMENT_METHODS,
                                      "payment_method", errors,
                                      "Please choose how they paid."),
            "rule_set_id": rule_set["id"], "ticks": json.dumps(ticks)}


def _gifted(db, form, errors) -> dict:
    reason = _choice(form.get("gift_reason"), GIFT_REASONS, "gift_reason", errors,
                     "Please choose why the device is a gift.")
    row = {"gift_reason": reason}
    if reason == "course_completion":
        row["course"] = clean_text(form.get("course"), "course", errors, required=True,
                                   label="the course they completed")
        row["learner_id"] = _learner(db, form, errors)
    row["referrer"] = clean_text(form.get("referrer"), "referrer", errors,
                                 required=reason not in (None, "course_completion"),
                                 label="who referred them")
    return row


def _recycled(db, form, errors) -> dict:
    return {"weight_kg": parse_weight(form.get("weight_kg"), errors),
            "recycler": clean_text(form.get("recycler"), "recycler", errors, required=True,
                                   label="the recycler's name")}


def _lent(db, form, errors) -> dict:
    return {}


OUTCOME_FIELDS = {"sold": _sold, "gifted": _gifted, "lent": _lent, "recycled": _recycled}


def validate_allocation(db, outcome, form: dict) -> dict:
    errors = {}
    outcome = _choice(outcome, OUTCOMES, "outcome", errors,
                      "Please choose what happens to the device.")
    row = OUTCOME_FIELDS[outcome](db, form, errors) if outcome else {}
    row["note"] = clean_notes(form.get("note"), "note", errors)
    if errors:
        raise InvalidInput(errors)
    return dict(row, outcome=outcome)


def _lend_on(db, actor, device, now) -> int:
    """Into the lending library under the same tag, so its label still scans."""
    try:
        return lending.add_device(db, actor, {
            "kind": device["kind"], "asset_tag": device["asset_tag"], "make": device["make"],
            "model": device["model"], "serial": device["serial"],
            "condition": device["grade"], "home_venue_id": device["venue_id"],
            "notes": f"Donated by {device['donor']}; refurbished."[:1000]}, now)
    except InvalidInput as e:  # e.g. its tag was typed in by hand for another device
        raise Conflict(" ".join(e.errors.values())) from None


def allocate(db, actor: Actor, refurb_id, outcome, form: dict, request_id=None,
             interest_id=None, now: datetime | None = None) -> int:
    """Sell, gift, lend or recycle a device, once. A repeated `request_id` returns the
    allocation already made, so a double tap allocates once. With `interest_id` (staff
    selling or gifting it for a kiosk registration of interest) that registration is
    marked done in the same transaction: both happen or neither."""
    now = now or utcnow()
    request_id = request_key(request_id)
    if interest_id is not None and outcome not in INTEREST_OUTCOMES:
        raise InvalidInput({"outcome": FROM_INTEREST})
    with write_transaction(db):
        if made := made_for_request(db, "refurb_allocations", request_id):
            return made
        device = get_device(db, refurb_id)
        if device is None:
            raise Conflict("That device is not on the list any more.")
        if outcome != "recycled" and device["stage"] == "received":
            raise Conflict(WIPE_FIRST)
        stages = IN_PIPELINE if outcome == "recycled" else ("ready",)
        device = _at_stage(db, refurb_id, stages, outcome if outcome in OUTCOMES else "allocated")
        row = validate_allocation(db, outcome, form)
        if outcome == "lent":
            row["lending_device_id"] = _lend_on(db, actor, device, now)
        row.update(refurb_id=device["id"], at=stamp(now), by=actor.id,
                   venue_id=device["venue_id"], request_id=request_id)
        try:
            allocation_id = db["refurb_allocations"].insert(row).last_pk
        except sqlite3.IntegrityError:
            raise Conflict(f"{device['asset_tag']} has been allocated already.") from None
        record(db, actor, f"refurb.{outcome}", "refurb_allocations", allocation_id,
               after={k: v for k, v in row.items() if v is not None}, now=now)
        _move(db, actor, device, outcome, {}, now)
        if interest_id is not None:
            interest.mark_done(db, actor, interest_id, INTEREST_OUTCOMES[outcome],
                               refurb_allocation_id=allocation_id, now=now)
    return allocation_id


def ready_devices(db) -> list[dict]:
    return devices(db, stage="ready")


# ---------------------------------------------------------------- report


def refurb_report(db, first_day: date, last_day: date, version=None) -> dict:
    """What left the pipeline in a period: counts by outcome and gift reason, money taken,
    and the carbon and landfill saved (stating the factor version used)."""
    start, end = carbon.period_bounds(first_day, last_day)
    rows = [dict(r) for r in db.query(
        "select outcome, gift_reason, count(*) as n, coalesce(sum(price_pence), 0) as pence "
        "from refurb_allocations where at >= ? and at < ? group by outcome, gift_reason",
        [start, end])]
    counts = {o: sum(r["n"] for r in rows if r["outcome"] == o) for o in OUTCOMES}
    gifts = {reason: sum(r["n"] for r in rows if r["gift_reason"] == reason)
             for reason in GIFT_REASONS}
    return {"counts": counts, "gifts": gifts, "pence": sum(r["pence"] for r in rows),
            "savings": carbon.savings(db, first_day, last_day, version)}
