"""Loan referrals and the waiting list: the list in order, a referral taken by phone or
email, one referral with its history and the devices that suit it, removal with a reason,
and the council's priority flags. Staff always choose; Doorstep only suggests."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import audit
import impact
import lending
import waiting_list
from db import get_db
from giveaways import interest
from help_desk import new_request_id
from staff import bp, or_404
from validation import InvalidInput


@bp.get("/referrals")
def referrals():
    db = get_db()
    status = request.args.get("status", "waiting")
    status = status if status in (*waiting_list.STATUSES, "all") else "waiting"
    partner = request.args.get("partner", "")
    today = lending.today()
    return render_template(
        "staff/referrals/list.html", status=status, partner=partner,
        rows=waiting_list.referrals(db, status, partner or None),
        statuses=waiting_list.STATUSES, partners=lending.partners(db, active_only=False),
        month=_this_month(db, today))


def _this_month(db, today) -> dict:
    """This month so far, the same figures as the impact reports: {label, received, served,
    removed, waiting}."""
    row = impact.month_table(db, impact.LOAN_REFERRAL_MONTHS, today.replace(day=1), today,
                             today=today)[0]
    return dict(label=row["label"], **{key.removeprefix("loan_referrals_"): value
                                       for key, value in row["values"].items()})


# ---------------------------------------------------------------- a new referral


def _new_page(form, errors, registration=None, status=200):
    db = get_db()
    return render_template(
        "staff/referrals/new.html", form=form, errors=errors, registration=registration,
        channels={k: waiting_list.CHANNELS[k] for k in waiting_list.STAFF_CHANNELS},
        partners=lending.partners(db), **waiting_list.form_choices(db)), status


@bp.get("/referrals/new")
def new_referral():
    """A blank form, or one filled in from a kiosk registration of interest."""
    form = waiting_list.blank_form(channel="phone", partner="", interest="",
                                   request_id=new_request_id())
    registration = None
    if request.args.get("interest"):  # from a registration of interest: still open?
        registration = or_404(interest.get(get_db(), request.args["interest"]))
        if registration["status"] != "new":
            flash(interest.ALREADY_DEALT_WITH)
            return redirect(url_for("staff.interest_show", interest_id=registration["id"]), 303)
        form.update(interest=str(registration["id"]), channel="in_person",
                    referrer_name=current_user.display_name,
                    first_name=registration["first_name"] or "",
                    contact_kind=("" if registration["contact_kind"] == "come_back"
                                  else registration["contact_kind"]),
                    contact=registration["contact"] or "")
    return _new_page(form, {}, registration)


@bp.post("/referrals/new")
def add_referral():
    db = get_db()
    form = {k: request.form.get(k, "") for k in (
        *waiting_list.FIELDS, "channel", "partner", "interest", "request_id")}
    form["flags"] = request.form.getlist("flags")
    registration = interest.get(db, form["interest"]) if form["interest"] else None
    try:
        referral_id = waiting_list.submit(
            db, current_user.actor, form, channel=form["channel"],
            interest_id=registration["id"] if registration else None,
            request_id=form["request_id"] or None)
    except InvalidInput as e:
        errors = dict(e.errors)
        if "interest" in errors:
            errors["form"] = errors.pop("interest")
        return _new_page(form, errors, registration, 422)
    referral = waiting_list.get(db, referral_id)
    flash(f"{referral['first_name']} is on the waiting list as {referral['reference']}.")
    return redirect(url_for("staff.referral", referral_id=referral_id), 303)


# ---------------------------------------------------------------- one referral


def _show(referral_id, form=None, errors=None, status=200):
    db = get_db()
    referral = or_404(waiting_list.get(db, referral_id))
    devices = []
    if referral["status"] == "waiting":
        devices = lending.devices(db, "available", referral["kind"])
        place = next((r["position"] for r in waiting_list.waiting(db)
                      if r["id"] == referral["id"]), None)
    else:
        place = None
    return render_template(
        "staff/referrals/show.html", referral=referral, devices=devices, place=place,
        history=audit.history(db, "loan_referrals", referral["id"]),
        reasons=waiting_list.REMOVAL_REASONS, form=form or {}, errors=errors or {}), status


@bp.get("/referrals/<int:referral_id>")
def referral(referral_id):
    return _show(referral_id)


@bp.post("/referrals/<int:referral_id>/remove")
def remove_referral(referral_id):
    referral = or_404(waiting_list.get(get_db(), referral_id))
    form = {"reason": request.form.get("reason", ""), "note": request.form.get("note", "")}
    try:
        waiting_list.remove(get_db(), current_user.actor, referral_id, form["reason"],
                            form["note"])
    except InvalidInput as e:
        return _show(referral_id, form, e.errors, 422)
    flash(f"{referral['reference']} is off the waiting list.")
    return redirect(url_for("staff.referral", referral_id=referral_id), 303)


# ---------------------------------------------------------------- priority flags


def _flags_page(form, errors, status=200):
    return render_template("staff/referrals/flags.html",
                           flags=waiting_list.flags(get_db(), active_only=False),
                           form=form, errors=errors), status


@bp.get("/referrals/flags")
def referral_flags():
    return _flags_page({}, {})


@bp.post("/referrals/flags")
def add_referral_flag():
    form = {"label": request.form.get("label", "")}
    try:
        waiting_list.add_flag(get_db(), current_user.actor, form["label"])
    except InvalidInput as e:
        return _flags_page(form, e.errors, 422)
    flash(f"Added the flag “{form['label'].strip()}”.")
    return redirect(url_for("staff.referral_flags"), 303)


@bp.post("/referrals/flags/<int:referral_flag_id>")
def update_referral_flag(referral_flag_id):
    """Rename (a label) or switch off / on (`active` = "0" or "1")."""
    db = get_db()
    or_404(next((f for f in waiting_list.flags(db, active_only=False)
                 if f["id"] == referral_flag_id), None))
    label = request.form.get("label")
    active = request.form.get("active")
    try:
        waiting_list.update_flag(db, current_user.actor, referral_flag_id, label=label,
                                 active=None if active is None else active == "1")
    except InvalidInput as e:
        errors = {f"label-{referral_flag_id}": e.errors.get("label", "Please try again.")}
        return _flags_page({f"label-{referral_flag_id}": label or ""}, errors, 422)
    flash("Saved the priority flags.")
    return redirect(url_for("staff.referral_flags"), 303)
