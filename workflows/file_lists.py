"""Use cases of the danh mục hồ sơ, the agency's annual file list (DOMAIN §2.13).

The list of a year is written by the văn thư, the office head or the
archivist (headings and planned files: code, title, retention from the
catalogue, người lập hồ sơ, notes), approved by a leader at the start of the
year, and from then on frozen: staff open their files from its entries
(``entries_open_to``). One list per agency and year; a new list may start as
a copy of the previous one.

Every change is made against the version of the list the form was built on
(``FileList.version``): a stale form or a double click changes nothing. Codes
are recomputed after each change (``archive.file_list_numbering``), so they
always follow the list's order and numbering mode. Any refused change rolls
back, leaving the list as it was.
"""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive import audit
from archive import file_list_numbering as numbering_rules
from archive.db import utcnow
from archive.errors import ArchiveError, Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.file_list_numbering import NUMBERINGS, assign_codes, footer_text
from archive.filing_models import (FILE_KINDS, CaseFile, FileList, FileListEntry,
                                   FileListHeading, RetentionPeriod)
from archive.filing_rules import retention_label
from archive.identity import Actor
from archive.models import Department, Organization, Staff
from workflows.incoming import VN_TZ, vn_today

__all__ = ["EDITORS", "APPROVERS", "DRAFT", "APPROVED", "can_edit", "can_approve",
           "list_lists", "get_list", "list_page", "create_list", "set_numbering", "add_heading",
           "update_heading", "move_heading", "delete_heading", "add_entry", "update_entry",
           "move_entry", "delete_entry", "approve_list", "entries_open_to", "print_list",
           "ListPage", "Row"]

EDITORS = ("clerk", "office_head", "archivist")
APPROVERS = ("leader",)
DRAFT, APPROVED = "draft", "approved"
FIRST_YEAR = 1990
NOT_FOUND = Msg("Không tìm thấy danh mục hồ sơ của năm này.", "No file list for this year.")
STALE = Msg("Danh mục vừa được người khác thay đổi; hãy tải lại trang và thử lại.",
            "Someone else changed the file list; reload the page and try again.")


def can_edit(actor: Actor) -> bool:
    return actor.has(*EDITORS)


def can_approve(actor: Actor) -> bool:
    return actor.has(*APPROVERS)


def _atomic(use_case):
    """A refused change rolls back whatever it had already touched."""
    @functools.wraps(use_case)
    def run(session: Session, *args, **kwargs):
        try:
            return use_case(session, *args, **kwargs)
        except ArchiveError:
            session.rollback()
            raise
        except IntegrityError:            # a concurrent change won the race (double click)
            session.rollback()
            raise Conflict(STALE) from None
    return run


# --- reading ---------------------------------------------------------------------

def list_lists(session: Session, actor: Actor, page: int = 1,
               per_page: int = 20) -> tuple[list[tuple[FileList, int]], int]:
    """The agency's lists, newest year first, with their entry counts."""
    where = FileList.organization_id == actor.organization_id
    total = session.scalar(select(func.count(FileList.id)).where(where)) or 0
    counts = (select(FileListEntry.file_list_id, func.count(FileListEntry.id).label("n"))
              .group_by(FileListEntry.file_list_id).subquery())
    stmt = (select(FileList, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.file_list_id == FileList.id)
            .where(where).order_by(FileList.year.desc())
            .offset((page - 1) * per_page).limit(per_page))
    return [(fl, n) for fl, n in session.execute(stmt)], total


def get_list(session: Session, actor: Actor, year: int) -> FileList:
    """The agency's list of ``year`` (every member of the agency may read it)."""
    fl = session.scalar(select(FileList).where(FileList.organization_id == actor.organization_id,
                                               FileList.year == year))
    if fl is None:
        raise NotFound(NOT_FOUND)
    return fl


