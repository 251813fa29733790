"""Who is who: staff (username + password), volunteers (name + PIN), partners (username +
password, each belonging to one partner organisation that refers people), registered kiosks.

Sessions live in the database (`user_sessions`): the cookie holds only a random token,
so signing out, an idle timeout or a staff action really ends a session everywhere.
Failed sign-ins are counted per account, never per IP: a whole library shares one IP
(lockout.py). Staff may add a second factor, a code from an authenticator app (two_factor.py),
and a council may require one: the server-side session starts only once the code is right.
"""

import contextlib
import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlsplit

import click
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import with_appcontext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

import lockout
import two_factor
from audit import Actor, record, stamp, utcnow
from db import first, get_db, parse_id, write_transaction
from htmx import client_redirect, is_htmx
from i18n import _
from validation import InvalidInput, visible

ROLES = ("staff", "volunteer", "partner")
SIGNIN_VIEWS = {"volunteer": "auth.volunteer_signin", "partner": "auth.partner_signin"}
MAX_FAILED_SIGNINS = lockout.MAX_FAILED_SIGNINS
LOCKOUT_MINUTES = lockout.LOCKOUT_MINUTES
PENDING_SIGNIN = "pending_signin"  # Flask session key: password checked, second factor not yet
PENDING_SECONDS = 5 * 60
ENROLMENT_ENDPOINTS = {"staff.security_setup"}  # all a staff member may open until enrolled
ABSOLUTE_SESSION_HOURS = 12
KIOSK_COOKIE = "doorstep_kiosk"
TABLET_COOKIE = "doorstep_tablet"
PIN_PATTERN = re.compile(r"[0-9]{4,6}")  # ASCII digits only, the whole string

hasher = PasswordHasher()
_DUMMY_HASH = hasher.hash("not-a-real-secret")
login_manager = LoginManager()
bp = Blueprint("auth", __name__)


