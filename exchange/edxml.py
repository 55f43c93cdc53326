"""Build and parse edXML packages and status messages (QCVN 102:2016).

The structure is the one of DOMAIN §6.2 [S]: root ``edXML`` in the namespace
``http://www.mic.gov.vn/TBT/QCVN_102_2016``, ``edXML:edXMLEnvelope`` holding
the header (``MessageHeader``, ``TraceHeaderList``) and the body's manifest
(``Reference xlink:href="cid:…"``), then ``AttachmentEncoded/Attachment``
with the files in base64. A status message (DOMAIN §6.4) is an envelope whose
header holds one ``Status`` element with ResponseFor, From, StaffInfo,
StatusCode, Description and Timestamp. Dates are ``yyyy/MM/dd``, timestamps
``yyyy/MM/dd HH:mm:ss`` in Vietnam time (UTC+7, no daylight saving).

Parsing treats the package as hostile: it is refused before parsing when
larger than the limit, parsed by defusedxml with any DOCTYPE forbidden (so
entity expansion and external entities never run), and every missing or
malformed part ends in ``ExchangeRefused`` with a reason, never a crash.

The XML-DSig ``edXML:Signature`` of the envelope is written and checked by
``exchange.xmldsig`` (parsing here skips it). The attached PDFs carry their
own signatures, which the receiving side validates.
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime, timedelta, timezone
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et
from lxml import etree

from exchange.codes import BUSSINESS_DOC_TYPES, STATUS_CODES
from exchange.errors import ExchangeRefused
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
    document_id,
    is_organ_id,
    parse_date,
    parse_document_id,
)

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
VIETNAM = timezone(timedelta(hours=7), "ICT")
MB = 1024 * 1024
DEFAULT_MAX_PACKAGE = 100 * MB
DEFAULT_MAX_ATTACHMENT = 50 * MB
DEFAULT_MAX_STATUS = 1 * MB

ORGAN_FIELDS = (
    ("OrganId", "organ_id"), ("OrganizationInCharge", "organization_in_charge"),
    ("OrganName", "organ_name"), ("OrganAdd", "organ_add"), ("Email", "email"),
    ("Telephone", "telephone"), ("Fax", "fax"), ("Website", "website"),
)
STAFF_FIELDS = (("Department", "department"), ("Staff", "staff"), ("Mobile", "mobile"), ("Email", "email"))


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


# ---------------------------------------------------------------- building

def build_package(message: DocumentMessage) -> bytes:
    """The edXML bytes of a document message, one package per call."""
    _check_document_id(message.header)
    root, header = _envelope()
    _build_message_header(header, message.header)
    _build_trace_header_list(header, message.trace_header_list)
    _build_manifest(root, message.attachments)
    encoded = _el(root, "AttachmentEncoded")
    for attachment in message.attachments:
        node = _el(encoded, "Attachment")
        _el(node, "ContentType", attachment.content_type)
        _el(node, "ContentId", attachment.content_id)
        _el(node, "Description", attachment.description)
        _el(node, "ContentTransferEncoded", base64.b64encode(attachment.data).decode("ascii"))
        _el(node, "AttachmentName", attachment.attachment_name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_status(status: StatusMessage) -> bytes:
    """The edXML bytes of a status (feedback) message."""
    if status.status_code not in STATUS_CODES:
        raise ExchangeRefused(
            f"Mã trạng thái không có trong danh mục: {status.status_code!r}",
            f"Unknown status code: {status.status_code!r}", "Status/StatusCode")
    root, header = _envelope()
    node = _el(header, "Status")
    _build_response_for(node, status.response_for)
    _build_organ(node, "From", status.from_organ)
    if status.staff_info is not None:
        _build_staff(node, status.staff_info)
    _el(node, "StatusCode", status.status_code)
    _el(node, "Description", status.description)
    _el(node, "Timestamp", _format_timestamp(status.timestamp))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _envelope() -> tuple[etree._Element, etree._Element]:
    """Root, envelope and header with the prefixes of DOMAIN §6.2; body added later."""
    root = etree.Element(_q("edXML"), nsmap={None: NS, "xlink": XLINK})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={"edXML": NS})
    header = _el(envelope, "edXMLHeader")
    return root, header


def _el(parent, name: str, text: str | None = None):
    node = etree.SubElement(parent, _q(name))
    if text:
        node.text = text
    return node


def _build_organ(parent, tag: str, organ: Organ) -> None:
    node = _el(parent, tag)
    for xml_name, attr in ORGAN_FIELDS:
        _el(node, xml_name, getattr(organ, attr))


def _build_staff(parent, staff: StaffInfo) -> None:
    node = _el(parent, "StaffInfo")
    for xml_name, attr in STAFF_FIELDS:
        _el(node, xml_name, getattr(staff, attr))


def _build_response_for(parent, response: ResponseFor) -> None:
    node = _el(parent, "ResponseFor")
    _el(node, "OrganId", response.organ_id)
    _el(node, "Code", response.code)
    _el(node, "PromulgationDate", _format_date(response.promulgation_date))
    _el(node, "DocumentId", response.document_id)


def _build_message_header(parent, header: MessageHeader) -> None:
    node = _el(parent, "MessageHeader")
    _build_organ(node, "From", header.from_organ)
    for organ in header.to:
        _build_organ(node, "To", organ)
    code = _el(node, "Code")
    _el(code, "CodeNumber", header.code.code_number)
    _el(code, "CodeNotation", header.code.code_notation)
    info = _el(node, "PromulgationInfo")
    _el(info, "Place", header.promulgation_info.place)
    _el(info, "PromulgationDate", _format_date(header.promulgation_info.promulgation_date))
    kind = _el(node, "DocumentType")
    _el(kind, "Type", header.document_type.type)
    _el(kind, "TypeName", header.document_type.type_name)
    if header.document_type.type_detail:
        _el(kind, "TypeDetail", header.document_type.type_detail)
    _el(node, "Subject", header.subject)
    _el(node, "Content", header.content)
    if header.signer_info is not None:
        signer = _el(node, "SignerInfo")
        _el(signer, "Competence", header.signer_info.competence)
        _el(signer, "Position", header.signer_info.position)
        _el(signer, "FullName", header.signer_info.full_name)
    if header.due_date is not None:
        _el(node, "DueDate", _format_date(header.due_date))
    places = _el(node, "ToPlaces")
    for place in header.to_places:
        _el(places, "Place", place)
    if header.other_info is not None:
        _build_other_info(node, header.other_info)
    for response in header.response_for:
        _build_response_for(node, response)
    if header.steering_type:
        _el(node, "SteeringType", header.steering_type)
    _el(node, "DocumentId", header.document_id)


def _build_other_info(parent, other: OtherInfo) -> None:
    node = _el(parent, "OtherInfo")
    _el(node, "Priority", other.priority)
    _el(node, "SphereOfPromulgation", other.sphere_of_promulgation)
    _el(node, "TyperNotation", other.typer_notation)
    if other.promulgation_amount is not None:
        _el(node, "PromulgationAmount", str(other.promulgation_amount))
    if other.page_amount is not None:
        _el(node, "PageAmount", str(other.page_amount))
    appendixes = _el(node, "Appendixes")
    for appendix in other.appendixes:
        _el(appendixes, "Appendix", appendix)


def _build_trace_header_list(parent, trace: TraceHeaderList) -> None:
    node = _el(parent, "TraceHeaderList")
    node.set("version", "1.0")
    node.set("mustUnderstand", "1")
    node.set("actor", "http://schemas.xmlsoap.org/soap/actor/next")
    for hop in trace.trace_headers:
        item = _el(node, "TraceHeader")
        _el(item, "OrganId", hop.organ_id)
        _el(item, "Timestamp", _format_timestamp(hop.timestamp))
    business = trace.bussiness
    item = _el(node, "Bussiness")
    _el(item, "BussinessDocType", business.bussiness_doc_type)
    _el(item, "BussinessDocReason", business.bussiness_doc_reason)
    _el(item, "DocumentId", business.document_id)
    for staff in business.staff_info:
        _build_staff(item, staff)
    _el(item, "Paper", "1" if business.paper else "0")
    replacements = _el(item, "ReplacementInfoList")
    for replacement in business.replacement_info_list:
        entry = _el(replacements, "ReplacementInfo")
        _el(entry, "DocumentId", replacement.document_id)
        organs = _el(entry, "OrganIdList")
        for organ_id in replacement.organ_ids:
            _el(organs, "OrganId", organ_id)


def _build_manifest(root, attachments: tuple[Attachment, ...]) -> None:
    envelope = root.find(_q("edXMLEnvelope"))
    manifest = _el(_el(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    for attachment in attachments:
        reference = _el(manifest, "Reference")
        reference.set(f"{{{XLINK}}}href", f"cid:{attachment.content_id}")
        _el(reference, "Description", attachment.description)
        _el(reference, "AttachmentName", attachment.attachment_name)
        _el(reference, "ContentType", attachment.content_type)
        _el(reference, "ContentId", attachment.content_id)


def _check_document_id(header: MessageHeader) -> None:
    """A DocumentId must be the one From, date and Code give (both when sending and receiving)."""
    expected = document_id(header.from_organ.organ_id, header.promulgation_info.promulgation_date,
                           header.code.code_number, header.code.code_notation)
    if header.document_id != expected:
        raise ExchangeRefused(
            f"DocumentId {header.document_id!r} không khớp với cơ quan gửi, ngày và số/ký hiệu "
            f"(phải là {expected!r})",
            f"DocumentId {header.document_id!r} does not match sender, date and number "
            f"(expected {expected!r})", "MessageHeader/DocumentId")


def _format_date(value: date) -> str:
    return f"{value:%Y/%m/%d}"


def _format_timestamp(value: datetime) -> str:
    """Vietnam time to the second; a naive value is taken as Vietnam time already."""
    if value.tzinfo is not None:
        value = value.astimezone(VIETNAM)
    return f"{value:%Y/%m/%d %H:%M:%S}"


# ----------------------------------------------------------------- parsing

def parse_package(data: bytes, *, max_package_bytes: int = DEFAULT_MAX_PACKAGE,
                  max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT) -> DocumentMessage:
    """The document message in ``data``, or ``ExchangeRefused`` saying what is wrong."""
    root = _parse_xml(data, max_package_bytes)
    header = _child(_child(root, "edXMLEnvelope", "edXMLEnvelope"), "edXMLHeader", "edXMLHeader")
    message_header = _parse_message_header(_child(header, "MessageHeader", "MessageHeader"))
    trace = header.find(_q("TraceHeaderList"))
    return DocumentMessage(
        header=message_header,
        trace_header_list=TraceHeaderList() if trace is None else _parse_trace_header_list(trace),
        attachments=_parse_attachments(root, max_attachment_bytes),
    )


def parse_status(data: bytes, *, max_bytes: int = DEFAULT_MAX_STATUS) -> StatusMessage:
    """The status message in ``data``, or ``ExchangeRefused`` saying what is wrong."""
    root = _parse_xml(data, max_bytes)
    header = _child(_child(root, "edXMLEnvelope", "edXMLEnvelope"), "edXMLHeader", "edXMLHeader")
    node = _child(header, "Status", "Status")
    code = _required(node, "StatusCode", "Status/StatusCode")
    if code not in STATUS_CODES:
        raise ExchangeRefused(f"Mã trạng thái không có trong danh mục: {code!r}",
                              f"Unknown status code: {code!r}", "Status/StatusCode")
    staff = node.find(_q("StaffInfo"))
    return StatusMessage(
        response_for=_parse_response_for(_child(node, "ResponseFor", "Status/ResponseFor"),
                                         "Status/ResponseFor"),
        from_organ=_parse_organ(_child(node, "From", "Status/From"), "Status/From"),
        status_code=code,
        timestamp=_parse_timestamp(_required(node, "Timestamp", "Status/Timestamp"), "Status/Timestamp"),
        description=_text(node, "Description"),
        staff_info=None if staff is None else _parse_staff(staff),
    )


def _parse_xml(data: bytes, limit: int) -> Element:
    """The root element, parsed only if small enough and free of any DOCTYPE."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("edXML is parsed from bytes")
    if len(data) > limit:
        raise ExchangeRefused(
            f"Gói tin quá lớn ({len(data)} byte, tối đa {limit} byte)",
            f"Package too large ({len(data)} bytes, limit {limit} bytes)", "edXML")
    try:
        root = safe_et.fromstring(bytes(data), forbid_dtd=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden,
            defusedxml.ExternalReferenceForbidden):
        raise ExchangeRefused(
            "Gói tin có khai báo DOCTYPE/thực thể (entity), không được chấp nhận",
            "Package declares a DOCTYPE or entities, which is not accepted", "edXML") from None
    except (ParseError, ValueError, LookupError) as error:
        raise ExchangeRefused(f"Gói tin không phải XML hợp lệ: {error}",
                              f"Package is not well-formed XML: {error}", "edXML") from None
    if root.tag != _q("edXML"):
        raise ExchangeRefused(
            f"Phần tử gốc phải là edXML trong không gian tên {NS}, nhận được {root.tag!r}",
            f"Root element must be edXML in namespace {NS}, got {root.tag!r}", "edXML")
    return root


