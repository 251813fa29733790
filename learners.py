"""Learners, their Essential Digital Skills progress, learner cards and referrals.
Rules only, no Flask.

The least personal data that lets a volunteer pick up where the last one left off: a first
name (or nickname), an optional birth decade and postcode district for reach reporting, and
the consent given, kept as the exact sentences agreed. A learner card carries only an opaque
code. Skill records are append-only history; what counts now is each task's latest
observation, so "with help" seen after "on my own" puts the task back to "with help" (the
record says what a volunteer last saw, and people do forget). Every change is audited in
the same transaction as the change itself.
"""

import re
import secrets
from datetime import date, datetime

import help_desk
import lending
from audit import Actor, record, stamp, update_changed, utcnow
from db import first, parse_id, write_transaction
from help_desk import LOCAL_TZ, local_day
from i18n import N_, _
from validation import (
    UK_OUTWARD,
    UK_POSTCODE,
    InvalidInput,
    clean_notes,
    clean_text,
    gather,
    request_key,
    ticked,
)

# What a learner agrees to, kept word for word (in English) with their record; the tablet
# shows it in the volunteer's language with `translated()`.
CONSENT_KEEP = N_("Keep my first name and what I learn so volunteers can help me next time.")
CONSENT_CONTACT = N_("Contact me about sessions.")
FIRST_NAME_MAX = 40
NOTES_MAX = 1000
DETAIL_MAX = 200
BIRTH_BANDS = tuple(f"{year}s" for year in range(1920, 2020, 10))
CARD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: a card can be typed
CARD_LENGTH = 8
_CARD = re.compile(f"[{CARD_ALPHABET}]{{{CARD_LENGTH}}}")
_INWARD_PART = re.compile(r"[0-9][A-Z]{0,2}")

# Labels (N_): translated where a screen shows them, English in reports and records.
AREAS = {  # slug: (what volunteers and staff see, what the learner's own page says)
    "foundation": (N_("Foundation skills"), N_("Getting started")),
    "communicating": (N_("Communicating"), N_("Keeping in touch")),
    "handling_information": (N_("Handling information and content"), N_("Finding things out")),
    "transacting": (N_("Transacting"), N_("Buying and doing things online")),
    "problem_solving": (N_("Problem solving"), N_("Solving problems")),
    "being_safe": (N_("Being safe and legal online"), N_("Staying safe online")),
}
LEVELS = {"not_yet": N_("Not yet"), "with_help": N_("With help"), "on_own": N_("On my own")}
REFERRAL_KINDS = {
    "adult_learning": N_("Adult learning course"),
    "wellbeing": N_("Wellbeing or social prescribing"),
    "partner": N_("Partner organisation"),
    "device": N_("Device scheme"),
    "sim": N_("SIM or data scheme"),
}
REFERRAL_STATUSES = {"made": N_("Referred"), "taken_up": N_("Taken up"),
                     "not_taken_up": N_("Not taken up")}

CONSENT_NEEDED = N_("Please read this to them and tick it if they agree. Without it we "
                    "cannot keep a record.")
NAME_NEEDED = N_("Please fill in their first name or a nickname.")
NAME_TOO_LONG = f"Please use {FIRST_NAME_MAX} letters or fewer."
BAD_BAND = N_("Please choose a decade from the list, or “Not given”.")
BAD_POSTCODE = N_("Please give the first part of a UK postcode, like WN5 or M1, or leave it "
                  "blank.")
CONTACT_NEEDED = N_("To contact them about sessions we need one way to reach them.")
CONTACT_UNWANTED = N_("Leave this blank unless they agreed to be contacted about sessions.")
NOTES_TOO_LONG = f"Please use {NOTES_MAX} characters or fewer."
BAD_VENUE = N_("Please choose a venue from the list.")
NO_SUCH_LEARNER = N_("That learner is not on our list any more.")
EMPTY_CARD = N_("Scan the learner's card, or type the code printed on it.")
UNKNOWN_CARD = N_("We do not know that learner card. Check the code printed on it, or find "
                  "the learner by name.")
DEVICE_NOT_CARD = N_("That is a device label, not a learner card. Scan the learner's card.")
BAD_LEVEL = N_("Choose not yet, with help or on my own.")
UNKNOWN_TASK = N_("One of those skills is not on our list any more. Please reload the page "
                  "and try again.")
