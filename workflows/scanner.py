"""Scanner intake: watched folders → pending registrations in the clerk's queue.

A networked scanner drops PDFs or images into one folder per incoming
register (issue 5, point 5). Layout under ``scan_dir``::

    <register id>/               the inbox the scanner writes to
    <register id>/.processing/   a file being taken in (moved here first)
    <register id>/done/          taken in: kept as evidence, "<intake id>-<name>"
    <register id>/failed/        refused (type, corrupt, encrypted, huge): never deleted
    <register id>/.lock          one poller per folder at a time (flock)

Recovery rules (files are moved, never copied or deleted, and each move is an
``os.rename`` inside one folder tree, so it is atomic):

1. A complete file (dot-files and temporary names are ignored; "complete" =
   size and mtime unchanged since the previous look, or untouched for
   ``settle_seconds``) is first renamed into ``.processing/``.
2. Its bytes become a blob, it is inspected (``archive.inspection``: the same
   sandboxed checks as an upload; an image gets its lossless PDF rendition)
   and the ``ScanIntake`` row is committed: ``pending``, or ``failed`` with
   the Vietnamese reason.
3. Only then is the file renamed into ``done/`` or ``failed/``.

A crash before 3 leaves the file in the inbox or in ``.processing/``; the next
poll takes ``.processing/`` first: a file whose bytes already have an intake
for this register is only moved on (no second row), any other is taken in
again from step 2. The bytes are a blob from step 2 on, so the queue never
shows an intake whose file is gone.

OCR and the suggested metadata come after, in a job (``process_intake``):
``archive.extraction.extract`` on the PDF rendition and ``workflows.suggest``
on the first page's text. ``register_intake`` registers an intake through
``workflows.incoming.register_incoming``; the intake row, updated in the
registration's own transaction, is the guard against a second document.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive import access, audit, directory
from archive.db import utcnow
from archive.errors import ArchiveError, Conflict, FileRejected, Msg, NotFound
from archive.identity import Actor
from archive.inspection import EXTENSIONS, Limits, inspect_upload
from archive.models import Blob, Register, ScanIntake
from archive.probe import sniff
from archive.storage import BlobStorage, store
from workflows.incoming import Registration, Upload, register_incoming, vn_today
from workflows.extraction import record_text
from workflows.suggest import FIELDS, suggest

__all__ = ["ScanSettings", "PollReport", "FolderState", "poll", "process_intake",
           "pending_intake_ids", "register_folder", "ensure_folders", "list_queue",
           "register_names", "get_intake", "discard",
           "register_intake", "prefill", "OPEN_STATUSES", "STATUSES"]

PROCESSING, DONE, FAILED, LOCK = ".processing", "done", "failed", ".lock"
STATUSES = ("pending", "ready", "failed", "registered", "discarded")
OPEN_STATUSES = ("pending", "ready", "failed")
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp",
                 ".lock", "~")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ScanSettings:
    """What the intake needs from the configuration (handed in by the app)."""

    languages: tuple[str, ...] = ("vie",)
    seconds_per_page: float = 60
    max_image_pixels: int = 80_000_000
    max_attempts: int = 3
    settle_seconds: float = 30  # a file untouched this long counts as complete
    workdir: Path | None = None


@dataclass
class PollReport:
    created: list[int] = field(default_factory=list)     # new pending intakes
    failed: list[int] = field(default_factory=list)      # new refused intakes
    recovered: int = 0           # files found in .processing and finished
    duplicates: int = 0          # bytes already waiting in the queue: only moved
    waiting: int = 0             # files still being written
    busy: int = 0                # folders another poller holds
    unknown: list[str] = field(default_factory=list)     # folders that name no register
    errors: list[str] = field(default_factory=list)


class FolderState:
    """What the previous look saw (size, mtime) per file, to tell a file still
    being written from a complete one. One per long-running watcher."""

    def __init__(self):
        self.seen: dict[str, tuple[int, int]] = {}


# --- the folders -------------------------------------------------------------------

def register_folder(scan_dir: Path, register_id: int) -> Path:
    """``scan_dir/<register id>/`` with its sub-folders (created on demand)."""
    folder = Path(scan_dir) / str(register_id)
    for sub in (PROCESSING, DONE, FAILED):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return folder


def _ignored(name: str) -> bool:
    lower = name.lower()
    return (name.startswith((".", "~")) or lower.endswith(TEMP_SUFFIXES)
            or lower in ("thumbs.db", "desktop.ini"))


def _files(folder: Path) -> list[Path]:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except FileNotFoundError:
        return []
    return [p for p in entries if not _ignored(p.name) and p.is_file() and not p.is_symlink()]


def _complete(path: Path, state: FolderState | None, settle: float, now: float) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    key, look = str(path), (st.st_size, st.st_mtime_ns)
    before = state.seen.get(key) if state is not None else None
    if state is not None:
        state.seen[key] = look
    if now - st.st_mtime >= settle:
        return True
    return before == look and st.st_size > 0


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 1
    while target.exists():
        n += 1
        target = folder / (f"{stem}~{n}.{ext}" if dot else f"{name}~{n}")
    return target


def _move(path: Path, folder: Path, name: str | None = None) -> Path:
    """Rename ``path`` into ``folder`` (same file system: atomic), never overwriting."""
    target = _free_name(folder, name or path.name)
    os.rename(path, target)
    return target


@contextmanager
def _locked(folder: Path):
    """Hold ``folder/.lock``; yields False when another poller holds it."""
    fd = os.open(folder / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                yield False
                return
            raise
        yield True
    finally:
        os.close(fd)  # releases the lock


# --- taking a file in -------------------------------------------------------------------

def _digest_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _store_large(session: Session, storage: BlobStorage, path: Path) -> str:
    """Store a file too large to read at once (it is refused, but kept as a blob)."""
    digest = _digest_file(path)
    if not storage.exists(digest):
        target = storage.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".tmp-scan-{os.getpid()}-{digest[:16]}"
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, size=path.stat().st_size))
    return digest


def _inspection_name(name: str, data: bytes) -> str:
    """A name the inspection accepts for bytes whose type is clear from content
    (some scanners write "scan0001" with no extension)."""
    if Path(name).suffix.lower() in EXTENSIONS:
        return name
    media = sniff(data)
    ext = next((e for e, m in EXTENSIONS.items() if m == media), None)
    return f"{name}{ext}" if ext else name


def _too_large(name: str, limits: Limits) -> str:
    mb = limits.max_bytes // (1024 * 1024)
    return f"Tệp “{name}”: vượt quá giới hạn {mb} MB."


@dataclass
class _Examined:
    """What the inspection made of a file (no database involved)."""

    data: bytes | None           # None: too large to read, stored by streaming
    media_type: str
    status: str = "pending"
    error: str | None = None
    pdf: bytes | None = None
    page_count: int | None = None


def _examine(path: Path, name: str, limits: Limits) -> _Examined:
    if path.stat().st_size > limits.max_bytes:
        return _Examined(None, "application/octet-stream", "failed", _too_large(name, limits))
    data = path.read_bytes()
    try:
        inspected = inspect_upload(_inspection_name(name, data), data, limits)
    except FileRejected as exc:
        return _Examined(data, sniff(data) or "application/octet-stream", "failed",
                         exc.message.vi[:500])
    return _Examined(data, inspected.media_type, pdf=inspected.pdf,
                     page_count=inspected.page_count)


def _record(session: Session, storage: BlobStorage, reg: _Reg, path: Path, name: str,
            found: _Examined) -> ScanIntake:
    """Blobs, the row and its audit entry; committed."""
    if found.data is None:
        digest = _store_large(session, storage, path)
    else:
        digest = store(session, storage, found.data)[0]
    intake = ScanIntake(organization_id=reg.organization_id, register_id=reg.id,
                        source_name=name[:255], sha256=digest, media_type=found.media_type,
                        status=found.status, error=found.error, suggestion={})
    if found.pdf is not None:
        intake.pdf_sha256 = store(session, storage, found.pdf)[0]
        intake.suggestion = {"page_count": found.page_count}
    session.add(intake)
    session.flush()
    audit.record(session, actor_id=None, actor_name="scanner", action="scan_received",
                 object_type="scan_intake", object_id=intake.id,
                 details={"register_id": reg.id, "file": intake.source_name,
                          "sha256": digest, "status": intake.status})
    session.commit()
    return intake


def _earlier(session: Session, reg: _Reg, digest: str, statuses) -> tuple[int, str] | None:
    """(id, status) of the latest intake of these bytes in this register."""
    stmt = select(ScanIntake.id, ScanIntake.status).where(
        ScanIntake.register_id == reg.id, ScanIntake.sha256 == digest)
    if statuses is not None:
        stmt = stmt.where(ScanIntake.status.in_(statuses))
    row = session.execute(stmt.order_by(ScanIntake.id.desc()).limit(1)).first()
    session.rollback()  # no transaction (SQLite: no write lock) while files are read
    return tuple(row) if row else None


def _take_in(session: Session, storage: BlobStorage, limits: Limits, reg: _Reg,
             folder: Path, path: Path, report: PollReport, recovering: bool) -> None:
    """Steps 2 and 3 for a file already in ``.processing``."""
    name = re.sub(r"~\d+(?=\.[^.]*$|$)", "", path.name)
    earlier = _earlier(session, reg, _digest_file(path),
                       None if recovering else OPEN_STATUSES)
    if earlier is not None:
        report.recovered += recovering
        report.duplicates += not recovering
        _move(path, folder / (FAILED if earlier[1] == "failed" else DONE),
              f"{earlier[0]}-{name}")
        return
    found = _examine(path, name, limits)
    intake = _record(session, storage, reg, path, name, found)
    (report.failed if found.status == "failed" else report.created).append(intake.id)
    report.recovered += recovering
    _move(path, folder / (FAILED if found.status == "failed" else DONE), f"{intake.id}-{name}")


def _poll_folder(session: Session, storage: BlobStorage, limits: Limits, reg: _Reg,
                 folder: Path, settings: ScanSettings, state: FolderState | None,
                 report: PollReport, now: float) -> None:
    register_folder(folder.parent, reg.id)
    with _locked(folder) as mine:
        if not mine:
            report.busy += 1
            return
        work = [(p, True) for p in _files(folder / PROCESSING)]
        inbox = _files(folder)
        if state is not None:  # forget files that left the inbox
            keep = {str(p) for p in inbox}
            for key in [k for k in state.seen if k.startswith(f"{folder}{os.sep}")
                        and k not in keep]:
                del state.seen[key]
        for path in inbox:
            if not _complete(path, state, settings.settle_seconds, now):
                report.waiting += 1
                continue
            try:
                work.append((_move(path, folder / PROCESSING), False))
            except FileNotFoundError:  # taken by someone else meanwhile
                continue
        for path, recovering in work:
            try:
                _take_in(session, storage, limits, reg, folder, path, report, recovering)
            except Exception as exc:  # noqa: BLE001 - the file stays in .processing
                session.rollback()
                report.errors.append(f"{reg.id}/{path.name}: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class _Reg:
    """A register as the poller needs it (plain values: no lazy loads mid-poll)."""

    id: int
    organization_id: int
    year: int
    confidential: bool
    name: str = ""


def _registers(session: Session, organization_id: int | None) -> dict[int, _Reg]:
    stmt = select(Register.id, Register.organization_id, Register.year, Register.confidential,
                  Register.name).where(Register.direction == "incoming")
    if organization_id is not None:
        stmt = stmt.where(Register.organization_id == organization_id)
    found = {row.id: _Reg(*row) for row in session.execute(stmt)}
    session.rollback()
    return found


def _ensure(scan_dir: Path, registers, today: date | None) -> list[Path]:
    year = (today or vn_today()).year
    return [register_folder(scan_dir, reg.id) for reg in registers
            if reg.year == year and not reg.confidential]


def ensure_folders(session: Session, scan_dir: Path, organization_id: int | None = None,
                   today: date | None = None) -> list[tuple[_Reg, Path]]:
    """Create the folders of this year's ordinary incoming registers; list them."""
    registers = _registers(session, organization_id)
    made = _ensure(Path(scan_dir), registers.values(), today)
    by_id = {int(p.name): p for p in made}
    return [(registers[i], p) for i, p in sorted(by_id.items())]


