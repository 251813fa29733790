"""Volunteers as rules: DBS status at its exact boundaries, the council's re-check period,
profiles and training, signing in and out, corrections in the audit log, hours sums and
the financial year. Bad input writes nothing."""

import json
from datetime import date, datetime, time, timedelta

import pytest

import lending
import volunteers
from audit import Actor, history, stamp
from help_desk import LOCAL_TZ
from staff import volunteers as staff_screens
from validation import InvalidInput
from volunteer import shifts as tablet_screens

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")
DAY = date(2027, 3, 2)  # a Tuesday in GMT


def at(day: date, hhmm: str) -> datetime:
    """A wall-clock time on a local day, as an aware datetime."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


NOW = at(DAY, "14:02")


def add_session(db, venue_id, day: date = DAY, starts="14:00", ends="16:00", slots=2,
                requires_dbs=False, title="Tech tea party", cancelled=False) -> int:
    """A one-off session straight into the tables (tea_parties.py plans the real ones)."""
    series_id = db["session_series"].insert({
        "title": title, "kind": "tea_party", "venue_id": venue_id, "repeat": "none",
        "first_day": day.isoformat(), "last_day": day.isoformat(), "starts": starts,
        "ends": ends, "volunteer_slots": slots, "requires_dbs": int(requires_dbs),
        "created_at": "2027-01-01T00:00:00+00:00"}).last_pk
    return db["sessions"].insert({
        "series_id": series_id, "venue_id": venue_id, "title": title, "kind": "tea_party",
        "day": day.isoformat(), "starts_at": stamp(at(day, starts)),
        "ends_at": stamp(at(day, ends)), "volunteer_slots": slots,
        "requires_dbs": int(requires_dbs),
        "cancelled_at": "2027-01-02T00:00:00+00:00" if cancelled else None}).last_pk


def session_around(db, venue_id, now: datetime, **kwargs) -> int:
    """A session on now's local day, open for sign-in from an hour before `now` to two hours
    after it, whatever the time of day (for views and the bad-input world, which run on the
    real clock)."""
    session_id = add_session(db, venue_id, day=lending.today(now), **kwargs)
    db["sessions"].update(session_id, {"starts_at": stamp(now - timedelta(minutes=30)),
                                       "ends_at": stamp(now + timedelta(hours=2))})
    return session_id


class Clock:
    """A clock the tests move by hand: `clock.now += timedelta(hours=1)`."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def freeze(monkeypatch, now: datetime) -> Clock:
    """Stop the clock for the volunteers rules and the screens built on them."""
    clock = Clock(now)
    for module in (volunteers, tablet_screens, staff_screens):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


def set_dbs(db, user_id, issued: date | None, update_service=False) -> None:
    db["volunteer_profiles"].upsert({"user_id": user_id, "dbs_certificate": "001234567890",
                                     "dbs_issued_on": issued.isoformat() if issued else None,
                                     "dbs_update_service": int(update_service)}, pk="user_id")


def counts(db) -> tuple:
    return (db["volunteer_shifts"].count, db["audit_log"].count,
            [tuple(r) for r in db.execute("select * from volunteer_shifts order by id")])


# ---------------------------------------------------------------- DBS status

LAPSES = date(2027, 3, 2)
PROFILE = {"dbs_issued_on": "2024-03-02"}  # lapses on 2027-03-02 with a 3-year re-check


@pytest.mark.parametrize(("days_before", "state"), [
    (61, "ok"), (60, "due_60"), (31, "due_60"), (30, "due_30"), (8, "due_30"), (7, "due_7"),
    (1, "due_7"), (0, "lapsed"), (-1, "lapsed"), (-400, "lapsed")])
def test_dbs_state_at_each_boundary(days_before, state):
    status = volunteers.dbs_status(PROFILE, 3, LAPSES - timedelta(days=days_before))
    assert status["state"] == state
    assert status["lapses_on"] == LAPSES
    assert status["days_left"] == days_before


def test_dbs_words_say_when(db):
    def words(days_before):
        return volunteers.dbs_status(PROFILE, 3, LAPSES - timedelta(days=days_before))["words"]

    assert words(61) == "DBS check up to date (re-check due before 2 March 2027)."
    assert words(30) == "DBS re-check due in 30 days, before 2 March 2027."
    assert words(1) == "DBS re-check due in 1 day, before 2 March 2027."
    assert words(0) == "DBS check lapsed on 2 March 2027."


