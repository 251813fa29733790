"""Doorstep under its real server: gunicorn with deploy/gunicorn.conf.py, 50 clients at once.

`make bench` prints the load figures (`print_figures`, called at the end of bench.py): req/s
of the hot screens and writes as ratios against a bare Flask endpoint served by the same
gunicorn settings (bench_bare.py), p95 latencies of reads and writes, and how many requests
failed busy or with a 5xx (must be 0). tests/test_load.py and tests/test_crash.py use the
same server and client helpers: a client here is one person's browser, with its own
cookies, fetching each form for its CSRF token and one-time request id before posting it.
"""

import contextlib
import html
import http.client
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from argon2 import PasswordHasher

import auth
import db as dbmod
import demo
import lending
import tea_parties
from audit import Actor
from giveaways import sims

ROOT = Path(__file__).resolve().parent
START = ROOT / "deploy" / "start.sh"
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
CLIENTS = 50
ROUNDS = 20  # requests per client per figure
SIGNATURE = "[[[10, 10], [50, 40], [90, 20]]]"
ELIGIBLE = ["age_18_plus", "low_income", "cannot_afford"]
BUSY_WORDS = ("database is locked", "database table is locked", "SQLITE_BUSY")
PASSWORD = "load-test-password"  # noqa: S105  (seeded test accounts only)
PIN = "2468"


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a free loopback port, started as systemd starts it (deploy/start.sh:
    migrate, then exec gunicorn), or with `app` given, gunicorn alone serving that WSGI
    app under the same settings. Its stdout and stderr (the error log) go to `log`."""

    def __init__(self, database: Path, log: Path, app: str | None = None,
                 env: dict | None = None):
        self.database, self.log_path, self.app = Path(database), Path(log), app
        self.env = env or {}
        self.secret = secrets.token_hex(16)  # the same across restarts: sessions survive
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self, timeout: float = 60) -> "Server":
        self.port = free_port()
        env = dict(os.environ, DOORSTEP_DATABASE=str(self.database),
                   DOORSTEP_BIND=f"127.0.0.1:{self.port}", DOORSTEP_SECRET_KEY=self.secret,
                   DOORSTEP_VENV=sys.prefix, **self.env)
        if self.app:
            command = [str(Path(sys.prefix) / "bin" / "gunicorn"), "--config", str(CONFIG),
                       self.app]
        else:
            command = [str(START)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped at start:\n{self.log()[-3000:]}")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    conn.request("GET", "/healthz" if not self.app else "/")
                    if conn.getresponse().status == 200:
                        return self
                finally:
                    conn.close()
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"the server did not answer in {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """A normal stop (what systemd sends): requests in flight finish first."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """kill -9 the whole server at once: the master and every worker."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def log_problems(text: str) -> list[str]:
    """Lines of a server log that mean something went wrong: busy errors, tracebacks,
    workers that timed out or died."""
    words = (*BUSY_WORDS, "Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT",
             "Exception on")
    return [line for line in text.splitlines() if any(w in line for w in words)]


def first_traceback(text: str) -> str:
    """The first error in a server log with its whole traceback, to show with a failure."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "Exception on" in line
                  or "Traceback" in line), None)
    return "" if start is None else "\n".join(lines[start:start + 80])


# ---------------------------------------------------------------- a client


@dataclass
class Response:
    method: str
    path: str
    status: int
    location: str
    text: str
    seconds: float


@dataclass
class Client:
    """One browser: its own cookies, a new connection per request (as nginx opens one to
    gunicorn per request). Every response is kept in `seen` for the checks."""

    port: int
    cookies: dict = field(default_factory=dict)
    seen: list = field(default_factory=list)

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> Response:
        body = urlencode(form, doseq=True) if form is not None else None
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body, sent)
            reply = conn.getresponse()
            text = reply.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for value in reply.headers.get_all("Set-Cookie") or []:
            self._keep(value)
        response = Response(method, path, reply.status, reply.headers.get("Location", ""),
                            text, time.perf_counter() - start)
        self.seen.append(response)
        return response

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.coded_value

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict, **kw) -> Response:
        return self.request("POST", path, form, **kw)


def hidden(page: str, name: str) -> str:
    """A hidden field's value from a page's form (the CSRF token, the request id)."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    if not found:
        raise AssertionError(f"no {name} field on the page:\n{page[:2000]}")
    return html.unescape(found[1])


