"""Browser tests: the real app served on a loopback port, driven by real Chromium."""

import contextlib
import os
import re
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Error, expect
from werkzeug.serving import make_server

import auth
import db as dbmod
from audit import Actor
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's Chromium where it exists (Playwright cannot download browsers everywhere),
    with the flags that keep it off the network."""
    args = dict(browser_type_launch_args)
    if os.path.exists(CHROMIUM):
        args["executable_path"] = CHROMIUM
    args["args"] = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"]
    return args


POLICY_WORDS = ("content security policy", "content-security-policy", "refused to",
                "permissions policy", "permissions-policy")


@pytest.fixture(autouse=True)
def no_policy_violations(monkeypatch):
    """Every page of every browser test fails the test if Chromium reports a Content Security
    Policy violation (or a Permissions-Policy problem) on its console: the journeys prove the
    strict CSP holds with htmx, the signature pad, the camera scanner and the charts.
    Contexts are watched as tests open them, whichever way they do it."""
    problems, contexts = [], []

    def watch(context):
        if context not in contexts:
            contexts.append(context)
            context.on("console", lambda message: problems.append(
                f"{message.location.get('url')}: {message.text}")
                if any(w in message.text.lower() for w in POLICY_WORDS) else None)
        return context

    new_context, new_page = Browser.new_context, Browser.new_page

    def watched_context(self, *args, **kwargs):
        return watch(new_context(self, *args, **kwargs))

    def watched_page(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)
        watch(page.context)
        return page

    monkeypatch.setattr(Browser, "new_context", watched_context)
    monkeypatch.setattr(Browser, "new_page", watched_page)
    yield problems
    for context in contexts:  # a round trip per page delivers any message still on its way
        for page in context.pages:
            with contextlib.suppress(Error):  # closed with its own browser already
                page.title()
    assert not problems, "\n".join(problems)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def db(self):
        return dbmod.connect(self.app.config["DATABASE"])


@pytest.fixture
def live_server(tmp_path):
    """CSRF on, as in production; short polling so the test need not wait long."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, QUEUE_POLL_SECONDS=1, KIOSK_POLL_SECONDS=1,
                   TESTING=False)
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(timeout=5)


SYSTEM = Actor(None, "test")
STAFF_PASSWORD = "correct horse battery"


@pytest.fixture
def people(live_server):
    db = live_server.db()
    venue = db["venues"].insert({"name": "Wigan Library"}).last_pk
    db["venues"].insert({"name": "Leigh Library"})
    auth.create_user(db, "sam", "Sam Staff", "staff", STAFF_PASSWORD, SYSTEM)
    auth.create_user(db, "Asha", "Asha", "volunteer", "1234", SYSTEM)
    auth.create_user(db, "Bill", "Bill", "volunteer", "2345", SYSTEM)
    db.conn.close()
    return {"venue": venue}


def staff_sign_in(page, base):
    page.goto(base + "/signin/staff")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


PARTNER_PASSWORD = "a partner's password"


def partner_sign_in(page, base, username="pat", password=PARTNER_PASSWORD):
    """A partner organisation's sign-in; lands on their organisation's referrals."""
    page.goto(base + "/signin/partner")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Loan referrals from"))).to_be_visible()


def volunteer_sign_in(page, base, name, pin):
    """Name, PIN and venue on the tablet; lands on the help queue."""
    page.goto(base + "/signin/volunteer")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("PIN").fill(pin)
    page.get_by_label("Where are you today?").select_option(label="Wigan Library")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Waiting at Wigan Library"))).to_be_visible()


def register_kiosk(page, base):
    """Staff register the kiosk once, on the kiosk itself; it is then signed out."""
    staff_sign_in(page, base)
    page.goto(base + "/staff/kiosks")
    page.get_by_label("Kiosk name").fill("Front desk")
    page.get_by_label("Venue").select_option(label="Wigan Library")
    page.get_by_role("button", name="Register this browser as a kiosk").click()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()


def keep_responses(page, pattern) -> list[tuple[str, bytes]]:
    """Chromium opens PDFs in its own viewer; keep (content type, bytes) of every response
    to URLs matching `pattern`, as the server sent them."""
    kept = []

    def keep(route):
        response = route.fetch()
        kept.append((response.headers["content-type"], response.body()))
        route.fulfill(response=response)

    page.route(pattern, keep)
    return kept


def assert_accessible(page):
    """axe-core: no serious or critical violations on the page as a person sees it."""
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in bad]
