"""The generated PKI: names, key usages, protection of keys, the served CRL/OCSP/TSA."""
from __future__ import annotations

import stat
import urllib.request

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from signing.pki import PkiInfo, build_pki
from tests.unit.signing.conftest import AGENCY, free_port


def _cert(pki: PkiInfo, label: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pki.cert_der(label))


def test_pki_json_round_trip(signing_env):
    pki = signing_env.pki
    loaded = PkiInfo.load(pki.directory)
    assert loaded == pki
    assert pki.tsa_url == f"{pki.url_prefix}/eoffice/tsa/tsa"
    assert set(pki.people) == {"leader", "clerk"}
    assert {"seal", "revoked", "expired", "root", "interm", "tsa", "ocsp"} <= set(pki.entities)


def test_names_and_key_usages(signing_env):
    pki = signing_env.pki
    root = _cert(pki, "root")
    assert "KHÔNG DÙNG THẬT" in root.subject.native["common_name"] and root.ca
    leader = _cert(pki, "leader")
    assert leader.subject.native["common_name"] == "Nguyễn Văn An"
    assert leader.subject.native["organization_name"] == AGENCY
    assert leader.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert leader.crl_distribution_points and leader.ocsp_urls
    assert all(url.startswith(pki.url_prefix) for url in leader.ocsp_urls)
    seal = _cert(pki, "seal")
    assert seal.subject.native["common_name"] == AGENCY
    assert seal.key_usage_value.native == {"digital_signature"}            # organisation certificate
    assert "time_stamping" in _cert(pki, "tsa").extended_key_usage_value.native


def test_holder_keys_are_never_stored_in_clear(signing_env):
    pki = signing_env.pki
    for label in ("leader", "clerk", "seal", "revoked", "expired"):
        assert pki.read(f"keys/{label}.key.pem").startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
        for path in (pki.path(f"keys/{label}.key.pem"), pki.path(pki.entities[label].p12)):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_served_crl_lists_the_revoked_certificate(signing_env):
    pki = signing_env.pki
    data = urllib.request.urlopen(f"{pki.url_prefix}/eoffice/crls/interm/latest.crl", timeout=10).read()
    revoked = {entry["user_certificate"].native
               for entry in asn1_crl.CertificateList.load(data)["tbs_cert_list"]["revoked_certificates"]}
    assert _cert(pki, "revoked").serial_number in revoked
    assert _cert(pki, "leader").serial_number not in revoked


def test_non_demo_pki_is_not_marked_demo(tmp_path):
    pki = build_pki(tmp_path, url_prefix=f"http://127.0.0.1:{free_port()}", agency_name="Sở Nội vụ",
                    people=[], pin="0000", demo=False, test_certs=False)
    assert not pki.demo and "DEMO" not in _cert(pki, "root").subject.native["common_name"]
    assert set(pki.entities) == {"root", "interm", "tsa", "ocsp", "seal"}
