"""The index follows every change of a document, in the same transaction.

SQLAlchemy session events see every flush: a new or changed document, file,
routing grant (visibility), direction (department), outgoing record (new
draft version) or finished text extraction marks its document; just before
the commit the marked documents are re-read and written to the index. With a
database engine (FTS5, PostgreSQL) that write is part of the transaction: if
it fails, nothing commits, so the index can never drift from the data. An
engine outside the database (Whoosh) is written right after the commit; if
that fails, ``flask search reindex`` repairs it (and says so in the log).

``install(resolve)`` is called once by the composition root; ``resolve(session)``
returns the index of the application that owns the session (or None).
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from archive.models import (Document, DocumentAccess, DocumentFile, DraftVersion,
                            ExtractedText, OutgoingDocument, ProcessingNote)
from archive.search.entries import build_entries
from archive.search.index import SearchIndex

log = logging.getLogger(__name__)
_DOC_CHILDREN = (DocumentFile, DocumentAccess, OutgoingDocument, ProcessingNote)
_resolve: Callable[[Session], SearchIndex | None] | None = None
BATCH = 500


def install(resolve: Callable[[Session], SearchIndex | None]) -> None:
    """Register the session listeners once per process."""
    global _resolve
    _resolve = resolve
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)


def _marks(session: Session) -> dict:
    return session.info.setdefault("search_marks", {"docs": set(), "gone": set(),
                                                    "shas": set()})


def mark(session: Session, document_ids) -> None:
    """Ask for these documents to be re-indexed at the next commit."""
    _marks(session)["docs"].update(int(i) for i in document_ids)


def _after_flush(session: Session, _context) -> None:
    marks = None
    for obj in list(session.new) + list(session.dirty):
        doc_id = _document_of(obj)
        if doc_id is not None:
            marks = marks or _marks(session)
            marks["docs"].add(doc_id)
        elif isinstance(obj, ExtractedText) and obj.status == "done":
            marks = marks or _marks(session)
            marks["shas"].add(obj.sha256)
    for obj in session.deleted:
        doc_id = _document_of(obj)
        if doc_id is None:
            continue
        marks = marks or _marks(session)
        (marks["gone"] if isinstance(obj, Document) else marks["docs"]).add(doc_id)


def _document_of(obj) -> int | None:
    if isinstance(obj, Document):
        return obj.id
    if isinstance(obj, _DOC_CHILDREN):
        return obj.document_id
    return None


def documents_using(session: Session, digests) -> set[int]:
    """Documents whose files (or current draft) are these blobs."""
    digests = list(digests)
    found = set(session.scalars(select(DocumentFile.document_id).where(
        DocumentFile.sha256.in_(digests) | DocumentFile.pdf_sha256.in_(digests))))
    found.update(session.scalars(
        select(OutgoingDocument.document_id)
        .join(DraftVersion, DraftVersion.id == OutgoingDocument.current_version_id)
        .where(DraftVersion.pdf_sha256.in_(digests))))
    return found


def _before_commit(session: Session) -> None:
    if _resolve is None:
        return
    session.flush()        # commit flushes only after this event: collect its marks now
    if "search_marks" not in session.info:
        return
    marks = session.info.pop("search_marks")
    index = _resolve(session)
    if index is None:
        return
    if marks["shas"]:
        marks["docs"].update(documents_using(session, marks["shas"]))
    gone = sorted(marks["gone"])
    ids = sorted(marks["docs"] - marks["gone"])
    entries = [e for start in range(0, len(ids), BATCH)
               for e in build_entries(session, ids[start:start + BATCH])]
    present = {e.document_id for e in entries}
    gone += [i for i in ids if i not in present]
    if index.transactional:
        index.write(session, entries)
        index.remove(session, gone)
    else:
        session.info["search_after_commit"] = (index, entries, gone)


def _after_commit(session: Session) -> None:
    pending = session.info.pop("search_after_commit", None)
    if pending is None:
        return
    index, entries, gone = pending
    try:
        index.write(session, entries)
        index.remove(session, gone)
    except Exception:   # the data is committed; a reindex repairs the index
        log.exception("search index %s not updated for documents %s; run `flask search "
                      "reindex`", index.name, [e.document_id for e in entries] + gone)


def _forget(session: Session) -> None:
    session.info.pop("search_marks", None)
    session.info.pop("search_after_commit", None)
