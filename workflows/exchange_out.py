"""Sending edXML packages: recipients, the outbox, delivery with retries, recall.

An outgoing document chosen for electronic sending (``set_recipients``) gets,
when the clerk issues it, one edXML package per recipient agency with the
issued PDF attached unchanged (``queue_issued``, same transaction as the
issue). Every package we must send (documents, status messages, recalls)
is a row of ``exchange_outbox`` with its bytes in a blob, so a restart loses
nothing. The routing clock calls ``deliver_due``: a failed delivery is
retried after 30 s, 60 s, 120 s, 240 s, then every 480 s (the back-off one
LGSP project uses, DOMAIN §6.5) until ``max_attempts``; then the row is
``failed``, shown to the clerk, and can be retried by hand.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from archive import audit
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.amendment_models import DocumentAmendment
from archive.exchange_models import (
    ExchangeInbox,
    ExchangeOutbox,
    ExchangePeer,
    ExchangeStatus,
    OutgoingRecipient,
)
from archive.identity import Actor
from archive.models import Document, Organization, OutgoingDocument
from archive.models import DocumentType as DocType
from archive.storage import BlobStorage, store
from exchange import edxml, xmldsig
from exchange.model import (
    Attachment,
    Bussiness,
    DocumentCode,
    DocumentMessage,
    DocumentType,
    MessageHeader,
    Organ,
    OtherInfo,
    PromulgationInfo,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusMessage,
    TraceHeader,
    TraceHeaderList,
    is_organ_id,
)
from exchange.axis import AxisAdapter
from exchange.model import document_id as edxml_document_id
from workflows.amendments import BUSSINESS_TYPE
from exchange.transport import (
    DeliveryRefused,
    DirectTransport,
    HttpsTransport,
    Transport,
    TransportError,
)

__all__ = [
    "DeliveryReport",
    "EnvelopeSeal",
    "Transports",
    "backoff",
    "deactivate_peer",
    "deliver_due",
    "organ_of",
    "peers",
    "queue_issued",
    "queue_status",
    "recall",
    "recipients",
    "retry",
    "set_peer",
    "set_recipients",
]

BACKOFF_SECONDS = (30, 60, 120, 240, 480)
DEFAULT_MAX_ATTEMPTS = 20
# The only document type code known for edXML is 18 = Công văn (DOMAIN §6.2);
# other types travel with their name and our code as TypeDetail.
EDXML_TYPE_BY_CODE = {"CV": "18"}
PRIORITY_BY_URGENCY = {"normal": "0", "urgent": "1", "very_urgent": "2", "flash": "3"}


# --- recipients --------------------------------------------------------------

def _outgoing(session: Session, actor: Actor, document_id: int) -> OutgoingDocument:
    out = session.get(OutgoingDocument, document_id)
    if out is None or out.document.organization_id != actor.organization_id:
        raise NotFound(Msg("Không tìm thấy văn bản đi.", "Outgoing document not found."))
    return out


def organ_of(session: Session, organization_id: int) -> Organ:
    """Our agency as an edXML From/To organ; refused without an organ id (QĐ 20/2020)."""
    org = session.get(Organization, organization_id)
    if org is None or not org.organ_id:
        raise Conflict(Msg("Cơ quan chưa có mã định danh nên không gửi nhận văn bản điện tử được.",
                           "The agency has no organ identifier, so it cannot exchange documents."))
    return Organ(organ_id=org.organ_id, organ_name=org.name,
                 organization_in_charge=org.parent_name or "")


def _organ_name(session: Session, organ_id: str) -> str:
    """The name we know for an agency: a local one, else a peer, else ""."""
    name = session.scalar(select(Organization.name).where(Organization.organ_id == organ_id))
    return name or session.scalar(select(ExchangePeer.name).where(
        ExchangePeer.organ_id == organ_id)) or ""


def set_recipients(session: Session, actor: Actor, document_id: int,
                   organ_ids: list[str]) -> list[OutgoingRecipient]:
    """Choose the agencies an outgoing document goes to electronically; commits.

    Only the clerk or the drafter, and only before the number is issued: the
    packages are built at issue from this list.
    """
    out = _outgoing(session, actor, document_id)
    if not (actor.has("clerk") or actor.staff_id == out.drafter_id):
        raise PermissionDenied(Msg("Chỉ văn thư hoặc người soạn thảo chọn nơi nhận điện tử.",
                                   "Only the clerk or the drafter chooses electronic recipients."))
    if out.issued_at is not None:
        raise Conflict(Msg("Văn bản đã phát hành, không đổi nơi nhận được nữa.",
                           "The document is issued; its recipients can no longer change."))
    wanted = list(dict.fromkeys((o or "").strip().upper() for o in organ_ids if (o or "").strip()))
    bad = [o for o in wanted if not is_organ_id(o)]
    if bad:
        raise InvalidInput(Msg(f"Mã định danh cơ quan không hợp lệ: {', '.join(bad)}",
                               f"Invalid organ identifiers: {', '.join(bad)}"),
                           {"organ_ids": Msg("Mã định danh không hợp lệ", "Invalid identifier")})
    own = organ_of(session, actor.organization_id).organ_id
    if own in wanted:
        raise InvalidInput(Msg("Không gửi văn bản điện tử cho chính cơ quan mình.",
                               "A document is not sent electronically to one's own agency."))
    for row in recipients(session, document_id):
        session.delete(row)
    session.flush()
    rows = [OutgoingRecipient(document_id=document_id, organ_id=o,
                              organ_name=_organ_name(session, o)) for o in wanted]
    session.add_all(rows)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="exchange_recipients", object_type="document", object_id=document_id,
                 details={"organ_ids": wanted})
    session.commit()
    return rows


def recipients(session: Session, document_id: int) -> list[OutgoingRecipient]:
    return list(session.scalars(select(OutgoingRecipient).where(
        OutgoingRecipient.document_id == document_id).order_by(OutgoingRecipient.id)))


def _require_admin(actor: Actor) -> None:
    if not actor.has("admin"):
        raise PermissionDenied(Msg("Chỉ quản trị khai báo cơ quan liên thông.",
                                   "Only the admin declares exchange peers."))


def peers(session: Session, actor: Actor) -> list[ExchangePeer]:
    """The agencies on other installations, active first, for the admin's page."""
    _require_admin(actor)
    return list(session.scalars(select(ExchangePeer).order_by(
        ExchangePeer.active.desc(), ExchangePeer.organ_id)))