def _child(parent: Element, name: str, path: str) -> Element:
    node = parent.find(_q(name))
    if node is None:
        raise _missing(path)
    return node


def _missing(path: str) -> ExchangeRefused:
    return ExchangeRefused(f"Thiếu trường bắt buộc {path}", f"Required field {path} is missing", path)


def _text(parent: Element, name: str) -> str:
    node = parent.find(_q(name))
    return "" if node is None or node.text is None else node.text


def _required(parent: Element, name: str, path: str, strip: bool = True) -> str:
    value = _text(parent, name)
    if not value.strip():
        raise _missing(path)
    return value.strip() if strip else value


def _optional_date(parent: Element, name: str, path: str) -> date | None:
    value = _text(parent, name).strip()
    return parse_date(value, path) if value else None


def _optional_int(parent: Element, name: str, path: str) -> int | None:
    value = _text(parent, name).strip()
    if not value:
        return None
    if not value.isdigit():
        raise ExchangeRefused(f"{path} phải là số nguyên không âm: {value!r}",
                              f"{path} must be a non-negative integer: {value!r}", path)
    return int(value)


def _parse_timestamp(value: str, path: str) -> datetime:
    if re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}", value):
        try:
            return datetime.strptime(value, "%Y/%m/%d %H:%M:%S").replace(tzinfo=VIETNAM)
        except ValueError:
            pass
    raise ExchangeRefused(f"Thời điểm không đúng dạng yyyy/MM/dd HH:mm:ss: {value!r}",
                          f"Timestamp is not a valid yyyy/MM/dd HH:mm:ss: {value!r}", path)


