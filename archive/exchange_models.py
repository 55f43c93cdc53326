"""Tables of the inter-agency exchange of edXML packages (DOMAIN §2.9, §2.10, §6).

* ``OutgoingRecipient``: the agencies (organ ids) an outgoing document is sent
  to electronically, chosen before it is issued.
* ``ExchangePeer``: agencies on other installations and how to reach them.
* ``ExchangeOutbox``: every package we must send (document, status, recall),
  with its delivery state, so a restart loses nothing and retries resume.
* ``ExchangeInbox``: every package received, one row per receiving agency and
  package (receiving it twice makes one row), until the clerk accepts or
  refuses it.
* ``ExchangeStatus``: the status messages (01…16) sent and received, what the
  sender shows per recipient (DOMAIN §2.15 k, o).

The package bytes themselves are blobs (``package_sha256``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.db import Base, utcnow
from archive.models import UTCDateTime


class OutgoingRecipient(Base):
    """An agency an outgoing document goes to through the exchange."""

    __tablename__ = "outgoing_recipients"
    __table_args__ = (UniqueConstraint("document_id", "organ_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    organ_id: Mapped[str] = mapped_column(String(35))
    organ_name: Mapped[str] = mapped_column(String(200), default="")


class ExchangePeer(Base):
    """An agency on another installation: transport, endpoint and tokens."""

    __tablename__ = "exchange_peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organ_id: Mapped[str] = mapped_column(String(35), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    transport: Mapped[str] = mapped_column(String(10), default="https")  # direct|https|adapter
    endpoint_url: Mapped[str | None] = mapped_column(String(500))
    outbound_token: Mapped[str | None] = mapped_column(String(200))
    inbound_token_sha256: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ExchangeOutbox(Base):
    """A package waiting to be (or already) delivered to one recipient agency."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (Index("ix_exchange_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # edoc | status | revocation
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))  # the sender
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    recipient_organ_id: Mapped[str] = mapped_column(String(35))
    edxml_document_id: Mapped[str] = mapped_column(String(120), index=True)
    status_code: Mapped[str | None] = mapped_column(String(2))
    package_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExchangeInbox(Base):
    """A package received for one local agency, waiting for the clerk's decision."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (
        UniqueConstraint("organization_id", "sender_organ_id", "edxml_document_id", "kind",
                         name="uq_exchange_inbox_package"),
        Index("ix_exchange_inbox_queue", "organization_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    sender_organ_id: Mapped[str] = mapped_column(String(35))
    edxml_document_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))  # edoc | revocation
    # BussinessDocType: 0 new, 2 correction (update), 3 replacement; with the
    # DocumentId of the earlier document the package corrects or replaces.
    business_type: Mapped[str] = mapped_column(String(1), default="0", server_default="0")
    amends_edxml_id: Mapped[str | None] = mapped_column(String(120))
    package_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|accepted|refused|recalled|replaced
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ExchangeStatus(Base):
    """One status message sent or received about an exchanged document."""

    __tablename__ = "exchange_statuses"
    __table_args__ = (Index("ix_exchange_statuses_doc", "organization_id", "edxml_document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    direction: Mapped[str] = mapped_column(String(8))  # sent | received
    edxml_document_id: Mapped[str] = mapped_column(String(120))
    peer_organ_id: Mapped[str] = mapped_column(String(35))
    code: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
