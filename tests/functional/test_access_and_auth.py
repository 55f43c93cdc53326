"""Who may see what, and how people get in and out (UI and API, both backends).

Visibility (archive.access): the register is for clerks, the office head,
leaders and archivists; a confidential document only for the clerk who
registered it and the people it was routed to; anyone else is told the
document does not exist (404). Authentication: role checks, lock-out after
repeated wrong passwords, CSRF on every form, "log out everywhere", cookie
flags, and an audit entry for every look at a document.
"""
from __future__ import annotations

import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from archive import access, directory
from archive.audit import verify_chain
from archive.db import utcnow
from archive.identity import Actor
from archive.models import AuditEntry, Blob, Document, DocumentFile, Register
from tests.conftest import (DEMO_PASSWORD, Browser, api_token, csrf_from, incoming_fields,
                            unique_pdf)
from workflows.incoming import vn_today

OUTSIDERS = ("giamdoc", "luutru", "chuyenvien.vh")
_serial = iter(range(500, 100_000))
# One arrival date for the whole run: a run that crosses midnight stays consistent.
TODAY = vn_today()


def staff_id(username: str) -> int:
    return directory.find_staff(db.session, username).id


def logged_in(app, username: str) -> Browser:
    browser = Browser(app.test_client())
    resp = browser.login(username)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return browser


def bearer(client, username: str) -> dict:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def fields(**overrides) -> dict:
    values = incoming_fields(code_number=str(next(_serial)), arrival_date=TODAY.isoformat(),
                             issued_date=(TODAY - timedelta(days=1)).isoformat())
    values.update(overrides)
    return values


