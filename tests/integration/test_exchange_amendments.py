"""Recall mid-route, replacement and correction between two agencies (DOMAIN §2.9).

Same set-up as ``test_exchange_direct.py`` (agency A = the demo agency, B a
second agency in the same database, packages through the real outbox and
the routing clock), on SQLite and PostgreSQL. What is checked:

* a recall reaching a document B is still handling stops B's route: the
  open task leaves every inbox and cannot be completed, no timer fires, the
  document and its history stay; A's own document is frozen "recalled";
* A replaces an issued document (same type, reason): the package says
  "replace" (BussinessDocType 3) and names the earlier DocumentId; B
  registers it, its earlier copy becomes "replaced" (metadata, notes kept,
  route stopped), A sees 15 on the earlier document and its own copy is
  "replaced"; a second replacement of the same document is refused;
* A corrects one by công văn (BussinessDocType 2): B's copy is linked, not
  frozen, its route goes on; a correction of a copy B has not registered yet
  is registered on its own and leaves the copy waiting;
* a recall of a package not delivered yet cancels it: no revocation
  overtakes it, nothing reaches B;
* what the draft form refuses (other type, not a công văn, not issued,
  recalled) and the packages B refuses (no earlier document named, another
  agency's document).
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive.amendment_models import DocumentAmendment
from archive.errors import Conflict, InvalidInput
from archive.exchange_models import ExchangeInbox, ExchangeOutbox
from archive.models import (Document, OutgoingDocument, ProcessingNote, ProcessInstance,
                            SignatureRecord, SigningCredential, Task)
from exchange import edxml, xmldsig
from exchange.errors import ExchangeRefused
from exchange.model import Bussiness, ReplacementInfo, TraceHeaderList
from tests.integration.test_exchange_direct import (B_ORGAN, agencies, b_route,  # noqa: F401
                                                    clock, codes_at_a, issued_to_b, sent_id)
from tests.integration.test_routing import who
from tests.integration.test_signing_route import routing, sign, signing_app, to_leader  # noqa: F401
from tests.signing_support import PIN
from workflows import amendments, exchange_in, exchange_out, inbox, issuing
from workflows.demo import DEMO_ORGAN_ID
from workflows.inbox import InboxQuery


def accept_at_b(routing, doc: Document) -> Document:
    """B's clerk registers the package of ``doc`` waiting in its queue."""
    row = next(p for p in exchange_in.pending(db.session, who("vanthu.stc"))
               if p.edxml_document_id == sent_id(doc))
    return exchange_in.accept(db.session, who("vanthu.stc"), row.id, wiring.storage(),
                              wiring.limits(), routing=routing,
                              validate=wiring.signature_validator()).document


def delivered(routing, transports, rounds: int = 2) -> None:
    for _ in range(rounds):
        clock(routing, transports)
    db.session.expire_all()


def amending(routing, target: Document, kind: str, reason: str, **extra) -> Document:
    """A's replacement or correction of ``target``, signed and issued."""
    doc = to_leader(routing, amends_id=target.id, amend_kind=kind, amend_reason=reason, **extra)
    out = db.session.get(OutgoingDocument, doc.id)
    sign(doc, version_id=out.current_version_id)
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), doc.id, PIN)
    return doc


def open_tasks(doc: Document) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.document_id == doc.id,
                                                      Task.status == "ready")))


