"""Printed incoming-document register ("Sổ đăng ký văn bản đến"), PDF and XLSX.

Decree 30/2020/NĐ-CP, Phụ lục IV: an organisation that keeps its incoming
register in the electronic system must still, at the end of the year, print
the register, sign it and bind it into a book ("in ra, ký xác nhận, đóng
dấu và đóng quyển"). This module renders that book in the layout of the
official template: a title block, then one table with ten numbered columns
(1)…(10). It is plain Python (reportlab, openpyxl) and knows nothing of Flask,
the database or the request: callers pass a header and an iterable of rows.

Fonts: Decree 30 prescribes Times New Roman; Liberation Serif (package
fonts-liberation2) is metric-compatible and covers Vietnamese, DejaVu Serif
(fonts-dejavu-core) is the fallback. Liberation 1.x (package fonts-liberation,
directory ``truetype/liberation``) is deliberately not used: it lacks most
Vietnamese letters (ơ, ư, ạ, ặ, ệ, …).

Large registers (tens of thousands of rows): the PDF table is built lazily in
chunks of ``_CHUNK_ROWS`` rows, so only one chunk of Paragraphs exists at a
time and reportlab never splits a huge table; the column headers on pages
after the first are drawn by the page template. The XLSX is written in
openpyxl's write-only (streaming) mode, which still supports merged cells,
frozen panes, column widths and print titles when they are set before the
first row is written.
"""
from __future__ import annotations

import functools
import io
import os
import re
import threading
from copy import copy
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Iterable, Iterator
from xml.sax.saxutils import escape

__all__ = ["RegisterRow", "RegisterHeader", "incoming_register_pdf",
           "incoming_register_xlsx", "find_font_files", "ensure_fonts", "COLUMN_HEADERS"]

COLUMN_HEADERS = ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu văn bản",
                  "Ngày tháng văn bản", "Tên loại và trích yếu nội dung",
                  "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú")
TITLE = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
EMPTY_TEXT = "Không có văn bản trong khoảng thời gian này."
# C0 control characters other than tab/newline/CR: invalid in XLSX, glyph-less in PDF.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class RegisterRow:
    arrival_date: date            # (1) Ngày đến
    arrival_number: int           # (2) Số đến
    issuer_name: str              # (3) Tác giả
    code: str                     # (4) Số, ký hiệu văn bản ("" if none)
    issued_date: date | None      # (5) Ngày tháng văn bản
    type_and_subject: str         # (6) Tên loại và trích yếu nội dung
    recipients: str               # (7) Đơn vị hoặc người nhận
    transfer_date: date | None    # (8) Ngày chuyển
    signature: str                # (9) Ký nhận ("" : blank for a handwritten signature)
    notes: str                    # (10) Ghi chú


@dataclass
class RegisterHeader:
    organization_name: str        # e.g. "Sở Văn hóa, Thể thao và Du lịch"
    parent_name: str | None       # e.g. "UBND TỈNH ..." or None
    register_name: str            # e.g. "Sổ đăng ký văn bản đến năm 2026"
    date_from: date
    date_to: date


