"""Devices and borrowers in and out as CSV, in Snipe-IT's column names. Rules only, no Flask.

Why Snipe-IT: it is the open-source asset register councils most often have already, so its
CSV columns are the lingua franca for moving a device list in or out. Import is two steps:
`preview_*` reads and checks every row and writes nothing; `apply_*` runs the very same checks
inside one transaction and writes only the rows that passed, through lending's own rules (so
every insert is validated and audited exactly as if staff had typed it).

Doorstep keeps the least personal data: from a people file only a name, one way to reach the
person and a library card number; addresses, job titles and the rest are read past, never
stored, and listed in the preview as columns we do not keep.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import lending
from audit import Actor, record, utcnow
from db import write_transaction
from help_desk import LOCAL_TZ
from validation import InvalidInput

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
TOO_BIG = ("This file is bigger than 2 MB. Please split it into smaller files (up to 5000 rows "
           "each) and import them one at a time.")
TOO_MANY_ROWS = (f"This file has more than {MAX_ROWS} rows. Please split it into smaller files "
                 "and import them one at a time.")
KIND_MISSING = "Please choose the kind of device for rows whose kind we cannot tell."
SAVE_AS_CSV = "In your spreadsheet choose Save As → “CSV UTF-8 (Comma delimited)” and upload that."
# A spreadsheet runs a cell that starts with one of these as a formula; exports put an
# apostrophe in front (the spreadsheet's own "this is text" mark) and imports take it off.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, too big, no header…): nothing is imported."""


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """One column Snipe-IT knows: the header it writes, the aliases its importer also accepts
    and, when Doorstep reads it, what Doorstep keeps from it (None: read past, never stored)."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    keeps: str | None = None


NOT_KEPT = None
# Order matters only for aliases: like Snipe-IT, a header is matched against every label
# first, then against the aliases column by column in this order ("Model" is a model name
# before it is a model number). Snipe-IT also files "user name" under the asset's name; that
# is a pitfall we do not copy: here "User Name" is always the borrower's username.
DEVICE_COLUMNS = (
    Column("asset_tag", "Asset Tag", (), "Asset tag"),
    Column("item_name", "Asset Name", ("item name", "asset name", "name"),
           "Kind (a guess from the name)"),
    Column("asset_model", "Model Name", ("model name", "model"), "Model"),
    Column("model_number", "Model No.",
           ("model", "model no", "model no.", "model number", "model num", "model num."),
           "Model (added after the model name)"),
    Column("category", "Category", (), "Kind (a guess from the category)"),
    Column("manufacturer", "Manufacturer", (), "Make"),
    Column("serial", "Serial Number",
           ("serial number", "serial no.", "serial no", "product key", "key"), "Serial number"),
    Column("status", "Status", (), "Status"),
    Column("location", "Location", (), "Home venue"),
    Column("asset_notes", "Asset Notes", (), "Notes"),
    Column("checkout_class", "Checkout Type", (), "Whether it is on loan"),
    Column("full_name", "Checked Out to: Full Name", ("full name", "fullname"),
           "Borrower's name"),
    Column("username", "Checked Out to: Username", ("user name", "username"),
           "Borrower's name (when no other name is given)"),
    Column("first_name", "Checked Out to: First Name", ("first name",), "Borrower's name"),
    Column("last_name", "Checked Out to: Last Name", ("last name", "lastname"),
           "Borrower's name"),
    Column("email", "Checked Out to: Email", ("email", "e-mail"), "Borrower's email"),
    Column("last_checkout", "Checkout Date",
           ("last checkout", "last checkout date", "checkout date"), "When the loan began"),
    Column("expected_checkin", "Expected Checkin Date", (), "When the loan is due back"),
    # Snipe-IT columns Doorstep has no use for.
    Column("company", "Company"),
    Column("supplier", "Supplier"),
    Column("order_number", "Order Number"),
    Column("purchase_date", "Purchase Date"),
    Column("purchase_cost", "Purchase Cost"),
    Column("warranty_months", "Warranty", ("warranty", "warranty months")),
    Column("asset_eol_date", "EOL Date", ("eol", "eol date", "asset eol date")),
    Column("model_notes", "Model Notes"),
    Column("requestable", "Requestable", ("requestable",)),
    Column("byod", "BYOD"),
    Column("image", "Image Filename"),
    Column("checkout_location", "Checkout to Location"),
    Column("last_checkin", "Last Checkin Date"),
    Column("last_audit_date", "Last Audit"),
    Column("next_audit_date", "Next Audit Date", ("next audit",)),
    Column("quantity", "QTY", ("quantity",)),  # only in consumables files: see _device_file
    # Doorstep's own columns (custom fields in Snipe-IT, matched by name).
    Column("kind", "Kind", (), "Kind"),
    Column("imei", "IMEI", (), "IMEI"),
    Column("sim_iccid", "SIM ICCID", (), "SIM number (ICCID)"),
    Column("sim_network", "SIM Network", (), "SIM network"),
    Column("sim_allowance", "SIM Allowance", (), "SIM data allowance"),
    Column("sim_expires", "SIM Expires", (), "When the SIM expires"),
    Column("accessories", "Accessories", (), "Accessories"),
    Column("condition", "Condition", (), "Condition grade"),
    Column("phone", "Checked Out To: Phone", (), "Borrower's phone (when no email)"),
)
# Any one of these makes a file recognisably a list of devices.
DEVICE_KEYS = {"asset_tag", "item_name", "asset_model", "model_number", "category",
               "manufacturer", "serial", "kind", "imei"}

BORROWER_COLUMNS = (
    Column("first_name", "First Name", ("first name", "checked out to: first name"),
           "Name"),
    Column("last_name", "Last Name", ("last name", "lastname", "checked out to: last name"),
           "Name"),
    Column("full_name", "Full Name", ("full name", "fullname", "checked out to: full name"),
           "Name (when no first or last name)"),
    Column("username", "Username", ("user name", "username", "checked out to: username"),
           "Name (when no other name is given)"),
    Column("email", "Email", ("email", "e-mail", "checked out to: email"), "Email"),
    Column("phone", "Phone", ("phone", "phone number", "phone num", "telephone number",
                              "telephone", "tel."), "Phone (when no email)"),
    Column("library_card", "Library Card", ("library card number",), "Library card number"),
    # Snipe-IT user columns Doorstep does not keep: the least personal data.
    *(Column(key, label, aliases) for key, label, aliases in (
        ("id", "ID", ()), ("company", "Company", ()), ("location", "Location", ()),
        ("department", "Department", ()), ("notes", "Notes", ()),
        ("jobtitle", "Title", ("job title for user", "job title")),
        ("manager_first_name", "Manager First Name", ()),
        ("manager_last_name", "Manager Last Name", ()), ("activated", "Activated", ()),
        ("address", "Address", ()), ("city", "City", ()), ("state", "State", ()),
        ("country", "Country", ()), ("zip", "Zip", ("postal code", "post code", "zip code")),
        ("vip", "VIP", ()), ("remote", "Remote", ()), ("website", "Website", ()),
        ("avatar", "Image", ()), ("gravatar", "Gravatar Email", ("gravatar",)),
        ("start_date", "Start Date", ()), ("end_date", "End Date", ()),
        ("employee_num", "Employee Number", ()),
    )),
)
BORROWER_NAME_KEYS = {"first_name", "last_name", "full_name", "username"}


# ---------------------------------------------------------------- what a preview holds


@dataclass
class Row:
    """One data row as a person counts it in a spreadsheet (the header is row 1)."""

    number: int
    values: dict = field(default_factory=dict)  # column label -> what will be saved
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skip: bool = False  # nothing wrong, but nothing to add (a borrower we already have)
    plan: dict = field(default_factory=dict)  # what apply_* writes; not for showing

    @property
    def ready(self) -> bool:
        return not self.errors and not self.skip


@dataclass
class Preview:
    """Everything a person needs to decide whether to import a file, and nothing written."""

    what: str  # "devices" or "borrowers"
    columns: list[str] = field(default_factory=list)  # labels of Row.values, in order
    mapped: list[tuple[str, str]] = field(default_factory=list)  # (header, what we keep)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (header, why not kept)
    rows: list[Row] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def ready_rows(self) -> list[Row]:
        return [r for r in self.rows if r.ready]

    @property
    def counts(self) -> dict:
        ready = self.ready_rows
        return {
            "rows": len(self.rows),
            "ready": len(ready),
            "errors": sum(1 for r in self.rows if r.errors),
            "skipped": len(self.rows) - len(ready),
            "warnings": sum(1 for r in self.rows if r.warnings),
            "loans": sum(1 for r in ready if r.plan.get("loan")),
            "new_borrowers": len({r.plan["loan"]["new_key"] for r in ready
                                  if r.plan.get("loan")
                                  and r.plan["loan"].get("new_key", ("",))[0] == "borrower"}),
        }


@dataclass
class Result:
    written: int
    skipped: int
    loans: int = 0
    borrowers: int = 0


# ---------------------------------------------------------------- reading the file


def column_letter(index: int) -> str:
    """Spreadsheet column name for a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def unguard(value: str) -> str:
    """A cell as typed: outer spaces trimmed, and the apostrophe our export puts in front of
    formula-like text taken off again."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START + ("'",):
        return value[1:]
    return value


def guard(value) -> str:
    """A cell safe to open in a spreadsheet: text that would run as a formula (or that starts
    with the apostrophe we add) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) or (
            len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START + ("'",)):
        return "'" + text
    return text


