"""`flask preservation ...` commands (see README)."""
from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    group = click.Group("preservation", help="Preservation: integrity checks, PDF/A copies, backup and restore.")
    app.cli.add_command(group)
