"""Paths that leave the repository, symlink escapes, hostile file names, YAML alias bombs and huge
file lists: refused before any network call, cheaply (counted in files opened, not wall time), and
nothing outside the repository is ever opened."""

from __future__ import annotations

import builtins
import io
import os
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import zenodo_publish
from zenodo_publish.errors import ManifestError, PolicyError
from zenodo_publish.manifest import inspect_manifest, load_manifest, resolve_files
from zenodo_publish.manifest.files import select_files

PACKAGE = Path(zenodo_publish.__file__).resolve().parent
HEAD = """\
endpoint: sandbox
metadata:
  title: Sweep
  resource_type: dataset
  license: cc-by-4.0
  creators: [{family_name: Lovelace, given_name: Ada}]
"""
BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@dataclass
class Opened:
    """Every file the code under test opens (io.open, builtins.open, os.open)."""

    paths: list[Path] = field(default_factory=list)

    def outside(self, root: Path) -> list[Path]:
        return [
            p
            for p in self.paths
            if not p.resolve().is_relative_to(root.resolve())
            and not p.resolve().is_relative_to(PACKAGE)
        ]


def _called_from_the_tool() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(str(PACKAGE)):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[Opened]:
    """Files opened by zenodo_publish code (not by pytest's own capture and temp files)."""
    record = Opened()
    real_open, real_os_open = io.open, os.open

    def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)) and _called_from_the_tool():
            record.paths.append(Path(os.fsdecode(file)))
        return real_open(file, *args, **kwargs)

    def spy_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if _called_from_the_tool():
            record.paths.append(Path(os.fsdecode(path)))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    yield record


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A secret file next to, not inside, the repository."""
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("title: the neighbour's secret\nversion: '9'\n")
    return secret


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "a.csv").write_text("x\n1\n")
    return repo


def write(root: Path, body: str, head: str = HEAD) -> Path:
    path = root / "zenodo.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path


def problems_of(root: Path, body: str, head: str = HEAD) -> list[str]:
    manifest, problems = inspect_manifest(write(root, body, head), check_files=True)
    assert manifest is None, "expected a refusal"
    for problem in problems:
        assert problem.file and problem.json_path.startswith("$")
    return [p.format() for p in problems]


# --- leaving the repository --------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        "../outside/secret.csv",
        "data/../../outside/secret.csv",
        "/etc/passwd",
        "{path: ../outside/, archive: o.zip}",
        "{catalog: ../outside/secret.csv}",
        "'..\\\\outside\\\\secret.csv'",
        "../outside/*.csv",
        "../**",
    ],
)
def test_paths_leaving_the_repository_are_refused_without_reading_them(
    root: Path, outside: Path, opened: Opened, entry: str
) -> None:
    found = problems_of(root, f"files:\n  - {entry}\n")
    assert any("leaves the repository" in p or "outside" in p for p in found), found
    assert opened.outside(root) == []


@pytest.mark.parametrize(
    ("link", "rule"),
    [
        ("data/passwd.csv", "data/*.csv"),  # a glob picks up the link
        ("data/passwd.csv", "data/passwd.csv"),  # named directly
        ("data/passwd.csv", "data/"),  # a folder rule walks onto it
        ("data/passwd.csv", "{path: data/, archive: d.zip}"),
        ("data/passwd.csv", "'**/*.csv'"),
    ],
)
@pytest.mark.parametrize("target", ["/etc/passwd", "OUTSIDE"])
def test_symlinks_to_files_outside_are_refused_and_never_opened(
    root: Path, outside: Path, opened: Opened, link: str, rule: str, target: str
) -> None:
    (root / link).symlink_to(outside if target == "OUTSIDE" else Path(target))
    path = write(root, f"files:\n  - {rule}\n")
    manifest, problems = inspect_manifest(path, check_files=True)
    assert manifest is None
    assert any("pointing outside the repository" in p.message for p in problems), problems
    with pytest.raises(ManifestError):
        resolve_files(load_manifest(path), build_dir=root / ".build")
    assert opened.outside(root) == []


@pytest.mark.parametrize(
    "rule", ["linked/", "linked/*", "linked/**", "{path: linked/, archive: l.zip}"]
)
def test_a_symlinked_folder_outside_is_refused_and_never_read(
    root: Path, outside: Path, opened: Opened, rule: str
) -> None:
    (root / "linked").symlink_to(outside.parent, target_is_directory=True)
    found = problems_of(root, f"files:\n  - data/a.csv\n  - {rule!r}\n".replace("'", '"'))
    assert found
    assert opened.outside(root) == []


def test_a_symlinked_folder_inside_the_repository_is_followed_for_named_paths(
    root: Path, opened: Opened
) -> None:
    (root / "alias").symlink_to(root / "data", target_is_directory=True)
    manifest = load_manifest(write(root, "files:\n  - alias/a.csv\n"))
    state = resolve_files(manifest, build_dir=root / ".build")
    assert [(f.name, f.size) for f in state.files] == [("a.csv", 4)]
    assert opened.outside(root) == []


def test_a_symlink_loop_is_a_problem_not_a_hang(root: Path, opened: Opened) -> None:
    (root / "data" / "loop").symlink_to(root / "data" / "loop")
    (root / "data" / "up").symlink_to(root, target_is_directory=True)
    found = problems_of(root, "files:\n  - data/loop\n")
    assert any("loop" in p for p in found), found
    manifest = load_manifest(write(root, "files:\n  - data/\n"))
    with pytest.raises(ManifestError) as raised:
        resolve_files(manifest, build_dir=root / ".build")
    assert any("loop" in p.message for p in raised.value.problems)


@pytest.mark.parametrize(
    ("head_extra", "make"),
    [
        ("metadata_from: [CITATION.cff]\n", "CITATION.cff"),
        ("metadata_from: [.zenodo.json]\n", ".zenodo.json"),
        ("", "out/catalog.yaml"),
    ],
)
def test_metadata_sources_and_catalogs_linked_outside_are_not_read(
    root: Path, outside: Path, opened: Opened, head_extra: str, make: str
) -> None:
    link = root / make
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(outside)
    body = (
        "files:\n  - data/a.csv\n"
        if make != "out/catalog.yaml"
        else "files:\n  - {catalog: out/catalog.yaml}\n"
    )
    found = problems_of(root, head_extra + body)
    assert any("outside the repository" in p for p in found), found
    assert "neighbour" not in "\n".join(found)
    assert opened.outside(root) == []


def test_description_files_outside_are_not_read(root: Path, outside: Path, opened: Opened) -> None:
    (root / "README.md").symlink_to(outside)
    head = HEAD.replace("  title: Sweep\n", "  title: Sweep\n  description_file: README.md\n")
    found = problems_of(root, "files:\n  - data/a.csv\n", head)
    assert any("outside the repository" in p for p in found), found
    head = HEAD.replace(
        "  title: Sweep\n", "  title: Sweep\n  description_file: ../outside/secret.csv\n"
    )
    assert problems_of(root, "files:\n  - data/a.csv\n", head)
    assert opened.outside(root) == []


# --- hostile names -----------------------------------------------------------------------------


def test_a_name_over_255_characters_is_refused(root: Path) -> None:
    found = problems_of(root, f"files:\n  - {{path: data/, archive: {'n' * 300}.zip}}\n")
    assert any("characters long" in p for p in found), found


@pytest.mark.parametrize(
    "entry",
    [
        "x" * 300,  # found by the manifest fuzz: ENAMETOOLONG escaped as a traceback
        f"data/{'y' * 256}.csv",
        f"data/{'z' * 300}/",
        f"{{path: {'w' * 300}, name: a.csv}}",
        f"{{catalog: data/{'c' * 300}.yaml}}",
        "/".join(["d" * 200] * 25),  # every name fits, the whole path does not
    ],
)
def test_a_path_too_long_to_exist_is_a_problem_not_a_traceback(root: Path, entry: str) -> None:
    found = problems_of(root, f"files:\n  - {entry}\n")
    assert any("too long for a file name" in p for p in found), found


def test_names_that_differ_only_by_case_or_normalisation_stay_distinct(root: Path) -> None:
    nfc = unicodedata.normalize("NFC", "café.csv")
    nfd = unicodedata.normalize("NFD", "café.csv")
    for name in (nfc, nfd, "Data.csv", "data.csv", "with space.csv", "x%2Fy.csv", "q?#&.csv"):
        (root / "data" / name).write_text(f"{name}\n")
    state = resolve_files(load_manifest(write(root, "files:\n  - data/*.csv\n")), build_dir=root)
    names = sorted(f.name for f in state.files)
    assert nfc in names and nfd in names and len(names) == 8


@pytest.mark.parametrize("name", ["nl\n::error::pwned.csv", "cr\r.csv", "tab\t.csv", "del\x7f.csv"])
def test_names_with_control_characters_are_refused_before_any_upload(root: Path, name: str) -> None:
    (root / "data" / name).write_text("x\n")
    found = problems_of(root, "files:\n  - data/\n")
    assert any("control character" in p for p in found), found


def test_two_folders_giving_one_name_are_refused(root: Path) -> None:
    (root / "other").mkdir()
    (root / "other" / "a.csv").write_text("y\n")
    found = problems_of(root, "files:\n  - data/\n  - other/\n")
    assert any("two files would be uploaded as a.csv" in p for p in found), found


# --- alias bombs and huge lists ----------------------------------------------------------------


def test_an_alias_bomb_in_the_manifest_is_refused(root: Path, opened: Opened) -> None:
    found = problems_of(root, BOMB + "files:\n  - data/a.csv\n")
    assert any("expands to more than" in p for p in found), found
    assert len(opened.paths) <= 3


@pytest.mark.parametrize("where", ["CITATION.cff", "out/catalog.yaml"])
def test_an_alias_bomb_in_a_source_or_catalog_is_refused(root: Path, where: str) -> None:
    (root / "out").mkdir()
    (root / where).write_text(BOMB + "title: t\nversion: *i\n" if where == "CITATION.cff" else BOMB)
    extra = "metadata_from: [CITATION.cff]\n" if where == "CITATION.cff" else ""
    rule = "data/a.csv" if where == "CITATION.cff" else "{catalog: out/catalog.yaml}"
    found = problems_of(root, f"{extra}files:\n  - {rule}\n")
    assert any("expands to more than" in p for p in found), found


def test_an_alias_bomb_in_citation_cff_does_not_stall_the_production_version_check(
    root: Path,
) -> None:
    from zenodo_publish.manifest import Endpoint, parse_endpoint
    from zenodo_publish.sync.publish_rules import check_publish_allowed

    # Not listed in metadata_from, so only the publish rules read it.
    (root / "CITATION.cff").write_text(BOMB + "version: *i\n")
    manifest = load_manifest(
        write(root, "files:\n  - data/a.csv\npublish: {on: tags}\n").parent / "zenodo.yaml"
    )
    production: Endpoint = parse_endpoint("production")
    manifest = type(manifest)(**{**vars(manifest), "endpoint": production})
    with pytest.raises(PolicyError) as raised:
        check_publish_allowed(manifest, production, tag_version="1.0")
    assert "CITATION.cff" in raised.value.message
    assert len(raised.value.message) < 2000


def test_a_10000_entry_file_list_is_refused_without_hashing(root: Path, opened: Opened) -> None:
    many = root / "many"
    many.mkdir()
    for index in range(10_000):
        (many / f"f{index:05}.txt").write_bytes(b"x")
    opened.paths.clear()
    body = "files:\n" + "".join(f"  - many/f{index:05}.txt\n" for index in range(10_000))
    path = write(root, body)
    manifest, problems = inspect_manifest(path, check_files=True)
    assert manifest is None
    assert [p.message for p in problems] == [
        "10000 files selected; Zenodo takes at most 100 per record"
    ]
    with pytest.raises(ManifestError):
        resolve_files(load_manifest(path), build_dir=root / ".build")
    # The manifest (twice) and the package's schema and vocabularies; no selected file.
    assert not [p for p in opened.paths if p.resolve().is_relative_to(many)]
    assert len(opened.paths) < 20


def test_a_10000_entry_catalog_is_refused_without_hashing(root: Path, opened: Opened) -> None:
    (root / "out").mkdir()
    (root / "out" / "catalog.yaml").write_text(
        "".join(f"- ../data/a{i}.csv\n" for i in range(10_000))
    )
    for index in range(10_000):
        (root / "data" / f"a{index}.csv").write_bytes(b"x")
    opened.paths.clear()
    selected, problems = select_files(
        load_manifest(write(root, "files:\n  - {catalog: out/catalog.yaml}\n")).files
    )
    assert len(selected) == 10_000
    assert [p.message for p in problems] == [
        "10000 files selected; Zenodo takes at most 100 per record"
    ]
    assert not [p for p in opened.paths if p.suffix == ".csv"]
