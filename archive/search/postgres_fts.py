"""PostgreSQL full-text engine: the words of a document in ``search_vectors``,
two ``tsvector`` columns with GIN indexes, written in the document's transaction.

PostgreSQL's own parser would split document numbers oddly and its
dictionaries would fold differently from ``analysis`` (STACK.md §3), so
neither ``to_tsvector`` nor ``to_tsquery`` is used: the texts arrive analysed
(syllables joined by spaces) and the vector and query literals are built here,
then cast (``CAST(:v AS tsvector)``), values always bound as parameters.

* ``f`` (folded): number tokens weight A, title tokens weight B, body tokens
  weight D, positions running on with a gap of one between the fields so a
  phrase never joins the end of one field to the start of the next (FTS5
  phrases stay inside one column too);
* ``x`` (exact): xtitle weight B, xbody weight D, same layout.

Clauses, as in ``sqlite_fts``: a term is ``'dinh'`` on ``f`` (any field); a
phrase ``'phat':BD <-> 'trien':BD`` (title or body); a number
``'123':A <-> 'qd':A <-> 'ubnd':A`` (number field only); in exact mode terms
and phrases go to ``x`` instead (numbers stay on ``f``). Every clause must hold.

Limits of ``tsvector`` (PostgreSQL 15), none of which affects short fields:
* positions stop at 16383: in a longer body every later word is still found
  as a word, but phrases past that point are no longer recognised (their
  syllables share the last position);
* at most 256 positions are kept per word (PostgreSQL drops the rest): a
  phrase whose syllables each occur more than 256 times earlier in the same
  body may be missed at its later occurrences;
* a vector holds at most 1 MB: body words are cut once the vector would
  exceed ``MAX_VECTOR_BYTES`` (only a body with tens of thousands of distinct
  words — OCR noise — gets there); words longer than 2047 bytes are skipped
  (a query is at most 500 characters, so it could never name them).

Relevance: ``ts_rank`` with the field weights of ``WEIGHTS`` (number 10,
title 4, body 1 → A 1.0, B 0.4, D 0.1), computed only for the at most
``CANDIDATES`` newest matches the query returns.
"""
from __future__ import annotations

from functools import reduce

from sqlalchemy import and_, bindparam, cast, column, func, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY
from sqlalchemy.orm import Session

from archive.search import common
from archive.search.index import CANDIDATES, WEIGHTS, IndexEntry, Matches, SearchRequest
from archive.search.query import Clause, ParsedQuery

MAX_POSITION = 16383            # PostgreSQL clamps larger positions to this
MAX_POSITIONS_PER_WORD = 256    # PostgreSQL keeps only the first 256
MAX_WORD_BYTES = 2047           # longer lexemes are refused by tsvector input
MAX_VECTOR_BYTES = 1_000_000    # a tsvector's strings and positions stay below 1 MB

_VECTORS = table("search_vectors", column("document_id"), column("f"), column("x"))
_V = _VECTORS.c
_E = common.E
_TOP = max(WEIGHTS.values())
# ts_rank weights in the order {D, C, B, A}: body, (unused), title, number.
RANK_WEIGHTS = [WEIGHTS["body"] / _TOP, 0.0, WEIGHTS["title"] / _TOP, WEIGHTS["number"] / _TOP]


# --- vectors ----------------------------------------------------------------------

def _quote(token: str) -> str:
    # Tokens are letters and digits only (analysis.syllables); escape anyway.
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(fields: list[tuple[str, str]]) -> str:
    """A ``tsvector`` literal for ``[(weight, analysed text), ...]`` in field order.

    Positions start at 1 and run on over the fields, one position left empty
    between two fields; see the module notes for the limits applied.

    Building these literals was more than half of the PostgreSQL index time
    (bench/RESULTS.md, 1.5–1.8 ms per document of ~2 KB), and the per-token
    accounting of the limits only matters for huge texts: below the sizes
    checked here no position is clamped (so positions strictly increase), no
    vector nears 1 MB and only a token of more than 511 characters can exceed
    2047 bytes. Such texts take the short path (same literal, 0.6–0.9 ms);
    the others ``bounded_vector_literal``.
    """
    total = sum(len(t) for _w, t in fields)
    if total * 4 >= MAX_VECTOR_BYTES // 5 or (total + 1) // 2 + len(fields) >= MAX_POSITION:
        return bounded_vector_literal(fields)
    words: dict[str, list[str]] = {}
    position = 0
    for weight, analysed_text in fields:
        if position:
            position += 1                       # the gap between two fields
        for position, token in enumerate(analysed_text.split(), position + 1):
            if len(token) > 511 and len(token.encode("utf-8")) > MAX_WORD_BYTES:
                continue
            entry = words.get(token)
            if entry is None:
                words[token] = [f"{position}{weight}"]
            elif len(entry) < MAX_POSITIONS_PER_WORD:
                entry.append(f"{position}{weight}")
    return " ".join(f"{_quote(w)}:{','.join(p)}" for w, p in words.items())


def bounded_vector_literal(fields: list[tuple[str, str]]) -> str:
    """``vector_literal`` for any size: every limit of ``tsvector`` accounted per token."""
    words: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    size = 0
    position = 0
    for weight, analysed_text in fields:
        if position:
            position += 1                       # the gap between two fields
        for token in analysed_text.split():
            position += 1
            width = len(token.encode("utf-8"))
            if width > MAX_WORD_BYTES:
                continue
            pos = min(position, MAX_POSITION)
            entry = words.get(token)
            if entry is None:
                cost = width + (width & 1) + 4  # string, alignment, count, one position
                if size + cost > MAX_VECTOR_BYTES:
                    continue                    # cut: no room for another word
                words[token] = [f"{pos}{weight}"]
                last[token] = pos
                size += cost
            elif last[token] != pos and len(entry) < MAX_POSITIONS_PER_WORD:
                if size + 2 > MAX_VECTOR_BYTES:
                    continue
                entry.append(f"{pos}{weight}")
                last[token] = pos
                size += 2
    return " ".join(f"{_quote(w)}:{','.join(p)}" for w, p in words.items())


