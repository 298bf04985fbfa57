"""cartloader's nested catalog.yaml as it really is (SPEC §9): every text value names a file
relative to the catalog's folder, identifier keys skipped, the three groups chosen and ordered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zenodo_publish.manifest.catalog import group_of, read_catalog
from zenodo_publish.manifest.rules import FileRule

FIXTURE = Path(__file__).parent.parent / "data" / "cartloader" / "catalog.yaml"

#: The files of each group, in the order the catalog names them (shared with the collection test).
GROUPS = json.loads((FIXTURE.parent / "groups.json").read_text())
BASICS: list[str] = GROUPS["basics"]
BASEMAPS: list[str] = GROUPS["basemaps"]
OPTIONAL: list[str] = GROUPS["optional"]


def write_sample(folder: Path) -> None:
    """A sample folder as cartloader leaves it: the catalog and every file it names."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE, folder / "catalog.yaml")
    for name in BASICS + BASEMAPS + OPTIONAL:
        if name != "catalog.yaml":
            (folder / name).write_text(f"{folder.name} {name}\n")


def _names(root: Path, groups: tuple[str, ...] = ()) -> list[str]:
    rule = FileRule("catalog", "sample-a/catalog.yaml", file="zenodo.yaml", groups=groups)
    entries, problems = read_catalog(root, "sample-a/catalog.yaml", rule)
    assert problems == []
    assert all(entry.startswith("sample-a/") for entry, _ in entries)
    return [entry.removeprefix("sample-a/") for entry, _ in entries]


def test_all_groups_basics_first(tmp_path: Path) -> None:
    write_sample(tmp_path / "sample-a")
    assert _names(tmp_path) == BASICS + BASEMAPS + OPTIONAL


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (("basics",), BASICS),
        (("basemaps",), BASEMAPS),
        (("optional", "basics"), OPTIONAL + BASICS),
        (("basics", "optional"), BASICS + OPTIONAL),
    ],
)
def test_groups_select_and_order(
    tmp_path: Path, groups: tuple[str, ...], expected: list[str]
) -> None:
    write_sample(tmp_path / "sample-a")
    assert _names(tmp_path, groups) == expected


def test_a_missing_file_is_reported_at_its_catalog_line(tmp_path: Path) -> None:
    write_sample(tmp_path / "sample-a")
    (tmp_path / "sample-a" / "histology-he.pmtiles").unlink()
    rule = FileRule("catalog", "sample-a/catalog.yaml", file="zenodo.yaml")
    _, problems = read_catalog(tmp_path, "sample-a/catalog.yaml", rule)
    assert [p.format() for p in problems] == [
        "sample-a/catalog.yaml:48:16: $.assets.basemap.histology: "
        "sample-a/histology-he.pmtiles does not exist (fix the catalog)"
    ]


def test_flat_catalogs_keep_working_and_refuse_groups(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.txt").write_text("a\n")
    (tmp_path / "out" / "catalog.yaml").write_text("files: [a.txt]\n")
    rule = FileRule("catalog", "out/catalog.yaml", file="zenodo.yaml")
    entries, problems = read_catalog(tmp_path, "out/catalog.yaml", rule)
    assert ([e for e, _ in entries], problems) == (["out/a.txt"], [])
    grouped = FileRule("catalog", "out/catalog.yaml", file="zenodo.yaml", groups=("basics",))
    _, problems = read_catalog(tmp_path, "out/catalog.yaml", grouped)
    assert len(problems) == 1 and "groups: applies to cartloader" in problems[0].message


def test_group_rules() -> None:
    assert group_of("assets.basemap.sge.default") is None
    assert group_of("assets.basemap.sge.mono-dark") == "basics"
    assert group_of("assets.basemap.histology") == "basemaps"
    assert group_of("assets.basemap.histology.default") is None
    assert group_of("assets.factors.item_0.umap.ind_png") == "optional"
    assert group_of("assets.factors.item_0.alias") == "optional"
    assert group_of("assets.factors.item_0.model_id") is None
    assert group_of("id") is None and group_of("title") is None
    assert group_of("assets.sge.bins.item_1") == "basics"
