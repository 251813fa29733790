"""Lending rules: tags, devices, borrowers, signed check-out, checklist check-in, the audit."""

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

import db as dbmod
import lending
from audit import Actor
from validation import InvalidInput

ACTOR = Actor(None, "test")
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
SIGNATURE = json.dumps([[[10, 10], [50, 40], [90, 20]], [[100, 100], [120, 110]]])


def tablet(db, **extra):
    return lending.add_device(db, ACTOR, dict({"kind": "tablet"}, **extra), now=NOW)


def resident(db, name="Mary", kind="mobile", contact="07700 900123"):
    return lending.add_borrower(db, ACTOR, {"name": name, "contact_kind": kind,
                                            "contact": contact}, now=NOW)


def lend(db, device_id, borrower_id, due="2026-12-21", **extra):
    return lending.check_out(db, ACTOR, device_id, borrower_id=borrower_id, due_on=due,
                             signature=SIGNATURE, now=NOW, **extra)


def actions(db, table):
    return [r["action"] for r in db["audit_log"].rows_where("table_name = ?", [table],
                                                            order_by="id")]


def test_asset_tags_number_on_per_kind_prefix(db):
    first, second = tablet(db), tablet(db)
    laptop = lending.add_device(db, ACTOR, {"kind": "laptop"})
    assert [lending.get_device(db, i)["asset_tag"] for i in (first, second, laptop)] == [
        "TAB-0001", "TAB-0002", "LAP-0001"]
    tablet(db, asset_tag="TAB-0041")
    assert lending.get_device(db, tablet(db))["asset_tag"] == "TAB-0042"


def test_prefix_and_loan_period_are_configurable(db):
    form = {f"prefix_{k['slug']}": k["tag_prefix"] for k in lending.kinds(db)}
    form.update({f"loan_days_{k['slug']}": "28" for k in lending.kinds(db)})
    form.update(prefix_tablet="ipd", loan_days_tablet="14")
    lending.update_kinds(db, ACTOR, form)
    device = lending.get_device(db, tablet(db))
    assert device["asset_tag"] == "IPD-0001"
    assert lending.default_due(db, device, NOW) == date(2026, 12, 7)
    assert actions(db, "device_kinds") == ["device_kind.update"]


def test_kind_settings_are_all_or_nothing(db):
    form = {f"prefix_{k['slug']}": "OK" for k in lending.kinds(db)}
    form.update({f"loan_days_{k['slug']}": "28" for k in lending.kinds(db)})
    form.update(prefix_laptop="L4P", loan_days_phone="0")
    with pytest.raises(InvalidInput) as e:
        lending.update_kinds(db, ACTOR, form)
    assert set(e.value.errors) == {"prefix_laptop", "loan_days_phone"}
    assert db["device_kinds"].get("tablet")["tag_prefix"] == "TAB"


def test_device_fields_are_checked_and_kept(db):
    device_id = tablet(db, make="Samsung", model="Galaxy Tab A9", serial="R9XW1",
                       imei="35 209900 176148 1", sim_iccid="8944110068123456787",
                       sim_network="O2", sim_allowance="25 GB a month",
                       sim_expires="2027-11-01", accessories=["charger", "case"],
                       condition="B")
    device = lending.get_device(db, device_id)
    assert device["imei"] == "352099001761481"
    assert json.loads(device["accessories"]) == ["charger", "case"]
    assert device["status"] == "available"
    with pytest.raises(InvalidInput) as e:
        tablet(db, imei="123", sim_iccid="8944110068123456780", sim_expires="01/11/2027",
               accessories=["sofa"], condition="Z", asset_tag="TAB 1")
    assert set(e.value.errors) == {"imei", "sim_iccid", "sim_expires", "accessories",
                                   "condition", "asset_tag"}
    with pytest.raises(InvalidInput) as e:
        tablet(db, asset_tag="tab-0001")
    assert "already has the tag" in e.value.errors["asset_tag"]
    assert db["devices"].count == 1


def test_borrowers_need_a_name_and_at_most_one_valid_contact(db):
    assert lending.get_borrower(db, resident(db, kind="none", contact=""))["contact"] is None
    assert lending.get_borrower(db, resident(db, contact="+44 7700 900123"))["contact"] == \
        "07700900123"
    with pytest.raises(InvalidInput) as e:
        lending.add_borrower(db, ACTOR, {"name": " ", "contact_kind": "email",
                                         "contact": "not-an-email", "library_card": "!"})
    assert set(e.value.errors) == {"name", "contact", "library_card"}
    with pytest.raises(InvalidInput) as e:
        resident(db, kind="mobile", contact="01942 123456")
    assert "mobile" in e.value.errors["contact"]


