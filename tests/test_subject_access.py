"""Subject access and erasure: a copy of everything held about one person and nothing about
anyone else; erasure that removes who they were everywhere (the audit log too) and keeps
every count; refusals while it is not safe; and nobody left to find afterwards."""

import json
from datetime import date, timedelta

import pytest

import help_desk
import impact
import learners
import lending
import personal_data
import reminders
import subject_access
import volunteers
from audit import Actor
from giveaways import refurb, sims
from personal_data import Ref
from tests.test_refurb import ready
from tests.test_sims import ELIGIBLE, add_stock
from tests.test_volunteers import add_session, at
from validation import InvalidInput

pytestmark = pytest.mark.usefixtures("fast_hashing")
SIGNED = json.dumps([[[10, 10], [50, 40], [90, 20]]])
MARY_PHONE = "07700900123"
BOB_PHONE = "07700900999"


def resident(db, venue, staff_id, volunteer_id) -> dict:
    """Mary: a learner (visits, skills, a referral, two SIMs, a device for her course) and,
    separately, a borrower (a loan back with a note, one out, a reminder); Bob, another
    learner, whose data must never show up in Mary's copy or go with her erasure."""
    staff = Actor(staff_id, "Sam Staff")
    asha = Actor(volunteer_id, "Asha")
    mary = learners.add_learner(db, asha, {
        "first_name": "Mary", "consent_keep": "yes", "consent_contact": "yes",
        "contact_kind": "mobile", "contact": "07700 900123", "postcode": "WN5 0AB",
        "birth_band": "1940s", "notes": "Hard of hearing, prefers mornings"}, venue)
    ticket = learners.start_help(db, asha, mary, venue, "email")
    task = learners.skill_tasks(db)[0]
    learners.finish_help(db, asha, ticket["id"], ["email"], 20, "solved",
                         "Set up Gmail with Mary", {task["id"]: "on_own"})
    learners.add_referral(db, asha, mary, {"kind": "adult_learning",
                                           "detail": "Mary's IT course at Wigan college"})
    codes = add_stock(db, venue, 3, start=700)
    sims.give_sim(db, staff, codes[0], venue, ELIGIBLE, learner_id=mary)
    sims.give_sim(db, staff, codes[1], venue, ELIGIBLE, learner_id=mary,
                  override_reason="Mary lost the first one on the bus")
    donation = refurb.record_donation(db, staff, {
        "donor": "Wigan Council", "donor_kind": "council", "received_on": "2026-01-02",
        "count_laptop": "1"})
    laptop = ready(db, refurb.donation_devices(db, donation)[0]["id"])
    refurb.allocate(db, staff, laptop, "gifted", {
        "gift_reason": "course_completion", "course": "Digital skills", "learner_id": mary,
        "note": "Mary was thrilled"})

    tablet = lending.add_device(db, staff, {"kind": "tablet"})
    loan = lending.check_out(db, staff, tablet, new_borrower={
        "name": "Mary Jones", "contact_kind": "mobile", "contact": "07700 900123",
        "library_card": "WIG12345"}, due_on=(lending.today() + timedelta(days=14)).isoformat(),
        signature=SIGNED)
    borrower = lending.get_loan(db, loan)["borrower_id"]
    reminders.note_contact(db, staff, loan, "phone", "Spoke to Mary, back Friday")
    lending.check_in(db, staff, tablet, ["screen", "charger", "reset"],
                     notes="Mary's grandson cracked the case")

    spare = lending.add_device(db, staff, {"kind": "tablet"})
    bob = learners.add_learner(db, asha, {
        "first_name": "Bob", "consent_keep": "yes", "consent_contact": "yes",
        "contact_kind": "mobile", "contact": BOB_PHONE, "notes": "Bob's private note"},
        venue)
    learners.start_help(db, asha, bob, venue, "scams")
    card = learners.get_learner(db, mary)["card_code"]
    return {"mary": mary, "borrower": borrower, "bob": bob, "loan": loan, "spare": spare,
            "card": card, "bob_card": learners.get_learner(db, bob)["card_code"],
            "refs": [f"learner:{mary}", f"borrower:{borrower}"]}


