"""Signing and issuing outgoing documents (DOMAIN §2.5, §2.8, §2.14, §7).

Order of work, enforced here and by the diagram [V, Điều 32.2.d]: the leader
signs the approved version (a certification signature that permits form
filling); only then does the văn thư take the number and date — written into
the fields prepared before the leader signed, so the leader's signature stays
valid — and apply the agency's signature in the seal field prepared next to
the leader's. Attachments in separate files get the agency signature with no
image and a size-10 line at the top right of page 1.

Each action completes the route's task in the same transaction as it stores
its result: the signature or number exists exactly when the step is done. The
number is taken inside that transaction; if sealing fails, the rollback gives
the number back (gap-free numbering).
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import access, audit, registers
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.identity import Actor
from archive.models import (Department, Document, DocumentFile, DocumentType,
                            DraftApproval, DraftVersion, Organization, OutgoingDocument,
                            PendingSignature, Register, SignatureRecord, SigningCredential, Task)
from archive.storage import BlobStorage, store
from archive.text import squash
from signing import model as sm
from workflows import amendments, exchange_out, outgoing
from workflows.incoming import vn_today
from workflows.routing import Routing, can_work
from workflows.signing_service import (Signed, SigningService, chain_der,
                                       refused)

VN_TZ = timezone(timedelta(hours=7))
CHANGED_WHILE_SIGNING = Msg(
    "Dự thảo đã thay đổi trong lúc bạn ký: chữ ký chưa được thực hiện. Hãy xem lại phiên bản "
    "mới.",
    "The draft changed while you were signing; nothing was signed. Review the new version.")


@dataclass
class SigningInputs:
    storage: BlobStorage
    routing: Routing
    signing: SigningService


# --- helpers ---------------------------------------------------------------------------

def _task(session: Session, actor: Actor, document_id: int, form: str,
          vi: str, en: str) -> tuple[OutgoingDocument, Task]:
    out = outgoing.get_outgoing(session, actor, document_id)
    task = outgoing.open_task(session, document_id, form)
    if task is None or not can_work(actor, task):
        raise PermissionDenied(Msg(vi, en))
    return out, task


def _signable(session: Session, out: OutgoingDocument,
              version_id: int | None) -> DraftVersion:
    if version_id is not None and version_id != out.current_version_id:
        raise Conflict(CHANGED_WHILE_SIGNING)
    version = session.get(DraftVersion, out.current_version_id)
    if version is None or version.status != "ready":
        raise InvalidInput(outgoing.NOT_READY)
    have = outgoing.current_approvals(session, out)
    if "content" not in have or "form" not in have:
        raise Conflict(outgoing.CHANGED_AFTER_APPROVAL)
    return version


def _vn(moment: datetime) -> datetime:
    return moment.astimezone(VN_TZ)


def leader_appearance(session: Session, storage: BlobStorage, cred: SigningCredential,
                      name: str, moment: datetime) -> sm.Appearance:
    """The leader's blue signature image when one is on file, else a text stamp."""
    image = storage.get(cred.image_sha256) if cred.image_sha256 else None
    lines = () if image else (f"Ký bởi: {name}", f"Ngày ký: {_vn(moment):%d/%m/%Y %H:%M}")
    return sm.Appearance(image=image, lines=lines)


def _record(session: Session, *, doc: Document, kind: str, actor: Actor,
            cred: SigningCredential, signed: Signed, input_sha: str, output_sha: str,
            version_id: int | None = None, file_id: int | None = None,
            now: datetime) -> SignatureRecord:
    rec = SignatureRecord(
        document_id=doc.id, version_id=version_id, file_id=file_id, kind=kind,
        staff_id=actor.staff_id, credential_id=cred.id, source=cred.source,
        level=signed.level, requested_level=signed.requested_level,
        fallback_reason=signed.fallback_reason, subject=cred.subject[:300],
        input_sha256=input_sha, output_sha256=output_sha, signed_at=now)
    session.add(rec)
    return rec


