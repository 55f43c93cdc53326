"""Fixity of the blob store: the checksum pass of an integrity run (DOMAIN §4.1, P11).

Plain Python over the files of a ``FilesystemBlobStorage`` (no database):
``workflows.integrity`` feeds it the blob rows and keeps the problems.

* ``digest_file``: SHA-256 and size of a file, read in 1 MiB chunks (a
  blob of any size costs the same little memory);
* ``check_blob``: a stored blob against its name (content addressing: the
  name *is* the SHA-256) and its recorded size: a flipped byte, a truncated
  file, a file gone or unreadable;
* ``stored_digests``: every blob present on disk, to find the orphans
  (bytes without a row). The storage's own temporary files (``.tmp-*``, a
  write in progress) are not blobs and are skipped;
* ``worse_signature``: whether a signature status read now is worse than the
  one recorded (a certificate revoked since, a trust root withdrawn).
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "CHUNK",
    "KINDS",
    "Problem",
    "check_blob",
    "digest_file",
    "is_digest",
    "stored_digests",
    "worse_signature",
]

CHUNK = 1 << 20
# mismatch: bytes differ from their SHA-256; size: same hash impossible, the
# recorded size is wrong; missing: a row without bytes; unreadable: bytes that
# cannot be read; orphan: bytes without a row (or a stray file in the store);
# signature: a signed PDF that no longer validates as well as it did.
KINDS = ("mismatch", "size", "missing", "unreadable", "orphan", "signature")
_HEX = frozenset("0123456789abcdef")
_SIGNATURE_ORDER = ("valid", "untrusted", "modified", "invalid", "none")


@dataclass(frozen=True)
class Problem:
    kind: str
    sha256: str
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def is_digest(name: str) -> bool:
    return len(name) == 64 and all(c in _HEX for c in name)


def digest_file(path: Path, chunk: int = CHUNK) -> tuple[str, int]:
    """SHA-256 (hex) and size of the file at ``path``, streamed."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb", buffering=0) as fh:
        buffer = bytearray(chunk)
        view = memoryview(buffer)
        while True:
            n = fh.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            size += n
    return digest.hexdigest(), size


def check_blob(storage, sha256: str, size: int | None) -> Problem | None:
    """None when the blob's bytes hash to its name and have the recorded size."""
    path = storage.path(sha256)
    try:
        actual, actual_size = digest_file(path)
    except FileNotFoundError:
        return Problem("missing", sha256, "Không có tệp trong kho / no bytes in the store")
    except OSError as exc:
        return Problem("unreadable", sha256, f"{type(exc).__name__}: {exc.strerror or exc}")
    if actual != sha256:
        return Problem("mismatch", sha256,
                       f"SHA-256 hiện tại / now {actual}, {actual_size} byte")
    if size is not None and actual_size != size:
        return Problem("size", sha256, f"{actual_size} byte, ghi nhận / recorded {size}")
    return None


def stored_digests(root: Path) -> Iterator[tuple[str, Path]]:
    """(name, path) of every file in the blob store but its temporary files.

    A well-placed blob is ``root/ab/cd/<sha256>``; anything else found there
    (a misplaced or foreign file) is yielded too with its relative path as the
    name, so it is reported rather than ignored.
    """
    root = Path(root)
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.startswith(".tmp-"):
                continue
            path = Path(folder) / name
            rel = path.relative_to(root)
            placed = (is_digest(name) and len(rel.parts) == 3
                      and rel.parts[0] == name[:2] and rel.parts[1] == name[2:4])
            yield (name if placed else str(rel)), path


def worse_signature(recorded: str | None, now: str) -> bool:
    """True when the status read ``now`` is worse than the one ``recorded``
    (None: our own signature, valid when made). A signature that was already
    invalid when the file was registered is known, not news; signatures that
    vanished (``none``) are the worst."""
    rank = {s: i for i, s in enumerate(_SIGNATURE_ORDER)}
    before = recorded if recorded in rank and recorded != "none" else "valid"
    return rank.get(now, len(rank)) > rank[before]
