"""Retention: periods the council sets, what each rule removes and keeps, the impact
reports' totals unchanged by a run, and `flask --app app retention`."""

import json
from datetime import date, timedelta

import pytest

import auth
import bench_data
import db as dbmod
import help_desk
import impact
import learners
import lending
import personal_data
import retention
from audit import Actor, record, stamp
from giveaways import eligibility, refurb, sims
from tests.test_sims import ELIGIBLE, HOUSE, add_stock
from tests.test_volunteers import add_session, at
from validation import InvalidInput

pytestmark = pytest.mark.usefixtures("fast_hashing")
TODAY = lending.today()
LONG_AGO = TODAY - timedelta(days=4 * 365)  # past every default period
LAST_MONTH = TODAY - timedelta(days=30)
STAFF = Actor(None, "test")
SIGNED = json.dumps([[[10, 10], [50, 40]]])


def when(day: date, hm: str = "10:00"):
    return at(day, hm)


# ---------------------------------------------------------------- the reports


def reports(db, today: date) -> dict:
    """Every impact figure for ten financial years, a quarter, a month and one venue,
    with the splits and drill-downs the staff pages show."""
    found = {}
    first, last = impact.default_period(today)
    periods = [(sims.add_months(first, -12 * n), sims.add_months(last, -12 * n))
               for n in range(10)]
    periods += [(date(today.year, 1, 1), date(today.year, 3, 31)),
                (today.replace(day=1), today)]
    for lo, hi in periods:
        found[lo, hi] = [(f["key"], f["value"], f["prior"])
                         for f in impact.dashboard(db, lo, hi, today=today)]
    found["venue"] = [(f["key"], f["value"]) for f in impact.dashboard(
        db, periods[1][0], periods[1][1], venue_id=1, today=today)]
    found["by_venue"] = impact.by_venue(db, "learners_supported", *periods[1], today=today)
    found["reach"] = impact.reach(db, *periods[1])
    found["monthly"] = impact.monthly(db, "visits", *periods[0], today=today)
    for key in ("loans_personal", "sims_given", "volunteer_hours", "referrals_made"):
        found["drill", key] = len(impact.drill(db, key, *periods[2], today=today)["rows"])
    given = sims.sims_given(db, date(2000, 1, 1), today)
    found["sim report"] = (len(given), sum(1 for r in given if r["override_reason"]),
                           sorted(r["who"] for r in given))
    return found


def test_impact_reports_give_the_same_totals_before_and_after_retention(tmp_path):
    """Ten years of a small borough, old and recent rows alike: the reports add up the
    same once retention has anonymised everything past its period."""
    today = date(2026, 11, 23)
    bench_data.build(tmp_path / "world.db", seed=3, scale=0.003, today=today)
    db = dbmod.connect(tmp_path / "world.db")
    try:
        before = reports(db, today)
        done = retention.run(db, today)
        assert all(done[k] > 0 for k in ("learners", "borrowers", "loans", "tickets",
                                         "volunteers", "sim_giveaways")), done
        assert reports(db, today) == before
        assert retention.due(db, today) == dict.fromkeys(done, 0)
        assert db.execute("pragma foreign_key_check").fetchall() == []
    finally:
        db.conn.close()


# ---------------------------------------------------------------- a hand-made world


