"""Layout of outgoing documents (DOMAIN §2.3-2.9, §2.17).

Three jobs, all pure (no Flask, no database):

* ``generate_skeleton``: a Decree 30 style A4 PDF from structured input, with
  the number, the date and both signatures left EMPTY; their rectangles are
  returned as a ``FieldLayout`` so the signing package can create form and
  signature fields there before the leader certifies the PDF.
* ``detect_layout`` / ``detect_layout_report``: the same rectangles guessed
  from an UPLOADED draft (a PDF exported from Word) by reading text positions,
  with the standard §2.17 positions as a fallback, and which ones were guessed.
* ``docx_to_pdf``: LibreOffice headless conversion of a DOCX draft, one private
  profile per call so parallel conversions never share state.

Coordinates are PDF points, origin bottom-left, page index 0-based.
"""
from __future__ import annotations

import io
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, PageTemplate, Paragraph,
                                Spacer, Table, TableStyle)
from reportlab.platypus.flowables import Flowable, HRFlowable

from archive.text import fold
from signing.model import Box, FieldLayout, InvalidPdf

__all__ = [
    "SkeletonInput", "generate_skeleton", "seal_box",
    "detect_layout", "detect_layout_report", "detect_layout_with_report",
    "docx_to_pdf", "ConversionFailed",
    "format_number", "format_date_line", "number_field_text",
    "QUOC_HIEU", "TIEU_NGU", "DEFAULT_SEAL_MM",
]

MM = 72.0 / 25.4
A4_W, A4_H = 210 * MM, 297 * MM

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
DEFAULT_SEAL_MM = 36.0

# §2.17 margins: top/bottom 20-25, left 30-35 (binding side), right 15-20 mm.
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * MM, 20 * MM, 30 * MM, 15 * MM
TEXT_W = A4_W - MARGIN_LEFT - MARGIN_RIGHT                 # 165 mm
# Header columns: the right one must hold the Quốc hiệu at 12 pt bold (88 mm).
HEADER_LEFT_W, HEADER_RIGHT_W = 68 * MM, TEXT_W - 68 * MM
# Signature block: "Nơi nhận" on the left, authority/title/name on the right.
SIGN_LEFT_W, SIGN_RIGHT_W = 80 * MM, TEXT_W - 80 * MM
LEADER_W, LEADER_H = 55 * MM, 25 * MM                      # space for the handwritten signature

# Urgency stamp frames from Phụ lục I §III.2 (mm); other labels get text width + padding.
_STAMP_WIDTH_MM = {"HỎA TỐC": 30, "THƯỢNG KHẨN": 40, "KHẨN": 20}
_STAMP_RED = "#e00000"


# --------------------------------------------------------------------- formats

def format_number(number: int, notation: str) -> str:
    """"01/QĐ-UBND": numbers below 10 get a leading zero (DOMAIN §2.4).

    The same string goes on paper and in the register, so it is built in one
    place; no spaces around "/" (the ký hiệu rule).
    """
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ValueError(f"document number must be a positive integer, got {number!r}")
    notation = (notation or "").strip()
    digits = f"{number:02d}"
    return f"{digits}/{notation}" if notation else digits


def number_field_text(num_text: str) -> str:
    """"Số: 15/QĐ-UBND": what the clerk's number field shows ("Số" upright, §2.4)."""
    return f"Số: {num_text.strip()}"


def format_date_line(place: str, d: date) -> str:
    """"Hà Nội, ngày 05 tháng 01 năm 2026" (DOMAIN §2.4).

    Days below 10 and the months 1 and 2 take a leading zero, the other
    months do not ("tháng 6"): the zero on 01/02 stops a later hand-written
    digit from turning January into November/December.
    """
    month = f"{d.month:02d}" if d.month in (1, 2) else str(d.month)
    prefix = f"{place.strip()}, " if place and place.strip() else ""
    return f"{prefix}ngày {d.day:02d} tháng {month} năm {d.year}"


# ----------------------------------------------------------------------- fonts

_FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation")
_FONT_FILES = {"regular": "LiberationSerif-Regular.ttf", "bold": "LiberationSerif-Bold.ttf",
               "italic": "LiberationSerif-Italic.ttf", "bolditalic": "LiberationSerif-BoldItalic.ttf"}
_DEJAVU = ("/usr/share/fonts/truetype/dejavu",
           {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf",
            "italic": "DejaVuSerif-Italic.ttf", "bolditalic": "DejaVuSerif-BoldItalic.ttf"})
F_REG, F_BOLD, F_ITAL, F_BOLDITAL = "DocSerif", "DocSerif-Bold", "DocSerif-Italic", "DocSerif-BoldItalic"
_font_lock = threading.Lock()
_fonts_ready = False


def _font_paths() -> dict[str, str]:
    """Liberation Serif first: Times New Roman metrics (§2.17) and Vietnamese glyphs."""
    candidates = [(d, _FONT_FILES) for d in _FONT_DIRS] + [_DEJAVU]
    for directory, files in candidates:
        paths = {k: os.path.join(directory, v) for k, v in files.items()}
        if all(os.path.isfile(p) for p in paths.values()):
            return paths
    raise RuntimeError("No serif TTF with Vietnamese glyphs: install the Debian package "
                       "fonts-liberation2 (Liberation Serif = Times New Roman metrics).")


