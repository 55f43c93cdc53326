"""The outgoing-document flow end to end, with a real PKI, TSA, OCSP and SoftHSM:

prepare fields → leader certifies (PKCS#12 + PIN, B-LT) → clerk fills number
and date → agency seal (PKCS#11 on SoftHSM2, B-LTA) → validate with pyHanko
and, independently, with poppler's pdfsig; then tamper with the result.
"""
from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass

import pytest
from PIL import Image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils import generic

from signing import appearance as ap
from signing import fields, keys, pades, softhsm
from signing.model import FIELD_DATE, FIELD_LEADER, FIELD_NUMBER, FIELD_SEAL, Appearance
from signing.validation import ades_lta_offline, validate_pdf
from tests.unit.signing import sample
from tests.unit.signing.pdfsig import pdfsig_report

NUMBER = "15/QĐ-UBND"
DATE_LINE = "Bắc Ninh, ngày 21 tháng 11 năm 2026"


@dataclass
class Flow:
    draft: bytes
    prepared: bytes
    leader_signed: bytes
    filled: bytes
    final: bytes


@pytest.fixture(scope="module")
def flow(signing_env) -> Flow:
    env = signing_env
    tsa = pades.timestamper(env.tsa_url)
    draft = sample.vietnamese_pdf()
    prepared = fields.prepare_fields(draft, sample.layout())
    signature_png = ap.demo_signature_png(sample.LEADER)
    leader_signed = pades.sign_leader(prepared, env.p12_signer("leader"), Appearance(image=signature_png),
                                      "B-LT", tsa, env.vc())
    filled = fields.fill_fields(leader_signed, {FIELD_NUMBER: NUMBER, FIELD_DATE: DATE_LINE})
    with keys.pkcs11_session(softhsm.module_path(), env.hsm_token, env.pin) as session:
        sealer = keys.pkcs11_signer(session, "seal", "seal", ("interm", "root"))
        final = pades.sign_seal(filled, sealer, ap.demo_seal_png(sample.AGENCY), "B-LTA", tsa, env.vc())
    return Flow(draft, prepared, leader_signed, filled, final)


def _by_field(reports):
    return {r.field: r for r in reports}


def test_every_step_only_appends(flow):
    """Signed bytes are never rewritten: each step is an incremental update."""
    steps = [flow.draft, flow.prepared, flow.leader_signed, flow.filled, flow.final]
    for before, after in zip(steps, steps[1:]):
        assert after.startswith(before) and len(after) > len(before)


def test_final_pdf_validates(flow, signing_env):
    reports = validate_pdf(flow.final, signing_env.trust())
    assert [r.kind for r in reports] == ["signature", "signature", "doc_timestamp"]
    by = _by_field(reports)
    leader, seal = by[FIELD_LEADER], by[FIELD_SEAL]

    assert (leader.intact, leader.valid, leader.trusted) == (True, True, True)
    assert leader.certified and leader.docmdp_ok is True
    assert leader.modification_level == "FORM_FILLING"
    assert {FIELD_NUMBER, FIELD_DATE, FIELD_SEAL} <= set(leader.changed_fields)
    assert leader.signer == f"{sample.LEADER} ({sample.AGENCY})"
    assert leader.chain[0] == sample.LEADER and "Root CA" in leader.chain[-1]
    assert leader.status == "valid" and leader.revocation == "good"
    assert leader.timestamp_valid is True and leader.signing_time.endswith("+07:00")

    assert (seal.intact, seal.valid, seal.trusted, seal.certified) == (True, True, True, False)
    assert seal.status == "valid" and seal.level == "B-LTA"
    assert seal.modification_level == "LTA_UPDATES" and seal.changed_fields == []
    assert seal.signer == sample.AGENCY

    doc_ts = reports[2]
    assert doc_ts.status == "valid" and doc_ts.timestamp_valid is True
    assert all(not r.demo_root for r in reports)


def test_demo_root_is_trusted_but_flagged(flow, signing_env):
    reports = validate_pdf(flow.final, signing_env.trust(fetching=False, demo=True))
    assert all(r.demo_root and r.status == "valid" for r in reports)
    assert any("DEMO" in reason for reason in reports[0].reasons)


def test_unknown_root_is_untrusted(flow):
    from signing.validation import TrustSettings

    reports = validate_pdf(flow.final, TrustSettings(trust_roots=[]))
    leader = _by_field(reports)[FIELD_LEADER]
    assert leader.intact and leader.valid and not leader.trusted
    assert leader.status == "untrusted" and leader.reasons and leader.reasons_en


