"""Receiving edXML packages: the clerk's exchange inbox, statuses back, recalls.

A package arrives (``receive``) from a transport: a document goes to the
exchange inbox of every local agency it is addressed to (once, however many
times it is delivered) and status 01 goes back to the sender. The clerk
accepts it (``accept``: registered as an incoming document through the normal
registration, so the PDF signatures are validated and the route starts; 03
goes back the same day) or refuses it with a reason (``refuse``: 02). As the
route moves, ``sync_route_statuses`` sends 04 / 05 / 06 once each. A recall
(revocation package, DOMAIN §2.9) takes a pending package out of the queue
or marks a registered document "recalled"; the answer is 15, or 16 when
there is nothing to recall. Status messages received are kept in
``exchange_statuses`` for the sender to show (DOMAIN §2.15 k, o).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive import access, audit
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.exchange_models import ExchangeInbox, ExchangePeer, ExchangeStatus
from archive.identity import Actor
from archive.inspection import Limits
from archive.models import Document, Organization, Staff
from archive.models import DocumentType as DocType
from archive.storage import BlobStorage, store
from exchange import edxml, xmldsig
from exchange.axis import AxisAdapter
from exchange.codes import STATUS_CODES
from exchange.errors import ExchangeRefused
from exchange.model import DocumentMessage, ResponseFor, StaffInfo, parse_document_id
from exchange.transport import DeliveryRefused, TransportError
from workflows import amendments, exchange_out
from workflows.incoming import Registration, Upload, register_incoming
from workflows.routing import FINAL_STATUSES, stop_route

__all__ = [
    "accept",
    "package",
    "PollReport",
    "pending",
    "poll_axis",
    "prefill",
    "receive", "receive_from_peer", "received_document",
    "refuse",
    "statuses",
    "sync_route_statuses",
]

VIETNAM = timezone(timedelta(hours=7))
URGENCY_BY_PRIORITY = {v: k for k, v in exchange_out.PRIORITY_BY_URGENCY.items()}
# Route status of the registered document -> status code owed to the sender.
ROUTE_CODES = (("assigned", "04"), ("in_progress", "05"), ("done", "06"))
ROUTE_ORDER = ["registered", "assigned", "in_progress", "done"]


# --- receiving -------------------------------------------------------------------

def receive(session: Session, storage: BlobStorage, payload: bytes, sender_organ_id: str,
            now: datetime | None = None) -> list[ExchangeInbox] | ExchangeStatus:
    """Take a package or status message from ``sender_organ_id``; the caller commits.

    Raises ``ExchangeRefused`` (nothing stored) when the bytes are not a valid
    package, claim another sender, or are addressed to no agency here.
    """
    now = now or utcnow()
    try:
        message = edxml.parse_package(payload)
    except ExchangeRefused as refused:
        if refused.field != "MessageHeader":
            raise
        return _receive_status(session, edxml.parse_status(payload), sender_organ_id)
    xmldsig.verify(payload)  # a package altered after the sender sealed it is refused
    header = message.header
    if header.from_organ.organ_id != sender_organ_id:
        raise ExchangeRefused(
            f"Gói tin ghi cơ quan gửi {header.from_organ.organ_id}, nhưng đến từ {sender_organ_id}",
            f"The package names sender {header.from_organ.organ_id} but came from "
            f"{sender_organ_id}", "MessageHeader/From/OrganId")
    bussiness = message.trace_header_list.bussiness
    kind = {"0": "edoc", "1": "revocation", "2": "edoc", "3": "edoc"}.get(
        bussiness.bussiness_doc_type)
    if kind is None:
        raise ExchangeRefused(f"Loại nghiệp vụ không hỗ trợ: {bussiness.bussiness_doc_type!r}",
                              f"Unsupported business type {bussiness.bussiness_doc_type!r}",
                              "TraceHeaderList/Bussiness/BussinessDocType")
    amends = _amended_document_id(message)
    orgs = list(session.scalars(select(Organization).where(
        Organization.organ_id.in_([t.organ_id for t in header.to])).order_by(Organization.id)))
    if not orgs:
        raise ExchangeRefused("Không có cơ quan nhận nào của gói tin ở hệ thống này",
                              "None of the package's recipients is hosted here",
                              "MessageHeader/To/OrganId")
    digest, _new = store(session, storage, payload)
    session.flush()  # the blob row before the inbox rows that name it
    rows = []
    for org in orgs:
        row, created = _insert_once(session, org.id, sender_organ_id, header.document_id, kind,
                                    digest, now)
        rows.append(row)
        if not created:
            continue
        if amends is not None:
            row.business_type, row.amends_edxml_id = bussiness.bussiness_doc_type, amends
        if kind == "edoc":
            exchange_out.queue_status(session, storage, org.id, _response_for(message), "01",
                                      "Đã đến", now=now)
        else:
            _apply_recall(session, storage, row, message, now)
    return rows


def _amended_document_id(message: DocumentMessage) -> str | None:
    """The earlier DocumentId a replacement (3) or correction (2) names, checked.

    It must be one of the sender's own documents: an agency replaces or
    corrects only what it issued.
    """
    bussiness = message.trace_header_list.bussiness
    if bussiness.bussiness_doc_type not in ("2", "3"):
        return None
    infos = bussiness.replacement_info_list
    where = "TraceHeaderList/Bussiness/ReplacementInfoList"
    if not infos:
        raise ExchangeRefused("Gói tin thay thế hoặc đính chính không nêu văn bản được thay thế",
                              "A replacement or correction package names no earlier document",
                              where)
    earlier = infos[0].document_id
    sender = message.header.from_organ.organ_id
    if parse_document_id(earlier, f"{where}/DocumentId").organ_id != sender:
        raise ExchangeRefused("Văn bản được thay thế hoặc đính chính không phải của cơ quan gửi",
                              "The document replaced or corrected is not the sender's", where)
    if earlier == message.header.document_id:
        raise ExchangeRefused("Văn bản không thể tự thay thế hoặc đính chính chính nó",
                              "A document cannot replace or correct itself", where)
    return earlier


def _insert_once(session: Session, organization_id: int, sender: str, edxml_id: str, kind: str,
                 digest: str, now: datetime) -> tuple[ExchangeInbox, bool]:
    """The inbox row of this package for this agency; a second delivery finds the first."""
    where = (ExchangeInbox.organization_id == organization_id,
             ExchangeInbox.sender_organ_id == sender,
             ExchangeInbox.edxml_document_id == edxml_id, ExchangeInbox.kind == kind)
    row = session.scalar(select(ExchangeInbox).where(*where))
    if row is not None:
        return row, False
    row = ExchangeInbox(organization_id=organization_id, sender_organ_id=sender,
                        edxml_document_id=edxml_id, kind=kind, package_sha256=digest,
                        state="pending", received_at=now)
    try:
        with session.begin_nested():  # a concurrent delivery may win the unique key
            session.add(row)
            session.flush()
    except IntegrityError:
        return session.scalar(select(ExchangeInbox).where(*where)), False
    return row, True


def _response_for(message: DocumentMessage) -> ResponseFor:
    header = message.header
    return ResponseFor(organ_id=header.from_organ.organ_id, code=str(header.code),
                       promulgation_date=header.promulgation_info.promulgation_date,
                       document_id=header.document_id)


def _receive_status(session: Session, status, sender_organ_id: str) -> ExchangeStatus:
    """Record a status message about one of our documents (kept once)."""
    if status.from_organ.organ_id != sender_organ_id:
        raise ExchangeRefused(
            f"Thông điệp trạng thái ghi cơ quan gửi {status.from_organ.organ_id}, nhưng đến "
            f"từ {sender_organ_id}",
            f"The status names sender {status.from_organ.organ_id} but came from "
            f"{sender_organ_id}", "Status/From/OrganId")
    ours = parse_document_id(status.response_for.document_id, "Status/ResponseFor/DocumentId")
    org_id = session.scalar(select(Organization.id).where(Organization.organ_id == ours.organ_id))
    if org_id is None:
        raise ExchangeRefused("Văn bản được phản hồi không phải của cơ quan nào ở hệ thống này",
                              "The document the status is about is not from an agency here",
                              "Status/ResponseFor/DocumentId")
    values = {"organization_id": org_id, "direction": "received",
                  "edxml_document_id": status.response_for.document_id,
                  "peer_organ_id": sender_organ_id, "code": status.status_code,
                  "at": status.timestamp}
    row = session.scalar(select(ExchangeStatus).filter_by(**values))
    if row is None:
        row = ExchangeStatus(description=status.description[:500], **values)
        session.add(row)
        session.flush()
    return row


def received_document(session: Session, organization_id: int, sender_organ_id: str,
                      edxml_document_id: str) -> ExchangeInbox | None:
    """Our agency's copy of a sender's document (its edoc package row), if it came."""
    return session.scalar(select(ExchangeInbox).where(
        ExchangeInbox.organization_id == organization_id,
        ExchangeInbox.sender_organ_id == sender_organ_id,
        ExchangeInbox.edxml_document_id == edxml_document_id, ExchangeInbox.kind == "edoc"))


def _apply_recall(session: Session, storage: BlobStorage, row: ExchangeInbox,
                  message: DocumentMessage, now: datetime) -> None:
    """Take back what the recall names and answer 15, or 16 when it cannot."""
    reason = message.trace_header_list.bussiness.bussiness_doc_reason
    original = received_document(session, row.organization_id, row.sender_organ_id,
                                 row.edxml_document_id)
    answer, note = "16", "Không có văn bản để thu hồi"
    if original is not None and original.state == "pending":
        original.state, original.reason, original.decided_at = "recalled", reason[:500], now
        answer, note = "15", "Đồng ý thu hồi"
    elif original is not None and original.state == "accepted" and original.document_id:
        doc = session.get(Document, original.document_id)
        previous, doc.status = doc.status, "recalled"
        stop_route(session, doc.id, f"Cơ quan gửi thu hồi văn bản: {reason}", now,
                   "Văn bản bị thu hồi")
        original.state, original.reason, original.decided_at = "recalled", reason[:500], now
        audit.record(session, actor_id=None, actor_name="exchange", action="recalled",
                     object_type="document", object_id=doc.id,
                     details={"from": previous, "sender": row.sender_organ_id,
                              "edxml_document_id": row.edxml_document_id, "reason": reason})
        answer, note = "15", "Đồng ý thu hồi"
    row.state = "accepted" if answer == "15" else "refused"
    row.reason, row.decided_at = (reason or note)[:500], now
    exchange_out.queue_status(session, storage, row.organization_id, _response_for(message),
                              answer, note, now=now)


def receive_from_peer(session: Session, storage: BlobStorage, payload: bytes, organ_id: str,
                      token: str) -> list[ExchangeInbox] | ExchangeStatus:
    """The HTTPS exchange inbox: an active peer presenting its token; commits.

    Raises PermissionDenied (unknown peer or wrong token, HTTP 403) or
    ExchangeRefused (HTTP 400); both tell the sender not to retry.
    """
    peer = session.scalar(select(ExchangePeer).where(
        ExchangePeer.organ_id == (organ_id or "").strip().upper(), ExchangePeer.active.is_(True)))
    given = hashlib.sha256((token or "").encode()).hexdigest()
    if peer is None or not peer.inbound_token_sha256 or not hmac.compare_digest(
            given, peer.inbound_token_sha256):
        raise PermissionDenied(Msg("Cơ quan gửi không được phép gửi văn bản đến hệ thống này.",
                                   "The sending agency is not allowed to deliver here."))
    try:
        result = receive(session, storage, payload, peer.organ_id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


@dataclass
class PollReport:
    received: int = 0   # messages stored (packages and statuses) and confirmed
    refused: int = 0    # messages we will never take (confirmed so the bus stops offering them)
    error: str = ""     # the bus could not be reached; tried again next pass


def poll_axis(session: Session, storage: BlobStorage, axis: AxisAdapter,
              limit: int = 50) -> PollReport:
    """Take what the national axis / LGSP holds for us; commits each message.

    Each message is stored (``receive``: idempotent, so one offered again
    after a crash makes nothing new) and committed before it is confirmed to
    the bus. A message we refuse is confirmed too, with the reason logged in
    the report, or the bus would offer it for ever.
    """
    report = PollReport()
    try:
        waiting = axis.poll(limit)
    except (TransportError, DeliveryRefused) as error:
        report.error = str(error)[:500]
        return report
    for incoming in waiting:
        try:
            receive(session, storage, incoming.payload, incoming.sender_organ_id)
            session.commit()
            report.received += 1
        except ExchangeRefused as refused:
            session.rollback()
            report.refused += 1
            report.error = f"{incoming.message_id}: {refused}"[:500]
        except BaseException:
            session.rollback()
            raise
        try:
            axis.confirm(incoming)
        except (TransportError, DeliveryRefused) as error:
            report.error = str(error)[:500]
            break
    return report


# --- the clerk's queue -------------------------------------------------------------

def _require_clerk(actor: Actor) -> None:
    access.require_clerk(actor)


def _row(session: Session, actor: Actor, inbox_id: int) -> ExchangeInbox:
    row = session.get(ExchangeInbox, inbox_id)
    if row is None or row.organization_id != actor.organization_id or row.kind != "edoc":
        raise NotFound(Msg("Không tìm thấy văn bản điện tử đến.",
                           "Received electronic document not found."))
    return row


def pending(session: Session, actor: Actor) -> list[ExchangeInbox]:
    """Packages waiting for the clerk of the actor's agency, oldest first."""
    _require_clerk(actor)
    return list(session.scalars(select(ExchangeInbox).where(
        ExchangeInbox.organization_id == actor.organization_id,
        ExchangeInbox.kind == "edoc", ExchangeInbox.state == "pending").order_by(ExchangeInbox.id)))