@dataclass
class Row:
    """One line of the danh mục as shown and printed."""

    kind: str                       # "heading" | "entry"
    number: str                     # "I", "1" for headings; the file code for entries
    title: str
    level: int = 0                  # 0: top-level heading, 1: sub-heading / entry
    retention: str = ""
    creator: str = ""
    notes: str = ""
    obj: object = None              # the heading or entry row
    retention_inactive: bool = False


@dataclass
class ListPage:
    file_list: FileList
    rows: list[Row]
    permanent: int
    fixed: int
    footer: str
    headings: list[FileListHeading] = field(default_factory=list)   # in list order
    heading_numbers: dict[int, str] = field(default_factory=dict)
    approver: Staff | None = None


def _names(session: Session, model, ids) -> dict[int, object]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def _rows(session: Session, fl: FileList) -> list[Row]:
    numbers = numbering_rules.heading_numbers(fl.headings)
    staff = _names(session, Staff, (e.creator_id for e in fl.entries))
    depts = _names(session, Department, (e.department_id for e in fl.entries))
    by_heading: dict[int | None, list[FileListEntry]] = {}
    for e in numbering_rules.entry_order(fl.headings, fl.entries):
        by_heading.setdefault(e.heading_id, []).append(e)

    def entry_row(e: FileListEntry) -> Row:
        person = staff.get(e.creator_id)
        dept = depts.get(e.department_id)
        creator = person.full_name if person else (dept.name if dept else "")
        return Row("entry", e.code, e.title, 1, retention_label(e.retention.years), creator,
                   e.notes or "", e, not e.retention.active)

    rows = [entry_row(e) for e in by_heading.pop(None, [])]
    for h in numbering_rules.heading_order(fl.headings):
        rows.append(Row("heading", numbers[h.id], h.title, 0 if h.parent_id is None else 1,
                        obj=h))
        rows.extend(entry_row(e) for e in by_heading.pop(h.id, []))
    return rows


def list_page(session: Session, actor: Actor, year: int) -> ListPage:
    """Everything the danh mục page and its print show."""
    fl = get_list(session, actor, year)
    permanent, fixed = numbering_rules.retention_counts(e.retention.years for e in fl.entries)
    return ListPage(fl, _rows(session, fl), permanent, fixed, footer_text(permanent, fixed),
                    numbering_rules.heading_order(fl.headings),
                    numbering_rules.heading_numbers(fl.headings),
                    session.get(Staff, fl.approved_by_id) if fl.approved_by_id else None)


def entries_open_to(session: Session, actor: Actor, year: int) -> list[FileListEntry]:
    """The entries of the approved list of ``year`` from which ``actor`` may open
    files: every member of the agency may, the entries they are the creator of
    first, then the others in list order. No approved list: nothing."""
    fl = session.scalar(select(FileList).where(FileList.organization_id == actor.organization_id,
                                               FileList.year == year,
                                               FileList.status == APPROVED))
    if fl is None or actor.staff_id is None:
        return []
    ordered = numbering_rules.entry_order(fl.headings, fl.entries)
    return sorted(ordered, key=lambda e: e.creator_id != actor.staff_id)


# --- checks ------------------------------------------------------------------------

def _require_editor(actor: Actor) -> None:
    if not can_edit(actor):
        raise PermissionDenied(Msg("Chỉ văn thư, chánh văn phòng hoặc cán bộ lưu trữ được lập "
                                   "danh mục hồ sơ.", "Only the clerk, the office head or the "
                                   "archivist may write the file list."))


