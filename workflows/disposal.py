"""Disposal of files past their retention (tiêu hủy; DOMAIN §5.3, TT 06/2025).

Nothing is ever deleted automatically. Files whose retain-until has passed
(not permanent, no legal hold in force) appear on an eligibility list; the
archivist records the appraisal decision (reference, approving leader, date,
reason, the list of files: each eligible at that moment); executing that
decision is the only path to "disposed". At execution every file is checked
again (a hold placed meanwhile stops everything, whoever runs it), then:

* the file keeps its metadata, its items and its decision, and is marked
  disposed (frozen);
* the content of its documents is destroyed (``DocumentFile.destroyed_at``,
  the bytes discarded from the blob store, the extracted text emptied) only
  when no other file that is not disposed holds the document; bytes also
  used by any live record (another document with the same bytes, a signing
  image…) are kept. The document metadata stays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from archive import audit
from archive.db import Base, utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound
from archive.filing_models import (FILE_CLOSED, FILE_DISPOSED, FILE_TRANSFERRED, CaseFile,
                                   CaseFileItem, DisposalDecision, LegalHold, PreservationCopy)
from archive.identity import Actor
from archive.models import DocumentFile, ExtractedText
from archive.storage import BlobStorage
from workflows import current_archive as ca

__all__ = ["eligible_files", "create_decision", "execute_decision", "get_decision",
           "decision_files", "list_decisions", "Execution", "EligibleFile"]

DISPOSABLE_STATUSES = (FILE_CLOSED, FILE_TRANSFERRED)
_DERIVATIVES = {("extracted_texts", "derivative_sha256"), ("preservation_copies", "pdfa_sha256")}
_BASE_KEYS = {("extracted_texts", "sha256"), ("preservation_copies", "sha256")}


# --- eligibility ----------------------------------------------------------------------

def _hold_in_force():
    return exists().where(LegalHold.case_file_id == CaseFile.id,
                          LegalHold.released_at.is_(None))


def _eligible_clause(today: date):
    return (CaseFile.status.in_(DISPOSABLE_STATUSES), CaseFile.retention_years.is_not(None),
            CaseFile.retain_until.is_not(None), CaseFile.retain_until < today,
            CaseFile.disposal_decision_id.is_(None), ~_hold_in_force())


@dataclass
class EligibleFile:
    case_file: CaseFile
    pending_decision: DisposalDecision | None   # already listed in a decision not yet executed


def _pending_decisions(session: Session, organization_id: int) -> list[DisposalDecision]:
    return list(session.scalars(select(DisposalDecision).where(
        DisposalDecision.organization_id == organization_id,
        DisposalDecision.executed_at.is_(None)).order_by(DisposalDecision.id)))


def eligible_files(session: Session, actor: Actor, today: date | None = None,
                   limit: int = 1000) -> list[EligibleFile]:
    """Files that may be appraised for destruction (the list, never an action)."""
    ca.require_overseer(actor)
    today = today or ca.vn_today()
    files = session.scalars(select(CaseFile).where(
        CaseFile.organization_id == actor.organization_id, *_eligible_clause(today))
        .order_by(CaseFile.retain_until, CaseFile.code, CaseFile.id).limit(limit))
    listed = {fid: d for d in _pending_decisions(session, actor.organization_id)
              for fid in d.file_ids}
    return [EligibleFile(f, listed.get(f.id)) for f in files]


def _why_not_eligible(session: Session, case_file: CaseFile, today: date) -> Msg | None:
    """The reason a file may not be destroyed today (None: it may)."""
    label = f"{case_file.code}/{case_file.year}"
    if case_file.status == FILE_DISPOSED:
        return Msg(f"Hồ sơ {label} đã bị hủy.", f"Case file {label} was already destroyed.")
    if case_file.status not in DISPOSABLE_STATUSES:
        return Msg(f"Hồ sơ {label} chưa kết thúc.", f"Case file {label} is still open.")
    if session.scalar(select(LegalHold.id).where(LegalHold.case_file_id == case_file.id,
                                                 LegalHold.released_at.is_(None)).limit(1)):
        return Msg(f"Hồ sơ {label} đang có lệnh giữ: không được hủy, kể cả quản trị viên.",
                   f"Case file {label} is under a legal hold: nobody may destroy it, "
                   "administrators included.")
    if case_file.retention_years is None:
        return Msg(f"Hồ sơ {label} bảo quản vĩnh viễn.", f"Case file {label} is permanent.")
    if case_file.retain_until is None or case_file.retain_until >= today:
        until = f"{case_file.retain_until:%d/%m/%Y}" if case_file.retain_until else "?"
        return Msg(f"Hồ sơ {label} còn thời hạn bảo quản (đến {until}).",
                   f"Case file {label} is kept until {until}.")
    return None


# --- the appraisal decision -----------------------------------------------------------

def _approver(session: Session, actor: Actor, approver_id: int | None):
    msg = Msg("Người phê duyệt phải là lãnh đạo cơ quan.",
              "The approver must be a leader of the agency.")
    person = ca.staff_of_agency(session, actor, approver_id, "approver_id", msg)
    if "leader" not in person.roles:
        raise InvalidInput(msg, {"approver_id": msg})
    return person


def _check_listed_once(session: Session, actor: Actor, ids: list[int]) -> None:
    for decision in _pending_decisions(session, actor.organization_id):
        twice = sorted(set(decision.file_ids) & set(ids))
        if twice:
            raise Conflict(Msg(
                f"Hồ sơ đã có trong quyết định {decision.reference} chưa thi hành.",
                f"Files already listed in decision {decision.reference}, not yet executed."),
                {"file_ids": Msg("Đã có trong quyết định khác.", "Listed in another decision.")},
                file_ids=twice)


def create_decision(session: Session, actor: Actor, *, reference: str | None,
                    approver_id: int | None, decided_on: date | None, reason: str | None,
                    file_ids, today: date | None = None) -> DisposalDecision:
    """Record the appraisal decision over files all eligible now (archivist); commits."""
    ca.require_archivist(actor)
    today = today or ca.vn_today()
    reference = ca.required_text(reference, "reference", Msg(
        "Nhập số, ký hiệu quyết định.", "Give the decision's reference."), 100)
    approver = _approver(session, actor, approver_id)
    if decided_on is None or decided_on > today:
        msg = Msg("Ngày quyết định không được để trống hoặc ở tương lai.",
                  "The decision date is missing or in the future.")
        raise InvalidInput(msg, {"decided_on": msg})
    reason = ca.required_text(reason, "reason", Msg("Nhập lý do hủy.", "Give the reason."), 1000)
    ids = sorted({int(i) for i in file_ids or ()})
    if not ids:
        msg = Msg("Chọn ít nhất một hồ sơ.", "Choose at least one case file.")
        raise InvalidInput(msg, {"file_ids": msg})
    if session.scalar(select(DisposalDecision.id).where(
            DisposalDecision.organization_id == actor.organization_id,
            func.lower(DisposalDecision.reference) == reference.lower())):
        raise Conflict(Msg(f"Quyết định {reference} đã được ghi nhận.",
                           f"Decision {reference} is already recorded."),
                       {"reference": Msg("Đã có.", "Already recorded.")})
    for case_file in (ca.get_file(session, actor, i) for i in ids):
        problem = _why_not_eligible(session, case_file, today)
        if problem:
            raise InvalidInput(problem, {"file_ids": problem})
    _check_listed_once(session, actor, ids)
    decision = DisposalDecision(
        organization_id=actor.organization_id, reference=reference, approver_id=approver.id,
        decided_on=decided_on, reason=reason, file_ids=ids, created_by_id=actor.staff_id,
        created_at=utcnow())
    session.add(decision)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="disposal_decision", object_type="disposal_decision",
                 object_id=decision.id,
                 details={"reference": reference, "approver_id": approver.id,
                          "decided_on": decided_on, "file_ids": ids, "reason": reason})
    session.commit()
    return decision


def get_decision(session: Session, actor: Actor, decision_id: int) -> DisposalDecision:
    ca.require_overseer(actor)
    decision = session.get(DisposalDecision, decision_id)
    if decision is None or decision.organization_id != actor.organization_id:
        raise NotFound(Msg("Không tìm thấy quyết định.", "Decision not found."))
    return decision


def decision_files(session: Session, decision: DisposalDecision) -> list[CaseFile]:
    return list(session.scalars(select(CaseFile).where(CaseFile.id.in_(decision.file_ids))
                                .order_by(CaseFile.year, CaseFile.code)))


def list_decisions(session: Session, actor: Actor, limit: int = 200) -> list[DisposalDecision]:
    ca.require_overseer(actor)
    return list(session.scalars(select(DisposalDecision).where(
        DisposalDecision.organization_id == actor.organization_id)
        .order_by(DisposalDecision.id.desc()).limit(limit)))


# --- execution --------------------------------------------------------------------------

@dataclass
class Execution:
    decision: DisposalDecision
    files: list[CaseFile]
    destroyed_documents: list[int] = field(default_factory=list)
    kept_documents: list[int] = field(default_factory=list)   # held by a live file
    discarded_blobs: list[str] = field(default_factory=list)


def _claim(session: Session, actor: Actor, decision: DisposalDecision, now) -> None:
    """Only one execution of a decision (a double click loses here)."""
    done = session.execute(update(DisposalDecision).where(
        DisposalDecision.id == decision.id, DisposalDecision.executed_at.is_(None))
        .values(executed_at=now, executed_by_id=actor.staff_id)).rowcount
    if not done:
        session.rollback()
        raise Conflict(Msg(f"Quyết định {decision.reference} đã được thi hành.",
                           f"Decision {decision.reference} was already executed."))


def _locked_files(session: Session, actor: Actor, decision: DisposalDecision, today: date
                  ) -> list[CaseFile]:
    """The decision's files, locked and checked again; any problem refuses them all."""
    files = [ca.get_file(session, actor, i, lock=True) for i in decision.file_ids]
    problems = [p for p in (_why_not_eligible(session, f, today) for f in files) if p]
    if problems:
        session.rollback()
        raise Conflict(Msg("Không thi hành được quyết định: " + " ".join(p.vi for p in problems),
                           "The decision cannot be executed: " +
                           " ".join(p.en for p in problems)))
    return files