def poll(session: Session, storage: BlobStorage, scan_dir: Path, *, limits: Limits,
         organization_id: int | None = None, settings: ScanSettings = ScanSettings(),
         state: FolderState | None = None, today: date | None = None) -> PollReport:
    """One look at every register's folder: take complete files in (see module doc).

    Folders are created for this year's ordinary incoming registers; any
    other existing ``<register id>`` folder is read too (last year's register,
    a confidential register whose folder an administrator created).
    """
    scan_dir = Path(scan_dir)
    scan_dir.mkdir(parents=True, exist_ok=True)
    limits = replace(limits, max_pixels=min(limits.max_pixels, settings.max_image_pixels))
    registers = _registers(session, organization_id)
    _ensure(scan_dir, registers.values(), today)
    report, now = PollReport(), time.time()
    for folder in sorted(p for p in scan_dir.iterdir() if p.is_dir() and not _ignored(p.name)):
        reg = registers.get(int(folder.name)) if folder.name.isdigit() else None
        if reg is None:
            if organization_id is None:
                report.unknown.append(folder.name)
            continue
        _poll_folder(session, storage, limits, reg, folder, settings, state, report, now)
    return report


# --- OCR and suggestion (the job) --------------------------------------------------------

def pending_intake_ids(session: Session, organization_id: int | None = None) -> list[int]:
    stmt = select(ScanIntake.id).where(ScanIntake.status == "pending")
    if organization_id is not None:
        stmt = stmt.where(ScanIntake.organization_id == organization_id)
    ids = list(session.scalars(stmt.order_by(ScanIntake.id)))
    session.rollback()
    return ids