def package(session: Session, actor: Actor, storage: BlobStorage,
            inbox_id: int) -> DocumentMessage:
    """The received package, for the clerk to read before deciding."""
    _require_clerk(actor)
    return edxml.parse_package(storage.get(_row(session, actor, inbox_id).package_sha256))


def _our_type(session: Session, message: DocumentMessage) -> str | None:
    """Our document-type code: the sender's own code, else by name, else 18 = Công văn."""
    kind = message.header.document_type
    if kind.type_detail and session.get(DocType, kind.type_detail) is not None:
        return kind.type_detail
    code = session.scalar(select(DocType.code).where(DocType.name == kind.type_name))
    if code:
        return code
    return "CV" if kind.type == "18" and session.get(DocType, "CV") is not None else None


def prefill(session: Session, message: DocumentMessage, today: date) -> dict:
    """The registration fields the package fills in (the clerk may correct them)."""
    header = message.header
    signer = header.signer_info
    other = header.other_info
    return {
        "subject": header.subject, "arrival_date": today.isoformat(),
        "code_number": header.code.code_number, "code_notation": header.code.code_notation,
        "issued_date": header.promulgation_info.promulgation_date.isoformat(),
        "issuer_name": header.from_organ.organ_name or header.from_organ.organ_id,
        "issuer_organ_id": header.from_organ.organ_id,
        "document_type": _our_type(session, message),
        "signer_position": signer.position if signer else "",
        "signer_name": signer.full_name if signer else "",
        "due_date": header.due_date.isoformat() if header.due_date else "",
        "urgency": URGENCY_BY_PRIORITY.get(other.priority if other else "", "normal"),
        "page_count": other.page_amount if other and other.page_amount else "",
        "recipients": "\n".join(header.to_places),
        "channel": "exchange",
        "notes": f"edXML {header.document_id}",
    }