def _documents_to_destroy(session: Session, files: list[CaseFile]) -> tuple[list[int], list[int]]:
    """Documents of these files split into (no live file holds them, still held)."""
    ids = [f.id for f in files]
    doc_ids = sorted(set(session.scalars(select(CaseFileItem.document_id).where(
        CaseFileItem.case_file_id.in_(ids)))))
    held = set(session.scalars(select(CaseFileItem.document_id).join(
        CaseFile, CaseFile.id == CaseFileItem.case_file_id).where(
        CaseFileItem.document_id.in_(doc_ids), CaseFile.status != FILE_DISPOSED,
        CaseFile.id.not_in(ids))))
    return [d for d in doc_ids if d not in held], [d for d in doc_ids if d in held]


def _blob_columns():
    """Every column of the schema that names a stored blob."""
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "blobs":
                yield table, fk.parent


def _document_digests(session: Session, doc_ids: list[int]) -> set[str]:
    """The blobs of these documents: their files and, for outgoing ones, drafts,
    signed and issued PDFs (every column naming a blob on a row of the document)."""
    digests: set[str] = set()
    for table, column in _blob_columns():
        if "document_id" in table.c and table.name != "document_files":
            digests.update(session.scalars(select(column).where(
                table.c.document_id.in_(doc_ids), column.is_not(None))))
    for sha, pdf in session.execute(select(DocumentFile.sha256, DocumentFile.pdf_sha256)
                                    .where(DocumentFile.document_id.in_(doc_ids))):
        digests.update(d for d in (sha, pdf) if d)
    return digests


