"""Use cases of text extraction and OCR: every stored PDF gets its text, in a job.

* Every new document file (its PDF: the original, or the rendition of a scanned
  image) and every draft version's PDF gets an ``ExtractedText`` row
  (``pending``) in the transaction that adds it (``install``: a session hook,
  like ``archive.search.follow``); after the commit the app's ``enqueue(sha256)``
  puts the job on its queue. The row is keyed by the blob: the same bytes
  are read once.
* ``run_extraction`` is the job: it claims the row (one conditional UPDATE:
  two workers never run the same one), commits, runs ``archive.extraction``
  with no transaction open, commits progress in short transactions
  (``pages_done``, for the document page), stores the searchable PDF/A as a
  new blob, and commits the text (``done``) - the search index follows that
  commit by itself - or the reason (``failed``). The document stays registered
  and usable whatever happens here.
* ``rerun`` (an administrator), ``pending_or_stuck`` (a restart found work
  half done), ``status_for_document`` (the document page), ``open_derivative``
  (download of the searchable copy, checked and audited like the original).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import and_, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from archive import access, audit
from archive.db import utcnow
from archive.errors import Msg, NotFound
from archive.extraction import ExtractionError, extract
from archive.identity import Actor
from archive.models import Document, DocumentFile, DraftVersion, ExtractedText
from archive.storage import BlobStorage, store

__all__ = ["ExtractionSettings", "Outcome", "FileText", "install", "request_text",
           "digest_of_file", "run_extraction", "rerun", "pending_or_stuck", "status_counts",
           "status_for_document", "open_derivative"]

log = logging.getLogger(__name__)
PDF = "application/pdf"
STATUSES = ("pending", "running", "done", "failed")
_ENQUEUE_KEY = "extraction_enqueue"
_enqueue: Callable[[str], None] | None = None


@dataclass(frozen=True)
class ExtractionSettings:
    languages: tuple[str, ...] = ("vie",)
    seconds_per_page: float = 60
    max_image_pixels: int = 80_000_000
    max_attempts: int = 3
    workdir: Path | None = None
    # A row "running" with no progress for this long was left by a stopped worker.
    stuck_after: timedelta = timedelta(minutes=30)
    jobs: int | None = None
    progress_interval: float = 0.5   # seconds between two progress commits


@dataclass(frozen=True)
class Outcome:
    """What one run did. ``retry``: failed for a passing reason with attempts left."""

    sha256: str
    status: str            # done | failed | busy (another worker has it) | missing
    method: str | None = None
    page_count: int | None = None
    ocr_pages: int = 0
    error: str | None = None
    retry: bool = False
    seconds: float | None = None


# --- rows follow the files -----------------------------------------------------------

def digest_of_file(file: DocumentFile) -> str | None:
    """The PDF whose text a file has: its rendition, or itself when it is a PDF."""
    return file.pdf_sha256 or (file.sha256 if file.media_type == PDF else None)


def install(enqueue: Callable[[str], None] | None) -> None:
    """Register the session listeners once per process; ``enqueue(sha256)`` is
    called after a commit for every row that commit created (or ``rerun`` reset)."""
    global _enqueue
    _enqueue = enqueue
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)


def request_text(session: Session, digests: Iterable[str]) -> list[str]:
    """Pending rows for the PDFs among ``digests`` not known yet (idempotent), in
    the caller's transaction; returns the digests it added. They are enqueued
    after the caller's commit."""
    session.flush()
    created = _insert_missing(session.connection(), digests)
    session.info.setdefault(_ENQUEUE_KEY, []).extend(created)
    return created


