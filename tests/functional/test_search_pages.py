"""Tra cứu: the search page, saved searches, exports and ``GET /api/v1/search``
(SQLite and PostgreSQL), with the visibility rule checked on every output.

Five documents are registered by the clerk through the use case: four open
ones and a confidential directive routed to nobody. The confidential one has
its own type (Chỉ thị), issuer and body text, so a leak would show in the
results, the total, any facet count or label, a snippet, an export or the API.
"""
from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive import access, directory
from archive.identity import Actor
from archive.models import AuditEntry, Document, ExtractedText, SavedSearch
from tests.conftest import csrf_from, incoming_fields, unique_pdf
from workflows import incoming
from workflows import search as search_workflow
from workflows.incoming import Upload

TODAY = date(2026, 11, 21)
DU_LICH = "Quyết định về việc phát triển du lịch cộng đồng năm 2026"
SECRET_WORDS = ("biên giới", "Bộ Chỉ huy Quân sự", "Kỳ Lân", "Chỉ thị", "văn bản mật đến")
SEED = {
    "dulich": dict(subject=DU_LICH, document_type="QD", code_number="123",
                   code_notation="QĐ-SVHTTDL", issuer_name="Sở Văn hóa, Thể thao và Du lịch",
                   urgency="urgent", issued_date="2026-10-01", arrival_date="2026-11-02"),
    "kehoach": dict(subject="Kế hoạch phát triển du lịch biển đảo", document_type="KH",
                    code_number="45", code_notation="KH-UBND",
                    issuer_name="Ủy ban nhân dân tỉnh Demo", issued_date="2026-10-15",
                    arrival_date="2026-11-03"),
    "khenthuong": dict(subject="Quyết định khen thưởng tập thể lao động xuất sắc",
                       document_type="QD", code_number="7", code_notation="QĐ-UBND",
                       issuer_name="Ủy ban nhân dân tỉnh Demo", issued_date="2026-10-20",
                       arrival_date="2026-11-04"),
    "congvan": dict(subject="Công văn về lễ hội du lịch mùa xuân", document_type="CV",
                    code_number="88", code_notation="UBND-VX", issuer_name="Sở Công Thương",
                    issued_date="2026-11-01", arrival_date="2026-11-05"),
    "secret": dict(subject="Chỉ thị về bảo vệ du lịch vùng biên giới", document_type="CT",
                   code_number="9", code_notation="CT-BCHQS",
                   issuer_name="Bộ Chỉ huy Quân sự tỉnh", confidentiality="confidential",
                   issued_date="2026-11-02", arrival_date="2026-11-05"),
}


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def seed() -> dict[str, int]:
    """Register the documents as the clerk; the secret one also gets a body text."""
    ids = {}
    for key, values in SEED.items():
        doc = incoming.register_incoming(
            db.session, who("vanthu"), wiring.storage(), wiring.limits(),
            incoming_fields(**values), [Upload(f"{key}.pdf", unique_pdf())], today=TODAY
        ).document
        ids[key] = doc.id
    doc = db.session.get(Document, ids["secret"])
    digest = doc.files[0].pdf_sha256 or doc.files[0].sha256
    row = db.session.get(ExtractedText, digest) or ExtractedText(sha256=digest)
    row.status, row.text, row.method = "done", "Nội dung mật: kế hoạch Kỳ Lân về du lịch", "text"
    db.session.add(row)
    db.session.commit()
    return ids


# --- reading pages ----------------------------------------------------------------

def page(client, **args):
    resp = client.get("/search", query_string=args)
    return resp, resp.get_data(as_text=True)


def hit_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="hit[^"]*" data-document-id="(\d+)"', html)]


def total_of(html: str) -> int:
    match = re.search(r'id="results-heading">Tìm thấy ([\d.]+) văn bản<', html)
    assert match, "no result count on the page"
    return int(match.group(1).replace(".", ""))


