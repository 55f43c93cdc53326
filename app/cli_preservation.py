"""``flask preservation``: PDF/A copies, integrity runs, backup and restore.

    flask preservation pdfa                 queue the PDFs of every archived file that has
                                            no copy yet, then make the pending copies here
    flask preservation pdfa --pending       only make the copies already pending
    flask preservation pdfa --retry-failed  failed copies back to pending first
    flask preservation pdfa --enqueue       production: put them on the RQ queue instead
    flask preservation status               copies per status, the latest failures
    flask preservation integrity            an integrity run here; exit 1 when problems
    flask preservation backup DEST          a backup set (database, blobs, manifest)
    flask preservation restore SRC [--force]
"""
from __future__ import annotations

import sys

import click
from flask import Flask

from app import wiring
from app.extensions import db

BACKUP_HELP = """Write a backup set into DEST (a new or empty folder): the database
(SQLite: a copy through SQLite's backup API; PostgreSQL: pg_dump -Fc of the app
database, needs the postgresql-client package), the blob store, and
manifest-sha256.txt with the SHA-256 of every file (check a copy anywhere with
`cd DEST && sha256sum -c manifest-sha256.txt`).

Circular 02/2019/TT-BNV (DOMAIN §4.1) asks for at least TWO backup sets, each on
an independent storage medium (e.g. a NAS in another room and removable disks
kept off-site, rotated): run this command for each set, or copy DEST to the
second medium and verify it there with sha256sum. A database holding state
secrets must never be backed up to a device connected to a network.

The app may keep running: the database is copied first, then the blobs
(written once, never changed). Exit code 1 when a blob does not match its
SHA-256 (it is copied as it is: run `flask preservation integrity`)."""

RESTORE_HELP = """Restore the backup set SRC into this installation's database and blob
store (stop the web process and workers first). The whole set is verified against
its manifest before anything is touched; a damaged set is refused. A target that
holds data is refused unless --force: then the old SQLite file and blob folder are
moved aside (*.before-restore-<time>), a PostgreSQL schema is emptied. Afterwards:
`flask db upgrade` (when the set is older than the code), `flask search reindex`,
and `flask preservation integrity`."""

INTEGRITY_HELP = """Run an integrity check now, in this process, and print its report:
every blob's SHA-256 and size recomputed (streamed), missing and orphaned blobs,
the signatures of signed PDFs validated again. Exit code 1 when there is a problem.

Run it periodically, e.g. weekly from cron:
  0 2 * * 0  cd /srv/eoffice && .venv/bin/flask --app wsgi preservation integrity
or a systemd timer (OnCalendar=weekly) running the same command. The archivist
also starts runs from the /preservation page."""


def register(app: Flask) -> None:
    group = click.Group("preservation", help="Preservation: integrity checks, PDF/A copies, "
                                             "backup and restore.")
    app.cli.add_command(group)
    group.add_command(_pdfa(app))
    group.add_command(_status())
    group.add_command(_integrity())
    group.add_command(_backup(app))
    group.add_command(_restore(app))


def _fail(message: str, code: int = 1):
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(code)


def _pdfa(app: Flask) -> click.Command:
    @click.command("pdfa")
    @click.option("--pending", is_flag=True, help="Only the copies already pending.")
    @click.option("--retry-failed", is_flag=True, help="Failed copies back to pending first.")
    @click.option("--enqueue", is_flag=True, help="Put them on the RQ queue (production).")
    @click.option("--limit", type=int, default=None, help="At most this many.")
    def pdfa(pending, retry_failed, enqueue, limit):
        """PDF/A copies of the PDFs of archived (transferred) files."""
        from app.preservation import jobs as pjobs
        from workflows import preservation
        if enqueue and not app.config.get("REDIS_URL"):
            _fail("--enqueue cần REDIS_URL (hàng đợi RQ).", 2)
        queued = [] if pending else preservation.queue_archived(db.session)
        again = preservation.retry_failed(db.session) if retry_failed else []
        db.session.commit()
        click.echo(f"Thêm mới {len(queued)}, đặt lại {len(again)} bản PDF/A cần tạo.")
        if enqueue:
            digests = preservation.ripe_digests(db.session, pjobs.settings(app), limit)
            db.session.rollback()
            pjobs.copies_enqueuer(app)(digests)
            click.echo(f"Đã xếp hàng {len(digests)} bản.")
            return
        outcomes = pjobs.run_pending(app, limit, progress=lambda o: click.echo(
            f"  {o.sha256[:16]}  {o.status}" + (f" ({o.method})" if o.method else "")
            + (f": {o.error}" if o.error else "")))
        counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("done", "failed")}
        click.echo(f"Xong: {counts['done']}, lỗi: {counts['failed']}, "
                   f"chờ thử lại: {sum(1 for o in outcomes if o.status == 'retry')}")
        if counts["failed"]:
            sys.exit(1)
    return pdfa


