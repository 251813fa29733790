"""Learner rules: least data with consent, postcode districts, cards, finding returning
learners, skills progress and its derived flags, help tagged with skills, referrals."""

from datetime import UTC, date, datetime, timedelta

import pytest

import help_desk
import learners
import lending
from audit import Actor
from validation import InvalidInput

pytestmark = pytest.mark.usefixtures("fast_hashing")
SYSTEM = Actor(None, "test")
DAY1 = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=7)
LIFE_AREAS = ("communicating", "handling_information", "transacting", "problem_solving",
              "being_safe")


def agreed(**fields) -> dict:
    return {"first_name": "Mary", "consent_keep": "yes", **fields}


@pytest.fixture
def asha(volunteer):
    return Actor(volunteer, "Asha")


@pytest.fixture
def mary(db, venue, asha):
    return learners.add_learner(db, asha, agreed(), venue, now=DAY1)


@pytest.fixture
def task(db):
    """A task's id from its code, e.g. task("F1")."""
    ids = {t["code"]: t["id"] for t in learners.skill_tasks(db)}
    return ids.__getitem__


def see(db, actor, learner_id, venue, levels: dict, now=DAY1, ticket_id=None):
    return learners.record_skills(db, actor, learner_id, levels, venue, ticket_id, now=now)


def counts(db) -> dict:
    return {t: db[t].count for t in ("learners", "skill_records", "referrals", "audit_log",
                                     "tickets")}


def first_of_each_area(db) -> dict:
    return {area: next(t["code"] for t in learners.skill_tasks(db)
                       if t["area"] == area and t["level"] == "life") for area in LIFE_AREAS}


# ---------------------------------------------------------------- consent and details


def test_no_consent_no_record(db, venue, asha):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        learners.add_learner(db, asha, {"first_name": "Mary", "postcode": "WN5"}, venue)
    assert e.value.errors == {"consent_keep": learners.CONSENT_NEEDED}
    assert counts(db) == before


def test_consent_is_kept_word_for_word_with_when_and_who(db, venue, asha, volunteer):
    learner_id = learners.add_learner(
        db, asha, agreed(consent_contact="yes", contact_kind="mobile",
                         contact="07700 900123"), venue, now=DAY1)
    row = learners.get_learner(db, learner_id)
    assert row["consent_what"].splitlines() == [learners.CONSENT_KEEP, learners.CONSENT_CONTACT]
    assert row["consent_at"] == "2026-03-02T11:00:00+00:00"
    assert row["consent_by"] == volunteer
    assert (row["contact_kind"], row["contact"]) == ("mobile", "07700900123")
    assert row["home_venue_id"] == venue
    entry = next(db["audit_log"].rows_where("table_name = 'learners'"))
    assert entry["action"] == "learner.create" and entry["actor"] == "Asha"
    assert entry["row_id"] == str(learner_id) and "07700900123" in entry["after"]


def test_everything_but_the_name_is_optional(db, venue, asha):
    row = learners.get_learner(db, learners.add_learner(db, asha, agreed(), venue))
    assert row["consent_what"] == learners.CONSENT_KEEP
    assert (row["birth_band"], row["postcode_district"], row["contact"], row["notes"]) == (
        None, None, None, None)
    assert row["contact_kind"] == "none"


@pytest.mark.parametrize("fields, errors", [
    ({"consent_contact": "yes"}, {"contact": learners.CONTACT_NEEDED}),
    ({"consent_contact": "yes", "contact_kind": "email", "contact": "nope"},
     {"contact": "Please give an email address like name@example.com."}),
    ({"contact_kind": "mobile", "contact": "07700 900123"}, {"contact": learners.CONTACT_UNWANTED}),
    ({"first_name": "   "}, {"first_name": learners.NAME_NEEDED}),
    ({"first_name": "M" * 41}, {"first_name": learners.NAME_TOO_LONG}),
    ({"birth_band": "1955"}, {"birth_band": learners.BAD_BAND}),
    ({"notes": "n" * 1001}, {"notes": learners.NOTES_TOO_LONG}),
    ({"first_name": "", "postcode": "nowhere", "birth_band": "x"},
     {"first_name": learners.NAME_NEEDED, "postcode": learners.BAD_POSTCODE,
      "birth_band": learners.BAD_BAND}),
])
def test_bad_details_are_refused_with_a_message_per_field(db, venue, asha, fields, errors):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        learners.add_learner(db, asha, agreed(**fields), venue)
    assert e.value.errors == errors
    assert counts(db) == before


