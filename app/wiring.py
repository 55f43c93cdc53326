"""Builds the collaborators of the use cases from configuration.

Use cases receive these as arguments; this is the one place that decides
which implementation runs (blob storage, upload limits, job queue).
"""
from __future__ import annotations

from datetime import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app

from archive.inspection import Limits
from archive.mailer import NullMailer, SmtpMailer, SmtpSettings
from archive.storage import FilesystemBlobStorage
from workflows.routing import Routing, RoutingSettings


def init_app(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    app.extensions["eoffice.storage"] = FilesystemBlobStorage(data_dir / "blobs")
    app.extensions["eoffice.limits"] = Limits(
        max_bytes=app.config["MAX_FILE_BYTES"], max_pages=app.config["MAX_PDF_PAGES"],
        timeout_seconds=app.config["PROBE_TIMEOUT_SECONDS"],
        memory_mb=app.config["PROBE_MEMORY_MB"])
    app.extensions["eoffice.staging"] = data_dir / "staging"
    smtp = smtp_settings(app.config.get("SMTP_URL"))
    app.extensions["eoffice.mailer"] = SmtpMailer(smtp) if smtp else NullMailer()
    app.extensions["eoffice.routing"] = Routing(RoutingSettings(
        weekdays=frozenset(int(d) for d in str(app.config["WORKING_WEEKDAYS"]).split(",")
                           if d.strip()),
        default_handling_days=app.config["DEFAULT_HANDLING_DAYS"],
        reminder_days=app.config["REMINDER_DAYS"],
        step_seconds=float(app.config["ROUTING_STEP_SECONDS"]),
        workday_end=time.fromisoformat(app.config["WORKDAY_END"]),
        email=smtp is not None))


def smtp_settings(url: str | None) -> SmtpSettings | None:
    """``smtp://user:pass@host:587?starttls=1&from=vanthu@so.gov.vn`` (or ``smtps://``)."""
    if not url:
        return None
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname or "", port=parts.port or (465 if secure else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=query.get("starttls", "0") in ("1", "true", "yes"), use_ssl=secure,
        sender=query.get("from", "eoffice@localhost"),
        timeout=float(query.get("timeout", "10")))


def routing() -> Routing:
    return current_app.extensions["eoffice.routing"]


def mailer():
    return current_app.extensions["eoffice.mailer"]


def storage() -> FilesystemBlobStorage:
    return current_app.extensions["eoffice.storage"]


def limits() -> Limits:
    return current_app.extensions["eoffice.limits"]


def staging_dir() -> Path:
    return current_app.extensions["eoffice.staging"]
