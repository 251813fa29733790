"""The lending library: devices, borrowers, partners and loans. Rules only, no Flask.

A device is `available`, `on_loan`, `in_repair`, `being_wiped`, `retired` or `lost`. It goes
out on a signed loan and comes back through a checklist; it is available again only once
someone confirms the factory reset. The database holds what it can (one open loan per
device, a loan to exactly one borrower or partner); every change is audited in the same
transaction as the change itself.
"""

import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from audit import Actor, record, stamp, update_changed, utcnow
from db import first, made_for_request, parse_id, write_transaction
from help_desk import LOCAL_TZ
from i18n import N_, _
from validation import InvalidInput, clean_notes, clean_text, gather, request_key, visible

# Labels (N_): translated where a tablet screen shows them, English in CSVs and records.
STATUSES = {
    "available": N_("Available"),
    "on_loan": N_("On loan"),
    "in_repair": N_("In repair"),
    "being_wiped": N_("Being wiped"),
    "retired": N_("Retired"),
    "lost": N_("Lost"),
}
# Statuses staff may set by hand; `on_loan` comes only from a check-out and `available`
# only from a confirmed wipe.
MANUAL_STATUSES = ("in_repair", "being_wiped", "retired", "lost")
CONDITIONS = {"A": N_("A: as new"), "B": N_("B: good"), "C": N_("C: fair, marked"),
              "D": N_("D: poor, works")}
ACCESSORIES = {
    "charger": N_("Charger"),
    "cable": N_("Cable"),
    "case": N_("Case"),
    "keyboard": N_("Keyboard"),
    "mouse": N_("Mouse"),
    "stylus": N_("Stylus"),
    "headphones": N_("Headphones"),
}
CHECKLIST = {
    "accessories": N_("Everything in the bundle is back"),
    "screen": N_("Screen and case are not damaged"),
    "charger": N_("Charger works"),
    "keyboard": N_("Keyboard works"),
    "sim": N_("Data SIM is in the device"),
    "reset": N_("Factory reset done (the borrower's data is wiped)"),
}
RESET_ITEM = "reset"
CONTACT_KINDS = {
    "mobile": N_("Mobile (text message)"),
    "email": N_("Email"),
    "landline": N_("Landline (we phone)"),
    "none": N_("No contact (we write or wait)"),
}
# The device kinds migrations m002 and m005 seed (labels live in the database), only so
# `make translations` finds them; screens show a kind's label with `translated()`.
SEEDED_KIND_LABELS = (N_("Tablet"), N_("Laptop"), N_("Chromebook"), N_("Phone"),
                      N_("MiFi (pocket Wi-Fi)"), N_("Desktop computer"))
TAG_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
SIGNATURE_MAX_POINTS = 4000
SIGNATURE_BOX = (600, 200)
PARTNER_LOAN_DAYS = 90  # partners borrow for a term of sessions, not a few weeks


class Conflict(Exception):
    """The device moved on since the screen was drawn (e.g. someone else lent it)."""


# ---------------------------------------------------------------- small validators


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _digits(value, field, errors, lengths, what) -> str | None:
    text = re.sub(r"[\s-]", "", str(value or ""))
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) in lengths and _luhn_ok(text)):
        errors[field] = f"That does not look like {what}. Check the digits and try again."
    return text


A_DATE = N_("a date")


def parse_date(value, field, errors, required=False, label=A_DATE) -> str | None:
    """A date as year-month-day; `label` ("when it is due back") is marked with N_."""
    text = str(value or "").strip()
    if not text:
        if required:
            errors[field] = _("Please choose %(label)s.", label=_(label))
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        errors[field] = _("Please give the date as year-month-day, for example 2026-12-24.")
        return None


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def _venue(db, value, errors, field="venue", required=False) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = _("Please choose a venue.")
        return None
    venue_id = parse_id(value)
    if venue_id is None or not db["venues"].count_where("id = ? and active = 1", [venue_id]):
        errors[field] = _("Please choose a venue from the list.")
    return venue_id


# ---------------------------------------------------------------- device kinds and tags


def kinds(db) -> list[dict]:
    return [
        dict(k, checklist=json.loads(k["checklist"]), accessories=json.loads(k["accessories"]))
        for k in db["device_kinds"].rows_where(order_by="position, label")
    ]


