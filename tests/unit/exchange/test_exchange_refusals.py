"""Hostile or malformed edXML is refused with a clear reason, never a crash."""
from __future__ import annotations

import base64
import random
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from archive.errors import InvalidInput
from exchange.edxml import build_package, build_status, parse_package, parse_status
from exchange.errors import ExchangeRefused
from exchange.model import (
    Attachment,
    DocumentCode,
    DocumentMessage,
    DocumentType,
    MessageHeader,
    Organ,
    PromulgationInfo,
    ResponseFor,
    StatusMessage,
)

VIETNAM = timezone(timedelta(hours=7))


def package(data: bytes = b"%PDF-1.7 original", **header) -> str:
    """A valid package as text, for the tests to spoil one thing at a time."""
    fields = {
        "from_organ": Organ("000.00.00.H55", "UBND tỉnh Thái Nguyên"),
        "to": (Organ("000.00.00.H38"),),
        "code": DocumentCode("05", "UBND-VP"),
        "promulgation_info": PromulgationInfo("Thái Nguyên", date(2026, 1, 5)),
        "document_type": DocumentType("18", "Công văn"),
        "subject": "V/v báo cáo",
        "due_date": date(2026, 1, 20),
    }
    fields.update(header)
    message = DocumentMessage(MessageHeader(**fields), attachments=(
        Attachment("cid-1", "05-UBND-VP.pdf", "application/pdf", data),))
    return build_package(message).decode("utf-8")


def refused(data: str | bytes, **limits) -> ExchangeRefused:
    with pytest.raises(ExchangeRefused) as caught:
        parse_package(data.encode("utf-8") if isinstance(data, str) else data, **limits)
    return caught.value


def test_the_base_package_is_valid():
    assert parse_package(package().encode()).header.subject == "V/v báo cáo"


def test_refusal_is_an_invalid_input_with_both_languages():
    error = refused(b"not xml")
    assert isinstance(error, InvalidInput)
    assert error.reason.vi.startswith("Gói tin không phải XML hợp lệ")
    assert error.reason.en.startswith("Package is not well-formed XML")
    assert error.fields == {"edXML": error.reason}


@pytest.mark.parametrize("data", [b"", b"not xml", b"%PDF-1.7\n\x00\xff", b"<edXML><unclosed></edXML>",
                                  b'{"edXML": true}'])
def test_not_xml_at_all(data):
    error = refused(data)
    assert "not well-formed XML" in error.reason.en and error.field == "edXML"


def test_billion_laughs_is_refused_before_any_expansion():
    lols = "".join(f"<!ENTITY lol{i} \"{f'&lol{i - 1};' * 10}\">" for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY lol0 "lol">{lols}]>'
            '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>')
    error = refused(bomb)
    assert "DOCTYPE" in error.reason.en and "DOCTYPE" in error.reason.vi


def test_external_entity_reading_etc_passwd_is_refused():
    xxe = package().replace(
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    ).replace("V/v báo cáo", "&xxe;")
    error = refused(xxe)
    assert "DOCTYPE" in error.reason.en
    assert "root:" not in str(error)


