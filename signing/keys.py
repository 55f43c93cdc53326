"""Key sources. Each returns a pyHanko ``Signer`` that :mod:`signing.pades` uses.

* PKCS#12 file + PIN (the demo PKI, small agencies without a token);
* PKCS#11 token or HSM (VGCA USB tokens, the agency seal key in an HSM);
* an external signer: the browser (Web Crypto, VGCA plugin) or a remote
  signing service signs the CMS signed attributes; the private key never
  reaches the server (see :mod:`signing.external`, re-exported here).

Wrong PINs and locked tokens become :class:`~signing.model.WrongPin` and
:class:`~signing.model.TokenLocked` with Vietnamese messages, so the web layer
can show them as they are.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12 as pyca_pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .external import PreparedExternal, finish_external, prepare_external
from .model import SigningError, TokenLocked, WrongPin

__all__ = [
    "CachedKeySimpleSigner", "pkcs12_signer", "make_pkcs12", "load_cert",
    "pkcs11_session", "pkcs11_signer",
    "PreparedExternal", "prepare_external", "finish_external",
]

WRONG_PIN_VI = "Mã PIN không đúng."
WRONG_PIN_EN = "The PIN is incorrect."


class CachedKeySimpleSigner(signers.SimpleSigner):
    """SimpleSigner that parses its private key once, not on every signature.

    pyHanko's SimpleSigner re-loads the key with ``cryptography`` in each
    ``sign_raw`` (about 40 ms for RSA-2048) and every PDF signature signs
    twice (size estimate + real), STACK §2 pitfall 2.
    """

    @cached_property
    def _pyca_key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo == "rsassa_pkcs1v15":
            return self._pyca_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


def load_cert(data: bytes) -> asn1_x509.Certificate:
    """An asn1crypto certificate from PEM or DER bytes."""
    if asn1_pem.detect(data):
        _, _, data = asn1_pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


# --- PKCS#12 ------------------------------------------------------------------

def pkcs12_signer(p12: bytes, pin: str) -> signers.Signer:
    """A signer from a PKCS#12 (.p12/.pfx) file protected by ``pin``.

    Raises WrongPin when the PIN does not open a well-formed file, and
    SigningError when the file is not PKCS#12 at all or holds no key.
    """
    try:
        key, cert, extra = pyca_pkcs12.load_key_and_certificates(p12, pin.encode("utf-8"))
    except ValueError as exc:
        if _is_pfx(p12):
            raise WrongPin(WRONG_PIN_VI, WRONG_PIN_EN) from exc
        raise SigningError("Tệp chứng thư số (PKCS#12) bị hỏng.",
                           "The PKCS#12 file is damaged.") from exc
    if key is None or cert is None:
        raise SigningError("Tệp PKCS#12 không chứa khóa bí mật và chứng thư số.",
                           "The PKCS#12 file holds no private key and certificate.")
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra]
    return CachedKeySimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(chain))


def _is_pfx(data: bytes) -> bool:
    """True when ``data`` parses as a PKCS#12 structure (so the PIN was wrong)."""
    try:
        asn1_pkcs12.Pfx.load(data)["auth_safe"]["content_type"].native  # noqa: B018
        return True
    except Exception:
        return False


def make_pkcs12(key_pem: bytes, cert: bytes, chain: Sequence[bytes], pin: str,
                friendly_name: str = "") -> bytes:
    """A PKCS#12 holding the key, its certificate and the chain, encrypted with ``pin``.

    ``key_pem`` is an unencrypted PEM (PKCS#8 or traditional); certificates
    may be PEM or DER. AES-256 + PBKDF2 (cryptography's best available).
    """
    key = serialization.load_pem_private_key(key_pem, password=None)
    return pyca_pkcs12.serialize_key_and_certificates(
        name=friendly_name.encode("utf-8") or None, key=key, cert=_pyca_cert(cert),
        cas=[_pyca_cert(c) for c in chain],
        encryption_algorithm=serialization.BestAvailableEncryption(pin.encode("utf-8")))


def _pyca_cert(data: bytes) -> pyca_x509.Certificate:
    if data.lstrip().startswith(b"-----BEGIN"):
        return pyca_x509.load_pem_x509_certificate(data)
    return pyca_x509.load_der_x509_certificate(data)


# --- PKCS#11 ------------------------------------------------------------------

@contextmanager
def pkcs11_session(module_path: str, token_label: str, pin: str) -> Iterator[object]:
    """An open, logged-in session on the token labelled ``token_label``.

    The module is loaded once per process by python-pkcs11. For SoftHSM2 the
    SOFTHSM2_CONF variable is read at that first load: see signing.softhsm.
    """
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    try:
        session = open_pkcs11_session(module_path, token_criteria=TokenCriteria(label=token_label),
                                      user_pin=pin)
    except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinInvalid,
            pkcs11.exceptions.PinLenRange) as exc:
        raise WrongPin(WRONG_PIN_VI, WRONG_PIN_EN) from exc
    except pkcs11.exceptions.PinLocked as exc:
        raise TokenLocked("Thiết bị ký số (token) đã bị khóa do nhập sai PIN nhiều lần.",
                          "The token is locked after too many wrong PINs.") from exc
    except (pkcs11.PKCS11Error, OSError, RuntimeError) as exc:
        raise SigningError(f"Không tìm thấy thiết bị ký số (token) “{token_label}”.",
                           f"Token '{token_label}' not found ({exc}).") from exc
    try:
        yield session
    finally:
        session.close()


def pkcs11_signer(session, key_label: str, cert_label: str,
                  other_cert_labels: Sequence[str] = (),
                  chain_der: Sequence[bytes] = ()) -> signers.Signer:
    """A signer over the key ``key_label`` and certificate ``cert_label`` on the token.

    The CA certificates to embed come from the token (``other_cert_labels``)
    or from the caller (``chain_der``, e.g. kept with the credential: many
    USB tokens hold only the holder's certificate). Objects are loaded now,
    so a wrong label fails here and not halfway through signing.
    """
    import pkcs11
    from pyhanko.sign.general import SigningError as PyhankoSigningError
    from pyhanko.sign.pkcs11 import PKCS11Signer

    chain = [load_cert(c) for c in chain_der] or None
    signer = PKCS11Signer(session, cert_label=cert_label, key_label=key_label,
                          other_certs_to_pull=tuple(other_cert_labels), ca_chain=chain)
    try:
        signer.signing_cert  # noqa: B018 - forces the object lookup
    except (pkcs11.PKCS11Error, PyhankoSigningError) as exc:
        raise SigningError(f"Không tìm thấy khóa hoặc chứng thư “{key_label}” trên thiết bị ký số.",
                           f"Key or certificate '{key_label}' not found on the token ({exc}).") from exc
    return signer
