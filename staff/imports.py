"""Staff move the device list and borrowers in and out as CSV (Snipe-IT's columns).

Upload → preview (nothing written) → confirm. The confirm form carries the file's text back
in a hidden field, so what is written is exactly what was previewed, checked again.
"""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

import device_csv
import lending
from audit import record, utcnow
from db import get_db, write_transaction
from help_desk import LOCAL_TZ
from staff import bp
from validation import InvalidInput, gather

FILE_FIELDS = {"devices": "devices_file", "borrowers": "borrowers_file"}
# The confirm form sends the whole file back as one form field; Flask's default limit for a
# field (500 kB) is below the 2 MB a file may be, so the apply views allow a little more
# than the largest file (newlines may come back as CR LF, and urlencoding adds more).
CONFIRM_FIELD_LIMIT = 4 * device_csv.MAX_BYTES
CONFIRM_ENDPOINTS = {"staff.imports_apply_devices", "staff.imports_apply_borrowers"}


@bp.url_value_preprocessor
def _allow_confirmed_file(endpoint, _values):
    """Raise the form-field limit for signed-in staff on the two confirm views only. This
    hook runs before any before_request function, so before CSRF protection reads the form."""
    if (endpoint in CONFIRM_ENDPOINTS and current_user.is_authenticated
            and current_user.role == "staff"):
        request.max_form_memory_size = CONFIRM_FIELD_LIMIT


def _page(errors=None, form=None, status=200):
    db = get_db()
    form = form or {}
    form.setdefault("default_kind", "tablet")
    return render_template(
        "staff/imports.html", errors=errors or {}, form=form, kinds=lending.kinds(db),
        max_rows=device_csv.MAX_ROWS, counts={"devices": db["devices"].count,
                                              "borrowers": db["borrowers"].count},
    ), status


def _uploaded_text(what: str) -> str:
    """The uploaded file as text, or InvalidInput with a message for the file field."""
    name = FILE_FIELDS[what]
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        raise InvalidInput({name: "Please choose a CSV file to upload."})
    data = upload.stream.read(device_csv.MAX_BYTES + 1)
    if len(data) > device_csv.MAX_BYTES:
        raise InvalidInput({name: device_csv.TOO_BIG})
    if data.startswith(b"PK\x03\x04"):
        raise InvalidInput({name: "This is a spreadsheet workbook, not a CSV file. "
                                  + device_csv.SAVE_AS_CSV})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput({name: "We could not read this file as UTF-8 text. "
                                  + device_csv.SAVE_AS_CSV}) from None
    if "\x00" in text:
        raise InvalidInput({name: "This does not look like a CSV file. "
                                  + device_csv.SAVE_AS_CSV})
    return text


@bp.get("/import")
def imports():
    return _page()


@bp.post("/import/devices/preview")
def imports_preview_devices():
    db = get_db()
    form = {"default_kind": request.form.get("default_kind", "")}
    errors = {}
    if form["default_kind"] not in {k["slug"] for k in lending.kinds(db)}:
        errors["default_kind"] = device_csv.KIND_MISSING
    text = gather(errors, _uploaded_text, "devices")
    if errors:
        return _page(errors, form, 422)
    preview = device_csv.preview_devices(db, text, form["default_kind"])
    if preview.file_errors:
        return _page({"devices_file": " ".join(preview.file_errors)}, form, 422)
    return render_template("staff/imports/preview.html", preview=preview, text=text,
                           default_kind=form["default_kind"],
                           action=url_for("staff.imports_apply_devices"))


@bp.post("/import/borrowers/preview")
def imports_preview_borrowers():
    try:
        text = _uploaded_text("borrowers")
    except InvalidInput as e:
        return _page(e.errors, None, 422)
    preview = device_csv.preview_borrowers(get_db(), text)
    if preview.file_errors:
        return _page({"borrowers_file": " ".join(preview.file_errors)}, None, 422)
    return render_template("staff/imports/preview.html", preview=preview, text=text,
                           action=url_for("staff.imports_apply_borrowers"))


def _apply_errors(e: InvalidInput, what: str) -> dict:
    """Messages from applying a file, placed where the import page can show them: the
    default kind beside its select, everything else beside the file field."""
    field = FILE_FIELDS[what]
    errors = {}
    for key, message in e.errors.items():
        if key in ("default_kind", field):
            errors[key] = message
        elif key == "file":
            errors[field] = message
        else:
            errors[field] = f"Nothing was imported: {message}"
    return errors


def _confirmed_text(what: str) -> str:
    text = request.form.get("csv", "")
    if not text.strip():
        raise InvalidInput({FILE_FIELDS[what]: "The file did not come through. Please upload "
                                               "it again."})
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@bp.post("/import/devices")
def imports_apply_devices():
    form = {"default_kind": request.form.get("default_kind", "")}
    try:
        result = device_csv.apply_devices(get_db(), current_user.actor,
                                          _confirmed_text("devices"), form["default_kind"])
    except InvalidInput as e:
        return _page(_apply_errors(e, "devices"), form, 422)
    except lending.Conflict as e:
        return _page({"devices_file": f"Nothing was imported: {e}"}, form, 422)
    message = (f"Imported {_plural(result.written, 'device')}; "
               f"{_plural(result.skipped, 'row')} skipped.")
    if result.loans:
        message += (f" {_plural(result.loans, 'device')} on loan, with "
                    f"{_plural(result.borrowers, 'new borrower')}.")
    flash(message)
    return redirect(url_for("staff.imports"), 303)


@bp.post("/import/borrowers")
def imports_apply_borrowers():
    try:
        result = device_csv.apply_borrowers(get_db(), current_user.actor,
                                            _confirmed_text("borrowers"))
    except InvalidInput as e:
        return _page(_apply_errors(e, "borrowers"), None, 422)
    flash(f"Imported {_plural(result.written, 'borrower')}; "
          f"{_plural(result.skipped, 'row')} skipped.")
    return redirect(url_for("staff.imports"), 303)


def _download(what: str, text: str) -> Response:
    """A CSV download, with a byte-order mark so Excel reads it as UTF-8. Each export is
    audited: the borrowers file holds personal data."""
    db = get_db()
    with write_transaction(db):
        record(db, current_user.actor, f"{what[:-1]}.export", what, "csv",
               after={"rows": db[what].count})
    day = utcnow().astimezone(LOCAL_TZ).date().isoformat()
    return Response("\ufeff" + text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="doorstep-{what}-{day}.csv"',
        "Cache-Control": "no-store",
    })


@bp.get("/export/devices.csv")
def imports_export_devices():
    return _download("devices", device_csv.export_devices(get_db()))


@bp.get("/export/borrowers.csv")
def imports_export_borrowers():
    return _download("borrowers", device_csv.export_borrowers(get_db()))
