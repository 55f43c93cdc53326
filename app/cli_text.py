"""``flask text``: text extraction and OCR of the stored PDFs.

    flask text status                 counts per status (and the failed ones)
    flask text rerun --failed         every failed extraction back to pending
    flask text rerun SHA256           one extraction back to pending
    flask text run-pending            run every pending (or stuck) one here, now
    flask text run-pending --enqueue  production: put them on the RQ queue instead
"""
from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy import select

from app.extensions import db


def register(app: Flask) -> None:
    group = click.Group("text", help="Text extraction and OCR of stored PDFs.")
    app.cli.add_command(group)

    @group.command("status")
    @click.option("--limit", default=20, show_default=True, help="Failed rows to list.")
    def text_status(limit):
        """Counts per status, and the latest failures with their reason."""
        from archive.models import ExtractedText
        from workflows.extraction import status_counts
        counts = status_counts(db.session)
        labels = {"pending": "chờ xử lý", "running": "đang chạy", "done": "xong",
                  "failed": "lỗi"}
        for status, label in labels.items():
            click.echo(f"{label:<11} ({status:<7}): {counts.get(status, 0)}")
        failed = db.session.scalars(select(ExtractedText).where(
            ExtractedText.status == "failed").order_by(ExtractedText.updated_at.desc())
            .limit(limit)).all()
        for row in failed:
            click.echo(f"  {row.sha256}  lần {row.attempts}: {row.error or ''}")
        db.session.rollback()

    @group.command("rerun")
    @click.option("--failed", "failed", is_flag=True, help="Every failed extraction.")
    @click.argument("sha256", required=False)
    def text_rerun(failed, sha256):
        """Put a failed (or the given) extraction back to pending."""
        from archive.errors import ArchiveError
        from workflows.extraction import rerun
        if bool(failed) == bool(sha256):
            click.echo("Lỗi: cho biết --failed hoặc một mã SHA-256.", err=True)
            sys.exit(2)
        # On the embedded default this process does not stay to run them: the web
        # process's extraction thread (or `flask text run-pending`) does.
        on_rq = bool(app.config.get("REDIS_URL"))
        try:
            digests = rerun(db.session, sha256.strip().lower() if sha256 else None,
                            enqueue=on_rq)
            db.session.commit()
        except ArchiveError as exc:
            db.session.rollback()
            click.echo(f"Lỗi: {exc.message.vi}", err=True)
            sys.exit(1)
        click.echo(f"Đã đặt lại {len(digests)} bản trích xuất về trạng thái chờ xử lý"
                   + (" (đã xếp hàng)." if on_rq else
                      "; chạy `flask text run-pending` hoặc để tiến trình web xử lý."))

    @group.command("run-pending")
    @click.option("--enqueue", is_flag=True, help="Put them on the RQ queue (production).")
    @click.option("--limit", type=int, default=None, help="At most this many.")
    def text_run_pending(enqueue, limit):
        """Run every pending (or stuck) extraction in this process, with a progress bar."""
        from app.jobs import extraction_enqueuer, run_text, text_settings
        from workflows.extraction import pending_or_stuck
        digests = pending_or_stuck(db.session, text_settings(app).stuck_after, limit)
        db.session.rollback()
        if enqueue:
            if not app.config.get("REDIS_URL"):
                click.echo("Lỗi: --enqueue cần REDIS_URL (hàng đợi RQ).", err=True)
                sys.exit(2)
            push = extraction_enqueuer(app)
            for digest in digests:
                push(digest)
            click.echo(f"Đã xếp hàng {len(digests)} bản trích xuất.")
            return
        results: dict[str, int] = {}
        with click.progressbar(digests, label="Trích xuất văn bản",
                               item_show_func=lambda d: d[:12] if d else "") as bar:
            for digest in bar:
                outcome = run_text(app, digest)
                results[outcome.status] = results.get(outcome.status, 0) + 1
        click.echo(f"Xong: {results.get('done', 0)}, lỗi: {results.get('failed', 0)}, "
                   f"bỏ qua: {sum(n for s, n in results.items() if s not in ('done', 'failed'))}")
        if results.get("failed"):
            sys.exit(1)
