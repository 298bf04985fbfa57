"""The files a release is made from agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from zenodo_publish import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_changelogs_newest_release() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, flags=re.MULTILINE)
    assert releases, "CHANGELOG.md has no release heading"
    assert project["version"] == __version__ == releases[0]
    # Keep a Changelog: an Unreleased section on top, and a link for every heading.
    assert changelog.index("## [Unreleased]") < changelog.index(f"## [{releases[0]}]")
    for name in ["Unreleased", *releases]:
        assert re.search(rf"^\[{re.escape(name)}\]: https://", changelog, flags=re.MULTILINE)


def test_license_is_the_declared_one() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
