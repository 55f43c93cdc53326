"""The agency's signing set-up: which keys, which level, which TSA, which roots.

``signing/`` signs bytes; this module decides, from configuration, how: the
key source of a credential (PKCS#12 unlocked by the PIN typed now, PKCS#11
token or HSM, or an external signer), the PAdES level of each signature
(B-T when a TSA is configured, B-LT/B-LTA with revocation data), what happens
when the TSA is down (refuse, or B-B when the agency allows it — recorded,
never silent), the trust roots used for validation, and the PIN attempt limit.
"""
from __future__ import annotations

import base64
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.db import utcnow
from archive.errors import (Conflict, InvalidInput, Msg, NotFound, SigningRefused)
from archive.models import SigningCredential
from signing import model as sm

# One PKCS#11 session at a time per process: python-pkcs11 fails to find the
# token when threads open sessions at once (seen with SoftHSM2), and a USB
# token signs one request at a time anyway. Other processes are serialised by
# the token library itself.
_PKCS11_LOCK = threading.Lock()


def refused(exc: sm.SigningError) -> SigningRefused:
    """A signing-package error as a domain error (same code, same texts)."""
    return SigningRefused(Msg(exc.vi, exc.en), exc.code, **exc.extra)


@dataclass(frozen=True)
class SigningSettings:
    tsa_url: str | None = None
    tsa_fallback: bool = False          # TSA down: sign B-B (recorded) instead of refusing
    leader_level: str = "B-LT"
    seal_level: str = "B-LTA"
    trust_roots: tuple[bytes, ...] = ()  # DER
    demo_roots: tuple[bytes, ...] = ()   # DER: trusted here, flagged "thử nghiệm"
    allow_fetching: bool = True          # OCSP/CRL over the network
    pkcs11_module: str | None = None
    max_pin_attempts: int = 5
    lock_minutes: int = 15
    external_ttl_minutes: int = 10


@dataclass
class Signed:
    """Bytes of a signature just made, with the level reached and why it is lower."""

    data: bytes
    level: str
    requested_level: str
    fallback_reason: str | None = None


@dataclass
class OpenKey:
    """A key ready to sign with: the pyHanko signer and its certificate."""

    credential: SigningCredential
    signer: object


