"""Shared plumbing of the benchmarks: throw-away databases, sample PDFs, figures.

The benchmarks must never touch a database or data directory somebody else
uses, so every run creates its own (PostgreSQL database with a random suffix,
or a SQLite file) under a fresh temporary directory, sets it up with the same
``flask db upgrade`` + ``flask demo`` an operator runs, and removes it again.
Nothing here imports the app at module level: the registration benchmark
talks to gunicorn over HTTP only.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
RESULTS = BENCH_DIR / "RESULTS.md"
PG_ADMIN_URL = os.environ.get("EOFFICE_BENCH_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "eoffice-demo"

if str(ROOT) not in sys.path:  # let the scripts import archive/workflows/app
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    return f"{os.cpu_count()}-core machine"


# --- throw-away databases ---------------------------------------------------------

def _pg_exec(sql: str) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@dataclass
class Sandbox:
    """A temp data directory plus a database of ``backend``, with its env vars."""

    backend: str
    prefix: str = "eo_bench"
    tmp: Path = field(init=False)
    url: str = field(init=False)
    pg_name: str | None = field(init=False, default=None)

    def __post_init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{self.prefix}-"))
        if self.backend == "postgresql":
            self.pg_name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
            _pg_exec(f'CREATE DATABASE "{self.pg_name}"')
            self.url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{self.pg_name}"
        elif self.backend == "sqlite":
            self.url = f"sqlite:///{self.tmp / 'data' / 'eoffice.db'}"
        else:
            raise ValueError(f"unknown backend {self.backend!r}")
        (self.tmp / "data").mkdir()
        self.secret = secrets.token_hex(16)

    @property
    def data_dir(self) -> Path:
        return self.tmp / "data"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "EOFFICE_ENV"}
        env.update(DATABASE_URL=self.url, EOFFICE_DATA_DIR=str(self.data_dir),
                   SECRET_KEY=self.secret, PYTHONUNBUFFERED="1")
        return env

    def flask(self, *args: str) -> str:
        """Run ``flask --app wsgi ARGS`` in the project with this sandbox's env."""
        proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                              cwd=ROOT, env=self.env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        return proc.stdout

    def setup(self) -> None:
        """Migrate and load the demo agency exactly as an operator would."""
        self.flask("db", "upgrade")
        self.flask("demo")

    def cleanup(self) -> None:
        try:
            if self.pg_name:
                _pg_exec(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- sample files ------------------------------------------------------------------

def make_pdf(pages: int = 1, label: str = "", noise_kb: int = 38) -> bytes:
    """A scan-like PDF: Vietnamese text plus ``noise_kb`` of random pixels per page.

    Random pixels do not compress, so each page weighs about ``noise_kb`` KB
    (like a scanned page) and every PDF is unique (no duplicate warning).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from PIL import Image

    side = int((noise_kb * 1024 / 3) ** 0.5)
    buf = io.BytesIO()
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(buf, pagesize=A4)
    for p in range(pages):
        img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        c.drawString(72, 780, f"Cong van so {label} - trang {p + 1}/{pages}")
        c.drawString(72, 760, uuid.uuid4().hex)
        c.drawImage(ImageReader(img), 72, 300, width=400, height=400)
        c.showPage()
    c.save()
    return buf.getvalue()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes, str]]
              ) -> tuple[bytes, str]:
    """Encode form fields and (field, filename, data, type) files; return body, type."""
    boundary = f"----eoffice-bench-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
                     f"Content-Type: text/plain; charset=utf-8\r\n\r\n".encode() +
                     value.encode() + b"\r\n")
    for name, filename, data, ctype in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode() +
                     data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- figures -------------------------------------------------------------------------

def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 200 samples is the 198th)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def update_results(section: str, header: list[str], rows: list[list[str]],
                   key_columns: int) -> None:
    """Insert or replace ``rows`` in the table of ``section`` in RESULTS.md.

    A row replaces an earlier one when its first ``key_columns`` cells match
    (same date, machine, backend, parameters), so re-running a benchmark on
    the same day updates its figures instead of piling up copies.
    """
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if begin not in text:
        text = text.rstrip("\n") + f"\n\n## {section}\n\n{begin}\n{end}\n"
    before, rest = text.split(begin, 1)
    table, after = rest.split(end, 1)
    existing = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]
    cells = lambda line: [c.strip() for c in line.strip().strip("|").split("|")]  # noqa: E731
    new_keys = {tuple(r[:key_columns]) for r in rows}
    kept = [line for line in existing if tuple(cells(line)[:key_columns]) not in new_keys]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += kept + ["| " + " | ".join(r) + " |" for r in rows]
    RESULTS.write_text(f"{before}{begin}\n" + "\n".join(lines) + f"\n{end}{after}",
                       encoding="utf-8")


def today() -> str:
    return date.today().isoformat()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def loadavg() -> str:
    """1-minute load average: other work on the machine skews every figure."""
    return f"{os.getloadavg()[0]:.1f}"
