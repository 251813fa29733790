"""Server-drawn SVG charts: well-formed, named and described for screen readers, labelled
with text, sized by viewBox, no scripts or style attributes, and bars in proportion."""

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

import charts

SVG = "{http://www.w3.org/2000/svg}"
VENUES = [{"label": "Wigan Library", "value": 40}, {"label": "Leigh Library", "value": 10},
          {"label": "Hindley <Pub> & Co", "value": 0}]
MONTHS = [{"month": "2026-04", "label": "Apr 2026", "value": 3},
          {"month": "2026-05", "label": "May 2026", "value": 0},
          {"month": "2026-06", "label": "Jun 2026", "value": 12}]


def parse(svg) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))  # noqa: S314 (our own output)


def texts(root) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def check_accessible(root, title):
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 ")
    assert root.get("width") is None and root.get("height") is None  # sized by CSS
    title_el, desc_el = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title_el.text == title
    assert root.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"
    for el in root.iter():
        assert "style" not in el.attrib
        assert not any(name.startswith("on") for name in el.attrib)
        assert el.tag != f"{SVG}script"
    return desc_el.text


def test_a_bar_chart_has_a_bar_per_row_in_proportion_with_labels_and_values():
    root = parse(charts.bar_chart(VENUES, "Help by venue", "count"))
    desc = check_accessible(root, "Help by venue")
    assert desc == ("3 bars, total 50. Highest: Wigan Library, 40. "
                    "Lowest: Hindley <Pub> & Co, 0.")
    words = texts(root)
    for label in ("Wigan Library", "Leigh Library", "Hindley <Pub> & Co", "40", "10", "0"):
        assert label in words
    bars = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert len(bars) == 2  # nothing drawn for zero
    assert bars[0] == pytest.approx(4 * bars[1])


def test_a_median_or_longest_wait_is_not_added_up():
    waits = [{"label": "Age UK", "value": 12}, {"label": "GP practice", "value": 30}]
    desc = parse(charts.bar_chart(waits, "Median wait", "days", totalled=False)).find(
        f"{SVG}desc").text
    assert desc.startswith("2 bars. Highest: GP practice, 30")
    trend = parse(charts.trend_chart(MONTHS, "Longest wait", "days", totalled=False))
    assert "total" not in trend.find(f"{SVG}desc").text


def test_bar_chart_units_and_long_labels():
    rows = [{"label": "A very long venue name that will not fit in the space", "value": 12.5}]
    root = parse(charts.bar_chart(rows, "Hours", "hours"))
    assert "12.5 hours" in texts(root)
    assert "A very long venue name that…" in texts(root)
    assert "total 12.5 hours" in root.find(f"{SVG}desc").text
    money = parse(charts.bar_chart([{"label": "Sales", "value": 1250}], "Money", "pounds"))
    assert "£1,250.00" in texts(money)


def test_an_empty_chart_says_so():
    for svg in (charts.bar_chart([], "Nothing", "count"),
                charts.trend_chart([], "Nothing", "count")):
        root = parse(svg)
        assert check_accessible(root, "Nothing") == charts.NOTHING
        assert charts.NOTHING in texts(root)


def test_a_trend_chart_has_a_column_per_month_and_an_axis():
    root = parse(charts.trend_chart(MONTHS, "Tickets month by month", "count"))
    desc = check_accessible(root, "Tickets month by month")
    assert desc.startswith("Month by month from Apr 2026 to Jun 2026. 3 months, total 15.")
    assert "Highest: Jun 2026, 12." in desc
    words = texts(root)
    assert [w for w in words if w in ("Apr", "May", "Jun", "2026")] == [
        "Apr", "2026", "May", "2026", "Jun", "2026"]  # each month under its column
    assert "20" in words and "0" in words  # axis from 0 to a round number
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights[1] == pytest.approx(4 * heights[0])


def test_twelve_months_fit_and_ids_differ_per_title():
    year = [{"month": f"m{i}", "label": f"M{i}", "value": i * 100} for i in range(12)]
    a = parse(charts.trend_chart(year, "One", "kg"))
    b = parse(charts.trend_chart(year, "Two", "kg"))
    assert a.find(f"{SVG}title").get("id") != b.find(f"{SVG}title").get("id")
    xs = [float(r.get("x")) + float(r.get("width")) for r in a.iter(f"{SVG}rect")]
    assert max(xs) <= charts.WIDTH
    assert "1,100 kg" in texts(a)


def test_odd_values_do_not_break_a_chart():
    rows = [{"label": "x", "value": None}, {"label": "y", "value": float("nan")},
            {"label": "z", "value": -3}]
    root = parse(charts.bar_chart(rows, "Odd", "count"))
    assert root.find(f"{SVG}rect") is None


@pytest.mark.parametrize(("value", "unit", "words"), [
    (1234, "count", "1,234"), (3.0, "count", "3"), (2.5, "hours", "2.5 hours"),
    (40, "kg", "40.0 kg"), (1250.5, "pounds", "£1,250.50"), (None, "count", "–"),
])
def test_format_value(value, unit, words):
    assert charts.format_value(value, unit) == words


def test_nice_ceiling():
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 12, 240, 999)] == [1, 1, 5, 20, 250, 1000]
