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
