"""The volunteer tablet: the live queue at this venue, taking a ticket, logging the help."""

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

import desk
import help_desk
import learners
from audit import utcnow
from auth import require_role
from db import get_db
from htmx import render
from i18n import N_, _

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")
bp.before_request(require_role("volunteer"))
desk.register(bp)  # lend and take back devices at a tea party, as staff do at the desk

MINUTE_CHOICES = (5, 10, 15, 20, 30, 45)
NOT_IN_QUEUE = N_("That ticket is not in this venue's queue any more.")
NOT_YOURS = N_("That ticket is not one you are helping with right now.")


@bp.context_processor
def _venue():
    """Every tablet screen names the volunteer and the venue they signed in at."""
    if not getattr(current_user, "venue_id", None):
        return {"venue_name": None}
    return {"venue_name": get_db()["venues"].get(current_user.venue_id)["name"]}


@bp.get("/")
def index():
    """The queue; htmx polls this same URL for the fragment, so it is never more than a few
    seconds behind."""
    queue = help_desk.queue(get_db(), current_user.venue_id)
    my_tickets = [t for t in queue["in_progress"] if t["volunteer_id"] == current_user.user_id]
    return render("volunteer/queue.html", "volunteer/_queue.html", queue=queue,
                  my_tickets=my_tickets)


def _venue_ticket(ticket_id):
    """The ticket, if it is at this venue; None otherwise (unknown ids are not errors)."""
    ticket = help_desk.get_ticket(get_db(), ticket_id)
    if ticket is None or ticket["venue_id"] != current_user.venue_id:
        return None
    return ticket


@bp.post("/tickets/<int:ticket_id>/take")
def take(ticket_id):
    if _venue_ticket(ticket_id) is None:
        flash(_(NOT_IN_QUEUE))
        return redirect(url_for("volunteer.index"), 303)
    try:
        help_desk.take_ticket(get_db(), ticket_id, current_user.actor)
    except help_desk.Conflict as e:
        ticket = _venue_ticket(ticket_id)
        if ticket["status"] == "in_progress" and ticket["volunteer_id"] == current_user.user_id:
            # A double tap: the first tap took it for this volunteer.
            return redirect(url_for("volunteer.log_help", ticket_id=ticket_id), 303)
        flash(_("Someone else got there first. %(reason)s", reason=str(e)))
        return redirect(url_for("volunteer.index"), 303)
    return redirect(url_for("volunteer.log_help", ticket_id=ticket_id), 303)


@bp.post("/tickets/<int:ticket_id>/left")
def left(ticket_id):
    if _venue_ticket(ticket_id) is None:
        flash(_(NOT_IN_QUEUE))
    else:
        try:
            ticket = help_desk.mark_left(get_db(), ticket_id, current_user.actor)
            flash(_("Ticket %(number)s marked as left before being seen.", number=ticket["number"]))
        except help_desk.Conflict as e:
            flash(str(e))
    return redirect(url_for("volunteer.index"), 303)


@bp.post("/tickets/<int:ticket_id>/put-back")
def put_back(ticket_id):
    ticket = _venue_ticket(ticket_id)
    if ticket is None or ticket["volunteer_id"] != current_user.user_id:
        flash(_(NOT_YOURS))
    else:
        try:
            help_desk.put_back(get_db(), ticket_id, current_user.actor)
            flash(_("Ticket %(number)s is back in the queue.", number=ticket["number"]))
        except help_desk.Conflict as e:
            flash(str(e))
    return redirect(url_for("volunteer.index"), 303)


def my_ticket(ticket_id):
    """The ticket, if this volunteer is helping with it here right now; None otherwise."""
    ticket = _venue_ticket(ticket_id)
    if ticket is None or ticket["status"] != "in_progress" \
            or ticket["volunteer_id"] != current_user.user_id:
        return None
    return ticket


def finished_by_me(ticket_id):
    """The ticket, if this volunteer already finished it here; None otherwise. A help log
    sent again (the tablet lost the first answer to bad Wi-Fi, see static/js/offline.js) is
    answered as the first one was, and nothing is written twice."""
    ticket = _venue_ticket(ticket_id)
    if ticket is None or ticket["status"] != "done" \
            or ticket["volunteer_id"] != current_user.user_id:
        return None
    return ticket


def not_mine():
    flash(_(NOT_YOURS))
    return redirect(url_for("volunteer.index"), 303)


def _log_form(ticket, form, errors, status=200, scan=""):
    """The log-help page: with a learner linked, their skills to tag; without one, ways to
    link one (find by name, scan their card, or add them)."""
    db = get_db()
    learner = learners.get_learner(db, ticket["learner_id"]) if ticket["learner_id"] else None
    query = request.args.get("learner_q", ticket["name"] or "")
    return render_template(
        "volunteer/log_help.html", ticket=ticket, form=form, errors=errors,
        topics=help_desk.topics(db), outcomes=help_desk.OUTCOMES, minute_choices=MINUTE_CHOICES,
        same_again=help_desk.last_topics(db, current_user.user_id),
        requested_label=help_desk.topic_labels(db).get(ticket["requested_topic"], ""),
        learner=learner, levels=learners.LEVELS,
        areas=learners.skill_areas(db, learner["id"]) if learner else [],
        learner_q=query, scan_form={"scan": scan},
        matches=(learners.find_learners(db, query, current_user.venue_id)
                 if query and not learner else []),
    ), status


