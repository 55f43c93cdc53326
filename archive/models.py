"""Tables of the system of record: directory, registers, documents, files, audit.

Everything here is plain SQLAlchemy (no Flask) so that the CLI, background
jobs and benchmarks share it with the web layer.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, Text,
                        String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from archive.db import Base, utcnow


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so naive values read back are re-labelled UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


# --- Directory -------------------------------------------------------------

class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str] = mapped_column(String(30))
    organ_id: Mapped[str | None] = mapped_column(String(35), unique=True)  # QĐ 20/2020
    parent_name: Mapped[str | None] = mapped_column(String(200))
    place_name: Mapped[str | None] = mapped_column(String(100))  # địa danh for date lines
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    departments: Mapped[list[Department]] = relationship(
        back_populates="organization", order_by="Department.name")


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organization_id", "abbreviation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str] = mapped_column(String(30))

    organization: Mapped[Organization] = relationship(back_populates="departments")


class Staff(Base):
    """A person who logs in. Roles are data (``StaffRole``), titles free text."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    position_title: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    signing_pin_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)  # bump = log out everywhere
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    department: Mapped[Department | None] = relationship()
    role_rows: Mapped[list[StaffRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))


class ApiToken(Base):
    """Bearer tokens for the API; only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)


class DocumentType(Base):
    __tablename__ = "document_types"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    abbreviation: Mapped[str] = mapped_column(String(10), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


# --- Registers and documents ----------------------------------------------

class Register(Base):
    """A sổ: one number sequence per organisation, direction and year."""

    __tablename__ = "registers"
    __table_args__ = (UniqueConstraint("organization_id", "direction", "year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    direction: Mapped[str] = mapped_column(String(10))  # incoming | outgoing
    year: Mapped[int] = mapped_column(Integer)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200))
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    last_arrival_date: Mapped[date | None] = mapped_column(Date)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Outgoing: the document type codes numbered in this register (empty = every
    # type not claimed by another register): the agency head decides (DOMAIN §2.5).
    document_types: Mapped[list] = mapped_column(JSON, default=list)

    organization: Mapped[Organization] = relationship()


class Document(Base):
    """An incoming or outgoing document with its Decree 30 metadata."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("register_id", "arrival_number"),
        Index("ix_documents_register_list", "organization_id", "direction", "arrival_date", "id"),
        Index("ix_documents_dupkey", "organization_id", "dup_key"),
        Index("ix_documents_subject_list", "organization_id", "direction", "subject_folded",
              "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    direction: Mapped[str] = mapped_column(String(10))
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"), index=True)
    arrival_number: Mapped[int | None] = mapped_column(Integer)
    arrival_date: Mapped[date | None] = mapped_column(Date)
    code_number: Mapped[str | None] = mapped_column(String(11))
    code_notation: Mapped[str | None] = mapped_column(String(30))
    issued_date: Mapped[date | None] = mapped_column(Date)
    issuer_name: Mapped[str | None] = mapped_column(String(200))
    issuer_organ_id: Mapped[str | None] = mapped_column(String(35))
    document_type: Mapped[str | None] = mapped_column(ForeignKey("document_types.code"))
    subject: Mapped[str] = mapped_column(String(500))
    signer_position: Mapped[str | None] = mapped_column(String(100))
    signer_name: Mapped[str | None] = mapped_column(String(50))
    page_count: Mapped[int | None] = mapped_column(Integer)
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    confidentiality: Mapped[str] = mapped_column(String(12), default="normal")
    due_date: Mapped[date | None] = mapped_column(Date)
    recipients: Mapped[str | None] = mapped_column(String(1000))
    channel: Mapped[str] = mapped_column(String(10), default="paper")
    notes: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(30), default="Tiếng Việt")
    status: Mapped[str] = mapped_column(String(20), default="registered", index=True)
    dup_key: Mapped[str | None] = mapped_column(String(300))
    subject_folded: Mapped[str] = mapped_column(String(500), default="")
    code_folded: Mapped[str] = mapped_column(String(60), default="", index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    register: Mapped[Register] = relationship()
    created_by: Mapped[Staff] = relationship()
    files: Mapped[list[DocumentFile]] = relationship(
        order_by="DocumentFile.position", cascade="all, delete-orphan")
    doc_type: Mapped[DocumentType | None] = relationship()


class Blob(Base):
    """A stored byte string, named by its SHA-256 (written once, never rewritten)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentFile(Base):
    """A file of a document: the original bytes plus a PDF rendition to view.

    For a PDF the rendition is the original itself; for a scanned image it is
    the lossless PDF made from it.
    """

    __tablename__ = "document_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # main | attachment
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    # Validation of the signatures in the file, recorded when it was registered.
    signature_status: Mapped[str | None] = mapped_column(String(12))  # none|valid|modified|invalid|untrusted
    signature_report: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the content was destroyed under a disposal decision (the
    # metadata stays; the bytes are gone unless another live file holds them).
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DocumentAccess(Base):
    """Who a document was routed to (grants sight of confidential documents)."""

    __tablename__ = "document_access"
    __table_args__ = (UniqueConstraint("document_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    reason: Mapped[str] = mapped_column(String(50), default="routed")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Audit and idempotency ----------------------------------------------------

class AuditEntry(Base):
    """Append-only, hash-chained record of who did what (DOMAIN §2.15 5.a)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last sequence number and hash (also the append lock)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class IdempotencyRecord(Base):
    """The first answer to a retried write (API ``Idempotency-Key``)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("staff_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    key: Mapped[str] = mapped_column(String(200))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Routing (BPMN processes, tasks, processing trail, notifications) ---------

class ProcessDefinition(Base):
    """One uploaded version of a BPMN diagram (data, not code: STYLE P8).

    New documents take the newest active version of their process key;
    running instances keep the version (and its hash) they started on.
    """

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # parsed once per hash
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(200), default="upload")
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessInstance(Base):
    """The route of one document: the engine state with its format and diagram hash (P9)."""

    __tablename__ = "process_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    serializer_version: Mapped[str] = mapped_column(String(60))
    definition_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="running")  # running|finished|failed
    revision: Mapped[int] = mapped_column(Integer, default=0)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    definition: Mapped[ProcessDefinition] = relationship()


class Task(Base):
    """A user task of a route, mirrored from the engine for fast inbox queries.

    ``assignee_id`` is the person the diagram names (e.g. the specialist);
    otherwise the task belongs to everyone with ``role`` (in ``department_id``
    when set) until one of them claims it. A delegated task is worked by
    ``delegated_to_id`` while ``delegated_by_id`` keeps responsibility.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "engine_task_id"),
        Index("ix_tasks_group", "status", "organization_id", "role", "department_id",
              "assignee_id"),
        Index("ix_tasks_department_due", "status", "organization_id", "department_id", "due_at"),
        Index("ix_tasks_assignee", "status", "assignee_id"),
        Index("ix_tasks_claimed", "status", "claimed_by_id"),
        Index("ix_tasks_delegated", "status", "delegated_to_id"),
        Index("ix_tasks_due", "status", "due_at"),
        Index("ix_tasks_remind", "status", "remind_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    engine_task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    form: Mapped[str] = mapped_column(String(30))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    delegated_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    delegated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    urgency_rank: Mapped[int] = mapped_column(Integer, default=9)
    due_date: Mapped[date | None] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    context: Mapped[dict] = mapped_column(JSON, default=dict)  # earlier decisions shown to the worker
    status: Mapped[str] = mapped_column(String(12), default="ready")  # ready|completed|cancelled
    outcome: Mapped[str | None] = mapped_column(String(30))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship()
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id])
    claimed_by: Mapped[Staff | None] = relationship(foreign_keys=[claimed_by_id])
    delegated_to: Mapped[Staff | None] = relationship(foreign_keys=[delegated_to_id])
    delegated_by: Mapped[Staff | None] = relationship(foreign_keys=[delegated_by_id])
    completed_by: Mapped[Staff | None] = relationship(foreign_keys=[completed_by_id])