def test_a_name_of_forty_letters_is_fine_and_spaces_are_tidied(db, venue, asha):
    learner_id = learners.add_learner(db, asha, agreed(first_name="  Mary   Ann " + "x" * 31),
                                      venue)
    assert learners.get_learner(db, learner_id)["first_name"] == "Mary Ann " + "x" * 31


@pytest.mark.parametrize("typed, district", [
    ("WN5", "WN5"), ("wn5", "WN5"), ("WN5 0AB", "WN5"), ("wn50ab", "WN5"), ("M1 1AA", "M1"),
    ("SW1A 1AA", "SW1A"), (" ec1a1bb ", "EC1A"), ("WN5 0", "WN5"), ("B33 8TH", "B33"),
    ("", None), ("   ", None),
])
def test_postcodes_keep_only_the_district(typed, district):
    assert learners.normalise_postcode(typed) == district


@pytest.mark.parametrize("typed", ["12345", "WN", "hello world", "WN5 0AB X", "<script>",
                                   "WN5 ABC", "5WN", "WN5-0AB", "ＷＮ５"])
def test_things_that_are_not_postcodes_are_refused(typed):
    with pytest.raises(InvalidInput) as e:
        learners.normalise_postcode(typed)
    assert e.value.errors == {"postcode": learners.BAD_POSTCODE}


def test_a_full_postcode_is_never_stored(db, venue, asha):
    learners.add_learner(db, asha, agreed(postcode="WN5 0AB"), venue)
    assert learners.get_learner(db, 1)["postcode_district"] == "WN5"
    dump = "\n".join(str(tuple(r)) for t in ("learners", "audit_log")
                     for r in db.execute(f"select * from {t}"))  # noqa: S608
    assert "0AB" not in dump.upper()


def test_a_double_tap_adds_one_learner(db, venue, asha):
    first = learners.add_learner(db, asha, agreed(), venue, request_id="tap")
    again = learners.add_learner(db, asha, agreed(), venue, request_id="tap")
    assert first == again and db["learners"].count == 1


def test_editing_contact_consent_rewrites_what_was_agreed_and_when(db, mary, staff):
    actor = Actor(staff, "Sam Staff")
    learners.update_learner(db, actor, mary, {
        "first_name": "Mary", "consent_contact": "yes", "contact_kind": "email",
        "contact": "mary@example.com", "postcode": "wn6 7aa"}, now=DAY2)
    row = learners.get_learner(db, mary)
    assert row["consent_what"].splitlines()[-1] == learners.CONSENT_CONTACT
    assert row["consent_at"] == "2026-03-09T11:00:00+00:00" and row["consent_by"] == staff
    assert row["postcode_district"] == "WN6"
    entry = db["audit_log"].rows_where("action = 'learner.update'").__next__()
    assert '"contact": null' in entry["before"] and "mary@example.com" in entry["after"]
    learners.update_learner(db, actor, mary, {"first_name": "Mary"}, now=DAY2)
    assert learners.get_learner(db, mary)["consent_what"] == learners.CONSENT_KEEP


# ---------------------------------------------------------------- cards


def test_card_codes_are_opaque_and_easy_to_type(db, mary):
    code = learners.get_learner(db, mary)["card_code"]
    assert len(code) == 8 and set(code) <= set(learners.CARD_ALPHABET)
    assert not set("01OIL") & set(learners.CARD_ALPHABET)


def test_a_clashing_card_code_is_drawn_again(db, venue, asha, mary, monkeypatch):
    taken = learners.get_learner(db, mary)["card_code"]
    draws = iter([taken, taken, "ZZZZ2222"])
    monkeypatch.setattr(learners, "new_card_code", lambda: next(draws))
    learner_id = learners.add_learner(db, asha, agreed(first_name="Bob"), venue)
    assert learners.get_learner(db, learner_id)["card_code"] == "ZZZZ2222"


