"""The reliability and security sweep (issue 6): every test here runs under the token leak guard
(``leak_guard``, autouse), with no developer git config and no runner variables from the real
environment. The runner helpers of tests/github (gh_support) are reused."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "github"))

from leakcheck import LeakGuard, guard_context


@pytest.fixture(autouse=True)
def leak_guard(capfd: pytest.CaptureFixture[str]) -> Iterator[LeakGuard]:
    yield from guard_context(capfd)


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith(("INPUT_", "GITHUB_", "RUNNER_", "GIT_DIR", "GIT_WORK_TREE")):
            monkeypatch.delenv(name)
