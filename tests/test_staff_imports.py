"""Staff import and export screens, through the test client: upload → preview (nothing
written) → confirm → download; cancel; bad uploads get their message beside the field."""

import html
import io
import re

import pytest
from markupsafe import escape

import auth
import db as dbmod
import device_csv
import lending
from tests.conftest import STAFF_PASSWORD, SYSTEM, make_app
from tests.test_device_csv import MALFORMED, make_csv, needs_samples, sample, snapshot

pytestmark = pytest.mark.usefixtures("fast_hashing")


def text(response) -> str:
    return response.get_data(as_text=True)


def upload(client, what: str, content: bytes | None, filename="file.csv", **form):
    data = dict(form)
    if content is not None:
        data[f"{what}_file"] = (io.BytesIO(content), filename)
    return client.post(f"/staff/import/{what}/preview", data=data,
                       content_type="multipart/form-data")


def confirm_form(page: str) -> dict:
    """The hidden fields of the preview's confirm form, as the browser would send them."""
    form = re.search(r'<form method="post" action="(/staff/import/\w+)"(.*?)</form>', page, re.S)
    assert form, "the preview has no confirm form"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                             form.group(2)))
    return {"action": form.group(1), **{k: html.unescape(v) for k, v in fields.items()}}


def confirm(client, page: str, **kwargs):
    form = confirm_form(page)
    return client.post(form.pop("action"), data=form, **kwargs)


def row_html(page: str, number: int) -> str:
    found = re.search(rf'<tr id="row-{number}".*?</tr>', page, re.S)
    assert found, f"row {number} is not in the preview"
    return found.group(0)


def beside(page: str, field: str, message: str) -> bool:
    return (f'<p class="field-error" id="{field}-error">{escape(message)}' in page
            and f'aria-describedby="{field}-error"' in page)


def test_the_page_offers_both_uploads_and_both_downloads(staff_client):
    page = text(staff_client.get("/staff/import"))
    assert 'action="/staff/import/devices/preview" enctype="multipart/form-data"' in page
    assert 'action="/staff/import/borrowers/preview" enctype="multipart/form-data"' in page
    assert 'name="devices_file" type="file"' in page and 'name="borrowers_file" type="file"' in page
    assert '<option value="tablet" selected>Tablet</option>' in page
    assert '<option value="mifi" >MiFi (pocket Wi-Fi)</option>' in page
    assert 'href="/staff/export/devices.csv"' in page
    assert 'href="/staff/export/borrowers.csv"' in page
    assert page.count('name="csrf_token"') >= 2


@needs_samples
def test_devices_upload_preview_confirm_and_download(staff_client, db, venue):
    db["venues"].insert({"name": "Lindgren-Marquardt"})
    before = snapshot(db)

    response = upload(staff_client, "devices", sample("assets-sample.csv").encode("utf-8"),
                      "assets-sample.csv", default_kind="laptop")

    page = text(response)
    assert response.status_code == 200
    assert snapshot(db) == before, "the preview writes nothing"
    assert 'id="count-rows">22<' in page and 'id="count-ready">22<' in page
    assert 'id="count-loans">9<' in page and 'id="count-new-borrowers">9<' in page
    assert "<td>Asset Tag</td><td>Asset tag</td>" in page
    assert "<strong>Checked Out To: Location</strong>: Not a column we know." in page
    assert "<strong>Purchase Cost</strong>: Doorstep does not keep this." in page
    wbh = row_html(page, 3)
    assert "WBH-2841795" in wbh and "Lindgren-Marquardt" in wbh
    assert "Gage McCrackem (gmccrackem2a@bing.com), due back" in wbh
    assert "is not one of our venues" in row_html(page, 2)
    assert "Import 22 rows" in page
    assert confirm_form(page)["default_kind"] == "laptop"

    response = confirm(staff_client, page)

    assert response.status_code == 303 and response.headers["Location"] == "/staff/import"
    page = text(staff_client.get("/staff/import"))
    assert ("Imported 22 devices; 0 rows skipped. 9 devices on loan, with 9 new borrowers."
            in page)
    assert (db["devices"].count, db["borrowers"].count, db["loans"].count) == (22, 9, 9)
    actors = {a for (a,) in db.execute("select distinct actor from audit_log "
                                       "where action != 'user.create'")}
    assert actors == {"Sam Staff"}

    response = staff_client.get("/staff/export/devices.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="doorstep-devices-\d{4}-\d\d-\d\d\.csv"',
                        response.headers["Content-Disposition"])
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeffAsset Tag,Category,Manufacturer,Model Name,")
    assert body.count("\r\n") == 23 and "WBH-2841795,Laptop" in body
    assert db["audit_log"].count_where("action = 'device.export' and actor = 'Sam Staff'") == 1


