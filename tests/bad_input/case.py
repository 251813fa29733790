"""One row of the bad-input table (tests/test_bad_input.py runs them all)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    who: str  # anon, kiosk, volunteer or staff
    method: str
    url: str  # may name {waiting}, {in_progress}, {elsewhere} tickets
    data: dict | bytes | str | None = None  # "{venue}" as a value is the venue's id
    errors: dict = field(default_factory=dict)  # field -> message shown next to it
    message: str | None = None  # a message shown on the page (flash, heading)
    kept: tuple = ()  # ("value" | "textarea" | "checked" | "selected", what was typed)
    status: int | None = None  # the status of the final response, where it matters
    follow: bool = False
    twice: bool = False  # a double submit: the first may work, the second changes nothing
    content_type: str | None = None