def token_hash(token: str) -> str:
    """Only hashes of session and kiosk tokens are stored: a copied database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin):
    """A signed-in person. `get_id` is the session token, not the user id (flask-login's
    “alternative tokens”), so the cookie names a session that the server can end."""

    def __init__(self, row: dict, token: str, venue_id: int | None):
        self.user_id = row["id"]
        self.username = row["username"]
        self.display_name = row["display_name"]
        self.role = row["role"]
        self.partner_id = row.get("partner_id") if row["role"] == "partner" else None
        self.totp_enabled = two_factor.enabled(row)
        self.token = token
        self.venue_id = venue_id

    def get_id(self) -> str:
        return self.token

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.display_name)


# ---- rules (take db first) ---------------------------------------------------------------


def validate_secret(role: str, secret: str) -> str | None:
    """Volunteers use a 4–6 digit PIN on a shared tablet; staff and partners a password of
    10+ characters (a partner signs in from their own office, over the internet)."""
    if role == "volunteer":
        return None if PIN_PATTERN.fullmatch(secret or "") else "A PIN is 4 to 6 digits."
    if len(secret or "") < 10:
        who = "partner" if role == "partner" else "staff"
        return f"A {who} password needs at least 10 characters."
    return None


def create_user(db, username: str, display_name: str, role: str, secret: str,
                actor: Actor | None = None, partner_id=None) -> int:
    """Add a person; raises InvalidInput with a message per field (username, role, secret,
    partner). A partner sign-in belongs to one active partner organisation."""
    username = " ".join(visible(username).split())
    display_name = " ".join(visible(display_name or username).split())
    errors = {}
    partner = None
    if role not in ROLES:
        errors["role"] = "Choose volunteer or staff."
    elif problem := validate_secret(role, secret):
        errors["secret"] = problem
    if role == "partner":
        partner = first(db["partners"].rows_where("id = ? and active = 1",
                                                  [parse_id(partner_id)]))
        if partner is None:
            errors["partner"] = "Choose the partner organisation this sign-in is for."
    if not username or len(username) > 60:
        errors["username"] = "Enter a name of up to 60 characters."
    if len(display_name) > 60:
        errors["display_name"] = "Enter a name of up to 60 characters."
    if errors:
        raise InvalidInput(errors)
    with write_transaction(db):
        if db["users"].count_where("username = ? collate nocase", [username]):
            raise InvalidInput({"username": f"{username!r} is already taken."})
        user_id = db["users"].insert({
            "username": username,
            "display_name": display_name,
            "role": role,
            "partner_id": partner["id"] if partner else None,
            "secret_hash": hasher.hash(secret),
            "created_at": stamp(utcnow()),
        }).last_pk
        record(db, actor, "user.create", "users", user_id,
               after={"username": username, "role": role,
                      **({"partner_id": partner["id"]} if partner else {})})
    return user_id


def switch_off_user(db, actor: Actor, user_id, partner_id=None) -> dict | None:
    """Someone left (a partner's support worker moved on): their sign-in opens nothing from
    now on and every session it has ends at once. The row stays, so the audit log and the
    referrals they made still say who it was. Returns the user, or None if there was no such
    active sign-in (with `partner_id`: none at that organisation)."""
    user_id = parse_id(user_id)
    with write_transaction(db):
        user = first(db["users"].rows_where(
            "id = ? and active = 1" + (" and partner_id = ?" if partner_id is not None else ""),
            [user_id] + ([parse_id(partner_id)] if partner_id is not None else [])))
        if user is None:
            return None
        db["users"].update(user["id"], {"active": 0})
        db["user_sessions"].delete_where("user_id = ?", [user["id"]])
        record(db, actor, "user.switch_off", "users", user["id"], before={"active": 1},
               after={"active": 0})
    return user


def check_credentials(db, username: str, secret: str, role: str,
                      now: datetime | None = None) -> tuple[dict | None, str | None]:
    """Return (user, None) on success or (None, message) — counting failures per account."""
    now = now or utcnow()
    user = first(db["users"].rows_where(
        "username = ? collate nocase and role = ? and active = 1", [(username or "").strip(), role]
    ))
    wrong = (_("Name or PIN not recognised.") if role == "volunteer"  # said on the tablet
             else "Username or password not recognised.")
    if user is not None and role == "partner" and not first(db["partners"].rows_where(
            "id = ? and active = 1", [user["partner_id"]])):
        user = None  # the organisation is no longer a partner: its sign-ins open nothing
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH, secret or "x")  # same time taken as a real check
        return None, wrong
    if lockout.is_locked(user, now):
        return None, lockout.locked_words()
    try:
        hasher.verify(user["secret_hash"], secret or "")
    except (VerificationError, InvalidHashError):
        return None, (lockout.locked_words() if lockout.count_failure(db, user["id"], now)
                      else wrong)
    if not (role == "staff" and two_factor.enabled(user)):
        # With a second factor the count carries on to the code, so a known password
        # cannot buy unlimited guesses at it; it starts again when the code is right.
        lockout.clear(db, user)
    return user, None


def start_session(db, user_id: int, venue_id: int | None, now: datetime | None = None) -> str:
    token = secrets.token_urlsafe(32)
    when = stamp(now or utcnow())
    db["user_sessions"].insert({"token_hash": token_hash(token), "user_id": user_id,
                                "venue_id": venue_id, "created_at": when, "last_seen_at": when})
    return token


def end_session(db, token: str) -> None:
    db["user_sessions"].delete_where("token_hash = ?", [token_hash(token)])


def session_user(db, token: str, idle_minutes: dict[str, int],
                 now: datetime | None = None) -> User | None:
    """The user behind a session token, or None once it has ended or timed out."""
    now = now or utcnow()
    row = first(db.query(
        """select s.venue_id, s.created_at, s.last_seen_at, u.* from user_sessions s
           join users u on u.id = s.user_id where s.token_hash = ? and u.active = 1""",
        [token_hash(token)],
    ))
    if row is None:
        return None
    idle = timedelta(minutes=idle_minutes.get(row["role"], 30))
    if (row["last_seen_at"] < stamp(now - idle)
            or row["created_at"] < stamp(now - timedelta(hours=ABSOLUTE_SESSION_HOURS))):
        end_session(db, token)
        return None
    if row["last_seen_at"] < stamp(now - timedelta(seconds=60)):
        # a plain UPDATE: a session ended meanwhile (signed out in another tab) is no error
        db.execute("update user_sessions set last_seen_at = ? where token_hash = ?",
                   [stamp(now), token_hash(token)])
    return User(row, token, row["venue_id"])


def register_kiosk(db, name: str, venue_id: int, actor: Actor) -> str:
    """Make a browser a kiosk: returns the long random token to put in its cookie."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        kiosk_id = db["kiosks"].insert({
            "token_hash": token_hash(token), "name": name, "venue_id": venue_id,
            "registered_by": actor.id, "registered_at": stamp(utcnow()),
        }).last_pk
        record(db, actor, "kiosk.register", "kiosks", kiosk_id,
               after={"name": name, "venue_id": venue_id})
    return token