def _version(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _editable(session: Session, actor: Actor, year: int, version) -> FileList:
    """The draft list of ``year``, locked, if the form was built on its current version."""
    _require_editor(actor)
    fl = session.scalar(select(FileList).where(FileList.organization_id == actor.organization_id,
                                               FileList.year == year).with_for_update())
    if fl is None:
        raise NotFound(NOT_FOUND)
    if fl.status != DRAFT:
        raise Conflict(Msg("Danh mục đã được phê duyệt nên không sửa được nữa.",
                           "The file list is approved and can no longer be changed."))
    if _version(version) != fl.version:
        raise Conflict(STALE)
    return fl


def _text(values: dict, name: str, limit: int, label_vi: str, label_en: str,
          required: bool = False) -> str | None:
    value = " ".join(str(values.get(name) or "").split())
    if required and not value:
        msg = Msg(f"Chưa nhập {label_vi}.", f"{label_en} is required.")
        raise InvalidInput(msg, {name: msg})
    if len(value) > limit:
        msg = Msg(f"{label_vi.capitalize()} dài quá {limit} ký tự.",
                  f"{label_en} is longer than {limit} characters.")
        raise InvalidInput(msg, {name: msg})
    return value or None


def _id(values: dict, name: str) -> int | None:
    raw = str(values.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        msg = Msg("Lựa chọn không hợp lệ.", "Invalid choice.")
        raise InvalidInput(msg, {name: msg}) from None


def _check_numbering(value: str) -> str:
    if value not in NUMBERINGS:
        msg = Msg("Cách đánh số là “theo cả danh mục” hoặc “theo đề mục”.",
                  "Numbering is “over the list” or “per heading”.")
        raise InvalidInput(msg, {"numbering": msg})
    return value


def _finish(session: Session, actor: Actor, fl: FileList, action: str, details: dict) -> None:
    """Renumber, move to the next version, audit and commit."""
    _renumber(session, fl)
    fl.version += 1
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.full_name or actor.username,
                 action=action, object_type="file_list", object_id=fl.id,
                 details={"year": fl.year, **details})
    session.commit()


def _renumber(session: Session, fl: FileList) -> None:
    """Give every entry the code its place calls for. Changed codes go through a
    temporary value first: swapping "01" and "02" must never meet the unique
    (list, code) constraint half-way."""
    session.flush()
    changed = [(e, code) for e, code in assign_codes(fl.numbering, fl.headings, fl.entries)
               if e.code != code]
    if not changed:
        return
    for e, _code in changed:
        e.code = f"~{e.id}"
    session.flush()
    for e, code in changed:
        e.code = code
    session.flush()


def _temporary_code() -> str:
    return "~" + secrets.token_hex(8)


# --- the list ------------------------------------------------------------------------

def _check_year(year) -> int:
    msg = Msg(f"Năm không hợp lệ (từ {FIRST_YEAR} đến năm sau).",
              f"Invalid year ({FIRST_YEAR} to next year).")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(msg, {"year": msg}) from None
    if not FIRST_YEAR <= year <= vn_today().year + 1:
        raise InvalidInput(msg, {"year": msg})
    return year


@_atomic
def create_list(session: Session, actor: Actor, year, numbering: str = "list",
                copy_previous: bool = False) -> FileList:
    """The draft list of a year, empty or copied from the latest earlier list."""
    _require_editor(actor)
    year = _check_year(year)
    numbering = _check_numbering(numbering)
    exists = session.scalar(select(FileList.id).where(
        FileList.organization_id == actor.organization_id, FileList.year == year))
    if exists:
        msg = Msg(f"Đã có danh mục hồ sơ năm {year}.", f"A file list for {year} already exists.")
        raise Conflict(msg, {"year": msg})
    source = _previous(session, actor, year) if copy_previous else None
    if copy_previous and source is None:
        msg = Msg("Chưa có danh mục của năm trước để sao chép.",
                  "There is no earlier file list to copy.")
        raise InvalidInput(msg, {"copy_previous": msg})
    fl = FileList(organization_id=actor.organization_id, year=year, numbering=numbering,
                  status=DRAFT, created_by_id=actor.staff_id, version=0)
    session.add(fl)
    session.flush()
    copied = _copy_from(session, actor, source, fl) if source is not None else 0
    _finish(session, actor, fl, "file_list_create",
            {"numbering": numbering, "copied_from": source.year if source else None,
             "entries": copied})
    return fl


def _previous(session: Session, actor: Actor, year: int) -> FileList | None:
    return session.scalar(select(FileList).where(
        FileList.organization_id == actor.organization_id, FileList.year < year)
        .order_by(FileList.year.desc()).limit(1))


def _copy_from(session: Session, actor: Actor, source: FileList, target: FileList) -> int:
    """Headings and entries of ``source`` into ``target``. A người lập hồ sơ who
    has left the agency is not carried over (the entry shows none until set)."""
    new_ids: dict[int, int] = {}
    for h in numbering_rules.heading_order(source.headings):       # parents come first
        copy = FileListHeading(parent_id=new_ids.get(h.parent_id), position=h.position,
                               title=h.title, code_suffix=h.code_suffix)
        target.headings.append(copy)
        session.flush()
        new_ids[h.id] = copy.id
    staff = _names(session, Staff, (e.creator_id for e in source.entries))
    for e in source.entries:
        person = staff.get(e.creator_id)
        keep = person is not None and person.active and \
            person.organization_id == actor.organization_id
        target.entries.append(FileListEntry(
            heading_id=new_ids.get(e.heading_id), position=e.position, code=_temporary_code(),
            title=e.title, retention_id=e.retention_id,
            creator_id=e.creator_id if keep else None, department_id=e.department_id,
            kind=e.kind, notes=e.notes))
    return len(source.entries)


@_atomic
def set_numbering(session: Session, actor: Actor, year: int, version, numbering: str) -> FileList:
    """Switch between numbering over the list and per heading (codes follow)."""
    fl = _editable(session, actor, year, version)
    numbering = _check_numbering(numbering)
    if numbering == fl.numbering:
        return fl
    fl.numbering = numbering
    try:
        _finish(session, actor, fl, "file_list_numbering", {"numbering": numbering})
    except InvalidInput as exc:       # point the message at the numbering choice
        raise InvalidInput(exc.message, {"numbering": exc.message}) from None
    return fl


@_atomic
def approve_list(session: Session, actor: Actor, year: int, version) -> FileList:
    """The leader approves the list: from now on it is frozen and files open from it."""
    if not can_approve(actor):
        raise PermissionDenied(Msg("Chỉ lãnh đạo cơ quan phê duyệt danh mục hồ sơ.",
                                   "Only a leader of the agency approves the file list."))
    fl = session.scalar(select(FileList).where(FileList.organization_id == actor.organization_id,
                                               FileList.year == year).with_for_update())
    if fl is None:
        raise NotFound(NOT_FOUND)
    if fl.status == APPROVED:
        raise Conflict(Msg("Danh mục đã được phê duyệt.", "The file list is already approved."))
    if _version(version) != fl.version:
        raise Conflict(STALE)
    _check_complete(fl)
    fl.status, fl.approved_by_id, fl.approved_at = APPROVED, actor.staff_id, utcnow()
    fl.version += 1
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.full_name or actor.username,
                 action="file_list_approve", object_type="file_list", object_id=fl.id,
                 details={"year": fl.year, "entries": len(fl.entries)})
    session.commit()
    return fl