def _register_fonts() -> None:
    """Register the embedded TTF family once per process (base-14 fonts lack Vietnamese)."""
    global _fonts_ready
    with _font_lock:
        if _fonts_ready:
            return
        paths = _font_paths()
        for name, style in ((F_REG, "regular"), (F_BOLD, "bold"), (F_ITAL, "italic"),
                            (F_BOLDITAL, "bolditalic")):
            pdfmetrics.registerFont(TTFont(name, paths[style]))
        pdfmetrics.registerFontFamily(F_REG, normal=F_REG, bold=F_BOLD, italic=F_ITAL,
                                      boldItalic=F_BOLDITAL)
        _fonts_ready = True


def _width(text: str, font: str, size: float) -> float:
    """Rendered width in points (fonts registered first)."""
    _register_fonts()
    return pdfmetrics.stringWidth(text, font, size)


# --------------------------------------------------------------------- boxes

def seal_box(leader: Box, seal_mm: float = DEFAULT_SEAL_MM) -> Box:
    """The agency seal at actual size over the left third of the leader's signature.

    §2.8: the seal covers about 1/3 of the signature on the left. Rule: a
    circle of ``seal_mm`` diameter, vertically centred on the leader box, its
    right edge at ``leader.x1 + leader.width / 3``. Pure: no clamping here.
    """
    d = seal_mm * MM
    x2 = leader.x1 + leader.width / 3
    cy = (leader.y1 + leader.y2) / 2
    return Box(leader.page, x2 - d, cy - d / 2, x2, cy + d / 2)


def _clamp(box: Box, mb: tuple[float, float, float, float] = (0.0, 0.0, A4_W, A4_H)) -> Box:
    """Shift (not shrink) a box back onto the page (media box x0, y0, x1, y1):
    a field off the page is invisible."""
    x0, y0, x1, y1 = mb
    dx = max(0.0, x0 - box.x1) - max(0.0, box.x2 - x1)
    dy = max(0.0, y0 - box.y1) - max(0.0, box.y2 - y1)
    return Box(box.page, box.x1 + dx, box.y1 + dy, box.x2 + dx, box.y2 + dy)


# ------------------------------------------------------------------ skeleton

@dataclass(kw_only=True)
class SkeletonInput:
    """What the drafter typed; the skeleton is drawn from it (DOMAIN §2.17 box map).

    ``notation`` is the ký hiệu without the number ("QĐ-SVHTTDL", "SVHTTDL-VP").
    ``body``: paragraphs separated by blank lines. ``recipients``: the "Nơi
    nhận" lines without the final "Lưu" line, which is built from
    ``archive_units`` and ``drafter_mark``. For a công văn, ``addressees`` are
    the "Kính gửi" lines; when empty, the recipients other than "Như trên" are
    used.
    """

    issuing_body: str
    type_name: str
    notation: str
    place: str
    year: int
    subject: str
    body: str
    signer_title: str
    signer_name: str
    parent_body: str = ""
    type_abbrev: str = ""
    authority: str = ""
    recipients: list[str] = field(default_factory=list)
    archive_units: str = "VT"
    drafter_mark: str = ""
    urgency: str = ""
    secrecy: str = ""
    addressees: list[str] = field(default_factory=list)

    @property
    def is_cong_van(self) -> bool:
        """A công văn has no type name line: its subject goes under the number as "V/v"."""
        return fold(self.type_name).strip() == "cong van"


def _styles() -> dict:
    """Paragraph styles for the §2.17 sizes (kept in one table to check against the rule)."""
    _register_fonts()

    def ps(name, font, size, align=TA_CENTER, leading=None, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size, alignment=align,
                              leading=leading or size * 1.2, **kw)

    return {
        "parent": ps("parent", F_REG, 13),
        "issuer": ps("issuer", F_BOLD, 13),
        "qh": ps("qh", F_BOLD, 12),
        "tn": ps("tn", F_BOLD, 13),
        "vv": ps("vv", F_REG, 12, leading=14),
        "type": ps("type", F_BOLD, 14, spaceBefore=14),
        "subject": ps("subject", F_BOLD, 14, leading=17),
        "kg": ps("kg", F_REG, 14, TA_LEFT, leading=17),
        "body": ps("body", F_REG, 14, TA_JUSTIFY, leading=17.5, firstLineIndent=1 * 28.3465,
                   spaceAfter=6),
        "body_head": ps("body_head", F_BOLD, 14, leading=17.5, spaceAfter=6),
        "nn_head": ps("nn_head", F_BOLDITAL, 12, TA_LEFT, leading=14),
        "nn": ps("nn", F_REG, 11, TA_LEFT, leading=12.5),
        "sign": ps("sign", F_BOLD, 14, leading=17),
    }


# Words that start a new unit inside an agency name: breaking before them keeps
# two-syllable words ("THỂ THAO", "NHÂN DÂN") whole.
_JOINTS = frozenset({"va", "uy", "ubnd", "tinh", "thanh", "huyen", "quan", "so", "bo", "tong",
                     "trung", "vien", "truong"})


