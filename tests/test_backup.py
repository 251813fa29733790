"""`flask backup` and `flask restore`, rehearsed: what comes back is exactly what was backed
up; a damaged or foreign file is refused and the live database is left alone; a backup
taken while others write is one consistent moment."""

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils

import backup
import db as dbmod
import help_desk
import lending
import migrations
from audit import Actor
from tests.conftest import SYSTEM


def dump(path) -> dict:
    """Every row of every table, in a stable order: two equal dumps are the same data."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
            "order by name")]
        return {t: sorted(map(repr, conn.execute(f'select * from "{t}"')))  # noqa: S608
                for t in tables}
    finally:
        conn.close()


def some_work(db, venue, n=3, name="Mary") -> None:
    for _ in range(n):
        help_desk.create_ticket(db, venue, "email", name, SYSTEM)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_backup_checks_the_copy_and_says_where_it_is(app, db, venue, cli, tmp_path):
    some_work(db, venue)
    result = cli("backup")
    assert result.exit_code == 0, result.output
    made = list((tmp_path / "backups").glob("doorstep-*.db"))
    assert len(made) == 1
    assert str(made[0]) in result.output
    assert "integrity_check ok, foreign_key_check ok" in result.output
    assert "size" in result.output
    assert made[0].stat().st_mode & 0o077 == 0  # personal data: the service account only
    assert dump(made[0]) == dump(app.config["DATABASE"])
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_restore_brings_back_exactly_the_backed_up_data(app, db, venue, staff, cli, tmp_path):
    some_work(db, venue)
    device = lending.add_device(db, SYSTEM, {"kind": "tablet"})
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Joseph"})
    due = (lending.today() + timedelta(days=14)).isoformat()
    lending.check_out(db, Actor(staff, "Sam"), device, borrower_id=borrower, due_on=due,
                      signature="[[[10, 10], [50, 40]]]")
    assert cli("backup", str(tmp_path / "nightly")).exit_code == 0
    (copy,) = (tmp_path / "nightly").glob("doorstep-*.db")
    backed_up = dump(app.config["DATABASE"])

    some_work(db, venue, name="Later")  # more changes after the backup
    lending.check_in(db, Actor(staff, "Sam"), device,
                     list(lending.checklist_for(db, lending.get_device(db, device))))
    assert dump(app.config["DATABASE"]) != backed_up

    result = cli("restore", "--yes", str(copy))
    assert result.exit_code == 0, result.output
    assert "Restored into" in result.output
    assert "Safety copy of the database it replaced" in result.output
    assert dump(app.config["DATABASE"]) == backed_up
    assert db["tickets"].count_where("name = 'Later'") == 0
    assert lending.get_device(db, device)["status"] == "on_loan"
    # the safety copy holds what the restore replaced, and the live file is WAL again
    (safety,) = (tmp_path / "backups").glob("doorstep-*-before-restore.db")
    assert sqlite_utils.Database(safety)["tickets"].count_where("name = 'Later'") == 3
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("make_bad", ["damaged", "inconsistent", "not_sqlite", "not_doorstep",
                                      "newer"])
def test_restore_refuses_a_bad_file_and_leaves_the_live_database_alone(
        app, db, venue, cli, tmp_path, make_bad):
    some_work(db, venue)
    assert cli("backup", str(tmp_path / "good.db")).exit_code == 0
    bad = tmp_path / "bad.db"
    if make_bad == "damaged":
        data = bytearray((tmp_path / "good.db").read_bytes())
        page = 4096
        for offset in range(2 * page, len(data) - page, page):  # scribble on every page
            data[offset + 100:offset + 600] = b"\xde\xad\xbe\xef" * 125
        bad.write_bytes(bytes(data))
    elif make_bad == "inconsistent":  # an index that disagrees with its table
        (tmp_path / "good.db").rename(bad)
        broken = sqlite3.connect(bad)
        broken.execute("pragma writable_schema = on")
        broken.execute("update sqlite_master set sql = 'CREATE UNIQUE INDEX idx_tickets_code "
                       "ON tickets(name)' where name = 'idx_tickets_code'")
        broken.commit()
        broken.close()
    elif make_bad == "not_sqlite":
        bad.write_text("name,phone\nMary,07700 900123\n")
    elif make_bad == "not_doorstep":
        other = sqlite3.connect(bad)
        other.execute("create table notes(text)")
        other.commit()
        other.close()
    else:
        (tmp_path / "good.db").rename(bad)
        newer = sqlite3.connect(bad)
        newer.execute("insert into _sqlite_migrations(migration_set, name, applied_at) "
                      "values ('doorstep', 'm999_from_the_future', '2030-01-01')")
        newer.commit()
        newer.close()
    before = dump(app.config["DATABASE"])

    result = cli("restore", "--yes", str(bad))
    assert result.exit_code != 0
    assert {"damaged": "is damaged", "inconsistent": "failed its check (integrity_check: row",
            "not_sqlite": "not a readable SQLite database",
            "not_doorstep": "not a Doorstep database",
            "newer": "newer Doorstep"}[make_bad] in result.output
    assert dump(app.config["DATABASE"]) == before
    assert not (tmp_path / "backups").exists()  # refused before any safety copy was made


def test_a_backup_taken_while_another_thread_writes_is_one_consistent_moment(
        app, venue, tmp_path):
    """Each ticket and its audit entry are written in one transaction; in every copy the
    two counts agree, whatever moment the copy caught."""
    stop = threading.Event()
    written = []

    def writer():
        conn = dbmod.connect(app.config["DATABASE"])
        while not stop.is_set():
            written.append(help_desk.create_ticket(conn, venue, "email", "Busy", SYSTEM)["id"])
        conn.conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for n in range(5):
            while len(written) < 20 * (n + 1):  # let some writes land between copies
                stop.wait(0.001)
            copies.append(backup.backup(app.config["DATABASE"], tmp_path / f"copy{n}.db"))
    finally:
        stop.set()
        thread.join()
    counts = []
    for made in copies:
        assert made.ok
        copy = sqlite_utils.Database(made.path)
        tickets = copy["tickets"].count
        assert tickets == copy["audit_log"].count_where("action = 'ticket.create'")
        counts.append(tickets)
        copy.close()
    assert counts == sorted(counts) and counts[0] >= 20


def test_restore_while_a_reader_is_open_never_shows_a_mixture(app, db, venue, tmp_path):
    """A reader mid-transaction keeps seeing the old database; the next one sees the
    restored one. Nobody reads a half-copied file."""
    some_work(db, venue, n=2)
    copy = backup.backup(app.config["DATABASE"], tmp_path / "two.db").path
    some_work(db, venue, n=5, name="After")
    reader = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    reader.execute("begin")
    assert reader.execute("select count(*) from tickets").fetchone()[0] == 7
    backup.restore(copy, app.config["DATABASE"])
    assert reader.execute("select count(*) from tickets").fetchone()[0] == 7  # its snapshot
    reader.execute("commit")
    assert reader.execute("select count(*) from tickets").fetchone()[0] == 2
    reader.close()


def test_an_older_backup_is_migrated_when_restored(app, db, cli, tmp_path):
    old_path = tmp_path / "old.db"
    old = sqlite_utils.Database(old_path)
    migrations.doorstep.apply(old, stop_before="m007_data_protection")
    old["venues"].insert({"name": "Wigan Library"})
    old.close()

    result = cli("restore", "--yes", str(old_path))
    assert result.exit_code == 0, result.output
    assert "Applied newer migrations: m007_data_protection" in result.output
    assert migrations.doorstep.pending(db) == []
    assert [v["name"] for v in db["venues"].rows] == ["Wigan Library"]


def test_keep_prunes_only_the_oldest_stamped_backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    names = ["doorstep-20261101T020000Z.db", "doorstep-20261102T020000Z.db",
             "doorstep-20261102T020000Z-2.db", "doorstep-20261103T020000Z.db",
             "doorstep-20261101T000000Z-before-restore.db", "notes.db"]
    for name in names:
        (folder / name).write_text("x")
    gone = backup.prune(folder, keep=2)
    assert sorted(p.name for p in gone) == ["doorstep-20261101T020000Z.db",
                                            "doorstep-20261102T020000Z.db"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "doorstep-20261101T000000Z-before-restore.db", "doorstep-20261102T020000Z-2.db",
        "doorstep-20261103T020000Z.db", "notes.db"]


def test_two_backups_in_one_second_both_keep_their_own_file(app, db, tmp_path):
    when = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    first = backup.backup(app.config["DATABASE"], tmp_path / "b", now=when).path
    second = backup.backup(app.config["DATABASE"], tmp_path / "b", now=when).path
    assert first != second and first.exists() and second.exists()


def test_backup_with_no_database_yet(tmp_path):
    from tests.conftest import make_app
    app = make_app(tmp_path)
    app.config["DATABASE"] = str(tmp_path / "missing" / "doorstep.db")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "--if-exists"]).exit_code == 0
    result = runner.invoke(args=["backup"])
    assert result.exit_code != 0 and "There is no database" in result.output


def test_migrate_backup_first_copies_the_database_only_when_there_is_something_to_apply(
        tmp_path):
    """deploy/start.sh runs `flask migrate --backup-first` at every start: a copy is taken
    before a schema change, and none on an ordinary restart."""
    from tests.conftest import make_app
    path = tmp_path / "doorstep.db"
    old = sqlite_utils.Database(path)
    migrations.doorstep.apply(old, stop_before="m007_data_protection")
    old.close()
    app = make_app(tmp_path / "unused")
    app.config["DATABASE"] = str(path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["migrate", "--backup-first"])
    assert result.exit_code == 0, result.output
    (copy,) = (tmp_path / "backups").glob("doorstep-*-before-migrate.db")
    assert f"Backed up to {copy} before migrating." in result.output
    assert "m007_data_protection" not in backup.check(copy).migrations
    assert "Applied: m007_data_protection" in result.output
    again = runner.invoke(args=["migrate", "--backup-first"])
    assert "up to date" in again.output
    assert len(list((tmp_path / "backups").iterdir())) == 1