def set_peer(session: Session, actor: Actor, *, organ_id: str, name: str, endpoint_url: str,
             outbound_token: str | None, transport: str = "https",
             new_token: bool = True) -> tuple[ExchangePeer, str]:
    """Add or update an agency on another installation; commits.

    Returns the peer and a new inbound token, shown once to the admin, which
    the peer must present to our exchange inbox (only its SHA-256 is kept).
    Editing a known peer with ``new_token=False`` keeps its inbound token
    (and returns ""), and ``outbound_token=None`` keeps the one it gave us,
    so correcting a name or an address does not break the link.
    """
    _require_admin(actor)
    organ_id = (organ_id or "").strip().upper()
    if not is_organ_id(organ_id):
        raise InvalidInput(Msg("Mã định danh cơ quan không hợp lệ.", "Invalid organ identifier."),
                           {"organ_id": Msg("Không hợp lệ", "Invalid")})
    if transport not in ("direct", "https", "adapter"):
        raise InvalidInput(Msg("Cách truyền không hợp lệ.", "Invalid transport."),
                           {"transport": Msg("Không hợp lệ", "Invalid")})
    peer = session.scalar(select(ExchangePeer).where(ExchangePeer.organ_id == organ_id))
    if peer is None:
        peer = ExchangePeer(organ_id=organ_id)
        session.add(peer)
        new_token = True
    peer.name, peer.transport, peer.active = (name or "").strip()[:200], transport, True
    peer.endpoint_url = (endpoint_url or "").strip() or None
    if outbound_token is not None or peer.outbound_token is None:
        peer.outbound_token = (outbound_token or "").strip() or None
    inbound = ""
    if new_token:
        inbound = secrets.token_urlsafe(32)
        peer.inbound_token_sha256 = hashlib.sha256(inbound.encode()).hexdigest()
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="exchange_peer", object_type="exchange_peer", object_id=peer.id,
                 details={"organ_id": organ_id, "transport": transport,
                          "endpoint_url": peer.endpoint_url, "new_token": new_token})
    session.commit()
    return peer, inbound


