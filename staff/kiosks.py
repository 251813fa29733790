"""Registering a browser as a kiosk: staff do it once on the kiosk itself."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

import auth
from audit import record, stamp, utcnow
from db import first, get_db, parse_id, write_transaction
from staff import bp
from validation import visible

FIVE_YEARS = 60 * 60 * 24 * 365 * 5


def _page(form, errors, status=200):
    db = get_db()
    kiosks = list(db.query(
        """select k.*, v.name as venue_name from kiosks k join venues v on v.id = k.venue_id
           order by k.revoked_at is not null, k.registered_at desc"""))
    return render_template("staff/kiosks.html", kiosks=kiosks, form=form, errors=errors,
                           venues=list(db["venues"].rows_where("active = 1", order_by="name")),
                           this_kiosk=auth.kiosk_for_token(db, request.cookies.get(
                               auth.KIOSK_COOKIE))), status


@bp.get("/kiosks")
def kiosks():
    return _page({"name": "", "venue": ""}, {})


@bp.post("/kiosks")
def register_kiosk():
    """Register this browser, then sign staff out so the screen is left as a kiosk only."""
    db = get_db()
    form = {"name": " ".join(visible(request.form.get("name")).split()),
            "venue": request.form.get("venue", "")}
    errors = {}
    if not form["name"] or len(form["name"]) > 60:
        errors["name"] = "Give the kiosk a name of up to 60 characters, e.g. “Wigan front desk”."
    venue_id = parse_id(form["venue"])
    if venue_id is None or not db["venues"].count_where("id = ? and active = 1", [venue_id]):
        errors["venue"] = "Choose the venue this kiosk stands in."
    if errors:
        return _page(form, errors, 422)
    token = auth.register_kiosk(db, form["name"], venue_id, current_user.actor)
    auth.end_session(db, current_user.token)
    logout_user()
    response = redirect(url_for("kiosk.start"), 303)
    response.set_cookie(auth.KIOSK_COOKIE, token, max_age=FIVE_YEARS, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


@bp.post("/kiosks/<int:kiosk_id>/revoke")
def revoke_kiosk(kiosk_id):
    db = get_db()
    with write_transaction(db):
        kiosk = first(db["kiosks"].rows_where("id = ? and revoked_at is null", [kiosk_id]))
        if kiosk:
            db["kiosks"].update(kiosk_id, {"revoked_at": stamp(utcnow())})
            record(db, current_user.actor, "kiosk.revoke", "kiosks", kiosk_id,
                   before={"name": kiosk["name"]})
    if kiosk:
        flash(f"Kiosk “{kiosk['name']}” can no longer show kiosk screens.")
    else:
        flash("That kiosk is not registered, or was revoked already.")
    return redirect(url_for("staff.kiosks"), 303)
