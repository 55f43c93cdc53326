"""Case files (hồ sơ) on SQLite and PostgreSQL: open, fill, close, share, freeze, reopen.

Documents are registered by the clerk through the real use case and routed
(``access.grant``, as the route does) to the people who build the files; the
danh mục and the retention lines are plain rows (their own use cases belong
to the file-list part).
"""
from __future__ import annotations

import itertools
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive import access, directory, filing_rules
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.filing_models import (CaseFile, CaseFileItem, FileList, FileListEntry,
                                   RetentionPeriod)
from archive.identity import Actor
from archive.models import AuditEntry, Blob, Document, DocumentFile
from tests.conftest import incoming_fields, make_pdf
from workflows import case_files, incoming, outgoing
from workflows.incoming import Upload

TODAY = date(2026, 11, 23)
_serial = itertools.count(7000)


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def staff_id(username: str) -> int:
    return directory.find_staff(db.session, username).id


def pdf(pages: int = 1, text: str | None = None) -> bytes:
    return make_pdf((text or f"Văn bản {uuid.uuid4().hex}",), pages=pages)


def register(*, to=("chuyenvien.vh",), pages: int = 1, data: bytes | None = None,
             confirm: bool = False, **fields) -> Document:
    """Register an incoming document as the clerk and route it to ``to``."""
    fields.setdefault("code_number", str(next(_serial)))
    values = incoming_fields(arrival_date="2026-11-20", **fields)
    doc = incoming.register_incoming(
        db.session, who("vanthu"), wiring.storage(), wiring.limits(), values,
        [Upload("scan.pdf", data or pdf(pages))], today=TODAY,
        confirm_duplicate=confirm).document
    for username in to:
        access.grant(db.session, doc.id, staff_id(username))
    db.session.commit()
    return doc


def retention(years: int | None, code: str | None = None) -> RetentionPeriod:
    line = RetentionPeriod(code=code or f"H2T-{uuid.uuid4().hex[:8]}",
                           group_name="Hồ sơ thử nghiệm", years=years, to_confirm=False)
    db.session.add(line)
    db.session.commit()
    return line


def approved_list(year: int = 2026, entries=(("01.QLVH", "Hồ sơ tổ chức Lễ hội", 10),),
                  creator: str | None = "chuyenvien.vh") -> list[FileListEntry]:
    """An approved danh mục with the given (code, title, years) entries."""
    org = who("giamdoc").organization_id
    flist = FileList(organization_id=org, year=year, status="approved",
                     created_by_id=staff_id("chanhvanphong"), approved_by_id=staff_id("giamdoc"))
    db.session.add(flist)
    db.session.flush()
    rows = []
    for pos, (code, title, years) in enumerate(entries):
        line = retention(years)
        row = FileListEntry(file_list_id=flist.id, position=pos, code=code, title=title,
                            retention_id=line.id, kind="general",
                            creator_id=staff_id(creator) if creator else None)
        db.session.add(row)
        rows.append(row)
    db.session.commit()
    return rows


def open_file(username: str = "chuyenvien.vh", code: str | None = None, **extra) -> CaseFile:
    line = retention(10)
    raw = {"title": "Hồ sơ về công tác văn hóa cơ sở", "code": code or f"X{next(_serial)}",
           "retention_id": str(line.id), "start_date": "2026-01-05", **extra}
    return case_files.open_outside_list(db.session, who(username), raw)


def add(username: str, cf: CaseFile, doc: Document):
    return case_files.add_document(db.session, who(username), cf.id, doc.id)


def close(username: str, cf: CaseFile, rule: str = filing_rules.RULE_DECREE_30, **raw):
    raw.setdefault("retention_checked", "1")
    return case_files.close_file(db.session, who(username), cf.id, raw,
                                 db.session.get(CaseFile, cf.id).version, rule=rule)


