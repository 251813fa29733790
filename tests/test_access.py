"""Every URL in the app, walked from app.url_map: who may see what.

A new route is covered the day it is added: unless it is listed as public here, an anonymous
request must not get a page, and the staff, volunteer and partner areas are closed to each
other. A partner organisation's sign-in opens its own area and the public pages only, and
nowhere sees a learner, a borrower, a device or another organisation's referral.
"""

import re

import pytest

import help_desk
import learners
import lending
import waiting_list
from tests.conftest import SYSTEM

pytestmark = pytest.mark.usefixtures("fast_hashing")

PUBLIC_ENDPOINTS = {"home", "healthz", "auth.staff_signin", "auth.volunteer_signin",
                    "auth.partner_signin",
                    "auth.signout",
                    # a staff member's second step after the right password: see test_two_factor
                    "auth.staff_code", "auth.staff_recovery", "auth.staff_enrol",
                    "public.device",  # a label scanned by anyone: see test_staff_lending
                    "public.learner_card",  # a learner card scanned by anyone: says nothing
                    "public.whats_on",  # the kiosk's what's-on list, on a phone
                    "public.interest_reference",  # a kiosk reference's QR: says nothing
                    "languages.choose"}  # a language for this browser: see test_languages
PUBLIC_PREFIXES = ("kiosk.",)  # device-gated instead: see test_kiosk_routes_need_a_kiosk
EXPECTED_AREAS = {"staff": 5, "volunteer": 5, "kiosk": 5, "partner": 4}  # at least this many
SIGNIN_AREAS = ("volunteer", "partner")  # every other signed-in area is staff's
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")  # <converter(args):name> or <name>


