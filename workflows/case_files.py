"""Case files (hồ sơ): open, fill, close, reopen, list, export (DOMAIN §2.13, §2.15 4).

* A file is opened from an entry of the approved danh mục hồ sơ (code,
  title, retention and kind come from the entry) or outside the list (then
  title, code, retention, creator and start date are all required; the code
  is unique in the agency and year).
* Documents are held *by reference* (``CaseFileItem``): one document may sit
  in several files of different people and is never copied (function 4 e).
  Only a document the actor may see can be added (``archive.access``); the
  ordinals (DocOrdinal) are automatic (function 4 b).
* Closing removes duplicates and unissued drafts (and says which), needs the
  retention re-checked, fills the missing metadata, renumbers the documents
  chronologically and computes the transfer due date and retain-until
  (``archive.filing_rules``).
* A transferred or disposed file is frozen: every change is refused for
  everyone, administrators included; a closed file must be reopened (by its
  creator or an archivist) before it changes.

Every change is a compare-and-set on ``CaseFile.version`` (a stale form or a
second click is refused, and concurrent writers are serialised), is audited
and committed in one transaction; any refusal changes nothing.

Who sees a file: its creator, the people of its department, the agency's
leaders, office head, archivists and administrators. Who changes it: its
creator, the head of its department, archivists and administrators.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive import access, audit, filing_rules
from archive.bagit_package import BagFile, build_bag_zip, safe_name
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.filing_models import (FILE_CLOSED, FILE_DISPOSED, FILE_OPEN, FILE_TRANSFERRED,
                                   CaseFile, CaseFileItem, FileList,
                                   FileListEntry, PreservationCopy, RetentionPeriod)
from archive.identity import Actor
from archive.models import Document, DocumentFile, Organization, ProcessingNote, Staff
from archive.storage import BlobStorage
from archive.text import fold, squash
from workflows import case_file_export as ex
from workflows import file_lists
from workflows import document_index_report as report
from workflows.case_file_form import FileFields, Retention, parse_fields
from workflows.incoming import vn_today

__all__ = ["FileQuery", "list_files", "get_file", "can_see", "can_change", "entries_to_open",
           "open_from_entry", "open_outside_list", "add_document", "remove_document",
           "edit_file", "close_file", "reopen_file", "CloseReport", "document_panel",
           "candidates", "Export", "export_pdf", "export_xml", "export_index", "export_bag",
           "history", "retention_lines"]

SEE_ALL_ROLES = ("leader", "office_head", "archivist", "admin")
MANAGER_ROLES = ("archivist", "admin")
REOPEN_ROLES = ("archivist",)
STATUSES = (FILE_OPEN, FILE_CLOSED, FILE_TRANSFERRED, FILE_DISPOSED)
SCOPES = ("mine", "department", "all")

NOT_FOUND = Msg("Không tìm thấy hồ sơ.", "Case file not found.")
FROZEN = Msg("Hồ sơ đã nộp lưu hoặc đã hủy nên bị khóa: không ai được sửa, chuyển hay xóa "
             "văn bản, kể cả quản trị hệ thống.",
             "The file was transferred to the archive or disposed of and is frozen: nobody "
             "may edit, move or delete anything in it, administrators included.")
CLOSED = Msg("Hồ sơ đã đóng; hãy mở lại hồ sơ trước khi thay đổi.",
             "The file is closed; reopen it before changing it.")
STALE = Msg("Hồ sơ vừa được thay đổi (ở trang khác hoặc bởi người khác); hãy tải lại trang "
            "rồi làm lại.",
            "The file has just been changed (in another page or by someone else); reload "
            "the page and try again.")
NO_CHANGE = Msg("Bạn không có quyền thay đổi hồ sơ này (chỉ người lập hồ sơ, trưởng đơn vị, "
                "lưu trữ hoặc quản trị).",
                "You may not change this file (its creator, the head of its unit, the "
                "archivist or an administrator may).")


# --- who sees, who changes --------------------------------------------------------------

def can_see(actor: Actor, cf: CaseFile) -> bool:
    if cf.organization_id != actor.organization_id:
        return False
    return (cf.creator_id == actor.staff_id or actor.has(*SEE_ALL_ROLES)
            or (cf.department_id is not None and cf.department_id == actor.department_id))


def can_change(actor: Actor, cf: CaseFile) -> bool:
    if cf.organization_id != actor.organization_id or actor.staff_id is None:
        return False
    return (cf.creator_id == actor.staff_id or actor.has(*MANAGER_ROLES)
            or (actor.has("department_head") and cf.department_id is not None
                and cf.department_id == actor.department_id))


def _visible_clause(actor: Actor):
    """SQL: the files ``actor`` may see (same rule as ``can_see``)."""
    mine = CaseFile.creator_id == actor.staff_id
    if actor.has(*SEE_ALL_ROLES):
        return CaseFile.organization_id == actor.organization_id
    unit = (CaseFile.department_id == actor.department_id) if actor.department_id else mine
    return (CaseFile.organization_id == actor.organization_id) & or_(mine, unit)


def get_file(session: Session, actor: Actor, file_id: int) -> CaseFile:
    """The file, if the actor may see it (else NotFound: its existence does not leak)."""
    cf = session.get(CaseFile, file_id)
    if cf is None or not can_see(actor, cf):
        raise NotFound(NOT_FOUND)
    return cf


def _refuse_frozen(cf: CaseFile) -> None:
    if cf.frozen:
        raise Conflict(FROZEN, status=cf.status)


def _claim(session: Session, cf: CaseFile, version: int | None) -> None:
    """Compare-and-set on the version: refuses a stale form and serialises writers
    (row lock on PostgreSQL, write lock on SQLite); the file is then re-read."""
    expected = cf.version if version is None else version
    done = session.execute(
        update(CaseFile).where(CaseFile.id == cf.id, CaseFile.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        session.rollback()
        raise Conflict(STALE)
    session.refresh(cf)
    if cf.frozen:                 # frozen by someone else a moment ago
        session.rollback()
        _refuse_frozen(cf)


def _for_change(session: Session, actor: Actor, file_id: int, version: int | None,
                status: str | None = FILE_OPEN) -> CaseFile:
    """Load a file to change it: visible, not frozen, permitted, current, in ``status``."""
    cf = get_file(session, actor, file_id)
    _refuse_frozen(cf)
    if not can_change(actor, cf):
        raise PermissionDenied(NO_CHANGE)
    _claim(session, cf, version)
    if status == FILE_OPEN and cf.status != FILE_OPEN:
        session.rollback()
        raise Conflict(CLOSED)
    return cf


def _audit(session: Session, actor: Actor, action: str, cf: CaseFile, **details) -> None:
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action=action,
                 object_type="case_file", object_id=cf.id,
                 details={"code": cf.code, "year": cf.year, **details})


def _commit(session: Session) -> None:
    """Commit; a unique-key race (a second click that got through) is a Conflict."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(STALE) from None


