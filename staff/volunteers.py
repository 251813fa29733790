"""Volunteers and their hours: DBS warnings and the council's re-check period, each
volunteer's details and training, and shifts to check, correct or add."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import help_desk
import lending
import tea_parties
import volunteers
from audit import history, utcnow
from db import get_db, parse_id
from formatting import local_time
from staff import bp, or_404
from validation import InvalidInput

PROFILE_FIELDS = ("phone", "email", "dbs_certificate", "dbs_issued_on", "dbs_update_service",
                  "notes")
TRAINING_FIELDS = ("course", "completed_on", "expires_on")
SHIFT_FIELDS = ("signed_in_at", "signed_out_at", "reason")
ADD_FIELDS = ("volunteer", "session", *SHIFT_FIELDS)
FILTERS = ("session", "volunteer", "first", "last")
SHOWN_DAYS = 28  # the hours page's default: the last four weeks
PICK_FILTER = "Choose a volunteer from the list."


def _today():
    """Close shifts whose session has ended, so every page shows hours as they stand."""
    now = utcnow()
    volunteers.close_finished_shifts(get_db(), now)
    return lending.today(now)


# ---------------------------------------------------------------- the list and DBS period


def _list_page(form, errors, status=200):
    db = get_db()
    day = _today()
    return render_template(
        "staff/volunteers/list.html", rows=volunteers.volunteers(db, day), form=form,
        errors=errors, warning_states=volunteers.DBS_WARNING_STATES,
        year=volunteers.financial_year(day), day_words=volunteers.day_words), status


@bp.get("/volunteers", endpoint="volunteers")
def volunteers_list():
    return _list_page({"years": str(volunteers.recheck_years(get_db()))}, {})


@bp.post("/volunteers/dbs-period")
def dbs_period():
    form = {"years": request.form.get("years", "")}
    try:
        years = volunteers.set_recheck_years(get_db(), current_user.actor, form["years"])
    except InvalidInput as e:
        return _list_page(form, e.errors, 422)
    flash(f"DBS checks are now re-checked every {years} year{'' if years == 1 else 's'}.")
    return redirect(url_for("staff.volunteers"), 303)


# ---------------------------------------------------------------- one volunteer


def _profile_form(person) -> dict:
    form = {f: person[f] or "" for f in PROFILE_FIELDS}
    form["dbs_update_service"] = "yes" if person["dbs_update_service"] else ""
    form["venues"] = [str(v) for v in person["venue_ids"]]
    return form


def _volunteer_page(person, form, errors, training_form=None, status=200):
    db = get_db()
    day = _today()
    first_day, last_day = volunteers.financial_year(day)
    rows = volunteers.shifts(db, user_id=person["id"], first_day=first_day, last_day=last_day)
    venues = [v for v in db["venues"].rows_where(order_by="name collate nocase")
              if v["active"] or v["id"] in person["venue_ids"]]
    return render_template(
        "staff/volunteers/show.html", person=person, form=form, errors=errors,
        training_form=training_form or {}, venues=venues, courses=volunteers.COURSES,
        dbs=volunteers.dbs_for(db, person["id"], day),
        years=volunteers.recheck_years(db), training=volunteers.training(db, person["id"], day),
        shifts=rows, hours=sum(s["hours"] or 0 for s in rows),
        history=history(db, "volunteer_profiles", person["id"])), status


@bp.route("/volunteers/<int:user_id>", methods=["GET", "POST"])
def volunteer(user_id):
    db = get_db()
    person = or_404(volunteers.get_volunteer(db, user_id))
    if request.method == "GET":
        return _volunteer_page(person, _profile_form(person), {})
    form = {f: request.form.get(f, "") for f in PROFILE_FIELDS}
    form["venues"] = request.form.getlist("venues")
    try:
        volunteers.save_profile(db, current_user.actor, user_id, form)
    except InvalidInput as e:
        return _volunteer_page(person, form, e.errors, status=422)
    flash(f"Saved {person['display_name']}'s details.")
    return redirect(url_for("staff.volunteer", user_id=user_id), 303)


@bp.post("/volunteers/<int:user_id>/training")
def add_training(user_id):
    db = get_db()
    person = or_404(volunteers.get_volunteer(db, user_id))
    form = {f: request.form.get(f, "") for f in TRAINING_FIELDS}
    try:
        volunteers.add_training(db, current_user.actor, user_id, form)
    except InvalidInput as e:
        return _volunteer_page(person, _profile_form(person), e.errors, form, 422)
    flash(f"Added {' '.join(form['course'].split())} to {person['display_name']}'s training.")
    return redirect(url_for("staff.volunteer", user_id=user_id), 303)


@bp.post("/volunteers/<int:user_id>/training/<int:training_id>/remove")
def remove_training(user_id, training_id):
    or_404(volunteers.get_volunteer(get_db(), user_id))
    try:
        row = volunteers.remove_training(get_db(), current_user.actor, user_id, training_id)
    except InvalidInput as e:
        flash(" ".join(e.errors.values()))
    else:
        flash(f"Removed {row['course']} ({row['completed_on']}).")
    return redirect(url_for("staff.volunteer", user_id=user_id), 303)


# ---------------------------------------------------------------- hours


def _filters(day):
    """The hours page's filters from the URL: one session, or a volunteer and/or days."""
    args = {k: request.args.get(k, "") for k in FILTERS}
    default_first = (day - timedelta(days=SHOWN_DAYS - 1)).isoformat()
    first, last, errors = help_desk.report_period(args["first"] or default_first,
                                                  args["last"] or day.isoformat(), day)
    session = None
    if args["session"]:
        session = or_404(tea_parties.get_session(get_db(), parse_id(args["session"])))
    user_id = parse_id(args["volunteer"])
    if args["volunteer"] and volunteers.get_volunteer(get_db(), user_id) is None:
        errors["filter_volunteer"], user_id = PICK_FILTER, None
    return args, first, last, session, user_id, errors


