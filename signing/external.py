"""Signing with a key the server never sees (browser, USB token plugin, remote API).

Two steps with nothing but JSON between them (STACK "Interrupted / remote
signing"):

1. :func:`prepare_external` reserves the signature in the PDF (appearance
   included), computes the document digest and the CMS signed attributes,
   and returns :class:`PreparedExternal`. The client signs
   ``data_to_sign`` (the DER of the signed attributes) with
   RSASSA-PKCS1-v1_5 / SHA-256, exactly what Web Crypto
   ``crypto.subtle.sign({name: "RSASSA-PKCS1-v1_5"}, key, data)`` does with
   a SHA-256 key.
2. :func:`finish_external` checks the returned raw signature against the
   certificate's public key BEFORE embedding it, builds the CMS (adding the
   RFC 3161 timestamp for B-T and above), writes it into the reserved
   space and, for B-LT/B-LTA, appends the validation data and the document
   timestamp.
"""
from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import asdict, dataclass, field

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import appearance as ap
from . import pades
from .model import Appearance, Box, SigningError
from .pdfio import open_reader, open_writer

__all__ = ["PreparedExternal", "prepare_external", "finish_external"]

_BYTES_FIELDS = ("pdf", "document_digest", "signed_attrs", "data_to_sign", "cert_der")


@dataclass
class PreparedExternal:
    """Everything needed to finish later, in another request or process.

    ``as_dict`` gives JSON-ready data (bytes as base64). Keep it server-side
    (the PDF is in it); send the client only ``data_to_sign``.
    """

    pdf: bytes                      # the PDF with the signature space reserved
    document_digest: bytes          # SHA-256 over the byte range
    reserved_start: int             # the /Contents hole: [start, end)
    reserved_end: int
    signed_attrs: bytes             # DER of the CMS signed attributes
    data_to_sign: bytes             # = signed_attrs (the client hashes and signs it)
    field: str
    level: str
    cert_der: bytes
    chain_der: list[bytes] = field(default_factory=list)
    md_algorithm: str = "sha256"

    def as_dict(self) -> dict:
        d = asdict(self)
        for name in _BYTES_FIELDS:
            d[name] = base64.b64encode(d[name]).decode("ascii")
        d["chain_der"] = [base64.b64encode(c).decode("ascii") for c in self.chain_der]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PreparedExternal":
        data = dict(d)
        for name in _BYTES_FIELDS:
            data[name] = base64.b64decode(data[name])
        data["chain_der"] = [base64.b64decode(c) for c in data.get("chain_der", [])]
        return cls(**data)


def _external_signer(cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate],
                     signature_value: bytes | None = None) -> signers.ExternalSigner:
    """pyHanko's placeholder signer: a zero signature of the key's size, or the real one."""
    size = cert.public_key.bit_size // 8
    return signers.ExternalSigner(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain),
                                  signature_value=signature_value if signature_value is not None else size)


