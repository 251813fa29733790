"""Retention: how long personal data is kept, and `flask --app app retention`, which
anonymises what has been kept long enough (UK GDPR storage limitation). The rules are
plain functions (no Flask); the command is wired in `init_app`.

Each period is a council setting (months), changed by staff with an audit entry. What
anonymising removes and keeps is personal_data's catalogue, the same one erasure uses:
rows stay, so every report counts the same before and after. Work is done in small
transactions (a few hundred records each, every record checked again inside its own
transaction), so kiosks and tablets never wait long for the database. Each run writes one
audit entry with the counts, never the data.
"""

# ruff: noqa: S608  (SQL from constant fragments; values are bound)

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import council_settings
import personal_data
from audit import Actor, record, stamp, utcnow
from db import write_transaction
from giveaways import interest
from giveaways.sims import add_months
from help_desk import LOCAL_TZ
from personal_data import Ref
from validation import InvalidInput

BATCH = 200  # records per transaction
SESSION_MAX_HOURS = 24  # a sign-in lasts at most 12 hours (auth.ABSOLUTE_SESSION_HOURS)
MONTHS_MAX = 120
RETENTION_ACTOR = Actor(None, "retention")


@dataclass(frozen=True)
class Rule:
    """One retention period: `key` names its setting; `removes` and `keeps` say in plain
    words what anonymising does (the staff page and the README show them)."""

    key: str
    label: str  # "Learners not seen for"
    default: int  # months
    removes: str
    keeps: str
    minimum: int = 1

    @property
    def setting(self) -> str:
        return f"retention_{self.key}_months"


RULES = (
    Rule("learners", "Learners with no visit, skills check, referral or giveaway for", 36,
         "first name, birth decade, contact, notes, learner card (its QR then finds nothing), "
         "names and notes on their tickets, referral details, written reasons",
         "the record's number, postcode district, home venue, visits, skills, referrals, "
         "SIMs and devices given, all dates"),
    Rule("borrowers", "Borrowers whose last loan ended more than", 24,
         "name, contact, library card number; on loans closed that long ago: signatures, "
         "notes made at check-in, reminder references and notes",
         "every loan (device, dates, venue, how they agreed), reminders sent (when, how)"),
    Rule("tickets", "Names and help notes on help-desk tickets older than", 3,
         "the name typed at the kiosk or desk, and the volunteer's help notes",
         "the ticket: day, venue, topics, minutes, outcome, who helped"),
    Rule("volunteers", "Volunteers with no sign-in, shift or training for", 24,
         "sign-in name and PIN (the account is switched off), name, phone, email, DBS "
         "certificate details, notes, reasons their hours were corrected, sign-in sessions",
         "their shifts and hours, training courses and dates, the venues they helped at"),
    Rule("donors", "People who donated devices, after their donation arrived, after", 24,
         "the donor's name and the donation's notes (also where a lent device's notes "
         "copied the name)", "the donation: date, venue, devices and what became of them"),
    Rule("sim_households", "Household keys on SIM giveaways older than", 24,
         "the household key (a keyed hash of house and postcode), written reasons",
         "the giveaway: date, venue, SIM, ticks, postcode district, and \"household\""),
    Rule("loan_referrals", "Loan referrals, once the device was lent or they came off the "
         "waiting list, after", 24,
         "the person's first name, contact, postcode district and why they were referred; "
         "the referrer's name and contact; any note on why it came off the list",
         "the referral: reference, dates, organisation, venue, device kind, priority flags, "
         "whether a device was lent (and the loan) or why it came off the list"),
    Rule("interest", "Registrations of interest at the kiosk, once staff dealt with them, "
         "after", 24, "the first name and contact",
         "the registration: reference, venue, dates, the yes/no answers, what it suggested "
         "and what it became"),
)
BY_KEY = {r.key: r for r in RULES}
SESSIONS_WORDS = (f"Sign-in sessions are deleted {SESSION_MAX_HOURS} hours after they "
                  "started (a sign-in lasts 12 hours at most).")
