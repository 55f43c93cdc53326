"""Searching documents: what a view or the API calls (DOMAIN §2.15 function 6).

``search_documents`` turns request parameters into a search on the configured
index engine, for one actor, and returns the page of documents with
highlighted snippets and the counts per filter value. Only documents the
actor may open come back: the engine applies the visibility rule inside its
query, and every document of the page is checked again before it is shown.
Saved searches are named parameter sets per person.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields as dc_fields, replace
from datetime import date
from typing import Mapping

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from archive import access
from archive.errors import Conflict, InvalidInput, Msg, NotFound
from archive.identity import Actor
from archive.models import (Department, Document, DocumentType, Register, SavedSearch)
from archive.search.entries import title_text, texts_of
from archive.search import index as index_module
from archive.search.index import FACETS, Filters, SearchIndex, SearchRequest, Viewer
from archive.search.query import ParsedQuery, parse
from archive.search.snippets import highlight, snippet

PER_PAGE_DEFAULT, PER_PAGE_MAX = 20, 200
EXPORT_MAX_ROWS = 5000
TOTAL_LIMIT = index_module.TOTAL_LIMIT     # counted exactly up to this many (tests lower it)
MAX_SAVED = 50
SORTS = ("relevance", "date")
_DATE_FILTERS = ("issued_from", "issued_to", "arrival_from", "arrival_to")
_INT_FILTERS = ("register_id", "department_id", "case_file_id")
_BOOL_FILTERS = ("in_archive",)
_TRUE = ("1", "true", "on", "yes")


@dataclass(frozen=True)
class SearchParams:
    """A search as the user asked for it (query string, saved search, API)."""

    q: str = ""
    exact: bool = False
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT

    @classmethod
    def from_args(cls, args: Mapping) -> "SearchParams":
        """Parse request arguments; a wrong value is a 422 naming the field."""
        problems: dict[str, Msg] = {}
        values: dict = {}
        for f in dc_fields(Filters):
            raw = (args.get(f.name) or "").strip()
            if not raw:
                continue
            try:
                if f.name in _BOOL_FILTERS:
                    values[f.name] = raw.lower() in _TRUE
                elif f.name in _DATE_FILTERS:
                    values[f.name] = date.fromisoformat(raw)
                elif f.name in _INT_FILTERS:
                    values[f.name] = int(raw)
                else:
                    values[f.name] = raw[:200]
            except ValueError:
                problems[f.name] = Msg("Giá trị không hợp lệ.", "Invalid value.")
        sort = args.get("sort") or "relevance"
        if sort not in SORTS:
            problems["sort"] = Msg("Cách sắp xếp không hợp lệ.", "Invalid sort order.")
        page, per_page = _int(args.get("page"), 1), _int(args.get("per_page"), PER_PAGE_DEFAULT)
        if page is None or page < 1:
            problems["page"] = Msg("Số trang không hợp lệ.", "Invalid page number.")
        if per_page is None or not 1 <= per_page <= PER_PAGE_MAX:
            problems["per_page"] = Msg(f"Mỗi trang từ 1 đến {PER_PAGE_MAX} kết quả.",
                                       f"Between 1 and {PER_PAGE_MAX} results per page.")
        if problems:
            raise InvalidInput(Msg("Điều kiện tìm kiếm không hợp lệ.",
                                   "Invalid search parameters."), problems)
        exact = str(args.get("exact") or "").lower() in _TRUE
        return cls(q=(args.get("q") or "").strip(), exact=exact, filters=Filters(**values),
                   sort=sort, page=page, per_page=per_page)

    def to_args(self) -> dict:
        """Query-string form (without page): links, saved searches, exports."""
        out = {"q": self.q} if self.q else {}
        if self.exact:
            out["exact"] = "1"
        if self.sort != "relevance":
            out["sort"] = self.sort
        for key, value in asdict(self.filters).items():
            if value is True:
                out[key] = "1"
            elif value not in (None, "", False):
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


def _int(raw, default: int) -> int | None:
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@dataclass
class Hit:
    document: Document
    title_html: str           # the trích yếu with the matches marked
    snippet_html: str         # a passage of the text (or of the metadata) around them


@dataclass
class FacetValue:
    value: object
    label: str | None          # None: the view names it (enums: direction, urgency…)
    count: int


@dataclass
class SearchOutcome:
    params: SearchParams
    hits: list[Hit]
    total: int
    facets: dict[str, list[FacetValue]]
    facets_partial: bool
    notices: list[Msg]
    searched: bool            # False when the query had nothing to search for
    total_exact: bool = True  # False: more than ``total`` (counting stopped at the limit)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


def viewer_of(actor: Actor) -> Viewer:
    return Viewer(organization_id=actor.organization_id, staff_id=actor.staff_id,
                  sees_open=access.can_read_register(actor))


def search_documents(session: Session, index: SearchIndex, actor: Actor,
                     params: SearchParams) -> SearchOutcome:
    query = parse(params.q, params.exact)
    notices = list(query.notices)
    if params.q and query.empty:              # only punctuation: nothing to look for
        return SearchOutcome(params, [], 0, {}, False, notices, searched=False)
    request = SearchRequest(query=query, viewer=viewer_of(actor), filters=params.filters,
                            sort=params.sort, offset=(params.page - 1) * params.per_page,
                            limit=params.per_page, total_limit=TOTAL_LIMIT)
    matches = index.search(session, request)
    docs = _visible_in_order(session, actor, matches.ids)
    return SearchOutcome(params, _hits(session, query, docs), matches.total,
                         _labelled(session, matches.facets), matches.facets_partial,
                         notices, searched=True, total_exact=matches.total_exact)


def _visible_in_order(session: Session, actor: Actor, ids: list[int]) -> list[Document]:
    """The page's documents, re-checked against the visibility rule."""
    if not ids:
        return []
    found = {d.id: d for d in session.scalars(
        select(Document).where(Document.id.in_(ids), access.visibility_clause(actor)))}
    return [found[i] for i in ids if i in found]


