"""One SQLite database through sqlite-utils: a connection per request, pragmas, `flask migrate`."""

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

import click
import sqlite_utils
from flask import abort, current_app, g
from flask.cli import with_appcontext

import migrations

BUSY_TIMEOUT_MS = 5000
SYNCHRONOUS_ENV = "DOORSTEP_SYNCHRONOUS"
SYNCHRONOUS_MODES = ("NORMAL", "FULL", "EXTRA")
DEFAULT_SYNCHRONOUS = "FULL"
# One writer at a time within a process (see write_transaction). Re-entrant, so code that
# opens a second connection inside a transaction fails on SQLite's lock, not hangs here.
_WRITER = threading.RLock()
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: a bigger id cannot name any row


def parse_id(value) -> int | None:
    """A row id from a form or URL, or None for anything that cannot be one."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None  # int() refuses over 4300 digits; no id has more than 19
    number = int(text)
    return number if 0 < number <= MAX_ROW_ID else None


def synchronous_mode() -> str:
    """How hard SQLite pushes each commit to the disk: `DOORSTEP_SYNCHRONOUS`, default FULL.

    In WAL mode both NORMAL and FULL survive a crash of Doorstep itself (kill -9, an out of
    memory kill: tests/test_crash.py) with nothing lost and nothing corrupted. They differ
    only when the whole machine stops (power cut, hypervisor reset): NORMAL syncs the WAL
    at checkpoints only, so the last commits before the cut can vanish although the person
    at the desk was told "on loan until ..."; FULL syncs the WAL at every commit, so an
    acknowledged loan, signature or giveaway is on the disk. Measured on the development
    VM (ext4 on a virtual disk): a bare commit takes 0.02 ms with NORMAL and 0.33 ms with
    FULL; through gunicorn with 50 clients writing flat out (bench_load.py), FULL managed
    155-182 check-outs a second against NORMAL's 222-235, and 204-217 kiosk tickets against
    297-338. A library makes a few writes a second at its busiest, so FULL still leaves
    fifty times that in hand, and costs nothing anyone notices. A council on slow network
    storage can choose NORMAL knowingly. OFF is refused: a power cut can corrupt the file."""
    mode = os.environ.get(SYNCHRONOUS_ENV, DEFAULT_SYNCHRONOUS).strip().upper()
    if mode not in SYNCHRONOUS_MODES:
        raise ValueError(f"{SYNCHRONOUS_ENV} must be one of {', '.join(SYNCHRONOUS_MODES)}, "
                         f"not {mode!r}.")
    return mode


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database the way every part of Doorstep expects it.

    `isolation_level=None` stops Python's sqlite3 from opening hidden transactions, so a
    transaction is open only where the code says so (`write_transaction` or `db.atomic()`).
    The busy timeout makes a writer wait its turn for the lock instead of failing; it only
    helps a transaction that asks for the lock first (`write_transaction`), see there.
    """
    synchronous = synchronous_mode()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")  # erased personal data is zeroed, not left behind
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return sqlite_utils.Database(conn)


def first(rows) -> dict | None:
    """The first row of a query or `rows_where`, or None when there is none."""
    return next(iter(rows), None)


def made_for_request(db, table: str, request_id: str | None) -> int | None:
    """The id of the row a one-time form id already made in `table` (a double tap or a
    second tab sends it again), or None. `table` is always a constant from the caller."""
    if not request_id:
        return None
    made = db.execute(f"select id from {table} where request_id = ?",  # noqa: S608
                      [request_id]).fetchone()
    return made[0] if made else None


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
    Inside an open transaction it simply joins it, so rules can build on each other.

    Why not a plain (deferred) transaction: in WAL mode one that reads first and then
    writes gets SQLITE_BUSY ("database is locked") at once, without waiting out the busy
    timeout, when another connection holds the write lock or has committed since its
    read. BEGIN IMMEDIATE waits for the lock before it reads anything, so it never does.
    A single write statement outside a transaction (a session's last-seen touch) is safe:
    SQLite takes the write lock for it before it reads.

    Why the threads of one process queue on `_WRITER` first: SQLite's busy handler does
    not queue waiters, it polls (every 100 ms after the first few tries), and a steady
    stream of writers can starve a poller past the busy timeout. Load testing found it:
    50 clients lending through 8 threads, 2 to 3 check-outs in 10,000 failed with
    "database is locked" after 5 s, and the slowest took 4 to 6 s. Queued here, threads
    take turns in order and only one per gunicorn worker polls SQLite's lock: none of
    15,000 failed and the slowest took 2.8 s, on the same busy machine."""
    if db.conn.in_transaction:
        yield db
        return
    if not _WRITER.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked (waiting for this process's writer)")
    try:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")
    finally:
        _WRITER.release()


def migrate_database(path: str | Path) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date)."""
    db = connect(path)
    try:
        pending = [m.name for m in migrations.doorstep.pending(db)]
        migrations.doorstep.apply(db)
        return pending
    finally:
        db.conn.close()


def pending_migrations(path: str | Path) -> list[str]:
    db = connect(path)
    try:
        return [m.name for m in migrations.doorstep.pending(db)]
    finally:
        db.conn.close()


@click.command("migrate")
@click.option("--backup-first", is_flag=True,
              help="Take a checked backup first when there is something to apply.")
@with_appcontext
def migrate_command(backup_first):
    """Bring the database schema up to date."""
    path = current_app.config["DATABASE"]
    if backup_first and Path(path).is_file() and pending_migrations(path):
        import backup  # backup builds on this module

        try:
            made = backup.backup(path, backup.default_directory(path), suffix="-before-migrate")
        except backup.BackupError as e:
            raise click.ClickException(f"Not migrating: {e}") from None
        click.echo(f"Backed up to {made.path} before migrating.")
    applied = migrate_database(path)
    if applied:
        click.echo("Applied: " + ", ".join(applied))
    else:
        click.echo("Database is up to date.")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(migrate_command)
