"""Staff > Your sign-in security: a second factor (TOTP) for the signed-in staff member, and the
council's choice to require one for all staff (issue 7). The rules live in two_factor.py."""

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

import two_factor
from auth import no_store, setup_context
from db import get_db
from staff import bp
from validation import InvalidInput


def _me() -> dict:
    return get_db()["users"].get(current_user.user_id)


def _page(errors=None, form=None, status=200):
    db = get_db()
    me = _me()
    required = two_factor.required(db)
    return render_template(
        "staff/security/index.html", me=me, on=two_factor.enabled(me), required=required,
        codes_left=two_factor.recovery_codes_left(me, two_factor.cipher(current_app)),
        form=form or {"required": "1" if required else "0", "code": ""},
        errors=errors or {}), status


def _codes_page(codes, first_time: bool):
    return no_store(make_response(render_template("staff/security/recovery_codes.html",
                                                  codes=codes, first_time=first_time)))


@bp.get("/security")
def security():
    return _page()


@bp.route("/security/set-up", methods=["GET", "POST"])
def security_setup():
    """Scan the QR code (or type the key), then prove it works with a code before it is on."""
    db = get_db()
    me = _me()
    box = two_factor.cipher(current_app)
    if two_factor.enabled(me):
        flash("Your second factor is already switched on.")
        return redirect(url_for("staff.security"), 303)
    errors = {}
    if request.method == "POST":
        try:
            codes = two_factor.confirm_setup(db, me["id"], request.form.get("code"), box,
                                             current_user.actor)
        except InvalidInput as e:
            errors = e.errors
        else:
            return _codes_page(codes, first_time=True)
    secret = two_factor.begin_setup(db, me["id"], box)
    return no_store(make_response(render_template(
        "staff/security/set_up.html", errors=errors, required=two_factor.required(db),
        **setup_context(secret, me["username"])), 422 if errors else 200))


@bp.post("/security/recovery-codes")
def security_recovery_codes():
    try:
        codes = two_factor.replace_recovery_codes(get_db(), current_user.user_id,
                                                  request.form.get("code"),
                                                  two_factor.cipher(current_app),
                                                  current_user.actor)
    except InvalidInput as e:
        return _page(e.errors, status=422)
    return _codes_page(codes, first_time=False)


@bp.post("/security/new-phone")
def security_new_phone():
    try:
        two_factor.start_again(get_db(), current_user.user_id, request.form.get("code"),
                               two_factor.cipher(current_app), current_user.actor)
    except InvalidInput as e:
        return _page(e.errors, status=422)
    flash("Your old phone's codes and your recovery codes no longer work. "
          "Now set up your new phone.")
    return redirect(url_for("staff.security_setup"), 303)


@bp.post("/security/turn-off")
def security_turn_off():
    try:
        two_factor.turn_off(get_db(), current_user.user_id, request.form.get("code"),
                            two_factor.cipher(current_app), current_user.actor)
    except InvalidInput as e:
        return _page(e.errors, status=422)
    flash("Your second factor is off: you now sign in with your password alone.")
    return redirect(url_for("staff.security"), 303)


@bp.post("/security/requirement")
def security_requirement():
    """Staff are this service's administrators: any of them may make the second factor
    compulsory (audited as a council setting)."""
    form = {"required": request.form.get("required", ""), "code": ""}
    try:
        on = two_factor.set_required(get_db(), current_user.actor, form["required"])
    except InvalidInput as e:
        return _page(e.errors, form, 422)
    flash("Every member of staff now needs a second factor to sign in." if on
          else "A second factor is now each member of staff's own choice.")
    return redirect(url_for("staff.security"), 303)