def _insert_missing(connection, digests: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(d for d in digests if d))
    if not wanted:
        return []
    now = utcnow()
    rows = [{"sha256": d, "status": "pending", "text": "", "ocr_pages": 0, "pages_done": 0,
             "attempts": 0, "created_at": now, "updated_at": now} for d in wanted]
    table = ExtractedText.__table__
    name = connection.dialect.name
    if name in ("postgresql", "sqlite"):
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = (insert(table).values(rows).on_conflict_do_nothing(index_elements=["sha256"])
                .returning(table.c.sha256))
        return [r[0] for r in connection.execute(stmt)]
    known = set(connection.scalars(select(table.c.sha256).where(table.c.sha256.in_(wanted))))
    rows = [r for r in rows if r["sha256"] not in known]
    if rows:
        connection.execute(table.insert(), rows)
    return [r["sha256"] for r in rows]


def _changed(obj, attr: str) -> bool:
    return bool(inspect(obj).attrs[attr].history.added)


def _after_flush(session: Session, _context) -> None:
    digests = []
    for obj in session.new:
        if isinstance(obj, DocumentFile):
            digests.append(digest_of_file(obj))
        elif isinstance(obj, DraftVersion):
            digests.append(obj.pdf_sha256)
    for obj in session.dirty:
        if isinstance(obj, (DocumentFile, DraftVersion)) and _changed(obj, "pdf_sha256"):
            digests.append(digest_of_file(obj) if isinstance(obj, DocumentFile)
                           else obj.pdf_sha256)
    digests = [d for d in digests if d]
    if not digests:
        return
    created = _insert_missing(session.connection(), digests)
    if created:
        session.info.setdefault(_ENQUEUE_KEY, []).extend(created)


def _after_commit(session: Session) -> None:
    digests = session.info.pop(_ENQUEUE_KEY, None)
    if not digests or _enqueue is None:
        return
    for digest in dict.fromkeys(digests):
        try:
            _enqueue(digest)
        except Exception:  # noqa: BLE001 - the row stays pending; a requeue picks it up
            log.exception("text extraction of %s not enqueued (it stays pending)", digest)


def _forget(session: Session) -> None:
    session.info.pop(_ENQUEUE_KEY, None)


# --- the job -----------------------------------------------------------------------

