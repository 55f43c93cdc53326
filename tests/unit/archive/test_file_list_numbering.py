"""Order, Roman/Arabic heading numerals, file codes per numbering mode, footer
counts and the printed danh mục (DOMAIN §2.13, Decree 30 Phụ lục V)."""
from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace as Row

import pytest

from archive.errors import Conflict, InvalidInput
from archive.file_list_numbering import (assign_codes, entry_order, footer_text,
                                         heading_numbers, heading_order, retention_counts)
from archive.file_list_print import (ListHeader, ListRow, approval_lines, file_list_pdf,
                                     file_list_xlsx)


def heading(id, title, position, parent_id=None, code_suffix=None):
    return Row(id=id, title=title, position=position, parent_id=parent_id,
               code_suffix=code_suffix)


def entry(name, heading_id, position):
    return Row(name=name, heading_id=heading_id, position=position)


# Positions are given out of order on purpose: order comes from position, not insertion.
HEADINGS = [
    heading(2, "Văn hóa", 2, code_suffix="VH"),
    heading(1, "Tổ chức cán bộ", 1, code_suffix="TCCB"),
    heading(11, "Tuyển dụng", 2, parent_id=1),                      # shares TCCB
    heading(10, "Quy hoạch cán bộ", 1, parent_id=1),                # shares TCCB
    heading(20, "Di sản", 1, parent_id=2, code_suffix="DS"),        # its own code
    heading(3, "Du lịch", 3, code_suffix="DL"),
]
ENTRIES = [
    entry("vh-2", 2, 2), entry("vh-1", 2, 1), entry("tccb-1", 1, 1),
    entry("qh-1", 10, 1), entry("td-1", 11, 1), entry("td-2", 11, 2),
    entry("ds-1", 20, 1), entry("dl-1", 3, 1),
]


def codes(numbering, headings=HEADINGS, entries=ENTRIES) -> list[tuple[str, str]]:
    return [(e.name, code) for e, code in assign_codes(numbering, headings, entries)]


def test_headings_are_ordered_top_level_then_their_sub_headings():
    assert [h.title for h in heading_order(HEADINGS)] == [
        "Tổ chức cán bộ", "Quy hoạch cán bộ", "Tuyển dụng", "Văn hóa", "Di sản", "Du lịch"]


def test_top_level_headings_get_roman_numerals_and_sub_headings_arabic_ones():
    numbers = heading_numbers(HEADINGS)
    assert [numbers[i] for i in (1, 10, 11, 2, 20, 3)] == ["I", "1", "2", "II", "1", "III"]


def test_many_top_level_headings_keep_counting_in_roman():
    many = [heading(i, f"H{i}", i) for i in range(1, 15)]
    numbers = heading_numbers(many)
    assert [numbers[i] for i in (4, 9, 14)] == ["IV", "IX", "XIV"]


def test_entries_follow_the_headings_in_list_order():
    assert [e.name for e in entry_order(HEADINGS, ENTRIES)] == [
        "tccb-1", "qh-1", "td-1", "td-2", "vh-1", "vh-2", "ds-1", "dl-1"]


def test_entries_outside_any_heading_come_first():
    extra = ENTRIES + [entry("free", None, 1)]
    assert entry_order(HEADINGS, extra)[0].name == "free"


def test_list_numbering_runs_over_the_whole_list():
    assert codes("list") == [("tccb-1", "01"), ("qh-1", "02"), ("td-1", "03"), ("td-2", "04"),
                             ("vh-1", "05"), ("vh-2", "06"), ("ds-1", "07"), ("dl-1", "08")]


def test_heading_numbering_restarts_per_heading_with_its_code():
    assert codes("heading") == [
        ("tccb-1", "01.TCCB"), ("qh-1", "02.TCCB"), ("td-1", "03.TCCB"), ("td-2", "04.TCCB"),
        ("vh-1", "01.VH"), ("vh-2", "02.VH"), ("ds-1", "01.DS"), ("dl-1", "01.DL")]


def test_codes_follow_a_change_of_order():
    moved = [entry("vh-2", 2, 1), entry("vh-1", 2, 2)]
    assert codes("heading", entries=moved) == [("vh-2", "01.VH"), ("vh-1", "02.VH")]


