"""Use cases of the PDF/A preservation copies of archived files (issue 6 point 5).

* ``queue_case_file`` (called by the transfer to the agency archive, in its
  transaction) and ``request_copies`` give every PDF of the file a
  ``PreservationCopy`` row, ``pending``, keyed by the blob: a document filed
  in several files, or the same bytes twice, is converted once. After the
  commit the app's ``enqueue(digests)`` (``install``) starts the job.
* ``run_copy`` is the job for one blob: it claims the row (one conditional
  UPDATE, so two workers never convert the same blob), commits, and with no
  transaction open checks the stored bytes against their SHA-256 (damaged
  bytes are never converted), reuses the whole-document OCR PDF/A of issue 5
  when there is one, else runs ``archive.preservation.make_pdfa``; the copy
  is a new blob; the row says ``done`` (how it was made) or why it failed.
  A passing failure (a time limit) goes back to ``pending`` for a later
  attempt, at most ``max_attempts`` in all; a bad file is ``failed`` at once.
  Nothing loops: ``run_pending`` takes each ripe row once per pass.
* The original is only read: a signed PDF stays byte-for-byte what it was and
  still validates.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from archive import audit
from archive.db import utcnow
from archive.errors import Msg
from archive.filing_models import (
    FILE_TRANSFERRED,
    CaseFile,
    CaseFileItem,
    PreservationCopy,
)
from archive.identity import Actor
from archive.models import DocumentFile, ExtractedText
from archive.preservation import PdfaSettings, PreservationError, make_pdfa, pdfa_part
from archive.storage import BlobStorage, sha256_hex, store

__all__ = [
    "STATUSES",
    "Outcome",
    "PreservationSettings",
    "failed_copies",
    "install",
    "queue_archived",
    "queue_case_file",
    "request_copies",
    "retry_failed",
    "ripe_digests",
    "run_copy",
    "run_pending",
    "status_counts",
]

log = logging.getLogger(__name__)
PDF = "application/pdf"
STATUSES = ("pending", "running", "done", "failed")
_ENQUEUE_KEY = "preservation_enqueue"
_enqueue: Callable[[list[str]], None] | None = None


@dataclass(frozen=True)
class PreservationSettings:
    pdfa: PdfaSettings = field(default_factory=PdfaSettings)
    max_attempts: int = 3
    # Wait before attempt 2, 3…: a passing problem (a busy machine) may pass.
    retry_after: tuple[int, ...] = (60, 600)
    # A row "running" this long was left by a stopped worker.
    stuck_after: timedelta = timedelta(hours=1)

    def wait_before(self, attempts: int) -> timedelta:
        if attempts <= 0 or not self.retry_after:
            return timedelta(0)
        return timedelta(seconds=self.retry_after[min(attempts, len(self.retry_after)) - 1])


@dataclass(frozen=True)
class Outcome:
    """What one run did: ``done``, ``failed``, ``retry`` (back to pending for a
    later attempt), ``busy`` (another worker has it) or ``missing`` (no row)."""

    sha256: str
    status: str
    method: str | None = None
    pdfa_sha256: str | None = None
    error: str | None = None


# --- rows ------------------------------------------------------------------------------

def install(enqueue: Callable[[list[str]], None] | None) -> None:
    """Register the after-commit hook once per process: ``enqueue(digests)`` is
    called after a commit for the rows that commit created."""
    global _enqueue
    _enqueue = enqueue
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)


def _after_commit(session: Session) -> None:
    digests = session.info.pop(_ENQUEUE_KEY, None)
    if not digests or _enqueue is None:
        return
    try:
        _enqueue(list(dict.fromkeys(digests)))
    except Exception:  # noqa: BLE001 - the rows stay pending; run_pending picks them up
        log.exception("PDF/A copies not enqueued (they stay pending)")


def _forget(session: Session) -> None:
    session.info.pop(_ENQUEUE_KEY, None)


def request_copies(session: Session, digests: Iterable[str]) -> list[str]:
    """Pending rows for the blobs among ``digests`` that have none (idempotent,
    safe against a concurrent transaction doing the same), in the caller's
    transaction; returns the digests added, enqueued after the caller's commit."""
    wanted = list(dict.fromkeys(d for d in digests if d))
    if not wanted:
        return []
    session.flush()
    connection = session.connection()
    now = utcnow()
    rows = [{"sha256": d, "status": "pending", "attempts": 0, "updated_at": now}
            for d in wanted]
    table = PreservationCopy.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(table).values(rows).on_conflict_do_nothing(index_elements=["sha256"])
            .returning(table.c.sha256))
    created = [r[0] for r in connection.execute(stmt)]
    session.info.setdefault(_ENQUEUE_KEY, []).extend(created)
    return created


