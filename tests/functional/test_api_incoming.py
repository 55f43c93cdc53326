"""The JSON API v1 of the incoming register, end to end (SQLite and PostgreSQL).

Tokens, ``/me``, registration with its answer shape, duplicates (409 unless
confirmed), idempotent retries, the list with its pagination and filters,
one document with its history, and downloads that return the very bytes
that were uploaded.
"""
from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from archive.models import AuditEntry, Blob, Document, DocumentFile, IdempotencyRecord, Register
from tests.conftest import DEMO_PASSWORD, incoming_fields, make_image, make_pdf, unique_pdf
from workflows.incoming import vn_today

_serial = iter(range(3000, 100_000))
# One arrival date for the whole run: a run that crosses midnight stays consistent.
TODAY = vn_today()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fields(**overrides) -> dict:
    values = incoming_fields(code_number=str(next(_serial)), arrival_date=TODAY.isoformat(),
                             issued_date=(TODAY - timedelta(days=1)).isoformat())
    values.update(overrides)
    return values


def post(client, headers, metadata: dict, files, extra_headers=None):
    return client.post(
        "/api/v1/incoming", headers={**headers, **(extra_headers or {})},
        content_type="multipart/form-data",
        data={"metadata": json.dumps(metadata),
              "files": [(io.BytesIO(data), name) for name, data in files]})


def register(client, headers, files=None, **overrides) -> dict:
    resp = post(client, headers, fields(**overrides), files or [("van-ban.pdf", unique_pdf())])
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def counts() -> dict:
    def n(column):
        return db.session.scalar(select(func.count(column)))
    return {"documents": n(Document.id), "files": n(DocumentFile.id), "blobs": n(Blob.sha256),
            "numbers": dict(db.session.execute(select(Register.id, Register.last_number)).all()),
            "register_audit": db.session.scalar(select(func.count(AuditEntry.seq)).where(
                AuditEntry.action == "register"))}


# --- tokens and /me ------------------------------------------------------------------

