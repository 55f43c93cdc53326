"""Who may see what: the one place that decides document visibility.

Rules (issue 2; routing grants arrive with the workflow):
* documents are visible only inside their own organisation;
* the register (lists) is for clerks, the office head, leaders and archivists;
* a confidential, secret or top-secret document is visible only to the clerk
  who registered it and to the people it was routed to (``document_access``),
  whatever their role;
* other documents are visible to the register roles and to anyone they were
  routed to.
Someone who may not see a document is told it does not exist (404), so its
existence does not leak.
"""
from __future__ import annotations

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from archive.errors import Msg, NotFound, PermissionDenied
from archive.identity import Actor
from archive.models import Document, DocumentAccess

REGISTER_ROLES = ("clerk", "office_head", "leader", "archivist")
NOT_FOUND = Msg("Không tìm thấy văn bản.", "Document not found.")


def can_read_register(actor: Actor) -> bool:
    return actor.has(*REGISTER_ROLES)


def require_register_reader(actor: Actor) -> None:
    if not can_read_register(actor):
        raise PermissionDenied(Msg("Bạn không có quyền xem sổ văn bản.",
                                   "You may not read the registers."))


def require_clerk(actor: Actor) -> None:
    if not actor.has("clerk"):
        raise PermissionDenied(Msg("Chỉ văn thư được vào sổ văn bản.",
                                   "Only clerks register documents."))


def visibility_clause(actor: Actor):
    """SQL condition: the documents ``actor`` may see (used by every list)."""
    return visible_rows(Document.id, Document.organization_id, Document.confidentiality,
                        Document.created_by_id, organization_id=actor.organization_id,
                        staff_id=actor.staff_id, sees_open=can_read_register(actor))


def visible_rows(id_col, org_col, confidentiality_col, creator_col, *, organization_id,
                 staff_id, sees_open: bool):
    """The visibility rule over any table holding these four document columns
    (``documents`` itself, or the search index's ``search_entries``)."""
    # IN, not EXISTS: PostgreSQL costs an OR-ed EXISTS per row, which at 100k
    # documents pushes every COUNT past the JIT threshold (bench/RESULTS.md).
    routed = id_col.in_(select(DocumentAccess.document_id)
                        .where(DocumentAccess.staff_id == staff_id))
    mine = creator_col == staff_id
    by_role = (confidentiality_col == "normal") if sees_open else false()
    return (org_col == organization_id) & or_(by_role, mine, routed)


def can_view(session: Session, actor: Actor, doc: Document) -> bool:
    if doc.organization_id != actor.organization_id:
        return False
    if doc.created_by_id == actor.staff_id:
        return True
    routed = session.scalar(select(DocumentAccess.id).where(
        DocumentAccess.document_id == doc.id, DocumentAccess.staff_id == actor.staff_id))
    if routed:
        return True
    return doc.confidentiality == "normal" and can_read_register(actor)


def get_visible(session: Session, actor: Actor, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None or not can_view(session, actor, doc):
        raise NotFound(NOT_FOUND)
    return doc


def grant(session: Session, document_id: int, staff_id: int, reason: str = "routed") -> None:
    """Record that a document was routed to someone (idempotent)."""
    found = session.scalar(select(DocumentAccess).where(
        DocumentAccess.document_id == document_id, DocumentAccess.staff_id == staff_id))
    if found is None:
        session.add(DocumentAccess(document_id=document_id, staff_id=staff_id, reason=reason))
        session.flush()
