"""Fixtures for the lifecycle tests: a :class:`World` per test (bare remote, developer clone,
the emulator reset), no developer git config, no runner variables from the real environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lifecycle_support import World

from zenodo_publish.emulator.testing import EmulatorHandle


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith(("INPUT_", "GITHUB_", "RUNNER_", "GIT_DIR", "GIT_WORK_TREE", "ZENODO_")):
            monkeypatch.delenv(name)


@pytest.fixture
def world(tmp_path: Path, emulator: EmulatorHandle) -> World:
    return World(tmp_path / "world", emulator)