def deactivate_peer(session: Session, actor: Actor, peer_id: int) -> ExchangePeer:
    """Stop exchanging with a peer; commits.

    Its token no longer opens our inbox and packages for it wait (no route)
    until it is declared again; the row stays for the history.
    """
    _require_admin(actor)
    peer = session.get(ExchangePeer, peer_id)
    if peer is None:
        raise NotFound(Msg("Không tìm thấy cơ quan liên thông.", "Exchange peer not found."))
    peer.active = False
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="exchange_peer_off", object_type="exchange_peer", object_id=peer.id,
                 details={"organ_id": peer.organ_id})
    session.commit()
    return peer


# --- building packages ---------------------------------------------------------

def _response_for(session: Session, out: OutgoingDocument) -> tuple[ResponseFor, ...]:
    """ResponseFor when the document answers one that came through the exchange."""
    if out.reply_to_id is None:
        return ()
    row = session.scalar(select(ExchangeInbox).where(
        ExchangeInbox.document_id == out.reply_to_id, ExchangeInbox.kind == "edoc"))
    if row is None:
        return ()
    earlier = out.reply_to
    return (ResponseFor(organ_id=row.sender_organ_id,
                        code=f"{earlier.code_number}/{earlier.code_notation}",
                        promulgation_date=earlier.issued_date,
                        document_id=row.edxml_document_id),)


def _header(session: Session, out: OutgoingDocument, to: Organ) -> MessageHeader:
    doc = out.document
    org = session.get(Organization, doc.organization_id)
    doc_type = session.get(DocType, doc.document_type) if doc.document_type else None
    competence = " ".join(p for p in (out.authority, out.authority_of) if p) or "Trực tiếp"
    return MessageHeader(
        from_organ=organ_of(session, doc.organization_id), to=(to,),
        code=DocumentCode(doc.code_number, doc.code_notation),
        promulgation_info=PromulgationInfo(org.place_name or "", doc.issued_date),
        document_type=DocumentType(EDXML_TYPE_BY_CODE.get(doc.document_type or "", "0"),
                                   doc_type.name if doc_type else "", doc.document_type or ""),
        subject=doc.subject,
        signer_info=SignerInfo(competence, doc.signer_position or "", doc.signer_name or ""),
        due_date=doc.due_date,
        to_places=tuple(line.strip(" -;") for line in (doc.recipients or "").splitlines()
                        if line.strip(" -;")),
        other_info=OtherInfo(priority=PRIORITY_BY_URGENCY.get(doc.urgency, "0"),
                             page_amount=doc.page_count),
        response_for=_response_for(session, out))


def _attachments(storage: BlobStorage, out: OutgoingDocument) -> tuple[Attachment, ...]:
    """The issued PDF (the signed original, unchanged) and the signed attachments."""
    files = [f for f in out.document.files if f.role in ("main", "attachment")]
    return tuple(Attachment(content_id=uuid.uuid4().hex, attachment_name=f.name,
                            content_type=f.media_type, data=storage.get(f.sha256),
                            description="Văn bản" if f.role == "main" else "Phụ lục")
                 for f in files)


def _queue(session: Session, storage: BlobStorage, *, kind: str, organization_id: int,
           recipient: str, edxml_id: str, payload: bytes, document_id: int | None = None,
           status_code: str | None = None) -> ExchangeOutbox:
    digest, _new = store(session, storage, payload)
    session.flush()  # the blob row first: nothing maps outbox -> blob for the flush order
    row = ExchangeOutbox(kind=kind, organization_id=organization_id, document_id=document_id,
                         recipient_organ_id=recipient, edxml_document_id=edxml_id,
                         status_code=status_code, package_sha256=digest, state="pending",
                         attempts=0, next_attempt_at=utcnow())
    session.add(row)
    return row