class SigningService:
    def __init__(self, settings: SigningSettings | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.settings = settings or SigningSettings()
        self.clock = clock

    # --- levels and timestamps -------------------------------------------------------

    def level_for(self, kind: str) -> str:
        """The configured level, capped at B-B when no TSA is configured."""
        wanted = self.settings.leader_level if kind == "leader" else self.settings.seal_level
        if not self.settings.tsa_url:
            return "B-B"
        return wanted

    def timestamper(self):
        from signing import pades
        return pades.timestamper(self.settings.tsa_url) if self.settings.tsa_url else None

    def validation_context(self):
        """For signing (revocation of our own certificate, B-LT/B-LTA data)."""
        from asn1crypto import x509
        from pyhanko_certvalidator import ValidationContext
        roots = [x509.Certificate.load(d) for d in self.roots()]
        return ValidationContext(trust_roots=roots, allow_fetching=self.settings.allow_fetching)

    def roots(self) -> tuple[bytes, ...]:
        return tuple(self.settings.trust_roots) + tuple(self.settings.demo_roots)

    def trust(self):
        from signing.validation import TrustSettings
        return TrustSettings(trust_roots=list(self.roots()),
                             demo_roots=list(self.settings.demo_roots),
                             allow_fetching=self.settings.allow_fetching)

    def sign_at_level(self, kind: str, make: Callable[[str, object], bytes]) -> Signed:
        """Run ``make(level, timestamper)``; on a TSA failure fall back to B-B only
        when the agency configured it, and say so in the result."""
        level = self.level_for(kind)
        if level == "B-B":
            return Signed(make("B-B", None), "B-B", level)
        try:
            return Signed(make(level, self.timestamper()), level, level)
        except sm.TimestampUnavailable as exc:
            if not self.settings.tsa_fallback:
                raise refused(exc) from None
            data = make("B-B", None)
            return Signed(data, "B-B", level,
                          f"Không kết nối được máy chủ dấu thời gian; đã ký mức B-B. ({exc.en})")
        except sm.SigningError as exc:
            raise refused(exc) from None

    # --- credentials ---------------------------------------------------------------------

    def personal_credential(self, session: Session, organization_id: int,
                            staff_id: int) -> SigningCredential:
        cred = session.scalar(select(SigningCredential).where(
            SigningCredential.organization_id == organization_id,
            SigningCredential.purpose == "personal", SigningCredential.staff_id == staff_id,
            SigningCredential.active).order_by(SigningCredential.id.desc()).limit(1))
        if cred is None:
            raise NotFound(Msg("Bạn chưa có chứng thư số để ký. Liên hệ quản trị viên.",
                               "You have no signing certificate. Ask the administrator."))
        return cred

    def agency_credential(self, session: Session, organization_id: int) -> SigningCredential:
        cred = session.scalar(select(SigningCredential).where(
            SigningCredential.organization_id == organization_id,
            SigningCredential.purpose == "agency", SigningCredential.active)
            .order_by(SigningCredential.id.desc()).limit(1))
        if cred is None:
            raise NotFound(Msg("Cơ quan chưa có chứng thư số (chữ ký số cơ quan).",
                               "The agency has no signing certificate (seal)."))
        return cred

    def check_not_locked(self, cred: SigningCredential) -> None:
        now = self.clock()
        if cred.locked_until and cred.locked_until > now:
            minutes = max(1, int((cred.locked_until - now).total_seconds() // 60) + 1)
            raise SigningRefused(Msg(
                f"Đã nhập sai mã PIN quá {self.settings.max_pin_attempts} lần; "
                f"khóa ký số tạm khóa, thử lại sau {minutes} phút.",
                f"Too many wrong PINs; signing is locked for {minutes} more minutes."),
                "pin_locked")

    def count_wrong_pin(self, session: Session, cred_id: int) -> int:
        """Record a wrong PIN and commit it on its own: whatever the caller was
        doing is rolled back first (nothing else may change), but the count
        must outlive the refusal. Returns the attempts left."""
        session.rollback()
        session.execute(update(SigningCredential).where(SigningCredential.id == cred_id)
                        .values(failed_attempts=SigningCredential.failed_attempts + 1))
        cred = session.get(SigningCredential, cred_id)
        session.refresh(cred)
        left = self.settings.max_pin_attempts - cred.failed_attempts
        if left <= 0:
            cred.locked_until = self.clock() + timedelta(minutes=self.settings.lock_minutes)
            cred.failed_attempts = 0
        session.commit()
        return max(0, left)

    @contextmanager
    def open_key(self, cred: SigningCredential, pin: str | None,
                 on_wrong_pin: Callable[[], int]) -> Iterator[OpenKey]:
        """Unlock the credential's key for the duration of the block.

        A wrong PIN is counted (``on_wrong_pin`` returns the attempts left)
        and refused with how many attempts remain.
        """
        from signing import keys
        self.check_not_locked(cred)
        if cred.source == "external":
            raise InvalidInput(Msg("Khóa ký số này nằm ở trình duyệt hoặc thiết bị của bạn: "
                                   "dùng chức năng ký qua trình duyệt.",
                                   "This key is held by your browser or device: use browser "
                                   "signing."))
        if not pin:
            msg = Msg("Nhập mã PIN của khóa ký số.", "Enter the signing PIN.")
            raise InvalidInput(msg, {"pin": msg})
        try:
            if cred.source == "pkcs12":
                yield OpenKey(cred, keys.pkcs12_signer(cred.pkcs12, pin))
                return
            if cred.source == "pkcs11":
                if not self.settings.pkcs11_module:
                    raise Conflict(Msg("Chưa cấu hình thư viện PKCS#11 (EOFFICE_PKCS11_MODULE).",
                                       "No PKCS#11 module configured."))
                with _PKCS11_LOCK, keys.pkcs11_session(self.settings.pkcs11_module,
                                                       cred.token_label, pin) as p11:
                    signer = keys.pkcs11_signer(p11, cred.key_label,
                                                cred.cert_label or cred.key_label,
                                                chain_der=chain_der(cred))
                    yield OpenKey(cred, signer)
                return
            raise Conflict(Msg(f"Nguồn khóa không hỗ trợ: {cred.source}",
                               f"Unsupported key source: {cred.source}"))
        except sm.WrongPin:
            left = on_wrong_pin()
            if left <= 0:
                raise SigningRefused(Msg(
                    f"Mã PIN không đúng. Đã sai {self.settings.max_pin_attempts} lần: khóa ký số "
                    f"bị tạm khóa {self.settings.lock_minutes} phút.",
                    f"Wrong PIN. Signing is locked for {self.settings.lock_minutes} minutes."),
                    "wrong_pin", attempts_left=0) from None
            raise SigningRefused(Msg(f"Mã PIN không đúng. Còn {left} lần thử.",
                                     f"Wrong PIN. {left} attempts left."),
                                 "wrong_pin", attempts_left=left) from None
        except sm.SigningError as exc:
            raise refused(exc) from None

    def check_certificate(self, cred: SigningCredential) -> None:
        """Refuse an expired, not yet valid or revoked certificate before signing."""
        from asn1crypto import x509
        from signing import pades
        try:
            pades.check_certificate(x509.Certificate.load(cred.certificate),
                                    self.validation_context(), self.clock())
        except sm.SigningError as exc:
            raise refused(exc) from None

    @staticmethod
    def reset_attempts(cred: SigningCredential) -> None:
        cred.failed_attempts, cred.locked_until = 0, None


def chain_der(cred: SigningCredential) -> list[bytes]:
    """The issuing CA certificates stored with the credential (base64 DER)."""
    return [base64.b64decode(c) for c in (cred.chain or [])]
