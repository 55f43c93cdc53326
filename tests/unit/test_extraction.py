"""The text-extraction pipeline (``archive.extraction``) on its own: text layers,
OCR of scanned Vietnamese pages, and every kind of bad input.

The scanned page is drawn here with Pillow (a font with Vietnamese glyphs, A4 at
300 dpi, 13 pt) and wrapped as an image-only PDF with img2pdf: no text layer, so
only Tesseract can read it. OCR costs ~3 s a page: the fixtures are built once
and each OCR test reads one page.
"""
from __future__ import annotations

import hashlib
import io
import os
import random
import subprocess
import time
import unicodedata
import zlib
from functools import lru_cache
from pathlib import Path

import pytest

from archive import extraction
from archive.extraction import (OcrFailed, OcrTimedOut, PageImageTooLarge, PdfPasswordProtected,
                                PdfUnreadable, extract)

FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/truetype/dejavu")
SENTENCE = "Quyết định về việc phát triển du lịch cộng đồng"
SCAN_LINES = ("ỦY BAN NHÂN DÂN TỈNH DEMO", SENTENCE,
              "tại các xã miền núi, giai đoạn 2026 - 2030.",
              "Điều 1. Giao Sở Văn hóa, Thể thao và Du lịch chủ trì thực hiện.")
TEXT_LINES = ("Công văn số 15/UBND-VX về việc tổ chức lễ hội văn hóa truyền thống",
              "Kính gửi: Sở Văn hóa, Thể thao và Du lịch tỉnh Demo")


def font_path(*names: str) -> str:
    for folder in FONT_DIRS:
        for name in names:
            path = Path(folder) / name
            if path.is_file():
                return str(path)
    pytest.skip("no font with Vietnamese glyphs installed")


@lru_cache(maxsize=None)
def scan_png(lines: tuple[str, ...] = SCAN_LINES) -> bytes:
    """A4 page at 300 dpi (2480x3508), 13 pt Liberation Serif (54 px), grey."""
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"), 54)
    y = 300
    for line in lines:
        draw.text((240, y), unicodedata.normalize("NFC", line), font=font, fill=0)
        y += 100
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(300, 300), optimize=False, compress_level=1)
    return buf.getvalue()


@lru_cache(maxsize=None)
def scanned_pdf(lines: tuple[str, ...] = SCAN_LINES) -> bytes:
    """An image-only PDF (no text layer): what a scanner sends."""
    import img2pdf
    return img2pdf.convert(scan_png(lines))


@lru_cache(maxsize=None)
def text_pdf(lines: tuple[str, ...] = TEXT_LINES, pages: int = 1) -> bytes:
    """A born-digital PDF with a real text layer (a TrueType font with Vietnamese glyphs)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    if "EoSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("EoSerif", font_path("LiberationSerif-Regular.ttf",
                                                            "DejaVuSerif.ttf")))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for page in range(pages):
        c.setFont("EoSerif", 13)
        for i, line in enumerate(lines):
            c.drawString(72, 760 - 20 * i, f"{line} (trang {page + 1})")
        c.showPage()
    c.save()
    return buf.getvalue()


@lru_cache(maxsize=None)
def mixed_pdf() -> bytes:
    """Page 1 born-digital, page 2 a scan."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf())))
    writer.append(PdfReader(io.BytesIO(scanned_pdf())))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@lru_cache(maxsize=None)
def noise_png() -> bytes:
    """Salt-and-pepper noise (a bad fax): nothing to read."""
    from PIL import Image
    rng = random.Random(5)
    img = Image.frombytes("L", (600, 800), bytes(rng.choice((0, 255))
                                                for _ in range(600 * 800)))
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(100, 100))
    return buf.getvalue()


@lru_cache(maxsize=None)
def noise_pdf() -> bytes:
    import img2pdf
    return img2pdf.convert(noise_png())