# ---------------------------------------------------------------- what people do


def staff_sign_in(client: Client, username: str) -> None:
    token = hidden(client.get("/signin/staff").text, "csrf_token")
    reply = client.post("/signin/staff", {"csrf_token": token, "username": username,
                                          "password": PASSWORD})
    assert reply.status == 302, (reply.status, reply.text[:500])


def volunteer_sign_in(client: Client, name: str, venue: int) -> None:
    token = hidden(client.get("/signin/volunteer").text, "csrf_token")
    reply = client.post("/signin/volunteer", {"csrf_token": token, "name": name, "pin": PIN,
                                              "venue": venue})
    assert reply.status == 302, (reply.status, reply.text[:500])


def join_session(client: Client, session_id: int) -> Response:
    """A volunteer signs in to today's tea party on the tablet."""
    token = hidden(client.get("/volunteer/session").text, "csrf_token")
    return client.post(f"/volunteer/session/{session_id}/sign-in", {"csrf_token": token})


def ticket_form(client: Client, topic: str = "email") -> dict:
    page = client.get(f"/kiosk/name?topic={topic}").text
    return {"csrf_token": hidden(page, "csrf_token"), "topic": topic,
            "request_id": hidden(page, "request_id"), "name": "Mary"}


def lend_form(client: Client, area: str, device_id: int, borrower_id: int,
              venue: int) -> dict:
    page = client.get(f"/{area}/devices/{device_id}/check-out").text
    due = (lending.today() + timedelta(days=14)).isoformat()
    return {"csrf_token": hidden(page, "csrf_token"), "request_id": hidden(page, "request_id"),
            "who": "resident", "borrower_id": borrower_id, "due_on": due, "venue": venue,
            "signature": SIGNATURE}


def sim_form(client: Client, code: str) -> dict:
    page = client.get(f"/volunteer/sims/give?scan={code}").text
    return {"csrf_token": hidden(page, "csrf_token"), "request_id": hidden(page, "request_id"),
            "stage": "give", "scan": code, "ticks": ELIGIBLE, "who": "anonymous"}


# ---------------------------------------------------------------- the world they work in


@dataclass
class World:
    path: Path
    venue: int
    kiosk_token: str
    session_id: int
    staff: list[str]
    volunteers: list[str]
    borrower: int
    devices: list[int]
    tags: list[str]
    sim_codes: list[str]


def seed_world(path: Path, staff: int, volunteers: int, devices: int, sim_codes: int,
               start: int = 0) -> World:
    """A library with a registered kiosk, staff and volunteers, a tea party today, a
    borrower, devices to lend and SIMs to give, all made through the domain modules.
    Accounts get cheap Argon2 parameters so fifty sign-ins take no time; the server
    checks them exactly as it checks any other hash."""
    dbmod.migrate_database(path)
    database = dbmod.connect(path)
    system = Actor(None, "load test")
    real_hasher, auth.hasher = auth.hasher, PasswordHasher(time_cost=1, memory_cost=8,
                                                            parallelism=1)
    try:
        venue = tea_parties.add_venue(database, system, {"name": "Wigan Library",
                                                         "kind": "library"})
        staff_names = [f"staff{n}" for n in range(staff)]
        for name in ["admin", *staff_names]:
            auth.create_user(database, name, name, "staff", PASSWORD, system)
        volunteer_names = [f"Volunteer{n}" for n in range(volunteers)]
        for name in volunteer_names:
            auth.create_user(database, name, name, "volunteer", PIN, system)
    finally:
        auth.hasher = real_hasher
    admin = Actor(1, "admin")
    kiosk_token = auth.register_kiosk(database, "Front desk", venue, admin)
    today = lending.today().isoformat()
    series = tea_parties.create_series(database, admin, {
        "title": "Tea party", "kind": "tea_party", "venue": venue, "repeat": "none",
        "first_day": today, "last_day": today, "starts": "00:01", "ends": "23:59",
        "volunteer_slots": "50"})
    session_id = database.execute("select id from sessions where series_id = ?",
                                  [series]).fetchone()[0]
    borrower = lending.add_borrower(database, system, {"name": "Joseph"})
    device_ids = [lending.add_device(database, system, {"kind": "tablet",
                                                        "home_venue_id": venue})
                  for _ in range(devices)]
    tags = [lending.get_device(database, d)["asset_tag"] for d in device_ids]
    codes = [demo.demo_iccid(700_000 + start + n) for n in range(sim_codes)]
    for chunk in range(0, len(codes), 500):
        sims.add_batch(database, system, {
            "venue": str(venue), "item": "sim", "network": "Three", "offer": "Load test",
            "months": "6", "received_on": today, "codes": "\n".join(codes[chunk:chunk + 500])})
    database.conn.close()
    return World(Path(path), venue, kiosk_token, session_id, staff_names, volunteer_names,
                 borrower, device_ids, tags, codes)


