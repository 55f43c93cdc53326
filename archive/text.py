"""Vietnamese text folding: "Quyết định" and "quyet dinh" compare equal.

NFKD does not fold đ/Đ (no Unicode decomposition), so the table maps them
explicitly and drops stray combining marks from NFD input (STACK.md §3).
"""
from __future__ import annotations

import unicodedata


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        base = "".join(c for c in unicodedata.normalize("NFD", chr(cp))
                       if not unicodedata.combining(c))
        if base and base != chr(cp):
            table[cp] = base
    for cp in range(0x0300, 0x0370):
        table[cp] = None
    table[0x0110], table[0x0111] = "D", "d"
    return table


_FOLD = _build_table()


def fold(text: str | None) -> str:
    """Lower-case, diacritic-free form used for matching and duplicate keys."""
    return unicodedata.normalize("NFC", text or "").translate(_FOLD).lower()


def squash(text: str | None) -> str:
    """Fold and drop spaces: "15 / QĐ - UBND" and "15/qd-ubnd" match."""
    return "".join(fold(text).split())
