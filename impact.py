"""The staff dashboard's figures: every one drillable to the rows behind it. No Flask.

A period is a range of local days, `first` to `last` inclusive (by default this financial
year, 1 April to 31 March, as UK councils report). Each figure is one SQL query giving
the rows behind it; the figure is an aggregate over that same query (a count of its rows,
or the sum of one of its columns), so the drill-down list always adds up to the number on
the dashboard. Periods are ranges on an indexed day or UTC-stamp column: local days for
`day`-style columns, and the UTC stamps bounding those local days for stamp columns.

The rules themselves live in their own modules and are reused here, not re-derived: the
financial year (`volunteers`), the shift and session SQL with their hours (`volunteers`,
`tea_parties`), the loan and giveaway SQL (`lending`, `giveaways.sims`), refurbished-device
outcomes and the versioned carbon factors (`giveaways.refurb`, `giveaways.carbon`) and
the Essential Digital Skills Foundation and Life measures (`learners.derive`).

Comparisons: every figure is shown beside the same figure for the prior period of the same
length, with the change in words ("+163%", "new" from nothing, "no change").
"""

# SQL here is put together from constant fragments only; every value is a bound parameter.
# ruff: noqa: S608

import json
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import learners
import lending
import tea_parties
import volunteers
import waiting_list
from db import parse_id
from giveaways import carbon, interest, refurb, sims
from help_desk import LOCAL_TZ

UNITS = ("count", "hours", "kg", "pounds", "days")
DECIMALS = {"count": 0, "hours": 2, "kg": 3, "pounds": 2, "days": 1}
MEASURES = ("total", "median", "longest")
NOT_APPLICABLE = "–"
NO_VENUE = "No venue recorded"
NOT_GIVEN = "Not given"
NOT_A_PARTNER = "Not a partner (phone, email, in person)"
CHUNK = 500


@dataclass(frozen=True)
class Figure:
    """One dashboard figure.

    `filters`: which of "venue" and "partner" it can honour. `columns`: the drill-down
    list's [(key, heading)]. `sums`: the drill-down column whose total is the figure (None
    when the figure is the number of rows). `measure`: "total" (the count of rows, or the
    sum of `sums`), or the "median" or "longest" of `sums` (None when there are no rows).
    `snapshot`: the figure is "as at" the period's last day (or today, if sooner), not a
    count over the period. `definition`: how it is counted, in plain words.
    """

    key: str
    label: str
    group: str
    unit: str
    filters: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    definition: str
    sums: str | None = None
    snapshot: bool = False
    measure: str = "total"
    when: str = field(default="day", repr=False)  # "day" or "stamp": the period's column


_LEARNER_COLUMNS = (("learner_id", "Learner no."), ("first_name", "First name"),
                    ("postcode_district", "Postcode district"),
                    ("first_day", "First support in period"), ("help_visits", "Help visits"),
                    ("skill_checks", "Skills checks"), ("status", "New or returning"))
_LOAN_COLUMNS = (("loan_id", "Loan no."), ("lent_on", "Lent on"), ("asset_tag", "Device"),
                 ("kind_label", "Kind"), ("holder", "Lent to"), ("venue_name", "Venue"),
                 ("due_on", "Due back"))
_REFURB_COLUMNS = (("allocation_id", "No."), ("day", "Day"), ("asset_tag", "Device"),
                   ("kind_label", "Kind"), ("outcome_label", "Outcome"),
                   ("venue_name", "Venue"))
_REFERRAL_COLUMNS = (("referral_id", "Referral no."), ("made_on", "Made on"),
                     ("first_name", "Learner"), ("kind_label", "Referred to"),
                     ("partner_name", "Partner"), ("detail", "Detail"),
                     ("status_label", "Status"))
_SKILL_COLUMNS = (("learner_id", "Learner no."), ("first_name", "First name"),
                  ("postcode_district", "Postcode district"), ("reached_on", "Reached on"))
_LOAN_REFERRAL_COLUMNS = (("loan_referral_id", "No."), ("reference", "Reference"),
                          ("received_on", "Received"), ("first_name", "First name"),
                          ("partner_name", "Referring organisation"), ("referrer", "Referrer"),
                          ("venue_name", "Preferred venue"), ("status_label", "Now"),
                          ("closed_on", "Lent or taken off on"),
                          ("days_waited", "Days waited (to the loan, removal or period's end)"))
_INTEREST_COLUMNS = (("interest_id", "No."), ("reference", "Reference"),
                     ("registered_on", "Registered"), ("venue_name", "Venue"),
                     ("first_name", "First name"), ("suggests_label", "Probably eligible for"),
                     ("status_label", "Now"), ("outcome_label", "Became"),
                     ("closed_on", "Dealt with on"))
_V, _VP = ("venue",), ("venue", "partner")
LOAN_REFERRALS, INTEREST = "Device loan referrals", "Interest registered at the kiosk"
# Current waits on the loan waiting list, in bands of whole local days: (key, label, SQL).
WAIT_BANDS = (
    ("waiting_under_2_weeks", "Waiting under 2 weeks", "0 to 13 days",
     "x.days_waited < 14"),
    ("waiting_2_to_4_weeks", "Waiting 2 to 4 weeks", "14 to 27 days",
     "x.days_waited between 14 and 27"),
    ("waiting_1_to_3_months", "Waiting 1 to 3 months", "28 to 90 days",
     "x.days_waited between 28 and 90"),
    ("waiting_over_3_months", "Waiting over 3 months", "91 days or more",
     "x.days_waited >= 91"),
)
_AS_AT = ("at the end of the period's last day (or today, if that is sooner)")
_VIA = (" With a venue chosen: those who would like to be seen there. With a partner chosen: "
        "that organisation's referrals.")
_BECAME = ("Registrations of interest made on days in the period that staff have since "
           "turned into {what}, whenever they did it.")

