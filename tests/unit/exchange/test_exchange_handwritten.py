"""edXML written by hand from DOMAIN §6.2 (not by our builder) parses as expected."""
from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

from exchange.edxml import parse_package, parse_status

PDF = b"%PDF-1.4\n% signed original\n\x00\xff\xfe"
APPENDIX = "Phụ lục kèm theo".encode()

# Indented like an SDK's output, default namespace on the root and the
# edXML prefix from the envelope down, exactly as in DOMAIN §6.2.
HANDWRITTEN = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" xmlns:xlink="http://www.w3.org/1999/xlink">
 <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
   <edXML:MessageHeader>
    <edXML:From>
     <edXML:OrganId>000.00.04.G14</edXML:OrganId>
     <edXML:OrganizationInCharge>Chính phủ</edXML:OrganizationInCharge>
     <edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName>
     <edXML:OrganAdd>Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội</edXML:OrganAdd>
     <edXML:Email>vpcp@chinhphu.vn</edXML:Email>
     <edXML:Telephone>02438258261</edXML:Telephone>
     <edXML:Fax></edXML:Fax>
     <edXML:Website>vpcp.chinhphu.vn</edXML:Website>
    </edXML:From>
    <edXML:To>
     <edXML:OrganId>000.00.00.H29</edXML:OrganId>
     <edXML:OrganName>UBND Thành phố Hồ Chí Minh</edXML:OrganName>
    </edXML:To>
    <edXML:To>
     <edXML:OrganId>000.00.00.H30</edXML:OrganId>
     <edXML:OrganName>UBND tỉnh Hậu Giang</edXML:OrganName>
    </edXML:To>
    <edXML:Code>
     <edXML:CodeNumber>267</edXML:CodeNumber>
     <edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation>
    </edXML:Code>
    <edXML:PromulgationInfo>
     <edXML:Place>Hà Nội</edXML:Place>
     <edXML:PromulgationDate>2012/08/06</edXML:PromulgationDate>
    </edXML:PromulgationInfo>
    <edXML:DocumentType>
     <edXML:Type>18</edXML:Type>
     <edXML:TypeName>Công văn</edXML:TypeName>
    </edXML:DocumentType>
    <edXML:Subject>V/v kết nối trục liên thông văn bản</edXML:Subject>
    <edXML:Content>Nội dung tóm tắt</edXML:Content>
    <edXML:SignerInfo>
     <edXML:Competence>KT. Bộ trưởng, Chủ nhiệm</edXML:Competence>
     <edXML:Position>Phó Chủ nhiệm</edXML:Position>
     <edXML:FullName>Nguyễn Văn A</edXML:FullName>
    </edXML:SignerInfo>
    <edXML:DueDate>2012/08/31</edXML:DueDate>
    <edXML:ToPlaces>
     <edXML:Place>Như trên;</edXML:Place>
     <edXML:Place>Lưu: VT, TTĐT.</edXML:Place>
    </edXML:ToPlaces>
    <edXML:OtherInfo>
     <edXML:Priority>2</edXML:Priority>
     <edXML:SphereOfPromulgation>Liên thông</edXML:SphereOfPromulgation>
     <edXML:TyperNotation>TVC</edXML:TyperNotation>
     <edXML:PromulgationAmount>10</edXML:PromulgationAmount>
     <edXML:PageAmount>2</edXML:PageAmount>
     <edXML:Appendixes><edXML:Appendix>Phụ lục 1</edXML:Appendix></edXML:Appendixes>
    </edXML:OtherInfo>
    <edXML:ResponseFor>
     <edXML:OrganId>000.00.00.H29</edXML:OrganId>
     <edXML:Code>120/UBND-VX</edXML:Code>
     <edXML:PromulgationDate>2012/07/30</edXML:PromulgationDate>
     <edXML:DocumentId>000.00.00.H29,2012/07/30,120/UBND-VX</edXML:DocumentId>
    </edXML:ResponseFor>
    <edXML:SteeringType>0</edXML:SteeringType>
    <edXML:DocumentId>000.00.04.G14,2012/08/06,267/VPCP-TTĐT</edXML:DocumentId>
   </edXML:MessageHeader>
   <edXML:TraceHeaderList id="trace-1" version="1.0" mustUnderstand="1" actor="http://schemas.xmlsoap.org/soap/actor/next">
    <edXML:TraceHeader>
     <edXML:OrganId>000.00.04.G14</edXML:OrganId>
     <edXML:Timestamp>2012/08/06 16:45:00</edXML:Timestamp>
    </edXML:TraceHeader>
    <edXML:Bussiness>
     <edXML:BussinessDocType>0</edXML:BussinessDocType>
     <edXML:BussinessDocReason>Văn bản mới</edXML:BussinessDocReason>
     <edXML:DocumentId>000.00.04.G14,2012/08/06,267/VPCP-TTĐT</edXML:DocumentId>
     <edXML:StaffInfo>
      <edXML:Department>Văn thư</edXML:Department>
      <edXML:Staff>Trần Văn Thư</edXML:Staff>
      <edXML:Mobile>0900000000</edXML:Mobile>
      <edXML:Email>vanthu@chinhphu.vn</edXML:Email>
     </edXML:StaffInfo>
     <edXML:Paper>1</edXML:Paper>
    </edXML:Bussiness>
   </edXML:TraceHeaderList>
   <edXML:Signature>
    <edXML:SignedInfo><edXML:SignatureMethod>rsa-sha256</edXML:SignatureMethod></edXML:SignedInfo>
    <edXML:SignatureValue>AAAA</edXML:SignatureValue>
   </edXML:Signature>
  </edXML:edXMLHeader>
  <edXML:edXMLBody>
   <edXML:edXMLManifest version="1.0">
    <edXML:Reference xlink:href="cid:0b6d3c1a-aaaa">
     <edXML:Description>Văn bản</edXML:Description>
     <edXML:AttachmentName>267.pdf</edXML:AttachmentName>
     <edXML:ContentType>application/pdf</edXML:ContentType>
     <edXML:ContentId>0b6d3c1a-aaaa</edXML:ContentId>
    </edXML:Reference>
    <edXML:Reference xlink:href="cid:0b6d3c1a-bbbb">
     <edXML:AttachmentName>phu-luc.txt</edXML:AttachmentName>
     <edXML:ContentType>text/plain</edXML:ContentType>
     <edXML:ContentId>0b6d3c1a-bbbb</edXML:ContentId>
    </edXML:Reference>
   </edXML:edXMLManifest>
  </edXML:edXMLBody>
 </edXML:edXMLEnvelope>
 <AttachmentEncoded>
  <Attachment>
   <ContentType>application/pdf</ContentType>
   <ContentId>0b6d3c1a-aaaa</ContentId>
   <Description>Văn bản</Description>
   <ContentTransferEncoded>
{base64.encodebytes(PDF).decode()}
   </ContentTransferEncoded>
   <AttachmentName>267.pdf</AttachmentName>
  </Attachment>
  <Attachment>
   <ContentType>text/plain</ContentType>
   <ContentId>0b6d3c1a-bbbb</ContentId>
   <ContentTransferEncoded>{base64.b64encode(APPENDIX).decode()}</ContentTransferEncoded>
   <AttachmentName>phu-luc.txt</AttachmentName>
  </Attachment>
 </AttachmentEncoded>
