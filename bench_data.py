"""Ten years of a large borough, for `make bench`: the reports measured at full size.

`build(path)` makes a migrated database and fills it with plain `executemany` inserts,
one transaction per table group. The rule modules would take hours for millions of rows,
so nothing here goes through them; instead each row is written the way those rules
would have left it (ticket numbers per venue per day, at most one open loan per device,
wipes before any later refurb stage, a SIM given at most once). Everything comes from
`random.Random(seed)`, so two builds with one seed are identical apart from today's date.
"""

import json
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import db as dbmod
from help_desk import LOCAL_TZ
from learners import BIRTH_BANDS, CARD_ALPHABET, CARD_LENGTH, CONSENT_KEEP

YEARS = 10
FULL = {  # row counts at scale 1.0; scale multiplies these, the small tables stay as they are
    "learners": 100_000, "tickets": 1_000_000, "skill_records": 50_000, "referrals": 20_000,
    "volunteer_shifts": 60_000, "devices": 5_000, "loans": 200_000, "borrowers": 80_000,
    "sims": 30_000, "sim_giveaways": 25_000, "refurb_devices": 3_000,
    "refurb_allocations": 2_500, "audit_log": 1_000_000,
}
VOLUNTEERS = 300
PARTNERS = 40
# One real argon2id hash with the cheapest parameters, of the PIN "1234"; hashing 300 PINs
# at full cost would take longer than writing a million tickets.
VOLUNTEER_HASH = ("$argon2id$v=19$m=8,t=1,p=1$w7P8HZ6Ev4Ct+gBCd6yq0w$"
                  "prT6Mbb3RD16fqkfg0rEwYuvl9jZz5UFJbrZflD5M0A")
VENUES = [  # name, kind, postcode
    ("Wigan Library", "library", "WN1 1NU"), ("Leigh Library", "library", "WN7 1EB"),
    ("Hindley Library", "library", "WN2 3HL"), ("Ashton Library", "library", "WN4 9BH"),
    ("Standish Library", "library", "WN6 0EA"), ("Atherton Library", "library", "M46 9JQ"),
    ("Tyldesley Library", "library", "M29 8AE"), ("Westhoughton Library", "library", "BL5 3AU"),
    ("Bolton Central Library", "library", "BL1 1SE"),
    ("Farnworth Library", "library", "BL4 7PG"),
    ("Platt Bridge Community Centre", "community_centre", "WN2 5AH"),
    ("Beech Hill Community Centre", "community_centre", "WN6 7PS"),
    ("Little Hulton Community Centre", "community_centre", "M38 9LR"),
    ("Breightmet Hub", "community_centre", "BL2 6PH"),
    ("The Crown, Hindley", "pub", "WN2 3AN"), ("The Bird i'th Hand", "pub", "WN5 0QT"),
    ("The Boars Head", "pub", "BL6 5AA"),
    ("Ashfield House", "sheltered_housing", "WN6 0HH"),
    ("Ince Court", "sheltered_housing", "WN3 4TB"),
    ("Worsley Grange", "sheltered_housing", "M28 2QQ"),
]
DISTRICTS = ["WN1", "WN2", "WN3", "WN4", "WN5", "WN6", "WN7", "WN8", "M28", "M29", "M38",
             "M46", "BL1", "BL2", "BL3", "BL4", "BL5", "BL6"]
FIRST_NAMES = ["Mary", "Joseph", "Irene", "Dev", "Pat", "Ken", "Olu", "Rita", "Asha", "Bill",
               "Chloe", "Margaret", "John", "Susan", "David", "Jean", "Peter", "Barbara",
               "Alan", "Linda", "Tariq", "Priya", "Agnes", "Frank", "Doreen", "Stan", "Nadia",
               "Grace", "Wojciech", "Fatima", "Eileen", "Harold", "Lily", "Tom", "Zara"]
OUTCOMES = ["solved"] * 6 + ["partly"] * 2 + ["referred", "follow_up"]
DEVICE_KINDS = ["tablet"] * 10 + ["laptop"] * 5 + ["chromebook"] * 3 + ["phone", "mifi"]
TAG_PREFIX = {"tablet": "TAB", "laptop": "LAP", "chromebook": "CHR", "phone": "PHN",
              "mifi": "MIFI", "desktop": "DSK"}