def _claim(session: Session, sha256: str, settings: ExtractionSettings) -> bool:
    stale = utcnow() - settings.stuck_after
    T = ExtractedText
    result = session.execute(
        update(T).where(T.sha256 == sha256, or_(
            T.status.in_(("pending", "failed")),
            and_(T.status == "running", T.updated_at < stale)))
        .values(status="running", attempts=T.attempts + 1, pages_done=0, error=None,
                updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def run_extraction(session: Session, storage: BlobStorage, sha256: str,
                   settings: ExtractionSettings) -> Outcome:
    """Extract the text of blob ``sha256`` (see the module doc). Never raises for a
    bad file: the row says ``failed`` and why. Database errors do raise."""
    if not _claim(session, sha256, settings):
        session.commit()
        row = session.get(ExtractedText, sha256)
        return Outcome(sha256, "missing" if row is None else "busy" if row.status == "running"
                       else row.status, method=row.method if row else None)
    session.commit()
    attempts = session.scalar(select(ExtractedText.attempts).where(
        ExtractedText.sha256 == sha256))
    session.commit()
    started = time.monotonic()
    try:
        data = storage.get(sha256)
    except (OSError, ValueError) as exc:
        return _fail(session, sha256, Msg(
            f"Không đọc được tệp trong kho lưu trữ ({type(exc).__name__}).",
            f"The stored file cannot be read ({type(exc).__name__})."), True, attempts,
            settings, started)
    try:
        result = extract(data, languages=settings.languages,
                         seconds_per_page=settings.seconds_per_page,
                         max_image_pixels=settings.max_image_pixels, workdir=settings.workdir,
                         progress=_progress_writer(session, sha256, settings),
                         jobs=settings.jobs)
    except ExtractionError as exc:
        log.info("text extraction of %s failed: %s", sha256, exc.message.en)
        return _fail(session, sha256, exc.message, exc.retryable, attempts, settings, started)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure still ends the row
        log.exception("text extraction of %s crashed", sha256)
        return _fail(session, sha256, Msg(
            f"Lỗi không mong đợi khi trích xuất văn bản ({type(exc).__name__}).",
            f"Unexpected error while extracting the text ({type(exc).__name__})."), True,
            attempts, settings, started)
    session.rollback()
    derivative = None
    try:
        if result.derivative is not None:
            derivative, _new = store(session, storage, result.derivative)
        row = session.get(ExtractedText, sha256, populate_existing=True)
        if row is None:
            session.rollback()
            return Outcome(sha256, "missing")
        seconds = round(time.monotonic() - started, 3)
        _fill(row, result, derivative, seconds)
        session.commit()
    except OSError as exc:
        session.rollback()
        return _fail(session, sha256, Msg(
            f"Không lưu được bản PDF/A ({type(exc).__name__}).",
            f"The PDF/A copy could not be stored ({type(exc).__name__})."), True, attempts,
            settings, started)
    return Outcome(sha256, "done", method=result.method, page_count=result.page_count,
                   ocr_pages=result.ocr_pages, seconds=seconds)


def _fill(row: ExtractedText, result, derivative: str | None, seconds: float | None) -> None:
    row.status, row.method, row.text = "done", result.method, result.text
    row.page_count, row.ocr_pages = result.page_count, result.ocr_pages
    row.pages_done, row.derivative_sha256 = result.page_count, derivative
    row.error, row.seconds, row.updated_at = None, seconds, utcnow()


def record_text(session: Session, sha256: str, result, derivative: str | None,
                seconds: float | None = None) -> None:
    """Keep the text of ``sha256`` read elsewhere (the scanner intake OCRs a scan
    before it is registered): the registered file, the same bytes, is then not
    read a second time. A row already done is left as it is."""
    row = session.get(ExtractedText, sha256)
    if row is None:
        row = ExtractedText(sha256=sha256, attempts=1, ocr_pages=0, pages_done=0, text="")
        session.add(row)
    if row.status != "done":
        _fill(row, result, derivative, seconds)


def _fail(session: Session, sha256: str, message: Msg, retryable: bool, attempts: int,
          settings: ExtractionSettings, started: float) -> Outcome:
    session.rollback()
    seconds = round(time.monotonic() - started, 3)
    session.execute(update(ExtractedText).where(ExtractedText.sha256 == sha256)
                    .values(status="failed", error=message.vi[:500], seconds=seconds,
                            updated_at=utcnow())
                    .execution_options(synchronize_session=False))
    session.commit()
    retry = bool(retryable and (attempts or 0) < settings.max_attempts)
    return Outcome(sha256, "failed", error=message.vi[:500], retry=retry, seconds=seconds)


def _progress_writer(session: Session, sha256: str, settings: ExtractionSettings):
    """``progress(done, total)`` committing ``pages_done`` in its own short
    transaction, at most every ``progress_interval`` seconds (and the last)."""
    last = {"at": 0.0, "done": -1}

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done == last["done"] or (now - last["at"] < settings.progress_interval
                                    and done < total):
            return
        last["at"], last["done"] = now, done
        try:
            session.execute(update(ExtractedText)
                            .where(ExtractedText.sha256 == sha256,
                                   ExtractedText.status == "running")
                            .values(pages_done=done, page_count=total, updated_at=utcnow())
                            .execution_options(synchronize_session=False))
            session.commit()
        except Exception:  # noqa: BLE001 - progress is best effort
            session.rollback()
            log.warning("progress of %s not recorded", sha256, exc_info=True)
    return progress


# --- administration ------------------------------------------------------------------

def rerun(session: Session, sha256: str | None = None, *, enqueue: bool = True) -> list[str]:
    """Back to ``pending``: the given extraction (unless it is running), or every
    failed one. The caller commits; then they are enqueued (unless ``enqueue``
    is false: e.g. a CLI process that will not stay to run them)."""
    T = ExtractedText
    if sha256 is not None:
        row = session.get(T, sha256)
        if row is None:
            raise NotFound(Msg("Không có bản trích xuất văn bản của tệp này.",
                               "No text extraction for this file."))
        where = and_(T.sha256 == sha256, T.status != "running")
    else:
        where = T.status == "failed"
    digests = list(session.scalars(select(T.sha256).where(where)))
    if digests:
        session.execute(update(T).where(T.sha256.in_(digests))
                        .values(status="pending", attempts=0, error=None, pages_done=0,
                                updated_at=utcnow())
                        .execution_options(synchronize_session="fetch"))
        if enqueue:
            session.info.setdefault(_ENQUEUE_KEY, []).extend(digests)
    return digests


def pending_or_stuck(session: Session, stuck_after: timedelta = timedelta(minutes=30),
                     limit: int | None = None) -> list[str]:
    """Rows to (re)queue: pending, or running with no progress for ``stuck_after``
    (the worker stopped half-way), oldest first."""
    T = ExtractedText
    stmt = (select(T.sha256).where(or_(
        T.status == "pending",
        and_(T.status == "running", T.updated_at < utcnow() - stuck_after)))
        .order_by(T.updated_at))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def status_counts(session: Session) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({s: n for s, n in session.execute(
        select(ExtractedText.status, func.count()).group_by(ExtractedText.status))})
    return counts


# --- reading -------------------------------------------------------------------------

@dataclass(frozen=True)
class FileText:
    file_id: int
    name: str
    sha256: str | None           # the PDF whose text it is
    status: str | None           # None: no PDF / not requested
    method: str | None = None
    pages_done: int = 0
    page_count: int | None = None
    ocr_pages: int = 0
    error: str | None = None
    attempts: int = 0
    derivative: bool = False
    partial_derivative: bool = False   # the PDF/A holds only the scanned pages


def status_for_document(session: Session, document_id: int) -> dict[int, FileText]:
    """file id -> extraction state of each of the document's files."""
    files = list(session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == document_id).order_by(DocumentFile.position)))
    digests = {f.id: digest_of_file(f) for f in files}
    rows = {r.sha256: r for r in session.scalars(select(ExtractedText).where(
        ExtractedText.sha256.in_([d for d in digests.values() if d])))}
    out = {}
    for f in files:
        row = rows.get(digests[f.id])
        if row is None:
            out[f.id] = FileText(f.id, f.name, digests[f.id], None)
            continue
        out[f.id] = FileText(
            f.id, f.name, row.sha256, row.status, method=row.method,
            pages_done=row.pages_done or 0, page_count=row.page_count,
            ocr_pages=row.ocr_pages or 0, error=row.error, attempts=row.attempts or 0,
            derivative=row.derivative_sha256 is not None,
            partial_derivative=bool(row.derivative_sha256 and row.page_count
                                    and row.ocr_pages < row.page_count))
    return out


def open_derivative(session: Session, actor: Actor, storage: BlobStorage, document_id: int,
                    file_id: int) -> tuple[DocumentFile, bytes]:
    """The searchable PDF/A copy of a file, to whoever may open the document; audited."""
    doc: Document = access.get_visible(session, actor, document_id)
    file = next((f for f in doc.files if f.id == file_id), None)
    digest = digest_of_file(file) if file is not None else None
    row = session.get(ExtractedText, digest) if digest else None
    if row is None or row.status != "done" or not row.derivative_sha256:
        raise NotFound(Msg("Tệp này không có bản PDF/A có lớp chữ.",
                           "This file has no searchable PDF/A copy."))
    data = storage.get(row.derivative_sha256)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="download_pdfa", object_type="document", object_id=doc.id,
                 details={"file_id": file.id, "sha256": row.derivative_sha256,
                          "derivative_of": digest})
    session.commit()
    return file, data
