"""What the exchange pages show: a received package for the clerk, the sender's panel.

The decisions themselves (accept, refuse, choose recipients, recall, resend)
are the use cases of ``exchange_in`` and ``exchange_out``; this module only
gathers, for one screen, what a person needs to take them: the package with
its registration fields filled in, or per recipient agency of an outgoing
document the delivery state and the statuses it sent back (DOMAIN §2.15 k, o).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import access
from archive.errors import Msg, NotFound
from archive.exchange_models import (
    ExchangeInbox,
    ExchangeOutbox,
    ExchangePeer,
    ExchangeStatus,
    OutgoingRecipient,
)
from archive.identity import Actor
from archive.models import Document, Organization, OutgoingDocument
from archive.storage import BlobStorage
from exchange import xmldsig
from exchange.model import Attachment, DocumentMessage
from exchange.xmldsig import EnvelopeSignature
from workflows import amendments, exchange_in, exchange_out

__all__ = ["Agency", "ReceivedPackage", "RecipientState", "SendingPanel", "agencies",
           "attachment", "received_package", "sending_panel"]


@dataclass(frozen=True)
class Agency:
    """An agency a document can be sent to: its organ id (QĐ 20/2020) and name."""

    organ_id: str
    name: str


@dataclass
class ReceivedPackage:
    """A package waiting in the clerk's queue, with the fields it fills in."""

    row: ExchangeInbox
    message: DocumentMessage
    fields: dict
    sender_name: str
    amends: "EarlierCopy | None" = None
    envelope: EnvelopeSignature | None = None  # who sealed the package (XML-DSig), if anyone


@dataclass
class EarlierCopy:
    """Our copy of the document a received replacement or correction names."""

    kind: str                      # replace | correct
    edxml_document_id: str
    state: str | None              # its package's state here; None: never received
    document: Document | None      # registered copy, if any
    reason: str


@dataclass
class RecipientState:
    """One recipient agency of a sent document: delivery and what it answered."""

    organ_id: str
    name: str
    outbox: ExchangeOutbox | None  # the document package; None before issue
    statuses: list[ExchangeStatus] = field(default_factory=list)
    recall_sent: bool = False


@dataclass
class SendingPanel:
    """The "Nơi nhận điện tử" panel of an outgoing document."""

    issued: bool
    own_organ_id: str | None
    recipients: list[RecipientState]
    candidates: list[Agency]
    can_choose: bool
    can_recall: bool
    can_retry: bool


def agencies(session: Session, actor: Actor) -> list[Agency]:
    """Agencies reachable by exchange: the others hosted here, then the declared peers.

    Our own agency is left out: a document is not sent electronically to itself.
    """
    own = session.get(Organization, actor.organization_id)
    own_id = own.organ_id if own else None
    found: dict[str, Agency] = {}
    for organ_id, name in session.execute(select(Organization.organ_id, Organization.name).where(
            Organization.organ_id.is_not(None)).order_by(Organization.name)):
        if organ_id and organ_id != own_id:
            found[organ_id] = Agency(organ_id, name)
    for organ_id, name in session.execute(select(ExchangePeer.organ_id, ExchangePeer.name).where(
            ExchangePeer.active.is_(True)).order_by(ExchangePeer.name)):
        if organ_id != own_id:
            found.setdefault(organ_id, Agency(organ_id, name or organ_id))
    return list(found.values())


def received_package(session: Session, actor: Actor, storage: BlobStorage, inbox_id: int,
                     today: date) -> ReceivedPackage:
    """A received package for the clerk to read and correct before accepting it."""
    message = exchange_in.package(session, actor, storage, inbox_id)  # clerk + own agency
    row = session.get(ExchangeInbox, inbox_id)
    return ReceivedPackage(row=row, message=message,
                           fields=exchange_in.prefill(session, message, today),
                           sender_name=message.header.from_organ.organ_name
                           or _name(session, row.sender_organ_id),
                           amends=earlier_copy(session, row, message),
                           envelope=xmldsig.verify(storage.get(row.package_sha256)))


