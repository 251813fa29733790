"""`flask seed-demo`: a believable small borough, so a newcomer sees a living app."""

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

import auth
import help_desk
import learners
import lending
import tea_parties
import volunteers as volunteer_rules
import waiting_list
from audit import Actor, utcnow
from db import get_db
from giveaways import refurb, sims

DEMO_STAFF = ("staff", "Sam Staff", "library-demo-2026")
DEMO_VOLUNTEERS = [("Asha", "1234"), ("Bill", "2345"), ("Chloe", "3456")]
DEMO_PARTNER = ("carers", "Jo at the Carers Centre", "carers-demo-2026")
VENUES = [  # name, kind, address, postcode, getting in and around
    ("Wigan Library", "library", "The Museum of Wigan Life building, Library St", "WN1 1NU",
     "Step-free entrance on Library Street; lift to the first floor; accessible toilet."),
    ("Leigh Library", "library", "Turnpike Centre, Civic Square, Leigh", "WN7 1EB",
     "Level access from Civic Square; hearing loop at the desk."),
    ("The Crown, Hindley", "pub", "Market St, Hindley", "WN2 3AN",
     "Back room, one small step at the side door; ask at the bar for the ramp."),
    ("Ashfield House", "sheltered_housing", "Common room, Standish", "WN6 0HH",
     "Ground floor common room; residents' lounge chairs with arms."),
]


def seed(db) -> dict:
    """Venues, a staff member, three volunteers, a kiosk-less history of help, a live queue."""
    system = Actor(None, "seed-demo")
    venue_ids = [tea_parties.add_venue(db, system, {"name": n, "kind": k, "address": a,
                                                    "postcode": p, "accessibility": note})
                 for n, k, a, p, note in VENUES]
    auth.create_user(db, DEMO_STAFF[0], DEMO_STAFF[1], "staff", DEMO_STAFF[2], system)
    volunteers = [Actor(auth.create_user(db, name, name, "volunteer", pin, system), name)
                  for name, pin in DEMO_VOLUNTEERS]
    now = utcnow()
    topics = [t["slug"] for t in help_desk.topics(db)]
    names = ["Mary", "Joseph", None, "Irene", "Dev", None, "Pat", "Ken", "Olu", "Rita"]
    # Past days: helped tickets with realistic waits and service times.
    for day_back in range(1, 8):
        for i in range(4):
            start = now - timedelta(days=day_back, hours=4 - i)
            venue = venue_ids[(day_back + i) % 2]
            helper = volunteers[(day_back + i) % len(volunteers)]
            ticket = help_desk.create_ticket(db, venue, topics[(day_back * 3 + i) % len(topics)],
                                             names[(day_back + i) % len(names)], system,
                                             now=start)
            taken = start + timedelta(minutes=3 + (i * 4) % 11)
            help_desk.take_ticket(db, ticket["id"], helper, now=taken)
            help_desk.finish_ticket(
                db, ticket["id"], helper, [ticket["requested_topic"]], 10 + (i * 7) % 25,
                ["solved", "partly", "referred", "follow_up"][i % 4], None,
                now=taken + timedelta(minutes=10 + (i * 7) % 25))
    # Today at Wigan Library: two people waiting.
    for name, topic in (("Mary", "nhs_app"), (None, "email")):
        help_desk.create_ticket(db, venue_ids[0], topic, name, system,
                                now=now - timedelta(minutes=5))
    seed_lending(db, system, venue_ids, now)
    seed_tea_parties(db, system, venue_ids, volunteers, now)
    seed_giveaways(db, system, venue_ids, volunteers, now)
    seed_referrals(db, system, venue_ids, now)
    return {"venues": len(venue_ids)}