def _organ_id(value: str, path: str) -> str:
    if not is_organ_id(value):
        raise ExchangeRefused(f"Mã định danh cơ quan không hợp lệ: {value!r}",
                              f"Organ identifier is not valid: {value!r}", path)
    return value


def _parse_organ(node: Element, path: str) -> Organ:
    values = {attr: _text(node, xml_name) for xml_name, attr in ORGAN_FIELDS[1:]}
    organ_id = _organ_id(_required(node, "OrganId", f"{path}/OrganId"), f"{path}/OrganId")
    return Organ(organ_id=organ_id, **values)


def _parse_staff(node: Element) -> StaffInfo:
    return StaffInfo(**{attr: _text(node, xml_name) for xml_name, attr in STAFF_FIELDS})


def _parse_response_for(node: Element, path: str) -> ResponseFor:
    doc_id = _required(node, "DocumentId", f"{path}/DocumentId")
    parse_document_id(doc_id, f"{path}/DocumentId")
    return ResponseFor(
        organ_id=_organ_id(_required(node, "OrganId", f"{path}/OrganId"), f"{path}/OrganId"),
        code=_text(node, "Code").strip(),
        promulgation_date=parse_date(_required(node, "PromulgationDate", f"{path}/PromulgationDate"),
                                     f"{path}/PromulgationDate"),
        document_id=doc_id,
    )


