"""Venues and sessions as rules: series dates, local times across the clock changes,
validation that writes nothing, cancelling, hours of support and what's on."""

from datetime import UTC, date, datetime, timedelta

import pytest

import lending
import tea_parties
from audit import Actor, history
from validation import InvalidInput

ACTOR = Actor(None, "test")
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)  # a Monday in GMT; BST starts 28 March


def plan(db, venue_id, now=NOW, **overrides) -> int:
    form = {"title": "Tech tea party", "kind": "tea_party", "venue": str(venue_id),
            "repeat": "none", "first_day": "2027-03-02", "starts": "14:00", "ends": "16:00",
            "volunteer_slots": "2", "description": "Bring your phone."}
    form.update(overrides)
    return tea_parties.create_series(db, ACTOR, form, now=now)


def dates(db, series_id) -> list[str]:
    return [r["day"] for r in db["sessions"].rows_where("series_id = ?", [series_id],
                                                        order_by="day")]


def test_a_one_off_is_one_date_whatever_until_says(db, venue):
    series_id = plan(db, venue, last_day="2027-06-01")
    assert dates(db, series_id) == ["2027-03-02"]
    assert db["session_series"].get(series_id)["last_day"] == "2027-03-02"


def test_weekly_dates_keep_local_time_across_the_spring_clock_change(db, venue):
    series_id = plan(db, venue, repeat="weekly", first_day="2027-03-23", last_day="2027-04-06")
    rows = list(db["sessions"].rows_where("series_id = ?", [series_id], order_by="day"))
    assert [r["day"] for r in rows] == ["2027-03-23", "2027-03-30", "2027-04-06"]
    assert [r["starts_at"] for r in rows] == ["2027-03-23T14:00:00+00:00",  # GMT
                                              "2027-03-30T13:00:00+00:00",  # BST
                                              "2027-04-06T13:00:00+00:00"]
    assert rows[0]["ends_at"] == "2027-03-23T16:00:00+00:00"
    assert {r["volunteer_slots"] for r in rows} == {2}


def test_autumn_dates_go_back_to_gmt(db, venue):
    series_id = plan(db, venue, repeat="weekly", first_day="2027-10-26",
                     last_day="2027-11-02", now=datetime(2027, 10, 1, tzinfo=UTC))
    rows = list(db["sessions"].rows_where("series_id = ?", [series_id], order_by="day"))
    assert [r["starts_at"] for r in rows] == ["2027-10-26T13:00:00+00:00",  # BST
                                              "2027-11-02T14:00:00+00:00"]  # GMT


def dates_ids(db, series_id) -> list[int]:
    return [r["id"] for r in db["sessions"].rows_where("series_id = ?", [series_id],
                                                       order_by="day")]


def test_fortnightly_dates_skip_a_week_and_stop_at_until(db, venue):
    series_id = plan(db, venue, repeat="fortnightly", first_day="2027-03-02",
                     last_day="2027-04-12")
    assert dates(db, series_id) == ["2027-03-02", "2027-03-16", "2027-03-30"]


def test_monthly_keeps_the_nth_weekday(db, venue):
    series_id = plan(db, venue, repeat="monthly", first_day="2027-03-09",
                     last_day="2027-07-31")
    assert dates(db, series_id) == ["2027-03-09", "2027-04-13", "2027-05-11", "2027-06-08",
                                    "2027-07-13"]  # the 2nd Tuesday of each month
    assert all(date.fromisoformat(d).weekday() == 1 for d in dates(db, series_id))
    assert tea_parties.repeat_label("2027-03-09", "monthly") == \
        "Every 2nd Tuesday of the month"


def test_a_fifth_weekday_becomes_the_last_one(db, venue):
    series_id = plan(db, venue, repeat="monthly", first_day="2027-03-30",
                     last_day="2027-06-30")
    assert dates(db, series_id) == ["2027-03-30", "2027-04-27", "2027-05-25", "2027-06-29"]
    assert tea_parties.repeat_label("2027-03-30", "monthly") == \
        "Every last Tuesday of the month"


def test_planning_is_audited_per_series_and_per_date(db, venue):
    series_id = plan(db, venue, repeat="weekly", first_day="2027-03-02", last_day="2027-03-09")
    assert [h["action"] for h in history(db, "session_series", series_id)] == \
        ["session_series.create"]
    for session_id in dates_ids(db, series_id):
        assert [h["action"] for h in history(db, "sessions", session_id)] == ["session.create"]