INTEREST_NEW_MONTHS = 6
INTEREST_WORDS = (f"A registration of interest nobody has followed up {INTEREST_NEW_MONTHS} "
                  "months after it was made is closed (“Did not come back”) and anonymised.")


def bad_months(low: int) -> str:
    return f"Please give a whole number of months from {low} to {MONTHS_MAX}."


# ---------------------------------------------------------------- the periods


def longest_sim_repeat(db) -> int:
    """The longest repeat window in any SIM rule set, in months: household keys are kept
    at least that long, or a repeat could not be spotted."""
    return db.execute("select coalesce(max(repeat_months), 0) from eligibility_rule_sets "
                      "where scheme = 'sim'").fetchone()[0]


def minimum(db, rule: Rule) -> int:
    return max(rule.minimum, longest_sim_repeat(db)) if rule.key == "sim_households" \
        else rule.minimum


def months(db, rule: Rule) -> int:
    """The council's period for a rule, never below its minimum (a SIM rule set made
    later with a longer repeat window lengthens the household keys' period with it)."""
    low = minimum(db, rule)
    value = council_settings.get_int(db, rule.setting, rule.default,
                                      range(rule.minimum, MONTHS_MAX + 1))
    return max(value, low)


def periods(db) -> dict[str, int]:
    return {r.key: months(db, r) for r in RULES}


def set_periods(db, actor: Actor, form: dict, now: datetime | None = None) -> dict[str, int]:
    """Save every period typed, all or none; InvalidInput with a message per field.
    Each changed setting is audited (council_settings)."""
    errors, clean = {}, {}
    for rule in RULES:
        low = minimum(db, rule)
        text = str(form.get(rule.key) or "").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3
                and low <= int(text) <= MONTHS_MAX):
            errors[rule.key] = bad_months(low)
            if rule.key == "sim_households" and text.isdigit() and len(text) <= 3 \
                    and int(text) < low:
                errors[rule.key] = (f"Please give at least {low} months: the council's SIM "
                                    f"rules look back {low} months for a repeat.")
        else:
            clean[rule.key] = int(text)
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        for rule in RULES:
            council_settings.set_int(db, actor, rule.setting, clean[rule.key], rule.default,
                                     range(rule.minimum, MONTHS_MAX + 1), rule.key,
                                     bad_months(rule.minimum), now)
    return clean


# ---------------------------------------------------------------- what is due


@dataclass(frozen=True)
class Cutoff:
    """Anything last active before this local day is due: as a day and as a UTC stamp."""

    day: str
    at: str


def cutoff(today: date, months_back: int) -> Cutoff:
    day = add_months(today, -months_back)
    return Cutoff(day.isoformat(), stamp(datetime.combine(day, time(0), LOCAL_TZ)))


def _cut(db, today: date, key: str) -> dict:
    c = cutoff(today, months(db, BY_KEY[key]))
    return {"day": c.day, "at": c.at}


LEARNERS_DUE = """
    select l.id from learners l
    where l.anonymised_at is null and coalesce(l.updated_at, l.created_at) < :at
      and l.id not in (select learner_id from tickets where day >= :day
                       and learner_id is not null)
      and l.id not in (select learner_id from skill_records where observed_on >= :day)
      and l.id not in (select learner_id from referrals where made_on >= :day
                       or status_on >= :day)
      and l.id not in (select learner_id from sim_giveaways where given_at >= :at
                       and learner_id is not null)
      and l.id not in (select learner_id from refurb_allocations where at >= :at
                       and learner_id is not null)"""
