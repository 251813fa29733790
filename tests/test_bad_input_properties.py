"""Bad input at scale: hypothesis posts at least 10,000 generated inputs across every form.

The forms are found, not listed: the bad-input world (tests/test_bad_input.py) is built, every
GET page is opened as each role and its <form>s are read (tests/bad_input/forms.py), and the
forms the hand-written cases reach after a first step are added. Every POST rule in the url map
must be among them (or excluded below with a reason), so a new form is fuzzed the day it lands.

For each post, as the role that sees the form:
- never a 5xx (in testing Flask raises the error instead, with its traceback);
- rejected (4xx), or a GET: nothing written at all. A separate sqlite3 connection watches
  `PRAGMA data_version`, which changes whenever another connection commits. The only writes
  allowed are listed in ALLOWED_WRITES (failed sign-in counters, audited exports);
- accepted (2xx/3xx) and something written: the changed rows hold no control characters (but
  newline and tab), no text that is not UTF-8 (lone surrogates), nothing longer than the
  form's stated maxlength; the change came with its audit entry (not half a change);
  `PRAGMA foreign_key_check` is clean; the page it leads to (or the form's own page) and the
  role's home page still open without a 5xx.
After a write the database is put back as the world left it, so every example starts from the
same place and a failure replays exactly. Sessions are stamped as seen far in the future so
that opening a page never touches them (a real session is touched once a minute).

Knobs, for exploring beyond CI's fixed examples: DOORSTEP_FUZZ_POSTS (how many, 10000),
DOORSTEP_FUZZ_GETS (tries per GET form, 25), DOORSTEP_FUZZ_SEED (other examples than the
derandomized ones), DOORSTEP_FUZZ_ONLY (forms whose "role METHOD endpoint" contains this),
DOORSTEP_FUZZ_SLOWEST (how many slow forms to name).
"""

import io
import json
import math
import os
import re
import shutil
import sqlite3
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import auth
import lending
import two_factor
import waiting_list
from audit import Actor
from tests.bad_input import forms as catalogue
from tests.bad_input import strategies as shapes
from tests.conftest import PARTNER_PASSWORD, STAFF_PASSWORD, SYSTEM, sign_in_partner
from tests.test_bad_input import AREAS, CASES, fill
from tests.test_bad_input import world as world  # noqa: PLC0414  (a fixture, used by `lab`)

pytestmark = pytest.mark.usefixtures("fast_hashing")