def _balanced_lines(text: str, font: str, size: float, max_w: float) -> list[str]:
    """Break an agency name into the fewest, most even lines, at natural joints.

    "SỞ VĂN HÓA, THỂ THAO / VÀ DU LỊCH" reads right; a greedy wrap leaves a
    lone "LỊCH", and an even split may tear a two-syllable word ("THỂ /
    THAO"). A break after a comma or before "VÀ" or a unit word ("ỦY BAN",
    "TỈNH", "THÀNH PHỐ", ...) is therefore preferred unless its widest line
    is 50 % wider. Explicit newlines are honoured.
    """
    if "\n" in text:
        return [ln.strip() for ln in text.splitlines() if ln.strip()]
    words = text.split()
    if not words or _width(text, font, size) <= max_w:
        return [text.strip()] if words else []
    if len(words) > 14:              # the search below is combinatorial; names are short
        return _even_wrap(text, font, size, max_w)
    for n in range(2, len(words) + 1):
        options = []
        for cuts in _cut_points(len(words), n):
            lines = [" ".join(words[a:b]) for a, b in zip((0,) + cuts, cuts + (len(words),))]
            widest = max(_width(ln, font, size) for ln in lines)
            if widest <= max_w:
                natural = all(words[c - 1].endswith(",") or fold(words[c]) in _JOINTS
                              for c in cuts)
                options.append((widest * (1.0 if natural else 1.5), lines))
        if options:
            return min(options, key=lambda o: o[0])[1]
    return words


def _greedy(words: list[str], font: str, size: float, max_w: float) -> list[str]:
    """Plain first-fit wrap (a word wider than the line gets a line of its own)."""
    lines: list[str] = []
    for w in words:
        if lines and _width(f"{lines[-1]} {w}", font, size) <= max_w:
            lines[-1] = f"{lines[-1]} {w}"
        else:
            lines.append(w)
    return lines


def _even_wrap(text: str, font: str, size: float, max_w: float) -> list[str]:
    """Wrap a summary into the fewest lines of even length (no lone last word).

    Binary search on the line width: the narrowest width that still needs no
    more lines than a full-width wrap. Used for "V/v" and the trích yếu,
    which are centred and look ragged when the last line is one word.
    """
    words = text.split()
    if not words:
        return []
    n = len(_greedy(words, font, size, max_w))
    lo, hi = 0.0, max_w
    for _ in range(20):
        mid = (lo + hi) / 2
        if len(_greedy(words, font, size, mid)) <= n:
            hi = mid
        else:
            lo = mid
    return _greedy(words, font, size, hi)


def _lines_para(lines: list[str], style):
    """One Paragraph holding pre-broken lines (escaped, joined by <br/>)."""
    return Paragraph("<br/>".join(escape(ln) for ln in lines), style)


def _cut_points(n_words: int, n_lines: int):
    """All ways to cut ``n_words`` into ``n_lines`` non-empty runs (names are short)."""
    return combinations(range(1, n_words), n_lines - 1)


def _marker(key: str, width: float, height: float, sink: dict[str, Box]) -> Flowable:
    """A blank flowable that records where it was drawn into ``sink[key]``.

    Platypus decides positions (wrapping, table rows, page breaks); recording
    them at draw time gives the exact rectangle and the real page index.
    """
    class Marker(Flowable):
        def wrap(self, aw, ah):
            return width, height

        def draw(self):
            x1, y1 = self.canv.absolutePosition(0, 0)
            x2, y2 = self.canv.absolutePosition(width, height)
            sink[key] = Box(self.canv.getPageNumber() - 1, x1, y1, x2, y2)

    m = Marker()
    m.width, m.height = width, height
    return m


def _stamp(label: str):
    """A red, single-framed, bold uppercase stamp (độ khẩn / độ mật, §2.6)."""
    text = label.strip().upper()
    size = 13
    w = max(_STAMP_WIDTH_MM.get(text, 0) * MM, _width(text, F_BOLD, size) + 6 * MM)
    h = 8 * MM

    class Stamp(Flowable):
        def wrap(self, aw, ah):
            return w, h

        def draw(self):
            c = self.canv
            c.saveState()
            c.setStrokeColor(HexColor(_STAMP_RED))
            c.setFillColor(HexColor(_STAMP_RED))
            c.setLineWidth(1)
            c.rect(0, 0, w, h)
            c.setFont(F_BOLD, size)
            c.drawCentredString(w / 2, (h - size * 0.7) / 2, text)
            c.restoreState()

    s = Stamp()
    s.spaceBefore = 4
    return s


def _para(text: str, style):
    """A Paragraph from plain text (escaped: "&" or "<" in a subject must not break markup)."""
    return Paragraph(escape(text), style)


def _rule(width: float, space_before: float = 1, space_after: float = 0):
    """A thin centred line (under the issuing body, the tiêu ngữ, the trích yếu)."""
    return HRFlowable(width=width, thickness=0.6, color="black", spaceBefore=space_before,
                      spaceAfter=space_after, hAlign="CENTER")


def _issuer_flowables(inp: SkeletonInput, st: dict) -> list:
    """Box 2: parent body (regular), issuing body (bold), a short line of ~40 % under it."""
    out = []
    inner = HEADER_LEFT_W - 4
    if inp.parent_body.strip():
        for ln in _balanced_lines(inp.parent_body.strip().upper(), F_REG, 13, inner):
            out.append(_para(ln, st["parent"]))
    lines = _balanced_lines(inp.issuing_body.strip().upper(), F_BOLD, 13, inner)
    for ln in lines:
        out.append(_para(ln, st["issuer"]))
    widest = max((_width(ln, F_BOLD, 13) for ln in lines), default=60)
    out.append(_rule(max(min(widest, inner) * 0.4, 20 * MM), space_before=3))
    return out