def _extract(pdf: bytes, settings: ScanSettings):
    from archive.extraction import extract  # imports pypdf; OCR runs in a child process
    return extract(pdf, languages=settings.languages, seconds_per_page=settings.seconds_per_page,
                   max_image_pixels=settings.max_image_pixels, workdir=settings.workdir)


def _finish(session: Session, intake_id: int, **values) -> bool:
    """Write the job's result unless the clerk registered or discarded it meanwhile."""
    done = session.execute(update(ScanIntake).where(
        ScanIntake.id == intake_id, ScanIntake.status == "pending")
        .values(updated_at=utcnow(), **values)).rowcount
    session.commit()
    return bool(done)


def process_intake(session: Session, storage: BlobStorage, intake_id: int,
                   settings: ScanSettings = ScanSettings()) -> str | None:
    """OCR a pending intake and suggest its metadata; returns its new status.

    ``ready`` with the suggestion; on an OCR failure worth retrying it stays
    ``pending`` (at most ``max_attempts`` tries, counted before each try so a
    crash counts too), then ``ready`` with the error: the file is fine, the
    clerk types the fields in. ``None`` when the intake is not pending.
    """
    intake = session.get(ScanIntake, intake_id)
    if intake is None or intake.status != "pending" or not intake.pdf_sha256:
        session.rollback()
        return None
    attempts = int(intake.suggestion.get("attempts", 0)) + 1
    base = {**intake.suggestion, "attempts": attempts}
    if attempts > settings.max_attempts:  # earlier tries crashed or kept failing
        _finish(session, intake_id, status="ready", suggestion=base, error=(
            f"Nhận dạng chữ không thành công sau {attempts - 1} lần thử; "
            "hãy nhập thông tin văn bản."))
        return "ready"
    pdf = storage.get(intake.pdf_sha256)
    if not _finish(session, intake_id, suggestion=base):  # commits: no lock held during OCR
        return None
    started = time.monotonic()
    try:
        result = _extract(pdf, settings)
    except ArchiveError as exc:
        retry = getattr(exc, "retryable", False) and attempts < settings.max_attempts
        status = "pending" if retry else "ready"
        _finish(session, intake_id, status=status, error=exc.message.vi[:500])
        return status
    first_page = result.text.split("\f", 1)[0]
    fields = suggest(first_page, directory.document_types(session))
    derivative = store(session, storage, result.derivative)[0] if result.derivative else None
    record_text(session, intake.pdf_sha256, result, derivative,
                round(time.monotonic() - started, 1))
    suggestion = {**base, "fields": fields, "page_count": result.page_count,
                  "ocr_pages": result.ocr_pages, "method": result.method,
                  "derivative_sha256": derivative, "first_page": first_page[:3000],
                  "seconds": round(time.monotonic() - started, 1)}
    error = None if result.method != "none" else \
        "Không nhận dạng được chữ trên tệp quét; hãy nhập thông tin văn bản."
    if not _finish(session, intake_id, status="ready", suggestion=suggestion, error=error):
        return session.get(ScanIntake, intake_id).status
    return "ready"


