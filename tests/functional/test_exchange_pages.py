"""The exchange pages, on SQLite and PostgreSQL: B's clerk and A's sending panel.

Two agencies in one database (see ``tests/integration/test_exchange_direct.py``):
A (the demo agency) signs and issues with the test PKI and sends to B
through the real outbox, delivered by the routing clock. B's clerk works
only through the pages: the list of received electronic documents, a
package's page, Accept (registered, 03 back), Refuse with a reason (02).
A's people use the "Nơi nhận điện tử" panel of the outgoing document page:
choose recipients, see the delivery and the statuses, resend, recall.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive.exchange_models import ExchangeInbox, ExchangeOutbox, OutgoingRecipient
from archive.models import Document, OutgoingDocument
from tests.conftest import csrf_from
from tests.functional import test_outgoing_pages
from tests.functional.test_outgoing_pages import page, person
from tests.integration.test_exchange_direct import (
    B_ORGAN,
    Outage,
    clock,
    codes_at_a,
    issued_to_b,
    make_agency_b,
    sent_id,
)
from tests.integration.test_routing import who
from tests.integration.test_signing_route import sign, to_leader
from tests.signing_support import PIN
from workflows import issuing
from workflows.demo import DEMO_ORGAN_ID

signing_app = test_outgoing_pages.signing_app  # the app with the test PKI


def _setup():
    make_agency_b()
    return wiring.routing(), wiring.exchange_transports()


def _inbox_id(doc: Document) -> int:
    db.session.expire_all()
    return db.session.scalar(select(ExchangeInbox.id).where(
        ExchangeInbox.edxml_document_id == sent_id(doc), ExchangeInbox.kind == "edoc"))


def _form_values(html: str, form_id: str) -> dict:
    """The named inputs, selects and textareas of one form, as a browser would post them."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.DOTALL).group(0)
    values = {}
    for m in re.finditer(r'<input[^>]*>', form):
        tag = m.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("file", "checkbox")):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.DOTALL):
        values[m.group(1)] = m.group(2)
    for m in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        values[m.group(1)] = chosen.group(1) if chosen else ""
    return values