def _still_used(session: Session, digest: str, going: set[str]) -> bool:
    """Does any live record still hold these bytes? Derivative rows count only
    when their original stays; rows of destroyed documents never count."""
    destroyed_docs = select(DocumentFile.document_id).where(DocumentFile.destroyed_at.is_not(None))
    for table, column in _blob_columns():
        key = (table.name, column.name)
        if key in _BASE_KEYS:
            continue
        cond = column == digest
        if table.name == "document_files":
            cond = cond & table.c.destroyed_at.is_(None)
        elif key in _DERIVATIVES:
            cond = cond & table.c.sha256.not_in(going or {""})
        elif "document_id" in table.c:
            cond = cond & (table.c.document_id.is_(None) |
                           table.c.document_id.not_in(destroyed_docs))
        if session.scalar(select(exists().where(cond))):
            return True
    return False


def _blobs_to_discard(session: Session, candidates: set[str]) -> set[str]:
    """The candidates no live record holds, plus their derivatives (text layer, PDF/A)."""
    going = {d for d in sorted(candidates) if not _still_used(session, d, candidates)}
    derived = set(session.scalars(select(ExtractedText.derivative_sha256).where(
        ExtractedText.sha256.in_(going), ExtractedText.derivative_sha256.is_not(None))))
    derived |= set(session.scalars(select(PreservationCopy.pdfa_sha256).where(
        PreservationCopy.sha256.in_(going), PreservationCopy.pdfa_sha256.is_not(None))))
    going |= {d for d in derived - going if not _still_used(session, d, going)}
    return going


