"""Scan, lend and take back: the same screens for staff at the desk and for volunteers on a
tablet at a tea party. `register(bp)` adds them to a blueprint, which keeps its own sign-in
guard; the screens follow the blueprint's look and send people back to its own pages."""

from datetime import date, datetime

from babel.lists import format_list
from flask import flash, redirect, request, url_for
from flask_login import current_user

import learners
import lending
import shared_views
import waiting_list
from db import get_db, or_404
from help_desk import LOCAL_TZ, new_request_id
from i18n import _, current_locale, format_day
from languages import translated
from validation import InvalidInput

ROUTES = [
    ("/scan", "scan", ["GET"]),
    ("/scan", "scan_device", ["POST"]),
    ("/devices/<int:device_id>/check-out", "check_out", ["GET"]),
    ("/devices/<int:device_id>/check-out", "lend_device", ["POST"]),
    ("/devices/<int:device_id>/check-in", "check_in", ["GET"]),
    ("/devices/<int:device_id>/check-in", "return_device", ["POST"]),
]


def register(bp) -> None:
    shared_views.register(bp, ROUTES, globals())


def _done(device_id):
    """Where a person goes once the device is dealt with: staff to its record, volunteers
    back to the scan box for the next one (the record is a staff page)."""
    if request.blueprint == "staff":
        return redirect(url_for("staff.device", device_id=device_id), 303)
    return redirect(url_for(f"{request.blueprint}.scan"), 303)


def _things(keys) -> str:
    """Accessories as a list people read: "Charger and Case", "Gwefrydd a Chas"."""
    words = [translated(lending.ACCESSORIES.get(k, k)) for k in keys]
    return format_list(words, locale=current_locale()) if words else ""


def _device(device_id):
    return or_404(lending.get_device(get_db(), device_id))


# ---------------------------------------------------------------- scan to act


def _scan_page(form, errors, status=200):
    return shared_views.render_in_area("desk/scan.html", status, form=form, errors=errors)


def scan():
    return _scan_page({"scan": ""}, {})


def scan_device():
    """Straight to the one obvious action: check in if on loan, check out if available.
    A learner card scanned here opens that learner's page instead."""
    text = request.form.get("scan", "")
    try:
        device = lending.resolve_scan(get_db(), text)
    except InvalidInput as e:
        learner = learners.learner_by_card(get_db(), text)
        if learner:
            return redirect(url_for(f"{request.blueprint}.learner", learner_id=learner["id"]),
                            303)
        errors = ({"scan": translated(learners.UNKNOWN_CARD)} if learners.is_card_url(text)
                  else e.errors)
        return _scan_page({"scan": text}, errors, 422)
    action = lending.next_action(get_db(), device)
    if action == "check_out":
        return redirect(url_for(f"{request.blueprint}.check_out", device_id=device["id"]), 303)
    if action == "check_in":
        return redirect(url_for(f"{request.blueprint}.check_in", device_id=device["id"]), 303)
    flash(_cannot(device, lend_only=False))
    return _done(device["id"])


def _cannot(device, lend_only: bool) -> str:
    """Why a device cannot be lent (or checked in) now: one whole sentence per status,
    because word order and the status word's form differ between languages."""
    tag, status = device["asset_tag"], device["status"]
    if lend_only:
        sentences = {
            "on_loan": _("%(tag)s is on loan, so it cannot be lent now.", tag=tag),
            "in_repair": _("%(tag)s is in repair, so it cannot be lent now.", tag=tag),
            "being_wiped": _("%(tag)s is being wiped, so it cannot be lent now.", tag=tag),
            "retired": _("%(tag)s is retired, so it cannot be lent now.", tag=tag),
            "lost": _("%(tag)s is lost, so it cannot be lent now.", tag=tag),
        }
    else:
        sentences = {
            "in_repair": _("%(tag)s is in repair, so it cannot be lent or checked in.",
                           tag=tag),
            "being_wiped": _("%(tag)s is being wiped, so it cannot be lent or checked in.",
                             tag=tag),
            "retired": _("%(tag)s is retired, so it cannot be lent or checked in.", tag=tag),
            "lost": _("%(tag)s is lost, so it cannot be lent or checked in.", tag=tag),
        }
    return sentences.get(status) or _("%(tag)s cannot be lent now.", tag=tag)


# ---------------------------------------------------------------- check-out


BORROWER_FIELDS = ("name", "contact_kind", "contact", "library_card")


def _referral(value):
    """The waiting loan referral a staff check-out serves (`?referral=<id>`), or None.
    Staff only: volunteers' tablets lend without the waiting list."""
    if request.blueprint != "staff" or not value:
        return None
    return waiting_list.get(get_db(), value)


def _check_out_page(device, form, errors, status=200):
    db = get_db()
    borrower = lending.get_borrower(db, form.get("borrower_id"))
    query = request.args.get("q", "").strip()
    return shared_views.render_in_area(
        "desk/check_out.html", status, device=device, form=form, errors=errors,
        borrower=borrower, referral=_referral(form.get("referral_id")),
        matches=lending.find_borrowers(db, query), query=query,
        partners=lending.partners(db), agreement=lending.current_agreement(db),
        contact_kinds=lending.CONTACT_KINDS,
        venues=list(db["venues"].rows_where("active = 1", order_by="name")),
        accessories=lending.ACCESSORIES, things=_things,
        bundle=lending.json.loads(device["accessories"]))


