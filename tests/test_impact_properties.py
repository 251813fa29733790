"""Property-based: over random small worlds, every figure's drill-down adds up to the figure,
its months add up to it, its venues add up to it, and it agrees with the module that owns
the rule."""

import shutil
import statistics
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_impact import World

import db as dbmod
import impact
import learners
import tea_parties
import volunteers
from giveaways import carbon, refurb, sims

START = date(2025, 4, 1)
SPAN = 730  # two financial years
TODAY = date(2026, 11, 14)

days = st.integers(0, SPAN - 1).map(lambda n: START + timedelta(days=n))
venue_ix = st.integers(0, 1)
learner_ix = st.one_of(st.none(), st.integers(0, 4))

worlds = st.fixed_dictionaries({
    "learners": st.lists(st.tuples(st.sampled_from([None, "WN1", "WN5"]),
                                   st.one_of(st.none(), venue_ix)), min_size=5, max_size=5),
    "tickets": st.lists(st.tuples(venue_ix, days, learner_ix,
                                  st.sampled_from(["done", "done", "left"]),
                                  st.lists(st.sampled_from(["email", "scams", "jobs"]),
                                           max_size=2, unique=True)), max_size=12),
    "skills": st.lists(st.tuples(st.integers(0, 4), days, st.one_of(st.none(), venue_ix),
                                 st.sampled_from(["foundation", "life", "one"]),
                                 st.sampled_from(["on_own", "on_own", "with_help"])),
                       max_size=6),
    "sessions": st.lists(st.tuples(venue_ix, days, st.integers(0, 3), st.booleans(),
                                   st.one_of(st.none(), st.integers(0, 1)),
                                   st.lists(st.tuples(st.integers(0, 90), st.booleans()),
                                            max_size=2)), max_size=6),
    "loans": st.lists(st.tuples(venue_ix, days, st.integers(1, 60),
                                st.one_of(st.none(), st.integers(0, 120)),
                                st.one_of(st.none(), st.integers(0, 1))), max_size=6),
    "sims": st.lists(st.tuples(venue_ix, days, st.sampled_from(["O2", "Vodafone", "Three"])),
                     max_size=5),
    "allocations": st.lists(st.tuples(st.one_of(st.none(), venue_ix), days,
                                      st.sampled_from(["sold", "gifted", "lent", "recycled"]),
                                      st.sampled_from(["laptop", "tablet", "phone", "desktop"]),
                                      st.integers(0, 9000), st.integers(1, 9000)),
                            max_size=6),
    "referrals": st.lists(st.tuples(st.integers(0, 4), days,
                                    st.sampled_from(["made", "taken_up", "not_taken_up"]),
                                    st.one_of(st.none(), st.integers(0, 1))), max_size=5),
    "loan_referrals": st.lists(st.tuples(st.one_of(st.none(), venue_ix), days,
                                         st.sampled_from(["waiting", "served", "removed"]),
                                         st.integers(0, 150),
                                         st.one_of(st.none(), st.integers(0, 1))),
                               max_size=6),
    "interest": st.lists(st.tuples(venue_ix, days,
                                   st.sampled_from([None, "sim", "sale", "gift", "referral",
                                                    "closed"])), max_size=5),
})
periods = st.tuples(days, st.integers(0, 400)).map(
    lambda p: (p[0], p[0] + timedelta(days=p[1])))
filters = st.tuples(st.one_of(st.none(), venue_ix), st.one_of(st.none(), st.integers(0, 1)))


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = tmp_path_factory.mktemp("impact") / "blank.db"
    dbmod.migrate_database(path)
    return path


def build(db, spec) -> World:
    w = World(db)
    w.venues = [w.venue("Wigan Library"), w.venue("Leigh Library")]
    w.partner_ids = [w.partner("Age UK"), w.partner("Welfare")]
    w.people = [w.learner(f"L{i}", district, w.venues[home] if home is not None else None)
                for i, (district, home) in enumerate(spec["learners"])]
    ticket_ids = []
    for venue, day, learner, status, topics in spec["tickets"]:
        ticket_ids.append(w.ticket(w.venues[venue], day,
                                   w.people[learner] if learner is not None else None,
                                   status, topics))
    foundation = [t["id"] for t in w.tasks("foundation")]
    life = list({t["area"]: t["id"] for t in w.tasks("life")}.values())
    for learner, day, venue, which, level in spec["skills"]:
        tasks = {"foundation": foundation, "life": life, "one": foundation[:1]}[which]
        w.skills(w.people[learner], day, tasks, level,
                 w.venues[venue] if venue is not None else None)
    users, still_open = [w.user("Asha"), w.user("Bill")], set()
    for venue, day, slots, cancelled, partner, shifts in spec["sessions"]:
        session = w.session(w.venues[venue], day, "14:00", "16:00", slots,
                            w.partner_ids[partner] if partner is not None else None, cancelled)
        for i, (minutes, closed) in enumerate(shifts):
            out = f"{14 + (minutes + 1) // 60:02d}:{(minutes + 1) % 60:02d}"
            if not closed and users[i] not in still_open:  # one open shift per volunteer
                out = None
                still_open.add(users[i])
            w.shift(session, users[i], day, "14:00", out)
    for venue, out, due, back, partner in spec["loans"]:
        w.loan(w.venues[venue], out, due, out + timedelta(days=back) if back is not None
               else None, w.partner_ids[partner] if partner is not None else None)
    for venue, day, network in spec["sims"]:
        w.sim(w.venues[venue], day, network)
    for venue, day, outcome, kind, price, grams in spec["allocations"]:
        w.allocation(w.venues[venue] if venue is not None else None, day, outcome, kind,
                     price if outcome == "sold" else None,
                     grams / 1000 if outcome == "recycled" else None)
    for learner, day, status, partner in spec["referrals"]:
        ticket = ticket_ids[learner] if learner < len(ticket_ids) else None
        w.referral(w.people[learner], day, status,
                   w.partner_ids[partner] if partner is not None else None, ticket)
    any_loan = w.loan(w.venues[0], START, 7, START) if spec["loan_referrals"] else None
    made = []
    for venue, day, status, after, partner in spec["loan_referrals"]:
        closed = day + timedelta(days=after)
        made.append(w.loan_referral(
            w.venues[venue] if venue is not None else None, day,
            w.partner_ids[partner] if partner is not None else None,
            served=closed if status == "served" else None,
            removed=closed if status == "removed" else None, loan=any_loan))
    for i, (venue, day, outcome) in enumerate(spec["interest"]):
        referral = made[i % len(made)] if outcome == "referral" and made else None
        w.interest(w.venues[venue], day, None if outcome == "closed" else outcome,
                   closed=outcome == "closed", referral=referral)
    return w


