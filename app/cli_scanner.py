"""``flask scanner``: the scanner-intake watcher as a command (production service).

``flask scanner watch`` polls the register folders every ``SCAN_POLL_SECONDS``
(10 s when 0) and, with ``REDIS_URL`` set, puts the OCR of each new intake on
the RQ queue (``rq worker`` runs it); without Redis it OCRs them itself.
``flask scanner poll --once`` makes one pass and OCRs the pending intakes
synchronously, whatever the mode. ``flask scanner folders`` prints the layout.
"""
from __future__ import annotations

import time

import click
from flask import Flask


def _echo(report) -> None:
    poll = report.poll
    click.echo(f"Tệp mới: {len(poll.created)}, bị từ chối: {len(poll.failed)}, "
               f"khôi phục: {poll.recovered}, trùng: {poll.duplicates}, "
               f"đang ghi dở: {poll.waiting}, thư mục bận: {poll.busy}")
    if report.processed:
        click.echo("Đã nhận dạng: " + ", ".join(f"#{k} {v}" for k, v in report.processed.items()))
    if report.enqueued:
        click.echo("Đã xếp hàng: " + ", ".join(f"#{k}" for k in report.enqueued))
    for name in poll.unknown:
        click.echo(f"Thư mục “{name}” không ứng với sổ văn bản đến nào: bỏ qua.", err=True)
    for line in poll.errors:
        click.echo(f"Lỗi: {line}", err=True)


def register(app: Flask) -> None:
    from app.scanner import worker

    group = click.Group("scanner", help="Scanner intake: watched folders, OCR, suggestions.")
    app.cli.add_command(group)

    @group.command("poll")
    @click.option("--once", is_flag=True,
                  help="One pass (the only mode of this command; `watch` loops).")
    def scanner_poll(once):
        """One pass over the folders, then OCR of every pending intake."""
        _echo(worker.run_pass(app, synchronous=True))

    @group.command("watch")
    def scanner_watch():
        """Poll forever (production service); OCR on RQ when REDIS_URL is set."""
        seconds = float(app.config.get("SCAN_POLL_SECONDS") or 0) or 10.0
        state = worker.FolderState()
        click.echo(f"Theo dõi {worker.scan_dir(app)} mỗi {seconds:g} giây")
        while True:
            report = worker.run_pass(app, state=state)
            if report.poll.created or report.poll.failed or report.poll.errors \
                    or report.processed:
                _echo(report)
            time.sleep(seconds)

    @group.command("folders")
    def scanner_folders():
        """Create and print the watched folder of this year's incoming registers."""
        click.echo(f"{worker.scan_dir(app)}/<mã sổ>/ (.processing/, done/, failed/)")
        for register_id, name, path in worker.ensure_folders(app):
            click.echo(f"  {path}  ← {name} (#{register_id})")
