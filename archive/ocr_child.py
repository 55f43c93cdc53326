"""The OCR child process of ``archive.extraction`` (run as a script, never imported by it).

``python ocr_child.py IN.pdf OUT.pdf OPTIONS.json`` runs OCRmyPDF on ``IN.pdf``
and writes the searchable PDF/A to ``OUT.pdf``. Running OCR in a child the
parent can kill (with its Tesseract and Ghostscript children: it is started
in its own session) is what bounds a hung Tesseract; ``TMPDIR`` is set by the
parent so temporary files die with the call's folder.

This file is also the OCRmyPDF *plugin* that reports progress: the parent
passes its path in ``plugins``; OCRmyPDF asks it for a progress-bar class,
whose updates are printed as ``progress <done> <total>`` lines on stdout (the
output PDF goes to a file, so stdout is free). Only the "OCR" bar (one unit a
page) is reported.

Exit codes are OCRmyPDF's (``ocrmypdf.ExitCode``); 99 = unexpected error, with
the reason on stderr.
"""
from __future__ import annotations

import json
import sys

try:  # the plugin hook needs OCRmyPDF; the script imports it anyway
    from ocrmypdf import hookimpl
except ImportError:  # pragma: no cover - OCRmyPDF missing: the parent reports it
    def hookimpl(fn):
        return fn


class LineProgress:
    """OCRmyPDF progress bar printing whole pages done of the OCR step."""

    def __init__(self, *, total=None, desc=None, unit=None, disable=False, **_kwargs):
        self.total, self.desc, self.unit = total, desc, unit
        self.done, self.reported = 0.0, -1
        self.active = (desc or "").lower() in ("ocr", "image processing")

    def __enter__(self):
        self._report()
        return self

    def __exit__(self, *_exc):
        return False

    def update(self, n=1, *, completed=None, **_kwargs):
        self.done = float(completed) if completed is not None else self.done + float(n or 0)
        self._report()

    def _report(self) -> None:
        if not self.active:
            return
        pages = int(self.done + 1e-6)
        if pages != self.reported:
            self.reported = pages
            print(f"progress {pages} {int(self.total or 0)}", flush=True)


@hookimpl
def get_progressbar_class():
    return LineProgress


def _die_with_parent() -> None:
    """Linux: be killed if the process that started us ends (a web process stopping
    mid-OCR leaves no orphan OCR behind)."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort; the parent's timeout still applies
        pass


def main(argv: list[str]) -> int:
    src, out, options_path = argv[1:4]
    _die_with_parent()
    with open(options_path, encoding="utf-8") as fh:
        options = json.load(fh)
    try:
        import ocrmypdf
        from ocrmypdf.exceptions import ExitCodeException
    except ImportError as exc:
        print(f"OCRmyPDF is not installed: {exc}", file=sys.stderr)
        return 3
    try:
        code = ocrmypdf.ocr(src, out, plugins=[__file__], progress_bar=True, **options)
    except ExitCodeException as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - reported to the parent by exit code + stderr
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 99
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
