"""What anyone sees when they scan a label with their own phone: whose device it is and
how to give it back. Signed-in staff go straight to the device's record."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

import lending
from db import get_db

bp = Blueprint("public", __name__)


@bp.get("/d/<asset_tag>")
def device(asset_tag):
    device = lending.device_by_tag(get_db(), asset_tag)
    if device is None:
        abort(404)
    if current_user.is_authenticated and current_user.role == "staff":
        return redirect(url_for("staff.device", device_id=device["id"]), 303)
    response = render_template("public/device.html", asset_tag=device["asset_tag"],
                               kind_label=device["kind_label"])
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


import learners  # noqa: E402  (learner cards, added below the shared routes)


@bp.get("/l/<card_code>")
def learner_card(card_code):
    """A learner card scanned by anyone says only whose service it belongs to; a signed-in
    volunteer or member of staff goes straight to the learner's progress."""
    learner = learners.learner_by_card(get_db(), card_code)
    if learner is None:
        abort(404)
    if current_user.is_authenticated and current_user.role in ("staff", "volunteer"):
        return redirect(url_for(f"{current_user.role}.learner", learner_id=learner["id"]), 303)
    response = render_template("public/learner_card.html")
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


import tea_parties  # noqa: E402  (what's on, added below the shared routes)


@bp.get("/whats-on/<int:venue_id>")
def whats_on(venue_id):
    """The kiosk's what's-on list on a phone, opened from its QR code: sessions and venues
    only, nothing about any person. A closed venue has no page."""
    db = get_db()
    venue = tea_parties.get_venue(db, venue_id)
    if venue is None or not venue["active"]:
        abort(404)
    return render_template("public/whats_on.html", venue=venue,
                           groups=tea_parties.upcoming(db, venue["id"]),
                           days=tea_parties.WHATS_ON_DAYS)
