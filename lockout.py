"""Wrong tries are counted per account, never per IP: a whole library shares one IP.

One rule for every secret a person types to sign in — a password, a PIN, a code from an
authenticator app or a recovery code: five wrong in a row lock the account for 15 minutes.
The count starts again only when a sign-in is complete, so knowing a password does not buy
unlimited guesses at the second factor. No Flask here.
"""

from datetime import datetime, timedelta

from audit import record, stamp
from db import write_transaction
from i18n import ngettext

MAX_FAILED_SIGNINS = 5
LOCKOUT_MINUTES = 15
LOCKED = (f"Too many wrong tries: this account is locked for {LOCKOUT_MINUTES} minutes. "
          "Ask a member of staff if you need it sooner.")


def locked_words() -> str:
    """LOCKED in the reader's language: the volunteer tablet's sign-in speaks theirs."""
    return ngettext("Too many wrong tries: this account is locked for %(num)s minute. "
                    "Ask a member of staff if you need it sooner.",
                    "Too many wrong tries: this account is locked for %(num)s minutes. "
                    "Ask a member of staff if you need it sooner.", LOCKOUT_MINUTES,
                    num=LOCKOUT_MINUTES)


def is_locked(user: dict, now: datetime) -> bool:
    return bool(user["locked_until"] and user["locked_until"] > stamp(now))


def count_failure(db, user_id: int, now: datetime) -> bool:
    """Count one wrong try; True when it was the try that locked the account."""
    with write_transaction(db):
        failures = db.execute(
            "select failed_logins from users where id = ?", [user_id]
        ).fetchone()[0] + 1
        changes = {"failed_logins": failures}
        if failures >= MAX_FAILED_SIGNINS:
            changes = {"failed_logins": 0,
                       "locked_until": stamp(now + timedelta(minutes=LOCKOUT_MINUTES))}
            record(db, None, "user.locked", "users", user_id, after=changes, now=now)
        db["users"].update(user_id, changes)
    return failures >= MAX_FAILED_SIGNINS


def clear(db, user: dict) -> None:
    """A complete sign-in: the count of wrong tries starts again."""
    if user["failed_logins"] or user["locked_until"]:
        db["users"].update(user["id"], {"failed_logins": 0, "locked_until": None})
