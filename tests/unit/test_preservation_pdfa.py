"""``archive.preservation`` on its own: PDF/A-2b copies that pikepdf's validator
approves, the signed original untouched and still valid, the fallback that
rasterises what cannot be proven PDF/A, and clear errors for bad files.

Each conversion runs OCRmyPDF in its child process (1-4 s).
"""
from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from pikepdf.pdfa import Flavour, check
from pypdf import PdfReader

from archive import preservation
from archive.preservation import PdfaSettings, PreservationError, make_pdfa
from tests.conftest import make_pdf
from tests.preservation_support import signed_pdf, statuses
from tests.unit.test_extraction import TEXT_LINES, folded, scanned_pdf, text_pdf


def settings(tmp_path, **extra) -> PdfaSettings:
    return PdfaSettings(workdir=tmp_path / "work", **extra)


def approved(pdf: bytes) -> bool:
    """pikepdf's allowlist validator: approval is never a false alarm."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return check(doc, Flavour.PDFA_2B).verdict == "pass"


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_born_digital_pdf_is_converted_with_its_text_and_no_ocr(tmp_path):
    original = text_pdf()
    before = hashlib.sha256(original).hexdigest()
    copy = make_pdfa(original, settings(tmp_path))
    assert copy.method == "converted" and copy.part == "2B"
    assert preservation.pdfa_part(copy.pdfa) == "2B" and approved(copy.pdfa)
    assert TEXT_LINES[0] in text_of(copy.pdfa)           # the real text layer, kept
    assert hashlib.sha256(original).hexdigest() == before
    assert not list((tmp_path / "work").iterdir())       # scratch folders removed


def test_the_signed_original_stays_byte_identical_and_valid(tmp_path, signing_pki):
    signed = signed_pdf(signing_pki)
    kept = bytes(signed)
    assert statuses(signed, signing_pki) == ["valid"]
    copy = make_pdfa(signed, settings(tmp_path))
    assert signed == kept and statuses(signed, signing_pki) == ["valid"]
    assert copy.method == "converted" and approved(copy.pdfa)
    # the seal's text is drawn on the page; no signature machinery is left
    assert "15/QĐ-UBND" in text_of(copy.pdfa)
    with pikepdf.open(io.BytesIO(copy.pdfa)) as doc:
        assert "/AcroForm" not in doc.Root and "/Perms" not in doc.Root
        assert all("/Annots" not in page.obj for page in doc.pages)
    assert statuses(copy.pdfa, signing_pki) == []


def test_a_font_that_is_not_embedded_makes_a_rasterised_copy(tmp_path):
    # reportlab's Helvetica: one of the 14 standard fonts, never embedded
    copy = make_pdfa(make_pdf(("Cong van so 7 ve lich hop giao ban",)), settings(tmp_path))
    assert copy.method == "rasterised" and copy.part == "2B"
    assert "lich hop giao ban" in folded(text_of(copy.pdfa))   # the OCR text layer


def test_a_scan_gets_a_text_layer(tmp_path):
    copy = make_pdfa(scanned_pdf(), settings(tmp_path))
    assert copy.part == "2B" and "du lịch" in text_of(copy.pdfa)


def test_idle_font_selections_are_dropped_from_the_working_copy_only():
    original = text_pdf()
    source = preservation.derivative_source(original)
    with pikepdf.open(io.BytesIO(source)) as doc:
        fonts = doc.pages[0].obj.Resources.Font
        names = [str(fonts[k].BaseFont) for k in fonts.keys()]
    assert not any("Helvetica" in n for n in names) and names   # reportlab's idle default
    with pikepdf.open(io.BytesIO(original)) as doc:
        fonts = doc.pages[0].obj.Resources.Font
        assert any("Helvetica" in str(fonts[k].BaseFont) for k in fonts.keys())


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj garbage"])
def test_bad_files_fail_with_a_clear_reason_not_worth_retrying(tmp_path, data):
    with pytest.raises(PreservationError) as info:
        make_pdfa(data, settings(tmp_path))
    assert not info.value.retryable
    assert info.value.message.vi.startswith("Không tạo được bản PDF/A")
    assert "0x" not in info.value.message.vi                # no Python object addresses


def test_a_conversion_past_its_time_limit_is_killed_and_worth_retrying(tmp_path):
    with pytest.raises(PreservationError) as info:
        make_pdfa(scanned_pdf(), settings(tmp_path, seconds_per_page=0.1, startup_seconds=0.2))
    assert info.value.retryable and "quá thời gian" in info.value.message.vi