@pytest.mark.parametrize("scanned", [
    "{code}", "{lower}", "  {code}  ", "{a} {b}", "{a}-{b}", "https://doorstep.example/l/{code}",
    "http://x/l/{lower}", "/l/{code}", "/l/{code}/", "doorstep.example/l/{lower}",
])
def test_a_card_is_found_however_it_is_scanned_or_typed(db, mary, scanned):
    code = learners.get_learner(db, mary)["card_code"]
    text = scanned.format(code=code, lower=code.lower(), a=code[:4], b=code[4:])
    assert learners.learner_by_card(db, text)["id"] == mary
    assert learners.resolve_card(db, text)["id"] == mary


@pytest.mark.parametrize("scanned, message", [
    ("", learners.EMPTY_CARD), ("   ", learners.EMPTY_CARD),
    ("ZZZZ2222", learners.UNKNOWN_CARD), ("https://x/l/ZZZZ2222", learners.UNKNOWN_CARD),
    ("https://x/d/TAB-0001", learners.DEVICE_NOT_CARD), ("<script>", learners.UNKNOWN_CARD),
    ("http://[", learners.UNKNOWN_CARD), ("x" * 10_000, learners.UNKNOWN_CARD),
])
def test_unknown_cards_get_a_clear_message(db, mary, scanned, message):
    assert learners.learner_by_card(db, scanned) is None
    with pytest.raises(InvalidInput) as e:
        learners.resolve_card(db, scanned)
    assert e.value.errors == {"scan": message}


def test_a_device_url_with_a_code_shaped_tag_is_not_a_card(db, mary):
    code = learners.get_learner(db, mary)["card_code"]
    assert learners.learner_by_card(db, f"/d/{code}") is None
    assert learners.is_card_url(f"https://x/l/{code}") and not learners.is_card_url(code)


# ---------------------------------------------------------------- finding learners


def test_find_at_this_venue_most_recently_seen_first(db, venue, other_venue, asha):
    older = learners.add_learner(db, asha, agreed(first_name="Maria"), venue, now=DAY1)
    newer = learners.add_learner(db, asha, agreed(first_name="Mary"), venue, now=DAY2)
    visitor = learners.add_learner(db, asha, agreed(first_name="Marianne"), other_venue,
                                   now=DAY1)
    elsewhere = learners.add_learner(db, asha, agreed(first_name="Mark"), other_venue)
    ticket = help_desk.create_ticket(db, venue, "email", "Marianne", asha,
                                     now=DAY2 + timedelta(hours=1))
    learners.link_ticket(db, asha, ticket["id"], visitor)

    found = [r["id"] for r in learners.find_learners(db, "mar", venue)]
    assert found == [visitor, newer, older]  # Marianne was seen here last, by her ticket
    assert elsewhere not in found
    everywhere = {r["id"] for r in learners.find_learners(db, "MAR", venue, everywhere=True)}
    assert everywhere == {older, newer, visitor, elsewhere}
    assert [r["id"] for r in learners.find_learners(db, "mary", venue)] == [newer]
    assert learners.find_learners(db, "%", venue, everywhere=True) == []
    assert learners.find_learners(db, "_", venue, everywhere=True) == []
    assert learners.find_learners(db, "x" * 41, venue) == []
    assert {r["id"] for r in learners.find_learners(db, "", venue)} == {older, newer, visitor}


def test_a_skills_check_at_a_venue_counts_as_seen_there(db, venue, other_venue, asha, task):
    learner_id = learners.add_learner(db, asha, agreed(), other_venue)
    assert learners.find_learners(db, "Mary", venue) == []
    see(db, asha, learner_id, venue, {task("F1"): "with_help"})
    assert [r["id"] for r in learners.find_learners(db, "Mary", venue)] == [learner_id]


# ---------------------------------------------------------------- derived flags


def foundation(db):
    return [t["code"] for t in learners.skill_tasks(db) if t["level"] == "foundation"]