def check_out(device_id):
    db = get_db()
    device = _device(device_id)
    if device["status"] != "available":
        flash(_cannot(device, lend_only=True))
        return _done(device_id)
    form = {
        "who": "partner" if request.args.get("partner_id") else "resident",
        "borrower_id": request.args.get("borrower", ""),
        "partner_id": request.args.get("partner_id", ""),
        "due_on": lending.default_due(db, device).isoformat(),
        "venue": str(current_user.venue_id or device["home_venue_id"] or ""),
        "contact_kind": "mobile",
        "request_id": new_request_id(),
    }
    referral = _referral(request.args.get("referral"))
    if referral and referral["status"] == "waiting":
        # Their details from the referral: staff check them with the person, who signs.
        reachable = referral["contact_kind"] != "via_referrer"
        form.update(who="resident", referral_id=str(referral["id"]),
                    name=referral["first_name"] or "",
                    contact_kind=referral["contact_kind"] if reachable else "none",
                    contact=(referral["contact"] or "") if reachable else "",
                    venue=str(referral["venue_id"] or form["venue"]))
    elif referral:
        flash(f"{referral['reference']} is not waiting any more ("
              f"{referral['status_label'].lower()}), so this is an ordinary loan.")
    return _check_out_page(device, form, {})


def lend_device(device_id):
    db = get_db()
    device = _device(device_id)
    form = {k: request.form.get(k, "") for k in (
        "who", "borrower_id", "partner_id", "due_on", "venue", "signature", "request_id",
        "in_person", "referral_id", *BORROWER_FIELDS)}
    if request.blueprint != "staff":
        form["referral_id"] = ""
    resident = form["who"] != "partner"
    try:
        lending.check_out(
            db, current_user.actor, device_id,
            borrower_id=form["borrower_id"] if resident else None,
            new_borrower=form if resident and not form["borrower_id"] else None,
            partner_id=None if resident else (form["partner_id"] or None),
            due_on=form["due_on"], venue_id=form["venue"], signature=form["signature"],
            agreed_in_person=form["in_person"] == "yes", request_id=form["request_id"] or None,
            referral_id=form["referral_id"] or None)
    except InvalidInput as e:
        errors = dict(e.errors)
        if not resident and "borrower" in errors:
            del errors["borrower"]
            errors["partner_id"] = _("Please choose the partner organisation.")
        return _check_out_page(device, form, errors, 422)
    except lending.Conflict as e:
        flash(str(e))
        return _done(device_id)
    flash(_("%(tag)s is on loan until %(day)s.", tag=device["asset_tag"],
            day=format_day(date.fromisoformat(form["due_on"].strip()))))
    if form["referral_id"] and (referral := waiting_list.get(db, form["referral_id"])):
        flash(f"{referral['reference']} is off the waiting list: {device['asset_tag']} is "
              f"lent to {referral['first_name']}.")
    return _done(device_id)


# ---------------------------------------------------------------- check-in


def _check_in_page(device, form, errors, status=200):
    """The checklist for the device's open loan; with no open loan (never lent, or checked
    in meanwhile from another screen) there is nothing to check in."""
    db = get_db()
    loan = lending.open_loan(db, device["id"])
    if loan is None:
        flash(_("%(tag)s is not on loan, so there is nothing to check in.",
                tag=device["asset_tag"]))
        return _done(device["id"])
    returned = loan["returned_at"] and datetime.fromisoformat(loan["returned_at"]).astimezone(
        LOCAL_TZ)
    return shared_views.render_in_area(
        "desk/check_in.html", status, device=device, loan=loan,
        due_on=date.fromisoformat(loan["due_on"]), returned=returned,
        checklist=lending.checklist_for(db, device), form=form, errors=errors,
        accessories=lending.ACCESSORIES, things=_things)


def check_in(device_id):
    return _check_in_page(_device(device_id), {"ticked": [], "notes": ""}, {})


def return_device(device_id):
    device = _device(device_id)
    form = {"ticked": request.form.getlist("ok"), "notes": request.form.get("notes", "")}
    try:
        outcome = lending.check_in(get_db(), current_user.actor, device_id, form["ticked"],
                                   form["notes"], current_user.venue_id)
    except InvalidInput as e:
        if "scan" in e.errors:
            flash(e.errors["scan"])
            return _done(device_id)
        return _check_in_page(device, form, e.errors, 422)
    tag = device["asset_tag"]
    flash({
        "available": _("%(tag)s is checked in and available to lend.", tag=tag),
        "being_wiped": _("%(tag)s is checked in. It needs a factory reset before it can be "
                         "lent again.", tag=tag),
        "in_repair": _("%(tag)s is checked in and sent to repair.", tag=tag),
    }[outcome])
    return _done(device_id)
