"""Background jobs: the routing clock, in-process or on RQ.

Embedded default (no ``REDIS_URL``): the web process runs the clock in a
daemon thread (``start_clock_thread``, started by ``wsgi.py``). Production:
``flask jobs clock`` enqueues ``tick_job`` on the RQ queue every
``ROUTING_CLOCK_SECONDS`` and ``rq worker`` runs it. Either way the tick is
idempotent (conditional updates), so two clocks never double a reminder,
and everything it needs is in the database, so a restart loses nothing.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask

from app import wiring
from app.extensions import db
from workflows.deadlines import TickReport, tick

log = logging.getLogger(__name__)
TICK_JOB_ID = "eoffice-routing-tick"


def run_tick(app: Flask) -> TickReport:
    """One pass of the routing clock in ``app``'s context."""
    with app.app_context():
        try:
            return tick(db.session, wiring.routing(), wiring.mailer(), app.config["BASE_URL"],
                        exchange=wiring.exchange_transports())
        finally:
            db.session.remove()


class Clock:
    """The in-process clock thread; ``stop()`` ends it after the current pass."""

    def __init__(self, app: Flask, seconds: float):
        self.app, self.seconds = app, seconds
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="eoffice-clock", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                run_tick(self.app)
            except Exception:  # keep the clock alive; the next pass retries
                log.exception("routing clock pass failed")

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)


def start_clock_thread(app: Flask) -> Clock | None:
    """Embedded default only: production runs ``flask jobs clock`` + ``rq worker``."""
    seconds = float(app.config.get("ROUTING_CLOCK_SECONDS") or 0)
    if seconds <= 0 or app.config.get("REDIS_URL"):
        return None
    clock = Clock(app, seconds)
    clock.thread.start()
    return clock


def queue(app: Flask, name: str | None = None):
    """The RQ queue of production mode (``None`` on the embedded default)."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue
    return Queue(name or app.config.get("RQ_QUEUE", "eoffice"), connection=Redis.from_url(url))


_worker_app: Flask | None = None


def tick_job() -> dict:
    """The RQ job: builds the app once per worker process from the environment."""
    global _worker_app
    if _worker_app is None:
        from app import create_app
        _worker_app = create_app()
    return vars(run_tick(_worker_app))


def enqueue_tick(app: Flask, name: str | None = None):
    """Put one tick on the queue unless one is already waiting."""
    q = queue(app, name)
    job_id = f"{TICK_JOB_ID}-{q.name}"
    waiting = q.fetch_job(job_id)
    if waiting is not None and waiting.get_status(refresh=True) in ("queued", "started"):
        return waiting
    return q.enqueue(tick_job, job_id=job_id, job_timeout=300, result_ttl=600,
                     failure_ttl=86400)


# --- DOCX drafts converted to PDF (LibreOffice headless) ----------------------------

def run_conversion(app: Flask, version_id: int) -> str | None:
    """Convert one draft version in ``app``'s context; returns its new status."""
    from workflows.outgoing import convert_version
    with app.app_context():
        try:
            version = convert_version(db.session, wiring.storage(), version_id)
            return version.status if version is not None else None
        finally:
            db.session.remove()


def convert_draft_job(version_id: int) -> str | None:
    """The RQ job (production): builds the app once per worker process."""
    global _worker_app
    if _worker_app is None:
        from app import create_app
        _worker_app = create_app()
    return run_conversion(_worker_app, version_id)


def conversion_enqueuer(app: Flask):
    """``enqueue(version_id)`` for the draft use cases: RQ in production, a
    thread on the embedded default. The version row says ``converting`` until
    the job ends, so a restart mid-way is visible and can be re-run
    (``flask jobs convert``)."""
    def enqueue(version_id: int) -> None:
        q = queue(app)
        if q is not None:
            from rq import Retry
            q.enqueue(convert_draft_job, version_id, job_timeout=600, result_ttl=3600,
                      failure_ttl=86400, retry=Retry(max=2, interval=[10, 60]))
            return
        threading.Thread(target=run_conversion, args=(app, version_id),
                         name=f"eoffice-docx-{version_id}", daemon=True).start()
    return enqueue


