"""PAdES signatures at B-B, B-T, B-LT and B-LTA, and the checks done before.

* B-B: signature only; B-T: + RFC 3161 signature timestamp (needs a TSA);
  B-LT: + the OCSP/CRL data in the DSS; B-LTA: + a document timestamp.
* The leader CERTIFIES (DocMDP P=2 "fill forms") into the pre-created
  ``SigLeader`` field; the agency seal is an approval signature into the
  pre-created ``SigSeal``; attachments get a new top-right text field (they
  are not certified, so creating a field there is harmless).
* The signer's certificate is checked BEFORE signing (expired, not yet
  valid, revoked, untrusted): a document is never signed with a key that
  would make the signature worthless.
* No fallback policy here: a TSA failure raises TimestampUnavailable and the
  caller decides (retry, queue, or sign at B-B with the user's consent).
"""
from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from asn1crypto import x509 as asn1_x509
from pyhanko.sign import fields as sigfields
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

from . import appearance as ap
from .model import (FIELD_LEADER, FIELD_SEAL, LEVELS, Appearance, Box, CertificateRejected, FieldMissing,
                    InvalidPdf, SigningError, TimestampUnavailable)
from .pdfio import open_reader, open_writer

__all__ = [
    "FIELD_ATTACHMENT", "SIGNER_KEY_USAGE", "timestamper", "check_tsa", "check_certificate",
    "check_level", "check_target_field", "signature_metadata", "translate_errors", "sign",
    "sign_with_style", "sign_leader", "sign_seal", "sign_attachment",
]

FIELD_ATTACHMENT = "SigAgency"
# Agency seal certificates often carry digitalSignature only (STACK pitfall 5).
SIGNER_KEY_USAGE = {"digital_signature"}
MD = "sha256"


# --- TSA ----------------------------------------------------------------------

def timestamper(url: str, timeout: float = 10) -> HTTPTimeStamper:
    """An RFC 3161 client for ``url`` (plain HTTP is normal for TSAs)."""
    return HTTPTimeStamper(url, timeout=timeout)


def check_tsa(url: str, timeout: float = 5) -> None:
    """Ask the TSA for one token; TimestampUnavailable when it does not answer.

    Called before a signing session starts, so the user is told at once
    instead of after entering the PIN.
    """
    digest = hashlib.sha256(b"eOffice TSA health check").digest()
    try:
        asyncio.run(timestamper(url, timeout).async_timestamp(digest, MD))
    except Exception as exc:
        raise _tsa_error(url) from exc


def _tsa_error(url: str | None) -> TimestampUnavailable:
    where = f" {url}" if url else ""
    return TimestampUnavailable(
        f"Không kết nối được máy chủ dấu thời gian (TSA){where}. Vui lòng thử lại sau.",
        f"Cannot reach the timestamp server (TSA){where}. Please try again later.", url=url)


# --- certificate checks -----------------------------------------------------------

def check_certificate(signer_cert: asn1_x509.Certificate, validation_context: ValidationContext | None,
                      moment: datetime | None = None,
                      intermediates: Iterable[asn1_x509.Certificate] = ()) -> None:
    """Refuse a certificate that is expired, not yet valid, revoked or untrusted.

    Expiry is always checked (no network needed). With a validation context
    the chain is built to its trust roots and OCSP/CRL are consulted as far
    as the context allows fetching. Raises CertificateRejected with
    ``reason`` in expired / not_yet_valid / revoked / untrusted.
    """
    moment = moment or datetime.now(timezone.utc)
    _check_validity_period(signer_cert, moment)
    if validation_context is None:
        return
    validator = CertificateValidator(signer_cert, intermediate_certs=list(intermediates),
                                     validation_context=validation_context)
    try:
        asyncio.run(validator.async_validate_usage(SIGNER_KEY_USAGE))
    except cv_errors.RevokedError as exc:
        raise _rejected("revoked", "Chứng thư số đã bị thu hồi.",
                        "The certificate has been revoked.") from exc
    except cv_errors.ExpiredError as exc:
        raise _rejected("expired", "Chứng thư số (hoặc chứng thư của CA) đã hết hạn.",
                        "The certificate (or a CA certificate) has expired.") from exc
    except (cv_errors.PathBuildingError, cv_errors.PathValidationError,
            cv_errors.InvalidCertificateError) as exc:
        raise _rejected("untrusted", "Chứng thư số không được tin cậy (không xác minh được chuỗi chứng thư).",
                        f"The certificate is not trusted ({exc}).") from exc


