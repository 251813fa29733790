"""Label PDFs as a scanner and a printer see them: every QR decodes to its own URL inside its own
label, and nothing strays outside the cells that cell_boxes promises."""

import pymupdf
import pytest
import qrcode
import zxingcpp

from labels import FORMATS, Label, calibration_pdf, cell_boxes, label_sheet_pdf, validate_options
from validation import InvalidInput

MM_PER_PT = 25.4 / 72
QUIET_MODULES = 2
SERVICE, PHONE = "Anytown Council Digital Lending Library", "01632 960 123"


def make_labels(count, start=1):
    return [Label(f"TAB-{n:04d}", f"https://doorstep.example/d/TAB-{n:04d}")
            for n in range(start, start + count)]


def open_pdf(pdf):
    return pymupdf.open(stream=pdf, filetype="pdf")


def scan(page, dpi=200):
    """QR codes on the page: {text: (x0, y0, x1, y1) in mm from the top-left}."""
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    image = memoryview(pix.samples).cast("B", (pix.height, pix.width))
    found = {}
    for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        corners = [code.position.top_left, code.position.top_right,
                   code.position.bottom_left, code.position.bottom_right]
        xs = [p.x * 25.4 / dpi for p in corners]
        ys = [p.y * 25.4 / dpi for p in corners]
        assert code.text not in found, f"{code.text} printed twice on one page"
        assert code.ec_level == "M"
        found[code.text] = (min(xs), min(ys), max(xs), max(ys))
    return found


def mm_rect(rect):
    return (rect.x0 * MM_PER_PT, rect.y0 * MM_PER_PT, rect.x1 * MM_PER_PT, rect.y1 * MM_PER_PT)


def inside(rect, box, slack=0.0):
    """rect (x0, y0, x1, y1) lies within box (x, y, w, h) shrunk by `slack` mm each side."""
    x, y, w, h = box
    x0, y0, x1, y1 = rect
    return (x0 >= x + slack - 0.05 and y0 >= y + slack - 0.05
            and x1 <= x + w - slack + 0.05 and y1 <= y + h - slack + 0.05)


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def modules_across(url):
    """Width in modules of the smallest level-M QR holding `url`, worked out independently."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return 17 + 4 * code.version


def pages_of(pdf):
    doc = open_pdf(pdf)
    return doc, list(doc)


# --- geometry -------------------------------------------------------------------------------------

def test_formats_match_the_reference_sheets():
    assert list(FORMATS) == ["L7160", "L7651", "L7163", "QL62", "QL29"]
    assert {code: f.per_page for code, f in FORMATS.items()} == {
        "L7160": 21, "L7651": 65, "L7163": 14, "QL62": 1, "QL29": 1}
    for fmt in FORMATS.values():
        assert fmt.code in fmt.name.replace(" ", "") and f"{fmt.label_width:g} ×" in fmt.name
        last = cell_boxes(fmt, fmt.per_page)[-1]
        assert last[0] == 0
        # The whole grid lies on the page, with the sheet's margins left over.
        assert fmt.left >= 0 and last[1] + last[3] <= fmt.page_width + 1e-9
        assert fmt.top >= 0 and last[2] + last[4] <= fmt.page_height + 1e-9
    assert (FORMATS["QL62"].page_width, FORMATS["QL62"].page_height) == (62, 31.5)
    assert FORMATS["QL62"].continuous and not FORMATS["L7160"].continuous


def test_cell_boxes_fill_rows_then_sheets():
    fmt = FORMATS["L7160"]
    boxes = cell_boxes(fmt, 23)
    assert boxes[0] == (0, 7.2, 15.15, 63.5, 38.1)
    assert boxes[1][1:3] == pytest.approx((73.2, 15.15))
    assert boxes[3][1:3] == pytest.approx((7.2, 53.25))
    assert boxes[20][1:3] == pytest.approx((139.2, 243.75))
    assert [b[0] for b in boxes[20:]] == [0, 1, 1]
    assert boxes[21][1:] == boxes[0][1:]


def test_start_at_skips_cells_on_the_first_sheet_only():
    fmt = FORMATS["L7160"]
    every = cell_boxes(fmt, 42)
    boxes = cell_boxes(fmt, 20, start_at=5)
    assert boxes[0] == every[4]
    assert boxes[16] == every[20]  # 17 labels fill cells 5..21 of sheet one
    assert boxes[17] == every[21]  # the next sheet starts at its first cell
    with pytest.raises(ValueError):
        cell_boxes(fmt, 1, start_at=22)


def test_offsets_move_every_cell():
    fmt = FORMATS["L7651"]
    plain = cell_boxes(fmt, 70)
    moved = cell_boxes(fmt, 70, offset_x=1.5, offset_y=-2)
    for (p, x, y, w, h), (mp, mx, my, mw, mh) in zip(plain, moved, strict=True):
        assert (mp, mw, mh) == (p, w, h)
        assert (mx - x, my - y) == pytest.approx((1.5, -2))


# --- what the scanner and the reader see --------------------------------------------------------

def assert_labels_in_cells(pdf, fmt, items, start_at=1, offset_x=0, offset_y=0, dpi=200):
    """Each label's QR decodes to its URL, and it, its tag and all ink lie inside its own cell."""
    doc, pages = pages_of(pdf)
    boxes = cell_boxes(fmt, len(items), start_at, offset_x, offset_y)
    assert len(pages) == boxes[-1][0] + 1
    for number, page in enumerate(pages):
        on_page = [(label, box[1:]) for label, box in zip(items, boxes, strict=True)
                   if box[0] == number]
        found = scan(page, dpi)
        assert set(found) == {label.url for label, _ in on_page}
        cells = [box for _, box in on_page]
        words = [mm_rect(pymupdf.Rect(word[:4])) for word in page.get_text("words")]
        for label, box in on_page:
            symbol = found[label.url]
            quiet = QUIET_MODULES * (symbol[2] - symbol[0]) / modules_across(label.url) - 0.15
            assert inside(symbol, box, slack=quiet), (label, symbol, box)
            zone = (symbol[0] - quiet, symbol[1] - quiet, symbol[2] + quiet, symbol[3] + quiet)
            assert not [w for w in words if overlaps(w, zone)], "text in the QR's quiet zone"
            tag_rects = [mm_rect(r) for r in page.search_for(label.asset_tag)]
            assert [r for r in tag_rects if inside(r, box)], (label.asset_tag, tag_rects, box)
        # Nothing at all outside the cells in use: every word and every drawn path is in one.
        for word in words:
            assert any(inside(word, cell) for cell in cells), word
        for drawing in page.get_drawings():
            assert any(inside(mm_rect(drawing["rect"]), cell, slack=1.0) for cell in cells)
    return doc


