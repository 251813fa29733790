"""The volunteer tablet: today's sessions here, signing in and out, and my own page."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

import lending
import tea_parties
import volunteers
from audit import utcnow
from db import get_db
from formatting import local_time
from i18n import N_, _
from validation import InvalidInput
from volunteer.views import bp

NOT_HERE = N_("That session is not at this venue today.")
NOT_YOUR_SHIFT = N_("That is not your sign-in. Each volunteer signs themselves out.")


def _session_page(errors=None, failed=None, status=200):
    """Today's sessions at this venue; a refused sign-in shows its message by its button
    (`failed` is that session's id)."""
    db = get_db()
    now = utcnow()
    volunteers.close_finished_shifts(db, now)
    rows = volunteers.sessions_today(db, current_user.venue_id, now)
    return render_template(
        "volunteer/session.html", sessions=rows, errors=errors or {}, failed=failed,
        listed=[s["id"] for s in rows], mine=volunteers.open_shift(db, current_user.user_id),
        dbs=volunteers.dbs_for(db, current_user.user_id, lending.today(now))), status


@bp.get("/session", endpoint="session")
def session_page():
    return _session_page()


@bp.post("/session/<int:session_id>/sign-in")
def sign_in(session_id):
    db = get_db()
    session = tea_parties.get_session(db, session_id)
    if session is None or session["venue_id"] != current_user.venue_id:
        flash(_(NOT_HERE))
        return redirect(url_for("volunteer.session"), 303)
    try:
        shift = volunteers.sign_in(db, current_user.actor, current_user.user_id, session_id)
    except InvalidInput as e:
        return _session_page(e.errors, session_id, 422)
    flash(_("You are signed in to %(session)s from %(time)s. Thank you for coming!",
            session=shift["title"], time=local_time(shift["signed_in_at"])))
    if shift["warning"]:
        flash(shift["warning"])
    return redirect(url_for("volunteer.session"), 303)


@bp.post("/shifts/<int:shift_id>/sign-out")
def sign_out(shift_id):
    db = get_db()
    shift = volunteers.get_shift(db, shift_id)
    if shift is None or shift["user_id"] != current_user.user_id:
        flash(_(NOT_YOUR_SHIFT))
        return redirect(url_for("volunteer.session"), 303)
    try:
        shift = volunteers.sign_out(db, current_user.actor, shift_id)
    except InvalidInput as e:
        flash(" ".join(e.errors.values()))
    else:
        flash(_("Signed out at %(time)s. You gave %(duration)s today. Thank you!",
                time=local_time(shift["signed_out_at"]),
                duration=volunteers.duration_words(shift["hours"])))
    return redirect(url_for("volunteer.session"), 303)


@bp.get("/me")
def me():
    """My hours this year, sessions, people and learners helped, DBS and training."""
    db = get_db()
    now = utcnow()
    volunteers.close_finished_shifts(db, now)
    day = lending.today(now)
    return render_template(
        "volunteer/me.html", summary=volunteers.volunteer_summary(db, current_user.user_id, day),
        dbs=volunteers.dbs_for(db, current_user.user_id, day),
        training=volunteers.training(db, current_user.user_id, day),
        duration=volunteers.duration_words, day_words=volunteers.day_words)