FIGURES = [
    Figure("learners_supported", "Learners supported", "People", "count", _V, _LEARNER_COLUMNS,
           "Different learners with help given (a finished help-desk ticket) or a skills "
           "check recorded on a day in the period. With a venue chosen: support given "
           "there (a skills check with no venue counts at the learner's home venue)."),
    Figure("learners_new", "New learners", "People", "count", _V, _LEARNER_COLUMNS,
           "Learners supported whose first-ever support, anywhere, is in the period."),
    Figure("learners_returning", "Returning learners", "People", "count", _V,
           _LEARNER_COLUMNS,
           "Learners supported in the period who had been supported before it."),
    Figure("visits", "Help visits", "People", "count", _V,
           (("ticket_id", "Ticket no."), ("day", "Day"), ("venue_name", "Venue"),
            ("learner", "Learner"), ("topics", "Topics"), ("minutes", "Minutes")),
           "Help-desk tickets finished (help given) on a day in the period, including "
           "people who did not give their name."),
    Figure("volunteer_hours", "Volunteer hours recorded", "Volunteers", "hours", _VP,
           (("shift_id", "Shift no."), ("day", "Day"), ("venue_name", "Venue"),
            ("title", "Session"), ("volunteer", "Volunteer"), ("signed_in", "Signed in"),
            ("signed_out", "Signed out"), ("hours", "Hours")),
           "Hours between signing in and out, for finished sign-ins at sessions on days in "
           "the period. With a partner chosen: sessions that partner runs.", sums="hours"),
    Figure("support_hours", "Hours of support available", "Volunteers", "hours", _VP,
           (("session_id", "Session no."), ("day", "Day"), ("venue_name", "Venue"),
            ("title", "Session"), ("volunteer_slots", "Volunteer places"),
            ("minutes", "Minutes"), ("hours", "Hours")),
           "Volunteer places planned × session length, for sessions not cancelled on days "
           "in the period (planned ones too).", sums="hours"),
    Figure("sessions_held", "Sessions held", "Sessions", "count", _VP,
           (("session_id", "Session no."), ("day", "Day"), ("venue_name", "Venue"),
            ("title", "Session"), ("kind_label", "Kind"), ("partner_name", "Run by")),
           "Sessions not cancelled on days in the period, up to today."),
    Figure("loans_personal", "Devices lent to people", "Devices", "count", _V, _LOAN_COLUMNS,
           "Devices lent to a person, by the day they went out.", when="stamp"),
    Figure("loans_partner", "Devices lent to partners", "Devices", "count", _VP,
           _LOAN_COLUMNS,
           "Devices lent to a partner organisation, by the day they went out.",
           when="stamp"),
    Figure("devices_out", "Devices out on loan", "Devices", "count", _VP, _LOAN_COLUMNS,
           "Devices lent out and not yet handed back at the end of the period's last day "
           "(or today, if that is sooner).", snapshot=True, when="stamp"),
    Figure("devices_overdue", "Devices overdue", "Devices", "count", _VP, _LOAN_COLUMNS,
           "Devices out on loan past their due date, at the end of the period's last day "
           "(or today, if that is sooner).", snapshot=True, when="stamp"),
    Figure("sims_given", "SIMs given", "SIMs", "count", _V,
           (("giveaway_id", "No."), ("day", "Day"), ("venue_name", "Venue"),
            ("network", "Network"), ("offer", "Offer"), ("code_end", "Ending"),
            ("who", "Given to")),
           "Free SIMs and data vouchers given on days in the period.", when="stamp"),
    Figure("devices_sold", "Refurbished devices sold", "Refurbished devices", "count", _V,
           _REFURB_COLUMNS + (("pounds", "Price (£)"),),
           "Donated devices sold on days in the period.", when="stamp"),
    Figure("devices_gifted", "Refurbished devices gifted", "Refurbished devices", "count",
           _V, _REFURB_COLUMNS + (("gift_reason_label", "Reason"),),
           "Donated devices given free on days in the period.", when="stamp"),
    Figure("devices_lent_refurb", "Refurbished devices added to lending",
           "Refurbished devices", "count", _V, _REFURB_COLUMNS,
           "Donated devices put into the lending library on days in the period.",
           when="stamp"),
    Figure("devices_recycled", "Devices recycled", "Refurbished devices", "count", _V,
           _REFURB_COLUMNS + (("weight_kg", "Weight (kg)"),),
           "Donated devices sent for recycling on days in the period.", when="stamp"),
    Figure("money_taken", "Money taken for devices", "Refurbished devices", "pounds", _V,
           _REFURB_COLUMNS + (("pounds", "Price (£)"),),
           "Money taken for refurbished devices on days in the period.", sums="pounds",
           when="stamp"),
    Figure("carbon_saved", "Carbon saved (kg CO2e)", "Environment", "kg", _V,
           _REFURB_COLUMNS + (("co2e_kg", "kg CO2e"),),
           "Each device reused (sold, gifted or lent) counts its kind's avoided-manufacture "
           "factor, from the newest factor version. Avoided-emissions estimates, not "
           "offsets.", sums="co2e_kg", when="stamp"),
    Figure("landfill_diverted", "Kept from landfill (kg)", "Environment", "kg", _V,
           _REFURB_COLUMNS + (("landfill_kg", "kg"),),
           "Each device reused counts its kind's average weight; each device recycled its "
           "own recorded weight.", sums="landfill_kg", when="stamp"),
    Figure("referrals_made", "Referrals made", "Referrals", "count", _VP, _REFERRAL_COLUMNS,
           "Referrals made on days in the period. With a venue chosen: those made at a "
           "help-desk visit there, or for learners whose home venue it is. With a partner "
           "chosen: referrals to that partner."),
    Figure("referrals_taken_up", "Referrals taken up", "Referrals", "count", _VP,
           _REFERRAL_COLUMNS,
           "Referrals made on days in the period that the learner has taken up."),
    Figure("reached_foundation", "Learners who reached Foundation skills", "Skills", "count",
           _V, _SKILL_COLUMNS,
           "Learners doing every Foundation task on their own at the end of the period who "
           "were not the day before it began (Essential Digital Skills framework)."),
    Figure("reached_life", "Learners who reached Life skills", "Skills", "count", _V,
           _SKILL_COLUMNS,
           "Learners doing at least one Life task in every Life area on their own at the "
           "end of the period who were not the day before it began."),
    Figure("loan_referrals_received", "Loan referrals received", LOAN_REFERRALS, "count", _VP,
           _LOAN_REFERRAL_COLUMNS,
           "Referrals for a device loan received on days in the period, from a partner's "
           "sign-in or entered by staff from a phone call, email or visit." + _VIA,
           when="stamp"),
    Figure("loan_referrals_served", "Loan referrals served (device lent)", LOAN_REFERRALS,
           "count", _VP, _LOAN_REFERRAL_COLUMNS,
           "Referrals whose device was lent on days in the period, whenever they were "
           "received." + _VIA, when="stamp"),
    Figure("loan_referrals_removed", "Loan referrals taken off the waiting list",
           LOAN_REFERRALS, "count", _VP,
           _LOAN_REFERRAL_COLUMNS + (("removed_reason_label", "Why"),),
           "Referrals taken off the waiting list without a loan on days in the period, with "
           "the reason." + _VIA, when="stamp"),
    Figure("loan_referrals_waiting", "On the waiting list", LOAN_REFERRALS, "count", _VP,
           _LOAN_REFERRAL_COLUMNS,
           f"Referrals received and not yet served or taken off the list, {_AS_AT}." + _VIA,
           snapshot=True, when="stamp"),
    Figure("loan_referral_wait_median", "Median wait to be lent a device (days)",
           LOAN_REFERRALS, "days", _VP, _LOAN_REFERRAL_COLUMNS,
           "For referrals served in the period: the middle of their waits, in days from the "
           "day the referral was received to the day the device was lent (UK days). Nothing "
           "when none were served." + _VIA, sums="days_waited", measure="median",
           when="stamp"),
    Figure("loan_referral_wait_longest", "Longest wait to be lent a device (days)",
           LOAN_REFERRALS, "days", _VP, _LOAN_REFERRAL_COLUMNS,
           "For referrals served in the period: the longest wait, in days from the day the "
           "referral was received to the day the device was lent (UK days)." + _VIA,
           sums="days_waited", measure="longest", when="stamp"),
    *(Figure(key, label, LOAN_REFERRALS, "count", _VP, _LOAN_REFERRAL_COLUMNS,
             f"Referrals on the waiting list {_AS_AT} that had waited {days} since the day "
             "they were received." + _VIA, snapshot=True, when="stamp")
      for key, label, days, _sql in WAIT_BANDS),
    Figure("interest_registered", "Interest registered at the kiosk", INTEREST, "count", _V,
           _INTEREST_COLUMNS,
           "Registrations of interest made at a kiosk's eligibility check on days in the "
           "period (a name and contact, or only a reference). With a venue chosen: those "
           "made there.", when="stamp"),
    Figure("interest_sim", "Interest that became a SIM giveaway", INTEREST, "count", _V,
           _INTEREST_COLUMNS, _BECAME.format(what="a free SIM giveaway"), when="stamp"),
    Figure("interest_sale", "Interest that became a device sale", INTEREST, "count", _V,
           _INTEREST_COLUMNS, _BECAME.format(what="a refurbished-device sale"),
           when="stamp"),
    Figure("interest_gift", "Interest that became a device gift", INTEREST, "count", _V,
           _INTEREST_COLUMNS, _BECAME.format(what="a refurbished device given free"),
           when="stamp"),
    Figure("interest_referral", "Interest that became a loan referral", INTEREST, "count",
           _V, _INTEREST_COLUMNS, _BECAME.format(what="a referral for a device loan"),
           when="stamp"),
    Figure("interest_loan", "Interest that led to a device being lent", INTEREST, "count", _V,
           _INTEREST_COLUMNS + (("referral_reference", "Loan referral"),
                                ("lent_on", "Device lent on")),
           "Registrations of interest made on days in the period that became a loan "
           "referral which has since been served: a device was lent.", when="stamp"),
    Figure("interest_closed", "Interest closed with nothing given", INTEREST, "count", _V,
           _INTEREST_COLUMNS + (("closed_reason_label", "Why"),),
           "Registrations of interest made on days in the period that were closed with a "
           "reason (could not get in touch, not eligible…), including those nobody came "
           "back for within 6 months.", when="stamp"),
]
BY_KEY = {f.key: f for f in FIGURES}