def start_demo_pki(app: Flask):
    """Serve the demo PKI's TSA, OCSP and CRLs (embedded default, after ``flask demo``).

    Only on 127.0.0.1 and only when the folder exists; a port already taken
    (another process serves it) is not an error.
    """
    from app.wiring import demo_pki
    from pathlib import Path
    info = demo_pki(Path(app.config["DATA_DIR"]))
    if info is None or app.config.get("REDIS_URL"):
        return None
    from signing.pki import serve_pki
    try:
        return serve_pki(info.directory, port=int(info.url_prefix.rsplit(":", 1)[1]))
    except OSError:
        log.warning("demo PKI port busy; assuming it is already served")
        return None


# --- text extraction and OCR (one OCR at a time on the embedded default) ------------

class ExtractionRetry(Exception):
    """Raised by ``run_text_job`` so that RQ retries a passing failure (timeout, crash)."""


def text_settings(app: Flask):
    """``ExtractionSettings`` from the configuration."""
    import re
    from pathlib import Path

    from workflows.extraction import ExtractionSettings
    languages = tuple(p for p in re.split(r"[+,\s]+", str(app.config.get("OCR_LANGUAGES")
                                                          or "vie")) if p)
    return ExtractionSettings(
        languages=languages or ("vie",),
        seconds_per_page=float(app.config.get("OCR_SECONDS_PER_PAGE") or 60),
        max_image_pixels=int(app.config.get("OCR_MAX_IMAGE_PIXELS") or 80_000_000),
        max_attempts=int(app.config.get("EXTRACTION_MAX_ATTEMPTS") or 3),
        workdir=Path(app.config["DATA_DIR"]) / "tmp")


def _retry_intervals(app: Flask) -> list[int]:
    """Back-off between attempts: 30 s, 2 min, 10 min, then 30 min."""
    steps = [30, 120, 600]
    count = max(0, int(app.config.get("EXTRACTION_MAX_ATTEMPTS") or 3) - 1)
    return [steps[i] if i < len(steps) else 1800 for i in range(count)]


def run_text(app: Flask, sha256: str):
    """Extract the text of one blob in ``app``'s context; returns the ``Outcome``."""
    from workflows.extraction import run_extraction
    with app.app_context():
        try:
            return run_extraction(db.session, wiring.storage(), sha256, text_settings(app))
        finally:
            db.session.remove()


def run_text_job(sha256: str) -> dict:
    """The RQ job (production): builds the app once per worker process. A passing
    failure with attempts left raises, so that RQ's ``Retry`` tries again later;
    a bad file ends ``failed`` (with its reason on the row) and returns."""
    global _worker_app
    if _worker_app is None:
        from app import create_app
        _worker_app = create_app()
    outcome = run_text(_worker_app, sha256)
    if outcome.retry:
        raise ExtractionRetry(f"text extraction of {sha256} failed, will retry: "
                              f"{outcome.error}")
    return vars(outcome)


