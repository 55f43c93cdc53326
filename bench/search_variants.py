"""Prototype changes of the search engines, measured with ``bench_search.py --variant``.

Nothing here is used by the app: each class subclasses the app's engine and
overrides only what the variant changes, so a before/after comparison runs
the same harness on the same index (``--reuse``). See bench/RESULTS.md,
"Search (issue 5)", for the figures.
"""
from __future__ import annotations

from pathlib import Path

from functools import reduce

from sqlalchemy import and_, bindparam, cast, false, func, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from archive.models import DocumentAccess
from archive.search import common
from archive.search.index import CANDIDATES, WEIGHTS, Matches, SearchRequest, Viewer
from archive.search.postgres_fts import _V, _VECTORS, RANK_WEIGHTS, PostgresFtsIndex, tsqueries
from archive.search.sqlite_fts import _FTS, SqliteFtsIndex, match_expression


class SqliteCountIn(SqliteFtsIndex):
    """``sqlite_fts.SqliteFtsIndex.search`` with the exact total counted as
    ``search_entries.document_id IN (SELECT rowid FROM search_fts WHERE search_fts
    MATCH ?)`` instead of over the join.

    Why: without an ORDER BY on the FTS rowid, SQLite's planner makes
    ``search_entries`` the outer loop of the count's join (its
    ``ix_search_entries_org_date`` index satisfies ``organization_id = ?``) and
    probes ``search_fts`` once per visible row (``SCAN search_fts VIRTUAL TABLE
    INDEX 0:=M5`` = MATCH plus ``rowid = ?``): FTS5 re-evaluates the full-text
    query for each of the N rows. The IN form runs the MATCH once.
    """

    name = "sqlite-fts5-count-in"

    def search(self, session: Session, request: SearchRequest) -> Matches:
        if request.query.empty:
            return common.browse(session, request)
        match = match_expression(request.query)
        rowid = _FTS.c.rowid
        weights = [WEIGHTS["number"], WEIGHTS["title"], WEIGHTS["body"],
                   WEIGHTS["title"], WEIGHTS["body"]]
        score = -func.bm25(literal_column("search_fts"), *weights)
        where = common.where_clause(request) & text("search_fts MATCH :match")

        def base(*cols):
            return (select(*cols).select_from(_FTS)
                    .join(common.SearchEntry, common.E.document_id == rowid).where(where)
                    .params(match=match))

        def matching():
            ids = select(rowid).select_from(_FTS).where(text("search_fts MATCH :match"))
            return (common.E.document_id.in_(ids), common.where_clause(request))

        rows = session.execute(base(*common.ROW_COLUMNS, score.label("score"))
                               .order_by(rowid.desc()).limit(CANDIDATES)).all()
        cands = common.candidates_from(rows)
        total = len(cands)
        if total >= CANDIDATES:
            total = session.scalar(select(func.count()).select_from(common.SearchEntry)
                                   .where(*matching()).params(match=match))

        def page_by_date(offset: int, limit: int) -> list[int]:
            return list(session.scalars(
                select(common.E.document_id).where(*matching())
                .order_by(common.E.sort_date.desc(), common.E.document_id.desc())
                .offset(offset).limit(limit).params(match=match)))
        return common.matches(request, cands, total, ranked=True, page_by_date=page_by_date)


class CrossJoin(Join):
    """``a CROSS JOIN b ON ...`` on SQLite: the left table stays the outer loop
    (https://sqlite.org/optoverview.html#manual_control_of_query_plans_using_cross_join)."""

    inherit_cache = True