def test_no_dbs_is_missing_not_lapsed():
    for profile in (None, {}, {"dbs_issued_on": None}):
        status = volunteers.dbs_status(profile, 3, DAY)
        assert status["state"] == "missing" and status["lapses_on"] is None
        assert status["words"] == "No DBS check recorded."


def test_a_leap_day_certificate_lapses_on_the_28th():
    status = volunteers.dbs_status({"dbs_issued_on": "2024-02-29"}, 3, date(2027, 2, 27))
    assert status["lapses_on"] == date(2027, 2, 28) and status["state"] == "due_7"
    assert volunteers.dbs_status({"dbs_issued_on": "2024-02-29"}, 4,
                                 DAY)["lapses_on"] == date(2028, 2, 29)


# ---------------------------------------------------------------- the council's re-check period


def test_recheck_period_defaults_to_three_years_and_is_audited(db, staff):
    assert volunteers.recheck_years(db) == 3
    actor = Actor(staff, "Sam Staff")
    assert volunteers.set_recheck_years(db, actor, " 2 ") == 2
    assert volunteers.recheck_years(db) == 2
    row = db["settings"].get("dbs_recheck_years")
    assert (row["value"], row["updated_by"]) == ("2", staff)
    entry = history(db, "settings", "dbs_recheck_years")[-1]
    assert entry["action"] == "setting.update" and entry["actor_id"] == staff
    assert json.loads(entry["before"]) == {"value": 3}
    assert json.loads(entry["after"]) == {"value": 2}
    volunteers.set_recheck_years(db, actor, "2")  # the same again: nothing to record
    assert len(history(db, "settings", "dbs_recheck_years")) == 1


@pytest.mark.parametrize("value", ["0", "11", "abc", "2.5", "", "-1", "３", None])
def test_recheck_period_must_be_1_to_10_years(db, staff, value):
    before = db["audit_log"].count
    with pytest.raises(InvalidInput) as e:
        volunteers.set_recheck_years(db, Actor(staff, "Sam"), value)
    assert e.value.errors == {"years": "Please give a whole number of years from 1 to 10."}
    assert volunteers.recheck_years(db) == 3 and db["audit_log"].count == before


def test_the_recheck_period_moves_the_lapse_date(db, volunteer):
    set_dbs(db, volunteer, date(2024, 3, 10))
    assert volunteers.dbs_for(db, volunteer, DAY)["state"] == "due_30"
    volunteers.set_recheck_years(db, ACTOR, "5")
    status = volunteers.dbs_for(db, volunteer, DAY)
    assert (status["state"], status["lapses_on"]) == ("ok", date(2029, 3, 10))


def test_dbs_warnings_list_the_urgent_first(db, volunteer, volunteer2):
    carol = db["users"].insert({"username": "Carol", "display_name": "Carol",
                                "role": "volunteer", "secret_hash": "x"}).last_pk
    db["users"].insert({"username": "Dan", "display_name": "Dan", "role": "volunteer",
                        "secret_hash": "x"})  # no DBS recorded
    set_dbs(db, volunteer, date(2024, 4, 20))  # Asha: 49 days left
    set_dbs(db, volunteer2, date(2024, 3, 1))  # Bill: lapsed yesterday
    set_dbs(db, carol, date(2025, 1, 1))  # Carol: fine
    warnings = volunteers.dbs_warnings(db, DAY)
    assert [(w["display_name"], w["dbs"]["state"]) for w in warnings] == [
        ("Bill", "lapsed"), ("Asha", "due_60")]
    everyone = [v["display_name"] for v in volunteers.volunteers(db, DAY)]
    assert everyone == ["Bill", "Asha", "Dan", "Carol"]  # warnings, then missing, then ok


# ---------------------------------------------------------------- profiles and training


def profile_form(**overrides) -> dict:
    form = {"phone": "07700 900123", "email": "asha@example.com",
            "dbs_certificate": "0012 3456 7890", "dbs_issued_on": "2026-01-15",
            "dbs_update_service": "yes", "notes": "Speaks Gujarati.", "venues": []}
    form.update(overrides)
    return form