def _check_complete(fl: FileList) -> None:
    if not fl.entries:
        raise InvalidInput(Msg("Danh mục chưa có hồ sơ nào.", "The file list has no files."))
    missing = [e.code for e in fl.entries if e.creator_id is None]
    if missing:
        raise InvalidInput(Msg(f"Chưa có người lập hồ sơ: {', '.join(sorted(missing))}.",
                               f"No creator yet for: {', '.join(sorted(missing))}."))


# --- headings ---------------------------------------------------------------------------

def _suffix(session: Session, fl: FileList, values: dict, exclude: int | None = None) -> str | None:
    raw = _text(values, "code_suffix", 15, "ký hiệu đề mục", "Heading code")
    if raw is None:
        return None
    suffix = raw.upper().replace(" ", "")
    if not all(ch.isalnum() or ch == "-" for ch in suffix):
        msg = Msg("Ký hiệu đề mục chỉ gồm chữ, số và dấu gạch ngang (ví dụ TCCB).",
                  "The heading code is letters, digits and hyphens (e.g. TCCB).")
        raise InvalidInput(msg, {"code_suffix": msg})
    if any(h.code_suffix == suffix and h.id != exclude for h in fl.headings):
        msg = Msg(f"Ký hiệu “{suffix}” đã dùng cho đề mục khác của danh mục.",
                  f"Code “{suffix}” is already used by another heading of the list.")
        raise Conflict(msg, {"code_suffix": msg})
    return suffix


