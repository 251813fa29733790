"""Walk-in help: tickets, the queue and the help given. Rules only, no Flask.

A ticket moves waiting -> in_progress -> done, or waiting -> left (left before being
seen). Every move is time-stamped, so waits and service times fall out of the rows, and
every move is written to the audit log in the same transaction.
"""

import math
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from audit import Actor, record, stamp, utcnow
from db import first, made_for_request, parse_id, write_transaction
from i18n import N_, _
from validation import InvalidInput, gather, request_key, visible

LOCAL_TZ = ZoneInfo("Europe/London")
NAME_MAX = 40
NOTES_MAX = 1000
MINUTES_MAX = 480
# Labels are marked for the catalogue (N_) and translated where a screen shows them; reports,
# CSVs and the audit log keep them in English.
OUTCOMES = {
    "solved": N_("Solved"),
    "partly": N_("Partly solved"),
    "referred": N_("Referred on"),
    "follow_up": N_("Needs follow-up"),
}
STATUS_LABELS = {
    "waiting": N_("Waiting"),
    "in_progress": N_("Being helped"),
    "done": N_("Helped"),
    "left": N_("Left before being seen"),
}
# The topics migration m001 seeds (their labels live in the database): listed here only so
# `make translations` finds them; screens translate a topic's label with `translated()`, and
# a topic a council adds is shown as they wrote it.
SEEDED_TOPIC_LABELS = (
    N_("Email"),
    N_("NHS App and health"),
    N_("Universal Credit and council services"),
    N_("Video calls"),
    N_("Smartphone and tablet basics"),
    N_("Scams and staying safe"),
    N_("Job search and CVs"),
    N_("Printing and scanning"),
    N_("Something else"),
)
DEFAULT_SERVICE_MINUTES = 10
SERVICE_SAMPLE = 20


class Conflict(Exception):
    """The ticket moved on since the screen was drawn (e.g. another volunteer took it)."""


def local_day(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).date().isoformat()


def topics(db) -> list[dict]:
    return list(db["topics"].rows_where("active = 1", order_by="position, label"))


def topic_labels(db) -> dict[str, str]:
    return {t["slug"]: t["label"] for t in db["topics"].rows}


def _clean_name(name: str | None) -> str | None:
    name = " ".join(visible(name).split())
    if len(name) > NAME_MAX:
        raise InvalidInput({"name": _("Please use %(max)s letters or fewer.", max=NAME_MAX)})
    return name or None


def _active_topic(db, slug: str | None, field: str = "topic") -> str:
    if not slug or not db["topics"].count_where("slug = ? and active = 1", [slug]):
        raise InvalidInput({field: _("Please choose what you need help with.")})
    return slug


def _venue(db, venue_id) -> int:
    venue_id = parse_id(venue_id)
    if venue_id is None or not db["venues"].count_where("id = ? and active = 1", [venue_id]):
        raise InvalidInput({"venue": _("Please choose a venue.")})
    return venue_id


def new_request_id() -> str:
    """A one-time id for a ticket form: sending the same form twice makes one ticket."""
    return secrets.token_urlsafe(16)


def create_ticket(db, venue_id, topic: str | None, name: str | None, actor: Actor,
                  source: str = "kiosk", now: datetime | None = None,
                  request_id: str | None = None) -> dict:
    """Join the queue. The short number restarts each day at each venue. A repeated
    `request_id` (a double tap, a resent form) returns the ticket already made."""
    now = now or utcnow()
    errors = {}
    venue_id = gather(errors, _venue, db, venue_id)
    topic = gather(errors, _active_topic, db, topic)
    name = gather(errors, _clean_name, name)
    if errors:
        raise InvalidInput(errors)
    day = local_day(now)
    request_id = request_key(request_id)
    with write_transaction(db):
        if made := made_for_request(db, "tickets", request_id):
            return get_ticket(db, made)
        number = db.execute(
            "select coalesce(max(number), 0) + 1 from tickets where venue_id = ? and day = ?",
            [venue_id, day],
        ).fetchone()[0]
        row = {
            "venue_id": venue_id,
            "number": number,
            "day": day,
            "code": secrets.token_urlsafe(12),
            "name": name,
            "requested_topic": topic,
            "source": source,
            "status": "waiting",
            "created_at": stamp(now),
            "request_id": request_id,
        }
        ticket_id = db["tickets"].insert(row).last_pk
        row["id"] = ticket_id
        record(db, actor, "ticket.create", "tickets", ticket_id, after=row, now=now)
    return get_ticket(db, ticket_id)