# --- the leader's signature -------------------------------------------------------------

NOT_YOURS_TO_SIGN = ("Văn bản này không chờ bạn ký.", "This document is not waiting for your "
                     "signature.")


def sign_outgoing(session: Session, actor: Actor, inputs: SigningInputs, document_id: int,
                  pin: str | None, version_id: int | None = None,
                  note: str | None = None) -> Document:
    """The leader approves and signs the current version with one action and a PIN; commits.

    Refused, with nothing changed: another version than the one shown
    (``version_id``), approvals void, wrong PIN (counted, then locked),
    expired or revoked certificate, TSA down (unless the fallback is set).
    """
    out, task = _task(session, actor, document_id, "sign", *NOT_YOURS_TO_SIGN)
    version = _signable(session, out, version_id)
    svc = inputs.signing
    cred = svc.personal_credential(session, actor.organization_id, actor.staff_id)
    pdf = inputs.storage.get(version.pdf_sha256)
    now = svc.clock()
    appearance = leader_appearance(session, inputs.storage, cred, actor.full_name, now)
    from signing import pades
    with svc.open_key(cred, pin, lambda: svc.count_wrong_pin(session, cred.id)) as key:
        vc = svc.validation_context()  # sign_leader refuses an expired/revoked certificate
        signed = svc.sign_at_level("leader", lambda level, ts: pades.sign_leader(
            pdf, key.signer, appearance, level, ts, vc))
    return _complete_sign(session, actor, inputs, out, task, version, cred, signed, note, now)


def _complete_sign(session: Session, actor: Actor, inputs: SigningInputs,
                   out: OutgoingDocument, task: Task, version: DraftVersion,
                   cred: SigningCredential, signed: Signed, note: str | None,
                   now: datetime) -> Document:
    """Store the leader's signature and complete the sign task, or change nothing."""
    def attach(session: Session, doc: Document) -> list[int]:
        session.refresh(out)
        if out.current_version_id != version.id:  # changed while the key was busy
            raise Conflict(CHANGED_WHILE_SIGNING)
        digest = store(session, inputs.storage, signed.data)[0]
        out.signed_sha256, out.signed_version_id, out.signed_at = digest, version.id, now
        doc.signer_name = actor.full_name
        session.add(DraftApproval(document_id=doc.id, version_id=version.id, kind="sign",
                                  staff_id=actor.staff_id, task_id=task.id))
        _record(session, doc=doc, kind="leader", actor=actor, cred=cred, signed=signed,
                input_sha=version.pdf_sha256, output_sha=digest, version_id=version.id, now=now)
        SigningService.reset_attempts(session.get(SigningCredential, cred.id))
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="sign", object_type="document", object_id=doc.id,
                     details={"version": version.number, "level": signed.level,
                              "source": cred.source, "fallback": signed.fallback_reason})
        return []
    inputs.routing.complete(session, actor, task.id, {"decision": "sign", "note": note or ""},
                            attach=attach)
    return out.document


# --- external signer (browser Web Crypto, token plugin, remote signing) -----------------------

