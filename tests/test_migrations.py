"""The schema: built from blank, idempotent, and reachable from a database at any older step."""

import sqlite3

import pytest
import sqlite_utils

import db as dbmod
import migrations

TABLES = {"venues", "users", "user_sessions", "kiosks", "topics", "tickets", "ticket_topics",
          "audit_log", "device_kinds", "devices", "partners", "borrowers", "loan_agreements",
          "loans", "loan_reminders", "label_offsets", "settings", "session_series", "sessions",
          "volunteer_shifts", "volunteer_profiles", "volunteer_venues", "volunteer_training",
          "skill_tasks", "learners", "skill_records", "referrals", "eligibility_rule_sets",
          "sim_batches", "sims", "sim_giveaways", "donations", "refurb_devices",
          "refurb_allocations", "carbon_factor_sets", "carbon_factors", "referral_flags",
          "loan_referrals", "loan_referral_flags", "interest_registrations"}
ALL_MIGRATIONS = [m.name for m in migrations.doorstep.pending(sqlite_utils.Database(memory=True))]


def schema(database) -> list[tuple]:
    """Everything that defines the schema, in a stable order."""
    return [tuple(r) for r in database.execute(
        "select type, name, tbl_name, sql from sqlite_master "
        "where substr(name, 1, 7) != 'sqlite_' order by type, name")]


def contents(database) -> dict[str, list[tuple]]:
    return {t: [tuple(r) for r in database[t].rows] for t in database.table_names()}


@pytest.fixture
def blank(tmp_path):
    database = dbmod.connect(tmp_path / "blank.db")
    yield database
    database.conn.close()


def test_migrations_are_registered_in_order():
    assert ALL_MIGRATIONS, "at least one migration"
    assert ALL_MIGRATIONS[0] == "m001_foundation"
    assert sorted(ALL_MIGRATIONS) == ALL_MIGRATIONS
    assert all(name[:1] == "m" and name[1:4].isdigit() for name in ALL_MIGRATIONS)


def test_a_blank_database_gets_every_table(blank):
    assert blank.table_names() == []
    migrations.doorstep.apply(blank)
    assert set(blank.table_names()) >= TABLES
    assert migrations.doorstep.pending(blank) == []
    assert [m.name for m in migrations.doorstep.applied(blank)] == ALL_MIGRATIONS
    # Reference data is there from the start: the kiosk needs topics to offer.
    assert blank["topics"].count >= 5
    assert blank["tickets"].count == 0


def test_applying_twice_changes_nothing(blank):
    migrations.doorstep.apply(blank)
    before_schema, before_rows = schema(blank), contents(blank)
    migrations.doorstep.apply(blank)
    assert schema(blank) == before_schema
    assert contents(blank) == before_rows
    assert sorted(blank.table_names()) == sorted(TABLES | {"_sqlite_migrations"})


def test_migrate_database_reports_what_it_applied(tmp_path):
    path = tmp_path / "cli.db"
    assert dbmod.migrate_database(path) == ALL_MIGRATIONS
    assert dbmod.migrate_database(path) == []


@pytest.mark.parametrize("stop_before", ALL_MIGRATIONS)
def test_an_old_database_upgrades_cleanly(tmp_path, stop_before):
    reference = dbmod.connect(tmp_path / "reference.db")
    migrations.doorstep.apply(reference)

    old = dbmod.connect(tmp_path / "old.db")
    migrations.doorstep.apply(old, stop_before=stop_before)
    pending = [m.name for m in migrations.doorstep.pending(old)]
    assert pending == ALL_MIGRATIONS[ALL_MIGRATIONS.index(stop_before):]
    # An old database in use has people and places in it; they must survive the upgrade.
    kept = {}
    if "venues" in old.table_names():
        kept["venues"] = old["venues"].insert({"name": "Wigan Library"}).last_pk

    migrations.doorstep.apply(old)
    assert migrations.doorstep.pending(old) == []
    assert schema(old) == schema(reference)
    for table, pk in kept.items():
        assert old[table].get(pk)
    old.conn.close()
    reference.conn.close()


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    database = dbmod.connect(tmp_path / "pragmas.db")
    assert database.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert database.execute("pragma foreign_keys").fetchone()[0] == 1
    assert database.execute("pragma busy_timeout").fetchone()[0] == dbmod.BUSY_TIMEOUT_MS
    assert database.conn.isolation_level is None  # no hidden transactions


def test_foreign_keys_are_enforced(tmp_path):
    database = dbmod.connect(tmp_path / "fk.db")
    migrations.doorstep.apply(database)
    with pytest.raises(sqlite3.IntegrityError):
        database["tickets"].insert({"venue_id": 999, "number": 1, "day": "2026-11-23",
                                    "code": "abc", "source": "kiosk", "status": "waiting",
                                    "created_at": "2026-11-23T10:00:00+00:00"})
    assert database["tickets"].count == 0


def test_the_request_connection_has_the_same_pragmas(app):
    with app.app_context():
        database = dbmod.get_db()
        assert database.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert database.execute("pragma foreign_keys").fetchone()[0] == 1
        assert dbmod.get_db() is database
