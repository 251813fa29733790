"""Hypothesis strategies for what people (and scripts) type into forms.

Every field gets a mix of: the value the page offered (so deeper checks are reached), odd
text (control characters, NUL, bidi marks, combining characters, emoji, lone surrogates),
very long text, numbers of every shape, dates and times real and impossible, ids of rows
that belong elsewhere or do not exist, options the select does not offer; and each field may
be missing or sent several times. See tests/test_bad_input_properties.py.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

import device_csv

ODD = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\r",
       "\n", "\t", "\r\n", " ", "\u00a0", "\u200b", "\u200d", "\u200e", "\u200f", "\u202a",
       "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\ufeff", "\ufffd", "\uffff", "\u0301",
       "\u0338", "e\u0301", "😀", "👩\u200d👩\u200d👧", "🇬🇧", "ẞ", "ß", "İ", "ǅ", "ﬀ", "Ⅻ",
       "١", "٣", "１", "߀", "<", ">", "&", '"', "'", "`", "\\", "%", "%00", "{{", "}}", "${",
       "; --", "/*", "\ud800", "\udfff", "../", "=", "+", "#", "?"]
NUMBERISH = ["0", "-0", "00", "01", "-1", "1e9", "1E-5", "nan", "NaN", "inf", "-inf",
             "Infinity", "0x1f", "1_000", "1,000", "١٢", "１２", "+5", " 7 ", "9" * 25, "1.5",
             "3.", ".5", "2.50", "-0.01", "99999999999999999999999", str(2**63), str(2**63 - 1),
             str(-(2**63) - 1), "1e309", "½", "²"]
DATEISH = ["2026-02-30", "2026-13-01", "2026-00-10", "0000-00-00", "0001-01-01", "1900-01-01",
           "9999-12-31", "10000-01-01", "2026-1-1", "26-01-01", "2026/01/01", "01/02/2026",
           "today", "2026-W01", "2026-11-23T10:00", "2026-11-23 ", " 2026-11-23", "-2026-01-01",
           "２０２６-１１-２３", "+2026-01-01", "2026-11-23\x00", "0999-12-31", "2999-12-31",
           "1899-12-31", "3000-01-01"]
TIMEISH = ["24:00", "23:60", "-1:00", "9:5", "12", "12:00:00", "noon", "25:99", "00:00",
           "23:59", "1:00", "١٢:٠٠", "12:00\n"]
IDISH = ["0", "-1", "1", "2", "3", "999999", str(2**63 - 1), str(2**63), str(2**64), "1.0",
         "1e3", "abc", " 1", "1 ", "０１"]
BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
             b"\xe2\x82", b"\x80"]


@dataclass(frozen=True)
class Raw:
    """Bytes sent as a field's value as they are: not valid UTF-8."""

    data: bytes


PERCENT = st.integers(0, 99)
TENTHS = st.integers(0, 9)
COIN = st.booleans()
PLAIN = ["Mary", "Wigan Library", "12", "WN5 0AB", "07700 900123", "a@example.com", "Jo",
         "2026-11-23", "14:00", "Asha", "O2", "TAB-0001", "yes", "x"]
# Every value below costs hypothesis only a few draws: it has to, at 10,000 posts a run.


def odd_text():
    """A plain value with something odd put inside it (short, so that length checks pass
    and what is stored can be seen), odd pieces on their own, or any text at all."""
    inserted = st.tuples(st.sampled_from(PLAIN), st.sampled_from(ODD), st.integers(0, 14)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2]:])
    paired = st.tuples(st.sampled_from(ODD), st.sampled_from(ODD)).map("".join)
    return st.one_of(inserted, inserted, paired, st.text(max_size=6))


def long_text():
    """Text of 41 to 10,000 characters, made cheaply by repeating a piece."""
    piece = st.sampled_from(["x", "é", "😀", "\u202e", "<b>", "1", " ", "\x00", "e\u0301", "ab ",
                             "\r\n"])
    return st.tuples(piece, st.sampled_from([41, 61, 81, 101, 121, 201, 301, 501, 1001, 2001,
                                             5001, 10_000])).map(
        lambda t: (t[0] * t[1])[: t[1]])


def numbers():
    return st.one_of(st.sampled_from(NUMBERISH), st.integers(-10**30, 10**30).map(str),
                     st.integers(-5, 500).map(str), st.floats().map(str))