@pytest.fixture
def world(db, venue, staff, volunteer):
    """One of each: kept too long, and still in use."""
    asha = Actor(volunteer, "Asha")
    ids = {}

    def learner(name, day):
        return learners.add_learner(db, asha, {
            "first_name": name, "consent_keep": "yes", "consent_contact": "yes",
            "contact_kind": "mobile", "contact": "07700 900123", "postcode": "WN5",
            "birth_band": "1950s", "notes": f"{name}'s notes"}, venue, now=when(day))

    ids["old_learner"] = learner("Olive", LONG_AGO)
    ticket = help_desk.create_ticket(db, venue, "email", "Olive", STAFF, now=when(LONG_AGO))
    learners.link_ticket(db, asha, ticket["id"], ids["old_learner"], now=when(LONG_AGO))
    ids["old_ticket"] = ticket["id"]
    ids["old_card"] = learners.get_learner(db, ids["old_learner"])["card_code"]
    ids["back_learner"] = learner("Rita", LONG_AGO)  # came back last month
    task = learners.skill_tasks(db)[0]["id"]
    learners.record_skills(db, asha, ids["back_learner"], {task: "with_help"}, venue,
                           now=when(LAST_MONTH))
    ids["named_ticket"] = help_desk.create_ticket(
        db, venue, "scams", "Walter", STAFF, now=when(TODAY - timedelta(days=120)))["id"]
    ids["fresh_ticket"] = help_desk.create_ticket(
        db, venue, "scams", "Winnie", STAFF, now=when(TODAY - timedelta(days=7)))["id"]

    def lend(name, out_day, back_day=None):
        device = lending.add_device(db, STAFF, {"kind": "tablet"}, now=when(out_day))
        loan = lending.check_out(db, STAFF, device, new_borrower={
            "name": name, "contact_kind": "mobile", "contact": "07700 900456",
            "library_card": f"CARD{name.upper()}"}, signature=SIGNED,
            due_on=(out_day + timedelta(days=28)).isoformat(), now=when(out_day))
        if back_day:
            lending.check_in(db, STAFF, device, list(lending.CHECKLIST), notes="Fine",
                             now=when(back_day))
        return lending.get_loan(db, loan)

    old = lend("Oswald", LONG_AGO, LONG_AGO + timedelta(days=20))
    ids.update(old_borrower=old["borrower_id"], old_loan=old["id"])
    ids["overdue_borrower"] = lend("Otto", LONG_AGO)["borrower_id"]
    again = lend("Ada", LONG_AGO, LONG_AGO + timedelta(days=20))
    ids["again_loan"] = again["id"]
    ids["again_borrower"] = again["borrower_id"]
    lending.check_out(db, STAFF, lending.add_device(db, STAFF, {"kind": "tablet"}),
                      borrower_id=again["borrower_id"], agreed_in_person=True,
                      due_on=(TODAY + timedelta(days=7)).isoformat(), now=when(LAST_MONTH))

    codes = add_stock(db, venue, 2, start=800, received_on=LONG_AGO.isoformat())
    ids["old_gift"] = sims.give_sim(db, STAFF, codes[0], venue, ELIGIBLE, household=HOUSE,
                                    now=when(LONG_AGO))["id"]
    ids["new_gift"] = sims.give_sim(db, STAFF, codes[1], venue, ELIGIBLE,
                                    household={"house": "3", "postcode": "WN1 1AA"},
                                    now=when(LAST_MONTH))["id"]

    ids["old_donation"] = refurb.record_donation(db, STAFF, {
        "donor": "Doris Day", "donor_kind": "individual",
        "received_on": LONG_AGO.isoformat(), "note": "From Doris", "count_laptop": "1"},
        now=when(LONG_AGO))
    ids["new_donation"] = refurb.record_donation(db, STAFF, {
        "donor": "Dan Dare", "donor_kind": "individual",
        "received_on": LAST_MONTH.isoformat(), "count_laptop": "1"}, now=when(LAST_MONTH))

    ids["gone_volunteer"] = auth.create_user(db, "Gus", "Gus", "volunteer", "5678", STAFF)
    db["users"].update(ids["gone_volunteer"], {"created_at": stamp(when(LONG_AGO))})
    ids["busy_volunteer"] = auth.create_user(db, "Bea", "Bea", "volunteer", "6789", STAFF)
    db["users"].update(ids["busy_volunteer"], {"created_at": stamp(when(LONG_AGO))})
    session = add_session(db, venue, day=LAST_MONTH)
    db["volunteer_shifts"].insert({"session_id": session, "user_id": ids["busy_volunteer"],
                                   "signed_in_at": stamp(when(LAST_MONTH, "14:00")),
                                   "signed_out_at": stamp(when(LAST_MONTH, "16:00"))})
    db["user_sessions"].insert_all([
        {"token_hash": "old", "user_id": volunteer, "created_at": stamp(when(LAST_MONTH)),
         "last_seen_at": stamp(when(LAST_MONTH))},
        {"token_hash": "fresh", "user_id": volunteer, "created_at": stamp(when(TODAY, "09:00")),
         "last_seen_at": stamp(when(TODAY, "09:00"))}])

    def referral(name, received, status="waiting", closed=None, removed_reason=None):
        n = db["loan_referrals"].count + 1
        row_id = db["loan_referrals"].insert({
            "reference": f"R{n:05d}", "referrer_name": "Jo Worker",
            "referrer_contact": "jo@example.org", "channel": "phone", "first_name": name,
            "contact_kind": "mobile", "contact": f"0770090{n:04d}", "postcode_district": "WN5",
            "reason": f"{name} has no device", "person_key": "k" * 64, "status": status,
            "loan_id": old["id"] if status == "served" else None,
            "removed_reason": removed_reason, "created_at": stamp(when(received)),
            "closed_at": stamp(when(closed)) if closed else None}).last_pk
        record(db, STAFF, "referral.submit", "loan_referrals", row_id,
               after={"status": "waiting", "channel": "phone", "note": f"{name} called"})
        return row_id

    ids["old_served_referral"] = referral("Orla", LONG_AGO, "served",
                                          LONG_AGO + timedelta(days=30))
    ids["old_removed_referral"] = referral("Oona", LONG_AGO, "removed",
                                           LONG_AGO + timedelta(days=10),
                                           "other: moved to Bolton with Fred")
    ids["old_waiting_referral"] = referral("Wendy", LONG_AGO)  # still waiting: kept
    ids["recent_referral"] = referral("Rhea", LONG_AGO, "served", LAST_MONTH)

    def interest(name, made, status="new", closed=None):
        n = db["interest_registrations"].count + 1
        return db["interest_registrations"].insert({
            "reference": f"K{n:02d}-XYZ", "venue_id": venue, "answers": "{}",
            "suggests": "[]", "first_name": name, "contact_kind": "mobile",
            "contact": f"0770091{n:04d}", "status": status,
            "outcome": "sim" if status == "done" else None,
            "closed_reason": "no_contact" if status == "closed" else None,
            "created_at": stamp(when(made)),
            "closed_at": stamp(when(closed)) if closed else None}).last_pk

    ids["old_interest"] = interest("Opal", LONG_AGO, "done", LONG_AGO + timedelta(days=2))
    ids["abandoned_interest"] = interest("Abby", TODAY - timedelta(days=200))
    ids["fresh_interest"] = interest("Fern", LAST_MONTH)
    ids["recent_interest"] = interest("Rose", LONG_AGO, "closed", LAST_MONTH)
    return ids