def read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows (with their row numbers) of a CSV text, or FileProblem.

    Strict on purpose: a quote that is never closed, or a CR-only file, is refused with a
    row number rather than guessed at, because a guess here shifts every value after it.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise FileProblem(TOO_BIG)
    if not text.strip():
        raise FileProblem("The file is empty. " + SAVE_AS_CSV)
    if "\r" in text and "\n" not in text:
        raise FileProblem("This file ends its lines the old Mac way (CR only), so we cannot "
                          "tell its rows apart safely. " + SAVE_AS_CSV)
    if "\x00" in text:
        at = text.index("\x00")
        row = sum(1 for _ in csv.reader(io.StringIO(text[:at] + "x", newline="")))
        raise FileProblem(f"Row {row} could not be read: it contains a NUL character, so this "
                          "may not be a CSV file at all. " + SAVE_AS_CSV)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for cells in reader:
            number += 1
            if number > MAX_ROWS + 1:
                raise FileProblem(TOO_MANY_ROWS)
            records.append((number, cells))
    except csv.Error as e:
        raise FileProblem(f"Row {number + 1} could not be read: {_csv_problem(e)} Nothing after "
                          "it can be trusted, so nothing was imported.") from None
    header = records[0][1] if records else []
    if not any(h.strip() for h in header):
        raise FileProblem("The first row should hold the column names (like Asset Tag, "
                          "Category), but it is empty.")
    return header, records[1:]


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return "one value in it is far too long; a quote mark may be missing its partner."
    if "unexpected end of data" in text:
        return "a quote mark opened in it is never closed."
    if "expected after" in text:
        return ("a quote mark in it is followed by more text. A value with quotes inside "
                "should look like \"13\"\" screen\".")
    return text + "."


