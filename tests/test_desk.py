"""Scan, lend and take back on a volunteer's tablet: the same rules as the staff desk, the
volunteer's own look, and back to the scan box for the next device."""

import json
from datetime import timedelta

import pytest

import lending
from audit import Actor

pytestmark = pytest.mark.usefixtures("fast_hashing")
ACTOR = Actor(None, "test")
SIGNATURE = json.dumps([[[10, 10], [60, 50], [120, 30]]])


@pytest.fixture
def device(db):
    return lending.add_device(db, ACTOR, {"kind": "tablet", "accessories": ["charger"]})


def test_volunteer_lends_and_takes_back_at_a_tea_party(volunteer_client, db, venue, device):
    scan = volunteer_client.get("/volunteer/scan").get_data(as_text=True)
    assert "Switch volunteer" in scan and "Lend or take back a device" in scan
    to_lend = volunteer_client.post("/volunteer/scan", data={"scan": "TAB-0001"})
    assert to_lend.location.endswith(f"/volunteer/devices/{device}/check-out")
    form = volunteer_client.get(to_lend.location).get_data(as_text=True)
    assert f'<option value="{venue}" selected>' in form  # where the volunteer signed in
    due = (lending.today() + timedelta(days=28)).isoformat()
    assert f'value="{due}"' in form
    lent = volunteer_client.post(f"/volunteer/devices/{device}/check-out", data={
        "who": "resident", "name": "Joan", "due_on": due, "venue": str(venue),
        "signature": SIGNATURE}, follow_redirects=True)
    assert "TAB-0001 is on loan until" in lent.get_data(as_text=True)
    assert lent.request.path == "/volunteer/scan"
    loan = lending.open_loan(db, device)
    assert loan["holder"] == "Joan" and loan["venue_id"] == venue

    assert volunteer_client.post("/volunteer/scan", data={"scan": "/d/TAB-0001"}).location \
        .endswith(f"/volunteer/devices/{device}/check-in")
    items = list(lending.checklist_for(db, lending.get_device(db, device)))
    back = volunteer_client.post(f"/volunteer/devices/{device}/check-in", data={"ok": items},
                                 follow_redirects=True)
    assert "checked in and available to lend" in back.get_data(as_text=True)
    assert lending.get_device(db, device)["status"] == "available"
    actors = {r["actor"] for r in db["audit_log"].rows_where("table_name = 'loans'")}
    assert actors == {"Asha"}


def test_a_device_in_repair_sends_the_volunteer_back_to_scanning(volunteer_client, db, device):
    lending.set_status(db, ACTOR, device, "in_repair", "cracked")
    page = volunteer_client.post("/volunteer/scan", data={"scan": "TAB-0001"},
                                 follow_redirects=True)
    assert page.request.path == "/volunteer/scan"
    assert "TAB-0001 is in repair, so it cannot be lent or checked in." in \
        page.get_data(as_text=True)