def get_ticket(db, ticket_id) -> dict | None:
    ticket_id = parse_id(ticket_id)
    if ticket_id is None:
        return None
    return first(db["tickets"].rows_where("id = ?", [ticket_id]))


def ticket_by_code(db, code: str) -> dict | None:
    return first(db["tickets"].rows_where("code = ?", [code or ""]))


def _queue_rows(db, venue_id: int, status: str, day: str) -> list[dict]:
    return [
        dict(r)
        for r in db.query(
            """select t.*, topics.label as topic_label, topics.icon as topic_icon,
                      users.display_name as volunteer_name
               from tickets t
               left join topics on topics.slug = t.requested_topic
               left join users on users.id = t.volunteer_id
               where t.venue_id = ? and t.status = ? and t.day = ?
               order by t.created_at, t.number""",
            [venue_id, status, day],
        )
    ]


def queue(db, venue_id: int, now: datetime | None = None) -> dict:
    """Today's live queue at one venue: who is waiting (oldest first) and who is being helped."""
    day = local_day(now or utcnow())
    return {
        "waiting": _queue_rows(db, venue_id, "waiting", day),
        "in_progress": _queue_rows(db, venue_id, "in_progress", day),
    }


def people_ahead(db, ticket: dict) -> int:
    return db.execute(
        """select count(*) from tickets where venue_id = ? and day = ? and status = 'waiting'
           and (created_at < ? or (created_at = ? and number < ?))""",
        [ticket["venue_id"], ticket["day"], ticket["created_at"], ticket["created_at"],
         ticket["number"]],
    ).fetchone()[0]


def average_service_minutes(db, venue_id: int) -> float:
    """Mean minutes from taking a ticket to finishing it, over recent tickets at this venue."""
    rows = db.execute(
        """select (julianday(finished_at) - julianday(taken_at)) * 1440 from tickets
           where venue_id = ? and status = 'done' and taken_at is not null
           order by finished_at desc limit ?""",
        [venue_id, SERVICE_SAMPLE],
    ).fetchall()
    if not rows:
        return DEFAULT_SERVICE_MINUTES
    return max(1.0, sum(r[0] for r in rows) / len(rows))


def helpers_on_duty(db, venue_id: int, now: datetime | None = None) -> int:
    """Volunteers signed in at this venue and seen in the last 15 minutes."""
    since = stamp((now or utcnow()) - timedelta(minutes=15))
    return db.execute(
        """select count(distinct s.user_id) from user_sessions s join users u on u.id = s.user_id
           where s.venue_id = ? and u.role = 'volunteer' and s.last_seen_at >= ?""",
        [venue_id, since],
    ).fetchone()[0]


def estimated_wait_minutes(db, ticket: dict, now: datetime | None = None) -> int:
    """Minutes until a volunteer is free for this person: the people ahead who cannot be
    seen at once by a free volunteer, times recent service time, shared between helpers."""
    ahead = people_ahead(db, ticket)
    helpers = max(1, helpers_on_duty(db, ticket["venue_id"], now))
    busy = db["tickets"].count_where(
        "venue_id = ? and day = ? and status = 'in_progress'", [ticket["venue_id"], ticket["day"]]
    )
    must_finish_first = ahead + 1 - max(0, helpers - busy)
    if must_finish_first <= 0:
        return 0
    per_person = average_service_minutes(db, ticket["venue_id"])
    return max(1, math.ceil(must_finish_first * per_person / helpers))