def match_headers(header: list[str], columns, preview: Preview, people_file=False) -> dict:
    """Which column index feeds which field, the way Snipe-IT's importer maps them:
    case-insensitively against every label first, then against the aliases in order.
    Fills `preview.mapped` and `preview.ignored`; returns {key: index}."""
    by_label = {c.label.casefold(): c for c in columns}
    seen_names: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = " ".join(raw.split()).casefold()
        if name and name in seen_names:
            first = seen_names[name]
            preview.file_errors.append(
                f"Two columns are both called “{raw.strip()}” (columns "
                f"{column_letter(first)} and {column_letter(i)}). Rename or delete one, "
                "then upload the file again.")
        seen_names.setdefault(name, i)
    found: dict[str, int] = {}
    for i, raw in enumerate(header):
        shown = " ".join(raw.split())
        name = shown.casefold()
        if not name:
            preview.ignored.append((f"Column {column_letter(i)}", "It has no name."))
            continue
        column = by_label.get(name) or next(
            (c for c in columns if name in (a.casefold() for a in c.aliases)), None)
        if column is None:
            preview.ignored.append((shown, "Not a column we know."))
        elif column.key in found:
            preview.ignored.append(
                (shown, f"Means the same as “{' '.join(header[found[column.key]].split())}”, "
                        "which is read instead."))
        elif column.keeps is NOT_KEPT:
            found[column.key] = i
            preview.ignored.append(
                (shown, "Doorstep keeps only a name and one way to reach each person."
                 if people_file else "Doorstep does not keep this."))
        else:
            found[column.key] = i
            preview.mapped.append((shown, column.keeps))
    return found


def _start(what: str, text: str, columns, people_file=False):
    """Read the file and map its header. Returns (preview, index, headers, records), where
    headers names each mapped field by the header the file used (for messages); a file that
    cannot be read stops here with its problems in `preview.file_errors`."""
    preview = Preview(what)
    try:
        header, records = read_rows(text)
    except FileProblem as e:
        preview.file_errors.append(str(e))
        return preview, {}, {}, []
    index = match_headers(header, columns, preview, people_file)
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        preview.file_errors.append(f"This file puts {sep} between values; we need commas. "
                                   + SAVE_AS_CSV)
    headers = {c.key: c.label for c in columns}
    headers.update({key: " ".join(header[i].split()) for key, i in index.items()})
    return preview, index, headers, [(n, cells, len(header)) for n, cells in records]


def _cells(number: int, cells: list[str], width: int, row: Row) -> list[str] | None:
    """The row's cleaned cells, or None for a blank row (skipped silently, as a spreadsheet's
    empty line means nothing). A row that does not fit the header is an error."""
    if not any(c.strip() for c in cells):
        return None
    if len(cells) != width:
        row.errors.append(
            f"This row has {len(cells)} values but the first row has {width} column names. "
            + ("A comma inside a value needs quote marks around the value."
               if len(cells) > width else "Some values (or their commas) are missing."))
    return [unguard(c) for c in cells] + [""] * max(0, width - len(cells))


def _checked_rows(records, index: dict, preview):
    """Each non-blank record as (Row, get) where `get(key)` reads a mapped column; rows that
    do not fit the header are listed in the preview with their error and not yielded."""
    for number, raw, width in records:
        row = Row(number)
        cells = _cells(number, raw, width, row)
        if cells is None:
            continue
        preview.rows.append(row)
        if row.errors:
            continue

        def get(key, cells=cells):
            return cells[index[key]] if key in index else ""

        yield row, get


# ---------------------------------------------------------------- dates