def test_b_clerk_accepts_one_package_and_refuses_another(signing_app):
    routing, transports = _setup()
    accepted = issued_to_b(routing, "Công văn về dự toán ngân sách năm 2027")
    refused = issued_to_b(routing, "Công văn gửi nhầm nơi nhận")
    clock(routing, transports)
    db.session.commit()

    assert person(signing_app, "cv.stc").client.get("/exchange/").status_code == 403
    assert 'id="exchange-empty"' in page(person(signing_app, "vanthu"), "/exchange/")
    clerk = person(signing_app, "vanthu.stc")
    listing = page(clerk, "/exchange/")
    assert "Văn bản điện tử đến" in listing
    assert accepted.subject in listing and refused.subject in listing
    assert DEMO_ORGAN_ID in listing and f"{accepted.code_number}/{accepted.code_notation}" in listing

    inbox_id = _inbox_id(accepted)
    shown = page(clerk, f"/exchange/{inbox_id}")
    assert "Gói tin được ký số bởi" in shown  # A's agency key sealed the envelope
    values = _form_values(shown, "accept-form")
    assert values["subject"] == accepted.subject and values["channel"] == "exchange"
    assert values["code_number"] == accepted.code_number
    assert values["issuer_organ_id"] == DEMO_ORGAN_ID
    issued_pdf = wiring.storage().get(db.session.get(OutgoingDocument, accepted.id).issued_sha256)
    assert clerk.client.get(f"/exchange/{inbox_id}/files/0").data == issued_pdf
    assert clerk.client.get(f"/exchange/{inbox_id}/files/9").status_code == 404
    assert person(signing_app, "vanthu").client.get(f"/exchange/{inbox_id}").status_code == 404

    values["notes"] = "Nhận qua trục liên thông"
    resp = clerk.client.post(f"/exchange/{inbox_id}/accept", data=values)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    doc_id = int(re.search(r"/documents/(\d+)$", resp.headers["Location"]).group(1))
    shown = page(clerk, f"/documents/{doc_id}")
    assert "Đã tiếp nhận và vào sổ" in shown and accepted.subject in shown
    db.session.expire_all()
    registered = db.session.get(Document, doc_id)
    assert (registered.channel, registered.notes, registered.status) == (
        "exchange", "Nhận qua trục liên thông", "registered")
    row = db.session.get(ExchangeInbox, inbox_id)
    assert (row.state, row.document_id) == ("accepted", doc_id)
    again = clerk.client.post(f"/exchange/{inbox_id}/accept", data=values)  # double submit
    assert again.status_code == 302 and again.headers["Location"].endswith("/exchange/")
    assert "đã được xử lý" in page(clerk, "/exchange/")
    assert db.session.scalar(select(Document.id).where(Document.subject == accepted.subject,
                                                       Document.id != accepted.id)) == doc_id

    other = _inbox_id(refused)
    shown = page(clerk, f"/exchange/{other}")
    empty = clerk.client.post(f"/exchange/{other}/refuse", data={
        "csrf_token": csrf_from(shown), "reason": "  "})
    assert empty.status_code == 422 and 'id="e-reason"' in empty.get_data(as_text=True)
    resp = clerk.client.post(f"/exchange/{other}/refuse", data={
        "csrf_token": csrf_from(shown), "reason": "Không đúng thẩm quyền của Sở"})
    assert resp.status_code == 302
    listing = page(clerk, "/exchange/")
    assert "Đã từ chối tiếp nhận" in listing and 'id="exchange-empty"' in listing
    assert clerk.client.post(f"/exchange/{other}/refuse", data={
        "csrf_token": csrf_from(shown), "reason": "Lần nữa"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeInbox, other).reason == "Không đúng thẩm quyền của Sở"
    specialist = person(signing_app, "cv.stc")
    assert specialist.client.post(f"/exchange/{other}/refuse", data={
        "csrf_token": specialist.token("/tasks/"), "reason": "x"}).status_code == 403

    clock(routing, transports)
    assert [c[1] for c in codes_at_a(accepted)] == ["01", "03"]
    assert codes_at_a(refused)[-1] == (B_ORGAN, "02", "Không đúng thẩm quyền của Sở")


def test_the_sender_chooses_recipients_follows_statuses_and_recalls(signing_app):
    routing, transports = _setup()
    doc = to_leader(routing, subject="Công văn đề nghị thẩm định dự toán")
    db.session.commit()
    drafter = person(signing_app, "chuyenvien.vh")
    shown = page(drafter, f"/outgoing/{doc.id}")
    assert 'id="exchange-recipients-form"' in shown and B_ORGAN in shown
    assert "Sở Tài chính tỉnh Demo" in shown
    bad = drafter.client.post(f"/exchange/outgoing/{doc.id}/recipients", data={
        "csrf_token": csrf_from(shown), "other_organ_ids": "không-phải-mã"})
    assert bad.status_code == 302 and bad.headers["Location"].endswith(f"/outgoing/{doc.id}#exchange")
    assert "Mã định danh cơ quan không hợp lệ" in page(drafter, f"/outgoing/{doc.id}")
    resp = drafter.client.post(f"/exchange/outgoing/{doc.id}/recipients", data={
        "csrf_token": csrf_from(shown), "organ_id": [B_ORGAN]})
    assert resp.status_code == 302
    shown = page(drafter, f"/outgoing/{doc.id}")
    assert "Đã lưu nơi nhận điện tử: 1 cơ quan" in shown
    assert f'<li data-organ-id="{B_ORGAN}">' in shown
    assert 'id="exchange-recipients-form"' not in page(person(signing_app, "truongphong.vh"),
                                                        f"/outgoing/{doc.id}")
    db.session.expire_all()
    assert [r.organ_id for r in db.session.scalars(select(OutgoingRecipient))] == [B_ORGAN]

    out = db.session.get(OutgoingDocument, doc.id)
    sign(doc, version_id=out.current_version_id)
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), doc.id, PIN)
    clerk = person(signing_app, "vanthu")
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert 'id="exchange-recipients-form"' not in shown
    assert f'data-organ-id="{B_ORGAN}" data-state="pending"' in shown

    clock(routing, transports)  # delivered to B, B's 01 queued
    clock(routing, transports)  # the 01 reaches A
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert f'data-organ-id="{B_ORGAN}" data-state="delivered"' in shown
    assert '<li data-code="01">01 — Đã đến' in shown

    b_clerk = person(signing_app, "vanthu.stc")
    inbox_id = _inbox_id(doc)
    form = page(b_clerk, f"/exchange/{inbox_id}")
    assert b_clerk.client.post(f"/exchange/{inbox_id}/accept",
                               data=_form_values(form, "accept-form")).status_code == 302
    clock(routing, transports)
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert '<li data-code="03">03 — Đã tiếp nhận' in shown
    assert 'id="exchange-recall-form"' in shown
    assert 'id="exchange-recall-form"' not in page(drafter, f"/outgoing/{doc.id}")

    empty = clerk.client.post(f"/exchange/outgoing/{doc.id}/recall", data={
        "csrf_token": csrf_from(shown), "reason": ""})
    assert empty.status_code == 302
    assert "Cần ghi lý do thu hồi." in page(clerk, f"/outgoing/{doc.id}")
    resp = clerk.client.post(f"/exchange/outgoing/{doc.id}/recall", data={
        "csrf_token": csrf_from(shown), "reason": "Sai số liệu phụ lục"})
    assert resp.status_code == 302
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert "Đã gửi yêu cầu thu hồi (13) tới 1 cơ quan nhận." in shown
    assert "Đã yêu cầu thu hồi" in shown and 'id="exchange-recall-form"' not in shown
    clock(routing, transports)
    clock(routing, transports)
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert '<li data-code="15">15 — Đồng ý lấy lại' in shown
    db.session.expire_all()
    received = db.session.get(ExchangeInbox, inbox_id).document_id
    assert db.session.get(Document, received).status == "recalled"
    assert "Đã thu hồi" in page(b_clerk, f"/documents/{received}")