def _motto_flowables(st: dict) -> list:
    """Box 1: Quốc hiệu and Tiêu ngữ, with a line as long as the Tiêu ngữ under it."""
    return [_para(QUOC_HIEU, st["qh"]), _para(TIEU_NGU, st["tn"]),
            _rule(_width(TIEU_NGU, F_BOLD, 13), space_before=3)]


def _header(inp: SkeletonInput, st: dict, sink: dict):
    """The two-column head of page 1 as a table, so the number and the date share a row."""
    inner_l, inner_r = HEADER_LEFT_W - 4, HEADER_RIGHT_W - 4
    sample_number = number_field_text(f"1234/{inp.notation}")
    num_w = min(inner_l, _width(sample_number, F_REG, 13) + 8)
    sample_date = format_date_line(inp.place, date(inp.year, 12, 28))
    date_w = min(inner_r, _width(sample_date, F_ITAL, 13) + 8)
    rows = [[_issuer_flowables(inp, st), _motto_flowables(st)],
            [_marker("number", num_w, 13 * 1.5, sink),
             _marker("date", date_w, 13 * 1.5, sink)]]
    below_left = []
    if inp.is_cong_van and inp.subject.strip():
        below_left.append(_lines_para(_even_wrap(f"V/v {inp.subject.strip()}", F_REG, 12,
                                                 HEADER_LEFT_W - 8), st["vv"]))
    for mark in (inp.secrecy, inp.urgency):        # box 10a, then 10b
        if mark and mark.strip():
            below_left.append(_stamp(mark))
    if below_left:
        rows.append([below_left, ""])
    table = Table(rows, colWidths=[HEADER_LEFT_W, HEADER_RIGHT_W])
    table.setStyle(TableStyle([
        ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 1), (-1, 1), 8),
    ]))
    return table


def _title(inp: SkeletonInput, st: dict) -> list:
    """Box 5a: TYPE NAME and the trích yếu, centred bold, a short line under it."""
    if inp.is_cong_van:
        return []
    out = [_para(inp.type_name.strip().upper(), st["type"])]
    if inp.subject.strip():
        lines = _even_wrap(inp.subject.strip(), F_BOLD, 14, TEXT_W - 20 * MM)
        out.append(_lines_para(lines, st["subject"]))
        widest = max(_width(ln, F_BOLD, 14) for ln in lines)
        out.append(_rule(max(widest * 0.35, 30 * MM), space_before=4))
    out.append(Spacer(1, 10))
    return out


def _clean_line(line: str) -> str:
    """"- Sở Tài chính;" → "Sở Tài chính": the bare name for "Kính gửi"."""
    return line.strip().lstrip("-–•").strip().rstrip(";.,").strip()


def _addressees(inp: SkeletonInput) -> list[str]:
    """Kính gửi lines: explicit ones, else the recipients minus "Như trên" and "Lưu"."""
    src = inp.addressees or [r for r in inp.recipients
                             if not fold(_clean_line(r)).startswith(("nhu tren", "luu"))]
    return [c for c in (_clean_line(r) for r in src) if c]


def _kinh_gui(inp: SkeletonInput, st: dict) -> list:
    """Box 9a for a công văn: "Kính gửi: X." on one line, or a dashed list beside the label."""
    names = _addressees(inp)
    if not inp.is_cong_van or not names:
        return [Spacer(1, 10)] if inp.is_cong_van else []
    label = "Kính gửi:"
    label_w = _width(label + " ", F_REG, 14) + 2
    if len(names) == 1:
        lines = [names[0] + "."]
    else:
        lines = [f"- {n}{'.' if i == len(names) - 1 else ';'}" for i, n in enumerate(names)]
    list_w = min(max(_width(ln, F_REG, 14) for ln in lines) + 4, TEXT_W - label_w - 20 * MM)
    table = Table([[_para(label, st["kg"]), [_para(ln, st["kg"]) for ln in lines]]],
                  colWidths=[label_w, list_w], hAlign="CENTER")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 12), table, Spacer(1, 10)]


def _is_heading(par: str) -> bool:
    """A short all-caps paragraph ("QUYẾT ĐỊNH:", "CHỈ THỊ:") is centred bold, not indented."""
    letters = [c for c in par if c.isalpha()]
    return len(par) <= 40 and bool(letters) and all(c.isupper() for c in letters)


def _body(inp: SkeletonInput, st: dict) -> list:
    """Box 6: paragraphs split on blank lines; single newlines join like in a word processor."""
    out = []
    for par in re.split(r"\n\s*\n", inp.body.strip()):
        text = " ".join(par.split())
        if text:
            out.append(_para(text, st["body_head"] if _is_heading(text) else st["body"]))
    return out


def _luu_line(inp: SkeletonInput) -> str:
    """"- Lưu: VT, VP, PL.(5)." (§2.9): the Văn thư copy first, then the unit, box 12 last."""
    units = ", ".join(u.strip() for u in (inp.archive_units or "").strip().rstrip(".").split(",")
                      if u.strip())
    if not units.upper().startswith("VT"):
        units = f"VT, {units}" if units else "VT"
    mark = inp.drafter_mark.strip().rstrip(".")
    return f"- Lưu: {units}{', ' + mark if mark else ''}."


