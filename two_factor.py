"""A second factor for staff: a 6-digit code from an authenticator app (TOTP, RFC 6238), with
single-use recovery codes for a lost phone. No Flask here.

The seed and the recovery-code hashes are stored encrypted (Fernet) with a key kept outside
the database — `DOORSTEP_DATA_KEY`, or a generated `instance/data_key` — so a copied database
file cannot mint codes. Wrong codes count toward the same per-account lockout as passwords
(lockout.py). Volunteers sign in with a PIN on shared tablets and have no second factor.
"""

import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pyotp
import qrcode
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage

import council_settings
import lockout
from audit import Actor, record, stamp, utcnow
from db import first, write_transaction
from validation import InvalidInput, visible

DIGITS = 6
STEP_SECONDS = 30
WINDOW = 1  # one step either side: a phone clock up to about 30 seconds out still works
RECOVERY_CODE_COUNT = 8
RECOVERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread
RECOVERY_LENGTH = 10  # 50 random bits each, so stored with a salted slow hash (ASVS 6.5.2)
REQUIRED_KEY = "staff_second_factor_required"
REASON_MAX = 200
EXTENSION = "doorstep_data_key"

# OWASP's minimum argon2id settings: a sign-in with a recovery code checks up to 8 hashes.
recovery_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

BAD_FORMAT = "Enter the 6 digits from your authenticator app."
WRONG = "That code is not right. Check the time on your phone and try the newest code."
USED = "That code has just been used. Wait for the next one to appear, then type it."
NOT_ON = "This account does not have a second factor switched on."
UNREADABLE = ("Your second factor cannot be checked on this server (its data key has changed). "
              "Ask another member of staff to reset it.")
RECOVERY_FORMAT = "Enter one of your recovery codes: 10 letters and numbers, like ABCDE-23456."
ANY_CODE_FORMAT = ("Enter the 6 digits from your authenticator app, or one of your recovery "
                   "codes.")
RECOVERY_WRONG = "That recovery code is not right, or it has already been used."
REQUIRED_NEEDS_YOURS = ("Set up your own second factor first, so that switching this on "
                        "does not stop you.")


# ---- the key, kept outside the database ---------------------------------------------------


def load_cipher(configured: str | None, instance: Path) -> MultiFernet:
    """`configured` is one Fernet key, or several separated by commas when a key is being
    replaced (the first encrypts, all decrypt); without it, a key file in the instance folder."""
    keys = [k.strip() for k in str(configured or "").split(",") if k.strip()]
    try:
        return MultiFernet([Fernet(k) for k in keys or [_key_file(instance)]])
    except (ValueError, TypeError):
        raise RuntimeError(
            "DOORSTEP_DATA_KEY is not a valid key. Make one with: python -c \"from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\""
        ) from None


def _key_file(instance: Path) -> str:
    """A generated key, readable only by the service's own user. Written to a temporary file
    and linked into place, so workers starting together all end up with the same key."""
    path = instance / "data_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        temporary = instance / f".data_key.{secrets.token_hex(8)}"
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as out:
            out.write(Fernet.generate_key().decode())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another worker won the race: use its key
        finally:
            temporary.unlink()
    return path.read_text().strip()


def init_app(app) -> None:
    """Resolve the data key when the app starts, so a bad key stops it at once."""
    app.extensions[EXTENSION] = load_cipher(app.config.get("DATA_KEY"), Path(app.instance_path))


def cipher(app) -> MultiFernet:
    return app.extensions[EXTENSION]


def _seal(box: MultiFernet, secret: str, recovery_hashes: list[str]) -> str:
    plain = json.dumps({"secret": secret, "recovery": recovery_hashes})
    return box.encrypt(plain.encode()).decode()


def _unseal(box: MultiFernet, token: str) -> dict:
    """Raises InvalidToken when the data key does not open it."""
    return json.loads(box.decrypt(token.encode()))


# ---- who has one, and the council's setting -------------------------------------------------