NO_SKILLS = N_("Choose how they did on at least one skill.")
NO_LEARNER = N_("Link this ticket to a learner first, so the skills are kept for them.")
NO_SUCH_TICKET = N_("That ticket no longer exists.")
BAD_KIND = N_("Please choose where they are being referred.")
COURSE_NEEDED = N_("Please give the name of the course.")
PARTNER_NEEDED = N_("Please choose the partner organisation.")
DETAIL_TOO_LONG = f"Please use {DETAIL_MAX} characters or fewer."
BAD_STATUS = N_("Please choose a status from the list.")
NO_SUCH_REFERRAL = N_("That referral is not on our list any more.")


# ---------------------------------------------------------------- learner details


def normalise_postcode(text) -> str | None:
    """The postcode district ("WN5") from whatever was typed: an outward code alone, or a
    full or part postcode, of which only the outward code is kept. None for blank;
    InvalidInput for anything that is not a UK postcode."""
    parts = str(text or "").upper().split()
    if not parts:
        return None
    if len(parts) == 1:
        full = UK_POSTCODE.fullmatch(parts[0])
        outward = full.group(1) if full else parts[0]
    elif len(parts) == 2 and _INWARD_PART.fullmatch(parts[1]):
        outward = parts[0]
    else:
        outward = ""
    if not re.fullmatch(UK_OUTWARD, outward):
        raise InvalidInput({"postcode": _(BAD_POSTCODE)})
    return outward


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def consent_sentences(contact: bool) -> list[str]:
    return [CONSENT_KEEP] + ([CONSENT_CONTACT] if contact else [])


def validate_learner(db, form: dict) -> dict:
    """Clean a learner's details as typed (adding or editing); raises InvalidInput with
    every problem. Consent to contact needs one way to reach them, and a contact is kept
    only with that consent."""
    errors = {}
    name = _clean(form.get("first_name"))
    if not name:
        errors["first_name"] = _(NAME_NEEDED)
    elif len(name) > FIRST_NAME_MAX:
        errors["first_name"] = _("Please use %(max)s letters or fewer.", max=FIRST_NAME_MAX)
    band = str(form.get("birth_band") or "")
    if band and band not in BIRTH_BANDS:
        errors["birth_band"] = _(BAD_BAND)
    district = gather(errors, normalise_postcode, form.get("postcode"))
    contact_wanted = ticked(form.get("consent_contact"))
    kind, contact = lending.validate_contact(form.get("contact_kind"), form.get("contact"),
                                             errors)
    if "contact" not in errors and "contact_kind" not in errors:
        if contact_wanted and contact is None:
            errors["contact"] = _(CONTACT_NEEDED)
        elif not contact_wanted and contact is not None:
            errors["contact"] = _(CONTACT_UNWANTED)
    row = {"first_name": name, "birth_band": band or None, "postcode_district": district,
           "contact_kind": kind, "contact": contact,
           "notes": clean_notes(form.get("notes"), "notes", errors)}
    if "home_venue_id" in form:
        row["home_venue_id"] = _venue(db, form.get("home_venue_id"), errors)
    if errors:
        raise InvalidInput(errors)
    return row


def _venue(db, value, errors) -> int | None:
    if value in (None, ""):
        return None
    venue_id = parse_id(value)
    if venue_id is None or not db["venues"].count_where("id = ?", [venue_id]):
        errors["home_venue_id"] = _(BAD_VENUE)
    return venue_id


def new_card_code() -> str:
    return "".join(secrets.choice(CARD_ALPHABET) for _ in range(CARD_LENGTH))


def _free_card_code(db) -> str:
    """A card code no learner has; call inside the write transaction, so none can clash."""
    while True:
        code = new_card_code()
        if not db["learners"].count_where("card_code = ?", [code]):
            return code


