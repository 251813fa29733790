"""The resident's kiosk: choose a topic, give a name (or not), get a numbered ticket.

Public but device-gated: only a browser registered by staff shows these screens. Nothing
about the last person stays on screen or in the session once the kiosk resets.
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
from auth import kiosk_required
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
    if not isinstance(seen, int) or now - seen > current_app.config["KIOSK_IDLE_SECONDS"]:
        session.clear()
    session["kiosk_seen"] = now


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
                               errors=e.errors), 422
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
    return render_template("kiosk/returned.html", asset_tag=device["asset_tag"],
                           kind_label=device["kind_label"])


from kiosk import whats_on  # noqa: E402,F401  (routes register on bp)