def test_bad_plans_say_what_is_wrong_and_write_nothing(db, venue):
    audit_rows = db["audit_log"].count
    with pytest.raises(InvalidInput) as e:
        tea_parties.create_series(db, ACTOR, {
            "title": " ", "kind": "rave", "venue": "999", "partner": "abc", "repeat": "weekly",
            "first_day": "2027-02-30", "starts": "25:00", "ends": "noon",
            "volunteer_slots": "51", "description": "x" * 301}, now=NOW)
    assert e.value.errors == {
        "title": "Please fill in a title.",
        "kind": "Please choose what kind of session this is.",
        "venue": "Please choose a venue from the list.",
        "partner": "Please choose a partner from the list.",
        "first_day": "Please give the date as year-month-day, for example 2026-12-24.",
        "last_day": "Please choose the date it repeats until.",
        "starts": "Please give the start time in hours and minutes, for example 14:00.",
        "ends": "Please give the end time in hours and minutes, for example 14:00.",
        "volunteer_slots": "Please give how many volunteers are needed, a number from 0 to 50.",
        "description": "Please use 300 characters or fewer.",
    }
    assert db["session_series"].count == 0 and db["sessions"].count == 0
    assert db["audit_log"].count == audit_rows


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"ends": "13:59"}, "ends", "The end time must be after the start time."),
    ({"ends": "14:00"}, "ends", "The end time must be after the start time."),
    ({"repeat": "weekly", "last_day": "2027-03-01"}, "last_day",
     "The last date must be on or after the first date."),
    ({"repeat": "monthly", "last_day": "2028-03-02"}, "last_day",
     "Please plan at most a year ahead."),
    ({"first_day": "2029-01-01"}, "first_day",
     "Please choose a first date within a year of today."),
    ({"repeat": "daily"}, "repeat", "Please choose how often it happens."),
    ({"volunteer_slots": "-1"}, "volunteer_slots",
     "Please give how many volunteers are needed, a number from 0 to 50."),
    ({"volunteer_slots": "9" * 5000}, "volunteer_slots",
     "Please give how many volunteers are needed, a number from 0 to 50."),
    ({"venue": ""}, "venue", "Please choose a venue."),
])
def test_each_rule_has_its_own_message(db, venue, overrides, field, message):
    with pytest.raises(InvalidInput) as e:
        plan(db, venue, **overrides)
    assert e.value.errors == {field: message}
    assert db["sessions"].count == 0


def test_a_time_the_clocks_skip_is_refused_not_crashed(db, venue):
    with pytest.raises(InvalidInput) as e:
        plan(db, venue, first_day="2027-03-28", starts="01:30", ends="02:10")
    assert e.value.errors == {"ends": tea_parties.CLOCKS_CHANGE.format(day="2027-03-28")}
    assert db["session_series"].count == 0


def test_a_closed_venue_cannot_be_planned_for(db, venue):
    db["venues"].update(venue, {"active": 0})
    with pytest.raises(InvalidInput) as e:
        plan(db, venue)
    assert e.value.errors == {"venue": "Please choose a venue from the list."}


def test_a_partner_can_run_a_session(db, venue):
    partner = lending.add_partner(db, ACTOR, {"name": "Wigan Age UK"})
    series_id = plan(db, venue, partner=str(partner))
    session = tea_parties.get_session(db, dates_ids(db, series_id)[0])
    assert session["partner_id"] == partner and session["partner_name"] == "Wigan Age UK"


def test_one_date_can_change_without_touching_the_rest(db, venue):
    series_id = plan(db, venue, repeat="weekly", first_day="2027-03-23", last_day="2027-03-30")
    first_id, second_id = dates_ids(db, series_id)
    tea_parties.update_session(db, ACTOR, second_id, {"starts": "10:00", "ends": "12:30",
                                                      "volunteer_slots": "4",
                                                      "requires_dbs": "yes"})
    second = db["sessions"].get(second_id)
    assert (second["starts_at"], second["ends_at"]) == ("2027-03-30T09:00:00+00:00",
                                                         "2027-03-30T11:30:00+00:00")
    assert (second["volunteer_slots"], second["requires_dbs"]) == (4, 1)
    assert db["sessions"].get(first_id)["volunteer_slots"] == 2
    change = history(db, "sessions", second_id)[-1]
    assert change["action"] == "session.update"
    assert '"volunteer_slots": 2' in change["before"] and '"volunteer_slots": 4' in change["after"]


def test_a_bad_change_to_one_date_writes_nothing(db, venue):
    session_id = dates_ids(db, plan(db, venue))[0]
    before = db["sessions"].get(session_id)
    with pytest.raises(InvalidInput) as e:
        tea_parties.update_session(db, ACTOR, session_id, {"starts": "16:00", "ends": "15:00",
                                                           "volunteer_slots": "x"})
    assert set(e.value.errors) == {"ends", "volunteer_slots"}
    assert db["sessions"].get(session_id) == before


