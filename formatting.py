"""Template filters: times in UK local time, minutes in plain words, audit entries."""

import json
from datetime import date, datetime

from babel.dates import format_datetime

import i18n
from help_desk import LOCAL_TZ
from i18n import _, ngettext


def local_time(value: str | None, fmt: str = "%H:%M") -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).strftime(fmt)


def local_day(value: str) -> date:
    """The UK calendar day of a stored UTC time: just before midnight in summer is the next
    day here."""
    return datetime.fromisoformat(value).astimezone(LOCAL_TZ).date()


def english_day(day: date | None) -> str:
    """"3 December 2026", for staff and partner screens (always English)."""
    return f"{day.day} {day:%B %Y}" if day else ""


def local_datetime(value: str | None) -> str:
    """"05 Mar 2027, 14:05"; on a kiosk or tablet in another language, its month names."""
    locale = i18n.current_locale()
    if not value or locale == i18n.ENGLISH:
        return local_time(value, "%d %b %Y, %H:%M")
    moment = datetime.fromisoformat(value).astimezone(LOCAL_TZ)
    return format_datetime(moment, "d MMM y, HH:mm", locale=locale)


def fromjson(value: str | None):
    return json.loads(value) if value else []


def audit_summary(value: str | None) -> str:
    """An audit entry's `after` as "field: value" pairs a person can read at a glance."""
    if not value:
        return ""
    data = json.loads(value)
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in data.items()
                     if v not in (None, "", "[]"))


def minutes(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    if value < 1:
        return _("under 1 min")
    return ngettext("%(num)s min", "%(num)s min", round(value), num=round(value))


def init_app(app) -> None:
    app.add_template_filter(local_time)
    app.add_template_filter(minutes)
    app.add_template_filter(local_datetime)
    app.add_template_filter(fromjson)
    app.add_template_filter(audit_summary)
