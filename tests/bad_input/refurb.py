"""Bad-input cases for donated devices, allocations and carbon factors (tests/test_bad_input.py).

`{name}` in a URL or as a form value is an id from the world fixture; `extend_world` adds
this area's rows (and their ids) to that world. Every form here is listed in FORMS.
"""

from tests.bad_input.case import Case  # noqa: F401

CASES: list = []
FORMS: list = []  # (method, url) of every form in this area


def extend_world(db, ids: dict) -> None:
    """Add this area's rows to the bad-input world; put their ids in `ids`."""
