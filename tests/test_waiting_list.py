"""Loan referrals and the waiting list: order, duplicates, least data, removal, serving a
referral through a check-out, and the monthly figures."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

import impact
import lending
import waiting_list
from audit import Actor
from giveaways import interest
from validation import InvalidInput

ACTOR = Actor(None, "test")
NOW = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
SIGNATURE = json.dumps([[[10, 10], [50, 40], [90, 20]]])


def form(**values):
    return dict({"referrer_name": "Jo Support", "referrer_contact": "", "first_name": "Mary",
                 "contact_kind": "mobile", "contact": "07700 900123",
                 "postcode_district": "WN5", "reason": "Lives alone and wants to video call "
                 "her grandchildren.", "venue": "", "kind": "", "flags": []}, **values)


def refer(db, now=NOW, channel="phone", partner_id=None, **values):
    return waiting_list.submit(db, ACTOR, form(**values), channel=channel,
                               partner_id=partner_id, now=now)


def flag_id(db, label):
    return next(f["id"] for f in waiting_list.flags(db, active_only=False)
                if f["label"] == label)


def errors_of(call, *args, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as e:
        call(*args, **kwargs)
    return e.value.errors


def tablet(db):
    return lending.add_device(db, ACTOR, {"kind": "tablet"}, now=NOW)


def test_a_referral_keeps_the_least_and_the_audit_keeps_no_name_or_contact(db):
    referral_id = refer(db, flags=[str(flag_id(db, "Lives alone"))])
    row = db["loan_referrals"].get(referral_id)
    assert row["reference"] == f"R{referral_id:05d}"
    assert (row["first_name"], row["contact_kind"], row["contact"]) == (
        "Mary", "mobile", "07700900123")
    assert row["status"] == "waiting" and row["channel"] == "phone"
    assert len(row["person_key"]) == 64 and "Mary" not in row["person_key"]
    shown = waiting_list.get(db, referral_id, now=NOW)
    assert shown["flags"] == ["Lives alone"] and shown["kind_label"] == "Any device"
    assert shown["waited_days"] == 0
    entry = next(db["audit_log"].rows_where("action = 'referral.submit'"))
    assert entry["row_id"] == str(referral_id)
    logged = entry["after"]
    assert "Mary" not in logged and "07700" not in logged and "grandchildren" not in logged
    assert json.loads(logged)["flags"] == [flag_id(db, "Lives alone")]


def test_no_way_to_contact_anyone_is_refused_and_nothing_is_written(db):
    errors = errors_of(refer, db, contact_kind="via_referrer", contact="")
    assert errors == {"referrer_contact": waiting_list.NO_WAY_TO_CONTACT}
    errors = errors_of(refer, db, contact="")
    assert errors == {"contact": "Please give their mobile number."}
    errors = errors_of(refer, db, contact_kind="", referrer_name="", reason=" ",
                       first_name="")
    assert set(errors) == {"contact_kind", "referrer_name", "reason", "first_name"}
    assert db["loan_referrals"].count == 0 and db["loan_referral_flags"].count == 0
    assert not db["audit_log"].count_where("action like 'referral%'")
    # reached through the referrer: the referrer's phone is enough
    referral_id = refer(db, contact_kind="via_referrer", contact="07700 900999",
                        referrer_contact="01942 404040")
    row = db["loan_referrals"].get(referral_id)
    assert row["contact"] is None and row["referrer_contact"] == "01942404040"


def test_bad_contacts_and_choices_get_a_message_beside_each_field(db):
    errors = errors_of(refer, db, contact_kind="email", contact="mary at home",
                       referrer_contact="nope", venue="99", kind="toaster",
                       flags=["9999", "x"], first_name="M" * 41)
    assert set(errors) == {"contact", "referrer_contact", "venue", "kind", "flags",
                           "first_name"}
    assert "name@example.com" in errors["contact"]
    assert db["loan_referrals"].count == 0


def test_a_full_postcode_is_cut_to_its_district_and_nonsense_is_refused(db):
    referral_id = refer(db, postcode_district="wn5 9xx")
    assert db["loan_referrals"].get(referral_id)["postcode_district"] == "WN5"
    assert "9XX" not in json.dumps(list(db["audit_log"].rows))
    assert "9xx" not in json.dumps(list(db["audit_log"].rows)).lower()
    errors = errors_of(refer, db, first_name="Ann", postcode_district="Wigan")
    assert errors == {"postcode_district": waiting_list.BAD_DISTRICT}
    other = refer(db, first_name="Ann", postcode_district="")
    assert db["loan_referrals"].get(other)["postcode_district"] is None


def test_the_same_person_twice_names_the_date_until_the_first_is_removed(db, partner_org):
    first = refer(db, now=NOW - timedelta(days=9))
    errors = errors_of(refer, db, first_name=" mary ", contact="+44 7700 900123")
    assert errors == {"first_name": "mary is already on the waiting list: referred on "
                                    f"1 December 2026 (R{first:05d})."}
    # another organisation is told only that they are on the list: no date, no reference
    errors = errors_of(refer, db, channel="partner", partner_id=partner_org)
    assert errors["first_name"] == ("Mary is already on the waiting list, referred by another "
                                    "organisation. Ask the library if you need to add anything.")
    assert db["loan_referrals"].count == 1
    # the same first name with another contact is another person
    refer(db, contact="07700 900124")
    waiting_list.remove(db, ACTOR, first, "duplicate", now=NOW)
    again = refer(db)
    assert db["loan_referrals"].get(again)["status"] == "waiting"


def test_the_list_puts_flagged_people_first_then_the_longest_waiting(db):
    ids = {}
    for name, days, flags in (("Ann", 30, []), ("Bob", 20, ["Care leaver"]),
                              ("Cy", 40, []), ("Di", 5, ["Lives alone", "Care leaver"])):
        ids[name] = refer(db, now=NOW - timedelta(days=days), first_name=name,
                          contact=f"07700 9000{days:02d}",
                          flags=[str(flag_id(db, f)) for f in flags])
    rows = waiting_list.waiting(db, now=NOW)
    assert [(r["first_name"], r["position"], r["waited_days"]) for r in rows] == [
        ("Bob", 1, 20), ("Di", 2, 5), ("Cy", 3, 40), ("Ann", 4, 30)]
    assert rows[1]["flags"] == ["Care leaver", "Lives alone"]


def test_a_flag_switched_off_no_longer_puts_anyone_first_nor_can_be_ticked(db):
    care = flag_id(db, "Care leaver")
    refer(db, now=NOW - timedelta(days=30), first_name="Ann")
    bob = refer(db, now=NOW - timedelta(days=2), first_name="Bob", contact="07700900222",
                flags=[str(care)])
    assert waiting_list.waiting(db, now=NOW)[0]["id"] == bob
    waiting_list.update_flag(db, ACTOR, care, active=False, now=NOW)
    rows = waiting_list.waiting(db, now=NOW)
    assert [r["first_name"] for r in rows] == ["Ann", "Bob"]
    assert rows[1]["flags"] == [] and rows[1]["flags_off"] == ["Care leaver"]
    assert "Care leaver" not in [f["label"] for f in waiting_list.flags(db)]
    errors = errors_of(refer, db, first_name="Cy", contact="07700900333", flags=[str(care)])
    assert errors == {"flags": "Please tick priority flags from the list."}
    assert [a["action"] for a in db["audit_log"].rows_where(
        "table_name = 'referral_flags'")] == ["referral_flag.update"]


def test_flags_are_added_renamed_and_never_twice(db):
    new = waiting_list.add_flag(db, ACTOR, "  Refugee or asylum seeker ", now=NOW)
    assert waiting_list.flags(db)[-1]["label"] == "Refugee or asylum seeker"
    assert errors_of(waiting_list.add_flag, db, ACTOR, "lives ALONE") == {
        "label": "There is already a flag called “lives ALONE”."}
    assert set(errors_of(waiting_list.add_flag, db, ACTOR, "")) == {"label"}
    waiting_list.update_flag(db, ACTOR, new, label="Refugee", now=NOW)
    assert db["referral_flags"].get(new)["label"] == "Refugee"
    assert [a["action"] for a in db["audit_log"].rows_where(
        "table_name = 'referral_flags'", order_by="id")] == [
        "referral_flag.add", "referral_flag.update"]


def test_removal_needs_a_reason_and_other_needs_a_note(db):
    referral_id = refer(db)
    assert errors_of(waiting_list.remove, db, ACTOR, referral_id, "") == {
        "reason": "Please choose why it is coming off the list."}
    assert errors_of(waiting_list.remove, db, ACTOR, referral_id, "other", "  ") == {
        "note": "Please say why, in a few words."}
    assert db["loan_referrals"].get(referral_id)["status"] == "waiting"
    waiting_list.remove(db, ACTOR, referral_id, "other", "Went into a care home",
                        now=NOW + timedelta(days=3))
    shown = waiting_list.get(db, referral_id, now=NOW + timedelta(days=10))
    assert shown["status"] == "removed" and shown["removal"] == "Other: Went into a care home"
    assert shown["waited_days"] == 3
    entry = json.loads(next(db["audit_log"].rows_where("action = 'referral.remove'"))["after"])
    assert entry == {"status": "removed", "removal": "other", "note_given": True,
                     "partner_id": None}
    assert "not waiting any more" in errors_of(
        waiting_list.remove, db, ACTOR, referral_id, "moved_away")["reason"]


def test_a_partner_withdraws_only_its_own(db, partner_org):
    other = db["partners"].insert({"name": "Other org", "active": 1,
                                   "created_at": "2026-11-01T09:00:00+00:00"}).last_pk
    mine = refer(db, channel="partner", partner_id=partner_org)
    assert errors_of(waiting_list.remove, db, ACTOR, mine, "no_longer_needed",
                     partner_id=other) == {"reason": "That referral is not on the list."}
    assert waiting_list.get(db, mine, partner_id=other) is None
    assert [r["id"] for r in waiting_list.for_partner(db, partner_org)] == [mine]
    assert waiting_list.for_partner(db, other) == []
    waiting_list.remove(db, ACTOR, mine, "no_longer_needed", partner_id=partner_org)
    assert waiting_list.for_partner(db, partner_org, status="removed")[0]["removal"] == (
        "No longer needed")


def test_check_out_with_a_referral_serves_it_in_the_same_transaction(db):
    referral_id = refer(db, now=NOW - timedelta(days=12), kind="tablet")
    device = tablet(db)
    assert waiting_list.suggest_for_device(db, lending.get_device(db, device),
                                           now=NOW)["id"] == referral_id
    loan_id = lending.check_out(db, ACTOR, device, new_borrower={
        "name": "Mary", "contact_kind": "mobile", "contact": "07700900123"},
        due_on="2027-01-10", signature=SIGNATURE, referral_id=str(referral_id), now=NOW)
    row = db["loan_referrals"].get(referral_id)
    assert (row["status"], row["loan_id"]) == ("served", loan_id)
    shown = waiting_list.get(db, referral_id, now=NOW)
    assert shown["loan"]["asset_tag"] == "TAB-0001" and shown["waited_days"] == 12
    assert waiting_list.waiting(db) == []
    assert [a["action"] for a in db["audit_log"].rows_where(
        "table_name = 'loan_referrals'", order_by="id")] == ["referral.submit", "referral.serve"]
    # served already: another device is not lent to them, and no borrower is added
    second = tablet(db)
    with pytest.raises(lending.Conflict, match="already has a device"):
        lending.check_out(db, ACTOR, second, new_borrower={"name": "Mary"},
                          due_on="2027-01-10", signature=SIGNATURE, referral_id=referral_id,
                          now=NOW)
    assert db["loans"].count == 1 and db["borrowers"].count == 1
    assert lending.get_device(db, second)["status"] == "available"


def test_a_removed_referral_lends_nothing_and_a_partner_cannot_take_it(db, partner_org):
    referral_id = refer(db)
    device = tablet(db)
    with pytest.raises(InvalidInput) as e:
        lending.check_out(db, ACTOR, device, partner_id=partner_org, due_on="2027-01-10",
                          referral_id=referral_id, now=NOW)
    assert "lent to the person referred" in e.value.errors["referral"]
    waiting_list.remove(db, ACTOR, referral_id, "moved_away", now=NOW)
    with pytest.raises(lending.Conflict, match="taken off the waiting list"):
        lending.check_out(db, ACTOR, device, new_borrower={"name": "Mary"},
                          due_on="2027-01-10", signature=SIGNATURE, referral_id=referral_id,
                          now=NOW)
    assert db["loans"].count == 0 and db["borrowers"].count == 0
    assert db["loan_referrals"].get(referral_id)["status"] == "removed"


def test_only_suitable_referrals_are_suggested_for_a_device(db):
    refer(db, now=NOW - timedelta(days=20), first_name="Ann", kind="laptop")
    any_kind = refer(db, now=NOW - timedelta(days=10), first_name="Bob",
                     contact="07700900222")
    device = lending.get_device(db, tablet(db))
    assert waiting_list.suggest_for_device(db, device, now=NOW)["id"] == any_kind
    assert [r["first_name"] for r in waiting_list.waiting(db, kind="laptop")] == ["Ann", "Bob"]


def test_a_referral_from_a_kiosk_registration_marks_it_done_together(db, venue):
    answers = {q["id"]: True for q in interest.questions(db)}
    registration = interest.register(db, ACTOR, venue, answers, {
        "first_name": "Mary", "contact_kind": "mobile", "contact": "07700900123"}, now=NOW)
    referral_id = waiting_list.submit(db, ACTOR, form(), channel="in_person",
                                      interest_id=registration["id"], now=NOW)
    done = interest.get(db, registration["id"])
    assert (done["status"], done["outcome"], done["referral_id"]) == (
        "done", "referral", referral_id)
    assert db["loan_referrals"].get(referral_id)["interest_id"] == registration["id"]
    # a second referral from the same registration writes nothing
    errors = errors_of(waiting_list.submit, db, ACTOR, form(first_name="Other"),
                       channel="phone", interest_id=registration["id"], now=NOW)
    assert errors == {"interest": "That registration of interest has already been dealt with."}
    assert db["loan_referrals"].count == 1


def test_a_repeated_request_makes_one_referral(db):
    first = waiting_list.submit(db, ACTOR, form(), channel="phone", request_id="abc123",
                                now=NOW)
    again = waiting_list.submit(db, ACTOR, form(), channel="phone", request_id="abc123",
                                now=NOW)
    assert first == again and db["loan_referrals"].count == 1


def test_monthly_figures_count_received_served_removed_and_still_waiting(db):
    def at(day):  # noon, UK time in winter = UTC
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)

    ann = refer(db, now=at(date(2026, 10, 5)), first_name="Ann")
    bob = refer(db, now=at(date(2026, 10, 20)), first_name="Bob", contact="07700900222")
    refer(db, now=at(date(2026, 11, 2)), first_name="Cy", contact="07700900333")
    waiting_list.remove(db, ACTOR, bob, "no_contact", now=at(date(2026, 11, 10)))
    lending.check_out(db, ACTOR, tablet(db), new_borrower={"name": "Ann"},
                      due_on="2027-01-10", signature=SIGNATURE, referral_id=ann,
                      now=at(date(2026, 12, 1)))
    # the last evening of November in the UK is still November
    refer(db, now=datetime(2026, 11, 30, 23, 30, tzinfo=UTC), first_name="Di",
          contact="07700900444")
    months = impact.month_table(db, impact.LOAN_REFERRAL_MONTHS, date(2026, 10, 1),
                                date(2026, 12, 31), today=date(2026, 12, 31))
    assert [(m["month"], *m["values"].values()) for m in months] == [
        # month, received, served, removed, waiting at the month's end
        ("2026-10", 2, 0, 0, 2), ("2026-11", 2, 0, 1, 3), ("2026-12", 0, 1, 0, 2)]