MARY_SECRETS = ("Mary", MARY_PHONE, "WIG12345", "Hard of hearing", "Gmail", "Wigan college",
                "lost the first one", "thrilled", "grandson", "Spoke to Mary", "M10 10L50 40")


@pytest.fixture
def world(db, venue, staff, volunteer):
    return resident(db, venue, staff, volunteer)


def everything(db) -> str:
    """Every value in every table, as one text, to search for what should be gone."""
    parts = []
    for table in db.table_names():
        for row in db.execute(f"select * from [{table}]"):  # noqa: S608
            parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def counts(db) -> dict:
    return {t: db[t].count for t in db.table_names()}


def figures(db) -> list:
    first, last = impact.default_period(lending.today())
    return [(f["key"], f["value"]) for f in impact.dashboard(db, first, last)]


# ---------------------------------------------------------------- finding them


def test_staff_find_every_record_by_name_contact_or_card(db, world):
    by_name = {r["ref"] for r in subject_access.find(db, "mary")}
    assert by_name == set(world["refs"])
    assert {r["ref"] for r in subject_access.find(db, "07700 900 123")} == set(world["refs"])
    assert {r["ref"] for r in subject_access.find(db, "+447700900123")} == set(world["refs"])
    assert [r["ref"] for r in subject_access.find(db, "wig12345")] == [world["refs"][1]]
    card = world["card"]
    assert [r["ref"] for r in subject_access.find(db, f"{card[:4]}-{card[4:]}".lower())] == [
        world["refs"][0]]
    assert [r["ref"] for r in subject_access.find(
        db, f"https://doorstep.example/l/{card}")] == [world["refs"][0]]


@pytest.mark.parametrize("q, message", [("", subject_access.SHORT_QUERY),
                                        ("x", subject_access.SHORT_QUERY),
                                        ("x" * 101, subject_access.LONG_QUERY)])
def test_a_search_too_short_or_long_is_refused(db, world, q, message):
    with pytest.raises(InvalidInput) as e:
        subject_access.find(db, q)
    assert e.value.errors == {"q": message}


def test_wildcards_in_a_search_are_just_characters(db, world):
    assert subject_access.find(db, "%%") == []
    assert subject_access.find(db, "__") == []


# ---------------------------------------------------------------- the copy


def test_the_copy_holds_what_we_hold_about_them_and_nothing_about_anyone_else(
        db, world, staff):
    made = subject_access.export(db, Actor(staff, "Sam Staff"), world["refs"], "json")
    text = subject_access.as_json(made)
    data = json.loads(text)
    learner, borrower = data["records"]
    headings = list(learner["sections"])
    assert headings == ["About you", "Your visits", "Skills you practised",
                        "Where we referred you", "SIM cards and data you were given",
                        "Devices you were given", "Changes we recorded"]
    assert list(borrower["sections"]) == ["About you", "Devices you borrowed",
                                          "Reminders we sent you", "Changes we recorded"]
    about = learner["sections"]["About you"][0]
    assert about["First name"] == "Mary" and about["Contact"] == MARY_PHONE
    assert about["Learner card code"] == world["card"] and about["Born in the"] == "1940s"
    visit = learner["sections"]["Your visits"][0]
    assert visit["Notes"] == "Set up Gmail with Mary" and visit["How it went"] == "Solved"
    skill = learner["sections"]["Skills you practised"][0]
    assert skill["How you did"] == "On my own"
    assert [g["Reason it was given anyway"] for g in
            learner["sections"]["SIM cards and data you were given"]] == [
        None, "Mary lost the first one on the bus"]
    loan = borrower["sections"]["Devices you borrowed"][0]
    assert loan["Your signature"] == lending.signature_path(SIGNED)
    assert loan["Notes when it came back"] == "Mary's grandson cracked the case"
    assert borrower["sections"]["Reminders we sent you"][0]["Note"] == (
        "Spoke to Mary, back Friday")
    changes = learner["sections"]["Changes we recorded"]
    assert changes[0]["What"] == "Your record was made" and changes[0]["Who"] == "a volunteer"
    assert {c["Who"] for c in changes} <= {"a volunteer", "a member of staff", "the system"}
    for other in ("Bob", BOB_PHONE, world["bob_card"], "Asha", "Sam Staff"):
        assert other not in text, other


