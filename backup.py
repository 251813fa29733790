"""`flask backup` and `flask restore` (issue 7): placeholder wired in app.py."""


def init_app(app) -> None:
    """Register the backup and restore commands."""