def _status() -> click.Command:
    @click.command("status")
    @click.option("--limit", default=20, show_default=True, help="Failed copies to list.")
    def status(limit):
        """PDF/A copies per status, and the latest failures with their reason."""
        from workflows import preservation
        counts = preservation.status_counts(db.session)
        for key, label in (("pending", "chờ xử lý"), ("running", "đang chạy"),
                           ("done", "xong"), ("failed", "lỗi")):
            click.echo(f"{label:<11} ({key:<7}): {counts.get(key, 0)}")
        for row in preservation.failed_copies(db.session, limit):
            click.echo(f"  {row.sha256}  lần {row.attempts}: {row.error or ''}")
        db.session.rollback()
    return status


def _integrity() -> click.Command:
    @click.command("integrity", help=INTEGRITY_HELP)
    @click.option("--no-signatures", is_flag=True, help="Skip re-validating signatures.")
    def integrity_cmd(no_signatures):
        from archive.errors import ArchiveError
        from workflows import integrity
        validate = None if no_signatures else wiring.signature_validator()
        try:
            run = integrity.run_now(db.session, wiring.storage(), None, validate)
        except ArchiveError as exc:
            db.session.rollback()
            _fail(exc.message.vi)
        click.echo(f"Lượt kiểm tra #{run.id}: {run.status}; {run.done}/{run.total} mục, "
                   f"{run.bytes_checked} byte, {run.signatures_checked} chữ ký.")
        problems = run.problems or []
        for p in problems:
            click.echo(f"  [{p['kind']}] {p['sha256']}  {p['detail']}")
        click.echo("Không phát hiện vấn đề." if not problems else f"{len(problems)} vấn đề.")
        if problems or run.status != "done":
            sys.exit(1)
    return integrity_cmd


def _backup(app: Flask) -> click.Command:
    @click.command("backup", help=BACKUP_HELP)
    @click.argument("dest", type=click.Path(file_okay=False))
    def backup_cmd(dest):
        from archive.backup import BackupError, backup
        db.session.remove()
        try:
            report = backup(app.config["SQLALCHEMY_DATABASE_URI"], wiring.storage().root, dest)
        except BackupError as exc:
            _fail(exc.message.vi)
        click.echo(f"Đã sao lưu vào {report.path}: cơ sở dữ liệu ({report.dialect}), "
                   f"{report.files} tệp, {report.bytes} byte; kiểm tra: "
                   f"cd {report.path} && sha256sum -c manifest-sha256.txt")
        click.echo("Nhớ: giữ ít nhất hai bộ sao lưu trên hai phương tiện độc lập.")
        if report.damaged:
            click.echo(f"CẢNH BÁO: {len(report.damaged)} tệp không khớp SHA-256 của nó: "
                       + ", ".join(report.damaged[:5]), err=True)
            sys.exit(1)
    return backup_cmd


def _restore(app: Flask) -> click.Command:
    @click.command("restore", help=RESTORE_HELP)
    @click.argument("src", type=click.Path(exists=True, file_okay=False))
    @click.option("--force", is_flag=True, help="Replace data already in the target.")
    def restore_cmd(src, force):
        from archive.backup import BackupError, restore
        db.session.remove()
        db.engine.dispose()
        try:
            report = restore(src, app.config["SQLALCHEMY_DATABASE_URI"], wiring.storage().root,
                             force=force)
        except BackupError as exc:
            _fail(exc.message.vi)
        finally:
            db.engine.dispose()
        click.echo(f"Đã khôi phục cơ sở dữ liệu ({report.dialect}) và {report.blobs} tệp "
                   f"({report.bytes} byte); bản sao lưu đã được kiểm tra theo manifest.")
        for path in report.moved_aside:
            click.echo(f"  dữ liệu cũ giữ tại {path}")
        click.echo("Tiếp theo: flask db upgrade (nếu cần), flask search reindex, "
                   "flask preservation integrity.")
    return restore_cmd
