"""Shared fixtures: a fresh file database under tmp_path for every test, and people in it."""

import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet

import auth
import db as dbmod
from app import create_app
from audit import Actor

SYSTEM = Actor(None, "test")
STAFF_PASSWORD = "correct horse battery"
TEST_DATA_KEY = Fernet.generate_key().decode()  # never the repo's instance/data_key


def make_app(tmp_path, **config):
    path = tmp_path / "doorstep.db"
    dbmod.migrate_database(path)
    settings = {"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test-secret",
                "WTF_CSRF_ENABLED": False, "DATA_KEY": TEST_DATA_KEY}
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def fast_hashing(monkeypatch):
    """Argon2 with the cheapest parameters, for tests that create or sign in many people.
    Hashes still verify the same way; only the cost differs. Use it before people fixtures:
    `pytestmark = pytest.mark.usefixtures("fast_hashing")`."""
    monkeypatch.setattr(auth, "hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                       parallelism=1))


@pytest.fixture
def db(app):
    database = dbmod.connect(app.config["DATABASE"])
    yield database
    database.conn.close()


@pytest.fixture
def venue(db):
    return db["venues"].insert({"name": "Wigan Library", "kind": "library"}).last_pk


@pytest.fixture
def other_venue(db):
    return db["venues"].insert({"name": "Leigh Library", "kind": "library"}).last_pk


@pytest.fixture
def staff(db):
    return auth.create_user(db, "sam", "Sam Staff", "staff", STAFF_PASSWORD, SYSTEM)


@pytest.fixture
def volunteer(db):
    return auth.create_user(db, "Asha", "Asha", "volunteer", "1234", SYSTEM)


@pytest.fixture
def volunteer2(db):
    return auth.create_user(db, "Bill", "Bill", "volunteer", "2345", SYSTEM)


PARTNER_PASSWORD = "a partner's password"


@pytest.fixture
def partner_org(db):
    """A partner organisation that refers people for device loans."""
    return db["partners"].insert({"name": "Wigan Age Concern", "active": 1,
                                  "created_at": "2026-11-01T09:00:00+00:00"}).last_pk


@pytest.fixture
def partner_user(db, partner_org):
    return auth.create_user(db, "pat", "Pat Partner", "partner", PARTNER_PASSWORD, SYSTEM,
                            partner_id=partner_org)


def sign_in_partner(client, username="pat", password=PARTNER_PASSWORD):
    return client.post("/signin/partner", data={"username": username, "password": password})


@pytest.fixture
def partner_client(app, partner_user):
    client = app.test_client()
    assert sign_in_partner(client).status_code == 302
    return client


def sign_in_staff(client, username="sam", password=STAFF_PASSWORD):
    return client.post("/signin/staff", data={"username": username, "password": password})


def sign_in_volunteer(client, venue_id, name="Asha", pin="1234"):
    return client.post("/signin/volunteer", data={"name": name, "pin": pin, "venue": venue_id})


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    assert sign_in_staff(client).status_code == 302
    return client


@pytest.fixture
def volunteer_client(app, venue, volunteer):
    client = app.test_client()
    assert sign_in_volunteer(client, venue).status_code == 302
    return client


@pytest.fixture
def kiosk_client(app, db, venue, staff):
    token = auth.register_kiosk(db, "Front desk", venue, Actor(staff, "Sam Staff"))
    client = app.test_client()
    client.set_cookie(auth.KIOSK_COOKIE, token)
    return client
