"""Outgoing documents (văn bản đi): drafts, versions, approvals (DOMAIN §2.9).

A specialist creates a draft (upload a PDF or DOCX, or let the system lay out
the first page from the metadata); every change is a new version, never an
overwrite. Each version is a PDF prepared for signing: the number, the date
and both signature fields (leader, agency) are added BEFORE anyone signs,
because a field added after the leader's certification signature would void
it (STACK §2 pitfall 3). Approvals (content by the department head, form by
the office, signature by the leader) are recorded on the version they were
given on; a newer version makes them void, and signing requires both
approvals on the version being signed.

Signing, numbering and the agency signature are in ``workflows.issuing``.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import access, audit, directory, registers
from archive.errors import Conflict, FileRejected, InvalidInput, Msg, NotFound, PermissionDenied
from archive.identity import Actor
from archive.inspection import Limits, inspect_upload
from archive.models import (Department, Document, DocumentFile, DocumentType,
                            DraftApproval, DraftVersion, Organization, OutgoingDocument, Staff,
                            Task)
from archive.storage import BlobStorage, sha256_hex, store
from archive.text import fold
from workflows import amendments
from workflows.incoming import Upload, discard_unreferenced, vn_today
from workflows.outgoing_form import DraftForm, parse_draft
from workflows.routing import Routing, can_work
from workflows.route_forms import StepInput

OUTGOING = "outgoing_document"
DRAFTER_ROLES = ("specialist", "department_head", "office_head", "leader")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_READY = Msg("Phiên bản dự thảo chưa sẵn sàng (đang chuyển đổi hoặc chuyển đổi lỗi).",
                "The draft version is not ready (still converting, or conversion failed).")


# --- reading -----------------------------------------------------------------------

def get_outgoing(session: Session, actor: Actor, document_id: int) -> OutgoingDocument:
    doc = access.get_visible(session, actor, document_id)
    out = session.get(OutgoingDocument, doc.id)
    if out is None:
        raise NotFound(Msg("Không phải văn bản đi.", "Not an outgoing document."))
    return out


def versions(session: Session, document_id: int) -> list[DraftVersion]:
    return list(session.scalars(select(DraftVersion).where(
        DraftVersion.document_id == document_id).order_by(DraftVersion.number.desc())))


def approvals(session: Session, document_id: int) -> list[DraftApproval]:
    return list(session.scalars(select(DraftApproval).where(
        DraftApproval.document_id == document_id).order_by(DraftApproval.id)))


def current_approvals(session: Session, out: OutgoingDocument) -> dict[str, DraftApproval]:
    """Approvals that still count: given on the current version."""
    rows = session.scalars(select(DraftApproval).where(
        DraftApproval.document_id == out.document_id,
        DraftApproval.version_id == out.current_version_id).order_by(DraftApproval.id))
    return {a.kind: a for a in rows}


def replies_to(session: Session, actor: Actor, document_id: int) -> list[Document]:
    """Outgoing documents answering an incoming one (both pages show the link)."""
    return list(session.scalars(
        select(Document).join(OutgoingDocument, OutgoingDocument.document_id == Document.id)
        .where(OutgoingDocument.reply_to_id == document_id, access.visibility_clause(actor))
        .order_by(Document.id)))


def open_task(session: Session, document_id: int, form: str | None = None) -> Task | None:
    stmt = select(Task).where(Task.document_id == document_id, Task.status == "ready")
    if form:
        stmt = stmt.where(Task.form == form)
    return session.scalar(stmt.order_by(Task.id.desc()).limit(1))


# --- creating a draft -----------------------------------------------------------------

@dataclass
class DraftInputs:
    """Collaborators of draft creation, built by the web layer."""

    storage: BlobStorage
    limits: Limits
    routing: Routing
    convert_later: "callable | None" = None  # enqueue(version_id) for a DOCX; None = now


def _check_drafter(actor: Actor) -> None:
    if not actor.has(*DRAFTER_ROLES):
        raise PermissionDenied(Msg("Bạn không có quyền soạn văn bản đi.",
                                   "You may not draft outgoing documents."))


def _doc_type(session: Session, code: str) -> DocumentType:
    found = session.get(DocumentType, code)
    if found is None:
        msg = Msg("Loại văn bản không có trong danh mục.", "Unknown document type.")
        raise InvalidInput(msg, {"document_type": msg})
    return found


def _signer(session: Session, actor: Actor, signer_id: int | None) -> Staff | None:
    if signer_id is None:
        return None
    person = directory.active_with_role(session, actor.organization_id, signer_id, "leader")
    if person is None:
        msg = Msg("Người ký phải là lãnh đạo của cơ quan.", "The signer must be a leader.")
        raise InvalidInput(msg, {"signer_id": msg})
    return person


def _reply_target(session: Session, actor: Actor, reply_to_id: int | None) -> Document | None:
    if reply_to_id is None:
        return None
    try:
        target = access.get_visible(session, actor, reply_to_id)
    except NotFound:
        target = None
    if target is None or target.direction != "incoming":
        msg = Msg("Văn bản được trả lời phải là văn bản đến bạn được xem.",
                  "The document replied to must be an incoming document you may see.")
        raise InvalidInput(msg, {"reply_to_id": msg})
    return target


def create_draft(session: Session, actor: Actor, inputs: DraftInputs, raw: dict,
                 upload: Upload | None, annexes: list[Upload] | tuple = ()) -> Document:
    """Create an outgoing draft with its first version and start its route; commits.

    ``upload``: the draft file (PDF or DOCX); without one, ``generate`` in
    ``raw`` asks the system to lay out the first page from the metadata.
    """
    _check_drafter(actor)
    form = parse_draft(raw)
    doc_type = _doc_type(session, form.document_type)
    signer = _signer(session, actor, form.signer_id)
    reply_to = _reply_target(session, actor, form.reply_to_id)
    amends = None if form.amends_id is None else amendments.check_target(
        session, actor, form.amends_id, form.amend_kind, doc_type.code, form.amend_reason)
    if upload is None and form.generate and signer is None:
        msg = Msg("Chọn người ký: hệ thống cần tên người ký để tạo khối chữ ký.",
                  "Choose the signer: the signature block needs the signer's name.")
        raise InvalidInput(msg, {"signer_id": msg})
    if upload is None and not form.generate:
        msg = Msg("Chọn tệp dự thảo (PDF hoặc DOCX) hoặc để hệ thống tạo văn bản.",
                  "Choose a draft file (PDF or DOCX) or let the system lay it out.")
        raise InvalidInput(msg, {"file": msg})
    prepared = _prepare_source(session, actor, inputs, form, doc_type, signer, upload)
    checked = [inspect_upload(a.name, a.data, inputs.limits, "annexes") for a in annexes]
    created: list[str] = []
    try:
        year = vn_today().year
        reg = registers.get_or_create_default(session, actor.organization_id, "outgoing", year,
                                              form.confidentiality != "normal")
        doc = Document(
            organization_id=actor.organization_id, direction="outgoing", register_id=reg.id,
            document_type=doc_type.code, subject=form.subject,
            subject_folded=fold(form.subject), urgency=form.urgency,
            confidentiality=form.confidentiality, recipients=form.recipients,
            signer_name=signer.full_name if signer else None,
            signer_position=form.signer_position or (signer.position_title if signer else None),
            channel="exchange", status="draft", created_by_id=actor.staff_id)
        session.add(doc)
        session.flush()
        out = OutgoingDocument(
            document_id=doc.id, department_id=actor.department_id, drafter_id=actor.staff_id,
            authority=form.authority, authority_of=form.authority_of,
            signer_id=signer.id if signer else None,
            reply_to_id=reply_to.id if reply_to else None,
            archive_units=form.archive_units or _default_units(session, actor),
            body=form.body)
        session.add(out)
        session.flush()
        version, created = _store_version(session, inputs.storage, actor, out, prepared,
                                          note="Bản dự thảo đầu tiên")
        created += _store_annexes(session, inputs.storage, doc, checked)
        access.grant(session, doc.id, actor.staff_id, reason="drafted")
        if amends is not None:
            amendments.record_draft(session, actor, doc, amends, form.amend_kind,
                                    form.amend_reason)
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="draft", object_type="document", object_id=doc.id,
                     details={"version": version.number, "source": version.source,
                              "reply_to": out.reply_to_id})
        inputs.routing.start(session, actor, doc, OUTGOING, data={
            "drafter_id": actor.staff_id, "department_id": actor.department_id,
            "signer_id": out.signer_id})
        session.commit()
    except BaseException:
        session.rollback()
        discard_unreferenced(session, inputs.storage, created)
        raise
    _after_commit(inputs, version)
    return doc


def _default_units(session: Session, actor: Actor) -> str:
    dept = session.get(Department, actor.department_id) if actor.department_id else None
    return f"VT, {dept.abbreviation}" if dept else "VT"


# --- versions --------------------------------------------------------------------------

@dataclass
class PreparedSource:
    """A draft file checked and, when it is a PDF, prepared for signing."""

    source: str          # pdf | docx | generated
    name: str
    source_bytes: bytes
    pdf: bytes | None    # None while a DOCX waits for conversion
    layout: dict | None
    layout_report: dict | None
    page_count: int | None


def _prepare_source(session: Session, actor: Actor, inputs: DraftInputs, form: DraftForm | None,
                    doc_type: DocumentType | None, signer: Staff | None,
                    upload: Upload | None, out: OutgoingDocument | None = None) -> PreparedSource:
    if upload is None:
        pdf, layout = _skeleton(session, actor, form, doc_type, signer, out)
        return _prepared_pdf("generated", "du-thao.pdf", pdf, pdf, signer, layout=layout)
    name = (upload.name or "du-thao").rsplit("/", 1)[-1]
    if _is_docx(name, upload.data):
        if len(upload.data) > inputs.limits.max_bytes:
            raise FileRejected(Msg(f"Tệp “{name}” quá lớn.", f"File “{name}” is too large."),
                               {"file": Msg("Tệp quá lớn.", "File too large.")})
        return PreparedSource("docx", name, upload.data, None, None, None, None)
    inspected = inspect_upload(name, upload.data, inputs.limits, "file")
    if inspected.media_type != "application/pdf":
        msg = Msg("Dự thảo phải là tệp PDF hoặc DOCX.", "A draft must be a PDF or DOCX file.")
        raise InvalidInput(msg, {"file": msg})
    return _prepared_pdf("pdf", name, upload.data, upload.data, signer)


def _prepared_pdf(source: str, name: str, source_bytes: bytes, pdf: bytes,
                  signer: Staff | None, layout=None) -> PreparedSource:
    """Find where the fields go and add them (refusing signed or broken PDFs)."""
    from signing import fields
    from signing import model as sm
    from workflows import document_layout
    try:
        if layout is None:
            layout, report = document_layout.detect_layout_with_report(
                pdf, signer.full_name if signer else None)
        else:
            report = {k: "generated" for k in ("number", "date", "leader", "seal")}
        prepared = fields.prepare_fields(pdf, layout)
    except sm.SigningError as exc:
        msg = Msg(f"Tệp “{name}”: {exc.vi}", f"File “{name}”: {exc.en}")
        raise FileRejected(msg, {"file": msg}) from None
    from pypdf import PdfReader
    pages = len(PdfReader(BytesIO(prepared)).pages)
    return PreparedSource(source, name, source_bytes, prepared, layout.as_dict(), report, pages)


def _is_docx(name: str, data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    if name.lower().endswith(".docx"):
        return True
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _skeleton(session: Session, actor: Actor, form: DraftForm | None,
              doc_type: DocumentType | None, signer: Staff | None,
              out: OutgoingDocument | None):
    """Lay out the document from its metadata (DOMAIN §2.17): PDF and field boxes."""
    from workflows import document_layout
    org = session.get(Organization, actor.organization_id)
    dept = session.get(Department, actor.department_id) if actor.department_id else None
    if out is not None and form is None:
        doc = out.document
        doc_type = session.get(DocumentType, doc.document_type)
        signer = out.signer
        form = DraftForm(subject=doc.subject, document_type=doc.document_type,
                         urgency=doc.urgency, confidentiality=doc.confidentiality,
                         recipients=doc.recipients, authority=out.authority,
                         authority_of=out.authority_of, signer_position=doc.signer_position,
                         archive_units=out.archive_units, body=out.body, generate=True)
    notation = build_notation(doc_type, org.abbreviation, dept.abbreviation if dept else "")
    inp = document_layout.SkeletonInput(
        parent_body=(org.parent_name or "").upper(), issuing_body=org.name.upper(),
        type_name=doc_type.name, type_abbrev=doc_type.abbreviation, notation=notation,
        place=org.place_name or "", year=vn_today().year, subject=form.subject,
        body=form.body or "", authority=(f"{form.authority} {form.authority_of}".strip()
                                         if form.authority else ""),
        signer_title=(form.signer_position or (signer.position_title if signer else "")
                      or "").upper(),
        signer_name=signer.full_name if signer else "",
        recipients=[r for r in (form.recipients or "").splitlines() if r.strip()],
        archive_units=form.archive_units or _default_units(session, actor),
        urgency={"urgent": "KHẨN", "very_urgent": "THƯỢNG KHẨN", "flash": "HỎA TỐC"}.get(
            form.urgency, ""),
        secrecy={"confidential": "MẬT", "secret": "TỐI MẬT", "top_secret": "TUYỆT MẬT"}.get(
            form.confidentiality, ""))
    return document_layout.generate_skeleton(inp)


def build_notation(doc_type: DocumentType, agency_abbrev: str, unit_abbrev: str) -> str:
    """Ký hiệu per DOMAIN §2.4: "QĐ-UBND", "QyĐ-SVHTTDL"; a công văn (no type
    abbreviation) uses the agency and the drafting unit: "UBND-VX"."""
    if doc_type.abbreviation:
        return f"{doc_type.abbreviation}-{agency_abbrev}"
    return f"{agency_abbrev}-{unit_abbrev}" if unit_abbrev else agency_abbrev


def _store_version(session: Session, storage: BlobStorage, actor: Actor,
                   out: OutgoingDocument, prepared: PreparedSource,
                   note: str | None) -> tuple[DraftVersion, list[str]]:
    created = []
    for data in filter(None, {prepared.source_bytes, prepared.pdf}):
        digest, new = store(session, storage, data)
        if new:
            created.append(digest)
    number = (session.scalar(select(func.max(DraftVersion.number)).where(
        DraftVersion.document_id == out.document_id)) or 0) + 1
    version = DraftVersion(
        document_id=out.document_id, number=number, source=prepared.source, name=prepared.name,
        source_sha256=sha256_hex(prepared.source_bytes),
        pdf_sha256=sha256_hex(prepared.pdf) if prepared.pdf else None,
        layout=prepared.layout, layout_report=prepared.layout_report,
        page_count=prepared.page_count,
        status="ready" if prepared.pdf else "converting", note=note,
        created_by_id=actor.staff_id)
    session.add(version)
    session.flush()
    out.current_version_id = version.id
    if prepared.page_count:
        out.document.page_count = prepared.page_count
    return version, created


def _store_annexes(session: Session, storage: BlobStorage, doc: Document,
                   checked: list) -> list[str]:
    """Appendices kept as files of the draft (role ``draft_annex``)."""
    created = []
    for pos, f in enumerate(checked):
        for data in {f.data, f.pdf}:
            digest, new = store(session, storage, data)
            if new:
                created.append(digest)
        doc.files.append(DocumentFile(
            role="draft_annex", position=pos, name=f.name, media_type=f.media_type,
            sha256=sha256_hex(f.data), size=len(f.data), page_count=f.page_count,
            pdf_sha256=sha256_hex(f.pdf)))
    session.flush()
    return created


def _after_commit(inputs: DraftInputs, version: DraftVersion) -> None:
    if version.status == "converting" and inputs.convert_later is not None:
        inputs.convert_later(version.id)


def may_edit(session: Session, actor: Actor, out: OutgoingDocument) -> bool:
    """The drafter, or whoever holds the document's current task, until it is signed."""
    if out.document.status != "draft":
        return False
    if actor.staff_id == out.drafter_id:
        return True
    task = open_task(session, out.document_id)
    return task is not None and can_work(actor, task)