class ProcessingNote(Base):
    """One line of the Phiếu giải quyết văn bản đến (DOMAIN §2.11): who, what, when."""

    __tablename__ = "processing_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    step: Mapped[str] = mapped_column(String(100))
    step_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decision: Mapped[str | None] = mapped_column(String(30))
    content: Mapped[str | None] = mapped_column(Text)
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    support_department_ids: Mapped[list] = mapped_column(JSON, default=list)
    fyi_staff_ids: Mapped[list] = mapped_column(JSON, default=list)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    deadline: Mapped[date | None] = mapped_column(Date)
    file_ids: Mapped[list] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Staff | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[Staff | None] = relationship(foreign_keys=[on_behalf_of_id])
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id])
    lead_department: Mapped[Department | None] = relationship()


class Notification(Base):
    """A message for one person, shown in the app and, when SMTP is set up, e-mailed.

    E-mail goes out from this table (an outbox): a notification written in
    the same transaction as the step that caused it is never lost.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "staff_id", "read_at"),
                      Index("ix_notifications_mail", "email_status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    title_vi: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_status: Mapped[str] = mapped_column(String(12), default="none")  # none|pending|sent|failed
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(String(500))
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Holiday(Base):
    """A non-working day for deadline counting (configurable by the admin)."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("organization_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")