def test_a_failed_delivery_is_shown_and_the_clerk_resends_it(signing_app):
    routing, _transports = _setup()
    doc = issued_to_b(routing, "Công văn gửi khi bên nhận mất kết nối")
    db.session.commit()
    outage = Outage(wiring.storage(), max_attempts=1)
    clock(routing, outage, datetime.now(UTC))
    clerk = person(signing_app, "vanthu")
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert f'data-organ-id="{B_ORGAN}" data-state="failed"' in shown
    assert "Gửi thất bại" in shown and "Connection refused" in shown
    row_id = db.session.scalar(select(ExchangeOutbox.id).where(
        ExchangeOutbox.document_id == doc.id))
    assert f'/exchange/outbox/{row_id}/retry' in shown
    drafter = person(signing_app, "chuyenvien.vh")
    drafter_page = page(drafter, f"/outgoing/{doc.id}")
    assert f'/exchange/outbox/{row_id}/retry' not in drafter_page
    refused = drafter.client.post(f"/exchange/outbox/{row_id}/retry", data={
        "csrf_token": csrf_from(drafter_page), "document_id": doc.id})
    assert refused.status_code == 302
    assert "Chỉ văn thư hoặc quản trị gửi lại gói tin." in page(drafter, f"/outgoing/{doc.id}")
    resp = clerk.client.post(f"/exchange/outbox/{row_id}/retry", data={
        "csrf_token": csrf_from(shown), "document_id": doc.id})
    assert resp.status_code == 302
    assert 'data-state="pending"' in page(clerk, f"/outgoing/{doc.id}")
    outage.down = False
    clock(routing, outage, datetime.now(UTC))
    shown = page(clerk, f"/outgoing/{doc.id}")
    assert f'data-organ-id="{B_ORGAN}" data-state="delivered"' in shown
    assert doc.subject in page(person(signing_app, "vanthu.stc"), "/exchange/")