def _heading(fl: FileList, heading_id) -> FileListHeading:
    found = next((h for h in fl.headings if h.id == heading_id), None)
    if found is None:
        msg = Msg("Không tìm thấy đề mục trong danh mục này.", "Heading not in this list.")
        raise NotFound(msg, {"heading_id": msg})
    return found


def _parent(fl: FileList, values: dict) -> FileListHeading | None:
    parent_id = _id(values, "parent_id")
    if parent_id is None:
        return None
    parent = _heading(fl, parent_id)
    if parent.parent_id is not None:
        msg = Msg("Đề mục chỉ có hai cấp: đề mục lớn (I, II…) và đề mục nhỏ (1, 2…).",
                  "Headings have two levels: main (I, II…) and sub-headings (1, 2…).")
        raise InvalidInput(msg, {"parent_id": msg})
    return parent


def _next_position(items, **same) -> int:
    positions = [i.position for i in items
                 if all(getattr(i, k) == v for k, v in same.items())]
    return max(positions, default=0) + 1


@_atomic
def add_heading(session: Session, actor: Actor, year: int, version,
                values: dict) -> FileListHeading:
    fl = _editable(session, actor, year, version)
    title = _text(values, "title", 500, "tên đề mục", "Heading title", required=True)
    parent = _parent(fl, values)
    suffix = _suffix(session, fl, values)
    parent_id = parent.id if parent else None
    heading = FileListHeading(parent_id=parent_id, title=title, code_suffix=suffix,
                              position=_next_position(fl.headings, parent_id=parent_id))
    fl.headings.append(heading)
    session.flush()
    _finish(session, actor, fl, "file_list_heading_add",
            {"heading": heading.id, "title": title, "code_suffix": suffix})
    return heading


@_atomic
def update_heading(session: Session, actor: Actor, year: int, version, heading_id: int,
                   values: dict) -> FileListHeading:
    """Rename a heading or change its code (the codes of its files follow)."""
    fl = _editable(session, actor, year, version)
    heading = _heading(fl, heading_id)
    before = {"title": heading.title, "code_suffix": heading.code_suffix}
    heading.title = _text(values, "title", 500, "tên đề mục", "Heading title", required=True)
    heading.code_suffix = _suffix(session, fl, values, exclude=heading.id)
    _finish(session, actor, fl, "file_list_heading_edit",
            {"heading": heading.id, "before": before,
             "after": {"title": heading.title, "code_suffix": heading.code_suffix}})
    return heading


def _swap(items: list, item, direction: str) -> bool:
    """Swap ``item`` with its neighbour among ``items`` (sorted by position)."""
    if direction not in ("up", "down"):
        msg = Msg("Hướng chuyển không hợp lệ.", "Invalid direction.")
        raise InvalidInput(msg, {"direction": msg})
    items = sorted(items, key=lambda i: i.position)
    for n, i in enumerate(items, 1):       # positions 1..n, whatever they were
        i.position = n
    at = items.index(item)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(items):
        return False
    item.position, items[other].position = items[other].position, item.position
    return True


@_atomic
def move_heading(session: Session, actor: Actor, year: int, version, heading_id: int,
                 direction: str) -> FileListHeading:
    """Move a heading up or down among its siblings, with its files."""
    fl = _editable(session, actor, year, version)
    heading = _heading(fl, heading_id)
    siblings = [h for h in fl.headings if h.parent_id == heading.parent_id]
    _swap(siblings, heading, direction)
    _finish(session, actor, fl, "file_list_heading_move",
            {"heading": heading.id, "direction": direction})
    return heading


