"""The one-page impact summary: exactly one A4 page, with every figure's words on it, even
when there are many figures with long notes."""

from datetime import datetime

import pymupdf

import impact_pdf
from help_desk import LOCAL_TZ

FIGURES = [
    {"key": "help_sessions", "label": "People helped at the desk", "group": "Help desk",
     "unit": "count", "value": 263, "prior": 100, "change": "+163%", "note": "",
     "applies": True},
    {"key": "volunteer_hours", "label": "Volunteer hours", "group": "Volunteers",
     "unit": "hours", "value": 12.5, "prior": None, "change": "new", "note": "",
     "applies": True},
    {"key": "co2e", "label": "Carbon saved", "group": "Donated devices", "unit": "kg",
     "value": 1234.5, "prior": 1234.5, "change": "no change",
     "note": "Factors: version 1 (2026-11-01)", "applies": False},
    {"key": "money", "label": "Money taken for refurbished devices", "group": "Donated devices",
     "unit": "pounds", "value": 60, "prior": 0, "change": "new", "note": "", "applies": True},
]
WHEN = datetime(2027, 1, 15, 9, 30, tzinfo=LOCAL_TZ)


def page_text(data: bytes) -> tuple[int, str, tuple]:
    doc = pymupdf.open(stream=data, filetype="pdf")
    size = (round(doc[0].rect.width), round(doc[0].rect.height))
    text = " ".join(" ".join(page.get_text().split()) for page in doc)
    return doc.page_count, text, size


def test_the_summary_is_one_a4_page_with_every_figure():
    data = impact_pdf.summary_pdf(FIGURES, "1 April 2026 to 31 March 2027",
                                  "Wigan Library; all partners", "Wigan Digital Help", WHEN)
    pages, text, size = page_text(data)
    assert data.startswith(b"%PDF")
    assert pages == 1
    assert size == (595, 842)  # A4 in points
    for words in ("Wigan Digital Help: impact summary", "Period: 1 April 2026 to 31 March 2027",
                  "Filters: Wigan Library; all partners", "Help desk", "Volunteers",
                  "People helped at the desk", "263", "100", "+163%", "12.5 hours", "new",
                  "1,234.5 kg", "no change", "Factors: version 1 (2026-11-01)",
                  impact_pdf.NOT_FILTERED, "£60.00", "£0.00", "Generated 15 January 2027 at 09:30"):
        assert words in text, words


def test_many_figures_with_long_notes_still_fit_on_one_page():
    many = [dict(FIGURES[2], key=f"k{i}", label=f"Figure number {i} with a longer label",
                 group=f"Group {i // 5}", note="Factors: version 3 (2027-01-01). " * 4)
            for i in range(60)]
    pages, text, _ = page_text(impact_pdf.summary_pdf(many, "a year", "All venues", "Doorstep"))
    assert pages == 1
    assert "Figure number 59 with a longer label" in text


def test_odd_text_is_printed_safely():
    odd = [dict(FIGURES[0], label="Help <b>& “quotes” — Cymraeg ŵ 😀", note="<script>")]
    pages, text, _ = page_text(impact_pdf.summary_pdf(odd, "x", "Venue <b>", ""))
    assert pages == 1
    assert "Help <b>& “quotes” — Cymraeg w ?" in text
    assert "<script>" in text and "Venue <b>" in text


def test_no_figures_still_makes_a_page():
    pages, text, _ = page_text(impact_pdf.summary_pdf([], "x", "All venues", "Doorstep"))
    assert pages == 1 and "No figures." in text
