"""Documents turned into index entries, many at a time.

Everything a search filters, counts or shows comes from the documents table
and its neighbours (files, extracted texts, routing grants, the outgoing
record), read in a few bulk queries per batch so that a full rebuild of
100,000 documents stays a matter of seconds, not of queries per document.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import (Document, DocumentAccess, DocumentFile, DraftVersion,
                            ExtractedText, OutgoingDocument, ProcessingNote)
from archive.search.analysis import analysed, number_form
from archive.search.index import IndexEntry


def texts_of(session: Session, docs: list[Document]) -> dict[int, list[str]]:
    """document id -> extracted texts of its files (or of the current draft)."""
    wanted: dict[int, list[str]] = defaultdict(list)
    ids = [d.id for d in docs]
    for doc_id, sha, pdf in session.execute(
            select(DocumentFile.document_id, DocumentFile.sha256, DocumentFile.pdf_sha256)
            .where(DocumentFile.document_id.in_(ids))
            .order_by(DocumentFile.document_id, DocumentFile.position)):
        wanted[doc_id].append(pdf or sha)
    drafts = session.execute(
        select(OutgoingDocument.document_id, DraftVersion.pdf_sha256)
        .join(DraftVersion, DraftVersion.id == OutgoingDocument.current_version_id)
        .where(OutgoingDocument.document_id.in_(ids), OutgoingDocument.issued_sha256.is_(None)))
    for doc_id, pdf in drafts:
        if pdf:
            wanted[doc_id].insert(0, pdf)
    digests = {d for shas in wanted.values() for d in shas}
    texts = {}
    if digests:
        texts = {sha: text for sha, text in session.execute(
            select(ExtractedText.sha256, ExtractedText.text).where(
                ExtractedText.sha256.in_(digests), ExtractedText.status == "done"))}
    return {doc_id: [texts[s] for s in dict.fromkeys(shas) if texts.get(s)]
            for doc_id, shas in wanted.items()}


def _departments(session: Session, docs: list[Document]) -> dict[int, int]:
    """The department a document belongs to: the drafting unit of an outgoing
    document, the lead unit of the latest direction of an incoming one."""
    ids = [d.id for d in docs]
    found = {doc_id: dept for doc_id, dept in session.execute(
        select(OutgoingDocument.document_id, OutgoingDocument.department_id)
        .where(OutgoingDocument.document_id.in_(ids)))}
    rows = session.execute(select(ProcessingNote.document_id, ProcessingNote.lead_department_id)
                           .where(ProcessingNote.document_id.in_(ids),
                                  ProcessingNote.lead_department_id.is_not(None))
                           .order_by(ProcessingNote.id))
    for doc_id, dept in rows:
        found[doc_id] = dept          # the latest direction wins
    return {k: v for k, v in found.items() if v is not None}


def _readers(session: Session, docs: list[Document]) -> dict[int, tuple[int, ...]]:
    readers: dict[int, list[int]] = defaultdict(list)
    for doc_id, staff_id in session.execute(
            select(DocumentAccess.document_id, DocumentAccess.staff_id)
            .where(DocumentAccess.document_id.in_([d.id for d in docs]))):
        readers[doc_id].append(staff_id)
    return {k: tuple(sorted(v)) for k, v in readers.items()}


def meta_of(doc: Document, department_id: int | None) -> dict:
    """The ``SearchEntry`` columns of ``doc``."""
    sort_date = doc.arrival_date or doc.issued_date or (
        doc.created_at.date() if doc.created_at else None)
    return {"document_id": doc.id, "organization_id": doc.organization_id,
            "direction": doc.direction, "register_id": doc.register_id,
            "document_type": doc.document_type, "issuer": (doc.issuer_name or None),
            "urgency": doc.urgency or "normal", "status": doc.status,
            "department_id": department_id, "confidentiality": doc.confidentiality,
            "created_by_id": doc.created_by_id, "issued_date": doc.issued_date,
            "arrival_date": doc.arrival_date, "sort_date": sort_date}


def title_text(doc: Document) -> str:
    """Trích yếu first, then who issued and signed it: the short, weighty fields."""
    return " ".join(p for p in (doc.subject, doc.issuer_name, doc.signer_name,
                                doc.signer_position) if p)


def body_text(doc: Document, texts: list[str]) -> str:
    return "\n".join([*(p for p in (doc.recipients, doc.notes) if p), *texts])


def build_entries(session: Session, document_ids: list[int]) -> list[IndexEntry]:
    """Index entries of these documents (missing ids are skipped)."""
    if not document_ids:
        return []
    docs = list(session.scalars(select(Document).where(Document.id.in_(document_ids))
                                .order_by(Document.id)))
    if not docs:
        return []
    texts, depts, readers = texts_of(session, docs), _departments(session, docs), \
        _readers(session, docs)
    entries = []
    for doc in docs:
        title, body = title_text(doc), body_text(doc, texts.get(doc.id, []))
        entries.append(IndexEntry(
            document_id=doc.id, meta=meta_of(doc, depts.get(doc.id)),
            readers=readers.get(doc.id, ()), title=analysed(title), body=analysed(body),
            xtitle=analysed(title, exact=True), xbody=analysed(body, exact=True),
            number=number_form(doc.code_number, doc.code_notation)))
    return entries