@_atomic
def delete_heading(session: Session, actor: Actor, year: int, version, heading_id: int) -> None:
    """Remove an empty heading (no files, no sub-headings)."""
    fl = _editable(session, actor, year, version)
    heading = _heading(fl, heading_id)
    if any(e.heading_id == heading.id for e in fl.entries) or \
            any(h.parent_id == heading.id for h in fl.headings):
        raise Conflict(Msg("Đề mục còn hồ sơ hoặc đề mục nhỏ; hãy chuyển hoặc xóa chúng trước.",
                           "The heading still holds files or sub-headings; move or delete "
                           "them first."))
    fl.headings.remove(heading)
    _finish(session, actor, fl, "file_list_heading_delete",
            {"heading": heading_id, "title": heading.title})


# --- entries ----------------------------------------------------------------------------

@dataclass(frozen=True)
class EntryValues:
    heading_id: int | None
    title: str
    retention_id: int
    creator_id: int
    department_id: int | None
    kind: str
    notes: str | None


def _retention(session: Session, values: dict, keep: int | None = None) -> int:
    period_id = _id(values, "retention_id")
    period = session.get(RetentionPeriod, period_id) if period_id else None
    if period is None or (not period.active and period.id != keep):
        msg = Msg("Hãy chọn thời hạn bảo quản trong bảng thời hạn bảo quản.",
                  "Choose a retention period from the catalogue.")
        raise InvalidInput(msg, {"retention_id": msg})
    return period.id


def _creator(session: Session, actor: Actor, values: dict) -> Staff:
    person = session.get(Staff, _id(values, "creator_id") or 0)
    if person is None or person.organization_id != actor.organization_id or not person.active:
        msg = Msg("Hãy chọn người lập hồ sơ trong cơ quan.",
                  "Choose the person who builds the file, from the agency.")
        raise InvalidInput(msg, {"creator_id": msg})
    return person


def _department(session: Session, actor: Actor, values: dict, person: Staff) -> int | None:
    dept_id = _id(values, "department_id")
    if dept_id is None:
        return person.department_id
    dept = session.get(Department, dept_id)
    if dept is None or dept.organization_id != actor.organization_id:
        msg = Msg("Đơn vị không thuộc cơ quan.", "The department is not in the agency.")
        raise InvalidInput(msg, {"department_id": msg})
    return dept.id


def _entry_values(session: Session, actor: Actor, fl: FileList, values: dict,
                  keep_retention: int | None = None) -> EntryValues:
    heading_id = _id(values, "heading_id")
    if heading_id is not None:
        _heading(fl, heading_id)
    title = _text(values, "title", 500, "tiêu đề hồ sơ", "File title", required=True)
    retention_id = _retention(session, values, keep_retention)
    person = _creator(session, actor, values)
    kind = str(values.get("kind") or "general")
    if kind not in FILE_KINDS:
        msg = Msg("Loại hồ sơ không hợp lệ.", "Invalid kind of file.")
        raise InvalidInput(msg, {"kind": msg})
    return EntryValues(heading_id, title, retention_id, person.id,
                       _department(session, actor, values, person), kind,
                       _text(values, "notes", 500, "ghi chú", "Notes"))


def _entry(fl: FileList, entry_id) -> FileListEntry:
    found = next((e for e in fl.entries if e.id == entry_id), None)
    if found is None:
        raise NotFound(Msg("Không tìm thấy hồ sơ trong danh mục này.", "File not in this list."))
    return found


@_atomic
def add_entry(session: Session, actor: Actor, year: int, version, values: dict) -> FileListEntry:
    """A planned file at the end of its heading; its code is given by its place."""
    fl = _editable(session, actor, year, version)
    checked = _entry_values(session, actor, fl, values)
    entry = FileListEntry(**checked.__dict__, code=_temporary_code(),
                          position=_next_position(fl.entries, heading_id=checked.heading_id))
    fl.entries.append(entry)
    session.flush()
    _finish(session, actor, fl, "file_list_entry_add", {"entry": entry.id, "title": entry.title})
    return entry


