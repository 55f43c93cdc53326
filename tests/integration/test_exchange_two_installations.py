"""Two eOffice installations exchange documents over HTTPS (SQLite and PostgreSQL).

Agency A (the demo agency, database A) and agency B (``000.00.22.H99``,
database B, where the demo agency has no organ id, so A is only reachable as
a peer) each run as a real web process (``flask run`` on a free port of
127.0.0.1, its own DATABASE_URL and EOFFICE_DATA_DIR) and each knows the
other as a peer with the tokens the other's admin gave it. Packages leave
only through each side's routing clock, run as ``flask jobs tick`` in a
subprocess against that side's database; they travel through the real
``HttpsTransport`` to the other process's ``POST /api/v1/exchange/inbox``,
over TLS: each server has a certificate for 127.0.0.1 from a throw-away CA,
which the clock processes trust through ``EOFFICE_EXCHANGE_CA_FILE``. The people's steps
(issuing at A with the test PKI, accepting / refusing / routing at B) are
the use cases run in-process against that side's database.

It shows: A's document reaches B once even when delivered twice; B accepts
it (signatures valid), routes and completes it, and A sees 01→03→04→05→06;
A's recall reaches B (document recalled, 15 back); a package B refuses
returns 02 with the reason; while B's process is stopped A keeps the
package and retries, and delivers it once B is back; A's replacement of that
document reaches B, whose registered copy is frozen "replaced" (15 back).
"""
from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

import config
from app import create_app, wiring
from app.extensions import db
from archive import directory
from archive.exchange_models import ExchangeInbox, ExchangeOutbox
from archive.models import Document, Organization, Task
from tests.integration.test_exchange_direct import (
    B_ORGAN,
    b_route,
    codes_at_a,
    issued_to_b,
    make_agency_b,
    sent_id,
)
from tests.integration.test_exchange_amendments import amending
from tests.integration.test_routing import who
from tests.integration.test_signing_route import routing, signing_app  # noqa: F401
from tests.signing_support import app_config_for, free_port
from tests.tls_support import local_tls
from workflows import exchange_in, exchange_out
from workflows.demo import DEMO_ORGAN_ID

ROOT = Path(__file__).resolve().parents[2]


class Installation:
    """One eOffice: its database and files, its web process, its clock."""

    def __init__(self, name: str, database_url: str, data_dir: Path,
                 tls: tuple[Path, Path, Path]):
        self.name, self.database_url, self.data_dir = name, database_url, data_dir
        self.ca, self.cert, self.key = tls
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = data_dir.parent / f"{name}-server.log"

    def env(self) -> dict:
        env = {**os.environ, "DATABASE_URL": self.database_url,
               "EOFFICE_DATA_DIR": str(self.data_dir), "EOFFICE_ENV": "default",
               "EOFFICE_CLOCK_SECONDS": "0", "EOFFICE_SCAN_POLL_SECONDS": "0",
               # the clock's HTTPS client trusts the test CA as a private CA
               "EOFFICE_EXCHANGE_CA_FILE": str(self.ca)}
        env.pop("REDIS_URL", None)
        return env

    def start(self) -> None:
        """The web process only (the app factory: no clock or worker threads)."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app:create_app", "run",
                 "--host", "127.0.0.1", "--port", str(self.port), "--no-reload",
                 "--no-debugger", "--cert", str(self.cert), "--key", str(self.key)],
                cwd=ROOT, env=self.env(), stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2,
                                            context=self.client_tls()) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()}")

    def client_tls(self) -> ssl.SSLContext:
        """What a peer's client checks: our certificate, issued by the test CA."""
        return ssl.create_default_context(cafile=str(self.ca))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def tick(self) -> str:
        """One pass of this installation's clock, in its own process."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app:create_app", "jobs",
                               "tick"], cwd=ROOT, env=self.env(), capture_output=True,
                              text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def b_database(backend, request, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "b.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    from tests.conftest import _pg_url
    dbs = request.getfixturevalue("pg_databases")
    name = dbs.create()
    yield _pg_url(name)
    dbs.drop(name)


@pytest.fixture
def two(signing_app, signing_pki, database_url, b_database, tmp_path):  # noqa: F811
    """A (``signing_app``, context pushed) and B (``two.b_app``), peers of each other,
    both serving. Yields (a, b, b_app)."""
    tls = local_tls(tmp_path / "tls")
    a = Installation("A", database_url, Path(signing_app.config["DATA_DIR"]), tls)
    b_app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=b_database,
                       DATA_DIR=tmp_path / "data-b", SERVER_NAME="localhost",
                       **app_config_for(signing_pki))
    b = Installation("B", b_database, Path(b_app.config["DATA_DIR"]), tls)
    with b_app.app_context():
        make_agency_b()
        db.session.execute(update(Organization).where(Organization.organ_id == DEMO_ORGAN_ID)
                           .values(organ_id=None))
        db.session.commit()
        _peer, b_token_for_a = exchange_out.set_peer(
            db.session, who("quantri"), organ_id=DEMO_ORGAN_ID, name="Sở Văn hóa (A)",
            endpoint_url=a.url, outbound_token=None)
    _peer, a_token_for_b = exchange_out.set_peer(
        db.session, who("quantri"), organ_id=B_ORGAN, name="Sở Tài chính tỉnh Demo",
        endpoint_url=b.url, outbound_token=b_token_for_a)
    with b_app.app_context():  # B's admin enters the token A's admin gave; B's own stays
        exchange_out.set_peer(db.session, who("quantri"), organ_id=DEMO_ORGAN_ID,
                              name="Sở Văn hóa (A)", endpoint_url=a.url,
                              outbound_token=a_token_for_b, new_token=False)
    a.start()
    b.start()
    try:
        yield a, b, b_app
    finally:
        a.stop()
        b.stop()
        with b_app.app_context():
            db.session.remove()
            db.engine.dispose()


def settle() -> None:
    """End A's open transaction so the other processes see and may write."""
    db.session.commit()
    db.session.expire_all()