def test_long_term_validation_offline_passes(flow, signing_env):
    """Leader B-LT + seal B-LTA: both provable without any network (STACK pitfall 4)."""
    assert ades_lta_offline(flow.final, signing_env.trust(fetching=False)) == ["PASSED", "PASSED"]


def test_pdfsig_agrees(flow, signing_env):
    reports = {r["field"]: r for r in pdfsig_report(flow.final, signing_env.pki.cert_pem("root"))}
    for name in (FIELD_LEADER, FIELD_SEAL):
        assert reports[name]["signature_valid"], reports[name]
        assert reports[name]["certificate_trusted"], reports[name]
        assert reports[name]["type"] == "ETSI.CAdES.detached"


def test_flipped_byte_is_invalid(flow, signing_env):
    """A byte changed inside every signed range: pyHanko and pdfsig both refuse."""
    at = flow.final.index(b"ReportLab")          # producer string in the first revision
    tampered = flow.final[:at] + b"H" + flow.final[at + 1:]
    reports = validate_pdf(tampered, signing_env.trust(fetching=False))
    regular = [r for r in reports if r.kind == "signature"]
    assert regular and all(r.status == "invalid" and not r.intact for r in regular)
    assert all(any("thay đổi" in reason for reason in r.reasons) for r in regular)
    for report in pdfsig_report(tampered, signing_env.pki.cert_pem("root")):
        if report["field"] in (FIELD_LEADER, FIELD_SEAL):
            assert not report["signature_valid"], report


def test_drawing_on_the_page_afterwards_is_modified(flow, signing_env):
    """An update that paints over page 1 after signing: not allowed by either signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(flow.final), strict=False)
    paint = generic.StreamObject(stream_data=b"q 1 0 0 rg 300 600 200 60 re f Q")
    writer.add_stream_to_page(0, writer.add_object(paint))
    out = io.BytesIO()
    writer.write(out)
    tampered = out.getvalue()
    by = _by_field(validate_pdf(tampered, signing_env.trust(fetching=False)))
    for name in (FIELD_LEADER, FIELD_SEAL):
        assert by[name].intact and by[name].status == "modified", by[name]
        assert by[name].modification_level == "OTHER"
        assert any("sửa đổi" in reason for reason in by[name].reasons)
    # pdfsig checks byte ranges only: it still calls these "Valid" and merely
    # notes the partial coverage. This is why pyHanko's diff analysis decides.
    for report in pdfsig_report(tampered, signing_env.pki.cert_pem("root")):
        if report["field"] in (FIELD_LEADER, FIELD_SEAL):
            assert report["total_document_signed"] is False


def test_filled_text_is_not_letter_spaced(flow):
    """pdftotext word widths match the font's advance widths (the 1000-upem fix)."""
    bbox = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", "-", "-"], input=flow.final,
                          capture_output=True, check=True).stdout.decode("utf-8")
    widths = {}
    for line in bbox.splitlines():
        if "<word" in line:
            text = line.split(">", 1)[1].split("<", 1)[0]
            attrs = dict(part.split("=") for part in line.strip()[6:].split(">")[0].split())
            widths[text] = float(attrs["xMax"].strip('"')) - float(attrs["xMin"].strip('"'))
    expected = ap.text_width(NUMBER, 13)
    assert widths[NUMBER] == pytest.approx(expected, rel=0.1)


def _bbox(img: Image.Image, test) -> tuple[int, int, int, int] | None:
    xs, ys = [], []
    pixels = img.load()
    for y in range(img.height):
        for x in range(img.width):
            if test(pixels[x, y]):
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def test_rendered_page_shows_seal_over_left_third(flow, signing_env):
    """Render page 1 (artefact for a human look) and check the geometry in pixels."""
    prefix = signing_env.artefacts / "signing-final"
    prefix.with_suffix(".pdf").write_bytes(flow.final)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", "-", str(prefix)],
                   input=flow.final, check=True, capture_output=True, timeout=60)
    img = Image.open(f"{prefix}.png").convert("RGB")
    lower = img.crop((img.width // 2 - 80, img.height // 2, img.width, img.height))
    red = _bbox(lower, lambda p: p[0] > 160 and p[1] < 90 and p[2] < 90)
    blue = _bbox(lower, lambda p: p[2] > 110 and p[0] < 90 and p[1] < 110 and p[2] - p[0] > 60)
    assert red and blue, (red, blue)
    blue_width = blue[2] - blue[0]
    assert red[0] < blue[0] < red[2], (red, blue)                 # the seal starts left and overlaps
    assert red[2] - blue[0] < 0.5 * blue_width, (red, blue)       # covering about a third, not more
    seal_px = red[2] - red[0]
    assert seal_px == pytest.approx(36 / 25.4 * 80, rel=0.08)     # actual size: 36 mm at 80 dpi