def _parse_message_header(node: Element) -> MessageHeader:
    recipients = node.findall(_q("To"))
    if not recipients:
        raise _missing("MessageHeader/To")
    code = _child(node, "Code", "MessageHeader/Code")
    info = _child(node, "PromulgationInfo", "MessageHeader/PromulgationInfo")
    kind = _child(node, "DocumentType", "MessageHeader/DocumentType")
    signer = node.find(_q("SignerInfo"))
    places = node.find(_q("ToPlaces"))
    other = node.find(_q("OtherInfo"))
    path = "MessageHeader"
    header = MessageHeader(
        from_organ=_parse_organ(_child(node, "From", f"{path}/From"), f"{path}/From"),
        to=tuple(_parse_organ(item, f"{path}/To") for item in recipients),
        code=DocumentCode(_required(code, "CodeNumber", f"{path}/Code/CodeNumber"),
                          _required(code, "CodeNotation", f"{path}/Code/CodeNotation")),
        promulgation_info=PromulgationInfo(
            _text(info, "Place"),
            parse_date(_required(info, "PromulgationDate", f"{path}/PromulgationInfo/PromulgationDate"),
                       f"{path}/PromulgationInfo/PromulgationDate")),
        document_type=DocumentType(_required(kind, "Type", f"{path}/DocumentType/Type"),
                                   _text(kind, "TypeName"), _text(kind, "TypeDetail")),
        subject=_required(node, "Subject", f"{path}/Subject", strip=False),
        content=_text(node, "Content"),
        signer_info=None if signer is None else SignerInfo(
            _text(signer, "Competence"), _text(signer, "Position"), _text(signer, "FullName")),
        due_date=_optional_date(node, "DueDate", f"{path}/DueDate"),
        to_places=() if places is None else tuple(p.text or "" for p in places.findall(_q("Place"))),
        other_info=None if other is None else _parse_other_info(other),
        response_for=tuple(_parse_response_for(item, f"{path}/ResponseFor")
                           for item in node.findall(_q("ResponseFor"))),
        steering_type=_text(node, "SteeringType").strip(),
        document_id=_required(node, "DocumentId", f"{path}/DocumentId"),
    )
    parse_document_id(header.document_id, f"{path}/DocumentId")
    _check_document_id(header)
    return header


