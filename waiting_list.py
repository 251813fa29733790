"""Loan referrals and the waiting list for a lent tablet or laptop. Rules only, no Flask.

A partner (a support worker, a GP practice, a housing officer) or staff taking a phone call
refers a digitally excluded adult for a device loan. The referral waits; staff see the
list in order (anyone with one of the council's priority flags first, then the longest
waiting), Doorstep suggests the next suitable referral when a device is ready, and staff
decide. Lending the device (lending.check_out with `referral_id`) serves the referral in
the same transaction; otherwise it is removed with a reason. Nothing is ever deleted, so
waiting times and monthly figures add up.

Least personal data: a first name, one way to reach them or "through the referrer", the
postcode district only. A keyed hash of name and contact (`person_key`) finds the same
person referred twice without a second copy of who they are. Audit entries hold ids,
status, flags and channel, never the person's name or contact.
"""

import json
import re
import unicodedata
from datetime import date, datetime

import learners
from audit import Actor, record, stamp, update_changed, utcnow
from db import first, made_for_request, parse_id, write_transaction
from formatting import english_day, local_day
from giveaways import interest as interest_rules
from giveaways.sims import keyed_hash
from lending import kinds, today, validate_contact
from validation import (
    InvalidInput,
    clean_notes,
    clean_text,
    request_key,
    visible,
)

CHANNELS = {"partner": "Partner sign-in", "phone": "Phone call", "email": "Email",
            "in_person": "In person"}
STAFF_CHANNELS = ("phone", "email", "in_person")
CONTACT_KINDS = {
    "mobile": "Mobile (text message)",
    "email": "Email",
    "landline": "Landline (we phone)",
    "via_referrer": "Through the referrer (they have no phone or email we can use)",
}
REMOVAL_REASONS = {
    "no_longer_needed": "No longer needed",
    "no_contact": "Could not get in touch",
    "got_elsewhere": "Got a device elsewhere",
    "moved_away": "Moved away",
    "duplicate": "Duplicate",
    "other": "Other",
}
STATUSES = {"waiting": "Waiting", "served": "Device lent", "removed": "Removed"}
FIELDS = ("referrer_name", "referrer_contact", "first_name", "contact_kind", "contact",
          "postcode_district", "reason", "venue", "kind")
FIRST_NAME_MAX = 40
REFERRER_NAME_MAX = 60
REASON_MAX = 500
NOTE_MAX = 200
FLAG_MAX = 60

NO_WAY_TO_CONTACT = ("They have no phone or email of their own, so we need the referrer's "
                     "phone number or email to reach them.")
BAD_DISTRICT = "Please give only the first half of the postcode, like WN5."


# ---------------------------------------------------------------- priority flags


def flags(db, active_only: bool = True) -> list[dict]:
    """The council's priority flags in their order; switched-off ones too when asked."""
    where = "active = 1" if active_only else None
    return [dict(r) for r in db["referral_flags"].rows_where(where, order_by="position, id")]


def _flag_label(db, label, errors, flag_id=0) -> str | None:
    label = clean_text(label, "label", errors, max_len=FLAG_MAX, required=True,
                       label="the flag's name")
    if label and db.execute("select 1 from referral_flags where label = ? collate nocase "
                            "and id != ?", [label, flag_id]).fetchone():
        errors["label"] = f"There is already a flag called “{label}”."
    return label


def add_flag(db, actor: Actor, label, now: datetime | None = None) -> int:
    now = now or utcnow()
    with write_transaction(db):
        errors = {}
        label = _flag_label(db, label, errors)
        if errors:
            raise InvalidInput(errors)
        position = db.execute("select coalesce(max(position), -1) + 1 "
                              "from referral_flags").fetchone()[0]
        row = {"label": label, "position": position, "active": 1, "created_at": stamp(now)}
        flag_id = db["referral_flags"].insert(row).last_pk
        record(db, actor, "referral_flag.add", "referral_flags", flag_id, after=row, now=now)
    return flag_id