# --- Outgoing documents and signatures (issue 4) ----------------------------------

class OutgoingDocument(Base):
    """What an outgoing document (văn bản đi) adds to ``documents`` (DOMAIN §2.9).

    The document row carries the Decree 30 metadata; the number (``code_number``,
    ``arrival_number`` as the register sequence) is only filled at issue, after
    the leader's signature.
    """

    __tablename__ = "outgoing_documents"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    drafter_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft_versions.id"))
    authority: Mapped[str] = mapped_column(String(10), default="")  # KT. TM. TL. Q. TUQ.
    authority_of: Mapped[str] = mapped_column(String(100), default="")  # e.g. GIÁM ĐỐC
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    archive_units: Mapped[str] = mapped_column(String(100), default="VT")
    body: Mapped[str | None] = mapped_column(Text)  # for a generated skeleton
    signed_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    signed_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft_versions.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[Document] = relationship(foreign_keys=[document_id])
    department: Mapped[Department | None] = relationship()
    drafter: Mapped[Staff] = relationship(foreign_keys=[drafter_id])
    signer: Mapped[Staff | None] = relationship(foreign_keys=[signer_id])
    reply_to: Mapped[Document | None] = relationship(foreign_keys=[reply_to_id])
    current_version: Mapped[DraftVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True)


class DraftVersion(Base):
    """One version of a draft; never changed once ready, never deleted.

    ``source_sha256`` is what the drafter gave (PDF or DOCX); ``pdf_sha256``
    the PDF prepared for signing (number, date and signature fields added).
    """

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(12))  # pdf | docx | generated
    name: Mapped[str] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    layout: Mapped[dict | None] = mapped_column(JSON)
    layout_report: Mapped[dict | None] = mapped_column(JSON)
    page_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="ready")  # converting|ready|failed
    error: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[Staff] = relationship()


class DraftApproval(Base):
    """An approval given on ONE version (content, form, signature: DOMAIN §2.9.2-3).

    Void once the draft has a newer version: only approvals of the current
    version count.
    """

    __tablename__ = "draft_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"))
    kind: Mapped[str] = mapped_column(String(12))  # content | form | sign
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship()
    version: Mapped[DraftVersion] = relationship()


