"""QR label sheets for devices: choose devices, a sheet or tape, where to start on a
part-used sheet, and the printer's offset; print a calibration page to find that offset."""

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

import labels
import lending
from audit import record, stamp, utcnow
from db import get_db, parse_id, write_transaction
from public import public_url
from staff import bp
from validation import InvalidInput, gather


def device_url(asset_tag: str) -> str:
    """The one thing a label's QR holds: the device's public page, nothing personal."""
    return public_url("public.device", asset_tag=asset_tag)


def _chosen_devices(db, values) -> list[dict]:
    ids = [i for i in (parse_id(v) for v in values) if i]
    chosen = [lending.get_device(db, i) for i in dict.fromkeys(ids)]
    return [d for d in chosen if d]


def _offsets(db) -> dict:
    return {r["format"]: r for r in db["label_offsets"].rows}


def labels_page(devices, form, errors, status=200, **texts):
    """The label screen, for lending devices or (with `texts` naming its own action and
    list) donated devices: one form, one set of printer offsets."""
    return render_template("staff/labels.html", devices=devices, form=form, errors=errors,
                           formats=labels.FORMATS, offsets=_offsets(get_db()), **texts), status


def first_label_form(db, source) -> dict:
    """The options a label screen opens with: the format asked for, its saved offsets."""
    fmt = source.get("format", "L7160")
    saved = _offsets(db).get(fmt, {})
    return {"format": fmt, "start_at": "1", "offset_x": str(saved.get("offset_x", 0)),
            "offset_y": str(saved.get("offset_y", 0))}


def print_label_sheet(devices, form, file_name, **texts):
    """The PDF of one QR label per device, or the screen again with what is wrong."""
    errors = {}
    options = gather(errors, _options, form)
    if not devices:
        errors["device"] = "Please tick at least one device to print a label for."
    if errors:
        return labels_page(devices, form, errors, 422, **texts)
    fmt, start_at, offset_x, offset_y = options
    config = current_app.config
    data = labels.label_sheet_pdf(
        [labels.Label(d["asset_tag"], device_url(d["asset_tag"])) for d in devices], fmt,
        config["SERVICE_NAME"], config["SERVICE_PHONE"], start_at, offset_x, offset_y)
    return pdf_response(data, f"{file_name}-{fmt.code}.pdf")


@bp.get("/labels")
def labels_form():
    db = get_db()
    devices = _chosen_devices(db, request.args.getlist("device"))
    return labels_page(devices, first_label_form(db, request.args), {})


def _options(form):
    return labels.validate_options(form["format"], form["start_at"], form["offset_x"],
                                   form["offset_y"])


def pdf_response(data: bytes, name: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def learner_card_response(learner: dict):
    """A learner's card as a credit-card-size PDF: its QR holds only /l/<card code>."""
    config = current_app.config
    code = learner["card_code"]
    data = labels.learner_card_pdf(code, learner["first_name"],
                                   public_url("public.learner_card", card_code=code),
                                   config["SERVICE_NAME"], config["SERVICE_PHONE"])
    return pdf_response(data, f"learner-card-{code}.pdf")


@bp.post("/labels")
def print_labels():
    devices = _chosen_devices(get_db(), request.form.getlist("device"))
    form = {k: request.form.get(k, "").strip() for k in ("format", "start_at", "offset_x",
                                                         "offset_y")}
    return print_label_sheet(devices, form, "labels")


@bp.post("/labels/offsets")
def save_label_offsets():
    """Keep the printer's offset for this format, found with the calibration page."""
    db = get_db()
    form = {k: request.form.get(k, "").strip() for k in ("format", "offset_x", "offset_y")}
    form["start_at"] = "1"
    try:
        fmt, _, offset_x, offset_y = _options(form)
    except InvalidInput as e:
        return labels_page([], form, e.errors, 422)
    row = {"format": fmt.code, "offset_x": offset_x, "offset_y": offset_y,
           "updated_at": stamp(utcnow())}
    with write_transaction(db):
        db["label_offsets"].upsert(row, pk="format")
        record(db, current_user.actor, "label_offsets.save", "label_offsets", fmt.code,
               after=row)
    flash(f"Saved the offset for {fmt.name}.")
    return redirect(url_for("staff.labels_form", format=fmt.code), 303)


@bp.get("/labels/calibration.pdf")
def calibration():
    form = {k: request.args.get(k, "0").strip() for k in ("offset_x", "offset_y")}
    form.update(format=request.args.get("format", ""), start_at="1")
    try:
        fmt, _, offset_x, offset_y = _options(form)
    except InvalidInput as e:
        return labels_page([], form, e.errors, 422)
    return pdf_response(labels.calibration_pdf(fmt, offset_x, offset_y),
                f"calibration-{fmt.code}.pdf")
