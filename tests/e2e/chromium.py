"""Debian's Chromium as the e2e tests drive it (never a Playwright browser download)."""
from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def available() -> bool:
    return Path(CHROMIUM).exists()
