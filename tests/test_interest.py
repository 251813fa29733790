"""Interest registered at the kiosk's eligibility check (giveaways/interest.py): questions
from the council's current rules, what the answers suggest, and a registration written all
at once, once."""

import json
import re

import pytest

from audit import Actor
from giveaways import eligibility, interest
from validation import InvalidInput

KIOSK = Actor(None, "kiosk: Front desk")
STAFF = Actor(None, "test")
ALL_YES = {"sim.age_18_plus": True, "sim.low_income": True, "sim.one_of": True,
           "device.one_of": True}
JOAN = {"first_name": "Joan", "contact_kind": "mobile", "contact": "07700 900123"}


def answers(**changes) -> dict:
    return dict(ALL_YES, **{k.replace("__", "."): v for k, v in changes.items()})


def test_the_questions_come_from_the_current_rule_sets(db):
    questions = interest.questions(db)
    assert [q["id"] for q in questions] == list(ALL_YES)
    assert questions[0]["labels"] == ["Aged 18 or over"]
    assert questions[2]["group"] == "one_of"
    assert questions[2]["labels"] == ["No internet, or not enough, at home",
                                      "No internet, or not enough, when out and about",
                                      "Cannot afford a contract or top-up"]
    assert "Universal Credit" in questions[3]["labels"]


def test_a_new_rule_set_version_changes_the_questions_and_old_answers_start_again(db, venue):
    eligibility.save_rule_set(db, STAFF, "sim", {
        "required": "Aged 18 or over\nLives in Wigan borough",
        "one_of": "No internet, or not enough, at home", "repeat_months": "6"})
    questions = interest.questions(db)
    assert [q["id"] for q in questions] == ["sim.age_18_plus", "sim.lives_in_wigan_borough",
                                            "sim.one_of", "device.one_of"]
    assert questions[1]["labels"] == ["Lives in Wigan borough"]
    assert questions[2]["labels"] == ["No internet, or not enough, at home"]
    assert interest.clean_answers(db, ALL_YES) is None  # asked under the old rules
    new = {q["id"]: True for q in questions}
    assert interest.clean_answers(db, new) == new
    made = interest.register(db, KIOSK, venue, new, JOAN)
    assert made["sim_rule_set_id"] == eligibility.current_rule_set(db, "sim")["id"]
    assert made["sim_rule_set_id"] != made["device_rule_set_id"]


def test_rules_saved_while_someone_answers_make_them_start_again(db, venue):
    asked_under = sorted({q["rule_set_id"] for q in interest.questions(db)})
    sim = eligibility.current_rule_set(db, "sim")
    eligibility.save_rule_set(db, STAFF, "sim", {  # the "at least one" list reworded
        "required": "\n".join(c["label"] for c in sim["criteria"] if c["group"] == "required"),
        "one_of": "Cannot afford a contract or top-up", "repeat_months": "6"})
    assert interest.clean_answers(db, ALL_YES) == ALL_YES  # the same question ids…
    with pytest.raises(InvalidInput) as refused:  # …but not the same rules
        interest.register(db, KIOSK, venue, ALL_YES, JOAN, rule_set_ids=asked_under)
    assert refused.value.errors == {"answers": interest.NEED_ANSWERS}
    assert db["interest_registrations"].count == 0


def test_a_criterion_called_one_of_is_its_own_question(db):
    eligibility.save_rule_set(db, STAFF, "sim", {
        "required": "One of", "one_of": "No internet at home",
        "repeat_months": "6"})
    ids = [q["id"] for q in interest.questions(db)]
    assert ids == ["sim.one_of_2", "sim.one_of", "device.one_of"]


@pytest.mark.parametrize("given", [None, [], "yes", {}, {"sim.age_18_plus": True},
                                   dict(ALL_YES, extra=True), answers(sim__one_of="yes")])
def test_incomplete_or_odd_answers_are_never_guessed(db, given):
    assert interest.clean_answers(db, given) is None


@pytest.mark.parametrize(("given", "suggests"), [
    (ALL_YES, ["sim", "device"]),
    (answers(sim__age_18_plus=False), ["device"]),
    (answers(sim__one_of=False), ["device"]),
    (answers(device__one_of=False), ["sim"]),
    ({k: False for k in ALL_YES}, []),
])
def test_what_the_answers_suggest(db, given, suggests):
    assert interest.outcome(db, given)["suggests"] == suggests


def test_a_yes_to_at_least_one_of_does_not_claim_a_particular_one(db, venue):
    made = interest.register(db, KIOSK, venue, ALL_YES, JOAN)
    lines = interest.answer_lines(db, made)
    assert lines[2] == {"scheme": "sim", "yes": True, "question": (
        "At least one of: No internet, or not enough, at home; No internet, or not enough, "
        "when out and about; Cannot afford a contract or top-up")}
    assert interest.required_ticks(db, made, "sim") == ["age_18_plus", "low_income"]


def test_register_writes_the_answers_and_one_contact(db, venue):
    made = interest.register(db, KIOSK, venue, answers(sim__low_income=False), JOAN)
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", made["reference"])
    row = db["interest_registrations"].get(made["id"])
    assert (row["first_name"], row["contact_kind"], row["contact"]) == ("Joan", "mobile",
                                                                        "07700900123")
    assert json.loads(row["suggests"]) == ["device"]
    assert json.loads(row["answers"])["sim.low_income"] is False
    assert row["status"] == "new" and row["venue_id"] == venue
    (entry,) = db["audit_log"].rows_where("action = 'interest.register'")
    assert entry["actor"] == "kiosk: Front desk"
    assert "Joan" not in entry["after"] and "07700" not in entry["after"]  # least data