def add_version(session: Session, actor: Actor, inputs: DraftInputs, document_id: int,
                upload: Upload | None, note: str | None = None,
                expected_version_id: int | None = None) -> DraftVersion:
    """A new version of the draft (upload, or re-generate from the metadata); commits.

    Every approval given on an earlier version becomes void. Refused once the
    leader has signed. ``expected_version_id`` (the version the editor saw)
    catches a stale form: someone else added a version meanwhile.
    """
    out = get_outgoing(session, actor, document_id)
    if not may_edit(session, actor, out):
        raise PermissionDenied(Msg(
            "Chỉ người soạn thảo hoặc người đang xử lý được sửa dự thảo, và chỉ trước khi ký.",
            "Only the drafter or the person handling it may change the draft, before signing."))
    if expected_version_id is not None and expected_version_id != out.current_version_id:
        raise Conflict(Msg("Dự thảo đã có phiên bản mới hơn; hãy tải lại trang.",
                           "The draft has a newer version; reload the page."))
    if note and len(note) > 1000:
        msg = Msg("Ghi chú quá dài (tối đa 1000 ký tự).", "Note too long (max 1000).")
        raise InvalidInput(msg, {"note": msg})
    prepared = _prepare_source(session, actor, inputs, None, None, out.signer, upload, out)
    created: list[str] = []
    try:
        from workflows.routing import lock_instance
        instance_id = _instance_id(session, out.document_id)
        if instance_id:
            lock_instance(session, instance_id)  # one writer per document
        session.refresh(out)
        if out.document.status != "draft":
            raise Conflict(Msg("Văn bản đã được ký; không thể sửa dự thảo.",
                               "The document has been signed; the draft can't change."))
        version, created = _store_version(session, inputs.storage, actor, out, prepared, note)
        voided = session.scalar(select(func.count(DraftApproval.id)).where(
            DraftApproval.document_id == out.document_id,
            DraftApproval.version_id != version.id)) or 0
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="draft_version", object_type="document", object_id=out.document_id,
                     details={"version": version.number, "source": version.source,
                              "approvals_voided": voided})
        session.commit()
    except BaseException:
        session.rollback()
        discard_unreferenced(session, inputs.storage, created)
        raise
    _after_commit(inputs, version)
    return version


