"""A whole case file as one PDF and as XML (DOMAIN §2.15 4 g, §2.16 I–III).

* PDF: first the index page (MỤC LỤC VĂN BẢN, ``workflows.document_index_report``),
  then the PDF rendition of every file of every document, in chronological
  order (the documents' ordinals). The export is a new file built from
  copies of the pages: a signed original is never rewritten (Appendix A
  item 18); its bytes stay in the blob store, byte for byte.
* XML: the file metadata of Phụ lục VI Part II §III (FileCode = OrganId +
  FileCatalog + FileNotation, Title, Maintenance, Rights, Creator, Language,
  StartDate, EndDate, DocTotal, PageTotal, Description) and, per document, the
  fields of §I (outgoing) or §II (incoming) under their own tag names. Every
  tag of the section is written, empty when the value is unknown, so a reader
  can rely on the shape. Dates are ISO 8601 (``YYYY-MM-DD``, length 10).
  Each document also lists its files with their SHA-256 (and, in a BagIt
  package, where the original and the PDF/A copy sit, or that the PDF/A copy
  is missing: never faked).

Builders only: loading, permissions and the audit are in ``workflows.case_files``.
"""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone

from archive.filing_models import CaseFile, CaseFileItem
from archive.filing_rules import retention_label
from archive.models import Document, DocumentFile, Organization
from archive.text import fold
from workflows.document_index_report import IndexHeader, IndexRow

__all__ = ["Part", "parts_of", "index_header", "index_rows", "merged_pdf", "metadata_xml",
           "document_date", "exported_files", "rendition_digest", "PRIORITY"]

VN_TZ = timezone(timedelta(hours=7))
PDF = "application/pdf"
# Files that are part of the document as issued or received (a draft's annexes
# are working material of the drafter, not of the file).
SKIPPED_ROLES = ("draft_annex",)
UNISSUED = ("draft", "signed")            # an outgoing document not yet numbered and issued
# Priority (Number 1) of Phụ lục VI: the urgency level (0 thường … 3 hỏa tốc); the
# secrecy level goes in an attribute. The code values are not in the decree: [B].
PRIORITY = {"normal": 0, "urgent": 1, "very_urgent": 2, "flash": 3}
RIGHTS_LABELS = {"open": "Công khai", "restricted": "Hạn chế"}
DIRECTION_TAGS = {"incoming": "incoming", "outgoing": "outgoing"}


def document_date(doc: Document) -> date:
    """The date a document is filed under: its own date, else the day it arrived."""
    return doc.issued_date or doc.arrival_date or doc.created_at.date()


def chronological_key(doc: Document) -> tuple:
    return (document_date(doc), doc.arrival_number or 0, doc.id)


def exported_files(doc: Document) -> list[DocumentFile]:
    """The files that belong in the file's export, in their order (not destroyed)."""
    return [f for f in doc.files if f.role not in SKIPPED_ROLES and f.destroyed_at is None]


def rendition_digest(f: DocumentFile) -> str | None:
    """The PDF to show: the rendition, or the original when it is a PDF."""
    return f.pdf_sha256 or (f.sha256 if f.media_type == PDF else None)


def is_unissued_draft(doc: Document) -> bool:
    return doc.direction == "outgoing" and doc.status in UNISSUED


@dataclass
class Part:
    """One document of the file as it appears in the export."""

    item: CaseFileItem
    files: list[DocumentFile]          # those with a PDF rendition
    pages: int                         # pages in the export (filled from the PDFs when read)
    data: list[bytes] = field(default_factory=list)

    @property
    def document(self) -> Document:
        return self.item.document


def parts_of(items: list[CaseFileItem]) -> list[Part]:
    """The documents in ordinal order, pages from the files' recorded page counts."""
    out = []
    for item in sorted(items, key=lambda i: i.ordinal):
        files = [f for f in exported_files(item.document) if rendition_digest(f)]
        pages = sum(f.page_count or 0 for f in files)
        out.append(Part(item, files, pages))
    return out


