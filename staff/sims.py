"""Free SIMs at the desk: stock per venue with low-stock warnings, adding a batch, taking
one out of stock, the council's eligibility rules and the report councils get asked for.
Giving one is the shared screen from sim_desk.py."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import help_desk
import lending
import sim_desk
import volunteers
from db import get_db, parse_id
from giveaways import eligibility, sims
from staff import bp
from validation import InvalidInput

sim_desk.register(bp)  # /staff/sims/give, endpoint staff.give_sim

BATCH_FIELDS = ("venue", "item", "network", "offer", "months", "received_on", "note", "codes")
RULE_FIELDS = ("required", "one_of", "repeat_months", "note")
PICK_VENUE = "Please choose a venue from the list."


def _venues():
    return list(get_db()["venues"].rows_where("active = 1", order_by="name collate nocase"))


# ---------------------------------------------------------------- stock


def _stock_page(errors=None, forms=None, status=200):
    db = get_db()
    forms = forms or {}
    return render_template(
        "staff/sims/stock.html", stock=sims.stock(db), batches=sims.batches(db),
        threshold=sims.low_stock_threshold(db), items=sims.ITEMS, errors=errors or {},
        low_form=forms.get("low", {"low_stock": str(sims.low_stock_threshold(db))}),
        void_form=forms.get("void", {"scan": "", "reason": ""})), status


@bp.get("/sims", endpoint="sims")
def stock_page():
    return _stock_page()


@bp.post("/sims/low-stock")
def sim_low_stock():
    form = {"low_stock": request.form.get("low_stock", "")}
    try:
        number = sims.set_low_stock_threshold(get_db(), current_user.actor, form["low_stock"])
    except InvalidInput as e:
        return _stock_page(e.errors, {"low": form}, 422)
    flash(f"Venues with fewer than {number} SIMs in stock now get a warning.")
    return redirect(url_for("staff.sims"), 303)


@bp.post("/sims/void")
def void_sim():
    form = {"scan": request.form.get("scan", ""), "reason": request.form.get("reason", "")}
    try:
        sim = sims.void_sim(get_db(), current_user.actor, form["scan"], form["reason"])
    except InvalidInput as e:
        return _stock_page(e.errors, {"void": form}, 422)
    flash(f"{sims.sim_words(sim)} is out of stock: {form['reason'].strip()}")
    return redirect(url_for("staff.sims"), 303)


# ---------------------------------------------------------------- a new batch


def _uploaded_codes() -> str | None:
    """The uploaded list's text, if a file was chosen (UTF-8, a spreadsheet's BOM allowed)."""
    upload = request.files.get("codes_file")
    if not upload or not upload.filename:
        return None
    return upload.read().decode("utf-8-sig", errors="replace")


@bp.route("/sims/batches/new", methods=["GET", "POST"])
def new_sim_batch():
    form = {f: request.form.get(f, "") for f in BATCH_FIELDS}
    errors = {}
    if request.method == "GET":
        form.update(item="sim", received_on=lending.today().isoformat(),
                    venue=request.args.get("venue", ""))
    else:
        data = dict(form, codes=_uploaded_codes() or form["codes"])
        try:
            batch_id = sims.add_batch(get_db(), current_user.actor, data)
        except InvalidInput as e:
            errors = e.errors
        else:
            batch = next(b for b in sims.batches(get_db()) if b["id"] == batch_id)
            flash(f"Added {batch['total']} {sims.ITEMS[batch['item']].lower()} "
                  f"({batch['network']}, {batch['offer']}) to {batch['venue_name']}.")
            return redirect(url_for("staff.sims"), 303)
    return render_template(
        "staff/sims/new_batch.html", form=form, errors=errors, venues=_venues(),
        items=sims.ITEMS, networks=sims.NETWORKS), (422 if errors else 200)


# ---------------------------------------------------------------- the report


@bp.get("/sims/report")
def sim_report():
    """SIMs given in a period (default this financial year) at one venue or all: per venue
    per month, per network, per criterion and rules version, and the rows behind them."""
    db = get_db()
    args = {k: request.args.get(k, "") for k in ("first", "last", "venue")}
    default_first, default_last = volunteers.financial_year(lending.today())
    first, last, errors = help_desk.report_period(args["first"] or default_first.isoformat(),
                                                  args["last"] or default_last.isoformat(),
                                                  lending.today())
    venue_id = parse_id(args["venue"])
    if args["venue"] and venue_id not in {v["id"] for v in _venues()}:
        errors["venue"], venue_id = PICK_VENUE, None
    rows = sims.sims_given(db, first, last, venue_id)
    return render_template(
        "staff/sims/report.html", rows=rows, args=args, first=first, last=last,
        errors=errors, venues=_venues(), per_month=sims.by_venue_month(rows),
        per_network=sims.by_network(rows), per_criterion=sims.by_criterion(db, rows),
        items=sims.ITEMS), (422 if errors else 200)


# ---------------------------------------------------------------- the rules


def _rule_form(rule_set) -> dict:
    lines = {g: "\n".join(c["label"] for c in rule_set["criteria"] if c["group"] == g)
             for g in eligibility.GROUPS}
    return dict(lines, repeat_months=str(rule_set["repeat_months"] or 0), note="")


@bp.route("/sims/rules", methods=["GET", "POST"])
def sim_rules():
    db = get_db()
    rule_set = eligibility.current_rule_set(db, "sim")
    form, errors = _rule_form(rule_set), {}
    if request.method == "POST":
        form = {f: request.form.get(f, "") for f in RULE_FIELDS}
        try:
            saved = eligibility.save_rule_set(db, current_user.actor, "sim", form)
        except InvalidInput as e:
            errors = e.errors
        else:
            flash(f"Saved version {saved['version']} of the SIM rules. SIMs given from now on "
                  "use it; earlier ones keep the version they were given under.")
            return redirect(url_for("staff.sim_rules"), 303)
    return render_template("staff/sims/rules.html", rule_set=rule_set, form=form,
                           errors=errors, groups=eligibility.GROUPS), (422 if errors else 200)