def register(client, headers, **overrides) -> dict:
    resp = client.post("/api/v1/incoming", headers=headers, content_type="multipart/form-data",
                       data={"metadata": json.dumps(fields(**overrides)),
                             "files": [(io.BytesIO(unique_pdf()), "van-ban.pdf")]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def urls(doc: dict) -> dict:
    doc_id, file_id = doc["id"], doc["files"][0]["id"]
    return {"page": f"/documents/{doc_id}", "download": f"/documents/{doc_id}/files/{file_id}",
            "pdf": f"/documents/{doc_id}/files/{file_id}/view.pdf",
            "api": f"/api/v1/documents/{doc_id}",
            "api_file": f"/api/v1/documents/{doc_id}/files/{file_id}"}


class People:
    """One logged-in browser and one API token per person, made on first use."""

    def __init__(self, app):
        self.app, self._known = app, {}

    def __call__(self, username: str) -> tuple[Browser, dict]:
        if username not in self._known:
            browser = logged_in(self.app, username)
            self._known[username] = (browser, bearer(browser.client, username))
        return self._known[username]

    def sees(self, username: str, doc: dict) -> dict[str, int]:
        """Status of every way to look at ``doc`` (UI and API)."""
        browser, headers = self(username)
        return {name: (browser.client.get(url, headers=headers) if name.startswith("api")
                       else browser.client.get(url)).status_code
                for name, url in urls(doc).items()}

    def listed(self, username: str, subject: str) -> tuple[bool, bool, int]:
        """(in the UI list, in the API list, the API total)."""
        browser, headers = self(username)
        html = browser.client.get("/incoming/").get_data(as_text=True)
        body = browser.client.get("/api/v1/incoming", headers=headers).get_json()
        return subject in html, any(d["subject"] == subject for d in body["items"]), body["total"]


ALL_OK = {"page": 200, "download": 200, "pdf": 200, "api": 200, "api_file": 200}
ALL_404 = {name: 404 for name in ALL_OK}


# --- visibility -------------------------------------------------------------------

def test_confidential_document_only_for_its_clerk_and_those_it_was_routed_to(app, client, api):
    headers, people = api("vanthu"), People(app)
    normal = register(client, headers, subject="Kế hoạch tổ chức hội diễn văn nghệ quần chúng")
    secret_subject = "Phương án bảo vệ bí mật nhà nước năm nay"
    secret = register(client, headers, subject=secret_subject, confidentiality="confidential")
    assert secret["confidentiality"] == "confidential"
    assert secret["register"]["id"] != normal["register"]["id"]  # the confidential register

    assert people.sees("vanthu", secret) == ALL_OK
    assert people.listed("vanthu", secret_subject) == (True, True, 2)
    for username in OUTSIDERS:
        assert people.sees(username, secret) == ALL_404, username
        in_ui, in_api, total = people.listed(username, secret_subject)
        assert not in_ui and not in_api, username
        assert total == (1 if username != "chuyenvien.vh" else 0), username
    # a refused look tells nothing about the document
    page = people("giamdoc")[0].client.get(urls(secret)["page"])
    assert "Không tìm thấy văn bản." in page.get_data(as_text=True)
    assert secret_subject not in page.get_data(as_text=True)

    access.grant(db.session, secret["id"], staff_id("giamdoc"))  # routed to the director
    db.session.commit()
    assert people.sees("giamdoc", secret) == ALL_OK
    assert people.listed("giamdoc", secret_subject) == (True, True, 2)
    for username in ("luutru", "chuyenvien.vh"):
        assert people.sees(username, secret) == ALL_404, username


def test_normal_document_for_register_roles_and_for_specialists_once_routed(app, client, api):
    subject = "V/v chuẩn bị lễ hội đường phố"
    doc, people = register(client, api("vanthu"), subject=subject), People(app)
    for username in ("giamdoc", "chanhvanphong", "luutru"):
        assert people.sees(username, doc) == ALL_OK, username
        assert people.listed(username, subject) == (True, True, 1), username
    assert people.sees("chuyenvien.vh", doc) == ALL_404
    assert people.listed("chuyenvien.vh", subject) == (False, False, 0)

    access.grant(db.session, doc["id"], staff_id("chuyenvien.vh"))
    db.session.commit()
    assert people.sees("chuyenvien.vh", doc) == ALL_OK
    assert people.listed("chuyenvien.vh", subject) == (True, True, 1)
    assert people.sees("chuyenvien.dl", doc) == ALL_404  # a colleague it was not routed to


def test_another_organisation_sees_nothing_of_ours(app, client, api):
    org = directory.create_organization(db.session, Actor.system(), name="Sở Nội vụ tỉnh Demo",
                                        abbreviation="SNV", organ_id="000.00.22.H99")
    directory.create_staff(db.session, Actor.system(org.id), organization_id=org.id,
                           username="vanthu.snv", full_name="Lê Thị Văn Thư",
                           password=DEMO_PASSWORD, roles=["clerk", "leader"])
    db.session.commit()
    ours = register(client, api("vanthu"), subject="Văn bản của Sở Văn hóa")
    people = People(app)
    theirs = register(client, people("vanthu.snv")[1], subject="Văn bản của Sở Nội vụ")
    assert theirs["arrival_number"] == 1  # their own register and numbering
    assert theirs["register_id"] != ours["register_id"]

    assert people.sees("vanthu.snv", ours) == ALL_404
    assert people.listed("vanthu.snv", ours["subject"]) == (False, False, 1)
    assert people.sees("giamdoc", theirs) == ALL_404
    assert people.listed("giamdoc", theirs["subject"]) == (False, False, 1)
    # nor can they write into our register
    resp = client.post("/api/v1/incoming", headers=people("vanthu.snv")[1],
                       content_type="multipart/form-data",
                       data={"metadata": json.dumps(fields(register_id=ours["register_id"])),
                             "files": [(io.BytesIO(unique_pdf()), "van-ban.pdf")]})
    assert resp.status_code == 404 and "register_id" in resp.get_json()["fields"]


# --- roles and anonymous access ------------------------------------------------------------

def test_role_checks(app, client):
    specialist = logged_in(app, "chuyenvien.vh")
    assert specialist.client.get("/incoming/new").status_code == 403
    headers = bearer(client, "chuyenvien.vh")
    resp = client.post("/api/v1/incoming", headers=headers, content_type="multipart/form-data",
                       data={"metadata": json.dumps(fields()),
                             "files": [(io.BytesIO(unique_pdf()), "van-ban.pdf")]})
    assert resp.status_code == 403
    body = resp.get_json()
    assert body["error"] == "forbidden" and body["message"] == "Chỉ văn thư được vào sổ văn bản."
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert db.session.scalar(select(func.count(Register.id))) == 0

    assert logged_in(app, "quantri").client.get("/admin/").status_code == 200
    for username in ("vanthu", "giamdoc", "chanhvanphong", "luutru", "chuyenvien.vh"):
        assert logged_in(app, username).client.get("/admin/").status_code == 403, username


def test_anonymous_is_sent_to_login_and_the_api_answers_401(app, client):
    for path in ("/", "/incoming/", "/incoming/new", "/admin/", "/documents/1",
                 "/documents/1/files/1", "/incoming/print"):
        resp = client.get(path)
        if path == "/":
            resp = client.get(resp.headers["Location"])
        assert resp.status_code == 302, path
        assert "/login" in resp.headers["Location"], path
    for method, path in (("get", "/api/v1/me"), ("get", "/api/v1/incoming"),
                         ("post", "/api/v1/incoming"), ("get", "/api/v1/documents/1"),
                         ("get", "/api/v1/documents/1/files/1"), ("get", "/api/v1/registers")):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
            resp = getattr(client, method)(path, headers=headers)
            assert resp.status_code == 401, (path, headers)
            body = resp.get_json()
            assert body["error"] == "unauthorized" and body["message"] and body["fields"] == {}
    # a logged-in browser's cookie does not open the API
    browser = logged_in(app, "vanthu")
    assert browser.client.get("/api/v1/me").status_code == 401


# --- login lock-out ------------------------------------------------------------------------

def test_lock_out_after_five_wrong_passwords_until_the_lock_expires(app, client):
    browser = Browser(client)
    for _ in range(5):
        resp = browser.login("vanthu", "sai-mat-khau")
        assert resp.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    resp = browser.login("vanthu")  # the right password, too late
    assert resp.status_code == 401
    assert "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần" in resp.get_data(as_text=True)
    assert client.get("/incoming/").status_code == 302  # not logged in
    resp = client.post("/api/v1/auth/token",
                       json={"username": "vanthu", "password": "eoffice-demo"})
    assert resp.status_code == 401 and resp.get_json()["error"] == "account_locked"
    resp = client.post("/api/v1/auth/token", headers={"Accept-Language": "en"},
                       json={"username": "vanthu", "password": "eoffice-demo"})
    assert "Account locked after repeated failed logins" in resp.get_json()["message"]
    locks = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "lock")).all()
    assert [(e.actor_name, e.object_id) for e in locks] == [("vanthu", str(staff_id("vanthu")))]
    # other people are not affected
    assert Browser(app.test_client()).login("giamdoc").status_code == 302

    staff = directory.find_staff(db.session, "vanthu")
    staff.locked_until = utcnow() - timedelta(minutes=1)  # the lock has run out
    db.session.commit()
    assert browser.login("vanthu").status_code == 302
    assert client.get("/incoming/").status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": "vanthu",
                                                   "password": "eoffice-demo"}).status_code == 201


