"""Learners across every venue: search with their Foundation/Life flags, one learner's
progress and details, referral outcomes, and a reprinted card."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import learners
import lending
from db import get_db, parse_id
from staff import bp, or_404
from staff.labels import learner_card_response
from validation import InvalidInput

EDIT_FIELDS = ("first_name", "birth_band", "postcode", "consent_contact", "contact_kind",
               "contact", "notes", "home_venue_id")


def _venues(db):
    return list(db["venues"].rows_where(order_by="name"))


@bp.get("/learners", endpoint="learners")
def find_learners():
    db = get_db()
    form = {k: request.args.get(k, "").strip() for k in ("q", "venue")}
    venue_id = parse_id(form["venue"])
    rows = learners.flags_for(db, learners.find_learners(db, form["q"], venue_id,
                                                         everywhere=venue_id is None,
                                                         limit=200))
    return render_template("staff/learners/list.html", rows=rows, form=form,
                           venues=_venues(db))


def _edit_form(learner) -> dict:
    form = {k: learner.get(k) or "" for k in EDIT_FIELDS}
    form.update(postcode=learner["postcode_district"] or "",
                consent_contact="yes" if learner["contact"] else "",
                contact_kind=learner["contact_kind"] if learner["contact"] else "mobile")
    return form


def _page(learner, form=None, errors=None, status_for=None, status=200):
    db = get_db()
    return render_template(
        "staff/learners/show.html", learner=learner, form=form or _edit_form(learner),
        errors=errors or {}, status_for=status_for,
        progress=learners.progress(db, learner["id"], lending.today()),
        referrals=learners.referrals(db, learner["id"]), venues=_venues(db),
        birth_bands=learners.BIRTH_BANDS, consent_contact=learners.CONSENT_CONTACT,
        contact_kinds={k: v for k, v in lending.CONTACT_KINDS.items() if k != "none"},
        levels=learners.LEVELS, referral_kinds=learners.REFERRAL_KINDS,
        referral_statuses=learners.REFERRAL_STATUSES,
        status_url=lambda referral_id: url_for("staff.referral_status",
                                               referral_id=referral_id)), status


def _learner(learner_id):
    return or_404(learners.get_learner(get_db(), learner_id))


@bp.route("/learners/<int:learner_id>", methods=["GET", "POST"])
def learner(learner_id):
    """A learner's progress and referrals; POST edits their details."""
    learner = _learner(learner_id)
    if request.method == "GET":
        return _page(learner)
    form = {k: request.form.get(k, "") for k in EDIT_FIELDS}
    try:
        learners.update_learner(get_db(), current_user.actor, learner_id, form)
    except InvalidInput as e:
        return _page(learner, form, e.errors, status=422)
    flash(f"Saved {form['first_name'].strip() or learner['first_name']}'s details.")
    return redirect(url_for("staff.learner", learner_id=learner_id), 303)


@bp.post("/learners/referrals/<int:referral_id>")
def referral_status(referral_id):
    referral = or_404(learners.get_referral(get_db(), referral_id))
    learner = _learner(referral["learner_id"])
    try:
        learners.set_referral_status(get_db(), current_user.actor, referral_id,
                                     request.form.get("status", ""))
    except InvalidInput as e:
        return _page(learner, errors=e.errors, status_for=referral["id"], status=422)
    flash(f"Referral marked “{learners.REFERRAL_STATUSES[request.form['status']]}”.")
    return redirect(url_for("staff.learner", learner_id=learner["id"]), 303)


@bp.get("/learners/<int:learner_id>/card.pdf")
def learner_card(learner_id):
    return learner_card_response(_learner(learner_id))