def enabled(user: dict) -> bool:
    return bool(user.get("totp_enabled_at"))


def required(db) -> bool:
    """Has the council made a second factor compulsory for every staff sign-in?"""
    return council_settings.get_int(db, REQUIRED_KEY, 0, range(2)) == 1


def set_required(db, actor: Actor, value, now: datetime | None = None) -> bool:
    """Switch the requirement on ("1") or off ("0"), audited. Switching it on needs the
    person doing it to have a second factor themselves, or they would shut themselves out."""
    if str(value or "").strip() == "1":
        me = first(db["users"].rows_where("id = ?", [actor.id]))
        if me is None or not enabled(me):
            raise InvalidInput({"required": REQUIRED_NEEDS_YOURS})
    return council_settings.set_int(db, actor, REQUIRED_KEY, value, 0, range(2), "required",
                                    "Choose whether staff need a second factor.", now) == 1


# ---- setting one up -------------------------------------------------------------------------


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The set-up QR code as inline SVG drawn on the server. Never cached, and its label
    does not repeat the secret it carries."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(uri)
    code.make(fit=True)
    svg = code.make_image(image_factory=SvgPathFillImage).get_image()
    svg.attrib.update(width="240", height="240", role="img",
                      **{"aria-label": "QR code to scan with your authenticator app"})
    return Markup(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S704 (ElementTree escapes)


def begin_setup(db, user_id: int, box: MultiFernet) -> str:
    """The secret to show while a staff member sets up their app: the one already waiting
    (so reloading the page does not change the QR code they scanned), or a new one. It does
    nothing at sign-in until `confirm_setup` switches it on."""
    with write_transaction(db):
        user = db["users"].get(user_id)
        if user["role"] != "staff":
            raise InvalidInput({"code": "Only staff sign-ins have a second factor."})
        if enabled(user):
            raise InvalidInput({"code": "Your second factor is already switched on."})
        if user["totp_secret"]:
            try:
                return _unseal(box, user["totp_secret"])["secret"]
            except InvalidToken:
                pass  # written under a key this server no longer has: start again
        secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        db["users"].update(user_id, {"totp_secret": _seal(box, secret, []),
                                     "totp_last_step": None})
    return secret


def new_recovery_codes() -> list[str]:
    return [_format_recovery("".join(secrets.choice(RECOVERY_ALPHABET)
                                     for _ in range(RECOVERY_LENGTH)))
            for _ in range(RECOVERY_CODE_COUNT)]


def _format_recovery(text: str) -> str:
    return f"{text[:5]}-{text[5:]}"


def _normal_recovery(code: str | None) -> str | None:
    """What was typed, without spaces or dashes and in capitals; None when it cannot be one."""
    text = "".join(str(code or "").replace("-", " ").split()).upper()
    if len(text) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in text):
        return None
    return text


def _hash_codes(codes: list[str]) -> list[str]:
    return [recovery_hasher.hash(_normal_recovery(c)) for c in codes]


def _digits(code: str | None) -> str | None:
    text = "".join(str(code or "").split())
    return text if len(text) == DIGITS and text.isascii() and text.isdigit() else None


