"""Use cases of the incoming register: register a document, list, read, download.

Registration (Decree 30, Điều 22) runs in this order so that bad input changes
nothing: validate the fields, inspect every file in a sandboxed child
process, look for duplicates, write the blobs, and only then take the số đến,
insert the rows and append the audit entry in one short transaction. Any
error rolls the transaction back: the number is given back and blobs written
for this attempt alone are removed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive import access, audit, registers
from archive.errors import DuplicateSuspected, InvalidInput, Msg, NotFound
from archive.identity import Actor
from archive.inspection import InspectedFile, Limits, inspect_upload
from archive.models import (Blob, Document, DocumentFile, DocumentType, IdempotencyRecord,
                            Register)
from archive.storage import BlobStorage, sha256_hex, store
from workflows.incoming_form import IncomingForm, parse_form
from archive.text import fold, squash

__all__ = ["Upload", "IncomingForm", "Registration", "register_incoming", "find_duplicates", "vn_today",
           "IncomingQuery", "list_incoming", "view_document", "open_file", "parse_form"]

VN_TZ = timezone(timedelta(hours=7))


def vn_today() -> date:
    return datetime.now(VN_TZ).date()


@dataclass
class Upload:
    name: str
    data: bytes
    role: str = "main"  # main | attachment


def code_key(number: str | None, notation: str | None) -> str:
    """"15/QĐ-UBND" as searched: folded, no spaces ("15/qd-ubnd")."""
    return squash(f"{number or ''}/{notation or ''}").strip("/")[:60]


# --- duplicates ----------------------------------------------------------------

def duplicate_key(form_or_doc) -> str | None:
    """số + ký hiệu + cơ quan ban hành, folded (DOMAIN §2.15 1.h)."""
    number = squash(form_or_doc.code_number).lstrip("0")
    notation = squash(form_or_doc.code_notation)
    issuer = squash(form_or_doc.issuer_name)
    if not (number and notation and issuer):
        return None
    return f"{number}|{notation}|{issuer}"[:300]


def find_duplicates(session: Session, actor: Actor, key: str | None,
                    digests: list[str]) -> list[Document]:
    """Registered documents with the same key or the same file bytes."""
    conditions = []
    if key:
        conditions.append(Document.dup_key == key)
    if digests:
        same_bytes = select(DocumentFile.document_id).where(DocumentFile.sha256.in_(digests))
        conditions.append(Document.id.in_(same_bytes))
    if not conditions:
        return []
    stmt = (select(Document).where(access.visibility_clause(actor), or_(*conditions))
            .order_by(Document.id).limit(20))
    return list(session.scalars(stmt))


def _duplicate_error(dups: list[Document]) -> DuplicateSuspected:
    lines = ", ".join(f"số đến {d.arrival_number}/{d.arrival_date:%Y}" for d in dups[:5])
    lines_en = ", ".join(f"arrival no. {d.arrival_number}/{d.arrival_date:%Y}" for d in dups[:5])
    return DuplicateSuspected(
        Msg(f"Văn bản này có thể đã được vào sổ ({lines}). Kiểm tra lại; nếu đúng là văn bản "
            "khác, xác nhận để vẫn vào sổ.",
            f"This document may already be registered ({lines_en}). Check it; if it is a "
            "different document, confirm to register it anyway."),
        duplicates=[summary(d) for d in dups])


# --- registration ---------------------------------------------------------------

def _default_register(session: Session, actor: Actor, form: IncomingForm) -> Register:
    return registers.get_or_create_default(session, actor.organization_id, "incoming",
                                           form.arrival_date.year,
                                           form.confidentiality != "normal")


def _resolve_register(session: Session, actor: Actor, form: IncomingForm) -> Register | None:
    """The register chosen in the form, checked (read only); ``None`` = the default one.

    The default register may have to be created: that happens in the
    registering transaction (``_default_register``), never before the files
    are inspected, so a refused registration creates no register.
    """
    confidential = form.confidentiality != "normal"
    if form.register_id is None:
        return None
    reg = registers.get_register(session, actor.organization_id, form.register_id)
    problems = []
    if reg.direction != "incoming":
        problems.append(Msg("Đây không phải sổ văn bản đến.", "Not an incoming register."))
    elif reg.confidential != confidential:
        problems.append(Msg(
            "Văn bản mật phải vào sổ văn bản mật; văn bản thường không vào sổ mật.",
            "Confidential documents go into the confidential register and only there."))
    elif reg.year != form.arrival_date.year:
        problems.append(Msg(f"Sổ này dành cho năm {reg.year}, ngày đến thuộc năm "
                            f"{form.arrival_date.year}.",
                            f"This register is for {reg.year}; the arrival date is in "
                            f"{form.arrival_date.year}."))
    if problems:
        raise InvalidInput(problems[0], {"register_id": problems[0]})
    return reg


def _inspect_all(uploads: list[Upload], limits: Limits) -> list[tuple[Upload, InspectedFile]]:
    if not any(u.role == "main" for u in uploads):
        msg = Msg("Chưa có tệp văn bản chính (PDF hoặc ảnh quét).",
                  "The main file (PDF or scanned image) is missing.")
        raise InvalidInput(msg, {"files": msg})
    if sum(1 for u in uploads if u.role == "main") > 1:
        msg = Msg("Chỉ được có một tệp văn bản chính; các tệp khác là phụ lục.",
                  "Only one main file; other files are attachments.")
        raise InvalidInput(msg, {"files": msg})
    field_of = {"main": "main_file", "attachment": "attachments"}
    return [(u, inspect_upload(u.name, u.data, limits, field_of.get(u.role, "files")))
            for u in uploads]


def _check_type(session: Session, form: IncomingForm) -> None:
    if form.document_type and session.get(DocumentType, form.document_type) is None:
        msg = Msg("Loại văn bản không có trong danh mục.", "Unknown document type.")
        raise InvalidInput(msg, {"document_type": msg})


def _store_blobs(session: Session, storage: BlobStorage,
                 inspected: list[tuple[Upload, InspectedFile]]) -> list[str]:
    created = []
    for _u, f in inspected:
        for data in {f.data, f.pdf}:
            digest, new = store(session, storage, data)
            if new:
                created.append(digest)
    return created


def _new_document(actor: Actor, form: IncomingForm, reg: Register, number: int,
                  inspected) -> Document:
    main = next(f for u, f in inspected if u.role == "main")
    doc = Document(
        organization_id=actor.organization_id, direction="incoming", register_id=reg.id,
        arrival_number=number, arrival_date=form.arrival_date, code_number=form.code_number,
        code_notation=form.code_notation, issued_date=form.issued_date,
        issuer_name=form.issuer_name, issuer_organ_id=form.issuer_organ_id,
        document_type=form.document_type, subject=form.subject,
        signer_position=form.signer_position, signer_name=form.signer_name,
        page_count=form.page_count or main.page_count, urgency=form.urgency,
        confidentiality=form.confidentiality, due_date=form.due_date,
        recipients=form.recipients, channel=form.channel, notes=form.notes,
        status="registered", dup_key=duplicate_key(form), subject_folded=fold(form.subject),
        code_folded=code_key(form.code_number, form.code_notation),
        created_by_id=actor.staff_id)
    for pos, (u, f) in enumerate(inspected):
        doc.files.append(DocumentFile(
            role=u.role, position=pos, name=f.name, media_type=f.media_type,
            sha256=sha256_hex(f.data), size=len(f.data), page_count=f.page_count,
            pdf_sha256=sha256_hex(f.pdf)))
    return doc


@dataclass
class Registration:
    document: Document
    duplicates: list[Document]
    replayed: bool = False  # an earlier request with the same idempotency key did it


def _replay(session: Session, actor: Actor, key: str | None) -> Registration | None:
    if not key:
        return None
    rec = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.staff_id == actor.staff_id, IdempotencyRecord.key == key))
    if rec is None:
        return None
    return Registration(session.get(Document, rec.body["document_id"]), [], replayed=True)


def register_incoming(session: Session, actor: Actor, storage: BlobStorage, limits: Limits,
                      raw: dict, uploads: list[Upload], *, confirm_duplicate: bool = False,
                      today: date | None = None,
                      idempotency_key: str | None = None,
                      routing=None, validate=None) -> Registration:
    """Register an incoming document with its files and commit.

    With an ``idempotency_key`` already used by this person, nothing new is
    created and the first registration is returned. With ``routing`` (a
    ``workflows.routing.Routing``) the document's route starts in the same
    transaction: a registered document always has its route. With
    ``validate`` (``bytes -> (status, reports)``) every PDF's signatures are
    validated before the transaction and the result is recorded on its file.

    Raises:
        PermissionDenied, InvalidInput, FileRejected, NotFound (register),
        DuplicateSuspected (unless ``confirm_duplicate``).
    """
    access.require_clerk(actor)
    idempotency_key = (idempotency_key or "").strip()[:200] or None
    earlier = _replay(session, actor, idempotency_key)
    if earlier:
        return earlier
    form = parse_form(raw, today or vn_today())
    _check_type(session, form)
    reg = _resolve_register(session, actor, form)
    inspected = _inspect_all(uploads, limits)
    dups = find_duplicates(session, actor, duplicate_key(form),
                           [sha256_hex(f.data) for _u, f in inspected])
    if dups and not confirm_duplicate:
        session.rollback()
        raise _duplicate_error(dups)
    checks = {id(f): validate(f.pdf) for _u, f in inspected
              if validate is not None and not f.converted}
    created: list[str] = []
    try:
        created = _store_blobs(session, storage, inspected)
        reg = reg or _default_register(session, actor, form)
        number = registers.take_number(session, reg, form.arrival_date)
        doc = _new_document(actor, form, reg, number, inspected)
        for (_u, f), row in zip(inspected, doc.files):
            if id(f) in checks:
                row.signature_status, row.signature_report = checks[id(f)]
        session.add(doc)
        session.flush()
        if actor.staff_id is not None:
            access.grant(session, doc.id, actor.staff_id, reason="registered")
        if idempotency_key:
            session.add(IdempotencyRecord(staff_id=actor.staff_id, key=idempotency_key,
                                          status_code=201, body={"document_id": doc.id}))
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="register", object_type="document", object_id=doc.id,
                     details={"register_id": reg.id, "arrival_number": number,
                              "files": [f.name for _u, f in inspected],
                              "duplicates_confirmed": [d.id for d in dups]})
        if routing is not None:
            routing.start(session, actor, doc)
        session.commit()
    except IntegrityError:
        session.rollback()
        discard_unreferenced(session, storage, created)
        earlier = _replay(session, actor, idempotency_key)
        if earlier:  # the same key won a race a moment ago
            return earlier
        raise
    except BaseException:
        session.rollback()
        discard_unreferenced(session, storage, created)
        raise
    return Registration(doc, dups)


def attach_files(session: Session, storage: BlobStorage, limits: Limits, doc: Document,
                 uploads: list[Upload], role: str = "handling") -> list[int]:
    """Inspect and add files to a registered document (e.g. a handler's result);
    the caller commits. A refused file raises before anything is added."""
    inspected = [(u, inspect_upload(u.name, u.data, limits, "files")) for u in uploads]
    _store_blobs(session, storage, inspected)
    start = len(doc.files)
    added = []
    for pos, (_u, f) in enumerate(inspected):
        file = DocumentFile(role=role, position=start + pos, name=f.name,
                            media_type=f.media_type, sha256=sha256_hex(f.data), size=len(f.data),
                            page_count=f.page_count, pdf_sha256=sha256_hex(f.pdf))
        doc.files.append(file)
        added.append(file)
    session.flush()
    return [f.id for f in added]


def discard_unreferenced(session: Session, storage: BlobStorage, digests: list[str]) -> None:
    for digest in digests:
        try:
            still_used = session.get(Blob, digest) is not None
            session.rollback()
        except Exception:  # the database is gone: keep the bytes, the checker reports them
            continue
        if not still_used:
            storage.discard(digest)


# --- reading ------------------------------------------------------------------

@dataclass
class IncomingQuery:
    year: int | None = None
    register_id: int | None = None
    q: str | None = None
    status: str | None = None
    urgency: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-arrival"
    page: int = 1
    per_page: int = 50
    extra: dict = field(default_factory=dict)


SORTS = {
    "arrival": (Document.arrival_date, Document.arrival_number),
    "issued": (Document.issued_date, Document.id),
    "urgency": (Document.urgency, Document.id),
    "subject": (Document.subject_folded, Document.id),
    "due": (Document.due_date, Document.id),
}


def _filtered(actor: Actor, query: IncomingQuery):
    stmt = select(Document).where(Document.direction == "incoming",
                                  access.visibility_clause(actor))
    if query.register_id:
        stmt = stmt.where(Document.register_id == query.register_id)
    if query.year:
        stmt = stmt.where(Document.arrival_date >= date(query.year, 1, 1),
                          Document.arrival_date <= date(query.year, 12, 31))
    if query.status:
        stmt = stmt.where(Document.status == query.status)
    if query.urgency:
        stmt = stmt.where(Document.urgency == query.urgency)
    if query.date_from:
        stmt = stmt.where(Document.arrival_date >= query.date_from)
    if query.date_to:
        stmt = stmt.where(Document.arrival_date <= query.date_to)
    if query.q and query.q.strip():
        needle = f"%{_like_literal(fold(query.q.strip()))}%"
        code = f"%{_like_literal(squash(query.q))}%"
        stmt = stmt.where(or_(Document.subject_folded.like(needle, escape="\\"),
                              Document.code_folded.like(code, escape="\\")))
    return stmt


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern: "%" and "_" typed in a search are plain characters."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_incoming(session: Session, actor: Actor, query: IncomingQuery
                  ) -> tuple[list[Document], int]:
    """One page of the incoming register the actor may see, and the total."""
    stmt = _filtered(actor, query)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    key = query.sort.lstrip("-")
    columns = SORTS.get(key, SORTS["arrival"])
    desc = query.sort.startswith("-") or key not in SORTS
    order = [c.desc() if desc else c.asc() for c in columns]
    page = max(1, query.page)
    items = list(session.scalars(stmt.order_by(*order).offset((page - 1) * query.per_page)
                                 .limit(query.per_page)))
    return items, total


def view_document(session: Session, actor: Actor, document_id: int) -> Document:
    """The document, if visible; the view is recorded in the audit log."""
    doc = access.get_visible(session, actor, document_id)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="view",
                 object_type="document", object_id=doc.id)
    session.commit()
    return doc


def open_file(session: Session, actor: Actor, storage: BlobStorage, document_id: int,
              file_id: int, rendition: bool = False) -> tuple[DocumentFile, bytes]:
    """Bytes of a document's file (original, or the PDF rendition); audited."""
    doc = access.get_visible(session, actor, document_id)
    file = next((f for f in doc.files if f.id == file_id), None)
    if file is None:
        raise NotFound(Msg("Không tìm thấy tệp.", "File not found."))
    digest = file.pdf_sha256 if rendition else file.sha256
    data = storage.get(digest)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="view_file" if rendition else "download", object_type="document",
                 object_id=doc.id, details={"file_id": file.id, "sha256": digest})
    session.commit()
    return file, data


def history(session: Session, document_id: int):
    from archive.models import AuditEntry
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "document", AuditEntry.object_id == str(document_id))
        .order_by(AuditEntry.seq)))


def summary(doc: Document) -> dict:
    return {"id": doc.id, "arrival_number": doc.arrival_number,
            "arrival_date": doc.arrival_date.isoformat() if doc.arrival_date else None,
            "code_number": doc.code_number, "code_notation": doc.code_notation,
            "issuer_name": doc.issuer_name, "subject": doc.subject}
