"""Where each kind of person's data lives, and how it is anonymised. No Flask.

One catalogue, read by retention (retention.py), subject access and erasure
(subject_access.py), so the rules exist once. A person we hold data about is one of six
kinds of record: a learner, a borrower, a volunteer, an individual who donated devices,
someone referred for a device loan, or someone who registered interest at a kiosk. There
is no link between these rows, so one resident may be several.

Anonymising keeps each row and everything the reports count: dates, venues, topics, skill
levels, hours, loans, giveaways, and the postcode district (the impact report's reach
counts it; a district holds thousands of households, so alone it names nobody). It removes
who it was: names, contact details, free text, signatures, learner-card codes (replaced by
a code no card can carry, so an old card's QR finds nothing), sign-in names and PINs, and
the birth decade, which no report uses. The same values are then scrubbed from the audit
log's earlier before/after entries for those rows, and the row is marked `anonymised_at`.
Free text that a report counts when present (a SIM given "with a reason") becomes
"(removed)" rather than nothing, so the count stays the same.
"""

# SQL here is put together from the catalogue's constant fragments only; values are bound.
# ruff: noqa: S608

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from audit import stamp, utcnow
from db import parse_id, write_transaction

REMOVED = "(removed)"
ANONYMISED = "Anonymised"
ANONYMOUS_DONOR = "Anonymised individual"
EXPIRED_HOUSEHOLD = "expired"  # never equal to a household key (64 hex digits)
DELETED = "sign-in sessions"  # what a Place with `delete` removes
CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit


class _Mark:
    """Replace a value with "(removed)" when it held one, so "has a value" counts survive."""

    def __repr__(self) -> str:
        return "MARK"


class _Redact:
    """Keep the text, but cut the person's identifying values out of it."""

    def __repr__(self) -> str:
        return "REDACT"


class _Note:
    """Keep a chosen reason but remove the note written after it ("other: moved to Bolton"
    becomes "other: (removed)")."""

    def __repr__(self) -> str:
        return "NOTE"


MARK = _Mark()
REDACT = _Redact()
NOTE = _Note()
NOTE_SEPARATOR = ": "


@dataclass(frozen=True)
class Removal:
    """One column anonymising changes. `to`: None (emptied), MARK, REDACT, NOTE, a
    constant, or a function of the row id (a fresh card code). `category`: what it is, in
    the words an erasure's audit entry and the staff screens use (None: not personal, e.g. a flag).
    `identifies`: its old value is searched for and cut out of the audit log entries too.
    `audit_keys`: other names the audit log's entries give the same value."""

    column: str
    category: str | None
    to: object = None
    identifies: bool = False
    audit_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """A table holding a person's data. `where` finds its rows for one person (`:id`);
    `export` (None: shown elsewhere) is the subject-access query, `columns` its
    (column, plain label) pairs; `removes` what anonymising changes; `delete`: the rows
    go altogether; `audited`: the audit log has entries under this table's name."""

    table: str
    heading: str
    where: str | None
    export: str | None = None
    columns: tuple[tuple[str, str], ...] = ()
    removes: tuple[Removal, ...] = ()
    key: str = "id"
    delete: bool = False
    audited: bool = True
    intro: str = ""


@dataclass(frozen=True)
class Subject:
    """A kind of person. `about` is their own row; `places` everything else about them."""

    kind: str
    label: str
    table: str
    where: str  # which rows of `table` are this kind of person
    anonymised: str  # SQL: true when the row has been anonymised already
    about: Place
    places: tuple[Place, ...]
    stamp_column: str | None = "anonymised_at"
    actor: bool = False  # their name is the actor label on audit entries they made

    def all_places(self) -> tuple[Place, ...]:
        return (self.about, *self.places)


def fresh_card_code(_row_id) -> str:
    """33 characters with lower-case letters: no learner card (8 capitals) can name it."""
    return "x" + secrets.token_hex(16)


def unusable_secret(_row_id) -> str:
    """Not an argon2 hash, so no PIN or password can ever match it."""
    return "!anonymised:" + secrets.token_hex(16)


def former_username(row_id) -> str:
    return f"former-volunteer-{row_id}-{secrets.token_hex(3)}"


def former_name(row_id) -> str:
    return f"Former volunteer {row_id}"


# ---------------------------------------------------------------- the rules for each table
# Shared by a person's anonymisation and retention's bulk rules, so each exists once.