def _parse_other_info(node: Element) -> OtherInfo:
    path = "MessageHeader/OtherInfo"
    appendixes = node.find(_q("Appendixes"))
    return OtherInfo(
        priority=_text(node, "Priority").strip(),
        sphere_of_promulgation=_text(node, "SphereOfPromulgation"),
        typer_notation=_text(node, "TyperNotation"),
        promulgation_amount=_optional_int(node, "PromulgationAmount", f"{path}/PromulgationAmount"),
        page_amount=_optional_int(node, "PageAmount", f"{path}/PageAmount"),
        appendixes=() if appendixes is None else tuple(
            a.text or "" for a in appendixes.findall(_q("Appendix"))),
    )


def _parse_trace_header_list(node: Element) -> TraceHeaderList:
    path = "TraceHeaderList/TraceHeader"
    hops = tuple(
        TraceHeader(_organ_id(_required(hop, "OrganId", f"{path}/OrganId"), f"{path}/OrganId"),
                    _parse_timestamp(_required(hop, "Timestamp", f"{path}/Timestamp"), f"{path}/Timestamp"))
        for hop in node.findall(_q("TraceHeader")))
    business = node.find(_q("Bussiness"))
    return TraceHeaderList(hops, Bussiness() if business is None else _parse_bussiness(business))


def _parse_bussiness(node: Element) -> Bussiness:
    path = "TraceHeaderList/Bussiness"
    kind = _text(node, "BussinessDocType").strip() or "0"
    if kind not in BUSSINESS_DOC_TYPES:
        raise ExchangeRefused(f"BussinessDocType không có trong danh mục: {kind!r}",
                              f"Unknown BussinessDocType: {kind!r}", f"{path}/BussinessDocType")
    paper = _text(node, "Paper").strip() or "0"
    if paper not in ("0", "1"):
        raise ExchangeRefused(f"Paper phải là 0 hoặc 1: {paper!r}",
                              f"Paper must be 0 or 1: {paper!r}", f"{path}/Paper")
    doc_id = _text(node, "DocumentId").strip()
    if doc_id:
        parse_document_id(doc_id, f"{path}/DocumentId")
    replacements = node.find(_q("ReplacementInfoList"))
    return Bussiness(
        bussiness_doc_type=kind,
        bussiness_doc_reason=_text(node, "BussinessDocReason"),
        document_id=doc_id,
        staff_info=tuple(_parse_staff(item) for item in node.findall(_q("StaffInfo"))),
        paper=paper == "1",
        replacement_info_list=() if replacements is None else tuple(
            _parse_replacement(item) for item in replacements.findall(_q("ReplacementInfo"))),
    )