class TextWorker:
    """The embedded default's extraction thread: one job at a time (OCR is CPU-bound),
    fed by ``put``; when idle it looks for pending or stuck rows every
    ``poll_seconds`` (rows a CLI or another process added, or a restart left)."""

    _ocr_lock = threading.Lock()   # one OCR per process, whatever the number of apps

    def __init__(self, app: Flask, poll_seconds: float = 30.0, start_delay: float = 5.0):
        import queue as _queue
        self.app, self.poll_seconds, self.start_delay = app, poll_seconds, start_delay
        self._queue: "_queue.Queue[str | None]" = _queue.Queue()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._busy = False
        self.current: str | None = None
        self.thread = threading.Thread(target=self._loop, name="eoffice-text", daemon=True)

    def release(self) -> None:
        """At exit: the row being extracted goes back to ``pending`` (not left
        ``running`` until it counts as stuck), to be picked up at the next start."""
        sha256 = self.current
        if sha256 is None:
            return
        from sqlalchemy import update

        from archive.models import ExtractedText
        with self.app.app_context():
            try:
                db.session.execute(update(ExtractedText).where(
                    ExtractedText.sha256 == sha256, ExtractedText.status == "running")
                    .values(status="pending", attempts=ExtractedText.attempts - 1))
                db.session.commit()
            except Exception:  # noqa: BLE001 - it will count as stuck instead
                log.warning("text extraction of %s left running", sha256)
            finally:
                db.session.remove()

    def put(self, sha256: str) -> None:
        with self._lock:
            if sha256 in self._queued:
                return
            self._queued.add(sha256)
        self._queue.put(sha256)

    def idle(self) -> bool:
        with self._lock:
            return not self._queued and not self._busy

    def requeue(self) -> int:
        """Queue every pending or stuck row; returns how many."""
        from workflows.extraction import pending_or_stuck
        with self.app.app_context():
            try:
                digests = pending_or_stuck(db.session, text_settings(self.app).stuck_after)
            finally:
                db.session.remove()
        for digest in digests:
            self.put(digest)
        return len(digests)

    def _loop(self) -> None:
        import queue as _queue
        # A short wait first: a `flask --app wsgi <command>` process (which imports
        # wsgi.py too) usually ends before it would pick up anybody's pending work.
        if self._stop.wait(self.start_delay):
            return
        try:
            self.requeue()
        except Exception:  # noqa: BLE001 - the database may not be ready yet; poll later
            log.exception("text extraction: pending work not requeued")
        while not self._stop.is_set():
            try:
                sha256 = self._queue.get(timeout=self.poll_seconds)
            except _queue.Empty:
                try:
                    self.requeue()
                except Exception:  # noqa: BLE001
                    log.exception("text extraction: pending work not requeued")
                continue
            if sha256 is None:
                break
            with self._lock:
                self._busy = True
                self._queued.discard(sha256)
            try:
                with self._ocr_lock:
                    self.current = sha256
                    try:
                        outcome = run_text(self.app, sha256)
                    finally:
                        self.current = None
                if outcome.retry:
                    self._retry_later(sha256, outcome)
            except Exception:  # noqa: BLE001 - keep the thread alive; the row says what
                log.exception("text extraction of %s failed", sha256)
            finally:
                with self._lock:
                    self._busy = False

    def _retry_later(self, sha256: str, outcome) -> None:
        intervals = _retry_intervals(self.app) or [30]
        attempt = 0
        with self.app.app_context():
            try:
                from archive.models import ExtractedText
                row = db.session.get(ExtractedText, sha256)
                attempt = (row.attempts if row else 1) - 1
            finally:
                db.session.remove()
        delay = intervals[min(max(attempt, 0), len(intervals) - 1)]
        timer = threading.Timer(delay, self.put, args=(sha256,))
        timer.daemon = True
        timer.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._queue.put(None)
        if self.thread.is_alive():
            self.thread.join(timeout)


def start_text_worker(app: Flask, poll_seconds: float | None = None,
                      start_delay: float | None = None) -> TextWorker | None:
    """Embedded default (called by ``wsgi.py``): the extraction thread, which first
    requeues pending work and work a restart left half done. Production runs
    ``rq worker`` (``--with-scheduler``, for the retries' back-off)."""
    if app.config.get("REDIS_URL"):
        return None
    worker = app.extensions.get("eoffice.text_worker")
    if worker is not None and worker.thread.is_alive():
        return worker
    worker = TextWorker(app, float(poll_seconds if poll_seconds is not None else
                                   app.config.get("EXTRACTION_POLL_SECONDS", 30)),
                        float(start_delay if start_delay is not None else
                              app.config.get("EXTRACTION_START_DELAY", 5)))
    app.extensions["eoffice.text_worker"] = worker
    worker.thread.start()
    import atexit
    atexit.register(worker.release)
    return worker


def extraction_enqueuer(app: Flask):
    """``enqueue(sha256)``: an RQ job in production; on the embedded default the
    app's extraction thread if this process runs one (the web process, see
    ``start_text_worker``), else nothing: the row stays ``pending`` and the web
    process's thread (or ``flask text run-pending``) picks it up."""
    def enqueue(sha256: str) -> None:
        q = queue(app)
        if q is not None:
            from rq import Retry
            settings = text_settings(app)
            pages = int(app.config.get("MAX_PDF_PAGES") or 2000)
            intervals = _retry_intervals(app)
            q.enqueue(run_text_job, sha256,
                      job_timeout=int(60 + settings.seconds_per_page * pages),
                      result_ttl=3600, failure_ttl=7 * 86400,
                      retry=Retry(max=len(intervals), interval=intervals) if intervals
                      else None, description=f"text {sha256[:12]}")
            return
        worker = app.extensions.get("eoffice.text_worker")
        if worker is not None and worker.thread.is_alive():
            worker.put(sha256)
    return enqueue


def enqueue_text(sha256: str) -> None:
    """The hook of ``workflows.extraction.install``: enqueue on the current app."""
    from flask import current_app, has_app_context
    if has_app_context():
        extraction_enqueuer(current_app._get_current_object())(sha256)
