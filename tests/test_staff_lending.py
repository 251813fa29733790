"""The lending screens through the test client: what staff, kiosks and anonymous scanners
see, and what the database holds afterwards."""

import json
from datetime import timedelta

import pytest

import lending
from audit import Actor

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")
SIGNATURE = json.dumps([[[10, 10], [60, 50], [120, 30]]])
DUE = (lending.today() + timedelta(days=14)).isoformat()


@pytest.fixture
def device(db):
    return lending.add_device(db, ACTOR, {"kind": "tablet", "make": "Lenovo",
                                          "accessories": ["charger"]})


@pytest.fixture
def on_loan(db, device):
    borrower = lending.add_borrower(db, ACTOR, {"name": "Margaret Hughes",
                                                "contact_kind": "mobile",
                                                "contact": "07700900123"})
    lending.check_out(db, ACTOR, device, borrower_id=borrower, due_on=DUE,
                      signature=SIGNATURE)
    return device


def test_adding_a_device_numbers_it_and_shows_it(staff_client, db):
    page = staff_client.post("/staff/devices/new", data={
        "kind": "tablet", "make": "Samsung", "accessories": ["charger", "case"]})
    assert page.status_code == 303
    device = lending.device_by_tag(db, "TAB-0001")
    assert device["make"] == "Samsung"
    shown = staff_client.get(page.location).get_data(as_text=True)
    assert "TAB-0001" in shown and "Charger, Case" in shown and "Lend TAB-0001" in shown


def test_a_bad_device_form_keeps_what_was_typed(staff_client, db):
    page = staff_client.post("/staff/devices/new", data={
        "kind": "tablet", "make": "Apple", "imei": "12345", "accessories": ["case"]})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "does not look like an IMEI" in html and 'value="Apple"' in html
    assert 'value="case" checked' in html
    assert db["devices"].count == 0


def test_scanning_goes_to_the_one_obvious_action(staff_client, device, db):
    assert staff_client.post("/staff/scan", data={"scan": "/d/TAB-0001"}).location.endswith(
        f"/staff/devices/{device}/check-out")
    unknown = staff_client.post("/staff/scan", data={"scan": "TAB-0999"})
    assert unknown.status_code == 422
    assert "No device has the tag TAB-0999" in unknown.get_data(as_text=True)
    card = staff_client.post("/staff/scan", data={"scan": "http://x/l/abcdef"})
    assert "learner card" in card.get_data(as_text=True)


def test_check_out_to_a_new_resident_with_a_signature(staff_client, device, db, venue):
    form = staff_client.get(f"/staff/devices/{device}/check-out").get_data(as_text=True)
    assert "Loan agreement (version 1)" in form and "signature-pad" in form
    data = {"who": "resident", "name": "Margaret", "contact_kind": "none", "contact": "",
            "due_on": DUE, "venue": str(venue), "signature": SIGNATURE,
            "request_id": "r1"}
    done = staff_client.post(f"/staff/devices/{device}/check-out", data=data)
    assert done.status_code == 303
    loan = lending.open_loan(db, device)
    assert loan["holder"] == "Margaret" and loan["signature"].startswith("M10 10")
    page = staff_client.get(f"/staff/loans/{loan['id']}").get_data(as_text=True)
    assert "Signature of Margaret" in page and "You are borrowing this device" in page


def test_check_out_without_signature_writes_nothing(staff_client, device, db):
    page = staff_client.post(f"/staff/devices/{device}/check-out", data={
        "who": "resident", "name": "Margaret", "contact_kind": "email",
        "contact": "margaret@example.org", "due_on": DUE, "signature": ""})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "Please ask the borrower to sign" in html and 'value="margaret@example.org"' in html
    assert db["borrowers"].count == 0 and db["loans"].count == 0


def test_a_borrower_who_cannot_sign_agrees_in_person(staff_client, device, db):
    done = staff_client.post(f"/staff/devices/{device}/check-out", data={
        "who": "resident", "name": "Arthur", "due_on": DUE, "in_person": "yes"})
    assert done.status_code == 303
    loan = lending.open_loan(db, device)
    assert (loan["consent"], loan["signature"]) == ("in_person", None)
    page = staff_client.get(f"/staff/loans/{loan['id']}").get_data(as_text=True)
    assert "heard the agreement and agreed in person" in page