def test_the_seeded_tasks(db):
    tasks = learners.skill_tasks(db)
    assert len(foundation(db)) == 8
    assert {t["area"] for t in tasks if t["level"] == "life"} == set(LIFE_AREAS)
    assert [a["slug"] for a in learners.tasks_by_area(db)] == ["foundation", *LIFE_AREAS]
    assert all(t["plain"].startswith("I ") for t in tasks)


def test_foundation_needs_all_eight_on_their_own(db, venue, asha, mary, task):
    codes = foundation(db)
    see(db, asha, mary, venue, {task(c): "on_own" for c in codes[:7]})
    see(db, asha, mary, venue, {task(codes[7]): "with_help"})
    p = learners.progress(db, mary, DAY1.date())
    assert (p["has_foundation"], p["foundation_done"], p["foundation_total"]) == (False, 7, 8)
    see(db, asha, mary, venue, {task(codes[7]): "on_own"}, now=DAY1 + timedelta(hours=1))
    p = learners.progress(db, mary, DAY1.date())
    assert (p["has_foundation"], p["foundation_done"]) == (True, 8)
    assert p["has_life"] is False and p["done"] == 8


def test_the_latest_observation_wins(db, venue, asha, mary, task):
    """Seen "on my own", later "with help": the task counts as with help (people forget;
    the record says what was last seen). Seen on their own again, it counts again."""
    codes = foundation(db)
    see(db, asha, mary, venue, {task(c): "on_own" for c in codes})
    see(db, asha, mary, venue, {task("F5"): "with_help"}, now=DAY2)
    p = learners.progress(db, mary, DAY2.date())
    assert (p["has_foundation"], p["foundation_done"]) == (False, 7)
    f5 = next(t for t in p["areas"][0]["tasks"] if t["code"] == "F5")
    assert (f5["latest"]["level"], f5["latest"]["observed_on"]) == ("with_help", "2026-03-09")
    assert f5["latest"]["volunteer_name"] == "Asha"
    see(db, asha, mary, venue, {task("F5"): "on_own"}, now=DAY2 + timedelta(minutes=5))
    assert learners.progress(db, mary, DAY2.date())["has_foundation"] is True


def test_life_needs_one_on_their_own_in_each_of_the_five_areas(db, venue, asha, mary, task):
    firsts = first_of_each_area(db)
    see(db, asha, mary, venue, {task(c): "on_own" for c in list(firsts.values())[:4]})
    see(db, asha, mary, venue, {task(c): "on_own" for c in foundation(db)})
    see(db, asha, mary, venue, {task(firsts["being_safe"]): "with_help"})
    p = learners.progress(db, mary, DAY1.date())
    assert (p["has_life"], p["life_areas_done"], p["life_areas_total"]) == (False, 4, 5)
    see(db, asha, mary, venue, {task("S13"): "on_own"}, now=DAY1 + timedelta(hours=1))
    p = learners.progress(db, mary, DAY1.date())
    assert (p["has_life"], p["life_done"], p["life_total"]) == (True, 5, 27)  # as seeded
    assert p["done"] == 13


def test_derive_is_the_rule_on_its_own(db):
    tasks = learners.skill_tasks(db)
    ids = {t["code"]: t["id"] for t in tasks}
    assert learners.derive(tasks, set())["has_foundation"] is False
    assert learners.derive(tasks, {ids[c] for c in foundation(db)})["has_foundation"] is True
    all_life = {t["id"] for t in tasks if t["level"] == "life"}
    flags = learners.derive(tasks, all_life)
    assert (flags["has_life"], flags["has_foundation"], flags["life_done"]) == (
        True, False, len(all_life))
    assert learners.derive([], set())["has_life"] is False  # no tasks, no flag


