"""Donated devices through wipe and refurbishment to sale, gift, loan or recycling: the
rules, including the one the database backs up (no sale or gift without a wipe)."""

import json
import sqlite3

import pytest

import learners
import lending
from audit import Actor, history
from giveaways import refurb
from validation import InvalidInput

ACTOR = Actor(None, "test")
BENEFIT = {"ticks": ["universal_credit"], "payment_method": "cash"}


def donate(db, **counts):
    form = {"donor": "Wigan & Leigh Housing", "donor_kind": "housing_association",
            "received_on": "2026-11-02"}
    form.update({f"count_{k}": str(n) for k, n in counts.items()})
    donation = refurb.record_donation(db, ACTOR, form)
    return [d["id"] for d in refurb.donation_devices(db, donation)]


def ready(db, refurb_id):
    refurb.record_wipe(db, ACTOR, refurb_id, "blancco", "BL-2026-0042")
    refurb.record_refurb(db, ACTOR, refurb_id, "B", "New battery", "linux_mint")
    refurb.mark_ready(db, ACTOR, refurb_id)
    return refurb_id


@pytest.fixture
def laptop(db):
    return donate(db, laptop=1)[0]


def stage(db, refurb_id):
    return refurb.get_device(db, refurb_id)["stage"]


def test_a_donation_with_counts_makes_one_tagged_device_each(db):
    ids = donate(db, laptop=5, tablet=2)
    rows = [refurb.get_device(db, i) for i in ids]
    assert [r["asset_tag"] for r in rows] == [f"REF-{n:04d}" for n in range(1, 8)]
    assert sorted(r["kind"] for r in rows) == ["laptop"] * 5 + ["tablet"] * 2
    assert {r["stage"] for r in rows} == {"received"}
    assert db["donations"].count == 1
    assert [h["action"] for h in history(db, "refurb_devices", ids[0])] == ["refurb.receive"]


def test_tags_skip_numbers_taken_in_the_lending_library(db):
    lending.add_device(db, ACTOR, {"kind": "laptop", "asset_tag": "REF-0009"})
    assert refurb.get_device(db, donate(db, phone=1)[0])["asset_tag"] == "REF-0010"


@pytest.mark.parametrize("form, field", [
    ({}, "devices"),
    ({"count_laptop": "0"}, "devices"),
    ({"count_laptop": "-2"}, "count_laptop"),
    ({"count_laptop": "2.5"}, "count_laptop"),
    ({"count_laptop": "201"}, "count_laptop"),
])
def test_a_donation_needs_sensible_counts_and_writes_nothing_otherwise(db, form, field):
    base = {"donor": "Acme", "donor_kind": "business", "received_on": "2026-11-02"}
    with pytest.raises(InvalidInput) as e:
        refurb.record_donation(db, ACTOR, base | form)
    assert field in e.value.errors
    assert db["donations"].count == 0 and db["refurb_devices"].count == 0


def test_the_pipeline_goes_in_order(db, laptop):
    with pytest.raises(refurb.Conflict):
        refurb.record_refurb(db, ACTOR, laptop, "A", "", "linux_mint")
    with pytest.raises(refurb.Conflict):
        refurb.mark_ready(db, ACTOR, laptop)
    with pytest.raises(InvalidInput) as e:
        refurb.record_wipe(db, ACTOR, laptop, "blancco", "  ")
    assert e.value.errors == {"certificate": "Please fill in the wipe certificate reference."}
    ready(db, laptop)
    with pytest.raises(refurb.Conflict):
        refurb.record_wipe(db, ACTOR, laptop, "blancco", "again")
    device = refurb.get_device(db, laptop)
    assert (device["stage"], device["wipe_certificate"], device["grade"]) == (
        "ready", "BL-2026-0042", "B")
    actions = [h["action"] for h in history(db, "refurb_devices", laptop)]
    assert actions == ["refurb.receive", "refurb.wiped", "refurb.refurbished", "refurb.ready"]


@pytest.mark.parametrize("outcome", ["sold", "gifted", "lent"])
def test_nothing_leaves_before_its_wipe_is_recorded(db, laptop, outcome):
    form = BENEFIT | {"gift_reason": "care_leaver", "referrer": "Leaving care team"}
    with pytest.raises(refurb.Conflict, match="Record the data wipe first"):
        refurb.allocate(db, ACTOR, laptop, outcome, form)
    assert stage(db, laptop) == "received" and db["refurb_allocations"].count == 0


@pytest.mark.parametrize("stage_name", ["wiped", "refurbished", "ready", "sold", "gifted",
                                        "lent"])
def test_the_database_refuses_a_later_stage_without_a_wipe(db, laptop, stage_name):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("update refurb_devices set stage = ? where id = ?", [stage_name, laptop])
    db.execute("update refurb_devices set stage = 'recycled' where id = ?", [laptop])


def test_selling_at_the_standard_price_to_an_eligible_resident(db, laptop):
    ready(db, laptop)
    allocation = refurb.allocate(db, ACTOR, laptop, "sold", BENEFIT | {"price": ""})
    row = db["refurb_allocations"].get(allocation)
    assert (row["price_pence"], row["payment_method"], json.loads(row["ticks"])) == (
        6000, "cash", ["universal_credit"])
    assert row["rule_set_id"] == db.execute(
        "select id from eligibility_rule_sets where scheme = 'device'").fetchone()[0]
    assert stage(db, laptop) == "sold"
    assert [h["action"] for h in history(db, "refurb_allocations", allocation)] == [
        "refurb.sold"]


