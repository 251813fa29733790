"""Volunteers: contact, venues, training, DBS checks and the hours they give.
Rules only, no Flask.

A volunteer is a `users` row with role 'volunteer'; their details live in
`volunteer_profiles`. Hours come from shifts: a volunteer signs in to a session on the
tablet and signs out (or is signed out when the session ends); staff correct a shift with
a reason. A volunteer has at most one open shift (a partial unique index backs that up).
Every change is audited in the same transaction as the change itself.
"""

import re
import sqlite3
from datetime import date, datetime, timedelta

from babel.dates import format_date

import council_settings
import i18n
from audit import Actor, record, stamp, utcnow
from db import first, parse_id, write_transaction
from formatting import local_time
from i18n import N_, _, ngettext
from lending import parse_date, today, validate_contact
from tea_parties import get_session, local_stamp, sessions_on
from validation import InvalidInput, clean_notes, clean_text, clock_time, ticked

RECHECK_KEY = "dbs_recheck_years"
RECHECK_DEFAULT = 3
RECHECK_RANGE = range(1, 11)
# (state, at most this many days left), nearest first: the thresholds are exact.
DBS_WARNINGS = (("due_7", 7), ("due_30", 30), ("due_60", 60))
# Warnings first on staff lists: the most urgent state at the top.
DBS_ORDER = ("lapsed", "due_7", "due_30", "due_60", "missing", "ok")
DBS_WARNING_STATES = ("lapsed", "due_7", "due_30", "due_60")
SIGN_IN_EARLY = timedelta(minutes=60)
COURSES = (
    "Safeguarding adults",
    "Safeguarding children",
    "AQA Level 3 Award",
    "Digital Champion (Digital Champions Network)",
    "GDPR/data protection",
    "Scams awareness",
    "First aid",
)
COURSE_MAX = 100
REASON_MAX = 200

# What the tablet says (N_ here, translated with `_()` when said; `%(name)s` filled in then).
GONE_SESSION = N_("That session is not on the list any more.")
GONE_SHIFT = N_("That sign-in is not on the list any more.")
GONE_VOLUNTEER = N_("That volunteer is not on the list any more.")
GONE_TRAINING = "That training record is not on the list any more."
BAD_YEARS = "Please give a whole number of years from 1 to 10."
BAD_CERTIFICATE = ("A DBS certificate number is 12 digits, for example 0012 3456 7890. "
                   "Check it and try again.")
NEED_CERTIFICATE = "Please give the certificate number too."
NEED_ISSUE_DATE = "Please give the date the certificate was issued."
FUTURE_ISSUE = "The issue date cannot be in the future."
BAD_VENUES = "Please choose venues from the list."
NEED_COURSE = "Please give the name of the course."
FUTURE_COMPLETED = "The date it was completed cannot be in the future."
EXPIRES_BEFORE = "The expiry date must be after the date it was completed."
NEED_REASON = "Please say why the hours are being changed."
OUT_BEFORE_IN = "The sign-out time must be after the sign-in time."
OUT_IN_FUTURE = "That sign-out time has not happened yet."
UNCHANGED = "Those are the times already recorded, so there is nothing to correct."
CANCELLED_ADD = "That session was cancelled, so nobody can have volunteered at it."
PICK_VOLUNTEER = "Please choose a volunteer from the list."
PICK_SESSION = "Please choose a session from the list."
CANCELLED = N_("This session has been cancelled, so you cannot sign in to it.")
NOT_TODAY = N_("You can only sign in to a session on the day it happens.")
TOO_EARLY = N_("Sign-in for this session opens at %(opens)s, an hour before it starts.")
ENDED = N_("This session ended at %(ends)s. If you helped at it, please ask a member of staff "
           "to add your hours.")
ALREADY_HERE = N_("You are already signed in to this session since %(since)s.")
ALREADY_ELSEWHERE = N_("You are already signed in to %(title)s at %(venue)s since %(since)s. "
                       "Sign out of that first.")
ALREADY_SOMEWHERE = N_("You are already signed in to a session. Sign out of that first.")
OVERLAPS_NOW = N_("You already have hours recorded at %(title)s from %(start)s to %(end)s, "
                  "which overlap now. Please ask a member of staff to check them.")
