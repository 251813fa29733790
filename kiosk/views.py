"""The resident's kiosk: choose a topic, give a name (or not), get a numbered ticket.

Public but device-gated: only a browser registered by staff shows these screens. Nothing
about the last person stays on screen or in the session once the kiosk resets: not their
language, not their bigger-text or high-contrast choice.
"""

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

import help_desk
import lending
from audit import Actor
from auth import kiosk_required, safe_next
from db import get_db
from htmx import render

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def _kiosk_actor() -> Actor:
    return Actor(None, f"kiosk: {g.kiosk['name']}")


@bp.before_request
def _forget_after_idle():
    """The kiosk's session (today only the form token) never outlives the idle reset, even
    if the screen's own timer never fired: untouched that long, it starts empty. Runs after
    the CSRF check, so a form typed slowly still goes through."""
    now = int(time.time())
    seen = session.get("kiosk_seen")
    stale = not isinstance(seen, int) or now - seen > current_app.config["KIOSK_IDLE_SECONDS"]
    if stale and not (seen is None and _only_a_language_choice()):
        session.clear()
    session["kiosk_seen"] = now


def _only_a_language_choice() -> bool:
    """A language tapped before any kiosk page was seen in this session: keep that choice
    (it was made a moment ago, on the way to this page), and nothing else."""
    return set(session) <= {"language", "csrf_token"}


VIEW_CHOICES = {"text": ("normal", "bigger"), "contrast": ("normal", "high")}


@bp.context_processor
def _kiosk_screen():
    """What every kiosk screen's header needs: the person's bigger-text and high-contrast
    choices (kept in the kiosk session, so reset and idle forget them) and this screen's own
    address, for the language links and switches to come back to."""
    view = {name: session.get(f"kiosk_{name}", choices[0])
            for name, choices in VIEW_CHOICES.items()}
    here = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return {"view": view, "here": here}


@bp.after_request
def _no_store(response):
    """A shared screen: the browser must not keep pages a later person could go back to."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@kiosk_required
def start():
    return render_template("kiosk/start.html", topics=help_desk.topics(get_db()))


@bp.get("/name")
@kiosk_required
def name():
    db = get_db()
    labels = help_desk.topic_labels(db)
    topic = request.args.get("topic", "")
    if topic not in labels:
        return redirect(url_for("kiosk.start"))
    return render_template("kiosk/name.html", topic=topic, topic_label=labels[topic],
                           form={"name": "", "request_id": help_desk.new_request_id()},
                           errors={})


@bp.post("/tickets")
@kiosk_required
def create_ticket():
    db = get_db()
    topic = request.form.get("topic", "")
    typed = "" if request.form.get("anonymous") else request.form.get("name", "")
    request_id = request.form.get("request_id", "")
    try:
        ticket = help_desk.create_ticket(db, g.kiosk["venue_id"], topic, typed, _kiosk_actor(),
                                         request_id=request_id)
    except help_desk.InvalidInput as e:
        labels = help_desk.topic_labels(db)
        if topic not in labels:
            return redirect(url_for("kiosk.start"))
        return render_template("kiosk/name.html", topic=topic, topic_label=labels[topic],
                               form={"name": typed, "request_id": request_id},
                               errors=e.errors, here=url_for("kiosk.name", topic=topic)), 422
    return redirect(url_for("kiosk.ticket", code=ticket["code"]), 303)


def _ticket_context(code: str) -> dict:
    db = get_db()
    ticket = help_desk.ticket_by_code(db, code)
    if ticket is None or ticket["venue_id"] != g.kiosk["venue_id"]:
        abort(404)
    context = {"ticket": ticket, "ahead": None, "wait": None, "volunteer": None}
    if ticket["status"] == "waiting":
        context["ahead"] = help_desk.people_ahead(db, ticket)
        context["wait"] = help_desk.estimated_wait_minutes(db, ticket)
    elif ticket["volunteer_id"]:
        context["volunteer"] = db["users"].get(ticket["volunteer_id"])["display_name"]
    return context


@bp.get("/tickets/<code>")
@kiosk_required
def ticket(code):
    return render("kiosk/ticket.html", "kiosk/_ticket_status.html", **_ticket_context(code))


@bp.get("/display")
@kiosk_required
def display():
    db = get_db()
    venue_id = g.kiosk["venue_id"]
    return render("kiosk/display.html", "kiosk/_display.html",
                  called=help_desk.called_now(db, venue_id),
                  waiting=len(help_desk.queue(db, venue_id)["waiting"]))


@bp.get("/view")
@kiosk_required
def view():
    """The "Bigger text" and "High contrast" switches: a plain GET form without script
    (back to the same screen), or a quiet request from kiosk.js, which has already changed
    the screen in place (nothing typed is lost). Each sets a value, so a repeat is harmless."""
    for name, choices in VIEW_CHOICES.items():
        if request.args.get(name) in choices:
            session[f"kiosk_{name}"] = request.args[name]
    if request.headers.get("X-Doorstep-Kiosk") == "quiet":
        return "", 204
    return redirect(safe_next(request.args.get("next"), url_for("kiosk.start")), 303)


@bp.get("/still-here")
@kiosk_required
def still_here():
    """kiosk.js says someone is still using the screen: the before-request hook has just
    kept the session from its idle reset, so there is nothing more to do."""
    return "", 204


@bp.get("/reset")
@kiosk_required
def reset():
    """Idle timeout and “start again” land here: forget everything about the last person."""
    session.clear()
    return redirect(url_for("kiosk.start"))


@bp.get("/return")
@kiosk_required
def return_device():
    return render_template("kiosk/return.html", form={"scan": ""}, errors={})


@bp.post("/return")
@kiosk_required
def returned():
    """Self-return: the loan waits as "returned, awaiting check" until staff check it.
    The thank-you page names the device only, never the borrower."""
    db = get_db()
    text = request.form.get("scan", "")
    try:
        device = lending.resolve_scan(db, text)
        lending.self_return(db, _kiosk_actor(), device["id"], g.kiosk["venue_id"])
    except help_desk.InvalidInput as e:
        return render_template("kiosk/return.html", form={"scan": text},
                               errors=e.errors), 422
    session["kiosk_returned"] = {"asset_tag": device["asset_tag"],
                                 "kind_label": device["kind_label"]}
    return render_template("kiosk/returned.html", here=url_for("kiosk.thank_you"),
                           **session["kiosk_returned"])


@bp.get("/returned")
@kiosk_required
def thank_you():
    """The thank-you screen again, after a language or text-size change on it: the device
    comes from the kiosk session (wiped by reset and idle), never from the address."""
    returned = session.get("kiosk_returned")
    if not isinstance(returned, dict):
        return redirect(url_for("kiosk.start"))
    return render_template("kiosk/returned.html", asset_tag=returned.get("asset_tag"),
                           kind_label=returned.get("kind_label"))


from kiosk import check, whats_on  # noqa: E402,F401  (routes register on bp)