def add_learner(db, actor: Actor, form: dict, venue_id, request_id=None,
                now: datetime | None = None, ticket_id=None) -> int:
    """Add a learner who agreed to us keeping a record; refused, with nothing written,
    without that consent. A repeated `request_id` (a double tap) returns the learner
    already added. `ticket_id` links a ticket to them in the same transaction."""
    now = now or utcnow()
    errors = {}
    if not ticked(form.get("consent_keep")):
        errors["consent_keep"] = _(CONSENT_NEEDED)
    details = {k: v for k, v in form.items() if k != "home_venue_id"}
    row = gather(errors, validate_learner, db, details)
    if errors:
        raise InvalidInput(errors)
    request_id = request_key(request_id)
    with write_transaction(db):
        if request_id:
            made = first(db["learners"].rows_where("request_id = ?", [request_id]))
            if made:
                return made["id"]
        row.update(
            card_code=_free_card_code(db),
            consent_what="\n".join(consent_sentences(row["contact"] is not None)),
            consent_at=stamp(now), consent_by=actor.id, home_venue_id=parse_id(venue_id),
            request_id=request_id, created_at=stamp(now), created_by=actor.id,
            updated_at=stamp(now))
        learner_id = db["learners"].insert(row).last_pk
        record(db, actor, "learner.create", "learners", learner_id,
               after={k: v for k, v in row.items() if k != "request_id"}, now=now)
        if ticket_id:
            link_ticket(db, actor, ticket_id, learner_id, now)
    return learner_id


def update_learner(db, actor: Actor, learner_id, form: dict,
                   now: datetime | None = None) -> None:
    """Edit a learner's details. Giving or withdrawing consent to contact rewrites the
    consent on record (what and when); consent to keep the record is not edited here."""
    now = now or utcnow()
    row = validate_learner(db, form)
    with write_transaction(db):
        before = get_learner(db, learner_id)
        if before is None:
            raise InvalidInput({"learner": _(NO_SUCH_LEARNER)})
        if (row["contact"] is not None) != (before["contact"] is not None):
            row.update(consent_what="\n".join(consent_sentences(row["contact"] is not None)),
                       consent_at=stamp(now), consent_by=actor.id)
        update_changed(db, actor, "learner.update", "learners", before, row, now, "updated_at")


_LEARNER_SQL = """
    select l.*, v.name as home_venue_name,
           max(l.created_at,
               coalesce((select max(t.created_at) from tickets t where t.learner_id = l.id), ''),
               coalesce((select max(r.observed_at) from skill_records r
                         where r.learner_id = l.id), '')) as last_seen
    from learners l left join venues v on v.id = l.home_venue_id"""


def get_learner(db, learner_id) -> dict | None:
    learner_id = parse_id(learner_id)
    if learner_id is None:
        return None
    return first(db.query(_LEARNER_SQL + " where l.id = ?", [learner_id]))


def find_learners(db, name, venue_id=None, everywhere: bool = False,
                  limit: int = 20) -> list[dict]:
    """Learners whose first name contains `name` (everyone when blank), most recently seen
    first: those seen at this venue (their home venue, or a ticket or skills check there),
    or everywhere. Anonymised learners are nobody to find."""
    name = _clean(name)
    if len(name) > FIRST_NAME_MAX:
        return []
    venue_id = None if everywhere else parse_id(venue_id)
    like = "%" + re.sub(r"([\\%_])", r"\\\1", name) + "%"
    return [dict(r) for r in db.query(
        _LEARNER_SQL + """
        where l.first_name like :like escape '\\' and l.anonymised_at is null
          and (:venue is null or l.home_venue_id = :venue
               or exists (select 1 from tickets t where t.learner_id = l.id
                          and t.venue_id = :venue)
               or exists (select 1 from skill_records r where r.learner_id = l.id
                          and r.venue_id = :venue))
        order by last_seen desc, l.id desc limit :limit""",  # noqa: S608 (constant SQL)
        {"like": like, "venue": venue_id, "limit": limit})]


# ---------------------------------------------------------------- learner cards


def card_code(scanned) -> str | None:
    """The code a scan or a typed card names, in its stored form, or None when the text
    cannot be one: a bare code in any case with stray spaces or dashes, or a whole URL
    or path ending in /l/<code>."""
    text = str(scanned or "").strip()
    path = lending.scanned_path(text)
    if path is not None:
        if len(path) < 2 or path[-2].lower() != "l":
            return None
        text = path[-1]
    code = re.sub(r"[\s-]", "", text).upper()
    return code if _CARD.fullmatch(code) else None


