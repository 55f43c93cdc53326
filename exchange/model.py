"""The edXML messages as frozen values (QCVN 102:2016, DOMAIN §6.2, §6.4).

Names follow the edXML elements (including the standard's spelling
"Bussiness") so a reader can map a field to the XML without a table.
Sequences are tuples so messages compare and hash by value: the codec's
contract is ``parse_package(build_package(m)) == m``. Free-text fields
default to "" (an absent element reads back as ""), optional dates and
numbers to None. Timestamps should be timezone-aware; they travel in
Vietnam time to the second.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from exchange.errors import ExchangeRefused

# QĐ 20/2020: at most 35 characters, groups of 0-9/A-Z separated by "." (DOMAIN §6.3).
ORGAN_ID = re.compile(r"[0-9A-Z]+(?:\.[0-9A-Z]+)*")
ORGAN_ID_MAX = 35


@dataclass(frozen=True)
class Organ:
    """A sending or receiving body (From, To)."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class DocumentCode:
    """Số and ký hiệu of the document (Code)."""

    code_number: str
    code_notation: str

    def __str__(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


@dataclass(frozen=True)
class PromulgationInfo:
    place: str
    promulgation_date: date


@dataclass(frozen=True)
class DocumentType:
    """``type`` is a code of ``exchange.codes.DOCUMENT_TYPES`` (e.g. "18")."""

    type: str
    type_name: str = ""
    type_detail: str = ""


@dataclass(frozen=True)
class SignerInfo:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    priority: str = ""
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """The earlier document a message answers (document reply or status)."""

    organ_id: str
    code: str
    promulgation_date: date
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class MessageHeader:
    """The document's metadata. ``document_id`` is derived when left empty."""

    from_organ: Organ
    to: tuple[Organ, ...]
    code: DocumentCode
    promulgation_info: PromulgationInfo
    document_type: DocumentType
    subject: str
    content: str = ""
    signer_info: SignerInfo | None = None
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo | None = None
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: str = ""
    document_id: str = ""

    def __post_init__(self):
        if not self.document_id:
            object.__setattr__(self, "document_id", document_id(
                self.from_organ.organ_id, self.promulgation_info.promulgation_date,
                self.code.code_number, self.code.code_notation))


@dataclass(frozen=True)
class TraceHeader:
    """One hop of the package: which body handled it and when."""

    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class ReplacementInfo:
    """A document this one replaces and the bodies that hold it."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bussiness:
    """Why the package is sent: ``bussiness_doc_type`` is a code of
    ``exchange.codes.BUSSINESS_DOC_TYPES`` (0 new, 1 revoke, 2 update, 3 replace)."""

    bussiness_doc_type: str = "0"
    bussiness_doc_reason: str = ""
    document_id: str = ""
    staff_info: tuple[StaffInfo, ...] = ()
    paper: bool = False
    replacement_info_list: tuple[ReplacementInfo, ...] = ()


@dataclass(frozen=True)
class TraceHeaderList:
    trace_headers: tuple[TraceHeader, ...] = ()
    bussiness: Bussiness = field(default_factory=Bussiness)


@dataclass(frozen=True)
class Attachment:
    """A file carried in the package; ``content_id`` links it to the manifest."""

    content_id: str
    attachment_name: str
    content_type: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class DocumentMessage:
    """A whole edXML document package."""

    header: MessageHeader
    trace_header_list: TraceHeaderList = field(default_factory=TraceHeaderList)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class StatusMessage:
    """A status (feedback) message; ``status_code`` is in ``STATUS_CODES``."""

    response_for: ResponseFor
    from_organ: Organ
    status_code: str
    timestamp: datetime
    description: str = ""
    staff_info: StaffInfo | None = None


@dataclass(frozen=True)
class DocumentRef:
    """The parts of a DocumentId."""

    organ_id: str
    promulgation_date: date
    code_number: str
    code_notation: str


def is_organ_id(value: str) -> bool:
    """Whether ``value`` has the shape QĐ 20/2020 allows for an organ identifier."""
    return len(value) <= ORGAN_ID_MAX and ORGAN_ID.fullmatch(value) is not None


def document_id(organ_id: str, promulgation_date: date, code_number: str, code_notation: str) -> str:
    """The exchange's document identity: "OrganId,yyyy/MM/dd,số/ký hiệu" (DOMAIN §6.2)."""
    return f"{organ_id},{promulgation_date:%Y/%m/%d},{code_number}/{code_notation}"


def parse_document_id(value: str, field_name: str = "DocumentId") -> DocumentRef:
    """Split a DocumentId into its parts, refusing anything not of that shape."""
    parts = value.split(",", 2)
    if len(parts) != 3:
        raise ExchangeRefused(
            f"Mã văn bản (DocumentId) không đúng dạng \"mã cơ quan,yyyy/MM/dd,số/ký hiệu\": {value!r}",
            f"DocumentId is not \"OrganId,yyyy/MM/dd,number/notation\": {value!r}", field_name)
    organ_id, day, code = parts
    if not is_organ_id(organ_id):
        raise ExchangeRefused(
            f"Mã định danh cơ quan trong DocumentId không hợp lệ: {organ_id!r}",
            f"The organ identifier in DocumentId is not valid: {organ_id!r}", field_name)
    number, slash, notation = code.partition("/")
    if not (slash and number and notation):
        raise ExchangeRefused(
            f"Số/ký hiệu trong DocumentId không hợp lệ: {code!r}",
            f"The number/notation in DocumentId is not valid: {code!r}", field_name)
    return DocumentRef(organ_id, parse_date(day, field_name), number, notation)


def parse_date(value: str, field_name: str) -> date:
    """A yyyy/MM/dd date, the only form edXML uses (DOMAIN §6.2)."""
    if re.fullmatch(r"\d{4}/\d{2}/\d{2}", value):
        try:
            return datetime.strptime(value, "%Y/%m/%d").date()
        except ValueError:
            pass
    raise ExchangeRefused(
        f"Ngày không đúng dạng yyyy/MM/dd: {value!r}",
        f"Date is not a valid yyyy/MM/dd: {value!r}", field_name)
