"""Lending and free SIMs in the volunteer's language on the tablet, and still in English on
the staff desk for the same action (the screens and templates are shared)."""

import json
from datetime import timedelta
from html import unescape

import pytest
from babel import Locale
from babel.dates import format_date

import i18n
import languages
import lending
from audit import Actor
from giveaways import sims
from tests.conftest import sign_in_volunteer
from tests.test_sims import ELIGIBLE, add_stock, iccid

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")
SIGNATURE = json.dumps([[[10, 10], [60, 50], [120, 30]]])


def text(response) -> str:
    """The page's words as a person reads them (entities such as &#39; decoded)."""
    return unescape(response.get_data(as_text=True))


def words(code, msgid, **values) -> str:
    """What a screen in language `code` says for `msgid`."""
    found = languages.translations_for(code)
    said = found.gettext(msgid) if found else msgid
    return said % values if values else said


def speak(client, code, back="/volunteer/scan"):
    assert client.get(f"/language/{code}?next={back}").status_code == 303


@pytest.fixture
def devices(db):
    return [lending.add_device(db, ACTOR, {"kind": "tablet", "accessories": ["charger", "case"]})
            for _ in range(2)]


def lend(client, area, device, venue, due):
    return client.post(f"/{area}/devices/{device}/check-out", data={
        "who": "resident", "name": "Joan", "due_on": due.isoformat(), "venue": str(venue),
        "signature": SIGNATURE}, follow_redirects=True)


def test_every_language_has_the_lending_and_sim_screens(app, volunteer_client, devices):
    codes = [language.code for language in languages.available(app)]
    assert {"en", "cy", "pl", "ur"} <= set(codes)
    for code in codes:
        speak(volunteer_client, code)
        scan = text(volunteer_client.get("/volunteer/scan"))
        assert f"<h1>{words(code, 'Scan a device')}</h1>" in scan
        assert words(code, "Device label or tag") in scan
        lend_page = text(volunteer_client.get(f"/volunteer/devices/{devices[0]}/check-out"))
        assert words(code, "Who is borrowing it?") in lend_page
        assert words(code, "Signature box") in lend_page
        assert words(code, "Tablet") in lend_page  # the seeded kind, translated
        sim_page = text(volunteer_client.get("/volunteer/sims/give"))
        assert words(code, "Scan the barcode on the SIM card with the scanner or the "
                           "camera, or type its number or the voucher code.") in sim_page
        if code != "en":
            assert words(code, "Scan a device") != "Scan a device", code
    speak(volunteer_client, "ur")
    assert 'dir="rtl"' in text(volunteer_client.get("/volunteer/scan"))


def test_a_loan_in_polish_on_the_tablet_and_in_english_at_the_desk(
        app, volunteer_client, staff_client, db, venue, devices):
    due = lending.today() + timedelta(days=14)
    speak(volunteer_client, "pl")
    lent = lend(volunteer_client, "volunteer", devices[0], venue, due)
    polish = Locale.parse("pl")
    polish_day = format_date(due, i18n._day_pattern(polish), locale=polish)
    assert words("pl", "%(tag)s is on loan until %(day)s.", tag="TAB-0001",
                 day=polish_day) in text(lent)
    assert lending.open_loan(db, devices[0])["holder"] == "Joan"

    staff_lent = text(lend(staff_client, "staff", devices[1], venue, due))
    assert "TAB-0002 is on loan until" in staff_lent and "wypożyczony" not in staff_lent
    desk_form = text(staff_client.get(f"/staff/devices/{devices[1]}/check-in"))
    assert "It went out with: Charger and Case." in desk_form
    assert "Lent to Joan, due back " in desk_form


def test_take_back_messages_in_urdu_and_english(volunteer_client, staff_client, db, venue,
                                                devices):
    speak(volunteer_client, "ur")
    nothing = text(volunteer_client.get(f"/volunteer/devices/{devices[0]}/check-in",
                                        follow_redirects=True))
    assert words("ur", "%(tag)s is not on loan, so there is nothing to check in.",
                 tag="TAB-0001") in nothing
    staff_nothing = text(staff_client.get(f"/staff/devices/{devices[0]}/check-in",
                                          follow_redirects=True))
    assert "TAB-0001 is not on loan, so there is nothing to check in." in staff_nothing

    lending.check_out(db, ACTOR, devices[0], new_borrower={"name": "Joan"},
                      due_on=(lending.today() + timedelta(days=7)).isoformat(), imported=True)
    form = text(volunteer_client.get(f"/volunteer/devices/{devices[0]}/check-in"))
    assert words("ur", "Tick each thing you have checked") in form
    back = volunteer_client.post(f"/volunteer/devices/{devices[0]}/check-in", data={
        "ok": list(lending.checklist_for(db, lending.get_device(db, devices[0])))},
        follow_redirects=True)
    assert words("ur", "%(tag)s is checked in and available to lend.", tag="TAB-0001") \
        in text(back)
    assert lending.open_loan(db, devices[0]) is None


def test_a_device_that_cannot_be_lent_says_so_in_welsh(volunteer_client, staff_client, db,
                                                      devices):
    db["devices"].update(devices[0], {"status": "in_repair"})
    speak(volunteer_client, "cy")
    said = text(volunteer_client.post("/volunteer/scan", data={"scan": "TAB-0001"},
                                      follow_redirects=True))
    assert words("cy", "%(tag)s is in repair, so it cannot be lent or checked in.",
                 tag="TAB-0001") in said
    said = text(staff_client.post("/staff/scan", data={"scan": "TAB-0001"},
                                  follow_redirects=True))
    assert "TAB-0001 is in repair, so it cannot be lent or checked in." in said


def test_a_sim_given_in_welsh_then_in_english_at_the_desk(app, db, venue, volunteer_client,
                                                         staff_client):
    add_stock(db, venue, 2)
    speak(volunteer_client, "cy", "/volunteer/sims/give")
    form = {"stage": "give", "ticks": ELIGIBLE, "who": "household", "house": "12",
            "postcode": "WN5 0AB", "request_id": ""}
    done = text(volunteer_client.post("/volunteer/sims/give", data={**form, "scan": iccid(0)},
                                      follow_redirects=True))
    assert f"<h1>{words('cy', 'SIM given')}</h1>" in done
    assert words("cy", "A household in %(area)s", area="WN5") in done
    end = sims.add_months(lending.today(), 12)
    assert format_date(end, "long", locale="cy") in done  # "… Tachwedd 2027" etc.

    # Not eligible: the reason box appears whatever language the refusal is in.
    short = volunteer_client.post("/volunteer/sims/give", data={
        **form, "scan": iccid(1), "ticks": ELIGIBLE[:1], "house": "14"})
    assert short.status_code == 422
    assert words("cy", "Reason to give it anyway (kept in the audit log)") in text(short)
    assert db["sim_giveaways"].count == 1

    desk = text(staff_client.post("/staff/sims/give", data={**form, "scan": iccid(1),
                                                            "house": "16"},
                                  follow_redirects=True))
    assert "<h1>SIM given</h1>" in desk and "A household in WN5" in desk
    assert format_date(end, "long", locale="en_GB") in desk


def test_the_language_stays_with_the_volunteers_session(app, db, venue, volunteer):
    """Another tablet's choice does not leak: a fresh sign-in speaks the default."""
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        sign_in_volunteer(client, venue)
    speak(first, "pl")
    assert words("pl", "Scan a device") in text(first.get("/volunteer/scan"))
    assert "<h1>Scan a device</h1>" in text(second.get("/volunteer/scan"))
