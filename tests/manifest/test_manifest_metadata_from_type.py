"""A wrongly typed ``metadata_from`` is a manifest problem, not a crash (found by the sweep's
manifest fuzzing: ``metadata_from: 1`` raised TypeError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenodo_publish.manifest import inspect_manifest


@pytest.mark.parametrize("value", ["1", "{a: b}", "true"])
def test_metadata_from_of_the_wrong_type_is_reported(tmp_path: Path, value: str) -> None:
    (tmp_path / "data.csv").write_text("1\n")
    manifest = tmp_path / "zenodo.yaml"
    manifest.write_text(
        "metadata:\n  title: T\n  resource_type: dataset\n"
        "  creators: [{name: A}]\n"
        f"metadata_from: {value}\nfiles: [data.csv]\n"
    )
    _, problems = inspect_manifest(manifest, check_files=True)
    assert any(p.json_path.startswith("$.metadata_from") for p in problems), problems
