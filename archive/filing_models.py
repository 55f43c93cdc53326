"""Tables of case files (hồ sơ) and the agency archive (DOMAIN §2.13, §2.16 III, §5).

* ``RetentionPeriod``: the retention catalogue, data the archivist edits
  (Decision 28/2018 sets no periods; they come from Decree 30, the Archive
  Law 2024 and Circular 10/2022: DOMAIN §5.2).
* ``FileList`` / ``FileListHeading`` / ``FileListEntry``: the annual danh mục
  hồ sơ, approved by the leader, from which staff open files.
* ``CaseFile`` / ``CaseFileItem``: a hồ sơ and the documents it holds *by
  reference*: one document may sit in several files without being copied.
* ``Transfer``: the handover to the agency archive (biên bản giao nhận); after
  it the file is frozen (``CaseFile.frozen``).
* ``RetentionChange``, ``LegalHold``, ``DisposalDecision``: retain-until only
  grows unless an authorised, recorded decision shortens it; holds block
  disposal for everyone; destruction needs an appraisal decision and leaves
  the metadata and the decision behind.
* ``AccessRequest`` / ``ArchiveUse``: requests to use restricted files and the
  sổ sử dụng bản lưu (DOMAIN §2.11).
* ``PreservationCopy`` / ``IntegrityRun``: PDF/A derivatives of archived PDFs
  (the signed original is never rewritten) and the fixity checks.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, \
    UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db import Base, utcnow
from archive.models import Document, Staff, UTCDateTime

# Life of a case file. Only "open" files take documents; "transferred" and
# "disposed" files are frozen: no edit, move or delete by anyone.
FILE_OPEN, FILE_CLOSED, FILE_TRANSFERRED, FILE_DISPOSED = \
    "open", "closed", "transferred", "disposed"
FROZEN_STATUSES = (FILE_TRANSFERRED, FILE_DISPOSED)
FILE_KINDS = ("general", "construction")      # construction (XDCB): 3 months after settlement
RIGHTS = ("open", "restricted")               # chế độ sử dụng: công khai / hạn chế


class RetentionPeriod(Base):
    """One line of the retention catalogue. ``years`` None = permanent (Vĩnh viễn)."""

    __tablename__ = "retention_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    group_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    years: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    effective_from: Mapped[date | None] = mapped_column(Date)
    to_confirm: Mapped[bool] = mapped_column(Boolean, default=True)   # legal text not yet checked
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def permanent(self) -> bool:
        return self.years is None


class FileList(Base):
    """Danh mục hồ sơ of one agency and year; ``numbering``: "list" (01, 02… over
    the whole list) or "heading" (01.TCCB: per heading, with its code suffix)."""

    __tablename__ = "file_lists"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    year: Mapped[int] = mapped_column(Integer)
    numbering: Mapped[str] = mapped_column(String(10), default="list")
    status: Mapped[str] = mapped_column(String(12), default="draft")   # draft | approved
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)           # stale-form check

    headings: Mapped[list[FileListHeading]] = relationship(
        order_by="FileListHeading.position", cascade="all, delete-orphan")
    entries: Mapped[list[FileListEntry]] = relationship(
        order_by="FileListEntry.position", cascade="all, delete-orphan")


class FileListHeading(Base):
    """Đề mục: top level numbered I, II… (Roman), sub-headings 1, 2… (Arabic)."""

    __tablename__ = "file_list_headings"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_list_id: Mapped[int] = mapped_column(ForeignKey("file_lists.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("file_list_headings.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    code_suffix: Mapped[str | None] = mapped_column(String(20))      # "TCCB" in 01.TCCB


class FileListEntry(Base):
    """A planned file of the list: code, title, retention, who opens it."""

    __tablename__ = "file_list_entries"
    __table_args__ = (UniqueConstraint("file_list_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_list_id: Mapped[int] = mapped_column(ForeignKey("file_lists.id"), index=True)
    heading_id: Mapped[int | None] = mapped_column(ForeignKey("file_list_headings.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(20))                      # FileNotation
    title: Mapped[str] = mapped_column(String(500))
    retention_id: Mapped[int] = mapped_column(ForeignKey("retention_periods.id"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))   # người lập hồ sơ
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(20), default="general")
    notes: Mapped[str | None] = mapped_column(String(500))

    retention: Mapped[RetentionPeriod] = relationship()


class CaseFile(Base):
    """A hồ sơ (DOMAIN §2.16 III: FileCode = OrganId + FileCatalog (year) +
    FileNotation (code), Title, Maintenance, Rights, Creator, Language,
    StartDate, EndDate, DocTotal, PageTotal, Description)."""

    __tablename__ = "case_files"
    __table_args__ = (UniqueConstraint("organization_id", "year", "code"),
                      Index("ix_case_files_status_due", "organization_id", "status",
                            "transfer_due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("file_list_entries.id"))
    year: Mapped[int] = mapped_column(Integer)                          # FileCatalog
    code: Mapped[str] = mapped_column(String(20))                       # FileNotation
    title: Mapped[str] = mapped_column(String(500))
    retention_id: Mapped[int | None] = mapped_column(ForeignKey("retention_periods.id"))
    retention_years: Mapped[int | None] = mapped_column(Integer)        # None = permanent
    rights: Mapped[str] = mapped_column(String(30), default="open")
    language: Mapped[str] = mapped_column(String(50), default="Tiếng Việt")
    creator_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[str] = mapped_column(String(20), default="general")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)                 # the work ended
    settlement_date: Mapped[date | None] = mapped_column(Date)          # XDCB final settlement
    description: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default=FILE_OPEN, index=True)
    doc_total: Mapped[int | None] = mapped_column(Integer)
    page_total: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    transfer_due: Mapped[date | None] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("archive_transfers.id"))
    retain_until: Mapped[date | None] = mapped_column(Date)             # None: permanent/not set
    disposal_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("disposal_decisions.id"))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)            # stale-form check

    creator: Mapped[Staff] = relationship(foreign_keys=[creator_id])
    retention: Mapped[RetentionPeriod | None] = relationship()
    items: Mapped[list[CaseFileItem]] = relationship(
        order_by="CaseFileItem.ordinal", cascade="all, delete-orphan")

    @property
    def frozen(self) -> bool:
        """Transferred or disposed: no edit, move or delete by anyone."""
        return self.status in FROZEN_STATUSES

    @property
    def permanent(self) -> bool:
        return self.retention_years is None


class CaseFileItem(Base):
    """A document in a file, by reference (DocOrdinal = ``ordinal``)."""

    __tablename__ = "case_file_items"
    __table_args__ = (UniqueConstraint("case_file_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship()


class Transfer(Base):
    """Biên bản giao nhận: files handed to the agency archive (lưu trữ hiện hành)."""

    __tablename__ = "archive_transfers"
    __table_args__ = (UniqueConstraint("organization_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    handed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    received_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    computer_file_count: Mapped[int] = mapped_column(Integer, default=0)   # tệp tin
    notes: Mapped[str | None] = mapped_column(String(500))


class RetentionChange(Base):
    """A change of a file's retain-until: shortening needs a decision reference."""

    __tablename__ = "retention_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    old_until: Mapped[date | None] = mapped_column(Date)
    new_until: Mapped[date | None] = mapped_column(Date)
    old_years: Mapped[int | None] = mapped_column(Integer)
    new_years: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    decision_ref: Mapped[str | None] = mapped_column(String(100))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LegalHold(Base):
    """While a hold is in force (not released) the file cannot be disposed of."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(String(500))


class DisposalDecision(Base):
    """The appraisal decision (quyết định hủy tài liệu hết giá trị) behind a destruction."""

    __tablename__ = "disposal_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reference: Mapped[str] = mapped_column(String(100))                 # số quyết định
    approver_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decided_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(1000))
    file_ids: Mapped[list] = mapped_column(JSON, default=list)          # the list decided on
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class AccessRequest(Base):
    """A request to use a restricted archived file; granted for a period."""

    __tablename__ = "archive_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|granted|refused
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArchiveUse(Base):
    """One line of the sổ sử dụng bản lưu: who used which archived file or document."""

    __tablename__ = "archive_uses"
    __table_args__ = (Index("ix_archive_uses_org_at", "organization_id", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    case_file_id: Mapped[int] = mapped_column(ForeignKey("case_files.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    action: Mapped[str] = mapped_column(String(20))                     # view|download|export
    permitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("archive_access_requests.id"))
    notes: Mapped[str | None] = mapped_column(String(500))


class PreservationCopy(Base):
    """The PDF/A derivative of an archived PDF blob (the original stays byte-for-byte)."""

    __tablename__ = "preservation_copies"

    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), primary_key=True)
    pdfa_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|running|done|failed
    # How the copy was made: converted (pages kept as they are), rasterised
    # (pages as images with an OCR text layer), reused (the OCR copy of issue 5).
    method: Mapped[str | None] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntegrityRun(Base):
    """A fixity check over every blob: checksums, missing and orphaned blobs,
    signatures re-validated; ``problems`` lists ``{kind, sha256, detail}``."""

    __tablename__ = "integrity_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="running")  # running|done|failed
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    bytes_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    signatures_checked: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)
