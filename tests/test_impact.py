"""The staff dashboard's figures: the seeds' style of figures, each figure on a small
hand-made world, filters, snapshot figures and the words for a change."""

import itertools
import statistics
from datetime import date, timedelta

import pytest

import impact
import learners
import tea_parties
import volunteers
from giveaways import carbon, refurb, sims

THIS_YEAR = (date(2026, 4, 1), date(2027, 3, 31))
LAST_YEAR = (date(2025, 4, 1), date(2026, 3, 31))
TODAY = date(2026, 11, 14)


class World:
    """Rows written straight into a fresh database: just what the figures read."""

    def __init__(self, db):
        self.db = db
        self.n = itertools.count(1)
        self.partners = {}

    def stamp(self, day: date, hm: str = "12:00") -> str:
        return tea_parties.local_stamp(day, hm)

    def venue(self, name: str) -> int:
        return self.db["venues"].insert({"name": name, "kind": "library"}).last_pk

    def partner(self, name: str) -> int:
        return self.db["partners"].insert({"name": name, "created_at": self.stamp(TODAY)}).last_pk

    def user(self, name: str) -> int:
        return self.db["users"].insert({"username": f"{name}{next(self.n)}", "display_name": name,
                                        "role": "volunteer", "secret_hash": "x"}).last_pk

    def learner(self, name="Ann", district=None, home=None, created=date(2025, 1, 1)) -> int:
        n = next(self.n)
        return self.db["learners"].insert({
            "first_name": name, "postcode_district": district, "card_code": f"CARD{n:08d}",
            "consent_what": "keep", "consent_at": self.stamp(created), "home_venue_id": home,
            "created_at": self.stamp(created)}).last_pk

    def ticket(self, venue, day: date, learner=None, status="done", topics=()) -> int:
        n = next(self.n)
        ticket_id = self.db["tickets"].insert({
            "venue_id": venue, "number": n, "day": day.isoformat(), "code": f"T{n}",
            "source": "desk", "status": status, "created_at": self.stamp(day, "10:00"),
            "finished_at": self.stamp(day, "10:20") if status == "done" else None,
            "learner_id": learner}).last_pk
        self.db["ticket_topics"].insert_all({"ticket_id": ticket_id, "topic": t} for t in topics)
        return ticket_id

    def tasks(self, level: str) -> list[dict]:
        return [t for t in learners.skill_tasks(self.db) if t["level"] == level]

    def skills(self, learner, day: date, task_ids, level="on_own", venue=None) -> None:
        self.db["skill_records"].insert_all({
            "learner_id": learner, "task_id": t, "level": level, "observed_on": day.isoformat(),
            "observed_at": self.stamp(day, "11:00"), "venue_id": venue} for t in task_ids)

    def foundation(self, learner, day, venue=None, level="on_own") -> None:
        self.skills(learner, day, [t["id"] for t in self.tasks("foundation")], level, venue)

    def life(self, learner, day, venue=None) -> None:
        one_each = {t["area"]: t["id"] for t in self.tasks("life")}
        self.skills(learner, day, one_each.values(), "on_own", venue)

    def session(self, venue, day: date, starts="14:00", ends="16:00", slots=1, partner=None,
                cancelled=False) -> int:
        series = self.db["session_series"].insert({
            "title": "Tea party", "kind": "tea_party", "venue_id": venue, "partner_id": partner,
            "repeat": "none", "first_day": day.isoformat(), "last_day": day.isoformat(),
            "starts": starts, "ends": ends, "volunteer_slots": slots,
            "created_at": self.stamp(day)}).last_pk
        return self.db["sessions"].insert({
            "series_id": series, "venue_id": venue, "partner_id": partner, "title": "Tea party",
            "kind": "tea_party", "day": day.isoformat(),
            "starts_at": self.stamp(day, starts), "ends_at": self.stamp(day, ends),
            "volunteer_slots": slots,
            "cancelled_at": self.stamp(day, "09:00") if cancelled else None}).last_pk

    def shift(self, session_id, user, day: date, signed_in="14:00", signed_out="16:00") -> int:
        return self.db["volunteer_shifts"].insert({
            "session_id": session_id, "user_id": user,
            "signed_in_at": self.stamp(day, signed_in),
            "signed_out_at": self.stamp(day, signed_out) if signed_out else None}).last_pk

    def loan(self, venue, out: date, days=28, back: date | None = None, partner=None,
             kind="tablet") -> int:
        n = next(self.n)
        device = self.db["devices"].insert({
            "asset_tag": f"TAB{n:04d}", "kind": kind, "status": "available",
            "created_at": self.stamp(out), "updated_at": self.stamp(out)}).last_pk
        borrower = None
        if partner is None:
            borrower = self.db["borrowers"].insert({"name": f"Borrower {n}",
                                                    "created_at": self.stamp(out)}).last_pk
        return self.db["loans"].insert({
            "device_id": device, "borrower_id": borrower, "partner_id": partner,
            "venue_id": venue, "out_at": self.stamp(out), "consent": "in_person",
            "due_on": (out + timedelta(days=days)).isoformat(),
            "closed_at": self.stamp(back) if back else None}).last_pk

    def sim(self, venue, day: date, network="O2", learner=None) -> int:
        n = next(self.n)
        batch = self.db["sim_batches"].insert({
            "venue_id": venue, "item": "voucher", "network": network, "offer": "30GB",
            "received_on": "2025-01-01", "created_at": self.stamp(date(2025, 1, 1))}).last_pk
        sim_id = self.db["sims"].insert({"batch_id": batch, "voucher_code": f"V{n:06d}",
                                         "status": "given"}).last_pk
        return self.db["sim_giveaways"].insert({
            "sim_id": sim_id, "venue_id": venue, "given_at": self.stamp(day), "rule_set_id": 1,
            "ticks": "[]", "eligible": 1, "learner_id": learner}).last_pk

    def allocation(self, venue, day: date, outcome: str, kind="laptop", price=None,
                   weight=None) -> int:
        n = next(self.n)
        donation = self.db["donations"].insert({
            "donor": "Firm", "donor_kind": "business", "received_on": "2025-01-01",
            "created_at": self.stamp(date(2025, 1, 1))}).last_pk
        device = self.db["refurb_devices"].insert({
            "donation_id": donation, "asset_tag": f"REF{n:05d}", "kind": kind, "stage": outcome,
            "wipe_method": "nwipe", "wipe_certificate": "C1", "wiped_at": self.stamp(day),
            "created_at": self.stamp(day), "updated_at": self.stamp(day)}).last_pk
        return self.db["refurb_allocations"].insert({
            "refurb_id": device, "outcome": outcome, "at": self.stamp(day), "venue_id": venue,
            "price_pence": price, "weight_kg": weight}).last_pk

    def referral(self, learner, day: date, status="made", partner=None, ticket=None,
                 kind="adult_learning") -> int:
        return self.db["referrals"].insert({
            "learner_id": learner, "kind": "partner" if partner else kind,
            "partner_id": partner, "status": status, "made_on": day.isoformat(),
            "ticket_id": ticket}).last_pk


    def loan_referral(self, venue, received: date, partner=None, served: date | None = None,
                      removed: date | None = None, name="Dot", loan=None) -> int:
        """A device-loan referral, as the waiting list writes it (straight into the table).
        A served one names a loan (`loan`), so the loan figures are not changed here."""
        n = next(self.n)
        status = "served" if served else "removed" if removed else "waiting"
        closed = served or removed
        return self.db["loan_referrals"].insert({
            "reference": f"R{n:05d}", "partner_id": partner, "referrer_name": "Jo Worker",
            "channel": "partner" if partner else "phone", "first_name": name,
            "contact_kind": "mobile", "contact": f"07700900{n:03d}", "reason": "No device",
            "venue_id": venue, "status": status, "loan_id": loan,
            "removed_reason": "moved_away" if removed else None,
            "created_at": self.stamp(received, "10:00"),
            "closed_at": self.stamp(closed, "15:00") if closed else None}).last_pk

    def interest(self, venue, day: date, outcome=None, closed=False, referral=None) -> int:
        """A registration of interest from the kiosk, and what staff made of it."""
        n = next(self.n)
        return self.db["interest_registrations"].insert({
            "reference": f"K{n:02d}-AAA", "venue_id": venue, "answers": "{}",
            "suggests": '["sim"]', "first_name": "Eve", "contact_kind": "mobile",
            "contact": f"07700911{n:03d}",
            "status": "done" if outcome else "closed" if closed else "new", "outcome": outcome,
            "referral_id": referral, "closed_reason": "did_not_return" if closed else None,
            "created_at": self.stamp(day, "11:00"),
            "closed_at": self.stamp(day + timedelta(days=3)) if outcome or closed else None,
        }).last_pk