def test_returning_customer_is_found_by_name(staff_client, on_loan, db):
    other = lending.add_device(db, ACTOR, {"kind": "laptop"})
    page = staff_client.get(f"/staff/devices/{other}/check-out?q=marg").get_data(as_text=True)
    assert "Margaret Hughes" in page


def test_check_in_through_the_checklist(staff_client, on_loan, db):
    page = staff_client.get(f"/staff/devices/{on_loan}/check-in").get_data(as_text=True)
    assert "Factory reset done" in page and "Margaret Hughes" in page
    bad = staff_client.post(f"/staff/devices/{on_loan}/check-in", data={"ok": ["reset"]})
    assert bad.status_code == 422 and "Please say what is wrong" in bad.get_data(as_text=True)
    items = list(lending.checklist_for(db, lending.get_device(db, on_loan)))
    done = staff_client.post(f"/staff/devices/{on_loan}/check-in", data={"ok": items})
    assert done.status_code == 303
    assert lending.get_device(db, on_loan)["status"] == "available"
    again = staff_client.post(f"/staff/devices/{on_loan}/check-in", data={"ok": items},
                              follow_redirects=True)
    assert "not on loan, so there is nothing to check in" in again.get_data(as_text=True)


def test_anonymous_scanner_sees_whose_device_but_not_who_has_it(app, on_loan):
    page = app.test_client().get("/d/TAB-0001")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert app.config["SERVICE_NAME"] in html and app.config["SERVICE_PHONE"] in html
    assert "please return it to any library" in html
    for secret in ("Margaret", "Hughes", "07700900123", DUE):
        assert secret not in html
    assert app.test_client().get("/d/NOPE-1").status_code == 404


def test_staff_scanning_a_label_with_a_phone_land_on_the_record(staff_client, device):
    assert staff_client.get("/d/tab-0001").location.endswith(f"/staff/devices/{device}")