def _hits(session: Session, query: ParsedQuery, docs: list[Document]) -> list[Hit]:
    tokens, exact = query.highlight_tokens(), query.exact
    texts = texts_of(session, docs)
    hits = []
    for doc in docs:
        body = "\n".join(texts.get(doc.id, [])) or title_text(doc)
        hits.append(Hit(doc, highlight(doc.subject, tokens, exact),
                        snippet(body, tokens, exact)))
    return hits


def _labelled(session: Session, facets: dict[str, dict]) -> dict[str, list[FacetValue]]:
    names = {
        "register_id": _names(session, Register.id, Register.name, facets.get("register_id")),
        "department_id": _names(session, Department.id, Department.name,
                                facets.get("department_id")),
        "document_type": _names(session, DocumentType.code, DocumentType.name,
                                facets.get("document_type")),
    }
    out = {}
    for facet in FACETS:
        counts = facets.get(facet) or {}
        labels = names.get(facet, {})
        values = [FacetValue(v, labels.get(v, str(v)) if facet in names else
                             (v if facet == "issuer" else None), n) for v, n in counts.items()]
        out[facet] = values[:15] if facet == "issuer" else values
    return out


def _names(session: Session, key_col, name_col, counts: dict | None) -> dict:
    if not counts:
        return {}
    return {k: n for k, n in session.execute(select(key_col, name_col)
                                             .where(key_col.in_(list(counts))))}


# --- result lists for export -------------------------------------------------------

def all_hits(session: Session, index: SearchIndex, actor: Actor,
             params: SearchParams) -> tuple[list[Hit], int, bool]:
    """Every result (up to EXPORT_MAX_ROWS) in the chosen order, for an export,
    with the total and whether it is exact."""
    hits: list[Hit] = []
    page, total, exact = 1, 0, True
    while len(hits) < EXPORT_MAX_ROWS:
        outcome = search_documents(session, index, actor,
                                   replace(params, page=page, per_page=PER_PAGE_MAX))
        total, exact = outcome.total, outcome.total_exact
        hits.extend(outcome.hits)
        if not outcome.searched or page >= outcome.pages:
            break
        page += 1
    return hits[:EXPORT_MAX_ROWS], total, exact


# --- saved searches ---------------------------------------------------------------

def saved_searches(session: Session, actor: Actor) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.staff_id == actor.staff_id)
                                .order_by(SavedSearch.name)))


def save_search(session: Session, actor: Actor, name: str, params: SearchParams) -> SavedSearch:
    """Name the current search; the same name replaces the earlier one."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise InvalidInput(Msg("Hãy đặt tên cho tìm kiếm.", "Give the search a name."),
                           {"name": Msg("Bắt buộc.", "Required.")})
    found = session.scalar(select(SavedSearch).where(SavedSearch.staff_id == actor.staff_id,
                                                     SavedSearch.name == name))
    if found is None:
        count = session.scalar(select(func.count()).select_from(SavedSearch)
                               .where(SavedSearch.staff_id == actor.staff_id))
        if count >= MAX_SAVED:
            raise Conflict(Msg(f"Đã có {MAX_SAVED} tìm kiếm được lưu; hãy xóa bớt.",
                               f"{MAX_SAVED} searches are saved already; delete some."))
        found = SavedSearch(staff_id=actor.staff_id, name=name)
        session.add(found)
    found.params = params.to_args()
    session.commit()
    return found


def get_saved(session: Session, actor: Actor, saved_id: int) -> SavedSearch:
    found = session.get(SavedSearch, saved_id)
    if found is None or found.staff_id != actor.staff_id:
        raise NotFound(Msg("Không tìm thấy tìm kiếm đã lưu.", "Saved search not found."))
    return found


def delete_saved(session: Session, actor: Actor, saved_id: int) -> None:
    get_saved(session, actor, saved_id)
    session.execute(delete(SavedSearch).where(SavedSearch.id == saved_id))
    session.commit()
