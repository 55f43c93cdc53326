"""Printed incoming register (Decree 30, Phụ lục IV): real PDF and XLSX output."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from archive.register_print import (
    COLUMN_HEADERS, EMPTY_TEXT, RegisterHeader, RegisterRow, find_font_files,
    incoming_register_pdf, incoming_register_xlsx)

VIETNAMESE = "Đ đ Ơ ơ Ư ư ặ ỗ ữ ẫ ệ Quyết định về việc đầu tư xây dựng"
ORG = "Sở Văn hóa, Thể thao và Du lịch"
HEADER = RegisterHeader(organization_name=ORG, parent_name="UBND tỉnh Quảng Ngãi",
                        register_name="Sổ đăng ký văn bản đến năm 2026",
                        date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def make_rows(n: int) -> list[RegisterRow]:
    start = date(2026, 3, 2)
    return [RegisterRow(arrival_date=start + timedelta(days=i // 5), arrival_number=i + 1,
                        issuer_name="Ủy ban nhân dân tỉnh Quảng Ngãi",
                        code=f"{i + 1}/QĐ-UBND", issued_date=start - timedelta(days=3),
                        type_and_subject=f"{VIETNAMESE} số {i + 1}",
                        recipients="Phòng Kế hoạch - Tài chính",
                        transfer_date=start + timedelta(days=i // 5 + 1), signature="",
                        notes="Bản chính")
            for i in range(n)]


def flat(text: str) -> str:
    """Extracted text with line breaks from cell wrapping collapsed."""
    return " ".join(text.split())


def pdf_pages(data: bytes) -> list[str]:
    return [flat(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return incoming_register_pdf(HEADER, make_rows(120))


# ----------------------------------------------------------------------- fonts

def test_font_files_exist_and_cover_vietnamese():
    from reportlab.pdfbase.ttfonts import TTFont
    paths = find_font_files()
    assert set(paths) == {"regular", "bold", "italic"}
    for path in paths.values():
        assert os.path.isfile(path)
        cmap = TTFont("probe", path).face.charToGlyph
        missing = [ch for ch in VIETNAMESE + "ẠậẶỹỴ" if not ch.isspace() and ord(ch) not in cmap]
        assert not missing, (path, missing)


def test_prefers_liberation_serif_when_installed():
    if not os.path.isfile("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"):
        pytest.skip("fonts-liberation2 not installed")
    assert find_font_files()["regular"].endswith("LiberationSerif-Regular.ttf")


def test_missing_fonts_name_the_debian_packages(monkeypatch, tmp_path):
    import archive.register_print as rp
    monkeypatch.setattr(rp, "_FONT_CANDIDATES", (
        ("fonts-liberation2", str(tmp_path), {"regular": "LiberationSerif-Regular.ttf"}),))
    with pytest.raises(RuntimeError, match="fonts-liberation2.*fonts-dejavu-core"):
        find_font_files()


# ------------------------------------------------------------------------- PDF

def test_pdf_title_headers_and_values():
    rows = make_rows(3)
    rows[1].issued_date = None
    rows[1].code = ""
    data = incoming_register_pdf(HEADER, rows)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = flat(reader.pages[0].extract_text())
    assert "UBND TỈNH QUẢNG NGÃI" in text
    assert ORG.upper() in text
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert "Sổ đăng ký văn bản đến năm 2026" in text
    assert "Từ ngày 01/01/2026 đến ngày 31/12/2026" in text
    for i, name in enumerate(COLUMN_HEADERS, start=1):
        assert name in text
        assert f"({i})" in text
    assert text.index("Ngày đến") < text.index("Tác giả") < text.index("Ghi chú")
    assert f"{VIETNAMESE} số 2" in text
    assert "02/03/2026" in text and "27/02/2026" in text and "03/03/2026" in text
    assert "Ủy ban nhân dân tỉnh Quảng Ngãi" in text and "3/QĐ-UBND" in text
    assert "Trang 1" in text


def test_pdf_arrival_numbers_in_order():
    text = pdf_pages(incoming_register_pdf(HEADER, make_rows(4)))[0]
    positions = [text.index(f"/03/2026 {n} ") for n in range(1, 5)]
    assert positions == sorted(positions)


def test_pdf_escapes_markup_characters():
    row = make_rows(1)[0]
    row.type_and_subject = "Công văn <b>về</b> giá < 5 & > 3 &amp; dòng\nmới"
    text = pdf_pages(incoming_register_pdf(HEADER, [row]))[0]
    assert "Công văn <b>về</b> giá < 5 & > 3 &amp; dòng mới" in text


def test_pdf_embeds_only_the_serif_family():
    reader = PdfReader(io.BytesIO(incoming_register_pdf(HEADER, make_rows(2))))
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    family = "LiberationSerif" if "Liberation" in find_font_files()["regular"] else "DejaVuSerif"
    assert fonts and all(family in f for f in fonts), fonts


def test_pdf_multi_page_repeats_headers(long_pdf):
    pages = pdf_pages(long_pdf)
    assert len(pages) > 1
    for n, text in enumerate(pages, start=1):
        for name in COLUMN_HEADERS:
            assert name in text, (n, name)
        assert "(10)" in text
        assert f"Trang {n}" in text
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" not in pages[1]  # title block only on page 1
    everything = " ".join(pages)
    for number in (1, 60, 120):
        assert f"{VIETNAMESE} số {number}" in everything


def test_pdf_accepts_a_generator():
    data = incoming_register_pdf(HEADER, (r for r in make_rows(5)))
    assert f"{VIETNAMESE} số 5" in pdf_pages(data)[0]


def test_pdf_row_taller_than_a_page_is_split_not_lost():
    row = make_rows(1)[0]
    row.type_and_subject = " ".join(f"đoạn{i}" for i in range(1200)) + " HẾT"
    pages = pdf_pages(incoming_register_pdf(HEADER, [row]))
    assert len(pages) > 1
    everything = " ".join(pages)
    assert "đoạn0 đoạn1" in everything and "HẾT" in everything


def test_pdf_empty_register():
    pages = pdf_pages(incoming_register_pdf(HEADER, []))
    assert len(pages) == 1
    for name in COLUMN_HEADERS:
        assert name in pages[0]
    assert EMPTY_TEXT in pages[0]


# ------------------------------------------------------------------------ XLSX

def load(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["So den"]
    return wb["So den"]


def header_row_index(ws) -> int:
    for r in range(1, 20):
        if ws.cell(r, 1).value == COLUMN_HEADERS[0]:
            return r
    raise AssertionError("header row not found")


def test_xlsx_layout_and_values():
    rows = make_rows(25)
    rows[3].issued_date = None
    rows[3].transfer_date = None
    ws = load(incoming_register_xlsx(HEADER, rows))
    h = header_row_index(ws)
    titles = [ws.cell(r, 1).value for r in range(1, h)]
    assert titles[:2] == ["UBND TỈNH QUẢNG NGÃI", ORG.upper()]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in titles and HEADER.register_name in titles
    assert "Từ ngày 01/01/2026 đến ngày 31/12/2026" in titles
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {f"A{r}:J{r}" for r in range(1, h)} <= merged
    assert [c.value for c in ws[h]] == list(COLUMN_HEADERS)
    assert [c.value for c in ws[h + 1]] == [f"({i})" for i in range(1, 11)]
    data = list(ws.iter_rows(min_row=h + 2, values_only=True))
    assert len(data) == 25
    first = data[0]
    assert isinstance(first[0], datetime) and first[0].date() == date(2026, 3, 2)
    assert first[1] == 1 and first[2] == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert first[3] == "1/QĐ-UBND" and first[4].date() == date(2026, 2, 27)
    assert first[5] == f"{VIETNAMESE} số 1" and first[7].date() == date(2026, 3, 3)
    assert first[9] == "Bản chính"
    assert data[3][4] is None and data[3][7] is None
    assert [r[1] for r in data] == list(range(1, 26))
    cell = ws.cell(h + 2, 1)
    assert cell.number_format == "DD/MM/YYYY" and cell.is_date
    assert ws.cell(h + 2, 6).alignment.wrap_text


def test_xlsx_print_setup():
    ws = load(incoming_register_xlsx(HEADER, make_rows(3)))
    h = header_row_index(ws)
    assert ws.freeze_panes == f"A{h + 2}"
    assert ws.print_title_rows == f"${h}:${h + 1}"
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["F"].width > ws.column_dimensions["B"].width


def test_control_characters_are_dropped_not_fatal():
    row = make_rows(1)[0]
    row.type_and_subject = "Trích\x00 yếu\x0b\tmới"
    assert "Trích yếu mới" in pdf_pages(incoming_register_pdf(HEADER, [row]))[0]
    ws = load(incoming_register_xlsx(HEADER, [row]))
    assert ws.cell(header_row_index(ws) + 2, 6).value == "Trích yếu mới"


def test_xlsx_without_parent_and_empty():
    header = RegisterHeader(ORG, None, "Sổ đăng ký văn bản đến năm 2026",
                            date(2026, 1, 1), date(2026, 1, 31))
    ws = load(incoming_register_xlsx(header, iter([])))
    h = header_row_index(ws)
    assert ws.cell(1, 1).value == ORG.upper()
    rest = list(ws.iter_rows(min_row=h + 2, values_only=True))
    assert len(rest) == 1 and rest[0][0] == EMPTY_TEXT


# ----------------------------------------------------------------------- other

def test_module_does_not_import_flask_or_app():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    code = ("import sys, archive.register_print; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'app')]; "
            "assert not bad, bad")
    env = dict(os.environ, PYTHONPATH=root)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=env)