def ordinals(cf: CaseFile) -> list[tuple[int, int]]:
    db.session.expire_all()
    return sorted((i.ordinal, i.document_id) for i in db.session.get(CaseFile, cf.id).items)


def audit_actions(cf: CaseFile) -> list[str]:
    return [e.action for e in case_files.history(db.session, cf.id)]


def new_draft() -> Document:
    """An outgoing draft of chuyenvien.vh (not issued) through the real use case."""
    from tests.integration.test_outgoing import draft_fields
    return outgoing.create_draft(db.session, who("chuyenvien.vh"), wiring.draft_inputs(),
                                 draft_fields(signer_id=staff_id("phogiamdoc")), None)


# --- open, fill, close ---------------------------------------------------------------------

def test_a_file_opened_from_the_list_is_filled_then_closed(app):
    entry = approved_list()[0]
    me = who("chuyenvien.vh")
    assert [e.id for e in case_files.entries_to_open(db.session, me, 2026)] == [entry.id]
    assert [e.id for e in case_files.entries_to_open(db.session, who("chuyenvien.dl"),
                                                     2026)] == [entry.id]
    cf = case_files.open_from_entry(db.session, me, entry.id, start_date=date(2026, 1, 5))
    assert (cf.code, cf.year, cf.title, cf.retention_years, cf.creator_id, cf.status) == \
        ("01.QLVH", 2026, "Hồ sơ tổ chức Lễ hội", 10, me.staff_id, "open")
    assert cf.list_entry_id == entry.id and cf.retention_id == entry.retention_id
    assert case_files.entries_to_open(db.session, me, 2026) == []
    with pytest.raises(Conflict):                      # the entry opens once
        case_files.open_from_entry(db.session, me, entry.id)

    later = register(subject="Kế hoạch tổ chức Lễ hội năm 2026", issued_date="2026-03-10",
                     pages=2)
    early = register(subject="Công văn đề nghị tổ chức Lễ hội", issued_date="2026-02-01",
                     code_notation="UBND-LH")
    twin = register(subject="Công văn đề nghị tổ chức Lễ hội (bản vào sổ lần hai)",
                    issued_date="2026-02-01", code_notation="UBND-LH",
                    code_number=early.code_number, confirm=True)
    draft = new_draft()
    for doc in (later, early, twin, draft):
        add("chuyenvien.vh", cf, doc)
    assert ordinals(cf) == [(1, later.id), (2, early.id), (3, twin.id), (4, draft.id)]

    # Closing needs the retention re-checked; a refusal changes nothing.
    version = db.session.get(CaseFile, cf.id).version
    with pytest.raises(InvalidInput) as refused:
        case_files.close_file(db.session, me, cf.id, {}, version)
    assert "retention_checked" in refused.value.fields
    db.session.expire_all()
    assert db.session.get(CaseFile, cf.id).status == "open"
    assert db.session.get(CaseFile, cf.id).version == version and len(ordinals(cf)) == 4

    done = close("chuyenvien.vh", cf)
    assert [d["document_id"] for d in done.duplicates] == [twin.id]
    assert done.duplicates[0]["duplicate_of"] == early.id
    assert [d["document_id"] for d in done.drafts] == [draft.id]
    db.session.expire_all()
    cf = db.session.get(CaseFile, cf.id)
    assert ordinals(cf) == [(1, early.id), (2, later.id)]          # chronological
    assert cf.status == "closed" and cf.closed_by_id == me.staff_id and cf.closed_at
    assert cf.end_date == date(2026, 3, 10)                         # latest document
    assert (cf.doc_total, cf.page_total) == (2, 3)
    assert cf.transfer_due == date(2027, 3, 10)                     # Decree 30: +1 year
    assert cf.retain_until == date(2036, 12, 31)
    assert done.filled == {"end_date": "2026-03-10", "doc_total": 2, "page_total": 3}
    # the removed documents still exist: only the references went
    assert db.session.get(Document, twin.id) and db.session.get(Document, draft.id)
    entry_log = case_files.history(db.session, cf.id)[-1]
    assert entry_log.action == "casefile_close"
    assert entry_log.details["removed_duplicates"][0]["document_id"] == twin.id
    assert audit_actions(cf).count("casefile_add") == 4