def test_every_copy_is_audited_without_what_it_held(db, world, staff):
    subject_access.export(db, Actor(staff, "Sam Staff"), world["refs"], "readable copy")
    rows = list(db["audit_log"].rows_where("action = 'subject.export'", order_by="id"))
    assert [(r["table_name"], r["row_id"], json.loads(r["after"])) for r in rows] == [
        ("learners", str(world["mary"]), {"form": "readable copy"}),
        ("borrowers", str(world["borrower"]), {"form": "readable copy"})]
    assert rows[0]["actor_id"] == staff


@pytest.mark.parametrize("refs, message", [
    ([], subject_access.PICK_RECORDS), (["learner:999999"], subject_access.GONE),
    (["nobody:1"], subject_access.GONE), (["learner:abc"], subject_access.GONE),
    (["learner:99999999999999999999999"], subject_access.GONE),
    (["learner:1"] * 21, subject_access.TOO_MANY),
])
def test_a_copy_of_unknown_records_is_refused_and_writes_nothing(db, world, staff, refs,
                                                                 message):
    before = counts(db)
    with pytest.raises(InvalidInput) as e:
        subject_access.export(db, Actor(staff, "Sam Staff"), refs, "json")
    assert e.value.errors == {"r": message}
    assert counts(db) == before


def test_a_big_copy_needs_only_indexed_lookups(db, world):
    """The export's queries find rows through indexes, not by reading whole tables (what
    keeps it to milliseconds on ten years of a borough; see the report for timings)."""
    plans = []
    ref = Ref("learner", world["mary"])
    for place in ref.subject.all_places():
        if place.export:
            plans += [r[3] for r in db.execute("explain query plan " + place.export,
                                               {"id": ref.id})]
    scans = [p for p in plans if p.startswith("SCAN") and "refurb_allocations" not in p
             and "SCAN CONSTANT" not in p]
    assert scans == []


# ---------------------------------------------------------------- erasure


def erase(db, staff, refs, reason="asked"):
    return subject_access.erase(db, Actor(staff, "Sam Staff"), refs, reason, True)


def test_erasure_removes_who_they_were_everywhere_and_keeps_every_count(db, world, staff):
    before_counts, before_figures = counts(db), figures(db)
    assert all(s in everything(db) for s in MARY_SECRETS)

    done = erase(db, staff, world["refs"])

    text = everything(db)
    for secret in MARY_SECRETS + (world["card"],):
        assert secret not in text, secret
    assert "Bob" in text and BOB_PHONE in text and "Bob's private note" in text
    after = counts(db)
    assert after == dict(before_counts, audit_log=before_counts["audit_log"] + 2)
    assert figures(db) == before_figures
    mary = learners.get_learner(db, world["mary"])
    assert mary["first_name"] == personal_data.ANONYMISED and mary["anonymised_at"]
    assert mary["postcode_district"] == "WN5" and mary["birth_band"] is None
    assert db["sim_giveaways"].count_where("override_reason = ?", [personal_data.REMOVED]) == 1
    assert [d["label"] for d in done] == ["Learner", "Borrower"]
    assert "signatures" in done[1]["categories"]