def facet(html: str, name: str) -> dict[str, int]:
    block = re.search(rf'data-facet="{name}">(.*?)</section>', html, re.S)
    if not block:
        return {}
    return {unescape(v): int(n) for v, n in
            re.findall(r'<li data-value="([^"]*)" data-count="(\d+)"', block.group(1))}


def results_part(html: str) -> str:
    """The results and the side panel (not the filter form, which lists every type)."""
    return html.split('<div class="search-layout">', 1)[1]


def login(browser, username: str):
    resp = browser.login(username)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


# --- the page -----------------------------------------------------------------------

def test_search_page_highlights_and_facets_and_filters(app, client, browser):
    ids = seed()
    login(browser, "chanhvanphong")

    resp, html = page(client, q="quyet dinh du lich")
    assert resp.status_code == 200
    assert hit_ids(html) == [ids["dulich"]] and total_of(html) == 1
    assert ("<mark>Quyết</mark> <mark>định</mark> về việc phát triển <mark>du</mark> "
            "<mark>lịch</mark>") in html
    assert f'href="/documents/{ids["dulich"]}"' in html
    assert "123/QĐ-SVHTTDL" in html and "Sở Văn hóa, Thể thao và Du lịch" in html
    assert 'id="q"' in html and "autofocus" in html and "js/search.js" in html

    resp, html = page(client, q="du lich")
    assert sorted(hit_ids(html)) == sorted([ids["dulich"], ids["kehoach"], ids["congvan"]])
    assert total_of(html) == 3
    assert facet(html, "document_type") == {"QD": 1, "KH": 1, "CV": 1}
    assert facet(html, "urgency") == {"urgent": 1, "normal": 2}
    assert facet(html, "direction") == {"incoming": 3}
    assert "facets-partial" not in html
    # A facet value is a link that narrows the search, keeping the query.
    link = re.search(r'<li data-value="KH"[^>]*>\s*<a href="([^"]+)"', html).group(1)
    assert parse_qs(urlsplit(unescape(link)).query) == {"q": ["du lich"],
                                                         "document_type": ["KH"]}
    _, narrowed = page(client, q="du lich", document_type="KH")
    assert hit_ids(narrowed) == [ids["kehoach"]]
    assert facet(narrowed, "document_type") == {"KH": 1}
    assert 'class="facet-remove"' in narrowed

    # Filters: urgency, issuer, dates (issued and arrival), direction, sort.
    assert hit_ids(page(client, q="du lich", urgency="urgent")[1]) == [ids["dulich"]]
    assert hit_ids(page(client, issuer="Ủy ban nhân dân tỉnh Demo", sort="date")[1]) == [
        ids["khenthuong"], ids["kehoach"]]
    assert sorted(hit_ids(page(client, issued_from="2026-10-10", issued_to="2026-10-31")[1])
                  ) == sorted([ids["kehoach"], ids["khenthuong"]])
    assert hit_ids(page(client, arrival_from="2026-11-05")[1]) == [ids["congvan"]]
    assert hit_ids(page(client, q="du lich", direction="outgoing")[1]) == []
    assert hit_ids(page(client, sort="date")[1]) == [ids["congvan"], ids["khenthuong"],
                                                     ids["kehoach"], ids["dulich"]]
    # The number/symbol syntax.
    assert hit_ids(page(client, q="123/QĐ-SVHTTDL")[1]) == [ids["dulich"]]

    # Đúng dấu: without diacritics nothing matches exactly; with them it does.
    _, exact = page(client, q="du lich", exact="1")
    assert hit_ids(exact) == [] and total_of(exact) == 0
    assert 'name="exact" value="1" id="f-exact" checked' in exact
    assert len(hit_ids(page(client, q="du lịch", exact="1")[1])) == 3
    assert hit_ids(page(client, q="dư lịch", exact="1")[1]) == []
    assert len(hit_ids(page(client, q="dư lịch")[1])) == 3

    # Chosen fields: only the snippet and the type, not the number.
    _, chosen = page(client, q="quyet dinh du lich", show=["snippet", "type"])
    assert "hit-number" not in chosen and "hit-snippet" in chosen
    assert re.search(r'name="show" value="number"\s*>', chosen)


