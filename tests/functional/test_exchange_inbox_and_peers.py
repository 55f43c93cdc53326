"""The exchange inbox endpoint and the admin's peers page (SQLite and PostgreSQL).

The inbox is what another installation's outbox posts to: only a declared,
active peer presenting the token we gave it gets in (403 otherwise, so the
sender stops), a package we cannot take is a 400 with the reason, an
oversized body a 413, and nothing is stored in any of these cases. The admin
page declares peers: the inbound token appears once, on the page that
answers the creation, and never again; editing keeps it unless a new one is
asked for; a deactivated peer is shut out.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from archive.exchange_models import ExchangeInbox, ExchangePeer, ExchangeStatus
from exchange import edxml
from exchange.model import Organ, ResponseFor, StatusMessage
from tests.conftest import csrf_from
from tests.integration.test_routing import who
from workflows import exchange_out
from workflows.demo import DEMO_ORGAN_ID

PEER = "000.00.05.G14"
INBOX = "/api/v1/exchange/inbox"
OURS = f"{DEMO_ORGAN_ID},2026/11/02,5/SVHTTDL-VP"


def status_03(code: str = "03") -> bytes:
    """A status message from the peer about one of our documents."""
    return edxml.build_status(StatusMessage(
        response_for=ResponseFor(DEMO_ORGAN_ID, "5/SVHTTDL-VP", date(2026, 11, 2), OURS),
        from_organ=Organ(PEER, "Bộ Tài chính"), status_code=code,
        timestamp=datetime(2026, 11, 3, 9, 0, tzinfo=UTC), description="Đã tiếp nhận"))


def post(client, payload: bytes, token: str, organ: str = PEER):
    headers = {"X-Organ-Id": organ, "Content-Type": "application/xml"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(INBOX, data=payload, headers=headers)


def stored() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(ExchangeStatus)),
            db.session.scalar(select(func.count()).select_from(ExchangeInbox)))


@pytest.fixture
def inbound(app) -> str:
    _peer, token = exchange_out.set_peer(db.session, who("quantri"), organ_id=PEER,
                                         name="Bộ Tài chính", endpoint_url="https://x.invalid",
                                         outbound_token="their-token")
    return token


def test_the_inbox_takes_a_peers_status_once_and_shuts_everyone_else_out(client, inbound):
    for organ, token in ((PEER, "wrong"), ("000.00.06.G14", inbound), (PEER, None),
                         (PEER, ""), ("", inbound)):
        resp = post(client, status_03(), token, organ)
        assert resp.status_code == 403, (organ, token, resp.get_data(as_text=True))
        assert resp.get_json()["error"] == "forbidden"
    # a staff API token is not a peer token
    staff = client.post("/api/v1/auth/token",
                        json={"username": "quantri", "password": "eoffice-demo"}).get_json()
    assert post(client, status_03(), staff["token"]).status_code == 403
    assert stored() == (0, 0)

    resp = post(client, b"<edXML><nothing/></edXML>", inbound)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"] == "exchange_refused" and body["reason"] and body["message"]
    assert stored() == (0, 0)

    for _twice in range(2):  # the sender retried after a lost answer: one row
        resp = post(client, status_03(), inbound)
        assert resp.status_code == 202, resp.get_data(as_text=True)
        assert resp.get_json() == {"kind": "status", "code": "03", "document_id": OURS}
    assert stored() == (1, 0)
    row = db.session.scalar(select(ExchangeStatus))
    assert (row.direction, row.peer_organ_id, row.code) == ("received", PEER, "03")


def test_a_package_over_the_size_limit_is_refused_with_413(app, client, inbound):
    app.config["EXCHANGE_MAX_PACKAGE_MB"] = 1
    big = status_03() + b" " * (1024 * 1024)
    resp = post(client, big, inbound)
    assert resp.status_code == 413 and resp.get_json()["error"] == "too_large"
    assert stored() == (0, 0)
    assert post(client, status_03(), inbound).status_code == 202  # under the limit: taken


def test_the_exchange_settings_are_configuration_keys(app):
    from app import wiring
    assert (app.config["EXCHANGE_TIMEOUT_SECONDS"], app.config["EXCHANGE_MAX_ATTEMPTS"],
            app.config["EXCHANGE_MAX_PACKAGE_MB"]) == (30, 20, 100)
    app.config.update(EXCHANGE_TIMEOUT_SECONDS=7, EXCHANGE_MAX_ATTEMPTS=3)
    transports = wiring.exchange_transports()
    assert (transports.timeout, transports.max_attempts) == (7.0, 3)


def token_on(html: str) -> str | None:
    match = re.search(r'id="inbound-token" readonly value="([^"]+)"', html)
    return match.group(1) if match else None


def test_the_admin_declares_a_peer_and_sees_its_token_once(client, browser, app):
    browser.login("vanthu")
    assert client.get("/admin/exchange-peers").status_code == 403
    client.post("/logout", data={"csrf_token": browser.token("/inbox")})
    browser.login("quantri")
    page = client.get("/admin/exchange-peers")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'for="pe-organ"' in html and "Chưa khai báo cơ quan liên thông nào." in html
    csrf = csrf_from(html)

    bad = client.post("/admin/exchange-peers", data={
        "csrf_token": csrf, "organ_id": "not-an-id", "name": "Bộ Tài chính",
        "transport": "https", "endpoint_url": "https://btc.example"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExchangePeer)) == 0

    made = client.post("/admin/exchange-peers", data={
        "csrf_token": csrf, "organ_id": " 000.00.05.g14 ", "name": "Bộ Tài chính",
        "transport": "https", "endpoint_url": "https://btc.example",
        "outbound_token": "their-token"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    token = token_on(made.get_data(as_text=True))
    assert token and len(token) >= 40
    assert post(client, status_03(), token).status_code == 202

    listing = client.get("/admin/exchange-peers").get_data(as_text=True)
    assert token_on(listing) is None and token not in listing  # shown once, never again
    assert 'data-organ="000.00.05.G14"' in listing and "https://btc.example" in listing
    peer = db.session.scalar(select(ExchangePeer))
    assert (peer.organ_id, peer.outbound_token, peer.active) == (PEER, "their-token", True)
    assert token not in (peer.inbound_token_sha256 or "")

    # editing the address keeps both tokens
    edit = client.get(f"/admin/exchange-peers/{peer.id}").get_data(as_text=True)
    assert 'name="peer_id"' in edit and "their-token" not in edit
    kept = client.post("/admin/exchange-peers", data={
        "csrf_token": csrf, "peer_id": str(peer.id), "name": "Bộ Tài chính (mới)",
        "transport": "https", "endpoint_url": "https://btc2.example", "outbound_token": ""})
    assert kept.status_code == 200 and token_on(kept.get_data(as_text=True)) is None
    db.session.expire_all()
    peer = db.session.get(ExchangePeer, peer.id)
    assert (peer.name, peer.endpoint_url, peer.outbound_token) == (
        "Bộ Tài chính (mới)", "https://btc2.example", "their-token")
    assert post(client, status_03("04"), token).status_code == 202

    # a new token on request: the old one stops working
    renewed = client.post("/admin/exchange-peers", data={
        "csrf_token": csrf, "peer_id": str(peer.id), "name": "Bộ Tài chính",
        "transport": "https", "endpoint_url": "https://btc2.example", "new_token": "1"})
    fresh = token_on(renewed.get_data(as_text=True))
    assert fresh and fresh != token
    assert post(client, status_03("05"), token).status_code == 403
    assert post(client, status_03("05"), fresh).status_code == 202

    off = client.post(f"/admin/exchange-peers/{peer.id}/deactivate", data={"csrf_token": csrf})
    assert off.status_code == 302
    assert post(client, status_03("06"), fresh).status_code == 403
    listing = client.get("/admin/exchange-peers").get_data(as_text=True)
    assert "Đã ngừng" in listing
    assert [s.code for s in db.session.scalars(select(ExchangeStatus).order_by(
        ExchangeStatus.id))] == ["03", "04", "05"]


def test_a_failure_after_storing_leaves_nothing_and_asks_the_sender_to_retry(client, inbound,
                                                                             monkeypatch):
    """Fault injection: the receiving use case stores the status, then the server fails."""
    from workflows import exchange_in
    real = exchange_in.receive

    def store_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(exchange_in, "receive", store_then_fail)
    resp = post(client, status_03(), inbound)
    assert resp.status_code == 500 and resp.get_json()["error"] == "server_error"
    assert stored() == (0, 0)
    monkeypatch.undo()
    assert post(client, status_03(), inbound).status_code == 202
    assert stored() == (1, 0)
