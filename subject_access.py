"""Subject access and erasure: find the records that are one person, export everything
held about them, and erase them on request. Rules only, no Flask.

Where each kind of record's data lives, and what erasing removes, is personal_data's
catalogue; this module reads it. An export has plain headings ("Your visits", "Devices you
borrowed"), the audit log's entries about the person (who acted is given as a role, never
another person's name) and nothing about anyone else. Erasure is anonymisation, refused
while it cannot be done safely (a device still on loan to them), with one `subject.erase`
audit entry per record saying that it happened, why, and which kinds of data went — never
the values.
"""

# ruff: noqa: S608  (SQL from the catalogue's constant fragments; values are bound)

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import help_desk
import learners
import lending
import personal_data
import waiting_list
from audit import Actor, record, stamp, utcnow
from db import write_transaction
from formatting import local_datetime
from giveaways import interest, refurb
from personal_data import SUBJECTS, Ref, parse_ref
from validation import InvalidInput

QUERY_MIN, QUERY_MAX = 2, 100
RESULTS_MAX = 50  # of each kind
RECORDS_MAX = 20  # records named as one person
REASONS = {
    "asked": "They asked us to erase it (right to erasure)",
    "withdrew_consent": "They withdrew their consent",
    "objected": "They objected to us keeping it",
    "no_longer_needed": "We no longer need it",
    "recorded_by_mistake": "It was recorded by mistake",
}
SHORT_QUERY = f"Please type at least {QUERY_MIN} letters or numbers."
LONG_QUERY = f"Please use {QUERY_MAX} characters or fewer."
PICK_RECORDS = "Please tick at least one record that is this person."
TOO_MANY = f"Please choose at most {RECORDS_MAX} records at a time."
GONE = "One of those records is not on our list any more. Please search again."
ALREADY = "{name} was already erased or anonymised. Please search again."
PICK_REASON = "Please choose why their data is being erased."
CONFIRM = "Please tick to confirm: this cannot be undone."
ON_LOAN = ("{tag} is still on loan to them (due back {due}). Check it in, or mark it lost, "
           "before erasing their record.")
AWAITING_CHECK = ("{tag} was handed back at a kiosk but nobody has checked it in yet. Check "
                  "it in first, then erase their record.")
IN_QUEUE = ("They have a help-desk ticket open today (number {number}). Finish or close it "
            "first, then erase their record.")
ON_SHIFT = ("They are signed in to {title} now. Sign them out (or correct the shift) first, "
            "then erase their record.")

ACTIONS = {  # what an audit entry's action means, for the person reading their copy
    "learner.create": "Your record was made", "learner.update": "Your details were changed",
    "ticket.create": "You joined the queue", "ticket.take": "A volunteer started helping",
    "ticket.finish": "Help was logged", "ticket.left": "You left before being seen",
    "ticket.learner": "A visit was linked to your record", "ticket.topics": "Topics logged",
    "ticket.put_back": "Your ticket went back in the queue",
    "skill.record": "A skill was recorded", "referral.create": "You were referred",
    "referral.status": "A referral was updated", "sim.give": "You were given a SIM",
    "borrower.create": "Your record was made", "loan.check_out": "You borrowed a device",
    "loan.check_in": "A device came back", "loan.self_return": "You handed a device back",
    "loan.extend": "A loan was extended", "loan.reminder": "We reminded you about a loan",
    "loan.self_return_undone": "A kiosk return was not found, so the loan is open again",
    "refurb.gifted": "You were given a device",
    "user.create": "Your account was made", "volunteer_profile.update":
    "Your details were changed", "volunteer_training.add": "Training was recorded",
    "volunteer_shift.sign_in": "You signed in to a session",
    "volunteer_shift.sign_out": "You signed out",
    "volunteer_shift.correct": "Your hours were corrected",
    "volunteer_shift.add_missed": "Hours were added for you",
    "volunteer_shift.session_end": "You were signed out when the session ended",
    "volunteer_training.remove": "A training record was taken off",
    "donation.create": "Your donation was recorded",
    "referral.submit": "You were referred for a device loan",
    "referral.serve": "You were lent a device",
    "referral.remove": "Your referral was taken off the waiting list",
    "interest.register": "You registered your interest at a kiosk",
    "interest.done": "Staff followed up your interest",
    "interest.close": "Your registration of interest was closed",
    "subject.export": "A copy of your data was made",
}
ERASED_REASON = "Erased on request"  # a waiting referral erased comes off the list with this
INTEREST_STATUSES = {"new": "Waiting for staff to follow up", "done": "Followed up",
                     "closed": "Closed"}