@needs_samples
def test_borrowers_upload_preview_confirm_and_download(staff_client, db):
    response = upload(staff_client, "borrowers", sample("users-sample.csv").encode("utf-8"))
    page = text(response)
    assert response.status_code == 200 and db["borrowers"].count == 0
    assert 'id="count-ready">99<' in page and 'id="count-errors">1<' in page
    assert "Please give a UK phone number, like 01942 123456." in row_html(page, 62)
    assert "<strong>Address</strong>: Doorstep keeps only a name and one way to reach" in page
    assert "Import 99 rows" in page and "default_kind" not in confirm_form(page)

    response = confirm(staff_client, page, follow_redirects=True)

    assert "Imported 99 borrowers; 1 row skipped." in text(response)
    assert db["borrowers"].count == 99
    download = staff_client.get("/staff/export/borrowers.csv")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Cache-Control"] == "no-store"
    body = download.get_data().decode("utf-8-sig")
    assert body.startswith("First Name,Last Name,Email,Phone,Library Card\r\n")
    assert "Reagen,Tenant,rtenant0@istockphoto.com,," in body
    assert "Emmet" not in body and "Nurse" not in body
    assert db["audit_log"].count_where("action = 'borrower.export'") == 1


def test_row_errors_show_beside_their_rows_and_only_good_rows_are_written(staff_client, db):
    lending.add_device(db, SYSTEM, {"kind": "tablet", "asset_tag": "OLD-1"})
    before = snapshot(db)

    page = text(upload(staff_client, "devices", MALFORMED.encode(), default_kind="laptop"))

    assert snapshot(db) == before
    assert 'id="count-rows">10<' in page and 'id="count-ready">3<' in page
    assert 'id="count-errors">7<' in page
    assert ('<p class="field-error">Asset Tag: tab-0001 is also the tag in row 2; each device '
            "needs its own.</p>") in row_html(page, 5)
    assert "Another device already has the tag OLD-1." in row_html(page, 6)
    assert "looks like day/month/year" in row_html(page, 4)
    assert "This row has 8 values but the first row has 7 column names." in row_html(page, 3)
    assert "Kind “Spaceship” is not one we know" in row_html(page, 7)
    assert "PHN-0001 (new)" in row_html(page, 13)
    assert 'class="has-errors"' in row_html(page, 3) and 'class="ready"' in row_html(page, 2)
    assert "Import 3 rows" in page

    response = confirm(staff_client, page, follow_redirects=True)

    assert "Imported 3 devices; 7 rows skipped." in text(response)
    assert db["devices"].count == 4


def test_cancel_goes_back_and_writes_nothing(staff_client, db):
    before = snapshot(db)
    page = text(upload(staff_client, "devices", make_csv(["Asset Tag"], ["T1"]).encode(),
                       default_kind="tablet"))
    cancel = re.search(r'<a class="button secondary" href="([^"]+)">Cancel</a>', page)
    assert cancel and cancel.group(1) == "/staff/import"
    assert staff_client.get(cancel.group(1)).status_code == 200
    assert snapshot(db) == before


def test_a_file_with_nothing_to_import_offers_no_import_button(staff_client, db):
    page = text(upload(staff_client, "devices", b"Asset Tag,SIM Expires\nT1,31/12/2026\n",
                       default_kind="tablet"))
    assert "No row can be imported." in page and "Import 0" not in page
    assert 'name="csv"' not in page


