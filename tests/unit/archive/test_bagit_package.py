"""BagIt packages built with the bagit library (no database): valid, complete, and
refusing payload paths that would leave the bag."""
from __future__ import annotations

import io
import zipfile

import bagit
import pytest

from archive.bagit_package import BagFile, build_bag_zip, safe_name


def unzip(data: bytes, folder):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
        (top,) = {n.split("/")[0] for n in zf.namelist()}
    return folder / top


def test_a_bag_validates_with_sha256_manifests_and_the_given_info(tmp_path):
    files = [BagFile("originals/001-00-cong-van.pdf", b"%PDF-1.7 original"),
             BagFile("metadata.xml", "<CaseFile><Title>Hồ sơ</Title></CaseFile>".encode())]
    data = build_bag_zip("Hồ sơ 2026 01.TCCB", files, {"File-Code": "01.TCCB",
                                                       "Source-Organization": "Sở Văn hóa"})
    path = unzip(data, tmp_path)
    assert path.name == "ho-so-2026-01.tccb"
    bag = bagit.Bag(str(path))
    bag.validate()
    assert bag.algorithms == ["sha256"]
    assert bag.info["File-Code"] == "01.TCCB" and bag.info["Source-Organization"] == "Sở Văn hóa"
    assert sorted(bag.payload_files()) == ["data/metadata.xml",
                                           "data/originals/001-00-cong-van.pdf"]
    assert (path / "data/originals/001-00-cong-van.pdf").read_bytes() == b"%PDF-1.7 original"


def test_a_changed_or_missing_payload_file_fails_validation(tmp_path):
    data = build_bag_zip("bag", [BagFile("a.txt", b"abc"), BagFile("b.txt", b"def")], {})
    changed = unzip(data, tmp_path / "changed")
    (changed / "data/a.txt").write_bytes(b"abd")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(changed)).validate()
    missing = unzip(data, tmp_path / "missing")
    (missing / "data/b.txt").unlink()
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(missing)).validate()


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../b", ""])
def test_payload_paths_stay_inside_the_bag(path):
    with pytest.raises(ValueError):
        build_bag_zip("bag", [BagFile(path, b"x")], {})


def test_the_same_path_twice_is_refused():
    with pytest.raises(ValueError):
        build_bag_zip("bag", [BagFile("a.txt", b"1"), BagFile("a.txt", b"2")], {})


def test_safe_names_fold_vietnamese_and_drop_separators():
    assert safe_name("Công văn số 12/UBND-VX.pdf") == "cong-van-so-12-ubnd-vx.pdf"
    assert safe_name("../../") == "tep"