def test_the_old_card_finds_nobody(app, db, world, staff):
    erase(db, staff, world["refs"][:1])
    assert learners.learner_by_card(db, world["card"]) is None
    assert app.test_client().get(f"/l/{world['card']}").status_code == 404
    new_code = learners.get_learner(db, world["mary"])["card_code"]
    assert learners.card_code(new_code) is None  # no scan or typing can reach it


def test_the_erase_entry_says_what_happened_and_keeps_none_of_it(db, world, staff):
    erase(db, staff, world["refs"], reason="withdrew_consent")
    rows = list(db["audit_log"].rows_where("action = 'subject.erase'", order_by="id"))
    assert [(r["table_name"], r["row_id"], r["actor_id"]) for r in rows] == [
        ("learners", str(world["mary"]), staff), ("borrowers", str(world["borrower"]), staff)]
    learner_entry = json.loads(rows[0]["after"])
    assert learner_entry["reason"] == "withdrew_consent"
    assert learner_entry["record"] == "learner"
    assert {"name", "contact details", "notes", "learner card", "birth decade",
            "help notes", "referral details"} <= set(learner_entry["categories"])
    assert learner_entry["rows"]["tickets"] == 1 and learner_entry["rows"]["skill_records"] == 1
    for row in rows:
        assert row["before"] is None
        for secret in MARY_SECRETS + (world["card"],):
            assert secret not in row["after"], secret


def test_after_erasure_no_search_finds_them(db, world, staff):
    erase(db, staff, world["refs"])
    for q in ("Mary", "07700 900123", "WIG12345", world["card"], "Anonymised"):
        assert subject_access.find(db, q) == [], q
    assert learners.find_learners(db, "", everywhere=True) == [
        learners.find_learners(db, "Bob", everywhere=True)[0]]
    assert lending.find_borrowers(db, "an") == []


def test_earlier_audit_entries_keep_who_did_what_and_when(db, world, staff):
    entries = lambda: [(r["action"], r["actor"], r["at"]) for r in db["audit_log"].rows_where(  # noqa: E731
        "table_name in ('learners', 'tickets', 'borrowers', 'loans')", order_by="id")]
    before = entries()
    erase(db, staff, world["refs"])
    assert entries()[:len(before)] == before
    create = json.loads(db.execute("select after from audit_log where action = "
                                   "'learner.create'").fetchone()[0])
    assert create["first_name"] == personal_data.REMOVED
    assert create["postcode_district"] == "WN5"


def test_erasure_is_refused_while_a_device_is_on_loan_to_them(db, world, staff):
    lending.check_out(db, Actor(staff, "Sam"), world["spare"], borrower_id=world["borrower"],
                      due_on=(lending.today() + timedelta(days=7)).isoformat(),
                      agreed_in_person=True)
    tag = lending.get_device(db, world["spare"])["asset_tag"]
    before, text = counts(db), everything(db)
    with pytest.raises(InvalidInput) as e:
        erase(db, staff, world["refs"])
    due = (lending.today() + timedelta(days=7)).isoformat()
    assert e.value.errors == {"r": subject_access.ON_LOAN.format(tag=tag, due=due)}
    assert counts(db) == before and everything(db) == text  # the learner was not erased either


def test_erasure_waits_for_a_kiosk_return_to_be_checked(db, world, staff, venue):
    lending.check_out(db, Actor(staff, "Sam"), world["spare"], borrower_id=world["borrower"],
                      due_on=(lending.today() + timedelta(days=7)).isoformat(),
                      agreed_in_person=True)
    lending.self_return(db, Actor(None, "kiosk"), world["spare"], venue)
    assert "nobody has checked it in" in subject_access.refusal(db, Ref("borrower",
                                                                        world["borrower"]))


