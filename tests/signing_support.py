"""The test PKI (root, issuing CA, TSA, OCSP/CRL on 127.0.0.1) and signing keys for tests.

``signing_pki`` (session scope) builds the same kind of PKI as the demo
agency's in a temporary folder, serves its TSA/OCSP/CRL with certomancer on a
free port, and puts the agency (seal) key on a SoftHSM2 token. Tests give
their app's database the demo credentials with ``provision_signing``.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

PIN = "123456"
SO_PIN = "12345678"
TOKENS = ("eoffice-seal", "unit-seal")  # integration tests; tests/unit/signing


def prepare_softhsm() -> Path:
    """One SoftHSM2 store per test process, with every token the tests use.

    Called from ``pytest_configure``: libsofthsm2 reads SOFTHSM2_CONF and the
    list of tokens once, when a process first loads it, and never sees a
    token created later (keys imported later into an existing token are
    seen). So the tokens exist before any test runs; fixtures import keys.
    """
    import tempfile
    from signing import softhsm
    folder = Path(tempfile.mkdtemp(prefix="eoffice-softhsm-"))
    conf = None
    for label in TOKENS:
        conf = softhsm.init_token(folder, label, SO_PIN, PIN)
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TestPki:
    info: object          # signing.pki.PkiInfo
    server: object        # signing.pki.PkiServer
    softhsm_conf: Path
    token_label: str

    @property
    def root_pem(self) -> Path:
        return self.info.path(self.info.entities[self.info.root_label].cert_pem)


@pytest.fixture(scope="session")
def signing_pki(tmp_path_factory):
    from signing import softhsm
    from signing.pki import decrypt_key_pem, serve_pki
    from workflows.demo import SEAL_TOKEN, build_demo_pki
    folder = tmp_path_factory.mktemp("pki")
    port = free_port()
    info = build_demo_pki(folder / "pki", port)
    server = serve_pki(info.directory, port=port)
    conf = Path(os.environ["SOFTHSM2_CONF"])  # token made by prepare_softhsm()
    seal = info.entities["seal"]
    softhsm.import_key(conf, "seal", decrypt_key_pem(info.read(seal.key_pem), PIN),
                       info.cert_der("seal"), {"interm": info.cert_der("interm")}, PIN,
                       token_label=SEAL_TOKEN)
    yield TestPki(info, server, conf, SEAL_TOKEN)
    server.stop()


def app_config_for(pki: TestPki, **extra) -> dict:
    """Config overrides: the PKI's TSA, its root as the (demo) trust root, SoftHSM2."""
    from signing.softhsm import module_path
    values = {"TSA_URL": pki.info.tsa_url, "DEMO_ROOTS": [str(pki.root_pem)],
              "PKCS11_MODULE": module_path(), "REVOCATION_FETCH": True}
    values.update(extra)
    return values


def provision_signing(app, pki: TestPki, seal: str = "pkcs12") -> None:
    """Leaders giamdoc/phogiamdoc get PKCS#12 keys (PIN 123456); the agency a seal key."""
    from app import wiring
    from app.extensions import db
    from workflows.demo import provision_signing as provision
    with app.app_context():
        token = {"token_label": pki.token_label, "key_label": "seal"} if seal == "pkcs11" else None
        provision(db.session, wiring.storage(), pki.info, PIN, seal_token=token)