_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4}|[0-9]{2})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ISO_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def parse_when(text: str, label: str, row: Row) -> date | datetime | None:
    """A date as Snipe-IT writes it: m/d/yy or m/d/yyyy (month first, as in the USA),
    YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS (UK local time). Nothing else is guessed at: a UK
    05/04/2025 would silently become 4 May. A bad date is an error on the row; a date
    that reads both ways gets a warning saying how it was read."""
    if not text:
        return None
    try:
        if m := _ISO_TIME.fullmatch(text):
            return datetime(*map(int, m.groups()), tzinfo=LOCAL_TZ)
        if m := _ISO_DATE.fullmatch(text):
            return date(*map(int, m.groups()))
        if m := _US_DATE.fullmatch(text):
            month, day, year = map(int, m.groups())
            if len(m.group(3)) == 2:
                year += 2000 if year < 70 else 1900  # as PHP (and so Snipe-IT) reads "23"
            if month > 12 >= day:
                row.errors.append(
                    f"{label}: “{text}” looks like day/month/year. Snipe-IT files put the "
                    f"month first ({day}/{month}/{m.group(3)}); safest is year-month-day, "
                    f"like {year:04d}-{day:02d}-{month:02d}.")
                return None
            when = date(year, month, day)
            if month != day and day <= 12:
                row.warnings.append(f"{label}: read “{text}” as {day} {MONTHS[month - 1]} "
                                    f"{year} (month first, as Snipe-IT writes dates).")
            return when
    except ValueError:
        pass
    row.errors.append(f"{label}: “{text}” is not a date we can read. Use year-month-day, like "
                      "2026-12-24 (or month/day/year, as Snipe-IT writes dates: 12/24/2026).")
    return None


def _as_date(when: date | datetime | None) -> date | None:
    return when.date() if isinstance(when, datetime) else when


def _out_moment(when: date | datetime) -> datetime:
    """A checkout date without a time is taken as the start of that day in the UK."""
    if isinstance(when, datetime):
        return when
    return datetime.combine(when, time(0, 0), tzinfo=LOCAL_TZ)


# ---------------------------------------------------------------- devices

# Snipe-IT's usual status labels (and Doorstep's own) to Doorstep statuses. "Deployed" is
# available here: a device is on loan only when the row names who has it.
STATUS_WORDS = {
    "available": ("ready to deploy", "deployable", "deployed", "ready", "available",
                  "on loan", "on_loan"),
    "being_wiped": ("pending", "being wiped", "being_wiped", "wipe", "to be wiped"),
    "in_repair": ("out for repair", "out for diagnostics", "broken", "broken - not fixable",
                  "in repair", "in_repair", "repair"),
    "retired": ("archived", "retired", "undeployable"),
    "lost": ("lost", "stolen", "lost/stolen", "lost or stolen"),
}
STATUS_BY_WORD = {w: status for status, words in STATUS_WORDS.items() for w in words}
EXPORT_STATUS = {"available": "Ready to Deploy", "on_loan": "Deployed",
                 "in_repair": "Out for Repair", "being_wiped": "Pending",
                 "retired": "Archived", "lost": "Lost"}
# Words that give a device's kind away, checked in this order (a Chromebook before a laptop).
KIND_WORDS = (
    ("chromebook", r"chromebooks?"),
    ("tablet", r"tablets?|ipads?|ipad\s*(?:air|mini|pro)|galaxy\s*tab\w*"),
    ("laptop", r"laptops?|macbooks?|macbook\s*(?:air|pro)|notebooks?|thinkpads?"),
    ("phone", r"phones?|iphones?|smartphones?|mobile\s*phones?"),
    ("mifi", r"mifi|hotspots?|routers?|dongles?"),
)
DEVICE_PREVIEW_COLUMNS = ["Asset tag", "Kind", "Make", "Model", "Serial number", "Home venue",
                          "Status", "On loan to"]


def guess_kind(texts: list[str], kinds: dict) -> str | None:
    """The first kind whose words appear in the texts, most telling first (Kind, Model Name,
    Category, Asset Name): an "Acer Chromebook" filed under "Laptops" is a Chromebook."""
    for text in texts:
        for slug, pattern in KIND_WORDS:
            if slug in kinds and re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE):
                return slug
    return None


def _kind_for(get, kinds: dict, default_kind: str, row: Row) -> str:
    named = get("kind")
    if named:
        for slug, k in kinds.items():
            if named.casefold() in (slug.casefold(), k["label"].casefold()):
                return slug
    slug = guess_kind([named, get("asset_model"), get("category"), get("item_name")], kinds)
    if slug:
        return slug
    default = kinds[default_kind]["label"]
    if named:
        row.warnings.append(f"Kind “{named}” is not one we know, so it comes in as a "
                            f"{default} (the kind you chose for unclear rows).")
    else:
        row.warnings.append(f"We could not tell the kind from the category, model or name, "
                            f"so it comes in as a {default} (the kind you chose).")
    return default_kind


