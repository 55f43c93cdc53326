"""Printing the incoming register (DOMAIN §2.11) through the web page."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from archive.models import AuditEntry, Register
from tests.conftest import incoming_fields, unique_pdf


def _register(client, headers, **fields):
    import json
    resp = client.post("/api/v1/incoming", headers=headers, data={
        "metadata": json.dumps(incoming_fields(**fields)),
        "files": (io.BytesIO(unique_pdf()), "scan.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_register_prints_as_pdf_and_xlsx_for_a_date_range(client, browser, api):
    headers = api("vanthu")
    _register(client, headers, code_number="7", arrival_date="2026-11-02",
              issued_date="2026-11-01", subject="Kế hoạch tổ chức Ngày hội Đại đoàn kết")
    doc = _register(client, headers, code_number="8", arrival_date="2026-11-05",
                    issued_date="2026-11-04", subject="Báo cáo tình hình đầu tư xây dựng")
    _register(client, headers, code_number="9", arrival_date="2026-11-09",
              issued_date="2026-11-08", subject="Thông báo lịch tiếp công dân")
    reg_id = doc["register_id"]
    browser.login("vanthu")
    pdf = client.get(f"/incoming/print?register_id={reg_id}&from=2026-11-04&to=2026-11-08"
                     "&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Báo cáo tình hình đầu tư xây dựng" in text
    assert "Ngày hội Đại đoàn kết" not in text and "tiếp công dân" not in text
    assert "05/11/2026" in text and "8/UBND-VX" in text and "Ký nhận" in text
    xlsx = client.get(f"/incoming/print?register_id={reg_id}&from=2026-11-01&to=2026-11-30"
                      "&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Số đến" in values and "Tên loại và trích yếu nội dung" in values
    assert sum(1 for v in values if isinstance(v, str) and "Thông báo lịch tiếp" in v) == 1
    printed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
    assert len(printed) == 2 and printed[0].actor_name == "vanthu"


def test_specialist_cannot_print_and_confidential_register_is_hidden(client, browser, api):
    _register(client, api("vanthu"), confidentiality="confidential")
    secret = db.session.scalar(select(Register).where(Register.confidential.is_(True)))
    browser.login("chuyenvien.vh")
    assert client.get(f"/incoming/print?register_id={secret.id}&format=pdf").status_code == 403
    other = type(browser)(client.application.test_client())
    other.login("giamdoc")
    assert other.client.get(f"/incoming/print?register_id={secret.id}&format=pdf").status_code \
        == 404