# The same conditions row by row (indexed lookups), for checking a batch again inside
# the transaction that anonymises it: `{ids}` is the batch.
LEARNERS_STILL_DUE = """
    select l.id from learners l
    where l.id in ({ids}) and l.anonymised_at is null
      and coalesce(l.updated_at, l.created_at) < :at
      and not exists (select 1 from tickets t where t.learner_id = l.id and t.day >= :day)
      and not exists (select 1 from skill_records r where r.learner_id = l.id
                      and r.observed_on >= :day)
      and not exists (select 1 from referrals f where f.learner_id = l.id
                      and (f.made_on >= :day or f.status_on >= :day))
      and not exists (select 1 from sim_giveaways g where g.learner_id = l.id
                      and g.given_at >= :at)
      and not exists (select 1 from refurb_allocations a where a.learner_id = l.id
                      and a.at >= :at)"""
BORROWERS_DUE = """
    select b.id from borrowers b
    where b.anonymised_at is null and b.created_at < :at
      and not exists (select 1 from loans l where l.borrower_id = b.id
                      and (l.closed_at is null or l.closed_at >= :at))"""
VOLUNTEERS_DUE = """
    select u.id from users u
    where u.role = 'volunteer' and u.anonymised_at is null
      and coalesce(u.created_at, '') < :at
      and u.id not in (select user_id from volunteer_shifts where signed_in_at >= :at
                       or signed_out_at is null)
      and u.id not in (select user_id from user_sessions where last_seen_at >= :at)
      and u.id not in (select user_id from volunteer_training where recorded_at >= :at)
      and u.id not in (select user_id from volunteer_profiles where updated_at >= :at)
      and u.id not in (select actor_id from audit_log where at >= :at
                       and actor_id is not null)"""
DONORS_DUE = f"""
    select d.id from donations d where d.donor_kind = 'individual'
      and not ({personal_data.DONOR.anonymised}) and d.received_on < :day"""
# Loan referrals and registrations of interest go once closed for the period; one still
# waiting is never touched (the waiting list needs who to call).
LOAN_REFERRALS_DUE = """
    select r.id from loan_referrals r where r.anonymised_at is null
      and r.status in ('served', 'removed') and r.closed_at < :at"""
INTEREST_DUE = """
    select i.id from interest_registrations i where i.anonymised_at is null
      and i.status in ('done', 'closed') and i.closed_at < :at"""
INTEREST_ABANDONED = """
    select i.id from interest_registrations i where i.anonymised_at is null
      and i.status = 'new' and i.created_at < :at"""
SUBJECT_RULES = {  # rule: (kind of person, everyone due, which of a batch are still due)
    "learners": ("learner", LEARNERS_DUE, LEARNERS_STILL_DUE),
    "borrowers": ("borrower", BORROWERS_DUE, BORROWERS_DUE + " and b.id in ({ids})"),
    "volunteers": ("volunteer", VOLUNTEERS_DUE, VOLUNTEERS_DUE + " and u.id in ({ids})"),
    "donors": ("donor", DONORS_DUE, DONORS_DUE + " and d.id in ({ids})"),
    "loan_referrals": ("loan_referral", LOAN_REFERRALS_DUE,
                       LOAN_REFERRALS_DUE + " and r.id in ({ids})"),
    "interest": ("interest", INTEREST_DUE, INTEREST_DUE + " and i.id in ({ids})"),
}
# Rows (not people) whose text goes after a while: (rule, table, which rows, what goes).
TICKETS_DUE = "day < :day and (name is not null or notes is not null)"
LOANS_DUE = ("closed_at < :at and borrower_id is not null and (signature is not null "
             "or return_notes is not null)")
REMINDERS_DUE = ("(reference is not null or error is not null or note is not null) and "
                 "exists (select 1 from loans l where l.id = loan_reminders.loan_id "
                 "and l.closed_at < :at)")
HOUSEHOLDS_DUE = (f"household_key is not null and household_key != "
                  f"'{personal_data.EXPIRED_HOUSEHOLD}' and given_at < :at")
