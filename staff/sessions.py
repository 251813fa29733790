"""Sessions: plan a tea party or drop-in (once or repeating), the coming dates with the
volunteer hours they offer, and one date's page: change it, cancel it, who signed in."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import help_desk
import lending
import tea_parties
from audit import history
from db import get_db, parse_id
from formatting import local_time
from staff import bp, or_404
from validation import InvalidInput

SHOWN_DAYS = 28  # the list's default: the next four weeks
SERIES_FIELDS = ("title", "kind", "venue", "partner", "repeat", "first_day", "last_day",
                 "starts", "ends", "volunteer_slots", "requires_dbs", "description")
EDIT_FIELDS = ("starts", "ends", "volunteer_slots", "requires_dbs")


def _venues(db):
    return list(db["venues"].rows_where("active = 1", order_by="name collate nocase"))


@bp.get("/sessions")
def sessions():
    """Dates from the chosen first day (today unless given) for four weeks, or to `last`."""
    db = get_db()
    form = {k: request.args.get(k, "") for k in ("venue", "first", "last")}
    first, last, errors = help_desk.report_period(form["first"], form["last"], lending.today())
    if not form["last"] and not errors:
        last = first + timedelta(days=SHOWN_DAYS - 1)
    venue_id = parse_id(form["venue"])
    venues = list(db["venues"].rows_where(order_by="name collate nocase"))
    if form["venue"] and not any(v["id"] == venue_id for v in venues):
        errors["venue"], venue_id = "Choose a venue from the list.", None
    rows = tea_parties.sessions_between(db, first, last, venue_id)
    return render_template("staff/sessions/list.html", rows=rows, form=form, errors=errors,
                           first=first, last=last, venues=venues,
                           hours=tea_parties.support_hours(rows))


def _series_page(form, errors, status=200):
    db = get_db()
    return render_template("staff/sessions/new.html", form=form, errors=errors,
                           venues=_venues(db), partners=lending.partners(db),
                           kinds=tea_parties.SESSION_KINDS, repeats=tea_parties.REPEATS,
                           max_slots=tea_parties.MAX_SLOTS), status


@bp.get("/sessions/new")
def new_sessions():
    return _series_page({"kind": "tea_party", "venue": request.args.get("venue", ""),
                         "repeat": "none", "first_day": lending.today().isoformat(),
                         "starts": "14:00", "ends": "16:00", "volunteer_slots": "2"}, {})


@bp.post("/sessions/new")
def plan_sessions():
    db = get_db()
    form = {k: request.form.get(k, "") for k in SERIES_FIELDS}
    try:
        series_id = tea_parties.create_series(db, current_user.actor, form)
    except InvalidInput as e:
        return _series_page(form, e.errors, 422)
    series = db["session_series"].get(series_id)
    count = db["sessions"].count_where("series_id = ?", [series_id])
    flash(f"Planned {series['title']}: {count} date{'' if count == 1 else 's'} from "
          f"{series['first_day']}.")
    return redirect(url_for("staff.sessions", venue=series["venue_id"],
                            first=series["first_day"], last=series["last_day"]), 303)


def _edit_form(session) -> dict:
    return {"starts": local_time(session["starts_at"]), "ends": local_time(session["ends_at"]),
            "volunteer_slots": str(session["volunteer_slots"]),
            "requires_dbs": "yes" if session["requires_dbs"] else "", "reason": ""}


def _session_page(session_id, form=None, errors=None, status=200):
    db = get_db()
    session = or_404(tea_parties.get_session(db, session_id))
    return render_template(
        "staff/sessions/show.html", session=session, form=form or _edit_form(session),
        errors=errors or {}, shifts=tea_parties.session_shifts(db, session_id),
        history=history(db, "sessions", session_id), max_slots=tea_parties.MAX_SLOTS,
        repeat=tea_parties.repeat_label(session["series_first_day"], session["repeat"])), status


@bp.get("/sessions/<int:session_id>")
def session(session_id):
    return _session_page(session_id)


@bp.post("/sessions/<int:session_id>/edit")
def edit_session(session_id):
    form = {k: request.form.get(k, "") for k in EDIT_FIELDS}
    try:
        tea_parties.update_session(get_db(), current_user.actor, session_id, form)
    except InvalidInput as e:
        return _session_page(session_id, dict(form, reason=""), e.errors, 422)
    flash("Saved this date.")
    return redirect(url_for("staff.session", session_id=session_id), 303)


@bp.post("/sessions/<int:session_id>/cancel")
def cancel_session(session_id):
    reason = request.form.get("reason", "")
    try:
        tea_parties.cancel_session(get_db(), current_user.actor, session_id, reason)
    except InvalidInput as e:
        session = or_404(tea_parties.get_session(get_db(), session_id))
        return _session_page(session_id, dict(_edit_form(session), reason=reason), e.errors,
                             422)
    flash("Cancelled this date. What's on shows it as cancelled.")
    return redirect(url_for("staff.session", session_id=session_id), 303)