def test_closing_a_construction_file_under_the_archive_law_and_a_given_end_date(app):
    cf = open_file(kind="construction")
    add("chuyenvien.vh", cf, register(issued_date="2026-04-01"))
    with pytest.raises(InvalidInput):                  # the end date can't precede the start
        close("chuyenvien.vh", cf, end_date="2025-12-01")
    done = close("chuyenvien.vh", cf, rule=filing_rules.RULE_ARCHIVE_LAW_2024,
                 end_date="2026-06-30", settlement_date="2026-11-15", retention="permanent")
    cf = done.case_file
    assert cf.end_date == date(2026, 6, 30) and "end_date" not in done.filled
    assert cf.transfer_due == date(2027, 2, 15)        # XDCB: 3 months after settlement
    assert cf.retention_years is None and cf.retain_until is None   # permanent
    plain = open_file()
    add("chuyenvien.vh", plain, register(issued_date="2026-04-01"))
    assert close("chuyenvien.vh", plain, rule=filing_rules.RULE_ARCHIVE_LAW_2024
                 ).case_file.transfer_due == date(2027, 12, 31)


def test_an_empty_file_cannot_be_closed(app):
    cf = open_file()
    add("chuyenvien.vh", cf, new_draft())
    with pytest.raises(InvalidInput) as refused:
        close("chuyenvien.vh", cf)
    assert "items" in refused.value.fields
    assert len(ordinals(cf)) == 1 and db.session.get(CaseFile, cf.id).status == "open"


def test_opening_outside_the_list_needs_title_code_retention_and_start(app):
    with pytest.raises(InvalidInput) as refused:
        case_files.open_outside_list(db.session, who("chuyenvien.vh"), {"title": " "})
    assert {"title", "code", "retention", "start_date"} <= set(refused.value.fields)
    with pytest.raises(InvalidInput) as refused:
        open_file(code="01 VH")                        # no spaces in a file code
    assert "code" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        open_file(creator_id=str(10 ** 6))
    assert "creator_id" in refused.value.fields
    cf = open_file(code="07.VP")
    assert cf.year == 2026 and cf.start_date == date(2026, 1, 5)
    with pytest.raises(InvalidInput) as refused:       # unique per agency and year
        open_file(code="07.VP")
    assert "code" in refused.value.fields
    assert open_file(code="07.VP", start_date="2027-01-04").year == 2027
    approved_list(entries=(("09.KH", "Hồ sơ kế hoạch", 5),))
    with pytest.raises(InvalidInput):                  # taken by the approved list
        open_file(code="09.KH")
    by_years = open_file(code="08.VP", retention_id="", retention="20",
                         creator_id=str(staff_id("truongphong.vh")))
    assert by_years.retention_years == 20 and by_years.retention_id is None
    assert by_years.creator_id == staff_id("truongphong.vh")
    assert db.session.scalar(select(func.count(CaseFile.id))) == 3


# --- by reference, permissions ------------------------------------------------------------

def test_one_document_in_two_files_of_two_people_is_not_copied(app):
    doc = register(to=("chuyenvien.vh", "truongphong.vh"), pages=2)
    blobs, files = (db.session.scalar(select(func.count()).select_from(Blob)),
                    db.session.scalar(select(func.count()).select_from(DocumentFile)))
    first = open_file("chuyenvien.vh")
    second = open_file("truongphong.vh")
    add("chuyenvien.vh", first, doc)
    add("truongphong.vh", second, doc)
    items = db.session.scalars(select(CaseFileItem).where(CaseFileItem.document_id == doc.id))
    assert sorted(i.case_file_id for i in items) == sorted([first.id, second.id])
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1
    assert db.session.scalar(select(func.count()).select_from(Blob)) == blobs
    assert db.session.scalar(select(func.count()).select_from(DocumentFile)) == files
    with pytest.raises(Conflict) as twice:
        add("chuyenvien.vh", first, doc)
    assert "số thứ tự 1" in twice.value.message.vi
    assert len(ordinals(first)) == 1
    panel = case_files.document_panel(db.session, who("chuyenvien.vh"), doc.id)
    assert sorted(f.id for f in panel.holding) == sorted([first.id, second.id])
    assert first.id not in [f.id for f in panel.open_files]


