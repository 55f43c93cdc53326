"""Text of a stored PDF: its text layer, and OCR for the pages that are scans.

Plain Python (no web layer, no database): the job in ``workflows.extraction``
hands it the bytes and stores what it returns. The pipeline is the explicit
list ``STEPS``, each step a function of one ``_Work``:

1. ``read_text_layer``: open the PDF with pypdf (refusing a password, a
   corrupt file), read every page's text layer, NFC-normalised.
2. ``find_pages_needing_ocr``: a page with (almost) no text that paints an
   image (or a lot of vector drawing) is a scan to OCR; its images' sizes are
   read from their dictionaries (nothing decoded) and a giant image refuses
   the document before any pixel is decoded.
3. ``ocr_pages``: only those pages are copied into a temporary PDF (pypdf;
   annotations dropped, so a signature widget never reaches OCRmyPDF) and
   OCRmyPDF makes a searchable PDF/A of them in a child process that is killed
   (with its Tesseract) when the time allowed is over. The text of the OCR'd
   pages is read back from that PDF/A with pypdf.
4. ``assemble``: the text in page order (pages separated by a form feed), the
   method (``text`` | ``ocr`` | ``mixed`` | ``none``) and the derivative.

The derivative is the OCRmyPDF output: for a scanned document the whole
document as a searchable PDF/A; for a mixed one only its scanned pages (in
order) - the born-digital pages are already searchable in the original. No
derivative when nothing needed OCR or OCR found no text at all.

The original bytes are only ever read. A signed PDF is never rewritten: OCR
works on a copy of its pages and the derivative is a new, separate blob.
Why the ``--skip-text`` shortcut is not used: OCRmyPDF 17 refuses it together
with PDF/A output on Debian's Ghostscript 10.0 (STACK.md §5).
"""
from __future__ import annotations

import io
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from archive.errors import ArchiveError, Msg

__all__ = ["Extraction", "ExtractionError", "PdfPasswordProtected", "PdfUnreadable",
           "PageImageTooLarge", "OcrTimedOut", "OcrFailed", "STEPS", "extract",
           "MIN_TEXT_CHARS", "run_ocr_child"]

# A page whose text layer has fewer letters and digits than this is treated as
# a scan (a page number or a stray header does not make a page "text").
MIN_TEXT_CHARS = 20
# A page without images but with this much drawing (text as outlines) is OCR'd too.
VECTOR_CONTENT_BYTES = 32_000
# Start-up of the OCR child (Python, OCRmyPDF, Tesseract models) and the
# PDF/A post-processing, on top of the per-page allowance.
OCR_STARTUP_SECONDS = 30
PAGE_SEPARATOR = "\f"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")
CHILD = Path(__file__).with_name("ocr_child.py")


# --- errors ------------------------------------------------------------------

class ExtractionError(ArchiveError):
    """The text of a PDF could not be read. ``retryable``: worth trying again
    later (a timeout, a crash); the others are the file's fault."""

    code = "extraction_failed"
    retryable = False


class PdfPasswordProtected(ExtractionError):
    code = "encrypted"


class PdfUnreadable(ExtractionError):
    code = "corrupt"


class PageImageTooLarge(ExtractionError):
    code = "image_too_large"


class OcrTimedOut(ExtractionError):
    code = "timeout"
    retryable = True


class OcrFailed(ExtractionError):
    code = "ocr_failed"
    retryable = True


def _password() -> PdfPasswordProtected:
    return PdfPasswordProtected(Msg(
        "PDF có mật khẩu (được mã hóa): không đọc được nội dung để trích xuất văn bản. "
        "Hãy đề nghị nơi gửi cung cấp bản không đặt mật khẩu.",
        "The PDF is password-protected (encrypted): its content cannot be read for text "
        "extraction. Ask the sender for a copy without a password."))


def _unreadable(detail: str) -> PdfUnreadable:
    return PdfUnreadable(Msg(
        f"Tệp PDF bị hỏng, không đọc được nội dung ({detail}).",
        f"The PDF is corrupt and its content cannot be read ({detail})."), detail=detail)


def _too_large(page: int | None, pixels: int | None, limit: int) -> PageImageTooLarge:
    lim = f"{limit / 1e6:.0f}"
    if page is None:
        return PageImageTooLarge(Msg(
            f"Tài liệu chứa ảnh quá lớn (giới hạn {lim} triệu điểm ảnh): không nhận dạng chữ "
            "(OCR) để tránh quá tải máy chủ.",
            f"The document holds an image too large to OCR (limit {lim} megapixels)."))
    mp = f"{pixels / 1e6:.0f}"
    return PageImageTooLarge(Msg(
        f"Trang {page} chứa ảnh quá lớn ({mp} triệu điểm ảnh, giới hạn {lim} triệu): "
        "không nhận dạng chữ (OCR) để tránh quá tải máy chủ.",
        f"Page {page} holds an image too large to OCR ({mp} megapixels, limit {lim})."),
        page=page, pixels=pixels)