def _accessories(text: str, header: str, row: Row) -> list[str]:
    chosen = []
    for part in re.split(r"[,;]", text):
        part = part.strip().casefold()
        if not part:
            continue
        slug = next((s for s, label in lending.ACCESSORIES.items()
                     if part in (s, label.casefold())), None)
        if slug is None:
            row.errors.append(f"{header}: “{part}” is not an accessory we list. Use "
                              + ", ".join(lending.ACCESSORIES.values()) + ".")
        elif slug not in chosen:
            chosen.append(slug)
    return chosen


def _condition(text: str, header: str, row: Row) -> str | None:
    if not text:
        return None
    for grade, label in lending.CONDITIONS.items():
        if text.casefold() in (grade.casefold(), label.casefold(), label[3:].casefold()):
            return grade
    row.errors.append(f"{header}: “{text}” is not a grade we use. Use A (as new), B (good), "
                      "C (fair, marked) or D (poor, works).")
    return None


def _borrower_contact(email: str, phone: str) -> dict:
    """One way to reach someone: the email if there is one, else the phone (a number
    starting 07 or +447 is a mobile we can text, any other a landline we phone)."""
    if email:
        return {"contact_kind": "email", "contact": email}
    if phone:
        digits = re.sub(r"[\s()-]", "", phone)
        mobile = digits.startswith(("07", "+447"))
        return {"contact_kind": "mobile" if mobile else "landline", "contact": phone}
    return {"contact_kind": "none", "contact": None}


def _person_name(get) -> tuple[str, bool]:
    """(name, came from the username): first + last name, else full name, else username."""
    joined = " ".join(p for p in (get("first_name"), get("last_name")) if p)
    if joined:
        return joined, False
    if get("full_name"):
        return get("full_name"), False
    return get("username"), bool(get("username"))


def _borrower_key(cleaned: dict) -> tuple:
    return (" ".join(cleaned["name"].split()).casefold(), cleaned["contact_kind"],
            (cleaned["contact"] or "").casefold())


def _existing_borrowers(db) -> dict:
    return {_borrower_key(b): b["id"] for b in db["borrowers"].rows}


def _field_errors(errors: dict, headers: dict) -> list[str]:
    """lending's per-field messages, each led by the column it came from."""
    return [f"{headers.get(k, k.replace('_', ' ').capitalize())}: {message}"
            for k, message in errors.items()]


def _plan_loan(db, get, headers, kinds, kind_slug, status, now, row, people, partners):
    """What the row says about a loan: None, or who has the device, since when, until when."""
    checkout = get("checkout_class").casefold()
    who = [get(k) for k in ("full_name", "username", "first_name", "last_name", "email",
                            "phone")]
    if checkout == "location":
        row.warnings.append("Checked out to a location in Snipe-IT: it comes in as available "
                            "at its home venue, not on loan.")
        return None
    if not any(who):
        if checkout and checkout not in ("user", "partner"):
            row.errors.append(f"{headers['checkout_class']}: “{get('checkout_class')}” is "
                              "not one we know. Use User, Location or Partner.")
        elif checkout or get("status").casefold() == "deployed":
            row.warnings.append("It says the device is out, but no one is named in the "
                                "Checked Out To columns, so it comes in as available.")
        return None
    if status != "available":
        row.errors.append(f"It names who has the device, but its status is "
                          f"{lending.STATUSES[status].lower()}. A device on loan must be "
                          "ready to deploy (or deployed).")
    name, from_username = _person_name(get)
    loan: dict = {}
    if checkout == "partner":
        found = partners.get(" ".join(name.split()).casefold())
        if found:
            loan["partner_id"] = found
        else:
            form = {"name": name, "email": get("email"), "phone": get("phone")}
            try:
                lending.validate_partner(form)
            except InvalidInput as e:
                row.errors += _field_errors(e.errors, {"name": "Partner", "email": "Partner "
                                                       "email", "phone": "Partner phone"})
            loan["partner"] = form
            loan["new_key"] = ("partner", " ".join(name.split()).casefold())
        holder = name
    else:
        if from_username:
            row.warnings.append(f"No name is given for the borrower, so we use their username "
                                f"“{name}” as their name.")
        form = {"name": name, **_borrower_contact(get("email"), get("phone"))}
        try:
            cleaned = lending.validate_borrower(form)
        except InvalidInput as e:
            row.errors += _field_errors(e.errors, {"name": "Borrower's name",
                                                   "contact": "Borrower's contact",
                                                   "contact_kind": "Borrower's contact"})
            cleaned = None
        if cleaned:
            key = _borrower_key(cleaned)
            if key in people:
                loan["borrower_id"] = people[key]
            else:
                loan["borrower"] = form
                loan["new_key"] = ("borrower", *key)
        holder = name + (f" ({form['contact']})" if form.get("contact") else "")
    out = parse_when(get("last_checkout"), headers.get("last_checkout", ""), row)
    due = _as_date(parse_when(get("expected_checkin"), headers.get("expected_checkin", ""), row))
    out_at = _out_moment(out) if out else None
    out_day = out_at.astimezone(LOCAL_TZ).date() if out_at else lending.today(now)
    if out_at and out_at > now:
        row.errors.append(f"{headers['last_checkout']}: “{get('last_checkout')}” is in the "
                          "future.")
    if due is None and not get("expected_checkin"):
        due = out_day + timedelta(days=kinds[kind_slug]["loan_days"])
    if due and due < out_day:
        row.errors.append(f"{headers['expected_checkin']}: the loan is due back before it "
                          "began.")
    loan.update(out_at=out_at, due_on=due.isoformat() if due else None)
    row.values["On loan to"] = holder + (f", due back {loan['due_on']}" if due else "")
    return loan