TICKET_TEXT = (Removal("name", "names on help-desk tickets", identifies=True),
               Removal("notes", "help notes"))
SIM_TEXT = (Removal("override_reason", "reasons written when giving a SIM", MARK),)
HOUSEHOLD = (Removal("household_key", "household keys (a hash of house and postcode)",
                     EXPIRED_HOUSEHOLD),) + SIM_TEXT
LOAN_TEXT = (Removal("signature", "signatures"),
             Removal("return_notes", "notes made when a device came back"))
REMINDER_TEXT = (Removal("reference", "reminder records", identifies=True),
                 Removal("error", "reminder records"), Removal("note", "reminder records"))

LEARNER = Subject(
    kind="learner", label="Learner", table="learners", where="1 = 1",
    anonymised="anonymised_at is not null",
    about=Place(
        "learners", "About you", "id = :id",
        """select l.first_name, l.birth_band, l.postcode_district, v.name as home_venue,
                  l.contact_kind, l.contact, l.notes, l.card_code, l.consent_what,
                  l.consent_at, l.created_at, l.anonymised_at
           from learners l left join venues v on v.id = l.home_venue_id where l.id = :id""",
        (("first_name", "First name"), ("birth_band", "Born in the"),
         ("postcode_district", "Postcode district"), ("home_venue", "Home venue"),
         ("contact_kind", "How we contact you"), ("contact", "Contact"), ("notes", "Notes"),
         ("card_code", "Learner card code"), ("consent_what", "What you agreed to"),
         ("consent_at", "When you agreed"), ("created_at", "Added on"),
         ("anonymised_at", "Anonymised on")),
        (Removal("first_name", "name", ANONYMISED, identifies=True),
         Removal("birth_band", "birth decade"),
         Removal("contact_kind", None, "none"),
         Removal("contact", "contact details", identifies=True),
         Removal("notes", "notes"),
         Removal("card_code", "learner card", fresh_card_code, identifies=True),
         Removal("request_id", None))),
    places=(
        Place("tickets", "Your visits", "learner_id = :id",
              """select t.day, v.name as venue, rt.label as asked_about,
                        (select group_concat(tp.label, ', ') from ticket_topics tt
                         join topics tp on tp.slug = tt.topic where tt.ticket_id = t.id)
                            as helped_with,
                        t.status, t.minutes, t.outcome, t.name, t.notes
                 from tickets t join venues v on v.id = t.venue_id
                 left join topics rt on rt.slug = t.requested_topic
                 where t.learner_id = :id order by t.created_at, t.id""",
              (("day", "Day"), ("venue", "Where"), ("asked_about", "You asked about"),
               ("helped_with", "We helped with"), ("status", "What happened"),
               ("minutes", "Minutes"), ("outcome", "How it went"),
               ("name", "Name on the ticket"), ("notes", "Notes")),
              TICKET_TEXT),
        Place("skill_records", "Skills you practised", "learner_id = :id",
              """select r.observed_on, t.plain as skill, r.level, v.name as venue
                 from skill_records r join skill_tasks t on t.id = r.task_id
                 left join venues v on v.id = r.venue_id
                 where r.learner_id = :id order by r.observed_at, r.id""",
              (("observed_on", "Day"), ("skill", "Skill"), ("level", "How you did"),
               ("venue", "Where"))),
        Place("referrals", "Where we referred you", "learner_id = :id",
              """select r.made_on, r.kind, p.name as partner, r.detail, r.status,
                        r.status_on, r.notes
                 from referrals r left join partners p on p.id = r.partner_id
                 where r.learner_id = :id order by r.made_on, r.id""",
              (("made_on", "Day"), ("kind", "Referred to"), ("partner", "Organisation"),
               ("detail", "Details"), ("status", "What happened"),
               ("status_on", "Last changed"), ("notes", "Notes")),
              (Removal("detail", "referral details"), Removal("notes", "referral notes"))),
        Place("sim_giveaways", "SIM cards and data you were given", "learner_id = :id",
              """select g.given_at, v.name as venue, b.network, b.offer, g.ticks,
                        g.postcode_district, g.override_reason
                 from sim_giveaways g join sims s on s.id = g.sim_id
                 join sim_batches b on b.id = s.batch_id join venues v on v.id = g.venue_id
                 where g.learner_id = :id order by g.given_at, g.id""",
              (("given_at", "When"), ("venue", "Where"), ("network", "Network"),
               ("offer", "Offer"), ("ticks", "What you told us applied"),
               ("postcode_district", "Postcode district"),
               ("override_reason", "Reason it was given anyway")),
              SIM_TEXT),
        Place("refurb_allocations", "Devices you were given", "learner_id = :id",
              """select a.at, k.label as kind, r.asset_tag, a.gift_reason, a.course,
                        a.referrer, a.note
                 from refurb_allocations a join refurb_devices r on r.id = a.refurb_id
                 join device_kinds k on k.slug = r.kind
                 where a.learner_id = :id order by a.at, a.id""",
              (("at", "When"), ("kind", "Device"), ("asset_tag", "Label"),
               ("gift_reason", "Why"), ("course", "Course"), ("referrer", "Referred by"),
               ("note", "Notes")),
              (Removal("note", "notes on devices given"),
               Removal("referrer", "who referred them", MARK))),
    ))