def is_card_url(text) -> bool:
    """A scan of a learner card's URL (known or not), rather than a bare code."""
    path = lending.scanned_path(str(text or "").strip())
    return bool(path and len(path) >= 2 and path[-2].lower() == "l")


def learner_by_card(db, scanned) -> dict | None:
    code = card_code(scanned)
    if code is None:
        return None
    return first(db.query(_LEARNER_SQL + " where l.card_code = ?", [code]))


def resolve_card(db, scanned) -> dict:
    """The learner whose card was scanned or typed; InvalidInput (`scan`) with a clear
    message otherwise."""
    text = str(scanned or "").strip()
    if not text:
        raise InvalidInput({"scan": _(EMPTY_CARD)})
    learner = learner_by_card(db, text)
    if learner is None:
        path = lending.scanned_path(text) or []
        device = len(path) >= 2 and path[-2].lower() == "d"
        raise InvalidInput({"scan": _(DEVICE_NOT_CARD) if device else _(UNKNOWN_CARD)})
    return learner


# ---------------------------------------------------------------- tickets and help


def link_ticket(db, actor: Actor, ticket_id, learner_id, now: datetime | None = None) -> dict:
    """Say which learner a ticket was for, so the help counts towards their progress."""
    now = now or utcnow()
    with write_transaction(db):
        ticket = help_desk.get_ticket(db, ticket_id)
        if ticket is None:
            raise InvalidInput({"ticket": _(NO_SUCH_TICKET)})
        if get_learner(db, learner_id) is None:
            raise InvalidInput({"learner": _(NO_SUCH_LEARNER)})
        learner_id = parse_id(learner_id)
        if ticket["learner_id"] != learner_id:
            db["tickets"].update(ticket["id"], {"learner_id": learner_id})
            record(db, actor, "ticket.learner", "tickets", ticket["id"],
                   before={"learner_id": ticket["learner_id"]},
                   after={"learner_id": learner_id}, now=now)
    return help_desk.get_ticket(db, ticket["id"])


def start_help(db, actor: Actor, learner_id, venue_id, topic, request_id=None,
               now: datetime | None = None) -> dict:
    """"Help them now": a walk-in ticket for this learner, taken by `actor`, in one go.
    A repeated `request_id` returns the ticket already made."""
    now = now or utcnow()
    learner = get_learner(db, learner_id)
    if learner is None:
        raise InvalidInput({"learner": _(NO_SUCH_LEARNER)})
    with write_transaction(db):
        ticket = help_desk.create_ticket(db, venue_id, topic, learner["first_name"], actor,
                                         source="walk_in", now=now, request_id=request_id)
        if ticket["status"] == "waiting":
            help_desk.take_ticket(db, ticket["id"], actor, now)
        return link_ticket(db, actor, ticket["id"], learner["id"], now)


def last_topic(db, learner_id) -> str | None:
    """What the learner last asked about, to offer first when they come back."""
    row = db.execute("select requested_topic from tickets where learner_id = ? "
                     "order by created_at desc, id desc limit 1", [learner_id]).fetchone()
    return row[0] if row else None


def finish_help(db, actor: Actor, ticket_id, topics_given, minutes, outcome, notes,
                levels: dict, now: datetime | None = None) -> dict:
    """Log the help given and the skills it touched, all checked before anything is
    written and written in one transaction."""
    now = now or utcnow()
    errors = {}
    gather(errors, help_desk.validate_help_log, db, topics_given, minutes, outcome, notes)
    levels = gather(errors, validate_levels, db, levels)
    ticket = help_desk.get_ticket(db, ticket_id)
    if levels and ticket is not None and not ticket["learner_id"]:
        errors["skills"] = _(NO_LEARNER)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        ticket = help_desk.finish_ticket(db, ticket_id, actor, topics_given, minutes, outcome,
                                         notes, now)
        if levels:
            _insert_records(db, actor, ticket["learner_id"], levels, ticket["venue_id"],
                            ticket["id"], now)
    return ticket


# ---------------------------------------------------------------- skills


def skill_tasks(db) -> list[dict]:
    return [dict(t) for t in db["skill_tasks"].rows_where("active = 1",
                                                          order_by="position, id")]