def _instance_id(session: Session, document_id: int) -> int | None:
    from archive.models import ProcessInstance
    return session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.document_id == document_id).order_by(ProcessInstance.id.desc()).limit(1))


def convert_version(session: Session, storage: BlobStorage, version_id: int) -> DraftVersion:
    """The DOCX → PDF job (LibreOffice headless): prepares the fields; commits.

    Idempotent: a version already converted is left alone. A failure is
    recorded on the version (the drafter sees it and uploads again).
    """
    from workflows import document_layout
    version = session.get(DraftVersion, version_id)
    if version is None or version.status != "converting":
        return version
    out = session.get(OutgoingDocument, version.document_id)
    try:
        pdf = document_layout.docx_to_pdf(storage.get(version.source_sha256))
        prepared = _prepared_pdf("docx", version.name, b"", pdf, out.signer)
    except document_layout.ConversionFailed as exc:
        version.status, version.error = "failed", exc.vi[:500]
        session.commit()
        return version
    except FileRejected as exc:
        version.status, version.error = "failed", exc.message.vi[:500]
        session.commit()
        return version
    digest, _new = store(session, storage, prepared.pdf)
    version.pdf_sha256, version.status = digest, "ready"
    version.layout, version.layout_report = prepared.layout, prepared.layout_report
    version.page_count = prepared.page_count
    if out.current_version_id == version.id:
        out.document.page_count = prepared.page_count
    audit.record(session, actor_id=None, actor_name="system", action="draft_converted",
                 object_type="document", object_id=version.document_id,
                 details={"version": version.number})
    session.commit()
    return version