BORROWER = Subject(
    kind="borrower", label="Borrower", table="borrowers", where="1 = 1",
    anonymised="anonymised_at is not null",
    about=Place(
        "borrowers", "About you", "id = :id",
        """select name, contact_kind, contact, library_card, created_at, anonymised_at
           from borrowers where id = :id""",
        (("name", "Name"), ("contact_kind", "How we contact you"), ("contact", "Contact"),
         ("library_card", "Library card number"), ("created_at", "Added on"),
         ("anonymised_at", "Anonymised on")),
        (Removal("name", "name", ANONYMISED, identifies=True),
         Removal("contact_kind", None, "none"),
         Removal("contact", "contact details", identifies=True),
         Removal("library_card", "library card number", identifies=True))),
    places=(
        Place("loans", "Devices you borrowed", "borrower_id = :id",
              """select d.asset_tag, k.label as kind, l.out_at, l.due_on, l.returned_at,
                        v.name as venue, l.consent, a.version as agreement_version,
                        l.signature, l.accessories, l.outcome, l.return_notes
                 from loans l join devices d on d.id = l.device_id
                 join device_kinds k on k.slug = d.kind
                 left join venues v on v.id = l.venue_id
                 left join loan_agreements a on a.id = l.agreement_id
                 where l.borrower_id = :id order by l.out_at, l.id""",
              (("asset_tag", "Device"), ("kind", "Kind"), ("out_at", "Lent on"),
               ("due_on", "Due back"), ("returned_at", "Given back"), ("venue", "Where"),
               ("consent", "How you agreed"), ("agreement_version", "Agreement version"),
               ("signature", "Your signature"), ("accessories", "Lent with"),
               ("outcome", "Afterwards the device was"),
               ("return_notes", "Notes when it came back")),
              LOAN_TEXT),
        Place("loan_reminders", "Reminders we sent you",
              "loan_id in (select id from loans where borrower_id = :id)",
              """select m.sent_at, d.asset_tag, m.channel, m.status, m.reference, m.error,
                        m.note
                 from loan_reminders m join loans l on l.id = m.loan_id
                 join devices d on d.id = l.device_id
                 where l.borrower_id = :id order by m.sent_at, m.id""",
              (("sent_at", "When"), ("asset_tag", "About device"), ("channel", "How"),
               ("status", "What happened"), ("reference", "Message reference"),
               ("error", "Why it failed"), ("note", "Note")),
              REMINDER_TEXT, audited=False),
    ))

