"""The one interface every index engine implements, and the values it exchanges.

An engine answers "which documents match, in which order, how many, and how
are they spread over the filter values", for one viewer. Visibility is part
of the question, not a post-filter: results, counts and snippets are built
only from what the engine returns, so nothing a viewer may not open can leak
through any of them.

Bounded work (STACK.md §3: ranking every match is what made engines slow):
the engine considers at most ``CANDIDATES`` matches, the newest first, for
relevance ranking and facet counts. The total is exact up to
``TOTAL_LIMIT`` and reported as "more than" beyond it: counting 900,000
matches of a common word cannot be done in 200 ms on two cores by any engine
measured here (bench/RESULTS.md), and nobody pages through ten thousand
results. A page beyond the candidates (or a date sort of a larger set) is
served in date order by the engine directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from archive.search.query import ParsedQuery

CANDIDATES = 2000
TOTAL_LIMIT = 10_000
FACETS = ("direction", "register_id", "document_type", "issuer", "urgency", "status",
          "department_id")
# Weights of the fields in relevance ranking: the number and the trích yếu
# (title) count for more than a word somewhere in the body.
WEIGHTS = {"number": 10.0, "title": 4.0, "body": 1.0}


@dataclass(frozen=True)
class Viewer:
    """Who is searching, as the visibility rule needs it (see ``archive.access``)."""

    organization_id: int
    staff_id: int | None
    sees_open: bool     # register roles see every non-confidential document


@dataclass(frozen=True)
class Filters:
    register_id: int | None = None
    direction: str | None = None
    document_type: str | None = None
    issuer: str | None = None
    urgency: str | None = None
    status: str | None = None
    department_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    arrival_from: date | None = None
    arrival_to: date | None = None
    case_file_id: int | None = None      # only the documents of this case file (hồ sơ)
    in_archive: bool = False             # only documents of files handed to the archive

    def equalities(self) -> dict:
        """The filters that are a plain ``column = value`` (one per facet)."""
        return {k: getattr(self, k) for k in FACETS if getattr(self, k) not in (None, "")}


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery
    viewer: Viewer
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"          # relevance | date (newest first)
    offset: int = 0
    limit: int = 20
    total_limit: int = TOTAL_LIMIT   # count exactly up to this many (tests lower it)


@dataclass
class Matches:
    ids: list[int]                    # the requested page, in order
    total: int                        # exact when total_exact, else the limit reached
    facets: dict[str, dict] = field(default_factory=dict)   # facet -> {value: count}
    facets_partial: bool = False      # counted over the newest CANDIDATES only
    total_exact: bool = True          # False: there are more than ``total`` matches


@dataclass(frozen=True)
class IndexEntry:
    """A document as every engine indexes it: filter columns and analysed text.

    ``meta`` holds the ``SearchEntry`` columns (filters, facets, visibility);
    ``readers`` the staff a document was routed to (engines that keep
    visibility inside the index need it); texts are analysed already
    (``analysis.analysed``): folded and exact forms of title and body, and the
    folded number.
    """

    document_id: int
    meta: dict
    readers: tuple[int, ...]
    title: str
    body: str
    xtitle: str
    xbody: str
    number: str


class SearchIndex(Protocol):
    """An index engine. ``transactional`` engines write through the session,
    inside the transaction that changed the document; the others are written
    after the commit."""

    name: str
    transactional: bool

    def write(self, session: Session, entries: list[IndexEntry]) -> None:
        """Add or replace these documents."""

    def remove(self, session: Session, document_ids: list[int]) -> None:
        """Forget these documents (absent ids are ignored)."""

    def clear(self, session: Session) -> None:
        """Forget everything (before a full rebuild)."""

    def search(self, session: Session, request: SearchRequest) -> Matches:
        """Matches for ``request`` (an empty query lists by filters only)."""

    def document_ids(self, session: Session) -> set[int]:
        """Every indexed document id (to drop the entries of deleted documents)."""

    def stats(self, session: Session) -> dict:
        """``{"documents": n, "bytes": size or None}`` for the admin page and bench."""
