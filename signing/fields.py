"""Form fields of an outgoing document: prepare them, fill them, list them.

Every field the document will ever need (number, date, leader signature,
seal signature) is created BEFORE the leader's certification signature:
with DocMDP "fill forms" (P=2) a later field creation voids the certifying
signature (STACK §2 pitfall 3), whereas filling an existing text field and
signing an existing empty signature field are allowed changes.

Filling renders the value with the 1000-upem Vietnamese font (pypdf's
appearance generator would use the field's Helvetica and drop "Đ", STACK
pitfall 7) on an opaque white background that hides a printed placeholder.
"""
from __future__ import annotations

from collections.abc import Mapping

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign import fields as sigfields

from . import fonts
from .model import FIELD_DATE, FIELD_LEADER, FIELD_NUMBER, FIELD_SEAL, Box, FieldLayout, FieldMissing, InvalidPdf
from .pdfio import open_reader, open_writer, output_bytes

__all__ = ["prepare_fields", "fill_fields", "field_names", "walk_fields", "DEFAULT_ALIGN"]

DEFAULT_ALIGN = {FIELD_NUMBER: "left", FIELD_DATE: "center"}
_ALIGN = {"left": AxisAlignment.ALIGN_MIN, "center": AxisAlignment.ALIGN_MID,
          "right": AxisAlignment.ALIGN_MAX}
_QUADDING = {"left": 0, "center": 1, "right": 2}
_PRINT_FLAG = 4
_MAX_FIELD_DEPTH = 16


# --- listing ----------------------------------------------------------------

def field_names(pdf: bytes) -> dict[str, str]:
    """Every terminal form field: name → "text" | "signature" | "signed" | other type.

    "signed" is a signature field that already holds a signature value.
    """
    reader = open_reader(pdf)
    return {name: _kind(field) for name, field, _ in walk_fields(reader.root)}


def _kind(field: generic.DictionaryObject) -> str:
    """Readable field type; an inherited /FT is taken into account by the walker."""
    ftype = field.get("/FT")
    if ftype == "/Sig":
        return "signed" if field.get("/V") is not None else "signature"
    return {"/Tx": "text", "/Btn": "button", "/Ch": "choice"}.get(ftype, "other")


def walk_fields(root: generic.DictionaryObject):
    """Yield (qualified name, field dict, reference) for terminal fields.

    Bounded in depth and guarded against reference cycles: incoming PDFs
    can be hostile.
    """
    try:
        top = root["/AcroForm"]["/Fields"]
    except (KeyError, TypeError):
        return
    seen: set = set()
    stack = [(ref, "", None, 0) for ref in reversed(list(top))]
    while stack:
        ref, prefix, inherited_ft, depth = stack.pop()
        key = getattr(ref, "idnum", None)
        if depth > _MAX_FIELD_DEPTH or (key is not None and key in seen):
            continue
        seen.add(key)
        field = ref.get_object()
        if not isinstance(field, generic.DictionaryObject):
            continue
        part = field.get("/T")
        name = f"{prefix}.{part}" if prefix and part is not None else (str(part) if part is not None else prefix)
        ftype = field.get("/FT", inherited_ft)
        kids = [k for k in field.get("/Kids", ()) if "/T" in k.get_object()]
        if kids:
            stack.extend((k, name, ftype, depth + 1) for k in reversed(kids))
        elif name:
            if ftype is not None and "/FT" not in field:
                field = generic.DictionaryObject({**field, pdf_name("/FT"): ftype})
            yield name, field, ref


# --- preparing --------------------------------------------------------------

def prepare_fields(pdf: bytes, layout: FieldLayout) -> bytes:
    """Add the empty number/date text fields and leader/seal signature fields.

    Refuses signed input (adding fields would void the signatures) and input
    that already has any of the four fields (preparing twice is a bug in the
    caller, not something to paper over).
    """
    reader = open_reader(pdf)
    if reader.embedded_signatures:
        raise InvalidPdf("Tệp PDF đã được ký số; không thể thêm trường.",
                         "The PDF is already signed; fields cannot be added.")
    existing = {name for name, _, _ in walk_fields(reader.root)}
    clash = existing & {FIELD_NUMBER, FIELD_DATE, FIELD_LEADER, FIELD_SEAL}
    if clash:
        raise InvalidPdf("Tệp PDF đã có trường ký: " + ", ".join(sorted(clash)) + ".",
                         "The PDF already has signing fields: " + ", ".join(sorted(clash)) + ".")
    writer = open_writer(pdf)
    _ensure_acroform(writer)
    _add_text_field(writer, FIELD_NUMBER, layout.number, DEFAULT_ALIGN[FIELD_NUMBER])
    _add_text_field(writer, FIELD_DATE, layout.date, DEFAULT_ALIGN[FIELD_DATE])
    for name, box in ((FIELD_LEADER, layout.leader), (FIELD_SEAL, layout.seal)):
        spec = sigfields.SigFieldSpec(name, box=_rect(box), on_page=box.page)
        sigfields.append_signature_field(writer, spec)
    return output_bytes(writer)