def test_erasure_waits_while_they_are_in_the_queue(db, world, staff, venue):
    help_desk.create_ticket(db, venue, "email", "Mary", Actor(None, "kiosk"))
    ticket = db.execute("select id, number from tickets order by id desc limit 1").fetchone()
    learners.link_ticket(db, Actor(staff, "Sam"), ticket[0], world["mary"])
    with pytest.raises(InvalidInput) as e:
        erase(db, staff, world["refs"][:1])
    assert e.value.errors == {"r": subject_access.IN_QUEUE.format(number=ticket[1])}


@pytest.mark.parametrize("reason, confirmed, errors", [
    ("", True, {"reason": subject_access.PICK_REASON}),
    ("because I said so", True, {"reason": subject_access.PICK_REASON}),
    ("asked", False, {"confirm": subject_access.CONFIRM}),
])
def test_erasure_needs_a_listed_reason_and_a_tick(db, world, staff, reason, confirmed, errors):
    before = everything(db)
    with pytest.raises(InvalidInput) as e:
        subject_access.erase(db, Actor(staff, "Sam"), world["refs"], reason, confirmed)
    assert e.value.errors == errors
    assert everything(db) == before


def test_a_record_is_erased_once(db, world, staff):
    erase(db, staff, world["refs"][:1])
    with pytest.raises(InvalidInput) as e:
        erase(db, staff, world["refs"][:1])
    assert e.value.errors == {"r": subject_access.ALREADY.format(name="Learner")}


def test_erased_data_is_gone_from_the_file_itself(app, db, world, staff):
    """secure_delete: the old values are overwritten on disk, not just unlinked."""
    erase(db, staff, world["refs"])
    db.execute("pragma wal_checkpoint(truncate)")
    raw = open(app.config["DATABASE"], "rb").read()  # noqa: SIM115
    for secret in ("Hard of hearing", "Set up Gmail", "WIG12345", "grandson"):
        assert secret.encode() not in raw, secret


# ---------------------------------------------------------------- volunteers and donors


@pytest.fixture
def asha_record(db, venue, staff, volunteer):
    day = lending.today() - timedelta(days=7)
    session = add_session(db, venue, day=day)
    sam = Actor(staff, "Sam Staff")
    volunteers.save_profile(db, sam, volunteer, {
        "phone": "01942 123456", "email": "asha@example.org",
        "dbs_certificate": "0012 3456 7890", "dbs_issued_on": "2025-01-01",
        "notes": "Asha speaks Gujarati", "venues": [str(venue)]}, now=at(day, "09:00"))
    volunteers.add_training(db, sam, volunteer, {"course": "Safeguarding adults",
                                                 "completed_on": "2025-02-01"})
    volunteers.add_missed_shift(db, sam, volunteer, session, "14:00", "16:00",
                                "Asha forgot to sign in", now=at(day, "17:00"))
    return volunteer


def test_a_volunteer_gets_their_own_record_and_not_the_people_they_helped(db, world,
                                                                          asha_record, staff):
    made = subject_access.export(db, Actor(staff, "Sam"), [f"volunteer:{asha_record}"], "json")
    data = json.loads(subject_access.as_json(made))["records"][0]["sections"]
    assert data["About you"][0]["Email"] == "asha@example.org"
    assert data["About you"][0]["DBS certificate number"] == "001234567890"
    assert [t["Course"] for t in data["Your training"]] == ["Safeguarding adults"]
    assert data["Your volunteering hours"][0]["Why the hours were corrected"] == (
        "Asha forgot to sign in")
    did = {d["What"]: d["Times"] for d in data["What you did on Doorstep"]}
    assert did["Your record was made"] == 2  # Mary and Bob, counted, never named
    text = json.dumps(data)
    for other in ("Mary", "Bob", MARY_PHONE, "Gmail"):
        assert other not in text


