"""The retention catalogue on SQLite and PostgreSQL: seeded by migration 0006
with every line marked "to confirm", edited only by the archivist or an
administrator, audited, stale forms refused, a line in use never deleted."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from archive import directory
from archive.errors import Conflict, InvalidInput, PermissionDenied
from archive.filing_models import RetentionPeriod
from archive.identity import Actor
from archive.models import AuditEntry
from archive.retention_seed import RETENTION_SEED
from workflows import file_lists, retention_catalogue as rc

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
NEW_LINE = {"code": "bm-01", "group_name": "Hồ sơ bí mật nhà nước",
            "description": "Tài liệu mật", "years": "", "permanent": "1",
            "legal_basis": "Luật Bảo vệ bí mật nhà nước 2018", "effective_from": "2020-07-01",
            "to_confirm": "1"}


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def line(code: str) -> RetentionPeriod:
    db.session.expire_all()
    return db.session.scalar(select(RetentionPeriod).where(RetentionPeriod.code == code))


def as_form(period: RetentionPeriod, **changes) -> dict:
    values = {"code": period.code, "group_name": period.group_name,
              "description": period.description, "years": period.years or "",
              "permanent": "1" if period.years is None else "",
              "legal_basis": period.legal_basis, "to_confirm": "1" if period.to_confirm else ""}
    values.update(changes)
    return values


def audits(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.seq)).where(AuditEntry.action == action))


def test_the_migration_seeds_the_common_groups_marked_to_confirm(app):
    rows = {p.code: p for p in rc.list_periods(db.session)}
    assert set(rows) == {s.code for s in RETENTION_SEED}
    for seed in RETENTION_SEED:
        got = rows[seed.code]
        assert (got.group_name, got.description, got.years, got.legal_basis, got.to_confirm,
                got.active) == (seed.group_name, seed.description, seed.years, seed.legal_basis,
                                True, True)
        assert "cần đối chiếu văn bản gốc" in got.legal_basis
    levels = {p.years for p in rows.values()}
    assert levels == {None, 70, 50, 20, 10, 5}
    ordered = [p.years for p in rc.list_periods(db.session)]
    assert ordered[0] is None and ordered[-1] == 5           # permanent first, then longest


def test_the_migration_rows_are_the_seed_module_rows():
    spec = importlib.util.spec_from_file_location(
        "m0006", MIGRATIONS / "versions" / "0006_retention_seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ROWS == [(s.code, s.group_name, s.description, s.years, s.legal_basis)
                           for s in RETENTION_SEED]


def test_migration_0006_is_idempotent_and_downgrade_keeps_lines_in_use(app):
    from flask_migrate import downgrade, upgrade
    file_lists.create_list(db.session, who("vanthu"), 2025)
    file_lists.add_entry(db.session, who("vanthu"), 2025, 1, {
        "title": "Hồ sơ", "retention_id": line("10-02").id,
        "creator_id": directory.find_staff(db.session, "vanthu").id})
    edited = line("05-01")
    rc.update_period(db.session, who("luutru"), edited.id,
                     as_form(edited, group_name="Công văn thường", to_confirm=""),
                     rc.stamp_of(edited))
    db.session.remove()
    downgrade(directory=str(MIGRATIONS), revision="0005")
    assert [p.code for p in rc.list_periods(db.session)] == ["10-02"]      # used: kept
    db.session.remove()
    upgrade(directory=str(MIGRATIONS))
    assert len(rc.list_periods(db.session)) == len(RETENTION_SEED)
    assert rc.ensure_seed(db.session) == 0


def test_the_archivist_adds_edits_and_confirms_lines(app):
    created = rc.create_period(db.session, who("luutru"), NEW_LINE)
    assert (created.code, created.years, created.to_confirm) == ("BM-01", None, True)
    assert str(created.effective_from) == "2020-07-01"
    updated = rc.update_period(db.session, who("quantri"), created.id,
                               as_form(created, permanent="", years="30", to_confirm=""),
                               rc.stamp_of(created))
    assert (updated.years, updated.to_confirm) == (30, False)
    assert updated.updated_by_id == directory.find_staff(db.session, "quantri").id
    assert audits("retention_create") == 1 and audits("retention_update") == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention_update"))
    assert entry.details["before"]["years"] is None and entry.details["after"]["years"] == 30


@pytest.mark.parametrize("username", ["vanthu", "chanhvanphong", "giamdoc", "chuyenvien.vh",
                                      "truongphong.vh"])
def test_other_roles_cannot_change_the_catalogue(app, username):
    target = line("05-02")
    with pytest.raises(PermissionDenied):
        rc.create_period(db.session, who(username), NEW_LINE)
    with pytest.raises(PermissionDenied):
        rc.update_period(db.session, who(username), target.id, as_form(target, years="7"),
                         rc.stamp_of(target))
    with pytest.raises(PermissionDenied):
        rc.set_active(db.session, who(username), target.id, False, rc.stamp_of(target))
    with pytest.raises(PermissionDenied):
        rc.delete_period(db.session, who(username), target.id, rc.stamp_of(target))
    assert line("05-02").years == 5 and line("05-02").active


def test_bad_input_duplicates_and_stale_forms_change_nothing(app):
    target = line("05-02")
    stamp = rc.stamp_of(target)
    for change, field in [({"code": ""}, "code"), ({"group_name": ""}, "group_name"),
                          ({"years": "0"}, "years"), ({"years": "abc"}, "years"),
                          ({"years": "101"}, "years"), ({"effective_from": "31/02/2024"},
                                                        "effective_from")]:
        with pytest.raises(InvalidInput) as err:
            rc.update_period(db.session, who("luutru"), target.id, as_form(target, **change),
                             stamp)
        assert field in err.value.fields
    with pytest.raises(Conflict) as err:
        rc.create_period(db.session, who("luutru"), {**NEW_LINE, "code": "vv-01"})
    assert "code" in err.value.fields
    rc.update_period(db.session, who("luutru"), target.id, as_form(target, years="6"), stamp)
    with pytest.raises(Conflict):                    # the same form, sent again
        rc.update_period(db.session, who("luutru"), target.id, as_form(target, years="8"), stamp)
    with pytest.raises(Conflict):
        rc.set_active(db.session, who("luutru"), target.id, False, stamp)
    assert (line("05-02").years, line("05-02").active) == (6, True)


def test_a_line_in_use_is_deactivated_never_deleted(app):
    used = line("10-02")
    file_lists.create_list(db.session, who("vanthu"), 2025)
    file_lists.add_entry(db.session, who("vanthu"), 2025, 1, {
        "title": "Hồ sơ hành chính", "retention_id": used.id,
        "creator_id": directory.find_staff(db.session, "vanthu").id})
    assert rc.is_used(db.session, used.id) and used.id in rc.used_ids(db.session)
    with pytest.raises(Conflict):
        rc.delete_period(db.session, who("quantri"), used.id, rc.stamp_of(line("10-02")))
    with pytest.raises(Conflict) as err:               # its period cannot change under files
        rc.update_period(db.session, who("luutru"), used.id, as_form(line("10-02"), years="3"),
                         rc.stamp_of(line("10-02")))
    assert "years" in err.value.fields
    # Its wording and legal basis can be corrected.
    rc.update_period(db.session, who("luutru"), used.id,
                     as_form(line("10-02"), legal_basis="TT 10/2022/TT-BNV, mục 1", to_confirm=""),
                     rc.stamp_of(line("10-02")))
    rc.set_active(db.session, who("luutru"), used.id, False, rc.stamp_of(line("10-02")))
    assert not line("10-02").active and audits("retention_deactivate") == 1
    assert used.id not in [p.id for p in rc.active_periods(db.session)]
    page = file_lists.list_page(db.session, who("vanthu"), 2025)
    assert page.rows[0].retention == "10 năm" and page.rows[0].retention_inactive
    with pytest.raises(InvalidInput):                  # not offered for new entries
        file_lists.add_entry(db.session, who("vanthu"), 2025, page.file_list.version, {
            "title": "Khác", "retention_id": used.id,
            "creator_id": directory.find_staff(db.session, "vanthu").id})
    rc.set_active(db.session, who("luutru"), used.id, True, rc.stamp_of(line("10-02")))
    assert line("10-02").active


def test_an_unused_line_can_be_deleted(app):
    unused = line("05-05")
    rc.delete_period(db.session, who("luutru"), unused.id, rc.stamp_of(unused))
    assert line("05-05") is None and audits("retention_delete") == 1
