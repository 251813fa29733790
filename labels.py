"""Print-ready PDF asset labels: QR + tag on Avery A4 sheets and Brother QL tape.

Sheet geometry differs between template files and printers shift paper by a millimetre or two, so
every layout here comes from one table (FORMATS), every position from one function (cell_boxes), and
staff correct their printer with offsets checked on a plain-paper test page (calibration_pdf).
No Flask: views pass plain values in and get PDF bytes out.
"""

import io
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from validation import InvalidInput


@dataclass(frozen=True)
class LabelFormat:
    """One label stock. Lengths in mm; positions from the page's top-left corner."""

    code: str
    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    continuous: bool
    # Strip along each edge that the printer cannot reach (Brother QL tape); content stays clear.
    edge_x: float = 0.0
    edge_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


_A4 = (210.0, 297.0)
_QL_EDGE = (62.0 - 58.9) / 2  # 62 mm tape, 58.9 mm printable: same strip for 29 / 25.9 mm

FORMATS: dict[str, LabelFormat] = {
    f.code: f
    for f in (
        LabelFormat("L7160", "Avery L7160 — 21 per A4 sheet (63.5 × 38.1 mm)", *_A4,
                    63.5, 38.1, 3, 7, 7.2, 15.15, 66.0, 38.1, False),
        LabelFormat("L7651", "Avery L7651 — 65 per A4 sheet (38.1 × 21.2 mm)", *_A4,
                    38.1, 21.2, 5, 13, 4.7, 10.85, 40.6, 21.2, False),
        LabelFormat("L7163", "Avery L7163 — 14 per A4 sheet (99.1 × 38.1 mm)", *_A4,
                    99.1, 38.1, 2, 7, 4.67, 15.19, 101.6, 38.1, False),
        # Page width runs across the 62 mm tape; each page is cut off as one 31.5 mm label.
        LabelFormat("QL62", "Brother QL 62 mm continuous tape — 62 × 31.5 mm labels",
                    62.0, 31.5, 62.0, 31.5, 1, 1, 0.0, 0.0, 62.0, 31.5, True, edge_x=_QL_EDGE),
        # Landscape: text runs along the 29 mm tape, which is the page height.
        LabelFormat("QL29", "Brother QL 29 mm continuous tape — 50 × 29 mm labels",
                    50.0, 29.0, 50.0, 29.0, 1, 1, 0.0, 0.0, 50.0, 29.0, True, edge_y=_QL_EDGE),
    )
}

MAX_OFFSET = 10.0  # mm, either way
MARGIN = 1.5  # mm kept clear inside every label edge
QUIET_ZONE = 2  # modules of white round the QR, inside the label
# Fixed mask pattern: scoring all 8 masks (the spec's penalty rules) costs ~3 ms a code in pure
# Python, 1.6 s per 500 labels; every mask is valid and decoders read which one was used.
QR_MASK = 2
QL_DOT = 25.4 / 300  # Brother QL print head pitch; QR modules snap to whole dots there

TAG_FONT, TEXT_FONT = "Helvetica-Bold", "Helvetica"
TAG_MAX, TAG_MIN = 18.0, 5.0  # pt
TEXT_MAX, TEXT_MIN = 10.0, 5.0  # pt; below TEXT_MIN the service line is dropped, not shrunk
LEADING = 1.2
NAME_MAX_LINES = 3
ELLIPSIS = "…"


@dataclass(frozen=True)
class Label:
    """One device label; the QR encodes `url` exactly."""

    asset_tag: str
    url: str


def cell_boxes(fmt: LabelFormat, count: int, start_at: int = 1, offset_x: float = 0,
               offset_y: float = 0) -> list[tuple[int, float, float, float, float]]:
    """(page_index, x_mm, y_mm_from_top, w_mm, h_mm) for each of `count` labels.

    The first start_at-1 cells of the first sheet are skipped (a part-used sheet); cells fill
    left to right, then down. Offsets move everything (positive = right / down).
    """
    if not 1 <= start_at <= fmt.per_page:
        raise ValueError(f"start_at must be 1..{fmt.per_page}, not {start_at}")
    boxes = []
    for i in range(start_at - 1, start_at - 1 + count):
        page, cell = divmod(i, fmt.per_page)
        row, col = divmod(cell, fmt.columns)
        boxes.append((page, fmt.left + col * fmt.pitch_x + offset_x,
                      fmt.top + row * fmt.pitch_y + offset_y, fmt.label_width, fmt.label_height))
    return boxes


# --- text fitting ---------------------------------------------------------------------------------

