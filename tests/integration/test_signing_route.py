"""The outgoing route with real signatures (SQLite and PostgreSQL).

Test PKI with a TSA and OCSP on 127.0.0.1 (``tests/signing_support.py``):
the leader signs with a PKCS#12 and PIN, the clerk issues the number and
applies the agency key from a PKCS#11 token (SoftHSM2). The issued PDF is
then checked by pyHanko AND by poppler's ``pdfsig``.
"""
from __future__ import annotations

import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

import config
from app import create_app, wiring
from app.extensions import db
from archive.errors import Conflict, SigningRefused
from archive.models import (Document, OutgoingDocument, Register,
                            SignatureRecord, SigningCredential)
from tests.integration.test_outgoing import act, draft_fields, ready
from tests.integration.test_routing import staff_id, who
from tests.signing_support import PIN, app_config_for, provision_signing
from workflows import issuing, outgoing
from workflows.incoming import Upload

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "signing"


@pytest.fixture
def signing_app(database_url, tmp_path, signing_pki, request):
    seal = getattr(request, "param", "pkcs11")
    application = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                             DATA_DIR=tmp_path / "data", SERVER_NAME="localhost",
                             **app_config_for(signing_pki))
    with application.app_context():
        provision_signing(application, signing_pki, seal=seal)
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def routing(signing_app):
    return wiring.routing()


def to_leader(routing, **extra) -> Document:
    doc = outgoing.create_draft(db.session, who("chuyenvien.vh"), wiring.draft_inputs(),
                                draft_fields(**extra), None)
    act(routing, "chuyenvien.vh", doc, {})
    act(routing, "truongphong.vh", doc, {"decision": "approve"})
    act(routing, "chanhvanphong", doc, {"decision": "approve"})
    return doc


def sign(doc, pin=PIN, version_id=None, username="phogiamdoc"):
    return issuing.sign_outgoing(db.session, who(username), wiring.signing_inputs(), doc.id,
                                 pin, version_id)


def issue(doc, pin=PIN, **kw):
    return issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), doc.id,
                                  pin, **kw)


def statuses(report_files, role="main"):
    f = next(f for f in report_files if f["role"] == role)
    return f, [(s["field"], s["status"]) for s in f["signatures"]]


def test_the_full_outgoing_route_issues_a_document_valid_for_pyhanko_and_pdfsig(routing,
                                                                              signing_pki):
    doc = to_leader(routing)
    out = db.session.get(OutgoingDocument, doc.id)
    sign(doc, version_id=out.current_version_id)
    assert doc.status == "signed" and ready(doc) == [("issue", None)]
    issue(doc)
    assert doc.status == "issued" and ready(doc) == [("dispatch", None)]
    year = date.today().year
    assert doc.arrival_number == 1 and doc.code_number == "01"
    assert doc.code_notation == "QĐ-SVHTTDL"
    reg = db.session.get(Register, doc.register_id)
    assert reg.direction == "outgoing" and reg.year == year
    act(routing, "vanthu", doc, {})
    assert doc.status == "filed" and ready(doc) == []

    files = issuing.signature_report(db.session, who("vanthu"), wiring.signing_inputs(), doc.id)
    main, sigs = statuses(files)
    assert sigs[:2] == [("SigLeader", "valid"), ("SigSeal", "valid")], main
    leader, seal, *archive_ts = main["signatures"]
    # B-LTA: the seal's level adds a document timestamp over everything, also valid
    assert [(t["kind"], t["status"]) for t in archive_ts] == [("doc_timestamp", "valid")]
    assert seal["level"] == "B-LTA"
    assert leader["certified"] and leader["docmdp_ok"] and leader["intact"]
    assert leader["modification_level"] == "FORM_FILLING"
    assert {"so_ky_hieu", "ngay_ban_hanh"} <= set(leader["changed_fields"])
    assert leader["timestamp_valid"] and seal["timestamp_valid"]
    assert leader["demo_root"] and seal["trusted"]
    records = db.session.scalars(select(SignatureRecord).where(
        SignatureRecord.document_id == doc.id).order_by(SignatureRecord.id)).all()
    assert [(r.kind, r.source) for r in records] == [("leader", "pkcs12"), ("seal", "pkcs11")]

    # long-term: the archive timestamp covers both signatures' revocation data, so
    # both validate OFFLINE (ETSI EN 319 102-1, no network)
    from signing.validation import ades_lta_offline
    issued_pdf = wiring.storage().get(out.issued_sha256)
    assert ades_lta_offline(issued_pdf, wiring.signing().trust()) == ["PASSED", "PASSED"]
    assert leader["level"] in ("B-LT", "B-LTA")

    # the independent validator agrees
    from tests.unit.signing.pdfsig import pdfsig_report
    issued = wiring.storage().get(out.issued_sha256)
    report = [r for r in pdfsig_report(issued, signing_pki.root_pem.read_bytes())
              if not r["field"].startswith("Timestamp")]  # pdfsig doesn't check doc timestamps
    assert [r["field"] for r in report] == ["SigLeader", "SigSeal"], report
    assert all(r["signature_valid"] and r["certificate_trusted"] for r in report), report
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "issued.pdf").write_bytes(issued)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "1",
                    str(ARTEFACTS / "issued.pdf"), str(ARTEFACTS / "issued-page")], check=True)




