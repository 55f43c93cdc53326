"""Replacing an issued document through the pages, on SQLite and PostgreSQL.

A's drafter opens the issued document, clicks "Soạn văn bản thay thế", finds
the form filled from the earlier document, is told the reason is required,
then creates the draft (signed and issued through the use cases, as in
``test_exchange_pages.py``). B's clerk sees the package marked "Thay thế",
with its registered earlier copy named, accepts it through the page; both
agencies' document pages then show which document replaced which.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive.exchange_models import ExchangeInbox
from archive.models import Document, OutgoingDocument
from tests.functional import test_outgoing_pages
from tests.functional.test_exchange_pages import _form_values, _inbox_id, _setup
from tests.functional.test_outgoing_pages import page, person
from tests.integration.test_exchange_amendments import accept_at_b, delivered
from tests.integration.test_exchange_direct import issued_to_b
from tests.integration.test_outgoing import act
from tests.integration.test_routing import who
from tests.integration.test_signing_route import sign
from tests.signing_support import PIN
from workflows import issuing

signing_app = test_outgoing_pages.signing_app  # the app with the test PKI


def test_a_replacement_drafted_and_received_through_the_pages(signing_app):
    routing, transports = _setup()
    doc = issued_to_b(routing, "Quyết định phê duyệt danh mục lễ hội năm 2027")
    delivered(routing, transports)
    copy = accept_at_b(routing, doc)

    drafter = person(signing_app, "chuyenvien.vh")
    shown = page(drafter, f"/outgoing/{doc.id}")
    assert 'id="compose-replacement"' in shown and 'id="compose-correction"' in shown
    form_page = page(drafter, f"/outgoing/new?amends={doc.id}&kind=replace")
    values = _form_values(form_page, "draft-form")
    assert (values["amends_id"], values["amend_kind"], values["document_type"],
            values["subject"]) == (str(doc.id), "replace", doc.document_type, doc.subject)
    assert f"{doc.code_number}/{doc.code_notation}" in form_page
    values.update(source="generate", body="Điều 1. Phê duyệt danh mục đã sửa.",
                  signer_id=str(db.session.get(OutgoingDocument, doc.id).signer_id))
    refused = drafter.client.post("/outgoing/new", data={**values, "amend_reason": ""})
    assert refused.status_code == 422 and 'id="e-amend_reason"' in refused.get_data(as_text=True)
    assert 'name="amends_id"' in refused.get_data(as_text=True)  # the link is not lost
    resp = drafter.client.post("/outgoing/new", data={**values,
                                                      "amend_reason": "Sai danh mục tại Điều 1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    new_id = int(re.search(r"/outgoing/(\d+)$", resp.headers["Location"]).group(1))
    draft_page = page(drafter, f"/outgoing/{new_id}")
    assert 'data-role="of"' in draft_page and "Sai danh mục tại Điều 1" in draft_page
    assert "khi ban hành" in draft_page and B_in(draft_page)

    new = db.session.get(Document, new_id)
    act(routing, "chuyenvien.vh", new, {})
    act(routing, "truongphong.vh", new, {"decision": "approve"})
    act(routing, "chanhvanphong", new, {"decision": "approve"})
    sign(new, version_id=db.session.get(OutgoingDocument, new_id).current_version_id)
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), new_id, PIN)
    delivered(routing, transports)

    clerk = person(signing_app, "vanthu.stc")
    listing = page(clerk, "/exchange/")
    assert 'data-amend="replace"' in listing
    inbox_id = _inbox_id(new)
    shown = page(clerk, f"/exchange/{inbox_id}")
    assert 'id="amends"' in shown and f'/documents/{copy.id}"' in shown
    resp = clerk.client.post(f"/exchange/{inbox_id}/accept", data=_form_values(shown,
                                                                                "accept-form"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    replacement_id = db.session.get(ExchangeInbox, inbox_id).document_id

    old_page = page(clerk, f"/documents/{copy.id}")
    assert 'data-status="replaced"' in old_page and "Đã bị thay thế" in old_page
    assert f'/documents/{replacement_id}"' in old_page
    assert "Dừng xử lý" in old_page and "Đã được thay thế bằng văn bản" in old_page  # trail
    assert 'data-role="of"' in page(clerk, f"/documents/{replacement_id}")
    a_page = page(person(signing_app, "vanthu"), f"/outgoing/{doc.id}")
    assert 'data-status="replaced"' in a_page and f'/outgoing/{new_id}"' in a_page
    assert 'id="compose-replacement"' not in a_page  # replaced: not again
    assert db.session.scalar(select(Document.status).where(Document.id == copy.id)) == "replaced"


def B_in(html: str) -> bool:
    """The recipients of the earlier document were carried over to the draft."""
    from tests.integration.test_exchange_direct import B_ORGAN
    return B_ORGAN in html