def tasks_by_area(db, tasks: list[dict] | None = None) -> list[dict]:
    """Tasks grouped by skill area, areas in the framework's order."""
    tasks = skill_tasks(db) if tasks is None else tasks
    return [{"slug": slug, "label": label, "plain_label": plain,
             "tasks": [t for t in tasks if t["area"] == slug]}
            for slug, (label, plain) in AREAS.items()
            if any(t["area"] == slug for t in tasks)]


def levels_from_form(form) -> dict[str, str]:
    """{task id: level} from a form's `skill_<task id>` choices; blank ones are skipped."""
    return {key.removeprefix("skill_"): value for key, value in form.items()
            if key.startswith("skill_") and value}


def validate_levels(db, levels: dict) -> dict[int, str]:
    """{task id: level} checked against the active tasks; empty is allowed."""
    active = {t["id"] for t in skill_tasks(db)}
    errors, clean = {}, {}
    for key, level in (levels or {}).items():
        task_id = parse_id(key)
        if task_id not in active:
            errors["skills"] = _(UNKNOWN_TASK)
        elif level not in LEVELS:
            errors[f"skill_{task_id}"] = _(BAD_LEVEL)
        else:
            clean[task_id] = level
    if errors:
        raise InvalidInput(errors)
    return clean


def record_skills(db, actor: Actor, learner_id, levels: dict, venue_id, ticket_id=None,
                  now: datetime | None = None) -> int:
    """A skills check: append what a volunteer saw today. Returns the rows written."""
    now = now or utcnow()
    levels = validate_levels(db, levels)
    if not levels:
        raise InvalidInput({"skills": _(NO_SKILLS)})
    with write_transaction(db):
        learner = get_learner(db, learner_id)
        if learner is None:
            raise InvalidInput({"learner": _(NO_SUCH_LEARNER)})
        return _insert_records(db, actor, learner["id"], levels, parse_id(venue_id),
                               parse_id(ticket_id), now)


def _insert_records(db, actor, learner_id, levels, venue_id, ticket_id, now) -> int:
    """Append one record per task, audited. Seeing the same thing again on the same day
    (a double tap) adds nothing, since skill_records has no one-time request id."""
    day = local_day(now)
    latest = {r["task_id"]: r for r in _records(db, learner_id)}
    written = 0
    for task_id, level in levels.items():
        last = latest.get(task_id)
        if last and (last["level"], last["observed_on"], last["volunteer_id"],
                     last["ticket_id"]) == (level, day, actor.id, ticket_id):
            continue
        row = {"learner_id": learner_id, "task_id": task_id, "level": level,
               "observed_on": day, "observed_at": stamp(now), "volunteer_id": actor.id,
               "venue_id": venue_id, "ticket_id": ticket_id}
        record_id = db["skill_records"].insert(row).last_pk
        record(db, actor, "skill.record", "skill_records", record_id, after=row, now=now)
        written += 1
    return written


def _records(db, learner_id, until: str | None = None) -> list[dict]:
    """A learner's skill records, oldest first, with the task and who saw it."""
    return [dict(r) for r in db.query(
        """select r.*, t.code, t.plain, t.area, t.level as task_level,
                  u.display_name as volunteer_name, v.name as venue_name
           from skill_records r join skill_tasks t on t.id = r.task_id
           left join users u on u.id = r.volunteer_id
           left join venues v on v.id = r.venue_id
           where r.learner_id = ? and (? is null or r.observed_on <= ?)
           order by r.observed_at, r.id""", [learner_id, until, until])]


def derive(tasks: list[dict], on_own: set[int]) -> dict:
    """The framework's derived measures from the tasks done on their own:
    Foundation = every foundation task; Life = at least one life task in each life area."""
    foundation = [t for t in tasks if t["level"] == "foundation"]
    life = [t for t in tasks if t["level"] == "life"]
    life_areas = {t["area"] for t in life}
    areas_done = {t["area"] for t in life if t["id"] in on_own}
    foundation_done = sum(t["id"] in on_own for t in foundation)
    life_done = sum(t["id"] in on_own for t in life)
    return {
        "has_foundation": bool(foundation) and foundation_done == len(foundation),
        "has_life": bool(life_areas) and areas_done == life_areas,
        "foundation_done": foundation_done, "foundation_total": len(foundation),
        "life_done": life_done, "life_total": len(life),
        "life_areas_done": len(areas_done), "life_areas_total": len(life_areas),
        "done": sum(t["id"] in on_own for t in tasks),
    }