def test_a_specialist_cannot_add_a_document_he_cannot_see(app):
    hidden = register(to=())                              # routed to nobody
    secret = register(to=("chuyenvien.dl",), confidentiality="confidential")
    cf = open_file("chuyenvien.vh")
    for doc in (hidden, secret):
        with pytest.raises(NotFound):
            add("chuyenvien.vh", cf, doc)
    assert ordinals(cf) == []
    assert case_files.candidates(db.session, who("chuyenvien.vh"), cf, "Ủy ban") == []
    seen = register()
    assert [d.id for d in case_files.candidates(db.session, who("chuyenvien.vh"), cf,
                                                seen.code_number)] == [seen.id]
    # a specialist of another unit neither sees nor changes the file
    with pytest.raises(NotFound):
        case_files.add_document(db.session, who("chuyenvien.dl"), cf.id, secret.id)
    # the head of the file's unit sees it; the office head sees it but may not change it
    assert case_files.get_file(db.session, who("truongphong.vh"), cf.id).id == cf.id
    with pytest.raises(PermissionDenied):
        case_files.add_document(db.session, who("chanhvanphong"), cf.id, seen.id)
    assert ordinals(cf) == []


def test_removing_a_document_closes_up_the_ordinals(app):
    cf = open_file()
    docs = [register() for _ in range(3)]
    for d in docs:
        add("chuyenvien.vh", cf, d)
    case_files.remove_document(db.session, who("chuyenvien.vh"), cf.id, docs[1].id)
    assert ordinals(cf) == [(1, docs[0].id), (2, docs[2].id)]
    with pytest.raises(NotFound):
        case_files.remove_document(db.session, who("chuyenvien.vh"), cf.id, docs[1].id)
    assert db.session.get(Document, docs[1].id) is not None


# --- stale forms, closed and frozen files ---------------------------------------------------

def test_a_stale_form_and_a_closed_file_are_refused(app):
    cf = open_file()
    old = cf.version
    case_files.edit_file(db.session, who("chuyenvien.vh"), cf.id,
                         {"title": "Hồ sơ đã đổi tên", "description": "Ghi chú"}, old)
    with pytest.raises(Conflict) as stale:               # the same form sent again
        case_files.edit_file(db.session, who("chuyenvien.vh"), cf.id, {"title": "Khác"}, old)
    assert "tải lại trang" in stale.value.message.vi
    db.session.expire_all()
    assert db.session.get(CaseFile, cf.id).title == "Hồ sơ đã đổi tên"
    with pytest.raises(InvalidInput):
        case_files.edit_file(db.session, who("chuyenvien.vh"), cf.id, {"title": ""},
                             db.session.get(CaseFile, cf.id).version)
    doc = register()
    add("chuyenvien.vh", cf, doc)
    close("chuyenvien.vh", cf)
    with pytest.raises(Conflict) as closed:
        add("chuyenvien.vh", cf, register())
    assert "mở lại" in closed.value.message.vi
    version = db.session.get(CaseFile, cf.id).version
    with pytest.raises(PermissionDenied):                # not the creator, not the archive
        case_files.reopen_file(db.session, who("truongphong.vh"), cf.id, version)
    reopened = case_files.reopen_file(db.session, who("luutru"), cf.id, version, "Bổ sung")
    assert reopened.status == "open" and reopened.transfer_due is None
    assert reopened.retain_until == date(2036, 12, 31)   # retain-until never shrinks here
    with pytest.raises(Conflict):
        case_files.reopen_file(db.session, who("chuyenvien.vh"), cf.id, reopened.version)
    assert audit_actions(cf)[-2:] == ["casefile_close", "casefile_reopen"]


