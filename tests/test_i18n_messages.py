"""What the rules say to a resident or a volunteer comes out in the language of their screen:
the domain modules' messages, labels, days and plurals in Welsh, Polish and Urdu, and the
same British English as before everywhere else (outside a request, and on staff screens)."""

import html
from datetime import date, timedelta

import pytest
from flask import session

import formatting
import help_desk
import lending
import lockout
import tea_parties
import volunteers
from audit import Actor
from giveaways import eligibility, sims
from tests.conftest import sign_in_volunteer
from tests.test_volunteers import DAY, add_session, at
from validation import InvalidInput

pytestmark = pytest.mark.usefixtures("fast_hashing")

KIOSK = Actor(None, "kiosk: Front desk")


@pytest.fixture
def tablet(app):
    """`tablet(code)`: from now on the test runs as a request to a volunteer tablet screen
    (or `path`) whose person chose language `code`; each call is a new request."""
    contexts = []

    def in_language(code, path="/volunteer/"):
        if contexts:
            contexts.pop().pop()
        context = app.test_request_context(path)
        context.push()
        contexts.append(context)
        session["language"] = code

    yield in_language
    for context in contexts:
        context.pop()


def errors_of(call, *args, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as raised:
        call(*args, **kwargs)
    return raised.value.errors


def test_a_help_log_with_problems_is_explained_in_welsh(db, tablet):
    tablet("cy")
    errors = errors_of(help_desk.validate_help_log, db, [], "lots", "maybe", "n" * 1001)
    assert errors == {
        "topics": "Ticiwch o leiaf un peth y gwnaethoch chi helpu ag ef.",
        "minutes": "Rhowch nifer y munudau fel rhif o 1 i 480.",
        "outcome": "Dewiswch sut aeth hi.",
        "notes": "Gall nodiadau fod hyd at 1000 nod (1001 nawr).",
    }


def test_a_ticket_taken_by_someone_else_says_so_in_polish_with_its_state(db, venue, tablet):
    ticket = help_desk.create_ticket(db, venue, "email", "Mary", KIOSK)
    help_desk.take_ticket(db, ticket["id"], Actor(None, "Asha"))
    tablet("pl")
    with pytest.raises(help_desk.Conflict) as raised:
        help_desk.take_ticket(db, ticket["id"], Actor(None, "Bill"))
    assert str(raised.value) == "Bilet 1 ma teraz stan „W trakcie pomocy”."


def test_a_device_that_cannot_be_lent_is_refused_in_urdu(db, venue, tablet):
    device = lending.add_device(db, KIOSK, {"kind": "tablet", "status": "in_repair"})
    tablet("ur")
    with pytest.raises(lending.Conflict) as raised:
        lending.check_out(db, KIOSK, device, new_borrower={"name": "Mary"},
                          agreed_in_person=True, venue_id=venue,
                          due_on=(lending.today() + timedelta(days=14)).isoformat())
    assert str(raised.value) == "TAB-0001: مرمت میں، اس لیے ابھی ادھار نہیں دیا جا سکتا۔"
    assert errors_of(lending.check_out, db, KIOSK, device, venue_id=venue) == {
        "due_on": "براہ کرم چنیں: واپسی کی تاریخ۔",
        "borrower": "براہ کرم چنیں کہ اسے کون ادھار لے رہا ہے۔",
    }
    assert db["loans"].count == 0  # nothing half-written, whatever the language


def test_sim_refusals_and_the_councils_own_criteria_in_polish_and_welsh(db, venue, tablet):
    tablet("pl")
    assert errors_of(sims.sim_for_scan, db, "", venue) == {
        "scan": "Zeskanuj kod kreskowy karty SIM lub wpisz jej numer albo kod."}
    verdict = eligibility.assess(eligibility.current_rule_set(db, "sim"), ["age_18_plus"])
    assert sims.not_eligible_words(verdict) == (
        "Brak uprawnień według zasad urzędu: nadal potrzeba „Niski dochód (na przykład "
        "zasiłki)” oraz co najmniej jednego z: „Brak internetu w domu lub za mało”, "
        "„Brak internetu poza domem lub za mało”, „Nie stać mnie na abonament ani "
        "doładowanie”. Aby mimo to przekazać, napisz poniżej dlaczego.")
    tablet("cy")
    assert sims.sim_words({"iccid": "8944100000000000012", "voucher_code": None,
                           "network": "O2", "offer": "30GB"}) == "SIM O2 yn gorffen â 0012 (30GB)"


def test_a_criterion_the_council_wrote_itself_is_shown_as_written(tablet):
    tablet("cy")
    verdict = {"missing_required": ["Lives in Wigan"], "needs_one_of": []}
    assert "“Lives in Wigan”" in sims.not_eligible_words(verdict)


def test_signing_in_to_a_session_too_early_is_refused_in_welsh(db, venue, volunteer, tablet):
    party = add_session(db, venue, day=DAY, starts="14:00")
    tablet("cy")
    errors = errors_of(volunteers.sign_in, db, KIOSK, volunteer, party, now=at(DAY, "12:00"))
    assert errors == {"session": "Mae mewngofnodi i'r sesiwn hon yn agor am 13:00, awr cyn "
                                 "iddi ddechrau."}
    volunteers.sign_in(db, KIOSK, volunteer, party, now=at(DAY, "14:02"))
    errors = errors_of(volunteers.sign_in, db, KIOSK, volunteer, party, now=at(DAY, "14:30"))
    assert errors == {"session": "Rydych eisoes wedi mewngofnodi i'r sesiwn hon ers 14:02."}


def test_a_wrong_pin_at_the_tablet_sign_in_is_said_in_the_chosen_language(app, venue,
                                                                         volunteer):
    client = app.test_client()
    client.get("/language/pl?next=/signin/volunteer")
    response = sign_in_volunteer(client, venue, pin="9999")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 401
    assert "Nie rozpoznano imienia lub kodu PIN." in page
    assert "Name or PIN not recognised." not in page


def test_a_locked_tablet_account_says_so_in_urdu(app, venue, volunteer):
    client = app.test_client()
    client.get("/language/ur?next=/signin/volunteer")
    for _ in range(lockout.MAX_FAILED_SIGNINS):
        response = sign_in_volunteer(client, venue, pin="9999")
    page = html.unescape(response.get_data(as_text=True))
    assert "بہت زیادہ غلط کوششیں: یہ اکاؤنٹ 15 منٹ کے لیے بند ہے۔" in page


@pytest.mark.parametrize(("n", "days", "hours", "minutes"), [
    (1, "1 dzień", "1 godzina", "1 minuta"),
    (2, "2 dni", "2 godziny", "2 minuty"),
    (5, "5 dni", "5 godzin", "5 minut"),
    (12, "12 dni", "12 godzin", "12 minut"),
    (22, "22 dni", "22 godziny", "22 minuty"),
    (25, "25 dni", "25 godzin", "25 minut"),
])
def test_polish_plurals_pick_the_form_for_the_number(tablet, n, days, hours, minutes):
    tablet("pl")
    assert volunteers.days_words(n) == days
    assert volunteers.duration_words(n) == hours
    assert volunteers.duration_words(n / 60) == minutes


def test_welsh_and_urdu_durations_and_lockout_words(tablet):
    tablet("cy")
    assert volunteers.duration_words(1.5) == "1 awr 30 munud"
    assert volunteers.duration_words(2) == "2 awr"
    assert formatting.minutes(0.4) == "llai nag 1 mun"
    assert formatting.minutes(12.2) == "12 mun"
    tablet("ur")
    assert volunteers.duration_words(2) == "2 گھنٹے"
    assert volunteers.duration_words(1) == "1 گھنٹہ"
    tablet("pl")
    assert lockout.locked_words().startswith(
        "Za dużo błędnych prób: to konto jest zablokowane na 15 minut.")


def test_days_on_whats_on_and_the_tablet_follow_the_language(tablet):
    start = date(2027, 3, 1)
    tablet("cy", "/kiosk/")
    assert tea_parties.day_words(start, start) == "Heddiw"
    assert tea_parties.day_words(date(2027, 3, 3), start) == "Dydd Mercher, 3 Mawrth"
    tablet("pl")
    assert tea_parties.day_words(date(2027, 3, 2), start) == "Jutro"
    assert tea_parties.day_words(date(2028, 1, 4), start) == "wtorek, 4 stycznia 2028"
    assert volunteers.day_words(date(2027, 3, 14)) == "14 marca 2027"
    assert volunteers.dbs_status({"dbs_issued_on": "2024-03-20"}, 3, date(2027, 3, 1))[
        "words"] == "Odnowienie DBS za 19 dni, przed 20 marca 2027."


def test_english_outside_a_request_is_as_it_always_was(db):
    assert errors_of(help_desk.validate_help_log, db, [], "0", None, "") == {
        "topics": "Tick at least one thing you helped with.",
        "minutes": "Enter the minutes spent as a number from 1 to 480.",
        "outcome": "Choose how it went.",
    }
    assert volunteers.duration_words(1.5) == "1 hour 30 minutes"
    assert volunteers.duration_words(1 / 60) == "1 minute"
    assert volunteers.days_words(1) == "1 day"
    assert volunteers.day_words(date(2027, 3, 14)) == "14 March 2027"
    assert tea_parties.day_words(date(2028, 1, 4), date(2027, 3, 1)) == "Tuesday 4 January 2028"
    assert formatting.minutes(0.5) == "under 1 min" and formatting.minutes(1234) == "1234 min"
    assert lockout.locked_words() == lockout.LOCKED
    assert help_desk.STATUS_LABELS["in_progress"] == "Being helped"  # labels stay English


def test_staff_screens_stay_english_whatever_the_session_says(db, venue, tablet):
    ticket = help_desk.create_ticket(db, venue, "email", None, KIOSK)
    help_desk.take_ticket(db, ticket["id"], KIOSK)
    tablet("cy", "/staff/")
    with pytest.raises(help_desk.Conflict, match="Ticket 1 is now “Being helped”."):
        help_desk.take_ticket(db, ticket["id"], KIOSK)
    assert volunteers.day_words(date(2027, 3, 14)) == "14 March 2027"
