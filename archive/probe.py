"""Code that runs in a child process to read one untrusted upload.

Run only through ``archive.inspection``, which forks it from a forkserver
(parsers already imported, so a child starts in milliseconds), caps its
memory and CPU with ``run_limited`` and enforces a wall-clock timeout: a
hostile PDF or image (decompression bomb, absurd page tree, endless loop in a
parser) can kill the child but never the web process. The answer is one dict,
``{"ok": True, ...}`` or ``{"ok": False, "code": ..., "reason": ...}``.
``python -m archive.probe`` reads the same request as JSON on stdin (for
debugging a file by hand).
"""
from __future__ import annotations

import io
import json
import sys
import warnings

MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def sniff(data: bytes) -> str | None:
    """Media type from the leading bytes (a PDF may start after some junk)."""
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    return None


class Rejected(Exception):
    def __init__(self, code: str, reason: str, **extra):
        super().__init__(reason)
        self.code, self.reason, self.extra = code, reason, extra


def check_pdf(data: bytes, max_pages: int) -> dict:
    """Open, refuse encryption, bound the page count, decode every page."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Rejected("encrypted", "encrypted")
        declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
        if int(declared) > max_pages:
            raise Rejected("too_many_pages", "declared page count", pages=int(declared))
        pages = len(reader.pages)
        if pages == 0:
            raise Rejected("corrupt", "no pages")
        if pages > max_pages:
            raise Rejected("too_many_pages", "page count", pages=pages)
        for page in reader.pages:  # decompresses content: a bomb trips the limits here
            contents = page.get_contents()
            if contents is not None:
                contents.get_data()
        version = reader.pdf_header.replace("%PDF-", "")
    except Rejected:
        raise
    except FileNotDecryptedError:
        raise Rejected("encrypted", "encrypted") from None
    except MemoryError:
        raise Rejected("bomb", "memory") from None
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError, IndexError,
            RecursionError) as exc:
        if type(exc).__name__ == "LimitReachedError":
            raise Rejected("bomb", str(exc)) from None
        raise Rejected("corrupt", f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:  # any other parser failure is a corrupt file
        if type(exc).__name__ == "LimitReachedError":
            raise Rejected("bomb", str(exc)) from None
        raise Rejected("corrupt", f"{type(exc).__name__}: {exc}") from None
    return {"page_count": pages, "pdf_version": version}


def image_to_pdf(data: bytes, max_pages: int, max_pixels: int) -> tuple[bytes, int]:
    """Lossless image → PDF with img2pdf (JPEG embedded as is, PNG/TIFF lossless).

    The same image always gives the same PDF bytes (no date, img2pdf's own
    writer whose file ID comes from the content): a scan taken in by the
    scanner intake and then registered is one blob, read and OCR'd once.
    """
    import img2pdf
    _SAME_BYTES = {"nodate": True, "engine": img2pdf.Engine.internal}
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                frames = getattr(img, "n_frames", 1)
                if frames > max_pages:
                    raise Rejected("too_many_pages", "frames", pages=frames)
                for i in range(frames):
                    img.seek(i)
                    if img.width * img.height > max_pixels:
                        raise Rejected("bomb", "pixels")
                    img.load()
        try:
            pdf = img2pdf.convert(data, rotation=img2pdf.Rotation.ifvalid, **_SAME_BYTES)
        except img2pdf.AlphaChannelError:
            pdf = img2pdf.convert(_flatten_alpha(data), rotation=img2pdf.Rotation.ifvalid,
                                  **_SAME_BYTES)
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise Rejected("bomb", "image pixels") from None
    except Exception as exc:
        raise Rejected("corrupt", f"{type(exc).__name__}: {exc}") from None
    return pdf, frames


def _flatten_alpha(data: bytes) -> bytes:
    """Put a transparent scan on white; every visible pixel is kept exactly."""
    from PIL import Image

    out_frames = []
    with Image.open(io.BytesIO(data)) as img:
        for i in range(getattr(img, "n_frames", 1)):
            img.seek(i)
            frame = img.convert("RGBA")
            white = Image.new("RGB", frame.size, (255, 255, 255))
            white.paste(frame, mask=frame.split()[3])
            out_frames.append(white)
    buf = io.BytesIO()
    out_frames[0].save(buf, format="PNG") if len(out_frames) == 1 else \
        out_frames[0].save(buf, format="TIFF", save_all=True, append_images=out_frames[1:],
                           compression="tiff_deflate")
    return buf.getvalue()


def inspect(request: dict) -> dict:
    with open(request["path"], "rb") as fh:
        data = fh.read()
    media_type = sniff(data)
    if media_type is None:
        raise Rejected("unsupported", "unknown content")
    max_pages = int(request["max_pages"])
    if media_type == "application/pdf":
        info = check_pdf(data, max_pages)
        return {"ok": True, "media_type": media_type, **info, "converted": False}
    pdf, frames = image_to_pdf(data, max_pages, int(request.get("max_pixels", 200_000_000)))
    with open(request["pdf_out"], "wb") as fh:
        fh.write(pdf)
    info = check_pdf(pdf, max_pages)
    return {"ok": True, "media_type": media_type, **info, "converted": True, "frames": frames}


def run_limited(request: dict, memory_mb: int, cpu_seconds: int, conn) -> None:
    """Child entry point: apply the limits, inspect, send the answer, exit."""
    import logging
    import resource
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # the answer says what is wrong
    mem = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 ** 3, 1024 ** 3))
    try:
        result = inspect(request)
    except Rejected as exc:
        result = {"ok": False, "code": exc.code, "reason": exc.reason, **exc.extra}
    except MemoryError:
        result = {"ok": False, "code": "bomb", "reason": "memory"}
    conn.send(result)
    conn.close()


def main() -> int:
    request = json.loads(sys.stdin.read())
    try:
        result = inspect(request)
    except Rejected as exc:
        result = {"ok": False, "code": exc.code, "reason": exc.reason, **exc.extra}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