def test_a_recall_stops_the_route_b_is_running(routing, agencies):
    doc = issued_to_b(routing, "Công văn đề nghị báo cáo số liệu quý IV")
    delivered(routing, agencies)
    copy = accept_at_b(routing, doc)
    b_route(routing, copy, "vanthu.stc", {"route": "office_head"})
    [task] = open_tasks(copy)
    assert task.bpmn_id and can_see(task, "cvp.stc")

    exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id, "Gửi nhầm cơ quan")
    assert db.session.get(Document, doc.id).status == "recalled"  # A freezes its own copy
    delivered(routing, agencies, 3)

    copy = db.session.get(Document, copy.id)
    assert copy.status == "recalled" and copy.subject == doc.subject
    assert open_tasks(copy) == [] and not can_see(task, "cvp.stc")
    assert db.session.get(Task, task.id).status == "cancelled"
    instance = db.session.scalar(select(ProcessInstance).where(
        ProcessInstance.document_id == copy.id))
    assert (instance.status, instance.next_due_at) == ("cancelled", None)
    note = db.session.scalar(select(ProcessingNote).where(
        ProcessingNote.document_id == copy.id, ProcessingNote.kind == "stopped"))
    assert "Gửi nhầm cơ quan" in note.content
    with pytest.raises(Conflict):  # the open form of a stopped route
        routing.complete(db.session, who("cvp.stc"), task.id, {"decision": "forward"})
    db.session.rollback()
    assert codes_at_a(doc)[-1][1] == "15"
    # the earlier steps of the trail are still there
    assert db.session.scalar(select(func.count()).select_from(Task).where(
        Task.document_id == copy.id, Task.status == "completed")) == 1


def can_see(task: Task, username: str) -> bool:
    items, _n = inbox.list_tasks(db.session, who(username), InboxQuery(scope="mine"))
    return any(t.id == task.id for t in items)


def test_a_replacement_reaches_b_and_freezes_its_copy(routing, agencies):
    doc = issued_to_b(routing, "Quyết định phê duyệt kế hoạch lễ hội năm 2027")
    delivered(routing, agencies)
    copy = accept_at_b(routing, doc)
    b_route(routing, copy, "vanthu.stc", {"route": "office_head"})

    with pytest.raises(InvalidInput) as refused:  # a replacement has the same form
        to_leader(routing, amends_id=doc.id, amend_kind="replace", amend_reason="Sai nội dung",
                  document_type="CV")
    assert "document_type" in refused.value.fields
    db.session.rollback()
    new = amending(routing, doc, "replace", "Sai số liệu tại Điều 1")
    assert exchange_out.recipients(db.session, new.id)[0].organ_id == B_ORGAN  # copied
    assert db.session.get(Document, doc.id).status == "replaced"  # A's own copy, at issue
    assert [a.document_id for a in amendments.amended_by(db.session, doc.id)] == [new.id]

    package = db.session.scalar(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == new.id, ExchangeOutbox.kind == "edoc"))
    bussiness = edxml.parse_package(wiring.storage().get(
        package.package_sha256)).trace_header_list.bussiness
    assert (bussiness.bussiness_doc_type, bussiness.bussiness_doc_reason) == (
        "3", "Sai số liệu tại Điều 1")
    assert bussiness.replacement_info_list == (ReplacementInfo(sent_id(doc), (B_ORGAN,)),)

    delivered(routing, agencies)
    row = db.session.scalar(select(ExchangeInbox).where(
        ExchangeInbox.edxml_document_id == sent_id(new)))
    assert (row.state, row.business_type, row.amends_edxml_id) == ("pending", "3", sent_id(doc))
    replacement = accept_at_b(routing, new)
    delivered(routing, agencies)

    copy = db.session.get(Document, copy.id)
    assert copy.status == "replaced" and copy.subject == doc.subject
    assert open_tasks(copy) == []
    assert db.session.scalar(select(ProcessingNote.content).where(
        ProcessingNote.document_id == copy.id, ProcessingNote.kind == "stopped")) == (
        f"Đã được thay thế bằng văn bản {new.code_number}/{new.code_notation} "
        f"ngày {new.issued_date:%d/%m/%Y}.")
    link = amendments.amendment_of(db.session, replacement.id)
    assert (link.target_id, link.kind, link.state, link.reason) == (
        copy.id, "replace", "applied", "Sai số liệu tại Điều 1")
    assert len(open_tasks(replacement)) == 1  # the replacement is handled instead
    assert codes_at_a(doc)[-1] == (
        B_ORGAN, "15", f"Đã thay thế bằng văn bản {new.code_number}/{new.code_notation}")
    assert [c[1] for c in codes_at_a(new)] == ["01", "03"]

    with pytest.raises(InvalidInput):  # replaced already: not again
        to_leader(routing, amends_id=doc.id, amend_kind="replace", amend_reason="Lần hai")
    db.session.rollback()


