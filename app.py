"""create_app(): configuration, database, sign-in, blueprints and CLI. Wiring only."""

import secrets
from pathlib import Path

from flask import Flask, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx
from werkzeug.routing import IntegerConverter

import auth
import backup
import db
import demo
import formatting
import languages
import reminders_cli
import retention
import security_headers
from i18n import N_, _

DEFAULTS = {
    "DATABASE": None,  # set from the instance folder below unless DOORSTEP_DATABASE is given
    "SERVICE_NAME": "Doorstep Library Service",
    "SERVICE_PHONE": "0161 000 0000",
    "DEFAULT_LANGUAGE": "en",  # a kiosk's language until someone chooses; any .po's code
    "KIOSK_IDLE_SECONDS": 120,  # the kiosk starts again (screen and session) after this
    "KIOSK_WARNING_SECONDS": 30,  # "Are you still there?" shows this long before that reset
    "KIOSK_PRINTING": False,  # DOORSTEP_KIOSK_PRINTING=true: kiosks print "I'll come back" slips
    "SESSION_IDLE_MINUTES": {"staff": 30, "volunteer": 240, "partner": 30},
    "VOLUNTEER_IDLE_MINUTES": None,  # DOORSTEP_VOLUNTEER_IDLE_MINUTES=480 overrides "volunteer"
    "PROXY_HOPS": 0,  # DOORSTEP_PROXY_HOPS=1 behind one nginx: trust its X-Forwarded-Proto/-For
    "QUEUE_POLL_SECONDS": 3,
    "KIOSK_POLL_SECONDS": 10,
    "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the (server-side) session
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # no request body bigger than this, anywhere
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # Secure anyway on every HTTPS request (security_headers)
}


class RowIdConverter(IntegerConverter):
    """`<int:id>` URLs: an id too big for SQLite is a 404, not an OverflowError."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", db.MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def _secret_key(instance: Path) -> str:
    """A stable generated key in the instance folder when DOORSTEP_SECRET_KEY is not set."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("DOORSTEP")
    if test_config:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    if not app.config["DATABASE"]:
        app.config["DATABASE"] = str(instance / "doorstep.db")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)

    app.url_map.converters["int"] = RowIdConverter
    Htmx(app)
    CSRFProtect(app)
    db.init_app(app)
    auth.init_app(app)
    demo.init_app(app)
    formatting.init_app(app)
    languages.init_app(app)
    reminders_cli.init_app(app)
    retention.init_app(app)
    backup.init_app(app)
    security_headers.init_app(app)

    from kiosk.views import bp as kiosk_bp
    from partner import bp as partner_bp
    from public import bp as public_bp
    from staff import bp as staff_bp
    from volunteer.views import bp as volunteer_bp

    app.register_blueprint(kiosk_bp)
    app.register_blueprint(volunteer_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(partner_bp)
    app.register_blueprint(public_bp)

    @app.get("/healthz")
    def healthz():
        try:
            db.get_db().execute("select 1").fetchone()
        except Exception:  # any database failure means not healthy
            return jsonify(status="unavailable"), 503
        return jsonify(status="ok")

    @app.get("/")
    def home():
        return render_template("home.html")

    for code, (title, message) in ERROR_PAGES.items():
        app.register_error_handler(code, _error_page(code, title, message))
    return app


ERROR_PAGES = {
    CSRFError: (N_("This page had gone stale"),
                N_("Please go back, reload the page and try again.")),
    403: (N_("Not for this account"),
          N_("You are signed in, but this page is for someone else's role.")),
    404: (N_("Page not found"), N_("There is nothing here. Check the address or go back.")),
    405: (N_("That did not work"),
          N_("That action is not available here. Please go back and try again.")),
    500: (N_("Something went wrong"),
          N_("Sorry, that went wrong on our side. Nothing you typed was saved half-way.")),
}


def _error_page(code, title: str, message: str):
    """An error in the screen's own language, with a way back to that screen's start."""
    status = 400 if code is CSRFError else code

    def handler(_error):
        start = {"kiosk": "kiosk.start", "volunteer": "volunteer.index",
                 "partner": "partner.index"}.get(
            request.blueprint, "home")
        return render_template("error.html", title=_(title), message=_(message),
                               start=url_for(start)), status

    return handler
