"""Retention periods and `flask retention` (issue 7): placeholder wired in app.py."""


def init_app(app) -> None:
    """Register the retention command."""