OVERLAPS = "{name} already has hours at {title} on {day} from {start} to {end}, which overlap."
DBS_MISSING = N_("This session needs a DBS check, and we do not have one recorded for you. "
                 "Please ask a member of staff.")
DBS_LAPSED = N_("This session needs a DBS check, and yours lapsed on %(lapses)s. Please ask a "
                "member of staff about renewing it.")
ALREADY_CLOSED = {  # by who closed it (closed_by)
    "volunteer": N_("This sign-in was already closed at %(at)s, when you signed out."),
    "session_end": N_("This sign-in was already closed at %(at)s, when the session ended."),
    "staff": N_("This sign-in was already closed at %(at)s by a member of staff."),
    None: N_("This sign-in was already closed at %(at)s."),
}
OUT_BEFORE_SIGN_IN = N_("You cannot sign out before you signed in, at %(at)s. Please ask a "
                        "member of staff to correct your hours.")


# ---------------------------------------------------------------- ids and words


def day_words(day: date) -> str:
    """14 March 2027 (14 Mawrth 2027, 14 marca 2027… on a tablet in another language)."""
    return format_date(day, "long", locale=i18n.current_locale())


def days_words(days: int) -> str:
    return ngettext("%(num)s day", "%(num)s days", days, num=days)


def duration_words(hours: float) -> str:
    """1.5 -> "1 hour 30 minutes"; 0.75 -> "45 minutes"."""
    whole, minutes = divmod(round(hours * 60), 60)
    minute_words = ngettext("%(num)s minute", "%(num)s minutes", minutes, num=minutes)
    if not whole:
        return minute_words
    hour_words = ngettext("%(num)s hour", "%(num)s hours", whole, num=whole)
    if not minutes:
        return hour_words
    return _("%(hours)s %(minutes)s", hours=hour_words, minutes=minute_words)


def _when(stamp_text: str, now: datetime) -> str:
    """"14:02" today, "14:02 on 3 March 2027" on another day."""
    moment = datetime.fromisoformat(stamp_text)
    if today(moment) == today(now):
        return local_time(stamp_text)
    return _("%(time)s on %(day)s", time=local_time(stamp_text), day=day_words(today(moment)))


# ---------------------------------------------------------------- council setting


def recheck_years(db) -> int:
    """How often the council re-checks a DBS certificate, in years (default 3)."""
    return council_settings.get_int(db, RECHECK_KEY, RECHECK_DEFAULT, RECHECK_RANGE)


def set_recheck_years(db, actor: Actor, value, now: datetime | None = None) -> int:
    return council_settings.set_int(db, actor, RECHECK_KEY, value, RECHECK_DEFAULT,
                                    RECHECK_RANGE, "years", BAD_YEARS, now)


# ---------------------------------------------------------------- DBS


