"""Devices in the lending library: the list, adding and editing, status changes, history."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import lending
import waiting_list
from db import get_db
from staff import bp, or_404
from validation import InvalidInput

DEVICE_FORM_FIELDS = [f for f in lending.DEVICE_FIELDS if f not in ("accessories", "status")]


def _choices(db):
    return {
        "kinds": lending.kinds(db),
        "venues": list(db["venues"].rows_where("active = 1", order_by="name")),
        "statuses": lending.STATUSES,
        "manual_statuses": lending.MANUAL_STATUSES,
        "conditions": lending.CONDITIONS,
        "accessories": lending.ACCESSORIES,
    }


def _device_form() -> dict:
    form = {f: request.form.get(f, "").strip() for f in DEVICE_FORM_FIELDS}
    form["accessories"] = request.form.getlist("accessories")
    form["status"] = request.form.get("status", "available")
    return form


@bp.get("/devices")
def devices():
    db = get_db()
    form = {k: request.args.get(k, "").strip() for k in ("status", "kind", "q")}
    rows = lending.devices(db, form["status"] or None, form["kind"] or None, form["q"] or None)
    return render_template("staff/devices/list.html", rows=rows, form=form,
                           today=lending.today().isoformat(),
                           sim_soon=(lending.today() + timedelta(days=30)).isoformat(),
                           **_choices(db))


def _edit_page(form, errors, device=None, status=200):
    return render_template("staff/devices/form.html", form=form, errors=errors, device=device,
                           **_choices(get_db())), status


@bp.get("/devices/new")
def new_device():
    kind = request.args.get("kind", "tablet")
    bundle = (lending.kind(get_db(), kind) or {}).get("accessories", [])
    return _edit_page({"kind": kind, "accessories": bundle, "status": "available"}, {})


@bp.post("/devices/new")
def add_device():
    form = _device_form()
    try:
        device_id = lending.add_device(get_db(), current_user.actor, form)
    except InvalidInput as e:
        return _edit_page(form, e.errors, status=422)
    device = or_404(lending.get_device(get_db(), device_id))
    flash(f"Added {device['asset_tag']}. Print its label from the device list.")
    return redirect(url_for("staff.device", device_id=device_id), 303)


def _show(device_id, errors=None, form=None, status=200):
    db = get_db()
    device = or_404(lending.get_device(get_db(), device_id))
    suggestion = (waiting_list.suggest_for_device(db, device)
                  if device["status"] == "available" else None)
    return render_template(
        "staff/devices/show.html", device=device, loan=lending.open_loan(db, device_id),
        suggestion=suggestion,
        loans=lending.device_loans(db, device_id),
        history=lending.device_history(db, device_id),
        accessories=lending.ACCESSORIES, conditions=lending.CONDITIONS,
        statuses=lending.STATUSES, manual_statuses=lending.MANUAL_STATUSES,
        action=lending.next_action(db, device), errors=errors or {}, form=form or {}), status


@bp.get("/devices/<int:device_id>")
def device(device_id):
    return _show(device_id)


@bp.get("/devices/<int:device_id>/edit")
def edit_device(device_id):
    device = or_404(lending.get_device(get_db(), device_id))
    form = {f: device[f] or "" for f in DEVICE_FORM_FIELDS}
    form["accessories"] = lending.json.loads(device["accessories"])
    return _edit_page(form, {}, device)


@bp.post("/devices/<int:device_id>/edit")
def update_device(device_id):
    device = or_404(lending.get_device(get_db(), device_id))
    form = _device_form()
    try:
        lending.update_device(get_db(), current_user.actor, device_id, form)
    except InvalidInput as e:
        return _edit_page(form, e.errors, device, 422)
    flash(f"Saved {form['asset_tag'] or device['asset_tag']}.")
    return redirect(url_for("staff.device", device_id=device_id), 303)


@bp.post("/devices/<int:device_id>/status")
def device_status(device_id):
    device = or_404(lending.get_device(get_db(), device_id))
    form = {"status": request.form.get("status", ""), "reason": request.form.get("reason", "")}
    try:
        lending.set_status(get_db(), current_user.actor, device_id, form["status"],
                           form["reason"])
    except InvalidInput as e:
        return _show(device_id, e.errors, form, 422)
    flash(f"{device['asset_tag']} is now {lending.STATUSES[form['status']].lower()}.")
    return redirect(url_for("staff.device", device_id=device_id), 303)


@bp.post("/devices/<int:device_id>/wipe")
def confirm_wipe(device_id):
    device = or_404(lending.get_device(get_db(), device_id))
    try:
        lending.confirm_wipe(get_db(), current_user.actor, device_id,
                             request.form.get("confirm") == "yes")
    except InvalidInput as e:
        return _show(device_id, e.errors, status=422)
    except lending.Conflict as e:
        flash(str(e))
        return redirect(url_for("staff.device", device_id=device_id), 303)
    flash(f"{device['asset_tag']} is wiped and available to lend.")
    return redirect(url_for("staff.device", device_id=device_id), 303)


@bp.get("/devices/kinds")
def device_kinds():
    return _kinds_page({}, {})


def _kinds_page(form, errors, status=200):
    return render_template("staff/devices/kinds.html", kinds=lending.kinds(get_db()),
                           form=form, errors=errors, checklist=lending.CHECKLIST), status


@bp.post("/devices/kinds")
def save_device_kinds():
    form = dict(request.form)
    try:
        lending.update_kinds(get_db(), current_user.actor, form)
    except InvalidInput as e:
        return _kinds_page(form, e.errors, 422)
    flash("Saved the kinds of device.")
    return redirect(url_for("staff.device_kinds"), 303)
