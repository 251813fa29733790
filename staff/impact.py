"""Impact reports: every figure for a period (default this financial year) at one venue or
all and for one partner or all, against the same length of time before; each figure drills
down to the rows behind it. Charts are drawn here as SVG (charts.py) beside real tables;
the figures go out as CSV and as a one-page PDF (impact_pdf.py)."""

import csv
import io

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

import charts
import help_desk
import impact
import impact_pdf
import lending
from audit import record
from db import get_db, parse_id, write_transaction
from device_csv import guard
from formatting import english_day
from staff import bp
from staff.labels import pdf_response

PICK_VENUE = "Please choose a venue from the list."
PICK_PARTNER = "Please choose a partner from the list."
FILTER_FIELDS = ("first", "last", "venue", "partner")


def _figures() -> dict:
    return {f.key: f for f in impact.FIGURES}


def _figure_or_404(key: str):
    figure = _figures().get(key)
    if figure is None:
        abort(404)
    return figure


def _venues(db) -> list[dict]:
    return [dict(r) for r in db["venues"].rows_where(order_by="name collate nocase")]


def _filters(db) -> dict:
    """The period and filters as typed, what they came to, and a message per bad field."""
    typed = {k: request.args.get(k, "") for k in FILTER_FIELDS}
    default_first, default_last = impact.default_period(lending.today())
    first, last, errors = help_desk.report_period(typed["first"] or default_first.isoformat(),
                                                  typed["last"] or default_last.isoformat(),
                                                  lending.today())
    venues, partners = _venues(db), lending.partners(db, active_only=False)
    venue = _chosen(typed["venue"], venues)
    if typed["venue"] and venue is None:
        errors["venue"] = PICK_VENUE
    partner = _chosen(typed["partner"], partners)
    if typed["partner"] and partner is None:
        errors["partner"] = PICK_PARTNER
    return {"typed": typed, "first": first, "last": last, "errors": errors, "venues": venues,
            "partners": partners, "venue": venue, "partner": partner,
            "venue_id": venue["id"] if venue else None,
            "partner_id": partner["id"] if partner else None}


def _chosen(text: str, rows: list[dict]) -> dict | None:
    wanted = parse_id(text)
    return next((r for r in rows if r["id"] == wanted), None) if wanted else None


def _query(f: dict) -> dict:
    """URL arguments for links that keep this period and these filters."""
    query = {"first": f["first"].isoformat(), "last": f["last"].isoformat()}
    if f["venue_id"]:
        query["venue"] = f["venue_id"]
    if f["partner_id"]:
        query["partner"] = f["partner_id"]
    return query


def period_words(f: dict) -> str:
    return f"{english_day(f['first'])} to {english_day(f['last'])}"


def filter_words(f: dict) -> str:
    venue = f["venue"]["name"] if f["venue"] else "All venues"
    partner = f"partner {f['partner']['name']}" if f["partner"] else "all partners"
    return f"{venue}; {partner}"


def _grouped(figures: list[dict]) -> list[dict]:
    groups: list[dict] = []
    for figure in figures:
        if not groups or groups[-1]["name"] != figure["group"]:
            groups.append({"name": figure["group"], "figures": []})
        groups[-1]["figures"].append(figure)
    return groups


def _dashboard(db, f: dict) -> list[dict]:
    return impact.dashboard(db, f["first"], f["last"], venue_id=f["venue_id"],
                            partner_id=f["partner_id"])


def _trend(db, figure, f: dict) -> dict:
    """A figure's month-by-month chart and the rows of its table."""
    months = impact.monthly(db, figure.key, f["first"], f["last"], venue_id=f["venue_id"],
                            partner_id=f["partner_id"])
    title = f"{figure.label}, month by month"
    return {"key": figure.key, "label": figure.label, "unit": figure.unit, "title": title,
            "rows": months, "svg": charts.trend_chart(months, title, figure.unit,
                                                    totalled=_totalled(figure))}


def _by_venue(db, figure, f: dict) -> dict | None:
    if "venue" not in figure.filters:
        return None
    rows = impact.by_venue(db, figure.key, f["first"], f["last"], partner_id=f["partner_id"])
    return _breakdown(rows, f"{figure.label}, by venue", figure.unit, _totalled(figure))


def _by_referrer(db, figure, f: dict) -> dict | None:
    if not impact.splits_by_referrer(figure.key):
        return None
    rows = impact.by_referrer(db, figure.key, f["first"], f["last"], venue_id=f["venue_id"],
                              partner_id=f["partner_id"])
    return _breakdown(rows, f"{figure.label}, by referring organisation", figure.unit,
                      _totalled(figure))


def _month_table(db, f: dict, keys) -> dict:
    """Figures month by month side by side; each cell links to that figure for that month."""
    rows = impact.month_table(db, keys, f["first"], f["last"], venue_id=f["venue_id"],
                              partner_id=f["partner_id"])
    for row in rows:
        query = dict(_query(f), first=row["first"].isoformat(), last=row["last"].isoformat())
        row["links"] = {key: url_for("staff.impact_figure", key=key, **query)
                        for key, _ in keys}
    return {"columns": keys, "rows": rows}


def _breakdown(rows: list[dict], title: str, unit: str = "count", totalled: bool = True) -> dict:
    return {"title": title, "unit": unit, "rows": rows,
            "svg": charts.bar_chart(rows, title, unit, totalled=totalled)}


def _totalled(figure) -> bool:
    """A chart's description adds its bars up only for figures that are counts or sums."""
    return figure.measure == "total"


# The figures with a month-by-month chart on the dashboard (the rest have theirs on their
# own page), so the dashboard stays quick to load.
KEY_FIGURES = ("learners_supported", "visits", "volunteer_hours", "loans_personal",
               "sims_given", "carbon_saved")


