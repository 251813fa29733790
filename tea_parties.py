"""Venues and sessions: tea parties and drop-ins, one-off or repeating, with planned
volunteer slots. Rules only, no Flask.

Each date of a series is its own `sessions` row (see migration m004), with its start and
end as UTC stamps and its local `day`, so "today's tea party" is a lookup and "hours of
volunteer support available" is a sum.
"""

from db import first

SESSION_KINDS = {
    "tea_party": "Tea party",
    "drop_in": "Drop-in",
    "course": "Course",
    "other": "Other",
}


def get_session(db, session_id) -> dict | None:
    """One session date with its venue's name, or None."""
    return first(db.query(
        """select s.*, v.name as venue_name from sessions s join venues v on v.id = s.venue_id
           where s.id = ?""", [session_id]))


def sessions_on(db, venue_id: int, day: str) -> list[dict]:
    """The sessions at a venue on a local day (ISO date), cancelled ones left out."""
    return list(db.query(
        """select s.*, v.name as venue_name from sessions s join venues v on v.id = s.venue_id
           where s.venue_id = ? and s.day = ? and s.cancelled_at is null
           order by s.starts_at, s.id""", [venue_id, day]))