ROLE_WORDS = {"staff": "a member of staff", "volunteer": "a volunteer"}


# ---------------------------------------------------------------- finding a person


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def _phone(text: str) -> str | None:
    """A phone number typed any way, as it is stored (07700900123), or None."""
    digits = re.sub(r"[\s().-]", "", text)
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    return digits if digits.isdigit() and len(digits) >= 4 else None


def clean_query(q) -> str:
    """The search as typed, spaces tidied; InvalidInput (`q`) when it is too short or long."""
    text = " ".join(str(q or "").split())
    if len(text) > QUERY_MAX:
        raise InvalidInput({"q": LONG_QUERY})
    if len(text) < QUERY_MIN:
        raise InvalidInput({"q": SHORT_QUERY})
    return text


def find(db, q) -> list[dict]:
    """Records that might be this person, by name, contact, library card or learner card:
    [{"ref", "kind", "label", "name", "hints"}], anonymised records never. Staff then
    tick the ones that are them (a learner and a borrower row are not linked)."""
    text = clean_query(q)
    phone = _phone(text)
    params = {"like": _like(text), "text": text, "phone": _like(phone) if phone else None,
              "card": learners.card_code(text) or "", "limit": RESULTS_MAX}
    found = []
    for row in db.query(
            """select l.id, l.first_name as name, l.birth_band, l.postcode_district,
                      l.card_code, l.contact, v.name as venue, l.created_at
               from learners l left join venues v on v.id = l.home_venue_id
               where l.anonymised_at is null and (l.first_name like :like escape '\\'
                     or l.contact like :like escape '\\' or l.contact like :phone
                     or l.card_code = :card)
               order by l.first_name collate nocase, l.id limit :limit""", params):
        found.append(_result("learner", row, [row["birth_band"], row["postcode_district"],
                                              row["venue"], f"card {row['card_code']}",
                                              row["contact"]]))
    for row in db.query(
            """select b.id, b.name, b.contact, b.library_card,
                      (select count(*) from loans l where l.borrower_id = b.id) as loans
               from borrowers b
               where b.anonymised_at is null and (b.name like :like escape '\\'
                     or b.contact like :like escape '\\' or b.contact like :phone
                     or b.library_card = :text collate nocase)
               order by b.name collate nocase, b.id limit :limit""", params):
        found.append(_result("borrower", row, [
            row["contact"], row["library_card"] and f"library card {row['library_card']}",
            f"{row['loans']} loan{'' if row['loans'] == 1 else 's'}"]))
    for row in db.query(
            """select u.id, u.display_name as name, u.username, p.phone, p.email
               from users u left join volunteer_profiles p on p.user_id = u.id
               where u.role = 'volunteer' and u.anonymised_at is null
                 and (u.display_name like :like escape '\\' or u.username like :like escape '\\'
                      or p.email like :like escape '\\' or p.phone like :phone)
               order by u.display_name collate nocase, u.id limit :limit""", params):
        found.append(_result("volunteer", row, [row["username"], row["phone"], row["email"]]))
    for row in db.query(
            """select r.id, r.first_name as name, r.reference, r.contact, r.status,
                      r.created_at, p.name as partner
               from loan_referrals r left join partners p on p.id = r.partner_id
               where r.anonymised_at is null and (r.first_name like :like escape '\\'
                     or r.contact like :like escape '\\' or r.contact like :phone
                     or r.reference = :text collate nocase)
               order by r.first_name collate nocase, r.id limit :limit""", params):
        found.append(_result("loan_referral", row, [
            row["reference"], row["contact"], row["partner"],
            f"referred {_when(row['created_at'])}",
            waiting_list.STATUSES.get(row["status"], row["status"])]))
    for row in db.query(
            """select i.id, coalesce(i.first_name, i.reference) as name, i.reference,
                      i.contact, i.created_at, v.name as venue
               from interest_registrations i join venues v on v.id = i.venue_id
               where i.anonymised_at is null and (i.first_name like :like escape '\\'
                     or i.contact like :like escape '\\' or i.contact like :phone
                     or i.reference = :reference)
               order by i.first_name collate nocase, i.id limit :limit""",
            dict(params, reference=interest.normal_reference(text))):
        found.append(_result("interest", row, [row["reference"], row["contact"], row["venue"],
                                               f"registered {_when(row['created_at'])}"]))
    for row in db.query(
            f"""select d.id, d.donor as name, d.received_on, v.name as venue
                from donations d left join venues v on v.id = d.venue_id
                where d.donor_kind = 'individual' and not ({personal_data.DONOR.anonymised})
                  and d.donor like :like escape '\\'
                order by d.donor collate nocase, d.id limit :limit""", params):
        found.append(_result("donor", row, [f"donated {row['received_on']}", row["venue"]]))
    return found