def prepare_external(pdf: bytes, cert_der: bytes, chain_der: list[bytes], field: str,
                     appearance: Appearance | None, level: str = "B-T",
                     timestamper: TimeStamper | None = None, certify: bool = False,
                     box: Box | None = None,
                     validation_context: ValidationContext | None = None) -> PreparedExternal:
    """Reserve the signature in ``pdf`` and compute what the client must sign.

    The certificate is checked first (expiry always; revocation and trust
    with ``validation_context``). For B-T and above the TSA is contacted once
    to size the reserved space, so ``timestamper`` is required then.
    """
    pades.check_level(level, timestamper, validation_context, require_context=False)
    cert = asn1_x509.Certificate.load(cert_der)
    chain = [asn1_x509.Certificate.load(c) for c in chain_der]
    pades.check_certificate(cert, validation_context, intermediates=chain)
    writer = open_writer(pdf)
    pades.check_target_field(writer, field, new=box is not None)
    meta = pades.signature_metadata(field, "B-T" if level != "B-B" else "B-B", certify, None)
    spec = (signers.SigFieldSpec(field, box=(box.x1, box.y1, box.x2, box.y2), on_page=box.page)
            if box else None)
    ext = _external_signer(cert, chain)
    pdf_signer = signers.PdfSigner(meta, ext, timestamper=timestamper if level != "B-B" else None,
                                   stamp_style=ap.leader_style(appearance or Appearance()),
                                   new_field_spec=spec)
    with pades.translate_errors(getattr(timestamper, "url", None)):
        prep, _, output = asyncio.run(pdf_signer.async_digest_doc_for_signing(
            writer, existing_fields_only=box is None))
        attrs = asyncio.run(ext.signed_attrs(prep.document_digest, pades.MD, use_pades=True))
    signed_attrs = attrs.dump()
    return PreparedExternal(pdf=output.getvalue(), document_digest=prep.document_digest,
                            reserved_start=prep.reserved_region_start, reserved_end=prep.reserved_region_end,
                            signed_attrs=signed_attrs, data_to_sign=signed_attrs, field=field, level=level,
                            cert_der=cert_der, chain_der=list(chain_der))


def verify_raw_signature(cert_der: bytes, data: bytes, signature_value: bytes) -> None:
    """RSASSA-PKCS1-v1_5/SHA-256 check of the client's signature over ``data``."""
    public_key = pyca_x509.load_der_x509_certificate(cert_der).public_key()
    try:
        public_key.verify(signature_value, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, TypeError, ValueError) as exc:
        raise SigningError("Chữ ký số từ trình duyệt không hợp lệ.",
                           "The signature returned by the browser is not valid.") from exc


def finish_external(prepared: PreparedExternal, signature_value: bytes,
                    timestamper: TimeStamper | None = None,
                    validation_context: ValidationContext | None = None) -> bytes:
    """Embed the client's raw signature; return the signed PDF.

    ``timestamper`` is required for B-T and above (the token is requested
    now, over the real signature); ``validation_context`` for B-LT/B-LTA.
    """
    pades.check_level(prepared.level, timestamper, validation_context)
    verify_raw_signature(prepared.cert_der, prepared.data_to_sign, signature_value)
    cert = asn1_x509.Certificate.load(prepared.cert_der)
    chain = [asn1_x509.Certificate.load(c) for c in prepared.chain_der]
    ext = _external_signer(cert, chain, signature_value)
    tsa = timestamper if prepared.level != "B-B" else None
    with pades.translate_errors(getattr(timestamper, "url", None)):
        sig_cms = asyncio.run(ext.async_sign_prescribed_attributes(
            prepared.md_algorithm, signed_attrs=cms.CMSAttributes.load(prepared.signed_attrs), timestamper=tsa))
        output = io.BytesIO(prepared.pdf)
        digest = PreparedByteRangeDigest(prepared.document_digest, prepared.reserved_start,
                                         prepared.reserved_end)
        PdfTBSDocument.finish_signing(output, digest, sig_cms)
        signed = output.getvalue()
        if prepared.level in ("B-LT", "B-LTA"):
            signed = _make_long_term(signed, prepared.field, prepared.level, timestamper, validation_context)
    return signed


def _make_long_term(pdf: bytes, field: str, level: str, timestamper: TimeStamper,
                    validation_context: ValidationContext) -> bytes:
    """B-LT: add the chain's OCSP/CRL to the DSS; B-LTA: then a document timestamp."""
    from pyhanko.sign.validation import add_validation_info

    reader = open_reader(pdf)
    embedded = next(s for s in reader.embedded_signatures if s.field_name == field)
    out = add_validation_info(embedded, validation_context, force_write=True)
    pdf = out.getvalue()
    if level == "B-LTA":
        writer = open_writer(pdf)
        ts_out = signers.PdfTimeStamper(timestamper).timestamp_pdf(
            writer, pades.MD, validation_context, in_place=False)
        pdf = ts_out.getvalue()
    return pdf