def outbox_row(doc: Document) -> ExchangeOutbox:
    db.session.expire_all()
    return db.session.scalar(select(ExchangeOutbox).where(
        ExchangeOutbox.document_id == doc.id, ExchangeOutbox.kind == "edoc"))


def test_two_installations_exchange_over_http(routing, two):  # noqa: F811
    a, b, b_app = two
    doc = issued_to_b(routing, "Công văn về dự toán ngân sách năm 2027 (liên thông)")
    refused = issued_to_b(routing, "Công văn gửi nhầm nơi nhận (liên thông)")
    settle()
    out = a.tick()
    assert "Liên thông: đã gửi 2," in out, out
    assert [outbox_row(d).state for d in (doc, refused)] == ["delivered", "delivered"]
    # A's objects are read before B's context: A's session would load them from B
    doc_id, refused_id, subject = sent_id(doc), sent_id(refused), doc.subject

    with b_app.app_context():
        pending = {p.edxml_document_id: p for p in exchange_in.pending(db.session, who("vanthu.stc"))}
        assert set(pending) == {doc_id, refused_id}
        assert all(p.sender_organ_id == DEMO_ORGAN_ID for p in pending.values())
        # delivered a second time (A's answer lost): nothing new at B
        payload = wiring.storage().get(pending[doc_id].package_sha256)
    token = exchange_token()
    request = urllib.request.Request(b.url + "/api/v1/exchange/inbox", data=payload, method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "X-Organ-Id": DEMO_ORGAN_ID})
    with urllib.request.urlopen(request, timeout=30, context=b.client_tls()) as resp:
        assert resp.status == 202
    # a client that does not trust the test CA cannot talk to B at all
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(b.url + "/login", timeout=10,
                               context=ssl.create_default_context(cafile=certifi_or_none()))
    with b_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExchangeInbox)) == 2
        assert db.session.scalar(select(func.count()).select_from(ExchangeOutbox).where(
            ExchangeOutbox.status_code == "01")) == 2
        b_routing = wiring.routing()
        registered = exchange_in.accept(
            db.session, who("vanthu.stc"), pending[doc_id].id, wiring.storage(),
            wiring.limits(), routing=b_routing, validate=wiring.signature_validator()).document
        assert (registered.channel, registered.issuer_organ_id, registered.subject) == (
            "exchange", DEMO_ORGAN_ID, subject)
        assert registered.files[0].signature_status == "valid"
        registered_id = registered.id
        exchange_in.refuse(db.session, who("vanthu.stc"), pending[refused_id].id,
                           wiring.storage(), "Không đúng thẩm quyền giải quyết của Sở")
    assert "Liên thông: đã gửi 4," in b.tick()  # 01, 01, 03, 02
    assert [c[1] for c in codes_at_a(doc)] == ["01", "03"]
    assert codes_at_a(refused) == [(B_ORGAN, "01", "Đã đến"),
                                   (B_ORGAN, "02", "Không đúng thẩm quyền giải quyết của Sở")]

    # B's route: assigned (04), in progress (05), done (06), each sent once
    with b_app.app_context():
        b_routing = wiring.routing()
        registered = db.session.get(Document, registered_id)
        b_route(b_routing, registered, "vanthu.stc", {"route": "office_head"})
        b_route(b_routing, registered, "cvp.stc", {"decision": "forward"})
        dept_id = directory.find_staff(db.session, "tp.stc").department_id
        b_route(b_routing, registered, "giamdoc.stc", {
            "decision": "direct", "lead_department_id": dept_id, "support_department_ids": [],
            "deadline": (date.today() + timedelta(days=10)).isoformat(), "note": "Giao NS."})
    b.tick()
    assert [c[1] for c in codes_at_a(doc)] == ["01", "03", "04"]
    with b_app.app_context():
        b_routing = wiring.routing()
        registered = db.session.get(Document, registered_id)
        b_route(b_routing, registered, "tp.stc", {
            "decision": "assign", "specialist_id": directory.find_staff(db.session, "cv.stc").id})
        b_route(b_routing, registered, "cv.stc", {"note": "Đã dự thảo trả lời."})
        b_route(b_routing, registered, "tp.stc", {"decision": "accept"})
    b.tick()
    b.tick()
    assert [c[1] for c in codes_at_a(doc)] == ["01", "03", "04", "05", "06"]

    # A recalls: B's document becomes "recalled", 15 comes back
    exchange_out.recall(db.session, who("vanthu"), wiring.storage(), doc.id,
                        "Sai số liệu phụ lục")
    settle()
    assert "Liên thông: đã gửi 1," in a.tick()
    b.tick()
    assert codes_at_a(doc)[-1] == (B_ORGAN, "15", "Đồng ý thu hồi")
    with b_app.app_context():
        assert db.session.get(Document, registered_id).status == "recalled"

    # B is down: A keeps the package and retries; B back: delivered
    b.stop()
    late = issued_to_b(routing, "Công văn gửi khi hệ thống nhận đang bảo trì (liên thông)")
    settle()
    assert "chờ gửi lại 1," in a.tick()
    row = outbox_row(late)
    late_id = row.edxml_document_id
    assert (row.state, row.attempts) == ("pending", 1)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower(), row.last_error
    assert row.next_attempt_at > datetime.now(UTC)
    settle()
    assert "đã gửi 0, chờ gửi lại 0" in a.tick()  # not due yet: no attempt
    assert outbox_row(late).attempts == 1
    b.start()
    # the 30 s back-off has run out (A's clock is moved, not slept)
    db.session.execute(update(ExchangeOutbox).where(ExchangeOutbox.id == row.id).values(
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    settle()
    assert "Liên thông: đã gửi 1," in a.tick()
    row = outbox_row(late)
    assert (row.state, row.attempts, row.last_error) == ("delivered", 2, None)
    with b_app.app_context():
        assert [p.edxml_document_id for p in exchange_in.pending(
            db.session, who("vanthu.stc"))] == [late_id]
    b.tick()
    assert [c[1] for c in codes_at_a(late)] == ["01"]

    # A replaces it (content error): the replacement travels over HTTPS; B's
    # registered copy is frozen "replaced" and its route stopped; 15 comes back
    with b_app.app_context():
        [waiting] = exchange_in.pending(db.session, who("vanthu.stc"))
        late_copy_id = exchange_in.accept(
            db.session, who("vanthu.stc"), waiting.id, wiring.storage(), wiring.limits(),
            routing=wiring.routing(), validate=wiring.signature_validator()).document.id
    b.tick()
    new = amending(routing, late, "replace", "Sai thời hạn báo cáo")
    new_id = sent_id(new)
    settle()
    assert "Liên thông: đã gửi 1," in a.tick()
    with b_app.app_context():
        [waiting] = exchange_in.pending(db.session, who("vanthu.stc"))
        assert (waiting.edxml_document_id, waiting.business_type, waiting.amends_edxml_id) == (
            new_id, "3", late_id)
        replacement = exchange_in.accept(
            db.session, who("vanthu.stc"), waiting.id, wiring.storage(), wiring.limits(),
            routing=wiring.routing(), validate=wiring.signature_validator()).document
        assert replacement.files[0].signature_status == "valid"
        assert db.session.get(Document, late_copy_id).status == "replaced"
        assert db.session.scalar(select(func.count()).select_from(Task).where(
            Task.document_id == late_copy_id, Task.status == "ready")) == 0
    b.tick()
    assert [c[1] for c in codes_at_a(late)] == ["01", "03", "15"]
    assert [c[1] for c in codes_at_a(new)] == ["01", "03"]


def exchange_token() -> str:
    """The token A presents at B's inbox, as A's peer row holds it."""
    from archive.exchange_models import ExchangePeer
    return db.session.scalar(select(ExchangePeer.outbound_token).where(
        ExchangePeer.organ_id == B_ORGAN))


def certifi_or_none() -> str | None:
    """The public CA bundle (without the test CA) when certifi is installed."""
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()