def dates():
    return st.one_of(
        st.integers(-400, 400).map(lambda n: (date(2026, 11, 23) + timedelta(days=n))
                                   .isoformat()),
        st.sampled_from(DATEISH),
        st.tuples(st.integers(-9999, 99999), st.integers(0, 13), st.integers(0, 32)).map(
            lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"))


def times():
    return st.one_of(st.sampled_from(TIMEISH), st.tuples(st.integers(-2, 30),
                                                         st.integers(-1, 99)).map(
        lambda t: f"{t[0]}:{t[1]:02d}"))


def ids(world_ids: list[int]):
    """Ids of the world's rows (other venues' included: ids are shared across tables) and ids
    that cannot name any row."""
    return st.sampled_from(sorted({str(i) for i in world_ids}) + IDISH)


def csv_text():
    """Something like a Snipe-IT export, or nothing like one."""
    labels = [c.label for c in device_csv.DEVICE_COLUMNS + device_csv.BORROWER_COLUMNS]
    header = st.lists(st.sampled_from(labels), min_size=1, max_size=6).map(",".join)
    cell = st.one_of(odd_text(), st.sampled_from(["TAB-0001", "laptop", "Ready to Deploy",
                                                   "2026-01-01", "Mary", '"a,b"', '"', ""]))
    row = st.lists(cell, max_size=6).map(",".join)
    newline = st.sampled_from(["\n", "\r\n", "\r"])
    return st.tuples(header, st.lists(row, max_size=5), newline).map(
        lambda t: t[2].join([t[0], *t[1]]))


def csv_file():
    text = csv_text()
    return st.one_of(
        text.map(lambda s: s.encode("utf-8", "surrogatepass")),
        text.map(lambda s: "\ufeff".join(["", s]).encode("utf-8", "surrogatepass")),
        text.map(lambda s: s.encode("utf-16", "surrogatepass")),
        text.map(lambda s: s.encode("latin-1", "replace")),
        st.binary(max_size=300), st.just(b""))


RECOVERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def codes():
    """A code from an authenticator app or a recovery code, well formed (so the check behind
    the format is reached: a wrong one counts toward the lockout) or nearly."""
    digits = st.integers(0, 999_999).map(lambda n: f"{n:06d}")
    spaced = digits.map(lambda d: f"{d[:3]} {d[3:]}")
    recovery = st.text(RECOVERY_ALPHABET, min_size=10, max_size=10)
    written = st.tuples(recovery, st.sampled_from(["-", " ", " - ", ""]), COIN).map(
        lambda t: (t[0][:5] + t[1] + t[0][5:]).lower() if t[2] else t[0][:5] + t[1] + t[0][5:])
    nearly = st.sampled_from(["12345", "1234567", "12345６", "١٢٣٤٥٦", "ABCDE-2345O",
                              "ABCDE-234561", "000000\x00", " 123456 "])
    return st.one_of(digits, spaced, recovery, written, nearly)


def looks_like_id(name: str) -> bool:
    return name.endswith("_id") or name in ("venue", "device", "partner", "learner", "user")


class FieldPlan:
    """How to fill one field, with its strategies built once (building them per example
    costs more than the request)."""

    def __init__(self, spec, common: dict):
        self.offered = [v for v in spec.values if isinstance(v, str)]
        self.kind = spec.kind
        shape = common.get(spec.kind)
        if shape is None and spec.name == "csv":
            shape = common["csv"]
        if shape is None and spec.name == "code":  # a second factor's code
            shape = common["code"]
        if shape is None and looks_like_id(spec.name):
            shape = common["id"]
        self.odd = shape if spec.kind == "file" else st.one_of(
            *([shape] * 3 if shape is not None else []), *common["odd"])
        if self.offered:
            self.pick = st.sampled_from(self.offered)
            self.ticks = st.lists(self.pick, unique=True, max_size=len(self.offered))
        self.several = st.lists(st.one_of(self.odd, st.sampled_from(self.offered or [""])),
                                min_size=2, max_size=3)


def common_strategies(world_ids: list[int]) -> dict:
    idish = ids(world_ids)
    return {"date": dates(), "time": times(), "number": numbers(), "file": csv_file(),
            "csv": csv_text(), "id": idish, "code": codes(),
            "odd": [odd_text(), long_text(), numbers(), dates(), idish,
                    st.sampled_from(BAD_BYTES).map(Raw)]}




def sent_values(draw, plan: FieldPlan, calm: bool) -> list:
    """The values a request carries for one field: usually one, sometimes none (missing),
    sometimes several (a repeated field, or several ticked boxes). A calm request mostly
    sends what the page offered, so the checks behind the first one are reached too.
    (`draw` is a composite's: this runs inside the request strategy.)"""
    offer = plan.kind != "file" and any(plan.offered)
    if offer and draw(PERCENT) < (85 if calm else 25):  # shrinks towards "what was offered"
        if plan.kind == "checkbox" and draw(COIN):
            return draw(plan.ticks)
        return [draw(plan.pick)]
    how = draw(TENTHS)
    if how == 8:
        return []  # missing
    if how == 9:
        return draw(plan.several)
    return [draw(plan.odd)]


def extra_fields():
    """Fields no form has: a form must ignore what it does not expect."""
    return st.lists(st.tuples(st.sampled_from(["id", "role", "venue_id", "status", "active",
                                               "user_id", "csrf_token", "x", "__proto__"]),
                              odd_text()), max_size=2)


def form_body(pairs) -> bytes:
    """application/x-www-form-urlencoded, byte for byte: lone surrogates and bad bytes go
    through as they are (a browser would never send them; a script might)."""
    def enc(value) -> str:
        data = value.data if isinstance(value, Raw) else str(value).encode("utf-8",
                                                                          "surrogatepass")
        return quote_from_bytes(data, safe="")

    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs).encode("ascii")


def printable(value) -> str:
    """A value for a multipart form field (which must be text)."""
    if isinstance(value, Raw):
        return value.data.decode("utf-8", "replace")
    return str(value).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
