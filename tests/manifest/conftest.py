"""Fixtures for the manifest tests: the invalid corpus copied into a scratch repository, with
the files git cannot hold conveniently (101 files, a sparse 50 GB file, an empty file, a
symlink leaving the repository) made on the spot; and a runner for the manifest commands."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from zenodo_publish.cli import report_error
from zenodo_publish.errors import ZenodoPublishError

INVALID = Path(__file__).resolve().parent.parent / "data" / "invalid"

RunCommand = Callable[..., int]


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


def run_command(name: str, *argv: str) -> int:
    """Run one command module the way ``cli.main`` does (same error handler and exit codes),
    without importing every other command: their modules are not this layer's concern."""
    module = importlib.import_module(f"zenodo_publish.commands.{name}")
    parser = argparse.ArgumentParser(prog=f"zenodo-publish {name}")
    module.add_arguments(parser)
    args = parser.parse_args(list(argv))
    try:
        return int(module.run(args))
    except ZenodoPublishError as error:
        report_error(error)
        return error.exit_code


@pytest.fixture
def run() -> RunCommand:
    return run_command