def _bussiness(session: Session, doc: Document, document_id: str) -> Bussiness:
    """New document (0), or the replacement (3) / correction (2) of an earlier one.

    The earlier document is named by its DocumentId with the agencies it was
    sent to (ReplacementInfoList), so each can find its own copy.
    """
    row = session.scalar(select(DocumentAmendment).where(
        DocumentAmendment.document_id == doc.id, DocumentAmendment.state == "applied"))
    if row is None:
        return Bussiness("0", document_id=document_id)
    target = session.get(Document, row.target_id)
    earlier = edxml_document_id(organ_of(session, target.organization_id).organ_id,
                                target.issued_date, target.code_number, target.code_notation)
    sent_to = tuple(dict.fromkeys(session.scalars(select(ExchangeOutbox.recipient_organ_id).where(
        ExchangeOutbox.document_id == target.id, ExchangeOutbox.kind == "edoc")
        .order_by(ExchangeOutbox.id))))
    return Bussiness(BUSSINESS_TYPE[row.kind],
                     bussiness_doc_reason=row.reason, document_id=document_id,
                     replacement_info_list=(ReplacementInfo(earlier, sent_to),))


@dataclass(frozen=True)
class EnvelopeSeal:
    """The agency key, open while issuing, to sign the envelope (XML-DSig, SHA-256)."""

    sign_raw: Callable[[bytes], bytes]
    certificate_der: bytes


def queue_issued(session: Session, storage: BlobStorage, doc: Document,
                 now: datetime | None = None, seal: EnvelopeSeal | None = None) -> int:
    """One edoc package per electronic recipient of a just-issued document (caller commits).

    Called inside the issuing transaction: if the issue rolls back, so does
    the outbox. A replacement or correction travels as such (``_bussiness``).
    With ``seal`` (the agency key the clerk just unlocked) each package
    carries the envelope signature. Returns the number of packages queued.
    """
    rows = recipients(session, doc.id)
    if not rows:
        return 0
    out = session.get(OutgoingDocument, doc.id)
    now = now or utcnow()
    files = _attachments(storage, out)
    for rec in rows:
        header = _header(session, out, Organ(organ_id=rec.organ_id, organ_name=rec.organ_name))
        message = DocumentMessage(header=header, attachments=files, trace_header_list=TraceHeaderList(
            trace_headers=(TraceHeader(header.from_organ.organ_id, now),),
            bussiness=_bussiness(session, doc, header.document_id)))
        payload = edxml.build_package(message)
        if seal is not None:
            payload = xmldsig.sign(payload, seal.sign_raw, seal.certificate_der)
        _queue(session, storage, kind="edoc", organization_id=doc.organization_id,
               recipient=rec.organ_id, edxml_id=header.document_id,
               payload=payload, document_id=doc.id)
    return len(rows)


def queue_status(session: Session, storage: BlobStorage, organization_id: int,
                 response_for: ResponseFor, code: str, description: str = "",
                 staff: StaffInfo | None = None, now: datetime | None = None) -> ExchangeOutbox:
    """Queue a status message (01…16) back to the sender and record it as sent."""
    now = now or utcnow()
    payload = edxml.build_status(StatusMessage(
        response_for=response_for, from_organ=organ_of(session, organization_id),
        status_code=code, timestamp=now, description=description[:500], staff_info=staff))
    session.add(ExchangeStatus(organization_id=organization_id, direction="sent",
                               edxml_document_id=response_for.document_id,
                               peer_organ_id=response_for.organ_id, code=code,
                               description=description[:500], at=now))
    return _queue(session, storage, kind="status", organization_id=organization_id,
                  recipient=response_for.organ_id, edxml_id=response_for.document_id,
                  payload=payload, status_code=code)


# --- recall (DOMAIN §2.9) --------------------------------------------------------

