"""Partner organisations' screens at /partner/: someone at a partner (a support worker, a GP
practice, a housing officer) refers a person for a device loan and follows the referrals
their own organisation made. They see nothing else: no learners, no devices, no other
organisation's referrals."""

from flask import Blueprint, abort
from flask_login import current_user

from auth import require_role
from db import first, get_db

bp = Blueprint("partner", __name__, url_prefix="/partner")
_signed_in_partner = require_role("partner")


@bp.before_request
def guard():
    """A partner sign-in, whose organisation is still an active partner."""
    refused = _signed_in_partner()
    if refused is not None:
        return refused
    if not first(get_db()["partners"].rows_where("id = ? and active = 1",
                                                 [current_user.partner_id])):
        abort(403)
    return None


from partner import views  # noqa: E402,F401  (routes register on bp)