def prepare_external(session: Session, actor: Actor, inputs: SigningInputs, document_id: int,
                     version_id: int | None = None) -> dict:
    """Prepare the PDF and hand back the bytes the caller's own key must sign; commits.

    The private key never reaches the server: the browser (or a plugin, or a
    remote-signing service) signs ``data_to_sign`` with RSASSA-PKCS1-v1_5 /
    SHA-256 and sends the value to ``finish_external``.
    """
    from signing import keys
    out, task = _task(session, actor, document_id, "sign", *NOT_YOURS_TO_SIGN)
    version = _signable(session, out, version_id)
    svc = inputs.signing
    cred = svc.personal_credential(session, actor.organization_id, actor.staff_id)
    if cred.source != "external":
        raise InvalidInput(Msg("Khóa ký số của bạn do máy chủ quản lý: ký bằng mã PIN.",
                               "Your key is held by the server: sign with your PIN."))
    svc.check_not_locked(cred)
    svc.check_certificate(cred)
    now = svc.clock()
    appearance = leader_appearance(session, inputs.storage, cred, actor.full_name, now)
    level = svc.level_for("leader")
    level = level if level in ("B-B", "B-T") else "B-T"
    try:
        prepared = keys.prepare_external(
            inputs.storage.get(version.pdf_sha256), cred.certificate, chain_der(cred),
            sm.FIELD_LEADER, appearance, level,
            svc.timestamper() if level != "B-B" else None, certify=True)
    except sm.SigningError as exc:
        raise refused(exc) from None
    pending = PendingSignature(
        id=secrets.token_urlsafe(24), document_id=out.document_id, version_id=version.id,
        staff_id=actor.staff_id, credential_id=cred.id, prepared=prepared.as_dict(),
        status="pending", created_at=now,
        expires_at=now + timedelta(minutes=svc.settings.external_ttl_minutes))
    session.add(pending)
    session.commit()
    return {"pending_id": pending.id, "version_id": version.id,
            "data_to_sign": base64.b64encode(prepared.data_to_sign).decode(),
            "algorithm": "RSASSA-PKCS1-v1_5/SHA-256",
            "certificate": base64.b64encode(cred.certificate).decode(),
            "expires_at": pending.expires_at.isoformat()}


def finish_external(session: Session, actor: Actor, inputs: SigningInputs, document_id: int,
                    pending_id: str, signature_b64: str, note: str | None = None) -> Document:
    """Embed the externally made signature value, validate it, complete the step; commits."""
    from signing import keys
    svc = inputs.signing
    pending = session.get(PendingSignature, str(pending_id or ""))
    if (pending is None or pending.staff_id != actor.staff_id
            or pending.document_id != document_id):
        raise NotFound(Msg("Không tìm thấy phiên ký.", "Signing session not found."))
    if pending.status != "pending" or pending.expires_at < svc.clock():
        raise Conflict(Msg("Phiên ký đã hết hạn hoặc đã dùng; hãy ký lại.",
                           "The signing session expired or was used; sign again."))
    try:
        value = base64.b64decode(signature_b64 or "", validate=True)
    except (ValueError, TypeError):
        value = b""
    if not value:
        msg = Msg("Thiếu giá trị chữ ký.", "The signature value is missing.")
        raise InvalidInput(msg, {"signature": msg})
    out, task = _task(session, actor, document_id, "sign", *NOT_YOURS_TO_SIGN)
    version = _signable(session, out, pending.version_id)
    cred = session.get(SigningCredential, pending.credential_id)
    prepared = keys.PreparedExternal.from_dict(pending.prepared)
    try:
        data = keys.finish_external(prepared, value, svc.timestamper()
                                    if prepared.level != "B-B" else None)
    except sm.SigningError as exc:
        raise refused(exc) from None
    pending.status = "done"
    signed = Signed(data, prepared.level, prepared.level)
    return _complete_sign(session, actor, inputs, out, task, version, cred, signed, note,
                          svc.clock())


# --- numbering and the agency signature ----------------------------------------------------

def pick_register(session: Session, organization_id: int, year: int, confidential: bool,
                  type_code: str | None, register_id: int | None = None) -> Register:
    """The outgoing register for the year: one listing the type, else the default."""
    if register_id is not None:
        reg = registers.get_register(session, organization_id, register_id)
        if reg.direction != "outgoing" or reg.year != year or reg.confidential != confidential:
            msg = Msg(f"Sổ này không dùng được cho văn bản đi năm {year} "
                      f"{'mật' if confidential else 'thường'}.",
                      f"This register is not for {year} outgoing "
                      f"{'confidential' if confidential else 'ordinary'} documents.")
            raise InvalidInput(msg, {"register_id": msg})
        return reg
    candidates = session.scalars(select(Register).where(
        Register.organization_id == organization_id, Register.direction == "outgoing",
        Register.year == year, Register.confidential == confidential)).all()
    for reg in candidates:
        if type_code and type_code in (reg.document_types or []):
            return reg
    return registers.get_or_create_default(session, organization_id, "outgoing", year,
                                           confidential)


