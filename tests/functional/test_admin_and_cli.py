"""Managing the directory: admin pages and ``flask`` commands."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from archive.models import AuditEntry, Department, Document, Organization, Staff


def test_admin_manages_organisation_departments_and_staff(app, client, browser):
    browser.login("quantri")
    token = browser.token("/admin/")
    org = db.session.scalar(select(Organization))
    bad = client.post("/admin/organization", data={
        "csrf_token": token, "name": org.name, "abbreviation": "SVHTTDL",
        "organ_id": "không hợp lệ"})
    assert bad.status_code == 422 and "Mã định danh chỉ gồm" in bad.get_data(as_text=True)
    ok = client.post("/admin/organization", data={
        "csrf_token": token, "name": org.name, "abbreviation": "SVHTTDL",
        "organ_id": "000.00.21.h98", "parent_name": "UBND TỈNH DEMO", "place_name": "Demo"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).organ_id == "000.00.21.H98"

    dup = client.post("/admin/departments", data={"csrf_token": token, "name": "Phòng khác",
                                                  "abbreviation": "VP"})
    assert dup.status_code == 422 and "đã có" in dup.get_data(as_text=True)
    assert client.post("/admin/departments", data={
        "csrf_token": token, "name": "Thanh tra Sở", "abbreviation": "TTr"}).status_code == 302
    dept = db.session.scalar(select(Department).where(Department.abbreviation == "TTr"))

    resp = client.post("/admin/staff", data={
        "csrf_token": token, "username": "thanhtra", "full_name": "Lâm Thanh Tra",
        "password": "mat-khau-dai", "roles": ["specialist"], "department_id": str(dept.id)})
    assert resp.status_code == 302
    staff = db.session.scalar(select(Staff).where(Staff.username == "thanhtra"))
    assert staff.roles == {"specialist"} and staff.department_id == dept.id
    weak = client.post("/admin/staff", data={"csrf_token": token, "username": "x2",
                                             "full_name": "X", "password": "123",
                                             "roles": ["clerk"]})
    assert weak.status_code == 422 and "ít nhất 8 ký tự" in weak.get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEntry.object_type).where(
        AuditEntry.actor_name == "quantri")))
    assert {"organization", "department", "staff"} <= actions


def test_deactivating_someone_logs_them_out(app, client, browser):
    other = type(browser)(app.test_client())
    other.login("chuyenvien.dl")
    assert other.client.get("/incoming/").status_code == 200
    browser.login("quantri")
    target = db.session.scalar(select(Staff).where(Staff.username == "chuyenvien.dl"))
    resp = client.post(f"/admin/staff/{target.id}", data={
        "csrf_token": browser.token("/admin/"), "position_title": "Chuyên viên",
        "department_id": str(target.department_id), "roles": ["specialist"]})  # active unticked
    assert resp.status_code == 302
    assert other.client.get("/incoming/").status_code == 302  # back to the login page
    assert other.login("chuyenvien.dl").status_code == 401


def test_cli_directory_commands(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["directory", "add-org", "--name", "Sở Nội vụ tỉnh Demo",
                              "--abbreviation", "SNV", "--organ-id", "000.00.22.H99"])
    assert out.exit_code == 0, out.output
    assert runner.invoke(args=["directory", "add-dept", "--org", "SNV", "--name", "Văn phòng",
                               "--abbreviation", "VP"]).exit_code == 0
    out = runner.invoke(args=["directory", "add-staff", "--org", "SNV", "--username",
                              "vanthu.snv", "--full-name", "Văn Thư Nội Vụ", "--role", "clerk",
                              "--dept", "VP", "--password", "mat-khau-dai"])
    assert out.exit_code == 0, out.output
    assert runner.invoke(args=["directory", "set-roles", "vanthu.snv", "clerk",
                               "archivist"]).exit_code == 0
    listing = runner.invoke(args=["directory", "list"]).output
    assert "Sở Nội vụ tỉnh Demo" in listing and "vanthu.snv" in listing
    assert "archivist, clerk" in listing
    bad = runner.invoke(args=["directory", "add-org", "--name", "X", "--abbreviation", "X",
                              "--organ-id", "000.00.22.H99"])
    assert bad.exit_code == 1 and "đã được dùng" in bad.output


def test_demo_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "vanthu" in first.output and "eoffice-demo" in first.output
    docs = db.session.scalar(select(func.count(Document.id)))
    staff = db.session.scalar(select(func.count(Staff.id)))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "thêm 0 văn bản" in second.output
    assert db.session.scalar(select(func.count(Document.id))) == docs == 3
    assert db.session.scalar(select(func.count(Staff.id))) == staff == 10