class _AcceptOnRegistration:
    """Passed to ``register_incoming`` as its routing: starts the route and, in the
    same transaction, marks the package accepted and queues 03 to the sender."""

    def __init__(self, routing, mark):
        self.routing, self.mark = routing, mark

    def start(self, session: Session, actor: Actor, doc: Document):
        if self.routing is not None:
            self.routing.start(session, actor, doc)
        self.mark(doc)


def _staff_info(session: Session, actor: Actor) -> StaffInfo:
    staff = session.get(Staff, actor.staff_id) if actor.staff_id else None
    return StaffInfo(staff=staff.full_name if staff else actor.username,
                     email=(staff.email or "") if staff else "")


def accept(session: Session, actor: Actor, inbox_id: int, storage: BlobStorage, limits: Limits,
           *, fields: dict | None = None, routing=None, validate=None,
           confirm_duplicate: bool = False, today: date | None = None) -> Registration:
    """Register a received package as an incoming document; commits.

    Every field comes from the package (``fields`` corrects or adds, e.g. the
    register); the attachments are the uploads, so registration inspects them
    and validates their signatures. Status 03 goes back in the same
    transaction, so the sender learns it the same day.
    """
    _require_clerk(actor)
    row = _row(session, actor, inbox_id)
    if row.state != "pending":
        raise Conflict(Msg("Văn bản điện tử này đã được xử lý.",
                           "This received document was already dealt with."))
    message = edxml.parse_package(storage.get(row.package_sha256))
    today = today or datetime.now(VIETNAM).date()
    raw = {**prefill(session, message, today), **(fields or {})}
    uploads = [Upload(a.attachment_name, a.data, "main" if i == 0 else "attachment")
               for i, a in enumerate(message.attachments)]
    if not uploads:
        raise InvalidInput(Msg("Gói tin không có tệp văn bản.", "The package carries no file."))
    staff = _staff_info(session, actor)

    def mark(doc: Document) -> None:
        row.state, row.document_id = "accepted", doc.id
        row.decided_at, row.decided_by_id = utcnow(), actor.staff_id
        exchange_out.queue_status(session, storage, row.organization_id,
                                  _response_for(message), "03", "Đã tiếp nhận", staff)
        if row.amends_edxml_id:
            _apply_amendment(session, storage, row, doc, message, staff)

    return register_incoming(session, actor, storage, limits, raw, uploads,
                             confirm_duplicate=confirm_duplicate, today=today,
                             routing=_AcceptOnRegistration(routing, mark), validate=validate)


