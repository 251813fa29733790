"""Library staff screens at /staff/: one guard for all of them, one module per resource."""

from flask import Blueprint

import desk
from auth import require_role
from db import or_404  # noqa: F401  (for the resource modules)

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_role("staff"))
desk.register(bp)  # scan, lend, check in: shared with volunteers' tablets

from staff import (  # noqa: E402,F401  (routes register on bp)
    devices,
    impact,
    imports,
    interest,
    kiosks,
    labels,
    learners,
    loans,
    partners,
    people,
    privacy,
    referrals,
    refurb,
    security,
    sessions,
    sims,
    tickets,
    venues,
    volunteers,
)
