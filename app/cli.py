"""``flask`` commands: demo data, audit verification, directory management."""
from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy import select

from app import cli_text, wiring
from app.extensions import db
from archive import audit, directory
from archive.errors import ArchiveError
from archive.identity import Actor
from archive.models import Department, Organization, Staff


def _fail(exc: ArchiveError) -> None:
    db.session.rollback()
    details = "; ".join(f"{k}: {v.vi}" for k, v in exc.fields.items())
    click.echo(f"Lỗi: {exc.message.vi}{' (' + details + ')' if details else ''}", err=True)
    sys.exit(1)


def _org(abbrev_or_id: str) -> Organization:
    org = (db.session.get(Organization, int(abbrev_or_id)) if abbrev_or_id.isdigit() else
           db.session.scalar(select(Organization).where(
               (Organization.abbreviation == abbrev_or_id) |
               (Organization.organ_id == abbrev_or_id))))
    if org is None:
        click.echo(f"Lỗi: không có cơ quan “{abbrev_or_id}”.", err=True)
        sys.exit(1)
    return org


def register(app: Flask) -> None:
    from pathlib import Path

    from sqlalchemy import select

    from archive.models import SigningCredential

    @app.cli.command("demo")
    def demo():
        """Load the demo agency with its logins and a few documents (idempotent)."""
        from workflows.demo import load_demo
        result = load_demo(db.session, wiring.storage(), wiring.limits(),
                           routing=wiring.routing())
        click.echo(f"Cơ quan trình diễn: {result['organization']} "
                   f"(thêm {result['documents_added']} văn bản)")
        click.echo(f"Tài khoản DEMO (mật khẩu “{result['password']}”, mã PIN ký "
                   f"“{result['pin']}”):")
        for username, title in result["logins"]:
            click.echo(f"  {username:<16} {title}")
        _demo_signing(app)

    def _demo_signing(app: Flask) -> None:
        """The demo PKI (untrusted, marked DEMO) and the signing keys of the demo agency."""
        from signing.model import SigningError
        from workflows.demo import build_demo_pki, provision_signing
        folder = Path(app.config["DATA_DIR"]) / "pki"
        try:
            info = build_demo_pki(folder, app.config["DEMO_PKI_PORT"])
            if not db.session.scalar(select(SigningCredential.id).limit(1)):
                provision_signing(db.session, wiring.storage(), info)
        except (OSError, SigningError, ValueError) as exc:
            click.echo(f"Không tạo được PKI trình diễn: {exc}", err=True)
            return
        click.echo(f"PKI trình diễn (KHÔNG dùng thật): {folder}; TSA {info.tsa_url}")

    audit_group = click.Group("audit", help="Audit log tools.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    def audit_verify():
        """Recompute the hash chain; exit 1 if any entry was edited or deleted."""
        report = audit.verify_chain(db.session)
        if report.ok:
            click.echo(f"Nhật ký toàn vẹn: {report.entries} bản ghi, chuỗi băm khớp.")
            return
        click.echo(f"NHẬT KÝ BỊ SỬA ĐỔI ({len(report.problems)} vấn đề):", err=True)
        for problem in report.problems[:50]:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)

    _register_directory_commands(app)
    _register_routing_commands(app)
    cli_text.register(app)  # flask text ...
    from app import cli_search
    cli_search.register(app)
    from app import cli_scanner; cli_scanner.register(app)  # flask scanner ...
    from app import cli_preservation, cli_records
    cli_records.register(app)        # flask records ...
    cli_preservation.register(app)   # flask preservation ...


def _register_routing_commands(app: Flask) -> None:
    jobs_group = click.Group("jobs", help="Background work: the routing clock.")
    app.cli.add_command(jobs_group)

    @jobs_group.command("tick")
    def jobs_tick():
        """Run one pass of the routing clock now, in this process."""
        from app.jobs import run_tick
        report = run_tick(app)
        click.echo(f"Bộ hẹn giờ: {report.timers}, nhắc hạn: {report.reminders}, "
                   f"quá hạn: {report.overdue}, thư đã gửi: {report.mail_sent}, "
                   f"thư lỗi: {report.mail_failed}, "
                   f"nhắc nộp lưu hồ sơ: {report.transfer_reminders}")
        click.echo(f"Liên thông: đã gửi {report.exchange_delivered}, "
                   f"chờ gửi lại {report.exchange_retrying}, thất bại {report.exchange_failed}, "
                   f"trạng thái xử lý {report.exchange_statuses}, "
                   f"nhận từ trục {report.exchange_polled}")
        if report.exchange_poll_error:
            click.echo(f"Trục liên thông: {report.exchange_poll_error}", err=True)

    @jobs_group.command("clock")
    @click.option("--once", is_flag=True, help="One pass, then exit.")
    def jobs_clock(once):
        """Production: enqueue a tick on RQ every ROUTING_CLOCK_SECONDS (embedded: run it)."""
        import time

        from app.jobs import enqueue_tick, run_tick
        seconds = max(1, int(app.config.get("ROUTING_CLOCK_SECONDS") or 30))
        while True:
            if app.config.get("REDIS_URL"):
                job = enqueue_tick(app)
                click.echo(f"Đã xếp hàng công việc {job.id}")
            else:
                run_tick(app)
            if once:
                return
            time.sleep(seconds)

    proc_group = click.Group("processes", help="BPMN process versions.")
    app.cli.add_command(proc_group)

    @proc_group.command("list")
    def proc_list():
        from workflows import processes
        processes.active_definition(db.session, wiring.routing().definitions)
        db.session.commit()
        for row in processes.list_versions(db.session):
            click.echo(f"{row.process_key} v{row.version} {'*' if row.active else ' '} "
                       f"{row.sha256[:12]} {row.source} {row.created_at:%Y-%m-%d %H:%M}")

    @proc_group.command("upload")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--note", default=None)
    def proc_upload(path, note):
        from pathlib import Path

        from workflows import processes
        try:
            row = processes.upload(db.session, wiring.routing().definitions,
                                   Actor.system(), Path(path).read_bytes(), note)
        except ArchiveError as exc:
            _fail(exc)
        click.echo(f"Đã nhận {row.process_key} phiên bản {row.version}")


