"""The three search engines answer the same questions the same way.

Every test runs on SQLite FTS5 (the reference), PostgreSQL full-text search
and Whoosh (on SQLite). Documents are registered through the real use case,
so the index is filled by the ``follow`` hooks (in the transaction for the
database engines, right after the commit for Whoosh), and searched through
the app's ``SearchIndex``.

Most tests only read a corpus built once per engine (``corpus``); tests that
change documents get a fresh database each (``app``). The last test checks
Whoosh's writer locking on its own.
"""
from __future__ import annotations

import shutil
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

import config
from app import create_app, wiring
from app.extensions import db
from archive import access, directory
from archive.identity import Actor
from archive.models import Document, DocumentAccess, ExtractedText, Register
from archive.search import common, indexer, postgres_fts, sqlite_fts, whoosh_index
from archive.search.index import Filters, IndexEntry, Matches, SearchRequest, Viewer
from archive.search.query import parse
from tests.conftest import DEMO_PASSWORD, _pg_url, unique_pdf
from workflows import incoming
from workflows.incoming import Upload

ENGINES = ("sqlite-fts5", "postgresql-fts", "whoosh")     # SearchIndex.name of each
TODAY = date(2026, 11, 21)


def _backend(engine: str) -> str:
    return "postgresql" if engine == "postgresql-fts" else "sqlite"


def _make_app(url: str, data_dir, engine: str):
    return create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir,
                      SEARCH_BACKEND="whoosh" if engine == "whoosh" else "database")


# --- helpers --------------------------------------------------------------------

