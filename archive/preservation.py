"""PDF/A preservation copies of archived PDFs (DOMAIN §4.2, Appendix A 18).

Plain Python (no web layer, no database): ``workflows.preservation`` hands
it the bytes of a stored PDF and keeps what it returns as a new blob. The
original is only ever read: a signed PDF is never rewritten, its bytes stay
the evidence, and the copy sits beside it.

How a copy is made (``make_pdfa``), in order:

1. ``derivative_source``: a working copy is prepared with pikepdf. Visible
   annotations (the leader's signature image, the red seal) are flattened
   into the page, and the signature machinery is removed (AcroForm,
   ``/Perms``, ``/DSS``, the PAdES extension): a PDF/A copy cannot carry a
   valid signature of bytes it does not have, and a viewer should not show
   a "broken" one. Page transitions and font selections that draw nothing
   (reportlab starts every page by choosing Helvetica, never embedded) are
   dropped: they change nothing on the page but would keep it from being
   PDF/A.
2. ``converted``: OCRmyPDF with ``mode=skip`` (pages that have text are not
   OCR'd; scanned pages get a text layer) and its internal PDF/A backend:
   pikepdf writes PDF/A-2b and *validates* it, and refuses when it cannot
   prove conformance. Ghostscript is not used for this step: Debian 12's
   Ghostscript 10.0 corrupts PDFs with existing text, and OCRmyPDF refuses
   ``skip`` with it (STACK.md §5).
3. ``rasterised``: when step 2 cannot prove PDF/A (fonts not embedded, an
   unknown construct), OCRmyPDF ``mode=force`` renders every page as an
   image, adds an OCR text layer and writes PDF/A-2b through Ghostscript:
   the look is kept, the text becomes OCR text. The method is recorded.

OCRmyPDF always runs in the killable child of ``archive.extraction``
(``run_ocr_child``) with a time limit.
"""
from __future__ import annotations

import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError, Msg
from archive.extraction import OcrTimedOut, run_ocr_child

__all__ = [
    "METHODS",
    "PdfaCopy",
    "PdfaSettings",
    "PreservationError",
    "derivative_source",
    "make_pdfa",
    "pdfa_part",
]

METHODS = ("converted", "rasterised", "reused")
# Exit codes of OCRmyPDF (ocrmypdf.ExitCode) told apart here.
_INPUT_FILE, _MISSING_DEPENDENCY, _ENCRYPTED, _INVALID_CONFIG, _PDFA_FAILED = 2, 3, 8, 9, 10
_SHOW_TEXT = {"Tj", "TJ", "'", '"'}
_OBJECT = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")
_SIGNATURE_KEYS = ("/AcroForm", "/Perms", "/DSS", "/Extensions")


class PreservationError(ArchiveError):
    """No PDF/A copy could be made. ``retryable``: worth another attempt later
    (a time limit, a crash); otherwise the file itself is the reason."""

    code = "preservation_failed"
    retryable = False


@dataclass(frozen=True)
class PdfaCopy:
    pdfa: bytes
    method: str          # converted | rasterised
    part: str            # XMP pdfaid part + conformance, e.g. "2B"


@dataclass(frozen=True)
class PdfaSettings:
    languages: tuple[str, ...] = ("vie",)
    seconds_per_page: float = 60
    startup_seconds: float = 30      # the child's start-up and the PDF/A writing
    max_image_pixels: int = 80_000_000
    workdir: Path | None = None


def _failed(vi: str, en: str, retryable: bool = False, **extra) -> PreservationError:
    exc = PreservationError(Msg(f"Không tạo được bản PDF/A: {vi}",
                                f"No PDF/A copy could be made: {en}"), **extra)
    exc.retryable = retryable
    return exc


def _detail(exc: Exception) -> str:
    """The parser's reason, without Python object addresses."""
    text = _OBJECT.sub("", f"{type(exc).__name__}: {exc}").replace("stream : ", "")
    return text[:200]


# --- reading ---------------------------------------------------------------------

def pdfa_part(pdf: bytes) -> str | None:
    """The PDF/A part and conformance the file declares in its XMP (``pdfaid``),
    e.g. "2B"; None when it declares none or cannot be read."""
    import pikepdf
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return doc.open_metadata().pdfa_status or None
    except Exception:  # noqa: BLE001 - unreadable: it declares nothing
        return None


def _open(pdf: bytes):
    """The PDF in pikepdf, or the reason it cannot be converted (the file's fault)."""
    import pikepdf
    if not pdf or b"%PDF-" not in pdf[:1024]:
        raise _failed("tệp không phải PDF.", "the file is not a PDF.")
    try:
        return pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PasswordError:
        raise _failed("PDF có mật khẩu (được mã hóa).", "the PDF is password-protected.") \
            from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is a corrupt file
        detail = _detail(exc)
        raise _failed(f"tệp PDF bị hỏng ({detail}).", f"the PDF is corrupt ({detail}).",
                      detail=detail) from None


# --- step 1: the working copy --------------------------------------------------------

def derivative_source(pdf: bytes) -> bytes:
    """The working copy converted to PDF/A (see the module doc); ``pdf`` is untouched."""
    with _open(pdf) as doc:
        try:
            doc.flatten_annotations(mode="all")
            for key in _SIGNATURE_KEYS:
                if key in doc.Root:
                    del doc.Root[key]
            for page in doc.pages:
                _drop_idle_fonts(doc, page)
            buf = io.BytesIO()
            doc.save(buf)
        except PreservationError:
            raise
        except Exception as exc:  # noqa: BLE001
            detail = _detail(exc)
            raise _failed(f"tệp PDF bị hỏng ({detail}).", f"the PDF is corrupt ({detail}).",
                          detail=detail) from None
    return buf.getvalue()


