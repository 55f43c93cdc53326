"""Shared vocabulary of the signing package: field names, boxes, levels, errors.

Plain data, no pyHanko: the workflow layer and the layout code use these
without loading the signing machinery.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Form fields prepared in every outgoing PDF BEFORE the leader's certification
# signature (STACK §2 pitfall 3: a field created after certification voids it).
FIELD_NUMBER = "so_ky_hieu"      # "Số: 15/QĐ-UBND" written by the clerk at issue
FIELD_DATE = "ngay_ban_hanh"     # "Hà Nội, ngày 05 tháng 01 năm 2026"
FIELD_LEADER = "SigLeader"       # the competent person's signature (box 7c)
FIELD_SEAL = "SigSeal"           # the agency's signature (box 8)

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points (origin bottom-left) on one page (0-based; -1 = last)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Box":
        return cls(int(d["page"]), float(d["x1"]), float(d["y1"]), float(d["x2"]), float(d["y2"]))


@dataclass(frozen=True)
class FieldLayout:
    """Where the number, the date and both signatures go on an outgoing document."""

    number: Box
    date: Box
    leader: Box
    seal: Box

    def as_dict(self) -> dict:
        return {k: getattr(self, k).as_dict() for k in ("number", "date", "leader", "seal")}

    @classmethod
    def from_dict(cls, d: dict) -> "FieldLayout":
        return cls(**{k: Box.from_dict(d[k]) for k in ("number", "date", "leader", "seal")})


@dataclass(frozen=True)
class Appearance:
    """What a visible signature shows (DOMAIN §2.7-2.8).

    ``image``: PNG bytes (the leader's blue handwritten signature or the red
    seal, transparent background); ``lines``: text drawn when there is no
    image (or under it for a text appearance), e.g. ["KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"].
    """

    image: bytes | None = None
    lines: tuple[str, ...] = ()
    font_size: float = 9


class SigningError(Exception):
    """A signing or validation failure with a Vietnamese and an English text.

    ``code`` is machine-readable (API error code); subclasses fix it.
    """

    code = "signing_error"

    def __init__(self, vi: str, en: str, **extra):
        super().__init__(en)
        self.vi, self.en, self.extra = vi, en, extra


class WrongPin(SigningError):
    code = "wrong_pin"


class TokenLocked(SigningError):
    code = "token_locked"


class CertificateRejected(SigningError):
    """Expired, not yet valid, revoked or untrusted signing certificate (``reason``)."""

    code = "certificate_rejected"

    @property
    def reason(self) -> str | None:
        """expired | not_yet_valid | revoked | untrusted (passed as ``reason=``)."""
        return self.extra.get("reason")


class TimestampUnavailable(SigningError):
    code = "tsa_unavailable"


class InvalidPdf(SigningError):
    code = "invalid_pdf"


class FieldMissing(SigningError):
    code = "field_missing"


@dataclass
class SignatureReport:
    """The validation of one signature, JSON-ready (``as_dict``)."""

    field: str
    signer: str                      # subject CN (and O when present)
    signer_subject: str              # full RFC 4514 subject
    issuer: str
    serial: str
    chain: list[str] = field(default_factory=list)   # leaf → root, CNs
    signing_time: str | None = None  # ISO 8601 with +07:00 (claimed time)
    timestamp: str | None = None     # ISO 8601 of the RFC 3161 token, when present
    timestamp_valid: bool | None = None
    intact: bool = False             # the signed bytes are unchanged
    valid: bool = False              # cryptographically valid
    trusted: bool = False            # chain to a configured trust root
    demo_root: bool = False          # chain ends at the demo (untrusted) PKI root
    revocation: str = "unknown"      # good | revoked | unknown | not_checked
    coverage: str = ""               # ENTIRE_FILE | ENTIRE_REVISION | ...
    modification_level: str = ""     # NONE | LTA_UPDATES | FORM_FILLING | ANNOTATIONS | OTHER
    changed_fields: list[str] = field(default_factory=list)
    certified: bool = False          # DocMDP certification signature
    docmdp_ok: bool | None = None
    level: str = ""                  # B-B | B-T | B-LT | B-LTA (best effort)
    kind: str = "signature"          # signature | doc_timestamp
    status: str = "invalid"          # valid | modified | invalid | untrusted
    reasons: list[str] = field(default_factory=list)   # Vietnamese, for the panel
    reasons_en: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)
