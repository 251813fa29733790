"""Library staff screens at /staff/: one guard for all of them, one module per resource."""

from flask import Blueprint, abort

from auth import require_role

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.before_request(require_role("staff"))


def or_404(row: dict | None) -> dict:
    """The row a URL names, or the not-found page when there is no such row."""
    if row is None:
        abort(404)
    return row

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
