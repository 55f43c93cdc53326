"""Preservation pages for the archivist and admins: integrity runs and their reports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("preservation", __name__, url_prefix="/preservation")
