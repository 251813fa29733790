"""Reports on device-loan referrals and interest registered at the kiosk: figures worked out
from known rows (months in UK time, a referral served in a later month than it came in, one
taken off the list, waits at each month's end), the rows behind each figure, the splits by
referring organisation and venue, and the staff screens and downloads that show them."""

import csv
import io
import re
from datetime import date

import pytest

import impact
import waiting_list

pytestmark = pytest.mark.usefixtures("fast_hashing")

SUMMER = (date(2026, 6, 1), date(2026, 8, 31))
TODAY = date(2026, 9, 15)
NOT_A_PARTNER = impact.NOT_A_PARTNER


class Rows:
    """Loan referrals and registrations of interest written straight into the m008 tables."""

    def __init__(self, db):
        self.db = db
        self.venue_a = db["venues"].insert({"name": "Wigan Library", "kind": "library"}).last_pk
        self.venue_b = db["venues"].insert({"name": "Leigh Library", "kind": "library"}).last_pk
        self.p = db["partners"].insert({"name": "Age UK Wigan",
                                        "created_at": "2026-01-01T09:00:00+00:00"}).last_pk
        self.q = db["partners"].insert({"name": "Brick Housing",
                                        "created_at": "2026-01-01T09:00:00+00:00"}).last_pk
        device = db["devices"].insert({"asset_tag": "TAB-0001", "kind": "tablet",
                                       "status": "on_loan",
                                       "created_at": "2026-01-01T09:00:00+00:00",
                                       "updated_at": "2026-01-01T09:00:00+00:00"}).last_pk
        borrower = db["borrowers"].insert({"name": "Someone",
                                           "created_at": "2026-01-01T09:00:00+00:00"}).last_pk
        self.loan = db["loans"].insert({"device_id": device, "borrower_id": borrower,
                                        "out_at": "2026-01-01T09:00:00+00:00",
                                        "consent": "in_person",
                                        "due_on": "2026-02-01"}).last_pk

    def referral(self, created, *, served=None, removed=None, partner=None, venue=None,
                 name="Dot", reason=None) -> int:
        n = self.db["loan_referrals"].count + 1
        closed = served or removed
        return self.db["loan_referrals"].insert({
            "reference": waiting_list.reference(n), "partner_id": partner,
            "referrer_name": "Jo Worker", "channel": "partner" if partner else "phone",
            "first_name": name, "contact_kind": "mobile", "contact": f"07700900{n:03d}",
            "reason": "No device at home", "venue_id": venue,
            "status": "served" if served else "removed" if removed else "waiting",
            "loan_id": self.loan if served else None,
            "removed_reason": reason or ("moved_away" if removed else None),
            "created_at": created, "closed_at": closed}).last_pk

    def interest(self, venue, created, outcome=None, closed=False, referral=None) -> int:
        n = self.db["interest_registrations"].count + 1
        return self.db["interest_registrations"].insert({
            "reference": f"KA{n}-XYZ", "venue_id": venue, "answers": "{}",
            "suggests": '["sim", "device"]', "first_name": f"Eve{n}",
            "contact_kind": "mobile", "contact": f"07700911{n:03d}",
            "status": "done" if outcome else "closed" if closed else "new",
            "outcome": outcome, "referral_id": referral,
            "closed_reason": "not_eligible" if closed else None, "created_at": created,
            "closed_at": "2026-09-01T09:00:00+00:00" if outcome or closed else None}).last_pk


