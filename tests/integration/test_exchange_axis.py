"""Exchange through a provincial LGSP bus (a fake one: the edge of the outside world).

The demo agency (A) is configured with the bus (``EXCHANGE_AXIS_URL`` …, the
same wiring as production) and knows ``000.00.00.H30`` as a peer reached
through it. Through the real routing clock, on SQLite and PostgreSQL: A's
issued document goes to the bus as an ``edoc`` with the exact package; what
the bus holds for A (a status 01 about that document, a new document from
H30, a damaged message) is polled, stored once, confirmed; A's own 01 goes
back as a status update; a recall goes out as ``revocation``; while the bus
is down, sending waits and polling reports the error, and both resume.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive.exchange_models import ExchangeInbox, ExchangeOutbox
from archive.models import OutgoingDocument
from exchange import edxml
from exchange.model import (Attachment, DocumentCode, DocumentMessage, DocumentType,
                            MessageHeader, Organ, PromulgationInfo, ResponseFor, StatusMessage)
from tests.conftest import unique_pdf
from tests.integration.test_exchange_direct import clock, codes_at_a, sent_id
from tests.integration.test_routing import who
from tests.integration.test_signing_route import routing, sign, signing_app, to_leader  # noqa: F401
from tests.lgsp_fake import SECRET, SYSTEM_ID, FakeLgsp
from tests.signing_support import PIN
from workflows import exchange_in, exchange_out, issuing
from workflows.demo import DEMO_ORGAN_ID

H30 = "000.00.00.H30"


@pytest.fixture
def bus(signing_app):
    fake = FakeLgsp()
    current_app.config.update(EXCHANGE_AXIS_URL=fake.url, EXCHANGE_AXIS_SYSTEM_ID=SYSTEM_ID,
                              EXCHANGE_AXIS_SECRET=SECRET)
    exchange_out.set_peer(db.session, who("quantri"), organ_id=H30, name="UBND tỉnh Hậu Giang",
                          endpoint_url="", outbound_token=None, transport="adapter")
    yield fake
    fake.close()


def issued_to_h30(routing, subject: str):
    doc = to_leader(routing, subject=subject)
    exchange_out.set_recipients(db.session, who("vanthu"), doc.id, [H30])
    sign(doc, version_id=db.session.get(OutgoingDocument, doc.id).current_version_id)
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), doc.id, PIN)
    return doc


def from_h30(subject: str) -> bytes:
    """A new document H30 sends to A through the bus."""
    return edxml.build_package(DocumentMessage(MessageHeader(
        from_organ=Organ(H30, "UBND tỉnh Hậu Giang"), to=(Organ(DEMO_ORGAN_ID),),
        code=DocumentCode("45", "UBND-VX"),
        promulgation_info=PromulgationInfo("Hậu Giang", date(2026, 11, 20)),
        document_type=DocumentType("18", "Công văn"), subject=subject),
        attachments=(Attachment("c-1", "45-UBND-VX.pdf", "application/pdf",
                                unique_pdf()),)))


def status_from_h30(doc, code: str) -> bytes:
    return edxml.build_status(StatusMessage(
        response_for=ResponseFor(DEMO_ORGAN_ID, f"{doc.code_number}/{doc.code_notation}",
                                 doc.issued_date, sent_id(doc)),
        from_organ=Organ(H30, "UBND tỉnh Hậu Giang"), status_code=code,
        timestamp=datetime.now(UTC).replace(microsecond=0), description="Đã đến"))


def test_documents_and_statuses_travel_through_the_bus(routing, bus):
    transports = wiring.exchange_transports()
    assert transports.axis is not None  # built from the configuration
    doc = issued_to_h30(routing, "Công văn gửi qua trục liên thông của tỉnh")
    report = clock(routing, transports)
    assert report.exchange_delivered == 1
    package = db.session.scalar(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id, ExchangeOutbox.kind == "edoc"))
    assert bus.sent == [("edoc", H30, wiring.storage().get(package.package_sha256))]

    bus.offer("s-1", H30, status_from_h30(doc, "01"), "status")
    bus.offer("d-1", H30, from_h30("V/v phối hợp tổ chức lễ hội"))
    bus.offer("x-1", H30, b"<edXML>not a package", "edoc")
    report = clock(routing, transports)
    assert (report.exchange_polled, report.exchange_poll_error.startswith("x-1")) == (2, True)
    assert sorted(bus.confirmed) == ["d-1", "s-1", "x-1"] and bus.waiting == {}
    assert [c[:2] for c in codes_at_a(doc)] == [(H30, "01")]
    [waiting] = exchange_in.pending(db.session, who("vanthu"))
    assert (waiting.sender_organ_id, waiting.state) == (H30, "pending")

    bus.offer("d-1", H30, from_h30("V/v phối hợp tổ chức lễ hội"))  # offered again
    clock(routing, transports)
    assert db.session.scalar(select(func.count()).select_from(ExchangeInbox)) == 1
    assert [s["status"] for s in bus.statuses] == ["01"]  # A's 01, sent once
    assert bus.statuses[0]["docId"] == waiting.edxml_document_id

    exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id, "Gửi nhầm")
    clock(routing, transports)
    assert [m[0] for m in bus.sent] == ["edoc", "revocation"]

    bus.down = True
    later = issued_to_h30(routing, "Công văn gửi khi trục đang bảo trì")
    report = clock(routing, transports)
    assert (report.exchange_retrying, "503" in report.exchange_poll_error) == (1, True)
    bus.down = False
    db.session.execute(ExchangeOutbox.__table__.update().where(
        ExchangeOutbox.document_id == later.id).values(next_attempt_at=datetime.now(UTC)))
    db.session.commit()
    report = clock(routing, transports)
    assert (report.exchange_delivered, report.exchange_poll_error) == (1, "")
    assert [m[0] for m in bus.sent] == ["edoc", "revocation", "edoc"]
