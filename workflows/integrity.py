"""Use cases of the integrity run (issue 6 point 5, DOMAIN §4.1, Appendix A 18).

An integrity run checks, in this order, with its progress in
``IntegrityRun.done/total`` committed in short transactions (the page shows
it while the run goes on):

1. every ``Blob`` row: the stored bytes are read again and must hash to the
   row's SHA-256 and have its size (``archive.integrity.check_blob``). Bytes
   destroyed under a disposal decision (every file holding them has
   ``destroyed_at``; their PDF/A and OCR copies with them) are expected to be
   gone and are not a problem;
2. every signed PDF (a file whose signatures were validated at registration,
   or one the system signed) whose bytes passed step 1: its signatures are
   validated again and a status worse than the recorded one is a problem
   (a certificate revoked since, a trust root withdrawn);
3. the blob store: bytes without a row are orphans.

Problems are ``{kind, sha256, detail}`` (``archive.integrity.KINDS``; at most
``MAX_PROBLEMS`` kept). One run at a time: ``start_run`` refuses a second one
while one is running (a double click, two archivists), and ``execute_run``
is the job (a thread on the embedded default, RQ in production, the CLI in
the foreground). Starting and finishing are audited.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive import audit
from archive.db import utcnow
from archive.errors import Conflict, Msg, NotFound, PermissionDenied
from archive.filing_models import IntegrityRun, PreservationCopy
from archive.identity import Actor
from archive.integrity import Problem, check_blob, stored_digests, worse_signature
from archive.models import Blob, DocumentFile, ExtractedText, SignatureRecord

__all__ = [
    "KEEPERS",
    "MAX_PROBLEMS",
    "execute_run",
    "expected_gone",
    "get_run",
    "latest_run",
    "list_runs",
    "require_keeper",
    "run_now",
    "start_run",
]

log = logging.getLogger(__name__)
KEEPERS = ("archivist", "admin")
MAX_PROBLEMS = 1000
BATCH = 500
# A run still "running" after this long was left by a stopped process.
STALE_AFTER = timedelta(hours=12)
Validator = Callable[[bytes], tuple[str, list]]
_BAD_BYTES = ("mismatch", "size", "missing", "unreadable")


def require_keeper(actor: Actor) -> None:
    """Integrity runs are the archivist's and the administrator's business."""
    if not actor.has(*KEEPERS):
        raise PermissionDenied(Msg(
            "Chỉ cán bộ lưu trữ hoặc quản trị hệ thống được xem và chạy kiểm tra toàn vẹn.",
            "Only the archivist or an administrator may see and start integrity checks."))


# --- starting ------------------------------------------------------------------------------

def start_run(session: Session, actor: Actor | None) -> IntegrityRun:
    """A new run, ``running``, unless one is already running; commits.
    ``actor`` None: the installation itself (the CLI, a timer).

    Raises PermissionDenied, Conflict (a run is going on).
    """
    if actor is not None and actor.staff_id is not None:
        require_keeper(actor)
    _abandon_stale(session)
    run = IntegrityRun(status="running", started_by_id=actor.staff_id if actor else None,
                       total=0, done=0, bytes_checked=0, signatures_checked=0, problems=[])
    session.add(run)
    session.flush()
    # The audit head is a lock (row lock / SQLite write lock): a second start
    # waits here until the first commits, then sees its run and stops.
    audit.record(session, actor_id=run.started_by_id,
                 actor_name=actor.username if actor else "system",
                 action="integrity_run_start", object_type="integrity_run", object_id=run.id)
    other = session.scalar(select(IntegrityRun.id).where(
        IntegrityRun.status == "running", IntegrityRun.id != run.id))
    if other is not None:
        session.rollback()
        raise Conflict(Msg(f"Lượt kiểm tra toàn vẹn #{other} đang chạy; hãy đợi nó xong.",
                           f"Integrity run #{other} is running; wait for it to finish."),
                       run_id=other)
    session.commit()
    return run


def _abandon_stale(session: Session) -> None:
    """Runs left "running" by a stopped process end ``failed``."""
    stale = list(session.scalars(select(IntegrityRun).where(
        IntegrityRun.status == "running", IntegrityRun.started_at < utcnow() - STALE_AFTER)))
    for run in stale:
        run.status, run.finished_at = "failed", utcnow()
        run.problems = list(run.problems or []) + [_error(
            "Lượt kiểm tra bị bỏ dở (tiến trình đã dừng).", "The run was abandoned.")]
    if stale:
        session.commit()


def _error(vi: str, en: str) -> dict:
    return {"kind": "error", "sha256": "", "detail": f"{vi} / {en}"}


# --- the job ---------------------------------------------------------------------------------

class _Progress:
    """Counts, problems, and a commit of them at most every ``interval`` seconds."""

    def __init__(self, session: Session, run_id: int, interval: float):
        self.session, self.run_id, self.interval = session, run_id, interval
        self.done = self.bytes = self.signatures = 0
        self.problems: list[dict] = []
        self.dropped = 0
        self._last = 0.0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem.as_dict())
        else:
            self.dropped += 1

    def step(self, nbytes: int = 0, signature: bool = False) -> None:
        self.done += 1
        self.bytes += nbytes
        self.signatures += int(signature)
        if time.monotonic() - self._last >= self.interval:
            self.save()

    def save(self, **extra) -> None:
        self._last = time.monotonic()
        problems = list(self.problems)
        if self.dropped:
            problems.append({"kind": "truncated", "sha256": "",
                             "detail": f"+{self.dropped} vấn đề không ghi / more not kept"})
        self.session.execute(update(IntegrityRun).where(IntegrityRun.id == self.run_id).values(
            done=self.done, bytes_checked=self.bytes, signatures_checked=self.signatures,
            problems=problems, **extra).execution_options(synchronize_session=False))
        self.session.commit()


def execute_run(session: Session, storage, run_id: int, validate: Validator | None = None,
                progress_interval: float = 0.5) -> IntegrityRun:
    """Do the checks of run ``run_id`` (started by ``start_run``) and finish it."""
    run = session.get(IntegrityRun, run_id)
    if run is None or run.status != "running":
        session.rollback()
        raise NotFound(Msg("Không có lượt kiểm tra đang chờ chạy.", "No such pending run."))
    progress = _Progress(session, run_id, progress_interval)
    try:
        gone = expected_gone(session)
        signed = _signed_pdfs(session, gone)
        total = (session.scalar(select(func.count()).select_from(Blob)) or 0) + \
            (len(signed) if validate is not None else 0)
        progress.save(total=total)
        bad = _check_blobs(session, storage, gone, progress)
        if validate is not None:
            _check_signatures(storage, signed, bad, validate, progress)
        _find_orphans(session, storage, progress)
        progress.save(status="done", finished_at=utcnow())
    except Exception as exc:  # noqa: BLE001 - the run ends "failed" with the reason
        log.exception("integrity run %s failed", run_id)
        session.rollback()
        progress.problems.append(_error(f"Lượt kiểm tra lỗi ({type(exc).__name__}: {exc})"[:400],
                                        "The run failed."))
        progress.save(status="failed", finished_at=utcnow())
    run = session.get(IntegrityRun, run_id, populate_existing=True)
    audit.record(session, actor_id=None, actor_name="system", action="integrity_run",
                 object_type="integrity_run", object_id=run.id,
                 details={"status": run.status, "blobs": run.total, "done": run.done,
                          "bytes": run.bytes_checked, "signatures": run.signatures_checked,
                          "problems": len(run.problems or [])})
    session.commit()
    return run


def run_now(session: Session, storage, actor: Actor | None,
            validate: Validator | None = None) -> IntegrityRun:
    """Start and do a run in the caller's process (the CLI, a timer, tests)."""
    run = start_run(session, actor)
    return execute_run(session, storage, run.id, validate)


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _blob_batches(session: Session) -> Iterator[list[tuple[str, int]]]:
    """Every blob row, in digest order, a batch at a time (keyset pages)."""
    after = ""
    while True:
        rows = session.execute(select(Blob.sha256, Blob.size).where(Blob.sha256 > after)
                               .order_by(Blob.sha256).limit(BATCH)).all()
        session.commit()
        if not rows:
            return
        yield [(r.sha256, r.size) for r in rows]
        after = rows[-1].sha256