@pytest.fixture
def rows(db):
    """Stamps are UTC; the months are UK months (BST all summer, so UK = UTC + 1 hour)."""
    r = Rows(db)
    # A: in on 10 June, lent a device on 2 August (53 days): received in June, served in
    # August, waiting at the end of June and of July.
    r.a = r.referral("2026-06-10T09:00:00+00:00", served="2026-08-02T10:00:00+00:00",
                     partner=r.p, venue=r.venue_a, name="Ann")
    # B: 23:30 UTC on 30 June is 00:30 on 1 July in the UK: a July referral, still waiting.
    r.b = r.referral("2026-06-30T23:30:00+00:00", venue=r.venue_b, name="Bea")
    # C: in and taken off in July.
    r.c = r.referral("2026-07-05T09:00:00+00:00", removed="2026-07-20T09:00:00+00:00",
                     partner=r.p, venue=r.venue_a, name="Cal")
    # D: 23:59 on 31 July (UK) in, lent at 00:30 on 1 August (UK): waiting at the end of
    # July, served in August after 1 day.
    r.d = r.referral("2026-07-31T22:59:00+00:00", served="2026-07-31T23:30:00+00:00",
                     partner=r.q, venue=r.venue_b, name="Dee")
    # E: 00:01 on 1 August (UK): an August referral.
    r.e = r.referral("2026-07-31T23:01:00+00:00", name="Eli")
    # F: a week before the end of August. G: waiting since April, before the period.
    r.f = r.referral("2026-08-25T09:00:00+00:00", name="Fay")
    r.g = r.referral("2026-04-01T09:00:00+00:00", venue=r.venue_a, name="Gus")

    r.i1 = r.interest(r.venue_a, "2026-06-30T23:30:00+00:00", "referral", referral=r.d)
    r.i2 = r.interest(r.venue_a, "2026-06-15T09:00:00+00:00", "sim")
    r.i3 = r.interest(r.venue_b, "2026-07-10T09:00:00+00:00", "sale")
    r.i4 = r.interest(r.venue_b, "2026-08-01T09:00:00+00:00", "gift")
    r.i5 = r.interest(r.venue_a, "2026-08-05T09:00:00+00:00")
    r.i6 = r.interest(r.venue_b, "2026-08-06T09:00:00+00:00", closed=True)
    r.i7 = r.interest(r.venue_a, "2026-07-12T09:00:00+00:00", "referral", referral=r.b)
    return r


def value(db, key, period=SUMMER, **kw):
    return impact.figure_value(db, key, *period, today=TODAY, **kw)


def by_month(db, key, **kw):
    return {m["month"]: m["value"]
            for m in impact.monthly(db, key, *SUMMER, today=TODAY, **kw)}


# ---------------------------------------------------------------- the waiting list


def test_received_served_removed_and_waiting_month_by_month(db, rows):
    assert by_month(db, "loan_referrals_received") == {
        "2026-06": 1, "2026-07": 3, "2026-08": 2}
    assert by_month(db, "loan_referrals_served") == {"2026-06": 0, "2026-07": 0, "2026-08": 2}
    assert by_month(db, "loan_referrals_removed") == {"2026-06": 0, "2026-07": 1, "2026-08": 0}
    assert by_month(db, "loan_referrals_waiting") == {"2026-06": 2, "2026-07": 4, "2026-08": 4}
    assert [value(db, k) for k in ("loan_referrals_received", "loan_referrals_served",
                                   "loan_referrals_removed", "loan_referrals_waiting")] == [
        6, 2, 1, 4]


def test_the_months_agree_with_the_waiting_lists_own_figure(db, rows):
    table = impact.month_table(db, impact.LOAN_REFERRAL_MONTHS, *SUMMER, today=TODAY)
    assert [(m["month"], m["first"], m["last"]) for m in table] == [
        ("2026-06", date(2026, 6, 1), date(2026, 6, 30)),
        ("2026-07", date(2026, 7, 1), date(2026, 7, 31)),
        ("2026-08", date(2026, 8, 1), date(2026, 8, 31))]
    assert [list(m["values"].values()) for m in table] == [[1, 0, 0, 2], [3, 0, 1, 4],
                                                           [2, 2, 0, 4]]
    autumn = impact.month_table(db, impact.LOAN_REFERRAL_MONTHS, date(2026, 6, 1),
                                date(2027, 3, 31), today=TODAY)
    assert [m["month"] for m in autumn][-1] == "2026-09"  # no months that have not begun


def test_time_on_the_waiting_list(db, rows):
    assert value(db, "loan_referral_wait_median") == 27  # 53 days and 1 day
    assert value(db, "loan_referral_wait_longest") == 53
    assert {key: value(db, key) for key, *_ in impact.WAIT_BANDS} == {
        "waiting_under_2_weeks": 1,  # F, 6 days on 31 August
        "waiting_2_to_4_weeks": 0,
        "waiting_1_to_3_months": 2,  # B (61 days) and E (30 days)
        "waiting_over_3_months": 1}  # G, since 1 April
    assert by_month(db, "loan_referral_wait_median") == {
        "2026-06": None, "2026-07": None, "2026-08": 27}
    assert by_month(db, "waiting_over_3_months") == {"2026-06": 0, "2026-07": 1, "2026-08": 1}
    # nobody served: no median, not a median of 0
    june = (date(2026, 6, 1), date(2026, 6, 30))
    assert value(db, "loan_referral_wait_median", june) is None
    assert impact.drill(db, "loan_referral_wait_median", *june, today=TODAY)["rows"] == []


