"""The one-page impact summary as a PDF (A4, reportlab): title, period and filters, every
figure with its value, the same period before, the change and its notes (carbon factor
version…), and when it was made. Always one page: the content shrinks to fit if it must.
No Flask: views pass plain values in and get PDF bytes out.
"""

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from charts import format_value
from help_desk import LOCAL_TZ
from labels import _printable

MARGIN = 15 * mm
BRAND = colors.HexColor("#0b4f6c")
SOFT = colors.HexColor("#eef3f6")
NOT_FILTERED = "The venue or partner filter does not apply to this figure."

_TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=18, leading=22,
                        textColor=BRAND, spaceAfter=2 * mm)
_LEAD = ParagraphStyle("lead", fontName="Helvetica", fontSize=10.5, leading=14)
_CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=8.5, leading=10.5)
_HEAD = ParagraphStyle("head", parent=_CELL, fontName="Helvetica-Bold", textColor=colors.white)
_GROUP = ParagraphStyle("group", parent=_CELL, fontName="Helvetica-Bold", fontSize=9.5)
_NUM = ParagraphStyle("num", parent=_CELL, alignment=2)  # right
_SMALL = ParagraphStyle("small", parent=_CELL, fontSize=7.5, textColor=colors.HexColor("#444444"))


def _p(text, style=_CELL) -> Paragraph:
    return Paragraph(escape(_printable("" if text is None else str(text))), style)


def figure_note(figure: dict) -> str:
    """A figure's notes for the table: its own note, and a word if a filter passed it by."""
    notes = [figure.get("note") or ""]
    if figure.get("applies") is False:
        notes.append(NOT_FILTERED)
    return " ".join(n for n in notes if n)


def _figure_table(figures: list[dict]) -> Table:
    head = [_p(h, _HEAD) for h in ("Figure", "This period", "Before", "Change", "Notes")]
    head[1:4] = [Paragraph(f"<para align='right'>{h}</para>", _HEAD)
                 for h in ("This period", "Before", "Change")]
    rows, style = [head], [
        ("BACKGROUND", (0, 0), (-1, 0), BRAND),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.HexColor("#6b7780")),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    group = object()
    for figure in figures:
        if figure.get("group") != group:
            group = figure.get("group")
            if group:
                style += [("SPAN", (0, len(rows)), (-1, len(rows))),
                          ("BACKGROUND", (0, len(rows)), (-1, len(rows)), SOFT)]
                rows.append([_p(group, _GROUP), "", "", "", ""])
        unit = figure.get("unit", "count")
        rows.append([_p(figure.get("label")), _p(format_value(figure.get("value"), unit), _NUM),
                     _p(format_value(figure.get("prior"), unit), _NUM),
                     _p(figure.get("change") or "–", _NUM), _p(figure_note(figure), _SMALL)])
    if len(rows) == 1:
        rows.append([_p("No figures."), "", "", "", ""])
    width = A4[0] - 2 * MARGIN
    table = Table(rows, colWidths=[0.34 * width, 0.13 * width, 0.13 * width, 0.12 * width,
                                   0.28 * width], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def summary_pdf(figures: list[dict], period_words: str, venue_words: str, service_name: str,
                generated: datetime | None = None) -> bytes:
    """The dashboard's figures (impact.dashboard rows) on one A4 page."""
    generated = generated or datetime.now(LOCAL_TZ)
    out = io.BytesIO()
    title = f"{service_name}: impact summary" if service_name else "Impact summary"
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=_printable(title),
                            author=_printable(service_name or ""), creator="Doorstep",
                            subject=_printable(f"{period_words}; {venue_words}"))
    story = [
        _p(title, _TITLE),
        _p(f"Period: {period_words}", _LEAD),
        _p(f"Filters: {venue_words}", _LEAD),
        Spacer(0, 4 * mm),
        _figure_table(figures),
        Spacer(0, 4 * mm),
        _p("“Before” is the same length of time just before this period. "
           f"Generated {generated.strftime('%-d %B %Y at %H:%M')} by Doorstep.", _SMALL),
    ]
    frame_w, frame_h = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN - 1  # a hair inside the frame
    doc.build([KeepInFrame(frame_w, frame_h, story, mode="shrink")])
    return out.getvalue()