# --- step guards (installed on the routing service) ---------------------------------------

def _current_ready(session: Session, task: Task) -> tuple[OutgoingDocument, DraftVersion]:
    out = session.get(OutgoingDocument, task.document_id)
    version = session.get(DraftVersion, out.current_version_id) if out else None
    if version is None or version.status != "ready":
        raise InvalidInput(NOT_READY)
    return out, version


def _approve(session: Session, task: Task, actor: Actor, version: DraftVersion,
             kind: str) -> None:
    session.add(DraftApproval(document_id=task.document_id, version_id=version.id, kind=kind,
                              staff_id=actor.staff_id, task_id=task.id))


def _guard_submit(session: Session, task: Task, step: StepInput, actor: Actor) -> None:
    _current_ready(session, task)
    out = session.get(OutgoingDocument, task.document_id)
    if "signer_id" in step.data:
        out.signer_id = step.data["signer_id"]
        signer = session.get(Staff, out.signer_id)
        out.document.signer_name = signer.full_name


def _guard_content(session: Session, task: Task, step: StepInput, actor: Actor) -> None:
    if step.decision == "approve":
        _out, version = _current_ready(session, task)
        _approve(session, task, actor, version, "content")


def _guard_form(session: Session, task: Task, step: StepInput, actor: Actor) -> None:
    if step.decision != "approve":
        return
    out, version = _current_ready(session, task)
    if "content" not in current_approvals(session, out):
        raise Conflict(CHANGED_AFTER_APPROVAL)
    _approve(session, task, actor, version, "form")