def add_years(day: date, years: int) -> date:
    """The same date `years` later; 29 February becomes 28 February (the earlier day)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def dbs_status(profile: dict | None, recheck_years: int, today: date) -> dict:
    """Where a volunteer's DBS check stands on `today`.

    It lapses `recheck_years` after its issue date and is lapsed from that day on. Before
    then: due_7 with 1-7 days left, due_30 with 8-30, due_60 with 31-60, ok with more.
    """
    issued = (profile or {}).get("dbs_issued_on")
    if not issued:
        return {"state": "missing", "lapses_on": None, "days_left": None,
                "lapses_words": None, "words": _("No DBS check recorded.")}
    lapses_on = add_years(date.fromisoformat(issued), recheck_years)
    days_left = (lapses_on - today).days
    if days_left <= 0:
        state = "lapsed"
    else:
        state = next((s for s, most in DBS_WARNINGS if days_left <= most), "ok")
    lapses = day_words(lapses_on)
    if state == "lapsed":
        words = _("DBS check lapsed on %(day)s.", day=lapses)
    elif state == "ok":
        words = _("DBS check up to date (re-check due before %(day)s).", day=lapses)
    else:
        words = ngettext("DBS re-check due in %(num)s day, before %(day)s.",
                         "DBS re-check due in %(num)s days, before %(day)s.", days_left,
                         num=days_left, day=lapses)
    return {"state": state, "lapses_on": lapses_on, "days_left": days_left,
            "lapses_words": lapses, "words": words}


def dbs_for(db, user_id: int, today: date) -> dict:
    """One volunteer's DBS status under the council's re-check period."""
    return dbs_status(get_volunteer(db, user_id), recheck_years(db), today)


def volunteers(db, today: date) -> list[dict]:
    """Every active volunteer with their DBS status and hours this financial year,
    warnings first (lapsed, then soonest to lapse), then by name."""
    years = recheck_years(db)
    first_day, last_day = financial_year(today)
    hours = hours_by_volunteer(db, first_day, last_day)
    rows = [dict(v, dbs=dbs_status(v, years, today), hours=hours.get(v["id"], 0.0))
            for v in db.query(_VOLUNTEER_SQL + " and u.active = 1")]
    return sorted(rows, key=lambda v: (DBS_ORDER.index(v["dbs"]["state"]),
                                       v["dbs"]["days_left"] or 0, v["display_name"].lower()))


def dbs_warnings(db, today: date) -> list[dict]:
    """Volunteers whose DBS check has lapsed or lapses within 60 days, most urgent first."""
    return [v for v in volunteers(db, today) if v["dbs"]["state"] in DBS_WARNING_STATES]


# ---------------------------------------------------------------- profiles

_VOLUNTEER_SQL = """
    select u.id, u.username, u.display_name, u.active, p.phone, p.email, p.dbs_certificate,
           p.dbs_issued_on, coalesce(p.dbs_update_service, 0) as dbs_update_service, p.notes,
           p.updated_at
    from users u left join volunteer_profiles p on p.user_id = u.id
    where u.role = 'volunteer'"""
PROFILE_FIELDS = ("phone", "email", "dbs_certificate", "dbs_issued_on", "dbs_update_service",
                  "notes")


def get_volunteer(db, user_id) -> dict | None:
    """A volunteer with their profile (blank when none yet) and the venues they help at."""
    user_id = parse_id(user_id)
    volunteer = first(db.query(_VOLUNTEER_SQL + " and u.id = ?", [user_id])) if user_id else None
    if volunteer is None:
        return None
    venues = list(db.query(
        """select v.id, v.name from volunteer_venues vv join venues v on v.id = vv.venue_id
           where vv.user_id = ? order by v.name collate nocase""", [user_id]))
    return dict(volunteer, venues=venues, venue_ids=sorted(v["id"] for v in venues))


def _venue_ids(db, values, errors) -> list[int]:
    values = [values] if isinstance(values, str) else list(values or [])
    ids = {parse_id(v) for v in values if v}
    if None in ids or any(not db["venues"].count_where("id = ?", [i]) for i in ids):
        errors["venues"] = BAD_VENUES
        return []
    return sorted(ids)


def _certificate(value, errors) -> str | None:
    text = re.sub(r" ", "", str(value or "").strip())
    if text and not re.fullmatch(r"[0-9]{12}", text):
        errors["dbs_certificate"] = BAD_CERTIFICATE
    return text or None


def validate_profile(db, form: dict, now: datetime | None = None) -> dict:
    """Clean a volunteer's details form. Raises InvalidInput with every problem."""
    errors = {}
    row = {}
    for field, kind in (("phone", "landline"), ("email", "email")):
        typed = str(form.get(field) or "").strip()
        row[field] = validate_contact(kind, typed, errors, field)[1] if typed else None
    row["dbs_certificate"] = _certificate(form.get("dbs_certificate"), errors)
    row["dbs_issued_on"] = parse_date(form.get("dbs_issued_on"), "dbs_issued_on", errors)
    if row["dbs_issued_on"] and date.fromisoformat(row["dbs_issued_on"]) > today(now):
        errors["dbs_issued_on"] = FUTURE_ISSUE
    if row["dbs_certificate"] and not row["dbs_issued_on"]:
        errors.setdefault("dbs_issued_on", NEED_ISSUE_DATE)
    if row["dbs_issued_on"] and not row["dbs_certificate"]:
        errors.setdefault("dbs_certificate", NEED_CERTIFICATE)
    row["dbs_update_service"] = int(ticked(form.get("dbs_update_service")))
    row["notes"] = clean_notes(form.get("notes"), "notes", errors)
    row["venues"] = _venue_ids(db, form.get("venues"), errors)
    if errors:
        raise InvalidInput(errors)
    return row