def test_a_correction_links_without_freezing(routing, agencies):
    doc = issued_to_b(routing, "Quyết định về lịch tiếp công dân")
    delivered(routing, agencies)
    copy = accept_at_b(routing, doc)
    b_route(routing, copy, "vanthu.stc", {"route": "office_head"})

    with pytest.raises(InvalidInput):  # a correction is made by công văn
        to_leader(routing, amends_id=doc.id, amend_kind="correct", amend_reason="Sai thể thức")
    db.session.rollback()
    fix = amending(routing, doc, "correct", "Sai ngày tại căn cứ", document_type="CV",
                   subject="V/v đính chính Quyết định về lịch tiếp công dân")
    assert db.session.get(Document, doc.id).status != "replaced"
    package = db.session.scalar(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == fix.id, ExchangeOutbox.kind == "edoc"))
    assert edxml.parse_package(wiring.storage().get(
        package.package_sha256)).trace_header_list.bussiness.bussiness_doc_type == "2"
    delivered(routing, agencies)
    registered = accept_at_b(routing, fix)
    delivered(routing, agencies)

    copy = db.session.get(Document, copy.id)
    assert copy.status not in ("replaced", "recalled") and len(open_tasks(copy)) == 1
    assert [(a.document_id, a.kind) for a in amendments.amended_by(db.session, copy.id)] == [
        (registered.id, "correct")]
    assert codes_at_a(doc)[-1][1:] == (
        "15", f"Đã nhận đính chính bằng văn bản {fix.code_number}/{fix.code_notation}")


def test_a_correction_of_a_copy_not_registered_yet_leaves_it_waiting(routing, agencies):
    doc = issued_to_b(routing, "Quyết định về giờ làm việc mùa đông")
    fix = amending(routing, doc, "correct", "Sai giờ", document_type="CV",
                   subject="V/v đính chính giờ làm việc")
    delivered(routing, agencies)
    accept_at_b(routing, fix)
    delivered(routing, agencies)
    states = dict(db.session.execute(select(ExchangeInbox.edxml_document_id,
                                            ExchangeInbox.state)).all())
    assert states == {sent_id(doc): "pending", sent_id(fix): "accepted"}
    assert [c[1] for c in codes_at_a(doc)] == ["01"]  # no 15: nothing was linked


def test_a_replacement_of_a_copy_still_waiting_takes_it_out_of_the_queue(routing, agencies):
    doc = issued_to_b(routing, "Quyết định về định mức chi hội nghị")
    new = amending(routing, doc, "replace", "Sai định mức")
    delivered(routing, agencies)
    accept_at_b(routing, new)
    delivered(routing, agencies)
    assert [p.edxml_document_id for p in exchange_in.pending(db.session, who("vanthu.stc"))] == []
    earlier = db.session.scalar(select(ExchangeInbox).where(
        ExchangeInbox.edxml_document_id == sent_id(doc)))
    assert (earlier.state, earlier.document_id) == ("replaced", None)
    assert codes_at_a(doc)[-1][1] == "15"


def test_what_the_draft_form_refuses(routing, agencies):
    draft = to_leader(routing, subject="Dự thảo chưa ban hành")
    for fields, field in (({"amends_id": draft.id, "amend_kind": "replace",
                            "amend_reason": "x"}, "amends_id"),          # not issued
                          ({"amends_id": draft.id, "amend_kind": "",
                            "amend_reason": "x"}, "amend_kind"),
                          ({"amends_id": draft.id, "amend_kind": "replace",
                            "amend_reason": ""}, "amend_reason"),
                          ({"amends_id": 999999, "amend_kind": "replace",
                            "amend_reason": "x"}, "amends_id")):
        with pytest.raises(InvalidInput) as refused:
            to_leader(routing, **fields)
        db.session.rollback()
        assert field in refused.value.fields, fields
    doc = issued_to_b(routing, "Công văn sẽ bị thu hồi")
    exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id, "Thu hồi")
    with pytest.raises(InvalidInput):  # recalled: nothing to replace
        to_leader(routing, amends_id=doc.id, amend_kind="replace", amend_reason="x")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DocumentAmendment)) == 0


