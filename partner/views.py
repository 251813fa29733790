"""The partner's screens: their organisation's loan referrals (colleagues share a caseload),
a new referral, one referral's status, and withdrawing one that is still waiting. Another
organisation's referral is "not found": a partner is not even told it exists."""


from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

import waiting_list
from db import get_db
from formatting import english_day
from help_desk import new_request_id
from partner import bp
from validation import InvalidInput

STATUS_FILTERS = {"": "All", **waiting_list.STATUSES}


def waited_words(days: int) -> str:
    if days == 0:
        return "since today"
    return f"{days} day{'' if days == 1 else 's'}"


def status_words(referral: dict) -> str:
    """What became of it, in a few words: no place in the queue (that would tell a partner
    about other organisations' people)."""
    if referral["status"] == "served":
        return f"Device lent on {english_day(referral['closed_day'])}"
    if referral["status"] == "removed":
        return f"Removed ({referral['removal']})"
    return "Waiting"


@bp.context_processor
def _words():
    return {"day_words": english_day, "waited_words": waited_words, "status_words": status_words}


def _own(referral_id) -> dict:
    """This organisation's referral, or 404 (never 403: that would confirm it exists)."""
    referral = waiting_list.get(get_db(), referral_id, partner_id=current_user.partner_id)
    if referral is None:
        abort(404)
    return referral


def _organisation() -> dict:
    return dict(get_db()["partners"].get(current_user.partner_id))


@bp.get("/")
def index():
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    db = get_db()
    referrals = waiting_list.for_partner(db, current_user.partner_id, status=status or None)
    waiting = sum(r["status"] == "waiting" for r in referrals) if not status else None
    return render_template("partner/index.html", referrals=referrals, status=status,
                           filters=STATUS_FILTERS, organisation=_organisation(),
                           waiting=waiting)


def _form_page(form, errors, status=200):
    db = get_db()
    return render_template("partner/new.html", form=form, errors=errors,
                           organisation=_organisation(),
                           **waiting_list.form_choices(db)), status


@bp.get("/referrals/new")
def new_referral():
    return _form_page(waiting_list.blank_form(referrer_name=current_user.display_name,
                                              request_id=new_request_id()), {})


@bp.post("/referrals/new")
def submit_referral():
    form = {f: request.form.get(f, "") for f in waiting_list.FIELDS}
    form["flags"] = request.form.getlist("flags")
    form["request_id"] = request.form.get("request_id", "")
    try:
        referral_id = waiting_list.submit(get_db(), current_user.actor, form, channel="partner",
                                          partner_id=current_user.partner_id,
                                          request_id=form["request_id"] or None)
    except InvalidInput as e:
        return _form_page(form, e.errors, 422)
    referral = waiting_list.get(get_db(), referral_id, partner_id=current_user.partner_id)
    if referral is None:  # a one-time key another organisation's form had used: start again
        flash("That form was sent before. Please check your referrals list.")
        return redirect(url_for("partner.index"), 303)
    flash(f"Thank you. {referral['first_name']} is on the waiting list: your reference is "
          f"{referral['reference']}.")
    return redirect(url_for("partner.referral", referral_id=referral_id), 303)


@bp.get("/referrals/<int:referral_id>")
def referral(referral_id):
    return _referral_page(_own(referral_id), {}, {})


def _referral_page(referral, form, errors, status=200):
    return render_template("partner/show.html", referral=referral, form=form, errors=errors,
                           reasons=waiting_list.REMOVAL_REASONS), status


@bp.post("/referrals/<int:referral_id>/withdraw")
def withdraw(referral_id):
    """The person no longer needs a device (or got one elsewhere): the organisation takes
    its own waiting referral off the list, with a reason."""
    referral = _own(referral_id)
    form = {"reason": request.form.get("reason", ""), "note": request.form.get("note", "")}
    try:
        waiting_list.remove(get_db(), current_user.actor, referral["id"], form["reason"],
                            note=form["note"], partner_id=current_user.partner_id)
    except InvalidInput as e:
        return _referral_page(_own(referral_id), form, e.errors, 422)
    flash(f"{referral['reference']} is off the waiting list.")
    return redirect(url_for("partner.referral", referral_id=referral["id"]), 303)