def save_profile(db, actor: Actor, user_id, form: dict, now: datetime | None = None) -> None:
    """Save a volunteer's contact, venues, DBS and notes; one audit entry of what changed."""
    now = now or utcnow()
    row = validate_profile(db, form, now)
    with write_transaction(db):
        before = get_volunteer(db, user_id)
        if before is None:
            raise InvalidInput({"volunteer": _(GONE_VOLUNTEER)})
        before = dict(before, venues=before["venue_ids"])
        changed = {k: v for k, v in row.items() if before[k] != v}
        if not changed:
            return
        db["volunteer_profiles"].upsert(
            dict({k: row[k] for k in PROFILE_FIELDS}, user_id=before["id"],
                 updated_at=stamp(now)), pk="user_id")
        if "venues" in changed:
            db["volunteer_venues"].delete_where("user_id = ?", [before["id"]])
            db["volunteer_venues"].insert_all(
                {"user_id": before["id"], "venue_id": v} for v in row["venues"])
        record(db, actor, "volunteer_profile.update", "volunteer_profiles", before["id"],
               before={k: before[k] for k in changed}, after=changed, now=now)


# ---------------------------------------------------------------- training


def training(db, user_id: int, today: date) -> list[dict]:
    """A volunteer's training, newest first, each marked expired when past its expiry."""
    return [dict(t, expired=bool(t["expires_on"] and t["expires_on"] < today.isoformat()))
            for t in db["volunteer_training"].rows_where(
                "user_id = ?", [user_id], order_by="completed_on desc, id desc")]


def add_training(db, actor: Actor, user_id, form: dict, now: datetime | None = None) -> int:
    """Record a course completed: its name (from the suggestions or typed), when, and
    when it expires if it does."""
    now = now or utcnow()
    errors = {}
    row = {"course": clean_text(form.get("course"), "course", errors, max_len=COURSE_MAX)}
    if not row["course"]:
        errors["course"] = NEED_COURSE
    row["completed_on"] = parse_date(form.get("completed_on"), "completed_on", errors,
                                     required=True, label="the date it was completed")
    if row["completed_on"] and date.fromisoformat(row["completed_on"]) > today(now):
        errors["completed_on"] = FUTURE_COMPLETED
    row["expires_on"] = parse_date(form.get("expires_on"), "expires_on", errors)
    if row["completed_on"] and row["expires_on"] and row["expires_on"] <= row["completed_on"]:
        errors["expires_on"] = EXPIRES_BEFORE
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        volunteer = get_volunteer(db, user_id)
        if volunteer is None:
            raise InvalidInput({"volunteer": _(GONE_VOLUNTEER)})
        row.update(user_id=volunteer["id"], recorded_at=stamp(now), recorded_by=actor.id)
        training_id = db["volunteer_training"].insert(row).last_pk
        record(db, actor, "volunteer_training.add", "volunteer_training", training_id,
               after=row, now=now)
    return training_id


def remove_training(db, actor: Actor, user_id, training_id,
                    now: datetime | None = None) -> dict:
    """Take off a training record entered by mistake; the audit log keeps what it said."""
    with write_transaction(db):
        row = first(db["volunteer_training"].rows_where(
            "id = ? and user_id = ?", [parse_id(training_id), parse_id(user_id)]))
        if row is None:
            raise InvalidInput({"training": GONE_TRAINING})
        db["volunteer_training"].delete(row["id"])
        record(db, actor, "volunteer_training.remove", "volunteer_training", row["id"],
               before=row, now=now)
    return row


# ---------------------------------------------------------------- shifts: reading