def recall(session: Session, actor: Actor, storage: BlobStorage, document_id: int,
           reason: str) -> int:
    """The sender takes an issued document back from every recipient; commits.

    Queues a revocation package (BussinessDocType 1) to each agency the
    document reached, records status 13 as sent; the answers (15 agreed,
    16 refused) come back as status messages. A package still waiting to be
    delivered is cancelled instead: nothing reached that agency.
    """
    out = _outgoing(session, actor, document_id)
    if not actor.has("clerk", "office_head", "leader"):
        raise PermissionDenied(Msg("Chỉ văn thư hoặc lãnh đạo được thu hồi văn bản.",
                                   "Only the clerk or a leader may recall a document."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(Msg("Cần ghi lý do thu hồi.", "A reason for the recall is required."),
                           {"reason": Msg("Bắt buộc", "Required")})
    # One recall per recipient, even for two quick clicks: the document row is
    # locked (PostgreSQL; SQLite writers are serialised anyway) before looking.
    session.execute(select(OutgoingDocument.document_id)
                    .where(OutgoingDocument.document_id == document_id).with_for_update())
    sent = list(session.scalars(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == document_id, ExchangeOutbox.kind == "edoc")))
    if not sent:
        raise Conflict(Msg("Văn bản chưa được gửi điện tử cho cơ quan nào.",
                           "The document was not sent electronically to any agency."))
    recalled = set(session.scalars(select(ExchangeOutbox.recipient_organ_id).where(
        ExchangeOutbox.document_id == document_id, ExchangeOutbox.kind == "revocation")))
    sent = [row for row in sent
            if row.recipient_organ_id not in recalled and row.state != "cancelled"]
    if not sent:
        session.rollback()
        raise Conflict(Msg("Văn bản đã được thu hồi từ mọi cơ quan nhận.",
                           "The document was already recalled from every recipient."))
    now = utcnow()
    for row in sent:
        if row.state != "delivered" and _cancel_undelivered(session, row, reason):
            # Never reached the recipient (waiting for a retry, or given up):
            # it is simply not sent. A revocation overtaking it would find
            # nothing to take back, and the package would arrive after it.
            session.add(ExchangeStatus(organization_id=out.document.organization_id,
                                       direction="sent", edxml_document_id=row.edxml_document_id,
                                       peer_organ_id=row.recipient_organ_id, code="13",
                                       description=reason[:500], at=now))
            continue
        header = _header(session, out, Organ(organ_id=row.recipient_organ_id,
                                             organ_name=_organ_name(session, row.recipient_organ_id)))
        message = DocumentMessage(header=header, trace_header_list=TraceHeaderList(
            trace_headers=(TraceHeader(header.from_organ.organ_id, now),),
            bussiness=Bussiness("1", bussiness_doc_reason=reason[:500],
                                document_id=header.document_id)))
        _queue(session, storage, kind="revocation", organization_id=out.document.organization_id,
               recipient=row.recipient_organ_id, edxml_id=header.document_id,
               payload=edxml.build_package(message), document_id=document_id)
        session.add(ExchangeStatus(organization_id=out.document.organization_id,
                                   direction="sent", edxml_document_id=header.document_id,
                                   peer_organ_id=row.recipient_organ_id, code="13",
                                   description=reason[:500], at=now))
    # Phụ lục VI §III.8: the sender freezes its document; its metadata stays.
    previous, out.document.status = out.document.status, "recalled"
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="recall",
                 object_type="document", object_id=document_id,
                 details={"reason": reason, "from": previous,
                          "recipients": [r.recipient_organ_id for r in sent]})
    session.commit()
    return len(sent)


def _cancel_undelivered(session: Session, row: ExchangeOutbox, reason: str) -> bool:
    """Cancel a package not delivered yet; False if a clock delivered it meanwhile.

    A conditional update: a clock sending this row holds its lock until it
    commits, and the condition is checked again after that (PostgreSQL), so
    a package that did go out is recalled instead of being marked unsent.
    """
    cancelled = session.execute(update(ExchangeOutbox).where(
        ExchangeOutbox.id == row.id, ExchangeOutbox.state.in_(("pending", "failed"))).values(
        state="cancelled", last_error=f"Thu hồi trước khi gửi được: {reason}"[:500])).rowcount
    session.refresh(row)
    return bool(cancelled)


# --- delivery --------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 60 s, 120 s, 240 s, then 480 s."""
    step = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=step)