VOLUNTEER = Subject(
    kind="volunteer", label="Volunteer", table="users", where="role = 'volunteer'",
    anonymised="anonymised_at is not null", actor=True,
    about=Place(
        "users", "About you", "id = :id",
        """select u.username, u.display_name, u.active, u.created_at, u.totp_enabled_at,
                  p.phone, p.email, p.dbs_certificate, p.dbs_issued_on,
                  p.dbs_update_service, p.notes,
                  (select group_concat(v.name, ', ') from volunteer_venues vv
                   join venues v on v.id = vv.venue_id where vv.user_id = u.id) as venues,
                  u.anonymised_at
           from users u left join volunteer_profiles p on p.user_id = u.id
           where u.id = :id""",
        (("username", "Sign-in name"), ("display_name", "Name shown"),
         ("active", "Can sign in"), ("created_at", "Added on"),
         ("totp_enabled_at", "Second factor since"), ("phone", "Phone"), ("email", "Email"),
         ("dbs_certificate", "DBS certificate number"), ("dbs_issued_on", "DBS issued on"),
         ("dbs_update_service", "On the DBS Update Service"), ("notes", "Notes"),
         ("venues", "Where you volunteer"), ("anonymised_at", "Anonymised on")),
        (Removal("username", "sign-in name", former_username, identifies=True),
         Removal("display_name", "name", former_name, identifies=True),
         Removal("secret_hash", "PIN", unusable_secret),
         Removal("active", None, 0),
         Removal("totp_secret", "second-factor key"),
         Removal("totp_enabled_at", None), Removal("totp_last_step", None),
         Removal("failed_logins", None, 0), Removal("locked_until", None))),
    places=(
        Place("volunteer_profiles", "Your details", "user_id = :id", key="user_id",
              removes=(Removal("phone", "contact details", identifies=True),
                       Removal("email", "contact details", identifies=True),
                       Removal("dbs_certificate", "DBS certificate details",
                               identifies=True),
                       Removal("dbs_issued_on", "DBS certificate details"),
                       Removal("dbs_update_service", None, 0),
                       Removal("notes", "notes"))),
        Place("volunteer_training", "Your training", "user_id = :id",
              """select course, completed_on, expires_on, recorded_at
                 from volunteer_training where user_id = :id
                 order by completed_on, id""",
              (("course", "Course"), ("completed_on", "Completed on"),
               ("expires_on", "Expires on"), ("recorded_at", "Recorded on"))),
        Place("volunteer_shifts", "Your volunteering hours", "user_id = :id",
              """select s.day, s.title, v.name as venue, vs.signed_in_at, vs.signed_out_at,
                        vs.correction_reason
                 from volunteer_shifts vs join sessions s on s.id = vs.session_id
                 join venues v on v.id = s.venue_id
                 where vs.user_id = :id order by vs.signed_in_at, vs.id""",
              (("day", "Day"), ("title", "Session"), ("venue", "Where"),
               ("signed_in_at", "Signed in"), ("signed_out_at", "Signed out"),
               ("correction_reason", "Why the hours were corrected")),
              (Removal("correction_reason", "reasons hours were corrected", MARK,
                       audit_keys=("reason",)),)),
        Place("user_sessions", "When you were signed in", "user_id = :id",
              """select s.created_at, s.last_seen_at, v.name as venue
                 from user_sessions s left join venues v on v.id = s.venue_id
                 where s.user_id = :id order by s.created_at""",
              (("created_at", "Signed in"), ("last_seen_at", "Last seen"),
               ("venue", "Where")),
              key="token_hash", delete=True, audited=False),
        Place("audit_log", "What you did on Doorstep", None,
              """select action, count(*) as times, min(at) as first_at, max(at) as last_at
                 from audit_log where actor_id = :id group by action
                 order by times desc, action""",
              (("action", "What"), ("times", "Times"), ("first_at", "First"),
               ("last_at", "Last")), audited=False,
              intro="Counts only: the entries themselves are about the people you helped."),
    ))

DONOR = Subject(
    kind="donor", label="Donor", table="donations", where="donor_kind = 'individual'",
    anonymised=f"donor = '{ANONYMOUS_DONOR}'", stamp_column=None,
    about=Place(
        "donations", "About you", "id = :id",
        """select d.donor, d.received_on, v.name as venue, d.note, d.created_at
           from donations d left join venues v on v.id = d.venue_id where d.id = :id""",
        (("donor", "Name"), ("received_on", "Donated on"), ("venue", "Where"),
         ("note", "Notes"), ("created_at", "Recorded on")),
        (Removal("donor", "name", ANONYMOUS_DONOR, identifies=True),
         Removal("note", "notes"))),
    places=(
        Place("refurb_devices", "Devices you donated", "donation_id = :id",
              """select r.asset_tag, k.label as kind, r.stage
                 from refurb_devices r join device_kinds k on k.slug = r.kind
                 where r.donation_id = :id order by r.id""",
              (("asset_tag", "Label"), ("kind", "Device"), ("stage", "Now"))),
        Place("devices", "Your devices in our lending library",
              """id in (select a.lending_device_id from refurb_allocations a
                        join refurb_devices r on r.id = a.refurb_id
                        where r.donation_id = :id)""",
              removes=(Removal("notes", "name on lent devices' notes", REDACT),)),
    ))



