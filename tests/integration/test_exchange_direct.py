"""edXML exchange between two agencies hosted in one database (SQLite and PostgreSQL).

Agency A is the demo agency (it signs and issues with the test PKI, see
``test_signing_route.py``); agency B is a second Organization with its own
clerk, leader, department head and specialist. Packages travel through the
real outbox and ``DirectTransport``, driven by the routing clock
(``deadlines.tick`` with the exchange transports): A issues to B, B sees the
package, accepts or refuses it, B's route produces 04/05/06, A recalls; every
status reaches A. A failing transport shows the retry schedule with a fixed
clock.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive import directory
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.exchange_models import ExchangeInbox, ExchangeOutbox, ExchangeStatus
from archive.identity import Actor
from archive.models import AuditEntry, Document, Organization, OutgoingDocument
from exchange import edxml
from exchange.transport import TransportError
from tests.conftest import DEMO_PASSWORD
from tests.integration.test_routing import who
from tests.integration.test_signing_route import routing, sign, signing_app, to_leader  # noqa: F401
from tests.signing_support import PIN
from workflows import deadlines, exchange_in, exchange_out, issuing
from workflows.demo import DEMO_ORGAN_ID

B_ORGAN = "000.00.22.H99"
VN = timezone(timedelta(hours=7))


def make_agency_b() -> None:
    """A second agency with the people its incoming route needs."""
    system = Actor.system()
    org = directory.create_organization(db.session, system, name="Sở Tài chính tỉnh Demo",
                                        abbreviation="STC", organ_id=B_ORGAN)
    dept = directory.create_department(db.session, Actor.system(org.id), organization_id=org.id,
                                       name="Phòng Ngân sách", abbreviation="NS")
    people = [("vanthu.stc", "Phan Văn Thư", ["clerk"], None),
              ("cvp.stc", "Hà Chánh Văn", ["office_head"], None),
              ("giamdoc.stc", "Trần Giám Đốc", ["leader"], None),
              ("tp.stc", "Lý Trưởng Phòng", ["department_head"], dept.id),
              ("cv.stc", "Võ Chuyên Viên", ["specialist"], dept.id)]
    for username, name, roles, dept_id in people:
        directory.create_staff(db.session, Actor.system(org.id), organization_id=org.id,
                               username=username, full_name=name, password=DEMO_PASSWORD,
                               roles=roles, department_id=dept_id)
    db.session.commit()


@pytest.fixture
def agencies(signing_app):
    make_agency_b()
    return wiring.exchange_transports()


def issued_to_b(routing, subject: str) -> Document:
    """An outgoing document of A, sent electronically to B, signed and issued."""
    doc = to_leader(routing, subject=subject)
    exchange_out.set_recipients(db.session, who("vanthu"), doc.id, [B_ORGAN])
    out = db.session.get(OutgoingDocument, doc.id)
    sign(doc, version_id=out.current_version_id)
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), doc.id, PIN)
    return doc


def clock(routing, transports, now=None):
    return deadlines.tick(db.session, routing, now=now, exchange=transports)


def sent_id(doc: Document) -> str:
    return db.session.scalar(select(ExchangeOutbox.edxml_document_id).where(
        ExchangeOutbox.document_id == doc.id, ExchangeOutbox.kind == "edoc"))


def codes_at_a(doc: Document) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(s.peer_organ_id, s.code, s.description)
            for s in exchange_in.statuses(db.session, who("vanthu"), sent_id(doc))]


def b_route(routing, doc: Document, username: str, values: dict) -> None:
    from workflows import inbox
    from workflows.inbox import InboxQuery
    items, _n = inbox.list_tasks(db.session, who(username), InboxQuery(scope="mine"))
    mine = [t for t in items if t.document_id == doc.id]
    assert len(mine) == 1, [(t.bpmn_id, t.assignee_id) for t in mine]
    routing.complete(db.session, who(username), mine[0].id, values)


def test_a_document_goes_to_b_is_registered_handled_and_recalled(routing, agencies):
    with pytest.raises(InvalidInput):
        exchange_out.set_recipients(db.session, who("vanthu"),
                                    to_leader(routing).id, ["not an id"])
    doc = issued_to_b(routing, "Công văn về dự toán ngân sách năm 2027")
    queued = db.session.scalars(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id)).all()
    assert [(r.kind, r.recipient_organ_id, r.state) for r in queued] == [
        ("edoc", B_ORGAN, "pending")]
    with pytest.raises(Conflict):  # issued: the recipients are fixed
        exchange_out.set_recipients(db.session, who("vanthu"), doc.id, [B_ORGAN, "000.00.23.H99"])

    # the package carries the document's metadata and the issued PDF unchanged
    out = db.session.get(OutgoingDocument, doc.id)
    message = edxml.parse_package(wiring.storage().get(queued[0].package_sha256))
    assert message.header.from_organ.organ_id == DEMO_ORGAN_ID
    assert [t.organ_id for t in message.header.to] == [B_ORGAN]
    assert str(message.header.code) == f"{doc.code_number}/{doc.code_notation}"
    assert message.header.subject == doc.subject
    assert message.header.document_id == (f"{DEMO_ORGAN_ID},{doc.issued_date:%Y/%m/%d},"
                                          f"{doc.code_number}/{doc.code_notation}")
    assert message.attachments[0].data == wiring.storage().get(out.issued_sha256)

    report = clock(routing, agencies)
    assert report.exchange_delivered == 1 and queued[0].state == "delivered"
    pending = exchange_in.pending(db.session, who("vanthu.stc"))
    assert [(p.sender_organ_id, p.edxml_document_id) for p in pending] == [
        (DEMO_ORGAN_ID, sent_id(doc))]
    assert exchange_in.pending(db.session, who("vanthu")) == []  # A's clerk sees nothing
    with pytest.raises(NotFound):
        exchange_in.package(db.session, who("vanthu"), wiring.storage(), pending[0].id)
    form = exchange_in.prefill(db.session, exchange_in.package(
        db.session, who("vanthu.stc"), wiring.storage(), pending[0].id), date.today())
    assert (form["subject"], form["issuer_organ_id"], form["channel"], form["document_type"],
            form["code_number"], form["signer_position"]) == (
        doc.subject, DEMO_ORGAN_ID, "exchange", doc.document_type, doc.code_number,
        doc.signer_position)
    with pytest.raises(PermissionDenied):
        exchange_in.pending(db.session, who("cv.stc"))
    clock(routing, agencies)  # B's 01 travels back
    assert [c[:2] for c in codes_at_a(doc)] == [(B_ORGAN, "01")]

    # delivered twice (a retry after a lost answer): still one package, one 01
    payload = wiring.storage().get(queued[0].package_sha256)
    exchange_in.receive(db.session, wiring.storage(), payload, DEMO_ORGAN_ID)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ExchangeInbox)) == 1
    assert db.session.scalar(select(func.count()).select_from(ExchangeOutbox).where(
        ExchangeOutbox.status_code == "01")) == 1

    registered = exchange_in.accept(db.session, who("vanthu.stc"), pending[0].id,
                                    wiring.storage(), wiring.limits(), routing=routing,
                                    validate=wiring.signature_validator()).document
    assert registered.organization_id == db.session.scalar(
        select(Organization.id).where(Organization.organ_id == B_ORGAN))
    assert (registered.channel, registered.issuer_organ_id) == ("exchange", DEMO_ORGAN_ID)
    assert (registered.code_number, registered.code_notation, registered.issued_date) == (
        doc.code_number, doc.code_notation, doc.issued_date)
    assert registered.subject == doc.subject and registered.document_type == doc.document_type
    assert registered.signer_position == doc.signer_position
    assert registered.files[0].sha256 == out.issued_sha256
    assert registered.files[0].signature_status == "valid"
    assert exchange_in.pending(db.session, who("vanthu.stc")) == []
    clock(routing, agencies)
    assert [c[:2] for c in codes_at_a(doc)] == [(B_ORGAN, "01"), (B_ORGAN, "03")]

    # B's route: the leader assigns (04), the specialist handles (05), done (06)
    b_route(routing, registered, "vanthu.stc", {"route": "office_head"})
    b_route(routing, registered, "cvp.stc", {"decision": "forward"})
    dept_id = directory.find_staff(db.session, "tp.stc").department_id
    b_route(routing, registered, "giamdoc.stc", {
        "decision": "direct", "lead_department_id": dept_id, "support_department_ids": [],
        "deadline": (date.today() + timedelta(days=10)).isoformat(), "note": "Giao NS."})
    clock(routing, agencies)
    assert [c[1] for c in codes_at_a(doc)] == ["01", "03", "04"]
    b_route(routing, registered, "tp.stc", {
        "decision": "assign", "specialist_id": directory.find_staff(db.session, "cv.stc").id})
    b_route(routing, registered, "cv.stc", {"note": "Đã dự thảo trả lời."})
    b_route(routing, registered, "tp.stc", {"decision": "accept"})
    report = clock(routing, agencies)
    assert report.exchange_statuses == 2
    clock(routing, agencies)
    assert [c[1] for c in codes_at_a(doc)] == ["01", "03", "04", "05", "06"]
    clock(routing, agencies)  # each code is sent once
    assert [c[1] for c in codes_at_a(doc)] == ["01", "03", "04", "05", "06"]

    # A recalls: B's registered document becomes "recalled" (metadata kept), 15 back
    assert exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id,
                               "Sai số liệu phụ lục") == 1
    with pytest.raises(Conflict):             # the second click queues nothing
        exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id, "Lần nữa")
    assert db.session.scalar(select(func.count()).select_from(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id, ExchangeOutbox.kind == "revocation")) == 1
    clock(routing, agencies)
    clock(routing, agencies)
    db.session.expire_all()
    registered = db.session.get(Document, registered.id)
    assert registered.status == "recalled" and registered.subject == doc.subject
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "recalled", AuditEntry.object_id == str(registered.id)))
    assert codes_at_a(doc)[-1] == (B_ORGAN, "15", "Đồng ý thu hồi")


def test_refused_and_recalled_packages_tell_the_sender(routing, agencies):
    refused = issued_to_b(routing, "Công văn gửi nhầm nơi nhận")
    withdrawn = issued_to_b(routing, "Công văn sẽ được thu hồi")
    clock(routing, agencies)
    rows = {r.edxml_document_id: r for r in exchange_in.pending(db.session, who("vanthu.stc"))}
    assert set(rows) == {sent_id(refused), sent_id(withdrawn)}

    with pytest.raises(InvalidInput):
        exchange_in.refuse(db.session, who("vanthu.stc"), rows[sent_id(refused)].id,
                           wiring.storage(), "  ")
    exchange_in.refuse(db.session, who("vanthu.stc"), rows[sent_id(refused)].id,
                       wiring.storage(), "Không đúng thẩm quyền giải quyết của Sở")
    with pytest.raises(Conflict):
        exchange_in.accept(db.session, who("vanthu.stc"), rows[sent_id(refused)].id,
                           wiring.storage(), wiring.limits())
    clock(routing, agencies)
    assert codes_at_a(refused) == [(B_ORGAN, "01", "Đã đến"),
                                   (B_ORGAN, "02", "Không đúng thẩm quyền giải quyết của Sở")]

    # a recall of a package still waiting: it leaves B's queue, its record stays, 15 back
    exchange_out.recall(db.session, who("vanthu"), wiring.storage(), withdrawn.id, "Ban hành lại")
    # a recall of a refused package: nothing to take back, 16
    exchange_out.recall(db.session, who("vanthu"), wiring.storage(), refused.id, "Thu hồi")
    clock(routing, agencies)
    clock(routing, agencies)
    db.session.expire_all()
    assert exchange_in.pending(db.session, who("vanthu.stc")) == []
    kept = db.session.get(ExchangeInbox, rows[sent_id(withdrawn)].id)
    assert (kept.state, kept.reason, kept.document_id) == ("recalled", "Ban hành lại", None)
    assert [c[1] for c in codes_at_a(withdrawn)] == ["01", "15"]
    assert [c[1] for c in codes_at_a(refused)] == ["01", "02", "16"]
    sent_13 = db.session.scalars(select(ExchangeStatus.code).where(
        ExchangeStatus.direction == "sent", ExchangeStatus.code == "13")).all()
    assert len(sent_13) == 2


class Outage(exchange_out.Transports):
    """The receiving side is unreachable while ``down`` is set."""

    down = True

    def for_recipient(self, session, sender, recipient):
        if self.down:
            return self

        return super().for_recipient(session, sender, recipient)

    def deliver(self, peer_organ_id, payload):
        raise TransportError("Connection refused")


def test_a_receiver_that_was_down_gets_the_package_when_it_comes_back(routing, agencies):
    outage = Outage(wiring.storage(), max_attempts=7)
    doc = issued_to_b(routing, "Công văn gửi khi hệ thống nhận đang bảo trì")
    row = db.session.scalar(select(ExchangeOutbox).where(ExchangeOutbox.document_id == doc.id))
    t0 = datetime.now(UTC).replace(microsecond=0)

    report = clock(routing, outage, t0)
    assert (report.exchange_retrying, row.state, row.attempts) == (1, "pending", 1)
    assert row.next_attempt_at == t0 + timedelta(seconds=30)
    assert row.last_error == "Connection refused"
    clock(routing, outage, t0 + timedelta(seconds=29))  # not yet due
    assert row.attempts == 1
    expected = t0 + timedelta(seconds=30)
    for attempt, wait in ((2, 60), (3, 120), (4, 240), (5, 480), (6, 480)):
        clock(routing, outage, expected)
        expected += timedelta(seconds=wait)
        assert (row.attempts, row.next_attempt_at, row.state) == (attempt, expected, "pending")
    assert exchange_in.pending(db.session, who("vanthu.stc")) == []

    outage.down = False  # back: the next due pass delivers
    report = clock(routing, outage, expected)
    assert report.exchange_delivered == 1
    assert (row.state, row.attempts, row.delivered_at) == ("delivered", 7, expected)
    assert [p.edxml_document_id for p in exchange_in.pending(db.session, who("vanthu.stc"))] == [
        row.edxml_document_id]


def test_too_many_failures_mark_the_package_failed_and_the_clerk_can_resend(routing, agencies):
    outage = Outage(wiring.storage(), max_attempts=2)
    doc = issued_to_b(routing, "Công văn thử gửi lại")
    row = db.session.scalar(select(ExchangeOutbox).where(ExchangeOutbox.document_id == doc.id))
    t0 = datetime.now(UTC).replace(microsecond=0)
    clock(routing, outage, t0)
    report = clock(routing, outage, t0 + timedelta(seconds=30))
    assert report.exchange_failed == 1 and (row.state, row.attempts) == ("failed", 2)
    clock(routing, outage, t0 + timedelta(hours=1))  # a failed row waits for a person
    assert row.attempts == 2
    with pytest.raises(PermissionDenied):
        exchange_out.retry(db.session, who("chuyenvien.vh"), row.id)
    exchange_out.retry(db.session, who("vanthu"), row.id)
    outage.down = False
    clock(routing, outage, t0 + timedelta(hours=1))
    assert row.state == "delivered"
    assert len(exchange_in.pending(db.session, who("vanthu.stc"))) == 1


def test_a_package_that_lies_about_its_sender_is_refused_and_nothing_is_stored(routing,
                                                                               agencies):
    doc = issued_to_b(routing, "Công văn giả mạo nơi gửi")
    row = db.session.scalar(select(ExchangeOutbox).where(ExchangeOutbox.document_id == doc.id))
    payload = wiring.storage().get(row.package_sha256)
    from exchange.errors import ExchangeRefused
    with pytest.raises(ExchangeRefused):
        exchange_in.receive(db.session, wiring.storage(), payload, "000.00.99.H99")
    with pytest.raises(ExchangeRefused):
        exchange_in.receive(db.session, wiring.storage(), b"<not-edxml/>", DEMO_ORGAN_ID)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ExchangeInbox)) == 0