def vectors_of(entry: IndexEntry) -> tuple[str, str]:
    """The ``f`` (folded) and ``x`` (exact) literals of an entry."""
    folded = vector_literal([("A", entry.number), ("B", entry.title), ("D", entry.body)])
    exact = vector_literal([("B", entry.xtitle), ("D", entry.xbody)])
    return folded, exact


# --- queries ----------------------------------------------------------------------

def _sequence(tokens: tuple[str, ...], weights: str = "") -> str:
    suffix = f":{weights}" if weights else ""
    joined = " <-> ".join(_quote(t) + suffix for t in tokens)
    return f"({joined})" if len(tokens) > 1 else joined


def _clause(clause: Clause, exact: bool) -> tuple[str, str]:
    """(column, tsquery text) of one clause."""
    if clause.kind == "number":
        return "f", _sequence(clause.tokens, "A")
    if exact:
        return "x", _sequence(clause.tokens)
    if clause.kind == "phrase":
        return "f", _sequence(clause.tokens, "BD")
    return "f", _sequence(clause.tokens)


def tsqueries(query: ParsedQuery) -> dict[str, str]:
    """``{"f": tsquery text, "x": tsquery text}`` (a column without clauses is left out)."""
    parts: dict[str, list[str]] = {"f": [], "x": []}
    for clause in query.clauses:
        col, expr = _clause(clause, query.exact)
        parts[col].append(expr)
    return {col: " & ".join(exprs) for col, exprs in parts.items() if exprs}


class PostgresFtsIndex:
    name = "postgresql-fts"
    transactional = True

    def write(self, session: Session, entries: list[IndexEntry]) -> None:
        if not entries:
            return
        common.write_entries(session, entries)
        rows = []
        for e in entries:
            folded, exact = vectors_of(e)
            rows.append({"id": e.document_id, "f": folded, "x": exact})
        session.execute(text(
            "INSERT INTO search_vectors (document_id, f, x) "
            "VALUES (:id, CAST(:f AS tsvector), CAST(:x AS tsvector)) "
            "ON CONFLICT (document_id) DO UPDATE SET f = excluded.f, x = excluded.x"), rows)

    def remove(self, session: Session, document_ids: list[int]) -> None:
        ids = [int(i) for i in document_ids]
        if not ids:
            return
        common.remove_entries(session, ids)
        session.execute(_VECTORS.delete().where(_V.document_id.in_(ids)))

    def clear(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_vectors"))
        session.execute(text("DELETE FROM search_entries"))

    def optimize(self, session: Session) -> None:
        """Fresh planner statistics after a full rebuild."""
        session.execute(text("ANALYZE search_vectors"))
        session.execute(text("ANALYZE search_entries"))

    def search(self, session: Session, request: SearchRequest) -> Matches:
        if request.query.empty:
            return common.browse(session, request, grants_as_exists=True)
        queries = {col: cast(bindparam(f"q_{col}", q), TSQUERY)
                   for col, q in tsqueries(request.query).items()}
        where = and_(common.where_clause(request, grants_as_exists=True),
                     *(getattr(_V, col).bool_op("@@")(q) for col, q in queries.items()))

        def base(*cols):
            return (select(*cols).select_from(common.SearchEntry)
                    .join(_VECTORS, _V.document_id == _E.document_id).where(where))

        # The newest candidates first, ranked afterwards: ts_rank reads every
        # vector it scores, so it must only see the rows the LIMIT keeps.
        newest = (base(*common.ROW_COLUMNS, *(getattr(_V, col) for col in queries))
                  .order_by(_E.document_id.desc()).limit(CANDIDATES).subquery("newest"))
        weights = cast(bindparam("rank_weights", RANK_WEIGHTS), ARRAY(REAL))
        score = reduce(lambda a, b: a + b, [func.ts_rank(weights, newest.c[col], q)
                                            for col, q in queries.items()])
        ranked = (select(*(newest.c[c.name] for c in common.ROW_COLUMNS), score.label("score"))
                  .order_by(newest.c.document_id.desc()))
        cands = common.candidates_from(session.execute(ranked).all())
        total, exact = common.limited(request, len(cands))
        if len(cands) >= CANDIDATES:     # candidates are the newest matches: count the older ones
            older = base(_E.document_id).where(_E.document_id < cands[-1].document_id)
            total, exact = common.capped_total(session, request, len(cands), older)

        def page_by_date(offset: int, limit: int) -> list[int]:
            return list(session.scalars(base(_E.document_id)
                                        .order_by(_E.sort_date.desc().nulls_last(),
                                                  _E.document_id.desc())
                                        .offset(offset).limit(limit)))
        return common.matches(request, cands, total, ranked=True, page_by_date=page_by_date,
                              total_exact=exact)

    def document_ids(self, session: Session) -> set[int]:
        return common.document_ids(session)

    def stats(self, session: Session) -> dict:
        docs = session.scalar(select(func.count()).select_from(common.SearchEntry))
        size = session.scalar(text("SELECT pg_total_relation_size('search_vectors')"))
        return {"documents": docs, "bytes": size}
