"""Overdue loans and the reminders about them. Rules only, no Flask.

A loan is overdue while the device is still out (not returned, not closed) after its due
date, counted in UK local dates. Borrowers with a mobile or an email get a short message;
those with a landline or no contact are listed for staff to phone or write to, and staff
record that they did. Every attempt — sent, failed or noted — is a `loan_reminders` row and
an audit entry, written together, so "did we chase this?" always has an answer.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from audit import Actor, record, stamp, utcnow
from db import parse_id, write_transaction
from help_desk import LOCAL_TZ
from notifier import Message, Notifier, SendFailed
from validation import InvalidInput, visible

log = logging.getLogger(__name__)

MIN_DAYS_BETWEEN = 7
NOTE_MAX = 500
ERROR_MAX = 500
STAFF_CHANNELS = {"phone": "Phone call", "letter": "Letter"}
CONTACTED = ("sent", "noted")  # a failed attempt does not count as having reminded anyone
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
UK_MOBILE = re.compile(r"^(?:\+44|0044|44|0)7\d{9}$")


@dataclass(frozen=True)
class Summary:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # contacted too recently (sent, phoned or written), or returned meanwhile
    need_call: int = 0  # landline or no contact: staff phone or write instead


def uk_date(day: date, today: date | None = None) -> str:
    """'Monday 3 November' — how people write dates here; the year only when it differs.
    Spelled out by hand so the server's locale cannot turn it into another language."""
    text = f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def _is_uk_mobile(number: str) -> bool:
    return bool(UK_MOBILE.match(re.sub(r"[\s().-]", "", number)))


def _reach(row: dict) -> tuple[str, str | None]:
    """How to reach whoever has the device: (contact_kind, contact).

    A borrower says which kind their contact is. A partner has an email and a phone;
    email is preferred, and a phone counts as a mobile only if it looks like a UK mobile,
    because a text to an office landline would only fail. A kind with no value is 'none'.
    """
    if row["partner_id"] is not None:
        email = (row["partner_email"] or "").strip()
        phone = (row["partner_phone"] or "").strip()
        if email:
            return "email", email
        if phone:
            return ("mobile" if _is_uk_mobile(phone) else "landline"), phone
        return "none", None
    contact = (row["borrower_contact"] or "").strip()
    kind = row["borrower_contact_kind"] or "none"
    if kind == "none" or not contact:
        return "none", None
    return kind, contact


def _local_date(timestamp: str | None) -> date | None:
    if not timestamp:
        return None
    return datetime.fromisoformat(timestamp).astimezone(LOCAL_TZ).date()


OVERDUE_SQL = """
    select l.id as loan_id, l.due_on, l.borrower_id, l.partner_id,
           d.asset_tag, k.label as kind_label, v.name as venue_name,
           b.name as borrower_name, b.contact_kind as borrower_contact_kind,
           b.contact as borrower_contact,
           p.name as partner_name, p.email as partner_email, p.phone as partner_phone,
           (select max(r.sent_at) from loan_reminders r
             where r.loan_id = l.id and r.status in ('sent', 'noted')) as last_reminder_at,
           (select count(*) from loan_reminders r
             where r.loan_id = l.id and r.status in ('sent', 'noted')) as reminders_sent,
           (select count(*) from loan_reminders r
             where r.loan_id = l.id and r.status = 'failed') as reminders_failed
    from loans l
    join devices d on d.id = l.device_id
    join device_kinds k on k.slug = d.kind
    left join venues v on v.id = l.venue_id
    left join borrowers b on b.id = l.borrower_id
    left join partners p on p.id = l.partner_id
    where l.closed_at is null and l.returned_at is null and l.due_on < :today
    {only}
    order by l.due_on, l.id
"""


def overdue(db, today: date, loan_id: int | None = None) -> list[dict]:
    """Devices still out past their due date, the longest overdue first.

    Each row: loan_id, asset_tag, kind_label, due_on, days_overdue, who, partner (bool),
    contact_kind, contact, venue_name, last_reminder_at (last sent or noted contact, UTC),
    reminders_sent (sent + noted) and reminders_failed. `loan_id` narrows it to one loan.
    """
    sql = OVERDUE_SQL.format(only="and l.id = :loan_id" if loan_id is not None else "")
    params = {"today": today.isoformat(), "loan_id": loan_id}
    rows = []
    for raw in db.query(sql, params):
        kind, contact = _reach(raw)
        rows.append({
            "loan_id": raw["loan_id"],
            "asset_tag": raw["asset_tag"],
            "kind_label": raw["kind_label"],
            "due_on": raw["due_on"],
            "days_overdue": (today - date.fromisoformat(raw["due_on"][:10])).days,
            "who": raw["partner_name"] if raw["partner_id"] is not None
            else raw["borrower_name"],
            "partner": raw["partner_id"] is not None,
            "contact_kind": kind,
            "contact": contact,
            "venue_name": raw["venue_name"],
            "last_reminder_at": raw["last_reminder_at"],
            "reminders_sent": raw["reminders_sent"],
            "reminders_failed": raw["reminders_failed"],
        })
    return rows


def needs_call_or_letter(rows: list[dict]) -> list[dict]:
    """The overdue loans no message can reach: staff phone a landline or write a letter."""
    return [r for r in rows if r["contact_kind"] in ("landline", "none")]