def preview_devices(db, text: str, default_kind: str, now: datetime | None = None) -> Preview:
    """Read and check a Snipe-IT assets file (or Doorstep's own export) without writing."""
    now = now or utcnow()
    kinds = {k["slug"]: k for k in lending.kinds(db)}
    if default_kind not in kinds:
        raise InvalidInput({"default_kind": KIND_MISSING})
    preview, index, headers, records = _start("devices", text, DEVICE_COLUMNS)
    preview.columns = list(DEVICE_PREVIEW_COLUMNS)
    if preview.file_errors:
        return preview
    if "quantity" in index and "asset_tag" not in index:
        preview.file_errors.append("This looks like a Snipe-IT consumables file (it has a QTY "
                                   "column). Only devices, one per row, are imported here.")
        return preview
    if not DEVICE_KEYS & set(index):
        preview.file_errors.append(
            "We could not find any device columns (like Asset Tag, Category, Model Name or "
            "Serial Number) in the first row. "
            + ("This looks like a list of people: use the borrowers form."
               if {"first_name", "last_name"} & set(index) else
               "Is the first row the column names?"))
        return preview
    venues = {}
    for v in db["venues"].rows_where("active = 1", order_by="id"):
        venues.setdefault(" ".join(v["name"].split()).casefold(), v)
    people = _existing_borrowers(db)
    partners = {" ".join(p["name"].split()).casefold(): p["id"] for p in db["partners"].rows}
    tags: dict[str, int] = {}
    new_people: dict[tuple, int] = {}
    for row, get in _checked_rows(records, index, preview):
        _device_row(db, get, headers, kinds, default_kind, venues, now, row, people,
                    partners, tags, new_people)
    _number_blank_tags(db, preview, kinds, tags)
    return preview



def _device_row(db, get, headers, kinds, default_kind, venues, now, row, people, partners,
                tags, new_people) -> None:
    """Check one device row and plan what apply_devices writes for it."""
    kind_slug = _kind_for(get, kinds, default_kind, row)
    model, number = get("asset_model"), get("model_number")
    if number and number.casefold() not in model.casefold():
        model = f"{model} ({number})" if model else number
    status_text = get("status")
    status = STATUS_BY_WORD.get(" ".join(status_text.split()).casefold()) if status_text else (
        "available")
    if status is None:
        row.errors.append(f"{headers['status']}: we do not know the status “{status_text}”. "
                          "Use Ready to Deploy, Pending, Out for Repair, Archived or Lost.")
        status = "available"
    venue = None
    if get("location"):
        venue = venues.get(" ".join(get("location").split()).casefold())
        if venue is None:
            row.warnings.append(f"{headers['location']}: “{get('location')}” is not one of our "
                                "venues, so the device has no home venue yet.")
    sim_expires = _as_date(parse_when(get("sim_expires"), headers["sim_expires"], row))
    form = {
        "kind": kind_slug,
        "asset_tag": get("asset_tag"),
        "make": get("manufacturer"),
        "model": model,
        "serial": get("serial"),
        "imei": get("imei"),
        "sim_iccid": get("sim_iccid"),
        "sim_network": get("sim_network"),
        "sim_allowance": get("sim_allowance"),
        "sim_expires": sim_expires.isoformat() if sim_expires else None,
        "accessories": _accessories(get("accessories"), headers["accessories"], row),
        "condition": _condition(get("condition"), headers["condition"], row),
        "home_venue_id": venue["id"] if venue else None,
        "notes": get("asset_notes"),
        "status": status,
    }
    try:
        cleaned = lending.validate_device(db, form)
    except InvalidInput as e:
        sources = {"kind": "kind", "asset_tag": "asset_tag", "make": "manufacturer",
                   "model": "asset_model" if get("asset_model") else "model_number",
                   "serial": "serial", "home_venue_id": "location", "notes": "asset_notes"}
        row.errors += _field_errors(e.errors, {f: headers.get(sources.get(f, f), f)
                                               for f in e.errors})
        cleaned = None
    tag = form["asset_tag"]
    if tag:
        first = tags.get(tag.casefold())
        if first:
            row.errors.append(f"{headers['asset_tag']}: {tag} is also the tag in row {first}; "
                              "each device needs its own.")
        else:
            tags[tag.casefold()] = row.number
    row.values.update({
        "Asset tag": tag or "(next number)",
        "Kind": kinds[kind_slug]["label"],
        "Make": (cleaned or form)["make"] or "",
        "Model": (cleaned or form)["model"] or "",
        "Serial number": (cleaned or form)["serial"] or "",
        "Home venue": venue["name"] if venue else "",
        "Status": lending.STATUSES[status],
        "On loan to": "",
    })
    loan = _plan_loan(db, get, headers, kinds, kind_slug, status, now, row, people, partners)
    if loan and loan.get("new_key") and not row.errors:
        first = new_people.setdefault(loan["new_key"], row.number)
        if first != row.number:
            row.warnings.append(f"The same borrower as row {first}: they get one record.")
    row.plan = {"device": form, "loan": loan}


