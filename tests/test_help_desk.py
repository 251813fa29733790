"""help_desk.py without Flask: numbering, validation, the take race, finishing, reports, audit."""

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

import auth
import db as dbmod
import help_desk
from audit import Actor, stamp
from help_desk import Conflict, InvalidInput

KIOSK = Actor(None, "kiosk: Front desk")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # November: London is on GMT, local = UTC
DAY = date(2026, 11, 23)


def _volunteer(db, name):
    """A volunteer row without a real PIN hash: these rules never sign anyone in."""
    user_id = db["users"].insert({"username": name, "display_name": name, "role": "volunteer",
                                  "secret_hash": "-", "created_at": stamp(T0)}).last_pk
    return Actor(user_id, name)


@pytest.fixture
def asha(db):
    return _volunteer(db, "Asha")


@pytest.fixture
def bill(db):
    return _volunteer(db, "Bill")


def counts(db):
    return {t: db[t].count for t in ("tickets", "ticket_topics", "audit_log")}


def new_ticket(db, venue, topic="email", name=None, now=T0, actor=KIOSK, **kwargs):
    return help_desk.create_ticket(db, venue, topic, name, actor, now=now, **kwargs)


def audit_rows(db, action=None):
    where, params = ("action = ?", [action]) if action else (None, None)
    return list(db["audit_log"].rows_where(where, params, order_by="id"))


# ---- numbering -----------------------------------------------------------------------------


def test_ticket_numbers_count_up_per_venue(db, venue, other_venue):
    numbers = [new_ticket(db, venue, now=T0 + timedelta(minutes=i))["number"] for i in range(3)]
    assert numbers == [1, 2, 3]
    assert new_ticket(db, other_venue, now=T0 + timedelta(minutes=5))["number"] == 1
    assert new_ticket(db, venue, now=T0 + timedelta(minutes=6))["number"] == 4


def test_ticket_numbers_restart_each_local_day(db, venue):
    # 1 July: 22:30 UTC is 23:30 in London, still 1 July; 23:30 UTC is already 2 July there.
    late = new_ticket(db, venue, now=datetime(2026, 7, 1, 22, 30, tzinfo=UTC))
    later = new_ticket(db, venue, now=datetime(2026, 7, 1, 22, 50, tzinfo=UTC))
    next_day = new_ticket(db, venue, now=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    assert (late["day"], late["number"]) == ("2026-07-01", 1)
    assert (later["day"], later["number"]) == ("2026-07-01", 2)
    assert (next_day["day"], next_day["number"]) == ("2026-07-02", 1)
    assert len({late["code"], later["code"], next_day["code"]}) == 3


def test_a_new_ticket_is_waiting_with_its_details(db, venue):
    ticket = new_ticket(db, venue, topic="scams", name="  Mary   Ann ", source="walk_in")
    assert ticket["status"] == "waiting"
    assert ticket["name"] == "Mary Ann"
    assert ticket["requested_topic"] == "scams"
    assert ticket["source"] == "walk_in"
    assert ticket["created_at"] == stamp(T0)
    assert len(ticket["code"]) >= 16
    assert help_desk.ticket_by_code(db, ticket["code"])["id"] == ticket["id"]
    assert help_desk.ticket_by_code(db, "") is None
    assert help_desk.get_ticket(db, "not-an-id") is None


def test_a_blank_name_is_stored_as_no_name(db, venue):
    assert new_ticket(db, venue, name="   ")["name"] is None
    assert new_ticket(db, venue, name=None)["name"] is None


# ---- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "name", "venue_id", "fields"),
    [
        ("no-such-topic", "Mary", None, {"topic"}),
        ("", "Mary", None, {"topic"}),
        (None, "Mary", None, {"topic"}),
        ("email", "x" * (help_desk.NAME_MAX + 1), None, {"name"}),
        ("email", "😀" * (help_desk.NAME_MAX + 1), None, {"name"}),
        ("email", "Mary", 999_999, {"venue"}),
        ("email", "Mary", "abc", {"venue"}),
        ("email", "Mary", "-1", {"venue"}),
        ("email", "Mary", 2**64, {"venue"}),
        ("nope", "y" * 500, "abc", {"topic", "name", "venue"}),
    ],
)
def test_bad_ticket_input_raises_invalid_input_and_writes_nothing(db, venue, topic, name,
                                                                  venue_id, fields):
    before = counts(db)
    with pytest.raises(InvalidInput) as caught:
        help_desk.create_ticket(db, venue if venue_id is None else venue_id, topic, name, KIOSK,
                                now=T0)
    assert set(caught.value.errors) == fields
    assert all(isinstance(m, str) and len(m) > 10 for m in caught.value.errors.values())
    assert counts(db) == before


