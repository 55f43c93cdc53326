"""Case file (hồ sơ) pages: open, fill, close, export, reports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("casefiles", __name__, url_prefix="/files")
