"""Choosing the engine, and rebuilding an index from the database.

``reindex`` rewrites every document in batches, each batch its own short
transaction, without clearing the index first: the app keeps serving
complete results while it runs, changes made meanwhile are indexed by
``follow`` as usual (a batch locks its documents against a concurrent change
while it reads them), and entries of documents that no longer exist are
dropped at the end.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Document
from archive.search.entries import build_entries
from archive.search.index import SearchIndex

BATCH = 500


def open_index(kind: str, dialect: str, data_dir: Path | None = None) -> SearchIndex:
    """``kind`` "database" picks the database's own engine; "whoosh" the
    pure-Python index under ``data_dir/search-index``."""
    if kind == "whoosh":
        from archive.search.whoosh_index import WhooshIndex
        return WhooshIndex(Path(data_dir) / "search-index")
    if kind != "database":
        raise ValueError(f"unknown search engine {kind!r} (database or whoosh)")
    if dialect == "postgresql":
        from archive.search.postgres_fts import PostgresFtsIndex
        return PostgresFtsIndex()
    from archive.search.sqlite_fts import SqliteFtsIndex
    return SqliteFtsIndex()


def reindex(session: Session, index: SearchIndex,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Rewrite every document's entry; returns how many were indexed."""
    total = session.scalar(select(func.count()).select_from(Document))
    done, last = 0, 0
    while True:
        ids = list(session.scalars(select(Document.id).where(Document.id > last)
                                   .order_by(Document.id).limit(BATCH)))
        if not ids:
            break
        lock = select(Document.id).where(Document.id.in_(ids))
        if session.get_bind().dialect.name == "postgresql":
            lock = lock.with_for_update(read=True)
        session.execute(lock)
        entries = build_entries(session, ids)
        index.write(session, entries)
        session.commit()
        done, last = done + len(entries), ids[-1]
        if progress:
            progress(done, total)
    _drop_orphans(session, index)
    if hasattr(index, "optimize"):
        index.optimize(session)
        session.commit()
    return done


def _drop_orphans(session: Session, index: SearchIndex) -> None:
    """Entries whose document was deleted while the rebuild ran."""
    indexed = index.document_ids(session)
    existing = set(session.scalars(select(Document.id)))
    gone = sorted(indexed - existing)
    if gone:
        index.remove(session, gone)
        session.commit()
