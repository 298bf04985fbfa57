"""The step summary rendered and photographed as a user sees it (summary_screenshots.py); the
README's pictures come from the same helper."""

from __future__ import annotations

from pathlib import Path

import pytest
from summary_screenshots import (
    WIDTH,
    find_chromium,
    ink,
    read_png,
    scenarios,
    screenshot,
    to_html,
    write_png,
)

ROOT = Path(__file__).resolve().parents[2]


def test_every_scenario_renders_to_html_a_person_can_read() -> None:
    pages = {name: to_html(markdown) for name, markdown in scenarios().items()}
    assert set(pages) == {"success", "publish-commit-failed", "pr-plan", "manifest-error"}
    for name, page in pages.items():
        assert "\\`" not in page, name  # no literal escaped backticks
        assert "<th></th>" not in page, name  # no empty header row
    assert "<th>DOI</th>" in pages["success"]
    assert "/commit/3f1c2a9b7e0d4c5a8b6f1e2d3c4b5a69788f0e1d" in pages["success"]
    assert "<strong>Plan:</strong> open a new version" in pages["pr-plan"]
    # The DOI comes before the failed commit-back's explanation.
    failed = pages["publish-commit-failed"]
    assert failed.index("<th>DOI</th>") < failed.index("Zenodo Publish failed")
    assert "3 problems in the manifest" in pages["manifest-error"]


def test_png_codec_round_trip() -> None:
    rows = [bytes([255] * 9), bytes([0, 10, 20] * 3), bytes([255] * 9)]
    assert read_png(write_png(3, rows)) == (3, rows)
    assert ink(rows) == 1


def test_the_readme_pictures_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in scenarios():
        picture = f"docs/summary-{name}.png"
        assert picture in readme
        width, rows = read_png((ROOT / picture).read_bytes())
        assert width == WIDTH and ink(rows) > 50


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed")
def test_headless_chromium_photographs_the_summary(tmp_path: Path) -> None:
    chromium = find_chromium()
    assert chromium is not None
    out = tmp_path / "manifest-error.png"
    width, height = screenshot(scenarios()["manifest-error"], out, chromium=chromium)
    assert width == WIDTH and 150 < height < 2400  # cropped to the content
    _, rows = read_png(out.read_bytes())
    assert ink(rows) > 50  # not a blank page
