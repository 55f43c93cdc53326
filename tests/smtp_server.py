"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in a background thread).

    with SmtpTestServer() as server:            # or the ``smtp_server`` fixture
        SmtpMailer(SmtpSettings(host=server.host, port=server.port)).send(mail)
        [got] = server.wait_for(1)
        got.message["Subject"], got.mail_from, got.rcpt_tos

Options:

* ``auth=("user", "secret")``: the server offers AUTH PLAIN/LOGIN (without TLS,
  this is a test) and refuses MAIL FROM with 530 until the client has logged
  in; a wrong login gets 535.
* ``smtputf8=False``: the server does not announce SMTPUTF8, so the client must
  encode non-ASCII headers (RFC 2047).
* ``refuse={"x@example.org"}``: RCPT TO those addresses gets 550.
* ``tls=(certfile, keyfile)``: STARTTLS offered; with ``implicit_tls=True``
  TLS from the first byte instead (port 465 style).

Received messages are ``Received`` records (envelope + parsed
``email.message.EmailMessage`` with ``email.policy.default``, so header values
come back decoded) in a list guarded by a lock; ``wait_for(count, timeout)``
blocks until that many arrived.
"""
from __future__ import annotations

import email.policy
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Iterable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes
    """The message as the server got it (after the DATA dot-unstuffing)."""
    smtputf8: bool
    """The client sent MAIL FROM with the SMTPUTF8 option."""
    login: str | None
    """The user the client authenticated as, if any."""


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (bound then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def parse_message(raw: bytes) -> EmailMessage:
    """``raw`` parsed with ``email.policy.default``, its 8-bit headers read as UTF-8.

    The stdlib parser keeps raw 8-bit header bytes (RFC 6532, sent with
    SMTPUTF8) as surrogate escapes, which address headers then do not decode:
    re-set such headers from their UTF-8 text, in their original order.
    """
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    items = list(message.raw_items())
    if all(value.isascii() for _, value in items):
        return message
    for name in {name.lower() for name, _ in items}:
        del message[name]
    for name, value in items:
        text = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        message[name] = _FOLD.sub("", text).lstrip(" \t")     # unfold (RFC 5322 2.2.3)
    return message


class _Handler:
    def __init__(self, server: "SmtpTestServer"):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.server.auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        message = parse_message(raw)
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        self.server._add(Received(
            mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos),
            message=message, raw=raw, smtputf8=bool(envelope.smtp_utf8), login=login))
        return "250 Message accepted for delivery"


class SmtpTestServer:
    def __init__(self, *, auth: tuple[str, str] | None = None, smtputf8: bool = True,
                 refuse: Iterable[str] = (), tls: tuple[str, str] | None = None,
                 implicit_tls: bool = False, host: str = HOST):
        self.host = host
        self.port = 0
        self.auth = auth
        self.smtputf8 = smtputf8
        self.refuse = frozenset(a.lower() for a in refuse)
        self.tls = tls
        self.implicit_tls = implicit_tls
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    # -- life cycle -------------------------------------------------------------

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and self.auth is not None
              and auth_data.login == self.auth[0].encode()
              and auth_data.password == self.auth[1].encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def _controller_for(self, port: int) -> Controller:
        kwargs: dict[str, Any] = dict(
            hostname=self.host, port=port, server_hostname="smtp.test.invalid",
            enable_SMTPUTF8=self.smtputf8, ready_timeout=5.0)
        if self.auth is not None:
            # auth_required would make aiosmtpd warn (no TLS); handle_MAIL enforces it
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls)
            if self.implicit_tls:
                kwargs["ssl_context"] = context
            else:
                kwargs["tls_context"] = context
        return Controller(_Handler(self), **kwargs)

    def start(self) -> "SmtpTestServer":
        # Not port=0: the controller connects to its own port to check it is up.
        # Another process may take the port between the probe and the bind: retry.
        last: Exception | None = None
        for _ in range(5):
            port = free_port(self.host)
            controller = self._controller_for(port)
            try:
                controller.start()
            except (OSError, RuntimeError) as exc:
                last = exc
                try:
                    controller.stop()
                except Exception:
                    pass
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"could not start the test SMTP server: {last}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpTestServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SmtpTestServer({self.host}:{self.port}, {len(self.messages)} received)"

    # -- messages ---------------------------------------------------------------

    def _add(self, received: Received) -> None:
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()

    @property
    def messages(self) -> list[Received]:
        """A copy of what arrived so far, in order."""
        with self._changed:
            return list(self._received)

    def clear(self) -> None:
        with self._changed:
            self._received.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """The first ``count`` messages, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} message(s) within {timeout} s, "
                                         f"got {len(self._received)}")
                self._changed.wait(left)
            return list(self._received[:count])
