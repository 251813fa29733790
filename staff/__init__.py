"""Library staff screens at /staff/: one guard for all of them, one module per resource."""

from flask import Blueprint

from auth import require_role

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_role("staff"))

from staff import (  # noqa: E402,F401  (routes register on bp)
    devices,
    imports,
    kiosks,
    labels,
    loans,
    partners,
    people,
    tickets,
)