def _state(doc):
    db.session.expire_all()
    out = db.session.get(OutgoingDocument, doc.id)
    return (out.document.status, out.signed_sha256, out.issued_sha256,
            out.document.arrival_number, ready(out.document))


def test_a_wrong_pin_changes_nothing_and_too_many_lock_signing(routing):
    doc = to_leader(routing)
    before = _state(doc)
    with pytest.raises(SigningRefused) as err:
        sign(doc, pin="000000")
    assert err.value.code == "wrong_pin" and err.value.extra["attempts_left"] == 4
    assert "Còn 4 lần" in err.value.message.vi
    assert _state(doc) == before
    for left in (3, 2, 1):
        with pytest.raises(SigningRefused) as err:
            sign(doc, pin="111111")
        assert err.value.extra["attempts_left"] == left
    with pytest.raises(SigningRefused) as err:
        sign(doc, pin="222222")
    assert err.value.extra["attempts_left"] == 0
    with pytest.raises(SigningRefused) as err:  # even the right PIN waits now
        sign(doc)
    assert err.value.code == "pin_locked"
    assert _state(doc) == before


def test_a_draft_changed_while_the_leader_was_signing_is_refused(routing):
    doc = to_leader(routing)
    out = db.session.get(OutgoingDocument, doc.id)
    seen = out.current_version_id
    # the drafter uploads a corrected version while the leader has the page open
    outgoing.add_version(db.session, who("chuyenvien.vh"), wiring.draft_inputs(), doc.id,
                         Upload("sua.pdf", _draft_pdf()))
    with pytest.raises(Conflict) as err:
        sign(doc, version_id=seen)
    assert "thay đổi" in err.value.message.vi
    with pytest.raises(Conflict):  # and the approvals of the old version no longer count
        sign(doc, version_id=None)
    assert _state(doc)[1] is None