@pytest.mark.parametrize("price, pence", [("45", 4500), ("£60.00", 6000), ("59.5", 5950)])
def test_a_price_in_pounds_becomes_pence(db, laptop, price, pence):
    ready(db, laptop)
    allocation = refurb.allocate(db, ACTOR, laptop, "sold", BENEFIT | {"price": price})
    assert db["refurb_allocations"].get(allocation)["price_pence"] == pence


@pytest.mark.parametrize("form, field", [
    ({"ticks": []}, "ticks"),
    ({"ticks": ["a_pony"]}, "ticks"),
    ({"price": "sixty"}, "price"),
    ({"price": "0"}, "price"),
    ({"price": "-60"}, "price"),
    ({"payment_method": "bitcoin"}, "payment_method"),
])
def test_a_sale_needs_a_benefit_ticked_and_a_real_price(db, laptop, form, field):
    ready(db, laptop)
    with pytest.raises(InvalidInput) as e:
        refurb.allocate(db, ACTOR, laptop, "sold", BENEFIT | form)
    assert field in e.value.errors
    assert stage(db, laptop) == "ready" and db["refurb_allocations"].count == 0


def test_a_course_completion_gift_needs_the_course_and_the_learner(db, laptop, venue):
    ready(db, laptop)
    with pytest.raises(InvalidInput) as e:
        refurb.allocate(db, ACTOR, laptop, "gifted", {"gift_reason": "course_completion"})
    assert set(e.value.errors) == {"course", "learner_card"}
    learner = learners.add_learner(db, ACTOR, {"first_name": "Lena", "consent_keep": "yes"},
                                   venue)
    card = learners.get_learner(db, learner)["card_code"]
    allocation = refurb.allocate(db, ACTOR, laptop, "gifted", {
        "gift_reason": "course_completion", "course": "Online basics", "learner_card": card})
    row = db["refurb_allocations"].get(allocation)
    assert (row["learner_id"], row["course"], row["gift_reason"]) == (
        learner, "Online basics", "course_completion")


def test_other_gifts_need_a_referrer(db, laptop):
    ready(db, laptop)
    with pytest.raises(InvalidInput) as e:
        refurb.allocate(db, ACTOR, laptop, "gifted", {"gift_reason": "school_referral"})
    assert e.value.errors == {"referrer": "Please fill in who referred them."}


def test_lending_it_on_makes_a_lending_device_with_the_same_tag(db, laptop):
    refurb.update_details(db, ACTOR, laptop, {"make": "Dell", "model": "Latitude 5490"})
    ready(db, laptop)
    allocation = refurb.allocate(db, ACTOR, laptop, "lent", {})
    lent = lending.device_by_tag(db, "REF-0001")
    assert (lent["kind"], lent["make"], lent["status"], lent["condition"]) == (
        "laptop", "Dell", "available", "B")
    assert db["refurb_allocations"].get(allocation)["lending_device_id"] == lent["id"]
    assert stage(db, laptop) == "lent"


def test_recycling_is_allowed_unwiped_and_needs_a_weight(db, laptop):
    with pytest.raises(InvalidInput) as e:
        refurb.allocate(db, ACTOR, laptop, "recycled", {"weight_kg": "0", "recycler": ""})
    assert set(e.value.errors) == {"weight_kg", "recycler"}
    allocation = refurb.allocate(db, ACTOR, laptop, "recycled",
                                 {"weight_kg": "2.35", "recycler": "Reconomy"})
    assert db["refurb_allocations"].get(allocation)["weight_kg"] == 2.35
    assert stage(db, laptop) == "recycled"


def test_a_device_is_allocated_once(db, laptop):
    ready(db, laptop)
    first = refurb.allocate(db, ACTOR, laptop, "sold", BENEFIT, request_id="tap-1")
    assert refurb.allocate(db, ACTOR, laptop, "sold", BENEFIT, request_id="tap-1") == first
    with pytest.raises(refurb.Conflict, match="REF-0001 is sold"):
        refurb.allocate(db, ACTOR, laptop, "gifted", {"gift_reason": "other",
                                                      "referrer": "x"}, request_id="tap-2")
    assert db["refurb_allocations"].count == 1


def test_the_report_counts_outcomes_and_money(db):
    ids = donate(db, laptop=3, tablet=1)
    for i in ids[:3]:
        ready(db, i)
    refurb.allocate(db, ACTOR, ids[0], "sold", BENEFIT)
    refurb.allocate(db, ACTOR, ids[1], "sold", BENEFIT | {"price": "45"})
    refurb.allocate(db, ACTOR, ids[2], "gifted", {"gift_reason": "care_leaver",
                                                  "referrer": "Leaving care team"})
    refurb.allocate(db, ACTOR, ids[3], "recycled", {"weight_kg": "0.6", "recycler": "R"})
    today = lending.today()
    report = refurb.refurb_report(db, today, today)
    assert report["counts"] == {"sold": 2, "gifted": 1, "lent": 0, "recycled": 1}
    assert report["gifts"]["care_leaver"] == 1 and report["pence"] == 10500
    assert report["savings"]["version"] == 1


def test_a_double_tapped_donation_is_recorded_once(db, staff):
    actor = Actor(staff, "Sam Staff")
    form = {"donor": "Acme Ltd", "donor_kind": "business", "received_on": "2026-11-02",
            "count_laptop": "2"}
    first_id = refurb.record_donation(db, actor, form, request_id="tap-1")
    assert refurb.record_donation(db, actor, form, request_id="tap-1") == first_id
    assert db["donations"].count == 1 and db["refurb_devices"].count == 2