def _timed_out(seconds: float, pages: int) -> OcrTimedOut:
    return OcrTimedOut(Msg(
        f"Nhận dạng chữ (OCR) {pages} trang không xong trong {seconds:.0f} giây; đã dừng.",
        f"OCR of {pages} page(s) did not finish within {seconds:.0f} seconds; stopped."),
        seconds=seconds)


def _ocr_failed(vi: str, en: str, retryable: bool = True, **extra) -> OcrFailed:
    exc = OcrFailed(Msg(f"Nhận dạng chữ (OCR) lỗi: {vi}", f"OCR failed: {en}"), **extra)
    exc.retryable = retryable
    return exc


# --- result and work ---------------------------------------------------------------

@dataclass(frozen=True)
class Extraction:
    text: str
    page_count: int
    ocr_pages: int
    method: str                 # text | ocr | mixed | none
    derivative: bytes | None    # searchable PDF/A of the OCR'd pages (see module doc)


@dataclass
class _Work:
    pdf: bytes
    languages: tuple[str, ...]
    seconds_per_page: float
    max_image_pixels: int
    workdir: Path | None
    progress: Callable[[int, int], None] | None
    jobs: int | None = None
    reader: object = None
    page_count: int = 0
    texts: list[str] = field(default_factory=list)      # text layer, per page
    needs_ocr: list[int] = field(default_factory=list)  # 0-based page indexes
    force: bool = False         # some page to OCR has a little text: rasterise it
    ocr_texts: dict[int, str] = field(default_factory=dict)
    derivative: bytes | None = None
    result: Extraction | None = None

    def report(self, done: int) -> None:
        if self.progress is not None:
            self.progress(min(done, self.page_count), self.page_count)