def _draft_pdf() -> bytes:
    from tests.conftest import make_pdf
    return make_pdf(("Bản dự thảo đã sửa", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Phạm Thị Hạnh"))


def _give_leader(signing_pki, label: str) -> None:
    from workflows import credentials
    person = db.session.get(SigningCredential, 1)
    staff = staff_id("phogiamdoc")
    credentials.add_pkcs12(db.session, wiring.storage(), person.organization_id, staff,
                           signing_pki.info.p12(label), PIN)
    db.session.commit()


@pytest.mark.parametrize("label,reason", [("revoked", "revoked"), ("expired", "expired")])
def test_a_revoked_or_expired_certificate_is_refused_with_the_reason(routing, signing_pki,
                                                                    label, reason):
    doc = to_leader(routing)
    _give_leader(signing_pki, label)
    before = _state(doc)
    with pytest.raises(SigningRefused) as err:
        sign(doc)
    assert err.value.code == "certificate_rejected" and err.value.extra["reason"] == reason
    assert _state(doc) == before


def test_tsa_down_refuses_unless_the_agency_allows_b_b_and_then_it_is_recorded(routing):
    from dataclasses import replace
    from tests.signing_support import free_port
    doc = to_leader(routing)
    service = wiring.signing()
    service.settings = replace(service.settings, tsa_url=f"http://127.0.0.1:{free_port()}/tsa")
    before = _state(doc)
    with pytest.raises(SigningRefused) as err:
        sign(doc)
    assert err.value.code == "tsa_unavailable" and _state(doc) == before
    service.settings = replace(service.settings, tsa_fallback=True)
    sign(doc)
    rec = db.session.scalar(select(SignatureRecord).where(SignatureRecord.document_id == doc.id))
    assert rec.level == "B-B" and rec.requested_level == "B-LT" and rec.fallback_reason


def test_a_failed_seal_gives_the_number_back_and_numbers_stay_gap_free(routing):
    docs = [to_leader(routing) for _ in range(3)]
    for d in docs:
        sign(d)
    with pytest.raises(SigningRefused):
        issue(docs[0], pin="999999")
    assert _state(docs[0])[3] is None
    errors: list[BaseException] = []
    app = routing_app()

    def work(doc_id):
        with app.app_context():
            try:
                issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(),
                                       doc_id, PIN)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=work, args=(d.id,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    db.session.expire_all()
    numbers = sorted(db.session.get(Document, d.id).arrival_number for d in docs)
    assert numbers == [1, 2, 3]


def routing_app():
    from flask import current_app
    return current_app._get_current_object()


def test_attachments_get_the_agency_signature_without_image(routing):
    from tests.conftest import make_pdf
    annex = Upload("phu-luc.pdf", make_pdf(("Phụ lục: Danh sách đơn vị tham gia",)))
    doc = outgoing.create_draft(db.session, who("chuyenvien.vh"), wiring.draft_inputs(),
                                draft_fields(), None, [annex])
    act(routing, "chuyenvien.vh", doc, {})
    act(routing, "truongphong.vh", doc, {"decision": "approve"})
    act(routing, "chanhvanphong", doc, {"decision": "approve"})
    sign(doc)
    issue(doc)
    files = issuing.signature_report(db.session, who("vanthu"), wiring.signing_inputs(), doc.id)
    att, sigs = statuses(files, role="attachment")
    assert [s for _f, s in sigs][:1] == ["valid"]
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"],
                          input=wiring.storage().get(att["sha256"]), capture_output=True,
                          check=True).stdout.decode()
    assert f"01/QĐ-SVHTTDL" in text and "+07:00" in text


@pytest.mark.parametrize("signing_app", ["pkcs12"], indirect=True)
def test_a_pkcs12_seal_and_a_tampered_copy_reported_invalid(routing, signing_pki):
    doc = to_leader(routing)
    sign(doc)
    issue(doc)
    out = db.session.get(OutgoingDocument, doc.id)
    issued = bytearray(wiring.storage().get(out.issued_sha256))
    at = issued.find(b"stream", 1000) + 40
    issued[at] ^= 0x01  # one bit of a signed page's content stream
    from workflows.issuing import validate_bytes
    status, reports = validate_bytes(wiring.signing(), bytes(issued))
    assert status == "invalid", reports
    from tests.unit.signing.pdfsig import pdfsig_report
    checked = pdfsig_report(bytes(issued), signing_pki.root_pem.read_bytes())
    assert not all(r.get("signature_valid") for r in checked), checked