def test_i_will_come_back_keeps_no_contact(db, venue):
    made = interest.register(db, KIOSK, venue, ALL_YES,
                             {"first_name": "", "contact_kind": "come_back",
                              "contact": "07700 900123"})
    assert (made["first_name"], made["contact_kind"], made["contact"]) == (None, "come_back",
                                                                            None)


@pytest.mark.parametrize(("form", "errors"), [
    ({"first_name": "", "contact_kind": "mobile", "contact": "07700 900123"},
     {"first_name": "Please type your first name."}),
    ({"first_name": "Joan", "contact_kind": "mobile", "contact": "  "},
     {"contact": "Please type your phone number or email address."}),
    ({"first_name": "Joan", "contact_kind": "", "contact": "07700 900123"},
     {"contact_kind": "Please choose how we can reach you, or tap “I'll come back”."}),
    ({"first_name": "Joan", "contact_kind": "mobile", "contact": "01942 123456"},
     {"contact": "Please give a UK mobile number, like 07700 900123."}),
    ({"first_name": "Joan", "contact_kind": "email", "contact": "joan@"},
     {"contact": "Please give an email address like name@example.com."}),
    ({"first_name": "J" * 41, "contact_kind": "come_back"},
     {"first_name": "Please use 40 characters or fewer."}),
])
def test_bad_details_say_what_is_wrong_and_write_nothing(db, venue, form, errors):
    with pytest.raises(InvalidInput) as raised:
        interest.register(db, KIOSK, venue, ALL_YES, form)
    assert raised.value.errors == errors
    assert db["interest_registrations"].count == 0 and db["audit_log"].count == 0


def test_answers_wiped_half_way_write_nothing(db, venue):
    with pytest.raises(InvalidInput) as raised:
        interest.register(db, KIOSK, venue, {"sim.age_18_plus": True}, JOAN,
                          request_id="abc")
    assert raised.value.errors == {"answers": interest.NEED_ANSWERS}
    assert db["interest_registrations"].count == 0


def test_a_double_tap_makes_one_registration(db, venue):
    first = interest.register(db, KIOSK, venue, ALL_YES, JOAN, request_id="tap-1")
    again = interest.register(db, KIOSK, venue, ALL_YES, JOAN, request_id="tap-1")
    # The kiosk forgets the answers after the first tap: the second still finds it.
    late = interest.register(db, KIOSK, venue, None, {}, request_id="tap-1")
    assert first["id"] == again["id"] == late["id"]
    assert db["interest_registrations"].count == 1
    assert db["audit_log"].count_where("action = 'interest.register'") == 1
    other = interest.register(db, KIOSK, venue, ALL_YES, JOAN, request_id="tap-2")
    assert other["id"] != first["id"] and other["reference"] != first["reference"]


def test_references_are_readable_and_unique(db, venue, monkeypatch):
    seen = {interest.register(db, KIOSK, venue, ALL_YES, JOAN)["reference"]
            for _ in range(30)}
    assert len(seen) == 30
    for reference in seen:
        assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", reference)
        assert not set(reference) & set("0O1IL2Z5S8B")  # nothing to mix up when read aloud
    # A clash with a reference already given is drawn again.
    taken = next(iter(seen)).replace("-", "")
    draws = iter(taken + "ACDEFH")
    monkeypatch.setattr(interest.secrets, "choice", lambda _alphabet: next(draws))
    assert interest._reference(db) == "ACD-EFH"


@pytest.mark.parametrize(("typed", "reference"), [
    ("K7R-4MX", "K7R-4MX"), ("k7r4mx", "K7R-4MX"), (" k7r 4mx ", "K7R-4MX"),
    ("/i/K7R-4MX", "K7R-4MX"), ("https://doorstep.example.org/i/k7r-4mx", "K7R-4MX"),
    ("https://doorstep.example.org/i/K7R-4MX?utm_source=qr#top", "K7R-4MX"),
    ("/d/K7R-4MX", ""), ("https://doorstep.example.org/K7R-4MX", ""),  # not our QR address
    ("K7R-4M", ""), ("K7R-4MXX", ""), ("O0Q-4MX", ""), ("", ""), (None, ""),
    ("K7R-4M\u0425", ""),  # a Cyrillic look-alike
])
def test_normal_reference(typed, reference):
    assert interest.normal_reference(typed) == reference


def test_by_reference_finds_it_however_it_was_typed(db, venue):
    made = interest.register(db, KIOSK, venue, ALL_YES, JOAN)
    typed = made["reference"].lower().replace("-", " ")
    assert interest.by_reference(db, typed)["id"] == made["id"]
    assert interest.by_reference(db, "nonsense") is None


@pytest.mark.parametrize(("typed", "kind"), [
    ("joan@example.com", "email"), ("07700 900123", "mobile"), ("+44 7700 900123", "mobile"),
    ("01942 123456", "landline"), ("+44 1942 123456", "landline"), ("0300 123 4567", "landline"),
    ("", "mobile"), ("hello", "mobile"),
])
def test_one_box_for_a_phone_number_or_email(typed, kind):
    assert interest.contact_kind_for(typed) == kind
