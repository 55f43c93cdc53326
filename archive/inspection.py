"""Checks an uploaded file before anything is stored (issue: bad input).

Cheap checks (empty, too large, name vs content) run here; parsing runs in
``archive.probe``, a child process with memory and CPU limits and a timeout,
because PDF and image parsers fed hostile input can hang or eat all memory.
Every refusal names the file in Vietnamese and English.
"""
from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from archive.errors import FileRejected, FileTooLarge, Msg, UnsupportedFile
from archive import probe
from archive.probe import sniff

__all__ = ["Limits", "InspectedFile", "inspect_upload", "warm_up", "EXTENSIONS"]

EXTENSIONS = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".tif": "image/tiff", ".tiff": "image/tiff",
}
KIND_VI = {"application/pdf": "PDF", "image/jpeg": "ảnh JPEG", "image/png": "ảnh PNG",
           "image/tiff": "ảnh TIFF"}
KIND_EN = {"application/pdf": "PDF", "image/jpeg": "a JPEG image", "image/png": "a PNG image",
           "image/tiff": "a TIFF image"}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 2000
    timeout_seconds: int = 30
    memory_mb: int = 768
    max_pixels: int = 200_000_000


@dataclass
class InspectedFile:
    name: str
    data: bytes
    media_type: str
    page_count: int
    pdf: bytes  # the original for a PDF, the lossless conversion for an image

    @property
    def converted(self) -> bool:
        return self.media_type != "application/pdf"


def _reject(cls, name: str, vi: str, en: str, field: str = "files"):
    msg = Msg(f"Tệp “{name}”: {vi}", f"File “{name}”: {en}")
    return cls(msg, {field: msg}, file=name)


def _check_name_and_size(name: str, data: bytes, limits: Limits, field: str) -> str:
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        raise _reject(UnsupportedFile, name,
                      "chỉ nhận PDF hoặc ảnh quét (JPEG, PNG, TIFF).",
                      "only PDF or scanned images (JPEG, PNG, TIFF) are accepted.", field)
    if not data:
        raise _reject(FileRejected, name, "tệp rỗng (0 byte).", "the file is empty.", field)
    if len(data) > limits.max_bytes:
        mb = limits.max_bytes // (1024 * 1024)
        raise _reject(FileTooLarge, name, f"vượt quá giới hạn {mb} MB.",
                      f"larger than the {mb} MB limit.", field)
    actual = sniff(data)
    expected = EXTENSIONS[ext]
    if actual is None:
        raise _reject(UnsupportedFile, name,
                      f"tên tệp là {KIND_VI[expected]} nhưng nội dung không phải.",
                      f"named as {KIND_EN[expected]} but its content is not.", field)
    if actual != expected:
        raise _reject(UnsupportedFile, name,
                      f"tên tệp là {KIND_VI[expected]} nhưng nội dung là {KIND_VI[actual]}.",
                      f"named as {KIND_EN[expected]} but its content is {KIND_EN[actual]}.",
                      field)
    return actual


_context = None
_context_lock = threading.Lock()
PRELOAD = ["archive.probe", "pypdf", "PIL.Image", "PIL.TiffImagePlugin", "img2pdf"]


def _probe_context():
    """A forkserver with the parsers imported once: children fork in milliseconds.

    Forking from a clean server (not from the web process) keeps the child
    free of the web process's threads, locks and open connections.
    """
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
    return _context


def warm_up() -> None:
    """Start the forkserver now (e.g. when a gunicorn worker starts), not on the first upload."""
    import multiprocessing.forkserver
    _probe_context()
    multiprocessing.forkserver.ensure_running()


def _run_probe(data: bytes, limits: Limits) -> tuple[dict, bytes | None]:
    with tempfile.TemporaryDirectory(prefix="eoffice-probe-") as tmp:
        src, out = os.path.join(tmp, "in"), os.path.join(tmp, "out.pdf")
        with open(src, "wb") as fh:
            fh.write(data)
        request = {"path": src, "pdf_out": out, "max_pages": limits.max_pages,
                   "max_pixels": limits.max_pixels}
        result = _run_child(request, limits)
        pdf = Path(out).read_bytes() if result.get("ok") and result.get("converted") else None
        return result, pdf


def _run_child(request: dict, limits: Limits) -> dict:
    ctx = _probe_context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=probe.run_limited, daemon=True,
                        args=(request, limits.memory_mb, limits.timeout_seconds, sender))
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_seconds):
            return {"ok": False, "code": "timeout"}
        try:
            return receiver.recv()
        except (EOFError, OSError):  # killed by a limit before it could answer
            return {"ok": False, "code": "killed"}
    finally:
        receiver.close()
        child.join(1)
        if child.is_alive():
            child.kill()
            child.join(5)
        child.close()


PROBLEMS = {
    "encrypted": ("được mã hóa hoặc đặt mật khẩu; hãy gửi bản không mã hóa.",
                  "is encrypted or password-protected; please send an unencrypted copy."),
    "corrupt": ("bị hỏng, không đọc được.", "is corrupt and cannot be read."),
    "bomb": ("chứa dữ liệu nén bất thường (nghi tệp độc hại), không thể xử lý.",
             "contains abnormal compressed data (possibly hostile) and cannot be processed."),
    "timeout": ("quá phức tạp, không đọc xong trong thời gian cho phép.",
                "is too complex to read within the time allowed."),
    "killed": ("quá phức tạp hoặc bị hỏng, không thể xử lý.",
               "is too complex or corrupt to process."),
    "unsupported": ("không phải PDF hoặc ảnh quét.", "is not a PDF or a scanned image."),
}


def inspect_upload(name: str, data: bytes, limits: Limits, field: str = "files") -> InspectedFile:
    """Validate one upload and, for an image, convert it to PDF.

    Raises:
        FileRejected (or a subclass) with a message naming the file.
    """
    name = Path(name or "").name or "tệp không tên"
    media_type = _check_name_and_size(name, data, limits, field)
    result, converted = _run_probe(data, limits)
    if not result.get("ok"):
        code = result.get("code", "corrupt")
        if code == "too_many_pages":
            raise _reject(FileRejected, name,
                          f"có {result.get('pages')} trang, vượt giới hạn {limits.max_pages} trang.",
                          f"has {result.get('pages')} pages, over the {limits.max_pages}-page limit.",
                          field)
        vi, en = PROBLEMS.get(code, PROBLEMS["corrupt"])
        raise _reject(FileRejected, name, vi, en, field)
    pdf = converted if converted is not None else data
    return InspectedFile(name=name, data=data, media_type=media_type,
                         page_count=int(result["page_count"]), pdf=pdf)
