"""The only place the schema changes. Add m00N_ functions; never edit an applied one."""

import csv
import json
import secrets
from pathlib import Path

from sqlite_utils import Migrations

doorstep = Migrations("doorstep")


@doorstep()
def m001_foundation(db):
    """People, sign-in sessions, kiosks, venues, the help desk and the audit log."""
    db["venues"].create(
        {"id": int, "name": str, "kind": str, "address": str, "active": int},
        pk="id",
        not_null={"name"},
        defaults={"active": 1, "kind": "library"},
    )
    db["users"].create(
        {
            "id": int,
            "username": str,
            "display_name": str,
            "role": str,
            "secret_hash": str,
            "failed_logins": int,
            "locked_until": str,
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "display_name", "role", "secret_hash"},
        defaults={"failed_logins": 0, "active": 1},
    )
    db.execute("CREATE UNIQUE INDEX idx_users_username ON users(username COLLATE NOCASE)")
    db["user_sessions"].create(
        {
            "token_hash": str,
            "user_id": int,
            "venue_id": int,
            "created_at": str,
            "last_seen_at": str,
        },
        pk="token_hash",
        foreign_keys=[("user_id", "users", "id"), ("venue_id", "venues", "id")],
        not_null={"user_id", "created_at", "last_seen_at"},
    )
    db["kiosks"].create(
        {
            "id": int,
            "token_hash": str,
            "name": str,
            "venue_id": int,
            "registered_by": int,
            "registered_at": str,
            "last_seen_at": str,
            "revoked_at": str,
        },
        pk="id",
        foreign_keys=[("venue_id", "venues", "id"), ("registered_by", "users", "id")],
        not_null={"token_hash", "name", "venue_id"},
    )
    db.execute("CREATE UNIQUE INDEX idx_kiosks_token ON kiosks(token_hash)")
    db["topics"].create(
        {"slug": str, "label": str, "icon": str, "position": int, "active": int},
        pk="slug",
        not_null={"label"},
        defaults={"active": 1, "position": 0},
    )
    db["tickets"].create(
        {
            "id": int,
            "venue_id": int,
            "number": int,
            "day": str,
            "code": str,
            "name": str,
            "requested_topic": str,
            "source": str,
            "status": str,
            "created_at": str,
            "taken_at": str,
            "finished_at": str,
            "volunteer_id": int,
            "minutes": int,
            "outcome": str,
            "notes": str,
        },
        pk="id",
        foreign_keys=[
            ("venue_id", "venues", "id"),
            ("requested_topic", "topics", "slug"),
            ("volunteer_id", "users", "id"),
        ],
        not_null={"venue_id", "number", "day", "code", "status", "created_at", "source"},
    )
    db.execute("CREATE UNIQUE INDEX idx_tickets_number ON tickets(venue_id, day, number)")
    db.execute("CREATE UNIQUE INDEX idx_tickets_code ON tickets(code)")
    db.execute("CREATE INDEX idx_tickets_queue ON tickets(venue_id, status, created_at)")
    db["ticket_topics"].create(
        {"ticket_id": int, "topic": str},
        pk=("ticket_id", "topic"),
        foreign_keys=[("ticket_id", "tickets", "id"), ("topic", "topics", "slug")],
    )
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor_id": int,
            "actor": str,
            "action": str,
            "table_name": str,
            "row_id": str,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"at", "action", "table_name"},
    )
    db.execute("CREATE INDEX idx_audit_row ON audit_log(table_name, row_id)")
    db["topics"].insert_all(
        {"slug": slug, "label": label, "icon": slug, "position": i}
        for i, (slug, label) in enumerate(
            [
                ("email", "Email"),
                ("nhs_app", "NHS App and health"),
                ("benefits", "Universal Credit and council services"),
                ("video_calls", "Video calls"),
                ("smartphone", "Smartphone and tablet basics"),
                ("scams", "Scams and staying safe"),
                ("jobs", "Job search and CVs"),
                ("printing", "Printing and scanning"),
                ("other", "Something else"),
            ]
        )
    )


@doorstep()
def m002_ticket_request_ids(db):
    """Each ticket form carries a one-time id, so a double tap makes one ticket, not two."""
    db["tickets"].add_column("request_id", str)
    db.execute(
        "CREATE UNIQUE INDEX idx_tickets_request ON tickets(request_id) "
        "WHERE request_id IS NOT NULL"
    )