def kiosk_client(port: int, world: World) -> Client:
    client = Client(port)
    client.cookies[auth.KIOSK_COOKIE] = world.kiosk_token
    return client


def run_together(jobs: list, timeout: float = 120) -> list:
    """Run every job in its own thread, released at the same moment; their results."""
    barrier = threading.Barrier(len(jobs))

    def go(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(go, job) for job in jobs]
        return [f.result(timeout=timeout) for f in futures]


# ---------------------------------------------------------------- make bench


def _p95(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=20)[18] * 1000 if len(seconds) > 1 else 0.0


def _phase(clients: list[Client], make_request) -> tuple[float, list[Response]]:
    """Every client makes ROUNDS requests at once; req/s over the wall time, responses."""
    def job(n):
        client = clients[n]
        return [make_request(client, n, r) for r in range(ROUNDS)]

    start = time.perf_counter()
    results = run_together([lambda n=n: job(n) for n in range(len(clients))])
    wall = time.perf_counter() - start
    responses = [r for rs in results for r in rs]
    return len(responses) / wall, responses


def figures() -> tuple[list[tuple[str, float, float, float]], dict, str]:
    """[(name, req/s, times slower than bare, p95 ms)], totals, and a note on the setup."""
    tmp = Path(tempfile.mkdtemp())
    try:
        return _measure(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(tmp: Path):
    with Server(tmp / "bare.db", tmp / "bare.log", app="bench_bare:app") as bare:
        clients = [Client(bare.port) for _ in range(CLIENTS)]
        bare_rps, bare_replies = _phase(clients, lambda c, n, r: c.get("/"))
    world = seed_world(tmp / "load.db", staff=CLIENTS, volunteers=CLIENTS,
                       devices=CLIENTS * ROUNDS, sim_codes=CLIENTS * ROUNDS)
    rows = [("load_bare_flask_get", bare_rps, 1.0, _p95([r.seconds for r in bare_replies]))]
    reads, writes, everything = [], [], list(bare_replies)
    with Server(world.path, tmp / "load.log") as server:
        kiosks = [kiosk_client(server.port, world) for _ in range(CLIENTS)]
        tablets = [Client(server.port) for _ in range(CLIENTS)]
        run_together([lambda c=c, n=n: volunteer_sign_in(c, world.volunteers[n], world.venue)
                      for n, c in enumerate(tablets)])
        desks = [Client(server.port) for _ in range(CLIENTS)]
        run_together([lambda c=c, n=n: staff_sign_in(c, world.staff[n])
                      for n, c in enumerate(desks)])
        anonymous = [Client(server.port) for _ in range(CLIENTS)]
        ticket_forms = run_together([lambda c=c: ticket_form(c) for c in kiosks])
        lend_token = run_together([lambda c=c: hidden(c.get("/staff/scan").text,
                                                      "csrf_token") for c in desks])
        sim_token = run_together([lambda c=c: hidden(
            c.get(f"/volunteer/sims/give?scan={world.sim_codes[0]}").text, "csrf_token")
            for c in tablets])
        due = (lending.today() + timedelta(days=14)).isoformat()

        def lend(client, n, r):
            return client.post(f"/staff/devices/{world.devices[n * ROUNDS + r]}/check-out", {
                "csrf_token": lend_token[n], "request_id": uuid.uuid4().hex, "who": "resident",
                "borrower_id": world.borrower, "due_on": due, "venue": world.venue,
                "signature": SIGNATURE})

        def give(client, n, r):
            return client.post("/volunteer/sims/give", {
                "csrf_token": sim_token[n], "request_id": uuid.uuid4().hex, "stage": "give",
                "scan": world.sim_codes[n * ROUNDS + r], "ticks": ELIGIBLE, "who": "anonymous"})

        phases = [
            ("load_kiosk_start", reads, kiosks, lambda c, n, r: c.get("/kiosk/")),
            ("load_volunteer_queue_fragment", reads, tablets,
             lambda c, n, r: c.get("/volunteer/", headers={"HX-Request": "true"})),
            ("load_device_page", reads, anonymous,
             lambda c, n, r: c.get(f"/d/{world.tags[(n * ROUNDS + r) % len(world.tags)]}")),
            ("load_kiosk_ticket_create", writes, kiosks,
             lambda c, n, r: c.post("/kiosk/tickets", dict(ticket_forms[n],
                                                           request_id=uuid.uuid4().hex))),
            ("load_staff_check_out", writes, desks, lend),
            ("load_volunteer_sim_give", writes, tablets, give),
        ]
        acked = {}
        for name, kind, clients, make_request in phases:
            rps, replies = _phase(clients, make_request)
            refused = [r for r in replies if 400 <= r.status < 500]
            if refused:  # the bench itself is wrong (a stale token, a missing field)
                sys.exit(f"{name}: {refused[0].method} {refused[0].path} answered "
                         f"{refused[0].status}")
            kind.extend(replies)
            everything.extend(replies)
            acked[name] = sum(r.status == 303 for r in replies)
            rows.append((name, rps, bare_rps / rps, _p95([r.seconds for r in replies])))
        log = server.log()
    checked = dbmod.connect(world.path)
    found = {"load_kiosk_ticket_create": checked["tickets"].count,
             "load_staff_check_out": checked["loans"].count,
             "load_volunteer_sim_give": checked["sim_giveaways"].count}
    checked.conn.close()
    totals = {
        "p95_read": _p95([r.seconds for r in reads]),
        "p95_write": _p95([r.seconds for r in writes]),
        "busy": sum("OperationalError" in line and any(w in line for w in BUSY_WORDS)
                    for line in log.splitlines()),
        "5xx": sum(r.status >= 500 for r in everything),
        "rows": sum(abs(found[name] - acked[name]) for name in found),
        "log_problems": len(log_problems(log)),
        "first_error": first_traceback(log),
    }
    settings = runpy.run_path(str(CONFIG))
    note = (f"gunicorn {settings['workers']} workers x {settings['threads']} threads "
            f"({settings['worker_class']}), synchronous={dbmod.synchronous_mode()}")
    return rows, totals, note


def print_figures() -> None:
    rows, totals, note = figures()
    print(f"# load: {note}, {CLIENTS} concurrent clients x {ROUNDS} requests each, "
          "ratio = bare Flask req/s over this req/s")
    for name, rps, ratio, p95 in rows:
        print(f"{name} {rps:.1f} req/s x{ratio:.1f} (p95 {p95:.1f} ms)")
    print(f"load_p95_read {totals['p95_read']:.1f} ms")
    print(f"load_p95_write {totals['p95_write']:.1f} ms")
    print(f"load_busy_errors {totals['busy']} count")
    print(f"load_5xx {totals['5xx']} count")
    print(f"load_lost_or_doubled_writes {totals['rows']} count")
    print(f"load_error_log_problems {totals['log_problems']} count")
    if totals["first_error"]:
        print("\n".join("# " + line for line in totals["first_error"].splitlines()))


if __name__ == "__main__":
    print_figures()