def test_erasing_a_volunteer_keeps_their_hours_and_signs_them_out_for_good(
        app, db, world, asha_record, staff, venue):
    from tests.conftest import sign_in_volunteer
    client = app.test_client()
    assert sign_in_volunteer(client, venue).status_code == 302
    hours = volunteers.hours_recorded(db, date(2000, 1, 1), date(2100, 1, 1))

    erase(db, staff, [f"volunteer:{asha_record}"])

    text = everything(db)
    for secret in ("Asha", "asha@example.org", "01942123456", "001234567890", "Gujarati",
                   "forgot to sign in"):
        assert secret not in text, secret
    assert db.execute("select count(*) from audit_log where actor = 'Asha'").fetchone()[0] == 0
    assert volunteers.hours_recorded(db, date(2000, 1, 1), date(2100, 1, 1)) == hours
    assert db["user_sessions"].count == 0
    assert client.get("/volunteer/").status_code == 302  # signed out
    assert sign_in_volunteer(app.test_client(), venue).status_code == 401  # no such name
    user = db["users"].get(asha_record)
    assert user["active"] == 0 and user["display_name"] == f"Former volunteer {asha_record}"


def test_a_volunteer_on_shift_cannot_be_erased(db, venue, staff, volunteer, monkeypatch):
    day = lending.today()
    session = add_session(db, venue, day=day, starts="00:01", ends="23:59")
    volunteers.sign_in(db, Actor(volunteer, "Asha"), volunteer, session,
                       now=at(day, "00:02"))
    with pytest.raises(InvalidInput) as e:
        erase(db, staff, [f"volunteer:{volunteer}"])
    assert "signed in to" in e.value.errors["r"]


def test_an_individual_donor_is_found_copied_and_erased(db, venue, staff):
    sam = Actor(staff, "Sam")
    donation = refurb.record_donation(db, sam, {
        "donor": "Jane Smith", "donor_kind": "individual", "received_on": "2026-01-02",
        "note": "Jane's late husband's laptop", "count_laptop": "1"})
    laptop = ready(db, refurb.donation_devices(db, donation)[0]["id"])
    refurb.allocate(db, sam, laptop, "lent", {})
    lent = db.execute("select lending_device_id from refurb_allocations").fetchone()[0]
    assert "Jane Smith" in lending.get_device(db, lent)["notes"]
    assert [r["ref"] for r in subject_access.find(db, "jane")] == [f"donor:{donation}"]

    erase(db, staff, [f"donor:{donation}"])

    assert "Jane" not in everything(db)
    assert lending.get_device(db, lent)["notes"] == "Donated by (removed); refurbished."
    assert db["donations"].get(donation)["donor_kind"] == "individual"
    assert subject_access.find(db, "jane") == []


def test_a_business_donor_is_not_a_person_to_find(db, staff):
    refurb.record_donation(db, Actor(staff, "Sam"), {
        "donor": "Janes Garage Ltd", "donor_kind": "business", "received_on": "2026-01-02",
        "count_laptop": "1"})
    assert subject_access.find(db, "janes") == []


# ---------------------------------------------------------------- loan referrals and interest


def add_loan_referral(db, first_name, contact, status="waiting", partner=None, venue=None,
                      loan=None, flags=()) -> int:
    """A loan referral as the waiting list writes it, straight into the tables, with the
    audit entry it makes (ids, status and channel; never the name)."""
    n = db["loan_referrals"].count + 1
    row_id = db["loan_referrals"].insert({
        "reference": f"R{n:05d}", "partner_id": partner, "referrer_name": "Jo Support",
        "referrer_contact": "jo@agency.example", "channel": "partner" if partner else "phone",
        "first_name": first_name, "contact_kind": "mobile", "contact": contact,
        "postcode_district": "WN5", "reason": f"{first_name} lives alone, no internet",
        "venue_id": venue, "kind": "tablet", "person_key": "a" * 64, "status": status,
        "loan_id": loan, "created_at": "2026-10-01T09:00:00+00:00",
        "closed_at": "2026-10-20T09:00:00+00:00" if status != "waiting" else None}).last_pk
    db["loan_referral_flags"].insert_all({"referral_id": row_id, "flag_id": f} for f in flags)
    db["audit_log"].insert({"at": "2026-10-01T09:00:00+00:00", "actor": "Jo Support",
                            "action": "referral.submit", "table_name": "loan_referrals",
                            "row_id": str(row_id),
                            "after": json.dumps({"status": "waiting", "channel": "phone",
                                                 "flags": list(flags)})})
    return row_id