def _apply_amendment(session: Session, storage: BlobStorage, row: ExchangeInbox, doc: Document,
                     message: DocumentMessage, staff: StaffInfo) -> None:
    """A registered replacement or correction reaches our copy of the earlier document.

    Registered copy: linked (a replaced one is frozen and its route stopped)
    and 15 goes back about the earlier document. Copy still waiting for the
    clerk: a replaced one leaves the queue (15); a corrected one stays, the
    correction is registered on its own. No copy here: nothing more.
    """
    kind = amendments.KIND_BY_BUSSINESS_TYPE[row.business_type]
    earlier = received_document(session, row.organization_id, row.sender_organ_id,
                                row.amends_edxml_id)
    if earlier is None:
        return
    reason = message.trace_header_list.bussiness.bussiness_doc_reason
    code = f"{doc.code_number}/{doc.code_notation}"
    now = utcnow()
    if earlier.state == "accepted" and earlier.document_id:
        target = session.get(Document, earlier.document_id)
        if target.status in FINAL_STATUSES:
            return
        amendments.link_received(session, doc, target, kind, reason, now)
        note = (f"Đã thay thế bằng văn bản {code}" if kind == "replace"
                else f"Đã nhận đính chính bằng văn bản {code}")
    elif earlier.state == "pending" and kind == "replace":
        earlier.state, earlier.reason, earlier.decided_at = "replaced", f"Thay thế bởi {code}", now
        note = f"Đã thay thế bằng văn bản {code}"
    else:
        return
    earlier_message = edxml.parse_package(storage.get(earlier.package_sha256))
    exchange_out.queue_status(session, storage, row.organization_id,
                              _response_for(earlier_message), "15", note, staff, now=now)


