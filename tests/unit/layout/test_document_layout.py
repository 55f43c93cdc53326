"""Outgoing document layout: skeleton PDF, field detection, DOCX → PDF, formats.

Real PDFs throughout: the skeleton is drawn by reportlab, the draft is a
hand-written DOCX converted by LibreOffice, text is read back with poppler
(pdftotext) and pypdf. Page 1 renders land in test-artefacts/layout/ to look at.
"""
from __future__ import annotations

import io
import os
import shutil
import threading
import time
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from signing.model import Box, FieldLayout
from tests.unit.layout.layout_helpers import (build_docx, debug_copy, overlaps, pdftotext,
                                              render_png, text_boxes)
from workflows import document_layout as dl
from workflows.document_layout import (ConversionFailed, SkeletonInput, detect_layout,
                                       detect_layout_report, detect_layout_with_report,
                                       docx_to_pdf, format_date_line, format_number,
                                       generate_skeleton, number_field_text, seal_box)

MM = 72 / 25.4
A4 = (595.2756, 841.8898)
HAS_SOFFICE = shutil.which("soffice") is not None
needs_soffice = pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) not installed")

BODY = """Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;

Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;

Theo đề nghị của Chánh Văn phòng Sở.

QUYẾT ĐỊNH:

Điều 1. Công nhận điểm du lịch cấp tỉnh đối với Khu du lịch sinh thái Cù Lao Chàm.

Điều 2. Quyết định này có hiệu lực kể từ ngày ký.

Điều 3. Chánh Văn phòng Sở và các tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./."""

LONG_PARAGRAPH = ("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về tổ chức các hoạt động văn hóa, "
                  "du lịch năm 2026, Sở Văn hóa, Thể thao và Du lịch đề nghị các đơn vị triển "
                  "khai khẩn trương các nội dung sau đây để bảo đảm tiến độ đề ra.")

DECISION = SkeletonInput(
    parent_body="UBND TỈNH QUẢNG NAM", issuing_body="SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
    type_name="Quyết định", type_abbrev="QĐ", notation="QĐ-SVHTTDL", place="Tam Kỳ", year=2026,
    subject="Về việc công nhận điểm du lịch cấp tỉnh", body=BODY, authority="KT. GIÁM ĐỐC",
    signer_title="PHÓ GIÁM ĐỐC", signer_name="Nguyễn Văn An",
    recipients=["Như Điều 3;", "UBND tỉnh (b/c);", "Giám đốc Sở (b/c);"],
    archive_units="VT, VP", drafter_mark="PL.(5)", urgency="KHẨN")

OFFICIAL_LETTER = replace(
    DECISION, type_name="Công văn", type_abbrev="", notation="SVHTTDL-VP", urgency="",
    subject="Triển khai công tác chuẩn bị Lễ hội Văn hóa - Du lịch năm 2026",
    body="\n\n".join([LONG_PARAGRAPH] * 3), authority="", signer_title="GIÁM ĐỐC",
    signer_name="Trần Thị Bình", recipients=["Như trên;", "Sở Tài chính;"], drafter_mark="")


def flat(text: str) -> str:
    return " ".join(text.split())


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def inside(box: Box, size=A4) -> bool:
    return 0 <= box.x1 < box.x2 <= size[0] and 0 <= box.y1 < box.y2 <= size[1]


@pytest.fixture(scope="module")
def decision():
    return generate_skeleton(DECISION)


@pytest.fixture(scope="module")
def long_decision():
    return generate_skeleton(replace(DECISION, body="\n\n".join([LONG_PARAGRAPH] * 22)))


@pytest.fixture(scope="module")
def docx_pdf():
    if not HAS_SOFFICE:
        pytest.skip("LibreOffice (soffice) not installed")
    return docx_to_pdf(build_docx())


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("number, notation, expected", [
    (1, "QĐ-UBND", "01/QĐ-UBND"), (9, "BNV-VP", "09/BNV-VP"), (15, "UBND-VX", "15/UBND-VX"),
    (10, "QĐ-SNV", "10/QĐ-SNV"), (1234, "QĐ-SVHTTDL", "1234/QĐ-SVHTTDL"), (5, "SY", "05/SY"),
])
def test_format_number(number, notation, expected):
    assert format_number(number, notation) == expected
    assert number_field_text(expected) == f"Số: {expected}"


