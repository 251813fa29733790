"""Carbon factors are versioned: a new version never changes an old one, and every savings
figure says which version produced it. Recycled devices count only their weight."""

import pytest

import lending
from audit import Actor
from giveaways import carbon, refurb
from tests.test_refurb import BENEFIT, donate, ready
from validation import InvalidInput

ACTOR = Actor(None, "test")


def new_version(db, **changes):
    form = carbon.factor_form(carbon.current_set(db))
    form.update({"source": "WRAP re-use tool, 2027 edition", "source_date": "2027-01-15"}
                | changes)
    return carbon.save_factor_set(db, ACTOR, form)


def test_version_1_ships_with_the_referenced_defaults(db):
    current = carbon.current_set(db)
    assert current["version"] == 1 and "Boavizta" in current["source"]
    assert current["factors"]["laptop"]["co2e_kg"] == 248
    assert current["factors"]["desktop"]["landfill_kg"] == 7.6


def test_a_new_version_leaves_the_old_one_untouched(db):
    before = carbon.get_set(db, 1)
    assert new_version(db, co2e_laptop="316") == 2
    assert carbon.get_set(db, 1) == before
    assert carbon.current_set(db)["factors"]["laptop"]["co2e_kg"] == 316
    assert [s["version"] for s in carbon.factor_sets(db)] == [2, 1]
    assert db["audit_log"].count_where("action = 'carbon_factors.create'") == 1


@pytest.mark.parametrize("changes, field", [
    ({"co2e_laptop": "-5"}, "co2e_laptop"),
    ({"landfill_tablet": "heavy"}, "landfill_tablet"),
    ({"co2e_phone": "1e9"}, "co2e_phone"),
    ({"source": " "}, "source"),
    ({"source_date": "last year"}, "source_date"),
])
def test_bad_factors_save_nothing(db, changes, field):
    with pytest.raises(InvalidInput) as e:
        new_version(db, **changes)
    assert field in e.value.errors
    assert db["carbon_factor_sets"].count == 1


def test_savings_state_their_version_and_differ_between_versions(db):
    ids = donate(db, laptop=2, tablet=1)
    for i in ids:
        ready(db, i)
    refurb.allocate(db, ACTOR, ids[0], "sold", BENEFIT)
    refurb.allocate(db, ACTOR, ids[1], "gifted", {"gift_reason": "other", "referrer": "GP"})
    refurb.allocate(db, ACTOR, ids[2], "lent", {})
    new_version(db, co2e_laptop="69", landfill_laptop="2")
    today = lending.today()
    v1 = carbon.savings(db, today, today, version=1)
    v2 = carbon.savings(db, today, today)
    assert (v1["version"], v2["version"]) == (1, 2)
    assert "Boavizta" in v1["source"] and v2["source_date"] == "2027-01-15"
    assert v1["total"]["co2e_kg"] == 2 * 248 + 67
    assert v2["total"]["co2e_kg"] == 2 * 69 + 67
    assert v2["total"]["landfill_kg"] == pytest.approx(2 * 2 + 0.7)
    assert v1["total"]["reused"] == 3


def test_recycled_devices_count_only_their_weight(db):
    ids = donate(db, desktop=1, laptop=1)
    refurb.allocate(db, ACTOR, ids[0], "recycled", {"weight_kg": "9.25", "recycler": "R"})
    refurb.allocate(db, ACTOR, ids[1], "recycled", {"weight_kg": "1.5", "recycler": "R"})
    today = lending.today()
    saved = carbon.savings(db, today, today)
    assert saved["total"] == {"reused": 0, "recycled": 2, "recycled_kg": 10.75,
                              "co2e_kg": 0, "landfill_kg": 10.75}


def test_devices_outside_the_period_do_not_count(db):
    ready(db, donate(db, laptop=1)[0])
    refurb.allocate(db, ACTOR, 1, "sold", BENEFIT)
    saved = carbon.savings(db, lending.date(2020, 4, 1), lending.date(2021, 3, 31))
    assert saved["total"]["co2e_kg"] == 0 and saved["rows"] == []