def _recipient_lines(inp: SkeletonInput) -> list[str]:
    """Nơi nhận list: each line "- X;", then the mandatory "- Lưu: VT, …." line."""
    lines = []
    for raw in inp.recipients:
        name = _clean_line(raw)
        if name and not fold(name).startswith("luu"):
            lines.append(f"- {name};")
    return lines + [_luu_line(inp)]


def _signature_block(inp: SkeletonInput, st: dict, sink: dict):
    """Boxes 9b and 7a-7c: Nơi nhận left; authority, title, blank space, name right."""
    left = [_para("Nơi nhận:", st["nn_head"])] + [_para(ln, st["nn"]) for ln in _recipient_lines(inp)]
    right = []
    if inp.authority.strip():
        right.append(_para(inp.authority.strip().upper(), st["sign"]))
    right.append(_para(inp.signer_title.strip().upper(), st["sign"]))
    right.append(_marker("leader", LEADER_W, LEADER_H, sink))
    right.append(_para(inp.signer_name.strip(), st["sign"]))
    table = Table([[left, right]], colWidths=[SIGN_LEFT_W, SIGN_RIGHT_W])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _page_number(canv, doc) -> None:
    """Page numbers centred in the top margin, from page 2 on (§2.17)."""
    page = canv.getPageNumber()
    if page < 2:
        return
    canv.saveState()
    canv.setFont(F_REG, 13)
    canv.drawCentredString(MARGIN_LEFT + TEXT_W / 2, A4_H - MARGIN_TOP / 2 - 4, str(page))
    canv.restoreState()


def generate_skeleton(inp: SkeletonInput) -> tuple[bytes, FieldLayout]:
    """Draw the document without number, date and signatures; return where they go.

    The number and the date are given by the Văn thư after the leader signs
    (§2.5), so they are form fields filled later: nothing is printed there.
    The last body paragraph and the signature block are kept together so the
    signature never sits alone on a page.
    """
    if not inp.issuing_body.strip() or not inp.signer_name.strip():
        raise ValueError("issuing_body and signer_name are required")
    _register_fonts()
    st = _styles()
    sink: dict[str, Box] = {}
    story = [_header(inp, st, sink)]
    story += _title(inp, st) + _kinh_gui(inp, st)
    body = _body(inp, st)
    tail = [Spacer(1, 8), _signature_block(inp, st, sink)]
    story += body[:-1] + [KeepTogether(body[-1:] + tail)]

    buf = io.BytesIO()
    frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, TEXT_W, A4_H - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    title = f"{inp.type_name} {inp.subject}".strip()
    doc = BaseDocTemplate(buf, pagesize=(A4_W, A4_H), title=title, author=inp.issuing_body,
                          subject=inp.subject, creator="eOffice", lang="vi")
    doc.addPageTemplates([PageTemplate("page", frames=[frame], onPage=_page_number)])
    doc.build(story)
    leader = sink["leader"]
    layout = FieldLayout(number=sink["number"], date=sink["date"], leader=leader,
                         seal=_clamp(seal_box(leader)))
    return buf.getvalue(), layout


# ------------------------------------------------------------------ detection

@dataclass
class _Line:
    """One run of text on a baseline (chunks merged), with an estimated extent."""

    page: int
    x1: float
    x2: float
    y: float          # baseline
    size: float       # effective font size in points
    text: str

    @property
    def top(self) -> float:
        return self.y + 0.8 * self.size

    @property
    def bottom(self) -> float:
        return self.y - 0.25 * self.size

    @property
    def cx(self) -> float:
        return (self.x1 + self.x2) / 2


def _mult(m: list, n: list) -> list:
    """PDF matrix product m × n (row vectors, as in the PDF spec)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F]


def _font_style(font_dict) -> str:
    """Pick the metrics to estimate a chunk's width: bold/italic Times-like names."""
    try:
        name = str(font_dict.get("/BaseFont", "")) if font_dict else ""
    except Exception:  # noqa: BLE001 - odd font dictionaries: fall back to regular
        name = ""
    bold, ital = "Bold" in name, ("Italic" in name or "Oblique" in name)
    return F_BOLDITAL if bold and ital else F_BOLD if bold else F_ITAL if ital else F_REG


def _page_chunks(page, index: int) -> list[_Line]:
    """Text chunks with their start point and size, via pypdf's visitor.

    pypdf reports either whole lines or single words depending on the
    producer (``_merge_lines`` joins words back into lines). A chunk holding a
    newline is split; its later parts are placed one line (1.2 em) lower each,
    an estimate, since pypdf gives only the chunk's start point.
    """
    chunks: list[_Line] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        m = _mult(list(tm), list(cm))
        size = abs(font_size) * (math.hypot(m[2], m[3]) or 1.0)
        if size < 1:
            return
        font = _font_style(font_dict)
        x, y = m[4], m[5]
        for i, part in enumerate(text.split("\n")):
            if not part.strip():
                continue
            lead = len(part) - len(part.lstrip())
            x0 = x + (_width(part[:lead], font, size) if lead else 0)
            part = part.strip()
            yy = y - i * size * 1.2
            chunks.append(_Line(index, x0, x0 + _width(part, font, size), yy, size, part))

    page.extract_text(visitor_text=visit)
    return chunks