POSTS = int(os.environ.get("DOORSTEP_FUZZ_POSTS", "10000"))  # at least this many per run
ONLY = os.environ.get("DOORSTEP_FUZZ_ONLY", "")  # fuzz only forms whose name has this in it
SEED = os.environ.get("DOORSTEP_FUZZ_SEED")  # explore other examples than CI's fixed ones
SLOWEST = int(os.environ.get("DOORSTEP_FUZZ_SLOWEST", "5"))  # how many slow forms to name
GET_EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_GETS", "25"))  # each GET form (filters)
SLACK = 1.04  # hypothesis skips the odd duplicate example; ask for a little more
FAR_FUTURE = "9999-01-01T00:00:00+00:00"
# POST rules that are not fuzzed here, and why. Everything else must be found on a page.
EXCLUDED: dict[str, str] = {}  # none today: every POST rule is found on a page
FAILED_SIGN_IN = ({"users": {"failed_logins", "locked_until"}}, {"user.locked"})
EXPORT = ({}, {"impact.export"})
# The only writes a request that is rejected (4xx), or a GET, may make:
# (endpoint, status) -> ({table: columns it may change}, audit actions it may add).
ALLOWED_WRITES = {
    # A wrong password or PIN counts against the account, and the fifth locks it (audited).
    ("auth.staff_signin", 401): FAILED_SIGN_IN,
    ("auth.volunteer_signin", 401): FAILED_SIGN_IN,
    # So does a wrong code from an authenticator app, or a wrong recovery code: at sign-in
    # (two_factor.verify_code, use_recovery_code), and when changing a second factor.
    ("auth.staff_code", 401): FAILED_SIGN_IN,
    ("auth.staff_recovery", 401): FAILED_SIGN_IN,
    ("staff.security_recovery_codes", 422): FAILED_SIGN_IN,
    ("staff.security_new_phone", 422): FAILED_SIGN_IN,
    ("staff.security_turn_off", 422): FAILED_SIGN_IN,
    # The set-up page always shows a QR code, whose secret waits (sealed) in the user's row
    # until a code confirms it (two_factor.begin_setup); a POST with no GET first stores it.
    ("staff.security_setup", 422): ({"users": {"totp_secret", "totp_last_step"}}, set()),
    # Downloading report figures is itself audited (who took which rows, when).
    ("staff.impact_csv", 200): EXPORT,
    ("staff.impact_figure_csv", 200): EXPORT,
    ("staff.impact_pdf", 200): EXPORT,
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # all but \t and \n
# Every accepted change is audited with who and when (DESIGN.md), so a change without its
# audit entry is half a change. Tables whose rows are not records of anyone's data:
NOT_AUDITED = {"user_sessions": "signing in and out"}
DISCOVERED = []  # the catalogue, kept for the module's second test
PAGES_AFTER_A_WRITE = {"staff": "/staff/", "volunteer": "/volunteer/", "kiosk": "/kiosk/",
                       "anon": "/", "staff_2fa": "/staff/", "staff_pending": "/signin/staff/code",
                       "staff_enrolling": "/signin/staff/set-up", "partner": "/partner/"}
# Roles beyond the four, for the second factor (see `second_factor_clients`) and a partner
# organisation's sign-in (`partner_client`): they open only these pages. A form every
# signed-in role sees (signing out) is fuzzed as the first in alphabetical order (best_role):
# the partner, since partners came.
PAGES_OF_EXTRA_ROLES = {"staff_2fa": ["/staff/security"],
                        "staff_pending": ["/signin/staff/code", "/signin/staff/recovery"],
                        "staff_enrolling": ["/signin/staff/set-up"],
                        # a partner organisation's sign-in (see `partner_client`): its area
                        "partner": ["/partner/", "/partner/referrals/new",
                                    "/partner/referrals/{partner_referral}"]}


@dataclass(frozen=True)
class BadText:
    """Bytes stored as TEXT that are not UTF-8 (a lone surrogate, or worse)."""

    data: bytes


def strict_text(data: bytes):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return BadText(data)


@dataclass
class Target:
    """One form to fuzz: one role, one rule; the concrete URLs and pages it was seen on."""

    role: str
    method: str
    endpoint: str
    actions: list = field(default_factory=list)
    pages: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    multipart: bool = False

    @property
    def name(self) -> str:
        return f"{self.role} {self.method} {self.endpoint}"


class Lab:
    """The app's database, put back to the world's state after every write, and a second
    connection watching it."""

    def __init__(self, app, template: str, workdir):
        self.path = str(workdir / "fuzz.db")
        shutil.copyfile(template, self.path)
        app.config["DATABASE"] = self.path
        self.template = sqlite3.connect(template)
        self.watch = sqlite3.connect(self.path, isolation_level=None)
        self.watch.execute("PRAGMA synchronous=OFF")  # a scratch copy: no need to reach disk
        self.watch.text_factory = strict_text
        self.version = self.data_version()
        self.base = self.rows()

    def reset(self):
        """Back to the world as the template holds it, written through the watching
        connection (so no file is swapped under SQLite's feet)."""
        self.template.backup(self.watch)
        self.version = self.data_version()

    def close(self):
        self.watch.close()
        self.template.close()

    def data_version(self) -> int:
        return self.watch.execute("PRAGMA data_version").fetchone()[0]

    def written(self) -> bool:
        return self.data_version() != self.version

    def rows(self) -> dict:
        tables = [r[0] for r in self.watch.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")]
        found = {}
        for table in tables:
            cursor = self.watch.execute(f"select * from [{table}]")  # noqa: S608
            columns = [d[0] for d in cursor.description]
            found[table] = (columns, Counter(cursor.fetchall()))
        return found

    def diff(self) -> dict:
        """table -> (columns, rows added or changed, rows removed or changed)."""
        now, changes = self.rows(), {}
        for table, (columns, rows) in now.items():
            before = self.base.get(table, (columns, Counter()))[1]
            added, removed = rows - before, before - rows
            if added or removed:
                changes[table] = (columns, list(added), list(removed))
        return changes


def describe(changes: dict) -> str:
    lines = []
    for table, (columns, added, removed) in changes.items():
        for row in added[:3]:
            lines.append(f"  + {table} {short(dict(zip(columns, row, strict=True)))}")
        for row in removed[:3]:
            lines.append(f"  - {table} {short(dict(zip(columns, row, strict=True)))}")
    return "\n".join(lines)


def short(value, limit=300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def only_allowed(changes: dict, allowed) -> bool:
    """True when every change is a column the exception names, or an audit entry it names."""
    if allowed is None:
        return False
    columns_may_change, audit_actions = allowed
    for table, (columns, added, removed) in changes.items():
        if table == "audit_log":
            if removed or any(dict(zip(columns, r, strict=True))["action"] not in audit_actions
                              for r in added):
                return False
        elif table in columns_may_change:
            keep = [i for i, c in enumerate(columns) if c not in columns_may_change[table]]
            if sorted(tuple(r[i] for i in keep) for r in added) != sorted(
                    tuple(r[i] for i in keep) for r in removed):
                return False
        else:
            return False
    return True


def garbage_in(value, where: str) -> list[str]:
    """What is wrong with one stored value (JSON text is looked inside)."""
    if isinstance(value, BadText):
        return [f"{where}: not UTF-8: {value.data[:60]!r}"]
    if not isinstance(value, str):
        return []
    problems = []
    if CONTROL.search(value):
        problems.append(f"{where}: control characters in {short(value, 120)}")
    if value[:1] in "[{":
        try:
            inner = json.loads(value)
        except ValueError:
            return problems
        problems += [p for s in strings_in(inner) for p in garbage_in(s, where + " (json)")]
    return problems


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def over_limits(changes: dict, target: Target, pairs) -> list[str]:
    """A value typed longer than the form's maxlength says, stored anyway."""
    problems = []
    for name, value in pairs:
        spec = target.fields.get(name)
        if spec is None or spec.maxlength is None or not isinstance(value, str):
            continue
        forms_of_it = {value.strip(), " ".join(value.split())}
        long_ones = [v for v in forms_of_it if len(v) > spec.maxlength]
        for table, (columns, added, _removed) in changes.items():
            if table == "audit_log":
                continue
            for row in added:
                for column, stored in zip(columns, row, strict=True):
                    if isinstance(stored, str) and any(v in stored for v in long_ones):
                        problems.append(f"{table}.{column}: {name} stored with "
                                        f"{len(stored)} characters; the form allows "
                                        f"{spec.maxlength}")
    return problems


# ---- the catalogue ---------------------------------------------------------------------------


def cookie_jar(app, client) -> list[tuple[str, str]]:
    names = (app.config["SESSION_COOKIE_NAME"], auth.KIOSK_COOKIE, auth.TABLET_COOKIE)
    return [(n, c.value) for n in names if (c := client.get_cookie(n)) is not None]


def client_maker(app, jar):
    def make():
        client = app.test_client()
        for name, value in jar:
            client.set_cookie(name, value)
        return client

    return make


def targets_from(found: list) -> dict:
    """Forms grouped by (role, method, endpoint): the unit that gets a share of the posts."""
    targets: dict[tuple, Target] = {}
    for form in found:
        key = (form.role, form.method, form.endpoint)
        target = targets.setdefault(key, Target(form.role, form.method, form.endpoint))
        if form.action not in target.actions:
            target.actions.append(form.action)
        if (form.page != form.action or form.method == "GET") and (
                form.page not in target.pages):
            target.pages.append(form.page)
        target.multipart |= form.multipart
        for spec in form.fields.values():
            if spec.name in target.fields:
                target.fields[spec.name].merge(spec)
            else:
                target.fields[spec.name] = catalogue.Field(spec.name, spec.kind,
                                                           list(spec.values), spec.maxlength)
    for target in targets.values():
        target.fields.pop("csrf_token", None)  # CSRF is off in this test (see conftest)
    return {key: t for key, t in targets.items() if t.role == best_role(targets, key)}


def best_role(targets: dict, key) -> str:
    """A form several roles see is fuzzed as one: the role whose area it is in, else the
    anonymous visitor (sign-in pages), else whoever saw it first (signing out)."""
    _role, method, endpoint = key
    seen = [r for (r, m, e) in targets if (m, e) == (method, endpoint)]
    area = endpoint.split(".")[0]
    for role in (area, "anon"):
        if role in seen:
            return role
    return sorted(seen)[0]


def switch_second_factor_on(app, db, user_id: int) -> pyotp.TOTP:
    """The way a person does it (two_factor's own steps); their authenticator app back."""
    box = two_factor.cipher(app)
    totp = pyotp.TOTP(two_factor.begin_setup(db, user_id, box))
    two_factor.confirm_setup(db, user_id, totp.now(), box, Actor(user_id, "Cat"))
    return totp


def second_factor_clients(app, db) -> dict:
    """Cat, a colleague with a second factor on: signed in (her security page has the forms
    to change it, and the People page the form to reset hers), and, in another browser,
    part-way through signing in (her password taken, her code awaited). Newt, whom the
    council's requirement sends to set one up when he signs in (the requirement is then
    switched off again, so everyone else's pages stay as they were)."""
    cat = auth.create_user(db, "cat", "Cat Colleague", "staff", STAFF_PASSWORD, SYSTEM)
    auth.create_user(db, "newt", "Newt", "staff", STAFF_PASSWORD, SYSTEM)
    app_of_cat = switch_second_factor_on(app, db, cat)
    signed_in, pending, enrolling = app.test_client(), app.test_client(), app.test_client()
    password = {"username": "cat", "password": STAFF_PASSWORD}
    assert signed_in.post("/signin/staff", data=password).location == "/signin/staff/code"
    next_code = app_of_cat.at(time.time() + two_factor.STEP_SECONDS)  # hers was just used
    assert signed_in.post("/signin/staff/code", data={"code": next_code}).status_code == 302
    assert pending.post("/signin/staff", data=password).location == "/signin/staff/code"
    two_factor.set_required(db, Actor(cat, "Cat"), "1")
    response = enrolling.post("/signin/staff", data=dict(password, username="newt"))
    assert response.location == "/signin/staff/set-up"
    two_factor.set_required(db, Actor(cat, "Cat"), "0")
    return {"staff_2fa": client_maker(app, cookie_jar(app, signed_in)),
            "staff_pending": client_maker(app, cookie_jar(app, pending)),
            "staff_enrolling": client_maker(app, cookie_jar(app, enrolling))}


def partner_client(app, db, world) -> dict:
    """Pat, signed in for the world's partner organisation, which has one waiting referral
    (its page has the form to withdraw it; the staff partner page a sign-in to switch off)."""
    auth.create_user(db, "pat", "Pat Partner", "partner", PARTNER_PASSWORD, SYSTEM,
                     partner_id=world["partner"])
    client = app.test_client()
    assert sign_in_partner(client).status_code == 302
    world["partner_referral"] = waiting_list.submit(db, SYSTEM, {
        "referrer_name": "Pat", "first_name": "Doris", "contact_kind": "mobile",
        "contact": "07700900123", "reason": "Video calls"}, channel="partner",
        partner_id=world["partner"])
    return {"partner": client_maker(app, cookie_jar(app, client))}


@pytest.fixture
def lab(app, db, world, staff_client, volunteer_client, kiosk_client, tmp_path, monkeypatch):
    """The world, signed in as each role, discovered, and frozen as a template database."""
    # An unknown name is checked against a dummy hash (same time as a real one): a cheap one.
    monkeypatch.setattr(auth, "_DUMMY_HASH", auth.hasher.hash("not-a-real-secret"),
                        raising=False)
    # Recovery codes hashed cheaply too (a wrong one is checked against all eight), and a
    # sign-in part-way through that does not run out during the run (five minutes).
    monkeypatch.setattr(two_factor, "recovery_hasher", PasswordHasher(
        time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setattr(auth, "PENDING_SECONDS", 24 * 60 * 60)
    extra_clients = second_factor_clients(app, db) | partner_client(app, db, world)
    db.execute("update user_sessions set last_seen_at = ?", [FAR_FUTURE])
    clients = {"anon": client_maker(app, []),
               "kiosk": client_maker(app, cookie_jar(app, kiosk_client)),
               "volunteer": client_maker(app, cookie_jar(app, volunteer_client)),
               "staff": client_maker(app, cookie_jar(app, staff_client)), **extra_clients}
    for role, home in PAGES_AFTER_A_WRITE.items():  # every role is signed in, and stays so
        assert clients[role]().get(home).status_code == 200, f"{role} is not signed in"
    template = str(tmp_path / "template.db")  # before any page is opened: some pages write
    copy = sqlite3.connect(template)
    db.conn.backup(copy)
    copy.close()
    if not DISCOVERED:  # the world is the same in every test here: read its pages once
        cases = [(c.who, c.method, c.url, c.data) for c in CASES]
        listed = [form for area in AREAS for form in area.FORMS]
        extra = {role: [url.format(**world) for url in urls]
                 for role, urls in PAGES_OF_EXTRA_ROLES.items()}
        extra["staff"] = [url.format(**world) for area in AREAS
                          for url in getattr(area, "PAGES", ())]
        DISCOVERED.extend(catalogue.discover(app, db, world, clients, extra)
                          + catalogue.from_cases(app, cases, listed, world))
    found = DISCOVERED
    world_ids = [v for v in world.values() if isinstance(v, int)]
    the_lab = Lab(app, template, tmp_path)
    yield the_lab, targets_from(found), clients, world_ids
    the_lab.close()


# ---- one request -------------------------------------------------------------------------------


def requests(target: Target, common: dict):
    """(action, [(field, value)…], htmx?) for one form, its strategies built once."""
    plans = [(name, shapes.FieldPlan(target.fields[name], common))
             for name in sorted(target.fields)]
    return request_for(st.sampled_from(target.actions), plans, shapes.extra_fields(),
                       common["id"])


@st.composite
def request_for(draw, actions, plans, extras, ids):
    action = draw(actions)
    if re.search(r"/\d+(/|$)", action) and draw(shapes.TENTHS) == 9:
        other = draw(ids)  # another row's id, or no row's
        action = re.sub(r"/\d+(?=/|$)", "/" + other.replace("/", ""), action, count=1)
    calm = draw(shapes.COIN)
    pairs = [(name, value) for name, plan in plans
             for value in shapes.sent_values(draw, plan, calm)]
    pairs += draw(extras)
    return action, pairs, draw(shapes.TENTHS) < 2


def send(client, target: Target, action: str, pairs, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    if target.method == "GET":
        query = shapes.form_body(pairs).decode()
        return client.get(f"{action}?{query}", headers=headers)
    if target.multipart:
        data = {}
        for name, value in pairs:
            if isinstance(value, bytes):
                value = (io.BytesIO(value), "devices.csv")
            else:
                value = shapes.printable(value)
            data.setdefault(name, []).append(value)
        return client.post(action, data=data, headers=headers, content_type="multipart/form-data")
    return client.post(action, data=shapes.form_body(pairs), headers=headers,
                       content_type="application/x-www-form-urlencoded")


class Fuzzer:
    def __init__(self, lab: Lab, clients: dict):
        self.lab, self.clients = lab, clients
        self.posts = self.gets = 0

    def check(self, target: Target, action: str, pairs, htmx: bool):
        said = f"{target.role} {target.method} {action} {short(pairs, 600)}"
        try:
            response = send(self.clients[target.role](), target, action, pairs, htmx)
        except Exception as e:
            raise AssertionError(f"5xx (an exception) for {said}\n{traceback.format_exc()}") from e
        finally:
            if target.method == "GET":
                self.gets += 1
            else:
                self.posts += 1
        status = response.status_code
        assert status < 500, f"{status} for {said}"
        if not self.lab.written():
            return
        try:
            changes = self.lab.diff()
            if status >= 400 or target.method == "GET":
                allowed = ALLOWED_WRITES.get((target.endpoint, status))
                assert only_allowed(changes, allowed), (
                    f"{status} (rejected) but written to {sorted(changes)} for {said}\n"
                    f"{describe(changes)}")
                return
            problems = [p for table, (columns, added, _removed) in changes.items()
                        for row in added
                        for column, value in zip(columns, row, strict=True)
                        for p in garbage_in(value, f"{table}.{column}")]
            problems += over_limits(changes, target, pairs)
            unaudited = sorted(set(changes) - {"audit_log"} - NOT_AUDITED.keys())
            if unaudited and "audit_log" not in changes:
                problems.append(f"{unaudited} changed with no audit entry (half a change)")
            broken = self.lab.watch.execute("PRAGMA foreign_key_check").fetchall()
            problems += [f"foreign key broken: {row}" for row in broken]
            assert not problems, (f"stored garbage after {status} for {said}\n"
                                  + "\n".join(problems[:10]))
            self.pages_still_open(target, response, said)
        finally:
            self.lab.reset()

    def pages_still_open(self, target: Target, response, said: str):
        """Where the post leads (or the form's own page), and the role's home page."""
        location = response.headers.get("Location", "")
        pages = [location if location.startswith("/") else (target.pages or ["/"])[0],
                 PAGES_AFTER_A_WRITE[target.role]]
        client = self.clients[target.role]()
        for page in pages:
            try:
                status = client.get(page).status_code
            except Exception as e:
                raise AssertionError(f"{page} fails after {said}\n{traceback.format_exc()}") from e
            assert status < 500, f"{page} answers {status} after {said}"

    def run(self, target: Target, common: dict, examples: int):
        @settings(max_examples=examples, deadline=None, derandomize=SEED is None, database=None,
                  phases=[Phase.generate, Phase.shrink], print_blob=False,
                  suppress_health_check=list(HealthCheck))
        @given(request=requests(target, common))
        def fuzz(request):
            self.check(target, *request)

        if SEED is not None:
            fuzz = seed(int(SEED))(fuzz)

        fuzz()


# ---- the tests ---------------------------------------------------------------------------------


def test_every_post_rule_is_a_form_that_is_fuzzed(app, lab):
    _lab, targets, _clients, _ids = lab
    fuzzed = {endpoint for (_role, method, endpoint) in targets if method == "POST"}
    rules = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert not EXCLUDED.keys() - rules, "an exclusion names a rule that has gone"
    nowhere = sorted({(f.method, f.action) for f in DISCOVERED if not f.endpoint})
    assert not nowhere, f"forms that post where no rule answers: {nowhere}"
    missing = rules - fuzzed - EXCLUDED.keys()
    assert not missing, ("no form found for these POST rules: put the form on a page, add it "
                         "to an area's FORMS with a case, or exclude it with a reason: "
                         f"{sorted(missing)}")


def test_thousands_of_bad_inputs_never_break_anything(lab):
    the_lab, targets, clients, world_ids = lab
    fuzzer = Fuzzer(the_lab, clients)
    posting = [t for t in targets.values() if t.method == "POST"
               and t.endpoint not in EXCLUDED]
    each = math.ceil(POSTS * SLACK / len(posting))
    common = shapes.common_strategies(world_ids)
    failures, started, cpu, timings = [], time.monotonic(), time.process_time(), []
    for target in sorted(targets.values(), key=lambda t: t.name):
        if target.endpoint in EXCLUDED or ONLY not in target.name:
            continue
        began = time.monotonic()
        try:
            fuzzer.run(target, common, each if target.method == "POST" else GET_EXAMPLES)
        except Exception as e:  # noqa: BLE001 — gather every form's failure, then report
            failures.append(f"{target.name}: {e}")
        timings.append((time.monotonic() - began, target.name))
    took = time.monotonic() - started
    slowest = ", ".join(f"{name} {s:.1f}s" for s, name in sorted(timings)[-SLOWEST:])
    print(f"\n{fuzzer.posts} posts and {fuzzer.gets} GETs to {len(targets)} forms in "
          f"{took:.0f}s ({time.process_time() - cpu:.0f}s of CPU); slowest: {slowest}")
    assert not failures, "\n\n".join(failures)
    assert fuzzer.posts >= POSTS or ONLY, f"only {fuzzer.posts} posts"


# ---- what the fuzzing found, kept as plain examples ------------------------------------------

DUE = (lending.today() + timedelta(days=14)).isoformat()
SALE = {"outcome": "sold", "price": "60.00", "payment_method": "cash",
        "ticks": ["universal_credit"]}
# (who, where, what they sent, the stored value's query, what must be stored). Each was
# accepted and stored as typed, control characters and all, before the fix.
FOUND_STORED = {
    "kiosk-name": ("kiosk", "/kiosk/tickets", {"topic": "email", "name": "Ma\x00ry"},
                   "select name from tickets order by id desc limit 1", "Mary"),
    "kiosk-registered-name": (
        "staff", "/staff/kiosks", {"name": "Desk\x00 2", "venue": "{venue}"},
        "select name from kiosks order by id desc limit 1", "Desk 2"),
    "contact-note": ("staff", "/staff/loans/{loan}/contact",
                     {"channel": "phone", "note": "Left\x00 a message"},
                     "select note from loan_reminders order by id desc limit 1",
                     "Left a message"),
    "refurb-serial": ("staff", "/staff/refurb/{refurb_new}/details",
                      {"make": "", "model": "", "serial": "SN\x001"},
                      "select serial from refurb_devices where id = {refurb_new}", "SN1"),
    "check-in-notes": ("volunteer", "/volunteer/devices/{out}/check-in",
                       {"ok": ["accessories"], "notes": "\x1b[31mCracked\r\nscreen"},
                       "select return_notes from loans where id = {loan}",
                       "[31mCracked\nscreen"),
    "venue-accessibility": (
        "staff", "/staff/venues/{venue}",
        {"name": "Wigan Library", "kind": "library", "active": "yes",
         "accessibility": "Step-free\x00\r\nLift to floor 2"},
        "select accessibility from venues where id = {venue}", "Step-free\nLift to floor 2"),
    "cancel-reason": ("staff", "/staff/sessions/{session}/cancel",
                      {"reason": "Room\x00 flooded"},
                      "select cancel_reason from sessions where id = {session}",
                      "Room flooded"),
    "allocation-note": ("staff", "/staff/refurb/{refurb_ready}/allocate",
                        {**SALE, "note": "Paid\x00 in full"},
                        "select note from refurb_allocations order by id desc limit 1",
                        "Paid in full"),
    "agreement": ("staff", "/staff/agreement", {"text": "Look after\x00 it.\r\nBring it back."},
                  "select text from loan_agreements order by version desc limit 1",
                  "Look after it.\nBring it back."),
    "help-notes": ("volunteer", "/volunteer/tickets/{in_progress}",
                   {"topics": ["email"], "minutes": "10", "outcome": "solved",
                    "notes": "Set up\x00 email\r\nAll good"},
                   "select notes from tickets where id = {in_progress}",
                   "Set up email\nAll good"),
    "sim-rule": ("staff", "/staff/sims/rules",
                 {"required": "Aged 18\x08 or over", "one_of": "No internet", "repeat_months": "6"},
                 "select json_extract(criteria, '$[0].label') from eligibility_rule_sets "
                 "where scheme = 'sim' order by version desc limit 1", "Aged 18 or over"),
    "person-name": ("staff", "/staff/people",
                    {"username": "Dana\x08", "role": "volunteer", "secret": "4567"},
                    "select username from users order by id desc limit 1", "Dana"),
    # A form's one-time key is stored with the row it made: only keys the app could have made.
    "loan-request-id": ("volunteer", "/volunteer/devices/{free}/check-out",
                        {"who": "partner", "partner_id": "{partner}", "due_on": DUE,
                         "venue": "{venue}", "in_person": "yes", "request_id": "\x00"},
                        "select request_id from loans where device_id = {free}", None),
}


@pytest.mark.parametrize("found", FOUND_STORED.values(), ids=FOUND_STORED.keys())
def test_what_fuzzing_found_is_stored_clean(request, app, db, world, found):
    who, url, data, sql, expected = found
    client = request.getfixturevalue(f"{who}_client")
    response = client.post(url.format(**world), data={k: fill(v, world) for k, v in data.items()})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:1500]
    assert db.execute(sql.format(**world)).fetchone()[0] == expected