def refuse(session: Session, actor: Actor, inbox_id: int, storage: BlobStorage,
           reason: str) -> ExchangeInbox:
    """Return a received package to its sender with a reason (status 02); commits."""
    _require_clerk(actor)
    row = _row(session, actor, inbox_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(Msg("Cần ghi lý do từ chối.", "A reason for refusing is required."),
                           {"reason": Msg("Bắt buộc", "Required")})
    if row.state != "pending":
        raise Conflict(Msg("Văn bản điện tử này đã được xử lý.",
                           "This received document was already dealt with."))
    message = edxml.parse_package(storage.get(row.package_sha256))
    row.state, row.reason = "refused", reason[:500]
    row.decided_at, row.decided_by_id = utcnow(), actor.staff_id
    exchange_out.queue_status(session, storage, row.organization_id, _response_for(message),
                              "02", reason, _staff_info(session, actor))
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="exchange_refuse", object_type="exchange_inbox", object_id=row.id,
                 details={"sender": row.sender_organ_id,
                          "edxml_document_id": row.edxml_document_id, "reason": reason})
    session.commit()
    return row


# --- statuses ------------------------------------------------------------------------

def sync_route_statuses(session: Session, storage: BlobStorage, now: datetime | None = None) -> int:
    """Queue 04 / 05 / 06 once each for accepted documents whose route reached them.

    A document that jumps (assigned straight to done) owes every code in
    between, in order. Returns the number of statuses queued; commits.
    """
    now = now or utcnow()
    rows = session.execute(select(ExchangeInbox, Document).join(
        Document, Document.id == ExchangeInbox.document_id).where(
        ExchangeInbox.state == "accepted", ExchangeInbox.kind == "edoc",
        Document.status.in_([s for s, _c in ROUTE_CODES]))).all()
    queued = 0
    for row, doc in rows:
        sent = set(session.scalars(select(ExchangeStatus.code).where(
            ExchangeStatus.organization_id == row.organization_id,
            ExchangeStatus.direction == "sent",
            ExchangeStatus.edxml_document_id == row.edxml_document_id,
            ExchangeStatus.peer_organ_id == row.sender_organ_id)))
        reached = ROUTE_ORDER.index(doc.status)
        owed = [c for s, c in ROUTE_CODES if ROUTE_ORDER.index(s) <= reached and c not in sent]
        if not owed:
            continue
        message = edxml.parse_package(storage.get(row.package_sha256))
        for code in owed:
            exchange_out.queue_status(session, storage, row.organization_id,
                                      _response_for(message), code,
                                      STATUS_CODES[code].vi, now=now)
            queued += 1
    session.commit()
    return queued


def statuses(session: Session, actor: Actor, edxml_document_id: str) -> list[ExchangeStatus]:
    """The statuses received about one of our sent documents, per recipient, in order."""
    return list(session.scalars(select(ExchangeStatus).where(
        ExchangeStatus.organization_id == actor.organization_id,
        ExchangeStatus.direction == "received",
        ExchangeStatus.edxml_document_id == edxml_document_id).order_by(ExchangeStatus.at,
                                                                        ExchangeStatus.id)))