def page_ranges(parts: list[Part]) -> list[str]:
    """Tờ số/Trang số: "1–3", "4", or "" for a document without pages here."""
    out, first = [], 1
    for part in parts:
        if part.pages <= 0:
            out.append("")
            continue
        last = first + part.pages - 1
        out.append(str(first) if last == first else f"{first}–{last}")
        first = last + 1
    return out


def type_and_subject(doc: Document) -> str:
    """Tên loại và trích yếu: the type name unless the subject already starts with it."""
    name = doc.doc_type.name if doc.doc_type else ""
    if not name or fold(doc.subject).startswith(fold(name)):
        return doc.subject
    return f"{name} {doc.subject}"


def author(doc: Document, org: Organization) -> str:
    """Tác giả: who issued it (our own agency for an outgoing document)."""
    if doc.direction == "outgoing":
        return doc.issuer_name or org.name
    return doc.issuer_name or ""


def code_of(doc: Document) -> str:
    return "/".join(p for p in (doc.code_number, doc.code_notation) if p)


def note_of(doc: Document) -> str:
    if is_unissued_draft(doc):
        return "Dự thảo, chưa ban hành"
    return doc.notes or ""


def index_header(cf: CaseFile, org: Organization, parts: list[Part]) -> IndexHeader:
    return IndexHeader(organization_name=org.name, parent_name=org.parent_name,
                       file_code=cf.code, year=cf.year, title=cf.title,
                       maintenance=retention_label(cf.retention_years),
                       start_date=cf.start_date, end_date=cf.end_date,
                       page_total=sum(p.pages for p in parts))


def index_rows(parts: list[Part], org: Organization) -> list[IndexRow]:
    return [IndexRow(ordinal=p.item.ordinal, code=code_of(p.document),
                     doc_date=document_date(p.document),
                     type_and_subject=type_and_subject(p.document),
                     author=author(p.document, org), pages=pages, notes=note_of(p.document))
            for p, pages in zip(parts, page_ranges(parts))]