_SHIFT_SQL = """
    select vs.*, u.display_name, s.title, s.day, s.starts_at, s.ends_at, s.venue_id,
           s.requires_dbs, v.name as venue_name, c.display_name as corrected_by_name,
           case when vs.signed_out_at is null then null
                else (strftime('%s', vs.signed_out_at) - strftime('%s', vs.signed_in_at))
                     / 3600.0 end as hours
    from volunteer_shifts vs join users u on u.id = vs.user_id
    join sessions s on s.id = vs.session_id join venues v on v.id = s.venue_id
    left join users c on c.id = vs.corrected_by"""


def get_shift(db, shift_id) -> dict | None:
    shift_id = parse_id(shift_id)
    return first(db.query(_SHIFT_SQL + " where vs.id = ?", [shift_id])) if shift_id else None


def open_shift(db, user_id: int) -> dict | None:
    """The volunteer's shift still going, if any (there is at most one)."""
    return first(db.query(_SHIFT_SQL + " where vs.user_id = ? and vs.signed_out_at is null",
                          [user_id]))


def shifts(db, session_id=None, user_id=None, first_day=None, last_day=None) -> list[dict]:
    """Shifts for one session, one volunteer and/or a range of local days (newest day
    first), each with its hours (None while still open)."""
    return [dict(r) for r in db.query(
        _SHIFT_SQL + """ where (:session is null or vs.session_id = :session)
                         and (:user is null or vs.user_id = :user)
                         and (:first is null or s.day >= :first)
                         and (:last is null or s.day <= :last)
                         order by s.day desc, s.starts_at, vs.signed_in_at, vs.id""",
        {"session": session_id, "user": user_id,
         "first": str(first_day) if first_day else None,
         "last": str(last_day) if last_day else None})]


def financial_year(day: date) -> tuple[date, date]:
    """The UK council financial year holding `day`: 1 April to 31 March."""
    start = day.year if day.month >= 4 else day.year - 1
    return date(start, 4, 1), date(start + 1, 3, 31)


_HOURS_FROM = """
    from volunteer_shifts vs join sessions s on s.id = vs.session_id
    where vs.signed_out_at is not null and s.day between :first and :last
      and (:user is null or vs.user_id = :user) and (:venue is null or s.venue_id = :venue)"""
_SECONDS = "sum(strftime('%s', vs.signed_out_at) - strftime('%s', vs.signed_in_at))"


def _period(first_day, last_day, user_id=None, venue_id=None) -> dict:
    return {"first": str(first_day), "last": str(last_day), "user": user_id, "venue": venue_id}


def hours_recorded(db, first_day, last_day, user_id=None, venue_id=None) -> float:
    """Volunteer hours recorded: closed shifts at sessions on local days first..last."""
    seconds = db.execute(f"select coalesce({_SECONDS}, 0) {_HOURS_FROM}",
                         _period(first_day, last_day, user_id, venue_id)).fetchone()[0]
    return seconds / 3600


def hours_by_volunteer(db, first_day, last_day) -> dict[int, float]:
    return {user_id: seconds / 3600 for user_id, seconds in db.execute(
        f"select vs.user_id, {_SECONDS} {_HOURS_FROM} group by vs.user_id",
        _period(first_day, last_day)).fetchall()}


def volunteer_summary(db, user_id: int, today: date) -> dict:
    """The volunteer's own figures for this financial year: hours, sessions attended,
    people helped (tickets they finished) and learners helped (distinct learners)."""
    first_day, last_day = financial_year(today)
    period = _period(first_day, last_day, user_id)
    sessions_attended = db.execute(
        """select count(distinct vs.session_id) from volunteer_shifts vs
           join sessions s on s.id = vs.session_id
           where vs.user_id = :user and s.day between :first and :last""", period).fetchone()[0]
    people, learners = db.execute(
        """select count(*), count(distinct learner_id) from tickets
           where volunteer_id = :user and status = 'done' and day between :first and :last""",
        period).fetchone()
    return {"first_day": first_day, "last_day": last_day,
            "hours": hours_recorded(db, first_day, last_day, user_id),
            "sessions": sessions_attended, "people_helped": people, "learners_helped": learners,
            "shifts": shifts(db, user_id=user_id, first_day=first_day, last_day=last_day)}


