"""Fixtures for browser tests against the real Flask application.

``live_server`` runs eOffice (``config.TestConfig``, a fresh database from the
``database_url`` fixture, so SQLite and PostgreSQL in turn) in a werkzeug
server on 127.0.0.1 with a free port, in a background thread, and returns the
base URL. Unlike the ``app`` fixture it sets no SERVER_NAME: the browser
talks to ``127.0.0.1:<port>`` and URLs must be built for that host. A test
module may override ``live_config`` to pass extra configuration to the app.

Exceptions raised inside the application while serving (HTTP 500) are
collected in ``live_server.errors``; a test that produced one fails at
teardown with the traceback.
"""
from __future__ import annotations

import threading
import traceback

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

import config
from app import create_app
from app.extensions import db


class LiveServer(str):
    """The base URL ("http://127.0.0.1:PORT"), plus the app and its errors."""

    app: object
    errors: list[str]

    def url(self, path: str = "/") -> str:
        return self + path


class QuietHandler(WSGIRequestHandler):
    """Keep the access log out of the test output; errors are still logged."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def live_config() -> dict:
    """Extra configuration for the live server's app; a test module overrides it
    (e.g. the test PKI's TSA and trust root for the signing tests)."""
    return {}


@pytest.fixture
def live_server(database_url, tmp_path, live_config):
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     DATA_DIR=tmp_path / "data", **live_config)
    errors: list[str] = []

    def record(sender, exception, **extra):
        errors.append("".join(traceback.format_exception(exception)))

    got_request_exception.connect(record, app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server",
                              daemon=True)
    thread.start()
    base = LiveServer(f"http://127.0.0.1:{server.server_port}")
    base.app, base.errors = app, errors
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if errors:
        pytest.fail("the application raised while serving:\n" + "\n".join(errors))


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module."""
    from playwright import sync_api

    from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