# Loan referrals and registrations of interest are each a record of one person on their
# own (no link to a learner or borrower row): the least that lets staff follow up.
LOAN_REFERRAL_TEXT = (
    Removal("first_name", "name", ANONYMISED, identifies=True),
    Removal("contact", "contact details", identifies=True),
    Removal("postcode_district", "postcode district"),
    Removal("reason", "why they were referred", MARK),
    Removal("referrer_name", "the referrer's name and contact", ANONYMISED, identifies=True),
    Removal("referrer_contact", "the referrer's name and contact", identifies=True),
    Removal("removed_reason", "notes on why a referral was taken off the list", NOTE),
    Removal("person_key", None), Removal("request_id", None))
INTEREST_TEXT = (
    Removal("first_name", "name", identifies=True),
    Removal("contact", "contact details", identifies=True),
    Removal("request_id", None))

LOAN_REFERRAL = Subject(
    kind="loan_referral", label="Loan referral", table="loan_referrals", where="1 = 1",
    anonymised="anonymised_at is not null",
    about=Place(
        "loan_referrals", "Your referral for a device loan", "id = :id",
        """select r.reference, r.first_name, r.contact_kind as referral_contact_kind,
                  r.contact, r.postcode_district, r.reason,
                  (select group_concat(f.label, ', ') from loan_referral_flags lf
                   join referral_flags f on f.id = lf.flag_id where lf.referral_id = r.id)
                      as flags,
                  v.name as venue, k.label as device_kind, r.referrer_name,
                  r.referrer_contact, p.name as partner, r.channel as referral_channel,
                  r.status as referral_status, r.removed_reason, d.asset_tag as device,
                  r.created_at, r.closed_at, r.anonymised_at
           from loan_referrals r left join venues v on v.id = r.venue_id
           left join device_kinds k on k.slug = r.kind
           left join partners p on p.id = r.partner_id
           left join loans l on l.id = r.loan_id left join devices d on d.id = l.device_id
           where r.id = :id""",
        (("reference", "Reference"), ("first_name", "First name"),
         ("referral_contact_kind", "How we contact you"), ("contact", "Contact"),
         ("postcode_district", "Postcode district"), ("reason", "Why you were referred"),
         ("flags", "Priority"), ("venue", "Where you would like to be seen"),
         ("device_kind", "Device"), ("referrer_name", "Referred by"),
         ("referrer_contact", "Referrer's contact"), ("partner", "Organisation"),
         ("referral_channel", "How the referral reached us"),
         ("referral_status", "What happened"), ("removed_reason", "Why it was closed"),
         ("device", "Device lent"), ("created_at", "Referred on"),
         ("closed_at", "Closed on"), ("anonymised_at", "Anonymised on")),
        LOAN_REFERRAL_TEXT),
    places=())

INTEREST = Subject(
    kind="interest", label="Registration of interest", table="interest_registrations",
    where="1 = 1", anonymised="anonymised_at is not null",
    about=Place(
        "interest_registrations", "Your registration of interest at the kiosk", "id = :id",
        """select i.reference, i.first_name, i.contact_kind as interest_contact_kind,
                  i.contact, v.name as venue, i.answers, i.suggests,
                  i.status as interest_status, i.outcome as interest_outcome,
                  i.closed_reason as interest_closed_reason, i.created_at, i.closed_at,
                  i.anonymised_at
           from interest_registrations i join venues v on v.id = i.venue_id
           where i.id = :id""",
        (("reference", "Reference"), ("first_name", "First name"),
         ("interest_contact_kind", "How we contact you"), ("contact", "Contact"),
         ("venue", "Where"), ("answers", "Your answers"),
         ("suggests", "You could probably get"), ("interest_status", "What happened"),
         ("interest_outcome", "It became"), ("interest_closed_reason", "Why it was closed"),
         ("created_at", "Registered on"), ("closed_at", "Dealt with on"),
         ("anonymised_at", "Anonymised on")),
        INTEREST_TEXT),
    places=())


SUBJECTS = {s.kind: s for s in (LEARNER, BORROWER, VOLUNTEER, DONOR, LOAN_REFERRAL,
                                 INTEREST)}


# ---------------------------------------------------------------- references to records


@dataclass(frozen=True)
class Ref:
    """One record that is (part of) a person: "learner:12"."""

    kind: str
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def subject(self) -> Subject:
        return SUBJECTS[self.kind]


