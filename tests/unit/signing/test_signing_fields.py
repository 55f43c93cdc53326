"""Preparing and filling the form fields of an outgoing document."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from signing import fields, pades
from signing.model import FIELD_DATE, FIELD_LEADER, FIELD_NUMBER, FIELD_SEAL, FieldMissing, InvalidPdf
from tests.unit.signing import sample


@pytest.fixture(scope="module")
def prepared(signing_env) -> bytes:
    return fields.prepare_fields(sample.vietnamese_pdf(), sample.layout())


def test_prepare_adds_the_four_fields(prepared):
    assert fields.field_names(prepared) == {FIELD_NUMBER: "text", FIELD_DATE: "text",
                                            FIELD_LEADER: "signature", FIELD_SEAL: "signature"}
    page = PdfReader(io.BytesIO(prepared)).pages[0]
    widgets = {a.get_object()["/T"]: a.get_object() for a in page["/Annots"]}
    number = widgets[FIELD_NUMBER]
    assert number["/FT"] == "/Tx" and number.get("/Ff", 0) & 1 == 0       # not read-only
    assert number.get("/Ff", 0) & 4096 == 0 and number["/BS"]["/W"] == 0  # single line, no border
    rect = [float(v) for v in widgets[FIELD_LEADER]["/Rect"]]
    leader = sample.layout().leader
    assert rect == pytest.approx([leader.x1, leader.y1, leader.x2, leader.y2], abs=0.01)


def test_prepare_twice_is_refused(prepared):
    with pytest.raises(InvalidPdf) as err:
        fields.prepare_fields(prepared, sample.layout())
    assert "đã có trường ký" in err.value.vi


def test_prepare_refuses_signed_pdf(signing_env, prepared):
    signed = pades.sign(prepared, signing_env.p12_signer("clerk"), field=FIELD_LEADER)
    with pytest.raises(InvalidPdf) as err:
        fields.prepare_fields(signed, sample.layout())
    assert "đã được ký" in err.value.vi


def test_prepare_refuses_encrypted_pdf():
    writer = PdfWriter(clone_from=io.BytesIO(sample.vietnamese_pdf()))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InvalidPdf) as err:
        fields.prepare_fields(out.getvalue(), sample.layout())
    assert "mã hóa" in err.value.vi and "encrypted" in err.value.en


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n garbage without xref", b"%PDF-1.4\n" + b"\x00" * 500])
def test_prepare_refuses_broken_input(data):
    with pytest.raises(InvalidPdf):
        fields.prepare_fields(data, sample.layout())


def test_fill_sets_values_with_vietnamese_font(prepared):
    filled = fields.fill_fields(prepared, {FIELD_NUMBER: "15/QĐ-UBND", FIELD_DATE: "Bắc Ninh, ngày 21 tháng 11 năm 2026"})
    assert filled.startswith(prepared)
    reader = PdfReader(io.BytesIO(filled))
    values = {k: v.get("/V") for k, v in reader.get_fields().items()}
    assert values[FIELD_NUMBER] == "15/QĐ-UBND"
    widget = next(a.get_object() for a in reader.pages[0]["/Annots"] if a.get_object()["/T"] == FIELD_NUMBER)
    appearance = widget["/AP"]["/N"].get_object()
    font = next(iter(appearance["/Resources"]["/Font"].values())).get_object()
    assert "Liberation" in font["/BaseFont"] or "DejaVu" in font["/BaseFont"]
    assert appearance.get_data().startswith(b"q 1 1 1 rg")                 # white background first


def test_fill_unknown_field_is_field_missing(prepared):
    with pytest.raises(FieldMissing) as err:
        fields.fill_fields(prepared, {"so_van_ban_khac": "1"})
    assert err.value.extra["field"] == "so_van_ban_khac"
    with pytest.raises(FieldMissing):                   # a signature field is not a text field
        fields.fill_fields(prepared, {FIELD_LEADER: "x"})
