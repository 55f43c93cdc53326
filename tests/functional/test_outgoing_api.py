"""The outgoing API (API.md): draft, sign (server key or external signer), issue, signatures.

The external signer's private key never enters the server process: the test
hands ``data_to_sign`` to a separate ``openssl`` process holding the key,
exactly as a browser (Web Crypto), a VGCA plugin or a remote-signing service
would, and posts back the raw value.
"""
from __future__ import annotations

import base64
import json
import subprocess

import pytest

import config
from app import create_app, wiring
from app.extensions import db
from tests.conftest import DEMO_PASSWORD, IsolatedClient, make_pdf
from tests.signing_support import PIN, app_config_for, provision_signing


@pytest.fixture
def sclient(database_url, tmp_path, signing_pki):
    application = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                             DATA_DIR=tmp_path / "data", SERVER_NAME="localhost",
                             **app_config_for(signing_pki))
    application.test_client_class = IsolatedClient
    with application.app_context():
        provision_signing(application, signing_pki, seal="pkcs11")
        yield application.test_client()
        db.session.remove()
        db.engine.dispose()


def bearer(client, username: str) -> dict:
    resp = client.post("/api/v1/auth/token", json={"username": username,
                                                   "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def create(client, **meta) -> dict:
    metadata = {"subject": "Kế hoạch kiểm tra di tích năm 2027", "document_type": "KH",
                "authority": "KT.", "authority_of": "GIÁM ĐỐC",
                "signer_position": "Phó Giám đốc", "generate": True,
                "body": "I. MỤC ĐÍCH\n\nKiểm tra hiện trạng các di tích cấp tỉnh."}
    metadata.update(meta)
    resp = client.post("/api/v1/outgoing", headers=bearer(client, "chuyenvien.vh"),
                       data={"metadata": json.dumps(metadata)})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def complete(client, username: str, body: dict, **values):
    task = client.get(f"/api/v1/outgoing/{body['id']}",
                      headers=bearer(client, username)).get_json()["task"]
    resp = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(client, username),
                       json=values)
    assert resp.status_code == 200, resp.get_json()


def to_leader(client, signer="phogiamdoc") -> dict:
    from archive import directory
    body = create(client, signer_id=directory.find_staff(db.session, signer).id)
    complete(client, "chuyenvien.vh", body)
    complete(client, "truongphong.vh", body, decision="approve")
    complete(client, "chanhvanphong", body, decision="approve")
    return body


def test_draft_sign_issue_and_signature_report_through_the_api(sclient):
    body = to_leader(sclient)
    doc_id = body["id"]
    assert body["versions"][0]["source"] == "generated" and body["status"] == "draft"
    leader = bearer(sclient, "phogiamdoc")
    wrong = sclient.post(f"/api/v1/outgoing/{doc_id}/sign", headers=leader,
                         json={"pin": "000000", "version_id": body["current_version_id"]})
    assert wrong.status_code == 422 and wrong.get_json()["error"] == "wrong_pin"
    assert "pin" in wrong.get_json()["fields"]
    stale = sclient.post(f"/api/v1/outgoing/{doc_id}/sign", headers=leader,
                         json={"pin": PIN, "version_id": body["current_version_id"] + 999})
    assert stale.status_code == 409
    signed = sclient.post(f"/api/v1/outgoing/{doc_id}/sign", headers=leader,
                          json={"pin": PIN, "version_id": body["current_version_id"]})
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed"
    # the clerk, not the leader, issues
    assert sclient.post(f"/api/v1/outgoing/{doc_id}/issue", headers=leader,
                        json={"pin": PIN}).status_code == 403
    clerk = bearer(sclient, "vanthu")
    issued = sclient.post(f"/api/v1/outgoing/{doc_id}/issue", headers=clerk, json={"pin": PIN})
    assert issued.status_code == 200, issued.get_json()
    out = issued.get_json()
    assert out["status"] == "issued" and out["code_symbol"] == "01/KH-SVHTTDL"
    report = sclient.get(f"/api/v1/documents/{doc_id}/signatures", headers=clerk).get_json()
    main = next(f for f in report["files"] if f["role"] == "main")
    assert main["status"] == "valid"
    assert [s["field"] for s in main["signatures"] if s["kind"] == "signature"] == \
        ["SigLeader", "SigSeal"]
    # someone the document was never routed to sees nothing
    assert sclient.get(f"/api/v1/documents/{doc_id}/signatures",
                       headers=bearer(sclient, "chuyenvien.dl")).status_code == 404

    # a replacement is drafted through the API: it names the issued document and a reason
    bad = sclient.post("/api/v1/outgoing", headers=bearer(sclient, "chuyenvien.vh"), data={
        "metadata": json.dumps({"subject": "Thay thế", "document_type": "CV", "generate": True,
                                "body": "x", "amends_id": doc_id, "amend_kind": "replace",
                                "amend_reason": "Sai nội dung"})})
    assert bad.status_code == 422 and "document_type" in bad.get_json()["fields"]
    replacement = create(sclient, amends_id=doc_id, amend_kind="replace",
                         amend_reason="Sai nội dung mục I", signer_id=body["signer_id"])
    assert replacement["amends"] == {"document_id": doc_id, "kind": "replace",
                                     "reason": "Sai nội dung mục I", "applied": False}
    assert sclient.get(f"/api/v1/outgoing/{doc_id}", headers=clerk).get_json()[
        "amended_by"] == []  # only once the replacement is issued


def _external_credential(signing_pki):
    from archive import directory
    from workflows import credentials
    person = directory.find_staff(db.session, "phogiamdoc")
    info = signing_pki.info
    credentials.add_external(db.session, wiring.storage(), person.organization_id, person.id,
                             info.cert_der("phogiamdoc"), info.chain_der())
    db.session.commit()
    return info.path(info.entities["phogiamdoc"].key_pem)


def sign_elsewhere(key_pem_path, data: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 / SHA-256 in another process that alone holds the key."""
    key = subprocess.run(["openssl", "pkey", "-in", str(key_pem_path), "-passin", f"pass:{PIN}"],
                         capture_output=True, check=True).stdout
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".pem") as f:
        f.write(key)
        f.flush()
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", f.name], input=data,
                              capture_output=True, check=True).stdout


def test_an_external_signer_signs_outside_the_server(sclient, signing_pki):
    body = to_leader(sclient)
    key_path = _external_credential(signing_pki)
    leader = bearer(sclient, "phogiamdoc")
    url = f"/api/v1/outgoing/{body['id']}/sign"
    # the PIN path is refused: this key is not on the server
    assert sclient.post(url, headers=leader, json={"pin": PIN}).status_code == 422
    prep = sclient.post(url, headers=leader, json={"step": "prepare",
                                                   "version_id": body["current_version_id"]})
    assert prep.status_code == 200, prep.get_json()
    prepared = prep.get_json()
    assert prepared["algorithm"] == "RSASSA-PKCS1-v1_5/SHA-256"
    data = base64.b64decode(prepared["data_to_sign"])
    # a wrong value is refused and changes nothing
    bad = sclient.post(url, headers=leader, json={
        "step": "finish", "pending_id": prepared["pending_id"],
        "signature": base64.b64encode(b"\x01" * 256).decode()})
    assert bad.status_code == 422
    value = sign_elsewhere(key_path, data)
    done = sclient.post(url, headers=leader, json={
        "step": "finish", "pending_id": prepared["pending_id"],
        "signature": base64.b64encode(value).decode()})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "signed"
    report = sclient.get(f"/api/v1/documents/{body['id']}/signatures",
                         headers=leader).get_json()
    signed = next(f for f in report["files"] if f["role"] == "signed_draft")
    assert [(s["field"], s["status"]) for s in signed["signatures"]] == [("SigLeader", "valid")]
    again = sclient.post(url, headers=leader, json={
        "step": "finish", "pending_id": prepared["pending_id"],
        "signature": base64.b64encode(value).decode()})
    assert again.status_code in (403, 409)  # used once


def test_incoming_signed_pdfs_are_validated_at_registration(sclient, signing_pki):
    # an outgoing document of ours, issued, then received by "another agency"
    body = to_leader(sclient)
    sclient.post(f"/api/v1/outgoing/{body['id']}/sign", headers=bearer(sclient, "phogiamdoc"),
                 json={"pin": PIN})
    clerk = bearer(sclient, "vanthu")
    sclient.post(f"/api/v1/outgoing/{body['id']}/issue", headers=clerk, json={"pin": PIN})
    issued_file = next(f for f in sclient.get(f"/api/v1/documents/{body['id']}",
                                              headers=clerk).get_json()["files"]
                       if f["role"] == "main")
    pdf = sclient.get(f"/api/v1/documents/{body['id']}/files/{issued_file['id']}",
                      headers=clerk).data
    tampered = bytearray(pdf)
    at = tampered.find(b"stream", 1000) + 40
    tampered[at] ^= 0x01
    results = {}
    for name, data in (("signed.pdf", pdf), ("tampered.pdf", bytes(tampered)),
                       ("plain.pdf", make_pdf(("Không ký",)))):
        meta = {"code_number": str(len(results) + 40), "code_notation": "KH-SVHTTDL",
                "issuer_name": "Sở Văn hóa", "document_type": "KH", "subject": name,
                "issued_date": "2026-11-02", "arrival_date": "2026-11-03",
                "confirm_duplicate": True}  # the same bytes as our own issued file
        resp = sclient.post("/api/v1/incoming", headers=clerk,
                            data={"metadata": json.dumps(meta),
                                  "files": [(__import__("io").BytesIO(data), name)]})
        assert resp.status_code == 201, resp.get_json()
        results[name] = resp.get_json()["files"][0]["signature_status"]
    assert results == {"signed.pdf": "valid", "tampered.pdf": "invalid", "plain.pdf": "none"}