def test_saving_a_profile_tidies_it_and_audits_what_changed(db, staff, volunteer, venue,
                                                            other_venue):
    actor = Actor(staff, "Sam Staff")
    volunteers.save_profile(db, actor, volunteer,
                            profile_form(venues=[str(venue), str(other_venue)]), now=NOW)
    person = volunteers.get_volunteer(db, volunteer)
    assert person["phone"] == "07700900123" and person["dbs_certificate"] == "001234567890"
    assert person["dbs_update_service"] == 1 and person["venue_ids"] == [venue, other_venue]
    assert [v["name"] for v in person["venues"]] == ["Leigh Library", "Wigan Library"]
    volunteers.save_profile(db, actor, volunteer, profile_form(venues=[str(venue)], notes=""),
                            now=NOW)
    entries = history(db, "volunteer_profiles", volunteer)
    assert [e["action"] for e in entries] == ["volunteer_profile.update"] * 2
    assert json.loads(entries[1]["before"]) == {"notes": "Speaks Gujarati.",
                                                "venues": [venue, other_venue]}
    assert json.loads(entries[1]["after"]) == {"notes": None, "venues": [venue]}
    assert [r["venue_id"] for r in db["volunteer_venues"].rows] == [venue]


@pytest.mark.parametrize(("overrides", "errors"), [
    ({"phone": "12345"}, {"phone": "Please give a UK phone number, like 01942 123456."}),
    ({"email": "asha at home"}, {"email": "Please give an email address like name@example.com."}),
    ({"dbs_certificate": "1234 5678"}, {"dbs_certificate": volunteers.BAD_CERTIFICATE}),
    ({"dbs_certificate": "0012-3456-7890"}, {"dbs_certificate": volunteers.BAD_CERTIFICATE}),
    ({"dbs_certificate": "０" * 12}, {"dbs_certificate": volunteers.BAD_CERTIFICATE}),
    ({"dbs_issued_on": "2027-03-03"}, {"dbs_issued_on": "The issue date cannot be in the future."}),
    ({"dbs_issued_on": "15/01/2026"},
     {"dbs_issued_on": "Please give the date as year-month-day, for example 2026-12-24."}),
    ({"dbs_issued_on": ""}, {"dbs_issued_on": "Please give the date the certificate was issued."}),
    ({"dbs_certificate": ""}, {"dbs_certificate": "Please give the certificate number too."}),
    ({"venues": ["999"]}, {"venues": "Please choose venues from the list."}),
    ({"venues": ["abc"]}, {"venues": "Please choose venues from the list."}),
    ({"notes": "n" * 1001}, {"notes": "Please use 1000 characters or fewer."}),
])
def test_a_bad_profile_says_why_and_writes_nothing(db, volunteer, overrides, errors):
    with pytest.raises(InvalidInput) as e:
        volunteers.save_profile(db, ACTOR, volunteer, profile_form(**overrides), now=NOW)
    assert e.value.errors == errors
    assert db["volunteer_profiles"].count == 0 and db["volunteer_venues"].count == 0
    assert history(db, "volunteer_profiles", volunteer) == []


def test_staff_are_not_volunteers(db, staff):
    assert volunteers.get_volunteer(db, staff) is None
    with pytest.raises(InvalidInput):
        volunteers.save_profile(db, ACTOR, staff, profile_form(), now=NOW)


def test_training_is_added_and_removed_with_the_audit_log_keeping_it(db, staff, volunteer):
    actor = Actor(staff, "Sam Staff")
    first = volunteers.add_training(db, actor, volunteer, {
        "course": "Safeguarding  adults", "completed_on": "2026-05-01",
        "expires_on": "2027-03-01"}, now=NOW)
    volunteers.add_training(db, actor, volunteer, {
        "course": "Digital Champion (Digital Champions Network)",
        "completed_on": "2026-09-01"}, now=NOW)
    rows = volunteers.training(db, volunteer, DAY)
    assert [(t["course"], t["expired"]) for t in rows] == [
        ("Digital Champion (Digital Champions Network)", False), ("Safeguarding adults", True)]
    removed = volunteers.remove_training(db, actor, volunteer, first)
    assert removed["course"] == "Safeguarding adults"
    assert [t["course"] for t in volunteers.training(db, volunteer, DAY)] == [
        "Digital Champion (Digital Champions Network)"]
    entries = history(db, "volunteer_training", first)
    assert [e["action"] for e in entries] == ["volunteer_training.add",
                                              "volunteer_training.remove"]
    assert json.loads(entries[1]["before"])["course"] == "Safeguarding adults"
    with pytest.raises(InvalidInput) as e:
        volunteers.remove_training(db, actor, volunteer, first)
    assert e.value.errors == {"training": "That training record is not on the list any more."}


