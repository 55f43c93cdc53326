"""Order, numerals and file codes of a danh mục hồ sơ (DOMAIN §2.13): pure functions.

Decree 30 Phụ lục V: top-level headings (đề mục) are numbered with Roman
numerals, sub-headings with Arabic numerals; a file's number and symbol (số và
ký hiệu hồ sơ) runs either over the whole list ("01", "02"…, numbering
``list``) or restarts in each heading and carries the heading's code
(``01.TCCB``, numbering ``heading``). A sub-heading without a code of its own
shares its parent's code and counter, so codes never repeat.

The functions take any objects with the attributes of ``FileListHeading``
(``id``, ``parent_id``, ``position``, ``title``, ``code_suffix``) and
``FileListEntry`` (``heading_id``, ``position``), so they run on rows and in
unit tests alike.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

from archive.errors import Conflict, InvalidInput, Msg
from archive.filing_rules import file_code, roman

NUMBERING_LIST, NUMBERING_HEADING = "list", "heading"
NUMBERINGS = (NUMBERING_LIST, NUMBERING_HEADING)


def heading_order(headings: Iterable) -> list:
    """Top-level headings by position, each followed by its sub-headings."""
    headings = list(headings)
    tops = sorted((h for h in headings if h.parent_id is None), key=lambda h: h.position)
    children: dict[int, list] = {}
    for h in headings:
        if h.parent_id is not None:
            children.setdefault(h.parent_id, []).append(h)
    out = []
    for top in tops:
        out.append(top)
        out.extend(sorted(children.get(top.id, []), key=lambda h: h.position))
    return out


def heading_numbers(headings: Iterable) -> dict[int, str]:
    """``{heading id: "I" | "II" | "1" | "2" …}``: Roman at the top, Arabic below."""
    numbers: dict[int, str] = {}
    top_count, sub_count = 0, 0
    for h in heading_order(headings):
        if h.parent_id is None:
            top_count, sub_count = top_count + 1, 0
            numbers[h.id] = roman(top_count)
        else:
            sub_count += 1
            numbers[h.id] = str(sub_count)
    return numbers


def entry_order(headings: Iterable, entries: Iterable) -> list:
    """Entries in the order of the list: those outside any heading first, then
    heading by heading (in ``heading_order``), each group by position."""
    groups: dict[int | None, list] = {}
    for e in entries:
        groups.setdefault(e.heading_id, []).append(e)
    ordered = sorted(groups.pop(None, []), key=lambda e: e.position)
    for h in heading_order(headings):
        ordered.extend(sorted(groups.pop(h.id, []), key=lambda e: e.position))
    for rest in groups.values():             # a heading of another list: keep them visible
        ordered.extend(sorted(rest, key=lambda e: e.position))
    return ordered


def code_owner(heading, by_id: dict):
    """The heading whose code (and counter) an entry under ``heading`` uses."""
    if heading is None:
        return None
    if heading.code_suffix:
        return heading
    parent = by_id.get(heading.parent_id)
    return parent if parent is not None and parent.code_suffix else None


def _no_code(heading) -> InvalidInput:
    title = heading.title if heading is not None else ""
    msg = (Msg(f"Đề mục “{title}” chưa có ký hiệu (ví dụ TCCB) nên chưa đánh số theo đề mục "
               "được.", f"Heading “{title}” has no code (e.g. TCCB), so files cannot be "
               "numbered per heading.")
           if heading is not None else
           Msg("Khi đánh số theo đề mục, mỗi hồ sơ phải thuộc một đề mục có ký hiệu.",
               "When numbering per heading, every file must sit under a heading with a code."))
    return InvalidInput(msg, {"heading_id": msg})


def assign_codes(numbering: str, headings: Sequence, entries: Sequence) -> list[tuple]:
    """``[(entry, code)]`` in list order; refuses a code given twice."""
    ordered = entry_order(headings, entries)
    if numbering == NUMBERING_LIST:
        pairs = [(e, file_code(i)) for i, e in enumerate(ordered, 1)]
    else:
        by_id = {h.id: h for h in headings}
        counters: Counter = Counter()
        pairs = []
        for e in ordered:
            heading = by_id.get(e.heading_id)
            owner = code_owner(heading, by_id)
            if owner is None:
                raise _no_code(heading)
            counters[owner.id] += 1
            pairs.append((e, file_code(counters[owner.id], owner.code_suffix)))
    _refuse_duplicates([code for _e, code in pairs])
    return pairs


def _refuse_duplicates(codes: list[str]) -> None:
    twice = sorted(code for code, n in Counter(codes).items() if n > 1)
    if twice:
        msg = Msg(f"Số và ký hiệu hồ sơ bị trùng: {', '.join(twice)}.",
                  f"Duplicate file numbers: {', '.join(twice)}.")
        raise Conflict(msg, {"code_suffix": msg})


def retention_counts(years: Iterable[int | None]) -> tuple[int, int]:
    """(kept permanently, kept for a period) over the entries' retention years."""
    permanent = fixed = 0
    for y in years:
        if y is None:
            permanent += 1
        else:
            fixed += 1
    return permanent, fixed


def footer_text(permanent: int, fixed: int) -> str:
    """The closing line of the danh mục (Phụ lục V)."""
    return (f"Bản danh mục hồ sơ này có {permanent + fixed} hồ sơ, bao gồm: "
            f"{permanent} hồ sơ bảo quản vĩnh viễn; {fixed} hồ sơ bảo quản có thời hạn.")
