"""Security headers on every response (issue 7): placeholder wired in app.py."""


def init_app(app) -> None:
    """Register the after-request hook that sets the headers."""