def update_flag(db, actor: Actor, flag_id, *, label=None, active=None,
                now: datetime | None = None) -> None:
    """Rename a flag or switch it off (or on again). A switched-off flag no longer puts
    anyone first and cannot be ticked; referrals keep the record that it was ticked."""
    now = now or utcnow()
    with write_transaction(db):
        before = first(db["referral_flags"].rows_where("id = ?", [parse_id(flag_id)]))
        if before is None:
            raise InvalidInput({"label": "That flag is not on the list any more."})
        errors, change = {}, {}
        if label is not None:
            change["label"] = _flag_label(db, label, errors, before["id"])
        if active is not None:
            change["active"] = 1 if active else 0
        if errors:
            raise InvalidInput(errors)
        update_changed(db, actor, "referral_flag.update", "referral_flags", dict(before),
                       change, now=now)


# ---------------------------------------------------------------- the form


def form_choices(db) -> dict:
    """What templates/_referral_fields.html needs besides the form and its errors."""
    return {
        "flag_choices": flags(db),
        "venues": [dict(v) for v in db["venues"].rows_where("active = 1", order_by="name")],
        "kinds": kinds(db),
        "contact_kinds": CONTACT_KINDS,
    }


def blank_form(**values) -> dict:
    return dict({f: "" for f in FIELDS}, flags=[], **values)


def postcode_district(value, errors, field="postcode_district") -> str | None:
    """The district ("WN5") only. A full postcode ("WN5 9XX") is cut to its district here,
    before anything is stored or logged: people type whole postcodes out of habit, and
    refusing them would only slow the referrer down for data we would not keep anyway."""
    try:
        return learners.normalise_postcode(visible(value))
    except InvalidInput:
        errors[field] = BAD_DISTRICT
        return None


def _referrer_contact(value, errors) -> str | None:
    text = " ".join(visible(value).split())
    if not text:
        return None
    if "@" in text:
        return validate_contact("email", text, errors, "referrer_contact")[1]
    before = dict(errors)
    number = validate_contact("landline", text, errors, "referrer_contact")[1]
    if "referrer_contact" in errors and "referrer_contact" not in before:
        errors["referrer_contact"] = ("Please give a UK phone number, like 01942 123456, "
                                      "or an email address like name@example.com.")
    return number


def _choice_id(db, table, value, errors, field, message) -> int | None:
    if value in (None, ""):
        return None
    row_id = parse_id(value)
    if row_id is None or not db[table].count_where("id = ? and active = 1", [row_id]):
        errors[field] = message
    return row_id


def _name_key(first_name: str) -> str:
    return re.sub(r"[\W_]", "", unicodedata.normalize("NFKC", first_name).casefold())


def person_key(db, row: dict) -> str:
    """The same person however they are typed: first name and their contact, or (reached
    through the referrer) first name, the referrer's contact and the postcode district."""
    if row["contact_kind"] == "via_referrer":
        parts = ["via", _name_key(row["first_name"]),
                 (row["referrer_contact"] or "").casefold(), row["postcode_district"] or ""]
    else:
        parts = [row["contact_kind"] if row["contact_kind"] == "email" else "phone",
                 _name_key(row["first_name"]), (row["contact"] or "").casefold()]
    return keyed_hash(db, "loan_referral|" + "|".join(parts))