def _hours_page(add_form=None, errors=None, status=200):
    db = get_db()
    day = _today()
    args, first, last, session, user_id, filter_errors = _filters(day)
    if session:
        rows = volunteers.shifts(db, session_id=session["id"])
        choices, available = [session], None
    else:
        rows = volunteers.shifts(db, user_id=user_id, first_day=first, last_day=last)
        choices = [s for s in tea_parties.sessions_between(db, first, min(last, day))
                   if not s["cancelled_at"]]
        available = None if user_id else tea_parties.support_hours_available(db, first, last)
    if add_form is None:
        add_form = {"volunteer": args["volunteer"], "session": args["session"], "reason": "",
                    "signed_in_at": local_time(session["starts_at"]) if session else "",
                    "signed_out_at": local_time(session["ends_at"]) if session else ""}
    return render_template(
        "staff/volunteers/hours.html", rows=rows, args=args, first=first, last=last,
        session=session, errors=dict(filter_errors, **(errors or {})), add_form=add_form,
        hours=sum(r["hours"] or 0 for r in rows), available=available, choices=choices,
        people=volunteers.volunteers(db, day),
        filters={k: v for k, v in args.items() if v}), status


@bp.get("/hours")
def hours():
    return _hours_page()


@bp.post("/hours/add")
def add_shift():
    form = {f: request.form.get(f, "") for f in ADD_FIELDS}
    try:
        volunteers.add_missed_shift(get_db(), current_user.actor, form["volunteer"],
                                    form["session"], form["signed_in_at"],
                                    form["signed_out_at"], form["reason"])
    except InvalidInput as e:
        return _hours_page(form, e.errors, 422)
    flash(f"Added the missed sign-in: {form['signed_in_at']} to {form['signed_out_at']}.")
    return redirect(url_for("staff.hours", session=form["session"]), 303)


def _shift_form(shift) -> dict:
    return {"signed_in_at": local_time(shift["signed_in_at"]),
            "signed_out_at": local_time(shift["signed_out_at"]), "reason": ""}


@bp.route("/shifts/<int:shift_id>/correct", methods=["GET", "POST"])
def correct_shift(shift_id):
    """One shift with its correction form and its history (each correction's reason)."""
    db = get_db()
    shift = or_404(volunteers.get_shift(db, shift_id))
    form, errors = _shift_form(shift), {}
    if request.method == "POST":
        form = {f: request.form.get(f, "") for f in SHIFT_FIELDS}
        try:
            shift = volunteers.correct_shift(db, current_user.actor, shift_id,
                                             form["signed_in_at"], form["signed_out_at"],
                                             form["reason"])
        except InvalidInput as e:
            errors = e.errors
        else:
            flash(f"Corrected {shift['display_name']}'s hours at {shift['title']}: "
                  f"{local_time(shift['signed_in_at'])} to {local_time(shift['signed_out_at'])}.")
            return redirect(url_for("staff.hours", session=shift["session_id"]), 303)
    return render_template("staff/volunteers/correct.html", shift=shift, form=form,
                           errors=errors, history=history(db, "volunteer_shifts", shift_id),
                           duration=volunteers.duration_words), 422 if errors else 200