def splits_by_referrer(key: str) -> bool:
    """The loan-referral figures can be split by the organisation that referred."""
    return key in BY_KEY and BY_KEY[key].group == LOAN_REFERRALS
_SKILL_FLAGS = {"reached_foundation": "has_foundation", "reached_life": "has_life"}


# ---------------------------------------------------------------- periods and words


def default_period(today: date) -> tuple[date, date]:
    """This financial year (1 April to 31 March), as UK councils report."""
    return volunteers.financial_year(today)


def prior_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length just before. Whole calendar months (a financial
    year, a quarter, a month) step back the same number of months, so a year compares
    with the year before even across a 29 February; any other period steps back the
    same number of days."""
    if first.day == 1 and (last + timedelta(days=1)).day == 1:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        return sims.add_months(first, -months), first - timedelta(days=1)
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def change_words(prior, current) -> str:
    """The change from `prior` to `current` as a whole percentage with its sign ("+163%",
    "-50%", halves rounded away from zero), "new" from nothing, "no change" when equal,
    and "–" when either is not known."""
    if prior is None or current is None:
        return NOT_APPLICABLE
    before, now = Decimal(str(prior)), Decimal(str(current))
    if before == now:
        return "no change"
    if before == 0:
        return "new"
    percent = ((now - before) * 100 / before).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{'+' if now > before else '-'}{abs(percent)}%"


def date_words(day: date) -> str:
    """31 Mar 2027."""
    return f"{day.day} {day:%b %Y}"


def _months(first: date, last: date) -> list[tuple[str, date, date]]:
    """(YYYY-MM, first day, last day) for every month the period touches, clipped to it."""
    months, start = [], first
    while start <= last:
        month_end = sims.add_months(start.replace(day=1), 1) - timedelta(days=1)
        end = min(month_end, last)
        months.append((start.strftime("%Y-%m"), start, end))
        start = end + timedelta(days=1)
    return months


def _local_day(stamp_text: str | None) -> str | None:
    if not stamp_text:
        return None
    return datetime.fromisoformat(stamp_text).astimezone(LOCAL_TZ).date().isoformat()


# ---------------------------------------------------------------- the row queries


@dataclass
class _Ask:
    """One figure asked for one period, with its filters and parameters."""

    figure: Figure
    first: date
    last: date
    venue: int | None
    partner: int | None
    today: date

    @property
    def as_at(self) -> date:
        return min(self.last, self.today)

    def params(self) -> dict:
        start, end = carbon.period_bounds(self.first, self.last)
        _, as_end = carbon.period_bounds(self.as_at, self.as_at)
        return {"first": self.first.isoformat(), "last": self.last.isoformat(),
                "start": start, "end": end, "venue": self.venue, "partner": self.partner,
                "upto": self.as_at.isoformat(), "as_at": self.as_at.isoformat(),
                "as_end": as_end}


def _and(condition: str, value) -> str:
    """A filter clause only when the filter is chosen, so indexes stay usable."""
    return f" and {condition}" if value is not None else ""


def _learners_sql(ask: _Ask, only: str = "") -> str:
    """One row per learner supported in the period: their first support day (and the
    venue of it), help visits, skills checks and whether they are new or returning."""
    venue = _and("venue_id = :venue", ask.venue)
    return f"""
        with support(learner_id, day, venue_id, ticket_id) as (
            select t.learner_id, t.day, t.venue_id, t.id from tickets t
            where t.status = 'done' and t.day between :first and :last
              and t.learner_id is not null
            union all
            select r.learner_id, r.observed_on, coalesce(r.venue_id, l.home_venue_id), null
            from skill_records r join learners l on l.id = r.learner_id
            where r.observed_on between :first and :last
        ),
        firsts as (
            select learner_id, min(day) as first_day, venue_id,
                   count(ticket_id) as help_visits, count(*) - count(ticket_id) as skill_checks
            from support where 1 = 1 {venue} group by learner_id
        ),
        described as (
            select f.learner_id, l.first_name, l.postcode_district, f.first_day,
                   f.help_visits, f.skill_checks,
                   case when exists (select 1 from tickets t2 where t2.learner_id = f.learner_id
                                     and t2.status = 'done' and t2.day < :first)
                          or exists (select 1 from skill_records r2
                                     where r2.learner_id = f.learner_id
                                     and r2.observed_on < :first)
                        then 'Returning' else 'New' end as status,
                   f.first_day as _when, 1 as _value, f.venue_id as _venue_id
            from firsts f join learners l on l.id = f.learner_id
        )
        select * from described {only}"""


def _visits_sql(ask: _Ask) -> str:
    return f"""
        select t.id as ticket_id, t.day, v.name as venue_name,
               coalesce(l.first_name, 'Not recorded') as learner, t.minutes,
               (select group_concat(tp.label, ', ') from ticket_topics tt
                join topics tp on tp.slug = tt.topic where tt.ticket_id = t.id) as topics,
               t.day as _when, 1 as _value, t.venue_id as _venue_id
        from tickets t join venues v on v.id = t.venue_id
        left join learners l on l.id = t.learner_id
        where t.status = 'done' and t.day between :first and :last
        {_and("t.venue_id = :venue", ask.venue)}"""


def _session_filters(ask: _Ask) -> str:
    return _and("s.venue_id = :venue", ask.venue) + _and("s.partner_id = :partner",
                                                         ask.partner)


def _volunteer_hours_sql(ask: _Ask) -> str:
    """volunteers' shift SQL: closed shifts at sessions on days in the period."""
    return f"""
        select x.id as shift_id, x.day, x.venue_name, x.title,
               x.display_name as volunteer, x.signed_in_at, x.signed_out_at, x.hours,
               x.day as _when, x.hours as _value, x.venue_id as _venue_id
        from ({volunteers._SHIFT_SQL}
              where vs.signed_out_at is not null and s.day between :first and :last
              {_session_filters(ask)}) x"""


