"""Builders for the preservation tests: signed PDFs from the test PKI, documents
registered through the real use case with their signatures validated, the
preservation settings the tests run with.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

import config
from app import create_app, wiring
from app.extensions import db
from archive import directory
from archive.identity import Actor
from archive.preservation import PdfaSettings
from tests.conftest import incoming_fields
from tests.signing_support import PIN, app_config_for
from tests.unit.test_extraction import text_pdf
from workflows import incoming
from workflows.incoming import Upload
from workflows.preservation import PreservationSettings

_serial = count(31000)


def signed_pdf(pki, lines: tuple[str, ...] | None = None) -> bytes:
    """A born-digital PDF with a visible agency signature (the seal key, B-B)."""
    from signing import keys, pades
    signer = keys.pkcs12_signer(pki.info.p12("seal"), PIN)
    source = text_pdf(lines) if lines else text_pdf()
    return pades.sign_attachment(source, signer, "15/QĐ-UBND",
                                 datetime(2026, 11, 20, 8, 30, tzinfo=UTC), "B-B")


def statuses(pdf: bytes, pki) -> list[str]:
    from signing.validation import TrustSettings, validate_pdf
    trust = TrustSettings(trust_roots=[pki.info.root_der()], allow_fetching=False)
    return [r.as_dict()["status"] for r in validate_pdf(pdf, trust)]


def register(name: str, data: bytes, confirm: bool = True):
    """An incoming document registered by the clerk, its signatures validated."""
    values = incoming_fields(code_number=str(next(_serial)))
    clerk = Actor.of(directory.find_staff(db.session, "vanthu"))
    return incoming.register_incoming(
        db.session, clerk, wiring.storage(), wiring.limits(), values, [Upload(name, data)],
        today=date(2026, 11, 21), confirm_duplicate=confirm,
        validate=wiring.signature_validator()).document


def settings(tmp_path, **extra) -> PreservationSettings:
    values = {"max_attempts": 3, "retry_after": (0,)}
    values.update(extra)
    return PreservationSettings(pdfa=PdfaSettings(workdir=tmp_path / "work"), **values)


def signing_app(database_url, data_dir, pki):
    """An app whose signature validation trusts the test PKI's root (the demo
    root list, as ``flask demo`` would give it)."""
    from tests.conftest import IsolatedClient
    application = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                             DATA_DIR=data_dir, SERVER_NAME="localhost",
                             **app_config_for(pki, REVOCATION_FETCH=False))
    application.test_client_class = IsolatedClient
    return application


def pdf_of(doc) -> str:
    file = doc.files[0]
    return file.pdf_sha256 or file.sha256


def blob(sha256: str) -> bytes:
    return wiring.storage().get(sha256)


def reset_session() -> None:
    db.session.expire_all()
    db.session.rollback()
