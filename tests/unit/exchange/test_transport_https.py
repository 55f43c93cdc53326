"""The HTTPS transport against a real local HTTP server, and the outbox back-off.

The server (http.server in a thread) plays another installation's exchange
inbox: it checks the bearer token and the sender's organ id, and can be told
to answer 5xx or to hang, so each outcome the outbox relies on is shown:
2xx delivered, 4xx refused for good, 5xx / no connection / timeout retried.
"""
from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from exchange.transport import (
    INBOX_PATH,
    DeliveryRefused,
    HttpsTransport,
    TransportError,
)
from workflows.exchange_out import backoff

TOKEN = "peer-secret-token"
OUR_ORGAN = "000.00.01.H99"


class Inbox(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []
    mode = "ok"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "hang":
            time.sleep(2)
        if self.path != INBOX_PATH:
            return self._answer(404, b"no such path")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._answer(401, b"bad token")
        if self.headers.get("X-Organ-Id") != OUR_ORGAN:
            return self._answer(403, b"unknown sender")
        if self.mode == "busy":
            return self._answer(503, b"try later")
        type(self).received.append(body)
        return self._answer(202, b"accepted")

    def _answer(self, code: int, body: bytes):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Inbox.received, Inbox.mode = [], "ok"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_right_token_delivers_the_exact_bytes(server):
    payload = "<edXML>gói tin văn bản</edXML>".encode()
    HttpsTransport(server + "/", TOKEN, OUR_ORGAN).deliver("000.00.02.H99", payload)
    assert Inbox.received == [payload]


@pytest.mark.parametrize("token, organ", [("wrong", OUR_ORGAN), (TOKEN, "000.00.77.H99")])
def test_a_refusal_by_the_peer_is_permanent(server, token, organ):
    with pytest.raises(DeliveryRefused, match=r"HTTP 40[13]"):
        HttpsTransport(server, token, organ).deliver("000.00.02.H99", b"<edXML/>")
    assert Inbox.received == []


def test_a_busy_peer_is_retried_later(server):
    Inbox.mode = "busy"
    with pytest.raises(TransportError, match="HTTP 503: try later"):
        HttpsTransport(server, TOKEN, OUR_ORGAN).deliver("000.00.02.H99", b"<edXML/>")


def test_a_peer_that_hangs_times_out_and_is_retried(server):
    Inbox.mode = "hang"
    started = time.monotonic()
    with pytest.raises(TransportError):
        HttpsTransport(server, TOKEN, OUR_ORGAN, timeout=0.3).deliver("000.00.02.H99", b"<x/>")
    assert time.monotonic() - started < 1.5


def test_a_peer_that_is_down_is_retried_later():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError):
        HttpsTransport(f"http://127.0.0.1:{port}", TOKEN, OUR_ORGAN, timeout=2).deliver(
            "000.00.02.H99", b"<edXML/>")


def test_back_off_doubles_from_30_seconds_and_stays_at_480():
    waits = [backoff(n) for n in range(1, 9)]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 480, 480, 480)]


@pytest.fixture
def tls_server(tmp_path):
    """The same inbox over TLS, with a certificate from a throw-away private CA."""
    import ssl

    from tests.tls_support import local_tls
    ca, cert, key = local_tls(tmp_path / "tls")
    Inbox.received, Inbox.mode = [], "ok"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", str(ca)
    httpd.shutdown()
    httpd.server_close()


def test_a_peer_with_a_private_ca_needs_that_ca_trusted(tls_server):
    url, ca_file = tls_server
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        HttpsTransport(url, TOKEN, OUR_ORGAN, timeout=5).deliver("000.00.02.H99", b"<edXML/>")
    assert Inbox.received == []
    HttpsTransport(url, TOKEN, OUR_ORGAN, timeout=5, ca_file=ca_file).deliver(
        "000.00.02.H99", b"<edXML/>")
    assert Inbox.received == [b"<edXML/>"]