def test_each_rule_removes_who_it_was_and_keeps_what_reports_count(db, world):
    done = retention.run(db, TODAY, now=when(TODAY, "12:00"))

    assert done == {"learners": 1, "borrowers": 1, "loans": 2, "loan_reminders": 0,
                    "tickets": 2, "volunteers": 1, "donors": 1, "sim_giveaways": 1,
                    "sessions": 1, "loan_referrals": 2, "interest": 1,
                    "interest_abandoned": 1}
    olive = learners.get_learner(db, world["old_learner"])
    assert (olive["first_name"], olive["contact"], olive["notes"], olive["birth_band"]) == (
        personal_data.ANONYMISED, None, None, None)
    assert olive["postcode_district"] == "WN5" and olive["anonymised_at"]
    assert learners.learner_by_card(db, world["old_card"]) is None
    assert learners.get_learner(db, world["back_learner"])["first_name"] == "Rita"

    tickets = {t["id"]: t for t in db["tickets"].rows}
    assert tickets[world["old_ticket"]]["name"] is None
    assert tickets[world["named_ticket"]]["name"] is None
    assert tickets[world["fresh_ticket"]]["name"] == "Winnie"

    oswald = lending.get_borrower(db, world["old_borrower"])
    assert (oswald["name"], oswald["contact"], oswald["library_card"]) == (
        personal_data.ANONYMISED, None, None)
    assert lending.get_borrower(db, world["overdue_borrower"])["name"] == "Otto"
    assert lending.get_borrower(db, world["again_borrower"])["name"] == "Ada"
    old_loan = lending.get_loan(db, world["again_loan"])
    assert (old_loan["signature"], old_loan["return_notes"]) == (None, None)
    assert old_loan["consent"] == "signed" and old_loan["closed_at"]

    gifts = {g["id"]: g for g in db["sim_giveaways"].rows}
    assert gifts[world["old_gift"]]["household_key"] == personal_data.EXPIRED_HOUSEHOLD
    assert gifts[world["old_gift"]]["postcode_district"] == "WN5"
    assert len(gifts[world["new_gift"]]["household_key"]) == 64
    assert sims.get_giveaway(db, world["old_gift"])["who"] == "household"

    donations = {d["id"]: d for d in db["donations"].rows}
    assert donations[world["old_donation"]]["donor"] == personal_data.ANONYMOUS_DONOR
    assert donations[world["old_donation"]]["note"] is None
    assert donations[world["new_donation"]]["donor"] == "Dan Dare"

    gus = db["users"].get(world["gone_volunteer"])
    assert gus["active"] == 0 and gus["display_name"].startswith("Former volunteer")
    assert db["users"].get(world["busy_volunteer"])["display_name"] == "Bea"
    assert [s["token_hash"] for s in db["user_sessions"].rows] == ["fresh"]


