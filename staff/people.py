"""Staff add volunteers and staff, and unlock an account after too many wrong tries."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import auth
from audit import record, stamp, utcnow
from db import first, get_db, write_transaction
from staff import bp
from validation import InvalidInput


def _page(form, errors, status=200):
    now = stamp(utcnow())
    people = [dict(p, locked=bool(p["locked_until"] and p["locked_until"] > now))
              for p in get_db()["users"].rows_where(order_by="role, username")]
    return render_template("staff/people.html", people=people, form=form, errors=errors,
                           roles=auth.ROLES), status


@bp.get("/people")
def people():
    return _page({"username": "", "role": "volunteer"}, {})


@bp.post("/people")
def add_person():
    form = {"username": request.form.get("username", "").strip(),
            "role": request.form.get("role", "")}
    try:
        auth.create_user(get_db(), form["username"], form["username"], form["role"],
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
