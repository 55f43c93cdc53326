"""Builds the collaborators of the use cases from configuration.

Use cases receive these as arguments; this is the one place that decides
which implementation runs (blob storage, upload limits, job queue).
"""
from __future__ import annotations

from datetime import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, has_app_context

from archive.inspection import Limits
from archive.search import follow
from archive.search.indexer import open_index
from archive.mailer import NullMailer, SmtpMailer, SmtpSettings
from archive.storage import FilesystemBlobStorage
from workflows import outgoing
from workflows.routing import Routing, RoutingSettings
from workflows.signing_service import SigningService, SigningSettings


def init_app(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    app.extensions["eoffice.storage"] = FilesystemBlobStorage(data_dir / "blobs")
    app.extensions["eoffice.limits"] = Limits(
        max_bytes=app.config["MAX_FILE_BYTES"], max_pages=app.config["MAX_PDF_PAGES"],
        timeout_seconds=app.config["PROBE_TIMEOUT_SECONDS"],
        memory_mb=app.config["PROBE_MEMORY_MB"])
    app.extensions["eoffice.staging"] = data_dir / "staging"
    smtp = smtp_settings(app.config.get("SMTP_URL"))
    app.extensions["eoffice.mailer"] = SmtpMailer(smtp) if smtp else NullMailer()
    app.extensions["eoffice.routing"] = Routing(RoutingSettings(
        weekdays=frozenset(int(d) for d in str(app.config["WORKING_WEEKDAYS"]).split(",")
                           if d.strip()),
        default_handling_days=app.config["DEFAULT_HANDLING_DAYS"],
        reminder_days=app.config["REMINDER_DAYS"],
        step_seconds=float(app.config["ROUTING_STEP_SECONDS"]),
        workday_end=time.fromisoformat(app.config["WORKDAY_END"]),
        email=smtp is not None))
    outgoing.install(app.extensions["eoffice.routing"])
    from signing import fonts
    fonts.configure(data_dir / "fonts")  # 1000-upem copies of the signature fonts
    app.extensions["eoffice.signing"] = SigningService(signing_settings(app, data_dir))
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    app.extensions["eoffice.search"] = open_index(
        app.config["SEARCH_BACKEND"], "postgresql" if uri.startswith("postgresql") else "sqlite",
        data_dir)
    follow.install(_index_of_session)
    # Text extraction / OCR: every new PDF gets its pending row, enqueued after commit.
    from app.jobs import enqueue_text
    from workflows import extraction
    extraction.install(enqueue_text)
    # PDF/A copies of archived PDFs: queued by the transfer, enqueued after its commit.
    from app.preservation import jobs as preservation_jobs
    preservation_jobs.install(app)


def _index_of_session(session):
    """The search index that follows ``session``'s changes: the current app's
    (or one a script put in ``session.info["search_index"]``)."""
    if "search_index" in session.info:
        return session.info["search_index"]
    return current_app.extensions.get("eoffice.search") if has_app_context() else None


def _read_certs(paths) -> tuple[bytes, ...]:
    """DER bytes of each PEM or DER certificate file."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    out = []
    for p in paths:
        data = Path(p).read_bytes()
        cert = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data))
        out.append(cert.public_bytes(Encoding.DER))
    return tuple(out)


def demo_pki(data_dir: Path):
    """The demo agency's PKI (``flask demo``), when there is one."""
    if not (data_dir / "pki" / "pki.json").is_file():
        return None
    from signing.pki import PkiInfo
    return PkiInfo.load(data_dir / "pki")


def signing_settings(app: Flask, data_dir: Path) -> SigningSettings:
    demo_roots = list(_read_certs(app.config.get("DEMO_ROOTS") or []))
    tsa = app.config.get("TSA_URL")
    info = demo_pki(data_dir)
    if info is not None:
        demo_roots.append(info.root_der())
        tsa = tsa or info.tsa_url
    return SigningSettings(
        tsa_url=tsa, tsa_fallback=bool(app.config.get("TSA_FALLBACK")),
        leader_level=app.config["SIGN_LEVEL_LEADER"], seal_level=app.config["SIGN_LEVEL_SEAL"],
        trust_roots=_read_certs(app.config.get("TRUST_ROOTS") or []),
        demo_roots=tuple(demo_roots), allow_fetching=bool(app.config["REVOCATION_FETCH"]),
        pkcs11_module=app.config.get("PKCS11_MODULE"),
        max_pin_attempts=app.config["SIGN_MAX_PIN_ATTEMPTS"],
        lock_minutes=app.config["SIGN_LOCK_MINUTES"])


def smtp_settings(url: str | None) -> SmtpSettings | None:
    """``smtp://user:pass@host:587?starttls=1&from=vanthu@so.gov.vn`` (or ``smtps://``)."""
    if not url:
        return None
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname or "", port=parts.port or (465 if secure else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=query.get("starttls", "0") in ("1", "true", "yes"), use_ssl=secure,
        sender=query.get("from", "eoffice@localhost"),
        timeout=float(query.get("timeout", "10")))


def signing() -> SigningService:
    return current_app.extensions["eoffice.signing"]


def routing() -> Routing:
    return current_app.extensions["eoffice.routing"]


def mailer():
    return current_app.extensions["eoffice.mailer"]


def search_index():
    return current_app.extensions["eoffice.search"]


def exchange_transports():
    """How edXML packages reach recipients (local agencies directly, peers by HTTPS)."""
    from workflows.exchange_out import Transports
    return Transports(storage(), timeout=float(current_app.config["EXCHANGE_TIMEOUT_SECONDS"]),
                      max_attempts=int(current_app.config["EXCHANGE_MAX_ATTEMPTS"]),
                      ca_file=current_app.config.get("EXCHANGE_CA_FILE") or None,
                      axis=exchange_axis())


def exchange_axis():
    """The national axis / LGSP adapter the operator configured, or None."""
    cfg = current_app.config
    if not cfg.get("EXCHANGE_AXIS_URL"):
        return None
    from exchange import axis
    return axis.load(cfg["EXCHANGE_AXIS_ADAPTER"], base_url=cfg["EXCHANGE_AXIS_URL"],
                     system_id=cfg["EXCHANGE_AXIS_SYSTEM_ID"],
                     secret_key=cfg["EXCHANGE_AXIS_SECRET"],
                     timeout=float(cfg["EXCHANGE_TIMEOUT_SECONDS"]),
                     ca_file=cfg.get("EXCHANGE_CA_FILE") or None)


def storage() -> FilesystemBlobStorage:
    return current_app.extensions["eoffice.storage"]


def limits() -> Limits:
    return current_app.extensions["eoffice.limits"]


def staging_dir() -> Path:
    return current_app.extensions["eoffice.staging"]


def draft_inputs():
    from app.jobs import conversion_enqueuer
    return outgoing.DraftInputs(storage=storage(), limits=limits(), routing=routing(),
                                convert_later=conversion_enqueuer(current_app._get_current_object()))


def signing_inputs():
    from workflows.issuing import SigningInputs
    return SigningInputs(storage=storage(), routing=routing(), signing=signing())


def signature_validator():
    """``pdf bytes -> (status, reports)``: incoming PDFs are validated at registration."""
    from workflows.issuing import validate_bytes
    service = signing()
    return lambda pdf: validate_bytes(service, pdf)
