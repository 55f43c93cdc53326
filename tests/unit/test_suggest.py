"""Metadata suggested from a scanned first page (workflows.suggest), on OCR-like text.

The samples are what pypdf extracts from OCRmyPDF's text layer of real-looking
first pages: header columns merged on one line, or the right column first,
letters lost or misread, stray underline marks.
"""
from __future__ import annotations

import pytest

from archive.catalogues import DOCUMENT_TYPES
from workflows.suggest import FIELDS, suggest

# What pypdf read from OCRmyPDF's output for tests/scanner_support.DECISION.
DECISION_MERGED = """\
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH DEMO Độc lập - Tự do - Hạnh phúc
Số: 125/QĐ-UBND Demo, ngày 05 tháng 11 năm 2026
QUYẾT ĐỊNH
Về việc phê duyệt Kế hoạch tổ chức lễ hội
văn hóa truyền thống năm 2026
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH DEMO
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Xét đề nghị của Giám đốc Sở Văn hóa, Thể thao và Du lịch.
QUYẾT ĐỊNH:
Điều 1. Phê duyệt Kế hoạch tổ chức lễ hội văn hóa truyền thống.
"""

OFFICIAL_LETTER = """\
UBND TỈNH DEMO CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ VĂN HÓA, THỂ THAO Độc lập – Tự do – Hạnh phúc
VÀ DU LỊCH
———
Số: 1234/SVHTTDL-VP Demo, ngày 02 tháng 11 năm 2026
V/v tổ chức lễ hội văn hóa truyền thống
năm 2026 trên địa bàn tỉnh
Kính gửi: Ủy ban nhân dân các huyện, thành phố.
Thực hiện Kế hoạch số 45/KH-UBND ngày 15 tháng 10 năm 2026 của Ủy ban nhân dân tỉnh,
Sở Văn hóa, Thể thao và Du lịch đề nghị ...
"""

NOTICE_RIGHT_FIRST = """\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 28 tháng 02 năm 2026
BỘ NỘI VỤ
Số: 07/TB-BNV
THÔNG BÁO
Kết luận của Bộ trưởng tại buổi làm việc
với Cục Văn thư và Lưu trữ nhà nước
Ngày 20 tháng 02 năm 2026, tại trụ sở Bộ Nội vụ, Bộ trưởng đã làm việc với Cục Văn thư và
Lưu trữ nhà nước về công tác số hóa tài liệu.
"""

PLAN_NOISY = """\
UBND TỈNH DEMO CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH Độc lập - Tự do - Hạnh phúc
__________ ______________________
Sô 45 /KH-SVHTTDL Demo, ngảy 5 thảng 3 năm 2026
KẾ HOẠCH
Tổ chức Tháng hành động vì bình đẳng giới năm 2026
Thực hiện Chương trình hành động quốc gia về bình đẳng giới, Sở Văn hóa xây dựng kế hoạch
như sau:
I. MỤC ĐÍCH, YÊU CẦU
"""

SUBMISSION_ONE_LINE = """\
ỦY BAN NHÂN DÂN HUYỆN AN BÌNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG TÀI CHÍNH - KẾ HOẠCH Độc lập - Tự do - Hạnh phúc
Số: 18/TTr-TCKH An Bình, ngày 10 tháng 9 năm 2026
TỜ TRÌNH Về việc bổ sung kinh phí sửa chữa trụ sở làm việc
Kính gửi: Ủy ban nhân dân huyện An Bình.
"""

LETTER_VV_MERGED_WITH_DATE = """\
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
THÀNH PHỐ ĐÀ NẴNG Độc lập - Tự do - Hạnh phúc
Số: 312/UBND-VX
V/v triển khai công tác số hóa hồ sơ Đà Nẵng, ngày 14 tháng 12 năm 2026
thủ tục hành chính
Kính gửi: Các sở, ban, ngành thành phố.
"""

GARBAGE = """\
~ .,'` ;; ||| ,, ' .
lI1 I| l1 ..--.. __ ~~~ '
• ® ¥ ƒ ## ## :: ;;; ..
Xx x xX xx ?? 00 0O0 o
"""