def test_gain_since_the_end_of_the_first_visit_day(db, venue, asha, mary, task):
    see(db, asha, mary, venue, {task("F1"): "on_own", task("F2"): "with_help"})
    see(db, asha, mary, venue, {task("F2"): "on_own"}, now=DAY1 + timedelta(hours=2))
    first = learners.progress(db, mary, DAY1.date())
    assert (first["done"], first["gain"], first["first_day"]) == (2, 0, "2026-03-02")
    see(db, asha, mary, venue, {task("F3"): "on_own", task("C1"): "on_own",
                                task("F1"): "with_help"}, now=DAY2)
    later = learners.progress(db, mary, DAY2.date())
    assert (later["done"], later["done_at_first"], later["gain"]) == (3, 2, 1)
    assert learners.progress(db, mary, DAY2.date() - timedelta(days=1))["gain"] == 0


def test_flags_for_a_list_match_progress(db, venue, asha, mary, task):
    see(db, asha, mary, venue, {task(c): "on_own" for c in foundation(db)})
    see(db, asha, mary, venue, {task("F1"): "with_help"}, now=DAY2)
    other = learners.add_learner(db, asha, agreed(first_name="Bob"), venue)
    rows = {r["id"]: r for r in learners.flags_for(db, learners.find_learners(db, "", venue))}
    today = lending.today()
    for learner_id in (mary, other):
        p = learners.progress(db, learner_id, today)
        assert {k: rows[learner_id][k] for k in ("has_foundation", "has_life", "done")} == {
            k: p[k] for k in ("has_foundation", "has_life", "done")}
    assert rows[mary]["done"] == 7
    assert learners.flags_for(db, []) == []


# ---------------------------------------------------------------- recording skills


@pytest.mark.parametrize("levels, errors", [
    ({}, {"skills": learners.NO_SKILLS}),
    ({"9999": "on_own"}, {"skills": learners.UNKNOWN_TASK}),
    ({"abc": "on_own"}, {"skills": learners.UNKNOWN_TASK}),
    ({"1": "brilliant"}, {"skill_1": learners.BAD_LEVEL}),
    ({"1": "on_own", "2": ""}, {"skill_2": learners.BAD_LEVEL}),
])
def test_bad_skill_choices_write_nothing(db, venue, asha, mary, levels, errors):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        see(db, asha, mary, venue, levels)
    assert e.value.errors == errors
    assert counts(db) == before


def test_records_are_history_with_who_where_and_when(db, venue, asha, volunteer, mary, task):
    assert see(db, asha, mary, venue, {str(task("C2")): "with_help"}) == 1
    assert see(db, asha, mary, venue, {task("C2"): "on_own"}, now=DAY2) == 1
    rows = list(db["skill_records"].rows_where(order_by="id"))
    assert [(r["level"], r["observed_on"], r["volunteer_id"], r["venue_id"]) for r in rows] == [
        ("with_help", "2026-03-02", volunteer, venue), ("on_own", "2026-03-09", volunteer, venue)]
    assert db["audit_log"].count_where("action = 'skill.record'") == 2


def test_the_same_observation_again_the_same_day_adds_nothing(db, venue, asha, mary, task):
    see(db, asha, mary, venue, {task("C1"): "on_own"})
    assert see(db, asha, mary, venue, {task("C1"): "on_own"},
               now=DAY1 + timedelta(seconds=3)) == 0
    assert db["skill_records"].count == 1


def test_skills_for_someone_not_on_the_list(db, venue, asha, task):
    with pytest.raises(InvalidInput) as e:
        see(db, asha, 999, venue, {task("C1"): "on_own"})
    assert e.value.errors == {"learner": learners.NO_SUCH_LEARNER}


def test_levels_from_a_form(db):
    form = {"skill_3": "on_own", "skill_4": "", "topics": "email", "skill_x": "not_yet"}
    assert learners.levels_from_form(form) == {"3": "on_own", "x": "not_yet"}


# ---------------------------------------------------------------- help with skills


@pytest.fixture
def helping(db, venue, asha, mary):
    """A ticket for Mary that Asha is helping with now."""
    return learners.start_help(db, asha, mary, venue, "email", request_id="help-1", now=DAY1)


def test_help_now_makes_a_taken_ticket_for_the_learner(db, asha, volunteer, mary, helping):
    assert (helping["status"], helping["volunteer_id"], helping["learner_id"]) == (
        "in_progress", volunteer, mary)
    assert (helping["name"], helping["source"]) == ("Mary", "walk_in")
    again = learners.start_help(db, asha, mary, helping["venue_id"], "email",
                                request_id="help-1")
    assert again["id"] == helping["id"] and db["tickets"].count == 1


