"""Metadata suggested from the first page of a scanned incoming document.

Decree 30 lays out the first page the same way everywhere (Phụ lục I): the
issuing body top left (under its parent body), "Số: 125/QĐ-UBND" under it,
the Quốc hiệu and Tiêu ngữ top right with the place-date line under them,
then the type name ("QUYẾT ĐỊNH") and the trích yếu centred, or, for a công
văn, no type name and the trích yếu as "V/v ..." under the number.

``suggest`` reads OCR text of that page. OCR is noisy and pypdf puts the two
header columns on one line ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT
NAM"), so patterns run on *folded* text (``archive.text.fold``: no marks,
lower case, đ → d) of the same length as the original, and every value is cut
from the original text at the same place, accents and all. Each field is a
best effort: ``None`` when unsure; the clerk confirms or corrects all of it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from archive.text import fold

__all__ = ["suggest", "FIELDS"]

FIELDS = ("code_number", "code_notation", "issued_date", "issuer_name", "document_type",
          "subject")
HEADER_LINES = 18  # the số, date and type name are on the top part of the page
DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


@dataclass
class Line:
    text: str    # original (NFC, single spaces)
    folded: str  # same length: folded[i] is the folding of text[i]

    def cut(self, start: int, end: int | None = None) -> str:
        return self.text[start:end].strip()


def _fold_same_length(text: str) -> str:
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f[:1] if f else " ")
    return "".join(out)


def _lines(text: str) -> list[Line]:
    text = unicodedata.normalize("NFC", text or "").translate(DASHES)
    text = "".join(c for c in text if not unicodedata.combining(c))
    lines = []
    for raw in re.split(r"[\r\n\f\v]+", text):
        clean = " ".join(raw.replace("\u00a0", " ").split())
        if clean:
            lines.append(Line(clean, _fold_same_length(clean)))
    return lines


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def _upper_ratio(text: str) -> float:
    letters = _letters(text)
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


# --- số và ký hiệu ------------------------------------------------------------------

_SEG = r"[a-z0-9]+"
NUMBER_RE = re.compile(
    r"(?<![a-z])s[o0]\s*[:;.,]?\s*(\d{1,7}[a-z]?)\s*/\s*((?:\d{4}\s*/\s*)?[a-z]" +
    r"[a-z0-9]*(?:\s*-\s*" + _SEG + r")*)")
BARE_NUMBER_RE = re.compile(  # "125/QĐ-UBND" without "Số" (OCR lost it)
    r"(?<![\w/])(\d{1,7})\s*/\s*((?:\d{4}\s*/\s*)?[a-z][a-z0-9]*(?:\s*-\s*" + _SEG + r")+)")


def _tidy_notation(raw: str) -> str | None:
    notation = re.sub(r"\s+", "", raw).strip("-")
    if not notation or len(notation) > 30:
        return None
    if not any(c.isupper() for c in notation):
        notation = notation.upper()
    return notation


def _find_number(lines: list[Line]) -> tuple[int, str, str] | None:
    """(line index, số, ký hiệu) of the "Số: 125/QĐ-UBND" line."""
    for pattern in (NUMBER_RE, BARE_NUMBER_RE):
        for i, line in enumerate(lines[:HEADER_LINES]):
            m = pattern.search(line.folded)
            if m is None:
                continue
            number = line.cut(*m.span(1))
            notation = _tidy_notation(line.cut(*m.span(2)))
            if notation and len(number) <= 11:
                return i, number, notation
    return None


# --- ngày tháng năm -----------------------------------------------------------------

_DIGITS = str.maketrans({"o": "0", "i": "1", "l": "1"})
DATE_RE = re.compile(r"ngay\s*([0-9oil]{1,2})\s*[,.]?\s*thang\s*([0-9oil]{1,2})\s*[,.]?\s*"
                     r"nam\s*(\d{4})")


def _as_date(m: re.Match) -> date | None:
    try:
        day, month = (int(g.translate(_DIGITS)) for g in m.group(1, 2))
        found = date(int(m.group(3)), month, day)
    except ValueError:
        return None
    return found if 1990 <= found.year <= 2100 else None


def _find_date(lines: list[Line], near: int | None) -> tuple[int, date] | None:
    """The place-date line ("Hà Nội, ngày 05 tháng 11 năm 2026").

    A date without the place before it counts only next to the số line (OCR
    may lose the comma), never further down: "Căn cứ Luật ... ngày 19 tháng 6
    năm 2015" in the body is not the document's date.
    """
    candidates = []
    for i, line in enumerate(lines[:HEADER_LINES]):
        for m in DATE_RE.finditer(line.folded):
            found = _as_date(m)
            if found is None:
                continue
            if re.search(r",\s*$", line.folded[:m.start()]):
                candidates.append((0, i, found))
            elif (abs(i - near) <= 2) if near is not None else i < 6:
                candidates.append((1, i, found))
    if not candidates:
        return None
    _rank, i, found = min(candidates)
    return i, found


def _place_date_start(line: Line) -> int | None:
    """Where the place-date text starts in a line (the place's capitalised words)."""
    m = re.search(r",\s*ngay\s*[0-9oil]{1,2}\s*[,.]?\s*thang", line.folded)
    if m is None:
        return None
    start = m.start()
    words = list(re.finditer(r"\S+", line.text[:start]))
    while words and words[-1].group()[:1].isupper() and start - words[-1].start() < 40:
        start = words.pop().start()
    return start


# --- loại văn bản --------------------------------------------------------------------

@dataclass(frozen=True)
class _Type:
    code: str
    name_key: str  # folded name without spaces
    abbreviation: str


def _types(document_types) -> list[_Type]:
    out = []
    for t in document_types or ():
        if isinstance(t, (tuple, list)):
            code, name, abbrev = (list(t) + ["", "", ""])[:3]
        else:
            code, name, abbrev = t.code, t.name, getattr(t, "abbreviation", "") or ""
        key = "".join(fold(name).split())
        if key:
            out.append(_Type(code, key, abbrev or ""))
    return out


BODY_START = re.compile(r"^(?:can cu|kinh gui|thuc hien|xet de nghi|theo de nghi|dieu \d|"
                        r"ngay \d|noi nhan|i\.|1\.)")
QUOC_HIEU = re.compile(r"c[o0]ng\s*h[o0]a\b|xa\s*h[o0]i\s*ch[u]\s*ng|chu\s*ngh[il1]a\s*v|"
                       r"d[o0]c\s*l[a]p\s*-|t[u]\s*d[o0]\s*-|h[a]nh\s*ph[u]c")


def _title_match(line: Line, types: list[_Type]) -> tuple[_Type, int] | None:
    """The document type named by an upper-case title line, and where its name ends.

    "QUYẾT ĐỊNH" alone, "QUYẾT ĐỊNH Về việc ..." (the trích yếu on the same
    line), or a name OCR misread by a letter or two ("QUYÊT ĐINH").
    """
    if QUOC_HIEU.search(line.folded):
        return None
    squashed, ends = [], []
    for i, ch in enumerate(line.folded):
        if ch.isalpha():
            squashed.append(ch)
            ends.append(i + 1)
    key = "".join(squashed)
    if len(key) < 2:
        return None
    best = None
    for t in types:
        n = len(t.name_key)
        if key == t.name_key and _upper_ratio(line.text) >= 0.75:
            return t, len(line.text)
        if n >= 6 and len(key) > n and key.startswith(t.name_key):
            cut = ends[n - 1]
            rest = line.text[cut:].strip(" :")
            if (line.text[cut:cut + 1] in (" ", ":") and _upper_ratio(line.text[:cut]) >= 0.75
                    and rest[:1].isupper() and _upper_ratio(rest) < 0.5):
                return t, cut  # "QUYẾT ĐỊNH Về việc ..."
        if n >= 6 and len(key) <= 20 and _upper_ratio(line.text) >= 0.75:
            score = SequenceMatcher(None, key, t.name_key).ratio()
            if score >= 0.86 and (best is None or score > best[0]):
                best = (score, t)
    return (best[1], len(line.text)) if best else None


def _find_title(lines: list[Line], types: list[_Type], start: int) -> tuple[int, _Type, int] | None:
    for i in range(start, min(len(lines), HEADER_LINES + 4)):
        if BODY_START.match(lines[i].folded):
            return None
        found = _title_match(lines[i], types)
        if found:
            return i, found[0], found[1]
    return None


def _type_from_notation(notation: str, types: list[_Type]) -> _Type | None:
    first = re.sub(r"^\d{4}/", "", notation).split("-")[0]
    exact = [t for t in types if t.abbreviation and t.abbreviation.lower() == first.lower()]
    if len(exact) == 1:
        return exact[0]
    folded = [t for t in types if t.abbreviation and fold(t.abbreviation) == fold(first)]
    return folded[0] if len(folded) == 1 else None


# --- trích yếu ------------------------------------------------------------------------

VV_RE = re.compile(r"(?<![a-z])v\s*[/|l1i]\s*v(?![a-z])\s*[:.]?\s*")


def _continuation(line: Line, taken: int) -> bool:
    """Does ``line`` carry on a trích yếu (not the body, not a heading)?"""
    if taken >= 4 or BODY_START.match(line.folded) or QUOC_HIEU.search(line.folded):
        return False
    letters = _letters(line.text)
    if len(letters) < 2 or (_upper_ratio(line.text) > 0.8 and len(letters) >= 4):
        return False
    short = len(line.text) <= 75 and not line.text.endswith((".", ";", ":"))
    return line.text[:1].islower() or short


def _clean_subject(parts: list[str]) -> str | None:
    text = " ".join(" ".join(parts).split()).strip(" _-=|~*.,;:")
    if len(_letters(text)) < 4:
        return None
    return text[:500]


def _subject_after_title(lines: list[Line], i: int, name_end: int) -> str | None:
    parts = []
    rest = lines[i].text[name_end:].strip(" :")
    if rest:
        parts.append(rest)
    for line in lines[i + 1:]:
        first = not parts
        if not first and not _continuation(line, len(parts)):
            break
        if first and (BODY_START.match(line.folded) or
                      (_upper_ratio(line.text) > 0.8 and len(_letters(line.text)) >= 4)):
            break
        parts.append(line.text)
    return _clean_subject(parts)


def _subject_vv(lines: list[Line], start: int) -> str | None:
    for i in range(start, min(len(lines), HEADER_LINES + 4)):
        line = lines[i]
        m = VV_RE.search(line.folded)
        if m is None or m.start() > 40:
            continue
        end = _place_date_start(line)
        first = line.text[m.end():end if end and end > m.end() else None]
        qh = QUOC_HIEU.search(line.folded, m.end())
        if qh:
            first = line.text[m.end():qh.start()]
        parts = [first]
        for nxt in lines[i + 1:]:
            if not _continuation(nxt, len(parts)) or not nxt.text[:1].islower():
                break
            parts.append(nxt.text)
        body = _clean_subject(parts)
        return f"V/v {body}" if body else None
    return None


# --- cơ quan ban hành -----------------------------------------------------------------

PLACE_WORDS = ("tinh", "thanh pho", "huyen", "quan", "xa", "phuong", "thi xa", "thi tran")
BODY_WORDS = ("uy ban nhan dan", "hoi dong nhan dan")
KEEP_UPPER = {"ubnd", "hdnd", "ub", "mttq", "tw", "tp", "tp.", "ct", "vp"}
ORGAN_WORDS = ("tong cuc", "chi cuc", "van phong", "trung tam", "cong ty", "bo", "so", "cuc",
               "ban", "phong", "truong", "vien", "hoi", "doan", "thanh tra", "kho bac",
               "ngan hang", "benh vien", "toa an", "vien kiem sat", "bao hiem xa hoi")


def _header_part(line: Line) -> str:
    """A header line without the Quốc hiệu, Tiêu ngữ and place-date parts."""
    end = len(line.text)
    qh = QUOC_HIEU.search(line.folded)
    if qh:
        end = qh.start()
    place = _place_date_start(line)
    if place is not None:
        end = min(end, place)
    return line.text[:end].strip(" _-=|~*.,:;—")


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _proper_case(name: str) -> str:
    """ "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" -> "Sở Văn hóa, Thể thao và Du lịch"."""
    if _upper_ratio(name) < 0.8:
        return name
    words = name.lower().split()
    folded = [fold(w).strip(",.") for w in words]
    out = list(words)
    i = 0
    joined = " ".join(folded)
    for body in BODY_WORDS:
        if joined.startswith(body):
            i = len(body.split())
            break
    else:
        for organ in ORGAN_WORDS:
            if joined == organ or joined.startswith(organ + " "):
                i = len(organ.split())
                if i < len(words):
                    out[i] = _cap(out[i])  # the field: "Sở Văn hóa", "Bộ Tài chính"
                    i += 1
                break
    proper = False
    for j in range(len(words)):
        f = folded[j]
        if f in KEEP_UPPER or (len(f) >= 2 and not re.search(r"[aeiouy]", f)):
            out[j] = words[j].upper()
            continue
        if j < i:
            continue
        prev = folded[j - 1] if j else ""
        two = " ".join(folded[max(0, j - 2):j])
        if proper or prev in PLACE_WORDS or two in PLACE_WORDS:
            if f not in PLACE_WORDS:
                out[j] = _cap(words[j])
                proper = not words[j].endswith(",")
        elif j > 0 and (words[j - 1].endswith(",") or prev in ("va", "-")) and i:
            out[j] = _cap(words[j])  # "Văn hóa, Thể thao và Du lịch", "Tài chính - Kế hoạch"
    out[0] = _cap(out[0])
    return " ".join(out)


def _merge_wrapped(parts: list[str]) -> list[str]:
    merged: list[str] = []
    for part in parts:
        f = fold(part)
        wrapped = f.startswith(("va ", "& ", ",")) or merged[-1:] and \
            merged[-1].endswith((",", " VÀ", " và"))
        if merged and wrapped:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def _find_issuer(lines: list[Line], anchor: int) -> str | None:
    parts = []
    for line in lines[:anchor]:
        part = _header_part(line)
        if len(_letters(part)) >= 2 and not BODY_START.match(fold(part)):
            parts.append(part)
    parts = _merge_wrapped(parts[-4:])
    if not parts:
        return None
    folded = [fold(p) for p in parts]
    if len(parts) >= 2 and folded[-2] in BODY_WORDS and folded[-1].startswith(PLACE_WORDS):
        issuer = _proper_case(f"{parts[-2]} {parts[-1]}")
    else:
        issuer = _proper_case(parts[-1])
        if folded[-1] in ("van phong", "thanh tra") and len(parts) >= 2:
            issuer = f"{issuer} {parts[-2]}"
    issuer = " ".join(issuer.split())
    return issuer[:200] if len(_letters(issuer)) >= 3 else None


# --- the whole suggestion --------------------------------------------------------------

def suggest(first_page_text: str, document_types=()) -> dict:
    """Suggested incoming-document fields read from a first page's (OCR) text.

    ``document_types``: the catalogue (``DocumentType`` rows or ``(code, name,
    abbreviation)`` tuples). Returns a dict with every key of ``FIELDS``;
    ``issued_date`` is ISO ``YYYY-MM-DD``; a value is ``None`` when unsure.
    """
    result = dict.fromkeys(FIELDS)
    lines = _lines(first_page_text)
    types = _types(document_types)
    number = _find_number(lines)
    when = _find_date(lines, number[0] if number else None)
    if number:
        result["code_number"], result["code_notation"] = number[1], number[2]
    if when:
        result["issued_date"] = when[1].isoformat()
    after_header = max([number[0] + 1 if number else 0, when[0] + 1 if when else 0])
    title = _find_title(lines, types, after_header) if (number or when) else None
    doc_type = title[1] if title else (_type_from_notation(number[2], types) if number else None)
    subject = None
    if title:
        subject = _subject_after_title(lines, title[0], title[2])
    elif number or when:
        subject = _subject_vv(lines, number[0] if number else when[0])
        if doc_type is None and number and subject is not None:
            doc_type = next((t for t in types if t.code == "CV"), None)
    if doc_type is None and number and title is None and "-" in number[2]:
        doc_type = next((t for t in types if t.code == "CV"), None)  # công văn: no type line
    result["document_type"] = doc_type.code if doc_type else None
    result["subject"] = subject
    anchors = [i for i in (number[0] if number else None, title[0] if title else None)
               if i is not None]
    if anchors:
        result["issuer_name"] = _find_issuer(lines, min(anchors))
    return result
