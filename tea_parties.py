"""Venues and sessions: tea parties and drop-ins, one-off or repeating, with planned
volunteer slots. Rules only, no Flask.

Each date of a series is its own `sessions` row (see migration m004), with its start and
end as UTC stamps and its local `day`, so "today's tea party" is a lookup and "hours of
volunteer support available" is a sum.
"""

import re
from datetime import date, datetime, time, timedelta

import i18n
from audit import Actor, record, stamp, update_changed, utcnow
from db import first, parse_id, write_transaction
from help_desk import LOCAL_TZ
from i18n import N_, _
from lending import _venue, parse_date, today
from validation import UK_POSTCODE, InvalidInput, clean_notes, clean_text, clock_time, ticked

SESSION_KINDS = {  # labels (N_): What's on shows them with `translated()`
    "tea_party": N_("Tea party"),
    "drop_in": N_("Drop-in"),
    "course": N_("Course"),
    "other": N_("Other"),
}
VENUE_KINDS = {
    "library": "Library",
    "community_centre": "Community centre",
    "pub": "Pub",
    "sheltered_housing": "Sheltered housing",
    "other": "Other",
}
REPEATS = {
    "none": "Just once",
    "weekly": "Every week",
    "fortnightly": "Every two weeks",
    "monthly": "Every month, on the same weekday (for example the 2nd Tuesday)",
}
STEP_DAYS = {"weekly": 7, "fortnightly": 14}
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "last"}
MAX_SLOTS = 50
PLAN_AHEAD_DAYS = 366  # "at most a year ahead"
WHATS_ON_DAYS = 14
CLOCKS_CHANGE = ("The clocks change on {day}, so those times do not work that day. "
                 "Please choose other times.")
GONE = "That session is not on the list any more."


# ---------------------------------------------------------------- small validators


def _choice(value, choices, field, errors, message) -> str | None:
    if value not in choices:
        errors[field] = message
        return None
    return value


def _partner(db, value, errors) -> int | None:
    if value in (None, ""):
        return None
    partner_id = parse_id(value)
    if partner_id is None or not db["partners"].count_where("id = ? and active = 1",
                                                            [partner_id]):
        errors["partner"] = "Please choose a partner from the list."
    return partner_id


def _times(form, errors) -> tuple[str | None, str | None]:
    starts = clock_time(form.get("starts"), "starts", errors, "the start time")
    ends = clock_time(form.get("ends"), "ends", errors, "the end time")
    if starts and ends and ends <= starts:
        errors["ends"] = "The end time must be after the start time."
    return starts, ends


def _slots(value, errors) -> int | None:
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 2 and int(text) <= MAX_SLOTS):
        errors["volunteer_slots"] = ("Please give how many volunteers are needed, a number "
                                     f"from 0 to {MAX_SLOTS}.")
        return None
    return int(text)


# ---------------------------------------------------------------- venues


def normalise_postcode(value) -> str | None:
    """'wn1  1nh' -> 'WN1 1NH'; None when it is not the shape of a UK postcode."""
    match = UK_POSTCODE.fullmatch(re.sub(r"\s", "", str(value or "")).upper())
    return f"{match[1]} {match[2]}" if match else None


def postcode_area(postcode: str | None) -> str | None:
    """The letters a postcode starts with (WN, M, BL): venues sharing them are near."""
    match = re.match(r"[A-Z]{1,2}", postcode or "")
    return match[0] if match else None


def validate_venue(db, form: dict, venue_id: int | None = None) -> dict:
    """Clean a venue form (adding or editing). Raises InvalidInput with every problem."""
    errors = {}
    row = {"name": clean_text(form.get("name"), "name", errors, required=True,
                         label="the venue's name")}
    if row["name"] and db.execute("select 1 from venues where name = ? collate nocase "
                                  "and id != ?", [row["name"], venue_id or 0]).fetchone():
        errors["name"] = f"There is already a venue called {row['name']}."
    row["kind"] = _choice(form.get("kind"), VENUE_KINDS, "kind", errors,
                          "Please choose what kind of place this is.")
    row["address"] = clean_text(form.get("address"), "address", errors, max_len=200)
    typed = str(form.get("postcode") or "").strip()
    row["postcode"] = normalise_postcode(typed)
    if typed and row["postcode"] is None:
        errors["postcode"] = "Please give a UK postcode, for example WN1 1NH."
    row["accessibility"] = clean_notes(form.get("accessibility"), "accessibility", errors)
    if errors:
        raise InvalidInput(errors)
    return row


