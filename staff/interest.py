"""Registrations of interest from the kiosk's eligibility check: the list, one registration
with its answers in the council's words, finding one by its reference (typed, or scanned
from the QR code the person kept), and closing one with a reason.

Nothing here gives anything: "Give a SIM", "Sell or gift a laptop" and "Refer for a loan"
open the ordinary screens for those, carrying the registration's id, and the registration
is marked done in the same transaction that gives the SIM, sells the laptop or makes the
referral."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from audit import history
from db import first, get_db
from giveaways import interest, refurb
from giveaways.eligibility import get_rule_set
from staff import bp, or_404
from validation import InvalidInput

STATUSES = {"new": "New", "done": "Done", "closed": "Closed", "all": "All"}
LIST_LIMIT = 200  # find older ones by reference
NEED_REFERENCE = "Please type or scan the reference, for example K7R-4MX."
BAD_REFERENCE = ("That is not a reference: a reference has six letters and numbers, for "
                 "example K7R-4MX.")


def _list_page(status, form, errors, http_status=200):
    wanted = None if status == "all" else status
    return render_template(
        "staff/interest/list.html", rows=interest.registrations(get_db(), wanted, LIST_LIMIT),
        total=interest.count(get_db(), wanted), status=status, statuses=STATUSES, form=form,
        errors=errors, i=interest), http_status


@bp.get("/interest", endpoint="interest")
def interest_list():
    status = request.args.get("status", "new")
    return _list_page(status if status in STATUSES else "new", {"reference": ""}, {})


@bp.get("/interest/find", endpoint="interest_find")
def interest_find():
    """A reference typed, or scanned from the person's QR code (its /i/<reference> address
    or the whole URL): straight to the registration, or a clear message."""
    typed = request.args.get("reference", "").strip()[:200]
    found = interest.by_reference(get_db(), typed)
    if found:
        return redirect(url_for("staff.interest_show", interest_id=found["id"]), 303)
    reference = interest.normal_reference(typed)
    if not typed:
        message, code = NEED_REFERENCE, 422
    elif not reference:
        message, code = BAD_REFERENCE, 422
    else:
        message, code = f"No registration has the reference {reference}.", 404
    return _list_page("new", {"reference": typed}, {"reference": message}, code)


def _outcome_link(row) -> tuple[str, str | None]:
    """What a done registration became, in words, and a link to it."""
    db = get_db()
    if row["outcome"] == "sim" and row["sim_giveaway_id"]:
        return "A free SIM was given", url_for("staff.sim_given",
                                               giveaway_id=row["sim_giveaway_id"])
    if row["outcome"] in ("sale", "gift") and row["refurb_allocation_id"]:
        allocation = first(db["refurb_allocations"].rows_where(
            "id = ?", [row["refurb_allocation_id"]]))
        device = refurb.get_device(db, allocation["refurb_id"]) if allocation else None
        words = "A refurbished device was " + ("sold" if row["outcome"] == "sale" else "gifted")
        if device is None:
            return words, None
        return f"{words}: {device['asset_tag']}", url_for("staff.refurb_device",
                                                          refurb_id=device["id"])
    if row["outcome"] == "referral" and row["referral_id"]:
        return "Referred for a device loan", url_for("staff.referral",
                                                     referral_id=row["referral_id"])
    return interest.OUTCOMES.get(row["outcome"] or "", "Done"), None


def _show_page(row, form, errors, http_status=200):
    db = get_db()
    closed_by = first(db["users"].rows_where("id = ?", [row["closed_by"]])) \
        if row["closed_by"] else None
    outcome_words, outcome_url = _outcome_link(row) if row["status"] == "done" else ("", None)
    lines = interest.answer_lines(db, row)
    rule_sets = {s: get_rule_set(db, row[f"{s}_rule_set_id"]) for s in interest.SCHEMES}
    return render_template(
        "staff/interest/show.html", row=row, i=interest, form=form, errors=errors,
        lines=lines, schemes=[s for s in interest.SCHEMES if any(
            line["scheme"] == s for line in lines)],
        scheme_titles=interest.SCHEME_TITLES, rule_sets=rule_sets,
        ready=refurb.ready_devices(db) if row["status"] == "new" else [],
        closed_by=closed_by["display_name"] if closed_by else None,
        outcome_words=outcome_words, outcome_url=outcome_url,
        history=history(db, "interest_registrations", row["id"])), http_status


@bp.get("/interest/<int:interest_id>", endpoint="interest_show")
def interest_show(interest_id):
    row = or_404(interest.get(get_db(), interest_id))
    return _show_page(row, {"reason": ""}, {})


@bp.post("/interest/<int:interest_id>/close", endpoint="interest_close")
def interest_close(interest_id):
    row = or_404(interest.get(get_db(), interest_id))
    form = {"reason": request.form.get("reason", "")}
    try:
        interest.close(get_db(), current_user.actor, row["id"], form["reason"])
    except InvalidInput as e:
        if "interest" in e.errors:  # dealt with meanwhile (another desk, a double tap)
            flash(e.errors["interest"])
            return redirect(url_for("staff.interest_show", interest_id=row["id"]), 303)
        return _show_page(row, form, e.errors, 422)
    flash(f"Registration {row['reference']} is closed: "
          f"{interest.CLOSE_REASONS[form['reason']].lower()}.")
    return redirect(url_for("staff.interest_show", interest_id=row["id"]), 303)
