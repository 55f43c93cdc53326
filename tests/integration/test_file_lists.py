"""Danh mục hồ sơ use cases on SQLite and PostgreSQL: create, copy, headings and
entries with their codes, stale forms, duplicates, roles, approval that freezes
the list, ``entries_open_to`` and the demo list."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from archive import directory
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.filing_models import FileList, FileListEntry, RetentionPeriod
from archive.identity import Actor
from archive.models import AuditEntry
from workflows import file_lists as fl

YEAR = 2025


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def period(code: str) -> int:
    return db.session.scalar(select(RetentionPeriod.id).where(RetentionPeriod.code == code))


def staff_id(username: str) -> int:
    return directory.find_staff(db.session, username).id


def version(year: int = YEAR) -> int:
    db.session.expire_all()
    return fl.get_list(db.session, who("vanthu"), year).version


def codes(year: int = YEAR) -> list[tuple[str, str]]:
    page = fl.list_page(db.session, who("vanthu"), year)
    return [(r.title, r.number) for r in page.rows if r.kind == "entry"]


def audits(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.seq)).where(AuditEntry.action == action))


def add_entry(title: str, heading_id=None, retention="10-02", creator="chuyenvien.vh",
              year: int = YEAR, actor: str = "vanthu", **extra):
    return fl.add_entry(db.session, who(actor), year, version(year), {
        "title": title, "heading_id": heading_id or "", "retention_id": period(retention),
        "creator_id": staff_id(creator), **extra})


def build(year: int = YEAR, numbering: str = "heading") -> dict:
    """A draft list: I. Tổ chức cán bộ (TCCB) with sub-heading 1. Tuyển dụng, II. Văn hóa (VH)."""
    clerk = who("vanthu")
    fl.create_list(db.session, clerk, year, numbering)
    tccb = fl.add_heading(db.session, clerk, year, version(year),
                          {"title": "Tổ chức cán bộ", "code_suffix": "tccb"})
    hiring = fl.add_heading(db.session, clerk, year, version(year),
                            {"title": "Tuyển dụng", "parent_id": tccb.id})
    vh = fl.add_heading(db.session, clerk, year, version(year),
                        {"title": "Văn hóa", "code_suffix": "VH"})
    add_entry("Kế hoạch công tác cán bộ", tccb.id, "VV-02", "chanhvanphong", year)
    add_entry("Hồ sơ tuyển dụng viên chức", hiring.id, "70-01", "chanhvanphong", year)
    add_entry("Hồ sơ lễ hội", vh.id, "10-02", "chuyenvien.vh", year)
    add_entry("Công văn trao đổi", vh.id, "05-01", "truongphong.vh", year)
    return {"tccb": tccb.id, "hiring": hiring.id, "vh": vh.id}


def test_a_list_is_created_as_a_draft_once_per_year(app):
    created = fl.create_list(db.session, who("vanthu"), YEAR, "list")
    assert (created.status, created.version, created.numbering) == ("draft", 1, "list")
    assert audits("file_list_create") == 1
    with pytest.raises(Conflict) as err:                # a double click, or another clerk
        fl.create_list(db.session, who("luutru"), YEAR, "heading")
    assert "2025" in err.value.message.vi
    assert db.session.scalar(select(func.count(FileList.id))) == 1
    with pytest.raises(InvalidInput):
        fl.create_list(db.session, who("vanthu"), 1500)
    with pytest.raises(InvalidInput):
        fl.create_list(db.session, who("vanthu"), YEAR + 1, "alphabetical")


def test_headings_and_entries_get_their_numerals_and_codes(app):
    build()
    page = fl.list_page(db.session, who("chuyenvien.dl"), YEAR)      # any staff may read
    assert [(r.kind, r.number, r.title) for r in page.rows] == [
        ("heading", "I", "Tổ chức cán bộ"),
        ("entry", "01.TCCB", "Kế hoạch công tác cán bộ"),
        ("heading", "1", "Tuyển dụng"),
        ("entry", "02.TCCB", "Hồ sơ tuyển dụng viên chức"),
        ("heading", "II", "Văn hóa"),
        ("entry", "01.VH", "Hồ sơ lễ hội"),
        ("entry", "02.VH", "Công văn trao đổi")]
    assert page.rows[3].retention == "70 năm" and page.rows[3].creator == "Trần Văn Chánh"
    assert (page.permanent, page.fixed) == (1, 3)
    assert page.footer.endswith("1 hồ sơ bảo quản vĩnh viễn; 3 hồ sơ bảo quản có thời hạn.")


def test_moving_and_renumbering_keep_codes_unique(app):
    ids = build()
    festival = db.session.scalar(select(FileListEntry).where(FileListEntry.title == "Hồ sơ lễ hội"))
    fl.move_entry(db.session, who("vanthu"), YEAR, version(), festival.id, "down")
    assert codes()[2:] == [("Công văn trao đổi", "01.VH"), ("Hồ sơ lễ hội", "02.VH")]
    fl.move_heading(db.session, who("vanthu"), YEAR, version(), ids["vh"], "up")
    assert [r.number + " " + r.title for r in fl.list_page(db.session, who("vanthu"), YEAR).rows
            if r.kind == "heading"] == ["I Văn hóa", "II Tổ chức cán bộ", "1 Tuyển dụng"]
    fl.set_numbering(db.session, who("vanthu"), YEAR, version(), "list")
    assert [c for _t, c in codes()] == ["01", "02", "03", "04"]
    fl.update_heading(db.session, who("vanthu"), YEAR, version(), ids["vh"],
                      {"title": "Văn hóa, gia đình", "code_suffix": "VHGD"})
    fl.set_numbering(db.session, who("vanthu"), YEAR, version(), "heading")
    assert [c for _t, c in codes()] == ["01.VHGD", "02.VHGD", "01.TCCB", "02.TCCB"]


def test_a_duplicate_code_is_refused_and_changes_nothing(app):
    ids = build()
    before = (version(), codes())
    with pytest.raises(Conflict) as err:
        fl.add_heading(db.session, who("vanthu"), YEAR, version(),
                       {"title": "Tài chính", "code_suffix": "VH"})
    assert "code_suffix" in err.value.fields
    with pytest.raises(Conflict):
        fl.update_heading(db.session, who("vanthu"), YEAR, version(), ids["vh"],
                          {"title": "Văn hóa", "code_suffix": "TCCB"})
    assert (version(), codes()) == before


def test_heading_numbering_needs_codes_and_refusal_changes_nothing(app):
    fl.create_list(db.session, who("vanthu"), YEAR, "list")
    general = fl.add_heading(db.session, who("vanthu"), YEAR, version(), {"title": "Tổng hợp"})
    add_entry("Báo cáo năm", general.id, "VV-02")
    with pytest.raises(InvalidInput) as err:
        fl.set_numbering(db.session, who("vanthu"), YEAR, version(), "heading")
    assert "numbering" in err.value.fields
    assert (fl.get_list(db.session, who("vanthu"), YEAR).numbering, codes()) == \
        ("list", [("Báo cáo năm", "01")])


def test_a_stale_form_is_refused(app):
    ids = build()
    stale = version()
    add_entry("Hồ sơ mới", ids["vh"])                        # someone else saved first
    before = codes()
    with pytest.raises(Conflict):
        fl.add_entry(db.session, who("vanthu"), YEAR, stale, {
            "title": "Bản trùng", "heading_id": ids["vh"], "retention_id": period("10-02"),
            "creator_id": staff_id("vanthu")})
    with pytest.raises(Conflict):
        fl.approve_list(db.session, who("giamdoc"), YEAR, stale)
    with pytest.raises(Conflict):
        fl.delete_entry(db.session, who("vanthu"), YEAR, None, 1)
    assert codes() == before and fl.get_list(db.session, who("vanthu"), YEAR).status == "draft"


def test_bad_entries_are_refused_with_their_field(app):
    ids = build()
    cases = [({"title": ""}, "title"), ({"retention_id": "999999"}, "retention_id"),
             ({"creator_id": ""}, "creator_id"), ({"kind": "secret"}, "kind"),
             ({"heading_id": "999999"}, "heading_id")]
    for change, field in cases:
        values = {"title": "Hồ sơ", "heading_id": ids["vh"], "retention_id": period("10-02"),
                  "creator_id": staff_id("vanthu"), **change}
        with pytest.raises((InvalidInput, NotFound)) as err:
            fl.add_entry(db.session, who("vanthu"), YEAR, version(), values)
        assert field in err.value.fields, field
    assert len(codes()) == 4


def test_only_clerk_office_head_and_archivist_write_the_list(app):
    for username in ("vanthu", "chanhvanphong", "luutru"):
        assert fl.can_edit(who(username))
    fl.create_list(db.session, who("chanhvanphong"), YEAR)
    for username in ("chuyenvien.vh", "truongphong.vh", "giamdoc", "quantri"):
        with pytest.raises(PermissionDenied):
            add_entry("Hồ sơ", actor=username)
        with pytest.raises(PermissionDenied):
            fl.create_list(db.session, who(username), YEAR + 1)
    add_entry("Hồ sơ của lưu trữ", actor="luutru")
    assert codes() == [("Hồ sơ của lưu trữ", "01")]


def test_a_leader_approves_and_the_list_is_frozen(app):
    ids = build()
    for username in ("vanthu", "chanhvanphong", "luutru", "quantri"):
        with pytest.raises(PermissionDenied):
            fl.approve_list(db.session, who(username), YEAR, version())
    approved = fl.approve_list(db.session, who("phogiamdoc"), YEAR, version())
    assert approved.status == "approved" and approved.approved_by_id == staff_id("phogiamdoc")
    assert approved.approved_at is not None and audits("file_list_approve") == 1
    entry_id = db.session.scalar(select(FileListEntry.id).limit(1))
    changes = [
        lambda v: add_entry("Muộn"),
        lambda v: fl.update_entry(db.session, who("vanthu"), YEAR, v, entry_id, {}),
        lambda v: fl.move_entry(db.session, who("vanthu"), YEAR, v, entry_id, "up"),
        lambda v: fl.delete_entry(db.session, who("luutru"), YEAR, v, entry_id),
        lambda v: fl.add_heading(db.session, who("vanthu"), YEAR, v, {"title": "X"}),
        lambda v: fl.delete_heading(db.session, who("vanthu"), YEAR, v, ids["vh"]),
        lambda v: fl.set_numbering(db.session, who("vanthu"), YEAR, v, "list"),
        lambda v: fl.approve_list(db.session, who("giamdoc"), YEAR, v),
    ]
    before = codes()
    for change in changes:
        with pytest.raises(Conflict):
            change(version())
    assert codes() == before


def test_an_empty_list_or_an_entry_without_creator_is_not_approved(app):
    fl.create_list(db.session, who("vanthu"), YEAR)
    with pytest.raises(InvalidInput):
        fl.approve_list(db.session, who("giamdoc"), YEAR, version())
    add_entry("Hồ sơ")
    db.session.execute(FileListEntry.__table__.update().values(creator_id=None))
    db.session.commit()
    with pytest.raises(InvalidInput) as err:
        fl.approve_list(db.session, who("giamdoc"), YEAR, version())
    assert "01" in err.value.message.vi
    assert fl.get_list(db.session, who("vanthu"), YEAR).status == "draft"


def test_delete_rules(app):
    ids = build()
    with pytest.raises(Conflict):                       # still holds files
        fl.delete_heading(db.session, who("vanthu"), YEAR, version(), ids["tccb"])
    for title in ("Hồ sơ lễ hội", "Công văn trao đổi"):
        entry_id = db.session.scalar(select(FileListEntry.id).where(FileListEntry.title == title))
        fl.delete_entry(db.session, who("vanthu"), YEAR, version(), entry_id)
    fl.delete_heading(db.session, who("vanthu"), YEAR, version(), ids["vh"])
    page = fl.list_page(db.session, who("vanthu"), YEAR)
    assert [r.title for r in page.rows if r.kind == "heading"] == ["Tổ chức cán bộ",
                                                                    "Tuyển dụng"]
    assert audits("file_list_entry_delete") == 2 and audits("file_list_heading_delete") == 1


def test_the_next_year_starts_as_a_copy_of_the_previous_list(app):
    build(YEAR)
    leaver = directory.find_staff(db.session, "truongphong.vh")
    leaver.active = False
    db.session.commit()
    copy = fl.create_list(db.session, who("luutru"), YEAR + 1, "heading", copy_previous=True)
    assert copy.status == "draft"
    assert codes(YEAR + 1) == codes(YEAR)
    rows = fl.list_page(db.session, who("luutru"), YEAR + 1).rows
    assert [r.creator for r in rows if r.kind == "entry"] == [
        "Trần Văn Chánh", "Trần Văn Chánh", "Đỗ Thị Lan", "Phòng Quản lý Văn hóa"]
    # The copy is independent: changing it leaves the earlier list alone.
    add_entry("Hồ sơ năm mới", rows[-1].obj.heading_id, year=YEAR + 1)
    assert len(codes(YEAR)) == 4 and len(codes(YEAR + 1)) == 5
    with pytest.raises(InvalidInput) as err:
        fl.create_list(db.session, who("luutru"), 2000, copy_previous=True)
    assert "copy_previous" in err.value.fields


def test_entries_open_to_every_member_with_their_own_first(app):
    build()
    assert fl.entries_open_to(db.session, who("chuyenvien.vh"), YEAR) == []    # draft
    fl.approve_list(db.session, who("giamdoc"), YEAR, version())
    mine = [e.title for e in fl.entries_open_to(db.session, who("chuyenvien.vh"), YEAR)]
    assert mine == ["Hồ sơ lễ hội", "Kế hoạch công tác cán bộ", "Hồ sơ tuyển dụng viên chức",
                    "Công văn trao đổi"]
    other = [e.code for e in fl.entries_open_to(db.session, who("chuyenvien.dl"), YEAR)]
    assert other == ["01.TCCB", "02.TCCB", "01.VH", "02.VH"]
    assert fl.entries_open_to(db.session, who("chuyenvien.vh"), YEAR + 1) == []
    # Another agency sees none of them.
    org = directory.create_organization(db.session, Actor.system(), name="Sở Nội vụ",
                                        abbreviation="SNV")
    outsider = directory.create_staff(db.session, Actor.system(org.id), organization_id=org.id,
                                      username="khac", full_name="Người Khác",
                                      password="mat-khau-dai-du-12", roles=["specialist"])
    db.session.commit()
    assert fl.entries_open_to(db.session, Actor.of(outsider), YEAR) == []
    with pytest.raises(NotFound):
        fl.list_page(db.session, Actor.of(outsider), YEAR)


def test_printing_is_audited_and_holds_the_list(app):
    build()
    printed = fl.print_list(db.session, who("chuyenvien.vh"), YEAR, "pdf")
    assert printed.data.startswith(b"%PDF") and printed.filename == "danh-muc-ho-so-2025.pdf"
    assert audits("print") == 1
    with pytest.raises(InvalidInput):
        fl.print_list(db.session, who("chuyenvien.vh"), YEAR, "docx")


def test_the_demo_agency_gets_an_approved_list_once(app):
    from workflows.demo import ensure_demo_file_list
    first = ensure_demo_file_list(db.session, 2026)
    again = ensure_demo_file_list(db.session, 2026)
    assert first.id == again.id and again.status == "approved"
    titles = [(r.number, r.title) for r in fl.list_page(db.session, who("vanthu"), 2026).rows]
    assert ("I", "Tổ chức cán bộ") in titles and ("II", "Văn hóa") in titles
    assert ("01.TCCB", "Kế hoạch, báo cáo công tác tổ chức cán bộ năm 2026") in titles
    assert db.session.scalar(select(func.count(FileList.id))) == 1
    opened = fl.entries_open_to(db.session, who("chuyenvien.vh"), 2026)
    assert opened[0].code == "01.VH" and len(opened) == 11
