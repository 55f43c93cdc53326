"""How an edXML package reaches the recipient agency (DOMAIN §6.1).

A transport only moves bytes: the outbox (``workflows.exchange_out``) decides
what to send, when to retry and what to record. A transport answers in one of
three ways, because the outbox must tell them apart:

* returns: the recipient has the package (delivered);
* raises ``TransportError``: try again later (network down, server busy, 5xx);
* raises ``DeliveryRefused``: retrying will not help (the recipient refused
  the package, 4xx); the row is marked failed with the reason.

``DirectTransport`` serves agencies hosted in the same database: it hands the
payload to the receiving use case in the caller's transaction.
``HttpsTransport`` posts to another eOffice installation. The national axis
and provincial LGSP buses are adapters (``exchange.axis``, ``exchange.lgsp``).
"""
from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Protocol

from exchange.errors import ExchangeRefused

INBOX_PATH = "/api/v1/exchange/inbox"
DEFAULT_TIMEOUT = 30.0


class TransportError(Exception):
    """A temporary failure: the package should be sent again later."""


class DeliveryRefused(Exception):
    """A permanent failure: the recipient will not take this package."""


class Transport(Protocol):
    """Moves one package to one recipient agency."""

    def deliver(self, peer_organ_id: str, payload: bytes) -> None: ...


class DirectTransport:
    """The recipient is hosted in the same database: call its receiving use case.

    ``receive(payload, sender_organ_id)`` runs in the sender's session and
    transaction; the outbox wraps each delivery in a savepoint so a refused
    package leaves nothing behind.
    """

    def __init__(self, receive: Callable[[bytes, str], object], sender_organ_id: str):
        self.receive = receive
        self.sender_organ_id = sender_organ_id

    def deliver(self, peer_organ_id: str, payload: bytes) -> None:
        try:
            self.receive(payload, self.sender_organ_id)
        except ExchangeRefused as refused:
            raise DeliveryRefused(str(refused)) from refused


class HttpsTransport:
    """POST the package to another installation's exchange inbox.

    The request carries ``Authorization: Bearer <outbound_token>`` (the token
    the peer gave us) and ``X-Organ-Id`` (our organ id). 2xx is delivered,
    4xx refused for good (bad token, package refused), anything else (5xx,
    no connection, timeout) is retried.
    """

    def __init__(self, endpoint_url: str, token: str, our_organ_id: str,
                 timeout: float = DEFAULT_TIMEOUT, ca_file: str | None = None):
        self.url = endpoint_url.rstrip("/") + INBOX_PATH
        self.token = token
        self.our_organ_id = our_organ_id
        self.timeout = timeout
        self.context = tls_context(ca_file)

    def deliver(self, peer_organ_id: str, payload: bytes) -> None:
        request = urllib.request.Request(self.url, data=payload, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "X-Organ-Id": self.our_organ_id,
            "Content-Type": "application/xml"})
        call(request, self.timeout, self.context)


def tls_context(ca_file: str | None) -> ssl.SSLContext | None:
    """The system's trust, plus a private CA (a province's own) when one is given.

    Added to, not instead of, the system's CAs: peers with public
    certificates keep working. None = urllib's default context.
    """
    if not ca_file:
        return None
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_file)
    return context


def call(request: urllib.request.Request, timeout: float, context: ssl.SSLContext | None,
         label: str = "") -> bytes:
    """Send an HTTP request and read the answer, in the three outcomes of a transport.

    2xx returns the body; 4xx raises ``DeliveryRefused`` (retrying will not
    help); 5xx, no connection, DNS failure or timeout raise ``TransportError``.
    """
    prefix = f"{label}: " if label else ""
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        detail = _body(error)
        if 400 <= error.code < 500:
            raise DeliveryRefused(f"{prefix}HTTP {error.code}: {detail}") from None
        raise TransportError(f"{prefix}HTTP {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:  # refused, DNS, timeout
        raise TransportError(f"{prefix}{type(error).__name__}: {error}") from None


def _body(error: urllib.error.HTTPError) -> str:
    """The start of an error response, for the outbox's ``last_error``."""
    try:
        return error.read(300).decode("utf-8", "replace")
    except OSError:
        return error.reason or ""