def _destroy_content(session: Session, doc_ids: list[int], now) -> set[str]:
    """Mark the documents' files destroyed; return the bytes that can go."""
    if not doc_ids:
        return set()
    candidates = _document_digests(session, doc_ids)
    for file in session.scalars(select(DocumentFile).where(
            DocumentFile.document_id.in_(doc_ids), DocumentFile.destroyed_at.is_(None))):
        file.destroyed_at = now
    session.flush()
    going = _blobs_to_discard(session, candidates)
    if going:
        session.execute(update(ExtractedText).where(ExtractedText.sha256.in_(going))
                        .values(text="", status="destroyed", updated_at=now))
    return going


def execute_decision(session: Session, actor: Actor, storage: BlobStorage, decision_id: int,
                     *, today: date | None = None) -> Execution:
    """Destroy the files of an appraisal decision (archivist); commits, then
    discards the bytes. Refuses everything when any file is under a hold or no
    longer eligible: whoever asks, administrators included."""
    ca.require_archivist(actor)
    today, now = today or ca.vn_today(), utcnow()
    try:
        decision = get_decision(session, actor, decision_id)
        _claim(session, actor, decision, now)
        files = _locked_files(session, actor, decision, today)
        for f in files:
            f.status, f.disposal_decision_id, f.disposed_at = FILE_DISPOSED, decision.id, now
            f.version += 1
        session.flush()
        destroy, keep = _documents_to_destroy(session, files)
        going = _destroy_content(session, destroy, now)
        for f in files:
            audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                         action="dispose", object_type="case_file", object_id=f.id,
                         details={"decision_id": decision.id, "reference": decision.reference})
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="disposal_execute", object_type="disposal_decision",
                     object_id=decision.id,
                     details={"file_ids": [f.id for f in files], "destroyed_documents": destroy,
                              "kept_documents": keep, "discarded_blobs": sorted(going)})
    except BaseException:
        session.rollback()
        raise
    session.commit()
    for digest in sorted(going):   # after the commit: a rollback never loses live bytes
        storage.discard(digest)
    return Execution(decision, files, destroy, keep, sorted(going))
