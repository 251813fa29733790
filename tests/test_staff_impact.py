"""Impact reports through the staff screens: the dashboard (this financial year by default,
filters by venue, partner and period), each figure's drill-down agreeing with the dashboard,
the CSV downloads and the one-page PDF. Expected numbers come from impact.py itself, so
these tests check that the screens show what the queries say."""

import csv
import io
from datetime import date

import pymupdf
import pytest
from markupsafe import escape

import charts
import help_desk
import impact
import lending
from audit import Actor
from staff import impact as impact_views
from staff.impact import csv_response

pytestmark = pytest.mark.usefixtures("fast_hashing")

KIOSK = Actor(None, "kiosk: Front desk")


def text(response) -> str:
    return response.get_data(as_text=True)


def shown(value, unit) -> str:
    return str(escape(charts.format_value(value, unit)))


@pytest.fixture
def helped(db, venue, other_venue, volunteer):
    """Two people helped today at Wigan Library, one at Leigh; a partner to filter by."""
    asha = Actor(volunteer, "Asha")
    for where, topic in ((venue, "email"), (venue, "scams"), (other_venue, "jobs")):
        ticket = help_desk.create_ticket(db, where, topic, "Mary", KIOSK)
        help_desk.take_ticket(db, ticket["id"], asha)
        help_desk.finish_ticket(db, ticket["id"], asha, [topic], 15, "solved", "")
    return lending.add_partner(db, KIOSK, {"name": "Wigan Age UK"})


def year():
    return impact.default_period(lending.today())


def test_the_dashboard_shows_every_figure_for_this_financial_year(db, helped, staff_client):
    response = staff_client.get("/staff/impact")
    assert response.status_code == 200
    page = text(response)
    first, last = year()
    assert (first.month, first.day, last.month, last.day) == (4, 1, 3, 31)
    assert f'value="{first.isoformat()}"' in page and f'value="{last.isoformat()}"' in page
    assert '<a href="/staff/impact">Impact</a>' in page  # in the staff nav
    for figure in impact.dashboard(db, first, last):
        assert f'id="fig-{figure["key"]}">{shown(figure["value"], figure["unit"])}<' in page
        assert f'id="prior-{figure["key"]}">{shown(figure["prior"], figure["unit"])}<' in page
        assert f'id="drill-{figure["key"]}" href="/staff/impact/{figure["key"]}?' in page
        assert str(escape(figure["label"])) in page and str(escape(figure["group"])) in page
    assert ">Download CSV</a>" in page and ">One-page summary (PDF)</a>" in page
    assert page.count('role="img"') == page.count("<details>")  # every chart has a table
    assert "Show as a table" in page and 'id="reach"' in page and 'id="by-topic"' in page
    assert "<script>" not in page.split("</header>")[-1] and " style=" not in page


def test_changing_venue_partner_and_period(db, venue, helped, staff_client):
    first, last = date.today().replace(day=1), date.today()
    response = staff_client.get("/staff/impact", query_string={
        "first": first.isoformat(), "last": last.isoformat(), "venue": venue,
        "partner": helped})
    assert response.status_code == 200
    page = text(response)
    assert f'<option value="{venue}" selected>Wigan Library</option>' in page
    assert f'<option value="{helped}" selected>Wigan Age UK</option>' in page
    assert "Wigan Library; partner Wigan Age UK" in page
    for figure in impact.dashboard(db, first, last, venue_id=venue, partner_id=helped):
        assert f'id="fig-{figure["key"]}">{shown(figure["value"], figure["unit"])}<' in page
    link = f"first={first.isoformat()}&amp;last={last.isoformat()}&amp;venue={venue}"
    assert f'href="/staff/impact.csv?{link}&amp;partner={helped}"' in page


@pytest.mark.parametrize("figure", impact.FIGURES, ids=[f.key for f in impact.FIGURES])
def test_each_drill_down_agrees_with_the_dashboard(db, helped, staff_client, figure):
    first, last = year()
    on_dashboard = next(f for f in impact.dashboard(db, first, last) if f["key"] == figure.key)
    response = staff_client.get(f"/staff/impact/{figure.key}")
    assert response.status_code == 200
    page = text(response)
    drill = impact.drill(db, figure.key, first, last)
    assert f'id="figure-value">{shown(on_dashboard["value"], figure.unit)}<' in page
    assert f'id="figure-rows">{len(drill["rows"])}<' in page
    table = page.split('id="figure-table"')[1].split("</table>")[0]
    for _, heading in figure.columns:
        assert f'<th scope="col">{escape(heading)}</th>' in table
    assert table.count("<tr>") == 1 + max(1, len(drill["rows"]))
    assert 'id="trend-table"' in page and "month by month" in page
    assert ('id="by-venue"' in page) == ("venue" in figure.filters)
    assert f'href="/staff/impact/{figure.key}.csv?first=' in page


