"""Giving a free SIM: the same screens for volunteers on a tablet and staff at the desk.
`register(bp)` adds them to a blueprint, which keeps its own sign-in guard (see desk.py).

Two steps: scan the SIM (it must be in stock here), then tick what the person says, say
who it is for, and give it. A volunteer gives from their tablet's venue; staff give from
the venue whose stock the SIM is in.

Staff may give one for a registration of interest from the kiosk (`?interest=<id>`): its
"All of these" answers come ticked, its id rides along, and giving the SIM marks it done in
the same transaction. Volunteers never see registrations (they hold contact details)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

import learners
import shared_views
from db import get_db, or_404
from giveaways import eligibility, interest, sims
from help_desk import new_request_id
from i18n import _
from languages import translated
from validation import InvalidInput

ROUTES = [
    ("/sims/give", "give_sim", ["GET", "POST"]),
    ("/sims/given/<int:giveaway_id>", "sim_given", ["GET"]),
]
FIELDS = ("scan", "who", "learner_id", "card", "house", "postcode", "override_reason",
          "request_id", "interest_id")


def register(bp) -> None:
    shared_views.register(bp, ROUTES, globals())


def _venue_for(scan) -> int | None:
    """Where the SIM is given: the tablet's venue, or for staff the SIM's own venue."""
    if current_user.venue_id:
        return current_user.venue_id
    sim = sims.find_sim(get_db(), scan)
    return sim["venue_id"] if sim else None


def _interest():
    """The registration of interest this SIM is for (staff only), or None. An id that
    names no registration is a 404: the link that brought staff here is wrong."""
    if request.blueprint != "staff":
        return None
    values = request.form if request.method == "POST" else request.args
    wanted = values.get("interest_id") or values.get("interest")
    if not wanted:
        return None
    return or_404(interest.get(get_db(), wanted))


def _scan_page(scan, errors, status=200):
    return shared_views.render_in_area("sims/scan.html", status, form={"scan": scan},
                                       errors=errors, interest=_interest())


def _give_page(sim, form, errors, status=200):
    db = get_db()
    query = request.args.get("q", "").strip()
    matches = []
    if query:
        matches = learners.find_learners(db, query, sim["venue_id"]) or \
            learners.find_learners(db, query, everywhere=True)
    rule_set = eligibility.current_rule_set(db, "sim")
    return shared_views.render_in_area(
        "sims/give.html", status, sim=sim, sim_words=sims.sim_words(sim), form=form,
        errors=errors, rule_set=rule_set, groups=eligibility.GROUPS, query=query,
        matches=matches, learner=learners.get_learner(db, form["learner_id"]),
        interest=_interest(),
        asks_reason=bool(form["override_reason"] or errors.get("override_reason")
                         or _short_of_rules(rule_set, form, errors)))


def _short_of_rules(rule_set, form, errors) -> bool:
    """The ticks were refused because they fall short of the council's rules (not because
    nothing was ticked): the volunteer may then give a reason to give it anyway. Decided
    from the ticks, not the message, which is in the volunteer's language."""
    keys = eligibility.ticked_keys(rule_set, form.get("ticks") or [])
    return bool(errors.get("ticks") and keys
                and not eligibility.assess(rule_set, keys)["eligible"])