def test_token_issue_and_refusal(app, client):
    before = datetime.now(timezone.utc)
    resp = client.post("/api/v1/auth/token", json={"username": "vanthu",
                                                   "password": DEMO_PASSWORD})
    assert resp.status_code == 201
    body = resp.get_json()
    assert set(body) == {"token", "expires_at"} and len(body["token"]) >= 32
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None
    hours = app.config["API_TOKEN_HOURS"]
    assert before + timedelta(hours=hours) <= expires <= datetime.now(timezone.utc) + timedelta(
        hours=hours)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}
                      ).status_code == 200

    for credentials in ({"username": "vanthu", "password": "sai"},
                        {"username": "khong-co-ai", "password": DEMO_PASSWORD},
                        {"username": "vanthu"}):
        resp = client.post("/api/v1/auth/token", json=credentials)
        assert resp.status_code == 401, credentials
        body = resp.get_json()
        assert body["error"] == "unauthorized"
        assert body["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."  # same for both
    resp = client.post("/api/v1/auth/token", data="not json", content_type="text/plain")
    assert resp.status_code == 400 and resp.get_json()["error"] == "bad_request"


def test_me(app, client, api):
    body = client.get("/api/v1/me", headers=api("vanthu")).get_json()
    assert {"id", "username", "full_name", "roles", "department", "organization"} <= set(body)
    assert (body["username"], body["full_name"], body["roles"]) == (
        "vanthu", "Nguyễn Thị Thu", ["clerk"])
    assert body["department"]["abbreviation"] == "VP"
    assert body["organization"]["name"] == "Sở Văn hóa, Thể thao và Du lịch"
    assert body["organization"]["organ_id"] == "000.00.21.H99"
    leader = client.get("/api/v1/me", headers=api("giamdoc")).get_json()
    assert leader["roles"] == ["leader"] and leader["department"] is None
    assert leader["organization"]["id"] == body["organization"]["id"]


# --- registration ---------------------------------------------------------------------

def test_registration_answers_with_number_register_files_and_duplicates(app, client, api):
    headers = api("vanthu")
    main, annex = make_pdf(("Công văn chính",), pages=2), make_image("JPEG")
    resp = post(client, headers, fields(subject="V/v báo cáo tổng kết năm"),
                [("Công văn 12.pdf", main), ("phu-luc.jpg", annex)])
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["arrival_number"] == 1
    assert body["register"]["year"] == date.fromisoformat(body["arrival_date"]).year
    assert body["register"]["name"].startswith("Sổ đăng ký văn bản đến năm")
    assert body["duplicates"] == []
    assert [(f["name"], f["role"], f["sha256"], f["size"]) for f in body["files"]] == [
        ("Công văn 12.pdf", "main", sha256(main), len(main)),
        ("phu-luc.jpg", "attachment", sha256(annex), len(annex))]
    assert all(isinstance(f["id"], int) for f in body["files"])
    assert body["page_count"] == 2 and body["subject"] == "V/v báo cáo tổng kết năm"
    assert body["created_by"]["username"] == "vanthu"
    blobs = Path(app.config["DATA_DIR"]) / "blobs"
    assert (blobs / sha256(main)[:2] / sha256(main)[2:4] / sha256(main)).read_bytes() == main
    assert post(client, headers, fields(), [("b.pdf", unique_pdf())]).get_json()[
        "arrival_number"] == 2


def test_duplicate_needs_confirmation_and_nothing_is_stored_before(app, client, api):
    headers = api("vanthu")
    first = register(client, headers, code_number="45", code_notation="QĐ-UBND")
    same = fields(code_number="045", code_notation="qđ-ubnd",
                  issuer_name="ỦY BAN NHÂN DÂN TỈNH DEMO")  # same document, typed differently
    before = counts()
    resp = post(client, headers, same, [("lan-hai.pdf", unique_pdf())])
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["error"] == "duplicate" and "số đến 1/" in body["message"]
    assert [d["id"] for d in body["duplicates"]] == [first["id"]]
    assert body["duplicates"][0]["arrival_number"] == 1
    assert counts() == before
    resp = post(client, headers, {**same, "confirm_duplicate": "false"},
                [("lan-hai.pdf", unique_pdf())])
    assert resp.status_code == 409 and counts() == before  # "false" does not confirm

    same_bytes = unique_pdf()
    resp = post(client, headers, {**same, "confirm_duplicate": True}, [("lan-hai.pdf", same_bytes)])
    assert resp.status_code == 201
    second = resp.get_json()
    assert second["arrival_number"] == 2
    assert [d["id"] for d in second["duplicates"]] == [first["id"]]

    # the same file bytes under another number and notation are a duplicate too
    resp = post(client, headers, fields(code_number="77", code_notation="TB-SNV"),
                [("ban-sao.pdf", same_bytes)])
    assert resp.status_code == 409
    assert [d["id"] for d in resp.get_json()["duplicates"]] == [second["id"]]
    assert counts()["documents"] == 2


def test_idempotency_key_replays_the_first_registration(app, client, api):
    headers = api("vanthu")
    metadata, pdf = fields(), unique_pdf()
    key = {"Idempotency-Key": "5b0e9c62-0a51-4c55-9a3e-retry"}
    first = post(client, headers, metadata, [("van-ban.pdf", pdf)], key)
    again = post(client, headers, metadata, [("van-ban.pdf", pdf)], key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["arrival_number"] == first.get_json()["arrival_number"] == 1
    assert db.session.scalar(select(func.count(Document.id))) == 1
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 1
    # without the key the same request is a suspected duplicate, not a silent second copy
    assert post(client, headers, metadata, [("van-ban.pdf", pdf)]).status_code == 409


# --- the list ---------------------------------------------------------------------------

def test_list_pagination_and_filters(app, client, api):
    headers = api("vanthu")
    today = TODAY
    plan = [  # registered in order of receipt
        (today - timedelta(days=400), "Báo cáo công tác văn thư", "normal"),
        (today - timedelta(days=30), "Kế hoạch tổ chức Lễ hội Đền Hùng", "urgent"),
        (today - timedelta(days=10), "V/v tăng 10% kinh phí tổ chức lễ hội", "flash"),
        (today - timedelta(days=10), "Giấy mời dự hội nghị", "normal"),
        (today, "Thông báo lịch tiếp công dân", "normal"),
    ]
    docs = []
    for arrival, subject, urgency in plan:
        docs.append(register(client, headers, subject=subject, urgency=urgency,
                             arrival_date=arrival.isoformat(),
                             issued_date=(arrival - timedelta(days=2)).isoformat()))

    def listing(**params):
        resp = client.get("/api/v1/incoming", headers=headers, query_string=params)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def ids(**params):
        return sorted(d["id"] for d in listing(**params)["items"])

    def expected(predicate):
        return sorted(d["id"] for d, p in zip(docs, plan) if predicate(d, p))

    everything = listing()
    assert everything["total"] == 5 and everything["page"] == 1 and everything["per_page"] == 50
    newest_first = [d["id"] for d in everything["items"]]
    assert newest_first[0] == docs[-1]["id"] and newest_first[-1] == docs[0]["id"]

    pages = [listing(per_page=2, page=p) for p in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert all(p["total"] == 5 and p["per_page"] == 2 for p in pages)
    assert [d["id"] for p in pages for d in p["items"]] == newest_first
    assert listing(per_page=500)["per_page"] == 200
    assert listing(per_page=-3)["per_page"] == 1
    assert listing(page=0)["page"] == 1

    festival = expected(lambda d, p: "lễ hội" in p[1].lower())
    assert len(festival) == 2
    for q in ("le hoi", "LỄ HỘI", "Le Hoi", "lễ hội"):
        assert ids(q=q) == festival, q
        assert listing(q=q)["total"] == 2, q
    assert ids(q="10%") == expected(lambda d, p: "10%" in p[1])
    assert ids(q="tăng 10%") == ids(q="tang 10%")
    assert ids(q="khong co van ban nay") == []
    assert ids(q="_") == [] and ids(q="%") == expected(lambda d, p: "%" in p[1])  # not wildcards

    assert ids(urgency="flash") == expected(lambda d, p: p[2] == "flash")
    assert ids(urgency="urgent") == expected(lambda d, p: p[2] == "urgent")

    start, end = today - timedelta(days=15), today - timedelta(days=5)
    assert ids(**{"from": start.isoformat(), "to": end.isoformat()}) == expected(
        lambda d, p: start <= p[0] <= end)
    assert ids(**{"from": today.isoformat()}) == [docs[-1]["id"]]
    assert ids(**{"to": (today - timedelta(days=400)).isoformat()}) == [docs[0]["id"]]

    assert ids(year=today.year) == expected(lambda d, p: p[0].year == today.year)
    oldest_year = plan[0][0].year
    assert ids(year=oldest_year) == expected(lambda d, p: p[0].year == oldest_year)
    this_register = docs[-1]["register_id"]
    assert ids(register_id=this_register) == expected(
        lambda d, p: d["register_id"] == this_register)
    assert ids(register_id=this_register, urgency="flash", q="le hoi") == expected(
        lambda d, p: d["register_id"] == this_register and p[2] == "flash")


# --- one document and its files -----------------------------------------------------------

def test_document_with_history_and_exact_original_bytes(app, client, api):
    headers = api("vanthu")
    pdf, tiff = make_pdf(("Bản gốc PDF",), pages=3), make_image("TIFF", frames=2)
    first = register(client, headers, files=[("Quyết định 45.pdf", pdf)])
    scan = register(client, headers, files=[("ban-quet.tif", tiff)])

    resp = client.get(f"/api/v1/documents/{first['id']}", headers=headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["id"] == first["id"] and body["arrival_number"] == 1
    assert [(h["action"], h["actor"]) for h in body["history"]] == [
        ("register", "vanthu"), ("route_start", "vanthu"), ("view", "vanthu")]
    assert all(datetime.fromisoformat(h["at"]).tzinfo for h in body["history"])

    for doc, original, media_type in ((first, pdf, "application/pdf"),
                                      (scan, tiff, "image/tiff")):
        file = doc["files"][0]
        resp = client.get(f"/api/v1/documents/{doc['id']}/files/{file['id']}", headers=headers)
        assert resp.status_code == 200
        assert sha256(resp.data) == sha256(original) == file["sha256"]
        assert resp.mimetype == media_type
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert resp.headers["Cache-Control"] == "private, no-store"
    assert "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2045.pdf" in client.get(
        f"/api/v1/documents/{first['id']}/files/{first['files'][0]['id']}",
        headers=headers).headers["Content-Disposition"]
    scan_file = scan["files"][0]
    assert scan_file["page_count"] == 2 and scan_file["pdf_sha256"] != scan_file["sha256"]

    history = client.get(f"/api/v1/documents/{first['id']}", headers=headers).get_json()["history"]
    assert [h["action"] for h in history] == ["register", "route_start", "view", "download",
                                              "download", "view"]
    assert client.get(f"/api/v1/documents/{first['id']}/files/{scan_file['id']}",
                      headers=headers).status_code == 404  # a file of another document
    assert client.get("/api/v1/documents/999999", headers=headers).status_code == 404


def test_search_by_number_and_notation_as_printed(app, client, api):
    headers = api("vanthu")
    wanted = register(client, headers, code_number="12", code_notation="UBND-VX")
    register(client, headers, code_number="121", code_notation="QĐ-SNV")
    register(client, headers, code_number="7", code_notation="KH-UBND", issuer_name="Sở Y tế")

    def ids(q):
        listing = client.get("/api/v1/incoming", headers=headers, query_string={"q": q})
        return [d["id"] for d in listing.get_json()["items"]]

    assert ids("12/UBND-VX") == [wanted["id"]]
    assert ids("12/ubnd-vx") == ids(" 12 / UBND-VX ") == [wanted["id"]]
    assert len(ids("qd-snv")) == 1 and len(ids("UBND")) == 2

