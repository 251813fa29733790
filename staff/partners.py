"""Partner organisations (the Digital Community Partnership): bulk lending to them (scan
one device after another without leaving the page), and their sign-ins for referring people
for a device loan."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import auth
import lending
from db import get_db
from htmx import render
from staff import bp, or_404
from validation import InvalidInput, visible

PARTNER_FIELDS = ("name", "contact_name", "phone", "email", "notes")
SIGN_IN_FIELDS = ("username", "display_name")


def referral_counts(db) -> dict[int, dict]:
    """partner id -> {"all": n, "waiting": n}: how many loan referrals each organisation made."""
    counts = {}
    for row in db.query(
            """select partner_id, count(*) as total, sum(status = 'waiting') as waiting
               from loan_referrals where partner_id is not null group by partner_id"""):
        counts[row["partner_id"]] = {"all": row["total"], "waiting": row["waiting"] or 0}
    return counts


def _list_page(form, errors, status=200):
    db = get_db()
    return render_template("staff/partners/list.html", partners=lending.partners(db),
                           referrals=referral_counts(db), form=form, errors=errors), status


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


def _sign_ins(db, partner_id) -> list[dict]:
    return list(db["users"].rows_where("partner_id = ? and role = 'partner'", [partner_id],
                                       order_by="active desc, username collate nocase"))


def _page_context(partner, form, errors, message=None, sign_in=None, sign_in_errors=None):
    db = get_db()
    return {"partner": partner, "loans": lending.open_loans(db, partner["id"]), "form": form,
            "errors": errors, "message": message,
            "venues": list(db["venues"].rows_where("active = 1", order_by="name")),
            "sign_ins": _sign_ins(db, partner["id"]),
            "referrals": referral_counts(db).get(partner["id"], {"all": 0, "waiting": 0}),
            "sign_in": sign_in or {}, "sign_in_errors": sign_in_errors or {}}


def _partner_page(partner, form, errors, message=None, status=200):
    return render("staff/partners/show.html", "staff/partners/_lend.html", status,
                  **_page_context(partner, form, errors, message))


def _lend_defaults() -> dict:
    due = lending.today() + lending.timedelta(days=lending.PARTNER_LOAN_DAYS)
    return {"due_on": due.isoformat(), "venue": str(current_user.venue_id or "")}


@bp.get("/partners/<int:partner_id>")
def partner(partner_id):
    partner = or_404(lending.get_partner(get_db(), partner_id))
    return _partner_page(partner, _lend_defaults(), {})


@bp.post("/partners/<int:partner_id>/sign-ins")
def add_partner_sign_in(partner_id):
    """Someone at the organisation gets their own sign-in (never a shared one): username,
    name and a first password that staff tell them in person or by phone."""
    db = get_db()
    partner = or_404(lending.get_partner(db, partner_id))
    form = {k: " ".join(visible(request.form.get(k)).split()) for k in SIGN_IN_FIELDS}
    try:
        auth.create_user(db, form["username"], form["display_name"] or form["username"],
                         "partner", request.form.get("secret", ""), current_user.actor,
                         partner_id=partner["id"])
    except InvalidInput as e:  # (an organisation no longer a partner: the page says so)
        return render_template("staff/partners/show.html", **_page_context(
            partner, _lend_defaults(), {}, sign_in=form, sign_in_errors=e.errors)), 422
    flash(f"Added a sign-in for {form['display_name'] or form['username']} at "
          f"{partner['name']}. Tell them their password in person or by phone, not by email.")
    return redirect(url_for("staff.partner", partner_id=partner["id"]) + "#sign-ins", 303)


@bp.post("/partners/<int:partner_id>/sign-ins/<int:user_id>/switch-off")
def switch_off_partner_sign_in(partner_id, user_id):
    db = get_db()
    partner = or_404(lending.get_partner(db, partner_id))
    user = auth.switch_off_user(db, current_user.actor, user_id, partner_id=partner["id"])
    if user:
        flash(f"{user['display_name']}'s sign-in is switched off. It opens nothing from now on.")
    else:
        flash("That sign-in is already switched off.")
    return redirect(url_for("staff.partner", partner_id=partner["id"]) + "#sign-ins", 303)


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