def test_help_now_needs_a_topic_and_writes_nothing_without(db, venue, asha, mary):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        learners.start_help(db, asha, mary, venue, "")
    assert e.value.errors == {"topic": "Please choose what you need help with."}
    assert counts(db) == before


def test_finishing_help_with_skills_is_one_write(db, asha, mary, helping, task):
    ticket = learners.finish_help(db, asha, helping["id"], ["email"], "15", "solved", "",
                                  {task("C1"): "on_own", task("F6"): "with_help"},
                                  now=DAY1 + timedelta(minutes=15))
    assert ticket["status"] == "done"
    rows = list(db["skill_records"].rows)
    assert {(r["task_id"], r["level"], r["ticket_id"]) for r in rows} == {
        (task("C1"), "on_own", helping["id"]), (task("F6"), "with_help", helping["id"])}
    visits = learners.progress(db, mary, DAY1.date())["visits"]
    assert len(visits) == 1 and visits[0]["topics_given"] == "Email"
    assert visits[0]["minutes"] == 15 and visits[0]["volunteer_name"] == "Asha"
    assert {r["code"] for r in visits[0]["skills"]} == {"C1", "F6"}


def test_finishing_help_checks_everything_first(db, asha, helping, task):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        learners.finish_help(db, asha, helping["id"], ["email"], "abc", "solved", "",
                             {task("C1"): "brilliant"})
    assert set(e.value.errors) == {"minutes", f"skill_{task('C1')}"}
    assert counts(db) == before
    assert help_desk.get_ticket(db, helping["id"])["status"] == "in_progress"


def test_a_conflict_while_finishing_leaves_no_skills_behind(db, asha, helping, task):
    help_desk.finish_ticket(db, helping["id"], asha, ["email"], "5", "solved", "")
    with pytest.raises(help_desk.Conflict):
        learners.finish_help(db, asha, helping["id"], ["email"], "5", "solved", "",
                             {task("C1"): "on_own"})
    assert db["skill_records"].count == 0


def test_skills_need_a_learner_on_the_ticket(db, venue, asha, task):
    ticket = help_desk.create_ticket(db, venue, "email", "Anon", asha)
    help_desk.take_ticket(db, ticket["id"], asha)
    with pytest.raises(InvalidInput) as e:
        learners.finish_help(db, asha, ticket["id"], ["email"], "5", "solved", "",
                             {task("C1"): "on_own"})
    assert e.value.errors == {"skills": learners.NO_LEARNER}
    # Without skills it finishes as before.
    learners.finish_help(db, asha, ticket["id"], ["email"], "5", "solved", "", {})
    assert help_desk.get_ticket(db, ticket["id"])["status"] == "done"


def test_linking_a_kiosk_ticket_and_a_second_visit(db, venue, asha, mary, task):
    kiosk = Actor(None, "kiosk")
    for when in (DAY1, DAY2):
        ticket = help_desk.create_ticket(db, venue, "scams", "Mary", kiosk, now=when)
        help_desk.take_ticket(db, ticket["id"], asha, now=when)
        learners.link_ticket(db, asha, ticket["id"], mary, now=when)
        learners.finish_help(db, asha, ticket["id"], ["scams"], "10", "solved", "",
                             {task("S10"): "with_help" if when == DAY1 else "on_own"},
                             now=when + timedelta(minutes=10))
    see(db, asha, mary, venue, {task("H1"): "on_own"}, now=DAY2 + timedelta(hours=1))
    p = learners.progress(db, mary, DAY2.date())
    assert [(v["kind"], v["day"]) for v in p["visits"]] == [
        ("skills", "2026-03-09"), ("help", "2026-03-09"), ("help", "2026-03-02")]
    assert (p["days_seen"], p["done"], p["gain"]) == (2, 2, 2)
    entry = list(db["audit_log"].rows_where("action = 'ticket.learner'"))
    assert len(entry) == 2 and entry[0]["actor"] == "Asha"


