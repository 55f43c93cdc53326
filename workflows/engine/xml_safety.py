"""Parse uploaded BPMN bytes without trusting them.

lxml is asked not to resolve entities, not to touch the network, not to load a
DTD and not to lift its tree-size limits; any DOCTYPE or ENTITY declaration is
refused outright (billion laughs, external entities), before and after parsing
so a UTF-16 document cannot slip past the byte scan.
"""
from __future__ import annotations

import re

from lxml import etree

from .errors import DefinitionError, Msg

__all__ = ["parse_xml"]

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _line_of(xml: bytes, offset: int) -> int:
    return xml.count(b"\n", 0, offset) + 1


def _refuse_declarations(xml: bytes) -> None:
    match = _DECLARATION.search(xml)
    if match:
        raise DefinitionError(Msg(
            vi="Tệp BPMN không được chứa khai báo DOCTYPE/ENTITY.",
            en="BPMN files must not contain DOCTYPE/ENTITY declarations."),
            line=_line_of(xml, match.start()))


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_xml(xml: bytes, max_bytes: int) -> etree._ElementTree:
    """Parse ``xml`` into a tree or raise DefinitionError (size, declarations, syntax)."""
    if not isinstance(xml, (bytes, bytearray)):
        raise TypeError("BPMN must be given as bytes")
    if len(xml) > max_bytes:
        raise DefinitionError(Msg(
            vi=f"Tệp BPMN quá lớn ({len(xml)} byte, tối đa {max_bytes}).",
            en=f"BPMN file too large ({len(xml)} bytes, at most {max_bytes})."))
    _refuse_declarations(bytes(xml))
    try:
        root = etree.fromstring(bytes(xml), _hardened_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        raise DefinitionError(Msg(
            vi=f"Tệp không phải XML hợp lệ: {exc}", en=f"Not well-formed XML: {exc}"),
            line=line) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DefinitionError(Msg(
            vi="Tệp BPMN không được chứa khai báo DOCTYPE/ENTITY.",
            en="BPMN files must not contain DOCTYPE/ENTITY declarations."), line=1)
    return tree
