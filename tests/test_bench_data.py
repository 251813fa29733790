"""The benchmark's big borough, built tiny: a sound database in the shape the rules make."""

from datetime import date

import pytest

import bench_data
import db as dbmod

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    counts = bench_data.build(path, seed=1, scale=0.001, today=TODAY)
    database = dbmod.connect(path)
    yield counts, database
    database.conn.close()


def test_the_database_is_sound(built):
    _, database = built
    assert database.execute("pragma integrity_check").fetchall() == [("ok",)]
    assert database.execute("pragma foreign_key_check").fetchall() == []


def test_counts_are_in_proportion(built):
    counts, database = built
    for table, n in counts.items():
        assert database[table].count == n, table
    assert counts["tickets"] == 1000
    assert counts["audit_log"] == 1000
    assert counts["learners"] == 100
    assert counts["loans"] == 200
    assert counts["sims"] == 30 and counts["sim_giveaways"] == 25
    assert counts["refurb_allocations"] <= counts["refurb_devices"]
    assert len(bench_data.VENUES) == counts["venues"] == 20
    assert 10_000 < counts["sessions"] < 10_600  # weekly at 20 venues for 10 years, unscaled
    assert counts["tickets"] < counts["ticket_topics"] < 2 * counts["tickets"]


def test_rows_look_like_what_the_rules_make(built):
    _, database = built
    q = lambda sql: database.execute(sql).fetchone()[0]  # noqa: E731
    assert q("select min(day) from tickets") >= "2016-11-23"
    assert q("select max(day) from tickets") <= TODAY.isoformat()
    assert q("select count(*) from tickets where substr(created_at, 1, 10) != day") == 0
    assert q("select count(*) from tickets where status not in ('done', 'left')") == 0
    assert q("select count(*) from tickets where status = 'done'") > 800
    assert 0.5 < q("select avg(learner_id is not null) from tickets") < 0.7
    assert q("select count(*) from loans where closed_at is null") >= 1
    assert q("select count(*) from (select device_id from loans where closed_at is null "
             "group by device_id having count(*) > 1)") == 0
    assert q("select count(*) from sims where status = 'given'") == q(
        "select count(*) from sim_giveaways")
    assert q("select count(*) from volunteer_shifts where signed_out_at is null") == 0
    assert q("select count(*) from users where role = 'volunteer'") == bench_data.VOLUNTEERS


def test_the_same_seed_builds_the_same_rows(tmp_path, built):
    _, database = built
    other = tmp_path / "again.db"
    bench_data.build(other, seed=1, scale=0.001, today=TODAY)
    again = dbmod.connect(other)
    try:
        for table in ("tickets", "loans", "learners", "audit_log"):
            assert list(again[table].rows) == list(database[table].rows), table
    finally:
        again.conn.close()