def _key_figures(figures: list[dict]) -> list:
    """The key figures that can honour the chosen filters; if none are known, the first of
    each group."""
    defs = _figures()
    usable = [f for f in figures if f["applies"] and f["key"] in defs]
    chosen = [defs[f["key"]] for f in usable if f["key"] in KEY_FIGURES]
    if not chosen:
        seen = set()
        for figure in usable:
            if figure["group"] not in seen:
                seen.add(figure["group"])
                chosen.append(defs[figure["key"]])
    return chosen


def _filter_page(template: str, f: dict, **context):
    return render_template(template, f=f, typed=f["typed"], errors=f["errors"],
                           first=f["first"], last=f["last"], query=_query(f),
                           period=period_words(f), filters=filter_words(f),
                           fmt=charts.format_value, **context), (422 if f["errors"] else 200)


def _dashboard_page(db, f: dict):
    figures = _dashboard(db, f)
    key_figures = _key_figures(figures)
    by_venue = None if f["venue_id"] else _by_venue(db, impact.BY_KEY["visits"], f)
    topics = impact.by_topic(db, f["first"], f["last"], venue_id=f["venue_id"])
    networks = impact.by_network(db, f["first"], f["last"], venue_id=f["venue_id"])
    return _filter_page(
        "staff/impact/dashboard.html", f, groups=_grouped(figures),
        trends=[_trend(db, d, f) for d in key_figures], by_venue=by_venue,
        by_topic=_breakdown(topics, "Help given, by topic"),
        by_network=_breakdown(networks, "SIMs given, by network"),
        reach=impact.reach(db, f["first"], f["last"], venue_id=f["venue_id"]),
        loan_referral_months=_month_table(db, f, impact.LOAN_REFERRAL_MONTHS),
        by_referrer=_by_referrer(db, impact.BY_KEY["loan_referrals_received"], f),
        interest_months=_month_table(db, f, impact.INTEREST_MONTHS))


@bp.get("/impact", endpoint="impact")
def impact_dashboard():
    db = get_db()
    return _dashboard_page(db, _filters(db))


ROWS_PER_PAGE = 500


@bp.get("/impact/<key>")
def impact_figure(key):
    db = get_db()
    figure = _figure_or_404(key)
    f = _filters(db)
    drill = impact.drill(db, key, f["first"], f["last"], venue_id=f["venue_id"],
                         partner_id=f["partner_id"])
    return _filter_page("staff/impact/figure.html", f, figure=figure, drill=drill,
                        page=_rows_page(drill["rows"], request.args.get("page")),
                        trend=_trend(db, figure, f), by_venue=_by_venue(db, figure, f),
                        by_referrer=_by_referrer(db, figure, f))


def _rows_page(rows: list, asked) -> dict:
    """One page of a drill-down's rows: a year of help visits at a big borough is 100k
    rows, too many for one web page (the CSV has them all)."""
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    number = min(parse_id(asked) or 1, pages)
    start = (number - 1) * ROWS_PER_PAGE
    return {"rows": rows[start:start + ROWS_PER_PAGE], "number": number, "pages": pages,
            "first_row": start + 1, "last_row": min(start + ROWS_PER_PAGE, len(rows))}


def csv_response(rows: list[list], name: str) -> Response:
    """Rows as a CSV download: UTF-8 with a byte-order mark so Excel reads it right, and text
    that a spreadsheet would run as a formula marked as text with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([guard(v) if isinstance(v, str) else ("" if v is None else v)
                         for v in row])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
    })


def _file_name(f: dict, what: str, ext: str) -> str:
    return f"doorstep-{what}-{f['first'].isoformat()}-to-{f['last'].isoformat()}.{ext}"


@bp.get("/impact.csv")
def impact_csv():
    db = get_db()
    f = _filters(db)
    if f["errors"]:
        return _dashboard_page(db, f)
    period, filters = period_words(f), filter_words(f)
    rows = [["key", "label", "group", "unit", "value", "prior", "change", "note", "period",
             "filters"]]
    rows += [[g["key"], g["label"], g["group"], g["unit"], g["value"], g["prior"], g["change"],
              impact_pdf.figure_note(g), period, filters] for g in _dashboard(db, f)]
    return csv_response(rows, _file_name(f, "impact", "csv"))


@bp.get("/impact/<key>.csv")
def impact_figure_csv(key):
    db = get_db()
    figure = _figure_or_404(key)
    f = _filters(db)
    if f["errors"]:
        return impact_figure(key)
    drill = impact.drill(db, key, f["first"], f["last"], venue_id=f["venue_id"],
                         partner_id=f["partner_id"])
    columns = drill["columns"]
    rows = [[heading for _, heading in columns]]
    rows += [[row.get(k) if hasattr(row, "get") else row[k] for k, _ in columns]
             for row in drill["rows"]]
    with write_transaction(db):  # the rows behind a figure may name people
        record(db, current_user.actor, "impact.export", "impact", figure.key,
               after={"rows": len(drill["rows"]), "period": period_words(f),
                      "filters": filter_words(f)})
    return csv_response(rows, _file_name(f, f"impact-{figure.key}", "csv"))


@bp.get("/impact/summary.pdf", endpoint="impact_pdf")
def impact_pdf_summary():
    db = get_db()
    f = _filters(db)
    if f["errors"]:
        return _dashboard_page(db, f)
    data = impact_pdf.summary_pdf(_dashboard(db, f), period_words(f), filter_words(f),
                                  current_app.config["SERVICE_NAME"])
    return pdf_response(data, _file_name(f, "impact-summary", "pdf"))

