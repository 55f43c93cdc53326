"""Opening PDF bytes for reading or for an incremental update, safely.

Every module goes through here so that broken, encrypted or hostile input is
refused the same way (InvalidPdf with a Vietnamese and an English text)
instead of surfacing as a pyHanko traceback. Reading is lenient
(``strict=False``: reportlab and scanner output has harmless xref quirks,
STACK pitfall 8) but bounded by pyHanko's default DecodeLimits, which are
meant for untrusted input (decompression bombs).
"""
from __future__ import annotations

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from .model import InvalidPdf

__all__ = ["MAX_PDF_BYTES", "open_reader", "open_writer", "output_bytes"]

MAX_PDF_BYTES = 200 * 1024 * 1024   # larger files are refused, not parsed


def _check_bytes(pdf: bytes) -> None:
    """Cheap checks before parsing: type, size, header."""
    if not isinstance(pdf, (bytes, bytearray)):
        raise TypeError("pdf must be bytes")
    if len(pdf) > MAX_PDF_BYTES:
        raise InvalidPdf("Tệp PDF quá lớn.", "The PDF file is too large.")
    if b"%PDF-" not in bytes(pdf[:1024]):
        raise InvalidPdf("Tệp không phải là PDF hợp lệ.", "The file is not a valid PDF.")


def open_reader(pdf: bytes) -> PdfFileReader:
    """A lenient reader over ``pdf``; InvalidPdf when broken or encrypted."""
    _check_bytes(pdf)
    try:
        reader = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False)
        encrypted = reader.encrypted
        reader.root  # noqa: B018 - resolve the catalog now, fail early
    except Exception as exc:  # pyHanko raises many types for broken files
        raise InvalidPdf("Tệp PDF bị hỏng, không đọc được.",
                         f"The PDF file is damaged and cannot be read ({exc}).") from exc
    if encrypted:
        raise InvalidPdf("Tệp PDF được mã hóa (có mật khẩu); hãy gỡ mật khẩu trước khi ký.",
                         "The PDF is encrypted (password protected); remove the password first.")
    return reader


def open_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer: the original bytes stay untouched, changes are appended."""
    return IncrementalPdfFileWriter.from_reader(open_reader(pdf))


def output_bytes(writer: IncrementalPdfFileWriter) -> bytes:
    """Serialise the incremental update (original bytes + appended revision)."""
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