def sign_in_window(session: dict, now: datetime) -> str:
    """Whether a volunteer can sign in to a session now: cancelled, not_today, early
    (more than an hour before it starts), open, or ended."""
    if session["cancelled_at"]:
        return "cancelled"
    if session["day"] != today(now).isoformat():
        return "not_today"
    if stamp(now) < stamp(datetime.fromisoformat(session["starts_at"]) - SIGN_IN_EARLY):
        return "early"
    return "open" if stamp(now) < session["ends_at"] else "ended"


def opens_at(session: dict) -> str:
    """The local time sign-in opens for a session, e.g. "13:00"."""
    return local_time(stamp(datetime.fromisoformat(session["starts_at"]) - SIGN_IN_EARLY))


def sessions_today(db, venue_id: int, now: datetime | None = None) -> list[dict]:
    """Today's sessions at a venue for the tablet, each with its sign-in window and the
    volunteers who have signed in to it (`filled` counts them once each)."""
    now = now or utcnow()
    rows = []
    for session in sessions_on(db, venue_id, today(now).isoformat()):
        people = shifts(db, session_id=session["id"])
        rows.append(dict(session, shifts=people, window=sign_in_window(session, now),
                         opens_at=opens_at(session),
                         filled=len({s["user_id"] for s in people})))
    return rows


# ---------------------------------------------------------------- shifts: signing in and out

_FINISHED_SQL = """
    select vs.id, vs.signed_in_at, s.ends_at from volunteer_shifts vs
    join sessions s on s.id = vs.session_id
    where vs.signed_out_at is null and s.ends_at <= ?"""


def _closing_time(shift: dict) -> str:
    """The session's end; a minute after sign-in if staff moved the end before it."""
    if shift["ends_at"] > shift["signed_in_at"]:
        return shift["ends_at"]
    return stamp(datetime.fromisoformat(shift["signed_in_at"]) + timedelta(minutes=1))


def close_finished_shifts(db, now: datetime | None = None) -> int:
    """Close every shift still open after its session's end, at the session's end.
    Returns how many were closed; reads first, so most calls write nothing."""
    now = now or utcnow()
    if db.execute(_FINISHED_SQL, [stamp(now)]).fetchone() is None:
        return 0
    with write_transaction(db):
        finished = list(db.query(_FINISHED_SQL, [stamp(now)]))
        for shift in finished:
            change = {"signed_out_at": _closing_time(shift), "closed_by": "session_end"}
            db["volunteer_shifts"].update(shift["id"], change)
            record(db, None, "volunteer_shift.session_end", "volunteer_shifts", shift["id"],
                   before={"signed_out_at": None}, after=change, now=now)
    return len(finished)


def _session_to_join(db, session_id, now) -> dict:
    session = get_session(db, parse_id(session_id))
    if session is None:
        raise InvalidInput({"session": _(GONE_SESSION)})
    window = sign_in_window(session, now)
    if window == "cancelled":
        raise InvalidInput({"session": _(CANCELLED)})
    if window == "not_today":
        raise InvalidInput({"session": _(NOT_TODAY)})
    if window == "early":
        raise InvalidInput({"session": _(TOO_EARLY, opens=opens_at(session))})
    if window == "ended":
        raise InvalidInput({"session": _(ENDED, ends=local_time(session["ends_at"]))})
    return session


def _active_volunteer(db, user_id) -> dict:
    volunteer = get_volunteer(db, user_id)
    if volunteer is None or not volunteer["active"]:
        raise InvalidInput({"volunteer": _(GONE_VOLUNTEER)})
    return volunteer


def _refuse_open_shift(db, user_id, session, now) -> None:
    shift = open_shift(db, user_id)
    if shift is None:
        return
    since = _when(shift["signed_in_at"], now)
    if shift["session_id"] == session["id"]:
        raise InvalidInput({"session": _(ALREADY_HERE, since=since)})
    raise InvalidInput({"session": _(ALREADY_ELSEWHERE, title=shift["title"],
                                     venue=shift["venue_name"], since=since)})


