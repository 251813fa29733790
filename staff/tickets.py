"""Help desk tickets per venue and day range, with waits, service times and topic counts."""

from datetime import timedelta

from flask import request

import help_desk
from audit import utcnow
from db import get_db, parse_id
from htmx import render
from staff import bp


@bp.get("/")
def index():
    db = get_db()
    today = utcnow().astimezone(help_desk.LOCAL_TZ).date()
    venues = list(db["venues"].rows_where(order_by="name"))
    form = {k: request.args.get(k, "") for k in ("venue", "first", "last")}
    first, last, errors = help_desk.report_period(form["first"], form["last"], today)
    venue_id = parse_id(form["venue"])
    if form["venue"] and not any(v["id"] == venue_id for v in venues):
        errors["venue"], venue_id = "Choose a venue from the list.", None
    rows = help_desk.tickets_between(db, venue_id, first, last)
    return render("staff/tickets.html", "staff/_tickets.html", venues=venues, form=form,
                  errors=errors, rows=rows, summary=help_desk.summary(rows),
                  topic_counts=help_desk.topic_counts(db, venue_id, first, last),
                  first=first, last=last, statuses=help_desk.STATUS_LABELS,
                  outcomes=help_desk.OUTCOMES, ranges=_quick_ranges(today))


def _quick_ranges(today):
    """One-click periods staff ask for most: today, the last week, this month."""
    return [("Today", today, today),
            ("Last 7 days", today - timedelta(days=6), today),
            ("This month", today.replace(day=1), today)]