# --- reading ------------------------------------------------------------------------------

@dataclass
class FileQuery:
    scope: str = "mine"            # mine | department | all (all I may see)
    year: int | None = None
    status: str | None = None
    q: str | None = None
    page: int = 1
    per_page: int = 25


def _filtered(actor: Actor, query: FileQuery):
    stmt = select(CaseFile).where(_visible_clause(actor))
    if query.scope == "mine":
        stmt = stmt.where(CaseFile.creator_id == actor.staff_id)
    elif query.scope == "department":
        stmt = stmt.where(CaseFile.department_id == actor.department_id)
    if query.year:
        stmt = stmt.where(CaseFile.year == query.year)
    if query.status in STATUSES:
        stmt = stmt.where(CaseFile.status == query.status)
    if query.q and query.q.strip():
        words = query.q.strip()
        stmt = stmt.where(or_(func.lower(CaseFile.title).contains(words.lower(), autoescape=True),
                              func.lower(CaseFile.code).contains(words.lower(),
                                                                 autoescape=True)))
    return stmt


def list_files(session: Session, actor: Actor, query: FileQuery) -> tuple[list[CaseFile], int]:
    """One page of the files the actor may see (newest year first, then by code)."""
    stmt = _filtered(actor, query)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = max(1, query.page)
    items = list(session.scalars(
        stmt.order_by(CaseFile.year.desc(), CaseFile.code, CaseFile.id)
        .offset((page - 1) * query.per_page).limit(query.per_page)))
    return items, total


def history(session: Session, file_id: int):
    from archive.models import AuditEntry
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "case_file", AuditEntry.object_id == str(file_id))
        .order_by(AuditEntry.seq)))


def retention_lines(session: Session) -> list[RetentionPeriod]:
    """The active lines of the retention catalogue (for the forms)."""
    return list(session.scalars(select(RetentionPeriod).where(RetentionPeriod.active.is_(True))
                                .order_by(RetentionPeriod.code)))


def visible_document_ids(session: Session, actor: Actor, cf: CaseFile) -> set[int]:
    """Which documents of the file the actor may see (the others show as restricted)."""
    ids = [i.document_id for i in cf.items]
    if not ids:
        return set()
    return set(session.scalars(select(Document.id).where(
        Document.id.in_(ids), access.visibility_clause(actor))))


