"""Donated devices: the pipeline board, donations, each device's next step, QR labels, the
impact report and the carbon factors."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import help_desk
import learners
import lending
import volunteers
from db import get_db, parse_id
from giveaways import carbon, eligibility, interest, refurb
from staff import bp, or_404
from staff.labels import first_label_form, labels_page, print_label_sheet
from validation import InvalidInput

ALLOCATION_FIELDS = ("price", "payment_method", "gift_reason", "referrer", "course",
                     "learner_id", "learner_card", "weight_kg", "recycler", "note")


def _to_device(refurb_id):
    return redirect(url_for("staff.refurb_device", refurb_id=refurb_id), 303)


# ---------------------------------------------------------------- the board


@bp.get("/refurb", endpoint="refurb")
def refurb_board():
    db = get_db()
    form = {k: request.args.get(k, "").strip() for k in ("stage", "kind", "q")}
    rows = refurb.devices(db, form["stage"] or None, form["kind"] or None, form["q"] or None)
    return render_template("staff/refurb/board.html", rows=rows, form=form,
                           counts=refurb.stage_counts(db), stages=refurb.STAGES,
                           kinds=lending.kinds(db))


# ---------------------------------------------------------------- donations


def _donation_page(form, errors, status=200):
    db = get_db()
    return render_template("staff/refurb/donation.html", form=form, errors=errors,
                           kinds=lending.kinds(db), donor_kinds=refurb.DONOR_KINDS,
                           venues=list(db["venues"].rows_where("active = 1", order_by="name"))
                           ), status


@bp.route("/refurb/donations/new", methods=["GET", "POST"])
def new_donation():
    if request.method == "GET":
        return _donation_page({"received_on": lending.today().isoformat(),
                               "request_id": help_desk.new_request_id()}, {})
    form = {k: v.strip() for k, v in request.form.items()}
    try:
        donation_id = refurb.record_donation(get_db(), current_user.actor, form,
                                             request_id=form.get("request_id"))
    except InvalidInput as e:
        return _donation_page(form, e.errors, 422)
    made = refurb.donation_devices(get_db(), donation_id)
    flash(f"Recorded {len(made)} donated device{'' if len(made) == 1 else 's'}: "
          f"{made[0]['asset_tag']} to {made[-1]['asset_tag']}. Tick them to print labels.")
    return redirect(url_for("staff.refurb", q=form.get("donor", "")), 303)


# ---------------------------------------------------------------- one device


def _allocation_defaults(args) -> dict:
    form = {"outcome": args.get("outcome", ""), "price": refurb.DEFAULT_PRICE, "ticks": [],
            "request_id": help_desk.new_request_id(), "interest_id": ""}
    form.update({k: args[k] for k in ("gift_reason", "learner_id", "course") if k in args})
    registration = interest.get(get_db(), args["interest"]) if args.get("interest") else None
    if registration:  # a sale or gift for a kiosk registration of interest
        form.update(interest_id=str(registration["id"]),
                    ticks=interest.required_ticks(get_db(), registration, "device"))
    return form


def _device_page(refurb_id, errors=None, form=None, status=200):
    db = get_db()
    device = or_404(refurb.get_device(db, refurb_id))
    form = form or _allocation_defaults(request.args)
    learner = learners.get_learner(db, form.get("learner_id")) if form.get("learner_id") else None
    registration = interest.get(db, form["interest_id"]) if form.get("interest_id") else None
    return render_template(
        "staff/refurb/device.html", device=device, errors=errors or {}, form=form,
        interest=registration,
        history=refurb.history(db, device["id"]), learner=learner,
        rule_set=eligibility.current_rule_set(db, "device"), r=refurb,
        allocated_learner=learners.get_learner(db, device["learner_id"])
        if device["learner_id"] else None), status


@bp.get("/refurb/<int:refurb_id>")
def refurb_device(refurb_id):
    if request.args.get("interest"):  # from a registration of interest: still open?
        registration = or_404(interest.get(get_db(), request.args["interest"]))
        if registration["status"] != "new":
            flash(interest.ALREADY_DEALT_WITH)
            return redirect(url_for("staff.interest_show", interest_id=registration["id"]), 303)
    return _device_page(refurb_id)


def _step(refurb_id, form, run, done: str):
    """Run one pipeline step: 303 + flash when it worked, the page with messages (422)
    when the input needs fixing, a flash when the device had moved on."""
    device = or_404(refurb.get_device(get_db(), refurb_id))
    try:
        run()
    except InvalidInput as e:
        return _device_page(refurb_id, e.errors, form, 422)
    except refurb.Conflict as e:
        flash(str(e))
        return _to_device(refurb_id)
    flash(done.format(tag=device["asset_tag"]))
    return _to_device(refurb_id)


def _typed(*fields) -> dict:
    return {f: request.form.get(f, "") for f in fields}


@bp.post("/refurb/<int:refurb_id>/details")
def refurb_details(refurb_id):
    form = _typed("make", "model", "serial")
    return _step(refurb_id, form, lambda: refurb.update_details(
        get_db(), current_user.actor, refurb_id, form), "Saved the details of {tag}.")


@bp.post("/refurb/<int:refurb_id>/wipe")
def refurb_wipe(refurb_id):
    form = _typed("method", "certificate")
    return _step(refurb_id, form, lambda: refurb.record_wipe(
        get_db(), current_user.actor, refurb_id, form["method"], form["certificate"]),
        "Recorded the data wipe of {tag}.")


@bp.post("/refurb/<int:refurb_id>/refurb")
def refurb_tested(refurb_id):
    form = _typed("grade", "notes", "licence")
    return _step(refurb_id, form, lambda: refurb.record_refurb(
        get_db(), current_user.actor, refurb_id, form["grade"], form["notes"], form["licence"]),
        "{tag} is tested and refurbished.")


@bp.post("/refurb/<int:refurb_id>/ready")
def refurb_ready(refurb_id):
    return _step(refurb_id, {}, lambda: refurb.mark_ready(get_db(), current_user.actor,
                                                          refurb_id), "{tag} is ready.")


@bp.post("/refurb/<int:refurb_id>/allocate")
def refurb_allocate(refurb_id):
    form = _typed("outcome", "request_id", "interest_id", *ALLOCATION_FIELDS)
    form["ticks"] = request.form.getlist("ticks")
    outcome = form["outcome"]
    done = "{tag} is " + refurb.STAGES.get(outcome, "allocated").lower() + "."
    if form["interest_id"]:
        done += " The registration of interest is done."
    return _step(refurb_id, form, lambda: refurb.allocate(
        get_db(), current_user.actor, refurb_id, outcome, form, form["request_id"] or None,
        interest_id=form["interest_id"] or None), done)


@bp.get("/refurb/reward/<int:learner_id>")
def refurb_reward(learner_id):
    """"Earn a device": the ready devices a learner who finished a course could be given."""
    db = get_db()
    learner = or_404(learners.get_learner(db, learner_id))
    return render_template("staff/refurb/reward.html", learner=learner,
                           rows=refurb.devices(db, stage="ready"))


# ---------------------------------------------------------------- labels


def _chosen(db, values) -> list[dict]:
    ids = dict.fromkeys(i for i in (parse_id(v) for v in values) if i)
    return [d for d in (refurb.get_device(db, i) for i in ids) if d]


LABEL_TEXTS = {"heading": "Print QR labels for donated devices",
               "intro": "Each label's QR code opens the device's page and holds nothing else: "
                        "nothing about who gave it or who has it.",
               "action": "staff.refurb_labels", "list_endpoint": "staff.refurb",
               "list_name": "donated devices list"}


@bp.route("/refurb/labels", methods=["GET", "POST"])
def refurb_labels():
    db = get_db()
    if request.method == "GET":
        devices = _chosen(db, request.args.getlist("device"))
        return labels_page(devices, first_label_form(db, request.args), {}, **LABEL_TEXTS)
    devices = _chosen(db, request.form.getlist("device"))
    form = {k: request.form.get(k, "").strip() for k in ("format", "start_at", "offset_x",
                                                         "offset_y")}
    return print_label_sheet(devices, form, "refurb-labels", **LABEL_TEXTS)


# ---------------------------------------------------------------- impact and carbon


@bp.get("/refurb/impact")
def refurb_impact():
    db = get_db()
    year_first, year_last = volunteers.financial_year(lending.today())
    typed = {k: request.args.get(k, "") for k in ("first", "last", "version")}
    first_day, last_day, errors = help_desk.report_period(
        typed["first"] or year_first.isoformat(), typed["last"] or year_last.isoformat(),
        lending.today())
    version = typed["version"] or None
    if version and carbon.get_set(db, version) is None:
        errors["version"], version = "Please choose a factor version from the list.", None
    return render_template("staff/refurb/impact.html", typed=typed, errors=errors,
                           first=first_day, last=last_day, sets=carbon.factor_sets(db),
                           report=refurb.refurb_report(db, first_day, last_day, version),
                           r=refurb, note=carbon.REUSED_NOTE)


def _carbon_page(form, errors, status=200):
    db = get_db()
    return render_template("staff/refurb/carbon.html", form=form, errors=errors,
                           sets=carbon.factor_sets(db), kinds=lending.kinds(db),
                           note=carbon.REUSED_NOTE), status


@bp.route("/refurb/carbon", methods=["GET", "POST"])
def carbon_factors():
    if request.method == "GET":
        return _carbon_page(carbon.factor_form(carbon.current_set(get_db())), {})
    form = {k: v.strip() for k, v in request.form.items()}
    try:
        version = carbon.save_factor_set(get_db(), current_user.actor, form)
    except InvalidInput as e:
        return _carbon_page(form, e.errors, 422)
    flash(f"Saved carbon factors version {version}. Reports use it from now on.")
    return redirect(url_for("staff.carbon_factors"), 303)