class SigningCredential(Base):
    """A key a person (or the agency's văn thư, ``staff_id`` NULL) signs with.

    ``source``: ``pkcs12`` (the file, protected by the PIN typed at signing),
    ``pkcs11`` (a token or HSM: labels only, the key never leaves it) or
    ``external`` (the key stays in the browser or a remote service: only the
    certificate is here). Wrong PINs are counted and lock the key for a while.
    """

    __tablename__ = "signing_credentials"
    __table_args__ = (Index("ix_signing_credentials_owner", "organization_id", "purpose",
                            "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    purpose: Mapped[str] = mapped_column(String(12))  # personal | agency
    source: Mapped[str] = mapped_column(String(12))   # pkcs12 | pkcs11 | external
    pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    chain: Mapped[list] = mapped_column(JSON, default=list)  # base64 DER, issuer first
    subject: Mapped[str] = mapped_column(String(300))
    serial: Mapped[str] = mapped_column(String(80))
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_label: Mapped[str | None] = mapped_column(String(100))
    key_label: Mapped[str | None] = mapped_column(String(100))
    cert_label: Mapped[str | None] = mapped_column(String(100))
    image_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignatureRecord(Base):
    """A signature the system applied: who, which key, which level, bytes before/after."""

    __tablename__ = "signature_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("draft_versions.id"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("document_files.id"))
    kind: Mapped[str] = mapped_column(String(12))  # leader | seal | attachment
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("signing_credentials.id"))
    source: Mapped[str] = mapped_column(String(12))
    level: Mapped[str] = mapped_column(String(8))
    requested_level: Mapped[str] = mapped_column(String(8))
    fallback_reason: Mapped[str | None] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    input_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff | None] = relationship()


class PendingSignature(Base):
    """An external signature in progress: the prepared PDF waits for the browser's value."""

    __tablename__ = "pending_signatures"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random token
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("signing_credentials.id"))
    prepared: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|done|expired
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- Text extraction, full-text search, scanner intake (issue 5) ----------------

class ExtractedText(Base):
    """The text of one stored PDF (by its digest), and the job that extracts it.

    Keyed by the blob, not the file: the same bytes registered twice are read
    once. The original is never changed; for scanned pages OCRmyPDF makes a
    searchable PDF/A *derivative* (``derivative_sha256``), a separate blob.
    ``status``: pending → running → done | failed (retried, re-run by an admin);
    the document stays registered and usable whatever happens here.
    """

    __tablename__ = "extracted_texts"
    __table_args__ = (Index("ix_extracted_texts_status", "status", "updated_at"),)

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    method: Mapped[str | None] = mapped_column(String(10))  # text | ocr | mixed | none
    text: Mapped[str] = mapped_column(Text, default="")
    page_count: Mapped[int | None] = mapped_column(Integer)
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)  # progress
    derivative_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    seconds: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchEntry(Base):
    """What the full-text index knows of a document, besides its words.

    One row per document, written in the same transaction as the document
    (``archive.search.follow``): the filters, facets and visibility columns of
    a search are read from this narrow table, the words from the engine's own
    table (SQLite ``search_fts``, PostgreSQL ``search_vectors``) keyed by the
    same id. ``flask search reindex`` rebuilds both from the documents.
    """

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_org_date", "organization_id", "sort_date",
                            "document_id"),)

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             primary_key=True, autoincrement=False)
    organization_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(10))
    register_id: Mapped[int | None] = mapped_column(Integer)
    document_type: Mapped[str | None] = mapped_column(String(20))
    issuer: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(Integer)
    confidentiality: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    issued_date: Mapped[date | None] = mapped_column(Date)
    arrival_date: Mapped[date | None] = mapped_column(Date)
    sort_date: Mapped[date | None] = mapped_column(Date)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedSearch(Base):
    """A search a person named to run again (DOMAIN §2.15 function 6 e)."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("staff_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScanIntake(Base):
    """A file a networked scanner dropped in a register's watched folder.

    It becomes a pending registration in the clerk's queue: OCR done and the
    first page's metadata suggested; the clerk confirms or corrects it, then
    it is registered as an incoming document (``document_id``). The bytes are
    a stored blob from the moment the file is picked up, so nothing is lost if
    the app stops half-way.
    """

    __tablename__ = "scan_intake"
    __table_args__ = (Index("ix_scan_intake_queue", "organization_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"))
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    media_type: Mapped[str] = mapped_column(String(100))
    pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|ready|failed|registered|discarded
    suggestion: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(500))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Case files and the archive live in their own module (same metadata); importing
# it here registers its tables wherever the models are loaded.
from archive import filing_models  # noqa: E402,F401  (registers the tables)
from archive import exchange_models  # noqa: E402,F401  (registers the tables)
from archive import amendment_models  # noqa: E402,F401  (registers the tables)
