"""Learners on a tablet: find them by name or card, add a walk-in learner, see their
progress, help them now, record a skills check, print their card and what they can do."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import help_desk
import learners
import lending
from db import get_db, or_404
from htmx import render
from i18n import _, ngettext
from staff.labels import learner_card_response
from validation import InvalidInput
from volunteer.views import bp, my_ticket

LEARNER_FIELDS = ("first_name", "birth_band", "postcode", "consent_keep", "consent_contact",
                  "contact_kind", "contact", "notes")


def _learner(learner_id):
    return or_404(learners.get_learner(get_db(), learner_id))


def _go_to(learner_id):
    return redirect(url_for("volunteer.learner", learner_id=learner_id), 303)


# ---------------------------------------------------------------- find


def _search_page(scan="", errors=None, status=200):
    form = {"q": request.args.get("q", ""), "everywhere": bool(request.args.get("everywhere"))}
    results = learners.find_learners(get_db(), form["q"], current_user.venue_id,
                                     form["everywhere"])
    return render("volunteer/learners/search.html", "volunteer/learners/_results.html",
                  status, form=form, results=results, scan_form={"scan": scan},
                  errors=errors or {})


@bp.get("/learners", endpoint="learners")
def search():
    """Find a returning learner: scan their card, or search by first name (live with htmx,
    a plain form without it)."""
    return _search_page()


@bp.post("/learners/scan")
def scan_learner_card():
    scan = request.form.get("scan", "")
    try:
        learner = learners.resolve_card(get_db(), scan)
    except InvalidInput as e:
        return _search_page(scan, e.errors, 422)
    return _go_to(learner["id"])


# ---------------------------------------------------------------- add


@bp.route("/learners/new", methods=["GET", "POST"])
def new_learner():
    """Add a learner who agrees to us keeping a record. Opened from log help (`ticket`),
    the learner is linked to that ticket and the volunteer goes back to it."""
    source = request.form if request.method == "POST" else request.args
    form = {k: source.get(k, "") for k in LEARNER_FIELDS}
    form["contact_kind"] = form["contact_kind"] or "mobile"
    form["request_id"] = source.get("request_id") or help_desk.new_request_id()
    form["ticket"] = source.get("ticket", "")
    ticket = my_ticket(form["ticket"]) if form["ticket"] else None
    errors = {}
    if request.method == "POST":
        try:
            learner_id = learners.add_learner(
                get_db(), current_user.actor, form, current_user.venue_id,
                request_id=form["request_id"], ticket_id=ticket["id"] if ticket else None)
        except InvalidInput as e:
            errors = e.errors
        else:
            return _added(learner_id, ticket)
    return render_template("volunteer/learners/new.html", form=form, errors=errors,
                           ticket=ticket, **_choices()), (422 if errors else 200)


def _added(learner_id, ticket):
    name = learners.get_learner(get_db(), learner_id)["first_name"]
    if ticket:
        flash(_("Added %(name)s. Ticket %(number)s is for them.", name=name,
                number=ticket["number"]))
        return redirect(url_for("volunteer.log_help", ticket_id=ticket["id"]), 303)
    flash(_("Added %(name)s. Print their learner card so they are quick to find next time.",
            name=name))
    return _go_to(learner_id)


def _choices():
    return {"birth_bands": learners.BIRTH_BANDS, "contact_kinds": {
        k: v for k, v in lending.CONTACT_KINDS.items() if k != "none"},
        "consent_keep": learners.CONSENT_KEEP, "consent_contact": learners.CONSENT_CONTACT}


# ---------------------------------------------------------------- one learner


def _learner_page(learner, errors=None, help_form=None, referral_form=None, status=200):
    db = get_db()
    help_form = help_form or {"topic": learners.last_topic(db, learner["id"]) or "",
                              "request_id": help_desk.new_request_id()}
    return render_template(
        "volunteer/learners/show.html", learner=learner,
        progress=learners.progress(db, learner["id"], lending.today()),
        referrals=learners.referrals(db, learner["id"]), topics=help_desk.topics(db),
        partners=lending.partners(db), help_form=help_form,
        referral_form=referral_form or {"kind": "", "detail": "", "partner_id": ""},
        errors=errors or {}, **_labels()), status


def _labels():
    return {"levels": learners.LEVELS, "referral_kinds": learners.REFERRAL_KINDS,
            "referral_statuses": learners.REFERRAL_STATUSES}


@bp.get("/learners/<int:learner_id>")
def learner(learner_id):
    return _learner_page(_learner(learner_id))


@bp.post("/learners/<int:learner_id>/help")
def help_learner(learner_id):
    """"Help them now": a walk-in ticket for this learner, taken by this volunteer, and
    straight on to logging the help."""
    learner = _learner(learner_id)
    form = {"topic": request.form.get("topic", ""),
            "request_id": request.form.get("request_id") or help_desk.new_request_id()}
    try:
        ticket = learners.start_help(get_db(), current_user.actor, learner_id,
                                     current_user.venue_id, form["topic"], form["request_id"])
    except InvalidInput as e:
        return _learner_page(learner, e.errors, help_form=form, status=422)
    except help_desk.Conflict as e:
        flash(str(e))
        return redirect(url_for("volunteer.index"), 303)
    return redirect(url_for("volunteer.log_help", ticket_id=ticket["id"]), 303)


@bp.post("/learners/<int:learner_id>/referrals")
def add_referral(learner_id):
    learner = _learner(learner_id)
    form = {k: request.form.get(k, "") for k in ("kind", "detail", "partner_id")}
    try:
        learners.add_referral(get_db(), current_user.actor, learner_id, form)
    except InvalidInput as e:
        return _learner_page(learner, e.errors, referral_form=form, status=422)
    kind = learners.REFERRAL_KINDS[form["kind"]]
    flash(_("Referral noted: %(kind)s.", kind=_(kind)))
    return _go_to(learner_id)


@bp.route("/learners/<int:learner_id>/skills", methods=["GET", "POST"])
def record_skills(learner_id):
    """A skills check without a help ticket: choose how they did on any tasks."""
    learner = _learner(learner_id)
    chosen, errors = {}, {}
    if request.method == "POST":
        chosen = learners.levels_from_form(request.form)
        try:
            written = learners.record_skills(get_db(), current_user.actor, learner_id, chosen,
                                             current_user.venue_id)
        except InvalidInput as e:
            errors = e.errors
        else:
            flash(ngettext("Saved %(num)s skill for %(name)s.",
                           "Saved %(num)s skills for %(name)s.", written,
                           name=learner["first_name"])
                  if written else _("Nothing new to save."))
            return _go_to(learner_id)
    return render_template(
        "volunteer/learners/skills.html", learner=learner, chosen=chosen, errors=errors,
        areas=learners.skill_areas(get_db(), learner_id), levels=learners.LEVELS,
    ), (422 if errors else 200)


@bp.get("/learners/<int:learner_id>/card.pdf")
def learner_card(learner_id):
    return learner_card_response(_learner(learner_id))


@bp.get("/learners/<int:learner_id>/can-do")
def can_do(learner_id):
    """The learner's own page, to show them or print: what they can now do, in plain
    words."""
    learner = _learner(learner_id)
    today = lending.today()
    progress = learners.progress(get_db(), learner_id, today)
    return render_template("volunteer/learners/can_do.html", learner=learner,
                           progress=progress, achieved=learners.achievements(progress),
                           today=today)
