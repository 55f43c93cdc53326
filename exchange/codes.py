"""Code lists of the edXML exchange, kept as data with their source tag.

Each list carries the verification tag of DOMAIN.md §0.1 so an operator can
see what is unverified: [V] checked in the legal text, [S] seen in SDKs and
integrations, [B] belief without a source. Lists are plain mappings built
from tuples; extending one (a document type code found in the QCVN 102
appendix, say) is one more row, not a new constant in the code.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One value of a code list with its meaning in both languages."""

    code: str
    vi: str
    en: str
    source: str


class CodeList:
    """A named list of codes; ``source`` is the weakest tag among its rows."""

    def __init__(self, name: str, rows: tuple[Code, ...]):
        self.name = name
        self._rows = {row.code: row for row in rows}

    @property
    def source(self) -> str:
        """The least verified tag of the list, shown to operators."""
        order = ("[B]", "[S]", "[V-sum]", "[V]")
        tags = {row.source for row in self._rows.values()}
        return next((tag for tag in order if tag in tags), "[B]")

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def __getitem__(self, code: str) -> Code:
        return self._rows[code]

    def __iter__(self):
        return iter(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, code: str) -> Code | None:
        return self._rows.get(code)

    def codes(self) -> tuple[str, ...]:
        return tuple(self._rows)

    def extended(self, *rows: Code) -> CodeList:
        """A copy with more (or corrected) rows, e.g. from an operator's table."""
        return CodeList(self.name, tuple(self._rows.values()) + rows)


# DOMAIN §6.4, "two independent integrations agree" [S].
STATUS_CODES = CodeList("StatusCode", (
    Code("01", "Đã đến", "Arrived", "[S]"),
    Code("02", "Từ chối tiếp nhận", "Refused", "[S]"),
    Code("03", "Đã tiếp nhận", "Accepted (registered)", "[S]"),
    Code("04", "Phân công", "Assigned", "[S]"),
    Code("05", "Đang xử lý", "In progress", "[S]"),
    Code("06", "Hoàn thành", "Done", "[S]"),
    Code("13", "Yêu cầu lấy lại", "Recall requested", "[S]"),
    Code("15", "Đồng ý lấy lại", "Recall (or update) accepted", "[S]"),
    Code("16", "Từ chối lấy lại", "Recall (or update) refused", "[S]"),
))

# DOMAIN §6.2: 0 = new is [S]; 1/2/3 are [B].
BUSSINESS_DOC_TYPES = CodeList("BussinessDocType", (
    Code("0", "Văn bản mới", "New document", "[S]"),
    Code("1", "Thu hồi", "Revoke", "[B]"),
    Code("2", "Cập nhật", "Update", "[B]"),
    Code("3", "Thay thế", "Replace", "[B]"),
))

# DOMAIN §6.2: only 18 = Công văn is known (SDK sample) [S]; extend with
# ``DOCUMENT_TYPES.extended(...)`` once the QCVN 102 appendix is checked.
DOCUMENT_TYPES = CodeList("DocumentType", (
    Code("18", "Công văn", "Official letter", "[S]"),
))

# DOMAIN §2.6: OtherInfo/Priority codes [B], to check against QCVN 102.
PRIORITIES = CodeList("Priority", (
    Code("0", "Thường", "Normal", "[B]"),
    Code("1", "Khẩn", "Urgent", "[B]"),
    Code("2", "Thượng khẩn", "Very urgent", "[B]"),
    Code("3", "Hỏa tốc", "Immediate", "[B]"),
    Code("4", "Hỏa tốc hẹn giờ", "Immediate, timed", "[B]"),
))