def _on_own(latest: dict[int, dict]) -> set[int]:
    return {task_id for task_id, r in latest.items() if r["level"] == "on_own"}


def _latest(records: list[dict]) -> dict[int, dict]:
    """Each task's latest record: later observations replace earlier ones."""
    return {r["task_id"]: r for r in records}


def _areas(db, tasks: list[dict], latest: dict[int, dict]) -> list[dict]:
    return tasks_by_area(db, [dict(t, latest=latest.get(t["id"])) for t in tasks])


def skill_areas(db, learner_id) -> list[dict]:
    """Tasks by area, each with the learner's latest record (or None): a skills form."""
    return _areas(db, skill_tasks(db), _latest(_records(db, learner_id)))


def progress(db, learner_id, today: date) -> dict:
    """Where a learner stood on `today`: each task's latest level, date and volunteer, by
    area; the derived Foundation and Life flags and counts; the gain in tasks done on their
    own since the end of their first visit day; and their visits, newest first."""
    learner = get_learner(db, learner_id)
    if learner is None:
        raise InvalidInput({"learner": _(NO_SUCH_LEARNER)})
    until = today.isoformat()
    records = _records(db, learner["id"], until)
    tasks = skill_tasks(db)
    latest = _latest(records)
    tickets = _tickets(db, learner["id"], until)
    first_day = min([_local_date(learner["created_at"])] + [r["observed_on"] for r in records]
                    + [t["day"] for t in tickets])
    at_first = derive(tasks, _on_own(_latest([r for r in records
                                              if r["observed_on"] <= first_day])))
    now = derive(tasks, _on_own(latest))
    visits = _visits(tickets, records)
    return dict(now, areas=_areas(db, tasks, latest), first_day=first_day,
                gain=now["done"] - at_first["done"], done_at_first=at_first["done"],
                visits=visits, as_of=until,
                days_seen=len({v["day"] for v in visits} | {first_day}))


def achievements(progress_: dict) -> dict:
    """What a learner's own page celebrates: tasks done on their own, by area in plain
    words, and those they can do with help."""
    return {
        "on_own": [(area["plain_label"], [t["plain"] for t in area["tasks"]
                                          if _level(t) == "on_own"])
                   for area in progress_["areas"]
                   if any(_level(t) == "on_own" for t in area["tasks"])],
        "with_help": [t["plain"] for area in progress_["areas"] for t in area["tasks"]
                      if _level(t) == "with_help"],
    }


def _level(task: dict) -> str | None:
    return task["latest"]["level"] if task["latest"] else None


def _local_date(stamp_text: str) -> str:
    return datetime.fromisoformat(stamp_text).astimezone(LOCAL_TZ).date().isoformat()


def _tickets(db, learner_id, until: str) -> list[dict]:
    return [dict(r) for r in db.query(
        """select t.id, t.number, t.day, t.status, t.minutes, t.outcome, t.created_at,
                  v.name as venue_name, u.display_name as volunteer_name,
                  rt.label as requested_label,
                  (select group_concat(tp.label, ', ') from ticket_topics tt
                     join topics tp on tp.slug = tt.topic where tt.ticket_id = t.id)
                     as topics_given
           from tickets t join venues v on v.id = t.venue_id
           left join users u on u.id = t.volunteer_id
           left join topics rt on rt.slug = t.requested_topic
           where t.learner_id = ? and t.day <= ? and t.status != 'left'
           order by t.created_at, t.id""", [learner_id, until])]


def _visits(tickets: list[dict], records: list[dict]) -> list[dict]:
    """Help tickets with the skills each touched, and skills checks made without a ticket
    (one per day and venue), newest first."""
    visits = [dict(t, kind="help", at=t["created_at"],
                   skills=[r for r in records if r["ticket_id"] == t["id"]])
              for t in tickets]
    linked = {t["id"] for t in tickets}
    checks: dict[tuple, dict] = {}
    for r in records:
        if r["ticket_id"] in linked:
            continue
        check = checks.setdefault((r["observed_on"], r["venue_id"]), {
            "kind": "skills", "day": r["observed_on"], "at": r["observed_at"],
            "venue_name": r["venue_name"], "skills": []})
        check["skills"].append(r)
    visits.extend(checks.values())
    return sorted(visits, key=lambda v: (v["day"], v["at"]), reverse=True)


