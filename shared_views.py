"""Views that staff desktops and volunteer tablets share (desk.py, sim_desk.py): each
blueprint keeps its own sign-in guard and page frame; the view and template are one."""

from datetime import date

from babel.dates import format_date
from flask import render_template, request

import i18n


def register(bp, routes, views: dict) -> None:
    """Add `routes` [(rule, view name, methods)] to a blueprint, the view found in `views`."""
    for rule, name, methods in routes:
        bp.add_url_rule(rule, name, views[name], methods=methods)
    bp.add_app_template_filter(day_text)


def day_text(value) -> str:
    """A stored day ("2026-11-24" or a date) as people read it, with its year, in the
    screen's language: "24 November 2026", "24 Tachwedd 2026". Blank stays blank."""
    if not value:
        return ""
    day = date.fromisoformat(str(value)[:10]) if isinstance(value, str) else value
    return format_date(day, "long", locale=i18n.current_locale())


def render_in_area(template, status=200, **context):
    """Render a shared template inside the asking blueprint's frame (staff or volunteer)."""
    area = request.blueprint
    return render_template(template, area=area, base=f"{area}/base.html", **context), status
