"""BagIt packages (RFC 8493) for transfer to the historical archive (issue 6 point 8).

A bag is built with the Library of Congress ``bagit`` library, so any
standard BagIt tool can verify it: ``bagit.txt``, ``bag-info.txt`` (the
agency, the file code, who packaged it), the payload under ``data/`` and
SHA-256 manifests of the payload and of the tag files. The bag is returned
as a zip whose single top folder is the bag.

Callers choose the payload; for a case file it is ``data/originals/…`` (the
original bytes of every document file, never re-encoded), ``data/pdfa/…``
(PDF/A preservation copies that exist) and ``data/metadata.xml``.

``bagit.make_bag`` changes the process's working directory while it hashes;
bags are therefore built one at a time (a lock) and everything here uses
absolute paths.
"""
from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["BagFile", "build_bag_zip", "safe_name", "CHECKSUMS"]

CHECKSUMS = ["sha256"]
_bagging = threading.Lock()


@dataclass(frozen=True)
class BagFile:
    """A payload file: ``path`` relative to ``data/`` (POSIX, no ``..``)."""

    path: str
    data: bytes


def safe_name(name: str, limit: int = 80) -> str:
    """A file name usable on every file system and in a manifest line:
    Vietnamese letters folded to ASCII, separators and odd characters → "-"."""
    from archive.text import fold
    keep = []
    for ch in fold(name):
        keep.append(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "-")
    cleaned = "".join(keep).strip(".-") or "tep"
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned[-limit:]


def _target(root: Path, relative: str) -> Path:
    """Where a payload file goes before bagging; refuses paths that leave the bag."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise ValueError(f"payload path outside the bag: {relative!r}")
    return root.joinpath(*parts)


def _write_payload(root: Path, files: list[BagFile]) -> None:
    seen: set[str] = set()
    for f in files:
        if f.path in seen:
            raise ValueError(f"two payload files at {f.path!r}")
        seen.add(f.path)
        target = _target(root, f.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.data)


def _zip(folder: Path, top: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return buf.getvalue()


def build_bag_zip(name: str, files: list[BagFile], bag_info: dict[str, str]) -> bytes:
    """Bag ``files`` (payload paths under ``data/``) with ``bag_info``; zip bytes.

    ``name`` is the bag's folder inside the zip (made safe). Raises ValueError
    for a payload path outside the bag or given twice.
    """
    import bagit
    top = safe_name(name)
    with tempfile.TemporaryDirectory(prefix="eoffice-bag-") as tmp:
        root = Path(tmp).resolve() / top
        root.mkdir()
        _write_payload(root, files)
        with _bagging:
            bagit.make_bag(str(root), bag_info=dict(bag_info), checksums=list(CHECKSUMS))
        return _zip(root, top)