def value(db, key, period=THIS_YEAR, **kw):
    return impact.figure_value(db, key, *period, today=kw.pop("today", TODAY), **kw)


# ---------------------------------------------------------------- words and periods


@pytest.mark.parametrize(("prior", "current", "words"), [
    (260, 684, "+163%"), (49.5, 390, "+688%"), (101, 197, "+95%"), (10, 5, "-50%"),
    (0, 3, "new"), (0, 0, "no change"), (7, 7, "no change"), (4, 0, "-100%"),
    (200, 201, "+1%"), (200, 199, "-1%"), (1000, 1001, "+0%"), (8, 9, "+13%"),
    (200, 301, "+51%"), (0.1, 0.3, "+200%"), (3.5, 3.5, "no change"), (None, 4, "–"),
])
def test_change_words(prior, current, words):
    assert impact.change_words(prior, current) == words


def test_halves_round_away_from_zero():
    assert impact.change_words(200, 201) == "+1%"  # +0.5% rounds up
    assert impact.change_words(200, 199) == "-1%"
    assert impact.change_words(8, 7) == "-13%"  # -12.5%


def test_default_period_is_the_financial_year():
    assert impact.default_period(date(2026, 11, 14)) == THIS_YEAR
    assert impact.default_period(date(2027, 3, 31)) == THIS_YEAR
    assert impact.default_period(date(2026, 3, 31)) == LAST_YEAR