def clean_text(text: str | None) -> str:
    """NFC (Vietnamese letters as one code point each), no control characters
    (PostgreSQL refuses NUL), no trailing blanks."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _meaningful(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


# --- the steps -----------------------------------------------------------------------

def read_text_layer(work: _Work) -> None:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    if not work.pdf or b"%PDF-" not in work.pdf[:1024]:
        raise _unreadable("không phải PDF / not a PDF")
    try:
        reader = PdfReader(io.BytesIO(work.pdf), strict=False)
        if reader.is_encrypted:
            # An owner password alone (empty user password) still lets anyone read it.
            try:
                if not reader.decrypt(""):
                    raise _password()
            except FileNotDecryptedError:
                raise _password() from None
        pages = list(reader.pages)
    except ExtractionError:
        raise
    except FileNotDecryptedError:
        raise _password() from None
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError, IndexError,
            RecursionError, AssertionError, OSError) as exc:
        raise _unreadable(f"{type(exc).__name__}: {exc}"[:200]) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is a corrupt file
        if "decrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise _password() from None
        raise _unreadable(f"{type(exc).__name__}: {exc}"[:200]) from None
    if not pages:
        raise _unreadable("không có trang nào / no pages")
    work.reader, work.page_count = reader, len(pages)
    for page in pages:
        try:
            text = page.extract_text() or ""
        except FileNotDecryptedError:
            raise _password() from None
        except Exception:  # noqa: BLE001 - a broken text layer: OCR may still read the page
            text = ""
        work.texts.append(clean_text(text))


def find_pages_needing_ocr(work: _Work) -> None:
    for index, page in enumerate(work.reader.pages):
        chars = _meaningful(work.texts[index])
        if chars >= MIN_TEXT_CHARS:
            continue
        try:
            pixels, has_image = _largest_image(page)
            content = _content_bytes(page)
        except ExtractionError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _unreadable(f"trang/page {index + 1}: {type(exc).__name__}: {exc}"[:200]) \
                from None
        if pixels > work.max_image_pixels:
            raise _too_large(index + 1, pixels, work.max_image_pixels)
        has_image = has_image or bool(_INLINE_IMAGE.search(content))
        if has_image or len(content) >= VECTOR_CONTENT_BYTES:
            work.needs_ocr.append(index)
            work.force = work.force or chars > 0
    work.report(work.page_count - len(work.needs_ocr))


def ocr_pages(work: _Work) -> None:
    if not work.needs_ocr:
        return
    base = Path(work.workdir) if work.workdir else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="eoffice-ocr-", dir=base))
    try:
        src, out = folder / "pages.pdf", folder / "ocr.pdf"
        src.write_bytes(_pages_copy(work))
        done_before = work.page_count - len(work.needs_ocr)
        _run_ocrmypdf(work, src, out, folder,
                      lambda n: work.report(done_before + n))
        derivative = out.read_bytes()
        texts = _read_back(derivative, len(work.needs_ocr))
        work.ocr_texts = dict(zip(work.needs_ocr, texts))
        work.derivative = derivative if any(_meaningful(t) for t in texts) else None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def assemble(work: _Work) -> None:
    pages = [work.ocr_texts.get(i, work.texts[i]) for i in range(work.page_count)]
    layer = any(work.texts[i] for i in range(work.page_count) if i not in work.ocr_texts)
    ocr = any(t for t in work.ocr_texts.values())
    method = {(True, True): "mixed", (True, False): "text", (False, True): "ocr",
              (False, False): "none"}[(layer, ocr)]
    work.report(work.page_count)
    work.result = Extraction(text=PAGE_SEPARATOR.join(pages).strip(), page_count=work.page_count,
                             ocr_pages=len(work.needs_ocr), method=method,
                             derivative=work.derivative)


STEPS = (read_text_layer, find_pages_needing_ocr, ocr_pages, assemble)


def extract(pdf: bytes, *, languages=("vie",), seconds_per_page: float = 60,
            max_image_pixels: int = 80_000_000, workdir: Path | None = None,
            progress: Callable[[int, int], None] | None = None,
            jobs: int | None = None) -> Extraction:
    """The text of ``pdf`` (never modified); OCR for its scanned pages.

    ``progress(pages_done, page_count)`` is called as pages are read (text
    pages count as done once the text layer is read). ``jobs``: OCR pages in
    parallel (default: the CPUs, at most the pages).

    Raises:
        PdfPasswordProtected, PdfUnreadable, PageImageTooLarge (refused, the
        file's fault); OcrTimedOut, OcrFailed (``retryable``).
    """
    if isinstance(languages, str):
        languages = tuple(p for p in re.split(r"[+,\s]+", languages) if p)
    work = _Work(pdf=bytes(pdf), languages=tuple(languages) or ("vie",),
                 seconds_per_page=float(seconds_per_page),
                 max_image_pixels=int(max_image_pixels), workdir=workdir, progress=progress,
                 jobs=jobs)
    for step in STEPS:
        step(work)
    return work.result


# --- helpers ---------------------------------------------------------------------

def _resolve(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _largest_image(page) -> tuple[int, bool]:
    """(pixels of the page's largest image XObject, whether it has any), read from
    the image dictionaries (``/Width`` x ``/Height``) without decoding them."""
    largest, found = 0, False
    seen: set[int] = set()
    stack = [(_resolve(page.get("/Resources")), 0)]
    while stack:
        resources, depth = stack.pop()
        if not hasattr(resources, "get") or depth > 8:
            continue
        xobjects = _resolve(resources.get("/XObject"))
        if not hasattr(xobjects, "values"):
            continue
        for ref in xobjects.values():
            key = getattr(ref, "idnum", None)
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            xobj = _resolve(ref)
            if not hasattr(xobj, "get"):
                continue
            subtype = xobj.get("/Subtype")
            if subtype == "/Image":
                found = True
                width, height = int(_resolve(xobj.get("/Width", 0))), \
                    int(_resolve(xobj.get("/Height", 0)))
                largest = max(largest, abs(width) * abs(height))
            elif subtype == "/Form":
                stack.append((_resolve(xobj.get("/Resources")), depth + 1))
    return largest, found


def _content_bytes(page) -> bytes:
    contents = page.get_contents()
    return contents.get_data() if contents is not None else b""


def _pages_copy(work: _Work) -> bytes:
    """The pages to OCR as a new PDF (annotations and forms left out)."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject
    try:
        writer = PdfWriter()
        for index in work.needs_ocr:
            added = writer.add_page(work.reader.pages[index])
            for key in ("/Annots", "/B", "/StructParents"):
                if key in added:
                    del added[NameObject(key)]
        buf = io.BytesIO()
        writer.write(buf)
    except Exception as exc:  # noqa: BLE001
        raise _unreadable(f"{type(exc).__name__}: {exc}"[:200]) from None
    return buf.getvalue()


def _read_back(derivative: bytes, expected: int) -> list[str]:
    from pypdf import PdfReader
    try:
        reader = PdfReader(io.BytesIO(derivative), strict=False)
        texts = [clean_text(p.extract_text() or "") for p in reader.pages]
    except Exception as exc:  # noqa: BLE001
        raise _ocr_failed("không đọc được tệp PDF/A đã nhận dạng.",
                          "the OCR'd PDF/A cannot be read.", detail=str(exc)[:200]) from None
    if len(texts) != expected:
        raise _ocr_failed("số trang kết quả không khớp.", "page count mismatch.")
    return texts


# Exit codes of OCRmyPDF (ocrmypdf.ExitCode) the parent tells apart.
_EXIT = {2: "input_file", 3: "missing_dependency", 6: "already_done_ocr", 8: "encrypted_pdf",
         9: "invalid_config", 10: "pdfa_conversion_failed"}


def _run_ocrmypdf(work: _Work, src: Path, out: Path, folder: Path,
                  progress: Callable[[int], None]) -> None:
    pages = len(work.needs_ocr)
    jobs = work.jobs or max(1, min(os.cpu_count() or 1, pages))
    options = {"language": list(work.languages), "output_type": "pdfa", "jobs": jobs,
               "tesseract_timeout": work.seconds_per_page,
               "max_image_mpixels": max(work.max_image_pixels / 1e6, 1.0),
               "optimize": 1}
    if work.force:
        options["mode"] = "force"
    limit = OCR_STARTUP_SECONDS + work.seconds_per_page * pages
    try:
        code, detail = run_ocr_child(src, out, options, folder, limit, progress)
    except OcrTimedOut:
        raise _timed_out(limit, pages) from None
    if code == 0 and out.is_file():
        return
    if "DecompressionBomb" in detail or "decompression bomb" in detail.lower():
        raise _too_large(None, None, work.max_image_pixels)
    kind = _EXIT.get(code, "other")
    last = next((ln for ln in reversed(detail.strip().splitlines()) if ln.strip()), "")[:200]
    if kind in ("missing_dependency", "invalid_config"):
        raise _ocr_failed(f"thiếu phần mềm hoặc dữ liệu ngôn ngữ ({last}).",
                          f"a program or language data is missing ({last}).",
                          retryable=False, exit_code=code)
    if kind == "encrypted_pdf":
        raise _password()
    if kind == "input_file":
        raise _unreadable(last or "OCRmyPDF input error")
    raise _ocr_failed(f"mã lỗi {code} ({last}).", f"exit code {code} ({last}).", exit_code=code)


def run_ocr_child(src: Path, out: Path, options: dict, folder: Path, limit: float,
                  progress: Callable[[int], None] | None = None) -> tuple[int, str]:
    """Run ``ocrmypdf.ocr(src, out, **options)`` in the killable child process.

    Shared by text extraction and the PDF/A copies of ``archive.preservation``:
    one place that bounds OCRmyPDF (and its Tesseract and Ghostscript) in time.
    ``folder`` is a scratch folder of the caller (the child's TMPDIR goes
    inside it). Returns OCRmyPDF's exit code and the tail of its stderr.

    Raises:
        OcrTimedOut (with an empty message: the caller says what timed out)
        when ``limit`` seconds pass; the child and its children are killed.
    """
    options_path = folder / "options.json"
    options_path.write_text(json.dumps(options), encoding="utf-8")
    tmp = folder / "tmp"
    tmp.mkdir(exist_ok=True)
    # The child inherits this process's environment plus its own TMPDIR (``env``
    # adds variables and execs the command, so the pid stays the child's).
    command = ["env", f"TMPDIR={tmp}", "OMP_THREAD_LIMIT=1", sys.executable, "-P", str(CHILD),
               str(src), str(out), str(options_path)]
    with open(folder / "stderr.txt", "w+b") as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors,
                                stdin=subprocess.DEVNULL, cwd=folder, start_new_session=True)
        try:
            _follow(proc, time.monotonic() + limit, progress or (lambda _n: None))
        finally:
            _kill_group(proc)
        errors.seek(0)
        detail = errors.read()[-4000:].decode("utf-8", "replace")
    return proc.returncode, detail


def _follow(proc: subprocess.Popen, deadline: float, progress: Callable[[int], None]) -> None:
    """Read ``progress N TOTAL`` lines until the child ends; OcrTimedOut at the deadline."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    buffer = b""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise OcrTimedOut(Msg("", ""))
            if not selector.select(timeout=min(left, 1.0)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                parts = line.split()
                if len(parts) == 3 and parts[0] == b"progress" and parts[1].isdigit():
                    try:
                        progress(int(parts[1]))
                    except Exception:  # noqa: BLE001 - progress is best effort
                        pass
        left = deadline - time.monotonic()
        if left <= 0:
            raise OcrTimedOut(Msg("", ""))
        try:
            proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            raise OcrTimedOut(Msg("", "")) from None
    finally:
        selector.close()


def _kill_group(proc: subprocess.Popen) -> None:
    """The child and everything it started (Tesseract, Ghostscript)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