CHANGED_AFTER_APPROVAL = Msg(
    "Dự thảo đã thay đổi sau khi được duyệt: phê duyệt cũ hết hiệu lực. Hãy trả lại để "
    "duyệt lại phiên bản mới.",
    "The draft changed after it was approved; the approvals are void. Send it back for "
    "review of the new version.")


def _guard_sign(session: Session, task: Task, step: StepInput, actor: Actor) -> None:
    if step.decision != "sign":
        return
    out = session.get(OutgoingDocument, task.document_id)
    if not out.signed_sha256 or out.signed_version_id != out.current_version_id:
        raise InvalidInput(Msg("Văn bản chưa được ký số: dùng nút “Ký số”.",
                               "The document is not signed yet: use “Sign”."))


def _guard_issue(session: Session, task: Task, step: StepInput, actor: Actor) -> None:
    out = session.get(OutgoingDocument, task.document_id)
    if step.decision == "issue" and not out.issued_sha256:
        raise InvalidInput(Msg("Văn bản chưa được cấp số và ký số cơ quan: dùng nút “Cấp số "
                               "và ký số cơ quan”.",
                               "Not issued yet: use “Issue and seal”."))
    if step.decision == "return":
        if out.issued_sha256:
            raise Conflict(Msg("Văn bản đã được cấp số, không thể trả lại.",
                               "Already issued; it can't be sent back."))
        # the signature is kept in the records; the draft goes back to drafting
        out.document.status = "draft"
        out.signed_sha256 = out.signed_version_id = out.signed_at = None


