"""Highlighted snippets, built the same way whatever engine found the document.

The text is folded (or lower-cased for the exact mode) character by
character, so positions in the folded copy are positions in the original and
the marked words keep their diacritics. Output is HTML-escaped with the
matches in ``<mark>``; callers insert it as markup.
"""
from __future__ import annotations

import html
import re
import unicodedata

from archive.text import fold

SCAN_CHARS = 200_000      # a snippet is looked for in the first 200 KB of a long scan
_WORD_CHAR = r"[^\W_]"


def _comparable(text: str, exact: bool) -> str:
    """Same length as ``text``: each character folded (or lower-cased) alone."""
    out = []
    for ch in text:
        mapped = ch.lower() if exact else fold(ch)
        out.append(mapped[0] if len(mapped) == 1 else ch)
    return "".join(out)


def _pattern(tokens: set[str]) -> re.Pattern | None:
    if not tokens:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(rf"(?<!{_WORD_CHAR})(?:{alternatives})(?!{_WORD_CHAR})")


def _spans(text: str, tokens: set[str], exact: bool) -> list[tuple[int, int]]:
    pattern = _pattern(tokens)
    if pattern is None:
        return []
    return [m.span() for m in pattern.finditer(_comparable(text, exact))]


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    parts, pos = [], start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        parts += [html.escape(text[pos:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        pos = b
    parts.append(html.escape(text[pos:end]))
    return "".join(parts)


def highlight(text: str | None, tokens: set[str], exact: bool = False) -> str:
    """The whole (short) ``text`` with every match marked."""
    text = unicodedata.normalize("NFC", text or "")
    return _marked(text, _spans(text, tokens, exact), 0, len(text))


def snippet(text: str | None, tokens: set[str], exact: bool = False, width: int = 240) -> str:
    """About ``width`` characters of ``text`` around its densest run of matches."""
    text = " ".join(unicodedata.normalize("NFC", (text or "")[:SCAN_CHARS]).split())
    if not text:
        return ""
    spans = _spans(text, tokens, exact)
    if not spans:
        end = _cut(text, min(len(text), width))
        return html.escape(text[:end]) + ("…" if end < len(text) else "")
    best, best_count = 0, 0
    for i, (a, _b) in enumerate(spans):          # window starting at each match
        count = sum(1 for x, _y in spans[i:] if x < a + width)
        if count > best_count:
            best, best_count = i, count
    start = max(0, spans[best][0] - width // 4)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = _cut(text, min(len(text), start + width))
    return (("…" if start else "") + _marked(text, spans, start, end)
            + ("…" if end < len(text) else ""))


def _cut(text: str, end: int) -> int:
    """Move ``end`` back to a word boundary."""
    if end >= len(text):
        return len(text)
    space = text.rfind(" ", 0, end)
    return space if space > end - 30 else end