def _number_blank_tags(db, preview: Preview, kinds: dict, tags: dict) -> None:
    """Give each ready row with a blank tag its kind's next number now, so the preview shows
    the tag it will really get and no blank row can take a tag a later row asks for. Numbers
    go on from the highest in the database or the file, as `lending.next_asset_tag` does."""
    last: dict[str, int] = {}
    for row in preview.ready_rows:
        form = row.plan["device"]
        if form["asset_tag"]:
            continue
        slug = form["kind"]
        prefix = kinds[slug]["tag_prefix"]
        if slug not in last:
            in_db = int(lending.next_asset_tag(db, slug).rsplit("-", 1)[1]) - 1
            start = prefix.casefold() + "-"
            in_file = [int(t[len(start):]) for t in tags
                       if t.startswith(start) and t[len(start):].isdigit()]
            last[slug] = max([in_db, *in_file])
        last[slug] += 1
        form["asset_tag"] = f"{prefix}-{last[slug]:04d}"
        row.values["Asset tag"] = form["asset_tag"] + " (new)"


def apply_devices(db, actor: Actor, text: str, default_kind: str,
                  now: datetime | None = None) -> Result:
    """Write the rows the preview passed, all in one transaction: a failure part-way leaves
    the database as it was. Raises InvalidInput when the file itself cannot be read."""
    now = now or utcnow()
    with write_transaction(db):
        preview = preview_devices(db, text, default_kind, now=now)
        if preview.file_errors:
            raise InvalidInput({"file": " ".join(preview.file_errors)})
        made: dict[tuple, int] = {}
        loans = 0
        for row in preview.ready_rows:
            device_id = lending.add_device(db, actor, row.plan["device"], now=now)
            loan = row.plan["loan"]
            if not loan:
                continue
            holder = {}
            if loan.get("borrower_id") or loan.get("partner_id"):
                holder = {k: loan[k] for k in ("borrower_id", "partner_id") if loan.get(k)}
            elif loan["new_key"] in made:
                holder = {f"{loan['new_key'][0]}_id": made[loan["new_key"]]}
            elif "partner" in loan:
                made[loan["new_key"]] = lending.add_partner(db, actor, loan["partner"], now=now)
                holder = {"partner_id": made[loan["new_key"]]}
            else:
                made[loan["new_key"]] = lending.add_borrower(db, actor, loan["borrower"],
                                                             now=now)
                holder = {"borrower_id": made[loan["new_key"]]}
            lending.check_out(db, actor, device_id, **holder, due_on=loan["due_on"],
                              venue_id=row.plan["device"]["home_venue_id"], signature=None,
                              imported=True, out_at=loan["out_at"], now=now)
            loans += 1
        counts = preview.counts
        result = Result(written=counts["ready"], skipped=counts["skipped"], loans=loans,
                        borrowers=sum(1 for k in made if k[0] == "borrower"))
        record(db, actor, "device.import", "devices", "csv", after=vars(result), now=now)
    return result


# ---------------------------------------------------------------- borrowers

BORROWER_PREVIEW_COLUMNS = ["Name", "Contact", "Library card"]


def preview_borrowers(db, text: str) -> Preview:
    """Read and check a Snipe-IT users file (or Doorstep's own export) without writing."""
    preview, index, headers, records = _start("borrowers", text, BORROWER_COLUMNS,
                                              people_file=True)
    preview.columns = list(BORROWER_PREVIEW_COLUMNS)
    if preview.file_errors:
        return preview
    if "Asset Tag".casefold() in (" ".join(h.split()).casefold() for h, _ in
                                  preview.ignored + preview.mapped):
        preview.file_errors.append("This looks like a list of devices (it has an Asset Tag "
                                   "column): use the devices form.")
        return preview
    if not BORROWER_NAME_KEYS & set(index):
        preview.file_errors.append("We could not find a name column (First Name, Last Name, "
                                   "Full Name or Username) in the first row.")
        return preview
    existing = _existing_borrowers(db)
    seen: dict[tuple, int] = {}
    for row, get in _checked_rows(records, index, preview):
        name, from_username = _person_name(get)
        if from_username:
            row.warnings.append(f"No name is given, so we use the username “{name}” as "
                                "their name.")
        form = {"name": name, **_borrower_contact(get("email"), get("phone")),
                "library_card": get("library_card")}
        if form["contact_kind"] == "none":
            row.warnings.append("No email or phone: we can only write to them or wait for "
                                "them to come in.")
        try:
            cleaned = lending.validate_borrower(form)
        except InvalidInput as e:
            source = "email" if form["contact_kind"] == "email" else "phone"
            row.errors += _field_errors(e.errors, {
                "name": "Name", "contact": headers[source], "contact_kind": headers[source],
                "library_card": headers["library_card"]})
            cleaned = None
        row.values = {"Name": name, "Contact": (
            f"{lending.CONTACT_KINDS[form['contact_kind']]}: {form['contact']}"
            if form["contact"] else lending.CONTACT_KINDS["none"]),
            "Library card": form["library_card"]}
        if cleaned:
            key = _borrower_key(cleaned)
            if key in existing:
                row.skip = True
                row.warnings.append("Already a borrower (same name and contact), so this row "
                                    "is skipped.")
            elif key in seen:
                row.skip = True
                row.warnings.append(f"The same person as row {seen[key]}, so this row is "
                                    "skipped.")
            else:
                seen[key] = row.number
        row.plan = {"borrower": form}
    return preview


