"""The only place the schema changes. Add m00N_ functions; never edit an applied one."""

from sqlite_utils import Migrations

doorstep = Migrations("doorstep")


@doorstep()
def m001_foundation(db):
    """People, sign-in sessions, kiosks, venues, the help desk and the audit log."""
    db["venues"].create(
        {"id": int, "name": str, "kind": str, "address": str, "active": int},
        pk="id",
        not_null={"name"},
        defaults={"active": 1, "kind": "library"},
    )
    db["users"].create(
        {
            "id": int,
            "username": str,
            "display_name": str,
            "role": str,
            "secret_hash": str,
            "failed_logins": int,
            "locked_until": str,
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "display_name", "role", "secret_hash"},
        defaults={"failed_logins": 0, "active": 1},
    )
    db.execute("CREATE UNIQUE INDEX idx_users_username ON users(username COLLATE NOCASE)")
    db["user_sessions"].create(
        {
            "token_hash": str,
            "user_id": int,
            "venue_id": int,
            "created_at": str,
            "last_seen_at": str,
        },
        pk="token_hash",
        foreign_keys=[("user_id", "users", "id"), ("venue_id", "venues", "id")],
        not_null={"user_id", "created_at", "last_seen_at"},
    )
    db["kiosks"].create(
        {
            "id": int,
            "token_hash": str,
            "name": str,
            "venue_id": int,
            "registered_by": int,
            "registered_at": str,
            "last_seen_at": str,
            "revoked_at": str,
        },
        pk="id",
        foreign_keys=[("venue_id", "venues", "id"), ("registered_by", "users", "id")],
        not_null={"token_hash", "name", "venue_id"},
    )
    db.execute("CREATE UNIQUE INDEX idx_kiosks_token ON kiosks(token_hash)")
    db["topics"].create(
        {"slug": str, "label": str, "icon": str, "position": int, "active": int},
        pk="slug",
        not_null={"label"},
        defaults={"active": 1, "position": 0},
    )
    db["tickets"].create(
        {
            "id": int,
            "venue_id": int,
            "number": int,
            "day": str,
            "code": str,
            "name": str,
            "requested_topic": str,
            "source": str,
            "status": str,
            "created_at": str,
            "taken_at": str,
            "finished_at": str,
            "volunteer_id": int,
            "minutes": int,
            "outcome": str,
            "notes": str,
        },
        pk="id",
        foreign_keys=[
            ("venue_id", "venues", "id"),
            ("requested_topic", "topics", "slug"),
            ("volunteer_id", "users", "id"),
        ],
        not_null={"venue_id", "number", "day", "code", "status", "created_at", "source"},
    )
    db.execute("CREATE UNIQUE INDEX idx_tickets_number ON tickets(venue_id, day, number)")
    db.execute("CREATE UNIQUE INDEX idx_tickets_code ON tickets(code)")
    db.execute("CREATE INDEX idx_tickets_queue ON tickets(venue_id, status, created_at)")
    db["ticket_topics"].create(
        {"ticket_id": int, "topic": str},
        pk=("ticket_id", "topic"),
        foreign_keys=[("ticket_id", "tickets", "id"), ("topic", "topics", "slug")],
    )
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor_id": int,
            "actor": str,
            "action": str,
            "table_name": str,
            "row_id": str,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"at", "action", "table_name"},
    )
    db.execute("CREATE INDEX idx_audit_row ON audit_log(table_name, row_id)")
    db["topics"].insert_all(
        {"slug": slug, "label": label, "icon": slug, "position": i}
        for i, (slug, label) in enumerate(
            [
                ("email", "Email"),
                ("nhs_app", "NHS App and health"),
                ("benefits", "Universal Credit and council services"),
                ("video_calls", "Video calls"),
                ("smartphone", "Smartphone and tablet basics"),
                ("scams", "Scams and staying safe"),
                ("jobs", "Job search and CVs"),
                ("printing", "Printing and scanning"),
                ("other", "Something else"),
            ]
        )
    )


@doorstep()
def m002_ticket_request_ids(db):
    """Each ticket form carries a one-time id, so a double tap makes one ticket, not two."""
    db["tickets"].add_column("request_id", str)
    db.execute(
        "CREATE UNIQUE INDEX idx_tickets_request ON tickets(request_id) "
        "WHERE request_id IS NOT NULL"
    )