def parse_ref(text) -> Ref | None:
    """"learner:12" as a Ref, or None for anything that cannot name a record."""
    kind, _, number = str(text or "").partition(":")
    row_id = parse_id(number)
    return Ref(kind, row_id) if kind in SUBJECTS and row_id else None


def get_row(db, ref: Ref) -> dict | None:
    """The person's own row, if it exists and is of that kind."""
    subject = ref.subject
    row = db.execute(f"select * from {subject.table} where id = ? and {subject.where}",
                     [ref.id]).fetchone()
    if row is None:
        return None
    columns = [c[0] for c in db.execute(f"select * from {subject.table} limit 0").description]
    return dict(zip(columns, row, strict=True))


def is_anonymised(db, ref: Ref) -> bool:
    subject = ref.subject
    return bool(db.execute(f"select {subject.anonymised} from {subject.table} where id = ?",
                           [ref.id]).fetchone()[0])


def place_ids(db, place: Place, row_id: int) -> list:
    if place.where is None:
        return []
    return [r[0] for r in db.execute(
        f"select {place.key} from {place.table} where {place.where}", {"id": row_id})]


def chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ---------------------------------------------------------------- anonymising


@dataclass
class Outcome:
    """What anonymising one person did: the categories that held something, and how many
    rows of each table were touched. Never the values themselves."""

    categories: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"categories": sorted(self.categories), "rows": dict(sorted(self.rows.items()))}


def anonymise(db, ref: Ref, now: datetime | None = None) -> Outcome | None:
    """Anonymise one person's record and everything about it, and scrub the audit log's
    earlier entries for those rows. None when there is no such record or it was done
    already. Joins the caller's transaction, or makes its own."""
    now = now or utcnow()
    subject = ref.subject
    with write_transaction(db):
        row = get_row(db, ref)
        if row is None or is_anonymised(db, ref):
            return None
        hidden = _identifying_values(db, subject, ref.id, row)
        outcome = Outcome()
        if subject.stamp_column:  # first: a row may hold no contact only once anonymised
            db.execute(f"update {subject.table} set {subject.stamp_column} = ? where id = ?",
                       [stamp(now), ref.id])
        audited: list[tuple[Place, list]] = []
        for place in subject.all_places():
            ids = place_ids(db, place, ref.id)
            if not ids:
                continue
            if place.delete:
                for chunk in chunks(ids):
                    db.execute(f"delete from {place.table} where {place.key} in "
                               f"({','.join('?' * len(chunk))})", chunk)
                outcome.categories.add(DELETED)
            else:
                outcome.categories |= clear(db, place.table, place.removes, ids, place.key,
                                            hidden)
            outcome.rows[place.table] = len(ids)
            if place.audited:
                audited.append((place, ids))
        for place, ids in audited:
            scrub_audit(db, place.table, ids, place.removes, hidden or [])
        if subject.actor:
            new_label = db.execute("select display_name from users where id = ?",
                                   [ref.id]).fetchone()[0]
            db.execute("update audit_log set actor = ? where actor_id = ?", [new_label, ref.id])
    return outcome


def _identifying_values(db, subject: Subject, row_id: int, row: dict) -> list[str]:
    """The person's own names, contacts and codes as they were: cut out of audit entries
    and any text that copied them (a lent device's "Donated by …" note)."""
    values = []
    for place in subject.all_places():
        wanted = [r.column for r in place.removes if r.identifies]
        if not wanted or place.where is None:
            continue
        source = [row] if place is subject.about else [
            dict(zip(wanted, r, strict=True)) for r in db.execute(
                f"select {', '.join(wanted)} from {place.table} where {place.where}",
                {"id": row_id})]
        for r in source:
            values += [str(r[c]).strip() for c in wanted if r.get(c) not in (None, "")]
    return sorted({v for v in values if v}, key=len, reverse=True)