TOO_BIG = b"Asset Tag\n" + b"T1\n" * (device_csv.MAX_BYTES // 3 + 1)


@pytest.mark.parametrize("what, content, form, field, message", [
    ("devices", None, {"default_kind": "tablet"}, "devices_file",
     "Please choose a CSV file to upload."),
    ("devices", b"Asset Tag\nT1\n", {}, "default_kind",
     "Please choose the kind of device for rows whose kind we cannot tell."),
    ("devices", b"Asset Tag\nT1\n", {"default_kind": "spaceship"}, "default_kind",
     "Please choose the kind of device for rows whose kind we cannot tell."),
    ("devices", "Asset Tag\nT1\n".encode("utf-16"), {"default_kind": "tablet"}, "devices_file",
     "We could not read this file as UTF-8 text."),
    ("devices", "Asset Tag,Model\nT1,Café\n".encode("cp1252"), {"default_kind": "tablet"},
     "devices_file", "We could not read this file as UTF-8 text."),
    ("devices", b"PK\x03\x04\x14\x00\x06\x00", {"default_kind": "tablet"}, "devices_file",
     "This is a spreadsheet workbook, not a CSV file."),
    ("devices", TOO_BIG, {"default_kind": "tablet"}, "devices_file", device_csv.TOO_BIG),
    ("devices", b"", {"default_kind": "tablet"}, "devices_file", "The file is empty."),
    ("devices", b"Asset Tag,Model\rT1,iPad\r", {"default_kind": "tablet"}, "devices_file",
     "This file ends its lines the old Mac way (CR only)"),
    ("devices", b"Asset Tag,ASSET TAG\nT1,T2\n", {"default_kind": "tablet"}, "devices_file",
     "Two columns are both called “ASSET TAG” (columns A and B)."),
    ("devices", b"Asset Tag\n" + b"T\n" * 5001, {"default_kind": "tablet"}, "devices_file",
     device_csv.TOO_MANY_ROWS),
    ("borrowers", None, {}, "borrowers_file", "Please choose a CSV file to upload."),
    ("borrowers", b"Asset Tag,Email\nT1,a@example.org\n", {}, "borrowers_file",
     "This looks like a list of devices (it has an Asset Tag column): use the devices form."),
    ("borrowers", b"\xff\xfe\x00", {}, "borrowers_file",
     "We could not read this file as UTF-8 text."),
    ("borrowers", b"First Name\nAl\x00\n", {}, "borrowers_file",
     "This does not look like a CSV file."),
])
def test_bad_uploads_get_a_message_beside_the_field(staff_client, db, what, content, form,
                                                    field, message):
    before = snapshot(db)
    response = upload(staff_client, what, content, **form)
    page = text(response)
    assert response.status_code == 422, page[:500]
    assert beside(page, field, message), page[:3000]
    assert snapshot(db) == before


def test_an_empty_file_name_counts_as_no_file(staff_client):
    response = upload(staff_client, "devices", b"Asset Tag\nT1\n", filename="",
                      default_kind="tablet")
    assert response.status_code == 422
    assert beside(text(response), "devices_file", "Please choose a CSV file to upload.")


@pytest.mark.parametrize("url, data, field, message", [
    ("/staff/import/devices", {"default_kind": "tablet"}, "devices_file",
     "The file did not come through. Please upload it again."),
    ("/staff/import/devices", {"default_kind": "nope", "csv": "Asset Tag\nT1\n"},
     "default_kind", "Please choose the kind of device"),
    ("/staff/import/devices", {"default_kind": "tablet", "csv": "Asset Tag\rT1\r"},
     "devices_file", "This file ends its lines the old Mac way"),
    ("/staff/import/borrowers", {"csv": "  "}, "borrowers_file",
     "The file did not come through. Please upload it again."),
    ("/staff/import/borrowers", {"csv": "Colour\nred\n"}, "borrowers_file",
     "We could not find a name column"),
])
def test_a_tampered_confirm_writes_nothing(staff_client, db, url, data, field, message):
    before = snapshot(db)
    response = staff_client.post(url, data=data)
    assert response.status_code == 422
    assert beside(text(response), field, message)
    assert snapshot(db) == before


def test_exports_of_an_empty_library_are_just_headers(staff_client):
    body = staff_client.get("/staff/export/borrowers.csv").get_data().decode("utf-8")
    assert body == "\ufeffFirst Name,Last Name,Email,Phone,Library Card\r\n"
    body = staff_client.get("/staff/export/devices.csv").get_data().decode("utf-8-sig")
    assert body.startswith("Asset Tag,") and body.count("\r\n") == 1


def test_volunteers_and_strangers_cannot_import_or_export(app, volunteer_client, db):
    for url in ("/staff/import", "/staff/export/devices.csv", "/staff/export/borrowers.csv"):
        assert volunteer_client.get(url).status_code == 403
        assert app.test_client().get(url).status_code == 302
    response = volunteer_client.post("/staff/import/borrowers", data={"csv": "First Name\nAl\n"})
    assert response.status_code == 403 and db["borrowers"].count == 0


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_large_file_survives_the_confirm_round_trip_with_csrf_on(tmp_path):
    """The confirm form sends the whole file back in one field: above Flask's 500 kB field
    limit it must still work with CSRF protection reading the form first, as in production."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    database = dbmod.connect(app.config["DATABASE"])
    auth.create_user(database, "sam", "Sam Staff", "staff", STAFF_PASSWORD, SYSTEM)
    client = app.test_client()
    token = csrf(text(client.get("/signin/staff")))
    assert client.post("/signin/staff", data={"username": "sam", "password": STAFF_PASSWORD,
                                              "csrf_token": token}).status_code == 302
    rows = [["Asset Tag", "Category", "Asset Notes"]] + [
        [f"T{i}", "Tablet", f"Note {i}: " + "x" * 900] for i in range(700)]
    content = make_csv(*rows).encode()
    assert len(content) > 600_000
    token = csrf(text(client.get("/staff/import")))
    page = text(client.post("/staff/import/devices/preview", data={
        "csrf_token": token, "default_kind": "tablet",
        "devices_file": (io.BytesIO(content), "big.csv")}, content_type="multipart/form-data"))
    assert "Import 700 rows" in page
    form = confirm_form(page)
    response = client.post(form.pop("action"), data=form, content_type="multipart/form-data")
    assert response.status_code == 303, text(response)[:500]
    assert database["devices"].count == 700
    database.conn.close()


@pytest.mark.parametrize("failure, message", [
    (lending.InvalidInput({"asset_tag": "Another device already has the tag T2."}),
     "Nothing was imported: Another device already has the tag T2."),
    (lending.Conflict("T2 is already on loan."), "Nothing was imported: T2 is already on loan."),
])
def test_a_rule_failing_part_way_writes_nothing_and_says_so(staff_client, db, monkeypatch,
                                                            failure, message):
    text_csv = make_csv(["Asset Tag", "Model", "Checked Out To: Full Name"],
                        ["T1", "iPad", "Ann Lee"], ["T2", "iPad", "Bob Ray"])
    page = text(upload(staff_client, "devices", text_csv.encode(), default_kind="tablet"))
    real, calls = lending.check_out, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(lending, "check_out", failing)
    before = snapshot(db)
    response = confirm(staff_client, page)
    assert response.status_code == 422
    assert beside(text(response), "devices_file", message)
    assert snapshot(db) == before


def test_every_problem_with_the_upload_form_is_shown_at_once(staff_client):
    response = upload(staff_client, "devices", None, default_kind='"><script>')
    page = text(response)
    assert response.status_code == 422
    assert beside(page, "devices_file", "Please choose a CSV file to upload.")
    assert beside(page, "default_kind", device_csv.KIND_MISSING)
    assert "<script>" not in page.split("<main", 1)[1]
