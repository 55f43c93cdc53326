"""Integrity check throughput: ``archive.integrity``'s checksum pass against plain
``sha256sum`` over the same files, in the same run (issue 6, "bench/").

A temporary blob store (``FilesystemBlobStorage``, the layout the app uses)
is filled with ``--files`` blobs of mixed sizes totalling about ``--mb`` MB
(random bytes from a fixed seed: many small files like scanned letters, some
medium, a few large), read once so both tools start with a warm page cache
(the store fits in RAM here: what is measured is hashing and file handling,
not the disk), then timed in alternating rounds:

* ours: ``check_blob(storage, sha256, size)`` for every blob, one thread, as
  ``workflows.integrity`` does (1 MiB chunks, size and digest compared);
* plain: ``sha256sum --quiet -c MANIFEST`` over the same files (one process,
  coreutils, compares too).

Usage: ``.venv/bin/python bench/bench_integrity.py [--files 2000] [--mb 500]
[--rounds 3] [--no-results]``; the figures go to the "Integrity (issue 6)"
section of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401 - puts the project on sys.path

from archive.integrity import check_blob
from archive.storage import FilesystemBlobStorage

SECTION = "Integrity (issue 6)"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--no-results", action="store_true", help="Do not touch RESULTS.md.")
    return parser.parse_args()


def sizes(files: int, total: int, seed: int) -> list[int]:
    """Mixed sizes: 80 % small (10-200 KB), 18 % medium (0.3-3 MB), 2 % large,
    scaled so that they add up to ``total`` bytes."""
    rng = random.Random(seed)
    raw = []
    for _ in range(files):
        pick = rng.random()
        if pick < 0.80:
            raw.append(rng.uniform(10e3, 200e3))
        elif pick < 0.98:
            raw.append(rng.uniform(300e3, 3e6))
        else:
            raw.append(rng.uniform(5e6, 20e6))
    scale = total / sum(raw)
    return [max(1, int(s * scale)) for s in raw]


def fill(storage: FilesystemBlobStorage, lengths: list[int], seed: int) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    blobs = []
    for length in lengths:
        digest, _new = storage.put(rng.randbytes(length))
        blobs.append((digest, length))
    return blobs


def warm(paths: list[Path]) -> None:
    for path in paths:
        with open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass


def run_ours(storage, blobs) -> float:
    t0 = time.perf_counter()
    problems = [p for p in (check_blob(storage, d, s) for d, s in blobs) if p is not None]
    seconds = time.perf_counter() - t0
    assert not problems, problems[:3]
    return seconds


def run_plain(root: Path, manifest: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", "--quiet", "-c", str(manifest)], cwd=root, check=True)
    return time.perf_counter() - t0


def main() -> int:
    args = parse_args()
    load_before = common.loadavg()
    tmp = Path(tempfile.mkdtemp(prefix="bench_integrity-"))
    try:
        storage = FilesystemBlobStorage(tmp / "blobs")
        blobs = fill(storage, sizes(args.files, args.mb * 1_000_000, args.seed), args.seed)
        total = sum(s for _d, s in blobs)
        manifest = tmp / "manifest.txt"
        manifest.write_text("".join(f"{d}  {storage.path(d).relative_to(storage.root)}\n"
                                    for d, _s in blobs))
        warm([storage.path(d) for d, _s in blobs])
        print(f"{len(blobs)} blobs, {total / 1e6:.0f} MB (warm page cache); "
              f"load average {load_before}", flush=True)
        runs: dict[str, list[float]] = {"ours": [], "plain": []}
        for r in range(args.rounds):
            order = ("ours", "plain") if r % 2 == 0 else ("plain", "ours")
            for which in order:
                secs = run_ours(storage, blobs) if which == "ours" else \
                    run_plain(storage.root, manifest)
                runs[which].append(secs)
                print(f"  round {r + 1} {which:<5} {secs:6.2f} s  {total / 1e6 / secs:7.1f} MB/s"
                      f"  {len(blobs) / secs:7.0f} files/s  (load {common.loadavg()})",
                      flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = common.loadavg()
    if args.no_results:
        return 0
    labels = {"ours": "`archive.integrity.check_blob` (Python hashlib, 1 MiB chunks, 1 thread)",
              "plain": "`sha256sum --quiet -c` (coreutils, 1 process)"}
    rows = []
    for which in ("ours", "plain"):
        secs = statistics.median(runs[which])
        rows.append([common.today(), common.machine(), labels[which],
                     f"{len(blobs)} files, {total / 1e6:.0f} MB, warm cache",
                     " / ".join(f"{s:.2f}" for s in runs[which]),
                     f"{total / 1e6 / secs:.0f}", f"{len(blobs) / secs:.0f}",
                     f"{load_before} / {load_after}"])
    common.update_results(
        SECTION, ["date", "machine", "tool", "input", "seconds per round",
                  "MB/s (median)", "files/s (median)", "load avg 1 min (before/after)"],
        rows, key_columns=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