def test_odd_queries_and_bad_parameters_never_fail(app, client, browser):
    seed()
    login(browser, "vanthu")
    for q in ("!!!", "((", '"', "--/--", "* ? ::", "<>"):
        resp, html = page(client, q=q)
        assert resp.status_code == 200, q
        assert "không có chữ hay số nào để tìm" in html, q
        assert hit_ids(html) == []
    resp, html = page(client, q="<b>du</b> lich <script>alert(1)</script>")
    assert resp.status_code == 200 and "<script>alert" not in html and "<b>du" not in html
    resp, html = page(client, q='"du lich', sort="date")  # unbalanced quote: a plain word
    assert resp.status_code == 200 and len(hit_ids(html)) == 4

    resp, html = page(client, q="du lich", issued_from="2026-13-45")
    assert resp.status_code == 422
    assert "Điều kiện tìm kiếm không hợp lệ." in html
    assert 'id="issued_from-error">Giá trị không hợp lệ.' in html
    assert hit_ids(html) == []
    for bad in ({"sort": "rank"}, {"page": "0"}, {"page": "x"}, {"register_id": "abc"},
                {"per_page": "5000"}):
        resp, html = page(client, q="du lich", **bad)
        assert resp.status_code == 422, bad
        assert "Điều kiện tìm kiếm không hợp lệ." in html
    resp, html = page(client)
    assert resp.status_code == 200 and hit_ids(html) == []
    assert 'Tìm thấy' not in html


def test_pagination_keeps_every_argument(app, client, browser, monkeypatch):
    ids = seed()
    login(browser, "vanthu")
    _, first = page(client, sort="date", per_page="2", show="issuer")
    assert total_of(first) == 5 and len(hit_ids(first)) == 2
    assert "Trang 1 / 3" in first
    link = unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    assert parse_qs(urlsplit(link).query) == {"sort": ["date"], "per_page": ["2"],
                                              "show": ["issuer"], "page": ["2"]}
    second = client.get(link).get_data(as_text=True)
    third = client.get(unescape(re.search(r'<a href="([^"]+)" rel="last"', first).group(1))
                       ).get_data(as_text=True)
    seen = hit_ids(first) + hit_ids(second) + hit_ids(third)
    assert sorted(seen) == sorted(ids.values()) and len(set(seen)) == 5
    assert '<ol class="hits" start="3">' in second and 'rel="prev"' in second
    assert "Trang 3 / 3" in third and 'rel="next"' not in third

    # Beyond 2.000 matches the engine counts facets over the newest ones only: said so.
    from dataclasses import replace

    from workflows import search
    real = search.search_documents
    monkeypatch.setattr(search, "search_documents",
                        lambda *a, **kw: replace(real(*a, **kw), facets_partial=True))
    _, partial = page(client, q="du lich")
    assert '<p class="hint" id="facets-partial">(trong 2.000 kết quả mới nhất)</p>' in partial


# --- saved searches ---------------------------------------------------------------