@dataclass
class DocumentFiles:
    """What the document page shows: the files holding it, and where it can go."""

    holding: list[CaseFile]
    open_files: list[CaseFile]


def document_panel(session: Session, actor: Actor, document_id: int) -> DocumentFiles:
    """Files (the actor may see) that hold the document, and the actor's open files
    that do not hold it yet (for "Thêm vào hồ sơ")."""
    access.get_visible(session, actor, document_id)
    holding = list(session.scalars(
        select(CaseFile).join(CaseFileItem, CaseFileItem.case_file_id == CaseFile.id)
        .where(CaseFileItem.document_id == document_id, _visible_clause(actor))
        .order_by(CaseFile.year.desc(), CaseFile.code)))
    held = {cf.id for cf in holding}
    mine = session.scalars(select(CaseFile).where(
        CaseFile.organization_id == actor.organization_id,
        CaseFile.creator_id == actor.staff_id, CaseFile.status == FILE_OPEN)
        .order_by(CaseFile.year.desc(), CaseFile.code).limit(200))
    return DocumentFiles(holding, [cf for cf in mine if cf.id not in held])


def candidates(session: Session, actor: Actor, cf: CaseFile, q: str | None,
               limit: int = 20) -> list[Document]:
    """Documents the actor may see that match ``q`` (subject, số/ký hiệu or số đến)
    and are not in the file yet: the search box of the file page."""
    text = (q or "").strip()
    if not text:
        return []
    needle = fold(text)
    matches = [Document.subject_folded.contains(needle, autoescape=True),
               Document.code_folded.contains(squash(text), autoescape=True)]
    if text.isdigit():
        matches.append(Document.arrival_number == int(text))
    held = select(CaseFileItem.document_id).where(CaseFileItem.case_file_id == cf.id)
    return list(session.scalars(
        select(Document).where(access.visibility_clause(actor), or_(*matches),
                               Document.id.not_in(held))
        .order_by(Document.id.desc()).limit(limit)))


# --- opening -------------------------------------------------------------------------------

def entries_to_open(session: Session, actor: Actor, year: int) -> list[FileListEntry]:
    """Entries of the agency's approved list of ``year`` that have no file yet, in the
    order of ``file_lists.entries_open_to`` (the actor's own entries first): every
    member of the agency may open them."""
    opened = set(session.scalars(select(CaseFile.list_entry_id).where(
        CaseFile.organization_id == actor.organization_id, CaseFile.year == year,
        CaseFile.list_entry_id.is_not(None))))
    return [e for e in file_lists.entries_open_to(session, actor, year) if e.id not in opened]


def _entry_for(session: Session, actor: Actor, entry_id: int) -> tuple[FileListEntry, FileList]:
    entry = session.get(FileListEntry, entry_id)
    flist = session.get(FileList, entry.file_list_id) if entry else None
    if flist is None or flist.organization_id != actor.organization_id:
        raise NotFound(Msg("Không tìm thấy hồ sơ này trong danh mục.",
                           "This entry is not in the file list."))
    if flist.status != "approved":
        raise Conflict(Msg("Danh mục hồ sơ năm này chưa được phê duyệt.",
                           "This year's file list is not approved yet."))
    return entry, flist


def _already_open(session: Session, org_id: int, year: int, code: str) -> CaseFile | None:
    return session.scalar(select(CaseFile).where(
        CaseFile.organization_id == org_id, CaseFile.year == year, CaseFile.code == code))


def open_from_entry(session: Session, actor: Actor, entry_id: int,
                    start_date: date | None = None, today: date | None = None) -> CaseFile:
    """Open the file planned by a danh mục entry; the actor is its creator; commits."""
    if actor.staff_id is None:
        raise PermissionDenied(NO_CHANGE)
    entry, flist = _entry_for(session, actor, entry_id)
    if _already_open(session, actor.organization_id, flist.year, entry.code):
        raise Conflict(Msg(f"Hồ sơ số {entry.code} năm {flist.year} đã được mở.",
                           f"File {entry.code} of {flist.year} is already open."))
    start = start_date or today or vn_today()
    cf = CaseFile(organization_id=actor.organization_id, list_entry_id=entry.id,
                  year=flist.year, code=entry.code, title=entry.title,
                  retention_id=entry.retention_id, retention_years=entry.retention.years,
                  creator_id=actor.staff_id, department_id=actor.department_id,
                  kind=entry.kind, start_date=start, description=entry.notes,
                  status=FILE_OPEN, version=1)
    session.add(cf)
    session.flush()
    _audit(session, actor, "casefile_open", cf, entry_id=entry.id, list_id=flist.id)
    _commit(session)
    return cf


