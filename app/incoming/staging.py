"""Glue between the registration form and ``archive.staging``."""
from __future__ import annotations

from app import wiring
from archive.staging import UploadStaging
from workflows.incoming import Upload


def _staging() -> UploadStaging:
    return UploadStaging(wiring.staging_dir())


def save(uploads: list[Upload], staff_id: int) -> str | None:
    return _staging().save(uploads, staff_id)


def load(token: str, staff_id: int) -> list[Upload]:
    return [Upload(name, data, role) for name, data, role in _staging().load(token, staff_id)]


def discard(token: str) -> None:
    _staging().discard(token)