def kind(db, slug) -> dict | None:
    return next((k for k in kinds(db) if k["slug"] == slug), None)


def next_asset_tag(db, kind_slug: str) -> str:
    """The kind's prefix and the next free number, e.g. TAB-0042 after TAB-0041."""
    prefix = db["device_kinds"].get(kind_slug)["tag_prefix"]
    tags = db.execute(
        "select asset_tag from devices where asset_tag like ? escape '\\'",
        [prefix.replace("_", "\\_").replace("%", "\\%") + "-%"],
    ).fetchall()
    numbers = [int(t[len(prefix) + 1:]) for (t,) in tags if t[len(prefix) + 1:].isdigit()]
    return f"{prefix}-{max(numbers, default=0) + 1:04d}"


def update_kinds(db, actor: Actor, form: dict) -> None:
    """Staff set each kind's asset-tag prefix and default loan period, all or nothing.
    `form` has `prefix_<slug>` and `loan_days_<slug>` for every kind."""
    errors, changes = {}, {}
    for k in kinds(db):
        slug = k["slug"]
        prefix = str(form.get(f"prefix_{slug}") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{1,6}", prefix):
            errors[f"prefix_{slug}"] = "Use 1 to 6 letters, for example TAB."
        days = str(form.get(f"loan_days_{slug}") or "").strip()
        if not (days.isascii() and days.isdigit() and 1 <= int(days) <= 365):
            errors[f"loan_days_{slug}"] = "Use a number of days from 1 to 365."
            continue
        change = {"tag_prefix": prefix, "loan_days": int(days)}
        if change != {"tag_prefix": k["tag_prefix"], "loan_days": k["loan_days"]}:
            changes[slug] = (k, change)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        for slug, (before, change) in changes.items():
            db["device_kinds"].update(slug, change)
            record(db, actor, "device_kind.update", "device_kinds", slug,
                   before={k: before[k] for k in change}, after=change)


# ---------------------------------------------------------------- devices

DEVICE_FIELDS = ("kind", "asset_tag", "make", "model", "serial", "imei", "sim_iccid",
                 "sim_network", "sim_allowance", "sim_expires", "accessories", "condition",
                 "status", "home_venue_id", "notes")


def validate_device(db, form: dict, device_id: int | None = None) -> dict:
    """Clean a device form (adding or editing). Raises InvalidInput with every problem."""
    errors = {}
    row = {}
    kind_slug = form.get("kind")
    if not kind_slug or not db["device_kinds"].count_where("slug = ?", [kind_slug]):
        errors["kind"] = "Please choose what kind of device this is."
    row["kind"] = kind_slug
    tag = str(form.get("asset_tag") or "").strip()
    if tag:
        if not TAG_PATTERN.fullmatch(tag):
            errors["asset_tag"] = ("Use letters, numbers, dashes or dots, up to 32 characters, "
                                   "or leave it blank for the next number.")
        elif db.execute("select 1 from devices where asset_tag = ? collate nocase and id != ?",
                        [tag, device_id or 0]).fetchone():
            errors["asset_tag"] = f"Another device already has the tag {tag}."
    row["asset_tag"] = tag or None
    for field in ("make", "model", "serial", "sim_network", "sim_allowance"):
        row[field] = clean_text(form.get(field), field, errors)
    row["imei"] = _digits(form.get("imei"), "imei", errors, {15}, "an IMEI (15 digits)")
    row["sim_iccid"] = _digits(form.get("sim_iccid"), "sim_iccid", errors, {18, 19, 20},
                               "a SIM number (ICCID, 19 or 20 digits)")
    row["sim_expires"] = parse_date(form.get("sim_expires"), "sim_expires", errors)
    accessories = form.get("accessories") or []
    if isinstance(accessories, str):
        accessories = [accessories]
    if any(a not in ACCESSORIES for a in accessories):
        errors["accessories"] = "Please tick accessories from the list."
    row["accessories"] = json.dumps([a for a in ACCESSORIES if a in accessories])
    condition = form.get("condition") or None
    if condition is not None and condition not in CONDITIONS:
        errors["condition"] = "Please choose a grade from the list."
    row["condition"] = condition
    row["home_venue_id"] = _venue(db, form.get("home_venue_id"), errors, "home_venue_id")
    row["notes"] = clean_notes(form.get("notes"), "notes", errors)
    if errors:
        raise InvalidInput(errors)
    return row


def add_device(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    """Add a device; a blank asset tag takes the kind's next number. New devices are
    available unless the form says they start in repair, being wiped, retired or lost."""
    now = now or utcnow()
    row = validate_device(db, form)
    status = form.get("status") or "available"
    if status not in ("available", *MANUAL_STATUSES):
        raise InvalidInput({"status": "Please choose a status from the list."})
    with write_transaction(db):
        row["asset_tag"] = row["asset_tag"] or next_asset_tag(db, row["kind"])
        row.update(status=status, created_at=stamp(now), updated_at=stamp(now))
        try:
            device_id = db["devices"].insert(row).last_pk
        except sqlite3.IntegrityError:
            raise InvalidInput(
                {"asset_tag": f"Another device already has the tag {row['asset_tag']}."}
            ) from None
        record(db, actor, "device.create", "devices", device_id, after=row, now=now)
    return device_id


def update_device(db, actor: Actor, device_id: int, form: dict,
                  now: datetime | None = None) -> None:
    """Edit a device's details. Its status changes only through loans and `set_status`."""
    now = now or utcnow()
    row = validate_device(db, form, device_id)
    with write_transaction(db):
        before = get_device(db, device_id)
        if before is None:
            raise InvalidInput({"device": "That device is not on the list any more."})
        row["asset_tag"] = row["asset_tag"] or before["asset_tag"]
        update_changed(db, actor, "device.update", "devices", before, row, now, "updated_at")


def get_device(db, device_id) -> dict | None:
    device_id = parse_id(device_id)
    if device_id is None:
        return None
    return first(db.query(_DEVICE_SQL + " where d.id = ?", [device_id]))


def device_by_tag(db, tag: str) -> dict | None:
    return first(db.query(_DEVICE_SQL + " where d.asset_tag = ? collate nocase",
                          [str(tag or "").strip()]))


_DEVICE_SQL = """
    select d.*, k.label as kind_label, v.name as home_venue_name
    from devices d join device_kinds k on k.slug = d.kind
    left join venues v on v.id = d.home_venue_id"""


def devices(db, status: str | None = None, kind_slug: str | None = None,
            q: str | None = None) -> list[dict]:
    """Devices for the staff list, each with its open loan's due date and holder."""
    status = status if status in STATUSES else None
    like = f"%{q.strip()}%" if q and q.strip() else None
    return [dict(r) for r in db.query(
        """select d.*, k.label as kind_label, v.name as home_venue_name,
                  l.id as loan_id, l.due_on, l.returned_at,
                  coalesce(b.name, p.name) as holder
           from devices d join device_kinds k on k.slug = d.kind
           left join venues v on v.id = d.home_venue_id
           left join loans l on l.device_id = d.id and l.closed_at is null
           left join borrowers b on b.id = l.borrower_id
           left join partners p on p.id = l.partner_id
           where (:status is null or d.status = :status)
             and (:kind is null or d.kind = :kind)
             and (:like is null or d.asset_tag like :like or d.make like :like
                  or d.model like :like or d.serial like :like)
           order by d.asset_tag collate nocase""",
        {"status": status, "kind": kind_slug or None, "like": like})]


def _set_status(db, actor, device, status, now, reason=None) -> None:
    """Change a device's status inside the caller's transaction, with an audit entry."""
    if device["status"] == status:
        return
    db["devices"].update(device["id"], {"status": status, "updated_at": stamp(now)})
    after = {"status": status}
    if reason:
        after["reason"] = reason
    record(db, actor, "device.status", "devices", device["id"],
           before={"status": device["status"]}, after=after, now=now)


def set_status(db, actor: Actor, device_id, status: str, reason: str | None,
               now: datetime | None = None) -> None:
    """Staff send a device to repair or wiping, retire it or mark it lost, with a reason.
    Marking a device on loan as lost closes its loan."""
    now = now or utcnow()
    errors = {}
    if status not in MANUAL_STATUSES:
        errors["status"] = "Please choose a status from the list."
    reason = clean_text(reason, "reason", errors, max_len=200, required=True, label="the reason")
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        device = get_device(db, device_id)
        if device is None:
            raise InvalidInput({"device": "That device is not on the list any more."})
        loan = open_loan(db, device["id"])
        if loan and status != "lost":
            raise InvalidInput({"status": f"{device['asset_tag']} is on loan. Check it in "
                                          "first, or mark it lost."})
        if loan:
            _close_loan(db, actor, loan, now, checklist=None, outcome="lost", notes=reason)
        _set_status(db, actor, device, status, now, reason)


def confirm_wipe(db, actor: Actor, device_id, confirmed, now: datetime | None = None) -> None:
    """The only way back to `available`: someone confirms the factory reset was done."""
    now = now or utcnow()
    with write_transaction(db):
        device = get_device(db, device_id)
        if device is None:
            raise InvalidInput({"device": "That device is not on the list any more."})
        if device["status"] not in ("being_wiped", "in_repair"):
            raise Conflict(f"{device['asset_tag']} is {STATUSES[device['status']].lower()}, "
                           "not waiting for a wipe.")
        if not confirmed:
            raise InvalidInput({"confirm": "Please tick to confirm the factory reset is done."})
        record(db, actor, "device.wipe_confirmed", "devices", device["id"], now=now)
        _set_status(db, actor, device, "available", now)


# ---------------------------------------------------------------- scanning


def scanned_path(text: str) -> list[str] | None:
    """The path segments of a scanned URL or path ("https://x/d/TAB-1" → ["d", "TAB-1"]),
    or None for bare text such as a typed tag."""
    if "/" not in text:
        return None
    try:
        path = urlsplit(text).path if "://" in text else text
    except ValueError:  # e.g. "http://[" : a URL, but not one of ours
        return []
    return [p for p in path.split("/") if p]


def resolve_scan(db, text: str) -> dict:
    """What a scan (a wedge scanner's typing, a camera read, or a typed tag) points at.

    Accepts a bare tag or the label's URL; anything else is a clear message, never a guess.
    """
    text = str(text or "").strip()
    if not text:
        raise InvalidInput({"scan": _("Scan a device's label, or type its tag.")})
    tag = text
    parts = scanned_path(text)
    if parts is not None:
        if len(parts) >= 2 and parts[-2] == "l":
            raise InvalidInput({"scan": _("That is a learner card, not a device. "
                                          "Scan the QR label on the device.")})
        if len(parts) < 2 or parts[-2] != "d":
            raise InvalidInput({"scan": _("That code is not one of our device labels.")})
        tag = parts[-1]
    if not TAG_PATTERN.fullmatch(tag):
        raise InvalidInput({"scan": _("That code is not one of our device labels.")})
    device = device_by_tag(db, tag)
    if device is None:
        raise InvalidInput({"scan": _("No device has the tag %(tag)s. Check the label and "
                                      "try again.", tag=tag)})
    return device


def next_action(db, device: dict) -> str:
    """The one obvious thing to do with a scanned device."""
    if device["status"] == "on_loan":
        return "check_in"
    if device["status"] == "available":
        return "check_out"
    return "view"


# ---------------------------------------------------------------- people who borrow


def validate_contact(kind_value, contact, errors, field="contact") -> tuple[str, str | None]:
    kind_value = kind_value or "none"
    contact = " ".join(visible(contact).split())
    if kind_value not in CONTACT_KINDS:
        errors["contact_kind"] = _("Please choose how we can reach them.")
        return kind_value, None
    if kind_value == "none" or not contact:
        return "none", None  # "leave blank for no contact"
    if kind_value == "email":
        if not re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}", contact) or len(contact) > 254:
            errors[field] = _("Please give an email address like name@example.com.")
        return kind_value, contact
    number = re.sub(r"[\s()-]", "", contact)
    if number.startswith("+44"):
        number = "0" + number[3:]
    pattern = r"07\d{9}" if kind_value == "mobile" else r"0\d{9,10}"
    if not re.fullmatch(pattern, number):
        errors[field] = (_("Please give a UK mobile number, like 07700 900123.")
                         if kind_value == "mobile"
                         else _("Please give a UK phone number, like 01942 123456."))
    return kind_value, number


def validate_borrower(form: dict) -> dict:
    errors = {}
    row = {"name": clean_text(form.get("name"), "name", errors, max_len=60, required=True,
                         label=N_("their name"))}
    row["contact_kind"], row["contact"] = validate_contact(form.get("contact_kind"),
                                                           form.get("contact"), errors)
    card = re.sub(r"\s", "", str(form.get("library_card") or ""))
    if card and not re.fullmatch(r"[A-Za-z0-9]{4,20}", card):
        errors["library_card"] = _("A library card number is 4 to 20 letters or numbers.")
    row["library_card"] = card or None
    if errors:
        raise InvalidInput(errors)
    return row


def add_borrower(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    """A borrower: a name and at most one way to reach them, nothing more."""
    now = now or utcnow()
    row = validate_borrower(form)
    with write_transaction(db):
        return _insert_borrower(db, actor, row, now)


def _insert_borrower(db, actor, row, now) -> int:
    row = dict(row, created_at=stamp(now))
    borrower_id = db["borrowers"].insert(row).last_pk
    record(db, actor, "borrower.create", "borrowers", borrower_id, after=row, now=now)
    return borrower_id


def find_borrowers(db, q: str, limit: int = 8) -> list[dict]:
    q = " ".join(str(q or "").split())
    if len(q) < 2:
        return []
    return [dict(r) for r in db.query(
        """select * from borrowers where (name like ? or library_card = ?)
           and anonymised_at is null order by name collate nocase limit ?""",
        [f"%{q}%", q, limit])]


def get_borrower(db, borrower_id) -> dict | None:
    borrower_id = parse_id(borrower_id)
    return first(db["borrowers"].rows_where("id = ?", [borrower_id])) if borrower_id else None


def validate_partner(form: dict) -> dict:
    errors = {}
    row = {"name": clean_text(form.get("name"), "name", errors, required=True,
                         label="the organisation's name"),
           "contact_name": clean_text(form.get("contact_name"), "contact_name", errors, max_len=60)}
    phone = str(form.get("phone") or "").strip()
    row["phone"] = validate_contact("landline", phone, errors, "phone")[1] if phone else None
    email = str(form.get("email") or "").strip()
    row["email"] = validate_contact("email", email, errors, "email")[1] if email else None
    row["notes"] = clean_notes(form.get("notes"), "notes", errors)
    if errors:
        raise InvalidInput(errors)
    return row


def add_partner(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    now = now or utcnow()
    row = validate_partner(form)
    row["created_at"] = stamp(now)
    with write_transaction(db):
        if db.execute("select 1 from partners where name = ? collate nocase",
                      [row["name"]]).fetchone():
            raise InvalidInput({"name": f"{row['name']} is already a partner."})
        partner_id = db["partners"].insert(row).last_pk
        record(db, actor, "partner.create", "partners", partner_id, after=row, now=now)
    return partner_id


def partners(db, active_only: bool = True) -> list[dict]:
    return [dict(r) for r in db.query(
        """select p.*, (select count(*) from loans l where l.partner_id = p.id
                        and l.closed_at is null) as out_now
           from partners p where ? = 0 or p.active = 1 order by p.name collate nocase""",
        [1 if active_only else 0])]


def get_partner(db, partner_id) -> dict | None:
    partner_id = parse_id(partner_id)
    return first(db["partners"].rows_where("id = ?", [partner_id])) if partner_id else None


# ---------------------------------------------------------------- agreement and signature


def current_agreement(db) -> dict:
    return first(db["loan_agreements"].rows_where(order_by="version desc", limit=1))


def save_agreement(db, actor: Actor, text: str, now: datetime | None = None) -> int:
    """Each edit is a new version; signed loans keep pointing at the words they signed."""
    now = now or utcnow()
    text = visible(text).strip()
    if not text:
        raise InvalidInput({"text": "The agreement cannot be empty."})
    if len(text) > 5000:
        raise InvalidInput({"text": "Please keep the agreement under 5000 characters."})
    with write_transaction(db):
        current = current_agreement(db)
        if current["text"].strip() == text:  # the seeded version ends with a newline
            return current["version"]
        version = current["version"] + 1
        agreement_id = db["loan_agreements"].insert(
            {"version": version, "text": text, "created_at": stamp(now),
             "created_by": actor.id}).last_pk
        record(db, actor, "agreement.create", "loan_agreements", agreement_id,
               after={"version": version}, now=now)
    return version


def signature_path(strokes_json: str | None) -> str | None:
    """A drawn signature as an SVG path ("M x y L x y …") in a 600×200 box, or None if
    nothing was drawn. Built from numbers only, so it is safe to put back into a page."""
    try:
        strokes = json.loads(strokes_json or "[]")
    except ValueError:
        return None
    if not isinstance(strokes, list):
        return None
    width, height = SIGNATURE_BOX
    parts, points = [], 0
    for stroke in strokes:
        if not isinstance(stroke, list):
            return None
        coords = []
        for point in stroke:
            if (not isinstance(point, list) or len(point) != 2
                    or not all(isinstance(c, int | float) and not isinstance(c, bool)
                               for c in point)):
                return None
            x = min(max(round(point[0]), 0), width)
            y = min(max(round(point[1]), 0), height)
            coords.append(f"{x} {y}")
        points += len(coords)
        if points > SIGNATURE_MAX_POINTS:
            return None
        if coords:
            parts.append("M" + coords[0] + "".join("L" + c for c in coords[1:]))
    return " ".join(parts) if points >= 2 else None


# ---------------------------------------------------------------- loans


def open_loan(db, device_id: int) -> dict | None:
    return first(db.query(_LOAN_SQL + " where l.device_id = ? and l.closed_at is null",
                          [device_id]))


def get_loan(db, loan_id) -> dict | None:
    loan_id = parse_id(loan_id)
    return first(db.query(_LOAN_SQL + " where l.id = ?", [loan_id])) if loan_id else None


_LOAN_SQL = """
    select l.*, d.asset_tag, d.kind, k.label as kind_label,
           coalesce(b.name, p.name) as holder, b.contact_kind, b.contact, b.library_card,
           p.name as partner_name, a.version as agreement_version, v.name as venue_name
    from loans l join devices d on d.id = l.device_id
    join device_kinds k on k.slug = d.kind
    left join borrowers b on b.id = l.borrower_id
    left join partners p on p.id = l.partner_id
    left join loan_agreements a on a.id = l.agreement_id
    left join venues v on v.id = l.venue_id"""


def default_due(db, device: dict, now: datetime | None = None) -> date:
    return today(now) + timedelta(days=db["device_kinds"].get(device["kind"])["loan_days"])


def check_out(db, actor: Actor, device_id, *, borrower_id=None, new_borrower=None,
              partner_id=None, due_on=None, venue_id=None, signature=None,
              agreed_in_person=False, request_id=None, imported=False, referral_id=None,
              out_at: datetime | None = None, now: datetime | None = None) -> int:
    """Lend an available device to one resident (who signs) or one partner organisation.

    A resident who cannot sign on a screen (a tremor, a stroke, poor sight) agrees aloud
    after hearing the agreement: `agreed_in_person`, recorded with who lent the device.

    `new_borrower` (a borrower form) adds the resident in the same transaction, so a loan
    that fails leaves no stray borrower. A repeated `request_id` returns the loan already
    made, so a double tap lends once. `imported` loans come from another system's records:
    they carry no signature, may already be past due, and keep their own `out_at`.

    `referral_id` lends to someone on the waiting list (a resident) and serves that loan
    referral in the same transaction; one already served or removed lends nothing.
    """
    now = now or utcnow()
    errors = {}
    new_row = None
    if new_borrower is not None:
        new_row = gather(errors, validate_borrower, new_borrower)
    due = parse_date(due_on, "due_on", errors, required=True, label=N_("when it is due back"))
    if due and not imported and not (
            today(now) < date.fromisoformat(due) <= today(now) + timedelta(days=366)):
        errors["due_on"] = _("The due date must be after today and within a year.")
    venue_id = _venue(db, venue_id, errors)
    borrower = get_borrower(db, borrower_id) if borrower_id else None
    partner = get_partner(db, partner_id) if partner_id else None
    resident = borrower is not None or new_borrower is not None
    if resident == (partner is not None):
        errors["borrower"] = _("Please choose who is borrowing it.")
    if referral_id is not None:
        referral_id = parse_id(referral_id)
        if referral_id is None:
            errors["referral"] = "That loan referral is not on the list."
        elif not resident:
            errors["referral"] = ("A loan referral is lent to the person referred, not to a "
                                  "partner organisation.")
    path = signature_path(signature)
    if imported:
        consent = "imported"
    elif not resident:
        consent = "partner"
    elif path:
        consent = "signed"
    elif agreed_in_person:
        consent = "in_person"
    else:
        errors["signature"] = _("Please ask the borrower to sign in the box, or tick that "
                                "they agreed in person.")
    if errors:
        raise InvalidInput(errors)
    request_id = request_key(request_id)
    with write_transaction(db):
        if made := made_for_request(db, "loans", request_id):
            return made
        device = get_device(db, device_id)
        if device is None:
            raise InvalidInput({"device": _("That device is not on the list any more.")})
        if device["status"] != "available":
            status = STATUSES[device["status"]]
            raise Conflict(_("%(tag)s is %(status)s, so it cannot be lent now.",
                             tag=device["asset_tag"], status=_(status).lower()))
        if new_row is not None:
            borrower = {"id": _insert_borrower(db, actor, new_row, now)}
        row = {
            "device_id": device["id"],
            "borrower_id": borrower["id"] if borrower else None,
            "partner_id": partner["id"] if partner else None,
            "venue_id": venue_id,
            "out_at": stamp(out_at if imported and out_at else now),
            "due_on": due,
            "out_by": actor.id,
            "agreement_id": current_agreement(db)["id"],
            "signature": path,
            "consent": consent,
            "accessories": device["accessories"],
            "request_id": request_id,
        }
        try:
            loan_id = db["loans"].insert(row).last_pk
        except sqlite3.IntegrityError:
            raise Conflict(_("%(tag)s is already on loan.", tag=device["asset_tag"])) from None
        record(db, actor, "loan.check_out", "loans", loan_id,
               after={k: v for k, v in row.items() if k != "signature"}, now=now)
        _set_status(db, actor, device, "on_loan", now)
        if referral_id is not None:
            import waiting_list  # here, not at the top: waiting_list builds on lending

            try:  # served or removed meanwhile: the loan and a new borrower roll back too
                waiting_list.serve(db, actor, referral_id, loan_id, now=now)
            except waiting_list.NotWaiting as e:
                raise Conflict(str(e)) from None
    return loan_id


def self_return(db, actor: Actor, device_id, venue_id, now: datetime | None = None) -> dict:
    """A resident hands a device back at a kiosk: the loan waits for staff to check it."""
    now = now or utcnow()
    with write_transaction(db):
        loan = open_loan(db, device_id)
        if loan is None:
            raise InvalidInput({"scan": _("This device is not out on loan. Please give it to "
                                          "a member of staff.")})
        if loan["returned_at"]:
            return loan
        change = {"returned_at": stamp(now), "returned_via": "kiosk",
                  "return_venue_id": parse_id(venue_id)}
        db["loans"].update(loan["id"], change)
        record(db, actor, "loan.self_return", "loans", loan["id"], after=change, now=now)
    return dict(loan, **change)


def extend_loan(db, actor: Actor, loan_id, due_on, now: datetime | None = None) -> str:
    """"If you need it longer, ask us": a new due date for a loan still out."""
    now = now or utcnow()
    errors = {}
    due = parse_date(due_on, "due_on", errors, required=True, label="the new due date")
    if due and not today(now) < date.fromisoformat(due) <= today(now) + timedelta(days=366):
        errors["due_on"] = "The due date must be after today and within a year."
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        loan = get_loan(db, loan_id)
        if loan is None or loan["closed_at"] or loan["returned_at"]:
            raise InvalidInput({"due_on": "This loan is not out any more, so it cannot be "
                                          "extended."})
        db["loans"].update(loan["id"], {"due_on": due})
        record(db, actor, "loan.extend", "loans", loan["id"], before={"due_on": loan["due_on"]},
               after={"due_on": due}, now=now)
    return due


def undo_self_return(db, actor: Actor, loan_id, now: datetime | None = None) -> dict:
    """Staff could not find a device that was "given back" at a kiosk: the loan is open
    and chased again. Anyone can type a tag at a kiosk, so this is the check on it."""
    now = now or utcnow()
    with write_transaction(db):
        loan = get_loan(db, loan_id)
        if loan is None or loan["closed_at"] or loan["returned_via"] != "kiosk":
            raise InvalidInput({"loan": "That loan is not waiting for a check any more."})
        change = {"returned_at": None, "returned_via": None, "return_venue_id": None}
        db["loans"].update(loan["id"], change)
        record(db, actor, "loan.self_return_undone", "loans", loan["id"],
               before={"returned_at": loan["returned_at"]}, after={"returned_at": None},
               now=now)
    return loan


def checklist_for(db, device: dict) -> dict[str, str]:
    items = json.loads(db["device_kinds"].get(device["kind"])["checklist"])
    if device.get("sim_iccid") and "sim" not in items:
        items.insert(-1, "sim")
    return {item: CHECKLIST[item] for item in items}


def _close_loan(db, actor, loan, now, checklist, outcome, notes) -> None:
    change = {
        "closed_at": stamp(now),
        "closed_by": actor.id,
        "returned_at": loan["returned_at"] or stamp(now),
        "returned_via": loan["returned_via"] or "desk",
        "checklist": json.dumps(checklist) if checklist is not None else None,
        "outcome": outcome,
        "return_notes": notes,
    }
    db["loans"].update(loan["id"], change)
    record(db, actor, "loan.check_in", "loans", loan["id"], after=change, now=now)


def check_in(db, actor: Actor, device_id, ticked, notes=None, venue_id=None,
             now: datetime | None = None) -> str:
    """Close the loan through the kind's checklist and say where the device goes next:
    every item ticked -> available; only the reset missing -> being wiped; anything else
    -> in repair (with a note of what is wrong)."""
    now = now or utcnow()
    ticked = set(ticked or ())
    errors = {}
    notes = clean_notes(notes, "notes", errors)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        device = get_device(db, device_id)
        if device is None:
            raise InvalidInput({"scan": _("That device is not on the list any more.")})
        loan = open_loan(db, device["id"])
        if loan is None:
            raise InvalidInput({"scan": _("%(tag)s is not on loan, so there is nothing to "
                                          "check in.", tag=device["asset_tag"])})
        items = checklist_for(db, device)
        results = {item: item in ticked for item in items}
        problems = [item for item, ok in results.items() if not ok and item != RESET_ITEM]
        if problems and not notes:
            raise InvalidInput({"notes": _("Please say what is wrong, so it can be repaired.")})
        if problems:
            outcome = "in_repair"
        elif not results.get(RESET_ITEM, True):
            outcome = "being_wiped"
        else:
            outcome = "available"
        _close_loan(db, actor, loan, now, results, outcome, notes)
        _set_status(db, actor, device, outcome, now)
    return outcome


def open_loans(db, partner_id=None) -> list[dict]:
    where = " where l.closed_at is null"
    params = []
    if partner_id:
        where += " and l.partner_id = ?"
        params.append(partner_id)
    return [dict(r) for r in db.query(_LOAN_SQL + where + " order by l.due_on, d.asset_tag",
                                      params)]


def awaiting_check(db) -> list[dict]:
    """Devices handed back at a kiosk that staff still need to check in."""
    return [dict(r) for r in db.query(
        _LOAN_SQL + " where l.closed_at is null and l.returned_at is not null order by "
        "l.returned_at")]


def device_loans(db, device_id: int) -> list[dict]:
    return [dict(r) for r in db.query(_LOAN_SQL + " where l.device_id = ? order by l.id desc",
                                      [device_id])]


def device_history(db, device_id: int) -> list[dict]:
    """Every audit entry for the device and its loans, newest first."""
    return [dict(r) for r in db.query(
        """select * from audit_log where (table_name = 'devices' and row_id = ?)
           or (table_name = 'loans' and row_id in
               (select cast(id as text) from loans where device_id = ?))
           order by id desc""", [str(device_id), device_id])]