def add_interest(db, venue, first_name=None, contact=None, status="new") -> int:
    n = db["interest_registrations"].count + 1
    return db["interest_registrations"].insert({
        "reference": ["KAC-4MX", "K7R-9TV", "HJN-3PW"][n - 1], "venue_id": venue,
        "answers": json.dumps({"sim.universal_credit": True, "sim.one_of": False}),
        "suggests": '["sim"]', "first_name": first_name,
        "contact_kind": "mobile" if contact else "come_back", "contact": contact,
        "status": status, "outcome": "sim" if status == "done" else None,
        "created_at": "2026-10-02T09:00:00+00:00",
        "closed_at": "2026-10-03T09:00:00+00:00" if status == "done" else None}).last_pk


@pytest.fixture
def referred(db, venue, partner_org, world):
    """Mary is also on the loan waiting list (and was lent a device before through a
    referral), registered interest at the kiosk, and left a come-back registration; Bob has
    a referral of his own."""
    flags = [r["id"] for r in db["referral_flags"].rows][:2]
    return {
        "waiting": add_loan_referral(db, "Mary", MARY_PHONE, partner=partner_org, venue=venue,
                                     flags=flags),
        "served": add_loan_referral(db, "Mary", MARY_PHONE, "served", loan=world["loan"]),
        "bob": add_loan_referral(db, "Bob", BOB_PHONE),
        "interest": add_interest(db, venue, "Mary", MARY_PHONE),
        "come_back": add_interest(db, venue),
    }


def test_referrals_and_registrations_are_found_by_name_contact_or_reference(db, referred):
    mary = {r["ref"] for r in subject_access.find(db, "mary")}
    assert {f"loan_referral:{referred['waiting']}", f"loan_referral:{referred['served']}",
            f"interest:{referred['interest']}"} <= mary
    assert f"loan_referral:{referred['bob']}" not in mary
    assert {r["ref"] for r in subject_access.find(db, "07700 900 123")} == mary
    assert [r["ref"] for r in subject_access.find(db, "r00003")] == [
        f"loan_referral:{referred['bob']}"]
    found = subject_access.find(db, "k7r9tv")  # a come-back reference, typed any way
    assert [(r["ref"], r["label"], r["name"]) for r in found] == [
        (f"interest:{referred['come_back']}", "Registration of interest", "K7R-9TV")]


def test_the_copy_has_their_referrals_and_registrations_in_plain_words(db, referred, staff):
    refs = [f"loan_referral:{referred['waiting']}", f"interest:{referred['interest']}"]
    made = subject_access.export(db, Actor(staff, "Sam"), refs, "json")
    referral, registration = made["records"]
    about = referral["sections"][0]
    assert about.heading == "Your referral for a device loan"
    row = about.rows[0]
    assert (row["first_name"], row["contact"], row["referral_contact_kind"]) == (
        "Mary", MARY_PHONE, "Mobile (text message)")
    assert (row["referral_status"], row["referral_channel"], row["partner"]) == (
        "Waiting", "Partner sign-in", "Wigan Age Concern")
    assert row["flags"] == "Care leaver, Lives alone" and row["venue"] == "Wigan Library"
    assert row["device_kind"] == "Tablet" and row["reference"] == "R00001"
    history = referral["sections"][-1].rows
    assert [h["action"] for h in history] == ["You were referred for a device loan"]
    assert history[0]["by"] == "the system"  # a partner's name is never given
    shown = registration["sections"][0].rows[0]
    assert shown["suggests"] == "a free SIM card with data"
    assert shown["answers"] == ("SIM: universal credit: yes; "
                                "SIM: at least one of the reasons: no")
    assert shown["interest_status"] == "Waiting for staff to follow up"
    text = subject_access.as_json(made)
    assert "Bob" not in text and BOB_PHONE not in text
    assert '"Your registration of interest at the kiosk"' in text