def _result(kind: str, row, hints: list) -> dict:
    return {"ref": f"{kind}:{row['id']}", "kind": kind, "label": SUBJECTS[kind].label,
            "name": row["name"], "hints": [h for h in hints if h]}


def parse_refs(values) -> list[Ref]:
    """The records staff ticked as one person; InvalidInput (`r`) unless every one exists
    and has not been anonymised."""
    values = [values] if isinstance(values, str) else list(values or [])
    if not values:
        raise InvalidInput({"r": PICK_RECORDS})
    if len(values) > RECORDS_MAX:
        raise InvalidInput({"r": TOO_MANY})
    return list(dict.fromkeys(parse_ref(v) for v in values))


def records(db, values) -> list[dict]:
    """Each chosen record with its own row; InvalidInput (`r`) when one is unknown or
    anonymised already."""
    refs = parse_refs(values)
    chosen = []
    for ref in refs:
        row = personal_data.get_row(db, ref) if ref else None
        if row is None:
            raise InvalidInput({"r": GONE})
        if personal_data.is_anonymised(db, ref):
            raise InvalidInput({"r": ALREADY.format(name=SUBJECTS[ref.kind].label)})
        chosen.append({"ref": ref, "subject": ref.subject, "row": row,
                       "name": _name(ref, row)})
    return chosen


NAME_COLUMN = {"learner": "first_name", "borrower": "name", "volunteer": "display_name",
               "donor": "donor", "loan_referral": "first_name", "interest": "first_name"}


def _name(ref: Ref, row: dict) -> str:
    """Their name, or (someone who only kept a reference at the kiosk) the reference."""
    return row[NAME_COLUMN[ref.kind]] or row.get("reference") or ""


# ---------------------------------------------------------------- what we hold


@dataclass
class Section:
    heading: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    intro: str = ""


def _when(value) -> str | None:
    return local_datetime(value) if value else None


def _day(value: str) -> str:
    """2026-11-23 as "23 Nov 2026"."""
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return value
    return f"{day.day} {day:%b %Y}"


def _words(column: str, value, row: dict):
    """A stored value as a person reads it: dates, labels for codes, yes/no."""
    if value is None or value == "":
        return None
    if column.endswith("_at") or column == "at":
        return _when(value)
    if column.endswith("_on") or column == "day":
        return _day(value)
    lookups = {
        "contact_kind": lending.CONTACT_KINDS, "status": {**help_desk.STATUS_LABELS,
                                                          **learners.REFERRAL_STATUSES},
        "outcome": {**help_desk.OUTCOMES, **lending.STATUSES}, "level": learners.LEVELS,
        "kind": learners.REFERRAL_KINDS, "gift_reason": refurb.GIFT_REASONS,
        "stage": refurb.STAGES, "consent": {"signed": "Signed on screen",
                                            "in_person": "Agreed in person",
                                            "imported": "From our old records"},
        "channel": {"email": "Email", "sms": "Text message", "phone": "Phone call",
                    "letter": "Letter"},
        "action": ACTIONS,
        "referral_contact_kind": waiting_list.CONTACT_KINDS,
        "referral_channel": waiting_list.CHANNELS, "referral_status": waiting_list.STATUSES,
        "interest_contact_kind": interest.CONTACT_KINDS,
        "interest_status": INTEREST_STATUSES, "interest_outcome": interest.OUTCOMES,
        "interest_closed_reason": interest.CLOSE_REASONS,
    }
    if column == "removed_reason":
        return waiting_list.removal_words(value)
    if column == "answers":
        return _answers(value)
    if column == "suggests":
        try:
            return ", ".join(str(interest.SCHEME_WORDS.get(v, v))
                             for v in json.loads(value)) or "Neither"
        except (ValueError, TypeError):
            return value
    if column == "status" and "channel" in row:
        return {"sent": "Sent", "failed": "Could not be sent", "noted": "Noted"}.get(value,
                                                                                    value)
    if column in lookups:
        return lookups[column].get(value, value)
    if column in ("active", "dbs_update_service"):
        return "Yes" if value else "No"
    if column in ("ticks", "accessories"):
        try:
            return ", ".join(str(v).replace("_", " ") for v in json.loads(value))
        except (ValueError, TypeError):
            return value
    return value