def _printable(text: str) -> str:
    """`text` in the standard fonts' Windows-1252 set: accents the set lacks are dropped (ŵ → w)
    rather than printed as stray glyphs; anything else unprintable becomes "?"."""
    out = []
    for char in " ".join(text.split()):
        for candidate in (char, unicodedata.normalize("NFKD", char)[:1], "?"):
            try:
                candidate.encode("cp1252")
            except UnicodeEncodeError:
                continue
            out.append(candidate)
            break
    return "".join(out)


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    """`text`, cut short with an ellipsis if it is wider than `width` points."""
    if stringWidth(text, font, size) <= width:
        return text
    lo, hi = 0, len(text)  # longest prefix that fits with the ellipsis: binary search
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if stringWidth(text[:mid].rstrip() + ELLIPSIS, font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS if lo else ""


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap to `width` points; a word too long for a line is broken."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if stringWidth(trial, font, size) <= width:
            line = trial
            continue
        if line:
            lines.append(line)
        while stringWidth(word, font, size) > width and len(word) > 1:
            cut = next(n for n in range(len(word) - 1, 0, -1)
                       if n == 1 or stringWidth(word[:n], font, size) <= width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _largest(text: str, font: str, width: float, cap: float) -> float:
    """Largest half-point size ≤ cap at which `text` fits `width` points (may be tiny)."""
    natural = stringWidth(text, font, 1) or 1
    return min(cap, math.floor(width / natural * 2) / 2)


def _fit_tag(tag: str, width: float, height: float) -> tuple[float, tuple[str, ...]]:
    """Size and lines for the asset tag: one bold line, or two when that reads much larger.

    Long tags break after a hyphen, space or slash where they can; only below TAG_MIN is the
    tag cut short with an ellipsis (the QR still carries it whole).
    """
    cap = min(TAG_MAX, height * 0.32)
    one = _largest(tag, TAG_FONT, width, cap)
    best: tuple[float, tuple[str, ...]] = (one, (tag,))
    if one < min(8.0, cap) and len(tag) > 1:
        cuts = [i for i in range(1, len(tag)) if tag[i - 1] in "-_ /."] or range(1, len(tag))
        halves = min(((tag[:i].strip(), tag[i:].strip()) for i in cuts),
                     key=lambda h: max(stringWidth(part, TAG_FONT, 1) for part in h))
        two = min(_largest(max(halves, key=lambda p: stringWidth(p, TAG_FONT, 1)), TAG_FONT,
                           width, cap), height * 0.45 / (2 * LEADING))
        if two > one + 1:
            best = (two, halves)
    size = max(TAG_MIN, best[0])
    return size, tuple(_ellipsize(line, TAG_FONT, size, width) for line in best[1])


@lru_cache(maxsize=256)
def _fit_service(name: str, phone: str, width: float, height: float,
                 largest: float = TEXT_MAX) -> tuple[float, tuple[str, ...]]:
    """Size and lines for the service name (wrapped) and phone, within width × height points.

    Tries the largest size at which everything fits; otherwise, at TEXT_MIN, ellipsizes the name
    into the lines there is room for. Returns no lines when not even one legible line fits.
    """
    largest = math.floor(max(TEXT_MIN, min(largest, TEXT_MAX)) * 2) / 2
    for size in (largest - i / 2 for i in range(int((largest - TEXT_MIN) * 2) + 1)):
        room = int(height / (size * LEADING) + 1e-6)
        if phone and stringWidth(phone, TEXT_FONT, size) > width:
            continue
        lines = (_wrap(name, TEXT_FONT, size, width) if name else []) + ([phone] if phone else [])
        if len(lines) <= min(room, NAME_MAX_LINES + 1):
            return size, tuple(lines)
    size = TEXT_MIN
    room = int(height / (size * LEADING) + 1e-6)
    fits = phone and stringWidth(phone, TEXT_FONT, size) <= width and room >= 1 + bool(name)
    tail = [phone] if fits else []
    name_room = min(room - len(tail), NAME_MAX_LINES)
    if name_room < 1 or not name:
        return size, tuple(tail)
    wrapped = _wrap(name, TEXT_FONT, size, width)
    last = _ellipsize(" ".join(wrapped[name_room - 1:]), TEXT_FONT, size, width)
    return size, tuple(wrapped[: name_room - 1] + [last] + tail)


# --- QR -------------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _qr(url: str) -> tuple[int, str]:
    """(modules across, PDF path operators) for `url` in module units, y downward.

    Dark modules become rectangles: runs along a row, merged with identical runs below them,
    all filled as one path (fast to write, no hairline seams between modules in viewers).
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    rects: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (x, length) -> first row
    for y, row in enumerate(matrix):
        runs = set()
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.add((start, x - start))
            x += 1
        for run in [r for r in open_runs if r not in runs]:
            top = open_runs.pop(run)
            rects.append((run[0], top, run[1], y - top))
        for run in runs:
            open_runs.setdefault(run, y)
    rects.extend((x, top, w, size - top) for (x, w), top in open_runs.items())
    ops = " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in rects)
    return size, ops + " f"


def _draw_qr(c: Canvas, url: str, x: float, y_top: float, module: float, page_h: float) -> None:
    """Draw the QR with its top-left dark module corner at (x, y_top) mm from the page top-left."""
    _, ops = _qr(url)
    c.saveState()
    c.setFillGray(0)
    c.translate(x * mm, (page_h - y_top) * mm)
    c.scale(module * mm, -module * mm)
    c.addLiteral(ops)
    c.restoreState()


# --- labels ---------------------------------------------------------------------------------------

def _draw_label(c: Canvas, fmt: LabelFormat, label: Label, box: tuple[float, float, float, float],
                service_name: str, service_phone: str) -> None:
    """QR on the left, full height; tag, service name and phone stacked to its right."""
    x, y, w, h = box
    inset_x, inset_y = max(MARGIN, fmt.edge_x), max(MARGIN, fmt.edge_y)
    n, _ = _qr(label.url)
    module = min((h - 2 * inset_y) / n, h / (n + 2 * QUIET_ZONE))
    qr_x = x + max(inset_x, QUIET_ZONE * module)
    if fmt.continuous:  # whole print-head dots: every module the same width on thermal tape
        module = max(QL_DOT, math.floor(module / QL_DOT + 1e-6) * QL_DOT)
        qr_x = math.ceil(qr_x / QL_DOT - 1e-6) * QL_DOT
    qr_y = y + (h - n * module) / 2
    if fmt.continuous:
        qr_y = round(qr_y / QL_DOT) * QL_DOT
    _draw_qr(c, label.url, qr_x, qr_y, module, fmt.page_height)

    text_x = qr_x + n * module + max(QUIET_ZONE * module, MARGIN)
    width = (x + w - inset_x - text_x) * mm  # points from here on
    height = (h - 2 * inset_y) * mm
    tag_size, tag_lines = _fit_tag(_printable(label.asset_tag), width, height)
    tag_h = len(tag_lines) * tag_size * LEADING
    gap = TEXT_MIN * 0.4
    size, lines = _fit_service(_printable(service_name), _printable(service_phone), width,
                               height - tag_h - gap, tag_size * 0.7)
    block = tag_h + (gap + len(lines) * size * LEADING if lines else 0)
    top = (fmt.page_height - y - inset_y) * mm - (height - block) / 2  # PDF y of the block's top
    text_x *= mm
    c.setFont(TAG_FONT, tag_size)
    for line in tag_lines:
        c.drawString(text_x, top - tag_size * 0.95, line)
        top -= tag_size * LEADING
    top -= gap
    c.setFont(TEXT_FONT, size)
    for line in lines:
        c.drawString(text_x, top - size * 0.95, line)
        top -= size * LEADING


def _canvas(fmt: LabelFormat, title: str, author: str = "") -> tuple[Canvas, io.BytesIO]:
    out = io.BytesIO()
    c = Canvas(out, pagesize=(fmt.page_width * mm, fmt.page_height * mm), pageCompression=1)
    c.setTitle(title)
    c.setCreator("Doorstep")
    if author:
        c.setAuthor(author)
    return c, out


def label_sheet_pdf(labels: list[Label], fmt: LabelFormat, service_name: str, service_phone: str,
                    start_at: int = 1, offset_x: float = 0, offset_y: float = 0) -> bytes:
    """PDF of `labels` on `fmt`, as many sheets (or tape labels) as needed.

    No labels gives one blank page rather than an error.
    """
    c, out = _canvas(fmt, f"Device labels — {fmt.code}, {len(labels)} labels", service_name)
    page = 0
    for label, (p, *box) in zip(labels, cell_boxes(fmt, len(labels), start_at, offset_x,
                                                   offset_y), strict=True):
        if p != page:
            c.showPage()
            page = p
        _draw_label(c, fmt, label, tuple(box), service_name, service_phone)
    c.showPage()
    c.save()
    return out.getvalue()


# --- learner cards --------------------------------------------------------------------------------

CARD = LabelFormat("ID1", "Credit-card size (ID-1, 85.60 × 53.98 mm)", 85.60, 53.98, 85.60, 53.98,
                   1, 1, 0.0, 0.0, 85.60, 53.98, False)
CARD_MARGIN = 4.0  # mm: card printers and scissors both need room at the edge
CARD_QR_MAX = 36.0  # mm across, leaving room for a name and a code that can be typed
CODE_FONT = "Courier-Bold"  # fixed width: every character of the code stands apart


def learner_card_pdf(card_code: str, first_name: str, url: str, service_name: str,
                     service_phone: str) -> bytes:
    """One credit-card-size page: a QR of `url` only (nothing personal in it) on the left;
    to its right the first name, the code in groups of four (to type if scanning fails),
    and the service's name and phone."""
    fmt = CARD
    c, out = _canvas(fmt, "Learner card", service_name)
    n, _ = _qr(url)
    height = fmt.page_height - 2 * CARD_MARGIN
    module = min(height, CARD_QR_MAX) / n
    qr_x = max(CARD_MARGIN, QUIET_ZONE * module)
    _draw_qr(c, url, qr_x, (fmt.page_height - n * module) / 2, module, fmt.page_height)

    text_x = qr_x + n * module + max(QUIET_ZONE * module, MARGIN)
    width = (fmt.page_width - CARD_MARGIN - text_x) * mm
    grouped = " ".join(card_code[i:i + 4] for i in range(0, len(card_code), 4))
    name = _printable(first_name)
    lines = [(TEXT_FONT, 7.0, "Learner card"),
             (TAG_FONT, max(TEXT_MIN, _largest(name, TAG_FONT, width, 16.0)), name),
             (TEXT_FONT, 6.5, "Card code"),
             (CODE_FONT, max(TEXT_MIN, _largest(grouped, CODE_FONT, width, 13.0)), grouped)]
    top = (fmt.page_height - CARD_MARGIN) * mm
    for font, size, text in lines:
        c.setFont(font, size)
        c.drawString(text_x * mm, top - size * 0.95, _ellipsize(text, font, size, width))
        top -= size * LEADING
    room = top - CARD_MARGIN * mm - TEXT_MIN
    size, service = _fit_service(_printable(service_name), _printable(service_phone), width,
                                 room, 8.0)
    c.setFont(TEXT_FONT, size)
    for i, line in enumerate(reversed(service)):
        c.drawString(text_x * mm, CARD_MARGIN * mm + i * size * LEADING + size * 0.25, line)
    c.showPage()
    c.save()
    return out.getvalue()


# --- calibration ----------------------------------------------------------------------------------

def _ruler(c: Canvas, x: float, y: float, length: int, page_h: float) -> None:
    """A `length` mm ruler with its 0 mark at x and baseline y (mm from top), ticks upward."""
    base = (page_h - y) * mm
    c.setLineWidth(0.3)
    c.line(x * mm, base, (x + length) * mm, base)
    c.setFont(TEXT_FONT, 5)
    for i in range(length + 1):
        tick = 2.5 if i % 10 == 0 else 1.5 if i % 5 == 0 else 0.8
        c.line((x + i) * mm, base, (x + i) * mm, base + tick * mm)
        if i % 10 == 0:
            c.drawCentredString((x + i) * mm, base + 3.0 * mm, str(i))


def _crosshair(c: Canvas, x: float, y: float, arm: float, page_h: float) -> None:
    cx, cy = x * mm, (page_h - y) * mm
    c.line(cx - arm * mm, cy, cx + arm * mm, cy)
    c.line(cx, cy - arm * mm, cx, cy + arm * mm)


def calibration_pdf(fmt: LabelFormat, offset_x: float = 0, offset_y: float = 0) -> bytes:
    """One test page: every cell outlined and numbered 1..N, a crosshair at each cell's centre,
    the safe area dashed, a mm ruler at a fixed place, and the offsets in use.

    Print on plain paper at 100 %, hold it over a label sheet against the light, adjust offsets.
    """
    c, out = _canvas(fmt, f"Label test page — {fmt.code}")
    ph = fmt.page_height
    inset_x, inset_y = max(MARGIN, fmt.edge_x), max(MARGIN, fmt.edge_y)
    number_size = min(12.0, fmt.label_height * mm * 0.3)
    for i, (_, x, y, w, h) in enumerate(cell_boxes(fmt, fmt.per_page, 1, offset_x, offset_y), 1):
        c.setLineWidth(0.25)
        c.setDash()
        c.rect(x * mm, (ph - y - h) * mm, w * mm, h * mm)
        c.setDash(1, 2)
        c.setStrokeGray(0.5)
        c.rect((x + inset_x) * mm, (ph - y - h + inset_y) * mm, (w - 2 * inset_x) * mm,
               (h - 2 * inset_y) * mm)
        c.setDash()
        c.setStrokeGray(0)
        _crosshair(c, x + w / 2, y + h / 2, min(3.0, h / 6), ph)
        c.setFont(TAG_FONT, number_size)
        c.drawString((x + inset_x + 0.5) * mm, (ph - y - inset_y - 0.5) * mm - number_size * 0.8,
                     str(i))

    offsets = f"{fmt.code} test page · offset X {offset_x:+.1f} mm, Y {offset_y:+.1f} mm"
    help_text = ("Print on plain paper at 100 % (actual size, not 'fit to page'). Check the ruler "
                 "measures exactly {n} mm. Hold the page over a label sheet against the light: if "
                 "the boxes sit right of the labels make X smaller, if they sit low make Y smaller "
                 "(positive X moves print right, positive Y moves it down).")
    if fmt.continuous:
        length = int((fmt.page_width - 2 * inset_x - 2) // 10 * 10)
        ruler_x = (fmt.page_width - length) / 2
        _ruler(c, ruler_x, fmt.page_height - inset_y - 0.5, length, ph)
        c.setFont(TEXT_FONT, 5)
        c.drawRightString((fmt.page_width - inset_x - 0.5) * mm, (ph - inset_y - 2.5) * mm,
                          f"X {offset_x:+.1f}  Y {offset_y:+.1f} mm")
    else:
        length = 100  # above the (shifted) first row, never closer than 6.5 mm to the top edge
        ruler_y = max(6.5, fmt.top + min(offset_y, 0) - 1.5)
        _ruler(c, 10.0, ruler_y, length, ph)
        c.setFont(TAG_FONT, 7)
        c.drawString(120 * mm, (ph - ruler_y) * mm, offsets)
        c.setFont(TEXT_FONT, 6)
        bottom = fmt.top + (fmt.rows - 1) * fmt.pitch_y + fmt.label_height + max(offset_y, 0)
        lines = _wrap(help_text.format(n=length), TEXT_FONT, 6, (fmt.page_width - 20) * mm)
        lines.append(f"Dotted lines: the {MARGIN:g} mm safe area inside each label. The ruler's 0 "
                     f"mark is printed 10 mm from the paper's left edge, {ruler_y:.1f} mm from "
                     "the top.")
        for j, line in enumerate(lines[:3]):
            c.drawString(10 * mm, (ph - bottom - 2.5 - j * 2.3) * mm, line)
    c.showPage()
    c.save()
    return out.getvalue()


# --- form input -----------------------------------------------------------------------------------

def _number(value: str | float | int, whole: bool) -> float | int | None:
    """`value` as a finite number, or None; "" counts as missing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = value
    else:
        text = str(value).strip().replace(",", ".").removesuffix("mm").strip()
        try:
            number = int(text) if whole else float(text)
        except ValueError:
            return None
    if not math.isfinite(number) or (whole and number != int(number)):
        return None
    return int(number) if whole else float(number)


def validate_options(format_code: str, start_at: str | int, offset_x: str | float,
                     offset_y: str | float) -> tuple[LabelFormat, int, float, float]:
    """Form input → (format, start_at, offset_x, offset_y), or InvalidInput naming each bad field.

    Blank start_at means 1 and blank offsets mean 0.
    """
    errors: dict[str, str] = {}
    fmt = FORMATS.get(str(format_code).strip())
    if fmt is None:
        errors["format"] = "Choose a label type from the list."
    per_page = fmt.per_page if fmt else max(f.per_page for f in FORMATS.values())
    start = 1 if str(start_at).strip() == "" else _number(start_at, whole=True)
    if start is None or not 1 <= start <= per_page:
        if fmt and per_page == 1:
            errors["start_at"] = "This label type prints one label at a time, so start at 1."
        elif fmt:
            errors["start_at"] = (f"Enter a label position from 1 to {per_page} "
                                  f"({fmt.code} has {per_page} labels on a sheet).")
        else:
            errors["start_at"] = "Enter a label position as a whole number, like 1 or 5."
    offsets = []
    for field, value in (("offset_x", offset_x), ("offset_y", offset_y)):
        number = 0.0 if str(value).strip() == "" else _number(value, whole=False)
        if number is None or abs(number) > MAX_OFFSET:
            direction = "right" if field == "offset_x" else "down"
            errors[field] = (f"Enter a number of millimetres between -{MAX_OFFSET:g} and "
                             f"{MAX_OFFSET:g} (for example 1.5 moves the print {direction}).")
        offsets.append(number)
    if errors:
        raise InvalidInput(errors)
    return fmt, start, offsets[0], offsets[1]
