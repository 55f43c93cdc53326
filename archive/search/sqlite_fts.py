"""SQLite FTS5 engine (the embedded default): words in ``search_fts``, a
virtual table in the same database file, written in the document's transaction.

FTS5's own diacritic removal does not fold đ (STACK.md §3), so the text
arrives analysed (``analysis``) and the tokenizer only splits on spaces:
``unicode61 remove_diacritics 0`` keeps the exact-mode columns exact.
Columns: number, title, body (folded) and xtitle, xbody (exact).
"""
from __future__ import annotations

from sqlalchemy import column, func, literal_column, select, table, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from archive.search import common
from archive.search.index import CANDIDATES, WEIGHTS, IndexEntry, Matches, SearchRequest
from archive.search.query import Clause, ParsedQuery

DDL = ("CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
       "number, title, body, xtitle, xbody, "
       "tokenize = 'unicode61 remove_diacritics 0')")
_FTS = table("search_fts", column("rowid"))
_COLUMNS = ("number", "title", "body", "xtitle", "xbody")


class FtsFirst(Join):
    """``search_fts CROSS JOIN search_entries ON …``: SQLite keeps the left table
    of a CROSS JOIN as the outer loop. Without it the planner drives counts from
    ``search_entries`` (its organisation index matches) and runs the MATCH once
    per entry: 1.9 s instead of 0.11 s for a common word at 100,000 documents
    (bench/RESULTS.md)."""

    inherit_cache = True


@compiles(FtsFirst, "sqlite")
def _cross_join(element, compiler, **kw):
    return compiler.visit_join(element, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def _quoted(tokens: tuple[str, ...]) -> str:
    # Tokens are letters and digits only (analysis.syllables): nothing to escape.
    return '"' + " ".join(tokens) + '"'


def _clause(clause: Clause, exact: bool) -> str:
    if clause.kind == "number":
        return "{number} : " + _quoted(clause.tokens)
    columns = "{xtitle xbody}" if exact else "{number title body}"
    if clause.kind == "phrase":
        columns = "{xtitle xbody}" if exact else "{title body}"
    return f"{columns} : {_quoted(clause.tokens)}"


def match_expression(query: ParsedQuery) -> str:
    """The FTS5 MATCH string: every clause must hold (AND)."""
    return " AND ".join(_clause(c, query.exact) for c in query.clauses)


class SqliteFtsIndex:
    name = "sqlite-fts5"
    transactional = True

    @staticmethod
    def install(connection) -> None:
        """Create the virtual table (migrations call this; idempotent)."""
        connection.exec_driver_sql(DDL)

    def write(self, session: Session, entries: list[IndexEntry]) -> None:
        if not entries:
            return
        ids = [e.document_id for e in entries]
        self._delete(session, sorted(common.present(session, ids)))
        common.write_entries(session, entries)
        session.execute(text("INSERT INTO search_fts(rowid, number, title, body, xtitle, xbody) "
                             "VALUES (:id, :number, :title, :body, :xtitle, :xbody)"),
                        [{"id": e.document_id, "number": e.number, "title": e.title,
                          "body": e.body, "xtitle": e.xtitle, "xbody": e.xbody}
                         for e in entries])

    @staticmethod
    def _delete(session: Session, ids: list[int]) -> None:
        """One ``rowid = ?`` per document: FTS5 looks a rowid up directly, while
        ``rowid IN (…)`` scans the whole table (quadratic over a rebuild)."""
        if ids:
            session.execute(text("DELETE FROM search_fts WHERE rowid = :id"),
                            [{"id": i} for i in ids])

    def remove(self, session: Session, document_ids: list[int]) -> None:
        common.remove_entries(session, document_ids)
        self._delete(session, list(document_ids))

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_fts"))
        session.execute(text("DELETE FROM search_entries"))

    def optimize(self, session: Session) -> None:
        """Merge the FTS5 segments (after a full rebuild)."""
        session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))

    def search(self, session: Session, request: SearchRequest) -> Matches:
        if request.query.empty:
            return common.browse(session, request)
        match = match_expression(request.query)
        rowid = _FTS.c.rowid
        weights = [WEIGHTS["number"], WEIGHTS["title"], WEIGHTS["body"],
                   WEIGHTS["title"], WEIGHTS["body"]]
        score = -func.bm25(literal_column("search_fts"), *weights)   # bm25: lower is better
        where = common.where_clause(request) & text("search_fts MATCH :match")

        def base(*cols):
            return (select(*cols)
                    .select_from(FtsFirst(_FTS, common.SearchEntry.__table__,
                                          common.E.document_id == rowid))
                    .where(where).params(match=match))

        rows = session.execute(base(*common.ROW_COLUMNS, score.label("score"))
                               .order_by(rowid.desc()).limit(CANDIDATES)).all()
        cands = common.candidates_from(rows)
        total, exact = common.limited(request, len(cands))
        if len(cands) >= CANDIDATES:     # candidates are the newest matches: count the older ones
            older = base(_FTS.c.rowid).where(rowid < cands[-1].document_id)
            total, exact = common.capped_total(session, request, len(cands), older)

        def page_by_date(offset: int, limit: int) -> list[int]:
            return list(session.scalars(base(common.E.document_id)
                                        .order_by(common.E.sort_date.desc(),
                                                  common.E.document_id.desc())
                                        .offset(offset).limit(limit)))
        return common.matches(request, cands, total, ranked=True, page_by_date=page_by_date,
                              total_exact=exact)

    def document_ids(self, session: Session) -> set[int]:
        return common.document_ids(session)

    def stats(self, session: Session) -> dict:
        docs = session.scalar(select(func.count()).select_from(common.SearchEntry))
        size = session.scalar(text(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%'")) \
            if _has_dbstat(session) else None
        return {"documents": docs, "bytes": size}


def _has_dbstat(session: Session) -> bool:
    try:
        session.execute(text("SELECT 1 FROM dbstat LIMIT 1"))
        return True
    except Exception:
        return False

