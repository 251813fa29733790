"""The loan list with overdues and reminders, one loan with its signed agreement, and the
agreement's text. Scanning, lending and checking in are in desk.py, shared with tablets."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import lending
import notifier
import reminders
from db import get_db
from staff import bp, or_404
from validation import InvalidInput

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


@bp.post("/loans/<int:loan_id>/not-returned")
def not_returned(loan_id):
    try:
        loan = lending.undo_self_return(get_db(), current_user.actor, loan_id)
    except InvalidInput as e:
        flash(e.errors["loan"])
    else:
        flash(f"{loan['asset_tag']} is back on the list of loans to chase.")
    return redirect(url_for("staff.loans"), 303)


@bp.post("/loans/<int:loan_id>/extend")
def extend_loan(loan_id):
    form = {"due_on": request.form.get("due_on", "")}
    try:
        due = lending.extend_loan(get_db(), current_user.actor, loan_id, form["due_on"])
    except InvalidInput as e:
        return _loan_page(loan_id, form, e.errors, 422)
    flash(f"Now due back {due}.")
    return redirect(url_for("staff.loan", loan_id=loan_id), 303)


@bp.get("/loans/<int:loan_id>")
def loan(loan_id):
    return _loan_page(loan_id, {}, {})


def _loan_page(loan_id, form, errors, status=200):
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
                           results=lending.json.loads(row["checklist"] or "{}"),
                           form=form, errors=errors), status


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
