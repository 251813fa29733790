"""CSV import/export in Snipe-IT's columns: the real Snipe-IT samples, header matching,
dates, malformed files, one-transaction apply with audit, round trip, formula guard."""

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

import db as dbmod
import device_csv
import lending
from audit import Actor, stamp
from tests.conftest import SYSTEM

pytestmark = pytest.mark.usefixtures("fast_hashing")
SAMPLES = Path(os.environ.get("DOORSTEP_SNIPE_SAMPLES",
                              Path(__file__).resolve().parents[2] / "shared/samples/snipe-it"))
needs_samples = pytest.mark.skipif(not (SAMPLES / "assets-sample.csv").exists(),
                                   reason=f"Snipe-IT sample CSVs not found in {SAMPLES}")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def sample(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8")


def make_csv(*rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def luhn(prefix: str) -> str:
    """`prefix` plus the check digit that makes it pass the Luhn test (IMEI, ICCID)."""
    for d in "0123456789":
        if lending._luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError


def snapshot(db) -> dict:
    return {t: db[t].count for t in db.table_names()}


def actions(db) -> dict:
    """How many audit entries of each kind, leaving out setting up the staff member."""
    found = {}
    for (action,) in db.execute("select action from audit_log where action != 'user.create'"):
        found[action] = found.get(action, 0) + 1
    return found


@pytest.fixture
def actor(staff):
    """A real staff member: loans record who lent them, so the id must be a user's."""
    return Actor(staff, "Sam Staff")


def by_number(preview) -> dict:
    return {r.number: r for r in preview.rows}


# ---------------------------------------------------------------- the real Snipe-IT samples


@needs_samples
def test_the_snipe_it_assets_sample_imports(db, actor):
    db["venues"].insert_all([{"name": "Lindgren-Marquardt"}, {"name": "roberts-anderson"}])
    text = sample("assets-sample.csv")
    assert text.startswith("\ufeff")
    before = snapshot(db)

    preview = device_csv.preview_devices(db, text, "tablet", now=NOW)

    assert snapshot(db) == before, "a preview writes nothing"
    assert preview.file_errors == []
    assert preview.counts == {"rows": 22, "ready": 22, "errors": 0, "skipped": 0,
                              "warnings": 18, "loans": 9, "new_borrowers": 9}
    mapped = dict(preview.mapped)
    assert mapped["Name"].startswith("Kind") and mapped["Asset Tag"] == "Asset tag"
    assert mapped["Model"] == "Model" and mapped["Model Number"].startswith("Model (added")
    assert mapped["Checked Out To: Email"] == "Borrower's email"
    ignored = dict(preview.ignored)
    assert ignored["Checked Out To: Location"] == "Not a column we know."
    assert ignored["Asset EOL Date"] == ignored["Purchase Cost"] == "Doorstep does not keep this."
    assert set(ignored) == {"Company", "Supplier", "Order Number", "Model Notes",
                            "Purchase Date", "Purchase Cost", "Checked Out To: Location",
                            "Asset EOL Date"}
    rows = by_number(preview)
    # Locations match venues by name, whatever the case; the rest warn and stay blank.
    location_warnings = [r.number for r in preview.rows
                         if any("is not one of our venues" in w for w in r.warnings)]
    assert len(location_warnings) == 17
    assert rows[3].values["Home venue"] == "Lindgren-Marquardt"
    assert rows[6].values["Home venue"] == "roberts-anderson"
    assert "“Wilkinson, Waters and Kerluke” is not one of our venues" in rows[2].warnings[0]
    # Checkout Type "Location" is not a loan.
    assert rows[4].values["On loan to"] == ""
    assert any("Checked out to a location" in w for w in rows[4].warnings)
    assert rows[3].values["On loan to"] == ("Gage McCrackem (gmccrackem2a@bing.com), due back "
                                            "2026-12-21")
    # Macbooks are laptops; "Robby" in "Fire Protection" gives no clue: the chosen default.
    assert rows[2].values["Kind"] == "Laptop"
    assert rows[23].values["Kind"] == "Tablet"
    assert "so it comes in as a Tablet" in rows[23].warnings[0]
    assert rows[2].values["Model"] == 'Macbook Pro 13" (1786VM80X07)'

    result = device_csv.apply_devices(db, actor, text, "tablet", now=NOW)

    assert (result.written, result.skipped, result.loans, result.borrowers) == (22, 0, 9, 9)
    assert db["devices"].count == 22
    assert db["devices"].count_where("status = 'on_loan'") == 9
    assert db["devices"].count_where("kind = 'laptop'") == 21
    assert db["borrowers"].count == 9
    assert db["borrowers"].count_where("contact_kind = 'email'") == 9
    loans = lending.open_loans(db)
    assert len(loans) == 9 and all(loan["signature"] is None for loan in loans)
    assert {loan["due_on"] for loan in loans} == {"2026-12-21"}  # today + a laptop's 28 days
    gage = next(loan for loan in loans if loan["holder"] == "Gage McCrackem")
    assert gage["asset_tag"] == "WBH-2841795" and gage["contact"] == "gmccrackem2a@bing.com"
    device = lending.device_by_tag(db, "ICC-2065556")
    assert device["make"] == "Berge Inc" and device["home_venue_id"] is None
    assert device["notes"].startswith("at nulla suspendisse")
    assert actions(db) == {"device.create": 22, "borrower.create": 9, "loan.check_out": 9,
                           "device.status": 9, "device.import": 1}


@needs_samples
def test_the_snipe_it_users_sample_keeps_only_a_name_and_one_contact(db, actor):
    text = sample("users-sample.csv")
    before = snapshot(db)

    preview = device_csv.preview_borrowers(db, text)

    assert snapshot(db) == before
    assert preview.counts["rows"] == 100
    assert preview.counts["ready"] == 99
    rows = by_number(preview)
    # Davis has no email and a US phone number: not a UK number we could call.
    assert rows[62].errors == ["Phone: Please give a UK phone number, like 01942 123456."]
    assert [r.number for r in preview.rows if r.warnings] == [11, 34, 43, 83]
    assert "No email or phone" in rows[11].warnings[0]
    assert dict(preview.mapped) == {"First Name": "Name", "Last Name": "Name",
                                    "Email": "Email", "Username": "Name (when no other "
                                                                  "name is given)",
                                    "Phone": "Phone (when no email)"}
    assert {"Address", "Job Title", "Postal Code", "Gravatar", "Notes", "Manager"} <= {
        h for h, _ in preview.ignored}

    result = device_csv.apply_borrowers(db, actor, text, now=NOW)

    assert (result.written, result.skipped) == (99, 1)
    assert db["borrowers"].count == 99
    reagen = next(db["borrowers"].rows_where("name = 'Reagen Tenant'"))
    assert (reagen["contact_kind"], reagen["contact"], reagen["library_card"]) == (
        "email", "rtenant0@istockphoto.com", None)
    assert db["borrowers"].count_where("contact_kind = 'none'") == 4
    everything = "\n".join(db.conn.iterdump())
    for kept_out in ("0406 Emmet Drive", "Nurse Practicioner", "netvibes", "895-137-2034",
                     "rtenant0@soup.io", "Braun, Ullrich", "'rtenant0'",
                     "Senior Quality Engineer", "Tillman-Marquardt", "2022-03-18"):
        assert kept_out not in everything, kept_out
    assert actions(db) == {"borrower.create": 99, "borrower.import": 1}

    # The same file again: every person is already there, so nothing is added twice.
    again = device_csv.preview_borrowers(db, text)
    assert again.counts["ready"] == 0 and again.counts["skipped"] == 100
    assert "Already a borrower" in by_number(again)[2].warnings[0]


@needs_samples
def test_the_consumables_sample_is_refused_clearly(db):
    text = sample("consumables-sample.csv")
    devices = device_csv.preview_devices(db, text, "tablet")
    assert devices.file_errors == ["This looks like a Snipe-IT consumables file (it has a QTY "
                                   "column). Only devices, one per row, are imported here."]
    borrowers = device_csv.preview_borrowers(db, text)
    assert "could not find a name column" in borrowers.file_errors[0]
    assert device_csv.preview_devices(db, sample("users-sample.csv"), "tablet").file_errors[0] \
        .endswith("This looks like a list of people: use the borrowers form.")
    assert "use the devices form" in device_csv.preview_borrowers(
        db, sample("assets-sample.csv")).file_errors[0]


@needs_samples
def test_a_device_row_lends_to_a_borrower_we_already_have(db):
    device_csv.apply_borrowers(db, SYSTEM, sample("users-sample.csv"), now=NOW)
    text = make_csv(["Asset Tag", "Model", "Checked Out To: Full Name", "Checked Out To: Email"],
                    ["TAB-9", "iPad", "Reagen  Tenant", "RTENANT0@istockphoto.com"],
                    ["TAB-10", "iPad", "Reagen Tenant", "reagen@example.org"])
    preview = device_csv.preview_devices(db, text, "laptop", now=NOW)
    assert preview.counts["loans"] == 2 and preview.counts["new_borrowers"] == 1
    device_csv.apply_devices(db, SYSTEM, text, "laptop", now=NOW)
    assert db["borrowers"].count == 100
    reagen = next(db["borrowers"].rows_where("contact = 'rtenant0@istockphoto.com'"))
    assert lending.open_loan(db, lending.device_by_tag(db, "TAB-9")["id"])["borrower_id"] == \
        reagen["id"]


# ---------------------------------------------------------------- headers


def test_headers_match_labels_then_aliases_whatever_the_case():
    preview = device_csv.Preview("devices")
    header = ["asset TAG", "MODEL", "model number", "Serial No.", "e-mail", "fullname",
              "User Name", "Last Checkout", "Warranty Months", "Colour", "", "Kind"]
    index = device_csv.match_headers(header, device_csv.DEVICE_COLUMNS, preview)
    assert index == {"asset_tag": 0, "asset_model": 1, "model_number": 2, "serial": 3,
                     "email": 4, "full_name": 5, "username": 6, "last_checkout": 7,
                     "warranty_months": 8, "kind": 11}
    assert preview.ignored == [("Warranty Months", "Doorstep does not keep this."),
                               ("Colour", "Not a column we know."),
                               ("Column K", "It has no name.")]
    assert preview.file_errors == []


def test_a_bom_and_odd_case_still_read(db):
    text = "\ufeffASSET TAG,category,MANUFACTURER,model name,serial number\n" \
           "lap-1,Laptops,Dell,Latitude 5400,ABC123\n"
    preview = device_csv.preview_devices(db, text, "tablet", now=NOW)
    assert preview.file_errors == []
    (row,) = preview.rows
    assert row.errors == [] and row.warnings == []
    assert row.values["Kind"] == "Laptop" and row.values["Make"] == "Dell"
    assert row.values["Serial number"] == "ABC123"


def test_a_second_column_for_the_same_field_is_not_read():
    preview = device_csv.Preview("devices")
    index = device_csv.match_headers(["Email", "Checked Out To: Email"],
                                     device_csv.DEVICE_COLUMNS, preview)
    assert index == {"email": 0}
    assert preview.ignored == [("Checked Out To: Email",
                                "Means the same as “Email”, which is read instead.")]


def test_duplicate_header_names_are_refused(db):
    text = make_csv(["Asset Tag", "Model", "asset tag"], ["A1", "iPad", "A2"])
    preview = device_csv.preview_devices(db, text, "tablet")
    assert preview.file_errors == ["Two columns are both called “asset tag” (columns A and C). "
                                   "Rename or delete one, then upload the file again."]
    assert preview.rows == []


@pytest.mark.parametrize("text, message", [
    ("", "The file is empty."),
    ("\ufeff \n\n", "The file is empty."),
    ("\n\nAsset Tag\nA1\n", "The first row should hold the column names"),
    ("Colour,Size\nred,big\n", "We could not find any device columns"),
    ("Asset Tag;Model\nA1;iPad\n", "This file puts semicolons between values; we need commas."),
    ("Asset Tag,Model\rA1,iPad\rA2,iPad\r", "ends its lines the old Mac way (CR only)"),
    ('Asset Tag,Model\nA1,"iPad\nA2,iPad\n', "Row 2 could not be read: a quote mark opened in "
                                             "it is never closed."),
    ('Asset Tag,Model\nA1,iPad\nA2,"iPad" Air\n', "Row 3 could not be read: a quote mark in it "
                                                  "is followed by more text."),
    ("Asset Tag,Model\nA1,iP\x00ad\n", "Row 2 could not be read: it contains a NUL character"),
])
def test_files_that_cannot_be_read_say_why(db, text, message):
    before = snapshot(db)
    preview = device_csv.preview_devices(db, text, "tablet")
    assert len(preview.file_errors) == 1 and message in preview.file_errors[0]
    with pytest.raises(device_csv.InvalidInput) as raised:
        device_csv.apply_devices(db, SYSTEM, text, "tablet")
    assert message in raised.value.errors["file"]
    assert snapshot(db) == before


def test_size_limits(db):
    big = "Asset Tag,Asset Notes\n" + ("A1," + "n" * 1000 + "\n") * 2100
    assert len(big.encode()) > device_csv.MAX_BYTES
    assert device_csv.preview_devices(db, big, "tablet").file_errors == [device_csv.TOO_BIG]
    many = "Asset Tag\n" + "".join(f"T{i}\n" for i in range(5001))
    assert device_csv.preview_borrowers(db, "First Name\n" + "Al\n" * 5001).file_errors == [
        device_csv.TOO_MANY_ROWS]
    assert device_csv.preview_devices(db, many, "tablet").file_errors == [
        device_csv.TOO_MANY_ROWS]
    header, rows = device_csv.read_rows("Asset Tag\n" + "".join(f"T{i}\n" for i in range(5000)))
    assert len(rows) == 5000 and rows[-1] == (5001, ["T4999"])


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("text, expected, warning", [
    ("1/23/23", "2023-01-23", None),
    ("10/27/2028", "2028-10-27", None),
    ("12/31/69", "2069-12-31", None),
    ("1/1/70", "1970-01-01", None),
    ("5/4/25", "2025-05-04", "read “5/4/25” as 4 May 2025 (month first"),
    ("2026-01-05", "2026-01-05", None),
    ("2026-01-05 14:30:00", "2026-01-05T14:30:00+00:00", None),
    ("2026-07-05 14:30:00", "2026-07-05T14:30:00+01:00", None),
])
def test_dates_as_snipe_it_writes_them(text, expected, warning):
    row = device_csv.Row(2)
    when = device_csv.parse_when(text, "SIM Expires", row)
    assert when.isoformat() == expected
    assert row.errors == []
    if warning:
        assert len(row.warnings) == 1 and warning in row.warnings[0]
    else:
        assert row.warnings == []


@pytest.mark.parametrize("text, message", [
    ("25/12/2026", "“25/12/2026” looks like day/month/year. Snipe-IT files put the month first "
                   "(12/25/2026); safest is year-month-day, like 2026-12-25."),
    ("2/30/2026", "“2/30/2026” is not a date we can read"),
    ("2026-13-01", "is not a date we can read"),
    ("23 Jan 2023", "is not a date we can read"),
    ("2023/01/23", "is not a date we can read"),
    ("2026-01-05T14:30:00", "is not a date we can read"),
    ("１/２/２０２６", "is not a date we can read"),
])
def test_other_dates_are_row_errors(text, message):
    row = device_csv.Row(7)
    assert device_csv.parse_when(text, "SIM Expires", row) is None
    assert len(row.errors) == 1 and row.errors[0].startswith("SIM Expires: ")
    assert message in row.errors[0]


def test_loans_take_their_dates_from_the_file(db, actor):
    text = make_csv(
        ["Asset Tag", "Category", "Checked Out To: First Name", "Checked Out To: Last Name",
         "Checkout Date", "Expected Checkin Date", "Checked Out To: Phone"],
        ["TAB-1", "Tablet", "Ann", "Lee", "11/2/26", "", "07700 900123"],
        ["TAB-2", "Tablet", "Bob", "Ray", "2026-10-01 09:15:00", "2026-10-20", "01942 123456"],
        ["TAB-3", "Tablet", "Cy", "Day", "2026-12-01", "", ""],
        ["TAB-4", "Tablet", "Di", "Eve", "2026-10-10", "2026-10-01", ""],
    )
    preview = device_csv.preview_devices(db, text, "laptop", now=NOW)
    rows = by_number(preview)
    assert rows[2].values["On loan to"] == "Ann Lee (07700 900123), due back 2026-11-30"
    assert rows[4].errors == ["Checkout Date: “2026-12-01” is in the future."]
    assert rows[5].errors == ["Expected Checkin Date: the loan is due back before it began."]
    device_csv.apply_devices(db, actor, text, "laptop", now=NOW)
    ann = lending.open_loan(db, lending.device_by_tag(db, "TAB-1")["id"])
    assert (ann["out_at"], ann["due_on"]) == ("2026-11-02T00:00:00+00:00", "2026-11-30")
    assert (ann["contact_kind"], ann["contact"]) == ("mobile", "07700900123")
    bob = lending.open_loan(db, lending.device_by_tag(db, "TAB-2")["id"])
    assert (bob["out_at"], bob["due_on"]) == ("2026-10-01T08:15:00+00:00", "2026-10-20")
    assert (bob["contact_kind"], bob["contact"]) == ("landline", "01942123456")
    assert db["devices"].count == 2
    # The audit says when the import happened, not when the loan began.
    audit = db.execute("select at from audit_log where action = 'loan.check_out' "
                       "and row_id = ?", [str(ann["id"])]).fetchone()[0]
    assert audit == stamp(NOW)


# ---------------------------------------------------------------- malformed rows


MALFORMED = make_csv(
    ["Asset Tag", "Category", "Model Name", "Serial Number", "SIM Expires", "Kind", "Status"],
    ["TAB-0001", "Tablet", "iPad 9", "S1", "", "", ""],               # 2 fine
    ["TAB-0002", "Tablet", "iPad 9", "S2", "", "", "", "extra"],      # 3 too many fields
    ["TAB-0003", "Tablet", "iPad 9", "S3", "31/12/2026", "", ""],     # 4 bad date
    ["tab-0001", "Tablet", "iPad 9", "S4", "", "", ""],               # 5 tag again in file
    ["OLD-1", "Tablet", "iPad 9", "S5", "", "", ""],                  # 6 tag already in db
    ["TAB-0006", "Widgets", "Thing", "S6", "", "Spaceship", ""],      # 7 unknown kind
    ["TAB-0007", "Tablet", "iPad 9", "S7", "", "", "On Fire"],        # 8 unknown status
    ["TAB-0008", "Tablet", "iPad 9"],                                 # 9 too few fields
    [],                                                               # 10 blank: ignored
    ["", "", "", "", "", "", ""],                                     # 11 blank: ignored
    ["TAB 9!", "Tablet", "iPad 9", "S9", "", "", ""],                 # 12 bad tag
    ["", "Phone", "Nokia", "S10", "", "", ""],                        # 13 fine, next number
)


@pytest.fixture
def old_device(db):
    return lending.add_device(db, SYSTEM, {"kind": "tablet", "asset_tag": "OLD-1"})


def test_a_malformed_file_gives_clear_row_errors_and_writes_nothing(db, old_device):
    before = snapshot(db)
    preview = device_csv.preview_devices(db, MALFORMED, "laptop", now=NOW)
    assert snapshot(db) == before
    rows = by_number(preview)
    assert sorted(rows) == [2, 3, 4, 5, 6, 7, 8, 9, 12, 13]
    assert rows[2].errors == [] and rows[13].errors == []
    assert rows[3].errors == ["This row has 8 values but the first row has 7 column names. A "
                              "comma inside a value needs quote marks around the value."]
    assert rows[4].errors == ["SIM Expires: “31/12/2026” looks like day/month/year. Snipe-IT "
                              "files put the month first (12/31/2026); safest is "
                              "year-month-day, like 2026-12-31."]
    assert rows[5].errors == ["Asset Tag: tab-0001 is also the tag in row 2; each device needs "
                              "its own."]
    assert rows[6].errors == ["Asset Tag: Another device already has the tag OLD-1."]
    assert rows[7].errors == [] and rows[7].values["Kind"] == "Laptop"
    assert rows[7].warnings == ["Kind “Spaceship” is not one we know, so it comes in as a "
                                "Laptop (the kind you chose for unclear rows)."]
    assert rows[8].errors == ["Status: we do not know the status “On Fire”. Use Ready to "
                              "Deploy, Pending, Out for Repair, Archived or Lost."]
    assert rows[9].errors == ["This row has 3 values but the first row has 7 column names. "
                              "Some values (or their commas) are missing."]
    assert rows[12].errors[0].startswith("Asset Tag: Use letters, numbers, dashes or dots")
    assert rows[13].values["Kind"] == "Phone" and rows[13].values["Asset tag"] == \
        "PHN-0001 (new)"
    assert preview.counts == {"rows": 10, "ready": 3, "errors": 7, "skipped": 7,
                              "warnings": 1, "loans": 0, "new_borrowers": 0}


def test_apply_writes_only_the_valid_rows_and_audits_each(db, old_device, actor):
    result = device_csv.apply_devices(db, actor, MALFORMED, "laptop", now=NOW)
    assert (result.written, result.skipped) == (3, 7)
    tags = sorted(t for (t,) in db.execute("select asset_tag from devices"))
    assert tags == ["OLD-1", "PHN-0001", "TAB-0001", "TAB-0006"]
    assert lending.device_by_tag(db, "TAB-0006")["kind"] == "laptop"
    for tag in ("PHN-0001", "TAB-0001", "TAB-0006"):
        device = lending.device_by_tag(db, tag)
        (entry,) = lending.device_history(db, device["id"])
        assert (entry["action"], entry["actor"], entry["actor_id"]) == (
            "device.create", "Sam Staff", 1)
    summary = next(db["audit_log"].rows_where("action = 'device.import'"))
    assert '"written": 3' in summary["after"] and '"skipped": 7' in summary["after"]


def test_a_crash_half_way_writes_nothing(db, monkeypatch):
    text = make_csv(["Asset Tag", "Model", "Checked Out To: Full Name"],
                    ["T1", "iPad", "Ann Lee"], ["T2", "iPad", "Bob Ray"],
                    ["T3", "iPad", "Cy Day"])
    real = lending.check_out
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk fell off")
        return real(*args, **kwargs)

    monkeypatch.setattr(lending, "check_out", failing)
    before = snapshot(db)
    with pytest.raises(RuntimeError):
        device_csv.apply_devices(db, SYSTEM, text, "tablet", now=NOW)
    assert snapshot(db) == before
    assert db["audit_log"].count == 0 and not db.conn.in_transaction


def test_blank_tags_take_the_next_numbers_around_the_files_own(db):
    lending.add_device(db, SYSTEM, {"kind": "tablet", "asset_tag": "TAB-0003"})
    text = make_csv(["Asset Tag", "Category"], ["", "Tablet"], ["TAB-0007", "Tablet"],
                    ["", "iPad"], ["", "Chromebook"])
    preview = device_csv.preview_devices(db, text, "tablet", now=NOW)
    assert [r.values["Asset tag"] for r in preview.rows] == [
        "TAB-0008 (new)", "TAB-0007", "TAB-0009 (new)", "CHR-0001 (new)"]
    device_csv.apply_devices(db, SYSTEM, text, "tablet", now=NOW)
    assert sorted(t for (t,) in db.execute("select asset_tag from devices")) == [
        "CHR-0001", "TAB-0003", "TAB-0007", "TAB-0008", "TAB-0009"]


@pytest.mark.parametrize("words, kind", [
    (("", "Tablets", "", ""), "tablet"),
    (("", "", "Apple iPad Air", ""), "tablet"),
    (("", "", "Samsung Galaxy Tab A8", ""), "tablet"),
    (("", "Laptops", "Acer Chromebook 314", ""), "chromebook"),
    (("", "", "Lenovo ThinkPad T14", ""), "laptop"),
    (("", "", "HP notebook", ""), "laptop"),
    (("", "Mobile Phones", "", ""), "phone"),
    (("", "", "iPhone SE", ""), "phone"),
    (("", "Network", "Huawei E5576 MiFi", ""), "mifi"),
    (("", "", "", "4G hotspot"), "mifi"),
    (("", "", "", "USB dongle"), "mifi"),
    (("", "Accessories", "Sony headphones", ""), None),
    (("", "", "Tabletop stand", ""), None),
])
def test_the_kind_is_guessed_from_words(db, words, kind):
    kinds = {k["slug"]: k for k in lending.kinds(db)}
    kind_col, category, model, name = words
    assert device_csv.guess_kind([kind_col, model, category, name], kinds) == kind


def test_statuses_and_doorstep_columns(db, venue):
    iccid = luhn("894411006825627005")
    imei = luhn("49015420323751")
    text = make_csv(
        ["Asset Tag", "Kind", "Status", "IMEI", "SIM ICCID", "SIM Network", "SIM Allowance",
         "SIM Expires", "Accessories", "Condition", "Location", "Checked Out To: Full Name"],
        ["M1", "MiFi (pocket Wi-Fi)", "Out for Repair", imei, iccid, "Vodafone", "20 GB",
         "2027-03-31", "Charger, cable", "b", "WIGAN LIBRARY", ""],
        ["M2", "mifi", "Pending", "", "", "", "", "", "", "A: as new", "", ""],
        ["M3", "mifi", "Archived", "", "", "", "", "", "", "", "", ""],
        ["M4", "mifi", "Lost/Stolen", "", "", "", "", "", "", "", "", ""],
        ["M5", "mifi", "Deployed", "", "", "", "", "", "", "", "", ""],
        ["M6", "mifi", "Out for Repair", "", "", "", "", "", "", "", "", "Ann Lee"],
        ["M7", "mifi", "", "123", "", "", "", "", "Bag", "E", "", ""],
    )
    preview = device_csv.preview_devices(db, text, "tablet", now=NOW)
    rows = by_number(preview)
    assert [rows[n].values["Status"] for n in (2, 3, 4, 5, 6)] == [
        "In repair", "Being wiped", "Retired", "Lost", "Available"]
    assert rows[6].warnings == ["It says the device is out, but no one is named in the "
                                "Checked Out To columns, so it comes in as available."]
    assert rows[7].errors == ["It names who has the device, but its status is in repair. A "
                              "device on loan must be ready to deploy (or deployed)."]
    assert rows[8].errors == [
        "Accessories: “bag” is not an accessory we list. Use Charger, Cable, Case, Keyboard, "
        "Mouse, Stylus, Headphones.",
        "Condition: “E” is not a grade we use. Use A (as new), B (good), C (fair, marked) or "
        "D (poor, works).",
        "IMEI: That does not look like an IMEI (15 digits). Check the digits and try again."]
    device_csv.apply_devices(db, SYSTEM, text, "tablet", now=NOW)
    m1 = lending.device_by_tag(db, "M1")
    assert (m1["kind"], m1["status"], m1["imei"], m1["sim_iccid"], m1["sim_network"],
            m1["sim_allowance"], m1["sim_expires"], m1["accessories"], m1["condition"],
            m1["home_venue_id"]) == ("mifi", "in_repair", imei, iccid, "Vodafone", "20 GB",
                                     "2027-03-31", '["charger", "cable"]', "B", venue)
    assert lending.device_by_tag(db, "M2")["condition"] == "A"
    assert db["devices"].count == 5


# ---------------------------------------------------------------- export and round trip


@pytest.fixture
def world(db, venue, other_venue):
    """Devices of every sort, three of them on loan (email, mobile, partner)."""
    tag = {}
    for form in [
        {"kind": "tablet", "make": "Apple", "model": "iPad 9", "serial": "DMPX1",
         "imei": luhn("35395803121326"), "sim_iccid": luhn("8944110068256270054"),
         "sim_network": "Vodafone", "sim_allowance": "20 GB", "sim_expires": "2027-01-31",
         "accessories": ["charger", "case"], "condition": "A", "home_venue_id": venue,
         "notes": "=HYPERLINK(\"http://evil.example\",\"click\")"},
        {"kind": "laptop", "make": "Lenovo", "model": 'ThinkPad 13" "Yoga", 2nd gen',
         "serial": "-PF1", "home_venue_id": other_venue,
         "notes": "Line one\r\nline two, with a comma\r\n'quoted' @home +more"},
        {"kind": "chromebook", "asset_tag": "CB-17", "status": "in_repair",
         "notes": "'=already guarded looking"},
        {"kind": "phone", "status": "being_wiped"},
        {"kind": "mifi", "status": "retired", "condition": "D"},
        {"kind": "mifi", "status": "lost"},
        {"kind": "laptop", "make": "Dell"},
        {"kind": "tablet", "make": "Samsung", "model": "Galaxy Tab A8"},
    ]:
        device_id = lending.add_device(db, SYSTEM, form, now=NOW)
        tag[device_id] = lending.get_device(db, device_id)["asset_tag"]
    ann = lending.add_borrower(db, SYSTEM, {"name": "Ann  Marie Lee", "contact_kind": "email",
                                            "contact": "ann@example.org",
                                            "library_card": "W123456"})
    bob = lending.add_borrower(db, SYSTEM, {"name": "Bob", "contact_kind": "mobile",
                                            "contact": "+44 7700 900123"})
    lending.add_borrower(db, SYSTEM, {"name": "Cy Day", "contact_kind": "landline",
                                      "contact": "01942 123456"})
    lending.add_borrower(db, SYSTEM, {"name": "-Dee", "contact_kind": "none"})
    partner = lending.add_partner(db, SYSTEM, {"name": "Age UK Wigan", "email":
                                               "hello@ageuk.example"})
    lending.check_out(db, SYSTEM, 1, borrower_id=ann, due_on="2026-12-01", imported=True,
                      now=datetime(2026, 11, 1, 14, 5, 9, tzinfo=UTC))
    lending.check_out(db, SYSTEM, 7, borrower_id=bob, due_on="2026-10-01", imported=True,
                      now=datetime(2026, 7, 3, 8, 0, tzinfo=UTC))
    lending.check_out(db, SYSTEM, 8, partner_id=partner, due_on="2027-02-01", imported=True,
                      now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    return tag


DEVICE_SQL = """
    select d.asset_tag, d.kind, d.make, d.model, d.serial, d.imei, d.sim_iccid, d.sim_network,
           d.sim_allowance, d.sim_expires, d.accessories, d.condition, d.status, v.name,
           d.notes, l.out_at, l.due_on, b.name, b.contact_kind, b.contact, p.name, p.email
    from devices d left join venues v on v.id = d.home_venue_id
    left join loans l on l.device_id = d.id and l.closed_at is null
    left join borrowers b on b.id = l.borrower_id left join partners p on p.id = l.partner_id
    order by d.asset_tag"""


def fresh_db(tmp_path, db):
    path = tmp_path / "fresh.db"
    dbmod.migrate_database(path)
    other = dbmod.connect(path)
    for v in db["venues"].rows_where(order_by="id desc"):  # same names, other ids
        other["venues"].insert({"name": v["name"]})
    return other


def test_export_then_import_gives_the_same_records(tmp_path, db, world):
    devices_csv = device_csv.export_devices(db)
    borrowers_csv = device_csv.export_borrowers(db)
    other = fresh_db(tmp_path, db)
    try:
        preview = device_csv.preview_devices(other, devices_csv, "tablet", now=NOW)
        assert [r.errors for r in preview.rows] == [[]] * 8
        assert [r.warnings for r in preview.rows] == [[]] * 8
        assert device_csv.apply_devices(other, SYSTEM, devices_csv, "tablet", now=NOW).loans == 3
        assert list(other.execute(DEVICE_SQL)) == list(db.execute(DEVICE_SQL))
        # Bob came in with his loan; the borrowers file adds the two without loans.
        result = device_csv.apply_borrowers(other, SYSTEM, borrowers_csv, now=NOW)
        assert (result.written, result.skipped) == (2, 2)
        people = "select name, contact_kind, contact from borrowers order by name"
        assert list(other.execute(people)) == list(db.execute(people))
        # Library cards travel in the borrowers file.
        (tmp_path / "x").mkdir()
        third = fresh_db(tmp_path / "x", db)
        device_csv.apply_borrowers(third, SYSTEM, borrowers_csv, now=NOW)
        cards = "select name, contact_kind, contact, library_card from borrowers order by name"
        assert list(third.execute(cards)) == list(db.execute(cards))
        third.conn.close()
        # And exporting the copy gives the same file again.
        assert device_csv.export_devices(other) == devices_csv
    finally:
        other.conn.close()
    # Into the database it came from: every tag is taken, so nothing is written twice.
    again = device_csv.preview_devices(db, devices_csv, "tablet", now=NOW)
    assert again.counts["ready"] == 0 and again.counts["errors"] == 8


def test_the_export_has_snipe_it_columns_iso_dates_and_guarded_formulas(db, world):
    text = device_csv.export_devices(db)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == device_csv.DEVICE_EXPORT_HEADER
    assert list(rows[0])[:8] == ["Asset Tag", "Category", "Manufacturer", "Model Name",
                                 "Serial Number", "Location", "Status", "Asset Notes"]
    by_tag = {r["Asset Tag"]: r for r in rows}
    ipad = by_tag["TAB-0001"]
    assert ipad["Asset Notes"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert (ipad["Category"], ipad["Kind"], ipad["Status"], ipad["Location"]) == (
        "Tablet", "tablet", "Deployed", "Wigan Library")
    assert (ipad["Checkout Type"], ipad["Checked Out To: Full Name"],
            ipad["Checked Out To: Email"], ipad["Checkout Date"],
            ipad["Expected Checkin Date"]) == (
        "User", "Ann Marie Lee", "ann@example.org", "2026-11-01 14:05:09", "2026-12-01")
    assert ipad["Accessories"] == "charger, case" and ipad["SIM Expires"] == "2027-01-31"
    thinkpad = by_tag["LAP-0001"]
    assert thinkpad["Serial Number"] == "'-PF1"
    assert thinkpad["Checkout Type"] == ""
    assert by_tag["CB-17"]["Asset Notes"] == "''=already guarded looking"
    assert by_tag["LAP-0002"]["Checked Out To: Phone"] == "07700900123"
    assert by_tag["LAP-0002"]["Checkout Date"] == "2026-07-03 09:00:00"  # UK summer time
    assert by_tag["TAB-0002"]["Checkout Type"] == "Partner"
    assert [by_tag[t]["Status"] for t in ("CB-17", "PHN-0001", "MIFI-0001", "MIFI-0002")] == [
        "Out for Repair", "Pending", "Archived", "Lost"]
    people = list(csv.reader(io.StringIO(device_csv.export_borrowers(db), newline="")))
    assert people == [["First Name", "Last Name", "Email", "Phone", "Library Card"],
                      ["'-Dee", "", "", "", ""],
                      ["Ann Marie", "Lee", "ann@example.org", "", "W123456"],
                      ["Bob", "", "", "07700900123", ""],
                      ["Cy", "Day", "", "01942123456", ""]]


@pytest.mark.parametrize("value, exported", [
    ("=1+2", "'=1+2"), ("+44", "'+44"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("'=x", "''=x"), ("''", "'''"), ("'tis", "'tis"), ("a=b", "a=b"),
    ("", ""), (None, ""),
])
def test_formula_guard_goes_out_and_comes_back(value, exported):
    assert device_csv.guard(value) == exported
    if value and value.strip() == value:
        assert device_csv.unguard(exported) == value