def _matching_step(secret: str, digits: str, now: datetime) -> int | None:
    """The latest time step within the window whose code is `digits`, or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), digits):
            found = step
    return found


def confirm_setup(db, user_id: int, code, box: MultiFernet, actor: Actor,
                  now: datetime | None = None) -> list[str]:
    """Switch the second factor on once a code from the app proves it was set up right.
    Returns the recovery codes, to be shown once: only their hashes are kept."""
    now = now or utcnow()
    digits = _digits(code)
    if digits is None:
        raise InvalidInput({"code": BAD_FORMAT})
    user = db["users"].get(user_id)
    if enabled(user):
        raise InvalidInput({"code": "Your second factor is already switched on."})
    try:
        secret = _unseal(box, user["totp_secret"] or "")["secret"]
    except InvalidToken:
        raise InvalidInput({"code": "Set-up has to start again: reload this page."}) from None
    step = _matching_step(secret, digits, now)
    if step is None:
        raise InvalidInput({"code": "That code does not match. Check you scanned the code "
                                    "on this page, then type the newest code."})
    codes = new_recovery_codes()
    hashes = _hash_codes(codes)  # slow on purpose, so only for a right code, before the lock
    with write_transaction(db):
        if db["users"].get(user_id)["totp_secret"] != user["totp_secret"]:
            raise InvalidInput({"code": "Set-up has to start again: reload this page."})
        db["users"].update(user_id, {"totp_secret": _seal(box, secret, hashes),
                                     "totp_enabled_at": stamp(now), "totp_last_step": step})
        record(db, actor, "user.second_factor_on", "users", user_id,
               after={"second_factor": "on", "recovery_codes": len(codes)}, now=now)
    return codes


# ---- checking a code ----------------------------------------------------------------------


def verify_code(db, user_id: int, code, box: MultiFernet,
                now: datetime | None = None) -> str | None:
    """None when `code` is the user's current code (it is then used up), else the message to
    show. A code from up to one step either side is accepted; a code from a step already used
    is refused. Wrong codes count toward the account's lockout, as wrong passwords do."""
    now = now or utcnow()
    digits = _digits(code)
    if digits is None:
        return BAD_FORMAT  # a slip of the keyboard, not a guess: not counted
    with write_transaction(db):
        user = db["users"].get(user_id)
        if lockout.is_locked(user, now):
            return lockout.LOCKED
        if not enabled(user):
            return NOT_ON
        try:
            secret = _unseal(box, user["totp_secret"])["secret"]
        except InvalidToken:
            return UNREADABLE
        step = _matching_step(secret, digits, now)
        last = user["totp_last_step"]
        if step is not None and (last is None or step > last):
            db["users"].update(user_id, {"totp_last_step": step})
            lockout.clear(db, user)
            return None
        locked = lockout.count_failure(db, user_id, now)  # joins this transaction
    if locked:
        return lockout.LOCKED
    return USED if step is not None else WRONG


def use_recovery_code(db, user_id: int, code, box: MultiFernet,
                      now: datetime | None = None) -> tuple[int | None, str | None]:
    """(codes left, None) when `code` is one of the user's unused recovery codes — it is then
    used up, and audited — else (None, message). Wrong codes count toward the lockout."""
    now = now or utcnow()
    text = _normal_recovery(code)
    if text is None:
        return None, RECOVERY_FORMAT
    user = db["users"].get(user_id)
    if lockout.is_locked(user, now):
        return None, lockout.LOCKED
    if not enabled(user):
        return None, NOT_ON
    try:
        hashes = _unseal(box, user["totp_secret"])["recovery"]
    except InvalidToken:
        return None, UNREADABLE
    matched = next((h for h in hashes if _hash_matches(h, text)), None)  # slow: outside the lock
    with write_transaction(db):
        user = db["users"].get(user_id)  # again: another tab may have used the same code
        stored = _unseal(box, user["totp_secret"]) if enabled(user) else {"recovery": []}
        if matched is not None and matched in stored["recovery"]:
            left = [h for h in stored["recovery"] if h != matched]
            db["users"].update(user_id, {"totp_secret": _seal(box, stored["secret"], left)})
            lockout.clear(db, user)
            record(db, Actor(user_id, user["display_name"]), "user.recovery_code_used", "users",
                   user_id, after={"recovery_codes_left": len(left)}, now=now)
            return len(left), None
        locked = lockout.count_failure(db, user_id, now)
    return None, (lockout.LOCKED if locked else RECOVERY_WRONG)


def _hash_matches(hashed: str, text: str) -> bool:
    try:
        return recovery_hasher.verify(hashed, text)
    except (VerificationError, InvalidHashError):
        return False


def recovery_codes_left(user: dict, box: MultiFernet) -> int | None:
    """How many unused recovery codes; None when there is no second factor or it cannot be read."""
    if not enabled(user):
        return None
    try:
        return len(_unseal(box, user["totp_secret"])["recovery"])
    except InvalidToken:
        return None