def test_wrong_passwords_through_the_api_count_too(app, client):
    for _ in range(5):
        resp = client.post("/api/v1/auth/token", json={"username": "vanthu", "password": "x"})
        assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"
    resp = Browser(app.test_client()).login("vanthu")
    assert resp.status_code == 401 and "Tài khoản tạm khóa" in resp.get_data(as_text=True)


# --- CSRF -------------------------------------------------------------------------

def test_forms_without_csrf_token_are_refused_and_change_nothing(app, client):
    resp = client.post("/login", data={"username": "vanthu", "password": "eoffice-demo"})
    assert resp.status_code == 400
    assert client.get("/incoming/").status_code == 302  # still not logged in
    assert directory.find_staff(db.session, "vanthu").failed_logins == 0

    browser = logged_in(app, "vanthu")
    blobs_dir = app.config["DATA_DIR"] / "blobs"
    for token in (None, "forged-token"):
        data = {**fields(), "main_file": (io.BytesIO(unique_pdf()), "van-ban.pdf")}
        if token:
            data["csrf_token"] = token
        resp = browser.client.post("/incoming/new", data=data,
                                   content_type="multipart/form-data")
        assert resp.status_code == 400
        assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))) == 0
    assert db.session.scalar(select(func.count(DocumentFile.id))) == 0
    assert db.session.scalar(select(func.count(Blob.sha256))) == 0
    assert db.session.scalar(select(func.count(Register.id))) == 0
    assert not blobs_dir.exists() or not any(p.is_file() for p in blobs_dir.rglob("*"))

    # log out (everywhere) needs the token too
    assert browser.client.post("/logout-everywhere").status_code == 400
    assert browser.client.post("/logout").status_code == 400
    assert browser.client.get("/incoming/").status_code == 200