def _transition(db, ticket_id, expected: set[str], actor: Actor, action: str, changes: dict,
                now: datetime) -> dict:
    """Move a ticket from one of `expected` states, atomically, with its audit entry."""
    with write_transaction(db):
        before = get_ticket(db, ticket_id)
        if before is None:
            raise InvalidInput({"ticket": _("That ticket no longer exists.")})
        if before["status"] not in expected:
            status = STATUS_LABELS[before["status"]]
            raise Conflict(_("Ticket %(number)s is now “%(status)s”.", number=before["number"],
                             status=_(status)))
        db["tickets"].update(before["id"], changes)
        after = get_ticket(db, before["id"])
        record(db, actor, action, "tickets", before["id"], before=before, after=after, now=now)
    return after


def take_ticket(db, ticket_id, volunteer: Actor, now: datetime | None = None) -> dict:
    """Only one volunteer can take a ticket: the state check and the write share one lock."""
    now = now or utcnow()
    return _transition(db, ticket_id, {"waiting"}, volunteer, "ticket.take",
                       {"status": "in_progress", "taken_at": stamp(now),
                        "volunteer_id": volunteer.id}, now)


def put_back(db, ticket_id, volunteer: Actor, now: datetime | None = None) -> dict:
    """Return a taken ticket to the queue in its original place."""
    now = now or utcnow()
    return _transition(db, ticket_id, {"in_progress"}, volunteer, "ticket.put_back",
                       {"status": "waiting", "taken_at": None, "volunteer_id": None}, now)


def mark_left(db, ticket_id, actor: Actor, now: datetime | None = None) -> dict:
    now = now or utcnow()
    return _transition(db, ticket_id, {"waiting"}, actor, "ticket.left",
                       {"status": "left", "finished_at": stamp(now)}, now)


def validate_help_log(db, topics_given, minutes, outcome, notes) -> dict:
    """Check a help log as typed; returns the clean values or raises InvalidInput."""
    errors = {}
    slugs = [s for s in dict.fromkeys(topics_given or []) if s]
    known = {t["slug"] for t in topics(db)}
    if not slugs or any(s not in known for s in slugs):
        errors["topics"] = _("Tick at least one thing you helped with.")
    try:
        minutes = int(str(minutes).strip())
        if not 1 <= minutes <= MINUTES_MAX:
            raise ValueError
    except (TypeError, ValueError):
        errors["minutes"] = _("Enter the minutes spent as a number from 1 to %(max)s.",
                              max=MINUTES_MAX)
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose how it went.")
    notes = visible(notes).strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = _("Notes can be at most %(max)s characters (%(count)s now).",
                            max=NOTES_MAX, count=len(notes))
    if errors:
        raise InvalidInput(errors)
    return {"topics": slugs, "minutes": minutes, "outcome": outcome, "notes": notes or None}


def finish_ticket(db, ticket_id, volunteer: Actor, topics_given, minutes, outcome, notes,
                  now: datetime | None = None) -> dict:
    """Log the help given and close the ticket; topics, minutes and outcome in one write."""
    now = now or utcnow()
    log = validate_help_log(db, topics_given, minutes, outcome, notes)
    with write_transaction(db):
        ticket = _transition(db, ticket_id, {"in_progress"}, volunteer, "ticket.finish",
                             {"status": "done", "finished_at": stamp(now),
                              "minutes": log["minutes"], "outcome": log["outcome"],
                              "notes": log["notes"]}, now)
        db["ticket_topics"].insert_all(
            [{"ticket_id": ticket["id"], "topic": s} for s in log["topics"]]
        )
        record(db, volunteer, "ticket.topics", "tickets", ticket["id"],
               after={"topics": log["topics"]}, now=now)
    return ticket


def last_topics(db, volunteer_id: int) -> list[str]:
    """The topics this volunteer logged last time, for the “same again” button."""
    row = db.execute(
        """select id from tickets where volunteer_id = ? and status = 'done'
           order by finished_at desc, id desc limit 1""",
        [volunteer_id],
    ).fetchone()
    if not row:
        return []
    return [r[0] for r in db.execute(
        "select topic from ticket_topics where ticket_id = ? order by rowid", [row[0]]
    )]