def close(a, b) -> bool:
    return a == pytest.approx(b, abs=0.06)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=worlds, period=periods, chosen=filters)
def test_every_figure_adds_up_to_its_rows_months_and_venues(blank, spec, period, chosen):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doorstep.db"
        shutil.copy(blank, path)
        db = dbmod.connect(path)
        try:
            check_world(db, build(db, spec), period, chosen)
        finally:
            db.conn.close()


def check_world(db, w, period, chosen):
    first, last = period
    venue = w.venues[chosen[0]] if chosen[0] is not None else None
    partner = w.partner_ids[chosen[1]] if chosen[1] is not None else None
    values = {}
    for figure in impact.FIGURES:
        key = figure.key
        v = impact.figure_value(db, key, first, last, venue, partner, today=TODAY)
        shown = impact.drill(db, key, first, last, venue, partner, today=TODAY)
        values[key] = v
        assert shown["value"] == v, key
        if v is None and figure.measure != "total" and impact.applies(figure, venue, partner):
            assert shown["rows"] == [], key  # no median of nothing
            continue
        if v is None:
            assert not impact.applies(figure, venue, partner)
            assert shown["rows"] == [] and impact.monthly(db, key, first, last, venue,
                                                          partner, today=TODAY) == []
            continue
        rows = shown["rows"]
        if figure.sums is None:
            assert len(rows) == v, key
        elif figure.measure == "median":
            assert close(statistics.median(r[figure.sums] for r in rows), v), key
        elif figure.measure == "longest":
            assert max(r[figure.sums] for r in rows) == v, key
        else:
            assert close(sum(r[figure.sums] or 0 for r in rows), v), key
        months = impact.monthly(db, key, first, last, venue, partner, today=TODAY)
        assert [m["month"] for m in months] == sorted({
            (first + timedelta(days=i)).strftime("%Y-%m")
            for i in range((last - first).days + 1)})
        if figure.measure != "total":
            continue  # medians and longest waits do not add up across months or venues
        if not figure.snapshot:
            assert close(sum(m["value"] for m in months), v), key
        if venue is None:
            split = impact.by_venue(db, key, first, last, partner, today=TODAY)
            assert close(sum(s["value"] for s in split), v), key

    shown = impact.dashboard(db, first, last, venue, partner, today=TODAY)
    assert {f["key"]: f["value"] for f in shown} == values  # one query shared, same numbers
    if values["learners_supported"] is not None:
        assert values["learners_new"] + values["learners_returning"] == values[
            "learners_supported"]
        assert sum(r["value"] for r in impact.reach(db, first, last, venue)) == values[
            "learners_supported"]
    if partner is None:
        assert sum(r["value"] for r in impact.by_network(db, first, last, venue)) == values[
            "sims_given"]
        assert close(values["volunteer_hours"],
                     volunteers.hours_recorded(db, first, last, venue_id=venue))
        assert close(values["support_hours"],
                     tea_parties.support_hours_available(db, first, last, venue))
        assert values["sims_given"] == len(sims.sims_given(db, first, last, venue))
        assert values["sessions_held"] == sum(
            1 for s in tea_parties.sessions_between(db, first, min(last, TODAY), venue)
            if not s["cancelled_at"])
    if values["loan_referrals_waiting"] is not None:
        assert values["loan_referrals_waiting"] == sum(
            values[key] for key, *_ in impact.WAIT_BANDS)  # every wait is in one band
    if values["interest_registered"] is not None:
        assert values["interest_loan"] <= values["interest_referral"]
        assert sum(values[k] for k in ("interest_sim", "interest_sale", "interest_gift",
                                       "interest_referral", "interest_closed")) <= values[
            "interest_registered"]
    if partner is None and venue is None:
        report = refurb.refurb_report(db, first, last)
        assert [values[k] for k in ("devices_sold", "devices_gifted", "devices_lent_refurb",
                                    "devices_recycled")] == [
            report["counts"][o] for o in ("sold", "gifted", "lent", "recycled")]
        assert close(values["money_taken"], report["pence"] / 100)
        saved = carbon.savings(db, first, last)["total"]
        assert close(values["carbon_saved"], saved["co2e_kg"])
        assert close(values["landfill_diverted"], saved["landfill_kg"])
        before = first - timedelta(days=1)
        with_records = {r[0] for r in db.execute(
            "select learner_id from skill_records where observed_on between ? and ?",
            [first.isoformat(), last.isoformat()])}
        for key, flag in (("reached_foundation", "has_foundation"),
                          ("reached_life", "has_life")):
            expected = {p for p in with_records
                        if learners.progress(db, p, last)[flag]
                        and not learners.progress(db, p, before)[flag]}
            rows = impact.drill(db, key, first, last, today=TODAY)["rows"]
            assert {r["learner_id"] for r in rows} == expected, key