NETWORKS = [("Three", "20 GB a month"), ("Vodafone", "National Databank 6 months"),
            ("O2", "Unlimited data 6 months")]
SIM_TICKS = json.dumps(["age_18_plus", "low_income", "cannot_afford"])
DEVICE_TICKS = json.dumps(["universal_credit"])
CHECKLIST = json.dumps(["accessories", "screen", "charger", "reset"])


class World:
    """What every table group needs: the random source, the days, and ids made so far."""

    def __init__(self, conn, seed: int, scale: float, today: date):
        self.conn, self.rng = conn, random.Random(seed)  # noqa: S311 - made-up data
        self.count = {k: max(1, round(v * scale)) for k, v in FULL.items()}
        try:
            first = today.replace(year=today.year - YEARS)
        except ValueError:  # 29 February
            first = today.replace(year=today.year - YEARS, day=28)
        self.days = [(first + timedelta(days=n)).isoformat()
                     for n in range((today - first).days + 1)]
        # Opening hours are 08:00-21:00 local, so an hour's summer time never moves a stamp
        # across midnight: a stamp's UTC date is its local day.
        self.offset = [int(datetime.combine(date.fromisoformat(d), time(12), LOCAL_TZ)
                           .utcoffset().total_seconds() // 60) for d in self.days]
        self.venues = list(range(1, len(VENUES) + 1))
        self.volunteers = list(range(1, VOLUNTEERS + 1))
        self.crew = {v: self.volunteers[i::len(self.venues)] for i, v in enumerate(self.venues)}

    def at(self, day: int, minute: int, second: int = 0) -> str:
        """The UTC stamp of a local minute (from midnight) on day index `day`."""
        m = minute - self.offset[day]
        return f"{self.days[day]}T{m // 60:02d}:{m % 60:02d}:{second:02d}+00:00"

    def some_day(self, low: int = 0) -> int:
        return self.rng.randrange(low, len(self.days))

    def insert(self, table: str, columns: str, rows) -> int:
        """Insert an iterable of tuples in the order of `columns` (comma-separated)."""
        names = [c.strip() for c in columns.split(",")]
        marks = ", ".join("?" * len(names))
        sql = f"insert into {table} ({', '.join(names)}) values ({marks})"  # noqa: S608
        return self.conn.executemany(sql, rows).rowcount


def build(path, seed: int = 0, scale: float = 1.0, today: date | None = None) -> dict:
    """A migrated database at `path`, filled; returns the row count of each table filled."""
    path = Path(path)
    dbmod.migrate_database(path)
    database = dbmod.connect(path)
    conn = database.conn
    conn.execute("PRAGMA foreign_keys=OFF")  # checked afterwards by the test, not per row
    conn.execute("PRAGMA cache_size=-200000")
    world = World(conn, seed, scale, today or date.today())
    counts = {}
    try:
        for group in (people, learner_rows, tickets, sessions_and_shifts, skills_and_referrals,
                      devices_and_loans, sims_given, refurbished, audit_rows):
            conn.execute("BEGIN")
            counts.update(group(world))
            conn.execute("COMMIT")
        # No ANALYZE: the app never runs it, so the planner here sees what it sees live.
    finally:
        conn.close()
    return counts


def people(w: World) -> dict:
    """Venues, volunteers (each working at one venue), partner organisations."""
    n_venues = w.insert("venues", "id, name, kind, address, postcode, active", (
        (i, name, kind, f"{name}, Greater Manchester", postcode, 1)
        for i, (name, kind, postcode) in enumerate(VENUES, 1)))
    created = w.at(0, 9 * 60)
    n_users = w.insert("users", "id, username, display_name, role, secret_hash, created_at", (
        (i, f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {i:03d}", FIRST_NAMES[i % len(FIRST_NAMES)],
         "volunteer", VOLUNTEER_HASH, created) for i in w.volunteers))
    w.insert("volunteer_venues", "user_id, venue_id",
             ((u, v) for v, crew in w.crew.items() for u in crew))
    n_partners = w.insert("partners", "id, name, contact_name, active, created_at", (
        (i, f"Partner organisation {i:02d}", FIRST_NAMES[i % len(FIRST_NAMES)], 1, created)
        for i in range(1, PARTNERS + 1)))
    return {"venues": n_venues, "users": n_users, "partners": n_partners}


def _card_codes(rng, n: int) -> list[str]:
    codes = set()
    while len(codes) < n:
        codes.add("".join(rng.choices(CARD_ALPHABET, k=CARD_LENGTH)))
    return sorted(codes, key=lambda _: rng.random())


def learner_rows(w: World) -> dict:
    """Residents who agreed to be remembered, joining steadily over the ten years."""
    n = w.count["learners"]
    codes = _card_codes(w.rng, n)
    bands = BIRTH_BANDS[2:9]
    rng = w.rng

    def rows():
        for i in range(n):
            day = i * len(w.days) // n
            venue = rng.choice(w.venues)
            stamp = w.at(day, rng.randrange(9 * 60, 17 * 60))
            yield (i + 1, rng.choice(FIRST_NAMES), rng.choice(bands + (None,)),
                   rng.choice(DISTRICTS), codes[i], CONSENT_KEEP, stamp,
                   rng.choice(w.crew[venue]), venue, stamp)

    return {"learners": w.insert(
        "learners", "id, first_name, birth_band, postcode_district, card_code, consent_what, "
        "consent_at, consent_by, home_venue_id, created_at", rows())}


def tickets(w: World) -> dict:
    """Help interactions: numbered per venue per day in the order people arrived, mostly
    helped (with one or two topics given), some left before being seen; 60% for a learner."""
    rng, n, n_days = w.rng, w.count["tickets"], len(w.days)
    topics = [r[0] for r in w.conn.execute("select slug from topics order by position")]
    weights = [4 if kind == "library" else 1 for _, kind, _ in VENUES]
    made = topics_made = 0
    ticket_id = 0
    for day in range(n_days):
        arrivals = sorted((rng.randrange(9 * 60, 19 * 60), v) for v in rng.choices(
            w.venues, weights, k=(day + 1) * n // n_days - day * n // n_days))
        numbers = dict.fromkeys(w.venues, 0)
        learners_so_far = max(1, (day + 1) * w.count["learners"] // n_days)
        rows, given = [], []
        for minute, venue in arrivals:
            ticket_id += 1
            numbers[venue] += 1
            topic = rng.choice(topics)
            created = w.at(day, minute, rng.randrange(60))
            learner = rng.randrange(1, learners_so_far + 1) if rng.random() < 0.6 else None
            name = FIRST_NAMES[ticket_id % len(FIRST_NAMES)] if ticket_id % 3 else None
            code = f"{ticket_id * 0x9E3779B97F4A7C15 % 2**64:016x}"  # odd multiplier: unique
            if rng.random() < 0.9:
                taken = minute + rng.randrange(1, 25)
                minutes = rng.randrange(5, 45)
                rows.append((ticket_id, venue, numbers[venue], w.days[day], code, name, topic,
                             "kiosk", "done", created, w.at(day, taken),
                             w.at(day, taken + minutes), rng.choice(w.crew[venue]), minutes,
                             rng.choice(OUTCOMES), learner))
                given.append((ticket_id, topic))
                if rng.random() < 0.3:
                    other = rng.choice(topics)
                    if other != topic:
                        given.append((ticket_id, other))
            else:
                rows.append((ticket_id, venue, numbers[venue], w.days[day], code, name, topic,
                             "kiosk", "left", created, None,
                             w.at(day, minute + rng.randrange(5, 40)), None, None, None,
                             learner))
        made += w.insert("tickets", "id, venue_id, number, day, code, name, requested_topic, "
                         "source, status, created_at, taken_at, finished_at, volunteer_id, "
                         "minutes, outcome, learner_id", rows)
        topics_made += w.insert("ticket_topics", "ticket_id, topic", given)
    return {"tickets": made, "ticket_topics": topics_made}


def sessions_and_shifts(w: World) -> dict:
    """A weekly tea party at every venue for ten years (one weekday each, 2-4pm), and the
    volunteers' closed shifts at them. A volunteer only works at one venue, which has one
    session a week, so no one's shifts overlap."""
    rng = w.rng
    series, sessions = [], []
    for i, venue in enumerate(w.venues):
        start = next(d for d in range(7) if date.fromisoformat(w.days[d]).weekday() == i % 5)
        series.append((venue, "Digital tea party", "tea_party", venue, "weekly", w.days[start],
                       w.days[-1], "14:00", "16:00", 4, w.at(0, 9 * 60)))
        for day in range(start, len(w.days), 7):
            cancelled = rng.random() < 0.02
            sessions.append((len(sessions) + 1, venue, venue, "Digital tea party", "tea_party",
                             w.days[day], w.at(day, 14 * 60), w.at(day, 16 * 60), 4,
                             w.at(day, 9 * 60) if cancelled else None,
                             "Venue closed" if cancelled else None, day))
    w.insert("session_series", "id, title, kind, venue_id, repeat, first_day, last_day, "
             "starts, ends, volunteer_slots, created_at", series)
    n_sessions = w.insert("sessions", "id, series_id, venue_id, title, kind, day, starts_at, "
                          "ends_at, volunteer_slots, cancelled_at, cancel_reason",
                          (s[:-1] for s in sessions))
    held = [s for s in sessions if s[9] is None and s[-1] < len(w.days) - 1]
    per_session = w.count["volunteer_shifts"] / max(1, len(held))
    shifts = []
    for s in held:
        k = int(per_session) + (rng.random() < per_session % 1)
        day, crew = s[-1], w.crew[s[1]]
        for user in rng.sample(crew, min(k, len(crew))):
            shifts.append((len(shifts) + 1, s[0], user, w.at(day, 14 * 60 - rng.randrange(15)),
                           w.at(day, 16 * 60 - rng.randrange(20)),
                           rng.choice(("volunteer", "session_end"))))
    n_shifts = w.insert("volunteer_shifts", "id, session_id, user_id, signed_in_at, "
                        "signed_out_at, closed_by", shifts)
    return {"session_series": len(series), "sessions": n_sessions, "volunteer_shifts": n_shifts}


def skills_and_referrals(w: World) -> dict:
    rng, n_learners = w.rng, w.count["learners"]
    tasks = [r[0] for r in w.conn.execute("select id from skill_tasks")]

    def records():
        for i in range(w.count["skill_records"]):
            day = i * len(w.days) // w.count["skill_records"]
            venue = rng.choice(w.venues)
            learner = rng.randrange(1, max(1, (day + 1) * n_learners // len(w.days)) + 1)
            yield (i + 1, learner, rng.choice(tasks), rng.choice(("not_yet", "with_help",
                                                                 "on_own")),
                   w.days[day], w.at(day, rng.randrange(10 * 60, 17 * 60)),
                   rng.choice(w.crew[venue]), venue)

    def referrals():
        kinds = ["adult_learning", "wellbeing", "partner", "device", "sim"]
        for i in range(w.count["referrals"]):
            day = i * len(w.days) // w.count["referrals"]
            kind = rng.choice(kinds)
            status = rng.choice(("made", "taken_up", "taken_up", "not_taken_up"))
            yield (i + 1, rng.randrange(1, n_learners + 1), kind,
                   rng.randrange(1, PARTNERS + 1) if kind == "partner" else None, status,
                   w.days[day], rng.choice(w.volunteers),
                   None if status == "made" else w.days[min(day + 14, len(w.days) - 1)])

    return {
        "skill_records": w.insert("skill_records", "id, learner_id, task_id, level, "
                                  "observed_on, observed_at, volunteer_id, venue_id", records()),
        "referrals": w.insert("referrals", "id, learner_id, kind, partner_id, status, made_on, "
                              "made_by, status_on", referrals()),
    }


def devices_and_loans(w: World) -> dict:
    """Devices lent again and again: each device's loans follow one another, one in ten is
    out now (a few of those overdue), 15% of loans go to partner organisations."""
    rng, n_days = w.rng, len(w.days)
    n_devices, n_borrowers = w.count["devices"], w.count["borrowers"]
    per_device = max(1, round(w.count["loans"] / n_devices))
    slot = n_days // per_device
    created = w.at(0, 9 * 60)
    w.insert("borrowers", "id, name, contact_kind, contact, created_at", (
        (i, f"{rng.choice(FIRST_NAMES)} {chr(65 + i % 26)}.", "mobile", f"07700 9{i:05d}"[:12],
         created) for i in range(1, n_borrowers + 1)))
    devices, loans, tags = [], [], dict.fromkeys(TAG_PREFIX, 0)
    for device in range(1, n_devices + 1):
        kind = rng.choice(DEVICE_KINDS)
        tags[kind] += 1
        home = rng.choice(w.venues)
        is_out = device % 10 == 1
        for k in range(per_device):
            if is_out and k == per_device - 1:
                back = rng.randrange(35, 60) if device % 50 == 1 else rng.randrange(0, 27)
                out, returned = n_days - 1 - back, None
            else:
                out = k * slot + rng.randrange(0, max(1, slot - 60))
                returned = min(out + rng.randrange(7, 50), n_days - 1)
            loans.append(_loan(w, len(loans) + 1, device, home, out, returned, n_borrowers))
        status = "on_loan" if is_out else rng.choice(["available"] * 8 + ["in_repair",
                                                                          "retired"])
        devices.append((device, f"{TAG_PREFIX[kind]}-{tags[kind]:05d}", kind, "Lenovo",
                        "Tab M10" if kind == "tablet" else "IdeaPad", status, home, created,
                        created))
    w.insert("devices", "id, asset_tag, kind, make, model, status, home_venue_id, created_at, "
             "updated_at", devices)
    n_loans = w.insert("loans", "id, device_id, borrower_id, partner_id, venue_id, out_at, "
                       "due_on, out_by, agreement_id, signature, consent, returned_at, "
                       "returned_via, return_venue_id, closed_at, closed_by, checklist, outcome",
                       loans)
    return {"borrowers": n_borrowers, "devices": len(devices), "loans": n_loans}


def _loan(w: World, loan_id, device, venue, out, returned, n_borrowers) -> tuple:
    rng = w.rng
    partner = rng.randrange(1, PARTNERS + 1) if rng.random() < 0.15 else None
    borrower = None if partner else rng.randrange(1, n_borrowers + 1)
    by = rng.choice(w.crew[venue])
    due = (date.fromisoformat(w.days[out]) + timedelta(days=28)).isoformat()
    head = (loan_id, device, borrower, partner, venue, w.at(out, rng.randrange(600, 1000)), due,
            by, 1, None if partner else "[[[10, 10], [50, 40], [90, 20]]]",
            "partner" if partner else "signed")
    if returned is None:
        return head + (None,) * 7
    back = w.at(returned, rng.randrange(600, 1000))
    return head + (back, "desk", venue, back, by, CHECKLIST, "available")


def sims_given(w: World) -> dict:
    """SIM and voucher batches of 100 at the venues, most given with their ticks, a few
    voided, the rest in stock; each giveaway within four months of its batch arriving."""
    rng, n_days = w.rng, len(w.days)
    n_sims, n_given = w.count["sims"], w.count["sim_giveaways"]
    per_batch = 100 if n_sims >= 1000 else 10
    n_batches = -(-n_sims // per_batch)
    batches, sims, gifts = [], [], []
    for b in range(1, n_batches + 1):
        day = (b - 1) * (n_days - 120) // n_batches
        venue, (network, offer) = rng.choice(w.venues), rng.choice(NETWORKS)
        item = "voucher" if b % 5 == 0 else "sim"
        batches.append((b, venue, item, network, offer, 6, w.days[day], w.at(day, 600)))
        for _ in range(min(per_batch, n_sims - len(sims))):
            sim = len(sims) + 1
            given = sim * n_given // n_sims != (sim - 1) * n_given // n_sims
            code = f"89441{sim:014d}"
            status = "given" if given else ("void" if sim % 97 == 0 else "in_stock")
            sims.append((sim, b, code if item == "sim" else None,
                         None if item == "sim" else f"V{sim:09d}", status,
                         "damaged" if status == "void" else None))
            if given:
                when = min(day + rng.randrange(1, 120), n_days - 1)
                learner = rng.randrange(1, w.count["learners"] + 1) if rng.random() < .4 else None
                gifts.append((len(gifts) + 1, sim, venue, w.at(when, rng.randrange(600, 1000)),
                              rng.choice(w.crew[venue]), 1, SIM_TICKS, 1, learner,
                              None if learner else f"{rng.getrandbits(64):016x}",
                              rng.choice(DISTRICTS)))
    w.insert("sim_batches", "id, venue_id, item, network, offer, months, received_on, "
             "created_at", batches)
    w.insert("sims", "id, batch_id, iccid, voucher_code, status, void_reason", sims)
    n = w.insert("sim_giveaways", "id, sim_id, venue_id, given_at, given_by, rule_set_id, "
                 "ticks, eligible, learner_id, household_key, postcode_district", gifts)
    return {"sim_batches": len(batches), "sims": len(sims), "sim_giveaways": n}


def refurbished(w: World) -> dict:
    """Donated devices in donations of ten, wiped and refurbished, most allocated:
    sold, gifted, lent or recycled, within a few months of arriving."""
    rng, n_days = w.rng, len(w.days)
    n_devices, n_allocated = w.count["refurb_devices"], w.count["refurb_allocations"]
    donations, devices, allocations = [], [], []
    for r in range(1, n_devices + 1):
        if (r - 1) % 10 == 0:
            day = (r - 1) * (n_days - 150) // n_devices
            donations.append((len(donations) + 1, f"Donor {len(donations) + 1}",
                              rng.choice(("business", "housing_association", "council",
                                          "charity", "individual")), w.days[day],
                              rng.choice(w.venues), w.at(day, 600)))
        day = (r - 1) * (n_days - 150) // n_devices
        kind = rng.choice(DEVICE_KINDS[:-1] + ["desktop"])
        allocated = r * n_allocated // n_devices != (r - 1) * n_allocated // n_devices
        outcome = rng.choice(["sold"] * 4 + ["gifted"] * 2 + ["lent", "recycled"]) \
            if allocated else rng.choice(("received", "wiped", "refurbished", "ready"))
        wiped = None if outcome == "received" else w.at(day + 3, 660)
        devices.append((r, donations[-1][0], f"R{TAG_PREFIX[kind]}-{r:05d}", kind, outcome,
                        wiped and "nwipe", wiped and f"WIPE-{r:06d}", wiped,
                        wiped and rng.choice(w.volunteers), w.at(day, 600), w.at(day, 600)))
        if allocated:
            at_day = min(day + rng.randrange(10, 150), n_days - 1)
            allocations.append((len(allocations) + 1, r, outcome,
                                w.at(at_day, rng.randrange(600, 1000)), rng.choice(w.volunteers),
                                rng.choice(w.venues),
                                6000 if outcome == "sold" else None,
                                "cash" if outcome == "sold" else None,
                                2 if outcome == "sold" else None,
                                DEVICE_TICKS if outcome == "sold" else None,
                                "other" if outcome == "gifted" else None,
                                "Housing officer" if outcome == "gifted" else None,
                                2.0 if outcome == "recycled" else None,
                                "Wigan Recycling" if outcome == "recycled" else None))
    w.insert("donations", "id, donor, donor_kind, received_on, venue_id, created_at", donations)
    w.insert("refurb_devices", "id, donation_id, asset_tag, kind, stage, wipe_method, "
             "wipe_certificate, wiped_at, wiped_by, created_at, updated_at", devices)
    n = w.insert("refurb_allocations", "id, refurb_id, outcome, at, by, venue_id, price_pence, "
                 "payment_method, rule_set_id, ticks, gift_reason, referrer, weight_kg, "
                 "recycler", allocations)
    return {"donations": len(donations), "refurb_devices": len(devices),
            "refurb_allocations": n}


def audit_rows(w: World) -> dict:
    """The audit log's ten years, oldest first: who did what to which row."""
    rng, n = w.rng, w.count["audit_log"]
    actions = [("ticket.take", "tickets"), ("ticket.finish", "tickets"),
               ("loan.out", "loans"), ("loan.in", "loans"), ("learner.create", "learners"),
               ("skill.record", "skill_records"), ("sim.give", "sim_giveaways")]

    def rows():
        for i in range(n):
            day = i * len(w.days) // n
            action, table = rng.choice(actions)
            user = rng.choice(w.volunteers)
            name = f"{FIRST_NAMES[user % len(FIRST_NAMES)]} {user:03d}"
            yield (i + 1, w.at(day, 540 + i % 600), user, name, action, table,
                   str(rng.randrange(1, 100_000)), '{"status": "done"}')

    return {"audit_log": w.insert("audit_log", "id, at, actor_id, actor, action, table_name, "
                                  "row_id, after", rows())}
