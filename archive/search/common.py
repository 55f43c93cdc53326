"""What the SQL engines share: the index-entry rows, filters, visibility,
candidate handling (page and facet counts) over the ``search_entries`` table.

Only the word matching differs per engine (``sqlite_fts``, ``postgres_fts``):
an engine supplies the table of words, the match condition and the score.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, false, func, insert, or_, select
from sqlalchemy.orm import Session

from archive.access import visible_rows
from archive.filing_models import FILE_TRANSFERRED, CaseFile, CaseFileItem
from archive.models import DocumentAccess, SearchEntry
from archive.search.index import CANDIDATES, FACETS, Filters, IndexEntry, Matches, \
    SearchRequest, Viewer

E = SearchEntry.__table__.c
ARCHIVED_STATUSES = (FILE_TRANSFERRED,)     # in the agency archive (disposed files are gone)
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


def visibility(viewer: Viewer, grants_as_exists: bool = False):
    """``archive.access.visible_rows`` over ``search_entries``, with the grant test
    as a correlated EXISTS for viewers who see open documents anyway, and for
    everyone when the engine asks (``grants_as_exists``).

    Same rows. Why (bench/RESULTS.md, "Search (issue 5)"): a clerk holds a grant
    on every document they registered, so the IN form builds a list of all of
    them on every search (100,000 entries at 100k documents) and PostgreSQL then
    prefers scanning every entry; the grant only matters for the few
    confidential rows, which the EXISTS probes through the unique index.
    PostgreSQL also hashes a specialist's 109,000 grants at 1,000,000 documents
    and scans every entry for it (rare word 0.8 s; 29 ms with EXISTS), so it
    asks for EXISTS always; on SQLite the IN list of a viewer's own grants
    stays as fast for viewers without the register roles.
    """
    if not viewer.sees_open and not grants_as_exists:
        return visible_rows(E.document_id, E.organization_id, E.confidentiality,
                            E.created_by_id, organization_id=viewer.organization_id,
                            staff_id=viewer.staff_id, sees_open=False)
    granted = (select(DocumentAccess.id)
               .where(DocumentAccess.document_id == E.document_id,
                      DocumentAccess.staff_id == viewer.staff_id).exists())
    open_rows = (E.confidentiality == "normal") if viewer.sees_open else false()
    return (E.organization_id == viewer.organization_id) & or_(
        open_rows, E.created_by_id == viewer.staff_id, granted)


def filter_conditions(filters: Filters) -> list:
    conds = [getattr(E, k) == v for k, v in filters.equalities().items()]
    for col, lo, hi in ((E.issued_date, filters.issued_from, filters.issued_to),
                        (E.arrival_date, filters.arrival_from, filters.arrival_to)):
        if lo:
            conds.append(col >= lo)
        if hi:
            conds.append(col <= hi)
    scope = scope_select(filters)
    if scope is not None:
        conds.append(E.document_id.in_(scope))
    return conds


def scope_select(filters: Filters):
    """The documents a case-file or archive filter keeps (None: no such filter).

    A sub-query over ``case_file_items``, so the filter stays inside the
    engine's statement and totals, facets and pages agree with it."""
    if filters.case_file_id is None and not filters.in_archive:
        return None
    ids = select(CaseFileItem.document_id).join(CaseFile, CaseFile.id == CaseFileItem.case_file_id)
    if filters.case_file_id is not None:
        ids = ids.where(CaseFileItem.case_file_id == filters.case_file_id)
    if filters.in_archive:
        ids = ids.where(CaseFile.status.in_(ARCHIVED_STATUSES))
    return ids


def where_clause(request: SearchRequest, grants_as_exists: bool = False):
    return and_(visibility(request.viewer, grants_as_exists),
                *filter_conditions(request.filters))


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


def capped_total(session: Session, request: SearchRequest, found: int, rest) -> tuple[int, bool]:
    """(total, exact): ``found`` matches already in hand plus the ``rest``.

    ``rest`` selects the matches not among the ``found`` ones (the engines pass
    the documents older than their last candidate, so the matches are walked
    once); they are counted only up to the request's ``total_limit``, so a
    common word stops there instead of counting every document of the corpus.
    """
    room = max(request.total_limit - found, 0)
    more = session.scalar(select(func.count()).select_from(rest.limit(room + 1).subquery()))
    if more > room:
        return request.total_limit, False
    return found + more, True


def limited(request: SearchRequest, total: int) -> tuple[int, bool]:
    """(total, exact) of an exact count, as a capped count would report it."""
    if total > request.total_limit:
        return request.total_limit, False
    return total, True


def matches(request: SearchRequest, cands: list[Candidate], total: int, ranked: bool,
            page_by_date, total_exact: bool = True) -> Matches:
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
    return Matches(ids=ids, total=total, facets=facet_counts(cands), facets_partial=partial,
                   total_exact=total_exact)


def browse(session: Session, request: SearchRequest, grants_as_exists: bool = False) -> Matches:
    """An empty query: the visible documents that pass the filters, newest first."""
    where = where_clause(request, grants_as_exists)
    rows = session.execute(select(*ROW_COLUMNS).where(where)
                           .order_by(E.sort_date.desc(), E.document_id.desc())
                           .limit(CANDIDATES)).all()
    cands = [Candidate(r[0], r[1], 0.0, dict(zip(FACETS, r[2:]))) for r in rows]
    total, exact = limited(request, len(cands))
    if len(cands) >= CANDIDATES:    # count them all again (capped): entries are cheap to walk
        total, exact = capped_total(session, request, 0, select(E.document_id).where(where))

    def page_by_date(offset: int, limit: int) -> list[int]:
        return list(session.scalars(select(E.document_id).where(where)
                                    .order_by(E.sort_date.desc(), E.document_id.desc())
                                    .offset(offset).limit(limit)))
    return matches(request, cands, total, ranked=False, page_by_date=page_by_date,
                   total_exact=exact)