def test_external_dtd_is_refused():
    error = refused(package().replace(
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<?xml version="1.0"?><!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/evil.dtd">'))
    assert "DOCTYPE" in error.reason.en


def test_oversized_package_is_refused_before_parsing():
    data = package().encode()
    error = refused(data, max_package_bytes=len(data) - 1)
    assert "too large" in error.reason.en and "quá lớn" in error.reason.vi
    assert parse_package(data, max_package_bytes=len(data))


def test_default_package_limit_is_100_mb():
    error = refused(b" " * (100 * 1024 * 1024 + 1))
    assert "limit 104857600 bytes" in error.reason.en


def test_oversized_attachment_is_refused():
    data = package(data=b"x" * 1000).encode()
    error = refused(data, max_attachment_bytes=999)
    assert "Attachment 05-UBND-VP.pdf too large" in error.reason.en
    assert error.field == "AttachmentEncoded/Attachment/ContentTransferEncoded"
    assert parse_package(data, max_attachment_bytes=1000).attachments[0].data == b"x" * 1000


@pytest.mark.parametrize("encoded", ["@@@not base64@@@", "AAE", "QUJD=RA==", "ÀÁÂ"])
def test_bad_base64_is_refused(encoded):
    good = base64.b64encode(b"%PDF-1.7 original").decode()
    error = refused(package().replace(good, encoded))
    assert error.reason.en == "Attachment 05-UBND-VP.pdf is not valid base64"


def _without(text: str, element: str) -> str:
    spoiled, count = re.subn(rf"<edXML:{element}(?: [^>]*)?>.*?</edXML:{element}>", "", text, count=1, flags=re.DOTALL)
    assert count == 1
    return spoiled


@pytest.mark.parametrize("element, field", [
    ("From", "MessageHeader/From"),
    ("To", "MessageHeader/To"),
    ("Code", "MessageHeader/Code"),
    ("CodeNumber", "MessageHeader/Code/CodeNumber"),
    ("CodeNotation", "MessageHeader/Code/CodeNotation"),
    ("PromulgationDate", "MessageHeader/PromulgationInfo/PromulgationDate"),
    ("DocumentType", "MessageHeader/DocumentType"),
    ("Subject", "MessageHeader/Subject"),
    ("DocumentId", "MessageHeader/DocumentId"),
    ("MessageHeader", "MessageHeader"),
    ("edXMLHeader", "edXMLHeader"),
])
def test_missing_required_field(element, field):
    error = refused(_without(package(), element))
    assert error.field == field
    assert error.reason.en == f"Required field {field} is missing"
    assert error.reason.vi == f"Thiếu trường bắt buộc {field}"


def test_blank_organ_id_is_missing():
    error = refused(package().replace("<edXML:OrganId>000.00.00.H38</edXML:OrganId>",
                                      "<edXML:OrganId>  </edXML:OrganId>"))
    assert error.field == "MessageHeader/To/OrganId"


def test_invalid_organ_id_is_refused():
    text = package().replace("000.00.00.H38", "abc.def!")
    error = refused(text)
    assert error.field == "MessageHeader/To/OrganId" and "abc.def!" in error.reason.en


@pytest.mark.parametrize("element, value", [
    ("PromulgationDate", "05/01/2026"), ("PromulgationDate", "2026/13/01"),
    ("PromulgationDate", "2026/02/30"), ("PromulgationDate", "2026-01-05"),
    ("DueDate", "2026/1/20"), ("DueDate", "ngày 20"),
])
def test_malformed_dates_are_refused(element, value):
    text = re.sub(rf"<edXML:{element}>[^<]*<", f"<edXML:{element}>{value}<", package(), count=1)
    error = refused(text)
    assert error.reason.en == f"Date is not a valid yyyy/MM/dd: {value!r}"
    assert error.field.endswith(element)


@pytest.mark.parametrize("value", ["2026/01/05", "2026/01/05 25:00:00", "2026/01/05T08:00:00"])
def test_malformed_timestamp_is_refused(value):
    hop = (f"<edXML:TraceHeader><edXML:OrganId>000.00.00.H55</edXML:OrganId>"
           f"<edXML:Timestamp>{value}</edXML:Timestamp></edXML:TraceHeader>")
    text = package().replace("<edXML:Bussiness>", hop + "<edXML:Bussiness>")
    error = refused(text)
    assert error.field == "TraceHeaderList/TraceHeader/Timestamp"
    assert "yyyy/MM/dd HH:mm:ss" in error.reason.en


@pytest.mark.parametrize("wrong", [
    "000.00.00.H38,2026/01/05,05/UBND-VP",   # another sender
    "000.00.00.H55,2026/01/06,05/UBND-VP",   # another date
    "000.00.00.H55,2026/01/05,06/UBND-VP",   # another number
    "000.00.00.H55,2026/01/05,05/UBND-TC",   # another notation
])
def test_document_id_not_matching_header_is_refused(wrong):
    text = package().replace("000.00.00.H55,2026/01/05,05/UBND-VP", wrong)
    error = refused(text)
    assert error.field == "MessageHeader/DocumentId"
    assert "does not match" in error.reason.en
    assert "000.00.00.H55,2026/01/05,05/UBND-VP" in error.reason.en


def test_malformed_document_id_is_refused():
    error = refused(package().replace("000.00.00.H55,2026/01/05,05/UBND-VP", "05/UBND-VP"))
    assert error.field == "MessageHeader/DocumentId"
    assert "OrganId,yyyy/MM/dd,number/notation" in error.reason.en


def test_building_an_inconsistent_document_id_is_refused():
    with pytest.raises(ExchangeRefused) as caught:
        package(document_id="000.00.00.H55,2026/01/05,99/UBND-VP")
    assert caught.value.field == "MessageHeader/DocumentId"


def test_attachment_listed_in_manifest_but_absent():
    text = re.sub(r"<AttachmentEncoded>.*</AttachmentEncoded>", "<AttachmentEncoded/>", package(), flags=re.DOTALL)
    error = refused(text)
    assert error.reason.en == "Attachments listed in the manifest but absent: cid-1"
    assert error.field == "AttachmentEncoded"


def test_attachment_not_listed_in_manifest():
    error = refused(_without(package(), "Reference"))
    assert error.reason.en == "Attachments not listed in the manifest: cid-1"
    assert error.field == "edXMLManifest"


def test_attachment_whose_content_id_differs_from_manifest():
    text = package().replace("<ContentId>cid-1</ContentId>", "<ContentId>cid-2</ContentId>")
    error = refused(text)
    assert error.reason.en == "Attachments listed in the manifest but absent: cid-1"


def test_duplicate_attachment_is_refused():
    text = re.sub(r"(<Attachment>.*</Attachment>)", r"\1\1", package(), flags=re.DOTALL)
    error = refused(text)
    assert error.reason.en == "Duplicate ContentId in AttachmentEncoded: cid-1"


@pytest.mark.parametrize("namespace", ["http://www.go.vn/eDoc", ""])
def test_wrong_namespace_is_refused(namespace):
    text = package().replace('xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"',
                             f'xmlns="{namespace}"' if namespace else "")
    error = refused(text)
    assert "namespace http://www.mic.gov.vn/TBT/QCVN_102_2016" in error.reason.en
    assert error.field == "edXML"


def test_other_root_element_is_refused():
    error = refused(b'<Envelope xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>')
    assert "Root element must be edXML" in error.reason.en


@pytest.mark.parametrize("old, new, field", [
    ("<edXML:BussinessDocType>0<", "<edXML:BussinessDocType>9<", "TraceHeaderList/Bussiness/BussinessDocType"),
    ("<edXML:Paper>0<", "<edXML:Paper>có<", "TraceHeaderList/Bussiness/Paper"),
])
def test_unknown_codes_are_refused(old, new, field):
    error = refused(package().replace(old, new))
    assert error.field == field


def test_non_numeric_page_amount_is_refused():
    text = package().replace("<edXML:DueDate>", "<edXML:OtherInfo><edXML:PageAmount>hai</edXML:PageAmount>"
                             "</edXML:OtherInfo><edXML:DueDate>")
    error = refused(text)
    assert error.field == "MessageHeader/OtherInfo/PageAmount"


def _status(code: str = "03") -> str:
    return build_status(StatusMessage(
        ResponseFor("000.00.00.H55", "05/UBND-VP", date(2026, 1, 5), "000.00.00.H55,2026/01/05,05/UBND-VP"),
        Organ("000.00.00.H38"), code, datetime(2026, 1, 5, 8, 0, tzinfo=VIETNAM))).decode()


def _refused_status(text: str, **limits) -> ExchangeRefused:
    with pytest.raises(ExchangeRefused) as caught:
        parse_status(text.encode(), **limits)
    return caught.value


def test_status_with_unknown_code_is_refused():
    error = _refused_status(_status().replace("<edXML:StatusCode>03<", "<edXML:StatusCode>07<"))
    assert error.field == "Status/StatusCode" and "'07'" in error.reason.en


def test_building_a_status_with_unknown_code_is_refused():
    with pytest.raises(ExchangeRefused):
        _status("99")


@pytest.mark.parametrize("element, field", [
    ("StatusCode", "Status/StatusCode"), ("Timestamp", "Status/Timestamp"),
    ("ResponseFor", "Status/ResponseFor"), ("From", "Status/From"), ("Status", "Status"),
])
def test_status_missing_field(element, field):
    error = _refused_status(_without(_status(), element))
    assert error.field == field and "missing" in error.reason.en


def test_status_hostile_or_oversized():
    assert "DOCTYPE" in _refused_status(
        '<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><edXML>&x;</edXML>').reason.en
    assert "too large" in _refused_status(_status(), max_bytes=100).reason.en
    assert "namespace" in _refused_status(_status().replace("QCVN_102_2016", "eDoc")).reason.en


def test_unknown_encoding_is_refused():
    error = refused(b'<?xml version="1.0" encoding="foo"?><edXML/>')
    assert "not well-formed XML" in error.reason.en


def test_random_damage_never_crashes():
    """3000 seeded mutations of a valid package: each parses or is refused, nothing else."""
    base = package().encode()
    rnd = random.Random(20261122)
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(3000):
        data = bytearray(base)
        where = rnd.randrange(len(data))
        kind = rnd.randrange(4)
        if kind == 0:
            data = data[:where]
        elif kind == 1:
            data[where] = rnd.randrange(256)
        elif kind == 2:
            del data[where:where + rnd.randrange(1, 40)]
        else:
            data[where:where] = bytes(rnd.choice(b"<>&;/=\"' \x00aZ") for _ in range(3))
        try:
            parse_package(bytes(data))
            outcomes["parsed"] += 1
        except ExchangeRefused:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 1000 and sum(outcomes.values()) == 3000
