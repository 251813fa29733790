"""`flask backup` and `flask restore`: copies of the live database that are known to be good.

A backup is taken with SQLite's online backup API while Doorstep keeps running: the copy is
one consistent moment (a loan and its audit entry are both in it, or neither), written
under a temporary name and renamed only once `integrity_check` has passed. A restore refuses
anything that is not a sound Doorstep database, keeps a safety copy of what it replaces,
writes through the same API (so nobody ever reads a half-copied file) and then migrates.

Continuous replication is Litestream's job (deploy/litestream.yml); these commands are the
nightly copy a person can pick up, check and put back.
"""

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlite_utils
from flask import current_app
from flask.cli import with_appcontext

import db as dbmod
import migrations

STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(r"doorstep-(\d{8}T\d{6}Z)(?:-(\d+))?\.db")  # what --keep may prune
MIGRATIONS_TABLE = "_sqlite_migrations"


class BackupError(Exception):
    """A copy that cannot be made, or a file that must not be restored; says why."""


@dataclass
class Check:
    """What SQLite says about a database file."""

    path: Path
    size: int
    integrity: str  # "ok", or SQLite's first complaints
    foreign_key_problems: int
    migrations: list[str]  # applied, oldest first; empty: not a Doorstep database

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.foreign_key_problems == 0


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           timeout=dbmod.BUSY_TIMEOUT_MS / 1000)


def check(path: str | Path) -> Check:
    """integrity_check, foreign_key_check and the migrations a file has, opened read-only.
    Raises BackupError when it is not an SQLite database at all."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    try:
        conn = _open_read_only(path)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            has_migrations = conn.execute(
                "select 1 from sqlite_master where type = 'table' and name = ?",
                [MIGRATIONS_TABLE]).fetchone()
            applied = [r[0] for r in conn.execute(
                "select name from _sqlite_migrations where migration_set = ? order by id",
                [migrations.doorstep.name])] if has_migrations else []
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        if "malformed" in str(e):
            raise BackupError(f"{path} is damaged ({e}).") from None
        raise BackupError(f"{path} is not a readable SQLite database ({e}).") from None
    return Check(path, path.stat().st_size, "; ".join(problems), len(fk), applied)


def _stamped(directory: Path, now: datetime, suffix: str = "") -> Path:
    """doorstep-<UTC stamp>[suffix].db in `directory`, never an existing file's name."""
    stem = f"doorstep-{now.strftime(STAMP)}{suffix}"
    path, n = directory / f"{stem}.db", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}.db"
    return path


def default_directory(database: str | Path) -> Path:
    """backups/ next to the database: instance/backups for the default instance/doorstep.db."""
    return Path(database).resolve().parent / "backups"


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    """One-step online backup into a new file: the copy is a single consistent snapshot
    even while others write (WAL readers never block writers, nor they us)."""
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)  # pages=-1: the whole database in one read transaction
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
    finally:
        target.close()


def backup(database: str | Path, dest: str | Path | None = None,
           now: datetime | None = None, suffix: str = "") -> Check:
    """Copy the live database to `dest` (a directory, default backups/ beside it, or a
    file name), check the copy, and return the check. A copy that fails its check is
    kept under a `.failed` name for inspection and BackupError is raised."""
    database = Path(database)
    if not database.is_file():
        raise BackupError(f"There is no database at {database}.")
    now = now or datetime.now(UTC)
    dest = Path(dest) if dest else default_directory(database)
    if dest.suffix == ".db" and not dest.is_dir():
        directory, final = dest.parent, dest
    else:
        directory, final = dest, None
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = final or _stamped(directory, now, suffix)
    partial = final.with_name(final.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=dbmod.BUSY_TIMEOUT_MS / 1000)
    try:
        old_umask = os.umask(0o077)  # personal data: readable by the service account only
        try:
            _copy(source, partial)
        finally:
            os.umask(old_umask)
    finally:
        source.close()
    result = check(partial)
    if not result.ok:
        failed = final.with_name(final.name + ".failed")
        partial.replace(failed)
        raise BackupError(f"The copy at {failed} failed its check ({_words(result)}). The live "
                          "database may be damaged: restore the last good backup.")
    partial.replace(final)  # the final name only ever holds a checked copy
    result.path = final
    return result


