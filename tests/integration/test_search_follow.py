"""The index follows every change of a document, in the same transaction
(SQLite FTS5 and PostgreSQL full-text search; Whoosh after the commit is
covered by tests/integration/test_search_engines.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from app import wiring
from app.extensions import db
from archive import access
from archive.models import Document, DocumentAccess, ExtractedText, OutgoingDocument, SearchEntry
from archive.search.indexer import reindex
from tests.conftest import incoming_fields, make_pdf
from tests.integration.test_registration import register as register_only
from tests.integration.test_outgoing import new_draft
from tests.integration.test_routing import register, routing, who  # noqa: F401
from workflows import outgoing
from workflows.incoming import Upload
from workflows.search import SearchParams, search_documents


def found(username: str, q: str, **kw) -> list[int]:
    outcome = search_documents(db.session, wiring.search_index(), who(username),
                               SearchParams(q=q, **kw))
    return [h.document.id for h in outcome.hits]


def text_done(digest: str, text: str) -> None:
    """What the extraction job writes when it has read a file."""
    row = db.session.get(ExtractedText, digest) or ExtractedText(sha256=digest)
    row.status, row.text, row.method = "done", text, "text"
    db.session.add(row)
    db.session.commit()


def test_registration_is_searchable_at_once(routing):
    doc = register(routing, subject="Quyết định phát triển du lịch cộng đồng")
    assert found("vanthu", "quyet dinh du lich") == [doc.id]
    assert found("vanthu", "QUYẾT ĐỊNH") == [doc.id]


def test_a_metadata_correction_is_searchable_and_the_old_words_are_gone(routing):
    doc = register(routing, subject="Kế hoạch tổ chức hội chợ")
    doc.subject = "Kế hoạch tổ chức liên hoan phim"
    db.session.commit()
    assert found("vanthu", "lien hoan phim") == [doc.id]
    assert found("vanthu", "hoi cho") == []


def test_extracted_text_of_a_file_is_searchable_when_the_job_is_done(routing):
    doc = register(routing, subject="Công văn")
    assert found("vanthu", "thuyền rồng") == []
    file = doc.files[0]
    text_done(file.pdf_sha256 or file.sha256, "Về việc đua thuyền rồng trên sông Hương")
    assert found("vanthu", "thuyen rong") == [doc.id]
    hit = search_documents(db.session, wiring.search_index(), who("vanthu"),
                           SearchParams(q="thuyen rong")).hits[0]
    assert "<mark>thuyền</mark> <mark>rồng</mark>" in hit.snippet_html


def test_a_new_draft_version_replaces_the_old_text(routing):
    doc = new_draft(routing, subject="Quyết định ban hành quy chế")
    out = db.session.get(OutgoingDocument, doc.id)
    text_done(out.current_version.pdf_sha256, "Điều 1. Quy chế về nhà văn hóa thôn")
    assert found("chuyenvien.vh", "nha van hoa thon") == [doc.id]
    v2 = outgoing.add_version(db.session, who("chuyenvien.vh"), wiring.draft_inputs(), doc.id,
                              Upload("v2.pdf", make_pdf(("Bản sửa",))),
                              expected_version_id=out.current_version_id)
    text_done(v2.pdf_sha256, "Điều 1. Quy chế về sân vận động xã")
    assert found("chuyenvien.vh", "san van dong") == [doc.id]
    assert found("chuyenvien.vh", "nha van hoa thon") == []


def test_a_grant_makes_the_document_visible_to_the_person_it_was_routed_to(routing):
    doc = register(routing, subject="Giấy mời dự hội nghị", confidentiality="confidential")
    assert found("chuyenvien.dl", "giay moi") == []
    assert found("giamdoc", "giay moi") == []          # confidential: not by role
    access.grant(db.session, doc.id, who("chuyenvien.dl").staff_id)
    db.session.commit()
    assert found("chuyenvien.dl", "giay moi") == [doc.id]
    assert found("vanthu", "giay moi") == [doc.id]     # the clerk who registered it


def test_a_deleted_document_leaves_the_index(app):
    # registered without a route (nothing refers to it yet), then deleted
    doc = register_only(incoming_fields(subject="Thông báo lịch trực tết")).document
    doc_id = doc.id
    db.session.execute(delete(DocumentAccess).where(DocumentAccess.document_id == doc_id))
    db.session.delete(doc)
    db.session.commit()
    assert found("vanthu", "lich truc tet") == []
    assert db.session.get(SearchEntry, doc_id) is None


def test_a_rolled_back_change_never_reaches_the_index(routing):
    doc = register(routing, subject="Báo cáo tổng kết năm")
    doc.subject = "Báo cáo sơ kết quý"
    db.session.flush()
    db.session.rollback()
    assert found("vanthu", "so ket quy") == []
    assert found("vanthu", "tong ket nam") == [doc.id]


def test_when_the_index_cannot_be_written_nothing_is_registered(routing, monkeypatch):
    index = wiring.search_index()
    before = db.session.scalar(select(func.count()).select_from(Document))

    def broken(*_a, **_k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(type(index), "write", broken)
    with pytest.raises(RuntimeError):
        register(routing, subject="Văn bản không được mất")
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.scalar(select(func.count()).select_from(Document)) == before
    assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == before


def test_reindex_gives_the_same_results_as_the_incremental_index(routing):
    docs = [register(routing, subject=s) for s in
            ("Quyết định khen thưởng", "Kế hoạch du lịch hè", "Quyết định về du lịch biển")]
    queries = ["quyet dinh", "du lich", '"du lịch biển"', "khen"]
    before = {q: found("vanthu", q) for q in queries}
    index = wiring.search_index()
    index.clear(db.session)
    db.session.commit()
    assert found("vanthu", "du lich") == []
    assert reindex(db.session, index) == len(docs)
    assert {q: found("vanthu", q) for q in queries} == before
    assert reindex(db.session, index) == len(docs)     # again: idempotent
    assert {q: found("vanthu", q) for q in queries} == before


def test_flask_search_reindex_rebuilds_with_a_progress_bar(app, routing):
    doc = register(routing, subject="Kế hoạch phòng chống lụt bão")
    index = wiring.search_index()
    index.clear(db.session)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Đã lập chỉ mục 1 văn bản" in result.output
    assert found("vanthu", "lut bao") == [doc.id]
    stats = runner.invoke(args=["search", "stats"])
    assert "1 văn bản" in stats.output
