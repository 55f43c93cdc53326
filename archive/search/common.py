"""What the SQL engines share: the index-entry rows, filters, visibility,
candidate handling (page and facet counts) over the ``search_entries`` table.

Only the word matching differs per engine (``sqlite_fts``, ``postgres_fts``):
an engine supplies the table of words, the match condition and the score.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from archive.access import visible_rows
from archive.models import DocumentAccess, SearchEntry
from archive.search.index import CANDIDATES, FACETS, Filters, IndexEntry, Matches, \
    SearchRequest, Viewer

E = SearchEntry.__table__.c
ROW_COLUMNS = [E.document_id, E.sort_date, *(getattr(E, f) for f in FACETS)]


def write_entries(session: Session, entries: list[IndexEntry]) -> None:
    """Replace the ``search_entries`` rows of these documents."""
    if not entries:
        return
    ids = [e.document_id for e in entries]
    session.execute(delete(SearchEntry).where(SearchEntry.document_id.in_(ids)))
    session.execute(insert(SearchEntry), [e.meta for e in entries])


def present(session: Session, document_ids: list[int]) -> set[int]:
    """Which of these documents are indexed already."""
    return set(session.scalars(select(E.document_id).where(E.document_id.in_(document_ids))))


def remove_entries(session: Session, document_ids: list[int]) -> None:
    if document_ids:
        session.execute(delete(SearchEntry).where(SearchEntry.document_id.in_(document_ids)))


def document_ids(session: Session) -> set[int]:
    return set(session.scalars(select(E.document_id)))


def visibility(viewer: Viewer):
    """``archive.access.visible_rows`` over ``search_entries``, with the grant test
    as a correlated EXISTS for viewers who see open documents anyway.

    Same rows. Why (bench/RESULTS.md, "Search (issue 5)"): a clerk holds a grant
    on every document they registered, so the IN form builds a list of all of
    them on every search (100,000 entries at 100k documents) and PostgreSQL then
    prefers scanning every entry; the grant only matters for the few
    confidential rows, which the EXISTS probes through the unique index.
    Viewers without the register roles keep the IN list of their own grants.
    """
    if not viewer.sees_open:
        return visible_rows(E.document_id, E.organization_id, E.confidentiality,
                            E.created_by_id, organization_id=viewer.organization_id,
                            staff_id=viewer.staff_id, sees_open=False)
    granted = (select(DocumentAccess.id)
               .where(DocumentAccess.document_id == E.document_id,
                      DocumentAccess.staff_id == viewer.staff_id).exists())
    return (E.organization_id == viewer.organization_id) & or_(
        E.confidentiality == "normal", E.created_by_id == viewer.staff_id, granted)


def filter_conditions(filters: Filters) -> list:
    conds = [getattr(E, k) == v for k, v in filters.equalities().items()]
    for col, lo, hi in ((E.issued_date, filters.issued_from, filters.issued_to),
                        (E.arrival_date, filters.arrival_from, filters.arrival_to)):
        if lo:
            conds.append(col >= lo)
        if hi:
            conds.append(col <= hi)
    return conds


def where_clause(request: SearchRequest):
    return and_(visibility(request.viewer), *filter_conditions(request.filters))


@dataclass
class Candidate:
    document_id: int
    sort_date: Any
    score: float            # higher is better
    values: dict


def candidates_from(rows) -> list[Candidate]:
    """Rows of (document_id, sort_date, *facets, score) → candidates."""
    out = []
    for row in rows:
        doc_id, sort_date, *facet_values, score = row
        out.append(Candidate(doc_id, sort_date, float(score or 0.0),
                             dict(zip(FACETS, facet_values))))
    return out


def facet_counts(cands: list[Candidate]) -> dict[str, dict]:
    counts: dict[str, Counter] = {f: Counter() for f in FACETS}
    for c in cands:
        for f in FACETS:
            value = c.values[f]
            if value is not None:
                counts[f][value] += 1
    return {f: dict(counts[f].most_common()) for f in FACETS}


def _date_key(c: Candidate):
    return (c.sort_date is not None, c.sort_date or 0, c.document_id)


def order(cands: list[Candidate], sort: str, ranked: bool) -> list[Candidate]:
    """Relevance (score, then newest) or date (newest first) order."""
    by_date = sorted(cands, key=_date_key, reverse=True)
    if sort == "date" or not ranked:
        return by_date
    return sorted(by_date, key=lambda c: c.score, reverse=True)   # stable: ties stay newest


def matches(request: SearchRequest, cands: list[Candidate], total: int, ranked: bool,
            page_by_date) -> Matches:
    """The requested page and facet counts from at most CANDIDATES candidates.

    ``page_by_date(offset, limit)`` serves pages beyond the candidates (or a
    date sort of a bigger set) straight from the engine in date order.
    """
    partial = total > len(cands)
    end = request.offset + request.limit
    if partial and (request.sort == "date" or end > len(cands)):
        ids = page_by_date(request.offset, request.limit)
    else:
        ids = [c.document_id for c in order(cands, request.sort, ranked)[request.offset:end]]
    return Matches(ids=ids, total=total, facets=facet_counts(cands), facets_partial=partial)


def browse(session: Session, request: SearchRequest) -> Matches:
    """An empty query: the visible documents that pass the filters, newest first."""
    where = where_clause(request)
    rows = session.execute(select(*ROW_COLUMNS).where(where)
                           .order_by(E.sort_date.desc(), E.document_id.desc())
                           .limit(CANDIDATES)).all()
    cands = [Candidate(r[0], r[1], 0.0, dict(zip(FACETS, r[2:]))) for r in rows]
    total = len(cands)
    if total >= CANDIDATES:
        total = session.scalar(select(func.count()).select_from(SearchEntry).where(where))

    def page_by_date(offset: int, limit: int) -> list[int]:
        return list(session.scalars(select(E.document_id).where(where)
                                    .order_by(E.sort_date.desc(), E.document_id.desc())
                                    .offset(offset).limit(limit)))
    return matches(request, cands, total, ranked=False, page_by_date=page_by_date)