@pytest.mark.parametrize("status", ["transferred", "disposed"])
@pytest.mark.parametrize("username", ["chuyenvien.vh", "quantri"])
def test_a_frozen_file_refuses_every_change_even_for_the_admin(app, status, username):
    cf = open_file()
    inside, outside = register(), register()
    add("chuyenvien.vh", cf, inside)
    close("chuyenvien.vh", cf)
    frozen = db.session.get(CaseFile, cf.id)
    frozen.status = status                               # the transfer itself is H3's
    db.session.commit()
    version, actor = frozen.version, who(username)
    attempts = {
        "add": lambda: case_files.add_document(db.session, actor, cf.id, outside.id, version),
        "remove": lambda: case_files.remove_document(db.session, actor, cf.id, inside.id,
                                                     version),
        "edit": lambda: case_files.edit_file(db.session, actor, cf.id, {"title": "Sửa"},
                                             version),
        "close": lambda: case_files.close_file(db.session, actor, cf.id,
                                               {"retention_checked": "1"}, version),
        "reopen": lambda: case_files.reopen_file(db.session, actor, cf.id, version),
    }
    for name, attempt in attempts.items():
        with pytest.raises(Conflict) as refused:
            attempt()
        assert "kể cả quản trị" in refused.value.message.vi, name
    db.session.expire_all()
    after = db.session.get(CaseFile, cf.id)
    assert (after.status, after.version, after.title) == (status, version, frozen.title)
    assert ordinals(cf) == [(1, inside.id)]
    assert audit_actions(cf)[-1] == "casefile_close"


# --- lists --------------------------------------------------------------------------------

def test_lists_of_files_by_scope_year_status_and_page(app):
    mine = [open_file() for _ in range(3)]
    colleague = open_file("truongphong.vh")
    other_unit = open_file("chuyenvien.dl")
    next_year = open_file(start_date="2027-02-01")
    add("chuyenvien.vh", mine[0], register())
    close("chuyenvien.vh", mine[0])

    def ids(username, **q):
        items, total = case_files.list_files(db.session, who(username),
                                             case_files.FileQuery(**q))
        return [f.id for f in items], total

    assert set(ids("chuyenvien.vh")[0]) == {f.id for f in mine} | {next_year.id}
    assert set(ids("chuyenvien.vh", scope="department")[0]) == \
        {f.id for f in mine} | {next_year.id, colleague.id}
    assert other_unit.id not in ids("chuyenvien.vh", scope="all")[0]
    assert other_unit.id in ids("luutru", scope="all")[0]
    assert ids("chuyenvien.vh", status="closed")[0] == [mine[0].id]
    assert ids("chuyenvien.vh", year=2027)[0] == [next_year.id]
    page1, total = ids("chuyenvien.vh", per_page=2)
    page2, _ = ids("chuyenvien.vh", per_page=2, page=2)
    assert total == 4 and len(page1) == 2 and not set(page1) & set(page2)
    assert ids("chuyenvien.vh", q=mine[1].code)[0] == [mine[1].id]


def test_every_change_is_audited_in_the_chain(app):
    cf = open_file()
    doc = register()
    add("chuyenvien.vh", cf, doc)
    case_files.remove_document(db.session, who("chuyenvien.vh"), cf.id, doc.id)
    assert audit_actions(cf) == ["casefile_open", "casefile_add", "casefile_remove"]
    from archive.audit import verify_chain
    assert verify_chain(db.session).ok
    assert db.session.scalar(select(func.count(AuditEntry.seq)).where(
        AuditEntry.object_type == "case_file")) == 3
