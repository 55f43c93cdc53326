"""Replacing or correcting an issued document (DOMAIN §2.9, D30 Điều 18).

A content error after issue is cured by a new document *of the same form*
that replaces the earlier one; a format, layout or procedure error by a
*công văn* of correction (đính chính). The sender drafts the new document
naming the earlier one (``check_target`` / ``record_draft``, from the draft
form); when it is issued (``apply_issued``, in the issuing transaction) a
replaced document becomes ``replaced`` — frozen, never deleted, its metadata
and history kept — and the exchange sends the new one with BussinessDocType
3 (replace) or 2 (update) naming the earlier DocumentId. The receiver, on
registering it, links it to its own copy (``link_received``) and a replaced
copy stops being handled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import access, audit
from archive.amendment_models import AMENDMENT_KINDS, DocumentAmendment
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound
from archive.exchange_models import OutgoingRecipient
from archive.identity import Actor
from archive.models import Document, OutgoingDocument
from workflows.routing import FINAL_STATUSES, stop_route

__all__ = [
    "AMENDMENT_KINDS", "BUSSINESS_TYPE", "CORRECTION_TYPE", "KIND_BY_BUSSINESS_TYPE",
    "Link", "amended_by", "amendment_of", "apply_issued", "check_target", "draft_defaults",
    "label", "link_received", "panel", "record_draft",
]

# Đính chính is made by công văn [V, D30 Điều 18]; the code of that type here.
CORRECTION_TYPE = "CV"
# edXML BussinessDocType of each kind ([B] codes, exchange/codes.py).
BUSSINESS_TYPE = {"replace": "3", "correct": "2"}
KIND_BY_BUSSINESS_TYPE = {v: k for k, v in BUSSINESS_TYPE.items()}


def label(doc: Document) -> str:
    """How a clerk names a document: "12/QĐ-UBND ngày 05/11/2026" or its subject."""
    if doc.code_number:
        code = f"{doc.code_number}/{doc.code_notation}" if doc.code_notation else doc.code_number
        day = f" ngày {doc.issued_date:%d/%m/%Y}" if doc.issued_date else ""
        return f"{code}{day}"
    return doc.subject


def _field_error(vi: str, en: str, name: str = "amends_id") -> InvalidInput:
    msg = Msg(vi, en)
    return InvalidInput(msg, {name: msg})


def check_target(session: Session, actor: Actor, target_id: int, kind: str,
                 document_type: str, reason: str) -> Document:
    """The issued outgoing document a new draft replaces or corrects, or InvalidInput.

    It must be ours and visible to the drafter, issued, and neither recalled
    nor already replaced; a replacement has the same form (type) as it, a
    correction is a công văn.
    """
    if kind not in AMENDMENT_KINDS:
        raise _field_error("Chọn thay thế hoặc đính chính.", "Choose replace or correct.",
                           "amend_kind")
    if not (reason or "").strip():
        raise _field_error("Ghi lý do thay thế hoặc đính chính.",
                           "Give the reason for the replacement or correction.", "amend_reason")
    try:
        target = access.get_visible(session, actor, target_id)
    except NotFound:
        target = None
    out = session.get(OutgoingDocument, target_id) if target is not None else None
    if out is None or out.issued_at is None:
        raise _field_error("Văn bản được thay thế hoặc đính chính phải là văn bản đi đã ban hành.",
                           "The document replaced or corrected must be an issued outgoing "
                           "document.")
    if target.status in FINAL_STATUSES:
        raise _field_error("Văn bản này đã bị thu hồi hoặc đã được thay thế.",
                           "This document was already recalled or replaced.")
    if kind == "replace" and document_type != target.document_type:
        raise _field_error("Văn bản thay thế phải cùng hình thức (loại văn bản) với văn bản bị "
                           "thay thế.", "A replacement has the same type as the document it "
                           "replaces.", "document_type")
    if kind == "correct" and document_type != CORRECTION_TYPE:
        raise _field_error("Đính chính văn bản bằng công văn (loại CV).",
                           "A correction is made by công văn (type CV).", "document_type")
    return target


def record_draft(session: Session, actor: Actor, doc: Document, target: Document, kind: str,
                 reason: str) -> DocumentAmendment:
    """Link a new draft to what it will replace or correct; the caller commits.

    The draft starts with the electronic recipients of the earlier document,
    who hold the copy the new one cures (the drafter may change them).
    """
    row = DocumentAmendment(organization_id=doc.organization_id, document_id=doc.id,
                            target_id=target.id, kind=kind, reason=reason.strip()[:500],
                            state="draft", created_by_id=actor.staff_id)
    session.add(row)
    for rec in session.scalars(select(OutgoingRecipient).where(
            OutgoingRecipient.document_id == target.id).order_by(OutgoingRecipient.id)):
        session.add(OutgoingRecipient(document_id=doc.id, organ_id=rec.organ_id,
                                      organ_name=rec.organ_name))
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action=f"amend_{kind}", object_type="document", object_id=doc.id,
                 details={"target": target.id, "reason": reason})
    return row


def amendment_of(session: Session, document_id: int) -> DocumentAmendment | None:
    """What this document replaces or corrects, if anything."""
    return session.scalar(select(DocumentAmendment).where(
        DocumentAmendment.document_id == document_id))


def amended_by(session: Session, document_id: int) -> list[DocumentAmendment]:
    """The issued (or registered) documents that replace or correct this one."""
    return list(session.scalars(select(DocumentAmendment).where(
        DocumentAmendment.target_id == document_id, DocumentAmendment.state == "applied")
        .order_by(DocumentAmendment.applied_at, DocumentAmendment.id)))


def _apply(session: Session, row: DocumentAmendment, actor_id: int | None, actor_name: str,
           now: datetime) -> None:
    """Mark the link applied; a replaced document is frozen and its route stopped."""
    target = session.get(Document, row.target_id)
    if target.status in FINAL_STATUSES:
        raise Conflict(Msg(f"Văn bản {label(target)} đã bị thu hồi hoặc đã được thay thế.",
                           f"Document {label(target)} was already recalled or replaced."))
    row.state, row.applied_at = "applied", now
    new = session.get(Document, row.document_id)
    if row.kind == "replace":
        previous, target.status = target.status, "replaced"
        if target.direction == "incoming":
            stop_route(session, target.id, f"Đã được thay thế bằng văn bản {label(new)}.", now,
                       "Văn bản bị thay thế")
        audit.record(session, actor_id=actor_id, actor_name=actor_name, action="replaced",
                     object_type="document", object_id=target.id,
                     details={"from": previous, "by": new.id, "reason": row.reason})
    else:
        audit.record(session, actor_id=actor_id, actor_name=actor_name, action="corrected",
                     object_type="document", object_id=target.id,
                     details={"by": new.id, "reason": row.reason})


def apply_issued(session: Session, actor: Actor, doc: Document,
                 now: datetime | None = None) -> DocumentAmendment | None:
    """At issue: the earlier document is now replaced (or corrected); caller commits.

    Raises Conflict when it was recalled or replaced meanwhile, so the issue
    rolls back (its number is given back) rather than replace twice.
    """
    row = amendment_of(session, doc.id)
    if row is None or row.state == "applied":
        return row
    _apply(session, row, actor.staff_id, actor.username, now or utcnow())
    return row


def link_received(session: Session, doc: Document, target: Document, kind: str, reason: str,
                  now: datetime) -> DocumentAmendment:
    """On the receiver: a registered replacement or correction names our earlier copy.

    The caller commits (it is the registration's transaction).
    """
    row = DocumentAmendment(organization_id=doc.organization_id, document_id=doc.id,
                            target_id=target.id, kind=kind, reason=(reason or "")[:500],
                            state="draft")
    session.add(row)
    session.flush()
    _apply(session, row, None, "exchange", now)
    return row


# --- what the pages show -------------------------------------------------------------

@dataclass(frozen=True)
class Link:
    """One end of an amendment as a page shows it."""

    kind: str              # replace | correct
    role: str              # "of": this document amends it; "by": it amends this one
    document_id: int
    direction: str         # incoming | outgoing
    label: str
    subject: str
    visible: bool          # the reader may open it
    reason: str
    applied: bool


def panel(session: Session, actor: Actor, document_id: int) -> list[Link]:
    """What this document replaces or corrects, then what replaces or corrects it."""
    rows = [("of", r, r.target) for r in filter(None, [amendment_of(session, document_id)])]
    rows += [("by", r, r.document) for r in amended_by(session, document_id)]
    return [Link(kind=r.kind, role=role, document_id=other.id, direction=other.direction,
                 label=label(other), subject=other.subject,
                 visible=access.can_view(session, actor, other), reason=r.reason,
                 applied=r.state == "applied")
            for role, r, other in rows]


def draft_defaults(session: Session, actor: Actor, target_id: int | None,
                   kind: str) -> dict | None:
    """Prefilled draft fields for replacing or correcting ``target_id``; None if it can't be.

    A replacement starts as a copy of the earlier document's metadata (the
    same form); a correction is a công văn about it.
    """
    if target_id is None or kind not in AMENDMENT_KINDS:
        return None
    try:
        target = access.get_visible(session, actor, target_id)
    except NotFound:
        return None
    out = session.get(OutgoingDocument, target_id)
    if out is None or out.issued_at is None or target.status in FINAL_STATUSES:
        return None
    values = {"amends_id": str(target.id), "amend_kind": kind,
              "urgency": target.urgency, "confidentiality": target.confidentiality,
              "recipients": target.recipients or "", "amends_label": label(target),
              "amends_subject": target.subject}
    if kind == "replace":
        values.update(document_type=target.document_type, subject=target.subject,
                      authority=out.authority, authority_of=out.authority_of,
                      signer_id=str(out.signer_id or ""))
    else:
        values.update(document_type=CORRECTION_TYPE,
                      subject=f"V/v đính chính văn bản số {label(target)}")
    return values