def _resolve_retention(session: Session, choice: Retention) -> tuple[int | None, int | None]:
    """(retention_id, years) of a form's choice; a catalogue line must exist and be active."""
    if choice.retention_id is None:
        return None, choice.years
    line = session.get(RetentionPeriod, choice.retention_id)
    if line is None or not line.active:
        msg = Msg("Không có dòng này trong bảng thời hạn bảo quản.",
                  "No such line in the retention catalogue.")
        raise InvalidInput(msg, {"retention": msg})
    return line.id, line.years


def _check_creator(session: Session, actor: Actor, creator_id: int) -> Staff:
    staff = session.get(Staff, creator_id)
    if staff is None or staff.organization_id != actor.organization_id or not staff.active:
        msg = Msg("Người lập hồ sơ không thuộc cơ quan.", "The creator is not on the staff.")
        raise InvalidInput(msg, {"creator_id": msg})
    return staff


def _check_code_free(session: Session, actor: Actor, year: int, code: str,
                     own_id: int | None = None) -> None:
    """Codes are unique per agency and year, also against the approved list's entries."""
    taken = _already_open(session, actor.organization_id, year, code)
    planned = session.scalar(
        select(FileListEntry.id).join(FileList, FileList.id == FileListEntry.file_list_id)
        .where(FileList.organization_id == actor.organization_id, FileList.year == year,
               FileList.status == "approved", FileListEntry.code == code))
    own_entry = session.get(CaseFile, own_id).list_entry_id if own_id else None
    if (taken is not None and taken.id != own_id) or (planned and planned != own_entry):
        msg = Msg(f"Số và ký hiệu hồ sơ {code} đã có trong năm {year}.",
                  f"File code {code} is already used in {year}.")
        raise InvalidInput(msg, {"code": msg})


def open_outside_list(session: Session, actor: Actor, raw: dict) -> CaseFile:
    """Open a file that is not in the danh mục: title, code, retention, creator and start
    date are required (D30 Điều 29); the year is the start date's; commits."""
    if actor.staff_id is None:
        raise PermissionDenied(NO_CHANGE)
    raw = {"creator_id": actor.staff_id, **{k: v for k, v in raw.items() if v not in (None, "")}}
    fields = parse_fields(raw, required=("title", "code", "retention", "creator_id",
                                         "start_date"))
    retention_id, years = _resolve_retention(session, fields.retention)
    creator = _check_creator(session, actor, fields.creator_id)
    year = fields.start_date.year
    _check_code_free(session, actor, year, fields.code)
    cf = CaseFile(organization_id=actor.organization_id, year=year, code=fields.code,
                  title=fields.title, retention_id=retention_id, retention_years=years,
                  creator_id=creator.id, department_id=creator.department_id,
                  kind=fields.kind or "general", rights=fields.rights or "open",
                  language=fields.language or "Tiếng Việt", start_date=fields.start_date,
                  end_date=fields.end_date, settlement_date=fields.settlement_date,
                  description=fields.description or None, status=FILE_OPEN, version=1)
    session.add(cf)
    session.flush()
    _audit(session, actor, "casefile_open", cf, outside_list=True, creator_id=creator.id)
    _commit(session)
    return cf


# --- documents in the file -------------------------------------------------------------------

def _renumber(items: list[CaseFileItem]) -> None:
    for n, item in enumerate(items, 1):
        item.ordinal = n


def add_document(session: Session, actor: Actor, file_id: int, document_id: int,
                 version: int | None = None) -> CaseFileItem:
    """Put a document the actor may see into an open file, as the next ordinal; commits.

    The document is referenced, never copied; the same document may be in other
    files. Adding it twice to the same file is refused.
    """
    cf = get_file(session, actor, file_id)
    _refuse_frozen(cf)
    doc = access.get_visible(session, actor, document_id)
    cf = _for_change(session, actor, file_id, version)
    present = next((i for i in cf.items if i.document_id == doc.id), None)
    if present is not None:
        session.rollback()
        raise Conflict(Msg(f"Văn bản này đã có trong hồ sơ (số thứ tự {present.ordinal}).",
                           f"This document is already in the file (no. {present.ordinal})."))
    ordinal = max((i.ordinal for i in cf.items), default=0) + 1
    item = CaseFileItem(document_id=doc.id, ordinal=ordinal, added_by_id=actor.staff_id)
    cf.items.append(item)
    session.flush()
    _audit(session, actor, "casefile_add", cf, document_id=doc.id, ordinal=ordinal)
    _commit(session)
    return item