def test_cancelling_a_date_needs_a_reason_and_happens_once(db, venue):
    session_id = dates_ids(db, plan(db, venue))[0]
    with pytest.raises(InvalidInput) as e:
        tea_parties.cancel_session(db, ACTOR, session_id, "  ")
    assert e.value.errors == {"reason": "Please fill in the reason."}
    tea_parties.cancel_session(db, ACTOR, session_id, "Room flooded", now=NOW)
    session = db["sessions"].get(session_id)
    assert session["cancelled_at"] == "2027-03-01T10:00:00+00:00"
    assert session["cancel_reason"] == "Room flooded"
    assert history(db, "sessions", session_id)[-1]["action"] == "session.cancel"
    assert tea_parties.sessions_on(db, venue, "2027-03-02") == []
    audit_rows = db["audit_log"].count
    for change in (lambda: tea_parties.cancel_session(db, ACTOR, session_id, "Again"),
                   lambda: tea_parties.update_session(db, ACTOR, session_id, {
                       "starts": "10:00", "ends": "11:00", "volunteer_slots": "1"})):
        with pytest.raises(InvalidInput) as e:
            change()
        assert e.value.errors == {"session": "This date is cancelled, so it cannot be changed."}
    assert db["audit_log"].count == audit_rows


def test_support_hours_available_is_slots_times_length_without_cancelled(db, venue,
                                                                         other_venue):
    two_hours = plan(db, venue, repeat="weekly", first_day="2027-03-02",
                     last_day="2027-03-16")  # 3 dates × 2 slots × 2 h
    plan(db, other_venue, first_day="2027-03-03", starts="10:00", ends="11:30",
         volunteer_slots="3")  # 4.5 h
    plan(db, venue, first_day="2027-03-04", volunteer_slots="0")  # none needed
    tea_parties.cancel_session(db, ACTOR, dates_ids(db, two_hours)[-1], "Holiday")
    assert tea_parties.support_hours_available(db, "2027-03-01", "2027-03-31") == 12.5
    assert tea_parties.support_hours_available(db, date(2027, 3, 1), date(2027, 3, 31),
                                               venue_id=venue) == 8.0
    assert tea_parties.support_hours_available(db, "2027-03-03", "2027-03-03") == 4.5
    assert tea_parties.support_hours_available(db, "2027-04-01", "2027-04-30") == 0.0


def test_support_hours_span_the_clock_change_in_real_hours(db, venue):
    plan(db, venue, first_day="2027-10-31", starts="00:30", ends="02:30",
         now=datetime(2027, 10, 1, tzinfo=UTC), volunteer_slots="1")
    # 00:30 BST to 02:30 GMT is three real hours: the clocks go back at 02:00 BST.
    assert tea_parties.support_hours_available(db, "2027-10-31", "2027-10-31") == 3.0


def postcoded(db, name, postcode) -> int:
    return db["venues"].insert({"name": name, "kind": "library", "postcode": postcode}).last_pk


def test_upcoming_lists_here_first_then_nearby_soonest_first(db):
    wigan = postcoded(db, "Wigan Library", "WN1 1NH")
    hindley = postcoded(db, "Hindley Community Centre", "WN2 3HY")
    ince = postcoded(db, "Ince Library", "WN3 4XX")
    warrington = postcoded(db, "Warrington Library", "WA1 1JB")
    closed = postcoded(db, "Old Library", "WN4 1AA")
    plan(db, wigan, first_day="2027-03-05", starts="14:00", ends="15:00")
    plan(db, ince, first_day="2027-03-02", starts="10:00", ends="11:00")
    plan(db, hindley, first_day="2027-03-03")
    for place in (warrington, closed):
        plan(db, place, first_day="2027-03-02")
    db["venues"].update(closed, {"active": 0})
    groups = tea_parties.upcoming(db, wigan, now=NOW)
    assert [g["venue"]["name"] for g in groups] == ["Wigan Library", "Ince Library",
                                                    "Hindley Community Centre"]
    assert [g["here"] for g in groups] == [True, False, False]
    assert groups[0]["sessions"][0]["when"] == "Friday 5 March"
    assert groups[1]["sessions"][0]["when"] == "Tomorrow"


