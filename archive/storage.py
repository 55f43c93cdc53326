"""Content-addressed blob storage: bytes are named by their SHA-256.

A blob is written once (to a temporary name, fsynced, then renamed) and never
rewritten: the same bytes always land at the same path, so a retried upload
or a duplicate scan costs nothing and an original can never be altered.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

__all__ = ["BlobStorage", "FilesystemBlobStorage", "sha256_hex", "store"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStorage(Protocol):
    def put(self, data: bytes) -> tuple[str, bool]: ...
    def get(self, sha256: str) -> bytes: ...
    def path(self, sha256: str) -> Path: ...
    def exists(self, sha256: str) -> bool: ...
    def discard(self, sha256: str) -> None: ...


class FilesystemBlobStorage:
    """Blobs under ``root/ab/cd/<sha256>``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its digest and whether it was new."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.is_file():
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return digest, True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def discard(self, sha256: str) -> None:
        """Remove a blob that no record references (failed registration only)."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            pass


def store(session, storage: "BlobStorage", data: bytes) -> tuple[str, bool]:
    """Write the bytes and make sure their ``blobs`` row exists; the caller commits.

    Returns the digest and whether the bytes are new on disk (so a failed
    transaction can discard what it alone wrote).
    """
    from archive.models import Blob
    digest, new = storage.put(data)
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, size=len(data)))
    return digest, new