def apply_borrowers(db, actor: Actor, text: str, now: datetime | None = None) -> Result:
    """Add the borrowers the preview passed, all in one transaction, each one audited."""
    now = now or utcnow()
    with write_transaction(db):
        preview = preview_borrowers(db, text)
        if preview.file_errors:
            raise InvalidInput({"file": " ".join(preview.file_errors)})
        for row in preview.ready_rows:
            lending.add_borrower(db, actor, row.plan["borrower"], now=now)
        counts = preview.counts
        result = Result(written=counts["ready"], skipped=counts["skipped"],
                        borrowers=counts["ready"])
        record(db, actor, "borrower.import", "borrowers", "csv", after=vars(result), now=now)
    return result


# ---------------------------------------------------------------- exports

DEVICE_EXPORT_HEADER = [
    "Asset Tag", "Category", "Manufacturer", "Model Name", "Serial Number", "Location",
    "Status", "Asset Notes", "Kind", "IMEI", "SIM ICCID", "SIM Network", "SIM Allowance",
    "SIM Expires", "Accessories", "Condition", "Checkout Type", "Checked Out To: Full Name",
    "Checked Out To: Email", "Checked Out To: Phone", "Checkout Date", "Expected Checkin Date",
]
BORROWER_EXPORT_HEADER = ["First Name", "Last Name", "Email", "Phone", "Library Card"]


def _write_csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([guard(v) for v in r] for r in rows)
    return out.getvalue()


def _local_stamp(value: str | None) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def export_devices(db) -> str:
    """Every device in Snipe-IT's asset columns plus Doorstep's own (custom fields there),
    with who has it for devices on loan. ISO dates, so no reader can swap day and month."""
    rows = []
    for d in db.query("""
            select d.*, k.label as kind_label, v.name as venue_name, l.out_at, l.due_on,
                   l.partner_id, coalesce(b.name, p.name) as holder, b.contact_kind,
                   b.contact, p.email as partner_email, p.phone as partner_phone
            from devices d join device_kinds k on k.slug = d.kind
            left join venues v on v.id = d.home_venue_id
            left join loans l on l.device_id = d.id and l.closed_at is null
            left join borrowers b on b.id = l.borrower_id
            left join partners p on p.id = l.partner_id
            order by d.asset_tag collate nocase"""):
        if d["partner_id"]:
            email, phone = d["partner_email"], d["partner_phone"]
        else:
            email = d["contact"] if d["contact_kind"] == "email" else None
            phone = d["contact"] if d["contact_kind"] in ("mobile", "landline") else None
        accessories = ", ".join(json.loads(d["accessories"] or "[]"))
        rows.append([
            d["asset_tag"], d["kind_label"], d["make"], d["model"], d["serial"],
            d["venue_name"], EXPORT_STATUS[d["status"]], d["notes"], d["kind"], d["imei"],
            d["sim_iccid"], d["sim_network"], d["sim_allowance"], d["sim_expires"],
            accessories, d["condition"],
            ("Partner" if d["partner_id"] else "User") if d["holder"] else "",
            d["holder"], email, phone, _local_stamp(d["out_at"]), d["due_on"],
        ])
    return _write_csv(DEVICE_EXPORT_HEADER, rows)


def export_borrowers(db) -> str:
    """Every borrower as Snipe-IT's user columns: the name split at its last space (which
    joins back the same), and their one contact as Email or Phone."""
    rows = []
    for b in db["borrowers"].rows_where(order_by="name collate nocase, id"):
        first, _, last = b["name"].rpartition(" ")
        if not first:
            first, last = last, ""
        rows.append([first, last, b["contact"] if b["contact_kind"] == "email" else "",
                     b["contact"] if b["contact_kind"] in ("mobile", "landline") else "",
                     b["library_card"]])
    return _write_csv(BORROWER_EXPORT_HEADER, rows)