def _check_blobs(session: Session, storage, gone: set[str], progress: _Progress) -> set[str]:
    """Step 1; returns the digests whose bytes are bad (not checked further)."""
    bad: set[str] = set()
    for batch in _blob_batches(session):
        for sha256, size in batch:
            if sha256 in gone and not storage.exists(sha256):
                progress.step()
                continue
            problem = check_blob(storage, sha256, size)
            if problem is not None:
                progress.add(problem)
                bad.add(sha256)
            progress.step((size or 0) if problem is None else 0)
    return bad


def _check_signatures(storage, signed: dict[str, str | None], bad: set[str],
                      validate: Validator, progress: _Progress) -> None:
    """Step 2: each signed PDF validated again, compared with what was recorded."""
    for sha256, recorded in signed.items():
        if sha256 in bad:
            progress.step()
            continue
        status, reports = validate(storage.get(sha256))
        if worse_signature(recorded, status):
            reason = next((r.get("reasons", [""])[0] for r in reports
                           if r.get("status") == status and r.get("reasons")), "")
            progress.add(Problem("signature", sha256,
                                 f"{recorded or 'valid'} → {status}" +
                                 (f": {reason}"[:300] if reason else "")))
        progress.step(signature=True)


def _find_orphans(session: Session, storage, progress: _Progress) -> None:
    """Step 3: bytes in the store that no blob row names."""
    found = list(stored_digests(storage.root))
    for batch in _chunks(found):
        names = [name for name, _path in batch]
        known = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(names))))
        session.commit()
        for name, path in batch:
            if name not in known:
                size = path.stat().st_size if path.exists() else 0
                progress.add(Problem("orphan", name, f"{size} byte không có bản ghi / "
                                                     "no row"))
    progress.save()


