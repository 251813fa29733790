"""Every HX- header lives here: whether a request wants a fragment, and client redirects."""

from flask import make_response, redirect, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_partial() -> bool:
    """A fragment is wanted for htmx swaps, but not for boosted links or history restores,
    which need the whole page."""
    return (is_htmx() and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page: str, partial: str, status: int = 200, **context):
    """One URL, two answers: the full page normally, the fragment when htmx asks for it."""
    response = make_response(render_template(partial if is_partial() else page, **context), status)
    response.vary.add("HX-Request")
    return response


def client_redirect(url: str):
    """Go to `url`: htmx follows HX-Redirect with a full page load, a browser a 303."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
