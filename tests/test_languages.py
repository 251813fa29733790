"""Languages: found from .po files, chosen per kiosk or tablet session, and complete.

The catalogue tests are what keep the translations whole: a word added to a kiosk or
tablet screen without running `make translations`, or left untranslated in a language we
ship, fails here with the word named.
"""

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import auth
import i18n
import languages
from audit import Actor
from tests.conftest import make_app

pytestmark = pytest.mark.usefixtures("fast_hashing")

ROOT = Path(__file__).parent.parent
SHIPPED = ("cy", "pl", "ur")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def text(response) -> str:
    return response.get_data(as_text=True)


def kiosk_for(app):
    """A test client that is a registered kiosk at a new venue of `app`."""
    import db as dbmod

    database = dbmod.connect(app.config["DATABASE"])
    venue = database["venues"].insert({"name": "Wigan Library"}).last_pk
    staff = auth.create_user(database, "sam", "Sam Staff", "staff", "correct horse battery",
                             Actor(None, "test"))
    token = auth.register_kiosk(database, "Front desk", venue, Actor(staff, "Sam Staff"))
    database.conn.close()
    client = app.test_client()
    client.set_cookie(auth.KIOSK_COOKIE, token)
    return client


def test_the_shipped_languages_are_named_in_their_own_script(app):
    found = {lang.code: lang for lang in languages.available(app)}
    assert list(found)[0] == "en"  # the default first
    assert set(SHIPPED) <= set(found)
    assert [found[c].name for c in ("en", "cy", "pl", "ur")] == [
        "English", "Cymraeg", "Polski", "اردو"]
    assert found["ur"].direction == "rtl"
    assert {found[c].direction for c in ("en", "cy", "pl")} == {"ltr"}
    assert found["en"].tag == "en-GB"


def test_choosing_urdu_turns_the_kiosk_right_to_left_and_start_again_forgets_it(app):
    kiosk = kiosk_for(app)
    assert '<html lang="en-GB" dir="ltr"' in text(kiosk.get("/kiosk/"))
    response = kiosk.get("/language/ur?next=/kiosk/whats-on")
    assert response.status_code == 303
    assert response.headers["Location"] == "/kiosk/whats-on"
    assert '<html lang="ur" dir="rtl"' in text(kiosk.get("/kiosk/"))
    kiosk.get("/kiosk/reset")
    assert '<html lang="en-GB" dir="ltr"' in text(kiosk.get("/kiosk/"))


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x",
                                      "/\\evil.example"])
def test_the_language_link_only_returns_to_this_site(app, next_url):
    response = app.test_client().get("/language/cy", query_string={"next": next_url})
    assert response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(app):
    kiosk = kiosk_for(app)
    kiosk.get("/kiosk/")
    kiosk.get("/language/cy?next=/kiosk/")
    assert kiosk.get("/language/xx?next=/kiosk/").status_code == 303
    assert kiosk.get("/language/%2e%2e?next=/kiosk/").status_code in (303, 404)
    assert '<html lang="cy"' in text(kiosk.get("/kiosk/"))


def test_staff_screens_stay_in_english_whatever_the_browser_chose(app, db, staff):
    client = app.test_client()
    client.get("/language/ur")
    assert client.post("/signin/staff", data={"username": "sam",
                                              "password": "correct horse battery"}
                       ).status_code == 302
    page = text(client.get("/staff/"))
    assert '<html lang="en-GB" dir="ltr"' in page


def test_a_council_default_language_applies_until_someone_chooses(tmp_path):
    app = make_app(tmp_path, DEFAULT_LANGUAGE="cy")
    kiosk = kiosk_for(app)
    assert '<html lang="cy" dir="ltr"' in text(kiosk.get("/kiosk/"))
    assert languages.available(app)[0].code == "cy"
    kiosk.get("/language/en?next=/kiosk/")
    assert '<html lang="en-GB"' in text(kiosk.get("/kiosk/"))
    assert '<html lang="en-GB"' in text(app.test_client().get("/signin/staff"))


def test_a_default_language_without_translations_stops_the_app_starting(tmp_path):
    with pytest.raises(RuntimeError, match="DOORSTEP_DEFAULT_LANGUAGE=xx"):
        make_app(tmp_path, DEFAULT_LANGUAGE="xx")