def _overlapping(db, user_id, start: str, end: str | None, except_id=None) -> dict | None:
    """Another shift of this volunteer sharing any time with start..end (None: open-ended)."""
    return first(db.query(
        _SHIFT_SQL + """ where vs.user_id = :user and vs.id != :except
                         and vs.signed_in_at < coalesce(:end, '9999')
                         and coalesce(vs.signed_out_at, '9999') > :start
                         order by vs.signed_in_at limit 1""",
        {"user": user_id, "except": except_id or 0, "start": start, "end": end}))


def _dbs_check(db, volunteer, session, now) -> str | None:
    """Refuse a DBS session without a valid check; a warning when it lapses within a week."""
    status = dbs_status(volunteer, recheck_years(db), today(now))
    if session["requires_dbs"] and status["state"] == "missing":
        raise InvalidInput({"session": _(DBS_MISSING)})
    if session["requires_dbs"] and status["state"] == "lapsed":
        raise InvalidInput({"session": _(DBS_LAPSED, lapses=status["lapses_words"])})
    if status["state"] == "due_7":
        return ngettext("Your DBS check needs renewing before %(lapses)s (%(num)s day left). "
                        "Please have a word with a member of staff.",
                        "Your DBS check needs renewing before %(lapses)s (%(num)s days left). "
                        "Please have a word with a member of staff.", status["days_left"],
                        num=status["days_left"], lapses=status["lapses_words"])
    return None


def sign_in(db, actor: Actor, user_id, session_id, now: datetime | None = None) -> dict:
    """Start a shift at a session happening now. Returns the shift, with `warning` set
    when the volunteer's DBS check lapses within a week."""
    now = now or utcnow()
    close_finished_shifts(db, now)  # committed on its own: a refusal must not undo it
    with write_transaction(db):
        session = _session_to_join(db, session_id, now)
        volunteer = _active_volunteer(db, user_id)
        _refuse_open_shift(db, volunteer["id"], session, now)
        clash = _overlapping(db, volunteer["id"], stamp(now), None)
        if clash:
            raise InvalidInput({"session": _(
                OVERLAPS_NOW, title=clash["title"], start=local_time(clash["signed_in_at"]),
                end=local_time(clash["signed_out_at"]))})
        warning = _dbs_check(db, volunteer, session, now)
        row = {"session_id": session["id"], "user_id": volunteer["id"],
               "signed_in_at": stamp(now)}
        try:
            shift_id = db["volunteer_shifts"].insert(row).last_pk
        except sqlite3.IntegrityError:
            raise InvalidInput({"session": _(ALREADY_SOMEWHERE)}) from None
        record(db, actor, "volunteer_shift.sign_in", "volunteer_shifts", shift_id, after=row,
               now=now)
    return dict(get_shift(db, shift_id), warning=warning)


def _closed_words(shift: dict, now: datetime) -> str:
    sentence = ALREADY_CLOSED.get(shift["closed_by"], ALREADY_CLOSED[None])
    return _(sentence, at=_when(shift["signed_out_at"], now))


def sign_out(db, actor: Actor, shift_id, now: datetime | None = None) -> dict:
    """End a shift now. A shift whose session has ended was already closed at its end."""
    now = now or utcnow()
    close_finished_shifts(db, now)  # committed on its own: a refusal must not undo it
    with write_transaction(db):
        shift = get_shift(db, shift_id)
        if shift is None:
            raise InvalidInput({"shift": _(GONE_SHIFT)})
        if shift["signed_out_at"]:
            raise InvalidInput({"shift": _closed_words(shift, now)})
        if stamp(now) <= shift["signed_in_at"]:
            raise InvalidInput({"shift": _(OUT_BEFORE_SIGN_IN,
                                           at=_when(shift["signed_in_at"], now))})
        change = {"signed_out_at": stamp(now), "closed_by": "volunteer"}
        db["volunteer_shifts"].update(shift["id"], change)
        record(db, actor, "volunteer_shift.sign_out", "volunteer_shifts", shift["id"],
               before={"signed_out_at": None}, after=change, now=now)
    return get_shift(db, shift["id"])


# ---------------------------------------------------------------- shifts: staff corrections