@pytest.mark.parametrize("code", list(FORMATS))
def test_every_format_prints_scannable_labels_inside_their_cells(code):
    fmt = FORMATS[code]
    items = make_labels(3, start=40)
    doc = assert_labels_in_cells(label_sheet_pdf(items, fmt, SERVICE, PHONE), fmt, items)
    text = "".join(page.get_text() for page in doc)
    for label in items:
        assert label.asset_tag in text
    assert "01632 960 123" in text
    assert doc.metadata["title"] and code in doc.metadata["title"]


def test_more_labels_than_a_sheet_holds_continue_on_a_second_sheet():
    fmt = FORMATS["L7160"]
    items = make_labels(22)
    doc = assert_labels_in_cells(label_sheet_pdf(items, fmt, SERVICE, PHONE), fmt, items, dpi=150)
    assert len(doc) == 2


def test_tape_formats_print_one_label_per_page():
    for code in ("QL62", "QL29"):
        doc = open_pdf(label_sheet_pdf(make_labels(3), FORMATS[code], SERVICE, PHONE))
        assert len(doc) == 3
        width, height = doc[0].rect.width * MM_PER_PT, doc[0].rect.height * MM_PER_PT
        assert (width, height) == pytest.approx(
            (FORMATS[code].page_width, FORMATS[code].page_height), abs=0.01)


def test_ql62_keeps_ink_within_the_printable_58_9_mm():
    doc = open_pdf(label_sheet_pdf(make_labels(1), FORMATS["QL62"], SERVICE, PHONE))
    edge = (62 - 58.9) / 2
    ink = [mm_rect(d["rect"]) for d in doc[0].get_drawings()]
    ink += [mm_rect(pymupdf.Rect(w[:4])) for w in doc[0].get_text("words")]
    assert min(r[0] for r in ink) >= edge and max(r[2] for r in ink) <= 62 - edge


def test_start_at_leaves_used_cells_empty():
    fmt = FORMATS["L7160"]
    items = make_labels(3)
    pdf = label_sheet_pdf(items, fmt, SERVICE, PHONE, start_at=5)
    doc = assert_labels_in_cells(pdf, fmt, items, start_at=5)
    page = doc[0]
    for _, x, y, w, h in cell_boxes(fmt, 4):
        clip = pymupdf.Rect(x, y, x + w, y + h) / MM_PER_PT
        assert page.get_text(clip=clip).strip() == ""
    found = scan(page)
    assert inside(found[items[0].url], cell_boxes(fmt, 5)[4][1:])


def test_offsets_shift_what_is_printed():
    fmt = FORMATS["L7163"]
    items = make_labels(2)
    plain = scan(open_pdf(label_sheet_pdf(items, fmt, SERVICE, PHONE))[0])
    pdf = label_sheet_pdf(items, fmt, SERVICE, PHONE, offset_x=3, offset_y=-4)
    moved = scan(assert_labels_in_cells(pdf, fmt, items, offset_x=3, offset_y=-4)[0])
    for url, (x0, y0, _, _) in plain.items():
        assert (moved[url][0] - x0, moved[url][1] - y0) == pytest.approx((3, -4), abs=0.3)