def test_prior_period_is_the_same_length_just_before():
    assert impact.prior_period(*THIS_YEAR) == LAST_YEAR
    assert impact.prior_period(date(2028, 4, 1), date(2029, 3, 31)) == (
        date(2027, 4, 1), date(2028, 3, 31))  # a year with 29 February still steps a year
    assert impact.prior_period(date(2026, 7, 1), date(2026, 9, 30)) == (
        date(2026, 4, 1), date(2026, 6, 30))
    assert impact.prior_period(date(2026, 3, 1), date(2026, 3, 31)) == (
        date(2026, 2, 1), date(2026, 2, 28))
    assert impact.prior_period(date(2026, 5, 10), date(2026, 5, 16)) == (
        date(2026, 5, 3), date(2026, 5, 9))


def test_figures_follow_the_contract():
    keys = [f.key for f in impact.FIGURES]
    assert len(keys) == len(set(keys))
    assert set(keys) >= {
        "learners_supported", "learners_new", "learners_returning", "visits",
        "volunteer_hours", "support_hours", "sessions_held", "loans_personal",
        "loans_partner", "devices_out", "devices_overdue", "sims_given", "devices_sold",
        "devices_gifted", "devices_lent_refurb", "devices_recycled", "money_taken",
        "carbon_saved", "landfill_diverted", "referrals_made", "referrals_taken_up",
        "reached_foundation", "reached_life"}
    for f in impact.FIGURES:
        assert f.unit in impact.UNITS
        assert set(f.filters) <= {"venue", "partner"}
        assert f.columns and all(len(c) == 2 for c in f.columns)
        assert (f.sums is None) == (f.unit == "count")
        assert f.sums is None or f.sums in dict(f.columns)
        assert f.measure in impact.MEASURES and (f.measure == "total" or f.sums)


# ---------------------------------------------------------------- the seeds' figures