def validate(db, form: dict, *, channel: str, partner_id=None) -> tuple[dict, list[int]]:
    """A clean referral row (without ids and times) and the flag ids, or InvalidInput with
    every problem at once."""
    errors = {}
    row = {}
    if channel not in CHANNELS:
        errors["channel"] = "Please choose how the referral came in."
    if channel == "partner":
        partner_id = parse_id(partner_id)
        if partner_id is None:
            errors["channel"] = "A partner's referral needs the partner's sign-in."
    else:
        partner_id = _choice_id(db, "partners", form.get("partner"), errors, "partner",
                                "Please choose a partner from the list.")
    row["channel"], row["partner_id"] = channel, partner_id
    row["referrer_name"] = clean_text(form.get("referrer_name"), "referrer_name", errors,
                                      max_len=REFERRER_NAME_MAX, required=True,
                                      label="the referrer's name")
    row["referrer_contact"] = _referrer_contact(form.get("referrer_contact"), errors)
    row["first_name"] = clean_text(form.get("first_name"), "first_name", errors,
                                   max_len=FIRST_NAME_MAX, required=True,
                                   label="their first name")
    kind_value = form.get("contact_kind") or ""
    row["contact_kind"], row["contact"] = kind_value, None
    if kind_value not in CONTACT_KINDS:
        errors["contact_kind"] = "Please choose how we can reach them."
    elif kind_value == "via_referrer":
        if not row["referrer_contact"] and "referrer_contact" not in errors:
            errors["referrer_contact"] = NO_WAY_TO_CONTACT
    elif not " ".join(visible(form.get("contact")).split()):
        errors["contact"] = {"mobile": "Please give their mobile number.",
                             "email": "Please give their email address.",
                             "landline": "Please give their phone number."}[kind_value]
    else:
        row["contact"] = validate_contact(kind_value, form.get("contact"), errors)[1]
    row["postcode_district"] = postcode_district(form.get("postcode_district"), errors)
    reason = clean_notes(form.get("reason"), "reason", errors, max_len=REASON_MAX)
    if not reason and "reason" not in errors:
        errors["reason"] = "Please say why they need a device, in a sentence or two."
    row["reason"] = reason
    row["venue_id"] = _choice_id(db, "venues", form.get("venue"), errors, "venue",
                                 "Please choose a venue from the list.")
    kind_slug = form.get("kind") or None
    if kind_slug and not db["device_kinds"].count_where("slug = ?", [kind_slug]):
        errors["kind"] = "Please choose a kind of device from the list."
    row["kind"] = kind_slug
    chosen = form.get("flags") or []
    chosen = [chosen] if isinstance(chosen, str) else list(chosen)
    active = {f["id"] for f in flags(db)}
    flag_ids = sorted({parse_id(f) or 0 for f in chosen})
    if any(f not in active for f in flag_ids):
        errors["flags"] = "Please tick priority flags from the list."
        flag_ids = []
    if errors:
        raise InvalidInput(errors)
    return row, flag_ids


def reference(referral_id: int) -> str:
    return f"R{referral_id:05d}"


def submit(db, actor: Actor, form: dict, *, channel: str, partner_id=None, interest_id=None,
           request_id=None, now: datetime | None = None) -> int:
    """Put someone on the waiting list; all or nothing. A repeated `request_id` returns the
    referral already made. With `interest_id` the kiosk registration it came from is marked
    done in the same transaction."""
    now = now or utcnow()
    row, flag_ids = validate(db, form, channel=channel, partner_id=partner_id)
    request_id = request_key(request_id)
    with write_transaction(db):
        if made := made_for_request(db, "loan_referrals", request_id):
            return made
        row["person_key"] = person_key(db, row)
        same = first(db.query(
            "select id, partner_id, created_at from loan_referrals where person_key = ? "
            "and status = 'waiting' order by id limit 1", [row["person_key"]]))
        if same:
            if channel != "partner" or same["partner_id"] == row["partner_id"]:
                day = english_day(local_day(same["created_at"]))
                message = (f"{row['first_name']} is already on the waiting list: referred on "
                           f"{day} ({reference(same['id'])}).")
            else:  # nothing more about another organisation's referral than that it exists
                message = (f"{row['first_name']} is already on the waiting list, referred by "
                           "another organisation. Ask the library if you need to add anything.")
            raise InvalidInput({"first_name": message})
        new_id = db.execute("select coalesce(max(id), 0) + 1 from loan_referrals").fetchone()[0]
        row.update(id=new_id, reference=reference(new_id), submitted_by=actor.id,
                   status="waiting", request_id=request_id, created_at=stamp(now),
                   interest_id=parse_id(interest_id) if interest_id else None)
        db["loan_referrals"].insert(row)
        db["loan_referral_flags"].insert_all(
            {"referral_id": new_id, "flag_id": f} for f in flag_ids)
        record(db, actor, "referral.submit", "loan_referrals", new_id, after={
            "reference": row["reference"], "status": "waiting", "channel": channel,
            "partner_id": row["partner_id"], "flags": flag_ids, "kind": row["kind"],
            "venue_id": row["venue_id"], "contact_kind": row["contact_kind"],
            "interest_id": row["interest_id"]}, now=now)
        if interest_id:
            interest_rules.mark_done(db, actor, interest_id, "referral", referral_id=new_id,
                                     now=now)
    return new_id