def _sessions_sql(ask: _Ask, last: str) -> str:
    """tea_parties' session list SQL: sessions not cancelled on days in the period."""
    return f"""
        select x.id as session_id, x.day, x.venue_name, x.title, x.kind, x.partner_name,
               x.volunteer_slots, x.minutes, x.volunteer_slots * x.minutes / 60.0 as hours,
               x.day as _when, x.venue_id as _venue_id
        from ({tea_parties._LIST_SQL}
              where s.cancelled_at is null and s.day between :first and {last}
              {_session_filters(ask)}) x"""


def _loans_sql(ask: _Ask, where: str) -> str:
    """lending's loan SQL."""
    return f"""
        select x.id as loan_id, x.out_at, x.asset_tag, x.kind_label, x.holder,
               x.venue_name, x.due_on, x.out_at as _when, 1 as _value,
               x.venue_id as _venue_id
        from ({lending._LOAN_SQL} where {where}
              {_and("l.venue_id = :venue", ask.venue)}
              {_and("l.partner_id = :partner", ask.partner)}) x"""


_OUT_AS_AT = """l.out_at < :as_end and (l.returned_at is null or l.returned_at >= :as_end)
                and (l.closed_at is null or l.closed_at >= :as_end)"""


def _sims_sql(ask: _Ask) -> str:
    """The SIM report's giveaway SQL: SIMs given on days in the period."""
    return f"""
        select x.*, x.given_at as _when, 1 as _value, x.venue_id as _venue_id
        from ({sims._GIVEAWAY_SQL} where g.given_at >= :start and g.given_at < :end
              {_and("g.venue_id = :venue", ask.venue)}) x"""


def _allocations_sql(ask: _Ask, where: str, value: str = "1") -> str:
    """Refurbished devices allocated (sold, gifted, lent, recycled) on days in the period,
    with the newest carbon factor set's factors, as `carbon.savings` counts them."""
    reused = ", ".join(f"'{o}'" for o in carbon.REUSED)
    return f"""
        select x.*, x.at as _when, {value} as _value, x.venue_id as _venue_id from (
            select a.id as allocation_id, a.at, a.outcome, a.gift_reason, a.weight_kg,
                   a.price_pence, a.price_pence / 100.0 as pounds, a.venue_id,
                   r.asset_tag, r.kind, k.label as kind_label, v.name as venue_name,
                   case when a.outcome in ({reused}) then coalesce(f.co2e_kg, 0) else 0 end
                       as co2e_kg,
                   case when a.outcome in ({reused}) then coalesce(f.landfill_kg, 0)
                        when a.outcome = 'recycled' then coalesce(a.weight_kg, 0) else 0 end
                       as landfill_kg
            from refurb_allocations a join refurb_devices r on r.id = a.refurb_id
            join device_kinds k on k.slug = r.kind
            left join venues v on v.id = a.venue_id
            left join carbon_factors f on f.kind = r.kind and f.set_id = (
                select id from carbon_factor_sets order by version desc limit 1)
            where a.at >= :start and a.at < :end and {where}
            {_and("a.venue_id = :venue", ask.venue)}) x"""


def _referrals_sql(ask: _Ask, where: str = "1 = 1") -> str:
    return f"""
        select x.*, x.made_on as _when, 1 as _value, x.venue_id as _venue_id from (
            select r.id as referral_id, r.made_on, l.first_name, r.kind, r.detail, r.status,
                   p.name as partner_name, coalesce(t.venue_id, l.home_venue_id) as venue_id
            from referrals r join learners l on l.id = r.learner_id
            left join partners p on p.id = r.partner_id
            left join tickets t on t.id = r.ticket_id
            where r.made_on between :first and :last and {where}
            {_and("r.partner_id = :partner", ask.partner)}) x
        where 1 = 1 {_and("x.venue_id = :venue", ask.venue)}"""