def remove_document(session: Session, actor: Actor, file_id: int, document_id: int,
                    version: int | None = None) -> None:
    """Take a document out of an open file (the document itself is untouched); the
    remaining ordinals close up; commits."""
    cf = _for_change(session, actor, file_id, version)
    item = next((i for i in cf.items if i.document_id == document_id), None)
    if item is None:
        session.rollback()
        raise NotFound(Msg("Văn bản này không có trong hồ sơ.",
                           "This document is not in the file."))
    cf.items.remove(item)
    _renumber(sorted(cf.items, key=lambda i: i.ordinal))
    session.flush()
    _audit(session, actor, "casefile_remove", cf, document_id=document_id,
           ordinal=item.ordinal)
    _commit(session)


EDITABLE = ("title", "code", "kind", "rights", "language", "description", "start_date",
            "end_date", "settlement_date")


def _apply_fields(session: Session, actor: Actor, cf: CaseFile, fields: FileFields) -> dict:
    """Set the given fields; returns {field: [old, new]} of what changed."""
    changed = {}
    if fields.code and fields.code != cf.code:
        _check_code_free(session, actor, cf.year, fields.code, own_id=cf.id)
    if fields.retention is not None:
        retention_id, years = _resolve_retention(session, fields.retention)
        for name, value in (("retention_id", retention_id), ("retention_years", years)):
            if getattr(cf, name) != value:
                changed[name] = [getattr(cf, name), value]
                setattr(cf, name, value)
    for name in EDITABLE:
        value = getattr(fields, name)
        if value is None:
            continue
        value = value or None if name in ("description",) else value
        if getattr(cf, name) != value:
            changed[name] = [getattr(cf, name), value]
            setattr(cf, name, value)
    if cf.end_date and cf.start_date and cf.end_date < cf.start_date:
        msg = Msg("Ngày kết thúc trước ngày bắt đầu.", "The end date is before the start date.")
        raise InvalidInput(msg, {"end_date": msg})
    return changed


def edit_file(session: Session, actor: Actor, file_id: int, raw: dict,
              version: int | None) -> CaseFile:
    """Change the metadata of an open file (title and code stay required); commits."""
    fields = parse_fields({k: v for k, v in raw.items() if k in EDITABLE or
                           k in ("retention", "retention_id")}, required=())
    for name in ("title", "code"):
        if name in raw and not getattr(fields, name):
            msg = Msg("Không được để trống.", "This field is required.")
            raise InvalidInput(Msg("Hồ sơ chưa hợp lệ: thiếu tiêu đề hoặc số hồ sơ.",
                                   "The file is not valid: title or code missing."),
                               {name: msg})
    cf = _for_change(session, actor, file_id, version)
    try:
        changed = _apply_fields(session, actor, cf, fields)
    except InvalidInput:
        session.rollback()
        raise
    session.flush()
    _audit(session, actor, "casefile_edit", cf, changed=changed)
    _commit(session)
    return cf


# --- closing -------------------------------------------------------------------------------

@dataclass
class CloseReport:
    """What closing did, to tell the person who closed the file."""

    case_file: CaseFile
    duplicates: list[dict] = field(default_factory=list)   # removed: same document twice
    drafts: list[dict] = field(default_factory=list)       # removed: unissued drafts
    filled: dict = field(default_factory=dict)             # metadata filled automatically
    kept_retain_until: bool = False                        # an earlier, later date was kept


def label(doc: Document) -> str:
    """A document as a person names it: its number (or số đến) and subject."""
    code = ex.code_of(doc) or (f"số đến {doc.arrival_number}" if doc.arrival_number else "")
    subject = doc.subject if len(doc.subject) <= 80 else doc.subject[:79] + "…"
    return f"{code} — {subject}" if code else subject


def _same_bytes_key(doc: Document) -> str | None:
    main = next((f for f in doc.files if f.role == "main"), None)
    return main.sha256 if main else None


def _drop_drafts(cf: CaseFile) -> list[dict]:
    removed = []
    for item in [i for i in cf.items if ex.is_unissued_draft(i.document)]:
        cf.items.remove(item)
        removed.append({"document_id": item.document_id, "label": label(item.document)})
    return removed