def test_an_inactive_venue_or_topic_is_refused(db, venue):
    db["venues"].update(venue, {"active": 0})
    with pytest.raises(InvalidInput) as caught:
        new_ticket(db, venue)
    assert caught.value.errors == {"venue": "Please choose a venue."}
    db["venues"].update(venue, {"active": 1})
    db["topics"].update("printing", {"active": 0})
    with pytest.raises(InvalidInput) as caught:
        new_ticket(db, venue, topic="printing")
    assert caught.value.errors == {"topic": "Please choose what you need help with."}
    assert db["tickets"].count == 0


def test_a_name_of_exactly_the_limit_is_fine(db, venue):
    name = "A" * help_desk.NAME_MAX
    assert new_ticket(db, venue, name=name)["name"] == name


# ---- taking a ticket -----------------------------------------------------------------------


def test_take_ticket_moves_it_to_in_progress(db, venue, asha):
    ticket = new_ticket(db, venue)
    taken = help_desk.take_ticket(db, ticket["id"], asha, now=T0 + timedelta(minutes=4))
    assert taken["status"] == "in_progress"
    assert taken["volunteer_id"] == asha.id
    assert taken["taken_at"] == stamp(T0 + timedelta(minutes=4))


def test_a_taken_ticket_cannot_be_taken_again(db, venue, asha, bill):
    ticket = new_ticket(db, venue)
    help_desk.take_ticket(db, ticket["id"], asha, now=T0)
    with pytest.raises(Conflict, match="Being helped"):
        help_desk.take_ticket(db, ticket["id"], bill, now=T0)
    assert help_desk.get_ticket(db, ticket["id"])["volunteer_id"] == asha.id
    assert len(audit_rows(db, "ticket.take")) == 1


def test_taking_an_unknown_ticket_is_invalid_input(db, asha):
    with pytest.raises(InvalidInput) as caught:
        help_desk.take_ticket(db, 999_999, asha)
    assert "ticket" in caught.value.errors