# --- the clerk's queue ------------------------------------------------------------------

NOT_FOUND = Msg("Không tìm thấy văn bản quét.", "Scanned file not found.")


def list_queue(session: Session, actor: Actor, *, statuses=OPEN_STATUSES, page: int = 1,
               per_page: int = 50) -> tuple[list[ScanIntake], int]:
    """One page of the organisation's intakes (newest first) and the total."""
    access.require_clerk(actor)
    stmt = select(ScanIntake).where(ScanIntake.organization_id == actor.organization_id,
                                    ScanIntake.status.in_(statuses))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(session.scalars(stmt.order_by(ScanIntake.id.desc())
                                 .offset((max(page, 1) - 1) * per_page).limit(per_page)))
    return items, total


def register_names(session: Session, items: list[ScanIntake]) -> dict[int, str]:
    ids = {i.register_id for i in items if i.register_id}
    if not ids:
        return {}
    return dict(session.execute(select(Register.id, Register.name).where(Register.id.in_(ids)))
                .all())


def get_intake(session: Session, actor: Actor, intake_id: int) -> ScanIntake:
    access.require_clerk(actor)
    intake = session.get(ScanIntake, intake_id)
    if intake is None or intake.organization_id != actor.organization_id:
        raise NotFound(NOT_FOUND)
    return intake


