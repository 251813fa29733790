"""Words and dates in the reader's language, for modules that know nothing of Flask.

Domain modules say `_("Choose how it went.")` and format days with `format_day(d)`; the app
tells this module, once, where the request's translations and locale come from
(`languages.init_app`). Outside a request, and in tests that build no app, everything is
British English, exactly as written.

`N_("Email")` only marks a word for the catalogue (labels kept in constants); the screen
translates it when it shows it, with `_(label)`.
"""

import functools
import re
from collections.abc import Callable
from datetime import date, datetime, time

from babel import Locale
from babel.dates import format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal
from babel.support import NullTranslations

ENGLISH = Locale.parse("en_GB")

_translations: Callable[[], NullTranslations] = NullTranslations
_locale: Callable[[], Locale | None] = lambda: None  # noqa: E731


def use(translations: Callable[[], NullTranslations], locale: Callable[[], Locale | None]):
    """Where the current translations and locale come from (set once by the app)."""
    global _translations, _locale
    _translations, _locale = translations, locale


def current_locale() -> Locale:
    return _locale() or ENGLISH


def N_(text: str) -> str:  # noqa: N802 (the gettext convention, found by `pybabel extract`)
    return text


def _(text: str, **values) -> str:
    translated = _translations().gettext(text)
    return translated % values if values else translated


gettext = _


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    """The right plural for `n` in the reader's language (Welsh has six, Polish three);
    `%(num)s` is `n` written the reader's way."""
    translated = _translations().ngettext(singular, plural, n)
    return translated % {"num": format_number(n), **values}


def format_number(value) -> str:
    return format_decimal(value, locale=current_locale())


def _as_date(value: str | date) -> date:
    """A day as stored ("2026-11-24", or a longer ISO stamp) or already a date."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def format_day(day: str | date | datetime) -> str:
    """“Tuesday 24 November”, “Dydd Mawrth, 24 Tachwedd”, “wtorek, 24 listopada”…"""
    return format_date(_as_date(day), _day_pattern(current_locale()), locale=current_locale())


def format_long_date(day: str | date | None) -> str:
    """A day with its year, the reader's way: “14 March 2027”, “14 marca 2027”; blank
    stays blank."""
    return format_date(_as_date(day), "long", locale=current_locale()) if day else ""


@functools.cache
def _day_pattern(locale: Locale) -> str:
    """Weekday, day and month in full: the locale's own pattern when it has one, otherwise
    its full date without the year (many locales only list a short weekday form)."""
    if "MMMMEEEEd" in locale.datetime_skeletons:
        return locale.datetime_skeletons["MMMMEEEEd"].pattern
    return re.sub(r"[\s,،.]*\by+\b[\s.,]*|\by+[^A-Za-z']*", "",
                  locale.date_formats["full"].pattern).strip(" ,،")


def format_clock(moment: time | datetime) -> str:
    """A time of day as people there write it (24-hour in the UK)."""
    return babel_format_time(moment, "HH:mm", locale=current_locale())