def test_two_volunteers_racing_for_one_ticket_only_one_wins(app, db, venue, asha, bill,
                                                             monkeypatch):
    ticket = new_ticket(db, venue)
    path = app.config["DATABASE"]
    real_get_ticket = help_desk.get_ticket

    def slow_get_ticket(database, ticket_id):
        # Widen the window between reading the state and writing the change, so that a
        # read-then-write without the lock would let both volunteers through.
        row = real_get_ticket(database, ticket_id)
        time.sleep(0.05)
        return row

    monkeypatch.setattr(help_desk, "get_ticket", slow_get_ticket)
    start = threading.Barrier(2)
    results = {}

    def attempt(actor):
        connection = dbmod.connect(path)
        try:
            start.wait()
            results[actor.label] = help_desk.take_ticket(connection, ticket["id"], actor)
        except Exception as error:  # recorded for the assertions below
            results[actor.label] = error
        finally:
            connection.conn.close()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in (asha, bill)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    monkeypatch.undo()

    winners = [label for label, r in results.items() if isinstance(r, dict)]
    losers = [label for label, r in results.items() if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    stored = help_desk.get_ticket(db, ticket["id"])
    assert stored["status"] == "in_progress"
    assert stored["volunteer_id"] == (asha.id if winners == ["Asha"] else bill.id)
    takes = audit_rows(db, "ticket.take")
    assert len(takes) == 1
    assert takes[0]["actor"] == winners[0]


# ---- finishing -----------------------------------------------------------------------------


@pytest.fixture
def in_progress(db, venue, asha):
    ticket = new_ticket(db, venue)
    return help_desk.take_ticket(db, ticket["id"], asha, now=T0 + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("topics", "minutes", "outcome", "notes", "field"),
    [
        ([], 10, "solved", "", "topics"),
        ([""], 10, "solved", "", "topics"),
        (["email", "no-such-topic"], 10, "solved", "", "topics"),
        (["email"], 0, "solved", "", "minutes"),
        (["email"], 481, "solved", "", "minutes"),
        (["email"], "abc", "solved", "", "minutes"),
        (["email"], "", "solved", "", "minutes"),
        (["email"], None, "solved", "", "minutes"),
        (["email"], "2.5", "solved", "", "minutes"),
        (["email"], "9" * 5000, "solved", "", "minutes"),
        (["email"], 10, "brilliant", "", "outcome"),
        (["email"], 10, "", "", "outcome"),
        (["email"], 10, "solved", "n" * 1001, "notes"),
    ],
)
def test_a_bad_help_log_leaves_the_ticket_in_progress(db, in_progress, asha, topics, minutes,
                                                       outcome, notes, field):
    before = counts(db)
    with pytest.raises(InvalidInput) as caught:
        help_desk.finish_ticket(db, in_progress["id"], asha, topics, minutes, outcome, notes,
                                now=T0 + timedelta(minutes=20))
    assert field in caught.value.errors
    stored = help_desk.get_ticket(db, in_progress["id"])
    assert stored["status"] == "in_progress"
    assert stored["finished_at"] is None and stored["minutes"] is None
    assert db["ticket_topics"].count == 0
    assert counts(db) == before


def test_notes_message_says_how_long_they_are(db, in_progress, asha):
    with pytest.raises(InvalidInput) as caught:
        help_desk.finish_ticket(db, in_progress["id"], asha, ["email"], 5, "solved", "n" * 1200)
    assert caught.value.errors["notes"] == "Notes can be at most 1000 characters (1200 now)."


def test_every_problem_is_reported_at_once(db, in_progress, asha):
    with pytest.raises(InvalidInput) as caught:
        help_desk.finish_ticket(db, in_progress["id"], asha, [], "x", "?", "n" * 1001)
    assert set(caught.value.errors) == {"topics", "minutes", "outcome", "notes"}


def test_a_finished_ticket_has_its_topics_minutes_and_outcome(db, in_progress, asha):
    done = help_desk.finish_ticket(db, in_progress["id"], asha, ["email", "scams", "email"],
                                   " 25 ", "referred", "  Showed how to spot fake texts  ",
                                   now=T0 + timedelta(minutes=30))
    assert done["status"] == "done"
    assert done["minutes"] == 25
    assert done["outcome"] == "referred"
    assert done["notes"] == "Showed how to spot fake texts"
    assert done["finished_at"] == stamp(T0 + timedelta(minutes=30))
    stored = db.execute("select topic from ticket_topics where ticket_id = ? order by rowid",
                        [done["id"]]).fetchall()
    assert [r[0] for r in stored] == ["email", "scams"]


def test_empty_notes_are_stored_as_none(db, in_progress, asha):
    done = help_desk.finish_ticket(db, in_progress["id"], asha, ["email"], 480, "solved", "   ")
    assert done["notes"] is None and done["minutes"] == 480


def test_finishing_a_waiting_or_finished_ticket_is_a_conflict(db, venue, in_progress, asha):
    waiting = new_ticket(db, venue, now=T0 + timedelta(minutes=1))
    with pytest.raises(Conflict):
        help_desk.finish_ticket(db, waiting["id"], asha, ["email"], 10, "solved", "")
    assert db["ticket_topics"].count == 0
    help_desk.finish_ticket(db, in_progress["id"], asha, ["email"], 10, "solved", "")
    before = counts(db)
    with pytest.raises(Conflict, match="Helped"):
        help_desk.finish_ticket(db, in_progress["id"], asha, ["scams"], 10, "partly", "")
    assert counts(db) == before
    assert help_desk.get_ticket(db, in_progress["id"])["outcome"] == "solved"


# ---- same again ----------------------------------------------------------------------------


def _help(db, venue, actor, topics, at):
    ticket = new_ticket(db, venue, now=at)
    help_desk.take_ticket(db, ticket["id"], actor, now=at + timedelta(minutes=1))
    return help_desk.finish_ticket(db, ticket["id"], actor, topics, 10, "solved", "",
                                   now=at + timedelta(minutes=11))


def test_last_topics_are_the_volunteers_own_latest_log(db, venue, asha, bill):
    assert help_desk.last_topics(db, asha.id) == []
    _help(db, venue, asha, ["email", "scams"], T0)
    _help(db, venue, asha, ["printing", "nhs_app"], T0 + timedelta(minutes=30))
    _help(db, venue, bill, ["jobs"], T0 + timedelta(minutes=60))
    assert help_desk.last_topics(db, asha.id) == ["printing", "nhs_app"]
    assert help_desk.last_topics(db, bill.id) == ["jobs"]


def test_last_topics_ignore_tickets_still_in_progress(db, venue, asha):
    _help(db, venue, asha, ["video_calls"], T0)
    open_ticket = new_ticket(db, venue, now=T0 + timedelta(minutes=40))
    help_desk.take_ticket(db, open_ticket["id"], asha, now=T0 + timedelta(minutes=41))
    assert help_desk.last_topics(db, asha.id) == ["video_calls"]


# ---- people ahead and waits ----------------------------------------------------------------


def test_people_ahead_counts_only_earlier_waiting_tickets_at_the_venue(db, venue, other_venue,
                                                                       asha):
    first, second, third = (new_ticket(db, venue, now=T0 + timedelta(minutes=i))
                            for i in range(3))
    new_ticket(db, other_venue, now=T0 - timedelta(minutes=30))
    assert [help_desk.people_ahead(db, t) for t in (first, second, third)] == [0, 1, 2]
    help_desk.take_ticket(db, first["id"], asha, now=T0 + timedelta(minutes=5))
    help_desk.mark_left(db, second["id"], asha, now=T0 + timedelta(minutes=5))
    assert help_desk.people_ahead(db, third) == 0


def test_people_ahead_breaks_ties_on_the_same_second_by_number(db, venue):
    a = new_ticket(db, venue)
    b = new_ticket(db, venue)
    assert (help_desk.people_ahead(db, a), help_desk.people_ahead(db, b)) == (0, 1)


def test_estimated_wait_is_sensible(db, venue, asha, bill):
    now = T0 + timedelta(minutes=10)
    tickets = [new_ticket(db, venue, now=T0 + timedelta(minutes=i)) for i in range(4)]
    waits = [help_desk.estimated_wait_minutes(db, t, now=now) for t in tickets]
    assert waits[0] == 0  # first in line and nobody busy: a moment
    assert all(w > 0 for w in waits[1:])
    assert waits == sorted(waits) and waits[3] > waits[1]  # further back waits longer
    # With the default 10-minute guess: at most 10 minutes for each person, themselves included.
    assert waits[3] <= (3 + 1) * help_desk.DEFAULT_SERVICE_MINUTES

    # Two volunteers on duty share the queue: the wait at the back gets shorter.
    auth.start_session(db, asha.id, venue, now=now)
    auth.start_session(db, bill.id, venue, now=now)
    assert help_desk.helpers_on_duty(db, venue, now=now) == 2
    assert help_desk.estimated_wait_minutes(db, tickets[3], now=now) < waits[3]
    # ... but volunteers not seen for a while do not count.
    assert help_desk.helpers_on_duty(db, venue, now=now + timedelta(minutes=20)) == 0


def test_first_in_line_waits_while_every_helper_is_busy(db, venue, asha):
    busy = new_ticket(db, venue, now=T0)
    help_desk.take_ticket(db, busy["id"], asha, now=T0 + timedelta(minutes=1))
    next_up = new_ticket(db, venue, now=T0 + timedelta(minutes=2))
    assert help_desk.people_ahead(db, next_up) == 0
    assert help_desk.estimated_wait_minutes(db, next_up, now=T0 + timedelta(minutes=3)) >= 1


def test_estimated_wait_follows_recent_service_times(db, venue, asha):
    waiting = new_ticket(db, venue, now=T0)
    new_ticket(db, venue, now=T0 + timedelta(minutes=1))
    behind = new_ticket(db, venue, now=T0 + timedelta(minutes=2))
    assert help_desk.average_service_minutes(db, venue) == help_desk.DEFAULT_SERVICE_MINUTES
    default_wait = help_desk.estimated_wait_minutes(db, behind, now=T0)
    for i in range(2):  # two long sessions of 40 minutes each
        t = new_ticket(db, venue, now=T0 - timedelta(hours=3 - i))
        help_desk.take_ticket(db, t["id"], asha, now=T0 - timedelta(hours=3 - i))
        help_desk.finish_ticket(db, t["id"], asha, ["email"], 40, "solved", "",
                                now=T0 - timedelta(hours=3 - i) + timedelta(minutes=40))
    assert help_desk.average_service_minutes(db, venue) == pytest.approx(40, abs=0.1)
    assert help_desk.estimated_wait_minutes(db, behind, now=T0) > default_wait
    assert help_desk.people_ahead(db, behind) == 2
    assert help_desk.people_ahead(db, waiting) == 0


# ---- left and put back ---------------------------------------------------------------------


def test_mark_left_closes_a_waiting_ticket(db, venue, asha):
    ticket = new_ticket(db, venue)
    gone = help_desk.mark_left(db, ticket["id"], asha, now=T0 + timedelta(minutes=12))
    assert gone["status"] == "left"
    assert gone["finished_at"] == stamp(T0 + timedelta(minutes=12))
    assert gone["volunteer_id"] is None
    with pytest.raises(Conflict):
        help_desk.mark_left(db, ticket["id"], asha)


def test_a_ticket_being_helped_cannot_be_marked_left(db, in_progress, asha):
    with pytest.raises(Conflict):
        help_desk.mark_left(db, in_progress["id"], asha)
    assert help_desk.get_ticket(db, in_progress["id"])["status"] == "in_progress"


def test_put_back_returns_the_ticket_to_its_place_in_the_queue(db, venue, asha):
    first = new_ticket(db, venue, now=T0)
    second = new_ticket(db, venue, now=T0 + timedelta(minutes=1))
    help_desk.take_ticket(db, first["id"], asha, now=T0 + timedelta(minutes=2))
    assert help_desk.people_ahead(db, second) == 0
    back = help_desk.put_back(db, first["id"], asha, now=T0 + timedelta(minutes=3))
    assert back["status"] == "waiting"
    assert back["taken_at"] is None and back["volunteer_id"] is None
    assert back["created_at"] == first["created_at"]
    assert help_desk.people_ahead(db, second) == 1
    queue = help_desk.queue(db, venue, now=T0 + timedelta(minutes=3))
    assert [t["number"] for t in queue["waiting"]] == [1, 2]
    with pytest.raises(Conflict):
        help_desk.put_back(db, first["id"], asha)


def test_queue_lists_waiting_and_in_progress_for_today_at_one_venue(db, venue, other_venue,
                                                                    asha):
    yesterday = new_ticket(db, venue, now=T0 - timedelta(days=1))
    a = new_ticket(db, venue, name="Ann", now=T0)
    b = new_ticket(db, venue, topic="scams", name="Bob", now=T0 + timedelta(minutes=1))
    new_ticket(db, other_venue, name="Elsewhere", now=T0)
    assert help_desk.people_ahead(db, b) == 1
    help_desk.take_ticket(db, a["id"], asha, now=T0 + timedelta(minutes=2))
    queue = help_desk.queue(db, venue, now=T0 + timedelta(minutes=3))
    assert [t["name"] for t in queue["waiting"]] == ["Bob"]
    assert queue["waiting"][0]["topic_label"] == "Scams and staying safe"
    assert [(t["name"], t["volunteer_name"]) for t in queue["in_progress"]] == [("Ann", "Asha")]
    assert yesterday["id"] not in [t["id"] for t in queue["waiting"]]


def test_called_now_lists_recently_taken_tickets(db, venue, asha):
    a = new_ticket(db, venue, name="Ann", now=T0)
    help_desk.take_ticket(db, a["id"], asha, now=T0 + timedelta(minutes=1))
    assert [c["number"] for c in help_desk.called_now(db, venue, now=T0 + timedelta(minutes=2))] \
        == [1]
    assert help_desk.called_now(db, venue, now=T0 + timedelta(minutes=30)) == []


# ---- reports -------------------------------------------------------------------------------


def test_tickets_between_works_out_wait_and_service_minutes(db, venue, other_venue, asha):
    helped = new_ticket(db, venue, topic="email", now=T0)
    help_desk.take_ticket(db, helped["id"], asha, now=T0 + timedelta(minutes=7))
    help_desk.finish_ticket(db, helped["id"], asha, ["email", "scams"], 15, "solved", "",
                            now=T0 + timedelta(minutes=19, seconds=30))
    gone = new_ticket(db, venue, now=T0 + timedelta(minutes=1))
    help_desk.mark_left(db, gone["id"], asha, now=T0 + timedelta(minutes=26))
    waiting = new_ticket(db, venue, now=T0 + timedelta(minutes=2))
    new_ticket(db, other_venue, now=T0)
    new_ticket(db, venue, now=T0 + timedelta(days=2))

    rows = {r["id"]: r for r in help_desk.tickets_between(db, venue, DAY, DAY)}
    assert set(rows) == {helped["id"], gone["id"], waiting["id"]}
    assert rows[helped["id"]]["wait_minutes"] == 7.0
    assert rows[helped["id"]]["service_minutes"] == 12.5
    assert rows[helped["id"]]["topics_given"] == "Email, Scams and staying safe"
    assert rows[helped["id"]]["volunteer_name"] == "Asha"
    assert rows[helped["id"]]["venue_name"] == "Wigan Library"
    assert rows[gone["id"]]["wait_minutes"] == 25.0
    assert rows[gone["id"]]["service_minutes"] is None
    assert rows[waiting["id"]]["wait_minutes"] is None

    everywhere = help_desk.tickets_between(db, None, DAY, DAY)
    assert len(everywhere) == 4
    assert len(help_desk.tickets_between(db, venue, DAY, DAY + timedelta(days=2))) == 4

    summary = help_desk.summary(list(rows.values()))
    assert summary == {"total": 3, "done": 1, "left": 1, "open": 1, "avg_wait": 16.0,
                       "avg_service": 12.5}
    counts_by_topic = {t["slug"]: t["helped"]
                       for t in help_desk.topic_counts(db, venue, DAY, DAY)}
    assert counts_by_topic == {"email": 1, "scams": 1}
    assert help_desk.topic_counts(db, other_venue, DAY, DAY) == []


def test_parse_day(db):
    assert help_desk.parse_day("2026-11-23", DAY) == DAY
    assert help_desk.parse_day("", DAY) == DAY
    with pytest.raises(InvalidInput) as caught:
        help_desk.parse_day("23/11/2026", DAY)
    assert "day" in caught.value.errors


# ---- audit ---------------------------------------------------------------------------------


def test_every_change_writes_an_audit_row_with_actor_before_and_after(db, venue, asha):
    ticket = new_ticket(db, venue, name="Ann", actor=KIOSK)
    help_desk.take_ticket(db, ticket["id"], asha, now=T0 + timedelta(minutes=1))
    help_desk.put_back(db, ticket["id"], asha, now=T0 + timedelta(minutes=2))
    help_desk.take_ticket(db, ticket["id"], asha, now=T0 + timedelta(minutes=3))
    help_desk.finish_ticket(db, ticket["id"], asha, ["email"], 10, "solved", "",
                            now=T0 + timedelta(minutes=13))
    other = new_ticket(db, venue, now=T0 + timedelta(minutes=4))
    help_desk.mark_left(db, other["id"], asha, now=T0 + timedelta(minutes=20))

    history = [r for r in audit_rows(db) if r["table_name"] == "tickets"]
    assert [(r["action"], r["row_id"]) for r in history] == [
        ("ticket.create", str(ticket["id"])),
        ("ticket.take", str(ticket["id"])),
        ("ticket.put_back", str(ticket["id"])),
        ("ticket.take", str(ticket["id"])),
        ("ticket.finish", str(ticket["id"])),
        ("ticket.topics", str(ticket["id"])),
        ("ticket.create", str(other["id"])),
        ("ticket.left", str(other["id"])),
    ]
    create = history[0]
    assert (create["actor_id"], create["actor"]) == (None, "kiosk: Front desk")
    assert create["before"] is None
    assert json.loads(create["after"])["name"] == "Ann"
    assert create["at"] == stamp(T0)

    for row in history[1:]:
        if row["action"] != "ticket.create":
            assert (row["actor_id"], row["actor"]) == (asha.id, "Asha")
    transitions = {
        "ticket.take": ("waiting", "in_progress"),
        "ticket.put_back": ("in_progress", "waiting"),
        "ticket.finish": ("in_progress", "done"),
        "ticket.left": ("waiting", "left"),
    }
    for row in history:
        if row["action"] in transitions:
            before, after = json.loads(row["before"]), json.loads(row["after"])
            assert (before["status"], after["status"]) == transitions[row["action"]]
    finish = next(r for r in history if r["action"] == "ticket.finish")
    assert json.loads(finish["after"])["minutes"] == 10
    topics_row = next(r for r in history if r["action"] == "ticket.topics")
    assert json.loads(topics_row["after"]) == {"topics": ["email"]}


def test_estimated_wait_counts_only_people_a_free_volunteer_cannot_see_at_once(db, venue, asha):
    """One free volunteer, one person ahead: that person is seen now, so the wait is one
    service time (10 minutes by default), not two."""
    first = new_ticket(db, venue, now=T0)
    second = new_ticket(db, venue, now=T0 + timedelta(minutes=1))
    auth.start_session(db, asha.id, venue, now=T0)
    now = T0 + timedelta(minutes=2)
    assert help_desk.estimated_wait_minutes(db, first, now=now) == 0
    assert help_desk.estimated_wait_minutes(db, second, now=now) == 10
    help_desk.take_ticket(db, first["id"], asha, now=now)
    assert help_desk.estimated_wait_minutes(db, second, now=now) == 10