def test_saved_searches_are_personal(app, client, browser, api):
    ids = seed()
    login(browser, "chanhvanphong")
    _, html = page(client, q="du lich", urgency="urgent")
    assert "Chưa có tìm kiếm nào được lưu." in html
    form = {"csrf_token": csrf_from(html), "name": "  Du lịch   khẩn ", "q": "du lich",
            "urgency": "urgent"}
    resp = client.post("/search/saved", data=form)
    assert resp.status_code == 302
    assert parse_qs(urlsplit(resp.location).query) == {"q": ["du lich"], "urgency": ["urgent"]}
    saved = db.session.scalar(select(SavedSearch))
    saved_id = saved.id
    assert saved.name == "Du lịch khẩn" and saved.params == {"q": "du lich", "urgency": "urgent"}

    _, html = page(client, q="x")
    assert f'data-saved-id="{saved.id}"' in html and "Du lịch khẩn" in html
    run = client.get(f"/search/saved/{saved.id}")
    assert run.status_code == 302
    assert hit_ids(client.get(run.location).get_data(as_text=True)) == [ids["dulich"]]

    # Without a name: a message, nothing saved; without CSRF: refused.
    resp = client.post("/search/saved", data={**form, "name": " "}, follow_redirects=True)
    assert "Hãy đặt tên cho tìm kiếm." in resp.get_data(as_text=True)
    assert client.post("/search/saved", data={"name": "x", "q": "a"}).status_code == 400
    assert db.session.scalar(select(SavedSearch.id).where(SavedSearch.id != saved.id)) is None

    # Another person neither sees, runs nor deletes it.
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    login(browser, "giamdoc")
    _, other = page(client, q="x")
    assert "Du lịch khẩn" not in other
    assert client.get(f"/search/saved/{saved.id}").status_code == 404
    resp = client.post(f"/search/saved/{saved.id}/delete",
                       data={"csrf_token": csrf_from(other)})
    assert resp.status_code == 404
    assert db.session.get(SavedSearch, saved.id) is not None

    client.post("/logout", data={"csrf_token": csrf_from(other)})
    login(browser, "chanhvanphong")
    _, html = page(client, q="x")
    resp = client.post(f"/search/saved/{saved.id}/delete",
                       data={"csrf_token": csrf_from(html), "q": "x"})
    assert resp.status_code == 302 and "q=x" in resp.location
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved_id) is None
    assert client.get(f"/search/saved/{saved_id}").status_code == 404
    check_api_saved_searches(client, api)


def check_api_saved_searches(client, api):
    """The same through the API: create, list, refuse bad input, personal delete."""
    mine, other = api("chanhvanphong"), api("giamdoc")
    resp = client.post("/api/v1/saved-searches", headers=mine, json={
        "name": "Quyết định", "params": {"q": "quyet dinh", "exact": False,
                                        "document_type": "QD"}})
    assert resp.status_code == 201
    saved = resp.get_json()
    assert saved["name"] == "Quyết định"
    assert saved["params"] == {"q": "quyet dinh", "document_type": "QD"}
    listing = client.get("/api/v1/saved-searches", headers=mine).get_json()
    assert [s["id"] for s in listing["items"]] == [saved["id"]] and listing["total"] == 1
    assert client.get("/api/v1/saved-searches", headers=other).get_json()["items"] == []
    resp = client.post("/api/v1/saved-searches", headers=mine, json={"name": "",
                                                                     "params": {"q": "x"}})
    assert resp.status_code == 422 and "name" in resp.get_json()["fields"]
    resp = client.post("/api/v1/saved-searches", headers=mine, json={
        "name": "sai", "params": {"issued_from": "2026-02-30"}})
    assert resp.status_code == 422 and "issued_from" in resp.get_json()["fields"]
    assert client.post("/api/v1/saved-searches", headers=mine, json=[1]).status_code == 400
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}",
                         headers=other).status_code == 404
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}",
                         headers=mine).status_code == 204
    assert client.get("/api/v1/saved-searches", headers=mine).get_json()["items"] == []


# --- exports ----------------------------------------------------------------------

def xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(data)).active
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_exports_hold_the_results_with_the_print_marking(app, client, browser):
    ids = seed()
    login(browser, "chanhvanphong")
    _, html = page(client, q="du lich")
    assert 'href="/search/export.xlsx?q=du+lich"' in html
    resp = client.get("/search/export.xlsx", query_string={"q": "du lich", "sort": "date"})
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = xlsx_rows(resp.data)
    cells = [str(c) for row in rows for c in row if c is not None]
    subjects = [SEED[k]["subject"] for k in ("congvan", "kehoach", "dulich")]
    assert [s for s in cells if s in subjects] == subjects         # newest first
    assert "123/QĐ-SVHTTDL" in cells
    assert any("In từ Hệ thống eOffice" in c for c in cells)

    resp = client.get("/search/export.pdf", query_string={"q": "quyet dinh du lich"})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF")
    text = pdf_text(resp.data)
    assert "In từ Hệ thống eOffice" in text and "123/QĐ-SVHTTDL" in text
    assert "KẾT QUẢ TRA CỨU VĂN BẢN" in text

    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "search_export")
                                .order_by(AuditEntry.seq)).all()
    assert [(a.details["rows"], a.details["params"]) for a in audits] == [
        (3, {"q": "du lich", "sort": "date"}), (1, {"q": "quyet dinh du lich"})]
    assert {a.actor_id for a in audits} == {who("chanhvanphong").staff_id}
    assert all(a.object_type == "search" for a in audits)

    assert client.get("/search/export.pdf?issued_to=31/12/2026").status_code == 422
    assert ids


def test_a_total_beyond_the_limit_says_more_than(app, client, browser, api, monkeypatch):
    """Counting stops at the limit (bench/RESULTS.md: counting 900,000 matches is
    what made common words slow): page, API and exports say "hơn"."""
    seed()
    monkeypatch.setattr(search_workflow, "TOTAL_LIMIT", 2)
    login(browser, "chanhvanphong")
    _, html = page(client, q="du lich")
    assert re.search(r'id="results-heading">Tìm thấy hơn 2 văn bản', html)
    assert 'id="total-capped"' in html
    assert len(hit_ids(html)) == 3              # every result is still listed and pageable
    body = client.get("/api/v1/search", query_string={"q": "du lich"},
                      headers=api("chanhvanphong")).get_json()
    assert (body["total"], body["total_exact"], len(body["items"])) == (2, False, 3)
    rows = xlsx_rows(client.get("/search/export.xlsx", query_string={"q": "du lich"}).data)
    assert ["Tổng số: hơn 2 văn bản; danh sách gồm 3 văn bản."] in [
        [c for c in row if c is not None] for row in rows]
    monkeypatch.setattr(search_workflow, "TOTAL_LIMIT", 3)
    _, html = page(client, q="du lich")
    assert total_of(html) == 3 and 'id="total-capped"' not in html


def test_search_inside_a_case_file_or_the_archive(app, client, browser, api):
    from archive.filing_models import CaseFile, CaseFileItem
    ids = seed()
    clerk = who("vanthu")
    archived = CaseFile(organization_id=clerk.organization_id, year=2026, code="01.VH",
                        title="Hồ sơ lễ hội", creator_id=clerk.staff_id,
                        start_date=TODAY, status="transferred", retention_years=10)
    db.session.add(archived)
    db.session.flush()
    db.session.add(CaseFileItem(case_file_id=archived.id, document_id=ids["congvan"],
                                ordinal=1, added_by_id=clerk.staff_id))
    db.session.commit()
    login(browser, "chanhvanphong")
    _, html = page(client, q="du lich")
    assert len(hit_ids(html)) == 3 and 'id="f-in_archive"' in html
    _, html = page(client, q="du lich", in_archive="1")
    assert hit_ids(html) == [ids["congvan"]] and 'id="f-in_archive" name="in_archive" value="1" checked' in html
    _, html = page(client, q="du lich", case_file_id=str(archived.id))
    assert hit_ids(html) == [ids["congvan"]]
    assert 'id="case-file-scope"' in html and 'id="case-file-scope-clear" ' not in html
    assert re.search(r'id="case-file-scope-clear">', html)
    body = client.get("/api/v1/search", query_string={"q": "du lich", "in_archive": "1"},
                      headers=api("chanhvanphong")).get_json()
    assert [i["id"] for i in body["items"]] == [ids["congvan"]] and body["total"] == 1
    resp, _ = page(client, q="du lich", case_file_id="x")
    assert resp.status_code == 422


# --- permissions ------------------------------------------------------------------

def no_secret(text: str) -> None:
    for word in SECRET_WORDS:
        assert word not in text, word