def _check_validity_period(cert: asn1_x509.Certificate, moment: datetime) -> None:
    """The offline part: notBefore <= moment <= notAfter."""
    not_before = cert["tbs_certificate"]["validity"]["not_before"].native
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    if moment > not_after:
        day = not_after.astimezone(ap.VN_TZ).strftime("%d/%m/%Y")
        raise _rejected("expired", f"Chứng thư số đã hết hạn ngày {day}.",
                        f"The certificate expired on {not_after.date().isoformat()}.", not_after=not_after)
    if moment < not_before:
        day = not_before.astimezone(ap.VN_TZ).strftime("%d/%m/%Y")
        raise _rejected("not_yet_valid", f"Chứng thư số chưa có hiệu lực (từ ngày {day}).",
                        f"The certificate is not valid before {not_before.date().isoformat()}.")


def _rejected(reason: str, vi: str, en: str, **extra) -> CertificateRejected:
    return CertificateRejected(vi, en, reason=reason, **extra)


# --- signing ------------------------------------------------------------------

def check_level(level: str, timestamper_: TimeStamper | None,
                validation_context: ValidationContext | None, require_context: bool = True) -> None:
    """ValueError for an unknown level or a level missing what it needs.

    ``require_context=False`` skips the B-LT/B-LTA context check (external
    signing only needs it when finishing).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown PAdES level {level!r}; expected one of {LEVELS}")
    if level != "B-B" and timestamper_ is None:
        raise ValueError(f"{level} needs a timestamper (TSA)")
    if require_context and level in ("B-LT", "B-LTA") and validation_context is None:
        raise ValueError(f"{level} needs a validation context to collect OCSP/CRL data")


def signature_metadata(field: str, level: str, certify: bool,
                       validation_context: ValidationContext | None,
                       reason: str | None = None, location: str | None = None) -> signers.PdfSignatureMetadata:
    """PAdES (ETSI.CAdES.detached), SHA-256, DocMDP "fill forms" when certifying."""
    long_term = level in ("B-LT", "B-LTA")
    return signers.PdfSignatureMetadata(
        field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm=MD,
        certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS,
        embed_validation_info=long_term, use_pades_lta=level == "B-LTA",
        validation_context=validation_context if long_term else None,
        signer_key_usage=set(SIGNER_KEY_USAGE), reason=reason, location=location)


def sign(pdf: bytes, signer: signers.Signer, *, field: str, appearance: Appearance | None = None,
         level: str = "B-B", timestamper: TimeStamper | None = None,
         validation_context: ValidationContext | None = None, certify: bool = False,
         box: Box | None = None, reason: str | None = None) -> bytes:
    """Sign ``pdf`` into the existing empty field ``field`` (or a new one at ``box``).

    The appearance is the leader style of :mod:`signing.appearance` (image,
    else text lines). Returns the PDF with the signature appended as an
    incremental update; the input bytes are a prefix of the output.
    """
    style = ap.leader_style(appearance or Appearance())
    return sign_with_style(pdf, signer, field=field, style=style, level=level, timestamper=timestamper,
                           validation_context=validation_context, certify=certify, box=box, reason=reason)


def sign_with_style(pdf: bytes, signer: signers.Signer, *, field: str, style: BaseStampStyle,
                    level: str = "B-B", timestamper: TimeStamper | None = None,
                    validation_context: ValidationContext | None = None, certify: bool = False,
                    box: Box | None = None, reason: str | None = None) -> bytes:
    """:func:`sign` with an explicit pyHanko stamp style (seal, attachment)."""
    check_level(level, timestamper, validation_context)
    check_certificate(signer.signing_cert, validation_context, intermediates=_registry_certs(signer))
    writer = open_writer(pdf)
    check_target_field(writer, field, new=box is not None)
    meta = signature_metadata(field, level, certify, validation_context, reason=reason)
    spec = sigfields.SigFieldSpec(field, box=(box.x1, box.y1, box.x2, box.y2), on_page=box.page) if box else None
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper if level != "B-B" else None,
                                   stamp_style=style, new_field_spec=spec)
    with translate_errors(getattr(timestamper, "url", None)):
        out = pdf_signer.sign_pdf(writer, existing_fields_only=box is None)
    return out.getvalue()


def _registry_certs(signer: signers.Signer) -> list[asn1_x509.Certificate]:
    """The CA certificates the signer carries (to build the chain offline)."""
    registry = getattr(signer, "cert_registry", None)
    return list(registry) if registry is not None else []


def check_target_field(writer, field: str, new: bool) -> None:
    """An existing field must be an empty signature field; a new name must be free."""
    found = list(sigfields.enumerate_sig_fields(writer, with_name=field))
    if new:
        if found:
            raise InvalidPdf(f"Tệp PDF đã có trường ký “{field}”.", f"The PDF already has a field '{field}'.")
        return
    if not found:
        raise FieldMissing(f"Không có trường ký “{field}” trong tệp PDF.",
                           f"The PDF has no signature field '{field}'.", field=field)
    _, value, _ = found[0]
    if value is not None:
        raise InvalidPdf(f"Trường ký “{field}” đã được ký.", f"Signature field '{field}' is already signed.")


@contextmanager
def translate_errors(tsa_url: str | None) -> Iterator[None]:
    """pyHanko/aiohttp failures → our errors with Vietnamese messages."""
    try:
        yield
    except (TimestampUnavailable, CertificateRejected):
        raise
    except Exception as exc:
        if _caused_by_tsa(exc):
            raise _tsa_error(tsa_url) from exc
        if isinstance(exc, (SigningError, ValueError, TypeError)):
            raise
        raise SigningError("Ký số không thành công: " + str(exc), f"Signing failed: {exc}") from exc


def _caused_by_tsa(exc: BaseException | None) -> bool:
    """True when a TimestampRequestError sits anywhere in the cause chain."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, TimestampRequestError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


