"""Validate every signature of any PDF (ours or incoming) into SignatureReports.

One report per signature field that holds a value, document timestamps
included, in signing order. Each signature is checked on its own: a broken
or hostile signature gives an "invalid" report with the reason, it does not
crash the whole validation. The summary ``status``:

* ``invalid``: the signed bytes changed, the cryptography fails, the
  certificate was revoked, or the signature could not be read;
* ``modified``: the signature itself is fine but the document was changed
  afterwards in a way its permissions do not allow (DocMDP, or unexplained
  changes such as drawing on the page);
* ``untrusted``: fine, but the chain does not reach a configured root (or its
  timestamp is not trusted);
* ``valid``: all good. A chain ending at a DEMO root is valid for testing
  but ``demo_root`` is set and a reason says so.

Agency seal certificates often carry digitalSignature only, so the key usage
required is digitalSignature (STACK pitfall 5), not pyHanko's default
nonRepudiation.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (DocumentSecurityStore, validate_pdf_signature,
                                     validate_pdf_timestamp)
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .appearance import iso_vn
from .fields import walk_fields
from .model import SignatureReport
from .pdfio import open_reader

__all__ = ["TrustSettings", "validate_pdf", "ades_lta_offline", "MAX_SIGNATURES"]

MAX_SIGNATURES = 50          # a hostile PDF with thousands of fields is not diffed thousands of times
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature"})


@dataclass
class TrustSettings:
    """Which roots to trust (DER), which of them are demo roots, and fetching.

    ``allow_fetching`` lets validation fetch OCSP/CRL/issuer certificates
    from the URLs in the certificates (online); otherwise only what the PDF
    carries (its DSS) is used.
    """

    trust_roots: list[bytes]
    demo_roots: list[bytes] = field(default_factory=list)
    allow_fetching: bool = False
    other_certs: list[bytes] = field(default_factory=list)

    def all_roots(self) -> list[asn1_x509.Certificate]:
        seen, roots = set(), []
        for der in list(self.trust_roots) + list(self.demo_roots):
            if der not in seen:
                seen.add(der)
                roots.append(asn1_x509.Certificate.load(der))
        return roots


class _Reasons:
    """Collects Vietnamese and English reasons side by side."""

    def __init__(self) -> None:
        self.vi: list[str] = []
        self.en: list[str] = []

    def add(self, vi: str, en: str) -> None:
        self.vi.append(vi)
        self.en.append(en)


# --- entry points ---------------------------------------------------------------

def validate_pdf(pdf: bytes, trust: TrustSettings) -> list[SignatureReport]:
    """Reports for every signature and document timestamp of ``pdf``.

    [] when there is none; InvalidPdf when the file cannot be read at all.
    """
    reader = open_reader(pdf)
    fields_with_value = _signed_fields(reader)
    dss = _read_dss(reader)
    reports, embedded = [], []
    for name, sig_field in fields_with_value[:MAX_SIGNATURES]:
        try:
            embedded.append(EmbeddedPdfSignature(reader, sig_field, name))
        except Exception as exc:
            reports.append(_unreadable(name, exc))
    embedded.sort(key=_revision_or_last)
    ts_revisions = [_revision_or_last(e) for e in embedded if _kind(e) == "doc_timestamp"]
    dss_only = _dss_only(dss)
    for emb in embedded:
        reports.append(_validate_one(reader, emb, trust, dss, dss_only, ts_revisions))
    for name, _ in fields_with_value[MAX_SIGNATURES:]:
        reports.append(_skipped(name))
    return reports


def ades_lta_offline(pdf: bytes, trust: TrustSettings) -> list[str]:
    """ETSI EN 319 102-1 long-term validation, offline, per regular signature.

    Only what the PDF carries (DSS + document timestamps) is used; "PASSED"
    means the signature can be proven valid without any network, which is
    what an archive needs (B-LTA). Otherwise "INDETERMINATE/<why>" or
    "FAILED/<why>".
    """
    reader = open_reader(pdf)
    spec = _lta_spec(trust)
    results = []
    for emb in reader.embedded_regular_signatures:
        try:
            from pyhanko.sign.validation.ades import ades_lta_validation

            result = asyncio.run(ades_lta_validation(emb, spec))
            indic = result.ades_subindic
            results.append("PASSED" if indic.status.name == "PASSED" else f"{indic.status.name}/{indic.name}")
        except Exception as exc:
            results.append(f"FAILED/{type(exc).__name__}")
    return results


def _lta_spec(trust: TrustSettings):
    """Trust the configured roots, require revocation info, fetch nothing."""
    from pyhanko.sign.validation.policy_decl import (PdfSignatureValidationSpec, RevinfoOnlineFetchingRule,
                                                     RevocationInfoGatheringSpec, SignatureValidationSpec)
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
    from pyhanko_certvalidator.registry import SimpleTrustManager

    policy = CertValidationPolicySpec(trust_manager=SimpleTrustManager.build(trust_roots=trust.all_roots()),
                                      revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO))
    gathering = RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)
    return PdfSignatureValidationSpec(SignatureValidationSpec(cert_validation_policy=policy,
                                                              revinfo_gathering_policy=gathering,
                                                              key_usage_settings=KEY_USAGE))


# --- reading ------------------------------------------------------------------------

def _signed_fields(reader) -> list[tuple[str, object]]:
    """(name, field dict) of every signature field with a value, bounded."""
    found = []
    try:
        for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
            found.append((name, field_ref.get_object()))
            if len(found) > 10 * MAX_SIGNATURES:
                break
    except Exception:  # a broken field tree: report what was found so far
        pass
    return found


def _read_dss(reader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None
    except Exception:
        return None


def _revision_or_last(emb: EmbeddedPdfSignature) -> int:
    try:
        return emb.signed_revision
    except Exception:
        return 1 << 30


def _kind(emb: EmbeddedPdfSignature) -> str:
    try:
        return "doc_timestamp" if emb.sig_object_type == "/DocTimeStamp" else "signature"
    except Exception:
        return "signature"


def _dss_only(dss: DocumentSecurityStore | None) -> ValidationContext | None:
    """The DSS's OCSP responses and CRLs alone (to tell B-LT from B-T)."""
    if dss is None:
        return None
    try:
        return dss.as_validation_context({"allow_fetching": False, "trust_roots": []})
    except Exception:
        return None


