"""``archive.integrity`` on a real blob store in a temporary folder: streamed
digests, a flipped byte, a truncated or missing blob, orphans and stray files,
the storage's temporary files, and how signature statuses compare."""
from __future__ import annotations

import hashlib
import os

import pytest

from archive.integrity import (
    CHUNK,
    check_blob,
    digest_file,
    stored_digests,
    worse_signature,
)
from archive.storage import FilesystemBlobStorage


@pytest.fixture
def storage(tmp_path):
    return FilesystemBlobStorage(tmp_path / "blobs")


def flip_byte(path, offset: int = 10) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_the_streamed_digest_equals_hashlib_across_chunk_boundaries(tmp_path):
    data = os.urandom(CHUNK * 2 + 123)
    path = tmp_path / "big"
    path.write_bytes(data)
    assert digest_file(path) == (hashlib.sha256(data).hexdigest(), len(data))
    assert digest_file(path, chunk=7) == (hashlib.sha256(data).hexdigest(), len(data))
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert digest_file(empty) == (hashlib.sha256(b"").hexdigest(), 0)


def test_a_good_blob_passes_and_a_flipped_byte_is_a_mismatch(storage):
    digest, _ = storage.put(b"Quyet dinh so 15 " * 100)
    assert check_blob(storage, digest, 1700) is None
    flip_byte(storage.path(digest))
    problem = check_blob(storage, digest, 1700)
    assert problem.kind == "mismatch" and problem.sha256 == digest
    assert "1700 byte" in problem.detail


def test_missing_and_wrong_size(storage):
    digest, _ = storage.put(b"abc")
    assert check_blob(storage, digest, 4).kind == "size"     # the row's size is wrong
    storage.path(digest).unlink()
    assert check_blob(storage, digest, 3).kind == "missing"


def test_the_store_walk_skips_temporary_files_and_names_stray_ones(storage):
    a, _ = storage.put(b"one")
    b, _ = storage.put(b"two")
    folder = storage.path(a).parent
    (folder / ".tmp-abc123").write_bytes(b"half written")
    (storage.root / "ghi-chu.txt").write_text("stray")
    found = dict(stored_digests(storage.root))
    assert set(found) == {a, b, "ghi-chu.txt"}
    assert found[a] == storage.path(a)
    assert list(stored_digests(storage.root / "nowhere")) == []


@pytest.mark.parametrize("recorded, now, worse", [
    ("valid", "valid", False), ("valid", "untrusted", True), ("valid", "invalid", True),
    (None, "valid", False), (None, "modified", True), ("untrusted", "untrusted", False),
    ("untrusted", "valid", False), ("invalid", "invalid", False), ("valid", "none", True),
])
def test_signature_statuses_compare_with_what_was_recorded(recorded, now, worse):
    assert worse_signature(recorded, now) is worse