def _drop_duplicates(cf: CaseFile) -> list[dict]:
    """The same document registered twice (same số + ký hiệu + cơ quan ban hành, or the
    same main file): keep the one registered first."""
    seen: dict[str, Document] = {}
    removed = []
    for item in sorted(cf.items, key=lambda i: i.document_id):
        doc = item.document
        keys = [k for k in (doc.dup_key and f"k:{doc.dup_key}",
                            _same_bytes_key(doc) and f"b:{_same_bytes_key(doc)}") if k]
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            cf.items.remove(item)
            removed.append({"document_id": doc.id, "label": label(doc),
                            "duplicate_of": first.id, "duplicate_of_label": label(first)})
            continue
        for k in keys:
            seen[k] = doc
    return removed


def _fill_metadata(cf: CaseFile, end_date: date | None) -> dict:
    """End date (latest document unless given), totals; returns what was filled."""
    filled = {}
    docs = [i.document for i in cf.items]
    if end_date is None:
        end_date = max(ex.document_date(d) for d in docs)
        filled["end_date"] = end_date.isoformat()
    if end_date < cf.start_date:
        msg = Msg("Ngày kết thúc trước ngày bắt đầu hồ sơ.",
                  "The end date is before the file's start date.")
        raise InvalidInput(msg, {"end_date": msg})
    cf.end_date = end_date
    cf.doc_total = len(docs)
    cf.page_total = sum(p.pages for p in ex.parts_of(list(cf.items)))
    filled.update(doc_total=cf.doc_total, page_total=cf.page_total)
    return filled


def _dates(cf: CaseFile, rule: str) -> bool:
    """Transfer due date and retain-until; retain-until never shrinks here (an earlier,
    longer date stays: shortening needs a recorded decision). True if one was kept."""
    cf.transfer_due = filing_rules.transfer_due(cf.kind, cf.end_date, cf.settlement_date, rule)
    until = filing_rules.retain_until(cf.end_date, cf.retention_years)
    if cf.retain_until is not None and until is not None and until < cf.retain_until:
        return True
    cf.retain_until = until
    return False


def _close_fields(raw: dict) -> FileFields:
    fields = parse_fields({k: raw.get(k) for k in ("retention", "retention_id", "end_date",
                                                   "settlement_date") if k in raw})
    if str(raw.get("retention_checked") or "").lower() not in ("1", "on", "true", "yes"):
        msg = Msg("Hãy kiểm tra lại thời hạn bảo quản rồi đánh dấu xác nhận trước khi đóng "
                  "hồ sơ.", "Re-check the retention period and confirm it before closing.")
        raise InvalidInput(msg, {"retention_checked": msg})
    return fields


def close_file(session: Session, actor: Actor, file_id: int, raw: dict, version: int | None,
               rule: str = filing_rules.RULE_DECREE_30) -> CloseReport:
    """Close an open file when its work has ended (D30 Điều 29); commits.

    ``raw``: ``retention_checked`` (required), optionally a corrected retention,
    ``end_date`` (else the latest document's date) and ``settlement_date``
    (construction files). ``rule``: the agency's transfer rule
    (``filing_rules.TRANSFER_RULES``).
    """
    if rule not in filing_rules.TRANSFER_RULES:
        raise ValueError(f"unknown transfer rule {rule!r}")
    fields = _close_fields(raw)
    cf = _for_change(session, actor, file_id, version)
    try:
        report_ = _close(session, actor, cf, fields, rule)
    except InvalidInput:
        session.rollback()
        raise
    _commit(session)
    return report_


def _close(session: Session, actor: Actor, cf: CaseFile, fields: FileFields,
           rule: str) -> CloseReport:
    if fields.retention is not None:
        cf.retention_id, cf.retention_years = _resolve_retention(session, fields.retention)
    if fields.settlement_date is not None:
        cf.settlement_date = fields.settlement_date
    out = CloseReport(cf, drafts=_drop_drafts(cf), duplicates=_drop_duplicates(cf))
    if not cf.items:
        msg = Msg("Hồ sơ không còn văn bản nào (sau khi loại bản trùng và dự thảo); "
                  "chưa đóng được.",
                  "The file holds no documents (after removing duplicates and drafts); "
                  "it cannot be closed.")
        raise InvalidInput(msg, {"items": msg})
    _renumber(sorted(cf.items, key=lambda i: ex.chronological_key(i.document)))
    out.filled = _fill_metadata(cf, fields.end_date)
    out.kept_retain_until = _dates(cf, rule)
    cf.status, cf.closed_at, cf.closed_by_id = FILE_CLOSED, utcnow(), actor.staff_id
    session.flush()
    _audit(session, actor, "casefile_close", cf, removed_duplicates=out.duplicates,
           removed_drafts=out.drafts, filled=out.filled, rule=rule,
           retention_years=cf.retention_years, transfer_due=cf.transfer_due,
           retain_until=cf.retain_until, kept_retain_until=out.kept_retain_until)
    return out


