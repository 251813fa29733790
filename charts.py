"""Accessible charts drawn on the server as SVG: no scripts, no inline styles (strict CSP).

Each chart is `<svg role="img">` named by its `<title>` and summarised by its `<desc>` (both
read out by screen readers), with its labels and values as text inside the drawing. Sizes
come from the viewBox, so the page's CSS scales it. Colours are fixed presentation
attributes with at least 4.5:1 contrast on white. Templates pair every chart with a real
table of the same numbers. No Flask: views pass plain rows in and get Markup out.
"""

import math
import re
import zlib

from markupsafe import Markup, escape

INK = "#1b1b1b"  # text: 17:1 on white
BAR = "#0b4f6c"  # bars: 9:1 on white, so a bar reads as a shape as well as by its label
GRID = "#6b7780"  # axis and gridline: 4.7:1 on white
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"

WIDTH = 640
LABEL_WIDTH = 200  # bar chart: room for the row labels on the left
VALUE_ROOM = 90  # bar chart: room for the value after the longest bar
ROW_HEIGHT = 28
BAR_HEIGHT = 18
MAX_LABEL = 28  # characters of a row label shown in the drawing (the table has all of it)
TREND_HEIGHT = 240
NOTHING = "Nothing to show for this period."


def _plain(value) -> str:
    """A count or plain number: whole numbers with commas, others to one decimal."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def format_value(value, unit: str) -> str:
    """A figure as people read it: 1,234 · 12.5 hours · 40.0 kg · £1,250.00; "–" for none."""
    if value is None:
        return "–"
    if unit == "pounds":
        return f"£{value:,.2f}"
    if unit == "hours":
        return f"{value:,.2f}".rstrip("0").rstrip(".") + " hours"
    if unit == "kg":
        return f"{value:,.1f} kg"
    return _plain(value)


def short_value(value, unit: str) -> str:
    """The same, short enough to sit above a column: 1,234 · 12.5 · 40 kg · £1,250."""
    if value is None:
        return "–"
    if unit == "pounds":
        return f"£{value:,.0f}"
    if unit == "kg":
        return f"{value:,.0f} kg" if value >= 100 else f"{value:,.1f} kg"
    return _plain(value)


def nice_ceiling(value: float) -> float:
    """The axis top: the smallest 1, 2, 2.5, 5 or 10 × 10ⁿ at or above `value` (1 for none)."""
    if not value or value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def chart_id(title: str) -> str:
    """A stable id for a chart's title/desc, from its title (the same title → the same id)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "chart"
    return f"chart-{slug}-{zlib.crc32(title.encode()):08x}"


def _clip(text: str, limit: int = MAX_LABEL) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def _svg(parts: list[str]) -> Markup:
    """The drawing as markup: every piece of text in `parts` went through escape()."""
    return Markup("".join(parts))  # noqa: S704 (built from escaped text and numbers)


def _open(cid: str, title: str, desc: str, height: int, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="{FONT}" font-size="13" fill="{INK}" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _summary(rows: list[dict], unit: str, what: str, totalled: bool = True) -> str:
    """Words for <desc>: how many, the total (not for medians or longest waits, whose sum
    means nothing), the highest and the lowest."""
    if not rows:
        return NOTHING
    values = [(_number(r.get("value")), r) for r in rows]
    total = sum(v for v, _ in values)
    top_value, top = max(values, key=lambda p: p[0])
    low_value, low = min(values, key=lambda p: p[0])
    total_words = f", total {format_value(_tidy(total), unit)}" if totalled else ""
    words = [f"{len(rows)} {what}{'' if len(rows) == 1 else 's'}{total_words}."]
    if len(rows) > 1:
        words.append(f"Highest: {top['label']}, {format_value(top.get('value') or 0, unit)}.")
        words.append(f"Lowest: {low['label']}, {format_value(low.get('value') or 0, unit)}.")
    elif top_value or low_value:
        words.append(f"{top['label']}: {format_value(top.get('value') or 0, unit)}.")
    return " ".join(words)


def _tidy(total: float):
    return int(total) if float(total).is_integer() else total


def bar_chart(rows: list[dict], title: str, unit: str = "count", cid: str | None = None,
              totalled: bool = True) -> Markup:
    """Horizontal bars, one per row ({"label", "value"}), labelled on the left with the value
    after each bar. Longest bar = the largest value."""
    cid = cid or chart_id(title)
    rows = list(rows)
    height = max(1, len(rows)) * ROW_HEIGHT + 16
    parts = _open(cid, title, _summary(rows, unit, "bar", totalled), height, "bar-chart")
    if not rows:
        parts.append(f'<text x="8" y="26">{escape(NOTHING)}</text></svg>')
        return _svg(parts)
    top = max(_number(r.get("value")) for r in rows) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="4" x2="{LABEL_WIDTH}" y2="{height - 8}" '
                 f'stroke="{GRID}" stroke-width="1"/>')
    for i, row in enumerate(rows):
        y = 8 + i * ROW_HEIGHT
        length = round(span * _number(row.get("value")) / top, 1)
        label = str(row.get("label", ""))
        parts.append(f'<g class="bar"><text x="{LABEL_WIDTH - 8}" y="{y + 14}" '
                     f'text-anchor="end">{escape(_clip(label))}</text>')
        if length:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" '
                         f'height="{BAR_HEIGHT}" fill="{BAR}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 14}">'
                     f'{escape(format_value(row.get("value"), unit))}</text></g>')
    parts.append("</svg>")
    return _svg(parts)