@pytest.mark.parametrize("bad", [0, -3, True, 2.0])
def test_format_number_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError):
        format_number(bad, "QĐ-UBND")


@pytest.mark.parametrize("place, d, expected", [
    ("Hà Nội", date(2026, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2026"),
    ("Tam Kỳ", date(2026, 11, 21), "Tam Kỳ, ngày 21 tháng 11 năm 2026"),
    ("Hà Nội", date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
    ("Huế", date(2026, 6, 9), "Huế, ngày 09 tháng 6 năm 2026"),
    ("Đà Nẵng", date(2026, 3, 10), "Đà Nẵng, ngày 10 tháng 3 năm 2026"),
    ("Cần Thơ", date(2026, 10, 1), "Cần Thơ, ngày 01 tháng 10 năm 2026"),
    ("Hội An", date(2026, 12, 31), "Hội An, ngày 31 tháng 12 năm 2026"),
])
def test_format_date_line_leading_zero_rules(place, d, expected):
    assert format_date_line(place, d) == expected


def test_seal_box_rule():
    leader = Box(2, 350, 300, 350 + 55 * MM, 300 + 25 * MM)
    seal = seal_box(leader)
    assert seal.page == 2
    assert seal.width == pytest.approx(36 * MM) and seal.height == pytest.approx(36 * MM)
    assert seal.x2 == pytest.approx(leader.x1 + leader.width / 3)
    assert (seal.y1 + seal.y2) / 2 == pytest.approx((leader.y1 + leader.y2) / 2)
    assert seal_box(leader, 40).width == pytest.approx(40 * MM)


# ---------------------------------------------------------------- skeleton

def test_skeleton_text_extracts_in_vietnamese(decision):
    pdf, _ = decision
    text = flat(pdftotext(pdf))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "UBND TỈNH QUẢNG NAM", "THỂ THAO VÀ DU LỊCH", "QUYẾT ĐỊNH",
                     "Về việc công nhận điểm du lịch cấp tỉnh", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
                     "Nguyễn Văn An", "Nơi nhận:", "- Như Điều 3;", "- Lưu: VT, VP, PL.(5).",
                     "KHẨN", "Cù Lao Chàm"):
        assert expected in text, expected
    # The number and the date are form fields filled by the clerk, never printed.
    assert "Số:" not in text
    assert "Tam Kỳ, ngày" not in text


def test_skeleton_is_a4_with_embedded_fonts(decision):
    pdf, _ = decision
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.5)
    embedded = set()
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        if str(font["/BaseFont"]) == "/Helvetica":   # reportlab's unused initial canvas font
            continue
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"], font["/BaseFont"]
        embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert len(embedded) >= 3, embedded                   # regular, bold, italic/bold italic


def test_skeleton_boxes_inside_page_and_clear_of_text(decision):
    pdf, layout = decision
    assert isinstance(layout, FieldLayout)
    for name in ("number", "date", "leader", "seal"):
        assert inside(getattr(layout, name)), name
    chunks = text_boxes(pdf)
    for name in ("number", "date", "leader"):
        box = getattr(layout, name)
        hits = [c[5] for c in chunks if overlaps(box, c)]
        assert hits == [], f"{name} box overlaps {hits}"


def test_skeleton_boxes_sit_where_the_fields_belong(decision):
    pdf, layout = decision
    chunks = {c[5]: c for c in text_boxes(pdf)}
    number, date_box, leader = layout.number, layout.date, layout.leader
    # Number under the issuing body (left column), date under the tiêu ngữ (right column).
    issuer = chunks["THỂ THAO VÀ DU LỊCH"]
    motto = chunks["Độc lập - Tự do - Hạnh phúc"]
    assert number.page == date_box.page == 0
    assert number.y2 < issuer[2] and number.x2 < 85 * MM + 30 * MM / 2
    assert date_box.y2 < motto[2] and date_box.x1 > A4[0] * 0.45
    assert abs(number.y1 - date_box.y1) < 1                 # same row
    assert number.width >= dl._width("Số: 1234/QĐ-SVHTTDL", dl.F_REG, 13)
    assert date_box.width >= dl._width("Tam Kỳ, ngày 28 tháng 12 năm 2026", dl.F_ITAL, 13)
    # Below the header, above the title.
    assert number.y1 > chunks["QUYẾT ĐỊNH"][4]
    # Signature space between the title and the name, 55 × 25 mm, right column.
    title, name = chunks["PHÓ GIÁM ĐỐC"], chunks["Nguyễn Văn An"]
    assert name[4] <= leader.y1 and leader.y2 <= title[2] + 0.5
    assert leader.width == pytest.approx(55 * MM) and leader.height == pytest.approx(25 * MM)
    assert abs((leader.x1 + leader.x2) / 2 - (name[1] + name[3]) / 2) < 3
    assert layout.seal == seal_box(leader)


def test_long_body_flows_to_a_second_page(long_decision):
    pdf, layout = long_decision
    pages = page_count(pdf)
    assert pages >= 2
    assert layout.leader.page == pages - 1 and layout.seal.page == pages - 1
    assert layout.number.page == layout.date.page == 0
    chunks = text_boxes(pdf)
    top = A4[1] - 20 * MM                                  # the top margin starts here
    numbers = {c[0]: c[5] for c in chunks if c[2] > top}
    assert 0 not in numbers                                # no number on page 1
    assert all(numbers.get(i) == str(i + 1) for i in range(1, pages)), numbers
    for c in chunks:
        if c[0] == pages - 1:
            assert not overlaps(layout.leader, c), c[5]
    # Kept together: the last body line is on the signature page, not alone before it.
    last_body = [c for c in chunks if "đề ra." in c[5]][-1]
    assert last_body[0] == layout.leader.page


def test_cong_van_has_vv_under_number_and_kinh_gui(tmp_path):
    pdf, layout = generate_skeleton(OFFICIAL_LETTER)
    text = flat(pdftotext(pdf))
    assert "V/v Triển khai công tác chuẩn bị" in text
    assert "Kính gửi: Sở Tài chính." in text
    assert "CÔNG VĂN" not in text
    assert "- Như trên;" in text and "- Lưu: VT, VP." in text
    chunks = text_boxes(pdf)
    vv = next(c for c in chunks if c[5].startswith("V/v"))
    assert vv[2] < layout.number.y1 and vv[1] < A4[0] / 2    # under the number, left column
    for name in ("number", "date", "leader"):
        assert not any(overlaps(getattr(layout, name), c) for c in chunks), name
    render_png(debug_copy(pdf, layout), "cong_van_debug")
    render_png(pdf, "cong_van")


def test_secrecy_and_urgency_marks_are_drawn(tmp_path):
    pdf, _ = generate_skeleton(replace(DECISION, urgency="HỎA TỐC", secrecy="MẬT"))
    text = flat(pdftotext(pdf))
    assert "MẬT" in text and "HỎA TỐC" in text
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"RG" in content                                 # a coloured (red) frame stroke


def test_skeleton_renders_for_review(decision, long_decision):
    pdf, layout = decision
    assert render_png(pdf, "skeleton").stat().st_size > 5000
    render_png(debug_copy(pdf, layout), "skeleton_debug")
    long_pdf, long_layout = long_decision
    render_png(debug_copy(long_pdf, long_layout), "skeleton_long_last_page_debug",
               page=page_count(long_pdf))


def test_generate_skeleton_rejects_missing_essentials():
    with pytest.raises(ValueError):
        generate_skeleton(replace(DECISION, signer_name=" "))


# --------------------------------------------------------------- detection

@needs_soffice
def test_detect_finds_fields_in_a_converted_docx(docx_pdf):
    layout, report = detect_layout_with_report(docx_pdf, "NGUYEN VAN AN")   # no diacritics
    assert report == {"number": "found", "date": "found", "leader": "found", "seal": "found"}
    assert detect_layout(docx_pdf, "Nguyễn Văn An") == layout
    assert detect_layout_report(docx_pdf, "nguyễn văn an") == report
    chunks = text_boxes(docx_pdf)
    so = next(c for c in chunks if c[5].startswith("Số:"))
    date_chunk = next(c for c in chunks if "ngày" in c[5] and "tháng" in c[5])
    name = next(c for c in chunks if c[5] == "Nguyễn Văn An")
    title = next(c for c in chunks if c[5] == "PHÓ GIÁM ĐỐC")
    assert layout.number.page == 0 and layout.number.x1 <= so[1] <= layout.number.x1 + 3
    assert layout.number.y1 < so[2] and so[4] <= layout.number.y2 + 1
    assert layout.number.width >= dl._width("Số: 1234/QĐ-UBND", dl.F_REG, 13)
    assert layout.number.x2 < date_chunk[1]                  # stops before the date column
    assert layout.date.x1 <= date_chunk[1] and date_chunk[3] <= layout.date.x2
    assert layout.date.y1 < date_chunk[2] and date_chunk[4] <= layout.date.y2 + 1
    last = page_count(docx_pdf) - 1
    assert layout.leader.page == last
    assert name[4] <= layout.leader.y1 and layout.leader.y2 <= title[2]
    assert layout.leader.width == pytest.approx(55 * MM)
    assert abs((layout.leader.x1 + layout.leader.x2) / 2 - (name[1] + name[3]) / 2) < 3
    assert layout.seal == seal_box(layout.leader)
    render_png(docx_pdf, "docx_draft")
    render_png(debug_copy(docx_pdf, layout), "docx_draft_debug")


@needs_soffice
def test_detect_without_signer_name_guesses_from_the_right_column(docx_pdf):
    layout, report = detect_layout_with_report(docx_pdf, None)
    assert report["leader"] == "default" and report["number"] == "found"
    found = detect_layout(docx_pdf, "Nguyễn Văn An")
    assert layout.leader == found.leader     # the lowest right-column line is the name


def test_detect_falls_back_to_standard_positions():
    from reportlab.pdfgen import canvas
    dl._register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont(dl.F_REG, 13)
    c.drawString(90, 760, "Bản thảo không theo mẫu")
    c.showPage()
    c.setFont(dl.F_REG, 13)
    c.drawString(90, 700, "Trang hai, không có tên người ký.")
    c.save()
    layout, report = detect_layout_with_report(buf.getvalue(), "Nguyễn Văn An")
    assert report == {"number": "default", "date": "default", "leader": "default",
                      "seal": "default"}
    assert layout.number.page == 0 and layout.date.page == 0
    assert abs((layout.number.y1 + layout.number.y2) / 2 - (A4[1] - 45 * MM)) < 1
    assert layout.number.x2 < A4[0] / 2 < layout.date.x1
    assert layout.leader.page == 1 and layout.leader.x1 > A4[0] / 2
    assert layout.leader.y1 < 700                         # nothing in the right half: bottom right
    for name in ("number", "date", "leader", "seal"):
        assert inside(getattr(layout, name)), name


def test_detect_on_the_generated_skeleton_matches_its_leader_box(decision):
    pdf, layout = decision
    found, report = detect_layout_with_report(pdf, "Nguyễn Văn An")
    assert report["leader"] == "found"
    assert report["number"] == report["date"] == "default"   # nothing printed there
    assert abs(found.leader.x1 - layout.leader.x1) < 3
    assert found.leader.page == layout.leader.page


def test_detect_rejects_a_non_pdf():
    from signing.model import InvalidPdf
    with pytest.raises(InvalidPdf) as exc:
        detect_layout(b"this is not a pdf", "Nguyễn Văn An")
    assert "PDF" in exc.value.vi


# -------------------------------------------------------------- conversion

@pytest.mark.parametrize("data", [b"", b"garbage, not a zip at all" * 10,
                                  b"PK\x03\x04 truncated zip"])
def test_docx_to_pdf_refuses_garbage_before_starting_soffice(data, monkeypatch):
    def no_popen(*a, **kw):
        raise AssertionError("soffice must not start for garbage input")
    monkeypatch.setattr(dl.subprocess, "Popen", no_popen)
    with pytest.raises(ConversionFailed) as exc:
        docx_to_pdf(data)
    assert exc.value.vi and exc.value.en
    assert isinstance(exc.value, Exception)


def test_docx_to_pdf_refuses_a_zip_without_word_document(monkeypatch):
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    monkeypatch.setattr(dl.subprocess, "Popen", lambda *a, **k: pytest.fail("started soffice"))
    with pytest.raises(ConversionFailed) as exc:
        docx_to_pdf(buf.getvalue())
    assert "Word" in exc.value.vi


@needs_soffice
def test_docx_to_pdf_fails_cleanly_on_a_corrupt_document_xml():
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><broken")
    with pytest.raises(ConversionFailed) as exc:      # soffice exits 0 but writes no PDF
        docx_to_pdf(buf.getvalue(), timeout=60)
    assert "hỏng" in exc.value.vi and "no PDF" in exc.value.en


@needs_soffice
def test_docx_to_pdf_timing_and_parallel_profiles(capsys):
    docx = build_docx()
    t0 = time.monotonic()
    first = docx_to_pdf(docx)
    t1 = time.monotonic()
    second = docx_to_pdf(docx)
    t2 = time.monotonic()
    results, errors = [], []

    def convert():
        try:
            results.append(docx_to_pdf(docx))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=convert) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t3 = time.monotonic()
    with capsys.disabled():
        print(f"\n[docx_to_pdf] first {t1 - t0:.2f}s, second {t2 - t1:.2f}s, "
              f"3 in parallel {t3 - t2:.2f}s (fresh profile each call)")
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert errors == [] and len(results) == 3
    assert all("Nguyễn Văn An" in pdftotext(r) for r in results)