def _pdf_of(file: DocumentFile) -> str | None:
    """The PDF of a file: its rendition, or itself when it is a PDF."""
    return file.pdf_sha256 or (file.sha256 if file.media_type == PDF else None)


def _pdfs_of_files(session: Session, case_file_ids) -> list[str]:
    files = session.scalars(
        select(DocumentFile).join(CaseFileItem,
                                  CaseFileItem.document_id == DocumentFile.document_id)
        .where(CaseFileItem.case_file_id.in_(list(case_file_ids)),
               DocumentFile.destroyed_at.is_(None))
        .order_by(CaseFileItem.case_file_id, CaseFileItem.ordinal, DocumentFile.position))
    return [d for d in (_pdf_of(f) for f in files) if d]


def queue_case_file(session: Session, case_file: CaseFile) -> list[str]:
    """PDF/A copies for every PDF of ``case_file`` (the caller commits)."""
    return request_copies(session, _pdfs_of_files(session, [case_file.id]))


def queue_archived(session: Session) -> list[str]:
    """Catch up: copies for the PDFs of every transferred file that has none yet
    (files archived before this module, or a copy row lost). The caller commits."""
    ids = list(session.scalars(select(CaseFile.id).where(CaseFile.status == FILE_TRANSFERRED)))
    return request_copies(session, _pdfs_of_files(session, ids)) if ids else []


# --- the job -----------------------------------------------------------------------------

