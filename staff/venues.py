"""Venues where sessions happen: libraries, community centres, pubs, sheltered housing,
with the address and accessibility notes that residents see on what's on."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import tea_parties
from audit import history
from db import get_db
from staff import bp, or_404
from validation import InvalidInput

VENUE_FIELDS = ("name", "kind", "address", "postcode", "accessibility")


def _venue_form() -> dict:
    return {k: request.form.get(k, "") for k in (*VENUE_FIELDS, "active")}


def _list_page(form, errors, status=200):
    return render_template("staff/venues/list.html", venues=tea_parties.venues(get_db()),
                           form=form, errors=errors, kinds=tea_parties.VENUE_KINDS), status


@bp.get("/venues")
def venues():
    return _list_page({"kind": "library"}, {})


@bp.post("/venues")
def add_venue():
    form = _venue_form()
    try:
        venue_id = tea_parties.add_venue(get_db(), current_user.actor, form)
    except InvalidInput as e:
        return _list_page(form, e.errors, 422)
    flash(f"Added {tea_parties.get_venue(get_db(), venue_id)['name']}.")
    return redirect(url_for("staff.venue", venue_id=venue_id), 303)


@bp.route("/venues/<int:venue_id>", methods=("GET", "POST"))
def venue(venue_id):
    venue = or_404(tea_parties.get_venue(get_db(), venue_id))
    form = {k: venue[k] or "" for k in VENUE_FIELDS} | {"active": "yes" if venue["active"] else ""}
    errors, status = {}, 200
    if request.method == "POST":
        form = _venue_form()
        try:
            tea_parties.update_venue(get_db(), current_user.actor, venue_id, form)
        except InvalidInput as e:
            errors, status = e.errors, 422
        else:
            flash(f"Saved {tea_parties.get_venue(get_db(), venue_id)['name']}.")
            return redirect(url_for("staff.venue", venue_id=venue_id), 303)
    return render_template("staff/venues/edit.html", venue=venue, form=form, errors=errors,
                           kinds=tea_parties.VENUE_KINDS,
                           history=history(get_db(), "venues", venue_id)), status
