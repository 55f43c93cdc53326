"""`flask records ...` commands (see README): the agency archive's due list and reminders."""
from __future__ import annotations

from datetime import date, datetime, time

import click
from flask import Flask


def _moment(day: date | None) -> datetime | None:
    """09:00 in Vietnam on ``day`` (the clock's "now" for a given day)."""
    from workflows.current_archive import VN_TZ
    return datetime.combine(day, time(9), tzinfo=VN_TZ) if day else None


def register(app: Flask) -> None:
    group = click.Group("records", help="Agency archive: due dates, reminders.")
    app.cli.add_command(group)
    day = click.DateTime(formats=["%Y-%m-%d"])

    @group.command("remind")
    @click.option("--today", type=day, default=None, help="Run as if on this day (YYYY-MM-DD).")
    def remind(today):
        """Send the 30-day transfer reminders now (the clock does it on every tick)."""
        from app import wiring
        from app.extensions import db
        from archive.db import utcnow
        from workflows.archive_transfer import send_transfer_reminders
        now = _moment(today.date()) if today else utcnow()
        sent = send_transfer_reminders(db.session, now, email=wiring.routing().settings.email)
        click.echo(f"Đã nhắc nộp lưu {sent} hồ sơ.")

    @group.command("due")
    @click.option("--today", type=day, default=None, help="Reference day (YYYY-MM-DD).")
    def due(today):
        """List closed files due for the agency archive, overdue ones first."""
        from app.extensions import db
        from workflows.archive_transfer import due_report
        from workflows.current_archive import vn_today
        ref = today.date() if today else vn_today()
        rows = due_report(db.session, ref)
        for row in rows:
            f = row.case_file
            flag = "QUÁ HẠN" if row.overdue else "        "
            click.echo(f"{flag} {row.due:%d/%m/%Y}  {f.code}/{f.year}  {f.title[:70]}")
        click.echo(f"{len(rows)} hồ sơ đến hạn nộp lưu "
                   f"({sum(1 for r in rows if r.overdue)} quá hạn).")
