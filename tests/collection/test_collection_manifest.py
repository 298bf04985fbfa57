"""Collection manifests: tables (CSV, TSV, XLSX) and inline records, templates, keys, and every
problem of every row in one report with the table's file, row and column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from collection_support import REPOSITORY_URL, Runner, make_collection_repo

from zenodo_publish.cli import main
from zenodo_publish.collection.manifest import load_collection
from zenodo_publish.collection.templates import ABSENT, fill, placeholders
from zenodo_publish.errors import ManifestError

KEYS30 = [f"item-{i:02d}" for i in range(30)]
#: Three bad rows: a licence typo, a key with a space, a row whose files do not exist.
BAD = {"item-04": {"license": "cc-by-4"}, "item-11": {"id": "item 11"}, "item-23": {}}


def _problems(repo: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_collection(repo / "zenodo.yaml", check_files=lambda keys: keys)
    return [p.format() for p in caught.value.problems]


def _write_xlsx(repo: Path, csv_name: str = "records.csv") -> None:
    """The same table as an .xlsx workbook (numbers and empty cells as a spreadsheet has them)."""
    lines = (repo / csv_name).read_text().splitlines()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in lines:
        sheet.append([cell if cell else None for cell in line.split(",")])
    workbook.save(repo / "records.xlsx")
    text = (repo / "zenodo.yaml").read_text().replace("table: records.csv", "table: records.xlsx")
    (repo / "zenodo.yaml").write_text(text)
    (repo / csv_name).unlink()


def _thirty_rows_three_bad(root: Path) -> Path:
    repo = make_collection_repo(root, KEYS30, bad=BAD)
    for path in (repo / "objects" / "item-23").iterdir():
        path.unlink()
    return repo


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_thirty_rows_three_bad_all_reported_nothing_sent(
    tmp_path: Path,
    runner: Runner,
    form: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = _thirty_rows_three_bad(tmp_path / "repo")
    if form == "xlsx":
        _write_xlsx(repo)
    table = f"records.{form}"
    problems = _problems(repo)
    assert len(problems) == 3, problems
    assert problems[0].startswith(
        f"{table}:6:3: $.metadata.license: record item-04: unknown license"
    )
    assert "mapped at zenodo.yaml:15" in problems[0]
    assert problems[1].startswith(f"{table}:13:1: $.records.key: key 'item 11' may hold only")
    assert problems[2].startswith(f"{table}:25:1: $.files[1]: record item-23: objects/item-23/*")

    # Through the command line: exit 1, the three problems, not one request to Zenodo.
    monkeypatch.setenv("ZENODO_TOKEN", runner.emu.token)
    runner.emu.control.clear_log()
    code = main(["sync", "--manifest", str(repo / "zenodo.yaml"), "--endpoint", runner.emu.api_url])
    assert code == 1
    err = capsys.readouterr().err
    assert "3 problems" in err and f"{table}:6:3" in err and f"{table}:25:1" in err
    assert runner.log() == []
    assert not (repo / ".zenodo").exists()


def test_tsv_table_and_templates_fill_every_kind_of_field(tmp_path: Path) -> None:
    repo = make_collection_repo(tmp_path / "repo", ["a", "b"], table="records.tsv")
    (repo / "extra").mkdir()
    (repo / "extra" / "a.md").write_text("notes a\n")
    (repo / "extra" / "b.md").write_text("notes b\n")
    text = (repo / "zenodo.yaml").read_text()
    text = text.replace(
        '    - "objects/{id}/*"\n',
        '    - "objects/{id}/*"\n    - {path: "extra/{id}.md"}\n'
        '    - {path: "objects/{id}/", archive: "{id}-all.zip"}\n',
    )
    (repo / "zenodo.yaml").write_text(text)
    collection = load_collection(repo / "zenodo.yaml", check_files=lambda keys: keys)
    a = collection.records[0].manifest
    assert collection.keys == ("a", "b")
    assert a.metadata.metadata.title == "Object a"
    assert a.metadata.metadata.keywords == ("a", "b")
    assert a.metadata.metadata.license == "cc-by-4.0"  # the empty cell leaves the default
    assert [(r.kind, r.pattern, r.archive_name) for r in a.file_rules] == [
        ("path", "LICENSE.txt", None),
        ("path", "objects/a/*", None),
        ("path", "extra/a.md", None),
        ("archive", "objects/a/", "a-all.zip"),
    ]
    assert a.record_file == Path(".zenodo/records/a.json")
    assert a.metadata.provenance["title"] == "zenodo.yaml"


def test_inline_records_and_duplicate_keys(tmp_path: Path) -> None:
    repo = make_collection_repo(tmp_path / "repo", ["x", "y"])
    (repo / "zenodo.yaml").write_text(
        f"""\