# --- log out everywhere ---------------------------------------------------------------------

def test_logout_everywhere_ends_every_session_and_token(app, client):
    first = logged_in(app, "vanthu")
    second = Browser(app.test_client())  # "remember me" on this one: that cookie must die too
    token = csrf_from(second.client.get("/login").get_data(as_text=True))
    assert second.client.post("/login", data={"username": "vanthu", "password": DEMO_PASSWORD,
                                              "remember": "y", "csrf_token": token}
                              ).status_code == 302
    assert second.client.get_cookie("remember_token") is not None
    other = logged_in(app, "giamdoc")
    token = api_token(client, "vanthu")
    headers = {"Authorization": f"Bearer {token}"}
    assert second.client.get("/incoming/").status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    resp = first.client.post("/logout-everywhere", data={"csrf_token": first.token("/incoming/")})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")

    resp = second.client.get("/incoming/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert first.client.get("/incoming/").status_code == 302
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"
    assert other.client.get("/incoming/").status_code == 200  # someone else stays logged in
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "logout_everywhere"))
    assert entry.actor_name == "vanthu"

    # logging in again works, with a new session and a new token
    assert second.login("vanthu").status_code == 302
    assert second.client.get("/incoming/").status_code == 200
    assert client.get("/api/v1/me", headers=bearer(client, "vanthu")).status_code == 200


def test_login_only_redirects_to_pages_of_this_site(app, client):
    def login_to(next_url: str) -> str:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        resp = client.post("/login", query_string={"next": next_url},
                           data={"username": "vanthu", "password": DEMO_PASSWORD,
                                 "csrf_token": token})
        assert resp.status_code == 302
        client.post("/logout", data={"csrf_token": csrf_from(
            client.get("/incoming/").get_data(as_text=True))})
        return resp.headers["Location"]

    assert login_to("/incoming/?page=2") == "/incoming/?page=2"
    for hostile in ("//evil.example/", "/\\evil.example/", "/\\/evil.example/",
                    "https://evil.example/", "/\t/evil.example/", "javascript:alert(1)"):
        assert login_to(hostile) in ("/", "http://localhost/"), hostile


# --- cookies ------------------------------------------------------------------------

def test_session_and_remember_cookies_are_httponly_and_samesite_lax(app, client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"username": "vanthu", "password": "eoffice-demo",
                                       "remember": "y", "csrf_token": token})
    assert resp.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in resp.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies), cookies
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in cookies[name].split(";")]
        assert "httponly" in flags, cookies[name]
        assert "samesite=lax" in flags, cookies[name]


# --- audit of every look -------------------------------------------------------------------

def test_every_view_and_download_is_audited_with_its_actor(app, client, api):
    doc = register(client, api("vanthu"))
    links = urls(doc)
    file_id = doc["files"][0]["id"]
    leader = logged_in(app, "giamdoc")
    headers = bearer(client, "luutru")

    def entries():
        return [(e.actor_name, e.action, e.object_id, (e.details or {}).get("file_id"))
                for e in db.session.scalars(select(AuditEntry).where(
                    AuditEntry.action.in_(("view", "download", "view_file")))
                    .order_by(AuditEntry.seq))]

    assert entries() == []
    assert leader.client.get(links["page"]).status_code == 200
    assert leader.client.get(links["page"]).status_code == 200
    assert leader.client.get(links["download"]).status_code == 200
    assert leader.client.get(links["pdf"]).status_code == 200
    assert client.get(links["api"], headers=headers).status_code == 200
    assert client.get(links["api_file"], headers=headers).status_code == 200
    doc_id = str(doc["id"])
    assert entries() == [("giamdoc", "view", doc_id, None), ("giamdoc", "view", doc_id, None),
                         ("giamdoc", "download", doc_id, file_id),
                         ("giamdoc", "view_file", doc_id, file_id),
                         ("luutru", "view", doc_id, None), ("luutru", "download", doc_id, file_id)]
    ids = {e.actor_id for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(("view", "download", "view_file"))))}
    assert ids == {staff_id("giamdoc"), staff_id("luutru")}
    # the history shown with the document lists them, and the chain still verifies
    history = client.get(links["api"], headers=headers).get_json()["history"]
    assert [h["action"] for h in history][:8] == ["register", "route_start", "view", "view",
                                                 "download", "view_file", "view", "download"]
    assert verify_chain(db.session).ok