@_atomic
def update_entry(session: Session, actor: Actor, year: int, version, entry_id: int,
                 values: dict) -> FileListEntry:
    """Change an entry; a new heading puts it at the end of that heading."""
    fl = _editable(session, actor, year, version)
    entry = _entry(fl, entry_id)
    checked = _entry_values(session, actor, fl, values, keep_retention=entry.retention_id)
    before = {"title": entry.title, "heading_id": entry.heading_id,
              "retention_id": entry.retention_id, "creator_id": entry.creator_id}
    if checked.heading_id != entry.heading_id:
        entry.position = _next_position(fl.entries, heading_id=checked.heading_id)
    for name, value in checked.__dict__.items():
        setattr(entry, name, value)
    _finish(session, actor, fl, "file_list_entry_edit",
            {"entry": entry.id, "before": before, "after": checked.__dict__})
    return entry


@_atomic
def move_entry(session: Session, actor: Actor, year: int, version, entry_id: int,
               direction: str) -> FileListEntry:
    """Move an entry up or down within its heading (codes follow)."""
    fl = _editable(session, actor, year, version)
    entry = _entry(fl, entry_id)
    _swap([e for e in fl.entries if e.heading_id == entry.heading_id], entry, direction)
    _finish(session, actor, fl, "file_list_entry_move", {"entry": entry.id,
                                                         "direction": direction})
    return entry


@_atomic
def delete_entry(session: Session, actor: Actor, year: int, version, entry_id: int) -> None:
    fl = _editable(session, actor, year, version)
    entry = _entry(fl, entry_id)
    if session.scalar(select(CaseFile.id).where(CaseFile.list_entry_id == entry.id).limit(1)):
        raise Conflict(Msg("Đã có hồ sơ được mở từ mục này nên không xóa được.",
                           "A file was opened from this entry; it cannot be deleted."))
    details = {"entry": entry.id, "code": entry.code, "title": entry.title}
    fl.entries.remove(entry)
    _finish(session, actor, fl, "file_list_entry_delete", details)


# --- printing ---------------------------------------------------------------------------

@dataclass
class PrintedList:
    filename: str
    media_type: str
    data: bytes


def print_list(session: Session, actor: Actor, year: int, fmt: str,
               printed_at: datetime | None = None) -> PrintedList:
    """The danh mục in its official layout, as PDF or XLSX; audited as a print."""
    from archive import file_list_print as fp
    if fmt not in ("pdf", "xlsx"):
        msg = Msg("Định dạng là PDF hoặc XLSX.", "The format is PDF or XLSX.")
        raise InvalidInput(msg, {"format": msg})
    page = list_page(session, actor, year)
    fl = page.file_list
    org = session.get(Organization, fl.organization_id)
    header = fp.ListHeader(
        organization_name=org.name, parent_name=org.parent_name, year=fl.year,
        approved=fl.status == APPROVED,
        approved_on=fl.approved_at.astimezone(VN_TZ).date() if fl.approved_at else None,
        approver_name=page.approver.full_name if page.approver else "",
        approver_title=(page.approver.position_title or "") if page.approver else "",
        place_name=org.place_name)
    rows = [fp.ListRow(r.kind, r.number, r.title, r.level, r.retention, r.creator, r.notes)
            for r in page.rows]
    if fmt == "xlsx":
        data = fp.file_list_xlsx(header, rows, page.permanent, page.fixed)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, media = fp.file_list_pdf(header, rows, page.permanent, page.fixed), "application/pdf"
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.full_name or actor.username,
                 action="print", object_type="file_list", object_id=fl.id,
                 details={"year": fl.year, "format": fmt})
    session.commit()
    return PrintedList(f"danh-muc-ho-so-{fl.year}.{fmt}", media, data)