def issue_outgoing(session: Session, actor: Actor, inputs: SigningInputs, document_id: int,
                   pin: str | None, issue_date: date | None = None,
                   register_id: int | None = None) -> Document:
    """The văn thư issues the number and date and applies the agency signature; commits.

    One action: number taken, fields filled, seal signature, attachments
    signed, task completed — or, on any error, nothing (the number is given back).
    """
    from signing import fields, pades
    from workflows import document_layout
    out, task = _task(session, actor, document_id, "issue",
                      "Chỉ văn thư đang giữ bước phát hành được cấp số.",
                      "Only the clerk holding the issuing step may issue.")
    if not out.signed_sha256:
        raise Conflict(Msg("Văn bản chưa có chữ ký của người có thẩm quyền.",
                           "The competent person has not signed yet."))
    issue_date = issue_date or vn_today()
    svc = inputs.signing
    cred = svc.agency_credential(session, actor.organization_id)
    doc = out.document
    org = session.get(Organization, doc.organization_id)
    dept = session.get(Department, out.department_id) if out.department_id else None
    doc_type = session.get(DocumentType, doc.document_type)
    notation = outgoing.build_notation(doc_type, org.abbreviation,
                                       dept.abbreviation if dept else "")
    signed_pdf = inputs.storage.get(out.signed_sha256)
    seal_png = inputs.storage.get(cred.image_sha256) if cred.image_sha256 else None
    drafts = [f for f in doc.files if f.role == "draft_annex"]
    now = svc.clock()

    with svc.open_key(cred, pin, lambda: svc.count_wrong_pin(session, cred.id)) as key:
        vc = svc.validation_context()  # sign_seal refuses an expired/revoked certificate

        def attach(session: Session, doc: Document) -> list[int]:
            reg = pick_register(session, doc.organization_id, issue_date.year,
                                doc.confidentiality != "normal", doc.document_type, register_id)
            number = registers.take_number(session, reg, issue_date)
            number_text = document_layout.format_number(number, notation)
            try:
                filled = fields.fill_fields(signed_pdf, {
                    sm.FIELD_NUMBER: document_layout.number_field_text(number_text),
                    sm.FIELD_DATE: document_layout.format_date_line(org.place_name or "",
                                                                    issue_date)})
            except sm.SigningError as exc:
                raise refused(exc) from None
            sealed = svc.sign_at_level("seal", lambda level, ts: pades.sign_seal(
                filled, key.signer, seal_png, level, ts, vc))
            main = _add_file(session, inputs.storage, doc, "main",
                             f"{squash(number_text).replace('/', '_')}.pdf", sealed.data)
            _record(session, doc=doc, kind="seal", actor=actor, cred=cred, signed=sealed,
                    input_sha=out.signed_sha256, output_sha=main.sha256, file_id=main.id,
                    now=now)
            ids = [main.id]
            for f in drafts:
                att = svc.sign_at_level("seal", lambda level, ts, f=f: pades.sign_attachment(
                    inputs.storage.get(f.pdf_sha256 or f.sha256), key.signer, number_text,
                    _vn(now), level, ts, vc))
                row = _add_file(session, inputs.storage, doc, "attachment", f.name, att.data)
                _record(session, doc=doc, kind="attachment", actor=actor, cred=cred,
                        signed=att, input_sha=f.sha256, output_sha=row.sha256, file_id=row.id,
                        now=now)
                ids.append(row.id)
            _mark_issued(doc, out, reg, number, notation, issue_date, main.sha256, now)
            SigningService.reset_attempts(session.get(SigningCredential, cred.id))
            audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                         action="issue", object_type="document", object_id=doc.id,
                         details={"register_id": reg.id, "number": number,
                                  "notation": notation, "date": issue_date.isoformat(),
                                  "level": sealed.level, "fallback": sealed.fallback_reason,
                                  "attachments": len(drafts)})
            amendments.apply_issued(session, actor, doc, now)
            exchange_out.queue_issued(session, inputs.storage, doc, now,
                                      _envelope_seal(key.signer))
            return ids

        inputs.routing.complete(session, actor, task.id, {"decision": "issue"}, attach=attach)
    return out.document