def test_seeds_style_figures_are_reproduced_exactly(db):
    w = World(db)
    venue = w.venue("Wigan Library")
    for year, helped in ((LAST_YEAR, 260), (THIS_YEAR, 684)):
        days = [year[0] + timedelta(days=i % 365) for i in range(helped)]
        tickets = []
        for day in days:
            n = next(w.n)
            tickets.append({"venue_id": venue, "number": n, "day": day.isoformat(),
                            "code": f"T{n}", "source": "desk", "status": "done",
                            "created_at": w.stamp(day), "learner_id": w.learner(f"L{n}")})
        db["tickets"].insert_all(tickets)
    volunteer = [w.user("Asha"), w.user("Bill")]
    # Last year: 50 two-hour sessions with one place and a one-hour session: 101 hours
    # available; 24 two-hour shifts and one of 1.5 hours: 49.5 hours recorded.
    # This year: 98 two-hour sessions and a one-hour one: 197 hours; 195 two-hour shifts.
    for year, sessions, shifts in ((LAST_YEAR, 50, [("14:00", "16:00")] * 24 +
                                    [("14:00", "15:30")]),
                                   (THIS_YEAR, 98, [("14:00", "16:00")] * 195)):
        made = [(year[0] + timedelta(days=i), w.session(venue, year[0] + timedelta(days=i)))
                for i in range(sessions)]
        w.session(venue, year[0] + timedelta(days=200), "10:00", "11:00")
        for i, (signed_in, signed_out) in enumerate(shifts):
            day, session = made[i // 2]
            w.shift(session, volunteer[i % 2], day, signed_in, signed_out)
    shown = {f["key"]: f for f in impact.dashboard(db, *THIS_YEAR, today=date(2027, 4, 15))}

    assert (shown["learners_supported"]["prior"], shown["learners_supported"]["value"]) == (
        260, 684)
    assert shown["learners_supported"]["change"] == "+163%"
    assert shown["visits"]["change"] == "+163%"
    assert (shown["volunteer_hours"]["prior"], shown["volunteer_hours"]["value"]) == (49.5, 390)
    assert shown["volunteer_hours"]["change"] == "+688%"
    assert (shown["support_hours"]["prior"], shown["support_hours"]["value"]) == (101, 197)
    assert shown["support_hours"]["change"] == "+95%"
    assert shown["sessions_held"]["value"] == 99
    assert shown["sims_given"]["change"] == "no change"
    assert shown["learners_new"]["value"] == 684
    # the same rules as the volunteers' and sessions' own pages
    assert volunteers.hours_recorded(db, *THIS_YEAR) == 390
    assert volunteers.hours_recorded(db, *LAST_YEAR) == 49.5
    assert tea_parties.support_hours_available(db, *LAST_YEAR) == 101


# ---------------------------------------------------------------- a small hand-made world


@pytest.fixture
def world(db):
    """Two venues (A, B), two partners (P, Q), three learners and a little of everything,
    in the financial year 2026-27 (and some in 2025-26), seen on 14 November 2026."""
    w = World(db)
    w.a, w.b = w.venue("Wigan Library"), w.venue("Leigh Library")
    w.p, w.q = w.partner("Age UK"), w.partner("Wigan Family Welfare")
    w.ann = w.learner("Ann", "WN5", w.a)
    w.bob = w.learner("Bob", "WN1", w.b)
    w.cat = w.learner("Cat", None, w.a)
    w.ann_prior = w.ticket(w.a, date(2025, 6, 1), w.ann, topics=["email"])
    w.foundation(w.ann, date(2025, 6, 1), w.a)
    w.ann_ticket = w.ticket(w.a, date(2026, 5, 10), w.ann, topics=["email", "nhs_app"])
    w.bob_skills = w.foundation(w.bob, date(2026, 7, 1), w.b)
    w.life(w.bob, date(2026, 7, 1), w.b)
    w.ticket(w.b, date(2026, 8, 1), w.cat, topics=["email"])
    w.ticket(w.b, date(2026, 8, 2), w.cat, status="left")
    w.foundation(w.cat, date(2026, 8, 1), w.b)
    w.skills(w.cat, date(2026, 9, 1), [w.tasks("foundation")[0]["id"]], "with_help", w.b)
    w.ticket(w.a, date(2026, 9, 1), topics=["scams"])  # someone who gave no name

    asha, bill = w.user("Asha"), w.user("Bill")
    s1 = w.session(w.a, date(2026, 5, 5), "14:00", "16:00", 2, partner=w.p)
    s2 = w.session(w.b, date(2026, 6, 10), "10:00", "11:30", 1)
    w.session(w.a, date(2026, 7, 7), slots=3, cancelled=True)
    w.session(w.a, date(2027, 1, 10), "10:00", "11:00", 1)
    w.shift(s1, asha, date(2026, 5, 5), "14:00", "16:00")
    w.shift(s1, bill, date(2026, 5, 5), "14:30", "16:00")
    w.shift(s2, asha, date(2026, 6, 10), "10:00", "11:00")
    w.shift(s2, bill, date(2026, 6, 10), "10:00", None)  # still open: not counted

    w.first_loan = w.loan(w.a, date(2026, 5, 1), back=date(2026, 5, 20))
    w.loan(w.b, date(2026, 10, 1))  # out, due 29 Oct: overdue
    w.loan(w.a, date(2026, 11, 1), days=30, partner=w.p)
    w.loan(w.a, date(2026, 2, 1), back=date(2026, 4, 10), partner=w.q)

    w.sim(w.a, date(2026, 6, 1))
    w.sim(w.a, date(2026, 6, 2))
    w.sim(w.b, date(2026, 9, 1), "Vodafone")
    w.sim(w.a, date(2025, 9, 1))

    w.allocation(w.a, date(2026, 6, 15), "sold", "laptop", price=6000)
    w.allocation(w.b, date(2026, 7, 1), "sold", "tablet", price=4000)
    w.allocation(w.a, date(2026, 8, 1), "gifted", "laptop")
    w.allocation(w.a, date(2026, 9, 1), "lent", "phone")
    w.allocation(w.a, date(2026, 10, 1), "recycled", "desktop", weight=7.0)

    w.referral(w.ann, date(2026, 5, 10), "taken_up", ticket=w.ann_ticket)
    w.referral(w.bob, date(2026, 7, 1), partner=w.p)
    w.referral(w.cat, date(2025, 12, 1), "taken_up")

    # Device-loan referrals: served after 20 days; taken off; two waiting on 14 November
    # (44 days and 4 days); one from last year served this year after 73 days.
    w.r_served = w.loan_referral(w.a, date(2026, 4, 11), w.p, served=date(2026, 5, 1),
                                 loan=w.first_loan)
    w.loan_referral(w.b, date(2026, 6, 1), removed=date(2026, 6, 10))
    w.loan_referral(w.a, date(2026, 10, 1), w.p)
    w.loan_referral(w.b, date(2026, 11, 10))
    w.loan_referral(w.a, date(2026, 2, 1), served=date(2026, 4, 15), loan=w.first_loan)

    w.interest(w.a, date(2026, 6, 1), "sim")
    w.interest(w.a, date(2026, 4, 5), "referral", referral=w.r_served)
    w.interest(w.b, date(2026, 8, 1), "sale")
    w.interest(w.b, date(2026, 9, 1), closed=True)
    w.interest(w.a, date(2026, 10, 1))
    w.interest(w.a, date(2025, 10, 1), "gift")
    return w


EXPECTED = {
    "learners_supported": 3, "learners_new": 2, "learners_returning": 1, "visits": 3,
    "volunteer_hours": 4.5, "support_hours": 6.5, "sessions_held": 2, "loans_personal": 2,
    "loans_partner": 1, "devices_out": 2, "devices_overdue": 1, "sims_given": 3,
    "devices_sold": 2, "devices_gifted": 1, "devices_lent_refurb": 1, "devices_recycled": 1,
    "money_taken": 100.0, "carbon_saved": 611.0, "landfill_diverted": 11.5,
    "referrals_made": 2, "referrals_taken_up": 1, "reached_foundation": 1, "reached_life": 1,
    "loan_referrals_received": 4, "loan_referrals_served": 2, "loan_referrals_removed": 1,
    "loan_referrals_waiting": 2, "loan_referral_wait_median": 46.5,
    "loan_referral_wait_longest": 73, "waiting_under_2_weeks": 1, "waiting_2_to_4_weeks": 0,
    "waiting_1_to_3_months": 1, "waiting_over_3_months": 0,
    "interest_registered": 5, "interest_sim": 1, "interest_sale": 1, "interest_gift": 0,
    "interest_referral": 1, "interest_loan": 1, "interest_closed": 1,
}


def test_every_figure_on_a_small_world(db, world):
    assert {key: value(db, key) for key in EXPECTED} == EXPECTED


def test_every_drill_down_adds_up_to_its_figure(db, world):
    for figure in impact.FIGURES:
        shown = impact.drill(db, figure.key, *THIS_YEAR, today=TODAY)
        assert shown["figure"] is figure
        assert shown["value"] == EXPECTED[figure.key]
        assert all(list(r) == [k for k, _ in figure.columns] for r in shown["rows"])
        if figure.sums is None:
            assert len(shown["rows"]) == shown["value"], figure.key
        elif figure.measure == "median":
            assert statistics.median(r[figure.sums] for r in shown["rows"]) == shown["value"]
        elif figure.measure == "longest":
            assert max(r[figure.sums] for r in shown["rows"]) == shown["value"]
        else:
            total = sum(r[figure.sums] or 0 for r in shown["rows"])
            assert total == pytest.approx(shown["value"]), figure.key


def test_drill_rows_say_who_and_what(db, world):
    supported = impact.drill(db, "learners_supported", *THIS_YEAR, today=TODAY)["rows"]
    assert [(r["first_name"], r["status"], r["first_day"]) for r in supported] == [
        ("Ann", "Returning", "2026-05-10"), ("Bob", "New", "2026-07-01"),
        ("Cat", "New", "2026-08-01")]
    visits = impact.drill(db, "visits", *THIS_YEAR, today=TODAY)["rows"]
    assert [r["learner"] for r in visits] == ["Ann", "Cat", "Not recorded"]
    assert visits[0]["topics"] == "Email, NHS App and health"
    shifts = impact.drill(db, "volunteer_hours", *THIS_YEAR, today=TODAY)["rows"]
    assert [(r["volunteer"], r["signed_in"], r["hours"]) for r in shifts] == [
        ("Asha", "14:00", 2.0), ("Bill", "14:30", 1.5), ("Asha", "10:00", 1.0)]
    sold = impact.drill(db, "devices_sold", *THIS_YEAR, today=TODAY)["rows"]
    assert [(r["day"], r["kind_label"], r["pounds"]) for r in sold] == [
        ("2026-06-15", "Laptop", 60.0), ("2026-07-01", "Tablet", 40.0)]
    given = impact.drill(db, "sims_given", *THIS_YEAR, today=TODAY)["rows"]
    assert [(r["day"], r["network"], r["who"]) for r in given] == [
        ("2026-06-01", "O2", "anonymous"), ("2026-06-02", "O2", "anonymous"),
        ("2026-09-01", "Vodafone", "anonymous")]
    overdue = impact.drill(db, "devices_overdue", *THIS_YEAR, today=TODAY)["rows"]
    assert [(r["lent_on"], r["due_on"]) for r in overdue] == [("2026-10-01", "2026-10-29")]
    referrals = impact.drill(db, "referrals_made", *THIS_YEAR, today=TODAY)["rows"]
    assert [(r["first_name"], r["kind_label"], r["status_label"]) for r in referrals] == [
        ("Ann", "Adult learning course", "Taken up"),
        ("Bob", "Partner organisation", "Referred")]
    reached = impact.drill(db, "reached_foundation", *THIS_YEAR, today=TODAY)["rows"]
    assert reached == [{"learner_id": world.bob, "first_name": "Bob",
                        "postcode_district": "WN1", "reached_on": "2026-07-01"}]


def test_figures_agree_with_the_modules_that_own_the_rules(db, world):
    assert value(db, "volunteer_hours") == volunteers.hours_recorded(db, *THIS_YEAR)
    assert value(db, "volunteer_hours", venue_id=world.a) == volunteers.hours_recorded(
        db, *THIS_YEAR, venue_id=world.a)
    assert value(db, "support_hours") == tea_parties.support_hours_available(db, *THIS_YEAR)
    assert value(db, "sims_given") == len(sims.sims_given(db, *THIS_YEAR))
    report = refurb.refurb_report(db, *THIS_YEAR)
    assert [value(db, k) for k in ("devices_sold", "devices_gifted", "devices_lent_refurb",
                                   "devices_recycled")] == [
        report["counts"][o] for o in ("sold", "gifted", "lent", "recycled")]
    assert value(db, "money_taken") == report["pence"] / 100
    saved = carbon.savings(db, *THIS_YEAR)["total"]
    assert value(db, "carbon_saved") == pytest.approx(saved["co2e_kg"])
    assert value(db, "landfill_diverted") == pytest.approx(saved["landfill_kg"])
    for learner, reached in ((world.ann, False), (world.bob, True), (world.cat, False)):
        now = learners.progress(db, learner, THIS_YEAR[1])["has_foundation"]
        before = learners.progress(db, learner, THIS_YEAR[0] - timedelta(days=1))
        assert (now and not before["has_foundation"]) is reached


def test_prior_year_and_changes(db, world):
    shown = {f["key"]: f for f in impact.dashboard(db, *THIS_YEAR, today=TODAY)}
    assert shown["visits"]["prior"] == 1 and shown["visits"]["change"] == "+200%"
    assert shown["learners_supported"]["prior"] == 1
    assert shown["learners_new"]["prior"] == 1  # Ann, first seen last year
    assert shown["loans_partner"]["change"] == "no change"
    assert shown["sims_given"]["change"] == "+200%"
    assert shown["volunteer_hours"]["change"] == "new"
    assert shown["reached_foundation"]["prior"] == 1  # Ann reached it last year
    assert shown["referrals_taken_up"]["change"] == "no change"
    assert all(f["applies"] for f in shown.values())
    assert [f["key"] for f in impact.dashboard(db, *THIS_YEAR, today=TODAY)] == [
        f.key for f in impact.FIGURES]
    first = shown["learners_supported"]
    assert set(first) == {"key", "label", "group", "unit", "value", "prior", "change", "note",
                          "applies"}
    assert first["label"] == "Learners supported" and first["group"] == "People"


def test_notes_state_the_factor_version_and_the_as_at_day(db, world):
    shown = {f["key"]: f for f in impact.dashboard(db, *THIS_YEAR, today=TODAY)}
    assert shown["carbon_saved"]["note"] == "Factors: version 1 (2026-11-01)"
    assert shown["landfill_diverted"]["note"] == "Factors: version 1 (2026-11-01)"
    assert shown["devices_out"]["note"] == "as at 14 Nov 2026"
    assert shown["sessions_held"]["note"] == "up to 14 Nov 2026"
    assert shown["visits"]["note"] == ""
    later = {f["key"]: f for f in impact.dashboard(db, *THIS_YEAR, today=date(2027, 6, 1))}
    assert later["devices_overdue"]["note"] == "as at 31 Mar 2027"


def test_snapshot_figures_are_as_at_the_last_day(db, world):
    # 31 March 2026: the partner loan of 1 February (due 1 March) was still out
    assert value(db, "devices_out", LAST_YEAR) == 1
    assert value(db, "devices_overdue", LAST_YEAR) == 1
    shown = {f["key"]: f for f in impact.dashboard(db, *THIS_YEAR, today=TODAY)}
    assert (shown["devices_out"]["prior"], shown["devices_out"]["value"]) == (1, 2)
    assert shown["devices_out"]["change"] == "+100%"
    assert shown["devices_overdue"]["change"] == "no change"
    # before anything was lent
    assert value(db, "devices_out", (date(2026, 1, 1), date(2026, 1, 31))) == 0
    # on 15 May the first loan (back on 20 May) was still out and not yet due
    assert value(db, "devices_out", (date(2026, 5, 1), date(2026, 5, 15))) == 1
    assert value(db, "devices_overdue", (date(2026, 5, 1), date(2026, 5, 15))) == 0


def test_venue_filter(db, world):
    a = {key: value(db, key, venue_id=world.a) for key in EXPECTED}
    b = {key: value(db, key, venue_id=world.b) for key in EXPECTED}
    assert (a["learners_supported"], b["learners_supported"]) == (1, 2)
    assert (a["visits"], b["visits"]) == (2, 1)
    assert (a["volunteer_hours"], b["volunteer_hours"]) == (3.5, 1.0)
    assert (a["support_hours"], b["support_hours"]) == (5.0, 1.5)
    assert (a["loans_personal"], b["loans_personal"]) == (1, 1)
    assert (a["devices_overdue"], b["devices_overdue"]) == (0, 1)
    assert (a["sims_given"], b["sims_given"]) == (2, 1)
    assert (a["money_taken"], b["money_taken"]) == (60.0, 40.0)
    assert (a["carbon_saved"], b["carbon_saved"]) == (544.0, 67.0)
    assert (a["referrals_made"], b["referrals_made"]) == (1, 1)
    assert (a["reached_foundation"], b["reached_foundation"]) == (0, 1)
    assert (a["loan_referrals_received"], b["loan_referrals_received"]) == (2, 2)
    assert (a["loan_referral_wait_median"], b["loan_referral_wait_median"]) == (46.5, None)
    assert (a["interest_registered"], b["interest_registered"]) == (3, 2)
    for key in EXPECTED:
        figure = impact.BY_KEY[key]
        if figure.measure != "total":
            continue  # a median is not the sum of its parts
        if figure.sums is None:
            assert a[key] + b[key] == EXPECTED[key], key
        else:
            assert a[key] + b[key] == pytest.approx(EXPECTED[key]), key


def test_partner_filter_and_figures_it_does_not_apply_to(db, world):
    shown = {f["key"]: f for f in impact.dashboard(db, *THIS_YEAR, partner_id=world.p,
                                                   today=TODAY)}
    assert shown["volunteer_hours"]["value"] == 3.5
    assert shown["support_hours"]["value"] == 4.0
    assert shown["sessions_held"]["value"] == 1
    assert shown["loans_partner"]["value"] == 1
    assert shown["devices_out"]["value"] == 1 and shown["devices_overdue"]["value"] == 0
    assert shown["referrals_made"]["value"] == 1 and shown["referrals_taken_up"]["value"] == 0
    for key in ("learners_supported", "visits", "loans_personal", "sims_given",
                "carbon_saved", "reached_life"):
        assert shown[key]["applies"] is False
        assert (shown[key]["value"], shown[key]["prior"], shown[key]["change"]) == (
            None, None, "–")
    assert impact.figure_value(db, "visits", *THIS_YEAR, partner_id=world.p) is None
    assert impact.drill(db, "visits", *THIS_YEAR, partner_id=world.p)["rows"] == []
    assert impact.monthly(db, "visits", *THIS_YEAR, partner_id=world.p) == []


def test_monthly_trend(db, world):
    months = impact.monthly(db, "visits", *THIS_YEAR, today=TODAY)
    assert [m["month"] for m in months][:3] == ["2026-04", "2026-05", "2026-06"]
    assert len(months) == 12 and months[0]["label"] == "Apr 2026"
    assert {m["month"]: m["value"] for m in months if m["value"]} == {
        "2026-05": 1, "2026-08": 1, "2026-09": 1}
    hours = impact.monthly(db, "volunteer_hours", *THIS_YEAR, today=TODAY)
    assert {m["month"]: m["value"] for m in hours if m["value"]} == {"2026-05": 3.5,
                                                                     "2026-06": 1.0}
    out = {m["month"]: m["value"]
           for m in impact.monthly(db, "devices_out", *THIS_YEAR, today=TODAY)}
    assert (out["2026-04"], out["2026-05"], out["2026-10"], out["2026-11"],
            out["2026-12"]) == (0, 0, 1, 2, 0)
    reached = impact.monthly(db, "reached_life", *THIS_YEAR, today=TODAY)
    assert {m["month"]: m["value"] for m in reached if m["value"]} == {"2026-07": 1}


def test_breakdowns(db, world):
    assert impact.by_venue(db, "visits", *THIS_YEAR, today=TODAY) == [
        {"label": "Wigan Library", "value": 2}, {"label": "Leigh Library", "value": 1}]
    assert impact.by_venue(db, "learners_supported", *THIS_YEAR, today=TODAY) == [
        {"label": "Leigh Library", "value": 2}, {"label": "Wigan Library", "value": 1}]
    assert impact.by_venue(db, "sessions_held", *THIS_YEAR, partner_id=world.p,
                           today=TODAY) == [{"label": "Wigan Library", "value": 1}]
    assert impact.by_topic(db, *THIS_YEAR) == [
        {"label": "Email", "value": 2}, {"label": "NHS App and health", "value": 1},
        {"label": "Scams and staying safe", "value": 1}]
    assert impact.by_topic(db, *THIS_YEAR, venue_id=world.b) == [
        {"label": "Email", "value": 1}]
    assert impact.by_network(db, *THIS_YEAR) == [
        {"label": "O2", "value": 2}, {"label": "Vodafone", "value": 1}]
    assert impact.reach(db, *THIS_YEAR) == [
        {"label": "Not given", "value": 1}, {"label": "WN1", "value": 1},
        {"label": "WN5", "value": 1}]
    assert impact.reach(db, *THIS_YEAR, venue_id=world.a) == [{"label": "WN5", "value": 1}]


def test_an_empty_database_shows_zeros_and_no_change(db):
    shown = impact.dashboard(db, *THIS_YEAR, today=TODAY)
    totals = [f for f in shown if impact.BY_KEY[f["key"]].measure == "total"]
    assert all(f["value"] == 0 and f["change"] == "no change" for f in totals)
    assert {(f["value"], f["change"]) for f in shown if f not in totals} == {(None, "–")}
    assert impact.reach(db, *THIS_YEAR) == [] and impact.by_topic(db, *THIS_YEAR) == []


def test_an_unknown_figure_is_a_key_error(db):
    with pytest.raises(KeyError):
        impact.figure_value(db, "nonsense", *THIS_YEAR)
