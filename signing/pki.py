"""A PKI shaped like the real one (root → issuing CA → people and the agency
seal, plus a TSA and an OCSP responder), generated and served with certomancer.

Used for the demo agency (the root says DEMO and "KHÔNG DÙNG THẬT", and
:mod:`signing.validation` flags it) and by the tests. Everything lives in one
directory: keys, certificates (PEM and DER), a PKCS#12 per person and for the
seal (protected by the PIN), the certomancer configuration and ``pki.json``
(:class:`PkiInfo`). Nothing is cached elsewhere.

The certificates point their CRL, OCSP and caIssuers URLs at ``url_prefix``,
so pyHanko fetches revocation data exactly as in production once
:func:`serve_pki` runs the responders there. The port is part of the URLs:
pick it first, then build, then serve.

Private keys of people and of the seal are only stored encrypted (PKCS#12,
and PKCS#8 PEM encrypted with the PIN); the CA, TSA and OCSP keys are stored
in clear because the responders need them to answer.
"""
from __future__ import annotations

import json
import os
import socketserver
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .keys import make_pkcs12

__all__ = ["PkiInfo", "Entity", "build_pki", "serve_pki", "PkiServer", "decrypt_key_pem"]

ARCH = "eoffice"
SERVICE_LABELS = ("root", "interm", "tsa", "ocsp")
TEST_PEOPLE = (("revoked", "Trần Thị Thu Hồi"), ("expired", "Lê Văn Hết Hạn"))


@dataclass
class Entity:
    """One certificate holder; paths are relative to the PKI directory."""

    label: str
    name: str
    kind: str                    # ca | tsa | ocsp | person | seal | test
    cert_pem: str
    cert_der: str
    key_pem: str                 # encrypted with the PIN unless kind is ca/tsa/ocsp
    p12: str | None = None


@dataclass
class PkiInfo:
    """What :func:`build_pki` made, saved as ``pki.json`` next to the files."""

    directory: str
    arch: str
    url_prefix: str
    agency_name: str
    demo: bool
    tsa_url: str
    ocsp_url: str
    crl_urls: list[str]
    root_label: str = "root"
    issuing_label: str = "interm"
    people: list[str] = field(default_factory=list)        # labels of person certificates
    entities: dict[str, Entity] = field(default_factory=dict)
    config: str = "certomancer.yml"
    created: str = ""

    # --- persistence ---
    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PkiInfo":
        entities = {k: Entity(**v) for k, v in d.get("entities", {}).items()}
        return cls(**{**d, "entities": entities})

    def save(self) -> None:
        path = Path(self.directory) / "pki.json"
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> "PkiInfo":
        """Read ``pki.json``; ``directory`` wins over the stored one (the folder may move)."""
        data = json.loads((Path(directory) / "pki.json").read_text(encoding="utf-8"))
        data["directory"] = str(Path(directory))
        return cls.from_dict(data)

    # --- convenience readers ---
    def path(self, relative: str) -> Path:
        return Path(self.directory) / relative

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()

    def cert_der(self, label: str) -> bytes:
        return self.read(self.entities[label].cert_der)

    def cert_pem(self, label: str) -> bytes:
        return self.read(self.entities[label].cert_pem)

    def p12(self, label: str) -> bytes:
        entity = self.entities[label]
        if not entity.p12:
            raise KeyError(f"{label} has no PKCS#12")
        return self.read(entity.p12)

    def root_der(self) -> bytes:
        return self.cert_der(self.root_label)

    def chain_der(self) -> list[bytes]:
        """CA certificates above a leaf: the issuing CA, then the root."""
        return [self.cert_der(self.issuing_label), self.root_der()]


# --- building ---------------------------------------------------------------------

def build_pki(directory: str | Path, *, url_prefix: str, agency_name: str,
              people: list[tuple[str, str]], pin: str, demo: bool = True,
              test_certs: bool = True, now: datetime | None = None) -> PkiInfo:
    """Generate keys, certificates, PKCS#12 files and the certomancer config.

    ``people`` are (label, full name); ``test_certs`` adds a ``revoked``
    (revoked a week ago) and an ``expired`` (ended a month ago) person.
    Dates are whole days relative to ``now`` so two builds on the same day
    give the same validity periods.
    """
    directory = Path(directory)
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    (directory / "certs").mkdir(exist_ok=True)
    url_prefix = url_prefix.rstrip("/")
    today = (now or datetime.now(timezone.utc)).replace(hour=0, minute=0, second=0, microsecond=0)
    holders = list(people) + [("seal", agency_name)] + (list(TEST_PEOPLE) if test_certs else [])
    _check_labels(holders)
    for label in SERVICE_LABELS:
        _write_service_key(directory, label)
    for label, _ in holders:
        _write_holder_key(directory, label, pin)
    config = _certomancer_config(url_prefix, agency_name, holders, demo, today)
    _write_yaml(directory / "certomancer.yml", config)
    arch = _load_arch(directory)
    info = _info(directory, url_prefix, agency_name, demo, people, holders)
    _write_certs(arch, info)
    _write_pkcs12s(info, pin)
    info.save()
    return info


