"""Lending at the desk: scan a device, check it out with a signature, check it back in
through its checklist; the loan list with overdues and reminders; the loan agreement."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import lending
import notifier
import reminders
from db import get_db
from help_desk import new_request_id
from staff import bp, or_404
from validation import InvalidInput

# ---------------------------------------------------------------- scan to act


def _scan_page(form, errors, status=200):
    return render_template("staff/loans/scan.html", form=form, errors=errors), status


@bp.get("/scan")
def scan():
    return _scan_page({"scan": ""}, {})


@bp.post("/scan")
def scan_device():
    """Straight to the one obvious action: check in if on loan, check out if available."""
    text = request.form.get("scan", "")
    try:
        device = lending.resolve_scan(get_db(), text)
    except InvalidInput as e:
        return _scan_page({"scan": text}, e.errors, 422)
    action = lending.next_action(get_db(), device)
    if action == "check_out":
        return redirect(url_for("staff.check_out", device_id=device["id"]), 303)
    if action == "check_in":
        return redirect(url_for("staff.check_in", device_id=device["id"]), 303)
    flash(f"{device['asset_tag']} is {lending.STATUSES[device['status']].lower()}, "
          "so it cannot be lent or checked in.")
    return redirect(url_for("staff.device", device_id=device["id"]), 303)


# ---------------------------------------------------------------- check-out


BORROWER_FIELDS = ("name", "contact_kind", "contact", "library_card")


def _check_out_page(device, form, errors, status=200):
    db = get_db()
    borrower = lending.get_borrower(db, form.get("borrower_id"))
    query = request.args.get("q", "").strip()
    return render_template(
        "staff/loans/check_out.html", device=device, form=form, errors=errors,
        borrower=borrower, matches=lending.find_borrowers(db, query), query=query,
        partners=lending.partners(db), agreement=lending.current_agreement(db),
        contact_kinds=lending.CONTACT_KINDS,
        venues=list(db["venues"].rows_where("active = 1", order_by="name")),
        accessories=lending.ACCESSORIES,
        bundle=lending.json.loads(device["accessories"])), status


@bp.get("/devices/<int:device_id>/check-out")
def check_out(device_id):
    db = get_db()
    device = or_404(lending.get_device(get_db(), device_id))
    if device["status"] != "available":
        flash(f"{device['asset_tag']} is {lending.STATUSES[device['status']].lower()}, "
              "so it cannot be lent now.")
        return redirect(url_for("staff.device", device_id=device_id), 303)
    form = {
        "who": "partner" if request.args.get("partner_id") else "resident",
        "borrower_id": request.args.get("borrower", ""),
        "partner_id": request.args.get("partner_id", ""),
        "due_on": lending.default_due(db, device).isoformat(),
        "venue": str(current_user.venue_id or device["home_venue_id"] or ""),
        "contact_kind": "mobile",
        "request_id": new_request_id(),
    }
    return _check_out_page(device, form, {})


@bp.post("/devices/<int:device_id>/check-out")
def lend_device(device_id):
    db = get_db()
    device = or_404(lending.get_device(get_db(), device_id))
    form = {k: request.form.get(k, "") for k in (
        "who", "borrower_id", "partner_id", "due_on", "venue", "signature", "request_id",
        *BORROWER_FIELDS)}
    resident = form["who"] != "partner"
    try:
        lending.check_out(
            db, current_user.actor, device_id,
            borrower_id=form["borrower_id"] if resident else None,
            new_borrower=form if resident and not form["borrower_id"] else None,
            partner_id=None if resident else (form["partner_id"] or None),
            due_on=form["due_on"], venue_id=form["venue"], signature=form["signature"],
            request_id=form["request_id"] or None)
    except InvalidInput as e:
        errors = dict(e.errors)
        if not resident and "borrower" in errors:
            del errors["borrower"]
            errors["partner_id"] = "Please choose the partner organisation."
        return _check_out_page(device, form, errors, 422)
    except lending.Conflict as e:
        flash(str(e))
        return redirect(url_for("staff.device", device_id=device_id), 303)
    flash(f"{device['asset_tag']} is on loan until {form['due_on']}.")
    return redirect(url_for("staff.device", device_id=device_id), 303)


# ---------------------------------------------------------------- check-in


def _check_in_page(device, form, errors, status=200):
    db = get_db()
    return render_template(
        "staff/loans/check_in.html", device=device, loan=lending.open_loan(db, device["id"]),
        checklist=lending.checklist_for(db, device), form=form, errors=errors,
        accessories=lending.ACCESSORIES), status


@bp.get("/devices/<int:device_id>/check-in")
def check_in(device_id):
    device = or_404(lending.get_device(get_db(), device_id))
    if lending.open_loan(get_db(), device_id) is None:
        flash(f"{device['asset_tag']} is not on loan, so there is nothing to check in.")
        return redirect(url_for("staff.device", device_id=device_id), 303)
    return _check_in_page(device, {"ticked": [], "notes": ""}, {})


@bp.post("/devices/<int:device_id>/check-in")
def return_device(device_id):
    device = or_404(lending.get_device(get_db(), device_id))
    form = {"ticked": request.form.getlist("ok"), "notes": request.form.get("notes", "")}
    try:
        outcome = lending.check_in(get_db(), current_user.actor, device_id, form["ticked"],
                                   form["notes"], current_user.venue_id)
    except InvalidInput as e:
        if "scan" in e.errors:
            flash(e.errors["scan"])
            return redirect(url_for("staff.device", device_id=device_id), 303)
        return _check_in_page(device, form, e.errors, 422)
    flash({
        "available": f"{device['asset_tag']} is checked in and available to lend.",
        "being_wiped": f"{device['asset_tag']} is checked in. It needs a factory reset "
                       "before it can be lent again.",
        "in_repair": f"{device['asset_tag']} is checked in and sent to repair.",
    }[outcome])
    return redirect(url_for("staff.device", device_id=device_id), 303)


# ---------------------------------------------------------------- loans, overdue, reminders


@bp.get("/loans")
def loans():
    db = get_db()
    overdue = reminders.overdue(db, lending.today())
    return render_template(
        "staff/loans/list.html", loans=lending.open_loans(db), overdue=overdue,
        to_call=reminders.needs_call_or_letter(overdue),
        awaiting=lending.awaiting_check(db), today=lending.today().isoformat(),
        contact_kinds=lending.CONTACT_KINDS)


@bp.post("/loans/reminders")
def send_reminders():
    config = current_app.config
    sender = notifier.notifier_from_config(config)
    summary = reminders.send_reminders(
        get_db(), sender, current_user.actor, lending.today(),
        config["SERVICE_NAME"], config["SERVICE_PHONE"])
    flash(f"Reminders sent: {summary.sent}. Failed: {summary.failed}. "
          f"Reminded recently, so skipped: {summary.skipped}. "
          f"To phone or write to: {summary.need_call}.")
    if isinstance(sender, notifier.OutboxNotifier):
        flash("Text and email are not set up yet (SMTP or GOV.UK Notify), so nothing "
              "actually left Doorstep. Ask your administrator.")
    return redirect(url_for("staff.loans"), 303)


@bp.post("/loans/<int:loan_id>/contact")
def note_contact(loan_id):
    try:
        reminders.note_contact(get_db(), current_user.actor, loan_id,
                               request.form.get("channel", ""), request.form.get("note", ""))
    except InvalidInput as e:
        flash(" ".join(e.errors.values()))
    else:
        flash("Noted on the loan.")
    return redirect(url_for("staff.loans"), 303)


@bp.get("/loans/<int:loan_id>")
def loan(loan_id):
    db = get_db()
    row = or_404(lending.get_loan(db, loan_id))
    agreement = db["loan_agreements"].get(row["agreement_id"]) if row["agreement_id"] else None
    sent = list(db["loan_reminders"].rows_where("loan_id = ?", [loan_id], order_by="id"))
    return render_template("staff/loans/show.html", loan=row, agreement=agreement,
                           reminders=sent, width=lending.SIGNATURE_BOX[0],
                           height=lending.SIGNATURE_BOX[1],
                           checklist_labels=lending.CHECKLIST,
                           accessories=lending.ACCESSORIES,
                           bundle=lending.json.loads(row["accessories"]),
                           results=lending.json.loads(row["checklist"] or "{}"))


# ---------------------------------------------------------------- the loan agreement


@bp.get("/agreement")
def agreement():
    current = lending.current_agreement(get_db())
    return render_template("staff/loans/agreement.html", agreement=current,
                           form={"text": current["text"]}, errors={})


@bp.post("/agreement")
def save_agreement():
    text = request.form.get("text", "")
    try:
        version = lending.save_agreement(get_db(), current_user.actor, text)
    except InvalidInput as e:
        return render_template("staff/loans/agreement.html",
                               agreement=lending.current_agreement(get_db()),
                               form={"text": text}, errors=e.errors), 422
    flash(f"Saved. New loans are signed against version {version}.")
    return redirect(url_for("staff.agreement"), 303)