def trend_chart(months: list[dict], title: str, unit: str = "count",
                cid: str | None = None, totalled: bool = True) -> Markup:
    """One column per month ({"month", "label", "value"}) in order, the month under it and its
    value above it, against an axis from 0 to a round number."""
    cid = cid or chart_id(title)
    months = list(months)
    parts = _open(cid, title, _trend_summary(months, unit, totalled), TREND_HEIGHT, "trend-chart")
    if not months:
        parts.append(f'<text x="8" y="26">{escape(NOTHING)}</text></svg>')
        return _svg(parts)
    left, right, top_y, base_y = 56, WIDTH - 8, 28, TREND_HEIGHT - 36
    axis_top = nice_ceiling(max(_number(m.get("value")) for m in months))
    plot_h = base_y - top_y
    slot = (right - left) / len(months)
    column = max(2.0, min(40.0, slot * 0.6))
    font = 12 if slot >= 44 else 10 if slot >= 30 else 8
    parts.append(
        f'<g class="axis"><line x1="{left}" y1="{top_y}" x2="{right}" y2="{top_y}" '
        f'stroke="{GRID}" stroke-width="1" stroke-dasharray="4 4"/>'
        f'<line x1="{left}" y1="{base_y}" x2="{right}" y2="{base_y}" stroke="{GRID}" '
        f'stroke-width="1"/>'
        f'<text x="{left - 6}" y="{top_y + 4}" text-anchor="end" font-size="11">'
        f'{escape(short_value(_tidy(axis_top), unit))}</text>'
        f'<text x="{left - 6}" y="{base_y + 4}" text-anchor="end" font-size="11">0</text></g>')
    for i, month in enumerate(months):
        centre = left + slot * (i + 0.5)
        height = round(plot_h * _number(month.get("value")) / axis_top, 1)
        x = round(centre - column / 2, 1)
        parts.append('<g class="column">')
        if height:
            parts.append(f'<rect x="{x}" y="{round(base_y - height, 1)}" '
                         f'width="{round(column, 1)}" height="{height}" fill="{BAR}"/>')
        parts.append(f'<text x="{round(centre, 1)}" y="{round(base_y - height - 5, 1)}" '
                     f'text-anchor="middle" font-size="{font}">'
                     f'{escape(short_value(month.get("value"), unit))}</text>')
        for line, words in enumerate(_label_lines(month.get("label", ""))):
            parts.append(f'<text x="{round(centre, 1)}" y="{base_y + 16 + line * (font + 2)}" '
                         f'text-anchor="middle" font-size="{font}">{escape(words)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return _svg(parts)


def _label_lines(label) -> list[str]:
    """A month's label under its column: "Apr 2026" on two lines (month, then year)."""
    words = str(label or "").split(" ", 1)
    return [_clip(w, 8) for w in words]


def _trend_summary(months: list[dict], unit: str, totalled: bool = True) -> str:
    if not months:
        return NOTHING
    span = f"{months[0].get('label', '')} to {months[-1].get('label', '')}"
    return f"Month by month from {span}. " + _summary(months, unit, "month", totalled)