def give_sim():
    """GET: the scan box, or with ?scan= the giving form. POST without `stage`: check
    the scan and move on to the form; POST with stage=give: give the SIM. A form sent
    twice shows the SIM its first sending gave."""
    db = get_db()
    giving = request.method == "POST" and request.form.get("stage") == "give"
    made = sims.given_for_request(db, request.form.get("request_id")) if giving else None
    if made:
        return _confirmed(made)
    registration = _interest()
    if registration and registration["status"] != "new" and not giving:
        flash(interest.ALREADY_DEALT_WITH)
        return redirect(url_for("staff.interest_show", interest_id=registration["id"]), 303)
    scan = (request.form if request.method == "POST" else request.args).get("scan", "")
    scan = scan.strip()
    if request.method == "GET" and not scan:
        return _scan_page("", {})
    try:
        sim = sims.sim_for_scan(db, scan, _venue_for(scan))
    except InvalidInput as e:
        made = sims.given_for_request(db, request.form.get("request_id")) if giving else None
        if made:  # a double tap: the other sending gave it a moment ago
            return _confirmed(made)
        known = sims.find_sim(db, scan) if giving else None
        if known is None:
            return _scan_page(scan, e.errors, 422)
        return _give_page(known, _typed(), e.errors, 422)  # it went while the form was open
    if request.method == "GET":
        return _give_page(sim, _new_form(scan), {})
    if not giving:
        return redirect(url_for(f"{request.blueprint}.give_sim", scan=scan,
                                interest=registration["id"] if registration else None), 303)
    return _give(sim)


def _confirmed(giveaway):
    return redirect(url_for(f"{request.blueprint}.sim_given", giveaway_id=giveaway["id"]), 303)


def _new_form(scan) -> dict:
    form = dict.fromkeys(FIELDS, "")
    chosen = learners.get_learner(get_db(), request.args.get("learner"))
    form.update(scan=scan, ticks=[], request_id=new_request_id(),
                who="learner" if chosen else "", learner_id=str(chosen["id"]) if chosen else "")
    registration = _interest()
    if registration:  # what they told the kiosk; the "at least one" answer staff ask again
        form.update(ticks=interest.required_ticks(get_db(), registration, "sim"),
                    interest_id=str(registration["id"]))
    return form


def _typed() -> dict:
    form = {f: request.form.get(f, "") for f in FIELDS}
    form["ticks"] = request.form.getlist("ticks")
    return form


def _recipient(form) -> tuple[dict, dict]:
    """give_sim's who-arguments from the form, and a problem with a scanned card."""
    if form["who"] == "household":
        return {"household": {"house": form["house"], "postcode": form["postcode"]}}, {}
    if form["who"] == "anonymous":
        return {"anonymous": True}, {}
    if form["who"] != "learner":
        return {}, {}
    if form["learner_id"]:
        return {"learner_id": form["learner_id"]}, {}
    if not form["card"].strip():
        return {}, {"card": translated(sims.NEED_LEARNER)}
    learner = learners.learner_by_card(get_db(), form["card"])
    if learner is None:
        return {}, {"card": translated(learners.UNKNOWN_CARD)}
    return {"learner_id": learner["id"]}, {}


def _give(sim):
    form = _typed()
    who, errors = _recipient(form)
    try:
        giveaway = sims.give_sim(
            get_db(), current_user.actor, form["scan"], sim["venue_id"], form["ticks"],
            override_reason=form["override_reason"], request_id=form["request_id"] or None,
            interest_id=(form["interest_id"] or None) if request.blueprint == "staff" else None,
            **who)
    except InvalidInput as e:
        more = dict(e.errors)
        if errors:
            more.pop("who", None)  # the card's own message says it better
        return _give_page(sim, form, {**more, **errors}, 422)
    flash(_("SIM given: %(sim)s.", sim=sims.sim_words(giveaway)))
    if request.blueprint == "staff" and form["interest_id"]:
        flash("The registration of interest is done: a SIM was given.")
    return _confirmed(giveaway)


def sim_given(giveaway_id):
    """The confirmation: the offer and when its data runs out. Volunteers see only the
    SIMs given at their own venue."""
    giveaway = or_404(sims.get_giveaway(get_db(), giveaway_id))
    if current_user.venue_id and giveaway["venue_id"] != current_user.venue_id:
        or_404(None)
    rule_set = eligibility.get_rule_set(get_db(), giveaway["rule_set_id"])
    labels = {c["key"]: c["label"] for c in rule_set["criteria"]}
    return shared_views.render_in_area(
        "sims/given.html", giveaway=giveaway,
        ticks=[translated(labels[k]) for k in giveaway["ticks"]],
        sim_words=sims.sim_words(giveaway))
