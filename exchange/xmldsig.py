"""The XML-DSig of an edXML envelope (DOMAIN §6.2 ``edXML:Signature``) [S].

The issuing agency seals the package it sends: one enveloped signature
(``ds:Signature`` inside ``edXML:Signature`` in the header) over the whole
document — header, manifest and the base64 attachments — with exclusive
canonicalisation, SHA-256 and RSA (or ECDSA), the signer's certificate in
``KeyInfo/X509Data``. The signed PDFs inside keep their own PAdES
signatures; this one says the package is the one the agency sent.

QCVN 102 names the parts (SignedInfo, CanonicalizationMethod,
SignatureMethod, Reference with Transforms and DigestValue, SignatureValue,
KeyInfo/X509Data) but no profile we could verify, so only what we write is
accepted on reading: anything else is refused with the reason, never
half-checked. ``sign`` takes a ``sign_raw(data) -> signature`` callable so
the key can stay in a token or HSM.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (decode_dss_signature,
                                                             encode_dss_signature)
from lxml import etree

from exchange.edxml import DEFAULT_MAX_PACKAGE, NS, _parse_xml
from exchange.errors import ExchangeRefused

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
FIELD = "edXMLHeader/Signature"


@dataclass(frozen=True)
class EnvelopeSignature:
    """A verified envelope signature: who signed (the certificate it carries)."""

    certificate_der: bytes
    subject: str
    algorithm: str


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def _c14n(node) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=True, with_comments=False)


def _header(root):
    header = root.find(f"{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader")
    if header is None:
        raise ExchangeRefused("Gói tin thiếu edXMLHeader", "The package has no edXMLHeader",
                              "edXMLHeader")
    return header


def _digest(root, signature) -> bytes:
    """SHA-256 of the document without the ``ds:Signature`` (enveloped transform)."""
    parent = signature.getparent()
    index = parent.index(signature)
    parent.remove(signature)
    try:
        return hashlib.sha256(_c14n(root)).digest()
    finally:
        parent.insert(index, signature)


def _lxml(payload: bytes):
    """An lxml tree of a payload already checked by the safe parser (no DOCTYPE)."""
    _parse_xml(payload, max(len(payload), DEFAULT_MAX_PACKAGE))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                             remove_blank_text=False)
    return etree.fromstring(payload, parser)


def sign(payload: bytes, sign_raw: Callable[[bytes], bytes], certificate_der: bytes) -> bytes:
    """The package with its envelope signature; ``sign_raw`` signs with SHA-256.

    ``sign_raw`` returns the key's own signature format: PKCS#1 v1.5 for RSA,
    DER for ECDSA (as pyHanko signers do); ECDSA is stored as r||s.
    """
    root = _lxml(payload)
    header = _header(root)
    for old in header.findall(f"{{{NS}}}Signature"):
        header.remove(old)
    cert = x509.load_der_x509_certificate(certificate_der)
    is_ec = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    holder = etree.SubElement(header, f"{{{NS}}}Signature")
    signature = etree.SubElement(holder, _ds("Signature"), nsmap={"ds": DS})
    info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(info, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(info, _ds("SignatureMethod"), Algorithm=ECDSA_SHA256 if is_ec else RSA_SHA256)
    reference = etree.SubElement(info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, _ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=SHA256)
    digest_value = etree.SubElement(reference, _ds("DigestValue"))
    value = etree.SubElement(signature, _ds("SignatureValue"))
    data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    etree.SubElement(data, _ds("X509SubjectName")).text = cert.subject.rfc4514_string()
    etree.SubElement(data, _ds("X509Certificate")).text = base64.b64encode(
        certificate_der).decode()
    digest_value.text = base64.b64encode(_digest(root, signature)).decode()
    raw = sign_raw(_c14n(info))
    if is_ec:
        r, s = decode_dss_signature(raw)
        size = (cert.public_key().curve.key_size + 7) // 8
        raw = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    value.text = base64.b64encode(raw).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _algorithm(node, name: str, allowed: tuple[str, ...]) -> str:
    found = node.find(_ds(name))
    algorithm = found.get("Algorithm") if found is not None else None
    if algorithm not in allowed:
        raise ExchangeRefused(f"Chữ ký gói tin dùng thuật toán không hỗ trợ ({name}: {algorithm})",
                              f"The package signature uses an unsupported {name}: {algorithm}",
                              FIELD)
    return algorithm


def _b64(node, *names: str) -> bytes:
    """The base64 content of ``node``'s descendant ``names`` (ds namespace)."""
    found = node.find("/".join(_ds(n) for n in names))
    try:
        return base64.b64decode((found.text or "").strip(), validate=True)
    except (AttributeError, ValueError):
        label = "/".join(names)
        raise ExchangeRefused(f"Chữ ký gói tin thiếu hoặc hỏng phần {label}",
                              f"The package signature lacks a valid {label}", FIELD) from None