def earlier_copy(session: Session, row: ExchangeInbox,
                 message: DocumentMessage | None = None) -> EarlierCopy | None:
    """For a replacement or correction: what we hold of the earlier document."""
    if not row.amends_edxml_id:
        return None
    earlier = exchange_in.received_document(session, row.organization_id, row.sender_organ_id,
                                            row.amends_edxml_id)
    reason = message.trace_header_list.bussiness.bussiness_doc_reason if message else ""
    return EarlierCopy(kind=amendments.KIND_BY_BUSSINESS_TYPE.get(row.business_type, "replace"),
                       edxml_document_id=row.amends_edxml_id,
                       state=earlier.state if earlier else None,
                       document=session.get(Document, earlier.document_id)
                       if earlier and earlier.document_id else None, reason=reason)


def attachment(session: Session, actor: Actor, storage: BlobStorage, inbox_id: int,
               index: int) -> Attachment:
    """One file of a received package, so the clerk can read it before deciding."""
    files = exchange_in.package(session, actor, storage, inbox_id).attachments
    if not 0 <= index < len(files):
        raise NotFound(Msg("Không tìm thấy tệp.", "File not found."))
    return files[index]


def _name(session: Session, organ_id: str) -> str:
    return (session.scalar(select(Organization.name).where(Organization.organ_id == organ_id))
            or session.scalar(select(ExchangePeer.name).where(ExchangePeer.organ_id == organ_id))
            or organ_id)


def sending_panel(session: Session, actor: Actor, document_id: int) -> SendingPanel:
    """Recipients of an outgoing document, and after issue how each delivery went.

    Only what the person may see: the caller has already checked the document
    is visible; the forms are offered to those the use cases would allow.
    """
    out = session.get(OutgoingDocument, document_id)
    if out is None or not access.can_view(session, actor, out.document):
        raise NotFound(Msg("Không tìm thấy văn bản đi.", "Outgoing document not found."))
    own = session.get(Organization, actor.organization_id)
    issued = out.issued_at is not None
    chosen: list[OutgoingRecipient] = exchange_out.recipients(session, document_id)
    sent = {r.recipient_organ_id: r for r in session.scalars(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == document_id, ExchangeOutbox.kind == "edoc"))}
    recalled = set(session.scalars(select(ExchangeOutbox.recipient_organ_id).where(
        ExchangeOutbox.document_id == document_id, ExchangeOutbox.kind == "revocation")))
    received: dict[str, list[ExchangeStatus]] = {}
    edxml_ids = {r.edxml_document_id for r in sent.values()}
    if edxml_ids:
        for status in session.scalars(select(ExchangeStatus).where(
                ExchangeStatus.organization_id == out.document.organization_id,
                ExchangeStatus.direction == "received",
                ExchangeStatus.edxml_document_id.in_(edxml_ids)).order_by(
                ExchangeStatus.at, ExchangeStatus.id)):
            received.setdefault(status.peer_organ_id, []).append(status)
    names = {r.organ_id: r.organ_name for r in chosen}
    order = [r.organ_id for r in chosen] + [o for o in sent if o not in names]
    rows = [RecipientState(organ_id=o, name=names.get(o) or _name(session, o),
                           outbox=sent.get(o), statuses=received.get(o, []),
                           recall_sent=o in recalled) for o in order]
    is_clerk_or_drafter = actor.has("clerk") or actor.staff_id == out.drafter_id
    return SendingPanel(
        issued=issued, own_organ_id=own.organ_id if own else None, recipients=rows,
        candidates=agencies(session, actor) if not issued and is_clerk_or_drafter else [],
        can_choose=not issued and is_clerk_or_drafter and bool(own and own.organ_id),
        can_recall=bool(sent) and actor.has("clerk", "office_head", "leader"),
        can_retry=actor.has("clerk", "admin"))
