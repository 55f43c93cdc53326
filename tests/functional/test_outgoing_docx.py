"""DOCX drafts are converted by LibreOffice in a job: a thread on the embedded
default, an RQ worker on Redis in production. The version says ``converting``
until then; a broken DOCX ends ``failed`` with a message and blocks submission.
"""
from __future__ import annotations

import json
import os
import time
import uuid

import pytest

from app import wiring
from app.extensions import db
from archive.errors import InvalidInput
from archive.models import DraftVersion, OutgoingDocument
from tests.integration.test_outgoing import act, draft_fields
from tests.integration.test_routing import staff_id, who
from tests.unit.layout.layout_helpers import build_docx
from workflows import outgoing
from workflows.incoming import Upload


def _wait(version_id: int, seconds: float = 90) -> DraftVersion:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        db.session.expire_all()
        version = db.session.get(DraftVersion, version_id)
        if version.status != "converting":
            return version
        time.sleep(0.3)
    raise AssertionError("conversion did not finish")


def _docx_draft(signer="Phạm Thị Hạnh", data=None):
    fields = draft_fields(generate="", signer_id=staff_id("phogiamdoc"))
    doc = outgoing.create_draft(db.session, who("chuyenvien.vh"), wiring.draft_inputs(), fields,
                                Upload("du-thao.docx", data or build_docx(signer=signer)))
    out = db.session.get(OutgoingDocument, doc.id)
    return doc, out.current_version_id


def test_a_docx_draft_is_converted_in_process_and_its_fields_found(app, client, api):
    resp = client.post("/api/v1/outgoing", headers=api("chuyenvien.vh"), data={
        "metadata": json.dumps(draft_fields(generate="", signer_id=staff_id("phogiamdoc"))),
        "file": (__import__("io").BytesIO(build_docx(signer="Phạm Thị Hạnh")), "du-thao.docx")})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["versions"][0]["source"] == "docx"
    version = _wait(body["current_version_id"])
    assert version.status == "ready", version.error
    assert version.layout_report["number"] == "found" and version.layout_report["leader"] == "found"
    from signing.fields import field_names
    assert {"so_ky_hieu", "SigLeader", "SigSeal"} <= set(
        field_names(wiring.storage().get(version.pdf_sha256)))


def test_a_broken_docx_fails_with_a_message_and_cannot_be_submitted(app):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>not xml")
    doc, version_id = _docx_draft(data=buf.getvalue())
    version = _wait(version_id)
    assert version.status == "failed" and version.error
    with pytest.raises(InvalidInput):
        act(wiring.routing(), "chuyenvien.vh", doc, {})


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_docx_draft_is_converted_by_an_rq_worker(app, backend):
    from redis import Redis
    from rq import SimpleWorker
    from app import jobs
    app.config["REDIS_URL"] = os.environ.get("EOFFICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    app.config["RQ_QUEUE"] = name = f"eoffice-test-{uuid.uuid4().hex}"
    queue = jobs.queue(app, name)
    try:
        _doc, version_id = _docx_draft()
        assert db.session.get(DraftVersion, version_id).status == "converting"
        assert queue.count == 1
        jobs._worker_app = app
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        version = _wait(version_id, 5)
        assert version.status == "ready", version.error
    finally:
        jobs._worker_app = None
        queue.delete(delete_jobs=True)
        Redis.from_url(app.config["REDIS_URL"]).close()