def test_a_confidential_document_never_leaks(app, client, browser, api):
    ids = seed()
    # The clerk who registered it finds it, with its text.
    login(browser, "vanthu")
    _, mine = page(client, q="du lich")
    assert total_of(mine) == 4 and ids["secret"] in hit_ids(mine)
    assert facet(mine, "document_type")["CT"] == 1
    assert "<mark>du</mark> <mark>lịch</mark>" in mine and "Kỳ Lân" in mine
    client.post("/logout", data={"csrf_token": csrf_from(mine)})

    # The director: a register role, but not for a confidential document routed to nobody.
    login(browser, "giamdoc")
    for args in ({"q": "du lich"}, {"q": "bien gioi"}, {"q": "ky lan"}, {"sort": "date"},
                 {"q": "9/CT-BCHQS"}, {"document_type": "CT"}, {"q": "chi thi"}):
        _, html = page(client, **args)
        assert ids["secret"] not in hit_ids(html), args
        no_secret(results_part(html))
    _, html = page(client, issuer="Bộ Chỉ huy Quân sự tỉnh")   # echoed in the save form
    assert hit_ids(html) == [] and total_of(html) == 0 and "Kỳ Lân" not in html
    _, html = page(client, q="du lich")
    assert total_of(html) == 3
    assert facet(html, "document_type") == {"QD": 1, "KH": 1, "CV": 1}
    assert sum(facet(html, "register_id").values()) == 3
    assert "Bộ Chỉ huy" not in str(facet(html, "issuer"))
    assert total_of(page(client, sort="date")[1]) == 4
    assert total_of(page(client, q="bien gioi")[1]) == 0

    for fmt in ("xlsx", "pdf"):
        resp = client.get(f"/search/export.{fmt}", query_string={"q": "du lich"})
        assert resp.status_code == 200
        text = pdf_text(resp.data) if fmt == "pdf" else str(xlsx_rows(resp.data))
        no_secret(text)
        assert SEED["kehoach"]["subject"] in text
    assert [a.details["rows"] for a in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "search_export"))] == [3, 3]

    headers = api("giamdoc")
    body = client.get("/api/v1/search", query_string={"q": "du lich"}, headers=headers).get_json()
    assert body["total"] == 3 and ids["secret"] not in [i["id"] for i in body["items"]]
    no_secret(str(body))
    assert {f["value"]: f["count"] for f in body["facets"]["document_type"]} == {
        "QD": 1, "KH": 1, "CV": 1}
    for q in ("bien gioi", "ky lan", "9/CT-BCHQS"):
        body = client.get("/api/v1/search", query_string={"q": q}, headers=headers).get_json()
        assert body["total"] == 0 and body["items"] == [], q

    # A specialist without a register role sees nothing until a document is routed to him.
    specialist = api("chuyenvien.dl")
    body = client.get("/api/v1/search", query_string={"q": "du lich"},
                      headers=specialist).get_json()
    assert body["total"] == 0 and body["items"] == []
    assert all(v == [] for v in body["facets"].values())
    access.grant(db.session, ids["kehoach"], who("chuyenvien.dl").staff_id)
    db.session.commit()
    body = client.get("/api/v1/search", query_string={"q": "du lich"},
                      headers=specialist).get_json()
    assert [i["id"] for i in body["items"]] == [ids["kehoach"]] and body["total"] == 1
    assert {f["value"]: f["count"] for f in body["facets"]["document_type"]} == {"KH": 1}
    access.grant(db.session, ids["secret"], who("chuyenvien.dl").staff_id)
    db.session.commit()
    body = client.get("/api/v1/search", query_string={"q": "du lich", "sort": "date"},
                      headers=specialist).get_json()
    assert [i["id"] for i in body["items"]] == [ids["secret"], ids["kehoach"]]
    # ... and the director still does not.
    body = client.get("/api/v1/search", query_string={"q": "bien gioi"},
                      headers=headers).get_json()
    assert body["total"] == 0