def _drop_idle_fonts(doc, page) -> None:
    """Remove page transitions and the font selections no text is shown with,
    then the fonts no text on the page uses (a PDF/A must embed every font it
    names, even one that draws nothing)."""
    if "/Trans" in page.obj:
        del page.obj["/Trans"]
    used = _strip_idle_font_selections(doc, page)
    resources = page.obj.get("/Resources")
    fonts = resources.get("/Font") if resources is not None else None
    if fonts is None or used is None or _forms_borrow_resources(resources):
        return
    for name in list(fonts.keys()):
        if name not in used:
            del fonts[name]


def _forms_borrow_resources(resources) -> bool:
    """A form XObject without resources of its own uses the page's (old PDFs):
    then no page font may go."""
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return False
    return any(x.get("/Subtype") == "/Form" and "/Resources" not in x
               for x in xobjects.values())


def _strip_idle_font_selections(doc, page) -> set[str] | None:
    """Drop each ``Tf`` no glyph is shown with before the font changes again
    (``q``/``Q`` restore the font too); return the fonts that do show text,
    or None when the content cannot be parsed (then nothing is changed)."""
    import pikepdf
    try:
        instructions = pikepdf.parse_content_stream(page)
    except Exception:  # noqa: BLE001 - leave the page as it is
        return None
    used: set[int] = set()
    selections: list[int] = []
    stack: list[int | None] = []
    current: int | None = None
    for index, (operands, operator) in enumerate(instructions):
        op = str(operator)
        if op == "Tf":
            current = index
            selections.append(index)
        elif op in _SHOW_TEXT and current is not None:
            used.add(current)
        elif op == "q":
            stack.append(current)
        elif op == "Q" and stack:
            current = stack.pop()
    idle = set(selections) - used
    if idle:
        kept = [ins for i, ins in enumerate(instructions) if i not in idle]
        page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(kept))
    return {str(instructions[i][0][0]) for i in used}


# --- steps 2 and 3: OCRmyPDF in the child -----------------------------------------------

def _page_count(pdf: bytes) -> int:
    with _open(pdf) as doc:
        return len(doc.pages)


def _options(settings: PdfaSettings, rasterise: bool) -> dict:
    options = {"language": list(settings.languages), "output_type": "pdfa-2", "jobs": 1,
               "tesseract_timeout": settings.seconds_per_page,
               "max_image_mpixels": max(settings.max_image_pixels / 1e6, 1.0)}
    if rasterise:
        options.update(mode="force")
    else:
        options.update(mode="skip", pdfa_backend="internal")
    return options


def _convert(source: bytes, pages: int, settings: PdfaSettings, rasterise: bool) -> bytes | None:
    """One OCRmyPDF pass; the PDF/A bytes, or None when the internal backend
    could not prove PDF/A (step 2 only)."""
    base = Path(settings.workdir) if settings.workdir else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="eoffice-pdfa-", dir=base))
    limit = settings.startup_seconds + settings.seconds_per_page * pages
    try:
        src, out = folder / "source.pdf", folder / "pdfa.pdf"
        src.write_bytes(source)
        try:
            code, detail = run_ocr_child(src, out, _options(settings, rasterise), folder, limit)
        except OcrTimedOut:
            raise _failed(f"quá thời gian cho phép ({limit:.0f} giây).",
                          f"the time limit ({limit:.0f} seconds) was reached.",
                          retryable=True) from None
        if code == 0 and out.is_file():
            return out.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if code == _PDFA_FAILED and not rasterise:
        return None
    raise _child_error(code, detail)


def _child_error(code: int, detail: str) -> PreservationError:
    last = next((ln for ln in reversed(detail.strip().splitlines()) if ln.strip()), "")[:200]
    if code in (_MISSING_DEPENDENCY, _INVALID_CONFIG):
        return _failed(f"thiếu phần mềm hoặc dữ liệu ngôn ngữ ({last}).",
                       f"a program or language data is missing ({last}).", exit_code=code)
    if "decompressionbomb" in detail.lower() or "decompression bomb" in detail.lower():
        return _failed("tài liệu chứa ảnh quá lớn để xử lý.",
                       "the document holds an image too large to process.", exit_code=code)
    if code == _ENCRYPTED:
        return _failed("PDF có mật khẩu (được mã hóa).", "the PDF is password-protected.")
    if code == _INPUT_FILE:
        return _failed(f"tệp PDF không đọc được ({last}).",
                       f"the PDF cannot be read ({last}).", exit_code=code)
    return _failed(f"mã lỗi {code} ({last}).", f"exit code {code} ({last}).", retryable=True,
                   exit_code=code)


def make_pdfa(pdf: bytes, settings: PdfaSettings = PdfaSettings()) -> PdfaCopy:
    """A PDF/A-2b copy of ``pdf`` (never modified): converted when that can be
    proven PDF/A, else rasterised with OCR text (see the module doc).

    Raises:
        PreservationError: ``retryable`` for a time limit or a crash; not for a
        corrupt, encrypted or non-PDF file or a missing program.
    """
    source = derivative_source(pdf)
    pages = _page_count(source)
    method, out = "converted", _convert(source, pages, settings, rasterise=False)
    if out is None:
        method, out = "rasterised", _convert(source, pages, settings, rasterise=True)
    part = pdfa_part(out)
    if not part:
        raise _failed("kết quả không khai báo PDF/A.", "the result declares no PDF/A part.",
                      retryable=True)
    return PdfaCopy(pdfa=out, method=method, part=part)
