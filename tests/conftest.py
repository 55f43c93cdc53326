"""Shared fixtures: an app on SQLite or on a throw-away PostgreSQL database.

Every test gets a fresh database holding the migrated schema and the demo
agency's directory (no documents): built once per run as a template (a
SQLite file copied per test; a PostgreSQL template database cloned per
test) and dropped at the end. Nothing depends on what an earlier run left.
"""
from __future__ import annotations

import io
import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

import config
from app import create_app
from app.extensions import db

pytest_plugins = ["tests.smtp_fixture", "tests.signing_support"]


def pytest_configure(config):
    from tests.signing_support import prepare_softhsm
    config._eoffice_softhsm = prepare_softhsm()


def pytest_unconfigure(config):
    folder = getattr(config, "_eoffice_softhsm", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)

RUN_ID = uuid.uuid4().hex[:8]
DEMO_PASSWORD = "eoffice-demo"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def _pg_admin_url() -> str:
    return config.test_database_url()


def _pg_url(dbname: str) -> str:
    base = _pg_admin_url().rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def _pg_exec(sql: str) -> None:
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _build_template(url: str, data_dir: Path) -> None:
    """Migrate an empty database and load the demo directory into it."""
    from flask_migrate import upgrade

    from workflows.demo import load_demo
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        from app import wiring
        load_demo(db.session, wiring.storage(), wiring.limits(), with_documents=False)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _build_template(f"sqlite:///{path}", folder / "data")
    return path


@pytest.fixture(scope="session")
def pg_template():
    name = f"eo_tpl_{RUN_ID}_{_worker()}"
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}"')
    _pg_exec(f'CREATE DATABASE "{name}"')
    _build_template(_pg_url(name), Path(f"/tmp/{name}-data"))
    yield name
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(f"/tmp/{name}-data", ignore_errors=True)


class PgDatabases:
    """Clones of the template, one per test, dropped afterwards."""

    def __init__(self, template: str):
        self.template, self.count = template, 0

    def create(self) -> str:
        self.count += 1
        name = f"{self.template.replace('_tpl_', '_t_')}_{self.count}"
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    @staticmethod
    def drop(name: str) -> None:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_databases(pg_template) -> PgDatabases:
    return PgDatabases(pg_template)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "eoffice.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    dbs = request.getfixturevalue("pg_databases")
    name = dbs.create()
    yield _pg_url(name)
    dbs.drop(name)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as under a real server.

    The ``app`` fixture keeps a context pushed for the test body; without this
    every request would share its ``g`` (logged-in user, API caller) and its
    database session, which a real server never does.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    application = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                             DATA_DIR=tmp_path / "data", SERVER_NAME="localhost")
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    import re
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or \
        re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


class Browser:
    """A logged-in test client that carries CSRF tokens like a browser."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = DEMO_PASSWORD):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})

    def token(self, path: str = "/incoming/new") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


def api_token(client, username: str, password: str = DEMO_PASSWORD) -> str:
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["token"]


@pytest.fixture
def api(client):
    """``api(username)`` → headers with a bearer token for that demo login."""
    def headers(username: str) -> dict:
        return {"Authorization": f"Bearer {api_token(client, username)}"}
    return headers


# --- sample files -------------------------------------------------------------

def make_pdf(text_lines=("Công văn số 1",), pages: int = 1) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for p in range(pages):
        for i, line in enumerate(text_lines):
            c.drawString(72, 760 - 18 * i, f"{line} - trang {p + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def unique_pdf() -> bytes:
    return make_pdf((f"Văn bản {uuid.uuid4().hex}",))


def make_image(fmt: str = "PNG", frames: int = 1, size=(200, 280)) -> bytes:
    from PIL import Image
    images = [Image.new("RGB", size, (255, 255 - 40 * i, 255)) for i in range(frames)]
    buf = io.BytesIO()
    if frames > 1:
        images[0].save(buf, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(buf, format=fmt)
    return buf.getvalue()


def incoming_fields(**overrides) -> dict:
    fields = {"code_number": "12", "code_notation": "UBND-VX",
              "issuer_name": "Ủy ban nhân dân tỉnh Demo", "document_type": "CV",
              "subject": "V/v tổ chức lễ hội văn hóa truyền thống", "issued_date": "2026-11-02",
              "arrival_date": "2026-11-03", "signer_name": "Nguyễn Văn A",
              "signer_position": "Chủ tịch"}
    fields.update(overrides)
    return fields