def _merge_lines(chunks: list[_Line]) -> list[_Line]:
    """Join chunks on one baseline into lines; a gap over 1.6 em starts a new one.

    Word-per-chunk producers leave ~0.25 em between words (up to ~1 em when
    justified); two header columns on one baseline are usually 2 em or more
    apart, and must stay separate lines.
    """
    rows: list[list[_Line]] = []
    for ch in sorted(chunks, key=lambda c: (-c.y, c.x1)):
        for row in rows:
            if abs(row[0].y - ch.y) <= 0.3 * max(row[0].size, ch.size):
                row.append(ch)
                break
        else:
            rows.append([ch])
    lines: list[_Line] = []
    for row in rows:
        row.sort(key=lambda c: c.x1)
        cur = None
        for ch in row:
            gap_limit = 1.6 * max(ch.size, 8)
            if cur is not None and ch.x1 - cur.x2 <= gap_limit:
                sep = "" if ch.x1 - cur.x2 < 0.15 * ch.size else " "
                cur = _Line(cur.page, cur.x1, max(cur.x2, ch.x2), cur.y, max(cur.size, ch.size),
                            cur.text + sep + ch.text)
                lines[-1] = cur
            else:
                cur = _Line(ch.page, ch.x1, ch.x2, ch.y, ch.size, ch.text)
                lines.append(cur)
    return sorted(lines, key=lambda ln: (-ln.y, ln.x1))


def _read_lines(pdf: bytes) -> tuple[list[list[_Line]], list[tuple[float, float, float, float]]]:
    """Lines per page and each page's media box (x0, y0, x1, y1); InvalidPdf if unreadable."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = list(reader.pages)
        if not pages:
            raise ValueError("no pages")
        out, boxes = [], []
        for i, page in enumerate(pages):
            mb = page.mediabox
            boxes.append((float(mb.left), float(mb.bottom), float(mb.right), float(mb.top)))
            out.append(_merge_lines(_page_chunks(page, i)))
        return out, boxes
    except InvalidPdf:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a usable PDF"
        raise InvalidPdf("Không đọc được tệp PDF của dự thảo (tệp hỏng hoặc có mật khẩu).",
                         f"The draft PDF cannot be read: {exc}") from exc


_NUMBER_RE = re.compile(r"^Số\s*(:|$|[\s…_.\d]*/)", re.IGNORECASE)
_DATE_RE = re.compile(r"\bngay\b.*\bthang\b")


def _row(lines: list[_Line], line: _Line) -> list[_Line]:
    """The lines sharing ``line``'s baseline, left to right."""
    return sorted((ln for ln in lines if abs(ln.y - line.y) <= 0.3 * max(ln.size, line.size)),
                  key=lambda ln: ln.x1)


def _join(a: _Line, b: _Line) -> _Line:
    """One line spanning ``a`` then ``b`` (b to the right of a)."""
    return _Line(a.page, min(a.x1, b.x1), max(a.x2, b.x2), a.y, max(a.size, b.size),
                 f"{a.text} {b.text}")


def _extend(line: _Line, lines: list[_Line], left: bool, right: bool, stop) -> _Line:
    """Absorb neighbours on the same row within 3 em: a placeholder such as
    "Số:        /QĐ-UBND" or "ngày      tháng" may be written with long runs of
    spaces, which splits it at the 1.6 em line-merge limit. ``stop(candidate)``
    guards the other column (the date for the number and vice versa).
    """
    row = _row(lines, line)
    idx = row.index(line)
    cur = line
    for cand in (row[idx + 1:] if right else []):
        if cand.x1 - cur.x2 > 3 * cur.size or stop(cand):
            break
        cur = _join(cur, cand)
    for cand in (reversed(row[:idx]) if left else []):
        if cur.x1 - cand.x2 > 3 * cur.size or stop(cand):
            break
        cur = _join(cand, cur)
    return cur


def _in_header(line: _Line, mb: tuple) -> bool:
    """In the top 40 % of the page: the number and date lines live in the header.

    A body sentence ("… ngày 19 tháng 6 năm 2015 …") must not pass for the date.
    """
    return line.y > mb[1] + (mb[3] - mb[1]) * 0.6


def _find_number(lines: list[_Line], mb: tuple) -> _Line | None:
    """The top-most header line of page 1 starting with "Số:" / "Số …/" in the left
    half, spread over its row (box 3)."""
    mid = (mb[0] + mb[2]) / 2
    core = next((ln for ln in lines if _in_header(ln, mb) and ln.x1 < mid
                 and _NUMBER_RE.match(ln.text.strip())), None)
    if core is None:
        return None
    return _extend(core, lines, left=False, right=True,
                   stop=lambda c: c.x1 > mid or "ngay" in fold(c.text).split())


def _find_date(lines: list[_Line], number: _Line | None, mb: tuple) -> _Line | None:
    """The top-most header line of page 1 with "ngày … tháng" once its row is joined
    (box 4). It starts right of 35 % of the width: a full-width line is body text."""
    def not_number(c: _Line) -> bool:
        return number is not None and c.x1 < number.x2 and abs(c.y - number.y) < number.size

    for ln in lines:
        if not _in_header(ln, mb) or "ngay" not in fold(ln.text) or not_number(ln):
            continue
        full = _extend(ln, lines, left=True, right=True, stop=not_number)
        if full.x1 > mb[0] + (mb[2] - mb[0]) * 0.35 and _DATE_RE.search(fold(full.text)):
            return full
    return None