def test_closed_loan_referrals_and_registrations_lose_who_it_was(db, world):
    retention.run(db, TODAY, now=when(TODAY, "12:00"))
    referrals = {r["id"]: r for r in db["loan_referrals"].rows}
    orla = referrals[world["old_served_referral"]]
    assert (orla["first_name"], orla["contact"], orla["postcode_district"], orla["reason"],
            orla["referrer_name"], orla["referrer_contact"], orla["person_key"]) == (
        personal_data.ANONYMISED, None, None, "(removed)", personal_data.ANONYMISED, None,
        None)
    assert (orla["status"], orla["contact_kind"], orla["reference"]) == (
        "served", "mobile", "R00001")
    assert orla["anonymised_at"] == stamp(when(TODAY, "12:00"))
    oona = referrals[world["old_removed_referral"]]
    assert oona["removed_reason"] == "other: (removed)" and oona["anonymised_at"]
    for kept in ("old_waiting_referral", "recent_referral"):
        row = referrals[world[kept]]
        assert row["anonymised_at"] is None and row["contact"] and row["reason"], kept
    assert referrals[world["old_waiting_referral"]]["status"] == "waiting"

    registrations = {r["id"]: r for r in db["interest_registrations"].rows}
    opal = registrations[world["old_interest"]]
    assert (opal["first_name"], opal["contact"], opal["status"], opal["outcome"]) == (
        None, None, "done", "sim")
    abby = registrations[world["abandoned_interest"]]
    assert (abby["first_name"], abby["contact"], abby["status"], abby["closed_reason"]) == (
        None, None, "closed", "did_not_return")
    assert abby["closed_at"] == abby["anonymised_at"] == stamp(when(TODAY, "12:00"))
    closing = json.loads(db.execute(
        "select after from audit_log where action = 'interest.close' and row_id = ?",
        [str(world["abandoned_interest"])]).fetchone()[0])
    assert closing["closed_reason"] == "did_not_return"
    for kept in ("fresh_interest", "recent_interest"):
        row = registrations[world[kept]]
        assert row["anonymised_at"] is None and row["first_name"], kept
    assert registrations[world["fresh_interest"]]["status"] == "new"
    notes = [json.loads(r[0])["note"] for r in db.execute(
        "select after from audit_log where action = 'referral.submit' order by row_id")]
    assert notes == ["(removed) called", "(removed) called", "Wendy called", "Rhea called"]


def test_the_audit_log_forgets_what_anonymised_rows_said(db, world):
    retention.run(db, TODAY)
    entry = lambda action, row: json.loads(db.execute(  # noqa: E731
        "select after from audit_log where action = ? and row_id = ?",
        [action, str(row)]).fetchone()[0])
    olive = entry("learner.create", world["old_learner"])
    assert olive["first_name"] == olive["contact"] == olive["card_code"] == "(removed)"
    assert olive["postcode_district"] == "WN5"
    assert entry("ticket.create", world["old_ticket"])["name"] == "(removed)"
    assert entry("ticket.create", world["fresh_ticket"])["name"] == "Winnie"
    assert entry("borrower.create", world["old_borrower"])["name"] == "(removed)"
    assert entry("loan.check_in", world["again_loan"])["return_notes"] == "(removed)"
    assert entry("donation.create", world["old_donation"])["donor"] == "(removed)"
    everything = " ".join(str(r) for r in db.execute("select * from audit_log"))
    for gone in ("Olive", "Oswald", "Doris", "From Doris", "CARDOSWALD", "'Gus'"):
        assert gone not in everything, gone


def test_a_dry_run_changes_nothing_and_says_what_a_run_will_do(db, world):
    tables = lambda: {t: list(db[t].rows) for t in db.table_names()}  # noqa: E731
    before = tables()
    predicted = retention.run(db, TODAY, dry_run=True)
    assert tables() == before
    assert retention.run(db, TODAY) == predicted
    assert set(retention.run(db, TODAY).values()) == {0}  # nothing left to do


def test_a_run_is_audited_with_its_counts_and_nothing_else(db, world):
    counts = retention.run(db, TODAY)
    rows = list(db["audit_log"].rows_where("action = 'retention.run'"))
    assert len(rows) == 1 and rows[0]["actor"] == "retention"
    assert rows[0]["table_name"] == "retention" and rows[0]["row_id"] == TODAY.isoformat()
    after = json.loads(rows[0]["after"])
    assert after == {"counts": counts, "periods": retention.periods(db)}


