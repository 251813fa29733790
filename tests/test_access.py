"""Every URL in the app, walked from app.url_map: who may see what.

A new route is covered the day it is added: unless it is listed as public here, an anonymous
request must not get a page, and the staff and volunteer areas are closed to each other.
"""

import re

import pytest

pytestmark = pytest.mark.usefixtures("fast_hashing")

PUBLIC_ENDPOINTS = {"home", "healthz", "auth.staff_signin", "auth.volunteer_signin",
                    "auth.signout",
                    # a staff member's second step after the right password: see test_two_factor
                    "auth.staff_code", "auth.staff_recovery", "auth.staff_enrol",
                    "public.device",  # a label scanned by anyone: see test_staff_lending
                    "public.learner_card",  # a learner card scanned by anyone: says nothing
                    "public.whats_on",  # the kiosk's what's-on list, on a phone
                    "languages.choose"}  # a language for this browser: see test_languages
PUBLIC_PREFIXES = ("kiosk.",)  # device-gated instead: see test_kiosk_routes_need_a_kiosk
EXPECTED_AREAS = {"staff": 5, "volunteer": 5, "kiosk": 5}  # at least this many routes each
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
        area = "volunteer" if endpoint.startswith("volunteer.") else "staff"
        assert response.headers["Location"].startswith(f"/signin/{area}"), (method, url)


def test_public_pages_answer_anonymous_people(app):
    client = app.test_client()
    for url in ("/", "/healthz", "/signin/staff", "/signin/volunteer"):
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