def test_drill_down_rows_say_who_when_and_how_long(db, rows):
    served = impact.drill(db, "loan_referrals_served", *SUMMER, today=TODAY)
    assert [(r["reference"], r["first_name"], r["received_on"], r["closed_on"],
             r["days_waited"], r["partner_name"], r["status_label"])
            for r in served["rows"]] == [
        ("R00004", "Dee", "2026-07-31", "2026-08-01", 1, "Brick Housing", "Device lent"),
        ("R00001", "Ann", "2026-06-10", "2026-08-02", 53, "Age UK Wigan", "Device lent")]
    removed = impact.drill(db, "loan_referrals_removed", *SUMMER, today=TODAY)["rows"]
    assert [(r["first_name"], r["removed_reason_label"], r["closed_on"]) for r in removed] == [
        ("Cal", "Moved away", "2026-07-20")]
    waiting = impact.drill(db, "loan_referrals_waiting", *SUMMER, today=TODAY)["rows"]
    assert [(r["first_name"], r["days_waited"], r["venue_name"], r["status_label"])
            for r in waiting] == [
        ("Gus", 152, "Wigan Library", "Waiting"), ("Bea", 61, "Leigh Library", "Waiting"),
        ("Eli", 30, None, "Waiting"), ("Fay", 6, None, "Waiting")]
    median = impact.drill(db, "loan_referral_wait_median", *SUMMER, today=TODAY)
    assert median["value"] == 27 and len(median["rows"]) == 2
    # as at the end of July, A was still waiting (53 days later it was served)
    july = impact.drill(db, "loan_referrals_waiting", date(2026, 7, 1), date(2026, 7, 31),
                        today=TODAY)["rows"]
    assert [(r["first_name"], r["days_waited"], r["status_label"]) for r in july] == [
        ("Gus", 121, "Waiting"), ("Ann", 51, "Device lent"), ("Bea", 30, "Waiting"),
        ("Dee", 0, "Device lent")]


def test_a_note_after_other_is_shown_with_its_reason(db, rows):
    rows.referral("2026-08-10T09:00:00+00:00", removed="2026-08-11T09:00:00+00:00",
                  reason="other: found one at church")
    removed = impact.drill(db, "loan_referrals_removed", *SUMMER, today=TODAY)["rows"]
    assert removed[-1]["removed_reason_label"] == "Other: found one at church"


def test_by_referring_organisation_and_by_venue(db, rows):
    assert impact.by_referrer(db, "loan_referrals_received", *SUMMER, today=TODAY) == [
        {"label": NOT_A_PARTNER, "value": 3}, {"label": "Age UK Wigan", "value": 2},
        {"label": "Brick Housing", "value": 1}]
    assert impact.by_referrer(db, "loan_referral_wait_longest", *SUMMER, today=TODAY) == [
        {"label": "Age UK Wigan", "value": 53}, {"label": "Brick Housing", "value": 1}]
    assert impact.by_referrer(db, "visits", *SUMMER, today=TODAY) == []
    assert impact.by_venue(db, "loan_referrals_received", *SUMMER, today=TODAY) == [
        {"label": "Leigh Library", "value": 2}, {"label": "No venue recorded", "value": 2},
        {"label": "Wigan Library", "value": 2}]
    assert value(db, "loan_referrals_received", partner_id=rows.p) == 2
    assert value(db, "loan_referrals_waiting", venue_id=rows.venue_a) == 1  # Gus
    assert value(db, "loan_referral_wait_median", partner_id=rows.q) == 1


# ---------------------------------------------------------------- interest at the kiosk


def test_interest_and_what_became_of_it_month_by_month(db, rows):
    table = impact.month_table(db, impact.INTEREST_MONTHS, *SUMMER, today=TODAY)
    assert {m["month"]: m["values"] for m in table} == {
        "2026-06": {"interest_registered": 1, "interest_sim": 1, "interest_sale": 0,
                    "interest_gift": 0, "interest_referral": 0, "interest_loan": 0,
                    "interest_closed": 0},
        "2026-07": {"interest_registered": 3, "interest_sim": 0, "interest_sale": 1,
                    "interest_gift": 0, "interest_referral": 2, "interest_loan": 1,
                    "interest_closed": 0},
        "2026-08": {"interest_registered": 3, "interest_sim": 0, "interest_sale": 0,
                    "interest_gift": 1, "interest_referral": 0, "interest_loan": 0,
                    "interest_closed": 1}}
    loans = impact.drill(db, "interest_loan", *SUMMER, today=TODAY)["rows"]
    assert [(r["registered_on"], r["venue_name"], r["outcome_label"], r["referral_reference"],
             r["lent_on"], r["suggests_label"]) for r in loans] == [
        ("2026-07-01", "Wigan Library", "Loan referral", "R00004", "2026-08-01",
         "a free SIM card with data, a refurbished laptop for £60")]
    closed = impact.drill(db, "interest_closed", *SUMMER, today=TODAY)["rows"]
    assert [(r["status_label"], r["closed_reason_label"]) for r in closed] == [
        ("Closed", "Not eligible")]


