"""`make bench`: how much slower each main screen is than a bare Flask endpoint, same run.

Prints one line per figure: `name value unit`, with the ratio to the bare endpoint, so the
figures compare across machines. Runs in-process through the WSGI test client on a fresh
demo database; no timed assertions anywhere, this only reports.
"""

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from flask import Flask

import auth
import db as dbmod
import demo
from app import create_app
from audit import Actor

ROUNDS = 200


def per_request_ms(client, method: str, url: str, **kwargs) -> float:
    """Median of ROUNDS timings, in milliseconds."""
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.open(url, method=method, **kwargs)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            sys.exit(f"{method} {url} answered {response.status_code}")
    return statistics.median(timings)


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
    ]
    print(f"# {ROUNDS} requests each, median; demo data: {database['tickets'].count} tickets")
    for name, ms in figures:
        print(f"{name} {ms:.3f} ms x{ms / baseline:.1f}")


if __name__ == "__main__":
    main()
