"""Vietnamese analysis shared by every index engine and by the query parser.

Vietnamese words are written as space-separated syllables ("phát triển du
lịch"), so the unit of indexing is the syllable and multi-syllable words are
found with phrase queries. Two forms of each syllable are indexed:

* folded: lower-case, no diacritics, đ/Đ → d ("Quyết định" → "quyet dinh");
  Unicode decomposition alone leaves đ alone (STACK.md §3), ``archive.text.fold``
  maps it explicitly;
* exact: lower-case with every diacritic kept, NFC ("đất" ≠ "đặt").

Engines never tokenise themselves: they receive the syllables joined by
single spaces, so their own tokenisers (FTS5 unicode61, PostgreSQL's parser,
Whoosh's regex) only split on spaces and cannot disagree.
"""
from __future__ import annotations

import re
import unicodedata

from archive.text import fold

# A syllable: letters and digits, plus combining marks in case NFC left any.
_SYLLABLE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TEXT_CHARS = 2_000_000   # a 1,000-page scan; more is cut, never an error


def exact_form(text: str | None) -> str:
    """Lower-case NFC text with its diacritics (the exact-mode form)."""
    return unicodedata.normalize("NFC", text or "").lower()


def syllables(text: str | None, exact: bool = False) -> list[str]:
    """The syllables of ``text`` in the requested form."""
    prepared = exact_form(text) if exact else fold(text)
    return _SYLLABLE.findall(prepared[:MAX_TEXT_CHARS])


def analysed(text: str | None, exact: bool = False) -> str:
    """Syllables joined by single spaces: what engines index."""
    return " ".join(syllables(text, exact))


def number_form(number: str | None, notation: str | None = None) -> str:
    """Số/ký hiệu as indexed: "123/QĐ-UBND" → "123 qd ubnd".

    Searching the parts in order as a phrase restricted to this field finds the
    document by its full number and by any run of its parts ("QĐ-UBND").
    """
    joined = "/".join(p for p in (number, notation) if p)
    return analysed(joined)