def _context(trust: TrustSettings, dss: DocumentSecurityStore | None) -> ValidationContext:
    """A fresh context per signature, preloaded with the PDF's DSS data."""
    kwargs = dict(trust_roots=trust.all_roots(), allow_fetching=trust.allow_fetching,
                  other_certs=[asn1_x509.Certificate.load(c) for c in trust.other_certs])
    if dss is not None:
        try:
            return dss.as_validation_context(kwargs)
        except Exception:
            pass
    return ValidationContext(**kwargs)


# --- one signature ------------------------------------------------------------------

def _validate_one(reader, emb: EmbeddedPdfSignature, trust: TrustSettings,
                  dss: DocumentSecurityStore | None, dss_only: ValidationContext | None,
                  ts_revisions: list[int]) -> SignatureReport:
    """Validate one signature; any exception becomes an 'invalid' report."""
    try:
        vc = _context(trust, dss)
        if _kind(emb) == "doc_timestamp":
            status = validate_pdf_timestamp(emb, validation_context=vc)
        else:
            status = validate_pdf_signature(emb, vc, vc, key_usage_settings=KEY_USAGE)
        return _report(reader, emb, status, vc, dss_only, trust, ts_revisions)
    except Exception as exc:
        return _unreadable(_safe_name(emb), exc, emb)


def _safe_name(emb: EmbeddedPdfSignature) -> str:
    try:
        return str(emb.field_name)
    except Exception:
        return "?"


def _report(reader, emb, status, vc, dss_only, trust: TrustSettings,
            ts_revisions: list[int]) -> SignatureReport:
    kind = _kind(emb)
    cert = status.signing_cert
    report = SignatureReport(
        field=_safe_name(emb), signer=_display_name(cert), signer_subject=_rfc4514(cert, "subject"),
        issuer=_rfc4514(cert, "issuer"), serial=format(cert.serial_number, "X"), kind=kind,
        chain=_chain_names(status, emb), intact=bool(status.intact), valid=bool(status.valid),
        trusted=bool(status.trusted), coverage=_name(status.coverage),
        modification_level=_name(status.modification_level), docmdp_ok=status.docmdp_ok)
    report.demo_root = _ends_at_demo_root(status, trust)
    report.revocation = _revocation(status, vc, cert, trust)
    _fill_times(report, status, kind)
    report.certified = kind == "signature" and emb.docmdp_level is not None
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        report.changed_fields = _changed_fields(reader, emb.signed_revision)
    report.level = _level(emb, report, dss_only, cert, ts_revisions) if kind == "signature" else ""
    _judge(report, status)
    return report


def _name(value) -> str:
    return value.name if value is not None else ""


