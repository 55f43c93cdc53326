"""Session fixtures for the signing tests: a real PKI served over HTTP, a SoftHSM token.

Built once per session (per xdist worker) in a temporary directory and
removed afterwards:

* a certomancer PKI on a free port (root, issuing CA, TSA, OCSP, CRLs;
  people ``leader`` and ``clerk``, the agency ``seal``, and the ``revoked``
  and ``expired`` test people), served by :func:`signing.pki.serve_pki`;
* a SoftHSM2 token holding the seal key and its chain. ``SOFTHSM2_CONF`` is
  set here, before any test touches PKCS#11: libsofthsm2 reads it once per
  process (see signing.softhsm);
* the 1000-upem fonts in a session folder (or ``EOFFICE_FONT_CACHE``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import ValidationContext

from signing import fonts, keys, softhsm
from signing.pki import PkiInfo, PkiServer, build_pki, decrypt_key_pem, serve_pki
from signing.validation import TrustSettings
from tests.signing_support import free_port

PIN = "123456"
HSM_TOKEN = "unit-seal"  # made with the other tokens by tests.signing_support
HSM_SO_PIN = "87654321"
AGENCY = "Ủy ban nhân dân tỉnh Bắc Ninh"
PEOPLE = [("leader", "Nguyễn Văn An"), ("clerk", "Phạm Thị Bình")]


@dataclass
class SigningEnv:
    """Everything a signing test needs, built once per session."""

    pki: PkiInfo
    server: PkiServer
    hsm_conf: Path
    artefacts: Path

    pin: str = PIN
    hsm_token: str = HSM_TOKEN

    @property
    def tsa_url(self) -> str:
        return self.pki.tsa_url

    def root_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.pki.root_der())

    def vc(self, fetching: bool = True) -> ValidationContext:
        """A fresh validation context trusting the test root (contexts cache state)."""
        return ValidationContext(trust_roots=[self.root_cert()], allow_fetching=fetching)

    def trust(self, fetching: bool = True, demo: bool = False) -> TrustSettings:
        root = self.pki.root_der()
        return TrustSettings(trust_roots=[] if demo else [root], demo_roots=[root] if demo else [],
                             allow_fetching=fetching)

    def p12_signer(self, label: str):
        return keys.pkcs12_signer(self.pki.p12(label), self.pin)

    def key_pem(self, label: str) -> bytes:
        """Unencrypted PKCS#8 PEM of a holder key (for the external-signer process)."""
        return decrypt_key_pem(self.pki.read(self.pki.entities[label].key_pem), self.pin)


@pytest.fixture(scope="session", autouse=True)
def font_cache(tmp_path_factory):
    """1000-upem fonts in a session folder (or EOFFICE_FONT_CACHE), not in ~/.cache."""
    folder = os.environ.get("EOFFICE_FONT_CACHE") or tmp_path_factory.mktemp("fonts")
    fonts.configure(folder)
    yield Path(folder)
    fonts.configure(None)


@pytest.fixture(scope="session")
def signing_env(tmp_path_factory, font_cache) -> SigningEnv:
    base = tmp_path_factory.mktemp("signing")
    port = free_port()
    pki = build_pki(base / "pki", url_prefix=f"http://127.0.0.1:{port}", agency_name=AGENCY,
                    people=PEOPLE, pin=PIN, demo=True)
    server = serve_pki(base / "pki", port=port)
    conf = Path(os.environ["SOFTHSM2_CONF"])  # tests/conftest.py made the token first
    softhsm.import_key(conf, "seal", decrypt_key_pem(pki.read(pki.entities["seal"].key_pem), PIN),
                       pki.cert_der("seal"), {"interm": pki.cert_der("interm"), "root": pki.root_der()},
                       PIN, "01", token_label=HSM_TOKEN)
    artefacts = Path(os.environ.get("EOFFICE_TEST_ARTEFACTS") or Path(__file__).resolve().parents[3]
                     / "test-artefacts") / "unit-signing"
    artefacts.mkdir(parents=True, exist_ok=True)
    env = SigningEnv(pki=pki, server=server, hsm_conf=conf, artefacts=artefacts)
    yield env
    server.stop()