def _rect(box: Box) -> tuple[float, float, float, float]:
    return (box.x1, box.y1, box.x2, box.y2)


def _ensure_acroform(writer) -> None:
    """An /AcroForm with /Fields, a default Helvetica /DR and /DA.

    The /DR font only serves viewers that regenerate appearances; ours are
    always written explicitly with the Vietnamese font.
    """
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(generic.DictionaryObject())
        writer.update_root()
    form = root["/AcroForm"]
    if "/Fields" not in form:
        form[pdf_name("/Fields")] = generic.ArrayObject()
        writer.update_container(form)
    if "/DR" not in form:
        helv = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
            pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding")})
        form[pdf_name("/DR")] = generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject(
            {pdf_name("/Helv"): writer.add_object(helv)})})
        writer.update_container(form)
    if "/DA" not in form:
        form[pdf_name("/DA")] = generic.pdf_string("/Helv 0 Tf 0 g")
        writer.update_container(form)


def _add_text_field(writer, name: str, box: Box, align: str) -> None:
    """An empty, borderless, single-line, printable text field (its own widget)."""
    page_ref, _ = writer.find_page_for_modification(box.page)
    field = generic.DictionaryObject({
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): generic.pdf_string(name),
        pdf_name("/Ff"): generic.NumberObject(0),
        pdf_name("/DA"): generic.pdf_string("/Helv 13 Tf 0 g"),
        pdf_name("/Q"): generic.NumberObject(_QUADDING[align]),
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in _rect(box)),
        pdf_name("/F"): generic.NumberObject(_PRINT_FLAG),
        pdf_name("/BS"): generic.DictionaryObject({pdf_name("/W"): generic.NumberObject(0)}),
        pdf_name("/P"): page_ref,
    })
    ref = writer.add_object(field)
    fields = writer.root["/AcroForm"]["/Fields"]
    fields.append(ref)
    writer.update_container(fields)
    writer.register_annotation(page_ref, ref)


# --- filling ----------------------------------------------------------------

def fill_fields(pdf: bytes, values: Mapping[str, str], font_size: int = 13,
                align: Mapping[str, str] | None = None,
                italic: tuple[str, ...] = (FIELD_DATE,)) -> bytes:
    """Write ``values`` into the named text fields as one incremental update.

    Nothing else changes, so a certification signature with DocMDP "fill
    forms" stays valid (pyHanko reports FORM_FILLING). ``align`` maps field
    name → left/center/right (default: number left, date centred); fields in
    ``italic`` use the italic face (Decree 30 writes the place and date in
    italics). FieldMissing when a name is not a text field of the PDF.
    """
    writer = open_writer(pdf)
    fields = {name: (field, ref) for name, field, ref in walk_fields(writer.root)}
    alignment = {**DEFAULT_ALIGN, **(align or {})}
    for name, value in values.items():
        if name not in fields or fields[name][0].get("/FT") != "/Tx":
            raise FieldMissing(f"Không có trường “{name}” trong tệp PDF.",
                               f"The PDF has no text field '{name}'.", field=name)
        style = "italic" if name in italic else "regular"
        _fill_one(writer, fields[name][1], value, font_size, alignment.get(name, "left"), style)
    return output_bytes(writer)


def _fill_one(writer, ref, value: str, font_size: int, align: str, style: str) -> None:
    """Set /V and a fresh /AP /N rendered with the embedded Vietnamese font."""
    field = ref.get_object()
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    field[pdf_name("/V")] = generic.TextStringObject(value)
    field[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): writer.add_object(_text_xobject(writer, value, abs(x2 - x1), abs(y2 - y1),
                                                         font_size, align, style))})
    writer.mark_update(ref)


def _text_xobject(writer, value: str, width: float, height: float, font_size: int,
                  align: str, style: str) -> generic.StreamObject:
    """A form XObject: white box, then the text (shrunk if it would overflow)."""
    rule = SimpleBoxLayoutRule(x_align=_ALIGN[align], y_align=AxisAlignment.ALIGN_MID,
                               margins=Margins(2, 2, 1, 1))
    tb_style = TextBoxStyle(font=GlyphAccumulatorFactory(str(fonts.font_path(style)), font_size=font_size),
                            font_size=font_size, box_layout_rule=rule)
    box = TextBox(tb_style, writer=writer, box=BoxConstraints(width=width, height=height))
    box.content = value
    commands = b"q 1 1 1 rg 0 0 %g %g re f Q " % (width, height) + box.render()
    return init_xobject_dictionary(command_stream=commands, box_width=width, box_height=height,
                                   resources=box.resources.as_pdf_object())