def test_small_labels_fit_long_text_or_drop_it_but_always_scan():
    fmt = FORMATS["L7651"]
    items = [Label("CHROMEBOOK-0042", "https://lending.anytown-borough-council.gov.uk/d/CB-0042"),
             Label("TAB-7", "https://doorstep.example/d/TAB-7")]
    service = "Cyngor Sir Ynys Môn — Gwasanaeth Benthyca Dyfeisiau Digidol i Bawb ŵ"
    pdf = label_sheet_pdf(items, fmt, service, "+44 (0)1248 750 057 extension 4321")
    doc = open_pdf(pdf)
    boxes = [box[1:] for box in cell_boxes(fmt, 2)]
    found = scan(doc[0], dpi=300)
    assert set(found) == {label.url for label in items}
    for label, box in zip(items, boxes, strict=True):
        assert inside(found[label.url], box, slack=1.0)
    for word in doc[0].get_text("words"):
        assert any(inside(mm_rect(pymupdf.Rect(word[:4])), box) for box in boxes), word
    text = doc[0].get_text()
    assert "CHROMEBOOK-" in text and "TAB-7" in text and "Cyngor" in text


def test_no_labels_gives_a_blank_page():
    assert len(open_pdf(label_sheet_pdf([], FORMATS["L7160"], SERVICE, PHONE))) == 1


def test_qr_is_one_vector_path_per_label():
    doc = open_pdf(label_sheet_pdf(make_labels(2), FORMATS["L7160"], SERVICE, PHONE))
    assert len(doc[0].get_drawings()) == 2
    assert not doc[0].get_images()


# --- calibration page ---------------------------------------------------------------------------

@pytest.mark.parametrize("code", list(FORMATS))
def test_calibration_page_numbers_every_cell_and_shows_the_offsets(code):
    fmt = FORMATS[code]
    doc = open_pdf(calibration_pdf(fmt, offset_x=1.5, offset_y=-2))
    assert len(doc) == 1
    words = {w[4] for w in doc[0].get_text("words")}
    assert {str(n) for n in range(1, fmt.per_page + 1)} <= words
    text = doc[0].get_text()
    assert "+1.5" in text and "-2.0" in text
    assert code in doc.metadata["title"]


def test_calibration_numbers_sit_in_their_shifted_cells():
    fmt = FORMATS["L7651"]
    page = open_pdf(calibration_pdf(fmt, offset_x=-2, offset_y=3))[0]
    for number, (_, x, y, w, h) in enumerate(cell_boxes(fmt, 65, 1, -2, 3), 1):
        rects = [mm_rect(r) for r in page.search_for(str(number))]
        assert any(inside(r, (x, y, w, h)) for r in rects), number
    assert "100" in page.get_text() and "100 mm" in page.get_text()


# --- form input -----------------------------------------------------------------------------------

def test_validate_options_parses_form_input():
    assert validate_options("L7160", "5", "1.5", "-2") == (FORMATS["L7160"], 5, 1.5, -2.0)
    assert validate_options(" L7651 ", "", "", " ") == (FORMATS["L7651"], 1, 0.0, 0.0)
    assert validate_options("QL62", 1, 10, -10) == (FORMATS["QL62"], 1, 10.0, -10.0)
    assert validate_options("L7163", "14", "0,5", "+1") == (FORMATS["L7163"], 14, 0.5, 1.0)


@pytest.mark.parametrize(("args", "field", "words"), [
    (("A4-ANY", "1", "0", "0"), "format", "Choose"),
    (("L7160", "0", "0", "0"), "start_at", "1 to 21"),
    (("L7160", "22", "0", "0"), "start_at", "1 to 21"),
    (("L7651", "two", "0", "0"), "start_at", "1 to 65"),
    (("L7160", "2.5", "0", "0"), "start_at", "1 to 21"),
    (("QL29", "2", "0", "0"), "start_at", "start at 1"),
    (("L7160", "1", "10.5", "0"), "offset_x", "between -10 and 10"),
    (("L7160", "1", "left", "0"), "offset_x", "between -10 and 10"),
    (("L7160", "1", "0", "nan"), "offset_y", "between -10 and 10"),
    (("L7160", "1", "0", "-inf"), "offset_y", "between -10 and 10"),
    (("L7160", "1", "0", "-11"), "offset_y", "between -10 and 10"),
])
def test_validate_options_explains_bad_input(args, field, words):
    with pytest.raises(InvalidInput) as caught:
        validate_options(*args)
    assert list(caught.value.errors) == [field]
    assert words in caught.value.errors[field]


def test_validate_options_reports_every_bad_field_at_once():
    with pytest.raises(InvalidInput) as caught:
        validate_options("nope", "x", "99", "y")
    assert set(caught.value.errors) == {"format", "start_at", "offset_x", "offset_y"}