def test_check_out_needs_a_signature_due_date_and_borrower(db):
    device_id, borrower = tablet(db), resident(db)
    with pytest.raises(InvalidInput) as e:
        lending.check_out(db, ACTOR, device_id, borrower_id=borrower, due_on="2026-11-23",
                          signature="[]", now=NOW)
    assert set(e.value.errors) == {"due_on", "signature"}
    with pytest.raises(InvalidInput) as e:
        lending.check_out(db, ACTOR, device_id, due_on="2026-12-01", now=NOW)
    assert "borrower" in e.value.errors
    assert db["loans"].count == 0
    assert lending.get_device(db, device_id)["status"] == "available"


def test_check_out_and_in_round_trip_with_audit(db):
    device_id, borrower = tablet(db, accessories=["charger", "case"]), resident(db)
    loan_id = lend(db, device_id, borrower)
    loan = lending.get_loan(db, loan_id)
    assert loan["holder"] == "Mary"
    assert loan["agreement_version"] == 1
    assert loan["signature"].startswith("M10 10L50 40L90 20 M100 100")
    assert lending.get_device(db, device_id)["status"] == "on_loan"
    with pytest.raises(lending.Conflict):
        lend(db, device_id, resident(db, name="Bob"))

    device = lending.get_device(db, device_id)
    all_items = list(lending.checklist_for(db, device))
    assert lending.check_in(db, ACTOR, device_id, all_items, now=NOW) == "available"
    loan = lending.get_loan(db, loan_id)
    assert loan["closed_at"] and loan["returned_via"] == "desk"
    assert json.loads(loan["checklist"]) == dict.fromkeys(all_items, True)
    assert actions(db, "loans") == ["loan.check_out", "loan.check_in"]
    statuses = [json.loads(r["after"])["status"] for r in db["audit_log"].rows_where(
        "action = 'device.status'", order_by="id")]
    assert statuses == ["on_loan", "available"]


def test_no_reset_means_no_lending_until_the_wipe_is_confirmed(db):
    device_id = tablet(db)
    lend(db, device_id, resident(db))
    items = [i for i in lending.checklist_for(db, lending.get_device(db, device_id))
             if i != "reset"]
    assert lending.check_in(db, ACTOR, device_id, items, now=NOW) == "being_wiped"
    with pytest.raises(lending.Conflict):
        lend(db, device_id, resident(db))
    with pytest.raises(InvalidInput):
        lending.confirm_wipe(db, ACTOR, device_id, confirmed=False)
    lending.confirm_wipe(db, ACTOR, device_id, confirmed=True)
    assert lending.get_device(db, device_id)["status"] == "available"
    assert "device.wipe_confirmed" in actions(db, "devices")


def test_problems_send_it_to_repair_and_need_a_note(db):
    device_id = tablet(db)
    lend(db, device_id, resident(db))
    with pytest.raises(InvalidInput) as e:
        lending.check_in(db, ACTOR, device_id, ["reset"], now=NOW)
    assert "notes" in e.value.errors
    assert lending.open_loan(db, device_id)  # nothing written
    assert lending.check_in(db, ACTOR, device_id, ["reset"], "Cracked screen",
                            now=NOW) == "in_repair"
    assert lending.get_device(db, device_id)["status"] == "in_repair"


def test_checking_in_a_device_not_on_loan_writes_nothing(db):
    device_id = tablet(db)
    before = db["audit_log"].count
    with pytest.raises(InvalidInput) as e:
        lending.check_in(db, ACTOR, device_id, ["reset"], now=NOW)
    assert "not on loan" in e.value.errors["scan"]
    assert db["audit_log"].count == before


def test_kiosk_self_return_waits_for_the_checklist(db):
    device_id = tablet(db)
    loan_id = lend(db, device_id, resident(db))
    lending.self_return(db, Actor(None, "kiosk: Wigan"), device_id, None, now=NOW)
    lending.self_return(db, Actor(None, "kiosk: Wigan"), device_id, None, now=NOW)
    loan = lending.get_loan(db, loan_id)
    assert loan["returned_via"] == "kiosk" and loan["closed_at"] is None
    assert [r["id"] for r in lending.awaiting_check(db)] == [loan_id]
    assert lending.get_device(db, device_id)["status"] == "on_loan"
    assert actions(db, "loans").count("loan.self_return") == 1
    with pytest.raises(InvalidInput):
        lending.self_return(db, ACTOR, tablet(db), None)


