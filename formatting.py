"""Template filters: times in UK local time and minutes in plain words."""

from datetime import datetime

from help_desk import LOCAL_TZ


def local_time(value: str | None, fmt: str = "%H:%M") -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).strftime(fmt)


def minutes(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    if value < 1:
        return "under 1 min"
    return f"{round(value)} min"


def init_app(app) -> None:
    app.add_template_filter(local_time)
    app.add_template_filter(minutes)