def _name_key(text: str) -> str:
    """Case- and diacritics-insensitive, spacing-insensitive key for a person's name."""
    return " ".join(fold(unicodedata.normalize("NFC", text)).split())


def _find_name(pages: list[list[_Line]], signer_name: str | None) -> _Line | None:
    """The signer's name, searched from the last page back, lowest match first.

    An exact line match beats a mention inside a body sentence.
    """
    key = _name_key(signer_name or "")
    if not key:
        return None
    for lines in reversed(pages):
        exact = [ln for ln in lines if _name_key(ln.text) == key]
        loose = [ln for ln in lines if key in _name_key(ln.text)]
        hits = exact or loose
        if hits:
            return min(hits, key=lambda ln: ln.y)
    return None


def _text_h(size: float) -> tuple[float, float]:
    """(below, above) the baseline a field needs to hold text of ``size``."""
    return 0.35 * size, 1.0 * size


def _number_box(line: _Line, lines: list[_Line], page_w: float) -> Box:
    """From the "Số" chunk rightwards, wide enough for "Số: 1234/<ký hiệu>".

    It never runs into the next column's text on the same row (the date).
    """
    notation = line.text.split("/", 1)[1].strip() if "/" in line.text else "QĐ-UBND"
    need = _width(number_field_text(f"1234/{notation}"), F_REG, line.size) + 6
    x1 = line.x1 - 2
    x2 = max(line.x2 + 2, x1 + need)
    for other in _row(lines, line):
        if other.x1 > line.x2 + 1:
            x2 = min(x2, other.x1 - 3)
    below, above = _text_h(line.size)
    return Box(line.page, x1, line.y - below, min(x2, page_w - 2), line.y + above)


def _date_box(line: _Line, page_w: float) -> Box:
    """Covering the date line, widened symmetrically to hold a full filled-in date."""
    place = line.text.split(",", 1)[0].strip() if "," in line.text else ""
    year = re.search(r"\b((?:19|20)\d\d)\b", line.text)
    sample = format_date_line(place, date(int(year.group(1)) if year else 2026, 12, 28))
    need = _width(sample, F_ITAL, line.size) + 6
    half = max(line.x2 - line.x1 + 4, need) / 2
    below, above = _text_h(line.size)
    x1, x2 = max(line.cx - half, 2.0), min(line.cx + half, page_w - 2)
    return Box(line.page, x1, line.y - below, x2, line.y + above)


def _leader_above(anchor: _Line, lines: list[_Line]) -> Box:
    """55 × 25 mm centred on the name, just above it; shorter if the title sits closer.

    Word drafts leave 3-4 blank lines for the signature; when that gap is
    smaller than 25 mm the box shrinks to fit (not below 12 mm) rather than
    cover the title.
    """
    y1 = anchor.top + 2
    above = [ln for ln in lines if ln.bottom > y1 and ln.x2 > anchor.cx - LEADER_W / 2
             and ln.x1 < anchor.cx + LEADER_W / 2]
    ceiling = min((ln.bottom for ln in above), default=y1 + LEADER_H + 100) - 2
    height = LEADER_H if ceiling - y1 >= LEADER_H else max(ceiling - y1, 12 * MM)
    return Box(anchor.page, anchor.cx - LEADER_W / 2, y1, anchor.cx + LEADER_W / 2, y1 + height)


def _default_number(page: int, mb: tuple) -> Box:
    """§2.17 position of box 3: left header column, ~45 mm below the top edge."""
    x0, y0, x1, y1 = mb
    cx = x0 + (MARGIN_LEFT + HEADER_LEFT_W / 2) * (x1 - x0) / A4_W
    cy = y1 - 45 * MM
    return Box(page, cx - 25 * MM, cy - 4 * MM, cx + 25 * MM, cy + 4 * MM)


def _default_date(page: int, mb: tuple) -> Box:
    """§2.17 position of box 4: right header column, level with the number."""
    x0, y0, x1, y1 = mb
    cx = x0 + (MARGIN_LEFT + HEADER_LEFT_W + HEADER_RIGHT_W / 2) * (x1 - x0) / A4_W
    cy = y1 - 45 * MM
    return Box(page, cx - 37 * MM, cy - 4 * MM, cx + 37 * MM, cy + 4 * MM)


def _default_leader(page: int, lines: list[_Line], mb: tuple) -> Box:
    """Box 7c without a name: above the lowest right-half line, else bottom right."""
    x0, y0, x1, y1 = mb
    right = [ln for ln in lines if ln.cx > (x0 + x1) / 2]
    if right:
        return _leader_above(min(right, key=lambda ln: ln.y), lines)
    cx = x0 + (MARGIN_LEFT + SIGN_LEFT_W + SIGN_RIGHT_W / 2) * (x1 - x0) / A4_W
    return Box(page, cx - LEADER_W / 2, y0 + 40 * MM, cx + LEADER_W / 2, y0 + 40 * MM + LEADER_H)