# --- what is expected gone, what is signed ---------------------------------------------------

def _live_among(session: Session, digests: Iterable[str]) -> set[str]:
    """The digests some file not destroyed still holds (as original or rendition)."""
    live: set[str] = set()
    for batch in _chunks(list(digests)):
        for column in (DocumentFile.sha256, DocumentFile.pdf_sha256):
            live.update(session.scalars(select(column).where(
                column.in_(batch), DocumentFile.destroyed_at.is_(None))))
    return live


def expected_gone(session: Session) -> set[str]:
    """Blobs destroyed under a disposal decision: held only by destroyed files,
    and the PDF/A and OCR copies made of them."""
    destroyed: set[str] = set()
    for original, rendition in session.execute(select(
            DocumentFile.sha256, DocumentFile.pdf_sha256).where(
            DocumentFile.destroyed_at.is_not(None))):
        destroyed.update(d for d in (original, rendition) if d)
    gone = destroyed - _live_among(session, destroyed)
    copies: set[str] = set()
    for batch in _chunks(list(gone)):
        copies.update(session.scalars(select(PreservationCopy.pdfa_sha256).where(
            PreservationCopy.sha256.in_(batch), PreservationCopy.pdfa_sha256.is_not(None))))
        copies.update(session.scalars(select(ExtractedText.derivative_sha256).where(
            ExtractedText.sha256.in_(batch), ExtractedText.derivative_sha256.is_not(None))))
    session.commit()
    return gone | (copies - _live_among(session, copies))


def _signed_pdfs(session: Session, gone: set[str]) -> dict[str, str | None]:
    """PDF digest → the status recorded for it: files validated at registration
    with a signature in them, and files the system signed (None: ours)."""
    signed: dict[str, str | None] = {}
    rows = session.execute(select(DocumentFile.sha256, DocumentFile.pdf_sha256,
                                  DocumentFile.media_type, DocumentFile.signature_status)
                           .where(DocumentFile.destroyed_at.is_(None),
                                  DocumentFile.signature_status.is_not(None),
                                  DocumentFile.signature_status != "none"))
    for original, rendition, media_type, status in rows:
        digest = original if media_type == "application/pdf" else rendition
        if digest:
            signed[digest] = status
    ours = select(SignatureRecord.output_sha256)
    for digest in session.scalars(select(DocumentFile.sha256).where(
            DocumentFile.destroyed_at.is_(None), DocumentFile.sha256.in_(ours))):
        signed.setdefault(digest, None)
    session.commit()
    return {d: s for d, s in signed.items() if d not in gone}


# --- reading -----------------------------------------------------------------------------------

def list_runs(session: Session, actor: Actor, page: int = 1,
              per_page: int = 20) -> tuple[list[IntegrityRun], int]:
    """The runs, newest first, a page at a time, and how many there are."""
    require_keeper(actor)
    total = session.scalar(select(func.count()).select_from(IntegrityRun)) or 0
    runs = list(session.scalars(select(IntegrityRun).order_by(IntegrityRun.id.desc())
                                .offset((max(page, 1) - 1) * per_page).limit(per_page)))
    return runs, total


def get_run(session: Session, actor: Actor, run_id: int) -> IntegrityRun:
    require_keeper(actor)
    run = session.get(IntegrityRun, run_id)
    if run is None:
        raise NotFound(Msg("Không có lượt kiểm tra toàn vẹn này.", "No such integrity run."))
    return run


def latest_run(session: Session) -> IntegrityRun | None:
    return session.scalar(select(IntegrityRun).order_by(IntegrityRun.id.desc()).limit(1))
