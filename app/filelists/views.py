"""Danh mục hồ sơ (annual file list) and the retention catalogue pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("filelists", __name__)