@compiles(CrossJoin, "sqlite")
def _cross_join(element, compiler, **kw):
    return compiler.visit_join(element, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def visibility_exists(viewer: Viewer):
    """``access.visible_rows`` over ``search_entries`` with the grant test as a
    correlated EXISTS for viewers who see open documents anyway.

    Same rows as the IN form. Why: the clerk holds a "registered" grant on every
    document they registered (all of them, in a one-clerk agency), so
    ``document_id IN (SELECT document_id FROM document_access WHERE staff_id = ?)``
    builds a 100,000-entry list (SQLite ``LIST SUBQUERY``, PostgreSQL ``hashed
    SubPlan``) on every search, although the grant only matters for the few
    confidential rows (the OR stops at ``confidentiality = 'normal'``). The
    EXISTS probes ``uq_document_access_document_id_staff_id`` for those rows only.
    For viewers without the register roles the IN list is their own (short)
    list of grants and stays.
    """
    E = common.E
    sid = viewer.staff_id
    if viewer.sees_open:
        granted = (select(DocumentAccess.id)
                   .where(DocumentAccess.document_id == E.document_id,
                          DocumentAccess.staff_id == sid).exists())
        rule = or_(E.confidentiality == "normal", E.created_by_id == sid, granted)
    else:
        rule = or_(E.created_by_id == sid, E.document_id.in_(
            select(DocumentAccess.document_id).where(DocumentAccess.staff_id == sid))) \
            if sid is not None else false()
    return (E.organization_id == viewer.organization_id) & rule


def where_exists(request: SearchRequest):
    return and_(visibility_exists(request.viewer), *common.filter_conditions(request.filters))


class SqliteCrossExists(SqliteFtsIndex):
    """Two changes to ``SqliteFtsIndex.search``:

    1. the total is counted with the FTS table first, ``FROM search_fts CROSS
       JOIN search_entries ON search_entries.document_id = search_fts.rowid``
       (SQLite keeps the left table of a CROSS JOIN outer), so the MATCH runs
       once instead of once per ``search_entries`` row;
    2. visibility as ``visibility_exists`` (EXISTS for register roles).
    """

    name = "sqlite-fts5-cross-exists"
    exists_visibility = True

    def _where(self, request: SearchRequest):
        return where_exists(request) if self.exists_visibility else \
            common.where_clause(request)

    def search(self, session: Session, request: SearchRequest) -> Matches:
        if request.query.empty:
            return common.browse(session, request)
        match = match_expression(request.query)
        rowid = _FTS.c.rowid
        weights = [WEIGHTS["number"], WEIGHTS["title"], WEIGHTS["body"],
                   WEIGHTS["title"], WEIGHTS["body"]]
        score = -func.bm25(literal_column("search_fts"), *weights)
        where = self._where(request) & text("search_fts MATCH :match")
        fts_first = CrossJoin(_FTS, common.SearchEntry.__table__, common.E.document_id == rowid)

        def base(*cols):
            return (select(*cols).select_from(_FTS)
                    .join(common.SearchEntry, common.E.document_id == rowid).where(where)
                    .params(match=match))

        rows = session.execute(base(*common.ROW_COLUMNS, score.label("score"))
                               .order_by(rowid.desc()).limit(CANDIDATES)).all()
        cands = common.candidates_from(rows)
        total = len(cands)
        if total >= CANDIDATES:
            total = session.scalar(select(func.count()).select_from(fts_first).where(where)
                                   .params(match=match))

        def page_by_date(offset: int, limit: int) -> list[int]:
            return list(session.scalars(
                select(common.E.document_id).select_from(fts_first).where(where)
                .order_by(common.E.sort_date.desc(), common.E.document_id.desc())
                .offset(offset).limit(limit).params(match=match)))
        return common.matches(request, cands, total, ranked=True, page_by_date=page_by_date)


class SqliteCrossOnly(SqliteCrossExists):
    """Change 1 of ``SqliteCrossExists`` alone (visibility unchanged)."""

    name = "sqlite-fts5-cross"
    exists_visibility = False


class PostgresExists(PostgresFtsIndex):
    """``PostgresFtsIndex.search`` with ``visibility_exists`` (EXISTS for register
    roles) instead of the IN list. Statements otherwise identical.

    Why: with ``document_id IN (SELECT ... WHERE staff_id = clerk)`` PostgreSQL
    builds a hashed SubPlan of the clerk's 100,000 grants and, because it charges
    that build to every rescan of a parameterised inner index scan, prefers a
    hash join that seq-scans all of ``search_entries`` even when the words match
    7 documents (93 ms instead of 1.4 ms at 100k).
    """

    name = "postgresql-fts-exists"

    def search(self, session: Session, request: SearchRequest) -> Matches:
        if request.query.empty:
            return common.browse(session, request)
        E = common.E
        queries = {col: cast(bindparam(f"q_{col}", q), TSQUERY)
                   for col, q in tsqueries(request.query).items()}
        where = and_(where_exists(request),
                     *(getattr(_V, col).op("@@")(q) for col, q in queries.items()))

        def base(*cols):
            return (select(*cols).select_from(common.SearchEntry)
                    .join(_VECTORS, _V.document_id == E.document_id).where(where))

        newest = (base(*common.ROW_COLUMNS, *(getattr(_V, col) for col in queries))
                  .order_by(E.document_id.desc()).limit(CANDIDATES).subquery("newest"))
        weights = cast(bindparam("rank_weights", RANK_WEIGHTS), ARRAY(REAL))
        score = reduce(lambda a, b: a + b, [func.ts_rank(weights, newest.c[col], q)
                                            for col, q in queries.items()])
        ranked = (select(*(newest.c[c.name] for c in common.ROW_COLUMNS), score.label("score"))
                  .order_by(newest.c.document_id.desc()))
        cands = common.candidates_from(session.execute(ranked).all())
        total = len(cands)
        if total >= CANDIDATES:
            total = session.scalar(base(func.count()))

        def page_by_date(offset: int, limit: int) -> list[int]:
            return list(session.scalars(base(E.document_id)
                                        .order_by(E.sort_date.desc().nulls_last(),
                                                  E.document_id.desc())
                                        .offset(offset).limit(limit)))
        return common.matches(request, cands, total, ranked=True, page_by_date=page_by_date)


class PostgresExistsMatchCost(PostgresExists):
    """``PostgresExists`` in a database where the planner knows what ``@@`` costs:
    ``ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) COST 100`` (default 1).

    Why: the vectors are TOASTed, so ``search_vectors``' heap looks tiny and a
    seq scan (or a backward primary-key scan) that evaluates ``f @@ q`` on every
    row looks cheaper than the GIN index; in reality each evaluation detoasts and
    decompresses a ~3 KB vector (the 100k count read 3.3 GB of buffers). With the
    function's cost raised, counts and mid-frequency phrases use the GIN bitmap.
    The setting lives in the database's own ``pg_proc`` (this database only) and
    needs a superuser; ``setup``/``teardown`` apply and revert it.
    """

    name = "postgresql-fts-exists-matchcost"
    COST = 100

    def setup(self, engine) -> None:
        with engine.begin() as conn:
            conn.execute(text("ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) "
                              f"COST {int(self.COST)}"))

    def teardown(self, engine) -> None:
        with engine.begin() as conn:
            conn.execute(text("ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) COST 1"))


class PostgresExistsBitmap(PostgresExists):
    """``PostgresExists`` with the GIN index as the only way to the vectors for
    the statements of ``BITMAP_FOR`` ("count", "candidates"): ``SET LOCAL
    enable_seqscan = off; SET LOCAL enable_indexscan = off`` around them (reset
    afterwards, so the rest of the request's transaction is unaffected).

    Why: for plain terms a GIN bitmap is exact (no recheck), so the matches are
    found without reading a single vector, while every plan that evaluates
    ``f @@ q`` row by row detoasts ~3 KB per row. No superuser needed.
    """

    name = "postgresql-fts-exists-bitmap"
    BITMAP_FOR = ("count", "candidates")

    def search(self, session: Session, request: SearchRequest) -> Matches:
        original_execute, original_scalar = session.execute, session.scalar

        def guarded(method, kind):
            def run(*args, **kwargs):
                if kind not in self.BITMAP_FOR:
                    return method(*args, **kwargs)
                original_execute(text("SET LOCAL enable_seqscan = off"))
                original_execute(text("SET LOCAL enable_indexscan = off"))
                try:
                    return method(*args, **kwargs)
                finally:
                    original_execute(text("RESET enable_seqscan"))
                    original_execute(text("RESET enable_indexscan"))
            return run
        session.execute = guarded(original_execute, "candidates")
        session.scalar = guarded(original_scalar, "count")
        try:
            return super().search(session, request)
        finally:
            del session.execute, session.scalar


class PostgresExistsBitmapCount(PostgresExistsBitmap):
    """Only the count through the GIN bitmap."""

    name = "postgresql-fts-exists-bitmap-count"
    BITMAP_FOR = ("count",)


class PostgresExistsCapped(PostgresExists):
    """``PostgresExists`` with the total counted exactly up to ``COUNT_CAP`` only
    (``SELECT count(*) FROM (<matches> LIMIT cap + 1)``); above, the total is
    reported as ``COUNT_CAP + 1`` ("hơn 10 000 kết quả"), as the register list
    already does for its count.

    Why: counting every match means evaluating or joining every matching row;
    for a syllable found in 94 % of a million documents that is ~940,000 rows
    whatever the plan (9–11 s with the vectors detoasted row by row). With a cap
    the count stops after ``COUNT_CAP + 1`` matches.
    """

    name = "postgresql-fts-exists-capped"
    COUNT_CAP = 10_000

    def search(self, session: Session, request: SearchRequest) -> Matches:
        original_scalar = session.scalar
        cap = self.COUNT_CAP

        def capped(stmt, *args, **kwargs):
            # the engine's only scalar() is the count over base(func.count())
            inner = stmt.with_only_columns(common.E.document_id).limit(cap + 1).subquery()
            return original_scalar(select(func.count()).select_from(inner), *args, **kwargs)
        session.scalar = capped
        try:
            return super().search(session, request)
        finally:
            del session.scalar


def visibility_exists_all(viewer: Viewer):
    """The grant test as a correlated EXISTS for every viewer (also those
    without the register roles, whose IN list the app keeps)."""
    E = common.E
    sid = viewer.staff_id
    if sid is None and not viewer.sees_open:
        return false()
    granted = (select(DocumentAccess.id)
               .where(DocumentAccess.document_id == E.document_id,
                      DocumentAccess.staff_id == sid).exists())
    rule = [E.created_by_id == sid, granted]
    if viewer.sees_open:
        rule.insert(0, E.confidentiality == "normal")
    return (E.organization_id == viewer.organization_id) & or_(*rule)


class PostgresExistsAllCapped(PostgresExistsCapped):
    """``PostgresExistsCapped`` with ``visibility_exists_all``: the specialist's
    110,000 grants at 1M documents are probed per candidate row instead of
    hashed on every search."""

    name = "postgresql-fts-exists-all-capped"

    def search(self, session: Session, request: SearchRequest) -> Matches:
        import search_variants as me
        original = me.where_exists
        me.where_exists = lambda req: and_(visibility_exists_all(req.viewer),
                                           *common.filter_conditions(req.filters))
        try:
            return super().search(session, request)
        finally:
            me.where_exists = original


class PostgresExistsAllCappedMatchCost(PostgresExistsAllCapped):
    """``PostgresExistsAllCapped`` in a database with ``ts_match_vq`` COST 100
    (``PostgresExistsMatchCost``: superuser, this database only)."""

    name = "postgresql-fts-exists-all-capped-matchcost"
    setup = PostgresExistsMatchCost.setup
    teardown = PostgresExistsMatchCost.teardown
    COST = 100


class _CachedSearcherIndex:
    """Whoosh index whose ``searcher()`` hands out one long-lived searcher,
    refreshed (``Searcher.refresh()``: a cheap generation check, a new reader
    only after a commit) instead of opened per call."""

    def __init__(self, ix):
        self._ix, self._searcher = ix, None

    def searcher(self, **kwargs):
        from contextlib import nullcontext
        if self._searcher is None:
            self._searcher = self._ix.searcher(**kwargs)
        else:
            self._searcher = self._searcher.refresh()
        return nullcontext(self._searcher)

    def __getattr__(self, name):
        return getattr(self._ix, name)


class WhooshCachedSearcher:
    """``WhooshIndex`` keeping its searcher open between searches.

    Why: ``WhooshIndex.search`` opens ``self._index().searcher()`` per request,
    which opens every segment file and loads the term index: 0.3 s of a 0.44 s
    rare-word search at 10,000 documents (cProfile, bench/out). A searcher per
    thread (Whoosh searchers are not meant to be shared between threads),
    refreshed per search, pays that once per commit instead.
    """

    def __new__(cls, path):
        import threading
        from archive.search.whoosh_index import WhooshIndex

        class _Cached(WhooshIndex):
            name = "whoosh-cached-searcher"

            def __init__(self, p):
                super().__init__(p)
                self._local = threading.local()

            def search(self, session, request):
                cached = getattr(self._local, "ix", None)
                if cached is None:
                    cached = self._local.ix = _CachedSearcherIndex(super()._index())
                original = self._index
                self._index = lambda: cached
                try:
                    return super().search(session, request)
                finally:
                    self._index = original
        return _Cached(path)


VARIANTS = {
    "sqlite-count-in": lambda data_dir: SqliteCountIn(),
    "sqlite-cross": lambda data_dir: SqliteCrossOnly(),
    "sqlite-cross-exists": lambda data_dir: SqliteCrossExists(),
    "pg-exists": lambda data_dir: PostgresExists(),
    "pg-exists-matchcost": lambda data_dir: PostgresExistsMatchCost(),
    "pg-exists-bitmap": lambda data_dir: PostgresExistsBitmap(),
    "pg-exists-bitmap-count": lambda data_dir: PostgresExistsBitmapCount(),
    "pg-exists-capped": lambda data_dir: PostgresExistsCapped(),
    "pg-exists-all-capped": lambda data_dir: PostgresExistsAllCapped(),
    "pg-exists-all-capped-matchcost": lambda data_dir: PostgresExistsAllCappedMatchCost(),
    "whoosh-cached-searcher": lambda data_dir: WhooshCachedSearcher(data_dir / "search-index"),
}