@pytest.mark.parametrize(("form", "errors"), [
    ({}, {"course": "Please give the name of the course.",
          "completed_on": "Please choose the date it was completed."}),
    ({"course": "x" * 101, "completed_on": "2026-01-01"},
     {"course": "Please use 100 characters or fewer."}),
    ({"course": "First aid", "completed_on": "2027-03-03"},
     {"completed_on": "The date it was completed cannot be in the future."}),
    ({"course": "First aid", "completed_on": "2026-01-01", "expires_on": "2026-01-01"},
     {"expires_on": "The expiry date must be after the date it was completed."}),
])
def test_bad_training_writes_nothing(db, volunteer, form, errors):
    with pytest.raises(InvalidInput) as e:
        volunteers.add_training(db, ACTOR, volunteer, form, now=NOW)
    assert e.value.errors == errors
    assert db["volunteer_training"].count == 0


# ---------------------------------------------------------------- signing in


def test_signing_in_starts_a_shift_and_audits_it(db, venue, volunteer):
    session = add_session(db, venue)
    shift = volunteers.sign_in(db, Actor(volunteer, "Asha"), volunteer, session, now=NOW)
    assert shift["signed_in_at"] == "2027-03-02T14:02:00+00:00"
    assert shift["signed_out_at"] is None and shift["warning"] is None
    assert volunteers.open_shift(db, volunteer)["id"] == shift["id"]
    entry = history(db, "volunteer_shifts", shift["id"])[0]
    assert entry["action"] == "volunteer_shift.sign_in" and entry["actor_id"] == volunteer


@pytest.mark.parametrize(("now", "message"), [
    (at(DAY, "12:59"), "Sign-in for this session opens at 13:00, an hour before it starts."),
    (at(DAY, "16:00"), "This session ended at 16:00. If you helped at it, please ask a member "
                       "of staff to add your hours."),
    (at(DAY + timedelta(days=1), "14:30"),
     "You can only sign in to a session on the day it happens."),
    (at(DAY - timedelta(days=1), "14:30"),
     "You can only sign in to a session on the day it happens."),
])
def test_sign_in_is_open_from_an_hour_before_until_the_end(db, venue, volunteer, now,
                                                           message):
    session = add_session(db, venue)
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, session, now=now)
    assert e.value.errors == {"session": message}
    assert counts(db) == before


def test_sign_in_opens_exactly_an_hour_before(db, venue, volunteer):
    session = add_session(db, venue)
    assert volunteers.sign_in(db, ACTOR, volunteer, session, now=at(DAY, "13:00"))["id"]


def test_no_sign_in_to_a_cancelled_or_unknown_session(db, venue, volunteer):
    cancelled = add_session(db, venue, cancelled=True)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, cancelled, now=NOW)
    assert e.value.errors == {
        "session": "This session has been cancelled, so you cannot sign in to it."}
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, 999, now=NOW)
    assert e.value.errors == {"session": "That session is not on the list any more."}
    assert db["volunteer_shifts"].count == 0


def test_a_lapsed_dbs_blocks_a_dbs_session_only(db, venue, volunteer):
    set_dbs(db, volunteer, date(2024, 3, 2))  # lapsed today
    needs_dbs = add_session(db, venue, requires_dbs=True, title="Beech Court tea party")
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, needs_dbs, now=NOW)
    assert e.value.errors == {"session": "This session needs a DBS check, and yours lapsed on "
                                         "2 March 2027. Please ask a member of staff about "
                                         "renewing it."}
    assert counts(db) == before
    library = add_session(db, venue, title="Library drop-in")
    assert volunteers.sign_in(db, ACTOR, volunteer, library, now=NOW)["warning"] is None


def test_the_day_before_it_lapses_a_dbs_session_is_allowed_with_a_warning(db, venue,
                                                                           volunteer):
    set_dbs(db, volunteer, date(2024, 3, 3))  # lapses tomorrow
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue, requires_dbs=True),
                               now=NOW)
    assert shift["warning"] == ("Your DBS check needs renewing before 3 March 2027 (1 day "
                                "left). Please have a word with a member of staff.")


def test_eight_days_left_is_no_warning_at_sign_in(db, venue, volunteer):
    set_dbs(db, volunteer, date(2024, 3, 10))
    assert volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue, requires_dbs=True),
                              now=NOW)["warning"] is None


def test_no_dbs_at_all_blocks_a_dbs_session(db, venue, volunteer):
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue, requires_dbs=True),
                           now=NOW)
    assert e.value.errors == {"session": "This session needs a DBS check, and we do not have "
                                         "one recorded for you. Please ask a member of staff."}