def _council_translations(tmp_path) -> Path:
    """The shipped languages plus one a council added: a .po file and nothing else."""
    directory = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", directory)
    french = directory / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    (french / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "Skip to main content"\nmsgstr "Aller au contenu principal"\n', "utf-8")
    broken = directory / "xx" / "LC_MESSAGES"
    broken.mkdir(parents=True)
    (broken / "messages.po").write_text('msgid "unterminated\n', "utf-8")
    return directory


def test_a_council_adds_a_language_with_a_po_file_and_no_code(tmp_path, caplog):
    app = make_app(tmp_path, TRANSLATIONS=str(_council_translations(tmp_path)))
    found = {lang.code: lang.name for lang in languages.available(app)}
    assert found["fr"] == "Français"
    assert "xx" not in found  # not a language: left out, logged, and the app still starts
    assert "translations/xx" in caplog.text
    kiosk = kiosk_for(app)
    assert "/language/fr?" in text(kiosk.get("/kiosk/"))  # offered on the screen
    kiosk.get("/language/fr?next=/kiosk/")
    page = text(kiosk.get("/kiosk/"))
    assert '<html lang="fr" dir="ltr"' in page
    assert "Aller au contenu principal" in page
    assert "What do you need help with?" in page  # not translated yet: English, not blank


def test_a_changed_po_file_is_read_again_without_a_restart(tmp_path):
    directory = _council_translations(tmp_path)
    app = make_app(tmp_path, TRANSLATIONS=str(directory))
    kiosk = kiosk_for(app)
    kiosk.get("/kiosk/")
    kiosk.get("/language/fr?next=/kiosk/")
    po = directory / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text("utf-8").replace("Aller au contenu principal",
                                                "Aller au contenu"), "utf-8")
    assert "Aller au contenu<" in text(kiosk.get("/kiosk/"))


def test_outside_a_request_words_and_days_are_british_english():
    from datetime import date, time

    assert i18n._("Choose how it went.") == "Choose how it went."
    assert i18n.ngettext("%(num)s minute", "%(num)s minutes", 1) == "1 minute"
    assert i18n.ngettext("%(num)s minute", "%(num)s minutes", 1500) == "1,500 minutes"
    assert i18n.format_day(date(2026, 11, 24)) == "Tuesday 24 November"
    assert i18n.format_clock(time(9, 5)) == "09:05"


def test_days_and_numbers_follow_the_chosen_language(app):
    from datetime import date

    day = date(2026, 11, 24)
    expected = {"cy": "Dydd Mawrth, 24 Tachwedd", "pl": "wtorek, 24 listopada",
                "ur": "منگل، 24 نومبر"}
    for code, words in expected.items():
        with app.test_request_context("/kiosk/"):
            from flask import session
            session["language"] = code
            assert i18n.format_day(day) == words
            assert i18n.format_number(1234.5) == {"cy": "1,234.5", "pl": "1\xa0234,5",
                                                   "ur": "1,234.5"}[code]


# ------------------------------------------------------------- the catalogue is whole


def _extracted() -> set[str]:
    """Every msgid the code and templates mark, extracted the way `make translations` does."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map,
            directory_filter=lambda d: not Path(d).name.startswith(".")
            and Path(d).name not in {"tests", "deploy", "static", "instance"}):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalog(code: str):
    with (ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


def test_the_catalogue_has_every_marked_word(extracted):
    """Fails when a screen gained words and `make translations` was not run."""
    with (ROOT / "translations" / "messages.pot").open("rb") as pot:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}
    assert sorted(extracted - template) == []
    assert sorted(template - extracted) == []


@pytest.mark.parametrize("code", SHIPPED)
def test_every_word_is_translated_with_the_same_placeholders(code, extracted):
    catalog = _catalog(code)
    untranslated, mismatched = [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(ids[0])
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if not set(PLACEHOLDER.findall(string)) <= wanted:
                mismatched.append((ids[0], string))
        if len(ids) == 1 and set(PLACEHOLDER.findall(strings[0])) != wanted:
            mismatched.append((ids[0], strings[0]))
    assert untranslated == []
    assert mismatched == []
    assert [(m.id, [str(e) for e in errors]) for m, errors in catalog.check() if errors] == []
    assert {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id} >= extracted


@pytest.mark.parametrize("code", SHIPPED)
def test_translations_keep_the_html_the_sentence_carries(code):
    tag = re.compile(r"</?\w+[^>]*>")
    for message in _catalog(code):
        if message.id and not isinstance(message.id, tuple) and tag.search(message.id):
            assert sorted(tag.findall(message.string)) == sorted(tag.findall(message.id)), \
                message.id
