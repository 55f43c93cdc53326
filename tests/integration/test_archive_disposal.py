"""Retention changes, legal holds and disposal (SQLite and PostgreSQL).

Retain-until grows freely but shrinks only under a recorded decision; nothing
is destroyed without an appraisal decision, nothing under a hold (whoever
asks, administrators included); after destruction the metadata, the items and
the decision remain, and bytes another live file holds are kept.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive import audit, directory
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.filing_models import (FILE_DISPOSED, FILE_OPEN, CaseFile, CaseFileItem,
                                   DisposalDecision)
from archive.identity import Actor
from archive.models import Document, DocumentFile
from tests.archive_support import TODAY, make_file, register, staff_id, transfer, who
from tests.conftest import unique_pdf
from workflows import disposal, retention


def expired(*docs, **kw):
    """A transferred file kept 5 years whose work ended in 2019 (kept until 31/12/2024)."""
    cf = make_file(*docs, end_date=date(2019, 6, 1), years=5, year=2019, **kw)
    transfer(cf)
    db.session.refresh(cf)
    return cf


def decide(*files, reference="QĐ 15/QĐ-SVHTTDL", by="luutru", approver="giamdoc"):
    return disposal.create_decision(
        db.session, who(by), reference=reference, approver_id=staff_id(approver),
        decided_on=TODAY, reason="Hội đồng xác định tài liệu hết giá trị",
        file_ids=[f.id for f in files], today=TODAY)


def execute(decision, by="luutru", actor=None):
    return disposal.execute_decision(db.session, actor or who(by), wiring.storage(),
                                     decision.id, today=TODAY)


# --- retention ------------------------------------------------------------------------

def test_retain_until_is_extended_freely_but_shortened_only_with_a_recorded_decision(app):
    cf = make_file(register())                       # 10 years: kept until 31/12/2035
    assert cf.retain_until == date(2035, 12, 31)
    change = retention.change_retention(db.session, who("luutru"), cf.id,
                                        until=date(2040, 12, 31), reason="Giá trị tham khảo",
                                        version=cf.version)
    assert (change.old_until, change.new_until, change.decision_ref) == \
        (date(2035, 12, 31), date(2040, 12, 31), None)
    db.session.refresh(cf)
    for actor, kwargs, error in [
        (who("luutru"), {}, InvalidInput),                         # no decision given
        (who("quantri"), {"decision_ref": "QĐ 9/QĐ"}, PermissionDenied),   # admin: never
        (who("chuyenvien.vh"), {"decision_ref": "QĐ 9/QĐ"}, PermissionDenied),
    ]:
        with pytest.raises(error):
            retention.change_retention(db.session, actor, cf.id, until=date(2036, 12, 31),
                                       reason="Rút ngắn", **kwargs)
        db.session.rollback()
    with pytest.raises(PermissionDenied):              # extending is the archivist's
        retention.change_retention(db.session, who("quantri"), cf.id, years=20,
                                   reason="Kéo dài")
    db.session.rollback()
    assert db.session.get(CaseFile, cf.id).retain_until == date(2040, 12, 31)
    with pytest.raises(Conflict):                      # a stale form
        retention.change_retention(db.session, who("giamdoc"), cf.id, years=5,
                                   reason="Rút ngắn", decision_ref="QĐ 9/QĐ", version=1)
    short = retention.change_retention(db.session, who("giamdoc"), cf.id, years=5,
                                       reason="Theo quyết định của Giám đốc",
                                       decision_ref="QĐ 9/QĐ-SVHTTDL")
    db.session.refresh(cf)
    assert (cf.retention_years, cf.retain_until) == (5, date(2030, 12, 31))
    assert (short.old_years, short.new_years, short.decision_ref) == \
        (10, 5, "QĐ 9/QĐ-SVHTTDL")
    assert short.decided_by_id == staff_id("giamdoc")
    actions = [e.action for e in audit_entries(cf)]
    assert actions == ["retention_extend", "retention_shorten"]


def audit_entries(cf):
    from archive.models import AuditEntry
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "case_file", AuditEntry.object_id == str(cf.id),
        AuditEntry.action.like("retention%")).order_by(AuditEntry.seq)).all()


def test_permanent_to_fixed_is_a_shortening(app):
    cf = make_file(register(), years=None)
    with pytest.raises(InvalidInput):
        retention.change_retention(db.session, who("luutru"), cf.id, years=50,
                                   reason="Đánh giá lại")
    db.session.rollback()
    assert db.session.get(CaseFile, cf.id).retention_years is None
    retention.change_retention(db.session, who("luutru"), cf.id, years=50,
                               reason="Đánh giá lại", decision_ref="QĐ 3/QĐ-HĐXĐGTTL")
    assert db.session.get(CaseFile, cf.id).retain_until == date(2075, 12, 31)
    with pytest.raises(InvalidInput):                  # nothing changes
        retention.change_retention(db.session, who("luutru"), cf.id, years=50, reason="x")


def test_holds_need_a_role_a_reason_and_are_not_doubled(app):
    cf = make_file(register())
    with pytest.raises(PermissionDenied):
        retention.place_hold(db.session, who("quantri"), cf.id, "Thanh tra")
    with pytest.raises(InvalidInput):
        retention.place_hold(db.session, who("luutru"), cf.id, "  ")
    hold = retention.place_hold(db.session, who("luutru"), cf.id, "Thanh tra tỉnh")
    with pytest.raises(Conflict):
        retention.place_hold(db.session, who("giamdoc"), cf.id, "thanh tra tỉnh")
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        retention.release_hold(db.session, who("chuyenvien.vh"), hold.id, "Xong")
    retention.release_hold(db.session, who("giamdoc"), hold.id, "Kết thúc thanh tra")
    with pytest.raises(Conflict):
        retention.release_hold(db.session, who("luutru"), hold.id, "Lần nữa")
    db.session.rollback()
    assert retention.holds_of(db.session, cf, in_force_only=True) == []


# --- disposal ------------------------------------------------------------------------------

def test_the_eligibility_list_never_destroys_anything(app):
    old = expired(register())
    make_file(register(), end_date=date(2019, 6, 1), years=None, year=2019)   # permanent
    make_file(register())                                                     # still kept
    make_file(register(), status=FILE_OPEN)
    held = expired(register())
    retention.place_hold(db.session, who("luutru"), held.id, "Vụ án đang giải quyết")
    listed = disposal.eligible_files(db.session, who("luutru"), TODAY)
    assert [e.case_file.id for e in listed] == [old.id]
    assert db.session.get(CaseFile, old.id).status == "transferred"
    with pytest.raises(PermissionDenied):
        disposal.eligible_files(db.session, who("chuyenvien.vh"), TODAY)


def test_disposal_is_impossible_without_a_valid_decision(app):
    cf = expired(register())
    kept = make_file(register())
    with pytest.raises(PermissionDenied):                  # the admin cannot decide
        decide(cf, by="quantri")
    with pytest.raises(InvalidInput):                      # the approver must be a leader
        decide(cf, approver="chanhvanphong")
    with pytest.raises(InvalidInput):                      # a file still within its period
        decide(cf, kept)
    db.session.rollback()
    assert db.session.scalar(select(DisposalDecision.id)) is None
    decision = decide(cf)
    with pytest.raises(Conflict):                          # the same decision twice
        decide(cf)
    with pytest.raises(Conflict):                          # a file in two pending decisions
        decide(cf, reference="QĐ 16/QĐ-SVHTTDL")
    db.session.rollback()
    assert db.session.get(CaseFile, cf.id).status == "transferred"   # deciding destroys nothing
    with pytest.raises(NotFound):
        disposal.execute_decision(db.session, who("luutru"), wiring.storage(), 9999)
    with pytest.raises(PermissionDenied):
        execute(decision, by="quantri")
    db.session.rollback()
    assert db.session.get(CaseFile, cf.id).status == "transferred"


def test_a_hold_blocks_disposal_even_for_an_administrator(app):
    doc = register()
    cf = expired(doc)
    decision = decide(cf)
    hold = retention.place_hold(db.session, who("giamdoc"), cf.id, "Yêu cầu của Thanh tra")
    admin = directory.find_staff(db.session, "quantri")
    admin_archivist = Actor(admin.id, admin.username, admin.organization_id,
                            admin.department_id, frozenset({"admin", "archivist"}),
                            admin.full_name)
    for actor in (who("luutru"), admin_archivist):
        with pytest.raises(Conflict) as refused:
            execute(decision, actor=actor)
        assert "lệnh giữ" in refused.value.message.vi
    db.session.expire_all()
    assert db.session.get(CaseFile, cf.id).status == "transferred"
    assert db.session.get(DisposalDecision, decision.id).executed_at is None
    digest = doc.files[0].sha256
    assert wiring.storage().exists(digest)
    retention.release_hold(db.session, who("giamdoc"), hold.id, "Thanh tra kết thúc")
    done = execute(decision)
    assert [f.id for f in done.files] == [cf.id] and not wiring.storage().exists(digest)


def test_after_destruction_metadata_items_and_decision_remain(app):
    storage = wiring.storage()
    only_here = register("Văn bản chỉ có trong hồ sơ hết hạn")
    shared = register("Văn bản có cả trong hồ sơ còn hạn")
    same_bytes = unique_pdf()
    copy_a = register("Bản đến lần thứ nhất", data=same_bytes)
    copy_b = register("Bản đến lần thứ hai (cùng tệp)", data=same_bytes)
    cf = expired(only_here, shared, copy_a)
    live = make_file(shared)                            # a file still kept holds it too
    make_file(copy_b)                                   # same bytes, another live document
    decision = decide(cf)
    gone = [f.sha256 for f in only_here.files]
    done = execute(decision)
    db.session.expire_all()
    cf = db.session.get(CaseFile, cf.id)
    assert cf.status == FILE_DISPOSED and cf.disposal_decision_id == decision.id
    assert cf.disposed_at is not None and cf.frozen
    assert [i.document_id for i in cf.items] == [only_here.id, shared.id, copy_a.id]
    assert db.session.get(Document, only_here.id).subject == \
        "Văn bản chỉ có trong hồ sơ hết hạn"                     # metadata stays
    assert sorted(done.destroyed_documents) == sorted([only_here.id, copy_a.id])
    assert done.kept_documents == [shared.id]
    assert all(not storage.exists(d) for d in gone)
    assert all(f.destroyed_at is not None for f in db.session.get(Document, only_here.id).files)
    shared_files = db.session.get(Document, shared.id).files
    assert all(f.destroyed_at is None and storage.exists(f.sha256) for f in shared_files)
    copy_a_files = db.session.get(Document, copy_a.id).files
    assert copy_a_files[0].destroyed_at is not None            # destroyed for copy_a ...
    assert storage.exists(copy_a_files[0].sha256)      # ... but copy_b still holds the bytes
    decision = db.session.get(DisposalDecision, decision.id)
    assert decision.executed_by_id == staff_id("luutru") and decision.file_ids == [cf.id]
    assert db.session.get(CaseFile, live.id).status == "closed"
    with pytest.raises(Conflict):                               # executed once only
        execute(decision)
    db.session.rollback()
    with pytest.raises(Conflict):                               # a disposed file is frozen
        retention.place_hold(db.session, who("luutru"), cf.id, "Quá muộn")
    assert audit.verify_chain(db.session).ok
    assert db.session.scalar(select(DocumentFile.id).where(
        DocumentFile.document_id == only_here.id)) is not None
    assert db.session.scalar(select(CaseFileItem.id).where(
        CaseFileItem.case_file_id == cf.id)) is not None
