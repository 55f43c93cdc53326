"""Whoosh engine (pure Python, outside the database): one index folder,
written right after the commit that changed a document (``follow``).

The texts arrive analysed (``analysis``: syllables joined by single spaces),
so every text field only splits on spaces: no lower-casing, stemming or stop
words of Whoosh's own. Whoosh pickles the schema, analyzers included, into
the index (STACK.md §3): only Whoosh's own classes are used, so opening the
index never depends on a module of ours. A change of the schema takes a new
``INDEX_NAME`` (and a ``flask search reindex``).

Same questions, same answers as ``sqlite_fts`` (the reference):
* clauses are ANDed; a term matches number, title or body (exact mode: the
  exact title or body), a phrase the title or the body (each on its own), a
  number the number field only, syllables in order;
* visibility and filters are part of the Whoosh query (ANDed with the
  words, so the matcher skips to visible documents; ``filter=`` would first
  collect every visible document in Python, 6× slower for a number lookup at
  20,000 documents), so no count, facet or page is built from a document the
  viewer may not see;
* at most ``CANDIDATES`` matches, the newest (highest document id) first,
  are ranked and counted for the facets; the total is exact up to the
  request's ``total_limit`` like the SQL engines (``len(results)`` counts
  every match, ``estimated_length`` would not);
* an empty query lists the visible documents by date, like ``common.browse``.

Relevance is Whoosh's BM25F with the field weights of ``WEIGHTS`` as query
boosts: the order of equally relevant results is the same (newest first),
scores themselves differ from FTS5's bm25.

One writer at a time: a lock per folder inside the process, and Whoosh's
own lock file across processes (``writer(timeout=...)`` retries until it is
free). Readers never lock.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.collectors import SortingCollector
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, NumericRange, Phrase, Term
from whoosh.query.compound import DefaultOr
from whoosh.sorting import FieldFacet, MultiFacet
from whoosh.writing import CLEAR

from archive.search import common
from archive.search.index import (CANDIDATES, FACETS, WEIGHTS, IndexEntry, Matches,
                                  SearchRequest)
from archive.search.query import Clause, ParsedQuery

try:                                    # the creation lock across processes (POSIX)
    import fcntl
except ImportError:                     # pragma: no cover - Windows
    fcntl = None

INDEX_NAME = "documents1"
WRITE_TIMEOUT = 60.0                    # seconds to wait for another writer
_FOLDED = ("number", "title", "body")
_EXACT = ("xtitle", "xbody")
_BOOST = {"number": WEIGHTS["number"], "title": WEIGHTS["title"], "body": WEIGHTS["body"],
          "xtitle": WEIGHTS["title"], "xbody": WEIGHTS["body"]}
_KEYS = ("organization_id", "confidentiality", "created_by_id", *FACETS)
_DATES = ("issued_date", "arrival_date")


def _text() -> TEXT:
    return TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True, stored=False)


def build_schema() -> Schema:
    fields = {"document_id": NUMERIC(int, stored=True, unique=True, sortable=True),
              # sort_date as a day ordinal, 0 when unknown (sorts last, as in common)
              "sort_date": NUMERIC(int, sortable=True),
              "readers": KEYWORD(lowercase=False, commas=False, scorable=False),
              "meta": STORED()}
    fields.update({name: _text() for name in (*_FOLDED, *_EXACT)})
    fields.update({name: ID() for name in _KEYS})
    fields.update({name: NUMERIC(int) for name in _DATES})
    return Schema(**fields)


SCHEMA = build_schema()
_NEWEST = FieldFacet("document_id", reverse=True)
_BY_DATE = MultiFacet([FieldFacet("sort_date", reverse=True),
                       FieldFacet("document_id", reverse=True)])

_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    with _locks_guard:
        return _locks.setdefault(str(path.resolve()), threading.RLock())


@contextmanager
def _file_lock(path: Path):
    if fcntl is None:                   # pragma: no cover
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- documents --------------------------------------------------------------------

def document_of(entry: IndexEntry) -> dict:
    """The Whoosh document of an index entry."""
    meta = entry.meta
    doc = {"document_id": entry.document_id, "number": entry.number, "title": entry.title,
           "body": entry.body, "xtitle": entry.xtitle, "xbody": entry.xbody,
           "readers": " ".join(str(r) for r in entry.readers),
           "sort_date": meta["sort_date"].toordinal() if meta.get("sort_date") else 0,
           "meta": {**{f: meta.get(f) for f in FACETS}, "sort_date": meta.get("sort_date")}}
    for key in _KEYS:
        if meta.get(key) not in (None, ""):
            doc[key] = str(meta[key])
    for key in _DATES:
        if meta.get(key):
            doc[key] = meta[key].toordinal()
    return doc


# --- queries ----------------------------------------------------------------------

def Or(subqueries):                     # noqa: N802 - reads like the query class
    """A union matched by a tree of union matchers: Whoosh's automatic choice
    preloads 2048-slot arrays in Python for small indexes, far slower here."""
    return DefaultOr(subqueries)


def _sequence(fieldname: str, tokens: tuple[str, ...]):
    boost = _BOOST[fieldname]
    if len(tokens) == 1:
        return Term(fieldname, tokens[0], boost=boost)
    return Phrase(fieldname, list(tokens), boost=boost)


def _clause(clause: Clause, exact: bool):
    if clause.kind == "number":
        return _sequence("number", clause.tokens)
    if exact:
        fields = _EXACT
    else:
        fields = ("title", "body") if clause.kind == "phrase" else _FOLDED
    return Or([_sequence(f, clause.tokens) for f in fields])


def word_query(query: ParsedQuery):
    """Every clause must hold (AND)."""
    clauses = [_clause(c, query.exact) for c in query.clauses]
    return clauses[0] if len(clauses) == 1 else And(clauses)


def filter_query(request: SearchRequest, session: Session | None = None):
    """Visibility (``archive.access.visible_rows``) and filters, or None when
    the viewer can see nothing at all (or a case-file filter keeps nothing)."""
    viewer = request.viewer
    visible = []
    if viewer.sees_open:
        visible.append(Term("confidentiality", "normal"))
    if viewer.staff_id is not None:
        visible += [Term("created_by_id", str(viewer.staff_id)),
                    Term("readers", str(viewer.staff_id))]
    if not visible or viewer.organization_id is None:
        return None
    parts = [Term("organization_id", str(viewer.organization_id)), Or(visible)]
    filters = request.filters
    parts += [Term(k, str(v)) for k, v in filters.equalities().items()]
    for name, lo, hi in (("issued_date", filters.issued_from, filters.issued_to),
                         ("arrival_date", filters.arrival_from, filters.arrival_to)):
        if lo or hi:
            parts.append(NumericRange(name, lo.toordinal() if lo else None,
                                      hi.toordinal() if hi else None))
    scope = common.scope_select(filters)
    if scope is not None:
        # A file holds a few hundred documents: their ids, read from the
        # database, become part of the Whoosh query like the other filters.
        ids = sorted(set(session.scalars(scope))) if session is not None else []
        if not ids:
            return None
        parts.append(Or([Term("document_id", i) for i in ids]))
    return And(parts)


def _sorted(searcher, query, sortedby, limit: int):
    """Matches of ``query`` in ``sortedby`` order, the first ``limit`` kept,
    all counted (``len(results)`` is exact).

    The matcher is stepped document by document (``needs_current``): an
    intersection then skips along its shortest list, where Whoosh's default
    bulk path builds full sets of both sides (every visible document, for a
    number lookup). Unscored: ranking is done on the kept matches only.
    """
    collector = SortingCollector(sortedby, limit=limit)
    searcher.search_with_collector(query, collector,
                                   context=searcher.context(needs_current=True, weighting=None))
    return collector.results()


def _scores(searcher, query, docnums: list[int]) -> dict[int, float]:
    """BM25F scores of these (matching) documents, stepping the matcher of
    each segment to them instead of scoring every match."""
    scores: dict[int, float] = {}
    wanted = sorted(docnums)
    context = searcher.context(needs_current=True)
    for sub, offset in searcher.leaf_searchers():
        end = offset + sub.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local:
            continue
        matcher = query.matcher(sub, context)
        for docnum in local:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                scores[docnum + offset] = matcher.score()
    return scores


class WhooshIndex:
    name = "whoosh"
    transactional = False

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._ix = None
        self._lock = _process_lock(self.path)

    # --- opening and writing ----------------------------------------------------

    def _index(self):
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    self.path.mkdir(parents=True, exist_ok=True)
                    with _file_lock(self.path / f".{INDEX_NAME}.create"):
                        if whoosh_index.exists_in(str(self.path), indexname=INDEX_NAME):
                            ix = whoosh_index.open_dir(str(self.path), indexname=INDEX_NAME)
                        else:
                            ix = whoosh_index.create_in(str(self.path), SCHEMA,
                                                        indexname=INDEX_NAME)
                    self._ix = ix
        return self._ix

    @contextmanager
    def _writer(self, **commit_options):
        """The one writer: this process's lock, then Whoosh's lock file
        (retried every 50 ms up to ``WRITE_TIMEOUT``)."""
        with self._lock:
            writer = self._index().writer(timeout=WRITE_TIMEOUT, delay=0.05)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(**commit_options)

    @staticmethod
    def _delete(writer, document_ids) -> None:
        with writer.searcher() as searcher:
            for doc_id in document_ids:
                writer.delete_by_term("document_id", int(doc_id), searcher=searcher)

    def write(self, session: Session, entries: list[IndexEntry]) -> None:
        if not entries:
            return
        with self._writer() as writer:
            self._delete(writer, [e.document_id for e in entries])
            for entry in entries:
                writer.add_document(**document_of(entry))

    def remove(self, session: Session, document_ids: list[int]) -> None:
        if not document_ids:
            return
        with self._writer() as writer:
            self._delete(writer, document_ids)

    def clear(self, session: Session) -> None:
        with self._writer(mergetype=CLEAR):     # commits dropping every segment
            pass

    def optimize(self, session: Session) -> None:
        """Merge the segments into one (after a full rebuild; rewrites the
        whole index: about as long as the rebuild itself)."""
        with self._writer(optimize=True):
            pass

    # --- reading ----------------------------------------------------------------

    def search(self, session: Session, request: SearchRequest) -> Matches:
        visible = filter_query(request, session)
        if visible is None:
            return Matches(ids=[], total=0, facets={f: {} for f in FACETS})
        with self._index().searcher() as searcher:
            if request.query.empty:
                return self._browse(searcher, request, visible)
            words = word_query(request.query)
            # Visibility and filters are ANDed into the query: the matcher skips
            # to the visible documents (a filter= set would first list every
            # visible document in Python, ~0.2 s per query at 20,000 documents).
            query = And([words, visible])
            results = _sorted(searcher, query, _NEWEST, CANDIDATES)
            total, exact = common.limited(request, len(results))   # the collector counts all
            docnums = [docnum for _key, docnum in results.top_n]
            scores = _scores(searcher, words, docnums)
            cands = [self._candidate(searcher, d, scores.get(d, 0.0)) for d in docnums]

            def page_by_date(offset: int, limit: int) -> list[int]:
                return self._by_date(searcher, query, offset, limit)
            return common.matches(request, cands, total, ranked=True,
                                  page_by_date=page_by_date, total_exact=exact)

    def _browse(self, searcher, request: SearchRequest, visible) -> Matches:
        results = _sorted(searcher, visible, _BY_DATE, CANDIDATES)
        total, exact = common.limited(request, len(results))
        cands = [self._candidate(searcher, d, 0.0) for _key, d in results.top_n]

        def page_by_date(offset: int, limit: int) -> list[int]:
            return self._by_date(searcher, visible, offset, limit)
        return common.matches(request, cands, total, ranked=False, page_by_date=page_by_date,
                              total_exact=exact)

    @staticmethod
    def _by_date(searcher, query, offset: int, limit: int) -> list[int]:
        results = _sorted(searcher, query, _BY_DATE, offset + limit)
        return [searcher.stored_fields(d)["document_id"]
                for _key, d in results.top_n[offset:offset + limit]]

    @staticmethod
    def _candidate(searcher, docnum: int, score: float) -> common.Candidate:
        stored = searcher.stored_fields(docnum)
        meta = stored["meta"]
        return common.Candidate(stored["document_id"], meta.get("sort_date"), float(score),
                                {f: meta.get(f) for f in FACETS})

    def document_ids(self, session: Session) -> set[int]:
        with self._index().searcher() as searcher:
            return {fields["document_id"] for _docnum, fields in searcher.reader().iter_docs()}

    def stats(self, session: Session) -> dict:
        with self._index().searcher() as searcher:
            docs = searcher.doc_count()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        return {"documents": docs, "bytes": size}
