"""Uploads kept aside while the clerk corrects a form or confirms a duplicate.

On a slow provincial link re-sending a 20 MB scan because a date was wrong is
not acceptable; the files of a refused form wait here under a random token
bound to the person, for a day at most. Nothing here is a registered
document: staged files are inspected again when the form is resubmitted.
"""
from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

MAX_AGE_SECONDS = 24 * 3600


class UploadStaging:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _dir(self, token: str) -> Path | None:
        if not token or not token.isalnum() or len(token) > 64:
            return None
        return self.root / token

    def save(self, uploads, staff_id: int | None) -> str | None:
        """Keep ``uploads`` (objects with name, data, role); return the token."""
        if not uploads:
            return None
        self.purge_old()
        token = secrets.token_hex(16)
        folder = self.root / token
        folder.mkdir(parents=True)
        manifest = []
        for i, u in enumerate(uploads):
            (folder / f"{i}.bin").write_bytes(u.data)
            manifest.append({"name": u.name, "role": u.role, "file": f"{i}.bin"})
        (folder / "manifest.json").write_text(json.dumps(
            {"staff_id": staff_id, "files": manifest}, ensure_ascii=False))
        return token

    def load(self, token: str, staff_id: int | None) -> list[tuple[str, bytes, str]]:
        """(name, bytes, role) of a staging token that belongs to ``staff_id``."""
        folder = self._dir(token)
        if folder is None or not (folder / "manifest.json").is_file():
            return []
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("staff_id") != staff_id:
            return []
        return [(m["name"], (folder / m["file"]).read_bytes(), m["role"])
                for m in manifest["files"]]

    def discard(self, token: str) -> None:
        folder = self._dir(token)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def purge_old(self) -> None:
        if not self.root.is_dir():
            return
        limit = time.time() - MAX_AGE_SECONDS
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