def verify(payload: bytes) -> EnvelopeSignature | None:
    """The envelope signature, checked; None when the package carries none.

    Raises ExchangeRefused when a signature is there but does not match the
    package (altered after signing), is malformed, or uses a profile we do
    not write.
    """
    root = _lxml(payload)
    holder = _header(root).find(f"{{{NS}}}Signature")
    if holder is None:
        return None
    signatures = holder.findall(_ds("Signature"))
    if len(signatures) != 1:
        raise ExchangeRefused("edXML:Signature phải chứa đúng một ds:Signature",
                              "edXML:Signature must hold exactly one ds:Signature", FIELD)
    signature = signatures[0]
    info = signature.find(_ds("SignedInfo"))
    if info is None:
        raise ExchangeRefused("Chữ ký gói tin thiếu SignedInfo", "The signature has no SignedInfo",
                              FIELD)
    _algorithm(info, "CanonicalizationMethod", (EXC_C14N,))
    method = _algorithm(info, "SignatureMethod", (RSA_SHA256, ECDSA_SHA256))
    references = info.findall(_ds("Reference"))
    if len(references) != 1 or references[0].get("URI") != "":
        raise ExchangeRefused("Chữ ký gói tin phải ký toàn bộ gói tin (một Reference URI=\"\")",
                              "The signature must cover the whole package (one Reference "
                              "URI=\"\")", FIELD)
    reference = references[0]
    transforms = [t.get("Algorithm") for t in reference.findall(f"{_ds('Transforms')}/"
                                                                 f"{_ds('Transform')}")]
    if transforms != [ENVELOPED, EXC_C14N]:
        raise ExchangeRefused("Chữ ký gói tin dùng phép biến đổi không hỗ trợ",
                              "The package signature uses unsupported transforms", FIELD)
    _algorithm(reference, "DigestMethod", (SHA256,))
    if _b64(reference, "DigestValue") != _digest(root, signature):
        raise ExchangeRefused("Gói tin đã bị thay đổi sau khi ký (sai giá trị băm)",
                              "The package was altered after it was signed (digest mismatch)",
                              FIELD)
    der = _b64(signature, "KeyInfo", "X509Data", "X509Certificate")
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise ExchangeRefused("Chứng thư số trong chữ ký gói tin bị hỏng",
                              "The certificate in the package signature is damaged",
                              FIELD) from None
    _check(cert, method, _b64(signature, "SignatureValue"), _c14n(info))
    return EnvelopeSignature(der, cert.subject.rfc4514_string(), method)


def _check(cert: x509.Certificate, method: str, value: bytes, signed: bytes) -> None:
    key = cert.public_key()
    try:
        if method == RSA_SHA256 and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed, padding.PKCS1v15(), hashes.SHA256())
            return
        if method == ECDSA_SHA256 and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(value) // 2
            der = encode_dss_signature(int.from_bytes(value[:half], "big"),
                                       int.from_bytes(value[half:], "big"))
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
            return
    except InvalidSignature:
        pass
    raise ExchangeRefused("Chữ ký gói tin không hợp lệ", "The package signature is not valid",
                          FIELD)