def test_upcoming_keeps_cancelled_dates_and_drops_finished_and_far_ones(db):
    wigan = postcoded(db, "Wigan Library", "WN1 1NH")
    over = dates_ids(db, plan(db, wigan, first_day="2027-03-01", starts="08:00",
                              ends="09:00"))[0]
    later_today = plan(db, wigan, first_day="2027-03-01", starts="13:00", ends="15:00")
    cancelled = dates_ids(db, plan(db, wigan, first_day="2027-03-08"))[0]
    plan(db, wigan, first_day="2027-03-15")  # day 15 counting today: too far
    tea_parties.cancel_session(db, ACTOR, cancelled, "Staff training")
    sessions = tea_parties.upcoming(db, wigan, now=NOW)[0]["sessions"]
    assert [s["id"] for s in sessions] == [dates_ids(db, later_today)[0], cancelled]
    assert sessions[0]["when"] == "Today" and sessions[1]["cancelled_at"]
    assert over not in [s["id"] for s in sessions]


def test_a_venue_without_a_postcode_has_nothing_nearby(db, venue, other_venue):
    plan(db, other_venue)
    groups = tea_parties.upcoming(db, venue, now=NOW)
    assert len(groups) == 1 and groups[0]["sessions"] == []
    assert tea_parties.upcoming(db, 999, now=NOW) == []


def test_single_letter_areas_do_not_match_longer_ones(db):
    manchester = postcoded(db, "Manchester Central", "M2 5PD")
    postcoded(db, "Motherwell", "ML1 1AA")
    salford_side = postcoded(db, "Ancoats", "M4 6DE")
    assert [v["id"] for v in tea_parties.nearby_venues(db, db["venues"].get(manchester))] == \
        [salford_side]


@pytest.mark.parametrize(("typed", "clean"), [
    ("wn1 1nh", "WN1 1NH"), ("WN11NH", "WN1 1NH"), (" m1  1ae ", "M1 1AE"),
    ("EC1A1BB", "EC1A 1BB"), ("W1A 0AX", "W1A 0AX"), ("WN1", None), ("12345", None),
    ("ＷＮ１ １ＮＨ", None), ("", None),
])
def test_postcodes_are_checked_and_tidied(typed, clean):
    assert tea_parties.normalise_postcode(typed) == clean


def test_venues_are_added_tidied_and_edited_with_an_audit_trail(db):
    venue_id = tea_parties.add_venue(db, ACTOR, {
        "name": "  The  Crown ", "kind": "pub", "address": "1 High St, Wigan",
        "postcode": "wn1 2ab", "accessibility": "Step-free side door.\nHearing loop."})
    venue = tea_parties.get_venue(db, venue_id)
    assert (venue["name"], venue["postcode"], venue["active"]) == ("The Crown", "WN1 2AB", 1)
    assert venue["accessibility"] == "Step-free side door.\nHearing loop."
    tea_parties.update_venue(db, ACTOR, venue_id, {"name": "The Crown", "kind": "pub",
                                                   "postcode": "WN1 2AB", "active": ""})
    venue = tea_parties.get_venue(db, venue_id)
    assert venue["active"] == 0 and venue["address"] is None
    assert [h["action"] for h in history(db, "venues", venue_id)] == ["venue.create",
                                                                      "venue.update"]


def test_venue_names_are_unique_whatever_the_case(db, venue):
    with pytest.raises(InvalidInput) as e:
        tea_parties.add_venue(db, ACTOR, {"name": "WIGAN library", "kind": "library",
                                          "postcode": "nope"})
    assert e.value.errors == {"name": "There is already a venue called WIGAN library.",
                              "postcode": "Please give a UK postcode, for example WN1 1NH."}
    tea_parties.update_venue(db, ACTOR, venue, {"name": "Wigan Library", "kind": "library",
                                                "active": "yes"})  # its own name is fine
    assert db["venues"].count == 1


def test_venue_list_counts_dates_to_come(db, venue, other_venue):
    today = lending.today()
    plan(db, venue, repeat="weekly", first_day=today.isoformat(),
         last_day=(today + timedelta(days=14)).isoformat(), now=datetime.now(UTC))
    counts = {v["id"]: v["coming_up"] for v in tea_parties.venues(db)}
    assert counts == {venue: 3, other_venue: 0}


@pytest.mark.parametrize(("day", "words"), [
    (date(2027, 3, 1), "Today"), (date(2027, 3, 2), "Tomorrow"),
    (date(2027, 3, 3), "Wednesday 3 March"), (date(2028, 1, 4), "Tuesday 4 January 2028"),
    (date(2027, 2, 28), "Sunday 28 February"),
])
def test_days_in_words(day, words):
    assert tea_parties.day_words(day, date(2027, 3, 1)) == words