def _envelope_seal(signer) -> exchange_out.EnvelopeSeal:
    """The open agency key as the edXML envelope's signer (same key as the PDF seal)."""
    import asyncio
    return exchange_out.EnvelopeSeal(
        sign_raw=lambda data: asyncio.run(signer.async_sign_raw(data, "sha256")),
        certificate_der=signer.signing_cert.dump())


def _add_file(session: Session, storage: BlobStorage, doc: Document, role: str, name: str,
              data: bytes) -> DocumentFile:
    from pypdf import PdfReader
    from io import BytesIO
    digest = store(session, storage, data)[0]
    row = DocumentFile(role=role, position=len(doc.files), name=name,
                       media_type="application/pdf", sha256=digest, size=len(data),
                       page_count=len(PdfReader(BytesIO(data)).pages), pdf_sha256=digest)
    doc.files.append(row)
    session.flush()
    return row


def _mark_issued(doc: Document, out: OutgoingDocument, reg: Register, number: int,
                 notation: str, issue_date: date, sha: str, now: datetime) -> None:
    doc.register_id, doc.arrival_number, doc.arrival_date = reg.id, number, issue_date
    doc.code_number, doc.code_notation = f"{number:02d}", notation
    doc.issued_date, doc.status = issue_date, "issued"
    doc.code_folded = squash(f"{number:02d}/{notation}")[:60]
    out.issued_sha256, out.issued_at = sha, now


# --- validation reports ---------------------------------------------------------------------

def overall_status(reports: list[dict]) -> str:
    """One word for a file: none, valid, untrusted, modified or invalid (worst wins)."""
    if not reports:
        return "none"
    order = ["valid", "untrusted", "modified", "invalid"]
    return max((r.get("status", "invalid") for r in reports),
               key=lambda s: order.index(s) if s in order else len(order))


def validate_bytes(signing: SigningService, pdf: bytes) -> tuple[str, list[dict]]:
    """Validate every signature of a PDF (ours or anyone's) into JSON-ready reports."""
    from signing.validation import validate_pdf
    try:
        reports = [r.as_dict() for r in validate_pdf(pdf, signing.trust())]
    except sm.InvalidPdf as exc:
        return "invalid", [{"status": "invalid", "field": "", "signer": "",
                            "reasons": [exc.vi], "reasons_en": [exc.en]}]
    return overall_status(reports), reports


def signature_report(session: Session, actor: Actor, inputs: SigningInputs,
                     document_id: int) -> list[dict]:
    """Every signature in the document's PDFs, validated now (DESIGN: validated when shown)."""
    doc = access.get_visible(session, actor, document_id)
    items: list[tuple[str, str, str, int | None]] = []
    for f in doc.files:
        if f.media_type == "application/pdf" or f.pdf_sha256:
            items.append((f.name, f.role, f.pdf_sha256 or f.sha256, f.id))
    out = session.get(OutgoingDocument, doc.id)
    if out is not None and out.signed_sha256 and not out.issued_sha256:
        items.append(("Bản đã ký (chờ cấp số)", "signed_draft", out.signed_sha256, None))
    result = []
    for name, role, sha, file_id in items:
        status, reports = validate_bytes(inputs.signing, inputs.storage.get(sha))
        result.append({"file_id": file_id, "name": name, "role": role, "sha256": sha,
                       "status": status, "signatures": reports})
    return result