def _register_directory_commands(app: Flask) -> None:
    group = click.Group("directory", help="Organisations, departments and staff.")
    app.cli.add_command(group)

    @group.command("add-org")
    @click.option("--name", required=True)
    @click.option("--abbreviation", required=True)
    @click.option("--organ-id", default=None, help="Mã định danh (QĐ 20/2020)")
    @click.option("--parent-name", default=None)
    def add_org(name, abbreviation, organ_id, parent_name):
        try:
            directory.seed_document_types(db.session)
            org = directory.create_organization(db.session, Actor.system(), name=name,
                                                abbreviation=abbreviation, organ_id=organ_id,
                                                parent_name=parent_name)
            db.session.commit()
        except ArchiveError as exc:
            _fail(exc)
        click.echo(f"Đã tạo cơ quan #{org.id}: {org.name}")

    @group.command("add-dept")
    @click.option("--org", "org_ref", required=True, help="id, abbreviation or organ id")
    @click.option("--name", required=True)
    @click.option("--abbreviation", required=True)
    def add_dept(org_ref, name, abbreviation):
        org = _org(org_ref)
        try:
            dept = directory.create_department(db.session, Actor.system(org.id),
                                               organization_id=org.id, name=name,
                                               abbreviation=abbreviation)
            db.session.commit()
        except ArchiveError as exc:
            _fail(exc)
        click.echo(f"Đã tạo phòng ban #{dept.id}: {dept.name}")

    @group.command("add-staff")
    @click.option("--org", "org_ref", required=True)
    @click.option("--username", required=True)
    @click.option("--full-name", required=True)
    @click.option("--role", "roles", multiple=True, required=True)
    @click.option("--dept", default=None, help="department abbreviation")
    @click.option("--title", default=None)
    @click.password_option()
    def add_staff(org_ref, username, full_name, roles, dept, title, password):
        org = _org(org_ref)
        dept_id = None
        if dept:
            found = db.session.scalar(select(Department).where(
                Department.organization_id == org.id, Department.abbreviation == dept))
            if found is None:
                click.echo(f"Lỗi: không có phòng ban “{dept}”.", err=True)
                sys.exit(1)
            dept_id = found.id
        try:
            staff = directory.create_staff(db.session, Actor.system(org.id),
                                           organization_id=org.id, username=username,
                                           full_name=full_name, password=password, roles=roles,
                                           department_id=dept_id, position_title=title)
            db.session.commit()
        except ArchiveError as exc:
            _fail(exc)
        click.echo(f"Đã tạo tài khoản #{staff.id}: {staff.username}")

    @group.command("set-roles")
    @click.argument("username")
    @click.argument("roles", nargs=-1, required=True)
    def set_roles(username, roles):
        staff = directory.find_staff(db.session, username)
        if staff is None:
            click.echo(f"Lỗi: không có tài khoản “{username}”.", err=True)
            sys.exit(1)
        try:
            directory.update_staff(db.session, Actor.system(staff.organization_id), staff.id,
                                   roles=roles)
            db.session.commit()
        except ArchiveError as exc:
            _fail(exc)
        click.echo(f"{username}: {', '.join(sorted(roles))}")

    @group.command("list")
    def list_all():
        for org in db.session.scalars(select(Organization).order_by(Organization.id)):
            click.echo(f"#{org.id} {org.name} [{org.abbreviation}] {org.organ_id or ''}")
            for dept in org.departments:
                click.echo(f"    phòng #{dept.id} {dept.name} [{dept.abbreviation}]")
            for s in db.session.scalars(select(Staff).where(Staff.organization_id == org.id)
                                        .order_by(Staff.username)):
                click.echo(f"    {s.username:<16} {s.full_name} ({', '.join(sorted(s.roles))})")