def merged_pdf(index: bytes, parts: list[Part], title: str) -> bytes:
    """The index, then each part's PDFs (already read into ``part.data``)."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(index)))
    for part in parts:
        for data in part.data:
            writer.append(PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Title": title, "/Producer": "eOffice"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- XML --------------------------------------------------------------------------

def _iso(value) -> str:
    return value.isoformat() if value else ""


def _add(parent: ET.Element, tag: str, value=None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if value not in (None, ""):
        el.text = str(value)
    return el


def _file_code(parent: ET.Element, cf: CaseFile, org: Organization) -> None:
    code = _add(parent, "FileCode")
    _add(code, "OrganId", org.organ_id)
    _add(code, "FileCatalog", cf.year)
    _add(code, "FileNotation", cf.code)


def _file_fields(root: ET.Element, cf: CaseFile, org: Organization, creator_name: str,
                 doc_total: int, page_total: int) -> None:
    """Phụ lục VI Part II §III, in its order."""
    _file_code(root, cf, org)
    _add(root, "Title", cf.title)
    _add(root, "Maintenance", retention_label(cf.retention_years))
    _add(root, "Rights", RIGHTS_LABELS.get(cf.rights, cf.rights))
    _add(root, "Creator", creator_name)
    _add(root, "Language", cf.language)
    _add(root, "StartDate", _iso(cf.start_date))
    _add(root, "EndDate", _iso(cf.end_date))
    _add(root, "DocTotal", doc_total)
    _add(root, "PageTotal", page_total)
    _add(root, "Description", cf.description)


def _common_fields(el: ET.Element, cf: CaseFile, org: Organization, item: CaseFileItem) -> None:
    """Rows 1–11, shared by outgoing (§I) and incoming (§II) documents."""
    doc = item.document
    _file_code(el, cf, org)
    _add(el, "DocOrdinal", item.ordinal)
    _add(el, "TypeName", doc.doc_type.name if doc.doc_type else "")
    _add(el, "CodeNumber", doc.code_number)
    _add(el, "CodeNotation", doc.code_notation)
    _add(el, "IssuedDate", _iso(doc.issued_date))
    _add(el, "OrganName", author(doc, org))
    _add(el, "Subject", doc.subject)
    _add(el, "Language", doc.language)
    _add(el, "PageAmount", doc.page_count)
    _add(el, "Description", doc.notes)


def _signer(el: ET.Element, doc: Document) -> None:
    signer = _add(el, "SignerInfo")
    _add(signer, "Position", doc.signer_position)
    _add(signer, "FullName", doc.signer_name)


def _priority(el: ET.Element, doc: Document) -> None:
    p = _add(el, "Priority", PRIORITY.get(doc.urgency, 0))
    p.set("urgency", doc.urgency)
    p.set("confidentiality", doc.confidentiality)


def _outgoing_fields(el: ET.Element, doc: Document) -> None:
    """§I rows 12–16."""
    _signer(el, doc)
    to = _add(el, "To")
    _add(to, "OrganId")
    _add(to, "OrganName", doc.recipients)
    _priority(el, doc)
    _add(el, "IssuedAmount")
    _add(el, "DueDate", _iso(doc.due_date))


def _trace(el: ET.Element, notes) -> None:
    trace = _add(el, "TraceHeaderList")
    for n in notes:
        header = _add(trace, "TraceHeader")
        _add(header, "Timestamp", n.at.astimezone(VN_TZ).isoformat(timespec="seconds"))
        _add(header, "Actor", n.actor_name)
        _add(header, "Step", n.step_name)
        _add(header, "Decision", n.decision)
        _add(header, "Content", n.content)
        _add(header, "Deadline", _iso(n.deadline))


def _incoming_fields(el: ET.Element, doc: Document, notes) -> None:
    """§II rows 12–18."""
    _add(el, "ArrivalDate", _iso(doc.arrival_date))
    _add(el, "ArrivalNumber", doc.arrival_number)
    _signer(el, doc)
    _priority(el, doc)
    _add(el, "ToPlaces", doc.recipients)
    _trace(el, notes)
    _add(el, "DueDate", _iso(doc.due_date))


def _files(el: ET.Element, doc: Document, placed: dict[int, dict] | None) -> None:
    files = _add(el, "Files")
    for f in exported_files(doc):
        row = _add(files, "File")
        row.set("name", f.name)
        row.set("role", f.role)
        row.set("mediaType", f.media_type)
        row.set("sha256", f.sha256)
        row.set("size", str(f.size))
        if f.page_count is not None:
            row.set("pages", str(f.page_count))
        for key, value in ((placed or {}).get(f.id) or {}).items():
            row.set(key, value)


def metadata_xml(cf: CaseFile, org: Organization, creator_name: str,
                 items: list[CaseFileItem], traces: dict[int, list],
                 placed: dict[int, dict] | None = None, page_total: int | None = None) -> bytes:
    """The XML of the file and its documents (ordinal order).

    ``traces``: document id → its processing notes (TraceHeaderList of an
    incoming document); ``placed``: document-file id → attributes telling where
    its bytes sit in a package (``original``, ``pdfa``, ``pdfaStatus``).
    """
    ordered = sorted(items, key=lambda i: i.ordinal)
    pages = page_total if page_total is not None else (
        cf.page_total if cf.page_total is not None
        else sum(p.pages for p in parts_of(ordered)))
    root = ET.Element("CaseFile")
    root.set("standard", "Nghị định 30/2020/NĐ-CP, Phụ lục VI, Phần II")
    _file_fields(root, cf, org, creator_name, len(ordered), pages)
    docs = _add(root, "Documents")
    for item in ordered:
        doc = item.document
        el = _add(docs, "Document")
        el.set("direction", DIRECTION_TAGS.get(doc.direction, doc.direction))
        el.set("id", str(doc.id))
        _common_fields(el, cf, org, item)
        if doc.direction == "outgoing":
            _outgoing_fields(el, doc)
        else:
            _incoming_fields(el, doc, traces.get(doc.id, []))
        _files(el, doc, placed)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
