"""Fifty people at once through the real server: gunicorn started by deploy/start.sh with
deploy/gunicorn.conf.py, CSRF on as in production. Kiosks take tickets, staff and volunteers
lend devices with a signature, volunteers join today's tea party and give SIMs, everyone
fetching each form for its token first, some tapping twice and some racing each other for
the same device or SIM. Afterwards: no 5xx, no busy error anywhere in the server's log,
and every write the server acknowledged is in the database exactly once, with its audit
entry, and nothing else is."""

import sqlite3
from collections import Counter

import pytest

import bench_load as load

pytestmark = pytest.mark.load

KIOSKS, DESKS, TABLET_LENDERS, SIM_GIVERS = 14, 12, 12, 12  # fifty clients
EACH = 3  # writes of their own per client, the last one sent twice at once (a double tap)
PAIRS = 6  # desks, and SIM givers, race in pairs for one device, or one SIM, each


@pytest.fixture
def world(tmp_path):
    return load.seed_world(
        tmp_path / "doorstep.db", staff=DESKS, volunteers=TABLET_LENDERS + SIM_GIVERS,
        devices=(DESKS + TABLET_LENDERS) * EACH + PAIRS, sim_codes=SIM_GIVERS * EACH + PAIRS)


@pytest.fixture
def server(world, tmp_path):
    with load.Server(world.path, tmp_path / "server.log") as running:
        yield running


def send(kind, form, post, last):
    """Post a form; the last of a client's forms twice at the same moment, as a double tap
    or a second tab would."""
    if not last:
        return [(kind, form["request_id"], post())]
    return [(kind, form["request_id"], reply) for reply in load.run_together([post, post])]


def desk_devices(world, n):
    return world.devices[n * EACH:(n + 1) * EACH]


def tablet_devices(world, n):
    start = DESKS * EACH + n * EACH
    return world.devices[start:start + EACH]