def _claim(session: Session, sha256: str, settings: PreservationSettings) -> bool:
    P = PreservationCopy
    stale = utcnow() - settings.stuck_after
    result = session.execute(
        update(P).where(P.sha256 == sha256, or_(
            P.status == "pending", and_(P.status == "running", P.updated_at < stale)))
        .values(status="running", attempts=P.attempts + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def run_copy(session: Session, storage: BlobStorage, sha256: str,
             settings: PreservationSettings = PreservationSettings()) -> Outcome:
    """Make the PDF/A copy of blob ``sha256`` (see the module doc). Never raises
    for a bad file: the row says why. Database errors do raise."""
    if not _claim(session, sha256, settings):
        session.commit()
        row = session.get(PreservationCopy, sha256)
        return Outcome(sha256, "missing" if row is None else
                       "busy" if row.status == "running" else row.status,
                       method=row.method if row else None)
    session.commit()
    try:
        reused = _reusable_ocr_copy(session, storage, sha256)
        if reused is not None:
            return _finish(session, sha256, reused, "reused", pdfa_part(storage.get(reused)))
        data = _original(storage, sha256)
        copy = make_pdfa(data, settings.pdfa)
        session.rollback()
        digest, _new = store(session, storage, copy.pdfa)
        return _finish(session, sha256, digest, copy.method, copy.part)
    except PreservationError as exc:
        log.info("PDF/A copy of %s failed: %s", sha256, exc.message.en)
        return _fail(session, sha256, exc.message, exc.retryable, settings)
    except OSError as exc:
        return _fail(session, sha256, Msg(
            f"Không đọc/ghi được kho lưu trữ ({type(exc).__name__}).",
            f"The blob store could not be read or written ({type(exc).__name__})."),
            True, settings)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure still ends the row
        log.exception("PDF/A copy of %s crashed", sha256)
        return _fail(session, sha256, Msg(
            f"Lỗi không mong đợi khi tạo bản PDF/A ({type(exc).__name__}).",
            f"Unexpected error while making the PDF/A copy ({type(exc).__name__})."),
            True, settings)


def _original(storage: BlobStorage, sha256: str) -> bytes:
    """The stored bytes, refused when they no longer match their SHA-256."""
    data = storage.get(sha256)
    if sha256_hex(data) != sha256:
        raise PreservationError(Msg(
            "Bản gốc trong kho không còn khớp mã SHA-256 (đã bị hỏng hoặc thay đổi): không "
            "chuyển đổi. Hãy chạy kiểm tra toàn vẹn và khôi phục từ bản sao lưu.",
            "The stored original no longer matches its SHA-256 (damaged or altered): not "
            "converted. Run an integrity check and restore it from a backup."))
    return data


def _reusable_ocr_copy(session: Session, storage: BlobStorage, sha256: str) -> str | None:
    """The searchable PDF/A text extraction made of the *whole* document (every
    page OCR'd), when there is one: it is already the preservation copy."""
    text = session.get(ExtractedText, sha256)
    session.commit()
    if (text is None or text.status != "done" or not text.derivative_sha256
            or not text.page_count or text.ocr_pages != text.page_count
            or not storage.exists(text.derivative_sha256)):
        return None
    return text.derivative_sha256 if pdfa_part(storage.get(text.derivative_sha256)) else None


def _finish(session: Session, sha256: str, pdfa_sha256: str, method: str,
            part: str | None) -> Outcome:
    row = session.get(PreservationCopy, sha256, populate_existing=True)
    if row is None:
        session.rollback()
        return Outcome(sha256, "missing")
    row.status, row.pdfa_sha256, row.method = "done", pdfa_sha256, method
    row.error, row.updated_at = None, utcnow()
    audit.record(session, actor_id=None, actor_name="system", action="preservation_copy",
                 object_type="blob", object_id=sha256,
                 details={"pdfa_sha256": pdfa_sha256, "method": method, "pdfa": part,
                          "attempts": row.attempts})
    session.commit()
    return Outcome(sha256, "done", method=method, pdfa_sha256=pdfa_sha256)


def _fail(session: Session, sha256: str, message: Msg, retryable: bool,
          settings: PreservationSettings) -> Outcome:
    """Back to ``pending`` for a passing problem with attempts left, else ``failed``."""
    session.rollback()
    P = PreservationCopy
    attempts = session.scalar(select(P.attempts).where(P.sha256 == sha256)) or 0
    again = retryable and attempts < settings.max_attempts
    session.execute(update(P).where(P.sha256 == sha256)
                    .values(status="pending" if again else "failed", error=message.vi[:500],
                            updated_at=utcnow())
                    .execution_options(synchronize_session=False))
    if not again:
        audit.record(session, actor_id=None, actor_name="system",
                     action="preservation_copy_failed", object_type="blob", object_id=sha256,
                     details={"error": message.vi[:500], "attempts": attempts})
    session.commit()
    return Outcome(sha256, "retry" if again else "failed", error=message.vi[:500])


def ripe_digests(session: Session, settings: PreservationSettings = PreservationSettings(),
                 limit: int | None = None) -> list[str]:
    """Rows to run now: pending and past their wait (a retry waits), or running
    and stuck, oldest first."""
    P = PreservationCopy
    now = utcnow()
    rows = session.execute(select(P.sha256, P.status, P.attempts, P.updated_at).where(or_(
        P.status == "pending",
        and_(P.status == "running", P.updated_at < now - settings.stuck_after)))
        .order_by(P.updated_at)).all()
    ripe = [r.sha256 for r in rows
            if r.status == "running" or r.updated_at <= now - settings.wait_before(r.attempts)]
    return ripe[:limit] if limit else ripe


def run_pending(session: Session, storage: BlobStorage,
                settings: PreservationSettings = PreservationSettings(),
                limit: int | None = None,
                progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every ripe row once (a row sent back for a retry waits for a later pass)."""
    digests = ripe_digests(session, settings, limit)
    session.commit()
    outcomes = []
    for digest in digests:
        outcome = run_copy(session, storage, digest, settings)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


# --- administration and reading ------------------------------------------------------------

def retry_failed(session: Session, actor: Actor | None = None) -> list[str]:
    """Every failed copy back to ``pending`` with fresh attempts (after the cause
    was fixed: a program installed, a blob restored). ``actor`` None: the
    installation (the CLI). The caller commits.

    Raises PermissionDenied (not the archivist or an administrator).
    """
    if actor is not None:
        from workflows.integrity import require_keeper
        require_keeper(actor)
    P = PreservationCopy
    digests = list(session.scalars(select(P.sha256).where(P.status == "failed")))
    if digests:
        session.execute(update(P).where(P.sha256.in_(digests))
                        .values(status="pending", attempts=0, updated_at=utcnow())
                        .execution_options(synchronize_session=False))
        audit.record(session, actor_id=actor.staff_id if actor else None,
                     actor_name=actor.username if actor else "system",
                     action="preservation_retry", object_type="blob", object_id=None,
                     details={"count": len(digests)})
        session.info.setdefault(_ENQUEUE_KEY, []).extend(digests)
    return digests


def status_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({s: n for s, n in session.execute(
        select(PreservationCopy.status, func.count()).group_by(PreservationCopy.status))})
    return counts


def failed_copies(session: Session, limit: int = 20) -> list[PreservationCopy]:
    return list(session.scalars(select(PreservationCopy).where(
        PreservationCopy.status == "failed").order_by(PreservationCopy.updated_at.desc())
        .limit(limit)))