# --- the three business acts ----------------------------------------------------

def sign_leader(pdf: bytes, signer: signers.Signer, appearance: Appearance, level: str = "B-T",
                timestamper: TimeStamper | None = None,
                validation_context: ValidationContext | None = None) -> bytes:
    """The competent person's certification signature into SigLeader (DocMDP P=2)."""
    return sign(pdf, signer, field=FIELD_LEADER, appearance=appearance, level=level,
                timestamper=timestamper, validation_context=validation_context, certify=True)


def sign_seal(pdf: bytes, signer: signers.Signer, seal_png: bytes, level: str = "B-LTA",
              timestamper: TimeStamper | None = None,
              validation_context: ValidationContext | None = None) -> bytes:
    """The agency's approval signature into SigSeal, showing the red seal only."""
    return sign_with_style(pdf, signer, field=FIELD_SEAL, style=ap.seal_style(seal_png), level=level,
                           timestamper=timestamper, validation_context=validation_context)


def sign_attachment(pdf: bytes, signer: signers.Signer, number_text: str, moment: datetime,
                    level: str = "B-T", timestamper: TimeStamper | None = None,
                    validation_context: ValidationContext | None = None,
                    field: str = FIELD_ATTACHMENT) -> bytes:
    """The agency's signature on an attachment: new field, top right of page 1.

    Text only, size 10, black: the number/symbol of the main document and the
    signing time in ISO 8601 with +07:00 (DOMAIN §2.8).
    """
    lines = [number_text, ap.iso_vn(moment)]
    width, height = _page_size(pdf, 0)
    box = ap.attachment_box(width, height, lines)
    return sign_with_style(pdf, signer, field=field, style=ap.attachment_style(lines), level=level,
                           timestamper=timestamper, validation_context=validation_context, box=box)


def _page_size(pdf: bytes, index: int) -> tuple[float, float]:
    """Width and height of a page in points (its /MediaBox, inherited or not)."""
    page_ref, _ = open_reader(pdf).find_page_for_modification(index)
    page = page_ref.get_object()
    box = _inherited(page, "/MediaBox")
    x1, y1, x2, y2 = (float(v) for v in box) if box is not None else (0, 0, 595.28, 841.89)
    return abs(x2 - x1), abs(y2 - y1)


def _inherited(node, key: str):
    """A page attribute that may sit on the page or on any ancestor."""
    for _ in range(64):
        if node is None:
            return None
        if key in node:
            return node[key]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return None