def _parse_replacement(node: Element) -> ReplacementInfo:
    path = "TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo"
    doc_id = _required(node, "DocumentId", f"{path}/DocumentId")
    parse_document_id(doc_id, f"{path}/DocumentId")
    organs = node.find(_q("OrganIdList"))
    return ReplacementInfo(doc_id, () if organs is None else tuple(
        _organ_id((o.text or "").strip(), f"{path}/OrganIdList/OrganId")
        for o in organs.findall(_q("OrganId"))))


def _manifest_ids(root: Element) -> list[str]:
    """The ContentIds the manifest announces (from ``xlink:href="cid:…"``, else ContentId)."""
    manifest = root.find(f"{_q('edXMLEnvelope')}/{_q('edXMLBody')}/{_q('edXMLManifest')}")
    ids = []
    for reference in [] if manifest is None else manifest.findall(_q("Reference")):
        href = (reference.get(f"{{{XLINK}}}href") or "").strip()
        content_id = href[4:] if href.startswith("cid:") else _text(reference, "ContentId").strip()
        if not content_id:
            raise _missing("edXMLManifest/Reference/ContentId")
        ids.append(content_id)
    return ids


def _parse_attachments(root: Element, limit: int) -> tuple[Attachment, ...]:
    """The attachments, refused unless they match the manifest one to one."""
    encoded = root.find(_q("AttachmentEncoded"))
    nodes = [] if encoded is None else encoded.findall(_q("Attachment"))
    path = "AttachmentEncoded/Attachment"
    attachments = tuple(
        Attachment(
            content_id=_required(node, "ContentId", f"{path}/ContentId"),
            attachment_name=_text(node, "AttachmentName"),
            content_type=_text(node, "ContentType").strip(),
            data=_decode(node, limit),
            description=_text(node, "Description"),
        ) for node in nodes)
    _check_manifest(_manifest_ids(root), [a.content_id for a in attachments])
    return attachments


def _check_manifest(listed: list[str], carried: list[str]) -> None:
    for ids, where in ((listed, "edXMLManifest"), (carried, "AttachmentEncoded")):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ExchangeRefused(f"ContentId lặp lại trong {where}: {', '.join(duplicates)}",
                                  f"Duplicate ContentId in {where}: {', '.join(duplicates)}", where)
    absent = sorted(set(listed) - set(carried))
    if absent:
        raise ExchangeRefused(
            f"Tệp đính kèm có trong danh mục nhưng không có trong gói: {', '.join(absent)}",
            f"Attachments listed in the manifest but absent: {', '.join(absent)}", "AttachmentEncoded")
    unlisted = sorted(set(carried) - set(listed))
    if unlisted:
        raise ExchangeRefused(
            f"Tệp đính kèm không có trong danh mục (manifest): {', '.join(unlisted)}",
            f"Attachments not listed in the manifest: {', '.join(unlisted)}", "edXMLManifest")


def _decode(node: Element, limit: int) -> bytes:
    """The attachment's bytes; size is checked before decoding so a huge one costs nothing."""
    path = "AttachmentEncoded/Attachment/ContentTransferEncoded"
    name = _text(node, "AttachmentName") or _text(node, "ContentId")
    text = "".join(_text(node, "ContentTransferEncoded").split())
    if len(text) * 3 // 4 - text[-2:].count("=") > limit:
        raise ExchangeRefused(
            f"Tệp đính kèm {name} quá lớn (tối đa {limit} byte)",
            f"Attachment {name} too large (limit {limit} bytes)", path)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ExchangeRefused(f"Tệp đính kèm {name} không phải base64 hợp lệ",
                              f"Attachment {name} is not valid base64", path) from None
    if len(data) > limit:
        raise ExchangeRefused(f"Tệp đính kèm {name} quá lớn (tối đa {limit} byte)",
                              f"Attachment {name} too large (limit {limit} bytes)", path)
    return data
