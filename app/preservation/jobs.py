"""Jobs of preservation: PDF/A copies and integrity runs, on the app's queue.

Embedded default (no ``REDIS_URL``): ``start_preservation_worker`` (called
by ``wsgi.py``) runs one daemon thread that makes the pending PDF/A copies
(one OCRmyPDF at a time in the process: it shares the text worker's lock),
woken after the commit that queued them and every ``POLL_SECONDS`` (retries
wait there); an integrity run started from the page runs in a thread of its
own. Production: one RQ job per copy (``copy_job``, retried by RQ for a
passing failure) and per run (``integrity_job``), run by ``rq worker``.
Everything is in the database: a restart loses nothing (``flask preservation
pdfa --pending`` catches up by hand).
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from flask import Flask, current_app, has_app_context

from app import jobs, wiring
from app.extensions import db
from archive.preservation import PdfaSettings
from workflows import integrity, preservation
from workflows.preservation import PreservationSettings

log = logging.getLogger(__name__)
POLL_SECONDS = 300
_WORKER_KEY = "eoffice.preservation_worker"


def settings(app: Flask) -> PreservationSettings:
    """The OCR settings of text extraction apply to the PDF/A copies too."""
    languages = tuple(p for p in re.split(r"[+,\s]+", str(app.config.get("OCR_LANGUAGES")
                                                          or "vie")) if p)
    return PreservationSettings(
        pdfa=PdfaSettings(languages=languages or ("vie",),
                          seconds_per_page=float(app.config.get("OCR_SECONDS_PER_PAGE") or 60),
                          max_image_pixels=int(app.config.get("OCR_MAX_IMAGE_PIXELS")
                                               or 80_000_000),
                          workdir=Path(app.config["DATA_DIR"]) / "tmp"),
        max_attempts=int(app.config.get("EXTRACTION_MAX_ATTEMPTS") or 3))


def run_pending(app: Flask, limit: int | None = None, progress=None) -> list:
    """One pass over the ripe PDF/A copies in ``app``'s context."""
    with app.app_context():
        try:
            return preservation.run_pending(db.session, wiring.storage(), settings(app),
                                            limit=limit, progress=progress)
        finally:
            db.session.remove()


def run_integrity(app: Flask, run_id: int):
    """Do integrity run ``run_id`` in ``app``'s context."""
    with app.app_context():
        try:
            return integrity.execute_run(db.session, wiring.storage(), run_id,
                                         wiring.signature_validator())
        finally:
            db.session.remove()


# --- RQ (production) --------------------------------------------------------------------------

class CopyRetry(Exception):
    """Raised by ``copy_job`` so that RQ retries a passing failure later."""


def _worker_app() -> Flask:
    if jobs._worker_app is None:
        from app import create_app
        jobs._worker_app = create_app()
    return jobs._worker_app


def copy_job(sha256: str) -> dict:
    app = _worker_app()
    with app.app_context():
        try:
            outcome = preservation.run_copy(db.session, wiring.storage(), sha256, settings(app))
        finally:
            db.session.remove()
    if outcome.status == "retry":
        raise CopyRetry(f"PDF/A copy of {sha256} failed, will retry: {outcome.error}")
    return vars(outcome)


def integrity_job(run_id: int) -> dict:
    run = run_integrity(_worker_app(), run_id)
    return {"id": run.id, "status": run.status, "problems": len(run.problems or [])}


# --- the embedded default's thread ------------------------------------------------------------

class PreservationWorker:
    """One thread making the pending PDF/A copies, woken by ``poke``."""

    def __init__(self, app: Flask, poll_seconds: float = POLL_SECONDS,
                 start_delay: float = 5.0):
        self.app, self.poll_seconds, self.start_delay = app, poll_seconds, start_delay
        self._wake, self._stop = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._loop, name="eoffice-pdfa", daemon=True)

    def poke(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        if self._stop.wait(self.start_delay):
            return
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with jobs.TextWorker._ocr_lock:
                    run_pending(self.app)
            except Exception:  # noqa: BLE001 - keep the thread; the rows say what failed
                log.exception("PDF/A copies: pass failed")
            self._wake.wait(self.poll_seconds)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)


def start_preservation_worker(app: Flask, poll_seconds: float | None = None,
                              start_delay: float | None = None) -> PreservationWorker | None:
    """Embedded default only (``wsgi.py``); production runs ``rq worker``."""
    if app.config.get("REDIS_URL"):
        return None
    worker = app.extensions.get(_WORKER_KEY)
    if worker is not None and worker.thread.is_alive():
        return worker
    worker = PreservationWorker(app, POLL_SECONDS if poll_seconds is None else poll_seconds,
                                5.0 if start_delay is None else start_delay)
    app.extensions[_WORKER_KEY] = worker
    worker.thread.start()
    return worker


# --- enqueueing -------------------------------------------------------------------------------

def copies_enqueuer(app: Flask):
    """``enqueue(digests)``: one RQ job each in production; on the embedded
    default a poke of this process's thread (if it runs one: else the rows
    stay pending for the web process or ``flask preservation pdfa --pending``)."""
    def enqueue(digests: list[str]) -> None:
        q = jobs.queue(app)
        if q is not None:
            from rq import Retry
            conf = settings(app)
            for digest in digests:
                q.enqueue(copy_job, digest, job_timeout=int(
                    conf.pdfa.startup_seconds * 2 + conf.pdfa.seconds_per_page
                    * int(app.config.get("MAX_PDF_PAGES") or 2000)),
                    result_ttl=3600, failure_ttl=7 * 86400, description=f"pdfa {digest[:12]}",
                    retry=Retry(max=max(conf.max_attempts - 1, 0) or 1,
                                interval=list(conf.retry_after) or [60]))
            return
        worker = app.extensions.get(_WORKER_KEY)
        if worker is not None and worker.thread.is_alive():
            worker.poke()
    return enqueue


def enqueue_copies(digests: list[str]) -> None:
    """The hook of ``workflows.preservation.install``: enqueue on the current app."""
    if has_app_context():
        copies_enqueuer(current_app._get_current_object())(digests)


def start_integrity(app: Flask, run_id: int) -> None:
    """Do a started run in the background: RQ job, or a thread of this process."""
    q = jobs.queue(app)
    if q is not None:
        q.enqueue(integrity_job, run_id, job_timeout=24 * 3600, result_ttl=86400,
                  failure_ttl=7 * 86400, description=f"integrity run {run_id}")
        return
    threading.Thread(target=run_integrity, args=(app, run_id), daemon=True,
                     name=f"eoffice-integrity-{run_id}").start()


def install(app: Flask) -> None:
    """Called by ``app.wiring``: copies queued in a transaction are enqueued after it."""
    preservation.install(enqueue_copies)
