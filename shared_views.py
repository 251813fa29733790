"""Views that staff desktops and volunteer tablets share (desk.py, sim_desk.py): each
blueprint keeps its own sign-in guard and page frame; the view and template are one."""

from flask import render_template, request


def register(bp, routes, views: dict) -> None:
    """Add `routes` [(rule, view name, methods)] to a blueprint, the view found in `views`."""
    for rule, name, methods in routes:
        bp.add_url_rule(rule, name, views[name], methods=methods)


def render_in_area(template, status=200, **context):
    """Render a shared template inside the asking blueprint's frame (staff or volunteer)."""
    area = request.blueprint
    return render_template(template, area=area, base=f"{area}/base.html", **context), status