def clear(db, table: str, removes: tuple[Removal, ...], ids: list, key: str = "id",
          hidden: list[str] = ()) -> set[str]:
    """Apply `removes` to the rows `ids` of `table`; returns the categories that held
    something. Plain values are set in one statement per chunk; fresh values and
    redactions go row by row."""
    touched: set[str] = set()
    plain = [r for r in removes if not callable(r.to) and r.to is not REDACT]
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        checked = [r for r in removes if r.category and r.to is not REDACT]
        if checked:
            held = db.execute(
                "select " + ", ".join(
                    f"max(instr(coalesce({r.column}, ''), '{NOTE_SEPARATOR}') > 0)"
                    if r.to is NOTE else f"max(coalesce({r.column}, '') != '')"
                    for r in checked)
                + f" from {table} where {key} in ({marks})", chunk).fetchone()
            touched |= {r.category for r, was in zip(checked, held, strict=True) if was}
        if plain:
            sets, params = [], []
            for r in plain:
                if r.to is MARK:
                    sets.append(f"{r.column} = case when {r.column} is null then null "
                                "else ? end")
                    params.append(REMOVED)
                elif r.to is NOTE:
                    cut = f"instr({r.column}, '{NOTE_SEPARATOR}')"
                    sets.append(f"{r.column} = case when {cut} > 0 then "
                                f"substr({r.column}, 1, {cut} + 1) || ? else {r.column} end")
                    params.append(REMOVED)
                else:
                    sets.append(f"{r.column} = ?")
                    params.append(r.to)
            db.execute(f"update {table} set {', '.join(sets)} where {key} in ({marks})",
                       params + chunk)
        for r in removes:
            if callable(r.to):
                for row_id in chunk:
                    db.execute(f"update {table} set {r.column} = ? where {key} = ?",
                               [r.to(row_id), row_id])
            elif r.to is REDACT:
                for row_id, text in db.execute(
                        f"select {key}, {r.column} from {table} where {key} in ({marks}) "
                        f"and {r.column} is not null", chunk).fetchall():
                    cut = redact(text, hidden)
                    if cut != text:
                        touched.add(r.category)
                        db.execute(f"update {table} set {r.column} = ? where {key} = ?",
                                   [cut, row_id])
    return touched


def redact(text: str, hidden: list[str]) -> str:
    """`text` with each identifying value cut out (whole values of any length; inside
    longer text, values of four characters or more, ignoring case)."""
    if text in hidden:
        return REMOVED
    for value in hidden:
        if len(value) >= 4:
            text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
    return text


def scrub_audit(db, table: str, ids: list, removes: tuple[Removal, ...] = (),
                hidden: list[str] | None = None) -> int:
    """Earlier audit entries for rows `ids` of `table`: each removed column's value becomes
    "(removed)" (nulls stay null), and the person's identifying values (`hidden`) are cut
    out of every other text. The entry itself stays: who did what, and when. Returns the
    entries changed. With `hidden` (one person's few rows) each entry is rewritten once in
    Python; without (retention's bulk rules) SQLite's json_replace does it in place."""
    columns = [key for r in removes for key in (r.column, *r.audit_keys)]
    changed = 0
    for chunk in chunks([str(i) for i in ids]):
        marks = ",".join("?" * len(chunk))
        if hidden is None:
            for side in ("before", "after"):
                for column in columns:
                    path = f"$.{column}"
                    changed += db.execute(
                        f"update audit_log set {side} = json_replace({side}, ?, ?) "
                        f"where table_name = ? and row_id in ({marks}) "
                        f"and json_valid({side}) and json_extract({side}, ?) is not null",
                        [path, REMOVED, table, *chunk, path]).rowcount
            continue
        for entry_id, before, after in db.execute(
                f"select id, before, after from audit_log where table_name = ? "
                f"and row_id in ({marks})", [table, *chunk]).fetchall():
            new = [_scrub_json(text, columns, hidden) for text in (before, after)]
            if new != [before, after]:
                db.execute("update audit_log set before = ?, after = ? where id = ?",
                           [*new, entry_id])
                changed += 1
    return changed


def _scrub_json(text: str | None, columns: list[str], hidden: list[str]) -> str | None:
    if not text:
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return redact(text, hidden)
    cleaned = _walk(data, set(columns), hidden)
    return text if cleaned == data else json.dumps(cleaned, sort_keys=True, default=str)


def _walk(value, columns: set[str], hidden: list[str]):
    if isinstance(value, str):
        return redact(value, hidden)
    if isinstance(value, dict):
        return {k: (REMOVED if k in columns and v not in (None, "")
                    else _walk(v, columns, hidden)) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, columns, hidden) for v in value]
    return value


def categories(subject: Subject) -> list[str]:
    """Everything anonymising this kind of person can remove, in plain words."""
    found = []
    for place in subject.all_places():
        for words in [DELETED] if place.delete else [r.category for r in place.removes]:
            if words and words not in found:
                found.append(words)
    return found

