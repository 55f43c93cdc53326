"""Check a PDF's signatures with poppler's ``pdfsig`` (NSS), independently of pyHanko.

Reusable from the integration tests: ``pdfsig_report(pdf_bytes, root_pem)``
builds a throw-away NSS database trusting ``root_pem`` and returns one dict
per signature, e.g.::

    {"field": "SigLeader", "signer": "Nguyễn Văn An", "signature": "Signature is Valid.",
     "certificate": "Certificate is Trusted.", "signature_valid": True,
     "certificate_trusted": True, "total_document_signed": False, "type": "ETSI.CAdES.detached"}

OCSP is off by default (``-no-ocsp``), and must stay off with Debian's
poppler 22.12: its NSS code reads ``PORT_GetError()`` even after
``CERT_PKIXVerifyCert`` succeeded, and NSS's OCSP client (HTTP GET, which
certomancer's responder does not serve: it answers POST only) leaves
SEC_ERROR_OCSP_MALFORMED_RESPONSE behind, so every certificate, good or
revoked, comes out as "Unknown issue with Certificate or corrupted data"
(checked with an LD_PRELOAD shim: the call returns SECSuccess). The same bug is why our leaf certificates carry an
extendedKeyUsage: without one NSS leaves SEC_ERROR_EXTENSION_NOT_FOUND set.
Revocation is pyHanko's job here. pdfsig also does not validate
document timestamps (ETSI.RFC3161: "Signature has not yet been verified")
and does not analyse incremental updates after a signature: a signature
whose byte range is intact is "Valid" even if a later update drew on the
page; it only says "Not total document signed". That is why pyHanko's diff
analysis is the authority for "modified".
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

__all__ = ["pdfsig_report"]


def _nss_db(folder: Path, root_pem: bytes) -> str:
    """A fresh NSS database with ``root_pem`` trusted for signing (CT,C,C)."""
    db = folder / "nss"
    db.mkdir()
    root = folder / "root.pem"
    root.write_bytes(root_pem)
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{db}"], check=True,
                   capture_output=True, timeout=30)
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],
                   check=True, capture_output=True, timeout=30)
    return f"sql:{db}"


def _parse(output: str) -> list[dict]:
    """pdfsig's "Signature #n:" blocks into dicts."""
    reports: list[dict] = []
    keys = {"Signature Field Name": "field", "Signer Certificate Common Name": "signer",
            "Signature Validation": "signature", "Certificate Validation": "certificate",
            "Signature Type": "type", "Signing Time": "signing_time", "Signed Ranges": "ranges"}
    for line in output.splitlines():
        if line.startswith("Signature #"):
            reports.append({"total_document_signed": False})
            continue
        text = line.strip().lstrip("- ").strip()
        if not reports:
            continue
        if text == "Total document signed":
            reports[-1]["total_document_signed"] = True
        elif ":" in text:
            key, _, value = text.partition(":")
            if key in keys:
                reports[-1][keys[key]] = value.strip()
    for report in reports:
        report["signature_valid"] = report.get("signature") == "Signature is Valid."
        report["certificate_trusted"] = report.get("certificate") == "Certificate is Trusted."
    return reports


def pdfsig_report(pdf_bytes: bytes, root_pem: bytes, ocsp: bool = False, timeout: float = 60) -> list[dict]:
    """Run ``pdfsig`` on ``pdf_bytes`` with only ``root_pem`` trusted."""
    with tempfile.TemporaryDirectory(prefix="pdfsig-") as tmp:
        folder = Path(tmp)
        nss = _nss_db(folder, root_pem)
        pdf = folder / "document.pdf"
        pdf.write_bytes(pdf_bytes)
        args = ["pdfsig", "-nssdir", nss] + ([] if ocsp else ["-no-ocsp"]) + [str(pdf)]
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return _parse(result.stdout)
