"""What every rule raises for input a person can fix, so views can show it beside the field,
and the small field cleaners every rule module shares."""

import re

from i18n import _


class InvalidInput(ValueError):
    """Input a person can fix: `errors` maps each form field to a plain-words message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def gather(errors: dict, check, *args, **kwargs):
    """Run one check; when it raises InvalidInput, add its messages to `errors` and return
    None, so a form can report every problem at once rather than the first."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as e:
        errors.update(e.errors)
        return None


TEXT_MAX = 80
NOTES_MAX = 1000
TICKED = ("yes", "on", "1", "true")
UK_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"  # the district: "WN5", "M1", "SW1A"
UK_POSTCODE = re.compile(f"({UK_OUTWARD})([0-9][A-Z]{{2}})")  # spaces removed first
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what help_desk.new_request_id makes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # all but tab and line breaks


def request_key(value) -> str | None:
    """A form's one-time key against double taps, or None for anything that is not one
    (a key is stored with the row it made, so it must not be any text at all)."""
    text = str(value or "")
    return text if _REQUEST_KEY.fullmatch(text) else None


def ticked(value) -> bool:
    """A checkbox as a browser (or a hand-made request) sends it."""
    return str(value or "").strip().lower() in TICKED


def visible(value) -> str:
    """Text as typed, less what nobody can see or mean: control characters (NUL, escape…)
    are dropped and line breaks become plain newlines (browsers send CR LF from a textarea)."""
    text = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def clean_text(value, field, errors, max_len=TEXT_MAX, required=False, label="this") -> str | None:
    """One line of text with its spaces tidied; a message in `errors` when it will not do.
    `label` ("their name") is translated when the catalogue has it: mark it with N_."""
    text = " ".join(visible(value).split())
    if required and not text:
        errors[field] = _("Please fill in %(label)s.", label=_(label))
    elif len(text) > max_len:
        errors[field] = _("Please use %(max)s characters or fewer.", max=max_len)
    return text or None


def clean_notes(value, field, errors, max_len=NOTES_MAX) -> str | None:
    """Free text kept as typed (line breaks too), within a length limit."""
    text = visible(value).strip()
    if len(text) > max_len:
        errors[field] = _("Please use %(max)s characters or fewer.", max=max_len)
    return text or None


def clock_time(value, field, errors, label) -> str | None:
    """A wall-clock time typed as H:MM or HH:MM, kept as HH:MM."""
    match = _CLOCK.fullmatch(str(value or "").strip())
    if match is None:
        errors[field] = _("Please give %(label)s in hours and minutes, for example 14:00.",
                          label=_(label))
        return None
    return f"{int(match[1]):02d}:{match[2]}"
