"""Fixtures for the manifest tests: the invalid corpus copied into a scratch repository, with
the files git cannot hold conveniently (101 files, a sparse 50 GB file, an empty file, a
symlink leaving the repository) made on the spot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

INVALID = Path(__file__).resolve().parent.parent / "data" / "invalid"


@pytest.fixture(scope="session")
def invalid_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("invalid") / "repo"
    shutil.copytree(INVALID, root, symlinks=True)
    many = root / "many"
    many.mkdir()
    for index in range(101):
        (many / f"part-{index:03d}.txt").write_text(f"{index}\n")
    (root / "empty.txt").write_bytes(b"")
    with (root / "huge.bin").open("wb") as stream:
        stream.truncate(50 * 10**9 + 1)  # sparse: takes no disk space, never read
    outside = root.parent / "outside.txt"
    outside.write_text("secret\n")
    os.symlink(outside, root / "link_out")
    return root
