"""The audit log: who changed what, when, with the row before and after. No Flask here."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user (id + name) or a device such as a kiosk (id None)."""

    id: int | None
    label: str


def utcnow() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts and compares correctly."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def record(db, actor: Actor | None, action: str, table: str, row_id, before=None, after=None,
           now: datetime | None = None) -> None:
    """Write one audit entry; call it inside the same transaction as the change itself."""
    db["audit_log"].insert(
        {
            "at": stamp(now or utcnow()),
            "actor_id": actor.id if actor else None,
            "actor": actor.label if actor else "system",
            "action": action,
            "table_name": table,
            "row_id": str(row_id),
            "before": json.dumps(before, sort_keys=True, default=str) if before else None,
            "after": json.dumps(after, sort_keys=True, default=str) if after else None,
        }
    )


def update_changed(db, actor: Actor | None, action: str, table: str, before: dict, row: dict,
                   now: datetime | None = None, stamp_field: str | None = None) -> dict:
    """Write only the fields that differ from `before`, and audit exactly those, so the log
    says what an edit changed. Returns the changes (empty: nothing was written)."""
    changed = {k: v for k, v in row.items() if before[k] != v}
    if changed:
        extra = {stamp_field: stamp(now or utcnow())} if stamp_field else {}
        db[table].update(before["id"], dict(changed, **extra))
        record(db, actor, action, table, before["id"], before={k: before[k] for k in changed},
               after=changed, now=now)
    return changed


def history(db, table: str, row_id) -> list[dict]:
    return list(
        db["audit_log"].rows_where(
            "table_name = ? and row_id = ?", [table, str(row_id)], order_by="id"
        )
    )