def _first_log_form(ticket) -> dict:
    if request.args.get("same_again"):
        chosen = help_desk.last_topics(get_db(), current_user.user_id)
    else:
        chosen = [ticket["requested_topic"]]
    minutes = max(1, round(_minutes_since(ticket["taken_at"])))
    return {"topics": chosen, "minutes": str(minutes), "outcome": "", "notes": "",
            "skills": {}}


@bp.route("/tickets/<int:ticket_id>", methods=["GET", "POST"])
def log_help(ticket_id):
    """Finish a ticket: topics, minutes, outcome, notes and, for a learner, the skills
    practised. All checked before anything is written; errors keep what was typed."""
    ticket = my_ticket(ticket_id)
    if ticket is None and request.method == "POST":
        ticket = finished_by_me(ticket_id)
    if ticket is None:
        return not_mine()
    if request.method == "GET":
        return _log_form(ticket, _first_log_form(ticket), {})
    form = {"topics": request.form.getlist("topics"),
            "minutes": request.form.get("minutes", ""),
            "outcome": request.form.get("outcome", ""), "notes": request.form.get("notes", ""),
            "skills": learners.levels_from_form(request.form)}
    try:
        if ticket["status"] == "in_progress":  # "done": logged already, by this volunteer
            learners.finish_help(get_db(), current_user.actor, ticket_id, form["topics"],
                                 form["minutes"], form["outcome"], form["notes"],
                                 form["skills"])
    except help_desk.InvalidInput as e:
        return _log_form(ticket, form, e.errors, 422)
    except help_desk.Conflict as e:
        if finished_by_me(ticket_id) is None:  # a double tap's second half is no conflict
            flash(str(e))
            return redirect(url_for("volunteer.index"), 303)
    flash(_("Thank you. Help for ticket %(number)s is logged.", number=ticket["number"]))
    if ticket["learner_id"]:
        return redirect(url_for("volunteer.learner", learner_id=ticket["learner_id"]), 303)
    return redirect(url_for("volunteer.index"), 303)


@bp.post("/tickets/<int:ticket_id>/learner")
def link_learner(ticket_id):
    """Say who this ticket is for: a learner found by name (`learner_id`) or by their card
    (`scan`)."""
    ticket = my_ticket(ticket_id)
    if ticket is None:
        return not_mine()
    db = get_db()
    scan = request.form.get("scan", "")
    try:
        learner_id = request.form.get("learner_id")
        if learner_id is None:
            learner_id = learners.resolve_card(db, scan)["id"]
        learners.link_ticket(db, current_user.actor, ticket_id, learner_id)
    except help_desk.InvalidInput as e:
        return _log_form(ticket, _first_log_form(ticket), e.errors, 422, scan=scan)
    flash(_("Ticket %(number)s is for %(name)s.", number=ticket["number"],
            name=learners.get_learner(db, learner_id)["first_name"]))
    return redirect(url_for("volunteer.log_help", ticket_id=ticket_id), 303)


def _minutes_since(stamp_text: str) -> float:
    return (utcnow() - datetime.fromisoformat(stamp_text)).total_seconds() / 60


@bp.route("/walk-in", methods=["GET", "POST"])
def walk_in():
    """Add someone who walked up to the table (no kiosk at a tea party)."""
    db = get_db()
    form = {"topic": request.form.get("topic", ""), "name": request.form.get("name", ""),
            "request_id": request.form.get("request_id") or help_desk.new_request_id()}
    errors = {}
    if request.method == "POST":
        try:
            ticket = help_desk.create_ticket(db, current_user.venue_id, form["topic"],
                                             form["name"], current_user.actor, source="walk_in",
                                             request_id=form["request_id"])
        except help_desk.InvalidInput as e:
            errors = e.errors
        else:
            if request.form.get("help_now"):
                if ticket["status"] == "waiting":  # not already taken by the first tap
                    help_desk.take_ticket(db, ticket["id"], current_user.actor)
                return redirect(url_for("volunteer.log_help", ticket_id=ticket["id"]), 303)
            flash(_("Added to the queue as number %(number)s.", number=ticket["number"]))
            return redirect(url_for("volunteer.index"), 303)
    return render_template("volunteer/walk_in.html", form=form, errors=errors,
                           topics=help_desk.topics(db)), (422 if errors else 200)


import volunteer.learners  # noqa: E402,F401  (routes register on bp)
import volunteer.shifts  # noqa: E402,F401
import volunteer.sims  # noqa: E402,F401