# ---- changing it once it is on --------------------------------------------------------------


def _check_current_code(db, user_id: int, code, box: MultiFernet, now: datetime) -> None:
    """A code from the app, or a recovery code (then used up) when the phone is lost."""
    if _digits(code) is None and _normal_recovery(code) is not None:
        _left, problem = use_recovery_code(db, user_id, code, box, now)
    else:
        problem = verify_code(db, user_id, code, box, now)
        if problem == BAD_FORMAT:
            problem = ANY_CODE_FORMAT
    if problem:
        raise InvalidInput({"code": problem})


def replace_recovery_codes(db, user_id: int, code, box: MultiFernet, actor: Actor,
                           now: datetime | None = None) -> list[str]:
    """New recovery codes in place of the old ones (all of which stop working), once a current
    code proves the phone is in hand."""
    now = now or utcnow()
    _check_current_code(db, user_id, code, box, now)
    codes = new_recovery_codes()
    hashes = _hash_codes(codes)
    with write_transaction(db):
        user = db["users"].get(user_id)
        secret = _unseal(box, user["totp_secret"])["secret"]
        db["users"].update(user_id, {"totp_secret": _seal(box, secret, hashes)})
        record(db, actor, "user.recovery_codes_replaced", "users", user_id,
               after={"recovery_codes": len(codes)}, now=now)
    return codes


def _switch_off(db, user: dict, actor: Actor, action: str, after: dict, now: datetime) -> None:
    db["users"].update(user["id"], {"totp_secret": None, "totp_enabled_at": None,
                                    "totp_last_step": None})
    record(db, actor, action, "users", user["id"], before={"second_factor": "on"},
           after=dict(after, second_factor="off"), now=now)


def turn_off(db, user_id: int, code, box: MultiFernet, actor: Actor,
             now: datetime | None = None) -> None:
    """A staff member switches their own second factor off with a current code — not while
    the council requires one."""
    now = now or utcnow()
    if required(db):
        raise InvalidInput({"code": "The council requires a second factor for all staff, so it "
                                    "cannot be switched off."})
    _check_current_code(db, user_id, code, box, now)
    with write_transaction(db):
        user = db["users"].get(user_id)
        if enabled(user):
            _switch_off(db, user, actor, "user.second_factor_off", {}, now)


def start_again(db, user_id: int, code, box: MultiFernet, actor: Actor,
                now: datetime | None = None) -> None:
    """Move the second factor to a new phone: the old one stops working now and the staff
    member sets up the new one straight away. While the council requires a second factor
    they can open no other page until they have (auth.require_role)."""
    now = now or utcnow()
    _check_current_code(db, user_id, code, box, now)
    with write_transaction(db):
        user = db["users"].get(user_id)
        if enabled(user):
            _switch_off(db, user, actor, "user.second_factor_off", {"why": "setting up again"},
                        now)


def reset(db, user_id: int, reason: str, actor: Actor, now: datetime | None = None) -> dict:
    """Another member of staff clears someone's second factor (a lost phone), giving a
    reason for the audit log. They set it up again at their next sign-in if the council
    requires it, or from their security page. Returns the person's row."""
    now = now or utcnow()
    reason = " ".join(visible(reason).split())
    field = f"reason-{user_id}"
    if not reason:
        raise InvalidInput({field: "Say why, for the audit log: for example “lost phone”."})
    if len(reason) > REASON_MAX:
        raise InvalidInput({field: f"Keep the reason to {REASON_MAX} characters."})
    if user_id == actor.id:
        raise InvalidInput({field: "To change your own, use “Your sign-in security”."})
    with write_transaction(db):
        user = first(db["users"].rows_where("id = ?", [user_id]))
        if user is None or not enabled(user):
            raise InvalidInput({field: "This person has no second factor to reset."})
        _switch_off(db, user, actor, "user.second_factor_reset", {"reason": reason}, now)
    return user