def _dmy(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _clean(text: str | None) -> str:
    return _CONTROL_CHARS.sub("", text or "").replace("\t", " ")


def _period(header: RegisterHeader) -> str:
    return f"Từ ngày {_dmy(header.date_from)} đến ngày {_dmy(header.date_to)}"


def _chunks(rows: Iterable[RegisterRow], size: int) -> Iterator[list[RegisterRow]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


# --------------------------------------------------------------------- fonts

# (Debian package, directory, files) in order of preference.
_FONT_CANDIDATES = (
    ("fonts-liberation2", "/usr/share/fonts/truetype/liberation2",
     {"regular": "LiberationSerif-Regular.ttf", "bold": "LiberationSerif-Bold.ttf",
      "italic": "LiberationSerif-Italic.ttf"}),
    ("fonts-dejavu-core", "/usr/share/fonts/truetype/dejavu",
     {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf",
      "italic": "DejaVuSerif-Italic.ttf"}),
)
FONT_REGULAR, FONT_BOLD, FONT_ITALIC = "EOfficeSerif", "EOfficeSerif-Bold", "EOfficeSerif-Italic"
_font_lock = threading.Lock()
_fonts_registered = False


def find_font_files() -> dict:
    """Paths {"regular", "bold", "italic"} of the first serif family installed."""
    for _package, directory, files in _FONT_CANDIDATES:
        paths = {style: os.path.join(directory, name) for style, name in files.items()}
        if all(os.path.isfile(p) for p in paths.values()):
            return paths
    raise RuntimeError(
        "No serif TTF font with Vietnamese glyphs found for the printed register: "
        "install the Debian package fonts-liberation2 (Liberation Serif, preferred) "
        "or fonts-dejavu-core (DejaVu Serif).")


def ensure_fonts() -> tuple[str, str, str]:
    """Register the serif family (once) and return its regular, bold, italic names."""
    _register_fonts()
    return FONT_REGULAR, FONT_BOLD, FONT_ITALIC


def _register_fonts() -> None:
    """Register the serif family with reportlab once per process."""
    global _fonts_registered
    with _font_lock:
        if _fonts_registered:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        paths = find_font_files()
        for name, style in ((FONT_REGULAR, "regular"), (FONT_BOLD, "bold"),
                            (FONT_ITALIC, "italic")):
            pdfmetrics.registerFont(TTFont(name, paths[style]))
        # <b>, <i> inside Paragraphs; bold italic falls back to bold.
        addMapping(FONT_REGULAR, 0, 0, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 0, FONT_BOLD)
        addMapping(FONT_REGULAR, 0, 1, FONT_ITALIC)
        addMapping(FONT_REGULAR, 1, 1, FONT_BOLD)
        _fonts_registered = True


# ----------------------------------------------------------------------- PDF

_CHUNK_ROWS = 200
_FONT_SIZE = 10
# Column widths in mm; they add up to the 257 mm between the margins below.
_COL_MM = (20, 12, 34, 26, 20, 63, 30, 20, 16, 16)
_MARGIN_MM = {"left": 25, "right": 15, "top": 15, "bottom": 15}  # left: binding
_MIN_ROW_MM = 8  # room for a handwritten signature in column (9)
_CELL_PAD = 3  # points, left and right


def _styles() -> dict:
    from reportlab.lib.enums import TA_CENTER, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    base = ParagraphStyle("reg", fontName=FONT_REGULAR, fontSize=_FONT_SIZE,
                          leading=_FONT_SIZE * 1.2, alignment=TA_LEFT)
    return {
        "cell": base,
        "cell_c": ParagraphStyle("reg_c", base, alignment=TA_CENTER),
        "head": ParagraphStyle("reg_h", base, fontName=FONT_BOLD, alignment=TA_CENTER),
        "org": ParagraphStyle("reg_org", base, fontSize=12, leading=15, alignment=TA_CENTER),
        "title": ParagraphStyle("reg_t", base, fontName=FONT_BOLD, fontSize=15, leading=19,
                                alignment=TA_CENTER, spaceBefore=8, spaceAfter=4),
        "sub": ParagraphStyle("reg_s", base, fontSize=13, leading=16, alignment=TA_CENTER),
        "period": ParagraphStyle("reg_p", base, fontName=FONT_ITALIC, fontSize=13, leading=16,
                                 alignment=TA_CENTER, spaceAfter=10),
    }


def _markup(text: str | None) -> str:
    """Text escaped for Paragraph markup; line breaks kept."""
    return escape(_clean(text)).replace("\r\n", "\n").replace("\n", "<br/>")


@functools.cache
def _col_widths() -> tuple[float, ...]:
    from reportlab.lib.units import mm
    return tuple(w * mm for w in _COL_MM)


def _grid_style(extra: list | None = None):
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), FONT_REGULAR, _FONT_SIZE, _FONT_SIZE * 1.2),
        ("ALIGN", (0, 0), (1, -1), "CENTER"),
        ("ALIGN", (4, 0), (4, -1), "CENTER"),
        ("ALIGN", (7, 0), (8, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
    ] + (extra or []))


