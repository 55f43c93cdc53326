"""The envelope XML-DSig: signed packages verify, altered or foreign ones are refused."""
from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from exchange import edxml, xmldsig
from exchange.errors import ExchangeRefused
from tests.unit.exchange.test_exchange_roundtrip import minimal_message, rich_message


def key_and_cert(kind: str = "rsa", name: str = "Sở Văn hóa, Thể thao và Du lịch tỉnh Demo"):
    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
           else ec.generate_private_key(ec.SECP256R1()))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.DER)


def signer(key):
    if isinstance(key, rsa.RSAPrivateKey):
        return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return lambda data: key.sign(data, ec.ECDSA(hashes.SHA256()))  # DER, like pyHanko


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_a_signed_package_verifies_and_still_parses_to_the_same_message(kind):
    key, cert = key_and_cert(kind)
    message = rich_message()
    signed = xmldsig.sign(edxml.build_package(message), signer(key), cert)
    found = xmldsig.verify(signed)
    assert found.certificate_der == cert and "Sở Văn hóa" in found.subject
    assert found.algorithm.endswith("rsa-sha256" if kind == "rsa" else "ecdsa-sha256")
    assert edxml.parse_package(signed) == message


def test_an_unsigned_package_has_no_signature():
    assert xmldsig.verify(edxml.build_package(minimal_message())) is None


def _signed() -> bytes:
    key, cert = key_and_cert()
    return xmldsig.sign(edxml.build_package(rich_message()), signer(key), cert)


@pytest.mark.parametrize("change, reason", [
    (lambda p: p.replace("267".encode(), "268".encode(), 1), "digest"),           # the number
    (lambda p: re.sub(rb"(<ContentTransferEncoded>)J", rb"\1K", p, count=1), "digest"),  # a file
    (lambda p: re.sub(rb"(<ds:SignatureValue>)....", rb"\1AAAA", p), "not valid"),
    (lambda p: p.replace(b"xmldsig-more#rsa-sha256", b"xmldsig#rsa-sha1"), "unsupported"),
    (lambda p: p.replace(b'URI=""', b'URI="#x"'), "whole package"),
])
def test_an_altered_or_foreign_signature_is_refused(change, reason):
    signed = _signed()
    altered = change(signed)
    assert altered != signed
    with pytest.raises(ExchangeRefused) as refused:
        xmldsig.verify(altered)
    assert reason in str(refused.value) and refused.value.field == xmldsig.FIELD


def test_a_signature_by_another_key_with_the_same_name_is_refused():
    signed = _signed()
    _other_key, other_cert = key_and_cert()
    old = xmldsig.verify(signed).certificate_der
    swapped = signed.replace(base64.b64encode(old), base64.b64encode(other_cert))
    with pytest.raises(ExchangeRefused, match="not valid"):
        xmldsig.verify(swapped)