def add_venue(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    """A new venue is active; the name check and the insert share one lock."""
    with write_transaction(db):
        row = dict(validate_venue(db, form), active=1)
        venue_id = db["venues"].insert(row).last_pk
        record(db, actor, "venue.create", "venues", venue_id, after=row, now=now)
    return venue_id


def update_venue(db, actor: Actor, venue_id, form: dict, now: datetime | None = None) -> None:
    """Edit a venue; an unticked `active` hides it from lists and what's on."""
    with write_transaction(db):
        before = get_venue(db, venue_id)
        if before is None:
            raise InvalidInput({"venue": "That venue is not on the list any more."})
        row = dict(validate_venue(db, form, before["id"]), active=int(ticked(form.get("active"))))
        update_changed(db, actor, "venue.update", "venues", before, row, now)


def get_venue(db, venue_id) -> dict | None:
    venue_id = parse_id(venue_id)
    return first(db["venues"].rows_where("id = ?", [venue_id])) if venue_id else None


def venues(db, active_only: bool = False, now: datetime | None = None) -> list[dict]:
    """Venues by name, each with how many dates are planned there from today on."""
    return [dict(r) for r in db.query(
        """select v.*, (select count(*) from sessions s where s.venue_id = v.id
                        and s.day >= :today and s.cancelled_at is null) as coming_up
           from venues v where :all or v.active = 1 order by v.name collate nocase""",
        {"today": today(now).isoformat(), "all": 0 if active_only else 1})]


# ---------------------------------------------------------------- dates and times


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The nth (1-4) weekday of a month; n = 5 means the last one, which every month has."""
    first_of_month = date(year, month, 1)
    day = first_of_month + timedelta(days=(weekday - first_of_month.weekday()) % 7 + 7 * (n - 1))
    return day - timedelta(days=7) if day.month != month else day


def _week_of_month(day: date) -> int:
    return (day.day - 1) // 7 + 1


def series_dates(first_day: date, last_day: date, repeat: str) -> list[date]:
    """Every date of a series: monthly keeps the first date's place in its month
    ("2nd Tuesday"; a 5th weekday becomes "last")."""
    if repeat == "none":
        return [first_day]
    if repeat in STEP_DAYS:
        count = (last_day - first_day).days // STEP_DAYS[repeat] + 1
        return [first_day + timedelta(days=STEP_DAYS[repeat] * i) for i in range(count)]
    n, days = _week_of_month(first_day), []
    year, month = first_day.year, first_day.month
    while (day := nth_weekday(year, month, first_day.weekday(), n)) <= last_day:
        days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def repeat_label(first_day: str, repeat: str) -> str:
    """How often, in words: "Every 2nd Tuesday", "Every two weeks", "Just once"."""
    if repeat != "monthly":
        return REPEATS.get(repeat, repeat)
    day = date.fromisoformat(first_day)
    return f"Every {ORDINALS[_week_of_month(day)]} {day:%A} of the month"


def local_stamp(day: date, hours_minutes: str) -> str:
    """A wall-clock time on a local day as a UTC stamp, with that day's GMT or BST."""
    hour, minute = (int(part) for part in hours_minutes.split(":"))
    return stamp(datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ))


def _timed(day: date, starts: str, ends: str) -> dict:
    """A date's start and end stamps; a time the clocks skip can make them cross."""
    times = {"starts_at": local_stamp(day, starts), "ends_at": local_stamp(day, ends)}
    if times["ends_at"] <= times["starts_at"]:
        raise InvalidInput({"ends": CLOCKS_CHANGE.format(day=day.isoformat())})
    return times


# ---------------------------------------------------------------- planning sessions


def _date_range(form, repeat, errors, now) -> tuple[str | None, str | None]:
    first_day = parse_date(form.get("first_day"), "first_day", errors, required=True,
                           label="the first date")
    horizon = today(now) + timedelta(days=PLAN_AHEAD_DAYS)
    if first_day and not (today(now) - timedelta(days=PLAN_AHEAD_DAYS)
                          <= date.fromisoformat(first_day) <= horizon):
        errors["first_day"] = "Please choose a first date within a year of today."
    if repeat in (None, "none"):
        return first_day, first_day
    last_day = parse_date(form.get("last_day"), "last_day", errors, required=True,
                          label="the date it repeats until")
    if first_day and last_day and last_day < first_day:
        errors["last_day"] = "The last date must be on or after the first date."
    elif last_day and date.fromisoformat(last_day) > horizon:
        errors["last_day"] = "Please plan at most a year ahead."
    return first_day, last_day


