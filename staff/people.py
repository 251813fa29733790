"""Staff add volunteers and staff, unlock an account after too many wrong tries, and reset
a colleague's second factor when they lose their phone."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import auth
import two_factor
from audit import record, stamp, utcnow
from db import first, get_db, write_transaction
from staff import bp
from validation import InvalidInput, visible

PEOPLE_ROLES = ("staff", "volunteer")  # partner sign-ins are added on the partner's own page


def _page(form, errors, status=200, reasons=None):
    db = get_db()
    now = stamp(utcnow())
    box = two_factor.cipher(current_app)
    people = [dict(p, locked=bool(p["locked_until"] and p["locked_until"] > now),
                   second_factor=two_factor.enabled(p),
                   codes_left=two_factor.recovery_codes_left(p, box))
              for p in db.query("""select u.*, p.name as partner_name from users u
                                   left join partners p on p.id = u.partner_id
                                   order by u.role, u.username""")]
    return render_template("staff/people.html", people=people, form=form, errors=errors,
                           roles=PEOPLE_ROLES, reasons=reasons or {},
                           second_factor_required=two_factor.required(db)), status


@bp.get("/people")
def people():
    return _page({"username": "", "role": "volunteer"}, {})


@bp.post("/people")
def add_person():
    form = {"username": " ".join(visible(request.form.get("username")).split()),
            "role": request.form.get("role", "")}
    # A partner's sign-in is refused here like any unknown role (with every other problem
    # at once): it is added on the partner's own page, tied to the organisation.
    role = form["role"] if form["role"] in PEOPLE_ROLES else ""
    try:
        auth.create_user(get_db(), form["username"], form["username"], role,
                         request.form.get("secret", ""), current_user.actor)
    except InvalidInput as e:
        return _page(form, e.errors, 422)
    flash(f"Added {form['username']}. Tell them their sign-in in person, not by email.")
    return redirect(url_for("staff.people"), 303)


@bp.post("/people/<int:user_id>/unlock")
def unlock_person(user_id):
    db = get_db()
    with write_transaction(db):
        user = first(db["users"].rows_where("id = ?", [user_id]))
        if user:
            db["users"].update(user_id, {"failed_logins": 0, "locked_until": None})
            record(db, current_user.actor, "user.unlock", "users", user_id)
    if user:
        flash(f"{user['display_name']} can sign in again.")
    else:
        flash("That person is not on the list any more.")
    return redirect(url_for("staff.people"), 303)


@bp.post("/people/<int:user_id>/reset-second-factor")
def reset_second_factor(user_id):
    """A colleague lost their phone: clear their second factor, with a reason for the log."""
    reason = request.form.get("reason", "")
    try:
        person = two_factor.reset(get_db(), user_id, reason, current_user.actor)
    except InvalidInput as e:
        return _page({"username": "", "role": "volunteer"}, e.errors, 422,
                     reasons={user_id: reason[:two_factor.REASON_MAX * 2]})
    flash(f"{person['display_name']}'s second factor is reset. They set it up again from "
          "“Your sign-in security”, or at their next sign-in if the council requires one.")
    return redirect(url_for("staff.people"), 303)
