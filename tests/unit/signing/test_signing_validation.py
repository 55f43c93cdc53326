"""Validation of arbitrary PDFs: unsigned, corrupt, hostile signatures."""
from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing import fields, pades
from signing.model import FIELD_LEADER, InvalidPdf
from signing.validation import MAX_SIGNATURES, TrustSettings, validate_pdf
from tests.unit.signing import sample


@pytest.fixture(scope="module")
def signed(signing_env) -> bytes:
    prepared = fields.prepare_fields(sample.vietnamese_pdf(), sample.layout())
    return pades.sign(prepared, signing_env.p12_signer("leader"), field=FIELD_LEADER)


def test_unsigned_pdf_has_no_reports(signing_env):
    assert validate_pdf(sample.vietnamese_pdf(), signing_env.trust()) == []


def test_corrupt_pdf_is_invalid_pdf(signing_env):
    with pytest.raises(InvalidPdf):
        validate_pdf(b"%PDF-1.7\nthis is not a pdf", signing_env.trust())


def test_garbage_signature_contents_give_an_invalid_report(signing_env, signed):
    """The /Contents hex replaced by zeros: reported, not crashed on."""
    match = re.search(rb"/Contents <([0-9a-fA-F]+)>", signed)
    start, end = match.span(1)
    broken = signed[:start] + b"0" * (end - start) + signed[end:]
    reports = validate_pdf(broken, signing_env.trust(fetching=False))
    assert len(reports) == 1 and reports[0].status == "invalid"
    assert reports[0].field == FIELD_LEADER and reports[0].reasons and reports[0].reasons_en


def test_bogus_byte_range_gives_an_invalid_report(signing_env, signed):
    """A signature whose /ByteRange points elsewhere: invalid, with a reason."""
    match = re.search(rb"/ByteRange \[([0-9 ]+)\]", signed)
    numbers = match.group(1).split()
    forged = b" ".join([numbers[0], numbers[1], numbers[2], str(int(numbers[3]) - 10).encode()])
    forged = forged.ljust(len(match.group(1)))
    broken = signed[:match.start(1)] + forged + signed[match.end(1):]
    reports = validate_pdf(broken, signing_env.trust(fetching=False))
    assert len(reports) == 1 and reports[0].status in ("invalid", "modified")
    assert reports[0].reasons


def test_many_signature_fields_are_bounded(signing_env, signed):
    """A flood of filled signature fields is cut off, not validated one by one."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    form = writer.root["/AcroForm"]
    leader_value = next(f.get_object()["/V"] for f in form["/Fields"]
                        if f.get_object().get("/T") == FIELD_LEADER)
    for i in range(MAX_SIGNATURES + 5):
        ref = writer.add_object(generic.DictionaryObject({
            generic.pdf_name("/FT"): generic.pdf_name("/Sig"),
            generic.pdf_name("/T"): generic.pdf_string(f"Fake{i}"),
            generic.pdf_name("/V"): leader_value.reference if hasattr(leader_value, "reference") else leader_value,
        }))
        form["/Fields"].append(ref)
    writer.update_container(form["/Fields"])
    out = io.BytesIO()
    writer.write(out)
    reports = validate_pdf(out.getvalue(), TrustSettings(trust_roots=[signing_env.pki.root_der()]))
    assert len(reports) == MAX_SIGNATURES + 6
    assert sum(1 for r in reports if "Quá nhiều chữ ký" in " ".join(r.reasons)) == 6
