"""`make bench`: how much slower each main screen is than a bare Flask endpoint, same run.

Prints one line per figure: `name value unit`, with the ratio to the bare endpoint, so the
figures compare across machines. Runs in-process through the WSGI test client on a fresh
demo database; no timed assertions anywhere, this only reports.
"""

import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from flask import Flask

import auth
import bench_data
import bench_load
import db as dbmod
import demo
import impact
import labels
import learners
import lending
import waiting_list
from app import create_app
from audit import Actor, utcnow
from giveaways import interest, sims

ROUNDS = 200


def per_request_ms(client, method: str, url: str, rounds: int = ROUNDS, **kwargs) -> float:
    """Median of `rounds` timings, in milliseconds."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.open(url, method=method, **kwargs)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            sys.exit(f"{method} {url} answered {response.status_code}")
    return statistics.median(timings)


def lending_figures(app, database, staff) -> list[tuple[str, float]]:
    """Scan lookups, and check-out + check-in pairs on ROUNDS fresh devices (each device
    lent once and taken back once, through the same views and checklist staff use)."""
    system = Actor(None, "bench")
    ids = [lending.add_device(database, system, {"kind": "tablet"}) for _ in range(ROUNDS)]
    borrower = lending.add_borrower(database, system, {"name": "Bench"})
    due = (lending.today() + timedelta(days=14)).isoformat()
    signature = "[[[10, 10], [50, 40], [90, 20]]]"
    tag = lending.get_device(database, ids[0])["asset_tag"]
    lookup = per_request_ms(staff, "POST", "/staff/scan", data={"scan": f"/d/{tag}"})
    checklist = list(lending.checklist_for(database, lending.get_device(database, ids[0])))

    def timed(method, url, data) -> float:
        start = time.perf_counter()
        response = staff.open(url, method=method, data=data)
        if response.status_code >= 400:
            sys.exit(f"{method} {url} answered {response.status_code}")
        return (time.perf_counter() - start) * 1000

    outs = [timed("POST", f"/staff/devices/{i}/check-out",
                  {"who": "resident", "borrower_id": borrower, "due_on": due,
                   "signature": signature}) for i in ids]
    ins = [timed("POST", f"/staff/devices/{i}/check-in", {"ok": checklist}) for i in ids]
    assert database["loans"].count_where("closed_at is not null") >= ROUNDS

    pdf_ms = []
    for run in range(3):  # new tags each run, so no QR comes from labels.py's cache
        labels_500 = [labels.Label(f"TAB-{n:05d}", f"https://doorstep.example/d/TAB-{n:05d}")
                      for n in range(run * 1000 + 1, run * 1000 + 501)]
        start = time.perf_counter()
        labels.label_sheet_pdf(labels_500, labels.FORMATS["L7160"], "Doorstep", "0161 000 0000")
        pdf_ms.append((time.perf_counter() - start) * 1000)
    return [("scan_lookup", lookup), ("check_out", statistics.median(outs)),
            ("check_in", statistics.median(ins)),
            ("label_pdf_500_devices", statistics.median(pdf_ms))]


def tea_party_figures(database, kiosk, volunteer, staff) -> list[tuple[str, float]]:
    """What's on, learner search and progress, a card scan, and staff volunteer screens,
    over the demo plus 2,000 more learners with a dozen skill records each."""
    tasks = [t["id"] for t in learners.skill_tasks(database)]
    rows = [{"first_name": f"Learner{n}", "card_code": f"B{n:07d}", "consent_what": "bench",
             "consent_at": "2026-01-01T10:00:00+00:00", "home_venue_id": 1 + n % 2,
             "created_at": "2026-01-01T10:00:00+00:00"} for n in range(2000)]
    database["learners"].insert_all(rows)
    ids = [r[0] for r in database.execute("select id from learners where consent_what = 'bench'")]
    database["skill_records"].insert_all(
        {"learner_id": i, "task_id": tasks[(i + k) % len(tasks)],
         "level": ("with_help", "on_own")[k % 2], "observed_on": "2026-03-01",
         "observed_at": "2026-03-01T10:00:00+00:00", "venue_id": 1}
        for i in ids for k in range(12))
    learner = 1
    code = database["learners"].get(learner)["card_code"]
    return [
        ("kiosk_whats_on", per_request_ms(kiosk, "GET", "/kiosk/whats-on")),
        ("volunteer_learner_search", per_request_ms(volunteer, "GET",
                                                    "/volunteer/learners?q=Learner19")),
        ("volunteer_learner_progress", per_request_ms(volunteer, "GET",
                                                      f"/volunteer/learners/{learner}")),
        ("volunteer_card_scan", per_request_ms(volunteer, "POST", "/volunteer/learners/scan",
                                               data={"scan": f"/l/{code}"})),
        ("learner_card_pdf", per_request_ms(volunteer, "GET",
                                            f"/volunteer/learners/{learner}/card.pdf")),
        ("volunteer_session_page", per_request_ms(volunteer, "GET", "/volunteer/session")),
        ("staff_volunteers_dbs", per_request_ms(staff, "GET", "/staff/volunteers")),
        ("staff_hours_28_days", per_request_ms(staff, "GET", "/staff/hours")),
    ]


def giveaway_figures(database, volunteer, staff) -> list[tuple[str, float]]:
    """A SIM scanned and given on the tablet (ROUNDS fresh SIMs, each given once, through
    the same view volunteers use), the SIM report and the refurbished-device impact page."""
    system = Actor(None, "bench")
    codes = [demo.demo_iccid(500_000 + n) for n in range(ROUNDS)]
    sims.add_batch(database, system, {
        "venue": "1", "item": "sim", "network": "Three", "offer": "Bench", "months": "6",
        "received_on": lending.today().isoformat(), "codes": "\n".join(codes)})
    lookup = per_request_ms(volunteer, "GET", f"/volunteer/sims/give?scan={codes[0]}")

    def give(code) -> float:
        start = time.perf_counter()
        response = volunteer.post("/volunteer/sims/give", data={
            "stage": "give", "scan": code, "ticks": ["age_18_plus", "low_income",
                                                     "cannot_afford"],
            "who": "anonymous", "request_id": code})
        if response.status_code >= 400:
            sys.exit(f"giving {code} answered {response.status_code}")
        return (time.perf_counter() - start) * 1000

    gives = [give(code) for code in codes]
    given = database.execute("select count(*) from sims s join sim_batches b on "
                             "b.id = s.batch_id where b.offer = 'Bench' and s.status = 'given'")
    if given.fetchone()[0] != ROUNDS:
        sys.exit("not every bench SIM was given")
    return [("sim_scan_to_form", lookup), ("sim_give", statistics.median(gives)),
            ("staff_sim_report_year", per_request_ms(staff, "GET", "/staff/sims/report")),
            ("staff_refurb_impact_year", per_request_ms(staff, "GET", "/staff/refurb/impact"))]


WAITING = 1000  # a long waiting list: a borough's referrals over a year or more


def referral_figures(app, database, kiosk, staff) -> list[tuple[str, float]]:
    """The waiting list, a ready device's page (which works out the next referral) and a
    partner's own list with WAITING referrals waiting; the kiosk's first eligibility
    question and its "you can probably get…" page."""
    system = Actor(None, "bench")
    partner = next(p for p in lending.partners(database) if p["name"].startswith("Wigan and"))
    start = utcnow() - timedelta(days=WAITING)
    for n in range(WAITING):
        waiting_list.submit(database, system, {
            "referrer_name": "Bench", "first_name": f"Person{n}", "contact_kind": "mobile",
            "contact": f"07700{n:06d}", "reason": "Bench", "kind": ("", "tablet")[n % 2]},
            channel="partner" if n % 3 else "phone", partner_id=partner["id"] if n % 3 else None,
            now=start + timedelta(days=n))
    device = lending.devices(database, "available", "tablet")[0]["id"]
    partner_client = app.test_client()
    partner_client.post("/signin/partner", data={"username": demo.DEMO_PARTNER[0],
                                                 "password": demo.DEMO_PARTNER[2]})
    per_request_ms(kiosk, "GET", "/kiosk/check")  # a fresh check in the kiosk's session
    question = per_request_ms(kiosk, "GET", "/kiosk/check/1")
    for number, asked in enumerate(interest.questions(database), 1):  # "yes" to each
        kiosk.post(f"/kiosk/check/{number}", data={"answer": "yes", "question": asked["id"]})
    return [("staff_waiting_list", per_request_ms(staff, "GET", "/staff/referrals")),
            ("staff_device_next_referral",
             per_request_ms(staff, "GET", f"/staff/devices/{device}")),
            ("partner_own_referrals", per_request_ms(partner_client, "GET", "/partner/")),
            ("kiosk_check_question", question),
            ("kiosk_check_result", per_request_ms(kiosk, "GET", "/kiosk/check/result"))]


KIOSK_FIRST_LOAD_LIMIT_KB = 60
CHROMIUM = Path("/usr/bin/chromium")


def kiosk_first_load(app, database, venue: int) -> str:
    """What a kiosk's first page costs on the wire: /kiosk/ in a fresh Chromium profile
    (nothing cached), summed from the browser's own navigation and resource timing, with
    the app served on a loopback port. A size, not a time: the same on any machine."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "# kiosk_first_load skipped: playwright is not installed (make test installs it)"
    from werkzeug.serving import make_server

    token = auth.register_kiosk(database, "bench first load", venue, Actor(None, "bench"))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the figures
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM) if CHROMIUM.exists() else None,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            context = browser.new_context(has_touch=True,
                                          viewport={"width": 1080, "height": 1920})
            context.add_cookies([{"name": auth.KIOSK_COOKIE, "value": token, "url": base}])
            page = context.new_page()
            page.goto(base + "/kiosk/", wait_until="load")
            transferred = page.evaluate(
                "[...performance.getEntriesByType('navigation'), "
                "...performance.getEntriesByType('resource')]"
                ".reduce((sum, entry) => sum + entry.transferSize, 0)")
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=5)
    return f"kiosk_first_load {transferred / 1024:.1f} KB (limit {KIOSK_FIRST_LOAD_LIMIT_KB})"