_LOAN_REFERRAL_WHERE = {
    "loan_referrals_received": "r.created_at >= :start and r.created_at < :end",
    "loan_referrals_served": ("r.status = 'served' and r.closed_at >= :start "
                              "and r.closed_at < :end"),
    "loan_referrals_removed": ("r.status = 'removed' and r.closed_at >= :start "
                               "and r.closed_at < :end"),
    "loan_referrals_waiting": ("r.created_at < :as_end and (r.closed_at is null "
                               "or r.closed_at >= :as_end)"),
}
_LOAN_REFERRAL_WHERE |= {
    "loan_referral_wait_median": _LOAN_REFERRAL_WHERE["loan_referrals_served"],
    "loan_referral_wait_longest": _LOAN_REFERRAL_WHERE["loan_referrals_served"],
} | {key: _LOAN_REFERRAL_WHERE["loan_referrals_waiting"] for key, *_ in WAIT_BANDS}
_BANDS = {key: sql for key, _label, _days, sql in WAIT_BANDS}


def _loan_referrals_sql(ask: _Ask) -> str:
    """Loan referrals (table loan_referrals), each with the whole UK days it waited: from the
    day it was received to the day it was served or taken off, or, while still waiting, to
    the period's "as at" day. Served and removed ones count by when that happened."""
    key = ask.figure.key
    when = "closed_at" if key in ("loan_referrals_served", "loan_referrals_removed",
                                  "loan_referral_wait_median",
                                  "loan_referral_wait_longest") else "created_at"
    value = "x.days_waited" if ask.figure.measure != "total" else "1"
    band = f"where {_BANDS[key]}" if key in _BANDS else ""
    return f"""
        select x.*, x.{when} as _when, {value} as _value, x.venue_id as _venue_id from (
            select r.id as loan_referral_id, r.reference, r.created_at, r.closed_at, r.status,
                   r.removed_reason, r.first_name, r.referrer_name as referrer,
                   coalesce(p.name, '{NOT_A_PARTNER}') as partner_name, r.venue_id,
                   v.name as venue_name,
                   cast(julianday(case when r.closed_at < :as_end then local_day(r.closed_at)
                                       else :as_at end)
                        - julianday(local_day(r.created_at)) as integer) as days_waited
            from loan_referrals r left join partners p on p.id = r.partner_id
            left join venues v on v.id = r.venue_id
            where {_LOAN_REFERRAL_WHERE[key]}
            {_and("r.venue_id = :venue", ask.venue)}
            {_and("r.partner_id = :partner", ask.partner)}) x {band}"""


_INTEREST_WHERE = {
    "interest_registered": "1 = 1",
    "interest_sim": "i.outcome = 'sim'",
    "interest_sale": "i.outcome = 'sale'",
    "interest_gift": "i.outcome = 'gift'",
    "interest_referral": "i.outcome = 'referral'",
    "interest_loan": "i.outcome = 'referral' and lr.status = 'served'",
    "interest_closed": "i.status = 'closed'",
}


def _interest_sql(ask: _Ask) -> str:
    """Registrations of interest made in the period (table interest_registrations), and
    what staff have made of them since."""
    return f"""
        select x.*, x.created_at as _when, 1 as _value, x.venue_id as _venue_id from (
            select i.id as interest_id, i.reference, i.created_at, i.closed_at, i.venue_id,
                   v.name as venue_name, i.first_name, i.suggests, i.status, i.outcome,
                   i.closed_reason, lr.reference as referral_reference,
                   case when lr.status = 'served' then lr.closed_at end as lent_at
            from interest_registrations i join venues v on v.id = i.venue_id
            left join loan_referrals lr on lr.id = i.referral_id
            where i.created_at >= :start and i.created_at < :end
              and {_INTEREST_WHERE[ask.figure.key]}
            {_and("i.venue_id = :venue", ask.venue)}) x"""


def _row_sql(ask: _Ask) -> str:
    """The rows behind a figure, each with `_when` (its day or stamp), `_value` (what it
    adds to the figure) and `_venue_id`."""
    key = ask.figure.key
    if key == "learners_supported":
        return _learners_sql(ask)
    if key == "learners_new":
        return _learners_sql(ask, "where status = 'New'")
    if key == "learners_returning":
        return _learners_sql(ask, "where status = 'Returning'")
    if key == "visits":
        return _visits_sql(ask)
    if key == "volunteer_hours":
        return _volunteer_hours_sql(ask)
    if key == "support_hours":
        return f"select y.*, y.hours as _value from ({_sessions_sql(ask, ':last')}) y"
    if key == "sessions_held":
        return f"select y.*, 1 as _value from ({_sessions_sql(ask, ':upto')}) y"
    if key == "loans_personal":
        return _loans_sql(ask, "l.borrower_id is not null and l.out_at >= :start "
                               "and l.out_at < :end")
    if key == "loans_partner":
        return _loans_sql(ask, "l.partner_id is not null and l.out_at >= :start "
                               "and l.out_at < :end")
    if key == "devices_out":
        return _loans_sql(ask, _OUT_AS_AT)
    if key == "devices_overdue":
        return _loans_sql(ask, _OUT_AS_AT + " and l.due_on < :as_at")
    if key == "sims_given":
        return _sims_sql(ask)
    if key in ("devices_sold", "devices_gifted", "devices_lent_refurb", "devices_recycled"):
        outcome = key.removeprefix("devices_").removesuffix("_refurb")
        return _allocations_sql(ask, f"a.outcome = '{outcome}'")
    if key == "money_taken":
        return _allocations_sql(ask, "a.price_pence is not null", "x.pounds")
    if key == "carbon_saved":
        reused = ", ".join(f"'{o}'" for o in carbon.REUSED)
        return _allocations_sql(ask, f"a.outcome in ({reused})", "x.co2e_kg")
    if key == "landfill_diverted":
        return _allocations_sql(ask, "1 = 1", "x.landfill_kg")
    if key == "referrals_made":
        return _referrals_sql(ask)
    if key == "referrals_taken_up":
        return _referrals_sql(ask, "r.status = 'taken_up'")
    if key in _LOAN_REFERRAL_WHERE:
        return _loan_referrals_sql(ask)
    if key in _INTEREST_WHERE:
        return _interest_sql(ask)
    raise KeyError(key)