# --- the API ------------------------------------------------------------------------

def test_api_search_shape_pagination_and_errors(app, client, api):
    ids = seed()
    headers = api("chanhvanphong")
    resp = client.get("/api/v1/search", query_string={"q": "quyet dinh du lich"},
                      headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"items", "total", "total_exact", "page", "per_page", "facets",
                         "facets_partial", "notices"}
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    assert body["total_exact"] is True
    assert body["facets_partial"] is False and body["notices"] == []
    item = body["items"][0]
    assert item == {
        "id": ids["dulich"], "direction": "incoming", "code_number": "123",
        "code_notation": "QĐ-SVHTTDL", "issued_date": "2026-10-01",
        "arrival_date": "2026-11-02", "arrival_number": 1,
        "issuer_name": "Sở Văn hóa, Thể thao và Du lịch", "document_type": "QD",
        "subject": DU_LICH, "urgency": "urgent", "status": "registered",
        "highlights": item["highlights"]}
    assert item["highlights"]["subject"].startswith("<mark>Quyết</mark> <mark>định</mark>")
    assert "<mark>" in item["highlights"]["text"]
    assert set(body["facets"]) == {"direction", "register_id", "document_type", "issuer",
                                   "urgency", "status", "department_id"}
    assert body["facets"]["direction"] == [{"value": "incoming", "label": "Văn bản đến",
                                            "count": 1}]
    assert body["facets"]["document_type"] == [{"value": "QD", "label": "Quyết định",
                                                "count": 1}]
    en = client.get("/api/v1/search", query_string={"q": "quyet dinh du lich"},
                    headers={**headers, "Accept-Language": "en"}).get_json()
    assert en["facets"]["direction"][0]["label"] == "Incoming document"
    assert en["facets"]["urgency"][0]["label"] == "Urgent"

    pages = [client.get("/api/v1/search", headers=headers, query_string={
        "sort": "date", "per_page": 3, "page": p}).get_json() for p in (1, 2)]
    assert [b["total"] for b in pages] == [4, 4] and [b["page"] for b in pages] == [1, 2]
    assert [len(b["items"]) for b in pages] == [3, 1] and pages[0]["per_page"] == 3
    assert [i["id"] for b in pages for i in b["items"]] == [
        ids["congvan"], ids["khenthuong"], ids["kehoach"], ids["dulich"]]

    body = client.get("/api/v1/search", query_string={"q": "!!!"}, headers=headers).get_json()
    assert body["items"] == [] and body["total"] == 0
    assert body["notices"] == ["Từ khóa không có chữ hay số nào để tìm; hãy nhập từ cần tìm."]

    resp = client.get("/api/v1/search", headers=headers, query_string={
        "issued_from": "hôm qua", "sort": "rank", "page": "0", "per_page": "500"})
    assert resp.status_code == 422
    err = resp.get_json()
    assert err["error"] == "invalid"
    assert set(err["fields"]) == {"issued_from", "sort", "page", "per_page"}
    resp = client.get("/api/v1/search", query_string={"register_id": "x"},
                      headers={**headers, "Accept-Language": "en"})
    assert resp.status_code == 422 and resp.get_json()["fields"] == {
        "register_id": "Invalid value."}
    assert client.get("/api/v1/search").status_code == 401


def test_the_page_in_english_and_numbers_in_each_language(app, client, browser):
    from flask import session
    from flask_babel import refresh

    from app.search.views import number_text
    login(browser, "chanhvanphong")
    client.get("/lang/en")
    _, html = page(client, q="du lich")
    assert '<html lang="en">' in html
    assert "0 documents found" in html and "Exact diacritics" in html
    assert "No document matches." in html and "Save search" in html
    assert "Tìm thấy" not in html and "Lưu tìm kiếm" not in html
    with app.test_request_context("/search"):
        assert number_text(1234) == "1.234" and number_text(2000) == "2.000"
        session["lang"] = "en"
        refresh()
        assert number_text(1234) == "1,234"