def _answers(value) -> str:
    """The kiosk's yes/no answers ({"sim.universal_credit": true}) in plain words."""
    try:
        answers = json.loads(value)
    except (ValueError, TypeError):
        return value
    if not isinstance(answers, dict):
        return value
    words = {"sim": "SIM", "device": "laptop"}
    return "; ".join(
        f"{words.get(scheme, scheme)}: "
        f"{'at least one of the reasons' if key == 'one_of' else key.replace('_', ' ')}: "
        f"{'yes' if yes else 'no'}"
        for scheme, key, yes in ((*k.split('.', 1), v) for k, v in answers.items()
                                 if "." in k))


def sections(db, ref: Ref) -> list[Section]:
    """Everything held about one record, under plain headings, in the catalogue's order,
    with the audit log's entries about it last."""
    found = []
    for place in ref.subject.all_places():
        if place.export is None:
            continue
        rows = [dict(r) for r in db.query(place.export, {"id": ref.id})]
        found.append(Section(place.heading, list(place.columns),
                             [{c: _words(c, r.get(c), r) for c, _ in place.columns}
                              | ({"_signature": r["signature"]} if r.get("signature") else {})
                              for r in rows], place.intro))
    found.append(Section("Changes we recorded", [
        ("at", "When"), ("action", "What"), ("by", "Who"), ("details", "Details")],
        audit_entries(db, ref),
        "From our audit log. Who made a change is given as their role."))
    return found


def audit_entries(db, ref: Ref) -> list[dict]:
    """The audit log's entries about this record's rows, oldest first, with who acted given
    as "you", a role, a kiosk or the system: never another person's name."""
    entries = []
    subject = ref.subject
    for place in subject.all_places():
        if not place.audited:
            continue
        ids = [str(i) for i in personal_data.place_ids(db, place, ref.id)]
        for chunk in personal_data.chunks(ids):
            entries += [dict(r) for r in db.query(
                f"""select a.id, a.at, a.action, a.actor_id, a.actor, a.before, a.after,
                           u.role
                    from audit_log a left join users u on u.id = a.actor_id
                    where a.table_name = ? and a.row_id in ({",".join("?" * len(chunk))})""",
                [place.table, *chunk])]
    entries.sort(key=lambda e: (e["at"], e["id"]))
    return [{"at": _when(e["at"]), "action": ACTIONS.get(e["action"], e["action"]),
             "by": _actor_words(e, ref), "details": _details(e["before"], e["after"]),
             "_before": _json(e["before"]), "_after": _json(e["after"])} for e in entries]


def _actor_words(entry: dict, ref: Ref) -> str:
    if ref.kind == "volunteer" and entry["actor_id"] == ref.id:
        return "you"
    if entry["role"]:
        return ROLE_WORDS.get(entry["role"], "a member of staff")
    if (entry["actor"] or "").startswith("kiosk"):
        return "a kiosk"
    return "the system"