def _check_labels(holders: list[tuple[str, str]]) -> None:
    """Labels become file names and URL parts: keep them plain and unique."""
    labels = [label for label, _ in holders]
    for label in labels:
        if not label.replace("-", "").replace("_", "").isalnum() or label in SERVICE_LABELS:
            raise ValueError(f"invalid or reserved certificate label {label!r}")
    if len(set(labels)) != len(labels):
        raise ValueError("certificate labels must be unique")


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_private(path: Path, data: bytes) -> None:
    """Create the file readable by the owner only, before any byte is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_service_key(directory: Path, label: str) -> None:
    """CA/TSA/OCSP key in clear (the responders sign with it)."""
    key = _new_key()
    _write_private(directory / "keys" / f"{label}.key.pem", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def _write_holder_key(directory: Path, label: str, pin: str) -> None:
    """Holder key: encrypted PKCS#8 for us, the public half for certomancer."""
    key = _new_key()
    _write_private(directory / "keys" / f"{label}.key.pem", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(pin.encode("utf-8"))))
    (directory / "keys" / f"{label}.pub.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def decrypt_key_pem(key_pem: bytes, pin: str) -> bytes:
    """Unencrypted PKCS#8 PEM of a holder key (e.g. to import it into a token)."""
    key = serialization.load_pem_private_key(key_pem, password=pin.encode("utf-8"))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _ext_key_usage(*usages: str) -> dict:
    return {"id": "key_usage", "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(usages)}}


def _ext_crl(repo: str) -> dict:
    return {"id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}}}


def _ext_aia() -> dict:
    """OCSP + caIssuers (the issuing CA published in the root's repository)."""
    return {"id": "authority_information_access", "smart-value": {"schema": "aia-urls", "params": {
        "ocsp-responder-names": ["interm"],
        "ca-issuer-links": [{"repo": "root", "cert-labels": ["interm"], "include-repo-authority": False}]}}}


def _names(agency_name: str, holders: list[tuple[str, str]], demo: bool) -> dict:
    """Distinguished names; the demo root says so loudly."""
    pki_org = "eOffice DEMO PKI" if demo else agency_name
    root_cn = "eOffice DEMO Root CA - KHÔNG DÙNG THẬT" if demo else f"{agency_name} Root CA"
    marker = "DEMO " if demo else ""
    entities = {
        "root": {"common-name": root_cn, "organization-name": pki_org},
        "interm": {"common-name": f"eOffice {marker}Issuing CA", "organization-name": pki_org},
        "tsa": {"common-name": f"eOffice {marker}TSA", "organization-name": pki_org},
        "ocsp": {"common-name": f"eOffice {marker}OCSP Responder", "organization-name": pki_org},
    }
    for label, name in holders:
        entities[label] = {"common-name": name}
    return entities


def _cert_specs(holders: list[tuple[str, str]], today: datetime) -> dict:
    """Root (25 y), issuing CA, TSA and OCSP (15 y), holders (3 y; test ones broken)."""
    ca_from, ca_to = _iso(today - timedelta(days=365)), _iso(today + timedelta(days=25 * 365))
    svc_to = _iso(today + timedelta(days=15 * 365))
    leaf_from, leaf_to = _iso(today - timedelta(days=30)), _iso(today + timedelta(days=3 * 365))
    certs = {
        "root": {"subject": "root", "issuer": "root", "validity": {"valid-from": ca_from, "valid-to": ca_to},
                 "extensions": [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                                _ext_key_usage("digital_signature", "key_cert_sign", "crl_sign")]},
        "interm": {"issuer": "root", "validity": {"valid-from": ca_from, "valid-to": svc_to},
                   "extensions": [{"id": "basic_constraints", "critical": True,
                                   "value": {"ca": True, "path-len-constraint": 0}},
                                  _ext_key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                                  _ext_crl("root")]},
        "tsa": {"issuer": "root", "validity": {"valid-from": ca_from, "valid-to": svc_to},
                "extensions": [_ext_key_usage("digital_signature"),
                               {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                               _ext_crl("root")]},
        "ocsp": {"issuer": "interm", "validity": {"valid-from": ca_from, "valid-to": svc_to},
                 "extensions": [_ext_key_usage("digital_signature"),
                                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                                {"id": "ocsp_no_check"}]},
    }
    for label, _ in holders:
        # The agency seal (organisation certificate) has digitalSignature only,
        # as many CAs issue them (STACK pitfall 5); people also get nonRepudiation.
        # The EKU (as on VGCA certificates) also matters to poppler 22.x: without
        # any EKU, NSS leaves a stale "extension not found" error that pdfsig
        # reports as "Unknown issue with Certificate" although the chain is fine.
        usage = ("digital_signature",) if label == "seal" else ("digital_signature", "non_repudiation")
        eku = {"id": "extended_key_usage", "value": ["client_auth", "email_protection"]}
        certs[label] = {"issuer": "interm", "validity": {"valid-from": leaf_from, "valid-to": leaf_to},
                        "extensions": [_ext_key_usage(*usage), eku, _ext_crl("interm"), _ext_aia()]}
    if "expired" in certs:
        certs["expired"]["validity"] = {"valid-from": _iso(today - timedelta(days=400)),
                                        "valid-to": _iso(today - timedelta(days=30))}
    if "revoked" in certs:
        certs["revoked"]["revocation"] = {"revoked-since": _iso(today - timedelta(days=7)),
                                          "reason": "key_compromise"}
    return certs


def _certomancer_config(url_prefix: str, agency_name: str, holders: list[tuple[str, str]],
                        demo: bool, today: datetime) -> dict:
    """The whole certomancer configuration as a dict (written as YAML)."""
    keys = {label: {"path": f"{label}.key.pem"} for label in SERVICE_LABELS}
    keys.update({label: {"path": f"{label}.pub.pem", "public-only": True} for label, _ in holders})
    services = {
        "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "ocsp", "signing-key": "ocsp"}},
        "crl-repo": {"root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P90D"},
                     "interm": {"for-issuer": "interm", "signing-key": "interm",
                                "simulated-update-schedule": "P7D"}},
        "cert-repo": {"root": {"for-issuer": "root", "publish-issued-certs": True},
                      "interm": {"for-issuer": "interm", "publish-issued-certs": False}},
        "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
    }
    return {
        "external-url-prefix": url_prefix,
        "keysets": {ARCH: {"path-prefix": "keys", "keys": keys}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "VN", "organization-name": agency_name},
            "entities": _names(agency_name, holders, demo),
            "certs": _cert_specs(holders, today),
            "services": services,
        }},
    }


def _write_yaml(path: Path, config: dict) -> None:
    import yaml

    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _load_arch(directory: Path):
    """The certomancer PKI architecture described by the directory's config."""
    from certomancer.registry import CertomancerConfig

    config = CertomancerConfig.from_file(str(directory / "certomancer.yml"), key_search_dir=str(directory))
    return config.get_pki_arch(ARCH)


def _info(directory: Path, url_prefix: str, agency_name: str, demo: bool,
          people: list[tuple[str, str]], holders: list[tuple[str, str]]) -> PkiInfo:
    names = dict(holders)
    kinds = {"root": "ca", "interm": "ca", "tsa": "tsa", "ocsp": "ocsp"}
    kinds.update({label: "person" for label, _ in people})
    kinds.update({"seal": "seal", **{label: "test" for label, _ in TEST_PEOPLE if label in names}})
    entities = {label: Entity(label=label, name=names.get(label, label), kind=kind,
                              cert_pem=f"certs/{label}.cert.pem", cert_der=f"certs/{label}.cert.der",
                              key_pem=f"keys/{label}.key.pem")
                for label, kind in kinds.items()}
    return PkiInfo(
        directory=str(directory), arch=ARCH, url_prefix=url_prefix, agency_name=agency_name, demo=demo,
        tsa_url=f"{url_prefix}/{ARCH}/tsa/tsa", ocsp_url=f"{url_prefix}/{ARCH}/ocsp/interm",
        crl_urls=[f"{url_prefix}/{ARCH}/crls/{ca}/latest.crl" for ca in ("root", "interm")],
        people=[label for label, _ in people], entities=entities,
        created=datetime.now(timezone.utc).replace(microsecond=0).isoformat())


def _write_certs(arch, info: PkiInfo) -> None:
    """Every certificate as PEM and DER."""
    from asn1crypto import pem

    for label, entity in info.entities.items():
        der = arch.get_cert(label).dump()
        info.path(entity.cert_der).write_bytes(der)
        info.path(entity.cert_pem).write_bytes(pem.armor("CERTIFICATE", der))


def _write_pkcs12s(info: PkiInfo, pin: str) -> None:
    """One PKCS#12 per holder (person, seal, test): key + cert + issuing CA + root."""
    chain = info.chain_der()
    for label, entity in info.entities.items():
        if entity.kind in ("ca", "tsa", "ocsp"):
            continue
        key_pem = decrypt_key_pem(info.read(entity.key_pem), pin)
        entity.p12 = f"{label}.p12"
        _write_private(info.path(entity.p12),
                       make_pkcs12(key_pem, info.cert_der(label), chain, pin, friendly_name=entity.name))


# --- serving ------------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the responders are called many times per test."""

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class PkiServer:
    """certomancer's Animator (TSA, OCSP, CRL, certificate repository) in a thread."""

    def __init__(self, server: WSGIServer, thread: threading.Thread, url: str):
        self._server, self._thread, self.url = server, thread, url

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "PkiServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_pki(directory: str | Path, host: str = "127.0.0.1", port: int | None = None) -> PkiServer:
    """Serve the PKI of ``directory`` on host:port (default: the port in url_prefix).

    Uses the standard library's WSGI server (signing/ must not import
    werkzeug, DESIGN layering); certomancer's Animator is a plain WSGI app.
    """
    from certomancer.integrations.animator import Animator, AnimatorArchStore

    info = PkiInfo.load(directory)
    if port is None:
        port = urlsplit(info.url_prefix).port or 80
    arch = _load_arch(Path(directory))
    app = Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False)
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"pki-{port}", daemon=True)
    thread.start()
    return PkiServer(server, thread, f"http://{host}:{port}")