</edXML>
""".encode()


def test_handwritten_package_header():
    header = parse_package(HANDWRITTEN).header
    assert header.from_organ.organ_id == "000.00.04.G14"
    assert header.from_organ.organ_name == "Văn phòng Chính phủ"
    assert header.from_organ.fax == ""
    assert [o.organ_id for o in header.to] == ["000.00.00.H29", "000.00.00.H30"]
    assert str(header.code) == "267/VPCP-TTĐT"
    assert header.promulgation_info.place == "Hà Nội"
    assert header.promulgation_info.promulgation_date == date(2012, 8, 6)
    assert (header.document_type.type, header.document_type.type_name) == ("18", "Công văn")
    assert header.subject == "V/v kết nối trục liên thông văn bản"
    assert header.signer_info.competence == "KT. Bộ trưởng, Chủ nhiệm"
    assert header.signer_info.full_name == "Nguyễn Văn A"
    assert header.due_date == date(2012, 8, 31)
    assert header.to_places == ("Như trên;", "Lưu: VT, TTĐT.")
    other = header.other_info
    assert (other.priority, other.promulgation_amount, other.page_amount) == ("2", 10, 2)
    assert other.appendixes == ("Phụ lục 1",)
    assert header.response_for[0].document_id == "000.00.00.H29,2012/07/30,120/UBND-VX"
    assert header.response_for[0].promulgation_date == date(2012, 7, 30)
    assert header.steering_type == "0"
    assert header.document_id == "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"


def test_handwritten_package_trace_and_business():
    trace = parse_package(HANDWRITTEN).trace_header_list
    hop = trace.trace_headers[0]
    assert hop.organ_id == "000.00.04.G14"
    assert hop.timestamp == datetime(2012, 8, 6, 9, 45, tzinfo=UTC)
    assert hop.timestamp.utcoffset() == timedelta(hours=7)
    business = trace.bussiness
    assert business.bussiness_doc_type == "0"
    assert business.paper is True
    assert business.staff_info[0].staff == "Trần Văn Thư"
    assert business.replacement_info_list == ()


def test_handwritten_package_attachments_decode_line_wrapped_base64():
    attachments = parse_package(HANDWRITTEN).attachments
    assert [(a.content_id, a.attachment_name, a.content_type) for a in attachments] == [
        ("0b6d3c1a-aaaa", "267.pdf", "application/pdf"),
        ("0b6d3c1a-bbbb", "phu-luc.txt", "text/plain")]
    assert attachments[0].data == PDF
    assert attachments[0].description == "Văn bản"
    assert attachments[1].data.decode("utf-8") == "Phụ lục kèm theo"


def test_handwritten_status_message():
    status = parse_status("""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
 <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLHeader>
   <edXML:Status>
    <edXML:ResponseFor>
     <edXML:OrganId>000.00.04.G14</edXML:OrganId>
     <edXML:Code>267/VPCP-TTĐT</edXML:Code>
     <edXML:PromulgationDate>2012/08/06</edXML:PromulgationDate>
     <edXML:DocumentId>000.00.04.G14,2012/08/06,267/VPCP-TTĐT</edXML:DocumentId>
    </edXML:ResponseFor>
    <edXML:From>
     <edXML:OrganId>000.00.00.H29</edXML:OrganId>
     <edXML:OrganName>UBND Thành phố Hồ Chí Minh</edXML:OrganName>
    </edXML:From>
    <edXML:StaffInfo>
     <edXML:Department>Văn phòng</edXML:Department>
     <edXML:Staff>Phạm Thị Dung</edXML:Staff>
    </edXML:StaffInfo>
    <edXML:StatusCode>02</edXML:StatusCode>
    <edXML:Description>Gửi nhầm cơ quan</edXML:Description>
    <edXML:Timestamp>2012/08/07 08:30:00</edXML:Timestamp>
   </edXML:Status>
  </edXML:edXMLHeader>
  <edXML:edXMLBody/>
 </edXML:edXMLEnvelope>
</edXML>""".encode())
    assert status.status_code == "02"
    assert status.description == "Gửi nhầm cơ quan"
    assert status.response_for.document_id == "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"
    assert status.from_organ.organ_name == "UBND Thành phố Hồ Chí Minh"
    assert status.staff_info.staff == "Phạm Thị Dung" and status.staff_info.mobile == ""
    assert status.timestamp == datetime(2012, 8, 7, 1, 30, tzinfo=UTC)