def test_interest_by_venue_and_the_partner_filter(db, rows):
    assert impact.by_venue(db, "interest_registered", *SUMMER, today=TODAY) == [
        {"label": "Wigan Library", "value": 4}, {"label": "Leigh Library", "value": 3}]
    assert value(db, "interest_registered", venue_id=rows.venue_b) == 3
    assert value(db, "interest_sim", venue_id=rows.venue_b) == 0
    assert value(db, "interest_registered", partner_id=rows.p) is None
    assert impact.month_table(db, impact.INTEREST_MONTHS, *SUMMER, partner_id=rows.p,
                              today=TODAY) == []


# ---------------------------------------------------------------- the staff screens


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_dashboard_has_the_month_tables_and_the_referrers(db, rows, staff_client):
    page = text(staff_client.get("/staff/impact", query_string={
        "first": "2026-06-01", "last": "2026-08-31"}))
    assert 'id="fig-loan_referrals_received">6<' in page
    assert 'id="fig-loan_referral_wait_median">27<' in page
    assert 'id="fig-interest_loan">1<' in page
    months = page.split('id="loan-referral-months"')[1].split("</table>")[0]
    july = months.split('data-month="2026-07"')[1].split("</tr>")[0]
    assert re.findall(r'data-figure="(\w+)">([^<]*)<', july) == [
        ("loan_referrals_received", "3"), ("loan_referrals_served", "0"),
        ("loan_referrals_removed", "1"), ("loan_referrals_waiting", "4")]
    assert ('href="/staff/impact/loan_referrals_received?first=2026-07-01&amp;last=2026-07-31"'
            in july)
    assert "Loan referrals received, by referring organisation" in page
    assert f"<th scope=\"row\">{NOT_A_PARTNER}</th>" in page
    interest = page.split('id="interest-months"')[1].split("</table>")[0]
    assert 'data-figure="interest_loan"' in interest and "… device lent" in interest


def test_the_partner_filter_leaves_the_interest_table_out_with_a_word(db, rows, staff_client):
    page = text(staff_client.get("/staff/impact", query_string={
        "first": "2026-06-01", "last": "2026-08-31", "partner": rows.p}))
    assert 'id="interest-months-none"' in page and 'id="loan-referral-months"' in page
    assert 'id="fig-loan_referrals_received">2<' in page


def test_a_figure_page_shows_its_rows_and_its_split_by_referrer(db, rows, staff_client):
    page = text(staff_client.get("/staff/impact/loan_referral_wait_median", query_string={
        "first": "2026-06-01", "last": "2026-08-31"}))
    assert 'id="figure-value">27<' in page and 'id="figure-rows">2<' in page
    assert 'id="by-referrer"' in page and 'id="by-venue"' in page
    assert 'id="figure-not-split"' not in page
    june = text(staff_client.get("/staff/impact/loan_referral_wait_median", query_string={
        "first": "2026-06-01", "last": "2026-06-30"}))
    assert 'id="figure-value">–<' in june and 'id="figure-not-split"' not in june
    interest = text(staff_client.get("/staff/impact/interest_registered", query_string={
        "first": "2026-06-01", "last": "2026-08-31"}))
    assert 'id="by-referrer"' not in interest and 'id="by-venue"' in interest


def test_the_downloads_carry_the_new_figures_and_rows(db, rows, staff_client):
    query = {"first": "2026-06-01", "last": "2026-08-31"}
    summary = list(csv.reader(io.StringIO(text(staff_client.get(
        "/staff/impact.csv", query_string=query)).lstrip("\ufeff"))))
    shown = {r[0]: r[4] for r in summary[1:]}
    assert (shown["loan_referrals_waiting"], shown["loan_referral_wait_longest"],
            shown["interest_registered"]) == ("4", "53", "7")
    served = list(csv.reader(io.StringIO(text(staff_client.get(
        "/staff/impact/loan_referrals_served.csv", query_string=query)).lstrip("\ufeff"))))
    assert served[0][:3] == ["No.", "Reference", "Received"]
    assert [r[1] for r in served[1:]] == ["R00004", "R00001"]
    assert db["audit_log"].count_where("action = 'impact.export' and row_id = ?",
                                       ["loan_referrals_served"]) == 1
    pdf = staff_client.get("/staff/impact/summary.pdf", query_string=query)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