def test_a_repeated_request_lends_once(db):
    device_id, borrower = tablet(db), resident(db)
    first = lend(db, device_id, borrower, request_id="abc")
    assert lend(db, device_id, borrower, request_id="abc") == first
    assert db["loans"].count == 1


def test_partner_loans_need_no_signature(db):
    partner = lending.add_partner(db, ACTOR, {"name": "Wigan Age UK", "email": "a@b.org"})
    device_id = tablet(db)
    lending.check_out(db, ACTOR, device_id, partner_id=partner, due_on="2027-02-01", now=NOW)
    assert lending.open_loans(db, partner)[0]["holder"] == "Wigan Age UK"
    with pytest.raises(InvalidInput):
        lending.add_partner(db, ACTOR, {"name": "wigan age uk"})


def test_the_database_refuses_a_second_open_loan(db):
    device_id, borrower = tablet(db), resident(db)
    lend(db, device_id, borrower)
    with pytest.raises(dbmod.sqlite3.IntegrityError):
        db["loans"].insert({"device_id": device_id, "borrower_id": borrower,
                            "out_at": "x", "due_on": "2027-01-01", "consent": "signed"})


def test_concurrent_check_outs_make_one_loan(app, db):
    device_id = tablet(db)
    borrowers = [resident(db, name=f"Person {i}") for i in range(8)]
    results, barrier = [], threading.Barrier(len(borrowers))

    def attempt(borrower_id):
        conn = dbmod.connect(app.config["DATABASE"])
        barrier.wait()
        try:
            lend(conn, device_id, borrower_id)
            results.append("lent")
        except lending.Conflict:
            results.append("conflict")
        finally:
            conn.conn.close()

    threads = [threading.Thread(target=attempt, args=(b,)) for b in borrowers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["lent"]
    assert db["loans"].count == 1


def test_mark_lost_closes_the_loan(db):
    device_id = tablet(db)
    lend(db, device_id, resident(db))
    with pytest.raises(InvalidInput):
        lending.set_status(db, ACTOR, device_id, "in_repair", "broken")
    with pytest.raises(InvalidInput) as e:
        lending.set_status(db, ACTOR, device_id, "lost", "")
    assert "reason" in e.value.errors
    lending.set_status(db, ACTOR, device_id, "lost", "Borrower moved away")
    assert lending.open_loan(db, device_id) is None
    assert lending.get_device(db, device_id)["status"] == "lost"


@pytest.mark.parametrize("text, message", [
    ("", "Scan a device"),
    ("TAB-9999", "No device has the tag TAB-9999"),
    ("https://doorstep.example/l/Zx81abc", "learner card"),
    ("https://evil.example/phish", "not one of our device labels"),
    ("<script>", "not one of our device labels"),
])
def test_bad_scans_get_a_clear_message(db, text, message):
    tablet(db)
    with pytest.raises(InvalidInput) as e:
        lending.resolve_scan(db, text)
    assert message in e.value.errors["scan"]


def test_scans_accept_the_label_url_or_the_tag(db):
    device_id = tablet(db)
    for text in ("TAB-0001", " tab-0001 ", "https://doorstep.example/d/TAB-0001", "/d/TAB-0001"):
        assert lending.resolve_scan(db, text)["id"] == device_id


@pytest.mark.parametrize("strokes", [
    "", "not json", "{}", "[[[1]]]", '[[["a", 1]]]', "[[[1, 2]]]", '[[[true, 1], [2, 3]]]',
    json.dumps([[[i, i] for i in range(5000)]]),
])
def test_signatures_must_be_drawn_strokes(strokes):
    assert lending.signature_path(strokes) is None


def test_agreement_versions(db):
    assert lending.save_agreement(db, ACTOR, "Bring it back.") == 2
    assert lending.save_agreement(db, ACTOR, "Bring it back.") == 2
    device_id = tablet(db)
    loan = lending.get_loan(db, lend(db, device_id, resident(db)))
    assert loan["agreement_version"] == 2
    with pytest.raises(InvalidInput):
        lending.save_agreement(db, ACTOR, "   ")


def test_overdue_dates_use_the_local_day():
    late_evening = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
    assert lending.today(late_evening) == date(2026, 7, 1)
    assert lending.today(late_evening) - timedelta(days=1) == date(2026, 6, 30)