@needs_soffice
def test_docx_to_pdf_timeout_kills_soffice_and_cleans_up(monkeypatch):
    made = []
    real_mkdtemp = dl.tempfile.mkdtemp

    def recording_mkdtemp(*a, **kw):
        made.append(real_mkdtemp(*a, **kw))
        return made[-1]

    monkeypatch.setattr(dl.tempfile, "mkdtemp", recording_mkdtemp)
    with pytest.raises(ConversionFailed) as exc:
        docx_to_pdf(build_docx(), timeout=0.05)
    assert "quá thời gian" in exc.value.vi
    assert made and not os.path.exists(made[0])
    time.sleep(0.2)
    leftovers = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if made[0].encode() in fh.read():
                        leftovers.append(pid)
            except OSError:
                continue
    assert leftovers == []


def _per_word_pdf() -> bytes:
    """A draft whose producer writes one text object per word (like some Word exports),
    with long space runs in the placeholders "Số:         /QĐ-UBND" and "ngày      tháng"."""
    from reportlab.pdfgen import canvas
    dl._register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)

    def words(x, y, items, font=dl.F_REG, size=13):
        for gap, word in items:                  # gap in points before the word
            x += gap
            c.setFont(font, size)
            c.drawString(x, y, word)
            x += dl._width(word, font, size)

    top = A4[1]
    words(110, top - 60, [(0, "UBND"), (3.3, "HUYỆN"), (3.3, "ĐẠI"), (3.3, "LỘC")])
    words(300, top - 60, [(0, "CỘNG"), (3, "HÒA"), (3, "XÃ"), (3, "HỘI")], dl.F_BOLD, 12)
    words(120, top - 125, [(0, "Số:"), (30, "/UBND-VP")])
    words(330, top - 125, [(0, "Đại"), (3.3, "Lộc,"), (3.3, "ngày"), (22, "tháng"), (22, "năm"),
                           (3.3, "2026")], dl.F_ITAL)
    words(85, 500, [(0, "Căn"), (3.5, "cứ"), (3.5, "Quyết"), (3.5, "định"), (3.5, "ngày"),
                    (3.5, "05"), (3.5, "tháng"), (3.5, "01"), (3.5, "năm"), (3.5, "2026;")], size=14)
    c.showPage()
    words(380, 400, [(0, "CHỦ"), (3.5, "TỊCH")], dl.F_BOLD, 14)
    words(375, 300, [(0, "Lê"), (3.5, "Thị"), (3.5, "Hoa")], dl.F_BOLD, 14)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_detect_handles_per_word_chunks():
    pdf = _per_word_pdf()
    layout, report = detect_layout_with_report(pdf, "LE THI HOA")
    assert report == {"number": "found", "date": "found", "leader": "found", "seal": "found"}
    assert layout.number.x1 == pytest.approx(118, abs=1)
    assert layout.number.x2 < 330                               # stops before the date
    assert layout.date.x1 <= 330 and layout.date.y2 > A4[1] - 125 > layout.date.y1
    assert layout.leader.page == 1
    assert 300 + 0.7 * 14 <= layout.leader.y1 and layout.leader.y2 <= 400 - 0.2 * 14
    render_png(debug_copy(pdf, layout), "per_word_debug")


@needs_soffice
def test_detect_on_a_multi_page_docx_puts_the_signature_on_the_last_page():
    pdf = docx_to_pdf(build_docx(body_paragraphs=16))
    pages = page_count(pdf)
    assert pages >= 2
    layout, report = detect_layout_with_report(pdf, "Nguyễn Văn An")
    assert report["number"] == report["date"] == report["leader"] == "found"
    assert layout.leader.page == pages - 1 and layout.number.page == 0
