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
            return tick(db.session, wiring.routing(), wiring.mailer(), app.config["BASE_URL"])
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