def seed_lending(db, system, venue_ids, now) -> None:
    """Twelve tablets, four laptops and two MiFis; a partner with three of them; residents
    with loans, one of them overdue and one handed back at a kiosk awaiting its check."""
    def add(kind, make, model, bundle, **extra):
        return lending.add_device(db, system, dict(
            kind=kind, make=make, model=model, accessories=bundle, condition="B",
            home_venue_id=venue_ids[0], **extra), now=now - timedelta(days=60))

    tablets = [add("tablet", "Lenovo", "Tab M10", ["charger", "case"], sim_network="Vodafone",
                   sim_allowance="20 GB a month") for _ in range(12)]
    laptops = [add("laptop", "Dell", "Latitude 5400", ["charger"]) for _ in range(4)]
    add("mifi", "Huawei", "E5576", ["charger"], sim_network="O2", sim_allowance="25 GB a month")
    add("mifi", "Huawei", "E5576", ["charger"], status="in_repair")
    partner = lending.add_partner(db, system, {"name": "Wigan and Leigh Carers Centre",
                                               "contact_name": "Jo", "phone": "01942 000000"})
    for device in tablets[:3]:
        lending.check_out(db, system, device, partner_id=partner,
                          due_on=(lending.today(now) + timedelta(days=60)).isoformat(),
                          venue_id=venue_ids[0], now=now - timedelta(days=30))
    signature = "[[[20, 150], [60, 60], [100, 140], [140, 70], [200, 120]]]"
    for (name, kind, contact), device, days_ago in zip(
            [("Irene", "mobile", "07700 900001"), ("Dev", "email", "dev@example.org"),
             ("Rita", "landline", "01942 000001")],
            [tablets[3], laptops[0], tablets[4]], [10, 35, 20], strict=True):
        out = now - timedelta(days=days_ago)
        lending.check_out(db, system, device,
                          new_borrower={"name": name, "contact_kind": kind, "contact": contact},
                          due_on=(lending.today(out) + timedelta(days=28)).isoformat(),
                          venue_id=venue_ids[0], signature=signature, now=out)
    lending.self_return(db, Actor(None, "kiosk: Wigan front desk"), tablets[4], venue_ids[0],
                        now=now - timedelta(hours=2))