ROW_RULES = (
    ("tickets", "tickets", TICKETS_DUE, personal_data.TICKET_TEXT, True),
    ("borrowers", "loans", LOANS_DUE, personal_data.LOAN_TEXT, True),
    ("borrowers", "loan_reminders", REMINDERS_DUE, personal_data.REMINDER_TEXT, False),
    ("sim_households", "sim_giveaways", HOUSEHOLDS_DUE, personal_data.HOUSEHOLD, True),
)
LINES = (  # (what the report calls it, rule): the order a run reports in
    ("learners", "learners"), ("borrowers", "borrowers"), ("loans", "borrowers"),
    ("loan_reminders", "borrowers"), ("tickets", "tickets"), ("volunteers", "volunteers"),
    ("donors", "donors"), ("sim_giveaways", "sim_households"),
    ("interest_abandoned", None), ("loan_referrals", "loan_referrals"),
    ("interest", "interest"), ("sessions", None),
)
LINE_WORDS = {
    "learners": "learners anonymised", "borrowers": "borrowers anonymised",
    "loans": "closed loans: signatures and notes removed",
    "loan_reminders": "reminders: references and notes removed",
    "tickets": "tickets: names and notes removed", "volunteers": "volunteers anonymised",
    "donors": "individual donors anonymised",
    "sim_giveaways": "SIM giveaways: household keys removed",
    "sessions": "expired sign-in sessions deleted",
    "interest_abandoned": "registrations of interest nobody came back for: closed and "
                          "anonymised",
    "loan_referrals": "loan referrals anonymised",
    "interest": "registrations of interest anonymised",
}


def _sessions_before(now: datetime) -> str:
    return stamp(now - timedelta(hours=SESSION_MAX_HOURS))


def due(db, today: date, now: datetime | None = None) -> dict[str, int]:
    """How many of each would go if retention ran for `today`: the preview."""
    now = now or _noon(today)
    counts = {}
    for rule, (_kind, sql, _one) in SUBJECT_RULES.items():
        counts[rule] = db.execute(f"select count(*) from ({sql})",
                                  _cut(db, today, rule)).fetchone()[0]
    for rule, table, where, _removes, _audited in ROW_RULES:
        counts[table] = db.execute(f"select count(*) from {table} where {where}",
                                   _cut(db, today, rule)).fetchone()[0]
    counts["sessions"] = db.execute("select count(*) from user_sessions where created_at < ?",
                                    [_sessions_before(now)]).fetchone()[0]
    counts["interest_abandoned"] = db.execute(f"select count(*) from ({INTEREST_ABANDONED})",
                                              _abandoned_cut(today)).fetchone()[0]
    return {line: counts[line] for line, _ in LINES}


def _abandoned_cut(today: date) -> dict:
    c = cutoff(today, INTEREST_NEW_MONTHS)
    return {"day": c.day, "at": c.at}


def _noon(today: date) -> datetime:
    """A "today" given for testing stands for midday of that day; the real today is now."""
    if today == datetime.now(LOCAL_TZ).date():
        return utcnow()
    return datetime.combine(today, time(12), LOCAL_TZ)


# ---------------------------------------------------------------- running it