# ---------------------------------------------------------------- reading

_SQL = """
    select r.*, p.name as partner_name, v.name as venue_name, k.label as kind_label,
           l.out_at as loan_out_at, d.asset_tag as loan_asset_tag, d.id as loan_device_id,
           exists (select 1 from loan_referral_flags rf join referral_flags f
                   on f.id = rf.flag_id where rf.referral_id = r.id and f.active = 1)
               as priority
    from loan_referrals r
    left join partners p on p.id = r.partner_id
    left join venues v on v.id = r.venue_id
    left join device_kinds k on k.slug = r.kind
    left join loans l on l.id = r.loan_id
    left join devices d on d.id = l.device_id"""
_ORDER = " order by priority desc, r.created_at, r.id"


def removal_words(removed_reason: str | None) -> str:
    """A stored removal reason ("moved_away", "other: note", or words) as a person reads it."""
    if not removed_reason:
        return ""
    key, _sep, note = removed_reason.partition(": ")
    if key in REMOVAL_REASONS:
        return f"{REMOVAL_REASONS[key]}: {note}" if note else REMOVAL_REASONS[key]
    return removed_reason


def _flags_ticked(db, referral_ids: list[int]) -> dict[int, list]:
    """Each referral's ticked flags (label, still active?) in the council's order, for a
    whole list in one query."""
    ticked = {i: [] for i in referral_ids}
    for f in db.query("""select rf.referral_id, f.label, f.active from loan_referral_flags rf
                         join referral_flags f on f.id = rf.flag_id
                         where rf.referral_id in (select value from json_each(?))
                         order by f.position, f.id""", [json.dumps(referral_ids)]):
        ticked[f["referral_id"]].append(f)
    return ticked


def _described_all(db, rows, day: date) -> list[dict]:
    rows = [dict(r) for r in rows]
    ticked = _flags_ticked(db, [r["id"] for r in rows])
    return [_described(r, ticked[r["id"]], day) for r in rows]


def _described(row, ticked: list, day: date) -> dict:
    """A referral as screens show it, with how many days it has waited up to `day` (or up
    to the day it was served or removed)."""
    r = dict(row)
    r["flags"] = [f["label"] for f in ticked if f["active"]]
    r["flags_off"] = [f["label"] for f in ticked if not f["active"]]
    start = local_day(r["created_at"])
    end = local_day(r["closed_at"]) if r["closed_at"] else day
    r["waited_days"] = max((end - start).days, 0)
    r["created_day"] = start
    r["closed_day"] = local_day(r["closed_at"]) if r["closed_at"] else None
    r["status_label"] = STATUSES[r["status"]]
    r["channel_label"] = CHANNELS.get(r["channel"], r["channel"])
    r["contact_label"] = CONTACT_KINDS.get(r["contact_kind"], r["contact_kind"])
    r["kind_label"] = r["kind_label"] or "Any device"
    r["removal"] = removal_words(r["removed_reason"])
    r["loan"] = ({"asset_tag": r["loan_asset_tag"], "out_at": r["loan_out_at"],
                  "device_id": r["loan_device_id"], "loan_id": r["loan_id"]}
                 if r["loan_id"] else None)
    return r


def get(db, referral_id, partner_id=None, now: datetime | None = None) -> dict | None:
    """One referral; with `partner_id`, only if that organisation made it."""
    referral_id = parse_id(referral_id)
    if referral_id is None:
        return None
    row = first(db.query(_SQL + " where r.id = ?", [referral_id]))
    if row is None or (partner_id is not None and row["partner_id"] != parse_id(partner_id)):
        return None
    return _described_all(db, [row], today(now))[0]


def for_partner(db, partner_id, status=None, now: datetime | None = None) -> list[dict]:
    """One organisation's referrals, newest first (nobody else's, and no positions)."""
    status = status if status in STATUSES else None
    rows = db.query(_SQL + " where r.partner_id = :partner and (:status is null or "
                    "r.status = :status) order by r.created_at desc, r.id desc",
                    {"partner": parse_id(partner_id), "status": status})
    return _described_all(db, rows, today(now))


