"""The scanner watcher: polls the register folders, then OCRs the new intakes.

Embedded default (no ``REDIS_URL``): ``start_scanner_thread`` (called by
``wsgi.py``) runs a daemon thread that polls every ``SCAN_POLL_SECONDS`` and
OCRs the pending intakes itself, one after the other. Production: ``flask
scanner watch`` polls and puts one RQ job per pending intake on the queue
(``process_intake_job``), run by ``rq worker``. Either way everything is in
the folders and the database: a restart loses nothing (``workflows.scanner``).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from app import jobs, wiring
from app.extensions import db
from workflows import scanner
from workflows.scanner import FolderState, PollReport, ScanSettings

log = logging.getLogger(__name__)
JOB_PREFIX = "eoffice-scan-intake"


def scan_dir(app: Flask) -> Path:
    """``SCAN_DIR``, or ``DATA_DIR/scans`` when unset."""
    configured = app.config.get("SCAN_DIR")
    return Path(configured) if configured else Path(app.config["DATA_DIR"]) / "scans"


def settings(app: Flask) -> ScanSettings:
    languages = str(app.config.get("OCR_LANGUAGES") or "vie").replace(",", "+").split("+")
    return ScanSettings(
        languages=tuple(x.strip() for x in languages if x.strip()) or ("vie",),
        seconds_per_page=float(app.config.get("OCR_SECONDS_PER_PAGE", 60)),
        max_image_pixels=int(app.config.get("OCR_MAX_IMAGE_PIXELS", 80_000_000)),
        max_attempts=int(app.config.get("EXTRACTION_MAX_ATTEMPTS", 3)),
        settle_seconds=float(app.config["SCAN_SETTLE_SECONDS"]))


@dataclass
class PassReport:
    poll: PollReport
    processed: dict[int, str | None] = field(default_factory=dict)  # intake id -> status
    enqueued: list[int] = field(default_factory=list)


def poll_once(app: Flask, state: FolderState | None = None) -> PollReport:
    """One look at the folders, in ``app``'s context."""
    with app.app_context():
        try:
            report = scanner.poll(db.session, wiring.storage(), scan_dir(app),
                                  limits=wiring.limits(), settings=settings(app), state=state)
        finally:
            db.session.remove()
    for line in report.errors:
        log.error("scanner intake: %s", line)
    return report


def ensure_folders(app: Flask) -> list[tuple[int, str, Path]]:
    """(register id, register name, folder) of this year's ordinary incoming registers."""
    with app.app_context():
        try:
            return [(reg.id, reg.name, path)
                    for reg, path in scanner.ensure_folders(db.session, scan_dir(app))]
        finally:
            db.session.remove()


def process_one(app: Flask, intake_id: int) -> str | None:
    """OCR and suggestion of one intake, in ``app``'s context."""
    with app.app_context():
        try:
            return scanner.process_intake(db.session, wiring.storage(), intake_id,
                                          settings(app))
        finally:
            db.session.remove()


def pending_ids(app: Flask) -> list[int]:
    with app.app_context():
        try:
            return scanner.pending_intake_ids(db.session)
        finally:
            db.session.remove()


def run_pass(app: Flask, *, state: FolderState | None = None,
             synchronous: bool | None = None) -> PassReport:
    """Poll, then OCR every pending intake: here (embedded default, or
    ``synchronous``) or as RQ jobs (``REDIS_URL`` set)."""
    report = PassReport(poll_once(app, state))
    use_queue = bool(app.config.get("REDIS_URL")) if synchronous is None else not synchronous
    for intake_id in pending_ids(app):
        if use_queue:
            enqueue_processing(app, intake_id)
            report.enqueued.append(intake_id)
            continue
        try:
            report.processed[intake_id] = process_one(app, intake_id)
        except Exception:  # noqa: BLE001 - the intake stays pending; the next pass retries
            log.exception("scanner intake %s: OCR failed", intake_id)
    return report


# --- RQ (production) -------------------------------------------------------------------

def process_intake_job(intake_id: int) -> str | None:
    """The RQ job: builds the app once per worker process (shared with app.jobs)."""
    if jobs._worker_app is None:
        from app import create_app
        jobs._worker_app = create_app()
    return process_one(jobs._worker_app, intake_id)


def enqueue_processing(app: Flask, intake_id: int, name: str | None = None):
    """One job per pending intake, not a second one while the first waits or runs."""
    q = jobs.queue(app, name)
    job_id = f"{JOB_PREFIX}-{intake_id}"
    waiting = q.fetch_job(job_id)
    if waiting is not None and waiting.get_status(refresh=True) in ("queued", "started",
                                                                    "deferred", "scheduled"):
        return waiting
    pages_allowed = int(app.config.get("OCR_SECONDS_PER_PAGE", 60)) * 50
    return q.enqueue(process_intake_job, intake_id, job_id=job_id, job_timeout=pages_allowed,
                     result_ttl=3600, failure_ttl=86400)


# --- the embedded watcher thread ----------------------------------------------------------

class Watcher:
    """The in-process watcher thread; ``stop()`` ends it after the current pass."""

    def __init__(self, app: Flask, seconds: float):
        self.app, self.seconds = app, seconds
        self.state = FolderState()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="eoffice-scanner", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                run_pass(self.app, state=self.state, synchronous=True)
            except Exception:  # noqa: BLE001 - keep watching; the next pass retries
                log.exception("scanner pass failed")

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)


def start_scanner_thread(app: Flask) -> Watcher | None:
    """Embedded default only (``SCAN_POLL_SECONDS`` > 0, no ``REDIS_URL``);
    production runs ``flask scanner watch`` + ``rq worker``."""
    seconds = float(app.config.get("SCAN_POLL_SECONDS") or 0)
    if seconds <= 0 or app.config.get("REDIS_URL"):
        return None
    watcher = Watcher(app, seconds)
    watcher.thread.start()
    return watcher
