"""Signing rules: certificate checks first, TSA failures, levels, fields, attachments."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from asn1crypto import x509 as asn1_x509

from signing import appearance as ap
from signing import fields, pades
from signing.model import (FIELD_LEADER, FIELD_SEAL, Appearance, Box, CertificateRejected, FieldMissing,
                           InvalidPdf, TimestampUnavailable)
from signing.validation import validate_pdf
from tests.unit.signing import sample
from tests.unit.signing.conftest import free_port


@pytest.fixture(scope="module")
def prepared(signing_env) -> bytes:
    return fields.prepare_fields(sample.vietnamese_pdf(), sample.layout())


def _cert(signing_env, label: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(signing_env.pki.cert_der(label))


# --- the certificate is checked before anything is signed ---------------------------

def test_expired_certificate_is_rejected_even_offline(signing_env, prepared):
    with pytest.raises(CertificateRejected) as err:
        pades.sign(prepared, signing_env.p12_signer("expired"), field=FIELD_LEADER)   # B-B, no context
    assert err.value.reason == "expired"
    not_after = _cert(signing_env, "expired")["tbs_certificate"]["validity"]["not_after"].native
    assert err.value.vi == f"Chứng thư số đã hết hạn ngày {not_after.astimezone(ap.VN_TZ):%d/%m/%Y}."


def test_revoked_certificate_is_rejected(signing_env, prepared):
    tsa = pades.timestamper(signing_env.tsa_url)
    with pytest.raises(CertificateRejected) as err:
        pades.sign(prepared, signing_env.p12_signer("revoked"), field=FIELD_LEADER, level="B-T",
                   timestamper=tsa, validation_context=signing_env.vc())
    assert err.value.reason == "revoked" and err.value.vi == "Chứng thư số đã bị thu hồi."


def test_certificate_from_unknown_ca_is_rejected(signing_env):
    from pyhanko_certvalidator import ValidationContext

    other_root = _cert(signing_env, "tsa")          # a certificate that is not a CA of the chain
    with pytest.raises(CertificateRejected) as err:
        pades.check_certificate(_cert(signing_env, "leader"), ValidationContext(trust_roots=[other_root]))
    assert err.value.reason == "untrusted"


def test_not_yet_valid_certificate_is_rejected(signing_env):
    with pytest.raises(CertificateRejected) as err:
        pades.check_certificate(_cert(signing_env, "leader"), None,
                                moment=datetime.now(timezone.utc) - timedelta(days=3650))
    assert err.value.reason == "not_yet_valid"


# --- TSA --------------------------------------------------------------------------------

def test_tsa_health_check(signing_env):
    pades.check_tsa(signing_env.tsa_url)
    closed = f"http://127.0.0.1:{free_port()}/eoffice/tsa/tsa"
    with pytest.raises(TimestampUnavailable) as err:
        pades.check_tsa(closed, timeout=2)
    assert err.value.vi.startswith("Không kết nối được máy chủ dấu thời gian (TSA)")


def test_signing_with_unreachable_tsa_raises(signing_env, prepared):
    closed = pades.timestamper(f"http://127.0.0.1:{free_port()}/tsa", timeout=2)
    with pytest.raises(TimestampUnavailable):
        pades.sign(prepared, signing_env.p12_signer("leader"), field=FIELD_LEADER, level="B-T",
                   timestamper=closed)


def test_level_requirements(signing_env, prepared):
    signer = signing_env.p12_signer("leader")
    with pytest.raises(ValueError):
        pades.sign(prepared, signer, field=FIELD_LEADER, level="B-X")
    with pytest.raises(ValueError):
        pades.sign(prepared, signer, field=FIELD_LEADER, level="B-T")            # no TSA
    with pytest.raises(ValueError):
        pades.sign(prepared, signer, field=FIELD_LEADER, level="B-LT",
                   timestamper=pades.timestamper(signing_env.tsa_url))            # no context


# --- fields --------------------------------------------------------------------------------

def test_field_must_exist_and_be_empty(signing_env, prepared):
    signer = signing_env.p12_signer("clerk")
    with pytest.raises(FieldMissing):
        pades.sign(prepared, signer, field="SigKhac")
    signed = pades.sign(prepared, signer, field=FIELD_SEAL)
    with pytest.raises(InvalidPdf):
        pades.sign(signed, signer, field=FIELD_SEAL)
    with pytest.raises(InvalidPdf):                      # a new field may not reuse a name
        pades.sign(signed, signer, field=FIELD_LEADER, box=Box(0, 10, 10, 100, 50))


def test_levels_are_reported(signing_env, prepared):
    tsa = pades.timestamper(signing_env.tsa_url)
    bb = pades.sign_leader(prepared, signing_env.p12_signer("leader"), Appearance(lines=("Đã ký",)), "B-B")
    bt = pades.sign_seal(bb, signing_env.p12_signer("clerk"), ap.demo_seal_png(sample.AGENCY), "B-T", tsa)
    reports = validate_pdf(bt, signing_env.trust())
    assert [(r.level, r.status, r.timestamp is not None) for r in reports] == [
        ("B-B", "valid", False), ("B-T", "valid", True)]
    assert reports[0].docmdp_ok is True and reports[0].modification_level == "FORM_FILLING"


def test_new_field_after_certification_voids_the_leader(signing_env, prepared):
    """Why every field is prepared BEFORE the leader certifies (STACK pitfall 3)."""
    certified = pades.sign_leader(prepared, signing_env.p12_signer("leader"), Appearance(lines=("Đã ký",)),
                                  "B-B")
    late = pades.sign(certified, signing_env.p12_signer("clerk"), field="SigMoi",
                      box=Box(0, 400, 700, 550, 760))
    by = {r.field: r for r in validate_pdf(late, signing_env.trust())}
    assert by[FIELD_LEADER].docmdp_ok is False and by[FIELD_LEADER].status == "modified"
    assert by["SigMoi"].status == "valid"


# --- attachments -------------------------------------------------------------------------

def test_attachment_signature_top_right_text_only(signing_env):
    moment = datetime(2026, 11, 21, 7, 7, 33, tzinfo=timezone.utc)
    attachment = sample.vietnamese_pdf()
    signed = pades.sign_attachment(attachment, signing_env.p12_signer("seal"), "15/QĐ-UBND", moment, "B-T",
                                   pades.timestamper(signing_env.tsa_url))
    report = validate_pdf(signed, signing_env.trust())[0]
    assert report.field == pades.FIELD_ATTACHMENT and report.status == "valid"
    words = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", "-", "-"], input=signed,
                           capture_output=True, check=True).stdout.decode()
    line = next(l for l in words.splitlines() if "2026-11-21T14:07:33+07:00" in l)
    x_min = float(line.split('xMin="')[1].split('"')[0])
    y_min = float(line.split('yMin="')[1].split('"')[0])
    assert x_min > sample.PAGE_W / 2 and y_min < 30 * ap.MM        # top right (pdftotext y runs down)
    prefix = signing_env.artefacts / "signing-attachment"
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", "-", str(prefix)],
                   input=signed, check=True, timeout=60)


def test_leader_text_appearance_without_image(signing_env, prepared):
    signed = pades.sign_leader(prepared, signing_env.p12_signer("leader"),
                               Appearance(lines=("Ký bởi: Nguyễn Văn An", "Thời gian: 2026-11-21T14:07:33+07:00")),
                               "B-B")
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=signed, capture_output=True,
                          check=True).stdout.decode()
    assert "Ký bởi: Nguyễn Văn An" in text
