"""Fixtures for the action's tests (see gh_support for what they reproduce)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gh_support import Repo, Runner, make_repo, make_runner


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer or system git config, no runner variables from the real environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith(("INPUT_", "GITHUB_", "RUNNER_", "GIT_DIR", "GIT_WORK_TREE")):
            monkeypatch.delenv(name)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


@pytest.fixture
def runner(tmp_path: Path, repo: Repo) -> Runner:
    return make_runner(tmp_path, repo)
