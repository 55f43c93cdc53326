"""Signing credentials: which certificate and key source each signer uses (DOMAIN §2.14).

Leaders sign with personal certificates; the agency certificate (the
electronic seal) is held for the văn thư. A credential records the key
source — a PKCS#12 file unlocked by the PIN typed at signing time, a PKCS#11
token/HSM (labels only: the key never leaves it), or an external signer
(only the certificate: the key stays in the browser or a remote service) —
plus the signature or seal image shown on the page.
"""
from __future__ import annotations

import base64

from cryptography import x509 as cx509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from sqlalchemy import update
from sqlalchemy.orm import Session

from archive.errors import InvalidInput, Msg
from archive.models import SigningCredential
from archive.storage import BlobStorage, store

SOURCES = ("pkcs12", "pkcs11", "external")


def _describe(cert_der: bytes) -> dict:
    cert = cx509.load_der_x509_certificate(cert_der)
    return {"subject": cert.subject.rfc4514_string()[:300], "serial": format(cert.serial_number, "x"),
            "not_after": cert.not_valid_after_utc}


def _image(session: Session, storage: BlobStorage, png: bytes | None) -> str | None:
    if not png:
        return None
    if not png.startswith(b"\x89PNG"):
        msg = Msg("Ảnh chữ ký/con dấu phải là tệp PNG nền trong suốt.",
                  "The signature/seal image must be a transparent PNG.")
        raise InvalidInput(msg, {"image": msg})
    return store(session, storage, png)[0]


def _replace(session: Session, organization_id: int, purpose: str,
             staff_id: int | None) -> None:
    """A new credential retires the previous one of the same owner (kept for history)."""
    stmt = update(SigningCredential).where(
        SigningCredential.organization_id == organization_id,
        SigningCredential.purpose == purpose)
    stmt = stmt.where(SigningCredential.staff_id.is_(None) if staff_id is None
                      else SigningCredential.staff_id == staff_id)
    session.execute(stmt.values(active=False))


def add_pkcs12(session: Session, storage: BlobStorage, organization_id: int,
               staff_id: int | None, p12: bytes, pin: str,
               image_png: bytes | None = None) -> SigningCredential:
    """Store a PKCS#12 (checked with its PIN now; the PIN itself is not stored)."""
    try:
        _key, cert, extra = pkcs12.load_key_and_certificates(p12, pin.encode())
    except (ValueError, TypeError):
        msg = Msg("Tệp PKCS#12 hỏng hoặc mã PIN không đúng.", "Bad PKCS#12 file or wrong PIN.")
        raise InvalidInput(msg, {"pkcs12": msg}) from None
    der = cert.public_bytes(Encoding.DER)
    chain = [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in (extra or [])]
    return _add(session, storage, organization_id, staff_id, "pkcs12", der, chain,
                image_png, pkcs12=p12)


def add_pkcs11(session: Session, storage: BlobStorage, organization_id: int,
               staff_id: int | None, cert_der: bytes, chain_der: list[bytes], token_label: str,
               key_label: str, cert_label: str | None = None,
               image_png: bytes | None = None) -> SigningCredential:
    chain = [base64.b64encode(c).decode() for c in chain_der]
    return _add(session, storage, organization_id, staff_id, "pkcs11", cert_der, chain,
                image_png, token_label=token_label, key_label=key_label,
                cert_label=cert_label or key_label)


def add_external(session: Session, storage: BlobStorage, organization_id: int,
                 staff_id: int, cert_der: bytes, chain_der: list[bytes],
                 image_png: bytes | None = None) -> SigningCredential:
    chain = [base64.b64encode(c).decode() for c in chain_der]
    return _add(session, storage, organization_id, staff_id, "external", cert_der, chain,
                image_png)


def _add(session: Session, storage: BlobStorage, organization_id: int, staff_id: int | None,
         source: str, cert_der: bytes, chain: list[str], image_png: bytes | None,
         **extra) -> SigningCredential:
    purpose = "agency" if staff_id is None else "personal"
    _replace(session, organization_id, purpose, staff_id)
    cred = SigningCredential(organization_id=organization_id, staff_id=staff_id,
                             purpose=purpose, source=source, certificate=cert_der, chain=chain,
                             image_sha256=_image(session, storage, image_png), active=True,
                             failed_attempts=0, **_describe(cert_der), **extra)
    session.add(cred)
    session.flush()
    return cred