def actor(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def viewer(username: str) -> Viewer:
    who = actor(username)
    return Viewer(who.organization_id, who.staff_id, access.can_read_register(who))


def search(q: str | None = "", *, who: str = "vanthu", exact: bool = False,
           sort: str = "relevance", offset: int = 0, limit: int = 50,
           total_limit: int = 10_000, **filters) -> Matches:
    request = SearchRequest(parse(q, exact), viewer(who), Filters(**filters), sort=sort,
                            offset=offset, limit=limit, total_limit=total_limit)
    return wiring.search_index().search(db.session, request)


_serial = iter(range(700, 100000))


def register(who: str = "vanthu", **fields) -> Document:
    values = {"code_number": str(next(_serial)), "code_notation": "TEST",
              "issuer_name": "Cơ quan thử", "document_type": "CV", "subject": "Văn bản thử",
              "issued_date": "2026-11-01", "arrival_date": "2026-11-02",
              "signer_name": "Lê Hoa", "signer_position": "Trưởng phòng", **fields}
    return incoming.register_incoming(db.session, actor(who), wiring.storage(), wiring.limits(),
                                      values, [Upload("scan.pdf", unique_pdf())],
                                      today=TODAY).document


def other_organisation_clerk() -> str:
    """A second agency with its own clerk (the demo has one agency only)."""
    org = directory.create_organization(db.session, Actor.system(), name="Sở Tài chính tỉnh Khác",
                                        abbreviation="STC")
    directory.create_staff(db.session, Actor.system(org.id), organization_id=org.id,
                           username="vanthu.stc", full_name="Phan Văn Khác",
                           password=DEMO_PASSWORD, roles=["clerk"])
    db.session.commit()
    return "vanthu.stc"


# --- the corpus (one per engine, read by most tests) ----------------------------

# key -> fields; registered in this order, so document ids follow it. Every
# title holds "hoa" (the signer Lê Hoa), so "hoa" matches every document.
CORPUS = {
    "dulich": dict(code_number="123", code_notation="QĐ-UBND", document_type="QD",
                   issuer_name="Ủy ban nhân dân tỉnh Demo",
                   subject="Quyết định về việc phát triển du lịch tỉnh Demo",
                   issued_date="2026-09-01", arrival_date="2026-09-03"),
    "rai_rac": dict(code_number="124", code_notation="QĐ-UBND", document_type="QD",
                    issuer_name="Ủy ban nhân dân tỉnh Demo",
                    subject="Du lịch và phát triển kinh tế miền núi", urgency="urgent",
                    issued_date="2026-09-10", arrival_date="2026-09-12"),
    "dat_dai": dict(code_number="45", code_notation="STNMT-ĐĐ", document_type="CV",
                    issuer_name="Sở Tài nguyên và Môi trường",
                    subject="Về quản lý đất đai năm 2026", urgency="urgent",
                    issued_date="2026-10-01", arrival_date="2026-10-02"),
    "dat_lich": dict(code_number="7", code_notation="TB-VP", document_type="TB",
                     issuer_name="Văn phòng UBND tỉnh",
                     subject="Thông báo đặt lịch họp giao ban",
                     notes="Căn cứ Quyết định 123/QĐ-UBND của tỉnh",
                     issued_date="2026-10-05", arrival_date="2026-10-06"),
    "mat": dict(code_number="9", code_notation="BC-CA", document_type="BC",
                issuer_name="Công an tỉnh", subject="Báo cáo tình hình đất đai vùng biên",
                confidentiality="confidential",
                issued_date="2026-10-07", arrival_date="2026-10-08"),
    "ke_hoach": dict(code_number="88", code_notation="KH-SVHTTDL", document_type="KH",
                     issuer_name="Sở Văn hóa, Thể thao và Du lịch",
                     subject="Kế hoạch tổ chức hội nghị",
                     notes="Nội dung: phát triển du lịch bền vững", urgency="flash",
                     issued_date="2026-10-15", arrival_date="2026-10-20"),
    # registered last (in last year's register) but arrived first: date order
    # differs from id order
    "cu": dict(code_number="3", code_notation="GM-SNV", document_type="GM",
               issuer_name="Sở Nội vụ", subject="Giấy mời dự hội thảo văn hóa",
               issued_date="2025-12-20", arrival_date="2025-12-22"),
}
BY_DATE = ["ke_hoach", "mat", "dat_lich", "dat_dai", "rai_rac", "dulich", "cu"]
DEMO_DOCS = set(CORPUS)
OPEN_DOCS = DEMO_DOCS - {"mat"}


@dataclass
class World:
    engine: str
    app: object
    ids: dict[str, int] = field(default_factory=dict)

    def keys(self, matches: Matches) -> list[str]:
        names = {v: k for k, v in self.ids.items()}
        return [names.get(i, f"#{i}") for i in matches.ids]

    def found(self, matches: Matches) -> set[str]:
        assert matches.total == len(matches.ids), "page too small for a set comparison"
        return set(self.keys(matches))


def _build_corpus(world: World) -> None:
    for key, fields in CORPUS.items():
        world.ids[key] = register(**fields).id
    done = db.session.get(Document, world.ids["dat_lich"])
    done.status = "done"                          # followed like any change
    db.session.commit()
    other = other_organisation_clerk()
    world.ids["khac"] = register(
        other, code_number="123", code_notation="QĐ-UBND", document_type="QD",
        issuer_name="Ủy ban nhân dân tỉnh Khác",
        subject="Quyết định phát triển du lịch và đất đai", issued_date="2026-10-01",
        arrival_date="2026-10-03").id


@pytest.fixture(scope="module", params=ENGINES)
def world(request, tmp_path_factory):
    engine = request.param
    folder = tmp_path_factory.mktemp(f"search-{engine}")
    pg_name, databases = None, None
    if _backend(engine) == "sqlite":
        path = folder / "eoffice.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        databases = request.getfixturevalue("pg_databases")
        pg_name = databases.create()
        url = _pg_url(pg_name)
    application = _make_app(url, folder / "data", engine)
    built = World(engine, application)
    with application.app_context():
        _build_corpus(built)
        db.session.remove()
    yield built
    with application.app_context():
        db.engine.dispose()
    if pg_name:
        databases.drop(pg_name)


@pytest.fixture
def corpus(world):
    with world.app.app_context():
        yield world
        db.session.remove()


# --- fresh databases for tests that change documents ----------------------------

@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def backend(engine) -> str:
    """Overrides conftest's ``backend``: the database follows the engine."""
    return _backend(engine)


@pytest.fixture
def app(engine, database_url, tmp_path):
    application = _make_app(database_url, tmp_path / "data", engine)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


# --- corpus tests ----------------------------------------------------------------

def test_the_configured_engine_runs(corpus):
    assert wiring.search_index().name == corpus.engine


def test_folding_finds_the_same_documents(corpus):
    decision = {"dulich", "dat_lich"}         # dat_lich quotes "Quyết định" in its notes
    nfd = unicodedata.normalize("NFD", "Quyết định")
    assert nfd != "Quyết định"
    for q in ("quyet dinh", "QUYẾT ĐỊNH", "Quyết định", nfd, "quyết ĐỊNH"):
        assert corpus.found(search(q)) == decision, q
    for q in ("dat dai", "đất đai", "ĐẤT ĐAI", "Dat Dai"):
        assert corpus.found(search(q)) == {"dat_dai", "mat"}, q
    # đ/Đ in the ký hiệu
    for q in ("45/STNMT-ĐĐ", "45/stnmt-dd", "STNMT-ĐĐ", "stnmt-đđ"):
        assert corpus.found(search(q)) == {"dat_dai"}, q


def test_exact_mode_keeps_diacritics(corpus):
    assert corpus.found(search("dat")) == {"dat_dai", "mat", "dat_lich"}
    assert corpus.found(search("đất", exact=True)) == {"dat_dai", "mat"}
    assert corpus.found(search("ĐẤT", exact=True)) == {"dat_dai", "mat"}
    assert corpus.found(search("đặt", exact=True)) == {"dat_lich"}
    assert corpus.found(search("dat", exact=True)) == set()
    assert corpus.found(search('"đất đai"', exact=True)) == {"dat_dai", "mat"}
    assert corpus.found(search('"đặt đai"', exact=True)) == set()
    # a number stays folded in exact mode, the words beside it do not
    assert corpus.found(search("45/STNMT-ĐĐ quản", exact=True)) == {"dat_dai"}
    assert corpus.found(search("45/stnmt-dd quan", exact=True)) == set()


def test_phrases_need_the_syllables_in_order(corpus):
    assert corpus.found(search('"phát triển du lịch"')) == {"dulich", "ke_hoach"}
    assert corpus.found(search('"phat trien du lich"')) == {"dulich", "ke_hoach"}
    assert corpus.found(search("phát triển du lịch")) == {"dulich", "rai_rac", "ke_hoach"}
    assert corpus.found(search('"du lịch phát triển"')) == set()
    assert corpus.found(search('"du lịch và phát triển"')) == {"rai_rac"}
    assert corpus.found(search('"phát triển du lịch"', exact=True)) == {"dulich", "ke_hoach"}
    # a phrase never runs from the end of the title into the body
    assert corpus.found(search('"truong phong noi dung"')) == set()
    assert corpus.found(search('"trưởng phòng nội dung"', exact=True)) == set()
    assert corpus.found(search('"noi dung phat trien"')) == {"ke_hoach"}
    # a quoted phrase is words, not a number: dat_lich quotes the number in its notes
    assert corpus.found(search('"QĐ UBND"')) == {"dat_lich"}
    assert corpus.found(search('"123 QĐ UBND"')) == {"dat_lich"}


def test_number_lookups(corpus):
    for q in ("123/QĐ-UBND", "123/qd-ubnd", "123/QD-UBND"):
        assert corpus.found(search(q)) == {"dulich"}, q          # not dat_lich's notes
    assert corpus.found(search("QĐ-UBND")) == {"dulich", "rai_rac"}
    assert corpus.found(search("124/QĐ-UBND")) == {"rai_rac"}
    assert corpus.found(search("999/QĐ-UBND")) == set()
    assert corpus.found(search("123/TB-VP")) == set()
    assert corpus.found(search("7/TB-VP")) == {"dat_lich"}
    # a bare number is a word: number field and texts alike
    assert corpus.found(search("123")) == {"dulich", "dat_lich"}
    assert corpus.found(search("QĐ-UBND du lịch")) == {"dulich", "rai_rac"}


def _registers() -> dict:
    """(year, confidential) -> register id of the demo agency."""
    return {(r.year, r.confidential): r.id for r in db.session.scalars(
        select(Register).where(Register.organization_id == actor("vanthu").organization_id))}


def test_filters(corpus):
    registers = _registers()
    for q in ("", "hoa"):
        assert corpus.found(search(q)) == DEMO_DOCS, q
        assert corpus.found(search(q, direction="incoming")) == DEMO_DOCS
        assert corpus.found(search(q, direction="outgoing")) == set()
        assert corpus.found(search(q, register_id=registers[2026, False])) == \
            OPEN_DOCS - {"cu"}
        assert corpus.found(search(q, register_id=registers[2025, False])) == {"cu"}
        assert corpus.found(search(q, register_id=registers[2026, True])) == {"mat"}
        assert corpus.found(search(q, document_type="QD")) == {"dulich", "rai_rac"}
        assert corpus.found(search(q, issuer="Ủy ban nhân dân tỉnh Demo")) == \
            {"dulich", "rai_rac"}
        assert corpus.found(search(q, issuer="Ủy ban nhân dân tỉnh")) == set()
        assert corpus.found(search(q, urgency="urgent")) == {"rai_rac", "dat_dai"}
        assert corpus.found(search(q, urgency="flash")) == {"ke_hoach"}
        assert corpus.found(search(q, status="done")) == {"dat_lich"}
        assert corpus.found(search(q, status="registered")) == DEMO_DOCS - {"dat_lich"}
        assert corpus.found(search(q, issued_from=date(2026, 10, 1))) == \
            {"dat_dai", "dat_lich", "mat", "ke_hoach"}
        assert corpus.found(search(q, issued_to=date(2026, 9, 10))) == \
            {"dulich", "rai_rac", "cu"}
        assert corpus.found(search(q, issued_from=date(2026, 9, 10),
                                   issued_to=date(2026, 10, 5))) == \
            {"rai_rac", "dat_dai", "dat_lich"}
        assert corpus.found(search(q, arrival_from=date(2026, 10, 6),
                                   arrival_to=date(2026, 10, 8))) == {"dat_lich", "mat"}
        assert corpus.found(search(q, arrival_to=date(2026, 8, 31))) == {"cu"}
        assert corpus.found(search(q, arrival_from=date(2025, 12, 22),
                                   arrival_to=date(2025, 12, 22))) == {"cu"}
        assert corpus.found(search(q, document_type="QD", urgency="urgent")) == {"rai_rac"}
    assert corpus.found(search("dat dai", urgency="urgent")) == {"dat_dai"}
    assert corpus.found(search("123/QĐ-UBND", document_type="TB")) == set()


def test_facets_count_each_value(corpus):
    registers = _registers()
    for q in ("hoa", ""):
        result = search(q, limit=2)
        assert result.total == 7 and len(result.ids) == 2 and not result.facets_partial
        facets = result.facets
        assert facets["direction"] == {"incoming": 7}
        assert facets["document_type"] == {"QD": 2, "CV": 1, "TB": 1, "BC": 1, "KH": 1, "GM": 1}
        assert facets["urgency"] == {"normal": 4, "urgent": 2, "flash": 1}
        assert facets["status"] == {"registered": 6, "done": 1}
        assert facets["register_id"] == {registers[2026, False]: 5, registers[2025, False]: 1,
                                         registers[2026, True]: 1}
        assert facets["issuer"]["Ủy ban nhân dân tỉnh Demo"] == 2
        assert sum(facets["issuer"].values()) == 7
        assert facets["department_id"] == {}
    # facets follow the filters and the viewer
    leader = search("dat dai", who="giamdoc")
    assert leader.facets["document_type"] == {"CV": 1}
    assert search("dat dai").facets["document_type"] == {"CV": 1, "BC": 1}
    assert search("hoa", urgency="urgent").facets["urgency"] == {"urgent": 2}


def test_visibility_is_inside_the_query(corpus):
    # the confidential report is routed to nobody: the clerk who registered it sees it
    assert corpus.found(search("dat dai")) == {"dat_dai", "mat"}
    assert corpus.found(search("dat dai", who="giamdoc")) == {"dat_dai"}
    assert corpus.found(search("", who="giamdoc")) == OPEN_DOCS
    assert corpus.found(search("hoa", who="giamdoc")) == OPEN_DOCS
    # another agency's document, same number and words: never seen across agencies
    assert corpus.found(search("123/QĐ-UBND")) == {"dulich"}
    assert corpus.found(search("123/QĐ-UBND", who="giamdoc")) == {"dulich"}
    assert corpus.found(search("123/QĐ-UBND", who="vanthu.stc")) == {"khac"}
    assert corpus.found(search("", who="vanthu.stc")) == {"khac"}
    assert corpus.found(search("dat dai", who="vanthu.stc")) == {"khac"}
    # a specialist without a register role sees what was routed to him only
    assert search("", who="chuyenvien.vh").total == 0
    assert search("hoa", who="chuyenvien.vh").total == 0
    assert search("hoa", who="chuyenvien.vh").facets["document_type"] == {}
    # nobody in particular
    nobody = SearchRequest(parse("hoa"), Viewer(actor("vanthu").organization_id, None, False))
    assert wiring.search_index().search(db.session, nobody).total == 0


def test_paging_and_date_sort(corpus):
    everything = search("", sort="date")
    assert corpus.keys(everything) == BY_DATE
    assert corpus.keys(search("hoa", sort="date")) == BY_DATE
    for q in ("", "hoa"):
        for sort in ("date", "relevance"):
            full = search(q, sort=sort)
            pages = []
            for offset in range(0, 8, 3):
                page = search(q, sort=sort, offset=offset, limit=3)
                assert page.total == 7
                pages += page.ids
            assert pages == full.ids, (q, sort)
    assert search("hoa", offset=7, limit=3).ids == []
    assert corpus.keys(search("dat dai", sort="date")) == ["mat", "dat_dai"]


def test_relevance_prefers_the_title(corpus):
    # dulich has the phrase in its trích yếu, ke_hoach (newer) only in its notes
    assert corpus.keys(search('"phát triển du lịch"')) == ["dulich", "ke_hoach"]
    assert corpus.keys(search('"phát triển du lịch"', sort="date")) == ["ke_hoach", "dulich"]
    # the number counts most
    assert corpus.keys(search("123"))[0] == "dulich"


@pytest.mark.parametrize("q", [
    "!!! ... ---", "“ ” « »", "   ", "-", "/", "*", '"', '""', '" "',
])
def test_queries_without_words_browse(corpus, q):
    parsed = parse(q)
    assert parsed.empty
    result = search(q, sort="date")
    assert corpus.keys(result) == BY_DATE


@pytest.mark.parametrize("q", [
    'AND OR NOT ( * "', "NEAR(dat dai)", "title:quyet", "-dat", "dat*", "^dat", "{dat}",
    "dat AND", "'; DROP TABLE documents; --", "a\\b", "x:y:z", '"unbalanced', "123/",
    "/QĐ", "QĐ-", "a & b | !c <-> d", "'dat':A", "dat:*", "(((", "a" * 600,
    "đ " * 40, "NULL", "\x00dat", "dat\tdai\n",
])
@pytest.mark.parametrize("exact", [False, True])
def test_odd_queries_never_raise(corpus, q, exact):
    result = search(q, exact=exact)
    assert isinstance(result.total, int) and result.total == len(result.ids)
    assert set(corpus.keys(result)) <= DEMO_DOCS


def test_bounded_candidates(corpus, monkeypatch):
    """At most CANDIDATES matches (the newest) are ranked and counted for the
    facets; the total stays exact and later pages come in date order."""
    for module in (common, sqlite_fts, postgres_fts, whoosh_index):
        monkeypatch.setattr(module, "CANDIDATES", 3)
    result = search("hoa", limit=2)
    assert result.total == 7 and result.facets_partial and len(result.ids) == 2
    # the three newest matches by id: cu, ke_hoach, mat
    assert result.facets["document_type"] == {"GM": 1, "KH": 1, "BC": 1}
    assert set(corpus.keys(result)) <= {"cu", "ke_hoach", "mat"}
    assert corpus.keys(search("hoa", sort="date", offset=0, limit=4)) == BY_DATE[:4]
    assert corpus.keys(search("hoa", offset=2, limit=4)) == BY_DATE[2:6]
    assert corpus.keys(search("hoa", sort="date", offset=5, limit=4)) == BY_DATE[5:]
    # browsing: the newest by date
    browse = search("", limit=2)
    assert browse.total == 7 and browse.facets_partial
    assert browse.facets["document_type"] == {"KH": 1, "BC": 1, "TB": 1}
    assert corpus.keys(browse) == BY_DATE[:2]
    assert corpus.keys(search("", offset=3, limit=3)) == BY_DATE[3:6]
    # exactly CANDIDATES matches: complete, not partial
    three = search("dat")
    assert three.total == 3 and not three.facets_partial and three.total_exact


@pytest.mark.parametrize("q", ["hoa", ""])
def test_totals_are_exact_up_to_the_limit(corpus, monkeypatch, q):
    """Beyond ``total_limit`` the total says "more than": 7 matches of "hoa"
    (and 7 visible documents to browse) counted with limits around 7, with
    and without a full candidate set, on every engine."""
    for candidates in (3, 2000):
        for module in (common, sqlite_fts, postgres_fts, whoosh_index):
            monkeypatch.setattr(module, "CANDIDATES", candidates)
        for limit, total, exact in ((7, 7, True), (8, 7, True), (6, 6, False), (4, 4, False)):
            result = search(q, total_limit=limit, limit=2)
            assert (result.total, result.total_exact) == (total, exact), (candidates, limit)
            assert corpus.keys(result) == corpus.keys(search(q, limit=2))
        low = search(q, total_limit=2, limit=10)       # below the candidates in hand
        assert (low.total, low.total_exact) == (2, False)


QUERIES = [("hoa", False), ("dat dai", False), ('"phát triển du lịch"', False),
           ("QĐ-UBND", False), ("đất", True), ("", False), ("123", False)]


def _snapshot(corpus) -> list:
    out = []
    for q, exact in QUERIES:
        for who in ("vanthu", "giamdoc", "vanthu.stc"):
            for sort in ("relevance", "date"):
                m = search(q, who=who, exact=exact, sort=sort)
                out.append((q, who, sort, corpus.keys(m), m.total, m.facets))
    return out


def test_reindex_equals_incremental(corpus):
    """Run last on the corpus: it rebuilds the index (to the same content)."""
    index = wiring.search_index()
    before = _snapshot(corpus)
    all_ids = set(corpus.ids.values())
    assert index.document_ids(db.session) == all_ids
    assert index.stats(db.session)["documents"] == len(all_ids)
    index.clear(db.session)
    db.session.commit()
    assert index.document_ids(db.session) == set()
    assert search("hoa").total == 0 and search("").total == 0
    assert indexer.reindex(db.session, index) == len(all_ids)
    assert _snapshot(corpus) == before
    assert indexer.reindex(db.session, index) == len(all_ids)      # idempotent
    assert _snapshot(corpus) == before
    assert index.document_ids(db.session) == all_ids
    stats = index.stats(db.session)
    assert stats["documents"] == len(all_ids)
    assert stats["bytes"] is None or stats["bytes"] > 0


# --- tests that change documents ------------------------------------------------

def test_routing_grant_makes_a_document_visible(app):
    doc = register(subject="Tờ trình về bảo tồn di sản", document_type="TTR")
    specialist = directory.find_staff(db.session, "chuyenvien.vh")
    assert search("bao ton", who="chuyenvien.vh").total == 0
    assert search("", who="chuyenvien.vh").total == 0
    access.grant(db.session, doc.id, specialist.id)
    db.session.commit()
    assert search("bao ton", who="chuyenvien.vh").ids == [doc.id]
    assert search("", who="chuyenvien.vh").ids == [doc.id]
    assert search("di sản", who="chuyenvien.vh", exact=True).ids == [doc.id]
    # a confidential document becomes visible to whom it is routed, to nobody else
    secret = register(subject="Báo cáo mật về di sản", document_type="BC",
                      confidentiality="secret")
    assert search("di san", who="giamdoc").ids == [doc.id]
    assert search("di san", who="chuyenvien.vh").ids == [doc.id]
    access.grant(db.session, secret.id, specialist.id)
    db.session.commit()
    # same arrival date: newest first
    assert search("di san", who="chuyenvien.vh", sort="date").ids == [secret.id, doc.id]
    assert search("di san", who="giamdoc").ids == [doc.id]


def _case_file(code: str, status: str, documents: list[Document]) -> int:
    from archive.filing_models import CaseFile, CaseFileItem
    clerk = directory.find_staff(db.session, "vanthu")
    row = CaseFile(organization_id=clerk.organization_id, year=2026, code=code,
                   title=f"Hồ sơ {code}", creator_id=clerk.id, start_date=date(2026, 1, 5),
                   status=status, retention_years=10)
    db.session.add(row)
    db.session.flush()
    for n, doc in enumerate(documents, 1):
        db.session.add(CaseFileItem(case_file_id=row.id, document_id=doc.id, ordinal=n,
                                    added_by_id=clerk.id))
    db.session.commit()
    return row.id


def test_case_file_and_archive_scopes(app):
    """Searching inside one hồ sơ, or only in files handed to the archive: the
    scope is part of the engine's query, so totals and facets agree with it."""
    a = register(subject="Kế hoạch tổ chức lễ hội văn hóa", document_type="KH")
    b = register(subject="Báo cáo lễ hội văn hóa dân gian", document_type="BC")
    c = register(subject="Thông báo lễ hội văn hóa thể thao", document_type="TB")
    secret = register(subject="Lễ hội văn hóa: phương án bảo vệ", document_type="KH",
                      confidentiality="secret")
    open_file = _case_file("01.VH", "open", [a, b, secret])
    archived = _case_file("02.VH", "transferred", [b, c])
    assert set(search("le hoi").ids) >= {a.id, b.id, c.id}
    inside = search("le hoi", case_file_id=open_file)
    assert set(inside.ids) == {a.id, b.id, secret.id} and inside.total == 3
    assert inside.facets["document_type"] == {"KH": 2, "BC": 1}
    # the scope never widens visibility: the leader does not see the secret one
    assert set(search("le hoi", who="giamdoc", case_file_id=open_file).ids) == {a.id, b.id}
    assert set(search("", case_file_id=archived).ids) == {b.id, c.id}
    assert set(search("le hoi", in_archive=True).ids) == {b.id, c.id}
    # both: this file, if it is in the archive
    assert set(search("dan gian", in_archive=True, case_file_id=archived).ids) == {b.id}
    assert search("dan gian", in_archive=True, case_file_id=open_file).total == 0
    assert search("the thao", case_file_id=open_file).total == 0
    assert search("le hoi", case_file_id=999999).total == 0


def test_changes_and_removals_are_followed(app):
    index = wiring.search_index()
    keep = register(subject="Công văn về lễ hội truyền thống")
    gone = register(subject="Công văn về lễ hội đua thuyền")
    assert set(search("le hoi").ids) == {keep.id, gone.id}
    # an edited trích yếu is indexed again: old words gone, new ones found
    keep.subject = "Công văn về văn hóa truyền thống"
    db.session.commit()
    assert search("le hoi").ids == [gone.id]
    assert search("van hoa truyen thong").ids == [keep.id]
    # a deleted document disappears from results, counts and the index
    gone_id = gone.id
    for row in db.session.scalars(select(DocumentAccess).where(
            DocumentAccess.document_id == gone_id)):
        db.session.delete(row)
    db.session.delete(gone)
    db.session.commit()
    assert search("le hoi").total == 0
    assert search("dua thuyen").total == 0
    assert search("").ids == [keep.id]
    assert index.document_ids(db.session) == {keep.id}
    assert index.stats(db.session)["documents"] == 1
    # removing an absent id is harmless; removal through the index too
    index.remove(db.session, [gone_id, 987654])
    index.remove(db.session, [keep.id])
    db.session.commit()
    assert search("").total == 0 and index.document_ids(db.session) == set()



def _extracted(doc: Document, text: str) -> None:
    """The extraction job finishing: the file's text arrives, later than the document."""
    blob = doc.files[0].pdf_sha256 or doc.files[0].sha256
    extracted = db.session.get(ExtractedText, blob) or ExtractedText(sha256=blob)
    extracted.status, extracted.method, extracted.text = "done", "text", text
    db.session.add(extracted)
    db.session.commit()


def test_extracted_text_is_indexed_even_when_long(app, engine):
    """20,000 words of file text (from a small vocabulary, like real text):
    every word is found to the end; PostgreSQL positions stop at 16383, so a
    phrase beyond that is not recognised there (postgres_fts)."""
    doc = register(subject="Công văn kèm tài liệu")
    words = " ".join(f"mục{i % 500}" for i in range(20_000))
    _extracted(doc, f"Mở đầu: phát triển nông thôn mới. {words} Kết thúc: phát triển đô thị.")
    assert search('"phát triển nông thôn"').ids == [doc.id]
    assert search("nông thôn", exact=True).ids == [doc.id]
    assert search("muc499 ket thuc").ids == [doc.id]
    assert search('"muc5 muc6 muc7"').ids == [doc.id]
    assert search('"muc6 muc5"').ids == []
    late_phrase = search('"phát triển đô thị"').ids
    assert late_phrase == ([] if engine == "postgresql-fts" else [doc.id])


@pytest.mark.parametrize("engine", ["postgresql-fts"])
def test_postgres_vector_stays_under_its_size_limit(app, engine):
    """90,000 distinct words would make a vector over PostgreSQL's 1 MB: it is
    cut (the last words are lost) instead of failing the transaction."""
    doc = register(subject="Công văn kèm tài liệu")
    words = " ".join(f"mục{i}" for i in range(90_000))
    _extracted(doc, f"Mở đầu: phát triển nông thôn mới. {words} Kết thúc.")
    assert search('"phát triển nông thôn"').ids == [doc.id]
    assert search("muc12345").ids == [doc.id]
    assert search("ket thuc").ids == []


def _entry(doc_id: int) -> IndexEntry:
    meta = {"document_id": doc_id, "organization_id": 1, "direction": "incoming",
            "register_id": 1, "document_type": "CV", "issuer": None, "urgency": "normal",
            "status": "registered", "department_id": None, "confidentiality": "normal",
            "created_by_id": 1, "issued_date": None, "arrival_date": date(2026, 1, 2),
            "sort_date": date(2026, 1, 2)}
    return IndexEntry(doc_id, meta, (1,), "cong van", "", "công văn", "", f"{doc_id} ubnd")


def test_whoosh_writers_wait_for_each_other(tmp_path):
    """Threads share one lock per folder; another process's writer (Whoosh's
    lock file) is waited for, not an error."""
    first, second = whoosh_index.WhooshIndex(tmp_path), whoosh_index.WhooshIndex(tmp_path)
    batches = [[_entry(i) for i in range(start, 41, 4)] for start in range(1, 5)]
    threads = [threading.Thread(target=index.write, args=(None, batch))
               for index, batch in zip((first, second, first, second), batches)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert first.document_ids(None) == set(range(1, 41))
    from whoosh import index as raw
    foreign = raw.open_dir(str(tmp_path), indexname=whoosh_index.INDEX_NAME).writer()
    waiting = threading.Thread(target=first.write, args=(None, [_entry(41)]))
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive()                     # blocked by the other writer
    foreign.cancel()
    waiting.join(30)
    assert not waiting.is_alive()
    assert second.document_ids(None) == set(range(1, 42))
    assert second.stats(None)["documents"] == 41