@pytest.mark.parametrize("text, expected", [
    (DECISION_MERGED, {
        "code_number": "125", "code_notation": "QĐ-UBND", "issued_date": "2026-11-05",
        "issuer_name": "Ủy ban nhân dân tỉnh Demo", "document_type": "QD",
        "subject": "Về việc phê duyệt Kế hoạch tổ chức lễ hội văn hóa truyền thống năm 2026"}),
    (OFFICIAL_LETTER, {
        "code_number": "1234", "code_notation": "SVHTTDL-VP", "issued_date": "2026-11-02",
        "issuer_name": "Sở Văn hóa, Thể thao và Du lịch", "document_type": "CV",
        "subject": "V/v tổ chức lễ hội văn hóa truyền thống năm 2026 trên địa bàn tỉnh"}),
    (NOTICE_RIGHT_FIRST, {
        "code_number": "07", "code_notation": "TB-BNV", "issued_date": "2026-02-28",
        "issuer_name": "Bộ Nội vụ", "document_type": "TB",
        "subject": "Kết luận của Bộ trưởng tại buổi làm việc với Cục Văn thư và Lưu trữ nhà nước"}),
    (PLAN_NOISY, {
        "code_number": "45", "code_notation": "KH-SVHTTDL", "issued_date": "2026-03-05",
        "issuer_name": "Sở Văn hoá, Thể thao và Du lịch", "document_type": "KH",
        "subject": "Tổ chức Tháng hành động vì bình đẳng giới năm 2026"}),
    (SUBMISSION_ONE_LINE, {
        "code_number": "18", "code_notation": "TTr-TCKH", "issued_date": "2026-09-10",
        "issuer_name": "Phòng Tài chính - Kế hoạch", "document_type": "TTR",
        "subject": "Về việc bổ sung kinh phí sửa chữa trụ sở làm việc"}),
    (LETTER_VV_MERGED_WITH_DATE, {
        "code_number": "312", "code_notation": "UBND-VX", "issued_date": "2026-12-14",
        "issuer_name": "Ủy ban nhân dân thành phố Đà Nẵng", "document_type": "CV",
        "subject": "V/v triển khai công tác số hóa hồ sơ thủ tục hành chính"}),
], ids=["decision-merged", "letter-vv", "notice-right-column-first", "plan-noisy",
        "submission-one-line", "letter-vv-merged-with-date"])
def test_first_pages(text, expected):
    assert suggest(text, DOCUMENT_TYPES) == expected


def test_garbage_page_suggests_nothing():
    assert suggest(GARBAGE, DOCUMENT_TYPES) == dict.fromkeys(FIELDS)
    assert suggest("", DOCUMENT_TYPES) == dict.fromkeys(FIELDS)


def test_body_dates_do_not_win_over_the_place_date_line():
    text = DECISION_MERGED.replace("Demo, ngày 05 tháng 11 năm 2026", "")
    found = suggest(text, DOCUMENT_TYPES)
    assert found["code_number"] == "125"
    assert found["issued_date"] is None  # not "2015-06-19" from the body


def test_impossible_date_is_dropped():
    text = DECISION_MERGED.replace("ngày 05 tháng 11", "ngày 45 tháng 11")
    assert suggest(text, DOCUMENT_TYPES)["issued_date"] is None


def test_decree_number_with_year():
    text = "CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 30/2020/NĐ-CP Hà Nội, ngày 05 " \
           "tháng 3 năm 2020\nNGHỊ ĐỊNH\nVề công tác văn thư\n"
    found = suggest(text, DOCUMENT_TYPES)
    assert (found["code_number"], found["code_notation"]) == ("30", "2020/NĐ-CP")
    assert found["document_type"] == "ND" and found["issuer_name"] == "Chính phủ"
    assert found["issued_date"] == "2020-03-05" and found["subject"] == "Về công tác văn thư"


def test_accepts_document_type_rows():
    class Row:
        def __init__(self, code, name, abbreviation):
            self.code, self.name, self.abbreviation = code, name, abbreviation
    rows = [Row(*t) for t in DOCUMENT_TYPES]
    assert suggest(DECISION_MERGED, rows)["document_type"] == "QD"