def _json(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _details(before, after) -> str:
    """"field: before → after" pairs, or "field: value" for a new row."""
    old, new = _json(before) or {}, _json(after) or {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    parts = []
    for key in sorted(set(old) | set(new)):
        if key in ("request_id",):
            continue
        words = key.replace("_", " ")
        if key in old and key in new:
            if old[key] != new[key]:
                parts.append(f"{words}: {old[key]} → {new[key]}")
        elif key in new and new[key] not in (None, "", "[]", []):
            parts.append(f"{words}: {new[key]}")
        elif key in old:
            parts.append(f"{words}: was {old[key]}")
    return "; ".join(parts)


def export(db, actor: Actor, values, form: str, now: datetime | None = None) -> dict:
    """Everything held about the chosen records: {"made_at", "records": [{"kind", "label",
    "name", "sections"}]}. Each export is audited (who made one, in what form), never
    what it held."""
    now = now or utcnow()
    chosen = records(db, values)
    made = {"made_at": _when(now.isoformat()), "records": []}
    for item in chosen:
        made["records"].append({"ref": str(item["ref"]), "kind": item["ref"].kind,
                                "label": item["subject"].label, "name": item["name"],
                                "sections": sections(db, item["ref"])})
    with write_transaction(db):
        for item in chosen:
            record(db, actor, "subject.export", item["subject"].table, item["ref"].id,
                   after={"form": form}, now=now)
    return made


def as_json(made: dict) -> str:
    """The export as JSON: the same headings and plain labels a person reads."""
    return json.dumps({
        "made_at": made["made_at"],
        "records": [{
            "record": r["label"], "name": r["name"],
            "sections": {s.heading: [
                {label: row.get(column) for column, label in s.columns}
                | ({"Before": row["_before"], "After": row["_after"]}
                   if "_after" in row else {})
                for row in s.rows] for s in r["sections"]}}
            for r in made["records"]]}, indent=2, ensure_ascii=False, default=str)


def summary(db, values) -> list[dict]:
    """For the person page: each chosen record, how many rows of each kind we hold."""
    out = []
    for item in records(db, values):
        counts = []
        for place in item["subject"].all_places():
            if place.export is None or place.where is None or place is item["subject"].about:
                continue  # (what a volunteer did is counted in their copy, not here)
            counts.append((place.heading, db.execute(
                f"select count(*) from ({place.export})", {"id": item["ref"].id}).fetchone()[0]))
        out.append(dict(item, counts=counts, refusal=refusal(db, item["ref"]),
                        removes=personal_data.categories(item["subject"])))
    return out


# ---------------------------------------------------------------- erasure


def refusal(db, ref: Ref, today: str | None = None) -> str | None:
    """Why this record cannot be erased safely now, or None when it can."""
    if ref.kind == "borrower":
        loan = db.execute(
            """select d.asset_tag, l.due_on, l.returned_at from loans l
               join devices d on d.id = l.device_id
               where l.borrower_id = ? and l.closed_at is null order by l.out_at limit 1""",
            [ref.id]).fetchone()
        if loan:
            tag, due, returned = loan
            return (AWAITING_CHECK if returned else ON_LOAN).format(tag=tag, due=due)
    if ref.kind == "learner":
        ticket = db.execute(
            "select number from tickets where learner_id = ? and status in "
            "('waiting', 'in_progress') order by id limit 1", [ref.id]).fetchone()
        if ticket:
            return IN_QUEUE.format(number=ticket[0])
    if ref.kind == "volunteer":
        shift = db.execute(
            """select s.title from volunteer_shifts vs join sessions s on s.id = vs.session_id
               where vs.user_id = ? and vs.signed_out_at is null limit 1""",
            [ref.id]).fetchone()
        if shift:
            return ON_SHIFT.format(title=shift[0])
    return None


def erase(db, actor: Actor, values, reason, confirmed: bool,
          now: datetime | None = None) -> list[dict]:
    """Erase the chosen records, all or none, after the checks: a reason from the list,
    the confirmation ticked, and nothing that makes it unsafe. Each record gets one
    `subject.erase` audit entry: the kinds of data removed, the reason, who and when.
    Returns [{"label", "categories"}]."""
    now = now or utcnow()
    errors = {}
    if reason not in REASONS:
        errors["reason"] = PICK_REASON
    if not confirmed:
        errors["confirm"] = CONFIRM
    try:
        parse_refs(values)
    except InvalidInput as e:
        errors.update(e.errors)
    if errors:
        raise InvalidInput(errors)
    done = []
    with write_transaction(db):
        chosen = records(db, values)
        for item in chosen:
            why_not = refusal(db, item["ref"])
            if why_not:
                raise InvalidInput({"r": why_not})
        for item in chosen:
            _close_open(db, actor, item["ref"], now)
            outcome = personal_data.anonymise(db, item["ref"], now)
            record(db, actor, "subject.erase", item["subject"].table, item["ref"].id,
                   after={"record": item["ref"].kind, "reason": reason, **outcome.as_dict()},
                   now=now)
            done.append({"label": item["subject"].label,
                         "categories": sorted(outcome.categories)})
    return done


def _close_open(db, actor: Actor, ref: Ref, now: datetime) -> None:
    """Someone erased stops being followed up: a waiting loan referral comes off the waiting
    list, and a registration of interest not yet dealt with is closed, both with the reason
    "Erased on request" and their own audit entry. Inside the erasure's transaction."""
    if ref.kind not in ("loan_referral", "interest"):
        return
    status = db.execute(f"select status from {ref.subject.table} where id = ?",
                        [ref.id]).fetchone()
    if ref.kind == "loan_referral" and status[0] == "waiting":
        db["loan_referrals"].update(ref.id, {
            "status": "removed", "removed_reason": ERASED_REASON, "closed_at": stamp(now)})
        record(db, actor, "referral.remove", "loan_referrals", ref.id,
               before={"status": "waiting"},
               after={"status": "removed", "removal": ERASED_REASON}, now=now)
    elif ref.kind == "interest" and status[0] == "new":
        change = {"status": "closed", "closed_reason": ERASED_REASON,
                  "closed_by": actor.id, "closed_at": stamp(now)}
        db["interest_registrations"].update(ref.id, change)
        record(db, actor, "interest.close", "interest_registrations", ref.id,
               before={"status": "new"}, after=change, now=now)