def test_kiosk_self_return(kiosk_client, on_loan, db):
    assert "Give back a borrowed device" in kiosk_client.get("/kiosk/").get_data(as_text=True)
    done = kiosk_client.post("/kiosk/return", data={"scan": "TAB-0001"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Thank you" in html and "Margaret" not in html
    assert lending.open_loan(db, on_loan)["returned_via"] == "kiosk"
    bad = kiosk_client.post("/kiosk/return", data={"scan": "TAB-0404"})
    assert bad.status_code == 422 and "No device has the tag" in bad.get_data(as_text=True)


def test_loans_page_lists_overdue_and_kiosk_returns(staff_client, db, device):
    borrower = lending.add_borrower(db, ACTOR, {"name": "Len", "contact_kind": "landline",
                                                "contact": "01942 123456"})
    loan = lending.check_out(db, ACTOR, device, borrower_id=borrower, due_on="2020-01-01",
                             signature=SIGNATURE, imported=True)
    html = staff_client.get("/staff/loans").get_data(as_text=True)
    assert "Overdue (1)" in html and "Phone or write to these borrowers" in html
    staff_client.post(f"/staff/loans/{loan}/contact", data={"channel": "phone",
                                                            "note": "left a voicemail"})
    assert db["loan_reminders"].get(1)["note"] == "left a voicemail"


def test_partner_bulk_lending_by_scanning(staff_client, db):
    partner = lending.add_partner(db, ACTOR, {"name": "Wigan Age UK"})
    for _ in range(3):
        lending.add_device(db, ACTOR, {"kind": "tablet"})
    url = f"/staff/partners/{partner}/lend"
    for tag in ("TAB-0001", "TAB-0002"):
        part = staff_client.post(url, data={"scan": tag, "due_on": DUE},
                                 headers={"HX-Request": "true"})
        assert part.status_code == 200
    html = part.get_data(as_text=True)
    assert "<html" not in html and "2 devices out with Wigan Age UK" in html
    again = staff_client.post(url, data={"scan": "TAB-0001", "due_on": DUE},
                              headers={"HX-Request": "true"})
    assert again.status_code == 422 and "on loan" in again.get_data(as_text=True)
    assert len(lending.open_loans(db, partner)) == 2


def test_label_pdf_for_chosen_devices(staff_client, device):
    form = staff_client.get(f"/staff/labels?device={device}").get_data(as_text=True)
    assert "TAB-0001" in form and "Avery L7160" in form
    pdf = staff_client.post("/staff/labels", data={"device": [device], "format": "L7160",
                                                   "start_at": "3", "offset_x": "0.5",
                                                   "offset_y": "-1"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    bad = staff_client.post("/staff/labels", data={"format": "L7160", "start_at": "99",
                                                   "offset_x": "x", "offset_y": "0"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Please tick at least one device" in html and 'value="99"' in html


def test_printer_offsets_are_saved_per_format(staff_client, db):
    saved = staff_client.post("/staff/labels/offsets", data={"format": "L7651",
                                                             "offset_x": "1.5",
                                                             "offset_y": "-0.5"})
    assert saved.status_code == 303
    assert db["label_offsets"].get("L7651")["offset_x"] == 1.5
    html = staff_client.get("/staff/labels?format=L7651").get_data(as_text=True)
    assert 'value="1.5"' in html
    calibration = staff_client.get("/staff/labels/calibration.pdf?format=QL62&offset_x=0&"
                                   "offset_y=0")
    assert calibration.mimetype == "application/pdf"


def test_status_changes_and_wipe_confirmation(staff_client, device, db):
    page = staff_client.post(f"/staff/devices/{device}/status", data={"status": "in_repair",
                                                                     "reason": ""})
    assert page.status_code == 422 and "Please fill in the reason" in page.get_data(as_text=True)
    staff_client.post(f"/staff/devices/{device}/status", data={"status": "in_repair",
                                                               "reason": "Cracked screen"})
    assert lending.get_device(db, device)["status"] == "in_repair"
    staff_client.post(f"/staff/devices/{device}/wipe", data={"confirm": "yes"})
    assert lending.get_device(db, device)["status"] == "available"
    history = staff_client.get(f"/staff/devices/{device}").get_data(as_text=True)
    assert "reason: Cracked screen" in history and "wipe confirmed" in history


def test_reminders_from_the_loans_page_and_the_command(app, staff_client, db, device):
    borrower = lending.add_borrower(db, ACTOR, {"name": "Dev", "contact_kind": "email",
                                                "contact": "dev@example.org"})
    lending.check_out(db, ACTOR, device, borrower_id=borrower, due_on="2020-01-01",
                      imported=True)
    page = staff_client.post("/staff/loans/reminders", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Reminders sent: 1." in html and "nothing actually left Doorstep" in html
    assert db["loan_reminders"].count == 1
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert "sent 0, failed 0, skipped 1" in result.output  # reminded already this week


def test_a_kiosk_return_that_never_arrived_is_chased_again(staff_client, kiosk_client, db,
                                                           on_loan):
    kiosk_client.post("/kiosk/return", data={"scan": "TAB-0001"})
    loan = lending.open_loan(db, on_loan)
    assert "TAB-0001 is not here" in staff_client.get("/staff/loans").get_data(as_text=True)
    page = staff_client.post(f"/staff/loans/{loan['id']}/not-returned", follow_redirects=True)
    assert "TAB-0001 is back on the list of loans to chase." in page.get_data(as_text=True)
    assert lending.open_loan(db, on_loan)["returned_at"] is None
    again = staff_client.post(f"/staff/loans/{loan['id']}/not-returned", follow_redirects=True)
    assert "not waiting for a check any more" in again.get_data(as_text=True)
    assert "loan.self_return_undone" in {r["action"] for r in db["audit_log"].rows}


def test_extending_a_loan(staff_client, db, on_loan):
    loan = lending.open_loan(db, on_loan)
    later = (lending.today() + timedelta(days=40)).isoformat()
    done = staff_client.post(f"/staff/loans/{loan['id']}/extend", data={"due_on": later},
                             follow_redirects=True)
    assert f"Now due back {later}." in done.get_data(as_text=True)
    assert lending.open_loan(db, on_loan)["due_on"] == later
    assert "loan.extend" in {r["action"] for r in db["audit_log"].rows}


def test_device_list_warns_when_sim_data_runs_out(staff_client, db):
    soon = (lending.today() + timedelta(days=10)).isoformat()
    lending.add_device(db, ACTOR, {"kind": "mifi", "sim_network": "O2", "sim_expires": soon})
    lending.add_device(db, ACTOR, {"kind": "mifi", "sim_expires": "2099-01-01"})
    html = staff_client.get("/staff/devices").get_data(as_text=True)
    assert f"SIM data ends {soon}" in html and "2099-01-01" not in html
