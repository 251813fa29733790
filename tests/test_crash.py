"""kill -9 the server while people are writing: after a restart every write the server had
acknowledged is still there, nothing is half-written, and SQLite's integrity_check is ok."""

import http.client
import sqlite3
import threading

import pytest

import bench_load as load

pytestmark = pytest.mark.load

KIOSKS, DESKS, GIVERS = 12, 10, 8
ROUNDS = 2  # kill, restart, write again, kill again
ACKED_BEFORE_KILL = 60  # writes acknowledged in a round before the server is killed


@pytest.fixture
def world(tmp_path):
    return load.seed_world(tmp_path / "doorstep.db", staff=DESKS, volunteers=GIVERS,
                           devices=DESKS * 40, sim_codes=GIVERS * 40)


class Writers:
    """Kiosks taking tickets, staff lending, volunteers giving SIMs, each as fast as it
    can, until the server goes away. `acked` holds what the server confirmed."""

    def __init__(self, server, world, round_no):
        self.server, self.world, self.round = server, world, round_no
        self.acked: list[tuple[str, str]] = []  # (kind, request_id)
        self.lock = threading.Lock()
        self.threads = []

    def _ack(self, kind, form, reply, expected):
        if reply.status == 303 and reply.location.startswith(expected):
            with self.lock:
                self.acked.append((kind, form["request_id"]))
        elif reply.status >= 500:
            raise AssertionError(f"{reply.path} answered {reply.status}")

    def kiosk(self):
        client = load.kiosk_client(self.server.port, self.world)
        while True:
            form = load.ticket_form(client)
            self._ack("ticket", form, client.post("/kiosk/tickets", form), "/kiosk/tickets/")

    def desk(self, n):
        client = load.Client(self.server.port)
        load.staff_sign_in(client, self.world.staff[n])
        start = n * 40 + self.round * 20
        for device in self.world.devices[start:start + 20]:
            form = load.lend_form(client, "staff", device, self.world.borrower, self.world.venue)
            self._ack("loan", form, client.post(f"/staff/devices/{device}/check-out", form),
                      f"/staff/devices/{device}")

    def giver(self, n):
        client = load.Client(self.server.port)
        load.volunteer_sign_in(client, self.world.volunteers[n], self.world.venue)
        start = n * 40 + self.round * 20
        for code in self.world.sim_codes[start:start + 20]:
            form = load.sim_form(client, code)
            self._ack("giveaway", form, client.post("/volunteer/sims/give", form),
                      "/volunteer/sims/given/")

    def start(self):
        jobs = ([self.kiosk] * KIOSKS + [lambda n=n: self.desk(n) for n in range(DESKS)]
                + [lambda n=n: self.giver(n) for n in range(GIVERS)])
        self.errors = []

        def run(job):
            try:
                job()
            except (OSError, http.client.HTTPException):
                pass  # the server was killed under it: that request was never confirmed
            except Exception as e:  # noqa: BLE001  (reported by join)
                self.errors.append(e)

        self.threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        for thread in self.threads:
            thread.start()

    def wait_for(self, count, timeout=60):
        for _ in range(int(timeout * 20)):
            if len(self.acked) >= count or not any(t.is_alive() for t in self.threads):
                return
            threading.Event().wait(0.05)

    def join(self):
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads)
        assert self.errors == []


def test_kill_9_while_writing_loses_no_acknowledged_write(world, tmp_path):
    server = load.Server(world.path, tmp_path / "server.log")
    acked = []
    try:
        for round_no in range(ROUNDS):
            server.start()
            writers = Writers(server, world, round_no)
            writers.start()
            writers.wait_for(ACKED_BEFORE_KILL)
            server.kill()  # SIGKILL to the master and every worker, mid-write
            writers.join()
            assert len(writers.acked) >= ACKED_BEFORE_KILL
            acked += writers.acked
        server.start()  # after the last kill: does it come back, and with what?
        client = load.kiosk_client(server.port, world)
        assert client.get("/kiosk/").status == 200
    finally:
        server.stop()
    assert load.log_problems(server.log()) == []

    database = sqlite3.connect(world.path)
    one = lambda sql, *args: database.execute(sql, args).fetchone()[0]  # noqa: E731
    assert one("pragma integrity_check") == "ok"
    assert database.execute("pragma foreign_key_check").fetchall() == []
    tables = {"ticket": "tickets", "loan": "loans", "giveaway": "sim_giveaways"}
    for kind, request_id in acked:  # every confirmed write is there, once
        assert one(f"select count(*) from {tables[kind]} where request_id = ?",  # noqa: S608
                   request_id) == 1, (kind, request_id)
    # and nothing is half-written: each row has its audit entry and its side effects
    tickets = one("select count(*) from tickets")
    assert one("select count(*) from audit_log where action = 'ticket.create'") == tickets
    loans = one("select count(*) from loans")
    assert one("select count(*) from audit_log where action = 'loan.check_out'") == loans
    assert one("select count(*) from devices where status = 'on_loan'") == loans
    given = one("select count(*) from sim_giveaways")
    assert one("select count(*) from audit_log where action = 'sim.give'") == given
    assert one("select count(*) from sims where status = 'given'") == given
    assert tickets + loans + given >= len(acked) >= ROUNDS * ACKED_BEFORE_KILL
    database.close()
