"""parse(build(x)) == x for document and status messages (issue 7, point 1)."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from lxml import etree

from exchange.codes import STATUS_CODES
from exchange.edxml import NS, build_package, build_status, parse_package, parse_status
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
)

VIETNAM = timezone(timedelta(hours=7))
SENDER = Organ("000.00.04.G14", "Văn phòng Chính phủ", "Bộ trưởng, Chủ nhiệm",
               "Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội", "vpcp@chinhphu.vn", "024.38258261",
               "024.38232011", "https://vpcp.chinhphu.vn")


def rich_message() -> DocumentMessage:
    header = MessageHeader(
        from_organ=SENDER,
        to=(Organ("000.00.00.H29", "UBND Thành phố Hồ Chí Minh"),
            Organ("000.00.00.H30", "UBND tỉnh Hậu Giang", email="vanthu@haugiang.gov.vn"),
            Organ("000.00.25.G14", "Cục Kiểm soát thủ tục hành chính")),
        code=DocumentCode("267", "VPCP-TTĐT"),
        promulgation_info=PromulgationInfo("Hà Nội", date(2012, 8, 6)),
        document_type=DocumentType("18", "Công văn", "Công văn hành chính"),
        subject="V/v triển khai trục liên thông văn bản quốc gia; đảm bảo “an toàn” & <đúng hạn>",
        content="Đề nghị các cơ quan, đơn vị khẩn trương thực hiện.\nTrân trọng.",
        signer_info=SignerInfo("KT. BỘ TRƯỞNG, CHỦ NHIỆM", "Phó Chủ nhiệm", "Nguyễn Văn Ấn"),
        due_date=date(2012, 8, 20),
        to_places=("Như trên;", "Lưu: VT, TTĐT (3b)."),
        other_info=OtherInfo("1", "Toàn quốc", "NVA", 5, 3, ("Phụ lục I", "Phụ lục II")),
        response_for=(
            ResponseFor("000.00.00.H29", "120/UBND-VX", date(2012, 7, 30),
                        "000.00.00.H29,2012/07/30,120/UBND-VX"),
            ResponseFor("000.00.00.H30", "08/BC-UBND", date(2012, 7, 2),
                        "000.00.00.H30,2012/07/02,08/BC-UBND"),
        ),
        steering_type="1",
    )
    trace = TraceHeaderList(
        trace_headers=(TraceHeader("000.00.04.G14", datetime(2012, 8, 6, 9, 15, 30, tzinfo=VIETNAM)),
                       TraceHeader("000.00.00.H29", datetime(2012, 8, 6, 2, 16, 1, tzinfo=UTC))),
        bussiness=Bussiness(
            "3", "Thay thế do sai sót về thể thức", "000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
            (StaffInfo("Phòng Hành chính", "Trần Thị Bình", "0912345678", "binh@vpcp.gov.vn"),
             StaffInfo("Văn thư", "Lê Văn Cường")),
            True,
            (ReplacementInfo("000.00.04.G14,2012/08/01,250/VPCP-TTĐT", ("000.00.00.H29", "000.00.00.H30")),)),
    )
    attachments = (
        Attachment("3f2a9c1e-1", "267-VPCP-TTĐT.pdf", "application/pdf",
                   b"%PDF-1.7\n" + bytes(range(256)) * 40, "Văn bản chính (đã ký số)"),
        Attachment("3f2a9c1e-2", "Phụ lục I.docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   os.urandom(5000), "Phụ lục"),
        Attachment("3f2a9c1e-3", "trống.txt", "text/plain", b""),
    )
    return DocumentMessage(header, trace, attachments)


def minimal_message() -> DocumentMessage:
    return DocumentMessage(MessageHeader(
        from_organ=Organ("000.00.00.H55"),
        to=(Organ("000.00.00.H38"),),
        code=DocumentCode("05", "UBND-VP"),
        promulgation_info=PromulgationInfo("", date(2026, 1, 5)),
        document_type=DocumentType("18"),
        subject="V/v báo cáo",
    ))


@pytest.mark.parametrize("make", [rich_message, minimal_message])
def test_document_round_trip(make):
    message = make()
    assert parse_package(build_package(message)) == message


def test_document_id_is_derived_from_sender_date_and_code():
    assert rich_message().header.document_id == "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"
    assert minimal_message().header.document_id == "000.00.00.H55,2026/01/05,05/UBND-VP"


def test_package_uses_the_namespace_and_prefixes_of_the_standard():
    package = build_package(rich_message())
    root = etree.fromstring(package)
    assert root.tag == f"{{{NS}}}edXML" and root.prefix is None
    envelope = root[0]
    assert envelope.tag == f"{{{NS}}}edXMLEnvelope" and envelope.prefix == "edXML"
    assert b"<edXML:MessageHeader>" in package
    assert b'xlink:href="cid:3f2a9c1e-1"' in package
    assert root.find(f"{{{NS}}}AttachmentEncoded").prefix is None


def test_dates_and_timestamps_travel_in_vietnam_time():
    package = build_package(rich_message()).decode()
    assert "<edXML:PromulgationDate>2012/08/06</edXML:PromulgationDate>" in package
    assert "<edXML:DueDate>2012/08/20</edXML:DueDate>" in package
    # 02:16:01 UTC is 09:16:01 in Hà Nội
    assert "<edXML:Timestamp>2012/08/06 09:16:01</edXML:Timestamp>" in package
    hop = parse_package(package.encode()).trace_header_list.trace_headers[1]
    assert hop.timestamp.utcoffset() == timedelta(hours=7)


def test_attachment_bytes_survive_exactly():
    message = rich_message()
    parsed = parse_package(build_package(message))
    assert [a.data for a in parsed.attachments] == [a.data for a in message.attachments]
    assert [a.content_id for a in parsed.attachments] == ["3f2a9c1e-1", "3f2a9c1e-2", "3f2a9c1e-3"]


@pytest.mark.parametrize("code", STATUS_CODES.codes())
def test_status_round_trip_for_every_code(code):
    status = StatusMessage(
        response_for=ResponseFor("000.00.04.G14", "267/VPCP-TTĐT", date(2012, 8, 6),
                                 "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"),
        from_organ=Organ("000.00.00.H29", "UBND Thành phố Hồ Chí Minh"),
        status_code=code,
        timestamp=datetime(2012, 8, 6, 14, 0, 5, tzinfo=VIETNAM),
        description=f"Trạng thái {STATUS_CODES[code].vi}",
        staff_info=StaffInfo("Văn phòng", "Phạm Thị Dung", "0987654321", "dung@tphcm.gov.vn"),
    )
    package = build_status(status)
    assert f"<edXML:StatusCode>{code}</edXML:StatusCode>".encode() in package
    assert parse_status(package) == status


def test_status_without_staff_or_description_round_trips():
    status = StatusMessage(
        ResponseFor("000.00.00.H55", "05/UBND-VP", date(2026, 1, 5), "000.00.00.H55,2026/01/05,05/UBND-VP"),
        Organ("000.00.00.H38"), "01", datetime(2026, 1, 5, 8, 0, 0, tzinfo=VIETNAM))
    assert parse_status(build_status(status)) == status