def run(db, today: date | None = None, actor: Actor = RETENTION_ACTOR,
        dry_run: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Anonymise everything due for `today` (default: today in the UK), in small
    transactions, then audit the run with its counts. A dry run only counts."""
    today = today or datetime.now(LOCAL_TZ).date()
    now = now or _noon(today)
    if dry_run:
        return due(db, today, now)
    done = dict.fromkeys((line for line, _ in LINES), 0)
    # Rows first: a borrower's old loans lose their signatures under the loans line, so
    # the counts match the preview's; then people; then sign-in sessions.
    for rule, table, where, removes, audited in ROW_RULES:
        cut = _cut(db, today, rule)
        ids = [r[0] for r in db.execute(f"select id from {table} where {where}", cut)]
        for batch in personal_data.chunks(ids, personal_data.CHUNK):
            with write_transaction(db):
                still = _still_due(db, f"select id from {table} where id in ({{ids}}) "
                                   f"and {where}", batch, cut)
                personal_data.clear(db, table, removes, still)
                if audited:
                    personal_data.scrub_audit(db, table, still, removes)
                done[table] += len(still)
    done["interest_abandoned"] = _close_abandoned(db, today, actor, now)
    for rule, (kind, sql, one) in SUBJECT_RULES.items():
        cut = _cut(db, today, rule)
        ids = [r[0] for r in db.execute(sql, cut)]
        for batch in personal_data.chunks(ids, BATCH):
            with write_transaction(db):
                for row_id in _still_due(db, one, batch, cut):  # not back since listed
                    if personal_data.anonymise(db, Ref(kind, row_id), now):
                        done[rule] += 1
    with write_transaction(db):
        done["sessions"] = db.execute("delete from user_sessions where created_at < ?",
                                      [_sessions_before(now)]).rowcount
        record(db, actor, "retention.run", "retention", today.isoformat(),
               after={"counts": done, "periods": periods(db)}, now=now)
    return done


def _close_abandoned(db, today: date, actor: Actor, now: datetime) -> int:
    """Registrations of interest nobody followed up within INTEREST_NEW_MONTHS: each is
    closed as "did not come back" (with its own audit entry, as staff closing it would be)
    and anonymised in the same transaction."""
    cut = _abandoned_cut(today)
    ids = [r[0] for r in db.execute(INTEREST_ABANDONED, cut)]
    closed = 0
    for batch in personal_data.chunks(ids, BATCH):
        with write_transaction(db):
            for row_id in _still_due(db, INTEREST_ABANDONED + " and i.id in ({ids})", batch,
                                     cut):
                interest.close(db, actor, row_id, "did_not_return", now=now)
                if personal_data.anonymise(db, Ref("interest", row_id), now):
                    closed += 1
    return closed


def _still_due(db, sql: str, batch: list, cut: dict) -> list:
    """The ids of `batch` still due (`sql` with `{ids}` for the batch), checked inside the
    transaction that changes them."""
    params = dict(cut, **{f"i{n}": v for n, v in enumerate(batch)})
    marks = ",".join(f":i{n}" for n in range(len(batch)))
    return [r[0] for r in db.execute(sql.format(ids=marks), params)]


def report(counts: dict[str, int], today: date, dry_run: bool) -> list[str]:
    """A run's counts as lines a person reads."""
    head = (f"Retention for {today.isoformat()}: " +
            ("nothing changed (dry run); this is what is due." if dry_run else "done."))
    width = max(len(f"{n:,}") for n in counts.values()) if counts else 1
    return [head] + [f"  {counts[line]:>{width},} {LINE_WORDS[line]}" for line, _ in LINES]


# ---------------------------------------------------------------- the command


def init_app(app) -> None:
    """Register `flask --app app retention [--dry-run] [--today YYYY-MM-DD]`."""
    import click
    from flask import current_app
    from flask.cli import with_appcontext

    import db as dbmod

    @click.command("retention")
    @click.option("--dry-run", is_flag=True, help="Only say what is due; change nothing.")
    @click.option("--today", default=None, metavar="YYYY-MM-DD",
                  help="Run as if it were this day (for testing).")
    @with_appcontext
    def retention_command(dry_run, today):
        """Anonymise personal data kept longer than the council's retention periods."""
        try:
            day = date.fromisoformat(today) if today else datetime.now(LOCAL_TZ).date()
        except ValueError:
            raise click.BadParameter("give the day as YYYY-MM-DD, e.g. 2027-04-01",
                                     param_hint="--today") from None
        database = dbmod.connect(current_app.config["DATABASE"])
        try:
            counts = run(database, day, dry_run=dry_run)
        finally:
            database.conn.close()
        for line in report(counts, day, dry_run):
            click.echo(line)

    app.cli.add_command(retention_command)