def test_erasing_takes_a_waiting_referral_off_the_list_and_closes_open_interest(
        db, referred, staff):
    refs = [f"loan_referral:{referred['waiting']}", f"loan_referral:{referred['served']}",
            f"interest:{referred['interest']}"]
    done = erase(db, staff, refs)

    assert [d["label"] for d in done] == ["Loan referral", "Loan referral",
                                          "Registration of interest"]
    waiting = db["loan_referrals"].get(referred["waiting"])
    assert (waiting["status"], waiting["removed_reason"]) == ("removed", "Erased on request")
    assert (waiting["first_name"], waiting["contact"], waiting["referrer_contact"],
            waiting["postcode_district"], waiting["reason"], waiting["person_key"]) == (
        personal_data.ANONYMISED, None, None, None, personal_data.REMOVED, None)
    assert waiting["closed_at"] == waiting["anonymised_at"]
    assert db["loan_referral_flags"].count_where("referral_id = ?", [referred["waiting"]]) == 2
    served = db["loan_referrals"].get(referred["served"])
    assert served["status"] == "served" and served["loan_id"]
    assert served["removed_reason"] is None and served["anonymised_at"]
    registration = db["interest_registrations"].get(referred["interest"])
    assert (registration["status"], registration["closed_reason"], registration["first_name"],
            registration["contact"]) == ("closed", "Erased on request", None, None)
    assert db["loan_referrals"].get(referred["bob"])["first_name"] == "Bob"

    entries = [(r["action"], r["table_name"], r["row_id"]) for r in db["audit_log"].rows_where(
        "action in ('subject.erase', 'referral.remove', 'interest.close')", order_by="id")]
    assert entries == [
        ("referral.remove", "loan_referrals", str(referred["waiting"])),
        ("subject.erase", "loan_referrals", str(referred["waiting"])),
        ("subject.erase", "loan_referrals", str(referred["served"])),
        ("interest.close", "interest_registrations", str(referred["interest"])),
        ("subject.erase", "interest_registrations", str(referred["interest"]))]
    removed = json.loads(db.execute("select after from audit_log where action = "
                                    "'referral.remove'").fetchone()[0])
    assert removed["removal"] == "Erased on request"  # why it came off survives the erasure
    erased = json.loads(db.execute("select after from audit_log where action = 'subject.erase' "
                                   "and row_id = ?", [str(referred["waiting"])]).fetchone()[0])
    assert erased["record"] == "loan_referral"
    assert {"name", "contact details", "why they were referred"} <= set(erased["categories"])
    assert "Mary" not in json.dumps(erased) and MARY_PHONE not in json.dumps(erased)
    assert not {r["ref"] for r in subject_access.find(db, "mary")} & set(refs)


def test_erasing_a_referral_with_a_record_that_cannot_go_yet_changes_nothing(
        db, world, referred, staff):
    lending.check_out(db, Actor(staff, "Sam"), world["spare"], borrower_id=world["borrower"],
                      due_on=(lending.today() + timedelta(days=7)).isoformat(),
                      agreed_in_person=True)
    before, text = counts(db), everything(db)
    with pytest.raises(InvalidInput) as e:
        erase(db, staff, [f"loan_referral:{referred['waiting']}", f"borrower:{world['borrower']}",
                          f"interest:{referred['interest']}"])
    assert "still on loan" in e.value.errors["r"]
    assert counts(db) == before and everything(db) == text
    assert db["loan_referrals"].get(referred["waiting"])["status"] == "waiting"
