"""`make demo` installs the package and its runtime dependencies only: a newcomer trying the
demo should not wait for linters and type stubs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(target: str, venv: Path) -> list[str]:
    """The commands `make` would run for ``target`` in a fresh venv (nothing is executed)."""
    done = subprocess.run(
        ["make", "-n", "-B", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def test_demo_installs_runtime_dependencies_only(tmp_path: Path) -> None:
    commands = dry_run("demo", tmp_path / "venv")
    installs = [c for c in commands if "pip install" in c and "--upgrade pip" not in c]
    assert installs, commands
    # Exactly the package: no extras (`.[test,lint]`), no extra requirements.
    assert all(c.split("pip install", 1)[1].split() == ["--quiet", "-e", "."] for c in installs)
    assert any(c.endswith("examples/demo.py") for c in commands)


def test_test_target_still_installs_the_tools(tmp_path: Path) -> None:
    commands = dry_run("unit", tmp_path / "venv")
    assert any("-e '.[test,lint]'" in c for c in commands), commands