def validate_series(db, form: dict, now: datetime | None = None) -> dict:
    """Clean a "plan sessions" form into a `session_series` row, or raise InvalidInput."""
    errors = {}
    row = {"title": clean_text(form.get("title"), "title", errors, required=True, label="a title")}
    row["kind"] = _choice(form.get("kind"), SESSION_KINDS, "kind", errors,
                          "Please choose what kind of session this is.")
    row["venue_id"] = _venue(db, form.get("venue"), errors, required=True)
    row["partner_id"] = _partner(db, form.get("partner"), errors)
    row["repeat"] = _choice(form.get("repeat"), REPEATS, "repeat", errors,
                            "Please choose how often it happens.")
    row["first_day"], row["last_day"] = _date_range(form, row["repeat"], errors, now)
    row["starts"], row["ends"] = _times(form, errors)
    row["volunteer_slots"] = _slots(form.get("volunteer_slots"), errors)
    row["requires_dbs"] = int(ticked(form.get("requires_dbs")))
    row["description"] = clean_text(form.get("description"), "description", errors, max_len=300)
    if errors:
        raise InvalidInput(errors)
    return row


def create_series(db, actor: Actor, form: dict, now: datetime | None = None) -> int:
    """Plan a session, once or repeating: the series and one `sessions` row per date,
    all or nothing, each audited."""
    now = now or utcnow()
    series = validate_series(db, form, now)
    dates = series_dates(date.fromisoformat(series["first_day"]),
                         date.fromisoformat(series["last_day"]), series["repeat"])
    shared = {k: series[k] for k in ("venue_id", "partner_id", "title", "kind",
                                     "volunteer_slots", "requires_dbs")}
    rows = [dict(shared, day=d.isoformat(), **_timed(d, series["starts"], series["ends"]))
            for d in dates]
    with write_transaction(db):
        series.update(created_at=stamp(now), created_by=actor.id)
        series_id = db["session_series"].insert(series).last_pk
        record(db, actor, "session_series.create", "session_series", series_id, after=series,
               now=now)
        for row in rows:
            session_id = db["sessions"].insert(dict(row, series_id=series_id)).last_pk
            record(db, actor, "session.create", "sessions", session_id, after=row, now=now)
    return series_id


def _open_session(db, session_id) -> dict:
    """The session a change is for, inside the caller's transaction; cancelled is final."""
    session = get_session(db, parse_id(session_id))
    if session is None:
        raise InvalidInput({"session": GONE})
    if session["cancelled_at"]:
        raise InvalidInput({"session": "This date is cancelled, so it cannot be changed."})
    return session


def update_session(db, actor: Actor, session_id, form: dict,
                   now: datetime | None = None) -> None:
    """Change one date's times, volunteer slots or DBS need; the rest of the series stays."""
    errors = {}
    starts, ends = _times(form, errors)
    slots = _slots(form.get("volunteer_slots"), errors)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        before = _open_session(db, session_id)
        row = dict(_timed(date.fromisoformat(before["day"]), starts, ends),
                   volunteer_slots=slots, requires_dbs=int(ticked(form.get("requires_dbs"))))
        update_changed(db, actor, "session.update", "sessions", before, row, now)


def cancel_session(db, actor: Actor, session_id, reason, now: datetime | None = None) -> None:
    """Cancel one date, saying why. It stays on what's on, marked cancelled."""
    now = now or utcnow()
    errors = {}
    reason = clean_text(reason, "reason", errors, max_len=200, required=True, label="the reason")
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        session = _open_session(db, session_id)
        change = {"cancelled_at": stamp(now), "cancel_reason": reason}
        db["sessions"].update(session["id"], change)
        record(db, actor, "session.cancel", "sessions", session["id"], after=change, now=now)


# ---------------------------------------------------------------- reading sessions


def get_session(db, session_id) -> dict | None:
    """One session date with its venue's name (and its series' words), or None."""
    return first(db.query(
        """select s.*, v.name as venue_name, ss.repeat, ss.first_day as series_first_day,
                  ss.description, p.name as partner_name
           from sessions s join venues v on v.id = s.venue_id
           join session_series ss on ss.id = s.series_id
           left join partners p on p.id = s.partner_id
           where s.id = ?""", [session_id]))