def _header_table(styles: dict):
    """The two header rows: column names and (1)…(10)."""
    from reportlab.platypus import Table
    names = [_cell_paragraph_class()(_markup(h), styles["head"]) for h in COLUMN_HEADERS]
    numbers = [f"({i})" for i in range(1, len(COLUMN_HEADERS) + 1)]
    return Table([names, numbers], colWidths=list(_col_widths()), hAlign="LEFT",
                 style=_grid_style([("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                                    ("FONT", (0, 1), (-1, 1), FONT_ITALIC, _FONT_SIZE),
                                    ("ALIGN", (0, 1), (-1, 1), "CENTER")]))


@functools.cache
def _cell_paragraph_class():
    """Paragraph that remembers its last wrap: a Table wraps each cell twice."""
    from reportlab.platypus import Paragraph

    class CellParagraph(Paragraph):
        _wrapped_for = None

        def wrap(self, aw, ah):
            if self._wrapped_for != aw:
                super().wrap(aw, ah)
                self._wrapped_for = aw
            return self.width, self.height

        def split(self, aw, ah):
            self._wrapped_for = None
            return super().split(aw, ah)

    return CellParagraph


def _row_cells(row: RegisterRow, styles: dict, para_cls) -> list:
    """One table row: a Paragraph where text must wrap, a plain string (much
    cheaper to lay out) where it fits on one line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    widths = _col_widths()

    def text(value: str, col: int, style: str = "cell"):
        value = _clean(value).strip()
        if "\n" not in value and (stringWidth(value, FONT_REGULAR, _FONT_SIZE)
                                  <= widths[col] - 2 * _CELL_PAD - 1):
            return value
        return para_cls(_markup(value), styles[style])
    return [_dmy(row.arrival_date), str(row.arrival_number), text(row.issuer_name, 2),
            text(row.code, 3), _dmy(row.issued_date), text(row.type_and_subject, 5),
            text(row.recipients, 6), _dmy(row.transfer_date), text(row.signature, 8, "cell_c"),
            text(row.notes, 9)]


def _empty_table(styles: dict):
    from reportlab.platypus import Paragraph, Table
    return Table([[Paragraph(_markup(EMPTY_TEXT), styles["cell_c"])] + [""] * 9],
                 colWidths=list(_col_widths()), hAlign="LEFT",
                 style=_grid_style([("SPAN", (0, 0), (-1, 0))]))


def _chunk_class(fresh_height: float):
    """Flowable classes for the body; ``fresh_height`` is the frame height of a new page."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable, Table
    para_cls = _cell_paragraph_class()

    class BodyTable(Table):
        """Splits between rows; inside a row only if it cannot fit even on a fresh page."""

        def split(self, aw, ah):
            self.splitInRow = 1 if ah >= fresh_height - 1 else 0
            return super().split(aw, ah)

    class LazyChunk(Flowable):
        """Builds its table (and Paragraphs) only when laid out, then drops the rows."""

        def __init__(self, rows, styles):
            super().__init__()
            self._rows, self._styles, self._table = rows, styles, None

        def _t(self):
            if self._table is None:
                rows, self._rows = self._rows, None
                self._table = BodyTable(
                    [_row_cells(r, self._styles, para_cls) for r in rows],
                    colWidths=list(_col_widths()), hAlign="LEFT", style=_grid_style(),
                    minRowHeights=[_MIN_ROW_MM * mm] * len(rows))
            return self._table

        def wrap(self, aw, ah):
            self.width, self.height = self._t().wrap(aw, ah)
            return self.width, self.height

        def split(self, aw, ah):
            return self._t().split(aw, ah)

        def draw(self):
            self._t().drawOn(self.canv, 0, 0)

    return LazyChunk


def _title_block(header: RegisterHeader, styles: dict) -> list:
    """Parent body / organisation at top-left, then the centred title lines."""
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, Table
    left = []
    if header.parent_name:
        left.append(Paragraph(_markup(header.parent_name.upper()), styles["org"]))
    left.append(Paragraph(f"<b>{_markup(header.organization_name.upper())}</b>", styles["org"]))
    left.append(HRFlowable(width="35%", thickness=0.6, color="black", spaceBefore=3))
    org = Table([[left]], colWidths=[100 * mm], hAlign="LEFT",
                style=[("LEFTPADDING", (0, 0), (-1, -1), 0),
                       ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                       ("FONT", (0, 0), (-1, -1), FONT_REGULAR, _FONT_SIZE)])
    return [org,
            Paragraph(_markup(TITLE), styles["title"]),
            Paragraph(_markup(header.register_name), styles["sub"]),
            Paragraph(_markup(_period(header)), styles["period"])]


def _doc(buf, header_table):
    """A4 landscape document; pages after the first draw the header rows themselves."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
    page_w, page_h = landscape(A4)
    m = {k: v * mm for k, v in _MARGIN_MM.items()}
    width, height = page_w - m["left"] - m["right"], page_h - m["top"] - m["bottom"]
    _, head_h = header_table.wrap(width, height)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT_REGULAR, _FONT_SIZE)
        canvas.drawCentredString(page_w / 2, m["bottom"] / 2, f"Trang {doc.page}")
        canvas.restoreState()

    def later(canvas, doc):
        header_table.drawOn(canvas, m["left"], page_h - m["top"] - head_h)
        footer(canvas, doc)

    pad = {f"{s}Padding": 0 for s in ("left", "right", "top", "bottom")}
    first = Frame(m["left"], m["bottom"], width, height, id="first", **pad)
    rest = Frame(m["left"], m["bottom"], width, height - head_h, id="rest", **pad)
    doc = BaseDocTemplate(buf, pagesize=(page_w, page_h), title=TITLE,
                          initialFontName=FONT_REGULAR, initialFontSize=_FONT_SIZE,
                          author="eOffice", leftMargin=m["left"], rightMargin=m["right"],
                          topMargin=m["top"], bottomMargin=m["bottom"])
    doc.addPageTemplates([PageTemplate("first", [first], onPage=footer,
                                       autoNextPageTemplate="rest"),
                          PageTemplate("rest", [rest], onPage=later)])
    doc.rest_height = rest.height
    return doc


def incoming_register_pdf(header: RegisterHeader, rows: Iterable[RegisterRow]) -> bytes:
    """The printable register as PDF bytes (A4 landscape)."""
    _register_fonts()
    styles = _styles()
    buf = io.BytesIO()
    doc = _doc(buf, _header_table(styles))
    LazyChunk = _chunk_class(doc.rest_height)
    story = _title_block(header, styles) + [_header_table(styles)]
    start = len(story)
    story += [LazyChunk(c, styles) for c in _chunks(rows, _CHUNK_ROWS)]
    if len(story) == start:
        story.append(_empty_table(styles))
    doc.build(story)  # consumes the list: laid-out chunks can be freed
    return buf.getvalue()


# ---------------------------------------------------------------------- XLSX

_XLSX_WIDTHS = (12, 8, 24, 18, 12, 48, 22, 12, 14, 14)  # Excel character units
_XLSX_FONT = "Times New Roman"


class _XlsxCells:
    """Styled write-only cells; each style is built once and its style array copied,
    since assigning Font/Alignment/Border objects per cell is ~10x slower."""

    def __init__(self, ws):
        self.ws, self._protos = ws, {}

    def __call__(self, value, bold=False, italic=False, size=11, h="left", wrap=True,
                 number_format=None, border=True):
        from openpyxl.cell import WriteOnlyCell
        if isinstance(value, str):
            value = _clean(value) or None
        key = (bold, italic, size, h, wrap, number_format, border)
        proto = self._protos.get(key) or self._proto(*key)
        cell = WriteOnlyCell(self.ws, value=value)
        cell._style = copy(proto._style)
        return cell

    def _proto(self, bold, italic, size, h, wrap, number_format, border):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, Side
        cell = WriteOnlyCell(self.ws)
        cell.font = Font(name=_XLSX_FONT, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal=h, vertical="top" if border else "center",
                                   wrap_text=wrap)
        if border:
            side = Side(style="thin")
            cell.border = Border(left=side, right=side, top=side, bottom=side)
        if number_format:
            cell.number_format = number_format
        self._protos[(bold, italic, size, h, wrap, number_format, border)] = cell
        return cell


def _xlsx_title_lines(header: RegisterHeader) -> list[tuple]:
    """(text, bold, italic, size, alignment) for each merged title line."""
    lines = []
    if header.parent_name:
        lines.append((header.parent_name.upper(), False, False, 12, "left"))
    lines += [(header.organization_name.upper(), True, False, 12, "left"),
              (None, False, False, 12, "left"),
              (TITLE, True, False, 14, "center"),
              (header.register_name, False, False, 13, "center"),
              (_period(header), False, True, 13, "center"),
              (None, False, False, 12, "left")]
    return lines


def _xlsx_setup(ws, lines: list[tuple], n_cols: int) -> None:
    """Widths, frozen header, merged title lines and A4 landscape print setup."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet
    for i, width in enumerate(_XLSX_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(n_cols)
    for r, (text, _bold, _italic, size, _h) in enumerate(lines, start=1):
        ws.merged_cells.add(f"A{r}:{last}{r}")
        if text:  # merged cells are not auto-fitted
            ws.row_dimensions[r].height = round(size * 1.45)
    head1, head2 = len(lines) + 1, len(lines) + 2
    ws.freeze_panes = f"A{head2 + 1}"
    ws.print_title_rows = f"{head1}:{head2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left, ws.page_margins.right = 0.98, 0.59   # 25 mm / 15 mm
    ws.page_margins.top = ws.page_margins.bottom = 0.59
    ws.oddFooter.center.text = "Trang &P"


def _xlsx_row(c: _XlsxCells, row: RegisterRow) -> list:
    fmt = "DD/MM/YYYY"
    return [c(row.arrival_date, h="center", number_format=fmt),
            c(row.arrival_number, h="center"), c(row.issuer_name), c(row.code),
            c(row.issued_date, h="center", number_format=fmt), c(row.type_and_subject),
            c(row.recipients), c(row.transfer_date, h="center", number_format=fmt),
            c(row.signature, h="center"), c(row.notes)]


def incoming_register_xlsx(header: RegisterHeader, rows: Iterable[RegisterRow]) -> bytes:
    """The register as an XLSX workbook (sheet "So den"), streamed row by row."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("So den")
    c = _XlsxCells(ws)
    lines = _xlsx_title_lines(header)
    n = len(COLUMN_HEADERS)
    _xlsx_setup(ws, lines, n)
    for text, bold, italic, size, h in lines:
        ws.append([c(text, bold=bold, italic=italic, size=size, h=h, wrap=False, border=False)])
    ws.append([c(t, bold=True, h="center") for t in COLUMN_HEADERS])
    ws.append([c(f"({i})", italic=True, h="center") for i in range(1, n + 1)])
    empty = True
    for row in rows:
        ws.append(_xlsx_row(c, row))
        empty = False
    if empty:
        r = len(lines) + 3
        ws.merged_cells.add(f"A{r}:{get_column_letter(n)}{r}")
        ws.append([c(EMPTY_TEXT, italic=True, h="center")] + [c(None) for _ in range(n - 1)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