REPORT_ROUNDS = 5  # a page over a million-row year takes long enough for five to tell


def report_figures() -> tuple[list[tuple[str, float]], list[str]]:
    """The impact dashboard over ten years of a large borough (bench_data: 1M help
    interactions, 1M audit rows, 200k loans...): this financial year at every venue and at
    one, and the drill-down of its biggest figure. Returns figures and the lines that say
    how long the data took to build and what it holds."""
    tmp = Path(tempfile.mkdtemp())
    try:
        return _timed_reports(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # half a gigabyte


def _timed_reports(tmp: Path) -> tuple[list[tuple[str, float]], list[str]]:
    start = time.perf_counter()
    counts = bench_data.build(tmp / "report.db")
    built = time.perf_counter() - start
    app = create_app({"DATABASE": str(tmp / "report.db"), "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    database = dbmod.connect(tmp / "report.db")
    auth.create_user(database, "bench-staff", "Bench Staff", "staff", "bench-password-2026",
                     Actor(None, "bench"))
    notes = [f"report_data_build {built:.1f} s",
             "# report data rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items())]
    if "staff.impact" not in app.view_functions:
        return [], notes + ["# no impact dashboard yet (staff.impact)"]
    staff = app.test_client()
    staff.post("/signin/staff", data={"username": "bench-staff",
                                      "password": "bench-password-2026"})
    figures = [("report_impact_year", per_request_ms(staff, "GET", "/staff/impact",
                                                     REPORT_ROUNDS)),
               ("report_impact_year_one_venue",
                per_request_ms(staff, "GET", "/staff/impact?venue=1", REPORT_ROUNDS))]
    if "staff.impact_figure" in app.view_functions:
        first, last = impact.default_period(lending.today())
        biggest = max((f for f in impact.dashboard(database, first, last)
                       if isinstance(f.get("value"), int | float)), key=lambda f: f["value"])
        figures.append((f"report_drill_{biggest['key']}", per_request_ms(
            staff, "GET", f"/staff/impact/{biggest['key']}", REPORT_ROUNDS)))
    figures += subject_access_figures(database, staff)
    database.conn.close()
    return figures, notes


def subject_access_figures(database, staff) -> list[tuple[str, float]]:
    """A subject access request on ten years of data: the readable copy for the learner,
    borrower and volunteer with the most records, and a search by name."""
    def busiest(sql: str) -> int:
        return database.execute(sql).fetchone()[0]

    people = {
        "learner": busiest("select learner_id from tickets where learner_id is not null "
                           "group by learner_id order by count(*) desc limit 1"),
        "borrower": busiest("select borrower_id from loans where borrower_id is not null "
                            "group by borrower_id order by count(*) desc limit 1"),
        "volunteer": busiest("select user_id from volunteer_shifts group by user_id "
                             "order by count(*) desc limit 1"),
    }
    figures = [(f"subject_access_copy_{kind}",
                per_request_ms(staff, "GET", f"/staff/privacy/person.html?r={kind}:{row_id}",
                               REPORT_ROUNDS))
               for kind, row_id in people.items()]
    figures.append(("subject_access_find_name", per_request_ms(
        staff, "GET", "/staff/privacy/find?q=Mary", REPORT_ROUNDS)))
    return figures


def main() -> None:
    bare = Flask("bare")
    bare.add_url_rule("/", "ok", lambda: "ok")
    baseline = per_request_ms(bare.test_client(), "GET", "/")

    tmp = Path(tempfile.mkdtemp())
    dbmod.migrate_database(tmp / "bench.db")
    app = create_app({"DATABASE": str(tmp / "bench.db"), "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    database = dbmod.connect(tmp / "bench.db")
    demo.seed(database)
    venue = 1
    kiosk = app.test_client()
    kiosk.set_cookie(auth.KIOSK_COOKIE, auth.register_kiosk(database, "bench", venue,
                                                            Actor(1, "bench")))
    volunteer = app.test_client()
    volunteer.post("/signin/volunteer", data={"name": "Asha", "pin": "1234", "venue": venue})
    staff = app.test_client()
    staff.post("/signin/staff", data={"username": demo.DEMO_STAFF[0],
                                      "password": demo.DEMO_STAFF[2]})

    week = f"first={date.today() - timedelta(days=6)}&last={date.today()}"
    figures = [
        ("bare_flask_get", baseline),
        ("healthz", per_request_ms(kiosk, "GET", "/healthz")),
        ("kiosk_start", per_request_ms(kiosk, "GET", "/kiosk/")),
        ("volunteer_queue_poll", per_request_ms(volunteer, "GET", "/volunteer/",
                                                headers={"HX-Request": "true"})),
        ("staff_help_desk_week", per_request_ms(staff, "GET", f"/staff/?{week}")),
        ("kiosk_create_ticket", per_request_ms(kiosk, "POST", "/kiosk/tickets",
                                               data={"topic": "email", "name": "Bench"})),
        *lending_figures(app, database, staff),
        *tea_party_figures(database, kiosk, volunteer, staff),
        *giveaway_figures(database, volunteer, staff),
        *referral_figures(app, database, kiosk, staff),
    ]
    print(f"# {ROUNDS} requests each, median; demo data: {database['tickets'].count} tickets")
    for name, ms in figures:
        print(f"{name} {ms:.3f} ms x{ms / baseline:.1f} ({1000 / ms:.0f} req/s)")
    print(kiosk_first_load(app, database, venue))
    report, notes = report_figures()
    print(f"# impact reports over ten years of a large borough, {REPORT_ROUNDS} requests each, "
          "median")
    for name, ms in report:
        print(f"{name} {ms:.3f} ms x{ms / baseline:.1f} ({1000 / ms:.1f} req/s)")
    print("\n".join(notes))
    bench_load.print_figures()  # the same screens through gunicorn, 50 clients at once


if __name__ == "__main__":
    main()