def test_signing_in_twice_to_the_same_session_makes_one_shift(db, venue, volunteer):
    session = add_session(db, venue)
    volunteers.sign_in(db, ACTOR, volunteer, session, now=NOW)
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, session, now=NOW + timedelta(seconds=1))
    assert e.value.errors == {"session": "You are already signed in to this session since 14:02."}
    assert counts(db) == before


def test_an_open_shift_elsewhere_must_be_signed_out_first(db, venue, other_venue, volunteer):
    volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    leigh = add_session(db, other_venue, title="Leigh drop-in")
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, leigh, now=at(DAY, "14:40"))
    assert e.value.errors == {"session": "You are already signed in to Tech tea party at Wigan "
                                         "Library since 14:02. Sign out of that first."}
    assert counts(db) == before


def test_the_unique_index_backs_up_a_race(db, venue, volunteer, monkeypatch):
    session = add_session(db, venue)
    volunteers.sign_in(db, ACTOR, volunteer, session, now=NOW)
    # As if another tablet's sign-in landed between the checks and the insert:
    monkeypatch.setattr(volunteers, "open_shift", lambda *args: None)
    monkeypatch.setattr(volunteers, "_overlapping", lambda *args: None)
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, session, now=NOW)
    assert e.value.errors == {
        "session": "You are already signed in to a session. Sign out of that first."}
    assert counts(db) == before


def test_an_overlapping_sign_in_is_refused_and_nothing_is_written(db, venue, staff,
                                                                  volunteer):
    morning = add_session(db, venue, starts="10:00", ends="12:00", title="Coffee morning")
    volunteers.add_missed_shift(db, Actor(staff, "Sam"), volunteer, morning, "13:30", "14:30",
                                "Stayed on to help set up", now=at(DAY, "14:45"))
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=at(DAY, "14:10"))
    assert e.value.errors == {"session": "You already have hours recorded at Coffee morning "
                                         "from 13:30 to 14:30, which overlap now. Please ask "
                                         "a member of staff to check them."}
    assert counts(db)[0:2] == before[0:2]


# ---------------------------------------------------------------- signing out and session end