def flags_for(db, learners: list[dict]) -> list[dict]:
    """Each learner with today's Foundation/Life flags and tasks done on their own, for
    lists: one query for everyone's latest records, the same rules as `progress`."""
    ids = [r["id"] for r in learners]
    on_own: dict[int, set[int]] = {i: set() for i in ids}
    for learner_id, task_id in db.execute(
            f"""select learner_id, task_id from (
                  select learner_id, task_id, level, row_number() over (
                      partition by learner_id, task_id order by observed_at desc, id desc) n
                  from skill_records where learner_id in ({",".join("?" * len(ids))}))
                where n = 1 and level = 'on_own'""", ids).fetchall():  # noqa: S608
        on_own[learner_id].add(task_id)
    tasks = skill_tasks(db)
    return [dict(r, **derive(tasks, on_own[r["id"]])) for r in learners]


# ---------------------------------------------------------------- referrals


def validate_referral(db, form: dict) -> dict:
    errors = {}
    kind = str(form.get("kind") or "")
    if kind not in REFERRAL_KINDS:
        errors["kind"] = _(BAD_KIND)
    detail = clean_text(form.get("detail"), "detail", errors, DETAIL_MAX)
    if kind == "adult_learning" and not detail:
        errors["detail"] = _(COURSE_NEEDED)
    partner_id = None
    if kind == "partner":
        partner = lending.get_partner(db, form.get("partner_id"))
        if partner is None or not partner["active"]:
            errors["partner_id"] = _(PARTNER_NEEDED)
        else:
            partner_id = partner["id"]
    if errors:
        raise InvalidInput(errors)
    return {"kind": kind, "detail": detail, "partner_id": partner_id}


def add_referral(db, actor: Actor, learner_id, form: dict, ticket_id=None,
                 now: datetime | None = None) -> int:
    """Refer a learner on. The same referral made again the same day by the same person
    (a double tap) returns the one already made."""
    now = now or utcnow()
    row = validate_referral(db, form)
    with write_transaction(db):
        learner = get_learner(db, learner_id)
        if learner is None:
            raise InvalidInput({"learner": _(NO_SUCH_LEARNER)})
        row.update(learner_id=learner["id"], status="made", made_on=local_day(now),
                   made_by=actor.id, ticket_id=parse_id(ticket_id))
        same = first(db.query(
            """select id from referrals where learner_id = :learner_id and kind = :kind
               and detail is :detail and partner_id is :partner_id and made_on = :made_on
               and made_by is :made_by""", row))
        if same:
            return same["id"]
        referral_id = db["referrals"].insert(row).last_pk
        record(db, actor, "referral.create", "referrals", referral_id, after=row, now=now)
    return referral_id


def set_referral_status(db, actor: Actor, referral_id, status,
                        now: datetime | None = None) -> dict:
    """Made, taken up or not taken up, with the day it was last changed."""
    now = now or utcnow()
    if status not in REFERRAL_STATUSES:
        raise InvalidInput({"status": _(BAD_STATUS)})
    with write_transaction(db):
        before = get_referral(db, referral_id)
        if before is None:
            raise InvalidInput({"status": _(NO_SUCH_REFERRAL)})
        if before["status"] != status:
            change = {"status": status, "status_on": local_day(now)}
            db["referrals"].update(before["id"], change)
            record(db, actor, "referral.status", "referrals", before["id"],
                   before={k: before[k] for k in change}, after=change, now=now)
    return get_referral(db, before["id"])


_REFERRAL_SQL = """
    select r.*, p.name as partner_name, u.display_name as made_by_name
    from referrals r left join partners p on p.id = r.partner_id
    left join users u on u.id = r.made_by"""


def get_referral(db, referral_id) -> dict | None:
    referral_id = parse_id(referral_id)
    if referral_id is None:
        return None
    return first(db.query(_REFERRAL_SQL + " where r.id = ?", [referral_id]))


def referrals(db, learner_id) -> list[dict]:
    return [dict(r) for r in db.query(_REFERRAL_SQL + " where r.learner_id = ? "
                                      "order by r.made_on desc, r.id desc", [learner_id])]