def kiosk_for_token(db, token: str | None) -> dict | None:
    if not token:
        return None
    return first(db.query(
        """select k.*, v.name as venue_name from kiosks k join venues v on v.id = k.venue_id
           where k.token_hash = ? and k.revoked_at is null""",
        [token_hash(token)],
    ))


# ---- Flask wiring ------------------------------------------------------------------------


@login_manager.user_loader
def _load_user(token: str):
    return session_user(get_db(), token, current_app.config["SESSION_IDLE_MINUTES"])


@login_manager.unauthorized_handler
def _unauthorized():
    """Send the person to the right sign-in; htmx requests get HX-Redirect, never a login
    page swapped into a div."""
    view = SIGNIN_VIEWS.get(request.blueprint, "auth.staff_signin")
    target = url_for(view, next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if is_htmx():
        return Response("", 401, {"HX-Redirect": target})
    return redirect(target)


def require_role(*roles: str):
    """A blueprint's before_request guard: signed in, and in one of `roles`. While the council
    requires a second factor, staff without one can open only the page that sets it up."""

    def guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        if (current_user.role == "staff" and not current_user.totp_enabled
                and request.endpoint not in ENROLMENT_ENDPOINTS
                and two_factor.required(get_db())):
            return client_redirect(url_for("staff.security_setup"))
        return None

    return guard


def kiosk_required(view):
    """Kiosk screens show only on a browser that staff registered as a kiosk."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.kiosk = kiosk_for_token(get_db(), request.cookies.get(KIOSK_COOKIE))
        if g.kiosk is None:
            return render_template("kiosk/not_registered.html"), 403
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: never bounce a person to another site after signing in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or not target.isprintable():
        return default  # browsers read "\" as "/": "/\evil.example" is another site
    return target


def _sign_in(user_row: dict, venue_id: int | None) -> None:
    db = get_db()
    token = start_session(db, user_row["id"], venue_id)
    language = session.get("language")  # chosen on the sign-in screen itself
    session.clear()  # a fresh session: nothing of the last person carries over
    if language:
        session["language"] = language
    login_user(User(user_row, token, venue_id))


def _recent_names() -> list[str]:
    """Names from the tablet cookie; a garbled cookie means no names, never an error."""
    try:
        names = json.loads(request.cookies.get(TABLET_COOKIE, "{}")).get("names", [])
        return [n for n in names if isinstance(n, str) and 0 < len(n) <= 60
                and n.encode("utf-8", "replace").decode() == n][:6]
    except (ValueError, AttributeError, TypeError):
        return []


def _tablet_venue() -> int | None:
    try:
        return int(json.loads(request.cookies.get(TABLET_COOKIE, "{}")).get("venue"))
    except (ValueError, TypeError, AttributeError):
        return None


@bp.route("/signin/staff", methods=["GET", "POST"])
def staff_signin():
    form = {"username": request.form.get("username", "")}
    errors = {}
    if request.method == "POST":
        db = get_db()
        user, problem = check_credentials(db, form["username"],
                                          request.form.get("password", ""), "staff")
        if user:
            target = safe_next(request.args.get("next"), url_for("staff.index"))
            if two_factor.enabled(user):
                _begin_pending(user, target)
                return redirect(url_for("auth.staff_code"))
            if two_factor.required(db):
                _begin_pending(user, target)
                return redirect(url_for("auth.staff_enrol"))
            _sign_in(user, None)
            return redirect(target)
        errors["password"] = problem
    return render_template("auth/staff_signin.html", form=form, errors=errors), (
        401 if errors else 200)


@bp.route("/signin/partner", methods=["GET", "POST"])
def partner_signin():
    """Partner organisations (a support worker, a GP practice, a housing officer) sign in to
    refer people for a device loan and follow their own referrals."""
    form = {"username": request.form.get("username", "")}
    errors = {}
    if request.method == "POST":
        user, problem = check_credentials(get_db(), form["username"],
                                          request.form.get("password", ""), "partner")
        if user:
            _sign_in(user, None)
            return redirect(safe_next(request.args.get("next"), url_for("partner.index")))
        errors["password"] = problem
    return render_template("auth/partner_signin.html", form=form, errors=errors), (
        401 if errors else 200)


# ---- the second step for staff: a code from an authenticator app ---------------------------
#
# After the right password a staff member with a second factor (or one the council makes
# set one up) is only *pending*: the Flask session holds their id and the time, for five
# minutes, and no server-side session exists yet, so the pending state opens nothing
# (`require_role` sees nobody signed in). The session cookie is signed, so it cannot be
# forged; a copy of it only allows trying codes, which count toward the account's lockout.


def _begin_pending(user: dict, target: str) -> None:
    session.clear()  # nothing of an earlier sign-in on this browser carries over
    session[PENDING_SIGNIN] = {"user": user["id"], "at": int(utcnow().timestamp()),
                               "next": target}


def _pending_user() -> dict | None:
    """The staff member part-way through signing in, or None when there is none or it has
    taken longer than five minutes."""
    pending = session.get(PENDING_SIGNIN)
    try:
        user_id, started = int(pending["user"]), int(pending["at"])
    except (TypeError, KeyError, ValueError):
        return None
    if not 0 <= utcnow().timestamp() - started <= PENDING_SECONDS:
        return None
    return first(get_db()["users"].rows_where("id = ? and role = 'staff' and active = 1",
                                              [user_id]))


def _start_again():
    """Back to the password, with a word about why when a pending sign-in ran out."""
    if session.pop(PENDING_SIGNIN, None) is not None:
        flash("That took longer than five minutes, so please sign in again.")
    return redirect(url_for("auth.staff_signin"))


def _finish_pending(user_id: int):
    """The second step is done: now the real, server-side session starts."""
    target = safe_next(session.get(PENDING_SIGNIN, {}).get("next"), url_for("staff.index"))
    _sign_in(get_db()["users"].get(user_id), None)  # clears the pending state
    return target


def no_store(response):
    """Pages showing a secret or recovery codes are never kept in a browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/signin/staff/code", methods=["GET", "POST"])
def staff_code():
    db = get_db()
    user = _pending_user()
    if user is None:
        return _start_again()
    if not two_factor.enabled(user):  # reset by someone else meanwhile
        if two_factor.required(db):
            return redirect(url_for("auth.staff_enrol"))
        session.pop(PENDING_SIGNIN, None)
        return redirect(url_for("auth.staff_signin"))
    if request.method == "POST":
        code = request.form.get("code", "")
        problem = two_factor.verify_code(db, user["id"], code, two_factor.cipher(current_app))
        if problem is None:
            return redirect(_finish_pending(user["id"]))
        return _code_form("auth/staff_code.html", problem, code[:20], two_factor.BAD_FORMAT)
    return _code_form("auth/staff_code.html")


def _code_form(template: str, problem: str | None = None, typed: str = "",
               mistyped: str | None = None):
    """The code form again: a mistyped code is kept to correct (422); a wrong one is not
    shown back (401), as a wrong password is not."""
    errors = {"code": problem} if problem else {}
    if problem is not None and problem == mistyped:
        return render_template(template, form={"code": typed}, errors=errors), 422
    return render_template(template, form={"code": ""}, errors=errors), 401 if problem else 200


@bp.route("/signin/staff/recovery", methods=["GET", "POST"])
def staff_recovery():
    user = _pending_user()
    if user is None or not two_factor.enabled(user):
        return _start_again()
    if request.method == "POST":
        code = request.form.get("code", "")
        left, problem = two_factor.use_recovery_code(get_db(), user["id"], code,
                                                     two_factor.cipher(current_app))
        if problem is None:
            _finish_pending(user["id"])
            flash(f"You signed in with a recovery code, which now cannot be used again. You "
                  f"have {left} left. If your phone is lost, set up your second factor again.")
            return redirect(url_for("staff.security"))
        return _code_form("auth/staff_recovery.html", problem, code[:40],
                          two_factor.RECOVERY_FORMAT)
    return _code_form("auth/staff_recovery.html")


@bp.route("/signin/staff/set-up", methods=["GET", "POST"])
def staff_enrol():
    """The council requires a second factor and this staff member has none yet: they set
    it up before their first page."""
    db = get_db()
    user = _pending_user()
    if user is None:
        return _start_again()
    if two_factor.enabled(user):
        return redirect(url_for("auth.staff_code"))
    box = two_factor.cipher(current_app)
    errors = {}
    if request.method == "POST":
        try:
            codes = two_factor.confirm_setup(db, user["id"], request.form.get("code"), box,
                                             Actor(user["id"], user["display_name"]))
        except InvalidInput as e:
            errors = e.errors
        else:
            target = _finish_pending(user["id"])
            return no_store(make_response(render_template(
                "auth/recovery_codes.html", codes=codes, next_url=target)))
    secret = two_factor.begin_setup(db, user["id"], box)
    return no_store(make_response(render_template(
        "auth/staff_enrol.html", errors=errors,
        **setup_context(secret, user["username"])), 422 if errors else 200))


def setup_context(secret: str, username: str) -> dict:
    """What a set-up page shows: the QR code, and the same secret typed out in groups."""
    uri = two_factor.provisioning_uri(secret, username, current_app.config["SERVICE_NAME"])
    return {"qr": two_factor.qr_svg(uri), "secret": two_factor.spaced(secret),
            "account": username, "issuer": current_app.config["SERVICE_NAME"]}


@bp.route("/signin/volunteer", methods=["GET", "POST"])
def volunteer_signin():
    db = get_db()
    venues = list(db["venues"].rows_where("active = 1", order_by="name"))
    form = {"name": request.values.get("name", ""),
            "venue": request.form.get("venue", str(_tablet_venue() or ""))}
    errors = {}
    if request.method == "POST":
        venue_ids = {str(v["id"]) for v in venues}
        if form["venue"] not in venue_ids:
            errors["venue"] = _("Choose where you are volunteering today.")
        user, problem = check_credentials(db, form["name"], request.form.get("pin", ""),
                                          "volunteer")
        if problem:
            errors["pin"] = problem
        if not errors:
            _sign_in(user, int(form["venue"]))
            response = redirect(safe_next(request.args.get("next"), url_for("volunteer.index")))
            names = [user["username"]] + [n for n in _recent_names() if n != user["username"]]
            response.set_cookie(TABLET_COOKIE, json.dumps({"venue": int(form["venue"]),
                                                           "names": names[:6]}),
                                max_age=60 * 60 * 24 * 365, httponly=True, samesite="Lax",
                                secure=request.is_secure)
            return response
    return render_template("auth/volunteer_signin.html", form=form, errors=errors, venues=venues,
                           recent_names=_recent_names()), (401 if errors else 200)


@bp.route("/signout", methods=["POST"])
def signout():
    """End the server-side session. `switch` hands a shared tablet to the next volunteer."""
    role = getattr(current_user, "role", None)
    if current_user.is_authenticated:
        end_session(get_db(), current_user.token)
    logout_user()
    session.clear()
    if request.form.get("switch") or role == "volunteer":
        flash("Signed out. Next volunteer, please sign in.")
        return redirect(url_for("auth.volunteer_signin"))
    if role == "partner":
        flash("You have signed out.")
        return redirect(url_for("auth.partner_signin"))
    flash("You have signed out.")
    return redirect(url_for("auth.staff_signin"))


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--name", "display_name", help="Name shown on screens (default: username).")
@click.option("--partner-id", type=int, help="For --role partner: the partner organisation's id.")
@click.option("--password", prompt="Password (volunteers: a 4-6 digit PIN)", hide_input=True,
              confirmation_prompt=True, envvar="DOORSTEP_NEW_USER_PASSWORD")
def create_user_command(username, role, display_name, partner_id, password):
    """Add a staff member, a volunteer or a partner organisation's sign-in."""
    try:
        create_user(get_db(), username, display_name or username, role, password,
                    partner_id=partner_id)
    except InvalidInput as e:
        raise click.ClickException(" ".join(e.errors.values())) from None
    click.echo(f"Created {role} {username!r}.")


def init_app(app) -> None:
    two_factor.init_app(app)
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(create_user_command)