code_repository: {REPOSITORY_URL}
record_file: state/records/
metadata:
  resource_type: dataset
  license: cc-by-4.0
  description: Objects of the lab.
  creators: [{{name: Lab}}]
records:
  - key: x
    metadata: {{title: The x}}
    files: [objects/x/*]
  - key: y
    metadata: {{title: The y, license: cc-by-4}}
    files: [objects/y/*]
  - key: x
    metadata: {{title: Again}}
"""
    )
    problems = _problems(repo)
    assert len(problems) == 2, problems
    assert problems[0].startswith("zenodo.yaml:13:39: $.metadata.license: record y: unknown")
    assert problems[1].startswith("zenodo.yaml:15:10: $.records[2].key: key 'x' is used twice")


def test_unknown_column_is_reported_at_the_mapping_once(tmp_path: Path) -> None:
    repo = make_collection_repo(tmp_path / "repo", ["a", "b", "c"])
    text = (repo / "zenodo.yaml").read_text().replace('"{title}"', '"{title} ({place})"')
    (repo / "zenodo.yaml").write_text(text)
    problems = _problems(repo)
    assert len(problems) == 1, problems
    assert problems[0].startswith("zenodo.yaml:14:12: $.records.metadata.title: {place} names")


def test_a_shared_default_problem_is_reported_once_for_all_records(tmp_path: Path) -> None:
    repo = make_collection_repo(tmp_path / "repo", [f"k{i}" for i in range(8)])
    text = (
        (repo / "zenodo.yaml")
        .read_text()
        .replace("resource_type: dataset", "resource_type: datset")
    )
    (repo / "zenodo.yaml").write_text(text)
    problems = _problems(repo)
    assert len(problems) == 1, problems
    assert "records k0, k1, k2, k3, k4 and 3 more" in problems[0]
    assert problems[0].startswith("zenodo.yaml:4:")


def test_a_single_record_command_refuses_a_collection_clearly(tmp_path: Path) -> None:
    repo = make_collection_repo(tmp_path / "repo", ["a"])
    code = main(["discard", "--manifest", str(repo / "zenodo.yaml")])
    assert code == 1


def test_templates() -> None:
    cells = {"id": "a7", "kw": " x; ;y ", "empty": ""}
    assert fill("objects/{id}/*.tif", cells).value == "objects/a7/*.tif"
    assert fill("{{literal}} {id}", cells).value == "{literal} a7"
    assert fill("{empty}", cells).value is ABSENT
    assert fill("v{empty}", cells).value == "v"
    assert fill({"column": "kw", "split": ";"}, cells).value == ["x", "y"]
    assert fill({"column": "empty", "split": ";"}, cells).value is ABSENT
    assert fill([{"name": "{id}"}, "{empty}"], cells).value == [{"name": "a7"}]
    filled = fill("{id}-{nope}", cells)
    assert (filled.columns, filled.unknown) == (["id"], ["nope"])
    assert placeholders({"a": ["{x}", {"column": "y"}], "b": "{{z}} {w}"}) == ["x", "y", "w"]
