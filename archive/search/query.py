"""What the user typed, turned into clauses every engine understands the same way.

The syntax is deliberately small, because clerks type and paste all sorts:
* words are ANDed: ``quyet dinh du lich`` finds documents holding all four
  syllables, with or without diacritics;
* ``"phát triển du lịch"`` (in double quotes) is a phrase: the syllables in order;
* a number/symbol such as ``123/QĐ-UBND`` or ``QĐ-UBND`` (letters or digits
  joined by ``/`` or ``-``) is looked up in the số/ký hiệu field, in order;
* everything else (punctuation, operators of other engines, unbalanced
  quotes) is treated as a separator, never as syntax, so no input can make
  an engine fail. A query with no letter or digit at all searches nothing
  and says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.errors import Msg
from archive.search.analysis import syllables

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24
_PHRASE = re.compile(r'"([^"]*)"')
_NUMBER = re.compile(r"^[^\W_]+(?:\s*[/\-]\s*[^\W_]+)+$", re.UNICODE)

NO_WORDS = Msg("Từ khóa không có chữ hay số nào để tìm; hãy nhập từ cần tìm.",
               "The query has no letters or digits to search for; type the words to find.")
TOO_LONG = Msg("Từ khóa quá dài; chỉ phần đầu được dùng.",
               "The query is too long; only its beginning was used.")
TOO_MANY = Msg("Từ khóa có quá nhiều từ; chỉ các từ đầu được dùng.",
               "The query has too many words; only the first ones were used.")


@dataclass(frozen=True)
class Clause:
    """``term``: one syllable (title or body); ``phrase``: syllables in order;
    ``number``: syllables of a số/ký hiệu, in order, in the number field."""

    kind: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class ParsedQuery:
    text: str = ""
    clauses: tuple[Clause, ...] = ()
    exact: bool = False
    notices: tuple[Msg, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.clauses

    def highlight_tokens(self) -> set[str]:
        """Syllables to mark in snippets (same form as the clauses)."""
        return {t for c in self.clauses for t in c.tokens}


def _is_number(chunk: str) -> bool:
    return bool(_NUMBER.match(chunk)) and any(ch.isdigit() or ch.isupper() for ch in chunk)


def parse(text: str | None, exact: bool = False) -> ParsedQuery:
    """Parse ``text``; never raises: odd input becomes notices, not errors."""
    raw = (text or "").strip()
    notices: list[Msg] = []
    if len(raw) > MAX_QUERY_CHARS:
        raw, notices = raw[:MAX_QUERY_CHARS], [TOO_LONG]
    clauses: list[Clause] = []
    if raw.count('"') % 2:
        raw = raw[::-1].replace('"', " ", 1)[::-1]      # an unclosed quote is ignored
    for chunk in _PHRASE.findall(raw):
        tokens = tuple(syllables(chunk, exact))
        if len(tokens) == 1:
            clauses.append(Clause("term", tokens))
        elif tokens:
            clauses.append(Clause("phrase", tokens))
    for chunk in _PHRASE.sub(" ", raw).split():
        chunk = chunk.strip(".,;:!?()[]{}<>«»'`")
        if _is_number(chunk):
            clauses.append(Clause("number", tuple(syllables(chunk))))
            continue
        clauses.extend(Clause("term", (t,)) for t in syllables(chunk, exact))
    clauses = list(dict.fromkeys(clauses))            # "du lich du lich" = "du lich"
    if len(clauses) > MAX_CLAUSES:
        clauses, notices = clauses[:MAX_CLAUSES], notices + [TOO_MANY]
    if raw and not clauses:
        notices.append(NO_WORDS)
    return ParsedQuery(text=raw, clauses=tuple(clauses), exact=exact, notices=tuple(notices))