@lru_cache(maxsize=None)
def giant_image_pdf(side: int = 12000) -> bytes:
    """A page painting a side x side (144 megapixel) image - a few KB compressed."""
    import pikepdf
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, zlib.compress(bytes(side * side // 8), 9),
                           Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=side,
                           Height=side, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=1,
                           Filter=pikepdf.Name.FlateDecode)
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
    pdf.pages.append(pikepdf.Page(page))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def encrypted_pdf(user_password: str = "mat-khau", source: bytes | None = None) -> bytes:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(source or text_pdf())))
    writer.encrypt(user_password, "chu-so-huu", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


# --- text layers ---------------------------------------------------------------------

def test_the_steps_are_an_explicit_ordered_list():
    assert [s.__name__ for s in extraction.STEPS] == [
        "read_text_layer", "find_pages_needing_ocr", "ocr_pages", "assemble"]


def test_a_born_digital_pdf_is_read_from_its_text_layer_without_ocr(monkeypatch):
    monkeypatch.setattr(extraction, "_run_ocrmypdf", _no_ocr)
    pdf = text_pdf(pages=2)
    before = hashlib.sha256(pdf).hexdigest()
    seen = []
    result = extract(pdf, progress=lambda done, total: seen.append((done, total)))
    assert result.method == "text" and result.ocr_pages == 0 and result.derivative is None
    assert result.page_count == 2 and seen[-1] == (2, 2)
    assert TEXT_LINES[0] in folded(result.text) and "(trang 2)" in result.text
    assert result.text == unicodedata.normalize("NFC", result.text)
    assert result.text.count(extraction.PAGE_SEPARATOR) == 1
    assert hashlib.sha256(pdf).hexdigest() == before


def test_decomposed_unicode_is_normalised_and_nul_removed():
    decomposed = unicodedata.normalize("NFD", "Quyết định\x00 số 1")
    assert extraction.clean_text(decomposed) == "Quyết định số 1"


def test_an_owner_password_alone_does_not_stop_reading(monkeypatch):
    monkeypatch.setattr(extraction, "_run_ocrmypdf", _no_ocr)
    result = extract(encrypted_pdf(user_password=""))
    assert result.method == "text" and TEXT_LINES[1] in folded(result.text)


def _no_ocr(*_args, **_kwargs):
    raise AssertionError("OCR must not run here")


# --- OCR -------------------------------------------------------------------------------

def test_a_scanned_vietnamese_page_is_ocrd_into_a_pdfa_copy(tmp_path):
    import pikepdf
    from pypdf import PdfReader
    pdf = scanned_pdf()
    before = hashlib.sha256(pdf).hexdigest()
    seen = []
    start = time.monotonic()
    result = extract(pdf, workdir=tmp_path, progress=lambda d, t: seen.append((d, t)))
    elapsed = time.monotonic() - start
    assert result.method == "ocr" and result.ocr_pages == 1 and result.page_count == 1
    text = folded(result.text)
    assert SENTENCE in text, text
    assert "Du lịch" in text and "Điều 1" in text
    assert result.text == unicodedata.normalize("NFC", result.text)
    assert seen[0] == (0, 1) and seen[-1] == (1, 1)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    # the derivative: a PDF/A with an (invisible) text layer; the original untouched
    with pikepdf.open(io.BytesIO(result.derivative)) as copy:
        assert copy.open_metadata().pdfa_status.startswith("2")
    assert SENTENCE in folded(PdfReader(io.BytesIO(result.derivative)).pages[0].extract_text())
    assert hashlib.sha256(pdf).hexdigest() == before
    assert not list(tmp_path.iterdir()), "the temporary folder of the call is removed"
    assert elapsed < 60


def test_a_mixed_document_ocrs_only_its_scanned_page():
    from pypdf import PdfReader
    result = extract(mixed_pdf())
    assert result.method == "mixed" and result.page_count == 2 and result.ocr_pages == 1
    first, second = result.text.split(extraction.PAGE_SEPARATOR)
    assert TEXT_LINES[0] in folded(first)
    assert SENTENCE in folded(second)
    # the derivative holds the scanned page only
    assert len(PdfReader(io.BytesIO(result.derivative)).pages) == 1


def test_a_page_of_noise_gives_empty_text_not_an_error():
    result = extract(noise_pdf())
    assert result.ocr_pages == 1 and result.method in ("none", "ocr")
    if result.method == "none":
        assert result.text == "" and result.derivative is None


# --- bad input ---------------------------------------------------------------------------

def test_a_password_protected_pdf_is_refused_with_a_clear_message():
    with pytest.raises(PdfPasswordProtected) as info:
        extract(encrypted_pdf())
    assert info.value.message.vi.startswith("PDF có mật khẩu")
    assert "password" in info.value.message.en and not info.value.retryable
    assert info.value.code == "encrypted"


@pytest.mark.parametrize("data", [
    b"", b"not a pdf at all", b"%PDF-1.4 broken", b"%PDF-1.7\n" + os.urandom(2000), "truncated",
], ids=["empty", "not-pdf", "header-only", "random", "truncated"])
def test_corrupt_bytes_are_refused_as_corrupt(data):
    if data == "truncated":
        data = text_pdf()[:400]
    with pytest.raises(PdfUnreadable) as info:
        extract(data)
    assert "bị hỏng" in info.value.message.vi and "corrupt" in info.value.message.en
    assert not info.value.retryable


def test_a_giant_image_is_refused_before_any_pixel_is_decoded(monkeypatch):
    monkeypatch.setattr(extraction, "_run_ocrmypdf", _no_ocr)
    start = time.monotonic()
    with pytest.raises(PageImageTooLarge) as info:
        extract(giant_image_pdf(), max_image_pixels=80_000_000)
    assert time.monotonic() - start < 2
    assert "Trang 1" in info.value.message.vi and "144 triệu" in info.value.message.vi
    assert info.value.extra["pixels"] == 144_000_000 and not info.value.retryable


def test_the_image_limit_is_a_setting():
    with pytest.raises(PageImageTooLarge):
        extract(scanned_pdf(), max_image_pixels=1_000_000)


def test_a_hung_ocr_is_killed_at_the_time_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(extraction, "OCR_STARTUP_SECONDS", 0.3)
    start = time.monotonic()
    with pytest.raises(OcrTimedOut) as info:
        extract(scanned_pdf(), seconds_per_page=0.2, workdir=tmp_path)
    assert time.monotonic() - start < 5
    assert info.value.retryable and "không xong" in info.value.message.vi
    assert not list(tmp_path.iterdir())
    time.sleep(0.2)
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "the OCR child and its Tesseract are killed"


def test_missing_language_data_is_a_clear_configuration_error():
    with pytest.raises(OcrFailed) as info:
        extract(scanned_pdf(), languages=("khongco",))
    assert not info.value.retryable
    assert "ngôn ngữ" in info.value.message.vi
