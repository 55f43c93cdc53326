"""Outgoing drafts on the outgoing route: versions, approvals, send-backs (SQLite and PostgreSQL).

Signing and issuing are in ``test_signing_route.py``; here the route up to
the leader's step, and the rules that protect it: every version kept, an
approval void once the draft changes, a reply linked to its incoming document.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.models import DocumentType, DraftApproval, DraftVersion, OutgoingDocument, Task
from tests.conftest import make_pdf
from tests.integration.test_routing import register, routing, staff_id, who  # noqa: F401
from workflows import outgoing
from workflows.incoming import Upload


def draft_fields(**extra) -> dict:
    values = {"subject": "Quyết định ban hành Kế hoạch tổ chức Lễ hội văn hóa dân gian năm 2027",
              "document_type": "QD", "signer_id": staff_id("phogiamdoc"),
              "authority": "KT.", "authority_of": "GIÁM ĐỐC", "signer_position": "Phó Giám đốc",
              "recipients": "- Như Điều 3;\n- UBND tỉnh (để b/c);",
              "generate": "1",
              "body": "Căn cứ Luật Tổ chức chính quyền địa phương;\n\nĐiều 1. Ban hành kèm theo "
                      "Quyết định này Kế hoạch tổ chức Lễ hội.\n\nĐiều 2. Quyết định có hiệu "
                      "lực kể từ ngày ký."}
    values.update(extra)
    return values


def new_draft(routing, username: str = "chuyenvien.vh", upload: Upload | None = None,
              **extra):
    return outgoing.create_draft(db.session, who(username), wiring.draft_inputs(),
                                 draft_fields(**extra), upload)


def ready(doc) -> list[tuple[str, int | None]]:
    return sorted((t.bpmn_id, t.assignee_id) for t in db.session.scalars(
        select(Task).where(Task.document_id == doc.id, Task.status == "ready")))


def act(routing, username: str, doc, values: dict):
    task = outgoing.open_task(db.session, doc.id)
    return routing.complete(db.session, who(username), task.id, values)


def test_a_generated_draft_travels_to_the_leader_with_both_approvals(routing):
    doc = new_draft(routing)
    out = db.session.get(OutgoingDocument, doc.id)
    assert doc.direction == "outgoing" and doc.status == "draft" and doc.arrival_number is None
    assert ready(doc) == [("submit", staff_id("chuyenvien.vh"))]
    version = db.session.get(DraftVersion, out.current_version_id)
    assert version.number == 1 and version.source == "generated" and version.status == "ready"
    assert set(version.layout) == {"number", "date", "leader", "seal"}
    from signing.fields import field_names
    names = field_names(wiring.storage().get(version.pdf_sha256))
    assert {"so_ky_hieu", "ngay_ban_hanh", "SigLeader", "SigSeal"} <= set(names)

    act(routing, "chuyenvien.vh", doc, {})
    assert ready(doc) == [("content", None)]
    act(routing, "truongphong.vh", doc, {"decision": "approve"})
    act(routing, "chanhvanphong", doc, {"decision": "approve"})
    assert ready(doc) == [("sign", staff_id("phogiamdoc"))]
    kinds = set(outgoing.current_approvals(db.session, out))
    assert kinds == {"content", "form"}
    # the leader can't "sign" through the generic form: only the signing action signs
    with pytest.raises(InvalidInput):
        act(routing, "phogiamdoc", doc, {"decision": "sign"})
    assert ready(doc) == [("sign", staff_id("phogiamdoc"))]


def test_only_the_department_of_the_drafter_reviews_the_content(routing):
    doc = new_draft(routing)
    act(routing, "chuyenvien.vh", doc, {})
    task = outgoing.open_task(db.session, doc.id)
    with pytest.raises(PermissionDenied):
        routing.complete(db.session, who("truongphong.dl"), task.id, {"decision": "approve"})


def test_send_back_needs_a_reason_and_returns_to_the_drafter(routing):
    doc = new_draft(routing)
    act(routing, "chuyenvien.vh", doc, {})
    act(routing, "truongphong.vh", doc, {"decision": "approve"})
    with pytest.raises(InvalidInput) as err:
        act(routing, "chanhvanphong", doc, {"decision": "return"})
    assert "note" in err.value.fields
    act(routing, "chanhvanphong", doc, {"decision": "return",
                                        "note": "Sai thể thức: thiếu nơi nhận."})
    assert ready(doc) == [("submit", staff_id("chuyenvien.vh"))]


def test_a_new_version_voids_earlier_approvals_and_keeps_every_version(routing):
    doc = new_draft(routing)
    out = db.session.get(OutgoingDocument, doc.id)
    act(routing, "chuyenvien.vh", doc, {})
    act(routing, "truongphong.vh", doc, {"decision": "approve"})
    first = out.current_version_id
    # the drafter fixes a typo while the office is checking the form
    v2 = outgoing.add_version(db.session, who("chuyenvien.vh"), wiring.draft_inputs(), doc.id,
                              Upload("du-thao-v2.pdf", make_pdf(("Dự thảo sửa",))),
                              note="Sửa lỗi chính tả", expected_version_id=first)
    assert v2.number == 2 and out.current_version_id == v2.id
    assert [v.number for v in outgoing.versions(db.session, doc.id)] == [2, 1]
    assert outgoing.current_approvals(db.session, out) == {}
    assert db.session.scalar(select(DraftApproval.version_id).where(
        DraftApproval.document_id == doc.id)) == first  # kept, void
    # the form check refuses to approve a version whose content approval is void
    with pytest.raises(Conflict):
        act(routing, "chanhvanphong", doc, {"decision": "approve"})
    # a stale editor (still looking at v1) is refused
    with pytest.raises(Conflict):
        outgoing.add_version(db.session, who("chuyenvien.vh"), wiring.draft_inputs(), doc.id,
                             Upload("x.pdf", make_pdf(("x",))), expected_version_id=first)
    # someone who saw it but holds no step may not change it; a stranger doesn't see it
    with pytest.raises(PermissionDenied):
        outgoing.add_version(db.session, who("truongphong.vh"), wiring.draft_inputs(), doc.id,
                             Upload("x.pdf", make_pdf(("x",))))
    with pytest.raises(NotFound):
        outgoing.add_version(db.session, who("chuyenvien.dl"), wiring.draft_inputs(), doc.id,
                             Upload("x.pdf", make_pdf(("x",))))


def test_a_reply_links_both_documents(routing):
    incoming_doc = register(routing)
    # the office head (who reads the register) answers; a specialist who was never
    # routed the incoming document may not cite it
    with pytest.raises(InvalidInput):
        new_draft(routing, reply_to_id=incoming_doc.id)
    reply = new_draft(routing, "chanhvanphong", reply_to_id=incoming_doc.id, document_type="CV",
                      subject="V/v trả lời đề nghị tổ chức lễ hội")
    out = db.session.get(OutgoingDocument, reply.id)
    assert out.reply_to_id == incoming_doc.id
    assert [d.id for d in outgoing.replies_to(db.session, who("vanthu"), incoming_doc.id)] == \
        [reply.id]
    with pytest.raises(InvalidInput):  # only incoming documents can be replied to
        new_draft(routing, reply_to_id=reply.id)


def test_bad_drafts_change_nothing(routing):
    before = db.session.scalar(select(OutgoingDocument.document_id).order_by(
        OutgoingDocument.document_id.desc()).limit(1))
    with pytest.raises(InvalidInput) as err:
        new_draft(routing, subject="", authority="XYZ", signer_id=staff_id("vanthu"))
    assert {"subject", "authority"} <= set(err.value.fields)
    with pytest.raises(InvalidInput):  # a clerk can't be the signer
        new_draft(routing, signer_id=staff_id("vanthu"))
    from archive.errors import FileRejected
    with pytest.raises(FileRejected):
        new_draft(routing, generate="", upload=Upload("hong.pdf", b"%PDF-1.7 broken"))
    with pytest.raises(PermissionDenied):
        new_draft(routing, username="vanthu")
    after = db.session.scalar(select(OutgoingDocument.document_id).order_by(
        OutgoingDocument.document_id.desc()).limit(1))
    assert after == before


@pytest.mark.parametrize("code,agency,unit,expected", [
    ("QD", "UBND", "VX", "QĐ-UBND"), ("QYD", "SVHTTDL", "VP", "QyĐ-SVHTTDL"),
    ("CV", "UBND", "VX", "UBND-VX"), ("TTR", "BNV", "VP", "TTr-BNV")])
def test_notation_follows_decree_30(app, code, agency, unit, expected):
    assert outgoing.build_notation(db.session.get(DocumentType, code), agency, unit) == expected