def sessions_on(db, venue_id: int, day: str) -> list[dict]:
    """The sessions at a venue on a local day (ISO date), cancelled ones left out."""
    return list(db.query(
        """select s.*, v.name as venue_name from sessions s join venues v on v.id = s.venue_id
           where s.venue_id = ? and s.day = ? and s.cancelled_at is null
           order by s.starts_at, s.id""", [venue_id, day]))


_LIST_SQL = """
    select s.*, v.name as venue_name, ss.description, p.name as partner_name,
           (strftime('%s', s.ends_at) - strftime('%s', s.starts_at)) / 60 as minutes
    from sessions s join venues v on v.id = s.venue_id
    join session_series ss on ss.id = s.series_id
    left join partners p on p.id = s.partner_id"""


def day_words(day: date, start: date) -> str:
    """"Today", "Tomorrow", "Tuesday 3 March", or with the year when it is not this one."""
    if (day - start).days == 0:
        return _("Today")
    if (day - start).days == 1:
        return _("Tomorrow")
    words = i18n.format_day(day)  # in the reader's language on the kiosk
    return f"{words} {day.year}" if day.year != start.year else words


def _listed(rows, now: datetime | None = None) -> list[dict]:
    """Rows as people read them: the kind and the day in words, and the volunteer hours
    each date offers."""
    start = today(now)
    return [dict(row, kind_label=SESSION_KINDS.get(row["kind"], row["kind"]),
                 when=day_words(date.fromisoformat(row["day"]), start),
                 support_hours=row["volunteer_slots"] * row["minutes"] / 60) for row in rows]


def sessions_between(db, first_day, last_day, venue_id: int | None = None) -> list[dict]:
    """Every date from first_day to last_day (local days, dates or ISO text), cancelled
    ones included, soonest first: the rows behind the staff list and the hours figure."""
    return _listed(db.query(
        _LIST_SQL + """ where s.day between :first and :last
                        and (:venue is null or s.venue_id = :venue)
                        order by s.starts_at, v.name, s.id""",
        {"first": str(first_day), "last": str(last_day), "venue": venue_id}))


def support_hours(rows: list[dict]) -> float:
    """Hours of volunteer support available: planned slots × length, cancelled left out."""
    return sum(r["volunteer_slots"] * r["minutes"] for r in rows if not r["cancelled_at"]) / 60


def support_hours_available(db, first_day, last_day, venue_id: int | None = None) -> float:
    return support_hours(sessions_between(db, first_day, last_day, venue_id))


def session_shifts(db, session_id: int) -> list[dict]:
    """Who signed in to volunteer at a session, and when they signed in and out."""
    return [dict(r) for r in db.query(
        """select vs.*, u.display_name from volunteer_shifts vs
           join users u on u.id = vs.user_id
           where vs.session_id = ? order by vs.signed_in_at, vs.id""", [session_id])]


def nearby_venues(db, venue: dict) -> list[dict]:
    """Other active venues in the same postcode area (WN, M, BL…); none without a postcode."""
    area = postcode_area(venue["postcode"])
    return [v for v in db["venues"].rows_where("active = 1 and id != ?", [venue["id"]],
                                                order_by="name collate nocase")
            if area and postcode_area(v["postcode"]) == area]


def upcoming(db, venue_id: int, days: int = WHATS_ON_DAYS,
             now: datetime | None = None) -> list[dict]:
    """What's on: `{"venue", "here", "sessions"}` groups, this venue first (even with
    nothing on), then nearby venues with something on, soonest first. Only dates not yet
    over and within `days` local days; cancelled ones stay, marked, so nobody makes a
    wasted trip."""
    now = now or utcnow()
    venue = get_venue(db, venue_id)
    if venue is None:
        return []
    places = [venue, *nearby_venues(db, venue)]
    rows = _listed(db.query(
        _LIST_SQL + f""" where s.venue_id in ({", ".join("?" * len(places))})
                         and s.ends_at > ? and s.day < ? order by s.starts_at, s.id""",
        [*(v["id"] for v in places), stamp(now),
         (today(now) + timedelta(days=days)).isoformat()]), now)
    groups = [{"venue": v, "here": v is venue,
               "sessions": [r for r in rows if r["venue_id"] == v["id"]]} for v in places]
    nearby = sorted((g for g in groups[1:] if g["sessions"]),
                    key=lambda g: g["sessions"][0]["starts_at"])
    return [groups[0], *nearby]