def test_linking_needs_a_real_ticket_and_learner(db, venue, asha, mary):
    ticket = help_desk.create_ticket(db, venue, "email", None, asha)
    with pytest.raises(InvalidInput) as e:
        learners.link_ticket(db, asha, ticket["id"], 999)
    assert e.value.errors == {"learner": learners.NO_SUCH_LEARNER}
    with pytest.raises(InvalidInput) as e:
        learners.link_ticket(db, asha, 999, mary)
    assert e.value.errors == {"ticket": learners.NO_SUCH_TICKET}


# ---------------------------------------------------------------- referrals


@pytest.fixture
def partner(db):
    return lending.add_partner(db, SYSTEM, {"name": "Wigan Age UK"})


def test_referrals_are_made_then_taken_up_or_not(db, asha, staff, mary, partner):
    course = learners.add_referral(db, asha, mary, {"kind": "adult_learning",
                                                    "detail": "Computers for beginners"},
                                   now=DAY1)
    to_partner = learners.add_referral(db, asha, mary, {"kind": "partner",
                                                        "partner_id": str(partner)}, now=DAY1)
    learners.add_referral(db, asha, mary, {"kind": "sim"}, now=DAY1)
    rows = learners.referrals(db, mary)
    assert {(r["kind"], r["status"], r["made_on"]) for r in rows} == {
        ("adult_learning", "made", "2026-03-02"), ("partner", "made", "2026-03-02"),
        ("sim", "made", "2026-03-02")}
    assert learners.get_referral(db, to_partner)["partner_name"] == "Wigan Age UK"
    done = learners.set_referral_status(db, Actor(staff, "Sam"), course, "taken_up", now=DAY2)
    assert (done["status"], done["status_on"]) == ("taken_up", "2026-03-09")
    actions = [r["action"] for r in db["audit_log"].rows_where("table_name = 'referrals'",
                                                                  order_by="id")]
    assert actions == ["referral.create"] * 3 + ["referral.status"]


@pytest.mark.parametrize("form, errors", [
    ({}, {"kind": learners.BAD_KIND}),
    ({"kind": "rockets"}, {"kind": learners.BAD_KIND}),
    ({"kind": "adult_learning", "detail": "  "}, {"detail": learners.COURSE_NEEDED}),
    ({"kind": "partner"}, {"partner_id": learners.PARTNER_NEEDED}),
    ({"kind": "partner", "partner_id": "999"}, {"partner_id": learners.PARTNER_NEEDED}),
    ({"kind": "wellbeing", "detail": "d" * 201}, {"detail": learners.DETAIL_TOO_LONG}),
])
def test_bad_referrals_write_nothing(db, asha, mary, form, errors):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        learners.add_referral(db, asha, mary, form)
    assert e.value.errors == errors
    assert counts(db) == before


def test_referral_double_taps_and_bad_statuses(db, asha, mary):
    form = {"kind": "wellbeing", "detail": "Walking group"}
    first = learners.add_referral(db, asha, mary, form)
    assert learners.add_referral(db, asha, mary, form) == first
    with pytest.raises(InvalidInput) as e:
        learners.set_referral_status(db, asha, first, "maybe")
    assert e.value.errors == {"status": learners.BAD_STATUS}
    with pytest.raises(InvalidInput):
        learners.set_referral_status(db, asha, 999, "made")
    learners.set_referral_status(db, asha, first, "made")  # unchanged: nothing to audit
    assert db["audit_log"].count_where("action = 'referral.status'") == 0


def test_what_a_learner_can_do_in_plain_words(db, venue, asha, mary, task):
    see(db, asha, mary, venue, {task("C2"): "on_own", task("F5"): "on_own",
                                task("T2"): "with_help", task("S1"): "not_yet"})
    achieved = learners.achievements(learners.progress(db, mary, date(2026, 3, 2)))
    assert achieved["on_own"] == [("Getting started", ["I can connect to Wi-Fi."]),
                                  ("Keeping in touch", ["I can make a video call."])]
    assert achieved["with_help"] == [
        "I can use council, NHS and other public services online, and fill in forms."]