DEVICE_KINDS = [
    # slug, label, asset tag prefix, default loan days, return checklist, usual bundle
    ("tablet", "Tablet", "TAB", 28,
     ["accessories", "screen", "charger", "sim", "reset"], ["charger", "case"]),
    ("laptop", "Laptop", "LAP", 28,
     ["accessories", "screen", "charger", "keyboard", "reset"], ["charger"]),
    ("chromebook", "Chromebook", "CHR", 28,
     ["accessories", "screen", "charger", "keyboard", "reset"], ["charger"]),
    ("phone", "Phone", "PHN", 28,
     ["accessories", "screen", "charger", "sim", "reset"], ["charger"]),
    ("mifi", "MiFi (pocket Wi-Fi)", "MIFI", 28,
     ["accessories", "charger", "sim", "reset"], ["charger"]),
]
FIRST_AGREEMENT = """\
You are borrowing this device from the library service, free of charge.
- Please look after it and bring it back, with everything in the bag, by the date we agreed.
- You can bring it back to any library. If you need it longer, ask us.
- If it is lost, stolen or broken, tell us as soon as you can. You will not be charged.
- Please do not take it apart, sell it or lend it to someone else.
- We wipe the device when it comes back. Anything you leave on it will be deleted.
"""


@doorstep()
def m003_lending(db):
    """Devices, borrowers, partner organisations, loans with signed agreements, reminders,
    and each label format's printer offset (set from the calibration page).

    CHECK constraints and a partial unique index hold the rules the database can hold:
    a loan goes to exactly one borrower or partner, and a device has at most one open loan.
    """
    db.execute("""
        CREATE TABLE device_kinds (
            slug TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            tag_prefix TEXT NOT NULL,
            loan_days INTEGER NOT NULL CHECK (loan_days BETWEEN 1 AND 365),
            checklist TEXT NOT NULL,
            accessories TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0
        )""")
    db["device_kinds"].insert_all(
        {"slug": slug, "label": label, "tag_prefix": prefix, "loan_days": days,
         "checklist": json.dumps(checklist), "accessories": json.dumps(bundle), "position": i}
        for i, (slug, label, prefix, days, checklist, bundle) in enumerate(DEVICE_KINDS)
    )
    db.execute("""
        CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            asset_tag TEXT NOT NULL,
            kind TEXT NOT NULL REFERENCES device_kinds(slug),
            make TEXT, model TEXT, serial TEXT, imei TEXT,
            sim_iccid TEXT, sim_network TEXT, sim_allowance TEXT, sim_expires TEXT,
            accessories TEXT NOT NULL DEFAULT '[]',
            condition TEXT,
            status TEXT NOT NULL DEFAULT 'available' CHECK (status IN
                ('available', 'on_loan', 'in_repair', 'being_wiped', 'retired', 'lost')),
            home_venue_id INTEGER REFERENCES venues(id),
            notes TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""")
    db.execute("CREATE UNIQUE INDEX idx_devices_tag ON devices(asset_tag COLLATE NOCASE)")
    db.execute("CREATE INDEX idx_devices_status ON devices(status)")
    db.execute("""
        CREATE TABLE partners (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            contact_name TEXT, phone TEXT, email TEXT, notes TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE UNIQUE INDEX idx_partners_name ON partners(name COLLATE NOCASE)")
    db.execute("""
        CREATE TABLE borrowers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            contact_kind TEXT NOT NULL DEFAULT 'none'
                CHECK (contact_kind IN ('mobile', 'email', 'landline', 'none')),
            contact TEXT,
            library_card TEXT,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX idx_borrowers_name ON borrowers(name COLLATE NOCASE)")
    db.execute("""
        CREATE TABLE loan_agreements (
            id INTEGER PRIMARY KEY,
            version INTEGER NOT NULL UNIQUE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        )""")
    db["loan_agreements"].insert(
        {"version": 1, "text": FIRST_AGREEMENT, "created_at": "2026-01-01T00:00:00+00:00"})
    db.execute("""
        CREATE TABLE loans (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices(id),
            borrower_id INTEGER REFERENCES borrowers(id),
            partner_id INTEGER REFERENCES partners(id),
            venue_id INTEGER REFERENCES venues(id),
            out_at TEXT NOT NULL,
            due_on TEXT NOT NULL,
            out_by INTEGER REFERENCES users(id),
            agreement_id INTEGER REFERENCES loan_agreements(id),
            signature TEXT,
            consent TEXT NOT NULL CHECK (consent IN ('signed', 'in_person', 'partner',
                                                     'imported')),
            accessories TEXT NOT NULL DEFAULT '[]',
            returned_at TEXT,
            returned_via TEXT CHECK (returned_via IN ('kiosk', 'desk')),
            return_venue_id INTEGER REFERENCES venues(id),
            closed_at TEXT,
            closed_by INTEGER REFERENCES users(id),
            checklist TEXT,
            outcome TEXT CHECK (outcome IN ('available', 'in_repair', 'being_wiped', 'lost')),
            return_notes TEXT,
            request_id TEXT,
            CHECK ((borrower_id IS NULL) <> (partner_id IS NULL))
        )""")
    db.execute("CREATE UNIQUE INDEX idx_loans_one_open ON loans(device_id) WHERE closed_at IS NULL")
    db.execute("CREATE UNIQUE INDEX idx_loans_request ON loans(request_id) "
               "WHERE request_id IS NOT NULL")
    db.execute("CREATE INDEX idx_loans_borrower ON loans(borrower_id)")
    db.execute("CREATE INDEX idx_loans_partner ON loans(partner_id)")
    db.execute("""
        CREATE TABLE loan_reminders (
            id INTEGER PRIMARY KEY,
            loan_id INTEGER NOT NULL REFERENCES loans(id),
            sent_at TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'phone', 'letter')),
            status TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'noted')),
            reference TEXT,
            error TEXT,
            note TEXT,
            sent_by INTEGER REFERENCES users(id)
        )""")
    db.execute("CREATE INDEX idx_loan_reminders_loan ON loan_reminders(loan_id)")
    db.execute("""
        CREATE TABLE label_offsets (
            format TEXT PRIMARY KEY,
            offset_x REAL NOT NULL DEFAULT 0,
            offset_y REAL NOT NULL DEFAULT 0,
            updated_at TEXT
        )""")


SKILLS_SEED = Path(__file__).parent / "data" / "essential-digital-skills-v1.csv"


@doorstep()
def m004_tea_parties(db):
    """Venues' details, sessions (tea parties and drop-ins) with planned volunteer slots,
    volunteers' sign-ins, DBS and training, learners with consent, Essential Digital
    Skills tasks and progress, referrals, and council settings.

    A session series is what staff plan ("every other Tuesday 2-4pm until July"); each
    date is its own `sessions` row, so one date can be cancelled or given more slots,
    and hours of support available are a plain sum over rows. Times are stored as UTC
    stamps beside the local day, so durations are arithmetic and days are local.
    """
    db["venues"].add_column("postcode", str)
    db["venues"].add_column("accessibility", str)
    db.execute("""
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT,
            updated_by INTEGER REFERENCES users(id)
        )""")
    db["settings"].insert({"key": "dbs_recheck_years", "value": "3"})
    db.execute("""
        CREATE TABLE session_series (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('tea_party', 'drop_in', 'course', 'other')),
            venue_id INTEGER NOT NULL REFERENCES venues(id),
            partner_id INTEGER REFERENCES partners(id),
            repeat TEXT NOT NULL CHECK (repeat IN ('none', 'weekly', 'fortnightly',
                                                   'monthly')),
            first_day TEXT NOT NULL,
            last_day TEXT NOT NULL,
            starts TEXT NOT NULL,
            ends TEXT NOT NULL,
            volunteer_slots INTEGER NOT NULL DEFAULT 0 CHECK (volunteer_slots >= 0),
            requires_dbs INTEGER NOT NULL DEFAULT 0,
            description TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            CHECK (last_day >= first_day),
            CHECK (ends > starts)
        )""")
    db.execute("""
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            series_id INTEGER NOT NULL REFERENCES session_series(id),
            venue_id INTEGER NOT NULL REFERENCES venues(id),
            partner_id INTEGER REFERENCES partners(id),
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            day TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            volunteer_slots INTEGER NOT NULL DEFAULT 0 CHECK (volunteer_slots >= 0),
            requires_dbs INTEGER NOT NULL DEFAULT 0,
            cancelled_at TEXT,
            cancel_reason TEXT,
            CHECK (ends_at > starts_at)
        )""")
    db.execute("CREATE INDEX idx_sessions_venue_day ON sessions(venue_id, day)")
    db.execute("CREATE INDEX idx_sessions_day ON sessions(day)")
    db.execute("CREATE INDEX idx_sessions_series ON sessions(series_id)")
    db.execute("""
        CREATE TABLE volunteer_shifts (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            user_id INTEGER NOT NULL REFERENCES users(id),
            signed_in_at TEXT NOT NULL,
            signed_out_at TEXT,
            closed_by TEXT CHECK (closed_by IN ('volunteer', 'session_end', 'staff')),
            corrected_at TEXT,
            corrected_by INTEGER REFERENCES users(id),
            correction_reason TEXT,
            request_id TEXT,
            CHECK (signed_out_at IS NULL OR signed_out_at > signed_in_at)
        )""")
    db.execute("CREATE UNIQUE INDEX idx_shifts_one_open ON volunteer_shifts(user_id) "
               "WHERE signed_out_at IS NULL")
    db.execute("CREATE INDEX idx_shifts_user ON volunteer_shifts(user_id, signed_in_at)")
    db.execute("CREATE INDEX idx_shifts_session ON volunteer_shifts(session_id)")
    db.execute("""
        CREATE TABLE volunteer_profiles (
            user_id INTEGER PRIMARY KEY REFERENCES users(id),
            phone TEXT,
            email TEXT,
            dbs_certificate TEXT,
            dbs_issued_on TEXT,
            dbs_update_service INTEGER NOT NULL DEFAULT 0,
            notes TEXT,
            updated_at TEXT
        )""")
    db.execute("""
        CREATE TABLE volunteer_venues (
            user_id INTEGER NOT NULL REFERENCES users(id),
            venue_id INTEGER NOT NULL REFERENCES venues(id),
            PRIMARY KEY (user_id, venue_id)
        )""")
    db.execute("""
        CREATE TABLE volunteer_training (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            course TEXT NOT NULL,
            completed_on TEXT NOT NULL,
            expires_on TEXT,
            recorded_at TEXT NOT NULL,
            recorded_by INTEGER REFERENCES users(id)
        )""")
    db.execute("CREATE INDEX idx_training_user ON volunteer_training(user_id)")
    db.execute("""
        CREATE TABLE skill_tasks (
            id INTEGER PRIMARY KEY,
            framework TEXT NOT NULL,
            area TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('foundation', 'life', 'work')),
            code TEXT NOT NULL,
            wording TEXT NOT NULL,
            plain TEXT NOT NULL,
            source TEXT,
            position INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (framework, code)
        )""")
    with SKILLS_SEED.open(newline="", encoding="utf-8") as seed:
        db["skill_tasks"].insert_all(
            dict(row, position=i) for i, row in enumerate(csv.DictReader(seed)))
    db.execute("""
        CREATE TABLE learners (
            id INTEGER PRIMARY KEY,
            first_name TEXT NOT NULL,
            birth_band TEXT,
            postcode_district TEXT,
            card_code TEXT NOT NULL,
            consent_what TEXT NOT NULL,
            consent_at TEXT NOT NULL,
            consent_by INTEGER REFERENCES users(id),
            contact_kind TEXT NOT NULL DEFAULT 'none'
                CHECK (contact_kind IN ('mobile', 'email', 'landline', 'none')),
            contact TEXT,
            notes TEXT,
            home_venue_id INTEGER REFERENCES venues(id),
            request_id TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            updated_at TEXT
        )""")
    db.execute("CREATE UNIQUE INDEX idx_learners_card ON learners(card_code)")
    db.execute("CREATE UNIQUE INDEX idx_learners_request ON learners(request_id) "
               "WHERE request_id IS NOT NULL")
    db.execute("CREATE INDEX idx_learners_name ON learners(first_name COLLATE NOCASE)")
    db.execute("ALTER TABLE tickets ADD COLUMN learner_id INTEGER REFERENCES learners(id)")
    db.execute("CREATE INDEX idx_tickets_learner ON tickets(learner_id)")
    db.execute("""
        CREATE TABLE skill_records (
            id INTEGER PRIMARY KEY,
            learner_id INTEGER NOT NULL REFERENCES learners(id),
            task_id INTEGER NOT NULL REFERENCES skill_tasks(id),
            level TEXT NOT NULL CHECK (level IN ('not_yet', 'with_help', 'on_own')),
            observed_on TEXT NOT NULL,
            observed_at TEXT NOT NULL,
            volunteer_id INTEGER REFERENCES users(id),
            venue_id INTEGER REFERENCES venues(id),
            ticket_id INTEGER REFERENCES tickets(id)
        )""")
    db.execute("CREATE INDEX idx_skill_records_learner "
               "ON skill_records(learner_id, task_id, observed_at)")
    db.execute("CREATE INDEX idx_skill_records_ticket ON skill_records(ticket_id)")
    db.execute("""
        CREATE TABLE referrals (
            id INTEGER PRIMARY KEY,
            learner_id INTEGER NOT NULL REFERENCES learners(id),
            kind TEXT NOT NULL CHECK (kind IN ('adult_learning', 'wellbeing', 'partner',
                                               'device', 'sim')),
            detail TEXT,
            partner_id INTEGER REFERENCES partners(id),
            status TEXT NOT NULL DEFAULT 'made'
                CHECK (status IN ('made', 'taken_up', 'not_taken_up')),
            made_on TEXT NOT NULL,
            made_by INTEGER REFERENCES users(id),
            status_on TEXT,
            notes TEXT,
            ticket_id INTEGER REFERENCES tickets(id)
        )""")
    db.execute("CREATE INDEX idx_referrals_learner ON referrals(learner_id)")


SIM_CRITERIA_V1 = [  # key, words on the screen, group: every "required" and one "one_of"
    ("age_18_plus", "Aged 18 or over", "required"),
    ("low_income", "On a low income (for example on benefits)", "required"),
    ("no_internet_home", "No internet, or not enough, at home", "one_of"),
    ("no_internet_away", "No internet, or not enough, when out and about", "one_of"),
    ("cannot_afford", "Cannot afford a contract or top-up", "one_of"),
]
DEVICE_CRITERIA_V1 = [  # Tech4All: a £60 laptop for residents on a means-tested benefit
    ("universal_credit", "Universal Credit", "one_of"),
    ("pension_credit", "Pension Credit", "one_of"),
    ("income_support", "Income Support", "one_of"),
    ("jsa_income", "Income-based Jobseeker's Allowance", "one_of"),
    ("esa_income", "Income-related Employment and Support Allowance", "one_of"),
    ("housing_benefit", "Housing Benefit", "one_of"),
    ("council_tax_support", "Council Tax Support", "one_of"),
]
CARBON_FACTORS_V1 = [  # kind, kg CO2e avoided, kg kept from landfill
    ("laptop", 248, 1.8), ("chromebook", 248, 1.8), ("tablet", 67, 0.7), ("phone", 48, 0.2),
    ("desktop", 302, 7.6), ("mifi", 0, 0.1),
]
CARBON_SOURCE_V1 = (
    "Boavizta manufacturer-PCF dataset averages (manufacturing GWP as avoided new manufacture; "
    "average weight as kg kept from landfill), via shared/reference/impact-and-carbon.md [CF1]. "
    "Avoided-emissions estimates, not offsets. Laptop range in other studies: 69-316 kg. "
    "MiFi: no published factor; weight only.")


@doorstep()
def m005_giveaways(db):
    """Free SIMs (stock batches, SIMs or voucher codes, giveaways with eligibility ticks),
    versioned eligibility rule sets, donated devices through wipe and refurbishment to sale,
    gift, loan or recycling, and versioned carbon factors.

    Rules the database can hold, it holds: a SIM is given at most once (UNIQUE sim_id), a
    stock item is either an ICCID or a voucher code, and a donated device cannot reach
    refurbished, ready, sold, gifted or lent without a recorded wipe.
    """
    db["device_kinds"].insert({
        "slug": "desktop", "label": "Desktop computer", "tag_prefix": "DSK", "loan_days": 28,
        "checklist": json.dumps(["accessories", "keyboard", "reset"]),
        "accessories": json.dumps(["power_cable"]), "position": 5})
    db.execute("""
        CREATE TABLE eligibility_rule_sets (
            id INTEGER PRIMARY KEY,
            scheme TEXT NOT NULL CHECK (scheme IN ('sim', 'device')),
            version INTEGER NOT NULL,
            criteria TEXT NOT NULL,
            repeat_months INTEGER CHECK (repeat_months BETWEEN 0 AND 60),
            note TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            UNIQUE (scheme, version)
        )""")
    for scheme, criteria, months in (("sim", SIM_CRITERIA_V1, 6), ("device", DEVICE_CRITERIA_V1,
                                                                    None)):
        db["eligibility_rule_sets"].insert({
            "scheme": scheme, "version": 1, "repeat_months": months,
            "criteria": json.dumps([{"key": k, "label": label, "group": group}
                                    for k, label, group in criteria]),
            "note": "Doorstep's starting rules; councils set their own.",
            "created_at": "2026-01-01T00:00:00+00:00"})
    db.execute("""
        CREATE TABLE sim_batches (
            id INTEGER PRIMARY KEY,
            venue_id INTEGER NOT NULL REFERENCES venues(id),
            item TEXT NOT NULL CHECK (item IN ('sim', 'voucher')),
            network TEXT NOT NULL,
            offer TEXT NOT NULL,
            months INTEGER CHECK (months BETWEEN 1 AND 36),
            received_on TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        )""")
    db.execute("""
        CREATE TABLE sims (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES sim_batches(id),
            iccid TEXT UNIQUE,
            voucher_code TEXT UNIQUE,
            status TEXT NOT NULL DEFAULT 'in_stock'
                CHECK (status IN ('in_stock', 'given', 'void')),
            void_reason TEXT,
            CHECK ((iccid IS NULL) <> (voucher_code IS NULL))
        )""")
    db.execute("CREATE INDEX idx_sims_batch_status ON sims(batch_id, status)")
    db.execute("""
        CREATE TABLE sim_giveaways (
            id INTEGER PRIMARY KEY,
            sim_id INTEGER NOT NULL UNIQUE REFERENCES sims(id),
            venue_id INTEGER NOT NULL REFERENCES venues(id),
            session_id INTEGER REFERENCES sessions(id),
            given_at TEXT NOT NULL,
            given_by INTEGER REFERENCES users(id),
            rule_set_id INTEGER NOT NULL REFERENCES eligibility_rule_sets(id),
            ticks TEXT NOT NULL,
            eligible INTEGER NOT NULL,
            learner_id INTEGER REFERENCES learners(id),
            household_key TEXT,
            postcode_district TEXT,
            override_reason TEXT,
            request_id TEXT UNIQUE
        )""")
    db.execute("CREATE INDEX idx_sim_giveaways_given ON sim_giveaways(given_at)")
    db.execute("CREATE INDEX idx_sim_giveaways_learner ON sim_giveaways(learner_id)")
    db.execute("CREATE INDEX idx_sim_giveaways_household ON sim_giveaways(household_key)")
    db.execute("""
        CREATE TABLE donations (
            id INTEGER PRIMARY KEY,
            donor TEXT NOT NULL,
            donor_kind TEXT NOT NULL CHECK (donor_kind IN ('business', 'housing_association',
                                                           'council', 'charity', 'individual',
                                                           'other')),
            received_on TEXT NOT NULL,
            venue_id INTEGER REFERENCES venues(id),
            note TEXT,
            request_id TEXT UNIQUE,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        )""")
    db.execute("""
        CREATE TABLE refurb_devices (
            id INTEGER PRIMARY KEY,
            donation_id INTEGER NOT NULL REFERENCES donations(id),
            asset_tag TEXT NOT NULL,
            kind TEXT NOT NULL REFERENCES device_kinds(slug),
            make TEXT, model TEXT, serial TEXT,
            stage TEXT NOT NULL DEFAULT 'received' CHECK (stage IN ('received', 'wiped',
                'refurbished', 'ready', 'sold', 'gifted', 'lent', 'recycled')),
            wipe_method TEXT, wipe_certificate TEXT, wiped_at TEXT,
            wiped_by INTEGER REFERENCES users(id),
            grade TEXT, refurb_notes TEXT, licence TEXT, refurbished_at TEXT,
            refurbished_by INTEGER REFERENCES users(id),
            ready_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (stage IN ('received', 'recycled') OR
                   (wiped_at IS NOT NULL AND wipe_method IS NOT NULL
                    AND wipe_certificate IS NOT NULL))
        )""")
    db.execute("CREATE UNIQUE INDEX idx_refurb_tag ON refurb_devices(asset_tag COLLATE NOCASE)")
    db.execute("CREATE INDEX idx_refurb_stage ON refurb_devices(stage)")
    db.execute("""
        CREATE TABLE refurb_allocations (
            id INTEGER PRIMARY KEY,
            refurb_id INTEGER NOT NULL UNIQUE REFERENCES refurb_devices(id),
            outcome TEXT NOT NULL CHECK (outcome IN ('sold', 'gifted', 'lent', 'recycled')),
            at TEXT NOT NULL,
            by INTEGER REFERENCES users(id),
            venue_id INTEGER REFERENCES venues(id),
            price_pence INTEGER CHECK (price_pence >= 0),
            payment_method TEXT,
            rule_set_id INTEGER REFERENCES eligibility_rule_sets(id),
            ticks TEXT,
            gift_reason TEXT CHECK (gift_reason IN ('care_leaver', 'school_referral',
                                                   'course_completion', 'other')),
            referrer TEXT,
            course TEXT,
            learner_id INTEGER REFERENCES learners(id),
            lending_device_id INTEGER REFERENCES devices(id),
            weight_kg REAL CHECK (weight_kg > 0),
            recycler TEXT,
            note TEXT,
            request_id TEXT UNIQUE
        )""")
    db.execute("CREATE INDEX idx_refurb_allocations_at ON refurb_allocations(at)")
    db.execute("""
        CREATE TABLE carbon_factor_sets (
            id INTEGER PRIMARY KEY,
            version INTEGER NOT NULL UNIQUE,
            source TEXT NOT NULL,
            source_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        )""")
    db.execute("""
        CREATE TABLE carbon_factors (
            set_id INTEGER NOT NULL REFERENCES carbon_factor_sets(id),
            kind TEXT NOT NULL REFERENCES device_kinds(slug),
            co2e_kg REAL NOT NULL CHECK (co2e_kg >= 0),
            landfill_kg REAL NOT NULL CHECK (landfill_kg >= 0),
            PRIMARY KEY (set_id, kind)
        )""")
    set_id = db["carbon_factor_sets"].insert({
        "version": 1, "source": CARBON_SOURCE_V1, "source_date": "2026-11-01",
        "created_at": "2026-11-01T00:00:00+00:00"}).last_pk
    db["carbon_factors"].insert_all({"set_id": set_id, "kind": k, "co2e_kg": c, "landfill_kg": w}
                                    for k, c, w in CARBON_FACTORS_V1)
    db["settings"].insert_all([{"key": "sim_low_stock", "value": "10"},
                               {"key": "household_salt", "value": secrets.token_hex(16)}])


@doorstep()
def m006_report_indexes(db):
    """Indexes the impact reports need over years of data (chosen from EXPLAIN QUERY PLAN
    on bench_data's ten-year borough; each turns a full scan into a range or lookup):

    - tickets(day, status): help visits, learners supported/new/returning, help by topic
      and reach at every venue (the venue filter already uses idx_tickets_number), and
      help_desk.tickets_between without a venue.
    - tickets(learner_id, status, day): "supported before the period?" for new and
      returning learners, answered from the index alone.
    - skill_records(observed_on): learners supported through a skills check.
    - loans(closed_at): devices out on loan and overdue at the end of a period (both sides
      of "not closed, or closed after").
    - loans(partner_id) for open loans only: each partner's devices out now, listed by the
      report's partner filter.
    - referrals(made_on): referrals made and taken up.

    Not loans(out_at): with it the planner walks "out_at < end of period" across nearly
    every loan for the devices-out figures, which made them ten times slower.
    """
    db.execute("CREATE INDEX idx_tickets_day ON tickets(day, status)")
    db.execute("CREATE INDEX idx_tickets_learner_done ON tickets(learner_id, status, day)")
    db.execute("CREATE INDEX idx_skill_records_observed ON skill_records(observed_on)")
    db.execute("CREATE INDEX idx_loans_closed ON loans(closed_at)")
    db.execute("CREATE INDEX idx_loans_partner_open ON loans(partner_id) "
               "WHERE closed_at IS NULL")
    db.execute("CREATE INDEX idx_referrals_made ON referrals(made_on)")


@doorstep()
def m007_data_protection(db):
    """Issue 7: a second factor for staff, and marks for records whose identity was removed.

    - users.totp_secret holds the TOTP seed encrypted with a key kept outside the database
      (two_factor.py); totp_last_step refuses a code used twice.
    - anonymised_at on users, learners and borrowers: retention or an erasure removed who
      they were, but the row stays so reports keep their counts.
    - indexes that keep retention's preview and a volunteer's subject access export fast.
    """
    db["users"].add_column("totp_secret", str)
    db["users"].add_column("totp_enabled_at", str)
    db["users"].add_column("totp_last_step", int)
    db["users"].add_column("anonymised_at", str)
    db["learners"].add_column("anonymised_at", str)
    db["borrowers"].add_column("anonymised_at", str)
    # Retention and subject access over years of data: a volunteer's own audit entries, and
    # the tickets and closed loans that still hold names, notes or signatures.
    db.execute("CREATE INDEX idx_audit_actor ON audit_log(actor_id, at)")
    db.execute("CREATE INDEX idx_tickets_text ON tickets(day) "
               "WHERE name IS NOT NULL OR notes IS NOT NULL")
    db.execute("CREATE INDEX idx_loans_text ON loans(closed_at) "
               "WHERE signature IS NOT NULL OR return_notes IS NOT NULL")


@doorstep()
def m008_referrals_and_interest(db):
    """Issue 9: device-loan referrals with a waiting list, partner sign-ins, and interest
    registered at the kiosk's eligibility check.

    - users.partner_id: a 'partner' sign-in belongs to one partner organisation and sees
      only the referrals that organisation made.
    - referral_flags: the council's priority flags (care leaver, lives alone…), seeded and
      editable; loan_referral_flags ties them to referrals.
    - loan_referrals: who is referred holds the least we need (a first name, one way to reach
      them or "through the referrer", a postcode district); person_key is a keyed hash of name
      and contact that finds a duplicate without storing more; status moves waiting → served
      (with the loan) or removed (with a reason); never deleted, so waiting times add up.
    - interest_registrations: the kiosk's "you can probably get…" answers, then a first name
      and one contact or only a reference the person keeps; staff turn one into a SIM
      giveaway, a refurbished-device sale or gift, or a referral (outcome + the row's id).
    """
    # In place: sqlite-utils' add_column(fk=...) would rebuild users, which most tables name.
    db.execute("ALTER TABLE users ADD COLUMN partner_id INTEGER REFERENCES partners(id)")
    db.execute("""
        CREATE TABLE referral_flags (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        )""")
    db.execute("CREATE UNIQUE INDEX idx_referral_flags_label "
               "ON referral_flags(label COLLATE NOCASE)")
    db["referral_flags"].insert_all(
        {"label": label, "position": i, "created_at": "2026-12-01T00:00:00+00:00"}
        for i, label in enumerate(("Care leaver", "Lives alone", "No internet at home")))
    db.execute("""
        CREATE TABLE loan_referrals (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL,
            partner_id INTEGER REFERENCES partners(id),
            referrer_name TEXT NOT NULL,
            referrer_contact TEXT,
            channel TEXT NOT NULL CHECK (channel IN ('partner', 'phone', 'email', 'in_person')),
            submitted_by INTEGER REFERENCES users(id),
            first_name TEXT NOT NULL,
            contact_kind TEXT NOT NULL
                CHECK (contact_kind IN ('mobile', 'email', 'landline', 'via_referrer')),
            contact TEXT,
            postcode_district TEXT,
            reason TEXT NOT NULL,
            venue_id INTEGER REFERENCES venues(id),
            kind TEXT REFERENCES device_kinds(slug),
            person_key TEXT,
            status TEXT NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'served', 'removed')),
            removed_reason TEXT,
            loan_id INTEGER REFERENCES loans(id),
            interest_id INTEGER REFERENCES interest_registrations(id),
            request_id TEXT,
            created_at TEXT NOT NULL,
            closed_at TEXT,
            anonymised_at TEXT,
            CHECK (contact_kind = 'via_referrer' OR contact IS NOT NULL
                   OR anonymised_at IS NOT NULL),
            CHECK (status != 'served' OR loan_id IS NOT NULL),
            CHECK (status != 'removed' OR removed_reason IS NOT NULL)
        )""")
    db.execute("CREATE UNIQUE INDEX idx_loan_referrals_reference ON loan_referrals(reference)")
    db.execute("CREATE UNIQUE INDEX idx_loan_referrals_request ON loan_referrals(request_id) "
               "WHERE request_id IS NOT NULL")
    db.execute("CREATE INDEX idx_loan_referrals_waiting ON loan_referrals(status, created_at)")
    db.execute("CREATE INDEX idx_loan_referrals_partner ON loan_referrals(partner_id, created_at)")
    db.execute("CREATE INDEX idx_loan_referrals_person ON loan_referrals(person_key) "
               "WHERE status = 'waiting'")
    db.execute("""
        CREATE TABLE loan_referral_flags (
            referral_id INTEGER NOT NULL REFERENCES loan_referrals(id),
            flag_id INTEGER NOT NULL REFERENCES referral_flags(id),
            PRIMARY KEY (referral_id, flag_id)
        )""")
    db.execute("""
        CREATE TABLE interest_registrations (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL,
            venue_id INTEGER NOT NULL REFERENCES venues(id),
            answers TEXT NOT NULL,
            suggests TEXT NOT NULL,
            sim_rule_set_id INTEGER REFERENCES eligibility_rule_sets(id),
            device_rule_set_id INTEGER REFERENCES eligibility_rule_sets(id),
            first_name TEXT,
            contact_kind TEXT NOT NULL
                CHECK (contact_kind IN ('mobile', 'email', 'landline', 'come_back')),
            contact TEXT,
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done', 'closed')),
            outcome TEXT CHECK (outcome IN ('sim', 'sale', 'gift', 'referral')),
            sim_giveaway_id INTEGER REFERENCES sim_giveaways(id),
            refurb_allocation_id INTEGER REFERENCES refurb_allocations(id),
            referral_id INTEGER REFERENCES loan_referrals(id),
            closed_reason TEXT,
            closed_by INTEGER REFERENCES users(id),
            request_id TEXT,
            created_at TEXT NOT NULL,
            closed_at TEXT,
            anonymised_at TEXT,
            CHECK (contact_kind = 'come_back' OR contact IS NOT NULL OR anonymised_at IS NOT NULL),
            CHECK (status != 'done' OR outcome IS NOT NULL)
        )""")
    db.execute("CREATE UNIQUE INDEX idx_interest_reference ON interest_registrations(reference)")
    db.execute("CREATE UNIQUE INDEX idx_interest_request ON interest_registrations(request_id) "
               "WHERE request_id IS NOT NULL")
    db.execute("CREATE INDEX idx_interest_status ON interest_registrations(status, created_at)")
