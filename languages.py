"""The languages the kiosk and the volunteer tablet speak, found from the .po files.

A council adds a language by adding `translations/<code>/LC_MESSAGES/messages.po` (made with
`make translations LANG=<code>` and translated in any .po editor) and restarting: no code, and
no compiled .mo file to remember, because the .po files are read and compiled in memory here.

Each resident's or volunteer's choice lives in their session, so a kiosk goes back to the
council's default language when it starts again. Staff screens stay in English.
"""

import csv
import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import flask_babel
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import (
    Blueprint,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)

import i18n
from auth import safe_next

TRANSLATIONS = Path(__file__).parent / "translations"
TRANSLATED_BLUEPRINTS = {"kiosk", "volunteer", "languages"}
TRANSLATED_ENDPOINTS = {"auth.volunteer_signin"}

log = logging.getLogger(__name__)
bp = Blueprint("languages", __name__)


@dataclass(frozen=True)
class Language:
    code: str  # in URLs and the session: "en", "cy", "ur"
    locale: Locale  # for words, dates and numbers: en_GB for English

    @property
    def name(self) -> str:
        """The language's name in its own script, as its speakers would look for it."""
        own = self.locale.languages.get(self.locale.language) or self.locale.get_display_name()
        return own[:1].upper() + own[1:]

    @property
    def tag(self) -> str:
        """For `lang` attributes and speech synthesis: "en-GB", "cy", "ur"."""
        return str(self.locale).replace("_", "-")

    @property
    def direction(self) -> str:
        return self.locale.text_direction  # "rtl" for Urdu, Arabic, Farsi…


def _po_files(directory: Path) -> dict[str, Path]:
    return {p.parent.parent.name: p for p in sorted(directory.glob("*/LC_MESSAGES/messages.po"))}


@functools.cache
def _compiled(path: Path, modified: int) -> Translations | None:
    """A .po file as gettext translations, compiled in memory (cached until it changes)."""
    try:
        with path.open("rb") as po:
            catalog = read_po(po)
        mo = io.BytesIO()
        write_mo(mo, catalog)
        mo.seek(0)
        return Translations(mo)
    except Exception:  # a broken file must not stop the kiosk: that language is left out
        log.exception("Could not read the translations in %s", path)
        return None


def translations_for(code: str, directory: Path = TRANSLATIONS) -> Translations | None:
    """One stat of the language's .po file; compiled again only when it has changed."""
    path = directory / code / "LC_MESSAGES" / "messages.po"
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        return None
    return _compiled(path, modified)


def available(app=None) -> list[Language]:
    """The default language first, then every language with a readable .po file."""
    app = app or current_app
    found = app.extensions["doorstep_languages"]
    return list(found.values())


def _discover(app) -> dict[str, Language]:
    """The default language first, English (the words as written) next, then each .po file
    that can be read and names a language Babel knows; any other file is logged and skipped."""
    directory = Path(app.config["TRANSLATIONS"])
    default = app.config["DEFAULT_LANGUAGE"]
    found = {}
    for code in dict.fromkeys([default, "en", *_po_files(directory)]):
        if code == "en":
            found[code] = Language(code, i18n.ENGLISH)
            continue
        try:
            locale = Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            log.error("translations/%s is not a language code Babel knows; left out", code)
            continue
        if translations_for(code, directory) is not None:
            found[code] = Language(code, locale)
    return found


ENGLISH = Language("en", i18n.ENGLISH)


def _translated_screen() -> bool:
    return has_request_context() and (request.blueprint in TRANSLATED_BLUEPRINTS
                                      or request.endpoint in TRANSLATED_ENDPOINTS)


def current() -> Language:
    """The language of this request's screen: the person's choice on kiosk and tablet
    screens (the council's default until they choose), English everywhere else."""
    languages = current_app.extensions["doorstep_languages"]
    if not _translated_screen():
        return ENGLISH
    return languages.get(session.get("language"),
                         languages[current_app.config["DEFAULT_LANGUAGE"]])


class PoDomain(flask_babel.Domain):
    """Flask-Babel's message domain, reading our .po files instead of .mo files."""

    def get_translations(self):
        """Looked up once per request (a page asks for every word it shows)."""
        if not has_request_context():
            return NullTranslations()
        if "doorstep_translations" not in g:
            found = translations_for(current().code, Path(current_app.config["TRANSLATIONS"]))
            g.doorstep_translations = found or NullTranslations()
        return g.doorstep_translations


def translated(text: str | None) -> str | None:
    """A label from data or a constant marked with N_ (a topic, an outcome), in the screen's
    language when the catalogue has it, else as written. Plain text, so Jinja escapes it."""
    return flask_babel.get_translations().gettext(text) if text else text


@bp.get("/language/<code>")
def choose(code):
    """A language name was tapped: use it for this person from now on, on the same screen.
    An unknown code changes nothing (there is nothing to say to a person who typed it)."""
    if code in current_app.extensions["doorstep_languages"]:
        session["language"] = code
    return redirect(safe_next(request.args.get("next"), url_for("home")), 303)


def init_app(app) -> None:
    app.config.setdefault("DEFAULT_LANGUAGE", "en")
    app.config.setdefault("TRANSLATIONS", str(TRANSLATIONS))
    app.extensions["doorstep_languages"] = _discover(app)
    if app.config["DEFAULT_LANGUAGE"] not in app.extensions["doorstep_languages"]:
        raise RuntimeError(f"DOORSTEP_DEFAULT_LANGUAGE={app.config['DEFAULT_LANGUAGE']} has "
                           "no readable translations/<code>/LC_MESSAGES/messages.po")
    babel = flask_babel.Babel(app, locale_selector=lambda: str(current().locale),
                              timezone_selector=lambda: "Europe/London")
    babel.domain_instance = PoDomain()
    i18n.use(flask_babel.get_translations, flask_babel.get_locale)
    app.register_blueprint(bp)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} keys without layout
    app.jinja_env.globals.update(format_day=i18n.format_day, format_clock=i18n.format_clock,
                                 format_number=i18n.format_number, translated=translated,
                                 long_date=i18n.format_long_date)

    @app.context_processor
    def _languages():
        return {"languages": available(app), "language": current()}


def extract_skills_csv(fileobj, keywords, comment_tags, options):
    """`pybabel extract` for the skills framework CSV: each task's plain wording is shown
    on the tablet, so it goes into the catalogue with the screens' own words."""
    rows = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8"))
    for number, row in enumerate(rows, start=2):
        yield number, None, row["plain"], [f"Skills task {row['code']}"]
