"""Backup and restore of the database and the blob store (DOMAIN §4.1, Appendix A 17).

A backup set is one directory::

    database.sqlite3 | database.pgdump   the database (SQLite backup API, or pg_dump -Fc)
    blobs/ab/cd/<sha256>                 the blob store, file for file
    manifest-sha256.txt                  SHA-256 of every file above (``sha256sum -c`` reads it)
    backup.json                          what the set holds; written last (no file = incomplete)

The database is copied first, then the blobs: blobs are written once and
never changed, so every blob the database copy names is in the set (one
written during the backup may be there too, as a harmless orphan).

``restore`` verifies the whole set against its manifest before it touches
anything, refuses a target that holds data unless ``force`` (then the old
SQLite file and blob folder are moved aside, never deleted; a PostgreSQL
schema is emptied), restores, and verifies the restored blobs again.

Plain Python: the web layer passes the database URL and the blob folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import ArchiveError, Msg
from archive.integrity import CHUNK, stored_digests

__all__ = [
    "INFO",
    "MANIFEST",
    "BackupError",
    "BackupReport",
    "RestoreReport",
    "backup",
    "restore",
    "target_is_empty",
    "verify",
]

MANIFEST = "manifest-sha256.txt"
INFO = "backup.json"
BLOBS = "blobs"
FORMAT = 1
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(ArchiveError):
    code = "backup_failed"


def _error(vi: str, en: str, **extra) -> BackupError:
    return BackupError(Msg(vi, en), **extra)


@dataclass
class BackupReport:
    path: Path
    dialect: str
    files: int = 0
    bytes: int = 0
    damaged: list[str] = field(default_factory=list)   # blobs not matching their name


@dataclass
class RestoreReport:
    dialect: str
    blobs: int = 0
    bytes: int = 0
    moved_aside: list[Path] = field(default_factory=list)


# --- the database ------------------------------------------------------------------------

def _dialect(database_url: str) -> str:
    from sqlalchemy.engine import make_url
    name = make_url(database_url).get_backend_name()
    if name not in DB_FILES:
        raise _error(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại “{name}”.",
                     f"Backing up a '{name}' database is not supported.")
    return name


def _sqlite_path(database_url: str) -> Path:
    from sqlalchemy.engine import make_url
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise _error("Cơ sở dữ liệu SQLite trong bộ nhớ: không có gì để sao lưu.",
                     "An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _conninfo_value(value) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pgpass_field(value) -> str:
    return str(value).replace("\\", "\\\\").replace(":", "\\:")


@contextmanager
def _pg_conninfo(database_url: str) -> Iterator[str]:
    """A libpq connection string for pg_dump / pg_restore. The password goes in
    a temporary password file (mode 0600, removed afterwards), never on a
    command line other users could read."""
    from sqlalchemy.engine import make_url
    url = make_url(database_url)
    params = {"host": url.host, "port": url.port, "user": url.username,
              "dbname": url.database, "sslmode": url.query.get("sslmode")}
    folder = Path(tempfile.mkdtemp(prefix="eoffice-pg-"))
    try:
        if url.password:
            passfile = folder / "pgpass"
            fields = [url.host or "*", url.port or "*", url.database or "*",
                      url.username or "*", url.password]
            passfile.touch(mode=0o600)
            passfile.write_text(":".join(_pgpass_field(f) for f in fields) + "\n")
            params["passfile"] = passfile
        yield " ".join(f"{k}={_conninfo_value(v)}" for k, v in params.items() if v)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise _error(f"Không tìm thấy chương trình {command[0]} (gói postgresql-client).",
                     f"{command[0]} is not installed (package postgresql-client).") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-500:]
        raise _error(f"{what} không thành công: {detail}", f"{what} failed: {detail}")


def _dump_database(database_url: str, dialect: str, target: Path) -> None:
    if dialect == "sqlite":
        source = _sqlite_path(database_url)
        if not source.is_file():
            raise _error(f"Không có tệp cơ sở dữ liệu {source}.", f"No database file {source}.")
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
                sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    with _pg_conninfo(database_url) as conninfo:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}",
              f"--dbname={conninfo}"], "pg_dump")


def _load_database(database_url: str, dialect: str, source: Path, force: bool,
                   report: RestoreReport) -> None:
    if dialect == "sqlite":
        target = _sqlite_path(database_url)
        if target.exists() and force:
            report.moved_aside.extend(_move_aside(target, [target.with_name(target.name + s)
                                                           for s in ("-wal", "-shm")]))
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
                sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    if force:
        _empty_pg_schema(database_url)
    with _pg_conninfo(database_url) as conninfo:
        _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
              f"--dbname={conninfo}", str(source)], "pg_restore")


def _empty_pg_schema(database_url: str) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _database_tables(database_url: str, dialect: str) -> list[str]:
    if dialect == "sqlite" and not _sqlite_path(database_url).exists():
        return []
    from sqlalchemy import create_engine, inspect
    engine = create_engine(database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _schema_revision(database_url: str) -> str | None:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - not migrated with Alembic: nothing to note
        return None
    finally:
        engine.dispose()


# --- files -----------------------------------------------------------------------------------

def _copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (temporary name, fsync, rename) and return
    the SHA-256 and size of what was read: one read does both."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as dst, open(source, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return digest.hexdigest(), size


def _file_sha256(path: Path) -> str:
    from archive.integrity import digest_file
    return digest_file(path)[0]


def _blob_files(root: Path) -> list[Path]:
    return [path for _name, path in stored_digests(root)]


def _move_aside(path: Path, companions: list[Path] = ()) -> list[Path]:
    """Rename ``path`` (and companions that exist) to ``*.before-restore-<time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = []
    for item in [path, *companions]:
        if item.exists():
            aside = item.with_name(f"{item.name}.before-restore-{stamp}")
            item.rename(aside)
            moved.append(aside)
    return moved


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or not any(path.iterdir())