def detect_layout_with_report(pdf: bytes, signer_name: str | None,
                              seal_mm: float = DEFAULT_SEAL_MM) -> tuple[FieldLayout, dict]:
    """Field boxes of an uploaded draft and, per box, "found" or "default".

    One parse for both answers: the UI shows the boxes and asks the leader to
    check those marked "default" before signing.
    """
    pages, media = _read_lines(pdf)
    first, last = pages[0], len(pages) - 1
    report = {}

    num_line = _find_number(first, media[0])
    date_line = _find_date(first, num_line, media[0])
    number = (_number_box(num_line, first, media[0][2]) if num_line
              else _default_number(0, media[0]))
    report["number"] = "found" if num_line else "default"
    dte = _date_box(date_line, media[0][2]) if date_line else _default_date(0, media[0])
    report["date"] = "found" if date_line else "default"

    name = _find_name(pages, signer_name)
    if name is not None:
        leader = _leader_above(name, pages[name.page])
        report["leader"] = "found"
    else:
        leader = _default_leader(last, pages[last], media[last])
        report["leader"] = "default"
    leader = _clamp(leader, media[leader.page])
    seal = _clamp(seal_box(leader, seal_mm), media[leader.page])
    report["seal"] = report["leader"]
    layout = FieldLayout(number=_clamp(number, media[0]), date=_clamp(dte, media[0]),
                         leader=leader, seal=seal)
    return layout, report


def detect_layout(pdf: bytes, signer_name: str | None,
                  seal_mm: float = DEFAULT_SEAL_MM) -> FieldLayout:
    """Where the number, date, signature and seal go on an uploaded draft PDF."""
    return detect_layout_with_report(pdf, signer_name, seal_mm)[0]


def detect_layout_report(pdf: bytes, signer_name: str | None,
                         seal_mm: float = DEFAULT_SEAL_MM) -> dict:
    """{"number"|"date"|"leader"|"seal": "found"|"default"} for the same detection."""
    return detect_layout_with_report(pdf, signer_name, seal_mm)[1]


# ------------------------------------------------------------------ DOCX → PDF

class ConversionFailed(Exception):
    """DOCX → PDF failed; ``vi`` is shown to the user, ``en`` goes to the log."""

    code = "conversion_failed"

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en


_MAX_DOCX = 50 * 1024 * 1024
_MAX_XML = 200 * 1024 * 1024


def _check_docx(docx: bytes) -> None:
    """Refuse anything but a ZIP holding word/document.xml before starting soffice.

    LibreOffice happily "converts" plain text or a spreadsheet into a PDF,
    and a corrupt file costs a whole soffice start to find out.
    """
    msg_vi = "Tệp không phải văn bản Word (.docx) hợp lệ hoặc đã bị hỏng."
    if not docx or len(docx) > _MAX_DOCX:
        raise ConversionFailed(msg_vi if docx else "Tệp rỗng.",
                               f"not a usable DOCX (size {len(docx or b'')} bytes)")
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as zf:
            if "word/document.xml" not in zf.namelist():
                raise ConversionFailed(msg_vi, "ZIP without word/document.xml")
            if zf.getinfo("word/document.xml").file_size > _MAX_XML:
                raise ConversionFailed(msg_vi, "word/document.xml too large (zip bomb?)")
            with zf.open("word/document.xml") as fh:      # the entry must decompress
                head = fh.read(4096)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ConversionFailed(msg_vi, f"not a readable DOCX: {exc}") from exc
    if b"<" not in head:
        raise ConversionFailed(msg_vi, "word/document.xml is not XML")


def _soffice() -> str:
    """Path of the LibreOffice binary (Debian: libreoffice-writer-nogui)."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        raise ConversionFailed("Máy chủ chưa cài LibreOffice nên không chuyển được tệp Word sang PDF.",
                               "soffice not found on PATH")
    return path


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill soffice and its children (oosplash starts soffice.bin): the whole group,
    then reap it and close its pipes so no zombie or descriptor is left behind."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def docx_to_pdf(docx: bytes, timeout: float = 120) -> bytes:
    """Convert a DOCX draft to PDF with LibreOffice headless.

    Each call gets a fresh temp directory holding the input, the output and
    its own user profile (``-env:UserInstallation``): two soffice processes
    sharing a profile block each other or silently do nothing. The process
    runs in its own session so a timeout kills the whole group.
    """
    _check_docx(docx)
    binary = _soffice()
    work = Path(tempfile.mkdtemp(prefix="eoffice-docx-"))
    try:
        src, out = work / "draft.docx", work / "out"
        out.mkdir()
        src.write_bytes(docx)
        cmd = [binary, f"-env:UserInstallation={(work / 'profile').as_uri()}",
               "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
               "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", str(out), str(src)]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, cwd=work, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ConversionFailed(
                f"Chuyển tệp Word sang PDF quá thời gian cho phép ({timeout:g} giây). "
                "Vui lòng thử lại hoặc tải lên tệp PDF.",
                f"soffice timed out after {time.monotonic() - started:.1f}s") from None
        except BaseException:       # interrupted (worker shutdown): leave no soffice behind
            _kill_group(proc)
            raise
        result = out / "draft.pdf"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = (stderr or stdout or b"").decode("utf-8", "replace").strip()[:500]
            raise ConversionFailed(
                "Không chuyển được tệp Word sang PDF: tệp có thể bị hỏng hoặc không đúng định dạng .docx.",
                f"soffice exit {proc.returncode}, no PDF produced: {detail}")
        data = result.read_bytes()
        if not data.startswith(b"%PDF"):
            raise ConversionFailed("Kết quả chuyển đổi không phải tệp PDF.",
                                   "soffice output is not a PDF")
        return data
    finally:
        shutil.rmtree(work, ignore_errors=True)