def called_now(db, venue_id: int, now: datetime | None = None, minutes: int = 10) -> list[dict]:
    """Tickets taken in the last few minutes: what the waiting-room screen calls out."""
    now = now or utcnow()
    since = stamp(now - timedelta(minutes=minutes))
    return [dict(r) for r in db.query(
        """select number, name, taken_at from tickets
           where venue_id = ? and status = 'in_progress' and taken_at >= ?
           order by taken_at desc limit 5""",
        [venue_id, since],
    )]


EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # reports work a year on


def parse_day(text: str | None, default: date) -> date:
    """A report's day as typed. Years before 1900 or after 2999 are mistypes, and the far
    ends of the calendar break month arithmetic ("9999-12-31" has no next day)."""
    try:
        day = date.fromisoformat(text) if text else default
    except ValueError:
        day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput({"day": "Enter a date like 2026-11-23."})
    return day


def report_period(first_text: str | None, last_text: str | None,
                  today: date) -> tuple[date, date, dict[str, str]]:
    """The days a report covers, as typed; a bad part falls back to one sensible day and
    says why in `errors` (field -> message), so the page still shows something."""
    errors = {}
    try:
        first = parse_day(first_text, today)
    except InvalidInput as e:
        errors["first"], first = e.errors["day"], today
    try:
        last = parse_day(last_text, first)
    except InvalidInput as e:
        errors["last"], last = e.errors["day"], first
    if last < first:
        errors["last"], last = "The last day must be on or after the first day.", first
    elif last - first > timedelta(days=366):
        errors["last"], last = "Choose at most a year at a time.", first
    return first, last, errors


def tickets_between(db, venue_id: int | None, first: date, last: date) -> list[dict]:
    """Tickets for a range of local days, with wait and service minutes worked out."""
    sql = """select t.*, v.name as venue_name, topics.label as topic_label,
                    users.display_name as volunteer_name,
                    round((julianday(coalesce(t.taken_at, t.finished_at)) - julianday(t.created_at))
                          * 1440, 1) as wait_minutes,
                    round((julianday(t.finished_at) - julianday(t.taken_at)) * 1440, 1)
                          as service_minutes,
                    (select group_concat(tp.label, ', ') from ticket_topics tt
                       join topics tp on tp.slug = tt.topic where tt.ticket_id = t.id)
                          as topics_given
             from tickets t join venues v on v.id = t.venue_id
             left join topics on topics.slug = t.requested_topic
             left join users on users.id = t.volunteer_id
             where {period}
             order by t.day desc, t.created_at desc"""
    return _in_period(db, sql, venue_id, first, last)


def topic_counts(db, venue_id: int | None, first: date, last: date) -> list[dict]:
    """How many finished tickets covered each topic (a ticket can cover several)."""
    sql = """select tp.slug, tp.label, count(*) as helped from ticket_topics tt
             join tickets t on t.id = tt.ticket_id join topics tp on tp.slug = tt.topic
             where {period}
             group by tp.slug order by helped desc, tp.label"""
    return _in_period(db, sql, venue_id, first, last)


def _in_period(db, sql: str, venue_id: int | None, first: date, last: date) -> list[dict]:
    """Run a report query whose `{period}` is tickets `t` on local days first..last,
    at one venue or all of them."""
    period = "t.day between ? and ?" + (" and t.venue_id = ?" if venue_id else "")
    params = [first.isoformat(), last.isoformat()] + ([venue_id] if venue_id else [])
    return [dict(r) for r in db.query(sql.format(period=period), params)]


def summary(rows: list[dict]) -> dict:
    """Totals for a list of tickets: counts by state and average wait/service minutes."""
    def avg(values):
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), 1) if values else None

    done = [r for r in rows if r["status"] == "done"]
    return {
        "total": len(rows),
        "done": len(done),
        "left": sum(r["status"] == "left" for r in rows),
        "open": sum(r["status"] in ("waiting", "in_progress") for r in rows),
        "avg_wait": avg(r["wait_minutes"] for r in rows if r["status"] != "waiting"),
        "avg_service": avg(r["service_minutes"] for r in done),
    }
