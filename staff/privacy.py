"""Staff > Data protection: retention periods with a preview of what is due and a way to
run it now; finding the records that are one person, a copy of everything held about them
(JSON, or a readable page to hand over) and erasing them."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

import lending
import retention
import subject_access
from db import get_db
from staff import bp
from validation import InvalidInput


def _refs() -> list[str]:
    return request.values.getlist("r")


# ---------------------------------------------------------------- retention


def _index(form: dict, errors: dict, status: int = 200):
    db = get_db()
    today = lending.today()
    rules = [{"rule": rule, "months": retention.months(db, rule),
              "minimum": retention.minimum(db, rule)} for rule in retention.RULES]
    return render_template(
        "staff/privacy/index.html", rules=rules, form=form, errors=errors, today=today,
        due=retention.due(db, today), line_words=retention.LINE_WORDS,
        lines=[line for line, _ in retention.LINES], sessions_words=retention.SESSIONS_WORDS,
        interest_words=retention.INTEREST_WORDS,
        months_max=retention.MONTHS_MAX), status


@bp.get("/privacy", endpoint="privacy")
def privacy():
    periods = retention.periods(get_db())
    return _index({k: str(v) for k, v in periods.items()}, {})


@bp.post("/privacy/periods")
def privacy_periods():
    form = {r.key: request.form.get(r.key, "") for r in retention.RULES}
    try:
        retention.set_periods(get_db(), current_user.actor, form)
    except InvalidInput as e:
        return _index(form, e.errors, 422)
    flash("Saved the retention periods.")
    return redirect(url_for("staff.privacy"), 303)


@bp.post("/privacy/run")
def privacy_run():
    db = get_db()
    if not request.form.get("confirm"):
        form = {k: str(v) for k, v in retention.periods(db).items()}
        return _index(form, {"confirm": "Please tick to confirm: what is due is anonymised "
                                        "for good."}, 422)
    today = lending.today()
    counts = retention.run(db, today, current_user.actor)
    for line in retention.report(counts, today, dry_run=False):
        flash(line.strip())
    return redirect(url_for("staff.privacy"), 303)


# ---------------------------------------------------------------- finding a person


def _find(q: str, errors: dict, results=None, status: int = 200, chosen=()):
    return render_template("staff/privacy/find.html", q=q, errors=errors, results=results,
                           chosen=set(chosen)), status


def _not_these(errors: dict):
    """Back to the search (run again, so the records can be ticked afresh) with the
    message beside the records."""
    q = request.values.get("q", "")
    try:
        results = subject_access.find(get_db(), q) if q.strip() else None
    except InvalidInput:
        results = None
    return _find(q, errors, results, 422, _refs())


@bp.get("/privacy/find")
def privacy_find():
    q = request.args.get("q", "")
    if not q.strip():
        return _find(q, {})
    try:
        results = subject_access.find(get_db(), q)
    except InvalidInput as e:
        return _find(q, e.errors, status=422)
    return _find(q, {}, results)


@bp.get("/privacy/person")
def privacy_person():
    try:
        people = subject_access.summary(get_db(), _refs())
    except InvalidInput as e:
        return _not_these(e.errors)
    return render_template("staff/privacy/person.html", people=people, refs=_refs(),
                           q=request.args.get("q", ""))


def _download(body, mimetype: str, extension: str):
    day = lending.today().isoformat()
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="what-we-hold-{day}.{extension}"',
        "Cache-Control": "no-store"})


@bp.get("/privacy/person.json")
def privacy_json():
    try:
        made = subject_access.export(get_db(), current_user.actor, _refs(), "json")
    except InvalidInput as e:
        return _not_these(e.errors)
    return _download(subject_access.as_json(made), "application/json", "json")


@bp.get("/privacy/person.html")
def privacy_copy():
    try:
        made = subject_access.export(get_db(), current_user.actor, _refs(), "readable copy")
    except InvalidInput as e:
        return _not_these(e.errors)
    page = render_template("staff/privacy/copy.html", made=made)
    return _download(page, "text/html", "html")


# ---------------------------------------------------------------- erasure


def _erase_page(people, form: dict, errors: dict, status: int = 200):
    return render_template("staff/privacy/erase.html", people=people, form=form,
                           errors=errors, reasons=subject_access.REASONS,
                           refs=[str(p["ref"]) for p in people]), status


@bp.route("/privacy/person/erase", methods=["GET", "POST"])
def privacy_erase():
    db = get_db()
    form = {"reason": request.form.get("reason", ""), "confirm": request.form.get("confirm")}
    try:
        people = subject_access.summary(db, _refs())
    except InvalidInput as e:
        return _not_these(e.errors)
    if request.method == "GET":
        return _erase_page(people, form, {})
    try:
        done = subject_access.erase(db, current_user.actor, _refs(), form["reason"],
                                    bool(form["confirm"]))
    except InvalidInput as e:
        return _erase_page(people, form, e.errors, 422)
    records = ", ".join(f"the {d['label'].lower()} record" for d in done)
    flash(f"Erased {records}. The audit log records that this happened and why, not what "
          "they held.")
    return redirect(url_for("staff.privacy_find"), 303)

