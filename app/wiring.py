"""Builds the collaborators of the use cases from configuration.

Use cases receive these as arguments; this is the one place that decides
which implementation runs (blob storage, upload limits, job queue).
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from archive.inspection import Limits
from archive.storage import FilesystemBlobStorage


def init_app(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    app.extensions["eoffice.storage"] = FilesystemBlobStorage(data_dir / "blobs")
    app.extensions["eoffice.limits"] = Limits(
        max_bytes=app.config["MAX_FILE_BYTES"], max_pages=app.config["MAX_PDF_PAGES"],
        timeout_seconds=app.config["PROBE_TIMEOUT_SECONDS"],
        memory_mb=app.config["PROBE_MEMORY_MB"])
    app.extensions["eoffice.staging"] = data_dir / "staging"


def storage() -> FilesystemBlobStorage:
    return current_app.extensions["eoffice.storage"]


def limits() -> Limits:
    return current_app.extensions["eoffice.limits"]


def staging_dir() -> Path:
    return current_app.extensions["eoffice.staging"]
