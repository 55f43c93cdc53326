"""Exchange with agencies on other installations (SQLite and PostgreSQL).

The other installation is a real HTTP server in a thread that checks our
token and organ id. The outbox picks the peer's HTTPS transport, a 4xx makes
the row failed, an unknown agency waits (no route yet). On the receiving
side, ``receive_from_peer`` only takes packages from a declared peer with
its token.
"""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive.errors import PermissionDenied
from archive.exchange_models import ExchangeOutbox, ExchangeStatus
from exchange import edxml
from exchange.errors import ExchangeRefused
from exchange.model import Organ, ResponseFor, StatusMessage
from tests.integration.test_routing import who
from workflows import exchange_in, exchange_out
from workflows.demo import DEMO_ORGAN_ID

PEER = "000.00.05.G14"
TOKEN = "their-token-for-us"


class PeerInbox(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok = (self.path == "/api/v1/exchange/inbox"
              and self.headers.get("Authorization") == f"Bearer {TOKEN}"
              and self.headers.get("X-Organ-Id") == DEMO_ORGAN_ID)
        if ok:
            type(self).received.append(body)
        self.send_response(202 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def peer_url():
    PeerInbox.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), PeerInbox)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def their_document() -> ResponseFor:
    return ResponseFor(organ_id=PEER, code="12/BTC-NS", promulgation_date=date(2026, 11, 2),
                       document_id=f"{PEER},2026/11/02,12/BTC-NS")


def queue_01(recipient: str = PEER) -> ExchangeOutbox:
    org_id = who("vanthu").organization_id
    reply = their_document() if recipient == PEER else ResponseFor(
        recipient, "1/X", date(2026, 11, 2), f"{recipient},2026/11/02,1/X")
    row = exchange_out.queue_status(db.session, wiring.storage(), org_id, reply, "01", "Đã đến")
    db.session.commit()
    return row


def test_a_status_goes_to_a_peer_over_https_with_its_token(app, peer_url):
    with pytest.raises(PermissionDenied):
        exchange_out.set_peer(db.session, who("vanthu"), organ_id=PEER, name="Bộ Tài chính",
                              endpoint_url=peer_url, outbound_token=TOKEN)
    exchange_out.set_peer(db.session, who("quantri"), organ_id=PEER, name="Bộ Tài chính",
                          endpoint_url=peer_url, outbound_token=TOKEN)
    row = queue_01()
    report = exchange_out.deliver_due(db.session, wiring.storage(), wiring.exchange_transports())
    assert (report.delivered, row.state, row.attempts) == (1, "delivered", 1)
    sent = edxml.parse_status(PeerInbox.received[0])
    assert (sent.status_code, sent.from_organ.organ_id) == ("01", DEMO_ORGAN_ID)
    assert sent.response_for == their_document()


def test_a_peer_that_refuses_our_token_fails_the_row_for_good(app, peer_url):
    exchange_out.set_peer(db.session, who("quantri"), organ_id=PEER, name="Bộ Tài chính",
                          endpoint_url=peer_url, outbound_token="stale-token")
    row = queue_01()
    report = exchange_out.deliver_due(db.session, wiring.storage(), wiring.exchange_transports())
    assert (report.failed, row.state) == (1, "failed") and "HTTP 401" in row.last_error
    assert PeerInbox.received == []


def test_an_agency_with_no_route_waits_for_the_admin(app):
    row = queue_01("000.00.77.H01")
    now = datetime.now(UTC)
    report = exchange_out.deliver_due(db.session, wiring.storage(), wiring.exchange_transports(),
                                      now)
    assert (report.retrying, row.state, row.attempts) == (1, "pending", 1)
    assert "No route to 000.00.77.H01" in row.last_error


def test_only_a_declared_peer_with_its_token_delivers_to_us(app):
    _peer, inbound = exchange_out.set_peer(db.session, who("quantri"), organ_id=PEER,
                                           name="Bộ Tài chính", endpoint_url="https://x.invalid",
                                           outbound_token=TOKEN)
    ours = f"{DEMO_ORGAN_ID},2026/11/02,5/SVHTTDL-VP"
    status = edxml.build_status(StatusMessage(
        response_for=ResponseFor(DEMO_ORGAN_ID, "5/SVHTTDL-VP", date(2026, 11, 2), ours),
        from_organ=Organ(PEER, "Bộ Tài chính"), status_code="03",
        timestamp=datetime(2026, 11, 3, 9, 0, tzinfo=UTC), description="Đã tiếp nhận"))
    for organ, token in ((PEER, "wrong"), ("000.00.06.G14", inbound), (PEER, "")):
        with pytest.raises(PermissionDenied):
            exchange_in.receive_from_peer(db.session, wiring.storage(), status, organ, token)
    with pytest.raises(ExchangeRefused):
        exchange_in.receive_from_peer(db.session, wiring.storage(), b"<edXML/>", PEER, inbound)
    for _twice in range(2):
        exchange_in.receive_from_peer(db.session, wiring.storage(), status, PEER, inbound)
    rows = exchange_in.statuses(db.session, who("vanthu"), ours)
    assert [(r.peer_organ_id, r.code, r.description) for r in rows] == [
        (PEER, "03", "Đã tiếp nhận")]
    assert db.session.scalar(select(func.count()).select_from(ExchangeStatus)) == 1