def requests_for(app, prefix: str = ""):
    """(endpoint, method, url) for every rule: GET where it answers GET, else POST."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.endpoint.startswith(prefix):
            continue
        values = {name: 1 if converter == "int" else "x"
                  for converter, name in ARGUMENT.findall(rule.rule)}
        assert set(values) == rule.arguments, rule.rule
        for method in ("GET", "POST"):
            if method in rule.methods:
                found.append((rule.endpoint, method, adapter.build(rule.endpoint, values,
                                                                   method=method)))
    return found


def is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(PUBLIC_PREFIXES)


def test_the_walk_finds_every_area(app):
    endpoints = {endpoint for endpoint, _method, _url in requests_for(app)}
    for area, at_least in EXPECTED_AREAS.items():
        assert len([e for e in endpoints if e.startswith(area + ".")]) >= at_least, area
    assert {"home", "healthz", "auth.signout"} <= endpoints


def test_anonymous_people_get_only_public_pages(app, db, venue):
    opened = []
    for endpoint, method, url in requests_for(app):
        response = app.test_client().open(url, method=method)
        assert response.status_code < 500, (method, url, response.status_code)
        if response.status_code == 200 and not is_public(endpoint):
            opened.append((method, url))
    assert opened == []


def test_anonymous_requests_to_signed_in_areas_go_to_sign_in(app):
    for endpoint, method, url in requests_for(app):
        if is_public(endpoint):
            continue
        response = app.test_client().open(url, method=method)
        assert response.status_code == 302, (method, url)
        area = next((a for a in SIGNIN_AREAS if endpoint.startswith(a + ".")), "staff")
        assert response.headers["Location"].startswith(f"/signin/{area}"), (method, url)


def test_public_pages_answer_anonymous_people(app):
    client = app.test_client()
    for url in ("/", "/healthz", "/signin/staff", "/signin/volunteer", "/signin/partner"):
        assert client.get(url).status_code == 200, url
    assert client.post("/signout").status_code == 302


def test_kiosk_routes_need_a_kiosk(app, db, venue):
    requests = requests_for(app, "kiosk.")
    assert len(requests) >= 5
    for _endpoint, method, url in requests:
        response = app.test_client().open(url, method=method,
                                          data={"topic": "email"} if method == "POST" else None)
        assert response.status_code == 403, (method, url)
        assert "not set up as a kiosk" in response.get_data(as_text=True)
    assert db["tickets"].count == 0


def test_a_volunteer_cannot_open_any_staff_route(app, db, volunteer_client):
    tables = ("users", "kiosks", "devices", "loans", "borrowers", "partners", "audit_log")
    counts = [db[t].count for t in tables]
    requests = requests_for(app, "staff.")
    assert len(requests) >= 5
    for _endpoint, method, url in requests:
        data = {"name": "Tablet", "venue": "1", "username": "mallory", "role": "staff",
                "secret": "a long enough password"} if method == "POST" else None
        response = volunteer_client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "this page is for someone else" in response.get_data(as_text=True)
    assert [db[t].count for t in tables] == counts
    # Still signed in as a volunteer afterwards.
    assert volunteer_client.get("/volunteer/").status_code == 200


def test_staff_cannot_open_any_volunteer_route(app, db, staff_client):
    requests = requests_for(app, "volunteer.")
    assert len(requests) >= 5
    for _endpoint, method, url in requests:
        data = {"topic": "email"} if method == "POST" else None
        response = staff_client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    assert db["tickets"].count == 0
    assert staff_client.get("/staff/").status_code == 200


def test_htmx_requests_are_guarded_the_same_way(app, volunteer_client, staff_client):
    assert volunteer_client.get("/staff/", headers={"HX-Request": "true"}).status_code == 403
    assert staff_client.get("/volunteer/", headers={"HX-Request": "true"}).status_code == 403


# ---- the partner role ------------------------------------------------------------------------

OTHER_ORGANISATION_REFERRAL = "Ottoline"  # referred by another organisation
SOMEONE_ELSES = ("Zebedee", "Xanthe Borrower", "Quentin", "TAB-0001", "07700900456",
                 OTHER_ORGANISATION_REFERRAL, "Leigh Housing Trust")
FILLED = {"name": "Tablet", "venue": "1", "username": "mallory", "role": "staff",
          "secret": "a long enough password", "topic": "email", "first_name": "Mallory",
          "contact_kind": "mobile", "contact": "07700900999", "reason": "Because",
          "referrer_name": "Mallory", "removal_reason": "no_longer_needed"}
WATCHED = ("users", "kiosks", "devices", "loans", "borrowers", "partners", "learners",
           "tickets", "loan_referrals", "audit_log")


@pytest.fixture
def someone_elses_data(db, venue, staff):
    """Personal data a partner must never see, each row id 1 (the walk's ids are 1): a
    learner, a ticket, a borrower with a device on loan, and another organisation's
    referral."""
    learners.add_learner(db, SYSTEM, {"first_name": "Zebedee", "consent_keep": "yes"}, venue)
    help_desk.create_ticket(db, venue, "email", "Quentin", SYSTEM)
    device = lending.add_device(db, SYSTEM, {"kind": "tablet"})
    borrower = lending.add_borrower(db, SYSTEM, {"name": "Xanthe Borrower",
                                                 "contact_kind": "mobile",
                                                 "contact": "07700900456"})
    lending.check_out(db, SYSTEM, device, borrower_id=borrower, due_on="2030-01-01",
                      imported=True)
    other = db["partners"].insert({"name": "Leigh Housing Trust", "active": 1,
                                   "created_at": "2026-11-01T09:00:00+00:00"}).last_pk
    referral = waiting_list.submit(db, SYSTEM, {
        "partner": str(other), "referrer_name": "Lee", "first_name": OTHER_ORGANISATION_REFERRAL,
        "contact_kind": "mobile", "contact": "07700900456", "reason": "No device at home",
        "venue": str(venue)}, channel="phone")
    return {"referral": referral, "other_partner": other}


def counts(db) -> list[int]:
    return [db[t].count for t in WATCHED]


def test_a_partner_cannot_open_any_staff_or_volunteer_route(app, db, someone_elses_data,
                                                           partner_client):
    before = counts(db)
    requests = requests_for(app, "staff.") + requests_for(app, "volunteer.")
    assert len(requests) >= 10
    for _endpoint, method, url in requests:
        response = partner_client.open(url, method=method,
                                       data=FILLED if method == "POST" else None)
        assert response.status_code == 403, (method, url, response.status_code)
        page = response.get_data(as_text=True)
        assert "this page is for someone else" in page
        assert not [word for word in SOMEONE_ELSES if word in page], (method, url)
    assert counts(db) == before
    assert partner_client.get("/partner/").status_code == 200  # still signed in


def test_a_partner_is_no_kiosk(app, db, venue, partner_client):
    for _endpoint, method, url in requests_for(app, "kiosk."):
        response = partner_client.open(url, method=method,
                                       data={"topic": "email"} if method == "POST" else None)
        assert response.status_code == 403, (method, url)
    assert db["tickets"].count == 0


def test_a_partner_sees_no_learner_or_anyone_elses_data_anywhere(app, db, someone_elses_data,
                                                                 partner_client):
    """Every GET in the app, ids filled with the rows above: a partner gets a page only in
    their own area or a public one, and no page they get names anyone else's data."""
    opened = []
    for endpoint, method, url in requests_for(app):
        if method != "GET" or endpoint.startswith(PUBLIC_PREFIXES):
            continue  # the kiosk's pages need a kiosk (and start its session afresh)
        response = partner_client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        page = response.get_data(as_text=True)
        assert not [word for word in SOMEONE_ELSES if word in page], url
        if response.status_code == 200:
            opened.append(endpoint)
            assert is_public(endpoint) or endpoint.startswith("partner."), url
    assert "partner.index" in opened


def test_another_organisations_referral_is_not_found(app, db, someone_elses_data,
                                                     partner_client):
    """Not 403: a partner is not even told that another organisation's referral exists."""
    before = counts(db)
    for endpoint, method, url in requests_for(app, "partner."):
        if "/1" not in url:
            continue  # only routes that name a referral
        response = partner_client.open(url, method=method,
                                       data=FILLED if method == "POST" else None)
        assert response.status_code == 404, (endpoint, method, url, response.status_code)
        assert OTHER_ORGANISATION_REFERRAL not in response.get_data(as_text=True)
    assert counts(db) == before
    assert db["loan_referrals"].get(someone_elses_data["referral"])["status"] == "waiting"


def test_staff_and_volunteers_cannot_open_partner_routes(app, db, partner_org, staff_client,
                                                          volunteer_client):
    before = counts(db)
    requests = requests_for(app, "partner.")
    assert len(requests) >= 4
    for client in (staff_client, volunteer_client):
        for _endpoint, method, url in requests:
            response = client.open(url, method=method, data=FILLED if method == "POST" else None)
            assert response.status_code == 403, (method, url, response.status_code)
    assert counts(db) == before


def test_a_switched_off_organisation_opens_nothing(app, db, partner_org, partner_client):
    db["partners"].update(partner_org, {"active": 0})
    for _endpoint, method, url in requests_for(app, "partner."):
        response = partner_client.open(url, method=method)
        assert response.status_code == 403, (method, url)