def _rfc4514(cert: asn1_x509.Certificate, which: str) -> str:
    """"CN=…,O=…,C=VN" (RFC 4514); asn1crypto's human form if cryptography refuses."""
    try:
        from cryptography import x509 as pyca_x509

        return getattr(pyca_x509.load_der_x509_certificate(cert.dump()), which).rfc4514_string()
    except Exception:
        return getattr(cert, which).human_friendly


def _display_name(cert: asn1_x509.Certificate) -> str:
    """"CN (O)" as the signature panel shows it."""
    subject = cert.subject.native
    cn, org = subject.get("common_name"), subject.get("organization_name")
    cn = cn[-1] if isinstance(cn, list) else cn
    org = org[-1] if isinstance(org, list) else org
    if cn and org and org != cn:
        return f"{cn} ({org})"
    return cn or org or cert.subject.human_friendly


def _common_name(cert: asn1_x509.Certificate) -> str:
    cn = cert.subject.native.get("common_name")
    return (cn[-1] if isinstance(cn, list) else cn) or cert.subject.human_friendly


def _chain_names(status, emb) -> list[str]:
    """Leaf → root CNs: the validated path, else the certificates the CMS carries."""
    path = status.validation_path
    if path is not None:
        return [_common_name(c) for c in reversed(list(path.iter_certs(include_root=True)))]
    chain, current = [], status.signing_cert
    pool = {c.subject.dump(): c for c in emb.other_embedded_certs}
    while current is not None and len(chain) < 10:
        chain.append(_common_name(current))
        if current.self_signed == "maybe" or current.subject == current.issuer:
            break
        current = pool.get(current.issuer.dump())
    return chain


def _ends_at_demo_root(status, trust: TrustSettings) -> bool:
    path = status.validation_path
    if path is None or not trust.demo_roots:
        return False
    root = next(iter(path.iter_certs(include_root=True)), None)
    return root is not None and root.dump() in {bytes(d) for d in trust.demo_roots}


def _revocation(status, vc: ValidationContext, cert: asn1_x509.Certificate, trust: TrustSettings) -> str:
    """good | revoked | unknown | not_checked, from what the context saw."""
    if status.revocation_details is not None:
        return "revoked"
    if _ocsp_good(vc, cert) or _crl_clear(vc, cert):
        return "good"
    return "unknown" if trust.allow_fetching else "not_checked"


def _ocsp_good(vc: ValidationContext, cert: asn1_x509.Certificate) -> bool:
    for resp in vc.ocsps:
        try:
            for single in resp.basic_ocsp_response["tbs_response_data"]["responses"]:
                if (single["cert_id"]["serial_number"].native == cert.serial_number
                        and single["cert_status"].name == "good"):
                    return True
        except Exception:
            continue
    return False


def _crl_clear(vc: ValidationContext, cert: asn1_x509.Certificate) -> bool:
    for crl in vc.crls:
        try:
            if crl.issuer != cert.issuer:
                continue
            revoked = crl["tbs_cert_list"]["revoked_certificates"]
            serials = {entry["user_certificate"].native for entry in revoked} if revoked.native else set()
            if cert.serial_number not in serials:
                return True
        except Exception:
            continue
    return False


def _fill_times(report: SignatureReport, status, kind: str) -> None:
    """Claimed time, RFC 3161 time and its validity, in VN time."""
    if kind == "doc_timestamp":
        report.signing_time = report.timestamp = iso_vn(status.timestamp)
        report.timestamp_valid = bool(status.valid and status.intact and status.trusted)
        return
    if status.signer_reported_dt is not None:
        report.signing_time = iso_vn(status.signer_reported_dt)
    ts = status.timestamp_validity
    if ts is not None:
        report.timestamp = iso_vn(ts.timestamp)
        report.timestamp_valid = bool(ts.valid and ts.intact and ts.trusted)


def _changed_fields(reader, signed_revision: int) -> list[str]:
    """Form fields whose value differs now from when this signature was made.

    pyHanko's own ``changed_form_fields`` lists every non-signature field
    the form rule looked at, changed or not, so it is recomputed here.
    Fields holding document timestamps are left out (archival noise).
    """
    try:
        old = _field_values(reader.get_historical_resolver(signed_revision).root)
        new = _field_values(reader.root)
    except Exception:
        return []
    return sorted(name for name in set(old) | set(new)
                  if old.get(name) != new.get(name) and new.get(name) != "doc_timestamp")