# --- backup ----------------------------------------------------------------------------------

def backup(database_url: str, blob_root: Path, dest: Path) -> BackupReport:
    """Write a backup set into ``dest`` (new or empty). See the module doc.

    ``damaged`` lists blobs whose bytes no longer match their name: they are
    copied as they are (the set is faithful) and the caller warns.
    """
    dialect = _dialect(database_url)
    dest, blob_root = Path(dest), Path(blob_root)
    if not _is_empty_dir(dest):
        raise _error(f"Thư mục {dest} đã có dữ liệu: chọn một thư mục mới hoặc trống "
                     "(không ghi đè một bản sao lưu cũ).",
                     f"{dest} is not empty: choose a new or empty folder (an earlier backup "
                     "is never overwritten).")
    dest.mkdir(parents=True, exist_ok=True)
    report = BackupReport(path=dest, dialect=dialect)
    lines = []
    db_file = dest / DB_FILES[dialect]
    _dump_database(database_url, dialect, db_file)
    lines.append((_file_sha256(db_file), DB_FILES[dialect]))
    report.bytes += db_file.stat().st_size
    for path in _blob_files(blob_root):
        rel = path.relative_to(blob_root)
        digest, size = _copy_hashing(path, dest / BLOBS / rel)
        if digest != path.name:
            report.damaged.append(str(rel))
        lines.append((digest, f"{BLOBS}/{rel.as_posix()}"))
        report.files += 1
        report.bytes += size
    (dest / MANIFEST).write_text("".join(f"{d}  {p}\n" for d, p in lines), encoding="utf-8")
    info = {"format": FORMAT, "application": "eoffice", "dialect": dialect,
            "database": DB_FILES[dialect], "schema_revision": _schema_revision(database_url),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "blobs": report.files, "bytes": report.bytes, "damaged_blobs": report.damaged}
    (dest / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


# --- verify and restore --------------------------------------------------------------------

def _read_manifest(src: Path) -> dict[str, str]:
    if not (src / INFO).is_file() or not (src / MANIFEST).is_file():
        raise _error(f"{src} không phải một bản sao lưu hoàn chỉnh (thiếu {INFO} hoặc "
                     f"{MANIFEST}).",
                     f"{src} is not a complete backup set ({INFO} or {MANIFEST} missing).")
    entries = {}
    for line in (src / MANIFEST).read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _sep, rel = line.partition("  ")
            entries[rel] = digest
    return entries


def verify(src: Path) -> list[str]:
    """Problems of the backup set at ``src`` (empty: every file listed is there
    with its SHA-256, and nothing else is)."""
    src = Path(src)
    entries = _read_manifest(src)
    problems = []
    for rel, digest in entries.items():
        path = src / rel
        if not path.is_file():
            problems.append(f"thiếu / missing: {rel}")
        elif _file_sha256(path) != digest:
            problems.append(f"sai SHA-256 / wrong SHA-256: {rel}")
    listed = set(entries)
    for path in _blob_files(src / BLOBS):
        rel = f"{BLOBS}/{path.relative_to(src / BLOBS).as_posix()}"
        if rel not in listed:
            problems.append(f"thừa / not in the manifest: {rel}")
    return problems


def target_is_empty(database_url: str, blob_root: Path) -> bool:
    """No table in the database and no blob in the store."""
    return not _database_tables(database_url, _dialect(database_url)) and \
        not _blob_files(Path(blob_root))


def restore(src: Path, database_url: str, blob_root: Path, force: bool = False) -> RestoreReport:
    """Restore the backup set ``src`` into the database and the blob folder.

    Raises:
        BackupError: the set is incomplete or damaged (nothing is touched), its
        database kind differs from the target's, or the target holds data and
        ``force`` is not given.
    """
    src, blob_root = Path(src), Path(blob_root)
    info = json.loads((src / INFO).read_text(encoding="utf-8")) if (src / INFO).is_file() \
        else None
    entries = _read_manifest(src)
    problems = verify(src)
    if problems:
        raise _error("Bản sao lưu bị hỏng, không khôi phục: " + "; ".join(problems[:5]),
                     "The backup set is damaged, nothing restored: " + "; ".join(problems[:5]),
                     problems=problems)
    dialect = _dialect(database_url)
    if info.get("dialect") != dialect:
        raise _error(f"Bản sao lưu là của {info.get('dialect')}, đích là {dialect}.",
                     f"The set holds a {info.get('dialect')} database; the target is {dialect}.")
    if not force and not target_is_empty(database_url, blob_root):
        raise _error("Nơi khôi phục đã có dữ liệu (cơ sở dữ liệu hoặc kho tệp). Dùng --force "
                     "để thay thế (dữ liệu cũ được chuyển sang tên *.before-restore-*).",
                     "The target already holds data (database or blob store). Use --force to "
                     "replace it (the old data is moved aside as *.before-restore-*).")
    report = RestoreReport(dialect=dialect)
    _load_database(database_url, dialect, src / info["database"], force, report)
    if force and blob_root.exists() and _blob_files(blob_root):
        report.moved_aside.extend(_move_aside(blob_root))
    _restore_blobs(src, blob_root, entries, report)
    return report


def _restore_blobs(src: Path, blob_root: Path, entries: dict[str, str],
                   report: RestoreReport) -> None:
    """Copy every blob of the set, checking each against the manifest as it is read."""
    prefix = f"{BLOBS}/"
    for rel, digest in entries.items():
        if not rel.startswith(prefix):
            continue
        target = blob_root / rel[len(prefix):]
        copied, size = _copy_hashing(src / rel, target)
        if copied != digest:
            raise _error(f"Tệp {rel} thay đổi trong khi khôi phục.",
                         f"{rel} changed while it was restored.")
        report.blobs += 1
        report.bytes += size