def test_two_replacements_of_one_document_the_second_issue_is_refused(routing, agencies):
    doc = issued_to_b(routing, "Quyết định sẽ bị thay thế hai lần")
    first = to_leader(routing, amends_id=doc.id, amend_kind="replace", amend_reason="Một")
    second = to_leader(routing, amends_id=doc.id, amend_kind="replace", amend_reason="Hai")
    for d in (first, second):
        sign(d, version_id=db.session.get(OutgoingDocument, d.id).current_version_id)
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), first.id, PIN)
    with pytest.raises(Conflict):
        issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), second.id, PIN)
    db.session.rollback()
    second = db.session.get(Document, second.id)
    assert (second.status, second.code_number) == ("signed", None)  # nothing issued
    assert db.session.scalar(select(func.count()).select_from(ExchangeOutbox).where(
        ExchangeOutbox.document_id == second.id)) == 0


def _package(doc: Document, bussiness: Bussiness) -> bytes:
    row = db.session.scalar(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id, ExchangeOutbox.kind == "edoc"))
    message = edxml.parse_package(wiring.storage().get(row.package_sha256))
    header = replace(message.header, code=replace(message.header.code, code_number="999"),
                     document_id="")
    return edxml.build_package(replace(message, header=header, trace_header_list=TraceHeaderList(
        message.trace_header_list.trace_headers, bussiness)))


@pytest.mark.parametrize("bussiness, field", [
    (Bussiness("3", "Thiếu văn bản bị thay thế"), "ReplacementInfoList"),
    (Bussiness("2", "Văn bản của cơ quan khác", replacement_info_list=(
        ReplacementInfo("000.00.99.H99,2026/01/02,1/QĐ-X"),)), "ReplacementInfoList"),
    (Bussiness("7", "Không có loại này"), "BussinessDocType"),
])
def test_b_refuses_malformed_amendment_packages(routing, agencies, bussiness, field):
    doc = issued_to_b(routing, "Văn bản gốc")
    with pytest.raises(ExchangeRefused) as refused:
        exchange_in.receive(db.session, wiring.storage(), _package(doc, bussiness), DEMO_ORGAN_ID)
    db.session.rollback()
    assert field in refused.value.field
    assert db.session.scalar(select(func.count()).select_from(ExchangeInbox)) == 0


def test_a_recall_before_delivery_cancels_the_package(routing, agencies):
    doc = issued_to_b(routing, "Công văn thu hồi khi chưa gửi đi")
    assert exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id,
                               "Phát hiện sai trước khi gửi") == 1
    rows = db.session.scalars(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id)).all()
    assert [(r.kind, r.state) for r in rows] == [("edoc", "cancelled")]  # no revocation
    report = clock(routing, agencies)
    assert report.exchange_delivered == 0
    assert exchange_in.pending(db.session, who("vanthu.stc")) == []
    assert [c[1] for c in codes_at_a(doc)] == []  # nothing came back: nothing went
    with pytest.raises(Conflict):  # and there is nothing left to recall
        exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id, "Lần nữa")
    db.session.rollback()


def test_packages_are_sealed_by_the_agency_key_and_checked_on_receipt(routing, agencies):
    doc = issued_to_b(routing, "Công văn có chữ ký số trên gói tin")
    row = db.session.scalar(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id, ExchangeOutbox.kind == "edoc"))
    payload = wiring.storage().get(row.package_sha256)
    seal = db.session.scalar(select(SignatureRecord).where(
        SignatureRecord.document_id == doc.id, SignatureRecord.kind == "seal"))
    envelope = xmldsig.verify(payload)  # the same key as the PDF's agency signature
    assert envelope is not None
    assert envelope.certificate_der == db.session.get(SigningCredential,
                                                      seal.credential_id).certificate
    altered = payload.replace(doc.subject.encode(), "Công văn đã bị sửa".encode(), 1)
    with pytest.raises(ExchangeRefused, match="altered"):
        exchange_in.receive(db.session, wiring.storage(), altered, DEMO_ORGAN_ID)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ExchangeInbox)) == 0
    delivered(routing, agencies)  # the real one goes through
    assert [p.edxml_document_id for p in exchange_in.pending(
        db.session, who("vanthu.stc"))] == [sent_id(doc)]
