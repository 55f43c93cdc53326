"""pytest fixtures for a real local SMTP server (see tests/smtp_server.py).

Load from tests/conftest.py with ``pytest_plugins = ["tests.smtp_fixture"]``.

* ``smtp_server``: a plain server (SMTPUTF8, no AUTH) on 127.0.0.1, one per test.
* ``smtp_server_factory(**options)``: servers with options (``auth``,
  ``smtputf8``, ``refuse``, ``tls``, ``implicit_tls``), stopped after the test.
"""
from __future__ import annotations

from typing import Callable, Iterator

import pytest

from tests.smtp_server import SmtpTestServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A real SMTP server on 127.0.0.1 (SMTPUTF8, no AUTH); ``.wait_for(n)``."""
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpTestServer]]:
    """``make(auth=..., smtputf8=..., refuse=..., tls=..., implicit_tls=...)`` -> started server."""
    started: list[SmtpTestServer] = []

    def make(**options) -> SmtpTestServer:
        server = SmtpTestServer(**options).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
