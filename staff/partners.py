"""Partner organisations (the Digital Community Partnership) and bulk lending to them:
scan one device after another without leaving the page."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import lending
from db import get_db
from htmx import render
from staff import bp, or_404
from validation import InvalidInput

PARTNER_FIELDS = ("name", "contact_name", "phone", "email", "notes")


def _list_page(form, errors, status=200):
    return render_template("staff/partners/list.html", partners=lending.partners(get_db()),
                           form=form, errors=errors), status


@bp.get("/partners")
def partners():
    return _list_page({}, {})


@bp.post("/partners")
def add_partner():
    form = {k: request.form.get(k, "") for k in PARTNER_FIELDS}
    try:
        partner_id = lending.add_partner(get_db(), current_user.actor, form)
    except InvalidInput as e:
        return _list_page(form, e.errors, 422)
    flash(f"Added {form['name'].strip()}.")
    return redirect(url_for("staff.partner", partner_id=partner_id), 303)


def _partner_page(partner, form, errors, message=None, status=200):
    db = get_db()
    return render("staff/partners/show.html", "staff/partners/_lend.html", status,
                  partner=partner, loans=lending.open_loans(db, partner["id"]), form=form,
                  errors=errors, message=message,
                  venues=list(db["venues"].rows_where("active = 1", order_by="name")))


@bp.get("/partners/<int:partner_id>")
def partner(partner_id):
    partner = or_404(lending.get_partner(get_db(), partner_id))
    due = lending.today() + lending.timedelta(days=lending.PARTNER_LOAN_DAYS)
    return _partner_page(partner, {"due_on": due.isoformat(),
                                   "venue": str(current_user.venue_id or "")}, {})


@bp.post("/partners/<int:partner_id>/lend")
def lend_to_partner(partner_id):
    """One scan, one loan; the page (or the htmx fragment) shows the growing list."""
    db = get_db()
    partner = or_404(lending.get_partner(get_db(), partner_id))
    form = {k: request.form.get(k, "") for k in ("scan", "due_on", "venue")}
    try:
        device = lending.resolve_scan(db, form["scan"])
        lending.check_out(db, current_user.actor, device["id"], partner_id=partner["id"],
                          due_on=form["due_on"], venue_id=form["venue"] or None)
    except InvalidInput as e:
        return _partner_page(partner, form, e.errors, status=422)
    except lending.Conflict as e:
        return _partner_page(partner, form, {"scan": str(e)}, status=422)
    return _partner_page(partner, dict(form, scan=""), {},
                         message=f"{device['asset_tag']} lent to {partner['name']}.")