def _closed(intake: ScanIntake) -> Conflict:
    if intake.status == "registered":
        return Conflict(Msg("Văn bản quét này đã được vào sổ.",
                            "This scanned file is already registered."),
                        document_id=intake.document_id)
    return Conflict(Msg("Văn bản quét này đã bị bỏ qua.", "This scanned file was discarded."))


def discard(session: Session, actor: Actor, intake_id: int) -> ScanIntake:
    """"Bỏ qua": the intake leaves the queue; its file stays in ``done/``/``failed/``."""
    intake = get_intake(session, actor, intake_id)
    done = session.execute(update(ScanIntake).where(
        ScanIntake.id == intake.id, ScanIntake.status.in_(OPEN_STATUSES))
        .values(status="discarded", updated_at=utcnow())).rowcount
    if not done:
        session.rollback()
        raise _closed(session.get(ScanIntake, intake_id))
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="scan_discarded", object_type="scan_intake", object_id=intake.id)
    session.commit()
    return session.get(ScanIntake, intake_id)


def prefill(intake: ScanIntake, register: Register | None = None,
            today: date | None = None) -> dict:
    """The registration form's values from the intake's suggestion (strings, as
    a form posts them). The intake's register is chosen when it is this year's."""
    fields = intake.suggestion.get("fields") or {}
    values = {k: str(fields[k]) for k in FIELDS if fields.get(k)}
    if register is not None and register.year == (today or vn_today()).year:
        values["register_id"] = str(register.id)
    return values


class _IntakeGuard:
    """Stands in for the routing given to ``register_incoming``: inside its
    transaction, just before the route starts, it marks the intake registered
    (a conditional update: only one registration can win) and then starts the
    route. A second registration of the same intake fails here and rolls back."""

    def __init__(self, intake_id: int, routing, actor: Actor):
        self.intake_id, self.routing, self.actor = intake_id, routing, actor

    def start(self, session: Session, actor: Actor, doc) -> None:
        done = session.execute(update(ScanIntake).where(
            ScanIntake.id == self.intake_id, ScanIntake.status.in_(("pending", "ready")))
            .values(status="registered", document_id=doc.id, updated_at=utcnow())).rowcount
        if not done:
            raise _closed(session.get(ScanIntake, self.intake_id, populate_existing=True))
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="scan_registered", object_type="scan_intake",
                     object_id=self.intake_id, details={"document_id": doc.id})
        if self.routing is not None:
            self.routing.start(session, actor, doc)


def register_intake(session: Session, actor: Actor, storage: BlobStorage, limits: Limits,
                    intake_id: int, raw: dict, uploads: list[Upload] | None = None, *,
                    confirm_duplicate: bool = False, today: date | None = None,
                    routing=None, validate=None) -> Registration:
    """Register the intake's file as an incoming document with the clerk's fields.

    ``uploads``: extra attachments, or a main file replacing the scan. The
    intake becomes ``registered`` (with ``document_id``) in the same
    transaction; a second attempt (double click, another clerk) gets the
    first document back (same person) or ``Conflict``.

    Raises:
        everything ``register_incoming`` raises; Conflict if the intake is
        already registered or discarded, or was refused at intake.
    """
    intake = get_intake(session, actor, intake_id)
    if intake.status in ("registered", "discarded"):
        raise _closed(intake)
    if intake.status == "failed":
        raise Conflict(Msg("Tệp quét này đã bị từ chối khi tiếp nhận, không thể vào sổ.",
                           "This scanned file was refused at intake and cannot be registered."))
    uploads = list(uploads or [])
    if not any(u.role == "main" for u in uploads):
        data = storage.get(intake.sha256)
        uploads.insert(0, Upload(_inspection_name(intake.source_name, data), data, "main"))
    session.rollback()
    return register_incoming(session, actor, storage, limits, raw, uploads,
                             confirm_duplicate=confirm_duplicate, today=today,
                             idempotency_key=f"scan-intake-{intake_id}" if actor.staff_id else None,
                             routing=_IntakeGuard(intake_id, routing, actor), validate=validate)