def _guard_dispatch(session: Session, task: Task, step: StepInput, actor: Actor) -> None:
    out = session.get(OutgoingDocument, task.document_id)
    from archive.db import utcnow
    out.dispatched_at = utcnow()
    out.document.status = "dispatched"


def install(routing: Routing) -> None:
    """Register the outgoing step guards on the routing service."""
    routing.step_guards.update({
        "draft": _guard_submit, "content_review": _guard_content, "form_review": _guard_form,
        "sign": _guard_sign, "issue": _guard_issue, "dispatch": _guard_dispatch})


# --- listing ------------------------------------------------------------------------------

def list_outgoing(session: Session, actor: Actor, scope: str = "all", page: int = 1,
                  per_page: int = 30, year: int | None = None):
    """Outgoing documents the actor may see: drafts in progress or the register."""
    stmt = (select(Document).where(Document.direction == "outgoing",
                                   access.visibility_clause(actor)))
    if scope == "issued":
        stmt = stmt.where(Document.arrival_number.is_not(None))
        if year:
            stmt = stmt.where(func.extract("year", Document.arrival_date) == year)
        order = (Document.arrival_date.desc(), Document.arrival_number.desc())
    elif scope == "drafts":
        stmt = stmt.where(Document.arrival_number.is_(None))
        order = (Document.id.desc(),)
    else:
        order = (Document.id.desc(),)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(*order).limit(per_page)
                                .offset((page - 1) * per_page)))
    return rows, total


# --- files of a draft, and the state of listed drafts (read-only) ---------------------------

NO_FILE = Msg("Không tìm thấy tệp.", "File not found.")


def open_version(session: Session, actor: Actor, storage: BlobStorage, document_id: int,
                 version_id: int, source: bool = False) -> tuple[DraftVersion, bytes]:
    """The prepared PDF (or, with ``source``, the file the drafter gave) of a version."""
    out = get_outgoing(session, actor, document_id)
    version = session.get(DraftVersion, version_id)
    if version is None or version.document_id != out.document_id:
        raise NotFound(NO_FILE)
    digest = version.source_sha256 if source else version.pdf_sha256
    if not digest:
        raise NotFound(Msg("Phiên bản này chưa có bản PDF.", "This version has no PDF yet."))
    return version, storage.get(digest)


def open_signed(session: Session, actor: Actor, storage: BlobStorage,
                document_id: int) -> tuple[OutgoingDocument, bytes]:
    """The PDF the leader signed (before the number, the date and the seal)."""
    out = get_outgoing(session, actor, document_id)
    if not out.signed_sha256:
        raise NotFound(Msg("Văn bản chưa được ký.", "The document is not signed yet."))
    return out, storage.get(out.signed_sha256)


@dataclass
class RowState:
    out: OutgoingDocument | None
    task: Task | None


def row_states(session: Session, document_ids: list[int]) -> dict[int, RowState]:
    """The outgoing record and the current step of each listed document (two queries)."""
    if not document_ids:
        return {}
    outs = {o.document_id: o for o in session.scalars(select(OutgoingDocument).where(
        OutgoingDocument.document_id.in_(document_ids)))}
    tasks: dict[int, Task] = {}
    for t in session.scalars(select(Task).where(Task.document_id.in_(document_ids),
                                                Task.status == "ready").order_by(Task.id)):
        tasks[t.document_id] = t  # the latest ready step
    return {i: RowState(outs.get(i), tasks.get(i)) for i in document_ids}