def test_unknown_figures_are_not_found(staff_client):
    for url in ("/staff/impact/nonsense", "/staff/impact/nonsense.csv",
                "/staff/impact/%3Cscript%3E"):
        assert staff_client.get(url).status_code == 404, url


def read_csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_has_every_figure_with_period_and_filters(db, venue, helped, staff_client):
    first, last = year()
    response = staff_client.get("/staff/impact.csv", query_string={"venue": venue})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["key", "label", "group", "unit", "value", "prior", "change", "note",
                       "period", "filters"]
    figures = impact.dashboard(db, first, last, venue_id=venue)
    assert [r[0] for r in rows[1:]] == [f["key"] for f in figures]
    for row, figure in zip(rows[1:], figures, strict=True):
        assert row[4] == ("" if figure["value"] is None else str(figure["value"]))
        assert row[8] == f"{first.day} April {first.year} to {last.day} March {last.year}"
        assert row[9] == "Wigan Library; all partners"


def test_csv_cells_cannot_run_as_formulas(db, staff_client):
    evil = db["venues"].insert({"name": "=HYPERLINK(\"http://x\")", "kind": "library"}).last_pk
    rows = read_csv(staff_client.get("/staff/impact.csv", query_string={"venue": evil}))
    assert all(r[9].startswith("'=HYPERLINK") for r in rows[1:])
    made = csv_response([["=1+1", "+3", "-2", "@SUM(A1)", "plain", -5, 2.5, None]], "x.csv")
    assert made.get_data(as_text=True) == "\ufeff'=1+1,'+3,'-2,'@SUM(A1),plain,-5,2.5,\r\n"


@pytest.mark.parametrize("figure", impact.FIGURES[:3], ids=[f.key for f in impact.FIGURES[:3]])
def test_a_figure_csv_has_the_rows_behind_it(db, helped, staff_client, figure):
    first, last = year()
    response = staff_client.get(f"/staff/impact/{figure.key}.csv")
    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == [heading for _, heading in figure.columns]
    assert len(rows) - 1 == len(impact.drill(db, figure.key, first, last)["rows"])
    entry = db.execute("select action, row_id from audit_log order by id desc limit 1").fetchone()
    assert entry == ("impact.export", figure.key)


def test_the_summary_pdf_is_one_page_with_the_figures(db, venue, helped, staff_client):
    response = staff_client.get("/staff/impact/summary.pdf", query_string={"venue": venue})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    doc = pymupdf.open(stream=response.get_data(), filetype="pdf")
    assert doc.page_count == 1
    words = " ".join(doc[0].get_text().split())
    assert "Doorstep Library Service: impact summary" in words
    assert "Filters: Wigan Library; all partners" in words
    for figure in impact.dashboard(db, *year(), venue_id=venue):
        assert charts.format_value(figure["value"], figure["unit"]) in words


@pytest.mark.parametrize("url", ["/staff/impact", "/staff/impact.csv",
                                 "/staff/impact/summary.pdf",
                                 f"/staff/impact/{impact.FIGURES[0].key}",
                                 f"/staff/impact/{impact.FIGURES[0].key}.csv"])
def test_bad_filters_give_messages_not_files(db, staff_client, url):
    response = staff_client.get(url, query_string={"first": "31/02/2026", "venue": "abc",
                                                   "partner": "99999"})
    assert response.status_code == 422
    page = text(response)
    assert response.mimetype == "text/html"
    assert '<p class="field-error" id="first-error">' in page
    assert 'id="venue-error">Please choose a venue from the list.</p>' in page
    assert 'id="partner-error">Please choose a partner from the list.</p>' in page
    assert 'value="31/02/2026"' in page


def test_a_long_drill_down_comes_a_page_at_a_time(db, venue, volunteer, staff_client,
                                                  monkeypatch):
    monkeypatch.setattr(impact_views, "ROWS_PER_PAGE", 2)
    helper = Actor(volunteer, "Asha")
    for _ in range(5):
        ticket = help_desk.create_ticket(db, venue, "email", None, KIOSK)
        help_desk.take_ticket(db, ticket["id"], helper)
        help_desk.finish_ticket(db, ticket["id"], helper, ["email"], 5, "solved", None)
    first = text(staff_client.get("/staff/impact/visits"))
    assert '<dd id="figure-rows">5</dd>' in first
    assert first.count('<tr><td>') == 2 and "Rows 1 to 2 of 5 (page 1 of 3)" in first
    last = text(staff_client.get("/staff/impact/visits?page=3"))
    assert last.count('<tr><td>') == 1 and "Rows 5 to 5 of 5" in last
    assert "Previous page" in last and "Next page" not in last
    beyond = text(staff_client.get("/staff/impact/visits?page=99x"))
    assert "Rows 1 to 2 of 5" in beyond  # a page that is not a number starts at the first
