"""Replacement and correction of an issued document (DOMAIN §2.9, Điều 18).

A content error in an issued document is cured by a new document of the same
form that *replaces* it; a format, layout or procedure error by a công văn
that *corrects* it (đính chính). Either way the earlier document stays, with
its metadata and history; ``DocumentAmendment`` links the two, on the sender's
side (outgoing → outgoing) and on the receiver's (incoming → incoming).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db import Base, utcnow
from archive.models import Document, UTCDateTime

AMENDMENT_KINDS = ("replace", "correct")


class DocumentAmendment(Base):
    """``document_id`` replaces or corrects ``target_id``.

    ``state`` is ``draft`` while the amending outgoing document is not issued
    yet and ``applied`` once it is (or, on the receiving side, once the clerk
    registered it): only then is the earlier document marked.
    """

    __tablename__ = "document_amendments"
    __table_args__ = (UniqueConstraint("document_id", name="uq_document_amendments_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # replace | correct
    reason: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(10), default="draft")  # draft | applied
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    target: Mapped[Document] = relationship(foreign_keys=[target_id])