def contested_device(world, n):
    return world.devices[(DESKS + TABLET_LENDERS) * EACH + n // 2]


def kiosk(server, world, n):
    client = load.kiosk_client(server.port, world)
    done = []
    for i in range(EACH):
        client.get("/kiosk/")
        form = load.ticket_form(client, ("email", "nhs_app", "benefits")[(n + i) % 3])
        done += send("ticket", form, lambda f=form: client.post("/kiosk/tickets", f),
                     i == EACH - 1)
    return done


def desk(server, world, n):
    client = load.Client(server.port)
    load.staff_sign_in(client, world.staff[n])
    raced = contested_device(world, n)
    race = load.lend_form(client, "staff", raced, world.borrower, world.venue)
    done = []
    for i, device in enumerate(desk_devices(world, n)):
        form = load.lend_form(client, "staff", device, world.borrower, world.venue)
        done += send("loan", form, lambda f=form, d=device: client.post(
            f"/staff/devices/{d}/check-out", f), i == EACH - 1)
        client.get(f"/d/{world.tags[world.devices.index(device)]}")
    done.append(("raced_loan", race["request_id"],
                 client.post(f"/staff/devices/{raced}/check-out", race)))
    return done


def tablet_lender(server, world, n):
    client = load.Client(server.port)
    load.volunteer_sign_in(client, world.volunteers[n], world.venue)
    done = [("shift", None, load.join_session(client, world.session_id))]
    for i, device in enumerate(tablet_devices(world, n)):
        client.get("/volunteer/", headers={"HX-Request": "true"})
        form = load.lend_form(client, "volunteer", device, world.borrower, world.venue)
        done += send("loan", form, lambda f=form, d=device: client.post(
            f"/volunteer/devices/{d}/check-out", f), i == EACH - 1)
    return done


def sim_giver(server, world, n):
    client = load.Client(server.port)
    load.volunteer_sign_in(client, world.volunteers[TABLET_LENDERS + n], world.venue)
    done = [("shift", None, load.join_session(client, world.session_id))]
    raced = world.sim_codes[SIM_GIVERS * EACH + n // 2]
    race = load.sim_form(client, raced)
    for i, code in enumerate(world.sim_codes[n * EACH:(n + 1) * EACH]):
        client.get("/volunteer/", headers={"HX-Request": "true"})
        form = load.sim_form(client, code)
        done += send("giveaway", form, lambda f=form: client.post("/volunteer/sims/give", f),
                     i == EACH - 1)
    done.append(("raced_giveaway", race["request_id"],
                 client.post("/volunteer/sims/give", race)))
    return done


def test_fifty_people_at_once_lose_nothing_and_double_nothing(server, world):
    jobs = ([lambda n=n: kiosk(server, world, n) for n in range(KIOSKS)]
            + [lambda n=n: desk(server, world, n) for n in range(DESKS)]
            + [lambda n=n: tablet_lender(server, world, n) for n in range(TABLET_LENDERS)]
            + [lambda n=n: sim_giver(server, world, n) for n in range(SIM_GIVERS)])
    assert len(jobs) >= 50
    done = [d for results in load.run_together(jobs) for d in results]

    # what people saw: every write acknowledged (a 303 to its confirmation), no 5xx
    assert [d for d in done if d[2].status >= 500] == []
    statuses = Counter((kind, reply.status) for kind, _, reply in done)
    assert set(statuses) <= {("ticket", 303), ("loan", 303), ("giveaway", 303),
                             ("shift", 303), ("raced_loan", 303), ("raced_giveaway", 303),
                             ("raced_giveaway", 422)}, statuses
    assert statuses["shift", 303] == TABLET_LENDERS + SIM_GIVERS
    # the losing racer of each SIM is told on the form that it has gone
    lost = [r for kind, _, r in done if kind == "raced_giveaway" and r.status == 422]
    assert len(lost) == PAIRS
    assert all("already given" in r.text or "just been given" in r.text for r in lost)
    assert load.log_problems(server.log()) == []

    acked = {kind: {} for kind in ("ticket", "loan", "giveaway")}
    for kind, request_id, reply in done:
        if kind in acked:
            acked[kind].setdefault(request_id, set()).add(reply.location)
    # a double tap lands on the same confirmation as the first tap
    assert all(len(locations) == 1 for kinds in acked.values() for locations in kinds.values())

    database = sqlite3.connect(world.path)
    one = lambda sql, *args: database.execute(sql, args).fetchone()[0]  # noqa: E731
    assert one("pragma integrity_check") == "ok"

    tickets = dict(database.execute("select request_id, code from tickets"))
    assert len(tickets) == one("select count(*) from tickets") == len(acked["ticket"])
    for request_id, (location,) in acked["ticket"].items():
        assert location == f"/kiosk/tickets/{tickets[request_id]}"
    assert one("select count(*) from audit_log where action = 'ticket.create'") == len(tickets)
    numbers = database.execute("select number from tickets order by number").fetchall()
    assert [n for (n,) in numbers] == list(range(1, len(tickets) + 1))  # no number twice

    loans = dict(database.execute("select request_id, device_id from loans"))
    assert one("select count(*) from loans") == len(loans) == len(acked["loan"]) + PAIRS
    assert set(acked["loan"]) <= set(loans)
    raced = {request_id for kind, request_id, _ in done if kind == "raced_loan"}
    assert len(raced & set(loans)) == PAIRS  # one winner for each contested device
    assert sorted(Counter(loans.values()).values()) == [1] * len(loans)
    assert one("select count(*) from devices where status = 'on_loan'") == len(loans)
    assert one("select count(*) from audit_log where action = 'loan.check_out'") == len(loans)

    giveaways = dict(database.execute("select request_id, id from sim_giveaways"))
    assert len(giveaways) == len(acked["giveaway"]) + PAIRS
    for request_id, (location,) in acked["giveaway"].items():
        assert location == f"/volunteer/sims/given/{giveaways[request_id]}"
    assert one("select count(*) from sims where status = 'given'") == len(giveaways)
    assert one("select count(*) from audit_log where action = 'sim.give'") == len(giveaways)

    assert one("select count(*) from volunteer_shifts") == TABLET_LENDERS + SIM_GIVERS
    database.close()


def test_threads_writing_at_once_each_wait_their_turn(tmp_path):
    """db.write_transaction under contention, without a server: 16 threads, each with
    its own connection, read a counter and write it back 40 times. Every transaction
    succeeds and no update is lost."""
    path = tmp_path / "counter.db"
    setup = load.dbmod.connect(path)
    setup.execute("create table counter (id integer primary key, n integer)")
    setup.execute("insert into counter values (1, 0)")
    setup.conn.close()

    def work():
        conn = load.dbmod.connect(path)
        for _ in range(40):
            with load.dbmod.write_transaction(conn):
                (n,) = conn.execute("select n from counter where id = 1").fetchone()
                conn.execute("update counter set n = ? where id = 1", [n + 1])
                with load.dbmod.write_transaction(conn):  # a rule inside a rule joins in
                    conn.execute("select 1").fetchone()
        conn.conn.close()
        return True

    assert all(load.run_together([work] * 16))
    check = sqlite3.connect(path)
    assert check.execute("select n from counter").fetchone()[0] == 16 * 40
    check.close()