SERIES = [  # venue index, title, kind, repeat, weekday (0 = Monday; None: today's), times,
    #          slots, needs DBS
    (0, "Tech tea party", "tea_party", "fortnightly", None, ("10:00", "16:00"), 3, False),
    (1, "Digital drop-in", "drop_in", "weekly", 3, ("10:00", "12:00"), 2, False),
    (2, "Tablets and a brew", "tea_party", "monthly", 4, ("13:00", "15:00"), 2, False),
    (3, "Residents' tech afternoon", "tea_party", "monthly", 2, ("14:00", "15:30"), 2, True),
]
DBS = [("001234567890", 700), ("001234567891", 3 * 365 - 25), ("001234567892", 3 * 365 + 10)]
LEARNERS = [  # first name, birth band, postcode district, skills on own / with help
    ("Irene", "1940s", "WN5", ["F1", "F2", "F4", "F6", "C1"], ["C2", "S10"]),
    ("Joseph", "1950s", "WN1", ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"], ["T2"]),
    ("Olu", "1980s", "WN7", ["F1", "F2", "F4", "F5", "F6", "F7", "F8", "F3", "C1", "H1",
                             "T2", "P2", "S10"], []),
]


def seed_tea_parties(db, system, venue_ids, volunteers, now) -> None:
    """Sessions at four venues from eight weeks back to three months ahead; volunteers with
    DBS checks (one due soon, one lapsed) who signed in to past sessions; learners with
    skills progress and a referral."""
    today = lending.today(now)
    for venue, title, kind, repeat, weekday, (starts, ends), slots, dbs in SERIES:
        weekday = today.weekday() if weekday is None else weekday  # a tea party on today
        first = today - timedelta(weeks=8) + timedelta(days=(weekday - today.weekday()) % 7)
        tea_parties.create_series(db, system, {
            "title": title, "kind": kind, "venue": venue_ids[venue], "repeat": repeat,
            "first_day": first.isoformat(), "last_day": (today + timedelta(days=90)).isoformat(),
            "starts": starts, "ends": ends, "volunteer_slots": slots,
            "requires_dbs": "yes" if dbs else "", "description": "Bring your phone, tablet or "
            "questions. Tea and biscuits on us."}, now=now - timedelta(weeks=9))
    for helper, (certificate, days_ago) in zip(volunteers, DBS, strict=True):
        volunteer_rules.save_profile(db, system, helper.id, {
            "dbs_certificate": certificate,
            "dbs_issued_on": (today - timedelta(days=days_ago)).isoformat(),
            "dbs_update_service": "yes", "venues": [str(v) for v in venue_ids[:2]]})
        volunteer_rules.add_training(db, system, helper.id, {
            "course": "Safeguarding adults",
            "completed_on": (today - timedelta(days=days_ago)).isoformat()})
    past = db.query("select id, starts_at, ends_at from sessions where ends_at < ? "
                    "and cancelled_at is null order by starts_at", [now.isoformat()])
    for i, session in enumerate(list(past)):
        for helper in volunteers[i % 2: i % 2 + 2]:
            start = datetime.fromisoformat(session["starts_at"]) - timedelta(minutes=10)
            shift = volunteer_rules.sign_in(db, helper, helper.id, session["id"], now=start)
            end = datetime.fromisoformat(session["ends_at"]) - timedelta(minutes=5 + (5 * i) % 20)
            volunteer_rules.sign_out(db, helper, shift["id"], now=end)
    codes = {t["code"]: t["id"] for t in learners.skill_tasks(db)}
    for i, (name, band, district, on_own, with_help) in enumerate(LEARNERS):
        helper = volunteers[i % len(volunteers)]
        seen = now - timedelta(weeks=6 - i)
        learner = learners.add_learner(db, helper, {
            "first_name": name, "birth_band": band, "postcode": district,
            "consent_keep": "yes"}, venue_ids[0], now=seen)
        for visit, skills in enumerate((with_help + on_own[:2], on_own)):
            when = seen + timedelta(weeks=2 * visit)
            ticket = learners.start_help(db, helper, learner, venue_ids[0], "smartphone",
                                         now=when)
            levels = {codes[c]: "with_help" for c in skills if visit == 0}
            levels.update({codes[c]: "on_own" for c in skills if visit == 1})
            learners.finish_help(db, helper, ticket["id"], ["smartphone"], 30, "solved",
                                 None, levels, now=when + timedelta(minutes=30))
    learners.add_referral(db, volunteers[0], 1, {"kind": "adult_learning",
                                                 "detail": "Wigan Adult Learning: Computers "
                                                           "for beginners"})


def demo_iccid(serial: int) -> str:
    """A made-up ICCID with a valid Luhn check digit, so the demo stock scans."""
    body = f"894411{serial:012d}"
    return next(body + d for d in "0123456789" if lending._luhn_ok(body + d))


def seed_giveaways(db, system, venue_ids, volunteers, now) -> None:
    """O2 SIM stock at two libraries (Leigh running low), SIMs given over the last weeks,
    and a housing-association donation with laptops at every stage: received, wiped,
    refurbished, ready, sold for £60, gifted to a care leaver, lent, recycled."""
    today = lending.today(now)
    for venue, first, count in ((venue_ids[0], 1, 30), (venue_ids[1], 100, 6)):
        sims.add_batch(db, system, {
            "venue": venue, "item": "sim", "network": "O2",
            "offer": "25 GB a month for 12 months", "months": "12",
            "received_on": (today - timedelta(days=40)).isoformat(),
            "codes": "\n".join(demo_iccid(first + n) for n in range(count))}, now=now)
    for n, house in enumerate(("3", "14", "27", "Flat 2", "9")):
        sims.give_sim(db, volunteers[n % 3], demo_iccid(1 + n), venue_ids[0],
                      ["age_18_plus", "low_income", ("no_internet_home", "cannot_afford")[n % 2]],
                      household={"house": house, "postcode": "WN5 0AB"},
                      now=now - timedelta(days=30 - 5 * n))
    donation = refurb.record_donation(db, system, {
        "donor": "Wigan and Leigh Housing", "donor_kind": "housing_association",
        "received_on": (today - timedelta(days=35)).isoformat(), "venue_id": venue_ids[0],
        "count_laptop": "8"}, now=now - timedelta(days=35))
    steps = ["received", "wiped", "refurbished", "ready", "sold", "gifted", "lent", "recycled"]
    for device, stage in zip(refurb.donation_devices(db, donation), steps, strict=True):
        if stage == "recycled":
            refurb.allocate(db, system, device["id"], "recycled",
                            {"weight_kg": "2.1", "recycler": "Greater Manchester WEEE"})
            continue
        if stage == "received":
            continue
        refurb.record_wipe(db, system, device["id"], "blancco", f"BL-{device['asset_tag']}")
        if stage != "wiped":
            refurb.record_refurb(db, system, device["id"], "B", "New battery", "linux_mint")
        if stage in ("ready", "sold", "gifted", "lent"):
            refurb.mark_ready(db, system, device["id"])
        outcome = {"sold": {"price": "60", "payment_method": "card", "ticks": ["universal_credit"]},
                   "gifted": {"gift_reason": "care_leaver", "referrer": "Leaving Care Team"},
                   "lent": {}}.get(stage)
        if outcome is not None:
            refurb.allocate(db, system, device["id"], stage, outcome)


REFERRALS = [  # first name, contact kind, contact, district, flags, kind, days ago, channel
    ("Maureen", "mobile", "07700 900201", "WN5", ["Lives alone"], None, 45, "partner"),
    ("Tom", "via_referrer", "", "WN2", ["Care leaver"], "tablet", 20, "partner"),
    ("Shabana", "email", "shabana@example.org", "WN7", [], "laptop", 9, "phone"),
    ("Keith", "landline", "01942 000201", "WN1", ["No internet at home"], None, 3, "in_person"),
    ("Doreen", "mobile", "07700 900202", "WN6", [], "tablet", 60, "partner"),
    ("Alan", "mobile", "07700 900203", "WN3", [], None, 50, "email"),
]


def seed_referrals(db, system, venue_ids, now) -> None:
    """A partner sign-in at the Carers Centre and a waiting list: four waiting (two with
    priority flags), one lent a tablet after a month, one who got a device elsewhere."""
    partner = next(p for p in lending.partners(db) if p["name"].startswith("Wigan and Leigh"))
    user = auth.create_user(db, DEMO_PARTNER[0], DEMO_PARTNER[1], "partner", DEMO_PARTNER[2],
                            system, partner_id=partner["id"])
    jo = Actor(user, DEMO_PARTNER[1])
    flag_ids = {f["label"]: str(f["id"]) for f in waiting_list.flags(db)}
    made = {}
    for name, kind, contact, district, flags, device_kind, days, channel in REFERRALS:
        from_partner = channel == "partner"
        made[name] = waiting_list.submit(db, jo if from_partner else system, {
            "referrer_name": "Jo (Carers Centre)" if from_partner else "Mo, Pathways Team",
            "referrer_contact": "01942 000000" if from_partner else "mo@example.org",
            "first_name": name, "contact_kind": kind, "contact": contact,
            "postcode_district": district, "venue": str(venue_ids[days % 2]),
            "reason": "Wants to order prescriptions and shopping online and video call "
                      "family." if from_partner else "Looking for work; needs to do Universal "
                      "Credit journal entries at home.",
            "kind": device_kind or "", "flags": [flag_ids[f] for f in flags if f in flag_ids]},
            channel=channel, partner_id=partner["id"] if from_partner else None,
            now=now - timedelta(days=days))
    tablet = lending.devices(db, "available", "tablet")[0]
    out = now - timedelta(days=30)
    lending.check_out(db, system, tablet["id"], new_borrower={
        "name": "Doreen Platt", "contact_kind": "mobile", "contact": "07700 900202"},
        due_on=(lending.today(out) + timedelta(days=60)).isoformat(), venue_id=venue_ids[0],
        signature="[[[20, 150], [60, 60], [100, 140]]]", referral_id=made["Doreen"], now=out)
    waiting_list.remove(db, system, made["Alan"], "got_elsewhere", now=now - timedelta(days=40))


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has people in it.")
def seed_demo_command(if_empty):
    """Fill the database with a demo borough and print the demo sign-ins."""
    db = get_db()
    if db["users"].count:
        if not if_empty:
            raise click.ClickException("The database already has people in it.")
    else:
        seed(db)
        click.echo(f"Seeded demo data into {current_app.config['DATABASE']}.")
    click.echo("Demo sign-ins:")
    click.echo(f"  staff      /signin/staff      username {DEMO_STAFF[0]!r}, "
               f"password {DEMO_STAFF[2]!r}")
    for name, pin in DEMO_VOLUNTEERS:
        click.echo(f"  volunteer  /signin/volunteer  name {name!r}, PIN {pin}")
    click.echo(f"  partner    /signin/partner    username {DEMO_PARTNER[0]!r}, "
               f"password {DEMO_PARTNER[2]!r}")
    click.echo("  kiosk      sign in as staff, then Staff > Kiosks > register this browser")


def init_app(app) -> None:
    app.cli.add_command(seed_demo_command)