def prune(directory: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` stamped backups (doorstep-<stamp>.db) in a
    directory. Safety copies taken before a restore or migration are never pruned."""
    found = sorted((p for p in Path(directory).iterdir() if NAME.fullmatch(p.name)),
                   key=lambda p: (NAME.fullmatch(p.name)[1], int(NAME.fullmatch(p.name)[2] or 1)))
    doomed = found[:-keep] if keep > 0 else found
    for path in doomed:
        path.unlink()
    return doomed


def restore(source: str | Path, database: str | Path,
            now: datetime | None = None) -> dict:
    """Put a backup back as the live database. Refuses (BackupError) a file that fails
    its checks, is not a Doorstep database, or was made by a newer Doorstep; otherwise
    takes a safety copy of the live database first, copies the backup in with the
    backup API (inside one write transaction on the live file, so a reader sees the old
    database or the restored one, never a mixture), then applies newer migrations."""
    source, database = Path(source), Path(database)
    found = check(source)
    if not found.migrations:
        raise BackupError(f"{source} is not a Doorstep database (it has no "
                          f"{MIGRATIONS_TABLE} table). Nothing was changed.")
    if not found.ok:
        raise BackupError(f"{source} failed its check ({_words(found)}). Nothing was changed.")
    known = [m.name for m in migrations.doorstep.pending(sqlite_utils.Database(memory=True))]
    unknown = [name for name in found.migrations if name not in known]
    if unknown:
        raise BackupError(f"{source} was made by a newer Doorstep (it has {', '.join(unknown)}). "
                          "Upgrade Doorstep first. Nothing was changed.")
    safety = None
    if database.is_file():
        safety = backup(database, default_directory(database), now, suffix="-before-restore")
    backup_conn = _open_read_only(source)
    live = sqlite3.connect(database, timeout=dbmod.BUSY_TIMEOUT_MS / 1000)
    try:
        live.execute(f"PRAGMA busy_timeout={dbmod.BUSY_TIMEOUT_MS}")
        backup_conn.backup(live)
    except sqlite3.OperationalError as e:
        raise BackupError(f"Could not write {database} ({e}). Nothing was changed; if "
                          "Doorstep is busy, stop it and try again.") from None
    finally:
        live.close()
        backup_conn.close()
    applied = dbmod.migrate_database(database)  # also puts the live file back in WAL mode
    after = check(database)
    return {"source": found, "safety": safety, "applied": applied, "after": after}


def _words(result: Check) -> str:
    words = [f"integrity_check: {result.integrity}"]
    if result.foreign_key_problems:
        words.append(f"{result.foreign_key_problems} rows point at rows that do not exist")
    return "; ".join(words)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


@click.command("backup")
@click.argument("dest", required=False, type=click.Path(path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Then delete all but the newest N stamped backups in that folder.")
@click.option("--if-exists", is_flag=True,
              help="Say so and succeed when there is no database yet (first start).")
@with_appcontext
def backup_command(dest, keep, if_exists):
    """Back up the live database (safe while Doorstep runs) and check the copy.

    DEST is a folder (default: backups/ beside the database) or a file name ending .db."""
    database = Path(current_app.config["DATABASE"])
    if if_exists and not database.is_file():
        click.echo(f"No database yet at {database}: nothing to back up.")
        return
    try:
        result = backup(database, dest)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Backed up {database}\n"
               f"       to {result.path}\n"
               f"     size {_size(result.size)}\n"
               f"  integrity_check ok, foreign_key_check ok, "
               f"{len(result.migrations)} migrations")
    if keep:
        gone = prune(result.path.parent, keep)
        click.echo(f"Kept the newest {keep} backups; deleted {len(gone)} older"
                   + (": " + ", ".join(p.name for p in gone) if gone else "."))


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source, yes):
    """Replace the live database with a backup, after checking it (a safety copy of
    the current database is taken first)."""
    database = Path(current_app.config["DATABASE"])
    if not yes:
        click.confirm(f"Replace {database} with {source}? A safety copy is taken first.",
                      abort=True)
    try:
        done = restore(source, database)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    found, safety = done["source"], done["safety"]
    click.echo(f"Checked {source}: integrity_check ok, foreign_key_check ok, "
               f"{len(found.migrations)} migrations, {_size(found.size)}.")
    click.echo(f"Safety copy of the database it replaced: {safety.path}" if safety
               else "There was no database before: nothing to keep a copy of.")
    click.echo(f"Restored into {database}.")
    click.echo("Applied newer migrations: " + ", ".join(done["applied"]) if done["applied"]
               else "Its schema is already current: no migrations needed.")
    click.echo(f"integrity_check after restore: {done['after'].integrity}.")


def init_app(app) -> None:
    """Register the backup and restore commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