def test_someone_back_since_the_list_was_made_is_left_alone(db, world):
    cut = retention._cut(db, TODAY, "learners")
    batch = [world["old_learner"], world["back_learner"]]
    assert retention._still_due(db, retention.LEARNERS_STILL_DUE, batch, cut) == [
        world["old_learner"]]


# ---------------------------------------------------------------- the periods


def test_the_periods_have_defaults_and_are_saved_as_audited_council_settings(db, staff):
    assert retention.periods(db) == {"learners": 36, "borrowers": 24, "tickets": 3,
                                     "volunteers": 24, "donors": 24, "sim_households": 24,
                                     "loan_referrals": 24, "interest": 24}
    form = {"learners": "48", "borrowers": "24", "tickets": " 6 ", "volunteers": "12",
            "donors": "12", "sim_households": "30", "loan_referrals": "24", "interest": "18"}
    retention.set_periods(db, Actor(staff, "Sam"), form)
    assert retention.periods(db) == {"learners": 48, "borrowers": 24, "tickets": 6,
                                     "volunteers": 12, "donors": 12, "sim_households": 30,
                                     "loan_referrals": 24, "interest": 18}
    changes = [(r["row_id"], json.loads(r["after"])["value"]) for r in
               db["audit_log"].rows_where("action = 'setting.update'", order_by="id")]
    assert changes == [("retention_learners_months", 48), ("retention_tickets_months", 6),
                       ("retention_volunteers_months", 12), ("retention_donors_months", 12),
                       ("retention_sim_households_months", 30),
                       ("retention_interest_months", 18)]


def test_bad_periods_are_all_refused_and_nothing_is_saved(db, staff):
    form = {"learners": "abc", "borrowers": "0", "tickets": "9" * 10_000,
            "volunteers": "-1", "donors": "121", "sim_households": "3",
            "loan_referrals": "", "interest": "1.5"}
    with pytest.raises(InvalidInput) as e:
        retention.set_periods(db, Actor(staff, "Sam"), form)
    assert e.value.errors == {
        "learners": retention.bad_months(1), "borrowers": retention.bad_months(1),
        "tickets": retention.bad_months(1), "volunteers": retention.bad_months(1),
        "donors": retention.bad_months(1), "loan_referrals": retention.bad_months(1),
        "interest": retention.bad_months(1),
        "sim_households": "Please give at least 6 months: the council's SIM rules look back "
                          "6 months for a repeat."}
    assert db["settings"].count_where("key like 'retention_%'") == 0


def test_household_keys_are_kept_at_least_as_long_as_the_longest_repeat_rule(db, staff):
    sam = Actor(staff, "Sam")
    retention.set_periods(db, sam, {**{r.key: str(r.default) for r in retention.RULES},
                                    "sim_households": "12"})
    rule = eligibility.current_rule_set(db, "sim")
    eligibility.save_rule_set(db, sam, "sim", {
        "required": "\n".join(c["label"] for c in rule["criteria"] if c["group"] == "required"),
        "one_of": "\n".join(c["label"] for c in rule["criteria"] if c["group"] == "one_of"),
        "repeat_months": "36"})
    assert retention.months(db, retention.BY_KEY["sim_households"]) == 36
    with pytest.raises(InvalidInput) as e:
        retention.set_periods(db, sam, {r.key: str(r.default) for r in retention.RULES})
    assert "at least 36 months" in e.value.errors["sim_households"]


def test_sign_in_sessions_go_only_once_no_sign_in_can_still_be_alive():
    assert retention.SESSION_MAX_HOURS >= auth.ABSOLUTE_SESSION_HOURS


# ---------------------------------------------------------------- the command


def test_the_command_reports_what_it_did(app, db, world):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "--dry-run", "--today", TODAY.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert f"Retention for {TODAY.isoformat()}: nothing changed (dry run)" in dry.output
    assert "1 learners anonymised" in dry.output
    assert db["audit_log"].count_where("action = 'retention.run'") == 0

    real = runner.invoke(args=["retention"])
    assert real.exit_code == 0, real.output
    assert "done." in real.output and "1 individual donors anonymised" in real.output
    assert learners.get_learner(db, world["old_learner"])["anonymised_at"]


def test_the_command_refuses_a_day_it_cannot_read(app):
    result = app.test_cli_runner().invoke(args=["retention", "--today", "2027-02-30"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