def _recently_reminded(row: dict, today: date, min_days_between: int) -> bool:
    last = _local_date(row["last_reminder_at"])
    return last is not None and (today - last).days < min_days_between


def _device_words(kind_label: str) -> str:
    """'Tablet' reads as 'tablet' mid-sentence; 'MiFi (pocket Wi-Fi)' keeps its capitals."""
    head, _, rest = kind_label.partition(" ")
    if head[1:].islower():
        head = head.lower()
    return f"{head} {rest}".strip()


def compose(row: dict, channel: str, today: date, service_name: str,
            service_phone: str) -> Message:
    """The reminder itself: the device, when it was due, where it can go back, who to ring.
    Nothing else about the borrower — a shared phone or inbox may be read by someone else."""
    due = uk_date(date.fromisoformat(row["due_on"][:10]), today)
    device = _device_words(row["kind_label"])
    tag = row["asset_tag"]
    subject = f"Please bring back the {device} you borrowed ({tag})"
    if channel == "sms":
        body = (f"{service_name}: the {device} you borrowed ({tag}) was due back on {due}. "
                f"Please return it to any library. Need more time or have a problem? "
                f"Call {service_phone}. Thank you.")
    else:
        body = (f"Hello,\n\n"
                f"The {device} you borrowed from {service_name} (asset tag {tag}) was due "
                f"back on {due}.\n\n"
                f"Please return it to any library, with everything that came with it.\n\n"
                f"If you need it for longer, or something has gone wrong with it, please call "
                f"us on {service_phone}. You will not be charged.\n\n"
                f"Thank you,\n{service_name}\n")
    return Message(to=row["contact"], subject=subject, body=body)


def _record(db, actor: Actor | None, loan_id: int, channel: str, status: str,
            reference: str | None = None, error: str | None = None, note: str | None = None,
            now: datetime | None = None) -> int:
    """One reminder row and its audit entry, in one transaction. The audit keeps only the
    channel and status: the message and any note stay in `loan_reminders`."""
    now = now or utcnow()
    with write_transaction(db):
        reminder_id = db["loan_reminders"].insert({
            "loan_id": loan_id,
            "sent_at": stamp(now),
            "channel": channel,
            "status": status,
            "reference": reference,
            "error": error[:ERROR_MAX] if error else None,
            "note": note,
            "sent_by": actor.id if actor else None,
        }).last_pk
        record(db, actor, "loan.reminder", "loans", loan_id,
               after={"reminder_id": reminder_id, "channel": channel, "status": status},
               now=now)
    return reminder_id


def send_reminders(db, notifier: Notifier, actor: Actor | None, today: date,
                   service_name: str, service_phone: str,
                   min_days_between: int = MIN_DAYS_BETWEEN,
                   now: datetime | None = None) -> Summary:
    """Remind everyone with an overdue device and an email or mobile, at most once every
    `min_days_between` days (a staff call or letter counts). Safe to run daily from cron
    and from a staff button: a failure is recorded and the rest carry on.

    Nothing is held locked while a message is in flight; instead each loan is looked at
    again just before sending, so a device returned, or a reminder sent by another run,
    in the meantime stops a second message.
    """
    sent = failed = skipped = need_call = 0
    for row in overdue(db, today):
        if row["contact_kind"] in ("landline", "none"):
            need_call += 1
            continue
        fresh = overdue(db, today, loan_id=row["loan_id"])
        if not fresh or _recently_reminded(fresh[0], today, min_days_between):
            skipped += 1
            continue
        row = fresh[0]
        channel = "email" if row["contact_kind"] == "email" else "sms"
        message = compose(row, channel, today, service_name, service_phone)
        try:
            if channel == "email":
                receipt = notifier.send_email(message)
            else:
                receipt = notifier.send_sms(message)
        except SendFailed as exc:
            log.warning("Reminder for loan %s by %s failed: %s", row["loan_id"], channel, exc)
            _record(db, actor, row["loan_id"], channel, "failed",
                    error=str(exc) or "Not sent", now=now)
            failed += 1
            continue
        _record(db, actor, row["loan_id"], channel, "sent", reference=receipt.reference,
                now=now)
        sent += 1
    return Summary(sent=sent, failed=failed, skipped=skipped, need_call=need_call)


def note_contact(db, actor: Actor | None, loan_id, channel: str, note: str | None = None,
                 now: datetime | None = None) -> int:
    """Staff phoned or wrote about a device still out. The short note (e.g. "left a
    voicemail") is kept in the reminder's `note`. Returns the reminder id."""
    errors = {}
    if channel not in STAFF_CHANNELS:
        errors["channel"] = "Please choose phone call or letter."
    note = visible(note).strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"Please keep the note to {NOTE_MAX} characters or fewer."
    loan = parse_id(loan_id)
    if loan is None:
        errors["loan"] = "That loan could not be found."
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        out = db.execute(
            "select count(*) from loans where id = ? and closed_at is null "
            "and returned_at is null", [loan]).fetchone()[0]
        if not out:
            raise InvalidInput({"loan": "This device is not out on loan any more."})
        return _record(db, actor, loan, channel, "noted", note=note or None, now=now)
