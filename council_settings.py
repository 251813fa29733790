"""Whole-number settings a council chooses (the DBS re-check period, the SIM low-stock
warning): read with a safe default, changed by staff with an audit entry. No Flask."""

from datetime import datetime

from audit import Actor, record, stamp, utcnow
from db import first, write_transaction
from validation import InvalidInput


def get_int(db, key: str, default: int, allowed: range) -> int:
    """The stored value, or `default` when it is missing or not one of `allowed`, so a
    hand-edited setting can never break a page."""
    row = first(db["settings"].rows_where("key = ?", [key]))
    try:
        value = int(row["value"]) if row else default
    except ValueError:
        return default
    return value if value in allowed else default


def set_int(db, actor: Actor, key: str, value, default: int, allowed: range, field: str,
            message: str, now: datetime | None = None) -> int:
    """Save a whole number typed by staff; InvalidInput({field: message}) when it is not
    one of `allowed`. Unchanged values write nothing."""
    now = now or utcnow()
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(allowed[-1]))
            and int(text) in allowed):
        raise InvalidInput({field: message})
    number = int(text)
    with write_transaction(db):
        before = get_int(db, key, default, allowed)
        if before == number:
            return number
        db["settings"].upsert({"key": key, "value": str(number), "updated_at": stamp(now),
                               "updated_by": actor.id}, pk="key")
        record(db, actor, "setting.update", "settings", key,
               before={"value": before}, after={"value": number}, now=now)
    return number