def waiting(db, kind=None, now: datetime | None = None, limit: int = -1) -> list[dict]:
    """The waiting list in order: priority flags first, then the longest waiting. With
    `kind`, only referrals that device kind suits (they asked for it, or for any device)."""
    rows = db.query(_SQL + " where r.status = 'waiting' and (:kind is null or r.kind is null "
                    "or r.kind = :kind)" + _ORDER + " limit :limit",
                    {"kind": kind or None, "limit": limit})
    return [dict(r, position=i)
            for i, r in enumerate(_described_all(db, rows, today(now)), start=1)]


def referrals(db, status="waiting", partner_id=None, now: datetime | None = None) -> list[dict]:
    """The staff list: waiting ones in waiting-list order with their place in the whole
    list; served and removed ones most recently closed first."""
    partner_id = parse_id(partner_id)
    if status == "waiting":
        return [r for r in waiting(db, now=now)
                if partner_id is None or r["partner_id"] == partner_id]
    status = status if status in STATUSES else None
    rows = db.query(_SQL + " where (:status is null or r.status = :status) and (:partner is "
                    "null or r.partner_id = :partner) order by coalesce(r.closed_at, "
                    "r.created_at) desc, r.id desc", {"status": status, "partner": partner_id})
    return _described_all(db, rows, today(now))


def suggest_for_device(db, device: dict, now: datetime | None = None) -> dict | None:
    """The first waiting referral this device suits: a suggestion, staff decide."""
    return first(waiting(db, kind=device["kind"], now=now, limit=1))


# ---------------------------------------------------------------- leaving the list


def remove(db, actor: Actor, referral_id, reason, note=None, partner_id=None,
           now: datetime | None = None) -> None:
    """Take a waiting referral off the list with a reason ("Other" needs a note). A partner
    may withdraw only its own organisation's referrals."""
    now = now or utcnow()
    errors = {}
    if reason not in REMOVAL_REASONS:
        errors["reason"] = "Please choose why it is coming off the list."
    note = clean_text(note, "note", errors, max_len=NOTE_MAX)
    if reason == "other" and not note and "note" not in errors:
        errors["note"] = "Please say why, in a few words."
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        referral = get(db, referral_id, partner_id=partner_id, now=now)
        if referral is None:
            raise InvalidInput({"reason": "That referral is not on the list."})
        if referral["status"] != "waiting":
            raise InvalidInput({"reason": f"{referral['reference']} is not waiting any more "
                                          f"({referral['status_label'].lower()})."})
        change = {"status": "removed", "removed_reason": f"{reason}: {note}" if note else reason,
                  "closed_at": stamp(now)}
        db["loan_referrals"].update(referral["id"], change)
        record(db, actor, "referral.remove", "loan_referrals", referral["id"],
               before={"status": "waiting"},
               after={"status": "removed", "removal": reason, "note_given": bool(note),
                      "partner_id": parse_id(partner_id) if partner_id else None}, now=now)


def serve(db, actor: Actor, referral_id, loan_id, now: datetime | None = None) -> None:
    """The referral got its device: called by lending.check_out inside the loan's own
    transaction, so the loan and the served referral happen together or not at all."""
    now = now or utcnow()
    with write_transaction(db):
        referral = get(db, referral_id, now=now)
        check_waiting(referral)
        db["loan_referrals"].update(referral["id"], {"status": "served", "loan_id": loan_id,
                                                     "closed_at": stamp(now)})
        record(db, actor, "referral.serve", "loan_referrals", referral["id"],
               before={"status": "waiting"}, after={"status": "served", "loan_id": loan_id},
               now=now)


class NotWaiting(ValueError):
    """The referral was served or removed since the screen was drawn."""


def check_waiting(referral: dict | None) -> None:
    if referral is None:
        raise NotWaiting("That loan referral is not on the list any more, so nothing was lent.")
    if referral["status"] == "served":
        raise NotWaiting(f"{referral['reference']} already has a device (lent on "
                         f"{english_day(referral['closed_day'])}), so nothing was lent.")
    if referral["status"] == "removed":
        raise NotWaiting(f"{referral['reference']} was taken off the waiting list "
                         f"({referral['removal']}), so nothing was lent.")


# ---------------------------------------------------------------- figures
