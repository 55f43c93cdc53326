"""The outgoing-document pages through the test client (SQLite and PostgreSQL).

A specialist drafts through the form (the system lays the text out, or a PDF
is uploaded), the list and the document page show it with the field boxes of
its layout; people who may not see it get 404; a stale sign form and a missing
CSRF token are refused. With the test PKI (``tests/signing_support.py``) the
whole route runs through the pages: submit, both approvals, the leader signs
with a PIN (a wrong one first), the clerk issues, the signature panel's JSON
shows both signatures valid.
"""
from __future__ import annotations

import io
import json
import re
import pytest
from sqlalchemy import select

import config
from app import create_app
from app.extensions import db
from archive.models import DraftVersion, OutgoingDocument, Task
from tests.conftest import Browser, IsolatedClient, csrf_from, make_pdf
from tests.integration.test_routing import register, routing, staff_id  # noqa: F401
from tests.signing_support import PIN, app_config_for, provision_signing
from workflows import incoming

SUBJECT = "Quyết định ban hành Kế hoạch tổ chức Lễ hội Hoa Ban năm 2027"
BODY = ("Căn cứ Luật Tổ chức chính quyền địa phương;\n\n"
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch tổ chức Lễ hội Hoa Ban.\n\n"
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký.")


def person(app, username: str) -> Browser:
    """A logged-in browser of its own (own cookie jar)."""
    b = Browser(app.test_client())
    resp = b.login(username)
    assert resp.status_code == 302, username
    return b


def page(b: Browser, path: str, status: int = 200) -> str:
    resp = b.client.get(path)
    assert resp.status_code == status, (path, resp.status_code)
    return resp.get_data(as_text=True)


def post_from(b: Browser, form_page: str, path: str, data: dict, **kw):
    token = csrf_from(page(b, form_page))
    return b.client.post(path, data={**data, "csrf_token": token}, **kw)


def draft_form(**extra) -> dict:
    values = {"document_type": "QD", "subject": SUBJECT, "urgency": "normal",
              "confidentiality": "normal", "recipients": "- Như Điều 3;\n- UBND tỉnh (để b/c);",
              "signer_id": str(staff_id("giamdoc")), "authority": "", "authority_of": "",
              "signer_position": "", "archive_units": "", "source": "generate", "body": BODY}
    values.update(extra)
    return values


def create_through_form(b: Browser, **extra) -> int:
    resp = post_from(b, "/outgoing/new", "/outgoing/new", draft_form(**extra),
                     content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    match = re.search(r"/outgoing/(\d+)$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    return int(match.group(1))


def field_boxes(html: str) -> dict:
    match = re.search(r"data-field-boxes='([^']*)'", html)
    assert match, "no field boxes on the page"
    return json.loads(match.group(1))


def open_task(doc_id: int) -> Task:
    db.session.expire_all()
    return db.session.scalar(select(Task).where(Task.document_id == doc_id,
                                                Task.status == "ready"))


def complete_step(b: Browser, doc_id: int, data: dict, form: str):
    task = open_task(doc_id)
    assert task is not None and task.form == form, (task and task.form, form)
    html = page(b, f"/tasks/{task.id}")
    assert f'data-form="{form}"' in html
    resp = b.client.post(f"/tasks/{task.id}/complete",
                         data={**data, "csrf_token": csrf_from(html)})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return html


def to_the_leader(app, doc_id: int, drafter: Browser) -> None:
    complete_step(drafter, doc_id, {"note": "Kính trình."}, "draft")
    complete_step(person(app, "truongphong.vh"), doc_id, {"decision": "approve"},
                  "content_review")
    complete_step(person(app, "chanhvanphong"), doc_id, {"decision": "approve"}, "form_review")


# --- drafting ----------------------------------------------------------------------------

def test_a_generated_draft_through_the_form_the_list_and_the_page(app):
    drafter = person(app, "chuyenvien.vh")
    form = page(drafter, "/outgoing/new")
    assert 'name="source" value="generate"' in form and 'accept=".pdf,.docx' in form
    assert 'Lê Minh Đức' in form and 'value="KT."' in form  # leaders, authorities
    doc_id = create_through_form(drafter)

    shown = page(drafter, f"/outgoing/{doc_id}")
    assert SUBJECT in shown and "Đã tạo dự thảo" in shown
    assert 'data-status="draft"' in shown and "Chưa cấp số" in shown
    out = db.session.get(OutgoingDocument, doc_id)
    version = db.session.get(DraftVersion, out.current_version_id)
    assert version.source == "generated" and version.number == 1
    pdf_url = f"/outgoing/{doc_id}/versions/{version.id}.pdf"
    assert f'data-src="{pdf_url}"' in shown
    boxes = field_boxes(shown)
    assert set(boxes) == {"number", "date", "leader", "seal"}
    assert boxes["leader"] == pytest.approx(version.layout["leader"])
    assert "js/fieldoverlay.js" in shown and "js/sigpanel.js" in shown
    assert f'data-sig-url="/documents/{doc_id}/signatures.json"' in shown
    assert 'id="version-form"' in shown  # the drafter may upload a new version
    assert f'href="/tasks/{open_task(doc_id).id}"' in shown  # the drafter's step: submit

    pdf = drafter.client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.data.startswith(b"%PDF")
    report = drafter.client.get(f"/documents/{doc_id}/signatures.json")
    assert report.status_code == 200 and report.get_json()["files"] == []

    listed = page(drafter, "/outgoing/")
    assert SUBJECT in listed and f'data-document-id="{doc_id}"' in listed
    assert "Chuyên viên trình dự thảo" in listed and 'id="nav-outgoing"' in listed
    assert SUBJECT not in page(drafter, "/outgoing/?scope=issued")
    # the old document URL leads to the outgoing page
    assert drafter.client.get(f"/documents/{doc_id}").headers["Location"].endswith(
        f"/outgoing/{doc_id}")


def test_an_uploaded_pdf_draft_and_a_new_version(app):
    drafter = person(app, "chuyenvien.vh")
    pdf = make_pdf(("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Công văn về việc Lễ hội"))
    doc_id = create_through_form(drafter, source="upload", document_type="CV", body="",
                                 file=(io.BytesIO(pdf), "cong-van.pdf"))
    out = db.session.get(OutgoingDocument, doc_id)
    v1 = db.session.get(DraftVersion, out.current_version_id)
    assert v1.source == "pdf" and v1.name == "cong-van.pdf" and v1.status == "ready"
    shown = page(drafter, f"/outgoing/{doc_id}")
    assert "PDF tải lên" in shown and "cong-van.pdf" in shown
    assert set(field_boxes(shown)) == {"number", "date", "leader", "seal"}
    source = drafter.client.get(f"/outgoing/{doc_id}/versions/{v1.id}/source")
    assert source.status_code == 200 and source.data == pdf
    assert source.headers["Content-Disposition"].startswith("attachment")

    resp = post_from(drafter, f"/outgoing/{doc_id}", f"/outgoing/{doc_id}/versions",
                     {"expected_version_id": str(v1.id), "note": "Sửa Điều 2",
                      "file": (io.BytesIO(make_pdf(("Bản sửa",))), "sua.pdf")},
                     content_type="multipart/form-data")
    assert resp.status_code == 302
    shown = page(drafter, f"/outgoing/{doc_id}")
    assert "Sửa Điều 2" in shown and "sua.pdf" in shown
    # the stale upload form (still naming version 1) is refused, nothing added
    stale = post_from(drafter, f"/outgoing/{doc_id}", f"/outgoing/{doc_id}/versions",
                      {"expected_version_id": str(v1.id),
                       "file": (io.BytesIO(make_pdf(("Bản cũ",))), "cu.pdf")},
                      content_type="multipart/form-data")
    assert stale.status_code == 409 and "phiên bản mới hơn" in stale.get_data(as_text=True)
    assert len(db.session.scalars(select(DraftVersion).where(
        DraftVersion.document_id == doc_id)).all()) == 2


def test_the_lists_are_paged(app, monkeypatch):
    monkeypatch.setattr("app.outgoing.views.PER_PAGE", 1)
    drafter = person(app, "chuyenvien.vh")
    first = create_through_form(drafter, subject="Dự thảo thứ nhất")
    second = create_through_form(drafter, subject="Dự thảo thứ hai")
    listed = page(drafter, "/outgoing/?scope=drafts")
    assert f'data-document-id="{second}"' in listed and "Dự thảo thứ nhất" not in listed
    assert "Trang 1 / 2" in listed and 'rel="next"' in listed
    listed = page(drafter, "/outgoing/?scope=drafts&page=2")
    assert f'data-document-id="{first}"' in listed and 'rel="prev"' in listed
    assert "Chưa có văn bản nào được cấp số." in page(drafter, "/outgoing/?scope=issued&year=2020")


def test_the_form_names_every_faulty_field(app):
    drafter = person(app, "chuyenvien.vh")
    resp = post_from(drafter, "/outgoing/new", "/outgoing/new",
                     draft_form(subject="", document_type="", body=""),
                     content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'role="alert"' in html
    assert 'id="e-subject"' in html and 'id="e-document_type"' in html and 'id="e-body"' in html
    no_file = post_from(drafter, "/outgoing/new", "/outgoing/new",
                        draft_form(source="upload"), content_type="multipart/form-data")
    assert no_file.status_code == 422 and 'id="e-file"' in no_file.get_data(as_text=True)
    assert db.session.scalar(select(OutgoingDocument)) is None
    # the clerk does not draft
    assert person(app, "vanthu").client.get("/outgoing/new").status_code == 403


def test_someone_who_may_not_see_the_draft_gets_404(app):
    drafter = person(app, "chuyenvien.vh")
    doc_id = create_through_form(drafter)
    out = db.session.get(OutgoingDocument, doc_id)
    other = person(app, "chuyenvien.dl")
    page(other, f"/outgoing/{doc_id}", 404)
    page(other, f"/outgoing/{doc_id}/versions/{out.current_version_id}.pdf", 404)
    page(other, f"/documents/{doc_id}", 404)
    sigs = other.client.get(f"/documents/{doc_id}/signatures.json")
    assert sigs.status_code == 404 and sigs.get_json()["error"] == "not_found"
    assert SUBJECT not in page(other, "/outgoing/")
    assert other.client.post(f"/outgoing/{doc_id}/sign", data={
        "csrf_token": csrf_from(page(other, "/inbox")), "pin": "123456",
        "version_id": str(out.current_version_id)}).status_code == 404


def test_the_task_pages_of_the_outgoing_steps(app):
    drafter = person(app, "chuyenvien.vh")
    doc_id = create_through_form(drafter)
    html = complete_step(drafter, doc_id, {"note": "Kính trình."}, "draft")
    assert 'name="signer_id"' in html and f'href="/outgoing/{doc_id}"' in html
    assert re.search(rf'<option value="{staff_id("giamdoc")}" selected>Lê Minh Đức', html)
    assert "Số đến" not in html.split('class="task-doc"')[1].split("</p>")[0]
    html = complete_step(person(app, "truongphong.vh"), doc_id,
                         {"decision": "return", "note": "Bổ sung căn cứ."}, "content_review")
    assert 'value="approve"' in html and 'value="return"' in html
    assert open_task(doc_id).form == "draft"  # back to the drafter
    shown = page(drafter, f"/outgoing/{doc_id}")
    assert "Bổ sung căn cứ." in shown and 'data-kind="return"' in shown
    to_the_leader(app, doc_id, drafter)
    leader = person(app, "giamdoc")
    task = open_task(doc_id)
    html = page(leader, f"/tasks/{task.id}")
    assert 'data-form="sign"' in html and 'id="open-signing"' in html
    assert 'name="decision" value="return"' in html and 'value="sign"' not in html
    # returning without a reason is refused, with one it goes back to the drafter
    bad = leader.client.post(f"/tasks/{task.id}/complete",
                             data={"csrf_token": csrf_from(html), "decision": "return"})
    assert bad.status_code == 422 and 'id="err-note"' in bad.get_data(as_text=True)
    ok = leader.client.post(f"/tasks/{task.id}/complete", data={
        "csrf_token": csrf_from(html), "decision": "return", "note": "Sửa Điều 1."})
    assert ok.status_code == 302 and open_task(doc_id).form == "draft"


def test_a_stale_sign_form_is_refused_and_the_approvals_shown_void(app):
    drafter = person(app, "chuyenvien.vh")
    doc_id = create_through_form(drafter)
    to_the_leader(app, doc_id, drafter)
    leader = person(app, "giamdoc")
    shown = page(leader, f"/outgoing/{doc_id}")
    assert 'id="sign-form"' in shown and 'type="password" id="sign-pin"' in shown
    assert 'inputmode="numeric" autocomplete="off" autofocus' in shown
    seen_version = re.search(r'name="version_id" value="(\d+)"', shown).group(1)
    assert shown.count('data-valid="true"') == 2  # content and form approved
    deputy = person(app, "phogiamdoc")  # a leader, but not the one chosen to sign
    assert 'id="sign-form"' not in page(deputy, f"/outgoing/{doc_id}")
    not_hers = deputy.client.post(f"/outgoing/{doc_id}/sign", data={
        "csrf_token": csrf_from(page(deputy, "/inbox")), "pin": "123456",
        "version_id": seen_version})
    assert not_hers.status_code == 403
    assert "Văn bản này không chờ bạn ký." in not_hers.get_data(as_text=True)

    post_from(drafter, f"/outgoing/{doc_id}", f"/outgoing/{doc_id}/versions",
              {"expected_version_id": seen_version,
               "file": (io.BytesIO(make_pdf(("Bản sửa sau duyệt",))), "v2.pdf")},
              content_type="multipart/form-data")
    resp = leader.client.post(f"/outgoing/{doc_id}/sign", data={
        "csrf_token": csrf_from(shown), "pin": "123456", "version_id": seen_version})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "Dự thảo đã thay đổi" in html
    assert 'id="page-message"' in html and 'value="123456"' not in html
    db.session.expire_all()
    out = db.session.get(OutgoingDocument, doc_id)
    assert out.document.status == "draft" and out.signed_sha256 is None
    assert html.count('data-valid="false"') == 2 and "hết hiệu lực (dự thảo đã thay đổi)" in html
    assert "chưa thể ký" in html


def test_csrf_is_enforced_on_every_outgoing_form(app):
    drafter = person(app, "chuyenvien.vh")
    no_token = drafter.client.post("/outgoing/new", data=draft_form())
    assert no_token.status_code == 400
    assert db.session.scalar(select(OutgoingDocument)) is None
    doc_id = create_through_form(drafter)
    out = db.session.get(OutgoingDocument, doc_id)
    for path in (f"/outgoing/{doc_id}/sign", f"/outgoing/{doc_id}/issue",
                 f"/outgoing/{doc_id}/versions"):
        resp = drafter.client.post(path, data={"pin": "123456",
                                               "version_id": str(out.current_version_id)})
        assert resp.status_code == 400, path


def test_a_reply_links_both_documents(routing, app):
    incoming_doc = register(routing, subject="V/v báo cáo tình hình tổ chức lễ hội")
    leader = person(app, "giamdoc")
    html = page(leader, f"/documents/{incoming_doc.id}")
    assert 'id="compose-reply"' in html and "Chưa có văn bản trả lời." in html
    assert 'class="card sig-panel"' in html and "js/sigpanel.js" in html
    form = page(leader, f"/outgoing/new?reply_to={incoming_doc.id}")
    assert f'name="reply_to_id" value="{incoming_doc.id}"' in form
    assert "Ủy ban nhân dân tỉnh Demo" in form  # the sender pre-filled as recipient
    doc_id = create_through_form(leader, reply_to_id=str(incoming_doc.id),
                                 document_type="CV", subject="V/v báo cáo tình hình lễ hội")
    shown = page(leader, f"/outgoing/{doc_id}")
    assert "Trả lời văn bản đến số" in shown
    assert f'href="/documents/{incoming_doc.id}"' in shown
    html = page(leader, f"/documents/{incoming_doc.id}")
    assert f'href="/outgoing/{doc_id}"' in html and "V/v báo cáo tình hình lễ hội" in html
    report = leader.client.get(f"/documents/{incoming_doc.id}/signatures.json").get_json()
    assert [f["status"] for f in report["files"]] == ["none"]


# --- the whole route with real signatures -----------------------------------------------

@pytest.fixture
def signing_app(database_url, tmp_path, signing_pki):
    """The app with the test PKI: leaders' PKCS#12 keys and the agency key (PIN 123456)."""
    application = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                             DATA_DIR=tmp_path / "data", SERVER_NAME="localhost",
                             **app_config_for(signing_pki))
    application.test_client_class = IsolatedClient
    with application.app_context():
        provision_signing(application, signing_pki)
        yield application
        db.session.remove()
        db.engine.dispose()


def test_the_whole_route_through_the_pages(signing_app):
    app = signing_app
    drafter = person(app, "chuyenvien.vh")
    doc_id = create_through_form(drafter)
    to_the_leader(app, doc_id, drafter)

    leader = person(app, "giamdoc")
    shown = page(leader, f"/outgoing/{doc_id}")
    version = re.search(r'name="version_id" value="(\d+)"', shown).group(1)
    wrong = leader.client.post(f"/outgoing/{doc_id}/sign", data={
        "csrf_token": csrf_from(shown), "pin": "000000", "version_id": version})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Mã PIN không đúng. Còn 4 lần thử." in html
    assert 'id="e-pin"' in html and 'data-status="draft"' in html
    signed = leader.client.post(f"/outgoing/{doc_id}/sign", data={
        "csrf_token": csrf_from(shown), "pin": PIN, "version_id": version,
        "note": "Đồng ý ban hành."})
    assert signed.status_code == 302 and signed.headers["Location"].endswith(f"/outgoing/{doc_id}")
    shown = page(leader, f"/outgoing/{doc_id}")
    assert "Đã ký số văn bản." in shown and 'data-status="signed"' in shown
    assert f'data-src="/outgoing/{doc_id}/signed.pdf"' in shown
    assert set(field_boxes(shown)) == {"number", "date", "seal"}
    assert leader.client.get(f"/outgoing/{doc_id}/signed.pdf").data.startswith(b"%PDF")

    clerk = person(app, "vanthu")
    shown = page(clerk, f"/outgoing/{doc_id}")
    assert 'id="issue-form"' in shown and f'value="{incoming.vn_today().isoformat()}"' in shown
    issued = clerk.client.post(f"/outgoing/{doc_id}/issue", data={
        "csrf_token": csrf_from(shown), "pin": PIN,
        "issue_date": incoming.vn_today().isoformat()})
    assert issued.status_code == 302, issued.get_data(as_text=True)
    shown = page(clerk, f"/outgoing/{doc_id}")
    assert "Số: 01/QĐ-SVHTTDL" in shown and 'data-status="issued"' in shown
    assert "Đã cấp số 01/QĐ-SVHTTDL và ký số cơ quan." in shown

    report = clerk.client.get(f"/documents/{doc_id}/signatures.json").get_json()
    main = next(f for f in report["files"] if f["role"] == "main")
    assert main["status"] == "valid"
    signatures = [s for s in main["signatures"] if s["kind"] == "signature"]
    assert [(s["field"], s["status"]) for s in signatures] == [
        ("SigLeader", "valid"), ("SigSeal", "valid")]
    leader_sig = signatures[0]
    assert leader_sig["certified"] and {"so_ky_hieu", "ngay_ban_hanh"} <= set(
        leader_sig["changed_fields"])
    assert all(s["status"] == "valid" for s in main["signatures"])  # + the B-LTA timestamp
    register_page = page(clerk, "/outgoing/?scope=issued")
    assert "01/QĐ-SVHTTDL" in register_page and SUBJECT in register_page
    complete_step(clerk, doc_id, {"note": "Đã gửi qua trục liên thông."}, "dispatch")
    assert open_task(doc_id) is None
