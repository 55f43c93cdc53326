"""`flask records ...` commands (see README)."""
from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    group = click.Group("records", help="Agency archive: due dates, reminders.")
    app.cli.add_command(group)