def reopen_file(session: Session, actor: Actor, file_id: int, version: int | None,
                reason: str | None = None) -> CaseFile:
    """Reopen a closed file (not transferred): its creator or an archivist; commits.
    The transfer due date is cleared (the work goes on); retain-until stays."""
    cf = get_file(session, actor, file_id)
    _refuse_frozen(cf)
    if not (cf.creator_id == actor.staff_id or actor.has(*REOPEN_ROLES)):
        raise PermissionDenied(Msg("Chỉ người lập hồ sơ hoặc lưu trữ được mở lại hồ sơ.",
                                   "Only the file's creator or an archivist may reopen it."))
    reason = " ".join((reason or "").split())[:500] or None
    cf = _for_change(session, actor, file_id, version, status=None)
    if cf.status != FILE_CLOSED:
        session.rollback()
        raise Conflict(Msg("Hồ sơ đang mở.", "The file is already open."))
    cf.status, cf.closed_at, cf.closed_by_id = FILE_OPEN, None, None
    cf.transfer_due, cf.reminded_at = None, None
    _audit(session, actor, "casefile_reopen", cf, reason=reason)
    _commit(session)
    return cf


# --- exports -------------------------------------------------------------------------------

@dataclass
class Export:
    filename: str
    media_type: str
    data: bytes


def _for_export(session: Session, actor: Actor, file_id: int) -> CaseFile:
    """A file the actor may see whole: every document in it visible to him, and,
    once it is in the archive, the archive's rule for using it (a restricted
    file needs the archivist or a granted request, even for its creator)."""
    cf = get_file(session, actor, file_id)
    if cf.status == FILE_TRANSFERRED:
        from workflows import archive_access
        if not archive_access.permission(session, actor, cf).allowed:
            raise PermissionDenied(archive_access.NO_ACCESS)
    hidden = len(cf.items) - len(visible_document_ids(session, actor, cf))
    if hidden:
        raise PermissionDenied(Msg(
            f"Hồ sơ có {hidden} văn bản bạn không được xem; không xuất được toàn bộ hồ sơ.",
            f"The file holds {hidden} document(s) you may not see; it cannot be exported."))
    return cf


def _needs_content(cf: CaseFile) -> None:
    if cf.status == FILE_DISPOSED:
        raise Conflict(Msg("Hồ sơ đã hủy: chỉ còn thông tin mô tả, không còn nội dung.",
                           "The file was disposed of: only its metadata remains."))


def _record_export(session: Session, actor: Actor, cf: CaseFile, fmt: str) -> None:
    """Audit the export; an archived file's use also goes into the sổ sử dụng bản lưu."""
    _audit(session, actor, "casefile_export", cf, format=fmt)
    if cf.status == FILE_TRANSFERRED:
        from workflows import archive_access
        archive_access.log_use(session, actor, cf, "export", notes=fmt)
    session.commit()


def _base_name(cf: CaseFile) -> str:
    return safe_name(f"ho-so-{cf.year}-{cf.code}")


def _org(session: Session, cf: CaseFile) -> Organization:
    return session.get(Organization, cf.organization_id)


def _read_parts(storage: BlobStorage, parts: list[ex.Part]) -> None:
    """Read each part's PDFs and count their real pages (the index quotes them)."""
    from io import BytesIO

    from pypdf import PdfReader
    for part in parts:
        part.data = [storage.get(ex.rendition_digest(f)) for f in part.files]
        part.pages = sum(len(PdfReader(BytesIO(d)).pages) for d in part.data)


def export_pdf(session: Session, actor: Actor, storage: BlobStorage, file_id: int,
               generated_at: datetime) -> Export:
    """The whole file as one PDF: the index, then the documents in order; audited."""
    cf = _for_export(session, actor, file_id)
    _needs_content(cf)
    org = _org(session, cf)
    parts = ex.parts_of(list(cf.items))
    _read_parts(storage, parts)
    index = report.index_pdf(ex.index_header(cf, org, parts), ex.index_rows(parts, org),
                             actor, generated_at)
    data = ex.merged_pdf(index, parts, f"Hồ sơ {cf.code}/{cf.year} — {cf.title}")
    _record_export(session, actor, cf, "pdf")
    return Export(f"{_base_name(cf)}.pdf", "application/pdf", data)