def _aggregate(figure: Figure, column: str = "r._value") -> str:
    return "count(r._when)" if figure.sums is None else f"total({column})"


def _measured(figure: Figure, values: list):
    """A median or longest figure from its rows' values: None when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    found = statistics.median(values) if figure.measure == "median" else max(values)
    return _rounded(figure, found)


def _ready(db) -> None:
    """SQL's `local_day(stamp)`: the UK day of a UTC stamp (GMT or BST as it was then), for
    whole days waited. Registered once per connection."""
    db.register_function(_local_day, deterministic=True, name="local_day")


def _rounded(figure: Figure, value):
    if value is None:
        return None
    places = DECIMALS[figure.unit]
    return int(value) if places == 0 else round(value, places)


# ---------------------------------------------------------------- skills gained


def _skill_candidates(db, ask: _Ask) -> list[dict]:
    """Learners with a skills check on a day in the period (there, with a venue chosen):
    only their flags can have changed."""
    return [dict(r) for r in db.query(
        f"""select r.learner_id, min(r.observed_on) as first_day,
                   coalesce(r.venue_id, l.home_venue_id) as venue_id,
                   l.first_name, l.postcode_district
            from skill_records r join learners l on l.id = r.learner_id
            where r.observed_on between :first and :last
            {_and("coalesce(r.venue_id, l.home_venue_id) = :venue", ask.venue)}
            group by r.learner_id order by r.learner_id""", ask.params())]


def _reached_rows(db, ask: _Ask) -> list[dict]:
    return _reached_by_flag(db, ask)[_SKILL_FLAGS[ask.figure.key]]


def _reached_by_flag(db, ask: _Ask) -> dict[str, list[dict]]:
    """Learners whose Foundation (or Life) flag is true as at the period's last day and
    was not as at the day before its first, each with the day they reached it (the last
    time it turned true in the period). Uses the same rule as a learner's progress page:
    each task's latest record (by when it was recorded) among those observed by that day,
    through `learners.derive`. Python runs only over learners with a skills check in the
    period."""
    found = {flag: [] for flag in _SKILL_FLAGS.values()}
    candidates = _skill_candidates(db, ask)
    if not candidates:
        return found
    tasks = learners.skill_tasks(db)
    records: dict[int, list[dict]] = {}
    ids = [c["learner_id"] for c in candidates]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in db.query(
                f"""select learner_id, task_id, level, observed_on from skill_records
                    where learner_id in ({marks}) and observed_on <= ?
                    order by learner_id, observed_at, id""",
                [*chunk, ask.last.isoformat()]):
            records.setdefault(r["learner_id"], []).append(dict(r))

    def flags_on(rows: list[dict], day: str) -> dict:
        latest = learners._latest([r for r in rows if r["observed_on"] <= day])
        return learners.derive(tasks, learners._on_own(latest))

    before_day = (ask.first - timedelta(days=1)).isoformat()
    for c in candidates:
        mine = records.get(c["learner_id"], [])
        before = flags_on(mine, before_day)
        days = sorted({r["observed_on"] for r in mine if r["observed_on"] >= ask.first
                       .isoformat()})
        progress = [(day, flags_on(mine, day)) for day in days]
        for flag, rows in found.items():
            if before[flag]:
                continue
            reached_on, held = None, False
            for day, now in progress:
                if now[flag] and not held:
                    reached_on = day
                held = now[flag]
            if held:
                rows.append({"learner_id": c["learner_id"], "first_name": c["first_name"],
                             "postcode_district": c["postcode_district"],
                             "reached_on": reached_on, "_when": reached_on, "_value": 1,
                             "_venue_id": c["venue_id"]})
    return found


# ---------------------------------------------------------------- asking


def _figure(key: str) -> Figure:
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"No figure called {key!r}") from None


def applies(figure: Figure, venue_id=None, partner_id=None) -> bool:
    """Whether the figure can honour the chosen filters."""
    return ((venue_id is None or "venue" in figure.filters)
            and (partner_id is None or "partner" in figure.filters))


def _ask(key, first, last, venue_id, partner_id, today) -> _Ask | None:
    figure = _figure(key)
    venue, partner = parse_id(venue_id), parse_id(partner_id)
    if not applies(figure, venue, partner):
        return None
    return _Ask(figure, first, last, venue, partner, today or lending.today())


def _value(db, ask: _Ask):
    _ready(db)
    if ask.figure.key in _SKILL_FLAGS:
        return len(_reached_rows(db, ask))
    if ask.figure.measure != "total":
        return _measured(ask.figure, [r[0] for r in db.execute(
            f"select r._value from ({_row_sql(ask)}) r", ask.params())])
    raw = db.execute(f"select {_aggregate(ask.figure)} from ({_row_sql(ask)}) r",
                     ask.params()).fetchone()[0]
    return _rounded(ask.figure, raw)


_LEARNER_KEYS = ("learners_supported", "learners_new", "learners_returning")


def _shared_value(db, ask: _Ask, shared: dict):
    """`_value`, but figures that come from one underlying query (the three learner
    counts; the two skills flags) run it once per period: the dashboard asks for all."""
    period = (ask.first, ask.last)
    if ask.figure.key in _LEARNER_KEYS:
        if ("learners", period) not in shared:
            shared["learners", period] = dict(zip(_LEARNER_KEYS, db.execute(
                f"""select count(*), coalesce(sum(status = 'New'), 0),
                           coalesce(sum(status = 'Returning'), 0)
                    from ({_learners_sql(ask)}) r""", ask.params()).fetchone(), strict=True))
        return shared["learners", period][ask.figure.key]
    if ask.figure.key in _SKILL_FLAGS:
        if ("skills", period) not in shared:
            shared["skills", period] = _reached_by_flag(db, ask)
        return len(shared["skills", period][_SKILL_FLAGS[ask.figure.key]])
    return _value(db, ask)


def figure_value(db, key: str, first: date, last: date, venue_id=None, partner_id=None, *,
                 today: date | None = None):
    """One figure for local days first..last: a number, or None when a chosen filter
    does not apply to it. `today` (default: today in the UK) bounds "sessions held" and
    the "as at" day of snapshot figures."""
    ask = _ask(key, first, last, venue_id, partner_id, today)
    return None if ask is None else _value(db, ask)


def note(db, key: str, first: date, last: date, today: date | None = None) -> str:
    """What a reader needs beside the figure: the factor version, or the "as at" day."""
    figure = _figure(key)
    today = today or lending.today()
    if key in ("carbon_saved", "landfill_diverted"):
        factors = carbon.current_set(db)
        return f"Factors: version {factors['version']} ({factors['source_date']})"
    if figure.snapshot:
        return f"as at {date_words(min(last, today))}"
    if key == "sessions_held" and last > today:
        return f"up to {date_words(today)}"
    return ""


def dashboard(db, first: date, last: date, venue_id=None, partner_id=None, *,
              today: date | None = None) -> list[dict]:
    """Every figure for the period beside the prior period of the same length: key,
    label, group, unit, value, prior, change (in words), note and applies (False when a
    chosen filter cannot be honoured: then value and prior are None and change "–")."""
    today = today or lending.today()
    prior_first, prior_last = prior_period(first, last)
    shared: dict = {}
    shown = []
    for figure in FIGURES:
        ask = _ask(figure.key, first, last, venue_id, partner_id, today)
        value = prior = None
        if ask is not None:
            value = _shared_value(db, ask, shared)
            prior = _shared_value(db, _Ask(figure, prior_first, prior_last, ask.venue,
                                           ask.partner, today), shared)
        shown.append({"key": figure.key, "label": figure.label, "group": figure.group,
                      "unit": figure.unit, "value": value, "prior": prior,
                      "change": change_words(prior, value),
                      "note": note(db, figure.key, first, last, today) if ask else "",
                      "applies": ask is not None})
    return shown


# ---------------------------------------------------------------- drill-down


def _described(figure: Figure, row: dict) -> dict:
    """A row as the drill-down list shows it: local days, words for codes."""
    if figure.key == "sims_given":
        row = sims._described(row)
        row["day"] = row["day"].isoformat()
        row["giveaway_id"] = row["id"]
    if figure.when == "stamp" and "out_at" in row:
        row["lent_on"] = _local_day(row["out_at"])
    if "at" in row and "allocation_id" in row:
        row["day"] = _local_day(row["at"])
        row["outcome_label"] = refurb.OUTCOMES.get(row["outcome"], row["outcome"])
        row["gift_reason_label"] = refurb.GIFT_REASONS.get(row["gift_reason"] or "", "")
    if "signed_in_at" in row:
        row["signed_in"] = _local_time(row["signed_in_at"])
        row["signed_out"] = _local_time(row["signed_out_at"])
    if "referral_id" in row:
        row["kind_label"] = learners.REFERRAL_KINDS.get(row["kind"], row["kind"])
        row["status_label"] = learners.REFERRAL_STATUSES.get(row["status"], row["status"])
    if figure.key == "sessions_held":
        row["kind_label"] = tea_parties.SESSION_KINDS.get(row["kind"], row["kind"])
    if "loan_referral_id" in row:
        row["received_on"] = _local_day(row["created_at"])
        row["closed_on"] = _local_day(row["closed_at"])
        row["status_label"] = waiting_list.STATUSES.get(row["status"], row["status"])
        row["removed_reason_label"] = waiting_list.removal_words(row["removed_reason"])
    if "interest_id" in row:
        row["registered_on"] = _local_day(row["created_at"])
        row["closed_on"] = _local_day(row["closed_at"])
        row["lent_on"] = _local_day(row["lent_at"])
        row["suggests_label"] = ", ".join(
            interest.SCHEME_WORDS.get(s, s) for s in json.loads(row["suggests"] or "[]")
        ) or "Neither"
        row["status_label"] = INTEREST_STATUSES.get(row["status"], row["status"])
        row["outcome_label"] = interest.OUTCOMES.get(row["outcome"] or "", "")
        row["closed_reason_label"] = interest.CLOSE_REASONS.get(row["closed_reason"] or "",
                                                                row["closed_reason"])
    return row


INTEREST_STATUSES = {"new": "Not yet dealt with", "done": "Done", "closed": "Closed"}


def _local_time(stamp_text: str | None) -> str:
    if not stamp_text:
        return ""
    return datetime.fromisoformat(stamp_text).astimezone(LOCAL_TZ).strftime("%H:%M")


def _raw_rows(db, ask: _Ask) -> list[dict]:
    _ready(db)
    if ask.figure.key in _SKILL_FLAGS:
        return _reached_rows(db, ask)
    return [dict(r) for r in db.query(
        f"select * from ({_row_sql(ask)}) r order by r._when, 1",
        ask.params())]


def drill(db, key: str, first: date, last: date, venue_id=None, partner_id=None, *,
          today: date | None = None) -> dict:
    """The rows behind a figure: {"figure", "columns", "rows", "value"}. Each row holds
    exactly the drill-down columns. For a count the figure is len(rows); for a sum it is
    the total of the row column `figure.sums` (to the unit's rounding)."""
    figure = _figure(key)
    ask = _ask(key, first, last, venue_id, partner_id, today)
    columns = list(figure.columns)
    if ask is None:
        return {"figure": figure, "columns": columns, "rows": [], "value": None,
                "applies": False}
    keys = [k for k, _ in columns]
    rows = [{k: described.get(k) for k in keys}
            for described in (_described(figure, r) for r in _raw_rows(db, ask))]
    return {"figure": figure, "columns": columns, "rows": rows, "value": _value(db, ask),
            "applies": True}


# ---------------------------------------------------------------- charts


def _month_label(month: str) -> str:
    return date.fromisoformat(month + "-01").strftime("%b %Y")


def monthly(db, key: str, first: date, last: date, venue_id=None, partner_id=None, *,
            today: date | None = None) -> list[dict]:
    """The figure month by month, every month the period touches (zeros included):
    [{"month": "2026-04", "label": "Apr 2026", "value": n}]. Months add up to the figure:
    a learner counts in the month of their first support in the period. Snapshot figures
    are as at each month's end (or today); a month wholly after today shows 0. Nothing
    (an empty list) when a chosen filter does not apply."""
    ask = _ask(key, first, last, venue_id, partner_id, today)
    if ask is None:
        return []
    figure, months = ask.figure, _months(first, last)
    if figure.snapshot:
        values = {m: _value(db, _Ask(figure, lo, hi, ask.venue, ask.partner, ask.today))
                  if lo <= ask.today else 0 for m, lo, hi in months}
    elif figure.key in _SKILL_FLAGS:
        values = dict.fromkeys((m for m, _, _ in months), 0)
        for row in _reached_rows(db, ask):
            values[row["_when"][:7]] += 1
    elif figure.measure != "total":
        found: dict[str, list] = {}
        for row in _raw_rows(db, ask):
            found.setdefault(_local_day(row["_when"])[:7], []).append(row["_value"])
        values = {m: _measured(figure, found.get(m, [])) for m, _, _ in months}
    else:
        _ready(db)
        params = ask.params()
        bounds = []
        for i, (month, lo, hi) in enumerate(months):
            if figure.when == "stamp":
                low, high = carbon.period_bounds(lo, hi)
            else:
                low, high = lo.isoformat(), (hi + timedelta(days=1)).isoformat()
            params.update({f"m{i}": month, f"l{i}": low, f"h{i}": high})
            bounds.append(f"(:m{i}, :l{i}, :h{i})")
        sql = f"""with _months(month, low, high) as (values {", ".join(bounds)})
                  select m.month, {_aggregate(figure)} from _months m
                  left join ({_row_sql(ask)}) r on r._when >= m.low and r._when < m.high
                  group by m.month"""
        values = {m: _rounded(figure, v) for m, v in db.execute(sql, params).fetchall()}
    return [{"month": m, "label": _month_label(m), "value": values.get(m, 0)}
            for m, _, _ in months]


def _grouped(db, ask: _Ask, group_sql: str, label_sql: str, join: str = "",
             label_of=None) -> list[dict]:
    """The figure split into groups, largest first. A median or longest figure is worked
    out group by group from its rows (`label_of(row)` names a row's group)."""
    if ask.figure.measure != "total":
        found: dict[str, list] = {}
        for row in _raw_rows(db, ask):
            found.setdefault(label_of(row), []).append(row["_value"])
        shown = [{"label": k, "value": _measured(ask.figure, v)} for k, v in found.items()]
        return sorted(shown, key=lambda r: (-(r["value"] or 0), r["label"]))
    _ready(db)
    sql = f"""select {label_sql} as label, {_aggregate(ask.figure)} as value
              from ({_row_sql(ask)}) r {join} group by {group_sql}
              order by value desc, label"""
    return [{"label": label, "value": _rounded(ask.figure, value)}
            for label, value in db.execute(sql, ask.params()).fetchall()]


def by_venue(db, key: str, first: date, last: date, partner_id=None, *,
             today: date | None = None) -> list[dict]:
    """The figure split by venue, largest first: [{"label": venue name, "value": n}].
    Each row counts once, at its own venue (a learner at the venue of their first support
    in the period), so the venues add up to the figure."""
    ask = _ask(key, first, last, None, partner_id, today)
    if ask is None:
        return []
    if ask.figure.key in _SKILL_FLAGS:
        names = dict(db.execute("select id, name from venues").fetchall())
        counts: dict[str, int] = {}
        for row in _reached_rows(db, ask):
            label = names.get(row["_venue_id"], NO_VENUE)
            counts[label] = counts.get(label, 0) + 1
        return [{"label": k, "value": v}
                for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    names = dict(db.execute("select id, name from venues").fetchall())
    return _grouped(db, ask, "r._venue_id", f"coalesce(v.name, '{NO_VENUE}')",
                    "left join venues v on v.id = r._venue_id",
                    label_of=lambda row: names.get(row["_venue_id"], NO_VENUE))


def by_referrer(db, key: str, first: date, last: date, venue_id=None, partner_id=None, *,
                today: date | None = None) -> list[dict]:
    """A loan-referral figure split by the organisation that referred, largest first
    ("Not a partner (phone, email, in person)" for referrals staff took from someone
    else). Nothing for other figures, or when a chosen filter does not apply."""
    if not splits_by_referrer(key):
        return []
    ask = _ask(key, first, last, venue_id, partner_id, today)
    if ask is None:
        return []
    return _grouped(db, ask, "r.partner_name", "r.partner_name",
                    label_of=lambda row: row["partner_name"])


LOAN_REFERRAL_MONTHS = (("loan_referrals_received", "Received"),
                        ("loan_referrals_served", "Device lent"),
                        ("loan_referrals_removed", "Taken off the list"),
                        ("loan_referrals_waiting", "Waiting at the month's end"))
INTEREST_MONTHS = (("interest_registered", "Registered"), ("interest_sim", "SIM given"),
                   ("interest_sale", "Device sold"), ("interest_gift", "Device gifted"),
                   ("interest_referral", "Loan referral"),
                   ("interest_loan", "… device lent"), ("interest_closed", "Closed"))


def month_table(db, keys: tuple[tuple[str, str], ...], first: date, last: date,
                venue_id=None, partner_id=None, *, today: date | None = None) -> list[dict]:
    """Several figures month by month side by side: [{"month", "label", "first", "last",
    "values": {key: value}}], each month clipped to the period (so a month's value is the
    figure for those days: a link can drill into it). Months that have not started yet are
    left out: "waiting at the month's end" has no value for them. Nothing when a chosen
    filter does not apply to these figures."""
    today = today or lending.today()
    columns = {key: impact_months for key, _ in keys
               if (impact_months := monthly(db, key, first, last, venue_id, partner_id,
                                            today=today))}
    if len(columns) != len(keys):
        return []
    return [{"month": m, "label": _month_label(m), "first": lo, "last": hi,
             "values": {key: columns[key][i]["value"] for key, _ in keys}}
            for i, (m, lo, hi) in enumerate(_months(first, last)) if lo <= today]


def by_topic(db, first: date, last: date, venue_id=None) -> list[dict]:
    """Help interactions by topic, most first: finished tickets on days in the period
    covering each topic (a ticket can cover several, so these add up to at least the
    visits that recorded a topic)."""
    venue = parse_id(venue_id)
    return [dict(r) for r in db.query(
        f"""select tp.label, count(*) as value from tickets t
            join ticket_topics tt on tt.ticket_id = t.id join topics tp on tp.slug = tt.topic
            where t.status = 'done' and t.day between :first and :last
            {_and("t.venue_id = :venue", venue)}
            group by tp.slug order by value desc, tp.position""",
        {"first": first.isoformat(), "last": last.isoformat(), "venue": venue})]


def by_network(db, first: date, last: date, venue_id=None) -> list[dict]:
    """SIMs given by network, most first: [{"label": network, "value": n}]."""
    ask = _ask("sims_given", first, last, venue_id, None, None)
    return _grouped(db, ask, "r.network", "r.network")


def reach(db, first: date, last: date, venue_id=None) -> list[dict]:
    """Learners supported by postcode district, most first ("Not given" when unknown);
    the districts add up to learners supported."""
    ask = _ask("learners_supported", first, last, venue_id, None, None)
    return _grouped(db, ask, "label", f"coalesce(r.postcode_district, '{NOT_GIVEN}')")