def _field_values(root) -> dict[str, str | None]:
    values = {}
    for name, fld, _ in walk_fields(root):
        value = fld.get("/V")
        if fld.get("/FT") == "/Sig":
            obj = value.get_object() if value is not None else None
            values[name] = None if obj is None else (
                "doc_timestamp" if obj.get("/Type") == "/DocTimeStamp" else "signed")
        else:
            values[name] = None if value is None else str(value)
    return values


def _level(emb, report: SignatureReport, dss_only: ValidationContext | None, cert,
           ts_revisions: list[int]) -> str:
    """B-B / B-T / B-LT / B-LTA, best effort.

    B-T: a signature timestamp; B-LT: the DSS holds revocation data for the
    signer; B-LTA: and a document timestamp was added after the signature.
    """
    if report.timestamp is None:
        return "B-B"
    if dss_only is None or not (_ocsp_good(dss_only, cert) or _crl_clear(dss_only, cert)):
        return "B-T"
    if any(rev > emb.signed_revision for rev in ts_revisions):
        return "B-LTA"
    return "B-LT"


# --- the verdict ----------------------------------------------------------------------

def _judge(report: SignatureReport, status) -> None:
    """Set ``status`` and the reasons: invalid > modified > untrusted > valid."""
    r = _Reasons()
    invalid = not (report.intact and report.valid)
    if not report.intact:
        r.add("Nội dung đã ký bị thay đổi (dữ liệu không còn khớp với chữ ký).",
              "The signed content was altered (the digest does not match).")
    elif not report.valid:
        r.add("Chữ ký số không hợp lệ về mặt mật mã.", "The signature is cryptographically invalid.")
    if report.revocation == "revoked":
        invalid = True
        r.add("Chứng thư số đã bị thu hồi.", "The signer's certificate has been revoked.")
    modified = _modified(report, status, r)
    untrusted = _untrusted(report, status, r)
    if report.demo_root:
        r.add("Chứng thư số thuộc hệ thống DEMO (chỉ dùng thử nghiệm, không có giá trị pháp lý).",
              "The certificate chains to a DEMO root (testing only, no legal value).")
    report.status = ("invalid" if invalid else "modified" if modified
                     else "untrusted" if untrusted else "valid")
    if report.status == "valid":
        r.vi.insert(0, "Chữ ký số hợp lệ.")
        r.en.insert(0, "The signature is valid.")
    report.reasons, report.reasons_en = r.vi, r.en


def _modified(report: SignatureReport, status, r: _Reasons) -> bool:
    """Changes after signing that the signature does not permit."""
    coverage = status.coverage
    if coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION):
        r.add("Chữ ký không bao trùm toàn bộ tài liệu.", "The signature does not cover the whole document.")
        return True
    if report.docmdp_ok is False or report.modification_level == "OTHER":
        r.add("Tài liệu đã bị sửa đổi sau khi ký theo cách không được phép.",
              "The document was changed after signing in a way that is not allowed.")
        return True
    if report.changed_fields and coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        r.add("Sau khi ký, tài liệu được bổ sung hợp lệ: " + ", ".join(report.changed_fields) + ".",
              "Permitted additions after signing: " + ", ".join(report.changed_fields) + ".")
    return False


def _untrusted(report: SignatureReport, status, r: _Reasons) -> bool:
    """Chain or timestamp not trusted (only meaningful when the bytes are intact)."""
    untrusted = False
    if report.intact and report.valid and not report.trusted and report.revocation != "revoked":
        r.add("Không xác minh được chứng thư số đến một tổ chức chứng thực tin cậy.",
              "The certificate does not chain to a trusted root.")
        untrusted = True
    if report.timestamp is not None and report.timestamp_valid is False:
        r.add("Dấu thời gian không hợp lệ hoặc không được tin cậy.",
              "The timestamp is invalid or not trusted.")
        untrusted = True
    return untrusted


def _unreadable(name: str, exc: Exception, emb: EmbeddedPdfSignature | None = None) -> SignatureReport:
    """A report for a signature that could not even be validated."""
    kind = _kind(emb) if emb is not None else "signature"
    return SignatureReport(field=name, signer="", signer_subject="", issuer="", serial="", kind=kind,
                           status="invalid",
                           reasons=[f"Không đọc/kiểm tra được chữ ký: {type(exc).__name__}."],
                           reasons_en=[f"The signature could not be read or checked: {exc}"])


def _skipped(name: str) -> SignatureReport:
    return SignatureReport(field=name, signer="", signer_subject="", issuer="", serial="",
                           status="invalid", revocation="not_checked",
                           reasons=["Quá nhiều chữ ký trong tệp; chữ ký này không được kiểm tra."],
                           reasons_en=["Too many signatures in the file; this one was not checked."])