def test_heading_numbering_needs_a_heading_code():
    bare = [heading(1, "Tổng hợp", 1)]
    with pytest.raises(InvalidInput) as err:
        assign_codes("heading", bare, [entry("a", 1, 1)])
    assert "Tổng hợp" in err.value.message.vi and "heading_id" in err.value.fields
    with pytest.raises(InvalidInput):
        assign_codes("heading", HEADINGS, [entry("outside", None, 1)])
    # Numbering over the list needs no code at all.
    assert codes("list", bare, [entry("a", 1, 1)]) == [("a", "01")]


def test_a_code_given_twice_is_refused():
    twice = [heading(1, "Tổ chức", 1, code_suffix="TC"), heading(2, "Tài chính", 2,
                                                                   code_suffix="TC")]
    with pytest.raises(Conflict) as err:
        assign_codes("heading", twice, [entry("a", 1, 1), entry("b", 2, 1)])
    assert "01.TC" in err.value.message.vi


def test_footer_counts_permanent_and_fixed_term_files():
    permanent, fixed = retention_counts([None, 10, 5, None, 70])
    assert (permanent, fixed) == (2, 3)
    assert footer_text(permanent, fixed) == (
        "Bản danh mục hồ sơ này có 5 hồ sơ, bao gồm: 2 hồ sơ bảo quản vĩnh viễn; "
        "3 hồ sơ bảo quản có thời hạn.")
    assert retention_counts([]) == (0, 0)


# --- printing ---------------------------------------------------------------------------

HEADER = ListHeader(organization_name="Sở Văn hóa, Thể thao và Du lịch",
                    parent_name="Ủy ban nhân dân tỉnh Demo", year=2026, approved=True,
                    approved_on=date(2026, 1, 5), approver_name="Lê Minh Đức",
                    approver_title="Giám đốc", place_name="Demo")
ROWS = [ListRow("heading", "I", "Tổ chức cán bộ"),
        ListRow("entry", "01.TCCB", "Hồ sơ tuyển dụng viên chức năm 2026", 1, "70 năm",
                "Trần Văn Chánh"),
        ListRow("heading", "1", "Quy hoạch", 1),
        ListRow("entry", "02.TCCB", "Hồ sơ quy hoạch cán bộ", 1, "Vĩnh viễn", "Trần Văn Chánh",
                "Mật")]


def test_approval_block_names_the_leader_or_marks_a_draft():
    assert approval_lines(HEADER) == ["Demo, ngày 05 tháng 01 năm 2026", "NGƯỜI PHÊ DUYỆT",
                                      "GIÁM ĐỐC", "(Đã phê duyệt trên Hệ thống eOffice)",
                                      "Lê Minh Đức"]
    draft = ListHeader("Sở", None, 2027, approved=False)
    assert approval_lines(draft) == ["DỰ THẢO — CHƯA ĐƯỢC PHÊ DUYỆT"]


def test_the_pdf_holds_the_official_layout():
    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO(file_list_pdf(HEADER, ROWS, 1, 1)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert pdf.pages[0].mediabox.width == pytest.approx(595.28, abs=1)     # A4 portrait
    for expected in ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "DANH MỤC HỒ SƠ NĂM 2026",
                     "Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản",
                     "Người lập hồ sơ", "Ghi chú", "I. Tổ chức cán bộ", "1. Quy hoạch",
                     "01.TCCB", "02.TCCB", "70 năm", "Vĩnh viễn",
                     "1 hồ sơ bảo quản vĩnh viễn; 1 hồ sơ bảo quản có thời hạn",
                     "NGƯỜI PHÊ DUYỆT", "Lê Minh Đức"):
        assert expected in text, expected


def test_the_xlsx_holds_headings_entries_and_counts():
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(file_list_xlsx(HEADER, ROWS, 1, 1)))
    ws = wb.active
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    flat = [v for row in values for v in row]
    assert "DANH MỤC HỒ SƠ NĂM 2026" in flat and "I. Tổ chức cán bộ" in flat
    assert ["01.TCCB", "Hồ sơ tuyển dụng viên chức năm 2026", "70 năm", "Trần Văn Chánh"] in values
    assert ["02.TCCB", "Hồ sơ quy hoạch cán bộ", "Vĩnh viễn", "Trần Văn Chánh", "Mật"] in values
    assert any("1 hồ sơ bảo quản vĩnh viễn" in str(v) for v in flat)
    assert ws.page_setup.orientation == "portrait"
