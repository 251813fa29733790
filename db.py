"""One SQLite database through sqlite-utils: a connection per request, pragmas, `flask migrate`."""

import contextlib
import sqlite3
from pathlib import Path

import click
import sqlite_utils
from flask import abort, current_app, g
from flask.cli import with_appcontext

import migrations

BUSY_TIMEOUT_MS = 5000
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: a bigger id cannot name any row


def parse_id(value) -> int | None:
    """A row id from a form or URL, or None for anything that cannot be one."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None  # int() refuses over 4300 digits; no id has more than 19
    number = int(text)
    return number if 0 < number <= MAX_ROW_ID else None


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database the way every part of Doorstep expects it.

    `isolation_level=None` stops Python's sqlite3 from opening hidden transactions, so a
    transaction is open only where the code says so (`write_transaction` or `db.atomic()`).
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")  # erased personal data is zeroed, not left behind
    conn.execute("PRAGMA synchronous=NORMAL")
    return sqlite_utils.Database(conn)


def first(rows) -> dict | None:
    """The first row of a query or `rows_where`, or None when there is none."""
    return next(iter(rows), None)


def or_404(row: dict | None) -> dict:
    """The row a URL names, or the not-found page when there is no such row."""
    if row is None:
        abort(404)
    return row


def get_db() -> sqlite_utils.Database:
    """The request's database, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database):
    """A read-then-write unit of work: `BEGIN IMMEDIATE` takes the write lock up front,
    so two volunteers racing for one ticket are serialised instead of deadlocking.
    Inside an open transaction it simply joins it, so rules can build on each other."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def migrate_database(path: str | Path) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date)."""
    db = connect(path)
    try:
        pending = [m.name for m in migrations.doorstep.pending(db)]
        migrations.doorstep.apply(db)
        return pending
    finally:
        db.conn.close()


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Bring the database schema up to date."""
    applied = migrate_database(current_app.config["DATABASE"])
    if applied:
        click.echo("Applied: " + ", ".join(applied))
    else:
        click.echo("Database is up to date.")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(migrate_command)
