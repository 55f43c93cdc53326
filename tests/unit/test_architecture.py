"""The layering of DESIGN.md, checked on every run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    """workflows/, signing/, archive/, exchange/ never import Flask or app."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Domain packages never import the web layer KEPT" in result.stdout


def test_bpmn_folder_holds_diagrams_only():
    assert not list((ROOT / "bpmn").rglob("*.py"))


def test_only_config_reads_the_environment():
    offenders = []
    for folder in ("app", "workflows", "archive", "signing", "exchange"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "os.getenv" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], offenders