def _traces(session: Session, cf: CaseFile) -> dict[int, list]:
    ids = [i.document_id for i in cf.items]
    out: dict[int, list] = {}
    if ids:
        for note in session.scalars(select(ProcessingNote).where(
                ProcessingNote.document_id.in_(ids)).order_by(ProcessingNote.at,
                                                               ProcessingNote.id)):
            out.setdefault(note.document_id, []).append(note)
    return out


def _metadata(session: Session, cf: CaseFile, placed: dict | None = None) -> bytes:
    creator = session.get(Staff, cf.creator_id)
    return ex.metadata_xml(cf, _org(session, cf), creator.full_name if creator else "",
                           list(cf.items), _traces(session, cf), placed)


def export_xml(session: Session, actor: Actor, file_id: int) -> Export:
    """The file's metadata and its documents' metadata as XML; audited."""
    cf = _for_export(session, actor, file_id)
    data = _metadata(session, cf)
    _record_export(session, actor, cf, "xml")
    return Export(f"{_base_name(cf)}.xml", "application/xml", data)


def export_index(session: Session, actor: Actor, file_id: int, fmt: str,
                 generated_at: datetime) -> Export:
    """Mục lục văn bản trong hồ sơ as PDF or XLSX (pages from the recorded counts)."""
    if fmt not in ("pdf", "xlsx"):
        raise InvalidInput(Msg("Định dạng không hỗ trợ.", "Unsupported format."))
    cf = _for_export(session, actor, file_id)
    org = _org(session, cf)
    parts = ex.parts_of(list(cf.items))
    build = report.index_pdf if fmt == "pdf" else report.index_xlsx
    data = build(ex.index_header(cf, org, parts), ex.index_rows(parts, org), actor,
                 generated_at)
    _record_export(session, actor, cf, f"index_{fmt}")
    media = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Export(f"muc-luc-{_base_name(cf)}.{fmt}", media, data)


def _bag_payload(session: Session, storage: BlobStorage,
                 cf: CaseFile) -> tuple[list[BagFile], dict[int, dict]]:
    """Originals and done PDF/A copies of every file; where each went (for the XML)."""
    files, placed = [], {}
    for item in sorted(cf.items, key=lambda i: i.ordinal):
        for f in ex.exported_files(item.document):
            stem = f"{item.ordinal:03d}-{f.position:02d}-{safe_name(f.name)}"
            where = {"original": f"data/originals/{stem}"}
            files.append(BagFile(f"originals/{stem}", storage.get(f.sha256)))
            copy = _pdfa_copy(session, f)
            if copy is not None and copy.status == "done" and copy.pdfa_sha256:
                pdfa = f"{stem.rsplit('.', 1)[0]}.pdfa.pdf"
                files.append(BagFile(f"pdfa/{pdfa}", storage.get(copy.pdfa_sha256)))
                where.update(pdfa=f"data/pdfa/{pdfa}", pdfaStatus="done")
            else:
                where["pdfaStatus"] = "missing" if copy is None else copy.status
            placed[f.id] = where
    return files, placed


def _pdfa_copy(session: Session, f: DocumentFile) -> PreservationCopy | None:
    for digest in dict.fromkeys(d for d in (f.pdf_sha256, f.sha256) if d):
        copy = session.get(PreservationCopy, digest)
        if copy is not None:
            return copy
    return None


def export_bag(session: Session, actor: Actor, storage: BlobStorage, file_id: int,
               generated_at: datetime) -> Export:
    """A BagIt package of the file (originals, PDF/A copies, metadata.xml) as a zip;
    for transfer to the historical archive; audited."""
    cf = _for_export(session, actor, file_id)
    _needs_content(cf)
    org = _org(session, cf)
    files, placed = _bag_payload(session, storage, cf)
    files.append(BagFile("metadata.xml", _metadata(session, cf, placed)))
    missing = sum(1 for p in placed.values() if p.get("pdfaStatus") != "done")
    info = {"Source-Organization": org.name, "Organization-Identifier": org.organ_id or "",
            "External-Identifier": f"{org.organ_id or org.abbreviation}.{cf.year}.{cf.code}",
            "External-Description": cf.title, "File-Code": cf.code,
            "File-Catalog": str(cf.year), "Bag-Group-Identifier": f"{cf.year}",
            "Contact-Name": actor.full_name or actor.username,
            "Bag-Software-Agent": "eOffice",
            "Packaged-At": generated_at.isoformat(timespec="seconds"),
            "PDFA-Copies-Missing": str(missing)}
    data = build_bag_zip(_base_name(cf), files, info)
    _record_export(session, actor, cf, "bagit")
    return Export(f"{_base_name(cf)}-bagit.zip", "application/zip", data)