def test_signing_out_closes_the_shift(db, venue, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    done = volunteers.sign_out(db, ACTOR, shift["id"], now=at(DAY, "15:32"))
    assert (done["signed_out_at"], done["closed_by"]) == ("2027-03-02T15:32:00+00:00",
                                                          "volunteer")
    assert done["hours"] == 1.5
    assert volunteers.open_shift(db, volunteer) is None
    assert history(db, "volunteer_shifts", shift["id"])[-1]["action"] == \
        "volunteer_shift.sign_out"


def test_sign_out_before_sign_in_is_refused(db, venue, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    before = counts(db)
    for when in (at(DAY, "13:50"), NOW):
        with pytest.raises(InvalidInput) as e:
            volunteers.sign_out(db, ACTOR, shift["id"], now=when)
        assert e.value.errors == {"shift": "You cannot sign out before you signed in, at 14:02. "
                                           "Please ask a member of staff to correct your hours."}
    assert counts(db) == before


def test_signing_out_twice_says_when_it_was_closed(db, venue, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    volunteers.sign_out(db, ACTOR, shift["id"], now=at(DAY, "15:30"))
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_out(db, ACTOR, shift["id"], now=at(DAY, "15:31"))
    assert e.value.errors == {
        "shift": "This sign-in was already closed at 15:30, when you signed out."}
    assert counts(db) == before
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_out(db, ACTOR, 999, now=at(DAY, "15:31"))
    assert e.value.errors == {"shift": "That sign-in is not on the list any more."}


def test_a_shift_left_open_is_closed_at_the_session_end(db, venue, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    assert volunteers.close_finished_shifts(db, at(DAY, "15:59")) == 0
    assert volunteers.close_finished_shifts(db, at(DAY, "16:00")) == 1
    closed = volunteers.get_shift(db, shift["id"])
    assert (closed["signed_out_at"], closed["closed_by"]) == ("2027-03-02T16:00:00+00:00",
                                                              "session_end")
    entry = history(db, "volunteer_shifts", shift["id"])[-1]
    assert (entry["action"], entry["actor"]) == ("volunteer_shift.session_end", "system")
    assert json.loads(entry["after"]) == {"closed_by": "session_end",
                                          "signed_out_at": "2027-03-02T16:00:00+00:00"}
    assert volunteers.close_finished_shifts(db, at(DAY, "17:00")) == 0


def test_signing_out_after_the_end_finds_it_closed_at_the_end(db, venue, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    with pytest.raises(InvalidInput) as e:
        volunteers.sign_out(db, ACTOR, shift["id"], now=at(DAY, "16:20"))
    assert e.value.errors == {
        "shift": "This sign-in was already closed at 16:00, when the session ended."}
    assert volunteers.get_shift(db, shift["id"])["signed_out_at"] == "2027-03-02T16:00:00+00:00"


def test_a_session_moved_earlier_than_the_sign_in_still_closes(db, venue, volunteer):
    session = add_session(db, venue)
    shift = volunteers.sign_in(db, ACTOR, volunteer, session, now=at(DAY, "15:30"))
    db["sessions"].update(session, {"ends_at": stamp(at(DAY, "15:00"))})
    assert volunteers.close_finished_shifts(db, at(DAY, "15:45")) == 1
    assert volunteers.get_shift(db, shift["id"])["signed_out_at"] == "2027-03-02T15:31:00+00:00"


def test_signing_in_elsewhere_after_the_end_is_allowed(db, venue, other_venue, volunteer):
    volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    evening = add_session(db, other_venue, starts="17:00", ends="19:00", title="Evening")
    shift = volunteers.sign_in(db, ACTOR, volunteer, evening, now=at(DAY, "16:30"))
    assert shift["title"] == "Evening"
    assert [s["closed_by"] for s in volunteers.shifts(db, user_id=volunteer)] == [
        "session_end", None]


# ---------------------------------------------------------------- staff corrections


def test_a_correction_needs_a_reason_and_is_in_the_audit_log(db, venue, staff, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    volunteers.close_finished_shifts(db, at(DAY, "16:05"))
    sam = Actor(staff, "Sam Staff")
    with pytest.raises(InvalidInput) as e:
        volunteers.correct_shift(db, sam, shift["id"], "13:45", "15:15", "  ",
                                 now=at(DAY, "16:10"))
    assert e.value.errors == {"reason": "Please say why the hours are being changed."}
    corrected = volunteers.correct_shift(db, sam, shift["id"], "13:45", "15:15",
                                         "Forgot to sign out; left at quarter past three",
                                         now=at(DAY, "16:10"))
    assert (corrected["signed_in_at"], corrected["signed_out_at"]) == (
        "2027-03-02T13:45:00+00:00", "2027-03-02T15:15:00+00:00")
    assert corrected["hours"] == 1.5 and corrected["closed_by"] == "session_end"
    assert (corrected["corrected_by"], corrected["correction_reason"]) == (
        staff, "Forgot to sign out; left at quarter past three")
    assert corrected["corrected_at"] == "2027-03-02T16:10:00+00:00"
    entry = history(db, "volunteer_shifts", shift["id"])[-1]
    assert (entry["action"], entry["actor_id"], entry["actor"]) == (
        "volunteer_shift.correct", staff, "Sam Staff")
    assert json.loads(entry["before"]) == {"signed_in_at": "2027-03-02T14:02:00+00:00",
                                           "signed_out_at": "2027-03-02T16:00:00+00:00"}
    assert json.loads(entry["after"]) == {"signed_in_at": "2027-03-02T13:45:00+00:00",
                                          "signed_out_at": "2027-03-02T15:15:00+00:00",
                                          "reason": "Forgot to sign out; left at quarter "
                                                    "past three"}


def test_correcting_an_open_shift_closes_it_as_staff(db, venue, staff, volunteer):
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    corrected = volunteers.correct_shift(db, Actor(staff, "Sam"), shift["id"], "14:00",
                                         "14:30", "Had to leave early", now=at(DAY, "15:00"))
    assert corrected["closed_by"] == "staff" and volunteers.open_shift(db, volunteer) is None


@pytest.mark.parametrize(("times", "errors"), [
    (("15:00", "14:00"), {"signed_out_at": "The sign-out time must be after the sign-in time."}),
    (("15:00", "15:00"), {"signed_out_at": "The sign-out time must be after the sign-in time."}),
    (("3pm", "25:00"), {"signed_in_at": "Please give the sign-in time in hours and minutes, "
                                        "for example 14:00.",
                        "signed_out_at": "Please give the sign-out time in hours and "
                                         "minutes, for example 14:00."}),
    (("14:00", "17:00"), {"signed_out_at": "That sign-out time has not happened yet."}),
    (("14:02", "16:00"), {"signed_in_at": "Those are the times already recorded, so there "
                                          "is nothing to correct."}),
    (("11:30", "15:00"), {"signed_in_at": "Asha already has hours at Coffee morning on 2 March "
                                          "2027 from 10:00 to 12:00, which overlap."}),
])
def test_a_bad_correction_says_why_and_writes_nothing(db, venue, staff, volunteer, times,
                                                      errors):
    morning = add_session(db, venue, starts="10:00", ends="12:00", title="Coffee morning")
    volunteers.add_missed_shift(db, ACTOR, volunteer, morning, "10:00", "12:00", "Tablet flat",
                                now=at(DAY, "12:30"))
    shift = volunteers.sign_in(db, ACTOR, volunteer, add_session(db, venue), now=NOW)
    volunteers.close_finished_shifts(db, at(DAY, "16:00"))
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.correct_shift(db, Actor(staff, "Sam"), shift["id"], *times, "Fixing",
                                 now=at(DAY, "16:30"))
    assert e.value.errors == errors
    assert counts(db) == before


def test_adding_a_missed_sign_in(db, venue, staff, volunteer):
    session = add_session(db, venue)
    shift_id = volunteers.add_missed_shift(db, Actor(staff, "Sam"), volunteer, str(session),
                                           "14:00", "15:45", "The tablet was flat",
                                           now=at(DAY, "17:00"))
    shift = volunteers.get_shift(db, shift_id)
    assert (shift["closed_by"], shift["hours"], shift["correction_reason"]) == (
        "staff", 1.75, "The tablet was flat")
    entry = history(db, "volunteer_shifts", shift_id)[0]
    assert entry["action"] == "volunteer_shift.add_missed"
    assert json.loads(entry["after"])["reason"] == "The tablet was flat"


@pytest.mark.parametrize(("who", "which", "errors"), [
    ("999", "session", {"volunteer": "Please choose a volunteer from the list."}),
    ("staff", "session", {"volunteer": "Please choose a volunteer from the list."}),
    ("volunteer", "", {"session": "Please choose a session from the list."}),
    ("volunteer", "cancelled", {"session": "That session was cancelled, so nobody can have "
                                           "volunteered at it."}),
])
def test_a_bad_missed_sign_in_writes_nothing(db, venue, staff, volunteer, who, which, errors):
    ids = {"staff": str(staff), "volunteer": str(volunteer), "999": "999",
           "session": str(add_session(db, venue)),
           "cancelled": str(add_session(db, venue, cancelled=True)), "": ""}
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        volunteers.add_missed_shift(db, ACTOR, ids[who], ids[which], "14:00", "15:00",
                                    "Forgot", now=at(DAY, "17:00"))
    assert e.value.errors == errors
    assert counts(db) == before


# ---------------------------------------------------------------- hours and the year


def shift_on(db, session, user_id, start, end, day=DAY) -> int:
    return volunteers.add_missed_shift(db, ACTOR, user_id, session, start, end, "test",
                                       now=at(day, "23:59"))


def test_hours_recorded_add_up_closed_shifts_by_the_sessions_day(db, venue, other_venue,
                                                                 volunteer, volunteer2):
    wigan, leigh = add_session(db, venue), add_session(db, other_venue)
    shift_on(db, wigan, volunteer, "14:00", "16:00")
    shift_on(db, leigh, volunteer2, "14:00", "15:20")
    tomorrow = add_session(db, venue, day=DAY + timedelta(days=1))
    volunteers.sign_in(db, ACTOR, volunteer, tomorrow,
                       now=at(DAY + timedelta(days=1), "14:00"))  # open: not counted
    assert volunteers.hours_recorded(db, DAY, DAY) == pytest.approx(2 + 4 / 3)
    assert volunteers.hours_recorded(db, DAY, DAY, user_id=volunteer) == 2
    assert volunteers.hours_recorded(db, DAY, DAY, venue_id=other_venue) == pytest.approx(4 / 3)
    assert volunteers.hours_recorded(db, DAY, DAY + timedelta(days=1)) == pytest.approx(10 / 3)
    assert volunteers.hours_recorded(db, DAY + timedelta(days=1), DAY + timedelta(days=1)) == 0
    assert volunteers.hours_by_volunteer(db, DAY, DAY) == {volunteer: 2,
                                                           volunteer2: pytest.approx(4 / 3)}


def test_a_late_summer_session_counts_on_its_local_day(db, venue, volunteer):
    day = date(2027, 6, 1)  # BST: 00:30 local is 23:30 UTC the day before
    session = add_session(db, venue, day=day, starts="00:15", ends="02:00")
    shift_on(db, session, volunteer, "00:30", "01:30", day=day)
    assert volunteers.get_shift(db, 1)["signed_in_at"] == "2027-05-31T23:30:00+00:00"
    assert volunteers.hours_recorded(db, day, day) == 1
    assert volunteers.hours_recorded(db, date(2027, 5, 31), date(2027, 5, 31)) == 0


@pytest.mark.parametrize(("day", "year"), [
    (date(2027, 3, 31), (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2027, 4, 1), (date(2027, 4, 1), date(2028, 3, 31))),
    (date(2027, 1, 1), (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2027, 12, 31), (date(2027, 4, 1), date(2028, 3, 31))),
])
def test_the_financial_year_runs_april_to_march(day, year):
    assert volunteers.financial_year(day) == year


def add_learner(db, name) -> int:
    return db["learners"].insert({"first_name": name, "card_code": name.upper() * 2,
                                  "consent_what": "Keep my first name",
                                  "consent_at": "2027-01-01T00:00:00+00:00",
                                  "created_at": "2027-01-01T00:00:00+00:00"}).last_pk


def done_ticket(db, venue, volunteer, day: date, learner_id=None) -> None:
    number = db["tickets"].count + 1
    db["tickets"].insert({"venue_id": venue, "number": number, "day": day.isoformat(),
                          "code": f"code{number}", "status": "done", "source": "walk_in",
                          "created_at": stamp(at(day, "14:00")), "volunteer_id": volunteer,
                          "learner_id": learner_id})


def test_my_summary_counts_this_financial_year_only(db, venue, volunteer, volunteer2):
    march, april = date(2027, 3, 31), date(2027, 4, 1)
    shift_on(db, add_session(db, venue, day=march), volunteer, "14:00", "16:00", day=march)
    april_party = add_session(db, venue, day=april)
    shift_on(db, april_party, volunteer, "14:00", "15:30", day=april)
    shift_on(db, add_session(db, venue, day=april, starts="17:00", ends="18:00"), volunteer,
             "17:00", "18:00", day=april)
    shift_on(db, april_party, volunteer2, "14:00", "16:00", day=april)
    mo, jo = add_learner(db, "Mo"), add_learner(db, "Jo")
    done_ticket(db, venue, volunteer, march, mo)
    done_ticket(db, venue, volunteer, april, mo)
    done_ticket(db, venue, volunteer, april, mo)
    done_ticket(db, venue, volunteer, april, jo)
    done_ticket(db, venue, volunteer, april)  # someone who is not a learner
    done_ticket(db, venue, volunteer2, april, jo)
    summary = volunteers.volunteer_summary(db, volunteer, april)
    assert (summary["first_day"], summary["last_day"]) == (april, date(2028, 3, 31))
    assert summary["hours"] == 2.5 and summary["sessions"] == 2
    assert (summary["people_helped"], summary["learners_helped"]) == (4, 2)
    assert [s["day"] for s in summary["shifts"]] == ["2027-04-01", "2027-04-01"]
    last_year = volunteers.volunteer_summary(db, volunteer, march)
    assert (last_year["hours"], last_year["sessions"], last_year["people_helped"],
            last_year["learners_helped"]) == (2, 1, 1, 1)


def test_duration_words():
    assert volunteers.duration_words(1.5) == "1 hour 30 minutes"
    assert volunteers.duration_words(2) == "2 hours"
    assert volunteers.duration_words(0.75) == "45 minutes"
    assert volunteers.duration_words(1 / 60) == "1 minute"
    assert volunteers.duration_words(0) == "0 minutes"


def test_sessions_today_show_who_came_and_the_sign_in_window(db, venue, volunteer,
                                                             volunteer2):
    session = add_session(db, venue, slots=3)
    add_session(db, venue, starts="18:00", ends="20:00", title="Evening")
    add_session(db, venue, title="Called off", cancelled=True)
    volunteers.sign_in(db, ACTOR, volunteer, session, now=NOW)
    shift = volunteers.sign_in(db, ACTOR, volunteer2, session, now=NOW)
    volunteers.sign_out(db, ACTOR, shift["id"], now=at(DAY, "15:00"))
    volunteers.sign_in(db, ACTOR, volunteer2, session, now=at(DAY, "15:10"))  # back again
    rows = volunteers.sessions_today(db, venue, at(DAY, "15:15"))
    assert [(r["title"], r["window"], r["filled"]) for r in rows] == [
        ("Tech tea party", "open", 2), ("Evening", "early", 0)]
    assert rows[1]["opens_at"] == "17:00"
    assert [s["display_name"] for s in rows[0]["shifts"]] == ["Asha", "Bill", "Bill"]