class Transports:
    """Which transport reaches a recipient: a local agency directly, a peer by its own.

    ``for_recipient`` raises ``TransportError`` when no route is known yet (the
    admin may add the peer later) so the row waits instead of failing.
    """

    def __init__(self, storage: BlobStorage, *, timeout: float = 30.0,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, ca_file: str | None = None,
                 axis: AxisAdapter | None = None):
        self.storage = storage
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.ca_file = ca_file  # extra CA certificates (PEM) trusted for peers' HTTPS
        self.axis = axis        # the national axis / LGSP, for peers with transport "adapter"

    def for_recipient(self, session: Session, sender_organ_id: str,
                      recipient_organ_id: str) -> Transport:
        local = session.scalar(select(Organization.id).where(
            Organization.organ_id == recipient_organ_id))
        if local is not None:
            from workflows import (
                exchange_in,  # receiving queues statuses through this module
            )
            return DirectTransport(lambda payload, sender: exchange_in.receive(
                session, self.storage, payload, sender), sender_organ_id)
        peer = session.scalar(select(ExchangePeer).where(
            ExchangePeer.organ_id == recipient_organ_id, ExchangePeer.active.is_(True)))
        if peer is None:
            raise TransportError(f"No route to {recipient_organ_id}: not a local agency nor an "
                                 "active exchange peer")
        if peer.transport == "https" and peer.endpoint_url:
            return HttpsTransport(peer.endpoint_url, peer.outbound_token or "", sender_organ_id,
                                  self.timeout, self.ca_file)
        if peer.transport == "adapter" and self.axis is not None:
            return self.axis
        raise TransportError(f"Transport {peer.transport!r} of {recipient_organ_id} is not "
                             "available")


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _due(session: Session, now: datetime, limit: int) -> list[int]:
    """Pending rows never tried yet or whose next attempt has come, oldest first."""
    return list(session.scalars(select(ExchangeOutbox.id).where(
        ExchangeOutbox.state == "pending",
        or_(ExchangeOutbox.attempts == 0, ExchangeOutbox.next_attempt_at <= now),
    ).order_by(ExchangeOutbox.id).limit(limit)))


def _claim(session: Session, row: ExchangeOutbox) -> bool:
    """Count the attempt only if no other clock took the row meanwhile.

    A conditional update (row lock on PostgreSQL, write lock on SQLite) held
    until this row's commit, so two clocks never send the same row at once.
    """
    seen = row.attempts
    claimed = session.execute(update(ExchangeOutbox).where(
        ExchangeOutbox.id == row.id, ExchangeOutbox.state == "pending",
        ExchangeOutbox.attempts == seen).values(attempts=seen + 1)).rowcount
    if not claimed:
        session.rollback()
        return False
    session.refresh(row)
    return True


def deliver_due(session: Session, storage: BlobStorage, transports: Transports,
                now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send every due outbox row once; commits after each row.

    A delivery runs in a savepoint, so a direct delivery the recipient refuses
    leaves nothing on the receiving side. Rows queued while delivering (the
    recipient's 01) go on the next pass.
    """
    now = now or utcnow()
    report = DeliveryReport()
    for row_id in _due(session, now, limit):
        row = session.get(ExchangeOutbox, row_id)
        if not _claim(session, row):
            continue
        sender = session.get(Organization, row.organization_id).organ_id or ""
        try:
            transport = transports.for_recipient(session, sender, row.recipient_organ_id)
            with session.begin_nested():
                transport.deliver(row.recipient_organ_id, storage.get(row.package_sha256))
        except DeliveryRefused as refused:
            row.state, row.last_error = "failed", str(refused)[:500]
            report.failed += 1
        except TransportError as error:
            row.last_error = str(error)[:500]
            if row.attempts >= transports.max_attempts:
                row.state = "failed"
                report.failed += 1
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                report.retrying += 1
        else:
            row.state, row.delivered_at, row.last_error = "delivered", now, None
            report.delivered += 1
        session.commit()
    return report


def retry(session: Session, actor: Actor, outbox_id: int) -> ExchangeOutbox:
    """Send a failed row again from the start of the back-off; commits."""
    row = session.get(ExchangeOutbox, outbox_id)
    if row is None or row.organization_id != actor.organization_id:
        raise NotFound(Msg("Không tìm thấy gói tin.", "Package not found."))
    if not actor.has("clerk", "admin"):
        raise PermissionDenied(Msg("Chỉ văn thư hoặc quản trị gửi lại gói tin.",
                                   "Only the clerk or the admin may resend a package."))
    if row.state != "failed":
        raise Conflict(Msg("Chỉ gửi lại gói tin đã thất bại.", "Only a failed package is resent."))
    row.state, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="exchange_retry", object_type="exchange_outbox", object_id=row.id,
                 details={"recipient": row.recipient_organ_id})
    session.commit()
    return row
