"""What anyone sees when they scan a QR code with their own phone: a device label (whose
device, how to give it back), a learner card, or a venue's what's-on list. Nothing
personal; signed-in staff and volunteers go straight to the record."""

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

import learners
import lending
import tea_parties
from db import get_db
from giveaways import interest, refurb

bp = Blueprint("public", __name__)


def public_url(endpoint: str, **values) -> str:
    """The full address of a public page, for a QR: on PUBLIC_BASE_URL when it is set."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


@bp.get("/d/<asset_tag>")
def device(asset_tag):
    device = lending.device_by_tag(get_db(), asset_tag)
    if device is None:
        return refurb_device(asset_tag)
    if current_user.is_authenticated and current_user.role == "staff":
        return redirect(url_for("staff.device", device_id=device["id"]), 303)
    response = render_template("public/device.html", asset_tag=device["asset_tag"],
                               kind_label=device["kind_label"])
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def refurb_device(asset_tag):
    """A donated device's label, before it joins the lending library (or after it was sold
    or given): who refurbished it, nothing about who has it."""
    device = refurb.device_by_tag(get_db(), asset_tag)
    if device is None:
        abort(404)
    if current_user.is_authenticated and current_user.role == "staff":
        return redirect(url_for("staff.refurb_device", refurb_id=device["id"]), 303)
    response = render_template("public/refurb_device.html", asset_tag=device["asset_tag"],
                               kind_label=device["kind_label"])
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


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


@bp.get("/i/<reference>")
def interest_reference(reference):
    """The QR code on the kiosk's "I'll come back" screen. Anyone who scans it learns only
    to show it at the library desk (whether such a registration exists is not said);
    signed-in staff go straight to the registration."""
    code = interest.normal_reference(reference)
    if not code:
        abort(404)
    if code != reference:  # typed by hand ("ptx6e6"): the address as the QR code has it
        return redirect(url_for("public.interest_reference", reference=code), 303)
    if current_user.is_authenticated and current_user.role == "staff":
        found = interest.by_reference(get_db(), code)
        if found is None:
            abort(404)
        return redirect(url_for("staff.interest_show", interest_id=found["id"]), 303)
    response = render_template("public/interest.html", reference=code)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