def _typed_times(signed_in_at, signed_out_at, reason, errors) -> tuple:
    """Check a correction form's HH:MM times and reason, before any lookup."""
    start = clock_time(signed_in_at, "signed_in_at", errors, "the sign-in time")
    end = clock_time(signed_out_at, "signed_out_at", errors, "the sign-out time")
    if start and end and end <= start:
        errors["signed_out_at"] = OUT_BEFORE_IN
    reason = clean_text(reason, "reason", errors, max_len=REASON_MAX)
    if not reason:
        errors["reason"] = NEED_REASON
    return start, end, reason


def _shift_stamps(db, user_id, name, day: str, start: str, end: str, now,
                  except_id=None) -> tuple[str, str]:
    """The times as UTC stamps on the session's day, checked against the clock and the
    volunteer's other shifts."""
    start, end = (local_stamp(date.fromisoformat(day), t) for t in (start, end))
    if end <= start:  # a time the clocks skip can make them cross
        raise InvalidInput({"signed_out_at": OUT_BEFORE_IN})
    if end > stamp(now):
        raise InvalidInput({"signed_out_at": OUT_IN_FUTURE})
    clash = _overlapping(db, user_id, start, end, except_id)
    if clash:
        raise InvalidInput({"signed_in_at": OVERLAPS.format(
            name=name, title=clash["title"], day=day_words(date.fromisoformat(clash["day"])),
            start=local_time(clash["signed_in_at"]),
            end=local_time(clash["signed_out_at"]) if clash["signed_out_at"] else "now")})
    return start, end


def _correction(actor, reason, now) -> dict:
    return {"corrected_at": stamp(now), "corrected_by": actor.id, "correction_reason": reason}


def correct_shift(db, actor: Actor, shift_id, signed_in_at, signed_out_at, reason,
                  now: datetime | None = None) -> dict:
    """Staff set a shift's sign-in and sign-out (local HH:MM on the session's day) and say
    why. An open shift is closed by it. Audited with the times before and after."""
    now = now or utcnow()
    errors = {}
    start, end, reason = _typed_times(signed_in_at, signed_out_at, reason, errors)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        shift = get_shift(db, shift_id)
        if shift is None:
            raise InvalidInput({"shift": _(GONE_SHIFT)})
        start, end = _shift_stamps(db, shift["user_id"], shift["display_name"], shift["day"],
                                   start, end, now, shift["id"])
        if (start, end) == (shift["signed_in_at"], shift["signed_out_at"]):
            raise InvalidInput({"signed_in_at": UNCHANGED})
        times = {"signed_in_at": start, "signed_out_at": end}
        db["volunteer_shifts"].update(shift["id"], dict(
            times, closed_by=shift["closed_by"] or "staff", **_correction(actor, reason, now)))
        record(db, actor, "volunteer_shift.correct", "volunteer_shifts", shift["id"],
               before={k: shift[k] for k in times}, after=dict(times, reason=reason), now=now)
    return get_shift(db, shift["id"])


def add_missed_shift(db, actor: Actor, user_id, session_id, signed_in_at, signed_out_at,
                     reason, now: datetime | None = None) -> int:
    """Staff record a shift nobody signed in for (the tablet was flat, they forgot)."""
    now = now or utcnow()
    errors = {}
    start, end, reason = _typed_times(signed_in_at, signed_out_at, reason, errors)
    with write_transaction(db):
        volunteer = get_volunteer(db, user_id)
        if volunteer is None or not volunteer["active"]:
            errors["volunteer"] = PICK_VOLUNTEER
        session = get_session(db, parse_id(session_id))
        if session is None:
            errors["session"] = PICK_SESSION
        elif session["cancelled_at"]:
            errors["session"] = CANCELLED_ADD
        if errors:
            raise InvalidInput(errors)
        start, end = _shift_stamps(db, volunteer["id"], volunteer["display_name"],
                                   session["day"], start, end, now)
        row = dict({"session_id": session["id"], "user_id": volunteer["id"],
                    "signed_in_at": start, "signed_out_at": end, "closed_by": "staff"},
                   **_correction(actor, reason, now))
        shift_id = db["volunteer_shifts"].insert(row).last_pk
        record(db, actor, "volunteer_shift.add_missed", "volunteer_shifts", shift_id,
               after=dict(row, reason=reason), now=now)
    return shift_id
