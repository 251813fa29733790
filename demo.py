"""`flask seed-demo`: a believable small borough, so a newcomer sees a living app."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

import auth
import help_desk
import lending
from audit import Actor, utcnow
from db import get_db

DEMO_STAFF = ("staff", "Sam Staff", "library-demo-2026")
DEMO_VOLUNTEERS = [("Asha", "1234"), ("Bill", "2345"), ("Chloe", "3456")]
VENUES = [
    ("Wigan Library", "library", "The Museum of Wigan Life building, Library St, WN1 1NU"),
    ("Leigh Library", "library", "Turnpike Centre, Civic Square, Leigh WN7 1EB"),
    ("The Crown, Hindley", "pub", "Market St, Hindley WN2 3AN"),
    ("Ashfield House", "sheltered housing", "Common room, Standish WN6 0HH"),
]


def seed(db) -> dict:
    """Venues, a staff member, three volunteers, a kiosk-less history of help, a live queue."""
    system = Actor(None, "seed-demo")
    venue_ids = [db["venues"].insert({"name": n, "kind": k, "address": a}).last_pk
                 for n, k, a in VENUES]
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
    click.echo("  kiosk      sign in as staff, then Staff > Kiosks > register this browser")


def init_app(app) -> None:
    app.cli.add_command(seed_demo_command)
